"""Rich Jupyter representations: a picture plus the numbers.

The geometry, codes and verify owners call these from their ``_repr_html_``
methods (importing this module lazily, the one allowed upward import):

* :func:`tiling_html` — a hyperbolic tiling drawn in the Poincaré disk with
  exact geodesic edges (circle arcs orthogonal to the rim), coloured by layer,
  with ``{p,q}``, layers, tiles per layer and boundary size;
* :func:`code_html` — a HaPPY code on its tiling (bulk legs as dots on the tiles,
  boundary legs around the rim) or a bare stabilizer code as its check matrix,
  with ``[[n, k, d]]`` (the distance only when it is cheap, see
  :data:`DISTANCE_MAX_N`);
* :func:`report_html` — a verification report: a pass/fail badge, its title, the
  numbers from ``.summary()`` and the text of ``.explain()``;
* :func:`record_html` — an :class:`~holonet.attention.record.AttentionRecord`:
  its tokens on rings and the attention matrix of its first layer and head.

The pictures are compact SVG written directly (no matplotlib round trip), so a
notebook cell renders instantly and the output is deterministic.

Examples
--------
>>> class Report:
...     ok, title = True, "isometry of the [[5,1,3]] encoder"
...     def summary(self): return {"error": 1.2e-15, "tol": 1e-10}
...     def explain(self): return "V^dagger V = 1 within 1e-10"
>>> html = report_html(Report())
>>> "passed" in html and "1.2e-15" in html
True
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from holonet._options import check_indices, check_int, check_option

__all__ = ["DISTANCE_MAX_N", "ENGINES", "code_html", "disk_svg", "geodesic_polygon_path",
           "record_html", "report_html", "tiling_html"]

#: Picture engines: ``'svg'`` writes compact SVG directly (fast, small, the
#: default for reprs); ``'matplotlib'`` draws with :mod:`holonet.viz.disk` and
#: inlines matplotlib's SVG (the look of the paper figures).
ENGINES = ("svg", "matplotlib")

#: ``code.distance()`` is evaluated for the repr only when ``n`` is at most this
#: (minimum-weight search grows exponentially with ``n``).
DISTANCE_MAX_N = 15

#: Tilings with more tiles than this are drawn up to the last layer that fits.
_MAX_TILES_DRAWN = 3000

_X_COLOUR, _Z_COLOUR, _Y_COLOUR = "#EE6677", "#4477AA", "#228833"


def _hex(rgba: Sequence[float]) -> str:
    return "#" + "".join(f"{round(255 * float(c)):02x}" for c in rgba[:3])


def _layer_hex(n: int) -> list[str]:
    from holonet.viz.style import layer_colors

    return [_hex(c) for c in layer_colors(max(n, 1))]


def _pt(z: complex) -> str:
    # SVG's y axis points down: flip so counter-clockwise in the disk stays CCW on screen
    return f"{z.real:.5f},{-z.imag:.5f}"


def _arc_to(a: complex, b: complex) -> str:
    """SVG path command drawing the hyperbolic geodesic from ``a`` to ``b``.

    The geodesic through two points of the Poincaré disk is the arc of the circle
    through both that meets the rim at right angles; its centre ``c`` solves
    ``Re(c conj(a)) = (1 + |a|^2) / 2`` and the same for ``b``. Through the origin
    (collinear points) it is a straight line.
    """
    det = a.real * b.imag - a.imag * b.real
    if abs(det) < 1e-9 * max(abs(a), abs(b), 1e-12):
        return f"L{_pt(b)}"
    ra, rb = (1 + abs(a) ** 2) / 2, (1 + abs(b) ** 2) / 2
    cx = (ra * b.imag - rb * a.imag) / det
    cy = (a.real * rb - b.real * ra) / det
    c = complex(cx, cy)
    r = abs(c - a)
    cross = ((a - c).conjugate() * (b - c)).imag  # > 0: a -> b runs counter-clockwise about c
    # flipping y turns math-CCW into screen-CW, which is SVG's sweep-flag 1
    sweep = 1 if cross < 0 else 0
    return f"A{r:.5f},{r:.5f} 0 0 {sweep} {_pt(b)}"


def geodesic_polygon_path(vertices: Iterable[complex]) -> str:
    """SVG path data of a polygon in the Poincaré disk with geodesic edges.

    Coordinates are the disk's, with ``y`` flipped for SVG (the unit disk maps to
    the square ``[-1, 1]^2``).

    Examples
    --------
    >>> geodesic_polygon_path([0.5, 0.5j, -0.5])[:18]
    'M0.50000,-0.00000 '
    >>> geodesic_polygon_path([0.5, -0.5]).count("L")   # a diameter is straight
    2
    """
    vs = [complex(v) for v in vertices]
    if not vs:
        return ""
    parts = [f"M{_pt(vs[0])}"]
    for a, b in zip(vs, vs[1:] + vs[:1]):
        parts.append(_arc_to(a, b))
    return " ".join(parts) + " Z"


def _tiles_to_draw(tiling: Any) -> tuple[list[Any], int]:
    """Tiles of the layers that fit in the drawing budget, and how many layers that is."""
    sizes = list(getattr(tiling, "layer_sizes", []) or [len(tiling.tiles)])
    shown, total = 0, 0
    for s in sizes:
        if total + s > _MAX_TILES_DRAWN and shown:
            break
        total += s
        shown += 1
    return [t for t in tiling.tiles if int(t.layer) <= shown], shown


def _edge_midpoint(tile: Any, edge: int) -> complex:
    """A point on the tile's edge ``edge`` (Euclidean midpoint of its geodesic's chord,
    pushed onto the arc)."""
    v = np.asarray(tile.vertices, dtype=complex)
    a, b = complex(v[edge % len(v)]), complex(v[(edge + 1) % len(v)])
    # Möbius-map a to 0, where the geodesic to b is a diameter, take its hyperbolic
    # midpoint, and map back
    w = (b - a) / (1 - a.conjugate() * b)
    m_w = w / (1 + math.sqrt(max(0.0, 1 - abs(w) ** 2)))
    return (m_w + a) / (1 + a.conjugate() * m_w)


def _require(obj: Any, what: str, attrs: tuple[str, ...]) -> None:
    """TypeError naming ``what`` when ``obj`` lacks the attributes a repr reads."""
    missing = [a for a in attrs if not hasattr(obj, a)]
    if missing:
        raise TypeError(f"{what} must have {', '.join(attrs)}; got {type(obj).__name__} "
                        f"{obj!r:.40} without {missing[0]!r}")


def disk_svg(tiling: Any, *, size: int = 320, bulk_legs: Iterable[int] = (),
             boundary_points: Sequence[complex] = (), title: str = "") -> str:
    """Inline SVG of ``tiling`` in the Poincaré disk, tiles coloured by layer.

    ``bulk_legs`` lists tiles carrying a bulk (logical) leg, drawn as dots at their
    centres; ``boundary_points`` are physical legs, drawn as small open circles.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> import numpy as np
    >>> sq = NS(index=0, layer=1, center=0j, n_edges=4,
    ...         vertices=0.4 * np.exp(1j * np.pi * (np.arange(4) / 2 + 0.25)))
    >>> svg = disk_svg(NS(tiles=[sq], layer_sizes=[1]), size=100)
    >>> svg.startswith("<svg") and svg.count("<path") == 1
    True
    """
    _require(tiling, "tiling", ("tiles", "layer_sizes"))
    size = check_int("size", size, minimum=1)
    tiles, shown = _tiles_to_draw(tiling)
    n_tiles = len(getattr(tiling, "tiles", ()))
    bulk_legs = [int(i) for i in check_indices("bulk_legs", list(bulk_legs), n_tiles)]
    colours = _layer_hex(shown)
    # small tilings (one or two layers) are zoomed in instead of floating in the disk
    extent = max((float(np.abs(np.asarray(t.vertices)).max()) for t in tiles), default=1.0)
    extent = max(extent, *(abs(complex(z)) for z in boundary_points), 0.0)
    pad = min(1.08, extent + 0.2)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
           f'viewBox="{-pad:.3f} {-pad:.3f} {2 * pad:.3f} {2 * pad:.3f}" role="img">']
    if title:
        out.append(f"<title>{html.escape(title)}</title>")
    out.append('<circle cx="0" cy="0" r="1" fill="#fafafa" stroke="#999" stroke-width="0.006"/>')
    out.append('<g stroke="#ffffff" stroke-width="0.004" stroke-linejoin="round">')
    for t in tiles:
        colour = colours[min(int(t.layer), shown) - 1]
        out.append(f'<path d="{geodesic_polygon_path(t.vertices)}" fill="{colour}"/>')
    out.append("</g>")
    centres = {int(t.index): complex(t.center) for t in tiles}
    dots = [centres[i] for i in bulk_legs if i in centres]
    if dots:
        r = max(0.008, min(0.03, 0.35 / math.sqrt(len(dots) + 1)))
        out.append(f'<g fill="#EE6677" stroke="#ffffff" stroke-width="{r / 4:.4f}">')
        out += [f'<circle cx="{z.real:.5f}" cy="{-z.imag:.5f}" r="{r:.4f}"/>' for z in dots]
        out.append("</g>")
    if len(boundary_points):
        r = max(0.004, min(0.02, 1.2 / (len(boundary_points) + 1)))
        out.append(f'<g fill="#ffffff" stroke="#222222" stroke-width="{r / 3:.4f}">')
        out += [f'<circle cx="{complex(z).real:.5f}" cy="{-complex(z).imag:.5f}" r="{r:.4f}"/>'
                for z in boundary_points]
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)


def _matplotlib_svg(tiling: Any, bulk_tiles: Sequence[int] = (),
                    leg_points: Sequence[complex] = (), size: float = 3.2) -> str:
    """The tiling drawn by :mod:`holonet.viz.disk`, as inline SVG text."""
    import io

    from matplotlib.figure import Figure

    from holonet.viz.disk import draw_bulk, draw_tiling
    from holonet.viz.style import figure_style

    with figure_style():
        # a bare Figure, not pyplot: no window under a GUI backend, no inline display
        fig = Figure(figsize=(size, size))
        ax = fig.subplots()
        try:
            draw_tiling(tiling, ax=ax, linewidth=0.3)
            if len(bulk_tiles):
                draw_bulk(tiling, bulk_tiles, ax=ax, color="#EE6677", size=10)
            if len(leg_points):
                pts = np.asarray(leg_points, dtype=complex)
                ax.scatter(pts.real, pts.imag, s=6, facecolors="white", edgecolors="0.15",
                           linewidths=0.5, zorder=5)
            buf = io.StringIO()
            fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches="tight")
        finally:
            fig.clear()
    text = buf.getvalue()
    return text[text.index("<svg"):]


def _table(rows: Iterable[tuple[str, Any]]) -> str:
    body = "".join(
        f'<tr><th style="text-align:left;padding:1px 8px 1px 0;font-weight:600">'
        f"{html.escape(str(k))}</th>"
        f'<td style="text-align:left;padding:1px 0">{html.escape(_fmt(v))}</td></tr>'
        for k, v in rows)
    return f'<table style="border-collapse:collapse;font-size:12px">{body}</table>'


def _fmt(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float | np.floating):
        return f"{float(v):.6g}"
    if isinstance(v, list | tuple) and len(v) > 12:
        head = ", ".join(_fmt(x) for x in list(v)[:12])
        return f"[{head}, ... ({len(v)} items)]"
    if isinstance(v, dict):
        text = json.dumps(v, default=str)
        return text if len(text) <= 200 else text[:197] + "..."
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    return str(v)


def _card(picture: str, title: str, table: str, extra: str = "") -> str:
    return ('<div style="display:flex;gap:16px;align-items:flex-start;'
            'font-family:system-ui,sans-serif">'
            f"<div>{picture}</div><div><div style=\"font-weight:600;margin-bottom:4px\">"
            f"{html.escape(title)}</div>{table}{extra}</div></div>")


def _symbol(tiling: Any) -> str:
    """``'{5,4}'``-style Schläfli symbol (or the tiling's own ``symbol``, e.g. ``'5.6.5.6'``)."""
    symbol = getattr(tiling, "symbol", None)
    if symbol:
        return str(symbol)
    p, q = getattr(tiling, "p", None), getattr(tiling, "q", None)
    return f"{{{p},{q}}}" if p is not None and q is not None else ""


def _tiling_rows(tiling: Any) -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    symbol = _symbol(tiling)
    if symbol:
        rows.append(("tiling", symbol))
    for name in ("layers", "convention", "n_tiles", "layer_sizes", "n_boundary"):
        value = getattr(tiling, name, None)
        if value is not None:
            rows.append((name, list(value) if name == "layer_sizes" else value))
    return rows


def tiling_html(tiling: Any, *, engine: str = "svg") -> str:
    """HTML for a :class:`~holonet.geometry.HyperbolicTiling`: disk picture + its numbers.

    ``engine='matplotlib'`` draws the picture with :func:`holonet.viz.disk.draw_tiling`
    instead of the compact direct SVG.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> import numpy as np
    >>> sq = NS(index=0, layer=1, center=0j, n_edges=4,
    ...         vertices=0.4 * np.exp(1j * np.pi * (np.arange(4) / 2 + 0.25)))
    >>> t = NS(tiles=[sq], layer_sizes=[1], layers=1, n_tiles=1, n_boundary=4, p=4, q=5)
    >>> "{4,5}" in tiling_html(t)
    True
    """
    _require(tiling, "tiling", ("tiles", "layer_sizes"))
    rows = _tiling_rows(tiling)
    _, shown = _tiles_to_draw(tiling)
    note = ""
    if shown < len(getattr(tiling, "layer_sizes", [])):
        note = (f'<div style="color:#777;font-size:11px">drawn: the first {shown} layers '
                f"(more than {_MAX_TILES_DRAWN} tiles)</div>")
    title = f"{type(tiling).__name__} {_symbol(tiling)}".strip()
    if check_option("picture engine", engine, ENGINES) == "matplotlib":
        picture = _matplotlib_svg(tiling)
    else:
        picture = disk_svg(tiling, title=title)
    return _card(picture, title, _table(rows), note)


def _code_numbers(stab: Any) -> tuple[int, int, str]:
    n, k = int(stab.n), int(stab.k)
    if n <= DISTANCE_MAX_N and hasattr(stab, "distance"):
        try:
            return n, k, str(int(stab.distance()))
        except Exception as exc:  # a repr must never raise
            return n, k, f"? ({type(exc).__name__})"
    return n, k, "?"


def _check_matrix_svg(stab: Any, *, size: int = 320) -> str:
    """Stabilizer generators as a grid: rows = generators, columns = qubits (X, Z, Y)."""
    h = np.asarray(stab.stabilizers, dtype=np.uint8)
    n = int(stab.n)
    rows = h[:64, :]
    cols = min(n, 64)
    x, z = rows[:, :cols], rows[:, n:n + cols]
    cell = max(2.0, min(16.0, size / max(cols, rows.shape[0], 1)))
    w, hgt = cols * cell, rows.shape[0] * cell
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0f}" height="{hgt:.0f}" '
           f'viewBox="0 0 {w:.2f} {hgt:.2f}" role="img"><title>stabilizer generators</title>'
           f'<rect width="{w:.2f}" height="{hgt:.2f}" fill="#f4f4f4"/>']
    for i in range(rows.shape[0]):
        for j in range(cols):
            xi, zi = x[i, j], z[i, j]
            if not (xi or zi):
                continue
            colour = _Y_COLOUR if (xi and zi) else (_X_COLOUR if xi else _Z_COLOUR)
            out.append(f'<rect x="{j * cell:.2f}" y="{i * cell:.2f}" width="{cell * 0.92:.2f}" '
                       f'height="{cell * 0.92:.2f}" fill="{colour}"/>')
    out.append("</svg>")
    return "".join(out)


