"""The zero-rate HaPPY family: counts, structure, isometry, distance, and LEGO_HQEC's code."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from holonet.codes import happy_code
from holonet.verify import isometry


@pytest.mark.parametrize("layers, n, tiles", [(1, 5, 1), (2, 25, 6), (3, 95, 26),
                                              (4, 355, 101), (5, 1325, 381)])
def test_counts(layers, n, tiles):
    code = happy_code(layers, variant="zero-rate")
    sc = code.stabilizer_code
    assert (code.n, code.k, code.n_tiles) == (n, 1, tiles)
    assert (sc.n, sc.k, sc.r) == (n, 1, n - 1)
    assert code.bulk_legs == ["q0"]


def test_structure_and_leg_order():
    code = happy_code(4, variant="zero-rate")
    t = code.tiling
    assert t.layer_sizes == [1, 5, 20, 75]
    kinds = Counter(tile.kind for tile in t.tiles)
    assert kinds == {"pentagon": 1, "hexagon": 100}
    # four tiles at every interior vertex; layers are edge distances (combinatorics exact)
    vid = t.vertex_ids
    valid = np.arange(vid.shape[1])[None, :] < t.n_edges_array[:, None]
    deg = np.bincount(vid[valid])
    on_b = np.zeros(deg.size, bool)
    for tile, e in t.boundary_edges:
        p = t.tiles[tile].n_edges
        on_b[vid[tile, e]] = on_b[vid[tile, (e + 1) % p]] = True
    assert set(deg[~on_b].tolist()) == {4}
    for tile in range(code.n_tiles):
        info = t.tiles[tile]
        legs = code.tile_legs(tile)
        ccw = [_boundary_name(code, tile, e)
               if u is None else (f"b{tile},{e}" if tile < u else f"b{u},{ue}")
               for e, (u, ue) in enumerate(zip(info.neighbors, info.neighbor_edges, strict=True))]
        ups = [e for e, u in enumerate(info.neighbors)
               if u is not None and t.tiles[u].layer < info.layer]
        if tile == 0:
            assert legs == tuple(ccw) + ("q0",) and ups == []
        elif len(ups) == 1:
            # leg q of the perfect state on the parent edge, e0..e4 CCW after it
            e = ups[0]
            assert legs == tuple(ccw[(e + 1 + i) % 6] for i in range(5)) + (ccw[e],)
        else:
            assert len(ups) == 2 and sorted(legs) == sorted(ccw)
    counts = Counter(leg for tile in range(code.n_tiles) for leg in code.tile_legs(tile))
    assert all(counts[leg] == 1 for leg in code.boundary_legs + code.bulk_legs)
    assert sum(c == 2 for c in counts.values()) == t.n_bonds


def _boundary_name(code, tile, edge):
    return f"k{code.tiling.boundary_edges.index((tile, edge))}"


def test_two_layers_is_25_1_9_and_isometry():
    code = happy_code(2, variant="zero-rate")
    assert code.stabilizer_code.distance() == 9
    assert isometry(code).ok


@pytest.mark.parametrize("layers", [3, 4])
def test_isometry_larger(layers):
    rep = isometry(happy_code(layers, variant="zero-rate"))
    assert rep.ok, rep.explain()


@pytest.mark.parametrize("R", [1, 2])
def test_equals_lego_hqec(R):
    """Same stabilizer group and logicals as LEGO_HQEC's setup_zero_rate_happy(R)."""
    pytest.importorskip("LEGO_HQEC",
                        reason="peer package lego-hqec not installed (benchmarks only)")
    from benchmarks._lego import qubit_map, same_code, zero_rate_code, zero_rate_tensors

    code = happy_code(R + 1, variant="zero-rate")
    perm = qubit_map(code, zero_rate_tensors(R))
    assert sorted(perm.tolist()) == list(range(code.n))
    lego = zero_rate_code(R)
    assert same_code(code, lego, perm)
    # a wrong numbering is detected: swap two qubits of different tiles
    bad = perm.copy()
    bad[[0, -1]] = bad[[-1, 0]]
    assert not same_code(code, lego, bad)


@pytest.mark.slow
def test_equals_lego_hqec_R3():
    pytest.importorskip("LEGO_HQEC",
                        reason="peer package lego-hqec not installed (benchmarks only)")
    from benchmarks._lego import qubit_map, same_code, zero_rate_code, zero_rate_tensors

    code = happy_code(4, variant="zero-rate")
    assert same_code(code, zero_rate_code(3), qubit_map(code, zero_rate_tensors(3)))
