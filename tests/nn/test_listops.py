"""ListOps experiment: generator and evaluator, encoder and peers, the pipeline end to end."""

from __future__ import annotations

import json
import os
import statistics
import unittest.mock
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from holonet.cli import main
from holonet.nn.experiments import listops
from holonet.nn.experiments._common import n_params
from holonet.nn.experiments._listops_data import (
    LRA_LISTOPS,
    evaluate,
    generate_listops,
    listops_splits,
    to_text,
    tokenize,
)
from holonet.nn.experiments._peers import (
    FlexLocalAttention,
    _local_window_backward,
    local_window_attention_dense,
)
from holonet.nn.experiments.listops import ListOpsConfig, build_model, run_listops

HTR_SKIP = "peer package h-transformer-1d not installed (benchmarks only)"
SHORT = {"min_length": 10, "max_length": 120}


# ----------------------------------------------------------------------------- data


@pytest.mark.parametrize(("text", "value"), [
    ("7", 7),
    ("[MAX 2 9 [MIN 4 7 ] 0 ]", 9),
    ("[MIN 5 [MAX 1 3 ] 8 ]", 3),
    ("[SM 3 [MED 1 2 ] 9 ]", 3),          # med(1, 2) = 1.5 -> 1; 3 + 1 + 9 = 13 -> 3
    ("[MED 9 1 5 ]", 5),
    ("[MED 4 8 1 9 ]", 6),                # sorted 1 4 8 9: (4 + 8) / 2 = 6
    ("[MED 3 4 ]", 3),                    # 3.5 truncated
    ("[SM 9 9 9 9 ]", 6),                 # 36 mod 10
    ("[SM [SM 5 5 ] 0 ]", 0),
    ("[MAX [MIN 9 8 ] [MED 7 7 6 ] [SM 4 4 ] ]", 8),
])
def test_evaluator_on_hand_computed_expressions(text: str, value: int) -> None:
    assert evaluate(tokenize(text)) == value


def _python_value(tokens: np.ndarray) -> int:
    """Python's own evaluation: the expression text turned into a call expression."""
    names = {"[MIN": "MIN(", "[MAX": "MAX(", "[MED": "MED(", "[SM": "SM(", "]": "),"}
    src = "".join(names.get(w, w + ",") for w in to_text(tokens).split()).rstrip(",")
    env = {"MIN": lambda *a: min(a), "MAX": lambda *a: max(a),
           "MED": lambda *a: int(statistics.median(a)), "SM": lambda *a: sum(a) % 10,
           "__builtins__": {}}
    return int(eval(src, env))  # the text is built from our own 15-token vocabulary


def test_labels_agree_with_stack_evaluator_and_python_eval() -> None:
    d = generate_listops(300, seed=5, **SHORT)
    for toks, n, y in zip(d.tokens, d.lengths, d.labels):
        assert evaluate(toks[:n]) == y == _python_value(toks[:n])
    long = generate_listops(3, seed=6)   # LRA lengths: recursion in eval is fine
    for toks, n, y in zip(long.tokens, long.lengths, long.labels):
        assert evaluate(toks) == y == _python_value(toks[:n])


def _depth_and_arity(tokens: np.ndarray) -> tuple[int, list[int]]:
    """Deepest node (root = 1) and every operator's argument count, from the tokens."""
    open_args: list[int] = []
    arities: list[int] = []
    deepest = 0
    for t in tokens:
        if t == 15:
            arities.append(open_args.pop())
            continue
        if open_args:
            open_args[-1] += 1
        if t in (11, 12, 13, 14):
            open_args.append(0)
            deepest = max(deepest, len(open_args))
        else:
            deepest = max(deepest, len(open_args) + 1)
    return deepest, arities


