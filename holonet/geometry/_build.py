"""Vectorised layer-by-layer construction of tilings (combinatorics + coordinates).

The patch of tiles built so far is a topological disk. Its boundary is stored as a
cyclic list of boundary edges ``(tile, edge)`` in counter-clockwise order around the
disk, together with ``cnt[i]``: the number of patch tiles around the start vertex
``V_i`` of boundary edge ``i``. A vertex has ``q`` tiles around it, so ``K_i = q - cnt[i]``
tiles are missing at ``V_i``; CCW around ``V_i`` they are: the tile across edge
``i-1``, ``K_i - 2`` "corner" tiles touching the patch only at ``V_i``, the tile
across edge ``i``. If ``K_i = 1`` the tiles across edges ``i-1`` and ``i`` coincide:
one new tile covers a *run* of consecutive boundary edges.

* vertex convention: the next layer is every missing tile at every boundary vertex;
* edge convention: only the tiles across boundary edges (runs); at a vertex with
  ``K_i >= 3`` the two new tiles leave a gap and ``V_i`` stays on the boundary.

New tiles form a ring in CCW order, starting with the tile across boundary edge 0.
Their edge numbering (CCW around the tile):
edges ``0..r-1`` lie on the old boundary (a run of ``r`` edges, reversed), edge ``r``
is shared with the previous ring tile (a "spoke" out of the old boundary, or a new
boundary edge at a gap), edge ``p-1`` with the next ring tile, and edges
``r+1..p-2`` are new boundary edges. Everything is array arithmetic per layer; there
is no Python loop over tiles.

Coordinates: each tile is the image of a reference regular polygon centred at 0
under a disk automorphism ``M(z) = (a z + b) / (conj(b) z + conj(a))``. A new
tile's map is its parent's map composed with one of finitely many generators (the
tile across edge ``e`` of the reference polygon, or the tile ``k`` steps around its
vertex ``e``), computed once per layer type by placing the reference polygon on
two known vertices. At the end, centre ``c = M(0) = b / conj(a)`` and phase
``u = a / conj(a)``, so that ``M(z) = T_c(u z)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from holonet.geometry.poincare import circumradius


@dataclass
class _Built:
    """Result of :func:`build`: global per-tile arrays and the final boundary."""

    sizes: list[int] = field(default_factory=list)
    ps: list[int] = field(default_factory=list)
    nb: np.ndarray | None = None        # (N, pmax) int32, -1 = boundary / unused
    ne: np.ndarray | None = None        # (N, pmax) int32
    center: np.ndarray | None = None    # (N,) complex
    phase: np.ndarray | None = None     # (N,) complex
    bt: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    be: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    boundary_sizes: list[int] = field(default_factory=list)


_IDX = np.int64  # index dtype of the boundary/ring arrays


def _ref_table(p: int, radius: float) -> np.ndarray:
    """Vertices of the reference regular p-gon (centre 0, edge 0 bisected by the +x axis)."""
    return radius * np.exp(1j * (2 * np.pi * np.arange(p) / p - np.pi / p))


def _place(z0: np.ndarray, z1: np.ndarray, ref: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centre and phase of the regular polygon ``ref`` moved so vertices 0, 1 hit ``z0``, ``z1``.

    The map is ``T_{z0} o R o T_{ref0}^{-1}`` with the rotation ``R`` fixed by the
    direction of the second vertex; centre ``c = M(0)`` and phase ``u`` with
    ``M(z) = T_c(u z)``.
    """
    r0, r1 = ref[0], ref[1]
    d_ref = (r1 - r0) / (1 - np.conj(r0) * r1)
    d = (z1 - z0) / (1 - np.conj(z0) * z1)
    w = d * ((-r0) * abs(d_ref) / d_ref / abs(d_ref))  # R(-r0), |d| = |d_ref| in exact arithmetic
    w *= abs(d_ref) / np.abs(d)
    c = (w + z0) / (1 + np.conj(z0) * w)
    u = (z0 - c) / (1 - np.conj(c) * z0)
    u /= np.abs(u)
    u *= abs(r0) / r0
    return c, u


