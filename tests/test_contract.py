"""holonet.contract: equals numpy.einsum on every backend; memory guard; plan cache."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from holonet.backend import asarray, get_backend, to_numpy
from holonet.contract import ContractionTooLarge, contract, plan


def _random_network(rng: np.random.Generator, n_tensors: int = 8, n_open: int = 3):
    """A random connected network: a ring of bonds plus random chords and open legs."""
    legs: list[list[str]] = [[] for _ in range(n_tensors)]
    dims: dict[str, int] = {}
    for i in range(n_tensors):  # ring keeps it connected
        name = f"r{i}"
        legs[i].append(name)
        legs[(i + 1) % n_tensors].append(name)
        dims[name] = int(rng.integers(2, 4))
    for c in range(4):  # chords
        a, b = rng.choice(n_tensors, size=2, replace=False)
        name = f"c{c}"
        legs[a].append(name)
        legs[b].append(name)
        dims[name] = 2
    for o in range(n_open):
        name = f"o{o}"
        legs[int(rng.integers(n_tensors))].append(name)
        dims[name] = int(rng.integers(2, 4))
    arrays = [rng.standard_normal([dims[leg] for leg in ls]) for ls in legs]
    return arrays, [tuple(ls) for ls in legs]


def _einsum_reference(arrays, legs, output):
    symbols = {}
    for ls in legs:
        for leg in ls:
            symbols.setdefault(leg, chr(ord("a") + len(symbols)))
    eq = ",".join("".join(symbols[x] for x in ls) for ls in legs)
    eq += "->" + "".join(symbols[x] for x in output)
    return np.einsum(eq, *arrays, optimize="greedy")


def test_random_8_tensor_network_equals_einsum(backend: str, rng) -> None:
    arrays, legs = _random_network(rng)
    output = ("o2", "o0", "o1")
    expected = _einsum_reference(arrays, legs, output)
    net = [(asarray(a, like=backend), ls) for a, ls in zip(arrays, legs, strict=True)]
    got = contract(net, output)
    assert get_backend(got) == backend  # result stays on the input's backend
    np.testing.assert_allclose(to_numpy(got), expected, rtol=1e-10, atol=1e-10)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 8))
def test_contract_matches_einsum_hypothesis(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    arrays, legs = _random_network(rng, n_tensors=n, n_open=2)
    got = contract(list(zip(arrays, legs, strict=True)), ("o0", "o1"))
    expected = _einsum_reference(arrays, legs, ("o0", "o1"))
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9)


def test_default_output_is_open_legs_in_order_of_appearance() -> None:
    a, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    out = contract([(a, ("x", "k")), (b, ("k", "y"))])
    np.testing.assert_allclose(out, a @ b)


def test_full_contraction_to_scalar() -> None:
    u = np.linalg.qr(np.random.default_rng(1).standard_normal((4, 4)))[0]
    value = contract([(u, ("a", "b")), (u, ("a", "b"))])
    assert np.shape(value) == ()
    assert float(value) == pytest.approx(4.0)


def test_memory_guard_raises_and_names_the_size() -> None:
    # an outer product of two 2^12 vectors: a 2^24-element intermediate
    a = np.ones(2**12)
    with pytest.raises(ContractionTooLarge, match=r"16,777,216 elements") as info:
        contract([(a, ("i",)), (a, ("j",))], memory_limit=2**20)
    assert isinstance(info.value, ValueError)
    assert "stabilizer view" in str(info.value) and "slice" in str(info.value)
    # the same network fits under a larger budget
    assert contract([(a, ("i",)), (a, ("j",))], memory_limit="1G").shape == (2**12, 2**12)


def test_memory_guard_on_torch(backend: str) -> None:
    a = asarray(np.ones(2**10), like=backend)
    with pytest.raises(ContractionTooLarge):
        contract([(a, ("i",)), (a, ("j",))], memory_limit=1000)


def test_plan_is_cached_by_structure(rng) -> None:
    arrays, legs = _random_network(rng)
    net1 = list(zip(arrays, legs, strict=True))
    net2 = [(a * 2.0, ls) for a, ls in net1]
    assert plan(net1) is plan(net2)  # same structure, new data: one plan


def test_quimb_network_input(rng) -> None:
    import quimb.tensor as qtn

    arrays, legs = _random_network(rng, n_open=2)
    tn = qtn.TensorNetwork([qtn.Tensor(a, inds=ls) for a, ls in zip(arrays, legs, strict=True)])
    expected = tn.contract(output_inds=("o0", "o1")).data
    np.testing.assert_allclose(contract(tn, ("o0", "o1")), expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize(
    ("network", "message"),
    [
        ([(np.ones((2, 2)), "ab")], "not the string 'ab'"),
        ([(np.ones((2, 2)), ("a",))], "2 axes but 1 leg names"),
        ([(np.ones(2), ("a",)), (np.ones(3), ("a",))], "inconsistent dimensions"),
        ([], "empty network"),
        ([(np.ones(2), ("a",)), (np.ones(2), ("a",)), (np.ones(2), ("a",))], "appears 3 times"),
    ],
)
def test_bad_networks_raise_clear_errors(network, message) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        contract(network)


def test_bad_output_and_limit() -> None:
    net = [(np.ones(2), ("a",))]
    with pytest.raises(ValueError, match="output leg 'z'"):
        contract(net, ("z",))
    with pytest.raises(ValueError, match="cannot read memory limit 'lots'"):
        contract(net, memory_limit="lots")
