"""The nn.MultiheadAttention drop-in contract, for every holonet attention layer.

Each layer replaces ``self_attn`` of ``nn.TransformerEncoderLayer`` and
``nn.TransformerDecoderLayer`` and trains there; every constructor and forward
argument of ``nn.MultiheadAttention`` is implemented or refused with a ``ValueError``
naming it; causal modes never let a query see a later token; low precision, moves,
``state_dict`` and bad input behave.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from torch import nn

from holonet.attention import Tree
from holonet.nn import HolographicAttention, HSAttention, KLAttention, MERAttention

E, H, N = 16, 2, 12


def _hsa(**kw: Any) -> nn.Module:
    return HSAttention(E, H, batch_first=True, tree=lambda n: Tree.fixed_windows(n, [3, 2]),
                       **kw)


def _mera(**kw: Any) -> nn.Module:
    return MERAttention(E, H, batch_first=True, kind="binary", **kw)


def _kl(**kw: Any) -> nn.Module:
    return KLAttention(E, H, batch_first=True, belief_dim=4, **kw)


def _holo(**kw: Any) -> nn.Module:
    return HolographicAttention(E, H, batch_first=True, ring_sizes=(1, 4), **kw)


LAYERS: dict[str, Callable[..., nn.Module]] = {
    "hsa": _hsa, "mera": _mera, "kl": _kl, "holographic": _holo}
CLS = {"hsa": HSAttention, "mera": MERAttention, "kl": KLAttention,
       "holographic": HolographicAttention}

#: constructor arguments each layer refuses (value that must raise)
REFUSED: dict[str, dict[str, Any]] = {
    "hsa": {"add_bias_kv": True, "add_zero_attn": True},
    "mera": {"add_bias_kv": True, "add_zero_attn": True},
    "kl": {"add_bias_kv": True, "add_zero_attn": True, "kdim": 8, "vdim": 8},
    "holographic": {"add_bias_kv": True, "add_zero_attn": True, "kdim": 8, "vdim": 8},
}
CAUSAL = {"hsa": True, "mera": True, "kl": True, "holographic": False}
ARBITRARY_MASK = {"hsa": False, "mera": False, "kl": True, "holographic": False}


def _seq(batch: int = 2, n: int = N, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    return torch.randn(batch, n, E, dtype=dtype)


# ---------------------------------------------------------------------- torch layers
def _encoder(name: str) -> nn.TransformerEncoderLayer:
    layer = nn.TransformerEncoderLayer(E, H, dim_feedforward=32, dropout=0.0,
                                       batch_first=True)
    layer.self_attn = LAYERS[name]()
    return layer


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_replaces_self_attn_of_encoder_and_decoder_layers_and_trains(name: str) -> None:
    torch.manual_seed(0)
    enc = _encoder(name)
    dec = nn.TransformerDecoderLayer(E, H, dim_feedforward=32, dropout=0.0, batch_first=True)
    dec.self_attn = LAYERS[name]()
    head = nn.Linear(E, 1)
    params = [*enc.parameters(), *dec.parameters(), *head.parameters()]
    opt = torch.optim.Adam(params, lr=3e-3)
    x = _seq(16)
    y = x.mean(dim=1, keepdim=True).sum(-1, keepdim=True).expand(-1, N, 1)

    def loss() -> torch.Tensor:
        mem = enc(x)
        return ((head(dec(x, mem)) - y) ** 2).mean()

    first = loss().item()
    for _ in range(25):
        opt.zero_grad()
        loss().backward()
        opt.step()
    last = loss().item()
    assert last < 0.7 * first, (name, first, last)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_encoder_layer_inference_runs_the_layer_not_torch_fast_path(name: str) -> None:
    """In eval mode without grad torch's fused path would compute softmax attention."""
    enc = _encoder(name).eval()
    x = _seq()
    with torch.no_grad():
        fast = enc(x)
        attn, _ = enc.self_attn(x, x, x)
        ref = enc.norm2(enc.norm1(x + attn) + enc._ff_block(enc.norm1(x + attn)))
    assert torch.allclose(fast, ref, atol=1e-5)
    for attr in ("batch_first", "_qkv_same_embed_dim", "in_proj_weight", "in_proj_bias",
                 "embed_dim", "num_heads"):
        assert hasattr(enc.self_attn, attr), attr
    assert enc.self_attn._qkv_same_embed_dim is False


def test_transformer_encoder_stack_with_padding_mask() -> None:
    layer = _encoder("hsa")
    with pytest.warns(UserWarning, match="_qkv_same_embed_dim"):
        stack = nn.TransformerEncoder(layer, 2)   # nested tensors declined, with torch's note
    pad = torch.zeros(2, N, dtype=torch.bool)
    pad[1, -3:] = True
    stack.eval()
    with torch.no_grad():
        out = stack(_seq(), src_key_padding_mask=pad)
    assert out.shape == (2, N, E) and torch.isfinite(out).all()


