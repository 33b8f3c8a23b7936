"""Holographic ring attention: the wedge of a boundary region predicts which bulk tokens
survive masking the rest of the boundary (checked with stim on random code states)."""

from __future__ import annotations

import numpy as np
import pytest
import stim

from holonet import codes, verify
from holonet.attention import (
    holographic_attention,
    holographic_matrix,
    holographic_pattern,
    holographic_record,
    holographic_tokens,
    pauli_product,
    ring_routing,
    wedge_decoder,
)
from holonet.backend import asarray, to_numpy


def _ps(p: np.ndarray, s: int) -> stim.PauliString:
    n = p.size // 2
    out = stim.PauliString.from_numpy(xs=p[:n].astype(bool), zs=p[n:].astype(bool))
    return -out if s else out


@pytest.fixture(scope="module", params=[2, 3])
def code(request):
    return codes.happy_code(request.param)


def _random_code_state(code, rng):
    """A random logical stabilizer state encoded: each logical qubit an eigenstate of a
    random logical Pauli (X, Y or Z) with a random sign. Returns (simulator, bloch)."""
    sc = code.stabilizer_code
    lx, lz = sc.logicals
    sx, sz = sc.logical_signs
    gens = [_ps(s, int(b)) for s, b in zip(sc.stabilizers, sc.stabilizer_signs)]
    bloch = np.zeros((sc.k, 3))
    for j in range(sc.k):
        xj, zj = _ps(lx[j], int(sx[j])), _ps(lz[j], int(sz[j]))
        axis, sign = int(rng.integers(3)), int(rng.choice([-1, 1]))
        op = [xj, 1j * xj * zj, zj][axis]
        gens.append(op if sign == 1 else -op)
        bloch[j, axis] = sign
    tab = stim.Tableau.from_stabilizers(gens)
    sim = stim.TableauSimulator()
    sim.set_inverse_tableau(tab.inverse())
    return sim, bloch


def _full_output(code, sim):
    sc = code.stabilizer_code
    lx, lz = sc.logicals
    sx, sz = sc.logical_signs
    out = np.zeros((sc.k, 3))
    for j in range(sc.k):
        xj, zj = _ps(lx[j], int(sx[j])), _ps(lz[j], int(sz[j]))
        out[j] = [sim.peek_observable_expectation(p) for p in (xj, 1j * xj * zj, zj)]
    return out


def _decoded_from_region(dec, sim, j):
    """The core output of bulk token j computed from A alone (A-supported operators)."""
    xa, za = _ps(dec.logical_x[j], int(dec.signs_x[j])), _ps(dec.logical_z[j],
                                                            int(dec.signs_z[j]))
    return np.array([sim.peek_observable_expectation(p) for p in (xa, 1j * xa * za, za)])


def _intervals(n, rng, count):
    out = []
    for length in np.linspace(1, n - 1, count).astype(int):
        out.append([(int(rng.integers(n)) + i) % n for i in range(int(length))])
    return out


def _subgroup_on(sim, region, n):
    """Generators (stim PauliStrings with signs) of the state's stabilizers inside region."""
    from holonet.stabilizer import gf2

    gens = sim.current_inverse_tableau().inverse().to_stabilizers()
    mat = np.array([np.concatenate(g.to_numpy()) for g in gens], dtype=np.uint8)
    comp = np.setdiff1d(np.arange(n), region)
    cols = np.concatenate([comp, comp + n])
    null = gf2.nullspace(mat[:, cols].T) if comp.size else np.eye(n, dtype=np.uint8)
    out = []
    for c in null:
        p = stim.PauliString(n)
        for t in np.flatnonzero(c):
            p = p * gens[t]
        out.append(p)
    return out


def test_wedge_decoder_matches_complementary_recovery(code, rng):
    n = code.n
    for region in _intervals(n, rng, 12):
        dec = wedge_decoder(code, region)
        rep = verify.complementary_recovery(code, region)
        assert dec.wedge == rep.exact_wedge, region
        inside = np.zeros(n, bool)
        inside[region] = True
        for j in np.flatnonzero(dec.reconstructable):
            assert inside[dec.support(j)].all()


def test_core_output_from_region_equals_full_boundary_output(code, rng):
    """For j in the exact wedge of A: decoded from A == full boundary, on random code states.
    For j in the wedge of the complement: rho_A carries no information about j (two code
    states that differ only in logical j have identical A-subgroups), so no decoder from A
    can reproduce the full output, which does differ between them."""
    n, k = code.n, code.k
    states = [_random_code_state(code, rng) for _ in range(4)]
    fulls = [_full_output(code, sim) for sim, _ in states]
    for (_sim, bloch), full in zip(states, fulls):
        np.testing.assert_array_equal(full, bloch)  # the encoding is right
    seen_outside = seen_inside = 0
    for region in _intervals(n, rng, 8):
        dec = wedge_decoder(code, region)
        rep = verify.complementary_recovery(code, region)
        for j in range(k):
            if code.bulk_legs[j] in rep.exact_wedge:
                for (sim, _), full in zip(states, fulls):
                    np.testing.assert_array_equal(_decoded_from_region(dec, sim, j), full[j])
                seen_inside += 1
        outside = [j for j in range(k) if code.bulk_legs[j] in rep.complement_exact_wedge]
        for j in outside[:2]:
            assert not dec.reconstructable[j]
            # two code states differing only in logical j: same rho_A, different outputs
            sim1, b1 = _random_code_state(code, rng)
            sim2, _ = _flip_logical(code, b1, j)
            assert not np.array_equal(_full_output(code, sim1)[j], _full_output(code, sim2)[j])
            for g in _subgroup_on(sim1, region, n):
                assert sim2.peek_observable_expectation(g) == 1
            for g in _subgroup_on(sim2, region, n):
                assert sim1.peek_observable_expectation(g) == 1
            seen_outside += 1
    assert seen_outside > 0 and seen_inside > 0


