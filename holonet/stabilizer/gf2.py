"""Bit-packed linear algebra over GF(2).

Matrices enter and leave as ``uint8`` arrays of zeros and ones; inside, each
row is packed into 64-bit words (column ``j`` is bit ``j % 64`` of word
``j // 64``), so one XOR of two rows handles 64 columns at once. Gaussian
elimination loops over pivot columns in Python but every row operation is a
single vectorised numpy call over all affected rows and words: there is no
per-bit Python loop in the hot path.

Examples
--------
>>> import numpy as np
>>> from holonet.stabilizer import gf2
>>> M = np.array([[1, 1, 0], [0, 1, 1], [1, 0, 1]], dtype=np.uint8)
>>> gf2.rank(M)
2
>>> gf2.nullspace(M)
array([[1, 1, 1]], dtype=uint8)
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "as_gf2",
    "independent_rows",
    "matmul",
    "nullspace",
    "pack",
    "rank",
    "row_reduce",
    "solve",
    "unpack",
]

_ONE = np.uint64(1)


def as_gf2(M: Any, *, ndim: int = 2, what: str = "matrix") -> np.ndarray:
    """Validate ``M`` as a GF(2) array of zeros and ones and return it as ``uint8``.

    Examples
    --------
    >>> as_gf2([[1, 0], [0, 1]]).dtype
    dtype('uint8')
    >>> as_gf2([[2]])
    Traceback (most recent call last):
    ...
    ValueError: GF(2) matrix must contain only 0 and 1; found value 2
    """
    A = np.asarray(M)
    if A.dtype == np.bool_:
        A = A.astype(np.uint8)
    if A.ndim != ndim:
        raise ValueError(f"GF(2) {what} must be {ndim}-dimensional; got shape {A.shape}")
    if A.dtype == np.uint8:
        if A.size and A.max() > 1:
            raise ValueError(f"GF(2) {what} must contain only 0 and 1; found value {A.max()}")
        return A
    if A.size and not np.issubdtype(A.dtype, np.integer):
        raise TypeError(f"GF(2) {what} must have an integer or bool dtype; got {A.dtype}")
    if A.size:
        bad = A[(A != 0) & (A != 1)]
        if bad.size:
            raise ValueError(f"GF(2) {what} must contain only 0 and 1; found value {bad[0]}")
    return A.astype(np.uint8, copy=False)


def pack(M: Any) -> np.ndarray:
    """Pack a ``(r, c)`` 0/1 matrix into ``(r, ceil(c / 64))`` ``uint64`` words.

    Examples
    --------
    >>> pack([[1, 0, 1]])
    array([[5]], dtype=uint64)
    """
    A = as_gf2(M)
    r, c = A.shape
    words = max(1, -(-c // 64))
    out = np.zeros((r, words * 8), dtype=np.uint8)
    if c:
        packed = np.packbits(A, axis=1, bitorder="little")
        out[:, : packed.shape[1]] = packed
    return out.view("<u8").astype(np.uint64, copy=False)


def unpack(P: np.ndarray, ncols: int) -> np.ndarray:
    """Inverse of :func:`pack`: the first ``ncols`` columns as a 0/1 ``uint8`` matrix.

    Examples
    --------
    >>> unpack(pack([[1, 0, 1]]), 3)
    array([[1, 0, 1]], dtype=uint8)
    """
    P = np.ascontiguousarray(P, dtype="<u8")
    if P.ndim != 2:
        raise ValueError(f"packed matrix must be 2-dimensional; got shape {P.shape}")
    if not 0 <= ncols <= 64 * P.shape[1]:
        raise ValueError(f"ncols must be in 0..{64 * P.shape[1]} for {P.shape[1]} packed "
                         f"words; got {ncols}")
    return np.unpackbits(P.view(np.uint8), axis=1, count=ncols, bitorder="little")


def _rref_packed(P: np.ndarray, ncols: int, *, full: bool = True,
                 pivot_cols: int | None = None) -> tuple[np.ndarray, list[int]]:
    """Row-reduce packed rows in place; return ``(P, pivots)``.

    ``full=False`` stops at row echelon form (enough for the rank).
    Pivots are only searched among the first ``pivot_cols`` columns.
    """
    nrows = P.shape[0]
    limit = ncols if pivot_cols is None else min(pivot_cols, ncols)
    pivots: list[int] = []
    rank = 0
    for j in range(limit):
        if rank == nrows:
            break
        w = j >> 6
        bit = np.uint64(j & 63)
        below = np.flatnonzero((P[rank:, w] >> bit) & _ONE)
        if below.size == 0:
            continue
        p = rank + int(below[0])
        if p != rank:
            P[[rank, p]] = P[[p, rank]]
        if full:
            hits = np.flatnonzero((P[:, w] >> bit) & _ONE)
            hits = hits[hits != rank]
        else:
            hits = rank + np.flatnonzero((P[rank:, w] >> bit) & _ONE)
            hits = hits[hits != rank]
        if hits.size:
            P[hits, w:] ^= P[rank, w:]
        pivots.append(j)
        rank += 1
    return P, pivots


def rank(M: Any) -> int:
    """Rank of a 0/1 matrix over GF(2).

    Examples
    --------
    >>> rank([[1, 1], [1, 1]])
    1
    """
    A = as_gf2(M)
    if A.size == 0:
        return 0
    if A.shape[1] > A.shape[0]:
        # fewer pivot candidates to scan when the long side is the row side
        A = A.T
    _, piv = _rref_packed(pack(A), A.shape[1], full=False)
    return len(piv)


def row_reduce(M: Any, *, pivot_cols: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Reduced row echelon form over GF(2).

    Parameters
    ----------
    M
        ``(r, c)`` 0/1 matrix.
    pivot_cols
        Search pivots only among the first ``pivot_cols`` columns (the rest are
        carried along, as for an augmented matrix ``[A | B]``).

    Returns
    -------
    R, pivots
        ``R`` has the same shape as ``M`` (zero rows at the bottom); ``pivots``
        holds the pivot column of each of the first ``len(pivots)`` rows.
        Every pivot column is a unit vector in ``R`` and row operations
        preserve the row space.

    Examples
    --------
    >>> R, piv = row_reduce([[1, 1, 0], [1, 0, 1]])
    >>> R
    array([[1, 0, 1],
           [0, 1, 1]], dtype=uint8)
    >>> piv
    array([0, 1])
    """
    A = as_gf2(M)
    r, c = A.shape
    if pivot_cols is not None and not 0 <= pivot_cols <= c:
        raise ValueError(f"pivot_cols must be in 0..{c} (the number of columns); "
                         f"got {pivot_cols}")
    if A.size == 0:
        return A.copy(), np.zeros(0, dtype=np.intp)
    P, piv = _rref_packed(pack(A), c, pivot_cols=pivot_cols)
    return unpack(P, c), np.asarray(piv, dtype=np.intp)


