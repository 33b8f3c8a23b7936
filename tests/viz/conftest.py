"""Fixtures for the viz tests: a headless Debian chromium driven by Selenium.

The browser tests never download anything: the driver is Debian's
``/usr/bin/chromedriver`` (so selenium-manager is never consulted) and chromium
runs with networking features off and a fresh profile. When chromium is missing
they fail under CI (``CI`` set; the test command installs it) and skip only
locally.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROME_ARGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
    "--disable-dev-shm-usage", "--window-size=1200,800", "--force-device-scale-factor=1",
)


def _browser_missing() -> str | None:
    for exe in (Path(CHROMIUM), Path(CHROMEDRIVER)):
        if not (exe.exists() and os.access(exe, os.X_OK)):
            return f"{exe} is missing (apt-get install -y chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed"
    return None


def require_browser() -> None:
    """Fail under CI (``CI`` set) and skip locally when chromium/chromedriver is missing."""
    missing = _browser_missing()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests need chromium in CI: {missing}")
        pytest.skip(f"browser tests skipped locally: {missing}")


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    """A headless chromium WebDriver, shared by the tests of one module."""
    require_browser()
    from selenium import webdriver

    profile = tempfile.mkdtemp(prefix="holonet-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for arg in (*CHROME_ARGS, f"--user-data-dir={profile}"):
        opts.add_argument(arg)
    service = webdriver.ChromeService(executable_path=str(CHROMEDRIVER))
    drv = webdriver.Chrome(service=service, options=opts)
    drv.set_page_load_timeout(30)
    try:
        yield drv
    finally:
        drv.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="session")
def toy_record() -> Any:
    """A deterministic record: 1 core token, rings of 4 and 8, a boundary of 16; 2 layers x
    2 heads of random softmax attention, plus a tie in one row to pin the tie-break."""
    from holonet.attention.record import AttentionRecord

    rng = np.random.default_rng(7)
    ring = np.array([0] + [1] * 4 + [2] * 8 + [3] * 16)
    tokens = (["core"] + [f"topic{i}" for i in range(4)] + [f"part{i}" for i in range(8)]
              + [f"w{i}" for i in range(16)])
    rec = AttentionRecord(tokens=tokens, ring=ring, meta={"model": "toy"})
    n = ring.size
    for layer in range(2):
        for head in range(2):
            s = 2.0 * rng.normal(size=(n, n))
            a = np.exp(s - s.max(axis=1, keepdims=True))
            a /= a.sum(axis=1, keepdims=True)
            rec.add(layer, head, a)
        rec.activity[layer] = rng.random(4)
    # an exact tie in row 5 of layer 1, head 0: ties break to the lower index
    a = rec.maps[(1, 0)].copy()
    a[5] = 0.0
    a[5, [3, 9, 20, 21]] = 0.25
    rec.maps[(1, 0)] = a
    return rec


@pytest.fixture
def browser_policy() -> Any:
    """:func:`require_browser`, for the test of the CI policy itself."""
    return require_browser
