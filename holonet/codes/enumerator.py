"""Exact weight enumerators of holographic codes by contracting their Pauli-weight network.

The Pauli-indicator network of a HaPPY code
(:func:`holonet.codes.pauli_network.pauli_network`: one 0/1 tensor per tile,
legs labelled ``I, X, Z, Y``) counts the elements of the Choi-state group
``C`` of the encoder: contracting it with a weight vector on every open leg
gives ``|K| sum_{(Q, P) in C} prod_j w_j(P_j) prod_b u_b(Q_b)``, ``|K|`` the
redundancy of the network. With the boundary weight ``w_j = (1, z, z, z)``

- bulk weights ``u_b = (1, 0, 0, 0)`` (every bulk label ``I``) keep the stabilizer
  group ``S``: the result is ``|K| A(z)``;
- bulk weights ``u_b = (1, 1, 1, 1)`` sum over every logical coset: each
  normaliser element ``P`` belongs to exactly one coset ``L̄_Q S``, so the
  result is ``|K| B(z)``.

The polynomial is computed *exactly* by Kronecker substitution: ``z`` is set
to the integer ``2^b`` with ``2^b`` larger than every coefficient (``b =
bitlength(|K| 2^(n+k)) + 1``), the network is contracted once in Python
integers (numpy ``object`` arrays, no rounding, no overflow), and the
coefficients are read off as the base-``2^b`` digits of the result. ``A``
and ``B`` come from one contraction whose two bulk weightings are an extra
open "batch" leg. The contraction order is planned by opt_einsum (any
``optimize=`` it accepts, e.g. a cotengra optimiser) through
:func:`holonet.contract.plan`.

Cost: the plan's flop count times the cost of one big-integer
multiply-add, about ``(n + 1) b / 64`` machine words; the guard refuses
(:class:`holonet.stabilizer.EnumeratorTooExpensive`) before contracting
when the prediction exceeds ``limit``. The 2-layer codes take milliseconds,
the 3-layer pentagon code ``[[95, 51]]`` tens of seconds.

Examples
--------
>>> from holonet.codes import happy_code
>>> A, B = network_weight_enumerator(happy_code(1))
>>> A.tolist(), B.tolist()
([1, 0, 0, 0, 15, 0], [1, 0, 0, 30, 15, 18])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from holonet.codes.pauli_network import BATCH_LEG, pauli_network
from holonet.stabilizer.enumerator import (
    DEFAULT_LIMIT,
    NOMINAL_WORD_OPS_PER_SECOND,
    EnumeratorTooExpensive,
    WeightEnumerator,
    _int_dtype,
)

__all__ = ["network_weight_enumerator"]

#: Measured cost of one object-array multiply-add, in word operations, beyond the
#: big-integer words themselves (Python dispatch).
_OBJECT_OVERHEAD_WORDS = 20


def _predicted_work(flops: float, bits: int) -> float:
    return flops * (_OBJECT_OVERHEAD_WORDS + bits / 64)


def network_weight_enumerator(code: Any, *, optimize: Any = "auto",
                              limit: float = DEFAULT_LIMIT) -> WeightEnumerator:
    """Shor–Laflamme ``(A, B)`` of a HaPPY code from one exact network contraction.

    Parameters
    ----------
    code
        A :class:`~holonet.codes.HaPPYCode` (any variant).
    optimize
        Contraction-path optimiser passed to opt_einsum (``"auto"``,
        ``"greedy"``, ``"optimal"``, a cotengra ``HyperOptimizer``, ...).
    limit
        Work limit in 64-bit word operations (see the module docstring); above
        it :class:`~holonet.stabilizer.EnumeratorTooExpensive` is raised before
        any contraction, naming the prediction and this override.

    Returns
    -------
    WeightEnumerator
        ``(A, B)`` with ``A[w]`` stabilizers and ``B[w]`` normaliser elements
        of weight ``w``; ``int64`` when ``n + k <= 62``, else ``object`` arrays
        of Python ``int``.

    Raises
    ------
    holonet.stabilizer.EnumeratorTooExpensive
        If the predicted work exceeds ``limit``.
    holonet._errors.HolonetError
        If a coefficient is not divisible by the network's redundancy (the
        network does not describe a stabilizer group), which cannot happen for
        a valid code.

    Examples
    --------
    >>> from holonet.codes import happy_code
    >>> e = network_weight_enumerator(happy_code(2, convention="edge", variant="single"))
    >>> e.A[:9].tolist(), e.distance()
    ([1, 0, 0, 0, 75, 0, 0, 0, 2250], 9)
    """
    from holonet._errors import HolonetError
    from holonet.contract import contract, plan

    net = pauli_network(code)
    n, k = net.n, net.k
    red = int(net.redundancy)
    b = (red << (n + k)).bit_length() + 1
    Z = 1 << b
    tensors = [(np.asarray(arr, dtype=np.int64).astype(object), legs)
               for arr, legs in net.tensors]
    wb = np.array([1, Z, Z, Z], dtype=object)
    pairs: list[tuple[Any, tuple[str, ...]]] = tensors + [(wb, (leg,))
                                                         for leg in net.boundary_legs]
    if k:
        bulk = np.array([[1, 0, 0, 0], [1, 1, 1, 1]], dtype=object)
        pairs += [(bulk, (BATCH_LEG, leg)) for leg in net.bulk_legs]
        output: list[str] = [BATCH_LEG]
    else:
        output = []
    p = plan(pairs, output, optimize=optimize)
    work = _predicted_work(p.flops, b * (n + 1))
    if not work <= limit:
        secs = work / NOMINAL_WORD_OPS_PER_SECOND
        raise EnumeratorTooExpensive(
            f"network weight enumerator of [[{n}, {k}]]: {p.flops:.3g} big-integer "
            f"multiply-adds of {b * (n + 1)} bits need {work:.3g} word operations "
            f"(~{secs:.3g} s at {NOMINAL_WORD_OPS_PER_SECOND:.2g}/s), above limit "
            f"{limit:.3g}; pass a larger limit= to override")
    out = contract(pairs, output, optimize=optimize, memory_limit=2**62)
    values = [int(v) for v in np.atleast_1d(np.asarray(out, dtype=object))]
    if not k:
        values = values * 2  # k = 0: the normaliser is the stabilizer group
    dtype = _int_dtype(n, k)
    polys = []
    mask = Z - 1
    for which, v in zip("AB", values, strict=True):
        coeffs = np.empty(n + 1, dtype=dtype)
        for w in range(n + 1):
            c, rem = divmod(v & mask, red)
            if rem:
                raise HolonetError(f"coefficient {w} of {which} is not divisible by the "
                                   f"network redundancy |K| = {red}")
            coeffs[w] = c
            v >>= b
        if v:
            raise HolonetError(f"{which} has a term above degree n = {n}: the Kronecker "
                               "base was too small")
        polys.append(coeffs)
    return WeightEnumerator(polys[0], polys[1])
