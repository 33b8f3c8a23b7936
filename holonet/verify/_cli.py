"""``holonet verify``: run every check on a HaPPY code or a saved code and print a report.

``holonet verify happy --layers 2`` builds a HaPPY code; ``holonet verify code FILE``
reads a code saved by :meth:`holonet.stabilizer.StabilizerCode.save` (plain text or
QDistRnd ``.mtx``) and runs the checks that need no tensor network;
``holonet verify threshold --noise depolarizing|biased --eta ... --layers 2..4``
measures Pauli-noise thresholds of a HaPPY family (:mod:`holonet.verify._threshold_cli`).
"""

from __future__ import annotations

import argparse
from typing import Any

from holonet.verify._threshold_cli import add_arguments as add_threshold_arguments
from holonet.verify._threshold_cli import parse_layers

TARGETS = ("happy", "code", "threshold")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "verify", help="verify a holographic code or a saved stabilizer code",
        description="'holonet verify happy' builds a HaPPY code and checks it: the isometry "
        "of its tensor network, complementary recovery over every contiguous boundary "
        "interval (greedy vs exact wedges), a random erasure sample (exact and greedy "
        "decoders) and Ryu-Takayanagi (entropy vs minimal cut) over every interval. "
        "'holonet verify code FILE' reads a saved code (StabilizerCode.save: plain text, "
        "or QDistRnd .mtx) and checks what needs no tensor network: stabilizer "
        "consistency, exact recovery over contiguous qubit intervals, a random erasure "
        "sample and the distance with a verified minimum-weight logical (where "
        "affordable); isometry and RT need a network and are reported as not applicable. "
        "'holonet verify threshold' decodes Pauli noise on happy_code(L, --variant) for the "
        "--layers range by exact ML decoding and prints the success curves with error bars "
        "and their crossing next to the channel's zero-rate hashing bound. "
        "Each output line names what it checked; sampled rates carry +- 1 standard error. "
        "Exits 1 if any property fails, 2 on a bad file or option.")
    p.add_argument("target", help="what to verify: 'happy' (a HaPPY code built from "
                   "--layers/--variant/--convention), 'code' (a code file, see FILE) or "
                   "'threshold' (Pauli-noise threshold of a HaPPY family over --layers)")
    p.add_argument("file", nargs="?", metavar="FILE",
                   help="for 'code': a file written by StabilizerCode.save (.txt plain text "
                   "with signed Paulis, or .mtx in QDistRnd's format)")
    p.add_argument("--layers", type=parse_layers, default="2",
                   help="number of layers (default 2); for 'threshold' a range A..B or a "
                   "comma list, e.g. 2..4")
    p.add_argument("--variant", default=None,
                   help="'pentagon' (default of 'happy'), 'single', 'pentagon-hexagon', "
                   "'hexagon-state', 'zero-rate' (LEGO_HQEC's zero-rate code: layers = R + 1; "
                   "default of 'threshold')")
    p.add_argument("--convention", default="vertex",
                   help="layer convention: 'vertex' (default) or 'edge'")
    p.add_argument("--erasure-p", type=float, default=0.25,
                   help="erasure rate of the random sample (default 0.25)")
    p.add_argument("--shots", type=int, default=2000,
                   help="erasure sample size; for 'threshold' shots per code and rate "
                   "(default 2000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the erasure sample")
    p.add_argument("--distance-limit", type=float, default=None, metavar="OPS",
                   help="for 'code': work limit of the exact distance search in 64-bit word "
                   "operations (about 1.5e8 per second; default 2^30); above it the distance "
                   "line says NOT CHECKED with the proven bounds")
    p.add_argument("--json", metavar="PATH", help="also write the reports' numbers as JSON")
    add_threshold_arguments(p)
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from holonet._options import check_int, check_option

    check_option("verify target", args.target, TARGETS)
    if not 0.0 <= args.erasure_p <= 1.0:
        raise ValueError(f"--erasure-p must be in [0, 1]; got {args.erasure_p}")
    check_int("shots", args.shots, minimum=1)
    if args.target == "threshold":
        from holonet.verify._threshold_cli import run

        args.variant = args.variant or "zero-rate"
        return run(args)
    if args.target == "code":
        if not args.file:
            raise ValueError("'holonet verify code' needs a FILE (a code saved by "
                             "StabilizerCode.save, .txt or .mtx)")
        return _run_file(args)
    if args.file:
        raise ValueError(f"'holonet verify happy' takes no FILE; got {args.file!r} (did you "
                         "mean 'holonet verify code FILE'?)")
    return _run_happy(args)


def _run_happy(args: argparse.Namespace) -> int:
    from holonet._options import check_int
    from holonet.codes import happy_code
    from holonet.verify import verify_code

    if len(args.layers) != 1:
        raise ValueError(f"'holonet verify happy' takes one --layers value; got {args.layers}")
    layers = check_int("layers", args.layers[0], minimum=1, maximum=6)
    args.variant = args.variant or "pentagon"
    code = happy_code(layers, convention=args.convention, variant=args.variant)
    sc = code.stabilizer_code
    print(f"HaPPY code: variant {args.variant!r}, {layers} layers ({args.convention} "
          f"convention): [[{sc.n},{sc.k}]], {code.tiling.n_tiles} tensors\n")
    reports = verify_code(code, erasure_p=args.erasure_p, erasure_shots=args.shots,
                          seed=args.seed)
    return _finish(reports, args)


def _run_file(args: argparse.Namespace) -> int:
    from pathlib import Path

    from holonet.stabilizer import StabilizerCode
    from holonet.verify import verify_code

    path = Path(args.file)
    if not path.is_file():
        raise ValueError(f"code file {str(path)!r} does not exist or is not a file")
    sc = StabilizerCode.load(path)
    print(f"stabilizer code from {path}: [[{sc.n},{sc.k}]], {sc.r} generators"
          + (f" (source: {sc.source})" if sc.source else "") + "\n")
    if args.distance_limit is not None and not args.distance_limit > 0:
        raise ValueError(f"--distance-limit must be positive; got {args.distance_limit}")
    reports = verify_code(sc, erasure_p=args.erasure_p, erasure_shots=args.shots,
                          seed=args.seed, distance_limit=args.distance_limit)
    print("not applicable: isometry, greedy wedges and Ryu-Takayanagi need a tensor network; "
          "a saved stabilizer code has none\n")
    return _finish(reports, args)


def _finish(reports: Any, args: argparse.Namespace) -> int:
    import json

    from holonet._io import atomic_open

    print(reports.explain())
    failed = reports.failed()
    print()
    if failed:
        print(f"FAILED: {len(failed)} of {len(reports)} checks: "
              + "; ".join(r.title for r in failed))
    else:
        print(f"all {len(reports)} checks passed")
    if args.json:
        with atomic_open(args.json) as fh:
            json.dump(reports.summary(), fh, indent=1)
    return 1 if failed else 0
