"""Hyperbolic {p,q} tilings (and the pentahexagonal 5.6.5.6 tiling) grown in layers.

A tiling is a combinatorial graph with ordered legs: every tile knows its edges in
counter-clockwise order, and for each edge the neighbouring tile and the edge index
on the neighbour's side (or ``None`` on the boundary of the finite patch). It also
carries exact Poincaré-disk coordinates. Codes, attention trees and figures are
*fills* of this geometry.

Tile 0 is the centre; ``layers`` counts rings including the centre tile.
Two layer conventions exist in the literature (see ``theory/tilings.md``):

``"vertex"``
    layer ``L+1`` = tiles sharing a *vertex* with layer ``L`` (HaPPY's pentagon-code
    pictures, hypertiling's SRS/DUN07 kernels): {5,4} gives 1, 10, 40, 150, 560.
``"edge"``
    layer ``L+1`` = tiles sharing an *edge* with layer ``L`` (hypertiling's GR/GRC
    kernels): {5,4} gives 1, 5, 15, 40, 105.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from holonet._options import check_int, check_option
from holonet.geometry import _build
from holonet.geometry.poincare import circumradius

if TYPE_CHECKING:  # pragma: no cover
    import networkx

__all__ = ["CONVENTIONS", "DEFAULT_MAX_TILES", "HyperbolicTiling", "Tile"]

#: Valid layer conventions.
CONVENTIONS: tuple[str, ...] = ("vertex", "edge")
#: Default limit on the number of tiles (raise it with ``max_tiles=``).
DEFAULT_MAX_TILES = 5_000_000

_KIND_NAMES = {5: "pentagon", 6: "hexagon"}


def _kind(p: int) -> str:
    return _KIND_NAMES.get(p, f"{p}-gon")


@dataclass(frozen=True)
class Tile:
    """A read-only view of one tile of a :class:`HyperbolicTiling`.

    Edge ``e`` joins vertices ``e`` and ``e + 1 (mod n_edges)``; edges are in
    counter-clockwise order.

    Examples
    --------
    >>> t = HyperbolicTiling(5, 4, 2)
    >>> tile = t.tiles[0]
    >>> tile.layer, tile.kind, tile.n_edges
    (1, 'pentagon', 5)
    >>> len(tile.vertices)
    5
    """

    tiling: HyperbolicTiling
    index: int

    @property
    def layer(self) -> int:
        """1-based layer (the centre tile has layer 1)."""
        return int(self.tiling.layer_index[self.index])

    @property
    def n_edges(self) -> int:
        """Number of edges (= vertices) of this tile."""
        return int(self.tiling.n_edges_array[self.index])

    @property
    def kind(self) -> str:
        """``'pentagon'``, ``'hexagon'`` or ``'{p}-gon'``."""
        return _kind(self.n_edges)

    @property
    def neighbors(self) -> tuple[int | None, ...]:
        """Neighbouring tile across each edge (``None`` on the patch boundary)."""
        row = self.tiling.neighbor_array[self.index, : self.n_edges]
        return tuple(None if x < 0 else int(x) for x in row)

    @property
    def neighbor_edges(self) -> tuple[int | None, ...]:
        """For each edge, the index of the same edge on the neighbour's side."""
        row = self.tiling.neighbor_edge_array[self.index, : self.n_edges]
        return tuple(None if x < 0 else int(x) for x in row)

    @property
    def center(self) -> complex:
        """Hyperbolic centre of the tile in the Poincaré disk."""
        return complex(self.tiling.centers[self.index])

    @property
    def vertices(self) -> np.ndarray:
        """Vertex positions in the Poincaré disk, shape ``(n_edges,)``, CCW."""
        return self.tiling.tile_vertices(self.index)

    def __repr__(self) -> str:
        return (f"Tile(index={self.index}, layer={self.layer}, kind={self.kind!r}, "
                f"neighbors={self.neighbors})")


