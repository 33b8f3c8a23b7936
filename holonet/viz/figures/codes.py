"""Figures of the HaPPY codes (``holonet figures --only happy_code`` etc.)."""

from __future__ import annotations

import math
from typing import Any

from holonet.viz.figures import register_figure

__all__ = ["happy_code_figure", "happy_rates"]


def _draw_code(ax: Any, code: Any, title: str) -> None:
    from holonet.viz.disk import draw_bulk, draw_legs, draw_tiling
    from holonet.viz.style import PALETTE

    t = code.tiling
    draw_tiling(t, ax=ax, color_by="kind" if len({x.kind for x in t.tiles}) > 1 else "layer",
                linewidth=0.5, alpha=0.55)
    draw_legs(t, ax=ax, colors=PALETTE[0], size=5.0, length=0.45)
    bulk = [int(q[1:]) for q in code.bulk_legs]
    draw_bulk(t, bulk, ax=ax, color=PALETTE[1], size=14.0)
    sc = code.stabilizer_code
    ax.set_title(f"{title}\n[[{sc.n}, {sc.k}]]: bulk legs red, boundary legs blue",
                 fontsize=8)


@register_figure("happy_code", "HaPPY pentagon code (2 layers) and pentagon-hexagon code "
                 "(4 layers) on the Poincaré disk with bulk and boundary legs")
def happy_code_figure(quick: bool = False) -> Any:
    """Left: the 2-layer {5,4} pentagon code; right: the 5.6.5.6 pentagon-hexagon code."""
    import matplotlib.pyplot as plt

    from holonet.codes import happy_code

    fig, axes = plt.subplots(1, 2, figsize=(7.6, 4.2))
    _draw_code(axes[0], happy_code(2), "pentagon code {5,4}, 2 layers")
    _draw_code(axes[1], happy_code(3 if quick else 4, variant="pentagon-hexagon"),
               f"pentagon-hexagon code 5.6.5.6, {3 if quick else 4} layers")
    fig.tight_layout()
    return fig


@register_figure("happy_rates", "Rate k/n of the HaPPY codes vs layers: pentagon code and "
                 "the alternating pentagon-hexagon code with its two limits")
def happy_rates(quick: bool = False) -> Any:
    """Rates from the stabilizer view (k = rank count), with (3√6±4)/38 marked."""
    import matplotlib.pyplot as plt

    from holonet.codes import happy_code
    from holonet.viz.style import PALETTE

    max_layers = 5 if quick else 6
    fig, ax = plt.subplots(figsize=(5.0, 3.4))
    for variant, color, label in (("pentagon", PALETTE[0], "pentagon {5,4} (vertex layers)"),
                                  ("pentagon-hexagon", PALETTE[1], "pentagon-hexagon 5.6.5.6")):
        xs, ys = [], []
        for layers in range(1, max_layers + 1):
            sc = happy_code(layers, variant=variant).stabilizer_code
            xs.append(layers)
            ys.append(sc.k / sc.n)
        ax.plot(xs, ys, "o-", color=color, label=label, ms=4, lw=1.2)
    hi, lo = (3 * math.sqrt(6) + 4) / 38, (3 * math.sqrt(6) - 4) / 38
    ax.axhline(hi, color="0.4", ls="--", lw=0.8)
    ax.axhline(lo, color="0.4", ls=":", lw=0.8)
    ax.text(max_layers + 0.1, hi, "(3√6+4)/38", va="center", fontsize=7)
    ax.text(max_layers + 0.1, lo, "(3√6−4)/38", va="center", fontsize=7)
    ax.set_xlim(0.7, max_layers + 1.3)
    ax.set_xlabel("layers (centre tile = 1)")
    ax.set_ylabel("rate k / n")
    ax.legend(frameon=False, loc="center right", bbox_to_anchor=(1.0, 0.62))
    fig.tight_layout()
    return fig