def code_html(code: Any, *, engine: str = "svg") -> str:
    """HTML for a code: a picture plus ``[[n, k, d]]``.

    A HaPPY code (anything with ``.tiling`` and ``.stabilizer_code``) is drawn on
    its tiling with bulk legs on the tiles and boundary legs around the rim; a
    bare stabilizer code (``.n``, ``.k``, ``.stabilizers``) as its check matrix
    (X red, Z blue, Y green). The distance is computed only for
    ``n <= DISTANCE_MAX_N``. ``engine='matplotlib'`` draws a HaPPY code with
    :mod:`holonet.viz.disk`.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> import numpy as np
    >>> rep = NS(n=3, k=1, stabilizers=np.array([[0, 0, 0, 1, 1, 0], [0, 0, 0, 0, 1, 1]]),
    ...          distance=lambda: 1)
    >>> "[[3, 1, 1]]" in code_html(rep)
    True
    """
    _require(getattr(code, "stabilizer_code", code), "code", ("n", "k"))
    stab = getattr(code, "stabilizer_code", code)
    n, k, d = _code_numbers(stab)
    nkd = f"[[{n}, {k}, {d}]]"
    rows: list[tuple[str, Any]] = [("[[n, k, d]]", nkd)]
    if d == "?":
        rows.append(("distance", f"not computed for n > {DISTANCE_MAX_N}; call .distance()"))
    if hasattr(stab, "stabilizers"):
        rows.append(("stabilizer generators", int(np.asarray(stab.stabilizers).shape[0])))
    tiling = getattr(code, "tiling", None)
    if tiling is not None:
        rows += [(k_ if k_ == "tiling" else f"tiling {k_}", v)
                 for k_, v in _tiling_rows(tiling)]
        bulk_tiles = []
        for leg in getattr(code, "bulk_legs", []) or []:
            if leg.startswith("q") and leg[1:].isdigit():
                bulk_tiles.append(int(leg[1:]))
        if check_option("picture engine", engine, ENGINES) == "matplotlib":
            picture = _matplotlib_svg(tiling, bulk_tiles, _physical_leg_points(code))
        else:
            picture = disk_svg(tiling, bulk_legs=bulk_tiles,
                               boundary_points=_physical_leg_points(code), title=nkd)
        if n > 0:
            rows.append(("rate k/n", f"{k / n:.4f}"))
    else:
        picture = (_check_matrix_svg(stab) + '<div style="font-size:10px;color:#777">'
                   f'generators &times; qubits: <span style="color:{_X_COLOUR}">X</span> '
                   f'<span style="color:{_Z_COLOUR}">Z</span> '
                   f'<span style="color:{_Y_COLOUR}">Y</span></div>')
    title = f"{type(code).__name__} {nkd}"
    for attr in ("variant", "convention"):
        if getattr(code, attr, None) is not None:
            rows.append((attr, getattr(code, attr)))
    return _card(picture, title, _table(rows))


