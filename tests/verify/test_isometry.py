"""holonet.verify.isometry: V†V = 1 by planned contraction, localisation of failures."""

from __future__ import annotations

import numpy as np
import pytest
import quimb.tensor as qtn

from holonet._errors import VerificationError
from holonet.verify import assert_isometry, is_perfect_array, isometry


def _riso(rng, dout, din, complex_=True):
    a = rng.normal(size=(dout, din))
    if complex_:
        a = a + 1j * rng.normal(size=(dout, din))
    q, _ = np.linalg.qr(a)
    return q


def _tree(rng, depth=3):
    """A binary tree of random isometries 2 -> 2x2: input 'x', 2**depth outputs."""
    tensors, frontier, count = [], ["x"], 0
    for level in range(depth):
        nxt = []
        for leg in frontier:
            a, b = f"l{level}_{count}a", f"l{level}_{count}b"
            data = _riso(rng, 4, 2).reshape(2, 2, 2)
            tensors.append(qtn.Tensor(data, (a, b, leg), tags={"ISO", f"T{count}",
                                                               f"LAYER{level + 1}"}))
            nxt += [a, b]
            count += 1
        frontier = nxt
    return qtn.TensorNetwork(tensors), frontier


def _coarse_leg(t):
    return [t.inds[-1]]


def test_random_isometry_tree_passes_with_cross_check(rng):
    tn, outs = _tree(rng)
    rep = isometry(tn, inputs=["x"], tensor_inputs=_coarse_leg)
    assert rep.ok, rep.explain()
    assert rep.method == "contraction" and rep.dense_deviation is not None
    assert rep.dense_deviation < 1e-12 and rep.deviation < 1e-12
    assert rep.tensors_checked == 7 and rep.n_outputs == 8


def test_moments_method_agrees(rng):
    tn, _ = _tree(rng)
    rep = isometry(tn, inputs=["x"], method="moments")
    assert rep.ok and rep.method == "moments"
    bad = tn.copy()
    bad["T3"].modify(data=bad["T3"].data * 1.01)
    rep2 = isometry(bad, inputs=["x"], method="moments")
    assert not rep2.ok and rep2.deviation > 1e-3
    # the sequential certificate sees the same scale error
    rep3 = isometry(bad, inputs=["x"], dense_limit=1)
    assert rep3.method == "sequential" and not rep3.ok
    assert rep3.deviation > 1e-3


def test_perturbed_tensor_is_named(rng):
    tn, _ = _tree(rng)
    tn["T4"].modify(data=tn["T4"].data + 1e-3 * rng.normal(size=(2, 2, 2)))
    rep = isometry(tn, inputs=["x"], tensor_inputs={"ISO": _coarse_leg})
    assert not rep.ok
    assert len(rep.tensor_failures) == 1
    msg = rep.tensor_failures[0]
    assert "tensor 'T4'" in msg and "ISO" in msg and "LAYER3" in msg and "> tol" in msg
    with pytest.raises(VerificationError, match="T4"):
        assert_isometry(tn, inputs=["x"], tensor_inputs=_coarse_leg)


def test_dense_matrix_and_pairs_inputs(rng):
    V = _riso(rng, 8, 3)
    assert isometry(V).ok
    assert not isometry(V @ np.diag([1, 1, 1.001])).ok
    assert isometry(3.0 * V, up_to_scale=True).ok
    pairs = [(V.reshape(2, 4, 3), ("o1", "b", "i")), (np.eye(4), ("b", "o2"))]
    assert isometry(pairs, inputs=["i"]).ok


def test_backends(backend, rng):
    from holonet.backend import asarray

    V = _riso(rng, 8, 2, complex_=False)
    pairs = [(asarray(V.reshape(2, 4, 2), like=backend), ("o1", "o2", "i"))]
    assert isometry(pairs, inputs=["i"]).ok


def test_bad_arguments(rng):
    tn, _ = _tree(rng, depth=1)
    with pytest.raises(ValueError, match="inputs"):
        isometry(tn)
    with pytest.raises(ValueError, match="not a leg"):
        isometry(tn, inputs=["nope"])
    with pytest.raises(ValueError, match="neither inputs nor outputs"):
        isometry(tn, inputs=["x"], outputs=["l0_0a"])


