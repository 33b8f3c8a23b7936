"""Monte-Carlo erasure thresholds: recovery probability of a logical vs erasure rate.

Each boundary qubit is erased independently with probability ``p``; a shot
succeeds if the chosen logical qubit (by default the central bulk leg) is
recovered, by the exact decoder (cleaning lemma, :mod:`holonet.verify.erasure`)
or the greedy one (greedy wedge of the unerased legs). Curves for increasing
code sizes cross near the threshold; finite-size crossings drift, so every
pairwise crossing of consecutive sizes is reported with a bootstrap error bar
and the estimate is their mean.

Work is split into chunks, each with its own seed derived from
``(seed, size, p, chunk)``, so results do not depend on how chunks are
scheduled: serially with a tqdm bar, or on Dask (``scheduler='threads'``,
``'processes'``, ``'synchronous'`` or a ``distributed.Client``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from holonet._options import check_int, check_option
from holonet.verify._views import code_view, net_view
from holonet.verify.report import Report, _fmt_table

__all__ = ["ThresholdReport", "assert_erasure_threshold", "crossing", "erasure_threshold"]


@dataclass
class ThresholdReport(Report):
    """Report of :func:`erasure_threshold`.

    Attributes
    ----------
    p_values
        Erasure rates.
    curves
        One dict per code: ``label``, ``n``, ``k``, ``success`` (fraction of
        shots recovering the logical, per ``p``), ``stderr``, ``shots``.
    crossings
        One dict per consecutive pair of sizes: ``pair``, ``p`` and ``err``
        (``None`` if the curves do not cross inside the range).
    threshold, threshold_err
        Mean of the pairwise crossings and its error bar (``None`` if none).

    Examples
    --------
    >>> from holonet.codes import happy_code
    >>> from holonet.verify import erasure_threshold
    >>> rep = erasure_threshold([happy_code(1)], [0.1, 0.5], 100, progress=False, seed=0)
    >>> rep.complete, rep.p_values, rep.curves[0]["label"], rep.curves[0]["shots"]
    (True, [0.1, 0.5], 'n=5', [100, 100])
    >>> s = rep.curves[0]["success"]; s[0] > s[1]  # recovery gets rarer as p grows
    True
    >>> rep.threshold is None  # a crossing needs at least two code sizes
    True
    """

    p_values: list[float] = field(default_factory=list)
    curves: list[dict[str, Any]] = field(default_factory=list)
    crossings: list[dict[str, Any]] = field(default_factory=list)
    threshold: float | None = None
    threshold_err: float | None = None
    decoder: str = "exact"
    complete: bool = True

    def _details(self) -> list[str]:
        header = ["p"] + [c["label"] if c["label"] == f"n={c['n']}"
                          else f"{c['label']} (n={c['n']})" for c in self.curves]
        rows = []
        for i, p in enumerate(self.p_values):
            rows.append([f"{p:.3f}"] + [
                f"{c['success'][i]:.3f}±{c['stderr'][i]:.3f}" if c["success"][i] is not None
                else "-" for c in self.curves])
        lines = _fmt_table(header, rows)
        for x in self.crossings:
            pc = "none in range" if x["p"] is None else f"{x['p']:.3f} ± {x['err']:.3f}"
            lines.append(f"  crossing {x['pair'][0]} / {x['pair'][1]}: {pc}")
        if self.threshold is not None:
            lines.append(f"  threshold estimate: {self.threshold:.3f} ± {self.threshold_err:.3f}")
        return lines


def _mc_chunk(kind: str, arrays: dict[str, Any], logical: int, p: float, shots: int,
              seed: tuple[int, ...]) -> int:
    """Successes among ``shots`` random erasures at rate ``p`` (module level: picklable)."""
    from holonet.verify import _batch

    rng = np.random.default_rng(np.random.SeedSequence(list(seed)))
    n = int(arrays["n"])
    masks = rng.random((shots, n)) < p
    if kind == "exact":
        C, r = arrays["C"], int(arrays["r"])
        _, resid = _batch.masked_ranks(C, r, n, masks)
        bits = _batch.residual_bits(resid, r, int(arrays["n_logical_rows"]))
        ok = ~(bits[:, 2 * logical] | bits[:, 2 * logical + 1])
    else:
        start = np.zeros((shots, arrays["leg_tiles"].shape[0]), dtype=bool)
        start[:, :n] = ~masks
        absorbed = _batch.greedy_absorb(arrays["tile_ptr"], arrays["tile_legs"],
                                        arrays["leg_tiles"], start)
        ok = absorbed[:, int(arrays["bulk_tile"][logical])]
    return int(ok.sum())


def _arrays(code: Any, decoder: str) -> dict[str, Any]:
    view = code_view(code)
    if decoder == "exact":
        return {"n": view.n, "C": view.C, "r": view.r, "n_logical_rows": 2 * view.k}
    net = net_view(code)
    return {"n": view.n, "tile_ptr": net.tile_ptr, "tile_legs": net.tile_legs,
            "leg_tiles": net.leg_tiles, "bulk_tile": net.bulk_tile}


def crossing(p: Sequence[float] | np.ndarray, f_small: Sequence[float] | np.ndarray,
             f_large: Sequence[float] | np.ndarray) -> float | None:
    """Where ``f_large - f_small`` changes sign (from >= 0 to < 0), linearly interpolated.

    Larger codes recover better below threshold and worse above it, so the
    difference goes from positive to negative at the crossing. The first sign
    change is used; ``None`` if there is none.

    Examples
    --------
    >>> crossing([0.4, 0.5, 0.6], [0.9, 0.5, 0.1], [0.95, 0.5, 0.05])
    0.5
    """
    pp, fs, fl = (np.asarray(x, float) for x in (p, f_small, f_large))
    if not (pp.ndim == fs.ndim == fl.ndim == 1 and pp.shape == fs.shape == fl.shape):
        raise ValueError(f"p, f_small and f_large must be 1-d of one length; got shapes "
                         f"{pp.shape}, {fs.shape}, {fl.shape}")
    d = fl - fs
    for i in range(len(d) - 1):
        if d[i] >= 0 > d[i + 1] or (d[i] > 0 >= d[i + 1]):
            if d[i] == d[i + 1]:
                return float(pp[i])
            t = d[i] / (d[i] - d[i + 1])
            return float(pp[i] + t * (pp[i + 1] - pp[i]))
    return None


def _bootstrap_crossing(p: np.ndarray, s1: np.ndarray, n1: np.ndarray, s2: np.ndarray,
                        n2: np.ndarray, rng: np.random.Generator, reps: int = 400
                        ) -> tuple[float | None, float]:
    """Crossing of two binomial curves and its parametric-bootstrap standard deviation."""
    f1, f2 = s1 / n1, s2 / n2
    pc = crossing(p, f1, f2)
    if pc is None:
        return None, float("nan")
    vals = []
    for _ in range(reps):
        b1 = rng.binomial(n1, f1) / n1
        b2 = rng.binomial(n2, f2) / n2
        x = crossing(p, b1, b2)
        if x is not None:
            vals.append(x)
    err = float(np.std(vals)) if len(vals) > 1 else float("nan")
    # a crossing that often disappears under resampling is not resolved
    if len(vals) < reps // 2:
        err = float(np.ptp(p))
    return pc, err


def _curves(labels: Sequence[str], ns: Sequence[int], ks: Sequence[int], succ: np.ndarray,
            done: np.ndarray) -> list[dict[str, Any]]:
    """One curve per code: success fraction per rate and its binomial standard error.

    ``succ`` and ``done`` are ``(codes, rates)`` counts of successful and finished
    shots; a rate without finished shots gives ``None``. Shared by the erasure and
    the Pauli thresholds (:mod:`holonet.verify.pauli`).
    """
    curves = []
    for ci, label in enumerate(labels):
        with np.errstate(invalid="ignore", divide="ignore"):
            f = np.where(done[ci] > 0, succ[ci] / np.maximum(done[ci], 1), np.nan)
            se = np.sqrt(np.clip(f * (1 - f), 0, None) / np.maximum(done[ci], 1))
        curves.append({"label": label, "n": int(ns[ci]), "k": int(ks[ci]),
                       "success": [None if np.isnan(x) else float(x) for x in f],
                       "stderr": [None if np.isnan(x) else float(x) for x in se],
                       "shots": done[ci].tolist(), "successes": succ[ci].tolist()})
    return curves


def _failures(complete: bool, expect: tuple[float, float] | None, thr: float | None,
              thr_err: float | None, p_arr: np.ndarray, digits: int) -> list[str]:
    """Failure lines shared by the erasure and Pauli thresholds: an interrupted run, and a
    crossing missing from or outside ``expect = (p0, tol)`` (NaN counts as outside)."""
    failures = []
    if not complete:
        failures.append("interrupted: curves hold only the chunks that finished")
    if expect is not None:
        p0, tol = expect
        if thr is None:
            failures.append(f"no crossing found in p = {p_arr.min():.3f}..{p_arr.max():.3f}; "
                            f"expected one within {p0} ± {tol}")
        elif not abs(thr - p0) <= tol:
            failures.append(f"threshold estimate {thr:.{digits}f} ± {thr_err or 0:.{digits}f} "
                            f"outside the expected {p0} ± {tol}")
    return failures


def _crossings(labels: Sequence[str], p_arr: np.ndarray, succ: np.ndarray, done: np.ndarray,
               seed: int) -> tuple[list[dict[str, Any]], float | None, float | None]:
    """Bootstrap-error-barred crossings of consecutive curves and the threshold estimate.

    Returns the pairwise crossings (``pair``, ``p``, ``err``), their mean and its
    error bar: the larger of the propagated bootstrap error and the spread of the
    pairwise crossings (finite-size drift). The bootstrap generator is seeded
    from ``seed``, so the error bars are reproducible.
    """
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 7919]))
    crossings = []
    for a in range(len(labels) - 1):
        sel = (done[a] > 0) & (done[a + 1] > 0)
        if sel.sum() < 2:
            pc, err = None, float("nan")
        else:
            pc, err = _bootstrap_crossing(p_arr[sel], succ[a][sel], done[a][sel],
                                          succ[a + 1][sel], done[a + 1][sel], rng)
        crossings.append({"pair": [labels[a], labels[a + 1]], "p": pc,
                          "err": None if pc is None else err})
    found = [x for x in crossings if x["p"] is not None]
    thr = thr_err = None
    if found:
        ps = np.array([x["p"] for x in found])
        errs = np.array([x["err"] for x in found])
        thr = float(ps.mean())
        stat = float(np.sqrt(np.sum(errs**2)) / len(ps))
        spread = float(np.std(ps)) if len(ps) > 1 else 0.0
        thr_err = float(max(stat, spread))
    return crossings, thr, thr_err


#: default limit on the total shots of one :func:`erasure_threshold` call (codes x rates x
#: shots); ~5-8k shots/s per core at n = 95-355, so about half an hour
DEFAULT_MAX_SHOTS = 10**7


def erasure_threshold(family: Sequence[Any] | Mapping[str, Any],
                      p_values: Sequence[float] | np.ndarray,
                      shots: int, *, decoder: str = "exact", logical: int | str = 0,
                      seed: int = 0, progress: bool = True, scheduler: Any = None,
                      chunk: int = 1000, expect: tuple[float, float] | None = None,
                      max_shots: int = DEFAULT_MAX_SHOTS) -> ThresholdReport:
    """Monte-Carlo recovery of a logical qubit vs erasure rate, and the crossing point.

    Parameters
    ----------
    family
        Codes of increasing size (a sequence, labelled by ``n``, or a mapping
        ``label -> code``): stabilizer codes for ``decoder='exact'``, HaPPY
        codes for either decoder.
    p_values
        Erasure rates (increasing).
    shots
        Shots per (code, p).
    decoder
        ``'exact'`` or ``'greedy'``.
    logical
        Index or bulk-leg name of the logical qubit followed (default 0, the
        central tile's bulk leg in HaPPY codes).
    seed
        Base seed; every chunk derives its own, independent of the scheduler.
    progress
        Show a tqdm bar (serial execution).
    scheduler
        ``None`` (serial, in process) or a Dask scheduler: ``'threads'``,
        ``'processes'``, ``'synchronous'`` or a ``distributed.Client``.
    chunk
        Shots per task.
    expect
        ``(p0, tol)``: the report is ``ok`` only if the threshold estimate lies
        within ``p0 ± tol``. Without it ``ok`` only says that the run completed.
    max_shots
        Refuse (:class:`holonet._options.WorkTooLarge`, before any work) when
        ``len(family) * len(p_values) * shots`` exceeds this.

    Returns
    -------
    ThresholdReport

    Examples
    --------
    >>> from holonet.stabilizer import StabilizerCode
    >>> c = StabilizerCode.from_pauli_strings(["XZZXI", "IXZZX", "XIXZZ", "ZXIXZ"],
    ...                                       ["XXXXX"], ["ZZZZZ"])
    >>> rep = erasure_threshold([c], [0.1, 0.5], 200, progress=False, seed=1)
    >>> rep.curves[0]["success"][0] > rep.curves[0]["success"][1]
    True
    """
    from holonet._options import (
        check_float,
        check_rate,
        check_rates,
        check_seed,
        check_shots,
        check_work,
    )

    check_option("decoder", decoder, ("exact", "greedy"))
    shots = check_shots("shots", shots)
    chunk = check_int("chunk", chunk, minimum=1)
    seed = check_seed("seed", seed) or 0
    p_arr = check_rates("p_values", p_values, increasing=True)
    if expect is not None:
        try:
            p0, tol = expect
        except (TypeError, ValueError):
            raise TypeError(f"expect must be a pair (p0, tol); got {expect!r}") from None
        expect = (check_rate("expect p0", p0), check_float("expect tol", tol, minimum=0.0))
    if isinstance(family, str | bytes) or not isinstance(family, Mapping | Sequence):
        raise TypeError(f"family must be a sequence of codes or a mapping label -> code; got "
                        f"{type(family).__name__}")
    items = list(family.items()) if isinstance(family, Mapping) else [
        (None, c) for c in family]
    if not items:
        raise ValueError("family must contain at least one code")
    check_work(f"erasure_threshold ({len(items)} codes x {p_arr.size} rates x {shots:,} shots)",
               len(items) * p_arr.size * shots, check_int("max_shots", max_shots, minimum=1),
               unit="shots", override="max_shots=")
    codes = []
    for label, code in items:
        view = code_view(code)
        if view.k == 0:
            raise ValueError("a code without logical qubits has no recovery probability")
        if isinstance(logical, str):
            if logical not in view.labels:
                raise ValueError(f"logical {logical!r} is not a bulk leg of the code; its "
                                 f"logicals are {list(view.labels[:5])}...")
            j = view.labels.index(logical)
        else:
            j = check_int("logical", logical, minimum=0, maximum=view.k - 1)
        codes.append((str(label) if label is not None else f"n={view.n}", view, j,
                      _arrays(code, decoder)))

    tasks = []
    for ci, (_, _, j, arrays) in enumerate(codes):
        for pi, p in enumerate(p_arr):
            for c0 in range(0, shots, chunk):
                m = min(chunk, shots - c0)
                tasks.append((ci, pi, m, (int(seed), ci, pi, c0 // chunk), arrays, j, float(p)))

    succ = np.zeros((len(codes), p_arr.size), dtype=np.int64)
    done = np.zeros((len(codes), p_arr.size), dtype=np.int64)
    complete = True
    if scheduler is None:
        from tqdm.auto import tqdm

        try:
            for ci, pi, m, sd, arrays, j, p in tqdm(tasks, desc=f"erasure MC ({decoder})",
                                                     disable=not progress):
                succ[ci, pi] += _mc_chunk(decoder, arrays, j, p, m, sd)
                done[ci, pi] += m
        except KeyboardInterrupt:  # keep what finished
            complete = False
    else:
        import dask

        delayed = [dask.delayed(_mc_chunk)(decoder, arrays, j, p, m, sd)
                   for (_, _, m, sd, arrays, j, p) in tasks]
        if hasattr(scheduler, "compute") and hasattr(scheduler, "gather"):  # a Client
            results = scheduler.gather(scheduler.compute(delayed))
        else:
            results = dask.compute(*delayed, scheduler=scheduler)
        for (ci, pi, m, *_), s in zip(tasks, results, strict=True):
            succ[ci, pi] += int(s)
            done[ci, pi] += m

    curves = _curves([label for label, *_ in codes], [view.n for _, view, _, _ in codes],
                     [view.k for _, view, _, _ in codes], succ, done)
    for c, (_, view, j, _) in zip(curves, codes, strict=True):
        c["logical"] = view.labels[j]
    crossings, thr, thr_err = _crossings([label for label, *_ in codes], p_arr, succ, done,
                                         int(seed))

    failures = _failures(complete, expect, thr, thr_err, p_arr, digits=3)
    rep = ThresholdReport(
        title=f"erasure threshold ({decoder} decoder, {len(codes)} sizes, {shots} shots/point)",
        ok=not failures, failures=failures, p_values=p_arr.tolist(), curves=curves,
        crossings=crossings, threshold=thr, threshold_err=thr_err, decoder=decoder,
        complete=complete)
    rep.numbers = {"decoder": decoder, "p_values": p_arr.tolist(), "curves": curves,
                   "crossings": crossings, "threshold": thr, "threshold_err": thr_err,
                   "seed": seed, "complete": complete}
    return rep


def assert_erasure_threshold(*args: Any, **kwargs: Any) -> ThresholdReport:
    """:func:`erasure_threshold` (with ``expect=``), raising on failure.

    Examples
    --------
    >>> from holonet.stabilizer import StabilizerCode
    >>> c = StabilizerCode.from_pauli_strings(["XZZXI", "IXZZX", "XIXZZ", "ZXIXZ"],
    ...                                       ["XXXXX"], ["ZZZZZ"])
    >>> assert_erasure_threshold([c], [0.1, 0.2], 50, progress=False).complete
    True
    """
    rep = erasure_threshold(*args, **kwargs)
    rep.raise_if_failed()
    return rep
