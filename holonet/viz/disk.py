"""Poincaré-disk drawings of tilings with matplotlib: tiles, edges, legs, highlights.

A small general API reused by the tiling, code and wedge figures:

* :func:`draw_tiling` — tiles as exact hyperbolic polygons (geodesic edges are
  circle arcs orthogonal to the rim), coloured by layer, by kind, by per-tile
  values or explicit colours, with optional highlighted tiles and edges;
* :func:`draw_edges` — emphasise a set of ``(tile, edge)`` edges (bonds, cuts);
* :func:`draw_legs` — dangling boundary legs (physical qubits) as short radial
  strokes with dots, optionally coloured per leg;
* :func:`draw_bulk` — markers on tile centres (bulk legs / logical qubits);
* :func:`geodesic`, :func:`edge_midpoint` — the geometry underneath.

Every function takes ``ax=None`` (a new square Axes is created) and returns the Axes.
Matplotlib is imported inside the functions.

Examples
--------
>>> from holonet.geometry import HyperbolicTiling
>>> from holonet.viz.style import figure_style
>>> with figure_style():
...     ax = draw_tiling(HyperbolicTiling(5, 4, 2), highlight=[0])
...     ax = draw_legs(HyperbolicTiling(5, 4, 2), ax=ax)
>>> ax.get_aspect()
1.0
>>> import matplotlib.pyplot as plt; plt.close("all")
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from holonet._options import check_indices, check_int
from holonet.geometry.poincare import mobius_from_origin, mobius_to_origin

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from holonet.geometry import HyperbolicTiling

__all__ = ["draw_bulk", "draw_edges", "draw_legs", "draw_tiling", "edge_midpoint",
           "geodesic", "tile_outline"]

_COLOR_BY = ("layer", "kind", "none")


def geodesic(a: complex | np.ndarray, b: complex | np.ndarray, n: int = 12) -> np.ndarray:
    """``n`` points on the hyperbolic geodesic from ``a`` to ``b`` (shape ``(..., n)``).

    Translating ``a`` to the origin makes the geodesic a straight segment, so the
    points are ``T_a(t * T_a^{-1}(b))`` for ``t`` in ``[0, 1]``.

    Examples
    --------
    >>> pts = geodesic(0.0, 0.5, n=3)   # the middle point is the hyperbolic midpoint
    >>> bool(np.allclose(pts, [0, np.tanh(np.arctanh(0.5) / 2), 0.5]))
    True
    """
    n = check_int("n", n, minimum=2)
    a = np.asarray(a, dtype=complex)[..., None]
    b = np.asarray(b, dtype=complex)[..., None]
    d = mobius_to_origin(a, b)
    # equal hyperbolic steps: tanh(t * artanh|d|) / |d|
    t = np.linspace(0.0, 1.0, n)
    r = np.abs(d)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(r > 0, np.tanh(t * np.arctanh(np.minimum(r, 1 - 1e-16))) / r, t)
    return np.asarray(mobius_from_origin(a, d * scale))


def edge_midpoint(tiling: HyperbolicTiling, tile: int, edge: int) -> complex:
    """Hyperbolic midpoint of edge ``edge`` of tile ``tile``.

    Examples
    --------
    >>> from holonet.geometry import HyperbolicTiling
    >>> z = edge_midpoint(HyperbolicTiling(5, 4, 1), 0, 0)
    >>> bool(abs(z.imag) < 1e-12 and z.real > 0)
    True
    """
    v, e = _tile_edge(tiling, tile, edge)
    return complex(geodesic(v[e], v[(e + 1) % len(v)], n=3)[1])


def _require_tiling(tiling: Any) -> None:
    for attr in ("n_tiles", "tiles", "centers", "vertex_array"):
        if not hasattr(tiling, attr):
            raise TypeError(f"tiling must be a HyperbolicTiling; got {type(tiling).__name__} "
                            f"{tiling!r:.40}")


def _tile_edge(tiling: Any, tile: Any, edge: Any) -> tuple[np.ndarray, int]:
    """The vertices of ``tile`` and a validated edge index (TypeError/ValueError naming them)."""
    v = tiling.tiles[tile].vertices  # the tile sequence validates the tile index
    e = check_int("edge", edge, minimum=0, maximum=len(v) - 1)
    return v, e


def tile_outline(tiling: HyperbolicTiling, tile: int, samples: int = 8) -> np.ndarray:
    """Closed outline of a tile with geodesic edges, ``n_edges * samples`` points.

    Examples
    --------
    >>> import numpy as np
    >>> from holonet.geometry import HyperbolicTiling
    >>> z = tile_outline(HyperbolicTiling(5, 4, 1), 0, samples=8)
    >>> z.shape, bool(np.all(np.abs(z) < 1))  # 5 edges x 8 points, inside the disk
    ((40,), True)
    """
    samples = check_int("samples", samples, minimum=1)
    v = tiling.tiles[tile].vertices
    pts = geodesic(v, np.roll(v, -1), n=samples + 1)[:, :-1]
    return np.asarray(pts.reshape(-1))


def _ax(ax: Axes | None) -> Axes:
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    return ax


def _finish(ax: Axes, rim: bool) -> None:
    from matplotlib.patches import Circle

    if rim and not getattr(ax, "_holonet_rim", False):
        ax.add_patch(Circle((0, 0), 1.0, fill=False, lw=0.8, color="0.3", zorder=0.5))
        ax._holonet_rim = True  # type: ignore[attr-defined]
    ax.set_xlim(-1.03, 1.03)
    ax.set_ylim(-1.03, 1.03)
    ax.set_aspect("equal")
    ax.set_axis_off()


def _tile_colors(tiling: HyperbolicTiling, color_by: Any, cmap: str | None) -> list[Any]:
    import matplotlib
    import matplotlib.colors as mcolors

    from holonet.viz.style import PALETTE, SEQUENTIAL, layer_colors

    n = tiling.n_tiles
    if isinstance(color_by, str):
        from holonet._options import check_option

        check_option("color_by", color_by, _COLOR_BY)
        if color_by == "layer":
            cols = layer_colors(tiling.layers)
            return [cols[int(lay) - 1] for lay in tiling.layer_index]
        if color_by == "kind":
            # one colour per polygon size, smallest first (pentagons before hexagons)
            sizes = sorted(set(int(x) for x in tiling.n_edges_array))
            table = {s: PALETTE[(i + 4) % len(PALETTE)] for i, s in enumerate(sizes)}
            return [table[int(s)] for s in tiling.n_edges_array]
        return ["white"] * n
    if color_by is None:
        return ["white"] * n
    if isinstance(color_by, Mapping):
        return [color_by.get(i, "white") for i in range(n)]
    values = list(color_by)
    if len(values) != n:
        raise ValueError(f"color_by has {len(values)} entries; expected one per tile ({n})")
    if all(isinstance(v, (int, float, np.integer, np.floating)) for v in values):
        arr = np.asarray(values, dtype=float)
        lo, hi = float(arr.min()), float(arr.max())
        norm = mcolors.Normalize(lo, hi if hi > lo else lo + 1)
        cm = matplotlib.colormaps[cmap or SEQUENTIAL]
        return [cm(norm(v)) for v in arr]
    return values


def draw_tiling(tiling: HyperbolicTiling, ax: Axes | None = None, *,
                color_by: Any = "layer", cmap: str | None = None,
                highlight: Iterable[int] | None = None, highlight_color: str = "#EE6677",
                highlight_edges: Iterable[tuple[int, int]] | None = None,
                edge_color: str = "0.25", linewidth: float = 0.4, alpha: float = 1.0,
                samples: int = 8, rim: bool = True, labels: bool = False,
                max_tiles: int = 20_000) -> Axes:
    """Draw ``tiling`` in the Poincaré disk; returns the Axes.

    Parameters
    ----------
    color_by : {"layer", "kind", "none"}, sequence, mapping or None
        Fill colours: by layer (sequential map, centre darkest), by tile kind, a
        per-tile sequence of numbers (mapped through ``cmap``) or colours, or a
        ``{tile: colour}`` mapping (others white).
    highlight : iterable of int
        Tiles filled with ``highlight_color`` (drawn on top, e.g. a wedge).
    highlight_edges : iterable of (tile, edge)
        Edges drawn thick in ``highlight_color`` (e.g. a minimal cut).
    labels : bool
        Write tile indices at the centres (small tilings).
    max_tiles : int
        Refuse to draw more tiles (a ``ValueError`` naming the count).

    Examples
    --------
    >>> from holonet.geometry import HyperbolicTiling
    >>> from holonet.viz.style import figure_style
    >>> with figure_style():
    ...     ax = draw_tiling(HyperbolicTiling(5, 4, 3, convention="edge"), color_by="kind",
    ...                      highlight_edges=[(0, 0)])
    >>> len(ax.collections) >= 1
    True
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    from matplotlib.collections import PolyCollection

    _require_tiling(tiling)
    if tiling.n_tiles > max_tiles:
        raise ValueError(f"refusing to draw {tiling.n_tiles:,} tiles (max_tiles={max_tiles:,})")
    ax = _ax(ax)
    colors = _tile_colors(tiling, color_by, cmap)
    # tiles near the rim are tiny: their geodesic edges are drawn as chords
    size = np.abs(tiling.vertex_array[:, 0] - tiling.centers)
    outlines = [tile_outline(tiling, i, samples if size[i] > 0.03 else 1)
                for i in range(tiling.n_tiles)]
    polys = [np.c_[o.real, o.imag] for o in outlines]
    ax.add_collection(PolyCollection(polys, facecolors=colors, edgecolors=edge_color,
                                     linewidths=linewidth, alpha=alpha, zorder=1))
    hl = sorted(set(int(i) for i in highlight)) if highlight is not None else []
    if hl:
        ax.add_collection(PolyCollection([polys[i] for i in hl], facecolors=highlight_color,
                                         edgecolors=edge_color, linewidths=linewidth,
                                         alpha=0.85, zorder=2))
    if highlight_edges is not None:
        draw_edges(tiling, highlight_edges, ax=ax, color=highlight_color, rim=rim)
    if labels:
        size = max(3.0, 8.0 - 1.5 * tiling.layers)
        for i in range(tiling.n_tiles):
            z = tiling.centers[i]
            ax.text(z.real, z.imag, str(i), ha="center", va="center", fontsize=size,
                    zorder=4)
    _finish(ax, rim)
    return ax


