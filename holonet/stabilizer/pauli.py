"""Pauli strings as symplectic GF(2) vectors, with optional signs.

A Pauli operator on ``n`` qubits is the length-``2n`` vector ``[x | z]``:
qubit ``i`` is column ``i`` (X part) and ``n + i`` (Z part), so
``I = (0, 0)``, ``X = (1, 0)``, ``Z = (0, 1)`` and ``Y = (1, 1)``. A sign bit
``s`` turns the vector into the Hermitian operator ``(-1)^s ⊗_i σ_i`` with
``σ ∈ {I, X, Y, Z}`` (Y Hermitian). Two Paulis commute iff their symplectic
product ``x·z' + z·x'`` is 0 mod 2.

Examples
--------
>>> from holonet.stabilizer.pauli import paulis_to_symplectic, symplectic_to_paulis
>>> H, signs = paulis_to_symplectic(["XZZXI", "-IXZZX"])
>>> H.shape, signs.tolist()
((2, 10), [0, 1])
>>> symplectic_to_paulis(H, signs)
['+XZZXI', '-IXZZX']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from holonet.stabilizer import gf2

__all__ = [
    "commutation_matrix",
    "pauli_weight",
    "paulis_to_symplectic",
    "restrict",
    "symplectic_to_paulis",
]

_LETTERS = {"I": (0, 0), "_": (0, 0), "X": (1, 0), "Y": (1, 1), "Z": (0, 1)}


def paulis_to_symplectic(paulis: Iterable[str], n: int | None = None
                         ) -> tuple[np.ndarray, np.ndarray]:
    """Parse Pauli strings (letters ``IXYZ``/``_``, optional leading ``+``/``-``).

    Returns the ``(m, 2n)`` symplectic matrix and the ``(m,)`` sign bits.

    Examples
    --------
    >>> paulis_to_symplectic(["XY"])[0]
    array([[1, 1, 0, 1]], dtype=uint8)
    >>> paulis_to_symplectic(["XQ"])
    Traceback (most recent call last):
    ...
    ValueError: bad Pauli string 'XQ': letter 'Q' at position 1; expected one of I, X, Y, Z, _
    """
    if isinstance(paulis, str):
        raise TypeError("expected a sequence of Pauli strings, got a single string; "
                        f"wrap it in a list: [{paulis!r}]")
    rows: list[str] = []
    signs: list[int] = []
    for p in paulis:
        if not isinstance(p, str):
            raise TypeError(f"Pauli strings must be str; got {type(p).__name__} {p!r}")
        s = p.strip()
        sign = 0
        if s[:1] in "+-" and s:
            sign = int(s[0] == "-")
            s = s[1:]
        if s[:1] in ("i", "j") and len(s) > 1:
            raise ValueError(f"bad Pauli string {p!r}: an imaginary phase {s[0]!r} is not "
                             "allowed (only Hermitian Paulis with a '+'/'-' sign); write the "
                             "identity as 'I'")
        s = s.upper()
        if not s:
            raise ValueError(f"empty Pauli string {p!r}")
        for pos, ch in enumerate(s):
            if ch not in _LETTERS:
                raise ValueError(f"bad Pauli string {p!r}: letter {ch!r} at position "
                                 f"{pos + (len(p.strip()) - len(s))}; "
                                 "expected one of I, X, Y, Z, _")
        rows.append(s)
        signs.append(sign)
    if n is None:
        if not rows:
            raise ValueError("cannot infer the number of qubits from an empty list; pass n=")
        n = len(rows[0])
    else:
        from holonet._options import check_int

        n = check_int("n", n, minimum=1)
    for p in rows:
        if len(p) != n:
            raise ValueError(f"Pauli string {p!r} has length {len(p)}; expected {n}")
    if not rows:
        return np.zeros((0, 2 * n), np.uint8), np.zeros(0, np.uint8)
    codes = np.frombuffer("".join(rows).encode(), dtype=np.uint8).reshape(len(rows), n)
    xs = np.isin(codes, (ord("X"), ord("Y"))).astype(np.uint8)
    zs = np.isin(codes, (ord("Z"), ord("Y"))).astype(np.uint8)
    return np.hstack([xs, zs]), np.asarray(signs, dtype=np.uint8)


def symplectic_to_paulis(M: Any, signs: Any = None) -> list[str]:
    """Render symplectic rows as Pauli strings (with ``+``/``-`` if ``signs`` given).

    Examples
    --------
    >>> symplectic_to_paulis([[1, 0, 1, 1]])
    ['YZ']
    """
    A = gf2.as_gf2(M)
    if A.shape[1] % 2:
        raise ValueError(f"symplectic matrix needs an even number of columns; got {A.shape[1]}")
    n = A.shape[1] // 2
    idx = A[:, :n] + 2 * A[:, n:]
    table = np.frombuffer(b"IXZY", dtype=np.uint8)
    chars = table[idx]
    out = [row.tobytes().decode() for row in chars]
    if signs is not None:
        sg = gf2.as_gf2(np.asarray(signs).reshape(1, -1), what="signs").reshape(-1)
        if sg.size != len(out):
            raise ValueError(f"signs has {sg.size} entries for {len(out)} Pauli rows")
        out = [("-" if s else "+") + p for s, p in zip(sg, out, strict=True)]
    return out


def commutation_matrix(A: Any, B: Any = None) -> np.ndarray:
    """Symplectic products ``⟨a_i, b_j⟩`` (1 = anticommute) of the rows of ``A`` and ``B``.

    Examples
    --------
    >>> H, _ = paulis_to_symplectic(["XI", "ZI", "IZ"])
    >>> commutation_matrix(H)
    array([[0, 1, 0],
           [1, 0, 0],
           [0, 0, 0]], dtype=uint8)
    """
    A = gf2.as_gf2(A)
    B = A if B is None else gf2.as_gf2(B)
    if A.shape[1] != B.shape[1] or A.shape[1] % 2:
        raise ValueError(f"incompatible symplectic shapes {A.shape} and {B.shape}")
    n = A.shape[1] // 2
    swapped = np.hstack([B[:, n:], B[:, :n]])
    return gf2.matmul(A, swapped.T)


def pauli_weight(M: Any) -> np.ndarray:
    """Number of non-identity tensor factors of each row.

    Examples
    --------
    >>> pauli_weight([[1, 0, 0, 0, 1, 0]]).tolist()
    [2]
    """
    A = gf2.as_gf2(M)
    if A.shape[1] % 2:
        raise ValueError(f"symplectic matrix needs an even number of columns; got {A.shape[1]}")
    n = A.shape[1] // 2
    return (A[:, :n] | A[:, n:]).sum(axis=1)


def restrict(M: Any, region: Sequence[int] | np.ndarray) -> np.ndarray:
    """Columns of the qubits in ``region`` (X part then Z part): ``(m, 2|region|)``.

    Examples
    --------
    >>> H, _ = paulis_to_symplectic(["XYZ"])
    >>> symplectic_to_paulis(restrict(H, [2, 0]))
    ['ZX']
    """
    from holonet._options import check_indices

    A = gf2.as_gf2(M)
    n = A.shape[1] // 2
    idx = check_indices("region", region, n).astype(np.intp)
    return np.hstack([A[:, idx], A[:, n + idx]])


class _SignedTable:
    """Signed Paulis on packed words: rows of ``x``, ``z`` (``uint64``) and a sign bit.

    Used where products of stabilizers must keep their exact sign (contraction of
    stabilizer tensors, extraction of signed logicals). Products are only formed
    between commuting rows, so every product is Hermitian again.
    """

    def __init__(self, x: np.ndarray, z: np.ndarray, sign: np.ndarray, nqubits: int) -> None:
        self.x = x
        self.z = z
        self.sign = sign
        self.nqubits = nqubits

    @classmethod
    def from_symplectic(cls, M: np.ndarray, signs: np.ndarray | None = None) -> _SignedTable:
        A = gf2.as_gf2(M)
        n = A.shape[1] // 2
        s = np.zeros(A.shape[0], np.uint8) if signs is None else np.asarray(signs, np.uint8)
        return cls(gf2.pack(A[:, :n]), gf2.pack(A[:, n:]), s.copy(), n)

    def to_symplectic(self) -> tuple[np.ndarray, np.ndarray]:
        n = self.nqubits
        return (np.hstack([gf2.unpack(self.x, n), gf2.unpack(self.z, n)]),
                self.sign.copy())

    def mul_rows_(self, targets: np.ndarray, src: int) -> None:
        """``row[t] <- row[t] · row[src]`` for every ``t`` in ``targets`` (in place)."""
        if targets.size == 0:
            return
        x1, z1 = self.x[targets], self.z[targets]
        x2, z2 = self.x[src], self.z[src]
        self.sign[targets] ^= _product_sign(x1, z1, x2, z2) ^ self.sign[src]
        self.x[targets] = x1 ^ x2
        self.z[targets] = z1 ^ z2


def _product_sign(x1: np.ndarray, z1: np.ndarray, x2: np.ndarray, z2: np.ndarray
                  ) -> np.ndarray:
    """Sign bit ``s`` with ``P1 P2 = (-1)^s P3`` for commuting Hermitian Paulis.

    Uses the Aaronson–Gottesman phase function: per qubit, X·Y, Y·Z, Z·X
    contribute ``+i`` and the reversed products ``-i``.
    """
    nx1, nz1 = ~x1, ~z1
    nx2, nz2 = ~x2, ~z2
    X1, Y1, Z1 = x1 & nz1, x1 & z1, nx1 & z1
    X2, Y2, Z2 = x2 & nz2, x2 & z2, nx2 & z2
    plus = np.bitwise_count((Y1 & Z2) | (X1 & Y2) | (Z1 & X2)).sum(axis=-1, dtype=np.int64)
    minus = np.bitwise_count((Y1 & X2) | (X1 & Z2) | (Z1 & Y2)).sum(axis=-1, dtype=np.int64)
    return (((plus - minus) & 3) == 2).astype(np.uint8)
