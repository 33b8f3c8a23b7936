"""LEGO_HQEC (benchmark-only peer): its zero-rate HaPPY codes by operator pushing.

LEGO_HQEC (``pip install lego-hqec gurobipy``) writes ``output.csv`` and a log into
the working directory and prints tile ids while pushing, so it runs in a temporary
directory with stdout captured. Never needed by the tests.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import time
from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np


class LegoCode(NamedTuple):
    """Pauli strings of a LEGO_HQEC code and the seconds its build took."""

    stabilizers: list[str]
    logical_x: list[str]
    logical_z: list[str]
    seconds: float


def zero_rate_code(R: int) -> LegoCode:
    """LEGO_HQEC's zero-rate HaPPY code with ``R`` rings (push + extraction timed)."""
    from LEGO_HQEC.OperatorPush.Presets.HaPPY_code import setup_zero_rate_happy
    from LEGO_HQEC.OperatorPush.PushingToolbox import batch_push
    from LEGO_HQEC.QuDec.InputProcessor import (
        extract_logicals_from_result_dict,
        extract_stabilizers_from_result_dict,
    )

    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                t0 = time.perf_counter()
                res = batch_push(setup_zero_rate_happy(R))
                stabs = extract_stabilizers_from_result_dict(res)
                lz, lx = extract_logicals_from_result_dict(res)
                dt = time.perf_counter() - t0
        finally:
            os.chdir(cwd)
    return LegoCode(list(stabs), list(lx), list(lz), dt)


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Run LEGO_HQEC in a temporary working directory with its prints captured."""
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                yield
        finally:
            os.chdir(cwd)


def zero_rate_tensors(R: int) -> list[Any]:
    """LEGO_HQEC's tensor list of ``setup_zero_rate_happy(R)`` (built quietly)."""
    from LEGO_HQEC.OperatorPush.Presets.HaPPY_code import setup_zero_rate_happy

    with quiet():
        return list(setup_zero_rate_happy(R))


def boundary_order(tensor_list: list[Any]) -> list[tuple[int, int]]:
    """LEGO_HQEC's qubit order: ``(tensor id, leg)`` of each dangling leg, as it reads them.

    Its operator pushing (``read_out_boundary``) and its decoder
    (``collect_boundary_leg_ids``) must agree; this checks that they do.
    """
    import copy

    from LEGO_HQEC.OperatorPush.TensorToolbox import read_out_boundary
    from LEGO_HQEC.QuDec.TN_decoder import collect_boundary_leg_ids

    order = [tuple(x) for x in collect_boundary_leg_ids(tensor_list, 0)]
    marked = copy.deepcopy(tensor_list)
    for t in marked:
        for j, leg in enumerate(t.legs):
            if leg.connection is None and not leg.logical:
                leg.operator = f"<{t.tensor_id},{j}>"
    with quiet():
        read = read_out_boundary(marked)
    pushed = [tuple(int(v) for v in item.split(",")) for item in read.strip("<>").split("><")]
    if pushed != order:
        raise RuntimeError("LEGO_HQEC's pushing and decoder read the boundary in different orders")
    return order  # type: ignore[return-value]


# CCW order of each LEGO tensor's legs (by leg index): the centre and one-parent tensors
# list their legs CCW; a two-parent tensor lists (P2, P1, c1..c4) with P1, P2 swapped.
def _lego_ccw(t: Any) -> list[int]:
    conn = [leg.connection for leg in t.legs if not leg.logical]
    if t.tensor_id != 0 and t.layer is not None:
        ups = [j for j, c in enumerate(conn) if c is not None and c[0] < t.tensor_id
               and j < 2]
        if len(ups) == 2:
            return [1, 0, 2, 3, 4, 5]
    return list(range(len(conn)))


def qubit_map(code: Any, tensor_list: list[Any]) -> np.ndarray:
    """``perm[i]``: holonet qubit of LEGO_HQEC qubit ``i`` (zero-rate codes, same ``R + 1``).

    The two networks are matched tile by tile: the centres with holonet's edge
    ``e`` on LEGO's leg ``e``, then outwards through the bonds, using the CCW leg
    order on both sides; a dangling leg of LEGO tensor ``t`` maps to the boundary
    leg on the matched holonet edge.
    """
    tiling = code.tiling
    lego = {t.tensor_id: t for t in tensor_list}
    boundary = {tuple(te): i for i, te in enumerate(tiling.boundary_edges)}
    match: dict[int, int] = {0: 0}            # holonet tile -> LEGO tensor
    edge_leg: dict[tuple[int, int], int] = {}  # (holonet tile, edge) -> LEGO leg
    queue = [(0, 0, 0)]                        # holonet tile, a matched edge, its LEGO leg
    while queue:
        th, e0, l0 = queue.pop(0)
        tl = lego[match[th]]
        info = tiling.tiles[th]
        ccw = _lego_ccw(tl)
        pos = ccw.index(l0)
        p = info.n_edges
        for i in range(p):
            e = (e0 + i) % p
            leg = ccw[(pos + i) % p]
            if edge_leg.setdefault((th, e), leg) != leg:
                raise RuntimeError(f"inconsistent leg match at tile {th} edge {e}")
            u, ue = info.neighbors[e], info.neighbor_edges[e]
            conn = tl.legs[leg].connection
            if u is None:
                if conn is not None:
                    raise RuntimeError(f"tile {th} edge {e} is boundary but LEGO leg is a bond")
                continue
            if conn is None:
                raise RuntimeError(f"tile {th} edge {e} is a bond but LEGO leg {leg} dangles")
            if u in match:
                if match[u] != conn[0]:
                    raise RuntimeError(f"tile {u} matched twice")
                continue
            match[u] = conn[0]
            queue.append((u, ue, conn[1]))
    if len(match) != len(tensor_list):
        raise RuntimeError("the networks have different sizes")
    inv = {v: k for k, v in match.items()}
    perm = []
    for tid, leg in boundary_order(tensor_list):
        th = inv[tid]
        e = next(e for (t, e), lg in edge_leg.items() if t == th and lg == leg)
        perm.append(boundary[(th, e)])
    return np.asarray(perm, dtype=np.intp)


def same_code(code: Any, lego: LegoCode, perm: np.ndarray) -> bool:
    """Whether holonet's ``code`` and LEGO_HQEC's have equal stabilizer groups and logicals.

    LEGO qubit ``i`` is holonet qubit ``perm[i]``; groups are compared up to signs
    by GF(2) ranks, the logicals up to stabilizers.
    """
    from holonet.stabilizer import gf2, paulis_to_symplectic

    sc = code.stabilizer_code
    n = sc.n

    def to_holonet(strings: list[str]) -> np.ndarray:
        M, _ = paulis_to_symplectic(strings)
        out = np.zeros_like(M)
        out[:, perm] = M[:, :n]
        out[:, n + perm] = M[:, n:]
        return out

    S = sc.stabilizers
    L = to_holonet(lego.stabilizers)
    r = gf2.rank(S)
    if not (gf2.rank(L) == r == gf2.rank(np.vstack([S, L]))):
        return False
    lx, lz = sc.logicals
    for mine, theirs in ((lx[:1], to_holonet(lego.logical_x[:1])),
                         (lz[:1], to_holonet(lego.logical_z[:1]))):
        if gf2.rank(np.vstack([S, mine, theirs])) != r + 1:
            return False
    return True