class _TileSequence(Sequence[Tile]):
    """Lazy sequence of :class:`Tile` views (no per-tile objects are stored)."""

    def __init__(self, tiling: HyperbolicTiling) -> None:
        self._tiling = tiling

    def __len__(self) -> int:
        return self._tiling.n_tiles

    @overload
    def __getitem__(self, i: int) -> Tile: ...

    @overload
    def __getitem__(self, i: slice) -> list[Tile]: ...

    def __getitem__(self, i: int | slice) -> Tile | list[Tile]:
        if isinstance(i, slice):
            return [Tile(self._tiling, j) for j in range(*i.indices(len(self)))]
        n = len(self)
        if isinstance(i, bool) or not isinstance(i, int | np.integer):
            raise TypeError(f"tile index must be an integer; got {type(i).__name__} {i!r}")
        j = int(i)
        if j < 0:
            j += n
        if not 0 <= j < n:
            raise IndexError(f"tile index {i} out of range for a tiling of {n} tiles")
        return Tile(self._tiling, j)

    def __iter__(self) -> Iterator[Tile]:
        for j in range(len(self)):
            yield Tile(self._tiling, j)


def _berlekamp_massey(seq: list[int]) -> list[Any]:
    """Shortest linear recurrence ``s[n] = sum c[k] s[n-1-k]`` (exact, over the rationals)."""
    from fractions import Fraction

    s = [Fraction(x) for x in seq]
    c: list[Fraction] = [Fraction(1)]
    b: list[Fraction] = [Fraction(1)]
    ell, m, bb = 0, 1, Fraction(1)
    for n in range(len(s)):
        d = s[n] + sum(c[i] * s[n - i] for i in range(1, ell + 1))
        if d == 0:
            m += 1
            continue
        coef = d / bb
        t = list(c)
        c = c + [Fraction(0)] * max(0, len(b) + m - len(c))
        for i, bi in enumerate(b):
            c[i + m] -= coef * bi
        if 2 * ell <= n:
            ell, b, bb, m = n + 1 - ell, t, d, 1
        else:
            m += 1
    return [-x for x in c[1:ell + 1]]


def _vertex_sizes(p: int, q: int, layers: int, cap: float = float("inf")) -> list[int]:
    """Closed form for the vertex convention (theory/tilings.md, Sec. 2).

    ``n_1 = 1``, ``n_2 = p (q - 2)``, ``n_3 = T n_2`` and ``n_{L+1} = T n_L - n_{L-1}``
    with ``T = (p - 2)(q - 2) - 2``, the trace of the determinant-one transfer
    matrix of boundary-vertex types: ``n_L = p (q - 2) U_{L-2}(T / 2)`` (Chebyshev).

    Examples
    --------
    >>> _vertex_sizes(5, 4, 5)
    [1, 10, 40, 150, 560]

    With ``cap``, stops once the total exceeds it and at least ``_EXACT_LAYERS`` sizes are
    known (then fewer than ``layers`` sizes are returned).
    """
    big_t = (p - 2) * (q - 2) - 2
    out = [1, p * (q - 2), big_t * p * (q - 2)][:layers]
    total = sum(out)
    while len(out) < layers and (total <= cap or len(out) < _EXACT_LAYERS):
        out.append(big_t * out[-1] - out[-2])
        total += out[-1]
    return out


