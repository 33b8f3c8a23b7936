"""The holonet command line: help everywhere, one-line errors, exit codes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from holonet.cli import _PLUGINS, build_parser, main


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "holonet.cli", *args],
                          capture_output=True, text=True, timeout=300)


def test_top_level_help_lists_every_subcommand() -> None:
    out = _run("--help")
    assert out.returncode == 0
    for name in _PLUGINS:
        assert name in out.stdout


def test_every_plugin_module_registers_its_subcommand() -> None:
    """A plugin module that is missing or does not register itself is an error."""
    import importlib

    sub = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert set(sub) == set(_PLUGINS)
    for module in _PLUGINS.values():
        assert callable(importlib.import_module(module).add_parser)


@pytest.mark.parametrize("name", sorted(_PLUGINS))
def test_every_subcommand_has_help(name: str) -> None:
    with pytest.raises(SystemExit) as info:
        main([name, "--help"])
    assert info.value.code == 0


def test_unknown_subcommand_is_a_one_line_error() -> None:
    out = _run("frobnicate")
    assert out.returncode == 2
    lines = [ln for ln in out.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "frobnicate" in lines[0], out.stderr


def test_no_command_prints_help_and_fails() -> None:
    assert main([]) == 2


def test_bad_figure_name_lists_valid_ones(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["figures", "--only", "no-such-figure"]) == 2
    err = capsys.readouterr().err
    assert "unknown figure 'no-such-figure'; expected one of" in err


def test_version() -> None:
    with pytest.raises(SystemExit) as info:
        build_parser().parse_args(["--version"])
    assert info.value.code == 0


def test_bench_list_runs_the_repository_runner() -> None:
    out = _run("bench", "--list")
    assert out.returncode == 0
    assert "contract" in out.stdout.split()


# ----------------------------------------------------------------------------- errors
@pytest.mark.parametrize("exc", [ValueError("bad layers\nsecond line"), TypeError("bad type"),
                                 PermissionError(13, "Permission denied", "/x"),
                                 __import__("holonet").HolonetError("too large")])
def test_user_errors_are_one_line_with_status_2(exc: BaseException,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    import holonet.verify._cli as vcli

    def boom(args: object) -> int:
        raise exc

    monkeypatch.delenv("HOLONET_DEBUG", raising=False)
    monkeypatch.setattr(vcli, "_run", boom)
    assert main(["verify", "happy"]) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("holonet: error: "), err
    assert "Traceback" not in err


def test_bugs_keep_their_traceback_and_debug_shows_user_errors(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import holonet.verify._cli as vcli

    def bug(args: object) -> int:
        raise KeyError("internal")

    monkeypatch.setattr(vcli, "_run", bug)
    with pytest.raises(KeyError):
        main(["verify", "happy"])

    def user(args: object) -> int:
        raise ValueError("user mistake")

    monkeypatch.setattr(vcli, "_run", user)
    monkeypatch.setenv("HOLONET_DEBUG", "1")
    with pytest.raises(ValueError, match="user mistake"):
        main(["verify", "happy"])


@pytest.mark.parametrize("argv", [
    ["verify", "happy", "--layers", "1", "--json", "/proc/holonet-test/x.json"],
    ["explore", "happy", "--layers", "1", "-o", "/proc/holonet-test.html"],
    ["report", "--out", "/proc/holonet-test/report.md"],
    ["figures", "--quick", "--only", "tiling_54", "--out", "/proc/holonet-test"],
])
def test_output_paths_are_checked_before_the_work(argv: list[str], monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """An unwritable --out fails at once, naming the argument; the subcommand never runs."""
    import importlib

    from holonet.cli import _PLUGINS

    module = importlib.import_module(_PLUGINS[argv[0]])
    called = []
    real_add = module.add_parser

    def add_parser(sub: object) -> None:
        real_add(sub)
        parser = sub.choices[argv[0]]  # type: ignore[attr-defined]
        parser.set_defaults(func=lambda args: called.append(args) or 0)

    monkeypatch.setattr(module, "add_parser", add_parser)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert not called, "the subcommand ran although its output path is unwritable"
    assert len(err.splitlines()) == 1 and "/proc/holonet-test" in err, err
    assert err.startswith("holonet: error: --")


def test_unwritable_output_from_a_subprocess_is_one_line() -> None:
    out = _run("verify", "happy", "--layers", "1", "--json", "/proc/holonet-test.json")
    assert out.returncode == 2
    assert out.stderr.strip().count("\n") == 0 and "Traceback" not in out.stderr
