r"""The HSA dynamic programme on a general tree (any branching, uneven depths).

Per level ``l`` (``0 .. L-1``) the structure holds, built once per tree (by
content), options, device and dtype and kept in a byte-bounded cache:

* ``up``    ``(n_{l+1}, w_l)``: children of each level-``(l+1)`` node, padded with
  ``n_l`` (an appended zero row): the bottom-up sums are gathers;
* ``kids``  ``(N, w_l)``: the children of each leaf's level-``(l+1)`` ancestor — the
  keys the leaf scores at step ``l``;
* ``bias``  ``(N, w_l)``: ``-inf`` for blocked keys (padding, the own child, the leaf
  itself unless ``include_self``, blocks not entirely in the past under
  ``causal``), else ``log |C|`` (no key mask) or ``0`` (key mask: the counts come
  from the data);
* ``parent`` ``(n_l,)`` and ``inv`` ``(n_l, 1)`` for the gradient's top-down pass.

The leaves are processed in chunks of bounded size, so the gathered keys and
values never exceed ``_CHUNK_ELEMENTS`` elements: memory ``O(N(d + Σ w_l))``.
:func:`general_backward` (torch) recomputes the scores from the saved
log-sum-exp and scatters the key/value gradients into the nodes with
``index_add_``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from holonet.attention import _ops
from holonet.attention._cache import ByteLRU
from holonet.attention.tree import Tree

#: Elements of gathered keys (or values) per chunk of leaves.
_CHUNK_ELEMENTS = 1 << 21

STRUCTURE_CACHE = ByteLRU(budget=64 * 2**20)


@dataclass(frozen=True)
class GLevel:
    up: Any          # (n_{l+1}, w) int64, pad = n_l
    kids: Any        # (N, w) int64, pad = n_l
    bias: Any        # (N, w) float
    parent: Any      # (n_l,) int64
    inv: Any         # (n_l, 1) float, or None at level 0
    width: int
    n_nodes: int


@dataclass(frozen=True)
class GStructure:
    n: int
    levels: tuple[GLevel, ...]
    masked: bool


def build_general(tree: Tree, include_self: bool, causal: bool, masked: bool,
                  convert: Any, convert_idx: Any) -> GStructure:
    """Host construction of :class:`GStructure`; ``convert`` moves floats, ``convert_idx`` ints."""
    n = tree.n_leaves
    anc = tree._anc
    leaf = np.arange(n)
    levels = []
    for lvl in range(tree.depth):
        n_l = tree.level_sizes[lvl]
        table = tree.child_table(lvl + 1)
        up = np.where(table < 0, n_l, table)
        kids = up[anc[lvl + 1]]
        blocked = table[anc[lvl + 1]] < 0
        if lvl > 0 or not include_self:
            blocked |= kids == anc[lvl][:, None]
        if causal:
            last = np.append(tree.last_leaf(lvl), -1)[kids]
            is_self = (kids == leaf[:, None]) if lvl == 0 else np.zeros_like(blocked)
            blocked |= (last >= leaf[:, None]) & ~is_self
        counts = np.append(tree.leaf_counts(lvl).astype(float), 0.0)
        if masked:
            bias = np.where(blocked, -np.inf, 0.0)
        else:
            with np.errstate(divide="ignore"):
                bias = np.where(blocked, -np.inf, np.log(counts[kids]))
        inv = None if lvl == 0 else convert((1.0 / np.maximum(counts[:-1], 1.0))[:, None])
        levels.append(GLevel(convert_idx(up), convert_idx(kids), convert(bias),
                             convert_idx(tree.levels[lvl]), inv, int(up.shape[1]), n_l))
    return GStructure(n, tuple(levels), masked)


def structure(tree: Tree, include_self: bool, causal: bool, masked: bool, like: Any
              ) -> GStructure:
    """Cached :func:`build_general` on ``like``'s backend, device and dtype."""
    key = (tree._structure_digest(), include_self, causal, masked, _ops.get_backend(like),
           str(getattr(like, "device", "cpu")), str(like.dtype))
    return STRUCTURE_CACHE.get_or_build(
        key, lambda: build_general(tree, include_self, causal, masked,
                                   lambda a: _ops.const(a, like), lambda a: _ops.const(a, like)))


def predicted_bytes(tree: Tree, batch: int, d: int, dv: int, itemsize: int) -> int:
    """Working memory of one call beyond its inputs: structure, sums, chunk buffers."""
    n = tree.n_leaves
    width = sum(tree.max_branching)
    nodes = sum(tree.level_sizes[:-1])
    return int(n * width * (8 + itemsize) + itemsize * batch * (
        3 * nodes * (d + dv) + 4 * n * (d + dv)) + 4 * itemsize * _CHUNK_ELEMENTS)


def _pad_row(x: Any, xp: Any) -> Any:
    return xp.cat([x, xp.zeros((x.shape[0], 1) + tuple(x.shape[2:]), x)], 1)


def _node_means(k: Any, v: Any, st: GStructure, valid: Any, xp: Any
                ) -> tuple[list[Any], list[Any], list[Any] | None, list[Any]]:
    """Zero-row-padded mean keys/values per level, padded counts (key mask) and 1/counts."""
    if valid is not None:
        k = k * valid[..., None]
        v = v * valid[..., None]
    d = k.shape[-1]
    sums = [xp.cat([k, v], 2)]
    cnts = None if valid is None else [valid]
    for lv in st.levels[:-1]:
        sums.append(_pad_row(sums[-1], xp)[:, lv.up].sum(2))
        if cnts is not None:
            cnts.append(_pad_row(cnts[-1][..., None], xp)[:, lv.up, 0].sum(2))
    kbars, vbars, invs = [], [], []
    for lvl, (lv, s) in enumerate(zip(st.levels, sums)):
        if cnts is not None:
            inv = None if lvl == 0 else (1.0 / xp.where(cnts[lvl] > 1.0, cnts[lvl], 1.0))[..., None]
        else:
            inv = None if lvl == 0 else lv.inv[None]
        invs.append(inv)
        mean = s if inv is None else s * inv
        kbars.append(_pad_row(mean[..., :d], xp))
        vbars.append(_pad_row(mean[..., d:], xp))
    pcnts = None if cnts is None else [_pad_row(c[..., None], xp)[..., 0] for c in cnts]
    return kbars, vbars, pcnts, invs


