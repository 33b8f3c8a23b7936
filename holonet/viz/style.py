"""One figure style for the project: vector output, colour-blind-safe palette, journal sizes.

The style lives in a shipped matplotlib style file, :data:`STYLE_FILE`
(``holonet/viz/holonet.mplstyle``), and is applied only inside
:func:`figure_style`, a context manager built on :func:`matplotlib.style.context`
(itself an ``rc_context``): every ``rcParams`` entry is restored when the block
ends. holonet never selects or switches the matplotlib backend, so plots show
in Jupyter (inline or widget backends), in scripts with a GUI backend, and
headless alike. To use the style in your own code, either wrap it::

    with figure_style("column"):
        fig, ax = plt.subplots()

or load the file yourself: ``plt.style.use(holonet.viz.style.STYLE_FILE)``.

The palette is Paul Tol's "bright" qualitative scheme, distinguishable under the
common forms of colour blindness; sequential data uses ``cividis``.

Figure widths (:data:`JOURNAL_WIDTHS`, inches) follow the journals' author
guidelines: the Physical Review journals (APS: PRL, PRX, PRA-PRE; REVTeX
two-column layout) 8.6 cm = 3.375 in for one column and 17.8 cm = 7.0 in for
the full page; Nature research journals 89 mm and 183 mm; IEEE Transactions
3.5 in and 7.16 in.
"""

from __future__ import annotations

import contextlib
import math
import numbers
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from holonet._options import check_option

__all__ = ["GOLDEN", "JOURNAL_WIDTHS", "PALETTE", "SEQUENTIAL", "STYLE_FILE", "figure_size",
           "figure_style", "layer_colors"]

#: Paul Tol's bright scheme (colour-blind safe); the style file's colour cycle.
PALETTE: tuple[str, ...] = (
    "#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377", "#BBBBBB",
)
#: Sequential colour map for continuous values.
SEQUENTIAL = "cividis"

#: The shipped matplotlib style file applied by :func:`figure_style`.
STYLE_FILE: Path = Path(__file__).with_name("holonet.mplstyle")

#: Figure widths in inches, ``{journal: {"column": w, "page": w}}``: APS Physical
#: Review (3 3/8 in, 7 in), Nature (89 mm, 183 mm), IEEE Transactions (3.5 in, 7.16 in).
JOURNAL_WIDTHS: dict[str, dict[str, float]] = {
    "aps": {"column": 3.375, "page": 7.0},
    "nature": {"column": 89 / 25.4, "page": 183 / 25.4},
    "ieee": {"column": 3.5, "page": 7.16},
}

#: Default height/width ratio, 1/phi (the golden ratio's inverse).
GOLDEN = 2 / (1 + math.sqrt(5))


def _positive(what: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what} must be a positive number; got {type(value).__name__} "
                        f"{value!r}")
    x = float(value)
    if not (math.isfinite(x) and x > 0):
        raise ValueError(f"{what} must be a positive finite number; got {value!r}")
    return x


def figure_size(width: str | float = "column", *, journal: str = "aps",
                aspect: float | None = None, height: float | None = None
                ) -> tuple[float, float]:
    """The ``(width, height)`` in inches of a figure for a journal column or page.

    Parameters
    ----------
    width : {'column', 'page'} or float
        ``'column'`` is one column of a two-column journal, ``'page'`` the full
        text width (:data:`JOURNAL_WIDTHS`); a number is a width in inches.
    journal : {'aps', 'nature', 'ieee'}
        Whose widths ``'column'``/``'page'`` mean.
    aspect : float, optional
        Height over width; default :data:`GOLDEN` (about 0.618).
    height : float, optional
        Height in inches (instead of ``aspect``).

    Examples
    --------
    >>> figure_size("column")                      # APS single column, golden ratio
    (3.375, 2.086)
    >>> figure_size("page", aspect=0.4)
    (7.0, 2.8)
    >>> figure_size("column", journal="nature", height=2.0)
    (3.504, 2.0)
    >>> figure_size("colum")
    Traceback (most recent call last):
        ...
    ValueError: unknown figure width 'colum'; expected one of 'column', 'page'
    """
    widths = JOURNAL_WIDTHS[check_option("journal", journal, JOURNAL_WIDTHS)]
    if isinstance(width, str):
        w = widths[check_option("figure width", width, widths)]
    else:
        w = _positive("width", width)
    if height is not None and aspect is not None:
        raise ValueError(f"give either height or aspect, not both; got height={height!r}, "
                         f"aspect={aspect!r}")
    if height is not None:
        h = _positive("height", height)
    else:
        h = w * (GOLDEN if aspect is None else _positive("aspect", aspect))
    return round(w, 3), round(h, 3)


@contextlib.contextmanager
def figure_style(width: str | float | None = None, *, journal: str = "aps",
                 aspect: float | None = None, height: float | None = None,
                 reset: bool = True) -> Iterator[None]:
    """Apply holonet's matplotlib style (and optionally a journal figure size) in a block.

    A context manager (also usable as a decorator) around
    :func:`matplotlib.style.context` with :data:`STYLE_FILE`: every ``rcParams``
    entry it changes is restored on exit, even after an exception. It never
    touches the backend, so figures display wherever they would without it.

    Parameters
    ----------
    width : {'column', 'page'} or float, optional
        Set ``figure.figsize`` to :func:`figure_size` of this width (and
        ``journal``, ``aspect``, ``height``); by default the size is untouched.
    journal : {'aps', 'nature', 'ieee'}
        Whose column widths ``'column'``/``'page'`` mean (default APS Physical
        Review: 3.375 in and 7.0 in).
    aspect, height : float, optional
        Height over width, or the height in inches (with ``width``).
    reset : bool
        Start from matplotlib's defaults (the default, so holonet's figures look
        the same whatever the user's ``matplotlibrc``); ``False`` layers the
        style over the current settings.

    Examples
    --------
    >>> import matplotlib
    >>> import matplotlib.pyplot as plt
    >>> backend = matplotlib.get_backend()
    >>> before = matplotlib.rcParams["font.size"]
    >>> with figure_style("column"):
    ...     fig, ax = plt.subplots()
    ...     size = tuple(float(x) for x in fig.get_size_inches().round(3))
    ...     plt.close(fig)
    >>> size
    (3.375, 2.086)
    >>> matplotlib.rcParams["font.size"] == before, matplotlib.get_backend() == backend
    (True, True)
    """
    import matplotlib
    import matplotlib.style

    if height is not None or aspect is not None:
        if width is None:
            raise ValueError("figure_style: aspect or height needs a width "
                             "('column', 'page' or inches)")
    rc: dict[str, Any] = {} if width is None else {
        "figure.figsize": figure_size(width, journal=journal, aspect=aspect, height=height)}
    if width is None:
        check_option("journal", journal, JOURNAL_WIDTHS)
    with matplotlib.style.context(str(STYLE_FILE), after_reset=bool(reset)), \
            matplotlib.rc_context(rc):  # type: ignore[arg-type]
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
