"""Batched contraction of a Pauli-indicator network with per-step rescaling and gradients.

The network of :func:`holonet.codes.pauli_network.pauli_network` is prepared once
per code and decoding method:

1. every tile absorbs the weight vectors of its boundary legs (the batch of
   syndromes enters here, as a leading batch axis of the absorbed tile);
2. the remaining network (absorbed tiles, plus one leaf per bulk vector for
   marginal decoding) is planned once with cotengra (or opt_einsum for small
   networks), the batch axis being a hyper-index kept in the output;
3. the plan is executed pairwise by batched matrix products. After every step
   the intermediate is divided, per batch entry, by its largest entry: such a
   factor is common to all coset probabilities of that entry, so normalised
   coset probabilities are unchanged while nothing underflows, whatever ``n``.

Marginal decoding needs, for every bulk leg ``b``, the contraction of everything
except the bulk vector ``u_b``: that is the gradient ``∂Z/∂u_b`` of the scalar
``Z`` (which is linear in each ``u_b``), obtained for all ``b`` at once by one
backward pass through the stored steps (reverse-mode differentiation of the
pairwise products). Backward messages are rescaled per batch entry too; each
bulk leg's four numbers are normalised separately, so any positive factor per
(batch entry, bulk leg) is harmless.
"""

from __future__ import annotations

import contextlib
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

BATCH = "_batch"
#: Networks with at most this many tensors are planned by opt_einsum's exhaustive 'optimal'
#: (its cost grows factorially: 11 tensors already take minutes).
_SMALL = 6
#: Planned cost (cotengra's count, batch of 8) above which the tree is reconfigured.
_RECONF_ABOVE = 1e8


@dataclass
class Leaf:
    """One tensor of the prepared network."""

    legs: tuple[str, ...]           # without the batch leg
    batched: bool                   # carries a leading batch axis after absorption
    tile: int = -1                  # index into the tiles (absorbed tile), or -1 (bulk vector)
    bulk: int = -1                  # bulk index for bulk-vector leaves
    absorb: tuple[tuple[int, int], ...] = ()   # (axis in the tile, boundary qubit) to absorb


@dataclass
class Plan:
    """A planned contraction: leaves, pairwise steps (SSA) and its cost per shot."""

    leaves: list[Leaf]
    steps: list[tuple[int, int]]            # SSA pairs; result id = len(leaves) + step index
    output: tuple[str, ...]                 # open legs of the result, without the batch leg
    flops: float                            # per shot (batch size 1), pairwise part
    width: float                            # log2 of the largest intermediate (per shot)
    absorb_flops: float
    stored: int = 0                         # elements of all intermediates, per shot

    @property
    def largest(self) -> int:
        """Elements of the largest intermediate, per shot."""
        return int(round(2.0 ** self.width))


def _size(legs: Sequence[str]) -> int:
    return 4 ** len(legs)


def prepare(tiles: Sequence[tuple[np.ndarray, tuple[str, ...]]], boundary: Sequence[str],
            bulk: Sequence[str], marginal: bool, optimize: Any = "auto") -> Plan:
    """Plan the contraction of the indicator ``tiles`` with boundary weights absorbed.

    ``marginal=False``: bulk legs stay open (output legs, in ``bulk`` order).
    ``marginal=True``: one leaf per bulk vector; the output is a scalar per shot.
    """
    qubit = {leg: i for i, leg in enumerate(boundary)}
    leaves: list[Leaf] = []
    absorb_flops = 0.0
    for t, (arr, legs) in enumerate(tiles):
        ab = tuple((ax, qubit[leg]) for ax, leg in enumerate(legs) if leg in qubit)
        rest = tuple(leg for leg in legs if leg not in qubit)
        leaves.append(Leaf(rest, bool(ab), tile=t, absorb=ab))
        if ab:  # sparse absorption: products over the 2^l elements, then the 0/1 map
            elements = int(np.count_nonzero(arr))
            absorb_flops += elements * (len(ab) - 1) + 2 * elements * 4 ** len(rest)
    if marginal:
        for b, leg in enumerate(bulk):
            leaves.append(Leaf((leg,), False, bulk=b))
    output = () if marginal else tuple(bulk)
    steps, flops, width, stored = _plan_steps(leaves, output, optimize)
    return Plan(leaves, steps, output, flops, width, absorb_flops, stored)


