"""Tree constructors: window trees, parent arrays, levels, blocks."""

from __future__ import annotations

import numpy as np
import pytest

from holonet.attention import Tree


def _partition_ok(tree: Tree) -> None:
    """The blocks of every query, plus the query itself, partition the leaves."""
    n = tree.n_leaves
    for i in range(n):
        seen = np.zeros(n, dtype=int)
        seen[i] += 1
        for b in tree.blocks(i):
            seen[b] += 1
        assert np.all(seen == 1), (i, seen)


def test_fixed_windows_sizes_and_partial_windows():
    t = Tree.fixed_windows(100, [16, 8])
    assert t.level_sizes == [100, 7, 1]
    assert t.branching == (16, 7)
    assert t.leaf_counts(1).tolist() == [16] * 6 + [4]
    t = Tree.fixed_windows(512, [16, 8, 4, 2])
    assert t.level_sizes == [512, 32, 4, 1]
    t = Tree.fixed_windows(16384, [16, 8, 4, 2])
    assert t.level_sizes == [16384, 1024, 128, 32, 16, 1]  # the rest joined under the root
    _partition_ok(Tree.fixed_windows(23, [3, 2, 2]))


def test_flat_tree():
    t = Tree.fixed_windows(9, [9])
    assert t.is_flat() and t.depth == 1
    assert [b.tolist() for b in t.blocks(4)] == [[0], [1], [2], [3], [5], [6], [7], [8]]
    assert Tree.fixed_windows(9, [50]).is_flat()


def test_blocks_of_a_binary_tree():
    t = Tree.fixed_windows(8, [2, 2, 2])
    assert [b.tolist() for b in t.blocks(5)] == [[4], [6, 7], [0, 1, 2, 3]]
    lev, node = t.block_index()
    assert lev[5].tolist() == [2, 2, 2, 2, 0, 0, 1, 1]
    assert node[5, 0] == 0 and node[5, 6] == 3


def test_from_parents_uneven_depths_matches_blocks():
    # leaves 0..4; 5 = {0, 1}; 6 = {5, 2}; root 7 = {6, 3, 4}
    t = Tree.from_parents([5, 5, 6, 7, 7, 6, 7, -1])
    assert t.n_leaves == 5 and t.depth == 3
    assert [b.tolist() for b in t.blocks(0)] == [[1], [2], [3], [4]]
    assert [b.tolist() for b in t.blocks(3)] == [[0, 1, 2], [4]]
    _partition_ok(t)
    # the normal form round-trips through to_parents
    assert Tree.from_parents(t.to_parents()) == t


def test_from_levels_and_equality():
    a = Tree.from_levels([[0, 0, 1, 1, 2, 2], [0, 0, 1]])
    assert a.level_sizes == [6, 3, 2, 1]
    assert a == Tree(a.levels)
    assert a == Tree.fixed_windows(6, [2, 2])  # same grouping, built two ways
    assert a != Tree.from_levels([[0, 0, 0, 1, 1, 1]])


@pytest.mark.parametrize("parents, match", [
    ([1, -1, -1], "exactly one root"),
    ([1, 2, 0, -1], "cycle"),
    ([5, -1], "outside"),
])
def test_from_parents_rejects_bad_input(parents, match):
    with pytest.raises(ValueError, match=match):
        Tree.from_parents(parents)


def test_fixed_windows_rejects_bad_input():
    with pytest.raises(ValueError, match="n must be >= 1"):
        Tree.fixed_windows(0, [2])
    with pytest.raises(ValueError, match="window size must be >= 1"):
        Tree.fixed_windows(4, [0])
    with pytest.raises(TypeError):
        Tree.fixed_windows(4, [2.5])
    with pytest.raises(ValueError, match="at least one"):
        Tree.fixed_windows(4, [])


def test_from_mera_keywords_and_object():
    assert Tree.from_mera(kind="binary", n_sites=16).level_sizes == [16, 8, 4, 2, 1]

    class _M:
        kind, n_sites = "ternary", 27

    assert Tree.from_mera(_M()).level_sizes == [27, 9, 3, 1]
    with pytest.raises(ValueError, match="unknown MERA kind"):
        Tree.from_mera(kind="quaternary", n_sites=4)


def test_from_tiling_rings_are_scales():
    from holonet import geometry
    for layers in (1, 2, 3):
        tiling = geometry.HyperbolicTiling(5, 4, layers)
        tree = Tree.from_tiling(tiling)
        assert tree.n_leaves == tiling.n_boundary
        assert tree.depth == layers
        # level 1 groups the boundary legs by their tile
        tiles = [t for t, _e in tiling.boundary_edges]
        lvl1 = tree.ancestors(1)
        for a in range(tree.n_leaves):
            for b in range(tree.n_leaves):
                assert (lvl1[a] == lvl1[b]) == (tiles[a] == tiles[b])
        # level l nodes are tiles of ring layers - l + 1
        for lvl, ring_tiles in enumerate(tree.meta["tiles"], start=1):
            rings = {tiling.tiles[t].layer for t in ring_tiles}
            assert rings == {layers - lvl + 1}
            assert len(ring_tiles) == tree.level_sizes[lvl]
        _partition_ok(tree)


def test_from_mera_with_holonet_mera():
    from holonet import mera
    for kind, n, sizes in [("binary", 16, [16, 8, 4, 2, 1]), ("ternary", 27, [27, 9, 3, 1]),
                           ("modified_binary", 16, [16, 8, 4, 2, 1])]:
        m = mera.MERA(kind, n_sites=n, chi=2)
        t = Tree.from_mera(m)
        assert t.level_sizes == sizes
        assert t.meta["mera_kind"] == kind
