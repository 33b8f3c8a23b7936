"""The bad-input sweep, kept as tests: every case closes a class of defects.

Each case names an entry point and a bad input and asserts the exception type
and that the message names the parameter (and, where it helps, the bad value).
Verification checks must *fail* on corrupt data (NaN/inf), naming the tensor;
expensive entry points refuse in well under a second with the predicted size
and the override. Cases in other areas (attention, nn, mera, decode, distance)
are tested beside those modules.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from holonet import verify
from holonet._options import (
    WorkTooLarge,
    check_indices,
    check_mask,
    check_rate,
    check_rates,
    check_seed,
    check_shots,
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


@settings(max_examples=40, deadline=None, derandomize=True)
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


# ------------------------------------------------------------------ size guards refuse fast
def _refuses_fast(fn: Callable[[], Any], exc: type[BaseException], *words: str) -> str:
    """``fn()`` raises ``exc`` naming ``words``, within 1 s of this process's CPU time.

    CPU time, not wall time, so that other work on a shared machine cannot make it
    flaky; the guarded calls would otherwise run for minutes to days (or exhaust memory).
    """
    t0 = time.process_time()
    with pytest.raises(exc) as info:
        fn()
    took = time.process_time() - t0
    msg = str(info.value)
    for w in words:
        assert w in msg, (w, msg)
    assert took < 1.0, f"the guard took {took:.2f} s of CPU time"
    return msg


def test_erasure_exhaustive_guard(happy2: Any) -> None:
    c3 = happy_code(3)
    msg = _refuses_fast(lambda: verify.erasure_exhaustive(c3, 10), WorkTooLarge,
                        "C(95,10)", "max_patterns=")
    assert "1e+13" in msg
    # the override lets a (small) run through
    assert verify.erasure_exhaustive(happy2, 2, max_patterns=300).ok
    with pytest.raises(WorkTooLarge):
        verify.erasure_exhaustive(happy2, 2, max_patterns=299)  # C(25, 2) = 300


def test_sweep_guards() -> None:
    c5 = happy_code(5)
    assert c5.stabilizer_code.n == 1325  # built here: the guards must not need the sweep
    for fn in (verify.rt_sweep, verify.complementary_recovery_sweep):
        _refuses_fast(lambda fn=fn: fn(c5), WorkTooLarge, "1,754,300 intervals", "n = 1325",
                      "max_mask_entries=")
    small = happy_code(1)
    assert verify.rt_sweep(small, max_mask_entries=100).ok  # 5 x 4 intervals x 5 = 100
    with pytest.raises(WorkTooLarge):
        verify.complementary_recovery_sweep(small, max_mask_entries=99)


def test_threshold_shot_guard(happy1: Any) -> None:
    _refuses_fast(lambda: verify.erasure_threshold([happy1], [0.1], 10**10, progress=False),
                  WorkTooLarge, "10,000,000,000 shots", "max_shots=")
    _refuses_fast(lambda: verify.erasure_threshold([happy1, happy1], [0.1, 0.2], 10**6,
                                                   progress=False, max_shots=10**6),
                  WorkTooLarge, "2 codes x 2 rates", "max_shots=")


def test_happy_guards() -> None:
    code = happy_code(8)  # the code itself is cheap; its stabilizer view is not
    _refuses_fast(lambda: code.stabilizer_code, WorkTooLarge, "n = 68,875", "GiB",
                  "memory_limit=")
    assert happy_code(2, memory_limit="1M").stabilizer_code.n == 25
    with pytest.raises(WorkTooLarge, match="memory_limit="):
        _ = happy_code(2, memory_limit=1000).stabilizer_code
    _refuses_fast(lambda: happy_code(11), ValueError, "2,067,011 tiles", "max_tiles=200,000")
    _refuses_fast(lambda: happy_code(10**9, variant="zero-rate"), ValueError, "max_tiles")
    with pytest.raises(ValueError, match="memory limit"):
        happy_code(1, memory_limit=float("nan"))


@pytest.mark.parametrize("layers", [10**9, 10**6, 40])
def test_tiling_guard_refuses_huge_layer_counts(layers: int) -> None:
    from holonet.geometry import HyperbolicTiling

    _refuses_fast(lambda: HyperbolicTiling(5, 4, layers), ValueError, "max_tiles")
    _refuses_fast(lambda: HyperbolicTiling(7, 3, layers, convention="edge"), ValueError,
                  "max_tiles")
    _refuses_fast(lambda: HyperbolicTiling.pentahexagonal(layers), ValueError, "max_tiles")


def test_explorer_page_guard(tmp_path: Any) -> None:
    from holonet.cli import main
    from holonet.viz.explorer import explorer

    c5 = happy_code(5)
    out = tmp_path / "e.html"
    _refuses_fast(lambda: explorer(c5, out), WorkTooLarge, "21,200 intervals", "MiB",
                  "max_bytes=")
    assert not out.exists()
    assert main(["explore", "happy", "--layers", "5", "-o", str(out)]) == 2
    assert not out.exists()


# ------------------------------------------------------------------ rates, shots, seeds
@pytest.mark.parametrize("p", [2.0, -0.1, float("nan"), float("inf")])
def test_verify_code_refuses_bad_rates(happy1: Any, p: float) -> None:
    with pytest.raises(ValueError, match="erasure_p"):
        verify.verify_code(happy1, erasure_p=p)


@pytest.mark.parametrize("p", [[2.0], [float("nan")], [0.1, float("nan")], [-0.5, 0.5], []])
def test_threshold_refuses_bad_rates(happy1: Any, p: list[float]) -> None:
    with pytest.raises(ValueError, match="p_values"):
        verify.erasure_threshold([happy1], p, 10, progress=False)


@pytest.mark.parametrize("entry", ["verify_code", "erasure_threshold", "erasure_sample"])
@pytest.mark.parametrize("shots, exc", [(0, ValueError), (-5, ValueError), (2.5, TypeError),
                                        (True, TypeError)])
def test_shots_are_checked(happy1: Any, entry: str, shots: Any, exc: type) -> None:
    from holonet.verify.suite import erasure_sample

    call = {"verify_code": lambda: verify.verify_code(happy1, erasure_shots=shots),
            "erasure_threshold": lambda: verify.erasure_threshold([happy1], [0.1], shots,
                                                                  progress=False),
            "erasure_sample": lambda: erasure_sample(happy1, shots=shots)}[entry]
    with pytest.raises(exc, match="shots"):
        call()


@pytest.mark.parametrize("seed, exc", [(-1, ValueError), (1.5, TypeError), ("0", TypeError)])
def test_seeds_are_checked(happy1: Any, seed: Any, exc: type) -> None:
    with pytest.raises(exc, match="seed must be a non-negative integer"):
        verify.verify_code(happy1, seed=seed)
    with pytest.raises(exc, match="seed must be a non-negative integer"):
        verify.erasure_threshold([happy1], [0.1], 10, seed=seed, progress=False)


def test_threshold_other_arguments(happy1: Any) -> None:
    with pytest.raises(ValueError, match="logical"):
        verify.erasure_threshold([happy1], [0.1], 10, logical=3, progress=False)
    with pytest.raises(TypeError, match="logical"):
        verify.erasure_threshold([happy1], [0.1], 10, logical=0.5, progress=False)
    with pytest.raises(ValueError, match="not a bulk leg"):
        verify.erasure_threshold([happy1], [0.1], 10, logical="q9", progress=False)
    with pytest.raises(ValueError, match="expect tol"):
        verify.erasure_threshold([happy1], [0.1], 10, expect=(0.5, float("nan")),
                                 progress=False)
    with pytest.raises(TypeError, match="family"):
        verify.erasure_threshold("abc", [0.1], 10, progress=False)
    with pytest.raises(ValueError, match="strictly increasing"):
        verify.erasure_threshold([happy1], [0.2, 0.1], 10, progress=False)
    with pytest.raises(ValueError, match="one length"):
        verify.crossing([0.1, 0.2], [0.5], [0.3, 0.4])


# ------------------------------------------------------------------ indices and masks
def _region_entries(code: Any) -> dict[str, Callable[[Any], Any]]:
    sc = code.stabilizer_code
    return {
        "StabilizerCode.entropy": sc.entropy,
        "StabilizerCode.is_correctable": sc.is_correctable,
        "StabilizerCode.recoverable_logicals": sc.recoverable_logicals,
        "StabilizerCode.restrict": sc.restrict,
        "verify.erasure": lambda r: verify.erasure(code, r),
        "verify.rt": lambda r: verify.rt(code, r),
        "verify.complementary_recovery": lambda r: verify.complementary_recovery(code, r),
    }


ENTRIES = list(_region_entries(happy_code(1)))


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("region, exc, words", [
    ([0.9, 1.9], TypeError, ("integer", "0.9")),   # would be truncated to [0, 1]
    ([-1], ValueError, ("-1", "out of range")),    # would wrap to the last qubit
    ([5], ValueError, ("5", "out of range")),
    ([float("nan")], TypeError, ("nan",)),
    ("abc", (TypeError, ValueError), ()),
    (None, TypeError, ()),
])
def test_region_indices_are_validated(happy1: Any, entry: str, region: Any, exc: Any,
                                      words: tuple[str, ...]) -> None:
    fn = _region_entries(happy1)[entry]
    with pytest.raises(exc) as info:
        fn(region)
    msg = str(info.value)
    assert "region" in msg or "erased" in msg, msg  # names the parameter
    for w in words:
        assert w in msg, (w, msg)


@pytest.mark.parametrize("entry", ENTRIES)
def test_valid_regions_still_work(happy1: Any, entry: str) -> None:
    fn = _region_entries(happy1)[entry]
    a = fn([0, 1])
    b = fn(np.array([True, True, False, False, False]))
    c = fn(np.array([0, 1], dtype=np.int32))
    for x, y in ((a, b), (a, c)):
        if isinstance(x, np.ndarray):
            assert np.array_equal(x, y)
        elif hasattr(x, "numbers"):
            assert x.ok == y.ok
        else:
            assert x == y


@pytest.mark.parametrize("bad, exc", [(0.5, ValueError), (np.nan, ValueError), (2, ValueError),
                                      ("x", TypeError)])
def test_masks_are_not_coerced_to_true(happy1: Any, bad: Any, exc: type) -> None:
    mask = np.zeros((1, 5), dtype=object if isinstance(bad, str) else float)
    mask[0, 2] = bad
    for fn, name in ((lambda m: verify.decode_erasures(happy1, m), "erased"),
                     (lambda m: verify.entropies(happy1, m), "regions"),
                     (lambda m: verify.min_cuts(happy1, m), "regions")):
        with pytest.raises(exc, match=name):
            fn(mask)
    good = np.zeros((1, 5))
    good[0, :2] = 1
    assert verify.decode_erasures(happy1, good).tolist() == [[True]]


def test_mask_shapes_are_checked(happy1: Any) -> None:
    with pytest.raises(ValueError, match=r"erased must have shape \(B, 5\)"):
        verify.decode_erasures(happy1, [[1, 0, 0]])
    with pytest.raises(TypeError, match="logicals"):
        verify.decode_erasures(happy1, [[1, 0, 0, 0, 0]], logicals=[0.5])


@pytest.mark.parametrize("lengths, exc", [([-1], ValueError), ([0], ValueError),
                                          ([6], ValueError), ([1.5], TypeError),
                                          ([], ValueError), ("12", TypeError)])
def test_sweep_lengths_are_validated(happy1: Any, lengths: Any, exc: type) -> None:
    for fn in (verify.rt_sweep, verify.complementary_recovery_sweep):
        with pytest.raises(exc, match="length"):
            fn(happy1, lengths=lengths)


def test_erasure_exhaustive_logical_index(happy2: Any) -> None:
    for bad, exc in ((-1, ValueError), (11, ValueError), (0.5, TypeError)):
        with pytest.raises(exc, match="logical"):
            verify.erasure_exhaustive(happy2, 2, logical=bad)


@pytest.mark.parametrize("text", ["iX", "-iXZ", "+iZZ", "ixz"])
def test_imaginary_pauli_phase_is_refused(text: str) -> None:
    from holonet.stabilizer.pauli import paulis_to_symplectic

    with pytest.raises(ValueError, match="imaginary phase"):
        paulis_to_symplectic([text])


def test_pauli_parsing_still_accepts_signs_and_lowercase() -> None:
    from holonet.stabilizer.pauli import paulis_to_symplectic

    H, s = paulis_to_symplectic(["-xz", "+IY"])
    assert H.tolist() == [[1, 0, 0, 1], [0, 1, 0, 1]] and s.tolist() == [1, 0]
    with pytest.raises(TypeError, match="n must be an integer"):
        paulis_to_symplectic(["XZ"], n=2.0)


# ------------------------------------------------------------------ shared validators
@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=6))
def test_check_indices_never_accepts_floats(values: list[float]) -> None:
    with pytest.raises(TypeError, match="region"):
        check_indices("region", values, 10)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.integers(-20, 20), min_size=1, max_size=8))
def test_check_indices_accepts_exactly_the_in_range_integers(values: list[int]) -> None:
    if all(0 <= v < 10 for v in values):
        assert check_indices("region", values, 10).tolist() == values
    else:
        with pytest.raises(ValueError, match="out of range"):
            check_indices("region", values, 10)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=3, max_size=3))
def test_check_mask_accepts_only_zero_one(values: list[float]) -> None:
    if all(v in (0.0, 1.0) for v in values):
        assert check_mask("erased", values, 3).tolist() == [v == 1.0 for v in values]
    else:
        with pytest.raises(ValueError, match="erased must be a boolean mask"):
            check_mask("erased", values, 3)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_check_rate_accepts_exactly_the_unit_interval(p: float) -> None:
    if 0.0 <= p <= 1.0:
        assert check_rate("p", p) == p
        assert check_rates("p", [p]).tolist() == [p]
    else:
        with pytest.raises(ValueError, match="p must"):
            check_rate("p", p)
        with pytest.raises(ValueError, match="p must"):
            check_rates("p", [p])


def test_check_shots_and_seed() -> None:
    assert check_shots("shots", 3) == 3
    with pytest.raises(WorkTooLarge, match="max_shots"):
        check_shots("shots", 11, maximum=10, override="max_shots=")
    assert check_seed("seed", np.int64(3)) == 3
    with pytest.raises(TypeError, match="seed"):
        check_seed("seed", True)


# ------------------------------------------------------------------ holonet.contract
def _net(a: Any = None, b: Any = None) -> list[tuple[Any, tuple[str, ...]]]:
    a = np.ones((2, 3)) if a is None else a
    b = np.ones((3, 2)) if b is None else b
    return [(a, ("i", "k")), (b, ("k", "j"))]


@pytest.mark.parametrize("call, exc, words", [
    (lambda c: c([([[1.0, 2.0], [3.0, 4.0]], ("a", "b"))]), TypeError,
     ("tensor 0", "array", "list")),
    (lambda c: c([("abc", ("a",))]), TypeError, ("tensor 0", "str")),
    (lambda c: c([(None, ("a",))]), TypeError, ("tensor 0", "NoneType")),
    (lambda c: c([(np.eye(2), ("a", "a"))]), ValueError, ("tensor 0", "'a' twice")),
    (lambda c: c([(np.eye(2), "ab")]), TypeError, ("legs of tensor 0",)),
    (lambda c: c(_net(), ["i", "i"]), ValueError, ("output", "'i'")),
    (lambda c: c(_net(), "ij"), TypeError, ("output",)),
    (lambda c: c(_net(), optimize="nope"), ValueError, ("optimize='nope'", "'greedy'")),
    (lambda c: c(_net(), optimize=True), TypeError, ("optimize",)),
    (lambda c: c("abc"), TypeError, ("network",)),
    (lambda c: c(5), TypeError, ("network",)),
    (lambda c: c([]), ValueError, ("empty",)),
], ids=["list", "str", "None", "duplicate-leg", "legs-str", "dup-output", "output-str",
        "optimize-name", "optimize-bool", "network-str", "network-int", "empty"])
@pytest.mark.parametrize("entry", ["contract", "plan"])
def test_contract_and_plan_messages(entry: str, call: Callable[..., Any], exc: type,
                                    words: tuple[str, ...]) -> None:
    from holonet import contract as C

    fn = C.contract if entry == "contract" else C.plan
    with pytest.raises(exc) as info:
        call(fn)
    for w in words:
        assert w in str(info.value), (w, str(info.value))


def test_contract_refuses_mixed_backends() -> None:
    import torch

    from holonet.contract import contract

    with pytest.raises(TypeError, match="network mixes array backends.*numpy.*torch"):
        contract(_net(b=torch.ones(3, 2, dtype=torch.float64)))
    with pytest.raises(TypeError, match="mixes array backends"):
        contract(_net(a=torch.ones(2, 3, dtype=torch.float64)))
    # one backend throughout still works on both
    assert contract(_net()).shape == (2, 2)
    assert tuple(contract(_net(torch.ones(2, 3), torch.ones(3, 2))).shape) == (2, 2)


@pytest.mark.parametrize("limit, exc", [(float("nan"), ValueError), (float("inf"), ValueError),
                                        (-1, ValueError), (0, ValueError), (True, TypeError),
                                        ([1], TypeError), ("lots", ValueError)])
def test_contract_memory_limit_is_checked(limit: Any, exc: type) -> None:
    from holonet.contract import contract

    with pytest.raises(exc, match="memory limit"):
        contract(_net(), memory_limit=limit)


def test_backend_dtype_names_are_checked() -> None:
    from holonet.backend import asarray

    with pytest.raises(TypeError, match="unknown dtype 'flot32'"):
        asarray([1.0], like="torch", dtype="flot32")


# ------------------------------------------------------------------ geometry and pictures
def test_geometry_inputs() -> None:
    from holonet.geometry import HyperbolicTiling
    from holonet.geometry.poincare import circumradius

    t = HyperbolicTiling(5, 4, 2)
    with pytest.raises(TypeError, match="tile index must be an integer"):
        t.tiles[1.5]
    with pytest.raises(ValueError, match="n must be >= 3"):
        circumradius(0, 1.0)
    with pytest.raises(ValueError, match="interior_angle"):
        circumradius(5, float("nan"))
    with pytest.raises(ValueError, match="interior_angle must be in"):
        circumradius(5, 4.0)


def test_perfect_tensor_legs() -> None:
    with pytest.raises(ValueError, match="legs must be distinct"):
        perfect_tensor("513", legs=("a",) * 6)
    with pytest.raises(TypeError, match="legs must be a sequence"):
        perfect_tensor("513", legs="abcdef")


def test_zero_dimensional_legs_are_named() -> None:
    with pytest.raises(ValueError, match="dimension 0"):
        verify.isometry(np.zeros((4, 0)))
    for fn in (is_perfect, verify.is_perfect_array):
        with pytest.raises(ValueError, match="dimension >= 1"):
            fn(np.zeros((0, 0, 0, 0)))
    with pytest.raises(ValueError, match="dense_limit"):
        verify.isometry(np.eye(2), dense_limit=0)


def test_repr_and_disk_inputs() -> None:
    from matplotlib.figure import Figure

    from holonet.geometry import HyperbolicTiling
    from holonet.viz import disk
    from holonet.viz.repr import code_html, disk_svg, record_html, tiling_html

    t = HyperbolicTiling(5, 4, 2)
    for fn, what in ((tiling_html, "tiling"), (code_html, "code"), (record_html, "record")):
        with pytest.raises(TypeError, match=f"{what} must have"):
            fn("abc")
    with pytest.raises(ValueError, match="size must be >= 1"):
        disk_svg(t, size=0)
    with pytest.raises(ValueError, match="bulk_legs index 100"):
        disk_svg(t, bulk_legs=[100])
    with pytest.raises(TypeError, match="bulk_legs must hold integer"):
        disk_svg(t, bulk_legs=[1.5])
    with pytest.raises(ValueError, match="n must be >= 2"):
        disk.geodesic(0.1, 0.2, n=0)
    with pytest.raises(ValueError, match="edge must be <= 4"):
        disk.edge_midpoint(t, 0, 9)
    with pytest.raises(ValueError, match="samples must be >= 1"):
        disk.tile_outline(t, 0, samples=0)
    ax = Figure().add_subplot()
    with pytest.raises(TypeError, match="tiling must be a HyperbolicTiling"):
        disk.draw_tiling("abc", ax)
    with pytest.raises(ValueError, match="tiles index -1"):
        disk.draw_bulk(t, [-1], ax)
    with pytest.raises(TypeError, match="tile index must be an integer"):
        disk.draw_edges(t, [(0.5, 0)], ax)
    with pytest.raises(TypeError, match="legs must be"):
        disk.draw_legs(t, ax, legs=[100])


# ------------------------------------------------------------------ output paths
def test_check_output_path(tmp_path: Any) -> None:
    from holonet._io import check_output_path

    assert check_output_path(tmp_path / "a" / "b.txt") == tmp_path / "a" / "b.txt"
    assert not (tmp_path / "a").exists(), "checking must not create directories"
    with pytest.raises(IsADirectoryError, match="--out"):
        check_output_path(tmp_path, what="--out")
    (tmp_path / "f").write_text("x")
    with pytest.raises(NotADirectoryError, match="is a file"):
        check_output_path(tmp_path / "f", kind="dir")
    with pytest.raises(NotADirectoryError, match="not a directory"):
        check_output_path(tmp_path / "f" / "g.txt")
    with pytest.raises(PermissionError, match="cannot create a file"):
        check_output_path("/proc/holonet-x/y.json")
    with pytest.raises(ValueError, match="non-empty"):
        check_output_path("")
    with pytest.raises(TypeError, match="must be a path"):
        check_output_path(5)  # type: ignore[arg-type]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f"], "no probe file is left behind"


def test_explorer_checks_its_path_before_the_work(tmp_path: Any) -> None:
    from holonet.viz.explorer import explorer

    calls = []

    def wedge_fn(code: Any, region: list[int]) -> dict[str, list[str]]:
        calls.append(region)
        return {"greedy": [], "exact": [], "cgreedy": [], "cexact": []}

    with pytest.raises(PermissionError):
        explorer(happy_code(1), "/proc/holonet-x.html", wedge_fn=wedge_fn)
    assert not calls


# ------------------------------------------------------------------ GF(2) and Pauli helpers
def test_gf2_and_pauli_helpers_name_the_problem() -> None:
    from holonet.stabilizer import gf2
    from holonet.stabilizer.pauli import pauli_weight, symplectic_to_paulis

    with pytest.raises(ValueError, match="ncols must be in 0..64"):
        gf2.unpack(gf2.pack([[1, 0]]), 100)
    with pytest.raises(ValueError, match="pivot_cols must be in 0..2"):
        gf2.row_reduce([[1, 0]], pivot_cols=5)
    with pytest.raises(ValueError, match="A has 2 columns but B has 1 rows"):
        gf2.matmul([[1, 0]], [[1, 0]])
    with pytest.raises(ValueError, match="even number of columns"):
        pauli_weight([[1, 0, 1]])
    with pytest.raises(ValueError, match="signs has 2 entries for 1 Pauli rows"):
        symplectic_to_paulis([[1, 0]], signs=[0, 1])
    with pytest.raises(ValueError, match="signs must contain only 0 and 1"):
        symplectic_to_paulis([[1, 0]], signs=[2])
    with pytest.raises(TypeError, match="tensor_inputs"):
        verify.isometry(np.eye(2), tensor_inputs=5)
