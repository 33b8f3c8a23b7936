"""HaPPY codes: literature counts, both views agree, exact isometry, stim, interop."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
import stim

from holonet.codes import VARIANTS, HaPPYCode, code_513, happy_code
from holonet.contract import contract
from holonet.stabilizer import commutation_matrix, gf2, symplectic_to_paulis

PAULI = {
    "I": np.eye(2), "X": np.array([[0, 1], [1, 0]]), "Z": np.diag([1, -1]),
    "Y": np.array([[0, -1j], [1j, 0]]),
}


@pytest.mark.parametrize("layers, n, k", [(1, 5, 1), (2, 25, 11), (3, 95, 51), (4, 355, 201),
                                          (5, 1325, 761)])
def test_pentagon_vertex_counts(layers, n, k):
    code = happy_code(layers)
    sc = code.stabilizer_code
    assert (code.n, code.k, sc.n, sc.k, sc.r) == (n, k, n, k, n - k)


def test_one_layer_is_513():
    sc = happy_code(1).stabilizer_code
    assert (sc.n, sc.k, sc.distance()) == (5, 1, 3)
    ref = code_513().stabilizers
    assert gf2.rank(np.vstack([ref, sc.stabilizers])) == 4
    sc.verify()


def test_concatenated_513_is_25_1_9():
    sc = happy_code(2, convention="edge", variant="single").stabilizer_code
    assert (sc.n, sc.k) == (25, 1)
    assert sc.distance() == 9


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("layers", [1, 2, 3])
def test_verify_and_scales(variant, layers):
    code = happy_code(layers, variant=variant)
    sc = code.stabilizer_code
    sc.verify()
    assert sc.n == code.n == len(code.boundary_legs) and sc.k == code.k == len(code.bulk_legs)
    # the per-tile isometry scaling already gives the exact global norm (correction 0)
    a = np.array([code.tile_inputs(t) for t in range(code.n_tiles)])
    assert code.choi_state.log2_norm2 + a.sum() == code.k
    assert np.allclose(code.tensor_scales(), np.sqrt(2.0**a))


def test_leg_bookkeeping():
    code = happy_code(3)
    counts = Counter(leg for t in range(code.n_tiles) for leg in code.tile_legs(t))
    assert all(counts[leg] == 1 for leg in code.boundary_legs + code.bulk_legs)
    bonds = [leg for leg, c in counts.items() if leg.startswith("b")]
    assert all(counts[b] == 2 for b in bonds) and len(bonds) == len(code.tiling.bonds)
    assert set(counts) == set(bonds) | set(code.boundary_legs) | set(code.bulk_legs)
    assert code.tile_tensor_tags(11) == {"PERFECT", "TILE11", "LAYER3", "PENTAGON", "BULK"}
    single = happy_code(2, variant="single")
    assert single.n == 25 + 10 and single.bulk_legs == ["q0"]
    assert "BULK" not in single.tile_tensor_tags(1)


def test_pentagon_hexagon_rate_alternates_towards_limits():
    hi, lo = (3 * math.sqrt(6) + 4) / 38, (3 * math.sqrt(6) - 4) / 38
    rates = {}
    for layers in range(1, 7):
        code = happy_code(layers, variant="pentagon-hexagon")
        kinds = Counter(t.kind for t in code.tiling.tiles)
        # k = number of pentagons (one bulk leg each), n = dangling edge legs
        assert code.k == kinds["pentagon"]
        if layers <= 4:
            assert code.stabilizer_code.k == code.k
        rates[layers] = code.k / code.n
        last = {t.kind for t in code.tiling.tiles if t.layer == layers}
        assert last == ({"pentagon"} if layers % 2 else {"hexagon"})
    # pentagon-terminated (odd) rates approach (3√6+4)/38, hexagon-terminated ones (3√6−4)/38
    err_hi = [abs(rates[L] - hi) for L in (1, 3, 5)]
    err_lo = [abs(rates[L] - lo) for L in (2, 4, 6)]
    assert err_hi == sorted(err_hi, reverse=True) and err_hi[-1] < 0.01 * hi
    assert err_lo == sorted(err_lo, reverse=True) and err_lo[-1] < 0.01
    assert all(rates[L] > rates[L + 1] for L in (1, 3, 5))


def test_pentagon_hexagon_counts_recurrence():
    """Tiling counts to 9 layers: n_{L+2} = 10 n_L - n_{L-2}; rates reach the closed forms."""
    from holonet.geometry import HyperbolicTiling

    n, k = {}, {}
    for layers in range(1, 10):
        t = HyperbolicTiling.pentahexagonal(layers)
        n[layers] = t.n_boundary
        k[layers] = sum(1 for tile in t.tiles if tile.kind == "pentagon")
    assert [n[L] for L in range(1, 10)] == [5, 25, 75, 255, 745, 2525, 7375, 24995, 73005]
    for L in range(3, 8):
        assert n[L + 2] == 10 * n[L] - n[L - 2]
    lam = 5 + 2 * math.sqrt(6)
    hi = lam / (lam - 1) / ((5 + math.sqrt(6)) / 2)
    assert hi == pytest.approx((3 * math.sqrt(6) + 4) / 38, rel=1e-12)
    assert k[9] / n[9] == pytest.approx(hi, rel=1e-3)
    assert k[8] / n[8] == pytest.approx((3 * math.sqrt(6) - 4) / 38, rel=1e-2)


def test_hexagon_state_is_pure():
    code = happy_code(3, variant="hexagon-state")
    sc = code.stabilizer_code
    assert sc.k == 0 and code.bulk_legs == [] and sc.n == code.tiling.n_boundary


# ----------------------------------------------------------------------------- TN view
def _double_tiles(code, boundary_ops, bulk_ops, open_bulk=False):
    """Per tile: ket ⊗ bra with the operators on its boundary/bulk legs already applied.

    What remains are bond legs (ket ``b``, bra ``b'``) — a network of bond
    dimension 4 with one tensor per tile — and, with ``open_bulk``, the bulk
    legs ``q`` (ket) and ``q'`` (bra).
    """
    tn = code.to_tensor_network()
    out = []
    for t in range(code.n_tiles):
        (T,) = tn.select_tensors(f"TILE{t}", which="all")
        legs = T.inds
        ket = np.asarray(T.data, complex)
        traced, keep = [], []
        for i, leg in enumerate(legs):
            if leg in code.boundary_legs:
                op = boundary_ops.get(leg, np.eye(2))
            elif leg in code.bulk_legs and not open_bulk:
                op = np.asarray(bulk_ops.get(leg, np.eye(2))).conj()  # K^† between ket and bra
            else:
                keep.append(i)
                continue
            traced.append(i)
            ket = np.moveaxis(np.tensordot(np.asarray(op, complex), ket, axes=(1, i)), 0, i)
        data = np.tensordot(ket, np.asarray(T.data).conj(), axes=(traced, traced))
        names = tuple(legs[i] for i in keep) + tuple(legs[i] + "'" for i in keep)
        out.append((data, names))
    return out


def _expect_value(code, boundary_ops, bulk_ops):
    """tr(V† B V K^†) by contracting ket, operators and bra (never a 2^n matrix)."""
    return complex(contract(_double_tiles(code, boundary_ops, bulk_ops), output=()))


def _pauli_tensors(code, row, sign):
    legs = code.boundary_legs
    n = len(legs)
    ops = {}
    for i, leg in enumerate(legs):
        letter = "IXZY"[row[i] + 2 * row[n + i]]
        if letter != "I":
            ops[leg] = PAULI[letter].astype(complex)
    if sign:
        first = next(iter(ops))
        ops[first] = -ops[first]
    return ops


CODES_12 = [(1, "vertex", "pentagon"), (2, "vertex", "pentagon"), (2, "edge", "single"),
            (2, "vertex", "pentagon-hexagon"), (2, "vertex", "hexagon-state")]


@pytest.mark.parametrize("layers, conv, variant", CODES_12)
def test_isometry_exact(layers, conv, variant):
    code = happy_code(layers, conv, variant)
    tn = code.to_tensor_network()
    if code.k == 0:
        norm = complex((tn.conj() | tn).contract(all, optimize="auto-hq"))
        assert abs(norm - 1) < 1e-12
        return
    out = [q for q in code.bulk_legs] + [q + "'" for q in code.bulk_legs]
    M = contract(_double_tiles(code, {}, {}, open_bulk=True), output=out)
    M = np.asarray(M).reshape(2**code.k, 2**code.k).T  # rows: bra index (V†), cols: ket
    assert np.abs(M - np.eye(2**code.k)).max() < 1e-12


@pytest.mark.parametrize("layers, conv, variant", CODES_12)
def test_views_agree(layers, conv, variant):
    """Every signed stabilizer fixes V; every signed logical acts as the bulk Pauli."""
    code = happy_code(layers, conv, variant)
    sc = code.stabilizer_code
    dim = 2**code.k
    for row, s in zip(sc.stabilizers, sc.stabilizer_signs, strict=True):
        val = _expect_value(code, _pauli_tensors(code, row, s), {})
        assert abs(val - dim) < 1e-9 * dim
    lx, lz = sc.logicals
    sx, sz = sc.logical_signs
    for j, q in enumerate(code.bulk_legs):
        for L, sg, P in ((lx, sx, "X"), (lz, sz, "Z")):
            val = _expect_value(code, _pauli_tensors(code, L[j], sg[j]), {q: PAULI[P]})
            assert abs(val - dim) < 1e-9 * dim, (q, P)
    # a wrong sign is detected (the check can fail)
    if sc.r:
        val = _expect_value(code, _pauli_tensors(code, sc.stabilizers[0],
                                                 1 - sc.stabilizer_signs[0]), {})
        assert abs(val + dim) < 1e-9 * dim


def test_single_layer_dense_encoder():
    code = happy_code(1)
    V = code.to_tensor_network().to_dense(code.boundary_legs, code.bulk_legs)
    sc = code.stabilizer_code
    from holonet.stabilizer.dense import pauli_operator

    for row, s in zip(sc.stabilizers, sc.stabilizer_signs, strict=True):
        assert np.allclose(pauli_operator(row, int(s)) @ V, V, atol=1e-12)
    (lx,), (lz,) = sc.logicals
    (sx,), (sz,) = sc.logical_signs
    assert np.allclose(pauli_operator(lx, int(sx)) @ V, V @ PAULI["X"], atol=1e-12)
    assert np.allclose(pauli_operator(lz, int(sz)) @ V, V @ PAULI["Z"], atol=1e-12)


def test_tags_in_network():
    tn = happy_code(2).to_tensor_network()
    assert len(tn.select_tensors("LAYER2")) == 10 and len(tn.select_tensors("PERFECT")) == 11
    assert tn.select_tensors("TILE3")[0].inds == happy_code(2).tile_legs(3)


# ----------------------------------------------------------------------------- stim
STIM_CASES = [(v, L) for v in VARIANTS for L in (2, 3)] + [
    ("pentagon", 4), ("pentagon-hexagon", 4),
    # n = 555 and 1434: stim's from_stabilizers alone takes 10 s and minutes here
    pytest.param("single", 4, marks=pytest.mark.slow),
    pytest.param("hexagon-state", 4, marks=pytest.mark.slow)]


@pytest.mark.parametrize("variant, layers", STIM_CASES)
def test_stim_cross_checks(variant, layers):
    code = happy_code(layers, variant=variant)
    sc = code.stabilizer_code
    stabs = [stim.PauliString(p) for p in sc.stabilizer_strings()]
    lx, lz = (list(map(stim.PauliString, s)) for s in sc.logical_strings())
    # stim's own validation: commuting, independent, complete
    tz = stim.Tableau.from_stabilizers(stabs + lz)
    tx = stim.Tableau.from_stabilizers(stabs + lx)
    assert len(tz) == len(tx) == sc.n
    assert all(not a.commutes(b) for a, b in zip(lx, lz, strict=True))
    if layers <= 3:
        assert all(a.commutes(b) for a in stabs for b in stabs[:20] + lx[:5] + lz[:5])
    assert code.to_stim().to_stabilizers() == tz.to_stabilizers()
    circ = code.to_stim("circuit")
    assert isinstance(circ, stim.Circuit)


def test_stim_signs_match_tn_for_two_layers():
    code = happy_code(2)
    sc = code.stabilizer_code
    # symplectic products from holonet equal stim's commutation relations
    lx, lz = sc.logicals
    C = commutation_matrix(np.vstack([sc.stabilizers, lx, lz]))
    names = symplectic_to_paulis(np.vstack([sc.stabilizers, lx, lz]))
    ps = [stim.PauliString(p) for p in names]
    for i in range(0, len(ps), 3):
        for j in range(len(ps)):
            assert C[i, j] == (not ps[i].commutes(ps[j]))


# ----------------------------------------------------------------------------- interop
def test_google_tensornetwork_interop():
    import tensornetwork as tnet

    # 1 layer: contract the Google nodes to the dense encoder and compare with quimb
    small = happy_code(1)
    nodes1 = small.to_tensornetwork()
    edges1 = [next(e for e in tnet.get_all_dangling(nodes1) if e.name == leg)
              for leg in small.boundary_legs + small.bulk_legs]
    out = tnet.contractors.greedy(nodes1, output_edge_order=edges1).tensor
    V = small.to_tensor_network().to_dense(small.boundary_legs, small.bulk_legs)
    assert np.allclose(np.asarray(out).reshape(V.shape), V, atol=1e-13)
    # 2 layers (concatenated [[5,1,3]]): structure, then V†V = 1 contracted by tensornetwork
    code = happy_code(2, convention="edge", variant="single")
    ket = code.to_tensornetwork()
    bra = code.to_tensornetwork()
    assert len(ket) == code.n_tiles and {n.name for n in ket} == {
        f"TILE{t}" for t in range(code.n_tiles)}
    dangling = {e.name: e for e in tnet.get_all_dangling(ket)}
    assert set(dangling) == set(code.boundary_legs + code.bulk_legs)
    for node in bra:
        node.tensor = np.conj(node.tensor)
    bra_dangling = {e.name: e for e in tnet.get_all_dangling(bra)}
    for leg in code.boundary_legs:
        tnet.connect(dangling[leg], bra_dangling[leg])
    q = code.bulk_legs[0]
    res = tnet.contractors.greedy(ket + bra, output_edge_order=[dangling[q], bra_dangling[q]])
    assert np.allclose(np.asarray(res.tensor), np.eye(2), atol=1e-12)


# ----------------------------------------------------------------------------- bad input
def test_bad_input():
    with pytest.raises(ValueError, match="unknown HaPPY variant 'hexagon'"):
        happy_code(2, variant="hexagon")
    with pytest.raises(ValueError, match="layers must be >= 1"):
        happy_code(0)
    with pytest.raises(ValueError, match="unknown layer convention"):
        happy_code(2, convention="vertx")
    with pytest.raises(TypeError):
        happy_code(2.5)
    with pytest.raises(ValueError, match="tile must be <= 10"):
        happy_code(2).tile_legs(11)
    from holonet.geometry import HyperbolicTiling

    with pytest.raises(ValueError, match="needs tiles of kind"):
        HaPPYCode.from_tiling(HyperbolicTiling(6, 4, 2), "pentagon")


def test_repr_html():
    code = happy_code(2)
    html = code._repr_html_()
    assert "[[25, 11" in html
    assert "[[5, 1, 3]]" in code_513()._repr_html_()
    assert repr(code).startswith("HaPPYCode(variant='pentagon', layers=2")
