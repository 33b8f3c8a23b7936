"""The data of a drawn figure, as a deterministic JSON-ready record.

The registry saves ``figures/<name>.json`` beside every figure from this record,
so a figure gets its data file without writing any saving code:

* ``axes``: for every axes, its title, labels, scales and limits and what is
  plotted on it — lines (``x``, ``y``, label), error bars (``x``, ``y``,
  ``xerr``/``yerr``), scatter points, bars, images (the array) and the text
  placed on it; shapes of pure geometry (tiles, legs drawn as patches) are
  counted, not listed;
* ``data``: whatever the figure function attached with :func:`attach_data`
  (numbers that are not plotted as such: fit results, sample counts, seeds).

Floats are rounded to :data:`SIGNIFICANT` significant digits (the precision of
a plot; it also keeps last-bit noise of threaded BLAS out of the committed
file), non-finite values become ``null``, and an array with more than
:data:`MAX_VALUES` numbers is summarised by its shape, min, max and mean.

Examples
--------
>>> from matplotlib.figure import Figure
>>> fig = Figure()
>>> ax = fig.subplots()
>>> _ = ax.plot([0, 1, 2], [0.5, 0.25, 1 / 3], label="decay")
>>> rec = figure_data(attach_data(fig, seed=7))
>>> rec["data"], rec["axes"][0]["lines"][0]["y"]
({'seed': 7}, [0.5, 0.25, 0.333333])
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["MAX_VALUES", "SIGNIFICANT", "attach_data", "dumps", "figure_data", "to_json_value"]

#: Significant digits kept for every float in a figure's data file.
SIGNIFICANT = 6
#: Arrays with more numbers than this are summarised (shape, min, max, mean).
MAX_VALUES = 20_000

_ATTR = "_holonet_data"


def attach_data(fig: Any, **data: Any) -> Any:
    """Attach named data to figure ``fig`` for its JSON file; returns ``fig``.

    Values may be numbers, strings, arrays, lists and dicts of them; repeated
    calls add keys (a repeated key is an error, so nothing is silently lost).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = attach_data(Figure(), shots=300, p=[0.1, 0.2])
    >>> figure_data(fig)["data"]
    {'shots': 300, 'p': [0.1, 0.2]}
    >>> attach_data(fig, shots=1)
    Traceback (most recent call last):
        ...
    ValueError: figure data 'shots' is attached twice
    """
    store: dict[str, Any] = fig.__dict__.setdefault(_ATTR, {})
    for key, value in data.items():
        if key in store:
            raise ValueError(f"figure data {key!r} is attached twice")
        store[key] = to_json_value(value)
    return fig


def _num(x: Any) -> Any:
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    f = float(x)
    if not math.isfinite(f):
        return None
    return float(f"{f:.{SIGNIFICANT}g}")


def to_json_value(value: Any) -> Any:
    """``value`` as plain JSON types: rounded floats, ``None`` for NaN/inf, arrays as
    (nested) lists or, when larger than :data:`MAX_VALUES`, a summary.

    Examples
    --------
    >>> to_json_value({"a": np.array([1.0, np.nan]), "b": (np.int64(2), 1 / 3)})
    {'a': [1.0, None], 'b': [2, 0.333333]}
    >>> to_json_value(np.zeros((300, 300)))["shape"]
    [300, 300]
    """
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if isinstance(value, (bool, int, float, np.number, np.bool_)):
        return _num(value)
    if isinstance(value, (set, frozenset)):
        return [to_json_value(v) for v in sorted(value, key=repr)]
    if isinstance(value, (list, tuple)):
        scalars = all(isinstance(v, (int, float, np.number)) for v in value)
        if not scalars or len(value) <= MAX_VALUES:
            return [to_json_value(v) for v in value]
    arr = np.ma.asarray(value)
    if arr.dtype.kind not in "biuf":
        return [to_json_value(v) for v in arr.tolist()] if arr.ndim else str(value)
    data = np.ma.filled(arr.astype(float), np.nan)
    if data.size > MAX_VALUES:
        finite = data[np.isfinite(data)]
        return {"shape": list(data.shape), "summary": "too many values to store",
                "min": _num(finite.min()) if finite.size else None,
                "max": _num(finite.max()) if finite.size else None,
                "mean": _num(finite.mean()) if finite.size else None}
    if arr.dtype.kind in "biu" and not np.ma.is_masked(arr):
        return np.asarray(arr).tolist()
    return _nested(data)


def _nested(data: np.ndarray) -> Any:
    if data.ndim == 0:
        return _num(data)
    return [_nested(row) for row in data] if data.ndim > 1 else [_num(v) for v in data]


def _label(artist: Any) -> str | None:
    label = artist.get_label()
    return None if not label or label.startswith("_") else str(label)


def _axes_record(ax: Any) -> dict[str, Any]:
    from matplotlib.collections import LineCollection, PathCollection
    from matplotlib.container import BarContainer, ErrorbarContainer
    from matplotlib.image import AxesImage
    from matplotlib.lines import Line2D

    rec: dict[str, Any] = {}
    titles = {loc: ax.get_title(loc=loc) for loc in ("left", "center", "right")}
    rec["title"] = " | ".join(t for t in titles.values() if t) or None
    rec["xlabel"], rec["ylabel"] = ax.get_xlabel() or None, ax.get_ylabel() or None
    rec["xscale"], rec["yscale"] = ax.get_xscale(), ax.get_yscale()
    rec["xlim"], rec["ylim"] = to_json_value(ax.get_xlim()), to_json_value(ax.get_ylim())

    used: set[int] = set()
    errorbars, bars = [], []
    for cont in ax.containers:
        if isinstance(cont, ErrorbarContainer):
            line, caps, cols = cont.lines
            entry: dict[str, Any] = {"label": _label(cont)}
            if line is not None:
                entry["x"] = to_json_value(line.get_xdata())
                entry["y"] = to_json_value(line.get_ydata())
                used.add(id(line))
            for col in cols:
                segs = col.get_segments()
                used.add(id(col))
                if not segs:
                    continue
                seg = np.asarray(segs, dtype=float)  # (points, 2 ends, xy)
                vertical = np.allclose(seg[:, 0, 0], seg[:, 1, 0])
                half = np.abs(seg[:, 1, :] - seg[:, 0, :]) / 2
                entry["yerr" if vertical else "xerr"] = to_json_value(
                    half[:, 1] if vertical else half[:, 0])
            used.update(id(c) for c in caps)
            errorbars.append(entry)
        elif isinstance(cont, BarContainer):
            rects = list(cont.patches)
            used.update(id(r) for r in rects)
            bars.append({"label": _label(cont),
                         "x": to_json_value([r.get_x() + r.get_width() / 2 for r in rects]),
                         "height": to_json_value([r.get_height() for r in rects]),
                         "width": to_json_value([r.get_width() for r in rects])})

    lines = [{"label": _label(ln), "x": to_json_value(ln.get_xdata()),
              "y": to_json_value(ln.get_ydata())}
             for ln in ax.get_lines() if isinstance(ln, Line2D) and id(ln) not in used]
    scatter: list[dict[str, Any]] = []
    segments: list[dict[str, Any]] = []
    for col in ax.collections:
        if id(col) in used:
            continue
        if isinstance(col, PathCollection):
            offsets = np.asarray(col.get_offsets())
            entry = {"label": _label(col), "xy": to_json_value(offsets)}
            values = col.get_array()
            if values is not None:
                entry["values"] = to_json_value(values)
            scatter.append(entry)
        elif isinstance(col, LineCollection):
            segs = col.get_segments()
            if not segs:
                continue
            if sum(len(s) for s in segs) * 2 <= MAX_VALUES:
                segments.append({"label": _label(col),
                                 "segments": [to_json_value(s) for s in segs]})
            else:
                segments.append({"label": _label(col), "segments": len(segs),
                                 "summary": "too many values to store"})
    images = []
    for im in ax.get_images():
        if isinstance(im, AxesImage):
            images.append({"label": _label(im), "extent": to_json_value(im.get_extent()),
                           "clim": to_json_value(im.get_clim()),
                           "array": to_json_value(im.get_array())})
    shapes: dict[str, int] = {}
    for artist in [*ax.patches, *(c for c in ax.collections if id(c) not in used and not
                                  isinstance(c, (PathCollection, LineCollection)))]:
        if id(artist) not in used:
            kind = type(artist).__name__
            shapes[kind] = shapes.get(kind, 0) + 1
    texts = [t.get_text() for t in ax.texts if t.get_text()]
    legend = ax.get_legend()
    for key, val in (("lines", lines), ("errorbars", errorbars), ("bars", bars),
                     ("scatter", scatter), ("segments", segments), ("images", images),
                     ("texts", texts)):
        if val:
            rec[key] = val
    if legend is not None:
        rec["legend"] = [t.get_text() for t in legend.get_texts()]
    if shapes:
        rec["shapes"] = dict(sorted(shapes.items()))
    return rec


def figure_data(fig: Any) -> dict[str, Any]:
    """The JSON-ready record of a drawn figure: attached data and every axes' content.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = Figure()
    >>> ax = fig.subplots()
    >>> _ = ax.errorbar([1, 2], [0.9, 0.5], yerr=[0.1, 0.05], label="L2")
    >>> eb = figure_data(fig)["axes"][0]["errorbars"][0]
    >>> eb["label"], eb["y"], eb["yerr"]
    ('L2', [0.9, 0.5], [0.1, 0.05])
    """
    rec: dict[str, Any] = {}
    suptitle = getattr(fig, "_suptitle", None)
    if suptitle is not None and suptitle.get_text():
        rec["suptitle"] = suptitle.get_text()
    rec["size_inches"] = to_json_value(fig.get_size_inches())
    attached = fig.__dict__.get(_ATTR)
    if attached:
        rec["data"] = attached
    rec["axes"] = [_axes_record(ax) for ax in fig.axes]
    return rec


def _scalar(v: Any) -> bool:
    return v is None or isinstance(v, (bool, int, float, str))


def dumps(record: Any, _level: int = 0) -> str:
    """JSON text of a record made by :func:`figure_data`: one key per line, lists of
    numbers (and the rows of a matrix) on one line each; ends with a newline.

    Examples
    --------
    >>> print(dumps({"x": [1, 2], "m": [[1, 2], [3, 4]], "t": "é"}), end="")
    {
     "x": [1, 2],
     "m": [
      [1, 2],
      [3, 4]
     ],
     "t": "é"
    }
    """
    pad = " " * (_level + 1)
    if isinstance(record, dict) and record:
        items = [f"{pad}{json.dumps(str(k), ensure_ascii=False)}: {dumps(v, _level + 1)}"
                 for k, v in record.items()]
        text = "{\n" + ",\n".join(items) + "\n" + " " * _level + "}"
    elif isinstance(record, list) and record and not all(_scalar(v) for v in record):
        items = [pad + dumps(v, _level + 1) for v in record]
        text = "[\n" + ",\n".join(items) + "\n" + " " * _level + "]"
    else:
        text = json.dumps(record, ensure_ascii=False, allow_nan=False,
                          separators=(", ", ": "))
    return text + "\n" if _level == 0 else text
