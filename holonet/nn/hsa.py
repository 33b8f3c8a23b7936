"""``HSAttention``: multi-head hierarchical self-attention as a drop-in PyTorch module.

The module has ``torch.nn.MultiheadAttention``'s parameters (``in_proj_weight``,
``in_proj_bias``, ``out_proj``; ``q/k/v_proj_weight`` when ``kdim``/``vdim`` differ
from ``embed_dim``), constructor and call convention, and replaces the softmax by
hierarchical self-attention (HSA; Amizadeh et al., arXiv:2509.15448) over a
:class:`holonet.attention.Tree`, computed by the dynamic programme of
:func:`holonet.attention.hsa`. On the flat tree HSA *is* softmax attention, so
``HSAttention.from_multihead_attention(mha, flat)`` reproduces ``mha`` exactly.

It replaces ``self_attn`` of ``nn.TransformerEncoderLayer`` and
``nn.TransformerDecoderLayer``; ``is_causal=True`` (or the causal ``attn_mask`` of
``nn.Transformer.generate_square_subsequent_mask``) runs causal HSA (a query sees its
own leaf window up to itself and the blocks entirely in its past). Unlike
``nn.MultiheadAttention``, ``need_weights`` defaults to ``False``: the block-tied
``N x N`` matrix is only materialised on request (theory/nn.md, drop-in contract).

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
from collections import OrderedDict
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from holonet.nn._common import (
    DropInAttention,
    RecordingMixin,
    check_dropout,
    check_heads,
    refuse_unsupported,
)

__all__ = ["HSAttention", "TreeSpec", "resolve_tree"]

#: A tree, a factory ``n -> Tree``, or ``None`` (the flat tree: softmax attention).
TreeSpec = Any

#: Trees built by a factory are kept for this many sequence lengths per layer.
_TREE_CACHE = 8


def resolve_tree(spec: TreeSpec, n: int) -> Any:
    """The :class:`~holonet.attention.Tree` for a sequence of ``n`` tokens.

    Examples
    --------
    >>> from holonet.attention import Tree
    >>> resolve_tree(None, 4).is_flat(), resolve_tree(lambda n: Tree.fixed_windows(n, [2]), 4).depth
    (True, 2)
    """
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
    return key_ignore[:, None, :].expand(q.shape[0], q.shape[1], key_ignore.shape[-1])


class _ContiguousGrad(torch.autograd.Function):
    """Identity whose backward hands on a contiguous gradient.

    Merging the heads (``out.transpose(1, 2).reshape(...)``) sends the operator a
    transposed gradient; the operator's backward views it and (as of the window DP
    in two stages) fails when ``N`` fills the tree's windows exactly. One copy of the
    gradient, the same copy a reshape would make.
    """

    @staticmethod
    def forward(ctx: Any, x: Tensor) -> Tensor:
        return x.view_as(x)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        return grad.contiguous()


def hsa_heads(q: Tensor, k: Tensor, v: Tensor, tree: Any, *, include_self: bool = True,
              key_ignore: Tensor | None = None, causal: bool = False,
              scale: float = 1.0) -> Tensor:
    """HSA of ``(B, H, N, d)`` heads via :func:`holonet.attention.hsa`.

    ``key_ignore``: ``(B, N)`` bool, True = padding. A thin adapter: the dynamic
    programme itself lives in :mod:`holonet.attention`.
    """
    from holonet.attention import hsa

    return hsa(q, k, v, tree, include_self=include_self,
               key_padding_mask=_expand_mask(key_ignore, q), scale=scale, causal=causal)


def hsa_weights(q: Tensor, k: Tensor, tree: Any, *, include_self: bool = True,
                key_ignore: Tensor | None = None, causal: bool = False,
                scale: float = 1.0) -> Tensor:
    """The ``(B, H, N, N)`` block-tied attention matrix of :func:`hsa_heads`."""
    from holonet.attention import hsa_matrix

    return hsa_matrix(q, k, tree, include_self=include_self,
                      key_padding_mask=_expand_mask(key_ignore, q), scale=scale, causal=causal)


class HSAttention(DropInAttention, RecordingMixin):
    """Multi-head hierarchical self-attention with ``nn.MultiheadAttention``'s interface.

    Parameters
    ----------
    embed_dim, num_heads, dropout, bias, kdim, vdim, batch_first, device, dtype
        As in :class:`torch.nn.MultiheadAttention`. ``dropout`` is exact attention
        dropout: while training it materialises the ``N x N`` weights (refused above
        :attr:`dense_limit` elements). ``kdim``/``vdim`` give separate key/value
        projections (keys and values of the query's length: they sit on one tree).
    add_bias_kv, add_zero_attn
        Refused (``ValueError``): they append keys that are not leaves of the tree.
    tree
        A :class:`~holonet.attention.Tree` (fixed length), a factory ``n -> Tree``
        (built once per length and cached), or ``None`` for the flat tree (softmax).
    include_self
        Whether a token keeps its own term ``exp(q_i . k_i)`` (HSA's default).

    Notes
    -----
    ``forward`` takes ``nn.MultiheadAttention.forward``'s arguments. ``is_causal=True``
    or the causal ``attn_mask`` selects causal HSA; any other ``attn_mask`` raises
    (a block-tied row cannot express an arbitrary mask). ``need_weights`` defaults
    to ``False``; ``True`` returns the block-tied matrix (``O(N^2)``, refused above
    :attr:`dense_limit` elements).

    Examples
    --------
    >>> import torch
    >>> from holonet.attention import Tree
    >>> _ = torch.manual_seed(0)
    >>> layer = HSAttention(8, 2, batch_first=True,
    ...                     tree=lambda n: Tree.fixed_windows(n, [2, n]))   # pairs, then all
    >>> x = torch.randn(1, 4, 8)
    >>> out, w = layer(x, x, x)              # need_weights defaults to False: no N x N
    >>> tuple(out.shape), w is None
    ((1, 4, 8), True)
    >>> _, w = layer(x, x, x, need_weights=True)
    >>> tuple(w.shape), bool(torch.allclose(w.sum(-1), torch.ones(1, 4)))
    ((1, 4, 4), True)
    >>> causal, w = layer(x, x, x, is_causal=True, need_weights=True)
    >>> bool((w.triu(1) == 0).all())        # no query sees a later token
    True
    """

    supports_causal = True
    supports_distinct_kv = True

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0,
                 bias: bool = True, add_bias_kv: bool = False, add_zero_attn: bool = False,
                 kdim: int | None = None, vdim: int | None = None, batch_first: bool = False,
                 device: Any = None, dtype: Any = None, *, tree: TreeSpec = None,
                 include_self: bool = True) -> None:
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        self.head_dim = check_heads(embed_dim, num_heads)
        refuse_unsupported(type(self).__name__, embed_dim, add_bias_kv=add_bias_kv,
                           add_zero_attn=add_zero_attn,
                           why={"add_bias_kv": "it appends a key that is not a leaf of the tree",
                                "add_zero_attn": "it appends a key that is not a leaf of the "
                                                 "tree"})
        from holonet._options import check_int

        self.kdim = embed_dim if kdim is None else check_int("kdim", kdim, minimum=1)
        self.vdim = embed_dim if vdim is None else check_int("vdim", vdim, minimum=1)
        self.embed_dim, self.num_heads = embed_dim, num_heads
        self.dropout, self.batch_first = check_dropout(dropout), bool(batch_first)
        self._trees: OrderedDict[int, Any] = OrderedDict()
        self.tree, self.include_self = tree, bool(include_self)
        self.bias_k = self.bias_v = None
        self.add_zero_attn = False
        self._separate = self.kdim != embed_dim or self.vdim != embed_dim
        if self._separate:
            self.q_proj_weight = nn.Parameter(torch.empty(embed_dim, embed_dim, **factory))
            self.k_proj_weight = nn.Parameter(torch.empty(embed_dim, self.kdim, **factory))
            self.v_proj_weight = nn.Parameter(torch.empty(embed_dim, self.vdim, **factory))
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = nn.Parameter(torch.empty(3 * embed_dim, embed_dim, **factory))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = nn.Parameter(torch.empty(3 * embed_dim, **factory))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = nn.Linear(embed_dim, embed_dim, bias=bias, **factory)
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._separate:
            nn.init.xavier_uniform_(self.q_proj_weight)
            nn.init.xavier_uniform_(self.k_proj_weight)
            nn.init.xavier_uniform_(self.v_proj_weight)
        else:
            nn.init.xavier_uniform_(self.in_proj_weight)
        if self.in_proj_bias is not None:
            nn.init.zeros_(self.in_proj_bias)
            nn.init.zeros_(self.out_proj.bias)

    @property
    def tree(self) -> TreeSpec:
        """The tree spec: a ``Tree``, a factory ``n -> Tree`` or ``None`` (flat)."""
        return self._tree_spec

    @tree.setter
    def tree(self, spec: TreeSpec) -> None:
        from holonet.attention import Tree

        if spec is not None and not isinstance(spec, Tree) and not callable(spec):
            raise TypeError(f"tree must be a Tree, a callable n -> Tree, or None; got "
                            f"{type(spec).__name__}")
        self._tree_spec = spec
        self._trees.clear()

    # ------------------------------------------------------------------ loading
    @classmethod
    def from_multihead_attention(cls, mha: nn.MultiheadAttention, tree: TreeSpec = None,
                                 **kwargs: Any) -> HSAttention:
        """Same weights as ``mha`` (no retraining), attention over ``tree``.

        Examples
        --------
        >>> import torch
        >>> mha = torch.nn.MultiheadAttention(8, 2, kdim=6, vdim=4)
        >>> layer = HSAttention.from_multihead_attention(mha)
        >>> q, k, v = torch.randn(5, 1, 8), torch.randn(5, 1, 6), torch.randn(5, 1, 4)
        >>> torch.allclose(layer(q, k, v)[0], mha(q, k, v)[0], atol=1e-6)
        True
        """
        if mha.bias_k is not None or mha.add_zero_attn:
            raise ValueError("mha uses add_bias_kv/add_zero_attn; not representable in HSA")
        w = mha.out_proj.weight
        if tree is not None:
            kwargs["tree"] = tree
        layer = cls(mha.embed_dim, mha.num_heads, dropout=mha.dropout,
                    bias=mha.in_proj_bias is not None, kdim=mha.kdim, vdim=mha.vdim,
                    batch_first=mha.batch_first, device=w.device, dtype=w.dtype, **kwargs)
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
        """Batch-first ``(B, N, E)`` inputs -> ``(B, H, N, d)`` heads q, k, v (q unscaled).

        Self-attention (``query is key is value``) takes one fused ``(3E, E)`` matmul.
        """
        bsz, n, _ = query.shape
        h, d = self.num_heads, self.head_dim
        b = self.in_proj_bias
        if not self._separate and query is key and key is value:
            qkv = F.linear(query, self.in_proj_weight, b)
            # one copy into the (3, B, H, N, d) layout the operator works in
            q, k, v = qkv.view(bsz, n, 3, h, d).permute(2, 0, 3, 1, 4).contiguous().unbind(0)
            return q, k, v
        bq, bk, bv = b.chunk(3) if b is not None else (None, None, None)
        wq: Tensor
        wk: Tensor
        wv: Tensor
        if self._separate:
            wq, wk, wv = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        else:
            wq, wk, wv = self.in_proj_weight.chunk(3)
        s = key.shape[1]

        def heads(x: Tensor, length: int) -> Tensor:
            return x.view(bsz, length, h, d).transpose(1, 2).contiguous()

        return (heads(F.linear(query, wq, bq), n), heads(F.linear(key, wk, bk), s),
                heads(F.linear(value, wv, bv), s))

    def forward(self, query: Tensor, key: Tensor | None = None, value: Tensor | None = None,
                key_padding_mask: Tensor | None = None, need_weights: bool = False,
                attn_mask: Tensor | None = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
        """As :meth:`torch.nn.MultiheadAttention.forward` (``need_weights`` default ``False``).

        Returns ``(output, weights)``: ``weights`` is the block-tied HSA matrix
        ``(B, L, S)`` (or ``(B, H, L, S)``) when ``need_weights``, else ``None``.
        """
        call = self._prepare(query, key, value, key_padding_mask, need_weights, attn_mask,
                             average_attn_weights, is_causal)
        k_in = call.key
        if k_in.shape[-1] != self.kdim or call.value.shape[-1] != self.vdim:
            raise ValueError(f"key/value must have {self.kdim}/{self.vdim} features; got "
                             f"{k_in.shape[-1]}/{call.value.shape[-1]}")
        bsz, n, e = call.query.shape
        if k_in.shape[1] != n:
            raise ValueError(f"{type(self).__name__} needs keys of the query's length (one "
                             f"tree over the sequence); got L={n}, S={k_in.shape[1]}")
        q, k, v = self.project(call.query, k_in, call.value)
        scale = 1.0 / math.sqrt(self.head_dim)
        weights = None
        drop = self.training and self.dropout > 0
        if call.need_weights or drop or self.recording:
            self._check_dense("need_weights=True" if call.need_weights else
                              "attention dropout", bsz * self.num_heads * n * n)
            weights = self._weights(q, k, call.ignore, call.causal, scale)
            if drop:
                weights = F.dropout(weights, p=self.dropout)
        if drop:
            assert weights is not None
            out = weights @ v
        else:
            out = self._attend(q, k, v, call.ignore, call.causal, scale)
            if out.requires_grad:
                out = _ContiguousGrad.apply(out)
        out = self.out_proj(out.transpose(1, 2).reshape(bsz, n, e))
        if self.recording and weights is not None:
            self._store(weights[0], torch.zeros(n, dtype=torch.long), out[0],
                        [f"t{i}" for i in range(n)], layer=type(self).__name__,
                        structure=self._describe(n))
        return self._finish(call, out, weights)

    # ------------------------------------------------------------------ the operator
    def _tree(self, n: int) -> Any:
        """The tree for length ``n``; built once per length (LRU of 8 lengths)."""
        tree = self._trees.get(n)
        if tree is None:
            tree = resolve_tree(self.tree, n)
            self._trees[n] = tree
            while len(self._trees) > _TREE_CACHE:
                self._trees.popitem(last=False)
        return tree

    def _attend(self, q: Tensor, k: Tensor, v: Tensor, ignore: Tensor | None, causal: bool,
                scale: float) -> Tensor:
        """``(B, H, N, d)`` heads -> attended values (the dynamic programme)."""
        return hsa_heads(q, k, v, self._tree(q.shape[-2]), include_self=self.include_self,
                         key_ignore=ignore, causal=causal, scale=scale)

    def _weights(self, q: Tensor, k: Tensor, ignore: Tensor | None, causal: bool,
                 scale: float) -> Tensor:
        """The materialised ``(B, H, N, N)`` weights of :meth:`_attend`."""
        return hsa_weights(q, k, self._tree(q.shape[-2]), include_self=self.include_self,
                           key_ignore=ignore, causal=causal, scale=scale)

    def _describe(self, n: int) -> str:
        return repr(self._tree(n))

    def extra_repr(self) -> str:
        return (f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, "
                f"batch_first={self.batch_first}, tree={self.tree!r}")
