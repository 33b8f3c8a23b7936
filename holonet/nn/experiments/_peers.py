r"""Peer attention layers for the ListOps experiment, behind one encoder interface.

Every layer here maps ``(x, pad) -> y`` with ``x`` of shape ``(B, N, E)`` and
``pad`` ``(B, N)`` bool (``True`` = padding token, never attended to):

- :class:`FlexLocalAttention` -- ``torch.nn.attention.flex_attention`` with a
  sliding-window :class:`~torch.nn.attention.flex_attention.BlockMask`
  (``|i - j| < window``; key padding through a ``score_mod``), compiled once by
  ``torch.compile``. Same parameters as ``nn.MultiheadAttention``.
- :class:`HTransformerAttention` -- ``HAttention1D`` of the ``h-transformer-1d``
  package (lucidrains; the hierarchical attention of Zhu & Soricut 2021), used
  unchanged (its ``to_qkv`` has no bias: 3E fewer parameters than MHA), with the
  padded inputs zeroed first (its key-padding mask leaks padded values into real
  tokens next to the padding otherwise; see :class:`HTransformerAttention`).

**FlexAttention has no backward on CPU** (torch 2.13 raises ``NotImplementedError:
FlexAttention does not support backward on CPU``, eager and compiled; compiled
CPU flex is inference-only and refuses ``return_lse``). So
:class:`FlexLocalAttention` runs flex for the forward pass and supplies the exact
gradient of the same sliding-window softmax itself (:class:`_LocalWindowFn`):
FlashAttention's recomputation scheme over the 128-token blocks of the block
mask -- each query block against the key blocks within the window, scores
recomputed, ``dS = P * (dP - rowsum(dO * O))`` -- in ``O(N * window)`` memory,
optionally compiled too. The tests check it against autograd through a dense
masked softmax.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["FlexLocalAttention", "HTransformerAttention", "local_window_attention_dense"]

#: Query/key block size of the block mask and of the blocked backward pass.
BLOCK = 128


def local_window_attention_dense(q: Tensor, k: Tensor, v: Tensor, valid: Tensor,
                                 window: int) -> Tensor:
    """Reference: softmax over keys ``j`` with ``|i - j| < window`` and ``valid[b, j]``.

    ``(B, H, N, d)`` inputs, ``valid`` ``(B, N)`` bool; a query with no admissible
    key gets a zero output (flex_attention's convention). ``O(N^2)`` memory.
    """
    n = q.shape[-2]
    idx = torch.arange(n, device=q.device)
    allowed = ((idx[:, None] - idx[None, :]).abs() < window)[None, None] \
        & valid[:, None, None, :]
    s = (q @ k.transpose(-1, -2)) / math.sqrt(q.shape[-1])
    s = s.masked_fill(~allowed, float("-inf"))
    p = torch.softmax(s, dim=-1).nan_to_num(0.0)
    return p @ v


def _blocks(x: Tensor, nb: int) -> Tensor:
    """``(B, H, N, d)`` -> ``(B, H, nb, BLOCK, d)``, zero-padded at the end."""
    pad = nb * BLOCK - x.shape[-2]
    if pad:
        x = F.pad(x, (0, 0, 0, pad))
    return x.reshape(*x.shape[:2], nb, BLOCK, x.shape[-1])


def _shift(x: Tensor, offset: int, r: int) -> Tensor:
    """``y[:, :, t] = x[:, :, t + offset]`` along the block axis (2), zero outside."""
    if offset == 0:
        return x
    nb = x.shape[2]
    pad = [0, 0] * (x.dim() - 3) + [r, r]
    return F.pad(x, pad)[:, :, r + offset:r + offset + nb]


def _unshift_add(parts: list[Tensor], offsets: list[int], r: int) -> Tensor:
    """Inverse of :func:`_shift` summed over offsets: ``acc[t + o] += part_o[t]``."""
    nb = parts[0].shape[2]
    acc = parts[0].new_zeros(*parts[0].shape[:2], nb + 2 * r, *parts[0].shape[3:])
    for part, o in zip(parts, offsets):
        acc[:, :, r + o:r + o + nb] += part
    return acc[:, :, r:r + nb]


def _local_window_backward(q: Tensor, k: Tensor, v: Tensor, valid: Tensor, out: Tensor,
                           dout: Tensor, window: int) -> tuple[Tensor, Tensor, Tensor]:
    """Exact ``(dq, dk, dv)`` of the sliding-window softmax (recomputed block by block)."""
    bsz, heads, n, d = q.shape
    scale = 1.0 / math.sqrt(d)
    nb = -(-n // BLOCK)
    r = -(-(window - 1) // BLOCK)
    offsets = list(range(-r, r + 1))
    qb, kb, vb = _blocks(q, nb), _blocks(k, nb), _blocks(v, nb)
    ob, gb = _blocks(out, nb), _blocks(dout, nb)
    vpad = F.pad(valid, (0, nb * BLOCK - n)).reshape(bsz, 1, nb, 1, BLOCK)
    pos = torch.arange(nb * BLOCK, device=q.device).reshape(nb, BLOCK)
    k_cat = torch.cat([_shift(kb, o, r) for o in offsets], dim=3)
    v_cat = torch.cat([_shift(vb, o, r) for o in offsets], dim=3)
    allowed = []
    for o in offsets:  # key block t + o of query block t; outside the sequence: invalid
        diff = (pos[:, :, None] - (pos + o * BLOCK)[:, None, :]).abs()
        allowed.append((diff < window)[None, None] & _shift(vpad, o, r))
    mask = torch.cat(allowed, dim=-1)                       # (B, 1, nb, BLOCK, K)
    s = (qb @ k_cat.transpose(-1, -2)) * scale
    s = s.masked_fill(~mask, float("-inf"))
    lse = torch.logsumexp(s, dim=-1, keepdim=True)
    p = torch.exp(s - lse.masked_fill(~torch.isfinite(lse), 0.0))  # empty rows -> 0
    dp = gb @ v_cat.transpose(-1, -2)
    ds = p * (dp - (gb * ob).sum(-1, keepdim=True))
    dq = (ds @ k_cat) * scale
    dk_cat = (ds.transpose(-1, -2) @ qb) * scale
    dv_cat = p.transpose(-1, -2) @ gb
    dk = _unshift_add(list(dk_cat.split(BLOCK, dim=3)), offsets, r)
    dv = _unshift_add(list(dv_cat.split(BLOCK, dim=3)), offsets, r)

    def unblock(x: Tensor) -> Tensor:
        return x.reshape(bsz, heads, nb * BLOCK, d)[:, :, :n]

    return unblock(dq), unblock(dk), unblock(dv)


class _LocalWindowFn(torch.autograd.Function):
    """Forward by flex_attention (``forward_fn``), backward by the blocked recomputation."""

    @staticmethod
    def forward(ctx: Any, q: Tensor, k: Tensor, v: Tensor, valid: Tensor, window: int,
                forward_fn: Any, backward_fn: Any) -> Tensor:
        out = forward_fn(q.detach(), k.detach(), v.detach(), valid)
        ctx.save_for_backward(q, k, v, valid, out)
        ctx.window, ctx.backward_fn = window, backward_fn
        return out

    @staticmethod
    def backward(ctx: Any, dout: Tensor) -> tuple[Tensor | None, ...]:
        q, k, v, valid, out = ctx.saved_tensors
        dq, dk, dv = ctx.backward_fn(q, k, v, valid, out, dout.contiguous(), ctx.window)
        return dq, dk, dv, None, None, None, None


class FlexLocalAttention(nn.Module):
    """Multi-head sliding-window attention by ``flex_attention`` (``nn.MultiheadAttention``'s
    parameters: ``in_proj_weight``, ``in_proj_bias``, ``out_proj``).

    Parameters
    ----------
    embed_dim, num_heads
        As in :class:`torch.nn.MultiheadAttention`.
    seq_len
        The (fixed) sequence length; the block mask is built once for it.
    window
        A query ``i`` attends to keys ``j`` with ``|i - j| < window``.
    compile
        Compile flex_attention (and the blocked backward) with ``torch.compile``
        (the fast path; the first call compiles, about a minute here). ``False``
        runs flex's eager reference (slow; for tests).

    Examples
    --------
    >>> import torch
    >>> layer = FlexLocalAttention(8, 2, seq_len=16, window=4, compile=False)
    >>> x, pad = torch.randn(2, 16, 8), torch.zeros(2, 16, dtype=torch.bool)
    >>> tuple(layer(x, pad).shape)
    (2, 16, 8)
    """

    def __init__(self, embed_dim: int, num_heads: int, *, seq_len: int, window: int,
                 compile: bool = True) -> None:
        super().__init__()
        from torch.nn.attention.flex_attention import create_block_mask, flex_attention

        if embed_dim % num_heads:
            raise ValueError(f"embed_dim={embed_dim} is not divisible by num_heads={num_heads}")
        if window < 1:
            raise ValueError(f"window must be >= 1; got {window}")
        self.embed_dim, self.num_heads, self.seq_len = embed_dim, num_heads, seq_len
        self.window, self.compiled = int(window), bool(compile)
        self.in_proj_weight = nn.Parameter(torch.empty(3 * embed_dim, embed_dim))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * embed_dim))
        self.out_proj = nn.Linear(embed_dim, embed_dim)
        nn.init.xavier_uniform_(self.in_proj_weight)
        nn.init.zeros_(self.out_proj.bias)
        w = self.window

        def local(b: Tensor, h: Tensor, q_idx: Tensor, kv_idx: Tensor) -> Tensor:
            return (q_idx - kv_idx).abs() < w

        self.block_mask = create_block_mask(local, None, None, seq_len, seq_len, device="cpu",
                                            BLOCK_SIZE=BLOCK)
        flex = torch.compile(flex_attention, dynamic=False) if compile else flex_attention
        block_mask = self.block_mask

        def forward_fn(q: Tensor, k: Tensor, v: Tensor, valid: Tensor) -> Tensor:
            def padding(score: Tensor, b: Tensor, h: Tensor, q_idx: Tensor,
                        kv_idx: Tensor) -> Tensor:
                return torch.where(valid[b, kv_idx], score, float("-inf"))

            with warnings.catch_warnings():  # eager flex warns that it is unfused (tests)
                warnings.simplefilter("ignore", UserWarning)
                return flex(q, k, v, score_mod=padding, block_mask=block_mask)

        self._forward_fn = forward_fn
        self._backward_fn = (torch.compile(_local_window_backward, dynamic=False)
                             if compile else _local_window_backward)

    def forward(self, x: Tensor, pad: Tensor) -> Tensor:
        bsz, n, e = x.shape
        if n != self.seq_len:
            raise ValueError(f"FlexLocalAttention was built for seq_len={self.seq_len}; got {n}")
        q, k, v = F.linear(x, self.in_proj_weight, self.in_proj_bias).chunk(3, dim=-1)

        def heads(t: Tensor) -> Tensor:
            return t.reshape(bsz, n, self.num_heads, e // self.num_heads).transpose(1, 2)

        out = _LocalWindowFn.apply(heads(q).contiguous(), heads(k).contiguous(),
                                   heads(v).contiguous(), ~pad, self.window,
                                   self._forward_fn, self._backward_fn)
        return self.out_proj(out.transpose(1, 2).reshape(bsz, n, e))

    def extra_repr(self) -> str:
        return (f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, "
                f"seq_len={self.seq_len}, window={self.window}, compiled={self.compiled}")


class HTransformerAttention(nn.Module):
    """``h_transformer_1d``'s ``HAttention1D`` (bidirectional) behind ``(x, pad) -> y``.

    ``block_size`` is its ``Nr`` (the finest block); the sequence is padded to a
    power of two inside. Rotary embeddings are off: the encoder adds the same
    positional encoding for every attention variant.
    """

    def __init__(self, embed_dim: int, num_heads: int, *, block_size: int) -> None:
        super().__init__()
        from h_transformer_1d.h_transformer_1d import HAttention1D

        if embed_dim % num_heads:
            raise ValueError(f"embed_dim={embed_dim} is not divisible by num_heads={num_heads}")
        self.attn = HAttention1D(embed_dim, heads=num_heads, dim_head=embed_dim // num_heads,
                                 block_size=block_size)

    def forward(self, x: Tensor, pad: Tensor) -> Tensor:
        # h-transformer-1d 0.1.9 gives a query whose key block is entirely padding a
        # uniform weight over that block's (unmasked-by-value) padded values, so padded
        # content leaks into real tokens next to the padding. Zeroing the padded inputs
        # (its q/k/v projection has no bias) makes those values zero: no leak, only the
        # peer's own dilution of such rows remains.
        return self.attn(x.masked_fill(pad[..., None], 0.0), mask=~pad)
