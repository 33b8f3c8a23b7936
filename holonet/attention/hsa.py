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
bottom-up pass (node sizes, mean keys, mean values) and one pass over the
levels (scores of each leaf against the children of its ancestors), with one
log-sum-exp per leaf: ``O(N·b·depth·d)`` time and ``O(N·(d + Σb))`` memory.
:func:`hsa_matrix`/:func:`hsa_dense` materialise the ``N×N`` matrix (tests).

**Causal HSA** (``causal=True``): query ``i`` keeps only the blocks lying
*entirely in its past* (every leaf index ``< i``) and itself. Block-tied rows
that put no weight on the future must give a block that straddles ``i`` zero
weight, so this is the KL projection of causal softmax onto block-tied rows;
the tied weight is again ``exp(q_i·k̄_B/√d)``. On a window tree blocks never
straddle a query: ``i`` attends token by token to the earlier leaves of its own
leaf window and to every earlier block, so every past token is seen, at some
resolution. (For general trees, whose nodes need not be contiguous, see
theory/attention.md §2.)

**Key padding.** ``key_padding_mask`` (``(..., N)`` bool, ``True`` = padded, torch's
convention, broadcast against the batch shape) removes padded leaves as keys
everywhere: they are left out of every block's size, mean key and mean value
(a block with no valid leaf gets no weight), and they receive zero attention.
Padded leaves still *query*. A query with no valid key at all (e.g. ``N = 1``
with ``include_self=False``, or the first token under ``causal`` without
``include_self``) gets a zero output and a zero row.

**Backends and training.** numpy and cupy arrays run the DP through a thin
array namespace (no torch import). torch tensors run it inside custom
operators with a hand-written backward pass (flash-attention style: the
forward saves ``q, k, v``, the output and one log-sum-exp per query; the
backward recomputes node means and scores level by level), which
``torch.compile`` treats as opaque kernels. float16/bfloat16 inputs (also under
``torch.autocast``) are computed in float32 and returned in their own dtype.
The structural constants of a tree are built once per (tree, device, dtype)
and kept in byte-bounded caches.

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
>>> bool(np.allclose(hsa(q, k, v, tree, causal=True), hsa_dense(q, k, v, tree, causal=True)))
True
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from holonet.attention import _general, _ops, _window
from holonet.attention._ops import AttentionTooLarge, check_memory
from holonet.attention.tree import Tree
from holonet.backend import do, get_backend
from holonet.contract import _parse_bytes

__all__ = ["AttentionTooLarge", "dense_flops", "hsa", "hsa_dense", "hsa_flops", "hsa_matrix"]


def _check_tree(tree: Any, n: int) -> Tree:
    if not isinstance(tree, Tree):
        raise TypeError(f"tree must be a holonet.attention.Tree; got {type(tree).__name__}")
    if tree.n_leaves != n:
        raise ValueError(f"tree has {tree.n_leaves} leaves but the sequence has N = {n}")
    return tree


def _check_bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False; got {type(value).__name__} {value!r}")
    return bool(value)


def _check_scale(scale: Any, d: int) -> float:
    if scale is None:
        return 1.0 / math.sqrt(d)
    if isinstance(scale, bool) or not isinstance(scale, int | float | np.floating | np.integer):
        raise TypeError(f"scale must be a real number or None; got {type(scale).__name__}")
    if not math.isfinite(float(scale)):
        raise ValueError(f"scale must be finite; got {scale!r}")
    return float(scale)


def _check_float(q: Any, k: Any, v: Any | None) -> None:
    for name, x in (("q", q), ("k", k), ("v", v)):
        if x is None:
            continue
        dt = x.dtype
        ok = getattr(dt, "is_floating_point", None)
        if ok is None:  # numpy / cupy dtype
            ok = np.dtype(dt).kind == "f"
        if not ok:
            raise TypeError(f"{name} must hold floating-point numbers; got dtype {dt}")


