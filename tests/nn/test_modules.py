"""Every holonet.nn layer trains, keeps its isometries, masks, records, and moves."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from torch import nn

from holonet.attention import AttentionRecord, Tree
from holonet.nn import (
    EncoderBlock,
    HolographicAttention,
    HSAttention,
    KLAttention,
    MERAttention,
    auxiliary_loss,
    record_attention,
)

E, N = 16, 12

FACTORIES: dict[str, Callable[[], nn.Module]] = {
    "hsa": lambda: HSAttention(E, 2, batch_first=True,
                               tree=lambda n: Tree.fixed_windows(n, [3, 2])),
    "holographic": lambda: HolographicAttention(E, 2, ring_sizes=(1, 4), n_memory=1),
    "mera": lambda: MERAttention(E, 2, batch_first=True, kind="binary"),
    "kl": lambda: KLAttention(E, 2, belief_dim=4, batch_first=True),
}


def _task(batch: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Tiny task that needs attention: every token must output the sequence mean."""
    x = torch.randn(batch, N, E)
    return x, x.mean(dim=1, keepdim=True).expand_as(x)


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_every_module_trains(name: str) -> None:
    model = nn.Sequential()
    block = EncoderBlock(FACTORIES[name](), dim_feedforward=32)
    head = nn.Linear(E, E)
    params = [*block.parameters(), *head.parameters()]
    opt = torch.optim.Adam(params, lr=3e-3)
    xv, yv = _task(64)

    def loss_of(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return ((head(block(x)) - y) ** 2).mean()

    with torch.no_grad():
        before = loss_of(xv, yv).item()
    for _ in range(200):
        x, y = _task(16)
        opt.zero_grad()
        loss_of(x, y).backward()
        opt.step()
    with torch.no_grad():
        after = loss_of(xv, yv).item()
    del model
    assert after < 0.5 * before, (name, before, after)


def _orthogonal_weights(module: nn.Module) -> list[tuple[str, torch.Tensor]]:
    out = []
    for name, mod in module.named_modules():
        if hasattr(mod, "parametrizations") and "weight" in mod.parametrizations:
            out.append((name, mod.weight))
    return out


def test_isometric_encoders_stay_isometric_after_training() -> None:
    layer = HolographicAttention(E, 2, ring_sizes=(1, 4, 8))
    opt = torch.optim.Adam(layer.parameters(), lr=5e-2)
    for _ in range(25):
        x = torch.randn(4, N, E)
        opt.zero_grad()
        out, _ = layer(x, x, x)
        (out ** 2).mean().backward()
        opt.step()
    weights = _orthogonal_weights(layer)
    assert len(weights) >= 2
    with torch.no_grad():
        for name, w in weights:
            # V maps the smaller space isometrically into the larger one: V^T V = 1
            v = w if w.shape[0] >= w.shape[1] else w.T
            err = (v.T @ v - torch.eye(v.shape[1])).abs().max().item()
            assert err < 1e-5, (name, err)


def test_holographic_flags_are_single_ablations() -> None:
    x = torch.randn(2, N, E)
    base = HolographicAttention(E, 2, ring_sizes=(1, 4, 8), n_memory=2)
    n_base = sum(p.numel() for p in base.parameters())
    for flag in ("bidirectional", "isometric", "gating", "sparse", "rings"):
        layer = HolographicAttention(E, 2, ring_sizes=(1, 4, 8), n_memory=2, **{flag: False})
        assert layer.flags[flag] is False
        out, _ = layer(x)
        assert out.shape == x.shape and torch.isfinite(out).all()
    assert sum(p.numel() for p in HolographicAttention(
        E, 2, ring_sizes=(1, 4, 8), n_memory=2, gating=False).parameters()) < n_base
    off = HolographicAttention(E, 2, ring_sizes=(1, 4), routing_iters=0, n_memory=0)
    assert not off.flags["routing"] and not off.flags["memory"]


def test_holographic_masked_tokens_are_never_read() -> None:
    layer = HolographicAttention(E, 2, ring_sizes=(1, 4, 8), n_memory=1).eval()
    x = torch.randn(1, N, E)
    mask = torch.zeros(1, N, dtype=torch.bool)
    mask[0, 3:7] = True
    y = x.clone()
    y[0, 3:7] = 100 * torch.randn(4, E)  # change only the erased tokens
    a, _ = layer(x, key_padding_mask=mask)
    core_a = layer.last_core
    b, _ = layer(y, key_padding_mask=mask)
    assert torch.allclose(core_a, layer.last_core, atol=1e-5)
    keep = ~mask[0]
    assert torch.allclose(a[0, keep], b[0, keep], atol=1e-4)


def test_holographic_memory_carries_across_segments() -> None:
    layer = HolographicAttention(E, 2, ring_sizes=(1, 4), n_memory=2).eval()
    s1, s2 = torch.randn(2, 1, N, E).unbind(0)
    outs = layer.forward_segments([s1, s2])
    alone, _ = layer(s2)
    assert not torch.allclose(outs[1], alone, atol=1e-5)
    other = layer.forward_segments([torch.randn(1, N, E), s2])
    assert not torch.allclose(outs[1], other[1], atol=1e-5)


def test_holographic_from_tiling_uses_the_bonds() -> None:
    from holonet import geometry
    tiling = geometry.HyperbolicTiling(5, 4, 2)
    layer = HolographicAttention.from_tiling(tiling, E, 2)
    assert layer.ring_sizes == list(tiling.layer_sizes)
    assert layer.n_legs == tiling.n_boundary
    adj = layer.adjacency(0)
    assert adj.shape == (1, tiling.layer_sizes[1]) and bool(adj.all())
    out, _ = layer(torch.randn(1, tiling.n_boundary, E))
    assert out.shape == (1, tiling.n_boundary, E)


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_record_attention_gives_row_stochastic_maps(name: str) -> None:
    model = nn.Sequential(EncoderBlock(FACTORIES[name]()), EncoderBlock(FACTORIES[name]()))
    rec = record_attention(model, torch.randn(1, N, E))
    assert isinstance(rec, AttentionRecord)
    assert rec.layers == [0, 1] and rec.heads(0) == [0, 1]
    assert rec.activity[0].shape == (rec.n_rings,)
    back = AttentionRecord.from_json(rec.to_json())
    assert back.n_tokens == rec.n_tokens
    if name == "holographic":
        assert rec.n_rings == 3 and rec.tokens[0] == "core0" and rec.tokens[-1] == f"t{N - 1}"
    else:
        assert rec.n_tokens == N


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_modules_follow_the_mha_layout(name: str) -> None:
    layer = FACTORIES[name]().to(torch.float64)
    x = torch.randn(2, N, E, dtype=torch.float64)
    out, _ = layer(x, x, x, need_weights=False)
    assert out.shape == x.shape and out.dtype == torch.float64
    single, _ = layer(x[0], x[0], x[0], need_weights=False)
    assert torch.allclose(single, out[0], atol=1e-8)


def test_kl_attention_reduces_to_mahalanobis_softmax_without_transport() -> None:
    layer = KLAttention(E, 1, belief_dim=3, transport=False, kappa=0.7, batch_first=True)
    x = torch.randn(1, 6, E)
    _, w = layer(x, need_weights=True)
    mu, cov, _ = layer.beliefs(x)
    mu, var = mu[0, 0], torch.diagonal(cov[0, 0], dim1=-2, dim2=-1)
    # KL(N(mu_i, S_i) || N(mu_j, S_j)) with diagonal covariances, by hand
    kl = 0.5 * ((var[:, None, :] / var[None, :, :]).sum(-1)
                + ((mu[None, :, :] - mu[:, None, :]) ** 2 / var[None, :, :]).sum(-1)
                - 3 + torch.log(var).sum(-1)[None, :] - torch.log(var).sum(-1)[:, None])
    assert torch.allclose(w[0], torch.softmax(-kl / 0.7, dim=-1), atol=1e-5)


def test_kl_attention_is_gauge_covariant() -> None:
    """Rotating every token's belief and frame by the same g leaves the weights unchanged."""
    layer = KLAttention(E, 1, belief_dim=3, batch_first=True)
    x = torch.randn(1, 5, E)
    _, w = layer(x, need_weights=True)
    mu, cov, frames = layer.beliefs(x)
    g = torch.linalg.qr(torch.randn(3, 3))[0]
    from holonet.attention.kl import gaussian_kl_matrix

    def weights(mu: torch.Tensor, cov: torch.Tensor, fr: torch.Tensor) -> torch.Tensor:
        rt = fr.transpose(-1, -2)
        return torch.softmax(-gaussian_kl_matrix((rt @ mu[..., None])[..., 0],
                                                 rt @ cov @ fr), dim=-1)


    ref = weights(mu, cov, frames)
    rot = weights(mu @ g.T, g @ cov @ g.T, g @ frames)
    assert torch.allclose(w[0], ref[0, 0], atol=1e-5)
    assert torch.allclose(ref, rot, atol=1e-5)


def test_mera_attention_module_matches_the_operator() -> None:
    from holonet.attention.mera import mera_matrix

    layer = MERAttention(8, 2, batch_first=True, kind="ternary")
    x = torch.randn(1, 9, 8)
    out, w = layer(x, x, x, need_weights=True, average_attn_weights=False)
    q, k, v = layer.project(x, x, x)
    ref = mera_matrix(q, k, "ternary")
    assert torch.allclose(w, ref, atol=1e-6)
    dense = layer.out_proj((ref @ v).transpose(1, 2).reshape(1, 9, 8))
    assert torch.allclose(out, dense, atol=1e-5)
    # radius 0 is HSA on the MERA's coarse-graining tree
    hsa0 = MERAttention(8, 2, batch_first=True, kind="ternary", radius=0)
    hsa0.load_state_dict(layer.state_dict())
    tree = Tree.from_mera(kind="ternary", n_sites=9)
    plain = HSAttention(8, 2, batch_first=True, tree=tree)
    plain.load_state_dict(layer.state_dict())
    assert torch.allclose(hsa0(x, x, x)[0], plain(x, x, x)[0], atol=1e-5)


# ---------------------------------------------------------------------- the seed's loop
def _two_core_layer(**kw: object) -> HolographicAttention:
    """Core of 2 tiles, ring of 4; core tile j owns ring tiles 2j, 2j+1, which own 2 legs each."""
    adj0 = torch.tensor([[1, 1, 0, 0], [0, 0, 1, 1]], dtype=torch.bool)
    legs = torch.zeros(4, 8, dtype=torch.bool)
    for j in range(4):
        legs[j, 2 * j:2 * j + 2] = True
    return HolographicAttention(E, 2, ring_sizes=(2, 4), ring_adjacency=[adj0, legs], **kw)


def test_holographic_core_reads_each_context_through_its_wedge() -> None:
    """query = core, keys = context at every layer, restricted to the core tile's wedge;
    then each context queries the core (the seed's bidirectional loop)."""
    layer = _two_core_layer()
    assert [w.int().tolist() for w in layer.wedges(8)][0] == [[1] * 4 + [0] * 4,
                                                              [0] * 4 + [1] * 4]
    rec = record_attention(nn.Sequential(layer), torch.randn(1, 8, E))
    tok = rec.tokens
    assert tok[:2] == ["core0", "core1"] and tok[2:6] == [f"r1.{i}" for i in range(4)]
    m = rec.maps[(0, 0)]
    col = {t: i for i, t in enumerate(tok)}
    # core0 reads ring tiles 0, 1 and tokens 0..3 only; core1 the others
    assert m[col["core0"], [col["r1.2"], col["r1.3"]]].max() == 0
    assert m[col["core0"], [col[f"t{i}"] for i in range(4, 8)]].max() == 0
    assert m[col["core0"], [col["r1.0"], col["r1.1"]]].sum() > 0
    assert m[col["core1"], [col[f"t{i}"] for i in range(4)]].max() == 0
    # ring tiles query the core tile that reaches them
    assert m[col["r1.0"], col["core0"]] > 0 and m[col["r1.0"], col["core1"]] == 0
    assert m[col["r1.3"], col["core1"]] > 0 and m[col["r1.3"], col["core0"]] == 0


def test_holographic_boundary_reads_the_core_only_when_bidirectional() -> None:
    x = torch.randn(2, 8, E)
    for bidi in (True, False):
        layer = _two_core_layer(bidirectional=bidi, gating=False)
        out, _ = layer(x)
        out.pow(2).sum().backward()
        g = layer.latents[0].grad
        assert (g is not None and float(g.abs().sum()) > 0) is bidi
        # the core always reads the boundary (query = core, keys = context)
        assert layer.last_core is not None


def test_auxiliary_loss_segments_are_ring1_wedges() -> None:
    layer = _two_core_layer(error_correcting=True)
    seg = layer.segment_masks(8)
    assert seg.int().tolist() == [[1, 1, 0, 0, 0, 0, 0, 0], [0, 0, 1, 1, 0, 0, 0, 0],
                                  [0, 0, 0, 0, 1, 1, 0, 0], [0, 0, 0, 0, 0, 0, 1, 1]]
    from holonet import geometry

    tiled = HolographicAttention.from_tiling(geometry.HyperbolicTiling(5, 4, 3), E, 2)
    n = tiled.n_legs
    assert n is not None
    seg = tiled.segment_masks(n)
    assert seg.shape == (tiled.ring_sizes[1], n) and bool(seg.any(0).all())


def test_auxiliary_loss_vanishes_when_one_segment_is_the_whole_boundary() -> None:
    layer = HolographicAttention(E, 2, ring_sizes=(1, 4), segments=1)
    assert float(layer.reconstruction_loss(torch.randn(3, N, E))) == 0.0
    layer.segments = 3
    assert float(layer.reconstruction_loss(torch.randn(3, N, E))) > 0.0


def test_auxiliary_loss_is_differentiable() -> None:
    torch.manual_seed(5)
    layer = HolographicAttention(4, 1, ring_sizes=(1, 2), routing_iters=1,
                                 dtype=torch.float64).eval()
    x = torch.randn(2, 6, 4, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(layer.reconstruction_loss, (x,), atol=1e-6)


def test_auxiliary_loss_is_computed_in_training_and_decreases_when_trained() -> None:
    torch.manual_seed(6)
    layer = HolographicAttention(E, 2, ring_sizes=(1, 4), error_correcting=True)
    x = torch.randn(32, N, E)
    layer.eval()
    layer(x)
    assert layer.last_aux_loss is None                 # eval: not computed
    layer.train()
    opt = torch.optim.Adam(layer.parameters(), lr=1e-2)
    losses = []
    for _ in range(40):
        opt.zero_grad()
        out, _ = layer(x)
        aux = auxiliary_loss(nn.Sequential(layer))
        assert aux is not None and aux.requires_grad
        losses.append(float(aux))
        aux.backward()
        opt.step()
    assert losses[-1] < 0.5 * losses[0], (losses[0], losses[-1])
    # not by collapse: the core still varies across inputs
    core = layer.last_core
    assert core is not None and float(core.var(0).sum()) > 1e-6


def test_kl_closed_form_divergences_equal_the_general_operator() -> None:
    from holonet.attention.kl import gaussian_kl_matrix

    layer = KLAttention(E, 2, belief_dim=4, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        layer.log_var.weight.normal_(0, 0.3)             # non-trivial variances
        assert layer.phi is not None
        layer.phi.weight.normal_(0, 0.5)                 # and frames
    x = torch.randn(2, 7, E, dtype=torch.float64)
    mu, var, frames = layer._belief_parts(x)
    ours = KLAttention.divergences(mu, var, frames)
    ref = gaussian_kl_matrix(mu, torch.diag_embed(var), frames=frames)
    assert torch.allclose(ours, ref, atol=1e-10)
    assert float(ours.diagonal(dim1=-2, dim2=-1).abs().max()) < 1e-10   # KL(q||q) = 0
    assert float(ours.min()) > -1e-10                                   # KL >= 0
