"""Zero-shot HSA injection into pretrained BERT-style encoders (no retraining).

:func:`inject_hsa` replaces the self-attention of chosen layers of a Hugging Face
BERT-style model (``BertModel``, or a ``sentence_transformers.SentenceTransformer``
wrapping one, e.g. all-MiniLM-L6-v2) by :class:`~holonet.nn.HSAttention` built
from the *same* query/key/value/output weights over a tree; the residual
LayerNorm of the original block is kept. :func:`attention_flops` counts the
attention FLOPs of the model before and after.

Examples
--------
>>> import torch
>>> from transformers import BertConfig, BertModel
>>> cfg = BertConfig(hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
...                  intermediate_size=32, vocab_size=50)
>>> bert = BertModel(cfg).eval()
>>> flat = inject_hsa(bert, layers=[0, 1], tree=None)   # flat tree = the original model
>>> ids = torch.tensor([[1, 5, 7, 9, 2]])
>>> a = bert(ids).last_hidden_state; b = flat(ids).last_hidden_state
>>> bool(torch.allclose(a, b, atol=1e-5))
True
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor, nn

from holonet.nn.hsa import HSAttention, TreeSpec, resolve_tree

__all__ = ["HSABertAttention", "attention_flops", "bert_layers", "inject_hsa", "inject_hsa_"]


def _key_ignore_from_hf(mask: Tensor | None, n: int) -> Tensor | None:
    """HF attention masks (2-d 1/0, 4-d bool 'attend', or 4-d additive) -> (B, N) ignore.

    A 4-d mask must be a key-padding mask broadcast over heads and queries (every
    query row equal); anything else (a causal or per-query mask) is refused.
    """
    if mask is None:
        return None
    if not isinstance(mask, Tensor):
        raise TypeError(f"attention_mask must be a torch.Tensor or None; got "
                        f"{type(mask).__name__}")
    if mask.dim() == 2:
        return mask == 0
    if mask.dim() != 4:
        raise ValueError(f"unsupported attention_mask shape {tuple(mask.shape)}; expected "
                         "(B, N) or (B, 1|H, 1|N, N)")
    row = mask[:, :1, :1, :]
    if not bool((mask == row).all()):
        raise ValueError("attention_mask varies across queries or heads (e.g. a causal "
                         "mask): HSABertAttention implements key padding only")
    row = row[:, 0, 0, :]
    if row.shape[-1] != n:
        row = row.expand(row.shape[0], n)
    if row.dtype == torch.bool:
        return ~row
    return row < -1e3


#: keyword arguments transformers passes that HSA does not use, with the reason
_IGNORED = {"position_ids": "BERT adds absolute positions in its embeddings; "
                            "BertSelfAttention does not read position_ids either"}


class HSABertAttention(nn.Module):
    """Drop-in for a HF ``BertAttention``: HSA with the original weights, then the
    original ``output`` block's dropout + residual LayerNorm.

    Implemented: ``hidden_states`` and a key-padding ``attention_mask``. Refused with a
    ``ValueError`` naming them: ``encoder_hidden_states``/``encoder_attention_mask``
    (cross-attention), a ``cache``/``past_key_value(s)`` (incremental decoding),
    ``head_mask``, ``output_attentions=True`` (transformers records attention maps
    from ``BertSelfAttention`` modules, which this is not: call
    :class:`~holonet.nn.HSAttention` with ``need_weights=True`` instead), a
    per-query (e.g. causal) ``attention_mask``, extra positional arguments and any
    other keyword with a value. ``position_ids`` is accepted and unused, as in
    ``BertSelfAttention``.
    """

    def __init__(self, bert_attention: Any, tree: TreeSpec = None,
                 include_self: bool = True) -> None:
        super().__init__()
        self.hsa = HSAttention.from_bert_self_attention(
            bert_attention.self, bert_attention.output.dense, tree, include_self=include_self)
        self.norm = bert_attention.output.LayerNorm
        self.dropout = bert_attention.output.dropout

    def forward(self, hidden_states: Tensor, attention_mask: Tensor | None = None,
                encoder_hidden_states: Tensor | None = None,
                encoder_attention_mask: Tensor | None = None, cache: Any = None,
                *args: Any, **kwargs: Any) -> tuple[Tensor, None]:
        if args:
            raise ValueError(f"HSABertAttention takes at most 5 positional arguments; got "
                             f"{5 + len(args)}")
        given = {"encoder_hidden_states": encoder_hidden_states,
                 "encoder_attention_mask": encoder_attention_mask, "cache": cache,
                 **{k: v for k, v in kwargs.items() if k not in _IGNORED}}
        refused = sorted(k for k, v in given.items() if v is not None and v is not False)
        if refused:
            raise ValueError(f"HSABertAttention does not implement {', '.join(refused)} "
                             "(self-attention over the whole sequence, key padding only)")
        ignore = _key_ignore_from_hf(attention_mask, hidden_states.shape[1])
        out, _ = self.hsa(hidden_states, hidden_states, hidden_states, key_padding_mask=ignore,
                          need_weights=False)
        return self.norm(self.dropout(out) + hidden_states), None


def bert_layers(model: nn.Module) -> list[nn.Module]:
    """The transformer layers (modules with ``attention.self.query``) of a BERT-style model."""
    out = []
    for mod in model.modules():
        att = getattr(mod, "attention", None)
        if isinstance(att, HSABertAttention) or (
                att is not None and hasattr(getattr(att, "self", None), "query")):
            out.append(mod)
    if not out:
        raise ValueError(f"{type(model).__name__} has no BERT-style layers "
                         "(modules with .attention.self.query)")
    return out


def inject_hsa_(model: nn.Module, layers: Sequence[int] | None = None, tree: TreeSpec = None,
                include_self: bool = True) -> nn.Module:
    """In-place twin of :func:`inject_hsa`."""
    from holonet._options import check_int

    blocks: list[Any] = bert_layers(model)
    if layers is not None and (isinstance(layers, str | bytes) or not hasattr(layers, "__iter__")):
        raise TypeError(f"layers must be a sequence of layer indices or None; got "
                        f"{type(layers).__name__}")
    chosen = range(len(blocks)) if layers is None else [check_int("layer index", i)
                                                        for i in layers]
    for i in chosen:
        if not -len(blocks) <= i < len(blocks):
            raise ValueError(f"layer {i} out of range for a model with {len(blocks)} layers")
        blk = blocks[i]
        if isinstance(blk.attention, HSABertAttention):
            raise ValueError(f"layer {i} already uses HSA")
        blk.attention = HSABertAttention(blk.attention, tree, include_self)
    return model


def inject_hsa(model: nn.Module, layers: Sequence[int] | None = None, tree: TreeSpec = None,
               include_self: bool = True) -> nn.Module:
    """A copy of ``model`` whose chosen layers (default: all) attend by HSA over ``tree``.

    ``tree`` is a :class:`~holonet.attention.Tree`, a factory ``n -> Tree`` (use
    this for sentences of different lengths) or ``None`` (flat tree: identical to
    the original model). Weights are shared by value, not retrained.

    Examples
    --------
    >>> import torch
    >>> from transformers import BertConfig, BertModel
    >>> from holonet.attention import Tree
    >>> _ = torch.manual_seed(0)
    >>> cfg = BertConfig(hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
    ...                  intermediate_size=32, vocab_size=50)
    >>> bert = BertModel(cfg).eval()
    >>> hsa = inject_hsa(bert, layers=[1], tree=lambda n: Tree.fixed_windows(n, [2, n]))
    >>> [type(blk.attention).__name__ for blk in bert_layers(hsa)]
    ['BertAttention', 'HSABertAttention']
    >>> [type(blk.attention).__name__ for blk in bert_layers(bert)]   # original untouched
    ['BertAttention', 'BertAttention']
    >>> tuple(hsa(torch.tensor([[1, 5, 7, 9, 2]])).last_hidden_state.shape)
    (1, 5, 16)
    """
    return inject_hsa_(copy.deepcopy(model), layers, tree, include_self)


def attention_flops(model: nn.Module, n: int) -> dict[str, int]:
    """Attention FLOPs (scores + weighted values, all heads) of ``model`` on ``n`` tokens.

    Layers running HSA are counted with :func:`holonet.attention.hsa_flops` over
    their tree, the others as dense softmax attention
    (:func:`holonet.attention.dense_flops`). Returns ``{"total": .., "dense": ..}``
    where ``dense`` is the same model with every layer dense.

    Examples
    --------
    >>> import torch
    >>> from transformers import BertConfig, BertModel
    >>> from holonet.attention import Tree
    >>> _ = torch.manual_seed(0)
    >>> cfg = BertConfig(hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
    ...                  intermediate_size=32, vocab_size=50)
    >>> bert = BertModel(cfg).eval()
    >>> attention_flops(bert, 64)            # 2 layers x 2 heads x dense_flops(64, 8)
    {'total': 557056, 'dense': 557056}
    >>> hsa = inject_hsa(bert, tree=lambda n: Tree.fixed_windows(n, [8, 8]))
    >>> f = attention_flops(hsa, 64)
    >>> f["dense"], f["total"] < f["dense"] / 3
    (557056, True)
    """
    from holonet._options import check_int
    from holonet.attention import dense_flops, hsa_flops

    n = check_int("n", n, minimum=1)
    total = dense = 0
    for blk in bert_layers(model):
        att: Any = blk.attention
        if isinstance(att, HSABertAttention):
            h, d = att.hsa.num_heads, att.hsa.head_dim
            total += h * hsa_flops(resolve_tree(att.hsa.tree, n), d)
        else:
            h = int(att.self.num_attention_heads)
            d = int(att.self.attention_head_size)
            total += h * dense_flops(n, d)
        dense += h * dense_flops(n, d)
    return {"total": int(total), "dense": int(dense)}
