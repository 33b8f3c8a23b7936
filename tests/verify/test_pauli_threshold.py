"""Pauli-noise thresholds (holonet.verify.pauli_threshold) and ``holonet verify threshold``.

Fast checks in the default suite: trends, a crossing that clearly exists, error bars
that match the binomial formula and the actual scatter, agreement with the exact
success probability of [[5,1,3]], the pure-Z symmetry p <-> 1 - p, scheduler
independence, the work guard and bad input. The full-size runs (layers 2-4,
six biases) are the ``--slow`` test and the committed figure data.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from holonet._errors import VerificationError
from holonet._options import WorkTooLarge
from holonet.codes import code_513, happy_code
from holonet.decode import PauliNoise, hashing_bound, success_probability_exact
from holonet.verify import (
    NoiseFamily,
    PauliThresholdReport,
    assert_pauli_threshold,
    pauli_threshold,
)


@pytest.fixture(scope="module")
def zero_rate():
    """The zero-rate family, layers 1-3 (n = 5, 25, 95); plans cached on the codes."""
    return {L: happy_code(L, variant="zero-rate") for L in (1, 2, 3)}


def test_depolarizing_crossing_layers_2_3(zero_rate):
    """Layers 2 and 3 cross between 0.14 and 0.26; success falls with p; larger wins below."""
    p = [0.08, 0.14, 0.20, 0.26, 0.32]
    rep = pauli_threshold({"L2": zero_rate[2], "L3": zero_rate[3]}, "depolarizing", p, 1024,
                          seed=5, progress=False)
    assert rep.ok and rep.complete
    for c in rep.curves:
        s = np.array(c["success"])
        assert np.all(np.diff(s) < 0), c                          # monotone in p
    s2, e2 = np.array(rep.curves[0]["success"]), np.array(rep.curves[0]["stderr"])
    s3, e3 = np.array(rep.curves[1]["success"]), np.array(rep.curves[1]["stderr"])
    gap = s3 - s2
    assert gap[0] > 3 * math.hypot(e2[0], e3[0])                 # larger code wins at 0.08
    assert -gap[-1] > 3 * math.hypot(e2[-1], e3[-1])             # and loses at 0.32
    (x,) = rep.crossings
    assert x["p"] is not None and 0.14 < x["p"] < 0.26
    assert 0 < x["err"] < 0.03
    assert rep.threshold == x["p"] and rep.threshold_err == pytest.approx(x["err"])
    assert rep.hashing_bound == pytest.approx(hashing_bound(0.5))
    assert rep.eta == 0.5 and rep.noise == "depolarizing"
    assert "hashing bound of the channel: 0.1893" in rep.explain()


def test_stderr_is_binomial_and_matches_the_scatter():
    """Reported stderr = sqrt(f(1-f)/N); it also matches the spread over 40 seeds."""
    code = code_513()
    rates = []
    for seed in range(40):
        rep = pauli_threshold([code], "depolarizing", [0.2], 400, seed=seed, progress=False)
        c = rep.curves[0]
        f, n = c["success"][0], c["shots"][0]
        assert c["successes"][0] == round(f * n)
        assert c["stderr"][0] == pytest.approx(math.sqrt(f * (1 - f) / n), rel=1e-12)
        rates.append(f)
    # 39 degrees of freedom: the sample std / binomial std lies in [0.7, 1.3] with > 99.9 %
    exact = success_probability_exact(code, PauliNoise.depolarizing(0.2))
    ratio = np.std(rates, ddof=1) / math.sqrt(exact * (1 - exact) / 400)
    assert 0.7 < ratio < 1.3, ratio


def test_curve_agrees_with_exact_enumeration_513():
    """[[5,1,3]]: every point within 3 standard errors of the exact ML success (4^5 errors)."""
    code = code_513()
    p = [0.05, 0.15, 0.3]
    for fam in (NoiseFamily("depolarizing"), NoiseFamily("biased", eta=10)):
        rep = pauli_threshold([code], fam, p, 4000, seed=2, progress=False)
        c = rep.curves[0]
        for i, pi in enumerate(p):
            exact = success_probability_exact(code, fam(pi))
            se = math.sqrt(exact * (1 - exact) / c["shots"][i])
            assert abs(c["success"][i] - exact) < 3 * se, (fam.name, pi, c["success"][i], exact)


def test_pure_z_symmetry_and_the_point_one_half(zero_rate):
    """η = ∞: success(p) = success(1 - p) and every code succeeds with 1/2 at p = 1/2.

    ``Z^n · E`` maps the errors at rate p to those at 1 - p bijectively and ML decoding
    sees the same coset probabilities up to a relabelling; at p = 1/2 every Z string is
    equally likely, so the two classes that differ by the code's Z-type logical tie.
    """
    p = [0.3, 0.4, 0.5, 0.6, 0.7]
    rep = pauli_threshold({"L1": zero_rate[1], "L2": zero_rate[2]},
                          NoiseFamily("biased", eta=float("inf")), p, 2048, seed=9,
                          progress=False)
    assert rep.eta == math.inf and rep.hashing_bound == 0.5
    for c in rep.curves:
        s, e = np.array(c["success"]), np.array(c["stderr"])
        assert abs(s[2] - 0.5) < 4 * e[2]
        for i in (0, 1):
            assert abs(s[i] - s[4 - i]) < 4 * math.hypot(e[i], e[4 - i])
    s1, s2 = (np.array(c["success"]) for c in rep.curves)
    assert np.all(s2[[0, 1, 3, 4]] > s1[[0, 1, 3, 4]])           # the larger code wins off 1/2
    summary = json.loads(rep.to_json())
    assert summary["eta"] is None and summary["eta_is_inf"] is True


def test_no_crossing_is_explained(zero_rate):
    rep = pauli_threshold({"L1": zero_rate[1], "L2": zero_rate[2]}, "depolarizing",
                          [0.02, 0.05], 256, seed=1, progress=False)
    (x,) = rep.crossings
    assert x["p"] is None and rep.threshold is None
    assert x["bound"].startswith("the larger code succeeds at least as often at every p")
    assert "threshold >= 0.05" in rep.explain()


def test_same_curves_serial_threads_synchronous(zero_rate):
    fam = [zero_rate[1], zero_rate[2]]
    kw = dict(p_values=[0.1, 0.2], shots=600, seed=4, progress=False, chunk=128)
    a = pauli_threshold(fam, "depolarizing", **kw)
    b = pauli_threshold(fam, "depolarizing", scheduler="threads", **kw)
    c = pauli_threshold(fam, "depolarizing", scheduler="synchronous", **kw)
    assert a.curves == b.curves == c.curves
    assert a.crossings == b.crossings == c.crossings
    d = pauli_threshold(fam, "depolarizing", **{**kw, "seed": 5})
    assert d.curves != a.curves


def test_same_curves_on_a_local_cluster_of_processes(zero_rate):
    """Decoders are pickled to worker processes once per (code, p); same curves as serial."""
    import distributed

    fam = [zero_rate[1], zero_rate[2]]
    kw = dict(p_values=[0.12, 0.24], shots=512, seed=8, progress=False, chunk=128)
    serial = pauli_threshold(fam, NoiseFamily("biased", eta=3), **kw)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as client:
        dist = pauli_threshold(fam, NoiseFamily("biased", eta=3), scheduler=client, **kw)
    assert dist.curves == serial.curves and dist.complete


def test_noise_family_forms_agree():
    code = code_513()
    kw = dict(p_values=[0.1, 0.25], shots=300, seed=3, progress=False)
    a = pauli_threshold([code], NoiseFamily("biased", eta=10), **kw)
    b = pauli_threshold([code], lambda p: PauliNoise.biased(p, 10), **kw)
    assert a.curves == b.curves and a.hashing_bound == b.hashing_bound
    assert a.hashing_bound == pytest.approx(hashing_bound(10))
    c = pauli_threshold([code], "depolarizing", **kw)
    d = pauli_threshold([code], lambda p: PauliNoise.depolarizing(p), **kw)
    assert c.curves == d.curves and c.eta == 0.5
    # a family whose bias changes with p has no single hashing bound
    e = pauli_threshold([code], lambda p: PauliNoise.biased(p, 1 / p), **kw)
    assert e.hashing_bound is None and e.eta is None


def test_interrupt_keeps_finished_chunks(monkeypatch, zero_rate):
    from holonet.verify import pauli as mod

    calls = []
    real = mod._decode_chunk

    def flaky(*args):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(mod, "_decode_chunk", flaky)
    rep = pauli_threshold([zero_rate[1], zero_rate[2]], "depolarizing", [0.1, 0.2], 200,
                          seed=0, chunk=100, progress=False)
    assert not rep.complete and not rep.ok and "interrupted" in rep.failures[0]
    assert rep.curves[0]["shots"] == [200, 0] and rep.curves[0]["success"][1] is None


def test_expect_and_assert_twin(zero_rate):
    fam = [zero_rate[1], zero_rate[2]]
    rep = pauli_threshold(fam, "depolarizing", [0.1, 0.3], 300, seed=1, progress=False,
                          expect=(0.45, 0.01))
    assert not rep.ok and "outside the expected" in rep.failures[0]
    with pytest.raises(VerificationError, match="outside the expected"):
        assert_pauli_threshold(fam, "depolarizing", [0.1, 0.3], 300, seed=1, progress=False,
                               expect=(0.45, 0.01))
    rep = pauli_threshold([zero_rate[1]], "depolarizing", [0.1, 0.3], 50, progress=False,
                          expect=(0.2, 0.1))
    assert not rep.ok and "no crossing found" in rep.failures[0]
    assert isinstance(rep, PauliThresholdReport)


def test_work_guard_refuses_before_decoding(monkeypatch, zero_rate):
    from holonet.verify import pauli as mod

    def never(*args):
        raise AssertionError("decoded despite the guard")

    monkeypatch.setattr(mod, "_decode_chunk", never)
    with pytest.raises(WorkTooLarge, match=r"max_flops=") as info:
        pauli_threshold([zero_rate[2], zero_rate[3]], "depolarizing", [0.1, 0.2], 10**6,
                        progress=False, max_flops=1e9)
    assert "pauli_threshold (2 codes x 2 rates x 1,000,000 shots)" in str(info.value)


@pytest.mark.parametrize(("args", "kwargs", "err", "match"), [
    ((["CODE"], "depolarizing", [0.1, 1.0], 10), {}, ValueError, "strictly between 0 and 1"),
    ((["CODE"], "depolarizing", [0.0, 0.1], 10), {}, ValueError, "strictly between 0 and 1"),
    ((["CODE"], "depolarizing", [0.2, 0.1], 10), {}, ValueError, "strictly increasing"),
    ((["CODE"], "depolarizing", [0.1, float("nan")], 10), {}, ValueError, "nan at position 1"),
    ((["CODE"], "depolarizing", [0.1], 0), {}, ValueError, "shots must be >= 1"),
    ((["CODE"], "depolarizing", [0.1], 10), {"chunk": 0}, ValueError, "chunk must be >= 1"),
    ((["CODE"], "depolarizing", [0.1], 10), {"seed": -1}, ValueError, "seed"),
    ((["CODE"], "depolarizing", [0.1], 10), {"seed": None}, TypeError, "seed"),
    ((["CODE"], "biased", [0.1], 10), {}, ValueError, "needs eta="),
    ((["CODE"], "bit-flip", [0.1], 10), {}, ValueError, "expected one of 'depolarizing'"),
    ((["CODE"], 0.3, [0.1], 10), {}, TypeError, "noise_family must be"),
    ((["CODE"], PauliNoise.depolarizing(0.1), [0.1], 10), {}, TypeError, "map p to"),
    ((["CODE"], lambda p: p, [0.1], 10), {}, TypeError, "must return a PauliNoise"),
    ((["CODE"], lambda p: PauliNoise.depolarizing(p / 2), [0.1], 10), {}, ValueError,
     "total error rate 0.05"),
    ((["CODE"], lambda p: PauliNoise.depolarizing([p] * 5), [0.1], 10), {}, ValueError,
     "per-qubit"),
    (([], "depolarizing", [0.1], 10), {}, ValueError, "at least one code"),
    (("CODE", "depolarizing", [0.1], 10), {}, TypeError, "family must be a sequence"),
    ((["L2", "CODE"], "depolarizing", [0.1], 10), {}, ValueError, "increasing code size"),
    ((["CODE"], "depolarizing", [0.1], 10), {"scheduler": "gpu"}, ValueError,
     "unknown scheduler"),
    ((["CODE"], "depolarizing", [0.1], 10), {"scheduler": 3}, TypeError, "scheduler must be"),
    ((["CODE"], "depolarizing", [0.1], 10), {"logical": 1}, ValueError, "logical must be <= 0"),
    ((["CODE"], "depolarizing", [0.1], 10), {"expect": 0.2}, TypeError, "pair"),
    ((["CODE"], "depolarizing", [0.1], 10), {"max_flops": float("nan")}, ValueError,
     "max_flops"),
    ((["CODE"], "depolarizing", [0.1], 10), {"progress": "yes"}, TypeError, "progress"),
    ((["DEC"], "depolarizing", [0.1], 10), {}, TypeError, "not decoders"),
])
def test_bad_input(args, kwargs, err, match, zero_rate):
    from holonet.decode import MLDecoder

    subst = {"CODE": code_513(), "L2": zero_rate[2],
             "DEC": MLDecoder(code_513(), PauliNoise.depolarizing(0.1))}
    family = args[0]
    family = subst.get(family, family) if isinstance(family, str) else [subst[c] for c in family]
    with pytest.raises(err, match=match):
        pauli_threshold(family, *args[1:], progress=kwargs.pop("progress", False), **kwargs)


def test_noise_family_validation():
    with pytest.raises(ValueError, match="takes no eta"):
        NoiseFamily("depolarizing", eta=2)
    with pytest.raises(ValueError, match="eta must be >= 0"):
        NoiseFamily("biased", eta=-1)
    with pytest.raises(ValueError, match="eta must be a finite number; got nan"):
        NoiseFamily("biased", eta=float("nan"))
    with pytest.raises(ValueError, match="bias axis"):
        NoiseFamily("biased", eta=1, axis="W")
    fam = NoiseFamily("biased", eta=float("inf"), axis="X")
    assert float(fam(0.2).px) == 0.2 and fam.hashing_bound() == 0.5


# ---------------------------------------------------------------------------- the CLI
def test_cli_threshold_prints_curves_and_writes_json(tmp_path, capsys):
    from holonet.cli import main

    out = tmp_path / "sub" / "thr.json"
    rc = main(["verify", "threshold", "--noise", "biased", "--eta", "0.5", "inf", "--layers",
               "1..2", "--p", "0.1", "0.2", "0.3", "--shots", "200", "--seed", "3",
               "--no-progress", "--out", str(out)])
    text = capsys.readouterr().out
    assert rc == 0
    assert "[[5,1]]" in text and "[[25,1]]" in text
    assert "zero-rate hashing bound of the channel: 0.1893" in text
    assert "zero-rate hashing bound of the channel: 0.5000" in text
    assert "summary (threshold" in text
    data = json.loads(out.read_text())
    assert data["command"] == ("holonet verify threshold --noise biased --eta 0.5 inf "
                               "--variant zero-rate --layers 1..2 --p 0.1 0.2 0.3 --shots 200 "
                               f"--seed 3 --out {out}")
    assert [r["eta"] for r in data["runs"]] == [0.5, None]
    assert [r["eta_is_inf"] for r in data["runs"]] == [False, True]
    assert data["n"] == [5, 25] and data["layers"] == [1, 2]
    run = data["runs"][0]
    direct = pauli_threshold({"L1": happy_code(1, variant="zero-rate"),
                              "L2": happy_code(2, variant="zero-rate")},
                             NoiseFamily("biased", eta=0.5), [0.1, 0.2, 0.3], 200, seed=3,
                             progress=False)
    assert run["curves"] == json.loads(direct.to_json())["curves"]


@pytest.mark.parametrize(("argv", "match"), [
    (["--noise", "biased"], "needs --eta"),
    (["--eta", "3"], "--eta applies to --noise biased only"),
    (["--noise", "pauli"], "unknown noise 'pauli'"),
    (["--noise", "biased", "--eta", "-1"], "--eta must be a number >= 0"),
    (["--layers", "3..1"], "layers must be N, A..B"),
    (["--layers", "0..2"], "--layers must be >= 1"),
    (["--p", "0.1", "1.5"], "--p must hold probabilities in [0, 1]; got 1.5"),
    (["--p", "0.1", "1.0"], "--p must lie strictly between 0 and 1; got 1.0"),
    (["--p", "0.2", "0.1"], "--p must be strictly increasing"),
    (["--shots", "0"], "shots must be >= 1"),
    (["--workers", "0"], "--workers must be >= 1"),
    (["--out", "/proc/nope/x.json"], "--out: cannot write"),
])
def test_cli_threshold_errors_are_one_line(argv, match, capsys):
    from holonet.cli import main

    try:   # argparse exits; a user error is caught by holonet.cli.main
        rc = main(["verify", "threshold", "--layers", "1", "--shots", "5", "--no-progress",
                   *argv])
    except SystemExit as exc:
        rc = exc.code
    assert rc == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("holonet: error:") and match in err


@pytest.mark.slow
def test_zero_rate_thresholds_full_size():
    """Layers 2-4 (n = 25, 95, 355): crossings under depolarising noise and at η = 3, 10.

    The depolarising crossings lie within 0.03 of the hashing bound 0.189 (measured
    0.18-0.19); at η = ∞ the larger code wins at every p < 1/2 on the grid.
    """
    fam = {f"L{L}": happy_code(L, variant="zero-rate") for L in (2, 3, 4)}
    for eta in (0.5, 3, 10):
        hb = hashing_bound(eta)
        p = np.round(hb * np.array([0.7, 0.8, 0.9, 1.0, 1.1, 1.2]), 4)
        rep = pauli_threshold(fam, NoiseFamily("biased", eta=eta), p, 4000, seed=1,
                              progress=False, expect=(hb, 0.03))
        assert rep.ok, rep.explain()
        assert all(x["p"] is not None for x in rep.crossings), rep.explain()
    rep = pauli_threshold(fam, NoiseFamily("biased", eta=float("inf")), [0.3, 0.4, 0.45],
                          4000, seed=1, progress=False)
    for a, b in zip(rep.curves, rep.curves[1:]):
        assert all(y > x for x, y in zip(a["success"], b["success"])), rep.explain()
