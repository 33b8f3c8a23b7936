"""Holographic (nested-ring) attention: boundary tokens, rings of bulk latents, a core.

The layer is the trainable relaxation of a holographic code network
(theory/nn.md): the tiles of a hyperbolic tiling, layer by layer, become rings
of latent tokens (ring 0 = the core, one latent per tile = one bulk leg), the
input sequence is the boundary, and the attention pattern between consecutive
rings is the tiling's bond graph (a latent reads only the tiles of the next ring
it shares an edge with, and the outermost tiles read the boundary legs they
own). One forward pass is

1. *upward* (boundary -> core, the decoder direction): each ring, outermost
   first, cross-attends to the ring outside it through the bond mask, with a few
   iterations of capsule-like routing by agreement;
2. the core (plus recurrent memory tokens) self-attends;
3. *downward* (core -> boundary, the encoder direction), if ``bidirectional``:
   each ring reads the ring inside it, and every boundary token integrates a
   local window along the boundary ring plus the global core tokens
   (Longformer-style sparse pattern) and its parent tiles;
4. gain modulation: the core sets a multiplicative gain on the boundary update
   (per feature and per token: biased competition).

The value and output projections of every ring encoder are constrained
orthogonal (``torch.nn.utils.parametrizations.orthogonal``), the trainable
stand-in for the code's isometric perfect-tensor encoders. Each part has a flag,
so every ablation is one argument.

Examples
--------
>>> import torch
>>> layer = HolographicAttention(8, num_heads=2, ring_sizes=(1, 4))
>>> x = torch.randn(2, 12, 8)
>>> out, _ = layer(x, x, x)
>>> tuple(out.shape), tuple(layer.last_core.shape)
((2, 12, 8), (2, 1, 8))
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor, nn
from torch.nn.utils.parametrizations import orthogonal

from holonet._options import check_int
from holonet.nn._common import (
    RecordingMixin,
    check_heads,
    key_padding_to_bool,
    masked_softmax,
    require_self_attention,
)

__all__ = ["HolographicAttention"]


def _sector_adjacency(m_in: int, m_out: int, overlap: float) -> Tensor:
    """Bool ``(m_in, m_out)``: inner item i reaches outer item j if their angular sectors
    (item i of m covers ``[i/m, (i+1)/m)`` of the circle, widened by ``overlap`` of its
    width on each side) intersect. Used when no tiling gives the bonds."""
    def sectors(m: int, widen: float) -> tuple[Tensor, Tensor]:
        i = torch.arange(m, dtype=torch.float64)
        return (i - widen) / m, (i + 1 + widen) / m

    a0, a1 = sectors(m_in, overlap)
    b0, b1 = sectors(m_out, 0.0)
    out = torch.zeros(m_in, m_out, dtype=torch.bool)
    for shift in (-1.0, 0.0, 1.0):  # the circle wraps around
        out |= (a0[:, None] < b1[None, :] + shift) & (b0[None, :] + shift < a1[:, None])
    return out


def _ensure_rows_and_cols(adj: Tensor) -> Tensor:
    """Every inner item reads at least one outer item and every outer item has a reader."""
    adj = adj.clone()
    m_in, m_out = adj.shape
    for i in range(m_in):
        if not adj[i].any():
            adj[i, min(m_out - 1, int((i + 0.5) * m_out / m_in))] = True
    for j in range(m_out):
        if not adj[:, j].any():
            adj[min(m_in - 1, int((j + 0.5) * m_in / m_out)), j] = True
    return adj


class _RingAttention(nn.Module):
    """Multi-head cross-attention ``queries <- keys`` through a bool mask.

    Value and output maps are square and, if ``isometric``, orthogonal (V^T V = 1).
    With ``routing_iters > 0`` the weights are refined by routing by agreement:
    each key (child) distributes its vote over the queries (parents) that may read
    it (softmax over parents), parents renormalise, and the agreement between a
    parent's output and a child's value raises that child's logit.
    """

    def __init__(self, d: int, heads: int, isometric: bool, routing_iters: int = 0,
                 **factory: Any) -> None:
        super().__init__()
        self.h, self.dh = heads, d // heads
        self.norm_q = nn.LayerNorm(d, **factory)
        self.norm_k = nn.LayerNorm(d, **factory)
        self.q = nn.Linear(d, d, **factory)
        self.k = nn.Linear(d, d, **factory)
        self.v = nn.Linear(d, d, bias=False, **factory)
        self.o = nn.Linear(d, d, bias=False, **factory)
        self.routing_iters = routing_iters
        if isometric:
            orthogonal(self.v)
            orthogonal(self.o)

    def _split(self, x: Tensor) -> Tensor:
        b, n, _ = x.shape
        return x.view(b, n, self.h, self.dh).transpose(1, 2)

    def forward(self, xq: Tensor, xk: Tensor, allowed: Tensor | None,
                key_ignore: Tensor | None) -> tuple[Tensor, Tensor]:
        q = self._split(self.q(self.norm_q(xq)))
        kn = self.norm_k(xk)
        k, v = self._split(self.k(kn)), self._split(self.v(kn))
        logits = q @ k.transpose(-1, -2) / math.sqrt(self.dh)
        ok: Tensor | None = None
        if allowed is not None:
            ok = allowed[None, None]
        if key_ignore is not None:
            keep = ~key_ignore[:, None, None, :]
            ok = keep if ok is None else ok & keep
        if ok is not None:
            ok = ok.expand_as(logits)
        attn = masked_softmax(logits, ok, dim=-1)
        for _ in range(self.routing_iters):
            votes = masked_softmax(logits, ok, dim=-2)            # children choose parents
            attn = votes / votes.sum(-1, keepdim=True).clamp_min(1e-12)
            s = attn @ v                                           # parent outputs
            logits = logits + s @ v.transpose(-1, -2) / math.sqrt(self.dh)  # agreement
            attn = masked_softmax(logits, ok, dim=-1)
        out = (attn @ v).transpose(1, 2).reshape(xq.shape)
        return self.o(out), attn


class HolographicAttention(RecordingMixin):
    """Nested-ring attention derived from a holographic code network.

    Parameters
    ----------
    embed_dim, num_heads
        Token width and number of heads (``embed_dim % num_heads == 0``).
    ring_sizes
        Number of bulk latents per ring, core first (a tiling's ``layer_sizes``:
        one latent per tile).
    ring_adjacency
        Optional bond masks: ``ring_adjacency[r]`` is a bool ``(m_r, m_{r+1})`` matrix
        for consecutive rings and the last entry ``(m_{R-1}, n_legs)`` says which
        boundary legs each outer tile owns. Default: overlapping angular sectors.
    window
        Half-width of the local window along the boundary ring (``sparse=True``).
    bidirectional, isometric, gating, sparse, rings
        Switch off the core -> boundary pass, the orthogonality constraint, the gain
        modulation, the local+global sparsity (dense boundary attention instead),
        or the intermediate rings (core reads the boundary directly).
    n_memory
        Recurrent memory tokens appended to the core and carried across segments
        (:meth:`forward_segments`); 0 switches memory off.
    routing_iters
        Iterations of routing by agreement in the upward pass; 0 switches it off.
    batch_first
        As in ``nn.MultiheadAttention`` (default ``True`` here).

    Attributes
    ----------
    last_core
        ``(B, m_0, E)`` core latents of the last forward pass.
    last_memory
        ``(B, n_memory, E)`` memory after the last forward pass (``None`` without memory).

    Examples
    --------
    >>> import torch
    >>> _ = torch.manual_seed(0)
    >>> layer = HolographicAttention(8, num_heads=2, ring_sizes=(1, 3))
    >>> x = torch.randn(1, 6, 8)
    >>> out, w = layer(x, need_weights=True)
    >>> tuple(out.shape), tuple(w.shape)     # keys: 6 boundary + 1 core + 3 ring latents
    ((1, 6, 8), (1, 6, 10))
    >>> pad = torch.tensor([[False] * 5 + [True]])   # erase the last boundary token
    >>> tuple(layer(x, key_padding_mask=pad)[0].shape)
    (1, 6, 8)
    """

    def __init__(self, embed_dim: int, num_heads: int = 1,
                 ring_sizes: Sequence[int] = (1, 5), *,
                 ring_adjacency: Sequence[Tensor] | None = None,
                 window: int = 2, overlap: float = 0.5, bidirectional: bool = True,
                 isometric: bool = True, gating: bool = True, sparse: bool = True,
                 rings: bool = True, n_memory: int = 0, routing_iters: int = 2,
                 batch_first: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        check_heads(embed_dim, num_heads)
        sizes = [check_int("ring size", m, minimum=1) for m in ring_sizes]
        if not sizes:
            raise ValueError("ring_sizes must list at least the core ring")
        self.window = check_int("window", window, minimum=0)
        self.n_memory = check_int("n_memory", n_memory, minimum=0)
        check_int("routing_iters", routing_iters, minimum=0)
        self.embed_dim, self.num_heads, self.batch_first = embed_dim, num_heads, batch_first
        self.flags = {"bidirectional": bidirectional, "isometric": isometric,
                      "gating": gating, "sparse": sparse, "rings": rings,
                      "memory": n_memory > 0, "routing": routing_iters > 0}
        adj: list[Tensor] | None = None
        if ring_adjacency is not None:
            adj = [torch.as_tensor(a, dtype=torch.bool) for a in ring_adjacency]
            if len(adj) != len(sizes):
                raise ValueError(f"ring_adjacency needs {len(sizes)} masks (one per ring, "
                                 f"the last to the boundary legs); got {len(adj)}")
        if not rings:  # ablation: the core reads the boundary directly
            sizes, adj = sizes[:1], None
        self.ring_sizes = sizes
        self.n_legs: int | None = None
        masks: list[Tensor] = []
        for r in range(len(sizes) - 1):
            a = adj[r] if adj is not None else _sector_adjacency(sizes[r], sizes[r + 1], overlap)
            if tuple(a.shape) != (sizes[r], sizes[r + 1]):
                raise ValueError(f"ring_adjacency[{r}] must have shape "
                                 f"{(sizes[r], sizes[r + 1])}; got {tuple(a.shape)}")
            masks.append(_ensure_rows_and_cols(a))
        self._overlap = overlap
        self._leg_adj: Tensor | None = None
        if adj is not None:
            self._leg_adj = _ensure_rows_and_cols(adj[-1])
            self.n_legs = int(adj[-1].shape[1])
        for r, m in enumerate(masks):
            self.register_buffer(f"adj{r}", m, persistent=False)
        self.latents = nn.ParameterList(
            [nn.Parameter(0.02 * torch.randn(m, embed_dim, **factory)) for m in sizes])
        self.memory_init = (nn.Parameter(0.02 * torch.randn(n_memory, embed_dim, **factory))
                            if n_memory else None)
        it = routing_iters
        self.up = nn.ModuleList([_RingAttention(embed_dim, num_heads, isometric, it, **factory)
                                 for _ in sizes])
        self.core_self = _RingAttention(embed_dim, num_heads, isometric, 0, **factory)
        self.core_mlp = nn.Sequential(nn.LayerNorm(embed_dim, **factory),
                                      nn.Linear(embed_dim, 2 * embed_dim, **factory), nn.GELU(),
                                      nn.Linear(2 * embed_dim, embed_dim, **factory))
        self.down = nn.ModuleList([_RingAttention(embed_dim, num_heads, isometric, 0, **factory)
                                   for _ in sizes[1:]]) if bidirectional else nn.ModuleList()
        self.boundary = _RingAttention(embed_dim, num_heads, isometric, 0, **factory)
        if gating:
            self.gain_feature = nn.Linear(embed_dim, embed_dim, **factory)
            self.gain_token = nn.Linear(embed_dim, embed_dim, bias=False, **factory)
            nn.init.zeros_(self.gain_feature.weight)
            nn.init.zeros_(self.gain_feature.bias)
            nn.init.zeros_(self.gain_token.weight)
        self.last_core: Tensor | None = None
        self.last_memory: Tensor | None = None
        self._cache: dict[tuple[int, str], Tensor] = {}
        #: tiles of each ring in latent order (set by :meth:`from_tiling`)
        self.tile_order: list[list[int]] | None = None
        #: the code network this layer was derived from (:meth:`from_code`)
        self.code: Any = None
        self._decoders: dict[tuple[Any, ...], Any] = {}
        self._full_decoder: Any = None

    # ------------------------------------------------------------------ geometry
    @classmethod
    def from_tiling(cls, tiling: Any, embed_dim: int, num_heads: int = 1,
                    **kwargs: Any) -> HolographicAttention:
        """Rings = the tiling's layers (one latent per tile), bonds = its shared edges.

        Tiles of each layer are ordered by the angle of their centre; the boundary
        adjacency says which boundary legs (``tiling.boundary_edges``, CCW) each
        outermost tile owns (legs on inner tiles go to the nearest outer tile).
        """
        import cmath

        layers = int(tiling.layers)
        by_layer: list[list[int]] = [[] for _ in range(layers)]
        for t in tiling.tiles:
            by_layer[t.layer - 1].append(t.index)
        for tiles in by_layer:
            tiles.sort(key=lambda i: cmath.phase(complex(tiling.tiles[i].center)) % (2 * math.pi))
        pos = {tile: (r, j) for r, tiles in enumerate(by_layer) for j, tile in enumerate(tiles)}
        sizes = [len(t) for t in by_layer]
        adj = [torch.zeros(sizes[r], sizes[r + 1], dtype=torch.bool) for r in range(layers - 1)]
        for t in tiling.tiles:
            r, j = pos[t.index]
            for nb in t.neighbors:
                if nb is None:
                    continue
                r2, j2 = pos[nb]
                if r2 == r + 1:
                    adj[r][j, j2] = True
        legs = list(tiling.boundary_edges)
        outer = by_layer[-1]
        leg_adj = torch.zeros(sizes[-1], len(legs), dtype=torch.bool)
        angles = torch.tensor([cmath.phase(complex(tiling.tiles[i].center)) for i in outer])
        for b, (tile, _edge) in enumerate(legs):
            r, j = pos[tile]
            if r == layers - 1:
                leg_adj[j, b] = True
            else:
                a = cmath.phase(complex(tiling.tiles[tile].center))
                d = torch.remainder(angles - a + math.pi, 2 * math.pi) - math.pi
                leg_adj[int(d.abs().argmin()), b] = True
        layer = cls(embed_dim, num_heads, sizes, ring_adjacency=[*adj, leg_adj], **kwargs)
        layer.tile_order = by_layer
        return layer

    @classmethod
    def from_code(cls, code: Any, embed_dim: int, num_heads: int = 1,
                  **kwargs: Any) -> HolographicAttention:
        """The layer of a HaPPY code network (:func:`holonet.codes.happy_code`).

        Rings and bonds come from ``code.tiling`` (:meth:`from_tiling`: one latent per
        tile = per bulk leg ``q{tile}``, boundary tokens on the boundary legs), and
        the exact core readout of a boundary region is the code's wedge decoder
        (:meth:`decoder`).
        """
        layer = cls.from_tiling(code.tiling, embed_dim, num_heads, **kwargs)
        layer.code = code
        return layer

    def decoder(self, region: Any = None) -> Any:
        """The exact core readout from boundary region ``region`` alone (``None`` = all):
        a :class:`holonet.nn.wedge.WedgeReadout` built from the code's logical operators
        cleaned into the region. Needs a layer made by :meth:`from_code`."""
        from holonet.nn.wedge import WedgeReadout

        if self.code is None:
            raise ValueError("decoder() needs a layer built by HolographicAttention.from_code")
        key = ("all",) if region is None else tuple(sorted(int(i) for i in region))
        if key not in self._decoders:
            full = None
            if region is not None:
                full = self._full_decoder
                if full is None:
                    from holonet.attention.holographic import wedge_decoder

                    full = self._full_decoder = wedge_decoder(self.code, None)
            self._decoders[key] = WedgeReadout(self.code, region, full=full)
        return self._decoders[key]

    def _boundary_adj(self, n: int, device: torch.device) -> Tensor:
        """``(m_outer, n)`` which boundary tokens each outermost latent reads."""
        key = (n, str(device))
        if key not in self._cache:
            m = self.ring_sizes[-1]
            if self._leg_adj is not None and self.n_legs:
                leg = ((torch.arange(n) + 0.5) * self.n_legs / n).long().clamp_max(self.n_legs - 1)
                a = self._leg_adj[:, leg]
            else:
                a = _sector_adjacency(m, n, self._overlap)
            self._cache[key] = _ensure_rows_and_cols(a).to(device)
        return self._cache[key]

    def _window(self, n: int, device: torch.device) -> Tensor:
        key = (n, f"win{device}")
        if key not in self._cache:
            i = torch.arange(n)
            d = (i[:, None] - i[None, :]).abs()
            d = torch.minimum(d, n - d)  # the boundary is a ring
            self._cache[key] = (d <= self.window).to(device)
        return self._cache[key]

    def _adj(self, r: int) -> Tensor:
        return getattr(self, f"adj{r}")

    # ------------------------------------------------------------------ forward
    def forward(self, query: Tensor, key: Tensor | None = None, value: Tensor | None = None,
                key_padding_mask: Tensor | None = None, need_weights: bool = False,
                memory: Tensor | None = None, **unused: Any) -> tuple[Tensor, Tensor | None]:
        """Boundary tokens in, boundary tokens out (self-attention: key/value must be query).

        ``key_padding_mask`` (``(B, N)``, True = masked) erases boundary tokens: they are
        never read by any latent or neighbour. Returns ``(output, weights)``; weights
        (if ``need_weights``) are the boundary rows of the token map, averaged over heads.
        """
        require_self_attention("HolographicAttention", query, key, value)
        x = query if self.batch_first else query.transpose(0, 1)
        unbatched = x.dim() == 2
        if unbatched:
            x = x.unsqueeze(0)
        b, n, e = x.shape
        if e != self.embed_dim:
            raise ValueError(f"expected embed_dim {self.embed_dim}; got {e}")
        ignore = key_padding_to_bool(key_padding_mask, x)
        if ignore is not None and unbatched:
            ignore = ignore.unsqueeze(0)
        dev = x.device
        R = len(self.ring_sizes)
        z = [lat.unsqueeze(0).expand(b, -1, -1) for lat in self.latents]
        up_maps: list[Tensor] = [torch.empty(0)] * R
        # 1. upward: outermost ring reads the boundary, each ring reads the one outside it
        for r in range(R - 1, -1, -1):
            if r == R - 1:
                upd, a = self.up[r](z[r], x, self._boundary_adj(n, dev), ignore)
            else:
                upd, a = self.up[r](z[r], z[r + 1], self._adj(r), None)
            z[r] = z[r] + upd
            up_maps[r] = a
        # 2. core (+ memory) self-attention
        if self.memory_init is not None:
            mem = memory if memory is not None else self.memory_init.unsqueeze(0).expand(b, -1, -1)
            core = torch.cat([z[0], mem], dim=1)
        else:
            core = z[0]
        upd, core_map = self.core_self(core, core, None, None)
        core = core + upd
        core = core + self.core_mlp(core)
        m0 = self.ring_sizes[0]
        z[0] = core[:, :m0]
        self.last_memory = core[:, m0:] if self.memory_init is not None else None
        # 3. downward: core -> rings -> boundary
        down_maps: list[Tensor] = []
        if self.flags["bidirectional"]:
            for r in range(1, R):
                upd, a = self.down[r - 1](z[r], z[r - 1], self._adj(r - 1).T, None)
                z[r] = z[r] + upd
                down_maps.append(a)
        keys = [x, core] if self.flags["bidirectional"] else [x]
        n_core = core.shape[1]
        if self.flags["sparse"]:
            allowed = self._window(n, dev)
            if self.flags["bidirectional"]:
                glob = torch.ones(n, n_core, dtype=torch.bool, device=dev)
                allowed = torch.cat([allowed, glob], dim=1)
                if R > 1:
                    keys.append(z[R - 1])
                    allowed = torch.cat([allowed, self._boundary_adj(n, dev).T], dim=1)
        else:
            if self.flags["bidirectional"] and R > 1:
                keys.append(z[R - 1])
            allowed = None
        kv = torch.cat(keys, dim=1)
        kign = None
        if ignore is not None:
            pad = torch.zeros(b, kv.shape[1] - n, dtype=torch.bool, device=dev)
            kign = torch.cat([ignore, pad], dim=1)
        upd, bmap = self.boundary(x, kv, allowed, kign)
        # 4. gain modulation of the boundary update by the core (biased competition)
        if self.flags["gating"]:
            c = z[0].mean(dim=1, keepdim=True)
            feat = 2 * torch.sigmoid(self.gain_feature(c))
            tok = 2 * torch.sigmoid((self.gain_token(c) * x).sum(-1, keepdim=True)
                                    / math.sqrt(e))
            upd = upd * feat * tok
        out = x + upd
        self.last_core = z[0]
        if self.recording:
            self._record(x, out, z, core, up_maps, core_map, bmap, kv.shape[1], n)
        weights = bmap.mean(dim=1) if need_weights else None
        if unbatched:
            out = out.squeeze(0)
            weights = weights.squeeze(0) if weights is not None else None
        if not self.batch_first and not unbatched:
            out = out.transpose(0, 1)
        return out, weights

    def forward_segments(self, segments: Sequence[Tensor],
                         key_padding_masks: Sequence[Tensor | None] | None = None
                         ) -> list[Tensor]:
        """Run consecutive segments, carrying the memory tokens from one to the next."""
        outs, mem = [], None
        for i, seg in enumerate(segments):
            kpm = key_padding_masks[i] if key_padding_masks is not None else None
            out, _ = self.forward(seg, key_padding_mask=kpm, memory=mem)
            outs.append(out)
            mem = self.last_memory
        return outs

    # ------------------------------------------------------------------ introspection
    def _record(self, x: Tensor, out: Tensor, z: list[Tensor], core: Tensor,
                up_maps: list[Tensor], core_map: Tensor, bmap: Tensor, n_keys: int,
                n: int) -> None:
        """One token map over [core, memory, ring 1, ..., boundary] (first batch item)."""
        sizes = self.ring_sizes
        m0, nm, R = sizes[0], self.n_memory, len(sizes)
        offs = [0, m0 + nm]
        for m in sizes[1:]:
            offs.append(offs[-1] + m)
        nb0 = offs[-1]
        total = nb0 + n
        H = self.num_heads
        M = torch.zeros(H, total, total)
        for r in range(R):
            src0 = offs[r + 1] if r + 1 < R else nb0  # ring r reads ring r+1 / boundary
            a = up_maps[r][0].detach().float().cpu()
            M[:, offs[r]:offs[r] + sizes[r], src0:src0 + a.shape[-1]] = a
        if nm:
            M[:, m0:m0 + nm, 0:m0 + nm] = core_map[0, :, m0:].detach().float().cpu()
        bm = bmap[0].detach().float().cpu()
        M[:, nb0:, nb0:] = bm[..., :n]
        if bm.shape[-1] > n:
            nc = m0 + nm
            M[:, nb0:, 0:nc] = bm[..., n:n + nc]
            if bm.shape[-1] > n + nc:
                M[:, nb0:, offs[R - 1]:offs[R - 1] + sizes[-1]] = bm[..., n + nc:]
        empty = M.sum(-1) < 0.5  # fully masked rows: attend to themselves
        idx = torch.arange(total)
        M[:, idx, idx] += empty.float()
        ring = torch.cat([torch.zeros(m0 + nm, dtype=torch.long)]
                         + [torch.full((m,), r, dtype=torch.long) for r, m in
                            enumerate(sizes[1:], 1)]
                         + [torch.full((n,), R, dtype=torch.long)])
        acts = torch.cat([core[0], *[zr[0] for zr in z[1:]], out[0]], dim=0)
        tokens = ([f"core{i}" for i in range(m0)] + [f"mem{i}" for i in range(nm)]
                  + [f"r{r}.{i}" for r, m in enumerate(sizes[1:], 1) for i in range(m)]
                  + [f"t{i}" for i in range(n)])
        self._store(M, ring, acts, tokens, layer="HolographicAttention", flags=self.flags)

    def extra_repr(self) -> str:
        off = [k for k, v in self.flags.items() if not v]
        return (f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, "
                f"ring_sizes={self.ring_sizes}, off={off}")
