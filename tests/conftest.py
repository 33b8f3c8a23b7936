"""Shared fixtures: the array ``backend`` parametrisation, ``--slow``, regression data.

Also installs the skip policy (:mod:`tests._skip_policy`): a test skipped for a reason
other than the documented ones (no CUDA device, ``--slow``, a missing benchmark-only
peer package) fails the run.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from holonet.backend import BACKENDS, is_available
from tests import _skip_policy

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

DATA = Path(__file__).parent / "data"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--slow", action="store_true", default=False,
                     help="also run the long tests marked 'slow' (full-size experiments)")


def pytest_configure(config: pytest.Config) -> None:
    _skip_policy.register(config)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--slow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(params=list(BACKENDS))
def backend(request: pytest.FixtureRequest) -> str:
    """Every array backend holonet supports; skipped only where it is not installed.

    cupy is skipped when it is absent or no CUDA device is visible; torch is a
    hard requirement of the test environment (installed by the test command).
    """
    name = request.param
    if not is_available(name):
        if name == "cupy":
            pytest.skip("cupy absent or no CUDA device visible")
        pytest.fail(f"array backend {name!r} is missing from the test environment")
    return name


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator, so every test is deterministic."""
    return np.random.default_rng(20261123)


@pytest.fixture
def regression_data():
    """Load ``tests/data/<name>.json`` (JSON only: never pickles)."""

    def load(name: str):
        return json.loads((DATA / f"{name}.json").read_text())

    return load