def _physical_leg_points(code: Any) -> list[complex]:
    """Disk position of each physical leg ``k{i}`` (edge midpoint or tile centre), in order."""
    tiling = code.tiling
    legs = list(getattr(code, "boundary_legs", []) or [])
    pos: dict[str, complex] = {}
    tile_legs = getattr(code, "tile_legs", None)
    if tile_legs is None:
        return []
    tiles, _ = _tiles_to_draw(tiling)
    if len(tiles) != len(tiling.tiles):
        return []
    for t in tiles:
        for e, leg in enumerate(tile_legs(t.index)):
            if leg in pos or not str(leg).startswith("k"):
                continue
            pos[leg] = _edge_midpoint(t, e) if e < int(t.n_edges) else complex(t.center)
    return [pos[leg] for leg in legs if leg in pos]


def report_html(report: Any) -> str:
    """HTML for a verification report: pass/fail badge, title, numbers, explanation.

    Reads ``.ok``, ``.title``, ``.summary()`` (a JSON-serialisable dict) and
    ``.explain()``; anything missing is left out rather than raising.

    Examples
    --------
    >>> import numpy as np
    >>> from holonet.verify import isometry
    >>> q, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(8, 2)))
    >>> html = report_html(isometry(q))
    >>> html.startswith("<div"), "passed" in html
    (True, True)
    >>> "FAILED" in report_html(isometry(2 * q))  # not an isometry
    True
    """
    ok = bool(getattr(report, "ok", False))
    title = str(getattr(report, "title", type(report).__name__))
    colour, word = ("#228833", "passed") if ok else ("#EE6677", "FAILED")
    badge = (f'<span style="display:inline-block;padding:1px 8px;border-radius:9px;'
             f'background:{colour};color:#fff;font-weight:600;margin-right:8px">'
             f"{'&#10003;' if ok else '&#10007;'} {word}</span>")
    summary: dict[str, Any] = {}
    if callable(getattr(report, "summary", None)):
        try:
            summary = dict(report.summary())
        except Exception as exc:  # a repr must never raise
            summary = {"summary() raised": f"{type(exc).__name__}: {exc}"}
    explain = ""
    if callable(getattr(report, "explain", None)):
        try:
            explain = str(report.explain())
        except Exception as exc:
            explain = f"explain() raised {type(exc).__name__}: {exc}"
    # the badge and the heading already show these
    rows = [(k, v) for k, v in summary.items() if k not in ("ok", "title")]
    table = _table(rows) if rows else ""
    pre = (f'<pre style="white-space:pre-wrap;font-size:11px;margin:6px 0 0;max-height:24em;'
           f'overflow:auto">{html.escape(explain)}</pre>') if explain else ""
    return ('<div style="font-family:system-ui,sans-serif;border-left:4px solid '
            f'{colour};padding:4px 10px">'
            f'<div style="margin-bottom:4px">{badge}<b>{html.escape(title)}</b></div>'
            f"{table}{pre}</div>")


