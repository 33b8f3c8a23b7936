"""Brute-force maximum-likelihood references, independent of the tensor network.

Three exact ways to the coset sums ``Σ_{g ∈ G} Pr(E · g)`` (labels ``x + 2z``):

- :func:`gray_sums`: the literal sum, every element of ``G`` visited once in
  Gray-code order (one generator multiplied per step), all shifts ``E`` at once,
  compiled with numba; per-qubit probabilities are multiplied block-wise from
  tables of 4^5 entries.
- :func:`split_sums`: the same sum reorganised by the distributive law over a cut
  of the qubits into ``A | B``: with ``K_A`` (``K_B``) the elements supported on
  ``A`` (``B``) and ``C`` a complement, ``G = C ⊕ K_A ⊕ K_B`` and
  ``Σ_g f_A(g_A) f_B(g_B) = Σ_{c∈C} [Σ_{a∈K_A} f_A((c+a)_A)] [Σ_{b∈K_B} f_B((c+b)_B)]``.
- :func:`fourier_sums`: the symplectic Poisson summation
  ``Σ_{g∈G} F(E+g) = (|G| / 4^n) Σ_{h∈G^⊥} (−1)^⟨E,h⟩ Π_j f̂_j(h_j)``; the sum over
  the small dual group is a Walsh–Hadamard transform, so each syndrome costs
  one table look-up.
"""

from __future__ import annotations

import numba
import numpy as np

from holonet.stabilizer import gf2


def labels(M: np.ndarray) -> np.ndarray:
    n = M.shape[1] // 2
    return (M[:, :n] + 2 * M[:, n:]).astype(np.int64)


def _sym(M: np.ndarray) -> np.ndarray:
    n = M.shape[1] // 2
    return np.hstack([M[:, n:], M[:, :n]])


# ----------------------------------------------------------------------------- Gray code
@numba.njit(cache=False)
def _gray_kernel(gen_codes: np.ndarray, T: np.ndarray) -> np.ndarray:  # pragma: no cover
    m, nb = gen_codes.shape
    S = T.shape[0]
    cur = np.zeros(nb, np.int64)
    acc = np.zeros(S)
    for s in range(S):
        v = 1.0
        for b in range(nb):
            v *= T[s, b, 0]
        acc[s] += v
    for i in range(1, 1 << m):
        g = 0
        while not (i >> g) & 1:
            g += 1
        for b in range(nb):
            cur[b] ^= gen_codes[g, b]
        for s in range(S):
            v = 1.0
            for b in range(nb):
                v *= T[s, b, cur[b]]
            acc[s] += v
    return acc


def gray_sums(G: np.ndarray, shifts: np.ndarray, prob: np.ndarray, block: int = 5) -> np.ndarray:
    """``Σ_{g ∈ ⟨G⟩} Π_j prob[j, (shift ⊕ g)_j]`` for each row of ``shifts`` (labels)."""
    n = prob.shape[0]
    blocks = [np.arange(i, min(n, i + block)) for i in range(0, n, block)]
    gl = labels(G)
    width = 4**block
    codes = np.zeros((G.shape[0], len(blocks)), np.int64)
    all_lab = np.array([[(c >> (2 * j)) & 3 for j in range(block)] for c in range(width)])
    T = np.zeros((shifts.shape[0], len(blocks), width))
    for b, q in enumerate(blocks):
        codes[:, b] = (gl[:, q] << (2 * np.arange(q.size))).sum(axis=1)
        lab = all_lab[:, :q.size]                                        # (width, |q|)
        T[:, b, :] = np.prod(prob[q[None, None, :], shifts[:, None, q] ^ lab[None]], axis=2)
        T[:, b, 4**q.size:] = 0.0
    return _gray_kernel(codes, T)


# ----------------------------------------------------------------------------- cut
@numba.njit(cache=False)
def _half_sum(shift, C, K, p, q):  # pragma: no cover
    # q[j, l] = p[j, shift_j ^ C_j ^ l]: the shifted single-qubit tables, then the sum over K
    for j in range(K.shape[1]):
        base = shift[j] ^ C[j]
        for l in range(4):
            q[j, l] = p[j, base ^ l]
    acc = 0.0
    for a in range(K.shape[0]):
        v = 1.0
        for j in range(K.shape[1]):
            v *= q[j, K[a, j]]
        acc += v
    return acc


@numba.njit(cache=False)
def _split_kernel(sA, sB, CA, CB, KA, KB, pA, pB):  # pragma: no cover
    S = sA.shape[0]
    out = np.zeros(S)
    qa = np.empty((KA.shape[1], 4))
    qb = np.empty((KB.shape[1], 4))
    for s in range(S):
        total = 0.0
        for c in range(CA.shape[0]):
            total += (_half_sum(sA[s], CA[c], KA, pA, qa)
                      * _half_sum(sB[s], CB[c], KB, pB, qb))
        out[s] = total
    return out


