"""Atomic output: all or nothing, with ordinary permissions."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from holonet._io import atomic_open, atomic_path


def test_interrupted_write_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_open(target) as fh:
        fh.write("half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_permissions_follow_umask(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        with atomic_path(tmp_path / "f.bin") as tmp:
            tmp.write_bytes(b"x")
    finally:
        os.umask(umask)
    assert (tmp_path / "f.bin").stat().st_mode & 0o777 == 0o644


def test_atomic_open_refuses_read_mode(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="for writing"), atomic_open(tmp_path / "x", "r"):
        pass
