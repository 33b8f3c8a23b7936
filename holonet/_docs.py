"""Build the documentation site and execute the notebooks (``make docs``, ``make notebooks``).

Nothing of the site is maintained by hand outside the sources it is built from:

* the **API reference** has one page per public module, generated from the
  ``__all__`` of ``holonet``, of every module named there, of every public
  subpackage (found by walking the package), and of every public submodule whose
  ``__all__`` names something its package does not re-export — a new name or a
  new subpackage appears without touching this file;
* the **theory notes** are ``theory/*.md``; the **notebooks** are every
  ``notebooks/*.ipynb``, executed at build time in quick mode
  (``HOLONET_QUICK=1``) in a real Jupyter kernel, or reused from a directory of
  copies executed earlier in the same run; the **gallery** lists every figure of
  :func:`holonet.viz.figures.registry` with its data file; the **landing page**
  is the README's introduction and quick start.

The Sphinx sources are generated into ``<out>/src`` (``conf.py`` included) and
the site into ``<out>/html``; ``<out>`` defaults to ``build/docs`` (git-ignored).
Sphinx runs with ``-W --keep-going``: any warning — a broken cross-reference, a
malformed docstring — fails the build after reporting all of them.

Command line::

    python -m holonet._docs                     # build build/docs/html (make docs)
    python -m holonet._docs --notebooks DIR     # reuse notebooks executed into DIR
    python -m holonet._docs notebooks --write   # re-execute notebooks/ in quick mode and
                                                # store their outputs in place (make notebooks)

Notebook execution (:func:`execute_notebook`) removes ``MPLBACKEND`` from the
kernel's environment, so the kernel selects its inline backend as it does for a
user, and it is idempotent: a copy whose recorded source digest matches the
notebook is reused, under a file lock, so parallel test workers execute each
notebook once per run.

Examples
--------
>>> names = api_modules()
>>> names[0], "holonet.codes" in names, "holonet.viz.figures" in names
('holonet', True, True)
>>> kernel_env("/tmp/x", base={"MPLBACKEND": "Agg", "HOME": "/root"})["MPLBACKEND"]
Traceback (most recent call last):
    ...
KeyError: 'MPLBACKEND'
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib
import inspect
import json
import os
import pkgutil
import re
import shutil
import subprocess
import sys
import time
import types
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from holonet._io import atomic_open

__all__ = ["PLOT_TAG", "PROGRESS_TAG", "WIDGET_MIME", "DocsBuild", "api_modules",
           "build_docs", "clean_notebook", "execute_notebook", "kernel_env",
           "notebook_paths", "readme_sections", "run_sphinx", "source_digest"]

#: The repository root (the directory holding ``pyproject.toml``) of a checkout.
ROOT = Path(__file__).resolve().parents[1]

#: Cell tag marking a cell that draws a plot (it must produce an image output).
PLOT_TAG = "plot"
#: Cell tag marking a cell that shows a tqdm progress bar (a Jupyter widget).
PROGRESS_TAG = "progress"
#: MIME type of a Jupyter widget view (tqdm's bar in a notebook).
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"

#: README sections shown on the landing page, in this order.
_README_SECTIONS = ("What holonet is", "Quick start")

_QUICK_FULL = """\
Every notebook reads the environment variable `HOLONET_QUICK`:

* **full mode** (the default, `HOLONET_QUICK` unset): the sizes of the paper
  figures and of the theory notes (more layers, larger bond dimensions, more
  Monte-Carlo shots); a notebook takes minutes;
* **quick mode** (`HOLONET_QUICK=1`): small sizes, seconds per notebook. The
  test suite, `make docs` and the outputs committed with the notebooks all use
  quick mode, so the numbers shown here are from the small sizes; numbers that
  only converge at full size say so in the text.

