"""The skip policy fails a run on an undocumented skip, serially and under pytest-xdist.

Each case runs a small throw-away test suite in a subprocess whose conftest
installs :mod:`tests._skip_policy` exactly as ``tests/conftest.py`` does.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests._skip_policy import is_allowed

REPO = Path(__file__).resolve().parents[1]

CONFTEST = """
from tests import _skip_policy


def pytest_configure(config):
    _skip_policy.register(config)
"""

ALLOWED = """
import pytest

def test_passes():
    assert 1 + 1 == 2

@pytest.mark.skip(reason="slow: run with --slow")
def test_slow():
    pass

def test_cupy():
    pytest.skip("cupy absent or no CUDA device visible")

def test_peer():
    pytest.importorskip("no_such_peer_module_xyz",
                        reason="peer package no-such-peer not installed (benchmarks only)")

@pytest.mark.xfail(reason="known", strict=True)
def test_xfail():
    raise AssertionError
"""

UNEXPECTED = """
import pytest

def test_passes():
    assert True

def test_needs_stim():
    pytest.importorskip("no_such_module_xyz")

@pytest.mark.skipif(True, reason="not built yet")
def test_not_built():
    pass
"""

MODULE_LEVEL = """
import pytest

pytest.skip("holonet.something missing", allow_module_level=True)

def test_never_runs():
    pass
"""

BROWSER = """
import pytest

def test_browser():
    pytest.skip("browser tests skipped locally: /usr/bin/chromium is missing")
"""


def _run(tmp_path: Path, files: dict[str, str], *args: str, ci: bool = False
         ) -> subprocess.CompletedProcess[str]:
    (tmp_path / "conftest.py").write_text(CONFTEST)
    for name, body in files.items():
        (tmp_path / name).write_text(textwrap.dedent(body))
    env = {k: v for k, v in os.environ.items()
           if k not in ("CI", "PYTEST_ADDOPTS", "PYTEST_XDIST_WORKER")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # start fast; xdist is loaded explicitly
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--rootdir",
         str(tmp_path), "-c", os.devnull, *args, str(tmp_path)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def test_allowed_skips_pass(tmp_path: Path) -> None:
    res = _run(tmp_path, {"test_ok.py": ALLOWED})
    assert res.returncode == 0, res.stdout + res.stderr
    assert "3 skipped" in res.stdout and "1 xfailed" in res.stdout
    assert "unexpected skips" not in res.stdout


@pytest.mark.parametrize("xdist", [False, True], ids=["serial", "xdist-n2"])
def test_unexpected_skip_fails_the_run_and_is_named(tmp_path: Path, xdist: bool) -> None:
    args = ("-p", "xdist", "-n", "2") if xdist else ()
    res = _run(tmp_path, {"test_bad.py": UNEXPECTED, "test_ok.py": ALLOWED}, *args)
    assert res.returncode == 1, res.stdout + res.stderr
    out = res.stdout
    assert "unexpected skips" in out
    assert "SKIPPED-UNEXPECTEDLY test_bad.py::test_needs_stim: could not import " \
           "'no_such_module_xyz'" in out
    assert "SKIPPED-UNEXPECTEDLY test_bad.py::test_not_built: not built yet" in out
    # the allowed skips of the same run are not listed
    assert "test_ok.py::" not in out.split("unexpected skips", 1)[1]


def test_module_level_skip_is_caught(tmp_path: Path) -> None:
    res = _run(tmp_path, {"test_mod.py": MODULE_LEVEL, "test_ok.py": ALLOWED})
    assert res.returncode == 1, res.stdout + res.stderr
    assert "holonet.something missing" in res.stdout


def test_local_browser_skip_allowed_only_outside_ci(tmp_path: Path) -> None:
    local = _run(tmp_path, {"test_browser.py": BROWSER})
    assert local.returncode == 0, local.stdout + local.stderr
    ci = _run(tmp_path, {"test_browser.py": BROWSER}, ci=True)
    assert ci.returncode == 1, ci.stdout + ci.stderr
    assert "SKIPPED-UNEXPECTEDLY test_browser.py::test_browser" in ci.stdout


def test_a_failing_run_keeps_its_own_status(tmp_path: Path) -> None:
    res = _run(tmp_path, {"test_bad.py": UNEXPECTED + "\n\ndef test_fails():\n    assert 0\n"})
    assert res.returncode == 1
    assert "unexpected skips" in res.stdout and "1 failed" in res.stdout


def test_reason_rules() -> None:
    assert is_allowed("peer package planqtn not installed (benchmarks only)", ci=True)
    assert not is_allowed("peer package", ci=False)  # the prefix needs its trailing space
    assert not is_allowed("slow", ci=False)
    assert not is_allowed("all tests skipped by +SKIP option", ci=False)
