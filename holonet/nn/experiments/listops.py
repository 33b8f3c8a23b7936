r"""Long Range Arena ListOps: HSA against flat softmax, FlexAttention and H-Transformer-1D.

``holonet experiment listops`` trains one small encoder with four attention
variants for the same CPU budget on ListOps (:mod:`._listops_data`: LRA's
generator -- nested ``[MIN``/``[MAX``/``[MED``/``[SM`` over digits, 500-2,000
tokens, 10 classes) and reports test accuracy, time per step, steps done and
peak memory.

**The encoder** (:class:`ListOpsEncoder`): token embedding plus a sinusoidal
positional encoding, ``layers`` pre-norm blocks -- the block of
``nn.TransformerEncoderLayer(norm_first=True, activation="gelu", dropout=0)``,
with the attention module swapped (a test checks the softmax block against
``nn.TransformerEncoderLayer`` with the same weights) -- then a final LayerNorm,
mean pooling over the non-padding tokens and a linear classifier. Sequences are
padded to ``seq_len`` (LRA pads to 2,000; here 2,048 = 2^11, the length
``h-transformer-1d`` pads to internally anyway). The attention variants
(:data:`MODELS`):

- ``softmax``: ``nn.MultiheadAttention`` (``need_weights=False``: torch's
  ``scaled_dot_product_attention``), exact flat attention;
- ``hsa``: :class:`holonet.nn.HSAttention` over the window tree
  ``Tree.fixed_windows(seq_len, hsa_branching)`` (default ``[16, 8, 4, 4]``);
- ``flex``: ``flex_attention`` with a sliding-window ``BlockMask``
  (``|i - j| < flex_window``), compiled once (the compile is timed and reported,
  not charged to the budget); its backward is supplied by holonet because
  torch's CPU flex has none (:mod:`._peers`);
- ``h-transformer``: ``HAttention1D`` of ``h-transformer-1d`` (peer package,
  extra ``peers``) with block size ``htr_block``.

The first three have identical parameter shapes; ``HAttention1D`` has no
``q/k/v`` bias (``3 * embed_dim`` fewer parameters per layer), reported.

**Fair budget.** Each model gets the same *process CPU time* of training steps
(``time.process_time``, one pinned thread; evaluation excluded), so a busy
neighbour on the shared machine slows the wall clock but does not change what a
model can do. The learning-rate schedule (linear warm-up over 5%, cosine decay
to 10%) runs on the fraction of the budget used, so every model sees a complete
schedule. Same seed, same initialisation seed and the same stream of batches
for every model. Peak memory: the resident-set high-water mark during training
(``/proc/self/clear_refs`` resets it after warm-up; freed memory is returned
with ``malloc_trim`` first), above the resting state.

Examples
--------
>>> from holonet.nn.experiments.listops import ListOpsConfig, run_listops
>>> cfg = ListOpsConfig.quick().replace(max_steps=2, n_train=16, n_val=8, n_test=8,
...                                     evals=1)
>>> res = run_listops(cfg, models=("softmax", "hsa"), seed=0)
>>> sorted(res["models"]), res["models"]["hsa"]["steps"]
(['hsa', 'softmax'], 2)
>>> res["models"]["hsa"]["params"] == res["models"]["softmax"]["params"]
True
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import dataclasses
import gc
import importlib.util
import math
import platform
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn
from tqdm.auto import tqdm

from holonet._options import check_int, check_option
from holonet.nn.experiments._common import n_params, torch_threads
from holonet.nn.experiments._listops_data import LRA_LISTOPS, VOCAB, ListOpsSplit, listops_splits

__all__ = ["LRA_REFERENCE", "MODELS", "PEER_PACKAGES", "ListOpsConfig", "ListOpsEncoder",
           "build_model", "pinned_threads", "run_listops", "run_listops_quick",
           "run_listops_to_files", "run_listops_to_json"]

#: attention variant -> one-line description
MODELS: dict[str, str] = {
    "softmax": "flat softmax (nn.MultiheadAttention / SDPA)",
    "hsa": "HSA (holonet.nn.HSAttention, window tree)",
    "flex": "FlexAttention, sliding-window BlockMask (compiled)",
    "h-transformer": "H-Transformer-1D (h-transformer-1d's HAttention1D)",
}

#: model -> (module, pip name) of the benchmark-only peer package it needs
PEER_PACKAGES: dict[str, tuple[str, str]] = {"h-transformer": ("h_transformer_1d",
                                                               "h-transformer-1d")}

#: Published LRA ListOps test accuracies (Tay et al. 2021; Zhu & Soricut 2021), trained
#: for 5,000 steps of batch 32 with 6 layers of width 512 on accelerators.
LRA_REFERENCE: dict[str, float] = {"transformer": 0.364, "h-transformer-1d": 0.495}

N_CLASSES = 10


@dataclass(frozen=True)
class ListOpsConfig:
    """Every setting of one ListOps comparison (recorded in the JSON output).

    ``budget_cpu_s`` (CPU seconds of training per model) and/or ``max_steps`` end
    training; :meth:`quick` is step-bounded (deterministic), :meth:`full` CPU-bounded.
    """

    seq_len: int = 2048
    min_length: int = 500
    max_length: int = 2000
    max_depth: int = 10
    max_args: int = 10
    n_train: int = 40000
    n_val: int = 500
    n_test: int = 2000
    embed_dim: int = 64
    heads: int = 4
    layers: int = 2
    ff_dim: int = 128
    batch: int = 16
    lr: float = 1e-3
    weight_decay: float = 0.01
    warmup: float = 0.05
    budget_cpu_s: float | None = 900.0
    max_steps: int | None = None
    evals: int = 5
    hsa_branching: tuple[int, ...] = (16, 8, 4, 4)
    flex_window: int = 128
    htr_block: int = 16
    compile_flex: bool = True
    threads: int = 1
    memory_limit: str = "4G"
    is_quick: bool = False

    @classmethod
    def full(cls, budget_cpu_s: float = 900.0) -> ListOpsConfig:
        """LRA's lengths (500-2,000 tokens, padded to 2,048), ``budget_cpu_s`` per model."""
        return cls(budget_cpu_s=float(budget_cpu_s))

    @classmethod
    def quick(cls) -> ListOpsConfig:
        """Tiny sequences (20-120 tokens, padded to 128) and 6 steps: seconds, eager flex."""
        return cls(seq_len=128, min_length=20, max_length=120, n_train=96, n_val=32,
                   n_test=64, embed_dim=32, heads=4, layers=2, ff_dim=64, batch=8,
                   budget_cpu_s=None, max_steps=6, evals=2, hsa_branching=(16, 8),
                   flex_window=32, htr_block=16, compile_flex=False, is_quick=True)

    def replace(self, **changes: Any) -> ListOpsConfig:
        """A copy with ``changes`` applied (validated)."""
        return dataclasses.replace(self, **changes)

    def __post_init__(self) -> None:
        for name in ("seq_len", "n_train", "n_val", "n_test", "embed_dim", "heads", "layers",
                     "ff_dim", "batch", "evals", "flex_window", "htr_block", "threads"):
            check_int(name, getattr(self, name), minimum=1)
        if self.seq_len < self.max_length - 1:
            raise ValueError(f"seq_len={self.seq_len} is shorter than the longest sequence "
                             f"(max_length - 1 = {self.max_length - 1})")
        if self.embed_dim % self.heads:
            raise ValueError(f"embed_dim={self.embed_dim} is not divisible by "
                             f"heads={self.heads}")
        if self.budget_cpu_s is None and self.max_steps is None:
            raise ValueError("set budget_cpu_s (CPU seconds per model) or max_steps")
        if self.budget_cpu_s is not None and not self.budget_cpu_s > 0:
            raise ValueError(f"budget_cpu_s must be > 0; got {self.budget_cpu_s}")
        if self.max_steps is not None:
            check_int("max_steps", self.max_steps, minimum=1)
        if self.seq_len < 4 * self.htr_block:
            raise ValueError(f"seq_len={self.seq_len} must be >= 4 * htr_block = "
                             f"{4 * self.htr_block} (HAttention1D needs two levels)")

    def as_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["hsa_branching"] = list(self.hsa_branching)
        return d