def _predict_sizes(q: int, ps: list[int], convention: str, pmax: int,
                   angles: dict[int, float] | None, max_tiles: int = DEFAULT_MAX_TILES
                   ) -> tuple[list[int], bool]:
    """Layer sizes for ``len(ps)`` layers, predicted without building anything large.

    Returns ``(sizes, exact)``. The first layers are built combinatorially (no
    coordinates, no neighbour tables) while the patch stays small. The boundary
    evolves by a finite substitution rule, so the layer sizes obey a linear
    recurrence; Berlekamp-Massey finds the shortest one exactly, and it is
    trusted only once at least three further terms confirm it, then extrapolated in
    integer arithmetic. Without a confirmed recurrence the combinatorial count is
    continued, in growing steps, up to ``max_tiles``; if the patch outgrows that
    first (or the extrapolated total passes it), the sizes counted so far are
    returned with ``exact=False`` (their sum is a lower bound above ``max_tiles``).
    """
    if convention == "vertex" and angles is None and len(set(ps)) == 1:
        closed = _vertex_sizes(ps[0], q, len(ps), cap=max_tiles)
        return closed, len(closed) == len(ps)
    sizes: list[int] = []
    # grow the combinatorial count in steps, so a recurrence confirmed early spares
    # counting millions of tiles only to refuse them
    stops = [s for s in (20_000, 100_000, 400_000, 1_600_000) if s < max_tiles] + [max_tiles]
    for stop in stops:
        sizes = list(_build.build(q, ps, convention, pmax, angles, coords=False,
                                  stop_at=stop).sizes)
        if len(sizes) == len(ps):
            return sizes, True
        terms = sizes[1:]
        rec = _berlekamp_massey(terms)
        if len(terms) >= 2 * len(rec) + 3:
            out = list(sizes)
            total = sum(out)
            while len(out) < len(ps):
                if total > max_tiles and len(out) >= _EXACT_LAYERS:
                    return out, False  # stop extrapolating: the guard refuses anyway
                out.append(int(sum(ck * out[-1 - k] for k, ck in enumerate(rec))))
                total += out[-1]
            return out[:len(ps)], True
        if stop >= max_tiles:
            break
    return sizes, False


#: layer counts up to which sizes are always predicted exactly (beyond, the prediction
#: stops once the total passes max_tiles, so layers=10**6 costs nothing)
_EXACT_LAYERS = 64


def _check_layers(layers: Any, max_tiles: Any, symbol: str) -> int:
    """Validate ``layers``; refuse at once when it alone exceeds ``max_tiles``.

    Every layer holds at least one tile, so ``layers > max_tiles`` is refused
    before any list of per-layer data is made (``layers=10**9`` must not hang).
    """
    layers = check_int("layers", layers, minimum=1)
    max_tiles = check_int("max_tiles", max_tiles, minimum=1)
    if layers > max_tiles:
        raise ValueError(f"{symbol} tiling with layers={layers:,} would have more than "
                         f"{layers:,} tiles, above max_tiles={max_tiles:,}; use fewer layers "
                         "or pass a larger max_tiles")
    return layers


