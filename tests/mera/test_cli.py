"""``holonet mera optimize`` command line."""

from __future__ import annotations

import json

import numpy as np

from holonet.cli import main


def test_mera_optimize_json_and_resume(tmp_path, capsys):
    ckpt = tmp_path / "run.npz"
    argv = ["mera", "optimize", "--chi", "4", "--sweeps", "12", "--scaling", "3",
            "--checkpoint", str(ckpt), "--json", "--no-progress"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["chi"] == 4 and out["sweeps"] == 12 and out["error"] > 0
    assert len(out["scaling_dimensions"]) == 3
    assert ckpt.exists()
    # rerunning with more sweeps continues from the checkpoint
    argv[5] = "15"
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["sweeps"] == 15


def test_mera_bad_arguments_exit_2(capsys):
    assert main(["mera", "optimize", "--chi", "1", "--no-progress"]) == 2
    assert "--chi must be >= 2" in capsys.readouterr().err
    assert main(["mera", "optimize", "--kind", "quaternary", "--sweeps", "1",
                 "--no-progress"]) == 2


def _err_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err  # one line, no traceback
    return err


def test_mera_no_resume_starts_afresh(tmp_path, capsys):
    ckpt = tmp_path / "run.npz"
    argv = ["mera", "optimize", "--chi", "3", "--sweeps", "6", "--transitional-layers", "1",
            "--scaling", "0", "--checkpoint", str(ckpt), "--json", "--no-progress"]
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["sweeps"] == 6
    argv[5] = "4"
    assert main(argv + ["--no-resume"]) == 0  # 4 new sweeps, not 6 resumed ones
    assert json.loads(capsys.readouterr().out)["sweeps"] == 4
    with np.load(ckpt, allow_pickle=False) as f:
        assert int(f["sweep"]) == 4


def test_mera_checkpoint_for_another_field_is_refused(tmp_path, capsys):
    ckpt = tmp_path / "run.npz"
    base = ["mera", "optimize", "--chi", "3", "--sweeps", "3", "--transitional-layers", "1",
            "--scaling", "0", "--checkpoint", str(ckpt), "--no-progress"]
    assert main(base) == 0
    capsys.readouterr()
    assert main(base + ["--field", "1.5"]) == 2
    assert "different Hamiltonian" in _err_line(capsys)
    assert main(base + ["--field", "1.5", "--no-resume"]) == 0


def test_mera_bad_paths_and_files_fail_before_work_in_one_line(tmp_path, capsys):
    base = ["mera", "optimize", "--chi", "3", "--sweeps", "100000", "--no-progress"]
    assert main(base + ["--checkpoint", "/proc/holonet-nope/run.npz"]) == 2
    assert "--checkpoint" in _err_line(capsys)
    assert main(base + ["--checkpoint", str(tmp_path)]) == 2
    assert "is a directory" in _err_line(capsys)
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"garbage")
    assert main(base + ["--checkpoint", str(bad)]) == 2
    err = _err_line(capsys)
    assert "not a readable holonet MERA checkpoint" in err and "allow_pickle" not in err
    assert main(base + ["--field", "nan"]) == 2
    assert "--field" in _err_line(capsys)
    assert main(["mera", "optimize", "--chi", "200", "--no-progress"]) == 2
    assert "memory_limit" in _err_line(capsys)
