r"""The HSA / MERA-cone dynamic programme on a window tree (``Tree.fixed_windows``).

Leaves are padded with empty leaves to ``n_pad = prod(branching)``, so level
``l`` has ``n_l = n_pad / (b_0 ⋯ b_{l-1})`` nodes and every node has exactly
``b_l`` children. At level ``l`` (``0 .. L-1``) a query scores the children
(level-``l`` nodes) of its level-``(l+1)`` ancestor's neighbourhood
``P-r .. P+r`` (``r = 0`` for HSA, ``1`` for the MERA cone), except those within
``r`` of its own level-``l`` ancestor (resolved one level finer; at level 0 only
the query itself, unless ``include_self``), and under ``causal`` only children
entirely before it. All scores of a query enter one log-sum-exp.

The work is two batched matmuls per product, whatever the depth:

* **leaf stage** (level 0): the ``n_1`` leaf windows are groups of ``b_0``
  queries, each scoring the ``w_0 = (2r+1) b_0`` leaves of its window's
  neighbourhood — a reshape of the key array (``r = 0``), no copy::

      Q (B·n_1, b_0, d) @ K_leafᵀ (B·n_1, d, w_0)

* **node stage** (levels ``1 .. L-1``): every key a query sees above the leaves is
  a child of an ancestor of its level-2 node (or of the root), so all the
  ``t = n_pad / n_2`` queries under one level-2 node share them. The mean keys
  and values of levels ``1 .. L-1`` are gathered once per level-2 node by a cached
  index, ``w' = Σ_{l≥1} (2r+1) b_l`` of them (about ``N (d+dv) w' / (b_0 b_1)``
  numbers, a small fraction of the inputs)::

      Q (B·n_2, t, d) @ K_nodesᵀ (B·n_2, d, w')

The structural bias (which child of its level-2 node a query sits in decides
its own level-1 child; the group decides everything above, which the gather
index encodes by pointing blocked keys at an empty node) and the block sizes
``log |C|`` enter as the additive input of the fused ``baddbmm`` and one
broadcast add. Few, larger matmuls keep the DP fast at small ``N``, where the
per-kernel cost dominates.

Forward: one log-sum-exp over both stages per query, ``out = (P_0 V_0 + P' V')/z``,
and the per-query ``lse`` (saved for the backward pass, as in flash attention).
Backward (:func:`window_backward`, torch): recompute the node means and the
scores, ``P = exp(S - lse)``, ``dS = P ⊙ (dO Vᵀ - D)`` with ``D = rowsum(dO ⊙ O)``,
then ``dQ = dS K``, ``dK̄ = dSᵀ Q``, ``dV̄ = Pᵀ dO``; the node gradients are
scattered back through the gather index and pushed down the tree (each leaf
receives ``dK̄_C / |C|`` from every node ``C`` above it). Memory: the inputs,
the ``N·K`` scores and the gathered node means — linear in ``N``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from holonet.attention import _ops
from holonet.attention._cache import ByteLRU

#: Structural constants per (branching, n, radius, include_self, causal, device, dtype).
STRUCTURE_CACHE = ByteLRU(budget=64 * 2**20)

#: Largest ``(t, w)`` bias table kept in a structure (elements); beyond it (only for a
#: root with a huge fan-out, where the scores themselves are as large) the ``(b, 1, w)``
#: pattern is added by broadcasting.
_BIAS_TABLE_MAX = 1 << 22


@dataclass(frozen=True)
class Structure:
    """Constants of the window DP for one (tree shape, options, device, dtype)."""

    n: int
    n_pad: int
    branching: tuple[int, ...]
    radius: int
    include_self: bool
    causal: bool
    # leaf stage
    b0: int
    n1: int
    w0: int
    bias0: Any       # (b0, w0) structure + log count, or None if all zero (no key mask)
    struct0: Any     # (b0, w0) structure only (key mask), or None if all zero
    logc0: Any       # (n1, 1, w0) log counts of the leaf keys (padding, edges), or None
    # node stage (levels 1 .. L-1); wB = 0 when the tree is flat
    n2: int
    tB: int
    wB: int
    w1: int
    sub1: int        # queries per level-1 child inside a group: tB // b1
    b1: int
    idxB: Any        # (n2, wB) int64 into the concatenated nodes of levels 1 .. L-1 + EMPTY
    tableB: Any      # (tB, wB) level-1 structure pattern (zeros above), or None
    patB: Any        # (b1, 1, w1) the same pattern, for the broadcast fallback, or None
    logcB: Any       # (n2, 1, wB) log counts of the gathered nodes (no key mask)
    node_sizes: tuple[int, ...]     # n_1 .. n_{L-1}
    invs: tuple[Any, ...]           # per level 1 .. L-1: float or (n_l, 1) 1/count


def _level_mask(b: int, r: int, level0: bool, include_self: bool, causal: bool) -> np.ndarray:
    """``(b, w)`` boolean: key column blocked for a query in child ``c0`` of its group."""
    w = (2 * r + 1) * b
    centre = r * b + np.arange(b)[:, None]
    col = np.arange(w)[None, :]
    if level0:
        blocked = (col == centre) if not include_self else np.zeros((b, w), dtype=bool)
        if causal:
            blocked = blocked | (col > centre)
    else:
        # the children within r of the own child were resolved one level finer
        blocked = np.abs(col - centre) <= r
        if causal:  # allowed only if the whole block precedes the query
            blocked = blocked | (col > centre - r)
    return blocked


def _kids(x: np.ndarray, groups: int, b: int, r: int) -> np.ndarray:
    """``(n_l,)`` node values -> ``(G, (2r+1) b)``: children of each group's neighbourhood."""
    xp_ = np.concatenate([np.zeros(r * b), x, np.zeros(r * b)]).reshape(groups + 2 * r, b)
    return np.concatenate([xp_[s:s + groups] for s in range(2 * r + 1)], axis=1)


