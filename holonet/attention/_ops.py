"""Small backend-agnostic helpers shared by the attention operators (numpy/torch/cupy).

Also the memory guard of the attention entry points (:func:`check_memory`,
:class:`AttentionTooLarge`) and a thin array namespace (:func:`xp`) for the hot
loops of the dynamic programmes, where autoray's per-call dispatch would cost
more than the small kernels themselves.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from holonet.backend import asarray, do, get_backend
from holonet.contract import ContractionTooLarge, _human, _parse_bytes, default_memory_limit

NEG_INF = -math.inf

#: Predicted working memory below which the default budget is not consulted.
_ALWAYS_ALLOWED = 64 * 2**20


class AttentionTooLarge(ContractionTooLarge):
    """An attention entry point would need more memory than the budget allows.

    Raised before anything large is allocated, with the predicted size and the
    override (``memory_limit=`` or the environment variable
    ``HOLONET_MEMORY_LIMIT``, shared with :func:`holonet.contract.contract`).
    A ``ValueError``.

    Examples
    --------
    >>> from holonet.attention import local_global_mask
    >>> try:
    ...     local_global_mask(10**6, 4)
    ... except AttentionTooLarge as exc:
    ...     print(str(exc)[:49])
    local_global_mask needs about 931.3 GiB (1,000,00
    """


def check_memory(what: str, nbytes: int, memory_limit: int | str | None, hint: str = "") -> None:
    """Refuse (raise :class:`AttentionTooLarge`) if ``nbytes`` exceeds the memory budget.

    ``memory_limit``: bytes or a string such as ``'8G'``; ``None`` is
    :func:`holonet.contract.default_memory_limit` (``HOLONET_MEMORY_LIMIT`` or a
    quarter of the available RAM); without the variable, predictions up to
    ``_ALWAYS_ALLOWED`` (64 MiB) pass without reading the available memory.
    """
    if memory_limit is None and nbytes <= _ALWAYS_ALLOWED and \
            "HOLONET_MEMORY_LIMIT" not in os.environ:
        return  # small calls: no read of /proc/meminfo on the hot path
    limit = default_memory_limit() if memory_limit is None else _parse_bytes(memory_limit)
    if not nbytes <= limit:
        raise AttentionTooLarge(
            f"{what} needs about {_human(nbytes)} ({int(nbytes):,} bytes) > memory limit "
            f"{_human(limit)}; {hint}pass memory_limit= (bytes or a string such as '64G') "
            "or set HOLONET_MEMORY_LIMIT to override")


def is_torch(x: Any) -> bool:
    """Whether ``x`` is a torch tensor, without importing torch (also while compiling)."""
    return type(x).__module__.split(".", 1)[0] == "torch"


class _Numpy:
    """The few array functions the dynamic programmes need, for numpy (and cupy)."""

    def __init__(self, mod: Any) -> None:
        self.mod = mod

    def amax(self, x: Any, axis: int) -> Any:
        return x.max(axis)

    def exp_(self, x: Any) -> Any:
        return self.mod.exp(x, out=x)

    def log0(self, x: Any) -> Any:
        """``log`` with ``-inf`` at zero and no warning."""
        m = self.mod
        return m.where(x > 0, m.log(m.maximum(x, 1e-300)), -np.inf).astype(x.dtype)

    def where(self, c: Any, a: Any, b: Any) -> Any:
        return self.mod.where(c, a, b)

    def cat(self, xs: list[Any], axis: int) -> Any:
        return self.mod.concatenate(xs, axis=axis)

    def zeros(self, shape: tuple[int, ...], like: Any) -> Any:
        return self.mod.zeros(shape, dtype=like.dtype)

    def maximum(self, a: Any, b: Any) -> Any:
        return self.mod.maximum(a, b)

    def isfinite(self, x: Any) -> Any:
        return self.mod.isfinite(x)

    def einsum(self, spec: str, *xs: Any) -> Any:
        return self.mod.einsum(spec, *xs)

    def to(self, x: Any, like: Any) -> Any:
        return x.astype(like.dtype, copy=False)

    def empty(self, shape: tuple[int, ...], like: Any) -> Any:
        return self.mod.empty(shape, dtype=like.dtype)

    def take(self, x: Any, idx: Any) -> Any:
        """``x[:, idx]`` for an integer index array of any shape."""
        return self.mod.take(x, idx, axis=1)

    def matmul_add(self, a: Any, b: Any, c: Any, alpha: float) -> Any:
        """``alpha · a @ b + c`` (``c`` broadcast)."""
        out = a @ b
        out *= alpha
        out += c
        return out

    def matmul_into(self, out: Any, a: Any, b: Any, accumulate: bool) -> None:
        """``out = a @ b`` or ``out += a @ b``, in place (``out`` may be a view)."""
        if accumulate:
            out += a @ b
        else:
            self.mod.matmul(a, b, out=out)


class _Torch:
    def __init__(self, mod: Any) -> None:
        self.mod = mod

    def amax(self, x: Any, axis: int) -> Any:
        return x.amax(axis)

    def exp_(self, x: Any) -> Any:
        return x.exp_()

    def log0(self, x: Any) -> Any:
        return self.mod.log(x)   # log(0) = -inf, no warning

    def where(self, c: Any, a: Any, b: Any) -> Any:
        return self.mod.where(c, a, b)

    def cat(self, xs: list[Any], axis: int) -> Any:
        return self.mod.cat(xs, dim=axis)

    def zeros(self, shape: tuple[int, ...], like: Any) -> Any:
        return self.mod.zeros(shape, dtype=like.dtype, device=like.device)

    def maximum(self, a: Any, b: Any) -> Any:
        return self.mod.maximum(a, b)

    def isfinite(self, x: Any) -> Any:
        return self.mod.isfinite(x)

    def einsum(self, spec: str, *xs: Any) -> Any:
        return self.mod.einsum(spec, *xs)

    def to(self, x: Any, like: Any) -> Any:
        return x.to(like.dtype)

    def empty(self, shape: tuple[int, ...], like: Any) -> Any:
        return self.mod.empty(shape, dtype=like.dtype, device=like.device)

    def take(self, x: Any, idx: Any) -> Any:
        # index_select is several times faster than advanced indexing on CPU
        out = x.index_select(1, idx.reshape(-1))
        return out.reshape(tuple(x.shape[:1]) + tuple(idx.shape) + tuple(x.shape[2:]))

    def matmul_add(self, a: Any, b: Any, c: Any, alpha: float) -> Any:
        return self.mod.baddbmm(c, a, b, alpha=alpha)

    def matmul_into(self, out: Any, a: Any, b: Any, accumulate: bool) -> None:
        if accumulate:
            out.baddbmm_(a, b)
        else:
            self.mod.bmm(a, b, out=out)


def xp(x: Any) -> Any:
    """The array namespace of ``x`` (numpy, torch or cupy) for the DP hot loops."""
    name = get_backend(x)
    if name == "torch":
        import torch

        return _Torch(torch)
    if name == "cupy":  # pragma: no cover - needs a CUDA device
        import cupy

        return _Numpy(cupy)
    return _Numpy(np)


def zeros(shape: tuple[int, ...], like: Any) -> Any:
    """Zeros of ``like``'s backend, dtype and device."""
    if get_backend(like) == "torch":
        import torch

        return torch.zeros(shape, dtype=like.dtype, device=like.device)
    return do("zeros", shape, dtype=like.dtype, like=like)


def const(x: Any, like: Any) -> Any:
    """A host constant (mask, index table, counts) on ``like``'s backend and device.

    Floating constants take ``like``'s dtype; integer and boolean ones keep theirs.
    """
    arr = np.asarray(x)
    if not arr.flags.writeable:  # broadcast views: torch wants writable memory
        arr = arr.copy()
    out = asarray(arr, like=like)
    if arr.dtype.kind == "f":
        if get_backend(like) == "torch":
            return out.to(like.dtype)
        return out.astype(like.dtype)
    return out


def swap_last(x: Any) -> Any:
    return do("swapaxes", x, -1, -2)


def pad_rows(x: Any, n_pad: int) -> Any:
    """Append ``n_pad`` zero rows along axis ``-2``."""
    if n_pad == 0:
        return x
    return do("concatenate", [x, zeros(tuple(x.shape[:-2]) + (n_pad, x.shape[-1]), x)],
              axis=-2)


def pad_last(x: Any, n_pad: int) -> Any:
    """Append ``n_pad`` zeros along the last axis."""
    if n_pad == 0:
        return x
    return do("concatenate", [x, zeros(tuple(x.shape[:-1]) + (n_pad,), x)], axis=-1)


def safe_max(s: Any, axis: int = -1) -> Any:
    """Row maximum with rows of ``-inf`` replaced by ``0`` (a finite stabiliser)."""
    m = do("max", s, axis=axis)
    return do("where", do("isfinite", m), m, 0.0)


def check_qkv(q: Any, k: Any, v: Any | None = None) -> tuple[int, int]:
    """Validate ``(..., N, d)`` shapes; return ``(N, d)``."""
    if len(q.shape) < 2:
        raise ValueError(f"q must have shape (..., N, d); got {tuple(q.shape)}")
    if tuple(k.shape) != tuple(q.shape):
        raise ValueError(f"k must have the shape of q {tuple(q.shape)}; got {tuple(k.shape)}")
    if v is not None and (tuple(v.shape[:-1]) != tuple(q.shape[:-1]) or len(v.shape) < 2):
        raise ValueError(f"v must have shape {tuple(q.shape[:-1])} + (dv,); got "
                         f"{tuple(v.shape)}")
    return int(q.shape[-2]), int(q.shape[-1])


def at_least_one(c: Any) -> Any:
    """``max(c, 1)`` elementwise (counts used as divisors), for every backend."""
    return do("where", c > 1.0, c, 1.0)
