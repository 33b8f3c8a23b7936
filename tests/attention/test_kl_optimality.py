"""The HSA theorem: the block-tied row closest in KL to flat softmax attention."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import minimize

from holonet.attention import Tree, hsa_matrix, mera_matrix


def _row_parts(tree: Tree, i: int) -> list[np.ndarray]:
    """Query i's own leaf (a block of one) followed by its blocks."""
    return [np.array([i])] + tree.blocks(i)


def _kl(theta: np.ndarray, flat: np.ndarray) -> float:
    nz = theta > 0
    return float(np.sum(theta[nz] * np.log(theta[nz] / flat[nz])))


def _row_from_block_logits(a: np.ndarray, parts: list[np.ndarray], n: int) -> np.ndarray:
    sizes = np.array([len(p) for p in parts], dtype=float)
    w = np.exp(a - a.max())
    w = w / np.sum(sizes * w)
    row = np.zeros(n)
    for wb, p in zip(w, parts):
        row[p] = wb
    return row


@pytest.mark.parametrize("n, branching", [(6, [2, 3]), (8, [2, 2, 2]), (7, [3, 2])])
def test_hsa_row_minimises_kl_to_flat_attention(rng, n, branching):
    tree = Tree.fixed_windows(n, branching)
    q, k = rng.standard_normal((2, n, 3)) * 1.5
    flat = np.exp(q @ k.T / math.sqrt(3))
    flat /= flat.sum(1, keepdims=True)
    theta = hsa_matrix(q, k, tree)
    total_hsa = sum(_kl(theta[i], flat[i]) for i in range(n))
    total_opt = 0.0
    for i in range(n):
        parts = _row_parts(tree, i)
        res = minimize(lambda a, parts=parts, i=i: _kl(_row_from_block_logits(a, parts, n),
                                                       flat[i]),
                       np.zeros(len(parts)), method="BFGS", options={"gtol": 1e-10})
        opt = _row_from_block_logits(res.x, parts, n)
        np.testing.assert_allclose(theta[i], opt, atol=2e-6)
        total_opt += res.fun
    assert total_hsa <= total_opt + 1e-10


@pytest.mark.parametrize("matrix", ["hsa", "mera"])
def test_block_tied_perturbations_increase_the_objective(rng, matrix):
    n = 16
    tree = Tree.fixed_windows(n, [2, 2, 2, 2])
    q, k = rng.standard_normal((2, n, 4))
    flat = np.exp(q @ k.T / 2.0)
    flat /= flat.sum(1, keepdims=True)
    if matrix == "hsa":
        theta = hsa_matrix(q, k, tree)
        lev, node = tree.block_index()
    else:  # any block partition: the theorem holds for the MERA cone blocks too
        theta = mera_matrix(q, k, "binary")
        lev, node = tree.block_index(1)
    base = sum(_kl(theta[i], flat[i]) for i in range(n))
    for trial in range(20):
        # a random block-tied direction per row with zero row sum
        delta = np.zeros((n, n))
        for i in range(n):
            labels = lev[i] * n + node[i]
            labels[i] = -1  # own leaf: its own block
            _, inv = np.unique(labels, return_inverse=True)
            g = rng.standard_normal(inv.max() + 1)[inv]
            delta[i] = g - theta[i] * g.sum() / theta[i].sum()  # keeps sum(theta) = 1
            delta[i] *= 1e-3 * (trial + 1) / np.abs(delta[i]).max() * theta[i].min()
        pert = theta + delta
        assert np.all(pert > 0)
        np.testing.assert_allclose(pert.sum(1), 1.0, atol=1e-12)
        # still block-tied
        for i in range(n):
            for b in tree.blocks(i) if matrix == "hsa" else []:
                assert np.ptp(pert[i, b]) < 1e-14
        assert sum(_kl(pert[i], flat[i]) for i in range(n)) > base
