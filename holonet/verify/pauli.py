"""Pauli-noise thresholds: ML decoding success vs physical error rate across a code family.

Every code of the family is decoded by exact maximum-likelihood decoding
(:class:`holonet.decode.MLDecoder`, the tensor-network contraction of
theory/decoding.md); a shot *succeeds* when the logical class of ``E · C`` is the
identity, ``E`` the sampled error and ``C`` the correction chosen for its syndrome
(:func:`holonet.decode.simulate`). For each physical error rate ``p`` the noise
is ``noise_family(p)``: depolarising, biased with bias ``η`` (:class:`NoiseFamily`),
or any callable returning a :class:`~holonet.decode.PauliNoise` of total rate ``p``.

The success curves of increasing code sizes cross near the threshold. Every
crossing of consecutive sizes gets a parametric-bootstrap error bar and the
estimate is their mean, by the same machinery as the erasure threshold
(:mod:`holonet.verify.threshold`). The report puts the estimate next to the
zero-rate hashing bound of the channel (:func:`holonet.decode.hashing_bound`).

Each code's contraction is planned once and reused for every ``p``. Work is
split into chunks of ``chunk`` shots; chunk ``c`` of code ``i`` at rate ``j`` draws
its errors from a seed derived from ``(seed, i, j, c)``, so the curves depend on
``seed``, ``shots`` and ``chunk`` only, not on how the chunks are scheduled:
serially with a tqdm bar, or on Dask (``scheduler='threads'``, ``'processes'``,
``'synchronous'`` or a ``distributed.Client``). The predicted decoding work
(the planned contraction cost per shot times the shots) is checked against
``max_flops`` before any shot is decoded.

Examples
--------
>>> from holonet.codes import happy_code
>>> from holonet.verify import pauli_threshold
>>> fam = [happy_code(1, variant="zero-rate"), happy_code(2, variant="zero-rate")]
>>> rep = pauli_threshold(fam, "depolarizing", [0.05, 0.3], 400, seed=0, progress=False)
>>> [c["n"] for c in rep.curves], rep.curves[1]["shots"]
([5, 25], [400, 400])
>>> s5, s25 = rep.curves[0]["success"], rep.curves[1]["success"]
>>> s25[0] > s5[0], s25[1] < s5[1]      # the larger code wins below threshold, loses above
(True, True)
>>> round(rep.hashing_bound, 4)
0.1893
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from holonet._options import check_float, check_int, check_option
from holonet.decode import MLDecoder, PauliNoise, hashing_bound, simulate
from holonet.verify.threshold import ThresholdReport, _crossings, _curves, _failures

__all__ = ["DASK_SCHEDULERS", "DEFAULT_MAX_FLOPS", "NOISE_KINDS", "NoiseFamily",
           "PauliThresholdReport", "SHOT_OVERHEAD", "assert_pauli_threshold", "check_p_values",
           "pauli_threshold"]

#: Valid ``kind`` of a :class:`NoiseFamily` (and noise families named by a string).
NOISE_KINDS: tuple[str, ...] = ("depolarizing", "biased")
#: Default limit on the predicted decoding work of one :func:`pauli_threshold` call, in
#: flop-equivalents (:data:`SHOT_OVERHEAD` plus the planned contraction flops, per shot,
#: times the shots, summed over codes and rates). Measured on the development machine:
#: 0.9e9 to 5e9 per CPU-second on the zero-rate codes n = 25, 95, 355, so 1e13 is about
#: 0.5-3 hours of one core.
DEFAULT_MAX_FLOPS = 1e13
#: Per-shot work besides the contraction, in flop-equivalents: ``(a, b)`` for ``a + b n``
#: (sampling, syndromes, pure errors, scoring); it dominates for small codes (n = 25:
#: 6e4 of the 6.4e4 per shot).
SHOT_OVERHEAD: tuple[float, float] = (3e4, 1e3)
#: Scheduler names passed to ``dask.compute`` (a ``distributed.Client`` is also accepted).
DASK_SCHEDULERS: tuple[str, ...] = ("threads", "processes", "synchronous", "sync",
                                    "single-threaded")
#: Relative tolerance on ``noise_family(p).p == p``.
_RATE_RTOL = 1e-9


@dataclass(frozen=True)
class NoiseFamily:
    """A one-parameter family of Pauli channels ``p -> PauliNoise`` (picklable).

    Parameters
    ----------
    kind
        ``"depolarizing"`` (``X, Y, Z`` each with ``p/3``) or ``"biased"``
        (:meth:`holonet.decode.PauliNoise.biased` with ``eta`` and ``axis``).
    eta
        Bias ``r_axis / (sum of the other two)`` for ``kind="biased"``
        (``0.5`` is depolarising, ``float("inf")`` pure noise along ``axis``).
    axis
        ``"X"``, ``"Y"`` or ``"Z"``: the dominant Pauli of a biased family.

    Examples
    --------
    >>> fam = NoiseFamily("biased", eta=10)
    >>> fam.name, round(float(fam(0.2).pz), 4)
    ('biased(eta=10, axis=Z)', 0.1818)
    >>> round(fam.hashing_bound(), 4), NoiseFamily("depolarizing").hashing_bound() < 0.19
    (0.2779, True)
    >>> NoiseFamily("biased")
    Traceback (most recent call last):
    ...
    ValueError: a biased noise family needs eta= (0.5 is depolarising, inf pure noise along axis)
    """

    kind: str = "depolarizing"
    eta: float | None = None
    axis: str = "Z"

    def __post_init__(self) -> None:
        check_option("noise family", self.kind, NOISE_KINDS)
        check_option("bias axis", self.axis, ("X", "Y", "Z"))
        if self.kind == "depolarizing":
            if self.eta is not None:
                raise ValueError(f"a depolarizing noise family takes no eta (it is 0.5); got "
                                 f"eta={self.eta!r}; use NoiseFamily('biased', eta=...)")
            return
        if self.eta is None:
            raise ValueError("a biased noise family needs eta= (0.5 is depolarising, inf pure "
                             "noise along axis)")
        eta = check_float("eta", self.eta, minimum=0.0, finite=False)
        if math.isnan(eta):
            raise ValueError(f"eta must be >= 0 (or inf); got {self.eta!r}")
        object.__setattr__(self, "eta", eta)

    @property
    def name(self) -> str:
        """``"depolarizing"`` or ``"biased(eta=..., axis=...)"``."""
        if self.kind == "depolarizing":
            return "depolarizing"
        return f"biased(eta={self.eta:g}, axis={self.axis})"

    @property
    def bias(self) -> float:
        """The bias ``η`` of the family (``0.5`` for depolarising noise)."""
        return 0.5 if self.eta is None else float(self.eta)

    def __call__(self, p: float) -> PauliNoise:
        """The channel of total error probability ``p``."""
        if self.kind == "depolarizing":
            return PauliNoise.depolarizing(p)
        return PauliNoise.biased(p, float(self.bias), self.axis)

    def hashing_bound(self) -> float:
        """Zero-rate hashing bound of the family (:func:`holonet.decode.hashing_bound`)."""
        return hashing_bound(self.bias, axis=self.axis)


@dataclass
class PauliThresholdReport(ThresholdReport):
    """Report of :func:`pauli_threshold`: the shape of :class:`ThresholdReport`, plus the channel.

    Attributes
    ----------
    p_values
        Total physical error rates.
    curves
        One dict per code: ``label``, ``n``, ``k``, ``success`` (fraction of shots
        whose logical class survived, per ``p``), ``stderr`` (binomial,
        ``sqrt(f (1 - f) / shots)``), ``shots``, ``successes``, ``decoder``.
    crossings, threshold, threshold_err
        As in :class:`ThresholdReport` (crossings of consecutive sizes with bootstrap
        error bars; their mean and its error bar).
    noise
        Name of the noise family; ``eta`` its bias (``None`` if it varies with ``p``).
    hashing_bound
        Zero-rate hashing bound of the channel (``None`` if the relative rates vary with ``p``).
    logical
        ``None`` (all logicals scored jointly) or the scored logical's index.
    seed, chunk
        What the curves depend on besides ``shots``.

    Examples
    --------
    >>> from holonet.codes import happy_code
    >>> rep = pauli_threshold([happy_code(1, variant="zero-rate")], NoiseFamily("biased", eta=3),
    ...                       [0.1, 0.4], 200, seed=1, progress=False)
    >>> rep.noise, rep.eta, rep.threshold is None       # one size: no crossing
    ('biased(eta=3, axis=Z)', 3.0, True)
    >>> print(rep.explain().splitlines()[0])
    Pauli threshold, ML decoder, biased(eta=3, axis=Z), 1 size, 200 shots/point: OK
    """

    noise: str = ""
    eta: float | None = None
    hashing_bound: float | None = None
    logical: int | None = None
    seed: int = 0
    chunk: int = 0

    def _details(self) -> list[str]:
        from holonet.verify.report import _fmt_table

        header = ["p"] + [f"{c['label']} (n={c['n']})" if c["label"] != f"n={c['n']}"
                          else c["label"] for c in self.curves]
        rows = [[f"{p:.4f}"] + [f"{c['success'][i]:.4f}±{c['stderr'][i]:.4f}"
                                if c["success"][i] is not None else "-" for c in self.curves]
                for i, p in enumerate(self.p_values)]
        lines = _fmt_table(header, rows)
        for x in self.crossings:
            pc = (f"{x['p']:.4f} ± {x['err']:.4f}" if x["p"] is not None
                  else f"none in range ({x.get('bound') or 'unresolved'})")
            lines.append(f"  crossing {x['pair'][0]} / {x['pair'][1]}: {pc}")
        if self.threshold is not None:
            lines.append(f"  threshold estimate: {self.threshold:.4f} ± {self.threshold_err:.4f}")
        hb = self.hashing_bound
        if hb is not None:
            lines.append(f"  zero-rate hashing bound of the channel: {hb:.4f}")
            if self.threshold is not None and self.threshold_err is not None:
                d = self.threshold - hb
                lines.append(f"  threshold - hashing bound: {d:+.4f} ± {self.threshold_err:.4f}")
        return lines


def check_p_values(what: str, values: Any) -> np.ndarray:
    """Error rates of a threshold scan: strictly increasing, each strictly inside ``(0, 1)``.

    Examples
    --------
    >>> check_p_values("p_values", [0.1, 0.2]).tolist()
    [0.1, 0.2]
    >>> check_p_values("--p", [0.0, 0.1])
    Traceback (most recent call last):
    ...
    ValueError: --p must lie strictly between 0 and 1; got 0.0 at position 0
    """
    from holonet._options import check_rates

    p_arr = np.asarray(check_rates(what, values, increasing=True), dtype=float)
    inside = (p_arr > 0) & (p_arr < 1)
    if not inside.all():
        bad = int(np.flatnonzero(~inside)[0])
        raise ValueError(f"{what} must lie strictly between 0 and 1; got {p_arr[bad]} at "
                         f"position {bad}")
    return p_arr


def _noise_callable(noise_family: Any) -> tuple[Callable[[float], PauliNoise], str]:
    if isinstance(noise_family, str):
        fam = NoiseFamily(noise_family)
        return fam, fam.name
    if isinstance(noise_family, NoiseFamily):
        return noise_family, noise_family.name
    if isinstance(noise_family, PauliNoise):
        raise TypeError("noise_family must map p to a PauliNoise (a NoiseFamily, 'depolarizing' "
                        "or a callable such as lambda p: PauliNoise.biased(p, 10)); got one "
                        f"PauliNoise {noise_family.name}")
    if not callable(noise_family):
        raise TypeError("noise_family must be 'depolarizing', a NoiseFamily or a callable p -> "
                        f"PauliNoise; got {type(noise_family).__name__} {noise_family!r}")
    return noise_family, getattr(noise_family, "__name__", "custom")


def _channels(fn: Callable[[float], PauliNoise], p_arr: np.ndarray
              ) -> tuple[list[PauliNoise], float | None, float | None]:
    """The channel at every ``p``, checked; their common bias and hashing bound (or ``None``)."""
    noises, rel = [], []
    for p in p_arr.tolist():
        noise = fn(p)
        if not isinstance(noise, PauliNoise):
            raise TypeError(f"noise_family({p}) must return a PauliNoise; got "
                            f"{type(noise).__name__}")
        if noise.n_qubits is not None:
            raise ValueError(f"noise_family({p}) returned per-qubit rates; a threshold needs the "
                             "same channel on every qubit")
        total = float(noise.p)
        if not abs(total - p) <= _RATE_RTOL * max(1.0, p):
            raise ValueError(f"noise_family({p}) returned {noise.name} of total error rate "
                             f"{total:.6g}; the threshold's axis is the total error probability, "
                             "so noise_family(p) must have px + py + pz = p")
        noises.append(noise)
        rel.append(np.array([float(noise.px), float(noise.py), float(noise.pz)]) / total)
    same_rates = all(np.allclose(r, rel[0], rtol=0, atol=1e-12) for r in rel)
    hb = hashing_bound(rates=rel[0]) if same_rates else None
    etas = {noises[0].eta} if same_rates else {x.eta for x in noises}
    eta = etas.pop() if len(etas) == 1 else None
    return noises, (None if eta is None else float(eta)), hb


def _family_items(family: Any) -> list[tuple[str | None, Any]]:
    if isinstance(family, str | bytes) or not isinstance(family, Mapping | Sequence):
        raise TypeError(f"family must be a sequence of codes or a mapping label -> code; got "
                        f"{type(family).__name__}")
    items: list[tuple[str | None, Any]] = (
        [(str(k), v) for k, v in family.items()] if isinstance(family, Mapping)
        else [(None, c) for c in family])
    if not items:
        raise ValueError("family must contain at least one code")
    return items


def _check_scheduler(scheduler: Any) -> None:
    if scheduler is None or _is_client(scheduler):
        return
    if isinstance(scheduler, str):
        check_option("scheduler", scheduler, DASK_SCHEDULERS)
        return
    raise TypeError(f"scheduler must be None, one of {', '.join(DASK_SCHEDULERS)} or a "
                    f"distributed.Client; got {type(scheduler).__name__}")


def _is_client(scheduler: Any) -> bool:
    return hasattr(scheduler, "compute") and hasattr(scheduler, "gather")


def _work_per_shot(dec: MLDecoder) -> float:
    """Predicted flop-equivalents of one shot: overhead + planned contraction flops.

    The enumeration fallback sums ``2^r 4^k`` Paulis of ``n`` factors per syndrome.
    """
    n, k = dec.n, dec.k
    info = dec.plan_info
    base = SHOT_OVERHEAD[0] + SHOT_OVERHEAD[1] * n
    if info:
        return base + float(info["flops"]) + float(info["absorb_flops"])
    return base + float(2.0 ** (n - k) * 4.0 ** k * n)


def _chunk_seed(seed: int, ci: int, pi: int, c: int) -> int:
    """The integer seed of one chunk, independent of the scheduler (``simulate`` takes ints)."""
    state = np.random.SeedSequence([int(seed), ci, pi, c]).generate_state(2, np.uint32)
    return int(state[0]) << 32 | int(state[1])


def _no_crossing(p: np.ndarray, succ: np.ndarray, done: np.ndarray) -> str:
    """Why two curves have no crossing in range: which code wins everywhere (or unresolved)."""
    sel = (done[0] > 0) & (done[1] > 0)
    if not sel.any():
        return "no shots"
    d = succ[1][sel] / done[1][sel] - succ[0][sel] / done[0][sel]
    ps = p[sel]
    if np.all(d >= 0):
        return f"the larger code succeeds at least as often at every p: threshold >= {ps[-1]:g}"
    if np.all(d <= 0):
        return f"the smaller code succeeds at least as often at every p: threshold <= {ps[0]:g}"
    return "unresolved"


def _decode_chunk(decoder: MLDecoder, shots: int, seed: int, logical: int | None
                  ) -> tuple[int, int, bool]:
    """``(successes, shots done, complete)`` of one chunk (module level: picklable for Dask)."""
    rep = simulate(decoder.code, decoder.noise, shots, seed=seed, decoder=decoder,
                   batch=shots, progress=False, logical=logical)
    return rep.successes, rep.shots, rep.complete


def pauli_threshold(family: Sequence[Any] | Mapping[str, Any], noise_family: Any,
                    p_values: Sequence[float] | np.ndarray, shots: int, *, seed: int = 0,
                    scheduler: Any = None, progress: bool = True, chunk: int = 1024,
                    logical: int | None = None, method: str = "auto",
                    expect: tuple[float, float] | None = None,
                    max_flops: float = DEFAULT_MAX_FLOPS) -> PauliThresholdReport:
    """Monte-Carlo success of exact ML decoding vs Pauli error rate, and the crossing point.

    Parameters
    ----------
    family
        Codes of increasing size (a sequence, labelled ``n=...``, or a mapping
        ``label -> code``): :class:`~holonet.codes.HaPPYCode` (tensor-network ML
        decoding) or small :class:`~holonet.stabilizer.StabilizerCode` (enumeration).
    noise_family
        ``p -> PauliNoise``: ``"depolarizing"``, a :class:`NoiseFamily` (e.g.
        ``NoiseFamily("biased", eta=10)``) or a callable such as
        ``lambda p: PauliNoise.biased(p, 10)``; ``noise_family(p)`` must have total
        error rate ``p`` and the same rates on every qubit.
    p_values
        Total physical error rates, strictly increasing, each in ``(0, 1)``.
    shots
        Shots per (code, p).
    seed
        Base seed (integer >= 0); every chunk derives its own from it.
    scheduler
        ``None`` (serial, in process, with a tqdm bar), a Dask scheduler name
        (``'threads'``, ``'processes'``, ``'synchronous'``) or a ``distributed.Client``
        (with a tqdm bar over finished chunks). Same curves for a given seed.
    progress
        Show a tqdm bar.
    chunk
        Shots per task.
    logical
        ``None``: a shot succeeds when every logical survives; ``j``: only logical ``j``
        is scored (as for the central qubit of a finite-rate code).
    method
        Passed to :class:`~holonet.decode.MLDecoder` (``"auto"``, ``"joint"``, ``"marginal"``).
    expect
        ``(p0, tol)``: the report is ``ok`` only if the threshold estimate lies
        within ``p0 ± tol``. Without it ``ok`` says that the run completed.
    max_flops
        Refuse (:class:`holonet._options.WorkTooLarge`) when the predicted work
        exceeds it: per shot, the planned contraction flops plus
        :data:`SHOT_OVERHEAD`, times the shots, summed over codes and rates (0.9e9 to
        5e9 of them per CPU-second). Checked after planning (seconds) and before
        any shot is decoded.

    Returns
    -------
    PauliThresholdReport

    Examples
    --------
    >>> from holonet.codes import code_513
    >>> from holonet.decode import PauliNoise
    >>> rep = pauli_threshold([code_513()], lambda p: PauliNoise.biased(p, 100), [0.05, 0.2], 300,
    ...                       seed=2, progress=False)
    >>> rep.curves[0]["success"][0] > rep.curves[0]["success"][1], rep.curves[0]["decoder"]
    (True, 'ml (joint, enumeration)')
    >>> pauli_threshold([code_513()], "depolarizing", [0.1, 1.0], 10, progress=False)
    Traceback (most recent call last):
    ...
    ValueError: p_values must lie strictly between 0 and 1; got 1.0 at position 1
    """
    from holonet._options import check_rate, check_shots, check_work

    shots = check_shots("shots", shots)
    chunk = check_int("chunk", chunk, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    p_arr = check_p_values("p_values", p_values)
    if not isinstance(progress, bool):
        raise TypeError(f"progress must be True or False; got {progress!r}")
    if expect is not None:
        try:
            p0, tol = expect
        except (TypeError, ValueError):
            raise TypeError(f"expect must be a pair (p0, tol); got {expect!r}") from None
        expect = (check_rate("expect p0", p0), check_float("expect tol", tol, minimum=0.0))
    max_flops = check_float("max_flops", max_flops, minimum=0.0)
    _check_scheduler(scheduler)
    fn, noise_name = _noise_callable(noise_family)
    items = _family_items(family)
    noises, eta, hb = _channels(fn, p_arr)

    # one planned decoder per code (tensor-network plans are cached on the code), retargeted
    # to every rate without replanning
    decoders: list[list[MLDecoder]] = []
    labels: list[str] = []
    for label, code in items:
        if isinstance(code, MLDecoder):
            raise TypeError("family holds codes, not decoders: pass the MLDecoder's .code")
        base = MLDecoder(code, noises[0], method=method)
        if logical is not None:
            logical = check_int("logical", logical, minimum=0, maximum=base.k - 1)
        decoders.append([base] + [base.with_noise(x) for x in noises[1:]])
        labels.append(label if label is not None else f"n={base.n}")
    ns = [row[0].n for row in decoders]
    if any(b <= a for a, b in zip(ns, ns[1:], strict=False)):
        raise ValueError(f"family must be ordered by increasing code size; got n = {ns}")
    work = sum(_work_per_shot(row[0]) for row in decoders) * shots * p_arr.size
    check_work(f"pauli_threshold ({len(items)} codes x {p_arr.size} rates x {shots:,} shots)",
               work, max_flops, unit="flop-equivalents of ML decoding",
               override="max_flops=")

    tasks = []
    for ci in range(len(decoders)):
        for pi in range(p_arr.size):
            for c0 in range(0, shots, chunk):
                tasks.append((ci, pi, min(chunk, shots - c0), _chunk_seed(seed, ci, pi,
                                                                           c0 // chunk)))
    succ = np.zeros((len(items), p_arr.size), dtype=np.int64)
    done = np.zeros((len(items), p_arr.size), dtype=np.int64)
    desc = f"Pauli MC ({noise_name})"
    complete = True
    if scheduler is None:
        complete = _run_serial(tasks, decoders, logical, succ, done, progress, desc)
    else:
        complete = _run_dask(tasks, decoders, logical, succ, done, progress, desc, scheduler)

    curves = _curves(labels, ns, [row[0].k for row in decoders], succ, done)
    for c, row in zip(curves, decoders, strict=True):
        c["decoder"] = f"ml ({row[0].method}, {row[0].backend})"
    crossings, thr, thr_err = _crossings(labels, p_arr, succ, done, int(seed))
    for a, x in enumerate(crossings):
        if x["p"] is None:
            x["bound"] = _no_crossing(p_arr, succ[a:a + 2], done[a:a + 2])

    failures = _failures(complete, expect, thr, thr_err, p_arr, digits=4)
    sizes = f"{len(items)} size{'s' if len(items) != 1 else ''}"
    rep = PauliThresholdReport(
        title=f"Pauli threshold, ML decoder, {noise_name}, {sizes}, {shots} shots/point",
        ok=not failures, failures=failures, p_values=p_arr.tolist(), curves=curves,
        crossings=crossings, threshold=thr, threshold_err=thr_err, decoder="ml",
        complete=complete, noise=noise_name, eta=eta, hashing_bound=hb, logical=logical,
        seed=int(seed), chunk=chunk)
    rep.numbers = {"decoder": "ml", "noise": noise_name,
                   "eta": None if eta is None or math.isinf(eta) else eta,
                   "eta_is_inf": eta is not None and math.isinf(eta),
                   "hashing_bound": hb, "p_values": p_arr.tolist(), "curves": curves,
                   "crossings": crossings, "threshold": thr, "threshold_err": thr_err,
                   "shots": shots, "seed": int(seed), "chunk": chunk, "logical": logical,
                   "complete": complete}
    return rep


def _run_serial(tasks: list[tuple[int, int, int, int]], decoders: list[list[MLDecoder]],
                logical: int | None, succ: np.ndarray, done: np.ndarray, progress: bool,
                desc: str) -> bool:
    """Run the chunks in process; an interrupt keeps what finished. Returns ``complete``."""
    from tqdm.auto import tqdm

    bar = tqdm(total=sum(t[2] for t in tasks), desc=desc, unit="shot", disable=not progress)
    try:
        for ci, pi, m, sd in tasks:
            s, d, ok = _decode_chunk(decoders[ci][pi], m, sd, logical)
            succ[ci, pi] += s
            done[ci, pi] += d
            bar.update(d)
            if not ok:  # simulate() caught an interrupt and returned the finished shots
                return False
    except KeyboardInterrupt:
        return False
    finally:
        bar.close()
    return True


def _run_dask(tasks: list[tuple[int, int, int, int]], decoders: list[list[MLDecoder]],
              logical: int | None, succ: np.ndarray, done: np.ndarray, progress: bool,
              desc: str, scheduler: Any) -> bool:
    """Run the chunks on Dask; every decoder is one graph node shared by its chunks."""
    import uuid

    import dask

    token = uuid.uuid4().hex[:12]
    nodes = {(ci, pi): dask.delayed(dec, name=f"pauli-threshold-decoder-{ci}-{pi}-{token}",
                                    traverse=False)
             for ci, row in enumerate(decoders) for pi, dec in enumerate(row)}
    calls = [dask.delayed(_decode_chunk, pure=True)(nodes[(ci, pi)], m, sd, logical)
             for ci, pi, m, sd in tasks]
    if not _is_client(scheduler):
        for (ci, pi, *_), (s, d, _) in zip(tasks, dask.compute(*calls, scheduler=scheduler),
                                           strict=True):
            succ[ci, pi] += s
            done[ci, pi] += d
        return True
    from distributed import as_completed
    from tqdm.auto import tqdm

    futures = scheduler.compute(calls)
    where = {f.key: t for f, t in zip(futures, tasks, strict=True)}
    bar = tqdm(total=sum(t[2] for t in tasks), desc=desc, unit="shot", disable=not progress)
    try:
        for fut in as_completed(futures):
            ci, pi, *_ = where[fut.key]
            s, d, _ = fut.result()
            succ[ci, pi] += s
            done[ci, pi] += d
            bar.update(d)
    except KeyboardInterrupt:
        scheduler.cancel(futures)
        return False
    finally:
        bar.close()
    return True


def assert_pauli_threshold(*args: Any, **kwargs: Any) -> PauliThresholdReport:
    """:func:`pauli_threshold` (with ``expect=``), raising on failure.

    Examples
    --------
    >>> from holonet.codes import code_513
    >>> assert_pauli_threshold([code_513()], "depolarizing", [0.1, 0.2], 50,
    ...                        progress=False).complete
    True
    """
    rep = pauli_threshold(*args, **kwargs)
    rep.raise_if_failed()
    return rep
