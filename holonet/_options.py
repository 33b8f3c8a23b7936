"""Validation helpers: string options checked against a registry, numbers against ranges.

Every public function that takes a string option validates it here so the error
always names the bad value and the valid choices (opt_einsum's ``optimize=`` habit).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from holonet._errors import HolonetError


def check_option(what: str, value: Any, choices: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise a helpful error.

    Examples
    --------
    >>> check_option("layer convention", "edge", ("vertex", "edge"))
    'edge'
    >>> check_option("layer convention", "vertx", ("vertex", "edge"))
    Traceback (most recent call last):
    ...
    ValueError: unknown layer convention 'vertx'; expected one of 'vertex', 'edge'
    """
    choices = tuple(choices)
    if not isinstance(value, str):
        raise TypeError(
            f"{what} must be a string, one of {', '.join(repr(c) for c in choices)}; "
            f"got {type(value).__name__} {value!r}"
        )
    if value not in choices:
        raise ValueError(
            f"unknown {what} {value!r}; expected one of {', '.join(repr(c) for c in choices)}"
        )
    return value


def check_int(what: str, value: Any, *, minimum: int | None = None,
              maximum: int | None = None) -> int:
    """Return ``value`` as an ``int`` if it is an integer within bounds, else raise.

    Examples
    --------
    >>> check_int("layers", 3, minimum=1)
    3
    >>> check_int("layers", 0, minimum=1)
    Traceback (most recent call last):
    ...
    ValueError: layers must be >= 1; got 0
    """
    import numbers

    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{what} must be an integer; got {type(value).__name__} {value!r}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{what} must be >= {minimum}; got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{what} must be <= {maximum}; got {value}")
    return value


# ---------------------------------------------------------------------------------------
# shared validators for the kinds of input every entry point takes: indices, masks,
# rates, shot counts, seeds, numeric arrays, and predicted work (size guards)

def _describe_value(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_float(what: str, value: Any, *, minimum: float | None = None,
                maximum: float | None = None, finite: bool = True) -> float:
    """Return ``value`` as a ``float`` if it is a real number within bounds, else raise.

    NaN is always refused; infinities unless ``finite=False``.

    Examples
    --------
    >>> check_float("tol", 1e-10, minimum=0)
    1e-10
    >>> check_float("tol", float("nan"))
    Traceback (most recent call last):
    ...
    ValueError: tol must be a finite number; got nan
    """
    import numbers

    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what} must be a real number; got {type(value).__name__} "
                        f"{_describe_value(value)}")
    x = float(value)
    if x != x or (finite and x in (float("inf"), float("-inf"))):
        raise ValueError(f"{what} must be a finite number; got {x}")
    if minimum is not None and not x >= minimum:
        raise ValueError(f"{what} must be >= {minimum}; got {x}")
    if maximum is not None and not x <= maximum:
        raise ValueError(f"{what} must be <= {maximum}; got {x}")
    return x


def check_rate(what: str, value: Any) -> float:
    """A probability: a finite real number in ``[0, 1]`` (NaN and 2.0 are refused).

    Examples
    --------
    >>> check_rate("erasure rate", 0.25)
    0.25
    >>> check_rate("erasure rate", 2.0)
    Traceback (most recent call last):
    ...
    ValueError: erasure rate must be a probability in [0, 1]; got 2.0
    """
    x = check_float(what, value)
    if not 0.0 <= x <= 1.0:
        raise ValueError(f"{what} must be a probability in [0, 1]; got {x}")
    return x


def check_rates(what: str, values: Any, *, increasing: bool = False) -> Any:
    """A non-empty 1-d float array of probabilities in ``[0, 1]`` (optionally increasing).

    Examples
    --------
    >>> check_rates("p_values", [0.1, 0.2], increasing=True).tolist()
    [0.1, 0.2]
    >>> check_rates("p_values", [0.1, float("nan")])
    Traceback (most recent call last):
    ...
    ValueError: p_values must hold probabilities in [0, 1]; got nan at position 1
    """
    import numpy as np

    if isinstance(values, str) or values is None:
        raise TypeError(f"{what} must be a sequence of probabilities; got "
                        f"{type(values).__name__} {_describe_value(values)}")
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{what} must be a sequence of probabilities; got "
                        f"{_describe_value(values)}") from None
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{what} must be a non-empty 1-d sequence of probabilities; got "
                         f"shape {arr.shape}")
    bad = np.flatnonzero(~((arr >= 0.0) & (arr <= 1.0)))
    if bad.size:
        raise ValueError(f"{what} must hold probabilities in [0, 1]; got {arr[bad[0]]} at "
                         f"position {int(bad[0])}")
    if increasing and np.any(np.diff(arr) <= 0):
        raise ValueError(f"{what} must be strictly increasing; got {arr.tolist()}")
    return arr