# ---------------------------------------------------------------------------------
# the encoder


def _sinusoid(n: int, e: int) -> Tensor:
    pos = torch.arange(n, dtype=torch.float32)[:, None]
    freq = torch.exp(torch.arange(0, e, 2, dtype=torch.float32) * (-math.log(10000.0) / e))
    pe = torch.zeros(n, e)
    pe[:, 0::2] = torch.sin(pos * freq)
    pe[:, 1::2] = torch.cos(pos * freq[: e // 2])
    return pe


class _MHAInterface(nn.Module):
    """``(x, pad) -> y`` around a module with ``nn.MultiheadAttention``'s call convention."""

    def __init__(self, attn: nn.Module) -> None:
        super().__init__()
        self.attn = attn

    def forward(self, x: Tensor, pad: Tensor) -> Tensor:
        return self.attn(x, x, x, key_padding_mask=pad, need_weights=False)[0]


class _Block(nn.Module):
    """``nn.TransformerEncoderLayer(norm_first=True, activation="gelu", dropout=0.0)``
    with ``attention(x, pad)`` in place of its ``self_attn``."""

    def __init__(self, attention: nn.Module, embed_dim: int, ff_dim: int) -> None:
        super().__init__()
        self.self_attn = attention
        self.linear1 = nn.Linear(embed_dim, ff_dim)
        self.linear2 = nn.Linear(ff_dim, embed_dim)
        self.norm1 = nn.LayerNorm(embed_dim)
        self.norm2 = nn.LayerNorm(embed_dim)

    def forward(self, x: Tensor, pad: Tensor) -> Tensor:
        x = x + self.self_attn(self.norm1(x), pad)
        return x + self.linear2(F.gelu(self.linear1(self.norm2(x))))


class ListOpsEncoder(nn.Module):
    """Embedding + positional encoding, pre-norm blocks, mean pooling, classifier.

    Parameters
    ----------
    attentions
        One module per block mapping ``(x, pad) -> y`` (``x``: ``(B, N, E)``,
        ``pad``: ``(B, N)`` bool, True = padding); :func:`build_model` makes them.
    seq_len, embed_dim, ff_dim
        Padded length, width, and hidden width of the feed-forward part.

    Examples
    --------
    >>> import torch
    >>> model = build_model("softmax", ListOpsConfig.quick())
    >>> model(torch.randint(1, 16, (2, 128))).shape
    torch.Size([2, 10])
    """

    def __init__(self, attentions: Sequence[nn.Module], *, seq_len: int, embed_dim: int,
                 ff_dim: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(len(VOCAB) + 1, embed_dim, padding_idx=0)
        self.pos: Tensor
        self.register_buffer("pos", _sinusoid(seq_len, embed_dim), persistent=False)
        self.blocks = nn.ModuleList([_Block(a, embed_dim, ff_dim) for a in attentions])
        self.norm = nn.LayerNorm(embed_dim)
        self.head = nn.Linear(embed_dim, N_CLASSES)

    def forward(self, tokens: Tensor) -> Tensor:
        """``(B, N)`` token ids (0 = padding) -> ``(B, 10)`` class logits."""
        pad = tokens == 0
        x = self.embed(tokens) + self.pos[: tokens.shape[1]]
        for blk in self.blocks:
            x = blk(x, pad)
        keep = (~pad).to(x.dtype)[..., None]
        pooled = (self.norm(x) * keep).sum(1) / keep.sum(1).clamp(min=1.0)
        return self.head(pooled)


def _attention(name: str, cfg: ListOpsConfig) -> nn.Module:
    e, h = cfg.embed_dim, cfg.heads
    if name == "softmax":
        return _MHAInterface(nn.MultiheadAttention(e, h, batch_first=True))
    if name == "hsa":
        from holonet.attention import Tree
        from holonet.nn import HSAttention

        tree = Tree.fixed_windows(cfg.seq_len, list(cfg.hsa_branching))
        return _MHAInterface(HSAttention(e, h, batch_first=True, tree=tree))
    if name == "flex":
        from holonet.nn.experiments._peers import FlexLocalAttention

        return FlexLocalAttention(e, h, seq_len=cfg.seq_len, window=cfg.flex_window,
                                  compile=cfg.compile_flex)
    from holonet.nn.experiments._peers import HTransformerAttention

    return HTransformerAttention(e, h, block_size=cfg.htr_block)


def build_model(name: str, cfg: ListOpsConfig) -> ListOpsEncoder:
    """The encoder with attention variant ``name`` (one of :data:`MODELS`).

    Examples
    --------
    >>> cfg = ListOpsConfig.quick()
    >>> from holonet.nn.experiments._common import n_params
    >>> n_params(build_model("hsa", cfg)) == n_params(build_model("softmax", cfg))
    True
    """
    check_option("ListOps model", name, MODELS)
    return ListOpsEncoder([_attention(name, cfg) for _ in range(cfg.layers)],
                          seq_len=cfg.seq_len, embed_dim=cfg.embed_dim, ff_dim=cfg.ff_dim)


def peer_missing(name: str) -> str | None:
    """The reason model ``name`` cannot run (its peer package is absent), else ``None``."""
    if name in PEER_PACKAGES:
        module, pip_name = PEER_PACKAGES[name]
        if importlib.util.find_spec(module) is None:
            return f"peer package {pip_name} not installed (benchmarks only)"
    return None


# ---------------------------------------------------------------------------------
# measurement helpers


@contextlib.contextmanager
def pinned_threads(n: int) -> Iterator[None]:
    """Run with ``n`` torch threads and ``n`` BLAS threads; restore both afterwards.

    Examples
    --------
    >>> import torch
    >>> before = torch.get_num_threads()
    >>> with pinned_threads(1):
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
    """
    from threadpoolctl import threadpool_limits

    with torch_threads(n), threadpool_limits(limits=n):
        yield


_STATUS = Path("/proc/self/status")


def _status_kib(field: str) -> int | None:
    try:
        m = re.search(rf"^{field}:\s+(\d+)\s+kB", _STATUS.read_text(), re.MULTILINE)
    except OSError:
        return None
    return int(m.group(1)) if m else None


def _reset_peak() -> tuple[int, str]:
    """Return freed heap memory to the OS, reset the RSS high-water mark; return the RSS
    now (KiB) and the method used."""
    gc.collect()
    libc_name = ctypes.util.find_library("c")
    if libc_name:
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(libc_name).malloc_trim(0)
    try:
        Path("/proc/self/clear_refs").write_text("5")
        method = "VmHWM reset by /proc/self/clear_refs"
    except OSError:
        method = "ru_maxrss (process peak, not reset; an upper bound)"
    rss = _status_kib("VmRSS")
    if rss is None:
        import resource

        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss), method
    return rss, method


def _peak_kib() -> int:
    hwm = _status_kib("VmHWM")
    if hwm is None:
        import resource

        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    return hwm


# ---------------------------------------------------------------------------------
# training


def _batches(n: int, batch: int, seed: int) -> Iterator[np.ndarray]:
    """Index batches of a fresh permutation per epoch (identical stream for every model)."""
    rng = np.random.default_rng(seed)
    while True:
        perm = rng.permutation(n)
        for i in range(0, n - batch + 1, batch):
            yield perm[i:i + batch]


def _lr_factor(progress: float, warmup: float) -> float:
    warm = min(1.0, progress / warmup) if warmup > 0 else 1.0
    return warm * (0.1 + 0.9 * 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress))))