def _plan_steps(leaves: list[Leaf], output: tuple[str, ...], optimize: Any
                ) -> tuple[list[tuple[int, int]], float, float, int]:
    inputs = [list(lf.legs) + ([BATCH] if lf.batched else []) for lf in leaves]
    out = [BATCH] + list(output)
    sizes = {leg: 4 for legs in inputs for leg in legs}
    sizes[BATCH] = 8  # a representative batch for the planner; costs are reported per shot
    if len(leaves) == 1:
        return [], 0.0, math.log2(max(1, _size(leaves[0].legs))), _size(leaves[0].legs)
    if optimize == "auto":
        optimize = "optimal" if len(leaves) <= _SMALL else _AutoOptimizer()
    if isinstance(optimize, str):
        import opt_einsum

        sym: dict[str, str] = {}
        for legs in inputs + [out]:
            for leg in legs:
                sym.setdefault(leg, opt_einsum.get_symbol(len(sym)))
        eq = ",".join("".join(sym[leg] for leg in legs) for legs in inputs)
        eq += "->" + "".join(sym[leg] for leg in out)
        shapes = [tuple(sizes[leg] for leg in legs) for legs in inputs]
        path, _ = opt_einsum.contract_path(eq, *shapes, shapes=True, optimize=optimize)
        linear = [tuple(p) for p in path]
    else:
        tree = optimize.search(inputs, out, sizes)
        linear = [tuple(p) for p in tree.get_path()]
    steps = _linear_to_ssa(linear, len(leaves))
    flops, width, stored = _cost(inputs, out, steps)
    return steps, flops, width, stored


class _AutoOptimizer:
    """cotengra greedy trials (no per-trial reconfiguration), then one subtree
    reconfiguration pass of the best tree: nearly the quality of a full hyper-search
    at a fraction of its time on these networks (theory/decoding.md, planning)."""

    def search(self, inputs: Any, output: Any, sizes: Any) -> Any:
        import cotengra as ctg

        with seeded():
            opt = ctg.HyperOptimizer(methods=["greedy"], max_repeats=16, parallel=False,
                                     minimize="flops", progbar=False, reconf_opts=None,
                                     optlib="random", optlib_opts={"seed": 0})
            tree = opt.search(inputs, output, sizes)
            if tree.contraction_cost() > _RECONF_ABOVE:  # worth a few seconds of planning
                for size in (6, 8):
                    tree = tree.subtree_reconfigure(subtree_size=size, minimize="flops",
                                                    seed=0)
        return tree


@contextlib.contextmanager
def seeded(seed: int = 0) -> Iterator[None]:
    """Seed Python's and numpy's global generators (used by cotengra's searches), then
    restore them: the same path every run, and the caller's random state untouched."""
    state, np_state = random.getstate(), np.random.get_state()  # noqa: NPY002
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - cotengra draws from the legacy global state
    try:
        yield
    finally:
        random.setstate(state)
        np.random.set_state(np_state)  # noqa: NPY002


def _linear_to_ssa(path: Sequence[tuple[int, ...]], n: int) -> list[tuple[int, int]]:
    ids = list(range(n))
    nxt = n
    steps: list[tuple[int, int]] = []
    for pair in path:
        if len(pair) == 1:  # single-tensor step (trace): nothing to do for our networks
            continue
        if len(pair) != 2:
            raise ValueError(f"contraction path has a {len(pair)}-ary step; expected pairs")
        i, j = sorted(pair, reverse=True)
        a, b = ids.pop(i), ids.pop(j)
        steps.append((b, a))
        ids.append(nxt)
        nxt += 1
    # a network in several components leaves more than one id: join them
    while len(ids) > 1:
        a, b = ids.pop(0), ids.pop(0)
        steps.append((a, b))
        ids.append(nxt)
        nxt += 1
    return steps


def _result_legs(la: Sequence[str], lb: Sequence[str], keep: set[str]) -> list[str]:
    """Legs of the product of two tensors: legs in only one, or in ``keep`` (batch, output)."""
    sa, sb = set(la), set(lb)
    had = [leg for leg in la if leg in sb and leg in keep]
    fa = [leg for leg in la if leg not in sb]
    fb = [leg for leg in lb if leg not in sa]
    legs = had + fa + fb
    if BATCH in legs:
        legs.remove(BATCH)
        legs.insert(0, BATCH)
    return legs


