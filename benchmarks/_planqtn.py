"""Weight enumerators of 2-layer HaPPY codes: holonet's network contraction vs PlanqTN.

PlanqTN (``pip install planqtn``, benchmarks only; the ``peers`` extra) computes
the stabilizer weight enumerator ``A(z)`` of its ``HolographicHappyTN`` by
contracting quantum-LEGO tensor enumerators. Its HaPPY network is the {5,4}
pentagon code only up to 2 layers (see ``shared/reference/peers.md``), so the
comparison is the 2-layer pentagon code ``[[25, 11]]``. holonet computes both
``A`` and ``B`` exactly in one contraction
(:func:`holonet.codes.network_weight_enumerator`); the benchmark checks that the
peer's ``A`` equals holonet's coefficient by coefficient, and that holonet's
``B`` equals the MacWilliams transform of the peer's ``A``.

Compatibility: PlanqTN 0.2.0 expects cotengra < 0.8, whose contraction-tree
nodes were frozensets of leaves; with cotengra 0.8 they are integers. The
context :func:`_cotengra_compat` gives PlanqTN's ``Contraction`` a thin view of
its tree that yields frozensets (nothing else changes, and it is undone after
the call). PlanqTN's cotengra path search passes a custom cost function that
cotengra 0.8 rejects, so PlanqTN contracts in the order of its traces
(``cotengra=False``), its documented alternative.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from benchmarks._common import Row, best_time

PEER = "planqtn HolographicHappyTN.stabilizer_enumerator_polynomial"
MISSING = "peer package planqtn not installed (benchmarks only: pip install planqtn)"


class _TreeView:
    """A cotengra 0.8 tree seen as the frozenset-node tree PlanqTN expects."""

    def __init__(self, tree: Any) -> None:
        self._tree = tree

    def traverse(self, *args: Any, **kwargs: Any) -> Iterator[tuple[Any, Any, Any]]:
        for p, l, r in self._tree.traverse(*args, **kwargs):
            if isinstance(l, int):
                g = self._tree.get_subgraph
                yield frozenset(g(p)), frozenset(g(l)), frozenset(g(r))
            else:  # an older cotengra: already frozensets
                yield p, l, r

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tree, name)


@contextlib.contextmanager
def _cotengra_compat() -> Iterator[None]:
    from planqtn import tensor_network as tnmod

    cls = tnmod.Contraction
    orig = cls._cotengra_tree_from_traces

    def patched(self: Any, traces: Any) -> Any:
        return _TreeView(orig(self, traces))

    cls._cotengra_tree_from_traces = patched
    try:
        yield
    finally:
        cls._cotengra_tree_from_traces = orig


def planqtn_enumerator(layers: int) -> dict[int, int]:
    """PlanqTN's stabilizer enumerator of its HaPPY network, as {weight: count}."""
    from planqtn.networks.holographic_happy_code import HolographicHappyTN

    with _cotengra_compat():
        tn = HolographicHappyTN(layers)
        poly = tn.stabilizer_enumerator_polynomial(cotengra=False)
    return {int(w): int(c) for w, c in poly.dict.items()}


def enumerator_rows(quick: bool) -> list[Row]:
    from threadpoolctl import threadpool_limits

    from holonet.codes import happy_code, network_weight_enumerator
    from holonet.stabilizer import macwilliams_transform

    rows: list[Row] = []
    code = happy_code(2)  # [[25, 11]], the 2-layer pentagon code
    repeat = 1 if quick else 3
    with threadpool_limits(1):
        ours = network_weight_enumerator(code)  # warm-up (plans the contraction)
        t_h = best_time(lambda: network_weight_enumerator(code), repeat=max(3, repeat))
        what = f"weight enumerator A and B of the 2-layer pentagon code [[{code.n},{code.k}]]"
        try:
            import planqtn  # noqa: F401
        except ImportError:
            rows.append(Row(what, t_h, "planqtn", None, note=MISSING, target=">= 10x"))
        else:
            peer = planqtn_enumerator(2)  # warm-up
            t_p = best_time(lambda: planqtn_enumerator(2), repeat=repeat)
            A = [peer.get(w, 0) for w in range(code.n + 1)]
            same_a = A == [int(a) for a in ours.A] and max(peer) <= code.n
            same_b = [int(b) for b in macwilliams_transform(A, code.k)] == \
                [int(b) for b in ours.B]
            note = (f"same A (all {code.n + 1} coefficients): {same_a}; holonet's B equals the "
                    f"MacWilliams transform of the peer's A: {same_b}; the peer computes A "
                    f"only; 1 thread, warmed up, best of {repeat}")
            if not (same_a and same_b):
                note = "POLYNOMIALS DIFFER; " + note
            rows.append(Row(what, t_h, PEER, t_p, note=note, target=">= 10x"))
        # within holonet: the network route against Gray-code enumeration of the stabilizer view
        zr = happy_code(2, convention="edge", variant="single")  # [[25, 1, 9]]
        sc = zr.stabilizer_code
        network_weight_enumerator(zr)
        sc.weight_enumerator(progress=False)
        t_net = best_time(lambda: network_weight_enumerator(zr), repeat=3)
        t_gray = best_time(lambda: sc.weight_enumerator(progress=False), repeat=repeat)
        agree = network_weight_enumerator(zr).B.tolist() == \
            sc.weight_enumerator(progress=False).B.tolist()
        rows.append(Row(f"weight enumerator of [[{sc.n},{sc.k},9]] (zero-rate, 2 edge layers)",
                        t_net, "holonet Gray code over 2^24 stabilizers + MacWilliams", t_gray,
                        note=f"identical A and B: {agree}; exact integers on both sides"))
    return rows