Run a notebook at full size by starting Jupyter without the variable
(`jupyter lab notebooks/`), or in quick mode with
`HOLONET_QUICK=1 jupyter lab notebooks/`. `HOLONET_NOTEBOOK_OUT` names the
directory for files a notebook writes (explorer pages, checkpoints); by default a
fresh temporary directory.
"""


# ----------------------------------------------------------------------------- notebooks

def notebook_paths(root: str | os.PathLike[str] = ROOT) -> list[Path]:
    """Every notebook in ``<root>/notebooks``, sorted by name.

    Examples
    --------
    >>> [p.name for p in notebook_paths()][:1]
    ['01_explore_codes.ipynb']
    """
    return sorted((Path(root) / "notebooks").glob("*.ipynb"))


def source_digest(nb: Any) -> str:
    """SHA-256 of a notebook's cell types and sources (not outputs, not metadata).

    Recorded in the metadata of an executed copy (``metadata.holonet.source_digest``):
    outputs whose digest differs from the notebook's are stale.

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    >>> d = source_digest(nb)
    >>> nb.cells[0].outputs = [nbformat.v4.new_output("stream", text="x")]
    >>> source_digest(nb) == d, len(d)
    (True, 64)
    """
    payload = json.dumps([[c["cell_type"], c["source"]] for c in nb["cells"]])
    return hashlib.sha256(payload.encode()).hexdigest()


def kernel_env(outdir: str | os.PathLike[str], *, quick: bool = True,
               base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a notebook kernel: ``base`` (default ``os.environ``) without
    ``MPLBACKEND``, with ``HOLONET_QUICK``, ``HOLONET_NOTEBOOK_OUT=outdir`` and
    ``PYTHONHASHSEED=0`` (so that printed sets come out in the same order every run).

    ``MPLBACKEND`` is removed because the test command sets it to ``Agg`` for the
    figure tests; a kernel that inherits it draws nothing inline, which is the
    failure a notebook test must be able to see.

    Examples
    --------
    >>> env = kernel_env("/tmp/out", base={"MPLBACKEND": "Agg", "HOLONET_QUICK": "1"},
    ...                  quick=False)
    >>> sorted(env)
    ['HF_HUB_OFFLINE', 'HOLONET_NOTEBOOK_OUT', 'PYDEVD_DISABLE_FILE_VALIDATION', 'PYTHONHASHSEED']
    """
    env = dict(os.environ if base is None else base)
    env.pop("MPLBACKEND", None)
    env.pop("HOLONET_QUICK", None)
    if quick:
        env["HOLONET_QUICK"] = "1"
    env["HOLONET_NOTEBOOK_OUT"] = str(outdir)
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # quiet debugpy in the kernel
    env["PYTHONHASHSEED"] = "0"  # set reprs print in one order: reproducible outputs
    return env


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive advisory lock on ``path`` (POSIX ``flock``; a no-op elsewhere)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def execute_notebook(src: str | os.PathLike[str], outdir: str | os.PathLike[str], *,
                     quick: bool = True, timeout: int = 600, reuse: bool = True) -> Path:
    """Execute notebook ``src`` in a fresh Jupyter kernel; write the result to ``outdir``.

    The kernel is the ``python3`` kernel of this interpreter, started with
    :func:`kernel_env` (no ``MPLBACKEND``: the inline backend, as in Jupyter)
    and a fresh ``outdir/<stem>_files`` as working directory and
    ``HOLONET_NOTEBOOK_OUT`` (emptied first, so no checkpoint of an earlier run
    is resumed). The
    executed notebook ``outdir/<name>.ipynb`` keeps every output (progress-bar
    widgets included; see :func:`clean_notebook`) and records the source digest
    and the mode in ``metadata.holonet``. With ``reuse`` an existing copy with
    the same digest and mode is returned instead of executing again; a lock
    makes concurrent callers (parallel test workers) wait for one execution.
    A cell that raises fails with nbclient's ``CellExecutionError``.

    Examples
    --------
    >>> import nbformat, tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
    ...     "import os; print(os.environ.get('MPLBACKEND'), os.environ['HOLONET_QUICK'])")])
    >>> nbformat.write(nb, d / "tiny.ipynb")
    >>> out = execute_notebook(d / "tiny.ipynb", d / "run")  # doctest: +SKIP
    >>> nbformat.read(out, 4).cells[0].outputs[0].text  # doctest: +SKIP
    'None 1\\n'
    """
    import nbformat
    from nbclient import NotebookClient

    src, outdir = Path(src), Path(outdir).resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    dest = outdir / src.name
    nb = nbformat.read(src, as_version=4)
    stamp = {"source_digest": source_digest(nb), "quick": bool(quick)}
    work = outdir / f"{src.stem}_files"
    with _locked(outdir / f".{src.stem}.lock"):
        if reuse and dest.is_file():
            done = nbformat.read(dest, as_version=4)
            if {k: done.metadata.get("holonet", {}).get(k) for k in stamp} == stamp:
                return dest
        if work.exists():
            shutil.rmtree(work)
        work.mkdir()
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = []
                cell.execution_count = None
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                record_timing=False,
                                resources={"metadata": {"path": str(work)}})
        client.execute(env=kernel_env(work, quick=quick))
        nb.metadata["holonet"] = stamp
        with atomic_open(dest, "w", encoding="utf-8") as fh:
            nbformat.write(nb, fh)
    return dest


