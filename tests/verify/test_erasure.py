"""Exact erasure correction: [[5,1,3]], [[25,1,9]] exhaustively, per-logical recovery."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from holonet._errors import VerificationError
from holonet.verify import (
    assert_erasure,
    decode_erasures,
    erasure,
    erasure_exhaustive,
)


def test_513_corrects_every_2_erasure_and_no_3(code_513):
    for E in itertools.combinations(range(5), 2):
        assert erasure(code_513, list(E)).ok
    for E in itertools.combinations(range(5), 3):
        rep = erasure(code_513, list(E))
        assert not rep.ok and rep.lost == ["L0"]
    assert erasure_exhaustive(code_513, 2).ok
    rep3 = erasure_exhaustive(code_513, 3)
    assert not rep3.ok and rep3.uncorrectable == 10 == rep3.checked


def test_513_agrees_with_stabilizer_code(code_513):
    masks = np.array(list(itertools.product([0, 1], repeat=5)), dtype=bool)
    got = decode_erasures(code_513, masks)[:, 0]
    want = [code_513.is_correctable(np.flatnonzero(m)) for m in masks]
    assert got.tolist() == want


def test_25_1_9_exhaustive():
    from holonet.codes import happy_code

    code = happy_code(2, convention="edge", variant="single")
    assert (code.stabilizer_code.n, code.stabilizer_code.k) == (25, 1)
    rep8 = erasure_exhaustive(code, 8)
    assert rep8.ok, rep8.explain()
    assert rep8.checked == 1_081_575 and rep8.uncorrectable == 0
    rep9 = erasure_exhaustive(code, 9, expect="not-all")
    assert rep9.ok and rep9.uncorrectable >= 1
    # the uncorrectable 9-erasure really is one, by the independent check in StabilizerCode
    assert not code.stabilizer_code.is_correctable(rep9.first_uncorrectable)
    assert not erasure_exhaustive(code, 9).ok


def test_per_logical_and_greedy_on_happy():
    from holonet.codes import happy_code

    code = happy_code(2)
    rng = np.random.default_rng(5)
    masks = rng.random((300, 25)) < 0.3
    exact = decode_erasures(code, masks, "exact")
    greedy = decode_erasures(code, masks, "greedy")
    assert exact.shape == greedy.shape == (300, 11)
    assert not np.any(greedy & ~exact), "greedy decoder must never beat the exact criterion"
    # per-logical: compare with the mutual-information criterion I(j:A) = 2 via entropies
    sc = code.stabilizer_code
    for b in range(0, 300, 37):
        A = np.flatnonzero(~masks[b])
        rep = erasure(code, np.flatnonzero(masks[b]))
        assert set(rep.recoverable) == {code.bulk_legs[j] for j in np.flatnonzero(exact[b])}
        assert set(rep.greedy_recoverable or []) <= set(rep.recoverable)
        assert rep.correctable == sc.is_correctable(np.flatnonzero(masks[b]))
        del A


def test_assert_twin_and_bad_input(code_513):
    assert assert_erasure(code_513, [0]).correctable
    with pytest.raises(VerificationError, match="not correctable"):
        assert_erasure(code_513, [0, 1, 2])
    with pytest.raises(ValueError, match="out of range"):
        erasure(code_513, [7])
    with pytest.raises(ValueError, match="unknown decoder"):
        decode_erasures(code_513, [[0, 0, 0, 0, 1]], decoder="magic")
    with pytest.raises(TypeError, match="HaPPY"):
        decode_erasures(code_513, [[0, 0, 0, 0, 1]], decoder="greedy")


def test_report_summary_is_json(code_513):
    import json

    rep = erasure(code_513, np.array([True, False, True, False, False]))
    s = json.loads(rep.to_json())
    assert s["erased"] == [0, 2] and s["correctable"] is True
