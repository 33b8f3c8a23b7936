"""Running an experiment leaves the caller's global torch state and environment as they were."""

from __future__ import annotations

import os

import torch

from holonet.nn.experiments import run_experiment
from holonet.nn.experiments.zero_shot import load_minilm


def test_run_experiment_restores_rng_and_threads() -> None:
    torch.manual_seed(1234)
    threads = torch.get_num_threads()
    state = torch.get_rng_state()
    run_experiment("scratch", quick=True, seed=3)
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.get_num_threads() == threads


def test_load_minilm_restores_the_environment(monkeypatch) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    load_minilm()
    assert "HF_HUB_OFFLINE" not in os.environ
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    load_minilm()
    assert os.environ["HF_HUB_OFFLINE"] == "0"
