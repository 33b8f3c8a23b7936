"""holonet's figure style: applied only inside a context that restores every setting,
never touching the backend, with journal figure sizes and a shipped style file."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import pytest

from holonet.viz.style import (
    GOLDEN,
    JOURNAL_WIDTHS,
    PALETTE,
    STYLE_FILE,
    figure_size,
    figure_style,
)

HOLONET = Path(__file__).resolve().parents[2] / "holonet"


def test_style_restores_every_setting_and_never_touches_the_backend(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args, **kwargs):
        raise AssertionError("holonet switched the matplotlib backend")

    plt.close(plt.figure())  # pyplot resolves its backend once, before the patch
    monkeypatch.setattr(matplotlib, "use", forbidden)
    monkeypatch.setattr(plt, "switch_backend", forbidden)
    backend = matplotlib.get_backend()
    before = dict(matplotlib.rcParams)
    with matplotlib.rc_context({"font.size": 17.0}):  # a user's own setting
        with figure_style("page", journal="nature"):
            assert matplotlib.rcParams["font.size"] == 9.0
            assert matplotlib.rcParams["svg.hashsalt"] == "holonet"
            fig = plt.figure()
            assert tuple(fig.get_size_inches().round(3)) == figure_size("page",
                                                                        journal="nature")
            plt.close(fig)
        assert matplotlib.rcParams["font.size"] == 17.0
        with pytest.raises(RuntimeError, match="inside"), figure_style("column"):
            raise RuntimeError("an error inside the block")
        assert matplotlib.rcParams["font.size"] == 17.0
        with figure_style(reset=False):  # layered over the user's settings
            assert matplotlib.rcParams["font.size"] == 9.0
    assert dict(matplotlib.rcParams) == before
    assert matplotlib.get_backend() == backend


def test_style_works_as_a_decorator() -> None:
    @figure_style("column")
    def draw() -> tuple[float, float]:
        fig = plt.figure()
        size = tuple(float(x) for x in fig.get_size_inches())
        plt.close(fig)
        return size

    assert draw() == pytest.approx((3.375, 3.375 * GOLDEN), abs=1e-3)
    assert draw() == pytest.approx((3.375, 3.375 * GOLDEN), abs=1e-3)  # reusable


def test_journal_widths() -> None:
    # APS Physical Review: 8.6 cm = 3 3/8 in and 17.8 cm = 7 in; Nature 89 and 183 mm
    assert JOURNAL_WIDTHS["aps"] == {"column": 3.375, "page": 7.0}
    assert figure_size("column", journal="nature")[0] == pytest.approx(8.9 / 2.54, abs=1e-3)
    assert figure_size("page", journal="nature")[0] == pytest.approx(18.3 / 2.54, abs=1e-3)
    assert figure_size("page", journal="ieee") == (7.16, round(7.16 * GOLDEN, 3))
    assert figure_size(5.0, height=2.5) == (5.0, 2.5)
    assert figure_size("column", aspect=1) == (3.375, 3.375)


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"width": "colum"}, ValueError, "unknown figure width 'colum'; expected one of 'column'"),
    ({"width": "column", "journal": "prx"}, ValueError, "unknown journal 'prx'"),
    ({"width": -1.0}, ValueError, "width must be a positive finite number; got -1.0"),
    ({"width": float("nan")}, ValueError, "width must be a positive finite number"),
    ({"width": True}, TypeError, "width must be a positive number; got bool"),
    ({"width": "page", "aspect": 0.5, "height": 2.0}, ValueError, "either height or aspect"),
    ({"width": "page", "aspect": 0.0}, ValueError, "aspect must be a positive"),
])
def test_bad_sizes_are_refused(kwargs: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        figure_size(**kwargs)
    with pytest.raises(error, match=match), figure_style(**kwargs):
        pass


def test_figure_style_refuses_a_height_without_width() -> None:
    with pytest.raises(ValueError, match="needs a width"), figure_style(aspect=0.5):
        pass


def test_style_file_is_shipped_and_matches_the_palette() -> None:
    assert STYLE_FILE.is_file() and STYLE_FILE.parent == HOLONET / "viz"
    rc = matplotlib.rc_params_from_file(str(STYLE_FILE), use_default_template=False)
    colours = ["#" + c.lstrip("#").upper() for c in rc["axes.prop_cycle"].by_key()["color"]]
    assert colours == list(PALETTE)
    assert rc["svg.hashsalt"] == "holonet" and rc["svg.fonttype"] == "path"
    assert "backend" not in rc  # a style never selects a backend
    import tomllib

    data = tomllib.loads((HOLONET.parent / "pyproject.toml").read_text())
    assert "viz/*.mplstyle" in data["tool"]["setuptools"]["package-data"]["holonet"]


def test_no_holonet_module_switches_the_backend() -> None:
    """A static guard for the Jupyter bug: nothing in holonet selects a backend."""
    call = re.compile(r"matplotlib\.use\(|mpl\.use\(|switch_backend\(")
    offenders = [f"{p.relative_to(HOLONET.parent)}:{i}" for p in sorted(HOLONET.rglob("*.py"))
                 for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if call.search(line) and not line.lstrip().startswith("#")]
    assert not offenders, f"holonet must never change the matplotlib backend: {offenders}"
