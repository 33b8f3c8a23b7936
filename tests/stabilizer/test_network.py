"""Stabilizer-network contraction vs dense contraction of the same tensors."""

from __future__ import annotations

import numpy as np
import pytest

from holonet.contract import contract
from holonet.stabilizer import (
    ContractedState,
    ZeroNetwork,
    contract_stabilizer_network,
    gf2,
    paulis_to_symplectic,
    symplectic_to_paulis,
)
from holonet.stabilizer.dense import pauli_operator, stabilizer_state
from holonet.stabilizer.network import _contract_packed
from tests.stabilizer._stabgen import random_state_check


def random_network(rng, n_tensors=4, legs_per=4, n_bonds=5):
    """Random stabilizer-state tensors on a random set of bonds (signs random)."""
    slots = [(t, i) for t in range(n_tensors) for i in range(legs_per)]
    rng.shuffle(slots)
    names = {}
    for b in range(n_bonds):
        s1, s2 = slots[2 * b], slots[2 * b + 1]
        if s1[0] == s2[0]:
            continue
        names[s1] = names[s2] = f"b{b}"
    tensors = []
    for t in range(n_tensors):
        H = random_state_check(legs_per, rng)
        s = rng.integers(0, 2, legs_per, dtype=np.uint8)
        legs = tuple(names.get((t, i), f"o{t}.{i}") for i in range(legs_per))
        tensors.append((H, s, legs))
    return tensors


def _contract(tensors, engine):
    X, Z, S, legs, log2 = _contract_packed(tensors, engine=engine)
    n = len(legs)
    return ContractedState(np.hstack([gf2.unpack(X, n), gf2.unpack(Z, n)]), S, legs, log2)


@pytest.mark.parametrize("engine", ["int", "numpy"])
@pytest.mark.parametrize("seed", range(12))
def test_matches_dense(seed, engine):
    rng = np.random.default_rng(seed)
    tensors = random_network(rng)
    dense_net = [(stabilizer_state(H, s), legs) for H, s, legs in tensors]
    try:
        out = _contract(tensors, engine)
    except ZeroNetwork:
        psi = contract(dense_net)
        assert np.abs(psi).max() < 1e-12
        return
    psi = contract(dense_net, output=out.legs).reshape(-1)
    n = len(out.legs)
    assert out.check.shape == (n, 2 * n)
    # norm predicted exactly by the GF(2) contraction
    assert np.vdot(psi, psi).real == pytest.approx(2.0 ** out.log2_norm2, rel=1e-10)
    for row, sg in zip(out.check, out.signs, strict=True):
        assert np.allclose(pauli_operator(row, int(sg)) @ psi, psi, atol=1e-10)


def test_zero_network():
    # |Φ-> = stabilizers -ZZ, XX contracted with a δ bond onto itself twice vanishes
    H, s = paulis_to_symplectic(["XX", "-ZZ"])
    with pytest.raises(ZeroNetwork):
        contract_stabilizer_network([(H, s, ("a", "b")), (*paulis_to_symplectic(["XX", "ZZ"]),
                                                           ("a", "b"))])


def test_bad_legs():
    H, s = paulis_to_symplectic(["XX", "ZZ"])
    with pytest.raises(ValueError, match="more than twice"):
        contract_stabilizer_network([(H, s, ("a", "b")), (H, s, ("a", "c")), (H, s, ("a", "d"))])
    with pytest.raises(ValueError, match="pure state"):
        contract_stabilizer_network([(H[:1], s[:1], ("a", "b"))])
    with pytest.raises(ValueError, match="output legs"):
        contract_stabilizer_network([(H, s, ("a", "b"))], output=("a", "c"))


@pytest.mark.parametrize("layers", [2, 3])
def test_engines_agree_on_happy_codes(layers):
    """Both engines give the same signed stabilizer group (stim canonical form)."""
    import stim

    from holonet.codes import happy_code

    code = happy_code(layers)
    tensors = [(*code._tensor_stabilizers(t), code.tile_legs(t)) for t in code.contraction_order]
    canon = []
    for engine in ("int", "numpy"):
        st = _contract(tensors, engine)
        ps = [stim.PauliString(p) for p in symplectic_to_paulis(st.check, st.signs)]
        canon.append([str(p) for p in stim.Tableau.from_stabilizers(ps).to_stabilizers(
            canonicalize=True)])
        assert st.log2_norm2 == -len(code.tiling.bonds)
    assert canon[0] == canon[1]
