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

A second exact engine, ``arithmetic="modular"``, evaluates the network at
the ``n + 1`` points ``z = 0, 1, ..., n`` modulo primes ``p < 2^26`` in
float64 (BLAS contractions; every partial sum is kept below ``2^53`` by the
choice of ``p`` from the plan's largest summed dimension, and each pairwise
intermediate is reduced mod ``p``), interpolates the coefficients mod ``p``
(Newton divided differences), and reconstructs the integers by the Chinese
remainder theorem over enough primes that their product exceeds
``|K| 2^(n+k)``. The contraction order is planned without the batch of
points, which only multiplies every intermediate. It is faster for codes of
large treewidth (the 3-layer pentagon code [[95, 51]]: 18 s instead of about
a minute); ``"auto"`` keeps Kronecker substitution unless its predicted work
is more than three times the modular one and above about five seconds.
Both engines are exact and agree (tested).

Cost: Kronecker: the plan's flop count times the cost of one big-integer
multiply-add, about ``(n + 1) b / 64`` machine words; modular: the flop
count times ``n + 1`` points times the number of primes. The guard refuses
(:class:`holonet.stabilizer.EnumeratorTooExpensive`) before contracting when
the prediction exceeds ``limit``. The 2-layer codes take milliseconds.

Examples
--------
>>> from holonet.codes import happy_code
>>> A, B = network_weight_enumerator(happy_code(1))
>>> A.tolist(), B.tolist()
([1, 0, 0, 0, 15, 0], [1, 0, 0, 30, 15, 18])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from holonet.codes.pauli_network import BATCH_LEG, pauli_network
from holonet.stabilizer.enumerator import (
    DEFAULT_LIMIT,
    NOMINAL_WORD_OPS_PER_SECOND,
    EnumeratorTooExpensive,
    WeightEnumerator,
    _check_limit,
    _int_dtype,
)

__all__ = ["network_weight_enumerator"]

#: Cost model of the two engines in word operations of the nominal speed (about 6.7 ns
#: each), calibrated on the 3-layer codes here: a Python-integer multiply-add costs
#: (20 + bits / 64) x 6 units (41 ns per 64-bit word), a float64 flop of the modular
#: engine (batched matmul, reduction, transposes) 0.6 units (4 ns).
_OBJECT_OVERHEAD_WORDS = 20
_KRONECKER_CALIBRATION = 6.0
_MODULAR_CALIBRATION = 0.6


#: Valid ``arithmetic=`` values of :func:`network_weight_enumerator`.
ARITHMETIC: tuple[str, ...] = ("auto", "kronecker", "modular")


