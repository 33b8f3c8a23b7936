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

Coordinates: each tile is stored as the disk automorphism ``M(z) = T_c(u z)`` (centre
``c``, unit phase ``u``) mapping the reference regular polygon centred at 0 onto it;
a new tile is placed from the positions of two consecutive vertices it shares with
already placed tiles.
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


_IDX = np.int64


def _ref_table(p: int, radius: float) -> np.ndarray:
    """Vertices of the reference regular p-gon (centre 0, edge 0 bisected by the +x axis)."""
    return radius * np.exp(1j * (2 * np.pi * np.arange(p) / p - np.pi / p))


def _vertex_pos(center: np.ndarray, phase: np.ndarray, ref: np.ndarray,
                tiles: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Disk position of vertex ``t`` of tiles ``tiles``: ``T_c(u * ref[t])``."""
    c = center[tiles]
    w = phase[tiles] * ref[t]
    return (w + c) / (1 + np.conj(c) * w)


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


def build(q: int, ps: list[int], convention: str, pmax: int,
          angles: dict[int, float] | None = None, coords: bool = True,
          sizes: list[int] | None = None, stop_at: int | None = None) -> _Built:
    """Build ``len(ps)`` layers; layer ``L`` (0-based) consists of ``ps[L]``-gons.

    ``angles`` maps a polygon size to its interior angle (semi-regular tilings);
    ``None`` means the regular {p,q} angle ``2 pi / q``. With ``coords=False`` only
    the layer and boundary sizes are computed (no neighbour tables, no coordinates),
    and ``stop_at`` stops adding layers once the patch has more than ``stop_at``
    tiles. With ``coords=True`` the exact layer ``sizes`` (predicted beforehand) are
    required so the global arrays are allocated once.
    """
    p0 = ps[0]
    out = _Built(sizes=[1], ps=[p0], bt=np.zeros(p0, _IDX), be=np.arange(p0, dtype=_IDX),
                 boundary_sizes=[p0])
    nb = ne = center = phase = None
    refs: dict[int, np.ndarray] = {}
    if coords:
        if sizes is None or len(sizes) != len(ps):
            raise ValueError("build(coords=True) needs the layer sizes")
        total_n = sum(sizes)
        nb = np.full((total_n, pmax), -1, np.int32)
        ne = np.full((total_n, pmax), -1, np.int32)
        center = np.empty(total_n, complex)
        phase = np.empty(total_n, complex)
        center[0], phase[0] = 0, 1
        refs = {p: _ref_table(p, circumradius(p, angles[p] if angles else 2 * math.pi / q))
                for p in set(ps)}
    cnt = np.ones(p0, _IDX)
    vertex = convention == "vertex"
    off = 1
    for p_new in ps[1:]:
        if stop_at is not None and off > stop_at:
            break
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
            # old boundary edges <-> the run tiles across them
            run_id = np.repeat(np.arange(nrun), run_len)
            tile_loc = run_pos[run_id]
            new_edge = run_end[run_id] - np.arange(m)
            nb[bt, be] = off + tile_loc
            ne[bt, be] = new_edge
            nb[off + tile_loc, new_edge] = bt
            ne[off + tile_loc, new_edge] = be
            # spokes between consecutive ring tiles
            a = np.flatnonzero(~ga)
            b = a + 1
            b[b == n_new] = 0
            nb[off + a, p_new - 1] = off + b
            ne[off + a, p_new - 1] = r[b]
            nb[off + b, r[b]] = off + a
            ne[off + b, r[b]] = p_new - 1

        # the new boundary: each ring tile's outer path, in ring order
        total = int(ell.sum())
        tile_of = np.repeat(np.arange(n_new), ell)
        starts = np.cumsum(ell) - ell
        new_be = (r + (~gb) - starts)[tile_of] + np.arange(total)
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
            assert center is not None and phase is not None
            rp, rn = refs[p_prev], refs[p_new]
            z0 = np.empty(n_new, complex)
            z1 = np.empty(n_new, complex)
            tj, ej = bt[run_end], be[run_end]
            z1[run_pos] = _vertex_pos(center, phase, rp, tj, ej)
            ej += 1
            ej[ej == p_prev] = 0
            z0[run_pos] = _vertex_pos(center, phase, rp, tj, ej)
            nc = int(ncorner.sum()) if ncorner is not None else 0
            if nc:
                assert ncorner is not None
                g = np.repeat(np.arange(nrun), ncorner)
                slot = np.arange(nc) - np.repeat(np.cumsum(ncorner) - ncorner, ncorner) + 1
                cpos = grp_off[g] + slot
                vi = run_start[(g + 1) % nrun]
                ti, ei = bt[vi], be[vi]
                vpos = _vertex_pos(center, phase, rp, ti, ei)
                vnext = _vertex_pos(center, phase, rp, ti, (ei + 1) % p_prev)
                ang = -(K[vi] - slot) * (2 * np.pi / q)
                d = (vnext - vpos) / (1 - np.conj(vpos) * vnext) * np.exp(1j * ang)
                z0[cpos] = vpos
                z1[cpos] = (d + vpos) / (1 + np.conj(vpos) * d)
            center[off:off + n_new], phase[off:off + n_new] = _place(z0, z1, rn)

        out.sizes.append(n_new)
        out.ps.append(p_new)
        out.bt = off + tile_of
        out.be = new_be
        cnt = new_cnt
        out.boundary_sizes.append(total)
        off += n_new
    out.nb, out.ne, out.center, out.phase = nb, ne, center, phase
    # canonical start of the final boundary: first edge of the lowest boundary tile
    key = out.bt * pmax + out.be
    s = int(np.argmin(key))
    out.bt, out.be = np.roll(out.bt, -s), np.roll(out.be, -s)
    return out
