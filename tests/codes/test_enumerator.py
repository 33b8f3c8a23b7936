"""Network weight enumerators of HaPPY codes against brute force in the stabilizer view."""

from __future__ import annotations

import numpy as np
import pytest

from holonet.codes import VARIANTS, happy_code
from holonet.codes.enumerator import network_weight_enumerator
from holonet.stabilizer import EnumeratorTooExpensive, macwilliams_transform

#: (layers, convention) of every variant whose stabilizer group (2^(n-k) elements) is
#: small enough to enumerate by brute force in the default suite
FAST = [(layers, conv) for layers in (1, 2) for conv in ("vertex", "edge")]
TOO_BIG = {("single", 2, "vertex"): 34, ("hexagon-state", 2, "vertex"): 42}


def cases():
    for variant in VARIANTS:
        for layers, conv in FAST:
            if (variant, layers, conv) not in TOO_BIG:
                yield variant, layers, conv


@pytest.mark.parametrize(("variant", "layers", "convention"), list(cases()))
def test_network_equals_brute_force(variant, layers, convention):
    code = happy_code(layers, convention=convention, variant=variant)
    net = code.weight_enumerator()
    sc = code.stabilizer_code
    brute = sc.weight_enumerator(method="macwilliams", progress=False)  # A by Gray code
    assert net.A.tolist() == brute.A.tolist()
    # B: independent on both sides (network sum over bulk labels vs MacWilliams of A)
    assert net.B.tolist() == brute.B.tolist()
    net.check()  # sums 2^(n-k), 2^(n+k), A_0 = 1, MacWilliams
    if sc.n + sc.k <= 26:  # the whole normaliser too
        gray = sc.weight_enumerator(method="gray", progress=False)
        assert net.B.tolist() == gray.B.tolist()
    if sc.k:
        assert net.distance() == sc.distance(progress=False)
    else:
        assert net.A.tolist() == net.B.tolist()


@pytest.mark.parametrize(("variant", "convention"), [("single", "vertex"),
                                                     ("hexagon-state", "vertex")])
def test_large_two_layer_codes_are_self_consistent(variant, convention):
    # 2^34 / 2^42 stabilizers: brute force is a --slow test (single) or out of reach
    code = happy_code(2, convention=convention, variant=variant)
    e = code.weight_enumerator()
    e.check()
    assert sum(e.A) == 2 ** (code.n - code.k)
    if code.k:
        assert e.distance() == code.stabilizer_code.distance(progress=False)


@pytest.mark.slow
def test_vertex_single_two_layers_brute_force():
    code = happy_code(2, convention="vertex", variant="single")  # [[35, 1]]: 2^34 elements
    brute = code.stabilizer_code.weight_enumerator(limit=2**40, progress=False)
    assert code.weight_enumerator().A.tolist() == brute.A.tolist()


def test_reference_values_and_dtypes():
    e = happy_code(1).weight_enumerator()
    assert e.A.tolist() == [1, 0, 0, 0, 15, 0]  # [[5,1,3]]: A = 1 + 15 z^4
    e = happy_code(2, convention="edge", variant="single").weight_enumerator()
    assert e.A.dtype == np.int64
    assert e.distance() == 9
    e = happy_code(2, variant="hexagon-state").weight_enumerator()  # n + k = 42
    assert e.A.dtype == np.int64 and sum(int(a) for a in e.A) == 2**42
    e = network_weight_enumerator(happy_code(2, variant="single"))  # n + k = 36
    assert macwilliams_transform(e.A, 1).tolist() == e.B.tolist()


@pytest.mark.parametrize("variant", VARIANTS)
def test_modular_and_kronecker_engines_agree(variant):
    code = happy_code(2, variant=variant)
    kron = network_weight_enumerator(code, arithmetic="kronecker")
    mod = network_weight_enumerator(code, arithmetic="modular")
    assert kron.A.tolist() == mod.A.tolist() and kron.B.tolist() == mod.B.tolist()


def test_three_layer_zero_rate_codes_both_engines():
    # [[75, 1]] and [[95, 1]]: two exact engines, sums and MacWilliams; too large to brute-force
    for kwargs, d in (({"convention": "edge", "variant": "single"}, 13),
                      ({"variant": "zero-rate"}, 19)):
        code = happy_code(3, **kwargs)
        kron = network_weight_enumerator(code, arithmetic="kronecker")
        mod = network_weight_enumerator(code, arithmetic="modular")
        assert kron.A.tolist() == mod.A.tolist() and kron.B.tolist() == mod.B.tolist()
        kron.check()
        assert kron.distance() == d


def test_guard_refuses_before_contracting():
    with pytest.raises(EnumeratorTooExpensive, match=r"\[\[95, 51\]\].*limit="):
        happy_code(3).weight_enumerator(limit=1e6)
    with pytest.raises(ValueError, match="unknown enumerator arithmetic 'fft'"):
        network_weight_enumerator(happy_code(1), arithmetic="fft")
    with pytest.raises(ValueError, match="unknown HaPPY weight enumerator method"):
        happy_code(1).weight_enumerator(method="planqtn")
