"""Complementary recovery over every contiguous interval of HaPPY codes."""

from __future__ import annotations

import numpy as np
import pytest

from holonet.verify import (
    assert_complementary_recovery,
    complementary_recovery,
    complementary_recovery_sweep,
)


@pytest.mark.parametrize("layers", [2, 3])
def test_sweep_all_intervals(layers):
    from holonet.codes import happy_code

    code = happy_code(layers)
    n = code.stabilizer_code.n
    rep = complementary_recovery_sweep(code)
    assert rep.ok, rep.explain()
    assert len(rep.rows) == n * (n - 1)
    # the invariants themselves, re-checked from the rows
    for row in rep.rows:
        assert row["greedy"] <= row["exact"]
        assert row["complement_greedy"] <= row["complement_exact"]
        assert row["exact"] + row["complement_exact"] + len(row["neither"]) == len(code.bulk_legs)
    # some interval leaves a leg recoverable from neither side (HaPPY Sec. 6), and it is listed
    assert any(row["neither"] for row in rep.rows)


def test_single_region_report_sets():
    from holonet.codes import happy_code

    code = happy_code(3)
    for start, ell in [(0, 10), (40, 47), (90, 20)]:
        region = [(start + t) % 95 for t in range(ell)]
        rep = complementary_recovery(code, region)
        assert rep.ok
        assert rep.greedy_wedge <= rep.exact_wedge
        assert rep.complement_greedy_wedge <= rep.complement_exact_wedge
        assert not rep.exact_wedge & rep.complement_exact_wedge
        assert rep.neither == set(code.bulk_legs) - rep.exact_wedge - rep.complement_exact_wedge
    # the whole boundary recovers every bulk leg; the empty region none
    full = complementary_recovery(code, range(95))
    assert full.exact_wedge == set(code.bulk_legs) == full.greedy_wedge
    assert assert_complementary_recovery(code, np.zeros(95, bool)).exact_wedge == set()


def test_central_leg_needs_more_than_half():
    from holonet.codes import happy_code

    code = happy_code(2)
    # q0 (centre) is in neither wedge of a half-boundary split only if the split is balanced;
    # a 13-qubit interval should contain it or its complement should
    rep = complementary_recovery(code, range(13))
    assert "q0" in rep.exact_wedge | rep.complement_exact_wedge | rep.neither


def test_leg_names_as_region():
    from holonet.codes import happy_code

    code = happy_code(2)
    a = complementary_recovery(code, ["k0", "k1", "k2"])
    b = complementary_recovery(code, [0, 1, 2])
    assert a.summary() == b.summary()
    with pytest.raises(ValueError, match="unknown boundary leg"):
        complementary_recovery(code, ["zz"])
