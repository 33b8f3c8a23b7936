"""Attention derived as contractions over holonet's networks (backend-agnostic)."""

from __future__ import annotations

from holonet.attention.record import AttentionRecord

__all__ = ["AttentionRecord"]
