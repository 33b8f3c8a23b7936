"""Ascending/descending superoperators and scaling dimensions."""

from __future__ import annotations

import numpy as np
import pytest

from holonet.mera import MERA, ascend, descend, scaling_dimensions, scaling_superoperator


def _rand_density(rng, dim, k):
    a = rng.standard_normal((dim ** k, dim ** k))
    r = a @ a.T
    return (r / np.trace(r)).reshape((dim,) * (2 * k))


def _rand_op(rng, dim, k):
    a = rng.standard_normal((dim ** k, dim ** k))
    return (a + a.T).reshape((dim,) * (2 * k))


def _tr(r, o):
    k = r.ndim // 2
    n = int(np.prod(r.shape[:k]))
    return float(np.trace(r.reshape(n, n) @ o.reshape(n, n)))


@pytest.mark.parametrize("kind,width", [("binary", 3), ("ternary", 2), ("ternary", 1),
                                        ("modified_binary", 2)])
def test_descend_is_the_adjoint_of_ascend(kind, width, rng):
    m = MERA.rand(kind, chi=3, d=3, scale_invariant=True, layers=1, seed=1)
    period = 2 if kind == "modified_binary" else 1
    rho = [_rand_density(rng, 3, width) for _ in range(period)]
    op = [_rand_op(rng, 3, width) for _ in range(period)]
    a = ascend(m, op if period == 2 else op[0])
    d = descend(m, rho if period == 2 else rho[0])
    a = a if period == 2 else [a]
    d = d if period == 2 else [d]
    lhs = sum(_tr(x, y) for x, y in zip(d, op, strict=True))
    rhs = sum(_tr(x, y) for x, y in zip(rho, a, strict=True))
    assert lhs == pytest.approx(rhs, rel=1e-10)
    # descending preserves trace and positivity
    for x in d:
        n = 3 ** width
        mat = x.reshape(n, n)
        assert np.trace(mat) == pytest.approx(1.0)
        assert np.linalg.eigvalsh(0.5 * (mat + mat.T)).min() > -1e-12


@pytest.mark.parametrize("kind,width", [("binary", 3), ("ternary", 2), ("ternary", 1)])
def test_ascend_maps_identity_to_identity(kind, width):
    m = MERA.rand(kind, chi=2, scale_invariant=True, layers=2, seed=0)
    one = np.eye(2 ** width).reshape((2,) * (2 * width))
    np.testing.assert_allclose(ascend(m, one, layer=1), one, atol=1e-12)
    dims = scaling_dimensions(m, 3, width=width)
    assert dims[0] == pytest.approx(0.0, abs=1e-10)
    assert np.all(dims >= -1e-10)  # a unital CP map has |lambda| <= 1


def _rdm(psi, sites, n):
    p = psi.reshape((2,) * n)
    others = [i for i in range(n) if i not in sites]
    st = np.transpose(p, list(sites) + others).reshape(2 ** len(sites), -1)
    return (st @ st.conj().T).reshape((2,) * (2 * len(sites)))


def test_modified_binary_class_averages_match_dense_state():
    """The pair of averaged bond density matrices, descended layer by layer through
    the superoperator, equals the position average of the dense state's rdms."""
    m = MERA.rand("modified_binary", n_sites=16, chi=2, translation_invariant=True, seed=5)
    psi = m.to_dense()
    # top level: classes are read relative to the (shifted) cell of a next layer
    top = m.top.reshape(-1)
    rho = [_rdm(top, [1, 0], 2), _rdm(top, [0, 1], 2)]
    for layer in range(m.n_layers, 0, -1):
        rho = descend(m, rho, layer=layer)
    even = sum(_rdm(psi, [i, i + 1], 16) for i in range(0, 16, 2)) / 8
    odd = sum(_rdm(psi, [i, (i + 1) % 16], 16) for i in range(1, 16, 2)) / 8
    np.testing.assert_allclose(rho[0], even, atol=1e-12)
    np.testing.assert_allclose(rho[1], odd, atol=1e-12)


def test_ternary_averages_match_dense_state():
    m = MERA.rand("ternary", n_sites=18, chi=2, translation_invariant=True, seed=2)
    psi = m.to_dense()
    top = m.top.reshape(-1)
    rho = (_rdm(top, [0, 1], 2) + _rdm(top, [1, 0], 2)) / 2
    for layer in range(m.n_layers, 0, -1):
        rho = descend(m, rho, layer=layer)
    avg = sum(_rdm(psi, [i, (i + 1) % 18], 18) for i in range(18)) / 18
    np.testing.assert_allclose(rho, avg, atol=1e-12)


def test_scaling_superoperator_shape_and_errors():
    m = MERA.rand("modified_binary", chi=2, d=2, scale_invariant=True, layers=1, seed=0)
    assert scaling_superoperator(m).shape == (2 * 16, 2 * 16)
    fin = MERA.rand("binary", n_sites=8, chi=2, seed=0)
    with pytest.raises(ValueError, match="translation-invariant"):
        ascend(fin, np.eye(8))
    with pytest.raises(ValueError, match="width"):
        scaling_dimensions(MERA.rand("ternary", chi=2, scale_invariant=True, seed=0), width=3)
