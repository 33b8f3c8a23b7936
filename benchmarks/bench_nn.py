"""holonet.nn: HSAttention vs torch.nn.MultiheadAttention (forward, forward+backward),
and the zero-shot HSA injection into all-MiniLM-L6-v2 (the full experiment when not quick)."""

from __future__ import annotations

import os
import time

from benchmarks._common import Row, best_time


def _layers(n: int, e: int, heads: int):
    import torch

    from holonet.attention import Tree
    from holonet.nn import HSAttention

    torch.manual_seed(0)
    mha = torch.nn.MultiheadAttention(e, heads, batch_first=True).eval()
    tree = Tree.fixed_windows(n, [16, 8, 4, 2])
    hsa = HSAttention.from_multihead_attention(mha, tree).eval()
    x = torch.randn(1, n, e)
    return mha, hsa, x


def _attention_rows(n: int, e: int, heads: int) -> list[Row]:
    import torch

    from holonet.attention import dense_flops, hsa_flops

    mha, hsa, x = _layers(n, e, heads)

    def fwd_h() -> None:
        with torch.no_grad():
            hsa(x, x, x, need_weights=False)

    def fwd_p() -> None:
        with torch.no_grad():
            mha(x, x, x, need_weights=False)

    fwd_h()  # warm up: tree tables are moved to the backend on first use
    fwd_p()
    flops_h = heads * hsa_flops(hsa.tree, e // heads)
    flops_d = heads * dense_flops(n, e // heads)
    rows = [Row(f"HSAttention forward, N={n}, E={e}, tree [16,8,4,2]", best_time(fwd_h),
                "nn.MultiheadAttention", best_time(fwd_p),
                note=f"attention FLOPs {flops_h / 1e6:.1f} M vs {flops_d / 1e6:.1f} M",
                extra={"n": n, "hsa_flops": flops_h, "dense_flops": flops_d})]
    xg = x.clone().requires_grad_(True)

    def bwd_h() -> None:
        hsa(xg, xg, xg, need_weights=False)[0].sum().backward()

    def bwd_p() -> None:
        mha(xg, xg, xg, need_weights=False)[0].sum().backward()

    rows.append(Row(f"HSAttention forward+backward, N={n}, E={e}", best_time(bwd_h),
                    "nn.MultiheadAttention", best_time(bwd_p)))
    return rows


def run(quick: bool) -> list[Row]:
    import torch

    torch.set_num_threads(2)
    rows: list[Row] = []
    for n in ((512, 2048) if quick else (512, 2048, 8192)):
        rows += _attention_rows(n, 256, 4)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        from holonet.nn.experiments.zero_shot import run_zero_shot

        t0 = time.perf_counter()
        res = run_zero_shot(quick=quick, seed=0, progress=False)
        took = time.perf_counter() - t0
    except ImportError as exc:  # the 'text' extra is optional
        rows.append(Row("zero-shot HSA injection (all-MiniLM-L6-v2)", None, "-", None,
                        note=f"skipped: {exc}"))
        return rows
    for r in res["rows"]:
        rows.append(Row(
            f"zero-shot MiniLM: tree {r['tree']}, layers {r['layers']} "
            f"({res['n_sentences']} sentences)", None, "original model", None,
            note=(f"cos {r['cosine_mean']:.4f} (min {r['cosine_min']:.3f}), "
                  f"NN top-1 {r['nn_top1_agreement']:.3f}, top-5 {r['nn_top5_overlap']:.3f}, "
                  f"attn FLOPs x{r['flops_ratio']:.3f}"),
            extra=r))
    rows.append(Row("zero-shot experiment wall time", took, "-", None))
    return rows
