"""Figures of decoding under Pauli noise: thresholds of the zero-rate HaPPY family.

Full mode (``holonet figures``) draws the **committed run**
``figures/decode_data/thresholds.json``, written by the command stored in it::

    holonet verify threshold --noise biased --eta 0.5 1 3 10 100 inf --layers 2..4 \\
        --shots 10000 --seed 1 --workers 2 --out figures/decode_data/thresholds.json

(about 70 minutes on two cores); it never re-decodes. Quick mode (``holonet
figures --quick``, the test suite) runs a tiny version live (layers 1-2, three
biases, 300 shots per point) through the same :func:`holonet.verify.pauli_threshold`,
so the path from decoder to figure is exercised; the figure says which it shows.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from holonet.viz.figures import _repo_figures, attach_data, register_figure

__all__ = ["QUICK", "decode_thresholds", "load_thresholds"]

#: Where the committed run lives, relative to the repository's ``figures/`` directory.
DATA_FILE = Path("decode_data") / "thresholds.json"
#: The tiny live run of quick mode.
QUICK: dict[str, Any] = {"layers": (1, 2), "etas": (0.5, 10.0, math.inf), "shots": 300,
                         "seed": 0, "grid": (0.6, 0.8, 1.0, 1.2)}
#: x position standing for η = ∞ on the logarithmic bias axis.
_X_INF = 2000.0


def _quick_record() -> dict[str, Any]:
    """The quick run, in the shape of ``holonet verify threshold --out``."""
    from holonet.codes import happy_code
    from holonet.verify import NoiseFamily, pauli_threshold

    q = QUICK
    codes = {f"L{L}": happy_code(L, variant="zero-rate") for L in q["layers"]}
    runs = []
    for eta in q["etas"]:
        fam = NoiseFamily("biased", eta=eta)
        hb = fam.hashing_bound()
        p = sorted({min(0.49, round(f * hb, 4)) for f in q["grid"]})
        rep = pauli_threshold(codes, fam, p, q["shots"], seed=q["seed"], progress=False)
        runs.append({"eta": None if math.isinf(eta) else eta, "eta_is_inf": math.isinf(eta),
                     **rep.summary()})
    return {"command": f"quick run: layers {q['layers'][0]}..{q['layers'][-1]}, "
                       f"{q['shots']} shots/point, seed {q['seed']} (not the committed data)",
            "quick": True, "variant": "zero-rate", "layers": list(q["layers"]),
            "n": [c.stabilizer_code.n for c in codes.values()], "shots": q["shots"],
            "seed": q["seed"], "runs": runs}


def load_thresholds(quick: bool = False) -> dict[str, Any]:
    """The numbers :func:`decode_thresholds` draws: the committed run, or a quick live one.

    Examples
    --------
    >>> rec = load_thresholds()
    >>> rec["variant"], rec["n"], sorted({r["eta_is_inf"] for r in rec["runs"]})
    ('zero-rate', [25, 95, 355], [False, True])
    >>> rec["command"].startswith("holonet verify threshold --noise biased")
    True
    """
    if quick:
        return _quick_record()
    for path in (Path("figures") / DATA_FILE, _repo_figures() / DATA_FILE):
        if path.is_file():
            return dict(json.loads(path.read_text(encoding="utf-8")))
    raise FileNotFoundError(
        f"{_repo_figures() / DATA_FILE} does not exist: the figure 'decode_thresholds' is "
        "drawn from the committed run; make it with `holonet verify threshold --noise biased "
        "--eta 0.5 1 3 10 100 inf --layers 2..4 --shots 10000 --seed 1 --workers 2 --out "
        "figures/decode_data/thresholds.json` (or draw the quick version with --quick)")


def _eta(run: dict[str, Any]) -> float:
    return math.inf if run.get("eta_is_inf") else float(run["eta"])


def _x(run: dict[str, Any]) -> float:
    """The run's position on the bias axis (η = ∞ drawn at :data:`_X_INF`)."""
    return _X_INF if math.isinf(_eta(run)) else _eta(run)


def _no_crossing_bound(run: dict[str, Any]) -> tuple[str, float] | None:
    """``("lower", p)``: the larger code wins at every p of every pair (``"upper"``: it loses)."""
    curves = run["curves"]
    p = np.asarray(run["p_values"], float)
    diffs = [np.array(b["success"], float) - np.array(a["success"], float)
             for a, b in zip(curves, curves[1:])]
    if diffs and all(np.all(d >= 0) for d in diffs):
        return "lower", float(p[-1])
    if diffs and all(np.all(d <= 0) for d in diffs):
        return "upper", float(p[0])
    return None


@register_figure("decode_thresholds", "Zero-rate HaPPY family under Pauli noise, exact ML "
                 "decoding: logical failure vs p (depolarising, error bars) and the threshold "
                 "vs bias eta beside the zero-rate hashing bound")
