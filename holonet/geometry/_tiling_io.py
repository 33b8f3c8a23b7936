"""HyperbolicTiling as JSON: a versioned schema, rebuilt and verified on load.

Schema (``format: "holonet-tiling"``, ``version: 1``)::

    {"format": "holonet-tiling", "version": 1,
     "kind": "regular" | "pentahexagonal" | "centred",
     "p": 5 | null, "q": 4, "layers": 3, "convention": "vertex" | "edge",
     "center": 5,                                  # sides of the centre tile
     "n_tiles": 51, "layer_sizes": [1, 10, 40],
     "n_edges": [5, 5, ...],                       # per tile
     "neighbors": [[1, 3, 5, 7, 9], ...],          # per tile and edge, -1 on the boundary
     "neighbor_edges": [[0, 0, 0, 0, 0], ...],     # the edge index on the neighbour's side
     "centers": [[0.0, 0.0], ...],                 # Poincaré-disk centre (re, im)
     "boundary_edges": [[t, e], ...]}              # CCW around the disk

The arrays make the file self-contained for other tools; holonet itself
rebuilds the tiling from ``(kind, p, q, layers, convention)`` (exact, with its
size guard) and checks that every stored array equals the rebuilt one, so a
file that was edited or written by another version is refused with the first
difference rather than silently trusted.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

__all__: list[str] = []

MAGIC = "holonet-tiling"
VERSION = 1


def tiling_to_dict(tiling: Any) -> dict[str, Any]:
    p_of = tiling.n_edges_array.astype(int)
    nb = tiling.neighbor_array
    ne = tiling.neighbor_edge_array
    return {
        "format": MAGIC, "version": VERSION,
        "kind": ("pentahexagonal" if tiling.p is None
                 else "regular" if tiling.exact_coordinates else "centred"),
        "p": tiling.p, "q": int(tiling.q), "layers": int(tiling.layers),
        "center": int(tiling.center_sides),
        "convention": tiling.convention,
        "n_tiles": int(tiling.n_tiles), "layer_sizes": [int(s) for s in tiling.layer_sizes],
        "n_edges": p_of.tolist(),
        "neighbors": [nb[t, :p_of[t]].tolist() for t in range(tiling.n_tiles)],
        "neighbor_edges": [ne[t, :p_of[t]].tolist() for t in range(tiling.n_tiles)],
        "centers": [[float(c.real), float(c.imag)] for c in tiling.centers],
        "boundary_edges": tiling.boundary_array.astype(int).tolist(),
    }


def save_tiling(tiling: Any, path: str | os.PathLike[str]) -> Path:
    from holonet._io import atomic_open

    target = Path(path)
    data = tiling_to_dict(tiling)
    with atomic_open(target) as fh:
        json.dump(data, fh, separators=(",", ":"))
        fh.write("\n")
    return target


def load_tiling(path: str | os.PathLike[str], *, max_tiles: int | None = None,
                tol: float = 1e-9) -> Any:
    from holonet.geometry.tiling import DEFAULT_MAX_TILES, HyperbolicTiling

    src = Path(path)

    def fail(msg: str) -> ValueError:
        return ValueError(f"{src}: {msg}")

    try:
        text = src.read_text()
    except UnicodeDecodeError:
        raise fail("not a text file (expected a holonet tiling JSON file)") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"{src}: line {err.lineno}, column {err.colno}: invalid JSON "
                         f"({err.msg}); expected a holonet tiling file") from None
    if not isinstance(data, dict):
        raise fail(f"expected a JSON object with \"format\": \"{MAGIC}\"; "
                   f"got a {type(data).__name__}")
    if data.get("format") != MAGIC:
        raise fail(f"expected \"format\": \"{MAGIC}\"; got {data.get('format')!r}")
    if data.get("version") != VERSION:
        raise fail(f"unsupported version {data.get('version')!r}; this holonet reads "
                   f"version {VERSION}")
    required = {"kind": str, "q": int, "layers": int, "convention": str, "n_tiles": int,
                "layer_sizes": list, "n_edges": list, "neighbors": list,
                "neighbor_edges": list, "centers": list, "boundary_edges": list}
    for key, typ in required.items():
        if key not in data:
            raise fail(f"missing key {key!r}")
        if not isinstance(data[key], typ) or isinstance(data[key], bool):
            raise fail(f"key {key!r} must be a JSON {typ.__name__}; got {data[key]!r:.60}")
    kind = data["kind"]
    if kind not in ("regular", "pentahexagonal", "centred"):
        raise fail(f"unknown kind {kind!r}; expected 'regular', 'pentahexagonal' or "
                   "'centred'")
    limit = DEFAULT_MAX_TILES if max_tiles is None else max_tiles
    try:
        if kind == "regular":
            p = data.get("p")
            if not isinstance(p, int) or isinstance(p, bool):
                raise fail(f"key 'p' must be an integer for a regular tiling; got {p!r}")
            tiling = HyperbolicTiling(p, data["q"], data["layers"], data["convention"],
                                      max_tiles=limit)
        elif kind == "centred":
            p, center = data.get("p"), data.get("center")
            for key, val in (("p", p), ("center", center)):
                if not isinstance(val, int) or isinstance(val, bool):
                    raise fail(f"key {key!r} must be an integer for a centred tiling; "
                               f"got {val!r}")
            assert isinstance(p, int) and isinstance(center, int)
            tiling = HyperbolicTiling.with_center(p, data["q"], data["layers"], center,
                                                  convention=data["convention"],
                                                  max_tiles=limit)
        else:
            tiling = HyperbolicTiling.pentahexagonal(data["layers"], max_tiles=limit)
    except (TypeError, ValueError) as err:
        raise fail(f"cannot rebuild the tiling: {err}") from None
    want = tiling_to_dict(tiling)
    for key in ("q", "convention", "n_tiles", "layer_sizes", "n_edges", "neighbors",
                "neighbor_edges", "boundary_edges"):
        if data[key] != want[key]:
            where = ""
            if isinstance(want[key], list):
                got = data[key]
                if len(got) != len(want[key]):
                    where = f" (length {len(got)}, rebuilt {len(want[key])})"
                else:
                    i = next(i for i, (a, b) in enumerate(zip(got, want[key], strict=True))
                             if a != b)
                    where = f" at index {i}: {got[i]!r:.60} vs rebuilt {want[key][i]!r:.60}"
            raise fail(f"{key!r} differs from the rebuilt tiling{where}")
    try:
        centers = np.asarray(data["centers"], dtype=float)
    except (TypeError, ValueError):
        raise fail("'centers' must be a list of [re, im] number pairs") from None
    ref = np.asarray(want["centers"], dtype=float)
    if centers.shape != ref.shape:
        raise fail(f"'centers' has shape {centers.shape}; rebuilt {ref.shape}")
    dev = np.abs(centers - ref).max(initial=0.0)
    if not dev <= tol:
        i = int(np.argmax(np.abs(centers - ref).max(axis=1))) if centers.size else 0
        raise fail(f"tile {i} centre differs from the rebuilt tiling by {dev:.3g} > tol {tol:g}")
    return tiling