def check_shots(what: str, value: Any, *, maximum: int | None = None,
                override: str | None = None) -> int:
    """A number of Monte-Carlo samples: an integer >= 1, at most ``maximum``.

    ``override`` names the argument that raises ``maximum`` (stated in the error).

    Examples
    --------
    >>> check_shots("shots", 100)
    100
    >>> check_shots("shots", 0)
    Traceback (most recent call last):
    ...
    ValueError: shots must be >= 1; got 0
    """
    n = check_int(what, value, minimum=1)
    if maximum is not None and n > maximum:
        raise WorkTooLarge(f"{what}={n:,} is above the limit of {maximum:,}"
                           + (f"; pass a larger {override} to allow more" if override else ""))
    return n


def check_seed(what: str, value: Any) -> int | None:
    """A seed: ``None`` or a non-negative integer (what ``numpy.random.default_rng`` takes).

    Examples
    --------
    >>> check_seed("seed", 7), check_seed("seed", None)
    (7, None)
    >>> check_seed("seed", -1)
    Traceback (most recent call last):
    ...
    ValueError: seed must be a non-negative integer or None; got -1
    """
    if value is None:
        return None
    import numbers

    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{what} must be a non-negative integer or None; got "
                        f"{type(value).__name__} {_describe_value(value)}")
    if value < 0:
        raise ValueError(f"{what} must be a non-negative integer or None; got {value}")
    return int(value)


def check_indices(what: str, value: Any, n: int, *, allow_empty: bool = True) -> Any:
    """Integer indices in ``0 .. n-1`` as a 1-d ``int64`` array (order and repeats kept).

    Floats (``0.9`` would be truncated), booleans, negative indices (which would
    wrap around) and out-of-range indices are refused.

    Examples
    --------
    >>> check_indices("region", [0, 3], 5).tolist()
    [0, 3]
    >>> check_indices("region", [0.9, 1.9], 5)
    Traceback (most recent call last):
    ...
    TypeError: region must hold integer indices in 0..4; got float 0.9 at position 0
    >>> check_indices("region", [-1], 5)
    Traceback (most recent call last):
    ...
    ValueError: region index -1 at position 0 is out of range 0..4
    """
    import numbers

    import numpy as np

    if isinstance(value, str | bytes) or value is None:
        raise TypeError(f"{what} must be a sequence of integer indices in 0..{n - 1}; got "
                        f"{type(value).__name__} {_describe_value(value)}")
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = [value]
    arr = np.asarray(value if isinstance(value, np.ndarray) else list(value), dtype=object
                     ) if not isinstance(value, np.ndarray) else value
    if arr.ndim != 1:
        arr = arr.reshape(-1) if arr.ndim > 1 else arr.reshape(1)
    if arr.size == 0:
        if not allow_empty:
            raise ValueError(f"{what} must not be empty")
        return np.zeros(0, dtype=np.int64)
    if arr.dtype != object and np.issubdtype(arr.dtype, np.integer):
        out = arr.astype(np.int64)
    else:
        for pos, x in enumerate(arr.tolist()):
            if isinstance(x, bool) or not isinstance(x, numbers.Integral):
                raise TypeError(f"{what} must hold integer indices in 0..{n - 1}; got "
                                f"{type(x).__name__} {_describe_value(x)} at position {pos}")
        out = np.asarray([int(x) for x in arr.tolist()], dtype=np.int64)
    bad = np.flatnonzero((out < 0) | (out >= n))
    if bad.size:
        raise ValueError(f"{what} index {int(out[bad[0]])} at position {int(bad[0])} is out "
                         f"of range 0..{n - 1}")
    return out


def check_mask(what: str, value: Any, n: int, *, batch: bool = False) -> Any:
    """A boolean mask over ``n`` items (``(n,)``, or ``(B, n)`` with ``batch=True``).

    Booleans pass; integer or float entries must be exactly 0 or 1 (``0.5`` and NaN
    are refused rather than read as True).

    Examples
    --------
    >>> check_mask("erased", [1, 0, 0], 3).tolist()
    [True, False, False]
    >>> check_mask("erased", [0.5, 0, 0], 3)
    Traceback (most recent call last):
    ...
    ValueError: erased must be a boolean mask (entries True/False or 0/1); got 0.5 at index (0,)
    """
    import numpy as np

    if isinstance(value, str | bytes) or value is None:
        raise TypeError(f"{what} must be a boolean mask of length {n}; got "
                        f"{type(value).__name__} {_describe_value(value)}")
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):
        raise TypeError(f"{what} must be a boolean mask of length {n}; got a ragged or "
                        "non-numeric sequence") from None
    if batch and arr.ndim == 1:
        arr = arr[None]
    want = 2 if batch else 1
    if arr.ndim != want or arr.shape[-1] != n:
        shape = f"(B, {n})" if batch else f"({n},)"
        raise ValueError(f"{what} must have shape {shape}; got {arr.shape}")
    if arr.dtype == np.bool_:
        return arr.copy()
    if arr.size == 0:
        return arr.astype(bool)
    if not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(f"{what} must be a boolean mask; got dtype {arr.dtype}")
    bad = np.argwhere(~((arr == 0) | (arr == 1)))
    if bad.size:
        where = tuple(int(i) for i in bad[0])
        raise ValueError(f"{what} must be a boolean mask (entries True/False or 0/1); got "
                         f"{arr[where]} at index {where}")
    return arr.astype(bool)