def clean_notebook(nb: Any) -> Any:
    """Drop what is not reproducible from an executed notebook, in place; returns it.

    Removes widget outputs (tqdm's bars: random model ids, and no content
    without a live kernel), the widget state and per-cell timing metadata, so
    that two executions of a deterministic notebook are byte-identical.

    Examples
    --------
    >>> import nbformat
    >>> cell = nbformat.v4.new_code_cell("bar")
    >>> cell.outputs = [nbformat.v4.new_output("display_data", data={WIDGET_MIME: {},
    ...                 "text/plain": "0%"}), nbformat.v4.new_output("stream", text="ok")]
    >>> nb = clean_notebook(nbformat.v4.new_notebook(cells=[cell]))
    >>> [o.output_type for o in nb.cells[0].outputs]
    ['stream']
    """
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.outputs = [o for o in cell.outputs if WIDGET_MIME not in o.get("data", {})]
        cell.metadata.pop("execution", None)
    nb.metadata.pop("widgets", None)
    return nb


def _write_notebooks_in_place(root: Path, *, only: list[str] | None = None) -> list[Path]:
    """Execute ``notebooks/*.ipynb`` in quick mode and store the cleaned outputs in place."""
    import tempfile

    import nbformat

    written = []
    for path in notebook_paths(root):
        if only and path.stem not in only and path.name not in only:
            continue
        with tempfile.TemporaryDirectory(prefix="holonet-nb-") as tmp:
            t0 = time.perf_counter()
            out = execute_notebook(path, tmp, reuse=False)
            nb = clean_notebook(nbformat.read(out, as_version=4))
        with atomic_open(path, "w", encoding="utf-8") as fh:
            nbformat.write(nb, fh)
        print(f"executed {path.name} in quick mode ({time.perf_counter() - t0:.0f} s)")
        written.append(path)
    return written


# ----------------------------------------------------------------------------- API pages

def _public(name: str) -> bool:
    return not any(part.startswith("_") for part in name.split("."))


def api_modules() -> list[str]:
    """The modules that get an API page, ``holonet`` first, then sorted.

    ``holonet``; every module named in a documented module's ``__all__``; every
    public subpackage; and every public module of a documented package whose
    ``__all__`` names something the package does not re-export.

    Examples
    --------
    >>> mods = api_modules()
    >>> "holonet.stabilizer.gf2" in mods, "holonet.viz.disk" in mods, "holonet._io" in mods
    (True, True, False)
    """
    import holonet

    found: set[str] = {"holonet"}
    for info in pkgutil.walk_packages(holonet.__path__, "holonet."):
        if info.ispkg and _public(info.name):
            found.add(info.name)
    todo = sorted(found)
    while todo:
        name = todo.pop()
        mod = importlib.import_module(name)
        exported = set(getattr(mod, "__all__", ()))
        for item in exported:
            obj = getattr(mod, item)
            if isinstance(obj, types.ModuleType) and obj.__name__ not in found:
                found.add(obj.__name__)
                todo.append(obj.__name__)
        if hasattr(mod, "__path__"):
            for info in pkgutil.iter_modules(mod.__path__, name + "."):
                if info.ispkg or not _public(info.name) or info.name in found:
                    continue
                sub = importlib.import_module(info.name)
                if set(getattr(sub, "__all__", ())) - exported:
                    found.add(info.name)
    return ["holonet", *sorted(found - {"holonet"})]


