"""Resource guards, byte-bounded caches and bad input of the attention operators."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
import torch

from holonet.attention import (
    AttentionTooLarge,
    Tree,
    _general,
    _window,
    hsa,
    hsa_dense,
    hsa_matrix,
    local_global_mask,
    local_global_matrix,
    mera_attention,
    mera_blocks,
    mera_matrix,
)
from holonet.attention._cache import ByteLRU, nbytes_of


def _peak_mib(fn) -> float:
    tracemalloc.start()
    try:
        fn()
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak / 2**20


def _refuses(fn, *words: str) -> str:
    holder: dict[str, str] = {}

    def run():
        with pytest.raises(AttentionTooLarge) as exc:
            fn()
        holder["msg"] = str(exc.value)

    assert _peak_mib(run) < 64          # refused before any large allocation
    msg = holder["msg"]
    for w in ("memory_limit=", "HOLONET_MEMORY_LIMIT", *words):
        assert w in msg, msg
    return msg


def test_hsa_at_ten_million_tokens_refuses_with_the_number():
    n = 10**7
    tree = Tree.fixed_windows(n, [16, 8, 4, 2])     # 9,766 nodes left under the root
    x = np.broadcast_to(np.zeros(1, dtype=np.float32), (n, 4))   # no memory behind it
    msg = _refuses(lambda: hsa(x, x, x, tree), "hsa needs about", "GiB", "N = 10,000,000")
    assert "bounded fan-out" in msg
    t = torch.zeros(1, 1).expand(n, 4)
    _refuses(lambda: hsa(t, t, t, tree), "hsa needs about")
    cone = Tree.from_mera(kind="binary", n_sites=n)     # O(N) levels, built beforehand
    _refuses(lambda: mera_attention(x, x, x, tree=cone, memory_limit="1G"), "mera_attention")


def test_hsa_memory_limit_override(rng):
    q, k, v = rng.standard_normal((3, 4096, 16))
    tree = Tree.fixed_windows(4096, [16, 16, 16])
    _refuses(lambda: hsa(q, k, v, tree, memory_limit=10_000), "hsa needs about")
    _refuses(lambda: hsa(torch.tensor(q), torch.tensor(k), torch.tensor(v), Tree(tree.levels),
                         memory_limit="100K"), "hsa needs about")
    out = hsa(q, k, v, tree, memory_limit="1G")
    assert out.shape == (4096, 16)
    with pytest.raises(ValueError, match="memory limit"):
        hsa(q, k, v, tree, memory_limit=-5)


@pytest.mark.parametrize("call, name", [
    (lambda n: hsa_matrix(*np.zeros((2, n, 2)), Tree.fixed_windows(n, [4])), "hsa_matrix"),
    (lambda n: hsa_dense(*np.zeros((3, n, 2)), Tree.fixed_windows(n, [4])), "hsa_matrix"),
    (lambda n: mera_matrix(*np.zeros((2, n, 2))), "mera_matrix"),
    (lambda n: mera_blocks(n), "mera_blocks"),
    (lambda n: local_global_mask(n, 3), "local_global_mask"),
    (lambda n: local_global_matrix(*np.zeros((2, n, 2)), 3), "local_global_matrix"),
    (lambda n: Tree.fixed_windows(n, [4]).block_index(), "Tree.block_index"),
])
def test_quadratic_references_refuse_over_budget(call, name, monkeypatch):
    # 10^6 tokens: N² is 10^12 (int64 maps: 48 TB); refused with the number, no allocation
    _refuses(lambda: call(10**6), name, "N×N", "N = 1,000,000")
    # the environment variable shared with holonet.contract lowers the budget
    monkeypatch.setenv("HOLONET_MEMORY_LIMIT", "1M")
    _refuses(lambda: call(3000), name)
    monkeypatch.delenv("HOLONET_MEMORY_LIMIT")
    assert call(64) is not None


def test_local_global_mask_has_no_integer_intermediate():
    n = 1500
    peak = _peak_mib(lambda: local_global_mask(n, 5, [3]))
    assert peak < 3 * n * n / 2**20          # booleans only (an int64 N×N would be 17 MiB)
    idx = np.arange(n)
    expected = (np.abs(idx[:, None] - idx[None, :]) <= 5) | (idx[:, None] == 3) | \
        (idx[None, :] == 3)
    assert np.array_equal(local_global_mask(n, 5, [3]), expected)


# ---------------------------------------------------------------------------------
# caches


def test_byte_lru_evicts_by_bytes_and_skips_oversized():
    cache = ByteLRU(budget=1000)
    for i in range(10):
        cache.get_or_build(i, lambda: np.zeros(50))          # 400 bytes each
        assert cache.nbytes <= 1000
    assert cache.keys() == [8, 9]
    cache.get_or_build(8, lambda: pytest.fail("cached"))     # a hit does not rebuild
    assert cache.keys() == [9, 8]                            # and refreshes recency
    big = cache.get_or_build("big", lambda: np.zeros(1000))
    assert big.shape == (1000,) and "big" not in cache.keys()
    assert nbytes_of({"a": [np.zeros(2), torch.zeros(3)], "b": (None, 1)}) == 16 + 12
    with pytest.raises(ValueError, match="budget"):
        ByteLRU(-1)


def test_varying_sequence_length_keeps_the_caches_within_budget(monkeypatch):
    """The regression: lru_cache(maxsize=64) held O(N) arrays per length (1.76 GB when N
    varied at 300k). Structures are now byte-bounded; results stay exact after eviction."""
    budget = 200_000
    monkeypatch.setattr(_window, "STRUCTURE_CACHE", ByteLRU(budget))
    monkeypatch.setattr(_general, "STRUCTURE_CACHE", ByteLRU(budget))
    rng = np.random.default_rng(0)
    for n in range(3000, 3400, 40):
        q, k, v = rng.standard_normal((3, n, 2)).astype(np.float32)
        tree = Tree.fixed_windows(n, [7, 5, 3])
        hsa(q, k, v, tree, causal=True)
        hsa(torch.tensor(q), torch.tensor(k), torch.tensor(v), tree)
        assert _window.STRUCTURE_CACHE.nbytes <= budget
        hsa(q[:300], k[:300], v[:300], Tree(Tree.fixed_windows(300, [7, 5]).levels))
        assert _general.STRUCTURE_CACHE.nbytes <= budget
    assert len(_window.STRUCTURE_CACHE) >= 2
    small = Tree.fixed_windows(50, [4, 3])
    q, k, v = rng.standard_normal((3, 50, 3))
    np.testing.assert_allclose(hsa(q, k, v, small), hsa_dense(q, k, v, small), atol=1e-12)


# ---------------------------------------------------------------------------------
# bad input: a clear error naming the parameter


def test_bad_arguments(rng):
    q = rng.standard_normal((6, 3))
    tree = Tree.fixed_windows(6, [2])
    with pytest.raises(TypeError, match="causal must be True or False"):
        hsa(q, q, q, tree, causal="yes")
    with pytest.raises(TypeError, match="include_self must be True or False"):
        hsa(q, q, q, tree, 1)
    with pytest.raises(TypeError, match="key_padding_mask must be boolean"):
        hsa(q, q, q, tree, key_padding_mask=np.zeros(6))
    with pytest.raises(ValueError, match="must broadcast to the batch shape"):
        hsa(np.stack([q, q]), np.stack([q, q]), np.stack([q, q]), tree,
            key_padding_mask=np.zeros((3, 6), bool))
    with pytest.raises(TypeError, match="q must hold floating-point numbers"):
        hsa(q.astype(int), q, q, tree)
    with pytest.raises(ValueError, match="scale must be finite"):
        hsa(q, q, q, tree, scale=float("nan"))
    with pytest.raises(TypeError, match="scale must be a real number"):
        hsa(q, q, q, tree, scale="0.5")
    with pytest.raises(TypeError, match="Tree"):
        hsa(q, q, q, None)
    t = torch.tensor(q)
    with pytest.raises(TypeError, match="key_padding_mask must be boolean"):
        hsa(t, t, t, tree, key_padding_mask=torch.zeros(6))
    with pytest.raises(ValueError, match="radius must be >= 0"):
        mera_attention(q, q, q, radius=-1)


def test_mask_broadcasts_over_heads(rng):
    q, k, v = rng.standard_normal((3, 2, 3, 20, 4))
    tree = Tree.fixed_windows(20, [4, 5])
    mask = rng.random((2, 1, 20)) < 0.3
    full = np.broadcast_to(mask, (2, 3, 20))
    np.testing.assert_allclose(hsa(q, k, v, tree, key_padding_mask=mask),
                               hsa(q, k, v, tree, key_padding_mask=full), atol=0)
    t = [torch.tensor(x) for x in (q, k, v)]
    np.testing.assert_allclose(hsa(*t, tree, key_padding_mask=torch.tensor(mask)).numpy(),
                               hsa_dense(q, k, v, tree, key_padding_mask=full), atol=1e-12)
