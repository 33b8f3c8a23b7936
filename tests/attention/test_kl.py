"""KL-Gaussian attention: reduction to Mahalanobis softmax, gauge covariance, condensation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import expm
from scipy.stats import multivariate_normal

from holonet.attention import (
    Tree,
    condense,
    gaussian_kl_matrix,
    hsa,
    hsa_dense,
    kl_attention,
    kl_weights,
)
from holonet.backend import asarray, to_numpy


def _spd(rng, n, k):
    a = rng.standard_normal((n, k, k))
    return a @ np.swapaxes(a, -1, -2) + 0.5 * np.eye(k)


def _so(rng, n, k, scale=1.0):
    a = rng.standard_normal((n, k, k)) * scale
    return a - np.swapaxes(a, -1, -2)


def test_kl_matrix_against_monte_carlo_free_closed_form(rng):
    # independent check: KL via scipy's entropy / cross-entropy of two Gaussians
    k = 3
    mu = rng.standard_normal((4, k))
    sigma = _spd(rng, 4, k)
    kl = gaussian_kl_matrix(mu, sigma)
    for i in range(4):
        for j in range(4):
            p = multivariate_normal(mu[i], sigma[i])
            # KL = -H(p) + cross-entropy; cross-entropy of Gaussians in closed form
            pj = np.linalg.inv(sigma[j])
            d = mu[i] - mu[j]
            ce = 0.5 * (k * np.log(2 * np.pi) + np.linalg.slogdet(sigma[j])[1]
                        + np.trace(pj @ sigma[i]) + d @ pj @ d)
            assert abs(kl[i, j] - (ce - p.entropy())) < 1e-12
    assert np.all(np.abs(np.diag(kl)) < 1e-12)


@pytest.mark.parametrize("kappa", [0.5, 2.0])
def test_identity_transport_equal_covariance_is_mahalanobis_softmax(backend, rng, kappa):
    n, k = 7, 4
    mu = rng.standard_normal((2, n, k))
    cov = _spd(rng, 1, k)[0]
    sigma = np.broadcast_to(cov, (2, n, k, k)).copy()
    beta = to_numpy(kl_weights(asarray(mu, like=backend), asarray(sigma, like=backend),
                               kappa=kappa))
    diff = mu[:, :, None, :] - mu[:, None, :, :]
    d2 = np.einsum("zija,ac,zijc->zij", diff, np.linalg.inv(cov), diff)
    ref = np.exp(-d2 / (2 * kappa))
    ref /= ref.sum(-1, keepdims=True)
    np.testing.assert_allclose(beta, ref, rtol=0, atol=1e-12)
    # identity frames given explicitly (phi = 0) are the same
    beta0 = to_numpy(kl_weights(asarray(mu, like=backend), asarray(sigma, like=backend),
                                asarray(np.zeros((2, n, k, k)), like=backend), kappa=kappa))
    np.testing.assert_allclose(beta0, ref, rtol=0, atol=1e-12)


def test_local_gauge_covariance(backend, rng):
    n, k = 6, 3
    mu = rng.standard_normal((n, k))
    sigma = _spd(rng, n, k)
    phi = _so(rng, n, k)
    frames = expm(phi)
    g = expm(_so(rng, n, k, 2.0))                       # random per-token g_i in SO(K)
    assert np.allclose(np.linalg.det(g), 1.0)
    mu_g = np.einsum("nab,nb->na", g, mu)
    sigma_g = g @ sigma @ np.swapaxes(g, -1, -2)
    frames_g = g @ frames

    def run(m, s, f):
        out = kl_attention(asarray(m, like=backend), asarray(s, like=backend),
                           frames=asarray(f, like=backend), kappa=0.7)
        return [to_numpy(x) for x in out]

    m0, s0, b0 = run(mu, sigma, frames)
    m1, s1, b1 = run(mu_g, sigma_g, frames_g)
    np.testing.assert_allclose(b1, b0, rtol=0, atol=1e-12)
    # messages transform covariantly: m_i -> g_i m_i, S_i -> g_i S_i g_i^T
    np.testing.assert_allclose(m1, np.einsum("nab,nb->na", g, m0), atol=1e-12)
    np.testing.assert_allclose(s1, g @ s0 @ np.swapaxes(g, -1, -2), atol=1e-12)
    # frames from phi agree with explicit frames
    bp = to_numpy(kl_attention(asarray(mu, like=backend), asarray(sigma, like=backend),
                               asarray(phi, like=backend), kappa=0.7).weights)
    np.testing.assert_allclose(bp, b0, atol=1e-12)
    # a non-identity transport changes the weights
    bi = to_numpy(kl_weights(asarray(mu, like=backend), asarray(sigma, like=backend),
                             kappa=0.7))
    assert np.abs(bi - b0).max() > 1e-3


def test_messages_are_moment_matched_mixtures(rng):
    n, k = 5, 2
    mu, sigma = rng.standard_normal((n, k)), _spd(rng, n, k)
    frames = expm(_so(rng, n, k))
    out = kl_attention(mu, sigma, frames=frames)
    for i in range(n):
        om = [frames[i] @ frames[j].T for j in range(n)]
        means = np.array([om[j] @ mu[j] for j in range(n)])
        covs = np.array([om[j] @ sigma[j] @ om[j].T for j in range(n)])
        w = out.weights[i]
        m = w @ means
        s = np.einsum("j,jab->ab", w, covs + np.einsum("ja,jb->jab", means - m, means - m))
        np.testing.assert_allclose(out.mu[i], m, atol=1e-12)
        np.testing.assert_allclose(out.sigma[i], s, atol=1e-12)


def test_torch_gradients_flow_through_kl_attention(rng):
    import torch

    n, k = 4, 2
    mu = torch.tensor(rng.standard_normal((n, k)), requires_grad=True)
    a = torch.tensor(rng.standard_normal((n, k, k)))
    sigma = (a @ a.transpose(-1, -2) + torch.eye(k)).requires_grad_(True)
    phi = torch.tensor(_so(rng, n, k), requires_grad=True)
    out = kl_attention(mu, sigma, phi, kappa=0.5)
    (out.mu.sum() + out.sigma.sum()).backward()
    assert all(t.grad is not None and torch.isfinite(t.grad).all() for t in (mu, sigma, phi))


def test_bad_inputs(rng):
    mu, sigma = rng.standard_normal((3, 2)), _spd(rng, 3, 2)
    with pytest.raises(ValueError, match="antisymmetric"):
        kl_attention(mu, sigma, rng.standard_normal((3, 2, 2)))
    with pytest.raises(ValueError, match="not both"):
        kl_attention(mu, sigma, _so(rng, 3, 2), frames=np.broadcast_to(np.eye(2), (3, 2, 2)))
    with pytest.raises(ValueError, match="sigma must have shape"):
        kl_attention(mu, sigma[:2])
    with pytest.raises(ValueError, match="kappa"):
        kl_weights(mu, sigma, kappa=0)


def test_condensation_builds_a_hierarchy_for_hsa(rng):
    # three well-separated clusters of tokens (interleaved in sequence order)
    k = 2
    centres = np.array([[0.0, 0.0], [6.0, 0.0], [0.0, 6.0]])
    labels = np.array([0, 1, 2, 0, 1, 2, 0, 1, 2, 1])
    mu = centres[labels] + 0.05 * rng.standard_normal((10, k))
    sigma = np.broadcast_to(0.3 * np.eye(k), (10, k, k)).copy()
    frames = expm(_so(rng, 10, k))
    # beliefs expressed in per-token frames: the condensation must undo the gauge
    mu_f = np.einsum("nab,nb->na", frames, mu)
    sigma_f = frames @ sigma @ np.swapaxes(frames, -1, -2)
    c = condense(mu_f, sigma_f, frames=frames, threshold=0.5)
    first = c.assignments[0]
    for a in range(3):
        assert len(set(first[labels == a])) == 1          # each cluster is one meta-token
    assert len(set(first)) == 3
    # every pair inside a meta-token agrees to within the threshold (complete linkage)
    kl = gaussian_kl_matrix(mu, sigma)
    sym = 0.5 * (kl + kl.T)
    for g in set(first):
        members = np.nonzero(first == g)[0]
        assert sym[np.ix_(members, members)].max() <= c.thresholds[0]
    # the meta-token belief is the moment-matched mixture of its members
    m0 = mu[first == 0].mean(0)
    np.testing.assert_allclose(c.mu[1][0], m0, atol=1e-12)
    # top-down coupling: every member receives its meta-token's belief
    td_mu, td_sigma = c.top_down(1)
    for i in range(10):
        np.testing.assert_allclose(td_mu[i], mu[first == first[i]].mean(0), atol=1e-12)
    np.testing.assert_allclose(c.top_down(0)[0], mu, atol=1e-12)
    np.testing.assert_allclose(td_sigma[labels == 1][0], td_sigma[labels == 1][-1], atol=0)
    tree = c.tree
    assert isinstance(tree, Tree) and tree.n_leaves == 10
    # token 0 sees its cluster mates singly and the other clusters as blocks
    got = sorted(sorted(b.tolist()) for b in tree.blocks(0))
    assert got == [[1, 4, 7, 9], [2, 5, 8], [3], [6]]
    q, kk, v = rng.standard_normal((3, 10, 4))
    np.testing.assert_allclose(hsa(q, kk, v, tree), hsa_dense(q, kk, v, tree), atol=1e-12)


def test_condensation_of_identical_tokens_and_single_token():
    mu = np.zeros((4, 2))
    sigma = np.broadcast_to(np.eye(2), (4, 2, 2)).copy()
    c = condense(mu, sigma, threshold=1e-3)
    assert c.assignments[0].tolist() == [0, 0, 0, 0] and c.tree.depth == 1
    c1 = condense(mu[:1], sigma[:1])
    assert c1.tree.n_leaves == 1 and c1.assignments == []
