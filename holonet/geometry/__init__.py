"""holonet.geometry: hyperbolic tilings as graphs with ordered legs plus Poincaré coordinates.

Public names: :class:`HyperbolicTiling` (regular {p,q} and the pentahexagonal 5.6.5.6
tiling), :class:`Tile`, and the disk-geometry helpers of :mod:`holonet.geometry.poincare`.
"""

from __future__ import annotations

from holonet.geometry.poincare import (
    circumradius,
    hyperbolic_distance,
    mobius_from_origin,
    mobius_to_origin,
    regular_polygon,
    rotate_about,
)
from holonet.geometry.tiling import CONVENTIONS, DEFAULT_MAX_TILES, HyperbolicTiling, Tile

__all__ = [
    "CONVENTIONS",
    "DEFAULT_MAX_TILES",
    "HyperbolicTiling",
    "Tile",
    "circumradius",
    "hyperbolic_distance",
    "mobius_from_origin",
    "mobius_to_origin",
    "regular_polygon",
    "rotate_about",
]