class HyperbolicTiling:
    """A finite patch of the regular hyperbolic {p,q} tiling, grown in layers.

    Parameters
    ----------
    p, q : int
        Schläfli symbol: ``p``-gons, ``q`` around each vertex; hyperbolic iff
        ``(p - 2)(q - 2) > 4``.
    layers : int
        Number of rings *including* the centre tile (``layers=1`` is the centre
        tile alone; hypertiling's ``n``).
    convention : {"vertex", "edge"}
        ``"vertex"``: layer ``L+1`` is every tile sharing a vertex with layer ``L``;
        ``"edge"``: every tile sharing an edge with layer ``L``.
    max_tiles : int
        Refuse (``ValueError`` stating the predicted count) to build more tiles.

    Attributes
    ----------
    p, q, symbol : int or None, int, str
        Schläfli symbol (``p`` is ``None`` for 5.6.5.6) and a printable name.
    n_tiles, layers, layer_sizes, convention
        Counts; ``layer_sizes[L - 1]`` is the number of tiles in layer ``L``.
    tiles : sequence of :class:`Tile`
        Lazy per-tile views (no per-tile objects are stored).
    boundary_edges, n_boundary, boundary_array
        Boundary edges ``(tile, edge)`` in CCW order (list / ``(n, 2)`` array).
    bonds, bond_array, n_bonds
        Internal edges ``((t1, e1), (t2, e2))``, ``t1 < t2``.
    neighbor_array, neighbor_edge_array : ndarray (n_tiles, max n_edges), int32
        The neighbour across each edge and its edge index (-1: boundary/unused).
    centers, vertex_array : ndarray, complex
        Poincaré-disk centres ``(n_tiles,)`` and NaN-padded vertices.
    layer_index, n_edges_array : ndarray (n_tiles,), int32
        1-based layer and number of edges of every tile.

    Examples
    --------
    >>> t = HyperbolicTiling(5, 4, 3)
    >>> t.layer_sizes, t.n_tiles, t.n_boundary
    ([1, 10, 40], 51, 95)
    >>> HyperbolicTiling(5, 4, 3, convention="edge").layer_sizes
    [1, 5, 15]
    >>> t.tiles[0].neighbors
    (1, 3, 5, 7, 9)
    """

    p: int | None
    q: int
    symbol: str
    convention: str

    def __init__(self, p: int, q: int, layers: int, convention: str = "vertex", *,
                 max_tiles: int = DEFAULT_MAX_TILES) -> None:
        p = check_int("p", p, minimum=3)
        q = check_int("q", q, minimum=3)
        if (p - 2) * (q - 2) <= 4:
            geom = "Euclidean" if (p - 2) * (q - 2) == 4 else "spherical"
            raise ValueError(f"{{{p},{q}}} is a {geom} tiling, not hyperbolic; "
                             "need (p - 2)(q - 2) > 4, e.g. {5,4} or {7,3}")
        layers = _check_layers(layers, max_tiles, f"{{{p},{q}}}")
        self._init(q, [p] * layers, convention, None, f"{{{p},{q}}}", max_tiles)
        self.p = p

    @classmethod
    def pentahexagonal(cls, layers: int, *, max_tiles: int = DEFAULT_MAX_TILES
                       ) -> HyperbolicTiling:
        """The semi-regular 5.6.5.6 tiling (two pentagons, two hexagons at each vertex).

        Centre pentagon; layers by edge-graph distance from the centre, so layer
        ``L`` (1-based) holds pentagons for odd ``L`` and hexagons for even ``L``
        (HaPPY's pentagon-hexagon code, arXiv:1503.06237 Sec. 5.6).

        Examples
        --------
        >>> t = HyperbolicTiling.pentahexagonal(3)
        >>> t.layer_sizes, t.tiles[1].kind, t.tiles[6].kind
        ([1, 5, 20], 'hexagon', 'pentagon')
        """
        layers = _check_layers(layers, max_tiles, "5.6.5.6")
        # equal side lengths with angles alpha (pentagon) + beta (hexagon) = pi:
        # cos(pi/5)/sin(alpha/2) = cos(pi/6)/cos(alpha/2)
        alpha = 2 * math.atan(math.cos(math.pi / 5) / math.cos(math.pi / 6))
        angles = {5: alpha, 6: math.pi - alpha}
        self = cls.__new__(cls)
        self._init(4, [5 if i % 2 == 0 else 6 for i in range(layers)], "edge", angles,
                   "5.6.5.6", max_tiles)
        self.p = None
        return self

    @classmethod
    def with_center(cls, p: int, q: int, layers: int, center: int, *,
                    convention: str = "edge", max_tiles: int = DEFAULT_MAX_TILES
                    ) -> HyperbolicTiling:
        """The {p,q} tiling with its centre tile replaced by a ``center``-gon (a disclination).

        Every vertex still has ``q`` tiles around it and every tile outside the
        centre is a ``p``-gon, so away from the centre the patch is combinatorially
        the {p,q} tiling; layers grow from the ``center``-gon by the layer
        ``convention``. This is the network of the zero-rate HaPPY code of the
        decoding literature ({6,4} with a pentagon centre, edge layers 1, 5, 20, 75,
        280; :func:`holonet.codes.happy_code` with ``variant="zero-rate"``).

        Coordinates are *schematic*: no hyperbolic realisation with regular tiles
        exists when ``center != p`` (a regular ``center``-gon with angles 2π/q has a
        different side length from the {p,q} tile), so the centre's angle is chosen
        to make its sides equal to the ``p``-gons' and each tile is placed across the
        edge it grew from; corners of one vertex then coincide only approximately.
        ``exact_coordinates`` is ``False`` and :meth:`verify` checks the
        combinatorics only. Everything combinatorial (neighbours, layers, boundary
        order) is exact.

        Examples
        --------
        >>> t = HyperbolicTiling.with_center(6, 4, 3, center=5)
        >>> t.layer_sizes, t.n_boundary, t.exact_coordinates
        ([1, 5, 20], 95, False)
        >>> t.verify()                     # combinatorial invariants
        >>> regular = HyperbolicTiling(5, 4, 3, "edge")
        >>> HyperbolicTiling.with_center(5, 4, 3, center=5).layer_sizes == regular.layer_sizes
        True
        """
        p = check_int("p", p, minimum=3)
        q = check_int("q", q, minimum=3)
        center = check_int("center", center, minimum=3)
        if (p - 2) * (q - 2) <= 4:
            raise ValueError(f"{{{p},{q}}} is not hyperbolic; need (p - 2)(q - 2) > 4")
        if center == p:
            return cls(p, q, layers, convention, max_tiles=max_tiles)
        symbol = f"{{{p},{q}}} with a {center}-gon centre"
        layers = _check_layers(layers, max_tiles, symbol)
        tile_angle = 2 * math.pi / q
        # side s of a regular n-gon with angle a: cosh(s/2) = cos(pi/n) / sin(a/2);
        # equal sides fix the centre's angle
        # (the ratio exceeds 1 for every hyperbolic {p,q}, so the arcsine below exists)
        ratio = math.cos(math.pi / p) / math.sin(tile_angle / 2)
        arg = math.cos(math.pi / center) / ratio
        self = cls.__new__(cls)
        self._init(q, [center] + [p] * (layers - 1), convention,
                   {center: 2 * math.asin(arg), p: tile_angle}, symbol, max_tiles)
        self.p = p
        self.exact_coordinates = False  # (_init set center_sides from the first tile)
        return self

    # construction -------------------------------------------------------------------
    def _init(self, q: int, ps: list[int], convention: str,
              angles: dict[int, float] | None, symbol: str, max_tiles: int) -> None:
        self.convention = check_option("layer convention", convention, CONVENTIONS)
        max_tiles = check_int("max_tiles", max_tiles, minimum=1)
        self.q = q
        self.symbol = symbol
        self._angles = angles
        pmax = max(ps)
        predicted, exact = _predict_sizes(q, ps, self.convention, pmax, angles, max_tiles)
        total = sum(predicted)
        if total > max_tiles or not exact:
            raise ValueError(
                f"{symbol} tiling with layers={len(ps)} ({self.convention} convention) would "
                f"have {'' if exact else 'more than '}{total:,} tiles, above "
                f"max_tiles={max_tiles:,}; use fewer layers or pass a larger max_tiles")
        built = _build.build(q, ps, self.convention, pmax, angles, sizes=predicted)
        assert built.nb is not None and built.ne is not None
        assert built.center is not None and built.phase is not None
        self.layers = len(built.sizes)
        self.layer_sizes: list[int] = list(built.sizes)
        self.n_tiles = sum(self.layer_sizes)
        self.neighbor_array: np.ndarray = built.nb
        self.neighbor_edge_array: np.ndarray = built.ne
        self.centers: np.ndarray = built.center
        self._phases = built.phase
        self.layer_index: np.ndarray = np.repeat(
            np.arange(1, self.layers + 1, dtype=np.int32), self.layer_sizes)
        self.n_edges_array: np.ndarray = np.repeat(np.array(built.ps, dtype=np.int32),
                                                   self.layer_sizes)
        self.boundary_array: np.ndarray = np.stack([built.bt, built.be], axis=1)
        self.tiles: Sequence[Tile] = _TileSequence(self)
        self._radii = {p: circumradius(p, angles[p] if angles else 2 * math.pi / q)
                       for p in set(ps)}
        #: Sides of the centre tile.
        self.center_sides: int = ps[0]
        #: Whether the disk coordinates are an exact hyperbolic realisation (``False``
        #: for ``with_center`` patches, whose coordinates are schematic).
        self.exact_coordinates: bool = True

    # basic properties ---------------------------------------------------------------
    @property
    def n_boundary(self) -> int:
        """Number of boundary edges (dangling legs) of the patch."""
        return int(self.boundary_array.shape[0])

    @cached_property
    def boundary_edges(self) -> list[tuple[int, int]]:
        """Boundary edges ``(tile, edge)`` in counter-clockwise order around the disk."""
        return [(int(t), int(e)) for t, e in self.boundary_array]

    @cached_property
    def bonds(self) -> list[tuple[tuple[int, int], tuple[int, int]]]:
        """Internal edges ``((t1, e1), (t2, e2))`` with ``t1 < t2``, sorted."""
        b = self.bond_array
        return [((int(a), int(x)), (int(c), int(y))) for a, x, c, y in b]

    @cached_property
    def bond_array(self) -> np.ndarray:
        """Internal edges as an ``(n_bonds, 4)`` int array of rows ``t1, e1, t2, e2``."""
        t, e = np.nonzero(self.neighbor_array >= 0)
        other = self.neighbor_array[t, e]
        keep = t < other
        t, e = t[keep], e[keep]
        return np.stack([t, e, self.neighbor_array[t, e], self.neighbor_edge_array[t, e]],
                        axis=1).astype(np.int64)

    @property
    def n_bonds(self) -> int:
        """Number of internal edges."""
        return int(self.bond_array.shape[0])

    def tile_vertices(self, index: int) -> np.ndarray:
        """Poincaré-disk vertices of tile ``index`` (CCW; edge ``e`` joins ``e``, ``e+1``)."""
        n = int(self.n_edges_array[index])
        k = np.arange(n)
        ref = self._radii[n] * np.exp(1j * (2 * np.pi * k / n - np.pi / n))
        c, u = self.centers[index], self._phases[index]
        w = u * ref
        return np.asarray((w + c) / (1 + np.conj(c) * w))

    @cached_property
    def vertex_array(self) -> np.ndarray:
        """All tile vertices, shape ``(n_tiles, max n_edges)``, NaN-padded."""
        pmax = int(self.n_edges_array.max())
        out = np.full((self.n_tiles, pmax), np.nan + 0j)
        for n in np.unique(self.n_edges_array):
            sel = np.flatnonzero(self.n_edges_array == n)
            k = np.arange(n)
            ref = self._radii[int(n)] * np.exp(1j * (2 * np.pi * k / n - np.pi / n))
            c = self.centers[sel, None]
            w = self._phases[sel, None] * ref[None, :]
            out[sel, :n] = (w + c) / (1 + np.conj(c) * w)
        return out

    @cached_property
    def vertex_ids(self) -> np.ndarray:
        """Combinatorial vertex of every tile corner, ``(n_tiles, max n_edges)``, -1 padded.

        Corner ``k`` of a tile is the start vertex of its edge ``k``. Corners are
        identified across every bond (edge ``e`` of ``t`` runs opposite to edge ``f``
        of ``u``, so corner ``e`` of ``t`` is corner ``f + 1`` of ``u``); the
        connected components are the vertices. No coordinates are used.

        Examples
        --------
        >>> t = HyperbolicTiling(5, 4, 2)
        >>> t.n_vertices, int(np.bincount(t.vertex_ids[t.vertex_ids >= 0]).max())
        (30, 4)
        """
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        n, pmax = self.neighbor_array.shape
        b = self.bond_array
        p_of = self.n_edges_array.astype(np.int64)
        t, e, u, f = b[:, 0], b[:, 1], b[:, 2], b[:, 3]
        src = np.concatenate([t * pmax + e, t * pmax + (e + 1) % p_of[t]])
        dst = np.concatenate([u * pmax + (f + 1) % p_of[u], u * pmax + f])
        graph = coo_matrix((np.ones(src.size, np.int8), (src, dst)), shape=(n * pmax,) * 2)
        _, labels = connected_components(graph, directed=False)
        valid = np.arange(pmax)[None, :] < p_of[:, None]
        ids = labels.reshape(n, pmax)
        # relabel the valid components 0..V-1 in order of first appearance
        uniq, first, inv = np.unique(ids[valid], return_index=True, return_inverse=True)
        order = np.argsort(np.argsort(first))
        out = np.full((n, pmax), -1, np.int64)
        out[valid] = order[inv]
        return out

    @property
    def n_vertices(self) -> int:
        """Number of distinct vertices of the patch."""
        return int(self.vertex_ids.max()) + 1

    def verify(self, tol: float = 1e-9) -> None:
        """Check the tiling's invariants; raise ``VerificationError`` naming the culprit.

        Checked: every bond is reciprocal with matching edge indices; every interior
        vertex has ``q`` tiles around it (5.6.5.6: two pentagons and two hexagons),
        boundary vertices fewer; Euler's formula ``V - E + F = 1`` for a disk;
        each tile's layer is one plus its distance from tile 0 in the adjacency graph
        of the layer convention; corners identified combinatorially coincide in the
        disk within ``tol`` (only when ``exact_coordinates``; a
        :meth:`with_center` patch has schematic coordinates); consecutive boundary
        edges share a vertex.

        Examples
        --------
        >>> HyperbolicTiling.pentahexagonal(4).verify()
        """
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import shortest_path

        from holonet._errors import VerificationError
        from holonet._options import check_float

        tol = check_float("tol", tol, minimum=0.0)
        nb, ne = self.neighbor_array, self.neighbor_edge_array
        p_of = self.n_edges_array.astype(np.int64)
        valid = np.arange(nb.shape[1])[None, :] < p_of[:, None]
        t, e = np.nonzero((nb >= 0) & valid)
        u, f = nb[t, e], ne[t, e]
        bad = (nb[u, f] != t) | (ne[u, f] != e) | (u == t) | (f >= p_of[u])
        if bad.any():
            i = int(np.argmax(bad))
            raise VerificationError(
                f"bond not reciprocal: tile {t[i]} edge {e[i]} -> tile {u[i]} edge {f[i]}, "
                f"which points back to tile {nb[u[i], f[i]]} edge {ne[u[i], f[i]]}")
        if ((nb >= 0) & ~valid).any():
            raise VerificationError("neighbour entries beyond a tile's last edge")
        vid = self.vertex_ids
        nv = self.n_vertices
        deg = np.bincount(vid[valid], minlength=nv)
        bt, be = self.boundary_array[:, 0], self.boundary_array[:, 1]
        on_b = np.zeros(nv, bool)
        on_b[vid[bt, be]] = True
        on_b[vid[bt, (be + 1) % p_of[bt]]] = True
        wrong = np.flatnonzero(~on_b & (deg != self.q))
        if wrong.size:
            v = int(wrong[0])
            tt, kk = (int(x[0]) for x in np.nonzero(vid == v))
            raise VerificationError(f"interior vertex {v} (corner {kk} of tile {tt}) has "
                                    f"{deg[v]} tiles around it; expected q = {self.q}")
        if (deg[on_b] >= self.q).any():
            raise VerificationError("a boundary vertex is already surrounded by q tiles")
        if self.p is None:  # 5.6.5.6: two pentagons and two hexagons at interior vertices
            pent = np.bincount(vid[valid & (p_of[:, None] == 5)], minlength=nv)
            odd = np.flatnonzero(~on_b & (pent != 2))
            if odd.size:
                raise VerificationError(f"interior vertex {int(odd[0])} has {pent[odd[0]]} "
                                        "pentagons around it; expected 2")
        euler = nv - (self.n_bonds + self.n_boundary) + self.n_tiles
        if euler != 1:
            raise VerificationError(f"Euler characteristic V - E + F = {euler}; a disk has 1")
        # layers are graph distances from the centre in the convention's adjacency
        if self.convention == "edge":
            r, c = t, u
        else:
            tv = np.repeat(np.arange(self.n_tiles), nb.shape[1])[valid.ravel()]
            r, c = tv, self.n_tiles + vid[valid]  # tile - vertex bipartite graph
        size = self.n_tiles + (0 if self.convention == "edge" else nv)
        g = coo_matrix((np.ones(r.size), (r, c)), shape=(size, size))
        dist = shortest_path(g, directed=False, unweighted=True, indices=0)[:self.n_tiles]
        if self.convention != "edge":
            dist = dist / 2
        off = np.flatnonzero(dist + 1 != self.layer_index)
        if off.size:
            i = int(off[0])
            raise VerificationError(f"tile {i} is in layer {self.layer_index[i]} but at "
                                    f"{self.convention}-distance {dist[i]:g} from the centre")
        # geometry: corners of one vertex coincide (coordinates must be finite in any case)
        if not np.isfinite(self.centers).all():
            raise VerificationError("tile centres contain NaN or inf")
        pos = self.vertex_array[valid]
        ids = vid[valid]
        ref = np.empty(nv, complex)
        ref[ids] = pos
        err = np.abs(pos - ref[ids])
        if not self.exact_coordinates:
            err = np.where(np.isfinite(err), 0.0, err)  # schematic: only finiteness checked
        if err.size and not err.max() <= tol:  # NaN coordinates fail too
            i = int(np.argmax(np.where(np.isnan(err), np.inf, err)))
            raise VerificationError(f"vertex {ids[i]}: corner positions differ by "
                                    f"{err[i]:.2e} > tol {tol:g}")
        # boundary: consecutive boundary edges share a vertex
        end_v = vid[bt, (be + 1) % p_of[bt]]
        start_next = np.roll(vid[bt, be], -1)
        gap = np.flatnonzero(end_v != start_next)
        if gap.size:
            i = int(gap[0])
            raise VerificationError(f"boundary edges {i} and {i + 1} are not contiguous")

    def kinds(self) -> list[str]:
        """Kind of every tile (``'pentagon'``, ``'hexagon'``, ``'{p}-gon'``)."""
        return [_kind(int(n)) for n in self.n_edges_array]

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the tiling as versioned JSON (atomically; never pickled).

        The file holds the parameters plus every tile's edges, neighbours,
        centre and the boundary (schema in :mod:`holonet.geometry._tiling_io`),
        so other tools can read it; :meth:`load` rebuilds and verifies it.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> t = HyperbolicTiling(5, 4, 2)
        >>> p = t.save(pathlib.Path(tempfile.mkdtemp()) / "t.json")
        >>> HyperbolicTiling.load(p).n_tiles
        11
        """
        from holonet.geometry._tiling_io import save_tiling

        return save_tiling(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, max_tiles: int | None = None,
             tol: float = 1e-9) -> HyperbolicTiling:
        """Read a tiling saved by :meth:`save`: rebuild it and check every stored array.

        Raises ``ValueError`` naming the file and the first problem (invalid
        JSON with its line, a missing key, or a neighbour table or centre that
        differs from the rebuilt tiling by more than ``tol``). ``max_tiles``
        overrides the size guard of the rebuild.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> HyperbolicTiling.load(HyperbolicTiling.pentahexagonal(2).save(d / "t.json")).symbol
        '5.6.5.6'
        """
        from holonet.geometry._tiling_io import load_tiling

        tiling = load_tiling(path, max_tiles=max_tiles, tol=tol)
        assert isinstance(tiling, HyperbolicTiling)
        return tiling

    def to_networkx(self) -> networkx.Graph:
        """The tile adjacency graph.

        Nodes are tile indices with attributes ``layer``, ``kind``, ``n_edges`` and
        ``center``; each edge carries ``edges={t1: e1, t2: e2}`` (the edge index on
        each side) and ``bond=((t1, e1), (t2, e2))`` with ``t1 < t2``.

        Examples
        --------
        >>> g = HyperbolicTiling(5, 4, 2).to_networkx()
        >>> g.number_of_nodes(), g.edges[0, 1]["edges"]
        (11, {0: 0, 1: 0})
        """
        import networkx as nx

        g = nx.Graph()
        kinds = self.kinds()
        for i in range(self.n_tiles):
            g.add_node(i, layer=int(self.layer_index[i]), kind=kinds[i],
                       n_edges=int(self.n_edges_array[i]), center=complex(self.centers[i]))
        for (t1, e1), (t2, e2) in self.bonds:
            g.add_edge(t1, t2, edges={t1: e1, t2: e2}, bond=((t1, e1), (t2, e2)))
        return g

    def __len__(self) -> int:
        return self.n_tiles

    def __repr__(self) -> str:
        return (f"HyperbolicTiling({self.symbol}, layers={self.layers}, "
                f"convention={self.convention!r}, n_tiles={self.n_tiles}, "
                f"n_boundary={self.n_boundary})")

    def _repr_html_(self) -> str:
        from holonet.viz.repr import tiling_html  # lazy: the one allowed upward import

        return str(tiling_html(self))
