"""Weight enumerators and distance witnesses: literature values, brute force, MacWilliams."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from holonet._errors import HolonetError
from holonet.codes import happy_code
from holonet.stabilizer import (
    DistanceTooExpensive,
    EnumeratorTooExpensive,
    StabilizerCode,
    WeightEnumerator,
    commutation_matrix,
    gf2,
    macwilliams_transform,
    min_weight_logical,
    paulis_to_symplectic,
    weight_enumerator,
)
from tests.stabilizer._stabgen import random_state_check

FIVE = ["XZZXI", "IXZZX", "XIXZZ", "ZXIXZ"]


def random_code(n, r, seed):
    rng = np.random.default_rng(seed)
    return StabilizerCode.from_check_matrix(random_state_check(n, rng)[:r])


def brute_force(code):
    """(A, B, d) by looping over all 4^n Paulis."""
    n = code.n
    H = code.stabilizers
    A = np.zeros(n + 1, np.int64)
    B = np.zeros(n + 1, np.int64)
    d = None
    r = gf2.rank(H)
    for idx in itertools.product(range(4), repeat=n):
        v = np.zeros(2 * n, np.uint8)
        for q, p in enumerate(idx):
            v[q] = p in (1, 3)
            v[n + q] = p in (2, 3)
        w = sum(1 for p in idx if p)
        if commutation_matrix(v[None, :], H).any():
            continue
        B[w] += 1
        if gf2.rank(np.vstack([H, v])) == r:
            A[w] += 1
        elif w and (d is None or w < d):
            d = w
    return A, B, d


def assert_logical(code, pauli):
    v, _ = paulis_to_symplectic([pauli])
    assert not commutation_matrix(v, code.stabilizers).any(), "witness anticommutes"
    assert gf2.rank(np.vstack([code.stabilizers, v])) == code.r + 1, "witness is a stabilizer"


def test_five_qubit_code_reference_values():
    code = StabilizerCode.from_pauli_strings(FIVE)
    A, B = code.weight_enumerator()
    assert A.tolist() == [1, 0, 0, 0, 15, 0]  # A = 1 + 15 z^4 (Shor-Laflamme)
    assert B.tolist() == [1, 0, 0, 30, 15, 18]
    assert code.weight_enumerator().polynomial("A") == "1 + 15 z^4"
    assert code.weight_enumerator().distance() == 3 == code.distance()


@pytest.mark.parametrize(("n", "r", "seed"), [(4, 2, 0), (5, 3, 1), (6, 3, 2), (6, 4, 3),
                                              (5, 5, 4), (6, 1, 5)])
def test_enumerators_and_distance_match_brute_force(n, r, seed):
    code = random_code(n, r, seed)
    A0, B0, d0 = brute_force(code)
    for method in ("gray", "macwilliams"):
        A, B = weight_enumerator(code, method=method)
        assert A.tolist() == A0.tolist()
        assert B.tolist() == B0.tolist()
    e = code.weight_enumerator()
    e.check()
    assert sum(e.A) == 2 ** (n - code.k) and sum(e.B) == 2 ** (n + code.k)
    assert e.k == code.k and e.n == n
    if code.k:
        assert e.distance() == d0
        for method in ("subsets", "cosets"):
            d, witness = code.distance(method=method, return_witness=True)
            assert d == d0
            assert len(witness) - witness.count("I") == d
            assert_logical(code, witness)
    else:
        assert e.distance() is None
        assert e.A.tolist() == e.B.tolist()


def test_macwilliams_is_consistent_and_exact():
    code = random_code(8, 5, 11)
    A, B = weight_enumerator(code, method="gray")
    assert macwilliams_transform(A, code.k).tolist() == B.tolist()
    with pytest.raises(ValueError, match="not integral"):
        macwilliams_transform([1, 1, 0, 0], k=1)
    bad = B.copy()
    bad[2] += 1  # keep the sum, break the identity
    bad[3] -= 1
    with pytest.raises(HolonetError, match="MacWilliams identity fails at weight 2"):
        WeightEnumerator(A, bad).check()


def test_large_counts_use_python_ints():
    code = random_code(40, 8, 3)  # n + k = 72: counts up to 2^72 do not fit int64
    A, B = code.weight_enumerator(progress=False)
    assert A.dtype == object and B.dtype == object
    assert sum(B) == 2**72 and sum(A) == 2**8
    assert all(isinstance(b, int) for b in B)


def test_zero_rate_happy_code_25_1_9():
    sc = happy_code(2, convention="edge", variant="single").stabilizer_code
    assert (sc.n, sc.k) == (25, 1)
    e = sc.weight_enumerator(method="gray", progress=False)
    assert e.B.tolist() == sc.weight_enumerator(progress=False).B.tolist()
    e.check()
    # A_4 = 75: the 15 weight-4 stabilizers of each of the five outer [[5,1,3]] blocks
    assert e.A[:9].tolist() == [1, 0, 0, 0, 75, 0, 0, 0, 2250]
    assert e.distance() == 9
    witness = sc.min_weight_logical(progress=False)
    assert len(witness) - witness.count("I") == 9
    assert_logical(sc, witness)
    assert sc.distance(method="cosets", progress=False) == 9


@pytest.mark.parametrize(("layers", "variant", "d"), [(2, "pentagon", 3), (2, "single", 9),
                                                      (2, "pentagon-hexagon", 9),
                                                      (4, "pentagon", 3)])
def test_happy_witnesses(layers, variant, d):
    sc = happy_code(layers, variant=variant).stabilizer_code
    dist, witness = sc.distance(return_witness=True, progress=False)
    assert dist == d
    assert_logical(sc, witness)


def test_distance_guard_predicts_work_and_names_override():
    sc = happy_code(3, convention="edge", variant="single").stabilizer_code  # [[75, 1]]
    with pytest.raises(DistanceTooExpensive, match=r"d >= \d+.*word operations.*limit=") as err:
        sc.distance(limit=1e7, progress=False)
    assert "min" in str(err.value) or " s at" in str(err.value)
    with pytest.raises(DistanceTooExpensive, match="coset enumeration of"):
        sc.distance(method="cosets", progress=False)
    big = happy_code(3).stabilizer_code  # [[95, 51]]: 2^44 stabilizers
    with pytest.raises(EnumeratorTooExpensive, match="limit="):
        big.weight_enumerator()


def test_bad_options():
    code = StabilizerCode.from_pauli_strings(FIVE)
    with pytest.raises(ValueError, match="unknown weight enumerator method 'fast'"):
        code.weight_enumerator(method="fast")
    with pytest.raises(ValueError, match="unknown distance witness method"):
        min_weight_logical(code, method="nope")
    with pytest.raises(ValueError, match="k = 0"):
        StabilizerCode.from_pauli_strings(["XX", "ZZ"]).min_weight_logical()
    with pytest.raises(TypeError, match="limit must be a number"):
        code.distance(limit="big")
    for bad in (0, -5, float("nan")):
        with pytest.raises(ValueError, match="limit must be positive"):
            code.weight_enumerator(limit=bad)
    assert code.distance(limit=float("inf")) == 3
