"""Code files (text, QDistRnd MTX) and stim interop: round trips, clear errors, detectors."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.io
import stim

from holonet.codes import VARIANTS, happy_code
from holonet.stabilizer import StabilizerCode, commutation_matrix, paulis_to_symplectic
from holonet.stabilizer.io import code_from_stim, load_code, memory_circuit, save_code

FIVE = ["XZZXI", "IXZZX", "XIXZZ", "ZXIXZ"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_text_round_trip_every_variant(variant, tmp_path):
    code = happy_code(2, variant=variant)
    sc = code.stabilizer_code
    path = sc.save(tmp_path / f"{variant}.txt", source=repr(code))
    back = StabilizerCode.load(path)
    assert (back.n, back.k) == (sc.n, sc.k)
    assert back.stabilizer_strings() == sc.stabilizer_strings()  # signs included
    assert back.logical_strings() == sc.logical_strings()
    assert back.source == repr(code)
    text = path.read_text()
    assert f"n: {sc.n}" in text and f"k: {sc.k}" in text and "source: HaPPYCode(" in text


@pytest.mark.parametrize("variant", VARIANTS)
def test_mtx_round_trip_and_scipy(variant, tmp_path):
    sc = happy_code(2, variant=variant).stabilizer_code
    path = sc.save(tmp_path / "code.mtx")
    M = scipy.io.mmread(path)
    dense = M.toarray() if hasattr(M, "toarray") else np.asarray(M)
    n = sc.n
    H = sc.stabilizers
    assert dense.shape == (sc.r, n)
    assert np.array_equal(dense.real.astype(np.uint8), H[:, :n])   # a: X part
    assert np.array_equal(dense.imag.astype(np.uint8), H[:, n:])   # b: Z part
    back = StabilizerCode.load(path)
    assert np.array_equal(back.stabilizers, H)
    assert back.k == sc.k
    assert path.read_text().splitlines()[1] == "% Field: GF(2)"


def test_text_format_is_readable_by_hand(tmp_path):
    path = tmp_path / "hand.txt"
    path.write_text("# the [[4,2,2]] code\n\nformat: holonet-stabilizer-code 1\n"
                    "n: 4   # qubits\nk: 2\nstabilizers: 2\n+XXXX\n-ZZZZ  # a sign\n")
    code = load_code(path)
    assert code.stabilizer_strings() == ["+XXXX", "-ZZZZ"] and code.k == 2
    assert code.distance(progress=False) == 2
    assert code.source is None


BAD_TEXT = [
    ("", "empty file"),
    ("n: 2\n", "line 1: expected 'format: holonet-stabilizer-code 1'"),
    ("format: holonet-stabilizer-code 7\n", "line 1: unsupported format version"),
    ("format: holonet-stabilizer-code 1\nn: 2\nk: 0\nwhat: 3\n", "line 4: expected one of"),
    ("format: holonet-stabilizer-code 1\nn: 2\nk: 0\nstabilizers: 3\nXX\nZZ\n",
     "line 4: section 'stabilizers' announces 3"),
    ("format: holonet-stabilizer-code 1\nn: 2\nk: 0\nstabilizers: 2\nXX\nZZZ\n",
     "line 6: Pauli string 'ZZZ' has length 3; expected 2"),
    ("format: holonet-stabilizer-code 1\nn: 2\nk: 0\nstabilizers: 2\nXX\nZI\n",
     "not a valid stabilizer code: stabilizers 0 .* anticommute"),
    ("format: holonet-stabilizer-code 1\nn: 2\nk: 1\nstabilizers: 2\nXX\nZZ\n",
     "line 4: 2 stabilizers for n = 2, k = 1"),
    ("format: holonet-stabilizer-code 1\nk: 0\nstabilizers: 0\n", "missing header line 'n:"),
    ("format: holonet-stabilizer-code 1\nn: 2\nk: 1\nstabilizers: 1\nXX\nlogical_x: 1\nXI\n",
     "give both 'logical_x:' and 'logical_z:'"),
    ("format: holonet-stabilizer-code 1\nn: two\nk: 1\nstabilizers: 1\nXX\n",
     "line 2: n must be a non-negative integer; got 'two'"),
]


@pytest.mark.parametrize(("text", "match"), BAD_TEXT)
def test_malformed_text_names_file_and_line(text, match, tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(ValueError, match=match) as err:
        StabilizerCode.load(path)
    assert str(err.value).startswith(str(path))


BAD_MTX = [
    ("%%MatrixMarket matrix coordinate integer general\n1 2 1\n1 1 1\n",
     "line 1: expected the header"),
    ("%%MatrixMarket matrix coordinate complex general\n% Field: GF(3)\n1 1 1\n1 1 1 0\n",
     "line 2: only qubit codes over GF"),
    ("%%MatrixMarket matrix coordinate complex general\n1 2\n", "line 2: expected the size"),
    ("%%MatrixMarket matrix coordinate complex general\n1 2 1\n1 3 1 0\n",
     r"line 3: entry \(1, 3\) outside"),
    ("%%MatrixMarket matrix coordinate complex general\n1 2 2\n1 1 1 0\n", "announces 2"),
    ("%%MatrixMarket matrix coordinate complex general\n1 2 1\n1 1 x 0\n",
     "line 3: expected an entry 'row col a b'"),
    ("%%MatrixMarket matrix coordinate complex general\n2 2 2\n1 1 1 0\n2 1 0 1\n",
     "anticommute"),
]


@pytest.mark.parametrize(("text", "match"), BAD_MTX)
def test_malformed_mtx_names_file_and_line(text, match, tmp_path):
    path = tmp_path / "bad.mtx"
    path.write_text(text)
    with pytest.raises(ValueError, match=match) as err:
        load_code(path)
    assert str(err.value).startswith(str(path))


def test_bad_format_option_writes_nothing(tmp_path):
    code = StabilizerCode.from_pauli_strings(FIVE)
    with pytest.raises(ValueError, match="unknown code file format 'pickle'"):
        save_code(code, tmp_path / "x.txt", format="pickle")
    assert not list(tmp_path.iterdir())
    (tmp_path / "bin.txt").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ValueError, match="not a text file"):
        load_code(tmp_path / "bin.txt")


# ---------------------------------------------------------------------------- stim
def random_tableau(n, seed):
    """A seeded random Clifford (stim.Tableau.random has no seed)."""
    rng = np.random.default_rng(seed)
    c = stim.Circuit()
    for _ in range(6 * n):
        gate = rng.choice(["H", "S", "CX"])
        if gate == "CX":
            c.append("CX", [int(q) for q in rng.choice(n, 2, replace=False)])
        else:
            c.append(str(gate), [int(rng.integers(n))])
    return stim.Tableau.from_circuit(c)


def test_stim_tableau_round_trip():
    for seed in range(3):
        tab = random_tableau(6, seed) if seed else stim.Tableau.from_named_gate("CNOT")
        code = StabilizerCode.from_stim(tab)
        assert code.k == 0
        back = code.to_stim()
        assert back.to_stabilizers(canonicalize=True) == tab.to_stabilizers(canonicalize=True)
    # an encoder with one logical input: to_stim() prepares T|0...0> again
    tab = random_tableau(5, 11)
    code = StabilizerCode.from_stim(tab, k=1)
    assert (code.n, code.k) == (5, 1)
    assert code.to_stim().to_stabilizers(canonicalize=True) == \
        tab.to_stabilizers(canonicalize=True)
    assert code.logical_strings()[0] == [str(tab.x_output(0)).replace("_", "I")]


def test_stim_pauli_lists_and_errors():
    code = code_from_stim([stim.PauliString(s) for s in FIVE])
    assert code.stabilizer_strings() == ["+" + s for s in FIVE]
    assert code.distance(progress=False) == 3
    with pytest.raises(ValueError, match="sign"):
        code_from_stim([stim.PauliString("iX")])
    with pytest.raises(TypeError, match="stim.Tableau or a list"):
        code_from_stim(stim.PauliString("XX"))
    with pytest.raises(TypeError, match="stim.PauliString or str"):
        code_from_stim([3])


def _inject(circuit, round_index, pauli):
    """Replace the round's DEPOLARIZE1 by the Pauli ``pauli``; drop the other rounds' noise."""
    out = stim.Circuit()
    seen = -1
    for inst in circuit.flattened():
        if inst.name != "DEPOLARIZE1":
            out.append(inst)
            continue
        seen += 1
        if seen != round_index:
            continue
        for gate in ("X", "Y", "Z"):
            qs = [q for q, ch in enumerate(pauli) if ch == gate]
            if qs:
                out.append(f"{gate}_ERROR", qs, 1.0)
    return out


@pytest.mark.parametrize(("kwargs", "basis"), [({"layers": 1}, "Z"), ({"layers": 1}, "X"),
                                              ({"layers": 2}, "Z"),
                                              ({"layers": 2, "convention": "edge",
                                                "variant": "single"}, "X")])
def test_detectors_fire_on_holonet_syndromes(kwargs, basis):
    sc = happy_code(**kwargs).stabilizer_code
    rounds = 3
    circuit = sc.to_stim_circuit(noise="depolarizing", p=0.5, rounds=rounds, basis=basis)
    circuit.detector_error_model()  # every detector and observable is deterministic
    lx, lz = sc.logicals
    obs_ops = lz if basis == "Z" else lx
    rng = np.random.default_rng(7)
    r = sc.r
    for trial in range(12):
        pauli = "".join(rng.choice(list("IXYZ"), size=sc.n))
        t = trial % rounds
        det, obs = _inject(circuit, t, pauli).compile_detector_sampler().sample(
            1, separate_observables=True)
        E, _ = paulis_to_symplectic([pauli])
        syndrome = commutation_matrix(E, sc.stabilizers)[0].astype(bool)
        want = np.zeros((rounds, r), bool)
        want[t] = syndrome
        assert np.array_equal(det[0].reshape(rounds, r), want)
        assert np.array_equal(obs[0], commutation_matrix(E, obs_ops)[0].astype(bool))


def test_erasure_heralds():
    sc = StabilizerCode.from_pauli_strings(FIVE, ["XXXXX"], ["ZZZZZ"])
    circuit = sc.to_stim_circuit(noise="erasure", p=0.2, rounds=2)
    n, r = sc.n, sc.r
    assert circuit.num_detectors == 2 * (n + r)
    det = circuit.compile_detector_sampler(seed=3).sample(4000).reshape(4000, 2, n + r)
    heralds, stab = det[:, :, :n], det[:, :, n:]
    rate = heralds.mean()
    assert abs(rate - 0.2) < 4 * np.sqrt(0.2 * 0.8 / heralds.size)
    # without an erasure in a round, that round's stabilizer detectors stay silent
    assert not stab[~heralds.any(axis=2)].any()
    # an erased qubit gets a random Pauli: the detectors fire in about 3/4 of single erasures
    single = heralds.sum(axis=2) == 1
    assert 0.6 < stab[single].any(axis=1).mean() < 0.9


def test_memory_circuit_bad_input():
    sc = StabilizerCode.from_pauli_strings(FIVE)
    with pytest.raises(ValueError, match="unknown stim noise model 'bitflip'"):
        memory_circuit(sc, noise="bitflip")
    with pytest.raises(ValueError, match="p must be a probability"):
        memory_circuit(sc, p=1.5)
    with pytest.raises(ValueError, match="rounds must be >= 1"):
        memory_circuit(sc, rounds=0)
    with pytest.raises(ValueError, match="unknown memory basis"):
        memory_circuit(sc, basis="Y")
    noisy = memory_circuit(sc, p=0.0, measure_p=0.1, rounds=2)
    assert "MPP(0.1)" in str(noisy)
