"""Ryu–Takayanagi: stabilizer entropy vs minimal cut on every contiguous interval."""

from __future__ import annotations

import numpy as np
import pytest

from holonet._errors import VerificationError
from holonet.verify import assert_rt, entropies, min_cuts, rt, rt_sweep
from holonet.verify._views import interval_masks


@pytest.mark.parametrize("layers", [2, 3])
def test_hexagon_state_rt_equality(layers):
    from holonet.codes import happy_code

    state = happy_code(layers, variant="hexagon-state")
    assert state.stabilizer_code.k == 0
    rep = rt_sweep(state, "mixed")
    assert rep.ok, rep.explain()
    n = state.stabilizer_code.n
    assert rep.n_equal == n * (n - 1)


@pytest.mark.parametrize("layers", [2, 3])
def test_pentagon_code_rt(layers):
    from holonet.codes import happy_code

    code = happy_code(layers)
    n = code.stabilizer_code.n
    mixed = rt_sweep(code, "mixed")
    assert mixed.ok, mixed.explain()
    assert mixed.n_equal == n * (n - 1)
    product = rt_sweep(code, "product")
    assert product.ok, product.explain()
    assert product.n_strict > 0  # the inequality is strict somewhere
    assert product.n_equal + product.n_strict == n * (n - 1)


def test_entropy_agrees_with_stabilizer_code_and_cuts_with_networkx():
    from holonet.codes import happy_code

    code = happy_code(2)
    masks, _ = interval_masks(25)
    S = entropies(code, masks)
    assert S.tolist() == [code.stabilizer_code.entropy(np.flatnonzero(m)) for m in masks]
    for bulk in ("mixed", "product"):
        a = min_cuts(code, masks[::7], bulk, method="networkx")
        b = min_cuts(code, masks[::7], bulk, method="batched")
        assert a.tolist() == b.tolist()


def test_product_entropy_is_pure_state():
    from holonet.codes import happy_code

    code = happy_code(2)
    masks, _ = interval_masks(25)
    S = entropies(code, masks, "product")
    # pure state: S(A) = S(A^c)
    assert S.tolist() == entropies(code, ~masks, "product").tolist()


def test_single_region_and_assert():
    from holonet.codes import happy_code

    code = happy_code(2)
    rep = rt(code, range(7))
    assert rep.ok and rep.entropy == rep.min_cut
    assert assert_rt(code, range(7), bulk="product").entropy <= rep.min_cut


@pytest.mark.parametrize("variant", ["single", "pentagon-hexagon"])
def test_inequality_for_other_variants(variant):
    from holonet.codes import happy_code

    code = happy_code(2, variant=variant)
    for bulk in ("mixed", "product"):
        assert rt_sweep(code, bulk, equality=False).ok


def test_rt_failure_is_reported():
    """Asking for equality with the bulk in a product state fails, naming the intervals."""
    from holonet.codes import happy_code

    code = happy_code(2)
    rep = rt_sweep(code, "product", equality=True)
    assert not rep.ok and len(rep.failures) == rep.n_strict > 0
    assert "S(A) =" in rep.failures[0] and "min cut" in rep.failures[0]
    with pytest.raises(VerificationError, match="min cut"):
        rep.raise_if_failed()
