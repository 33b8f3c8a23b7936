"""The layering of /work/shared/DESIGN.md holds in the import graph.

The rule, as checked here:

* Layers: 0 ``holonet`` (the package itself), ``_errors``, ``_options``, ``_io``,
  ``backend``, ``contract``; 1 ``stabilizer``, ``geometry``; 2 ``codes``, ``mera``;
  3 ``verify``, ``decode``; 4 ``attention``; 5 ``nn``; 6 ``cli``, ``viz``,
  ``_report``, ``_bench_cli``, ``_docs`` (tooling of the command line and the docs).
* By role, every command-line registration module (a module named ``_cli`` or
  ``_<name>_cli``, e.g. ``holonet.verify._cli``) belongs to layer 6 wherever it
  sits: it is imported only by :mod:`holonet.cli` and may use any layer.
* A module imports (at module level, or inside a function) only modules of its
  own layer or below. The one exception is a lazy import inside a Jupyter rich
  repr method (``_repr_html_``, ``_repr_svg_``, ... i.e. ``_repr_*_``), which may
  reach up to :mod:`holonet.viz`. Imports under ``if TYPE_CHECKING:`` are not
  executed and are not checked.
* The module-level import graph between subpackages has no cycle.

Two tests enforce it: a static AST scan of every module, and, per layer, a
subprocess that imports every module of that layer with every module of a
higher layer blocked by a meta-path finder (so an upward import hidden behind
``importlib`` or a ``try/except ImportError`` is caught too).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "holonet"

#: layer of each top-level unit of the package (DESIGN.md "Package layout")
LAYERS: dict[str, int] = {
    "": 0, "_errors": 0, "_options": 0, "_io": 0, "backend": 0, "contract": 0,
    "stabilizer": 1, "geometry": 1,
    "codes": 2, "mera": 2,
    "verify": 3, "decode": 3,
    "attention": 4,
    "nn": 5,
    "cli": 6, "viz": 6, "_report": 6, "_bench_cli": 6, "_docs": 6,
}
TOP = max(LAYERS.values())


def layer_of(module: str) -> int | None:
    """Layer of a ``holonet`` module (``None`` for third-party and unknown units)."""
    parts = module.split(".")
    if parts[0] != "holonet":
        return None
    last = parts[-1]
    if len(parts) > 1 and (last == "_cli" or (last.startswith("_") and last.endswith("_cli"))):
        return TOP
    return LAYERS.get(parts[1] if len(parts) > 1 else "")


def all_modules() -> list[str]:
    out = []
    for f in sorted(PKG.rglob("*.py")):
        rel = f.relative_to(ROOT).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts[-1] == "__main__":
            continue
        out.append(".".join(parts))
    return out


MODULES = all_modules()


def test_every_module_has_a_layer() -> None:
    unknown = [m for m in MODULES if layer_of(m) is None]
    assert not unknown, (f"modules outside the layer map {unknown}: add their subpackage to "
                         "LAYERS here and to the table in DESIGN.md")


def _resolve(module: str, is_pkg: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_pkg else module.split(".")[:-1]
    base = base[:len(base) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(path: Path, module: str) -> list[tuple[str, int, str | None]]:
    """(imported module, line, enclosing function or None) for every executed import."""
    tree = ast.parse(path.read_text(), filename=str(path))
    is_pkg = path.name == "__init__.py"
    found: list[tuple[str, int, str | None]] = []

    def visit(node: ast.AST, func: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for sub in child.orelse:
                    visit(sub, func)
                continue
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(child, func or child.name)
                continue
            if isinstance(child, ast.Import):
                found.extend((a.name, child.lineno, func) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                target = _resolve(module, is_pkg, child)
                found.append((target, child.lineno, func))
                # `from holonet import viz` imports the subpackage holonet.viz
                found.extend((f"{target}.{a.name}", child.lineno, func) for a in child.names
                             if layer_of(f"{target}.{a.name}") is not None
                             and target == "holonet")
            visit(child, func)

    visit(tree, None)
    return found


def _is_repr_method(name: str | None) -> bool:
    return bool(name) and name.startswith("_repr_") and name.endswith("_")  # type: ignore[union-attr]


def test_no_upward_imports_static() -> None:
    bad = []
    for f in sorted(PKG.rglob("*.py")):
        rel = f.relative_to(ROOT).with_suffix("")
        parts = list(rel.parts)
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        own = layer_of(module)
        assert own is not None, module
        for target, line, func in _imports(f, module):
            theirs = layer_of(target)
            if theirs is None or theirs <= own:
                continue
            if func is not None and _is_repr_method(func) and target.startswith("holonet.viz"):
                continue  # the documented exception: a lazy import in a rich repr method
            where = f"inside {func}()" if func else "at module level"
            bad.append(f"{f.relative_to(ROOT)}:{line}: {module} (layer {own}) imports "
                       f"{target} (layer {theirs}) {where}")
    assert not bad, "upward imports:\n" + "\n".join(bad)


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_no_import_cycle_between_subpackages() -> None:
    import networkx as nx

    g = nx.DiGraph()
    for f in sorted(PKG.rglob("*.py")):
        rel = f.relative_to(ROOT).with_suffix("")
        parts = list(rel.parts)
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if layer_of(module) == TOP and _unit(module) not in ("cli", "viz"):
            continue  # CLI registration modules are leaves imported by holonet.cli only
        for target, _line, func in _imports(f, module):
            if func is None and target.startswith("holonet.") and _unit(target) != _unit(module):
                g.add_edge(_unit(module) or "holonet", _unit(target))
    cycles = list(nx.simple_cycles(g))
    assert not cycles, f"module-level import cycles between subpackages: {cycles}"


_PROBE = r"""
import importlib, json, sys

