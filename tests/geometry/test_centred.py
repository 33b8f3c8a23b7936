"""HyperbolicTiling.with_center: the {p,q} tiling with a different centre tile (a disclination)."""

from __future__ import annotations

import numpy as np
import pytest

from holonet._errors import VerificationError
from holonet.geometry import HyperbolicTiling


def test_pentagon_centred_64_counts_follow_the_recurrence() -> None:
    # layer sizes of LEGO_HQEC's zero-rate network and n_{L+1} = 4 n_L - n_{L-1}
    t = HyperbolicTiling.with_center(6, 4, 5, center=5)
    assert t.layer_sizes == [1, 5, 20, 75, 280]
    n = [HyperbolicTiling.with_center(6, 4, L, center=5).n_boundary for L in range(1, 6)]
    assert n == [5, 25, 95, 355, 1325]
    assert all(n[i + 1] == 4 * n[i] - n[i - 1] for i in range(1, 4))
    assert t.tiles[0].kind == "pentagon" and set(t.kinds()[1:]) == {"hexagon"}


@pytest.mark.parametrize(("p", "q", "center"), [(6, 4, 5), (5, 4, 6), (7, 3, 6), (7, 3, 8)])
def test_combinatorial_invariants_hold(p: int, q: int, center: int) -> None:
    t = HyperbolicTiling.with_center(p, q, 4, center=center)
    t.verify()  # every interior vertex has q tiles, Euler, layers = distances, boundary
    assert t.exact_coordinates is False and t.center_sides == center
    assert (t.neighbor_array[0, :center] >= 0).all()


def test_same_centre_is_the_regular_tiling() -> None:
    a = HyperbolicTiling.with_center(5, 4, 4, center=5)
    b = HyperbolicTiling(5, 4, 4, "edge")
    assert a.exact_coordinates and a.symbol == b.symbol
    np.testing.assert_array_equal(a.neighbor_array, b.neighbor_array)


def test_verify_still_fails_on_corrupt_data() -> None:
    t = HyperbolicTiling.with_center(6, 4, 3, center=5)
    t.centers[3] = np.nan
    with pytest.raises(VerificationError, match="NaN"):
        t.verify()
    t = HyperbolicTiling.with_center(6, 4, 3, center=5)
    t.neighbor_array[1, 2], t.neighbor_array[1, 3] = t.neighbor_array[1, 3], t.neighbor_array[1, 2]
    with pytest.raises(VerificationError):
        t.verify()


def test_save_load_round_trip(tmp_path) -> None:
    t = HyperbolicTiling.with_center(6, 4, 4, center=5)
    back = HyperbolicTiling.load(t.save(tmp_path / "t.json"))
    assert back.symbol == t.symbol and back.exact_coordinates is False
    np.testing.assert_array_equal(back.neighbor_array, t.neighbor_array)
    np.testing.assert_allclose(back.centers, t.centers)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"p": 6, "q": 4, "layers": 3, "center": 2}, "center"),
    ({"p": 4, "q": 4, "layers": 3, "center": 5}, "not hyperbolic"),
    ({"p": 6, "q": 4, "layers": 0, "center": 5}, "layers"),
])
def test_bad_input_is_named(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        HyperbolicTiling.with_center(**kwargs)


def test_non_integer_centre_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="center"):
        HyperbolicTiling.with_center(6, 4, 3, center=5.5)
