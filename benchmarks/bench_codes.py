"""HaPPY stabilizer-view build time vs LEGO_HQEC operator pushing; GF(2) rank vs galois.

Peers (benchmark only, never CI): ``lego-hqec`` (QML-Group/HQEC; ``pip install
lego-hqec gurobipy``) builds its zero-rate HaPPY codes by operator pushing
(``setup_zero_rate_happy(R)``, n = 25, 95, 355, 1325 for R = 1..4). holonet builds
the *identical* code, ``happy_code(R + 1, variant="zero-rate")``: every row checks
that the two stabilizer groups and logicals are equal under the qubit map rebuilt
by matching the two networks (``benchmarks._lego``), so both sides do the same
work on the same code. Both sides are timed from scratch (holonet: tiling, network
and GF(2) contraction; LEGO_HQEC: tensor list, pushing, extraction), best of 3
where a run is short. LEGO_HQEC writes ``output.csv`` and a log into the working
directory and prints tile ids, so it runs in a temporary directory with stdout
captured.

``galois`` computes ranks over GF(2) on (unpacked) integer arrays; holonet on
bit-packed words; both on the same check matrices, both warmed up (galois
JIT-compiles its kernels on first use; that compile is outside the timing), best
of 3.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks._common import Row, best_time
from benchmarks._lego import qubit_map, same_code, zero_rate_code, zero_rate_tensors


def _holonet_build(layers: int, variant: str = "zero-rate", convention: str = "vertex") -> Any:
    from holonet.codes import happy_code

    return happy_code(layers, convention=convention, variant=variant).stabilizer_code


def run(quick: bool) -> list[Row]:
    rows: list[Row] = []
    lego_max_R = 2 if quick else 4
    try:
        import LEGO_HQEC  # noqa: F401
        have_lego = True
    except ImportError:
        have_lego = False
    from holonet.codes import happy_code

    for R in range(1, lego_max_R + 1):
        layers = R + 1
        t_h = best_time(lambda L=layers: _holonet_build(L), repeat=5 if R <= 3 else 2)
        code = happy_code(layers, variant="zero-rate")
        sc = code.stabilizer_code
        note = f"[[{sc.n},{sc.k}]] zero-rate code on both sides"
        t_p = None
        if have_lego:
            runs = [zero_rate_code(R) for _ in range(3 if R <= 2 else 1)]
            t_p = min(r.seconds for r in runs)
            equal = same_code(code, runs[0], qubit_map(code, zero_rate_tensors(R)))
            if not equal:
                raise AssertionError(f"R={R}: holonet's zero-rate code differs from LEGO_HQEC's")
            note += "; stabilizer groups and logicals equal (qubit map checked)"
        else:
            note += "; lego-hqec not installed"
        rows.append(Row(f"zero-rate HaPPY stabilizer view, R={R} (n={sc.n})", t_h,
                        "LEGO_HQEC setup_zero_rate_happy + batch_push", t_p, note=note,
                        target="≥ 50x"))
    # the vertex-layered pentagon code (many logicals), holonet only, for reference
    for layers in (3, 4) if quick else (3, 4, 5):
        t_h = best_time(lambda L=layers: _holonet_build(L, "pentagon"), repeat=3)
        sc = _holonet_build(layers, "pentagon")
        rows.append(Row(f"pentagon HaPPY stabilizer view, {layers} layers (n={sc.n})", t_h,
                        "—", None, note=f"[[{sc.n},{sc.k}]]; no peer builds this code"))
    rows += _rank_rows(quick)
    return rows


def _rank_rows(quick: bool) -> list[Row]:
    from holonet.stabilizer import gf2

    try:
        import galois
    except ImportError:  # pragma: no cover
        return [Row("GF(2) rank", None, "galois", None, note="galois not installed")]
    GF2 = galois.GF(2)
    mats: list[tuple[str, np.ndarray]] = []
    for layers in (3, 4) if quick else (3, 4, 5):
        sc = _holonet_build(layers, "pentagon")
        lx, lz = sc.logicals
        mats.append((f"HaPPY {layers}-layer check matrix + logicals "
                     f"({sc.n + sc.k}×{2 * sc.n})", np.vstack([sc.stabilizers, lx, lz])))
    rng = np.random.default_rng(0)
    size = 400 if quick else 1000
    mats.append((f"random {size}×{2 * size}", rng.integers(0, 2, (size, 2 * size), np.uint8)))
    rows = []
    GF2(np.eye(4, dtype=np.uint8))
    int(np.linalg.matrix_rank(GF2(rng.integers(0, 2, (8, 16), np.uint8))))  # JIT warm-up
    for name, M in mats:
        r_h = gf2.rank(M)
        t_h = best_time(lambda M=M: gf2.rank(M), repeat=3)
        G = GF2(M)
        r_g = int(np.linalg.matrix_rank(G))
        t_g = best_time(lambda G=G: np.linalg.matrix_rank(G), repeat=3)
        rows.append(Row(f"GF(2) rank, {name}", t_h, "galois matrix_rank (warm)", t_g,
                        note=f"rank {r_h} (galois {r_g}{'' if r_h == r_g else ' MISMATCH'})",
                        target="≥ 1x"))
    return rows
