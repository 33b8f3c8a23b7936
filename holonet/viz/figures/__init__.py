"""Registry of the project's figures; ``holonet figures`` regenerates them all.

Each topic module in this package (``tiling``, ``codes``, ``verify``, ``mera``,
``attention``, ``nn``) registers figure functions with :func:`register_figure`.
A figure function takes ``quick: bool`` (smaller sizes, for tests and CI) and
returns a matplotlib ``Figure``; the registry saves it deterministically and
atomically as ``figures/<name>.svg`` and ``figures/<name>.pdf``.

Examples
--------
>>> from holonet.viz.figures import registry
>>> isinstance(registry(), dict)
True
"""

from __future__ import annotations

import importlib
import importlib.util
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from holonet._io import atomic_path

__all__ = ["FORMATS", "FigureSpec", "register_figure", "registry", "render", "render_all"]

#: File formats written for every figure (both vector).
FORMATS: tuple[str, ...] = ("svg", "pdf")

#: Topic modules that contribute figures; missing ones are skipped.
_TOPICS = ("tiling", "codes", "verify", "mera", "attention", "nn")

_REGISTRY: dict[str, FigureSpec] = {}


@dataclass(frozen=True)
class FigureSpec:
    """A registered figure: its name, the function drawing it, and a one-line description."""

    name: str
    func: Callable[..., Any]
    description: str
    needs: tuple[str, ...] = ()

    def filenames(self) -> list[str]:
        return [f"{self.name}.{fmt}" for fmt in FORMATS]


def register_figure(name: str, description: str = "", needs: tuple[str, ...] = ()
                    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator registering ``func(quick: bool) -> matplotlib.figure.Figure`` as ``name``.

    ``needs`` lists optional modules (e.g. ``("torch",)``) without which the figure
    cannot be drawn; such figures are skipped with a message when absent.
    """
    if not name.replace("_", "").replace("-", "").isalnum():
        raise ValueError(f"figure name {name!r} must be alphanumeric with '_' or '-'")

    def deco(func: Callable[..., Any]) -> Callable[..., Any]:
        if name in _REGISTRY and _REGISTRY[name].func is not func:
            raise ValueError(f"figure {name!r} is registered twice")
        _REGISTRY[name] = FigureSpec(name, func, description or (func.__doc__ or "").strip()
                                     .split("\n")[0], tuple(needs))
        return func

    return deco


def registry() -> dict[str, FigureSpec]:
    """All registered figures, after importing every topic module that exists."""
    for topic in _TOPICS:
        modname = f"{__name__}.{topic}"
        if importlib.util.find_spec(modname) is not None:
            importlib.import_module(modname)
    return dict(sorted(_REGISTRY.items()))


def _save(fig: Any, outdir: Path, name: str) -> list[Path]:
    import matplotlib.pyplot as plt

    paths = []
    for fmt in FORMATS:
        target = outdir / f"{name}.{fmt}"
        meta = {"Date": None} if fmt == "svg" else {"CreationDate": None, "ModDate": None}
        with atomic_path(target) as tmp:
            fig.savefig(tmp, format=fmt, metadata=meta, bbox_inches="tight")
        paths.append(target)
    plt.close(fig)
    return paths


def render(name: str, outdir: str | Path = "figures", *, quick: bool = False) -> list[Path]:
    """Draw figure ``name`` and write its files into ``outdir``; returns the paths.

    Raises ``ValueError`` naming the valid figures if ``name`` is unknown.
    """
    from holonet.viz.style import figure_style

    reg = registry()
    if name not in reg:
        raise ValueError(f"unknown figure {name!r}; expected one of "
                         + ", ".join(repr(n) for n in reg))
    spec = reg[name]
    for mod in spec.needs:
        if importlib.util.find_spec(mod) is None:
            raise ValueError(f"figure {name!r} needs the optional module {mod!r}")
    outdir = Path(outdir)
    with figure_style(), warnings.catch_warnings():
        warnings.simplefilter("error")  # a figure that warns is a figure with a defect
        fig = spec.func(quick=quick)
        return _save(fig, outdir, name)


def render_all(outdir: str | Path = "figures", *, quick: bool = False,
               only: list[str] | None = None, progress: bool = True) -> list[Path]:
    """Render every registered figure (or those in ``only``); returns all written paths."""
    from tqdm.auto import tqdm

    names = list(registry()) if not only else list(only)
    paths: list[Path] = []
    for name in tqdm(names, desc="figures", disable=not progress):
        paths += render(name, outdir, quick=quick)
    return paths
