"""Helpers shared by the experiments: seeding and parameter counts."""

from __future__ import annotations

import torch
from torch import nn


def seed_all(seed: int) -> torch.Generator:
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def n_params(module: nn.Module) -> int:
    return int(sum(p.numel() for p in module.parameters()))
