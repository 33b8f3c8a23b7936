"""Pauli channels: depolarising, biased and per-qubit noise; sampling; the hashing bound.

A Pauli channel acts on qubit ``j`` as ``ρ -> (1 - p_j) ρ + px_j XρX + py_j YρY + pz_j ZρZ``
with ``p_j = px_j + py_j + pz_j``. Errors on different qubits are independent.

Label convention (used everywhere in :mod:`holonet.decode` and
:mod:`holonet.codes.pauli_network`): a single-qubit Pauli is the label
``x + 2 z`` of its symplectic bits, so labels ``0, 1, 2, 3`` are ``I, X, Z, Y``
(:data:`PAULI_LABELS`). :meth:`PauliNoise.probabilities` returns its columns in
this order. A multi-qubit error is a row ``[x | z]`` of ``2n`` bits, bit-packed by
:func:`holonet.stabilizer.gf2.pack` into ``ceil(2n / 64)`` ``uint64`` words, the
form of :mod:`holonet.stabilizer`.

Bias (Fan, Steinberg, Jahn, Cao, Feld, arXiv:2408.06232):
``η = r_Z / (r_X + r_Y)`` with ``r_X = r_Y`` and ``r = (px, py, pz) / p``;
``η = 1/2`` is depolarising, ``η = ∞`` pure dephasing. :func:`hashing_bound` is
the ``p`` at which the channel's Shannon entropy ``H(1 - p, p r_X, p r_Y, p r_Z)``
reaches one bit (0.1893 depolarising, 0.5 pure ``Z``), the rate-zero hashing
bound that theory/decoding.md compares thresholds with.

Examples
--------
>>> from holonet.decode import PauliNoise
>>> noise = PauliNoise.depolarizing(0.15)
>>> noise.probabilities(2).round(3).tolist()   # columns I, X, Z, Y
[[0.85, 0.05, 0.05, 0.05], [0.85, 0.05, 0.05, 0.05]]
>>> noise.sample(5, 3, seed=1).shape            # 3 shots of 5 qubits, one word each
(3, 1)
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from holonet._options import check_int, check_option
from holonet.codes.pauli_network import PAULI_LABELS
from holonet.stabilizer import gf2

__all__ = ["PAULI_LABELS", "PauliNoise", "hashing_bound", "labels_to_packed", "make_rng",
           "packed_to_labels"]

_AXES = ("X", "Y", "Z")
#: Shots per internal sampling block (bounds the temporary random array).
_SAMPLE_BLOCK_ELEMENTS = 1 << 22


def make_rng(seed: Any, what: str = "seed") -> np.random.Generator:
    """A numpy ``Generator`` from ``seed`` (int >= 0, ``SeedSequence`` or ``Generator``).

    ``None`` is refused: every random thing in holonet takes an explicit seed.

    Examples
    --------
    >>> int(make_rng(3).integers(10)) == int(make_rng(3).integers(10))
    True
    >>> make_rng(-1)
    Traceback (most recent call last):
    ...
    ValueError: seed must be a non-negative integer, a numpy SeedSequence or Generator; got -1
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed)
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and int(seed) >= 0:
        return np.random.default_rng(int(seed))
    raise ValueError(f"{what} must be a non-negative integer, a numpy SeedSequence or "
                     f"Generator; got {seed!r}")


def _rate_array(name: str, value: Any) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number or a 1-d array of numbers; "
                        f"got {type(value).__name__}") from None
    if arr.ndim > 1:
        raise ValueError(f"{name} must be a scalar or a 1-d per-qubit array; got shape "
                         f"{arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite; got {value!r}")
    if np.any(arr < 0) or np.any(arr > 1):
        bad = arr[(arr < 0) | (arr > 1)].reshape(-1)[0]
        raise ValueError(f"{name} must lie in [0, 1]; got {float(bad):g}")
    return arr


