"""Figures of the attention operators (``holonet figures --only attention_blocks`` etc.)."""

from __future__ import annotations

from typing import Any

import numpy as np

from holonet.viz.figures import register_figure

__all__ = ["attention_blocks", "attention_wedge_disk"]


def _log_weights(a: np.ndarray) -> np.ndarray:
    out = np.full(a.shape, np.nan)
    pos = a > 0
    out[pos] = np.log10(a[pos])
    return out


@register_figure("attention_blocks",
                 "Flat softmax vs HSA (window tree) vs MERA cone vs local+global attention")
def attention_blocks(quick: bool = False) -> Any:
    """Attention matrices of one random head: the block structure each pattern imposes."""
    import matplotlib.pyplot as plt

    from holonet.attention import (
        Tree,
        hsa_matrix,
        local_global_matrix,
        mera_matrix,
    )
    from holonet.viz.style import SEQUENTIAL

    n = 32 if quick else 64
    rng = np.random.default_rng(7)
    q, k = rng.standard_normal((2, n, 16))
    # smooth keys along the sequence so that blocks are visible as coarse-grainings
    k = np.cumsum(k, axis=0) / np.sqrt(np.arange(1, n + 1))[:, None]
    s = q @ k.T / 4.0
    flat = np.exp(s - s.max(1, keepdims=True))
    flat /= flat.sum(1, keepdims=True)
    tree = Tree.fixed_windows(n, [4, 4, 4])
    panels = [
        ("softmax (flat tree)", flat),
        (f"HSA, windows {list(tree.branching or [])}", hsa_matrix(q, k, tree)),
        ("MERA cone (binary)", mera_matrix(q, k, "binary")),
        ("window 3 + 2 global", local_global_matrix(q, k, 3, [0, n // 2])),
    ]
    logs = [_log_weights(a) for _, a in panels]
    finite = np.concatenate([x[np.isfinite(x)] for x in logs])
    vmin, vmax = float(np.percentile(finite, 2)), float(finite.max())
    # second row: the level at which each query resolves each key (0 = individually)
    from holonet.attention import local_global_mask

    mera_tree = Tree.from_mera(kind="binary", n_sites=n)
    levels = [np.zeros((n, n)), tree.block_index()[0].astype(float),
              mera_tree.block_index(1)[0].astype(float),
              np.where(local_global_mask(n, 3, [0, n // 2]), 0.0, np.nan)]
    fig, axes = plt.subplots(2, 4, figsize=(11.0, 5.8), constrained_layout=True)
    cmap = plt.get_cmap(SEQUENTIAL).with_extremes(bad="white")
    lcmap = plt.get_cmap("viridis").with_extremes(bad="white")
    im: Any = None
    lim: Any = None
    for col, ((title, _), lg, lev) in enumerate(zip(panels, logs, levels)):
        ax = axes[0, col]
        im = ax.imshow(np.ma.masked_invalid(lg), cmap=cmap, vmin=vmin, vmax=vmax,
                       interpolation="nearest")
        ax.set_title(title)
        ax2 = axes[1, col]
        lim = ax2.imshow(np.ma.masked_invalid(lev), cmap=lcmap, vmin=0,
                         vmax=max(1, mera_tree.depth - 1), interpolation="nearest")
        ax2.set_xlabel("key")
        for a in (ax, ax2):
            a.set_xticks([0, n - 1])
            a.set_yticks([0, n - 1])
    axes[0, 0].set_ylabel("query")
    axes[1, 0].set_ylabel("query")
    fig.colorbar(im, ax=list(axes[0]), shrink=0.85, label="log10 weight (white: 0)")
    fig.colorbar(lim, ax=list(axes[1]), shrink=0.85,
                 label="block level (0: key resolved alone)")
    return fig


@register_figure("attention_wedge_disk",
                 "Holographic attention on the disk: region A, its wedge, decoder routes")
def attention_wedge_disk(quick: bool = False) -> Any:
    """HaPPY code: boundary region A, bulk tokens in its wedge and the decoder routes."""
    import matplotlib.pyplot as plt

    from holonet.attention import wedge_decoder
    from holonet.codes import happy_code
    from holonet.viz.disk import draw_bulk, draw_legs, draw_tiling, edge_midpoint
    from holonet.viz.style import PALETTE

    code = happy_code(2 if quick else 3)
    tiling = code.tiling
    n = code.n
    fig, axes = plt.subplots(1, 2, figsize=(9.0, 4.6), constrained_layout=True)
    for ax, frac in zip(axes, (0.4, 0.6)):
        region = list(range(int(round(frac * n))))
        dec = wedge_decoder(code, region)
        wedge_tiles = [int(code.bulk_legs[j][1:]) for j in np.flatnonzero(dec.reconstructable)]
        draw_tiling(tiling, ax=ax, color_by="none", highlight=wedge_tiles,
                    highlight_color=PALETTE[4], linewidth=0.3)
        inside = np.zeros(n, dtype=bool)
        inside[region] = True
        draw_legs(tiling, ax=ax, colors=[PALETTE[0] if a else "0.75" for a in inside],
                  size=6.0)
        draw_bulk(tiling, [int(b[1:]) for b in code.bulk_legs], ax=ax, color="0.3", size=6)
        draw_bulk(tiling, wedge_tiles, ax=ax, color=PALETTE[1], size=14)
        # routes of the deepest reconstructable bulk token to its decoder's support
        if wedge_tiles:
            layers = [tiling.tiles[t].layer for t in wedge_tiles]
            j = int(np.flatnonzero(dec.reconstructable)[int(np.argmin(layers))])
            src = tiling.centers[int(code.bulk_legs[j][1:])]
            for b in dec.support(j):
                tile, edge = tiling.boundary_edges[int(b)]
                dst = edge_midpoint(tiling, tile, edge)
                ax.plot([src.real, dst.real], [src.imag, dst.imag], color=PALETTE[1],
                        lw=0.6, alpha=0.7, zorder=5)
        ax.set_title(f"A = {len(region)} of {n} legs: wedge has {len(wedge_tiles)} of "
                     f"{code.k} bulk tokens")
    return fig
