"""Figures, Poincaré-disk drawings, the interactive explorer and Jupyter reprs.

Matplotlib is imported lazily inside the drawing functions.
"""

from __future__ import annotations

__all__: list[str] = []
