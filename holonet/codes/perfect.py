"""Perfect tensors: the six-qubit [[5,1,3]] tensor, the [[6,0,4]] state and qutrit AME(4,3).

A tensor with ``2m`` legs of dimension ``d`` is *perfect* when, for every
bipartition of its legs into ``A`` and ``B`` with ``|A| <= |B|``, the map from
``A`` to ``B`` is proportional to an isometry (Pastawski, Yoshida, Harlow,
Preskill, arXiv:1503.06237, Sec. 2). For a normalised state this means every
set of at most ``m`` legs is maximally mixed.

Normalisation: every tensor returned here is a *normalised state*
(``Σ|T|^2 = 1``). Hence, for any set ``A`` of at most half of the legs,
``sqrt(d^|A|) · T`` read as a map from ``A`` to the other legs is an exact
isometry; :mod:`holonet.codes.happy` uses exactly this scaling.

Leg layout of the qubit tensors (qubits 0..4 carry the cyclic generators
``XZZXI``; leg ``q`` is the logical leg of the [[5,1,3]] encoder)::

        e1   e2
          \\ /
      e0 --T-- e3        '513': legs e0..e4 + q     '604': legs e0..e5
          / \\
        e4    q

Examples
--------
>>> from holonet.codes import perfect_tensor, is_perfect
>>> T = perfect_tensor("513")
>>> T.inds
('e0', 'e1', 'e2', 'e3', 'e4', 'q')
>>> is_perfect(T)
True
"""

from __future__ import annotations

import functools
import itertools
from typing import Any

import numpy as np

from holonet._options import check_option
from holonet.stabilizer import StabilizerCode
from holonet.stabilizer.dense import stabilizer_state
from holonet.stabilizer.pauli import paulis_to_symplectic

__all__ = [
    "PERFECT_TENSORS",
    "STABILIZERS_513",
    "STATE_STABILIZERS_6",
    "code_513",
    "is_perfect",
    "perfect_stabilizers",
    "perfect_tensor",
]

#: Names accepted by :func:`perfect_tensor`.
PERFECT_TENSORS: tuple[str, ...] = ("513", "604", "qutrit-ame4")

#: The [[5,1,3]] stabilizers: cyclic shifts of XZZXI (physics reference).
STABILIZERS_513: tuple[str, ...] = ("XZZXI", "IXZZX", "XIXZZ", "ZXIXZ")

#: The six-qubit perfect state: [[5,1,3]] stabilizers plus X̄⊗X and Z̄⊗Z on the logical leg.
STATE_STABILIZERS_6: tuple[str, ...] = ("XZZXII", "IXZZXI", "XIXZZI", "ZXIXZI",
                                        "XXXXXX", "ZZZZZZ")

_LEGS = {"513": ("e0", "e1", "e2", "e3", "e4", "q"),
         "604": ("e0", "e1", "e2", "e3", "e4", "e5"),
         "qutrit-ame4": ("e0", "e1", "e2", "e3")}


def code_513() -> StabilizerCode:
    """The [[5,1,3]] code with ``X̄ = XXXXX`` and ``Z̄ = ZZZZZ``.

    Examples
    --------
    >>> c = code_513()
    >>> c.n, c.k, c.distance()
    (5, 1, 3)
    """
    return StabilizerCode.from_pauli_strings(list(STABILIZERS_513), ["XXXXX"], ["ZZZZZ"])


def perfect_stabilizers(name: str = "513") -> tuple[np.ndarray, np.ndarray]:
    """Check matrix ``(6, 12)`` and signs of the six-qubit perfect state ('513' or '604').

    Both names give the same AME(6,2) state, the [[6,0,4]] code; for '513'
    column 5 is the logical leg ``q``.

    Examples
    --------
    >>> H, s = perfect_stabilizers("604")
    >>> H.shape, int(s.sum())
    ((6, 12), 0)
    """
    check_option("qubit perfect tensor", name, ("513", "604"))
    return paulis_to_symplectic(list(STATE_STABILIZERS_6))


