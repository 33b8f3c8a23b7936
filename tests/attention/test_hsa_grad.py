"""The hand-written backward pass of the HSA operators (torch custom operators).

Two independent checks: ``torch.autograd.gradcheck`` (finite differences, float64)
and agreement with autograd through the materialised reference ``hsa_dense``
(plain torch ops, no custom backward).
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from holonet.attention import Tree, hsa, hsa_dense, mera_attention, mera_matrix
from tests.attention._trees import parent_arrays

WINDOW = Tree.fixed_windows(11, [3, 2])          # partial windows: padded leaves
# leaves 0..6; 7 = {0, 1}, 8 = {2, 3, 4}, 9 = {7, 8}, root 10 = {9, 5, 6}: uneven depths
GENERAL = Tree.from_parents([7, 7, 8, 8, 8, 10, 10, 9, 9, 10, -1])


def _qkv(seed: int, n: int, batch: tuple[int, ...] = (2,), d: int = 3, dv: int = 2):
    g = torch.Generator().manual_seed(seed)
    shape = batch + (n,)
    return (torch.randn(shape + (d,), generator=g, dtype=torch.float64, requires_grad=True),
            torch.randn(shape + (d,), generator=g, dtype=torch.float64, requires_grad=True),
            torch.randn(shape + (dv,), generator=g, dtype=torch.float64, requires_grad=True))


@pytest.mark.parametrize("tree", [WINDOW, GENERAL], ids=["window", "general"])
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("masked", [False, True])
def test_gradcheck(tree, causal, include_self, masked):
    n = tree.n_leaves
    q, k, v = _qkv(n + 7 * causal + 3 * include_self + masked, n)
    mask = torch.zeros(2, n, dtype=torch.bool)
    if masked:
        mask[0, [1, 4, 5]] = True
        mask[1, -2:] = True
    km = mask if masked else None
    # the full Jacobian for the hardest combination, a random projection for the others
    full = causal and masked and not include_self
    assert torch.autograd.gradcheck(
        lambda a, b, c: hsa(a, b, c, tree, include_self, km, causal=causal), (q, k, v),
        atol=1e-9, rtol=1e-7, fast_mode=not full)


@pytest.mark.parametrize("causal", [False, True])
def test_gradcheck_mera_cone(causal):
    q, k, v = _qkv(5, 11)
    assert torch.autograd.gradcheck(
        lambda a, b, c: mera_attention(a, b, c, "binary", causal=causal), (q, k, v),
        atol=1e-9, rtol=1e-7, fast_mode=True)
    q, k, v = _qkv(6, 10)
    mask = torch.tensor([[False] * 7 + [True] * 3, [True] + [False] * 9])
    assert torch.autograd.gradcheck(
        lambda a, b, c: mera_attention(a, b, c, "ternary", False, mask, causal=causal),
        (q, k, v), atol=1e-9, rtol=1e-7, fast_mode=True)


def _grads(fn, q, k, v, w):
    out = fn(q, k, v)
    return torch.autograd.grad((out * w).sum(), (q, k, v))


@pytest.mark.parametrize("n, branching", [(64, [4, 4, 4]), (70, [16, 8]), (37, [3, 2, 2]),
                                          (1, [2]), (30, [30])])
@pytest.mark.parametrize("causal", [False, True])
def test_window_gradients_equal_autograd_through_the_dense_reference(n, branching, causal):
    tree = Tree.fixed_windows(n, branching)
    q, k, v = _qkv(n, n, batch=(2, 3), d=5, dv=4)
    w = torch.randn(2, 3, n, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    mask = torch.rand(2, 1, n, generator=torch.Generator().manual_seed(2)) < 0.3
    for km in (None, mask):
        for inc in (True, False):
            got = _grads(lambda a, b, c, i=inc, m=km: hsa(a, b, c, tree, i, m, causal=causal),
                         q, k, v, w)
            ref = _grads(lambda a, b, c, i=inc, m=km: hsa_dense(a, b, c, tree, i, m,
                                                                causal=causal), q, k, v, w)
            for g, r in zip(got, ref):
                torch.testing.assert_close(g, r, rtol=0, atol=1e-12)


@st.composite
def _random_tree(draw):
    """Random parent arrays: random window sizes, some nodes skipping a level."""
    parents, seed = draw(parent_arrays(60, depth=4))
    return Tree.from_parents(parents), seed


@settings(max_examples=20, deadline=None)
@given(_random_tree(), st.booleans(), st.booleans(), st.booleans())
def test_general_gradients_equal_autograd_through_the_dense_reference(spec, causal, inc, masked):
    tree, seed = spec
    n = tree.n_leaves
    q, k, v = _qkv(seed % 1000, n, batch=(2,), d=4, dv=3)
    g = torch.Generator().manual_seed(seed % 997)
    w = torch.randn(2, n, 3, dtype=torch.float64, generator=g)
    km = (torch.rand(2, n, generator=g) < 0.3) if masked else None
    got = _grads(lambda a, b, c: hsa(a, b, c, tree, inc, km, causal=causal), q, k, v, w)
    ref = _grads(lambda a, b, c: hsa_dense(a, b, c, tree, inc, km, causal=causal), q, k, v, w)
    for x, y in zip(got, ref):
        torch.testing.assert_close(x, y, rtol=0, atol=1e-11)


def test_mera_gradients_equal_autograd_through_the_dense_reference():
    for kind, n in (("binary", 32), ("ternary", 20)):
        q, k, v = _qkv(n, n, batch=(2,), d=4, dv=4)
        w = torch.randn(2, n, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
        for causal in (False, True):
            got = _grads(lambda a, b, c, m=kind, c_=causal: mera_attention(a, b, c, m, causal=c_),
                         q, k, v, w)
            ref = _grads(lambda a, b, c, m=kind, c_=causal: mera_matrix(a, b, m, causal=c_) @ c,
                         q, k, v, w)
            for x, y in zip(got, ref):
                torch.testing.assert_close(x, y, rtol=0, atol=1e-12)


@pytest.mark.parametrize("tree_kind", ["window", "general"])
def test_training_saves_only_linear_memory(tree_kind):
    """The autograd graph keeps q, k, v, the output and one log-sum-exp per query: nothing
    of size N·(Σ b), no node copies per level, no N×N."""
    n, d = 4096, 16
    tree = Tree.fixed_windows(n, [16, 8, 4, 2, 8])
    if tree_kind == "general":
        tree = Tree(tree.levels)
    q, k, v = (torch.randn(2, n, d, requires_grad=True) for _ in range(3))
    saved: list[int] = []

    def pack(t):
        saved.append(t.numel())
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = hsa(q, k, v, tree)
    assert sum(saved) <= 2 * n * (4 * d + 1), saved   # q, k, v, out: 2·N·d each; lse: 2·N
    out.sum().backward()
    assert all(x.grad is not None and bool(torch.isfinite(x.grad).all()) for x in (q, k, v))


def test_gradients_flow_to_each_input_alone():
    """Only some inputs require grad (e.g. frozen keys): the others get None, no error."""
    q, k, v = _qkv(9, 24)
    k = k.detach()
    out = hsa(q, k, v, Tree.fixed_windows(24, [4, 3]), causal=True)
    gq, gv = torch.autograd.grad(out.square().sum(), (q, v))
    assert gq.shape == q.shape and gv.shape == v.shape and k.grad is None


@pytest.mark.parametrize("tree_kind", ["window", "general"])
def test_non_contiguous_inputs_and_expanded_gradients(tree_kind):
    """Views as layers produce them (fused-QKV chunks, a slice of a longer sequence,
    heads by transpose) and the expanded gradient of ``.sum()``: same as contiguous."""
    tree = Tree.fixed_windows(40, [4, 5, 2])
    if tree_kind == "general":
        tree = Tree(tree.levels)
    g = torch.Generator().manual_seed(11)
    base = torch.randn(2, 80, 3, 2, 4, dtype=torch.float64, generator=g)

    def views(x):
        sliced = x[:, :40]                                    # batch stride != N·row stride
        heads = sliced.transpose(1, 3)                        # (2, 2, 3, 40, 4) -> pick below
        return (heads[:, :, 0], heads[:, :, 1], heads[:, :, 2])

    x = base.clone().requires_grad_()
    q, k, v = views(x)
    assert not q.is_contiguous()
    hsa(q, k, v, tree, causal=True).sum().backward()
    y = base.clone().requires_grad_()
    qc, kc, vc = (t.contiguous() for t in views(y))
    hsa_dense(qc, kc, vc, tree, causal=True).sum().backward()
    torch.testing.assert_close(x.grad, y.grad, rtol=0, atol=1e-12)
