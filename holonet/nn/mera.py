"""``MERAttention``: attention with the block pattern of a MERA's causal cone.

The operator is :func:`holonet.attention.mera.mera_attention` (theory/attention.md
§4): a binary or ternary MERA coarse-grains the chain (isometries) and its
disentanglers widen each coarse site's causal cone to its neighbours, so a
query resolves a key individually while they are close and as a block (tied
weight ``exp(q . k_B / sqrt d)``, ``k_B`` the block's mean key) once the key's
coarse site enters the query's cone; ``radius=0`` is HSA on the coarse-graining
tree. Evaluated by the same window dynamic programme as HSA:
``O(N b log_b N d)`` time. The module wraps it with
``nn.MultiheadAttention``'s parameters and call convention (it subclasses
:class:`~holonet.nn.HSAttention`, so ``from_multihead_attention`` works too).

Examples
--------
>>> import torch
>>> layer = MERAttention(8, 2, batch_first=True)
>>> x = torch.randn(1, 6, 8)
>>> out, w = layer(x, x, x, need_weights=True)
>>> tuple(out.shape), tuple(w.shape)
((1, 6, 8), (1, 6, 6))
"""

from __future__ import annotations

from typing import Any

from torch import Tensor

from holonet._options import check_int, check_option
from holonet.nn.hsa import HSAttention, _expand_mask

__all__ = ["MERAttention"]


class MERAttention(HSAttention):
    """Multi-head attention over a MERA's causal-cone blocks.

    Parameters
    ----------
    embed_dim, num_heads, dropout, bias, add_bias_kv, add_zero_attn, kdim, vdim, \
batch_first, device, dtype
        As in :class:`torch.nn.MultiheadAttention` and :class:`~holonet.nn.HSAttention`
        (``add_bias_kv``/``add_zero_attn`` are refused).
    kind
        ``'binary'`` or ``'ternary'`` MERA.
    radius
        Cone half-width in coarse sites (``1`` = MERA, ``0`` = HSA on its tree).
    include_self
        Whether a token keeps its own term.

    Notes
    -----
    ``is_causal=True`` (or the causal ``attn_mask``) keeps, for query ``i``, only the
    cone blocks lying entirely before ``i`` plus its own leaf window up to ``i``
    (:func:`holonet.attention.mera.mera_attention` with ``causal=True``).

    Examples
    --------
    >>> import torch
    >>> _ = torch.manual_seed(0)
    >>> layer = MERAttention(8, 2, batch_first=True, kind="ternary", radius=0)
    >>> x = torch.randn(1, 9, 8)
    >>> out, w = layer(x, x, x, need_weights=True)
    >>> tuple(out.shape), tuple(w.shape)
    ((1, 9, 8), (1, 9, 9))
    >>> bool(torch.allclose(w.sum(-1), torch.ones(1, 9)))
    True
    """

    def __init__(self, embed_dim: int, num_heads: int = 1, dropout: float = 0.0,
                 bias: bool = True, add_bias_kv: bool = False, add_zero_attn: bool = False,
                 kdim: int | None = None, vdim: int | None = None, batch_first: bool = False,
                 device: Any = None, dtype: Any = None, *, kind: str = "binary",
                 radius: int = 1, include_self: bool = True) -> None:
        super().__init__(embed_dim, num_heads, dropout, bias, add_bias_kv, add_zero_attn,
                         kdim, vdim, batch_first, device, dtype, include_self=include_self)
        self.kind = check_option("MERA kind", kind, ("binary", "ternary"))
        self.radius = check_int("radius", radius, minimum=0)

    def _attend(self, q: Tensor, k: Tensor, v: Tensor, ignore: Tensor | None, causal: bool,
                scale: float) -> Tensor:
        from holonet.attention.mera import mera_attention

        return mera_attention(q, k, v, self.kind, self.include_self, _expand_mask(ignore, q),
                              radius=self.radius, scale=scale, causal=causal)

    def _weights(self, q: Tensor, k: Tensor, ignore: Tensor | None, causal: bool,
                 scale: float) -> Tensor:
        from holonet.attention.mera import mera_matrix

        return mera_matrix(q, k, self.kind, self.include_self, _expand_mask(ignore, q),
                           radius=self.radius, scale=scale, causal=causal)

    def _describe(self, n: int) -> str:
        return f"MERA(kind={self.kind!r}, radius={self.radius}, n={n})"

    def extra_repr(self) -> str:
        return (f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, "
                f"batch_first={self.batch_first}, kind={self.kind!r}, radius={self.radius}")
