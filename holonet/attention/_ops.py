"""Small backend-agnostic helpers shared by the attention operators (numpy/torch/cupy)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from holonet.backend import asarray, do, get_backend

NEG_INF = -math.inf


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