LAYER = {layer}
MODULES = {modules}
LAYERS = {layers}
TOP = {top}


def layer_of(name):
    parts = name.split(".")
    if parts[0] != "holonet":
        return None
    last = parts[-1]
    if len(parts) > 1 and (last == "_cli" or (last.startswith("_") and last.endswith("_cli"))):
        return TOP
    return LAYERS.get(parts[1] if len(parts) > 1 else "")


blocked = []


class Block:
    def find_spec(self, name, path=None, target=None):
        theirs = layer_of(name)
        if theirs is not None and theirs > LAYER:
            blocked.append(name)
            raise ImportError(f"layering: {{name}} (layer {{theirs}}) is above layer {{LAYER}}")
        return None


sys.meta_path.insert(0, Block())
errors = {{}}
for m in MODULES:
    try:
        importlib.import_module(m)
    except Exception as exc:
        errors[m] = f"{{type(exc).__name__}}: {{exc}}"
print(json.dumps({{"blocked": sorted(set(blocked)), "errors": errors}}))
"""


@pytest.mark.parametrize("layer", range(TOP + 1))
def test_each_layer_imports_without_the_layers_above(layer: int) -> None:
    modules = [m for m in MODULES if layer_of(m) == layer]
    assert modules, f"no module in layer {layer}"
    code = _PROBE.format(layer=layer, modules=modules, layers=LAYERS, top=TOP)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=300,
                         env={**__import__("os").environ, "MPLBACKEND": "Agg"})
    assert res.returncode == 0, res.stderr[-3000:]
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert not out["blocked"], (f"importing layer {layer} reached higher layers: "
                                f"{out['blocked']} ({out['errors']})")
    assert not out["errors"], f"modules of layer {layer} failed to import: {out['errors']}"


def test_static_scan_sees_the_repr_exception_and_catches_a_violation(tmp_path: Path) -> None:
    """The scanner itself: a repr-method import is allowed, a module-level one is not."""
    src = tmp_path / "tiling.py"
    src.write_text("import numpy\nfrom holonet.viz import disk\n"
                   "class T:\n    def _repr_html_(self):\n        from holonet.viz.repr import x\n"
                   "    def draw(self):\n        from holonet.viz import disk\n")
    found = _imports(src, "holonet.geometry.tiling")
    assert ("holonet.viz", 2, None) in found
    assert ("holonet.viz.repr", 5, "_repr_html_") in found
    assert ("holonet.viz", 7, "draw") in found
    assert _is_repr_method("_repr_html_") and not _is_repr_method("draw")
    assert layer_of("holonet.verify._cli") == TOP and layer_of("holonet.viz._explore_cli") == TOP
    assert layer_of("holonet.decode.noise") == 3 and layer_of("numpy") is None
