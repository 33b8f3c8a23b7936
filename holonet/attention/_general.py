r"""The HSA dynamic programme on a general tree (any branching, uneven depths).

At level ``l`` (``0 .. L-1``) leaf ``i`` scores the children (level-``l`` nodes) of
its level-``(l+1)`` ancestor ``P``; every leaf under ``P`` shares that key set. So
the leaves are grouped by ``P`` into *instances* of at most ``T_l`` leaves (a
group larger than ``T_l`` is split, a smaller one padded; ``T_l`` a power of two
≤ ``_MAX_GROUP`` chosen by a memory-traffic model: larger instances share the
gathered children, smaller ones pad less), and each level is one
batched matmul over the instances::

    Q_inst (B, n_inst, T, d) @ K_kidsᵀ (B, n_inst, d, w_l)   ->   S (B, n_inst, T, w_l)

with the queries gathered into instance layout (``N·d`` numbers, not ``N·w·d``)
and the children's mean keys/values gathered once per instance. Scores go
back to leaf layout (a gather of ``N·w_l`` numbers) for one log-sum-exp per
leaf over all levels.

Per level the structure holds, built once per tree *content*, options, device
and dtype and kept in a byte-bounded cache: ``up`` (children of each
level-``(l+1)`` node, padded with ``n_l``, an appended zero row) for the
bottom-up sums; the instance tables ``rows`` (leaf of each slot, pad = ``N``),
``kid_idx`` (children of each instance's node) and ``inv_pos`` (slot of each
leaf); ``bias`` ``(n_inst, T, w)`` — ``-inf`` for padding, the own child, the leaf
itself unless ``include_self``, blocks not entirely in the past under
``causal``; else ``log |C|`` (or ``0`` with a key mask, whose counts come from the
data); and ``parent``/``inv`` for the gradient's top-down pass.
:func:`general_backward` (torch) recomputes the scores from the saved
log-sum-exp and scatters the node gradients with ``index_add_`` (``n_inst·w``
rows per level).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from holonet.attention import _ops
from holonet.attention._cache import ByteLRU
from holonet.attention.tree import Tree

#: Largest number of leaves per instance (a group of leaves sharing an ancestor).
_MAX_GROUP = 64

STRUCTURE_CACHE = ByteLRU(budget=64 * 2**20)


@dataclass(frozen=True)
class GLevel:
    up: Any          # (n_{l+1}, w) int64 children, pad = n_l
    rows: Any        # (n_inst, T) int64 leaf of each slot, pad = N
    kid_idx: Any     # (n_inst, w) int64 children of each instance's node, pad = n_l
    inv_pos: Any     # (N,) int64 slot of each leaf in the flattened (n_inst·T) layout
    bias: Any        # (n_inst, T, w) float
    parent: Any      # (n_l,) int64
    inv: Any         # (n_l, 1) float, or None at level 0
    width: int
    n_nodes: int
    n_inst: int
    per_inst: int


@dataclass(frozen=True)
class GStructure:
    n: int
    levels: tuple[GLevel, ...]
    masked: bool


def _instance_size(sizes: np.ndarray, width: int) -> int:
    """Instance size ``T`` (a power of two ``<= _MAX_GROUP``) minimising a traffic model.

    Padded query rows cost ``d + 2w`` numbers each (query in, scores out), every
    instance gathers its ``w`` children's keys and values (``2 d w``), ``d = 64``
    nominal: larger instances share the gathered children, smaller ones pad less.
    """
    d = 64
    best, best_t = None, 1
    t = 1
    while t <= _MAX_GROUP:
        pieces = -(-sizes // t)
        cost = int((pieces * t).sum()) * (d + 2 * width) + int(pieces.sum()) * 2 * d * width
        if best is None or cost < best:
            best, best_t = cost, t
        t *= 2
    return best_t


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
        w = int(up.shape[1])
        a = anc[lvl + 1]                                   # each leaf's group node
        kids = up[a]                                       # (N, w)
        blocked = table[a] < 0
        if lvl > 0 or not include_self:
            blocked |= kids == anc[lvl][:, None]
        if causal:
            last = np.append(tree.last_leaf(lvl), -1)[kids]
            is_self = (kids == leaf[:, None]) if lvl == 0 else np.zeros_like(blocked)
            blocked |= (last >= leaf[:, None]) & ~is_self
        counts = np.append(tree.leaf_counts(lvl).astype(float), 0.0)
        if masked:
            leaf_bias = np.where(blocked, -np.inf, 0.0)
        else:
            with np.errstate(divide="ignore"):
                leaf_bias = np.where(blocked, -np.inf, np.log(counts[kids]))
        # instances: the leaves of each group node, in order, cut into pieces of T
        order = np.argsort(a, kind="stable")
        sizes = np.bincount(a, minlength=tree.level_sizes[lvl + 1])
        t = _instance_size(sizes[sizes > 0], w)
        start = np.cumsum(sizes) - sizes
        rank = np.arange(n) - start[a[order]]              # position within the group
        pieces = -(-sizes // t)                            # instances per group node
        first = np.cumsum(pieces) - pieces
        inst = first[a[order]] + rank // t
        slot = rank % t
        n_inst = int(pieces.sum())
        rows = np.full((n_inst, t), n, dtype=np.int64)
        rows[inst, slot] = order
        inst_node = np.repeat(np.arange(sizes.size), pieces)
        inv_pos = np.empty(n, dtype=np.int64)
        inv_pos[order] = inst * t + slot
        bias = np.zeros((n_inst, t, w))
        bias[inst, slot] = leaf_bias[order]
        inv = None if lvl == 0 else convert((1.0 / np.maximum(counts[:-1], 1.0))[:, None])
        levels.append(GLevel(convert_idx(up), convert_idx(rows), convert_idx(up[inst_node]),
                             convert_idx(inv_pos), convert(bias), convert_idx(tree.levels[lvl]),
                             inv, w, n_l, n_inst, t))
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
    """Working memory of one call beyond its inputs (pure Python, from the tree's facts).

    Structure tables (``N·Σw`` biases, padded to instances: ≤ 2×), scores ``N·Σw``,
    instance-layout queries, outputs and gradients ``~6·N·(d+dv)``, node means.
    """
    n = tree.n_leaves
    width = sum(tree.max_branching)
    nodes = sum(tree.level_sizes[:-1])
    return int(2 * n * width * (8 + itemsize) + itemsize * batch * (
        3 * n * width + 6 * n * (d + dv) + 3 * nodes * (d + dv)))


# ---------------------------------------------------------------------------------
# kernels (numpy, torch, cupy)


def _pad_row(x: Any, xp: Any) -> Any:
    return xp.cat([x, xp.zeros((x.shape[0], 1) + tuple(x.shape[2:]), x)], 1)


def _node_means(k: Any, v: Any, st: GStructure, valid: Any, xp: Any
                ) -> tuple[list[Any], list[Any] | None, list[Any]]:
    """Per level the zero-row-padded mean keys|values ``(B, n_l+1, d+dv)``, padded counts
    (key mask only) and ``1/count`` factors."""
    kv = xp.cat([k, v], 2)
    if valid is not None:
        kv = kv * valid[..., None]
    sums = [kv]
    cnts = None if valid is None else [valid]
    for lv in st.levels[:-1]:
        sums.append(xp.take(_pad_row(sums[-1], xp), lv.up).sum(2))
        if cnts is not None:
            cnts.append(xp.take(_pad_row(cnts[-1][..., None], xp), lv.up)[..., 0].sum(2))
    means, invs = [], []
    for lvl, (lv, s) in enumerate(zip(st.levels, sums)):
        if cnts is not None:
            inv = None if lvl == 0 else (1.0 / xp.where(cnts[lvl] > 1.0, cnts[lvl], 1.0))[..., None]
        else:
            inv = None if lvl == 0 else lv.inv[None]
        invs.append(inv)
        means.append(_pad_row(s if inv is None else s * inv, xp))
    pcnts = None if cnts is None else [_pad_row(c[..., None], xp)[..., 0] for c in cnts]
    return means, pcnts, invs


def _level_scores(qpad: Any, kv: Any, lv: GLevel, pcnt: Any, d: int, scale: float, xp: Any
                  ) -> tuple[Any, Any, Any]:
    """Instance-layout queries ``(B, n_inst, T, d)``, children ``(B, n_inst, w, d+dv)`` and
    the leaf-layout scores ``(B, N, w)`` of one level."""
    bsz = qpad.shape[0]
    qi = xp.take(qpad, lv.rows)
    ki = xp.take(kv, lv.kid_idx)
    s = qi @ ki[..., :d].swapaxes(-1, -2)
    s *= scale
    s += lv.bias
    if pcnt is not None:
        s += xp.log0(xp.take(pcnt, lv.kid_idx))[:, :, None, :]
    return qi, ki, xp.take(s.reshape(bsz, lv.n_inst * lv.per_inst, lv.width), lv.inv_pos)


def _level_slices(st: GStructure) -> list[tuple[GLevel, int]]:
    out, off = [], 0
    for lv in st.levels:
        out.append((lv, off))
        off += lv.width
    return out


def _to_instances(x: Any, lv: GLevel, xp: Any) -> Any:
    """Leaf layout ``(B, N, f)`` -> instance layout ``(B, n_inst, T, f)`` (pads are zero)."""
    return xp.take(_pad_row(x, xp), lv.rows)


def _to_leaves(x: Any, lv: GLevel, xp: Any) -> Any:
    """Instance layout ``(B, n_inst, T, f)`` -> leaf layout ``(B, N, f)``."""
    return xp.take(x.reshape(x.shape[0], lv.n_inst * lv.per_inst, x.shape[-1]), lv.inv_pos)


def general_forward(q: Any, k: Any, v: Any, st: GStructure, valid: Any, scale: float
                    ) -> tuple[Any, Any]:
    """``(out (B, N, dv), lse (B, N))``; a query with no key gets 0 and ``lse = +inf``."""
    xp = _ops.xp(q)
    bsz, n, d = q.shape
    dv = v.shape[-1]
    means, pcnts, _ = _node_means(k, v, st, valid, xp)
    qpad = _pad_row(q, xp)
    parts = [_level_scores(qpad, means[lvl], lv, None if pcnts is None else pcnts[lvl], d,
                           scale, xp) for lvl, lv in enumerate(st.levels)]
    s = xp.cat([p[2] for p in parts], -1) if len(parts) > 1 else parts[0][2]
    m = xp.amax(s, -1)
    m = xp.where(xp.isfinite(m), m, 0.0)
    s -= m[..., None]
    xp.exp_(s)
    z = s.sum(-1)
    out: Any = None
    for (lv, off), (_, ki, _) in zip(_level_slices(st), parts):
        oi = _to_instances(s[..., off:off + lv.width], lv, xp) @ ki[..., d:]
        o = _to_leaves(oi, lv, xp)
        out = o if out is None else out + o
    pos = z > 0
    zs = xp.where(pos, z, 1.0)
    out = out / zs[..., None]
    lse = xp.where(pos, m + xp.log0(zs), math.inf)
    assert out.shape == (bsz, n, dv)
    return out, lse


def general_backward(dout: Any, q: Any, k: Any, v: Any, out: Any, lse: Any, st: GStructure,
                     valid: Any, scale: float) -> tuple[Any, Any, Any]:
    """Gradients ``(dq, dk, dv)`` of :func:`general_forward` (torch tensors)."""
    import torch

    xp = _ops.xp(q)
    bsz, n, d = q.shape
    dv_ = v.shape[-1]
    f = d + dv_
    means, pcnts, invs = _node_means(k, v, st, valid, xp)
    qpad = _pad_row(q, xp)
    dsum = (dout * out).sum(-1, keepdim=True)                    # D = rowsum(dO ⊙ O)
    dq: Any = None
    dnodes = []
    for lvl, lv in enumerate(st.levels):
        qi, ki, s = _level_scores(qpad, means[lvl], lv, None if pcnts is None else pcnts[lvl],
                                  d, scale, xp)
        s -= lse[..., None]
        s.exp_()                                                 # P (leaf layout)
        pi = _to_instances(s, lv, xp)                            # (B, n_inst, T, w)
        doi = _to_instances(dout, lv, xp)
        ds = doi @ ki[..., d:].swapaxes(-1, -2)                  # dP
        ds -= _to_instances(dsum, lv, xp)
        ds *= pi                                                 # dS = P (dP - D)
        dqi = _to_leaves(ds @ ki[..., :d], lv, xp)
        dq = dqi if dq is None else dq + dqi
        dki = torch.cat([ds.swapaxes(-1, -2) @ qi * scale, pi.swapaxes(-1, -2) @ doi], -1)
        acc = torch.zeros((bsz, lv.n_nodes + 1, f), dtype=q.dtype, device=q.device)
        acc.index_add_(1, lv.kid_idx.reshape(-1), dki.reshape(bsz, lv.n_inst * lv.width, f))
        dnodes.append(acc[:, :lv.n_nodes])
    g = None
    for lvl in range(len(st.levels) - 1, -1, -1):
        lv = st.levels[lvl]
        t = dnodes[lvl] if invs[lvl] is None else dnodes[lvl] * invs[lvl]
        if g is not None:
            t = t + xp.take(g, lv.parent)
        g = t
    assert g is not None and dq is not None
    dk, dvv = g[..., :d], g[..., d:]
    if valid is not None:
        dk = dk * valid[..., None]
        dvv = dvv * valid[..., None]
    return dq * scale, dk, dvv
