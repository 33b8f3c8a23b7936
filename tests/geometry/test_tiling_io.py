"""HyperbolicTiling.save / load: JSON round trips, verification against the rebuild, errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from holonet.geometry import HyperbolicTiling

TILINGS = [
    lambda: HyperbolicTiling(5, 4, 3),
    lambda: HyperbolicTiling(5, 4, 3, convention="edge"),
    lambda: HyperbolicTiling(7, 3, 3),
    lambda: HyperbolicTiling(6, 4, 2),
    lambda: HyperbolicTiling.pentahexagonal(3),
]


@pytest.mark.parametrize("make", TILINGS)
def test_round_trip_identical(make, tmp_path):
    t = make()
    path = t.save(tmp_path / "t.json")
    back = HyperbolicTiling.load(path)
    assert repr(back) == repr(t)
    assert back.layer_sizes == t.layer_sizes
    assert np.array_equal(back.neighbor_array, t.neighbor_array)
    assert np.array_equal(back.neighbor_edge_array, t.neighbor_edge_array)
    assert np.array_equal(back.boundary_array, t.boundary_array)
    assert np.allclose(back.centers, t.centers, atol=1e-12)
    assert np.allclose(np.nan_to_num(back.vertex_array), np.nan_to_num(t.vertex_array))
    # the stored arrays are those of the tiling (readable without holonet)
    data = json.loads(path.read_text())
    assert data["format"] == "holonet-tiling" and data["version"] == 1
    assert data["neighbors"][0] == [-1 if x is None else x for x in t.tiles[0].neighbors]
    assert np.allclose(np.array(data["centers"]) @ [1, 1j], t.centers)


def edit(path, fn):
    data = json.loads(path.read_text())
    fn(data)
    path.write_text(json.dumps(data))


def test_tampered_files_are_refused(tmp_path):
    path = HyperbolicTiling(5, 4, 2).save(tmp_path / "t.json")

    def swap(d):
        d["neighbors"][3][0], d["neighbors"][3][1] = d["neighbors"][3][1], d["neighbors"][3][0]

    edit(path, swap)
    with pytest.raises(ValueError, match=r"t.json: 'neighbors' differs from the rebuilt "
                                         r"tiling at index 3"):
        HyperbolicTiling.load(path)
    path = HyperbolicTiling(5, 4, 2).save(tmp_path / "t.json")
    edit(path, lambda d: d["centers"][4].__setitem__(0, d["centers"][4][0] + 1e-6))
    with pytest.raises(ValueError, match="tile 4 centre differs"):
        HyperbolicTiling.load(path)


@pytest.mark.parametrize(("text", "match"), [
    ("{\n  \"format\": \"holonet-tiling\",\n  oops\n}", "line 3, column 3: invalid JSON"),
    ("[1, 2]", "expected a JSON object"),
    ('{"format": "other"}', "expected \"format\": \"holonet-tiling\""),
    ('{"format": "holonet-tiling", "version": 9}', "unsupported version 9"),
    ('{"format": "holonet-tiling", "version": 1}', "missing key 'kind'"),
])
def test_malformed_json(text, match, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(ValueError, match=match) as err:
        HyperbolicTiling.load(path)
    assert str(err.value).startswith(str(path))


def test_size_guard_applies_on_load(tmp_path):
    path = HyperbolicTiling(5, 4, 2).save(tmp_path / "t.json")
    edit(path, lambda d: d.__setitem__("layers", 40))
    with pytest.raises(ValueError, match="cannot rebuild the tiling: .*max_tiles"):
        HyperbolicTiling.load(path)
    path = HyperbolicTiling(5, 4, 2).save(tmp_path / "t.json")
    edit(path, lambda d: d.__setitem__("p", 4))
    with pytest.raises(ValueError, match="Euclidean"):
        HyperbolicTiling.load(path)