def _cost(inputs: list[list[str]], out: list[str], steps: list[tuple[int, int]]
          ) -> tuple[float, float, int]:
    legs = [list(x) for x in inputs]
    remaining: dict[str, int] = {}
    for ls in inputs:
        for leg in ls:
            remaining[leg] = remaining.get(leg, 0) + 1
    keep_out = set(out)
    flops = 0.0
    stored = sum(_size([g for g in ls if g != BATCH]) for ls in inputs)
    width = max(math.log2(max(1, _size([g for g in ls if g != BATCH]))) for ls in inputs)
    for a, b in steps:
        la, lb = legs[a], legs[b]
        for leg in set(la) | set(lb):
            remaining[leg] -= (leg in la) + (leg in lb)
        keep = {leg for leg in set(la) | set(lb) if remaining.get(leg, 0) > 0 or leg in keep_out}
        lc = _result_legs(la, lb, keep)
        allg = set(la) | set(lb)
        flops += 2 * _size([g for g in allg if g != BATCH])
        width = max(width, math.log2(max(1, _size([g for g in lc if g != BATCH]))))
        stored += _size([g for g in lc if g != BATCH])
        legs.append(lc)
        for leg in lc:
            remaining[leg] = remaining.get(leg, 0) + 1
    return flops, width, stored


# ------------------------------------------------------------------ execution
def pair(A: np.ndarray, la: Sequence[str], B: np.ndarray, lb: Sequence[str],
         keep: set[str]) -> tuple[np.ndarray, list[str]]:
    """Contract two tensors: shared legs in ``keep`` stay (hadamard), others are summed.

    Legs present in only one operand are kept. The batch leg, if present, is axis 0
    of every operand and of the result.
    """
    la, lb = list(la), list(lb)
    if BATCH in lb and BATCH not in la:
        A, la, B, lb = B, lb, A, la
    sa, sb = set(la), set(lb)
    had = [leg for leg in la if leg in sb and leg in keep]
    con = [leg for leg in la if leg in sb and leg not in keep]
    fa = [leg for leg in la if leg not in sb]
    fb = [leg for leg in lb if leg not in sa]
    da = dict(zip(la, A.shape, strict=True))
    db = dict(zip(lb, B.shape, strict=True))
    h = [da[leg] for leg in had]
    nfa, nfb = [da[leg] for leg in fa], [db[leg] for leg in fb]
    A2 = np.transpose(A, [la.index(leg) for leg in had + fa + con]).reshape(
        math.prod(h), math.prod(nfa), -1)
    B2 = np.transpose(B, [lb.index(leg) for leg in had + con + fb]).reshape(
        math.prod(h), -1, math.prod(nfb))
    C = np.matmul(A2, B2).reshape(h + nfa + nfb)
    return C, had + fa + fb


def _rescale(T: np.ndarray, batched: bool) -> np.ndarray:
    if batched:
        m = np.abs(T.reshape(T.shape[0], -1)).max(axis=1)
        m = np.where(m > 0, m, 1.0)
        return T / m.reshape((-1,) + (1,) * (T.ndim - 1))
    m = float(np.abs(T).max()) if T.size else 0.0
    return T / m if m > 0 else T


def absorb(tile: np.ndarray, axes: Sequence[tuple[int, int]], weights: np.ndarray
           ) -> np.ndarray:
    """Contract the boundary weight vectors ``weights[:, qubit, :]`` into ``tile``.

    Returns ``(B, 4, ..., 4)`` over the tile's remaining axes (in order), rescaled.
    The indicator is sparse (``2^l`` nonzeros of ``4^l``): the result is
    ``(Π_a W[:, q_a, g_a]) @ M`` over the group elements ``g``, with ``M`` the 0/1
    matrix sending each element to its labels on the remaining axes.
    """
    if not axes:
        return tile
    G, M = _sparse_form(tile, tuple(a for a, _ in axes))
    vals = weights[:, axes[0][1], :][:, G[:, 0]]
    for i, (_, q) in enumerate(axes[1:], start=1):
        vals = vals * weights[:, q, :][:, G[:, i]]
    out = vals @ M
    rest = tile.ndim - len(axes)
    return _rescale(out.reshape((out.shape[0],) + (4,) * rest), True)


_SPARSE: dict[tuple[int, tuple[int, ...]], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}


