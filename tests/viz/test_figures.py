"""The figure registry: every figure renders in quick mode without warnings, output is
deterministic, and the registry and the committed figures/ directory match exactly."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from holonet.cli import main
from holonet.viz.figures import (
    FORMATS,
    expected_files,
    missing_needs,
    register_figure,
    registry,
    render,
    render_all,
)

FIGURES_DIR = Path(__file__).resolve().parents[2] / "figures"
#: non-figure files the main job writes into figures/ (``holonet report``)
NON_FIGURES = {"report.md", "report.json", ".gitkeep", "README.md"}
#: a registered figure may keep its data beside it (``<name>.json``), e.g. the
#: results of an experiment the figure is drawn from
DATA_SUFFIXES = (".json", ".csv")
#: quick mode is meant to take seconds; this bounds a runaway figure
QUICK_TIMEOUT = 90

NAMES = list(registry())


@pytest.mark.timeout(QUICK_TIMEOUT)
@pytest.mark.parametrize("name", NAMES)
def test_figure_renders_quick_without_warnings(name: str, tmp_path: Path) -> None:
    if missing_needs(name):
        pytest.skip(f"figure {name!r} needs {missing_needs(name)}")
    t0 = time.perf_counter()
    paths = render(name, tmp_path / "a", quick=True)   # warnings are errors inside render
    took = time.perf_counter() - t0
    assert sorted(p.name for p in paths) == sorted(f"{name}.{fmt}" for fmt in FORMATS)
    for p in paths:
        assert p.stat().st_size > 500, p
    svg = (tmp_path / "a" / f"{name}.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert (tmp_path / "a" / f"{name}.pdf").read_bytes()[:5] == b"%PDF-"
    leftovers = [p.name for p in (tmp_path / "a").iterdir() if p.name.startswith(".")]
    assert not leftovers, f"temporary files left behind: {leftovers}"
    if took < 3.0:  # determinism: a second render gives the same bytes
        again = render(name, tmp_path / "b", quick=True)
        for p, q in zip(paths, again):
            assert p.read_bytes() == q.read_bytes(), f"{p.name} is not deterministic"


def test_registry_covers_every_file_in_figures_dir() -> None:
    on_disk = {p.name for p in FIGURES_DIR.iterdir() if p.is_file()} \
        if FIGURES_DIR.is_dir() else set()
    names = set(registry())
    figures = {f for f in on_disk if f not in NON_FIGURES and not f.startswith(".")
               and not (f.endswith(DATA_SUFFIXES) and f.rsplit(".", 1)[0] in names)}
    expected = expected_files()
    stray = sorted(figures - expected)
    assert not stray, (f"files in figures/ that no registered figure writes: {stray} "
                       "(register a figure function or delete them)")
    missing = sorted(expected - figures)
    assert not missing, (f"registered figures without files in figures/: {missing} "
                         "(run `holonet figures --only NAME` and commit the files)")


def test_bad_name_lists_the_valid_ones(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ValueError, match="unknown figure 'no-such-figure'") as info:
        render("no-such-figure", tmp_path)
    for name in NAMES:
        assert repr(name) in str(info.value)
    with pytest.raises(ValueError, match="unknown figure"):
        render_all(tmp_path, only=[*NAMES[:1], "no-such-figure"], progress=False)
    assert not any(tmp_path.iterdir()), "nothing is drawn when a name is bad"
    assert main(["figures", "--only", "no-such-figure", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "unknown figure 'no-such-figure'; expected one of" in err
    for name in NAMES:
        assert repr(name) in err


def test_cli_list_and_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["figures", "--list"]) == 0
    out = capsys.readouterr().out
    for name in NAMES:
        assert name in out
    # tiling figures are the quickest to draw
    cheap = sorted((n for n in NAMES if not missing_needs(n)),
                   key=lambda n: (not n.startswith("tiling"), n))[:1]
    if not cheap:
        pytest.skip("no figure registered yet")
    assert main(["figures", "--quick", "--no-progress", "--only", cheap[0],
                 "--out", str(tmp_path)]) == 0
    assert {p.name for p in tmp_path.iterdir()} == {f"{cheap[0]}.{f}" for f in FORMATS}


def test_register_rejects_bad_and_duplicate_names() -> None:
    with pytest.raises(ValueError, match="alphanumeric"):
        register_figure("bad name!")
    spec = next(iter(registry().values()), None)
    if spec is None:
        pytest.skip("no figure registered yet")
    with pytest.raises(ValueError, match="registered twice"):
        register_figure(spec.name)(lambda quick: None)


def test_a_warning_or_a_non_figure_fails_the_render(tmp_path: Path) -> None:
    import warnings

    from holonet.viz import figures as registry_module

    def warns(quick: bool):
        import matplotlib.pyplot as plt

        fig = plt.figure()
        warnings.warn("a defect", UserWarning, stacklevel=1)
        return fig

    def not_a_figure(quick: bool):
        return 42

    try:
        register_figure("_test_warns")(warns)
        register_figure("_test_not_a_figure")(not_a_figure)
        with pytest.raises(UserWarning, match="a defect"):
            render("_test_warns", tmp_path)
        with pytest.raises(TypeError, match="must return a matplotlib Figure"):
            render("_test_not_a_figure", tmp_path)
        assert not any(tmp_path.iterdir())
    finally:
        registry_module._REGISTRY.pop("_test_warns", None)
        registry_module._REGISTRY.pop("_test_not_a_figure", None)
