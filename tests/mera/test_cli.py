"""``holonet mera optimize`` command line."""

from __future__ import annotations

import json

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
