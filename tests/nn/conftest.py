"""Shared settings for the holonet.nn tests: seeded torch, few threads."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True)
def _seed_torch() -> None:
    torch.manual_seed(1234)
    torch.set_num_threads(1)
