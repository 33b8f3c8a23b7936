"""AttentionRecord shows itself in Jupyter through holonet.viz.repr.record_html."""

from __future__ import annotations

import numpy as np

from holonet.attention import AttentionRecord


def test_record_repr_html_names_its_tokens_and_rings() -> None:
    rec = AttentionRecord(tokens=["core", "b0", "b1"], ring=np.array([0, 1, 1]))
    rec.add(0, 0, np.array([[0.5, 0.25, 0.25], [1.0, 0.0, 0.0], [0.0, 0.5, 0.5]]))
    html = rec._repr_html_()
    assert html.startswith("<") and "core" in html
