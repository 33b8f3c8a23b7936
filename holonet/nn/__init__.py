"""Trainable PyTorch attention layers mapped from holonet's networks.

``holonet.nn`` is the one subpackage that needs torch (extra ``nn``). Its names
are resolved lazily (PEP 562), so ``import holonet.nn`` -- which the CLI does to
discover ``holonet experiment`` -- stays cheap; torch is imported on first use
of a layer.

Layers (all follow ``torch.nn.MultiheadAttention``'s constructor and call convention
``forward(query, key, value, key_padding_mask, need_weights, attn_mask,
average_attn_weights, is_causal)`` -> ``(output, weights)`` and replace ``self_attn``
of ``nn.TransformerEncoderLayer``/``nn.TransformerDecoderLayer``; every argument is
implemented or refused with a ``ValueError`` naming it, and ``need_weights``
defaults to ``False`` so that no ``N x N`` matrix is built unless asked for --
theory/nn.md §0):

- :class:`HSAttention` -- hierarchical self-attention over a :class:`holonet.attention.Tree`
  (the dynamic programme of :func:`holonet.attention.hsa`), loadable from
  ``nn.MultiheadAttention`` and Hugging Face BERT self-attention weights.
- :class:`HolographicAttention` -- the nested-ring architecture derived from a
  hyperbolic tiling / HaPPY network: the core reads each ring's context and the
  context queries the core (the seed's loop), with the error-correcting auxiliary
  loss (:func:`auxiliary_loss`).
- :class:`MERAttention`, :class:`KLAttention` -- MERA causal-structure attention and
  KL-Gaussian (information-geometric) attention.
- :class:`EncoderBlock` -- a pre-norm transformer block taking any of them;
  :func:`record_attention` collects attention maps and per-ring activity into a
  :class:`holonet.attention.record.AttentionRecord`.
- :func:`inject_hsa` -- zero-shot replacement of a BERT-style model's self-attention.
- :class:`WedgeReadout` -- the exact core readout of a code network from a boundary
  region (the wedge decoder; ``HolographicAttention.from_code(...).decoder(A)``).

Examples
--------
>>> import torch
>>> from holonet.nn import HSAttention
>>> layer = HSAttention(8, 2, batch_first=True)
>>> x = torch.zeros(1, 5, 8)
>>> out, w = layer(x, x, x)
>>> tuple(out.shape), w is None
((1, 5, 8), True)
>>> enc = torch.nn.TransformerEncoderLayer(8, 2, 16, batch_first=True)
>>> enc.self_attn = HSAttention(8, 2, batch_first=True)      # a drop-in replacement
>>> mask = torch.nn.Transformer.generate_square_subsequent_mask(5)
>>> tuple(enc(x, src_mask=mask, is_causal=True).shape)        # causal HSA
(1, 5, 8)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = [
    "EncoderBlock",
    "HSAttention",
    "HolographicAttention",
    "KLAttention",
    "MERAttention",
    "WedgeReadout",
    "attention_flops",
    "auxiliary_loss",
    "inject_hsa",
    "record_attention",
]

_WHERE = {
    "HSAttention": "holonet.nn.hsa",
    "HolographicAttention": "holonet.nn.holographic",
    "MERAttention": "holonet.nn.mera",
    "KLAttention": "holonet.nn.kl",
    "EncoderBlock": "holonet.nn.encoder",
    "record_attention": "holonet.nn.encoder",
    "inject_hsa": "holonet.nn.inject",
    "attention_flops": "holonet.nn.inject",
    "WedgeReadout": "holonet.nn.wedge",
    "auxiliary_loss": "holonet.nn.holographic",
}

if TYPE_CHECKING:  # pragma: no cover
    from holonet.nn.encoder import EncoderBlock, record_attention
    from holonet.nn.holographic import HolographicAttention, auxiliary_loss
    from holonet.nn.hsa import HSAttention
    from holonet.nn.inject import attention_flops, inject_hsa
    from holonet.nn.kl import KLAttention
    from holonet.nn.mera import MERAttention
    from holonet.nn.wedge import WedgeReadout


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'holonet.nn' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