def _page_names(modname: str, modules: list[str]) -> list[str]:
    """The names a module's page documents: its ``__all__``; for a plain submodule its
    package does not export by name, only what the package's ``__all__`` lacks."""
    mod = importlib.import_module(modname)
    names = list(getattr(mod, "__all__", ()))
    parent, _, leaf = modname.rpartition(".")
    if hasattr(mod, "__path__") or parent not in modules:
        return names
    exported = set(getattr(importlib.import_module(parent), "__all__", ()))
    if leaf in exported:  # e.g. holonet.backend, holonet.stabilizer.gf2
        return names
    return [n for n in names if n not in exported]


def _shadowed(modname: str) -> bool:
    """Whether the package exports another object under the module's name (the
    function ``holonet.viz.explorer`` hides the module ``holonet.viz.explorer``)."""
    parent, _, leaf = modname.rpartition(".")
    if not parent:
        return False
    pmod = importlib.import_module(parent)
    return leaf in getattr(pmod, "__all__", ()) and \
        not isinstance(getattr(pmod, leaf, None), types.ModuleType)


def _attr_doc(modname: str, name: str) -> list[str]:
    """The ``#:`` comment documenting module-level ``name``: looked up in ``modname`` and
    then in its submodules (where a re-exported constant is defined)."""
    from sphinx.pycode import ModuleAnalyzer

    mod = importlib.import_module(modname)
    candidates = [modname]
    if hasattr(mod, "__path__"):
        candidates += [i.name for i in pkgutil.iter_modules(mod.__path__, modname + ".")]
    for cand in candidates:
        try:
            docs = ModuleAnalyzer.for_module(cand).find_attr_docs()
        except Exception:  # a module without analysable source
            continue
        if ("", name) in docs:
            return [line for line in docs[("", name)] if line is not None]
    return []


def _heading(text: str, char: str) -> str:
    return f"{text}\n{char * len(text)}\n"


def _api_page(modname: str, modules: list[str]) -> str:
    mod = importlib.import_module(modname)
    names = _page_names(modname, modules)
    if _shadowed(modname):  # no module object: it would clash with the exported name
        parent, _, leaf = modname.rpartition(".")
        out = [_heading(modname, "="), f".. py:currentmodule:: {modname}\n",
               f"The module behind :obj:`{parent}.{leaf}` (the package exports that name, "
               f"not the module); these are its other public names.\n"]
    else:
        out = [_heading(modname, "="), f".. automodule:: {modname}\n   :no-members:\n"]
    entries, blocks = [], []
    for name in names:
        obj = getattr(mod, name)
        full = f"{modname}.{name}"
        if isinstance(obj, types.ModuleType):
            blocks.append(f"* :mod:`{full}` — module, :doc:`{obj.__name__}`\n")
            continue
        if inspect.isclass(obj) or inspect.isroutine(obj):
            entries.append(full)  # data get no summary row: it would show their type's doc
        if inspect.isclass(obj):
            kind = "autoexception" if issubclass(obj, BaseException) else "autoclass"
            blocks.append(f".. {kind}:: {full}\n   :members:\n")
        elif inspect.isroutine(obj):
            blocks.append(f".. autofunction:: {full}\n")
        else:
            lines = [f".. py:data:: {name}"]  # in the automodule's scope: {modname}.{name}
            value = repr(obj)
            if len(value) <= 100 and "\n" not in value:
                lines.append(f"   :value: {value}")
            doc = _attr_doc(modname, name)
            lines.append("")
            lines += [f"   {line}".rstrip() for line in doc] or \
                [f"   A module-level constant of type ``{type(obj).__name__}``."]
            blocks.append("\n".join(lines) + "\n")
    if entries:
        out += [".. rubric:: Summary\n", ".. autosummary::\n   :nosignatures:\n",
                *[f"   {e.rpartition('.')[2]}" for e in entries], "",
                ".. rubric:: Reference\n"]
    out += blocks
    return "\n".join(out)


def _api_index(modules: list[str]) -> str:
    out = [_heading("API reference", "="),
           "One page per public module. Every page lists exactly the module's ``__all__`` "
           "(a plain submodule's page only what its package does not re-export), "
           "generated when the site is built.\n",
           ".. toctree::\n   :maxdepth: 1\n", *[f"   {m}" for m in modules], ""]
    return "\n".join(out)


