"""Perfect tensors and the HaPPY family of holographic codes.

Every code has two faithful views of one object: the stabilizer view
(:class:`holonet.stabilizer.StabilizerCode`, GF(2) matrices, thousands of
qubits) and the tensor-network view (a quimb ``TensorNetwork`` of perfect
tensors with named legs and tags, exact, for small codes).
"""

from __future__ import annotations

from holonet.codes.enumerator import network_weight_enumerator
from holonet.codes.happy import VARIANTS, HaPPYCode, happy_code
from holonet.codes.pauli_network import PAULI_LABELS, PauliNetwork, pauli_network
from holonet.codes.perfect import (
    PERFECT_TENSORS,
    STABILIZERS_513,
    STATE_STABILIZERS_6,
    code_513,
    is_perfect,
    perfect_array,
    perfect_stabilizers,
    perfect_tensor,
)

__all__ = [
    "VARIANTS",
    "HaPPYCode",
    "happy_code",
    "PAULI_LABELS",
    "PauliNetwork",
    "pauli_network",
    "PERFECT_TENSORS",
    "STABILIZERS_513",
    "STATE_STABILIZERS_6",
    "code_513",
    "is_perfect",
    "network_weight_enumerator",
    "perfect_array",
    "perfect_stabilizers",
    "perfect_tensor",
]
