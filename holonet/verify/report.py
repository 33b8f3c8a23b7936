"""Report objects returned by every check in :mod:`holonet.verify`.

A check never just returns ``True``/``False``: it returns a :class:`Report`
with ``.ok``, the numbers behind the verdict (``.summary()``, JSON-serialisable)
and ``.explain()``, a readable account naming what failed and where (which
tensor, which bulk leg, which erasure pattern, by how much). The ``assert_*``
twins of the checks raise :class:`holonet._errors.VerificationError` carrying
that explanation.

Examples
--------
>>> r = Report("demo check", ok=False, failures=["leg 'q3' recoverable from both A and A^c"])
>>> print(r.explain())
demo check: FAILED
  - leg 'q3' recoverable from both A and A^c
>>> r.summary()["ok"]
False
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from holonet._errors import VerificationError

__all__ = ["Report", "ReportList", "raise_if_failed"]


def _jsonable(x: Any) -> Any:
    """Convert numpy scalars/arrays, sets and tuples into plain JSON types."""
    import numpy as np

    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, set | frozenset):
        return sorted(_jsonable(v) for v in x)
    if isinstance(x, list | tuple):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return _jsonable(x.tolist())
    if isinstance(x, np.bool_):
        return bool(x)
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.floating):
        return float(x)
    return x


@dataclass
class Report:
    """Outcome of one verification: verdict, failures, numbers.

    Parameters
    ----------
    title
        What was checked, e.g. ``"isometry of HaPPY pentagon code (2 layers)"``.
    ok
        Whether the property holds.
    failures
        One line per violation, each naming where it happened and by how much.
    notes
        Extra lines for :meth:`explain` that are not failures.
    numbers
        The numbers behind the verdict (JSON-serialisable after conversion).

    Examples
    --------
    >>> Report("x", True, numbers={"deviation": 1e-15}).summary()["deviation"]
    1e-15
    """

    title: str
    ok: bool
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    numbers: dict[str, Any] = field(default_factory=dict)

    # Subclasses add a table or details below the verdict.
    def _details(self) -> list[str]:
        return []

    def explain(self, max_failures: int = 20) -> str:
        """Readable account: verdict, the failures (first ``max_failures``), details."""
        lines = [f"{self.title}: {'OK' if self.ok else 'FAILED'}"]
        for msg in self.failures[:max_failures]:
            lines.append(f"  - {msg}")
        if len(self.failures) > max_failures:
            lines.append(f"  ... and {len(self.failures) - max_failures} more failures")
        lines += [f"  {n}" for n in self.notes]
        lines += self._details()
        return "\n".join(lines)

    def summary(self) -> dict[str, Any]:
        """The verdict and the numbers as a JSON-serialisable dict."""
        out = {"title": self.title, "ok": bool(self.ok), "failures": list(self.failures)}
        out.update(_jsonable(self.numbers))
        return out

    def to_json(self) -> str:
        """:meth:`summary` as a JSON string."""
        return json.dumps(self.summary())

    def raise_if_failed(self) -> Report:
        """Raise :class:`VerificationError` with :meth:`explain` if not ``ok``; else return self."""
        if not self.ok:
            raise VerificationError(self.explain())
        return self

    def __str__(self) -> str:
        return self.explain()

    def _repr_html_(self) -> str:
        from holonet.viz.repr import report_html  # lazy: the one allowed upward import

        return str(report_html(self))


class ReportList(list[Report]):
    """A list of reports with a combined verdict (what :func:`verify_code` returns).

    Examples
    --------
    >>> rl = ReportList([Report("a", True), Report("b", False, ["boom"])])
    >>> rl.ok, [r.title for r in rl.failed()]
    (False, ['b'])
    """

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self)

    @property
    def title(self) -> str:
        return f"{len(self)} checks"

    def failed(self) -> list[Report]:
        return [r for r in self if not r.ok]

    def explain(self) -> str:
        return "\n\n".join(r.explain() for r in self)

    def summary(self) -> dict[str, Any]:
        return {"ok": self.ok, "reports": [r.summary() for r in self]}


def raise_if_failed(reports: Report | Iterable[Report]) -> None:
    """Raise :class:`VerificationError` explaining every failed report.

    Examples
    --------
    >>> raise_if_failed(Report("fine", True))
    """
    items = [reports] if isinstance(reports, Report) else list(reports)
    bad = [r for r in items if not r.ok]
    if bad:
        raise VerificationError("\n\n".join(r.explain() for r in bad))


def _fmt_table(header: list[str], rows: list[list[Any]], indent: str = "  ") -> list[str]:
    """Plain-text table with aligned columns."""
    cells = [[str(h) for h in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    out = []
    for j, row in enumerate(cells):
        out.append(indent + "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
        if j == 0:
            out.append(indent + "  ".join("-" * w for w in widths))
    return out
