"""GF(2) tables of a stabilizer code for decoding: syndromes, pure errors, logical classes.

Computed once per code (cached on the code object's identity) and shared by every
decoder of that code, whatever the noise.

Conventions (theory/decoding.md, "Pure errors and logical classes"):

- a syndrome bit is the symplectic product ``s_i = ⟨H_i, E⟩`` with stabilizer
  generator ``i`` (row ``i`` of ``code.stabilizers``): 1 iff ``E`` anticommutes;
- destabilizers ``D_i`` satisfy ``⟨H_j, D_i⟩ = δ_ij`` and commute with every
  logical; the *pure error* of ``s`` is ``E_s = Π_i D_i^{s_i}``;
- the logical class of an error ``E`` with syndrome ``s`` is the ``ℓ`` with
  ``E ∝ E_s · L̄_ℓ · S`` for a stabilizer ``S``: logical ``j`` has label
  ``ℓ_j = x_j + 2 z_j`` (``x_j``: ``X̄_j`` present, ``z_j``: ``Z̄_j`` present), and
  since ``E_s`` commutes with the logicals, ``x_j = ⟨E, Z̄_j⟩`` and
  ``z_j = ⟨E, X̄_j⟩``. Joint classes are numbered ``Σ_j ℓ_j 4^(k-1-j)``.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np

from holonet.stabilizer import gf2

_CACHE: weakref.WeakKeyDictionary[Any, CodeTables] = weakref.WeakKeyDictionary()


def _sym_swap(M: np.ndarray) -> np.ndarray:
    n = M.shape[1] // 2
    return np.hstack([M[:, n:], M[:, :n]])


def _mod2_matmul(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """``A @ B mod 2`` for 0/1 arrays (float32 products are exact below 2^24 terms)."""
    prod = A.astype(np.float32) @ B.astype(np.float32)
    return (prod.astype(np.int64) & 1).astype(np.uint8)


@dataclass(frozen=True, eq=False)
class CodeTables:
    """Check matrix, destabilizers and logicals of a code, in the forms decoding needs."""

    n: int
    r: int
    k: int
    H: np.ndarray        # (r, 2n) stabilizer generators [x | z]
    D: np.ndarray        # (r, 2n) destabilizers, commuting with the logicals
    LX: np.ndarray       # (k, 2n)
    LZ: np.ndarray       # (k, 2n)

    @property
    def words(self) -> int:
        """Packed words per error row."""
        return max(1, -(-2 * self.n // 64))

    def unpack(self, errors: Any, what: str = "errors") -> np.ndarray:
        """Validate packed errors ``(B, words)`` and return them as ``(B, 2n)`` bits."""
        E = np.asarray(errors)
        if E.ndim == 1:
            E = E[None, :]
        if E.ndim != 2 or E.shape[1] != self.words:
            raise ValueError(f"{what} must be bit-packed rows of shape (B, {self.words}) "
                             f"for n = {self.n}; got shape {np.shape(errors)}")
        if E.dtype != np.uint64:
            if not np.issubdtype(E.dtype, np.integer) or (E.size and E.min() < 0):
                raise TypeError(f"{what} must be uint64 words from gf2.pack; got {E.dtype}")
            E = E.astype(np.uint64)
        bits = gf2.unpack(E, 2 * self.words * 32)
        if bits[:, 2 * self.n:].any():
            raise ValueError(f"{what} have bits set beyond column 2n = {2 * self.n}")
        return bits[:, :2 * self.n]

    def syndromes(self, errors: Any) -> np.ndarray:
        """``(B, r)`` uint8 syndromes of packed errors."""
        E = self.unpack(errors)
        return _mod2_matmul(E, _sym_swap(self.H).T)

    def check_syndromes(self, syndromes: Any) -> np.ndarray:
        """Validate ``(B, r)`` (or ``(r,)``) 0/1 syndromes; return ``(B, r)`` uint8."""
        s = np.asarray(syndromes)
        if s.ndim == 1:
            s = s[None, :]
        if s.ndim != 2 or s.shape[1] != self.r:
            raise ValueError(f"syndromes must have shape (B, {self.r}) (one bit per "
                             f"stabilizer generator); got {np.shape(syndromes)}")
        if s.shape[0] == 0:
            raise ValueError("syndromes must contain at least one row")
        return gf2.as_gf2(s, what="syndrome array")

    def pure_errors(self, syndromes: np.ndarray) -> np.ndarray:
        """``(B, 2n)`` bits of the canonical pure errors ``E_s``."""
        return _mod2_matmul(syndromes, self.D)

    def classes(self, errors_bits: np.ndarray) -> np.ndarray:
        """``(B, k)`` logical labels ``x_j + 2 z_j`` of errors (given as ``(B, 2n)`` bits)."""
        x = _mod2_matmul(errors_bits, _sym_swap(self.LZ).T)
        z = _mod2_matmul(errors_bits, _sym_swap(self.LX).T)
        return (x + 2 * z).astype(np.uint8)

    def logical_bits(self, labels: np.ndarray) -> np.ndarray:
        """``(B, 2n)`` bits of ``Π_j X̄_j^{x_j} Z̄_j^{z_j}`` for labels ``(B, k)``."""
        labels = np.asarray(labels, dtype=np.uint8)
        return _mod2_matmul(labels & 1, self.LX) ^ _mod2_matmul(labels >> 1, self.LZ)


def code_tables(code: Any) -> CodeTables:
    """The (cached) decoding tables of a :class:`~holonet.stabilizer.StabilizerCode`."""
    try:
        return _CACHE[code]
    except KeyError:
        pass
    H = code.stabilizers
    n, r, k = code.n, code.r, code.k
    lx, lz = code.logicals
    # D with <H_j, D_i> = delta_ij: solve (H Λ) X = 1 for X = D^T
    X = gf2.solve(_sym_swap(H), np.eye(r, dtype=np.uint8)) if r else np.zeros((2 * n, 0),
                                                                                np.uint8)
    if X is None:  # pragma: no cover - independent rows always have destabilizers
        raise ValueError("stabilizer generators are not independent")
    D = X.T.copy()
    if k:
        # make every destabilizer commute with the logicals (keeps the syndrome)
        a = _mod2_matmul(D, _sym_swap(lz).T)   # <D_i, Z̄_j>: add X̄_j
        b = _mod2_matmul(D, _sym_swap(lx).T)   # <D_i, X̄_j>: add Z̄_j
        D = D ^ _mod2_matmul(a, lx) ^ _mod2_matmul(b, lz)
    tables = CodeTables(n, r, k, H, D, lx, lz)
    _CACHE[code] = tables
    return tables
