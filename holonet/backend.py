"""Array-backend dispatch through autoray.

One function body serves numpy, torch and cupy: array code in holonet calls
``autoray.do(name, x, ...)`` (or the helpers here) and never imports a heavy
backend itself. Torch and cupy are imported only when an array of theirs is
passed in or explicitly requested with ``like="torch"``/``like="cupy"``.

Examples
--------
>>> import numpy as np
>>> from holonet.backend import asarray, get_backend, to_numpy
>>> x = asarray([[1.0, 2.0], [3.0, 4.0]])
>>> get_backend(x)
'numpy'
>>> to_numpy(x).sum()
np.float64(10.0)
"""

from __future__ import annotations

import importlib.util
import sys
from typing import Any

import autoray
import numpy as np

__all__ = [
    "BACKENDS",
    "asarray",
    "available_backends",
    "do",
    "get_backend",
    "is_available",
    "to_numpy",
]

#: Backends holonet knows how to dispatch to, in order of preference.
BACKENDS: tuple[str, ...] = ("numpy", "torch", "cupy")

do = autoray.do


def get_backend(x: Any) -> str:
    """Name of the array library that owns ``x`` (``'numpy'``, ``'torch'`` or ``'cupy'``).

    Python scalars and lists count as numpy.

    Examples
    --------
    >>> get_backend(3.0)
    'numpy'
    """
    name = autoray.infer_backend(x)
    if name in ("builtins", "numpy"):
        return "numpy"
    return str(name)


def _check_backend(like: str) -> str:
    if like not in BACKENDS:
        raise ValueError(f"unknown array backend {like!r}; expected one of "
                         + ", ".join(repr(b) for b in BACKENDS))
    if not is_available(like):
        raise ValueError(f"array backend {like!r} is not available here "
                         f"(install holonet[{'nn' if like == 'torch' else 'gpu'}]"
                         + (" and use a machine with a CUDA device" if like == "cupy" else "")
                         + ")")
    return like


def asarray(x: Any, like: Any = None, dtype: Any = None) -> Any:
    """Convert ``x`` to an array of the backend named by (or owning) ``like``.

    Parameters
    ----------
    x
        Array-like (numpy array, torch tensor, cupy array, nested lists).
    like
        ``None`` (keep ``x``'s backend, numpy for lists), a backend name
        (``'numpy'``, ``'torch'``, ``'cupy'``) or an array whose backend,
        device and (if ``dtype`` is ``None``) floating dtype to follow.
    dtype
        Optional dtype name such as ``'float32'`` or ``'complex128'``.

    Examples
    --------
    >>> asarray([1, 2], dtype="float64").dtype
    dtype('float64')
    """
    if like is None:
        backend = get_backend(x)
        target_device = None
    elif isinstance(like, str):
        backend = _check_backend(like)
        target_device = None
    else:
        backend = get_backend(like)
        target_device = getattr(like, "device", None)
    if backend == "numpy":
        arr = np.asarray(to_numpy(x) if get_backend(x) != "numpy" else x)
        return arr.astype(dtype) if dtype is not None else arr
    if backend == "torch":
        import torch

        tdtype = getattr(torch, dtype, None) if isinstance(dtype, str) else dtype
        if isinstance(dtype, str) and not isinstance(tdtype, torch.dtype):
            raise TypeError(f"unknown dtype {dtype!r} for the torch backend; expected a name "
                            "such as 'float32', 'float64' or 'complex128'")
        out: Any
        if isinstance(x, torch.Tensor):
            out = x
        else:
            out = torch.as_tensor(to_numpy(x) if get_backend(x) != "numpy" else np.asarray(x))
        if target_device is not None and isinstance(target_device, torch.device):
            out = out.to(target_device)
        return out.to(tdtype) if tdtype is not None else out
    # cupy
    import cupy  # pragma: no cover - needs a CUDA device

    out = cupy.asarray(x)  # pragma: no cover
    return out.astype(dtype) if dtype is not None else out  # pragma: no cover


def to_numpy(x: Any) -> np.ndarray:
    """Return ``x`` as a numpy array (moving it to host memory if needed).

    Examples
    --------
    >>> to_numpy([1, 2, 3])
    array([1, 2, 3])
    """
    name = get_backend(x)
    if name == "numpy":
        return np.asarray(x)
    if name == "torch":
        return x.detach().cpu().numpy()
    return np.asarray(autoray.to_numpy(x))


def is_available(name: str) -> bool:
    """Whether backend ``name`` can be used here (cupy also needs a visible CUDA device).

    Does not import the backend unless it is installed; importing torch only
    happens when it is asked about and installed.

    Examples
    --------
    >>> is_available("numpy")
    True
    """
    if name == "numpy":
        return True
    if name == "torch":
        return "torch" in sys.modules or importlib.util.find_spec("torch") is not None
    if name == "cupy":
        if importlib.util.find_spec("cupy") is None:
            return False
        try:  # pragma: no cover - needs cupy
            import cupy

            return int(cupy.cuda.runtime.getDeviceCount()) > 0
        except Exception:  # pragma: no cover - no driver / no device
            return False
    return False


def available_backends() -> list[str]:
    """Names of the array backends usable on this machine, numpy first.

    Examples
    --------
    >>> available_backends()[0]
    'numpy'
    """
    return [b for b in BACKENDS if is_available(b)]
