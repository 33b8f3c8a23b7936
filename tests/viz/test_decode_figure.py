"""The decode_thresholds figure: drawn from the committed run in full mode, live in quick mode.

The registry tests render it in quick mode (tests/viz/test_figures.py); here: the
committed data are complete and self-consistent, the full-mode figure reproduces the
committed figure data from them (nothing is re-decoded), and quick mode says so.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from holonet.decode import hashing_bound
from holonet.viz.figures import render
from holonet.viz.figures.decode import DATA_FILE, load_thresholds

FIGURES = Path(__file__).resolve().parents[2] / "figures"


def test_committed_run_is_complete_and_consistent() -> None:
    rec = json.loads((FIGURES / DATA_FILE).read_text())
    assert rec["command"].startswith("holonet verify threshold --noise biased --eta ")
    assert rec["variant"] == "zero-rate" and rec["n"] == [25, 95, 355]
    etas = [math.inf if r["eta_is_inf"] else r["eta"] for r in rec["runs"]]
    assert etas == [0.5, 1.0, 3.0, 10.0, 100.0, math.inf]
    for run, eta in zip(rec["runs"], etas):
        assert run["complete"] and run["ok"], run["failures"]
        assert run["hashing_bound"] == pytest.approx(hashing_bound(eta), abs=1e-12)
        assert [c["n"] for c in run["curves"]] == [25, 95, 355]
        for c in run["curves"]:
            assert c["shots"] == [rec["shots"]] * len(run["p_values"])
            for f, se, s, n in zip(c["success"], c["stderr"], c["successes"], c["shots"]):
                assert f == s / n and se == pytest.approx(math.sqrt(f * (1 - f) / n))
        found = [x["p"] for x in run["crossings"] if x["p"] is not None]
        if found:
            assert run["threshold"] == pytest.approx(sum(found) / len(found))


def test_full_figure_redraws_the_committed_data(tmp_path: Path) -> None:
    paths = render("decode_thresholds", tmp_path, quick=False)
    data = json.loads(paths[-1].read_text())
    committed = json.loads((FIGURES / "decode_thresholds.json").read_text())
    assert data == committed
    assert not data["quick"] and data["data"]["command"] == load_thresholds()["command"]
    rec = load_thresholds()
    drawn = [t["threshold"] for t in data["data"]["thresholds"]]
    run = [r["threshold"] for r in rec["runs"]]
    assert [x is None for x in drawn] == [x is None for x in run]
    assert all(x is None or x == pytest.approx(y, rel=1e-5) for x, y in zip(drawn, run))


def test_quick_figure_is_labelled_as_a_live_run(tmp_path: Path) -> None:
    paths = render("decode_thresholds", tmp_path, quick=True)
    data = json.loads(paths[-1].read_text())
    assert data["quick"] and data["data"]["quick"]
    assert "not the committed data" in data["data"]["command"]
    assert data["data"]["n"] == [5, 25] and data["data"]["shots"] == 300
    # one error-barred curve per code in (a), the crossings and the hashing bound in (b)
    assert len(data["axes"][0]["errorbars"]) == 2
    assert data["axes"][1]["lines"][0]["label"] == "zero-rate hashing bound"