def test_generator_follows_lra_grammar_and_bounds() -> None:
    assert (LRA_LISTOPS["max_depth"], LRA_LISTOPS["max_args"], LRA_LISTOPS["min_length"],
            LRA_LISTOPS["max_length"]) == (10, 10, 500, 2000)
    d = generate_listops(200, seed=0, max_depth=4, max_args=5, min_length=10, max_length=60)
    assert d.tokens.shape == (200, 59) and d.tokens.dtype == np.uint8
    assert ((d.lengths > 10) & (d.lengths < 60)).all()
    all_arities = []
    for toks, n in zip(d.tokens, d.lengths):
        assert (toks[n:] == 0).all() and (toks[:n] > 0).all() and toks[:n].max() <= 15
        assert toks[0] in (11, 12, 13, 14) and toks[n - 1] == 15
        deepest, arities = _depth_and_arity(toks[:n])
        assert deepest <= 4
        all_arities += arities
    assert min(all_arities) == 2 and max(all_arities) == 5
    # LRA lengths, default settings: strictly inside (500, 2000)
    big = generate_listops(20, seed=1)
    assert ((big.lengths > 500) & (big.lengths < 2000)).all()
    assert set(np.unique(big.labels)) <= set(range(10))


def test_generator_is_deterministic_and_splits_are_disjoint(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    a, b = generate_listops(50, seed=3, **SHORT), generate_listops(50, seed=3, **SHORT)
    assert np.array_equal(a.tokens, b.tokens) and np.array_equal(a.labels, b.labels)
    assert not np.array_equal(a.tokens, generate_listops(50, seed=4, **SHORT).tokens)
    monkeypatch.setenv("HOLONET_CACHE", str(tmp_path))
    s1 = listops_splits({"train": 60, "test": 30}, seed=2, seq_len=128, **SHORT)
    assert list(tmp_path.glob("holonet-listops/*.npz"))
    s2 = listops_splits({"train": 60, "test": 30}, seed=2, seq_len=128, **SHORT)  # cached
    s3 = listops_splits({"train": 60, "test": 30}, seed=2, seq_len=128, cache=False, **SHORT)
    for name in ("train", "test"):
        assert np.array_equal(s1[name].tokens, s2[name].tokens)
        assert np.array_equal(s1[name].tokens, s3[name].tokens)
    train = {bytes(t) for t in s1["train"].tokens}
    assert not train & {bytes(t) for t in s1["test"].tokens}


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="unclosed|incomplete"):
        evaluate(tokenize("[MAX 1 2"))
    with pytest.raises(ValueError, match="after a complete expression"):
        evaluate(tokenize("[MAX 1 2 ] 3"))
    with pytest.raises(ValueError, match="without an open operator"):
        evaluate(tokenize("[MAX ]"))
    with pytest.raises(ValueError, match="unknown token id 16"):
        evaluate([16])
    with pytest.raises(ValueError, match="unknown ListOps token 'MAX'"):
        tokenize("MAX 1 2 ]")
    with pytest.raises(ValueError, match="seq_len must be >= 59"):
        generate_listops(1, seq_len=10, min_length=5, max_length=60)
    with pytest.raises(TypeError, match="unknown ListOps settings"):
        listops_splits({"train": 1}, depth=3)
    with pytest.raises(ValueError, match="unknown ListOps model 'flash'"):
        build_model("flash", ListOpsConfig.quick())
    with pytest.raises(ValueError, match="set budget_cpu_s"):
        ListOpsConfig(budget_cpu_s=None, max_steps=None)
    with pytest.raises(ValueError, match="shorter than the longest sequence"):
        ListOpsConfig(seq_len=1000)


# ----------------------------------------------------------------------------- models


def test_parameter_counts_match_by_construction() -> None:
    for cfg in (ListOpsConfig.quick(), ListOpsConfig.full()):
        counts = {m: n_params(build_model(m, cfg.replace(compile_flex=False)))
                  for m in ("softmax", "hsa", "flex")}
        assert len(set(counts.values())) == 1, counts
        per_layer_mha = 4 * cfg.embed_dim ** 2 + 4 * cfg.embed_dim
        model = build_model("softmax", cfg)
        assert sum(n_params(b.self_attn) for b in model.blocks) == cfg.layers * per_layer_mha


