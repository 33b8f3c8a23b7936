"""Decoding under Pauli noise through the tensor-network view.

- :mod:`holonet.decode.noise`: Pauli channels (depolarising, biased, per-qubit
  rates), sampling in the bit-packed symplectic form, the hashing bound.
- :mod:`holonet.decode.ml`: exact maximum-likelihood (coset) decoding by
  contracting the code's network of Pauli-indicator tensors.
- :mod:`holonet.decode.simulate`: Monte-Carlo decoding experiments
  (:func:`simulate` returns a :class:`SimulationReport`).

Labels: a single-qubit Pauli is ``x + 2z`` (0..3 = I, X, Z, Y, :data:`PAULI_LABELS`);
errors and corrections are bit-packed ``[x | z]`` rows as in :mod:`holonet.stabilizer`.
theory/decoding.md derives each construction and why it is exact.

Examples
--------
>>> from holonet.codes import happy_code
>>> from holonet.decode import MLDecoder, PauliNoise, hashing_bound, simulate
>>> round(hashing_bound(0.5), 4)
0.1893
>>> rep = simulate(happy_code(1), PauliNoise.depolarizing(0.05), 1000, seed=0, progress=False)
>>> rep.shots, rep.success_rate > 0.95
(1000, True)
"""

from __future__ import annotations

from holonet.decode.ml import METHODS, MLDecoder, success_probability_exact
from holonet.decode.noise import (
    PAULI_LABELS,
    PauliNoise,
    hashing_bound,
    labels_to_packed,
    packed_to_labels,
)
from holonet.decode.simulate import SimulationReport, simulate

__all__ = [
    "METHODS",
    "MLDecoder",
    "PAULI_LABELS",
    "PauliNoise",
    "SimulationReport",
    "hashing_bound",
    "labels_to_packed",
    "packed_to_labels",
    "simulate",
    "success_probability_exact",
]
