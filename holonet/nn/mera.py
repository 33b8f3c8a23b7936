"""``MERAttention``: attention along the causal structure of a binary MERA.

A binary MERA coarse-grains a chain level by level: *disentanglers* act on
neighbouring pairs straddling the block boundaries, *isometries* map each pair
to one coarser site. The layer mirrors that structure (theory/nn.md):

- bottom-up, per level: a disentangler step (each site attends within the pair
  ``(2i+1, 2i+2)`` shifted by one, i.e. across the isometry blocks), then an
  isometry step (each pair ``(2i, 2i+1)`` is concatenated and mapped to one
  coarse site by a ``2E -> E`` map constrained to orthonormal rows, the
  trainable stand-in for ``w w^dagger = 1``);
- top-down: each token attends to its *past causal cone* -- at every level the
  coarse site above it and that site's two neighbours -- plus itself.

Cost ``O(N log N * E)`` per layer: ``3 log2 N + 1`` keys per token. The tree of
the coarse-graining is ``Tree.fixed_windows(n, [2] * levels)``.

Examples
--------
>>> import torch
>>> layer = MERAttention(8, num_heads=2, batch_first=True)
>>> out, w = layer(*(3 * [torch.randn(1, 6, 8)]))
>>> tuple(out.shape), tuple(w.shape)
((1, 6, 8), (1, 6, 6))
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor, nn
from torch.nn.utils.parametrizations import orthogonal

from holonet._options import check_int
from holonet.nn._common import (
    RecordingMixin,
    from_batch_first,
    key_padding_to_bool,
    masked_softmax,
    require_self_attention,
    to_batch_first,
)

__all__ = ["MERAttention"]


class MERAttention(RecordingMixin):
    """Multi-head attention over a binary MERA's causal cones.

    Parameters
    ----------
    embed_dim, num_heads, batch_first
        As in :class:`torch.nn.MultiheadAttention`.
    levels
        Number of coarse-graining levels (default: ``ceil(log2 N)`` at call time,
        capped by this value if given).
    disentangle
        ``False`` drops the disentangler steps (a tree, no MERA loops).
    isometric
        Constrain the coarse-graining maps to orthonormal rows.
    """

    def __init__(self, embed_dim: int, num_heads: int = 1, *, levels: int = 8,
                 disentangle: bool = True, isometric: bool = True, batch_first: bool = False,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        check_int("embed_dim", embed_dim, minimum=1)
        check_int("num_heads", num_heads, minimum=1)
        if embed_dim % num_heads:
            raise ValueError(f"embed_dim {embed_dim} must be divisible by num_heads {num_heads}")
        self.levels = check_int("levels", levels, minimum=1)
        self.embed_dim, self.num_heads, self.batch_first = embed_dim, num_heads, batch_first
        self.head_dim = embed_dim // num_heads
        self.disentangle = disentangle
        self.q = nn.Linear(embed_dim, embed_dim, **factory)
        self.k = nn.Linear(embed_dim, embed_dim, **factory)
        self.v = nn.Linear(embed_dim, embed_dim, **factory)
        self.out_proj = nn.Linear(embed_dim, embed_dim, **factory)
        self.dis = nn.ModuleList([nn.Linear(2 * embed_dim, 2 * embed_dim, bias=False, **factory)
                                  for _ in range(self.levels)]) if disentangle else None
        self.iso = nn.ModuleList([nn.Linear(2 * embed_dim, embed_dim, bias=False, **factory)
                                  for _ in range(self.levels)])
        for lin in [*self.iso, *(self.dis or [])]:
            if isometric:
                orthogonal(lin)
            elif lin.in_features == lin.out_features:
                nn.init.eye_(lin.weight)

    def coarse_grain(self, x: Tensor, valid: Tensor) -> tuple[list[Tensor], list[Tensor]]:
        """Sites per level ``[(B, n_l, E)]`` (level 0 = the tokens) and their validity."""
        sites, masks = [x], [valid]
        h, m = x, valid
        for lvl in range(self.levels):
            n = h.shape[1]
            if n == 1:
                break
            if n % 2:  # pad with an invalid zero site
                h = torch.cat([h, torch.zeros_like(h[:, :1])], dim=1)
                m = torch.cat([m, torch.zeros_like(m[:, :1])], dim=1)
                n += 1
            if self.dis is not None and n > 2:
                # disentangler on the pairs (2i+1, 2i+2), across isometry blocks
                mid = h[:, 1:-1].reshape(h.shape[0], (n - 2) // 2, 2 * self.embed_dim)
                mid = self.dis[lvl](mid).reshape(h.shape[0], n - 2, self.embed_dim)
                mm = m[:, 1:-1]
                mid = torch.where(mm[..., None], mid, h[:, 1:-1])
                h = torch.cat([h[:, :1], mid, h[:, -1:]], dim=1)
            pairs = h * m[..., None].to(h.dtype)
            h = self.iso[lvl](pairs.reshape(h.shape[0], n // 2, 2 * self.embed_dim))
            m = m.view(m.shape[0], n // 2, 2).any(-1)
            sites.append(h)
            masks.append(m)
        return sites, masks

    def forward(self, query: Tensor, key: Tensor | None = None, value: Tensor | None = None,
                key_padding_mask: Tensor | None = None, need_weights: bool = True,
                average_attn_weights: bool = True, **unused: Any) -> tuple[Tensor, Tensor | None]:
        """Self-attention of each token over its causal cone (key/value must be query)."""
        require_self_attention("MERAttention", query, key, value)
        x, unbatched = to_batch_first(query, self.batch_first)
        b, n, e = x.shape
        ignore = key_padding_to_bool(key_padding_mask, x)
        if ignore is not None and unbatched:
            ignore = ignore.unsqueeze(0)
        valid = (torch.ones(b, n, dtype=torch.bool, device=x.device) if ignore is None
                 else ~ignore)
        sites, masks = self.coarse_grain(x, valid)
        idx = torch.arange(n, device=x.device)
        keys, oks = [x], [valid]
        for lvl in range(1, len(sites)):
            anc = idx >> lvl
            for off in (-1, 0, 1):
                j = anc + off
                inside = (j >= 0) & (j < sites[lvl].shape[1])
                jc = j.clamp(0, sites[lvl].shape[1] - 1)
                keys.append(sites[lvl][:, jc])
                oks.append(masks[lvl][:, jc] & inside[None, :])
        kv = torch.stack(keys, dim=2)                              # (B, N, C, E)
        ok = torch.stack(oks, dim=2)                               # (B, N, C)
        hd, H = self.head_dim, self.num_heads
        q = self.q(x).view(b, n, H, 1, hd)
        k = self.k(kv).view(b, n, -1, H, hd).transpose(2, 3)       # (B, N, H, C, hd)
        v = self.v(kv).view(b, n, -1, H, hd).transpose(2, 3)
        logits = (q * k).sum(-1) / math.sqrt(hd)                   # (B, N, H, C)
        att = masked_softmax(logits, ok[:, :, None, :].expand_as(logits), dim=-1)
        out = (att[..., None] * v).sum(-2).reshape(b, n, e)
        out = self.out_proj(out)
        weights = None
        if need_weights or self.recording:
            weights = self._token_map(att, valid)
        if self.recording and weights is not None:
            self._store(weights[0], torch.zeros(n, dtype=torch.long), out[0],
                        [f"t{i}" for i in range(n)], layer="MERAttention")
        out = from_batch_first(out, self.batch_first, unbatched)
        if not need_weights or weights is None:
            return out, None
        w = weights.mean(dim=1) if average_attn_weights else weights
        return out, (w.squeeze(0) if unbatched else w)

    def _token_map(self, att: Tensor, valid: Tensor) -> Tensor:
        """Spread each coarse site's weight evenly over the valid tokens under it:
        ``(B, H, N, N)`` (the matrix of the layer's weights on the tokens)."""
        b, n, H, _ = att.shape
        idx = torch.arange(n, device=att.device)
        M = torch.zeros(b, H, n, n, dtype=att.dtype, device=att.device)
        M[:, :, idx, idx] += att[..., 0].transpose(1, 2)
        c = 1
        for lvl in range(1, self.levels + 1):
            if c >= att.shape[-1]:
                break
            anc = idx >> lvl
            for off in (-1, 0, 1):
                j = anc + off
                under = ((idx[None, :] >> lvl) == j[:, None])[None] & valid[:, None, :]
                cnt = under.sum(-1, keepdim=True).clamp_min(1)
                share = under.to(att.dtype) / cnt                       # (B, N, N)
                M = M + att[..., c].transpose(1, 2)[..., None] * share[:, None]
                c += 1
        return M
