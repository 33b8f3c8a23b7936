"""A hypothesis strategy for random attention trees, shared by the HSA tests."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st


def random_parents(rng: np.random.Generator, n: int, depth: int, max_window: int,
                   shuffle: bool) -> list[int]:
    """A parent array over ``n`` leaves: up to ``depth`` levels of random windows.

    Consecutive nodes are grouped into windows of 1..``max_window``; a lone node skips the
    level half of the time (no unary nodes: that subtree is shallower). With ``shuffle``
    the leaves are grouped in a random order half of the time, so some nodes hold
    non-contiguous leaves.
    """
    parents: list[int] = [-1] * n
    level = list(rng.permutation(n)) if shuffle and rng.random() < 0.5 else list(range(n))
    nxt = n
    for _ in range(depth):
        if len(level) == 1:
            break
        new, pos = [], 0
        while pos < len(level):
            w = int(rng.integers(1, max_window + 1))
            group = level[pos:pos + w]
            pos += w
            if len(group) == 1 and rng.random() < 0.5:
                new.append(group[0])
                continue
            for u in group:
                parents[u] = nxt
            parents.append(-1)
            new.append(nxt)
            nxt += 1
        level = new
    if len(level) > 1:
        for u in level:
            parents[u] = nxt
        parents.append(-1)
    return parents


@st.composite
def parent_arrays(draw, max_leaves: int, depth: int | None = None, max_window: int = 5,
                  shuffle: bool = False) -> tuple[list[int], int]:
    """``(parents, seed)``: a random tree from :func:`random_parents` and the seed that made it."""
    n = draw(st.integers(1, max_leaves))
    d = draw(st.integers(1, 5)) if depth is None else depth
    seed = draw(st.integers(0, 2**32 - 1))
    return random_parents(np.random.default_rng(seed), n, d, max_window, shuffle), seed