def _chunk(st: GStructure, batch: int, f: int) -> int:
    width = max(lv.width for lv in st.levels)
    return max(1, _CHUNK_ELEMENTS // max(1, batch * width * f))


def _level_scores(qc: Any, kbar: Any, lv: GLevel, sl: slice, pcnt: Any, xp: Any
                  ) -> tuple[Any, Any]:
    idx = lv.kids[sl]
    s = xp.einsum("bcd,bcwd->bcw", qc, kbar[:, idx]) + lv.bias[sl]
    if pcnt is not None:
        s = s + xp.log0(pcnt[:, idx])
    return s, idx


def general_forward(q: Any, k: Any, v: Any, st: GStructure, valid: Any, scale: float
                    ) -> tuple[Any, Any]:
    """``(out (B, N, dv), lse (B, N))``; a query with no key gets 0 and ``lse = +inf``."""
    xp = _ops.xp(q)
    bsz, n, d = q.shape
    qs = q * scale
    kbars, vbars, pcnts, _ = _node_means(k, v, st, valid, xp)
    chunk = _chunk(st, bsz, max(d, v.shape[-1]))
    outs, lses = [], []
    for start in range(0, n, chunk):
        sl = slice(start, min(n, start + chunk))
        qc = qs[:, sl]
        parts = [_level_scores(qc, kbars[lvl], lv, sl, None if pcnts is None else pcnts[lvl],
                               xp) for lvl, lv in enumerate(st.levels)]
        m: Any = None
        for s, _ in parts:
            ms = xp.amax(s, -1)
            m = ms if m is None else xp.maximum(m, ms)
        m = xp.where(xp.isfinite(m), m, 0.0)
        acc: Any = None
        z: Any = None
        for lvl, (s, idx) in enumerate(parts):
            p = xp.exp_(s - m[..., None])
            a = xp.einsum("bcw,bcwd->bcd", p, vbars[lvl][:, idx])
            acc = a if acc is None else acc + a
            zs = p.sum(-1)
            z = zs if z is None else z + zs
        pos = z > 0
        zz = xp.where(pos, z, 1.0)
        outs.append(acc / zz[..., None])
        lses.append(xp.where(pos, m + xp.log0(zz), math.inf))
    if len(outs) == 1:
        return outs[0], lses[0]
    return xp.cat(outs, 1), xp.cat(lses, 1)


def general_backward(dout: Any, q: Any, k: Any, v: Any, out: Any, lse: Any, st: GStructure,
                     valid: Any, scale: float) -> tuple[Any, Any, Any]:
    """Gradients ``(dq, dk, dv)`` of :func:`general_forward` (torch tensors)."""
    import torch

    xp = _ops.xp(q)
    bsz, n, d = q.shape
    dv_ = v.shape[-1]
    qs = q * scale
    kbars, vbars, pcnts, invs = _node_means(k, v, st, valid, xp)
    dsum = (dout * out).sum(-1)
    dqs = torch.zeros_like(qs)
    dkb = [torch.zeros_like(x) for x in kbars]
    dvb = [torch.zeros_like(x) for x in vbars]
    chunk = _chunk(st, bsz, max(d, dv_))
    for start in range(0, n, chunk):
        sl = slice(start, min(n, start + chunk))
        qc, doc = qs[:, sl], dout[:, sl]
        lc, dc = lse[:, sl, None], dsum[:, sl, None]
        c = qc.shape[1]
        for lvl, lv in enumerate(st.levels):
            s, idx = _level_scores(qc, kbars[lvl], lv, sl, None if pcnts is None else pcnts[lvl],
                                   xp)
            p = (s - lc).exp_()
            kg, vg = kbars[lvl][:, idx], vbars[lvl][:, idx]
            ds = torch.einsum("bcd,bcwd->bcw", doc, vg)
            ds -= dc
            ds *= p
            dqs[:, sl] += torch.einsum("bcw,bcwd->bcd", ds, kg)
            flat = idx.reshape(-1)
            dkb[lvl].index_add_(1, flat, (ds[..., None] * qc[:, :, None, :]).reshape(
                bsz, c * lv.width, d))
            dvb[lvl].index_add_(1, flat, (p[..., None] * doc[:, :, None, :]).reshape(
                bsz, c * lv.width, dv_))
    gk = gv = None
    for lvl in range(len(st.levels) - 1, -1, -1):
        lv = st.levels[lvl]
        tk, tv = dkb[lvl][:, :lv.n_nodes], dvb[lvl][:, :lv.n_nodes]
        if invs[lvl] is not None:
            tk, tv = tk * invs[lvl], tv * invs[lvl]
        if gk is not None and gv is not None:
            tk = tk + gk[:, lv.parent]
            tv = tv + gv[:, lv.parent]
        gk, gv = tk, tv
    assert gk is not None and gv is not None
    dk, dvv = gk, gv
    if valid is not None:
        dk = dk * valid[..., None]
        dvv = dvv * valid[..., None]
    return dqs * scale, dk, dvv
