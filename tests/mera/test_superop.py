"""Ascending/descending superoperators and scaling dimensions."""

from __future__ import annotations

import numpy as np
import pytest

from holonet.mera import MERA, ascend, descend, scaling_dimensions, scaling_superoperator
from tests.mera._ising import multiset_distance


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


# ---------------------------------------------------------------------------------------
# The redundant (null) densities and the physical subspace

def _telescoping(period: int, width: int, d: int) -> np.ndarray:
    """Columns: the densities ``b⊗1`` (class c) ``- 1⊗b`` (class c-1) for every basis
    operator ``b`` on ``width - 1`` sites, built directly with Kronecker products."""
    nb = d ** (width - 1)
    n = d ** width
    cols = []
    for c in range(period):
        for i in range(nb * nb):
            b = np.zeros(nb * nb)
            b[i] = 1.0
            b = b.reshape(nb, nb)
            v = np.zeros((period, n, n))
            v[c] += np.kron(b, np.eye(d))
            v[(c - 1) % period] -= np.kron(np.eye(d), b)
            # matrices (rows = out, columns = in) to the op[out..., in...] layout
            cols.append(v.reshape((period,) + (d,) * (2 * width)).reshape(-1))
    return np.array(cols).T


def _placed(o: np.ndarray, start: int, width: int, n_sites: int, d: int) -> np.ndarray:
    """A ``width``-site matrix acting on sites ``start, start+1, ...`` (periodic) of a ring."""
    sites = [(start + j) % n_sites for j in range(width)]
    rest = [s for s in range(n_sites) if s not in sites]
    big = np.kron(o, np.eye(d ** (n_sites - width))).reshape((d,) * (2 * n_sites))
    inv = list(np.argsort(sites + rest))
    return big.transpose(inv + [n_sites + x for x in inv]).reshape(d ** n_sites, -1)


@pytest.mark.parametrize("kind,width,d", [("ternary", 2, 2), ("ternary", 2, 3), ("binary", 3, 2),
                                          ("modified_binary", 2, 2),
                                          ("modified_binary", 2, 3)])
def test_physical_subspace_is_the_complement_of_the_telescoping_densities(kind, width, d):
    from holonet.mera import physical_subspace

    ps = physical_subspace(kind, width, d)
    period = 2 if kind == "modified_binary" else 1
    null = _telescoping(period, width, d)
    rank = np.linalg.matrix_rank(null)
    assert rank == period * d ** (2 * (width - 1)) - 1
    assert ps.full_size == null.shape[0] and ps.size == ps.full_size - rank
    # Q† kills every telescoping density, and Q has orthonormal columns
    restricted = np.column_stack([ps.restrict(col) for col in null.T])
    assert np.abs(restricted).max() < 1e-12
    q = np.column_stack([ps.embed(e) for e in np.eye(ps.size)])
    np.testing.assert_allclose(q.T @ q, np.eye(ps.size), atol=1e-12)
    assert np.abs(q.T @ null).max() < 1e-12


@pytest.mark.parametrize("period,width,n_sites", [(1, 2, 5), (2, 2, 6), (1, 3, 6)])
def test_null_subspace_is_the_kernel_of_the_total_operator(period, width, n_sites):
    """Independent check of *which* densities are redundant: on a ring, the densities
    whose total operator sum_x o(x..x+width-1) vanishes are exactly the null ones."""
    from holonet.mera import physical_subspace

    d = 2
    n = d ** (2 * width)
    cols = []
    for c in range(period):
        for e in range(n):
            o = np.zeros(n)
            o[e] = 1.0
            o = o.reshape(d ** width, d ** width)
            cols.append(sum(_placed(o, s, width, n_sites, d)
                            for s in range(c, n_sites, period)).reshape(-1))
    # density -> total operator on the ring (a (d**w, d**w) matrix flattened is the
    # op[out..., in...] layout of holonet's densities)
    total = np.array(cols).T
    _, s, vh = np.linalg.svd(total, full_matrices=False)
    kernel = vh[int((s > 1e-9).sum()):]
    kind = "modified_binary" if period == 2 else ("binary" if width == 3 else "ternary")
    ps = physical_subspace(kind, width, d)
    assert kernel.shape[0] == ps.full_size - ps.size
    assert max(np.abs(ps.restrict(k)).max() for k in kernel) < 1e-10


