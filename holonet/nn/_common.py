"""Shared pieces of the holonet.nn layers: masking, layout, introspection state."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn

NEG_INF = float("-inf")


def check_heads(embed_dim: int, num_heads: int) -> int:
    """Validate ``embed_dim``/``num_heads`` as ``nn.MultiheadAttention`` does; returns head dim."""
    from holonet._options import check_int

    check_int("embed_dim", embed_dim, minimum=1)
    check_int("num_heads", num_heads, minimum=1)
    if embed_dim % num_heads:
        raise ValueError(f"embed_dim {embed_dim} must be divisible by num_heads {num_heads}")
    return embed_dim // num_heads


def masked_softmax(logits: Tensor, allowed: Tensor | None, dim: int = -1) -> Tensor:
    """Softmax over ``dim`` restricted to ``allowed`` entries; all-masked slices give zeros.

    A query whose every key is masked (e.g. all its boundary tokens erased) gets an
    all-zero row instead of NaNs, so the residual update is simply skipped.
    """
    if allowed is None:
        return torch.softmax(logits, dim=dim)
    logits = logits.masked_fill(~allowed, NEG_INF)
    any_ok = allowed.any(dim=dim, keepdim=True)
    logits = torch.where(any_ok, logits, torch.zeros_like(logits))
    return torch.softmax(logits, dim=dim) * any_ok.to(logits.dtype)


def same_tensor(t: Tensor | None, ref: Tensor) -> bool:
    """Whether ``t`` is ``None`` or a view of exactly the same data as ``ref``."""
    if t is None or t is ref:
        return True
    return (t.shape == ref.shape and t.stride() == ref.stride()
            and t.data_ptr() == ref.data_ptr())


def require_self_attention(layer: str, query: Tensor, key: Tensor | None,
                           value: Tensor | None) -> None:
    """Raise unless key and value are ``None`` or the query itself (self-attention layers)."""
    for name, t in (("key", key), ("value", value)):
        if not same_tensor(t, query):
            raise ValueError(f"{layer} is self-attention: {name} must be the query tensor "
                             "(or None)")


def key_padding_to_bool(mask: Tensor | None, like: Tensor) -> Tensor | None:
    """``nn.MultiheadAttention`` key padding mask -> bool mask (True = ignore this key).

    Float masks follow torch's additive convention: ``-inf`` entries are ignored,
    any other value must be 0 (additive biases have no meaning in a block-tied row).
    """
    if mask is None:
        return None
    if mask.dtype == torch.bool:
        return mask.to(like.device)
    if not torch.is_floating_point(mask):
        raise TypeError(f"key_padding_mask must be bool or float; got {mask.dtype}")
    finite = torch.isfinite(mask)
    if bool((mask[finite] != 0).any()):
        raise ValueError("float key_padding_mask may only contain 0 and -inf "
                         "(additive key biases are not supported by this layer)")
    return torch.isneginf(mask).to(like.device)


def to_batch_first(x: Tensor, batch_first: bool) -> tuple[Tensor, bool]:
    """Return ``x`` as ``(B, L, E)`` and whether the input was unbatched ``(L, E)``."""
    if x.dim() == 2:
        return x.unsqueeze(0), True
    if x.dim() != 3:
        raise ValueError(f"expected a (L, E) or 3-d input; got shape {tuple(x.shape)}")
    return (x if batch_first else x.transpose(0, 1)), False


def from_batch_first(x: Tensor, batch_first: bool, unbatched: bool) -> Tensor:
    if unbatched:
        return x.squeeze(0)
    return x if batch_first else x.transpose(0, 1)


@dataclass
class Introspection:
    """What a layer saw in its last forward pass while recording was switched on.

    ``maps``: ``(H, N, N)`` row-stochastic attention over the layer's tokens (first
    batch element); ``ring``: ``(N,)`` ring index per token (0 = core);
    ``activity``: mean output norm per ring; ``tokens``: token labels.
    """

    maps: Tensor | None = None
    ring: Tensor | None = None
    activity: Tensor | None = None
    tokens: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)


class RecordingMixin(nn.Module):
    """``recording = True`` makes the layer keep its maps in ``self.introspection``."""

    recording: bool = False
    introspection: Introspection | None = None

    def _store(self, maps: Tensor, ring: Tensor, outputs: Tensor,
               tokens: list[str], **meta: Any) -> None:
        """Record maps ``(H, N, N)``, rings ``(N,)`` and per-ring activity of ``outputs`` (N, E)."""
        if not self.recording:
            return
        ring = ring.to(outputs.device)
        n_rings = int(ring.max().item()) + 1 if ring.numel() else 0
        norms = outputs.detach().float().norm(dim=-1)
        act = torch.zeros(n_rings, dtype=norms.dtype, device=norms.device)
        cnt = torch.zeros(n_rings, dtype=norms.dtype, device=norms.device)
        act.index_add_(0, ring, norms)
        cnt.index_add_(0, ring, torch.ones_like(norms))
        self.introspection = Introspection(
            maps=maps.detach().float().cpu(), ring=ring.detach().cpu(),
            activity=(act / cnt.clamp_min(1)).cpu(), tokens=list(tokens), meta=dict(meta))
