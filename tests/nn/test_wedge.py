"""Wedge recovery in the layer: the decoder built from A alone agrees with the full
boundary exactly on the bulk legs of A's entanglement wedge, and not outside it."""

from __future__ import annotations

import pytest
import torch

from holonet import codes, verify
from holonet.nn import HolographicAttention
from holonet.nn.wedge import code_inputs


def _intervals(n: int, starts: int, lengths: int) -> list[list[int]]:
    return [[(s + i) % n for i in range(length)] for s in range(0, n, -(-n // starts))
            for length in range(1, n, -(-n // lengths))]


@pytest.mark.parametrize("layers, starts, lengths", [(2, 5, 24), (3, 3, 8)])
def test_wedge_recovery_in_the_layer(layers: int, starts: int, lengths: int) -> None:
    code = codes.happy_code(layers)
    layer = HolographicAttention.from_code(code, 8, 2)
    n = len(code.boundary_legs)
    e = code_inputs(code, 64, seed=layers)
    full = layer.decoder()(e)
    assert set(layer.decoder().wedge) == set(code.bulk_legs)
    some_differs = 0
    sc = code.stabilizer_code
    for region in _intervals(n, starts, lengths):
        dec = layer.decoder(region)
        part = dec(e)
        # independent criterion: I(j : A) = 2 by one GF(2) elimination (holonet.stabilizer)
        exact = {leg for leg, ok in zip(code.bulk_legs, sc.recoverable_logicals(region)) if ok}
        assert dec.wedge == exact, region
        for j, leg in enumerate(code.bulk_legs):
            same = torch.equal(part[:, j], full[:, j])
            if leg in exact:
                assert same, (region, leg)
            elif not same:
                some_differs += 1
        # the decoder reads A only: scrambling the complement changes nothing
        scrambled = e.clone()
        outside = [b for b in range(n) if b not in set(region)]
        scrambled[:, outside] = torch.randint(0, 2, (e.shape[0], len(outside), 2)).float()
        assert torch.equal(dec(scrambled), part)
    assert some_differs > 0


def test_decoder_wedge_matches_verify_complementary_recovery() -> None:
    code = codes.happy_code(2)
    layer = HolographicAttention.from_code(code, 8, 2)
    region = list(range(12))
    rep = verify.complementary_recovery(code, region)
    assert layer.decoder(region).wedge == set(rep.exact_wedge)
    rest = list(range(12, len(code.boundary_legs)))
    assert layer.decoder(rest).wedge == set(rep.complement_exact_wedge)


def test_layer_from_code_has_the_code_rings() -> None:
    code = codes.happy_code(2)
    layer = HolographicAttention.from_code(code, 8, 2)
    assert layer.ring_sizes == list(code.tiling.layer_sizes)
    assert sum(layer.ring_sizes) == len(code.bulk_legs)
    assert layer.n_legs == len(code.boundary_legs)
    out, _ = layer(torch.randn(2, len(code.boundary_legs), 8))
    assert out.shape == (2, len(code.boundary_legs), 8)
    with pytest.raises(ValueError, match="from_code"):
        HolographicAttention(8, 2).decoder()
