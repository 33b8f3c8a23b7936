"""Monte-Carlo decoding: sample Pauli errors, decode their syndromes, score the logical class.

A shot succeeds when the correction ``C`` returned for the syndrome of the error
``E`` leaves the logical information intact: ``E · C`` is a stabilizer, i.e. the
logical class of ``E · C`` (:meth:`MLDecoder.classes`) is the identity. For
``k > 1`` the default scores *all* logicals jointly (every logical must survive);
``logical=j`` scores logical ``j`` alone (the others may fail), as for the central
bulk qubit of the pentagon code.

Errors are sampled in fixed chunks of :data:`SAMPLE_CHUNK` shots, chunk ``i``
from ``SeedSequence([seed, i])``, so a result depends on ``seed`` and ``shots``
only, not on the decoding ``batch`` size; a caller that splits work (Dask) can
give each part its own seed. The decoder is planned once per code and cached, so
calling :func:`simulate` for many noise strengths replans nothing; an
:class:`MLDecoder` may also be passed in (it is re-targeted with
:meth:`MLDecoder.with_noise` when its noise differs).

Examples
--------
>>> from holonet.codes import happy_code
>>> from holonet.decode import PauliNoise, simulate
>>> rep = simulate(happy_code(2, variant="zero-rate"), PauliNoise.depolarizing(0.1), 2000,
...                seed=0, progress=False)
>>> rep.shots, rep.successes, round(rep.success_rate, 4), round(rep.stderr, 4)
(2000, 1931, 0.9655, 0.0041)
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from holonet._options import check_int, check_option
from holonet.decode.ml import MLDecoder
from holonet.decode.noise import PauliNoise

__all__ = ["DECODERS", "SAMPLE_CHUNK", "SimulationReport", "simulate"]

#: Decoders :func:`simulate` can build by name.
DECODERS: tuple[str, ...] = ("ml",)
#: Shots per sampling chunk (each chunk has its own seed).
SAMPLE_CHUNK = 1024


@dataclass
class SimulationReport:
    """Result of :func:`simulate`: success rate of decoding with its standard error.

    Attributes
    ----------
    title
        What was simulated.
    n, k
        Code size.
    noise
        Description of the noise model (``PauliNoise.name``); ``p`` and ``eta``
        its total error rate and bias (``None`` for per-qubit rates).
    shots, successes
        Shots run and shots whose logical class survived.
    success_rate, stderr
        ``successes / shots`` and its binomial standard error
        ``sqrt(r (1 - r) / shots)``.
    logical
        ``None`` (all logicals scored jointly) or the index of the scored logical.
    logical_success
        Per-logical success rates (``k`` numbers; at most 64 are kept).
    decoder
        ``"ml (joint, tensor network)"`` and the like.
    seconds
        Wall time of sampling + decoding.
    complete
        ``False`` if interrupted (the numbers cover the shots that finished).

    Examples
    --------
    >>> r = SimulationReport("demo", n=5, k=1, noise="depolarizing(p=0.1)", p=0.1, eta=0.5,
    ...                      shots=100, successes=90)
    >>> r.success_rate, round(r.stderr, 4), round(r.failure_rate, 12)
    (0.9, 0.03, 0.1)
    >>> r.summary()["successes"]
    90
    """

    title: str
    n: int
    k: int
    noise: str
    p: float | None
    eta: float | None
    shots: int
    successes: int
    logical: int | None = None
    logical_success: list[float] = field(default_factory=list)
    decoder: str = "ml"
    seconds: float = 0.0
    seed: Any = None
    complete: bool = True

    @property
    def success_rate(self) -> float:
        """Fraction of successful shots (NaN if no shot ran)."""
        return self.successes / self.shots if self.shots else math.nan

    @property
    def failure_rate(self) -> float:
        """``1 - success_rate`` (the logical error rate)."""
        return 1.0 - self.success_rate

    @property
    def stderr(self) -> float:
        """Binomial standard error of :attr:`success_rate`."""
        r = self.success_rate
        return math.sqrt(r * (1 - r) / self.shots) if self.shots else math.nan

    def summary(self) -> dict[str, Any]:
        """The numbers as a JSON-serialisable dict."""
        return {"title": self.title, "n": self.n, "k": self.k, "noise": self.noise,
                "p": self.p, "eta": None if self.eta is None or math.isinf(self.eta)
                else self.eta, "eta_is_inf": self.eta is not None and math.isinf(self.eta),
                "shots": self.shots, "successes": self.successes,
                "success_rate": self.success_rate, "stderr": self.stderr,
                "logical": self.logical, "logical_success": list(self.logical_success),
                "decoder": self.decoder, "seconds": self.seconds,
                "seed": self.seed if isinstance(self.seed, int) else None,
                "complete": self.complete}

    def to_json(self) -> str:
        """:meth:`summary` as a JSON string."""
        return json.dumps(self.summary())

    def explain(self) -> str:
        """Readable account of the simulation.

        Examples
        --------
        >>> r = SimulationReport("ML decoding of [[5,1]]", 5, 1, "depolarizing(p=0.1)", 0.1,
        ...                      0.5, 1000, 921)
        >>> print(r.explain().splitlines()[1])
          success rate 0.9210 ± 0.0085 (921 / 1000 shots)
        """
        scored = ("all logicals jointly" if self.logical is None
                  else f"logical {self.logical} only")
        lines = [f"{self.title}: {'complete' if self.complete else 'INTERRUPTED'}",
                 f"  success rate {self.success_rate:.4f} ± {self.stderr:.4f} "
                 f"({self.successes} / {self.shots} shots)",
                 f"  code [[{self.n},{self.k}]], noise {self.noise}, decoder {self.decoder}, "
                 f"scored: {scored}",
                 f"  {self.seconds:.2f} s"]
        if self.k > 1 and self.logical_success:
            worst = int(np.argmin(self.logical_success))
            lines.append(f"  per-logical success: min {self.logical_success[worst]:.4f} "
                         f"(logical {worst}), max {max(self.logical_success):.4f}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.explain()


def simulate(code: Any, noise: PauliNoise, shots: int, *, seed: int | Any = 0,
             decoder: str | MLDecoder = "ml", batch: int = 1024, progress: bool = True,
             logical: int | None = None, method: str = "auto", chi: int | None = None
             ) -> SimulationReport:
    """Monte-Carlo success rate of decoding ``code`` under ``noise``.

    Parameters
    ----------
    code
        A :class:`~holonet.codes.HaPPYCode` or a small
        :class:`~holonet.stabilizer.StabilizerCode` (see :class:`MLDecoder`).
    noise
        The :class:`PauliNoise` errors are drawn from (and decoded against).
    shots
        Number of errors to sample.
    seed
        Seed (int >= 0 or ``SeedSequence`` entropy); results depend on it and on
        ``shots`` only.
    decoder
        ``"ml"`` or an :class:`MLDecoder` of this code (reused; re-targeted to
        ``noise`` if needed).
    batch
        Syndromes decoded per call.
    progress
        Show a tqdm bar.
    logical
        ``None``: success means every logical survives; ``j``: only logical ``j`` is scored.
    method, chi
        Passed to :class:`MLDecoder` when ``decoder="ml"``.

    Returns
    -------
    SimulationReport

    Examples
    --------
    >>> from holonet.codes import code_513
    >>> rep = simulate(code_513(), PauliNoise.depolarizing(0.1), 500, seed=3, progress=False)
    >>> rep.n, rep.k, rep.shots, rep.decoder
    (5, 1, 500, 'ml (joint, enumeration)')
    """
    shots = check_int("shots", shots, minimum=1)
    batch = check_int("batch", batch, minimum=1)
    if not isinstance(noise, PauliNoise):
        raise TypeError(f"noise must be a PauliNoise; got {type(noise).__name__}")
    if isinstance(seed, bool) or not (isinstance(seed, int | np.integer) and seed >= 0):
        raise ValueError(f"seed must be a non-negative integer; got {seed!r}")
    if isinstance(decoder, MLDecoder):
        if decoder.code is not code:
            raise ValueError("the MLDecoder passed as decoder= was built for another code")
        dec = decoder if decoder.noise is noise else decoder.with_noise(noise)
    else:
        check_option("decoder", decoder, DECODERS)
        dec = MLDecoder(code, noise, method=method, chi=chi)
    if logical is not None:
        logical = check_int("logical", logical, minimum=0, maximum=dec.k - 1)
    from tqdm.auto import tqdm

    n, k = dec.n, dec.k
    successes = 0
    per_logical = np.zeros(k, np.int64)
    done = 0
    complete = True
    t0 = time.perf_counter()
    bar = tqdm(total=shots, disable=not progress, desc=f"decode n={n}", unit="shot")
    try:
        for chunk in range(-(-shots // SAMPLE_CHUNK)):
            m = min(SAMPLE_CHUNK, shots - chunk * SAMPLE_CHUNK)
            E = noise.sample(n, m, seed=np.random.SeedSequence([int(seed), chunk]))
            for start in range(0, m, batch):
                e = E[start:start + batch]
                C = dec.decode(dec.syndromes(e))
                ok = dec.classes(e ^ C) == 0                      # (b, k)
                per_logical += ok.sum(axis=0)
                hit = ok.all(axis=1) if logical is None else ok[:, logical]
                successes += int(hit.sum())
                done += e.shape[0]
                bar.update(e.shape[0])
    except KeyboardInterrupt:
        complete = False
    finally:
        bar.close()
    eta = noise.eta
    p = noise.p
    scored = "" if logical is None else f", logical {logical}"
    return SimulationReport(
        title=f"ML decoding of [[{n},{k}]] under {noise.name}{scored}", n=n, k=k,
        noise=noise.name, p=float(p) if isinstance(p, float) else None, eta=eta,
        shots=done, successes=successes,
        logical=logical, logical_success=(per_logical[:64] / max(done, 1)).tolist(),
        decoder=f"ml ({dec.method}, {dec.backend})", seconds=time.perf_counter() - t0,
        seed=int(seed), complete=complete)
