r"""The HSA / MERA-cone dynamic programme on a window tree (``Tree.fixed_windows``).

Leaves are padded with empty leaves to ``n_pad = prod(branching)``, so level
``l`` has ``n_l = n_pad / (b_0 ⋯ b_{l-1})`` nodes and every node has exactly
``b_l`` children. At step ``l`` (``0 .. L-1``) the keys of a query are the
children (level-``l`` nodes) of its level-``(l+1)`` ancestor's neighbourhood
``P-r .. P+r`` (``r = 0`` for HSA, ``1`` for the MERA cone). All queries under
one level-``(l+1)`` node share that key set, so the scores of step ``l`` are one
batched matmul over the ``G_l = n_{l+1}`` groups::

    Q   (B, G_l, t_l, d)   the t_l = n_pad / G_l queries under each group node
    K_l (B, G_l, w_l, d)   the w_l = (2r+1) b_l mean keys of its children
    S_l = Q @ K_lᵀ + bias  (B, G_l, t_l, w_l)

No key is copied (``r = 0``: ``K_l`` is a reshape of the node array). The
structural part of ``bias`` (the query's own child, which it resolves one level
finer; itself at level 0 unless ``include_self``; the future under ``causal``)
depends only on which child of the group node the query sits in, so it is a
``(b_l, 1, w_l)`` constant broadcast over the ``t_l / b_l`` queries of each child;
the block sizes enter as ``log |C|`` (a per-level constant when all nodes are
full, else a ``(G_l, 1, 1, w_l)`` table, or computed from the key mask).

Forward: one log-sum-exp over all levels per query, ``out = Σ_l P_l V_l / z``,
and the per-query ``lse`` (saved for the backward pass, as in flash attention).
Backward (:func:`window_backward`, torch): recompute the node means and the
scores level by level, ``P = exp(S - lse)``, ``dS = P ⊙ (dO Vᵀ - D)`` with
``D = rowsum(dO ⊙ O)``, then ``dQ = Σ dS K``, ``dK̄ = dSᵀ Q``, ``dV̄ = Pᵀ dO``, and
push ``dK̄``/``dV̄`` down the tree (each leaf receives ``dK̄_C / |C|`` from every
node ``C`` above it). Memory: the inputs, one level of scores at a time in the
backward pass, and ``O(N d / b_0)`` node means — linear in ``N``.
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


@dataclass(frozen=True)
class Level:
    """Constants of DP step ``l`` (keys = level-``l`` nodes)."""

    b: int            # children per node
    groups: int       # G_l = n_{l+1}: query groups (nodes whose children are the keys)
    per_group: int    # t_l: queries (padded leaves) per group
    width: int        # w_l = (2r+1) b_l keys per query
    n_nodes: int      # n_l
    bias: Any         # (b, 1, w) 0/-inf structure + folded log count (no key mask)
    bias_struct: Any  # (b, 1, w) 0/-inf structure only (with a key mask)
    logc: Any         # (G, 1, 1, w) log counts of the keys (no key mask), or None
    inv: Any          # (n_l, 1) or float: 1 / count of level-l nodes (no key mask)


@dataclass(frozen=True)
class Structure:
    n: int
    n_pad: int
    branching: tuple[int, ...]
    radius: int
    include_self: bool
    causal: bool
    levels: tuple[Level, ...]
    maybe_empty: bool   # some real query may have no key at all (without a key mask)


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
    """Host version of :func:`_neighbours` for a ``(n_l,)`` array: ``(G, w)``."""
    xp_ = np.concatenate([np.zeros(r * b), x, np.zeros(r * b)]).reshape(groups + 2 * r, b)
    return np.concatenate([xp_[s:s + groups] for s in range(2 * r + 1)], axis=1)


def build_structure(branching: tuple[int, ...], n: int, radius: int, include_self: bool,
                    causal: bool, convert: Any) -> Structure:
    """Host constants of the window DP; ``convert(array)`` moves one to the device/dtype."""
    n_pad = int(np.prod(branching))
    counts = np.zeros(n_pad)
    counts[:n] = 1.0
    levels = []
    n_l = n_pad
    maybe_empty = not include_self and (causal or n == 1)
    for lvl, b in enumerate(branching):
        groups = n_l // b
        w = (2 * radius + 1) * b
        blocked = _level_mask(b, radius, lvl == 0, include_self, causal)
        struct = np.where(blocked, -np.inf, 0.0)[:, None, :]
        kid_counts = _kids(counts, groups, b, radius)                  # (G, w)
        uniform = bool(np.all(kid_counts == kid_counts.flat[0])) and kid_counts.flat[0] > 0
        if uniform:
            bias = struct + math.log(kid_counts.flat[0])
            logc = None
        else:
            bias = struct
            with np.errstate(divide="ignore"):
                logc = convert(np.log(kid_counts)[:, None, None, :])
        if lvl == 0:
            inv: Any = None
        else:
            full = bool(np.all(counts == counts[0]))
            inv = float(1.0 / counts[0]) if full and counts[0] > 0 else convert(
                (1.0 / np.maximum(counts, 1.0))[:, None])
        levels.append(Level(b, groups, n_pad // groups, w, n_l, convert(bias), convert(struct),
                            logc, inv))
        counts = counts.reshape(groups, b).sum(1)
        n_l = groups
    return Structure(n, n_pad, tuple(branching), radius, include_self, causal, tuple(levels),
                     maybe_empty)


def structure(branching: tuple[int, ...], n: int, radius: int, include_self: bool,
              causal: bool, like: Any) -> Structure:
    """Cached :func:`build_structure` on ``like``'s backend, device and dtype."""
    key = (tuple(branching), n, radius, include_self, causal, _ops.get_backend(like),
           str(getattr(like, "device", "cpu")), str(like.dtype))
    return STRUCTURE_CACHE.get_or_build(
        key, lambda: build_structure(tuple(branching), n, radius, include_self, causal,
                                     lambda a: _ops.const(a, like)))


