"""Tests for holonet.geometry.tiling: literature counts, hypertiling cross-checks, invariants."""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import hypertiling as ht
import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from holonet.geometry import HyperbolicTiling, Tile
from holonet.geometry.tiling import _predict_sizes

# ---------------------------------------------------------------------------------------
# literature values (HaPPY arXiv:1503.06237; hypertiling's SRS / GRC kernels)


def test_54_vertex_layer_sizes_and_boundary():
    sizes, bnd, cum = [], [], []
    for layers in range(1, 6):
        t = HyperbolicTiling(5, 4, layers)
        sizes.append(t.layer_sizes[-1])
        bnd.append(t.n_boundary)
        cum.append(t.n_tiles)
        # derived from the tiling itself, not from stored counters
        assert Counter(tile.layer for tile in t.tiles)[layers] == t.layer_sizes[-1]
        assert sum(n is None for tile in t.tiles for n in tile.neighbors) == t.n_boundary
        assert len(t.tiles) == t.n_tiles == len(list(t.tiles)) == sum(t.layer_sizes)
    assert sizes == [1, 10, 40, 150, 560]
    assert bnd == [5, 25, 95, 355, 1325]
    assert cum == [1, 11, 51, 201, 761]


def test_54_vertex_eight_layers():
    t = HyperbolicTiling(5, 4, 8)
    assert t.n_tiles == 39_761
    assert int(np.bincount(t.layer_index).sum()) == 39_761
    assert len(t.boundary_edges) == t.n_boundary == int((t.neighbor_array[:, :5] < 0).sum())


def test_54_edge_convention_cumulative():
    cum = [HyperbolicTiling(5, 4, n, convention="edge").n_tiles for n in range(1, 6)]
    assert cum == [1, 6, 21, 61, 166]


def test_happy_25_11_code_counts():
    # the 2-layer pentagon code is [[25, 11]]
    t = HyperbolicTiling(5, 4, 2)
    assert (t.n_boundary, t.n_tiles) == (25, 11)


@pytest.mark.parametrize("p,q,conv,layers", [
    (5, 4, "vertex", 9), (7, 3, "vertex", 11), (5, 4, "edge", 12), (3, 7, "edge", 14),
    (4, 6, "vertex", 7),
])
def test_predicted_sizes_match_built(p, q, conv, layers):
    # the size-limit prediction (recurrence extrapolated from small layers) is exact
    predicted, exact = _predict_sizes(q, [p] * layers, conv, p, None)
    assert exact
    assert predicted == HyperbolicTiling(p, q, layers, convention=conv).layer_sizes


def test_vertex_closed_form_matches_combinatorics_for_all_small_pq():
    from holonet.geometry import _build
    from holonet.geometry.tiling import _vertex_sizes

    for p in range(3, 13):
        for q in range(3, 13):
            if (p - 2) * (q - 2) <= 4:
                continue
            built = _build.build(q, [p] * 10, "vertex", p, coords=False, stop_at=50_000).sizes
            assert built == _vertex_sizes(p, q, len(built)), (p, q)


def test_prediction_without_closed_form_edge_and_pentahex():
    # 5.6.5.6 at 10 layers (29,000+ tiles) is past the 20,000-tile counting pass,
    # so these sizes come from the Berlekamp-Massey recurrence
    predicted, exact = _predict_sizes(4, [5, 6] * 5, "edge", 6, None)
    assert exact
    assert predicted == HyperbolicTiling.pentahexagonal(10).layer_sizes
    predicted, exact = _predict_sizes(12, [12] * 9, "edge", 12, None)
    # 6 layers hold 193,261 tiles: layer 6 is extrapolated, then checked by building
    assert exact and predicted[:6] == HyperbolicTiling(12, 12, 6, "edge").layer_sizes


def test_size_limit_states_predicted_count():
    with pytest.raises(ValueError, match=r"2,851 tiles, above max_tiles=1,000"):
        HyperbolicTiling(5, 4, 6, max_tiles=1000)
    with pytest.raises(ValueError, match=r"would have [0-9,]+ tiles"):
        HyperbolicTiling(5, 4, 40)


def test_growth_rate_vertex_54():
    # layer sizes obey n_{L+1} = 4 n_L - n_{L-1}: growth rate 2 + sqrt(3)
    s = HyperbolicTiling(5, 4, 8).layer_sizes
    assert all(s[i + 1] == 4 * s[i] - s[i - 1] for i in range(2, len(s) - 1))
    assert s[-1] / s[-2] == pytest.approx(2 + math.sqrt(3), rel=1e-3)


