"""Contraction of named-leg tensor networks, with cached paths and a memory guard.

A network is a sequence of ``(array, legs)`` pairs, where ``legs`` names each
axis of ``array`` (strings, any length), or a quimb ``TensorNetwork``. Legs
that appear twice are summed over; legs that appear once are open. The
contraction path is planned by opt_einsum (or any optimiser it accepts, such
as a cotengra ``HyperOptimizer``) and cached by the *structure* of the network
(legs, shapes, output), so repeated contractions of the same network with new
data, as in training loops and Monte-Carlo sweeps, plan only once.

Before contracting, the size of the largest intermediate is estimated from
the plan; above the memory budget :class:`ContractionTooLarge` is raised
instead of letting the machine swap or the process be killed.

Examples
--------
>>> import numpy as np
>>> from holonet.contract import contract
>>> a, b = np.ones((2, 3)), np.ones((3, 4))
>>> contract([(a, ("i", "k")), (b, ("k", "j"))]).shape
(2, 4)
"""

from __future__ import annotations

import functools
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import opt_einsum

from holonet._errors import HolonetError

__all__ = [
    "ContractionPlan",
    "ContractionTooLarge",
    "contract",
    "default_memory_limit",
    "plan",
]

Leg = str
NetworkLike = Any  # sequence of (array, legs) pairs, or a quimb TensorNetwork


class ContractionTooLarge(HolonetError, ValueError):
    """The planned contraction needs an intermediate larger than the memory budget.

    A ``ValueError`` (and a ``HolonetError``), raised by :func:`contract` before
    anything is allocated.

    Examples
    --------
    >>> import numpy as np
    >>> outer = [(np.ones((8, 8)), ("a", "b")), (np.ones((8, 8)), ("c", "d"))]
    >>> try:
    ...     contract(outer, memory_limit="1K")
    ... except ContractionTooLarge as exc:
    ...     print(str(exc)[:55])
    contraction needs an intermediate of 4,096 elements (32
    >>> issubclass(ContractionTooLarge, ValueError)
    True
    """


def _available_memory_bytes() -> int:
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:  # pragma: no cover - non-Linux
        pass
    try:  # pragma: no cover - non-Linux fallback
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover
        return 4 * 2**30


#: Intermediates up to this size (bytes) skip the default-budget lookup (see :func:`contract`).
_ALWAYS_AFFORDABLE = 16 * 2**20


def default_memory_limit() -> int:
    """Default budget for one intermediate, in bytes: a quarter of available RAM.

    A quarter leaves room for the two operands of the pairwise contraction that
    produces the intermediate and for the rest of the process. Override per call
    with ``memory_limit=`` or globally with the environment variable
    ``HOLONET_MEMORY_LIMIT`` (bytes, or with a suffix ``K``, ``M``, ``G``).

    Examples
    --------
    >>> default_memory_limit() > 0
    True
    """
    env = os.environ.get("HOLONET_MEMORY_LIMIT")
    if env:
        return _parse_bytes(env)
    return _available_memory_bytes() // 4


def _parse_bytes(text: str | int | float) -> int:
    if isinstance(text, bool) or not isinstance(text, str | int | float | np.integer
                                                   | np.floating):
        raise TypeError(f"memory limit must be a number of bytes or a string such as '2G'; "
                        f"got {type(text).__name__} {text!r}")
    if not isinstance(text, str):
        if not (np.isfinite(text) and text > 0):  # NaN and inf refused too
            raise ValueError(f"memory limit must be a positive, finite number of bytes; "
                             f"got {text!r}")
        return int(text)
    s = text.strip().upper().removesuffix("B").removesuffix("I")
    mult = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}.get(s[-1:], 1)
    try:
        value = float(s[:-1] if s[-1:] in "KMGT" else s) * mult
    except ValueError:
        raise ValueError(
            f"cannot read memory limit {text!r}; expected bytes such as 2000000000 or '2G'"
        ) from None
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"memory limit must be positive and finite; got {text!r}")
    return int(value)


