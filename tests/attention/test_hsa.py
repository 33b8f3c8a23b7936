"""Hierarchical self-attention: DP vs materialised matrix vs the block formula."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from holonet.attention import Tree, dense_flops, hsa, hsa_dense, hsa_flops, hsa_matrix
from holonet.backend import asarray, to_numpy
from tests.attention._trees import parent_arrays


def _softmax_attention(q, k, v):
    s = q @ np.swapaxes(k, -1, -2) / math.sqrt(q.shape[-1])
    w = np.exp(s - s.max(-1, keepdims=True))
    return (w / w.sum(-1, keepdims=True)) @ v


def _brute_force(q, k, v, tree, include_self=True):
    """The HSA formula written out per query from ``tree.blocks`` (one batch)."""
    n, d = q.shape
    out = np.zeros((n, v.shape[-1]))
    for i in range(n):
        logits, vals, sizes = [], [], []
        if include_self:
            logits.append(q[i] @ k[i] / math.sqrt(d))
            vals.append(v[i])
            sizes.append(1)
        for b in tree.blocks(i):
            logits.append(q[i] @ k[b].mean(0) / math.sqrt(d))
            vals.append(v[b].mean(0))
            sizes.append(len(b))
        if not logits:
            continue  # nothing to attend to: zero output
        lg = np.array(logits)
        w = np.array(sizes) * np.exp(lg - lg.max())
        out[i] = (w[:, None] * np.array(vals)).sum(0) / w.sum()
    return out


def _prune(tree: Tree, keep: np.ndarray) -> Tree:
    """The tree with the leaves where ``keep`` is False removed (and emptied nodes)."""
    parents = tree.to_parents()
    n = tree.n_leaves
    alive = np.zeros(parents.size, dtype=bool)
    for leaf in np.nonzero(keep)[0]:
        u = int(leaf)
        while u != -1 and not alive[u]:
            alive[u] = True
            u = int(parents[u])
    new = -np.ones(parents.size, dtype=np.int64)
    new[alive] = np.arange(alive.sum())
    assert np.all(new[:n][keep] == np.arange(keep.sum()))
    return Tree.from_parents(np.where(parents[alive] >= 0, new[np.maximum(parents[alive], 0)],
                                      -1))


@pytest.mark.parametrize("include_self", [True, False])
def test_flat_tree_is_softmax_attention(backend, rng, include_self):
    q, k, v = rng.standard_normal((3, 2, 3, 33, 8))
    tree = Tree.fixed_windows(33, [33])
    out = to_numpy(hsa(asarray(q, like=backend), asarray(k, like=backend),
                       asarray(v, like=backend), tree, include_self))
    if include_self:
        ref = _softmax_attention(q, k, v)
    else:
        s = q @ np.swapaxes(k, -1, -2) / math.sqrt(8)
        s[..., np.arange(33), np.arange(33)] = -np.inf
        w = np.exp(s - s.max(-1, keepdims=True))
        ref = (w / w.sum(-1, keepdims=True)) @ v
    assert out.shape == (2, 3, 33, 8)
    np.testing.assert_allclose(out, ref, rtol=0, atol=1e-12)
    # the general-tree path (no branching metadata) agrees too
    general = to_numpy(hsa(asarray(q, like=backend), asarray(k, like=backend),
                           asarray(v, like=backend), Tree(tree.levels), include_self))
    np.testing.assert_allclose(general, ref, rtol=0, atol=1e-12)


def test_flat_tree_matches_torch_sdpa(rng):
    import torch

    q, k, v = (torch.tensor(x) for x in rng.standard_normal((3, 2, 4, 50, 16)))
    ref = torch.nn.functional.scaled_dot_product_attention(q, k, v)
    out = hsa(q, k, v, Tree.fixed_windows(50, [50]))
    assert float((out - ref).abs().max()) < 1e-12


@pytest.mark.parametrize("n, branching", [(64, [4, 4]), (37, [3, 2, 2]), (100, [16, 8]),
                                          (1, [2]), (10, [1, 3])])
@pytest.mark.parametrize("include_self", [True, False])
def test_hsa_matches_block_formula(rng, n, branching, include_self):
    q, k, v = rng.standard_normal((3, n, 5))
    tree = Tree.fixed_windows(n, branching)
    ref = _brute_force(q, k, v, tree, include_self)
    np.testing.assert_allclose(hsa(q, k, v, tree, include_self), ref, rtol=0, atol=1e-12)
    np.testing.assert_allclose(hsa(q, k, v, Tree(tree.levels), include_self), ref,
                               rtol=0, atol=1e-12)
    np.testing.assert_allclose(hsa_dense(q, k, v, tree, include_self), ref, rtol=0,
                               atol=1e-12)


@st.composite
def _random_parents(draw):
    """A random tree: leaves at random depths, random branching, up to 512 leaves."""
    parents, seed = draw(parent_arrays(512, max_window=8))
    return np.array(parents), seed


@settings(max_examples=25, deadline=None)
@given(_random_parents(), st.booleans(), st.booleans())
def test_hsa_equals_hsa_dense_on_random_trees(spec, include_self, masked):
    parents, seed = spec
    tree = Tree.from_parents(parents)
    n = tree.n_leaves
    r = np.random.default_rng(seed)
    q, k, v = r.standard_normal((3, 2, n, 4)) * 2.0
    mask = (r.random((2, n)) < 0.3) if masked else None
    a = hsa(q, k, v, tree, include_self, mask)
    b = hsa_dense(q, k, v, tree, include_self, mask)
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-11)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 512), st.lists(st.integers(1, 20), min_size=1, max_size=4),
       st.booleans(), st.integers(0, 2**32 - 1))
def test_window_fast_path_equals_hsa_dense(n, branching, include_self, seed):
    tree = Tree.fixed_windows(n, branching)
    r = np.random.default_rng(seed)
    q, k, v = r.standard_normal((3, n, 6))
    mask = r.random(n) < 0.25
    np.testing.assert_allclose(hsa(q, k, v, tree, include_self, mask),
                               hsa_dense(q, k, v, tree, include_self, mask),
                               rtol=0, atol=1e-11)


@pytest.mark.parametrize("fast", [True, False])
def test_key_padding_equals_deleting_the_padded_tokens(rng, fast):
    n = 45
    tree = Tree.fixed_windows(n, [4, 3])
    if not fast:
        tree = Tree(tree.levels)
    q, k, v = rng.standard_normal((3, n, 5))
    pad = rng.random(n) < 0.35
    pad[4:8] = True  # a whole window padded: its block must vanish, not count as zero
    out = hsa(q, k, v, tree, key_padding_mask=pad)
    keep = ~pad
    small = _prune(tree, keep)
    ref = _brute_force(q[keep], k[keep], v[keep], small)
    np.testing.assert_allclose(out[keep], ref, rtol=0, atol=1e-12)
    # padded queries still query, with padded keys excluded
    a = hsa_matrix(q, k, tree, key_padding_mask=pad)
    assert np.all(a[:, pad] == 0)
    np.testing.assert_allclose(a.sum(-1), 1.0, atol=1e-12)


def test_matrix_is_row_stochastic_and_block_tied(rng):
    tree = Tree.fixed_windows(32, [4, 2, 2])
    q, k = rng.standard_normal((2, 32, 6))
    a = hsa_matrix(q, k, tree, include_self=False)
    np.testing.assert_allclose(a.sum(-1), 1.0, atol=1e-12)
    assert np.all(np.diag(a) == 0)
    for i in (0, 13, 31):
        for b in tree.blocks(i):
            assert np.ptp(a[i, b]) < 1e-15
            # the tied weight is the geometric mean of the flat weights, normalised
            flat = np.exp(q[i] @ k[b].T / math.sqrt(6))
            ratio = a[i, b[0]] / np.exp(np.log(flat).mean())
            ratio0 = a[i, tree.blocks(i)[0][0]] / np.exp(np.log(np.exp(
                q[i] @ k[tree.blocks(i)[0]].T / math.sqrt(6))).mean())
            assert abs(ratio - ratio0) < 1e-12 * ratio0


def test_torch_autograd_flows(rng):
    import torch

    n = 24
    tree = Tree.fixed_windows(n, [4, 3])
    mask = torch.tensor(rng.random((2, n)) < 0.3)
    q, k, v = (torch.tensor(x, requires_grad=True) for x in rng.standard_normal((3, 2, n, 3)))
    assert torch.autograd.gradcheck(lambda a, b, c: hsa(a, b, c, tree, True, mask), (q, k, v),
                                    fast_mode=True)
    assert torch.autograd.gradcheck(lambda a, b, c: hsa(a, b, c, Tree(tree.levels), False),
                                    (q, k, v), fast_mode=True)


def test_float32_stays_float32_and_is_stable(backend, rng):
    q, k, v = (asarray(x.astype(np.float32) * 30, like=backend)
               for x in rng.standard_normal((3, 2, 64, 8)))
    out = hsa(q, k, v, Tree.fixed_windows(64, [8, 4]))
    assert "float32" in str(out.dtype)
    o = to_numpy(out)
    assert np.all(np.isfinite(o))
    ref = hsa_dense(*(to_numpy(x).astype(np.float64) for x in (q, k, v)),
                    Tree.fixed_windows(64, [8, 4]))
    np.testing.assert_allclose(o, ref, rtol=0, atol=2e-3 * np.abs(ref).max())


def test_bad_inputs(rng):
    q = rng.standard_normal((5, 3))
    with pytest.raises(ValueError, match="tree has 4 leaves"):
        hsa(q, q, q, Tree.fixed_windows(4, [2]))
    with pytest.raises(ValueError, match="k must have the shape"):
        hsa(q, q[:4], q, Tree.fixed_windows(5, [2]))
    with pytest.raises(TypeError, match="Tree"):
        hsa(q, q, q, [2, 2])
    with pytest.raises(ValueError, match="key_padding_mask"):
        hsa(q, q, q, Tree.fixed_windows(5, [2]), key_padding_mask=np.zeros(4, bool))


def test_flops_counts():
    tree = Tree.fixed_windows(512, [16, 8, 4, 2])
    assert dense_flops(512, 64) == 2 * 512 * 512 * 128 + 2 * 512 * 512
    # 16 + 8 + 4 sibling scores per leaf at 2(d + dv) + 2 FLOPs each, plus the sums
    per_pair = 2 * 64 + 2 * 64 + 2
    expected = 512 * (16 + 8 + 4) * per_pair + (512 + 32 + 4) * 129 + 512 * 64
    assert hsa_flops(tree, 64) == expected


@pytest.mark.parametrize("n, branching", [(37, [3, 2, 2]), (64, [4, 4, 4]), (100, [16, 8])])
def test_every_backend_matches_the_reference(backend, rng, n, branching):
    tree = Tree.fixed_windows(n, branching)
    q, k, v = rng.standard_normal((3, 2, n, 5))
    mask = rng.random((2, n)) < 0.3
    for include_self in (True, False):
        for km in (None, mask):
            out = hsa(*(asarray(x, like=backend) for x in (q, k, v)), tree, include_self,
                      None if km is None else asarray(km, like=backend))
            ref = hsa_dense(q, k, v, tree, include_self, km)
            np.testing.assert_allclose(to_numpy(out), ref, rtol=0, atol=1e-12)


@pytest.mark.parametrize("group", [1, 3, 64])
def test_general_dp_instances_equal_reference(backend, rng, monkeypatch, group):
    """The general-tree DP cuts each ancestor's leaves into instances of <= _MAX_GROUP
    (split and padded); every size gives the reference result."""
    from holonet.attention import _general

    monkeypatch.setattr(_general, "_MAX_GROUP", group)
    monkeypatch.setattr(_general, "STRUCTURE_CACHE", _general.ByteLRU(2**20))
    for n, branching in [(100, [4, 2, 3]), (37, [3, 2, 2])]:
        tree = Tree(Tree.fixed_windows(n, branching).levels)
        q, k, v = rng.standard_normal((3, 2, n, 3))
        mask = rng.random((2, n)) < 0.3
        x = [asarray(a, like=backend) for a in (q, k, v)]
        for km in (None, mask):
            kmb = None if km is None else asarray(km, like=backend)
            for causal in (False, True):
                np.testing.assert_allclose(
                    to_numpy(hsa(*x, tree, False, kmb, causal=causal)),
                    hsa_dense(q, k, v, tree, False, km, causal=causal), atol=1e-12)


def test_torch_gradients_through_the_padded_window_path(rng):
    """Partial windows pad the leaves; padded rows must not leak NaN into gradients."""
    import torch

    for n, branching, include_self in [(23, [4, 3], False), (17, [4, 4, 4], True), (2, [2], False)]:
        tree = Tree.fixed_windows(n, branching)
        q, k, v = (torch.tensor(x, requires_grad=True) for x in rng.standard_normal((3, n, 3)))
        assert torch.autograd.gradcheck(lambda a, b, c, t=tree, s=include_self:
                                        hsa(a, b, c, t, s), (q, k, v), fast_mode=True)
        # and no NaN anywhere in the full backward pass
        hsa(q, k, v, tree, include_self).pow(2).sum().backward()
        assert all(bool(torch.isfinite(x.grad).all()) for x in (q, k, v))
