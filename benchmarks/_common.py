"""Shared helpers for benchmark modules: timing, rows, machine facts.

A benchmark module ``benchmarks/bench_<topic>.py`` defines
``run(quick: bool) -> list[Row]``. Each row compares holonet with a named peer
measured in the same process, in the same run.
"""

from __future__ import annotations

import contextlib
import gc
import os
import platform
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Row:
    """One line of the benchmark table."""

    what: str
    holonet_s: float | None
    peer: str
    peer_s: float | None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    target: str = ""

    @property
    def ratio(self) -> float | None:
        """peer time / holonet time (> 1 means holonet is faster)."""
        if self.holonet_s and self.peer_s:
            return self.peer_s / self.holonet_s
        return None


def best_time(fn: Callable[[], Any], repeat: int = 3, number: int = 1) -> float:
    """Best wall time in seconds of ``number`` calls of ``fn``, over ``repeat`` trials."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best


@contextlib.contextmanager
def pinned_threads(threads: int = 1) -> Iterator[None]:
    """torch intra-op and BLAS threads pinned to ``threads``; the caller's settings restored.

    torch is imported only if it is installed (numpy-only benchmarks pin BLAS alone).
    """
    from threadpoolctl import threadpool_limits

    try:
        import torch
    except ImportError:  # pragma: no cover - the nn extra is absent
        torch = None
    before = torch.get_num_threads() if torch is not None else None
    if torch is not None:
        torch.set_num_threads(threads)
    try:
        with threadpool_limits(limits=threads):
            yield
    finally:
        if torch is not None and before is not None:
            torch.set_num_threads(before)


def machine_facts() -> str:
    """One line describing the machine (for the table footer)."""
    import numpy as np

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (f"{cpu}; {os.cpu_count()} cores; Python {platform.python_version()}; "
            f"numpy {np.__version__}")


def fmt_time(t: float | None) -> str:
    if t is None:
        return "n/a"
    if t < 1e-3:
        return f"{t * 1e6:.1f} µs"
    if t < 1:
        return f"{t * 1e3:.1f} ms"
    return f"{t:.2f} s"
