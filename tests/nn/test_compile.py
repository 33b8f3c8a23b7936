"""``torch.compile`` of models holding holonet attention layers matches eager mode.

Compilation is slow on a CPU, so: one test compiles a training step of
``nn.TransformerEncoderLayer`` with ``HSAttention`` through the default inductor
backend; the other layers go through ``aot_eager`` (dynamo's graph capture and AOT
autograd, the parts a layer can break, without inductor's code generation).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from torch import nn

from holonet.attention import Tree
from holonet.nn import HolographicAttention, HSAttention, KLAttention, MERAttention

E, H, N = 16, 2, 16


def _layer(attn: nn.Module) -> nn.TransformerEncoderLayer:
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(E, H, dim_feedforward=32, dropout=0.0, batch_first=True)
    layer.self_attn = attn
    return layer


def _compare(layer: nn.Module, backend: str, **call: object) -> None:
    torch._dynamo.reset()
    layer.zero_grad(set_to_none=True)
    x = torch.randn(2, N, E, requires_grad=True)
    ref = layer(x, **call)
    ref.square().mean().backward()
    grads = {k: p.grad.clone() for k, p in layer.named_parameters() if p.grad is not None}
    gx = x.grad.clone()
    layer.zero_grad()
    x.grad = None
    compiled = torch.compile(layer, backend=backend, fullgraph=False)
    out = compiled(x, **call)
    out.square().mean().backward()
    assert torch.allclose(out, ref, atol=1e-5, rtol=1e-4)
    assert torch.allclose(x.grad, gx, atol=1e-5, rtol=1e-4)
    for k, p in layer.named_parameters():
        if k in grads:
            assert torch.allclose(p.grad, grads[k], atol=1e-5, rtol=1e-4), k


def test_compiled_hsa_training_step_matches_eager() -> None:
    layer = _layer(HSAttention(E, H, batch_first=True,
                               tree=lambda n: Tree.fixed_windows(n, [4, 2])))
    _compare(layer, "inductor")
    _compare(layer, "inductor", is_causal=True,
             src_mask=nn.Transformer.generate_square_subsequent_mask(N))


FACTORIES: dict[str, Callable[[], nn.Module]] = {
    "mera": lambda: MERAttention(E, H, batch_first=True),
    "kl": lambda: KLAttention(E, H, batch_first=True, belief_dim=4),
    "holographic": lambda: HolographicAttention(E, H, ring_sizes=(1, 4)),
}


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_compiled_layers_match_eager(name: str) -> None:
    _compare(_layer(FACTORIES[name]()), "aot_eager")
