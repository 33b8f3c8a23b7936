"""Figures of the hyperbolic tilings (``holonet figures --only tiling_54`` etc.)."""

from __future__ import annotations

from typing import Any

from holonet.viz.figures import register_figure

__all__ = ["tiling_54", "tiling_conventions", "tiling_pentahex"]


def _legend_layers(ax: Any, tiling: Any) -> None:
    from matplotlib.patches import Patch

    from holonet.viz.style import layer_colors

    cols = layer_colors(tiling.layers)
    handles = [Patch(facecolor=cols[i], edgecolor="0.25", lw=0.4,
                     label=f"layer {i + 1}: {n} tile{'s' if n > 1 else ''}")
               for i, n in enumerate(tiling.layer_sizes)]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)


@register_figure("tiling_54", "{5,4} tiling in the Poincaré disk, coloured by (vertex) layer")
def tiling_54(quick: bool = False) -> Any:
    """{5,4} tiling (HaPPY pentagon code geometry), vertex-convention layers."""
    import matplotlib.pyplot as plt

    from holonet.geometry import HyperbolicTiling
    from holonet.viz.disk import draw_tiling

    t = HyperbolicTiling(5, 4, 4 if quick else 5)
    fig, ax = plt.subplots(figsize=(5.6, 4.0))
    draw_tiling(t, ax=ax, color_by="layer", linewidth=0.3)
    _legend_layers(ax, t)
    ax.set_title(f"{{5,4}}, {t.layers} layers (vertex convention): {t.n_tiles} tiles, "
                 f"{t.n_boundary} boundary edges")
    return fig


@register_figure("tiling_conventions",
                 "{5,4} with 4 layers counted by shared vertices vs shared edges")
def tiling_conventions(quick: bool = False) -> Any:
    """The two layer conventions side by side for {5,4}, 4 layers."""
    import matplotlib.pyplot as plt

    from holonet.geometry import HyperbolicTiling
    from holonet.viz.disk import draw_tiling

    layers = 3 if quick else 4
    fig, axes = plt.subplots(1, 2, figsize=(7.0, 3.6))
    for ax, conv in zip(axes, ("vertex", "edge"), strict=True):
        t = HyperbolicTiling(5, 4, layers, convention=conv)
        draw_tiling(t, ax=ax, color_by="layer", linewidth=0.3)
        sizes = ", ".join(str(n) for n in t.layer_sizes)
        ax.set_title(f"{conv} convention\nlayer sizes {sizes}")
    return fig


@register_figure("tiling_pentahex",
                 "pentahexagonal 5.6.5.6 tiling (HaPPY pentagon-hexagon code), by tile kind")
def tiling_pentahex(quick: bool = False) -> Any:
    """5.6.5.6 tiling: pentagons at even, hexagons at odd edge distance from the centre."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    from holonet.geometry import HyperbolicTiling
    from holonet.viz.disk import draw_tiling
    from holonet.viz.style import PALETTE

    t = HyperbolicTiling.pentahexagonal(4 if quick else 5)
    fig, ax = plt.subplots(figsize=(5.6, 4.0))
    draw_tiling(t, ax=ax, color_by="kind", linewidth=0.3)
    counts = {k: t.kinds().count(k) for k in ("pentagon", "hexagon")}
    handles = [Patch(facecolor=PALETTE[4], edgecolor="0.25", lw=0.4,
                     label=f"pentagons ({counts['pentagon']})"),
               Patch(facecolor=PALETTE[5], edgecolor="0.25", lw=0.4,
                     label=f"hexagons ({counts['hexagon']})")]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    ax.set_title(f"5.6.5.6, {t.layers} layers: {t.n_tiles} tiles, {t.n_boundary} boundary edges")
    return fig
