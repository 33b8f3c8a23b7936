"""The explorer page as data: inputs accepted, layout, payload, self-containedness."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from holonet.attention.record import AttentionRecord
from holonet.viz.explorer import as_record, explorer, explorer_html, ring_layout


def _payload(page: str) -> dict[str, Any]:
    m = re.search(r'<script type="application/json" id="holonet-data">(.*?)</script>', page,
                  flags=re.S)
    assert m is not None
    return json.loads(m.group(1))


def test_page_is_self_contained(toy_record: Any, tmp_path: Path) -> None:
    page = explorer(toy_record, tmp_path / "e.html").read_text()
    assert "<script src" not in page and "<link" not in page and "@import" not in page
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", page))
    assert urls <= {"http://www.w3.org/2000/svg"}, urls
    assert "default-src 'none'" in page          # CSP: the page cannot fetch anything
    assert (tmp_path / "e.html").stat().st_mode & 0o444 == 0o444
    assert [p.name for p in tmp_path.iterdir()] == ["e.html"]


def test_payload_keeps_full_precision(toy_record: Any) -> None:
    data = _payload(explorer_html(toy_record))["attention"]
    for (layer, head), a in toy_record.maps.items():
        got = np.array(data["maps"][f"{layer},{head}"])
        assert np.array_equal(got, a)  # exact: ties and near-ties rank as in Python
    assert data["tokens"] == toy_record.tokens and data["layers"] == [0, 1]
    assert data["heads"] == {"0": [0, 1], "1": [0, 1]}
    assert data["ring_names"] == ["core", "ring 1", "ring 2", "boundary"]


def test_hostile_labels_stay_inert(tmp_path: Path) -> None:
    rec = AttentionRecord(tokens=["</script><script>alert(1)</script>", "<b>&"],
                          ring=np.array([0, 1]), meta={"model": "<i>m</i>"})
    rec.add(0, 0, np.eye(2))
    page = explorer_html(rec)
    assert page.count("</script>") == 2          # only the page's own two script blocks
    assert _payload(page)["attention"]["tokens"][0].startswith("</script>")
    assert "<title>holonet explorer: &lt;i&gt;m&lt;/i&gt;</title>" in page


def test_ring_layout_core_inside_boundary_outside() -> None:
    ring = [0, 1, 1, 1, 2, 2, 2, 2, 2, 2]
    x, y, radii = ring_layout(ring)
    r = np.hypot(x, y)
    assert radii == [0.0, 0.5, 1.0]
    assert np.allclose(r, [radii[i] for i in ring])
    # tokens of a ring are evenly spread
    ang = np.sort(np.arctan2(y[4:], x[4:]))
    assert np.allclose(np.diff(ang), 2 * np.pi / 6)
    # several core tokens: the core gets its own small ring
    _, _, radii2 = ring_layout([0, 0, 1, 1])
    assert radii2 == [0.5, 1.0]


def test_as_record_accepts_models_and_json(toy_record: Any, tmp_path: Path) -> None:
    class Model:
        def attention_record(self) -> AttentionRecord:
            return toy_record

    assert as_record(Model()) is toy_record
    path = tmp_path / "rec.json"
    path.write_text(toy_record.to_json())
    for source in (path, str(path), path.read_text()):
        rec = as_record(source)
        assert rec.tokens == toy_record.tokens and rec.layers == toy_record.layers

    class Bad:
        def record(self) -> int:
            return 3

    with pytest.raises(TypeError, match=r"Bad.record\(\) returned int"):
        as_record(Bad())
    with pytest.raises(TypeError, match="got float"):
        as_record(1.5)


def test_bad_arguments_name_the_problem(toy_record: Any, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="k must be <= 29"):
        explorer(toy_record, tmp_path / "x.html", k=30)
    with pytest.raises(ValueError, match="unknown label mode 'some'"):
        explorer(toy_record, tmp_path / "x.html", labels="some")
    empty = AttentionRecord(tokens=["a"], ring=np.array([0]))
    with pytest.raises(ValueError, match="no attention maps"):
        explorer(empty, tmp_path / "x.html")
    with pytest.raises(ValueError, match="needs an attention record"):
        explorer_html(None)
    assert not (tmp_path / "x.html").exists()


def test_explore_cli_record(toy_record: Any, tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    from holonet.cli import main

    src = tmp_path / "rec.json"
    src.write_text(toy_record.to_json())
    out = tmp_path / "page.html"
    assert main(["explore", "record", str(src), "-k", "4", "-o", str(out)]) == 0
    assert _payload(out.read_text())["attention"]["k"] == 4
    assert main(["explore", "record", str(tmp_path / "missing.json")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_explorer_records_a_torch_model(tmp_path: Path) -> None:
    import torch
    from torch import nn

    from holonet.nn import EncoderBlock, HolographicAttention
    from holonet.viz._explore_cli import demo_record

    torch.manual_seed(0)
    model = nn.Sequential(EncoderBlock(HolographicAttention(8, num_heads=2,
                                                            ring_sizes=(1, 3)))).eval()
    x = torch.randn(1, 12, 8)
    with pytest.raises(TypeError, match="is a model: pass inputs"):
        explorer_html(model)
    data = _payload(explorer_html(model, inputs=(x,)))["attention"]
    assert len(data["tokens"]) == 1 + 3 + 12 and data["layers"] == [0]

    rec = demo_record(rings=(1, 3), tokens=12, heads=2, blocks=2, seed=0)
    assert isinstance(rec, AttentionRecord)
    data = _payload(explorer_html(rec))["attention"]
    assert data["ring_names"][0] == "core" and data["ring_names"][-1] == "boundary"
    assert len(data["tokens"]) == 1 + 3 + 12 and len(data["layers"]) == 2


def _happy(*args: Any, **kwargs: Any) -> Any:
    from holonet import codes

    return codes.happy_code(*args, **kwargs)


def test_code_payload_covers_every_interval_with_verify_wedges() -> None:
    from holonet.verify import complementary_recovery  # type: ignore[attr-defined]
    from holonet.viz.explorer import _report_wedges

    code = _happy(2)
    data = _payload(explorer_html(code))["code"]
    n = len(code.boundary_legs)
    assert [g["name"] for g in data["legs"]] == list(code.boundary_legs)
    assert len(data["tiles"]) == code.tiling.n_tiles
    assert sorted(b["name"] for b in data["bulk"]) == sorted(code.bulk_legs)
    assert data["max_len"] == (n + 1) // 2
    # every interval is stored, or its complement is (the page swaps roles)
    for length in range(1, n):
        for start in range(n):
            comp = f"{(start + length) % n}:{n - length}"
            assert f"{start}:{length}" in data["wedges"] or comp in data["wedges"]
    for start, length in [(0, 1), (3, 5), (20, 12), (24, 13)]:
        region = sorted((start + t) % n for t in range(length))
        want = _report_wedges(complementary_recovery(code, region))
        assert data["wedges"][f"{start}:{length}"] == want
        assert set(want["greedy"]) <= set(want["exact"])
    # legs sit on a rim just outside the disk, counter-clockwise (SVG y points down)
    ang = np.unwrap([np.arctan2(-g["y"], g["x"]) for g in data["legs"]])
    assert np.all(np.diff(ang) > 0)
    assert np.allclose([np.hypot(g["x"], g["y"]) for g in data["legs"]], 1.07)


def test_code_and_attention_in_one_page(toy_record: Any) -> None:
    code = _happy(1)
    data = _payload(explorer_html(toy_record, code=code))
    assert data["attention"] is not None and data["code"]["n"] == 5
    with pytest.raises(ValueError, match="either positionally or as code="):
        explorer_html(code, code=code)


def test_explore_cli_happy(tmp_path: Path) -> None:
    from holonet.cli import main

    _happy(1)
    out = tmp_path / "happy.html"
    assert main(["explore", "happy", "--layers", "2", "--max-interval", "3",
                 "-o", str(out)]) == 0
    data = _payload(out.read_text())["code"]
    assert data["n"] == 25 and data["max_len"] == 3
    assert main(["explore", "happy", "--variant", "nope", "-o", str(out)]) == 2


def test_explicit_positions_and_angles(tmp_path: Path) -> None:
    rec = AttentionRecord(tokens=list("abc"), ring=np.array([0, 1, 1]),
                          meta={"positions": [[0, 0], [0.5, 0.25], [-0.5, -0.25]]})
    rec.add(0, 0, np.eye(3))
    data = _payload(explorer_html(rec))["attention"]
    assert data["x"] == [0, 0.5, -0.5] and data["y"] == [0, -0.25, 0.25]   # SVG y down
    rec.meta = {"angle": [0.0, 0.0, np.pi / 2]}
    data = _payload(explorer_html(rec))["attention"]
    assert data["x"][2] == pytest.approx(0, abs=1e-6) and data["y"][2] == pytest.approx(1)
    rec.meta = {"positions": [[0, 0]]}
    with pytest.raises(ValueError, match=r"meta\['positions'\] must be 3 finite"):
        explorer_html(rec)


def test_holographic_tokens_sit_on_their_legs() -> None:
    _happy(1)
    from holonet.viz._explore_cli import holographic_demo

    code, rec = holographic_demo(layers=2, heads=1, seed=0)
    data = _payload(explorer_html(rec, code=code))
    att, cd = data["attention"], data["code"]
    assert att["underlay"] is True
    legs = {g["name"]: (g["x"], g["y"]) for g in cd["legs"]}
    bulk = {b["name"]: (b["x"], b["y"]) for b in cd["bulk"]}
    for t, x, y in zip(att["tokens"], att["x"], att["y"]):
        assert (x, y) == (legs | bulk)[t]
    # tokens that are not leg names keep the ring layout
    other = AttentionRecord(tokens=["a", "b"], ring=np.array([0, 1]))
    other.add(0, 0, np.eye(2))
    assert "underlay" not in _payload(explorer_html(other, code=code))["attention"]


def test_sparse_maps_precision_and_size_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    import holonet.viz.explorer  # noqa: F401  (the module, for monkeypatching)

    mod = __import__("sys").modules["holonet.viz.explorer"]
    a = np.zeros((6, 6))
    a[np.arange(6), (np.arange(6) + 1) % 6] = 1 / 3
    a[np.arange(6), np.arange(6)] = 2 / 3
    rec = AttentionRecord(tokens=list("abcdef"), ring=np.array([0, 1, 1, 1, 1, 1]))
    rec.add(0, 0, a)
    enc = _payload(explorer_html(rec))["attention"]["maps"]["0,0"]
    rows = enc["sparse"]                       # 12 of 36 entries: stored sparse
    dense = np.zeros((6, 6))
    for i, (cols, vals) in enumerate(rows):
        dense[i, cols] = vals
    assert np.array_equal(dense, a)            # exactly, 1/3 and 2/3 included
    enc = _payload(explorer_html(rec, precision=3))["attention"]["maps"]["0,0"]
    assert enc["sparse"][0][1] == [0.667, 0.333]
    monkeypatch.setattr(mod, "MAX_ENTRIES", 10)
    with pytest.raises(ValueError, match="12 non-zero entries"):
        explorer_html(rec)
