"""Registry of the project's figures; ``holonet figures`` regenerates them all.

Each topic module in this package (``tiling``, ``codes``, ``verify``, ``mera``,
``attention``, ``nn``, ...) registers figure functions with :func:`register_figure`.
A figure function takes ``quick: bool`` (smaller sizes, for tests and CI) and
returns a matplotlib ``Figure``; the registry draws it inside
:func:`~holonet.viz.style.figure_style` and saves it atomically as
``figures/<name>.svg``, ``figures/<name>.pdf`` and its data as
``figures/<name>.json`` (see :mod:`holonet.viz.figures._data`: every plotted line,
error bar, point, bar and image, plus anything attached with :func:`attach_data`),
so a new figure gets its data file without any saving code of its own.

Every file is byte-for-byte reproducible in a fixed environment: no creation
date in the PDF or SVG metadata, a fixed SVG hash salt (the style file), and
``SOURCE_DATE_EPOCH=0`` while saving (set and restored around the save), so
``holonet figures`` on a clean checkout leaves ``git status`` clean. (A new
matplotlib or fontTools release changes the bytes of embedded fonts: regenerate
the figures when upgrading them.)

Examples
--------
>>> from holonet.viz.figures import registry
>>> isinstance(registry(), dict)
True
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from holonet._io import atomic_open, atomic_path
from holonet.viz.figures._data import attach_data, dumps, figure_data

__all__ = ["DATA_FORMAT", "FORMATS", "FigureSpec", "attach_data", "expected_files",
           "figure_data", "missing_needs", "register_figure", "registry", "render",
           "render_all"]

#: Image formats written for every figure (both vector).
FORMATS: tuple[str, ...] = ("svg", "pdf")
#: Format of the data file written beside every figure (``<name>.json``).
DATA_FORMAT = "json"

#: Topic modules that contribute figures; missing ones are skipped.
_TOPICS = ("tiling", "codes", "verify", "decode", "mera", "attention", "nn")

_REGISTRY: dict[str, FigureSpec] = {}


@dataclass(frozen=True)
class FigureSpec:
    """A registered figure: its name, the function drawing it, and a one-line description.

    Examples
    --------
    >>> spec = registry()["tiling_54"]
    >>> spec.name, spec.needs, spec.filenames()
    ('tiling_54', (), ['tiling_54.svg', 'tiling_54.pdf', 'tiling_54.json'])
    """

    name: str
    func: Callable[..., Any]
    description: str
    needs: tuple[str, ...] = ()

    def filenames(self) -> list[str]:
        """The files :func:`render` writes: the images, then the data."""
        return [f"{self.name}.{fmt}" for fmt in (*FORMATS, DATA_FORMAT)]


def register_figure(name: str, description: str = "", needs: tuple[str, ...] = ()
                    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator registering ``func(quick: bool) -> matplotlib.figure.Figure`` as ``name``.

    ``needs`` lists optional modules (e.g. ``("torch",)``) without which the figure
    cannot be drawn; such figures are skipped with a message when absent.

    Examples
    --------
    Topic modules register their figures at import time, as
    ``holonet/viz/figures/tiling.py`` does (sketch; registering a new name here
    would add it to the project's figure set)::

        @register_figure("tiling_54", "{5,4} tiling in the Poincaré disk")
        def tiling_54(quick: bool = False) -> Figure:
            ...

    Names must be alphanumeric with ``_`` or ``-``, checked before anything
    is registered:

    >>> register_figure("no spaces")
    Traceback (most recent call last):
        ...
    ValueError: figure name 'no spaces' must be alphanumeric with '_' or '-'
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
    """All registered figures, after importing every topic module that exists.

    Examples
    --------
    >>> reg = registry()
    >>> "tiling_54" in reg, list(reg) == sorted(reg)
    (True, True)
    """
    for topic in _TOPICS:
        modname = f"{__name__}.{topic}"
        if importlib.util.find_spec(modname) is not None:
            importlib.import_module(modname)
    return dict(sorted(_REGISTRY.items()))


def _repo_figures() -> Path:
    """The repository's ``figures/`` directory (where committed runs and figures live)."""
    return Path(__file__).resolve().parents[3] / "figures"


def _reproducible_env() -> contextlib.AbstractContextManager[None]:
    """``SOURCE_DATE_EPOCH=0`` for the duration of a save, then the caller's value back."""
    from holonet._io import temporary_env

    return temporary_env("SOURCE_DATE_EPOCH", "0")


