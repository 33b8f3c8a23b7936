"""MERA figures: the network with a past causal cone; scaling dimensions against the CFT."""

from __future__ import annotations

from typing import Any

from holonet.viz.figures import register_figure


def _draw_network(ax: Any, kind: str, n_sites: int, region: list[int]) -> None:
    from matplotlib.patches import Polygon, Rectangle

    from holonet.mera import MERA
    from holonet.viz.style import PALETTE

    m = MERA(kind, n_sites=n_sites, chi=2)
    cone = m.causal_cone(region)
    in_cone = set(cone.tensors)
    grey, hot = "#BBBBBB", PALETTE[1]
    xs: dict[tuple[int, int], float] = {(0, i): float(i) for i in range(n_sites)}
    dy = 1.0
    for i in range(n_sites):
        ax.plot([i, i], [-0.35, 0.0], color=hot if i in region else grey, lw=2 if i in region
                else 1, zorder=1)
    for l in range(1, m.n_layers + 1):
        g = m.geometry(l)
        y_u, y_w = (2 * l - 1.4) * dy, (2 * l - 0.6) * dy
        mid_x: dict[int, float] = {}
        y_prev = (2 * (l - 1)) * dy if l > 1 else 0.0
        for j, (a, b) in enumerate(g.disentanglers):
            xa, xb = xs[(l - 1, a)], xs[(l - 1, b)]
            if xb < xa:  # periodic wrap: draw the right half at the edge
                xb = xa + (xs[(l - 1, 1)] - xs[(l - 1, 0)]) if n_sites > 1 else xa + 1
            c = hot if g.u_name(j) in in_cone else PALETTE[0]
            for x0 in (xa, xb):
                ax.plot([x0, x0], [y_prev, y_u], color=c if c == hot else grey, lw=1, zorder=1)
            ax.add_patch(Rectangle((xa - 0.25, y_u - 0.18), xb - xa + 0.5, 0.36, facecolor=c,
                                   edgecolor="black", lw=0.6, zorder=3))
            mid_x[a], mid_x[b] = xa, xb if xb <= xs[(l - 1, g.n_fine - 1)] else xa
            if b == 0:
                mid_x[b] = xs[(l - 1, 0)]
        for j, fine in enumerate(g.isometries):
            fx = [mid_x.get(i, xs[(l - 1, i)]) for i in fine]
            cx = sum(xs[(l - 1, i)] for i in fine) / len(fine)
            xs[(l, j)] = cx
            c = hot if g.w_name(j) in in_cone else PALETTE[2]
            for i, x0 in zip(fine, fx, strict=True):
                y0 = y_u if i in mid_x else y_prev
                ax.plot([x0, x0, cx], [y0, y_w - 0.2, y_w], color=c if c == hot else grey,
                        lw=1, zorder=1)
            half = 0.35 * len(fine)
            ax.add_patch(Polygon([(cx - half, y_w - 0.2), (cx + half, y_w - 0.2),
                                  (cx, y_w + 0.3)], closed=True, facecolor=c,
                                 edgecolor="black", lw=0.6, zorder=3))
    top_y = 2 * m.n_layers * dy
    tops = [xs[(m.n_layers, j)] for j in range(m.top_sites)]
    for x0 in tops:
        ax.plot([x0, x0], [top_y - 0.6, top_y], color=hot, lw=1, zorder=1)
    ax.add_patch(Rectangle((min(tops) - 0.4, top_y), max(tops) - min(tops) + 0.8, 0.4,
                           facecolor=hot, edgecolor="black", lw=0.6, zorder=3))
    ax.set_xlim(-1, n_sites + 0.5)
    ax.set_ylim(-0.6, top_y + 0.8)
    ax.set_axis_off()
    ax.text(n_sites - 0.5, -0.55, f"cone widths {cone.widths}", ha="right", va="bottom",
            fontsize=7)


@register_figure("mera_network", "Binary and ternary MERA with the past causal cone of a "
                 "region highlighted (widths bounded by 3 and 2)")
def mera_network(quick: bool = False) -> Any:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 1, figsize=(7.5, 6.5))
    _draw_network(axes[0], "binary", 16, [6, 7, 8])
    axes[0].set_title("binary MERA, 16 sites: causal cone of sites 6-8 (width <= 3)")
    _draw_network(axes[1], "ternary", 18, [7, 8])
    axes[1].set_title("ternary MERA, 18 sites: causal cone of sites 7-8 (width <= 2)")
    fig.tight_layout()
    return fig


@register_figure("mera_scaling_dimensions", "Scaling dimensions of the optimised critical-"
                 "Ising MERA (physical, translation-invariant spectrum) against the Ising "
                 "values 0, 1/8, 1, 9/8, 2, 2, 2, 17/8")
def mera_scaling_dimensions(quick: bool = False) -> Any:
    import matplotlib.pyplot as plt
    import numpy as np

    from holonet.mera import optimize_ising, scaling_dimensions
    from holonet.viz.style import PALETTE

    # chi = 6, plain Evenbly-Vidal sweeps (about 12 s): energy error 2e-5. The spectrum is
    # that of the superoperator on the physical subspace: the redundant densities, whose
    # total operator vanishes, are removed by construction (theory/mera.md section 4), and
    # with them the total x-derivatives (d_x sigma, 9/8; d_x epsilon, 2).
    if quick:
        chi, r = 4, optimize_ising(4, sweeps=60, progress=False, seed=0)
    else:
        chi, r = 6, optimize_ising(6, chimid=4, transitional_layers=1, monotone=False,
                                   sweeps=2000, progress=False, seed=0)
    exact = np.array([0, 1 / 8, 1, 9 / 8, 2, 2, 2, 17 / 8])
    got = np.asarray(scaling_dimensions(r.mera, len(exact)))
    removed = np.asarray(scaling_dimensions(r.mera, 3 * len(exact), subspace="all"))
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    k = np.arange(len(exact))
    ax.scatter(k, exact, marker="_", s=400, color=PALETTE[6],
               label="exact (Ising CFT, translation invariant)", zorder=2)
    ax.scatter(k[: len(got)], got, color=PALETTE[0], s=25, zorder=3,
               label=f"MERA, χ = {chi} (energy error {r.error:.1e})")
    # eigenvalues of the density map that belong to the null subspace (not in `got`)
    null = [x for x in removed if np.min(np.abs(got - x)) > 1e-6 and x <= exact[-1] + 0.2]
    ax.scatter(np.full(len(null), len(exact) + 0.2), null, marker="x", s=20,
               color=PALETTE[3], zorder=3, label="null densities (removed)")
    ax.set_xlabel("index α (sorted)")
    ax.set_ylabel("scaling dimension Δ_α")
    ax.set_xticks(list(k) + [len(exact) + 0.2], [str(i) for i in k] + ["null"])
    ax.legend(loc="upper left", frameon=False, fontsize=7)
    ax.set_title("modified binary MERA, critical transverse-field Ising")
    fig.tight_layout()
    return fig
