"""``holonet experiment NAME``: run one of holonet.nn's experiments (JSON + figure).

A command-line registration module (layer 6 by role): it runs the experiment
(:mod:`holonet.nn.experiments`, which never imports the viz layer), writes its
numbers and draws its figure (:func:`holonet.viz.figures.nn.render_experiment`).
The output directory is checked before any training starts (by
:func:`holonet.cli.main` and again here for the data subdirectory), so a bad
``--out`` fails at once with a one-line message.
"""

from __future__ import annotations

import argparse

from holonet.nn.experiments import DATA_DIR, EXPERIMENTS

#: where ``--quick`` runs write by default (never over the committed full runs)
QUICK_OUT = "nn_quick"

#: options that only ``listops`` takes
_LISTOPS_ONLY = ("budget", "models", "jobs")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("experiment", help="run a holonet.nn experiment (needs torch)",
                       description="Run one experiment of holonet.nn; writes "
                       f"OUT/{DATA_DIR}/nn_<name>.json and the figure OUT/nn_<name>.svg/.pdf. "
                       "The committed figures/ files are the full runs made by "
                       "'holonet experiment NAME --out figures'. Experiments: "
                       + "; ".join(f"{k}: {v}" for k, v in EXPERIMENTS.items()))
    p.add_argument("name", help="one of " + ", ".join(EXPERIMENTS))
    p.add_argument("--quick", action="store_true", help="small sizes (seconds)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--out", default=None,
                   help=f"output directory (default: figures; with --quick: {QUICK_OUT}, so "
                   "a quick run never overwrites the committed full runs)")
    p.add_argument("--no-progress", action="store_true", help="hide progress bars")
    p.add_argument("--budget", type=float, default=None, metavar="SECONDS",
                   help="listops: CPU seconds of training per model (default 900)")
    p.add_argument("--models", nargs="+", default=None, metavar="MODEL",
                   help="listops: softmax, hsa, flex, h-transformer (default: all)")
    p.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="listops: train N models at once, one process each (default 1)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from holonet._io import check_output_path
    from holonet._options import check_int, check_option

    check_option("experiment", args.name, EXPERIMENTS)
    check_int("--seed", args.seed, minimum=0)
    options = {k: getattr(args, k, None) for k in _LISTOPS_ONLY}
    options = {k: v for k, v in options.items() if v is not None}
    if options and args.name != "listops":
        raise ValueError(f"--{next(iter(options))} is an option of 'listops' only; "
                         f"got experiment {args.name!r}")
    out = args.out if args.out is not None else (QUICK_OUT if args.quick else "figures")
    check_output_path(out, what="--out", kind="dir")
    check_output_path(f"{out}/{DATA_DIR}", what="--out", kind="dir")
    from holonet.viz.figures.nn import render_experiment

    if args.name == "listops":
        from holonet.nn.experiments.listops import run_listops_to_files

        data = run_listops_to_files(out, quick=args.quick, seed=args.seed,
                                    progress=not args.no_progress,
                                    budget=options.get("budget"), models=options.get("models"),
                                    jobs=int(options.get("jobs") or 1))
        paths = [str(p) for p in data.get("files", [])]
        if not any(p.endswith(".svg") for p in paths):
            paths += map(str, render_experiment(args.name, data, out))
    else:
        from holonet.nn.experiments import run_experiment, write_data

        data = run_experiment(args.name, quick=args.quick, seed=args.seed,
                              progress=not args.no_progress)
        paths = [str(write_data(args.name, data, out)),
                 *map(str, render_experiment(args.name, data, out))]
    for path in paths:
        print(f"wrote {path}")
    return 0
