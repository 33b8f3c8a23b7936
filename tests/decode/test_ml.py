"""MLDecoder: exact against independent brute force; invariances; approximation; bad input.

Brute-force references (tests/decode/_brute.py) never touch the tensor network:
the literal Gray-code sum over the stabilizer group, the same sum by the
distributive law over a qubit cut, and the symplectic Fourier (Poisson) sum over
the dual group for the marginal decoder of the [[25,11]] code.
"""

from __future__ import annotations

import numpy as np
import pytest

from holonet.codes import VARIANTS, code_513, happy_code
from holonet.contract import ContractionTooLarge
from holonet.decode import MLDecoder, PauliNoise, labels_to_packed, success_probability_exact
from holonet.stabilizer import StabilizerCode, gf2
from tests.decode._brute import FourierSums, best_cut, gray_sums, labels, split_sums

NOISES = {
    "depolarizing": PauliNoise.depolarizing(0.15),
    "biased": PauliNoise.biased(0.2, eta=10.0),
}
CLASSES_1 = np.array([[0], [1], [2], [3]], np.uint8)


def _reference_joint(dec: MLDecoder, syndromes: np.ndarray, method: str = "split",
                     order: list[int] | None = None) -> np.ndarray:
    """Normalised coset probabilities (B, 4) of a k = 1 code by brute force."""
    t = dec._tables
    pure = t.pure_errors(syndromes)
    shifts = np.concatenate([labels(pure ^ L) for L in t.logical_bits(CLASSES_1)])
    prob = dec.noise.probabilities(dec.n)
    H = dec._sc.stabilizers
    if method == "gray":
        sums = gray_sums(H, shifts, prob)
    else:
        sums = split_sums(H, shifts, prob, best_cut(H, order)[0])
    P = sums.reshape(4, -1).T
    return P / P.sum(axis=1, keepdims=True)


def _agreement(P: np.ndarray, Q: np.ndarray) -> tuple[int, int, int]:
    """(agreeing decisions, ties, disagreements outside ties) between two (B, c) arrays."""
    a, b = P.argmax(axis=1), Q.argmax(axis=1)
    srt = np.sort(Q, axis=1)
    tie = srt[:, -1] - srt[:, -2] <= 1e-9 * srt[:, -1]
    return int((a == b).sum()), int(tie.sum()), int(((a != b) & ~tie).sum())


def _tile_order(code) -> list[int]:
    return [code.boundary_legs.index(leg) for t in code.contraction_order
            for leg in code.tile_legs(t) if leg in code.boundary_legs]


# ----------------------------------------------------------------------------- [[5,1,3]]
@pytest.mark.parametrize("noise", [*NOISES.values(),
                                   PauliNoise.from_rates([0.01, 0.2, 0.05, 0.1, 0.0],
                                                         0.03, [0.1, 0.0, 0.2, 0.02, 0.3])],
                         ids=["depolarizing", "biased", "per-qubit"])
@pytest.mark.parametrize("make", [lambda: happy_code(1), code_513], ids=["happy", "plain"])
def test_513_every_syndrome_equals_gray_code_sum(make, noise):
    code = make()
    dec = MLDecoder(code, noise)
    assert dec.backend == ("tensor network" if hasattr(code, "tiling") else "enumeration")
    s = np.array([[(i >> b) & 1 for b in range(4)] for i in range(16)], np.uint8)
    s = np.repeat(s, 64, axis=0)            # 1,024 syndromes (all 16, repeated)
    P = dec.coset_probabilities(s)
    Q = _reference_joint(dec, s, "gray")
    assert np.abs(P - Q).max() < 1e-12
    agree, ties, bad = _agreement(P, Q)
    assert bad == 0 and agree + ties >= s.shape[0]


# ----------------------------------------------------------------------------- [[25,1,9]]
@pytest.mark.parametrize("name", list(NOISES))
def test_25_1_9_equals_brute_force(name):
    """1,000 sampled syndromes: the cut-reorganised group sum; 8 of them the literal Gray sum."""
    code = happy_code(2, convention="edge", variant="single")
    noise = NOISES[name]
    dec = MLDecoder(code, noise)
    assert (dec.n, dec.k, dec.method) == (25, 1, "joint")
    E = noise.sample(25, 1000, seed=13)
    s = dec.syndromes(E)
    P = dec.coset_probabilities(s)
    Q = _reference_joint(dec, s, "split", _tile_order(code))
    assert np.abs(P - Q).max() < 1e-10
    agree, ties, bad = _agreement(P, Q)
    assert bad == 0 and agree >= 1000 - ties
    G = _reference_joint(dec, s[:8], "gray")
    assert np.abs(G - Q[:8]).max() < 1e-9   # 2^24 sequential additions: rounding ~1e-11


