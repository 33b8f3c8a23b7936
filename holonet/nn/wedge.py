r"""The exact core readout of a code network, as a torch module: the wedge decoder.

A boundary input is a Pauli frame ``E`` on the ``n`` boundary qubits, given as
bits ``(B, n, 2)`` = ``[x_b, z_b]`` per qubit (for a code input: an element of
the normaliser, i.e. a logical operator times a stabilizer -- a random code
state's Pauli-frame data). The *core output* of bulk leg ``j`` is its logical
content, the two signs

.. math:: \big((-1)^{\langle E, \bar X_j\rangle},\ (-1)^{\langle E, \bar Z_j\rangle}\big)

with :math:`\langle\cdot,\cdot\rangle` the symplectic form. :class:`WedgeReadout`
built from a boundary region ``A`` uses the representatives of :math:`\bar X_j,
\bar Z_j` supported inside ``A`` found by
:func:`holonet.attention.holographic.wedge_decoder` (cleaning lemma), so it reads
the input on ``A`` only. Two representatives differ by a stabilizer, which
commutes with every code input, hence for ``j`` in the exact entanglement wedge
of ``A`` the readout from ``A`` equals the full-boundary readout on every code
input. Outside the wedge no representative exists on ``A``; the readout then
uses the full representative truncated to ``A`` (what ``A`` alone can see), and
it differs from the full readout on some inputs.

Examples
--------
>>> import torch
>>> from holonet.codes import happy_code
>>> code = happy_code(1)                       # the [[5,1,3]] tile
>>> full, part = WedgeReadout(code), WedgeReadout(code, [0, 1, 2])
>>> e = code_inputs(code, 8, seed=0)
>>> bool(torch.equal(full(e), part(e)))        # q0 is in the wedge of 3 of 5 legs
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

__all__ = ["WedgeReadout", "code_inputs"]


def code_inputs(code: Any, batch: int, seed: int = 0) -> Tensor:
    """Random code inputs: ``batch`` random normaliser elements as ``(batch, n, 2)`` bits.

    Each is a uniformly random product of logical operators and stabilizers.
    """
    from holonet._options import check_int

    check_int("batch", batch, minimum=1)
    check_int("seed", seed, minimum=0)
    sc = getattr(code, "stabilizer_code", code)
    if not hasattr(sc, "stabilizers") or not hasattr(sc, "logicals"):
        raise TypeError(f"code must be a HaPPY or stabilizer code; got {type(code).__name__}")
    stab = np.asarray(sc.stabilizers, dtype=np.uint8)
    lx, lz = (np.asarray(a, dtype=np.uint8) for a in sc.logicals)
    gens = np.concatenate([stab, lx, lz], axis=0)
    rng = np.random.default_rng(seed)
    coeff = rng.integers(0, 2, size=(batch, gens.shape[0])).astype(np.int64)
    e = (coeff @ gens.astype(np.int64)) % 2
    n = int(sc.n)
    return torch.as_tensor(np.stack([e[:, :n], e[:, n:]], axis=-1), dtype=torch.float32)


class WedgeReadout(nn.Module):
    """Core readout of every bulk leg from boundary region ``region`` (``None`` = all).

    Attributes
    ----------
    reconstructable
        ``(k,)`` bool buffer: bulk legs in the exact wedge of the region.
    routing
        ``(k, n)`` bool buffer: boundary qubits each bulk leg reads (the
        core <-> boundary attention pattern of the region).

    ``reduce`` lowers the weight of the representatives (smaller routes);
    ``full`` passes a precomputed full-boundary ``wedge_decoder`` (a cache).

    Examples
    --------
    >>> from holonet.codes import happy_code
    >>> code = happy_code(1)                       # the [[5,1,3]] tile
    >>> two = WedgeReadout(code, [0, 1])
    >>> two.reconstructable.tolist(), two.wedge, WedgeReadout(code, [0, 1, 2]).wedge
    ([False], set(), {'q0'})
    >>> signs = WedgeReadout(code)(code_inputs(code, 4, seed=0))
    >>> tuple(signs.shape), sorted(set(signs.flatten().tolist())) <= [-1.0, 1.0]
    ((4, 1, 2), True)
    """

    weights: Tensor
    reconstructable: Tensor
    routing: Tensor

    def __init__(self, code: Any, region: Any = None, *, reduce: bool = True,
                 full: Any = None) -> None:
        super().__init__()
        from holonet.attention.holographic import wedge_decoder

        dec = wedge_decoder(code, region, reduce=reduce)
        if region is None:
            full = dec
        elif full is None:
            full = wedge_decoder(code, None, reduce=reduce)
        sc = getattr(code, "stabilizer_code", code)
        n = int(sc.n)
        inside = np.zeros(n, dtype=bool)
        inside[dec.region] = True
        reps = []
        for rep_a, have, rep_full in ((dec.logical_x, dec.has_x, full.logical_x),
                                      (dec.logical_z, dec.has_z, full.logical_z)):
            r = np.where(have[:, None], rep_a, rep_full).astype(np.float32)
            r[:, :n] *= inside          # what the region alone can see
            r[:, n:] *= inside
            reps.append(r)
        # symplectic form <E, P> = e_x . p_z + e_z . p_x: weights on (x, z) input bits
        w = np.stack([np.stack([r[:, n:], r[:, :n]], axis=-1) for r in reps], axis=1)
        self.register_buffer("weights", torch.as_tensor(w))          # (k, 2, n, 2)
        self.register_buffer("reconstructable", torch.as_tensor(dec.reconstructable))
        self.register_buffer("routing", torch.as_tensor(
            np.abs(w).sum(axis=(1, 3)) > 0))
        self.bulk_legs = list(dec.bulk_legs)
        self.region = [int(i) for i in dec.region]

    @property
    def wedge(self) -> set[str]:
        return {self.bulk_legs[j] for j in np.flatnonzero(self.reconstructable.cpu().numpy())}

    def forward(self, bits: Tensor) -> Tensor:
        """``(B, n, 2)`` Pauli-frame bits -> ``(B, k, 2)`` signs (+-1) of each bulk leg."""
        if not isinstance(bits, Tensor):
            raise TypeError(f"bits must be a torch.Tensor of shape (B, n, 2); got "
                            f"{type(bits).__name__}")
        n = self.weights.shape[2]
        if bits.dim() != 3 or tuple(bits.shape[1:]) != (n, 2):
            raise ValueError(f"bits must have shape (B, {n}, 2); got {tuple(bits.shape)}")
        parity = torch.einsum("bnc,kpnc->bkp", bits.to(self.weights.dtype), self.weights)
        return torch.cos(torch.pi * parity).round()
