"""MERA construction: isometries, tensor network view, parameters, expectation values."""

from __future__ import annotations

import numpy as np
import pytest

from holonet._errors import VerificationError
from holonet.mera import MERA

X = np.array([[0.0, 1.0], [1.0, 0.0]])
Z = np.diag([1.0, -1.0])
CASES = [("binary", 8), ("binary", 16), ("ternary", 9), ("ternary", 18)]


def _rdm_dense(psi: np.ndarray, sites: list[int], n: int, d: int = 2) -> np.ndarray:
    p = psi.reshape((d,) * n)
    others = [i for i in range(n) if i not in sites]
    st = np.transpose(p, list(sites) + others).reshape(d ** len(sites), -1)
    return st @ st.conj().T


def _dense_expectation(psi: np.ndarray, op: np.ndarray, sites: list[int], n: int) -> float:
    return float(np.real(np.trace(_rdm_dense(psi, sites, n) @ op)))


@pytest.mark.parametrize("kind", ["binary", "ternary", "modified_binary"])
@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_rand_is_isometric(kind, dtype):
    n = {"binary": 16, "ternary": 9, "modified_binary": 16}[kind]
    m = MERA.rand(kind, n_sites=n, chi=4, dtype=dtype, seed=1)
    rep = m.check_isometric()
    assert rep.ok, rep.explain()
    assert rep.whole is not None and rep.whole < 1e-10
    assert m.to_dense().dtype == np.dtype(dtype)


def test_scale_invariant_rand_is_isometric():
    m = MERA.rand("modified_binary", chi=4, d=4, scale_invariant=True, layers=3, seed=0)
    assert m.check_isometric().ok
    assert m.layer_arrays()[-1]["V"].shape == (4, 4, 4)
    fin = m.to_finite(16, seed=0)
    assert fin.check_isometric().ok and fin.n_sites == 16


@pytest.mark.parametrize("kind,n", [("binary", 8), ("ternary", 9), ("modified_binary", 8)])
def test_perturbed_tensor_fails_with_its_name(kind, n):
    m = MERA.rand(kind, n_sites=n, chi=3, seed=2)
    params = m.pack()
    params[3] = params[3] + 1e-3  # the fourth stored tensor
    bad = m.unpack(params)
    rep = bad.check_isometric()
    assert not rep.ok
    names = [t.name for t in rep.failures]
    assert len(names) == 1
    assert names[0] in rep.explain()
    assert "isometry violated at tensor" in rep.explain()
    with pytest.raises(VerificationError, match=names[0]):
        bad.assert_isometric()
    fixed = bad.isometrize()
    assert fixed.check_isometric().ok
    assert not bad.check_isometric().ok  # isometrize() is pure
    bad.isometrize_()
    assert bad.check_isometric().ok


def test_pack_unpack_roundtrip_and_shapes():
    m = MERA.rand("binary", n_sites=16, chi=4, seed=3)
    params = m.pack()
    m2 = m.unpack([p.copy() for p in params])
    assert all(np.array_equal(a, b) for a, b in zip(m2.pack(), params, strict=True))
    np.testing.assert_allclose(m2.to_dense(), m.to_dense())
    with pytest.raises(ValueError, match="expected"):
        m.unpack(params[:-1])
    with pytest.raises(ValueError, match="shape"):
        m.unpack([np.zeros(3)] + params[1:])


def test_tensor_network_tags_and_names():
    m = MERA.rand("binary", n_sites=16, chi=4, seed=0)
    tn = m.to_tensor_network()
    assert len(tn.select_tensors("U")) == 8 + 4 + 2
    assert len(tn.select_tensors("W")) == 8 + 4 + 2
    t = tn.select_tensors("U3,1", which="all")
    assert len(t) == 1 and {"U", "LAYER3"} <= set(t[0].tags)
    assert t[0].inds == ("b2,3", "b2,0", "m3,3", "m3,0")
    assert set(tn.outer_inds()) == {f"k{i}" for i in range(16)}
    # quimb's own contraction of the whole network agrees with holonet's
    psi = tn.contract(all, output_inds=[f"k{i}" for i in range(16)]).data.reshape(-1)
    np.testing.assert_allclose(psi, m.to_dense(), atol=1e-12)