def _save(fig: Any, outdir: Path, spec: FigureSpec, *, quick: bool) -> list[Path]:
    """Write the images and the data file of a drawn figure (each atomically)."""
    record = {"figure": spec.name, "description": spec.description, "quick": bool(quick),
              **figure_data(fig)}
    text = dumps(record)
    paths = []
    with _reproducible_env():
        for fmt in FORMATS:
            target = outdir / f"{spec.name}.{fmt}"
            meta = {"Date": None} if fmt == "svg" else {"CreationDate": None, "ModDate": None}
            with atomic_path(target) as tmp:
                fig.savefig(tmp, format=fmt, metadata=meta, bbox_inches="tight")
            paths.append(target)
    target = outdir / f"{spec.name}.{DATA_FORMAT}"
    with atomic_open(target, "w", encoding="utf-8") as fh:
        fh.write(text)
    paths.append(target)
    return paths


def _unknown(name: str, reg: dict[str, FigureSpec]) -> ValueError:
    valid = ", ".join(repr(n) for n in reg) or "(none registered)"
    return ValueError(f"unknown figure {name!r}; expected one of {valid}")


def missing_needs(name: str) -> list[str]:
    """Optional modules figure ``name`` needs that are not installed.

    Examples
    --------
    >>> missing_needs("tiling_54")  # needs nothing beyond matplotlib
    []
    """
    reg = registry()
    if name not in reg:
        raise _unknown(name, reg)
    return [mod for mod in reg[name].needs if importlib.util.find_spec(mod) is None]


def expected_files() -> set[str]:
    """File names ``holonet figures`` writes: ``<name>.<fmt>`` for every registered figure.

    Examples
    --------
    >>> all(f.rsplit(".", 1)[1] in (*FORMATS, DATA_FORMAT) for f in expected_files())
    True
    """
    return {f for spec in registry().values() for f in spec.filenames()}


def render(name: str, outdir: str | Path = "figures", *, quick: bool = False) -> list[Path]:
    """Draw figure ``name`` and write its files into ``outdir``; returns the paths.

    The files are ``<name>.svg``, ``<name>.pdf`` and the data ``<name>.json``
    (:func:`figure_data` of the drawn figure, with the figure's name,
    description and ``quick`` flag). Warnings raised while drawing or saving are
    errors (a figure that warns is a figure with a defect). Raises
    ``ValueError`` naming the valid figures if ``name`` is unknown, and if a
    module in the figure's ``needs`` is missing.

    Examples
    --------
    >>> import json, tempfile
    >>> paths = render("tiling_54", tempfile.mkdtemp(), quick=True)
    >>> [p.name for p in paths], all(p.stat().st_size > 0 for p in paths)
    (['tiling_54.svg', 'tiling_54.pdf', 'tiling_54.json'], True)
    >>> data = json.loads(paths[2].read_text())
    >>> data["figure"], data["quick"], len(data["axes"]) > 0
    ('tiling_54', True, True)
    """
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    from holonet.viz.style import figure_style

    reg = registry()
    if name not in reg:
        raise _unknown(name, reg)
    spec = reg[name]
    missing = missing_needs(name)
    if missing:
        raise ValueError(f"figure {name!r} needs the optional module {missing[0]!r}")
    outdir = Path(outdir)
    with figure_style(), warnings.catch_warnings():
        warnings.simplefilter("error")  # a figure that warns is a figure with a defect
        fig = None
        try:
            fig = spec.func(quick=quick)
            if not isinstance(fig, Figure):
                raise TypeError(f"figure function for {name!r} must return a matplotlib "
                                f"Figure; got {type(fig).__name__}")
            return _save(fig, outdir, spec, quick=quick)
        finally:
            if isinstance(fig, Figure):
                plt.close(fig)


def render_all(outdir: str | Path = "figures", *, quick: bool = False,
               only: list[str] | None = None, progress: bool = True) -> list[Path]:
    """Render every registered figure (or those in ``only``); returns all written paths.

    Names are checked before anything is drawn; figures whose optional modules
    are missing are skipped with a message.

    Examples
    --------
    >>> import tempfile
    >>> paths = render_all(tempfile.mkdtemp(), quick=True, only=["tiling_54"], progress=False)
    >>> [p.name for p in paths]
    ['tiling_54.svg', 'tiling_54.pdf', 'tiling_54.json']
    """
    from tqdm.auto import tqdm

    reg = registry()
    names = list(reg) if not only else list(dict.fromkeys(only))
    for name in names:
        if name not in reg:
            raise _unknown(name, reg)
    paths: list[Path] = []
    bar = tqdm(names, desc="figures", disable=not progress)
    for name in bar:
        missing = missing_needs(name)
        if missing:
            tqdm.write(f"skipping figure {name!r}: needs {', '.join(missing)}")
            continue
        bar.set_postfix_str(name)
        paths += render(name, outdir, quick=quick)
    return paths
