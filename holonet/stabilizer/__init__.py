"""GF(2) symplectic Pauli algebra and stabilizer codes.

- :mod:`holonet.stabilizer.gf2`: bit-packed GF(2) linear algebra (rank, row
  reduction, null space, solve).
- :mod:`holonet.stabilizer.pauli`: Pauli strings <-> symplectic vectors ``[x | z]``.
- :class:`StabilizerCode`: check matrix, signs, canonical logicals, distance,
  erasure correctability, entropies and recoverability of logical qubits.
- :mod:`holonet.stabilizer.enumerator`: Shor–Laflamme weight enumerators
  (Gray code, MacWilliams) and minimum-weight logicals (distance witnesses).
- :mod:`holonet.stabilizer.io`: code files (plain text, QDistRnd's MTX) and stim
  (tableaux in, memory-experiment circuits out).
- :func:`contract_stabilizer_network`: contraction of stabilizer tensors by
  GF(2) elimination (the stabilizer view of holographic codes).
"""

from __future__ import annotations

from holonet.stabilizer import gf2
from holonet.stabilizer.code import DistanceTooExpensive, StabilizerCode
from holonet.stabilizer.enumerator import (
    EnumeratorTooExpensive,
    WeightEnumerator,
    macwilliams_transform,
    min_weight_logical,
    weight_enumerator,
)
from holonet.stabilizer.io import code_from_stim, load_code, memory_circuit, save_code
from holonet.stabilizer.network import (
    ContractedState,
    ZeroNetwork,
    contract_stabilizer_network,
    split_choi_state,
)
from holonet.stabilizer.pauli import (
    commutation_matrix,
    pauli_weight,
    paulis_to_symplectic,
    restrict,
    symplectic_to_paulis,
)

__all__ = [
    "ContractedState",
    "DistanceTooExpensive",
    "EnumeratorTooExpensive",
    "StabilizerCode",
    "WeightEnumerator",
    "ZeroNetwork",
    "code_from_stim",
    "commutation_matrix",
    "contract_stabilizer_network",
    "gf2",
    "load_code",
    "macwilliams_transform",
    "memory_circuit",
    "min_weight_logical",
    "pauli_weight",
    "paulis_to_symplectic",
    "restrict",
    "save_code",
    "split_choi_state",
    "symplectic_to_paulis",
    "weight_enumerator",
]
