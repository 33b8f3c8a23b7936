"""From scratch: HSA vs flat attention on a synthetic hierarchical document task.

A document is ``S`` sentences of ``L = 8`` tokens (``S`` odd). Each sentence
holds one *subject* word ``a_s`` and one *modifier* word ``b_s`` (from two
4-word vocabularies) among filler words, at random positions; the sentence is
*positive* when ``a_s + b_s`` is even. The document label is the majority
polarity of its sentences. Word counts over the document do not determine the
label (which subject goes with which modifier matters), so a model must pair
words inside each sentence and then aggregate sentences: a two-level hierarchy.

Two models with *identical* parameters (the flat tree is softmax attention):
two :class:`~holonet.nn.EncoderBlock` of :class:`~holonet.nn.HSAttention`, mean
pooling and a linear head; one runs over the sentence tree
``Tree.fixed_windows(N, [L, S])``, the other over the flat tree. Same data
stream, same optimiser; reported: held-out accuracy, training loss, and
attention FLOPs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from holonet.attention import Tree, dense_flops, hsa_flops
from holonet.nn.encoder import EncoderBlock
from holonet.nn.experiments._common import n_params
from holonet.nn.hsa import HSAttention

__all__ = ["run_scratch"]

SENT_LEN = 8
N_SUBJ = N_MOD = 4
N_FILL = 16
VOCAB = N_SUBJ + N_MOD + N_FILL


def sample_documents(batch: int, n_sent: int, gen: torch.Generator) -> tuple[Tensor, Tensor]:
    """Token ids ``(batch, n_sent * 8)`` and labels ``(batch,)`` (1 = majority positive)."""
    toks = N_SUBJ + N_MOD + torch.randint(0, N_FILL, (batch, n_sent, SENT_LEN), generator=gen)
    a = torch.randint(0, N_SUBJ, (batch, n_sent), generator=gen)
    b = torch.randint(0, N_MOD, (batch, n_sent), generator=gen)
    pos = torch.rand(batch, n_sent, SENT_LEN, generator=gen).argsort(-1)[..., :2]
    toks.scatter_(-1, pos[..., :1], a[..., None])
    toks.scatter_(-1, pos[..., 1:], (N_SUBJ + b)[..., None])
    positive = ((a + b) % 2 == 0).sum(-1)
    return toks.reshape(batch, -1), (positive * 2 > n_sent).long()


class _Classifier(nn.Module):
    def __init__(self, n: int, e: int, tree: Any) -> None:
        super().__init__()
        self.emb = nn.Embedding(VOCAB, e)
        self.pos = nn.Parameter(0.1 * torch.randn(n, e))
        self.blocks = nn.ModuleList([
            EncoderBlock(HSAttention(e, 4, batch_first=True, tree=tree), 2 * e)
            for _ in range(2)])
        self.head = nn.Sequential(nn.LayerNorm(e), nn.Linear(e, 2))

    def forward(self, toks: Tensor) -> Tensor:
        x = self.emb(toks) + self.pos
        for blk in self.blocks:
            x = blk(x)
        return self.head(x.mean(dim=1))


def run_scratch(quick: bool = True, seed: int = 0, progress: bool = False) -> dict[str, Any]:
    """Train HSA and flat models from the same initialisation; return the curves."""
    n_sent = 5 if quick else 9
    n = n_sent * SENT_LEN
    e = 32
    steps = 40 if quick else 3000
    n_test = 256 if quick else 4000
    batch = 32 if quick else 64
    trees = {"hsa (sentence tree)": Tree.fixed_windows(n, [SENT_LEN, n_sent]),
             "flat (softmax)": Tree.fixed_windows(n, [n])}
    test_x, test_y = sample_documents(n_test, n_sent, torch.Generator().manual_seed(seed + 99))
    results: dict[str, Any] = {}
    init = None
    for name, tree in trees.items():
        torch.manual_seed(seed)
        model = _Classifier(n, e, tree)
        if init is None:
            init = {k: v.clone() for k, v in model.state_dict().items()}
        else:
            model.load_state_dict(init)  # identical parameters and initialisation
        g = torch.Generator().manual_seed(seed + 1)
        opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=steps)
        losses, acc_curve = [], []
        for step in tqdm(range(steps), desc=f"scratch/{name}", disable=not progress):
            model.train()
            x, y = sample_documents(batch, n_sent, g)
            loss = nn.functional.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            losses.append(loss.item())
            if (step + 1) % max(1, steps // 10) == 0:
                model.eval()
                with torch.no_grad():
                    acc = float((model(test_x).argmax(-1) == test_y).float().mean())
                acc_curve.append([step + 1, acc])
        heads, d = 4, e // 4
        flops = 2 * heads * (hsa_flops(tree, d) if not tree.is_flat() else dense_flops(n, d))
        results[name] = {
            "params": n_params(model), "test_accuracy": acc_curve[-1][1],
            "accuracy_curve": acc_curve,
            "train_loss": [float(np.mean(losses[i:i + 20])) for i in range(0, steps, 20)],
            "attention_flops": int(flops),
        }
    return {"experiment": "scratch", "quick": quick, "seed": seed,
            "task": {"sentences": n_sent, "sentence_len": SENT_LEN, "tokens": n,
                     "vocab": VOCAB, "train_steps": steps, "batch": batch, "n_test": n_test,
                     "majority_baseline": float(max(test_y.float().mean(),
                                                    1 - test_y.float().mean()))},
            "models": results}