def _broadcasts_to(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    """Whether ``shape`` broadcasts to ``target`` (pure Python: also while compiling)."""
    if len(shape) > len(target):
        return False
    return all(a in (1, b) for a, b in zip(reversed(shape), reversed(target)))


def _check_mask(mask: Any, lead: tuple[int, ...], n: int) -> None:
    if mask is None:
        return
    if not hasattr(mask, "shape") or not hasattr(mask, "dtype"):
        mask = np.asarray(mask)
    shape = tuple(int(x) for x in mask.shape)
    if shape[-1:] != (n,):
        raise ValueError(f"key_padding_mask must have shape (..., {n}); got {shape}")
    if not _broadcasts_to(shape[:-1], lead):
        raise ValueError(f"key_padding_mask leading shape {shape[:-1]} must broadcast to "
                         f"the batch shape {lead}")
    if "bool" not in str(mask.dtype):
        raise TypeError(f"key_padding_mask must be boolean (True = padded key); got dtype "
                        f"{mask.dtype}")


def _numpy_valid(mask: Any, lead: tuple[int, ...], n: int, like: Any) -> Any:
    """``(Bv, N)`` 1/0 validity in ``like``'s dtype (numpy/cupy), or ``None``."""
    if mask is None:
        return None
    m = mask if get_backend(mask) == get_backend(like) else _ops.const(np.asarray(mask), like)
    m = m[None] if m.ndim == 1 else do("reshape", do("broadcast_to", m, lead + (n,)), (-1, n))
    return (~m).astype(like.dtype)


def guard(tree: Tree, batch: int, d: int, dv: int, radius: int, itemsize: int,
          memory_limit: int | str | None, what: str) -> None:
    """Refuse a DP call whose predicted working memory exceeds the budget (pure Python)."""
    if tree.branching is not None:
        need = _window.predicted_bytes(tree.branching, batch, d, dv, radius, itemsize)
    else:
        need = _general.predicted_bytes(tree, batch, d, dv, itemsize)
    check_memory(what, need, memory_limit,
                 f"N = {tree.n_leaves:,}, batch = {batch:,}, {tree!r}; a window tree whose "
                 "top level has bounded fan-out (e.g. branching [16, 8, 4, 2, 8, 8, ...]) "
                 "keeps it linear in N; ")


def _attend(q: Any, k: Any, v: Any, tree: Any, include_self: Any, key_padding_mask: Any,
            scale: Any, causal: Any, radius: int, memory_limit: Any, what: str) -> Any:
    """Shared entry of :func:`hsa` and :func:`holonet.attention.mera_attention`."""
    n, d = _ops.check_qkv(q, k, v)
    tree = _check_tree(tree, n)
    include_self = _check_bool("include_self", include_self)
    causal = _check_bool("causal", causal)
    scale = _check_scale(scale, d)
    _check_float(q, k, v)
    lead = tuple(int(x) for x in q.shape[:-2])
    _check_mask(key_padding_mask, lead, n)
    dv = int(v.shape[-1])
    limit = 0 if memory_limit is None else _parse_bytes(memory_limit)
    if _ops.is_torch(q):
        # the torch operators check the budget themselves, when they run (so that a
        # compiled graph checks it too, without tracing the budget lookup)
        from holonet.attention import _hsa_autograd

        return _hsa_autograd.attend(q, k, v, tree, include_self, key_padding_mask, scale,
                                    causal, radius, limit, what)
    itemsize = 8 if "float64" in str(q.dtype) else 4
    guard(tree, math.prod(lead), d, dv, radius, itemsize, limit or None, what)
    out_dtype = np.result_type(q.dtype, k.dtype, v.dtype)
    ct = np.float32 if out_dtype.itemsize < 4 else out_dtype
    q3, k3, v3 = (x.reshape(-1, n, x.shape[-1]).astype(ct, copy=False) for x in (q, k, v))
    valid = _numpy_valid(key_padding_mask, lead, n, q3)
    if tree.branching is not None:
        st = _window.structure(tree.branching, n, radius, include_self, causal, q3)
        out, _ = _window.window_forward(q3, k3, v3, st, valid, scale)
    else:
        gst = _general.structure(tree, include_self, causal, valid is not None, q3)
        out, _ = _general.general_forward(q3, k3, v3, gst, valid, scale)
    return out.astype(out_dtype, copy=False).reshape(lead + (n, dv))


# ---------------------------------------------------------------------------------
# public operators


def hsa(q: Any, k: Any, v: Any, tree: Tree, include_self: bool = True,
        key_padding_mask: Any = None, *, scale: float | None = None, causal: bool = False,
        memory_limit: int | str | None = None) -> Any:
    """Hierarchical self-attention by the bottom-up / top-down dynamic programme.

    Parameters
    ----------
    q, k
        Queries and keys, shape ``(..., N, d)`` (any leading batch/head dims).
    v
        Values, shape ``(..., N, dv)``.
    tree
        The hierarchy over the ``N`` tokens (:class:`Tree`). Window trees
        (:meth:`Tree.fixed_windows`) run the reshape-only fast path.
    include_self
        Keep the query's own leaf (weight ``exp(q_i·k_i/√d)``); ``False`` excludes it.
    key_padding_mask
        Optional boolean ``(..., N)``, ``True`` = padded key; its leading shape
        must broadcast to the batch shape (e.g. ``(N,)``, ``(B, 1, N)`` for
        ``(B, H, N, d)`` inputs). See the module docs.
    scale
        Score scale, default ``1/√d``.
    causal
        Causal HSA: attend only to blocks entirely in the past and to oneself
        (see the module docs); what a decoder uses for ``is_causal=True``.
    memory_limit
        Budget in bytes (or ``'8G'``) for the working memory of one call
        (predicted from the tree before anything is allocated); default
        :func:`holonet.contract.default_memory_limit` (``HOLONET_MEMORY_LIMIT``).

    Returns
    -------
    Array of shape ``(..., N, dv)`` on the backend and in the dtype of the inputs
    (float16/bfloat16 are computed in float32). For torch tensors autograd flows
    through a hand-written backward pass.

    Raises
    ------
    AttentionTooLarge
        If the predicted working memory exceeds ``memory_limit``.

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
    >>> out = hsa(q, k, v, Tree.fixed_windows(6, [2, 3]), causal=True)
    >>> bool(np.allclose(out[0], v[0]))   # the first token sees only itself
    True
    """
    return _attend(q, k, v, tree, include_self, key_padding_mask, scale, causal, 0,
                   memory_limit, "hsa")


def _matrix_bytes(n: int, batch: int, itemsize: int) -> int:
    return 48 * n * n + 4 * batch * n * n * itemsize


def hsa_matrix(q: Any, k: Any, tree: Tree, include_self: bool = True,
               key_padding_mask: Any = None, *, scale: float | None = None,
               causal: bool = False, memory_limit: int | str | None = None) -> Any:
    """The ``(..., N, N)`` row-stochastic block-tied HSA matrix (materialised; for tests).

    Row ``i`` gives every leaf ``j`` of block ``B`` the weight
    ``exp(q_i·k̄_B/√d) / Z_i``; ``Z_i`` sums over all (valid, allowed) leaves.
    Quadratic in ``N``: refused with :class:`AttentionTooLarge` above
    ``memory_limit`` (as in :func:`hsa`; about ``(48 + 4·batch·itemsize)·N²`` bytes).

    Examples
    --------
    >>> import numpy as np
    >>> q, k = np.random.default_rng(2).standard_normal((2, 8, 3))
    >>> a = hsa_matrix(q, k, Tree.fixed_windows(8, [2, 2]))
    >>> bool(np.allclose(a[0, 4:], a[0, 4]))  # one block: tied weights
    True
    >>> c = hsa_matrix(q, k, Tree.fixed_windows(8, [2, 2]), causal=True)
    >>> bool(np.all(np.triu(c, 1) == 0))
    True
    """
    n, _ = _ops.check_qkv(q, k)
    return _dense_block_matrix("hsa_matrix", "hsa()", q, k, _check_tree(tree, n), 0,
                               include_self, key_padding_mask, scale, causal, memory_limit)


def _dense_block_matrix(name: str, linear: str, q: Any, k: Any, tree: Tree, radius: int,
                        include_self: Any, key_padding_mask: Any, scale: float | None,
                        causal: Any, memory_limit: int | str | None) -> Any:
    """Validate and materialise the ``(..., N, N)`` block matrix of ``tree`` (``radius``
    sibling blocks resolved at the leaves) for :func:`hsa_matrix` and ``mera_matrix``;
    ``linear`` names the O(N) routine the size refusal points to."""
    n, d = _ops.check_qkv(q, k)
    include_self = _check_bool("include_self", include_self)
    causal = _check_bool("causal", causal)
    scale = _check_scale(scale, d)
    _check_float(q, k, None)
    lead = tuple(int(x) for x in q.shape[:-2])
    _check_mask(key_padding_mask, lead, n)
    itemsize = 8 if "float64" in str(q.dtype) else 4
    check_memory(name, _matrix_bytes(n, math.prod(lead), itemsize), memory_limit,
                 f"it materialises N×N matrices (N = {n:,}); {linear} needs O(N) memory; ")
    a = _block_matrix(q, k, tree, tree.block_index(radius, memory_limit=memory_limit),
                      include_self, key_padding_mask, scale, causal)
    return do("reshape", a, lead + (n, n))


def _valid_any(mask: Any, lead: tuple[int, ...], n: int, like: Any) -> Any:
    """``(Bv, N)`` validity on ``like``'s backend (any backend), or ``None``."""
    if mask is None:
        return None
    if _ops.is_torch(like):
        from holonet.attention._hsa_autograd import _validity

        return _validity(mask, lead, n, like)
    return _numpy_valid(mask, lead, n, like)


def _block_matrix(q: Any, k: Any, tree: Tree, blocks: tuple[np.ndarray, np.ndarray],
                  include_self: bool, mask: Any, scale: float, causal: bool) -> Any:
    """Row-stochastic ``(B, N, N)`` matrix tying weights within the given blocks.

    ``blocks = (level, node)`` from :meth:`Tree.block_index`. Under ``causal`` a
    block is allowed iff its last leaf precedes the query (or it is the query).
    """
    n, d = int(q.shape[-2]), int(q.shape[-1])
    lead = tuple(int(x) for x in q.shape[:-2])
    q3 = do("reshape", q, (-1, n, d)) * scale
    k3 = do("reshape", k, (-1, n, d))
    valid = _valid_any(mask, lead, n, q3)
    cnt0 = valid if valid is not None else _ops.const(np.ones((1, n)), k3)
    kbars = []
    for lvl in range(tree.depth):
        anc = _ops.const(tree.ancestors(lvl), k3) if lvl else None
        ksum = k3 * cnt0[..., None]
        c = cnt0
        if anc is not None:
            onehot = _ops.const(np.eye(tree.level_sizes[lvl])[tree.ancestors(lvl)], k3)
            ksum = _ops.swap_last(onehot) @ ksum           # (B, n_l, d)
            c = cnt0 @ onehot                              # (Bv, n_l)
        kbars.append(ksum / _ops.at_least_one(c)[..., None])
    kbar = do("concatenate", kbars, axis=1)
    offsets = np.cumsum([0] + tree.level_sizes[:-1])
    level, node = blocks
    gid = offsets[level] + node
    scores_all = q3 @ _ops.swap_last(kbar)                    # (B, N, n_nodes)
    rows = np.broadcast_to(np.arange(n)[:, None], (n, n))
    s = scores_all[:, _ops.const(rows, q3), _ops.const(gid, q3)]  # (B, N, N)
    ok = np.ones((n, n), dtype=bool)
    if not include_self:
        np.fill_diagonal(ok, False)
    if causal:
        last = np.concatenate([tree.last_leaf(lvl) for lvl in range(tree.depth)])
        past = last[gid] < np.arange(n)[:, None]
        np.fill_diagonal(past, True)
        ok &= past
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
              key_padding_mask: Any = None, *, scale: float | None = None,
              causal: bool = False, memory_limit: int | str | None = None) -> Any:
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
    return hsa_matrix(q, k, tree, include_self, key_padding_mask, scale=scale, causal=causal,
                      memory_limit=memory_limit) @ v


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
