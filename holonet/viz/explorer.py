"""The interactive radial explorer: one self-contained HTML file.

:func:`explorer` writes a single HTML page (inline SVG, CSS and JavaScript; no
network access when viewed, no CDN) showing

* **attention mode** — the tokens of an
  :class:`~holonet.attention.record.AttentionRecord` on concentric rings (core
  inside, boundary outside). Hover or click a token to see the top-``k`` keys it
  attends to (*focus*) and the top-``k`` queries attending to it (*context*);
  every other token fades, a halo shows the full attention row, and the panel
  splits the row's mass by ring ("attention by scale"). Zoom and pan
  (wheel/drag or buttons), a layer/head selector (with the mean over heads), and
  *pinning*: a pinned token (a core "concept") stays highlighted with its links
  as you move across layers;
* **code mode** — a HaPPY code on its tiling in the Poincaré disk. Click a
  boundary leg (shift+click to extend) to select a contiguous boundary interval
  ``A`` and see its entanglement wedge: the greedy and the exact wedge (the
  difference marked), the complement's wedge, and the bulk legs recoverable from
  neither. The wedges are computed in Python by
  :func:`holonet.verify.complementary_recovery` for every interval up to
  ``max_interval`` legs (and so, by complementation, their complements) and
  embedded as JSON.

The page exposes a stable DOM contract for tests and scripting: tokens are
``<circle class="token" data-token-index="i">`` with the classes ``focus``,
``highlight``, ``attended-by``, ``pinned``; boundary legs are ``<circle
class="leg" data-leg-index="i">``; and ``window.holonetExplorer.state`` holds
``layer``, ``head``, ``k``, ``focus``, ``highlighted``, ``attendedBy``,
``ringMass``, ``pinned``, ``zoom``, ``selection`` and ``wedge``.

Examples
--------
>>> import numpy as np, tempfile, pathlib
>>> from holonet.attention.record import AttentionRecord
>>> rec = AttentionRecord(tokens=["core", "a", "b", "c"], ring=np.array([0, 1, 1, 1]))
>>> rec.add(0, 0, np.full((4, 4), 0.25))
>>> out = explorer(rec, pathlib.Path(tempfile.mkdtemp()) / "explore.html")
>>> text = out.read_text()
>>> "data-token-index" in text and "http://" not in text.replace(
...     "http://www.w3.org/2000/svg", "")
True
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from holonet._io import atomic_path
from holonet._options import check_int, check_option

__all__ = ["DEFAULT_MAX_BYTES", "DEFAULT_MAX_INTERVAL", "FULL_COVERAGE_MAX_N", "MAX_ENTRIES",
           "as_record", "explorer", "explorer_html", "ring_layout"]

#: By default wedges are precomputed for *every* contiguous interval of codes with
#: at most this many boundary legs (``happy_code(3)``: 95 legs, about 2 s) ...
FULL_COVERAGE_MAX_N = 100
#: ... and for larger codes for intervals of at most this many legs (the rest
#: follow by complementation up to twice this size).
DEFAULT_MAX_INTERVAL = 16

#: Largest number of non-zero attention entries embedded in one page (about
#: 20 bytes each as JSON).
MAX_ENTRIES = 4_000_000

#: Default limit on the predicted size of a code page's wedge data (``happy_code(4)``:
#: ~15 MB passes; ``happy_code(5)``: ~220 MB is refused). Raise it with ``max_bytes=``.
DEFAULT_MAX_BYTES = 64 * 2**20


def predicted_wedge_bytes(n: int, k: int, max_len: int) -> int:
    """Predicted JSON size of the precomputed wedges: ``n x max_len`` entries of ~(60 + 14 k)
    bytes (measured on HaPPY codes of 2-5 layers: 650, 2700, 10500 bytes at k = 51, 201, 761).

    Examples
    --------
    >>> predicted_wedge_bytes(1325, 761, 16) > 200e6
    True
    """
    return int(n * max_len * (60 + 14 * k))

#: The wedge data a ``wedge_fn`` returns for a boundary region.
WedgeFn = Callable[[Any, list[int]], dict[str, list[str]]]

_LABEL_MODES = ("auto", "all", "active")


# --------------------------------------------------------------------------- inputs

def as_record(obj: Any, inputs: Sequence[Any] | None = None) -> Any:
    """The :class:`AttentionRecord` behind ``obj``.

    Accepts an ``AttentionRecord``, an object with a ``.record()`` or
    ``.attention_record()`` method, a torch model containing holonet attention
    layers together with ``inputs`` (recorded by one forward pass of
    :func:`holonet.nn.record_attention`), or the JSON text / path of a record
    written by ``AttentionRecord.to_json``.

    Examples
    --------
    >>> import numpy as np
    >>> from holonet.attention.record import AttentionRecord
    >>> rec = AttentionRecord(tokens=["a"], ring=np.array([0]))
    >>> as_record(rec) is rec
    True
    >>> as_record(42)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: explorer needs an AttentionRecord, ...; got int
    """
    from holonet.attention.record import AttentionRecord

    if isinstance(obj, AttentionRecord):
        return obj
    for method in ("record", "attention_record"):
        fn = getattr(obj, method, None)
        if callable(fn):
            rec = fn()
            if not isinstance(rec, AttentionRecord):
                raise TypeError(f"{type(obj).__name__}.{method}() returned "
                                f"{type(rec).__name__}, not an AttentionRecord")
            return rec
    if inputs is not None:
        from holonet.nn import record_attention

        return record_attention(obj, *inputs)
    if isinstance(obj, Path) or (isinstance(obj, str) and not obj.lstrip().startswith("{")):
        return AttentionRecord.from_json(Path(obj).read_text())
    if isinstance(obj, str):
        return AttentionRecord.from_json(obj)
    if callable(getattr(obj, "forward", None)):
        raise TypeError(f"{type(obj).__name__} is a model: pass inputs=(x, ...) for one "
                        "forward pass, recorded by holonet.nn.record_attention")
    raise TypeError("explorer needs an AttentionRecord, an object with .record() or "
                    f".attention_record(), or a record's JSON; got {type(obj).__name__}")


def _is_code(obj: Any) -> bool:
    return hasattr(obj, "stabilizer_code") and hasattr(obj, "tiling")


# --------------------------------------------------------------------------- attention

def _hex_colours(n: int) -> list[str]:
    from holonet.viz.repr import _layer_hex

    return _layer_hex(n)


def ring_layout(ring: Sequence[int], angle: Sequence[float] | None = None
                ) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """Positions of tokens on concentric rings: ``(x, y, radius_of_each_ring)``.

    Ring 0 is the core (at the centre if it holds one token), the largest ring
    index the boundary at radius 1. Tokens of a ring are spread evenly in the
    order they appear, starting at the top and running clockwise (reading order),
    unless ``angle`` (radians, per token) is given. Coordinates are SVG's
    (``y`` down). The explorer takes ``record.meta['angle']`` as ``angle``, and
    ``record.meta['positions']`` (``(N, 2)`` Poincaré-disk points) overrides the
    layout entirely.

    Examples
    --------
    >>> x, y, radii = ring_layout([0, 1, 1, 1, 1])
    >>> radii
    [0.0, 1.0]
    >>> bool(np.allclose(np.hypot(x, y), [0, 1, 1, 1, 1]))
    True
    """
    rings = np.asarray(ring, dtype=np.int64)
    n_rings = int(rings.max()) + 1 if rings.size else 0
    counts = np.bincount(rings, minlength=n_rings)
    single_core = n_rings > 1 and counts[0] == 1
    radii = []
    for r in range(n_rings):
        if single_core:
            radii.append(r / (n_rings - 1))
        else:
            radii.append((r + 1) / n_rings)
    x = np.zeros(rings.size)
    y = np.zeros(rings.size)
    seen = np.zeros(n_rings, dtype=np.int64)
    for i, r in enumerate(rings):
        if angle is not None:
            theta = float(angle[i])
        else:
            # start at the top (-pi/2 in SVG coordinates), run clockwise
            theta = -math.pi / 2 + 2 * math.pi * (seen[r] + 0.5 * (counts[r] > 1)) / counts[r]
        seen[r] += 1
        x[i] = radii[r] * math.cos(theta)
        y[i] = radii[r] * math.sin(theta)
    return x, y, [float(v) for v in radii]


def _encode_map(a: Any, precision: int | None) -> Any:
    """One attention matrix for the page: dense rows, or ``[[cols], [values]]`` per row
    when at most a third of the entries are non-zero (code-derived patterns are sparse).

    With ``precision=None`` the values keep full float64 precision, so the page's
    top-k equals :meth:`AttentionRecord.top_k` exactly, ties included.
    """
    a = np.asarray(a, dtype=np.float64)
    if precision is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            mag = np.where(a != 0, np.floor(np.log10(np.abs(a))), 0)
        scale = 10.0 ** (precision - 1 - mag)
        a = np.round(a * scale) / scale
    if np.count_nonzero(a) * 3 <= a.size:
        rows = []
        for row in a:
            cols = np.flatnonzero(row)
            rows.append([cols.tolist(), row[cols].tolist()])
        return {"sparse": rows}
    return a.tolist()


def _attention_payload(rec: Any, k: int | None, labels: str,
                       precision: int | None = None) -> dict[str, Any]:
    n = rec.n_tokens
    if n == 0:
        raise ValueError("the attention record has no tokens")
    if not rec.maps:
        raise ValueError("the attention record has no attention maps (call record.add(...))")
    if precision is not None:
        check_int("precision", precision, minimum=1, maximum=17)
    entries = sum(int(np.count_nonzero(a)) for a in rec.maps.values())
    if entries > MAX_ENTRIES:
        raise ValueError(
            f"the record's {len(rec.maps)} attention maps hold {entries:,} non-zero entries "
            f"(> {MAX_ENTRIES:,}, a page of hundreds of MB); keep fewer layers/heads or "
            "tokens in the record")
    k = min(3, n) if k is None else check_int("k", k, minimum=1, maximum=n)
    meta = rec.meta if isinstance(rec.meta, dict) else {}
    angle = meta.get("angle")
    if angle is not None and len(angle) != n:
        raise ValueError(f"record.meta['angle'] must have one angle per token ({n}); "
                         f"got {len(angle)}")
    x, y, radii = ring_layout(rec.ring, angle)
    positions = meta.get("positions")
    if positions is not None:
        # explicit Poincaré-disk positions (e.g. tokens on a tiling's tiles and legs)
        pos = np.asarray(positions, dtype=np.float64)
        if pos.shape != (n, 2) or not np.all(np.isfinite(pos)):
            raise ValueError(f"record.meta['positions'] must be {n} finite (x, y) pairs; "
                             f"got shape {pos.shape}")
        x, y = pos[:, 0], -pos[:, 1]   # disk orientation -> SVG (y down)
    counts = np.bincount(rec.ring, minlength=rec.n_rings)
    colours = _hex_colours(rec.n_rings)
    sizes = []
    for i in range(n):
        r = int(rec.ring[i])
        circumference = 2 * math.pi * max(radii[r], 0.05)
        sizes.append(float(min(0.06, 0.42 * circumference / max(int(counts[r]), 1))))
    names = rec.meta.get("ring_names") if isinstance(rec.meta, dict) else None
    if not names or len(names) != rec.n_rings:
        names = ["core" if r == 0 else ("boundary" if r == rec.n_rings - 1 else f"ring {r}")
                 for r in range(rec.n_rings)]
    if labels == "auto":
        labels = "all" if n <= 48 else "active"
    return {
        "tokens": rec.tokens,
        "ring": [int(r) for r in rec.ring],
        "x": [round(float(v), 6) for v in x],
        "y": [round(float(v), 6) for v in y],
        "r": [round(s, 6) for s in sizes],
        "colors": [colours[int(r)] for r in rec.ring],
        "ring_radius": radii,
        "ring_names": [str(s) for s in names],
        "layers": rec.layers,
        "heads": {str(layer): rec.heads(layer) for layer in rec.layers},
        "maps": {f"{layer},{head}": _encode_map(a, precision)
                 for (layer, head), a in sorted(rec.maps.items())},
        "activity": {str(layer): [float(v) for v in np.asarray(a).ravel()]
                     for layer, a in rec.activity.items()},
        "k": int(k),
        "labels": labels,
        "description": str(rec.meta.get("description", "")) if isinstance(rec.meta, dict)
        else "",
    }


# --------------------------------------------------------------------------- code

def _leg_names(legs: Any) -> list[str]:
    return sorted(str(x) for x in legs)


def _report_wedges(report: Any) -> dict[str, list[str]]:
    """Greedy/exact wedges of A and of its complement from a complementary-recovery report."""
    def get(*names: str) -> list[str]:
        for name in names:
            if hasattr(report, name):
                return _leg_names(getattr(report, name))
        summary = report.summary() if callable(getattr(report, "summary", None)) else {}
        for name in names:
            if name in summary:
                return _leg_names(summary[name])
        raise AttributeError(f"{type(report).__name__} has none of {names}")

    return {
        "greedy": get("greedy_wedge", "greedy_wedge_A"),
        "exact": get("exact_wedge", "exact_wedge_A"),
        "cgreedy": get("greedy_wedge_complement", "complement_greedy_wedge",
                       "greedy_wedge_Ac"),
        "cexact": get("exact_wedge_complement", "complement_exact_wedge", "exact_wedge_Ac"),
    }


def _default_wedge_fn(code: Any, region: list[int]) -> dict[str, list[str]]:
    from holonet.verify import complementary_recovery  # type: ignore[attr-defined]

    return _report_wedges(complementary_recovery(code, region))


def _interval_limit(n: int, max_interval: int | None) -> int:
    if max_interval is None:
        limit = n if n <= FULL_COVERAGE_MAX_N else DEFAULT_MAX_INTERVAL
    else:
        limit = max_interval
    max_len = check_int("max_interval", limit, minimum=1)
    # intervals of length L and n - L are complements: computing up to ceil(n/2)
    # covers every interval
    return min(max_len, (n + 1) // 2, n - 1)


def _code_payload(code: Any, max_interval: int | None, wedge_fn: WedgeFn | None,
                  max_bytes: int = DEFAULT_MAX_BYTES) -> dict[str, Any]:
    from holonet._options import check_work
    from holonet.viz.repr import _edge_midpoint, geodesic_polygon_path

    legs = [str(x) for x in code.boundary_legs]
    n = len(legs)
    if n < 2:
        raise ValueError(f"code mode needs at least 2 boundary legs; got {n}")
    max_len = _interval_limit(n, max_interval)
    check_work(f"the explorer page of a code with n = {n:,}, k = {len(code.bulk_legs):,} "
               f"(wedges of {n * max_len:,} intervals)",
               predicted_wedge_bytes(n, len(code.bulk_legs), max_len),
               check_int("max_bytes", max_bytes, minimum=1), unit="bytes of wedge data",
               override="max_bytes= (holonet explore: --max-mb) or a smaller max_interval")
    tiling = code.tiling
    stab = code.stabilizer_code
    bulk_names = {str(x) for x in code.bulk_legs}
    colours = _hex_colours(int(getattr(tiling, "layers", 1) or 1))
    tiles, anchor, bulk = [], {}, []
    for t in tiling.tiles:
        names = [str(x) for x in code.tile_legs(t.index)]
        bulk_leg = next((x for x in names if x in bulk_names), None)
        tiles.append({"index": int(t.index), "layer": int(t.layer),
                      "path": geodesic_polygon_path(t.vertices),
                      "color": colours[min(int(t.layer), len(colours)) - 1],
                      "bulk": bulk_leg})
        for e, leg in enumerate(names):
            if leg.startswith("k") and leg not in anchor:
                anchor[leg] = (_edge_midpoint(t, e) if e < int(t.n_edges)
                               else complex(t.center))
        if bulk_leg is not None:
            z = complex(t.center)
            bulk.append({"name": bulk_leg, "tile": int(t.index), "x": round(z.real, 6),
                         "y": round(-z.imag, 6)})
    missing = [leg for leg in legs if leg not in anchor]
    if missing:
        raise ValueError(f"boundary legs {missing[:5]} are on no tile of the code's tiling")
    # evenly spaced slots on a rim just outside the disk, taken by the legs in the
    # angular order of where they attach (edge midpoints, or tile centres for legs
    # that replace a bulk leg), rotated to best match the true angles: no stubs
    # cross, and for codes whose legs are numbered around the disk the slots follow
    # the numbering
    angles = np.array([math.atan2(anchor[leg].imag, anchor[leg].real) for leg in legs])
    order = np.argsort(angles, kind="stable")
    even = 2 * math.pi * np.arange(n) / n
    offset = float(np.angle(np.mean(np.exp(1j * (angles[order] - even)))))
    slot = np.empty(n)
    slot[order] = offset + even
    rim = 1.07
    leg_rows = []
    for i, leg in enumerate(legs):
        a = anchor[leg]
        th = float(slot[i])
        leg_rows.append({"name": leg, "index": i, "x": round(rim * math.cos(th), 6),
                         "y": round(-rim * math.sin(th), 6), "ax": round(a.real, 6),
                         "ay": round(-a.imag, 6)})
    bulk_r = float(max(0.008, min(0.03, 0.35 / math.sqrt(len(bulk) + 1))))
    for b in bulk:
        b["r"] = bulk_r
    fn = wedge_fn or _default_wedge_fn
    wedges: dict[str, dict[str, list[str]]] = {}
    for length in range(1, max_len + 1):
        for start in range(n):
            region = sorted((start + t) % n for t in range(length))
            wedges[f"{start}:{length}"] = fn(code, region)
    return {
        "name": f"{type(code).__name__}" + (f" ({code.variant})" if getattr(code, "variant",
                                                                            None) else ""),
        "n": int(stab.n), "k": int(stab.k),
        "tiles": tiles, "legs": leg_rows, "bulk": bulk,
        "leg_radius": float(max(0.006, min(0.03, 2.2 / (n + 1)))),
        "max_len": max_len, "default_len": max(1, min(max_len, n // 3)),
        "wedges": wedges,
    }


def _place_on_code(attention: dict[str, Any], code_data: dict[str, Any]) -> None:
    """Tokens named after the code's legs (``'k3'``, ``'q7'``: holographic attention)
    sit where those legs are drawn, over the tiling, instead of on abstract rings."""
    where = {g["name"]: (g["x"], g["y"], code_data["leg_radius"]) for g in code_data["legs"]}
    where.update({b["name"]: (b["x"], b["y"], max(1.6 * b["r"], 0.02))
                  for b in code_data["bulk"]})
    if not all(t in where for t in attention["tokens"]):
        return
    attention["x"] = [where[t][0] for t in attention["tokens"]]
    attention["y"] = [where[t][1] for t in attention["tokens"]]
    attention["r"] = [where[t][2] for t in attention["tokens"]]
    attention["underlay"] = True


# --------------------------------------------------------------------------- page

def _static(name: str) -> str:
    return resources.files("holonet.viz").joinpath("static", name).read_text(encoding="utf-8")


def _json_for_script(payload: Any) -> str:
    # keep the JSON inert inside <script>: no "</script>", no "<!--"
    text = json.dumps(payload, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def explorer_html(model_or_record: Any = None, *, code: Any = None, k: int | None = None,
                  title: str | None = None, max_interval: int | None = None,
                  labels: str = "auto", wedge_fn: WedgeFn | None = None,
                  inputs: Sequence[Any] | None = None, precision: int | None = None,
                  max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The explorer page as a string (see :func:`explorer`, which writes it).

    Examples
    --------
    >>> import numpy as np
    >>> from holonet.attention.record import AttentionRecord
    >>> rec = AttentionRecord(tokens=["core", "a", "b", "c"], ring=np.array([0, 1, 1, 1]))
    >>> rec.add(0, 0, np.full((4, 4), 0.25))
    >>> page = explorer_html(rec, title="demo")
    >>> page.startswith("<!DOCTYPE html>"), "<title>demo</title>" in page
    (True, True)
    """
    import html as _html

    from holonet import __version__

    check_option("label mode", labels, _LABEL_MODES)
    if model_or_record is not None and _is_code(model_or_record):
        if code is not None:
            raise ValueError("pass the code either positionally or as code=, not both")
        model_or_record, code = None, model_or_record
    if model_or_record is None and code is None:
        raise ValueError("explorer needs an attention record (or model) or a code")
    attention = None
    if model_or_record is not None:
        rec = as_record(model_or_record, inputs)
        attention = _attention_payload(rec, k, labels, precision)
    code_data = (_code_payload(code, max_interval, wedge_fn, max_bytes) if code is not None
                 else None)
    if title is None:
        title = "holonet explorer"
        if attention is not None and isinstance(rec.meta, dict) and rec.meta.get("model"):
            title += f": {rec.meta['model']}"
        elif code_data is not None:
            title += f": {code_data['name']}"
    if attention is not None and code_data is not None:
        _place_on_code(attention, code_data)
    payload = {"attention": attention, "code": code_data}
    page = _static("explorer.html")
    page = page.replace("__HOLONET_TITLE__", _html.escape(title))
    page = page.replace("__HOLONET_VERSION__", _html.escape(__version__))
    page = page.replace("__HOLONET_CSS__", _static("explorer.css"))
    # data and script last: neither may be rescanned for the placeholders above
    before, after = page.split("__HOLONET_DATA__")
    js = _static("explorer.js")
    after = after.replace("__HOLONET_JS__", js.replace("</", "<\\/"))
    return before + _json_for_script(payload) + after


