"""A small pre-norm transformer encoder block around any holonet attention layer,
and the introspection hook that turns a forward pass into an
:class:`~holonet.attention.record.AttentionRecord`.

Examples
--------
>>> import torch
>>> from holonet.nn import EncoderBlock, HSAttention, record_attention
>>> block = EncoderBlock(HSAttention(8, 2, batch_first=True))
>>> x = torch.randn(1, 5, 8)
>>> tuple(block(x).shape)
(1, 5, 8)
>>> rec = record_attention(block, x)
>>> rec.n_tokens, rec.layers, rec.heads(0)
(5, [0], [0, 1])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from holonet.nn._common import RecordingMixin

__all__ = ["EncoderBlock", "record_attention"]


class EncoderBlock(nn.Module):
    """``x + attn(LN(x))`` then ``x + FFN(LN(x))`` with any attention module.

    ``attention`` must be batch-first and callable as
    ``attention(x, x, x, key_padding_mask=..., need_weights=False) -> (out, _)``:
    :class:`torch.nn.MultiheadAttention` (``batch_first=True``) and every holonet
    layer qualify.

    Parameters
    ----------
    attention
        The attention module; its ``embed_dim`` sets the block width.
    dim_feedforward
        Hidden width of the feed-forward network (default ``4 * embed_dim``).
    dropout
        Dropout after attention and in the feed-forward network.

    Examples
    --------
    >>> import torch
    >>> _ = torch.manual_seed(0)
    >>> block = EncoderBlock(torch.nn.MultiheadAttention(8, 2, batch_first=True))
    >>> x = torch.randn(2, 5, 8)
    >>> pad = torch.tensor([[False] * 5, [False, False, False, True, True]])
    >>> tuple(block(x).shape), tuple(block(x, key_padding_mask=pad).shape)
    ((2, 5, 8), (2, 5, 8))
    """

    def __init__(self, attention: nn.Module, dim_feedforward: int | None = None,
                 dropout: float = 0.0) -> None:
        super().__init__()
        from holonet._options import check_int
        from holonet.nn._common import check_dropout

        if not isinstance(attention, nn.Module) or not isinstance(
                getattr(attention, "embed_dim", None), int):
            raise TypeError(f"attention must be an attention module with an integer embed_dim "
                            f"(e.g. nn.MultiheadAttention); got {type(attention).__name__}")
        e: int = getattr(attention, "embed_dim")  # noqa: B009 - checked to be an int above
        if not getattr(attention, "batch_first", True):
            raise ValueError("EncoderBlock needs a batch_first attention module")
        self.embed_dim = e
        self.attention = attention
        self.norm1, self.norm2 = nn.LayerNorm(e), nn.LayerNorm(e)
        hidden = 4 * e if dim_feedforward is None else check_int(
            "dim_feedforward", dim_feedforward, minimum=1)
        dropout = check_dropout(dropout)
        self.ff = nn.Sequential(nn.Linear(e, hidden), nn.GELU(), nn.Dropout(dropout),
                                nn.Linear(hidden, e))
        self.drop = nn.Dropout(dropout)

    def forward(self, x: Tensor, key_padding_mask: Tensor | None = None) -> Tensor:
        h = self.norm1(x)
        a, _ = self.attention(h, h, h, key_padding_mask=key_padding_mask, need_weights=False)
        x = x + self.drop(a)
        return x + self.drop(self.ff(self.norm2(x)))


def _attention_modules(model: nn.Module) -> list[RecordingMixin]:
    return [m for m in model.modules() if isinstance(m, RecordingMixin)]


def record_attention(model: nn.Module, *inputs: Any, tokens: Sequence[str] | None = None,
                     meta: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    """Run ``model(*inputs, **kwargs)`` once and collect every holonet attention layer's
    maps (layer = order of the modules in ``model``, head by head) and per-ring
    activity into an :class:`~holonet.attention.record.AttentionRecord`.

    The record's tokens and rings come from the first layer (for
    :class:`~holonet.nn.HolographicAttention` these are core, rings and boundary);
    layers whose token set differs from the first are skipped and listed in
    ``meta['skipped']``. ``tokens`` relabels the boundary tokens (the last ones).

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from holonet.nn import HSAttention
    >>> _ = torch.manual_seed(0)
    >>> model = torch.nn.Sequential(*[EncoderBlock(HSAttention(8, 2, batch_first=True))
    ...                               for _ in range(2)])
    >>> rec = record_attention(model, torch.randn(1, 4, 8), tokens=["a", "b", "c", "d"])
    >>> rec.layers, rec.heads(1), rec.tokens
    ([0, 1], [0, 1], ['a', 'b', 'c', 'd'])
    >>> bool(np.allclose(rec.maps[(1, 0)].sum(axis=1), 1.0))   # rows are stochastic
    True
    """
    from holonet.attention.record import AttentionRecord

    layers = _attention_modules(model)
    if not layers:
        raise ValueError("model contains no holonet attention layer to record")
    was = [m.recording for m in layers]
    for m in layers:
        m.recording, m.introspection = True, None
    try:
        with torch.no_grad():
            model(*inputs, **kwargs)
    finally:
        for m, w in zip(layers, was):
            m.recording = w
    seen = [(i, m.introspection) for i, m in enumerate(layers) if m.introspection is not None]
    if not seen:
        raise ValueError("no attention layer recorded anything (was the model run?)")
    first = seen[0][1]
    assert first is not None and first.ring is not None
    labels = list(first.tokens)
    if tokens is not None:
        tokens = [str(t) for t in tokens]
        if len(tokens) > len(labels):
            raise ValueError(f"got {len(tokens)} token labels for {len(labels)} tokens")
        labels[len(labels) - len(tokens):] = tokens
    rec = AttentionRecord(tokens=labels, ring=first.ring.numpy(),
                          meta={**(meta or {}), "layers": [], "skipped": []})
    for layer_idx, intro in seen:
        assert intro is not None and intro.maps is not None
        name = type(layers[layer_idx]).__name__
        if intro.maps.shape[-1] != rec.n_tokens:
            rec.meta["skipped"].append({"layer": layer_idx, "module": name})
            continue
        for h in range(intro.maps.shape[0]):
            rec.add(layer_idx, h, intro.maps[h].double().numpy())
        if intro.activity is not None:
            rec.activity[layer_idx] = np.asarray(intro.activity.double().numpy())
        rec.meta["layers"].append({"layer": layer_idx, "module": name,
                                   **{k: v for k, v in intro.meta.items()
                                      if isinstance(v, str | int | float | bool | dict)}})
    return rec
