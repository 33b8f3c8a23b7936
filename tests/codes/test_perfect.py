"""Perfect tensors: perfectness on every bipartition, the reference stabilizer groups."""

from __future__ import annotations

import numpy as np
import pytest

from holonet.codes import (
    STABILIZERS_513,
    STATE_STABILIZERS_6,
    code_513,
    is_perfect,
    perfect_array,
    perfect_stabilizers,
    perfect_tensor,
)
from holonet.stabilizer import gf2, paulis_to_symplectic, symplectic_to_paulis
from holonet.stabilizer.dense import pauli_operator


@pytest.mark.parametrize("name", ["513", "604", "qutrit-ame4"])
def test_perfect_on_every_bipartition(name):
    T = perfect_tensor(name)
    assert is_perfect(T)
    assert np.sum(np.abs(T.data) ** 2) == pytest.approx(1.0, abs=1e-14)
    assert "PERFECT" in T.tags


def test_not_perfect_examples(rng):
    ghz = np.zeros((2,) * 6)
    ghz[(0,) * 6] = ghz[(1,) * 6] = 2**-0.5
    assert not is_perfect(ghz)  # 1|5 cuts are fine, 3|3 cuts have rank 2
    assert not is_perfect(rng.standard_normal((2,) * 6))
    product = np.einsum("a,b,c,d->abcd", *([np.array([1.0, 1.0]) / 2**0.5] * 4))
    assert not is_perfect(product)


def test_513_state_stabilizer_group_is_the_reference():
    psi = perfect_array("513").reshape(-1)
    for p in STATE_STABILIZERS_6:
        assert np.allclose(pauli_operator(p) @ psi, psi, atol=1e-12), p
    H, s = perfect_stabilizers("513")
    assert symplectic_to_paulis(H) == list(STATE_STABILIZERS_6) and not s.any()
    assert gf2.rank(H) == 6


def test_513_code_and_encoder():
    code = code_513()
    assert (code.n, code.k, code.distance()) == (5, 1, 3)
    ref, _ = paulis_to_symplectic(list(STABILIZERS_513))
    assert gf2.rank(np.vstack([ref, code.stabilizers])) == 4 == gf2.rank(ref)
    # encoder V = sqrt(2) * psi as a map from the logical leg q to e0..e4 is an isometry
    V = np.sqrt(2) * perfect_array("513").reshape(32, 2)
    assert np.allclose(V.T @ V, np.eye(2), atol=1e-13)
    X, Z = pauli_operator("X"), pauli_operator("Z")
    assert np.allclose(pauli_operator("XXXXX") @ V, V @ X, atol=1e-13)
    assert np.allclose(pauli_operator("ZZZZZ") @ V, V @ Z, atol=1e-13)
    for p in STABILIZERS_513:
        assert np.allclose(pauli_operator(p) @ V, V, atol=1e-13)


def test_qutrit_ame_values():
    T = perfect_array("qutrit-ame4")
    assert T[1, 2, 0, 2] == pytest.approx(1 / 3)  # (i, j) = (1, 2): i+j = 0, i+2j = 5 = 2
    assert np.count_nonzero(T) == 9


def test_leg_names_and_bad_names():
    assert perfect_tensor("604").inds == ("e0", "e1", "e2", "e3", "e4", "e5")
    assert set(perfect_tensor("513", legs=tuple("abcdef"), tags={"X1"}).tags) >= {"X1", "PERFECT"}
    with pytest.raises(ValueError, match="unknown perfect tensor 'steane'"):
        perfect_tensor("steane")
    with pytest.raises(ValueError, match="6 legs"):
        perfect_tensor("513", legs=("a", "b"))
