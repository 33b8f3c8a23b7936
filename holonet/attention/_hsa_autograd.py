"""Torch autograd for HSA with a hand-written backward pass (imported only for torch inputs).

Two ``torch.autograd.Function`` classes — :class:`WindowHSA` (the window DP of
``Tree.fixed_windows``, also the MERA causal-cone pattern, ``radius > 0``) and
:class:`TreeHSA` (general trees) — run the kernels of
:mod:`holonet.attention._window` / :mod:`holonet.attention._general`. The forward
saves ``q, k, v`` (their dtype), the output and the per-query log-sum-exp:
memory linear in ``N``; the backward recomputes node means and scores.

Under ``torch.compile`` the same kernels run as custom operators
(``holonet::hsa_window`` / ``holonet::hsa_tree`` and their ``*_backward`` twins,
the autograd formula registered with :func:`torch.library.register_autograd`):
custom operators are opaque to the compiler, which sees their shapes through
fake implementations, so compiled and eager models run the same kernels and the
structure caches are never traced. Eager calls use the ``Function`` classes
directly (less dispatch overhead than a custom operator). A general tree
travels to the operator as its token (a plain ``int``).

Precision: float16/bfloat16 inputs are computed in float32 (scores, softmax
statistics, accumulation) with autocast disabled inside the kernels; the output
has the inputs' dtype, each gradient its input's dtype.

This module does not use ``from __future__ import annotations``:
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

__all__ = ["TreeHSA", "WindowHSA", "attend", "hsa_tree", "hsa_window"]

_HALF = (torch.float16, torch.bfloat16)

#: Recently used general trees, held strongly (byte-bounded): a compiled graph refers to
#: its tree by token only, and a temporary tree must outlive its backward pass.
_RECENT_TREES = ByteLRU(budget=64 * 2**20)


def _dtypes(q: Tensor, k: Tensor, v: Tensor) -> tuple[torch.dtype, torch.dtype]:
    """(output dtype, compute dtype)."""
    out = torch.promote_types(torch.promote_types(q.dtype, k.dtype), v.dtype)
    return out, (torch.float32 if out in _HALF else out)


def _c(x: Tensor, dtype: torch.dtype) -> Tensor:
    """``x`` in ``dtype``, contiguous (a no-op when it already is: kernels take views)."""
    return x.to(dtype).contiguous()


def _itemsize(dtype: torch.dtype) -> int:
    return 8 if dtype == torch.float64 else 4


def _tree(token: int) -> Tree:
    return _RECENT_TREES.get_or_build(token, lambda: _tree_by_token(token))


def _guard(tree_or_branching: Any, n: int, bsz: int, d: int, dv: int, radius: int,
           ct: torch.dtype, memory_limit: int, what: str) -> None:
    if isinstance(tree_or_branching, Tree):
        tree = tree_or_branching
        need = _general.predicted_bytes(tree, bsz, d, dv, _itemsize(ct))
        desc = repr(tree)
    else:
        branching = tuple(tree_or_branching)
        need = _window.predicted_bytes(branching, bsz, d, dv, radius, _itemsize(ct))
        desc = f"window tree {list(branching)}"
    check_memory(what, need, memory_limit or None,
                 f"N = {n:,}, batch = {bsz:,}, {desc}; a window tree whose top level has "
                 "bounded fan-out (e.g. branching [16, 8, 4, 2, 8, 8, ...]) keeps it linear "
                 "in N; ")


# ---------------------------------------------------------------------------------
# kernels with dtype handling (shared by the Functions and the custom operators)


def _window_fwd(q: Tensor, k: Tensor, v: Tensor, valid: Tensor | None, branching: list[int],
                n: int, radius: int, include_self: bool, causal: bool, scale: float
                ) -> tuple[Tensor, Tensor]:
    out_dtype, ct = _dtypes(q, k, v)
    with torch.autocast(device_type=q.device.type, enabled=False):
        qc = _c(q, ct)
        st = _window.structure(tuple(branching), n, radius, include_self, causal, qc)
        out, lse = _window.window_forward(qc, _c(k, ct), _c(v, ct), st,
                                          None if valid is None else _c(valid, ct), scale)
    return out.to(out_dtype).contiguous(), lse.contiguous()


def _window_bwd(dout: Tensor, q: Tensor, k: Tensor, v: Tensor, valid: Tensor | None,
                out: Tensor, lse: Tensor, branching: list[int], n: int, radius: int,
                include_self: bool, causal: bool, scale: float
                ) -> tuple[Tensor, Tensor, Tensor]:
    _, ct = _dtypes(q, k, v)
    with torch.autocast(device_type=q.device.type, enabled=False):
        qc = _c(q, ct)
        st = _window.structure(tuple(branching), n, radius, include_self, causal, qc)
        dq, dk, dv = _window.window_backward(
            _c(dout, ct), qc, _c(k, ct), _c(v, ct), _c(out, ct), _c(lse, ct), st,
            None if valid is None else _c(valid, ct), scale)
    return dq.to(q.dtype), dk.to(k.dtype), dv.to(v.dtype)


def _tree_fwd(q: Tensor, k: Tensor, v: Tensor, valid: Tensor | None, tree: Tree,
              include_self: bool, causal: bool, scale: float) -> tuple[Tensor, Tensor]:
    out_dtype, ct = _dtypes(q, k, v)
    with torch.autocast(device_type=q.device.type, enabled=False):
        qc = _c(q, ct)
        st = _general.structure(tree, include_self, causal, valid is not None, qc)
        out, lse = _general.general_forward(qc, _c(k, ct), _c(v, ct), st,
                                            None if valid is None else _c(valid, ct), scale)
    return out.to(out_dtype).contiguous(), lse.contiguous()


def _tree_bwd(dout: Tensor, q: Tensor, k: Tensor, v: Tensor, valid: Tensor | None,
              out: Tensor, lse: Tensor, tree: Tree, include_self: bool, causal: bool,
              scale: float) -> tuple[Tensor, Tensor, Tensor]:
    _, ct = _dtypes(q, k, v)
    with torch.autocast(device_type=q.device.type, enabled=False):
        qc = _c(q, ct)
        st = _general.structure(tree, include_self, causal, valid is not None, qc)
        dq, dk, dv = _general.general_backward(
            _c(dout, ct), qc, _c(k, ct), _c(v, ct), _c(out, ct), _c(lse, ct), st,
            None if valid is None else _c(valid, ct), scale)
    return dq.to(q.dtype), dk.to(k.dtype), dv.to(v.dtype)


# ---------------------------------------------------------------------------------
# eager: autograd Functions


class WindowHSA(torch.autograd.Function):
    """HSA / MERA-cone attention on a window tree with a hand-written backward pass.

    ``apply(q, k, v, valid, params)`` with ``(B, N, d)`` inputs, ``valid`` ``(Bv, N)``
    or ``None`` and ``params = (branching, n, radius, include_self, causal, scale)``.
    """

    @staticmethod
    def forward(ctx: Any, q: Tensor, k: Tensor, v: Tensor, valid: Tensor | None,
                params: tuple[Any, ...]) -> Tensor:
        out, lse = _window_fwd(q, k, v, valid, *params)
        ctx.save_for_backward(q, k, v, valid, out, lse)
        ctx.params = params
        return out

    @staticmethod
    def backward(ctx: Any, dout: Tensor) -> tuple[Any, ...]:  # type: ignore[override]
        q, k, v, valid, out, lse = ctx.saved_tensors
        dq, dk, dv = _window_bwd(dout, q, k, v, valid, out, lse, *ctx.params)
        return dq, dk, dv, None, None


class TreeHSA(torch.autograd.Function):
    """HSA on a general tree with a hand-written backward pass.

    ``apply(q, k, v, valid, tree, params)`` with ``params = (include_self, causal, scale)``.
    """

    @staticmethod
    def forward(ctx: Any, q: Tensor, k: Tensor, v: Tensor, valid: Tensor | None, tree: Tree,
                params: tuple[Any, ...]) -> Tensor:
        out, lse = _tree_fwd(q, k, v, valid, tree, *params)
        ctx.save_for_backward(q, k, v, valid, out, lse)
        ctx.tree, ctx.params = tree, params
        return out

    @staticmethod
    def backward(ctx: Any, dout: Tensor) -> tuple[Any, ...]:  # type: ignore[override]
        q, k, v, valid, out, lse = ctx.saved_tensors
        dq, dk, dv = _tree_bwd(dout, q, k, v, valid, out, lse, ctx.tree, *ctx.params)
        return dq, dk, dv, None, None, None


# ---------------------------------------------------------------------------------
# compiled: custom operators (same kernels)


@torch.library.custom_op("holonet::hsa_window", mutates_args=())
def hsa_window(q: Tensor, k: Tensor, v: Tensor, valid: Tensor | None, branching: list[int],
               n: int, radius: int, include_self: bool, causal: bool, scale: float,
               memory_limit: int, what: str) -> tuple[Tensor, Tensor]:
    _guard(branching, n, q.shape[0], q.shape[-1], v.shape[-1], radius, _dtypes(q, k, v)[1],
           memory_limit, what)
    return _window_fwd(q, k, v, valid, branching, n, radius, include_self, causal, scale)


@hsa_window.register_fake
def _(q, k, v, valid, branching, n, radius, include_self, causal, scale, memory_limit, what):  # type: ignore[no-untyped-def]
    out_dtype, ct = _dtypes(q, k, v)
    return (q.new_empty((q.shape[0], n, v.shape[-1]), dtype=out_dtype),
            q.new_empty((q.shape[0], n), dtype=ct))


@torch.library.custom_op("holonet::hsa_window_backward", mutates_args=())
def hsa_window_backward(dout: Tensor, q: Tensor, k: Tensor, v: Tensor, valid: Tensor | None,
                        out: Tensor, lse: Tensor, branching: list[int], n: int, radius: int,
                        include_self: bool, causal: bool, scale: float
                        ) -> tuple[Tensor, Tensor, Tensor]:
    return _window_bwd(dout, q, k, v, valid, out, lse, branching, n, radius, include_self,
                       causal, scale)


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


@torch.library.custom_op("holonet::hsa_tree", mutates_args=())
def hsa_tree(q: Tensor, k: Tensor, v: Tensor, valid: Tensor | None, tree_token: int,
             include_self: bool, causal: bool, scale: float, memory_limit: int, what: str
             ) -> tuple[Tensor, Tensor]:
    tree = _tree(tree_token)
    _guard(tree, q.shape[1], q.shape[0], q.shape[-1], v.shape[-1], 0, _dtypes(q, k, v)[1],
           memory_limit, what)
    return _tree_fwd(q, k, v, valid, tree, include_self, causal, scale)


@hsa_tree.register_fake
def _(q, k, v, valid, tree_token, include_self, causal, scale, memory_limit, what):  # type: ignore[no-untyped-def]
    out_dtype, ct = _dtypes(q, k, v)
    return (q.new_empty((q.shape[0], q.shape[1], v.shape[-1]), dtype=out_dtype),
            q.new_empty((q.shape[0], q.shape[1]), dtype=ct))


@torch.library.custom_op("holonet::hsa_tree_backward", mutates_args=())
def hsa_tree_backward(dout: Tensor, q: Tensor, k: Tensor, v: Tensor, valid: Tensor | None,
                      out: Tensor, lse: Tensor, tree_token: int, include_self: bool,
                      causal: bool, scale: float) -> tuple[Tensor, Tensor, Tensor]:
    return _tree_bwd(dout, q, k, v, valid, out, lse, _tree(tree_token), include_self, causal,
                     scale)


@hsa_tree_backward.register_fake
def _(dout, q, k, v, valid, out, lse, tree_token, include_self, causal, scale):  # type: ignore[no-untyped-def]
    return torch.empty_like(q), torch.empty_like(k), torch.empty_like(v)


def _tree_setup(ctx: Any, inputs: tuple[Any, ...], output: tuple[Tensor, Tensor]) -> None:
    q, k, v, valid, token, include_self, causal, scale, _, _ = inputs
    out, lse = output
    ctx.save_for_backward(q, k, v, valid, out, lse)
    ctx.params = (token, include_self, causal, scale)


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
    compiling = torch.compiler.is_compiling()
    if not compiling:
        # refuse before reshaping (which may copy); the custom operators check again when
        # they run, which is what a compiled graph relies on
        _guard(tree if tree.branching is None else tree.branching, n, math.prod(lead), d, dv,
               radius, _dtypes(q, k, v)[1], memory_limit, what)
    valid = _validity(mask, lead, n, q)
    q3, k3, v3 = q.reshape(-1, n, d), k.reshape(-1, n, d), v.reshape(-1, n, dv)
    if tree.branching is not None:
        if compiling:
            out, _ = hsa_window(q3, k3, v3, valid, list(tree.branching), n, radius,
                                include_self, causal, float(scale), memory_limit, what)
        else:
            out = WindowHSA.apply(q3, k3, v3, valid, (list(tree.branching), n, radius,
                                                      include_self, causal, float(scale)))
    elif compiling:
        out, _ = hsa_tree(q3, k3, v3, valid, tree._token, include_self, causal, float(scale),
                          memory_limit, what)
    else:
        out = TreeHSA.apply(q3, k3, v3, valid, tree, (include_self, causal, float(scale)))
    return out.reshape(lead + (n, dv))
