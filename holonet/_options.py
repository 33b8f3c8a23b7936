"""Validation helpers: string options checked against a registry, numbers against ranges.

Every public function that takes a string option validates it here so the error
always names the bad value and the valid choices (opt_einsum's ``optimize=`` habit).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


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