# ----------------------------------------------------------------------------- other pages

def readme_sections(text: str, titles: tuple[str, ...] = _README_SECTIONS) -> str:
    """The README's ``## <title>`` sections named in ``titles``, in that order.

    Examples
    --------
    >>> readme_sections("# x\\n## A\\na\\n## B\\nb\\n## C\\nc\\n", ("C", "A"))
    '## C\\nc\\n\\n## A\\na\\n'
    """
    parts: dict[str, str] = {}
    for block in re.split(r"(?m)^(?=## )", text):
        if block.startswith("## "):
            title = block[3:].split("\n", 1)[0].strip()
            parts[title] = block.rstrip("\n") + "\n"
    missing = [t for t in titles if t not in parts]
    if missing:
        raise ValueError(f"README has no section(s) {missing}; sections: {sorted(parts)}")
    return "\n".join(parts[t] for t in titles)


def _index_page(root: Path) -> str:
    readme = (root / "README.md").read_text(encoding="utf-8")
    return "\n".join([
        "# holonet\n",
        "Holographic codes, MERA and hyperbolic tilings as explicit tensor networks, their "
        "verification, and attention derived from them.\n",
        readme_sections(readme),
        "## Contents\n",
        "```{toctree}\n:maxdepth: 1\n\nnotebooks/index\ntheory/index\ngallery\napi/index\n```\n",
        "The site is built by `make docs` (`python -m holonet._docs`) into "
        "`build/docs/html`, with Sphinx warnings as errors.\n"])


def _notebooks_index(names: list[str]) -> str:
    return "\n".join([
        "# Notebooks\n",
        "The notebooks in `notebooks/`, executed in a Jupyter kernel when this site was "
        "built (quick mode).\n",
        "## Quick and full mode\n", _QUICK_FULL,
        "```{toctree}\n:maxdepth: 1\n\n" + "\n".join(names) + "\n```\n"])


def _theory_index(names: list[str]) -> str:
    return "\n".join([
        "# Theory notes\n",
        "One derivation per construction, each naming the code that implements it "
        "(`theory/*.md`).\n",
        "```{toctree}\n:maxdepth: 1\n\n" + "\n".join(names) + "\n```\n"])


def _gallery_page(root: Path, src: Path) -> str:
    from holonet.viz.figures import DATA_FORMAT, registry

    out = ["# Figure gallery\n",
           "Every figure of `holonet figures`, as committed in `figures/`, with the data "
           "it draws (JSON, written beside it by the figure registry). Regenerate one with "
           "`holonet figures --only NAME`; `--quick` draws the small test sizes.\n"]
    for name, spec in registry().items():
        out.append(f"## `{name}`\n\n{spec.description}\n")
        svg = root / "figures" / f"{name}.svg"
        if not svg.is_file():
            out.append("*Not rendered yet* (`holonet figures --only "
                       f"{name}`).\n")
            continue
        (src / "figures").mkdir(exist_ok=True)
        shutil.copyfile(svg, src / "figures" / svg.name)
        out.append(f"```{{image}} figures/{svg.name}\n:alt: {name}\n:width: 100%\n```\n")
        files = [f"{{download}}`{name}.{fmt} <figures/{name}.{fmt}>`"
                 for fmt in ("pdf", DATA_FORMAT) if (root / "figures" / f"{name}.{fmt}").is_file()]
        for fmt in ("pdf", DATA_FORMAT):
            f = root / "figures" / f"{name}.{fmt}"
            if f.is_file():
                shutil.copyfile(f, src / "figures" / f.name)
        if files:
            out.append("Files: " + ", ".join(files) + ".\n")
    return "\n".join(out)


# ----------------------------------------------------------------------------- Sphinx extension

_DOCUMENTED: dict[int, list[str]] = {}
_DOCUMENTED_DATA: dict[str, list[tuple[str, Any]]] = {}
_SCALARS = (int, float, complex, str, bytes, bool, type(None))


