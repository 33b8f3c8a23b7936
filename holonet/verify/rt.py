"""Ryu–Takayanagi: stabilizer entanglement entropy of a boundary region vs the minimal cut.

Entropy (in bits) of region ``A`` of the boundary state whose stabilizer group
``G`` has ``m`` independent generators on ``n`` qubits:
``S(A) = |A| - m + rank_GF2(G|_{A^c})`` (``m = n`` for a pure state). The
minimal cut is the fewest bonds (legs) of the network that separate the
boundary legs in ``A`` from the rest (networkx max-flow/min-cut, unit
capacity per leg). Bulk legs are treated two ways:

* ``bulk='mixed'``: the bulk is maximally mixed (the code's maximally mixed
  codespace state, ``G`` = stabilizers); each bulk leg is a unit edge to a
  reference purifying it, on the side of ``A^c``. HaPPY predicts
  ``S(A) = min cut`` for contiguous ``A``.
* ``bulk='product'``: every bulk qubit fixed in ``|0>`` (``G`` = stabilizers
  and every logical ``Z``); bulk legs cost nothing to cut. Only
  ``S(A) <= min cut`` holds, sometimes strictly.

For holographic *states* (no bulk legs) both coincide.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from holonet._options import check_option
from holonet.stabilizer import gf2
from holonet.verify import _batch
from holonet.verify._views import (
    DEFAULT_MAX_MASK_ENTRIES,
    code_view,
    guard_sweep,
    interval_masks,
    net_view,
    region_mask,
)
from holonet.verify.report import Report, _fmt_table

__all__ = ["RTReport", "RTSweepReport", "assert_rt", "entropies", "min_cuts", "rt", "rt_sweep"]

BULK = ("mixed", "product")
CUT_METHODS = ("networkx", "batched")


@dataclass
class RTReport(Report):
    """Report of :func:`rt` for one region: entropy, minimal cut, and their relation.

    Examples
    --------
    >>> from holonet.codes import happy_code
    >>> from holonet.verify import rt
    >>> rep = rt(happy_code(1), [0, 1])
    >>> rep.ok, rep.entropy, rep.min_cut, rep.strict
    (True, 2, 2, False)
    """

    region: list[int] = field(default_factory=list)
    entropy: int = 0
    min_cut: int = 0
    bulk: str = "mixed"
    strict: bool = False


def _groups(code: Any, bulk: str) -> tuple[np.ndarray, np.ndarray]:
    """(G, P): the boundary state's stabilizer group and a pure-state generating set.

    ``P`` generates the stabilizer group of a purification restricted to the
    boundary columns: ``[S; X; Z]`` (bulk maximally mixed, purified by one
    reference qubit per bulk leg) or ``[S; Z]`` (bulk in ``|0>``, already pure).
    """
    view = code_view(code)
    if bulk == "product" and view.k:
        G = np.concatenate([view.stabilizers, view.logical_rows[1::2]], axis=0)
        return G, G
    return view.stabilizers, np.concatenate([view.stabilizers, view.logical_rows], axis=0)


def entropies(code: Any, regions: Any, bulk: str = "mixed") -> np.ndarray:
    """Entanglement entropies (bits) of boundary regions, batched (bool masks ``(B, n)``).

    Two exact formulas, the cheaper one per region: ``S(A) = rank(P|_A) - |A|``
    from a pure generating set ``P`` (boundary plus purifying reference), and
    ``S(A) = |A| - rank(G) + rank(G|_{A^c})`` from the boundary state's group ``G``.

    Examples
    --------
    >>> from holonet.stabilizer import StabilizerCode
    >>> bell = StabilizerCode.from_pauli_strings(["XX", "ZZ"])
    >>> entropies(bell, [[True, False]]).tolist()
    [1]
    """
    from holonet._options import check_mask

    check_option("bulk treatment", bulk, BULK)
    view = code_view(code)
    masks = check_mask("regions", regions, view.n, batch=True)
    G, P = _groups(code, bulk)
    size = masks.sum(axis=1)
    out = np.zeros(masks.shape[0], dtype=np.int64)
    small = size <= view.n // 2
    if small.any():
        C, m = _batch.column_table(P)
        ranks, _ = _batch.masked_ranks(C, m, view.n, masks[small])
        out[small] = ranks - size[small]
    if (~small).any():
        C, m = _batch.column_table(G)
        ranks, _ = _batch.masked_ranks(C, m, view.n, ~masks[~small])
        out[~small] = size[~small] - gf2.rank(G) + ranks
    return out


def _graph_parts(code: Any, bulk: str) -> tuple[int, dict[tuple[int, int], int], np.ndarray]:
    """Tile graph: number of tiles, bond capacities between tiles (sink = -1), boundary owners."""
    net = net_view(code)
    n_tiles = net.tile_ptr.shape[0] - 1
    cap: dict[tuple[int, int], int] = {}
    view = code_view(code)
    names = net.leg_names
    bulk_legs = set(view.labels) if bulk == "mixed" else set()
    for leg in range(net.n, net.leg_tiles.shape[0]):
        a, b = (int(x) for x in net.leg_tiles[leg])
        if b >= 0:
            key = (min(a, b), max(a, b))
            cap[key] = cap.get(key, 0) + 1
        elif names[leg] in bulk_legs:
            cap[(a, -1)] = cap.get((a, -1), 0) + 1
    owners = net.leg_tiles[:net.n, 0].copy()
    return n_tiles, cap, owners


def min_cuts(code: Any, regions: Any, bulk: str = "mixed", method: str = "networkx"
             ) -> np.ndarray:
    """Minimal number of legs separating each region's boundary legs from the rest.

    Parameters
    ----------
    code
        A holographic code (needs its network: ``tile_legs``).
    regions
        Bool masks ``(B, n)`` of boundary qubits.
    bulk
        ``'mixed'``: bulk legs are unit edges to the reference on the complement
        side; ``'product'``: bulk legs are free.
    method
        ``'networkx'`` (``networkx.minimum_cut_value``) or ``'batched'`` (a
        compiled unit-capacity max-flow, for sweeps; cross-checked in the tests).

    Examples
    --------
    >>> from holonet.codes import happy_code
    >>> c = happy_code(1)
    >>> min_cuts(c, [[True, True, False, False, False]]).tolist()
    [2]
    """
    from holonet._options import check_mask

    check_option("bulk treatment", bulk, BULK)
    check_option("min-cut method", method, CUT_METHODS)
    masks = check_mask("regions", regions, code_view(code).n, batch=True)
    n_tiles, cap, owners = _graph_parts(code, bulk)
    src, snk = n_tiles, n_tiles + 1
    out = np.zeros(masks.shape[0], dtype=np.int64)
    if method == "networkx":
        import networkx as nx

        base = nx.Graph()
        base.add_nodes_from(range(n_tiles + 2))
        for (a, b), c in cap.items():
            base.add_edge(a, snk if b < 0 else b, capacity=c)
        for row, mask in enumerate(masks):
            G = base.copy()
            for i, t in enumerate(owners):
                end = src if mask[i] else snk
                if G.has_edge(int(t), end):
                    G[int(t)][end]["capacity"] += 1
                else:
                    G.add_edge(int(t), end, capacity=1)
            out[row] = int(nx.minimum_cut_value(G, src, snk, capacity="capacity"))
        return out
    edges = [(a, b, c) for (a, b), c in cap.items()]
    return _batch.batched_min_cuts(n_tiles, edges, owners, masks)


def rt(code_or_state: Any, region: Any, bulk: str = "mixed") -> RTReport:
    """Entropy of a boundary region from the stabilizer group vs the minimal cut.

    Parameters
    ----------
    code_or_state
        A holographic code or state (:func:`holonet.codes.happy_code`).
    region
        Boundary qubits: indices, leg names or a bool mask.
    bulk
        ``'mixed'`` (check ``S(A) = min cut``) or ``'product'`` (check
        ``S(A) <= min cut``; ``strict`` tells whether it is strict).

    Examples
    --------
    >>> from holonet.codes import happy_code
    >>> rep = rt(happy_code(2), range(5))
    >>> rep.ok, rep.entropy == rep.min_cut
    (True, True)
    """
    check_option("bulk treatment", bulk, BULK)
    view = code_view(code_or_state)
    mask = region_mask(view.n, region, view.qubit_labels)
    S = int(entropies(code_or_state, mask[None], bulk)[0])
    cut = int(min_cuts(code_or_state, mask[None], bulk)[0])
    idx = np.flatnonzero(mask).tolist()
    failures = []
    if bulk == "mixed" and S != cut:
        failures.append(f"S(A) = {S} != min cut {cut} for A = {idx[:10]}"
                        f"{'...' if len(idx) > 10 else ''} (bulk maximally mixed)")
    if bulk == "product" and S > cut:
        failures.append(f"S(A) = {S} > min cut {cut} for A = {idx[:10]} (bulk in a product state)")
    rep = RTReport(title=f"RT for |A| = {len(idx)} on [[{view.n},{view.k}]] (bulk {bulk})",
                   ok=not failures, failures=failures, region=idx, entropy=S, min_cut=cut,
                   bulk=bulk, strict=S < cut,
                   notes=[f"S(A) = {S} bits, min cut = {cut} legs"])
    rep.numbers = {"region": idx, "entropy": S, "min_cut": cut, "bulk": bulk, "strict": S < cut}
    return rep


def assert_rt(code_or_state: Any, region: Any, bulk: str = "mixed") -> RTReport:
    """:func:`rt`, raising :class:`~holonet._errors.VerificationError` on failure.

    Examples
    --------
    >>> from holonet.codes import happy_code
    >>> assert_rt(happy_code(2), [0, 1, 2]).ok
    True
    """
    rep = rt(code_or_state, region, bulk)
    rep.raise_if_failed()
    return rep


@dataclass
class RTSweepReport(Report):
    """Report of :func:`rt_sweep`: entropy and min cut for every contiguous interval.

    Examples
    --------
    >>> from holonet.codes import happy_code
    >>> from holonet.verify import rt_sweep
    >>> rep = rt_sweep(happy_code(1))  # 5 starts x lengths 1..4
    >>> rep.ok, len(rep.rows), rep.n_equal, rep.n_strict
    (True, 20, 20, 0)
    """

    bulk: str = "mixed"
    rows: list[dict[str, Any]] = field(default_factory=list)
    by_length: list[dict[str, Any]] = field(default_factory=list)
    n_equal: int = 0
    n_strict: int = 0

    def _details(self) -> list[str]:
        header = ["|A|", "intervals", "S(A) range", "min cut range", "S = cut", "S < cut",
                  "S > cut"]
        rows = [[d["length"], d["intervals"], f"{d['s_min']}..{d['s_max']}",
                 f"{d['c_min']}..{d['c_max']}", d["equal"], d["strict"], d["above"]]
                for d in self.by_length]
        return _fmt_table(header, rows)


def rt_sweep(code_or_state: Any, bulk: str = "mixed", lengths: Any = None,
             method: str = "batched", equality: bool | None = None, *,
             max_mask_entries: int = DEFAULT_MAX_MASK_ENTRIES) -> RTSweepReport:
    """:func:`rt` over every contiguous boundary interval (batched entropies).

    ``ok`` iff ``S(A) = min cut`` everywhere (``equality``, the default for
    ``bulk='mixed'``) or ``S(A) <= min cut`` everywhere (the default for
    ``bulk='product'``; strict cases counted). The inequality holds for every
    tensor network; equality is HaPPY's theorem for perfect-tensor networks.

    ``lengths`` are interval lengths in ``1 .. n`` (default ``1 .. n-1``). The
    sweep builds ``n x len(lengths)`` interval masks of ``n`` entries each, about
    ``n^3`` for a full sweep; above ``max_mask_entries`` it refuses before any
    work (:class:`holonet._options.WorkTooLarge`).

    Examples
    --------
    >>> from holonet.codes import happy_code
    >>> rep = rt_sweep(happy_code(2), lengths=[1, 2, 3])
    >>> rep.ok, rep.n_strict
    (True, 0)
    """
    check_option("bulk treatment", bulk, BULK)
    check_option("min-cut method", method, CUT_METHODS)
    view = code_view(code_or_state)
    guard_sweep("rt_sweep", view.n, lengths, max_mask_entries)
    masks, specs = interval_masks(view.n, lengths)
    S = entropies(code_or_state, masks, bulk)
    cuts = min_cuts(code_or_state, masks, bulk, method=method)
    rows = [{"start": s, "length": ell, "entropy": int(e), "min_cut": int(c)}
            for (s, ell), e, c in zip(specs, S, cuts, strict=True)]
    if equality is None:
        equality = bulk == "mixed"
    failures = []
    for r in rows:
        bad = r["entropy"] != r["min_cut"] if equality else r["entropy"] > r["min_cut"]
        if bad:
            failures.append(f"A = [{r['start']}..{(r['start'] + r['length'] - 1) % view.n}]: "
                            f"S(A) = {r['entropy']} vs min cut {r['min_cut']} (bulk {bulk})")
    by_length = []
    for ell in sorted({r["length"] for r in rows}):
        rs = [r for r in rows if r["length"] == ell]
        by_length.append({
            "length": ell, "intervals": len(rs),
            "s_min": min(r["entropy"] for r in rs), "s_max": max(r["entropy"] for r in rs),
            "c_min": min(r["min_cut"] for r in rs), "c_max": max(r["min_cut"] for r in rs),
            "equal": sum(r["entropy"] == r["min_cut"] for r in rs),
            "strict": sum(r["entropy"] < r["min_cut"] for r in rs),
            "above": sum(r["entropy"] > r["min_cut"] for r in rs),
        })
    n_eq = int(np.sum(S == cuts))
    n_strict = int(np.sum(S < cuts))
    rep = RTSweepReport(
        title=f"RT over {len(rows)} contiguous intervals of [[{view.n},{view.k}]] (bulk {bulk})",
        ok=not failures, failures=failures, bulk=bulk, rows=rows, by_length=by_length,
        n_equal=n_eq, n_strict=n_strict,
        notes=[f"S(A) = min cut on {n_eq}, S(A) < min cut on {n_strict} of {len(rows)} "
               "intervals"])
    rep.notes.append("checked: S(A) = min cut" if equality else "checked: S(A) <= min cut")
    rep.numbers = {"bulk": bulk, "intervals": len(rows), "equal": n_eq, "strict": n_strict,
                   "equality_checked": equality, "by_length": by_length}
    return rep
