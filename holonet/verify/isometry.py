"""Isometry checks for tensors and tensor networks: V†V = 1, per tensor and as a whole.

A network with open legs split into *inputs* (e.g. the bulk legs of a HaPPY
code, the top leg of a MERA) and *outputs* (the boundary legs) is a linear map
V from inputs to outputs. It is an isometry iff V†V = 1. The check contracts
the network with its complex conjugate, joined on the outputs only, along a
planned path (:func:`holonet.contract.contract`): the dense matrix V is never
formed, only the (inputs x inputs) matrix V†V. When even that is too large,
the exact identity ``||V†V - 1||_F^2 = tr((V†V)^2) - 2 tr(V†V) + d`` is
evaluated from two closed scalar contractions (two and four copies of the
network). For small networks a dense V is also built and V†V recomputed from
it, so the contraction path is cross-checked against plain linear algebra.

A failure is localised: every tensor tagged ``PERFECT`` is checked to be
perfect (every split of its legs into A, B with |A| <= |B| is an isometry up
to scale), and tensors for which the caller names input legs (a callable or a
tag -> legs rule, as a MERA names the coarse leg of each isometry) are checked
to be isometries on their own. The report names the failing tensor by its
unique tag and lists its other tags.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from holonet.verify.report import Report

__all__ = ["IsometryReport", "assert_isometry", "isometry", "is_perfect_array"]

TensorInputs = (Callable[[Any], Sequence[str] | None]
                | Mapping[str, Sequence[str] | Callable[[Any], Sequence[str] | None]])


@dataclass
class IsometryReport(Report):
    """Report of :func:`isometry`.

    Attributes
    ----------
    deviation
        ``max |V†V - c 1|`` (dense method) or ``||V†V - c 1||_F / sqrt(d)``
        (trace-moment method), with ``c = 1`` unless ``up_to_scale``.
    method
        ``'contraction'`` (V†V formed by a planned contraction) or ``'moments'``.
    dense_deviation
        Difference between V†V from the contraction and from a dense V, when
        the cross-check ran (else ``None``).
    scale
        ``c = tr(V†V) / d``.
    tensor_failures
        Messages naming tensors that are not isometric/perfect.

    Examples
    --------
    >>> from holonet.codes import happy_code
    >>> from holonet.verify import isometry
    >>> rep = isometry(happy_code(1))  # encoding map: 1 bulk leg -> 5 boundary legs
    >>> rep.ok, rep.method, rep.n_inputs, rep.n_outputs, rep.deviation < 1e-10
    (True, 'contraction', 1, 5, True)
    """

    deviation: float = 0.0
    method: str = "contraction"
    dense_deviation: float | None = None
    scale: float = 1.0
    n_inputs: int = 0
    n_outputs: int = 0
    tensors_checked: int = 0
    tensor_failures: list[str] = field(default_factory=list)


def _to_np(x: Any) -> np.ndarray:
    from holonet.backend import to_numpy

    return np.asarray(to_numpy(x))


def _pairs_and_tags(obj: Any) -> tuple[list[tuple[Any, tuple[str, ...]]], list[set[str]]]:
    tensors = getattr(obj, "tensors", None)
    if tensors is not None and not isinstance(obj, list | tuple):
        ts = list(tensors)
        return [(t.data, tuple(t.inds)) for t in ts], [set(t.tags) for t in ts]
    if hasattr(obj, "inds") and hasattr(obj, "data"):  # a single quimb Tensor
        return [(obj.data, tuple(obj.inds))], [set(getattr(obj, "tags", ()))]
    pairs, tags = [], []
    for i, item in enumerate(obj):
        if hasattr(item, "inds") and hasattr(item, "data"):
            pairs.append((item.data, tuple(item.inds)))
            tags.append(set(getattr(item, "tags", ())))
            continue
        try:
            array, legs = item
        except (TypeError, ValueError):
            raise TypeError(f"network entry {i} must be an (array, legs) pair or a quimb "
                            f"Tensor; got {type(item).__name__}") from None
        pairs.append((array, tuple(legs)))
        tags.append(set())
    return pairs, tags


def _tensor_names(tags: list[set[str]]) -> list[str]:
    """A name per tensor: a tag unique to it (preferring ones with a digit), else '#i'."""
    counts = Counter(t for ts in tags for t in ts)
    names = []
    for i, ts in enumerate(tags):
        unique = sorted(t for t in ts if counts[t] == 1)
        withdigit = [t for t in unique if any(ch.isdigit() for ch in t)]
        names.append((withdigit or unique or [f"#{i}"])[0])
    return names


def _describe(name: str, tags: set[str]) -> str:
    others = sorted(t for t in tags if t != name)
    return f"tensor {name!r}" + (f" (tags {', '.join(others)})" if others else "")


def _matrix(array: Any, legs: Sequence[str], inputs: Sequence[str]) -> np.ndarray:
    """The tensor as a (outputs x inputs) matrix."""
    a = _to_np(array)
    legs = list(legs)
    ins = [legs.index(x) for x in inputs]
    outs = [i for i in range(len(legs)) if i not in ins]
    a = np.transpose(a, outs + ins)
    d_in = int(np.prod([a.shape[len(outs) + j] for j in range(len(ins))], dtype=np.int64))
    return a.reshape(-1, d_in)


def _gram_deviation(V: np.ndarray, up_to_scale: bool) -> tuple[float, float]:
    """max |V†V - c 1| and c (c = tr/d if up_to_scale else 1)."""
    G = V.conj().T @ V
    d = G.shape[0]
    c = float(np.real(np.trace(G))) / d if up_to_scale else 1.0
    if up_to_scale and not c > 0:  # also NaN
        return float("inf") if c == c else float("nan"), c
    return float(np.max(np.abs(G - c * np.eye(d)))) / (c if up_to_scale else 1.0), c


def is_perfect_array(array: Any, tol: float = 1e-10) -> tuple[bool, float, tuple[int, ...]]:
    """Whether a tensor is perfect: every split ``A|B``, ``|A| <= |B|``, is isometric up to scale.

    It suffices to check the splits with ``|A| = floor(m / 2)`` (a sub-block of
    an isometry's inputs is again an isometry into the rest).

    Returns ``(ok, worst deviation, worst input axes)``. A tensor with a NaN or
    infinite entry is not perfect: ``(False, nan, ())``.

    Examples
    --------
    >>> bell = np.eye(2) / np.sqrt(2)
    >>> is_perfect_array(bell)[0]
    True
    >>> is_perfect_array(np.full((2, 2), np.nan))
    (False, nan, ())
    """
    from holonet._options import check_float, check_numeric, nonfinite

    a = check_numeric("array", array)
    tol = check_float("tol", tol, minimum=0.0)
    if a.ndim < 2 or 0 in a.shape:
        raise ValueError(f"a perfect tensor needs at least 2 legs, each of dimension >= 1; "
                         f"got an array of shape {a.shape}")
    if nonfinite(a):
        return False, float("nan"), ()
    m = a.ndim
    worst = 0.0
    worst_axes: tuple[int, ...] = ()
    for ins in itertools.combinations(range(m), m // 2):
        outs = [i for i in range(m) if i not in ins]
        V = np.transpose(a, outs + list(ins)).reshape(
            int(np.prod([a.shape[i] for i in outs], dtype=np.int64)), -1)
        dev, _ = _gram_deviation(V, up_to_scale=True)
        if not dev <= worst:  # larger, or NaN/inf (overflow): keep the worst, stop on NaN
            worst, worst_axes = dev, tuple(ins)
            if dev != dev:
                break
    return bool(worst <= tol), worst, worst_axes


def _inputs_for(rule: TensorInputs | None, tensor: Any, tags: set[str]) -> Sequence[str] | None:
    if rule is None:
        return None
    if callable(rule):
        return rule(tensor)
    for tag in sorted(tags):
        if tag in rule:
            r = rule[tag]
            return r(tensor) if callable(r) else r
    return None


class _T:
    """Minimal tensor view passed to ``tensor_inputs`` callables for (array, legs) pairs."""

    def __init__(self, data: Any, inds: tuple[str, ...], tags: set[str]):
        self.data, self.inds, self.tags = data, inds, tags


def _resolve(obj: Any, inputs: Sequence[str] | Sequence[int] | None,
             outputs: Sequence[str] | Sequence[int] | None) -> tuple[Any, Any, Any, str]:
    """Accept arrays, quimb tensors/networks, (array, legs) lists and codes."""
    label = type(obj).__name__
    if isinstance(obj, str | bytes) or obj is None or np.isscalar(obj):
        raise TypeError(f"network_or_array must be an array, a tensor network, a list of "
                        f"(array, legs) pairs or a code; got {label} {obj!r:.40}")
    if hasattr(obj, "to_tensor_network") and hasattr(obj, "bulk_legs"):
        net = obj.to_tensor_network()
        if inputs is None:
            inputs = list(obj.bulk_legs)
        if outputs is None and hasattr(obj, "boundary_legs"):
            outputs = list(obj.boundary_legs)
        return net, inputs, outputs, label
    if hasattr(obj, "shape") and not hasattr(obj, "inds") and not hasattr(obj, "tensors"):
        a = obj
        ndim = len(a.shape)
        if inputs is None:
            if ndim != 2:
                raise ValueError(f"an array with {ndim} axes needs inputs= (axis indices); "
                                 "a 2-d array is read as (outputs, inputs)")
            inputs = [1]
        from holonet._options import check_indices

        legs = tuple(f"a{i}" for i in range(ndim))
        ins = [legs[i] for i in check_indices("inputs (axes of the array)", inputs, ndim)]
        outs = ([legs[i] for i in check_indices("outputs (axes of the array)", outputs, ndim)]
                if outputs is not None else [x for x in legs if x not in ins])
        return [(a, legs)], ins, outs, "array"
    return obj, inputs, outputs, label


def isometry(network_or_array: Any, inputs: Sequence[str] | Sequence[int] | None = None,
             outputs: Sequence[str] | Sequence[int] | None = None, *, tol: float = 1e-10,
             up_to_scale: bool = False, tensor_inputs: TensorInputs | None = None,
             check_perfect: bool = True, dense_limit: int = 2**24, optimize: Any = "auto",
             method: str = "auto", title: str | None = None) -> IsometryReport:
    """Check that a network (or array) is an isometry from ``inputs`` to ``outputs``.

    Parameters
    ----------
    network_or_array
        A quimb ``TensorNetwork`` or ``Tensor``, a list of ``(array, legs)``
        pairs, an array (2-d: rows are outputs, columns inputs; else give axis
        indices in ``inputs``), a code with ``to_tensor_network()`` and
        ``bulk_legs``/``boundary_legs`` (inputs/outputs default to those), or any
        object with ``isometry_spec() -> (network, inputs, outputs, tensor_inputs)``
        such as :class:`holonet.mera.MERA`.
    inputs, outputs
        Open leg names. ``outputs`` defaults to every other open leg; every
        open leg must be one or the other.
    tol
        Tolerance on ``max |V†V - 1|`` (or its trace-moment analogue).
    up_to_scale
        Accept ``V†V = c 1`` for any ``c > 0`` (perfect tensors, unnormalised maps).
    tensor_inputs
        Per-tensor isometry rule: a callable ``tensor -> input legs | None`` or a
        mapping ``tag -> legs | callable``; each tensor it names inputs for is
        checked on its own (up to scale if ``up_to_scale``).
    check_perfect
        Also check every tensor tagged ``PERFECT`` for perfectness.
    dense_limit
        Largest element count for the V†V matrix and for the dense cross-check V;
        beyond it the trace-moment method is used / the cross-check skipped.
    optimize
        Contraction path optimiser (any value :func:`holonet.contract.contract` takes).
    method
        ``'auto'`` (default): ``'contraction'`` when V†V has at most
        ``dense_limit`` entries, else ``'sequential'`` (a certificate composing
        per-tensor isometries in network order, exact and contraction-free) and,
        if that does not apply, ``'moments'`` (trace identities, needs the
        2- and 4-copy networks to be contractible). Any of the three can be forced.

    Returns
    -------
    IsometryReport

    Examples
    --------
    >>> q, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(8, 2)))
    >>> isometry(q).ok
    True
    >>> isometry(q * 1.01).ok
    False
    """
    from holonet._options import check_option
    from holonet.contract import ContractionTooLarge, contract

    check_option("isometry method", method, ("auto", "contraction", "sequential", "moments"))
    spec = getattr(network_or_array, "isometry_spec", None)
    if callable(spec):  # e.g. a MERA: its own network, legs and per-tensor rule
        net_, ins_, outs_, rule = spec()
        inputs = ins_ if inputs is None else inputs
        outputs = outs_ if outputs is None else outputs
        tensor_inputs = rule if tensor_inputs is None else tensor_inputs
        network_or_array = net_
    from holonet._options import check_float, check_int, nonfinite

    tol = check_float("tol", tol, minimum=0.0)
    dense_limit = check_int("dense_limit", dense_limit, minimum=1)
    if tensor_inputs is not None and not (callable(tensor_inputs)
                                          or isinstance(tensor_inputs, Mapping)):
        raise TypeError(f"tensor_inputs must be a callable tensor -> legs or a mapping tag -> "
                        f"legs; got {type(tensor_inputs).__name__} {tensor_inputs!r:.40}")
    net, ins, outs, label = _resolve(network_or_array, inputs, outputs)
    pairs, tags = _pairs_and_tags(net)
    if not pairs:
        raise ValueError("cannot check an empty network")
    names = _tensor_names(tags)
    corrupt: list[str] = []
    for i, ((a, legs), ts, name) in enumerate(zip(pairs, tags, names, strict=True)):
        arr = _numeric(a, i)
        if arr.ndim != len(legs):
            raise ValueError(f"{_describe(name, ts)} has {arr.ndim} axes but {len(legs)} leg "
                             f"names {tuple(legs)!r}")
        if 0 in arr.shape:
            raise ValueError(f"{_describe(name, ts)} has a leg of dimension 0 (shape "
                             f"{arr.shape}, legs {tuple(legs)!r})")
        bad = nonfinite(arr)
        if bad:
            corrupt.append(f"{_describe(name, ts)} has {bad}")
    counts = Counter(leg for _, legs in pairs for leg in legs)
    open_legs = [leg for _, legs in pairs for leg in legs if counts[leg] == 1]
    if ins is None:
        raise ValueError(f"isometry of a network needs inputs= (some of its open legs "
                         f"{open_legs[:8]}{'...' if len(open_legs) > 8 else ''})")
    ins = [str(x) for x in ins]
    for leg in ins:
        if leg not in counts:
            raise ValueError(f"input leg {leg!r} is not a leg of the network")
        if counts[leg] != 1:
            raise ValueError(f"input leg {leg!r} is a bond (appears {counts[leg]} times), "
                             "not an open leg")
    outs_l = [str(x) for x in outs] if outs is not None else [x for x in open_legs
                                                              if x not in ins]
    missing = [x for x in open_legs if x not in ins and x not in outs_l]
    if missing:
        raise ValueError(f"open legs {missing[:8]} are neither inputs nor outputs")
    for leg in outs_l:
        if counts.get(leg, 0) != 1:
            raise ValueError(f"output leg {leg!r} is not an open leg of the network")

    dims: dict[str, int] = {}
    for a, legs in pairs:
        for leg, d in zip(legs, a.shape, strict=True):
            dims[leg] = int(d)
    log_in = float(np.sum(np.log2([dims[x] for x in ins]))) if ins else 0.0
    log_out = float(np.sum(np.log2([dims[x] for x in outs_l]))) if outs_l else 0.0
    d_in = int(round(2.0 ** log_in)) if log_in < 62 else 2**62

    used = set(counts)
    suffix = "~"
    while any(leg + suffix in used for leg in used):
        suffix += "~"
    ren = {leg: (leg if leg in outs_l else leg + suffix) for leg in used}
    conj = [(_conj(a), tuple(ren[leg] for leg in legs)) for a, legs in pairs]

    failures: list[str] = []
    notes: list[str] = []
    dense_dev: float | None = None
    seq = None
    fits = 2 * log_in <= np.log2(dense_limit)
    if corrupt:  # nothing computed from NaN/inf data means anything: fail and name them
        return _corrupt_report(corrupt, title or f"isometry of {label} ({len(ins)} input legs "
                               f"-> {len(outs_l)} output legs)", len(ins), len(outs_l), tol)
    if method == "auto":
        if fits:
            method = "contraction"
        else:
            seq = _sequential_certificate(pairs, ins, tol)
            method = "sequential" if seq is not None else "moments"
    elif method == "sequential":
        seq = _sequential_certificate(pairs, ins, tol)
    if method == "contraction":
        G = _to_np(contract(list(pairs) + conj, [ren[x] for x in ins] + ins,
                            optimize=optimize)).reshape(d_in, d_in)
        c = float(np.real(np.trace(G))) / d_in if up_to_scale else 1.0
        dev = float(np.max(np.abs(G - c * np.eye(d_in)))) / (abs(c) if c else 1.0)
        if log_in + log_out <= np.log2(dense_limit):
            V = _to_np(contract(list(pairs), outs_l + ins, optimize=optimize)).reshape(-1, d_in)
            dense_dev = float(np.max(np.abs(V.conj().T @ V - G)))
            if not dense_dev <= max(tol, 1e-12) * max(1.0, abs(c)):
                failures.append(f"contraction and dense V disagree on V†V by {dense_dev:.1e}")
    elif method == "sequential":
        if seq is None:
            dev, c = float("inf"), 1.0
            failures.append("no sequential certificate: the greedy algorithm from the output "
                            "legs stalls (no remaining tensor is an isometry into the cut)")
        else:
            dev, c, seq_note = seq
            if up_to_scale:
                dev_scale = 0.0
            else:
                dev_scale = abs(c - 1.0)
                c = 1.0
            dev = max(dev, dev_scale)
            notes.append(seq_note)
    else:
        try:
            # tr(V†V) from two copies, tr((V†V)^2) from four; G_ab = sum_o V*_oa V_ob
            def cp(k: int, conj: bool, tin: str, tout: str) -> list[tuple[Any, tuple[str, ...]]]:
                def nm(leg: str) -> str:
                    tag = tin if leg in ins else tout if leg in outs_l else str(k)
                    return f"{leg}|{tag}"
                return [(_conj(a) if conj else a, tuple(nm(leg) for leg in legs))
                        for a, legs in pairs]

            t1 = float(np.real(_to_np(contract(cp(0, False, "a", "o") + cp(1, True, "a", "o"), [],
                                               optimize=optimize))))
            t2 = float(np.real(_to_np(contract(
                cp(0, False, "b", "o") + cp(1, True, "a", "o")
                + cp(2, False, "a", "p") + cp(3, True, "b", "p"), [], optimize=optimize))))
            c = t1 / d_in if up_to_scale else 1.0
            fro2 = t2 - 2 * c * t1 + c * c * d_in
            fro2 = fro2 if not fro2 < 0 else 0.0  # rounding below 0; NaN stays NaN
            dev = float(np.sqrt(fro2 / d_in)) / (abs(c) if c else 1.0)
            eff = max(tol, 1e-7)
            notes.append(f"V†V ({d_in} x {d_in}) too large; ||V†V - c1||_F / sqrt(d) from trace "
                         f"moments (resolution ~{eff:.0e})")
            tol = eff
        except ContractionTooLarge as exc:
            dev, c = float("inf"), 1.0
            failures.append(f"V†V could not be verified: no sequential certificate (the greedy "
                            f"algorithm from the output legs stalls) and {exc}")

    deviation_ok = dev <= tol
    what = "V†V - c1" if up_to_scale else "V†V - 1"
    if not deviation_ok and (np.isfinite(dev) or not failures):
        norm = {"contraction": "_max", "moments": "_F/sqrt(d)",
                "sequential": " (per-tensor composition)"}[method]
        failures.insert(0, f"isometry violated for the network ({len(ins)} inputs -> "
                           f"{len(outs_l)} outputs): ||{what}||{norm} = {dev:.1e} "
                           + (f"> tol {tol:.0e}" if np.isfinite(dev) else
                              "is not finite (overflow in the contraction)"))

    # localise: per-tensor checks
    tensor_failures: list[str] = []
    checked = 0
    for (a, legs), ts, name in zip(pairs, tags, names, strict=True):
        t_ins = _inputs_for(tensor_inputs, _T(a, legs, ts), ts)
        if t_ins is not None:
            checked += 1
            V = _matrix(a, legs, list(t_ins))
            tdev, _ = _gram_deviation(V, up_to_scale)
            if not tdev <= tol:
                tensor_failures.append(
                    f"isometry violated at {_describe(name, ts)} with inputs "
                    f"{list(t_ins)}: ||{what}|| = {tdev:.1e} > tol {tol:.0e}")
        if check_perfect and "PERFECT" in ts:
            checked += 1
            pok, pdev, pax = is_perfect_array(a, tol=max(tol, 1e-10))
            if not pok:
                tensor_failures.append(
                    f"perfectness violated at {_describe(name, ts)}: split "
                    f"{[legs[i] for i in pax]} | rest has ||M†M - c1||/c = {pdev:.1e} > tol "
                    f"{max(tol, 1e-10):.0e}")
    failures += tensor_failures
    ok = not failures
    lhs, rhs = {"contraction": ("max|", "|"), "moments": ("||", "||_F/sqrt(d)"),
                "sequential": ("sum_t ||", "||_t")}[method]
    notes.insert(0, f"{lhs}{what}{rhs} = "
                    f"{dev:.1e} ({method}"
                    + (f"; dense cross-check differs by {dense_dev:.1e}" if dense_dev is not None
                       else "") + f"); {checked} per-tensor checks")
    rep = IsometryReport(
        title=title or f"isometry of {label} ({len(ins)} input legs -> {len(outs_l)} output legs)",
        ok=ok, failures=failures, notes=notes, deviation=dev, method=method,
        dense_deviation=dense_dev, scale=c, n_inputs=len(ins), n_outputs=len(outs_l),
        tensors_checked=checked, tensor_failures=tensor_failures)
    rep.numbers = {"deviation": dev, "method": method, "dense_deviation": dense_dev,
                   "scale": c, "n_inputs": len(ins), "n_outputs": len(outs_l),
                   "tensors_checked": checked, "tol": tol}
    return rep


def _numeric(a: Any, i: int) -> np.ndarray:
    from holonet._options import check_numeric

    return np.asarray(check_numeric(f"tensor {i} of the network", a))


def _corrupt_report(corrupt: list[str], title: str, n_in: int, n_out: int, tol: float
                    ) -> IsometryReport:
    """The report for a network with NaN/inf entries: failed, naming every such tensor."""
    failures = [f"non-finite data: {msg}" for msg in corrupt]
    rep = IsometryReport(title=title, ok=False, failures=failures,
                         notes=["V†V not computed: the network holds NaN or infinite entries"],
                         deviation=float("nan"), method="not run", n_inputs=n_in,
                         n_outputs=n_out, tensor_failures=list(failures))
    rep.numbers = {"deviation": float("nan"), "method": "not run", "n_inputs": n_in,
                   "n_outputs": n_out, "tensors_checked": 0, "tol": tol,
                   "non_finite_tensors": len(corrupt)}
    return rep


def _sequential_certificate(pairs: list[tuple[Any, tuple[str, ...]]], ins: list[str],
                            tol: float) -> tuple[float, float, str] | None:
    """Certify V†V = c 1 as a composition of per-tensor isometries, or return None.

    Run the greedy algorithm from the whole output boundary (HaPPY's argument
    for the isometry of the encoder): a tensor whose legs in the current cut
    carry at least the dimension of its other legs, and which is an isometry
    (up to a scale ``c_t``) from those other legs into the cut, is absorbed and
    its legs join the cut. If every tensor is absorbed, reading the absorption
    order backwards writes ``V = prod_t (W_t ⊗ 1)``, each ``W_t`` mapping the
    network inputs on it and its bonds to tensors absorbed later onto the rest,
    so ``V†V = (prod_t c_t) 1`` exactly. Only the tensors are touched, never
    a contraction of the network; returns None if the greedy algorithm stalls.
    """
    inputs = set(ins)
    legs_all = {leg for _, legs in pairs for leg in legs}
    counts: dict[str, int] = {}
    for _, legs in pairs:
        for leg in legs:
            counts[leg] = counts.get(leg, 0) + 1
    cut = {leg for leg in legs_all if counts[leg] == 1 and leg not in inputs}
    log_c = 0.0
    worst = 0.0
    todo = set(range(len(pairs)))
    progress = True
    while todo and progress:
        progress = False
        for i in sorted(todo):
            a, legs = pairs[i]
            t_in = [leg for leg in legs if leg not in cut]
            shape = dict(zip(legs, np.shape(a), strict=True))
            if np.prod([shape[x] for x in t_in]) > np.prod([shape[x] for x in legs
                                                            if x in cut]):
                continue
            dev_t, c_t = _gram_deviation(_matrix(a, legs, t_in), up_to_scale=True)
            if not (dev_t <= tol and c_t > 0):
                continue
            worst += dev_t
            log_c += float(np.log(c_t))
            cut |= set(legs)
            todo.remove(i)
            progress = True
    if todo:
        return None
    c = float(np.exp(log_c))
    return worst, c, (f"V†V certified as a composition of {len(pairs)} per-tensor isometries, "
                      f"ordered by the greedy algorithm from the output legs (sum of their "
                      f"relative deviations {worst:.1e}; scale prod c_t = {c:.12g})")


def _conj(a: Any) -> Any:
    from holonet.backend import do

    return do("conj", a)


def assert_isometry(*args: Any, **kwargs: Any) -> IsometryReport:
    """Like :func:`isometry` but raise :class:`~holonet._errors.VerificationError` on failure.

    Examples
    --------
    >>> assert_isometry(np.eye(2)).ok
    True
    """
    rep = isometry(*args, **kwargs)
    rep.raise_if_failed()
    return rep