def perfect_tensor(name: str = "513", legs: tuple[str, ...] | None = None,
                   tags: Any = None) -> Any:
    """A perfect tensor as a normalised quimb ``Tensor`` with named legs.

    Parameters
    ----------
    name
        ``"513"`` (six qubit legs ``e0..e4, q``: the [[5,1,3]] encoder with its
        logical leg ``q``), ``"604"`` (the same state read as the [[6,0,4]]
        six-leg tensor, legs ``e0..e5``) or ``"qutrit-ame4"``
        (``Σ_{ij} |i, j, i+j, i+2j⟩ / 3`` mod 3, legs ``e0..e3``).
    legs
        Optional replacement leg names (same count).
    tags
        Extra tags; ``"PERFECT"`` and the upper-cased name are always added.

    Examples
    --------
    >>> perfect_tensor("qutrit-ame4").shape
    (3, 3, 3, 3)
    """
    check_option("perfect tensor", name, PERFECT_TENSORS)
    import quimb.tensor as qtn

    data = perfect_array(name)
    if isinstance(legs, str | bytes):
        raise TypeError(f"legs must be a sequence of leg names; got the string {legs!r}")
    inds = _LEGS[name] if legs is None else tuple(legs)
    if len(inds) != data.ndim:
        raise ValueError(f"perfect tensor {name!r} has {data.ndim} legs; got {len(inds)} names")
    if len(set(inds)) != len(inds):
        raise ValueError(f"legs must be distinct names; got {inds!r}")
    all_tags = {"PERFECT", name.upper()} | set(tags or ())
    return qtn.Tensor(data, inds=inds, tags=all_tags)


def perfect_array(name: str = "513") -> np.ndarray:
    """The dense array of :func:`perfect_tensor` (legs in its documented order).

    Examples
    --------
    >>> round(float((perfect_array("513") ** 2).sum()), 12)
    1.0
    """
    check_option("perfect tensor", name, PERFECT_TENSORS)
    return _perfect_array_cached(name).copy()


@functools.cache
def _perfect_array_cached(name: str) -> np.ndarray:
    if name == "qutrit-ame4":
        T = np.zeros((3, 3, 3, 3))
        for i in range(3):
            for j in range(3):
                T[i, j, (i + j) % 3, (i + 2 * j) % 3] = 1 / 3
        return T
    return np.asarray(stabilizer_state(*perfect_stabilizers(name)), dtype=float)


def is_perfect(tensor: Any, tol: float = 1e-10) -> bool:
    """Whether every bipartition ``A|B`` (``|A| <= |B|``) of the legs maps ``A`` isometrically.

    Checks ``M^† M = (tr/d_A) 1`` for the map ``M: A -> B`` of every subset
    ``A`` of at most half the legs (dense; meant for single tensors).

    A tensor with a NaN or infinite entry is not perfect (``False``); something
    that is not a numeric array (a string, ``None``) is a ``TypeError``.

    Examples
    --------
    >>> import numpy as np
    >>> is_perfect(np.ones((2, 2, 2, 2)) / 4)
    False
    >>> is_perfect(np.full((2, 2, 2, 2), np.nan))
    False
    """
    from holonet._options import check_float, check_numeric, nonfinite

    arr = check_numeric("tensor", getattr(tensor, "data", tensor))
    tol = check_float("tol", tol, minimum=0.0)
    if arr.ndim < 2 or 0 in arr.shape:
        raise ValueError(f"a perfect tensor needs at least 2 legs, each of dimension >= 1; "
                         f"got an array of shape {arr.shape}")
    if nonfinite(arr):
        return False
    nd = arr.ndim
    for size in range(1, nd // 2 + 1):
        for A in itertools.combinations(range(nd), size):
            B = tuple(i for i in range(nd) if i not in A)
            dA = int(np.prod([arr.shape[i] for i in A]))
            M = np.transpose(arr, B + A).reshape(-1, dA)
            G = M.conj().T @ M
            scale = np.trace(G).real / dA
            # written so that NaN (overflow) fails: every comparison must hold
            if not (scale > 0 and np.abs(G - scale * np.eye(dA)).max()
                    <= tol * max(scale, 1e-300)):
                return False
    return True