def decode_thresholds(quick: bool = False) -> Any:
    """Failure curves under depolarising noise; crossing vs bias next to the hashing bound."""
    import matplotlib.pyplot as plt

    from holonet.decode import hashing_bound
    from holonet.viz.style import PALETTE

    rec = load_thresholds(quick)
    runs = sorted(rec["runs"], key=_eta)
    depol = next((r for r in runs if abs(_eta(r) - 0.5) < 1e-12), runs[0])
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(9.6, 3.9))

    # (a) logical failure vs p, depolarising noise
    p = np.asarray(depol["p_values"], float)
    for i, c in enumerate(depol["curves"]):
        fail = 1.0 - np.array([np.nan if s is None else s for s in c["success"]], float)
        err = np.array([np.nan if s is None else s for s in c["stderr"]], float)
        ax0.errorbar(p, fail, yerr=err, fmt="o-", ms=3, lw=1, capsize=2,
                     color=PALETTE[i % len(PALETTE)], label=f"{c['label']}: n = {c['n']}")
    hb0 = depol["hashing_bound"]
    ax0.axvline(hb0, color="0.2", ls="--", lw=0.9, label=f"hashing bound {hb0:.3f}")
    if depol["threshold"] is not None:
        t, e = depol["threshold"], depol["threshold_err"]
        ax0.axvspan(t - e, t + e, color="0.6", alpha=0.35, lw=0,
                    label=f"crossing {t:.3f} ± {e:.3f}")
    ax0.set_xlabel("total error rate p")
    ax0.set_ylabel("logical failure rate (ML decoding)")
    ax0.set_title(f"(a) depolarising noise (η = 1/2), {depol['shots']:,} shots per point",
                  fontsize=8)
    ax0.set_ylim(bottom=0)
    ax0.legend(fontsize=6.5, frameon=False, loc="upper left")

    # (b) threshold vs bias beside the hashing bound
    grid = np.logspace(np.log10(0.5), np.log10(400), 200)
    ax1.plot(grid, [hashing_bound(float(x)) for x in grid], "-", color="0.2", lw=1,
             label="zero-rate hashing bound")
    ax1.plot([400, _X_INF], [hashing_bound(400.0), 0.5], ":", color="0.2", lw=1)
    ax1.plot([_X_INF], [0.5], "o", mfc="white", mec="0.2", ms=4)
    xs, ys, es, lower = [], [], [], []
    for r in runs:
        x = _x(r)
        if r["threshold"] is not None:
            xs.append(x)
            ys.append(r["threshold"])
            es.append(r["threshold_err"])
        else:
            b = _no_crossing_bound(r)
            if b is not None and b[0] == "lower":
                lower.append((x, b[1]))
    ax1.errorbar(xs, ys, yerr=es, fmt="s", ms=4, capsize=2, color=PALETTE[0],
                 label="threshold: mean of the crossings ± error")
    px, py = [], []
    for r in runs:
        for x in r["crossings"]:
            if x["p"] is not None:
                px.append(_x(r) * 1.12)
                py.append(x["p"])
    if px:
        ax1.plot(px, py, "x", ms=3.5, mew=0.8, color=PALETTE[2],
                 label="crossing of each pair of consecutive sizes")
    if lower:
        lx, ly = zip(*lower, strict=True)
        ax1.plot(lx, ly, "^", ms=6, color=PALETTE[1],
                 label="no crossing: larger code wins up to this p")
    ax1.set_xscale("log")
    ticks = sorted({_x(r) for r in runs})
    ax1.set_xticks(ticks)
    ax1.set_xticklabels(["∞" if t == _X_INF else f"{t:g}" for t in ticks])
    ax1.minorticks_off()
    ax1.set_xlabel("bias η = r_Z / (r_X + r_Y)")
    ax1.set_ylabel("threshold p")
    ax1.set_title("(b) threshold vs bias, " + ", ".join(
        f"n = {n}" for n in rec["n"]), fontsize=8)
    ax1.legend(fontsize=6.5, frameon=False, loc="upper left")
    source = ("quick run (live, not the committed data)" if rec.get("quick")
              else "committed run: " + rec["command"])
    fig.text(0.5, 0.005, source, ha="center", va="bottom", fontsize=6, color="0.3")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    attach_data(fig, command=rec["command"], quick=bool(rec.get("quick")), n=rec["n"],
                shots=rec["shots"], seed=rec["seed"],
                thresholds=[{"eta": None if math.isinf(_eta(r)) else _eta(r),
                             "eta_is_inf": math.isinf(_eta(r)),
                             "threshold": r["threshold"], "threshold_err": r["threshold_err"],
                             "hashing_bound": r["hashing_bound"],
                             "crossings": r["crossings"],
                             "p_values": r["p_values"]} for r in runs])
    return fig