def _span(M: np.ndarray) -> np.ndarray:
    out = np.zeros((1, M.shape[1]), np.uint8)
    for row in M:
        out = np.vstack([out, out ^ row])
    return out


def _cut_parts(G: np.ndarray, A: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bases of K_A (supported on A), K_B (on B) and a complement C, as rows of G's span."""
    n = G.shape[1] // 2
    B = np.setdiff1d(np.arange(n), A)
    colsA = np.concatenate([A, n + A])
    colsB = np.concatenate([B, n + B])
    KA = gf2.matmul(gf2.nullspace(G[:, colsB].T), G) if G.shape[0] else G
    KB = gf2.matmul(gf2.nullspace(G[:, colsA].T), G) if G.shape[0] else G
    stacked = np.vstack([KA, KB, G])
    keep = gf2.independent_rows(stacked)
    C = stacked[keep[keep >= KA.shape[0] + KB.shape[0]]]
    return KA, KB, C


def best_cut(G: np.ndarray, order: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """The cut ``A`` = a prefix of ``order`` (default 0..n-1) with the cheapest split sum."""
    n = G.shape[1] // 2
    order = np.arange(n) if order is None else np.asarray(order)
    best = (order[: n // 2], np.inf)
    for c in range(1, n):
        A = np.sort(order[:c])
        KA, KB, C = _cut_parts(G, A)
        cost = 2.0 ** C.shape[0] * (2.0 ** KA.shape[0] * c + 2.0 ** KB.shape[0] * (n - c))
        if cost < best[1]:
            best = (A, cost)
    return best


def split_sums(G: np.ndarray, shifts: np.ndarray, prob: np.ndarray,
               A: np.ndarray | None = None) -> np.ndarray:
    """The coset sums of :func:`gray_sums` by the distributive law over the cut ``A | B``."""
    n = prob.shape[0]
    if A is None:
        A = best_cut(G)[0]
    B = np.setdiff1d(np.arange(n), A)
    KA, KB, C = _cut_parts(G, A)
    CL, KAL, KBL = labels(_span(C)), labels(_span(KA)), labels(_span(KB))
    def u8(x: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(x, dtype=np.uint8)

    return _split_kernel(u8(shifts[:, A]), u8(shifts[:, B]), u8(CL[:, A]), u8(CL[:, B]),
                         u8(KAL[:, A]), u8(KBL[:, B]),
                         np.ascontiguousarray(prob[A]), np.ascontiguousarray(prob[B]))


# ----------------------------------------------------------------------------- Fourier
def _walsh_hadamard(v: np.ndarray) -> np.ndarray:
    v = v.copy()
    h = 1
    while h < v.size:
        v = v.reshape(-1, 2, h)
        v = np.stack([v[:, 0] + v[:, 1], v[:, 0] - v[:, 1]], axis=1).reshape(-1)
        h *= 2
    return v


class FourierSums:
    """``Σ_{g∈G} Pr(E·g)`` for many ``E`` through the dual group ``G^⊥`` (Poisson summation).

    ``G`` is given by generators (rows ``[x|z]``); ``G^⊥`` (Paulis commuting with
    all of ``G``) has dimension ``2n - dim G`` and is enumerated once.
    """

    def __init__(self, G: np.ndarray, prob: np.ndarray) -> None:
        n = prob.shape[0]
        self.n = n
        dimG = gf2.rank(G)
        dual = gf2.nullspace(_sym(G))              # h with <g, h> = 0 for all g
        self.dual = dual
        d = dual.shape[0]
        assert d == 2 * n - dimG and d <= 22
        # f̂_j(h) = Σ_P prob_j(P) (-1)^<P,h>, for labels P, h in 0..3 (x + 2z)
        lab = np.arange(4)
        x, z = lab & 1, lab >> 1
        sign = (-1.0) ** ((x[:, None] * z[None, :] + z[:, None] * x[None, :]) & 1)
        fhat = prob @ sign                          # (n, 4): fhat[j, h]
        H = labels(_span(dual))                     # all 2^d dual elements, index = combination
        F = np.prod(fhat[np.arange(n)[None, :], H], axis=1)
        self.table = _walsh_hadamard(F) * 2.0**dimG / 4.0**n

    def __call__(self, E_bits: np.ndarray) -> np.ndarray:
        """Coset sums for errors ``(B, 2n)`` bits."""
        u = gf2.matmul(E_bits, _sym(self.dual).T)    # <E, h_i> for the dual generators
        idx = (u.astype(np.int64) << np.arange(u.shape[1])).sum(axis=1)
        return self.table[idx]
