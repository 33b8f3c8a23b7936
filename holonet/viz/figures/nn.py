"""Figures of the holonet.nn experiments, drawn from the experiments' JSON numbers.

Full mode (``holonet figures``) draws the **committed full runs**:
``figures/nn_data/nn_<name>.json``, written by ``holonet experiment NAME --out figures``
(the command is printed on the figure); it never retrains anything. Quick mode
(``holonet figures --quick``, the test suite) reruns each experiment at its quick
size in process, so the whole path from code to figure is exercised; quick results
are labelled as such. :func:`render_experiment` draws the numbers of a run just made
(``holonet experiment`` calls it). No torch import at module level.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from holonet.viz.figures import _repo_figures, register_figure

__all__ = ["RESULTS", "nn_erasure", "nn_listops", "nn_scratch", "nn_zero_shot",
           "render_experiment"]

#: Results handed over by :func:`render_experiment` (drawn instead of a re-run).
RESULTS: dict[str, dict[str, Any]] = {}
#: Quick runs made in this process (quick figures rerun the experiment once).
_QUICK: dict[str, dict[str, Any]] = {}


def render_experiment(name: str, data: dict[str, Any], out: str | Path) -> list[Path]:
    """Draw the figure of experiment ``name`` from ``data`` (a run's numbers) into ``out``.

    Examples
    --------
    >>> import tempfile
    >>> from holonet.nn.experiments import load_data
    >>> data = load_data("scratch", _repo_figures())          # the committed full run
    >>> [p.suffix for p in render_experiment("scratch", data, tempfile.mkdtemp())][:2]
    ['.svg', '.pdf']
    """
    from holonet.nn.experiments import figure_name
    from holonet.viz.figures import render

    fig = figure_name(name)
    # drawn from the data exactly as :func:`holonet.nn.experiments.write_data` stores it
    # (keys sorted), so `holonet figures` redrawing from the file gives the same bytes
    RESULTS[fig] = json.loads(json.dumps(data, sort_keys=True))
    try:
        return render(fig, out, quick=bool(data.get("quick")))
    finally:
        RESULTS.pop(fig, None)


def _candidates(fig: str) -> list[Path]:
    return [Path("figures") / "nn_data" / f"{fig}.json",
            _repo_figures() / "nn_data" / f"{fig}.json"]


def _load(fig: str, experiment: str, quick: bool) -> dict[str, Any]:
    """The numbers a figure draws: handed over, a fresh quick run, or the committed run."""
    if fig in RESULTS:
        return RESULTS[fig]
    if quick:
        if experiment not in _QUICK:
            from holonet.nn.experiments import run_experiment

            _QUICK[experiment] = run_experiment(experiment, quick=True, seed=0,
                                                progress=False)
        return _QUICK[experiment]
    for path in _candidates(fig):
        if path.is_file():
            return dict(json.loads(path.read_text()))
    raise FileNotFoundError(f"{_candidates(fig)[-1]} does not exist: the figure {fig!r} is "
                            f"drawn from the committed full run; make it with "
                            f"`holonet experiment {experiment} --out figures` (or draw the "
                            "quick version with --quick)")


def _subtitle(data: dict[str, Any]) -> str:
    seed = data.get("seed", 0)
    if data.get("quick"):
        return f"quick run, seed {seed}"
    cmd = data.get("command") or f"holonet experiment {data.get('experiment', '?')}"
    return f"committed full run, seed {seed}: {cmd}"


@register_figure("nn_erasure", "Erasure robustness: bit accuracy vs fraction of masked boundary "
                 "tokens (holographic with/without the error-correcting loss vs standard "
                 "encoder, equal parameters)", needs=("torch",))
def nn_erasure(quick: bool = True) -> Any:
    import matplotlib.pyplot as plt

    from holonet.viz.style import PALETTE

    d = _load("nn_erasure", "erasure", quick)
    rates = d["mask_rates"]
    panels = [("random tokens masked", d["bit_accuracy"], "curves")]
    if "bit_accuracy_interval" in d:
        panels.append(("one contiguous arc masked", d["bit_accuracy_interval"],
                       "interval_curves"))
    fig, axes = plt.subplots(1, len(panels), figsize=(4.6 * len(panels), 3.4), squeeze=False)
    styles = {"holographic": (PALETTE[0], "o", "-"), "standard": (PALETTE[1], "s", "-"),
              "holographic + aux": (PALETTE[4], "D", "-"),
              "optimal decoder": (PALETTE[6], None, "--")}
    thr = d.get("threshold", {})
    for ax, (title, accs, key) in zip(axes[0], panels):
        for name, acc in accs.items():
            color, marker, ls = styles.get(name, (PALETTE[2], "^", "-"))
            label = f"{name} ({d['params'][name]:,} params)" if name in d["params"] else name
            ax.plot(rates, acc, color=color, marker=marker, ls=ls, label=label)
        if thr:
            for c, color in zip(thr.get(key, []), (PALETTE[3], PALETTE[5])):
                ax.plot(rates, c["success"], color=color, ls=":", lw=1.2,
                        label=f"HaPPY {c['label']} central logical (exact)")
            if key == "curves" and thr.get("threshold") is not None:
                ax.axvline(thr["threshold"], color=PALETTE[3], lw=0.8, ls="-.")
                ax.text(thr["threshold"], 0.02, f" threshold {thr['threshold']:.2f}",
                        fontsize=7, color=PALETTE[3], va="bottom",
                        transform=ax.get_xaxis_transform())
        ax.set_xlabel("fraction of boundary tokens masked")
        ax.set_ylim(0, 1.03)
        ax.set_title(title)
        ax.legend(fontsize=6.5, loc="lower left")
    axes[0][0].set_ylabel("bit accuracy / recovery probability")
    fig.suptitle(f"Recovering the core from a masked boundary\n({_subtitle(d)})", fontsize=8)
    return fig


@register_figure("nn_zero_shot", "Zero-shot HSA injection into all-MiniLM-L6-v2: cosine to the "
                 "original embeddings vs attention FLOPs", needs=("torch",))
def nn_zero_shot(quick: bool = True) -> Any:
    import matplotlib.pyplot as plt

    from holonet.viz.style import PALETTE

    d = _load("nn_zero_shot", "zero-shot", quick)
    rows = d["rows"]
    trees = sorted({r["tree"] for r in rows}, key=lambda t: [r["tree"] for r in rows].index(t))
    fig, axes = plt.subplots(1, 2, figsize=(8.4, 3.4))
    for i, tree in enumerate(trees):
        sel = [r for r in rows if r["tree"] == tree]
        color = PALETTE[i % len(PALETTE)]
        for ax, key in zip(axes, ("cosine_mean", "nn_top1_agreement")):
            ax.plot([r["flops_ratio"] for r in sel], [r[key] for r in sel], marker="o",
                    color=color, ls="-" if len(sel) > 1 else "none", label=f"tree {tree}")
            for r in sel:
                ax.annotate(r["layers"], (r["flops_ratio"], r[key]), fontsize=6,
                            xytext=(3, 3), textcoords="offset points")
    axes[0].set_ylabel("mean cosine to original embedding")
    axes[1].set_ylabel("nearest-neighbour agreement (top-1)")
    for ax in axes:
        ax.set_xlabel("attention FLOPs / dense")
        ax.legend(fontsize=6.5, loc="lower right")
    fig.suptitle(f"HSA injected into all-MiniLM-L6-v2, no retraining: {d['n_sentences']} "
                 f"sentences, mean {d['tokens_mean']:.0f} tokens\n({_subtitle(d)})", fontsize=8)
    return fig


@register_figure("nn_scratch", "From scratch: HSA (sentence tree) vs flat attention on a "
                 "hierarchical document task, equal parameters", needs=("torch",))
def nn_scratch(quick: bool = True) -> Any:
    import matplotlib.pyplot as plt

    from holonet.viz.style import PALETTE

    d = _load("nn_scratch", "scratch", quick)
    fig, axes = plt.subplots(1, 2, figsize=(8.4, 3.2))
    for i, (name, m) in enumerate(d["models"].items()):
        steps = [s for s, _ in m["accuracy_curve"]]
        axes[0].plot(steps, [a for _, a in m["accuracy_curve"]], marker="o",
                     color=PALETTE[i], label=f"{name}: {m['test_accuracy']:.3f}")
        stride = max(1, d["task"]["train_steps"] // max(1, len(m["train_loss"])))
        axes[1].plot([stride * j for j in range(len(m["train_loss"]))], m["train_loss"],
                     color=PALETTE[i],
                     label=f"{name} ({m['attention_flops'] / 1e6:.2f} MFLOPs attn)")
    axes[0].axhline(d["task"]["majority_baseline"], color=PALETTE[6], ls="--", lw=0.8,
                    label="majority class")
    axes[0].set_xlabel("training step")
    axes[0].set_ylabel("held-out accuracy")
    axes[1].set_xlabel("training step")
    axes[1].set_ylabel("training loss")
    for ax in axes:
        ax.legend(fontsize=6.5)
    t = d["task"]
    fig.suptitle(f"{t['sentences']} sentences x {t['sentence_len']} tokens, "
                 f"{next(iter(d['models'].values()))['params']:,} parameters each "
                 f"\n({_subtitle(d)})", fontsize=8)
    return fig


def _load_listops(quick: bool) -> dict[str, Any]:
    """As :func:`_load`, but the committed run lives in ``nn_data/listops.json``."""
    if "nn_listops" in RESULTS or quick:
        return _load("nn_listops", "listops", quick)
    paths = [p.with_name("listops.json") for p in _candidates("nn_listops")]
    for path in paths:
        if path.is_file():
            return dict(json.loads(path.read_text()))
    raise FileNotFoundError(f"{paths[-1]} does not exist: the figure 'nn_listops' is drawn "
                            "from the committed full run; make it with `holonet experiment "
                            "listops --budget 900 --out figures` (or draw the quick version "
                            "with --quick)")


@register_figure("nn_listops", "Long Range Arena ListOps: HSA vs flat softmax, compiled "
                 "FlexAttention and H-Transformer-1D, equal CPU budget and parameters",
                 needs=("torch",))
def nn_listops(quick: bool = True) -> Any:
    import matplotlib.pyplot as plt

    from holonet.viz.style import PALETTE

    d = _load_listops(quick)
    runs = {k: m for k, m in d["models"].items() if "skipped" not in m and "failed" not in m}
    colors = {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(d["models"])}
    fig, axes = plt.subplots(2, 2, figsize=(8.6, 6.2))
    ax = axes[0][0]
    names = list(runs)
    accs = [runs[k]["test_accuracy"] for k in names]
    ax.bar(names, accs, color=[colors[k] for k in names])
    for i, k in enumerate(names):
        ax.text(i, accs[i], f"{accs[i]:.3f}\n{runs[k]['steps']} steps", ha="center",
                va="bottom", fontsize=6.5)
    refs = [(d["task"]["majority_baseline"], "majority class", PALETTE[6])]
    refs += [(v, f"LRA {k} (published)", PALETTE[3 + i])
             for i, (k, v) in enumerate(d.get("lra_reference", {}).items())]
    for y, label, color in refs:
        ax.axhline(y, ls="--", lw=0.8, color=color, label=f"{label}: {y:.3f}")
    ax.set_ylabel("test accuracy")
    ax.set_ylim(0, max([0.55, *accs]) * 1.15)
    ax.legend(fontsize=6, loc="upper right")
    ax.tick_params(axis="x", labelsize=7)
    for k, m in runs.items():
        curve = m["val_curve"]
        axes[0][1].plot([c for c, _ in curve], [a for _, a in curve], marker="o", ms=3,
                        color=colors[k], label=k)
        loss = m["loss_curve"]
        axes[1][0].plot([c for c, _ in loss], [v for _, v in loss], color=colors[k], lw=1,
                        label=k)
    axes[0][1].set_xlabel("training CPU seconds")
    axes[0][1].set_ylabel("validation accuracy")
    axes[1][0].set_xlabel("training CPU seconds")
    axes[1][0].set_ylabel("training loss")
    for a in (axes[0][1], axes[1][0]):
        a.legend(fontsize=6.5)
    ax = axes[1][1]
    per_step = [runs[k]["cpu_per_step_s"] for k in names]
    ax.bar(names, per_step, color=[colors[k] for k in names])
    for i, k in enumerate(names):
        ax.text(i, per_step[i], f"{per_step[i]:.3g} s\n{runs[k]['peak_train_mib']:.0f} MiB",
                ha="center", va="bottom", fontsize=6.5)
    ax.set_ylabel("CPU seconds per training step")
    ax.set_ylim(0, max(per_step, default=1.0) * 1.3)
    ax.tick_params(axis="x", labelsize=7)
    cfg = d["config"]
    skipped = [k for k in d["models"] if k not in runs]
    budget = (f"{cfg['budget_cpu_s']:g} CPU-s" if cfg.get("budget_cpu_s")
              else f"{cfg['max_steps']} steps")
    params = ", ".join(f"{k} {m['params']:,}" for k, m in runs.items())
    fig.suptitle(f"ListOps, {cfg['min_length']}-{cfg['max_length']} tokens padded to "
                 f"{cfg['seq_len']}; {budget} per model, batch {cfg['batch']}, "
                 f"{cfg['threads']} thread; parameters: {params}"
                 + (f"; not run: {', '.join(skipped)}" if skipped else "")
                 + f"\n({_subtitle(d)})", fontsize=7.5)
    return fig
