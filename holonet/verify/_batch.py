"""Bit-packed GF(2) ranks batched over many qubit subsets (erasure patterns, regions).

Everything exact about erasures and entropies of a stabilizer code reduces to
GF(2) ranks of the check matrix restricted to a set of qubit columns. Monte
Carlo and exhaustive sweeps need millions of such ranks, so this module works
on the *transposed* problem, which is small when the subset is small: each
qubit column ``c`` of the check matrix (X part ``q``, Z part ``n + q``) becomes
a bit-packed row ``C[c]`` whose bits are the entries of column ``c`` in the
stabilizer rows followed by the logical rows. For an erased set ``E`` the rows
``C[c], c in cols(E)`` are Gaussian-eliminated on the stabilizer bits only:

* the number of pivots is ``rank(S|_E)``;
* the rows left without a stabilizer pivot span the combinations of erased
  columns that no stabilizer restricted to ``E`` can produce. Their logical
  bits are the obstruction to cleaning: logical row ``l`` can be multiplied by
  stabilizers into an operator vanishing on ``E`` iff bit ``l`` is zero in
  every residual row (block-triangular rank argument:
  ``rank([S; l]|_E) = rank(S|_E) + rank(residual logical column)``).

So the OR of the residual rows' logical bits answers, in one elimination,
whether the whole code corrects ``E`` (all bits zero) and which logical qubits
``j`` are recoverable from the complement (bits of ``X_j`` and ``Z_j`` zero).

The kernels are compiled with numba (a dependency of quimb) on first use and
cached on disk.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

__all__: list[str] = []


def pack_rows(M: Any) -> np.ndarray:
    """Pack a 0/1 matrix row-wise into little-endian ``uint64`` words.

    Examples
    --------
    >>> pack_rows(np.array([[1, 0, 1]], dtype=np.uint8))
    array([[5]], dtype=uint64)
    """
    M = np.ascontiguousarray(np.asarray(M, dtype=np.uint8) & 1)
    rows, cols = M.shape
    words = max(1, -(-cols // 64))
    padded = np.zeros((rows, words * 64), dtype=np.uint8)
    padded[:, :cols] = M
    packed = np.packbits(padded, axis=1, bitorder="little")
    return np.ascontiguousarray(packed.view("<u8").astype(np.uint64, copy=False))


def column_table(stabilizers: Any, logicals: Any | None = None) -> tuple[np.ndarray, int]:
    """Bit-packed transposed check matrix: row ``c`` holds column ``c`` of ``[S; L]``.

    Returns the table ``(2n, words)`` and ``r``, the number of stabilizer bits
    (the leading bits of every row).

    Examples
    --------
    >>> C, r = column_table(np.array([[1, 1, 0, 0]], np.uint8))
    >>> C.ravel().tolist(), r
    ([1, 1, 0, 0], 1)
    """
    S = np.asarray(stabilizers, dtype=np.uint8)
    if logicals is None:
        L = np.zeros((0, S.shape[1]), dtype=np.uint8)
    else:
        L = np.asarray(logicals, dtype=np.uint8)
    N = np.concatenate([S, L], axis=0)
    return pack_rows(N.T), int(S.shape[0])


@functools.cache
def _kernels() -> dict[str, Any]:
    import numba

    njit = numba.njit(cache=True, nogil=True)

    @njit
    def lowest_bit(x: Any) -> int:
        # position of the lowest set bit of a nonzero uint64 (binary search)
        pos = 0
        if (x & np.uint64(0xFFFFFFFF)) == 0:
            x >>= np.uint64(32)
            pos += 32
        if (x & np.uint64(0xFFFF)) == 0:
            x >>= np.uint64(16)
            pos += 16
        if (x & np.uint64(0xFF)) == 0:
            x >>= np.uint64(8)
            pos += 8
        if (x & np.uint64(0xF)) == 0:
            x >>= np.uint64(4)
            pos += 4
        if (x & np.uint64(0x3)) == 0:
            x >>= np.uint64(2)
            pos += 2
        if (x & np.uint64(0x1)) == 0:
            pos += 1
        return pos

    @njit
    def eliminate(W: Any, m: int, r: int, resid: Any) -> int:
        # Row-eliminate rows W[:m] on their first r bits; OR the residual rows'
        # remaining bits into resid; return the number of pivots.
        words = W.shape[1]
        rw = r // 64  # index of the word holding bit r
        rb = r % 64
        npiv = 0
        for w in range(words):
            resid[w] = 0
        for i in range(m):
            piv = -1
            for w in range(rw + 1):
                if w >= words:
                    break
                x = W[i, w]
                if w == rw:
                    if rb == 0:
                        break
                    x &= (np.uint64(1) << np.uint64(rb)) - np.uint64(1)
                if x != 0:
                    piv = w * 64 + lowest_bit(x)
                    break
            if piv < 0:
                for w in range(words):
                    resid[w] |= W[i, w]
                continue
            npiv += 1
            pw = piv // 64
            bit = np.uint64(1) << np.uint64(piv % 64)
            for j in range(i + 1, m):
                if W[j, pw] & bit:
                    for w in range(pw, words):
                        W[j, w] ^= W[i, w]
        return npiv

    @njit
    def masked(C: Any, r: int, n: int, masks: Any, ranks: Any, resid: Any) -> None:
        # For each mask (B, n): rank of S restricted to the masked qubits, and
        # the OR of the residual rows (all bits; caller reads the logical bits).
        words = C.shape[1]
        W = np.empty((2 * n, words), dtype=np.uint64)
        for b in range(masks.shape[0]):
            m = 0
            for q in range(n):
                if masks[b, q]:
                    for w in range(words):
                        W[m, w] = C[q, w]
                        W[m + 1, w] = C[n + q, w]
                    m += 2
            ranks[b] = eliminate(W, m, r, resid[b])

    @njit
    def exhaustive(C: Any, r: int, n: int, size: int, lmask: Any, stop_at_first: bool,
                   first: Any) -> tuple[int, int]:
        # All size-subsets of n qubits in lexicographic order: count those whose
        # residual logical bits intersect lmask (uncorrectable); record the first.
        words = C.shape[1]
        W = np.empty((2 * size, words), dtype=np.uint64)
        resid = np.empty(words, dtype=np.uint64)
        idx = np.arange(size)
        total = 0
        bad = 0
        while True:
            for t in range(size):
                q = idx[t]
                for w in range(words):
                    W[2 * t, w] = C[q, w]
                    W[2 * t + 1, w] = C[n + q, w]
            eliminate(W, 2 * size, r, resid)
            hit = False
            for w in range(words):
                if resid[w] & lmask[w]:
                    hit = True
                    break
            total += 1
            if hit:
                if bad == 0:
                    for t in range(size):
                        first[t] = idx[t]
                bad += 1
                if stop_at_first:
                    return total, bad
            # next combination
            t = size - 1
            while t >= 0 and idx[t] == n - size + t:
                t -= 1
            if t < 0:
                break
            idx[t] += 1
            for u in range(t + 1, size):
                idx[u] = idx[u - 1] + 1
        return total, bad

    @njit
    def greedy(tile_ptr: Any, tile_legs: Any, leg_tiles: Any, n_legs: int, start: Any,
               absorbed: Any) -> None:
        # Greedy entanglement wedge per shot: start[b, leg] marks the legs in the
        # cut; absorb any tile with at least half of its legs in the cut.
        n_tiles = tile_ptr.shape[0] - 1
        reached = np.zeros(n_legs, dtype=np.bool_)
        count = np.zeros(n_tiles, dtype=np.int64)
        # every push is caused by a leg entering the cut (at most twice per leg
        # initially, once per leg later), so 3 * n_legs bounds the stack
        stack = np.empty(3 * n_legs + 4, dtype=np.int64)
        for b in range(start.shape[0]):
            for t in range(n_tiles):
                count[t] = 0
                absorbed[b, t] = False
            top = 0
            for leg in range(n_legs):
                reached[leg] = start[b, leg]
                if reached[leg]:
                    for s in range(2):
                        t = leg_tiles[leg, s]
                        if t >= 0:
                            count[t] += 1
                            stack[top] = t
                            top += 1
            while top > 0:
                top -= 1
                t = stack[top]
                if absorbed[b, t]:
                    continue
                deg = tile_ptr[t + 1] - tile_ptr[t]
                if 2 * count[t] < deg:
                    continue
                absorbed[b, t] = True
                for e in range(tile_ptr[t], tile_ptr[t + 1]):
                    leg = tile_legs[e]
                    if reached[leg]:
                        continue
                    reached[leg] = True
                    for s in range(2):
                        u = leg_tiles[leg, s]
                        if u >= 0 and u != t:
                            count[u] += 1
                            if not absorbed[b, u]:
                                stack[top] = u
                                top += 1

    @njit
    def maxflow(n_nodes: int, adj_ptr: Any, adj_arc: Any, arc_to: Any, cap0: Any,
                leg_src_arc: Any, leg_snk_arc: Any, src: int, snk: int, masks: Any,
                out: Any) -> None:
        # Unit-capacity Edmonds-Karp per mask. Arcs come in pairs (2e, 2e+1) for an
        # undirected edge; a boundary leg has an edge to the source and one to the
        # sink, of which the mask switches on one.
        n_arcs = arc_to.shape[0]
        cap = np.empty(n_arcs, dtype=np.int64)
        parent = np.empty(n_nodes, dtype=np.int64)
        queue = np.empty(n_nodes, dtype=np.int64)
        for b in range(masks.shape[0]):
            for a in range(n_arcs):
                cap[a] = cap0[a]
            for i in range(leg_src_arc.shape[0]):
                on = 1 if masks[b, i] else 0
                cap[leg_src_arc[i]] = on
                cap[leg_src_arc[i] ^ 1] = on
                cap[leg_snk_arc[i]] = 1 - on
                cap[leg_snk_arc[i] ^ 1] = 1 - on
            flow = 0
            while True:
                for v in range(n_nodes):
                    parent[v] = -1
                parent[src] = -2
                head = 0
                tail = 0
                queue[tail] = src
                tail += 1
                found = False
                while head < tail and not found:
                    u = queue[head]
                    head += 1
                    for e in range(adj_ptr[u], adj_ptr[u + 1]):
                        a = adj_arc[e]
                        v = arc_to[a]
                        if cap[a] > 0 and parent[v] == -1:
                            parent[v] = a
                            if v == snk:
                                found = True
                                break
                            queue[tail] = v
                            tail += 1
                if not found:
                    break
                # bottleneck along the path
                push = 1 << 30
                v = snk
                while v != src:
                    a = parent[v]
                    if cap[a] < push:
                        push = cap[a]
                    v = arc_to[a ^ 1]
                v = snk
                while v != src:
                    a = parent[v]
                    cap[a] -= push
                    cap[a ^ 1] += push
                    v = arc_to[a ^ 1]
                flow += push
            out[b] = flow

    return {"masked": masked, "exhaustive": exhaustive, "greedy": greedy, "maxflow": maxflow}


def masked_ranks(C: np.ndarray, r: int, n: int, masks: Any) -> tuple[np.ndarray, np.ndarray]:
    """Batched ``rank(S|_M)`` and residual OR-rows for qubit masks ``(B, n)``.

    Returns ``ranks (B,)`` and ``resid (B, words)``: a logical bit ``l`` (at
    position ``r + l``) set in ``resid[b]`` means logical row ``l`` cannot be
    cleaned off the masked qubits by stabilizers.

    Examples
    --------
    >>> S = np.array([[1, 1, 0, 0], [0, 0, 1, 1]], np.uint8)  # XX, ZZ on 2 qubits
    >>> C, r = column_table(S)
    >>> masked_ranks(C, r, 2, np.array([[1, 0], [1, 1]], bool))[0].tolist()
    [2, 2]
    """
    masks = np.ascontiguousarray(np.asarray(masks, dtype=np.bool_))
    if masks.ndim == 1:
        masks = masks[None]
    if masks.shape[1] != n:
        raise ValueError(f"masks must have {n} columns (one per qubit); got {masks.shape[1]}")
    B = masks.shape[0]
    ranks = np.zeros(B, dtype=np.int64)
    resid = np.zeros((B, C.shape[1]), dtype=np.uint64)
    _kernels()["masked"](C, int(r), int(n), masks, ranks, resid)
    return ranks, resid


def logical_bit_mask(r: int, n_logical_rows: int, rows: Any, words: int) -> np.ndarray:
    """Packed mask selecting logical rows ``rows`` (bits ``r + l``)."""
    bits = np.zeros(words * 64, dtype=np.uint8)
    for l in np.atleast_1d(np.asarray(rows, dtype=np.int64)):
        if not 0 <= l < n_logical_rows:
            raise ValueError(f"logical row {l} out of range 0..{n_logical_rows - 1}")
        bits[r + l] = 1
    return pack_rows(bits[None])[0]


def residual_bits(resid: np.ndarray, r: int, n_logical_rows: int) -> np.ndarray:
    """Unpack the logical bits of residual rows into a bool array ``(B, n_logical_rows)``."""
    if n_logical_rows == 0:
        return np.zeros((resid.shape[0], 0), dtype=bool)
    raw = np.unpackbits(np.ascontiguousarray(resid).view(np.uint8), axis=1, bitorder="little")
    return raw[:, r:r + n_logical_rows].astype(bool)


def exhaustive_count(C: np.ndarray, r: int, n: int, size: int, lmask: np.ndarray,
                     stop_at_first: bool = False) -> tuple[int, int, np.ndarray | None]:
    """Check all ``C(n, size)`` erasures; return (#checked, #uncorrectable, first bad)."""
    first = np.full(size, -1, dtype=np.int64)
    total, bad = _kernels()["exhaustive"](C, int(r), int(n), int(size),
                                          np.ascontiguousarray(lmask, dtype=np.uint64),
                                          bool(stop_at_first), first)
    return int(total), int(bad), (first if bad else None)


def greedy_absorb(tile_ptr: np.ndarray, tile_legs: np.ndarray, leg_tiles: np.ndarray,
                  start: Any) -> np.ndarray:
    """Batched greedy wedge: ``start (B, n_legs)`` bool -> absorbed tiles ``(B, n_tiles)``."""
    start = np.ascontiguousarray(np.asarray(start, dtype=np.bool_))
    if start.ndim == 1:
        start = start[None]
    absorbed = np.zeros((start.shape[0], tile_ptr.shape[0] - 1), dtype=np.bool_)
    _kernels()["greedy"](tile_ptr, tile_legs, leg_tiles, int(leg_tiles.shape[0]), start,
                         absorbed)
    return absorbed


def batched_min_cuts(n_tiles: int, edges: list[tuple[int, int, int]], owners: np.ndarray,
                     masks: Any) -> np.ndarray:
    """Min cuts between the masked boundary legs (source) and the rest (sink), batched.

    ``edges`` are undirected ``(u, v, capacity)`` between tiles, with ``v = -1``
    meaning the sink (e.g. a bulk leg to the reference); boundary leg ``i``
    hangs off tile ``owners[i]`` and joins the source if masked, else the sink.
    """
    src, snk = n_tiles, n_tiles + 1
    arcs_to: list[int] = []
    caps: list[int] = []

    def add(u: int, v: int, c: int) -> int:
        arcs_to.extend([v, u])  # arc 2e: u -> v, arc 2e + 1: v -> u
        caps.extend([c, c])
        return len(arcs_to) - 2

    for u, v, c in edges:
        add(u, snk if v < 0 else v, c)
    leg_src = np.array([add(int(t), src, 0) for t in owners], dtype=np.int64)
    leg_snk = np.array([add(int(t), snk, 0) for t in owners], dtype=np.int64)
    arc_to = np.asarray(arcs_to, dtype=np.int64)
    arc_from = arc_to[np.arange(arc_to.size) ^ 1]
    order = np.argsort(arc_from, kind="stable")
    adj_ptr = np.searchsorted(arc_from[order], np.arange(n_tiles + 3)).astype(np.int64)
    masks = np.ascontiguousarray(np.atleast_2d(np.asarray(masks, dtype=np.bool_)))
    out = np.zeros(masks.shape[0], dtype=np.int64)
    _kernels()["maxflow"](n_tiles + 2, adj_ptr, order.astype(np.int64), arc_to,
                          np.asarray(caps, dtype=np.int64), leg_src, leg_snk, src, snk,
                          masks, out)
    return out


def gf2_rank(M: Any) -> int:
    """Rank over GF(2) of a 0/1 matrix (bit-packed elimination).

    Examples
    --------
    >>> gf2_rank(np.array([[1, 1, 0], [0, 1, 1], [1, 0, 1]], np.uint8))
    2
    """
    M = np.asarray(M, dtype=np.uint8)
    if M.size == 0:
        return 0
    # rows of M^T are the columns (same rank); the kernel takes them in pairs
    C = pack_rows(M.T)
    half = -(-C.shape[0] // 2)
    C = np.concatenate([C, np.zeros((2 * half - C.shape[0], C.shape[1]), np.uint64)])
    ranks, _ = masked_ranks(C, M.shape[0], half, np.ones((1, half), dtype=bool))
    return int(ranks[0])
