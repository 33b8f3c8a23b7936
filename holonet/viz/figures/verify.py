"""Figures of the verification suite: wedges, RT entropy vs minimal cut, erasure thresholds."""

from __future__ import annotations

from typing import Any

import numpy as np

from holonet.viz.figures import register_figure

__all__ = ["verify_rt", "verify_thresholds", "verify_wedge"]

_GREEDY = "#4477AA"  # in the greedy wedge (hence also the exact one)
_EXACT_ONLY = "#CCBB44"  # exact criterion recovers it, greedy does not: the difference
_COMPLEMENT = "#66CCEE"
_NEITHER = "#EE6677"
_LOST = "#BBBBBB"


def _tile_of_bulk(code: Any) -> dict[str, int]:
    out = {}
    for t in range(code.tiling.n_tiles):
        for leg in code.tile_legs(t):
            if leg in code.bulk_legs:
                out[leg] = t
    return out


def _legend(ax: Any, items: list[tuple[str, str]]) -> None:
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(facecolor=c, edgecolor="0.3", lw=0.4, label=lab)
                       for lab, c in items], loc="upper center", bbox_to_anchor=(0.5, 0.0),
              frameon=False, ncol=2)


@register_figure("verify_wedge", "Entanglement wedges, greedy vs exact: a boundary interval "
                 "and its complement, and the bulk legs surviving a random erasure")