# ---------------------------------------------------------------------------------------
# cross-check against hypertiling, tile for tile



def _ht_centres(p, q, n, kernel):
    t = ht.HyperbolicTiling(p, q, n, kernel=kernel)
    if kernel == "GRC":
        return np.array([poly[0] for poly in t])
    return np.array([t.get_center(i) for i in range(len(t))])


def _ht_layers(p, q, layers, kernel):
    """hypertiling centres and the layer (smallest n containing each tile)."""
    from scipy.spatial import cKDTree

    full = _ht_centres(p, q, layers, kernel)
    layer = np.full(full.size, layers)
    tree = cKDTree(np.c_[full.real, full.imag])
    for n in range(layers - 1, 0, -1):
        c = _ht_centres(p, q, n, kernel)
        d, idx = tree.query(np.c_[c.real, c.imag])
        assert d.max() < 1e-9
        layer[idx] = n
    return full, layer


def _match_up_to_rotation(ours, theirs):
    """Index map ours -> theirs after the rotation aligning them (max error < 1e-9)."""
    from scipy.spatial import cKDTree

    tree = cKDTree(np.c_[theirs.real, theirs.imag])
    ref = ours[1]
    cands = theirs[np.abs(np.abs(theirs) - abs(ref)) < 1e-9]
    for h in cands:
        rot = h / ref
        z = ours * rot
        d, idx = tree.query(np.c_[z.real, z.imag])
        if d.max() < 1e-9 and np.unique(idx).size == ours.size:
            return idx
    raise AssertionError("no rotation maps holonet's centres onto hypertiling's")


@pytest.mark.parametrize("p,q,conv,kernel,layers", [
    (5, 4, "vertex", "SRS", 5), (7, 3, "vertex", "SRS", 5), (4, 5, "vertex", "SRS", 4),
    (3, 7, "vertex", "SRS", 4), (6, 4, "vertex", "DUN07", 4),
    (5, 4, "edge", "GRC", 6), (7, 3, "edge", "GRC", 6), (4, 6, "edge", "GRC", 5),
    (3, 8, "edge", "GRC", 7), (8, 3, "edge", "GRC", 4),
])
def test_matches_hypertiling_tile_for_tile(p, q, conv, kernel, layers):
    ours = HyperbolicTiling(p, q, layers, convention=conv)
    theirs, their_layer = _ht_layers(p, q, layers, kernel)
    assert theirs.size == ours.n_tiles
    idx = _match_up_to_rotation(ours.centers, theirs)
    np.testing.assert_array_equal(their_layer[idx], ours.layer_index)


@pytest.mark.parametrize("kernel,conv", [("DUN07", "vertex"), ("GR", "edge")])
def test_layer_counts_match_other_hypertiling_kernels(kernel, conv):
    # (the deprecated GR kernel's per-tile centres repeat, so only its counts are
    # compared; DUN07 does not support q = 3)
    for p, q in ((5, 4), (4, 5), (6, 4)):
        ours = [HyperbolicTiling(p, q, n, convention=conv).n_tiles for n in range(1, 5)]
        assert ours == [len(ht.HyperbolicTiling(p, q, n, kernel=kernel)) for n in range(1, 5)]


def test_adjacency_matches_hypertiling_grc():
    ours = HyperbolicTiling(5, 4, 5, convention="edge")
    t = ht.HyperbolicTiling(5, 4, 5, kernel="GRC", nbrs=True)
    theirs = np.array([poly[0] for poly in t])
    idx = _match_up_to_rotation(ours.centers, theirs)
    nbrs = t.get_nbrs_list()
    for i in range(ours.n_tiles):
        mine = {int(idx[j]) for j in ours.tiles[i].neighbors if j is not None}
        assert mine == {int(j) for j in nbrs[idx[i]]}


# ---------------------------------------------------------------------------------------
# invariants on every generated tiling

