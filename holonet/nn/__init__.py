"""holonet.nn."""

from __future__ import annotations

__all__: list[str] = []
