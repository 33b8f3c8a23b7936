"""Reproducible experiments of holonet.nn (seeded, tqdm, numbers as JSON).

- ``erasure`` (:mod:`.erasure`): recover core information from boundary tokens
  with 0-60% of them masked; holographic (with and without the error-correcting
  auxiliary loss) vs standard encoder at equal parameters.
- ``zero-shot`` (:mod:`.zero_shot`): HSA injected into all-MiniLM-L6-v2.
- ``scratch`` (:mod:`.scratch`): HSA vs flat attention trained from scratch.
- ``listops`` (:mod:`.listops`): Long Range Arena ListOps, HSA vs softmax, compiled
  FlexAttention and H-Transformer-1D at an equal CPU budget (writes
  ``<out>/nn_data/listops.json`` itself; extra options ``budget``, ``models``).

Each ``run_<name>(quick, seed, progress)`` returns a JSON-serialisable dict;
:func:`run_experiment` dispatches by name and :func:`write_data` stores the numbers
as ``<out>/nn_data/nn_<name>.json`` (atomically). The command
``holonet experiment NAME --out DIR`` (:func:`command`) runs one, writes its data
and draws its figure ``DIR/nn_<name>.{svg,pdf}`` (the drawing lives in
:mod:`holonet.viz.figures.nn`: this package never imports the viz layer). The
committed figures are drawn from the committed full runs made by that command;
``quick=True`` runs take seconds and are what the test suite regenerates.

Examples
--------
>>> sorted(EXPERIMENTS), command("erasure")
(['erasure', 'listops', 'scratch', 'zero-shot'], 'holonet experiment erasure --out figures')
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from holonet._io import atomic_open
from holonet._options import check_option

__all__ = ["DATA_DIR", "EXPERIMENTS", "command", "data_path", "figure_name", "load_data",
           "run_experiment", "write_data"]

#: experiment name -> one-line description (no torch needed: ``holonet --help`` reads it)
EXPERIMENTS: dict[str, str] = {
    "erasure": "holographic (with/without the error-correcting auxiliary loss) vs standard "
               "encoder: core recovery with 0-60% of the boundary tokens masked",
    "zero-shot": "HSA injected into all-MiniLM-L6-v2 without retraining: cosine, NN "
                 "agreement, FLOPs",
    "scratch": "HSA vs flat attention trained from scratch on a hierarchical task",
    "listops": "Long Range Arena ListOps: HSA vs softmax, compiled FlexAttention and "
               "H-Transformer-1D, equal CPU budget (writes nn_data/listops.json)",
}

#: experiment name -> (module in this package, function ``run_<name>``)
RUNNERS: dict[str, tuple[str, str]] = {
    "erasure": ("erasure", "run_erasure"),
    "zero-shot": ("zero_shot", "run_zero_shot"),
    "scratch": ("scratch", "run_scratch"),
    "listops": ("listops", "run_listops_quick"),
}

#: Subdirectory of the output directory holding the experiments' JSON numbers (a
#: directory, so the figure registry's one-file-per-figure check is unaffected).
DATA_DIR = "nn_data"


def figure_name(name: str) -> str:
    """``'zero-shot'`` -> ``'nn_zero_shot'``: the figure (and data file stem) of ``name``."""
    return "nn_" + check_option("experiment", name, EXPERIMENTS).replace("-", "_")


def command(name: str, out: str = "figures") -> str:
    """The documented command that makes the committed full run of ``name``."""
    check_option("experiment", name, EXPERIMENTS)
    return f"holonet experiment {name} --out {out}"


def data_path(name: str, out: str | Path = "figures") -> Path:
    """``<out>/nn_data/nn_<name>.json``."""
    return Path(out) / DATA_DIR / f"{figure_name(name)}.json"


def run_experiment(name: str, *, quick: bool = True, seed: int = 0,
                   progress: bool = False) -> dict[str, Any]:
    """Run experiment ``name`` and return its numbers (no files written).

    Runs with one torch thread and on a forked torch random state (the caller's
    thread count and global generator are restored afterwards: the experiment seeds
    its own); the result records ``quick``, ``seed``, ``threads`` and the ``command``
    that reproduces it.
    """
    from holonet._options import check_int

    check_option("experiment", name, EXPERIMENTS)
    check_int("seed", seed, minimum=0)
    module, func = RUNNERS[name]
    fn = getattr(importlib.import_module(f"holonet.nn.experiments.{module}"), func)
    import torch

    from holonet.nn.experiments._common import THREADS, torch_threads

    with torch_threads(THREADS), torch.random.fork_rng(devices=[]):
        data = dict(fn(quick=bool(quick), seed=seed, progress=progress))
    data.setdefault("threads", THREADS)
    data.setdefault("command", command(name) + (" --quick" if quick else ""))
    return data


def write_data(name: str, data: dict[str, Any], out: str | Path = "figures") -> Path:
    """Write ``data`` as ``<out>/nn_data/nn_<name>.json`` (atomically); returns the path."""
    target = data_path(name, out)
    with atomic_open(target, "w") as fh:
        json.dump(data, fh, indent=1, sort_keys=True)
        fh.write("\n")
    return target


def load_data(name: str, out: str | Path = "figures") -> dict[str, Any]:
    """The numbers of a run written by :func:`write_data` (plain JSON, never a pickle)."""
    path = data_path(name, out)
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist; make it with `{command(name)}`")
    return dict(json.loads(path.read_text()))
