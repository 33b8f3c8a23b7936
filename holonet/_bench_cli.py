"""``holonet bench``: run the side-by-side benchmarks in ``benchmarks/``.

The benchmarks live in the repository (not in the installed package) because
they import peers that are never dependencies. This command runs
``python -m benchmarks`` from the repository root.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path


def _repo_root() -> Path | None:
    for base in (Path.cwd(), *Path.cwd().parents, Path(__file__).resolve().parents[1]):
        if (base / "benchmarks" / "__main__.py").is_file():
            return base
    return None


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="run benchmarks against named peers, print a table",
                       description="Run the benchmarks in benchmarks/ (from a clone of the "
                       "repository) and print a markdown table of holonet vs peer timings.")
    p.add_argument("names", nargs="*", help="benchmark modules to run (default: all)")
    p.add_argument("--quick", action="store_true", help="small sizes, for CI")
    p.add_argument("--list", action="store_true", help="list the benchmark modules")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    root = _repo_root()
    if root is None:
        raise ValueError("benchmarks/ not found: run 'holonet bench' inside a clone of the "
                         "holonet repository")
    cmd = [sys.executable, "-m", "benchmarks", *args.names]
    if args.quick:
        cmd.append("--quick")
    if args.list:
        cmd.append("--list")
    return subprocess.call(cmd, cwd=root)
