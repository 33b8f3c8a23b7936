"""Erasure robustness: recover core information from a partly masked boundary.

Task. A core message of ``k`` bits is encoded on ``N`` boundary tokens by a
binary linear code with a seeded generator (here each bit is copied onto
``N/k`` tokens scattered around the boundary ring: symbol ``i`` = bit
``sigma(i)``), with a little symbol noise; each token is its symbol plus its
position. A model sees the boundary with a fraction ``p`` of
tokens erased (``key_padding_mask``) and must output all ``k`` bits.

Models, trained identically (same data stream, erasure rates drawn from
``[0, 0.6]``) at (nearly) equal parameter count:

- *holographic*: :class:`~holonet.nn.HolographicAttention` (rings from the
  {5,4} tiling's layer sizes when :mod:`holonet.geometry` is available) inside
  an :class:`~holonet.nn.EncoderBlock`, read out from the core latents;
- *standard*: ``nn.TransformerEncoder`` with mean pooling over the unmasked
  tokens, its feed-forward width chosen to match the parameter count.

Reference curves: the optimal decoder (a bit is recoverable iff the unit vector
lies in the GF(2) span of the kept columns, the classical cleaning criterion;
unrecoverable bits are coin flips) and, when :mod:`holonet.verify` provides
it, the HaPPY code's erasure threshold.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from holonet.nn.encoder import EncoderBlock
from holonet.nn.experiments._common import n_params, recoverable_bits, seed_all
from holonet.nn.holographic import HolographicAttention

__all__ = ["run_erasure"]

MASK_RATES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)


class _Task:
    def __init__(self, n: int, k: int, noise: float, seed: int) -> None:
        rng = np.random.default_rng(seed)
        gen = np.zeros((k, n), dtype=np.uint8)
        gen[rng.permutation(np.arange(n) % k), np.arange(n)] = 1  # each bit on n/k tokens
        self.gen, self.n, self.k, self.noise = gen, n, k, noise
        self._g = torch.as_tensor(gen, dtype=torch.float32)

    def sample(self, batch: int, rate: float | Tensor, gen: torch.Generator,
               contiguous: bool | Tensor = False) -> tuple[Tensor, Tensor, Tensor]:
        """Symbols, erasure mask (True = masked) and bits; ``contiguous`` erases one
        arc of the boundary ring (per example if a bool tensor) instead of random tokens."""
        bits = torch.randint(0, 2, (batch, self.k), generator=gen)
        sym = (bits.float() @ self._g).remainder(2).long()
        flip = torch.rand(batch, self.n, generator=gen) < self.noise
        sym = sym ^ flip.long()
        r = torch.as_tensor(rate, dtype=torch.float32).expand(batch)  # type: ignore[arg-type]
        n_mask = torch.round(r * self.n).long()
        order = torch.rand(batch, self.n, generator=gen).argsort(dim=1)
        rank = order.argsort(dim=1)
        mask = rank < n_mask[:, None]
        start = torch.randint(0, self.n, (batch, 1), generator=gen)
        arc = torch.remainder(torch.arange(self.n)[None, :] - start, self.n) < n_mask[:, None]
        flag = torch.as_tensor(contiguous).expand(batch)
        mask = torch.where(flag[:, None], arc, mask)
        return sym, mask, bits.float()


class _Holo(nn.Module):
    def __init__(self, n: int, k: int, e: int, rings: list[int]) -> None:
        super().__init__()
        self.emb = nn.Embedding(2, e)
        self.pos = nn.Parameter(0.1 * torch.randn(n, e))
        self.attn = HolographicAttention(e, 2, rings, window=2)
        self.block = EncoderBlock(self.attn, dim_feedforward=2 * e)
        self.head = nn.Sequential(nn.LayerNorm(e), nn.Linear(e, k))

    def forward(self, sym: Tensor, mask: Tensor) -> Tensor:
        x = self.emb(sym) + self.pos
        self.block(x, key_padding_mask=mask)
        core = self.attn.last_core
        assert core is not None
        return self.head(core.mean(dim=1))


class _Standard(nn.Module):
    def __init__(self, n: int, k: int, e: int, ff: int, layers: int) -> None:
        super().__init__()
        self.emb = nn.Embedding(2, e)
        self.pos = nn.Parameter(0.1 * torch.randn(n, e))
        layer = nn.TransformerEncoderLayer(e, 2, ff, dropout=0.0, batch_first=True,
                                           norm_first=True)
        self.enc = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.head = nn.Sequential(nn.LayerNorm(e), nn.Linear(e, k))

    def forward(self, sym: Tensor, mask: Tensor) -> Tensor:
        h = self.enc(self.emb(sym) + self.pos, src_key_padding_mask=mask)
        keep = (~mask).float()[..., None]
        return self.head((h * keep).sum(1) / keep.sum(1).clamp_min(1))


def _ring_sizes() -> tuple[list[int], str]:
    try:
        from holonet.geometry import HyperbolicTiling

        t = HyperbolicTiling(5, 4, 2)
        return [int(s) for s in t.layer_sizes], "HyperbolicTiling(5, 4, 2).layer_sizes"
    except Exception:  # geometry not available: the same sizes by hand
        return [1, 5], "fallback [1, 5] (pentagon + first ring)"


def _matched_standard(target: int, n: int, k: int, e: int) -> tuple[_Standard, int]:
    best: tuple[int, int, int] | None = None
    for layers in (1, 2, 3):
        for ff in range(8, 8 * e + 1, 4):
            p = n_params(_Standard(n, k, e, ff, layers))
            if best is None or abs(p - target) < abs(best[0] - target):
                best = (p, ff, layers)
    assert best is not None
    return _Standard(n, k, e, best[1], best[2]), best[2]


def _threshold_reference(quick: bool, seed: int) -> dict[str, Any]:
    """The zero-rate HaPPY code's central-logical recovery at the same erasure rates
    (exact decoder, :func:`holonet.verify.erasure_threshold`) and its threshold; for
    contiguous erasures, the fraction of arc positions leaving the central logical in
    the wedge of the rest (``StabilizerCode.recoverable_logicals``)."""
    try:
        from holonet.codes import happy_code
        from holonet.verify import erasure_threshold

        family = [happy_code(layers, variant="single") for layers in (2, 3)]
        rep = erasure_threshold(family, list(MASK_RATES), 200 if quick else 2000,
                                seed=seed, progress=False)
    except Exception as exc:  # pragma: no cover - depends on codes/verify being present
        return {"available": False, "note": f"holonet.verify.erasure_threshold unavailable: "
                                            f"{exc}"}
    intervals = []
    for code in family[:1] if quick else family:
        sc = code.stabilizer_code
        n = int(sc.n)
        succ = []
        for rate in MASK_RATES:
            n_erase = int(round(rate * n))
            ok = [bool(sc.recoverable_logicals(
                [(s + n_erase + i) % n for i in range(n - n_erase)])[0]) for s in range(n)]
            succ.append(float(np.mean(ok)))
        intervals.append({"label": f"n={n}", "n": n, "success": succ})
    return {"available": True, "code": "happy_code(layers, variant='single'), layers 2, 3",
            "decoder": rep.decoder, "threshold": rep.threshold,
            "threshold_err": rep.threshold_err,
            "curves": [{"label": c["label"], "n": c["n"], "success": c["success"]}
                       for c in rep.curves],
            "interval_curves": intervals}


def run_erasure(quick: bool = True, seed: int = 0, progress: bool = False) -> dict[str, Any]:
    """Train both models and return accuracy-vs-erasure curves (JSON-serialisable)."""
    n, k, e = (20, 6, 24) if quick else (32, 8, 32)
    steps = 150 if quick else 2500
    n_eval = 256 if quick else 2000
    seed_all(seed)
    task = _Task(n, k, noise=0.02, seed=seed)
    rings, ring_src = _ring_sizes()
    torch.manual_seed(seed)
    holo = _Holo(n, k, e, rings)
    std, std_layers = _matched_standard(n_params(holo), n, k, e)
    models = {"holographic": holo, "standard": std}
    history: dict[str, list[float]] = {}
    for name, model in models.items():
        g = torch.Generator().manual_seed(seed + 1)  # the same data stream for both
        opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
        losses = []
        bar = tqdm(range(steps), desc=f"erasure/{name}", disable=not progress)
        for _ in bar:
            rates = torch.rand(64, generator=g) * 0.6
            arcs = torch.rand(64, generator=g) < 0.5
            sym, mask, bits = task.sample(64, rates, g, arcs)
            loss = nn.functional.binary_cross_entropy_with_logits(model(sym, mask), bits)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            losses.append(loss.item())
        history[name] = [float(np.mean(losses[i:i + 10])) for i in range(0, steps, 10)]
    curves: dict[str, dict[str, list[float]]] = {}
    for kind in ("random", "interval"):
        cur: dict[str, list[float]] = {name: [] for name in models}
        cur["optimal decoder"] = []
        for rate in MASK_RATES:
            g = torch.Generator().manual_seed(seed + 2)
            sym, mask, bits = task.sample(n_eval, rate, g, kind == "interval")
            for name, model in models.items():
                model.eval()
                with torch.no_grad():
                    pred = (model(sym, mask) > 0).float()
                cur[name].append(float((pred == bits).float().mean()))
            rec = np.array([recoverable_bits(task.gen, np.nonzero(~m.numpy())[0]).mean()
                            for m in mask[:200]])
            cur["optimal decoder"].append(float(np.mean(rec + 0.5 * (1 - rec))))
        curves[kind] = cur
    return {
        "experiment": "erasure", "quick": quick, "seed": seed,
        "task": {"n_boundary": n, "bits": k, "embed_dim": e, "noise": 0.02,
                 "train_steps": steps, "train_mask_rates": [0.0, 0.6],
                 "train_masks": "half random tokens, half one contiguous arc",
                 "n_eval": n_eval},
        "params": {name: n_params(m) for name, m in models.items()},
        "standard_layers": std_layers, "ring_sizes": rings, "ring_sizes_from": ring_src,
        "mask_rates": list(MASK_RATES), "bit_accuracy": curves["random"],
        "bit_accuracy_interval": curves["interval"], "train_loss": history,
        "threshold": _threshold_reference(quick, seed),
    }