def explorer(model_or_record: Any, path: str | Path, *, code: Any = None, k: int | None = None,
             title: str | None = None, max_interval: int | None = None,
             labels: str = "auto", wedge_fn: WedgeFn | None = None,
             inputs: Sequence[Any] | None = None, precision: int | None = None,
             max_bytes: int = DEFAULT_MAX_BYTES) -> Path:
    """Write the interactive radial explorer to ``path`` (one self-contained HTML file).

    Parameters
    ----------
    model_or_record
        An :class:`~holonet.attention.record.AttentionRecord`, an object with a
        ``.record()`` / ``.attention_record()`` method, a torch model with holonet
        attention layers (with ``inputs``), a record's JSON (text or path), or a
        HaPPY code (then the page opens in code mode); ``None`` with
        ``code=`` for a code-only page.
    path
        Output file; written atomically.
    code
        A HaPPY code (``.tiling``, ``.stabilizer_code``, ``.boundary_legs``,
        ``.bulk_legs``, ``.tile_legs``) adding the entanglement-wedge mode.
    k
        Initial number of keys highlighted per query (adjustable in the page;
        default ``min(3, n_tokens)``).
    title
        Page title (default from the record's ``meta['model']`` or the code).
    max_interval
        Precompute wedges for boundary intervals up to this many legs
        (default: all intervals when the code has at most
        :data:`FULL_COVERAGE_MAX_N` boundary legs, else
        :data:`DEFAULT_MAX_INTERVAL`; complements come for free).
    labels
        ``'all'`` token labels, only for ``'active'`` tokens, or ``'auto'``
        (all when there are at most 48 tokens).
    wedge_fn
        ``wedge_fn(code, region) -> {'greedy', 'exact', 'cgreedy', 'cexact'}``
        (lists of bulk leg names) replacing
        :func:`holonet.verify.complementary_recovery`.
    inputs
        Positional inputs of one forward pass of a torch model passed as
        ``model_or_record``, recorded by :func:`holonet.nn.record_attention`.
    precision
        Significant digits kept for attention weights (smaller pages). The
        default ``None`` keeps full float64 precision, so the highlighted top-k
        equals :meth:`AttentionRecord.top_k` exactly, ties included; rounding can
        reorder near-ties.
    max_bytes
        Refuse (:class:`holonet._options.WorkTooLarge`, before any wedge is
        computed) when the code's wedge data is predicted to exceed this many
        bytes (``predicted_wedge_bytes``).

    Returns
    -------
    pathlib.Path
        The written file.

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib
    >>> from holonet.attention.record import AttentionRecord
    >>> rec = AttentionRecord(tokens=list("abc"), ring=np.array([0, 1, 1]))
    >>> rec.add(0, 0, np.eye(3))
    >>> explorer(rec, pathlib.Path(tempfile.mkdtemp()) / "e.html").suffix
    '.html'
    """
    from holonet._io import check_output_path

    target = check_output_path(path, what="path")
    text = explorer_html(model_or_record, code=code, k=k, title=title,
                         max_interval=max_interval, labels=labels, wedge_fn=wedge_fn,
                         inputs=inputs, precision=precision, max_bytes=max_bytes)
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target
