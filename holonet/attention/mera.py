r"""MERA attention: the block pattern of a MERA's causal cone (theory/attention.md, §4).

A MERA coarse-grains a chain of ``N`` sites with, at every scale, disentanglers
(unitaries on neighbouring sites straddling two isometries: *local window
mixing*) followed by isometries (``b`` sites -> 1: *coarse-graining*, ``b = 2``
binary, ``3`` ternary). Without disentanglers the network is a tree, and the
attention pattern its coarse-graining induces is HSA on that tree (a query sees
the other children of each ancestor as blocks). The disentanglers widen the
causal cone: a coarse site at scale ``τ`` is influenced by its neighbours at
scale ``τ`` as well (the cone has bounded width at every scale: 3 sites for the
binary MERA, 2 for the ternary). So a query resolves a key *individually* while
they are close and *as a block* once they are far apart, at the scale where the
key's coarse site enters the query's cone:

* at level ``l`` the query sees the children of the level-``l`` nodes within
  distance ``radius`` of its own ancestor,
* except those children within ``radius`` of its level-``(l-1)`` ancestor,
  which were already resolved one level finer.

``radius = 1`` (own coarse site and both neighbours: the binary cone, and the
symmetric closure of the ternary one) is the MERA pattern; ``radius = 0`` is
HSA. The blocks still partition the keys of every query, so the KL-projection
theorem applies unchanged (tied weight ``∝ exp(q·k̄_B/√d)``), and the same
bottom-up / top-down programme evaluates it with ``(2r+1)·b`` children per
level: ``O(N·b·log_b N·d)`` time, ``O(N·d)`` memory. This is the
near-field/far-field split of the fast multipole method.

Examples
--------
>>> import numpy as np
>>> q, k, v = np.random.default_rng(0).standard_normal((3, 16, 4))
>>> out = mera_attention(q, k, v, kind="binary")
>>> bool(np.allclose(out, mera_matrix(q, k, kind="binary") @ v))
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from holonet._options import check_int
from holonet.attention import _ops
from holonet.attention._ops import check_memory
from holonet.attention.hsa import (
    _attend,
    _check_tree,
    _dense_block_matrix,
)
from holonet.attention.tree import Tree

__all__ = ["mera_attention", "mera_blocks", "mera_matrix"]


def _mera_tree(n: int, kind: Any, tree: Tree | None) -> Tree:
    if tree is None:
        if isinstance(kind, str):
            return Tree.from_mera(kind=kind, n_sites=n)
        return Tree.from_mera(kind)
    tree = _check_tree(tree, n)
    if tree.branching is None:
        raise ValueError("MERA attention needs a window tree (Tree.fixed_windows or "
                         "Tree.from_mera): its nodes must be ordered along the chain")
    return tree


def mera_attention(q: Any, k: Any, v: Any, kind: Any = "binary", include_self: bool = True,
                   key_padding_mask: Any = None, *, radius: int = 1, tree: Tree | None = None,
                   scale: float | None = None, causal: bool = False,
                   memory_limit: int | str | None = None) -> Any:
    """Attention with the MERA causal-cone block pattern, by the window DP.

    Runs the same operator as :func:`holonet.attention.hsa` (with its
    hand-written backward pass for torch tensors, ``torch.compile`` support and
    float32 accumulation for half-precision inputs).

    Parameters
    ----------
    q, k, v
        ``(..., N, d)``, ``(..., N, d)``, ``(..., N, dv)``.
    kind
        ``'binary'`` or ``'ternary'``, or a MERA-like object with ``kind`` and
        ``n_sites`` (:meth:`Tree.from_mera`).
    include_self, key_padding_mask, scale, memory_limit
        As in :func:`holonet.attention.hsa`.
    radius
        Cone half-width in coarse sites (``1`` = MERA; ``0`` = HSA on the tree).
    tree
        Use this window tree instead of the MERA's (e.g. ``fixed_windows(n, [4, 4])``).
    causal
        Keep only blocks entirely in the query's past (and the query itself),
        as for :func:`holonet.attention.hsa`: the blocks are contiguous nodes,
        so every earlier token is seen at some resolution.

    Examples
    --------
    >>> import numpy as np
    >>> q, k, v = np.random.default_rng(1).standard_normal((3, 2, 27, 5))
    >>> mera_attention(q, k, v, kind="ternary").shape
    (2, 27, 5)
    """
    n, _ = _ops.check_qkv(q, k, v)
    radius = check_int("radius", radius, minimum=0)
    tree = _mera_tree(n, kind, tree)
    return _attend(q, k, v, tree, include_self, key_padding_mask, scale, causal, radius,
                   memory_limit, "mera_attention")


def mera_matrix(q: Any, k: Any, kind: Any = "binary", include_self: bool = True,
                key_padding_mask: Any = None, *, radius: int = 1, tree: Tree | None = None,
                scale: float | None = None, causal: bool = False,
                memory_limit: int | str | None = None) -> Any:
    """The materialised ``(..., N, N)`` MERA attention matrix (reference for tests).

    Quadratic: refused with :class:`holonet.attention.AttentionTooLarge` above
    ``memory_limit`` (default :func:`holonet.contract.default_memory_limit`).

    Examples
    --------
    >>> import numpy as np
    >>> q, k = np.random.default_rng(2).standard_normal((2, 8, 3))
    >>> a = mera_matrix(q, k)
    >>> bool(np.allclose(a.sum(-1), 1))
    True
    """
    n, _ = _ops.check_qkv(q, k)
    radius = check_int("radius", radius, minimum=0)
    return _dense_block_matrix("mera_matrix", "mera_attention()", q, k,
                               _mera_tree(n, kind, tree), radius, include_self,
                               key_padding_mask, scale, causal, memory_limit)


def mera_blocks(n: int, kind: str = "binary", *, radius: int = 1,
                memory_limit: int | str | None = None) -> np.ndarray:
    """``(N, N)`` integer map: the level at which query ``i`` resolves key ``j``.

    ``0`` = individually; ``l`` = as part of a level-``l`` coarse site. The
    pattern a figure draws, and the count of blocks per row is ``O(b log N)``.
    Quadratic (about ``48·N²`` bytes of int64 work arrays): refused with
    :class:`holonet.attention.AttentionTooLarge` above ``memory_limit``.

    Examples
    --------
    >>> mera_blocks(8)[0].tolist()
    [0, 0, 0, 0, 1, 1, 1, 1]
    """
    n = check_int("n", n, minimum=1)
    check_memory("mera_blocks", 48 * n * n, memory_limit,
                 f"it materialises N×N int64 maps (N = {n:,}); ")
    tree = Tree.from_mera(kind=kind, n_sites=n)
    return tree.block_index(radius, memory_limit=memory_limit)[0]
