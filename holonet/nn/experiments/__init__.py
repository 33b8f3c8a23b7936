"""Reproducible experiments of holonet.nn (seeded, tqdm, figure + JSON in ``figures/``).

- ``erasure`` (:mod:`.erasure`): recover core information from boundary tokens
  with 0-60% of them masked; holographic vs standard encoder at equal parameters.
- ``zero-shot`` (:mod:`.zero_shot`): HSA injected into all-MiniLM-L6-v2.
- ``scratch`` (:mod:`.scratch`): HSA vs flat attention trained from scratch.

Each ``run_<name>(quick, seed, progress)`` returns a JSON-serialisable dict;
:func:`run` also writes ``<out>/nn_<name>.json`` (atomically) and the figure.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from holonet._io import atomic_open
from holonet._options import check_option
from holonet.nn._cli import EXPERIMENTS

__all__ = ["EXPERIMENTS", "run", "run_experiment"]


def run_experiment(name: str, *, quick: bool = True, seed: int = 0,
                   progress: bool = False) -> dict[str, Any]:
    """Run experiment ``name`` and return its numbers (no files written)."""
    check_option("experiment", name, EXPERIMENTS)
    if name == "erasure":
        from holonet.nn.experiments.erasure import run_erasure as fn
    elif name == "zero-shot":
        from holonet.nn.experiments.zero_shot import run_zero_shot as fn
    else:
        from holonet.nn.experiments.scratch import run_scratch as fn
    return fn(quick=quick, seed=seed, progress=progress)


def figure_name(name: str) -> str:
    return "nn_" + name.replace("-", "_")


def run(name: str, *, quick: bool = False, seed: int = 0, out: str | Path = "figures",
        progress: bool = True) -> dict[str, Any]:
    """Run experiment ``name``; write ``<out>/nn_<name>.json`` and the figure files."""
    from holonet.viz.figures import nn as nnfig
    from holonet.viz.figures import render

    data = run_experiment(name, quick=quick, seed=seed, progress=progress)
    out = Path(out)
    fig = figure_name(name)
    target = out / f"{fig}.json"
    with atomic_open(target, "w") as fh:
        json.dump(data, fh, indent=1, sort_keys=True)
    nnfig.RESULTS[fig] = data  # the figure draws these numbers, not a re-run
    try:
        paths = render(fig, out, quick=quick)
    finally:
        nnfig.RESULTS.pop(fig, None)
    data["files"] = [str(target), *map(str, paths)]
    return data
