"""Shor–Laflamme weight enumerators and minimum-weight logical operators.

For an ``[[n, k]]`` stabilizer code with stabilizer group ``S`` (``2^(n-k)``
elements) and normaliser ``N(S)`` (Paulis commuting with every stabilizer, up
to phase; ``2^(n+k)`` elements), the Shor–Laflamme enumerators are

.. math::

    A(z) = \\sum_w A_w z^w, \\quad A_w = \\#\\{s \\in S : |s| = w\\},\\qquad
    B(z) = \\sum_w B_w z^w, \\quad B_w = \\#\\{p \\in N(S) : |p| = w\\},

and they obey the quantum MacWilliams identity
``B(z) = 2^-(n-k) (1 + 3z)^n A((1 - z) / (1 + 3z))``. The distance is the
smallest ``w >= 1`` with ``B_w > A_w``.

Two exact routes live here (the network route for holographic codes is
:func:`holonet.codes.enumerator.network_weight_enumerator`):

``"gray"``
    enumerate both groups by a Gray code over their generators (one XOR of
    bit-packed words per element, compiled with numba): ``2^(n-k) + 2^(n+k)``
    elements;
``"macwilliams"``
    enumerate only the stabilizer group and get ``B`` from the MacWilliams
    identity in exact integer arithmetic (the division by ``2^(n-k)`` is
    checked to be exact).

The distance witness :func:`min_weight_logical` returns a Pauli of minimum
weight that commutes with every stabilizer and is not in the stabilizer group.
Its default search is over erasure patterns (the cleaning lemma: a set ``E`` of
qubits supports a nontrivial logical iff erasing ``E`` is uncorrectable), done
as a depth-first search over the subsets of weight ``w = 1, 2, ...`` with an
incremental GF(2) elimination; the combination of columns that exposes the
obstruction *is* the witness. The alternative ``"cosets"`` enumerates every
element of the ``4^k - 1`` nontrivial logical cosets by Gray code.

Integer types: coefficient arrays are ``int64`` when every count fits
(``n + k <= 62``, since ``B_w <= 2^(n+k)``) and ``object`` arrays of Python
``int`` otherwise, so nothing overflows.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from holonet._errors import HolonetError
from holonet._options import WorkTooLarge, check_option
from holonet.stabilizer import gf2

__all__ = [
    "ENUMERATOR_METHODS",
    "DistanceTooExpensive",
    "EnumeratorTooExpensive",
    "WeightEnumerator",
    "macwilliams_transform",
    "min_weight_logical",
    "weight_enumerator",
]

#: Valid ``method=`` values of :func:`weight_enumerator`.
ENUMERATOR_METHODS: tuple[str, ...] = ("auto", "gray", "macwilliams")
#: Valid ``method=`` values of :func:`min_weight_logical`.
WITNESS_METHODS: tuple[str, ...] = ("auto", "subsets", "cosets")

#: Nominal speed used to turn predicted work (64-bit word operations) into seconds
#: in the messages of the size guards; measured 1.5e8 to 2.3e8/s on one core here.
NOMINAL_WORD_OPS_PER_SECOND = 1.5e8
#: Default work limit of the enumerators and the distance search (word operations):
#: roughly ten seconds at the nominal speed.
DEFAULT_LIMIT = 2**31

_GRAY_CHUNK_BITS = 22


class EnumeratorTooExpensive(WorkTooLarge):
    """An exact enumeration would exceed the stated work limit.

    The message gives the predicted work (64-bit word operations), the time it
    means at the nominal speed, and the override (``limit=``).

    Examples
    --------
    >>> from holonet.stabilizer import StabilizerCode
    >>> code = StabilizerCode.from_pauli_strings(["XZZXI", "IXZZX", "XIXZZ", "ZXIXZ"])
    >>> try:
    ...     weight_enumerator(code, method="gray", limit=10)
    ... except EnumeratorTooExpensive as err:
    ...     print(str(err)[:58])
    Gray-code enumeration of the stabilizer group and the norm
    """


class DistanceTooExpensive(EnumeratorTooExpensive):
    """The exact distance search would exceed the stated work limit (``limit=``).

    Examples
    --------
    >>> from holonet.stabilizer import StabilizerCode
    >>> code = StabilizerCode.from_pauli_strings(["XXXX", "ZZZZ"])   # [[4, 2, 2]]
    >>> code.distance()
    2
    >>> try:
    ...     code.distance(limit=10, method="cosets")
    ... except DistanceTooExpensive as err:
    ...     print(str(err)[:45])
    coset enumeration of [[4, 2]] needs 60 word o
    """


def _check_limit(limit: Any) -> float:
    """``limit`` as a positive float (``inf`` allowed), else a ValueError/TypeError."""
    import numbers

    if isinstance(limit, bool) or not isinstance(limit, numbers.Real):
        raise TypeError(f"limit must be a number of 64-bit word operations; got "
                        f"{type(limit).__name__} {limit!r}")
    value = float(limit)
    if not value > 0:  # NaN fails too
        raise ValueError(f"limit must be positive (word operations); got {limit!r}")
    return value


def _int_dtype(n: int, k: int) -> Any:
    return np.int64 if n + k <= 62 else object


class WeightEnumerator(NamedTuple):
    """Shor–Laflamme enumerators ``(A, B)`` of a code: exact integer coefficient arrays.

    ``A[w]`` counts stabilizer-group elements of weight ``w`` and ``B[w]``
    normaliser elements (up to phase) of weight ``w``; both have length ``n + 1``.
    Unpacks as a tuple: ``A, B = code.weight_enumerator()``.

    Examples
    --------
    >>> from holonet.stabilizer import StabilizerCode
    >>> code = StabilizerCode.from_pauli_strings(["XZZXI", "IXZZX", "XIXZZ", "ZXIXZ"])
    >>> A, B = code.weight_enumerator()
    >>> A.tolist(), B.tolist()
    ([1, 0, 0, 0, 15, 0], [1, 0, 0, 30, 15, 18])
    >>> code.weight_enumerator().distance(), code.weight_enumerator().polynomial("A")
    (3, '1 + 15 z^4')
    """

    A: np.ndarray
    B: np.ndarray

    @property
    def n(self) -> int:
        """Number of physical qubits (``len(A) - 1``)."""
        return len(self.A) - 1

    @property
    def k(self) -> int:
        """Number of logical qubits, from ``sum(B) / sum(A) = 4^k``."""
        ratio = int(sum(int(b) for b in self.B)) // int(sum(int(a) for a in self.A))
        return (ratio.bit_length() - 1) // 2

    def distance(self) -> int | None:
        """Smallest ``w >= 1`` with ``B_w > A_w`` (``None`` when ``k = 0``)."""
        for w in range(1, len(self.A)):
            if int(self.B[w]) > int(self.A[w]):
                return w
        return None

    def polynomial(self, which: str = "A") -> str:
        """``A`` or ``B`` as a readable polynomial in ``z``.

        Examples
        --------
        >>> WeightEnumerator(np.array([1, 0, 3]), np.array([1, 2, 5])).polynomial("B")
        '1 + 2 z + 5 z^2'
        """
        check_option("enumerator", which, ("A", "B"))
        coeffs = self.A if which == "A" else self.B
        terms = []
        for w, c in enumerate(coeffs):
            c = int(c)
            if c:
                terms.append(str(c) if w == 0 else f"{c} z" + ("" if w == 1 else f"^{w}"))
        return " + ".join(terms) if terms else "0"

    def check(self) -> None:
        """Raise ``HolonetError`` unless the sums and the MacWilliams identity hold.

        Examples
        --------
        >>> WeightEnumerator(np.array([1, 0, 0, 0, 15, 0]),
        ...                  np.array([1, 0, 0, 30, 15, 18])).check()
        """
        n, k = self.n, self.k
        sa = sum(int(a) for a in self.A)
        sb = sum(int(b) for b in self.B)
        if sa != 2 ** (n - k) or sb != 2 ** (n + k) or int(self.A[0]) != 1:
            raise HolonetError(f"enumerator sums A = {sa}, B = {sb}, A_0 = {self.A[0]}; "
                               f"expected 2^(n-k) = {2 ** (n - k)}, 2^(n+k) = {2 ** (n + k)}, 1")
        want = macwilliams_transform(self.A, k)
        bad = [w for w in range(n + 1) if int(want[w]) != int(self.B[w])]
        if bad:
            w = bad[0]
            raise HolonetError(f"MacWilliams identity fails at weight {w}: B_{w} = {self.B[w]} "
                               f"but the transform of A gives {want[w]}")


# ---------------------------------------------------------------------- MacWilliams
def macwilliams_transform(A: Sequence[Any] | np.ndarray, k: int) -> np.ndarray:
    """``B`` from ``A`` by the quantum MacWilliams identity, in exact integers.

    ``B(z) = 2^-(n-k) (1 + 3z)^n A((1 - z) / (1 + 3z))``, i.e.
    ``B_j = 2^-(n-k) sum_w A_w [z^j] (1 - z)^w (1 + 3z)^(n-w)``. The polynomials
    ``(1 - z)^w (1 + 3z)^(n-w)`` are built by exact synthetic division, so the
    cost is ``O(n^2)`` Python-integer operations.

    Parameters
    ----------
    A
        Stabilizer enumerator, length ``n + 1`` (integers).
    k
        Number of logical qubits.

    Raises
    ------
    ValueError
        If the division by ``2^(n-k)`` is not exact (``A`` is not the
        enumerator of an ``[[n, k]]`` stabilizer group).

    Examples
    --------
    >>> macwilliams_transform([1, 0, 0, 0, 15, 0], k=1).tolist()
    [1, 0, 0, 30, 15, 18]
    """
    a = [int(x) for x in A]
    n = len(a) - 1
    if not 0 <= k <= n:
        raise ValueError(f"k must be in [0, n = {n}]; got {k}")
    # P_0 = (1 + 3z)^n, P_{w+1} = P_w (1 - z) / (1 + 3z)
    poly = [math.comb(n, j) * 3**j for j in range(n + 1)]
    acc = [0] * (n + 1)
    for w in range(n + 1):
        if a[w]:
            aw = a[w]
            for j in range(n + 1):
                acc[j] += aw * poly[j]
        if w == n:
            break
        times = [poly[0]] + [poly[j] - poly[j - 1] for j in range(1, n + 1)]  # (1 - z) P
        # divide (degree n + 1 poly, top coefficient zero after division) by (1 + 3z)
        quot = [0] * (n + 1)
        carry = 0
        for j in range(n + 1):
            quot[j] = times[j] - 3 * carry
            carry = quot[j]
        poly = quot
    den = 2 ** (n - k)
    out = np.empty(n + 1, dtype=_int_dtype(n, k))
    for j, v in enumerate(acc):
        q, rem = divmod(v, den)
        if rem:
            raise ValueError(f"MacWilliams transform is not integral at weight {j} (remainder "
                             f"{rem} mod 2^(n-k) = {den}); A is not the enumerator of an "
                             f"[[{n}, {k}]] stabilizer group")
        out[j] = q
    return out


# ---------------------------------------------------------------------- kernels
@functools.cache
def _kernels() -> dict[str, Callable[..., Any]]:
    import numba

    njit = numba.njit(cache=True, nogil=True)

    @njit
    def popcount(v: Any) -> Any:
        v = v - ((v >> np.uint64(1)) & np.uint64(0x5555555555555555))
        v = (v & np.uint64(0x3333333333333333)) + ((v >> np.uint64(2))
                                                   & np.uint64(0x3333333333333333))
        v = (v + (v >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
        return (v * np.uint64(0x0101010101010101)) >> np.uint64(56)

    @njit
    def ctz(i: Any) -> Any:
        c = 0
        while (i & 1) == 0:
            i >>= 1
            c += 1
        return c

    @njit
    def gray_hist(gx: Any, gz: Any, sx: Any, sz: Any, m: Any, hist: Any) -> None:
        # weights of sx ^ span(g[0..m-1]) (2^m elements), accumulated into hist
        W = sx.shape[0]
        cx = sx.copy()
        cz = sz.copy()
        w = 0
        for j in range(W):
            w += popcount(cx[j] | cz[j])
        hist[w] += 1
        for i in range(1, 1 << m):
            b = ctz(i)
            w = 0
            for j in range(W):
                cx[j] ^= gx[b, j]
                cz[j] ^= gz[b, j]
                w += popcount(cx[j] | cz[j])
            hist[w] += 1

    @njit
    def gray_min(gx: Any, gz: Any, sx: Any, sz: Any, m: Any, best: Any) -> Any:
        # minimum weight over sx ^ span(g[0..m-1]); returns (weight, step) with weight < best
        W = sx.shape[0]
        cx = sx.copy()
        cz = sz.copy()
        w = 0
        for j in range(W):
            w += popcount(cx[j] | cz[j])
        bw = best
        bi = -1
        if w < bw:
            bw = w
            bi = 0
        for i in range(1, 1 << m):
            b = ctz(i)
            w = 0
            for j in range(W):
                cx[j] ^= gx[b, j]
                cz[j] ^= gz[b, j]
                w += popcount(cx[j] | cz[j])
            if w < bw:
                bw = w
                bi = i
        return bw, bi

    @njit
    def subsets(T: Any, smask: Any, lmask: Any, n: Any, w: Any, lo: Any, hi: Any,
                out: Any) -> Any:
        # Depth-first search over subsets {c0 < c1 < ... < c_{w-1}} with lo <= c0 < hi.
        # T[2q] / T[2q+1]: the syndrome-and-logical bits of X_q / Z_q. Pivot rows carry
        # the Pauli they stand for as X/Z masks over depth positions. Returns 1 and
        # fills out = (c_0..c_{w-1}, xmask, zmask) when a combination commutes with
        # every stabilizer but not with some logical (a nontrivial logical on the set).
        W = T.shape[1]
        P = np.zeros((2 * w, W), np.uint64)
        pw = np.zeros(2 * w, np.int64)
        pb = np.zeros(2 * w, np.uint64)
        mx = np.zeros(2 * w, np.uint64)
        mz = np.zeros(2 * w, np.uint64)
        c = np.zeros(w, np.int64)
        npiv = np.zeros(w + 1, np.int64)
        row = np.zeros(W, np.uint64)
        for first in range(lo, hi):
            if first > n - w:
                break
            depth = 0
            c[0] = first
            npiv[0] = 0
            while True:
                # add qubit c[depth] on top of the pivots of the prefix
                q = c[depth]
                cnt = npiv[depth]
                hit = False
                for half in range(2):
                    for j in range(W):
                        row[j] = T[2 * q + half, j]
                    rx = np.uint64(0)
                    rz = np.uint64(0)
                    if half == 0:
                        rx = np.uint64(1) << np.uint64(depth)
                    else:
                        rz = np.uint64(1) << np.uint64(depth)
                    for t in range(cnt):
                        if (row[pw[t]] & pb[t]) != 0:
                            for j in range(W):
                                row[j] ^= P[t, j]
                            rx ^= mx[t]
                            rz ^= mz[t]
                    sw = -1
                    for j in range(W):
                        if (row[j] & smask[j]) != 0:
                            sw = j
                            break
                    if sw < 0:
                        lg = False
                        for j in range(W):
                            if (row[j] & lmask[j]) != 0:
                                lg = True
                                break
                        if lg:
                            hit = True
                            for d in range(depth + 1):
                                out[d] = c[d]
                            out[w] = rx
                            out[w + 1] = rz
                            break
                    else:
                        v = row[sw] & smask[sw]
                        low = v & (~v + np.uint64(1))
                        for j in range(W):
                            P[cnt, j] = row[j]
                        pw[cnt] = sw
                        pb[cnt] = low
                        mx[cnt] = rx
                        mz[cnt] = rz
                        cnt += 1
                if hit:
                    return 1
                npiv[depth + 1] = cnt
                if depth + 1 < w:
                    depth += 1
                    c[depth] = c[depth - 1] + 1
                    continue
                # advance to the next combination with the same first element
                while depth > 0:
                    c[depth] += 1
                    if c[depth] <= n - w + depth:
                        break
                    depth -= 1
                if depth == 0:
                    break
        return 0

    return {"gray_hist": gray_hist, "gray_min": gray_min, "subsets": subsets}


# ---------------------------------------------------------------------- helpers
def _packed(M: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    return (np.ascontiguousarray(gf2.pack(M[:, :n])), np.ascontiguousarray(gf2.pack(M[:, n:])))


def _words(n: int) -> int:
    return max(1, -(-n // 64))


def _fmt_work(work: float) -> str:
    secs = work / NOMINAL_WORD_OPS_PER_SECOND
    if secs < 120:
        t = f"{secs:.2g} s"
    elif secs < 7200:
        t = f"{secs / 60:.3g} min"
    elif secs < 86400 * 3:
        t = f"{secs / 3600:.3g} h"
    else:
        t = f"{secs / 86400:.3g} days"
    return f"{work:.3g} word operations (~{t} at {NOMINAL_WORD_OPS_PER_SECOND:.2g}/s)"


def _bar(total: float, desc: str, progress: bool) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, disable=not progress, delay=1.0, unit="op",
                unit_scale=True, leave=False)


def _gray_span_hist(G: np.ndarray, n: int, start: np.ndarray | None, hist: np.ndarray,
                    progress: bool, desc: str) -> None:
    """Accumulate the weight histogram of ``start + span(G)`` (``G`` independent rows)."""
    kern = _kernels()["gray_hist"]
    m = G.shape[0]
    gx, gz = _packed(G, n)
    W = gx.shape[1]
    if start is None:
        sx = np.zeros(W, np.uint64)
        sz = np.zeros(W, np.uint64)
    else:
        s = gf2.pack(start[None, :n])[0], gf2.pack(start[None, n:])[0]
        sx, sz = np.ascontiguousarray(s[0]), np.ascontiguousarray(s[1])
    a = min(m, _GRAY_CHUNK_BITS)
    inner_x, inner_z = np.ascontiguousarray(gx[:a]), np.ascontiguousarray(gz[:a])
    outer_x, outer_z = gx[a:], gz[a:]
    chunks = 1 << (m - a)
    with _bar(float(chunks) * (1 << a) * W, desc, progress) as bar:
        cx, cz = sx.copy(), sz.copy()
        for i in range(chunks):
            if i:
                b = (i & -i).bit_length() - 1
                cx ^= outer_x[b]
                cz ^= outer_z[b]
            kern(inner_x, inner_z, cx, cz, a, hist)
            bar.update((1 << a) * W)


# ---------------------------------------------------------------------- enumerators
def weight_enumerator(code: Any, *, method: str = "auto", limit: float = DEFAULT_LIMIT,
                      progress: bool = True) -> WeightEnumerator:
    """Shor–Laflamme enumerators ``(A, B)`` of a stabilizer code, exactly.

    Parameters
    ----------
    code
        A :class:`~holonet.stabilizer.StabilizerCode`.
    method
        ``"gray"`` enumerates the stabilizer group and the normaliser by Gray
        code (``2^(n-k) + 2^(n+k)`` elements); ``"macwilliams"`` enumerates the
        stabilizer group only and transforms; ``"auto"`` is ``"macwilliams"``.
    limit
        Work limit in 64-bit word operations (one group element costs about
        ``ceil(n / 64)``); a larger predicted cost raises
        :class:`EnumeratorTooExpensive` before any work starts.
    progress
        Show a tqdm bar on enumerations that last more than a second.

    Returns
    -------
    WeightEnumerator
        ``(A, B)``, ``int64`` arrays when ``n + k <= 62``, else ``object``
        arrays of Python ``int``.

    Examples
    --------
    >>> from holonet.stabilizer import StabilizerCode
    >>> code = StabilizerCode.from_pauli_strings(["XXXX", "ZZZZ"])   # [[4, 2, 2]]
    >>> A, B = weight_enumerator(code)
    >>> A.tolist(), B.tolist()
    ([1, 0, 0, 0, 3], [1, 0, 18, 24, 21])
    >>> all((x == y).all() for x, y in zip(weight_enumerator(code, method="gray"), (A, B)))
    True
    """
    check_option("weight enumerator method", method, ENUMERATOR_METHODS)
    limit = _check_limit(limit)
    if method == "auto":
        method = "macwilliams"
    n, k, r = code.n, code.k, code.r
    W = _words(n)
    work = float(2**r) * W + (float(2 ** (n + k)) * W if method == "gray" else 0.0)
    if not work <= limit:
        what = ("Gray-code enumeration of the stabilizer group and the normaliser"
                if method == "gray" else "Gray-code enumeration of the stabilizer group")
        raise EnumeratorTooExpensive(
            f"{what} of [[{n}, {k}]] needs {_fmt_work(work)} > limit {limit:.3g}; "
            "pass a larger limit= to override, or use the tensor-network enumerator of a "
            "holographic code (HaPPYCode.weight_enumerator)")
    H = code.stabilizers
    histA = np.zeros(n + 1, np.int64)
    _gray_span_hist(H, n, None, histA, progress, "stabilizer group")
    dtype = _int_dtype(n, k)
    A = histA.astype(dtype)
    if method == "macwilliams":
        B = macwilliams_transform(A, k)
    else:
        lx, lz = code.logicals
        histB = np.zeros(n + 1, np.int64)
        _gray_span_hist(np.vstack([H, lx, lz]), n, None, histB, progress, "normaliser")
        B = histB.astype(dtype)
    return WeightEnumerator(A, B)


# ---------------------------------------------------------------------- witness
def _weights(M: np.ndarray, n: int) -> np.ndarray:
    return (M[:, :n] | M[:, n:]).sum(axis=1)


def _upper_bound(code: Any) -> tuple[int, np.ndarray]:
    """A light nontrivial logical: the basis logicals and their pairs, greedily reduced.

    Every candidate is multiplied by stabilizer generators while that lowers
    its weight (a cheap local search); the lightest one is an upper bound on
    the distance and a valid witness if the exact search proves it minimal.
    """
    n = code.n
    H = code.stabilizers
    lx, lz = code.logicals
    L = np.vstack([lx, lz, lx ^ lz])
    best_w, best = n + 1, L[0]
    for cand in L:
        cur = cand.copy()
        cw = int(_weights(cur[None, :], n)[0])
        improved = True
        while improved:
            improved = False
            if H.shape[0] == 0:
                break
            trial = H ^ cur[None, :]
            tw = _weights(trial, n)
            i = int(np.argmin(tw))
            if tw[i] < cw:
                cur, cw, improved = trial[i], int(tw[i]), True
        if cw < best_w:
            best_w, best = cw, cur
    return best_w, best


def _subset_work(n: int, w: int, W: int) -> float:
    # prefixes of size j <= w, each reducing two rows against <= 2j pivots of W words
    return float(sum(math.comb(n, j) * 4 * j * W for j in range(1, w + 1)))


def _column_table(code: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows ``2q`` / ``2q + 1``: symplectic products of ``X_q`` / ``Z_q`` with ``[S; L]``."""
    n, r = code.n, code.r
    H = code.stabilizers
    lx, lz = code.logicals
    G = np.vstack([H, lx, lz])  # (r + 2k, 2n)
    # X_q anticommutes with a row iff its Z bit on q is set; Z_q iff its X bit is set
    T = np.empty((2 * n, G.shape[0]), np.uint8)
    T[0::2] = G[:, n:].T
    T[1::2] = G[:, :n].T
    packed = np.ascontiguousarray(gf2.pack(T))
    W = packed.shape[1]
    bits = np.zeros((1, W * 64), np.uint8)
    bits[0, :r] = 1
    smask = gf2.pack(bits[:, : W * 64])[0]
    bits[:] = 0
    bits[0, r:G.shape[0]] = 1
    lmask = gf2.pack(bits[:, : W * 64])[0]
    return packed, np.ascontiguousarray(smask), np.ascontiguousarray(lmask)


