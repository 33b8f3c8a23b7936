"""Attention derived as contractions over holonet's networks (backend-agnostic)."""

from __future__ import annotations

from holonet.attention.holographic import (
    WedgeDecoder,
    holographic_attention,
    holographic_matrix,
    holographic_pattern,
    holographic_record,
    holographic_tokens,
    pauli_product,
    ring_routing,
    wedge_decoder,
)
from holonet.attention.hsa import (
    AttentionTooLarge,
    dense_flops,
    hsa,
    hsa_dense,
    hsa_flops,
    hsa_matrix,
)
from holonet.attention.kl import (
    Condensation,
    KLMessages,
    condense,
    expm_so,
    gaussian_kl_matrix,
    kl_attention,
    kl_weights,
)
from holonet.attention.mera import mera_attention, mera_blocks, mera_matrix
from holonet.attention.record import AttentionRecord
from holonet.attention.sparse import (
    local_global_attention,
    local_global_mask,
    local_global_matrix,
)
from holonet.attention.tree import Tree

__all__ = [
    "AttentionRecord",
    "AttentionTooLarge",
    "Condensation",
    "KLMessages",
    "Tree",
    "WedgeDecoder",
    "condense",
    "dense_flops",
    "expm_so",
    "gaussian_kl_matrix",
    "holographic_attention",
    "holographic_matrix",
    "holographic_pattern",
    "holographic_record",
    "holographic_tokens",
    "hsa",
    "hsa_dense",
    "hsa_flops",
    "hsa_matrix",
    "kl_attention",
    "kl_weights",
    "local_global_attention",
    "local_global_mask",
    "local_global_matrix",
    "mera_attention",
    "mera_blocks",
    "mera_matrix",
    "pauli_product",
    "ring_routing",
    "wedge_decoder",
]