TILINGS = [
    ("{5,4} vertex", lambda: HyperbolicTiling(5, 4, 4)),
    ("{5,4} edge", lambda: HyperbolicTiling(5, 4, 6, convention="edge")),
    ("{7,3} vertex", lambda: HyperbolicTiling(7, 3, 6)),
    ("{7,3} edge", lambda: HyperbolicTiling(7, 3, 6, convention="edge")),
    ("{3,7} vertex", lambda: HyperbolicTiling(3, 7, 4)),
    ("{3,7} edge", lambda: HyperbolicTiling(3, 7, 9, convention="edge")),
    ("{4,5} vertex", lambda: HyperbolicTiling(4, 5, 4)),
    ("{4,5} edge", lambda: HyperbolicTiling(4, 5, 6, convention="edge")),
    ("{6,4} vertex", lambda: HyperbolicTiling(6, 4, 3)),
    ("{8,3} edge", lambda: HyperbolicTiling(8, 3, 5, convention="edge")),
    ("{5,4} single", lambda: HyperbolicTiling(5, 4, 1)),
    ("5.6.5.6", lambda: HyperbolicTiling.pentahexagonal(6)),
]


@pytest.fixture(scope="module", params=TILINGS, ids=[name for name, _ in TILINGS])
def tiling(request):
    return request.param[1]()


def _vertex_groups(t, digits=8):
    """Geometric vertex identification: key -> list of (tile, corner)."""
    groups = defaultdict(list)
    for tile in t.tiles:
        for k, z in enumerate(tile.vertices):
            groups[(round(z.real, digits), round(z.imag, digits))].append((tile.index, k))
    return groups


def test_verify_passes(tiling):
    tiling.verify()
    # the combinatorial vertices agree with the geometric ones
    assert tiling.n_vertices == len(_vertex_groups(tiling))


def test_verify_names_the_broken_tile():
    from holonet._errors import VerificationError

    t = HyperbolicTiling(5, 4, 3)
    t.neighbor_edge_array[0, 2] = 3
    with pytest.raises(VerificationError, match="bond not reciprocal: tile 0 edge 2"):
        t.verify()
    t = HyperbolicTiling(5, 4, 3)
    t.centers[7] += 1e-3
    with pytest.raises(VerificationError, match=r"corner positions differ by [0-9.]+e-03 > tol"):
        t.verify()
    t = HyperbolicTiling(5, 4, 3, convention="edge")
    t.layer_index[3] = 3
    with pytest.raises(VerificationError, match="tile 3 is in layer 3 but at edge-distance 1"):
        t.verify()


def test_bonds_are_symmetric_with_matching_edges(tiling):
    nb, ne = tiling.neighbor_array, tiling.neighbor_edge_array
    for tile in tiling.tiles:
        assert len(tile.neighbors) == len(tile.neighbor_edges) == tile.n_edges
        for e, (n, f) in enumerate(zip(tile.neighbors, tile.neighbor_edges, strict=True)):
            assert (n is None) == (f is None)
            if n is not None:
                assert n != tile.index
                assert (nb[n, f], ne[n, f]) == (tile.index, e)
    pairs = {(a, b) for a, b in tiling.bonds}
    assert len(pairs) == tiling.n_bonds
    assert all(a[0] < b[0] for a, b in tiling.bonds)
    p_sum = int(tiling.n_edges_array.sum())
    assert 2 * tiling.n_bonds + tiling.n_boundary == p_sum


def test_shared_edges_geometrically(tiling):
    # each geometric edge (by midpoint) belongs to one or two tiles; shared ones are bonds
    owners = defaultdict(list)
    for tile in tiling.tiles:
        v = tile.vertices
        for e in range(tile.n_edges):
            m = v[e] + v[(e + 1) % tile.n_edges]
            owners[(round(m.real, 8), round(m.imag, 8))].append((tile.index, e))
    assert max(len(o) for o in owners.values()) <= 2
    shared = {tuple(sorted(o)) for o in owners.values() if len(o) == 2}
    assert shared == set(tiling.bonds)
    # the matched edges are the same segment, with opposite orientation
    for (t1, e1), (t2, e2) in tiling.bonds:
        v1, v2 = tiling.tiles[t1].vertices, tiling.tiles[t2].vertices
        n1, n2 = len(v1), len(v2)
        assert abs(v1[e1] - v2[(e2 + 1) % n2]) < 1e-9
        assert abs(v1[(e1 + 1) % n1] - v2[e2]) < 1e-9


def test_interior_vertices_and_euler(tiling):
    groups = _vertex_groups(tiling)
    on_boundary = set()
    for t, e in tiling.boundary_edges:
        v = tiling.tiles[t].vertices
        for z in (v[e], v[(e + 1) % len(v)]):
            on_boundary.add((round(z.real, 8), round(z.imag, 8)))
    for key, members in groups.items():
        tiles = [t for t, _ in members]
        assert len(set(tiles)) == len(tiles)
        if key not in on_boundary:
            assert len(members) == tiling.q
        else:
            assert len(members) < tiling.q
    # the patch is a disk: V - E + F = 1
    n_edges = tiling.n_bonds + tiling.n_boundary
    assert len(groups) - n_edges + tiling.n_tiles == 1