def _documented() -> dict[int, list[str]]:
    """``id(object) -> [documented names]`` over every API page (built once); scalar
    constants, whose identity means nothing, go to ``_DOCUMENTED_DATA`` by name."""
    if not _DOCUMENTED:
        modules = api_modules()
        for modname in modules:
            mod = importlib.import_module(modname)
            _DOCUMENTED.setdefault(id(mod), []).append(modname)
            for name in _page_names(modname, modules):
                obj = getattr(mod, name)
                if isinstance(obj, _SCALARS):
                    _DOCUMENTED_DATA.setdefault(name, []).append((f"{modname}.{name}", obj))
                else:
                    _DOCUMENTED.setdefault(id(obj), []).append(f"{modname}.{name}")
    return _DOCUMENTED


_MISSING = object()


def _lookup(path: str) -> Any:
    """The object at dotted ``path`` (a module, then attributes), or ``_MISSING``."""
    parts = path.split(".")
    for k in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:k]))
        except ImportError:
            continue
        except Exception:  # a module that fails to import is not a reference target
            return _MISSING
        for attr in parts[k:]:
            obj = getattr(obj, attr, _MISSING)
            if obj is _MISSING:
                return _MISSING
        return obj
    return _MISSING


def _names_of(obj: Any, leaf: str) -> list[str]:
    documented = _documented()
    if isinstance(obj, _SCALARS):
        return [full for full, value in _DOCUMENTED_DATA.get(leaf, [])
                if type(value) is type(obj) and value == obj]
    return documented.get(id(obj), [])


def _scopes(node: Any) -> list[str]:
    """Where a reference's target may live: the page's module (and class), and the
    module that defines the documented object holding the reference, with parents."""
    scopes = [""]
    modname, clsname = node.get("py:module"), node.get("py:class")
    found = re.search(r"docstring of ([\w.]+)", str(node.source or ""))
    for base in (modname, found.group(1) if found else None):
        if not base:
            continue
        parts = base.split(".")
        scopes += [".".join(parts[:k]) + "." for k in range(len(parts), 0, -1)]
    if modname and clsname:
        scopes.insert(1, f"{modname}.{clsname}.")
    return list(dict.fromkeys(scopes))


def _candidates(target: str, scopes: list[str]) -> Iterator[tuple[str, bool]]:
    """``(documented name, exact)`` that ``target`` may mean, seen from ``scopes``;
    ``exact`` is False for the documented class owning an undocumented member."""
    target = target.lstrip(".~")
    parts = target.split(".")
    for scope in scopes:
        if not (scope or parts[0] == "holonet"):
            continue
        # the whole target, else a documented head (a class) plus the attribute path below it
        for k in range(len(parts), 0, -1):
            head = _lookup(scope + ".".join(parts[:k]))
            if head is _MISSING:
                continue
            names = _names_of(head, parts[k - 1])
            tail = "".join("." + p for p in parts[k:])
            for name in names:
                yield name + tail, True
                if tail:
                    yield name, False
            if names:
                return


def _missing_reference(app: Any, env: Any, node: Any, contnode: Any) -> Any:
    """Resolve a ``py`` reference by the object it names.

    A canonical path (``holonet.codes.happy.happy_code``) or a name in the scope
    of the docstring's own module reaches the page documenting the same object
    under its public name (``holonet.codes.happy_code``); an undocumented member
    (an instance attribute listed under *Attributes*) links to its class; a dotted
    target matching the end of exactly one documented name links there.
    """
    if node.get("refdomain") != "py" or not node.get("reftarget"):
        return None
    from sphinx.util.nodes import make_refnode

    objects = env.get_domain("py").objects

    def ref(name: str) -> Any:
        entry = objects[name]
        return make_refnode(app.builder, node["refdoc"], entry.docname, entry.node_id,
                            contnode, name)

    target = node["reftarget"].lstrip(".~")
    fallback = None
    for name, exact in _candidates(target, _scopes(node)):
        if name in objects:
            if exact:
                return ref(name)
            fallback = fallback or name
    if fallback is not None:
        return ref(fallback)
    modname, clsname = node.get("py:module"), node.get("py:class")
    if modname and clsname and "." not in target:  # an undocumented member of this class
        cls = _lookup(f"{modname}.{clsname}")
        doc = (inspect.getdoc(cls) or "") if cls is not _MISSING else ""
        if hasattr(cls, target) or re.search(rf"^{re.escape(target)}\b", doc, re.MULTILINE):
            for name in _names_of(cls, clsname.rpartition(".")[2]):
                if name in objects:
                    return ref(name)
    if "." in target:
        ends = [name for name in objects if name.endswith("." + target)]
        if len(ends) == 1:
            return ref(ends[0])
    return None


