"""The ``holonet`` command line.

Subcommands are contributed by the subpackages that implement them: each
module listed in :data:`_PLUGINS` defines ``add_parser(subparsers)`` that
registers its parser with ``set_defaults(func=...)``, where ``func(args)``
returns the exit code. A subcommand is listed only if its module exists, so the
CLI never advertises what is not built. Plugin modules import their heavy
dependencies inside ``func``, which keeps ``holonet --help`` fast.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from collections.abc import Sequence

__all__ = ["build_parser", "main"]

#: subcommand name -> module providing ``add_parser(subparsers)``
_PLUGINS: dict[str, str] = {
    "verify": "holonet.verify._cli",
    "figures": "holonet.viz._cli",
    "explore": "holonet.viz._explore_cli",
    "mera": "holonet.mera._cli",
    "experiment": "holonet.nn._cli",
    "report": "holonet._report",
    "bench": "holonet._bench_cli",
}


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors are one line and exit with status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"holonet: error: {message} (see '{self.prog} --help')\n")


def _available_plugins() -> dict[str, str]:
    out = {}
    for name, module in _PLUGINS.items():
        try:
            found = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:
            found = False
        if found:
            out[name] = module
    return out


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every available subcommand registered.

    Examples
    --------
    >>> p = build_parser()
    >>> p.prog
    'holonet'
    """
    from holonet import __version__

    parser = _Parser(
        prog="holonet",
        description="Holographic codes, MERA and hyperbolic tilings as explicit tensor "
        "networks: build, verify, draw, and derive attention from them.",
    )
    parser.add_argument("--version", action="version", version=f"holonet {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in _available_plugins().values():
        importlib.import_module(module).add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except (ValueError, TypeError) as exc:
        print(f"holonet: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # pragma: no cover - interactive
        print("holonet: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
