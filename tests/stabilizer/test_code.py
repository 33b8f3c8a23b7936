"""StabilizerCode: [[5,1,3]] facts, dense and brute-force cross-checks, verify(), stim."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import stim

from holonet._errors import VerificationError
from holonet.stabilizer import (
    DistanceTooExpensive,
    StabilizerCode,
    commutation_matrix,
    gf2,
    symplectic_to_paulis,
)
from holonet.stabilizer.dense import pauli_operator
from tests.stabilizer._stabgen import random_state_check

FIVE = ["XZZXI", "IXZZX", "XIXZZ", "ZXIXZ"]


@pytest.fixture
def five():
    return StabilizerCode.from_pauli_strings(FIVE, ["XXXXX"], ["ZZZZZ"])


def random_code(n, r, rng):
    return StabilizerCode.from_check_matrix(random_state_check(n, rng)[:r])


def code_state(code):
    """Dense normalised codespace projector (maximally mixed code state)."""
    n = code.n
    proj = np.eye(2**n, dtype=complex)
    for row, s in zip(code.stabilizers, code.stabilizer_signs, strict=True):
        proj = proj @ (np.eye(2**n) + pauli_operator(row, int(s))) / 2
    return proj / np.trace(proj).real


def dense_entropy(rho, n, region):
    """Entropy in bits of the dense state ``rho`` on ``n`` qubits reduced to ``region``."""
    keep = list(region)
    rest = [q for q in range(n) if q not in keep]
    t = rho.reshape((2,) * (2 * n))
    t = np.transpose(t, keep + rest + [n + q for q in keep] + [n + q for q in rest])
    da, db = 2 ** len(keep), 2 ** len(rest)
    red = np.einsum("ajbj->ab", t.reshape(da, db, da, db))
    ev = np.linalg.eigvalsh(red)
    ev = ev[ev > 1e-12]
    return float(-(ev * np.log2(ev)).sum())


def all_paulis(n):
    for idx in itertools.product(range(4), repeat=n):
        v = np.zeros(2 * n, np.uint8)
        for q, p in enumerate(idx):
            v[q] = p in (1, 3)
            v[n + q] = p in (2, 3)
        yield v


def brute_force_logicals(code):
    """All nontrivial logical operators (normalizer minus stabilizer group), by enumeration."""
    H = code.stabilizers
    out = []
    r = gf2.rank(H)
    for v in all_paulis(code.n):
        if commutation_matrix(v[None], H).any():
            continue
        if gf2.rank(np.vstack([H, v])) > r:
            out.append(v)
    return np.array(out)


def test_513_facts(five):
    assert (five.n, five.k, five.r) == (5, 1, 4)
    assert five.distance() == 3
    assert five.distance(method="subsets") == 3
    five.verify()
    for size in range(6):
        for A in itertools.combinations(range(5), size):
            assert five.entropy(A) == min(size, 6 - size)  # perfect: S(A) = min(|A|, |A R|)
    assert five.is_correctable([0, 1]) and not five.is_correctable([0, 1, 2])


@pytest.mark.parametrize("n, r", [(4, 2), (5, 3), (5, 5), (6, 4)])
def test_entropy_matches_dense(n, r, rng):
    code = random_code(n, r, rng)
    rho = code_state(code)
    for size in range(n + 1):
        for A in list(itertools.combinations(range(n), size))[:6]:
            assert code.entropy(A) == pytest.approx(dense_entropy(rho, n, A), abs=1e-9)


@pytest.mark.parametrize("n, r", [(4, 2), (5, 3), (5, 4)])
def test_correctable_and_distance_vs_brute_force(n, r, rng):
    code = random_code(n, r, rng)
    logicals = brute_force_logicals(code)
    support = (logicals[:, :n] | logicals[:, n:]).astype(bool)
    d = int(support.sum(1).min())
    assert code.distance(method="cosets") == d == code.distance(method="subsets")
    for size in range(n + 1):
        for E in itertools.combinations(range(n), size):
            mask = np.zeros(n, bool)
            mask[list(E)] = True
            expect = not np.any(np.all(~support | mask, axis=1))
            assert code.is_correctable(list(E)) == expect
            assert code.is_correctable(mask) == expect


@pytest.mark.parametrize("n, r", [(5, 3), (6, 3), (6, 4)])
def test_recoverable_logicals_vs_mutual_information(n, r, rng):
    code = random_code(n, r, rng)
    code.verify()
    k = code.k
    lx, lz = code.logicals
    # pure state on code ∪ reference: stabilizers, X̄_j X_Rj, Z̄_j Z_Rj
    def ext(M, rows=None):
        out = np.zeros((M.shape[0], 2 * (n + k)), np.uint8)
        out[:, :n] = M[:, :n]
        out[:, n + k:2 * n + k] = M[:, n:]
        return out
    E = [ext(code.stabilizers)]
    for j in range(k):
        x, z = ext(lx[j:j + 1]), ext(lz[j:j + 1])
        x[0, n + j] = 1
        z[0, 2 * n + k + j] = 1
        E += [x, z]
    pure = StabilizerCode.from_check_matrix(np.vstack(E))
    assert pure.k == 0
    for size in range(n + 1):
        for A in itertools.combinations(range(n), size):
            got = code.recoverable_logicals(list(A))
            for j in range(k):
                mi = pure.entropy(A) + 1 - pure.entropy(list(A) + [n + j])
                assert got[j] == (mi == 2), (A, j)


def test_canonical_logicals_random(rng):
    for n, r in [(6, 2), (8, 5), (10, 3)]:
        code = random_code(n, r, rng)
        code.verify()
        lx, lz = code.logicals
        assert np.array_equal(commutation_matrix(lx, lz), np.eye(code.k, dtype=np.uint8))
        assert not commutation_matrix(lx).any() and not commutation_matrix(lz).any()


def test_reduced_and_subgroup(five, rng):
    code = random_code(7, 5, rng)
    for A in ([0, 1, 2], [3, 4, 5, 6], [0, 6]):
        red = code.reduced(A)
        assert red.n == len(A)
        assert red.entropy(range(len(A))) == code.entropy(A)
        G = code.subgroup(A)
        others = [q for q in range(7) if q not in A]
        assert not G[:, others].any() and not G[:, [7 + q for q in others]].any()
        assert gf2.rank(np.vstack([code.stabilizers, G])) == code.r
    assert five.restrict([1]).shape == (4, 2)


def test_dependent_rows_dropped():
    code = StabilizerCode.from_pauli_strings(["XX", "ZZ", "YY"])
    assert code.r == 2 and code.k == 0


def test_verify_names_pairs():
    with pytest.raises(VerificationError, match=r"stabilizers 0 \(\+XX\) and 1 \(\+ZI\)"):
        StabilizerCode.from_pauli_strings(["XX", "ZI"])
    with pytest.raises(VerificationError, match="logical X0 .* anticommutes with stabilizer 0"):
        StabilizerCode.from_pauli_strings(["ZZI", "IZZ"], ["XII"], ["ZII"])
    with pytest.raises(VerificationError, match="logical X0 and logical Z0 commute"):
        StabilizerCode.from_pauli_strings(["ZZI", "IZZ"], ["ZII"], ["ZZZ"])
    with pytest.raises(ValueError, match="logical pairs"):
        StabilizerCode.from_pauli_strings(["ZZI", "IZZ"], ["XXX", "XXX"], ["ZII", "ZII"])
    with pytest.raises(ValueError, match="out of range"):
        StabilizerCode.from_pauli_strings(["ZZ"]).entropy([2])
    with pytest.raises(ValueError, match="undefined"):
        StabilizerCode.from_pauli_strings(["XX", "ZZ"]).distance()
    with pytest.raises(ValueError, match="unknown distance method"):
        StabilizerCode.from_pauli_strings(["ZZ"]).distance(method="magic")


def test_distance_limit(five):
    with pytest.raises(DistanceTooExpensive):
        five.distance(limit=10, method="cosets")


def test_stim_tableau_and_commutation(rng, five):
    for code in (five, random_code(8, 5, rng)):
        tab = code.to_stim()
        got = [str(p).replace("_", "I") for p in tab.to_stabilizers()]
        lx, lz = code.logical_strings()
        assert got == code.stabilizer_strings() + lz
        ps = [stim.PauliString(s) for s in code.stabilizer_strings() + lx + lz]
        for a in ps[: code.r]:
            assert all(a.commutes(b) for b in ps)
        circuit = code.to_stim("circuit")
        assert stim.Tableau.from_circuit(circuit).to_stabilizers() == tab.to_stabilizers()


def test_strings_and_repr(five):
    assert five.stabilizer_strings()[0] == "+XZZXI"
    assert five.logical_strings() == (["+XXXXX"], ["+ZZZZZ"])
    assert repr(five) == "StabilizerCode([[5, 1]], r=4)"
    assert symplectic_to_paulis(five.logicals[0]) == ["XXXXX"]