def _encoder_513() -> np.ndarray:
    """[[5,1,3]] encoder built independently: codewords from the stabilizer projector."""
    I, X, Z = np.eye(2), np.array([[0, 1], [1, 0]]), np.diag([1.0, -1.0])
    P = {"I": I, "X": X, "Z": Z}

    def op(s):
        out = np.ones((1, 1))
        for c in s:
            out = np.kron(out, P[c])
        return out

    proj = np.eye(32)
    for g in ["XZZXI", "IXZZX", "XIXZZ", "ZXIXZ"]:
        proj = proj @ (np.eye(32) + op(g)) / 2
    zero = proj @ np.eye(32)[:, 0]
    zero /= np.linalg.norm(zero)
    one = op("XXXXX") @ zero
    return np.stack([zero, one], axis=1)


def test_513_encoder():
    V = _encoder_513()
    assert isometry(V).ok
    from holonet.codes import perfect_tensor

    T = perfect_tensor("513")
    rep = isometry(T.data * np.sqrt(2), inputs=[5])
    assert rep.ok, rep.explain()
    assert is_perfect_array(T.data)[0]
    assert isometry(T, inputs=["q"], up_to_scale=True).ok


@pytest.mark.parametrize("layers", [1, 2])
def test_happy_encoder_isometry(layers):
    from holonet.codes import happy_code

    code = happy_code(layers)
    rep = isometry(code)
    assert rep.ok, rep.explain()
    assert rep.n_inputs == len(code.bulk_legs) and rep.n_outputs == len(code.boundary_legs)
    assert rep.tensors_checked == code.tiling.n_tiles


def test_happy_perturbed_tensor_named(rng):
    from holonet.codes import happy_code

    code = happy_code(2)
    tn = code.to_tensor_network()
    victim = tn.tensors[3]
    victim.modify(data=victim.data + 1e-3 * rng.normal(size=victim.data.shape))
    rep = isometry(tn, inputs=code.bulk_legs, outputs=code.boundary_legs)
    assert not rep.ok
    assert len(rep.tensor_failures) == 1
    name = [t for t in victim.tags if t.startswith("TILE")][0]
    assert f"tensor {name!r}" in rep.tensor_failures[0]
    assert "PERFECT" in rep.tensor_failures[0]


def test_mera_network_with_tensor_rules(rng):
    """A MERA as a map from its top legs to the sites, with per-tensor input rules."""
    from holonet.mera import network
    m = network.MERA.rand("binary", n_sites=8, chi=2, seed=0)
    tn = m.to_tensor_network(top=False)
    tops = [ix for ix in tn.outer_inds() if not ix.startswith("k")]
    rules = {"U": lambda t: t.inds[2:], "W": lambda t: t.inds[-1:]}
    rep = isometry(tn, inputs=tops, tensor_inputs=rules)
    assert rep.ok, rep.explain()
    assert rep.tensors_checked == tn.num_tensors
    tn["W1,2"].modify(data=tn["W1,2"].data * 1.1)
    bad = isometry(tn, inputs=tops, tensor_inputs=rules)
    assert not bad.ok and len(bad.tensor_failures) == 1
    assert "tensor 'W1,2'" in bad.tensor_failures[0] and "LAYER1" in bad.tensor_failures[0]


@pytest.mark.parametrize("variant", ["pentagon", "single", "pentagon-hexagon"])
def test_large_happy_codes_by_sequential_certificate(variant):
    """No dense V†V (2^51 x 2^51 for the 3-layer pentagon code): per-tensor composition."""
    from holonet.codes import happy_code

    code = happy_code(3, variant=variant)
    rep = isometry(code)
    assert rep.ok, rep.explain()
    assert rep.method == ("contraction" if variant == "single" else "sequential")
    assert isometry(code, method="sequential").ok
    small = happy_code(2, variant=variant)
    a = isometry(small, method="sequential")
    b = isometry(small, method="contraction")
    assert a.ok and b.ok and abs(a.scale - b.scale) < 1e-9


def test_large_happy_code_perturbed_is_named(rng):
    from holonet.codes import happy_code

    code = happy_code(3)
    tn = code.to_tensor_network()
    victim = tn.tensors[30]
    victim.modify(data=victim.data + 1e-3 * rng.normal(size=victim.data.shape))
    rep = isometry(tn, inputs=code.bulk_legs, outputs=code.boundary_legs)
    assert not rep.ok
    name = [t for t in victim.tags if t.startswith("TILE")][0]
    assert len(rep.tensor_failures) == 1 and f"tensor {name!r}" in rep.tensor_failures[0]
    assert any("could not be verified" in f or "no sequential" in f or "violated" in f
               for f in rep.failures)
