"""Entanglement wedges and complementary recovery, greedy and exact.

For a boundary region ``A`` of a holographic code the bulk legs recoverable
from ``A`` are computed two ways:

* **greedy** (HaPPY, arXiv:1503.06237 Sec. 4): start from the boundary legs in
  ``A`` and absorb any tensor with at least half of its legs in the current
  cut; the bulk legs of absorbed tensors are recoverable. Sufficient only.
* **exact** (cleaning lemma): bulk qubit ``j`` is recoverable from ``A`` iff
  its logical ``X_j`` and ``Z_j`` have representatives supported on ``A``
  (``I(j : A) = 2`` with the other bulk qubits as environment).

Both are computed for ``A`` and its complement. Complementary recovery
predicts wedge(A) and wedge(A^c) to be disjoint (no-cloning, must hold), the
greedy wedge to lie inside the exact one (must hold), and usually (not
always) every bulk leg to be in one of them; legs in neither are listed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from holonet.verify._views import (
    DEFAULT_MAX_MASK_ENTRIES,
    code_view,
    exact_recoverable,
    greedy_recoverable,
    guard_sweep,
    interval_masks,
    net_view,
    region_mask,
)
from holonet.verify.report import Report, _fmt_table

__all__ = [
    "RecoverySweepReport",
    "WedgeReport",
    "assert_complementary_recovery",
    "complementary_recovery",
    "complementary_recovery_sweep",
]


@dataclass
class WedgeReport(Report):
    """Report of :func:`complementary_recovery` for one region ``A``.

    Attributes
    ----------
    region
        Boundary qubits of ``A`` (indices).
    greedy_wedge, exact_wedge
        Bulk legs recoverable from ``A`` (greedy algorithm / exact criterion).
    complement_greedy_wedge, complement_exact_wedge
        The same for the complement of ``A``.
    neither
        Bulk legs recoverable from neither ``A`` nor its complement.
    greedy_gap, complement_greedy_gap
        Legs the exact criterion recovers but the greedy algorithm misses.

    Examples
    --------
    >>> from holonet.codes import happy_code
    >>> from holonet.verify import complementary_recovery
    >>> rep = complementary_recovery(happy_code(1), [0, 1, 2])  # 3 of 5 boundary legs
    >>> rep.ok, sorted(rep.exact_wedge), sorted(rep.complement_exact_wedge), rep.neither
    (True, ['q0'], [], set())
    """

    region: list[int] = field(default_factory=list)
    greedy_wedge: set[str] = field(default_factory=set)
    exact_wedge: set[str] = field(default_factory=set)
    complement_greedy_wedge: set[str] = field(default_factory=set)
    complement_exact_wedge: set[str] = field(default_factory=set)
    neither: set[str] = field(default_factory=set)
    greedy_gap: set[str] = field(default_factory=set)
    complement_greedy_gap: set[str] = field(default_factory=set)


def _wedges(code: Any, masks: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per region mask (B, n): exact/greedy recoverability from A and from A^c (B, k)."""
    view = code_view(code)
    net = net_view(code)
    # recoverable from A  <=>  erasure of A^c is survived
    _, exA = exact_recoverable(view, ~masks)
    _, exC = exact_recoverable(view, masks)
    grA = greedy_recoverable(net, ~masks)
    grC = greedy_recoverable(net, masks)
    return exA, exC, grA, grC


def _violations(labels: tuple[str, ...], exA: np.ndarray, exC: np.ndarray, grA: np.ndarray,
                grC: np.ndarray, where: str) -> list[str]:
    out = []
    for j in np.flatnonzero(exA & exC):
        out.append(f"no-cloning violated: bulk leg {labels[j]!r} recoverable from both {where} "
                   "and its complement")
    for j in np.flatnonzero(grA & ~exA):
        out.append(f"greedy wedge of {where} contains {labels[j]!r}, which is not exactly "
                   "recoverable")
    for j in np.flatnonzero(grC & ~exC):
        out.append(f"greedy wedge of the complement of {where} contains {labels[j]!r}, which "
                   "is not exactly recoverable")
    return out


