"""Decoding under Pauli noise through the tensor-network view.

- :mod:`holonet.decode.noise`: Pauli channels (depolarising, biased, per-qubit
  rates), sampling in the bit-packed symplectic form, the hashing bound.
- :mod:`holonet.decode.ml`: exact maximum-likelihood (coset) decoding by
  contracting the code's network of Pauli-indicator tensors.
- :mod:`holonet.decode.simulate`: Monte-Carlo decoding experiments.

theory/decoding.md derives each construction and why it is exact.
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
