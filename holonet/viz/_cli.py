"""``holonet figures``: regenerate the project's figures."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("figures", help="regenerate every figure in figures/",
                       description="Regenerate the figures in figures/ deterministically "
                       "from code (each registered figure function).")
    p.add_argument("--only", action="append", metavar="NAME",
                   help="render only this figure (repeatable); bad names list the valid ones")
    p.add_argument("--quick", action="store_true", help="small sizes (seconds, for tests/CI)")
    p.add_argument("--out", default="figures", help="output directory (default: figures)")
    p.add_argument("--list", action="store_true", help="list the registered figures and exit")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from holonet.viz.figures import registry, render_all

    # render_all checks every --only name first: a bad one lists the valid names

    reg = registry()
    if args.list:
        for name, spec in reg.items():
            print(f"{name:28s} {spec.description}")
        return 0
    paths = render_all(args.out, quick=args.quick, only=args.only,
                       progress=not args.no_progress)
    print(f"wrote {len(paths)} files to {args.out}/")
    return 0
