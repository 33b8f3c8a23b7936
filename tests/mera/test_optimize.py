"""Variational optimisation of the scale-invariant MERA (critical Ising, chi = 4)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from holonet.mera import ISING_ENERGY, MERA, ising_hamiltonian, optimize_ising
from holonet.mera import optimize as opt_mod


@pytest.fixture(scope="module")
def ising_chi4():
    return optimize_ising(4, sweeps=200, progress=False, seed=0)


def test_critical_ising_chi4_energy(ising_chi4):
    r = ising_chi4
    assert r.exact_energy == pytest.approx(-4 / math.pi)
    assert r.error < 1e-2
    # an isometric MERA is variational: never below the exact energy
    assert r.energy >= ISING_ENERGY - 1e-10
    assert np.all(r.energies >= ISING_ENERGY - 1e-10)


def test_critical_ising_chi4_monotone_after_warmup(ising_chi4):
    e = ising_chi4.energies
    assert len(e) == 200
    assert np.max(np.diff(e[10:])) <= 1e-9


def test_optimised_mera_is_isometric(ising_chi4):
    m = ising_chi4.mera
    assert isinstance(m, MERA) and m.scale_invariant and m.kind == "modified_binary"
    rep = m.check_isometric(1e-10)
    assert rep.ok, rep.explain()
    fin = m.to_finite(16, seed=0)
    assert fin.check_isometric(1e-10).ok


def test_critical_ising_scaling_dimensions(ising_chi4):
    """chi = 4 already separates sigma (1/8) from epsilon (1) and its descendants."""
    from holonet.mera import scaling_dimensions

    d = scaling_dimensions(ising_chi4.mera, 6)
    assert d[0] == pytest.approx(0.0, abs=1e-8)
    assert 0.05 < d[1] < 0.5  # sigma, exact 1/8
    assert np.all(d[2:5] > 0.7) and np.all(d[2:5] < 1.3)  # epsilon 1, descendants 9/8


def test_optimizer_and_superoperator_descend_agree(ising_chi4):
    """The optimiser's compiled contractions and the holonet.contract superoperator
    (two independent code paths over the same window networks) give the same map."""
    from holonet.mera import descend

    m = ising_chi4.mera
    cell = m.layer_arrays()[-1]
    eng = opt_mod._Engine("modified_binary", 2)
    rng = np.random.default_rng(0)
    a = rng.standard_normal((16, 16))
    r = a @ a.T
    r = (r / np.trace(r)).reshape(4, 4, 4, 4)
    ours = eng.descend(cell, [r, r])
    theirs = descend(m, [r, r])
    for x, y in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(x, y, atol=1e-12)


def test_checkpoint_resume_matches_uninterrupted(tmp_path):
    path = tmp_path / "run.npz"
    full = optimize_ising(4, sweeps=24, progress=False, seed=3)

    class Stop(Exception):
        pass

    def stop_at_15(sweep, energy):
        if sweep == 15:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        optimize_ising(4, sweeps=24, progress=False, seed=3, checkpoint=path,
                       callback=stop_at_15)
    assert path.exists()
    with np.load(path, allow_pickle=False) as f:
        assert int(f["sweep"]) == 15
    resumed = optimize_ising(4, sweeps=24, progress=False, seed=3, checkpoint=path)
    assert resumed.sweeps == 24
    assert len(resumed.energies) == 24
    np.testing.assert_allclose(resumed.energies, full.energies, rtol=0, atol=1e-9)
    assert resumed.energy == pytest.approx(full.energy, abs=1e-9)
    # no temporary files left behind by the atomic writes
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.npz"]


def test_checkpoint_with_other_settings_is_refused(tmp_path):
    path = tmp_path / "run.npz"
    optimize_ising(4, sweeps=3, progress=False, checkpoint=path)
    with pytest.raises(ValueError, match="different settings"):
        optimize_ising(5, sweeps=3, progress=False, checkpoint=path)


def test_gapped_chain_is_nearly_exact():
    """Far from criticality (g = 3) a chi = 4 MERA is almost exact."""
    from scipy.integrate import quad

    g = 3.0
    exact = -quad(lambda k: math.sqrt(1 + g * g + 2 * g * math.cos(k)), 0, math.pi)[0] / math.pi
    r = optimize_ising(4, sweeps=120, hamiltonian=ising_hamiltonian(g), exact_energy=exact,
                       progress=False)
    assert 0 <= r.error < 1e-4


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown MERA kind"):
        optimize_ising(4, kind="quaternary")
    with pytest.raises(ValueError, match="shape"):
        optimize_ising(4, hamiltonian=np.zeros((2, 2)))
    with pytest.raises(ValueError, match="Hermitian"):
        optimize_ising(4, hamiltonian=np.arange(16.0).reshape(2, 2, 2, 2))
    with pytest.raises(TypeError, match="chi must be an integer"):
        optimize_ising(4.0)  # type: ignore[arg-type]
