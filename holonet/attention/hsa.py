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

import math
from typing import Any

import numpy as np

from holonet.attention import _ops
from holonet.attention.tree import Tree
from holonet.backend import do, get_backend

__all__ = ["dense_flops", "hsa", "hsa_dense", "hsa_flops", "hsa_matrix"]

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
    """FLOPs of dense softmax attention for one head: ``2N²d + 2N²dv`` (+ the softmax)."""
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


def _window_dp(q: Any, k: Any, v: Any, branching: tuple[int, ...], n: int,
               include_self: bool, valid: Any, radius: int = 0) -> Any:
    """DP on ``Tree.fixed_windows``: leaves padded to ``prod(branching)``, no gathers.

    At level ``l`` a query sees the children of the level-``l`` nodes within
    ``radius`` of its own ancestor, minus the children within ``radius`` of its
    level-``(l-1)`` ancestor (already resolved one level finer). ``radius = 0``
    is HSA (siblings of ancestors); ``radius = 1`` is the MERA causal cone.
    """
    bsz, _, d = q.shape
    dv = v.shape[-1]
    n_pad = int(np.prod(branching))
    q = _ops.pad_rows(q, n_pad - n)
    k = _ops.pad_rows(k, n_pad - n)
    v = _ops.pad_rows(v, n_pad - n)
    if valid is None and n_pad == n and radius == 0:
        cnt0 = None                                   # every key counts: structural sizes
    else:
        base = np.zeros((1, n_pad))
        base[:, :n] = 1.0
        cnt0 = _ops.const(base, q) if valid is None else _ops.pad_last(valid, n_pad - n)
        k = k * cnt0[..., None]
        v = v * cnt0[..., None]
    # bottom-up: key/value sums and leaf counts of every node, per level
    ksums: list[Any] = [k]
    vsums: list[Any] = [v]
    cnts: list[Any] = [cnt0]
    sizes = [1]
    for b in branching[:-1]:
        nodes = ksums[-1].shape[1] // b
        ksums.append(do("sum", do("reshape", ksums[-1], (bsz, nodes, b, d)), axis=2))
        vsums.append(do("sum", do("reshape", vsums[-1], (bsz, nodes, b, dv)), axis=2))
        c = cnts[-1]
        cnts.append(None if c is None else do("sum", do("reshape", c, (c.shape[0], nodes, b)),
                                                 axis=2))
        sizes.append(sizes[-1] * b)
    width = 2 * radius + 1
    # top-down: scores of every leaf against the children in its window at each level
    scores = []
    kids_v, kids_c = [], []
    span = 1                                          # leaves per child node
    for lvl, b in enumerate(branching):
        n_par = n_pad // (span * b)
        kc = do("reshape", ksums[lvl], (bsz, n_par, b, d))
        if cnts[lvl] is None:
            kc = kc * (1.0 / span)
            cc = None
        else:  # mean keys from the true counts
            c = cnts[lvl]
            cc = do("reshape", c, (c.shape[0], n_par, b))
            kc = kc * (1.0 / _ops.at_least_one(cc))[..., None]
            cc = _neighbourhood(cc[..., None], radius)[..., 0]   # (Bv, n_par, w*b)
        kc = _neighbourhood(kc, radius)                          # (B, n_par, w*b, d)
        qg = do("reshape", q, (bsz, n_par, b * span, d))
        s = qg @ _ops.swap_last(kc)                              # (B, n_par, b*span, w*b)
        s = do("reshape", s, (bsz, n_par, b, span, width * b))
        # own position t of the query's child in the window is radius*b + t
        pos = np.arange(b)[:, None] + radius * b
        cols = np.arange(width * b)[None, :]
        if lvl == 0:
            own = (cols == pos) if not include_self else None
        else:
            own = np.abs(cols - pos) <= radius
        mask: Any = None if own is None else _ops.const(own[:, None, :], q)
        if cc is not None:
            empty = do("reshape", cc, (cc.shape[0], n_par, 1, 1, width * b)) <= 0
            mask = empty if mask is None else (empty | mask)
        if mask is not None:
            s = do("where", mask, _ops.NEG_INF, s)
        scores.append(s)
        kids_v.append(_neighbourhood(do("reshape", vsums[lvl], (bsz, n_par, b, dv)), radius))
        kids_c.append(cc)
        span *= b
    # one stabiliser per leaf over all levels (log-sum-exp), then the weighted sums
    m: Any = None
    for s in scores:
        ms = do("reshape", do("max", s, axis=-1), (bsz, n_pad))
        m = ms if m is None else do("maximum", m, ms)
    m = do("where", do("isfinite", m), m, 0.0)
    acc: Any = None
    norm: Any = None
    span = 1
    for lvl, (b, s) in enumerate(zip(branching, scores)):
        n_par = n_pad // (span * b)
        p = do("exp", s - do("reshape", m, (bsz, n_par, b, span, 1)))
        p = do("reshape", p, (bsz, n_par, b * span, width * b))
        part = do("reshape", p @ kids_v[lvl], (bsz, n_pad, dv))
        cc = kids_c[lvl]
        if cc is None:
            z = do("sum", p, axis=-1) * float(sizes[lvl])
        else:
            z = do("sum", p * cc[:, :, None, :], axis=-1)
        z = do("reshape", z, (bsz, n_pad))
        acc = part if acc is None else acc + part
        norm = z if norm is None else norm + z
        span *= b
    norm = do("where", norm > 0, norm, 1.0)
    out = acc / norm[..., None]
    return out[:, :n]


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
