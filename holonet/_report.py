"""``holonet report``: a markdown report of the default codes and the figures.

The report runs :func:`holonet.verify.verify_code` on the default codes (the
[[5,1,3]] code, the 2-layer pentagon code, the zero-rate [[25,1,9]] code and the
2-layer holographic hexagon state), tabulates each check with its verdict and
numbers, lists the figures in ``figures/`` with what they show, and exits
non-zero if any check fails. The file is written atomically.
"""

from __future__ import annotations

import argparse
import platform
from pathlib import Path
from typing import Any

__all__ = ["DEFAULT_CODES", "add_parser", "build_report"]

#: (label, happy_code keyword arguments) of the codes the report verifies.
DEFAULT_CODES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("[[5,1,3]] code (1 layer)", {"layers": 1}),
    ("pentagon code, 2 vertex layers", {"layers": 2}),
    ("zero-rate code, 2 edge layers ([[25,1,9]])",
     {"layers": 2, "convention": "edge", "variant": "single"}),
    ("holographic hexagon state {6,4}, 2 layers", {"layers": 2, "variant": "hexagon-state"}),
)


def build_report(*, figures_dir: str | Path = "figures", seed: int = 0,
                 progress: bool = True) -> tuple[str, bool]:
    """Verify the default codes and return ``(markdown, all_ok)``.

    It verifies every code of ``DEFAULT_CODES`` (about half a minute), so the
    example only lists them; ``tests/test_report.py`` runs the whole report.

    Examples
    --------
    >>> [label for label, _ in DEFAULT_CODES][:2]
    ['[[5,1,3]] code (1 layer)', 'pentagon code, 2 vertex layers']
    """
    from tqdm.auto import tqdm

    import holonet
    from holonet.codes import happy_code
    from holonet.verify import verify_code

    lines = [
        "# holonet report",
        "",
        f"holonet {holonet.__version__}, Python {platform.python_version()}, "
        f"{platform.machine()}.",
        "",
        "## Verification of the default codes",
        "",
    ]
    all_ok = True
    details: list[str] = []
    lines += ["| code | n | k | d | check | verdict |", "|---|---|---|---|---|---|"]
    for label, kwargs in tqdm(DEFAULT_CODES, desc="verify", disable=not progress):
        code = happy_code(**kwargs)
        sc = code.stabilizer_code
        reports = verify_code(code, seed=seed)
        all_ok &= bool(reports.ok)
        d = _distance(sc)
        for rep in reports:
            verdict = "ok" if rep.ok else "**FAILED**"
            lines.append(f"| {label} | {sc.n} | {sc.k} | {d} | {rep.title} | {verdict} |")
        details += [f"### {label}", "", "```", reports.explain(), "```", ""]
    lines += ["", *details]
    lines += _figures_section(Path(figures_dir))
    return "\n".join(lines) + "\n", all_ok


def _distance(sc: Any) -> str:
    """The exact distance when it is cheap (see ``StabilizerCode.distance``), else a dash.

    ``limit`` is in 64-bit word operations (~0.5 s of search at most).
    """
    from holonet.stabilizer import DistanceTooExpensive

    if sc.k == 0:
        return "-"
    try:
        return str(sc.distance(limit=2**26, progress=False))
    except DistanceTooExpensive:
        return "-"


def _figures_section(figdir: Path) -> list[str]:
    from holonet.viz.figures import registry

    out = ["## Figures", "", "Regenerate with `holonet figures`.", ""]
    for name, spec in registry().items():
        svg = figdir / f"{name}.svg"
        mark = "" if svg.exists() else " (not rendered yet)"
        out.append(f"- `{name}` — {spec.description}{mark}")
    return [*out, ""]


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="verify the default codes and write a markdown report",
                       description="Verify the default HaPPY codes (isometry, complementary "
                       "recovery, erasure, RT, exact distance) and write a markdown report "
                       "listing the checks and the figures to the file given by --out "
                       "(default figures/report.md). Exits 1 if any check fails.")
    p.add_argument("--out", metavar="PATH", default="figures/report.md",
                   help="markdown file to write (default: figures/report.md); written "
                   "atomically, parent directories created, the path is checked before any "
                   "work starts")
    p.add_argument("--figures", default="figures", help="figures directory to list")
    p.add_argument("--seed", type=int, default=0, help="seed of the random erasure samples")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from holonet._io import atomic_open

    text, ok = build_report(figures_dir=args.figures, seed=args.seed,
                            progress=not args.no_progress)
    with atomic_open(args.out) as fh:
        fh.write(text)
    print(f"wrote {args.out}: {'all checks passed' if ok else 'SOME CHECKS FAILED'}")
    return 0 if ok else 1