def setup(app: Any) -> dict[str, Any]:
    """Sphinx extension hook: resolve references to holonet objects by identity."""
    app.connect("missing-reference", _missing_reference)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


_CONF = '''\
# Generated by holonet._docs; edit holonet/_docs.py, not this file.
project = "holonet"
release = {release!r}
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_nb",
    "holonet._docs",
]
# every reference to a holonet object must resolve (a broken one fails the build);
# annotations of external types, private modules and module references are not checked
nitpicky = True
nitpick_ignore_regex = [
    ("py:class", r".*"),
    ("py:mod", r".*"),
    ("py:.*", r"(numpy|np|torch|scipy|matplotlib|quimb|networkx|cotengra|opt_einsum|autoray|"
              r"stim|os|collections|typing|pathlib|builtins|tqdm|nbformat|sphinx)\\..*"),
    ("py:.*", r"(.*\\.)?_[A-Za-z]\\w*(\\..*)?"),
]
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
nb_execution_mode = "off"
nb_merge_streams = True
autosummary_generate = False
autodoc_typehints = "signature"
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_validation_checks = set()
html_theme = "furo"
html_title = "holonet " + release
html_extra_path = ["_extra"]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
'''


def _write(path: Path, text: str) -> None:
    """Write ``text`` unless the file already holds it (keeps Sphinx's incremental build)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not (path.is_file() and path.read_text(encoding="utf-8") == text):
        path.write_text(text, encoding="utf-8")


def _generate_sources(root: Path, src: Path, executed: Path) -> None:
    import nbformat

    import holonet

    if src.exists():
        shutil.rmtree(src)
    src.mkdir(parents=True)
    _write(src / "conf.py", _CONF.format(release=holonet.__version__))
    _write(src / "index.md", _index_page(root))
    modules = api_modules()
    for mod in modules:
        _write(src / "api" / f"{mod}.rst", _api_page(mod, modules))
    _write(src / "api" / "index.rst", _api_index(modules))
    theory = sorted(p for p in (root / "theory").glob("*.md"))
    (src / "theory").mkdir()
    for p in theory:
        shutil.copyfile(p, src / "theory" / p.name)
    _write(src / "theory" / "index.md", _theory_index([p.stem for p in theory]))
    names = []
    (src / "notebooks").mkdir()
    for path in notebook_paths(root):
        nb = clean_notebook(nbformat.read(executed / path.name, as_version=4))
        nbformat.write(nb, src / "notebooks" / path.name)
        names.append(path.stem)
    extra = src / "_extra" / "notebooks"
    extra.mkdir(parents=True)
    for page in sorted(executed.glob("*_files/*.html")):  # explorer pages linked to
        shutil.copyfile(page, extra / page.name)
    _write(src / "notebooks" / "index.md", _notebooks_index(names))
    _write(src / "gallery.md", _gallery_page(root, src))


def run_sphinx(src: str | os.PathLike[str], html: str | os.PathLike[str], *,
               doctrees: str | os.PathLike[str] | None = None, strict: bool = True,
               cwd: str | os.PathLike[str] | None = None) -> str:
    """Run ``sphinx-build -b html`` (with ``-W --keep-going`` if ``strict``) in a
    subprocess; returns its output, raises ``RuntimeError`` quoting it on failure.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> src = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (src / "conf.py").write_text("")
    >>> _ = (src / "index.rst").write_text("Title\\n=====\\n\\nSee :doc:`missing`.\\n")
    >>> try:
    ...     run_sphinx(src, src / "html")
    ... except RuntimeError as exc:
    ...     print("unknown document: 'missing'" in str(exc))
    True
    """
    html = Path(html)
    doctrees = Path(doctrees) if doctrees is not None else html.parent / ".doctrees"
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-d", str(doctrees),
           *(["-W", "--keep-going"] if strict else []), str(src), str(html)]
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env,
                          cwd=None if cwd is None else str(cwd))
    log = (proc.stdout + proc.stderr).strip()
    if proc.returncode != 0:
        raise RuntimeError(f"sphinx-build failed (exit {proc.returncode}):\n{log}")
    return log


@dataclass
class DocsBuild:
    """What :func:`build_docs` produced: the site, its page count, the time, the log.

    Examples
    --------
    >>> DocsBuild(Path("html"), 3, 1.5, "").index.name
    'index.html'
    """

    html: Path
    pages: int
    seconds: float
    log: str

    @property
    def index(self) -> Path:
        """The landing page."""
        return self.html / "index.html"


def build_docs(out: str | os.PathLike[str] = ROOT / "build" / "docs", *,
               notebooks: str | os.PathLike[str] | None = None, strict: bool = True,
               root: str | os.PathLike[str] = ROOT) -> DocsBuild:
    """Generate the Sphinx sources into ``out/src`` and build the site into ``out/html``.

    ``notebooks`` is a directory of executed copies (:func:`execute_notebook`);
    notebooks missing there are executed into it first (quick mode). By
    default ``out/notebooks`` is used and refreshed. ``strict`` passes
    ``-W --keep-going``: every warning is reported, then the build fails with
    ``RuntimeError`` quoting them.

    Examples
    --------
    ``make docs`` runs ``build_docs("build/docs")``; the result names the site:

    >>> DocsBuild(Path("build/docs/html"), pages=60, seconds=90.0, log="").index
    PosixPath('build/docs/html/index.html')
    """
    root, out = Path(root), Path(out)
    missing = [p for p in ("README.md", "theory", "notebooks", "figures")
               if not (root / p).exists()]
    if missing:
        raise ValueError(f"root={str(root)!r} is not a holonet source checkout (no "
                         f"{', '.join(missing)}); the site is built from a checkout")
    t0 = time.perf_counter()
    executed = Path(notebooks) if notebooks is not None else out / "notebooks"
    for path in notebook_paths(root):
        execute_notebook(path, executed)
    src, html = out / "src", out / "html"
    _generate_sources(root, src, executed)
    for stale in (html, out / "doctrees"):  # a full build: no page of a removed name lingers
        if stale.exists():
            shutil.rmtree(stale)
    log = run_sphinx(src, html, doctrees=out / "doctrees", strict=strict, cwd=root)
    pages = sum(1 for _ in html.rglob("*.html"))
    return DocsBuild(html, pages, time.perf_counter() - t0, log)


# ----------------------------------------------------------------------------- command line

def main(argv: list[str] | None = None) -> int:
    """``python -m holonet._docs``: build the site, or (``notebooks``) execute the notebooks."""
    p = argparse.ArgumentParser(prog="python -m holonet._docs", description=__doc__
                                .split("\n")[0])
    sub = p.add_subparsers(dest="cmd")
    b = sub.add_parser("build", help="build the site (the default)")
    for q in (p, b):
        q.add_argument("--out", default=str(ROOT / "build" / "docs"),
                       help="output directory (default build/docs)")
        q.add_argument("--notebooks", default=None,
                       help="directory of executed notebooks to reuse (default OUT/notebooks)")
        q.add_argument("--no-strict", action="store_true", help="warnings are not errors")
    n = sub.add_parser("notebooks", help="execute notebooks/ in quick mode")
    n.add_argument("--write", action="store_true",
                   help="store the outputs in notebooks/*.ipynb (commit them)")
    n.add_argument("--out", default=str(ROOT / "build" / "docs" / "notebooks"),
                   help="directory for the executed copies without --write")
    n.add_argument("only", nargs="*", help="notebook names (default: all)")
    args = p.parse_args(argv)
    if args.cmd == "notebooks":
        if args.write:
            _write_notebooks_in_place(ROOT, only=args.only)
        else:
            for path in notebook_paths(ROOT):
                if not args.only or path.stem in args.only or path.name in args.only:
                    print(execute_notebook(path, args.out, reuse=False))
        return 0
    try:
        res = build_docs(args.out, notebooks=args.notebooks, strict=not args.no_strict)
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 1
    if res.log:
        print(res.log)
    print(f"built {res.pages} pages in {res.seconds:.0f} s: {res.index}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