def _heatmap_svg(a: np.ndarray, *, size: int = 220, max_cells: int = 64) -> str:
    """A matrix as an SVG heatmap (cividis), block-averaged down to ``max_cells``."""
    import matplotlib

    a = np.asarray(a, dtype=np.float64)
    n = a.shape[0]
    if n > max_cells:
        edges = np.linspace(0, n, max_cells + 1).astype(int)
        a = np.add.reduceat(np.add.reduceat(a, edges[:-1], axis=0), edges[:-1], axis=1)
        a /= np.outer(np.diff(edges), np.diff(edges))
    top = float(a.max()) or 1.0
    cmap = matplotlib.colormaps["cividis"]
    m = a.shape[0]
    cell = size / m
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
           f'viewBox="0 0 {size} {size}" role="img"><title>attention (row = query)</title>']
    for i in range(m):
        for j in range(m):
            out.append(f'<rect x="{j * cell:.2f}" y="{i * cell:.2f}" width="{cell + 0.05:.2f}" '
                       f'height="{cell + 0.05:.2f}" fill="{_hex(cmap(a[i, j] / top))}"/>')
    out.append("</svg>")
    return "".join(out)


def record_html(record: Any) -> str:
    """HTML for an :class:`~holonet.attention.record.AttentionRecord`.

    Shows the tokens per ring, the layers and heads, and the attention matrix of
    the first (layer, head) as a heatmap; for the interactive view write
    :func:`holonet.viz.explorer`.

    Examples
    --------
    >>> import numpy as np
    >>> from holonet.attention.record import AttentionRecord
    >>> rec = AttentionRecord(tokens=["core", "a", "b"], ring=np.array([0, 1, 1]))
    >>> rec.add(0, 0, np.full((3, 3), 1 / 3))
    >>> "3 tokens" in record_html(rec)
    True
    """
    _require(record, "record", ("ring", "tokens", "layers"))
    counts = np.bincount(np.asarray(record.ring, dtype=np.int64), minlength=record.n_rings)
    rows: list[tuple[str, Any]] = [
        ("tokens", f"{record.n_tokens} tokens on {record.n_rings} rings"),
        ("tokens per ring (core first)", [int(c) for c in counts]),
        ("layers", record.layers),
        ("heads", {str(layer): record.heads(layer) for layer in record.layers}),
    ]
    meta = record.meta if isinstance(record.meta, dict) else {}
    if meta.get("model"):
        rows.insert(0, ("model", meta["model"]))
    if record.maps:
        (layer, head), a = sorted(record.maps.items())[0]
        picture = (_heatmap_svg(a) + '<div style="font-size:10px;color:#777">'
                   f"layer {layer}, head {head}: row = query, column = key</div>")
    else:
        picture = '<div style="color:#777">no attention maps</div>'
    return _card(picture, type(record).__name__, _table(rows),
                 '<div style="font-size:11px;color:#777;margin-top:4px">'
                 "interactive view: holonet.viz.explorer(record, path)</div>")
