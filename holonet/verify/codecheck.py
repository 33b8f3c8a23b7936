"""Checks of a plain stabilizer code (no tensor network): consistency, recovery, distance.

A code read from a file (:meth:`holonet.stabilizer.StabilizerCode.load`) has
no tensor network, so isometry, the greedy wedge and Ryu–Takayanagi do not
apply. What can be checked exactly:

- :func:`stabilizer_consistency`: the generators commute and are independent,
  the logicals commute with them and form symplectic pairs;
- :func:`interval_recovery`: for contiguous qubit intervals ``A`` (in qubit
  order, cyclic), no logical qubit is recoverable from both ``A`` and its
  complement (no-cloning), and the batched exact criterion agrees with the
  independent single-region elimination of
  :meth:`~holonet.stabilizer.StabilizerCode.recoverable_logicals`;
- :func:`distance_check`: the exact distance with its witness (checked to
  commute with every stabilizer and to lie outside the stabilizer group) and,
  where the stabilizer group is small enough to enumerate, agreement with the
  weight enumerators (the smallest ``w`` with ``B_w > A_w``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from holonet.verify._views import code_view, exact_recoverable, interval_masks, stabilizer_code
from holonet.verify.report import Report

__all__ = ["distance_check", "interval_recovery", "stabilizer_consistency"]

#: at most this many intervals are checked by :func:`interval_recovery` (evenly spread lengths)
DEFAULT_MAX_INTERVALS = 20_000
#: work limit (64-bit word operations) of the distance search in :func:`distance_check`
DEFAULT_DISTANCE_LIMIT = 2**30


def stabilizer_consistency(code: Any) -> Report:
    """Generators commute and are independent; logicals commute with them and pair up.

    Examples
    --------
    >>> from holonet.stabilizer import StabilizerCode
    >>> rep = stabilizer_consistency(StabilizerCode.from_pauli_strings(["XX", "ZZ"]))
    >>> rep.ok, rep.title.split(":")[0]
    (True, 'stabilizer consistency of [[2,0]]')
    """
    from holonet._errors import VerificationError

    sc = stabilizer_code(code)
    title = (f"stabilizer consistency of [[{sc.n},{sc.k}]]: {sc.r} generators commute and are "
             f"independent, {sc.k} logical pairs are a symplectic basis")
    try:
        sc.verify()
    except VerificationError as err:
        return Report(title, False, failures=[str(err)])
    return Report(title, True, numbers={"n": sc.n, "k": sc.k, "r": sc.r})


def interval_recovery(code: Any, *, max_intervals: int = DEFAULT_MAX_INTERVALS,
                      cross_checks: int = 20, seed: int = 0) -> Report:
    """Exact recovery over contiguous qubit intervals: no-cloning and two computations agree.

    For each interval ``A`` the logical qubits recoverable from ``A`` and from
    its complement are computed in one batch (erasure elimination of the
    complement); a logical in both is a failure. ``cross_checks`` random
    intervals are recomputed with ``StabilizerCode.recoverable_logicals``.

    Examples
    --------
    >>> from holonet.stabilizer import StabilizerCode
    >>> five = StabilizerCode.from_pauli_strings(["XZZXI", "IXZZX", "XIXZZ", "ZXIXZ"])
    >>> rep = interval_recovery(five)
    >>> rep.ok, rep.numbers["intervals"], rep.numbers["recoverable_from_A"]
    (True, 20, 10)
    """
    view = code_view(code)
    sc = stabilizer_code(code)
    n, k = view.n, view.k
    if k == 0 or n < 2:
        return Report(f"interval recovery of [[{n},{k}]]: no logical qubit, nothing to recover",
                      True, numbers={"intervals": 0})
    lengths = list(range(1, n))
    if n * len(lengths) > max_intervals:
        keep = max(1, max_intervals // n)
        lengths = sorted({int(x) for x in np.linspace(1, n - 1, keep)})
    masks, specs = interval_masks(n, lengths)
    _, from_a = exact_recoverable(view, ~masks)     # erase the complement: recover from A
    _, from_c = exact_recoverable(view, masks)      # erase A: recover from the complement
    failures = []
    both = np.argwhere(from_a & from_c)
    for row, j in both[:10]:
        s, ell = specs[row]
        failures.append(f"logical {view.labels[j]} recoverable from both the interval "
                        f"[{s}, {s + ell}) (mod {n}) and its complement")
    rng = np.random.default_rng(seed)
    for row in rng.choice(len(specs), size=min(cross_checks, len(specs)), replace=False):
        region = np.flatnonzero(masks[row])
        direct = sc.recoverable_logicals(region)
        if not np.array_equal(direct, from_a[row]):
            s, ell = specs[row]
            failures.append(f"interval [{s}, {s + ell}): batched criterion gives "
                            f"{from_a[row].astype(int).tolist()}, recoverable_logicals gives "
                            f"{direct.astype(int).tolist()}")
    title = (f"interval recovery of [[{n},{k}]]: {len(specs)} contiguous intervals "
             f"(lengths {lengths[0]}..{lengths[-1]}), no logical recoverable from both sides, "
             f"{min(cross_checks, len(specs))} recomputed independently")
    rep = Report(title, not failures, failures=failures)
    rep.numbers = {"intervals": len(specs), "recoverable_from_A": int(from_a.sum()),
                   "recoverable_from_complement": int(from_c.sum()),
                   "neither": int((~from_a & ~from_c).sum())}
    return rep


def distance_check(code: Any, *, limit: float = DEFAULT_DISTANCE_LIMIT) -> Report:
    """Exact distance with a verified witness, cross-checked with the enumerators if cheap.

    If the search would exceed ``limit`` (64-bit word operations) the report is
    ``ok`` and its title says NOT CHECKED, with the bounds proven so far and the
    predicted cost; never a guess.

    Examples
    --------
    >>> from holonet.stabilizer import StabilizerCode
    >>> five = StabilizerCode.from_pauli_strings(["XZZXI", "IXZZX", "XIXZZ", "ZXIXZ"])
    >>> rep = distance_check(five)
    >>> rep.ok, rep.numbers["d"], rep.numbers["enumerator_d"]
    (True, 3, 3)
    """
    from holonet.stabilizer import (
        DistanceTooExpensive,
        EnumeratorTooExpensive,
        commutation_matrix,
        gf2,
        paulis_to_symplectic,
    )

    sc = stabilizer_code(code)
    n, k = sc.n, sc.k
    if k == 0:
        return Report(f"distance of [[{n},0]]: a state has no logical operators", True,
                      numbers={"d": None})
    try:
        d, witness = sc.distance(limit=limit, progress=False, return_witness=True)
    except DistanceTooExpensive as err:
        return Report(f"distance of [[{n},{k}]]: NOT CHECKED, the exact search would exceed "
                      f"the work limit {limit:.3g}", True,
                      notes=[f"not checked: {err}"], numbers={"d": None})
    failures = []
    v, _ = paulis_to_symplectic([witness])
    if commutation_matrix(v, sc.stabilizers).any():
        failures.append(f"witness {witness} anticommutes with a stabilizer")
    if sc.r and gf2.rank(np.vstack([sc.stabilizers, v])) != sc.r + 1:
        failures.append(f"witness {witness} is in the stabilizer group")
    numbers: dict[str, Any] = {"d": d, "witness": witness, "enumerator_d": None}
    what = "minimum-weight logical found and verified (commutes, not a stabilizer)"
    try:
        e = sc.weight_enumerator(limit=limit, progress=False)
    except EnumeratorTooExpensive:
        pass
    else:
        numbers["enumerator_d"] = e.distance()
        what += "; weight enumerators agree (smallest w with B_w > A_w)"
        if e.distance() != d:
            failures.append(f"the enumerators give d = {e.distance()} but the search gives {d}")
    return Report(f"distance of [[{n},{k}]] = {d}: {what}", not failures, failures=failures,
                  notes=[f"witness: {witness if len(witness) <= 80 else witness[:77] + '...'}"],
                  numbers=numbers)
