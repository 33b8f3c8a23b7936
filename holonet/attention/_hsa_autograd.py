"""Torch operators for HSA with a hand-written backward pass (imported only for torch inputs).

Two custom operators, each with its backward as a second operator and its
autograd formula registered by :func:`torch.library.register_autograd`:

* ``holonet::hsa_window`` / ``holonet::hsa_window_backward`` — the window DP
  (``Tree.fixed_windows``; also the MERA causal-cone pattern, ``radius > 0``);
* ``holonet::hsa_tree`` / ``holonet::hsa_tree_backward`` — general trees; the tree
  travels as its token (a plain ``int``) and its index tables are built once per
  (tree, options, device, dtype) in a byte-bounded cache.

Custom operators are opaque to ``torch.compile`` (it sees their shapes through
the registered fake implementations), so compiled models call the same kernels
as eager ones, and the structure caches are never traced.

Precision: float16/bfloat16 inputs are computed in float32 (scores, softmax
statistics, accumulation), with autocast disabled inside the operator; the
output has the inputs' dtype. The forward saves ``q, k, v`` (their dtype), the
output and the per-query log-sum-exp: memory linear in ``N``.

This module intentionally does not use ``from __future__ import annotations``:
``torch.library.custom_op`` reads the real annotations to infer the schema.
"""

import math
from typing import Any

import torch
from torch import Tensor

from holonet.attention import _general, _window
from holonet.attention._cache import ByteLRU
from holonet.attention._ops import check_memory
from holonet.attention.tree import Tree, _tree_by_token

_HALF = (torch.float16, torch.bfloat16)


def _dtypes(q: Tensor, k: Tensor, v: Tensor) -> tuple[torch.dtype, torch.dtype]:
    """(output dtype, compute dtype)."""
    out = torch.promote_types(torch.promote_types(q.dtype, k.dtype), v.dtype)
    return out, (torch.float32 if out in _HALF else out)


class _NoAutocast:
    """Disable autocast inside the operators (their internal matmuls stay in float32)."""

    def __init__(self, device: torch.device) -> None:
        self.ctx = torch.autocast(device_type=device.type, enabled=False)

    def __enter__(self) -> None:
        self.ctx.__enter__()

    def __exit__(self, *exc: Any) -> None:
        self.ctx.__exit__(*exc)


def _itemsize(dtype: torch.dtype) -> int:
    return 8 if dtype == torch.float64 else 4


def _window_guard(branching: list[int], n: int, q: Tensor, v: Tensor, radius: int,
                  ct: torch.dtype, memory_limit: int, what: str) -> None:
    need = _window.predicted_bytes(tuple(branching), q.shape[0], q.shape[-1], v.shape[-1],
                                   radius, _itemsize(ct))
    check_memory(what, need, memory_limit or None,
                 f"N = {n:,}, batch = {q.shape[0]:,}, branching {list(branching)}; a window "
                 "tree whose top level has bounded fan-out (e.g. [16, 8, 4, 2, 8, 8, ...]) "
                 "keeps it linear in N; ")


# ---------------------------------------------------------------------------------
# window trees


def _wstruct(branching: list[int], n: int, radius: int, include_self: bool, causal: bool,
             like: Tensor) -> _window.Structure:
    return _window.structure(tuple(branching), n, radius, include_self, causal, like)


@torch.library.custom_op("holonet::hsa_window", mutates_args=())
def hsa_window(q: Tensor, k: Tensor, v: Tensor, valid: Tensor | None, branching: list[int],
               n: int, radius: int, include_self: bool, causal: bool, scale: float,
               memory_limit: int, what: str) -> tuple[Tensor, Tensor]:
    out_dtype, ct = _dtypes(q, k, v)
    _window_guard(branching, n, q, v, radius, ct, memory_limit, what)
    with _NoAutocast(q.device):
        qc = q.to(ct)
        st = _wstruct(branching, n, radius, include_self, causal, qc)
        out, lse = _window.window_forward(qc, k.to(ct), v.to(ct), st,
                                          None if valid is None else valid.to(ct), scale)
    return out.to(out_dtype).contiguous(), lse.contiguous()


@hsa_window.register_fake
def _(q, k, v, valid, branching, n, radius, include_self, causal, scale, memory_limit, what):  # type: ignore[no-untyped-def]
    out_dtype, ct = _dtypes(q, k, v)
    bsz = q.shape[0]
    return (q.new_empty((bsz, n, v.shape[-1]), dtype=out_dtype),
            q.new_empty((bsz, n), dtype=ct))


