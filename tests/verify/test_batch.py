"""Bit-packed batched GF(2) machinery vs galois and vs the entropy definition."""

from __future__ import annotations

import galois
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from holonet.verify import _batch
from holonet.verify._views import code_view, exact_recoverable
from tests.verify.conftest import random_code

GF2 = galois.GF(2)


def _rank(M: np.ndarray) -> int:
    if M.size == 0:
        return 0
    return int(np.linalg.matrix_rank(GF2(M.astype(np.uint8))))


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 140), st.integers(1, 140), st.floats(0.05, 0.95), st.integers(0, 2**31))
def test_gf2_rank_matches_galois(rows, cols, density, seed):
    rng = np.random.default_rng(seed)
    M = (rng.random((rows, cols)) < density).astype(np.uint8)
    assert _batch.gf2_rank(M) == _rank(M)


def test_pack_rows_round_trip(rng):
    M = (rng.random((7, 130)) < 0.5).astype(np.uint8)
    P = _batch.pack_rows(M)
    assert P.shape == (7, 3)
    back = np.unpackbits(P.view(np.uint8), axis=1, bitorder="little")[:, :130]
    assert np.array_equal(back, M)


def _mutual_information(S, X, Z, j, A):
    """I(j : A) from the pure stabilizer state on boundary + one reference per logical."""
    n = S.shape[1] // 2
    k = X.shape[0]
    N = n + k

    def emb(v, ref=None, kind=None):
        out = np.zeros(2 * N, np.uint8)
        out[:n], out[N:N + n] = v[:n], v[n:]
        if ref is not None:
            if kind == "X":
                out[n + ref] = 1
            else:
                out[N + n + ref] = 1
        return out

    G = [emb(s) for s in S] + [emb(X[i], i, "X") for i in range(k)] + \
        [emb(Z[i], i, "Z") for i in range(k)]
    G = np.array(G)

    def ent(region):
        cols = list(region) + [N + c for c in region]
        return _rank(G[:, cols]) - len(region)

    Aset = list(A)
    return ent(Aset) + ent([n + j]) - ent(Aset + [n + j])


@pytest.mark.parametrize("n,k,seed", [(6, 2, 1), (8, 3, 2), (7, 1, 3), (9, 4, 4)])
def test_per_logical_recovery_matches_mutual_information(n, k, seed):
    code = random_code(n, k, seed)
    view = code_view(code)
    rng = np.random.default_rng(seed)
    masks = rng.random((40, n)) < 0.4
    whole, per = exact_recoverable(view, masks)
    X, Z = code.logicals
    S = np.asarray(code.stabilizers)
    for b in range(masks.shape[0]):
        A = np.flatnonzero(~masks[b])
        for j in range(k):
            info = _mutual_information(S, X, Z, j, A)
            assert info in (0, 1, 2)
            assert per[b, j] == (info == 2), (b, j, info)
        # whole code: no nontrivial logical supported on E  <=>  rank([S;L]|_E) = rank(S|_E)
        E = np.flatnonzero(masks[b])
        cols = list(E) + [n + e for e in E]
        L = np.concatenate([S, X, Z])
        assert whole[b] == (_rank(L[:, cols]) == _rank(S[:, cols]))


def test_masked_ranks_match_galois(rng):
    code = random_code(12, 3, 7)
    view = code_view(code)
    masks = rng.random((50, 12)) < 0.5
    ranks, _ = _batch.masked_ranks(view.C, view.r, view.n, masks)
    S = np.asarray(code.stabilizers)
    for b in range(50):
        E = np.flatnonzero(masks[b])
        assert ranks[b] == _rank(S[:, list(E) + [12 + e for e in E]])


def test_exhaustive_513(code_513):
    view = code_view(code_513)
    lmask = _batch.logical_bit_mask(view.r, 2, [0, 1], view.C.shape[1])
    assert _batch.exhaustive_count(view.C, view.r, 5, 2, lmask)[:2] == (10, 0)
    total, bad, first = _batch.exhaustive_count(view.C, view.r, 5, 3, lmask)
    assert (total, bad) == (10, 10) and first.tolist() == [0, 1, 2]


def _greedy_python(tiles, n_legs, start):
    reached = set(np.flatnonzero(start).tolist())
    absorbed = set()
    changed = True
    while changed:
        changed = False
        for t, legs in enumerate(tiles):
            if t not in absorbed and 2 * sum(leg in reached for leg in legs) >= len(legs):
                absorbed.add(t)
                reached |= set(legs)
                changed = True
    return absorbed


def test_greedy_kernel_matches_fixed_point(rng):
    # a random 'tile' hypergraph where each leg joins at most two tiles
    n_tiles, n_legs = 12, 40
    tiles: list[list[int]] = [[] for _ in range(n_tiles)]
    for leg in range(n_legs):
        for t in rng.choice(n_tiles, int(rng.integers(1, 3)), replace=False):
            tiles[int(t)].append(leg)
    ptr = np.cumsum([0] + [len(t) for t in tiles]).astype(np.int64)
    flat = np.array([x for t in tiles for x in t], np.int64)
    leg_tiles = np.full((n_legs, 2), -1, np.int64)
    for t, legs in enumerate(tiles):
        for leg in legs:
            leg_tiles[leg, 0 if leg_tiles[leg, 0] < 0 else 1] = t
    starts = rng.random((30, n_legs)) < 0.35
    absorbed = _batch.greedy_absorb(ptr, flat, leg_tiles, starts)
    for b in range(30):
        want = _greedy_python(tiles, n_legs, starts[b])
        assert set(np.flatnonzero(absorbed[b]).tolist()) == want
