"""Experiment plumbing: the committed data is what the figures draw, quick runs regenerate
data and figure through the CLI, output paths fail fast, the optimal decoder is Bayes."""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from holonet.cli import main
from holonet.nn.experiments import EXPERIMENTS, command, data_path, load_data
from holonet.nn.experiments.erasure import _Task, optimal_accuracy
from holonet.nn.experiments.sentences import generate_sentences
from holonet.viz.figures import nn as nnfig

FIGURES = Path(__file__).resolve().parents[2] / "figures"


def test_cli_rejects_unknown_experiment(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["experiment", "no-such", "--quick"]) == 2
    err = capsys.readouterr().err
    assert "unknown experiment 'no-such'" in err and "'erasure'" in err


def test_generated_sentences_are_deterministic_and_topical() -> None:
    s, topics = generate_sentences(40, seed=3, with_topics=True)
    assert s == generate_sentences(40, seed=3)
    assert len(set(s)) == 40 and len(set(topics)) == 8
    assert generate_sentences(40, seed=4) != s


# ---------------------------------------------------------------------- the decoder
def _bayes_by_enumeration(gen: np.ndarray, sym: np.ndarray, kept: np.ndarray,
                          bits: np.ndarray, p: float) -> float:
    """Expected accuracy of the MAP decoder, by enumerating every message (independent)."""
    k, n = gen.shape
    total = 0.0
    for s in range(sym.shape[0]):
        like = {}
        for msg in itertools.product((0, 1), repeat=k):
            code = (np.array(msg) @ gen) % 2
            flips = (code != sym[s]) & kept[s]
            agree = (code == sym[s]) & kept[s]
            like[msg] = p ** flips.sum() * (1 - p) ** agree.sum()
        for b in range(k):
            post = [sum(v for m, v in like.items() if m[b] == val) for val in (0, 1)]
            if np.isclose(post[0], post[1]):
                total += 0.5
            else:
                total += float(int(np.argmax(post)) == bits[s, b])
    return total / (sym.shape[0] * k)


def test_optimal_decoder_is_the_bayes_decoder_with_noise_on_the_same_samples() -> None:
    task = _Task(9, 3, noise=0.2, seed=1)
    g = torch.Generator().manual_seed(0)
    sym, mask, bits = task.sample(40, torch.rand(40, generator=g) * 0.7, g)
    ours = optimal_accuracy(task.gen, sym, mask, bits)
    ref = _bayes_by_enumeration(task.gen, sym.numpy(), (~mask).numpy(), bits.numpy(), 0.2)
    assert ours == pytest.approx(ref, abs=1e-12)
    # noise matters: without erasures the noiseless criterion would claim 1.0
    sym0, mask0, bits0 = task.sample(200, 0.0, g)
    assert optimal_accuracy(task.gen, sym0, mask0, bits0) < 0.99
    with pytest.raises(ValueError, match="repetition layout"):
        optimal_accuracy(np.ones((2, 4), dtype=np.uint8), sym0[:, :4], mask0[:, :4], bits0[:, :2])


# ---------------------------------------------------------------------- figures = data
def _lines(fig: Any) -> dict[str, tuple[list[float], list[float]]]:
    out = {}
    for ax_i, ax in enumerate(fig.axes):
        for line in ax.get_lines():
            label = line.get_label()
            if not label.startswith("_"):
                out[f"{ax_i}:{label}"] = ([float(v) for v in line.get_xdata()],
                                          [float(v) for v in line.get_ydata()])
    return out


def _check_plotted(name: str, d: dict[str, Any], fig: Any) -> None:
    """Every number the figure plots is the JSON's."""
    lines = _lines(fig)
    if name == "erasure":
        for ax_i, key in enumerate(("bit_accuracy", "bit_accuracy_interval")):
            for model, acc in d[key].items():
                label = f"{model} ({d['params'][model]:,} params)" if model in d["params"] \
                    else model
                x, y = lines[f"{ax_i}:{label}"]
                assert x == d["mask_rates"] and y == acc, (key, model)
        assert set(d["params"]) == {"holographic", "holographic + aux", "standard"}
    elif name == "scratch":
        for model, m in d["models"].items():
            x, y = lines[f"0:{model}: {m['test_accuracy']:.3f}"]
            assert x == [s for s, _ in m["accuracy_curve"]]
            assert y == [a for _, a in m["accuracy_curve"]]
    else:
        for tree in {r["tree"] for r in d["rows"]}:
            sel = [r for r in d["rows"] if r["tree"] == tree]
            x, y = lines[f"0:tree {tree}"]
            assert x == [r["flops_ratio"] for r in sel]
            assert y == [r["cosine_mean"] for r in sel]


