"""Sliding-window + global-token baseline: operator vs materialised matrix."""

from __future__ import annotations

import numpy as np
import pytest

from holonet.attention import local_global_attention, local_global_mask, local_global_matrix
from holonet.backend import asarray, to_numpy


@pytest.mark.parametrize("n, window, globals_", [(20, 3, [0, 7]), (17, 1, []), (5, 0, [4]),
                                                 (9, 10, [2]), (1, 2, [0])])
@pytest.mark.parametrize("include_self", [True, False])
def test_operator_equals_matrix(backend, rng, n, window, globals_, include_self):
    q, k, v = (asarray(x, like=backend) for x in rng.standard_normal((3, 2, n, 4)))
    out = to_numpy(local_global_attention(q, k, v, window, globals_, include_self))
    a = to_numpy(local_global_matrix(q, k, window, globals_, include_self))
    np.testing.assert_allclose(out, a @ to_numpy(v), rtol=0, atol=1e-12)
    mask = local_global_mask(n, window, globals_, include_self=include_self)
    assert np.all(a[:, ~mask] == 0)
    rows = mask.any(1)
    np.testing.assert_allclose(a.sum(-1)[:, rows], 1.0, atol=1e-12)


def test_pattern_counts():
    m = local_global_mask(100, 4, [0, 50])
    # each ordinary row: a band of 9 (less at the ends) plus the global columns
    assert m[25].sum() == 9 + 2
    assert m[0].all() and m[:, 50].all()
    assert m.sum() < 100 * (9 + 4)


def test_full_window_is_softmax(rng):
    q, k, v = rng.standard_normal((3, 12, 3))
    s = q @ k.T / np.sqrt(3)
    w = np.exp(s - s.max(1, keepdims=True))
    np.testing.assert_allclose(local_global_attention(q, k, v, 12),
                               (w / w.sum(1, keepdims=True)) @ v, atol=1e-12)


def test_bad_global_index(rng):
    q = rng.standard_normal((4, 2))
    with pytest.raises(ValueError, match="global token"):
        local_global_attention(q, q, q, 1, [4])
