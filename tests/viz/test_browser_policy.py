"""Browser tests fail (not skip) under CI when chromium is missing; skip only locally."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


def test_missing_chromium_fails_in_ci_and_skips_locally(
        browser_policy: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # point the conftest at a chromium that does not exist
    monkeypatch.setitem(browser_policy.__globals__, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.setenv("CI", "1")
    with pytest.raises(pytest.fail.Exception, match="need chromium in CI"):
        browser_policy()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="skipped locally"):
        browser_policy()