def test_h_transformer_parameter_count_differs_only_by_qkv_bias() -> None:
    pytest.importorskip("h_transformer_1d", reason=HTR_SKIP)
    cfg = ListOpsConfig.full()
    soft, htr = (n_params(build_model(m, cfg)) for m in ("softmax", "h-transformer"))
    assert soft - htr == cfg.layers * 3 * cfg.embed_dim
    assert abs(soft - htr) < 0.02 * soft


def test_block_is_the_pre_norm_transformer_encoder_layer() -> None:
    torch.manual_seed(0)
    e, ff = 16, 32
    ref = nn.TransformerEncoderLayer(e, 4, ff, dropout=0.0, activation="gelu",
                                     batch_first=True, norm_first=True)
    blk = listops._Block(listops._MHAInterface(nn.MultiheadAttention(e, 4, batch_first=True)),
                         e, ff)
    ref_sd = ref.state_dict()
    mapped = {k: ref_sd[k.replace("self_attn.attn.", "self_attn.")] for k in blk.state_dict()}
    assert len(mapped) == len(ref_sd)
    blk.load_state_dict(mapped)
    x = torch.randn(3, 10, e)
    pad = torch.zeros(3, 10, dtype=torch.bool)
    pad[1, 6:] = True
    torch.testing.assert_close(blk(x, pad), ref(x, src_key_padding_mask=pad),
                               atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("name", ["softmax", "hsa", "flex", "h-transformer"])
def test_padding_never_leaks_into_real_tokens(name: str) -> None:
    if name == "h-transformer":
        pytest.importorskip("h_transformer_1d", reason=HTR_SKIP)
    torch.manual_seed(0)
    attn = listops._attention(name, ListOpsConfig.quick())
    x = torch.randn(2, 128, 32)
    pad = torch.zeros(2, 128, dtype=torch.bool)
    pad[0, 70:] = True
    pad[1, 100:] = True
    y = attn(x, pad)
    x2 = x.clone()
    x2[pad] = 100 * torch.randn(int(pad.sum()), 32)
    torch.testing.assert_close(attn(x2, pad)[~pad], y[~pad], atol=1e-5, rtol=1e-5)


def test_flex_local_attention_matches_the_dense_window_and_its_gradient() -> None:
    torch.manual_seed(1)
    n, e, heads, window = 200, 16, 2, 37
    layer = FlexLocalAttention(e, heads, seq_len=n, window=window, compile=False)
    x = torch.randn(2, n, e, requires_grad=True)
    pad = torch.zeros(2, n, dtype=torch.bool)
    pad[1, 150:] = True

    def dense(xx: torch.Tensor) -> torch.Tensor:
        q, k, v = nn.functional.linear(xx, layer.in_proj_weight, layer.in_proj_bias).chunk(3, -1)

        def h(t: torch.Tensor) -> torch.Tensor:
            return t.reshape(2, n, heads, e // heads).transpose(1, 2)

        o = local_window_attention_dense(h(q), h(k), h(v), ~pad, window)
        return layer.out_proj(o.transpose(1, 2).reshape(2, n, e))

    g = torch.randn(2, n, e)
    y = layer(x, pad)
    (gx,) = torch.autograd.grad((y * g).sum(), x)
    x2 = x.detach().clone().requires_grad_()
    y2 = dense(x2)
    (gx2,) = torch.autograd.grad((y2 * g).sum(), x2)
    torch.testing.assert_close(y, y2, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(gx, gx2, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize(("n", "window"), [(300, 50), (128, 1), (513, 200), (64, 500)])
def test_blocked_backward_equals_autograd_in_float64(n: int, window: int) -> None:
    g = torch.Generator().manual_seed(n)
    q, k, v = (torch.randn(2, 3, n, 8, dtype=torch.float64, generator=g, requires_grad=True)
               for _ in range(3))
    valid = torch.rand(2, n, generator=g) > 0.3
    valid[1] = False                               # a fully padded sequence: zero, no NaN
    out = local_window_attention_dense(q, k, v, valid, window)
    dout = torch.randn(out.shape, dtype=torch.float64, generator=g)
    ref = torch.autograd.grad(out, (q, k, v), dout)
    got = _local_window_backward(q.detach(), k.detach(), v.detach(), valid, out.detach(),
                                 dout, window)
    for a, b in zip(got, ref):
        assert torch.isfinite(a).all()
        torch.testing.assert_close(a, b, atol=1e-12, rtol=1e-10)


@pytest.mark.slow
def test_compiled_flex_matches_eager() -> None:
    torch.manual_seed(2)
    eager = FlexLocalAttention(16, 2, seq_len=256, window=40, compile=False)
    comp = FlexLocalAttention(16, 2, seq_len=256, window=40, compile=True)
    comp.load_state_dict(eager.state_dict())
    x = torch.randn(2, 256, 16, requires_grad=True)
    pad = torch.zeros(2, 256, dtype=torch.bool)
    pad[0, 200:] = True
    ye, yc = eager(x, pad), comp(x, pad)
    torch.testing.assert_close(yc, ye, atol=1e-5, rtol=1e-5)
    ge, gc = (torch.autograd.grad(y.square().sum(), x)[0] for y in (ye, yc))
    torch.testing.assert_close(gc, ge, atol=1e-4, rtol=1e-4)


def test_pinned_threads_restores() -> None:
    before = torch.get_num_threads()
    with pytest.raises(RuntimeError), listops.pinned_threads(1):
        assert torch.get_num_threads() == 1
        raise RuntimeError
    assert torch.get_num_threads() == before


# ----------------------------------------------------------------------------- pipeline


def _tiny(**changes: object) -> ListOpsConfig:
    return ListOpsConfig.quick().replace(**{"n_train": 32, "n_val": 8, "n_test": 16,
                                            "max_steps": 3, **changes})


def test_training_is_deterministic_for_a_seed() -> None:
    runs = [run_listops(_tiny(), models=("softmax", "hsa"), seed=s) for s in (0, 0, 1)]
    for name in ("softmax", "hsa"):
        a, b, c = (r["models"][name] for r in runs)
        assert [x[1] for x in a["loss_curve"]] == [x[1] for x in b["loss_curve"]]
        assert a["test_accuracy"] == b["test_accuracy"] and a["steps"] == b["steps"] == 3
        assert [x[1] for x in a["loss_curve"]] != [x[1] for x in c["loss_curve"]]


def test_cpu_budget_ends_training() -> None:
    res = run_listops(_tiny(budget_cpu_s=0.05, max_steps=None), models=("hsa",), seed=0)
    m = res["models"]["hsa"]
    assert m["steps"] >= 1 and m["train_cpu_s"] >= 0.05
    assert m["train_cpu_s"] - m["cpu_per_step_s"] < 0.05  # stopped at the first step over


def test_quick_cli_run_writes_json_and_figure(tmp_path: Path) -> None:
    assert main(["experiment", "listops", "--quick", "--out", str(tmp_path),
                 "--no-progress"]) == 0
    d = json.loads((tmp_path / "nn_data" / "listops.json").read_text())
    assert d["quick"] is True and d["complete"] is True
    assert list(d["models"]) == list(listops.MODELS)
    for name, m in d["models"].items():
        if name == "h-transformer" and "skipped" in m:
            assert m["skipped"] == HTR_SKIP
            continue
        assert m["steps"] == 6 and 0.0 <= m["test_accuracy"] <= 1.0
        assert m["cpu_per_step_s"] > 0 and m["peak_rss_mib"] > 0 and m["peak_train_mib"] >= 0
        assert len(m["val_curve"]) == 2
    assert d["command"].startswith("holonet experiment listops --quick")
    for fmt in ("svg", "pdf"):
        assert (tmp_path / f"nn_listops.{fmt}").stat().st_size > 0
    assert not list(tmp_path.rglob(".*listops*"))  # no temporary files left behind


def test_quick_run_trains_h_transformer_when_installed() -> None:
    pytest.importorskip("h_transformer_1d", reason=HTR_SKIP)
    res = run_listops(_tiny(), models=("h-transformer",), seed=0)
    m = res["models"]["h-transformer"]
    assert m["steps"] == 3 and m["params"] < n_params(build_model("softmax", _tiny()))


def test_missing_peer_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    real = listops.importlib.util.find_spec
    monkeypatch.setattr(listops.importlib.util, "find_spec",
                        lambda name, *a: None if name == "h_transformer_1d" else real(name, *a))
    res = run_listops(_tiny(), models=("h-transformer",), seed=0)
    assert res["models"]["h-transformer"]["skipped"] == HTR_SKIP


def test_output_path_is_checked_before_any_work(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    def boom(*a: object, **k: object) -> None:
        raise AssertionError("data generated before the output path was checked")

    monkeypatch.setattr(listops, "listops_splits", boom)
    a_file = tmp_path / "file"
    a_file.write_text("x")
    assert main(["experiment", "listops", "--quick", "--out", str(a_file)]) == 2
    assert "is a file; expected a directory" in capsys.readouterr().err
    (tmp_path / "out" / "nn_data" / "listops.json").mkdir(parents=True)
    assert main(["experiment", "listops", "--quick", "--out", str(tmp_path / "out")]) == 2
    assert "is a directory; expected a file" in capsys.readouterr().err
    assert main(["experiment", "listops", "--quick", "--budget", "-1",
                 "--out", str(tmp_path / "new")]) == 2
    assert "--budget must be a positive" in capsys.readouterr().err
    assert main(["experiment", "listops", "--quick", "--models", "flash",
                 "--out", str(tmp_path / "new")]) == 2
    assert "unknown ListOps model 'flash'" in capsys.readouterr().err
    assert main(["experiment", "scratch", "--models", "hsa", "--quick"]) == 2
    assert "option of 'listops' only" in capsys.readouterr().err


def test_interrupt_keeps_finished_models_and_rerun_merges(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    real = listops._train_one
    small = _tiny()
    monkeypatch.setattr(listops.ListOpsConfig, "quick", classmethod(lambda cls: small))

    def interrupted(name: str, *a: object, **k: object) -> dict[str, object]:
        if name == "hsa":
            raise KeyboardInterrupt
        return real(name, *a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(listops, "_train_one", interrupted)
    with pytest.raises(KeyboardInterrupt):
        listops.run_listops_to_files(tmp_path, quick=True, models=("softmax", "hsa"),
                                     progress=False)
    path = tmp_path / "nn_data" / "listops.json"
    d = json.loads(path.read_text())
    assert list(d["models"]) == ["softmax"] and d["complete"] is False
    monkeypatch.setattr(listops, "_train_one", real)
    listops.run_listops_to_files(tmp_path, quick=True, models=("hsa",), progress=False)
    d2 = json.loads(path.read_text())
    assert list(d2["models"]) == ["softmax", "hsa"]
    assert d2["models"]["softmax"] == d["models"]["softmax"]
    assert d2["complete"] is False  # flex and h-transformer not run yet


def test_cli_passes_jobs_through(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = {}
    real = listops.run_listops_to_json

    def spy(*a: object, **k: object) -> dict[str, object]:
        seen.update(k)
        return real(*a, **{**k, "models": ("hsa",), "jobs": 1})  # type: ignore[arg-type]

    monkeypatch.setattr(listops, "run_listops_to_json", spy)
    assert main(["experiment", "listops", "--quick", "--jobs", "2", "--out", str(tmp_path),
                 "--no-progress"]) == 0
    assert seen["jobs"] == 2 and "--jobs 2" in str(seen["command"])


def test_parallel_jobs_give_the_same_numbers() -> None:
    one = run_listops(_tiny(), models=("softmax", "hsa"), seed=0)
    two = run_listops(_tiny(), models=("softmax", "hsa"), seed=0, jobs=2)
    assert list(two["models"]) == ["softmax", "hsa"] and two["machine"]["jobs"] == 2
    for name in ("softmax", "hsa"):
        a, b = one["models"][name], two["models"][name]
        assert [x[1] for x in a["loss_curve"]] == [x[1] for x in b["loss_curve"]]
        assert a["test_accuracy"] == b["test_accuracy"] and a["params"] == b["params"]


def test_a_failing_model_does_not_lose_the_others(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    real = listops._train_one
    seen_limit = []

    def fails(name: str, *a: object, **k: object) -> dict[str, object]:
        seen_limit.append(os.environ.get("HOLONET_MEMORY_LIMIT"))
        if name == "softmax":
            raise ValueError("out of memory budget")
        return real(name, *a, **k)  # type: ignore[arg-type]

    monkeypatch.delenv("HOLONET_MEMORY_LIMIT", raising=False)
    small = _tiny()
    monkeypatch.setattr(listops, "_train_one", fails)
    monkeypatch.setattr(listops.ListOpsConfig, "quick", classmethod(lambda cls: small))
    with pytest.raises(RuntimeError, match="softmax: ValueError: out of memory budget"):
        listops.run_listops_to_files(tmp_path, quick=True, models=("softmax", "hsa"),
                                     progress=False)
    d = json.loads((tmp_path / "nn_data" / "listops.json").read_text())
    assert d["models"]["softmax"]["failed"] == "ValueError: out of memory budget"
    assert d["models"]["hsa"]["steps"] == 3 and d["complete"] is False
    assert seen_limit == ["4G", "4G"] and "HOLONET_MEMORY_LIMIT" not in os.environ


def test_a_budget_overshot_by_the_last_step_still_finishes(monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    # each step "costs" 1.5 CPU-s against a 2 CPU-s budget: the last one overshoots by
    # 1 s, past where tqdm drops the bar's total (the full run once failed there after
    # its whole budget, with the progress bar on)
    import time as real_time
    from types import SimpleNamespace

    clock = iter(np.arange(0.0, 1e6, 1.5))
    fake = SimpleNamespace(process_time=lambda: float(next(clock)),
                           perf_counter=real_time.perf_counter)
    monkeypatch.setattr(listops, "time", fake)
    res = run_listops(_tiny(max_steps=None, budget_cpu_s=2.0), models=("hsa",), seed=0,
                      progress=True)
    m = res["models"]["hsa"]
    assert m["steps"] == 2 and m["train_cpu_s"] == pytest.approx(3.0)  # 1 s past the total


def test_two_invocations_with_different_models_merge_on_disk(tmp_path: Path) -> None:
    # the second run starts before the first one saves: the file, not the state at its
    # start, is what it merges with
    path = tmp_path / "listops.json"
    cfg = _tiny()
    first = listops.run_listops_to_json(path, cfg, models=("hsa",),
                                        command="A --models hsa --seed 0")
    assert first["complete"] is False
    assert first["models"]["hsa"]["command"] == "A --models hsa --seed 0"
    real_run = listops.run_listops

    def late(*a: object, **k: object) -> dict[str, object]:
        res = real_run(*a, **k)  # type: ignore[arg-type]
        # meanwhile another invocation wrote softmax
        with unittest.mock.patch.object(listops, "run_listops", real_run):
            listops.run_listops_to_json(path, cfg, models=("softmax",),
                                        command="A --models softmax")
        return res

    with unittest.mock.patch.object(listops, "run_listops", late):
        both = listops.run_listops_to_json(path, cfg, models=("flex", "h-transformer"),
                                           command="A --models flex h-transformer --seed 0")
    on_disk = json.loads(path.read_text())
    assert on_disk == both
    assert list(both["models"]) == list(listops.MODELS)
    assert both["models"]["softmax"]["command"] == "A --models softmax"
    assert both["models"]["flex"]["command"] == "A --models flex h-transformer --seed 0"
    assert both["complete"] is True and both["command"] == "A --seed 0"
