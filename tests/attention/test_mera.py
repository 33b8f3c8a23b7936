"""MERA attention: causal-cone blocks, DP vs materialised matrix, cost."""

from __future__ import annotations

import numpy as np
import pytest

from holonet.attention import Tree, hsa, mera_attention, mera_blocks, mera_matrix
from holonet.backend import asarray, to_numpy


def _cone_level(tree: Tree, i: int, j: int, radius: int) -> int:
    """Independent definition: one below the first level where the ancestors are close."""
    for lvl in range(tree.depth + 1):
        a = tree.ancestors(lvl)
        if abs(int(a[i]) - int(a[j])) <= radius:
            return max(lvl - 1, 0)
    raise AssertionError("the root is shared")


@pytest.mark.parametrize("n, kind", [(16, "binary"), (27, "ternary"), (13, "binary")])
def test_blocks_follow_the_causal_cone(n, kind):
    tree = Tree.from_mera(kind=kind, n_sites=n)
    lev = mera_blocks(n, kind)
    for i in range(n):
        for j in range(n):
            assert lev[i, j] == _cone_level(tree, i, j, 1), (i, j)
    # a query resolves O(b log N) blocks: count distinct (level, node) pairs per row
    lev, node = tree.block_index(1)
    b = 2 if kind == "binary" else 3
    for i in range(n):
        n_blocks = len({(int(x), int(y)) for x, y in zip(lev[i], node[i])})
        assert n_blocks <= (3 * b) * tree.depth


@pytest.mark.parametrize("n, kind", [(32, "binary"), (27, "ternary"), (20, "ternary"),
                                     (1, "binary"), (7, "binary")])
@pytest.mark.parametrize("include_self", [True, False])
def test_dp_equals_matrix(backend, rng, n, kind, include_self):
    q, k, v = rng.standard_normal((3, 2, n, 4))
    mask = rng.random((2, n)) < 0.3
    x = [asarray(a, like=backend) for a in (q, k, v)]
    m = asarray(mask, like=backend)
    for km in (None, m):
        out = to_numpy(mera_attention(*x, kind, include_self, km))
        ref = to_numpy(mera_matrix(x[0], x[1], kind, include_self, km)) @ v
        np.testing.assert_allclose(out, ref, rtol=0, atol=1e-12)


def test_rows_are_stochastic_and_radius_zero_is_hsa(rng):
    n = 24
    q, k, v = rng.standard_normal((3, n, 5))
    ones = np.ones((n, 1))
    np.testing.assert_allclose(mera_attention(q, k, ones), 1.0, atol=1e-12)
    tree = Tree.from_mera(kind="binary", n_sites=n)
    np.testing.assert_allclose(mera_attention(q, k, v, radius=0), hsa(q, k, v, tree),
                               atol=1e-12)
    # the cone pattern differs from the tree pattern (neighbours across a parent boundary)
    assert not np.allclose(mera_attention(q, k, v), hsa(q, k, v, tree))


def test_mera_object_and_errors(rng):
    class _M:
        kind, n_sites = "ternary", 9

    q, k, v = rng.standard_normal((3, 9, 2))
    np.testing.assert_allclose(mera_attention(q, k, v, _M()),
                               mera_attention(q, k, v, "ternary"), atol=0)
    with pytest.raises(ValueError, match="window tree"):
        mera_attention(q, k, v, tree=Tree.from_parents([9] * 9 + [-1]))
    with pytest.raises(ValueError, match="unknown MERA kind"):
        mera_attention(q, k, v, "quaternary")


@pytest.mark.parametrize("kind, n", [("binary", 32), ("ternary", 27)])
def test_radius_one_contains_holonet_mera_causal_cones(kind, n):
    """Cross-check of the derivation against holonet.mera's own causal cones: at every
    level the cone of site i lies within one coarse site of i's ancestor (periodic)."""
    from holonet import mera
    m = mera.MERA(kind, n_sites=n, chi=2)
    tree = Tree.from_mera(m)
    widest = 0
    for i in range(n):
        cone = m.causal_cone([i]).sites
        for lvl in range(1, min(len(cone), tree.depth)):
            size = tree.level_sizes[lvl]
            a = int(tree.ancestors(lvl)[i])
            near = {(a + s) % size for s in (-1, 0, 1)}
            assert set(cone[lvl]) <= near, (i, lvl, cone[lvl], a)
            widest = max(widest, len(cone[lvl]))
    assert widest == mera.CONE_WIDTH[kind]
