"""holonet.geometry.HyperbolicTiling vs hypertiling's kernels, measured in one run.

Like for like: every row builds the same tiles on both sides, and both sides
build adjacency.

* vertex convention vs hypertiling's SRS kernel (same layers, same tiles; SRS
  also builds neighbours), {5,4} with 39,761 tiles; target: faster than SRS;
* edge convention vs hypertiling's GRC kernel with ``nbrs=True`` (its adjacency
  lists), {5,4} with 54,726 tiles and {7,3} with 525,169 tiles; target >= 1x.
  GRC's default stores one of the p rotational sectors (coordinates and
  neighbours) and generates the other sectors on demand, while holonet stores
  every tile, its phase and its full neighbour / edge-index tables, so holonet
  does more here;
* the same with ``sector=False`` (GRC stores the whole tiling and every
  adjacency list): the strictly equal-output comparison, for reference.

Both sides: warm-up, best of k, one BLAS thread (threadpoolctl; neither side
uses BLAS much, pinned for uniformity).
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
    # (p, q, layers, convention, peer kernel, peer options, target)
    cases: list[tuple[int, int, int, str, str, dict[str, bool], str]] = [
        (5, 4, 6 if quick else 8, "vertex", "SRS", {}, "> 1x"),
        (5, 4, 9 if quick else 11, "edge", "GRC", {"nbrs": True}, ">= 1x"),
        (7, 3, 10 if quick else 13, "edge", "GRC", {"nbrs": True}, ">= 1x"),
        (5, 4, 9 if quick else 11, "edge", "GRC", {"nbrs": True, "sector": False},
         "(reference)"),
        (7, 3, 10 if quick else 13, "edge", "GRC", {"nbrs": True, "sector": False},
         "(reference)"),
    ]
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        for p, q, layers, conv, kernel, opts, target in cases:
            ours = HyperbolicTiling(p, q, layers, convention=conv)
            theirs = _quiet(lambda p=p, q=q, n=layers, k=kernel, o=opts:
                            HT(p, q, n, kernel=k, **o))()
            if len(theirs) != ours.n_tiles:
                raise RuntimeError(f"tile counts differ: holonet {ours.n_tiles}, "
                                   f"hypertiling {kernel} {len(theirs)}")
            repeat = 3 if kernel == "SRS" or opts.get("sector") is False else 7
            t_h = best_time(lambda p=p, q=q, n=layers, c=conv: HyperbolicTiling(p, q, n, c),
                            repeat=repeat)
            t_p = best_time(_quiet(lambda p=p, q=q, n=layers, k=kernel, o=opts:
                                   HT(p, q, n, kernel=k, **o)), repeat=repeat)
            if kernel == "SRS":
                note = "same tiles; both build neighbours"
            elif opts.get("sector") is False:
                note = "same tiles; both store every tile and its neighbours"
            else:
                note = ("same tiles; GRC stores one of p sectors (+ its neighbours), "
                        "holonet every tile + neighbour and edge-index tables")
            peer = f"hypertiling {kernel}" + "".join(f" {k}={v}" for k, v in opts.items())
            rows.append(Row(f"{{{p},{q}}} {conv} layers={layers} ({ours.n_tiles:,} tiles)",
                            t_h, peer, t_p, note=note, target=target,
                            extra={"n_tiles": ours.n_tiles}))
    return rows
