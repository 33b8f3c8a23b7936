"""Dense matrices of small Pauli operators and stabilizer states (for cross-checks).

Only for a handful of qubits: the arrays have ``2^n`` entries per side.

Examples
--------
>>> from holonet.stabilizer.dense import pauli_operator, stabilizer_state
>>> pauli_operator("XZ").shape
(4, 4)
>>> import numpy as np
>>> from holonet.stabilizer.pauli import paulis_to_symplectic
>>> psi = stabilizer_state(*paulis_to_symplectic(["XX", "ZZ"]))
>>> np.round(psi.reshape(-1) * np.sqrt(2), 12).tolist()
[1.0, 0.0, 0.0, 1.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from holonet.stabilizer import gf2
from holonet.stabilizer.pauli import paulis_to_symplectic

__all__ = ["MAX_DENSE_QUBITS", "pauli_operator", "stabilizer_state"]

#: Largest qubit count for which dense arrays are formed.
MAX_DENSE_QUBITS = 14

_SINGLE = {
    (0, 0): np.eye(2, dtype=complex),
    (1, 0): np.array([[0, 1], [1, 0]], dtype=complex),
    (0, 1): np.array([[1, 0], [0, -1]], dtype=complex),
    (1, 1): np.array([[0, -1j], [1j, 0]], dtype=complex),
}


def pauli_operator(pauli: str | Any, sign: int = 0) -> np.ndarray:
    """Dense ``(2^n, 2^n)`` matrix of a Pauli string or symplectic vector (qubit 0 first).

    Examples
    --------
    >>> pauli_operator("-Z").real.tolist()
    [[-1.0, 0.0], [0.0, 1.0]]
    """
    if isinstance(pauli, str):
        v, s = paulis_to_symplectic([pauli])
        vec, sign = v[0], int(s[0]) ^ sign
    else:
        vec = gf2.as_gf2(pauli, ndim=1, what="Pauli vector")
    n = vec.size // 2
    if n > MAX_DENSE_QUBITS:
        raise ValueError(f"refusing to form a dense {n}-qubit operator "
                         f"(limit {MAX_DENSE_QUBITS})")
    out = np.ones((1, 1), dtype=complex)
    for i in range(n):
        out = np.kron(out, _SINGLE[(int(vec[i]), int(vec[n + i]))])
    return out * (-1.0 if sign else 1.0) + 0.0


def stabilizer_state(check: Any, signs: Any = None) -> np.ndarray:
    """The normalised state with ``(-1)^s_i P_i |ψ⟩ = |ψ⟩``, as a ``(2,)*n`` real/complex array.

    The global phase is fixed by making the largest-magnitude amplitude real and
    positive (the first such, in index order).
    """
    H = gf2.as_gf2(check, what="check matrix")
    n = H.shape[1] // 2
    if H.shape[0] != n:
        raise ValueError(f"a pure state needs n = {n} generators; got {H.shape[0]}")
    sg = np.zeros(n, np.uint8) if signs is None else np.asarray(signs, np.uint8)
    proj = np.eye(2**n, dtype=complex)
    for row, s in zip(H, sg, strict=True):
        proj = proj @ (np.eye(2**n) + pauli_operator(row, int(s))) / 2
    col = int(np.argmax(np.linalg.norm(proj, axis=0)))
    psi = proj[:, col]
    nrm = np.linalg.norm(psi)
    if nrm < 1e-9:  # pragma: no cover - independent commuting generators never hit this
        raise ValueError("the generators have no common +1 eigenvector")
    psi = psi / nrm
    j = int(np.argmax(np.abs(psi) > np.abs(psi).max() - 1e-12))
    psi = psi * (abs(psi[j]) / psi[j])
    if np.allclose(psi.imag, 0, atol=1e-14):
        psi = psi.real.copy()
    return psi.reshape((2,) * n)
