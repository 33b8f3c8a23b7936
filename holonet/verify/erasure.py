"""Exact erasure correction for stabilizer codes, per logical qubit, plus the greedy decoder.

Exact criterion (cleaning lemma): an erasure ``E`` is correctable iff every
logical operator can be multiplied by stabilizers into one supported on the
complement, i.e. iff ``rank([S; L]|_E) = rank(S|_E)``. Logical qubit ``j``
alone (the other logical qubits counted as environment) is recoverable from
the unerased set ``A`` iff both ``X_j`` and ``Z_j`` have representatives on
``A`` (up to stabilizers only), i.e. ``rank([S; X_j; Z_j]|_E) = rank(S|_E)``,
which is ``I(j : A) = 2``. Both are read off one bit-packed elimination per
pattern (:mod:`holonet.verify._batch`), batched over patterns.

The greedy decoder recovers the bulk legs in the greedy entanglement wedge of
the unerased boundary legs; it is sufficient, not necessary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import comb
from typing import Any

import numpy as np

from holonet._options import check_int, check_option
from holonet.verify import _batch
from holonet.verify._views import (
    code_view,
    exact_recoverable,
    greedy_recoverable,
    is_network_code,
    net_view,
    region_mask,
)
from holonet.verify.report import Report

__all__ = [
    "ErasureReport",
    "ExhaustiveErasureReport",
    "assert_erasure",
    "decode_erasures",
    "erasure",
    "erasure_exhaustive",
]

DECODERS = ("exact", "greedy")


@dataclass
class ErasureReport(Report):
    """Report of :func:`erasure` for one erasure pattern.

    Attributes
    ----------
    erased
        The erased boundary qubits (indices).
    correctable
        Whether the whole code corrects the erasure (exact).
    recoverable
        Logical labels (bulk legs) recoverable exactly from the unerased qubits.
    greedy_recoverable
        Those in the greedy wedge of the unerased legs (``None`` without a network).

    Examples
    --------
    >>> from holonet.codes import happy_code
    >>> from holonet.verify import erasure
    >>> rep = erasure(happy_code(1), [0, 1])  # the [[5,1,3]] code corrects 2 erasures
    >>> rep.ok, rep.correctable, rep.recoverable, rep.lost
    (True, True, ['q0'], [])
    """

    erased: list[int] = field(default_factory=list)
    correctable: bool = True
    recoverable: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    greedy_recoverable: list[str] | None = None


def decode_erasures(code: Any, erased: Any, decoder: str = "exact",
                    logicals: Any = None) -> np.ndarray:
    """Batched decoding: for each erasure pattern, which logical qubits survive.

    Parameters
    ----------
    code
        A stabilizer code or a HaPPY code (the greedy decoder needs the latter).
    erased
        Bool masks ``(B, n)`` (or one ``(n,)`` mask) of erased boundary qubits.
    decoder
        ``'exact'`` (cleaning lemma) or ``'greedy'`` (greedy wedge of the rest).
    logicals
        Indices of the logical qubits to report (default all).

    Returns
    -------
    numpy.ndarray
        Bool ``(B, len(logicals))``: logical recovered from the unerased qubits.

    Examples
    --------
    >>> from holonet.stabilizer import StabilizerCode
    >>> c = StabilizerCode.from_pauli_strings(["XZZXI", "IXZZX", "XIXZZ", "ZXIXZ"],
    ...                                       ["XXXXX"], ["ZZZZZ"])
    >>> decode_erasures(c, [[1, 1, 0, 0, 0], [1, 1, 1, 0, 0]]).ravel().tolist()
    [True, False]
    """
    from holonet._options import check_indices, check_mask

    check_option("decoder", decoder, DECODERS)
    view = code_view(code)
    masks = check_mask("erased", erased, view.n, batch=True)
    cols = None if logicals is None else check_indices("logicals", logicals, view.k)
    if decoder == "exact":
        _, per = exact_recoverable(view, masks)
    else:
        per = greedy_recoverable(net_view(code), masks)
    if cols is not None:
        per = per[:, cols]
    return per


def erasure(code: Any, erased: Any) -> ErasureReport:
    """Exact correctability of an erasure, for the whole code and per logical qubit.

    Parameters
    ----------
    code
        A stabilizer code or HaPPY code.
    erased
        Erased boundary qubits: indices, boundary leg names, or a bool mask.

    Returns
    -------
    ErasureReport
        ``ok`` iff the whole code corrects the erasure; lists the logical
        qubits recoverable exactly and (for network codes) greedily.

    Examples
    --------
    >>> from holonet.stabilizer import StabilizerCode
    >>> c = StabilizerCode.from_pauli_strings(["XZZXI", "IXZZX", "XIXZZ", "ZXIXZ"],
    ...                                       ["XXXXX"], ["ZZZZZ"])
    >>> erasure(c, [0, 3]).ok, erasure(c, [0, 1, 2]).ok
    (True, False)
    """
    view = code_view(code)
    mask = region_mask(view.n, erased, view.qubit_labels, what="erased")
    whole, per = exact_recoverable(view, mask[None])
    rec = [view.labels[j] for j in range(view.k) if per[0, j]]
    lost = [view.labels[j] for j in range(view.k) if not per[0, j]]
    greedy = None
    if is_network_code(code):
        g = greedy_recoverable(net_view(code), mask[None])[0]
        greedy = [view.labels[j] for j in range(view.k) if g[j]]
    idx = np.flatnonzero(mask).tolist()
    failures = []
    if not whole[0]:
        failures.append(f"erasure of {len(idx)} qubits {idx[:12]}{'...' if len(idx) > 12 else ''}"
                        f" is not correctable: logical(s) {lost[:10]}"
                        f"{'...' if len(lost) > 10 else ''} have no representative on the "
                        "unerased qubits")
    if greedy is not None and not set(greedy) <= set(rec):
        failures.append(f"greedy wedge {sorted(set(greedy) - set(rec))} not recoverable "
                        "exactly: inconsistent code/network")
    notes = [f"exactly recoverable: {len(rec)}/{view.k} logical qubits"]
    if greedy is not None:
        notes.append(f"greedy decoder recovers: {len(greedy)}/{view.k}")
    rep = ErasureReport(
        title=f"erasure of {len(idx)}/{view.n} qubits on [[{view.n},{view.k}]]",
        ok=not failures, failures=failures, notes=notes, erased=idx, correctable=bool(whole[0]),
        recoverable=rec, lost=lost, greedy_recoverable=greedy)
    rep.numbers = {"n": view.n, "k": view.k, "erased": idx, "correctable": bool(whole[0]),
                   "recoverable": rec, "lost": lost, "greedy_recoverable": greedy}
    return rep


def assert_erasure(code: Any, erased: Any) -> ErasureReport:
    """:func:`erasure`, raising :class:`~holonet._errors.VerificationError` if not correctable.

    Examples
    --------
    >>> from holonet.stabilizer import StabilizerCode
    >>> c = StabilizerCode.from_pauli_strings(["XZZXI", "IXZZX", "XIXZZ", "ZXIXZ"],
    ...                                       ["XXXXX"], ["ZZZZZ"])
    >>> assert_erasure(c, [4]).correctable
    True
    """
    rep = erasure(code, erased)
    rep.raise_if_failed()
    return rep


@dataclass
class ExhaustiveErasureReport(Report):
    """Report of :func:`erasure_exhaustive`: every erasure of ``size`` qubits checked.

    Examples
    --------
    >>> from holonet.codes import happy_code
    >>> from holonet.verify import erasure_exhaustive
    >>> rep = erasure_exhaustive(happy_code(1), 2)  # all C(5, 2) = 10 pairs
    >>> rep.ok, rep.checked, rep.uncorrectable, rep.first_uncorrectable
    (True, 10, 0, None)
    """

    size: int = 0
    checked: int = 0
    uncorrectable: int = 0
    first_uncorrectable: list[int] | None = None


#: default limit on the patterns :func:`erasure_exhaustive` enumerates (~3 minutes at
#: n = 95 on one core; raise it with ``max_patterns=``)
DEFAULT_MAX_PATTERNS = 10**9


def erasure_exhaustive(code: Any, size: int, *, logical: int | None = None,
                       expect: str = "all", stop_at_first: bool | None = None,
                       max_patterns: int = DEFAULT_MAX_PATTERNS) -> ExhaustiveErasureReport:
    """Check every erasure of exactly ``size`` qubits (all ``C(n, size)`` of them).

    Subsets of a correctable erasure are correctable, so ``expect='all'`` at
    ``size = d - 1`` proves that every erasure of up to ``d - 1`` qubits is
    corrected. ``expect='not-all'`` asserts that some erasure of ``size``
    qubits is not (it stops at the first one found).

    Parameters
    ----------
    code
        Stabilizer or HaPPY code.
    size
        Number of erased qubits.
    logical
        Only this logical qubit must survive (default: the whole code).
    expect
        ``'all'`` (every pattern correctable) or ``'not-all'``.
    stop_at_first
        Stop at the first uncorrectable pattern (default: only for ``'not-all'``).
    max_patterns
        Refuse (:class:`holonet._options.WorkTooLarge`, before any work) when
        ``C(n, size)`` exceeds this; e.g. ``C(95, 10) ≈ 1.3e13``.

    Examples
    --------
    >>> from holonet.stabilizer import StabilizerCode
    >>> c = StabilizerCode.from_pauli_strings(["XZZXI", "IXZZX", "XIXZZ", "ZXIXZ"],
    ...                                       ["XXXXX"], ["ZZZZZ"])
    >>> erasure_exhaustive(c, 2).ok, erasure_exhaustive(c, 3).uncorrectable
    (True, 10)
    """
    check_option("expectation", expect, ("all", "not-all"))
    from holonet._options import check_work

    view = code_view(code)
    size = check_int("erasure size", size, minimum=1, maximum=view.n)
    if view.k == 0:
        raise ValueError("a code with no logical qubits has nothing to recover")
    if logical is not None:
        logical = check_int("logical", logical, minimum=0, maximum=view.k - 1)
    check_work(f"erasure_exhaustive(size={size}) on n = {view.n}", comb(view.n, size),
               check_int("max_patterns", max_patterns, minimum=1),
               unit=f"patterns (C({view.n},{size}))", override="max_patterns=")
    rows = (np.arange(2 * view.k) if logical is None
            else np.array([2 * logical, 2 * logical + 1]))
    words = view.C.shape[1]
    lmask = _batch.logical_bit_mask(view.r, 2 * view.k, rows, words)
    stop = (expect == "not-all") if stop_at_first is None else stop_at_first
    total, bad, first = _batch.exhaustive_count(view.C, view.r, view.n, size, lmask, stop)
    what = "the whole code" if logical is None else f"logical {view.labels[logical]!r}"
    failures = []
    if expect == "all" and bad:
        failures.append(f"{bad:,} of {total:,} erasures of {size} qubits are not correctable for "
                        f"{what}; first: {first.tolist() if first is not None else None}")
    if expect == "not-all" and not bad:
        failures.append(f"all {total:,} erasures of {size} qubits are correctable for {what}, "
                        "expected some not to be")
    notes = [f"checked {total:,} of C({view.n},{size}) = {comb(view.n, size):,} patterns; "
             f"uncorrectable: {bad:,}{' (stopped at the first)' if stop and bad else ''}"]
    rep = ExhaustiveErasureReport(
        title=(f"every erasure of {size} qubits correctable on [[{view.n},{view.k}]] ({what})"
               if expect == "all" else
               f"some erasure of {size} qubits uncorrectable on [[{view.n},{view.k}]] ({what})"),
        ok=not failures, failures=failures, notes=notes, size=size, checked=total,
        uncorrectable=bad, first_uncorrectable=first.tolist() if first is not None else None)
    rep.numbers = {"size": size, "checked": total, "uncorrectable": bad,
                   "first_uncorrectable": rep.first_uncorrectable, "expect": expect}
    return rep
