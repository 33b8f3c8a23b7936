"""Rooted trees over tokens: the nested-signal geometry hierarchical attention runs on.

A :class:`Tree` has ``N`` leaves (the tokens, in sequence order) and internal
nodes grouping them at coarser scales. Internally every leaf sits at the same
depth ``L``: a leaf that is shallower than the others is extended by a chain of
unary copies of itself. Unary nodes create no attention blocks (a node with one
child has no sibling of the child), so this normal form changes nothing in
hierarchical attention while letting every level be processed as one array.

Level ``0`` holds the leaves, level ``L`` the single root. ``tree.levels[l]`` maps
each level-``l`` node to its parent at level ``l + 1``.

Examples
--------
>>> t = Tree.fixed_windows(10, branching=[4, 2])
>>> t.n_leaves, t.depth, t.level_sizes
(10, 3, [10, 3, 2, 1])
>>> t.ancestors(1).tolist()
[0, 0, 0, 0, 1, 1, 1, 1, 2, 2]
>>> Tree.fixed_windows(5, branching=[5]).depth  # the flat tree
1
"""

from __future__ import annotations

import hashlib
import itertools
import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np

from holonet._options import check_int

__all__ = ["Tree"]

#: Every live tree by its token: the torch operators receive the token (a plain int that
#: torch.compile can treat as a constant) and look the tree up here.
_REGISTRY: weakref.WeakValueDictionary[int, Tree] = weakref.WeakValueDictionary()
_TOKENS = itertools.count(1)


def _tree_by_token(token: int) -> Tree:
    tree = _REGISTRY.get(int(token))
    if tree is None:
        raise RuntimeError(f"no live Tree with token {token}: the tree was garbage-collected "
                           "while an attention call still referred to it")
    return tree


