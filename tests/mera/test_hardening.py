"""Bad input, size guards, checkpoints and corrupt data on the MERA entry points."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from holonet._options import WorkTooLarge
from holonet.mera import (
    MERA,
    ascend,
    descend,
    ising_hamiltonian,
    layer_geometry,
    ope_coefficients,
    optimize_ising,
    scaling_dimensions,
)

# ---------------------------------------------------------------------------------------
# size guards: refuse before allocating, with the prediction and the override


def test_huge_mera_is_refused_with_the_prediction_and_the_override():
    with pytest.raises(WorkTooLarge) as exc:
        MERA("binary", n_sites=2**40)
    msg = str(exc.value)
    assert "n_sites=1,099,511,627,776" in msg and "PiB" in msg
    assert "memory_limit=" in msg and "translation_invariant=True" in msg
    # a dense top state on many sites is predicted too (4**512 entries)
    with pytest.raises(WorkTooLarge, match=r"top state on 512 sites .* more layers"):
        MERA("binary", n_sites=1024, layers=1)
    # shared tensors are small, but the geometry of 2**40 sites is not
    m = MERA("binary", n_sites=2**40, translation_invariant=True)
    with pytest.raises(WorkTooLarge, match="geometry tables"):
        m.causal_cone([0])
    with pytest.raises(WorkTooLarge, match="geometry tables"):
        layer_geometry("binary", 2**40)


def test_memory_limit_override_and_prediction_match_the_allocation():
    m = MERA.rand("ternary", n_sites=27, chi=3, seed=0)
    arrays = [a for cell in m._u + m._w for a in cell] + [m.top]
    assert m.predicted_bytes() == sum(a.nbytes for a in arrays) + 112 * len(arrays)
    with pytest.raises(WorkTooLarge, match=r"above the memory limit of 1\.0 KiB"):
        MERA("ternary", n_sites=27, chi=3, memory_limit="1K")
    assert MERA("ternary", n_sites=27, chi=3, memory_limit=10**6).n_layers == 3


def test_optimize_ising_refuses_a_huge_chi_before_any_work():
    with pytest.raises(WorkTooLarge) as exc:
        optimize_ising(200, progress=False)
    msg = str(exc.value)
    assert msg.startswith("optimize_ising(chi=200") and "TiB" in msg
    assert "memory_limit=" in msg and "HOLONET_MEMORY_LIMIT" in msg
    with pytest.raises(WorkTooLarge, match="binary"):
        optimize_ising(8, kind="binary", memory_limit="1M", progress=False)
    r = optimize_ising(2, sweeps=2, memory_limit="1G", progress=False)
    assert r.sweeps == 2


@settings(max_examples=60, deadline=None)
@given(kind=st.sampled_from(["binary", "ternary", "modified_binary"]),
       n_sites=st.one_of(st.integers(-4, 200), st.floats(-2, 200), st.none()),
       layers=st.one_of(st.integers(-2, 8), st.none()),
       chi=st.integers(-1, 6), ti=st.booleans())
def test_constructor_either_builds_what_it_predicted_or_refuses_clearly(kind, n_sites, layers,
                                                                         chi, ti):
    """Any argument mix gives a MERA whose tensors take exactly the predicted bytes, or a
    ValueError/TypeError (WorkTooLarge is a ValueError) -- never another exception."""
    try:
        m = MERA(kind, n_sites, layers=layers, chi=chi, translation_invariant=ti,
                 memory_limit="64M")
    except (ValueError, TypeError) as exc:
        assert str(exc)
        return
    arrays = [a for cell in m._u + m._w for a in cell] + [m.top]
    assert m.predicted_bytes() == sum(a.nbytes for a in arrays) + 112 * len(arrays)
    assert m.check_isometric().ok


# ---------------------------------------------------------------------------------------
# plain mistakes get a ValueError / TypeError naming the parameter

SI = dict(scale_invariant=True, layers=1, seed=0)

BAD_INPUT = [
    ("chi = 0", lambda: MERA("binary", 8, chi=0), ValueError, "chi must be >= 1"),
    ("negative layers", lambda: MERA("binary", 8, layers=-1), ValueError, "layers must be"),
    ("dtype int", lambda: MERA("binary", 8, dtype=int), ValueError, "dtype must be one of"),
    ("dtype name", lambda: MERA("binary", 8, dtype="foo"), TypeError, "dtype must be one of"),
    ("float n_sites", lambda: MERA("binary", 8.0), TypeError, "n_sites must be an integer"),
    ("seed -1", lambda: MERA.rand("binary", 8, seed=-1), ValueError, "seed must be"),
    ("float site", lambda: MERA("binary", 8).causal_cone([1.5]), TypeError, "sites"),
    ("negative site", lambda: MERA("binary", 8).causal_cone([-1]), ValueError,
     "sites index -1"),
    ("site out of range", lambda: MERA("binary", 8).reduced_density_matrix([9]), ValueError,
     "out of range 0..7"),
    ("no site", lambda: MERA("binary", 8).reduced_density_matrix([]), ValueError,
     "sites must not be empty"),
    ("op shape", lambda: MERA("binary", 8).expectation(np.eye(3), [0]), ValueError,
     r"op on 1 site\(s\)"),
    ("op string", lambda: MERA("binary", 8).expectation("Z", [0]), TypeError, "op must be"),
    ("to_finite 7", lambda: MERA("binary", scale_invariant=True).to_finite(7), ValueError,
     "n_sites divisible by 2"),
    ("tol nan", lambda: MERA("binary", 8).check_isometric(float("nan")), ValueError, "tol"),
    ("unpack int", lambda: MERA("binary", 8).unpack(3), TypeError, "params"),
    ("layer dict missing W", lambda: MERA.from_layer_arrays(
        "binary", [{"U": np.eye(4).reshape(2, 2, 2, 2)}], d=2), ValueError, "has no 'W'"),
    ("layers empty", lambda: MERA.from_layer_arrays("binary", [], d=2), ValueError,
     "at least one layer"),
    ("ascend shape", lambda: ascend(MERA.rand("ternary", chi=2, **SI), np.eye(5)),
     ValueError, "operator must be"),
    ("ascend string", lambda: ascend(MERA.rand("ternary", chi=2, **SI), "x"), TypeError,
     "operator must be a numeric array"),
    ("descend shape", lambda: descend(MERA.rand("ternary", chi=2, **SI), np.ones(3)),
     ValueError, "density matrix must be"),
    ("no MERA", lambda: scaling_dimensions(None), TypeError, "mera must be"),
    ("ope n = 0", lambda: ope_coefficients(optimize_ising(2, sweeps=2, progress=False), 0),
     ValueError, "n must be >= 1"),
    ("optimize chi = 0", lambda: optimize_ising(0), ValueError, "chi must be >= 2"),
    ("max_seconds nan", lambda: optimize_ising(2, max_seconds=float("nan")), ValueError,
     "max_seconds"),
    ("hamiltonian nan", lambda: optimize_ising(
        2, hamiltonian=np.full((2, 2, 2, 2), np.nan)), ValueError, "non-finite"),
    ("hamiltonian string", lambda: optimize_ising(2, hamiltonian="ising"), TypeError,
     "hamiltonian must be"),
    ("si_levels 0", lambda: optimize_ising(2, si_levels=0), ValueError, "si_levels"),
    ("initial string", lambda: optimize_ising(2, initial="x"), TypeError, "initial must be"),
    ("initial other kind", lambda: optimize_ising(2, initial=MERA.rand("ternary", chi=2, **SI)),
     ValueError, "ternary MERA"),
    ("callback int", lambda: optimize_ising(2, callback=3), TypeError, "callback"),
    ("field nan", lambda: ising_hamiltonian(float("nan")), ValueError, "transverse field"),
]


@pytest.mark.parametrize("call,exc,pattern", [c[1:] for c in BAD_INPUT],
                         ids=[c[0] for c in BAD_INPUT])
def test_bad_input_is_named(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


# ---------------------------------------------------------------------------------------
# corrupt data fails verification


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_mera_fails_verification(bad):
    from holonet.verify import isometry

    m = MERA.rand("binary", n_sites=8, chi=2, seed=0)
    params = m.pack()
    params[3] = params[3].copy()
    params[3].flat[0] = bad
    corrupt = m.unpack(params)
    rep = isometry(corrupt)
    assert not rep.ok
    assert "U1,3" in rep.explain() and "non-finite" in rep.explain()
    assert not isometry(corrupt, method="sequential").ok
    own = corrupt.check_isometric()
    assert not own.ok and [t.name for t in own.failures] == ["U1,3"]


# ---------------------------------------------------------------------------------------
# checkpoints


def _run(path, **kw):
    kw.setdefault("sweeps", 4)
    return optimize_ising(3, transitional_layers=1, progress=False, checkpoint=path, **kw)


def test_checkpoint_of_another_field_is_refused(tmp_path):
    path = tmp_path / "run.npz"
    _run(path, hamiltonian=ising_hamiltonian(1.0))
    with pytest.raises(ValueError, match="different Hamiltonian") as exc:
        _run(path, sweeps=8, hamiltonian=ising_hamiltonian(1.5))
    assert "resume=False" in str(exc.value)
    fresh = _run(path, sweeps=3, hamiltonian=ising_hamiltonian(1.5), resume=False)
    assert fresh.sweeps == 3 and len(fresh.energies) == 3  # started afresh, overwritten
    again = _run(path, sweeps=5, hamiltonian=ising_hamiltonian(1.5))
    assert again.sweeps == 5
    np.testing.assert_allclose(again.energies[:3], fresh.energies, atol=1e-12)


def _rewrite(path, **changes):
    with np.load(path, allow_pickle=False) as f:
        data = {k: f[k] for k in f.files}
    for k, v in changes.items():
        if v is None:
            del data[k]
        else:
            data[k] = v
    np.savez(path, **data)


@pytest.mark.parametrize("change,pattern", [
    ({"L0_U": None}, "has no 'L0_U'"),
    ({"extra": np.zeros(2)}, "unexpected entries 'extra'"),
    ({"L0_W": np.zeros((2, 2, 2))}, r"L0_W of shape \(2, 2, 2\)"),
    ({"L1_U": "int"}, "L1_U of dtype int64"),
    ({"L1_W": "nan"}, "L1_W with 1 non-finite entry"),
    ({"sweep": np.array(7)}, "energies .* for 7 sweeps"),
    ({"sweep": np.array(2.5)}, "invalid sweep count"),
    ({"format": np.array("something else")}, "has format 'something else'"),
    ({"meta": np.array("[]")}, "different settings"),
    ({"rho_1": None}, "only"),
])
def test_tampered_checkpoint_is_refused(tmp_path, change, pattern):
    path = tmp_path / "run.npz"
    _run(path)
    with np.load(path, allow_pickle=False) as f:
        current = {k: f[k] for k in f.files}
    for k, v in list(change.items()):
        if isinstance(v, str) and v == "int":
            change[k] = current[k].astype(np.int64)
        elif isinstance(v, str) and v == "nan":
            change[k] = current[k].copy()
            change[k].flat[0] = np.nan
    _rewrite(path, **change)
    with pytest.raises(ValueError, match=pattern):
        _run(path, sweeps=6)


@pytest.mark.parametrize("content", ["garbage", "pickle", "npy"])
def test_corrupt_checkpoint_gets_holonets_message(tmp_path, content):
    path = tmp_path / "run.npz"
    if content == "garbage":
        path.write_bytes(b"not a zip archive at all")
    elif content == "pickle":
        with open(path, "wb") as fh:
            np.savez(fh, meta=np.array([{"a": 1}], dtype=object))
    else:
        with open(path, "wb") as fh:
            np.save(fh, np.zeros(3))
    with pytest.raises(ValueError) as exc:
        _run(path)
    msg = str(exc.value)
    assert "not a readable holonet MERA checkpoint" in msg and "resume=False" in msg
    assert "allow_pickle" not in msg
    if content == "pickle":
        assert "pickled object array" in msg


def test_checkpoint_path_is_checked_before_work(tmp_path):
    calls = []
    with pytest.raises(IsADirectoryError, match="checkpoint"):
        _run(tmp_path, callback=lambda s, e: calls.append(s))
    with pytest.raises(OSError, match="checkpoint"):
        _run("/proc/holonet-nope/run.npz", callback=lambda s, e: calls.append(s))
    assert calls == []  # refused before the first sweep


def test_sweep_count_of_a_resumed_run(tmp_path):
    path = tmp_path / "run.npz"
    first = _run(path, sweeps=4)
    with np.load(path, allow_pickle=False) as f:
        assert int(f["sweep"]) == 4 and f["energies"].shape == (4,)
        assert re.search(r"v2$", str(f["format"]))
    second = _run(path, sweeps=6)
    assert second.sweeps == 6
    np.testing.assert_allclose(second.energies[:4], first.energies, atol=0)