def _sparse_form(tile: np.ndarray, open_axes: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Labels of the group elements on ``open_axes`` and the 0/1 map to the other axes."""
    key = (id(tile), open_axes)
    hit = _SPARSE.get(key)
    if hit is not None and hit[0] is tile:
        return hit[1], hit[2]
    idx = np.argwhere(tile != 0)                          # (2^l, l) labels of the elements
    rest = [a for a in range(tile.ndim) if a not in open_axes]
    G = np.ascontiguousarray(idx[:, list(open_axes)])
    flat = np.zeros(idx.shape[0], np.intp)
    for a in rest:
        flat = flat * 4 + idx[:, a]
    M = np.zeros((idx.shape[0], 4 ** len(rest)))
    M[np.arange(idx.shape[0]), flat] = tile[tuple(idx.T)]
    _SPARSE[key] = (tile, G, M)
    return G, M


def run(plan: Plan, tiles: Sequence[np.ndarray], weights: np.ndarray,
        bulk_weights: np.ndarray | None = None, grad: bool = False
        ) -> tuple[np.ndarray, list[np.ndarray] | None]:
    """Execute ``plan`` for boundary ``weights`` ``(B, n, 4)``.

    Returns the (rescaled) result with the batch axis first and, with
    ``grad=True``, the ``(B, 4)`` gradient for every bulk-vector leaf in bulk order.
    """
    Bsz = weights.shape[0]
    vals: list[np.ndarray | None] = []
    legs: list[list[str]] = []
    for lf in plan.leaves:
        if lf.tile >= 0:
            T = absorb(tiles[lf.tile], lf.absorb, weights)
        else:
            T = np.ones(4) if bulk_weights is None else bulk_weights[lf.bulk]
        vals.append(T)
        legs.append(([BATCH] if lf.batched else []) + list(lf.legs))
    remaining: dict[str, int] = {}
    for ls in legs:
        for leg in ls:
            remaining[leg] = remaining.get(leg, 0) + 1
    keep_out = {BATCH, *plan.output}
    saved: list[tuple[int, int, set[str]]] = []
    for a, b in plan.steps:
        la, lb = legs[a], legs[b]
        for leg in set(la) | set(lb):
            remaining[leg] -= (leg in la) + (leg in lb)
        keep = {leg for leg in set(la) | set(lb) if remaining.get(leg, 0) > 0 or leg in keep_out}
        A, Bt = vals[a], vals[b]
        assert A is not None and Bt is not None
        C, lc = pair(A, la, Bt, lb, keep)
        C = _rescale(C, BATCH in lc)
        vals.append(C)
        legs.append(lc)
        for leg in lc:
            remaining[leg] = remaining.get(leg, 0) + 1
        saved.append((a, b, keep))
        if not grad:
            vals[a] = vals[b] = None
    root = len(vals) - 1
    R, lr = vals[root], legs[root]
    assert R is not None
    if BATCH not in lr:  # pragma: no cover - the boundary always carries the batch
        R = np.broadcast_to(R, (Bsz,) + R.shape)
        lr = [BATCH] + lr
    R = np.transpose(R, [lr.index(leg) for leg in [BATCH, *plan.output]])
    if not grad:
        return R, None
    # reverse mode: d(root)/d(leaf) for the bulk-vector leaves
    if R.ndim > 1:  # pragma: no cover - marginal plans have a scalar output
        raise ValueError("gradients need a scalar output per shot")
    grads: dict[int, np.ndarray] = {root: np.ones(Bsz)}
    glegs: dict[int, list[str]] = {root: [BATCH]}
    for s in range(len(plan.steps) - 1, -1, -1):
        node = len(plan.leaves) + s
        if node not in grads:
            continue
        g, lg = grads.pop(node), glegs.pop(node)
        a, b, _ = saved[s]
        for x, y in ((a, b), (b, a)):
            if x < len(plan.leaves) and plan.leaves[x].tile >= 0:
                continue  # gradients of tiles are not needed
            Y = vals[y]
            assert Y is not None
            want = set(legs[x]) | {BATCH}
            gx, lx = pair(g, lg, Y, legs[y], want)
            extra = [i for i, leg in enumerate(lx) if leg not in want]
            if extra:  # pragma: no cover - every leg of x is in g or Y
                gx = gx.sum(axis=tuple(extra))
                lx = [leg for leg in lx if leg in want]
            # each node of the contraction tree has one parent: one contribution per node
            grads[x], glegs[x] = _rescale(gx, True), lx
    out: list[np.ndarray] = []
    for i, lf in enumerate(plan.leaves):
        if lf.bulk >= 0:
            g, lg = grads[i], glegs[i]
            out.append(np.transpose(g, [lg.index(BATCH), lg.index(lf.legs[0])]))
    order = np.argsort([lf.bulk for lf in plan.leaves if lf.bulk >= 0])
    return R, [out[i] for i in order]
