"""Erasure thresholds: curves with error bars, crossings, schedulers."""

from __future__ import annotations

import numpy as np
import pytest

from holonet._errors import VerificationError
from holonet.verify import assert_erasure_threshold, crossing, erasure_threshold


def _p(lo, hi, step):
    return np.round(np.arange(lo, hi + step / 2, step), 4)


def test_crossing_interpolation():
    assert crossing([0.4, 0.5, 0.6], [0.9, 0.6, 0.2], [0.95, 0.5, 0.1]) == pytest.approx(
        0.4 + 0.1 * 0.05 / 0.15)
    assert crossing([0.1, 0.2], [0.5, 0.5], [0.6, 0.7]) is None


@pytest.mark.parametrize("convention", ["vertex"])
def test_zero_rate_exact_threshold_quick(convention):
    """Zero-rate HaPPY code, exact decoder, layers 2-4: curves cross within 0.50 ± 0.03."""
    from holonet.codes import happy_code

    fam = {f"L{L}": happy_code(L, convention=convention, variant="single") for L in (2, 3, 4)}
    rep = erasure_threshold(fam, _p(0.42, 0.58, 0.02), 1000, seed=11, progress=False,
                            expect=(0.50, 0.03))
    assert rep.ok, rep.explain()
    for x in rep.crossings:
        assert x["p"] is not None and abs(x["p"] - 0.5) < 0.03
    # below threshold the larger code wins, above it loses
    c2, c4 = rep.curves[0]["success"], rep.curves[2]["success"]
    assert c4[0] > c2[0] and c4[-1] < c2[-1]
    assert all(se is not None and 0 <= se < 0.02 for se in rep.curves[1]["stderr"])


@pytest.mark.slow
def test_zero_rate_exact_threshold_full():
    from holonet.codes import happy_code

    for convention, layers, shots in (("vertex", (2, 3, 4, 5), 2000),
                                      ("edge", (2, 3, 4, 5), 4000)):
        fam = {f"L{L}": happy_code(L, convention=convention, variant="single") for L in layers}
        rep = erasure_threshold(fam, _p(0.44, 0.56, 0.01), shots, seed=3, progress=False,
                                expect=(0.50, 0.03))
        assert rep.ok, rep.explain()


def test_pentagon_hexagon_greedy_near_026_with_exact_beside():
    """Pentagon-hexagon code, greedy decoder, same-parity radii 3 and 5: crossing ≈ 0.26."""
    from holonet.codes import happy_code

    fam = {f"L{L}": happy_code(L, variant="pentagon-hexagon") for L in (3, 5)}
    p = _p(0.20, 0.34, 0.01)
    greedy = erasure_threshold(fam, p, 2000, decoder="greedy", seed=5, progress=False,
                               expect=(0.26, 0.03))
    assert greedy.ok, greedy.explain()
    exact = erasure_threshold(fam, p, 200, decoder="exact", seed=5, progress=False)
    assert exact.threshold is not None
    # on the same erasures (same seed and chunks) the exact decoder wins at least as often
    greedy200 = erasure_threshold(fam, p, 200, decoder="greedy", seed=5, progress=False)
    g = np.array([c["successes"] for c in greedy200.curves])
    e = np.array([c["successes"] for c in exact.curves])
    assert np.all(e >= g) and np.any(e > g)
    # the exact decoder's crossing is no lower than the greedy one (capacity bound (1-R)/2)
    assert exact.threshold >= greedy.threshold - 0.02


@pytest.mark.slow
def test_pentagon_hexagon_full():
    from holonet.codes import happy_code

    fam = {f"L{L}": happy_code(L, variant="pentagon-hexagon") for L in (3, 5, 7)}
    rep = erasure_threshold(fam, _p(0.20, 0.34, 0.01), 4000, decoder="greedy", seed=5,
                            progress=False, expect=(0.26, 0.03))
    assert rep.ok, rep.explain()


def test_finite_rate_pentagon_central_qubit_both_decoders():
    """Finite-rate pentagon code: central-qubit curves for both decoders (no threshold)."""
    from holonet.codes import happy_code

    fam = {f"L{L}": happy_code(L) for L in (2, 3, 4)}
    p = _p(0.05, 0.45, 0.05)
    g = erasure_threshold(fam, p, 400, decoder="greedy", seed=9, progress=False)
    e = erasure_threshold(fam, p, 400, decoder="exact", seed=9, progress=False)
    assert g.ok and e.ok
    for cg, ce in zip(g.curves, e.curves, strict=True):
        assert cg["logical"] == ce["logical"] == "q0"
        # common random numbers: the exact decoder never loses a shot the greedy one wins
        assert all(a <= b for a, b in zip(cg["successes"], ce["successes"], strict=True))
        assert ce["success"][0] > ce["success"][-1]


def test_results_do_not_depend_on_scheduler(code_513):
    kw = dict(p_values=[0.2, 0.4], shots=300, seed=4, progress=False, chunk=100)
    a = erasure_threshold([code_513], **kw)
    b = erasure_threshold([code_513], scheduler="threads", **kw)
    c = erasure_threshold([code_513], scheduler="synchronous", **kw)
    assert a.curves == b.curves == c.curves


def test_local_dask_cluster(code_513):
    import distributed

    from holonet.codes import happy_code

    code = happy_code(2, variant="single")
    kw = dict(p_values=[0.3, 0.5], shots=400, seed=8, progress=False, chunk=100)
    serial = erasure_threshold([code_513, code], **kw)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        dist = erasure_threshold([code_513, code], scheduler=client, **kw)
    assert dist.curves == serial.curves


def test_expectation_failure_and_bad_input(code_513):
    rep = erasure_threshold([code_513], [0.1, 0.2], 50, progress=False, expect=(0.5, 0.01))
    assert not rep.ok and "no crossing" in rep.failures[0]
    with pytest.raises(VerificationError):
        assert_erasure_threshold([code_513], [0.1, 0.2], 50, progress=False, expect=(0.5, 0.01))
    with pytest.raises(ValueError, match="increasing"):
        erasure_threshold([code_513], [0.2, 0.1], 10, progress=False)
    with pytest.raises(ValueError, match="unknown decoder"):
        erasure_threshold([code_513], [0.1], 10, decoder="best", progress=False)
    with pytest.raises(ValueError, match="shots must be >= 1"):
        erasure_threshold([code_513], [0.1], 0, progress=False)
