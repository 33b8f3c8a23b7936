"""Shared helpers for the verify tests: random stabilizer codes from stim tableaux."""

from __future__ import annotations

import numpy as np
import pytest


def pauli_to_vec(ps, n: int) -> np.ndarray:
    """stim.PauliString -> symplectic [x | z] uint8 vector."""
    x, z = ps.to_numpy()
    return np.concatenate([x, z]).astype(np.uint8)


def random_code(n: int, k: int, seed: int):
    """A random [[n, k]] stabilizer code from a random Clifford (stim), as a StabilizerCode."""
    import stim

    from holonet.stabilizer import StabilizerCode

    np_seed = np.random.default_rng(seed)
    tab = stim.Tableau.random(n) if seed is None else _seeded_tableau(n, np_seed)
    r = n - k
    S = np.array([pauli_to_vec(tab.z_output(i), n) for i in range(r)])
    X = np.array([pauli_to_vec(tab.x_output(r + j), n) for j in range(k)]).reshape(k, 2 * n)
    Z = np.array([pauli_to_vec(tab.z_output(r + j), n) for j in range(k)]).reshape(k, 2 * n)
    return StabilizerCode.from_check_matrix(S, logical_x=X, logical_z=Z)


def _seeded_tableau(n: int, rng: np.random.Generator):
    """A deterministic random Clifford: a seeded random circuit of H, S, CX layers."""
    import stim

    c = stim.Circuit()
    for _ in range(6 * n):
        q = int(rng.integers(n))
        c.append(["H", "S", "H"][int(rng.integers(3))], [q])
        a, b = rng.choice(n, 2, replace=False) if n > 1 else (0, 0)
        if n > 1:
            c.append("CX", [int(a), int(b)])
    return stim.Tableau.from_circuit(c)


@pytest.fixture
def code_513():
    from holonet.stabilizer import StabilizerCode

    return StabilizerCode.from_pauli_strings(["XZZXI", "IXZZX", "XIXZZ", "ZXIXZ"],
                                             ["XXXXX"], ["ZZZZZ"])