def verify_wedge(quick: bool = False) -> Any:
    """Greedy vs exact wedges on the 3-layer pentagon code: an interval, and an erasure."""
    import matplotlib.pyplot as plt

    from holonet.codes import happy_code
    from holonet.verify import complementary_recovery, decode_erasures
    from holonet.viz.disk import draw_bulk, draw_legs, draw_tiling

    code = happy_code(3)
    t = code.tiling
    n = code.stabilizer_code.n
    where = _tile_of_bulk(code)
    fig, axes = plt.subplots(1, 2, figsize=(8.4, 4.8))

    # (a) a contiguous interval A (a third of the boundary) and its complement
    region = list(range(5, 5 + n // 3 + 4))
    rep = complementary_recovery(code, region)
    colors: dict[int, str] = {}
    for leg in rep.complement_exact_wedge:
        colors[where[leg]] = _COMPLEMENT
    for leg in rep.exact_wedge:
        colors[where[leg]] = _EXACT_ONLY
    for leg in rep.greedy_wedge:
        colors[where[leg]] = _GREEDY
    for leg in rep.neither:
        colors[where[leg]] = _NEITHER
    ax = axes[0]
    draw_tiling(t, ax=ax, color_by=colors, linewidth=0.3)
    mask = np.zeros(n, bool)
    mask[region] = True
    draw_legs(t, ax=ax, colors=["black" if m else "0.75" for m in mask], size=5)
    diff = [where[leg] for leg in rep.greedy_gap | rep.complement_greedy_gap]
    if diff:
        draw_bulk(t, diff, ax=ax, color="black", marker="*", size=22)
    ax.set_title(f"(a) interval A = {len(region)} of {n} qubits (black legs)\n"
                 f"wedge(A): exact {len(rep.exact_wedge)}, greedy {len(rep.greedy_wedge)}; "
                 f"wedge(Ac): {len(rep.complement_exact_wedge)}; neither: {len(rep.neither)}")
    _legend(ax, [("wedge(A), greedy = exact", _GREEDY), ("exact only (*)", _EXACT_ONLY),
                 ("wedge(A^c)", _COMPLEMENT), ("neither", _NEITHER)])

    # (b) a random erasure: which bulk legs survive, exact vs greedy
    rng = np.random.default_rng(7)
    # the first sample where both decoders lose something and they differ (a typical case)
    masks = rng.random((500, n)) < 0.25  # decoded in one batch per decoder
    exact = decode_erasures(code, masks, "exact")
    greedy = decode_erasures(code, masks, "greedy")
    gap_sizes = (exact & ~greedy).sum(axis=1)
    typical = np.flatnonzero((gap_sizes > 0) & (gap_sizes <= 6) & ~exact.all(axis=1))
    pick = int(typical[0]) if typical.size else len(masks) - 1
    erased, ex, gr = masks[pick], exact[pick], greedy[pick]
    colors = {}
    for j, leg in enumerate(code.bulk_legs):
        colors[where[leg]] = _GREEDY if gr[j] else (_EXACT_ONLY if ex[j] else _LOST)
    ax = axes[1]
    draw_tiling(t, ax=ax, color_by=colors, linewidth=0.3)
    draw_legs(t, ax=ax, colors=[_NEITHER if e else "0.3" for e in erased], size=5)
    gap = [where[leg] for j, leg in enumerate(code.bulk_legs) if ex[j] and not gr[j]]
    if gap:
        draw_bulk(t, gap, ax=ax, color="black", marker="*", size=22)
    ax.set_title(f"(b) erasure of {int(erased.sum())} qubits (red legs)\n"
                 f"recovered: exact {int(ex.sum())}, greedy {int(gr.sum())} of "
                 f"{len(code.bulk_legs)} bulk legs")
    _legend(ax, [("recovered by greedy", _GREEDY), ("exact only (*)", _EXACT_ONLY),
                 ("lost", _LOST), ("erased qubit", _NEITHER)])
    fig.tight_layout()
    return fig


@register_figure("verify_rt", "Ryu–Takayanagi: stabilizer entropy vs minimal cut over every "
                 "contiguous interval (pentagon code, bulk mixed and product; hexagon state)")
def verify_rt(quick: bool = False) -> Any:
    """S(A) and the minimal cut against ``|A|`` for every contiguous interval."""
    import matplotlib.pyplot as plt

    from holonet.codes import happy_code
    from holonet.verify import rt_sweep

    layers = 2 if quick else 3
    cases = [("pentagon code, bulk maximally mixed", happy_code(layers), "mixed"),
             ("pentagon code, bulk in a product state", happy_code(layers), "product"),
             ("{6,4} hexagon state", happy_code(2 if quick else 3, variant="hexagon-state"),
              "mixed")]
    fig, axes = plt.subplots(1, 3, figsize=(10.5, 3.4))
    for ax, (label, code, bulk) in zip(axes, cases, strict=True):
        rep = rt_sweep(code, bulk)
        ell = np.array([r["length"] for r in rep.rows])
        S = np.array([r["entropy"] for r in rep.rows])
        cut = np.array([r["min_cut"] for r in rep.rows])
        lengths = np.unique(ell)
        mean_s = [S[ell == x].mean() for x in lengths]
        mean_c = [cut[ell == x].mean() for x in lengths]
        ax.plot(lengths, mean_c, "-", color="#4477AA", lw=1.5, label="min cut (mean over starts)")
        ax.plot(lengths, mean_s, "--", color="#EE6677", lw=1.2, label="S(A) (mean over starts)")
        strict = S < cut
        if strict.any():
            ax.scatter(ell[strict], S[strict], s=5, color="#CCBB44", zorder=3,
                       label=f"S(A) < min cut ({int(strict.sum())} intervals)")
        ax.set_xlabel("|A| (contiguous boundary qubits)")
        ax.set_ylabel("bits / legs cut")
        n = code.stabilizer_code.n
        ax.set_title(f"{label}\n[[{n},{code.stabilizer_code.k}]]: S = cut on "
                     f"{rep.n_equal}/{len(rep.rows)}", fontsize=8)
        ax.legend(loc="lower center", fontsize=6, frameon=False)
    fig.tight_layout()
    return fig


@register_figure("verify_thresholds", "Erasure threshold curves with error bars: zero-rate "
                 "code (exact), pentagon-hexagon code (greedy and exact), pentagon code "
                 "central qubit (both decoders)")
def verify_thresholds(quick: bool = False) -> Any:
    """Recovery probability of the central logical qubit vs erasure rate, three families."""
    import matplotlib.pyplot as plt

    from holonet.codes import happy_code
    from holonet.verify import erasure_threshold
    from holonet.viz.style import PALETTE

    shots = 300 if quick else 3000
    fig, axes = plt.subplots(1, 3, figsize=(11.0, 3.5))

    def plot(ax: Any, rep: Any, style: str, tag: str) -> None:
        for i, c in enumerate(rep.curves):
            ax.errorbar(rep.p_values, c["success"], yerr=c["stderr"], fmt=style, ms=2.5,
                        lw=1, capsize=1.5, color=PALETTE[i % len(PALETTE)],
                        label=f"{tag}{c['label']} (n={c['n']})")
        if rep.threshold is not None:
            ax.axvline(rep.threshold, color="0.4", lw=0.6, ls=":")

    p = np.round(np.arange(0.40, 0.601, 0.02 if quick else 0.01), 3)
    fam = {f"L{L}": happy_code(L, variant="single") for L in ((2, 3) if quick else (2, 3, 4))}
    rep = erasure_threshold(fam, p, shots, seed=1, progress=False)
    plot(axes[0], rep, "o-", "")
    thr = ("" if rep.threshold is None
           else f"\ncrossing {rep.threshold:.3f} ± {rep.threshold_err:.3f}")
    axes[0].set_title(f"zero-rate code, exact decoder{thr}", fontsize=8)

    p = np.round(np.arange(0.20, 0.401, 0.02 if quick else 0.01), 3)
    fam = {f"L{L}": happy_code(L, variant="pentagon-hexagon") for L in (3, 5)}
    g = erasure_threshold(fam, p, shots, decoder="greedy", seed=2, progress=False)
    e = erasure_threshold(fam, p, max(100, shots // 5), decoder="exact", seed=2, progress=False)
    plot(axes[1], g, "o-", "greedy ")
    plot(axes[1], e, "s--", "exact ")
    gt = "none" if g.threshold is None else f"{g.threshold:.3f} ± {g.threshold_err:.3f}"
    et = "none" if e.threshold is None else f"{e.threshold:.3f} ± {e.threshold_err:.3f}"
    axes[1].set_title(f"pentagon-hexagon code (odd radii)\ncrossing greedy {gt}, exact {et}",
                      fontsize=8)

    p = np.round(np.arange(0.05, 0.501, 0.05 if quick else 0.025), 3)
    fam = {f"L{L}": happy_code(L) for L in ((2, 3) if quick else (2, 3, 4))}
    g = erasure_threshold(fam, p, shots, decoder="greedy", seed=3, progress=False)
    e = erasure_threshold(fam, p, shots, decoder="exact", seed=3, progress=False)
    plot(axes[2], g, "o-", "greedy ")
    plot(axes[2], e, "s--", "exact ")
    axes[2].set_title("pentagon code, central qubit q0\n(finite rate: no threshold asserted)",
                      fontsize=8)
    for ax in axes:
        ax.set_xlabel("erasure rate p")
        ax.set_ylabel("P(central logical recovered)")
        ax.set_ylim(-0.02, 1.02)
        ax.legend(fontsize=5.5, frameon=False, loc="lower left")
    fig.tight_layout()
    return fig
