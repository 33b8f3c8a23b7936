"""Pauli noise models: rates, bias, sampling statistics, packing, hashing bound, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from holonet.decode import PAULI_LABELS, PauliNoise, hashing_bound, labels_to_packed
from holonet.decode.noise import packed_to_labels
from holonet.stabilizer import gf2


def test_depolarizing_and_label_order():
    P = PauliNoise.depolarizing(0.3).probabilities(3)
    assert P.dtype == np.float64 and P.shape == (3, 4)
    assert np.allclose(P, [[0.7, 0.1, 0.1, 0.1]] * 3)
    P = PauliNoise.from_rates(0.1, 0.2, 0.3).probabilities(1)[0]
    assert dict(zip(PAULI_LABELS, P.round(12), strict=True)) == {
        "I": 0.4, "X": 0.1, "Z": 0.3, "Y": 0.2}


@pytest.mark.parametrize("axis", ["X", "Y", "Z"])
@pytest.mark.parametrize("eta", [0.5, 1.0, 3.0, 10.0, 100.0, math.inf])
def test_biased_rates(axis, eta):
    n = PauliNoise.biased(0.2, eta, axis=axis)
    r = {"X": float(n.px), "Y": float(n.py), "Z": float(n.pz)}
    others = [a for a in "XYZ" if a != axis]
    assert r[others[0]] == pytest.approx(r[others[1]])
    assert sum(r.values()) == pytest.approx(0.2)
    if math.isinf(eta):
        assert r[axis] == pytest.approx(0.2)
    else:
        assert r[axis] / (r[others[0]] + r[others[1]]) == pytest.approx(eta)
    if axis == "Z":
        assert n.eta == pytest.approx(eta)
    if eta == 0.5:
        assert np.allclose(n.probabilities(2), PauliNoise.depolarizing(0.2).probabilities(2))


def test_per_qubit_rates():
    p = np.array([0.0, 0.1, 0.2, 0.3])
    n = PauliNoise.biased(p, 3.0)
    P = n.probabilities(4)
    assert np.allclose(1 - P[:, 0], p) and n.n_qubits == 4 and n.eta == pytest.approx(3.0)
    with pytest.raises(ValueError, match="per-qubit rates for 4 qubits; asked for n = 5"):
        n.probabilities(5)


def test_sampling_statistics_and_packing():
    noise = PauliNoise.from_rates([0.1, 0.0, 0.3], [0.05, 0.0, 0.0], [0.2, 0.5, 0.0])
    e = noise.sample(3, 200_000, seed=11)
    assert e.shape == (200_000, 1) and e.dtype == np.uint64
    lab = packed_to_labels(e, 3)
    freq = np.stack([(lab == k).mean(axis=0) for k in range(4)], axis=1)
    want = noise.probabilities(3)
    # 200k shots: standard error <= 0.0012; 5 sigma
    assert np.abs(freq - want).max() < 0.006
    assert (lab[:, 1] != 1).all() and (lab[:, 1] != 3).all() and (lab[:, 2] <= 1).all()
    # the packed rows are gf2.pack of [x | z]
    bits = gf2.unpack(e[:5], 6)
    assert np.array_equal(bits[:, :3] + 2 * bits[:, 3:], lab[:5])
    assert np.array_equal(labels_to_packed(lab[:5]), e[:5])


def test_sampling_is_deterministic_and_blocked():
    noise = PauliNoise.depolarizing(0.2)
    a = noise.sample(70, 50, seed=3)
    assert a.shape == (50, 3)  # 140 bits -> 3 words
    assert np.array_equal(a, noise.sample(70, 50, seed=3))
    assert not np.array_equal(a, noise.sample(70, 50, seed=4))
    gen = np.random.default_rng(3)
    assert np.array_equal(a, noise.sample(70, 50, seed=gen))


def test_hashing_bound_reference_values():
    assert hashing_bound(0.5) == pytest.approx(0.1893, abs=5e-5)
    assert hashing_bound(math.inf) == pytest.approx(0.5, abs=1e-12)
    assert hashing_bound(math.inf, axis="X") == pytest.approx(0.5, abs=1e-12)
    # the entropy at the bound is exactly one bit
    for eta in (0.5, 1.0, 3.0, 10.0, 100.0):
        p = hashing_bound(eta)
        probs = PauliNoise.biased(p, eta).probabilities(1)[0]
        assert -(probs * np.log2(probs)).sum() == pytest.approx(1.0, abs=1e-12)
    # more bias, higher bound
    bounds = [hashing_bound(e) for e in (0.5, 1, 3, 10, 100, math.inf)]
    assert bounds == sorted(bounds)
    assert hashing_bound(rates=(2, 2, 2)) == pytest.approx(hashing_bound(0.5))


@pytest.mark.parametrize("call, err, match", [
    (lambda: PauliNoise.depolarizing(1.5), ValueError, r"p must lie in \[0, 1\]; got 1.5"),
    (lambda: PauliNoise.depolarizing(float("nan")), ValueError, "p must be finite"),
    (lambda: PauliNoise.from_rates(-0.1, 0, 0), ValueError, r"px must lie in \[0, 1\]"),
    (lambda: PauliNoise.from_rates(0.5, 0.3, 0.3), ValueError, "must be <= 1 on every qubit"),
    (lambda: PauliNoise.from_rates([0.1, 0.1], [0.1, 0.1, 0.1], 0), ValueError,
     "different lengths"),
    (lambda: PauliNoise.from_rates(np.ones((2, 2)) * 0.1, 0, 0), ValueError, "1-d per-qubit"),
    (lambda: PauliNoise.biased(0.1, -1), ValueError, "eta must be >= 0"),
    (lambda: PauliNoise.biased(0.1, "big"), TypeError, "eta must be a real number"),
    (lambda: PauliNoise.biased(0.1, 1, axis="W"), ValueError, "unknown bias axis 'W'"),
    (lambda: PauliNoise.depolarizing(0.1).sample(5, 0, seed=0), ValueError,
     "shots must be >= 1"),
    (lambda: PauliNoise.depolarizing(0.1).sample(5, 3, seed=-2), ValueError,
     "seed must be a non-negative integer"),
    (lambda: PauliNoise.depolarizing(0.1).sample(5, 3, seed="x"), ValueError,
     "seed must be a non-negative integer"),
    (lambda: PauliNoise.depolarizing(0.1).probabilities(0), ValueError, "n must be >= 1"),
    (lambda: hashing_bound(), ValueError, "exactly one of eta and rates"),
    (lambda: hashing_bound(rates=(0, 0, 0)), ValueError, "not all zero"),
    (lambda: labels_to_packed([[0, 4]]), ValueError, "labels must lie in 0..3"),
])
def test_bad_input(call, err, match):
    with pytest.raises(err, match=match):
        call()
