"""holonet.mera: MERA as explicit tensor networks, causal cones, scaling superoperators,
and variational optimisation of the scale-invariant MERA.

Examples
--------
>>> from holonet.mera import MERA
>>> MERA.rand("binary", n_sites=16, chi=4, seed=0).check_isometric().ok
True
"""

from __future__ import annotations

from holonet.mera.geometry import CONE_WIDTH, KINDS, LayerGeometry, layer_geometry
from holonet.mera.network import DTYPES, MERA, CausalCone, IsometryCheck, TensorDeviation
from holonet.mera.ope import OPEResult, ope_coefficients
from holonet.mera.optimize import (
    ISING_ENERGY,
    OptimizationResult,
    ising_hamiltonian,
    optimize_ising,
)
from holonet.mera.superop import (
    SUBSPACES,
    PhysicalSubspace,
    ascend,
    descend,
    physical_subspace,
    scaling_dimensions,
    scaling_superoperator,
)

__all__ = [
    "CONE_WIDTH",
    "DTYPES",
    "ISING_ENERGY",
    "KINDS",
    "MERA",
    "CausalCone",
    "IsometryCheck",
    "LayerGeometry",
    "OPEResult",
    "OptimizationResult",
    "PhysicalSubspace",
    "SUBSPACES",
    "TensorDeviation",
    "ascend",
    "descend",
    "ising_hamiltonian",
    "layer_geometry",
    "ope_coefficients",
    "optimize_ising",
    "physical_subspace",
    "scaling_dimensions",
    "scaling_superoperator",
]
