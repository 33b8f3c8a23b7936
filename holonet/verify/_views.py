"""Views of a code shared by the checks: packed check matrix, greedy-wedge graph, regions.

A *code* here is either a :class:`holonet.stabilizer.StabilizerCode` (or
anything with ``n``, ``k``, ``stabilizers``, ``logicals``) or a holographic
code with ``stabilizer_code``, ``boundary_legs``, ``bulk_legs``, ``tiling``
and ``tile_legs(tile)`` (:class:`holonet.codes.HaPPYCode`). The packed views
are cached per code object, so Monte-Carlo loops and sweeps build them once.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from holonet.verify import _batch

__all__: list[str] = []


@dataclass(frozen=True)
class CodeView:
    """Packed stabilizer data of a code.

    ``C`` is the transposed, bit-packed ``[S; X1; Z1; X2; Z2; ...]`` (logical
    rows interleaved, so logical ``j`` owns bits ``r + 2j`` and ``r + 2j + 1``).
    """

    n: int
    k: int
    r: int
    C: np.ndarray
    stabilizers: np.ndarray
    logical_rows: np.ndarray  # (2k, 2n): X1, Z1, X2, Z2, ...
    labels: tuple[str, ...]  # one per logical qubit
    qubit_labels: tuple[str, ...]  # one per physical qubit


@dataclass(frozen=True)
class NetView:
    """Tile/leg incidence for the greedy wedge (legs 0..n-1 are the boundary qubits)."""

    tile_ptr: np.ndarray
    tile_legs: np.ndarray
    leg_tiles: np.ndarray  # (n_legs, 2), -1 where absent
    n: int
    bulk_tile: np.ndarray  # tile of each logical (bulk leg), in bulk_legs order
    leg_names: tuple[str, ...]


_CACHE: dict[int, tuple[Any, dict[str, Any]]] = {}

#: default limit on the interval-mask entries of a sweep (intervals x n, ~n^3 for a full
#: sweep): a full sweep of the 4-layer HaPPY code (n = 355, 4.5e7 entries) passes, the
#: 5-layer one (n = 1325, 2.3e9) is refused; raise it with ``max_mask_entries=``
DEFAULT_MAX_MASK_ENTRIES = 10**8


def _cache(code: Any) -> dict[str, Any]:
    key = id(code)
    hit = _CACHE.get(key)
    if hit is not None and hit[0]() is code:
        return hit[1]
    store: dict[str, Any] = {}
    try:
        ref: Any = weakref.ref(code)
    except TypeError:  # not weak-referenceable: keep a strong reference
        ref = (lambda c=code: c)
    _CACHE[key] = (ref, store)
    if len(_CACHE) > 64:
        for k in [k for k, (r, _) in _CACHE.items() if r() is None]:
            _CACHE.pop(k, None)
    return store


def stabilizer_code(code: Any) -> Any:
    sc = getattr(code, "stabilizer_code", None)
    return sc if sc is not None else code


def is_network_code(code: Any) -> bool:
    return all(hasattr(code, a) for a in ("tile_legs", "boundary_legs", "bulk_legs", "tiling"))


def code_view(code: Any) -> CodeView:
    store = _cache(code)
    if "code" in store:
        return store["code"]  # type: ignore[no-any-return]
    sc = stabilizer_code(code)
    for attr in ("n", "k", "stabilizers", "logicals"):
        if not hasattr(sc, attr):
            raise TypeError(f"expected a stabilizer code (with n, k, stabilizers, logicals) or "
                            f"a HaPPY code; got {type(code).__name__} without {attr!r}")
    n, k = int(sc.n), int(sc.k)
    S = np.asarray(sc.stabilizers, dtype=np.uint8).reshape(-1, 2 * n)
    if k:
        X, Z = (np.asarray(m, dtype=np.uint8).reshape(k, 2 * n) for m in sc.logicals)
        L = np.empty((2 * k, 2 * n), dtype=np.uint8)
        L[0::2], L[1::2] = X, Z
    else:
        L = np.zeros((0, 2 * n), dtype=np.uint8)
    C, r = _batch.column_table(S, L)
    if is_network_code(code):
        labels = tuple(str(x) for x in code.bulk_legs)
        qlabels = tuple(str(x) for x in code.boundary_legs)
    else:
        labels = tuple(f"L{j}" for j in range(k))
        qlabels = tuple(str(i) for i in range(n))
    view = CodeView(n, k, r, C, S, L, labels, qlabels)
    store["code"] = view
    return view


def net_view(code: Any) -> NetView:
    if not is_network_code(code):
        raise TypeError(f"the greedy wedge needs the code's tensor network (a HaPPY code with "
                        f"tile_legs/boundary_legs/bulk_legs); got {type(code).__name__}")
    store = _cache(code)
    if "net" in store:
        return store["net"]  # type: ignore[no-any-return]
    boundary = [str(x) for x in code.boundary_legs]
    ids = {leg: i for i, leg in enumerate(boundary)}
    names = list(boundary)
    ptr = [0]
    flat: list[int] = []
    owners: dict[int, list[int]] = {}
    n_tiles = int(code.tiling.n_tiles)
    for t in range(n_tiles):
        for leg in code.tile_legs(t):
            leg = str(leg)
            if leg not in ids:
                ids[leg] = len(names)
                names.append(leg)
            i = ids[leg]
            flat.append(i)
            owners.setdefault(i, []).append(t)
        ptr.append(len(flat))
    leg_tiles = np.full((len(names), 2), -1, dtype=np.int64)
    for i, ts in owners.items():
        if len(ts) > 2:
            raise ValueError(f"leg {names[i]!r} belongs to {len(ts)} tiles; expected at most 2")
        leg_tiles[i, :len(ts)] = ts
    bulk_tile = []
    for leg in code.bulk_legs:
        li = ids.get(str(leg))
        if li is None or leg_tiles[li, 0] < 0:
            raise ValueError(f"bulk leg {leg!r} is not a leg of any tile")
        bulk_tile.append(int(leg_tiles[li, 0]))
    view = NetView(np.asarray(ptr, np.int64), np.asarray(flat, np.int64), leg_tiles,
                   len(boundary), np.asarray(bulk_tile, np.int64), tuple(names))
    store["net"] = view
    return view


def region_mask(code_n: int, region: Any, qubit_labels: Iterable[str] = (),
                what: str = "region") -> np.ndarray:
    """A bool mask over the ``n`` boundary qubits from indices, leg names or a mask.

    Integer indices must lie in ``0 .. n-1`` (no negative wrap-around, no floats);
    a mask must be boolean or 0/1 of length ``n``; names must be boundary legs.
    """
    from holonet._options import check_indices, check_mask

    labels = list(qubit_labels)
    if isinstance(region, str):
        region = [region]
    if isinstance(region, np.ndarray):
        items: list[Any] | None = None
        arr = region
    else:
        if region is None or isinstance(region, bytes) or not isinstance(region, Iterable):
            raise TypeError(f"{what} must be boundary qubit indices, leg names or a boolean "
                            f"mask; got {type(region).__name__} {region!r:.40}")
        items = list(region)
        arr = None
    if arr is None and items is not None and items and all(isinstance(x, str) for x in items):
        mask = np.zeros(code_n, dtype=bool)
        for x in items:
            if x not in labels:
                raise ValueError(f"{what}: unknown boundary leg {x!r}; boundary legs are "
                                 f"{labels[:3]}...{labels[-2:]}")
            mask[labels.index(x)] = True
        return mask
    if arr is None:
        arr = np.asarray(items if items else [], dtype=None if items else np.int64)
    if arr.dtype == np.bool_ or (arr.ndim == 1 and arr.size == code_n and arr.size > 0
                                 and np.issubdtype(arr.dtype, np.floating)):
        return np.asarray(check_mask(what, arr, code_n))
    mask = np.zeros(code_n, dtype=bool)
    mask[check_indices(what, arr if arr.dtype != object else list(arr), code_n)] = True
    return mask


def interval_masks(n: int, lengths: Iterable[int] | None = None
                   ) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Masks of every contiguous (cyclic) interval ``[start, start + length)``."""
    lens = list(range(1, n)) if lengths is None else check_lengths(n, lengths)
    specs = [(s, ell) for ell in lens for s in range(n)]
    masks = np.zeros((len(specs), n), dtype=bool)
    for row, (s, ell) in enumerate(specs):
        idx = (s + np.arange(ell)) % n
        masks[row, idx] = True
    return masks, specs