def test_regular_polygon_geometry(tiling):
    # every tile is a regular polygon: equal hyperbolic sides, vertices equidistant
    # from the centre, orientation counter-clockwise
    from holonet.geometry import hyperbolic_distance

    sides: dict[int, list[float]] = defaultdict(list)
    for tile in tiling.tiles:
        v = tile.vertices
        r = hyperbolic_distance(tile.center, v)
        assert np.ptp(r) < 1e-7
        sides[tile.n_edges].extend(hyperbolic_distance(v, np.roll(v, -1)))
        area2 = np.sum((v.real * np.roll(v.imag, -1)) - (np.roll(v.real, -1) * v.imag))
        assert area2 > 0
    allsides = np.concatenate([np.asarray(s) for s in sides.values()])
    assert np.ptp(allsides) < 1e-7


def test_layers_are_graph_distances(tiling):
    g = tiling.to_networkx()
    if tiling.convention == "edge":
        dist = nx.single_source_shortest_path_length(g, 0)
    else:
        h = nx.Graph()
        h.add_nodes_from(range(tiling.n_tiles))
        for members in _vertex_groups(tiling).values():
            ts = [t for t, _ in members]
            h.add_edges_from((a, b) for i, a in enumerate(ts) for b in ts[i + 1:])
        dist = nx.single_source_shortest_path_length(h, 0)
    assert all(dist[i] == tiling.tiles[i].layer - 1 for i in range(tiling.n_tiles))
    assert tiling.layer_sizes == [int(x) for x in np.bincount(tiling.layer_index)[1:]]


def test_boundary_is_contiguous_ccw(tiling):
    be = tiling.boundary_edges
    assert len(be) == tiling.n_boundary
    assert len(set(be)) == len(be)
    starts, ends, mids = [], [], []
    for t, e in be:
        v = tiling.tiles[t].vertices
        a, b = v[e], v[(e + 1) % len(v)]
        starts.append(a)
        ends.append(b)
        mids.append((a + b) / 2)
        assert tiling.tiles[t].neighbors[e] is None
    # consecutive boundary edges share a vertex (end of one = start of the next)
    assert np.abs(np.array(ends) - np.roll(np.array(starts), -1)).max() < 1e-9
    # the midpoints wind once counter-clockwise around the centre, in order
    ang = np.angle(np.array(mids))
    steps = np.mod(np.diff(np.append(ang, ang[0])), 2 * np.pi)
    assert np.all(steps < np.pi)
    assert np.sum(steps) == pytest.approx(2 * np.pi)


def test_networkx_graph(tiling):
    g = tiling.to_networkx()
    assert g.number_of_nodes() == tiling.n_tiles
    assert g.number_of_edges() == tiling.n_bonds
    for (t1, e1), (t2, e2) in tiling.bonds[:50]:
        assert g.edges[t1, t2]["edges"] == {t1: e1, t2: e2}
    assert g.nodes[0]["layer"] == 1


# ---------------------------------------------------------------------------------------
# the pentahexagonal tiling


def test_pentahexagonal_structure():
    t = HyperbolicTiling.pentahexagonal(6)
    assert t.tiles[0].kind == "pentagon"
    dist = nx.single_source_shortest_path_length(t.to_networkx(), 0)
    for tile in t.tiles:
        expected = "pentagon" if dist[tile.index] % 2 == 0 else "hexagon"
        assert tile.kind == expected
        assert tile.n_edges == (5 if expected == "pentagon" else 6)
    # two pentagons and two hexagons, alternating, around every interior vertex
    groups = _vertex_groups(t)
    boundary = set()
    for tt, e in t.boundary_edges:
        v = t.tiles[tt].vertices
        boundary |= {(round(z.real, 8), round(z.imag, 8)) for z in (v[e], v[(e + 1) % len(v)])}
    n_interior = 0
    for key, members in groups.items():
        if key in boundary:
            continue
        n_interior += 1
        z = complex(*key)
        kinds = sorted(((np.angle(t.tiles[m].center - z), t.tiles[m].kind) for m, _ in members))
        seq = [k for _, k in kinds]
        assert Counter(seq) == {"pentagon": 2, "hexagon": 2}
        assert all(seq[i] != seq[(i + 1) % 4] for i in range(4))
    assert n_interior > 100