def draw_edges(tiling: HyperbolicTiling, edges: Iterable[tuple[int, int]],
               ax: Axes | None = None, *, color: str = "#EE6677", linewidth: float = 2.0,
               samples: int = 12, rim: bool = True) -> Axes:
    """Draw the given ``(tile, edge)`` edges as thick geodesic arcs; returns the Axes.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from holonet.geometry import HyperbolicTiling
    >>> ax = Figure().add_subplot()  # no pyplot: nothing to close, no display needed
    >>> ax = draw_edges(HyperbolicTiling(5, 4, 1), [(0, 0), (0, 1)], ax=ax)
    >>> len(ax.collections[0].get_segments())
    2
    """
    from matplotlib.collections import LineCollection

    ax = _ax(ax)
    segs = []
    for t, e in edges:
        v, e = _tile_edge(tiling, t, e)
        pts = geodesic(v[e], v[(e + 1) % len(v)], n=samples)
        segs.append(np.c_[pts.real, pts.imag])
    if segs:
        ax.add_collection(LineCollection(segs, colors=color, linewidths=linewidth, zorder=3))
    _finish(ax, rim)
    return ax


def draw_legs(tiling: HyperbolicTiling, ax: Axes | None = None, *,
              legs: Sequence[tuple[int, int]] | None = None,
              colors: Sequence[Any] | Any = "0.2", size: float = 4.0,
              length: float = 0.35, rim: bool = True) -> Axes:
    """Draw dangling legs on boundary edges (default: all, in CCW order); returns the Axes.

    Each leg is a short stroke from the edge midpoint towards the rim (covering
    ``length`` of the remaining Euclidean distance) ending in a dot. ``colors`` is
    one colour or one per leg (e.g. region A vs its complement).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from holonet.geometry import HyperbolicTiling
    >>> tiling = HyperbolicTiling(5, 4, 1)
    >>> ax = draw_legs(tiling, Figure().add_subplot(), colors=["C0", "C0", "C1", "C1", "C1"])
    >>> len(tiling.boundary_edges), len(ax.collections[0].get_segments())
    (5, 5)
    """
    ax = _ax(ax)
    legs = list(tiling.boundary_edges if legs is None else legs)
    for i, leg in enumerate(legs):
        if isinstance(leg, str) or not isinstance(leg, Sequence) or len(leg) != 2:
            raise TypeError(f"legs must be (tile, edge) pairs; entry {i} is {leg!r}")
    if not legs:
        _finish(ax, rim)
        return ax
    mids = np.array([edge_midpoint(tiling, t, e) for t, e in legs])
    unit = mids / np.abs(mids)
    tips = mids + length * (unit - mids)
    if isinstance(colors, str) or (isinstance(colors, tuple)
                                   and all(isinstance(c, (int, float)) for c in colors)):
        cols: list[Any] = [colors] * len(legs)
    else:
        cols = list(colors)
        if len(cols) != len(legs):
            raise ValueError(f"colors has {len(cols)} entries; expected one per leg "
                             f"({len(legs)})")
    from matplotlib.collections import LineCollection

    segs = [np.array([[a.real, a.imag], [b.real, b.imag]]) for a, b in zip(mids, tips,
                                                                             strict=True)]
    lw = max(0.3, size / 8)
    ax.add_collection(LineCollection(segs, colors=cols, linewidths=lw, zorder=3))
    ax.scatter(tips.real, tips.imag, s=size, c=cols, zorder=4, linewidths=0)
    _finish(ax, rim)
    return ax


def draw_bulk(tiling: HyperbolicTiling, tiles: Iterable[int] | None = None,
              ax: Axes | None = None, *, color: Any = "black", size: float = 8.0,
              marker: str = "o", rim: bool = True) -> Axes:
    """Mark tile centres (bulk legs); ``tiles=None`` marks every tile; returns the Axes.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from holonet.geometry import HyperbolicTiling
    >>> tiling = HyperbolicTiling(5, 4, 2)
    >>> ax = draw_bulk(tiling, [0, 1, 2], Figure().add_subplot())
    >>> ax.collections[0].get_offsets().shape
    (3, 2)
    """
    ax = _ax(ax)
    idx = np.arange(tiling.n_tiles) if tiles is None else check_indices(
        "tiles", list(tiles), tiling.n_tiles)
    z = tiling.centers[idx]
    if isinstance(color, str):
        ax.scatter(z.real, z.imag, s=size, color=color, marker=marker, zorder=4, linewidths=0)
    else:
        ax.scatter(z.real, z.imag, s=size, c=color, marker=marker, zorder=4, linewidths=0)
    _finish(ax, rim)
    return ax
