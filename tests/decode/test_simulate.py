"""simulate(): Monte-Carlo agrees with the exact success probability; determinism; scoring."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from holonet.codes import code_513, happy_code
from holonet.decode import MLDecoder, PauliNoise, simulate, success_probability_exact


@pytest.mark.parametrize("make", [code_513, lambda: happy_code(1)], ids=["plain", "happy"])
def test_monte_carlo_matches_exact_enumeration_513(make):
    """[[5,1,3]], depolarising p = 0.1: 20,000 shots within 3 standard errors of the
    exact value from all 4^5 errors."""
    code = make()
    noise = PauliNoise.depolarizing(0.1)
    sc = code if hasattr(code, "stabilizers") else code.stabilizer_code
    exact = success_probability_exact(sc, noise)
    rep = simulate(code, noise, 20_000, seed=7, progress=False)
    assert rep.shots == 20_000 and rep.complete
    assert abs(rep.success_rate - exact) <= 3 * rep.stderr, (rep.success_rate, exact)
    assert 0.9 < exact < 0.95


def test_deterministic_and_independent_of_batch():
    code = happy_code(2, variant="zero-rate")
    noise = PauliNoise.biased(0.15, eta=3.0)
    a = simulate(code, noise, 3000, seed=1, batch=1024, progress=False)
    b = simulate(code, noise, 3000, seed=1, batch=77, progress=False)
    c = simulate(code, noise, 3000, seed=2, progress=False)
    assert a.successes == b.successes and a.shots == 3000
    assert c.successes != a.successes
    assert a.eta == pytest.approx(3.0) and a.p == pytest.approx(0.15)


def test_decoder_reuse_across_noise_strengths():
    code = happy_code(3, variant="zero-rate")
    dec = MLDecoder(code, PauliNoise.depolarizing(0.05))
    rates = []
    for p in (0.05, 0.15, 0.25):
        rep = simulate(code, PauliNoise.depolarizing(p), 600, seed=0, decoder=dec,
                       progress=False)
        rates.append(rep.success_rate)
    assert rates[0] > rates[1] > rates[2]          # more noise, fewer successes
    fresh = simulate(code, PauliNoise.depolarizing(0.15), 600, seed=0, progress=False)
    assert fresh.success_rate == rates[1]


def test_joint_and_single_logical_scoring():
    code = happy_code(2)                            # [[25,11]], marginal ML
    noise = PauliNoise.depolarizing(0.05)
    joint = simulate(code, noise, 1500, seed=4, progress=False)
    centre = simulate(code, noise, 1500, seed=4, logical=0, progress=False)
    assert len(joint.logical_success) == 11
    assert centre.success_rate == pytest.approx(joint.logical_success[0])
    assert joint.success_rate <= min(joint.logical_success)
    assert centre.success_rate > joint.success_rate   # the centre is the best protected
    assert "all logicals jointly" in joint.explain() and "logical 0 only" in centre.explain()


def test_report_serialises_and_explains():
    rep = simulate(code_513(), PauliNoise.biased(0.1, math.inf), 200, seed=0, progress=False)
    d = json.loads(rep.to_json())
    assert d["shots"] == 200 and d["eta_is_inf"] and d["eta"] is None
    assert d["success_rate"] == pytest.approx(rep.success_rate)
    assert "success rate" in rep.explain() and str(rep) == rep.explain()


def test_interrupt_keeps_finished_shots():
    code = happy_code(2, variant="zero-rate")
    noise = PauliNoise.depolarizing(0.1)
    dec = MLDecoder(code, noise)
    calls = {"n": 0}
    real = dec.decode

    def flaky(s):
        calls["n"] += 1
        if calls["n"] > 2:
            raise KeyboardInterrupt
        return real(s)

    dec.decode = flaky
    rep = simulate(code, noise, 5000, seed=0, decoder=dec, batch=100, progress=False)
    assert not rep.complete and rep.shots == 200
    assert "INTERRUPTED" in rep.explain()


@pytest.mark.parametrize("kwargs, err, match", [
    ({"shots": 0}, ValueError, "shots must be >= 1"),
    ({"seed": -1}, ValueError, "seed must be a non-negative integer"),
    ({"decoder": "mwpm"}, ValueError, "unknown decoder 'mwpm'"),
    ({"logical": 1}, ValueError, "logical must be <= 0"),
    ({"batch": 0}, ValueError, "batch must be >= 1"),
    ({"noise": 0.1}, TypeError, "noise must be a PauliNoise"),
])
def test_bad_input(kwargs, err, match):
    args = {"code": code_513(), "noise": PauliNoise.depolarizing(0.1), "shots": 10,
            "progress": False}
    args.update(kwargs)
    with pytest.raises(err, match=match):
        simulate(**args)


def test_decoder_for_another_code_is_refused():
    dec = MLDecoder(happy_code(1), PauliNoise.depolarizing(0.1))
    with pytest.raises(ValueError, match="built for another code"):
        simulate(code_513(), PauliNoise.depolarizing(0.1), 10, decoder=dec, progress=False)


def test_classes_of_sampled_errors_are_uniform_without_decoding():
    """Sanity of the scoring: at p = 3/4 (fully depolarising) every class is equally likely."""
    code = happy_code(2, variant="zero-rate")
    dec = MLDecoder(code, PauliNoise.depolarizing(0.75))
    E = PauliNoise.depolarizing(0.75).sample(code.n, 8000, seed=0)
    counts = np.bincount(dec.classes(E)[:, 0], minlength=4) / 8000
    assert np.abs(counts - 0.25).max() < 0.02