@pytest.mark.slow
@pytest.mark.parametrize("name", list(NOISES))
def test_25_1_9_equals_literal_gray_code_sum(name):
    """1,000 syndromes against the literal Gray-code enumeration of all 2^24 stabilizers."""
    code = happy_code(2, convention="edge", variant="single")
    noise = NOISES[name]
    dec = MLDecoder(code, noise)
    s = dec.syndromes(noise.sample(25, 1000, seed=17))
    P = dec.coset_probabilities(s)
    Q = np.concatenate([_reference_joint(dec, s[i:i + 50], "gray") for i in range(0, 1000, 50)])
    assert np.abs(P - Q).max() < 1e-10
    agree, ties, bad = _agreement(P, Q)
    assert bad == 0


# ----------------------------------------------------------------------------- [[25,11]]
@pytest.mark.parametrize("name", list(NOISES))
def test_pentagon_25_11_marginal_equals_fourier_sum(name):
    """Per-logical ML on [[25,11]]: marginals against the dual-group (Poisson) sum."""
    code = happy_code(2)
    noise = NOISES[name]
    dec = MLDecoder(code, noise)
    assert (dec.k, dec.method) == (11, "marginal")
    E = noise.sample(25, 1000, seed=5)
    s = dec.syndromes(E)
    P = dec.coset_probabilities(s)
    assert P.shape == (1000, 11, 4)
    t = dec._tables
    pure = t.pure_errors(s)
    prob = noise.probabilities(25)
    for j in range(11):
        others = [i for i in range(11) if i != j]
        G = np.vstack([t.H, t.LX[others], t.LZ[others]])
        F = FourierSums(G, prob)
        assert F.dual.shape[0] == 16
        Q = np.empty((1000, 4))
        for lab in range(4):
            L = np.zeros((1, 11), np.uint8)
            L[0, j] = lab
            Q[:, lab] = F(pure ^ t.logical_bits(L))
        Q /= Q.sum(axis=1, keepdims=True)
        assert np.abs(P[:, j] - Q).max() < 1e-9, j
        agree, ties, bad = _agreement(P[:, j], Q)
        assert bad == 0


def test_marginal_equals_joint_for_k1():
    """The backward-pass marginal of a k = 1 code equals the forward joint result."""
    code = happy_code(3, variant="zero-rate")
    noise = PauliNoise.depolarizing(0.12)
    joint = MLDecoder(code, noise, method="joint")
    marg = MLDecoder(code, noise, method="marginal")
    s = joint.syndromes(noise.sample(code.n, 300, seed=2))
    assert np.allclose(joint.coset_probabilities(s), marg.coset_probabilities(s)[:, 0],
                       atol=1e-12)


# ----------------------------------------------------------------------------- every variant
@pytest.mark.parametrize("variant", [v for v in VARIANTS if v != "hexagon-state"])
@pytest.mark.parametrize("convention", ["vertex", "edge"])
def test_every_variant_decodes(variant, convention):
    """Two layers of every variant with logicals: planned quickly, corrections consistent."""
    code = happy_code(2, convention=convention, variant=variant)
    noise = PauliNoise.biased(0.1, eta=3.0)
    dec = MLDecoder(code, noise)
    assert dec.method == ("joint" if code.k <= 2 else "marginal")
    E = noise.sample(code.n, 64, seed=0)
    s = dec.syndromes(E)
    P = dec.coset_probabilities(s)
    assert np.isfinite(P).all() and np.allclose(P.sum(axis=-1), 1.0)
    assert np.array_equal(dec.syndromes(dec.decode(s)), s)


# ----------------------------------------------------------------------------- invariances
def test_corrections_syndromes_and_stabilizer_invariance():
    code = happy_code(3, variant="zero-rate")
    noise = PauliNoise.biased(0.15, eta=3.0)
    dec = MLDecoder(code, noise)
    E = noise.sample(code.n, 400, seed=8)
    s = dec.syndromes(E)
    C = dec.decode(s)
    assert C.shape == E.shape and C.dtype == np.uint64
    assert np.array_equal(dec.syndromes(C), s)
    # multiply every error by a random stabilizer: same syndrome, same decision class
    rng = np.random.default_rng(0)
    H = code.stabilizer_code.stabilizers
    S = gf2.matmul(rng.integers(0, 2, (400, H.shape[0]), np.uint8), H)
    E2 = E ^ gf2.pack(S)
    C2 = dec.decode(dec.syndromes(E2))
    assert np.array_equal(dec.classes(E2 ^ C2), dec.classes(E ^ C))


def test_pure_error_choice_does_not_matter():
    code = happy_code(2, convention="edge", variant="single")
    dec = MLDecoder(code, PauliNoise.depolarizing(0.15))
    s = dec.syndromes(PauliNoise.depolarizing(0.15).sample(25, 200, seed=4))
    t = dec._tables
    pure = t.pure_errors(s)
    rng = np.random.default_rng(1)
    S = gf2.matmul(rng.integers(0, 2, (200, t.r), np.uint8), t.H)
    assert np.allclose(dec._probabilities(pure), dec._probabilities(pure ^ S), atol=1e-13)
    # shifting by X̄ relabels classes I<->X, Z<->Y
    PX = dec._probabilities(pure ^ t.logical_bits(np.ones((200, 1), np.uint8)))
    assert np.allclose(PX, dec._probabilities(pure)[:, [1, 0, 3, 2]], atol=1e-13)


