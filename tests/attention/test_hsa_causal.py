"""Causal HSA: the definition materialised independently of the DP, and no leak from the future.

Definition (theory/attention.md §2): query ``i`` keeps itself and every block of
its (non-causal) partition whose leaves all precede ``i``; a block straddling
``i`` or after it gets zero weight; the kept blocks are tied to
``exp(q_i·k̄_B/√d)`` with size ``|B|``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import logsumexp

from holonet.attention import Tree, hsa, hsa_matrix, mera_attention
from holonet.backend import asarray, to_numpy
from tests.attention._trees import parent_arrays


def _causal_reference(q, k, tree, include_self=True, valid=None):
    """The ``N×N`` causal HSA matrix built from ``tree.blocks`` (one batch, float64)."""
    n, d = q.shape
    valid = np.ones(n, dtype=bool) if valid is None else valid
    a = np.zeros((n, n))
    for i in range(n):
        cols, logits = [], []
        if include_self and valid[i]:
            cols.append(np.array([i]))
            logits.append(q[i] @ k[i] / math.sqrt(d))
        for b in tree.blocks(i):
            if b.max() >= i:          # straddles the query or lies after it
                continue
            b = b[valid[b]]
            if b.size == 0:
                continue
            cols.append(b)
            logits.append(q[i] @ k[b].mean(0) / math.sqrt(d) + math.log(b.size))
        if not cols:
            continue
        lg = np.array(logits)
        p = np.exp(lg - logsumexp(lg))
        for c, pb in zip(cols, p):
            a[i, c] = pb / c.size
    return a


def _windows():
    return [Tree.fixed_windows(n, br) for n, br in
            [(23, [4, 3]), (64, [4, 4, 4]), (37, [3, 2, 2]), (16, [16]), (1, [3]), (50, [7, 2])]]


@pytest.mark.parametrize("tree", _windows(), ids=repr)
@pytest.mark.parametrize("include_self", [True, False])
def test_window_causal_equals_the_definition(backend, rng, tree, include_self):
    n = tree.n_leaves
    q, k, v = rng.standard_normal((3, 2, n, 5)) * 1.5
    pad = rng.random((2, n)) < 0.25
    for mask in (None, pad):
        got = to_numpy(hsa(*(asarray(x, like=backend) for x in (q, k, v)), tree, include_self,
                           None if mask is None else asarray(mask, like=backend), causal=True))
        for b in range(2):
            a = _causal_reference(q[b], k[b], tree, include_self,
                                  None if mask is None else ~mask[b])
            np.testing.assert_allclose(got[b], a @ v[b], rtol=0, atol=1e-12)
        mat = hsa_matrix(q, k, tree, include_self, mask, causal=True)
        ref = np.stack([_causal_reference(q[b], k[b], tree, include_self,
                                          None if mask is None else ~mask[b])
                        for b in range(2)])
        np.testing.assert_allclose(mat, ref, rtol=0, atol=1e-12)


def test_window_causal_sees_every_past_token_and_no_future_one(rng):
    """Blocks of a window tree never straddle a query: the causal row covers all j <= i."""
    tree = Tree.fixed_windows(40, [4, 3, 2])
    q, k = rng.standard_normal((2, 40, 6))
    a = hsa_matrix(q, k, tree, causal=True)
    assert np.all(np.triu(a, 1) == 0)
    assert np.all(a[np.tril_indices(40)] > 0)
    np.testing.assert_allclose(a.sum(-1), 1.0, atol=1e-12)
    # the leaf window is token-causal: leaf 6 (window 4..7) sees 4, 5, 6 one by one
    flat = np.exp(q[6] @ k[4:7].T / math.sqrt(6))
    np.testing.assert_allclose(a[6, 4:7] / a[6, 4:7].sum(), flat / flat.sum(), atol=1e-12)


@st.composite
def _random_tree(draw):
    """Random parent arrays, including nodes whose leaves are not contiguous."""
    parents, seed = draw(parent_arrays(40, depth=4, shuffle=True))
    return Tree.from_parents(parents), seed


@settings(max_examples=30, deadline=None)
@given(_random_tree(), st.booleans(), st.booleans())
def test_general_causal_equals_the_definition(spec, include_self, masked):
    tree, seed = spec
    n = tree.n_leaves
    r = np.random.default_rng(seed)
    q, k, v = r.standard_normal((3, 2, n, 4)) * 2.0
    mask = (r.random((2, n)) < 0.3) if masked else None
    got = hsa(q, k, v, tree, include_self, mask, causal=True)
    got_t = to_numpy(hsa(*(torch.tensor(x) for x in (q, k, v)), tree, include_self,
                         None if mask is None else torch.tensor(mask), causal=True))
    for b in range(2):
        a = _causal_reference(q[b], k[b], tree, include_self,
                              None if mask is None else ~mask[b])
        np.testing.assert_allclose(got[b], a @ v[b], rtol=0, atol=1e-11)
        np.testing.assert_allclose(got_t[b], a @ v[b], rtol=0, atol=1e-11)


def test_general_tree_straddling_block_gets_no_weight(rng):
    """Leaves 0, 2 under node A and 1, 3 under node B (interleaved): for query 2, block B =
    {1, 3} straddles it and is dropped (so leaf 1, although past, is unseen)."""
    tree = Tree.from_parents([4, 5, 4, 5, 6, 6, -1])
    q, k = rng.standard_normal((2, 4, 3))
    a = hsa_matrix(q, k, tree, causal=True)
    assert [b.tolist() for b in tree.blocks(2)] == [[0], [1, 3]]
    assert a[2, 1] == 0 and a[2, 3] == 0 and a[2, 0] > 0 and a[2, 2] > 0
    # query 3: blocks {1} (sibling) and {0, 2} (entirely in the past) are both kept
    assert np.all(a[3] > 0)


def test_causal_row_is_the_kl_projection_onto_past_blocks(rng):
    """Among block-tied rows supported on the allowed blocks, the causal HSA row minimises
    KL(θ ‖ causal softmax): random tied, sum-preserving perturbations only increase it."""
    n, d = 24, 4
    tree = Tree.fixed_windows(n, [3, 2, 2])
    q, k = rng.standard_normal((2, n, d))
    a = hsa_matrix(q, k, tree, causal=True)
    for i in (5, 13, 23):
        s = q[i] @ k[: i + 1].T / math.sqrt(d)
        flat = np.exp(s - logsumexp(s))
        blocks = [np.array([i])] + [b for b in tree.blocks(i) if b.max() < i]
        row = a[i, : i + 1]

        def kl(theta, flat=flat):
            return float(np.sum(theta * (np.log(theta) - np.log(flat))))

        base = kl(row)
        for _ in range(50):
            delta = rng.standard_normal(len(blocks)) * 1e-3
            delta -= delta.mean()                        # keep the row normalised
            t = row.copy()
            for b, dl in zip(blocks, delta):
                t[b] *= math.exp(dl)
            t /= t.sum()
            assert kl(t) >= base - 1e-15


# ---------------------------------------------------------------------------------
# leak tests: a later token never changes an earlier output, forward or gradient


def _leak_check(fn, n, t, seed):
    g = torch.Generator().manual_seed(seed)
    q, k, v = (torch.randn(2, n, 4, dtype=torch.float64, generator=g) for _ in range(3))
    base = fn(q, k, v)
    q2, k2, v2 = q.clone(), k.clone(), v.clone()
    for x in (q2, k2, v2):
        x[:, t + 1:] += 10 * torch.randn(x[:, t + 1:].shape, dtype=x.dtype, generator=g)
    pert = fn(q2, k2, v2)
    assert torch.equal(base[:, : t + 1], pert[:, : t + 1])     # bit-identical
    assert not torch.allclose(base[:, t + 1:], pert[:, t + 1:])
    xs = [x.clone().requires_grad_() for x in (q, k, v)]
    out = fn(*xs)
    grads = torch.autograd.grad(out[:, : t + 1].square().sum(), xs)
    for gr in grads:
        assert torch.count_nonzero(gr[:, t + 1:]) == 0
    if torch.count_nonzero(base[:, : t + 1]):   # (the first token without itself sees nothing)
        assert any(torch.count_nonzero(gr[:, : t + 1]) > 0 for gr in grads)


@pytest.mark.parametrize("t", [0, 5, 16, 30])
def test_no_leak_window(t):
    tree = Tree.fixed_windows(37, [4, 3, 2])
    mask = torch.zeros(2, 37, dtype=torch.bool)
    mask[1, ::5] = True
    _leak_check(lambda a, b, c: hsa(a, b, c, tree, causal=True), 37, t, t)
    _leak_check(lambda a, b, c: hsa(a, b, c, tree, False, mask, causal=True), 37, t, t + 1)


@pytest.mark.parametrize("t", [1, 9, 20])
def test_no_leak_general_and_mera(t):
    tree = Tree.from_parents([23, 23, 23, 24, 24, 25, 25, 25, 25, 26, 26, 27, 27, 27, 28, 28,
                              28, 28, 29, 29, 30, 30, 30, 31, 31, 31, 32, 32, 32, 32, 33, 33,
                              33, -1])
    assert tree.n_leaves == 23
    _leak_check(lambda a, b, c: hsa(a, b, c, tree, causal=True), 23, t, t)
    _leak_check(lambda a, b, c: mera_attention(a, b, c, "binary", causal=True), 23, t, t + 2)
