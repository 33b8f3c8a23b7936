"""holonet.contract (cached plan) vs numpy.einsum(optimize=True) on a random 8-tensor ring."""

from __future__ import annotations

import numpy as np

from benchmarks._common import Row, best_time


def run(quick: bool) -> list[Row]:
    from holonet.contract import contract

    rng = np.random.default_rng(0)
    chi = 8 if quick else 16
    n = 8
    legs = [(f"b{i}", f"p{i}", f"b{(i + 1) % n}") for i in range(n)]
    arrays = [rng.standard_normal((chi, 2, chi)) for _ in range(n)]
    net = list(zip(arrays, legs, strict=True))
    eq = ",".join(f"{chr(65 + i)}{chr(97 + i)}{chr(65 + (i + 1) % n)}" for i in range(n))
    contract(net)  # warm the plan cache
    t_h = best_time(lambda: contract(net), repeat=5)
    t_p = best_time(lambda: np.einsum(eq, *arrays, optimize=True), repeat=5)
    return [Row(f"8-tensor ring contraction, chi={chi} (repeated, cached plan)", t_h,
                "numpy.einsum(optimize=True)", t_p, target="≥ 1x")]