def predicted_bytes(branching: tuple[int, ...], batch: int, d: int, dv: int, radius: int,
                    itemsize: int) -> int:
    """Peak working memory of one forward or backward call beyond its inputs (bytes).

    Pure Python (it runs on every call, also while ``torch.compile`` traces it).
    """
    n_pad = math.prod(branching)
    width = sum((2 * radius + 1) * b for b in branching)
    nodes = sum(n_pad // math.prod(branching[:i + 1]) for i in range(len(branching)))
    per_token = width + 4 * (d + dv) + 4
    return int(itemsize * batch * (n_pad * per_token + 2 * nodes * (d + dv)))


# ---------------------------------------------------------------------------------
# array helpers (numpy, torch, cupy)


def _pad_rows(x: Any, n_pad: int, xp: Any, fill: float = 0.0) -> Any:
    if n_pad == 0:
        return x
    z = xp.zeros(tuple(x.shape[:1]) + (n_pad,) + tuple(x.shape[2:]), x)
    if fill:
        z = z + fill
    return xp.cat([x, z], 1)


def _neighbours(x: Any, lv: Level, r: int, xp: Any) -> Any:
    """``(B, n_l, f)`` node array -> ``(B, G, w, f)`` children of each group's neighbourhood."""
    bsz, f = x.shape[0], x.shape[-1]
    if r == 0:
        return x.reshape(bsz, lv.groups, lv.b, f)
    z = xp.zeros((bsz, r * lv.b, f), x)
    xr = xp.cat([z, x, z], 1).reshape(bsz, lv.groups + 2 * r, lv.b, f)
    return xp.cat([xr[:, s:s + lv.groups] for s in range(2 * r + 1)], 2)


def _bottom_up(k: Any, v: Any, st: Structure, valid: Any, xp: Any
               ) -> tuple[list[Any], list[Any], list[Any] | None, list[Any]]:
    """Mean keys/values per level, key counts per level (with a key mask, else ``None``)
    and the ``1/count`` factors per level (``None`` at level 0, where means are leaves)."""
    bsz, _, d = k.shape
    dv = v.shape[-1]
    kbars, vbars = [k], [v]
    ksum, vsum = k, v
    cnts = None if valid is None else [valid]
    invs: list[Any] = [None]
    for lvl in range(1, len(st.levels)):
        lv = st.levels[lvl - 1]              # level lvl-1 nodes grouped under level lvl
        ksum = ksum.reshape(bsz, lv.groups, lv.b, d).sum(2)
        vsum = vsum.reshape(bsz, lv.groups, lv.b, dv).sum(2)
        if cnts is not None:
            c = cnts[-1].reshape(cnts[-1].shape[0], lv.groups, lv.b).sum(2)
            cnts.append(c)
            inv = (1.0 / xp.where(c > 1.0, c, 1.0))[..., None]
        else:
            inv = st.levels[lvl].inv
            inv = inv[None] if hasattr(inv, "shape") else inv
        invs.append(inv)
        kbars.append(ksum * inv)
        vbars.append(vsum * inv)
    return kbars, vbars, cnts, invs


def _scores(qs: Any, kbar: Any, lv: Level, st: Structure, cnt: Any, xp: Any) -> Any:
    """``S_l`` ``(B, G, t, w)`` with the structural bias and log block sizes added."""
    bsz, _, d = qs.shape
    kk = _neighbours(kbar, lv, st.radius, xp)
    s = qs.reshape(bsz, lv.groups, lv.per_group, d) @ kk.swapaxes(-1, -2)
    s5 = s.reshape(bsz, lv.groups, lv.b, lv.per_group // lv.b, lv.width)
    if cnt is None:
        s5 += lv.bias
        if lv.logc is not None:
            s5 += lv.logc
    else:
        s5 += lv.bias_struct
        kc = _neighbours(cnt[..., None], lv, st.radius, xp)          # (Bv, G, w, 1)
        s5 += xp.log0(kc).reshape(kc.shape[0], lv.groups, 1, 1, lv.width)
    return s


def prepare(q: Any, k: Any, v: Any, valid: Any, st: Structure, scale: float, xp: Any
            ) -> tuple[Any, Any, Any, Any]:
    """Scaled, padded queries; masked, padded keys/values; padded validity."""
    pad = st.n_pad - st.n
    qs = _pad_rows(q * scale, pad, xp)
    if valid is not None:
        k = k * valid[..., None]
        v = v * valid[..., None]
        valid = xp.cat([valid, xp.zeros((valid.shape[0], pad), valid)], 1) if pad else valid
    return qs, _pad_rows(k, pad, xp), _pad_rows(v, pad, xp), valid


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
    qs, kp, vp, validp = prepare(q, k, v, valid, st, scale, xp)
    kbars, vbars, cnts, _ = _bottom_up(kp, vp, st, validp, xp)
    scores = []
    m: Any = None
    for lvl, lv in enumerate(st.levels):
        s = _scores(qs, kbars[lvl], lv, st, None if cnts is None else cnts[lvl], xp)
        scores.append(s)
        ml = xp.amax(s, -1).reshape(bsz, st.n_pad)
        m = ml if m is None else xp.maximum(m, ml)
    m = xp.where(xp.isfinite(m), m, 0.0)          # rows without any key
    z: Any = None
    acc: Any = None
    for lvl, (lv, s) in enumerate(zip(st.levels, scores)):
        s -= m.reshape(bsz, lv.groups, lv.per_group, 1)
        xp.exp_(s)
        zl = s.sum(-1).reshape(bsz, st.n_pad)
        z = zl if z is None else z + zl
        o = (s @ _neighbours(vbars[lvl], lv, st.radius, xp)).reshape(bsz, st.n_pad, dv)
        acc = o if acc is None else acc + o
    pos = z > 0
    zs = xp.where(pos, z, 1.0)
    out = acc / zs[..., None]
    lse = xp.where(pos, m + xp.log0(zs), math.inf)
    return out[:, :n], lse[:, :n]


# ---------------------------------------------------------------------------------
# backward (torch only: called by the autograd function of holonet.attention._hsa_autograd)


def _unneighbours(dk: Any, lv: Level, r: int) -> Any:
    """Adjoint of :func:`_neighbours`: ``(B, G, w, f)`` -> ``(B, n_l, f)``."""
    import torch

    bsz, f = dk.shape[0], dk.shape[-1]
    if r == 0:
        return dk.reshape(bsz, lv.n_nodes, f)
    acc = torch.zeros((bsz, lv.groups + 2 * r, lv.b, f), dtype=dk.dtype, device=dk.device)
    for s in range(2 * r + 1):
        acc[:, s:s + lv.groups] += dk[:, :, s * lv.b:(s + 1) * lv.b]
    return acc[:, r:r + lv.groups].reshape(bsz, lv.n_nodes, f)


def window_backward(dout: Any, q: Any, k: Any, v: Any, out: Any, lse: Any, st: Structure,
                    valid: Any, scale: float) -> tuple[Any, Any, Any]:
    """Gradients ``(dq, dk, dv)`` of :func:`window_forward` (torch tensors, compute dtype)."""
    import torch

    xp = _ops.xp(q)
    bsz, n, d = q.shape
    dv_ = v.shape[-1]
    pad = st.n_pad - n
    qs, kp, vp, validp = prepare(q, k, v, valid, st, scale, xp)
    kbars, vbars, cnts, invs = _bottom_up(kp, vp, st, validp, xp)
    do_ = _pad_rows(dout, pad, xp)
    lse_p = _pad_rows(lse[..., None], pad, xp, fill=math.inf)[..., 0]
    dsum = (dout * out).sum(-1)
    dsum = _pad_rows(dsum[..., None], pad, xp)[..., 0]
    dq = torch.zeros_like(qs)
    dkb, dvb = [], []
    for lvl, lv in enumerate(st.levels):
        g, t = lv.groups, lv.per_group
        p = _scores(qs, kbars[lvl], lv, st, None if cnts is None else cnts[lvl], xp)
        p -= lse_p.reshape(bsz, g, t, 1)
        p.exp_()
        vv = _neighbours(vbars[lvl], lv, st.radius, xp)
        kk = _neighbours(kbars[lvl], lv, st.radius, xp)
        dog = do_.reshape(bsz, g, t, dv_)
        ds = dog @ vv.swapaxes(-1, -2)
        ds -= dsum.reshape(bsz, g, t, 1)
        ds *= p
        dq.view(bsz, g, t, d).add_(ds @ kk)
        dkb.append(_unneighbours(ds.swapaxes(-1, -2) @ qs.reshape(bsz, g, t, d), lv, st.radius))
        dvb.append(_unneighbours(p.swapaxes(-1, -2) @ dog, lv, st.radius))
    dq = dq[:, :n] * scale
    # node means -> leaves: d ksum_l = dkbar_l / |node| + (d ksum_{l+1} of the parent)
    gk = gv = None
    for lvl in range(len(st.levels) - 1, -1, -1):
        lv = st.levels[lvl]
        inv = invs[lvl]
        tk = dkb[lvl] if inv is None else dkb[lvl] * inv
        tv = dvb[lvl] if inv is None else dvb[lvl] * inv
        if gk is not None:
            tk = (tk.reshape(bsz, lv.n_nodes // lv.b, lv.b, d) + gk[:, :, None, :]).reshape(
                bsz, lv.n_nodes, d)
            tv = (tv.reshape(bsz, lv.n_nodes // lv.b, lv.b, dv_) + gv[:, :, None, :]).reshape(
                bsz, lv.n_nodes, dv_)
        gk, gv = tk, tv
    assert gk is not None and gv is not None
    dk, dvv = gk[:, :n], gv[:, :n]
    if valid is not None:
        dk = dk * valid[..., None]
        dvv = dvv * valid[..., None]
    return dq, dk, dvv
