"""Figures, Poincaré-disk drawings, the interactive explorer and Jupyter reprs.

* :func:`explorer` — write the interactive radial explorer (attention on
  concentric rings; entanglement wedges of a HaPPY code) as one self-contained
  HTML file;
* :func:`tiling_html`, :func:`code_html`, :func:`report_html`,
  :func:`record_html` — the rich Jupyter representations of tilings, codes,
  verification reports and attention records;
* :mod:`holonet.viz.figures` — the registry behind ``holonet figures``;
* :mod:`holonet.viz.style` — one matplotlib style (a shipped ``.mplstyle`` applied
  only inside :func:`figure_style`; the backend is never changed), journal
  figure sizes (:func:`figure_size`) and a colour-blind-safe palette.

Matplotlib is imported lazily inside the drawing functions.

Examples
--------
>>> import holonet.viz as viz
>>> callable(viz.explorer) and callable(viz.code_html)
True
"""

from __future__ import annotations

from holonet.viz.explorer import explorer, explorer_html
from holonet.viz.repr import code_html, record_html, report_html, tiling_html
from holonet.viz.style import (
    JOURNAL_WIDTHS,
    PALETTE,
    SEQUENTIAL,
    STYLE_FILE,
    figure_size,
    figure_style,
    layer_colors,
)

__all__ = [
    "JOURNAL_WIDTHS",
    "PALETTE",
    "SEQUENTIAL",
    "STYLE_FILE",
    "code_html",
    "explorer",
    "explorer_html",
    "figure_size",
    "figure_style",
    "layer_colors",
    "record_html",
    "report_html",
    "tiling_html",
]