@pytest.mark.parametrize("kind", ["binary", "ternary", "modified_binary"])
def test_full_spectrum_is_physical_plus_null(kind):
    """The null subspace is invariant, and the density map's spectrum splits into the
    physical one (what scaling_dimensions reports) and the null one, computed here
    from an orthonormal basis of the telescoping densities."""
    chi = 2
    m = MERA.rand(kind, chi=chi, d=chi, scale_invariant=True, layers=1, seed=3)
    width = 3 if kind == "binary" else 2
    period = 2 if kind == "modified_binary" else 1
    op = scaling_superoperator(m)
    full = np.column_stack([op.matvec(e) for e in np.eye(op.shape[0])])
    u, s, _ = np.linalg.svd(_telescoping(period, width, chi), full_matrices=False)
    null = u[:, s > 1e-10]
    rest = np.linalg.svd(null, full_matrices=True)[0][:, null.shape[1]:]
    assert np.abs(rest.T @ full @ null).max() < 1e-12  # A maps null densities to null ones
    lam_null = np.linalg.eigvals(null.T @ full @ null)
    lam_phys = np.linalg.eigvals(np.column_stack(
        [scaling_superoperator(m, physical=True).matvec(e)
         for e in np.eye(op.shape[0] - null.shape[1])]))
    lam_full = np.linalg.eigvals(full)
    assert multiset_distance(np.concatenate([lam_null, lam_phys]), lam_full) < 1e-9
    _, lam = scaling_dimensions(m, len(lam_phys), return_eigenvalues=True)
    np.testing.assert_allclose(np.sort(np.abs(lam)), np.sort(np.abs(lam_phys)), atol=1e-10)
    if kind == "modified_binary":
        # the null pair "1 on even bonds - 1 on odd bonds" has lambda = -1/2 exactly: the
        # spurious Delta = 1 that scaling_dimensions(subspace="all") still shows
        assert np.min(np.abs(lam_null + 0.5)) < 1e-12
        d_all = scaling_dimensions(m, 40, subspace="all")
        assert np.min(np.abs(d_all - 1.0)) < 1e-12


def test_incomplete_windows_are_refused():
    m = MERA.rand("binary", chi=2, scale_invariant=True, layers=1, seed=0)
    with pytest.raises(ValueError, match="width 3"):
        scaling_dimensions(m, width=2)
    with pytest.raises(ValueError, match="width"):
        ascend(m, np.eye(4))
    with pytest.raises(ValueError, match="unknown subspace"):
        scaling_dimensions(m, subspace="positive")
    with pytest.raises(ValueError, match="n must be >= 1"):
        scaling_dimensions(m, 0)


@pytest.mark.parametrize("kind", ["binary", "ternary", "modified_binary"])
def test_complex_eigenvalues_come_in_conjugate_pairs_with_equal_dimensions(kind):
    """A random MERA has complex eigenvalues; each gives Delta = -log_b |lambda|, and its
    conjugate (the conjugate eigen-operator) the same Delta."""
    m = MERA.rand(kind, chi=2, d=2, scale_invariant=True, layers=1, seed=3)
    d, lam = scaling_dimensions(m, 12, return_eigenvalues=True)
    b = 3 if kind == "ternary" else 2
    np.testing.assert_allclose(d, -np.log(np.abs(lam)) / np.log(b), atol=1e-12)
    assert np.all(np.diff(d) >= -1e-12)  # ascending
    complex_ = [i for i in range(len(lam) - 1) if abs(lam[i].imag) > 1e-9]
    assert complex_  # the case is exercised
    for i in complex_:
        j = int(np.argmin(np.abs(lam - lam[i].conj())))
        assert j != i and abs(lam[j] - lam[i].conj()) < 1e-9 and abs(d[j] - d[i]) < 1e-9
