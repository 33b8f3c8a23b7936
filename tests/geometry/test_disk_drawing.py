"""Tests for holonet.viz.disk (the Poincaré-disk drawing helpers used by the figures)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from holonet.geometry import HyperbolicTiling, hyperbolic_distance
from holonet.viz.disk import (
    draw_bulk,
    draw_edges,
    draw_legs,
    draw_tiling,
    edge_midpoint,
    geodesic,
    tile_outline,
)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_geodesic_points_are_equally_spaced_on_the_geodesic():
    a, b = 0.3 + 0.4j, -0.5 + 0.1j
    pts = geodesic(a, b, n=9)
    d = hyperbolic_distance(pts[:-1], pts[1:])
    assert np.ptp(d) < 1e-12
    assert d.sum() == pytest.approx(float(hyperbolic_distance(a, b)))
    # the arc is orthogonal to the rim: it lies on a circle |z - c| = rho with
    # |c|^2 = 1 + rho^2; fit the circle through three points
    z1, z2, z3 = pts[0], pts[4], pts[8]
    w = (z3 - z1) / (z2 - z1)
    c = (z2 - z1) * (w - abs(w) ** 2) / (2j * w.imag) + z1
    rho = abs(z1 - c)
    assert abs(c) ** 2 == pytest.approx(1 + rho ** 2)


def test_edge_midpoint_is_equidistant():
    t = HyperbolicTiling(5, 4, 2)
    v = t.tiles[3].vertices
    m = edge_midpoint(t, 3, 2)
    assert float(hyperbolic_distance(m, v[2])) == pytest.approx(
        float(hyperbolic_distance(m, v[3])))


def test_draw_tiling_one_polygon_per_tile_and_highlights():
    t = HyperbolicTiling(5, 4, 3)
    ax = draw_tiling(t, highlight=[0, 1, 2], highlight_edges=t.boundary_edges[:4])
    polys = ax.collections[0]
    assert len(polys.get_paths()) == t.n_tiles
    assert len(ax.collections[1].get_paths()) == 3
    assert len(ax.collections[2].get_segments()) == 4
    # outlines close up and stay inside the disk
    out = tile_outline(t, 40)
    assert np.all(np.abs(out) < 1)


def test_draw_tiling_color_options():
    t = HyperbolicTiling.pentahexagonal(3)
    ax = draw_tiling(t, color_by="kind")
    faces = ax.collections[0].get_facecolors()
    kinds = t.kinds()
    assert len({tuple(f) for f, k in zip(faces, kinds, strict=True) if k == "pentagon"}) == 1
    assert tuple(faces[0]) != tuple(faces[1])
    draw_tiling(t, color_by=list(range(t.n_tiles)))
    draw_tiling(t, color_by={0: "red"})
    draw_tiling(t, color_by=None)
    with pytest.raises(ValueError, match="unknown color_by 'depth'"):
        draw_tiling(t, color_by="depth")
    with pytest.raises(ValueError, match="one per tile"):
        draw_tiling(t, color_by=[1, 2])
    with pytest.raises(ValueError, match="refusing to draw"):
        draw_tiling(t, max_tiles=3)


def test_draw_legs_bulk_and_edges():
    t = HyperbolicTiling(5, 4, 2)
    ax = draw_legs(t, colors=["red"] * 10 + ["blue"] * 15)
    assert len(ax.collections[0].get_segments()) == t.n_boundary
    draw_bulk(t, tiles=[0, 1], ax=ax)
    draw_edges(t, [b[0] for b in t.bonds[:3]], ax=ax)
    assert ax.get_aspect() == 1.0
    with pytest.raises(ValueError, match="one per leg"):
        draw_legs(t, colors=["red", "blue"])
