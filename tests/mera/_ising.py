"""Optimised critical-Ising MERAs shared by the MERA tests (built once per session).

``symmetric_start`` gives initial tensors that respect the Z2 symmetry ``Π Z`` of
``H = -Σ XX - Σ Z`` in a fixed parity basis on every bond: the Evenbly-Vidal
updates keep a symmetric network symmetric (the environments are then
block diagonal and so are their polar factors), so the optimised MERA is Z2
symmetric up to rounding and its isometries can be twisted by the parity.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from holonet.mera.geometry import BRANCHING


def parity(n: int) -> np.ndarray:
    """Parity (+1 / -1) of the basis states of an ``n``-dimensional bond: even ones first."""
    return np.array([1.0] * (n - n // 2) + [-1.0] * (n // 2))


def outer(*vectors: np.ndarray) -> np.ndarray:
    out = np.ones(())
    for v in vectors:
        out = np.multiply.outer(out, v)
    return out


def physical_parity(kind: str) -> np.ndarray:
    """Parity of a MERA site at the bottom: one spin (Z), or a block of two (Z⊗Z)."""
    return np.array([1.0, -1.0, -1.0, 1.0]) if kind == "modified_binary" else np.array(
        [1.0, -1.0])


def symmetric_start(kind: str, chi: int, transitional_layers: int, seed: int
                    ) -> tuple[list[dict[str, np.ndarray]], list[np.ndarray]]:
    """Z2-symmetric initial tensors for ``optimize_ising(initial=...)`` and the bond parities.

    Disentanglers start as the identity and isometries as uniformly random positive
    entries on the parity-allowed blocks (the optimiser's own start, made
    symmetric). ``chimid`` must equal ``chi`` (the mid legs carry the fine parity).
    Returns the layers and the parity vector of every level (0 = the MERA sites).
    """
    rng = np.random.default_rng(seed)
    pf = physical_parity(kind)
    b = BRANCHING[kind]
    layers, levels = [], [pf]
    for _ in range(transitional_layers + 1):
        df = pf.size
        dc = min(chi, df ** b)
        pc = parity(dc)
        legs = (pf, pf, pc) if kind != "ternary" else (pf, pf, pf, pc)
        allowed = outer(*legs) > 0
        t = {"U": np.eye(df * df).reshape(df, df, df, df),
             "W": rng.random(allowed.shape) * allowed}
        if kind == "modified_binary":
            t["V"] = t["W"].transpose(1, 0, 2).copy()
        layers.append(t)
        levels.append(pc)
        pf = pc
    return layers, levels


def symmetry_violation(kind: str, layers: list[dict[str, Any]], levels: list[np.ndarray]
                       ) -> float:
    """Largest entry of any tensor on a block the parities forbid."""
    worst = 0.0
    for t, pf, pc in zip(layers, levels[:-1], levels[1:], strict=True):
        masks = {"U": outer(pf, pf, pf, pf) < 0,
                 "W": outer(*((pf, pf, pc) if kind != "ternary" else (pf, pf, pf, pc))) < 0}
        masks["V"] = masks["W"]
        for role, a in t.items():
            worst = max(worst, float(np.abs(np.asarray(a)[masks[role]]).max(initial=0.0)))
    return worst


def multiset_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Largest distance when each complex number of ``a`` is matched to the nearest
    unmatched one of ``b`` (greedy; the spectra compared here are well separated)."""
    assert len(a) == len(b)
    left = list(b)
    worst = 0.0
    for x in a:
        j = int(np.argmin([abs(x - y) for y in left]))
        worst = max(worst, abs(x - left.pop(j)))
    return worst
