r"""Holographic (nested-ring) attention: a core of bulk latents and the boundary context.

The layer is the trainable relaxation of a holographic code network
(theory/nn.md §4): the tiles of a hyperbolic tiling, layer by layer, are the
rings (ring 0 = the core, one latent per tile = one bulk leg), the input
sequence is the boundary, and the bonds between consecutive rings say which
tile reaches which (the composed bonds of a tile, out to the boundary legs, are
its *wedge*: the boundary tokens it owns). One forward pass follows the
framework's pseudocode (seed 000, "expand a minimal seed through nested
attention rings"), one layer per ring from the core outward, the boundary last::

    core = latents of ring 0 (+ memory tokens)
    for r = 1 .. R:                      # ring r, coarse to fine; r = R: the boundary
        context = ring-r latents + the mean boundary token of each tile's wedge
                  (+ what ring r-1 says through the bonds)     # r = R: the tokens
        core    = core + Attention(query=core, keys=context, values=context)
        core    = update(core)           # core self-attention + MLP
        context = context + Attention(query=context, keys=core, values=core)
    output = the boundary context (tokens), gain-modulated by the core

The boundary's last update also reads a local window of boundary tokens and the
outermost ring through its legs (Longformer-like local + global pattern). The
value and output maps of every cross-attention are constrained orthogonal
(``torch.nn.utils.parametrizations.orthogonal``), the trainable stand-in for the
code's isometric encoders; routing by agreement refines the core's reads;
recurrent memory tokens ride along with the core. Each part has a flag.

**Error-correcting auxiliary loss** (``error_correcting=True``; the seed's
"penalty if the core representation can't be reconstructed from any one segment"):
a *segment* is the wedge of one ring-1 tile (the boundary tokens it reaches through
the bonds), or one of ``segments`` equal arcs. While training, the core is
recomputed from each segment alone (every other token erased) and
:attr:`HolographicAttention.last_aux_loss` is

.. math:: \mathcal L_{\rm aux} = \frac{\operatorname{mean}_{s,b}\|c_s(x_b) - c(x_b)\|^2}
                                      {\operatorname{mean}_b\|c(x_b) - \bar c\|^2}

(``c`` the core from the whole boundary, ``\bar c`` its batch mean: the fraction
of the core's variance a single segment fails to reconstruct; a batch of one uses
``\|c\|^2``). Add it to the task loss (:func:`auxiliary_loss` collects it from a
model).

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
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils.parametrizations import orthogonal

from holonet._options import check_int
from holonet.nn._common import (
    DropInAttention,
    RecordingMixin,
    check_dropout,
    check_heads,
    masked_softmax,
    refuse_unsupported,
)

__all__ = ["HolographicAttention", "auxiliary_loss"]


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


def _compose(a: Tensor, b: Tensor) -> Tensor:
    """Boolean product: ``a (m, k)`` then ``b (k, n)`` -> reach ``(m, n)``."""
    return (a.to(torch.float32) @ b.to(torch.float32)) > 0


class _RingAttention(nn.Module):
    """Multi-head cross-attention ``queries <- keys`` through a bool mask.

    Value and output maps are square and, if ``isometric``, orthogonal (V^T V = 1).
    With ``routing_iters > 0`` the weights are refined by routing by agreement:
    each key (child) distributes its vote over the queries (parents) that may read
    it (softmax over parents), parents renormalise, and the agreement between a
    parent's output and a child's value raises that child's logit.
    """

    def __init__(self, d: int, heads: int, isometric: bool, routing_iters: int = 0,
                 dropout: float = 0.0, bias: bool = True, **factory: Any) -> None:
        super().__init__()
        self.h, self.dh = heads, d // heads
        self.norm_q = nn.LayerNorm(d, bias=bias, **factory)
        self.norm_k = nn.LayerNorm(d, bias=bias, **factory)
        self.q = nn.Linear(d, d, bias=bias, **factory)
        self.k = nn.Linear(d, d, bias=bias, **factory)
        self.routing_iters = routing_iters
        self.p = dropout
        # torch's orthogonal parametrization checks its initial value (.item()), which a
        # meta tensor cannot do: build those two maps on the CPU, then move them
        meta = isometric and torch.device(factory.get("device") or "cpu").type == "meta"
        ortho = {**factory, "device": "cpu"} if meta else factory
        self.v = nn.Linear(d, d, bias=False, **ortho)
        self.o = nn.Linear(d, d, bias=False, **ortho)
        if isometric:
            orthogonal(self.v)
            orthogonal(self.o)
        if meta:
            self.v.to("meta")
            self.o.to("meta")

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
        used = F.dropout(attn, p=self.p) if self.training and self.p > 0 else attn
        out = (used @ v).transpose(1, 2).reshape(xq.shape)
        return self.o(out), attn


class _Update(nn.Module):
    """``update(core)``: the core (+ memory) self-attends, then a residual MLP."""

    def __init__(self, d: int, heads: int, isometric: bool, dropout: float, bias: bool,
                 **factory: Any) -> None:
        super().__init__()
        self.attn = _RingAttention(d, heads, isometric, 0, dropout, bias, **factory)
        self.mlp = nn.Sequential(nn.LayerNorm(d, bias=bias, **factory),
                                 nn.Linear(d, 2 * d, bias=bias, **factory), nn.GELU(),
                                 nn.Linear(2 * d, d, bias=bias, **factory))

    def forward(self, core: Tensor) -> tuple[Tensor, Tensor]:
        upd, a = self.attn(core, core, None, None)
        core = core + upd
        return core + self.mlp(core), a


def auxiliary_loss(model: nn.Module) -> Tensor | None:
    """Sum of the error-correcting auxiliary losses of every :class:`HolographicAttention`
    in ``model`` from its last training-mode forward pass (``None`` if there is none).

    Examples
    --------
    >>> import torch
    >>> _ = torch.manual_seed(0)
    >>> layer = HolographicAttention(8, 2, ring_sizes=(1, 3), error_correcting=True)
    >>> out, _ = layer(torch.randn(4, 9, 8))             # training mode: loss computed
    >>> loss = out.pow(2).mean() + 0.1 * auxiliary_loss(layer)
    >>> loss.backward()
    >>> bool(layer.latents[0].grad.abs().sum() > 0)
    True
    """
    losses = [m.last_aux_loss for m in model.modules()
              if isinstance(m, HolographicAttention) and m.last_aux_loss is not None]
    if not losses:
        return None
    total = losses[0]
    for extra in losses[1:]:
        total = total + extra
    return total


class HolographicAttention(DropInAttention, RecordingMixin):
    """Nested-ring attention derived from a holographic code network.

    Parameters
    ----------
    embed_dim, num_heads, dropout, bias, batch_first, device, dtype
        As in :class:`torch.nn.MultiheadAttention` (``dropout``: on every attention
        map while training; ``bias``: of the query/key maps, norms and MLPs).
        ``batch_first`` defaults to ``True`` here.
    add_bias_kv, add_zero_attn, kdim, vdim
        Refused with a ``ValueError`` unless at their defaults (self-attention over the
        boundary: ``key``/``value`` must be the query).
    ring_sizes
        Number of bulk latents per ring, core first (a tiling's ``layer_sizes``:
        one latent per tile). Keyword-only (the third positional argument is
        ``dropout``, as in ``nn.MultiheadAttention``).
    ring_adjacency
        Optional bond masks: ``ring_adjacency[r]`` is a bool ``(m_r, m_{r+1})`` matrix
        for consecutive rings and the last entry ``(m_{R-1}, n_legs)`` says which
        boundary legs each outer tile owns. Default: overlapping angular sectors.
    window
        Half-width of the local window along the boundary ring (``sparse=True``).
    bidirectional, isometric, gating, sparse, rings
        Switch off the context -> core queries (the boundary then never reads the
        core), the orthogonality constraint, the gain modulation, the local window
        (dense boundary attention instead), or the intermediate rings (one layer:
        the core reads the boundary directly).
    n_memory
        Recurrent memory tokens appended to the core and carried across segments
        (:meth:`forward_segments`); 0 switches memory off.
    routing_iters
        Iterations of routing by agreement when the core reads a context; 0 = off.
    error_correcting
        Compute the error-correcting auxiliary loss in training-mode forward passes
        (:attr:`last_aux_loss`; costs one extra core pass per segment).
    segments
        ``None``: a segment is the wedge of one ring-1 tile (4 equal arcs if the
        layer has no ring 1); an int: that many equal contiguous arcs.

    Attributes
    ----------
    last_core
        ``(B, m_0, E)`` core latents of the last forward pass.
    last_memory
        ``(B, n_memory, E)`` memory after the last forward pass (``None`` without memory).
    last_aux_loss
        The auxiliary loss of the last training-mode forward pass with
        ``error_correcting`` (a scalar tensor), else ``None``.

    Notes
    -----
    ``attn_mask`` and ``is_causal`` are refused (``ValueError``): every core latent
    reads the whole boundary, so no causal order exists. ``need_weights=True``
    returns the boundary tokens' last attention map over the keys
    ``[boundary tokens, core (+ memory), outermost ring]``: shape
    ``(B, N, N + m_0 + n_memory + m_{R-1})`` (fewer keys when ``bidirectional`` or
    ``rings`` is off).

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
    >>> layer(x, is_causal=True)
    Traceback (most recent call last):
    ...
    ValueError: HolographicAttention: is_causal / a causal attn_mask is not supported \
