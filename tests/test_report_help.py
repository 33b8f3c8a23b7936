"""``holonet report --help`` documents --out (issue 15)."""

from __future__ import annotations

import pytest

from holonet.cli import main


def test_report_help_documents_out(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["report", "--help"])
    assert exc.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "--out PATH" in out
    assert "markdown file to write (default: figures/report.md)" in out
    assert "written atomically" in out
