"""Geometry and leg order of the zero-rate HaPPY code of the decoding literature.

LEGO_HQEC's ``setup_zero_rate_happy(R)`` (the code of Fan et al.,
arXiv:2408.06232) is a network of six-leg perfect tensors in which only the
central tensor keeps its logical leg; every other tensor uses all six legs as
edges. Four tensors meet at every vertex, so the graph is the {6,4} tiling with
the central hexagon replaced by a pentagon, grown by *edge* adjacency: layer
sizes 1, 5, 20, 75, 280 and ``n = 5, 25, 95, 355, 1325`` dangling legs (the
same ``n`` as the vertex-layered {5,4} pentagon code, by the same recurrence
``n_{L+1} = 4 n_L - n_{L-1}``). ``layers = R + 1``.

Leg order of each tensor (which leg of the six-qubit perfect state sits on which
edge) follows LEGO_HQEC, so that the two codes are *equal* (same stabilizer group)
up to the numbering of the physical qubits:

- centre: its five edges in counter-clockwise (CCW) order carry the [[5,1,3]]
  qubits ``e0..e4``, the bulk leg is ``q``;
- a tile with one neighbour in the previous layer (its *parent*): the parent edge
  carries the leg ``q`` of the perfect state and the five other edges, CCW from the
  parent, carry ``e0..e4``;
- a tile with two neighbours ``P1, P2`` in the previous layer (``P2`` following
  ``P1`` CCW) and children ``c1..c4`` (CCW after ``P2``): LEGO_HQEC orders its legs
  ``(P2, P1, c1, c2, c3, c4)`` and places there a state that equals the perfect
  state with its legs permuted; :data:`TWO_PARENT_AXES` gives, for each leg of
  the perfect state ``(e0..e4, q)``, its position in that LEGO order.

No regular-polygon realisation of this tiling exists (a right-angled regular
pentagon and hexagon have different side lengths), so the disk coordinates are
schematic: the pentagon's angle is chosen so that its sides equal the hexagons'
and each tile is placed across the edge it grew from; the combinatorics (and
hence the code) are exact.
"""

from __future__ import annotations

from typing import Any

from holonet.geometry import HyperbolicTiling
from holonet.geometry.tiling import DEFAULT_MAX_TILES

#: For the tiles with two parents: position, in LEGO_HQEC's leg order
#: ``(P2, P1, c1, c2, c3, c4)``, of the perfect state's legs ``e0, e1, e2, e3, e4, q``.
TWO_PARENT_AXES: tuple[int, ...] = (0, 1, 4, 2, 3, 5)


def zero_rate_tiling(layers: int, max_tiles: int = DEFAULT_MAX_TILES) -> HyperbolicTiling:
    """The pentagon-centred {6,4} patch with ``layers`` edge layers (see module docstring)."""
    return HyperbolicTiling.with_center(6, 4, layers, center=5, convention="edge",
                                        max_tiles=max_tiles)


def zero_rate_legs(tiling: Any, tile: int, ccw_legs: tuple[str, ...]) -> tuple[str, ...]:
    """Leg names of ``tile`` in the axis order of the perfect state ``(e0..e4, q)``.

    ``ccw_legs`` are the tile's legs in CCW edge order (then the bulk leg for the
    centre).
    """
    info = tiling.tiles[tile]
    if info.kind == "pentagon":
        return ccw_legs
    layer = info.layer
    up = [e for e, u in enumerate(info.neighbors)
          if u is not None and tiling.tiles[u].layer < layer]
    p = len(ccw_legs)
    if len(up) == 1:
        e = up[0]
        return tuple(ccw_legs[(e + 1 + i) % p] for i in range(p - 1)) + (ccw_legs[e],)
    if len(up) == 2:
        a, b = up
        # P1 -> P2 consecutive CCW: P2 is the edge right after P1
        p1, p2 = (a, b) if (a + 1) % p == b else (b, a)
        lego = (ccw_legs[p2], ccw_legs[p1]) + tuple(ccw_legs[(p2 + 1 + i) % p] for i in range(4))
        return tuple(lego[TWO_PARENT_AXES[j]] for j in range(p))
    raise ValueError(f"zero-rate tile {tile} has {len(up)} neighbours in the previous layer; "
                     "expected 1 or 2")