class Tree:
    """A rooted tree whose leaves are the ``N`` tokens (see module docstring).

    Build with :meth:`fixed_windows`, :meth:`from_levels`, :meth:`from_parents`,
    :meth:`from_tiling` or :meth:`from_mera`; the constructor itself takes the
    level maps of the normal form.

    Parameters
    ----------
    levels
        ``levels[l]`` is an integer array mapping each node of level ``l`` to its
        parent at level ``l + 1`` (``0 .. n_{l+1}-1``, every parent used); the
        last level must have a single node (the root).
    branching
        Set by :meth:`fixed_windows`: the (effective) window size per level, which
        enables the reshape-based fast path of :func:`holonet.attention.hsa`.

    Examples
    --------
    >>> t = Tree([[0, 0, 1, 1, 1], [0, 0]])   # leaves -> 2 nodes -> root
    >>> t.n_leaves, t.depth, t.level_sizes
    (5, 2, [5, 2, 1])
    >>> [c.tolist() for c in t.children(1)]
    [[0, 1], [2, 3, 4]]
    >>> t.is_flat(), Tree.fixed_windows(5, [5]).is_flat()
    (False, True)
    """

    def __init__(self, levels: Sequence[Any], *, branching: Sequence[int] | None = None,
                 meta: dict[str, Any] | None = None, _validate: bool = True) -> None:
        lv = [np.asarray(a, dtype=np.int64).reshape(-1) for a in levels]
        if not lv:
            raise ValueError("a tree needs at least one level above the leaves")
        n = lv[0].size
        if n < 1:
            raise ValueError("a tree needs at least one leaf")
        sizes = [int(n)]
        for lvl, a in enumerate(lv):
            if a.size != sizes[-1]:
                raise ValueError(f"level {lvl} maps {a.size} nodes but level {lvl - 1} "
                                 f"uses {sizes[-1]} parents")
            top = int(a.max())
            if _validate:  # constructors that build valid levels by design skip the sort
                if a.min() < 0:
                    raise ValueError(f"level {lvl} has a negative parent index")
                used = np.unique(a)
                if used.size != top + 1:
                    raise ValueError(f"level {lvl}: parents must be 0..{top} with none "
                                     "unused")
            sizes.append(top + 1)
        if sizes[-1] != 1:
            raise ValueError(f"the top level must have one root; got {sizes[-1]} nodes")
        self.levels: tuple[np.ndarray, ...] = tuple(lv)
        self.branching: tuple[int, ...] | None = (tuple(int(b) for b in branching)
                                                  if branching is not None else None)
        self.meta: dict[str, Any] = dict(meta or {})
        # plain Python facts: read on every attention call (also while torch.compile
        # traces it), so they must not touch numpy
        self._sizes: tuple[int, ...] = tuple(sizes)
        self._fan: tuple[int, ...] = (
            tuple(int(b) for b in self.branching) if self.branching is not None and
            not _validate else tuple(int(np.bincount(a).max()) for a in lv))
        self._token: int = next(_TOKENS)
        _REGISTRY[self._token] = self
        self._anc_cache: list[np.ndarray] | None = None
        self._digest: str | None = None

    @property
    def _anc(self) -> list[np.ndarray]:
        """Leaf -> ancestor at each level (level 0: the leaf itself), built on first use."""
        if self._anc_cache is None:
            anc = [np.arange(self._sizes[0], dtype=np.int64)]
            for a in self.levels:
                anc.append(a[anc[-1]])
            self._anc_cache = anc
        return self._anc_cache

    def _structure_digest(self) -> str:
        """A content hash of the level maps: equal trees share cached operator structure."""
        if self._digest is None:
            h = hashlib.blake2b(digest_size=16)
            for a in self.levels:
                h.update(np.int64(a.size).tobytes())
                h.update(np.ascontiguousarray(a).tobytes())
            self._digest = h.hexdigest()
        return self._digest

    # ------------------------------------------------------------------ basic facts
    @property
    def n_leaves(self) -> int:
        """Number of leaves (tokens) ``N``."""
        return self._sizes[0]

    @property
    def depth(self) -> int:
        """Number of levels above the leaves (``1`` for the flat tree)."""
        return len(self._sizes) - 1

    @property
    def level_sizes(self) -> list[int]:
        """Number of nodes per level, leaves first, root (``1``) last."""
        return list(self._sizes)

    @property
    def max_branching(self) -> list[int]:
        """Largest number of children of a node, per level ``1 .. depth``."""
        return list(self._fan)

    def ancestors(self, level: int) -> np.ndarray:
        """Index of each leaf's ancestor at ``level`` (``0`` = the leaf itself), shape ``(N,)``."""
        level = check_int("level", level, minimum=0, maximum=self.depth)
        return self._anc[level].copy()

    def leaf_counts(self, level: int) -> np.ndarray:
        """Number of leaves under each node of ``level``."""
        return np.bincount(self.ancestors(level), minlength=self.level_sizes[level])

    def children(self, level: int) -> list[np.ndarray]:
        """For each node of ``level >= 1``, its children at ``level - 1`` (ascending)."""
        level = check_int("level", level, minimum=1, maximum=self.depth)
        a = self.levels[level - 1]
        order = np.argsort(a, kind="stable")
        splits = np.cumsum(np.bincount(a, minlength=self.level_sizes[level]))[:-1]
        return list(np.split(order, splits))

    def child_table(self, level: int) -> np.ndarray:
        """Children of each ``level`` node padded with ``-1``: shape ``(n_level, max_children)``."""
        level = check_int("level", level, minimum=1, maximum=self.depth)
        a = self.levels[level - 1]
        order = np.argsort(a, kind="stable")
        fan = np.bincount(a, minlength=self._sizes[level])
        start = np.cumsum(fan) - fan
        parent = a[order]
        table = np.full((self._sizes[level], int(fan.max())), -1, dtype=np.int64)
        table[parent, np.arange(order.size) - start[parent]] = order
        return table

    def is_flat(self) -> bool:
        """Whether every leaf is a child of the root (HSA is then softmax attention)."""
        return self.depth == 1

    # ------------------------------------------------------------------ blocks
    def last_leaf(self, level: int) -> np.ndarray:
        """Largest leaf (token) index under each node of ``level``, shape ``(n_level,)``.

        A block ``B`` lies entirely in the past of query ``i`` iff
        ``last_leaf(B) < i`` (causal attention, :func:`holonet.attention.hsa`).

        Examples
        --------
        >>> Tree.fixed_windows(7, [3]).last_leaf(1).tolist()
        [2, 5, 6]
        """
        level = check_int("level", level, minimum=0, maximum=self.depth)
        out = np.full(self._sizes[level], -1, dtype=np.int64)
        np.maximum.at(out, self._anc[level], np.arange(self._sizes[0], dtype=np.int64))
        return out

    def block_index(self, radius: int = 0, *, memory_limit: int | str | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
        """For every pair ``(i, j)`` the block of ``j`` seen from query ``i``.

        Returns ``(level, node)``, two ``(N, N)`` integer arrays: ``j`` lies in the
        block formed by node ``node[i, j]`` of level ``level[i, j]``. With
        ``radius = 0`` (HSA) that is the child of the lowest common ancestor of
        ``i`` and ``j`` that contains ``j``. With ``radius = r`` (the MERA causal
        cone, nodes ordered along the chain) it is ``j``'s ancestor one level
        below the lowest level at which the ancestors of ``i`` and ``j`` are at
        most ``r`` positions apart. The diagonal is the leaf itself
        (``level 0``). Quadratic: for tests and figures.

        ``memory_limit``: budget in bytes (or ``'8G'``) for the ``N×N`` int64
        arrays and their temporaries (about ``48·N²`` bytes); default
        :func:`holonet.contract.default_memory_limit` (``HOLONET_MEMORY_LIMIT``).
        Above it :class:`holonet.attention.AttentionTooLarge` is raised before
        anything is allocated.

        Examples
        --------
        >>> lev, node = Tree.fixed_windows(4, branching=[2]).block_index()
        >>> lev.tolist()
        [[0, 0, 1, 1], [0, 0, 1, 1], [1, 1, 0, 0], [1, 1, 0, 0]]
        >>> node[0].tolist()  # leaf 1 alone; leaves 2, 3 form window node 1
        [0, 1, 1, 1]
        """
        from holonet.attention._ops import check_memory

        n = self.n_leaves
        check_memory("Tree.block_index", 48 * n * n, memory_limit,
                     f"it materialises N×N int64 block maps (N = {n:,}); ")
        level = np.zeros((n, n), dtype=np.int64)
        node = np.broadcast_to(np.arange(n), (n, n)).copy()
        # walking down from the root, the last level at which i and j share an
        # ancestor is the LCA level; the block is j's ancestor one level below
        radius = check_int("radius", radius, minimum=0)
        for lvl in range(self.depth, 0, -1):
            a = self._anc[lvl]
            below = self._anc[lvl - 1]
            same = np.abs(a[:, None] - a[None, :]) <= radius
            split = same & (np.abs(below[:, None] - below[None, :]) > radius)
            level[split] = lvl - 1
            node[split] = np.broadcast_to(below[None, :], (n, n))[split]
        return level, node

    def blocks(self, query: int) -> list[np.ndarray]:
        """The blocks of query leaf ``query``: arrays of leaf indices, finest first.

        The query's own leaf is not in any block.

        Examples
        --------
        >>> [b.tolist() for b in Tree.fixed_windows(8, branching=[2, 2]).blocks(0)]
        [[1], [2, 3], [4, 5, 6, 7]]
        """
        query = check_int("query", query, minimum=0, maximum=self.n_leaves - 1)
        out = []
        for lvl in range(1, self.depth + 1):
            parent = self._anc[lvl][query]
            own = self._anc[lvl - 1][query]
            members = np.nonzero(self._anc[lvl] == parent)[0]
            below = self._anc[lvl - 1][members]
            for child in np.unique(below):
                if child != own:
                    out.append(members[below == child])
        return out

    def to_parents(self) -> np.ndarray:
        """The parent array of the normal form (nodes numbered level by level; root ``-1``)."""
        sizes = self.level_sizes
        offsets = np.cumsum([0] + sizes)
        parents = np.full(offsets[-1], -1, dtype=np.int64)
        for lvl, a in enumerate(self.levels):
            parents[offsets[lvl]:offsets[lvl + 1]] = a + offsets[lvl + 1]
        return parents

    def __repr__(self) -> str:
        kind = f"branching={list(self.branching)}" if self.branching else "general"
        return f"Tree(n_leaves={self.n_leaves}, depth={self.depth}, {kind})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Tree):
            return NotImplemented
        return len(self.levels) == len(other.levels) and all(
            a.shape == b.shape and bool(np.all(a == b)) for a, b in zip(self.levels, other.levels))

    __hash__ = None  # type: ignore[assignment]

    # ------------------------------------------------------------------ constructors
    @classmethod
    def fixed_windows(cls, n: int, branching: Sequence[int]) -> Tree:
        """Windows of consecutive tokens, then windows of windows, and so on.

        Parameters
        ----------
        n
            Number of tokens.
        branching
            Window sizes from the leaves up: ``[16, 8, 4, 2]`` groups 16 tokens,
            then 8 such windows, then 4, then 2. The last window of a level is
            partial when the count is not a multiple. Nodes left above the last
            level are joined under the root; ``[n]`` is the flat tree. A window
            larger than the number of nodes it groups is shrunk to that number,
            and levels that would only add unary nodes are dropped.

        Examples
        --------
        >>> Tree.fixed_windows(512, [16, 8, 4, 2]).branching
        (16, 8, 4)
        >>> Tree.fixed_windows(100, [16, 8]).level_sizes
        [100, 7, 1]
        """
        n = check_int("n", n, minimum=1)
        branching = [check_int("window size", b, minimum=1) for b in branching]
        if not branching:
            raise ValueError("branching must list at least one window size")
        levels, eff = [], []
        count = n
        for b in branching:
            if count == 1:
                break
            b = min(b, count)
            if b == 1:
                continue
            levels.append(np.arange(count) // b)
            eff.append(b)
            count = -(-count // b)
        if count > 1:
            levels.append(np.zeros(count, dtype=np.int64))
            eff.append(count)
        if not levels:  # a single token: one unary level to the root
            levels.append(np.zeros(1, dtype=np.int64))
            eff.append(1)
        return cls(levels, branching=eff, meta={"kind": "fixed_windows",
                                                "requested": list(branching)},
                   _validate=False)

    @classmethod
    def from_levels(cls, assignments: Sequence[Any], *, meta: dict[str, Any] | None = None
                    ) -> Tree:
        """Tree from successive groupings: ``assignments[l][u]`` = group of level-``l`` node ``u``.

        Group labels may be any integers; they are relabelled ``0..`` in order of
        first appearance. A root is added if the last grouping has several groups.

        Examples
        --------
        >>> Tree.from_levels([[0, 0, 1, 1, 1]]).level_sizes
        [5, 2, 1]
        """
        levels = []
        for a in assignments:
            a = np.asarray(a).reshape(-1)
            _, first, inv = np.unique(a, return_index=True, return_inverse=True)
            rank = np.argsort(np.argsort(first))
            levels.append(rank[inv].astype(np.int64))
        if not levels or int(levels[-1].max()) > 0:
            size = int(levels[-1].max()) + 1 if levels else None
            if size is None:
                raise ValueError("from_levels needs at least one grouping")
            levels.append(np.zeros(size, dtype=np.int64))
        return cls(levels, meta=meta)

    @classmethod
    def from_parents(cls, parents: Sequence[int] | np.ndarray, *,
                     meta: dict[str, Any] | None = None) -> Tree:
        """Tree from a parent array over all nodes (``-1`` marks the root).

        Leaves are the nodes without children, taken in increasing node index
        (their order is the token order). Leaves at different depths are allowed.

        Examples
        --------
        >>> # leaves 0, 1, 2; node 3 groups 0 and 1; node 4 is the root
        >>> t = Tree.from_parents([3, 3, 4, 4, -1])
        >>> t.n_leaves, t.depth, [b.tolist() for b in t.blocks(2)]
        (3, 2, [[0, 1]])
        """
        p = np.asarray(parents, dtype=np.int64).reshape(-1)
        m = p.size
        if m == 0:
            raise ValueError("parents must not be empty")
        roots = np.nonzero(p == -1)[0]
        if roots.size != 1:
            raise ValueError(f"parents must have exactly one root (-1); got {roots.size}")
        if np.any((p < -1) | (p >= m)):
            bad = int(np.nonzero((p < -1) | (p >= m))[0][0])
            raise ValueError(f"node {bad} has parent {int(p[bad])} outside 0..{m - 1}")
        depth = np.full(m, -1, dtype=np.int64)
        root = int(roots[0])
        depth[root] = 0
        for start in range(m):  # resolve depths with path walking, detecting cycles
            path = []
            u = start
            while depth[u] < 0:
                path.append(u)
                u = int(p[u])
                if len(path) > m:
                    raise ValueError(f"parents contain a cycle through node {start}")
            for k, w in enumerate(reversed(path)):
                depth[w] = depth[u] + k + 1
        has_child = np.zeros(m, dtype=bool)
        has_child[p[p >= 0]] = True
        leaves = np.nonzero(~has_child)[0]
        if m == 1:
            return cls([np.zeros(1, dtype=np.int64)], meta=meta)
        big_l = int(depth[leaves].max())
        # node u (internal) sits at level L - depth(u); a leaf of depth t is present
        # at every level 0 .. L - t (unary copies below its real position)
        level_of = big_l - depth
        first_leaf = np.full(m, m, dtype=np.int64)  # position of the first leaf below
        for pos, leaf in enumerate(leaves):
            u = int(leaf)
            while u != -1 and first_leaf[u] > pos:
                first_leaf[u] = pos
                u = int(p[u])
        index: list[dict[int, int]] = [dict() for _ in range(big_l + 1)]
        for lvl in range(big_l + 1):
            members = [int(u) for u in leaves if level_of[u] >= lvl]
            members += [int(u) for u in np.nonzero(has_child & (level_of == lvl))[0]]
            # order nodes by their first leaf, so every level follows token order
            for u in sorted(members, key=lambda w: first_leaf[w]):
                index[lvl][u] = len(index[lvl])
        levels = []
        for lvl in range(big_l):
            a = np.empty(len(index[lvl]), dtype=np.int64)
            for u, pos in index[lvl].items():
                up = u if (not has_child[u] and level_of[u] > lvl) else int(p[u])
                a[pos] = index[lvl + 1][up]
            levels.append(a)
        return cls(levels, meta=meta)

    @classmethod
    def from_tiling(cls, tiling: Any) -> Tree:
        """Tree whose scales are the rings of a hyperbolic tiling.

        Leaves are the boundary legs (``tiling.boundary_edges``, CCW); the parent
        of a boundary leg is its tile; the parent of a tile in ring ``r > 1`` is
        its neighbour in ring ``r - 1`` with the lowest index (the inward
        neighbour of the tiling's breadth-first layering), and the centre tile is
        the root. So level ``l`` of the tree is (a subset of) ring
        ``layers - l + 1`` of the tiling.

        Examples
        --------
        >>> class _Tile:
        ...     def __init__(self, index, layer, neighbors):
        ...         self.index, self.layer, self.neighbors = index, layer, neighbors
        >>> class _Tiling:  # a centre with two outer tiles, two boundary legs each
        ...     tiles = [_Tile(0, 1, (1, 2)), _Tile(1, 2, (0, None, None)),
        ...              _Tile(2, 2, (0, None, None))]
        ...     boundary_edges = [(1, 1), (1, 2), (2, 1), (2, 2)]
        >>> t = Tree.from_tiling(_Tiling())
        >>> t.level_sizes, t.meta["tiles"]
        ([4, 2, 1], [[1, 2], [0]])
        """
        tiles = list(tiling.tiles)
        edges = list(tiling.boundary_edges)
        if not edges:
            raise ValueError("the tiling has no boundary edges")
        n_tiles = len(tiles)
        parent = np.full(n_tiles + len(edges), -1, dtype=np.int64)
        # numbering: leaves 0..n_b-1, then tile t -> n_b + t
        nb = len(edges)
        for leaf, (tile, _edge) in enumerate(edges):
            parent[leaf] = nb + int(tile)
        tile_parent: dict[int, int] = {}
        pending = []
        for t in tiles:
            if t.layer <= 1:
                continue
            inward = [int(u) for u in t.neighbors
                      if u is not None and tiles[int(u)].layer == t.layer - 1]
            if inward:
                tile_parent[int(t.index)] = min(inward)
            else:
                pending.append(t)
        # a tile touching ring r-1 only at a vertex (vertex convention) joins the
        # parent of its lowest-index same-ring edge neighbour that has one
        while pending:
            left = []
            for t in pending:
                same = sorted(int(u) for u in t.neighbors
                              if u is not None and int(u) in tile_parent
                              and tiles[int(u)].layer == t.layer)
                if same:
                    tile_parent[int(t.index)] = tile_parent[same[0]]
                else:
                    left.append(t)
            if len(left) == len(pending):
                raise ValueError(f"tile {left[0].index} in ring {left[0].layer} is not "
                                 f"connected to ring {left[0].layer - 1}")
            pending = left
        for child, par in tile_parent.items():
            parent[nb + child] = nb + par
        centre = [int(t.index) for t in tiles if t.layer <= 1]
        if len(centre) != 1:
            raise ValueError(f"expected one centre tile in ring 1; got {len(centre)}")
        # tiles without boundary legs and without children would become leaves: drop
        # them by re-rooting only the tiles that carry boundary legs below them
        keep = np.zeros(parent.size, dtype=bool)
        for leaf in range(nb):
            u = leaf
            while u != -1 and not keep[u]:
                keep[u] = True
                u = int(parent[u])
        new_id = -np.ones(parent.size, dtype=np.int64)
        new_id[keep] = np.arange(int(keep.sum()))
        kept_parent = np.where(parent[keep] >= 0, new_id[np.maximum(parent[keep], 0)], -1)
        tree = cls.from_parents(kept_parent)
        rings: dict[int, list[int]] = {}
        for t in tiles:
            if keep[nb + int(t.index)]:
                rings.setdefault(int(t.layer), []).append(int(t.index))
        tree.meta.update({"kind": "tiling", "boundary_edges": [list(map(int, e)) for e in edges],
                          "tiles": [sorted(rings[r]) for r in sorted(rings, reverse=True)]})
        return tree

    @classmethod
    def from_mera(cls, mera: Any = None, *, kind: str | None = None,
                  n_sites: int | None = None) -> Tree:
        """Tree of a MERA's coarse-graining: each isometry's inputs are siblings.

        A binary (or modified binary) MERA's isometries map 2 sites to 1, a
        ternary MERA's 3 to 1, so the coarse-graining tree is
        ``fixed_windows(n_sites, [b, b, ...])`` with ``b = 2`` or ``3``; the
        disentanglers do not change the tree (they act within a layer; see
        :func:`holonet.attention.mera_attention` for the pattern they add).
        Accepts a :class:`holonet.mera.MERA`-like object with ``kind``
        (``'binary'``, ``'ternary'``, ``'modified_binary'``) and ``n_sites``
        attributes, or the two values as keywords. The top sites of a finite
        MERA are joined under the root.

        Examples
        --------
        >>> Tree.from_mera(kind="binary", n_sites=8).level_sizes
        [8, 4, 2, 1]
        >>> Tree.from_mera(kind="ternary", n_sites=9).level_sizes
        [9, 3, 1]
        """
        from holonet._options import check_option

        if mera is not None:
            kind = getattr(mera, "kind", kind)
            n_sites = getattr(mera, "n_sites", n_sites)
            if n_sites is None and hasattr(mera, "L"):
                n_sites = int(mera.L)
        if kind is None or n_sites is None:
            raise ValueError("from_mera needs a MERA (with kind and n_sites) or kind= and "
                             "n_sites=")
        kind = check_option("MERA kind", kind, ("binary", "ternary", "modified_binary"))
        b = 3 if kind == "ternary" else 2
        n_sites = check_int("n_sites", n_sites, minimum=1)
        n_levels = max(1, int(np.ceil(np.log(n_sites) / np.log(b) - 1e-9)))
        tree = cls.fixed_windows(n_sites, [b] * n_levels)
        tree.meta.update({"kind": "mera", "mera_kind": kind})
        return tree
