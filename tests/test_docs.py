"""The documentation site: built with warnings as errors, and complete.

The site is built once per run by :func:`holonet._docs.build_docs` (Sphinx with
``-W --keep-going``, nitpicky about holonet references) into a temporary
directory, rendering the notebooks executed by ``tests/viz/test_notebooks.py``
in the same run (``tests/viz/_notebook_run.py``: each notebook runs once). The
checks read the built HTML and Sphinx's object inventory ``objects.inv``; the
list of public names is computed here independently of the builder: every
public subpackage (walked), every module named in an ``__all__``, and each one's
``__all__``.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
import types
import zlib
from pathlib import Path

import nbformat
import pytest

import holonet
from holonet._docs import (
    _CONF,
    DocsBuild,
    _locked,
    build_docs,
    notebook_paths,
    readme_sections,
    run_sphinx,
)
from holonet.viz.figures import registry
from tests.viz._notebook_run import shared_dir
from tests.viz.test_notebooks import plotting_cells

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> DocsBuild:
    """The site, built once per run: parallel workers wait for the first build (a
    file lock) and reuse it, or re-raise its error."""
    notebooks = shared_dir(tmp_path_factory)
    out = notebooks.parent / "docs-site"
    record = out.parent / "docs-site.json"
    with _locked(out.parent / ".docs-site.lock"):
        if not record.is_file():
            try:
                res = build_docs(out, notebooks=notebooks, root=ROOT)
                result = {"html": str(res.html), "pages": res.pages, "seconds": res.seconds,
                          "log": res.log}
            except RuntimeError as exc:
                result = {"error": str(exc)}
            record.write_text(json.dumps(result))
        result = json.loads(record.read_text())
    if "error" in result:
        raise RuntimeError(result["error"])
    return DocsBuild(Path(result["html"]), result["pages"], result["seconds"], result["log"])


def inventory(path: Path) -> dict[str, str]:
    """``{name: "domain:role"}`` from a Sphinx ``objects.inv`` (format version 2)."""
    raw = path.read_bytes()
    header_end = 0
    for _ in range(4):  # four plain-text header lines, then zlib-compressed entries
        header_end = raw.index(b"\n", header_end) + 1
    assert raw.startswith(b"# Sphinx inventory version 2")
    out = {}
    for line in zlib.decompress(raw[header_end:]).decode().splitlines():
        m = re.match(r"(.+?)\s+(\S+:\S+)\s+-?\d+\s+(\S+)\s+(.*)", line)
        assert m, line
        out[m.group(1)] = m.group(2)
    return out


def public_namespaces() -> dict[str, list[str]]:
    """``{module: its __all__}`` for holonet, every public subpackage and every module
    named in one of their ``__all__`` (transitively)."""
    todo = ["holonet"] + [i.name for i in pkgutil.walk_packages(holonet.__path__, "holonet.")
                          if i.ispkg and not any(p.startswith("_") for p in i.name.split("."))]
    found: dict[str, list[str]] = {}
    while todo:
        name = todo.pop()
        if name in found:
            continue
        mod = importlib.import_module(name)
        found[name] = list(getattr(mod, "__all__", []))
        todo += [getattr(mod, n).__name__ for n in found[name]
                 if isinstance(getattr(mod, n), types.ModuleType)]
    return found


@pytest.mark.timeout(1200)
def test_site_builds_with_warnings_as_errors(site: DocsBuild) -> None:
    # build_docs raises with Sphinx's messages on any warning; nothing may be printed
    assert site.index.is_file()
    assert "WARNING" not in site.log and "ERROR" not in site.log, site.log
    assert site.pages >= len(public_namespaces()) + len(notebook_paths(ROOT))


def test_every_public_name_is_in_the_api_reference(site: DocsBuild) -> None:
    names = inventory(site.html / "objects.inv")
    namespaces = public_namespaces()
    assert {"holonet", "holonet.codes", "holonet.viz", "holonet.viz.figures",
            "holonet.decode", "holonet.backend", "holonet.stabilizer.gf2"} <= set(namespaces)
    missing = [f"{mod}.{n}" for mod, exported in namespaces.items() for n in exported
               if f"{mod}.{n}" not in names]
    assert not missing, f"public names missing from the API reference: {missing}"
    for mod in namespaces:
        assert names.get(mod) == "py:module", mod
        assert (site.html / "api" / f"{mod}.html").is_file(), mod


def test_notebooks_are_rendered_with_their_plots(site: DocsBuild) -> None:
    index = (site.html / "notebooks" / "index.html").read_text(encoding="utf-8")
    assert "HOLONET_QUICK" in index and "quick mode" in index.lower()
    for path in notebook_paths(ROOT):
        page = site.html / "notebooks" / f"{path.stem}.html"
        assert page.is_file(), f"{path.name} is not on the site"
        html = page.read_text(encoding="utf-8")
        n_plots = len(plotting_cells(nbformat.read(path, as_version=4)))
        images = re.findall(r'<img [^>]*src="[^"]*\.(?:png|svg)"', html)
        assert len(images) >= n_plots, f"{page.name}: {len(images)} images for {n_plots} plots"
        for link in re.findall(r'href="([^"#:]+\.html)"', html):  # the explorer pages
            assert (page.parent / link).resolve().is_file(), f"{page.name}: broken link {link}"


def test_theory_gallery_and_quick_start_are_on_the_site(site: DocsBuild) -> None:
    for note in sorted((ROOT / "theory").glob("*.md")):
        assert (site.html / "theory" / f"{note.stem}.html").is_file(), note.name
    gallery = (site.html / "gallery.html").read_text(encoding="utf-8")
    for name in registry():
        assert name in gallery, f"figure {name} missing from the gallery"
        if (ROOT / "figures" / f"{name}.json").is_file():
            assert f"{name}.json" in gallery
    index = (site.html / "index.html").read_text(encoding="utf-8")
    quick = readme_sections((ROOT / "README.md").read_text(encoding="utf-8"), ("Quick start",))
    code = re.search(r"```python\n(.*?)```", quick, re.S)
    assert code, "the README's quick start has no python block"
    first = code.group(1).splitlines()[0]
    assert re.sub(r"\s+", "", first) in re.sub(r"<[^>]+>|\s+", "", index), first


def test_a_broken_reference_fails_the_build(tmp_path: Path) -> None:
    """The site's own Sphinx configuration turns an unresolved holonet reference and a
    docstring markup error into a failed build; the same page with a valid reference
    (by its canonical path: resolved to the documented public name) builds."""
    src = tmp_path / "src"
    (src / "_extra").mkdir(parents=True)
    (src / "conf.py").write_text(_CONF.format(release="test"))
    page = ("Title\n=====\n\n.. py:currentmodule:: holonet.codes\n\n"
            ".. py:function:: happy_code(layers)\n\n{}\n")
    (src / "index.rst").write_text(page.format("See :func:`holonet.codes.happy.happy_code`."))
    run_sphinx(src, tmp_path / "ok")
    (src / "index.rst").write_text(page.format("See :func:`holonet.codes.no_such_code`."))
    with pytest.raises(RuntimeError, match="no_such_code"):
        run_sphinx(src, tmp_path / "broken")
    (src / "index.rst").write_text(page.format("Sizes |A| and |B|."))
    with pytest.raises(RuntimeError, match="substitution"):
        run_sphinx(src, tmp_path / "markup")