def check_lengths(n: int, lengths: Any) -> list[int]:
    """Interval lengths: integers in ``1 .. n`` (a bad one is a ValueError naming it)."""
    from holonet._options import check_int

    if isinstance(lengths, str | bytes) or not isinstance(lengths, Iterable):
        raise TypeError(f"lengths must be a sequence of interval lengths in 1..{n}; got "
                        f"{type(lengths).__name__} {lengths!r:.40}")
    out = [check_int("interval length", x, minimum=1, maximum=n) for x in lengths]
    if not out:
        raise ValueError(f"lengths must not be empty; give interval lengths in 1..{n}")
    return out


def guard_sweep(what: str, n: int, lengths: Any, max_mask_entries: int) -> None:
    """Refuse a sweep whose interval masks (intervals x n entries) exceed the limit."""
    from holonet._options import check_int, check_work

    limit = check_int("max_mask_entries", max_mask_entries, minimum=1)
    n_lengths = n - 1 if lengths is None else len(check_lengths(n, lengths))
    check_work(f"{what} over {n * n_lengths:,} intervals of n = {n}", n * n_lengths * n,
               limit, unit="mask entries (intervals x n)", override="max_mask_entries=")


def exact_recoverable(view: CodeView, erased: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per shot: is the whole code correctable, and per logical recoverable (B, k)."""
    _, resid = _batch.masked_ranks(view.C, view.r, view.n, erased)
    bits = _batch.residual_bits(resid, view.r, 2 * view.k)
    per = ~(bits[:, 0::2] | bits[:, 1::2])
    return per.all(axis=1), per


def greedy_recoverable(net: NetView, erased: np.ndarray) -> np.ndarray:
    """Per shot and logical: bulk leg in the greedy wedge of the unerased legs (B, k)."""
    erased = np.atleast_2d(erased)
    start = np.zeros((erased.shape[0], net.leg_tiles.shape[0]), dtype=bool)
    start[:, :net.n] = ~erased
    absorbed = _batch.greedy_absorb(net.tile_ptr, net.tile_legs, net.leg_tiles, start)
    return absorbed[:, net.bulk_tile]
