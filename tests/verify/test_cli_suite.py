"""``holonet verify`` and :func:`holonet.verify.verify_code`."""

from __future__ import annotations

import json

import pytest

from holonet.cli import main
from holonet.verify import Report, ReportList, verify_code


def test_cli_happy_layers_2(capsys, tmp_path):
    out_json = tmp_path / "r.json"
    rc = main(["verify", "happy", "--layers", "2", "--shots", "300", "--json", str(out_json)])
    out = capsys.readouterr().out
    assert rc == 0, out
    for word in ("isometry", "complementary recovery over 600", "erasure sample",
                 "RT over 600", "all 5 checks passed"):
        assert word in out
    data = json.loads(out_json.read_text())
    assert data["ok"] is True and len(data["reports"]) == 5


def test_cli_variants_and_bad_args(capsys):
    assert main(["verify", "happy", "--layers", "2", "--variant", "hexagon-state"]) == 0
    assert "RT over" in capsys.readouterr().out
    assert main(["verify", "happy", "--variant", "hexgon"]) == 2
    assert "hexgon" in capsys.readouterr().err
    assert main(["verify", "mera"]) == 2
    assert main(["verify", "happy", "--layers", "0"]) == 2


def test_cli_exit_status_on_failure(monkeypatch, capsys):
    import holonet.verify

    def failing(code, **kw):
        return ReportList([Report("fake check", False, ["tensor 'TILE3' broken"])])

    monkeypatch.setattr(holonet.verify, "verify_code", failing)
    assert main(["verify", "happy", "--layers", "2"]) == 1
    out = capsys.readouterr().out
    assert "FAILED" in out and "TILE3" in out


@pytest.mark.parametrize("kwargs,n_reports", [({"layers": 2}, 5),
                                              ({"layers": 2, "variant": "hexagon-state"}, 2),
                                              ({"layers": 3}, 5)])
def test_verify_code(kwargs, n_reports):
    from holonet.codes import happy_code

    reps = verify_code(happy_code(**kwargs), erasure_shots=200)
    assert reps.ok, reps.explain()
    assert len(reps) == n_reports
    assert json.dumps(reps.summary())


def test_verify_code_plain_stabilizer_code(code_513):
    reps = verify_code(code_513, erasure_shots=100)
    assert [r.title.split(" of ")[0].split(" on ")[0] for r in reps] == [
        "stabilizer consistency", "interval recovery", "erasure sample", "distance"]
    assert reps.ok, reps.explain()


def test_reports_render_html_and_json(code_513):
    from holonet.verify import erasure, erasure_exhaustive

    for rep in (erasure(code_513, [0, 1, 2]), erasure_exhaustive(code_513, 2)):
        html = rep._repr_html_()
        assert isinstance(html, str) and rep.title.split(" on ")[0][:20] in html
        assert json.loads(rep.to_json())["ok"] == rep.ok
    assert "uncorrectable" in erasure_exhaustive(code_513, 3, expect="not-all").title
