"""Shared pieces of the holonet.nn layers: the ``nn.MultiheadAttention`` drop-in contract,
masking, layout and introspection state.

The drop-in contract (theory/nn.md, "Drop-in contract") that every attention layer of
:mod:`holonet.nn` follows:

* the constructor takes ``nn.MultiheadAttention``'s arguments in its order
  (``embed_dim, num_heads, dropout, bias, add_bias_kv, add_zero_attn, kdim, vdim,
  batch_first, device, dtype``); an argument a layer cannot honour raises a
  ``ValueError`` naming it (:func:`refuse_unsupported`), never silently ignored;
* ``forward(query, key, value, key_padding_mask=None, need_weights=False,
  attn_mask=None, average_attn_weights=True, is_causal=False)``: the same arguments,
  except that ``need_weights`` defaults to ``False`` -- a plain ``layer(x, x, x)`` never
  materialises an ``N x N`` matrix (``nn.TransformerEncoderLayer`` passes
  ``need_weights=False`` too); ``need_weights=True`` materialises it and refuses above
  :attr:`DropInAttention.dense_limit` elements;
* the attributes the torch transformer layers read (``batch_first``,
  ``_qkv_same_embed_dim``, ``in_proj_weight``, ``in_proj_bias``, ``out_proj``,
  ``embed_dim``, ``num_heads``). ``_qkv_same_embed_dim`` is ``False`` on purpose:
  it makes ``nn.TransformerEncoderLayer``'s fused inference fast path (which would
  compute *softmax* attention from ``in_proj_weight``) and ``nn.TransformerEncoder``'s
  nested-tensor path decline, so the layer's own attention always runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn

NEG_INF = float("-inf")

#: ``nn.MultiheadAttention``'s constructor arguments after ``embed_dim, num_heads``.
MHA_ARGS = ("dropout", "bias", "add_bias_kv", "add_zero_attn", "kdim", "vdim",
            "batch_first", "device", "dtype")


def check_heads(embed_dim: int, num_heads: int) -> int:
    """Validate ``embed_dim``/``num_heads`` as ``nn.MultiheadAttention`` does; returns head dim.

    Examples
    --------
    >>> check_heads(8, 2)
    4
    >>> check_heads(8, 3)
    Traceback (most recent call last):
    ...
    ValueError: embed_dim 8 must be divisible by num_heads 3
    """
    from holonet._options import check_int

    check_int("embed_dim", embed_dim, minimum=1)
    check_int("num_heads", num_heads, minimum=1)
    if embed_dim % num_heads:
        raise ValueError(f"embed_dim {embed_dim} must be divisible by num_heads {num_heads}")
    return embed_dim // num_heads


def check_dropout(dropout: Any) -> float:
    """``dropout`` as a float in ``[0, 1)`` (``nn.MultiheadAttention``'s attention dropout)."""
    if isinstance(dropout, bool) or not isinstance(dropout, int | float):
        raise TypeError(f"dropout must be a float in [0, 1); got {type(dropout).__name__} "
                        f"{dropout!r}")
    if not 0.0 <= float(dropout) < 1.0:
        raise ValueError(f"dropout must be in [0, 1); got {dropout}")
    return float(dropout)


def refuse_unsupported(layer: str, embed_dim: int, *, add_bias_kv: bool = False,
                       add_zero_attn: bool = False, kdim: int | None = None,
                       vdim: int | None = None, why: dict[str, str] | None = None) -> None:
    """Raise a ``ValueError`` naming the first ``nn.MultiheadAttention`` constructor argument
    that ``layer`` cannot honour (``why`` maps an argument to the reason).

    ``kdim``/``vdim`` equal to ``embed_dim`` (or ``None``) are always fine.
    """
    why = why or {}
    for name, val, bad in (("add_bias_kv", add_bias_kv, bool(add_bias_kv)),
                           ("add_zero_attn", add_zero_attn, bool(add_zero_attn)),
                           ("kdim", kdim, kdim is not None and kdim != embed_dim),
                           ("vdim", vdim, vdim is not None and vdim != embed_dim)):
        if bad:
            reason = why.get(name, "not supported")
            raise ValueError(f"{layer}: {name}={val!r} is not supported ({reason})")


def check_tensor(name: str, x: Any, *, dims: tuple[int, ...] = (2, 3)) -> Tensor:
    """``x`` if it is a floating-point ``torch.Tensor`` with one of ``dims`` dimensions."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor; got {type(x).__name__} (convert "
                        "with torch.as_tensor)")
    if x.dim() not in dims:
        want = " or ".join(f"{d}-d" for d in dims)
        raise ValueError(f"{name} must be {want}; got shape {tuple(x.shape)}")
    if not torch.is_floating_point(x):
        raise TypeError(f"{name} must be a floating-point tensor; got dtype {x.dtype}")
    return x


def check_like(name: str, x: Tensor, ref_name: str, ref: Tensor) -> None:
    """``x`` must share ``ref``'s dtype and device (no silent promotion)."""
    if x.dtype != ref.dtype:
        raise TypeError(f"{name} has dtype {x.dtype} but {ref_name} has {ref.dtype}; "
                        "convert them to one dtype")
    if x.device != ref.device:
        raise ValueError(f"{name} is on device {x.device} but {ref_name} is on {ref.device}")


def check_module_input(layer: nn.Module, name: str, x: Tensor) -> None:
    """``x`` must have the dtype and device of ``layer``'s parameters (autocast aside)."""
    p = next(iter(layer.parameters()), None)
    if p is None:
        return
    if x.device != p.device:
        raise ValueError(f"{name} is on device {x.device} but the layer's parameters are on "
                         f"{p.device}; move one of them (layer.to(...))")
    if x.dtype != p.dtype and not torch.is_autocast_enabled(x.device.type):
        raise TypeError(f"{name} has dtype {x.dtype} but the layer's parameters are "
                        f"{p.dtype}; convert one of them (layer.to({x.dtype}) or "
                        "x.to(...)), or run under torch.autocast")


def masked_softmax(logits: Tensor, allowed: Tensor | None, dim: int = -1) -> Tensor:
    """Softmax over ``dim`` restricted to ``allowed`` entries; all-masked slices give zeros.

    A query whose every key is masked (e.g. all its boundary tokens erased) gets an
    all-zero row instead of NaNs, so the residual update is simply skipped.

    Examples
    --------
    >>> import torch
    >>> logits = torch.zeros(2, 3)
    >>> allowed = torch.tensor([[True, False, True], [False, False, False]])
    >>> masked_softmax(logits, allowed).tolist()
    [[0.5, 0.0, 0.5], [0.0, 0.0, 0.0]]
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
        if t is not None and not isinstance(t, Tensor):
            raise TypeError(f"{name} must be a torch.Tensor or None; got {type(t).__name__}")
        if not same_tensor(t, query):
            raise ValueError(f"{layer} is self-attention: {name} must be the query tensor "
                             "(or None)")


def key_padding_to_bool(mask: Any, like: Tensor) -> Tensor | None:
    """``nn.MultiheadAttention`` key padding mask -> bool mask (True = ignore this key).

    Float masks follow torch's additive convention: ``-inf`` entries are ignored,
    any other value must be 0 (additive biases have no meaning in a block-tied row).
    """
    if mask is None:
        return None
    if not isinstance(mask, Tensor):
        raise TypeError(f"key_padding_mask must be a torch.Tensor or None; got "
                        f"{type(mask).__name__}")
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


def causal_bool_mask(n: int, s: int, device: Any = None) -> Tensor:
    """``(n, s)`` bool, ``True`` where query ``i`` may **not** see key ``j`` (``j > i``)."""
    return torch.ones(n, s, dtype=torch.bool, device=device).triu(1)


def is_causal_mask(mask: Tensor) -> bool:
    """Whether ``mask`` (``(L, S)`` or ``(*, L, S)``; bool: True = masked, or float: additive)
    is exactly the causal mask (``nn.Transformer.generate_square_subsequent_mask``)."""
    if mask.dim() < 2 or mask.shape[-1] != mask.shape[-2]:
        return False
    ref = causal_bool_mask(mask.shape[-1], mask.shape[-1], mask.device)
    if mask.dtype == torch.bool:
        return bool((mask == ref).all())
    if not torch.is_floating_point(mask):
        return False
    return bool((torch.isneginf(mask) == ref).all() and (mask[..., ~ref] == 0).all())


@dataclass
class Call:
    """One normalised ``forward`` call: batch-first inputs and canonical masks.

    ``ignore``: ``(B, S)`` bool (True = padded key); ``causal``: the causal mode;
    ``attn_mask``: a non-causal mask kept for layers that apply arbitrary masks,
    as a bool ``(B or 1, H or 1, L, S)`` tensor, True = not allowed (``None`` otherwise).
    """

    query: Tensor
    key: Tensor
    value: Tensor
    unbatched: bool
    ignore: Tensor | None
    causal: bool
    attn_mask: Tensor | None
    need_weights: bool
    average_attn_weights: bool


class DropInAttention(nn.Module):
    """Base of the holonet attention layers: the ``nn.MultiheadAttention`` drop-in contract.

    Subclasses set ``supports_causal`` and ``supports_attn_mask`` and implement
    :meth:`_forward` on a normalised :class:`Call`.
    """

    #: Keeps torch's fused softmax fast paths (``nn.TransformerEncoderLayer`` in
    #: inference, ``nn.TransformerEncoder``'s nested tensors) from replacing this layer.
    _qkv_same_embed_dim: bool = False
    #: Largest number of attention-matrix elements ``need_weights=True`` (or exact
    #: attention dropout) may materialise; raise it on the instance to allow more.
    dense_limit: int = 1 << 26
    #: Whether ``is_causal=True`` / a causal ``attn_mask`` is implemented.
    supports_causal: bool = False
    #: Whether arbitrary (non-causal) ``attn_mask`` tensors are implemented.
    supports_attn_mask: bool = False
    #: Whether key/value may differ from the query (cross-attention of equal length).
    supports_distinct_kv: bool = False

    embed_dim: int
    num_heads: int
    batch_first: bool

    def _prepare(self, query: Any, key: Any, value: Any, key_padding_mask: Any,
                 need_weights: bool, attn_mask: Any, average_attn_weights: bool,
                 is_causal: bool) -> Call:
        name = type(self).__name__
        query = check_tensor("query", query)
        if self.supports_distinct_kv:
            key = query if key is None else check_tensor("key", key)
            value = query if value is None else check_tensor("value", value)
        else:
            require_self_attention(name, query, key, value)
            key = value = query
        for nm, t in (("key", key), ("value", value)):
            if t.dim() != query.dim():
                raise ValueError(f"{nm} must have as many dimensions as query; got shapes "
                                 f"{tuple(t.shape)} and {tuple(query.shape)}")
            if t is not query:
                check_like(nm, t, "query", query)
        check_module_input(self, "query", query)
        q, unbatched = to_batch_first(query, self.batch_first)
        k = q if key is query else to_batch_first(key, self.batch_first)[0]
        v = q if value is query else to_batch_first(value, self.batch_first)[0]
        bsz, n, e = q.shape
        if e != self.embed_dim:
            raise ValueError(f"query has embedding size {e}; expected embed_dim "
                             f"{self.embed_dim}")
        if k.shape[:2] != v.shape[:2] or k.shape[0] != bsz:
            raise ValueError(f"key and value must share (batch, length) with query's batch; "
                             f"got {tuple(key.shape)} and {tuple(value.shape)}")
        s = k.shape[1]
        ignore = key_padding_to_bool(key_padding_mask, q)
        if ignore is not None:
            if unbatched:
                ignore = ignore.unsqueeze(0)
            if tuple(ignore.shape) != (bsz, s):
                raise ValueError(f"key_padding_mask must have shape {(bsz, s)}"
                                 f"{' (or (S,) unbatched)' if unbatched else ''}; got "
                                 f"{tuple(key_padding_mask.shape)}")
        if not isinstance(is_causal, bool):
            raise TypeError(f"is_causal must be a bool; got {type(is_causal).__name__}")
        causal, mask = self._causal_and_mask(attn_mask, is_causal, bsz, n, s, q)
        return Call(q, k, v, unbatched, ignore, causal, mask, bool(need_weights),
                    bool(average_attn_weights))

    def _causal_and_mask(self, attn_mask: Any, is_causal: bool, bsz: int, n: int, s: int,
                         like: Tensor) -> tuple[bool, Tensor | None]:
        name = type(self).__name__
        if attn_mask is not None and not isinstance(attn_mask, Tensor):
            raise TypeError(f"attn_mask must be a torch.Tensor or None; got "
                            f"{type(attn_mask).__name__}")
        if is_causal or (attn_mask is not None and is_causal_mask(attn_mask)):
            if is_causal and attn_mask is not None and not is_causal_mask(attn_mask):
                raise ValueError("is_causal=True but attn_mask is not the causal mask "
                                 "(torch treats is_causal as a hint that attn_mask is causal)")
            if n != s:
                raise ValueError(f"is_causal needs as many keys as queries; got L={n}, S={s}")
            if not self.supports_causal:
                raise ValueError(f"{name}: is_causal / a causal attn_mask is not supported "
                                 f"({self._no_causal_reason()})")
            return True, None
        if attn_mask is None:
            return False, None
        if not self.supports_attn_mask:
            raise ValueError(f"{name}: attn_mask is not supported except the causal mask "
                             f"(pass is_causal=True); {self._no_mask_reason()}")
        return False, self._canonical_attn_mask(attn_mask, bsz, n, s, like)

    def _canonical_attn_mask(self, mask: Tensor, bsz: int, n: int, s: int,
                             like: Tensor) -> Tensor:
        """``(L, S)`` or ``(B*H, L, S)`` bool/float mask -> bool ``(B|1, H|1, L, S)``, True =
        masked. Float masks must be additive ``0`` / ``-inf`` (no biases)."""
        h = self.num_heads
        if mask.dtype != torch.bool:
            if not torch.is_floating_point(mask):
                raise TypeError(f"attn_mask must be bool or float; got {mask.dtype}")
            finite = torch.isfinite(mask)
            if bool((mask[finite] != 0).any()):
                raise ValueError("float attn_mask may only contain 0 and -inf (additive "
                                 "biases are not supported)")
            mask = torch.isneginf(mask)
        mask = mask.to(like.device)
        if mask.dim() == 2:
            if tuple(mask.shape) != (n, s):
                raise ValueError(f"2-d attn_mask must have shape {(n, s)}; got "
                                 f"{tuple(mask.shape)}")
            return mask[None, None]
        if mask.dim() == 3:
            if tuple(mask.shape) != (bsz * h, n, s):
                raise ValueError(f"3-d attn_mask must have shape {(bsz * h, n, s)}; got "
                                 f"{tuple(mask.shape)}")
            return mask.view(bsz, h, n, s)
        raise ValueError(f"attn_mask must be 2-d or 3-d; got shape {tuple(mask.shape)}")

    def _no_causal_reason(self) -> str:
        return "no causal mode"

    def _no_mask_reason(self) -> str:
        return "its attention pattern is structured, not an arbitrary mask"

    def _check_dense(self, what: str, elements: int) -> None:
        if elements > self.dense_limit:
            raise ValueError(f"{what} materialises {elements:,} attention-matrix elements > "
                             f"dense_limit {self.dense_limit:,}; pass need_weights=False "
                             "(and dropout=0), or raise layer.dense_limit to allow it")

    def _finish(self, call: Call, out: Tensor, weights: Tensor | None
                ) -> tuple[Tensor, Tensor | None]:
        """Back to the caller's layout; weights averaged over heads if asked."""
        out = from_batch_first(out, self.batch_first, call.unbatched)
        if not call.need_weights or weights is None:
            return out, None
        w = weights.mean(dim=1) if call.average_attn_weights else weights
        return out, (w.squeeze(0) if call.unbatched else w)


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
