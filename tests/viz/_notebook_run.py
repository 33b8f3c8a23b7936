"""Executed notebooks shared by the notebook and docs tests: each notebook runs once per
test run.

The directory lives in pytest's base temporary directory of this run; under
pytest-xdist its parent, which all workers of the run share. Execution and
reuse go through :func:`holonet._docs.execute_notebook`, whose file lock makes
a second worker wait for the first instead of executing again.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from holonet._docs import execute_notebook


def shared_dir(factory: pytest.TempPathFactory) -> Path:
    """The run's directory of executed notebooks (shared between xdist workers)."""
    base = factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    return base / "executed-notebooks"


def executed(path: Path, factory: pytest.TempPathFactory) -> Path:
    """The executed copy of notebook ``path`` (quick mode, real kernel, no MPLBACKEND)."""
    return execute_notebook(path, shared_dir(factory), quick=True, timeout=600)
