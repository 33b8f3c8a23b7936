"""Helpers shared by the experiments: seeding, parameter matching, GF(2) rank."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


def seed_all(seed: int) -> torch.Generator:
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def n_params(module: nn.Module) -> int:
    return int(sum(p.numel() for p in module.parameters()))


def gf2_rank(m: np.ndarray) -> int:
    """Rank over GF(2) of a small 0/1 matrix (Gaussian elimination)."""
    a = (np.asarray(m) % 2).astype(np.uint8).copy()
    rows, cols = a.shape
    r = 0
    for c in range(cols):
        piv = np.nonzero(a[r:, c])[0]
        if piv.size == 0:
            continue
        p = r + int(piv[0])
        a[[r, p]] = a[[p, r]]
        others = np.nonzero(a[:, c])[0]
        others = others[others != r]
        a[others] ^= a[r]
        r += 1
        if r == rows:
            break
    return r


def recoverable_bits(gen: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """Which message bits are determined by the kept code symbols.

    ``gen``: ``(k, N)`` generator over GF(2) (symbol i = bits . gen[:, i]); bit b is
    recoverable from the kept columns iff the unit vector e_b lies in their span,
    i.e. appending e_b does not raise the rank (the classical cleaning criterion).
    """
    cols = gen[:, kept]
    base = gf2_rank(cols.T) if cols.size else 0
    out = np.zeros(gen.shape[0], dtype=bool)
    for b in range(gen.shape[0]):
        e = np.zeros((1, gen.shape[0]), dtype=np.uint8)
        e[0, b] = 1
        stacked = np.concatenate([cols.T, e], axis=0) if cols.size else e
        out[b] = gf2_rank(stacked) == base
    return out