def test_pentahexagonal_rate_limits():
    # HaPPY Sec. 5.6: the rate k/n tends to (3 sqrt 6 + 4)/38 when the last layer is
    # pentagons (one bulk leg per pentagon) and (3 sqrt 6 - 4)/38 for hexagons
    odd = HyperbolicTiling.pentahexagonal(11)
    even = HyperbolicTiling.pentahexagonal(10)
    for t, target in ((odd, (3 * math.sqrt(6) + 4) / 38), (even, (3 * math.sqrt(6) - 4) / 38)):
        k = sum(1 for n in t.n_edges_array if n == 5)
        assert k / t.n_boundary == pytest.approx(target, rel=0.02)


# ---------------------------------------------------------------------------------------
# tile views and bad input


def test_tile_views_are_lazy_and_typed():
    t = HyperbolicTiling(5, 4, 3)
    tile = t.tiles[-1]
    assert isinstance(tile, Tile) and tile.index == t.n_tiles - 1
    assert isinstance(tile.center, complex)
    assert tile.vertices.dtype == np.complex128 and tile.vertices.shape == (5,)
    assert all(isinstance(n, int) or n is None for n in tile.neighbors)
    assert [x.index for x in t.tiles[2:5]] == [2, 3, 4]
    with pytest.raises(IndexError, match="out of range"):
        t.tiles[t.n_tiles]
    assert "n_tiles=51" in repr(t)
    assert t.tiles[0].neighbors == (1, 3, 5, 7, 9)


@settings(max_examples=40, deadline=None)
@given(p=st.integers(3, 12), q=st.integers(3, 12))
def test_non_hyperbolic_pq_rejected(p, q):
    if (p - 2) * (q - 2) > 4:
        assert HyperbolicTiling(p, q, 1).n_tiles == 1
    else:
        with pytest.raises(ValueError, match=rf"\{{{p},{q}\}} is a (Euclidean|spherical)"):
            HyperbolicTiling(p, q, 2)


@settings(max_examples=30, deadline=None)
@given(p=st.integers(-5, 2))
def test_small_p_rejected(p):
    with pytest.raises(ValueError, match=rf"p must be >= 3; got {p}"):
        HyperbolicTiling(p, 4, 2)


@settings(max_examples=30, deadline=None)
@given(layers=st.integers(-100, 0))
def test_bad_layers_rejected(layers):
    with pytest.raises(ValueError, match=rf"layers must be >= 1; got {layers}"):
        HyperbolicTiling(5, 4, layers)
    with pytest.raises(ValueError, match=rf"layers must be >= 1; got {layers}"):
        HyperbolicTiling.pentahexagonal(layers)


@settings(max_examples=30, deadline=None)
@given(conv=st.text(max_size=8).filter(lambda s: s not in ("vertex", "edge")))
def test_bad_convention_rejected(conv):
    with pytest.raises(ValueError, match="unknown layer convention .*'vertex', 'edge'"):
        HyperbolicTiling(5, 4, 2, convention=conv)


def test_non_integer_rejected():
    with pytest.raises(TypeError, match="layers must be an integer"):
        HyperbolicTiling(5, 4, 2.5)  # type: ignore[arg-type]


@pytest.mark.parametrize("p,q", [(5, 4), (4, 5), (6, 4), (7, 3), (3, 7), (8, 3), (4, 6)])
def test_vertex_recurrence_closed_form(p, q):
    # theory/tilings.md: n_{L+1} = T n_L - n_{L-1} with T = (p-2)(q-2) - 2 (det M = 1)
    s = HyperbolicTiling(p, q, 6).layer_sizes
    big_t = (p - 2) * (q - 2) - 2
    assert all(s[i + 1] == big_t * s[i] - s[i - 1] for i in range(2, len(s) - 1))
    assert s[1] == p * (q - 2)  # q - 1 missing tiles at each centre vertex, p shared


def test_boundary_per_tile_tends_to_sqrt3():
    t = HyperbolicTiling(5, 4, 9)
    assert t.n_boundary / t.n_tiles == pytest.approx(math.sqrt(3), rel=1e-3)


def test_pentahexagonal_two_layer_recurrence():
    s = HyperbolicTiling.pentahexagonal(9).layer_sizes
    assert s[:5] == [1, 5, 20, 55, 200]
    assert all(s[i + 2] == 10 * s[i] - s[i - 2] for i in range(3, len(s) - 2))


def test_repr_html_draws_the_tiling():
    html = HyperbolicTiling(5, 4, 3)._repr_html_()
    assert "<svg" in html and "51" in html
