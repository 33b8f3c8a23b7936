"""``HSAttention``: multi-head hierarchical self-attention as a drop-in PyTorch module.

The module has ``torch.nn.MultiheadAttention``'s parameters (``in_proj_weight``,
``in_proj_bias``, ``out_proj``) and call convention, and replaces the softmax by
hierarchical self-attention (HSA; Amizadeh et al., arXiv:2509.15448) over a
:class:`holonet.attention.Tree`, computed by the dynamic programme of
:func:`holonet.attention.hsa` (one implementation for numpy, torch and cupy;
autograd flows through it). On the flat tree HSA *is* softmax attention, so
``HSAttention.from_multihead_attention(mha, flat)`` reproduces ``mha`` exactly.

Examples
--------
>>> import torch
>>> from holonet.attention import Tree
>>> mha = torch.nn.MultiheadAttention(8, 2, batch_first=True)
>>> hsa = HSAttention.from_multihead_attention(mha, lambda n: Tree.fixed_windows(n, [n]))
>>> x = torch.randn(1, 6, 8)
>>> torch.allclose(hsa(x, x, x)[0], mha(x, x, x)[0], atol=1e-6)
True
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from holonet.nn._common import (
    RecordingMixin,
    check_heads,
    from_batch_first,
    key_padding_to_bool,
    to_batch_first,
)

__all__ = ["HSAttention", "TreeSpec", "resolve_tree"]

#: A tree, a factory ``n -> Tree``, or ``None`` (the flat tree: softmax attention).
TreeSpec = Any


def resolve_tree(spec: TreeSpec, n: int) -> Any:
    """The :class:`~holonet.attention.Tree` for a sequence of ``n`` tokens."""
    from holonet.attention import Tree

    if spec is None:
        return Tree.fixed_windows(n, [n])
    if isinstance(spec, Tree):
        if spec.n_leaves != n:
            raise ValueError(f"tree has {spec.n_leaves} leaves but the sequence has {n} "
                             "tokens; pass a tree factory (callable n -> Tree) for "
                             "variable lengths")
        return spec
    if callable(spec):
        tree = spec(n)
        if not isinstance(tree, Tree) or tree.n_leaves != n:
            raise ValueError(f"tree factory must return a Tree with {n} leaves; got {tree!r}")
        return tree
    raise TypeError(f"tree must be a Tree, a callable n -> Tree, or None; got "
                    f"{type(spec).__name__}")


def _expand_mask(key_ignore: Tensor | None, q: Tensor) -> Tensor | None:
    if key_ignore is None:
        return None
    return key_ignore[:, None, :].expand(q.shape[0], q.shape[1], q.shape[2])


def hsa_heads(q: Tensor, k: Tensor, v: Tensor, tree: Any, *, include_self: bool = True,
              key_ignore: Tensor | None = None) -> Tensor:
    """HSA of ``(B, H, N, d)`` heads (queries already scaled) via :func:`holonet.attention.hsa`.

    ``key_ignore``: ``(B, N)`` bool, True = padding. This is a thin adapter: the
    dynamic programme itself lives in :mod:`holonet.attention`.
    """
    from holonet.attention import hsa

    return hsa(q, k, v, tree, include_self=include_self,
               key_padding_mask=_expand_mask(key_ignore, q), scale=1.0)


def hsa_weights(q: Tensor, k: Tensor, tree: Any, *, include_self: bool = True,
                key_ignore: Tensor | None = None) -> Tensor:
    """The ``(B, H, N, N)`` block-tied attention matrix of :func:`hsa_heads`."""
    from holonet.attention import hsa_matrix

    return hsa_matrix(q, k, tree, include_self=include_self,
                      key_padding_mask=_expand_mask(key_ignore, q), scale=1.0)


class HSAttention(RecordingMixin):
    """Multi-head hierarchical self-attention with ``nn.MultiheadAttention``'s interface.

    Parameters
    ----------
    embed_dim, num_heads, dropout, bias, batch_first, device, dtype
        As in :class:`torch.nn.MultiheadAttention` (``kdim``/``vdim`` must equal
        ``embed_dim``: keys and queries live on the same tree). ``dropout`` drops
        attention weights while training; it then materialises the ``N x N`` matrix.
    tree
        A :class:`~holonet.attention.Tree` (fixed length), a factory
        ``n -> Tree``, or ``None`` for the flat tree (standard attention).
    include_self
        Whether a token keeps its own term ``exp(q_i . k_i)`` (HSA's default).

    Notes
    -----
    ``attn_mask`` and ``is_causal`` have no block-tied counterpart and raise.

    Examples
    --------
    >>> import torch
    >>> from holonet.attention import Tree
    >>> _ = torch.manual_seed(0)
    >>> layer = HSAttention(8, 2, batch_first=True,
    ...                     tree=lambda n: Tree.fixed_windows(n, [2, n]))   # pairs, then all
    >>> x = torch.randn(1, 4, 8)
    >>> out, w = layer(x, x, x)
    >>> tuple(out.shape), tuple(w.shape)
    ((1, 4, 8), (1, 4, 4))
    >>> bool(torch.allclose(w.sum(-1), torch.ones(1, 4)))
    True
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0,
                 bias: bool = True, add_bias_kv: bool = False, add_zero_attn: bool = False,
                 kdim: int | None = None, vdim: int | None = None, batch_first: bool = False,
                 device: Any = None, dtype: Any = None, *, tree: TreeSpec = None,
                 include_self: bool = True) -> None:
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        check_heads(embed_dim, num_heads)
        for name, val in (("kdim", kdim), ("vdim", vdim)):
            if val is not None and val != embed_dim:
                raise ValueError(f"{name}={val} differs from embed_dim={embed_dim}; HSA needs "
                                 "keys and queries on one tree")
        if add_bias_kv or add_zero_attn:
            raise ValueError("add_bias_kv / add_zero_attn add keys outside the tree; "
                             "not supported by HSAttention")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1); got {dropout}")
        self.embed_dim, self.num_heads = embed_dim, num_heads
        self.head_dim = embed_dim // num_heads
        self.dropout, self.batch_first = float(dropout), batch_first
        self.tree, self.include_self = tree, include_self
        self.in_proj_weight = nn.Parameter(torch.empty(3 * embed_dim, embed_dim, **factory))
        self.in_proj_bias = (nn.Parameter(torch.empty(3 * embed_dim, **factory))
                             if bias else None)
        self.out_proj = nn.Linear(embed_dim, embed_dim, bias=bias, **factory)
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        nn.init.xavier_uniform_(self.in_proj_weight)
        if self.in_proj_bias is not None:
            nn.init.zeros_(self.in_proj_bias)
            nn.init.zeros_(self.out_proj.bias)

    # ------------------------------------------------------------------ loading
    @classmethod
    def from_multihead_attention(cls, mha: nn.MultiheadAttention, tree: TreeSpec = None,
                                 **kwargs: Any) -> HSAttention:
        """Same weights as ``mha`` (no retraining), attention over ``tree``."""
        if not mha._qkv_same_embed_dim:
            raise ValueError("mha has separate kdim/vdim projections; HSA needs self-attention")
        if mha.bias_k is not None or mha.add_zero_attn:
            raise ValueError("mha uses add_bias_kv/add_zero_attn; not representable in HSA")
        w = mha.in_proj_weight
        layer = cls(mha.embed_dim, mha.num_heads, dropout=mha.dropout,
                    bias=mha.in_proj_bias is not None, batch_first=mha.batch_first,
                    device=w.device, dtype=w.dtype, tree=tree, **kwargs)
        layer.load_state_dict(mha.state_dict(), strict=True)
        return layer

    @classmethod
    def from_bert_self_attention(cls, self_attn: Any, output_dense: Any,
                                 tree: TreeSpec = None, **kwargs: Any) -> HSAttention:
        """From a Hugging Face BERT-style ``BertSelfAttention`` (``query``/``key``/``value``)
        and the output projection ``BertSelfOutput.dense`` (batch-first, no retraining).
        """
        q, k, v = self_attn.query, self_attn.key, self_attn.value
        heads = int(self_attn.num_attention_heads)
        e_in, e = q.in_features, q.out_features
        if e_in != e:
            raise ValueError(f"query maps {e_in} -> {e}; HSAttention needs a square projection")
        has_bias = q.bias is not None
        layer = cls(e, heads, batch_first=True, bias=has_bias, device=q.weight.device,
                    dtype=q.weight.dtype, tree=tree, **kwargs)
        with torch.no_grad():
            layer.in_proj_weight.copy_(torch.cat([q.weight, k.weight, v.weight], dim=0))
            if has_bias and layer.in_proj_bias is not None:
                layer.in_proj_bias.copy_(torch.cat([q.bias, k.bias, v.bias], dim=0))
            layer.out_proj.weight.copy_(output_dense.weight)
            if layer.out_proj.bias is not None:
                layer.out_proj.bias.copy_(output_dense.bias)
        return layer

    # ------------------------------------------------------------------ forward
    def project(self, query: Tensor, key: Tensor, value: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Batch-first ``(B, N, E)`` inputs -> ``(B, H, N, d)`` q (scaled by 1/sqrt(d)), k, v."""
        w, b = self.in_proj_weight, self.in_proj_bias
        bq, bk, bv = (b.chunk(3) if b is not None else (None, None, None))
        wq, wk, wv = w.chunk(3)
        bsz, n, _ = query.shape

        def heads(x: Tensor) -> Tensor:
            return x.view(bsz, n, self.num_heads, self.head_dim).transpose(1, 2)

        q = heads(F.linear(query, wq, bq)) / math.sqrt(self.head_dim)
        return q, heads(F.linear(key, wk, bk)), heads(F.linear(value, wv, bv))

    def forward(self, query: Tensor, key: Tensor, value: Tensor,
                key_padding_mask: Tensor | None = None, need_weights: bool = True,
                attn_mask: Tensor | None = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
        """As :meth:`torch.nn.MultiheadAttention.forward`; weights are the block-tied HSA matrix."""
        if attn_mask is not None or is_causal:
            raise ValueError("attn_mask / is_causal are not supported by HSAttention "
                             "(a block-tied row cannot express arbitrary masks)")
        q_in, unbatched = to_batch_first(query, self.batch_first)
        k_in, _ = to_batch_first(key, self.batch_first)
        v_in, _ = to_batch_first(value, self.batch_first)
        if not (q_in.shape == k_in.shape and k_in.shape[:2] == v_in.shape[:2]):
            raise ValueError(f"query, key and value must share (batch, length, embed); got "
                             f"{tuple(query.shape)}, {tuple(key.shape)}, {tuple(value.shape)}")
        bsz, n, e = q_in.shape
        if e != self.embed_dim:
            raise ValueError(f"expected embed_dim {self.embed_dim}; got {e}")
        ignore = key_padding_to_bool(key_padding_mask, q_in)
        if ignore is not None and unbatched:
            ignore = ignore.unsqueeze(0)
        if ignore is not None and tuple(ignore.shape) != (bsz, n):
            raise ValueError(f"key_padding_mask must have shape {(bsz, n)}; "
                             f"got {tuple(ignore.shape)}")
        q, k, v = self.project(q_in, k_in, v_in)
        weights = None
        drop = self.training and self.dropout > 0
        if need_weights or drop or self.recording:
            weights = self._weights(q, k, ignore)
        if drop and weights is not None:
            out = F.dropout(weights, p=self.dropout) @ v
        else:
            out = self._attend(q, k, v, ignore)
        out = self.out_proj(out.transpose(1, 2).reshape(bsz, n, e))
        if self.recording and weights is not None:
            self._store(weights[0], torch.zeros(n, dtype=torch.long), out[0],
                        [f"t{i}" for i in range(n)], layer=type(self).__name__,
                        structure=self._describe(n))
        out = from_batch_first(out, self.batch_first, unbatched)
        if not need_weights or weights is None:
            return out, None
        w = weights.mean(dim=1) if average_attn_weights else weights
        return out, (w.squeeze(0) if unbatched else w)

    # ------------------------------------------------------------------ the operator
    def _attend(self, q: Tensor, k: Tensor, v: Tensor, ignore: Tensor | None) -> Tensor:
        """``(B, H, N, d)`` heads -> attended values (the dynamic programme)."""
        tree = resolve_tree(self.tree, q.shape[-2])
        return hsa_heads(q, k, v, tree, include_self=self.include_self, key_ignore=ignore)

    def _weights(self, q: Tensor, k: Tensor, ignore: Tensor | None) -> Tensor:
        """The materialised ``(B, H, N, N)`` weights of :meth:`_attend`."""
        tree = resolve_tree(self.tree, q.shape[-2])
        return hsa_weights(q, k, tree, include_self=self.include_self, key_ignore=ignore)

    def _describe(self, n: int) -> str:
        return repr(resolve_tree(self.tree, n))

    def extra_repr(self) -> str:
        return (f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, "
                f"batch_first={self.batch_first}, tree={self.tree!r}")
