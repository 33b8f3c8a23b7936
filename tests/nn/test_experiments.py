"""Experiment plumbing (CLI, helpers, data files) in the default suite; the runs are slow."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from holonet.cli import main
from holonet.nn.experiments._common import gf2_rank, recoverable_bits
from holonet.nn.experiments.sentences import generate_sentences

FIGURES = Path(__file__).resolve().parents[2] / "figures"


def test_cli_rejects_unknown_experiment(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["experiment", "no-such", "--quick"]) == 2
    err = capsys.readouterr().err
    assert "unknown experiment 'no-such'" in err and "'erasure'" in err


def test_gf2_rank_matches_the_stabilizer_module(rng: np.random.Generator) -> None:
    from holonet.stabilizer import gf2

    for _ in range(20):
        m = rng.integers(0, 2, size=(6, 9)).astype(np.uint8)
        assert gf2_rank(m) == int(gf2.rank(m))


def test_recoverable_bits_is_the_cleaning_criterion() -> None:
    gen = np.array([[1, 0, 1, 0], [0, 1, 1, 0], [0, 0, 0, 1]], dtype=np.uint8)
    assert recoverable_bits(gen, np.array([0, 1])).tolist() == [True, True, False]
    assert recoverable_bits(gen, np.array([2])).tolist() == [False, False, False]
    assert recoverable_bits(gen, np.array([0, 2, 3])).tolist() == [True, True, True]


def test_generated_sentences_are_deterministic_and_topical() -> None:
    s, topics = generate_sentences(40, seed=3, with_topics=True)
    assert s == generate_sentences(40, seed=3)
    assert len(set(s)) == 40 and len(set(topics)) == 8
    assert generate_sentences(40, seed=4) != s


@pytest.mark.parametrize("name", ["erasure", "scratch", "zero_shot"])
def test_committed_experiment_data_matches_its_figure(name: str) -> None:
    data = FIGURES / "nn_data" / f"nn_{name}.json"
    if not data.is_file():
        pytest.skip(f"{data.name} not generated yet (holonet experiment)")
    d = json.loads(data.read_text())
    assert d["quick"] is False
    assert (FIGURES / f"nn_{name}.svg").is_file()
    if name == "erasure":
        assert abs(d["params"]["holographic"] - d["params"]["standard"]) \
            < 0.02 * d["params"]["standard"]
        assert d["mask_rates"][0] == 0.0 and d["mask_rates"][-1] == 0.6
    elif name == "scratch":
        params = {m["params"] for m in d["models"].values()}
        assert len(params) == 1  # identical parameter counts
    else:
        flat = [r for r in d["rows"] if r["tree"] == "flat"]
        assert flat and flat[0]["cosine_min"] >= 0.9999


@pytest.mark.slow
@pytest.mark.parametrize("name", ["erasure", "scratch", "zero-shot"])
def test_quick_experiment_runs_and_writes(name: str, tmp_path: Path) -> None:
    from holonet.nn.experiments import run

    res = run(name, quick=True, seed=0, out=tmp_path, progress=False)
    fig = "nn_" + name.replace("-", "_")
    assert (tmp_path / "nn_data" / f"{fig}.json").is_file()
    assert (tmp_path / f"{fig}.svg").is_file() and (tmp_path / f"{fig}.pdf").is_file()
    assert res["experiment"] == name
