"""A backend-free record of attention maps on concentric rings.

This is the exchange format between the attention operators
(:mod:`holonet.attention`), the introspection hooks of :mod:`holonet.nn`, and the
radial explorer of :mod:`holonet.viz`: tokens placed on rings (ring 0 is the
core, the largest ring index is the boundary), and for every (layer, head) a
row-stochastic attention matrix over all tokens (row = query, column = key).

Examples
--------
>>> import numpy as np
>>> rec = AttentionRecord(tokens=["a", "b", "c"], ring=np.array([0, 1, 1]))
>>> rec.add(0, 0, np.full((3, 3), 1 / 3))
>>> rec.n_tokens, rec.layers, rec.heads(0)
(3, [0], [0])
>>> rec.top_k(0, 0, query=1, k=2)
[0, 1]
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from holonet.backend import to_numpy

__all__ = ["AttentionRecord"]


@dataclass
class AttentionRecord:
    """Attention maps over tokens on concentric rings.

    Attributes
    ----------
    tokens
        Label of each token, length ``N``.
    ring
        Ring index of each token (``0`` = core, ``max`` = boundary), shape ``(N,)``.
    maps
        ``(layer, head) -> (N, N)`` attention matrix, rows sum to one.
    activity
        Optional ``layer -> (n_rings,)`` mean activity (e.g. output norm) per ring.
    meta
        Free-form JSON-serialisable information (model name, tree, code, ...).

    Examples
    --------
    >>> import numpy as np
    >>> rec = AttentionRecord(tokens=["core", "b0", "b1"], ring=np.array([0, 1, 1]))
    >>> rec.add(0, 1, np.eye(3))
    >>> rec.n_tokens, rec.n_rings, rec.layers, rec.heads(0)
    (3, 2, [0], [1])
    >>> back = AttentionRecord.from_json(rec.to_json())
    >>> back.tokens, bool(np.array_equal(back.maps[(0, 1)], rec.maps[(0, 1)]))
    (['core', 'b0', 'b1'], True)
    >>> rec.add(0, 2, np.ones((3, 3)))
    Traceback (most recent call last):
        ...
    ValueError: attention map for layer 0, head 2 is not row-stochastic: row 0 sums to 3
    """

    tokens: list[str]
    ring: np.ndarray
    maps: dict[tuple[int, int], np.ndarray] = field(default_factory=dict)
    activity: dict[int, np.ndarray] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.tokens = [str(t) for t in self.tokens]
        self.ring = np.asarray(to_numpy(self.ring), dtype=np.int64)
        if self.ring.shape != (len(self.tokens),):
            raise ValueError(
                f"ring must have one entry per token ({len(self.tokens)}); "
                f"got shape {self.ring.shape}"
            )
        if len(self.tokens) and self.ring.min() < 0:
            raise ValueError(f"ring indices must be >= 0; got {self.ring.min()}")

    @property
    def n_tokens(self) -> int:
        return len(self.tokens)

    @property
    def n_rings(self) -> int:
        return int(self.ring.max()) + 1 if self.n_tokens else 0

    @property
    def layers(self) -> list[int]:
        return sorted({layer for layer, _ in self.maps})

    def heads(self, layer: int) -> list[int]:
        return sorted(h for lay, h in self.maps if lay == layer)

    def add(self, layer: int, head: int, attn: Any, *, atol: float = 1e-4) -> None:
        """Store the attention matrix of ``(layer, head)``; checks shape and row sums."""
        a = np.asarray(to_numpy(attn), dtype=np.float64)
        n = self.n_tokens
        if a.shape != (n, n):
            raise ValueError(f"attention map for layer {layer}, head {head} must be "
                             f"({n}, {n}); got {a.shape}")
        rows = a.sum(axis=1)
        if not np.allclose(rows, 1.0, atol=atol):
            bad = int(np.argmax(np.abs(rows - 1)))
            raise ValueError(f"attention map for layer {layer}, head {head} is not "
                             f"row-stochastic: row {bad} sums to {rows[bad]:.6g}")
        self.maps[(int(layer), int(head))] = a

    def top_k(self, layer: int, head: int, query: int, k: int) -> list[int]:
        """Indices of the ``k`` keys query ``query`` attends to most (ties: lower index first)."""
        row = self.maps[(layer, head)][query]
        order = np.lexsort((np.arange(row.size), -row))
        return sorted(int(i) for i in order[:k])

    def _repr_html_(self) -> str:
        from holonet.viz.repr import record_html  # lazy: the one allowed upward import

        return record_html(self)

    def to_json(self) -> str:
        """Serialise to JSON (the explorer embeds this; no pickles anywhere)."""
        return json.dumps({
            "tokens": self.tokens,
            "ring": self.ring.tolist(),
            "maps": [{"layer": lay, "head": h, "attn": np.round(a, 6).tolist()}
                     for (lay, h), a in sorted(self.maps.items())],
            "activity": {str(k): np.asarray(v).tolist() for k, v in self.activity.items()},
            "meta": self.meta,
        })

    @classmethod
    def from_json(cls, text: str) -> AttentionRecord:
        """Inverse of :meth:`to_json`."""
        d = json.loads(text)
        rec = cls(tokens=d["tokens"], ring=np.asarray(d["ring"]), meta=d.get("meta", {}))
        for m in d["maps"]:
            rec.add(m["layer"], m["head"], np.asarray(m["attn"]))
        rec.activity = {int(k): np.asarray(v) for k, v in d.get("activity", {}).items()}
        return rec
