r"""Hierarchical self-attention (HSA; Amizadeh et al., arXiv:2509.15448) on a :class:`Tree`.

For query leaf ``i`` the other leaves are partitioned into *blocks*: for every
ancestor ``P`` of ``i``, each child ``B`` of ``P`` that does not contain ``i``.
HSA is the row-stochastic matrix, tied within blocks, closest in KL divergence
to softmax attention; its row gives every leaf of block ``B`` the weight
:math:`\propto \exp(q_i\cdot\bar k_B/\sqrt d)` (``k̄_B`` the mean key of B):

.. math::

    o_i = \frac{\sum_B |B|\, e^{q_i\cdot\bar k_B/\sqrt d}\,\bar v_B
               + [\text{self}]\, e^{q_i\cdot k_i/\sqrt d} v_i}
              {\sum_B |B|\, e^{q_i\cdot\bar k_B/\sqrt d} + [\text{self}]\, e^{q_i\cdot k_i/\sqrt d}}

(theory/attention.md has the derivation). :func:`hsa` evaluates it by a
bottom-up pass (node sizes, key sums, value sums) and a top-down pass over the
levels (scores of each leaf against the siblings of its ancestors), stabilised
by one log-sum-exp maximum per leaf: ``O(N·b·depth·d)`` time and ``O(N·(d + Σb))``
memory. :func:`hsa_matrix`/:func:`hsa_dense` materialise the ``N×N`` matrix (tests).

**Key padding.** ``key_padding_mask`` (``(..., N)`` bool, ``True`` = padded, torch's
convention) removes padded leaves as keys everywhere: they are left out of
every block's size, mean key and mean value (a block with no valid leaf gets
no weight), and they receive zero attention. Padded leaves still *query*.
A query with no valid key at all (e.g. ``N = 1`` with ``include_self=False``)
gets a zero output and a zero row.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> q, k, v = rng.standard_normal((3, 2, 12, 4))  # (batch=2, N=12, d=4)
>>> tree = Tree.fixed_windows(12, branching=[3, 2])
>>> out = hsa(q, k, v, tree)
>>> out.shape
(2, 12, 4)
>>> bool(np.allclose(out, hsa_dense(q, k, v, tree)))
True
>>> a = hsa_matrix(q, k, tree)
>>> bool(np.allclose(a.sum(-1), 1.0))
True
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from holonet.attention import _ops
from holonet.attention.tree import Tree
from holonet.backend import do, get_backend

__all__ = ["dense_flops", "hsa", "hsa_dense", "hsa_flops", "hsa_matrix"]

#: Backends on which the window DP scores each level separately (grouped by ancestor,
#: no copy of the keys) instead of one matmul against a copied per-window key set:
#: measured faster for torch on CPU, slower for numpy (tiny stacked matmuls).
_SCORES_PER_LEVEL = frozenset({"torch"})

#: Target tokens per chunk of the window DP: bounds the per-window key and value copies
#: (working memory beyond the O(N d) inputs and node means) independently of N.
_WINDOW_CHUNK = 16384

#: Elements per chunk of gathered sibling keys in the general-tree path.
_CHUNK_ELEMENTS = 1 << 22


def _check_tree(tree: Any, n: int) -> Tree:
    if not isinstance(tree, Tree):
        raise TypeError(f"tree must be a holonet.attention.Tree; got {type(tree).__name__}")
    if tree.n_leaves != n:
        raise ValueError(f"tree has {tree.n_leaves} leaves but the sequence has N = {n}")
    return tree


def _valid_keys(key_padding_mask: Any, lead: tuple[int, ...], n: int, like: Any) -> Any:
    """``(Bv, N)`` float validity (1 = usable key) or ``None``; Bv is 1 or the flat batch."""
    if key_padding_mask is None:
        return None
    m = key_padding_mask
    if not hasattr(m, "shape"):
        m = np.asarray(m)
    if tuple(m.shape[-1:]) != (n,):
        raise ValueError(f"key_padding_mask must have shape (..., {n}); got {tuple(m.shape)}")
    if len(m.shape) > 1 and tuple(m.shape[:-1]) != lead:
        raise ValueError(f"key_padding_mask leading shape {tuple(m.shape[:-1])} must match "
                         f"the batch shape {lead}")
    m = _ops.const(np.asarray(m), like) if isinstance(m, np.ndarray) else m
    valid = 1.0 - do("reshape", m, (-1, n)) * 1.0
    if get_backend(like) == "torch":
        return valid.to(like.dtype)
    return valid.astype(like.dtype)


# ---------------------------------------------------------------------------------
# public operators


def hsa(q: Any, k: Any, v: Any, tree: Tree, include_self: bool = True,
        key_padding_mask: Any = None, *, scale: float | None = None) -> Any:
    """Hierarchical self-attention by the bottom-up / top-down dynamic programme.

    Parameters
    ----------
    q, k
        Queries and keys, shape ``(..., N, d)`` (any leading batch/head dims).
    v
        Values, shape ``(..., N, dv)``.
    tree
        The hierarchy over the ``N`` tokens (:class:`Tree`).
    include_self
        Keep the query's own leaf (weight ``exp(q_i·k_i/√d)``); ``False`` excludes it.
    key_padding_mask
        Optional ``(..., N)`` or ``(N,)`` boolean, ``True`` = padded key (see module docs).
    scale
        Score scale, default ``1/√d``.

    Returns
    -------
    Array of shape ``(..., N, dv)`` on the backend of ``q`` (autograd flows for torch).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> q, k, v = rng.standard_normal((3, 6, 2))
    >>> flat = hsa(q, k, v, Tree.fixed_windows(6, [6]))
    >>> s = q @ k.T / np.sqrt(2)
    >>> w = np.exp(s - s.max(1, keepdims=True))
    >>> bool(np.allclose(flat, (w / w.sum(1, keepdims=True)) @ v))
    True
    """
    n, d = _ops.check_qkv(q, k, v)
    tree = _check_tree(tree, n)
    lead = tuple(q.shape[:-2])
    scale = 1.0 / math.sqrt(d) if scale is None else float(scale)
    valid = _valid_keys(key_padding_mask, lead, n, q)
    q3 = do("reshape", q, (-1, n, d)) * scale
    k3 = do("reshape", k, (-1, n, d))
    v3 = do("reshape", v, (-1, n, v.shape[-1]))
    if tree.branching is not None:
        out = _window_dp(q3, k3, v3, tree.branching, n, include_self, valid)
    else:
        out = _hsa_general(q3, k3, v3, tree, include_self, valid)
    return do("reshape", out, lead + (n, v.shape[-1]))


def hsa_matrix(q: Any, k: Any, tree: Tree, include_self: bool = True,
               key_padding_mask: Any = None, *, scale: float | None = None) -> Any:
    """The ``(..., N, N)`` row-stochastic block-tied HSA matrix (materialised; for tests).

    Row ``i`` gives every leaf ``j`` of block ``B`` the weight
    ``exp(q_i·k̄_B/√d) / Z_i``; ``Z_i`` sums over all (valid) leaves.

    Examples
    --------
    >>> import numpy as np
    >>> q, k = np.random.default_rng(2).standard_normal((2, 8, 3))
    >>> a = hsa_matrix(q, k, Tree.fixed_windows(8, [2, 2]))
    >>> bool(np.allclose(a[0, 4:], a[0, 4]))  # one block: tied weights
    True
    """
    n, d = _ops.check_qkv(q, k)
    tree = _check_tree(tree, n)
    lead = tuple(q.shape[:-2])
    scale = 1.0 / math.sqrt(d) if scale is None else float(scale)
    valid = _valid_keys(key_padding_mask, lead, n, q)
    q3 = do("reshape", q, (-1, n, d)) * scale
    k3 = do("reshape", k, (-1, n, d))
    a = _block_matrix(q3, k3, tree, tree.block_index(), include_self, valid)
    return do("reshape", a, lead + (n, n))


def _block_matrix(q3: Any, k3: Any, tree: Tree, blocks: tuple[np.ndarray, np.ndarray],
                  include_self: bool, valid: Any) -> Any:
    """Row-stochastic ``(B, N, N)`` matrix tying weights within the given blocks.

    ``blocks = (level, node)`` from :meth:`Tree.block_index`; ``q3`` is pre-scaled.
    """
    n = q3.shape[1]
    ksum, cnt = _bottom_up_general(k3, None, tree, valid)
    kbar = do("concatenate", [ks / _ops.at_least_one(c)[..., None]
                              for ks, c in zip(ksum, cnt)], axis=1)
    offsets = np.cumsum([0] + tree.level_sizes)
    level, node = blocks
    gid = offsets[level] + node
    scores_all = q3 @ _ops.swap_last(kbar)                    # (B, N, n_nodes)
    rows = np.broadcast_to(np.arange(n)[:, None], (n, n))
    s = scores_all[:, _ops.const(rows, q3), _ops.const(gid, q3)]  # (B, N, N)
    ok = np.ones((n, n), dtype=bool)
    if not include_self:
        np.fill_diagonal(ok, False)
    okb = _ops.const(ok, q3)[None]
    if valid is not None:
        okb = okb & (valid[:, None, :] > 0)
    s = do("where", okb, s, _ops.NEG_INF)
    m = _ops.safe_max(s)
    w = do("exp", s - m[..., None])
    z = do("sum", w, axis=-1)
    z = do("where", z > 0, z, 1.0)
    return w / z[..., None]


def hsa_dense(q: Any, k: Any, v: Any, tree: Tree, include_self: bool = True,
              key_padding_mask: Any = None, *, scale: float | None = None) -> Any:
    """HSA through the materialised matrix: ``hsa_matrix(q, k, tree) @ v`` (reference).

    Examples
    --------
    >>> import numpy as np
    >>> q, k, v = np.random.default_rng(3).standard_normal((3, 5, 2))
    >>> t = Tree.from_parents([5, 5, 6, 6, 6, 7, 7, -1])
    >>> bool(np.allclose(hsa(q, k, v, t), hsa_dense(q, k, v, t)))
    True
    """
    _ops.check_qkv(q, k, v)
    return hsa_matrix(q, k, tree, include_self, key_padding_mask, scale=scale) @ v


def hsa_flops(tree: Tree, d: int, dv: int | None = None) -> int:
    """Floating-point operations of :func:`hsa` for one head (multiply-add = 2 FLOPs).

    Counts the bottom-up sums (keys and values, every level), the scores of each
    leaf against the children of each of its ancestors (``2d`` per pair) and the
    weighted value sums (``2dv`` per pair, plus the normaliser).

    Examples
    --------
    >>> hsa_flops(Tree.fixed_windows(512, [16, 8, 4, 2]), 64) < dense_flops(512, 64) / 10
    True
    """
    dv = d if dv is None else dv
    n = tree.n_leaves
    flops = 0
    for lvl in range(1, tree.depth + 1):
        flops += tree.level_sizes[lvl - 1] * (d + dv + 1)  # bottom-up sums into level lvl
        fan = np.bincount(tree.levels[lvl - 1], minlength=tree.level_sizes[lvl])
        pairs = int(fan[tree.ancestors(lvl)].sum())        # children of each leaf's ancestor
        flops += pairs * (2 * d + 2 * dv + 2)
    return int(flops + n * dv)


def dense_flops(n: int, d: int, dv: int | None = None) -> int:
    """FLOPs of dense softmax attention for one head: ``2N²d + 2N²dv`` (+ the softmax).

    Examples
    --------
    >>> dense_flops(4, 8), dense_flops(4, 8, dv=2)
    (544, 352)
    >>> dense_flops(8, 8) == 4 * dense_flops(4, 8)   # quadratic in the length
    True
    """
    dv = d if dv is None else dv
    return int(2 * n * n * d + 2 * n * n * dv + 2 * n * n)


# ---------------------------------------------------------------------------------
# the regular window tree: reshapes and batched matmuls only


def _neighbourhood(x: Any, radius: int) -> Any:
    """``(B, n, b, ...)`` children per node -> ``(B, n, (2r+1)b, ...)`` children of nodes
    ``P - r .. P + r`` (out-of-range nodes are zero: empty)."""
    if radius == 0:
        return x
    bsz, n = x.shape[0], x.shape[1]
    pad = _ops.zeros((bsz, radius) + tuple(x.shape[2:]), x)
    xp = do("concatenate", [pad, x, pad], axis=1)
    return do("concatenate", [xp[:, s:s + n] for s in range(2 * radius + 1)], axis=2)


def _to_windows(x: Any, lvl: int, branching: tuple[int, ...], radius: int) -> Any:
    """Children seen at level ``lvl + 1``, repeated for every leaf window below.

    ``x`` holds level-``lvl`` nodes, shape ``(B, n_lvl, ...)``. Returns
    ``(B, n_1, (2r+1)·b_lvl, ...)``: for each level-1 window the children of its
    level-``(lvl+1)`` ancestor's neighbourhood (all leaves of a window share
    their ancestors, so one key set serves the whole window).
    """
    bsz, n_nodes = x.shape[0], x.shape[1]
    rest = tuple(x.shape[2:])
    b = branching[lvl]
    n_par = n_nodes // b
    kids = _neighbourhood(do("reshape", x, (bsz, n_par, b) + rest), radius)
    reps = int(np.prod(branching[1:lvl + 1])) if lvl > 0 else 1   # windows per parent
    if reps > 1:
        width = kids.shape[2]
        kids = do("broadcast_to", kids[:, :, None], (bsz, n_par, reps, width) + rest)
        kids = do("reshape", kids, (bsz, n_par * reps, width) + rest)
    return kids


@functools.lru_cache(maxsize=64)
def _window_structure(branching: tuple[int, ...], n: int, radius: int, include_self: bool
                      ) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Host constants of the window DP: structural bias, counts, per-level counts.

    Returns ``(bias, log_counts, counts)``: ``bias`` ``(n_1, b_0, K)`` is ``0`` or
    ``-inf`` (the query's own child at each level, itself at level 1 unless
    ``include_self``, out-of-range neighbours); ``log_counts`` ``(n_1, 1, K)`` is the
    log leaf count of every key node (``-inf`` for empty); ``counts[l]`` the
    leaf counts per level-``l`` node.
    """
    n_pad = int(np.prod(branching))
    width = 2 * radius + 1
    counts = [np.zeros((1, n_pad))]
    counts[0][0, :n] = 1.0
    for b in branching[:-1]:
        counts.append(counts[-1].reshape(1, -1, b).sum(2))
    n1 = n_pad // branching[0]
    b0 = branching[0]
    masks, cnts = [], []
    for lvl, b in enumerate(branching):
        c = _to_windows(counts[lvl][..., None], lvl, branching, radius)[0, :, :, 0]
        cnts.append(c)                                           # (n1, w*b)
        pos_in_parent = (np.arange(n1) // int(np.prod(branching[1:lvl]) if lvl > 1 else 1)
                         ) % b if lvl > 0 else None
        cols = np.arange(width * b)
        if lvl == 0:
            own = (cols[None, :] == radius * b + np.arange(b)[:, None]) if not include_self \
                else np.zeros((b, width * b), dtype=bool)
            masks.append(np.broadcast_to(own[None], (n1, b0, width * b)))
        else:
            assert pos_in_parent is not None
            centre = radius * b + pos_in_parent                  # own child, per window
            own = np.abs(cols[None, :] - centre[:, None]) <= radius
            masks.append(np.broadcast_to(own[:, None, :], (n1, b0, width * b)))
    mask = np.concatenate(masks, axis=2)
    cnt = np.concatenate(cnts, axis=1)[:, None, :]
    bias = np.where(mask, -np.inf, 0.0)
    with np.errstate(divide="ignore"):
        log_counts = np.where(cnt > 0, np.log(np.maximum(cnt, 1e-300)), -np.inf)
    return bias, log_counts, counts


