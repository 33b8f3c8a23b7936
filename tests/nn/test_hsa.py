"""HSAttention: flat tree == nn.MultiheadAttention, gradcheck, trees, masks, loading."""

from __future__ import annotations

import pytest
import torch

from holonet.attention import Tree, hsa_matrix
from holonet.nn import HSAttention


def _flat(n: int) -> Tree:
    return Tree.fixed_windows(n, [n])


@pytest.mark.parametrize("batch_first", [True, False])
def test_flat_tree_matches_multihead_attention(batch_first: bool) -> None:
    mha = torch.nn.MultiheadAttention(32, 4, batch_first=batch_first).eval()
    hsa = HSAttention.from_multihead_attention(mha, _flat).eval()
    shape = (3, 11, 32) if batch_first else (11, 3, 32)
    q, k, v = torch.randn(3, *shape).unbind(0)
    kpm = torch.zeros(3, 11, dtype=torch.bool)
    kpm[1, 8:] = True
    kpm[2, 0] = True
    for avg in (True, False):
        a, wa = mha(q, k, v, key_padding_mask=kpm, average_attn_weights=avg)
        b, wb = hsa(q, k, v, key_padding_mask=kpm, average_attn_weights=avg,
                    need_weights=True)
        assert (a - b).abs().max() < 1e-6
        assert (wa - wb).abs().max() < 1e-6


def test_flat_tree_matches_unbatched_and_float_mask() -> None:
    mha = torch.nn.MultiheadAttention(8, 2).eval()
    hsa = HSAttention.from_multihead_attention(mha, None)
    x = torch.randn(6, 8)
    fmask = torch.zeros(6)
    fmask[4:] = float("-inf")
    a, _ = mha(x, x, x, key_padding_mask=fmask)
    b, _ = hsa(x, x, x, key_padding_mask=fmask)
    assert (a - b).abs().max() < 1e-6


def test_gradcheck_float64_hierarchical_tree() -> None:
    layer = HSAttention(8, 2, batch_first=True, dtype=torch.float64,
                        tree=lambda n: Tree.fixed_windows(n, [2, 3]))
    x = torch.randn(2, 7, 8, dtype=torch.float64, requires_grad=True)
    kpm = torch.zeros(2, 7, dtype=torch.bool)
    kpm[0, -2:] = True
    assert torch.autograd.gradcheck(
        lambda t: layer(t, t, t, key_padding_mask=kpm, need_weights=False)[0], (x,))


def test_gradcheck_float64_general_tree_and_parameters() -> None:
    tree = Tree.from_parents([6, 6, 7, 7, 7, 8, 8, 8, -1])
    layer = HSAttention(4, 1, batch_first=True, dtype=torch.float64, tree=tree)
    x = torch.randn(1, 6, 4, dtype=torch.float64)
    w = layer.in_proj_weight.detach().clone().requires_grad_(True)

    def f(weight: torch.Tensor) -> torch.Tensor:
        return torch.func.functional_call(layer, {"in_proj_weight": weight},
                                          (x, x, x), {"need_weights": False})[0]

    assert torch.autograd.gradcheck(f, (w,))


def test_weights_are_the_block_tied_hsa_matrix() -> None:
    tree = Tree.fixed_windows(12, [3, 2])
    layer = HSAttention(8, 2, batch_first=True, tree=tree)
    x = torch.randn(1, 12, 8)
    out, w = layer(x, x, x, need_weights=True, average_attn_weights=False)
    q, k, v = layer.project(x, x, x)
    ref = hsa_matrix(q, k, tree)
    assert torch.allclose(w, ref, atol=1e-6)
    # the DP output equals the materialised matrix applied to the values
    dense = layer.out_proj((ref @ v).transpose(1, 2).reshape(1, 12, 8))
    assert torch.allclose(out, dense, atol=1e-5)
    # block constraint: leaves 3..5 form one block for query 0
    assert torch.allclose(w[0, :, 0, 3:6], w[0, :, 0, 3:4].expand(-1, 3), atol=1e-7)


def test_hierarchical_tree_differs_from_flat() -> None:
    mha = torch.nn.MultiheadAttention(8, 2, batch_first=True).eval()
    hsa = HSAttention.from_multihead_attention(mha, lambda n: Tree.fixed_windows(n, [2, 2]))
    x = torch.randn(1, 8, 8)
    assert (mha(x, x, x)[0] - hsa(x, x, x)[0]).abs().max() > 1e-3


