"""The README/CI contract: two commands on top, .ci/run calls the test one, CITATION valid."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    block = re.search(r"```bash\n(.*?)```", text, re.S)
    assert block, "README must open with a bash block"
    assert text.index("```bash") < text.index("## "), "the commands come before any section"
    return [ln.split("#")[0].strip() for ln in block.group(1).splitlines() if ln.strip()]


def test_readme_opens_with_exactly_two_commands() -> None:
    cmds = _readme_commands()
    assert len(cmds) == 2, cmds
    run, test = cmds
    makefile = (ROOT / "Makefile").read_text()
    for cmd in cmds:
        target = cmd.removeprefix("make ").strip()
        assert re.search(rf"^{target}:", makefile, re.M), f"Makefile lacks target {target!r}"


def test_ci_calls_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert "set -euo pipefail" in ci
    test_cmd = _readme_commands()[1]
    body = [ln.strip() for ln in ci.splitlines() if ln.strip() and not ln.startswith("#")]
    assert test_cmd in body


def test_test_target_runs_ruff_mypy_and_pytest() -> None:
    makefile = (ROOT / "Makefile").read_text()
    test_line = re.search(r"^test:(.*)$", makefile, re.M)
    assert test_line and "lint" in test_line.group(1) and "typecheck" in test_line.group(1)
    assert "ruff check" in makefile and "mypy holonet" in makefile and "pytest" in makefile


def test_citation_is_valid_and_cites_the_sources() -> None:
    beside = Path(sys.executable).parent / "cffconvert"  # the venv running the tests
    exe = str(beside) if beside.exists() else shutil.which("cffconvert")
    if exe is None:
        pytest.fail("cffconvert is part of the test extra")
    out = subprocess.run([exe, "--validate", "-i", str(ROOT / "CITATION.cff")],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    cff = (ROOT / "CITATION.cff").read_text()
    for ident in ("1503.06237", "cond-mat/0512165", "2509.15448", "quimb", "opt_einsum"):
        assert ident in cff


def test_readme_quick_start_runs() -> None:
    text = (ROOT / "README.md").read_text()
    code = re.search(r"## Quick start\s+```python\n(.*?)```", text, re.S)
    assert code, "README needs a Python quick start"
    assert len(code.group(1).strip().splitlines()) <= 10
    exec(compile(code.group(1), "README quick start", "exec"), {})
