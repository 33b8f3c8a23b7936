"""The holonet command line: help everywhere, one-line errors, exit codes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from holonet.cli import _available_plugins, build_parser, main


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "holonet.cli", *args],
                          capture_output=True, text=True, timeout=300)


def test_top_level_help_lists_only_existing_subcommands() -> None:
    out = _run("--help")
    assert out.returncode == 0
    for name in _available_plugins():
        assert name in out.stdout


@pytest.mark.parametrize("name", sorted(_available_plugins()))
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