def _witness_subsets(code: Any, limit: float, progress: bool, ub: int, ub_op: np.ndarray
                     ) -> np.ndarray:
    n = code.n
    T, smask, lmask = _column_table(code)
    W = T.shape[1]
    kern = _kernels()["subsets"]
    spent = 0.0
    for w in range(1, ub):
        work = _subset_work(n, w, W)
        if not spent + work <= limit:
            raise DistanceTooExpensive(
                f"exact distance search: no nontrivial logical of weight < {w} on "
                f"[[{n}, {code.k}]] (so d >= {w}; a logical of weight {ub} is known, so "
                f"d <= {ub}); searching weight {w} needs {_fmt_work(work)}, with "
                f"{spent:.3g} spent, above limit {limit:.3g}; pass a larger limit= to override")
        spent += work
        out = np.zeros(w + 2, np.uint64)
        step = max(1, n // 64)
        with _bar(work, f"distance: weight {w}", progress) as bar:
            for lo in range(0, n - w + 1, step):
                hi = min(lo + step, n - w + 1)
                if kern(T, smask, lmask, n, w, lo, hi, out):
                    qubits = out[:w].astype(np.int64)
                    xm, zm = int(out[w]), int(out[w + 1])
                    op = np.zeros(2 * n, np.uint8)
                    for d, q in enumerate(qubits):
                        op[q] = (xm >> d) & 1
                        op[n + q] = (zm >> d) & 1
                    return op
                done = sum(math.comb(n - 1 - f, w - 1) for f in range(lo, hi))
                bar.update(work * done / max(1, math.comb(n, w)))
    return ub_op


def _witness_cosets(code: Any, progress: bool) -> np.ndarray:
    n, k = code.n, code.k
    H = code.stabilizers
    lx, lz = code.logicals
    L = np.vstack([lx, lz])
    kern = _kernels()["gray_min"]
    gx, gz = _packed(H, n)
    m = H.shape[0]
    a = min(m, _GRAY_CHUNK_BITS)
    inner_x, inner_z = np.ascontiguousarray(gx[:a]), np.ascontiguousarray(gz[:a])
    W = gx.shape[1]
    best_w, best = n + 1, L[0].copy()
    chunks = 1 << (m - a)
    with _bar(float(4**k - 1) * chunks * (1 << a) * W, "distance: cosets", progress) as bar:
        for cls in range(1, 4**k):
            sel = np.array([(cls >> b) & 1 for b in range(2 * k)], bool)
            base = np.bitwise_xor.reduce(L[sel], axis=0)
            outer = np.zeros(m - a, np.uint8)
            cur = base.copy()
            for i in range(chunks):
                if i:
                    b = (i & -i).bit_length() - 1
                    cur ^= H[a + b]
                    outer[b] ^= 1
                cx, cz = _packed(cur[None, :], n)
                bw, bi = kern(inner_x, inner_z, cx[0].copy(), cz[0].copy(), a, best_w)
                if bi >= 0:
                    g = bi ^ (bi >> 1)
                    sel_in = np.array([(g >> b) & 1 for b in range(a)], bool)
                    op = cur.copy()
                    if sel_in.any():
                        op ^= np.bitwise_xor.reduce(H[:a][sel_in], axis=0)
                    best_w, best = int(bw), op
                bar.update((1 << a) * W)
    return best


def min_weight_logical(code: Any, *, method: str = "auto", limit: float = DEFAULT_LIMIT,
                       progress: bool = True) -> str:
    """A nontrivial logical operator of minimum weight: a certificate of the distance.

    The returned Pauli commutes with every stabilizer and is not in the
    stabilizer group; no lighter such Pauli exists, so its weight is the
    distance ``d``.

    Parameters
    ----------
    code
        A :class:`~holonet.stabilizer.StabilizerCode` with ``k >= 1``.
    method
        ``"subsets"``: depth-first search over the qubit subsets of weight
        ``1, 2, ...`` with incremental GF(2) elimination (work about
        ``sum_{w<d} C(n, w) 4w ceil((r + 2k) / 64)``); ``"cosets"``: Gray-code
        enumeration of the ``4^k - 1`` nontrivial cosets (``2^r (4^k - 1)``
        elements); ``"auto"`` picks the smaller predicted work, bounding ``d``
        by a greedily reduced basis logical.
    limit
        Work limit in 64-bit word operations. The subset search refuses, before
        starting a weight whose predicted cost would take the total above
        ``limit``, with :class:`EnumeratorTooExpensive` stating the bounds on
        ``d`` found so far; ``"cosets"`` refuses before any work.
    progress
        Show a tqdm bar (after one second) on long searches.

    Returns
    -------
    str
        The witness as a Pauli string (letters ``IXYZ``, no sign).

    Examples
    --------
    >>> from holonet.stabilizer import StabilizerCode
    >>> code = StabilizerCode.from_pauli_strings(["XZZXI", "IXZZX", "XIXZZ", "ZXIXZ"])
    >>> p = min_weight_logical(code)
    >>> len(p) - p.count("I")
    3
    """
    check_option("distance witness method", method, WITNESS_METHODS)
    limit = _check_limit(limit)
    if code.k == 0:
        raise ValueError("a code with k = 0 has no logical operators; distance is undefined")
    n, k, r = code.n, code.k, code.r
    ub, ub_op = _upper_bound(code)
    coset_work = float(2**r) * float(4**k - 1) * _words(n)
    Wt = _words(r + 2 * k)
    subset_work = _subset_work(n, ub - 1, Wt)
    if method == "auto":
        method = "cosets" if coset_work < subset_work else "subsets"
    if method == "cosets":
        if not coset_work <= limit:
            raise DistanceTooExpensive(
                f"coset enumeration of [[{n}, {k}]] needs {_fmt_work(coset_work)} "
                f"> limit {limit:.3g}; pass a larger limit= to override or use "
                "method='subsets'")
        op = _witness_cosets(code, progress)
    else:
        op = _witness_subsets(code, limit, progress, ub, ub_op)
    from holonet.stabilizer.pauli import symplectic_to_paulis

    return symplectic_to_paulis(op[None, :])[0]
