"""holonet.attention.hsa vs dense softmax attention (torch scaled_dot_product_attention, CPU).

One run measures, for N = 1k .. 64k and d = 64 in float32 (batch 1, one head):

* time of :func:`holonet.attention.hsa` on the window tree 16/8/4/2/8/8 (the
  paper's 16/8/4/2 continued by windows of 8, so the root's fan-out stays
  bounded: with 16/8/4/2 alone the leftover N/1024 top nodes all hang under
  the root and the cost per token grows linearly with N), with torch tensors
  and with numpy arrays,
  against ``torch.nn.functional.scaled_dot_product_attention``. Dense attention
  is skipped above ``DENSE_MAX`` tokens (it is O(N²): 64k would take minutes);
  the row says so.
* peak Python-heap memory (tracemalloc: numpy allocations are traced) of the
  numpy ``hsa`` against a materialised ``N×N`` float32 attention (measured up
  to ``DENSE_MEM_MAX``, the 4N² bytes of the matrix alone beyond).
* attention FLOPs of HSA on the 16/8/4/2 tree at N = 512 against dense, for
  one head at d = 64 (the paper's 214.94 M vs 4.32 M on IMDB are quoted as
  context; they count a different model, not a target).
"""

from __future__ import annotations

import tracemalloc

import numpy as np

from benchmarks._common import Row, best_time

BRANCHING = [16, 8, 4, 2, 8, 8]
DENSE_MAX = 16384
DENSE_MEM_MAX = 8192


def _peak_bytes(fn) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return int(peak)


def _dense_numpy(q: np.ndarray, k: np.ndarray, v: np.ndarray) -> np.ndarray:
    s = q @ k.T
    s *= np.float32(1.0 / np.sqrt(q.shape[-1]))
    s -= s.max(1, keepdims=True)
    np.exp(s, out=s)
    s /= s.sum(1, keepdims=True)
    return s @ v


def _rows_for(n: int, d: int, rng: np.random.Generator) -> list[Row]:
    import torch

    from holonet.attention import Tree, hsa

    q, k, v = (rng.standard_normal((n, d)).astype(np.float32) for _ in range(3))
    tq, tk, tv = (torch.from_numpy(x)[None, None] for x in (q, k, v))
    tree = Tree.fixed_windows(n, BRANCHING)
    sdpa = torch.nn.functional.scaled_dot_product_attention
    with torch.no_grad():
        hsa(tq, tk, tv, tree)  # warm-up
        t_torch = best_time(lambda: hsa(tq, tk, tv, tree), repeat=15)
        t_np = best_time(lambda: hsa(q, k, v, tree), repeat=15)
        if n <= DENSE_MAX:
            t_dense: float | None = best_time(lambda: sdpa(tq, tk, tv),
                                              repeat=2 if n >= 8192 else 3)
            note = "1 thread both sides"
        else:
            t_dense = None
            note = f"dense skipped: {n * n / 1e9:.1f}e9 scores would take minutes"
    tag = f"hsa tree {BRANCHING}, N={n}, d={d}, float32"
    rows = [Row(f"{tag} (torch tensors)", t_torch, "torch sdpa (CPU)", t_dense, note=note,
                target="≥ 100x at N=16384" if n == 16384 else ""),
            Row(f"{tag} (numpy arrays)", t_np, "torch sdpa (CPU)", t_dense, note=note)]
    # memory: peak heap of numpy hsa vs a materialised N×N attention
    peak_h = _peak_bytes(lambda: hsa(q, k, v, tree))
    if n <= DENSE_MEM_MAX:
        peak_d = _peak_bytes(lambda: _dense_numpy(q, k, v))
        mem_note = (f"peak heap: hsa {peak_h / 2**20:.1f} MiB vs dense "
                    f"{peak_d / 2**20:.1f} MiB (ratio {peak_d / peak_h:.0f}x); "
                    f"hsa bytes/token {peak_h / n:.0f}")
    else:
        mem_note = (f"peak heap: hsa {peak_h / 2**20:.1f} MiB vs ≥ {4 * n * n / 2**20:.0f} "
                    f"MiB for the N×N float32 matrix alone (not allocated); "
                    f"hsa bytes/token {peak_h / n:.0f}")
    rows.append(Row(f"memory N={n}", None, "materialised N×N", None, note=mem_note,
                    extra={"hsa_peak_bytes": peak_h}, target="linear in N"))
    return rows


def run(quick: bool) -> list[Row]:
    import torch

    from holonet.attention import Tree, dense_flops, hsa_flops

    # one thread on both sides: on a shared 2-core machine multi-threaded small
    # kernels stall on busy cores, which says nothing about either algorithm
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    d = 64
    sizes = [1024, 2048, 4096] if quick else [1024, 2048, 4096, 8192, 16384, 32768, 65536]
    rows: list[Row] = []
    rng = np.random.default_rng(0)
    try:
        for n in sizes:
            rows += _rows_for(n, d, rng)
    finally:
        torch.set_num_threads(threads)
    tree512 = Tree.fixed_windows(512, [16, 8, 4, 2])
    f_h, f_d = hsa_flops(tree512, d), dense_flops(512, d)
    rows.append(Row("attention FLOPs, tree 16/8/4/2, N=512, d=64, one head", None, "dense",
                    None, note=f"hsa {f_h / 1e6:.2f} M vs dense {f_d / 1e6:.2f} M "
                    f"({f_d / f_h:.1f}x fewer); paper (RoBERTa, IMDB): 214.94 M -> 4.32 M "
                    "(context only)", extra={"hsa_flops": f_h, "dense_flops": f_d}))
    return rows
