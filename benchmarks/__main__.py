"""Run benchmark modules and print one markdown table.

Usage: ``python -m benchmarks [NAME ...] [--quick] [--list]`` (or ``holonet bench``).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import time
import traceback
from pathlib import Path

from benchmarks._common import Row, fmt_time, machine_facts


def _modules() -> list[str]:
    here = Path(__file__).parent
    return sorted(m.name[len("bench_"):] for m in pkgutil.iter_modules([str(here)])
                  if m.name.startswith("bench_"))


def main(argv: list[str] | None = None) -> int:
    mods = _modules()
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    ap.add_argument("names", nargs="*", help=f"modules to run (default all: {', '.join(mods)})")
    ap.add_argument("--quick", action="store_true", help="small sizes, for CI")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args(argv)
    if args.list:
        print("\n".join(mods))
        return 0
    bad = [n for n in args.names if n not in mods]
    if bad:
        ap.error(f"unknown benchmark {bad[0]!r}; expected one of {', '.join(mods)}")
    rows: list[Row] = []
    failed = []
    walls: dict[str, float] = {}
    t_all = time.perf_counter()
    for name in args.names or mods:
        print(f"# running bench_{name} ...", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        try:
            module = importlib.import_module(f"benchmarks.bench_{name}")
            rows += module.run(quick=args.quick)
        except Exception:  # a failing peer must not hide the other rows
            failed.append(name)
            traceback.print_exc()
        walls[name] = time.perf_counter() - t0
    total = time.perf_counter() - t_all
    print("| what | holonet | peer | peer time | ratio (peer/holonet) | target | note |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        ratio = f"{r.ratio:.1f}x" if r.ratio is not None else "n/a"
        print(f"| {r.what} | {fmt_time(r.holonet_s)} | {r.peer} | {fmt_time(r.peer_s)} | "
              f"{ratio} | {r.target} | {r.note} |")
    print(f"\nmachine: {machine_facts()}")
    print(f"wall time: {fmt_time(total)} ({'quick' if args.quick else 'full'} run; "
          + ", ".join(f"bench_{k} {fmt_time(v)}" for k, v in walls.items()) + ")")
    if failed:
        print(f"failed modules: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