def test_bad_arguments_are_named() -> None:
    with pytest.raises(ValueError, match="divisible"):
        HSAttention(10, 3)
    layer = HSAttention(8, 2, batch_first=True, tree=Tree.fixed_windows(5, [5]))
    x = torch.randn(1, 6, 8)
    with pytest.raises(ValueError, match="5 leaves"):
        layer(x, x, x)
    with pytest.raises(ValueError, match="attn_mask"):
        layer(x, x, x, attn_mask=torch.zeros(6, 6).fill_diagonal_(float("-inf")))
    with pytest.raises(TypeError, match="tree must be"):
        HSAttention(8, 2, tree=3)


def test_dropout_training_uses_weights_and_eval_is_deterministic() -> None:
    layer = HSAttention(8, 2, dropout=0.5, batch_first=True,
                        tree=lambda n: Tree.fixed_windows(n, [2]))
    x = torch.randn(2, 6, 8)
    layer.train()
    a = layer(x, x, x, need_weights=False)[0]
    b = layer(x, x, x, need_weights=False)[0]
    assert not torch.allclose(a, b)
    layer.eval()
    assert torch.allclose(layer(x, x, x)[0], layer(x, x, x)[0])


def test_moves_with_to_and_dtype() -> None:
    layer = HSAttention(8, 2, batch_first=True, tree=lambda n: Tree.fixed_windows(n, [2]))
    layer = layer.to(torch.float64).to("cpu")
    out, _ = layer(*(3 * [torch.randn(1, 5, 8, dtype=torch.float64)]))
    assert out.dtype == torch.float64


def test_separate_kdim_vdim_projections_match_multihead_attention() -> None:
    mha = torch.nn.MultiheadAttention(8, 2, kdim=6, vdim=4, batch_first=True).eval()
    layer = HSAttention.from_multihead_attention(mha).eval()
    assert layer.in_proj_weight is None and layer.k_proj_weight.shape == (8, 6)
    q, k, v = torch.randn(2, 5, 8), torch.randn(2, 5, 6), torch.randn(2, 5, 4)
    a, wa = mha(q, k, v)
    b, wb = layer(q, k, v, need_weights=True)
    assert (a - b).abs().max() < 1e-6 and (wa - wb).abs().max() < 1e-6
    with pytest.raises(ValueError, match="query's length"):
        layer(q, k[:, :4], v[:, :4])


def test_fused_projection_equals_separate_inputs() -> None:
    layer = HSAttention(8, 2, batch_first=True, tree=lambda n: Tree.fixed_windows(n, [2, 3]))
    x = torch.randn(2, 6, 8)
    fused, _ = layer(x, x, x)                  # one (3E, E) matmul
    split, _ = layer(x, x.clone(), x.clone())  # three matmuls
    assert torch.allclose(fused, split, atol=1e-6)


def test_tree_factory_is_called_once_per_length() -> None:
    calls: list[int] = []

    def factory(n: int) -> Tree:
        calls.append(n)
        return Tree.fixed_windows(n, [2, 2])

    layer = HSAttention(8, 2, batch_first=True, tree=factory)
    for n in (4, 4, 6, 4, 6):
        x = torch.randn(1, n, 8)
        layer(x, x, x)
    assert calls == [4, 6]
    layer.tree = lambda n: Tree.fixed_windows(n, [n])     # a new spec drops the cache
    x = torch.randn(1, 4, 8)
    assert torch.allclose(layer(x, x, x)[0], layer(x, x, x)[0])
    assert layer._tree(4).is_flat()


@pytest.mark.parametrize("branching", [[2, 2, 2], [4, 2]])
def test_gradients_equal_autograd_through_the_dense_matrix(branching: list[int]) -> None:
    """N filling the tree's windows exactly (no padding), as in real models."""
    tree = Tree.fixed_windows(8, branching)
    layer = HSAttention(8, 2, batch_first=True, tree=tree, dtype=torch.float64)
    x = torch.randn(2, 8, 8, dtype=torch.float64, requires_grad=True)
    layer(x, x, x)[0].square().sum().backward()
    g_dp = {k: p.grad.clone() for k, p in layer.named_parameters()}
    gx = x.grad.clone()
    layer.zero_grad()
    x.grad = None
    q, k, v = layer.project(x, x, x)
    w = hsa_matrix(q, k, tree)
    ref = layer.out_proj((w @ v).transpose(1, 2).reshape(2, 8, 8))
    ref.square().sum().backward()
    assert torch.allclose(x.grad, gx, atol=1e-10)
    for name, p in layer.named_parameters():
        assert torch.allclose(p.grad, g_dp[name], atol=1e-10), name