@pytest.mark.parametrize("kind,n", CASES)
def test_random_mera_rdm_matches_dense(kind, n):
    m = MERA.rand(kind, n_sites=n, chi=4, seed=7)
    psi = m.to_dense()
    assert abs(np.linalg.norm(psi) - 1) < 1e-12
    for sites in ([0], [n - 1, 0], [2, 3, 4], [1, n // 2]):
        r = m.reduced_density_matrix(sites).reshape(2 ** len(sites), -1)
        np.testing.assert_allclose(r, _rdm_dense(psi, sites, n), atol=1e-12)


def _product_state_mera(kind: str, n: int, rng: np.random.Generator):
    """Identity disentanglers; bottom isometries send |0> to a random product state."""
    m = MERA(kind, n_sites=n, chi=4)
    b = m.branching
    states = [v / np.linalg.norm(v) for v in rng.standard_normal((n, 2))]
    g = m.geometry(1)
    params = m.pack()
    n_u = len(g.disentanglers)
    for j, fine in enumerate(g.isometries):
        col = states[fine[0]]
        for i in fine[1:]:
            col = np.kron(col, states[i])
        rest = rng.standard_normal((2 ** b, m.dims[1] - 1))
        q, _ = np.linalg.qr(np.column_stack([col, rest]))
        q[:, 0] *= np.sign(q[:, 0] @ col)
        params[n_u + j] = q.reshape((2,) * b + (m.dims[1],))
    psi = states[0]
    for v in states[1:]:
        psi = np.kron(psi, v)
    return m.unpack(params), psi


@pytest.mark.parametrize("kind,n", CASES)
def test_product_state_mera_matches_state_vector(kind, n, rng):
    m, psi = _product_state_mera(kind, n, rng)
    assert m.check_isometric().ok
    np.testing.assert_allclose(m.to_dense(), psi, atol=1e-12)
    for op, sites in [(Z, [3]), (X, [n - 1]), (np.kron(Z, X), [2, 3]), (np.kron(X, X), [n - 1, 0]),
                      (np.kron(np.kron(Z, Z), X), [4, 5, 6])]:
        expected = _dense_expectation(psi, op, sites, n)
        assert m.expectation(op, sites) == pytest.approx(expected, abs=1e-12)


def _ghz_mera(kind: str, n: int):
    """|0> -> |0...0>, |1> -> |1...1> in every isometry; top in (|0..0> + |1..1>)/sqrt2."""
    m = MERA(kind, n_sites=n, chi=2)
    b = m.branching
    params = m.pack()
    k = 0
    for l in range(1, m.n_layers + 1):
        g = m.geometry(l)
        k += len(g.disentanglers)
        for _ in range(g.n_coarse):
            w = np.zeros((2,) * b + (2,))
            w[(0,) * b + (0,)] = 1.0
            w[(1,) * b + (1,)] = 1.0
            params[k] = w
            k += 1
    top = np.zeros((2,) * m.top_sites)
    top[(0,) * m.top_sites] = top[(1,) * m.top_sites] = 2 ** -0.5
    params[-1] = top
    return m.unpack(params)


@pytest.mark.parametrize("kind,n", CASES)
def test_ghz_mera_matches_state_vector(kind, n):
    m = _ghz_mera(kind, n)
    assert m.check_isometric().ok
    psi = np.zeros(2 ** n)
    psi[0] = psi[-1] = 2 ** -0.5
    np.testing.assert_allclose(m.to_dense(), psi, atol=1e-12)
    for op, sites, val in [(np.kron(Z, Z), [0, n - 1], 1.0), (Z, [5], 0.0),
                           (np.kron(X, X), [1, 2], 0.0), (np.kron(Z, Z), [2, 7], 1.0)]:
        assert _dense_expectation(psi, op, sites, n) == pytest.approx(val, abs=1e-12)
        assert m.expectation(op, sites) == pytest.approx(val, abs=1e-12)
    r = m.reduced_density_matrix([0, 4]).reshape(4, 4)
    np.testing.assert_allclose(r, _rdm_dense(psi, [0, 4], n), atol=1e-12)


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown MERA kind"):
        MERA("quaternary", n_sites=8)
    with pytest.raises(ValueError, match="divisible"):
        MERA("ternary", n_sites=10)
    with pytest.raises(ValueError, match="needs n_sites or layers"):
        MERA("binary")
    with pytest.raises(ValueError, match="to_finite"):
        MERA("binary", chi=2, scale_invariant=True).to_tensor_network()
    with pytest.raises(TypeError, match="chi must be an integer"):
        MERA("binary", n_sites=8, chi=2.5)  # type: ignore[arg-type]


def test_verify_isometry_integration():
    """Through holonet.verify.isometry (the verification subpackage) when it exists."""
    from holonet import verify
    m = MERA.rand("binary", n_sites=8, chi=4, seed=4)
    tn = m.to_tensor_network(top=False)
    top = [f"b{m.n_layers},{j}" for j in range(m.top_sites)]
    phys = [f"k{i}" for i in range(8)]

    def upper_legs(t):
        if "U" in t.tags:
            return t.inds[2:]
        if "W" in t.tags:
            return t.inds[-1:]
        return None

    rep = verify.isometry(tn, inputs=top, outputs=phys, tensor_inputs=upper_legs)
    assert rep.ok, rep.explain()
    params = m.pack()
    params[2] = params[2] * 1.01  # U1,2
    bad = m.unpack(params).to_tensor_network(top=False)
    rep = verify.isometry(bad, inputs=top, outputs=phys, tensor_inputs=upper_legs)
    assert not rep.ok
    assert "U1,2" in rep.explain()


@pytest.mark.parametrize("kind,n", [("binary", 8), ("ternary", 9), ("modified_binary", 8)])
def test_verify_isometry_takes_a_mera_directly(kind, n):
    from holonet.verify import isometry

    m = MERA.rand(kind, n_sites=n, chi=2, seed=1)
    rep = isometry(m)
    assert rep.ok, rep.explain()
    params = m.pack()
    params[0] = params[0] * 1.05
    rep = isometry(m.unpack(params))
    assert not rep.ok
    assert "U1,0" in rep.explain()
