"""A least-recently-used cache bounded by the bytes it holds, not by its entry count.

The attention operators cache structural constants (per-level biases, log
counts, index tables) per tree shape and device. Their size grows with the
sequence length, so an entry-count bound (``functools.lru_cache(maxsize=64)``)
lets a caller who varies ``N`` keep 64 large arrays alive. :class:`ByteLRU`
evicts least-recently-used entries until the total size fits its budget, and
does not store an entry larger than the budget at all.

Examples
--------
>>> import numpy as np
>>> cache = ByteLRU(budget=1000)
>>> a = cache.get_or_build("a", lambda: np.zeros(100, dtype=np.float32))  # 400 bytes
>>> b = cache.get_or_build("b", lambda: np.zeros(100, dtype=np.float32))
>>> c = cache.get_or_build("c", lambda: np.zeros(100, dtype=np.float32))  # evicts "a"
>>> sorted(cache.keys()), cache.nbytes
(['b', 'c'], 800)
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

__all__ = ["ByteLRU", "nbytes_of"]


def nbytes_of(value: Any) -> int:
    """Bytes held by arrays/tensors in ``value`` (nested tuples, lists, dicts, objects).

    Objects are inspected through ``__dict__`` or ``__slots__``; anything without
    ``nbytes`` (numpy, cupy) or ``element_size`` (torch) counts as zero.

    Examples
    --------
    >>> import numpy as np
    >>> nbytes_of((np.zeros(4), [np.zeros(2, dtype=np.int32)], {"x": None}))
    40
    """
    seen: set[int] = set()

    def walk(x: Any) -> int:
        if x is None or isinstance(x, int | float | bool | str):
            return 0
        if id(x) in seen:
            return 0
        seen.add(id(x))
        if hasattr(x, "element_size") and hasattr(x, "nelement"):  # torch
            return int(x.element_size() * x.nelement())
        if hasattr(x, "nbytes") and hasattr(x, "dtype"):             # numpy, cupy
            return int(x.nbytes)
        if isinstance(x, dict):
            return sum(walk(v) for v in x.values())
        if isinstance(x, list | tuple):
            return sum(walk(v) for v in x)
        if hasattr(x, "__dict__"):
            return sum(walk(v) for v in vars(x).values())
        slots = getattr(type(x), "__slots__", ())
        return sum(walk(getattr(x, s, None)) for s in slots)

    return walk(value)


class ByteLRU:
    """Least-recently-used cache whose entries together hold at most ``budget`` bytes.

    Parameters
    ----------
    budget
        Maximum total size of the cached values in bytes (measured by
        :func:`nbytes_of` when an entry is stored). A value larger than the
        budget is returned but not cached.

    Examples
    --------
    >>> import numpy as np
    >>> cache = ByteLRU(budget=64)
    >>> x = cache.get_or_build(("big",), lambda: np.zeros(100))   # 800 bytes > budget
    >>> len(cache), x.shape
    (0, (100,))
    """

    def __init__(self, budget: int) -> None:
        if not isinstance(budget, int) or isinstance(budget, bool) or budget < 0:
            raise ValueError(f"budget must be a non-negative integer of bytes; got {budget!r}")
        self.budget = budget
        self._data: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._nbytes = 0
        self._lock = threading.Lock()

    @property
    def nbytes(self) -> int:
        """Total bytes currently held."""
        return self._nbytes

    def __len__(self) -> int:
        return len(self._data)

    def keys(self) -> list[Hashable]:
        """Cached keys, least recently used first."""
        with self._lock:
            return list(self._data)

    def clear(self) -> None:
        """Drop every entry."""
        with self._lock:
            self._data.clear()
            self._nbytes = 0

    def get_or_build(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """The value for ``key``, built by ``build()`` (and cached if it fits) on a miss."""
        with self._lock:
            hit = self._data.get(key)
            if hit is not None:
                self._data.move_to_end(key)
                return hit[0]
        value = build()
        size = nbytes_of(value)
        if size > self.budget:
            return value
        with self._lock:
            if key in self._data:  # built concurrently: keep the first
                self._data.move_to_end(key)
                return self._data[key][0]
            self._data[key] = (value, size)
            self._nbytes += size
            while self._nbytes > self.budget and self._data:
                _, (_, old) = self._data.popitem(last=False)
                self._nbytes -= old
        return value
