"""``holonet experiment NAME``: run one of holonet.nn's experiments (figure + JSON)."""

from __future__ import annotations

import argparse

#: experiment name -> one-line description (kept here so ``--help`` needs no torch)
EXPERIMENTS: dict[str, str] = {
    "erasure": "holographic vs standard encoder: core recovery with 0-60% boundary tokens masked",
    "zero-shot": "HSA injected into all-MiniLM-L6-v2 without retraining: cosine, NN agreement, "
                 "FLOPs",
    "scratch": "HSA vs flat attention trained from scratch on a hierarchical task",
    "listops": "Long Range Arena ListOps: HSA vs softmax, compiled FlexAttention and "
               "H-Transformer-1D, equal CPU budget (writes nn_data/listops.json)",
}

#: options that only ``listops`` takes
_LISTOPS_ONLY = ("budget", "models")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("experiment", help="run a holonet.nn experiment (needs torch)",
                       description="Run one experiment of holonet.nn; writes "
                       "figures/nn_<name>.{svg,pdf} and figures/nn_data/nn_<name>.json. "
                       "Experiments: "
                       + "; ".join(f"{k}: {v}" for k, v in EXPERIMENTS.items()))
    p.add_argument("name", help="one of " + ", ".join(EXPERIMENTS))
    p.add_argument("--quick", action="store_true", help="small sizes (seconds)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--out", default="figures", help="output directory (default: figures)")
    p.add_argument("--no-progress", action="store_true", help="hide progress bars")
    p.add_argument("--budget", type=float, default=None, metavar="SECONDS",
                   help="listops: CPU seconds of training per model (default 900)")
    p.add_argument("--models", nargs="+", default=None, metavar="MODEL",
                   help="listops: softmax, hsa, flex, h-transformer (default: all)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from holonet._options import check_option

    check_option("experiment", args.name, EXPERIMENTS)
    options = {k: getattr(args, k, None) for k in _LISTOPS_ONLY}
    options = {k: v for k, v in options.items() if v is not None}
    if options and args.name != "listops":
        raise ValueError(f"--{next(iter(options))} is an option of 'listops' only; "
                         f"got experiment {args.name!r}")
    from holonet.nn.experiments import run

    result = run(args.name, quick=args.quick, seed=args.seed, out=args.out,
                 progress=not args.no_progress, **options)
    for path in result.get("files", []):
        print(f"wrote {path}")
    return 0
