"""Reproducible experiments of holonet.nn (seeded, tqdm, figure + JSON in ``figures/``).

- ``erasure`` (:mod:`.erasure`): recover core information from boundary tokens
  with 0-60% of them masked; holographic vs standard encoder at equal parameters.
- ``zero-shot`` (:mod:`.zero_shot`): HSA injected into all-MiniLM-L6-v2.
- ``scratch`` (:mod:`.scratch`): HSA vs flat attention trained from scratch.
- ``listops`` (:mod:`.listops`): Long Range Arena ListOps, HSA vs softmax, compiled
  FlexAttention and H-Transformer-1D at an equal CPU budget (writes
  ``<out>/nn_data/listops.json``; extra options ``budget``, ``models``).

Each ``run_<name>(quick, seed, progress)`` returns a JSON-serialisable dict;
:func:`run` also writes ``<out>/nn_data/nn_<name>.json`` (atomically) and the figure
``<out>/nn_<name>.{svg,pdf}``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from holonet._io import atomic_open
from holonet._options import check_option
from holonet.nn._cli import EXPERIMENTS

__all__ = ["DATA_DIR", "EXPERIMENTS", "run", "run_experiment"]

#: Subdirectory of the output directory holding the experiments' JSON numbers (a
#: directory, so the figure registry's one-file-per-figure check is unaffected).
DATA_DIR = "nn_data"


def run_experiment(name: str, *, quick: bool = True, seed: int = 0,
                   progress: bool = False) -> dict[str, Any]:
    """Run experiment ``name`` and return its numbers (no files written)."""
    check_option("experiment", name, EXPERIMENTS)
    import importlib

    module, func = {"erasure": ("erasure", "run_erasure"),
                    "zero-shot": ("zero_shot", "run_zero_shot"),
                    "scratch": ("scratch", "run_scratch"),
                    "listops": ("listops", "run_listops_quick")}[name]
    fn = getattr(importlib.import_module(f"holonet.nn.experiments.{module}"), func)
    return dict(fn(quick=quick, seed=seed, progress=progress))


def figure_name(name: str) -> str:
    return "nn_" + name.replace("-", "_")


def run(name: str, *, quick: bool = False, seed: int = 0, out: str | Path = "figures",
        progress: bool = True, **options: Any) -> dict[str, Any]:
    """Run experiment ``name``; write ``<out>/nn_data/nn_<name>.json`` and the figure files.

    ``options`` go to experiments that take more (``listops``: ``budget``, ``models``).
    """
    import importlib

    if name == "listops":
        from holonet.nn.experiments.listops import run_listops_to_files

        return run_listops_to_files(out, quick=quick, seed=seed, progress=progress, **options)
    if options:
        raise ValueError(f"experiment {name!r} takes no options {sorted(options)}")

    from holonet.viz.figures import render

    nnfig = importlib.import_module("holonet.viz.figures.nn")

    data = run_experiment(name, quick=quick, seed=seed, progress=progress)
    out = Path(out)
    fig = figure_name(name)
    target = out / DATA_DIR / f"{fig}.json"
    with atomic_open(target, "w") as fh:
        json.dump(data, fh, indent=1, sort_keys=True)
    nnfig.RESULTS[fig] = data  # the figure draws these numbers, not a re-run
    try:
        paths = render(fig, out, quick=quick)
    finally:
        nnfig.RESULTS.pop(fig, None)
    data["files"] = [str(target), *map(str, paths)]
    return data
