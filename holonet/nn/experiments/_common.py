"""Helpers shared by the experiments: seeding, parameter counts, pinned threads."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
from torch import nn

#: torch intra-op threads of every experiment: the models are small, so more threads
#: only add synchronisation (and on a busy machine spin-waiting), and a fixed count
#: keeps the results independent of the machine
THREADS = 1


@contextlib.contextmanager
def torch_threads(n: int = THREADS) -> Iterator[None]:
    """Run with ``n`` torch intra-op threads; the caller's setting is restored."""
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def seed_all(seed: int) -> torch.Generator:
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def n_params(module: nn.Module) -> int:
    return int(sum(p.numel() for p in module.parameters()))