@pytest.mark.parametrize("name", ["erasure", "scratch", "zero-shot"])
def test_committed_experiment_data_matches_its_figure(name: str) -> None:
    """The committed figure is drawn from the committed full run, and says so."""
    d = load_data(name, FIGURES)
    assert d["quick"] is False and d["experiment"] == name
    assert d["command"] == command(name)
    fig_name = data_path(name).stem
    assert (FIGURES / f"{fig_name}.svg").is_file() and (FIGURES / f"{fig_name}.pdf").is_file()
    fig = getattr(nnfig, fig_name)(quick=False)
    try:
        _check_plotted(name, d, fig)
        assert f"committed full run, seed {d['seed']}: {command(name)}" in \
            fig._suptitle.get_text()
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)
    if name == "erasure":
        p = d["params"]
        assert abs(p["holographic"] - p["standard"]) < 0.02 * p["standard"]
        assert p["holographic"] == p["holographic + aux"]
        assert d["mask_rates"][0] == 0.0 and d["mask_rates"][-1] == 0.6
        assert d["task"]["n_eval"] == 2000
    elif name == "scratch":
        assert len({m["params"] for m in d["models"].values()}) == 1
    else:
        flat = [r for r in d["rows"] if r["tree"] == "flat"]
        assert flat and flat[0]["cosine_min"] >= 0.9999


def test_quick_run_regenerates_data_and_figure_through_the_cli(tmp_path: Path) -> None:
    torch.set_num_threads(1)
    assert main(["experiment", "erasure", "--quick", "--out", str(tmp_path),
                 "--no-progress"]) == 0
    d = json.loads(data_path("erasure", tmp_path).read_text())
    assert d["quick"] is True and d["command"] == command("erasure") + " --quick"
    for fmt in ("svg", "pdf"):
        assert (tmp_path / f"nn_erasure.{fmt}").stat().st_size > 1000
    assert "quick run, seed 0" in (tmp_path / "nn_erasure.svg").read_text()
    nnfig.RESULTS["nn_erasure"] = d
    try:
        fig = nnfig.nn_erasure(quick=True)
        _check_plotted("erasure", d, fig)
    finally:
        nnfig.RESULTS.pop("nn_erasure", None)
        import matplotlib.pyplot as plt

        plt.close("all")
    acc = d["bit_accuracy"]
    assert len(acc["optimal decoder"]) == len(d["mask_rates"])
    assert all(0.0 <= a <= 1.0 for curve in acc.values() for a in curve)
    assert d["train_loss"]["holographic + aux"]["aux"]       # the auxiliary loss was on
    assert "aux" not in d["train_loss"]["holographic"]


def test_output_path_is_checked_before_any_work(monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path) -> None:
    import holonet.nn.experiments.erasure as erasure

    def boom(**kw: Any) -> None:
        raise AssertionError("trained before the output path was checked")

    monkeypatch.setattr(erasure, "run_erasure", boom)
    t0 = time.perf_counter()
    assert main(["experiment", "erasure", "--out", "/proc/nope"]) == 2
    assert time.perf_counter() - t0 < 1.0
    err = capsys.readouterr().err.strip()
    assert err.startswith("holonet: error: ") and "/proc" in err and "\n" not in err
    a_file = tmp_path / "f"
    a_file.write_text("x")
    assert main(["experiment", "erasure", "--out", str(a_file)]) == 2
    assert "expected a directory" in capsys.readouterr().err
    assert main(["experiment", "erasure", "--seed", "-1", "--out", str(tmp_path)]) == 2
    assert "--seed must be >= 0" in capsys.readouterr().err


def test_every_experiment_has_a_runner_and_a_figure() -> None:
    from holonet.nn.experiments import RUNNERS, figure_name
    from holonet.viz.figures import registry

    assert set(RUNNERS) == set(EXPERIMENTS)
    assert {figure_name(n) for n in EXPERIMENTS} <= set(registry())


def test_full_figure_without_committed_data_names_the_command(monkeypatch: pytest.MonkeyPatch,
                                                              tmp_path: Path) -> None:
    monkeypatch.setattr(nnfig, "_candidates", lambda fig: [tmp_path / f"{fig}.json"])
    with pytest.raises(FileNotFoundError, match="holonet experiment scratch --out figures"):
        nnfig.nn_scratch(quick=False)


def test_figure_after_a_run_equals_the_redraw_from_its_file(tmp_path: Path) -> None:
    """`holonet experiment NAME --out` draws from the in-memory run, `holonet figures` from
    the JSON it wrote (keys sorted): the two must give the same bytes, or `make run` on a
    clean clone changes the committed figures (it once did, by the order of the curves)."""
    d = load_data("scratch", FIGURES)
    shuffled = {**d, "models": dict(reversed(list(d["models"].items())))}
    assert list(shuffled["models"]) != list(d["models"])
    a = nnfig.render_experiment("scratch", shuffled, tmp_path / "a")
    b = nnfig.render_experiment("scratch", d, tmp_path / "b")
    assert [p.name for p in a] == [p.name for p in b]
    for pa, pb in zip(a, b):
        assert pa.read_bytes() == pb.read_bytes(), pa.name
