"""Causal structure of MERA layers: geometry, leg names, past causal cones."""

from __future__ import annotations

import pytest

from holonet.mera import CONE_WIDTH, MERA, layer_geometry
from holonet.mera.geometry import BRANCHING


@pytest.mark.parametrize("kind", ["binary", "ternary", "modified_binary"])
def test_every_fine_site_feeds_exactly_one_isometry(kind):
    g = layer_geometry(kind, 24, level=2)
    fed = sorted(i for w in g.isometries for i in w)
    assert fed == list(range(24))
    assert g.n_coarse == 24 // BRANCHING[kind]
    touched = [i for u in g.disentanglers for i in u]
    assert len(touched) == len(set(touched))  # disentanglers do not overlap


def test_leg_and_tensor_names():
    g = layer_geometry("binary", 8, level=2)
    assert g.u_legs(0) == ("b1,1", "b1,2", "m2,1", "m2,2")
    assert g.w_legs(1) == ("m2,2", "m2,3", "b2,1")
    assert g.u_name(3) == "U2,3" and g.w_name(0) == "W2,0"
    # periodic wrap: the last disentangler joins the last and the first site
    assert g.disentanglers[-1] == (7, 0)


def test_bad_sizes_name_the_value():
    with pytest.raises(ValueError, match="multiple of 4"):
        layer_geometry("modified_binary", 6)
    with pytest.raises(ValueError, match="unknown MERA kind 'quaternary'"):
        layer_geometry("quaternary", 8)


def _contiguous(sites: tuple[int, ...], n: int) -> bool:
    k = len(sites)
    if k in (1, n):
        return True
    gaps = [(sites[(i + 1) % k] - sites[i]) % n for i in range(k)]
    return sum(g != 1 for g in gaps) == 1


def _n_sites(kind: str) -> int:
    return {"binary": 2 ** 10, "ternary": 3 ** 6, "modified_binary": 2 ** 10}[kind]


@pytest.mark.parametrize("kind", ["binary", "ternary", "modified_binary"])
def test_causal_cone_width_is_bounded_and_reached(kind):
    """Every contiguous region of up to the bound: width <= bound at every level,
    and the bound is reached (by the region itself or some level of its cone)."""
    m = MERA(kind, n_sites=_n_sites(kind), chi=2)
    bound = CONE_WIDTH[kind]
    cell = {"binary": 2, "ternary": 3, "modified_binary": 4}[kind]
    for size in range(1, bound + 1):
        reached = False
        # every start position modulo a few unit cells of every level
        for start in range(cell ** 3):
            cone = m.causal_cone(range(start, start + size))
            widths = cone.widths
            assert widths[0] == size
            assert max(widths) <= bound, (kind, start, size, widths)
            for lev, sites in enumerate(cone.sites):
                assert _contiguous(sites, m.sites_at(lev)), (kind, start, lev, sites)
            reached |= max(widths) == bound
        assert reached, (kind, size)


def test_binary_single_site_cone_grows_to_three():
    m = MERA("binary", n_sites=256, chi=2)
    assert m.causal_cone([10]).widths[:4] == (1, 2, 3, 3)


def test_cone_tensors_are_those_of_the_region():
    m = MERA("ternary", n_sites=27, chi=2)
    cone = m.causal_cone([4])
    assert cone.layers[0] == ("W1,1",)  # the centre of an isometry: no disentangler
    assert "TOP" in cone.tensors
    cone2 = m.causal_cone([5, 6])
    assert cone2.layers[0] == ("U1,1", "W1,1", "W1,2")