def _log(x: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(x)


def _table(pattern: np.ndarray, rows: int) -> np.ndarray:
    """``(b, w)`` per-child pattern -> ``(rows, w)``: each child's row repeated rows/b times."""
    b, w = pattern.shape
    return np.ascontiguousarray(np.broadcast_to(pattern[:, None, :], (b, rows // b, w))
                                .reshape(rows, w))


def build_structure(branching: tuple[int, ...], n: int, radius: int, include_self: bool,
                    causal: bool, convert: Any, convert_idx: Any) -> Structure:
    """Host constants of the window DP; ``convert``/``convert_idx`` move floats/ints."""
    r = radius
    br = tuple(int(b) for b in branching)
    n_pad = math.prod(br)
    depth = len(br)
    sizes = [n_pad]
    for b in br:
        sizes.append(sizes[-1] // b)
    counts = [np.zeros(n_pad)]
    counts[0][:n] = 1.0
    for lvl, b in enumerate(br[:-1]):
        counts.append(counts[-1].reshape(sizes[lvl + 1], b).sum(1))
    # leaf stage
    b0, n1 = br[0], sizes[1]
    w0 = (2 * r + 1) * b0
    struct0 = np.where(_level_mask(b0, r, True, include_self, causal), -np.inf, 0.0)
    leaf_counts = _kids(counts[0], n1, b0, r)                              # (n1, w0)
    logc0 = None if np.all(leaf_counts == 1.0) else convert(_log(leaf_counts)[:, None, :])
    any0 = bool(np.any(struct0 != 0))
    bias0 = convert(struct0) if any0 else None
    # node stage
    idx_b = table_b = pat_b = logc_b = None
    n2, t_b, w_b, w1, sub1, b1 = 1, n_pad, 0, 0, 1, 1
    invs: list[Any] = []
    if depth >= 2:
        b1 = br[1]
        n2 = sizes[2]
        t_b = n_pad // n2
        sub1 = t_b // b1
        w1 = (2 * r + 1) * b1
        offsets = np.cumsum([0] + sizes[1:depth])            # levels 1 .. L-1 concatenated
        empty = int(offsets[-1])
        cols = []
        a2 = np.arange(n2)
        kids1 = (a2[:, None] - r) * b1 + np.arange(w1)[None, :]
        cols.append(np.where((kids1 >= 0) & (kids1 < sizes[1]), kids1, -1))
        anc = a2                                              # ancestor at level l (l = 2)
        for lvl in range(2, depth):
            b = br[lvl]
            parent, c_l = anc // b, anc % b
            w = (2 * r + 1) * b
            kids = (parent[:, None] - r) * b + np.arange(w)[None, :]
            blocked = _level_mask(b, r, False, include_self, causal)[c_l]   # (n2, w)
            ok = (kids >= 0) & (kids < sizes[lvl]) & ~blocked
            cols.append(np.where(ok, kids + offsets[lvl - 1], -1))
            anc = parent
        idx = np.concatenate(cols, axis=1)
        idx = np.where(idx < 0, empty, idx)
        w_b = idx.shape[1]
        node_counts = np.concatenate(counts[1:depth] + [np.zeros(1)])
        logc_b = convert(_log(node_counts[idx])[:, None, :])
        idx_b = convert_idx(idx)
        pattern1 = np.where(_level_mask(b1, r, False, include_self, causal), -np.inf, 0.0)
        full = np.zeros((b1, w_b))
        full[:, :w1] = pattern1
        if t_b * w_b <= _BIAS_TABLE_MAX:
            table_b = convert(_table(full, t_b))
        pat_b = convert(pattern1[:, None, :])
        for lvl in range(1, depth):
            c = counts[lvl]
            uniform = bool(np.all(c == c[0])) and c[0] > 0
            invs.append(float(1.0 / c[0]) if uniform else
                        convert((1.0 / np.maximum(c, 1.0))[:, None]))
    return Structure(n, n_pad, br, r, include_self, causal,
                     b0, n1, w0, bias0, bias0, logc0,
                     n2, t_b, w_b, w1, sub1, b1, idx_b, table_b, pat_b, logc_b,
                     tuple(sizes[1:depth]), tuple(invs))


def structure(branching: tuple[int, ...], n: int, radius: int, include_self: bool,
              causal: bool, like: Any) -> Structure:
    """Cached :func:`build_structure` on ``like``'s backend, device and dtype."""
    key = (tuple(branching), n, radius, include_self, causal, _ops.get_backend(like),
           str(getattr(like, "device", "cpu")), str(like.dtype))
    return STRUCTURE_CACHE.get_or_build(
        key, lambda: build_structure(tuple(branching), n, radius, include_self, causal,
                                     lambda a: _ops.const(a, like),
                                     lambda a: _ops.const(a, like)))


def predicted_bytes(branching: tuple[int, ...], batch: int, d: int, dv: int, radius: int,
                    itemsize: int) -> int:
    """Peak working memory of one forward or backward call beyond its inputs (bytes).

    Pure Python (it runs on every call, also while ``torch.compile`` traces it):
    scores ``N·K``, padded copies and gradients ``~5·N·(d+dv)``, gathered nodes.
    """
    n_pad = math.prod(branching)
    width = sum((2 * radius + 1) * b for b in branching)
    groups = n_pad // math.prod(branching[:2]) if len(branching) > 1 else 0
    gathered = groups * (width - (2 * radius + 1) * branching[0]) * (d + dv)
    per_token = width + 5 * (d + dv) + 4
    return int(itemsize * batch * (n_pad * per_token + 2 * gathered))


# ---------------------------------------------------------------------------------
# the two stages (numpy, torch, cupy)


def _pad_rows(x: Any, n_pad: int, xp: Any, fill: float = 0.0) -> Any:
    if n_pad == 0:
        return x
    z = xp.zeros(tuple(x.shape[:1]) + (n_pad,) + tuple(x.shape[2:]), x)
    if fill:
        z = z + fill
    return xp.cat([x, z], 1)


def _leaf_keys(x: Any, st: Structure, xp: Any) -> Any:
    """``(B, n_pad, f)`` leaves -> ``(B·n1, w0, f)``: the leaves each window scores."""
    bsz, f = x.shape[0], x.shape[-1]
    r, b0, n1 = st.radius, st.b0, st.n1
    if r == 0:
        return x.reshape(bsz * n1, b0, f)
    z = xp.zeros((bsz, r * b0, f), x)
    xr = xp.cat([z, x, z], 1).reshape(bsz, n1 + 2 * r, b0, f)
    return xp.cat([xr[:, s:s + n1] for s in range(2 * r + 1)], 2).reshape(bsz * n1, st.w0, f)


def _leaf_keys_adjoint(dk: Any, st: Structure) -> Any:
    """Adjoint of :func:`_leaf_keys`: ``(B·n1, w0, f)`` -> ``(B, n_pad, f)`` (fresh)."""
    import torch

    f = dk.shape[-1]
    r, b0, n1 = st.radius, st.b0, st.n1
    bsz = dk.shape[0] // n1
    if r == 0:
        return dk.reshape(bsz, st.n_pad, f)
    dk4 = dk.reshape(bsz, n1, st.w0, f)
    acc = torch.zeros((bsz, n1 + 2 * r, b0, f), dtype=dk.dtype, device=dk.device)
    for s in range(2 * r + 1):
        acc[:, s:s + n1] += dk4[:, :, s * b0:(s + 1) * b0]
    return acc[:, r:r + n1].reshape(bsz, st.n_pad, f)


def _nodes(k: Any, v: Any, st: Structure, valid: Any, xp: Any
           ) -> tuple[Any, Any, list[Any]]:
    """Mean keys|values of levels ``1 .. L-1`` concatenated, plus a zero EMPTY row.

    Returns ``(nodes (B, T+1, d+dv), counts (Bv, T+1) or None, invs)``: ``counts`` are
    the valid-leaf counts (key mask only; EMPTY has 0), ``invs`` the ``1/count``
    factors per level (broadcastable to ``(B, n_l, 1)``).
    """
    bsz, _, d = k.shape
    dv = v.shape[-1]
    f = d + dv
    sums = [xp.cat([k.reshape(bsz, st.n1, st.b0, d).sum(2),
                    v.reshape(bsz, st.n1, st.b0, dv).sum(2)], -1)]
    cnts = None
    if valid is not None:
        cnts = [valid.reshape(valid.shape[0], st.n1, st.b0).sum(2)]
    for lvl in range(2, len(st.branching)):
        b = st.branching[lvl - 1]
        sums.append(sums[-1].reshape(bsz, st.node_sizes[lvl - 1], b, f).sum(2))
        if cnts is not None:
            cnts.append(cnts[-1].reshape(cnts[-1].shape[0], st.node_sizes[lvl - 1], b).sum(2))
    invs: list[Any] = []
    means = []
    for i, s in enumerate(sums):
        if cnts is not None:
            inv = (1.0 / xp.where(cnts[i] > 1.0, cnts[i], 1.0))[..., None]
        else:
            inv = st.invs[i]
            inv = inv[None] if hasattr(inv, "shape") else inv
        invs.append(inv)
        means.append(s * inv)
    nodes = xp.cat(means + [xp.zeros((bsz, 1, f), k)], 1)
    counts = None
    if cnts is not None:
        counts = xp.cat(cnts + [xp.zeros((cnts[0].shape[0], 1), cnts[0])], 1)
    return nodes, counts, invs


def _scores(q: Any, kl: Any, kb: Any, st: Structure, validp: Any, counts: Any, scale: float,
            xp: Any) -> Any:
    """All scores ``(B, n_pad, w0 + wB)``: scale·q·k plus structure and log block sizes."""
    bsz, n_pad, d = q.shape
    masked = validp is not None
    # leaf stage
    q0 = q.reshape(bsz * st.n1, st.b0, d)
    k0t = kl.swapaxes(-1, -2)
    bias0 = st.struct0 if masked else st.bias0
    if bias0 is not None:
        s0 = xp.matmul_add(q0, k0t, bias0, scale)
    else:
        s0 = q0 @ k0t
        s0 *= scale
    if masked:
        lc = _leaf_keys(validp[..., None], st, xp).reshape(validp.shape[0], st.n1, 1, st.w0)
        s0.reshape(bsz, st.n1, st.b0, st.w0)[...] += xp.log0(lc)
    elif st.logc0 is not None:
        s0.reshape(bsz, st.n1, st.b0, st.w0)[...] += st.logc0
    if st.wB == 0:
        return s0.reshape(bsz, n_pad, st.w0)
    # node stage
    qb = q.reshape(bsz * st.n2, st.tB, d)
    kbt = kb.swapaxes(-1, -2)
    if st.tableB is not None:
        sb = xp.matmul_add(qb, kbt, st.tableB, scale)
    else:
        sb = qb @ kbt
        sb *= scale
        sb.reshape(bsz, st.n2, st.b1, st.sub1, st.wB)[..., :st.w1] += st.patB
    sb4 = sb.reshape(bsz, st.n2, st.tB, st.wB)
    if masked:
        sb4 += xp.log0(xp.take(counts, st.idxB)).reshape(counts.shape[0], st.n2, 1, st.wB)
    else:
        sb4 += st.logcB
    return xp.cat([s0.reshape(bsz, n_pad, st.w0), sb.reshape(bsz, n_pad, st.wB)], -1)


def _gather(nodes: Any, st: Structure, d: int, xp: Any) -> tuple[Any, Any]:
    """Mean keys ``(B·n2, wB, d)`` and values ``(B·n2, wB, dv)`` each level-2 group sees."""
    bsz, _, f = nodes.shape
    g = xp.take(nodes, st.idxB).reshape(bsz * st.n2, st.wB, f)
    return g[..., :d], g[..., d:]


def prepare(q: Any, k: Any, v: Any, valid: Any, st: Structure, xp: Any
            ) -> tuple[Any, Any, Any, Any]:
    """Padded queries; masked, padded keys/values; padded validity."""
    pad = st.n_pad - st.n
    if valid is not None:
        k = k * valid[..., None]
        v = v * valid[..., None]
        valid = xp.cat([valid, xp.zeros((valid.shape[0], pad), valid)], 1) if pad else valid
    return _pad_rows(q, pad, xp), _pad_rows(k, pad, xp), _pad_rows(v, pad, xp), valid


def _stage_inputs(q: Any, k: Any, v: Any, valid: Any, st: Structure, xp: Any
                  ) -> tuple[Any, ...]:
    qp, kp, vp, validp = prepare(q, k, v, valid, st, xp)
    kl, vl = _leaf_keys(kp, st, xp), _leaf_keys(vp, st, xp)
    nodes = counts = None
    invs: list[Any] = []
    kb = vb = None
    if st.wB:
        nodes, counts, invs = _nodes(kp, vp, st, validp, xp)
        kb, vb = _gather(nodes, st, q.shape[-1], xp)
    return qp, validp, kl, vl, kb, vb, counts, invs


def window_forward(q: Any, k: Any, v: Any, st: Structure, valid: Any, scale: float
                   ) -> tuple[Any, Any]:
    """``(out (B, n, dv), lse (B, n))`` of the window DP (any backend).

    ``q, k, v``: ``(B, n, d)``, ``(B, n, d)``, ``(B, n, dv)`` in the compute dtype;
    ``valid``: ``(Bv, n)`` 1/0 floats (``Bv`` = 1 or B) or ``None``. A query with no
    key gets a zero output and ``lse = +inf`` (so that ``exp(S - lse) = 0``).
    """
    xp = _ops.xp(q)
    bsz, n, _ = q.shape
    dv = v.shape[-1]
    qp, validp, kl, vl, kb, vb, counts, _ = _stage_inputs(q, k, v, valid, st, xp)
    s = _scores(qp, kl, kb, st, validp, counts, scale, xp)         # (B, n_pad, K)
    m = xp.amax(s, -1)
    m = xp.where(xp.isfinite(m), m, 0.0)          # rows without any key
    s -= m[..., None]
    xp.exp_(s)                                    # s now holds exp(S - m)
    z = s.sum(-1)
    out = xp.empty((bsz, st.n_pad, dv), qp)
    p0 = s[..., :st.w0].reshape(bsz * st.n1, st.b0, st.w0)
    xp.matmul_into(out.reshape(bsz * st.n1, st.b0, dv), p0, vl, accumulate=False)
    if st.wB:
        pb = s[..., st.w0:].reshape(bsz * st.n2, st.tB, st.wB)
        xp.matmul_into(out.reshape(bsz * st.n2, st.tB, dv), pb, vb, accumulate=True)
    pos = z > 0
    zs = xp.where(pos, z, 1.0)
    out /= zs[..., None]
    lse = xp.where(pos, m + xp.log0(zs), math.inf)
    return out[:, :n], lse[:, :n]


# ---------------------------------------------------------------------------------
# backward (torch only: called by holonet.attention._hsa_autograd)


def window_backward(dout: Any, q: Any, k: Any, v: Any, out: Any, lse: Any, st: Structure,
                    valid: Any, scale: float) -> tuple[Any, Any, Any]:
    """Gradients ``(dq, dk, dv)`` of :func:`window_forward` (torch tensors, compute dtype)."""
    import torch

    xp = _ops.xp(q)
    bsz, n, d = q.shape
    dv_ = v.shape[-1]
    pad = st.n_pad - n
    qp, validp, kl, vl, kb, vb, counts, invs = _stage_inputs(q, k, v, valid, st, xp)
    do_ = _pad_rows(dout, pad, xp)
    lse_p = _pad_rows(lse[..., None], pad, xp, fill=math.inf)
    # D = rowsum(dO ⊙ O), one batched dot product per query
    dsum = _pad_rows(torch.bmm(dout.reshape(-1, 1, dv_), out.reshape(-1, dv_, 1)).reshape(
        bsz, n, 1), pad, xp)
    p = _scores(qp, kl, kb, st, validp, counts, scale, xp)
    p -= lse_p
    p.exp_()                                                         # P = exp(S - lse)
    dq = torch.empty_like(qp)
    # leaf stage
    g1, t1 = bsz * st.n1, st.b0
    p0 = p[..., :st.w0].reshape(g1, t1, st.w0)
    do0 = do_.view(g1, t1, dv_)
    ds = torch.bmm(do0, vl.transpose(1, 2))                          # dP
    ds -= dsum.view(g1, t1, 1)
    ds *= p0                                                         # dS = P (dP - D)
    torch.bmm(ds, kl, out=dq.view(g1, t1, d))
    dk = _leaf_keys_adjoint(torch.baddbmm(kl, ds.transpose(1, 2), qp.view(g1, t1, d),
                                          beta=0.0, alpha=scale), st)
    dv = _leaf_keys_adjoint(torch.bmm(p0.transpose(1, 2), do0), st)
    if st.wB:
        assert kb is not None and vb is not None
        g2, t2 = bsz * st.n2, st.tB
        pb = p[..., st.w0:].reshape(g2, t2, st.wB)
        dob = do_.view(g2, t2, dv_)
        ds = torch.bmm(dob, vb.transpose(1, 2))
        ds -= dsum.view(g2, t2, 1)
        ds *= pb
        dq.view(g2, t2, d).baddbmm_(ds, kb)
        dkv = torch.cat([torch.baddbmm(kb, ds.transpose(1, 2), qp.view(g2, t2, d), beta=0.0,
                                       alpha=scale),
                         torch.bmm(pb.transpose(1, 2), dob)], -1)      # (g2, wB, d+dv)
        dnodes = torch.zeros((bsz, sum(st.node_sizes) + 1, d + dv_), dtype=dkv.dtype,
                             device=dkv.device)
        dnodes.index_add_(1, st.idxB.reshape(-1), dkv.view(bsz, st.n2 * st.wB, d + dv_))
        # node means -> leaves: d sum_l = d mean_l / |node| + (d sum_{l+1} of the parent)
        offsets = np.cumsum([0] + list(st.node_sizes))
        g = None
        for i in range(len(st.node_sizes) - 1, -1, -1):
            t = dnodes[:, offsets[i]:offsets[i + 1]]
            t = t * invs[i]
            if g is not None:
                b = st.branching[i + 1]
                t.view(bsz, st.node_sizes[i] // b, b, d + dv_).add_(g[:, :, None, :])
            g = t
        assert g is not None
        dk.view(bsz, st.n1, st.b0, d).add_(g[:, :, None, :d])
        dv.view(bsz, st.n1, st.b0, dv_).add_(g[:, :, None, d:])
    dq = dq[:, :n] * scale
    dk, dvv = dk[:, :n], dv[:, :n]
    if valid is not None:
        dk = dk * valid[..., None]
        dvv = dvv * valid[..., None]
    return dq, dk, dvv
