"""The ``holonet`` command line.

Subcommands are contributed by the subpackages that implement them: each
module listed in :data:`_PLUGINS` defines ``add_parser(subparsers)`` that
registers its parser with ``set_defaults(func=...)``, where ``func(args)``
returns the exit code. Every listed module must import: a missing or broken
plugin is an error, never a silently absent subcommand. Plugin modules import
their heavy dependencies inside ``func``, which keeps ``holonet --help`` fast.
These registration modules (``_cli.py``, ``_bench_cli.py``, ...) belong to
layer 6 by role, wherever they sit in the package.

Errors: a user mistake -- ``ValueError``, ``TypeError``, ``OSError`` or any
:class:`holonet.HolonetError` raised by a subcommand -- is printed as one line
``holonet: error: ...`` with exit status 2, never a traceback; any other
exception is a bug and keeps its traceback. Set ``HOLONET_DEBUG=1`` to see the
traceback of user errors too. Output paths (arguments named in
:data:`holonet._io.OUTPUT_ARGS`, e.g. ``--out``) are checked with
:func:`holonet._io.check_output_path` before the subcommand starts its work.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from holonet._errors import HolonetError

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


def _plugin_modules() -> dict[str, str]:
    """Every subcommand and the module that registers it (all of them must import)."""
    return dict(_PLUGINS)


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
        epilog="Errors are one line with exit status 2; set HOLONET_DEBUG=1 for a traceback.",
    )
    parser.add_argument("--version", action="version", version=f"holonet {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in _plugin_modules().values():
        importlib.import_module(module).add_parser(sub)
    return parser


#: exceptions that report a user mistake (one line, exit 2); anything else is a bug
USER_ERRORS: tuple[type[BaseException], ...] = (ValueError, TypeError, OSError, HolonetError)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, OSError) and not isinstance(exc, HolonetError) and str(exc):
        text = text if ":" in text else f"{type(exc).__name__}: {text}"
    return text


def _check_outputs(args: argparse.Namespace) -> None:
    from holonet._io import OUTPUT_ARGS, check_output_path

    for name in OUTPUT_ARGS:
        value = getattr(args, name, None)
        if isinstance(value, str | os.PathLike):
            check_output_path(value, what=f"--{name}", kind="any")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit status.

    Examples
    --------
    >>> main(["verify", "happy", "--layers", "0"])
    2
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        _check_outputs(args)
        return int(args.func(args) or 0)
    except USER_ERRORS as exc:
        if os.environ.get("HOLONET_DEBUG"):
            raise
        print(f"holonet: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # pragma: no cover - interactive
        print("holonet: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
