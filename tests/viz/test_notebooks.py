"""Every notebook in notebooks/ runs in a real Jupyter kernel and shows its plots.

The kernel is started the way Jupyter starts it: an ipykernel of this
interpreter *without* ``MPLBACKEND`` in its environment (the test command sets
``MPLBACKEND=Agg`` for the figure tests; :func:`holonet._docs.kernel_env` drops
it), so it selects the inline backend. Anything that switched the backend (as
``figure_style`` once did with ``matplotlib.use("Agg")``) leaves the plotting
cells without images, and these tests fail. Quick mode (``HOLONET_QUICK=1``).

Each notebook is executed once per test run (``tests/viz/_notebook_run.py``);
``tests/test_docs.py`` renders the same executed copies.

The committed notebooks carry their outputs (quick mode, written by
``make notebooks``) so that readers see the plots without running anything;
they are checked to be fresh (same sources as executed) and to show an image in
every plotting cell.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import nbformat
import pytest

from holonet._docs import (
    PLOT_TAG,
    PROGRESS_TAG,
    WIDGET_MIME,
    clean_notebook,
    notebook_paths,
    source_digest,
)
from tests.viz._notebook_run import executed

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = notebook_paths(ROOT)
REQUIRED = {"01_explore_codes", "02_mera_ising", "03_attention", "04_decoding"}
IMAGE_MIMES = ("image/png", "image/svg+xml")

#: A cell draws a plot if it is tagged ``plot`` or calls pyplot, an Axes drawing
#: method, a holonet.viz disk drawing helper or a registered figure function.
PLOT_CALL = re.compile(
    r"\bplt\.\w+\(|\.(plot|semilogy|semilogx|loglog|errorbar|scatter|imshow|matshow|bar|"
    r"hist|pcolormesh|contourf?)\(|\bdraw_(tiling|legs|bulk|edges)\(|"
    r"from holonet\.viz\.figures\.\w+ import")
#: Text that must never appear in an output.
BAD_OUTPUT = re.compile(
    r"IProgress not found|FigureCanvasAgg is non-interactive|non-interactive, and thus "
    r"cannot be shown|Matplotlib is currently using agg|cannot show the figure")


def _tags(cell: Any) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def plotting_cells(nb: Any) -> list[int]:
    """Indices of the code cells that draw a plot (by tag or by source)."""
    return [i for i, c in enumerate(nb.cells) if c.cell_type == "code"
            and (PLOT_TAG in _tags(c) or PLOT_CALL.search(c.source))]


def _has_image(cell: Any) -> bool:
    return any(m in o.get("data", {}) for o in cell.outputs for m in IMAGE_MIMES)


def _texts(cell: Any) -> list[str]:
    out = []
    for o in cell.outputs:
        if "text" in o:
            out.append(o["text"])
        for mime, value in o.get("data", {}).items():
            if mime.startswith("text/"):
                out.append(value)
        if o.get("output_type") == "error":
            out.append("\n".join(o.get("traceback", [])))
    return out


def _first_line(cell: Any) -> str:
    return cell.source.strip().splitlines()[0] if cell.source.strip() else "(empty)"


def test_required_notebooks_exist() -> None:
    assert REQUIRED <= {p.stem for p in NOTEBOOKS}


def test_plot_detection_by_source_and_tag() -> None:
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\nx = 1"),
        nbformat.v4.new_code_cell("fig, ax = plt.subplots()"),
        nbformat.v4.new_code_cell("ax.semilogy(x, y)"),
        nbformat.v4.new_code_cell("draw_tiling(t, ax=ax)"),
        nbformat.v4.new_code_cell("from holonet.viz.figures.mera import mera_network"),
        nbformat.v4.new_code_cell("show(x)", metadata={"tags": [PLOT_TAG]}),
        nbformat.v4.new_markdown_cell("plt.plot(x)"),
        nbformat.v4.new_code_cell("print('plot')"),
    ])
    assert plotting_cells(nb) == [1, 2, 3, 4, 5]


@pytest.mark.notebook
@pytest.mark.timeout(900)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_shows_its_plots_in_a_real_kernel(
        path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    nb = nbformat.read(executed(path, tmp_path_factory), as_version=4)
    assert nb.metadata["holonet"] == {"source_digest": source_digest(nb), "quick": True}
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.get("output_type") == "error"]
    assert not errors
    plots = plotting_cells(nb)
    if path.stem in REQUIRED:
        assert plots, f"{path.name}: no plotting cell found"
    blank = [f"cell {i}: {_first_line(nb.cells[i])}" for i in plots
             if not _has_image(nb.cells[i])]
    assert not blank, (f"{path.name}: plotting cells without an image/png or image/svg+xml "
                       f"output in a kernel without MPLBACKEND (backend switched?): {blank}")
    bad = [(i, m.group(0)) for i, c in enumerate(nb.cells) if c.cell_type == "code"
           for text in _texts(c) for m in [BAD_OUTPUT.search(text)] if m]
    assert not bad, f"{path.name}: outputs with {bad}"
    for i, c in enumerate(nb.cells):
        if PROGRESS_TAG in _tags(c):
            assert any(WIDGET_MIME in o.get("data", {}) for o in c.outputs), \
                f"{path.name} cell {i}: the progress bar did not render as a Jupyter widget"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_notebook_carries_fresh_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    stamp = nb.metadata.get("holonet", {})
    hint = "re-run `make notebooks` (python -m holonet._docs notebooks --write) and commit"
    assert stamp.get("source_digest") == source_digest(nb), \
        f"{path.name}: outputs are missing or stale (sources changed since executed); {hint}"
    assert stamp.get("quick") is True, f"{path.name}: outputs not from quick mode; {hint}"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code), f"{path.name}: {hint}"
    assert not any(o.get("output_type") == "error" for c in code for o in c.outputs)
    blank = [f"cell {i}: {_first_line(nb.cells[i])}" for i in plotting_cells(nb)
             if not _has_image(nb.cells[i])]
    assert not blank, f"{path.name}: committed without images in plotting cells {blank}"
    # what is committed is reproducible: no widget ids, no timings, no machine paths
    assert nbformat.writes(clean_notebook(nbformat.read(path, as_version=4))).rstrip("\n") == \
        path.read_text(encoding="utf-8").rstrip("\n")
    for c in code:
        for text in _texts(c):
            assert "/tmp/" not in text and str(ROOT) not in text, \
                f"{path.name}: an output names a machine path: {text[:200]!r}"
