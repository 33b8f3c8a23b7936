"""HaPPYCode.to_networkx: counts and attributes against the code and its tiling."""

from __future__ import annotations

import networkx as nx
import pytest

from holonet.codes import VARIANTS, happy_code


@pytest.mark.parametrize("variant", VARIANTS)
def test_graph_matches_code(variant):
    code = happy_code(2, variant=variant)
    g = code.to_networkx()
    by_kind: dict[str, list[str]] = {}
    for node, data in g.nodes(data=True):
        by_kind.setdefault(data["kind"], []).append(node)
    assert len(by_kind["tile"]) == code.n_tiles
    assert len(by_kind["boundary"]) == code.n
    assert len(by_kind.get("bulk", [])) == code.k
    edges = [d["kind"] for *_, d in g.edges(data=True)]
    assert edges.count("bond") == code.tiling.n_bonds
    assert edges.count("boundary") == code.n and edges.count("bulk") == code.k
    assert nx.is_connected(g)
    for t in range(code.n_tiles):
        data = g.nodes[f"TILE{t}"]
        assert data["legs"] == code.tile_legs(t)
        assert g.degree(f"TILE{t}") == len(code.tile_legs(t))
        assert data["layer"] == code.tiling.tiles[t].layer
        assert data["tile_kind"] == code.tiling.tiles[t].kind
        for nb in g.neighbors(f"TILE{t}"):
            e = g.edges[f"TILE{t}", nb]
            assert code.tile_legs(t)[e["positions"][t]] == e["leg"]
    for i, leg in enumerate(code.boundary_legs):
        assert g.nodes[leg]["qubit"] == i
        assert leg in code.tile_legs(g.nodes[leg]["tile"])
    for j, leg in enumerate(code.bulk_legs):
        assert g.nodes[leg]["logical"] == j
    # the tile-tile part is the tiling's adjacency graph
    tiles = g.subgraph(by_kind["tile"])
    expect = {tuple(sorted((f"TILE{a}", f"TILE{b}"))) for a, b in code.tiling.to_networkx().edges}
    assert {tuple(sorted(e)) for e in tiles.edges} == expect
