"""``holonet verify``: run every check on a HaPPY code and print a readable report."""

from __future__ import annotations

import argparse

TARGETS = ("happy",)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "verify", help="verify a holographic code (isometry, recovery, erasure, RT)",
        description="Build a HaPPY code and check it: the isometry of its tensor network, "
        "complementary recovery over every contiguous boundary interval (greedy vs exact "
        "wedges), a random erasure sample (exact and greedy decoders) and Ryu-Takayanagi "
        "(entropy vs minimal cut) over every interval. Exits 1 if any property fails.")
    p.add_argument("target", help="what to verify: 'happy' (a HaPPY code)")
    p.add_argument("--layers", type=int, default=2, help="number of layers (default 2)")
    p.add_argument("--variant", default="pentagon",
                   help="'pentagon' (default), 'single', 'pentagon-hexagon', 'hexagon-state', "
                   "'zero-rate' (LEGO_HQEC's zero-rate code: layers = R + 1)")
    p.add_argument("--convention", default="vertex",
                   help="layer convention: 'vertex' (default) or 'edge'")
    p.add_argument("--erasure-p", type=float, default=0.25,
                   help="erasure rate of the random sample (default 0.25)")
    p.add_argument("--shots", type=int, default=2000, help="erasure sample size (default 2000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the erasure sample")
    p.add_argument("--json", metavar="PATH", help="also write the reports' numbers as JSON")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    import json

    from holonet._io import atomic_open
    from holonet._options import check_int, check_option
    from holonet.codes import happy_code
    from holonet.verify import verify_code

    check_option("verify target", args.target, TARGETS)
    layers = check_int("layers", args.layers, minimum=1, maximum=6)
    if not 0.0 <= args.erasure_p <= 1.0:
        raise ValueError(f"--erasure-p must be in [0, 1]; got {args.erasure_p}")
    check_int("shots", args.shots, minimum=1)
    code = happy_code(layers, convention=args.convention, variant=args.variant)
    sc = code.stabilizer_code
    print(f"HaPPY code: variant {args.variant!r}, {layers} layers ({args.convention} "
          f"convention): [[{sc.n},{sc.k}]], {code.tiling.n_tiles} tensors\n")
    reports = verify_code(code, erasure_p=args.erasure_p, erasure_shots=args.shots,
                          seed=args.seed)
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
