"""All checks for one code: what ``holonet verify`` and the top-level report run."""

from __future__ import annotations

from typing import Any

import numpy as np

from holonet.contract import ContractionTooLarge
from holonet.verify._views import code_view, is_network_code
from holonet.verify.erasure import decode_erasures
from holonet.verify.isometry import isometry
from holonet.verify.report import Report, ReportList, _fmt_table
from holonet.verify.rt import rt_sweep
from holonet.verify.wedge import complementary_recovery_sweep

__all__ = ["erasure_sample", "verify_code"]

#: largest erasure sample (its masks are held in memory at once: shots x n booleans);
#: for more shots use :func:`holonet.verify.erasure_threshold`, which works in chunks
DEFAULT_MAX_SAMPLE_SHOTS = 10**5

#: variants for which HaPPY's theorem gives S(A) = min cut with the bulk maximally mixed
RT_EQUALITY_VARIANTS = ("pentagon", "hexagon-state")


def erasure_sample(code: Any, p: float = 0.25, shots: int = 2000, seed: int = 0) -> Report:
    """Random erasures at rate ``p``: recovery rates, and greedy ⊆ exact on every shot.

    Examples
    --------
    >>> from holonet.codes import happy_code
    >>> erasure_sample(happy_code(2), shots=200).ok
    True
    """
    from holonet._options import check_rate, check_seed, check_shots

    p = check_rate("erasure rate p", p)
    shots = check_shots("shots", shots, maximum=DEFAULT_MAX_SAMPLE_SHOTS)
    check_seed("seed", seed)
    view = code_view(code)
    rng = np.random.default_rng(seed)
    masks = rng.random((shots, view.n)) < p
    exact = decode_erasures(code, masks, "exact")
    failures: list[str] = []
    rows = [["exact (cleaning lemma)", *_rate_cells(exact)]]
    if is_network_code(code) and view.k:
        greedy = decode_erasures(code, masks, "greedy")
        bad = np.argwhere(greedy & ~exact)
        for b, j in bad[:5]:
            failures.append(f"shot {b}: greedy recovers {view.labels[j]!r} but the exact "
                            f"criterion does not (erased {np.flatnonzero(masks[b]).tolist()})")
        rows.append(["greedy wedge", *_rate_cells(greedy)])
    checked = ("recovery rates of the exact decoder" + (
        " and of the greedy wedge (greedy must never beat exact)" if len(rows) > 1 else ""))
    rep = Report(title=f"erasure sample on [[{view.n},{view.k}]]: {shots} random erasures at "
                 f"p = {p}, {checked}; rates ± 1 standard error",
                 ok=not failures, failures=failures,
                 notes=_fmt_table(["decoder", "per logical", "all logicals",
                                   f"logical {view.labels[0] if view.k else '-'}"], rows, ""))
    per_shot = exact.mean(axis=1) if view.k else np.zeros(shots)
    rep.numbers = {"p": p, "shots": shots, "exact_per_logical": float(exact.mean()),
                   "exact_per_logical_stderr": _stderr_of_mean(per_shot),
                   "exact_all": float(exact.all(axis=1).mean()) if view.k else None,
                   "exact_all_stderr": _binomial_stderr(exact.all(axis=1)) if view.k else None}
    return rep


def _stderr_of_mean(x: np.ndarray) -> float:
    x = np.asarray(x, dtype=float)
    return float(x.std(ddof=1) / np.sqrt(x.size)) if x.size > 1 else float("nan")


def _binomial_stderr(hits: Any) -> float:
    m = float(np.mean(hits))
    return float(np.sqrt(m * (1 - m) / max(1, np.size(hits))))


def _rate_cells(rec: np.ndarray) -> list[str]:
    """``rate ± stderr`` for: per logical (mean over shots of the recovered fraction),
    all logicals at once, and logical 0."""
    if rec.shape[1] == 0:
        return ["-", "-", "-"]
    per = rec.mean(axis=1)
    cells = [f"{per.mean():.3f} ± {_stderr_of_mean(per):.3f}"]
    for hits in (rec.all(axis=1), rec[:, 0]):
        cells.append(f"{hits.mean():.3f} ± {_binomial_stderr(hits):.3f}")
    return cells


def verify_code(code: Any, *, isometry_check: bool = True, recovery: bool = True,
                erasure_p: float = 0.25, erasure_shots: int = 2000, rt_check: bool = True,
                seed: int = 0, distance_limit: float | None = None) -> ReportList:
    """Run every applicable check on a code; returns the reports (``.ok`` combines them).

    For a HaPPY code: isometry of its tensor network (bulk -> boundary),
    complementary recovery over every contiguous interval, a random erasure
    sample (exact and greedy decoders), and RT over every interval with the
    bulk maximally mixed (equality for the pentagon code and the hexagon state,
    ``S(A) <= min cut`` otherwise) and in a product state (``<=``). A plain
    stabilizer code (e.g. one read from a file) has no tensor network, so
    isometry, the greedy wedge and RT do not apply; it gets the checks of
    :mod:`holonet.verify.codecheck` instead: stabilizer consistency, exact
    recovery over contiguous qubit intervals, the erasure sample and the
    distance with a verified witness (where affordable: ``distance_limit``, in
    64-bit word operations, overrides the default work limit of
    :func:`holonet.verify.distance_check`).

    Examples
    --------
    >>> from holonet.codes import happy_code
    >>> reps = verify_code(happy_code(1))
    >>> reps.ok, len(reps)
    (True, 5)
    """
    from holonet._options import check_rate, check_seed, check_shots

    erasure_p = check_rate("erasure_p", erasure_p)
    erasure_shots = check_shots("erasure_shots", erasure_shots,
                                maximum=DEFAULT_MAX_SAMPLE_SHOTS)
    check_seed("seed", seed)
    out = ReportList()
    network = is_network_code(code)
    view = code_view(code)
    if isometry_check and network and hasattr(code, "to_tensor_network"):
        try:
            out.append(isometry(code, title=f"isometry bulk -> boundary of [[{view.n},{view.k}]]"))
        except ContractionTooLarge as exc:
            out.append(Report(f"isometry of [[{view.n},{view.k}]]", False,
                              failures=[f"could not be verified: {exc}"]))
    if recovery and network and view.k:
        out.append(complementary_recovery_sweep(code))
    if not network:
        from holonet.verify.codecheck import (
            distance_check,
            interval_recovery,
            stabilizer_consistency,
        )

        out.append(stabilizer_consistency(code))
        if recovery and view.k:
            out.append(interval_recovery(code, seed=seed))
    if view.k:
        out.append(erasure_sample(code, erasure_p, erasure_shots, seed))
    if not network and view.k:
        out.append(distance_check(code) if distance_limit is None
                   else distance_check(code, limit=distance_limit))
    if rt_check and network:
        variant = getattr(code, "variant", None)
        out.append(rt_sweep(code, "mixed", equality=variant in RT_EQUALITY_VARIANTS))
        if view.k:
            out.append(rt_sweep(code, "product"))
    return out