def complementary_recovery(code: Any, region: Any) -> WedgeReport:
    """Greedy and exact entanglement wedges of a boundary region and of its complement.

    Parameters
    ----------
    code
        A holographic code (:class:`holonet.codes.HaPPYCode`).
    region
        Boundary qubits of ``A``: indices, leg names (``'k3'``), or a bool mask.

    Returns
    -------
    WedgeReport
        ``ok`` iff greedy ⊆ exact on both sides and no bulk leg is recoverable
        from both sides. Differences between greedy and exact and the legs
        recoverable from neither side are reported, not failures.

    Examples
    --------
    >>> from holonet.codes import happy_code
    >>> rep = complementary_recovery(happy_code(2), range(12))
    >>> rep.ok, rep.greedy_wedge <= rep.exact_wedge
    (True, True)
    """
    view = code_view(code)
    mask = region_mask(view.n, region, view.qubit_labels)
    exA, exC, grA, grC = (x[0] for x in _wedges(code, mask[None]))
    lab = view.labels
    idx = np.flatnonzero(mask).tolist()
    where = f"A = {_fmt_region(idx, view.n)}"
    failures = _violations(lab, exA, exC, grA, grC, where)

    def s(v: np.ndarray) -> set[str]:
        return {lab[j] for j in np.flatnonzero(v)}

    rep = WedgeReport(
        title=f"complementary recovery for {where} on [[{view.n},{view.k}]]",
        ok=not failures, failures=failures, region=idx,
        greedy_wedge=s(grA), exact_wedge=s(exA), complement_greedy_wedge=s(grC),
        complement_exact_wedge=s(exC), neither=s(~exA & ~exC),
        greedy_gap=s(exA & ~grA), complement_greedy_gap=s(exC & ~grC))
    rep.notes = [
        f"wedge(A):   exact {len(rep.exact_wedge)}, greedy {len(rep.greedy_wedge)}"
        + (f"; greedy misses {sorted(rep.greedy_gap)}" if rep.greedy_gap else ""),
        f"wedge(A^c): exact {len(rep.complement_exact_wedge)}, greedy "
        f"{len(rep.complement_greedy_wedge)}"
        + (f"; greedy misses {sorted(rep.complement_greedy_gap)}"
           if rep.complement_greedy_gap else ""),
        f"recoverable from neither side: {sorted(rep.neither) if rep.neither else 'none'}",
    ]
    rep.numbers = {
        "region": idx, "greedy_wedge": rep.greedy_wedge, "exact_wedge": rep.exact_wedge,
        "complement_greedy_wedge": rep.complement_greedy_wedge,
        "complement_exact_wedge": rep.complement_exact_wedge, "neither": rep.neither,
        "greedy_gap": rep.greedy_gap, "complement_greedy_gap": rep.complement_greedy_gap,
    }
    return rep


def assert_complementary_recovery(code: Any, region: Any) -> WedgeReport:
    """:func:`complementary_recovery`, raising :class:`~holonet._errors.VerificationError`.

    Examples
    --------
    >>> from holonet.codes import happy_code
    >>> assert_complementary_recovery(happy_code(2), [0, 1, 2]).ok
    True
    """
    rep = complementary_recovery(code, region)
    rep.raise_if_failed()
    return rep


def _fmt_region(idx: list[int], n: int) -> str:
    if not idx:
        return "{}"
    # contiguous (cyclic) interval?
    s = set(idx)
    for start in idx:
        if (start - 1) % n not in s:
            ell = len(idx)
            if all((start + t) % n in s for t in range(ell)):
                return f"[{start}..{(start + ell - 1) % n}] ({ell} qubits)"
            break
    return f"{idx[:8]}{'...' if len(idx) > 8 else ''} ({len(idx)} qubits)"