(every core latent reads the whole boundary: there is no causal order)
    """

    def __init__(self, embed_dim: int, num_heads: int = 1, dropout: float = 0.0,
                 bias: bool = True, add_bias_kv: bool = False, add_zero_attn: bool = False,
                 kdim: int | None = None, vdim: int | None = None, batch_first: bool = True,
                 device: Any = None, dtype: Any = None, *,
                 ring_sizes: Sequence[int] = (1, 5),
                 ring_adjacency: Sequence[Tensor] | None = None,
                 window: int = 2, overlap: float = 0.5, bidirectional: bool = True,
                 isometric: bool = True, gating: bool = True, sparse: bool = True,
                 rings: bool = True, n_memory: int = 0, routing_iters: int = 2,
                 error_correcting: bool = False, segments: int | None = None) -> None:
        super().__init__()
        if isinstance(dropout, Sequence) or isinstance(dropout, Tensor):
            raise TypeError("HolographicAttention's third positional argument is dropout "
                            "(as in nn.MultiheadAttention); pass ring_sizes=... by keyword")
        factory = {"device": device, "dtype": dtype}
        check_heads(embed_dim, num_heads)
        why = "self-attention over the boundary: key and value are the query"
        refuse_unsupported(type(self).__name__, embed_dim, add_bias_kv=add_bias_kv,
                           add_zero_attn=add_zero_attn, kdim=kdim, vdim=vdim,
                           why=dict.fromkeys(("add_bias_kv", "add_zero_attn", "kdim",
                                              "vdim"), why))
        p = check_dropout(dropout)
        sizes = [check_int("ring size", m, minimum=1) for m in ring_sizes]
        if not sizes:
            raise ValueError("ring_sizes must list at least the core ring")
        self.window = check_int("window", window, minimum=0)
        self.n_memory = check_int("n_memory", n_memory, minimum=0)
        check_int("routing_iters", routing_iters, minimum=0)
        self.segments = None if segments is None else check_int("segments", segments,
                                                                minimum=1)
        self.embed_dim, self.num_heads, self.batch_first = embed_dim, num_heads, batch_first
        self.dropout = p
        self.register_parameter("in_proj_weight", None)
        self.register_parameter("in_proj_bias", None)
        self.error_correcting = bool(error_correcting)
        self.flags = {"bidirectional": bidirectional, "isometric": isometric,
                      "gating": gating, "sparse": sparse, "rings": rings,
                      "memory": n_memory > 0, "routing": routing_iters > 0,
                      "error_correcting": self.error_correcting}
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
        # structure, not state: plain CPU tensors (moved per device on use), so that
        # meta-device construction + to_empty() cannot leave them uninitialised
        self._adjs: list[Tensor] = masks
        # reach of the core through the bonds: core tiles x ring-r tiles
        reach = torch.eye(sizes[0], dtype=torch.bool)
        self._reaches: list[Tensor] = [reach]
        for m in masks:
            reach = _compose(reach, m)
            self._reaches.append(reach)
        self.latents = nn.ParameterList(
            [nn.Parameter(0.02 * torch.randn(m, embed_dim, **factory)) for m in sizes])
        self.memory_init = (nn.Parameter(0.02 * torch.randn(n_memory, embed_dim, **factory))
                            if n_memory else None)
        R = len(sizes)

        def ring_attn(routing: int = 0) -> _RingAttention:
            return _RingAttention(embed_dim, num_heads, isometric, routing, p, bias, **factory)

        #: layer r (1..R): the core reads the context of ring r (r = R: the boundary)
        self.up = nn.ModuleList([ring_attn(routing_iters) for _ in range(R)])
        #: update(core) after each read: core self-attention + MLP
        self.update = nn.ModuleList([_Update(embed_dim, num_heads, isometric, p, bias,
                                             **factory) for _ in range(R)])
        #: ring contexts query the core (rings 1..R-1) and the ring inside them (2..R-1)
        self.back = nn.ModuleList([ring_attn() for _ in range(R - 1)]) if bidirectional \
            else nn.ModuleList()
        self.down = nn.ModuleList([ring_attn() for _ in range(R - 2)]) if bidirectional \
            else nn.ModuleList()
        #: the boundary's last update: local window + core + outermost ring
        self.boundary = ring_attn()
        if gating:
            self.gain_feature = nn.Linear(embed_dim, embed_dim, bias=bias, **factory)
            self.gain_token = nn.Linear(embed_dim, embed_dim, bias=False, **factory)
            nn.init.zeros_(self.gain_feature.weight)
            if self.gain_feature.bias is not None:
                nn.init.zeros_(self.gain_feature.bias)
            nn.init.zeros_(self.gain_token.weight)
        self.last_core: Tensor | None = None
        self.last_memory: Tensor | None = None
        self.last_aux_loss: Tensor | None = None
        self._cache: dict[tuple[Any, ...], Tensor] = {}
        #: tiles of each ring in latent order (set by :meth:`from_tiling`)
        self.tile_order: list[list[int]] | None = None
        #: the code network this layer was derived from (:meth:`from_code`)
        self.code: Any = None
        self._decoders: dict[tuple[Any, ...], Any] = {}
        self._full_decoder: Any = None

    def __getstate__(self) -> dict[str, Any]:
        # the last pass's tensors (part of an autograd graph) and device caches are not
        # state: drop them so that copy.deepcopy / pickling work after a forward pass
        state = dict(self.__dict__)
        for name in ("last_core", "last_memory", "last_aux_loss"):
            state[name] = None
        state["_cache"] = {}
        return state

    def _no_causal_reason(self) -> str:
        return "every core latent reads the whole boundary: there is no causal order"

    def _no_mask_reason(self) -> str:
        return "the ring/bond pattern is fixed by the code network"

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
        layer = cls(embed_dim, num_heads, ring_sizes=sizes, ring_adjacency=[*adj, leg_adj],
                    **kwargs)
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

    # ------------------------------------------------------------------ masks
    def _boundary_adj(self, n: int, device: torch.device) -> Tensor:
        """``(m_outer, n)`` which boundary tokens each outermost latent reads."""
        key = (n, str(device), "legs")
        if key not in self._cache:
            m = self.ring_sizes[-1]
            if self._leg_adj is not None and self.n_legs:
                leg = ((torch.arange(n) + 0.5) * self.n_legs / n).long().clamp_max(self.n_legs - 1)
                a = self._leg_adj[:, leg]
            else:
                a = _sector_adjacency(m, n, self._overlap)
            self._cache[key] = _ensure_rows_and_cols(a).to(device)
        return self._cache[key]

    def wedges(self, n: int, device: Any = "cpu") -> list[Tensor]:
        """Boundary wedge of every tile, ring by ring: ``wedges(n)[r]`` is the bool
        ``(m_r, n)`` matrix of the boundary tokens tile ``j`` of ring ``r`` reaches
        through the bonds (ring ``R-1``: the legs it owns).

        Examples
        --------
        >>> layer = HolographicAttention(8, 2, ring_sizes=(1, 4))
        >>> w = layer.wedges(12)
        >>> [tuple(m.shape) for m in w], bool(w[0].all())
        ([(1, 12), (4, 12)], True)
        """
        dev = torch.device(device)
        key = (n, str(dev), "wedges")
        if key not in self._cache:
            out = [self._boundary_adj(n, dev)]
            for r in range(len(self.ring_sizes) - 2, -1, -1):
                out.insert(0, _compose(self._adj(r, dev), out[0]))
            self._cache[key] = out[0]
            for r, w in enumerate(out):
                self._cache[(n, str(dev), f"wedge{r}")] = w
        return [self._cache[(n, str(dev), f"wedge{r}")] for r in range(len(self.ring_sizes))]

    def segment_masks(self, n: int, device: Any = "cpu") -> Tensor:
        """``(S, n)`` bool: the boundary segments of the auxiliary loss (see ``segments``).

        Examples
        --------
        >>> layer = HolographicAttention(8, 2, ring_sizes=(1, 4), segments=3)
        >>> layer.segment_masks(6).int().tolist()
        [[1, 1, 0, 0, 0, 0], [0, 0, 1, 1, 0, 0], [0, 0, 0, 0, 1, 1]]
        """
        dev = torch.device(device)
        if self.segments is None and len(self.ring_sizes) > 1:
            return self.wedges(n, dev)[1]
        s = min(n, self.segments if self.segments is not None else 4)
        arc = (torch.arange(n, device=dev) * s) // n
        return arc[None, :] == torch.arange(s, device=dev)[:, None]

    def _window(self, n: int, device: torch.device) -> Tensor:
        key = (n, str(device), "win")
        if key not in self._cache:
            i = torch.arange(n)
            d = (i[:, None] - i[None, :]).abs()
            d = torch.minimum(d, n - d)  # the boundary is a ring
            self._cache[key] = (d <= self.window).to(device)
        return self._cache[key]

    def adjacency(self, r: int) -> Tensor:
        """Bool ``(m_r, m_{r+1})`` bonds between rings ``r`` and ``r + 1`` (on the CPU)."""
        return self._adjs[r]

    def _on(self, what: str, r: int, device: torch.device) -> Tensor:
        key = (what, r, str(device))
        if key not in self._cache:
            src = self._adjs if what == "adj" else self._reaches
            self._cache[key] = src[r].to(device)
        return self._cache[key]

    def _adj(self, r: int, device: torch.device) -> Tensor:
        return self._on("adj", r, device)

    def _reach(self, r: int, device: torch.device) -> Tensor:
        return self._on("reach", r, device)

    # ------------------------------------------------------------------ forward
    def forward(self, query: Tensor, key: Tensor | None = None, value: Tensor | None = None,
                key_padding_mask: Tensor | None = None, need_weights: bool = False,
                attn_mask: Tensor | None = None, average_attn_weights: bool = True,
                is_causal: bool = False, *, memory: Tensor | None = None
                ) -> tuple[Tensor, Tensor | None]:
        """Boundary tokens in, boundary tokens out (``nn.MultiheadAttention``'s signature;
        self-attention: key/value must be the query or ``None``).

        ``key_padding_mask`` (``(B, N)``, True = masked) erases boundary tokens: they are
        never read by any latent or neighbour. ``memory`` (keyword) replaces the initial
        memory tokens (:meth:`forward_segments`).
        """
        call = self._prepare(query, key, value, key_padding_mask, need_weights, attn_mask,
                             average_attn_weights, is_causal)
        x, ignore = call.query, call.ignore
        b, n, e = x.shape
        core, ctxs, maps = self._core_pass(x, ignore, memory)
        m0 = self.ring_sizes[0]
        self.last_memory = core[:, m0:] if self.memory_init is not None else None
        self.last_core = core[:, :m0]
        out, bmap = self._boundary_update(x, ignore, core, ctxs)
        self.last_aux_loss = None
        if self.error_correcting and self.training and torch.is_grad_enabled():
            self.last_aux_loss = self._aux_loss(x, ignore, memory, core[:, :m0])
        if self.recording:
            self._record(x, out, core, ctxs, maps, bmap, n)
        return self._finish(call, out, bmap if call.need_weights else None)

    def _core_pass(self, x: Tensor, ignore: Tensor | None, memory: Tensor | None
                   ) -> tuple[Tensor, list[Tensor], dict[str, list[Tensor]]]:
        """The seed's loop: for each ring, coarse to fine, then the boundary, the core
        reads the context and the context queries the core. Returns the core (with
        memory), the ring contexts ``[ring 1, ..., ring R-1]`` and the maps."""
        b, n, e = x.shape
        dev = x.device
        R = len(self.ring_sizes)
        core = self.latents[0].unsqueeze(0).expand(b, -1, -1)
        if self.memory_init is not None:
            mem = memory if memory is not None else \
                self.memory_init.unsqueeze(0).expand(b, -1, -1)
            core = torch.cat([core, mem], dim=1)
        nm = core.shape[1] - self.ring_sizes[0]
        keep = None if ignore is None else ~ignore
        xk = x if ignore is None else x.masked_fill(ignore[..., None], 0.0)
        wedges = self.wedges(n, dev)
        maps: dict[str, list[Tensor]] = {"up": [], "back": [], "down": []}
        ctxs: list[Tensor] = []
        prev: Tensor | None = None
        for r in range(1, R + 1):
            if r < R:
                w = wedges[r].to(x.dtype)[None].expand(b, -1, -1)          # (B, m_r, n)
                if keep is not None:
                    w = w * keep[:, None, :].to(x.dtype)
                cnt = w.sum(-1, keepdim=True)
                ctx = self.latents[r].unsqueeze(0) + (w @ xk) / cnt.clamp_min(1.0)
                empty = cnt[..., 0] == 0
                if prev is not None and self.flags["bidirectional"]:
                    upd, a = self.down[r - 2](ctx, prev, self._adj(r - 1, dev).T, None)
                    ctx = ctx + upd
                    maps["down"].append(a)
                allowed = self._reach(r, dev)
                kign: Tensor | None = empty
            else:
                ctx, allowed, kign = x, wedges[0], ignore
            if nm:
                allowed = torch.cat([allowed, torch.ones(nm, allowed.shape[1],
                                                         dtype=torch.bool, device=dev)])
            upd, a = self.up[r - 1](core, ctx, allowed, kign)
            maps["up"].append(a)
            core, _ = self.update[r - 1](core + upd)
            if r < R:
                if self.flags["bidirectional"]:
                    back = self._reach(r, dev).T
                    if nm:
                        back = torch.cat([back, torch.ones(back.shape[0], nm, dtype=torch.bool,
                                                           device=dev)], dim=1)
                    upd, a = self.back[r - 1](ctx, core, back, None)
                    ctx = ctx + upd
                    maps["back"].append(a)
                ctxs.append(ctx)
                prev = ctx
        return core, ctxs, maps

    def _boundary_update(self, x: Tensor, ignore: Tensor | None, core: Tensor,
                         ctxs: list[Tensor]) -> tuple[Tensor, Tensor]:
        """The boundary queries ``[local window, core, outermost ring]``; gain modulation."""
        b, n, e = x.shape
        dev = x.device
        keys = [x]
        n_core = core.shape[1]
        bidi = self.flags["bidirectional"]
        if bidi:
            keys.append(core)
            if ctxs:
                keys.append(ctxs[-1])
        allowed: Tensor | None = None
        if self.flags["sparse"]:
            allowed = self._window(n, dev)
            if bidi:
                allowed = torch.cat([allowed, torch.ones(n, n_core, dtype=torch.bool,
                                                         device=dev)], dim=1)
                if ctxs:
                    allowed = torch.cat([allowed, self._boundary_adj(n, dev).T], dim=1)
        kv = torch.cat(keys, dim=1) if len(keys) > 1 else x
        kign = None
        if ignore is not None:
            pad = torch.zeros(b, kv.shape[1] - n, dtype=torch.bool, device=dev)
            kign = torch.cat([ignore, pad], dim=1)
        upd, bmap = self.boundary(x, kv, allowed, kign)
        if self.flags["gating"]:  # the core sets a gain on the boundary update
            c = core[:, :self.ring_sizes[0]].mean(dim=1, keepdim=True)
            feat = 2 * torch.sigmoid(self.gain_feature(c))
            tok = 2 * torch.sigmoid((self.gain_token(c) * x).sum(-1, keepdim=True)
                                    / math.sqrt(e))
            upd = upd * feat * tok
        return x + upd, bmap

    # ------------------------------------------------------------------ auxiliary loss
    def _aux_loss(self, x: Tensor, ignore: Tensor | None, memory: Tensor | None,
                  core: Tensor) -> Tensor:
        b, n, e = x.shape
        seg = self.segment_masks(n, x.device)                          # (S, n)
        s = seg.shape[0]
        drop = ~seg[:, None, :].expand(s, b, n)
        if ignore is not None:
            drop = drop | ignore[None]
        xs = x.unsqueeze(0).expand(s, b, n, e).reshape(s * b, n, e)
        mem = None
        if memory is not None:
            mem = memory.unsqueeze(0).expand(s, *memory.shape).reshape(s * b, *memory.shape[1:])
        core_s, _, _ = self._core_pass(xs, drop.reshape(s * b, n), mem)
        core_s = core_s[:, :self.ring_sizes[0]].reshape(s, b, *core.shape[1:])
        num = (core_s - core[None]).pow(2).sum(-1).mean()
        if b > 1:
            den = (core - core.mean(0, keepdim=True)).pow(2).sum(-1).mean()
        else:
            den = core.pow(2).sum(-1).mean()
        return num / (den + 1e-12)

    def reconstruction_loss(self, x: Tensor, key_padding_mask: Tensor | None = None
                            ) -> Tensor:
        """The error-correcting auxiliary loss of input ``x`` (batch-first or as the layer's
        layout), whatever ``error_correcting`` and the training mode say.

        Examples
        --------
        >>> import torch
        >>> _ = torch.manual_seed(0)
        >>> layer = HolographicAttention(8, 2, ring_sizes=(1, 3))
        >>> loss = layer.reconstruction_loss(torch.randn(4, 9, 8))
        >>> loss.shape, bool(loss > 0)
        (torch.Size([]), True)
        """
        call = self._prepare(x, None, None, key_padding_mask, False, None, True, False)
        core, _, _ = self._core_pass(call.query, call.ignore, None)
        return self._aux_loss(call.query, call.ignore, None, core[:, :self.ring_sizes[0]])

    def forward_segments(self, segments: Sequence[Tensor],
                         key_padding_masks: Sequence[Tensor | None] | None = None
                         ) -> list[Tensor]:
        """Run consecutive segments, carrying the memory tokens from one to the next.

        Examples
        --------
        >>> import torch
        >>> layer = HolographicAttention(8, 2, ring_sizes=(1, 2), n_memory=2)
        >>> outs = layer.forward_segments([torch.randn(1, 4, 8), torch.randn(1, 4, 8)])
        >>> len(outs), tuple(layer.last_memory.shape)
        (2, (1, 2, 8))
        """
        outs, mem = [], None
        for i, seg in enumerate(segments):
            kpm = key_padding_masks[i] if key_padding_masks is not None else None
            out, _ = self.forward(seg, key_padding_mask=kpm, memory=mem)
            outs.append(out)
            mem = self.last_memory
        return outs

    # ------------------------------------------------------------------ introspection
    def _record(self, x: Tensor, out: Tensor, core: Tensor, ctxs: list[Tensor],
                maps: dict[str, list[Tensor]], bmap: Tensor, n: int) -> None:
        """One token map over [core, memory, ring 1, ..., boundary] (first batch item):
        core rows average their reads of every layer, ring rows their reads of the core
        and of the ring inside, boundary rows are the boundary update's map."""
        sizes = self.ring_sizes
        m0, nm, R = sizes[0], self.n_memory, len(sizes)
        offs = [0, m0 + nm]
        for m in sizes[1:]:
            offs.append(offs[-1] + m)
        nb0 = offs[-1]
        total = nb0 + n
        H = self.num_heads
        M = torch.zeros(H, total, total)
        nc = m0 + nm

        def put(rows: slice, col0: int, a: Tensor) -> None:
            a = a[0].detach().float().cpu()
            M[:, rows, col0:col0 + a.shape[-1]] += a

        for r, a in enumerate(maps["up"], start=1):      # core reads ring r / the boundary
            put(slice(0, nc), offs[r] if r < R else nb0, a)
        for r, a in enumerate(maps["back"], start=1):    # ring r queries the core
            put(slice(offs[r], offs[r] + sizes[r]), 0, a)
        for r, a in enumerate(maps["down"], start=2):    # ring r reads ring r-1
            put(slice(offs[r], offs[r] + sizes[r]), offs[r - 1], a)
        bm = bmap[0].detach().float().cpu()
        M[:, nb0:, nb0:] = bm[..., :n]
        if bm.shape[-1] > n:
            M[:, nb0:, 0:nc] = bm[..., n:n + nc]
            if bm.shape[-1] > n + nc:
                M[:, nb0:, offs[R - 1]:offs[R - 1] + sizes[-1]] = bm[..., n + nc:]
        rowsum = M.sum(-1, keepdim=True)
        M = torch.where(rowsum > 0, M / rowsum.clamp_min(1e-30), M)
        empty = M.sum(-1) < 0.5  # fully masked rows: attend to themselves
        idx = torch.arange(total)
        M[:, idx, idx] += empty.float()
        ring = torch.cat([torch.zeros(m0 + nm, dtype=torch.long)]
                         + [torch.full((m,), r, dtype=torch.long) for r, m in
                            enumerate(sizes[1:], 1)]
                         + [torch.full((n,), R, dtype=torch.long)])
        acts = torch.cat([core[0], *[c[0] for c in ctxs], out[0]], dim=0)
        tokens = ([f"core{i}" for i in range(m0)] + [f"mem{i}" for i in range(nm)]
                  + [f"r{r}.{i}" for r, m in enumerate(sizes[1:], 1) for i in range(m)]
                  + [f"t{i}" for i in range(n)])
        self._store(M, ring, acts, tokens, layer="HolographicAttention", flags=self.flags)

    def extra_repr(self) -> str:
        off = [k for k, v in self.flags.items() if not v]
        return (f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, "
                f"ring_sizes={self.ring_sizes}, off={off}")
