"""The array-backend layer: dispatch, conversion, availability."""

from __future__ import annotations

import numpy as np
import pytest

from holonet.backend import asarray, available_backends, get_backend, is_available, to_numpy


def test_roundtrip_every_backend(backend: str) -> None:
    x = np.arange(6.0).reshape(2, 3)
    y = asarray(x, like=backend)
    assert get_backend(y) == backend
    np.testing.assert_array_equal(to_numpy(y), x)


def test_asarray_follows_like_array(backend: str) -> None:
    ref = asarray(np.zeros(2), like=backend)
    y = asarray([1.0, 2.0], like=ref, dtype="float32")
    assert get_backend(y) == backend
    assert "float32" in str(y.dtype)


def test_numpy_is_default_and_first() -> None:
    assert get_backend([1, 2]) == "numpy"
    assert available_backends()[0] == "numpy"
    assert is_available("numpy")


def test_bad_backend_names_valid_choices() -> None:
    with pytest.raises(ValueError, match="unknown array backend 'jax'.*'numpy', 'torch', 'cupy'"):
        asarray([1.0], like="jax")


def test_cupy_requested_without_device_is_refused() -> None:
    if is_available("cupy"):  # pragma: no cover - GPU machines: the request is honoured
        assert get_backend(asarray([1.0], like="cupy")) == "cupy"
        return
    with pytest.raises(ValueError, match="not available"):
        asarray([1.0], like="cupy")
