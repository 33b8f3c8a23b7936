"""A HaPPY code as a networkx graph: tiles, bonds, boundary and bulk legs with attributes."""

from __future__ import annotations

from typing import Any

__all__: list[str] = []


def happy_graph(code: Any) -> Any:
    """Graph of a :class:`~holonet.codes.HaPPYCode`; see :meth:`HaPPYCode.to_networkx`."""
    import networkx as nx

    g = nx.Graph(variant=code.variant, n=code.n, k=code.k, layers=int(code.tiling.layers),
                 convention=code.tiling.convention, symbol=code.tiling.symbol)
    qubit = {leg: i for i, leg in enumerate(code.boundary_legs)}
    logical = {leg: j for j, leg in enumerate(code.bulk_legs)}
    ends: dict[str, list[tuple[int, int]]] = {}
    for t in range(code.n_tiles):
        tile = code.tiling.tiles[t]
        legs = code.tile_legs(t)
        g.add_node(f"TILE{t}", kind="tile", tile=t, layer=int(tile.layer), tile_kind=tile.kind,
                   legs=tuple(legs), tags=frozenset(code.tile_tensor_tags(t)),
                   center=complex(tile.center))
        for pos, leg in enumerate(legs):
            ends.setdefault(leg, []).append((t, pos))
    for leg, where in ends.items():
        if len(where) == 2:
            (t1, p1), (t2, p2) = where
            g.add_edge(f"TILE{t1}", f"TILE{t2}", kind="bond", leg=leg,
                       positions={t1: p1, t2: p2})
            continue
        (t, pos), = where
        if leg in qubit:
            g.add_node(leg, kind="boundary", leg=leg, qubit=qubit[leg], tile=t)
            g.add_edge(f"TILE{t}", leg, kind="boundary", leg=leg, positions={t: pos})
        elif leg in logical:
            g.add_node(leg, kind="bulk", leg=leg, logical=logical[leg], tile=t)
            g.add_edge(f"TILE{t}", leg, kind="bulk", leg=leg, positions={t: pos})
        else:  # pragma: no cover - every open leg is boundary or bulk by construction
            raise ValueError(f"open leg {leg!r} is neither a boundary nor a bulk leg")
    return g
