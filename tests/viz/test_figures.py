"""The figure registry: every figure renders in quick mode without warnings, output is
deterministic (byte for byte, also against the committed files), every figure saves its
data as JSON, and the registry and the committed figures/ directory match exactly."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import matplotlib
import numpy as np
import pytest

from holonet.cli import main
from holonet.viz.figures import (
    DATA_FORMAT,
    FORMATS,
    attach_data,
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
#: a committed figure regenerated in full mode and compared byte for byte (the
#: cheapest full-size figure: under a second)
REPRODUCED = "tiling_conventions"
#: quick mode is meant to take seconds, but the quick nn figures retrain their experiments
#: (about a minute of CPU for nn_erasure); this bounds a runaway figure on a busy machine
QUICK_TIMEOUT = 300

NAMES = list(registry())


@pytest.mark.timeout(QUICK_TIMEOUT)
@pytest.mark.parametrize("name", NAMES)
def test_figure_renders_quick_without_warnings(name: str, tmp_path: Path) -> None:
    if missing_needs(name):
        pytest.skip(f"figure {name!r} needs {missing_needs(name)}")
    t0 = time.perf_counter()
    paths = render(name, tmp_path / "a", quick=True)   # warnings are errors inside render
    took = time.perf_counter() - t0
    assert [p.name for p in paths] == [f"{name}.{fmt}" for fmt in (*FORMATS, DATA_FORMAT)]
    for p in paths:
        assert p.stat().st_size > 500, p
    svg = (tmp_path / "a" / f"{name}.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "<dc:date>" not in svg, "the SVG embeds a date"
    pdf = (tmp_path / "a" / f"{name}.pdf").read_bytes()
    assert pdf[:5] == b"%PDF-" and b"/CreationDate" not in pdf, "the PDF embeds a date"
    data = json.loads((tmp_path / "a" / f"{name}.json").read_text())
    assert (data["figure"], data["quick"]) == (name, True)
    assert data["description"] == registry()[name].description
    assert data["axes"] and all("title" in ax for ax in data["axes"])
    leftovers = [p.name for p in (tmp_path / "a").iterdir() if p.name.startswith(".")]
    assert not leftovers, f"temporary files left behind: {leftovers}"
    if took < 3.0:  # determinism: a second render gives the same bytes
        again = render(name, tmp_path / "b", quick=True)
        for p, q in zip(paths, again):
            assert p.read_bytes() == q.read_bytes(), f"{p.name} is not deterministic"


def test_registry_covers_every_file_in_figures_dir() -> None:
    on_disk = {p.name for p in FIGURES_DIR.iterdir() if p.is_file()} \
        if FIGURES_DIR.is_dir() else set()
    figures = {f for f in on_disk if f not in NON_FIGURES and not f.startswith(".")}
    expected = expected_files()
    assert {f"{n}.{DATA_FORMAT}" for n in registry()} <= expected  # data beside every figure
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
    assert {p.name for p in tmp_path.iterdir()} == \
        {f"{cheap[0]}.{f}" for f in (*FORMATS, DATA_FORMAT)}


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


@pytest.mark.timeout(QUICK_TIMEOUT)
def test_committed_figure_is_reproduced_byte_for_byte(tmp_path: Path) -> None:
    """`holonet figures` on a clean checkout leaves `git status` clean: one committed
    figure, redrawn at full size, equals the committed SVG, PDF and JSON to the byte."""
    paths = render(REPRODUCED, tmp_path, quick=False)
    for p in paths:
        committed = FIGURES_DIR / p.name
        assert committed.is_file(), f"{p.name} is not committed"
        assert p.read_bytes() == committed.read_bytes(), (
            f"figures/{p.name} differs from a fresh render: regenerate with "
            f"`holonet figures --only {REPRODUCED}` and commit (a new matplotlib or fontTools "
            "changes the embedded font bytes)")


def _register(name: str, func) -> None:
    from holonet.viz import figures as registry_module

    registry_module._REGISTRY.pop(name, None)
    register_figure(name, f"test figure {name}")(func)


def _unregister(*names: str) -> None:
    from holonet.viz import figures as registry_module

    for name in names:
        registry_module._REGISTRY.pop(name, None)


def test_figure_data_records_what_is_plotted(tmp_path: Path) -> None:
    """The JSON beside a figure holds the plotted numbers (rounded to 6 significant
    digits, NaN as null) and the attached data, with no saving code in the figure."""
    x = np.linspace(0.1, 0.5, 5)
    y = np.exp(-x)
    yerr = np.array([0.01, 0.02, 0.015, 0.03, 0.025])
    img = np.arange(12.0).reshape(3, 4)

    def drawn(quick: bool):
        import matplotlib.pyplot as plt

        fig, (a, b) = plt.subplots(1, 2)
        a.plot(x, y, label="decay")
        a.errorbar(x, 1 - y, yerr=yerr, fmt="o", label="rate")
        a.scatter([1.0, 2.0], [3.0, np.nan], label="points")
        a.bar([0, 1, 2], [4, 5, 6], label="counts")
        a.set(title="left", xlabel="p", ylabel="P", yscale="log")
        b.imshow(img)
        return attach_data(fig, shots=300, threshold={"p": 0.18929, "err": None})

    _register("_test_data", drawn)
    try:
        paths = render("_test_data", tmp_path, quick=True)
        rec = json.loads(paths[-1].read_text())
    finally:
        _unregister("_test_data")
    assert rec["data"] == {"shots": 300, "threshold": {"p": 0.18929, "err": None}}
    left, right = rec["axes"]
    assert (left["title"], left["xlabel"], left["ylabel"], left["yscale"]) == \
        ("left", "p", "P", "log")
    (line,) = left["lines"]
    assert line["label"] == "decay"
    assert line["x"] == [float(f"{v:.6g}") for v in x]
    assert np.allclose(line["y"], y, rtol=5e-6) and line["y"] != list(y)  # rounded
    (eb,) = left["errorbars"]
    assert eb["label"] == "rate" and np.allclose(eb["y"], 1 - y, rtol=5e-6)
    assert np.allclose(eb["yerr"], yerr, rtol=5e-6)
    (sc,) = left["scatter"]
    assert sc["label"] == "points" and sc["xy"] == [[1.0, 3.0], [2.0, None]]
    (bars,) = left["bars"]
    assert bars["label"] == "counts" and bars["height"] == [4, 5, 6]
    assert right["images"][0]["array"] == img.tolist()


def test_saving_restores_global_state(tmp_path: Path) -> None:
    """Rendering changes no matplotlib setting, no backend and no environment variable
    (SOURCE_DATE_EPOCH is set only while saving)."""
    backend = matplotlib.get_backend()
    rc = dict(matplotlib.rcParams)
    before = os.environ.get("SOURCE_DATE_EPOCH")
    seen: list[str | None] = []

    def drawn(quick: bool):
        import matplotlib.pyplot as plt

        fig = plt.figure()
        seen.append(os.environ.get("SOURCE_DATE_EPOCH"))
        fig.add_subplot().plot([0, 1])
        return fig

    _register("_test_state", drawn)
    try:
        render("_test_state", tmp_path, quick=True)
    finally:
        _unregister("_test_state")
    assert matplotlib.get_backend() == backend
    assert dict(matplotlib.rcParams) == rc
    assert os.environ.get("SOURCE_DATE_EPOCH") == before
    assert seen == [before]  # not set while the figure is drawn, only around the save