def _human(nbytes: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if nbytes < 1024 or unit == "PiB":
            return f"{nbytes:.1f} {unit}"
        nbytes /= 1024
    return f"{nbytes:.1f} PiB"  # pragma: no cover


@dataclass(frozen=True)
class ContractionPlan:
    """A planned contraction: the einsum equation, the path and its costs.

    Attributes
    ----------
    equation
        The einsum equation with one symbol per leg.
    path
        Pairwise contraction order, as opt_einsum returns it.
    output
        Names of the open legs, in output order.
    flops
        Estimated floating-point operation count.
    largest_intermediate
        Number of elements of the largest intermediate tensor (output included).

    Examples
    --------
    >>> import numpy as np
    >>> p = plan([(np.ones((2, 8)), ("a", "b")), (np.ones((8, 2)), ("b", "c"))])
    >>> p.equation, p.path, p.output
    ('ab,bc->ac', ((0, 1),), ('a', 'c'))
    >>> p.largest_intermediate, p.nbytes(8)  # 2 x 2 output of float64
    (4, 32)
    """

    equation: str
    path: tuple[tuple[int, ...], ...]
    output: tuple[Leg, ...]
    flops: float
    largest_intermediate: int

    def nbytes(self, itemsize: int) -> int:
        """Bytes of the largest intermediate for elements of ``itemsize`` bytes."""
        return int(self.largest_intermediate) * int(itemsize)


def _as_pairs(network: NetworkLike) -> list[tuple[Any, tuple[Leg, ...]]]:
    tensors = getattr(network, "tensors", None)
    if tensors is not None and not isinstance(network, list | tuple):
        return [(t.data, tuple(t.inds)) for t in tensors]
    if not isinstance(network, Iterable):
        raise TypeError(
            "network must be a sequence of (array, legs) pairs or a quimb TensorNetwork; "
            f"got {type(network).__name__}"
        )
    if isinstance(network, str | bytes):
        raise TypeError(f"network must be a sequence of (array, legs) pairs or a quimb "
                        f"TensorNetwork; got the string {network!r:.40}")
    pairs = []
    for i, item in enumerate(network):
        if hasattr(item, "inds") and hasattr(item, "data"):  # a quimb Tensor
            pairs.append((item.data, tuple(item.inds)))
            continue
        try:
            array, legs = item
        except (TypeError, ValueError):
            raise TypeError(
                f"network entry {i} must be an (array, legs) pair; got {type(item).__name__}"
            ) from None
        if isinstance(legs, str) or not isinstance(legs, Iterable):
            raise TypeError(
                f"legs of tensor {i} must be a sequence of leg names, not "
                + (f"the string {legs!r}" if isinstance(legs, str) else repr(legs))
            )
        legs = tuple(legs)
        if not hasattr(array, "shape") or isinstance(array, str | bytes):
            raise TypeError(
                f"tensor {i} of the network must be an array (numpy, torch or cupy); got "
                f"{type(array).__name__}" + (" (convert it with numpy.asarray)"
                                             if isinstance(array, list | tuple) else "")
            )
        ndim = len(array.shape)
        if ndim != len(legs):
            raise ValueError(
                f"tensor {i} has {ndim} axes but {len(legs)} leg names {legs!r}"
            )
        try:
            distinct = len(set(legs))
        except TypeError:
            raise TypeError(f"leg names of tensor {i} must be hashable (strings); got "
                            f"{legs!r}") from None
        if distinct != len(legs):
            dup = next(leg for leg, c in Counter(legs).items() if c > 1)
            raise ValueError(
                f"tensor {i} names leg {dup!r} twice {legs!r}; a leg joins two tensors "
                "(take a trace with an explicit identity tensor)"
            )
        pairs.append((array, legs))
    if not pairs:
        raise ValueError("cannot contract an empty network")
    if len({type(a) for a, _ in pairs}) > 1:
        backends: dict[str, int] = {}
        for i, (array, _) in enumerate(pairs):
            backends.setdefault(_backend_of(array), i)
        if len(backends) > 1:
            names = ", ".join(f"tensor {i} is {b}" for b, i in backends.items())
            raise TypeError(f"network mixes array backends ({names}); convert every tensor "
                            "to one backend first (holonet.backend.asarray(x, like=...))")
    return pairs


def _backend_of(array: Any) -> str:
    from holonet.backend import get_backend

    return get_backend(array)


def _check_output(output: Any) -> tuple[Leg, ...] | None:
    if output is None:
        return None
    if isinstance(output, str | bytes) or not isinstance(output, Iterable):
        raise TypeError(f"output must be a sequence of leg names; got {type(output).__name__} "
                        f"{output!r:.40}" + (" (wrap a single leg in a list)"
                                            if isinstance(output, str) else ""))
    out = tuple(output)
    if len(set(out)) != len(out):
        dup = next(leg for leg, c in Counter(out).items() if c > 1)
        raise ValueError(f"output names leg {dup!r} more than once: {out!r}")
    return out


def _check_optimize(optimize: Any) -> Any:
    if isinstance(optimize, str):
        from opt_einsum.paths import _PATH_OPTIONS

        if optimize not in _PATH_OPTIONS:
            raise ValueError(f"unknown contraction optimizer optimize={optimize!r}; expected one "
                             f"of {', '.join(repr(c) for c in _PATH_OPTIONS)} or a path "
                             "optimizer object (e.g. a cotengra HyperOptimizer)")
    elif isinstance(optimize, bool):
        raise TypeError("optimize must be a path optimizer name such as 'auto' or an "
                        f"optimizer object; got {optimize!r}")
    return optimize


@functools.lru_cache(maxsize=1024)
def _default_output(legs_list: tuple[tuple[Leg, ...], ...]) -> tuple[Leg, ...]:
    counts = Counter(leg for legs in legs_list for leg in legs)
    seen: list[Leg] = []
    for legs in legs_list:
        for leg in legs:
            if counts[leg] == 1 and leg not in seen:
                seen.append(leg)
    return tuple(seen)


@functools.lru_cache(maxsize=1024)
def _plan_cached(
    legs_key: tuple[tuple[Leg, ...], ...],
    shapes_key: tuple[tuple[int, ...], ...],
    output: tuple[Leg, ...],
    optimize: Any,
) -> ContractionPlan:
    symbols: dict[Leg, str] = {}
    for legs in legs_key:
        for leg in legs:
            if leg not in symbols:
                symbols[leg] = opt_einsum.get_symbol(len(symbols))
    sizes: dict[Leg, int] = {}
    for legs, shape in zip(legs_key, shapes_key, strict=True):
        for leg, dim in zip(legs, shape, strict=True):
            if sizes.setdefault(leg, dim) != dim:
                raise ValueError(
                    f"leg {leg!r} has inconsistent dimensions {sizes[leg]} and {dim}"
                )
    counts = Counter(leg for legs in legs_key for leg in legs)
    for leg in output:
        if leg not in symbols:
            raise ValueError(f"output leg {leg!r} does not appear in the network")
    for leg, c in counts.items():
        if c > 2 and leg not in output:
            raise ValueError(
                f"leg {leg!r} appears {c} times; a named leg joins at most two tensors "
                "(use an explicit copy tensor for hyperedges)"
            )
    eq = ",".join("".join(symbols[leg] for leg in legs) for legs in legs_key)
    eq += "->" + "".join(symbols[leg] for leg in output)
    if len(legs_key) == 1:
        path: list[tuple[int, ...]] = [(0,)]
        inter = int(np.prod(shapes_key[0], dtype=np.int64)) if shapes_key[0] else 1
        out_size = int(np.prod([sizes[leg] for leg in output], dtype=np.int64)) if output else 1
        return ContractionPlan(eq, ((0,),), output, float(inter), max(inter, out_size))
    path, info = opt_einsum.contract_path(eq, *shapes_key, shapes=True, optimize=optimize)
    return ContractionPlan(
        equation=eq,
        path=tuple(tuple(p) for p in path),
        output=output,
        flops=float(info.opt_cost),
        largest_intermediate=int(info.largest_intermediate),
    )


def plan(
    network: NetworkLike,
    output: Sequence[Leg] | None = None,
    *,
    optimize: Any = "auto",
) -> ContractionPlan:
    """Plan the contraction of ``network`` without contracting it.

    Plans are cached by structure (leg names, shapes, output legs, optimiser).

    Parameters
    ----------
    network
        Sequence of ``(array, legs)`` pairs or a quimb ``TensorNetwork``.
    output
        Open legs in the wanted order; by default every leg that appears once,
        in order of first appearance.
    optimize
        Any ``optimize=`` value opt_einsum accepts (``'auto'``, ``'greedy'``,
        ``'optimal'``, a cotengra optimiser, ...). Must be hashable to be cached.

    Examples
    --------
    >>> import numpy as np
    >>> p = plan([(np.ones((2, 8)), ("a", "b")), (np.ones((8, 2)), ("b", "c"))])
    >>> p.largest_intermediate
    4
    """
    return _plan_pairs(_as_pairs(network), output, optimize)


def _plan_pairs(pairs: list[tuple[Any, tuple[Leg, ...]]], output: Sequence[Leg] | None,
                optimize: Any) -> ContractionPlan:
    legs_key = tuple(legs for _, legs in pairs)
    shapes_key = tuple(tuple(int(s) for s in np.shape(a)) for a, _ in pairs)
    checked = _check_output(output)
    out = checked if checked is not None else _default_output(legs_key)
    return _plan_cached(legs_key, shapes_key, out, _check_optimize(optimize))


def _itemsize(arrays: Iterable[Any]) -> int:
    size = 1
    for a in arrays:
        dt = getattr(a, "dtype", None)
        item = getattr(dt, "itemsize", None)
        if item is None:  # torch dtypes
            try:
                item = a.element_size()
            except AttributeError:
                item = np.asarray(a).dtype.itemsize
        size = max(size, int(item))
    return size


def contract(
    network: NetworkLike,
    output: Sequence[Leg] | None = None,
    *,
    optimize: Any = "auto",
    memory_limit: int | str | None = None,
) -> Any:
    """Contract a named-leg network; the result keeps the inputs' array backend.

    Parameters
    ----------
    network
        Sequence of ``(array, legs)`` pairs or a quimb ``TensorNetwork``. The
        arrays may be numpy, torch or cupy (all of one kind); the contraction
        runs on that backend through opt_einsum/autoray.
    output
        Open legs in the wanted order (default: legs appearing once, in order).
    optimize
        Path optimiser passed to opt_einsum (``'auto'`` by default).
    memory_limit
        Budget in bytes (or a string such as ``'2G'``) for the largest
        intermediate; default :func:`default_memory_limit`.

    Returns
    -------
    array
        The contracted tensor, legs in ``output`` order (a 0-d array if no leg is open).

    Raises
    ------
    ContractionTooLarge
        If the planned largest intermediate exceeds ``memory_limit``.

    Examples
    --------
    >>> import numpy as np
    >>> u = np.eye(2)
    >>> float(contract([(u, ("a", "b")), (u, ("b", "a"))]))
    2.0
    """
    pairs = _as_pairs(network)
    p = _plan_pairs(pairs, output, optimize)
    arrays = [a for a, _ in pairs]
    itemsize = _itemsize(arrays)
    need = p.nbytes(itemsize)
    # reading /proc/meminfo costs more than a small contraction: below 16 MiB no machine
    # that runs holonet is short of memory, so the default budget is only read above it
    if memory_limit is None and need <= _ALWAYS_AFFORDABLE:
        limit = need
    else:
        limit = default_memory_limit() if memory_limit is None else _parse_bytes(memory_limit)
    if need > limit:
        raise ContractionTooLarge(
            f"contraction needs an intermediate of {p.largest_intermediate:,} elements "
            f"({_human(need)} at {itemsize} bytes each), above the memory budget of "
            f"{_human(limit)}; slice the contraction (e.g. a cotengra optimiser with "
            "slicing), contract a smaller region, or use the stabilizer view "
            "(holonet.stabilizer) for stabilizer codes"
        )
    if len(pairs) == 1:
        return opt_einsum.contract(p.equation, arrays[0])
    return _expression(p, tuple(tuple(int(d) for d in np.shape(a)) for a in arrays))(*arrays)


@functools.lru_cache(maxsize=1024)
def _expression(p: ContractionPlan, shapes: tuple[tuple[int, ...], ...]) -> Any:
    # The compiled opt_einsum expression of a plan: parsing the equation and replaying the
    # path's bookkeeping cost more than the contraction itself for small networks, so it is
    # built once per plan, like the plan. It dispatches on the arrays' backend at call time.
    return opt_einsum.contract_expression(p.equation, *shapes,
                                          optimize=[tuple(x) for x in p.path])