@dataclass(frozen=True, eq=False)
class PauliNoise:
    """An independent Pauli channel on every qubit, with scalar or per-qubit rates.

    Build it with :meth:`depolarizing`, :meth:`biased` or :meth:`from_rates`.

    Attributes
    ----------
    px, py, pz
        Absolute probabilities of ``X``, ``Y``, ``Z`` (0-d or 1-d float arrays).
    name
        A short description, e.g. ``"depolarizing(p=0.1)"``.

    Examples
    --------
    >>> n = PauliNoise.biased(0.1, eta=10)
    >>> round(float(n.pz), 4), round(float(n.px), 4), n.eta
    (0.0909, 0.0045, 10.0)
    >>> PauliNoise.from_rates([0.1, 0.0], 0.0, 0.0).probabilities(2)[:, 1].tolist()
    [0.1, 0.0]
    """

    px: np.ndarray
    py: np.ndarray
    pz: np.ndarray
    name: str = "pauli"

    def __post_init__(self) -> None:
        px = _rate_array("px", self.px)
        py = _rate_array("py", self.py)
        pz = _rate_array("pz", self.pz)
        try:
            total = px + py + pz
        except ValueError:
            raise ValueError(f"per-qubit rates have different lengths: px {px.shape}, "
                             f"py {py.shape}, pz {pz.shape}") from None
        if np.any(total > 1 + 1e-12):
            raise ValueError(f"px + py + pz must be <= 1 on every qubit; got "
                             f"{float(np.max(total)):.12g}")
        object.__setattr__(self, "px", px)
        object.__setattr__(self, "py", py)
        object.__setattr__(self, "pz", pz)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_rates(cls, px: Any, py: Any, pz: Any) -> PauliNoise:
        """Noise with absolute probabilities ``px``, ``py``, ``pz`` (scalars or per-qubit).

        Examples
        --------
        >>> PauliNoise.from_rates(0.01, 0.02, 0.03).p
        0.06
        >>> PauliNoise.from_rates(0.6, 0.3, 0.2)
        Traceback (most recent call last):
        ...
        ValueError: px + py + pz must be <= 1 on every qubit; got 1.1
        """
        return cls(px, py, pz, "from_rates")

    @classmethod
    def depolarizing(cls, p: Any) -> PauliNoise:
        """Depolarising noise: ``X``, ``Y``, ``Z`` each with probability ``p / 3``.

        Examples
        --------
        >>> PauliNoise.depolarizing(0.3).probabilities(1).round(2).tolist()
        [[0.7, 0.1, 0.1, 0.1]]
        """
        pa = _rate_array("p", p)
        return cls(pa / 3, pa / 3, pa / 3, f"depolarizing(p={_fmt(pa)})")

    @classmethod
    def biased(cls, p: Any, eta: float, axis: str = "Z") -> PauliNoise:
        """Biased noise: total probability ``p``, bias ``η = r_axis / (sum of the other two)``.

        The two other Paulis are equally likely: ``r_axis = η / (1 + η)`` and
        ``r_other = 1 / (2 (1 + η))``. ``eta=0.5`` is depolarising,
        ``eta=float("inf")`` pure ``axis`` noise.

        Examples
        --------
        >>> n = PauliNoise.biased(0.3, eta=0.5)
        >>> bool(np.allclose(n.probabilities(1), PauliNoise.depolarizing(0.3).probabilities(1)))
        True
        >>> float(PauliNoise.biased(0.2, float("inf"), axis="X").px)
        0.2
        """
        check_option("bias axis", axis, _AXES)
        if isinstance(eta, bool) or not isinstance(eta, numbers.Real):
            raise TypeError(f"eta must be a real number; got {type(eta).__name__} {eta!r}")
        eta = float(eta)
        if math.isnan(eta) or eta < 0:
            raise ValueError(f"eta must be >= 0 (or inf); got {eta!r}")
        pa = _rate_array("p", p)
        if math.isinf(eta):
            r_axis, r_other = 1.0, 0.0
        else:
            r_axis, r_other = eta / (1 + eta), 1 / (2 * (1 + eta))
        rates = {a: pa * (r_axis if a == axis else r_other) for a in _AXES}
        return cls(rates["X"], rates["Y"], rates["Z"],
                   f"biased(p={_fmt(pa)}, eta={eta:g}, axis={axis})")

    # ------------------------------------------------------------------ properties
    @property
    def p(self) -> float | np.ndarray:
        """Total error probability ``px + py + pz`` (a float, or a per-qubit array)."""
        total = self.px + self.py + self.pz
        return float(total) if total.ndim == 0 else total

    @property
    def n_qubits(self) -> int | None:
        """Length of the per-qubit rate arrays, or ``None`` when every qubit is alike."""
        for a in (self.px, self.py, self.pz):
            if a.ndim == 1:
                return int(a.shape[0])
        return None

    @property
    def eta(self) -> float | None:
        """``r_Z / (r_X + r_Y)`` if it is one number for every qubit, else ``None``."""
        sxy = self.px + self.py
        with np.errstate(divide="ignore", invalid="ignore"):
            eta = np.where(sxy > 0, self.pz / np.where(sxy > 0, sxy, 1), np.inf)
        eta = np.where(self.pz + sxy > 0, eta, np.nan)
        vals = np.unique(np.round(eta[np.isfinite(eta) | np.isinf(eta)], 12))
        return float(vals[0]) if vals.size == 1 else None

    def probabilities(self, n: int) -> np.ndarray:
        """``(n, 4)`` float64 probabilities of ``I, X, Z, Y`` (label ``x + 2z``) per qubit.

        Examples
        --------
        >>> PauliNoise.from_rates(0.1, 0.2, 0.3).probabilities(1).round(2).tolist()
        [[0.4, 0.1, 0.3, 0.2]]
        """
        n = check_int("n", n, minimum=1)
        m = self.n_qubits
        if m is not None and m != n:
            raise ValueError(f"noise has per-qubit rates for {m} qubits; asked for n = {n}")
        out = np.empty((n, 4), np.float64)
        out[:, 1] = self.px
        out[:, 2] = self.pz
        out[:, 3] = self.py
        out[:, 0] = np.clip(1.0 - out[:, 1:].sum(axis=1), 0.0, 1.0)
        return out

    def sample(self, n: int, shots: int, *, seed: Any) -> np.ndarray:
        """``shots`` random errors on ``n`` qubits, bit-packed ``[x | z]`` rows.

        Returns ``(shots, ceil(2n / 64))`` ``uint64`` (see :func:`packed_to_labels`
        for labels). Deterministic for a given ``seed``.

        Examples
        --------
        >>> from holonet.stabilizer import gf2
        >>> e = PauliNoise.from_rates(0, 0, 1).sample(3, 2, seed=0)   # Z on every qubit
        >>> gf2.unpack(e, 6).tolist()
        [[0, 0, 0, 1, 1, 1], [0, 0, 0, 1, 1, 1]]
        """
        n = check_int("n", n, minimum=1)
        shots = check_int("shots", shots, minimum=1)
        rng = make_rng(seed)
        cdf = np.cumsum(self.probabilities(n), axis=1)[:, :3]  # thresholds for labels 1..3
        words = -(-2 * n // 64)
        out = np.empty((shots, words), np.uint64)
        block = max(1, _SAMPLE_BLOCK_ELEMENTS // n)
        for start in range(0, shots, block):
            stop = min(shots, start + block)
            u = rng.random((stop - start, n))
            labels = (u >= cdf[None, :, 0]).astype(np.uint8)
            labels += u >= cdf[None, :, 1]
            labels += u >= cdf[None, :, 2]
            out[start:stop] = labels_to_packed(labels)
        return out

    def __repr__(self) -> str:
        return f"PauliNoise({self.name})"


def _fmt(p: np.ndarray) -> str:
    return f"{float(p):g}" if p.ndim == 0 else f"<{p.shape[0]} per-qubit values>"


def labels_to_packed(labels: Any) -> np.ndarray:
    """Pauli labels ``(shots, n)`` (``x + 2z``: 0..3 = I, X, Z, Y) -> packed ``[x | z]`` rows.

    Examples
    --------
    >>> from holonet.stabilizer import gf2
    >>> gf2.unpack(labels_to_packed([[0, 1, 2, 3]]), 8).tolist()   # I X Z Y
    [[0, 1, 0, 1, 0, 0, 1, 1]]
    """
    L = np.asarray(labels)
    if L.ndim != 2:
        raise ValueError(f"labels must be 2-d (shots, n); got shape {L.shape}")
    if L.size and (L.min() < 0 or L.max() > 3):
        raise ValueError("Pauli labels must lie in 0..3 (I, X, Z, Y)")
    L = L.astype(np.uint8)
    return gf2.pack(np.hstack([L & 1, L >> 1]))


def packed_to_labels(errors: Any, n: int) -> np.ndarray:
    """Inverse of :func:`labels_to_packed`: ``(shots, n)`` uint8 labels ``x + 2z``.

    Examples
    --------
    >>> packed_to_labels(labels_to_packed([[3, 2, 1, 0]]), 4).tolist()
    [[3, 2, 1, 0]]
    """
    E = gf2.unpack(np.atleast_2d(np.asarray(errors, dtype=np.uint64)), 2 * n)
    return (E[:, :n] + 2 * E[:, n:]).astype(np.uint8)


def _entropy_bits(probs: np.ndarray) -> float:
    q = probs[probs > 0]
    return float(-(q * np.log2(q)).sum())


def hashing_bound(eta: float | None = None, *, rates: Any = None, axis: str = "Z") -> float:
    """Zero-rate hashing bound: the ``p`` where ``H(1 - p, p r_X, p r_Y, p r_Z)`` = 1 bit.

    Parameters
    ----------
    eta
        Bias ``r_axis / (sum of the other two)`` as in :meth:`PauliNoise.biased`
        (``0.5`` depolarising, ``inf`` pure noise along ``axis``).
    rates
        Relative rates ``(r_X, r_Y, r_Z)`` instead of ``eta`` (normalised here).
    axis
        Axis of the bias when ``eta`` is given.

    Returns
    -------
    float
        The smallest ``p`` in ``(0, 1]`` at which the entropy reaches one bit.

    Examples
    --------
    >>> round(hashing_bound(0.5), 4)           # depolarising
    0.1893
    >>> hashing_bound(float("inf"))            # pure Z: the binary entropy reaches 1 at p = 1/2
    0.5
    >>> round(hashing_bound(rates=(1, 1, 1)), 4)
    0.1893
    """
    if (eta is None) == (rates is None):
        raise ValueError("give exactly one of eta and rates")
    if eta is not None:
        noise = PauliNoise.biased(1.0, eta, axis)
        r = np.array([float(noise.px), float(noise.py), float(noise.pz)])
    else:
        r = np.asarray(rates, dtype=np.float64).reshape(-1)
        if r.shape != (3,) or not np.all(np.isfinite(r)) or np.any(r < 0) or r.sum() <= 0:
            raise ValueError(f"rates must be three non-negative finite numbers, not all zero; "
                             f"got {rates!r}")
        r = r / r.sum()
    h_r = _entropy_bits(r)

    def excess(p: float) -> float:
        return _entropy_bits(np.concatenate([[1 - p], p * r])) - 1.0

    # H(p) = h2(p) + p H(r) increases up to p* = 1 / (1 + 2^-H(r)), where H = log2(1 + 2^H(r)) >= 1
    p_star = 1.0 / (1.0 + 2.0 ** (-h_r))
    if excess(p_star) <= 1e-15:
        return float(round(p_star, 15))
    lo, hi = 0.0, p_star
    for _ in range(200):  # bisection to machine precision (monotone on [0, p*])
        mid = 0.5 * (lo + hi)
        if excess(mid) < 0:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-16:
            break
    return 0.5 * (lo + hi)
