"""The bad-input sweep, kept as tests: every case closes a class of defects.

Each case names an entry point and a bad input and asserts the exception type
and that the message names the parameter (and, where it helps, the bad value).
Verification checks must *fail* on corrupt data (NaN/inf), naming the tensor;
expensive entry points refuse in well under a second with the predicted size
and the override. Cases in other areas (attention, nn, mera, decode, distance)
are tested beside those modules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from holonet import verify
from holonet._options import (
    nonfinite,
)
from holonet.codes import happy_code, is_perfect, perfect_tensor


@pytest.fixture(scope="module")
def happy2() -> Any:
    return happy_code(2)


@pytest.fixture(scope="module")
def happy1() -> Any:
    return happy_code(1)


# ------------------------------------------------------------------ NaN / inf must fail
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_isometry_of_a_nonfinite_array_fails_and_names_it(bad: float) -> None:
    rep = verify.isometry(np.full((4, 2), bad))
    assert not rep.ok
    assert "non-finite" in rep.explain() and "tensor '#0'" in rep.explain()
    assert str(bad) in rep.explain()
    with pytest.raises(AssertionError):
        verify.assert_isometry(np.full((4, 2), bad))


def test_isometry_one_nan_entry_is_enough() -> None:
    q, _ = np.linalg.qr(np.random.default_rng(1).normal(size=(8, 2)))
    q[5, 1] = np.nan
    rep = verify.isometry(q)
    assert not rep.ok and "(5, 1)" in rep.explain()


def test_happy_network_with_a_nan_tensor_fails_naming_the_tile() -> None:
    code = happy_code(2)
    tn = code.to_tensor_network()
    victim = tn.tensors[3]
    victim.modify(data=np.where(np.arange(victim.data.size).reshape(victim.data.shape) == 7,
                                np.nan, victim.data))
    rep = verify.isometry(tn, inputs=code.bulk_legs, outputs=code.boundary_legs)
    assert not rep.ok
    name = next(t for t in victim.tags if t.startswith("TILE"))
    assert f"tensor {name!r}" in rep.explain() and "nan" in rep.explain()


def test_mera_with_a_nan_tensor_fails() -> None:
    from holonet.mera import MERA

    m = MERA.rand("binary", n_sites=8, chi=2, seed=0)
    tn_before = verify.isometry(m)
    assert tn_before.ok
    w = m._w[0]
    w = w[0] if isinstance(w, list) else w
    w[...] = np.nan
    rep = verify.isometry(m)
    assert not rep.ok and "non-finite" in rep.explain()


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_perfectness_checks_fail_on_nonfinite(bad: float) -> None:
    T = perfect_tensor("513").data.copy()
    assert is_perfect(T) and verify.is_perfect_array(T)[0]
    T[0, 1, 0, 1, 0, 1] = bad
    assert is_perfect(T) is False
    ok, dev, _ = verify.is_perfect_array(T)
    assert ok is False and not dev <= 1.0
    assert is_perfect(np.full((2, 2, 2, 2), bad)) is False
    assert verify.is_perfect_array(np.full((2, 2, 2, 2), bad))[0] is False


@pytest.mark.parametrize("fn", [is_perfect, verify.is_perfect_array], ids=["is_perfect",
                                                                         "is_perfect_array"])
@pytest.mark.parametrize("value", ["abc", None, b"xy"])
def test_perfectness_checks_refuse_non_arrays(fn: Callable[..., Any], value: Any) -> None:
    with pytest.raises(TypeError, match="must be a numeric array"):
        fn(value)


@pytest.mark.parametrize("fn", [is_perfect, verify.is_perfect_array], ids=["is_perfect",
                                                                         "is_perfect_array"])
def test_perfectness_tol_must_be_finite(fn: Callable[..., Any]) -> None:
    T = perfect_tensor("513").data
    for tol in (float("nan"), -1.0):
        with pytest.raises(ValueError, match="tol"):
            fn(T, tol=tol)


@pytest.mark.parametrize("tol", [float("nan"), -1e-3])
def test_isometry_tol_is_checked(tol: float) -> None:
    with pytest.raises(ValueError, match="tol"):
        verify.isometry(np.eye(2), tol=tol)


def test_isometry_refuses_strings_and_bad_axes() -> None:
    with pytest.raises(TypeError, match="network_or_array"):
        verify.isometry("abc")
    with pytest.raises(TypeError, match="inputs .*integer"):
        verify.isometry(np.ones((2, 2, 2)), inputs=[0.5])
    with pytest.raises(ValueError, match="inputs .*out of range"):
        verify.isometry(np.ones((2, 2, 2)), inputs=[3])


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 3), st.integers(1, 3), st.sampled_from([np.nan, np.inf, -np.inf]),
       st.data())
def test_isometry_never_passes_with_a_nonfinite_entry(r: int, c: int, bad: float,
                                                      data: st.DataObject) -> None:
    rows = r + c  # an isometry needs rows >= columns
    q, _ = np.linalg.qr(np.random.default_rng(r * 7 + c).normal(size=(rows, c)))
    i = data.draw(st.integers(0, rows - 1))
    j = data.draw(st.integers(0, c - 1))
    q[i, j] = bad
    assert not verify.isometry(q).ok


def test_nonfinite_helper_names_the_first_bad_entry() -> None:
    assert nonfinite(np.arange(3)) is None
    assert "index (1,)" in str(nonfinite(np.array([0.0, np.inf])))


def test_tiling_verify_fails_on_nan_coordinates() -> None:
    from holonet._errors import VerificationError
    from holonet.geometry import HyperbolicTiling

    t = HyperbolicTiling(5, 4, 2)
    t.verify()
    t.vertex_array[3, 0] = np.nan + 0j  # a corrupt corner must not slip through
    with pytest.raises(VerificationError, match="corner positions differ by"):
        t.verify()
    with pytest.raises(ValueError, match="tol must be a finite number"):
        HyperbolicTiling(5, 4, 2).verify(tol=float("nan"))


def test_threshold_expectation_fails_on_nan_tolerance(happy1: Any) -> None:
    rep = verify.erasure_threshold([happy_code(1, variant="single"), happy_code(2,
                                    variant="single")], [0.2, 0.4, 0.6], 60, progress=False,
                                   expect=(0.5, float("nan")))
    assert not rep.ok