def _flip_logical(code, bloch, j):
    """The code state with the given Bloch vectors, logical j's sign flipped."""
    sc = code.stabilizer_code
    lx, lz = sc.logicals
    sx, sz = sc.logical_signs
    gens = [_ps(s, int(b)) for s, b in zip(sc.stabilizers, sc.stabilizer_signs)]
    new = bloch.copy()
    new[j] = -new[j]
    for t in range(sc.k):
        xj, zj = _ps(lx[t], int(sx[t])), _ps(lz[t], int(sz[t]))
        axis = int(np.flatnonzero(new[t])[0])
        op = [xj, 1j * xj * zj, zj][axis]
        gens.append(op if new[t, axis] > 0 else -op)
    sim = stim.TableauSimulator()
    sim.set_inverse_tableau(stim.Tableau.from_stabilizers(gens).inverse())
    return sim, new


def test_pattern_routes_follow_the_wedge(code, rng):
    n = code.n
    labels, ring = holographic_tokens(code)
    assert len(labels) == n + code.k and ring.max() == code.tiling.layers
    region = list(range(n // 2 + 2))
    pat = holographic_pattern(code, region)
    dec = wedge_decoder(code, region)
    masked = np.setdiff1d(np.arange(n), region)
    assert not pat[:, masked].any()                       # masked legs are never keys
    for j in range(code.k):
        routes = np.flatnonzero(pat[n + j, :n])
        if dec.reconstructable[j]:
            assert set(dec.support(j)) <= set(routes)
        else:  # only local legs of its own tile may remain
            tile = int(code.bulk_legs[j][1:])
            own = {b for b, (t, _e) in enumerate(code.tiling.boundary_edges) if t == tile}
            assert set(routes) <= own
    full = holographic_pattern(code)
    assert np.array_equal(full, full.T)


def test_operator_is_masked_softmax_contraction(backend, rng):
    code = codes.happy_code(2)
    t = code.n + code.k
    q, k, v = (asarray(x, like=backend) for x in rng.standard_normal((3, 2, t, 4)))
    region = list(range(10))
    out = to_numpy(holographic_attention(q, k, v, code, region))
    a = to_numpy(holographic_matrix(q, k, code, region))
    np.testing.assert_allclose(out, a @ to_numpy(v), atol=1e-12)
    pat = holographic_pattern(code, region)
    assert np.all(a[:, ~pat] == 0)
    with pytest.raises(ValueError, match="tokens"):
        holographic_attention(q[:, :5], k[:, :5], v[:, :5], code)


def test_pauli_product_signs():
    # X·Z on one qubit is -iY: not Hermitian, so refused; XX·ZZ = -YY
    with pytest.raises(ValueError, match="commuting"):
        pauli_product(np.array([1, 0]), 0, np.array([0, 1]), 0)
    p, s = pauli_product(np.array([1, 1, 0, 0]), 0, np.array([0, 0, 1, 1]), 0)
    assert p.tolist() == [1, 1, 1, 1] and s == 1
    x = stim.PauliString("XX") * stim.PauliString("ZZ")
    assert x.sign == -1


def test_record_round_trip(rng):
    code = codes.happy_code(2)
    q, k = rng.standard_normal((2, 3, code.n + code.k, 4))
    rec = holographic_record(code, q, k, region=range(12))
    assert rec.heads(0) == [0, 1, 2] and rec.n_rings == code.tiling.layers + 1
    np.testing.assert_allclose(rec.maps[(0, 1)], holographic_matrix(q[1], k[1], code,
                                                                    range(12)), atol=1e-12)
    back = type(rec).from_json(rec.to_json())
    assert back.meta["wedge"] == rec.meta["wedge"]
    np.testing.assert_allclose(back.maps[(0, 2)], rec.maps[(0, 2)], atol=1e-6)


def test_ring_routing_reaches_the_boundary(code):
    tiling = code.tiling
    layers = tiling.layers
    centre = ring_routing(code)
    assert centre.shape == (1, code.n) and np.all(centre > 0)
    np.testing.assert_allclose(centre.sum(1), 1.0)
    # outermost ring: a tile reaches exactly its own legs and those of its ring neighbours
    outer = ring_routing(code, ring=layers, normalise=False)
    tiles = sorted(t.index for t in tiling.tiles if t.layer == layers)
    layer_of = {t.index: t.layer for t in tiling.tiles}
    for row, t in enumerate(tiles):
        nbrs = {t} | {u for u in tiling.tiles[t].neighbors
                      if u is not None and layer_of[u] == layers}
        expect = {b for b, (tt, _e) in enumerate(tiling.boundary_edges) if tt in nbrs}
        assert set(np.flatnonzero(outer[row])) == expect


@pytest.mark.slow
def test_every_interval_of_the_two_layer_code(rng):
    """All n(n-1) boundary intervals of the [[25,11]] code (run with --slow)."""
    code = codes.happy_code(2)
    n = code.n
    states = [_random_code_state(code, rng) for _ in range(2)]
    fulls = [_full_output(code, sim) for sim, _ in states]
    for start in range(n):
        for length in range(1, n):
            region = [(start + i) % n for i in range(length)]
            dec = wedge_decoder(code, region)
            rep = verify.complementary_recovery(code, region)
            assert dec.wedge == rep.exact_wedge
            for j in np.flatnonzero(dec.reconstructable):
                for (sim, _), full in zip(states, fulls):
                    np.testing.assert_array_equal(_decoded_from_region(dec, sim, j), full[j])