def network_weight_enumerator(code: Any, *, optimize: Any = "auto",
                              limit: float = DEFAULT_LIMIT,
                              arithmetic: str = "auto") -> WeightEnumerator:
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
    arithmetic
        ``"kronecker"`` (one contraction in Python integers), ``"modular"``
        (float64 contractions modulo primes, interpolation, CRT) or ``"auto"``.

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
    >>> modular = network_weight_enumerator(happy_code(2), arithmetic="modular")
    >>> modular.A.tolist() == network_weight_enumerator(happy_code(2)).A.tolist()
    True
    """
    from holonet._errors import HolonetError
    from holonet._options import check_option

    check_option("enumerator arithmetic", arithmetic, ARITHMETIC)
    limit = _check_limit(limit)
    net = pauli_network(code)
    n, k = net.n, net.k
    options: dict[str, tuple[float, Callable[[], WeightEnumerator]]] = {}
    if arithmetic in ("auto", "kronecker"):
        options["kronecker"] = _kronecker(net, optimize)
    if arithmetic in ("auto", "modular"):
        try:
            options["modular"] = _modular(net, optimize)
        except HolonetError:
            if arithmetic == "modular":
                raise
    name = next(iter(options))
    if len(options) == 2:
        # the Kronecker model is pessimistic for low-treewidth networks, whose integers stay
        # short for most of the contraction: switch only when it predicts clearly more
        kron, mod = options["kronecker"][0], options["modular"][0]
        if kron > 3 * mod and kron > 5 * NOMINAL_WORD_OPS_PER_SECOND:
            name = "modular"
    work, run = options[name]
    if not work <= limit:
        secs = work / NOMINAL_WORD_OPS_PER_SECOND
        raise EnumeratorTooExpensive(
            f"network weight enumerator of [[{n}, {k}]] ({name} arithmetic) needs "
            f"{work:.3g} word operations (~{secs:.3g} s at {NOMINAL_WORD_OPS_PER_SECOND:.2g}/s),"
            f" above limit {limit:.3g}; pass a larger limit= to override")
    return run()


def _kronecker(net: Any, optimize: Any) -> tuple[float, Callable[[], WeightEnumerator]]:
    """Plan the Kronecker-substitution contraction; return (predicted work, runner)."""
    from holonet._errors import HolonetError
    from holonet.contract import contract, plan

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
    work = p.flops * (_OBJECT_OVERHEAD_WORDS + b * (n + 1) / 64) * _KRONECKER_CALIBRATION

    def run() -> WeightEnumerator:
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

    return work, run


# ---------------------------------------------------------------------- modular engine
def _primes_below(bound: int, count: int) -> list[int]:
    """The ``count`` largest primes below ``bound`` (trial division; bound < 2^31)."""
    out: list[int] = []
    c = bound - 1 if bound % 2 == 0 else bound - 2
    while len(out) < count and c > 2:
        r = int(c**0.5)
        if all(c % d for d in range(3, r + 1, 2)):
            out.append(c)
        c -= 2
    if len(out) < count:  # pragma: no cover - bounds used here leave plenty of primes
        raise ValueError(f"fewer than {count} primes below {bound}")
    return out


def _contract_steps(pairs: list[tuple[Any, tuple[str, ...]]], output: list[str],
                    optimize: Any, batch_leg: str) -> tuple[Any, float, int, int]:
    """Plan: (einsum path info, flops, max summed size, largest intermediate).

    The order is planned for the network *without* the batch of evaluation
    points (``batch_leg`` of size 1): the batch multiplies every intermediate
    that carries it, and planners that see a large hyperedge pick far worse
    orders (5.8e9 instead of 5.0e8 flops for the 3-layer pentagon code).
    """
    import opt_einsum

    from holonet.contract import plan

    base = [(np.broadcast_to(0.0, tuple(1 if leg == batch_leg else d
                                        for leg, d in zip(legs, np.shape(a), strict=True))),
             legs) for a, legs in pairs]
    p = plan(base, output, optimize=optimize)
    shapes = [np.shape(a) for a, _ in pairs]
    _, info = opt_einsum.contract_path(p.equation, *shapes, shapes=True,
                                       optimize=[tuple(x) for x in p.path])
    summed = 1
    for _, removed, _, _, _ in info.contraction_list:
        size = 1
        for ix in removed:
            size *= int(info.size_dict[ix])
        summed = max(summed, size)
    return info, float(info.opt_cost), summed, int(info.largest_intermediate)


def _run_mod(arrays: list[np.ndarray], info: Any, prime: int) -> np.ndarray:
    """Replay the pairwise contractions in float64, reducing every intermediate mod ``prime``."""
    import opt_einsum

    ops = list(arrays)
    for inds, _, eq, _, _ in info.contraction_list:
        tmp = [ops.pop(i) for i in sorted(inds, reverse=True)]
        if len(tmp) == 2:
            res = _pair(eq, tmp[0], tmp[1])
        else:  # pragma: no cover - pairwise paths only
            res = opt_einsum.contract(eq, *tmp, optimize=False)
        res = np.fmod(res, float(prime))
        ops.append(res)
    (out,) = ops
    return np.asarray(out)


def _pair(eq: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """One pairwise einsum as a batched matmul (BLAS), shared indices kept as batch axes."""
    lhs, out = eq.split("->")
    ia, ib = lhs.split(",")
    # indices seen by one operand only and absent from the output are summed first
    for side in (0, 1):
        ix, other = (ia, ib) if side == 0 else (ib, ia)
        lone = [c for c in ix if c not in other and c not in out]
        if lone:
            keep = "".join(c for c in ix if c not in lone)
            arr = np.einsum(f"{ix}->{keep}", a if side == 0 else b)
            if side == 0:
                a, ia = arr, keep
            else:
                b, ib = arr, keep
    batch = [c for c in ia if c in ib and c in out]
    summed = [c for c in ia if c in ib and c not in out]
    left = [c for c in ia if c not in ib]
    right = [c for c in ib if c not in ia]
    size = dict(zip(ia, a.shape, strict=True)) | dict(zip(ib, b.shape, strict=True))

    def prod(cs: list[str]) -> int:
        r = 1
        for c in cs:
            r *= size[c]
        return r

    at = np.transpose(a, [ia.index(c) for c in batch + left + summed])
    bt = np.transpose(b, [ib.index(c) for c in batch + summed + right])
    res = np.matmul(at.reshape(prod(batch), prod(left), prod(summed)),
                    bt.reshape(prod(batch), prod(summed), prod(right)))
    res = res.reshape([size[c] for c in batch + left + right])
    order = batch + left + right
    return np.transpose(res, [order.index(c) for c in out])


def _interpolate_mod(values: np.ndarray, prime: int) -> np.ndarray:
    """Coefficients mod ``prime`` of the polynomials taking ``values[:, j]`` at ``z = j``."""
    c = values.astype(np.int64) % prime
    m = c.shape[1] - 1
    for j in range(1, m + 1):  # Newton divided differences; nodes j apart differ by j
        inv = pow(j, -1, prime)
        c[:, j:] = ((c[:, j:] - c[:, j - 1:-1]) % prime) * inv % prime
    poly = np.zeros_like(c)
    poly[:, 0] = c[:, m]
    deg = 0
    for i in range(m - 1, -1, -1):  # Horner: poly <- poly * (z - i) + c_i
        shifted = np.zeros_like(poly)
        shifted[:, 1:deg + 2] = poly[:, :deg + 1]
        poly = (shifted - (i * poly) % prime + prime) % prime
        poly[:, 0] = (poly[:, 0] + c[:, i]) % prime
        deg += 1
    return poly


def _modular(net: Any, optimize: Any) -> tuple[float, Callable[[], WeightEnumerator]]:
    """Plan the modular evaluation; return (predicted work, runner)."""
    from holonet._errors import HolonetError
    from holonet.contract import ContractionTooLarge, default_memory_limit

    n, k = net.n, net.k
    red = int(net.redundancy)
    bound = red << (n + k)                       # every coefficient is below this
    points = np.arange(n + 1, dtype=np.float64)
    pt, ab = "_enum_point", "_enum_bulk"
    pairs: list[tuple[Any, tuple[str, ...]]] = [
        (np.asarray(arr, dtype=np.float64), legs) for arr, legs in net.tensors]
    wb = np.stack([np.ones(n + 1), points, points, points], axis=1)  # (points, 4)
    pairs += [(wb, (pt, leg)) for leg in net.boundary_legs]
    output = [pt]
    if k:
        bulk = np.array([[1.0, 0, 0, 0], [1.0, 1, 1, 1]])
        pairs += [(bulk, (ab, leg)) for leg in net.bulk_legs]
        output = [ab, pt]
    info, flops, summed, largest = _contract_steps(pairs, output, optimize, pt)
    # exact float64: summed * (p - 1)^2 < 2^53, and p > n + 1 so the points are distinct
    pmax = min(int((2.0**53 / summed) ** 0.5), 2**26)
    if pmax <= n + 2:
        raise HolonetError(f"a pairwise contraction sums over {summed} terms: no prime is "
                           "small enough for exact float64 arithmetic; use "
                           "arithmetic='kronecker'")
    count = 1
    while float(pmax) ** count <= 2.0 * bound:
        count += 1
    primes = _primes_below(pmax, count)
    work = flops * len(primes) * _MODULAR_CALIBRATION

    def run() -> WeightEnumerator:
        need = largest * 8
        if need > default_memory_limit():
            raise ContractionTooLarge(f"the modular enumerator needs an intermediate of "
                                      f"{largest:,} float64 entries ({need / 2**30:.2f} GiB)")
        arrays = [a for a, _ in pairs]
        residues = []
        for prime in primes:
            vals = _run_mod(arrays, info, prime)
            vals = vals.reshape(-1, n + 1) if k else vals.reshape(1, n + 1)
            residues.append(_interpolate_mod(vals, prime))
        # Chinese remainder theorem, coefficient by coefficient, in Python integers
        rows = residues[0].shape[0]
        coeffs = [[int(residues[0][r, w]) for w in range(n + 1)] for r in range(rows)]
        modulus = primes[0]
        for prime, res in zip(primes[1:], residues[1:], strict=True):
            inv = pow(modulus % prime, -1, prime)
            for r in range(rows):
                row = coeffs[r]
                for w in range(n + 1):
                    t = ((int(res[r, w]) - row[w]) * inv) % prime
                    row[w] += modulus * t
            modulus *= prime
        dtype = _int_dtype(n, k)
        polys = []
        for which, row in zip("AB", coeffs if k else coeffs * 2, strict=True):
            out = np.empty(n + 1, dtype=dtype)
            for w, c in enumerate(row):
                if c >= bound:
                    raise HolonetError(f"coefficient {w} of {which} reconstructed as {c}, above "
                                       f"the bound |K| 2^(n+k) = {bound}")
                q, rem = divmod(c, red)
                if rem:
                    raise HolonetError(f"coefficient {w} of {which} is not divisible by the "
                                       f"network redundancy |K| = {red}")
                out[w] = q
            polys.append(out)
        return WeightEnumerator(polys[0], polys[1])

    return work, run
