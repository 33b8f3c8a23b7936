"""Exact erasure decoding: holonet.verify vs LEGO_HQEC, on LEGO_HQEC's own zero-rate HaPPY codes.

For each size, LEGO_HQEC builds its zero-rate HaPPY code by operator pushing;
its stabilizers and logicals are fed into ``StabilizerCode.from_pauli_strings``,
so both libraries decode the *same* code under the *same* erasures (rate 0.3)
and must agree shot by shot (checked; a disagreement raises). Timed per shot:
LEGO_HQEC's ``can_recover_from_erasure`` (one call per shot) against
holonet's batched :func:`holonet.verify.decode_erasures` (and, in the note,
holonet called once per shot). A second part times the Monte-Carlo of
:func:`holonet.verify.erasure_threshold` on 1 vs 2 Dask workers.

LEGO_HQEC (``pip install lego-hqec gurobipy``) writes files into the working
directory and prints while pushing, so it runs in a temporary directory with
stdout captured. Benchmark-only peer (``peers`` extra): without it the rows time
holonet alone on its identical ``happy_code(R + 1, variant="zero-rate")`` and say so.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from benchmarks._common import Row
from benchmarks._lego import zero_rate_code


def _compare(R: int, shots: int, seed: int) -> tuple[Row, Any]:
    from holonet.codes import happy_code
    from holonet.stabilizer import StabilizerCode
    from holonet.verify import decode_erasures

    try:
        from LEGO_HQEC.QuDec.ErasureDecoder import can_recover_from_erasure
    except ImportError:  # benchmark-only peer absent: time holonet on the identical code
        can_recover_from_erasure = None
    if can_recover_from_erasure is not None:
        stabs, lx, lz, t_push = zero_rate_code(R)
        code = StabilizerCode.from_pauli_strings(stabs, lx, lz)
    else:
        code = happy_code(R + 1, variant="zero-rate").stabilizer_code
    n = code.n
    rng = np.random.default_rng(seed)
    masks = rng.random((shots, n)) < 0.3
    decode_erasures(code, masks[:2])  # compile/warm the kernels and the packed view

    t0 = time.perf_counter()
    ours = decode_erasures(code, masks).all(axis=1)
    t_batch = (time.perf_counter() - t0) / shots

    single = min(shots, 50)
    t0 = time.perf_counter()
    for b in range(single):
        decode_erasures(code, masks[b:b + 1])
    t_single = (time.perf_counter() - t0) / single
    what = f"exact erasure decision per shot, zero-rate HaPPY n={n} (LEGO R={R}), p=0.3"
    if can_recover_from_erasure is None:
        return Row(what, t_batch, "LEGO_HQEC can_recover_from_erasure", None, target="≥ 20x",
                   note=f"peer not installed (pip install '.[peers]'); holonet's identical "
                        f"zero-rate code, unbatched {t_single * 1e3:.2f} ms/shot; "
                        f"recovered {ours.mean():.3f}"), code

    ops = stabs + lz + lx
    t0 = time.perf_counter()
    theirs = np.array([can_recover_from_erasure(ops, masks[b].astype(int).tolist(), 2)
                       for b in range(shots)])
    t_lego = (time.perf_counter() - t0) / shots
    agree = int(np.sum(ours == theirs))
    if agree != shots:
        bad = int(np.flatnonzero(ours != theirs)[0])
        raise AssertionError(f"holonet and LEGO_HQEC disagree on shot {bad} at n = {n} "
                             f"({agree}/{shots} agree)")
    row = Row(what, t_batch, "LEGO_HQEC can_recover_from_erasure", t_lego, target="≥ 20x",
              note=f"agree {agree}/{shots} shots; recovered {ours.mean():.3f}; holonet "
                   f"unbatched {t_single * 1e3:.2f} ms/shot ({t_lego / t_single:.0f}x); "
                   f"LEGO push {t_push:.1f} s",
              extra={"n": n, "shots": shots, "agree": agree, "t_single": t_single,
                     "t_push": t_push})
    return row, code


def _dask_rows(code: Any, shots: int) -> list[Row]:
    import distributed

    from holonet.verify import erasure_threshold

    times = {}
    for workers in (1, 2):
        with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                      dashboard_address=None) as cluster, \
                distributed.Client(cluster) as client:
            kw = dict(p_values=[0.3], shots=shots, seed=1, progress=False, chunk=shots // 16,
                      scheduler=client)
            erasure_threshold([code], **kw)  # warm the workers (imports, numba cache)
            t0 = time.perf_counter()
            rep = erasure_threshold([code], **kw)
            times[workers] = time.perf_counter() - t0
            curves = rep.curves
    n = curves[0]["n"]
    return [Row(f"erasure MC on Dask, n={n}, {shots} shots: 2 workers vs 1", times[2],
                "holonet on 1 Dask worker", times[1], target="→ 2x on 2 cores",
                note=f"{shots / times[1]:.0f} shots/s (1 worker), "
                     f"{shots / times[2]:.0f} shots/s (2 workers)")]


def run(quick: bool) -> list[Row]:
    plan = [(1, 2000), (2, 300)] if quick else [(1, 2000), (2, 500), (3, 100), (4, 20)]
    rows = []
    code = None
    for R, shots in plan:
        row, code = _compare(R, shots, seed=R)
        rows.append(row)
    assert code is not None
    rows += _dask_rows(code, 800 if quick else 4000)
    return rows