def check_numeric(what: str, value: Any) -> Any:
    """``value`` as a numeric numpy array (torch/cupy moved to the host); else TypeError.

    Examples
    --------
    >>> check_numeric("tensor", [[1, 0], [0, 1]]).shape
    (2, 2)
    >>> check_numeric("tensor", "abc")
    Traceback (most recent call last):
    ...
    TypeError: tensor must be a numeric array; got str 'abc'
    """
    import numpy as np

    if isinstance(value, str | bytes) or value is None:
        raise TypeError(f"{what} must be a numeric array; got {type(value).__name__} "
                        f"{_describe_value(value)}")
    from holonet.backend import to_numpy

    try:
        arr = np.asarray(to_numpy(value))
    except (TypeError, ValueError):
        raise TypeError(f"{what} must be a numeric array; got {type(value).__name__}") from None
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        raise TypeError(f"{what} must be a numeric array; got dtype {arr.dtype} "
                        f"({type(value).__name__})")
    return arr


def nonfinite(array: Any) -> str | None:
    """``None`` if every entry is finite, else a description of the bad entries.

    Examples
    --------
    >>> import numpy as np
    >>> nonfinite(np.ones(3)) is None
    True
    >>> nonfinite(np.array([[1.0, np.nan], [np.inf, 2.0]]))
    '2 non-finite entries (first: nan at index (0, 1))'
    """
    import numpy as np

    arr = np.asarray(array)
    if not np.issubdtype(arr.dtype, np.inexact):
        return None
    bad = ~np.isfinite(arr)
    if not bad.any():
        return None
    where = tuple(int(i) for i in np.argwhere(bad)[0])
    return (f"{int(bad.sum())} non-finite entr{'y' if bad.sum() == 1 else 'ies'} (first: "
            f"{arr[where]} at index {where})")


class WorkTooLarge(HolonetError, ValueError):
    """An entry point predicted more work or memory than its limit allows; nothing was done.

    Raised by :func:`check_work` with the predicted amount and the argument that
    raises the limit (like :class:`holonet.contract.ContractionTooLarge` and the
    tile guard of :class:`holonet.geometry.HyperbolicTiling`).

    Examples
    --------
    >>> issubclass(WorkTooLarge, ValueError)
    True
    """


def check_work(what: str, predicted: float, limit: float, *, unit: str, override: str
               ) -> None:
    """Refuse (:class:`WorkTooLarge`) before the work when ``predicted > limit``.

    Examples
    --------
    >>> check_work("erasure_exhaustive", 10, 100, unit="patterns", override="max_patterns=")
    >>> check_work("erasure_exhaustive", 1.3e13, 1e8, unit="patterns",
    ...            override="max_patterns=")
    Traceback (most recent call last):
    ...
    holonet._options.WorkTooLarge: erasure_exhaustive would check 1.3e+13 patterns, above ...
    """
    if not predicted <= limit:
        if unit.startswith("bytes"):  # "bytes" (of memory) or e.g. "bytes of HTML"
            noun = unit[len("bytes"):].strip() or "of memory"
            raise WorkTooLarge(f"{what} would need {human_bytes(predicted)} {noun}, above the "
                               f"limit of {human_bytes(limit)}; pass a larger {override} to "
                               "allow it")

        def fmt(x: float) -> str:
            return f"{int(x):,}" if float(x) < 1e9 else f"{float(x):.2g}"

        raise WorkTooLarge(f"{what} would check {fmt(predicted)} {unit}, above the limit of "
                           f"{fmt(limit)}; pass a larger {override} to allow it")


def human_bytes(nbytes: float) -> str:
    """``6.6 GiB``-style rendering of a byte count.

    Examples
    --------
    >>> human_bytes(7.1e9)
    '6.6 GiB'
    """
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if nbytes < 1024 or unit == "PiB":
            return f"{nbytes:.1f} {unit}"
        nbytes /= 1024
    return f"{nbytes:.1f} PiB"  # pragma: no cover
