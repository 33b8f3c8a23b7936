"""GF(2) linear algebra: invariants, galois cross-checks, bad input."""

from __future__ import annotations

import galois
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from holonet.stabilizer import gf2

GF2 = galois.GF(2)


def matrices(max_rows: int = 12, max_cols: int = 140):
    return st.tuples(st.integers(1, max_rows), st.integers(1, max_cols)).flatmap(
        lambda s: arrays(np.uint8, s, elements=st.integers(0, 1)))


@settings(max_examples=60, deadline=None)
@given(matrices())
def test_rank_matches_galois(M):
    assert gf2.rank(M) == np.linalg.matrix_rank(GF2(M))


@settings(max_examples=60, deadline=None)
@given(matrices())
def test_row_reduce_invariants(M):
    R, piv = gf2.row_reduce(M)
    r = piv.size
    # same row space: stacking adds nothing, and rank is preserved
    assert gf2.rank(np.vstack([R, M])) == r == gf2.rank(M)
    assert not R[r:].any()
    # pivot columns are unit vectors, pivots strictly increase, leading ones at pivots
    assert np.array_equal(R[:r][:, piv], np.eye(r, dtype=np.uint8))
    assert np.all(np.diff(piv) > 0)
    for i, p in enumerate(piv):
        assert not R[i, :p].any()
    # agrees with galois' reduced row echelon form
    G = np.asarray(GF2(M).row_reduce())
    assert np.array_equal(R, G.astype(np.uint8))


@settings(max_examples=60, deadline=None)
@given(matrices())
def test_nullspace(M):
    N = gf2.nullspace(M)
    assert N.shape == (M.shape[1] - gf2.rank(M), M.shape[1])
    assert not gf2.matmul(M, N.T).any()
    assert gf2.rank(N) == N.shape[0]


@settings(max_examples=60, deadline=None)
@given(matrices(), st.integers(0, 2**32 - 1))
def test_solve(M, seed):
    rng = np.random.default_rng(seed)
    x0 = rng.integers(0, 2, M.shape[1], dtype=np.uint8)
    b = gf2.matmul(M, x0[:, None])[:, 0]
    x = gf2.solve(M, b)
    assert x is not None
    assert np.array_equal(gf2.matmul(M, x[:, None])[:, 0], b)
    # an inconsistent right-hand side has no solution
    if gf2.rank(M) < M.shape[0]:
        eye = np.eye(M.shape[0], dtype=np.uint8)
        aug_rank = [gf2.rank(np.hstack([M, e[:, None]])) for e in eye]
        j = int(np.argmax(np.array(aug_rank) > gf2.rank(M)))
        if aug_rank[j] > gf2.rank(M):
            assert gf2.solve(M, np.eye(M.shape[0], dtype=np.uint8)[j]) is None


@settings(max_examples=40, deadline=None)
@given(matrices())
def test_pack_roundtrip_and_independent_rows(M):
    assert np.array_equal(gf2.unpack(gf2.pack(M), M.shape[1]), M)
    rows = gf2.independent_rows(M)
    assert rows.size == gf2.rank(M) == gf2.rank(M[rows])


def test_large_rank_matches_galois(rng):
    M = rng.integers(0, 2, (300, 700), dtype=np.uint8)
    M[150:] = gf2.matmul(rng.integers(0, 2, (150, 150), dtype=np.uint8), M[:150])
    assert gf2.rank(M) == np.linalg.matrix_rank(GF2(M)) == 150


@pytest.mark.parametrize("bad, err", [
    ([[2, 0]], ValueError), ([[0.5, 1]], TypeError), ([1, 0], ValueError),
    (np.array([[-1, 0]]), ValueError),
])
def test_bad_input(bad, err):
    with pytest.raises(err):
        gf2.rank(bad)


def test_solve_shape_mismatch():
    with pytest.raises(ValueError, match="rows"):
        gf2.solve([[1, 0]], [1, 0])


def test_empty():
    assert gf2.rank(np.zeros((0, 5), np.uint8)) == 0
    assert gf2.nullspace(np.zeros((0, 3), np.uint8)).shape == (3, 3)


@settings(max_examples=40, deadline=None)
@given(arrays(np.int16, st.tuples(st.integers(1, 6), st.integers(1, 6)),
              elements=st.integers(-3, 5)))
def test_bad_values_rejected_or_accepted_exactly(M):
    """Any entry outside {0, 1} is rejected with a message naming it; 0/1 input is accepted."""
    if np.isin(M, (0, 1)).all():
        assert gf2.rank(M) == np.linalg.matrix_rank(GF2(M.astype(np.uint8)))
    else:
        with pytest.raises(ValueError, match="only 0 and 1"):
            gf2.rank(M)
