"""``holonet report``: verifies the default codes and writes the markdown atomically."""

from __future__ import annotations

from pathlib import Path

from holonet._report import DEFAULT_CODES
from holonet.cli import main


def test_report_passes_and_lists_every_default_code(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "report.md"
    assert main(["report", "--out", str(out), "--figures", str(tmp_path), "--no-progress"]) == 0
    text = out.read_text()
    for label, _ in DEFAULT_CODES:
        assert label in text
    assert "**FAILED**" not in text
    # [[5,1,3]] and [[25,1,9]] distances are computed, not typed in
    assert "| [[5,1,3]] code (1 layer) | 5 | 1 | 3 |" in text
    assert "| 25 | 1 | 9 |" in text
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no temp files left