def test_classes_and_exact_success_of_513():
    dec = MLDecoder(code_513(), PauliNoise.depolarizing(0.1))
    assert dec.classes(labels_to_packed([[1] * 5, [2] * 5, [3] * 5, [0] * 5])).ravel().tolist() \
        == [1, 2, 3, 0]
    # success probability: sum over syndromes of the largest joint coset probability,
    # from the brute-force (Gray-code) sums, equals the decoder's full enumeration
    noise = PauliNoise.depolarizing(0.1)
    s = np.array([[(i >> b) & 1 for b in range(4)] for i in range(16)], np.uint8)
    t = dec._tables
    pure = t.pure_errors(s)
    shifts = np.concatenate([labels(pure ^ L) for L in t.logical_bits(CLASSES_1)])
    sums = gray_sums(t.H, shifts, noise.probabilities(5)).reshape(4, 16)
    assert success_probability_exact(code_513(), noise) == pytest.approx(
        sums.max(axis=0).sum(), rel=1e-12)
    assert sums.sum() == pytest.approx(1.0, rel=1e-12)


def test_deep_code_does_not_underflow():
    """n = 355 at high noise: probabilities stay finite and normalised (per-step rescaling)."""
    code = happy_code(4, variant="zero-rate")
    noise = PauliNoise.depolarizing(0.3)
    dec = MLDecoder(code, noise)
    P = dec.coset_probabilities(dec.syndromes(noise.sample(code.n, 20, seed=0)))
    assert np.isfinite(P).all() and np.allclose(P.sum(axis=1), 1.0)


def test_with_noise_reuses_the_plan():
    code = happy_code(3, variant="zero-rate")
    d1 = MLDecoder(code, PauliNoise.depolarizing(0.1))
    d2 = d1.with_noise(PauliNoise.depolarizing(0.2))
    assert d2._plan is d1._plan and d2.noise.p == pytest.approx(0.2)
    d3 = MLDecoder(code, PauliNoise.depolarizing(0.3))
    assert d3._plan is d1._plan  # cached per code
    info = d1.plan_info
    assert info["tensors"] == code.n_tiles and info["width"] > 0 and info["flops"] > 0


# ----------------------------------------------------------------------------- chi
def test_bond_cap_approximation_error_is_reported_and_vanishes():
    code = happy_code(3, variant="zero-rate")
    noise = PauliNoise.depolarizing(0.15)
    exact = MLDecoder(code, noise)
    s = exact.syndromes(noise.sample(code.n, 6, seed=3))
    P = exact.coset_probabilities(s)
    errs = {}
    for chi in (2, 16):
        approx = MLDecoder(code, noise, chi=chi)
        assert approx.backend == f"tensor network (chi={chi})"
        errs[chi] = float(np.abs(approx.coset_probabilities(s) - P).max())
    assert errs[16] < 1e-10           # no truncation needed at chi = 16 on this network
    assert errs[2] > 1e-6             # a real cap changes the numbers (measured ~1e-2)


# ----------------------------------------------------------------------------- bad input
def test_bad_input():
    noise = PauliNoise.depolarizing(0.1)
    dec = MLDecoder(happy_code(1), noise)
    with pytest.raises(ValueError, match=r"syndromes must have shape \(B, 4\)"):
        dec.decode(np.zeros((2, 5), np.uint8))
    with pytest.raises(ValueError, match="only 0 and 1"):
        dec.decode(np.full((1, 4), 2))
    with pytest.raises(ValueError, match=r"shape \(B, 1\) for n = 5"):
        dec.syndromes(np.zeros((2, 3), np.uint64))
    with pytest.raises(ValueError, match="beyond column 2n"):
        dec.syndromes(np.array([[1 << 20]], np.uint64))
    with pytest.raises(TypeError, match="noise must be a PauliNoise"):
        MLDecoder(happy_code(1), 0.1)
    with pytest.raises(TypeError, match="HaPPYCode or a StabilizerCode"):
        MLDecoder("code", noise)
    with pytest.raises(ValueError, match="unknown decoding method 'best'"):
        MLDecoder(happy_code(1), noise, method="best")
    with pytest.raises(ValueError, match="no logical qubit"):
        MLDecoder(happy_code(1, variant="hexagon-state"), noise)
    with pytest.raises(ValueError, match="chi= needs the tensor-network view"):
        MLDecoder(code_513(), noise, chi=4)
    with pytest.raises(ValueError, match="chi must be >= 1"):
        MLDecoder(happy_code(1), noise, chi=0)
    big = StabilizerCode.from_check_matrix(happy_code(2).stabilizer_code.stabilizers)
    with pytest.raises(ValueError, match=r"2\^14 stabilizers x 4\^11 classes"):
        MLDecoder(big, noise)
    with pytest.raises(ContractionTooLarge, match="bytes of intermediates per syndrome"):
        MLDecoder(happy_code(3, variant="zero-rate"), noise, memory_limit=1000)