@functools.lru_cache(maxsize=64)
def _window_bias(branching: tuple[int, ...], n: int, radius: int, include_self: bool,
                 dtype: str) -> np.ndarray:
    """Structural bias plus log counts (no key mask), cached in the compute dtype."""
    bias, log_counts, _ = _window_structure(branching, n, radius, include_self)
    return np.ascontiguousarray((bias + log_counts)[None], dtype=dtype)


def _window_dp(q: Any, k: Any, v: Any, branching: tuple[int, ...], n: int,
               include_self: bool, valid: Any, radius: int = 0) -> Any:
    """DP on ``Tree.fixed_windows``: leaves padded to ``prod(branching)``, no gathers.

    At level ``l`` a query sees the children of the level-``l`` nodes within
    ``radius`` of its own ancestor, minus the children within ``radius`` of its
    level-``(l-1)`` ancestor (already resolved one level finer). ``radius = 0``
    is HSA (siblings of ancestors); ``radius = 1`` is the MERA causal cone.

    All leaves of a level-1 window share their ancestors, so every window gets
    one key set (its own leaves plus the children of its ancestors, per level:
    ``K = (2r+1)·Σ_l b_l`` mean keys) built by reshapes and broadcasts; then one
    batched matmul for the scores, one log-sum-exp, one batched matmul for the
    values.
    """
    bsz, _, d = q.shape
    dv = v.shape[-1]
    n_pad = int(np.prod(branching))
    b0 = branching[0]
    bias_h, _, counts_h = _window_structure(tuple(branching), n, radius, include_self)
    q = _ops.pad_rows(q, n_pad - n)
    k = _ops.pad_rows(k, n_pad - n)
    v = _ops.pad_rows(v, n_pad - n)
    if valid is not None:
        cnt0 = _ops.pad_last(valid, n_pad - n)
        k = k * cnt0[..., None]
        v = v * cnt0[..., None]
    # bottom-up: key/value sums per level, means from the (valid) leaf counts
    kbars: list[Any] = [k]
    vbars: list[Any] = [v]
    ksum, vsum = k, v
    cnts: list[Any] = [cnt0] if valid is not None else []
    for lvl, b in enumerate(branching[:-1], start=1):
        nodes = ksum.shape[1] // b
        ksum = do("sum", do("reshape", ksum, (bsz, nodes, b, d)), axis=2)
        vsum = do("sum", do("reshape", vsum, (bsz, nodes, b, dv)), axis=2)
        if valid is None:
            inv = _ops.const(1.0 / np.maximum(counts_h[lvl], 1.0), q)[..., None]
        else:
            c = do("sum", do("reshape", cnts[-1], (cnts[-1].shape[0], nodes, b)), axis=2)
            cnts.append(c)
            inv = (1.0 / _ops.at_least_one(c))[..., None]
        kbars.append(ksum * inv)
        vbars.append(vsum * inv)
    per_level = get_backend(q) in _SCORES_PER_LEVEL
    if valid is None:
        dtype = str(q.dtype).replace("torch.", "")
        bias_all = _ops.const(_window_bias(tuple(branching), n, radius, include_self, dtype), q)
    else:
        bias_struct = _ops.const(bias_h, q)[None]
    chunk = _chunk_tokens(branching)
    # a row can only be empty if some real query has no key: possible with a key
    # mask, or with a single token that excludes itself
    fused_softmax = per_level and valid is None and (include_self or n > 1)
    outs = []
    for t0 in range(0, n_pad, chunk):
        t1 = min(n_pad, t0 + chunk)
        w0, w1 = t0 // b0, t1 // b0
        if per_level:
            # scores per level against the (neighbourhood) children, grouped by the
            # level-(l+1) ancestor: no copy of the keys
            qs = []
            for lvl, kb in enumerate(kbars):
                kids, groups = _kids_slice(kb, lvl, branching, radius, w0, w1, repeat=False)
                qg = do("reshape", q[:, t0:t1], (bsz, groups, (t1 - t0) // groups, d))
                qs.append(do("reshape", qg @ _ops.swap_last(kids),
                             (bsz, w1 - w0, b0, kids.shape[2])))
            s = do("concatenate", qs, axis=-1)                            # (B, w, b0, K)
        else:
            # one key set per window (copied by broadcast), one batched matmul
            keys = do("concatenate", [_kids_slice(kb, lvl, branching, radius, w0, w1)[0]
                                      for lvl, kb in enumerate(kbars)], axis=2)
            s = do("reshape", q[:, t0:t1], (bsz, w1 - w0, b0, d)) @ _ops.swap_last(keys)
        vals = do("concatenate", [_kids_slice(vb, lvl, branching, radius, w0, w1)[0]
                                  for lvl, vb in enumerate(vbars)], axis=2)  # (B, w, K, dv)
        if valid is None:
            bias = bias_all[:, w0:w1]
        else:
            c_all = do("concatenate",
                       [_kids_slice(c[..., None], lvl, branching, radius, w0, w1)[0][..., 0]
                        for lvl, c in enumerate(cnts)], axis=2)          # (Bv, w, K)
            # log(max(c,1)) is exact for integer counts >= 1; empty nodes get -inf
            logc = do("where", c_all > 0, do("log", _ops.at_least_one(c_all)), _ops.NEG_INF)
            bias = bias_struct[:, w0:w1] + logc[:, :, None, :]
        s = s + bias
        if fused_softmax:
            # torch: one fused kernel; rows without any key (all -inf) give NaN,
            # which cannot happen here (checked on the host below)
            out = do("softmax", s, axis=-1) @ vals
        else:
            m = _ops.safe_max(s)
            p = do("exp", s - m[..., None])
            z = do("sum", p, axis=-1)
            out = (p @ vals) / do("where", z > 0, z, 1.0)[..., None]
        outs.append(do("reshape", out, (bsz, t1 - t0, dv)))
    out = outs[0] if len(outs) == 1 else do("concatenate", outs, axis=1)
    return out[:, :n]


def _chunk_tokens(branching: tuple[int, ...]) -> int:
    """Tokens per chunk of the window DP: the largest subtree size <= ``_WINDOW_CHUNK``.

    A subtree size (a prefix product of the branching) keeps every level's parent
    groups either inside one chunk or tiling it exactly.
    """
    sizes = np.cumprod(branching)
    fits = sizes[sizes <= max(_WINDOW_CHUNK, int(branching[0]))]
    return int(fits[-1]) if fits.size else int(sizes[0])


def _kids_slice(x: Any, lvl: int, branching: tuple[int, ...], radius: int, w0: int, w1: int,
                *, repeat: bool = True) -> tuple[Any, int]:
    """The keys (or values, counts) windows ``w0 .. w1`` see at level ``lvl + 1``.

    ``x``: level-``lvl`` nodes ``(B, n_lvl, ...)``. Returns ``(kids, groups)``: with
    ``repeat`` the children of each window's ancestor neighbourhood, one row per
    window ``(B, w1 - w0, (2r+1)·b, ...)``; without, one row per ancestor
    ``(B, groups, (2r+1)·b, ...)`` (the windows of the chunk split evenly over them).
    """
    bsz, n_nodes = x.shape[0], x.shape[1]
    rest = tuple(x.shape[2:])
    b = branching[lvl]
    reps = int(np.prod(branching[1:lvl + 1])) if lvl > 0 else 1   # windows per parent
    n_win = w1 - w0
    p0 = w0 // reps
    p1 = p0 + 1 if reps >= n_win else w1 // reps
    lo, hi = (p0 - radius) * b, (p1 + radius) * b
    seg = x[:, max(lo, 0):min(hi, n_nodes)]
    if lo < 0 or hi > n_nodes:  # out-of-range neighbours: empty (zero) nodes
        parts = []
        if lo < 0:
            parts.append(_ops.zeros((bsz, -lo) + rest, x))
        parts.append(seg)
        if hi > n_nodes:
            parts.append(_ops.zeros((bsz, hi - n_nodes) + rest, x))
        seg = do("concatenate", parts, axis=1)
    n_par = p1 - p0
    seg = do("reshape", seg, (bsz, n_par + 2 * radius, b) + rest)
    kids = seg[:, radius:radius + n_par] if radius == 0 else do(
        "concatenate", [seg[:, t:t + n_par] for t in range(2 * radius + 1)], axis=2)
    if not repeat:
        return kids, n_par
    width = kids.shape[2]
    per = n_win // n_par                                             # windows per parent
    if per > 1:
        kids = do("broadcast_to", kids[:, :, None], (bsz, n_par, per, width) + rest)
        kids = do("reshape", kids, (bsz, n_win, width) + rest)
    return kids, n_par


# ---------------------------------------------------------------------------------
# general trees: padded child tables, gathers in bounded chunks


def _bottom_up_general(k: Any, v: Any | None, tree: Tree, valid: Any
                       ) -> tuple[list[Any], list[Any]]:
    """Key sums (and value sums if ``v``) and counts per level; counts shape ``(Bv, n_l)``."""
    bsz, n, _ = k.shape
    cnt0 = valid if valid is not None else _ops.const(np.ones((1, n)), k)
    k = k * cnt0[..., None]
    sums = [k] if v is None else [do("concatenate", [k, v * cnt0[..., None]], axis=-1)]
    cnts = [cnt0]
    for lvl in range(1, tree.depth):
        table = tree.child_table(lvl)
        idx = _ops.const(table, k)
        prev = _ops.pad_rows(sums[-1], 1)             # row -1 is zero: padding entries
        sums.append(do("sum", prev[:, idx], axis=2))
        c = _ops.pad_last(cnts[-1], 1)
        cnts.append(do("sum", c[:, idx], axis=2))
    return sums, cnts


def _hsa_general(q: Any, k: Any, v: Any, tree: Tree, include_self: bool, valid: Any) -> Any:
    bsz, n, d = q.shape
    dv = v.shape[-1]
    sums, cnts = _bottom_up_general(k, v, tree, valid)
    # per level: mean keys and value sums of the children, padded with a zero row
    kbars, vsums, cpads, tables = [], [], [], []
    for lvl in range(tree.depth):
        c = cnts[lvl]
        kbars.append(_ops.pad_rows(sums[lvl][..., :d] / _ops.at_least_one(c)[..., None], 1))
        vsums.append(_ops.pad_rows(sums[lvl][..., d:], 1))
        cpads.append(_ops.pad_last(c, 1))
        table = tree.child_table(lvl + 1)[tree.ancestors(lvl + 1)]   # (N, width)
        own = tree.ancestors(lvl)[:, None]
        blocked = (table < 0) | ((table == own) if (lvl > 0 or not include_self) else False)
        tables.append((table, blocked))
    width = sum(t.shape[1] for t, _ in tables)
    chunk = max(1, _CHUNK_ELEMENTS // max(1, bsz * width * max(d, dv)))
    outs = []
    for start in range(0, n, chunk):
        sl = slice(start, min(n, start + chunk))
        qc = q[:, sl]
        parts = []
        for lvl, (table, blocked) in enumerate(tables):
            idx = _ops.const(table[sl], q)
            s = do("sum", qc[:, :, None, :] * kbars[lvl][:, idx], axis=-1)  # (B, c, w)
            bad = _ops.const(blocked[sl], q)[None] | (cpads[lvl][:, idx] <= 0)
            parts.append((idx, do("where", bad, _ops.NEG_INF, s)))
        m: Any = None
        for _, s in parts:
            ms = do("max", s, axis=-1)
            m = ms if m is None else do("maximum", m, ms)
        m = do("where", do("isfinite", m), m, 0.0)
        acc: Any = None
        norm: Any = None
        for lvl, (idx, s) in enumerate(parts):
            p = do("exp", s - m[..., None])
            a = do("sum", p[..., None] * vsums[lvl][:, idx], axis=-2)
            z = do("sum", p * cpads[lvl][:, idx], axis=-1)
            acc = a if acc is None else acc + a
            norm = z if norm is None else norm + z
        norm = do("where", norm > 0, norm, 1.0)
        outs.append(acc / norm[..., None])
    return outs[0] if len(outs) == 1 else do("concatenate", outs, axis=1)
