"""``holonet verify code FILE`` and the checks of a plain stabilizer code."""

from __future__ import annotations

import json

import numpy as np

from holonet.cli import main
from holonet.codes import happy_code
from holonet.stabilizer import StabilizerCode
from holonet.verify import Report, ReportList
from holonet.verify.codecheck import distance_check, interval_recovery, stabilizer_consistency


def test_verify_code_file_text_and_mtx(tmp_path, capsys):
    sc = happy_code(2, convention="edge", variant="single").stabilizer_code
    txt = sc.save(tmp_path / "c.txt", source="happy_code(2, convention='edge', variant='single')")
    out_json = tmp_path / "r.json"
    assert main(["verify", "code", str(txt), "--shots", "400", "--json", str(out_json)]) == 0
    out = capsys.readouterr().out
    assert "[[25,1]], 24 generators (source: happy_code(2" in out
    assert "not applicable: isometry" in out
    for line in ("stabilizer consistency of [[25,1]]", "interval recovery of [[25,1]]: 600",
                 "erasure sample on [[25,1]]: 400 random erasures", "± 1 standard error",
                 "distance of [[25,1]] = 9", "weight enumerators agree", "all 4 checks passed"):
        assert line in out, line
    summary = json.loads(out_json.read_text())
    assert summary["ok"] and summary["reports"][-1]["d"] == 9
    err = summary["reports"][2]["exact_all_stderr"]
    assert 0 < err < 0.02
    mtx = happy_code(2).stabilizer_code.save(tmp_path / "p.mtx")
    assert main(["verify", "code", str(mtx), "--shots", "200"]) == 0
    assert "distance of [[25,11]] = 3" in capsys.readouterr().out
    assert main(["verify", "code", str(txt), "--shots", "200", "--distance-limit", "1e5"]) == 0
    assert "distance of [[25,1]]: NOT CHECKED" in capsys.readouterr().out


def test_verify_code_file_errors(tmp_path, capsys):
    assert main(["verify", "code"]) == 2
    assert "needs a FILE" in capsys.readouterr().err
    assert main(["verify", "code", str(tmp_path / "missing.txt")]) == 2
    assert "does not exist" in capsys.readouterr().err
    bad = tmp_path / "bad.txt"
    bad.write_text("format: holonet-stabilizer-code 1\nn: 2\nk: 0\nstabilizers: 2\nXX\nZI\n")
    assert main(["verify", "code", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "anticommute" in err and str(bad) in err
    assert main(["verify", "happy", str(bad)]) == 2
    good = StabilizerCode.from_pauli_strings(["ZZ"]).save(tmp_path / "rep.txt")
    assert main(["verify", "code", str(good), "--distance-limit", "-1"]) == 2


def test_verify_code_file_failure_exit_status(monkeypatch, tmp_path, capsys):
    import holonet.verify

    path = StabilizerCode.from_pauli_strings(["ZZ"]).save(tmp_path / "rep.txt")
    monkeypatch.setattr(holonet.verify, "verify_code", lambda *a, **k: ReportList(
        [Report("a check", False, ["broken on purpose"])]))
    assert main(["verify", "code", str(path)]) == 1
    assert "FAILED: 1 of 1 checks: a check" in capsys.readouterr().out


def test_plain_checks_fail_on_corrupt_data():
    sc = StabilizerCode.from_pauli_strings(["XZZXI", "IXZZX", "XIXZZ", "ZXIXZ"])
    good = stabilizer_consistency(sc)
    assert good.ok
    bad = StabilizerCode(np.array([[1, 0, 0, 0], [0, 0, 1, 0]], np.uint8))  # XI, ZI anticommute
    rep = stabilizer_consistency(bad)
    assert not rep.ok and "anticommute" in rep.failures[0]
    assert distance_check(sc).numbers["witness"].count("I") == 2
    rep = interval_recovery(happy_code(2).stabilizer_code, max_intervals=100)
    assert rep.ok and rep.numbers["intervals"] <= 100 + 25
    too_much = distance_check(happy_code(3, convention="edge", variant="single").stabilizer_code,
                              limit=1e6)
    assert too_much.ok and too_much.numbers["d"] is None
    assert "NOT CHECKED" in too_much.title and "d >= " in too_much.explain()