@torch.no_grad()
def _accuracy(model: nn.Module, split: ListOpsSplit, batch: int,
              limit: int | None = None) -> float:
    """Accuracy on ``split`` in batches of exactly ``batch`` (the last one is filled with
    copies of its first sequence and those predictions dropped: no recompilation)."""
    model.eval()
    n = len(split) if limit is None else min(limit, len(split))
    correct = 0
    for i in range(0, n, batch):
        idx = np.arange(i, min(i + batch, n))
        full = np.concatenate([idx, np.full(batch - len(idx), idx[0])])
        with torch.no_grad():  # the graph the warm-up compiled (and no autograd tape)
            logits = model(torch.from_numpy(split.tokens[full].astype(np.int64)))
        pred = logits[: len(idx)].argmax(-1).numpy()
        correct += int((pred == split.labels[idx]).sum())
    model.train()
    return correct / n


def _downsample(points: list[list[float]], keep: int = 200) -> list[list[float]]:
    if len(points) <= keep:
        return points
    edges = np.linspace(0, len(points), keep + 1).astype(int)
    arr = np.asarray(points)
    return [arr[a:b].mean(0).tolist() for a, b in zip(edges[:-1], edges[1:]) if b > a]


def _train_one(name: str, cfg: ListOpsConfig, data: dict[str, ListOpsSplit], seed: int,
               progress: bool, position: int | None = None) -> dict[str, Any]:
    torch.manual_seed(seed)
    model = build_model(name, cfg)
    params = n_params(model)
    attn_params = sum(n_params(b.self_attn) for b in model.blocks
                      if isinstance(b, _Block))
    train = data["train"]
    batches = _batches(len(train), cfg.batch, seed + 1)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay,
                            betas=(0.9, 0.98))

    def get(idx: np.ndarray) -> tuple[Tensor, Tensor]:
        return (torch.from_numpy(train.tokens[idx].astype(np.int64)),
                torch.from_numpy(train.labels[idx]))

    # warm-up: one forward/backward without an update (compiles flex); timed, not charged
    wall0, cpu0 = time.perf_counter(), time.process_time()
    x, y = get(np.arange(cfg.batch) % len(train))
    F.cross_entropy(model(x), y).backward()
    opt.zero_grad(set_to_none=True)
    with torch.no_grad():  # the eval-mode graph too (compiled flex: same shapes, no grad)
        model.eval()
        model(x)
        model.train()
    warm_wall, warm_cpu = time.perf_counter() - wall0, time.process_time() - cpu0

    rss0, mem_method = _reset_peak()
    budget, max_steps = cfg.budget_cpu_s, cfg.max_steps
    steps, train_cpu, train_wall = 0, 0.0, 0.0
    losses: list[list[float]] = []
    curve: list[list[float]] = []
    next_eval = 1
    bar = tqdm(total=float(budget) if budget else max_steps, disable=not progress,
               desc=f"listops/{name}", unit="cpu-s" if budget else "step", position=position,
               bar_format="{l_bar}{bar}| {n:.0f}/{total:.0f} {unit} [{elapsed}<{remaining}]")
    try:
        while True:
            frac = max(steps / max_steps if max_steps else 0.0,
                       train_cpu / budget if budget else 0.0)
            if frac >= 1.0:
                break
            c0, w0 = time.process_time(), time.perf_counter()
            for g in opt.param_groups:
                g["lr"] = cfg.lr * _lr_factor(frac, cfg.warmup)
            x, y = get(next(batches))
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            dt = time.process_time() - c0
            train_cpu += dt
            train_wall += time.perf_counter() - w0
            steps += 1
            losses.append([train_cpu, loss.item()])
            # never past the total: tqdm drops a total that n exceeds by 0.5 and the
            # bar format's {total:.0f} would then fail on the last step of a budget
            bar.update(min(dt, max(0.0, bar.total - bar.n)) if budget else 1)
            bar.set_postfix(loss=f"{loss.item():.3f}", step=steps, refresh=False)
            frac = max(steps / max_steps if max_steps else 0.0,
                       train_cpu / budget if budget else 0.0)
            if next_eval < cfg.evals and frac >= next_eval / cfg.evals:
                curve.append([train_cpu, _accuracy(model, data["val"], cfg.batch)])
                next_eval += 1
    finally:
        bar.close()
    peak = _peak_kib()
    val_acc = _accuracy(model, data["val"], cfg.batch)
    curve.append([train_cpu, val_acc])
    test_acc = _accuracy(model, data["test"], cfg.batch)
    tail = [loss for _, loss in losses[-max(1, len(losses) // 10):]]
    return {
        "description": MODELS[name],
        "params": params, "attention_params": attn_params,
        "steps": steps, "sequences_seen": steps * cfg.batch,
        "epochs": steps * cfg.batch / len(train),
        "train_cpu_s": train_cpu, "train_wall_s": train_wall,
        "cpu_per_step_s": train_cpu / max(1, steps), "wall_per_step_s": train_wall / max(1, steps),
        "warmup_wall_s": warm_wall, "warmup_cpu_s": warm_cpu,
        "compiled": bool(name == "flex" and cfg.compile_flex),
        "peak_train_mib": max(0, peak - rss0) / 1024, "peak_rss_mib": peak / 1024,
        "memory_method": mem_method,
        "test_accuracy": test_acc, "val_accuracy": val_acc,
        "final_train_loss": float(np.mean(tail)) if tail else float("nan"),
        "val_curve": curve, "loss_curve": _downsample(losses),
    }


def run_listops(cfg: ListOpsConfig | None = None, *, models: Sequence[str] | None = None,
                seed: int = 0, progress: bool = False,
                on_model_done: Callable[[dict[str, Any]], object] | None = None,
                jobs: int = 1) -> dict[str, Any]:
    """Train every model in ``models`` (default: all of :data:`MODELS`) under ``cfg``.

    Returns a JSON-serialisable dict (``models[name]``: accuracy, steps, time per
    step, peak memory, parameters; a model whose peer package is missing gets
    ``{"skipped": reason}``). ``on_model_done(result_so_far)`` is called after
    each model (the CLI writes the JSON there, so an interrupt keeps finished
    models). Threads are pinned to ``cfg.threads`` inside and restored.

    ``jobs > 1`` trains that many models at once, each in a fresh process of its
    own (spawned; its peak memory is then its own). The numbers do not depend on
    ``jobs`` beyond timing noise: the budget is each process's own CPU time, and
    concurrent models see the same neighbours at the same time.
    """
    check_int("jobs", jobs, minimum=1)
    cfg = ListOpsConfig.quick() if cfg is None else cfg
    names = list(MODELS) if models is None else list(models)
    for name in names:
        check_option("ListOps model", name, MODELS)
    if len(set(names)) != len(names):
        raise ValueError(f"models listed twice: {names}")
    t0 = time.perf_counter()
    data = _splits(cfg, seed)
    data_s = time.perf_counter() - t0
    test = data["test"]
    counts = np.bincount(test.labels, minlength=N_CLASSES)
    result: dict[str, Any] = {
        "experiment": "listops", "quick": cfg.is_quick,
        "seed": seed, "config": cfg.as_dict(),
        "task": {"generator": {**{k: LRA_LISTOPS[k] for k in ("value_p",)},
                               "max_depth": cfg.max_depth, "max_args": cfg.max_args,
                               "min_length": cfg.min_length, "max_length": cfg.max_length},
                 "lra_generator": {k: LRA_LISTOPS[k] for k in LRA_LISTOPS},
                 "n_train": cfg.n_train, "n_val": cfg.n_val, "n_test": cfg.n_test,
                 "mean_length": float(data["train"].lengths.mean()),
                 "test_class_counts": counts.tolist(),
                 "majority_baseline": float(counts.max() / counts.sum()),
                 "data_seconds": data_s},
        "lra_reference": LRA_REFERENCE,
        "machine": {"python": platform.python_version(), "torch": torch.__version__,
                    "processor": platform.processor() or platform.machine(),
                    "threads": cfg.threads},
        "models": {},
        "complete": False,
    }
    result["machine"]["jobs"] = jobs
    runnable = []
    for name in names:
        reason = peer_missing(name)
        if reason is None:
            runnable.append(name)
            continue
        result["models"][name] = {"skipped": reason, "description": MODELS[name]}
        if on_model_done is not None:
            on_model_done(result)
    if jobs == 1 or len(runnable) <= 1:
        with pinned_threads(cfg.threads):
            for name in runnable:
                result["models"][name] = _guarded_train(name, cfg, data, seed, progress)
                if on_model_done is not None:
                    on_model_done(result)
    else:
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")
        tasks = [(name, cfg, seed, progress, i) for i, name in enumerate(runnable)]
        pool = ctx.Pool(min(jobs, len(runnable)), maxtasksperchild=1)
        try:
            for name, res in pool.imap_unordered(_train_job, tasks):
                result["models"][name] = res
                if on_model_done is not None:
                    on_model_done(result)
            pool.close()
        except BaseException:
            pool.terminate()
            raise
        finally:
            pool.join()
    result["models"] = {k: result["models"][k] for k in names}
    failed = {k: m["failed"] for k, m in result["models"].items() if "failed" in m}
    if failed:  # the others are saved (on_model_done) before this is raised
        raise RuntimeError("ListOps models failed: " + "; ".join(f"{k}: {v}"
                                                                   for k, v in failed.items()))
    result["complete"] = True
    return result


@contextlib.contextmanager
def _memory_limit(limit: str) -> Iterator[None]:
    """``HOLONET_MEMORY_LIMIT = limit`` inside (unless the user set it), restored after.

    holonet's attention operators refuse a call whose predicted memory exceeds a
    quarter of the RAM available *at that moment*; on a shared machine a neighbour
    briefly taking the RAM would then stop a long training run half way. The
    experiment's sizes are fixed, so a fixed limit replaces that default.
    """
    import os

    from holonet._io import temporary_env

    if "HOLONET_MEMORY_LIMIT" in os.environ:
        yield
        return
    with temporary_env("HOLONET_MEMORY_LIMIT", limit):
        yield


def _guarded_train(name: str, cfg: ListOpsConfig, data: dict[str, ListOpsSplit], seed: int,
                   progress: bool, position: int | None = None) -> dict[str, Any]:
    """:func:`_train_one`; an exception becomes ``{"failed": message}`` so that the other
    models still run and are saved (:func:`run_listops` raises at the end)."""
    try:
        with _memory_limit(cfg.memory_limit):
            return _train_one(name, cfg, data, seed, progress, position)
    except Exception as exc:
        return {"failed": f"{type(exc).__name__}: {exc}", "description": MODELS[name]}


def _train_job(task: tuple[str, ListOpsConfig, int, bool, int]
               ) -> tuple[str, dict[str, Any]]:
    """One model in a worker process (the data comes from the cache the parent filled)."""
    name, cfg, seed, progress, position = task
    data = _splits(cfg, seed)
    with pinned_threads(cfg.threads):
        return name, _guarded_train(name, cfg, data, seed, progress, position)


def _splits(cfg: ListOpsConfig, seed: int) -> dict[str, ListOpsSplit]:
    return listops_splits({"train": cfg.n_train, "val": cfg.n_val, "test": cfg.n_test},
                          seed=seed, seq_len=cfg.seq_len, min_length=cfg.min_length,
                          max_length=cfg.max_length, max_depth=cfg.max_depth,
                          max_args=cfg.max_args)


def run_listops_quick(quick: bool = True, seed: int = 0, progress: bool = False
                      ) -> dict[str, Any]:
    """The registry's ``run_<name>(quick, seed, progress)`` form (no files written)."""
    return run_listops(ListOpsConfig.quick() if quick else ListOpsConfig.full(), seed=seed,
                       progress=progress)


# ---------------------------------------------------------------------------------
# the JSON file: rewritten atomically after every model

#: The JSON file (under ``<out>/nn_data/``) and the figure drawing it.
JSON_NAME = "listops.json"
FIGURE = "nn_listops"


def _previous(path: Path, cfg: ListOpsConfig, seed: int) -> dict[str, Any]:
    """Models of an earlier run in ``path`` with the same settings and seed (else none)."""
    import json

    if not path.is_file():
        return {}
    try:
        old = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    if old.get("config") != cfg.as_dict() or old.get("seed") != seed:
        return {}
    return {k: v for k, v in old.get("models", {}).items()
            if "skipped" not in v and "failed" not in v}


def run_listops_to_json(path: str | Path, cfg: ListOpsConfig, *,
                        models: Sequence[str] | None = None, seed: int = 0,
                        progress: bool = False, command: str = "", jobs: int = 1
                        ) -> dict[str, Any]:
    """:func:`run_listops`, writing ``path`` (JSON, atomically) after every model.

    An interrupted run keeps the finished models on disk. With ``models`` given,
    the results of the other models already in ``path`` from a run with the same
    settings and seed are kept (merged in :data:`MODELS` order); ``complete`` is
    true once every model of :data:`MODELS` is present.
    """
    import json

    from holonet._io import atomic_open

    path = Path(path)
    full_command = re.sub(r" --models( (?!-)[\w-]+)+", "", command)

    def merged(result: dict[str, Any]) -> dict[str, Any]:
        # the models on disk *now*: another invocation (other --models, same settings)
        # may have finished some since this one started
        earlier = _previous(path, cfg, seed) if models is not None else {}
        own = {k: {**v, "command": command} for k, v in result["models"].items()}
        runs = {**earlier, **own}
        data = {**result, "models": {k: runs[k] for k in MODELS if k in runs}}
        data["complete"] = all(k in runs and "failed" not in runs[k] for k in MODELS)
        # complete: the command that reruns every model (each model's own invocation
        # is in its entry); otherwise the invocation that wrote the file
        data["command"] = full_command if data["complete"] else command
        return data

    def save(result: dict[str, Any]) -> dict[str, Any]:
        with _locked(path):
            data = merged(result)
            with atomic_open(path, "w") as fh:
                json.dump(data, fh, indent=1)  # models in MODELS order
                fh.write("\n")
        return data

    result = run_listops(cfg, models=models, seed=seed, progress=progress, on_model_done=save,
                         jobs=jobs)
    return save(result)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path``'s directory (POSIX ``flock`` on the directory, so
    no lock file is left behind; a no-op where unavailable), so that two runs with
    different ``--models`` merge their results instead of overwriting each other."""
    import os

    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


#: CPU seconds of training per model when no budget is given
DEFAULT_BUDGET = 900.0
#: the figure formats of :mod:`holonet.viz.figures` (checked before any work)
_FIGURE_FORMATS = ("svg", "pdf")


def listops_command(*, quick: bool, seed: int, budget: float | None,
                    models: Sequence[str] | None, out: str | Path, jobs: int = 1) -> str:
    """The command line that reproduces a run.

    Examples
    --------
    >>> listops_command(quick=False, seed=0, budget=900, models=None, out="figures")
    'holonet experiment listops --budget 900 --seed 0 --out figures'
    """
    parts = ["holonet experiment listops"]
    if quick:
        parts.append("--quick")
    if budget is not None:
        parts.append(f"--budget {budget:g}")
    if models is not None:
        parts.append("--models " + " ".join(models))
    if jobs != 1:
        parts.append(f"--jobs {jobs}")
    parts.append(f"--seed {seed} --out {out}")
    return " ".join(parts)


def run_listops_to_files(out: str | Path = "figures", *, quick: bool = False, seed: int = 0,
                         budget: float | None = None, models: Sequence[str] | None = None,
                         progress: bool = True, jobs: int = 1) -> dict[str, Any]:
    """``holonet experiment listops``: check the outputs, run, write ``OUT/nn_data/listops.json``.

    Every output path (the JSON and the figure files ``OUT/nn_listops.{svg,pdf}``
    that the command draws afterwards), ``budget`` and ``models`` are checked
    before any work starts. ``budget``: CPU seconds of training per model
    (default 900; with ``quick`` it replaces quick mode's step limit). Returns the
    data with ``files`` (the JSON path); see :func:`run_listops_to_json`.
    """
    from holonet._io import check_output_path

    check_int("seed", seed, minimum=0)
    out_dir = check_output_path(out, what="--out", kind="dir")
    target = check_output_path(out_dir / "nn_data" / JSON_NAME, what="listops JSON",
                               kind="file")
    for fmt in _FIGURE_FORMATS:
        check_output_path(out_dir / f"{FIGURE}.{fmt}", what="listops figure", kind="file")
    if budget is not None and (isinstance(budget, bool) or not isinstance(budget, int | float)
                               or not budget > 0):
        raise ValueError(f"--budget must be a positive number of CPU seconds; got {budget!r}")
    for name in models or ():
        check_option("ListOps model", name, MODELS)
    check_int("--jobs", jobs, minimum=1)
    if quick:
        cfg = ListOpsConfig.quick()
        if budget is not None:
            cfg = cfg.replace(budget_cpu_s=float(budget), max_steps=None)
    else:
        cfg = ListOpsConfig.full(DEFAULT_BUDGET if budget is None else float(budget))
    data = run_listops_to_json(target, cfg, models=models, seed=seed, progress=progress,
                               command=listops_command(quick=quick, seed=seed, budget=budget,
                                                       models=models, out=out, jobs=jobs),
                               jobs=jobs)
    data["files"] = [str(target)]
    return data