# ---------------------------------------------------------------------- arguments
@pytest.mark.parametrize(("name", "arg"), [(n, a) for n in sorted(REFUSED) for a in REFUSED[n]])
def test_unsupported_constructor_arguments_are_refused_by_name(name: str, arg: str) -> None:
    with pytest.raises(ValueError, match=arg):
        CLS[name](E, H, **{arg: REFUSED[name][arg]})


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_constructor_takes_multihead_attention_arguments_positionally(name: str) -> None:
    # embed_dim, num_heads, dropout, bias, add_bias_kv, add_zero_attn, kdim, vdim,
    # batch_first, device, dtype -- in nn.MultiheadAttention's order
    layer = CLS[name](E, H, 0.0, False, False, False, None, None, True, "cpu", torch.float64)
    assert layer.batch_first is True
    assert all(p.dtype == torch.float64 for p in layer.parameters())
    x = _seq(dtype=torch.float64)
    assert layer(x, x, x)[0].shape == x.shape


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_need_weights_defaults_to_false_and_weights_are_rows(name: str) -> None:
    layer = LAYERS[name]().eval()
    x = _seq()
    out, w = layer(x, x, x)
    assert w is None and out.shape == x.shape
    out2, w = layer(x, x, x, need_weights=True)
    assert torch.allclose(out, out2, atol=1e-6)
    assert w.shape[:2] == (2, N)
    assert torch.allclose(w.sum(-1), torch.ones(2, N), atol=1e-5)
    _, wh = layer(x, x, x, need_weights=True, average_attn_weights=False)
    assert wh.shape[:3] == (2, H, N) and torch.allclose(wh.mean(1), w, atol=1e-6)


@pytest.mark.parametrize("name", ["hsa", "mera"])
def test_need_weights_refuses_above_the_dense_limit(name: str) -> None:
    layer = LAYERS[name]()
    layer.dense_limit = 2 * H * N * N - 1
    x = _seq()
    with pytest.raises(ValueError, match="dense_limit"):
        layer(x, x, x, need_weights=True)
    layer(x, x, x)                       # the default never materialises
    layer.dense_limit = 2 * H * N * N
    assert layer(x, x, x, need_weights=True)[1] is not None


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_masks_are_refused_unless_implemented(name: str) -> None:
    layer = LAYERS[name]().eval()
    x = _seq()
    causal = nn.Transformer.generate_square_subsequent_mask(N)
    other = torch.zeros(N, N, dtype=torch.bool)
    other[0, 5] = True
    if CAUSAL[name]:
        a, _ = layer(x, x, x, is_causal=True)
        b, _ = layer(x, x, x, attn_mask=causal)                  # recognised as causal
        c, _ = layer(x, x, x, attn_mask=causal.bool(), is_causal=True)
        assert torch.allclose(a, b, atol=1e-6) and torch.allclose(a, c, atol=1e-6)
    else:
        with pytest.raises(ValueError, match="is_causal"):
            layer(x, x, x, is_causal=True)
        with pytest.raises(ValueError, match="is_causal"):
            layer(x, x, x, attn_mask=causal)
    if ARBITRARY_MASK[name]:
        layer(x, x, x, attn_mask=other)
    else:
        with pytest.raises(ValueError, match="attn_mask"):
            layer(x, x, x, attn_mask=other)
    with pytest.raises(ValueError, match="attn_mask"):
        layer(x, x, x, attn_mask=torch.zeros(N, N, dtype=torch.bool).fill_diagonal_(True),
              is_causal=True)


@pytest.mark.parametrize("name", ["kl", "holographic"])
def test_self_attention_layers_refuse_distinct_key_or_value(name: str) -> None:
    layer = LAYERS[name]()
    x, y = _seq(), _seq()
    with pytest.raises(ValueError, match="key"):
        layer(x, y, x)
    with pytest.raises(ValueError, match="value"):
        layer(x, x, y)


def test_kl_applies_an_arbitrary_attention_mask() -> None:
    layer = _kl().eval()
    x = _seq(1)
    mask = torch.rand(N, N) < 0.3
    mask.fill_diagonal_(False)
    _, w = layer(x, attn_mask=mask, need_weights=True, average_attn_weights=False)
    assert float(w[0][:, mask].abs().max()) == 0.0
    fmask = torch.zeros(N, N).masked_fill(mask, float("-inf"))
    _, w2 = layer(x, attn_mask=fmask, need_weights=True, average_attn_weights=False)
    assert torch.allclose(w, w2)
    per_head = mask[None].expand(H, N, N).clone()
    per_head[1] = False
    _, w3 = layer(x, attn_mask=per_head, need_weights=True, average_attn_weights=False)
    assert torch.allclose(w3[0, 0], w[0, 0]) and not torch.allclose(w3[0, 1], w[0, 1])