def nullspace(M: Any) -> np.ndarray:
    """Basis (as rows) of ``{x : M x = 0}`` over GF(2).

    Examples
    --------
    >>> nullspace([[1, 0], [0, 1]]).shape
    (0, 2)
    """
    A = as_gf2(M)
    c = A.shape[1]
    if A.shape[0] == 0:
        return np.eye(c, dtype=np.uint8)
    R, piv = row_reduce(A)
    free = np.setdiff1d(np.arange(c), piv)
    N = np.zeros((free.size, c), dtype=np.uint8)
    N[np.arange(free.size), free] = 1
    if piv.size and free.size:
        N[:, piv] = R[: piv.size][:, free].T
    return N


def solve(A: Any, b: Any) -> np.ndarray | None:
    """One solution ``x`` of ``A x = b`` over GF(2), or ``None`` if there is none.

    ``b`` may be a vector ``(r,)`` or a matrix ``(r, s)`` of right-hand sides
    (then ``x`` is ``(c, s)`` and ``None`` means some column is inconsistent).

    Examples
    --------
    >>> solve([[1, 1], [0, 1]], [0, 1])
    array([1, 1], dtype=uint8)
    >>> solve([[1, 1], [1, 1]], [0, 1]) is None
    True
    """
    A = as_gf2(A)
    bv = np.asarray(b)
    vec = bv.ndim == 1
    B = as_gf2(bv.reshape(-1, 1) if vec else bv, what="right-hand side")
    if B.shape[0] != A.shape[0]:
        raise ValueError(f"A has {A.shape[0]} rows but b has {B.shape[0]}")
    c = A.shape[1]
    R, piv = row_reduce(np.hstack([A, B]), pivot_cols=c)
    rk = piv.size
    if R[rk:, c:].any():
        return None
    X = np.zeros((c, B.shape[1]), dtype=np.uint8)
    X[piv] = R[:rk, c:]
    return X[:, 0] if vec else X


def independent_rows(M: Any) -> np.ndarray:
    """Indices of a maximal set of linearly independent rows (earliest first).

    Examples
    --------
    >>> independent_rows([[1, 1], [1, 1], [0, 1]])
    array([0, 2])
    """
    A = as_gf2(M)
    if A.shape[0] == 0:
        return np.zeros(0, dtype=np.intp)
    _, piv = _rref_packed(pack(A.T), A.shape[0], full=False)
    return np.asarray(piv, dtype=np.intp)


def matmul(A: Any, B: Any) -> np.ndarray:
    """Matrix product over GF(2) (exact: integer counts in float32 are below 2**24).

    Examples
    --------
    >>> matmul([[1, 1]], [[1], [1]])
    array([[0]], dtype=uint8)
    """
    A = as_gf2(A)
    B = as_gf2(B)
    if A.shape[1] != B.shape[0]:
        raise ValueError(f"GF(2) matmul: A has {A.shape[1]} columns but B has {B.shape[0]} "
                         f"rows (shapes {A.shape} and {B.shape})")
    if A.shape[1] >= 2**24:  # pragma: no cover - beyond float32's exact range
        return ((A.astype(np.int64) @ B.astype(np.int64)) & 1).astype(np.uint8)
    prod = A.astype(np.float32) @ B.astype(np.float32)
    return (prod.astype(np.int64) & 1).astype(np.uint8)