@dataclass
class RecoverySweepReport(Report):
    """Report of :func:`complementary_recovery_sweep` over all contiguous intervals.

    ``rows`` holds one dict per interval (start, length, wedge sizes, legs in
    neither wedge); ``by_length`` aggregates them per interval length.

    Examples
    --------
    >>> from holonet.codes import happy_code
    >>> from holonet.verify import complementary_recovery_sweep
    >>> rep = complementary_recovery_sweep(happy_code(1))  # 5 starts x lengths 1..4
    >>> rep.ok, len(rep.rows)
    (True, 20)
    >>> [(d["length"], d["mean_exact"]) for d in rep.by_length]
    [(1, 0.0), (2, 0.0), (3, 1.0), (4, 1.0)]
    """

    rows: list[dict[str, Any]] = field(default_factory=list)
    by_length: list[dict[str, Any]] = field(default_factory=list)

    def _details(self) -> list[str]:
        header = ["|A|", "intervals", "exact |W(A)|", "greedy |W(A)|", "greedy<exact",
                  "neither>0", "max neither"]
        rows = [[d["length"], d["intervals"], f"{d['mean_exact']:.2f}",
                 f"{d['mean_greedy']:.2f}", d["greedy_differs"], d["with_neither"],
                 d["max_neither"]] for d in self.by_length]
        return _fmt_table(header, rows)


def complementary_recovery_sweep(code: Any, lengths: Any = None, *,
                                 max_mask_entries: int = DEFAULT_MAX_MASK_ENTRIES
                                 ) -> RecoverySweepReport:
    """:func:`complementary_recovery` for every contiguous boundary interval, batched.

    Parameters
    ----------
    code
        A holographic code.
    lengths
        Interval lengths to sweep (integers in ``1 .. n``, default ``1 .. n - 1``);
        every start position.
    max_mask_entries
        Refuse (:class:`holonet._options.WorkTooLarge`, before any work) when the
        interval masks (``n x len(lengths)`` rows of ``n`` entries, ``~n^3`` for a
        full sweep) would exceed this.

    Examples
    --------
    >>> from holonet.codes import happy_code
    >>> rep = complementary_recovery_sweep(happy_code(2), lengths=[3, 12])
    >>> rep.ok, len(rep.rows)
    (True, 50)
    """
    view = code_view(code)
    guard_sweep("complementary_recovery_sweep", view.n, lengths, max_mask_entries)
    masks, specs = interval_masks(view.n, lengths)
    exA, exC, grA, grC = _wedges(code, masks)
    lab = view.labels
    failures: list[str] = []
    rows: list[dict[str, Any]] = []
    for b, (start, ell) in enumerate(specs):
        where = f"A = [{start}..{(start + ell - 1) % view.n}] ({ell} qubits)"
        failures += _violations(lab, exA[b], exC[b], grA[b], grC[b], where)
        neither = ~exA[b] & ~exC[b]
        rows.append({
            "start": start, "length": ell, "exact": int(exA[b].sum()),
            "greedy": int(grA[b].sum()), "complement_exact": int(exC[b].sum()),
            "complement_greedy": int(grC[b].sum()),
            "neither": [lab[j] for j in np.flatnonzero(neither)],
        })
    by_length = []
    for ell in sorted({r["length"] for r in rows}):
        rs = [r for r in rows if r["length"] == ell]
        by_length.append({
            "length": ell, "intervals": len(rs),
            "mean_exact": float(np.mean([r["exact"] for r in rs])),
            "mean_greedy": float(np.mean([r["greedy"] for r in rs])),
            "greedy_differs": sum(r["greedy"] < r["exact"] for r in rs),
            "with_neither": sum(bool(r["neither"]) for r in rs),
            "max_neither": max(len(r["neither"]) for r in rs),
        })
    n_neither = sum(bool(r["neither"]) for r in rows)
    n_diff = sum(r["greedy"] < r["exact"] or r["complement_greedy"] < r["complement_exact"]
                 for r in rows)
    rep = RecoverySweepReport(
        title=f"complementary recovery over {len(rows)} contiguous intervals of "
              f"[[{view.n},{view.k}]]",
        ok=not failures, failures=failures, rows=rows, by_length=by_length,
        notes=[f"greedy ⊆ exact and no-cloning checked on both sides of every interval; "
               f"greedy smaller than exact on {n_diff} intervals; some leg recoverable from "
               f"neither side on {n_neither} intervals"])
    rep.numbers = {"intervals": len(rows), "greedy_differs": n_diff,
                   "with_neither": n_neither, "by_length": by_length}
    return rep
