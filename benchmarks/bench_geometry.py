"""holonet.geometry.HyperbolicTiling vs hypertiling's kernels, measured in one run.

* vertex convention vs hypertiling's SRS kernel (same layers, same tiles), {5,4}
  with 39,761 tiles; target: faster than SRS;
* edge convention vs hypertiling's GRC kernel (coordinates only: GRC stores one
  of the p rotational sectors and generates the others on demand, and builds no
  neighbour table unless asked; holonet stores centres, phases (hence vertices)
  and the full neighbour/edge-index tables of every tile) for ~50,000 {5,4} tiles
  and ~500,000 {7,3} tiles; target: within 2x of GRC;
* for reference, GRC with ``nbrs=True`` (its adjacency lists) on the {5,4} case.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from typing import Any

from benchmarks._common import Row, best_time


def _quiet(fn: Callable[[], Any]) -> Callable[[], Any]:
    """hypertiling prints status lines on every construction; keep them out of the table."""
    def run() -> Any:
        with contextlib.redirect_stdout(io.StringIO()):
            return fn()
    return run


def run(quick: bool) -> list[Row]:
    from hypertiling import HyperbolicTiling as HT

    from holonet.geometry import HyperbolicTiling

    rows: list[Row] = []
    # (p, q, layers, convention, peer kernel, target)
    cases = [
        (5, 4, 6 if quick else 8, "vertex", "SRS", "> 1x"),
        (5, 4, 9 if quick else 11, "edge", "GRC", ">= 0.5x"),
        (7, 3, 10 if quick else 13, "edge", "GRC", ">= 0.5x"),
    ]
    for p, q, layers, conv, kernel, target in cases:
        ours = HyperbolicTiling(p, q, layers, convention=conv)
        theirs = _quiet(lambda p=p, q=q, n=layers, k=kernel: HT(p, q, n, kernel=k))()
        if len(theirs) != ours.n_tiles:
            raise RuntimeError(f"tile counts differ: holonet {ours.n_tiles}, "
                               f"hypertiling {kernel} {len(theirs)}")
        repeat = 3 if kernel == "SRS" else 7
        t_h = best_time(lambda p=p, q=q, n=layers, c=conv: HyperbolicTiling(p, q, n, c),
                        repeat=repeat)
        t_p = best_time(_quiet(lambda p=p, q=q, n=layers, k=kernel: HT(p, q, n, kernel=k)),
                        repeat=repeat)
        note = ("same tiles; holonet also builds neighbour tables"
                if kernel == "SRS" else
                "GRC: coordinates of one sector only; holonet: every tile + neighbour tables")
        rows.append(Row(f"{{{p},{q}}} {conv} layers={layers} ({ours.n_tiles:,} tiles)", t_h,
                        f"hypertiling {kernel}", t_p, note=note, target=target,
                        extra={"n_tiles": ours.n_tiles}))
    # reference: GRC also tracing adjacency
    p, q, layers = 5, 4, 9 if quick else 11
    t_h = best_time(lambda: HyperbolicTiling(p, q, layers, "edge"), repeat=5)
    t_p = best_time(_quiet(lambda: HT(p, q, layers, kernel="GRC", nbrs=True)), repeat=3)
    rows.append(Row(f"{{{p},{q}}} edge layers={layers} (with adjacency)", t_h,
                    "hypertiling GRC nbrs=True", t_p, target="(reference)",
                    note="both sides build neighbour structure"))
    return rows