@torch.library.custom_op("holonet::hsa_window_backward", mutates_args=())
def hsa_window_backward(dout: Tensor, q: Tensor, k: Tensor, v: Tensor, valid: Tensor | None,
                        out: Tensor, lse: Tensor, branching: list[int], n: int, radius: int,
                        include_self: bool, causal: bool, scale: float
                        ) -> tuple[Tensor, Tensor, Tensor]:
    _, ct = _dtypes(q, k, v)
    with _NoAutocast(q.device):
        qc = q.to(ct)
        st = _wstruct(branching, n, radius, include_self, causal, qc)
        dq, dk, dv = _window.window_backward(
            dout.to(ct), qc, k.to(ct), v.to(ct), out.to(ct), lse.to(ct), st,
            None if valid is None else valid.to(ct), scale)
    return dq.to(q.dtype), dk.to(k.dtype), dv.to(v.dtype)


@hsa_window_backward.register_fake
def _(dout, q, k, v, valid, out, lse, branching, n, radius, include_self, causal, scale):  # type: ignore[no-untyped-def]
    return torch.empty_like(q), torch.empty_like(k), torch.empty_like(v)


def _window_setup(ctx: Any, inputs: tuple[Any, ...], output: tuple[Tensor, Tensor]) -> None:
    q, k, v, valid, branching, n, radius, include_self, causal, scale, _, _ = inputs
    out, lse = output
    ctx.save_for_backward(q, k, v, valid, out, lse)
    ctx.params = (list(branching), n, radius, include_self, causal, scale)


def _window_grad(ctx: Any, dout: Tensor, _dlse: Tensor) -> tuple[Any, ...]:
    # the log-sum-exp output is internal (never returned by holonet.attention.hsa)
    q, k, v, valid, out, lse = ctx.saved_tensors
    dq, dk, dv = hsa_window_backward(dout, q, k, v, valid, out, lse, *ctx.params)
    return dq, dk, dv, None, None, None, None, None, None, None, None, None


hsa_window.register_autograd(_window_grad, setup_context=_window_setup)


# ---------------------------------------------------------------------------------
# general trees


#: Recently used general trees, held strongly (byte-bounded): a compiled graph refers to
#: its tree by token only, and a temporary tree must outlive its backward pass.
_RECENT_TREES = ByteLRU(budget=64 * 2**20)


def _gstruct(token: int, include_self: bool, causal: bool, masked: bool, like: Tensor
             ) -> _general.GStructure:
    tree = _RECENT_TREES.get_or_build(token, lambda: _tree_by_token(token))
    return _general.structure(tree, include_self, causal, masked, like)


@torch.library.custom_op("holonet::hsa_tree", mutates_args=())
def hsa_tree(q: Tensor, k: Tensor, v: Tensor, valid: Tensor | None, tree_token: int,
             include_self: bool, causal: bool, scale: float, memory_limit: int, what: str
             ) -> tuple[Tensor, Tensor]:
    out_dtype, ct = _dtypes(q, k, v)
    tree = _RECENT_TREES.get_or_build(tree_token, lambda: _tree_by_token(tree_token))
    check_memory(what, _general.predicted_bytes(tree, q.shape[0], q.shape[-1], v.shape[-1],
                                                _itemsize(ct)),
                 memory_limit or None, f"N = {q.shape[1]:,}, batch = {q.shape[0]:,}, "
                 f"{tree!r}; ")
    with _NoAutocast(q.device):
        qc = q.to(ct)
        st = _gstruct(tree_token, include_self, causal, valid is not None, qc)
        out, lse = _general.general_forward(qc, k.to(ct), v.to(ct), st,
                                            None if valid is None else valid.to(ct), scale)
    return out.to(out_dtype).contiguous(), lse.contiguous()


@hsa_tree.register_fake
def _(q, k, v, valid, tree_token, include_self, causal, scale, memory_limit, what):  # type: ignore[no-untyped-def]
    out_dtype, ct = _dtypes(q, k, v)
    return (q.new_empty((q.shape[0], q.shape[1], v.shape[-1]), dtype=out_dtype),
            q.new_empty((q.shape[0], q.shape[1]), dtype=ct))


