"""Erasure robustness: recover core information from a partly masked boundary.

Task. A core message of ``k`` bits is encoded on ``N`` boundary tokens by a
seeded repetition layout (each bit copied onto ``N/k`` tokens scattered around
the boundary ring: symbol ``i`` = bit ``sigma(i)``); every symbol is flipped
independently with probability ``noise`` (2%). Each token is its symbol plus its
position. A model sees the boundary with a fraction ``p`` of tokens erased
(``key_padding_mask``: random tokens, or one contiguous arc) and must output all
``k`` bits.

Models, trained identically (same data stream, erasure rates drawn from
``[0, 0.6]``) at (nearly) equal parameter count:

- *holographic*: :class:`~holonet.nn.HolographicAttention` (rings
  ``HyperbolicTiling(5, 4, 2).layer_sizes``) inside an
  :class:`~holonet.nn.EncoderBlock`, read out from the core latents;
- *holographic + aux*: the same model, same initialisation, trained with the
  seed's error-correcting auxiliary loss (``error_correcting=True``: the core must
  be reconstructable from the wedge of any one ring-1 tile), weight ``AUX_WEIGHT``;
- *standard*: ``nn.TransformerEncoder`` with mean pooling over the unmasked
  tokens, its depth and feed-forward width chosen to match the parameter count.

Reference curves, on the very samples the models are scored on:

- the optimal decoder: with the repetition layout and independent flips, the
  Bayes decoder of each bit is the majority vote of its unerased copies (a tie or
  no copy left is a coin flip, scored 1/2), so its expected accuracy on each
  sample is computed exactly;
- the HaPPY code's central logical under the same erasure rates
  (:func:`holonet.verify.erasure_threshold`, exact decoder) and, for contiguous
  arcs, the fraction of arc positions leaving it in the wedge of the rest.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from holonet.nn.encoder import EncoderBlock
from holonet.nn.experiments._common import n_params, seed_all
from holonet.nn.holographic import HolographicAttention, auxiliary_loss

__all__ = ["AUX_WEIGHT", "MASK_RATES", "optimal_accuracy", "run_erasure"]

MASK_RATES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)
#: weight of the error-correcting auxiliary loss in the "holographic + aux" model
AUX_WEIGHT = 0.1
#: symbol flip probability of the task
NOISE = 0.02


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


def optimal_accuracy(gen: np.ndarray, sym: Tensor, mask: Tensor, bits: Tensor) -> float:
    """Expected bit accuracy of the Bayes decoder on these samples.

    ``gen`` must be a repetition layout (one 1 per column: symbol ``i`` copies one bit)
    with independent symbol flips of probability < 1/2: the posterior of each bit then
    favours the majority of its unerased copies, and a tie (or no copy left) leaves
    both values equally likely -- scored 1/2, the expectation of a coin flip.

    Examples
    --------
    >>> import numpy as np, torch
    >>> gen = np.array([[1, 1, 1, 0], [0, 0, 0, 1]], dtype=np.uint8)
    >>> sym = torch.tensor([[1, 1, 0, 0]])          # bit 0 = 1 with one flipped copy
    >>> bits = torch.tensor([[1.0, 0.0]])
    >>> optimal_accuracy(gen, sym, torch.tensor([[False, False, False, True]]), bits)
    0.75
    """
    g = np.asarray(gen)
    if g.ndim != 2 or not (g.sum(axis=0) == 1).all():
        raise ValueError("optimal_accuracy needs a repetition layout: every column of gen "
                         "must hold exactly one 1")
    kept = (~mask).to(torch.float64)
    vote = (2.0 * sym.to(torch.float64) - 1.0) * kept                      # +1 / -1 / 0
    tally = vote @ torch.as_tensor(g.T, dtype=torch.float64)                # (B, k)
    truth = 2.0 * bits.to(torch.float64) - 1.0
    score = torch.where(tally == 0, torch.full_like(tally, 0.5),
                        (torch.sign(tally) == truth).to(torch.float64))
    return float(score.mean())


class _Holo(nn.Module):
    def __init__(self, n: int, k: int, e: int, rings: list[int], aux: bool) -> None:
        super().__init__()
        self.emb = nn.Embedding(2, e)
        self.pos = nn.Parameter(0.1 * torch.randn(n, e))
        self.attn = HolographicAttention(e, 2, ring_sizes=rings, window=2,
                                         error_correcting=aux)
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


def _ring_sizes() -> list[int]:
    from holonet.geometry import HyperbolicTiling

    return [int(s) for s in HyperbolicTiling(5, 4, 2).layer_sizes]


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
    """The HaPPY code's central-logical recovery at the same erasure rates (exact
    decoder, :func:`holonet.verify.erasure_threshold`) and its threshold; for
    contiguous erasures, the fraction of arc positions leaving the central logical in
    the wedge of the rest (``StabilizerCode.recoverable_logicals``)."""
    from holonet.codes import happy_code
    from holonet.verify import erasure_threshold

    family = [happy_code(layers, variant="single") for layers in (2, 3)]
    shots = 60 if quick else 2000
    rep = erasure_threshold(family, list(MASK_RATES), shots, seed=seed, progress=False)
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
    return {"code": "happy_code(layers, variant='single'), layers 2, 3",
            "decoder": rep.decoder, "shots": shots, "threshold": rep.threshold,
            "threshold_err": rep.threshold_err,
            "curves": [{"label": c["label"], "n": c["n"], "success": c["success"]}
                       for c in rep.curves],
            "interval_curves": intervals}


def _train(model: nn.Module, task: _Task, steps: int, batch: int, seed: int,
           aux_weight: float, desc: str, progress: bool) -> dict[str, list[float]]:
    g = torch.Generator().manual_seed(seed + 1)  # the same data stream for every model
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    losses, aux_losses = [], []
    model.train()
    for _ in tqdm(range(steps), desc=desc, disable=not progress):
        rates = torch.rand(batch, generator=g) * 0.6
        arcs = torch.rand(batch, generator=g) < 0.5
        sym, mask, bits = task.sample(batch, rates, g, arcs)
        loss = nn.functional.binary_cross_entropy_with_logits(model(sym, mask), bits)
        total = loss
        if aux_weight:
            aux = auxiliary_loss(model)
            assert aux is not None
            total = loss + aux_weight * aux
            aux_losses.append(float(aux.detach()))
        opt.zero_grad()
        total.backward()
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))
    every = max(1, steps // 50)
    out = {"task": [float(np.mean(losses[i:i + every])) for i in range(0, steps, every)]}
    if aux_losses:
        out["aux"] = [float(np.mean(aux_losses[i:i + every])) for i in range(0, steps, every)]
    return out


def run_erasure(quick: bool = True, seed: int = 0, progress: bool = False) -> dict[str, Any]:
    """Train the three models and return accuracy-vs-erasure curves (JSON-serialisable).

    Every model and the optimal decoder are scored on the same ``n_eval`` samples per
    erasure rate and kind.
    """
    n, k, e = (20, 6, 16) if quick else (32, 8, 32)
    steps = 30 if quick else 2500
    batch = 32 if quick else 64
    n_eval = 128 if quick else 2000
    seed_all(seed)
    task = _Task(n, k, noise=NOISE, seed=seed)
    rings = _ring_sizes()
    torch.manual_seed(seed)
    holo = _Holo(n, k, e, rings, aux=False)
    holo_aux = _Holo(n, k, e, rings, aux=True)
    holo_aux.load_state_dict(holo.state_dict())      # the same initialisation
    std, std_layers = _matched_standard(n_params(holo), n, k, e)
    models: dict[str, nn.Module] = {"holographic": holo, "holographic + aux": holo_aux,
                                    "standard": std}
    history = {}
    for name, model in models.items():
        history[name] = _train(model, task, steps, batch, seed,
                               AUX_WEIGHT if name == "holographic + aux" else 0.0,
                               f"erasure/{name}", progress)
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
            cur["optimal decoder"].append(optimal_accuracy(task.gen, sym, mask, bits))
        curves[kind] = cur
    return {
        "experiment": "erasure", "quick": quick, "seed": seed,
        "task": {"n_boundary": n, "bits": k, "embed_dim": e, "noise": NOISE,
                 "train_steps": steps, "batch": batch, "train_mask_rates": [0.0, 0.6],
                 "train_masks": "half random tokens, half one contiguous arc",
                 "n_eval": n_eval, "aux_weight": AUX_WEIGHT,
                 "segments": "wedge of each ring-1 tile (HolographicAttention.segment_masks)",
                 "optimal_decoder": "majority vote of the unerased copies of each bit "
                                    "(Bayes-optimal for independent flips), same samples"},
        "params": {name: n_params(m) for name, m in models.items()},
        "standard_layers": std_layers, "ring_sizes": rings,
        "ring_sizes_from": "HyperbolicTiling(5, 4, 2).layer_sizes",
        "mask_rates": list(MASK_RATES), "bit_accuracy": curves["random"],
        "bit_accuracy_interval": curves["interval"], "train_loss": history,
        "threshold": _threshold_reference(quick, seed),
    }