# ---------------------------------------------------------------------- causal
@pytest.mark.parametrize("name", [n for n in sorted(LAYERS) if CAUSAL[n]])
@pytest.mark.parametrize("n", [12, 16])
def test_causal_mode_never_sees_a_later_token(name: str, n: int) -> None:
    """Perturb tokens after position t: outputs and input gradients at <= t are unchanged."""
    torch.manual_seed(1)
    layer = LAYERS[name]().double().eval()
    x = _seq(2, n, torch.float64)
    for t in (0, 3, n // 2, n - 2):
        y = x.clone()
        y[:, t + 1:] += 5 * torch.randn_like(y[:, t + 1:])
        xa = x.clone().requires_grad_(True)
        ya = y.clone().requires_grad_(True)
        a, _ = layer(xa, xa, xa, is_causal=True)
        b, _ = layer(ya, ya, ya, is_causal=True)
        assert torch.allclose(a[:, :t + 1], b[:, :t + 1], atol=1e-10), (name, t)
        a[:, :t + 1].sum().backward()
        b[:, :t + 1].sum().backward()
        assert xa.grad is not None and ya.grad is not None
        assert float(xa.grad[:, t + 1:].abs().max()) == 0.0, (name, t)
        assert torch.allclose(xa.grad, ya.grad, atol=1e-10), (name, t)
    a, _ = layer(x, x, x)
    b, _ = layer(x, x, x, is_causal=True)
    assert not torch.allclose(a, b, atol=1e-6)       # the mode does something


@pytest.mark.parametrize("name", [n for n in sorted(LAYERS) if CAUSAL[n]])
def test_causal_weights_are_lower_triangular_and_match_the_output(name: str) -> None:
    layer = LAYERS[name]().double().eval()
    x = _seq(1, N, torch.float64)
    out, w = layer(x, x, x, is_causal=True, need_weights=True, average_attn_weights=False)
    assert float(w.triu(1).abs().max()) == 0.0
    assert torch.allclose(w.sum(-1), torch.ones_like(w.sum(-1)))
    if name in ("hsa", "mera"):
        q, k, v = layer.project(x, x, x)
        dense = layer.out_proj((w @ v).transpose(1, 2).reshape(1, N, E))
        assert torch.allclose(out, dense, atol=1e-10)


# ---------------------------------------------------------------------- dtypes, moves
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_half_bfloat16_and_autocast_stay_close_to_float32(name: str) -> None:
    torch.manual_seed(2)
    layer = LAYERS[name]().eval()
    x = _seq()
    with torch.no_grad():
        ref, _ = layer(x, x, x)
        scale = float(ref.abs().max())
        for dtype, tol in ((torch.bfloat16, 0.06), (torch.float16, 0.01)):
            low = copy.deepcopy(layer).to(dtype)
            xl = x.to(dtype)
            out, _ = low(xl, xl, xl)
            assert out.dtype == dtype
            err = float((out.float() - ref).abs().max()) / scale
            assert err < tol, (name, dtype, err)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            out, _ = layer(x, x, x)
        err = float((out.float() - ref).abs().max()) / scale
        assert err < 0.06, (name, "autocast", err)


def test_kl_low_precision_covariance_algebra_runs_in_float32() -> None:
    layer = _kl().to(torch.bfloat16)
    x = _seq(dtype=torch.bfloat16)
    mu, cov, frames = layer.beliefs(x)
    assert mu.dtype == cov.dtype == frames.dtype == torch.float32
    out, w = layer(x, need_weights=True)
    assert out.dtype == torch.bfloat16 and w.dtype == torch.bfloat16


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_state_dict_round_trip_and_moves(name: str) -> None:
    torch.manual_seed(3)
    a = LAYERS[name]().eval()
    torch.manual_seed(4)
    b = LAYERS[name]().eval()
    x = _seq()
    assert not torch.allclose(a(x, x, x)[0], b(x, x, x)[0])
    b.load_state_dict(a.state_dict())
    assert torch.allclose(a(x, x, x)[0], b(x, x, x)[0], atol=1e-6)
    a(x, x, x)[0].sum().backward()          # a module that has run still copies
    c = copy.deepcopy(a).to("cpu").to(torch.float64)
    xd = x.double()
    out, _ = c(xd, xd, xd)
    assert out.dtype == torch.float64
    assert torch.allclose(out.float(), a(x, x, x)[0], atol=1e-4)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_meta_device_construction_then_materialise(name: str) -> None:
    meta = LAYERS[name](device="meta")
    assert all(p.is_meta for p in meta.parameters())
    real = LAYERS[name]()
    meta = meta.to_empty(device="cpu")
    meta.load_state_dict(real.state_dict())
    x = _seq()
    assert torch.allclose(meta.eval()(x, x, x)[0], real.eval()(x, x, x)[0], atol=1e-6)


# ---------------------------------------------------------------------- bad input
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_bad_inputs_raise_errors_naming_the_parameter(name: str) -> None:
    layer = LAYERS[name]()
    x = _seq()
    with pytest.raises(TypeError, match="query must be a torch.Tensor"):
        layer(x.tolist(), x, x)
    with pytest.raises(TypeError, match="query must be a torch.Tensor"):
        layer(np.zeros((2, N, E), dtype=np.float32))
    xd = x.double()
    with pytest.raises(TypeError, match="dtype"):
        layer(xd, xd, xd)                                  # the layer is float32
    with pytest.raises(ValueError, match="embed"):
        y = torch.randn(2, N, E + 2)
        layer(y, y, y)
    with pytest.raises(ValueError, match="key_padding_mask must have shape"):
        layer(x, x, x, key_padding_mask=torch.zeros(2, N + 1, dtype=torch.bool))
    with pytest.raises(TypeError, match="key_padding_mask"):
        layer(x, x, x, key_padding_mask=[[False] * N] * 2)
    with pytest.raises(TypeError, match="attn_mask"):
        layer(x, x, x, attn_mask=np.zeros((N, N), dtype=bool))
    with pytest.raises(ValueError, match="embed_dim must be >= 1"):
        CLS[name](0, 1)
    with pytest.raises(ValueError, match="num_heads must be >= 1"):
        CLS[name](E, 0)
    with pytest.raises(ValueError, match="dropout"):
        CLS[name](E, H, 1.5)


def test_hsa_mixed_dtypes_between_query_and_key_are_named() -> None:
    layer = _hsa()
    x = _seq()
    with pytest.raises(TypeError, match="key has dtype torch.float64"):
        layer(x, x.double(), x)
    with pytest.raises(ValueError, match="key is on device meta"):
        layer(x, x.to("meta"), x)


def test_helpers_name_bad_arguments() -> None:
    import transformers

    from holonet.codes import happy_code
    from holonet.nn import EncoderBlock, WedgeReadout, attention_flops, inject_hsa
    from holonet.nn.wedge import code_inputs

    with pytest.raises(TypeError, match="attention must be an attention module"):
        EncoderBlock(nn.Linear(4, 4))
    with pytest.raises(ValueError, match="dim_feedforward must be >= 1"):
        EncoderBlock(_hsa(), dim_feedforward=0)
    with pytest.raises(ValueError, match="dropout"):
        EncoderBlock(_hsa(), dropout=2.0)
    cfg = transformers.BertConfig(hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                                  intermediate_size=32, vocab_size=50)
    bert = transformers.BertModel(cfg)
    with pytest.raises(TypeError, match="layer index must be an integer"):
        inject_hsa(bert, layers=[0.5])
    with pytest.raises(TypeError, match="layers must be a sequence"):
        inject_hsa(bert, layers=0)
    with pytest.raises(ValueError, match="n must be >= 1"):
        attention_flops(bert, 0)
    code = happy_code(1)
    with pytest.raises(ValueError, match="batch must be >= 1"):
        code_inputs(code, 0)
    with pytest.raises(TypeError, match="code must be"):
        code_inputs("abc", 2)
    with pytest.raises(ValueError, match=r"bits must have shape \(B, 5, 2\)"):
        WedgeReadout(code)(torch.zeros(2, 4, 2))
    with pytest.raises(TypeError, match="bits must be a torch.Tensor"):
        WedgeReadout(code)(np.zeros((2, 5, 2)))


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_dropout_and_bias_are_honoured(name: str) -> None:
    layer = LAYERS[name](dropout=0.5)
    x = _seq()
    layer.train()
    a, _ = layer(x, x, x)
    b, _ = layer(x, x, x)
    assert not torch.allclose(a, b)                        # attention dropout is on
    layer.eval()
    assert torch.allclose(layer(x, x, x)[0], layer(x, x, x)[0])
    plain = LAYERS[name](bias=False)
    biases = [k for k, _ in plain.named_parameters() if k.endswith("bias")]
    assert not biases, biases
    assert plain(x, x, x)[0].shape == x.shape
