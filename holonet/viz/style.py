"""One figure style for the project: vector output, colour-blind-safe palette.

The palette is Paul Tol's "bright" qualitative scheme, distinguishable under the
common forms of colour blindness; sequential data uses ``cividis``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

__all__ = ["PALETTE", "SEQUENTIAL", "figure_style", "layer_colors"]

#: Paul Tol's bright scheme (colour-blind safe).
PALETTE: tuple[str, ...] = (
    "#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377", "#BBBBBB",
)
#: Sequential colour map for continuous values.
SEQUENTIAL = "cividis"

_RC: dict[str, Any] = {
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "holonet",
    "svg.fonttype": "path",
    "pdf.fonttype": 42,
    "path.simplify": True,
}


@contextlib.contextmanager
def figure_style() -> Iterator[None]:
    """Context manager applying holonet's matplotlib style (non-interactive backend).

    Examples
    --------
    >>> with figure_style():
    ...     import matplotlib.pyplot as plt
    ...     fig = plt.figure(); plt.close(fig)
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from cycler import cycler

    rc = dict(_RC)
    rc["axes.prop_cycle"] = cycler(color=list(PALETTE))
    with plt.rc_context(rc):  # type: ignore[arg-type]
        yield


def layer_colors(n: int) -> list[tuple[float, float, float, float]]:
    """``n`` colours from the sequential map, one per layer (centre first).

    Examples
    --------
    >>> len(layer_colors(4))
    4
    """
    import matplotlib

    cmap = matplotlib.colormaps[SEQUENTIAL]
    if n <= 1:
        return [cmap(0.15)]
    return [cmap(0.1 + 0.8 * i / (n - 1)) for i in range(n)]
