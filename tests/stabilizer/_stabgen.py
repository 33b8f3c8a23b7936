"""Seeded random stabilizer groups (random Clifford circuits on the symplectic picture)."""

from __future__ import annotations

import numpy as np


def random_state_check(n: int, rng: np.random.Generator, depth: int | None = None) -> np.ndarray:
    """``(n, 2n)`` check matrix of a random stabilizer state (unsigned)."""
    H = np.zeros((n, 2 * n), np.uint8)
    H[np.arange(n), n + np.arange(n)] = 1  # Z_i
    for _ in range(depth or 4 * n * n):
        g = rng.integers(3)
        q = int(rng.integers(n))
        if g == 0:  # Hadamard
            H[:, [q, n + q]] = H[:, [n + q, q]]
        elif g == 1:  # phase
            H[:, n + q] ^= H[:, q]
        elif n > 1:  # CNOT q -> t
            t = int(rng.integers(n - 1))
            t += t >= q
            H[:, t] ^= H[:, q]
            H[:, n + q] ^= H[:, n + t]
    return H