def _to_matrix(c: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``T_c(u z)`` as ``(a z + b) / (conj(b) z + conj(a))`` with ``|a|^2 - |b|^2 = 1``."""
    s = np.sqrt(u) / np.sqrt(1 - np.abs(c) ** 2)
    return s, c * np.conj(s)


def _generators(p_old: int, p_new: int, q: int, ref_old: np.ndarray, ref_new: np.ndarray
                ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Fixed maps placing a new tile relative to its parent's reference polygon.

    ``run[e]``: the ``p_new``-gon across edge ``e`` of the parent (its vertices 0, 1
    on the parent's vertices ``e + 1``, ``e``). ``corner[e, k]``: the tile at the
    parent's vertex ``e``, ``k`` steps of ``2 pi / q`` clockwise around that vertex
    (its vertex 0 on vertex ``e``). A child's map is ``M_parent o G``.
    """
    e = np.arange(p_old)
    c, u = _place(ref_old[(e + 1) % p_old], ref_old[e], ref_new)
    run = _to_matrix(c, u)
    k = np.arange(q)[None, :]
    v, w = ref_old[e][:, None], ref_old[(e + 1) % p_old][:, None]
    d = (w - v) / (1 - np.conj(v) * w) * np.exp(-2j * np.pi * k / q)
    c, u = _place(np.broadcast_to(v, d.shape), (d + v) / (1 + np.conj(v) * d), ref_new)
    corner = _to_matrix(c, u)
    return run, corner


def build(q: int, ps: list[int], convention: str, pmax: int,
          angles: dict[int, float] | None = None, coords: bool = True,
          sizes: list[int] | None = None, stop_at: int | None = None) -> _Built:
    """Build ``len(ps)`` layers; layer ``L`` (0-based) consists of ``ps[L]``-gons.

    ``angles`` maps a polygon size to its interior angle (semi-regular tilings);
    ``None`` means the regular {p,q} angle ``2 pi / q``. With ``coords=False`` only
    the layer and boundary sizes are computed (no neighbour tables, no coordinates),
    and ``stop_at`` stops as soon as the next layer would take the patch above
    ``stop_at`` tiles; that layer's size (known from the boundary alone) is still
    appended to ``sizes``, but nothing of it is built. With ``coords=True`` the
    exact layer ``sizes`` (predicted beforehand) are required so the global arrays
    are allocated once.
    """
    p0 = ps[0]
    out = _Built(sizes=[1], ps=[p0], bt=np.zeros(p0, _IDX), be=np.arange(p0, dtype=_IDX),
                 boundary_sizes=[p0])
    nb = ne = mat_a = mat_b = None
    gens = {}
    refs: dict[int, np.ndarray] = {}
    if coords:
        if sizes is None or len(sizes) != len(ps):
            raise ValueError("build(coords=True) needs the layer sizes")
        total_n = sum(sizes)
        nb = np.full((total_n, pmax), -1, np.int32)
        ne = np.full((total_n, pmax), -1, np.int32)
        # every tile is a disk automorphism z -> (a z + b) / (conj(b) z + conj(a))
        # applied to its reference polygon; a child's map is its parent's composed
        # with one of finitely many generators
        mat_a = np.empty(total_n, complex)
        mat_b = np.empty(total_n, complex)
        mat_a[0], mat_b[0] = 1, 0
        refs = {p: _ref_table(p, circumradius(p, angles[p] if angles else 2 * math.pi / q))
                for p in set(ps)}
        gens = {(po, pn): _generators(po, pn, q, refs[po], refs[pn])
                for po, pn in zip(ps[:-1], ps[1:], strict=True)}
    cnt = np.ones(p0, _IDX)
    vertex = convention == "vertex"
    off = 1
    for p_new in ps[1:]:
        p_prev = out.ps[-1]
        bt, be = out.bt, out.be
        m = bt.size
        K = q - cnt
        if K.min() < 1 or K.max() < 2:  # pragma: no cover - would mean a pinched patch
            raise RuntimeError("internal error: boundary vertex already closed")
        s0 = int(np.argmax(K >= 2))
        if s0:
            bt, be, cnt, K = (np.roll(a, -s0) for a in (bt, be, cnt, K))
        run_start = np.flatnonzero(K >= 2)
        nrun = run_start.size
        run_len = np.diff(np.append(run_start, m))
        run_end = run_start + run_len - 1
        Ks = K[run_start]
        # ring group g: the run tile g, then the corner tiles at the start vertex
        # of run g+1 (so the tile across the first boundary edge comes first)
        if vertex:
            ncorner = np.roll(Ks - 2, -1)
            per = ncorner + 1
            n_new = int(per.sum())
            grp_off = np.cumsum(per) - per
        else:
            ncorner = None
            n_new = nrun
            grp_off = np.arange(nrun)
        run_pos = grp_off
        if coords and n_new != sizes[len(out.sizes)]:  # type: ignore[index]
            raise RuntimeError("internal error: predicted layer size differs from built")
        if stop_at is not None and off + n_new > stop_at:
            # the size of this layer is known exactly; stop before building it
            out.sizes.append(n_new)
            out.ps.append(p_new)
            break

        if vertex:
            r = np.zeros(n_new, _IDX)
            r[run_pos] = run_len
            gb = np.zeros(n_new, bool)
        else:
            r = run_len
            gb = Ks >= 3
        ga = np.roll(gb, -1)
        o = p_new - r - 2
        # o == -1: the tile's single free edge joins the two ends of its run; that is
        # only consistent with gaps on both sides (it is then a new boundary edge)
        if o.min() < -1 or not (gb & ga)[o < 0].all():  # pragma: no cover
            raise RuntimeError("internal error: a new tile closes more edges than it has")
        ell = o + gb + ga

        if coords:
            assert nb is not None and ne is not None
            nbf, nef = nb.reshape(-1), ne.reshape(-1)
            # old boundary edges <-> the run tiles across them (flat indices)
            run_id = np.repeat(np.arange(nrun, dtype=_IDX), run_len)
            tile_loc = run_pos[run_id] if vertex else run_id
            new_edge = run_end[run_id] - np.arange(m, dtype=_IDX)
            f_old = bt * pmax + be
            f_new = (off + tile_loc) * pmax + new_edge
            nbf[f_old] = off + tile_loc
            nef[f_old] = new_edge
            nbf[f_new] = bt
            nef[f_new] = be
            # spokes between consecutive ring tiles
            a = np.flatnonzero(~ga).astype(_IDX)
            b = a + 1
            b[b == n_new] = 0
            f_a = (off + a) * pmax + (p_new - 1)
            f_b = (off + b) * pmax + r[b]
            nbf[f_a] = off + b
            nef[f_a] = r[b]
            nbf[f_b] = off + a
            nef[f_b] = p_new - 1

        # the new boundary: each ring tile's outer path, in ring order
        total = int(ell.sum())
        tile_of = np.repeat(np.arange(n_new), ell)
        starts = np.cumsum(ell) - ell
        new_be = np.repeat(r + (~gb) - starts, ell) + np.arange(total)
        new_cnt = np.ones(total, _IDX)
        # junction vertex at the start of each path
        jcnt = np.full(n_new, 2, _IDX)
        zero = ell == 0
        if zero.any():
            idx = np.arange(2 * n_new)
            z2 = np.concatenate([zero, zero])
            last_nz = np.maximum.accumulate(np.where(~z2, idx, -1))
            pos = np.arange(n_new, 2 * n_new) - 1
            jcnt += pos - last_nz[pos]
        if not vertex:
            jcnt[gb] = cnt[run_start[gb]] + 2
        has = ell > 0
        new_cnt[starts[has]] = jcnt[has]

        if coords:
            assert mat_a is not None and mat_b is not None
            (run_a, run_b), (cor_a, cor_b) = gens[(p_prev, p_new)]
            ej = be[run_end]
            if vertex:
                par = np.empty(n_new, _IDX)
                ga_ = np.empty(n_new, complex)
                gb_ = np.empty(n_new, complex)
                par[run_pos] = bt[run_end]
                ga_[run_pos], gb_[run_pos] = run_a[ej], run_b[ej]
            else:  # every ring tile is a run tile, in run order (run_pos is the identity)
                par, ga_, gb_ = bt[run_end], run_a[ej], run_b[ej]
            nc = int(ncorner.sum()) if ncorner is not None else 0
            if nc:
                assert ncorner is not None
                g = np.repeat(np.arange(nrun), ncorner)
                slot = np.arange(nc) - np.repeat(np.cumsum(ncorner) - ncorner, ncorner) + 1
                cpos = grp_off[g] + slot
                vi = run_start[(g + 1) % nrun]
                par[cpos] = bt[vi]
                ei, steps = be[vi], K[vi] - slot
                ga_[cpos], gb_[cpos] = cor_a[ei, steps], cor_b[ei, steps]
            pa, pb = mat_a[par], mat_b[par]
            mat_a[off:off + n_new] = pa * ga_ + pb * np.conj(gb_)
            mat_b[off:off + n_new] = pa * gb_ + pb * np.conj(ga_)

        out.sizes.append(n_new)
        out.ps.append(p_new)
        out.bt = off + tile_of
        out.be = new_be
        cnt = new_cnt
        out.boundary_sizes.append(total)
        off += n_new
    out.nb, out.ne = nb, ne
    if mat_a is not None and mat_b is not None:
        out.center = mat_b / np.conj(mat_a)
        out.phase = mat_a / np.conj(mat_a)
    # canonical start of the final boundary: first edge of the lowest boundary tile
    key = out.bt * pmax + out.be
    s = int(np.argmin(key))
    if s:
        out.bt, out.be = np.roll(out.bt, -s), np.roll(out.be, -s)
    return out
