"""The skip policy of the test suite: a skip for any undocumented reason fails the run.

A test of holonet's own code never skips. The documented reasons are

* ``"cupy absent or no CUDA device visible"`` (the ``backend`` fixture),
* ``"slow: run with --slow"`` (tests marked ``@pytest.mark.slow``),
* ``"peer package <pip-name> not installed (benchmarks only)"`` (benchmark-only
  peers such as lego-hqec, planqtn, h-transformer-1d), and
* outside CI only (``CI`` unset), ``"browser tests skipped locally: ..."``
  (under CI the browser tests fail instead of skipping when chromium is missing,
  see ``tests/viz/conftest.py``).

Every other skip -- an ``importorskip`` of a package the ``test`` extra installs,
a skipped doctest, a hand-written ``pytest.skip`` -- is listed at the end of the
run and turns the exit status into 1. The check runs in the controlling process,
so it sees the reports of every pytest-xdist worker (``-n 2``) as well as those
of a plain serial run; expected failures (``xfail``) are not skips.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

#: Skip reasons allowed everywhere (exact match).
ALLOWED_REASONS: tuple[str, ...] = (
    "cupy absent or no CUDA device visible",
    "slow: run with --slow",
)
#: Skip reasons allowed everywhere (prefix match).
ALLOWED_PREFIXES: tuple[str, ...] = ("peer package ",)
#: Skip reasons allowed only outside CI (prefix match).
LOCAL_ONLY_PREFIXES: tuple[str, ...] = ("browser tests skipped locally: ",)

PLUGIN_NAME = "holonet-skip-policy"


def skip_reason(report: Any) -> str:
    """The reason text of a skipped test or collection report (``Skipped: `` stripped)."""
    longrepr = report.longrepr
    if isinstance(longrepr, tuple | list) and len(longrepr) == 3:
        text = str(longrepr[2])
    else:
        text = str(longrepr)
    return text.removeprefix("Skipped: ")


def is_allowed(reason: str, *, ci: bool) -> bool:
    """Whether a skip ``reason`` is one of the documented ones.

    Examples
    --------
    >>> is_allowed("slow: run with --slow", ci=True)
    True
    >>> is_allowed("peer package lego-hqec not installed (benchmarks only)", ci=True)
    True
    >>> is_allowed("could not import 'stim': No module named 'stim'", ci=False)
    False
    >>> is_allowed("browser tests skipped locally: no chromium", ci=True)
    False
    """
    if reason in ALLOWED_REASONS or reason.startswith(ALLOWED_PREFIXES):
        return True
    return not ci and reason.startswith(LOCAL_ONLY_PREFIXES)


class SkipPolicy:
    """Collects unexpected skips and fails the session when there are any."""

    def __init__(self) -> None:
        self.ci = bool(os.environ.get("CI"))
        self.offending: dict[str, str] = {}

    def _record(self, report: Any) -> None:
        if not report.skipped or hasattr(report, "wasxfail"):
            return
        reason = skip_reason(report)
        if not is_allowed(reason, ci=self.ci):
            self.offending.setdefault(report.nodeid or str(report.fspath), reason)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self._record(report)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        self._record(report)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self.offending and exitstatus in (pytest.ExitCode.OK,
                                             pytest.ExitCode.NO_TESTS_COLLECTED):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.offending:
            return
        tr = terminalreporter
        tr.section("unexpected skips", sep="=", red=True, bold=True)
        tr.line(f"{len(self.offending)} test(s) skipped for a reason outside the skip policy "
                "(tests/_skip_policy.py); the run fails:", red=True)
        for nodeid, reason in sorted(self.offending.items()):
            tr.line(f"SKIPPED-UNEXPECTEDLY {nodeid}: {reason}")
        allowed = ", ".join(repr(r) for r in ALLOWED_REASONS)
        tr.line(f"allowed reasons: {allowed}, 'peer package <pip-name> not installed "
                "(benchmarks only)'" + ("" if self.ci else
                                         ", and locally 'browser tests skipped locally: ...'"))


def register(config: pytest.Config) -> None:
    """Install the policy in the controlling process (not in pytest-xdist workers)."""
    if hasattr(config, "workerinput"):
        return
    if config.pluginmanager.get_plugin(PLUGIN_NAME) is None:
        config.pluginmanager.register(SkipPolicy(), PLUGIN_NAME)
