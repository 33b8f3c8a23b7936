"""HSA under torch.compile, in half precision and autocast; structure built once per tree."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

from holonet.attention import Tree, _general, _window, hsa, mera_attention


def test_import_holonet_does_not_import_torch():
    code = ("import sys, holonet, holonet.attention; import numpy as np; "
            "from holonet.attention import Tree, hsa; "
            "hsa(*np.ones((3, 8, 2)), Tree.fixed_windows(8, [2, 2]), causal=True); "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_compiled_training_step_matches_eager():
    """One compile (forward + backward, key padding, causal, window tree), then a general
    tree through the same compiled function: equal to eager to float tolerance."""
    n = 48
    window = Tree.fixed_windows(n, [4, 3, 2])
    general = Tree(window.levels)
    g = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn(2, 3, n, 8, generator=g, requires_grad=True) for _ in range(3))
    mask = torch.rand(2, 1, n, generator=g) < 0.2

    def loss(a, b, c, tree):
        return (hsa(a, b, c, tree, key_padding_mask=mask, causal=True) ** 2).sum()

    compiled = torch.compile(loss, fullgraph=True)
    for tree in (window, general):
        got = compiled(q, k, v, tree)
        grads = torch.autograd.grad(got, (q, k, v))
        ref = loss(q, k, v, tree)
        ref_grads = torch.autograd.grad(ref, (q, k, v))
        torch.testing.assert_close(got, ref, rtol=1e-5, atol=1e-4)
        for a, b in zip(grads, ref_grads):
            torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype, tol", [(torch.bfloat16, 2e-2), (torch.float16, 3e-3)])
def test_half_precision_within_tolerance_of_float32(dtype, tol):
    n = 256
    tree = Tree.fixed_windows(n, [16, 4, 4])
    g = torch.Generator().manual_seed(1)
    q, k, v = (torch.randn(2, n, 32, generator=g) for _ in range(3))
    ref = hsa(q, k, v, tree, causal=True)
    xs = [x.to(dtype).requires_grad_() for x in (q, k, v)]
    out = hsa(*xs, tree, causal=True)
    assert out.dtype == dtype
    err = float((out.detach().float() - ref).abs().max() / ref.abs().max())
    assert err <= tol, err
    out.float().square().sum().backward()
    assert all(x.grad is not None and x.grad.dtype == dtype and
               bool(torch.isfinite(x.grad.float()).all()) for x in xs)
    # the gradient agrees with float32 within the dtype's tolerance too
    xf = [x.detach().float().requires_grad_() for x in xs]
    hsa(*xf, tree, causal=True).square().sum().backward()
    for a, b in zip(xs, xf):
        rel = float((a.grad.float() - b.grad).abs().max() / b.grad.abs().max())
        assert rel <= 10 * tol, rel


def test_autocast_bfloat16():
    torch.manual_seed(2)
    n = 64
    lin = torch.nn.Linear(16, 48)
    x = torch.randn(2, n, 16)
    tree = Tree.fixed_windows(n, [8, 8])
    with torch.autocast("cpu", dtype=torch.bfloat16):
        q, k, v = lin(x).chunk(3, -1)
        assert q.dtype == torch.bfloat16
        out = hsa(q, k, v, tree)
        out_m = mera_attention(q, k, v, "binary")
    assert out.dtype == torch.bfloat16 and out_m.dtype == torch.bfloat16
    (out.float().sum() + out_m.float().sum()).backward()
    assert lin.weight.grad is not None and bool(torch.isfinite(lin.weight.grad).all())
    qf, kf, vf = (t.float() for t in lin(x).chunk(3, -1))
    ref = hsa(qf, kf, vf, tree)
    ref = ref.detach()
    assert float((out.detach().float() - ref).abs().max() / ref.abs().max()) < 2e-2


def test_numpy_float16_computed_in_float32(rng):
    q, k, v = rng.standard_normal((3, 40, 8))
    tree = Tree.fixed_windows(40, [4, 5])
    out = hsa(*(x.astype(np.float16) for x in (q, k, v)), tree)
    assert out.dtype == np.float16
    ref = hsa(q, k, v, tree)
    assert float(np.abs(out - ref).max() / np.abs(ref).max()) < 3e-3


def test_structure_built_once_per_tree_and_device(monkeypatch):
    """Window structure is keyed by (branching, N, options, device, dtype); general-tree
    index tables by the tree's content: repeated calls, and equal trees built anew, reuse."""
    calls = {"window": 0, "general": 0}
    build_w, build_g = _window.build_structure, _general.build_general

    def count_w(*a, **kw):
        calls["window"] += 1
        return build_w(*a, **kw)

    def count_g(*a, **kw):
        calls["general"] += 1
        return build_g(*a, **kw)

    monkeypatch.setattr(_window, "build_structure", count_w)
    monkeypatch.setattr(_general, "build_general", count_g)
    monkeypatch.setattr(_window, "STRUCTURE_CACHE", _window.ByteLRU(2**24))
    monkeypatch.setattr(_general, "STRUCTURE_CACHE", _general.ByteLRU(2**24))
    x = torch.randn(3, 2, 100, 4, requires_grad=True)
    for _ in range(3):
        for tree in (Tree.fixed_windows(100, [4, 5]), Tree(Tree.fixed_windows(100, [4, 5]).levels)):
            hsa(x[0], x[1], x[2], tree, causal=True).sum().backward()
    assert calls == {"window": 1, "general": 1}