@torch.library.custom_op("holonet::hsa_tree_backward", mutates_args=())
def hsa_tree_backward(dout: Tensor, q: Tensor, k: Tensor, v: Tensor, valid: Tensor | None,
                      out: Tensor, lse: Tensor, tree_token: int, include_self: bool,
                      causal: bool, scale: float) -> tuple[Tensor, Tensor, Tensor]:
    _, ct = _dtypes(q, k, v)
    with _NoAutocast(q.device):
        qc = q.to(ct)
        st = _gstruct(tree_token, include_self, causal, valid is not None, qc)
        dq, dk, dv = _general.general_backward(
            dout.to(ct), qc, k.to(ct), v.to(ct), out.to(ct), lse.to(ct), st,
            None if valid is None else valid.to(ct), scale)
    return dq.to(q.dtype), dk.to(k.dtype), dv.to(v.dtype)


@hsa_tree_backward.register_fake
def _(dout, q, k, v, valid, out, lse, tree_token, include_self, causal, scale):  # type: ignore[no-untyped-def]
    return torch.empty_like(q), torch.empty_like(k), torch.empty_like(v)


def _tree_setup(ctx: Any, inputs: tuple[Any, ...], output: tuple[Tensor, Tensor]) -> None:
    q, k, v, valid, token, include_self, causal, scale, _, _ = inputs
    out, lse = output
    ctx.save_for_backward(q, k, v, valid, out, lse)
    ctx.params = (token, include_self, causal, scale)
    ctx.tree = _tree_by_token(token)   # the backward pass needs the tree alive


def _tree_grad(ctx: Any, dout: Tensor, _dlse: Tensor) -> tuple[Any, ...]:
    q, k, v, valid, out, lse = ctx.saved_tensors
    dq, dk, dv = hsa_tree_backward(dout, q, k, v, valid, out, lse, *ctx.params)
    return dq, dk, dv, None, None, None, None, None, None, None


hsa_tree.register_autograd(_tree_grad, setup_context=_tree_setup)


# ---------------------------------------------------------------------------------
# entry point used by holonet.attention.hsa / mera_attention


def _validity(mask: Any, lead: tuple[int, ...], n: int, like: Tensor) -> Tensor | None:
    """``(Bv, N)`` 1/0 validity in the compute dtype from a boolean mask (True = padded)."""
    if mask is None:
        return None
    m = (mask if isinstance(mask, Tensor) else torch.as_tensor(mask)).to(like.device)
    m = m[None] if m.dim() == 1 else torch.broadcast_to(m, lead + (n,)).reshape(-1, n)
    return (~m).to(torch.float32 if like.dtype in _HALF else like.dtype)


def attend(q: Tensor, k: Tensor, v: Tensor, tree: Tree, include_self: bool, mask: Any,
           scale: float, causal: bool, radius: int, memory_limit: int, what: str) -> Tensor:
    """HSA (``radius = 0``) or the MERA cone pattern on torch tensors, differentiable."""
    n, d = q.shape[-2], q.shape[-1]
    dv = v.shape[-1]
    lead = tuple(q.shape[:-2])
    if not torch.compiler.is_compiling():
        # refuse before reshaping (which may copy); the operators check again when they
        # run, which is what a compiled graph relies on
        _, ct = _dtypes(q, k, v)
        batch = math.prod(lead)
        if tree.branching is not None:
            need = _window.predicted_bytes(tree.branching, batch, d, dv, radius, _itemsize(ct))
        else:
            need = _general.predicted_bytes(tree, batch, d, dv, _itemsize(ct))
        check_memory(what, need, memory_limit or None,
                     f"N = {n:,}, batch = {batch:,}, {tree!r}; a window tree whose top level "
                     "has bounded fan-out (e.g. branching [16, 8, 4, 2, 8, 8, ...]) keeps it "
                     "linear in N; ")
    valid = _validity(mask, lead, n, q)
    q3, k3, v3 = q.reshape(-1, n, d), k.reshape(-1, n, d), v.reshape(-1, n, dv)
    if tree.branching is not None:
        out, _ = hsa_window(q3, k3, v3, valid, list(tree.branching), n, radius, include_self,
                            causal, float(scale), memory_limit, what)
    else:
        out, _ = hsa_tree(q3, k3, v3, valid, tree._token, include_self, causal, float(scale),
                          memory_limit, what)
    return out.reshape(lead + (n, dv))


__all__ = ["attend", "hsa_tree", "hsa_window"]
