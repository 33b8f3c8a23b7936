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
class _Layer:
    """Arrays of one layer of tiles (indices are global)."""

    offset: int
    p: int
    nb: np.ndarray            # (n, pmax) int64, -1 = boundary / unused
    ne: np.ndarray            # (n, pmax) int64
    center: np.ndarray        # (n,) complex
    phase: np.ndarray         # (n,) complex

    @property
    def n(self) -> int:
        return int(self.center.size)


@dataclass
class _Built:
    layers: list[_Layer] = field(default_factory=list)
    bt: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    be: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    boundary_sizes: list[int] = field(default_factory=list)


def _ref_radius(p: int, q: int, angles: dict[int, float] | None) -> float:
    theta = angles[p] if angles is not None else 2 * math.pi / q
    return circumradius(p, theta)


def _ref_vertex(p: int, radius: float, t: np.ndarray) -> np.ndarray:
    return radius * np.exp(1j * (2 * np.pi * t / p - np.pi / p))


def _vertex_pos(layer: _Layer, radius: float, tiles: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Disk position of vertex ``t`` of global tiles ``tiles`` (all in ``layer``)."""
    loc = tiles - layer.offset
    c = layer.center[loc]
    w = layer.phase[loc] * _ref_vertex(layer.p, radius, t)
    return (w + c) / (1 + np.conj(c) * w)


def _place(z0: np.ndarray, z1: np.ndarray, p: int, radius: float
           ) -> tuple[np.ndarray, np.ndarray]:
    """Centre and phase of the regular p-gon whose vertices 0, 1 sit at ``z0``, ``z1``."""
    r0 = _ref_vertex(p, radius, np.array(0.0))
    r1 = _ref_vertex(p, radius, np.array(1.0))
    d_ref = (r1 - r0) / (1 - np.conj(r0) * r1)
    d = (z1 - z0) / (1 - np.conj(z0) * z1)
    rot = d / np.abs(d) * (abs(d_ref) / d_ref)
    w = rot * (-r0)                                  # image of the centre before T_{z0}
    c = (w + z0) / (1 + np.conj(z0) * w)
    u = (z0 - c) / (1 - np.conj(c) * z0) / r0
    u = u / np.abs(u)
    return c, u


def build(q: int, ps: list[int], convention: str, pmax: int,
          angles: dict[int, float] | None = None, coords: bool = True,
          stop_at: int | None = None) -> _Built:
    """Build ``len(ps)`` layers; layer ``L`` (0-based) consists of ``ps[L]``-gons.

    ``angles`` maps a polygon size to its interior angle (semi-regular tilings);
    ``None`` means the regular {p,q} angle ``2 pi / q``. With ``stop_at``, stop
    adding layers once the tiling has more than ``stop_at`` tiles (used to
    measure the first layer sizes cheaply).
    """
    p0 = ps[0]
    radii = {p: _ref_radius(p, q, angles) for p in set(ps)}
    first = _Layer(0, p0, np.full((1, pmax), -1, np.int64), np.full((1, pmax), -1, np.int64),
                   np.zeros(1, complex), np.ones(1, complex))
    out = _Built([first], np.zeros(p0, np.int64), np.arange(p0, dtype=np.int64), [p0])
    cnt = np.ones(p0, np.int64)
    vertex = convention == "vertex"
    for p_new in ps[1:]:
        prev = out.layers[-1]
        if stop_at is not None and prev.offset + prev.n > stop_at:
            break
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
        ncorner = np.roll(Ks - 2, -1) if vertex else np.zeros(nrun, np.int64)
        per = ncorner + 1
        grp_off = np.cumsum(per) - per
        n_new = int(per.sum())
        run_pos = grp_off
        off = prev.offset + prev.n

        r = np.zeros(n_new, np.int64)
        r[run_pos] = run_len
        gb = np.zeros(n_new, bool)
        if not vertex:
            gb[run_pos] = Ks >= 3
        ga = np.roll(gb, -1)
        o = p_new - r - 2
        # o == -1: the tile's single free edge joins the two ends of its run; that is
        # only consistent with gaps on both sides (it is then a new boundary edge)
        if o.min() < -1 or not (gb & ga)[o < 0].all():  # pragma: no cover
            raise RuntimeError("internal error: a new tile closes more edges than it has")
        ell = o + gb + ga

        nb = np.full((n_new, pmax), -1, np.int64)
        ne = np.full((n_new, pmax), -1, np.int64)
        # old boundary edges <-> the run tiles across them
        run_id = np.repeat(np.arange(nrun), run_len)
        tile_loc = run_pos[run_id]
        new_edge = run_end[run_id] - np.arange(m)
        prev.nb[bt - prev.offset, be] = off + tile_loc
        prev.ne[bt - prev.offset, be] = new_edge
        nb[tile_loc, new_edge] = bt
        ne[tile_loc, new_edge] = be
        # spokes between consecutive ring tiles
        a = np.flatnonzero(~ga)
        b = (a + 1) % n_new
        nb[a, p_new - 1] = off + b
        ne[a, p_new - 1] = r[b]
        nb[b, r[b]] = off + a
        ne[b, r[b]] = p_new - 1

        # the new boundary: each ring tile's outer path, in ring order
        total = int(ell.sum())
        tile_of = np.repeat(np.arange(n_new), ell)
        starts = np.cumsum(ell) - ell
        k = np.arange(total) - starts[tile_of]
        new_be = r[tile_of] + (~gb[tile_of]) + k
        new_cnt = np.ones(total, np.int64)
        # junction vertex at the start of each path
        jcnt = np.full(n_new, 2, np.int64)
        zero = ell == 0
        if zero.any():
            idx = np.arange(2 * n_new)
            z2 = np.concatenate([zero, zero])
            last_nz = np.maximum.accumulate(np.where(~z2, idx, -1))
            pos = np.arange(n_new, 2 * n_new) - 1
            jcnt += pos - last_nz[pos]
        jv = np.full(n_new, -1, np.int64)
        jv[run_pos] = run_start
        gbi = np.flatnonzero(gb)
        jcnt[gbi] = cnt[jv[gbi]] + 2
        has = ell > 0
        new_cnt[starts[has]] = jcnt[has]

        center = np.zeros(n_new, complex)
        phase = np.ones(n_new, complex)
        if coords:
            rp, rn = radii[prev.p], radii[p_new]
            z0 = np.empty(n_new, complex)
            z1 = np.empty(n_new, complex)
            tj, ej = bt[run_end], be[run_end]
            z1[run_pos] = _vertex_pos(prev, rp, tj, ej)
            z0[run_pos] = _vertex_pos(prev, rp, tj, (ej + 1) % prev.p)
            nc = int(ncorner.sum())
            if nc:
                g = np.repeat(np.arange(nrun), ncorner)
                slot = np.arange(nc) - np.repeat(np.cumsum(ncorner) - ncorner, ncorner) + 1
                cpos = grp_off[g] + slot
                vi = run_start[(g + 1) % nrun]
                ti, ei = bt[vi], be[vi]
                vpos = _vertex_pos(prev, rp, ti, ei)
                vnext = _vertex_pos(prev, rp, ti, (ei + 1) % prev.p)
                ang = -(K[vi] - slot) * (2 * np.pi / q)
                d = (vnext - vpos) / (1 - np.conj(vpos) * vnext) * np.exp(1j * ang)
                z0[cpos] = vpos
                z1[cpos] = (d + vpos) / (1 + np.conj(vpos) * d)
            center, phase = _place(z0, z1, p_new, rn)

        out.layers.append(_Layer(off, p_new, nb, ne, center, phase))
        out.bt = off + tile_of
        out.be = new_be
        cnt = new_cnt
        out.boundary_sizes.append(total)
    # canonical start of the final boundary: first edge of the lowest boundary tile
    key = out.bt * pmax + out.be
    s = int(np.argmin(key))
    out.bt, out.be = np.roll(out.bt, -s), np.roll(out.be, -s)
    return out
