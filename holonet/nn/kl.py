r"""``KLAttention``: information-geometric attention between Gaussian token beliefs.

Each token carries, per head, a Gaussian belief :math:`q_i = N(\mu_i, \Sigma_i)`
(diagonal :math:`\Sigma_i` in the token's own frame) and a frame
:math:`e^{\phi_i}\in SO(K)` with :math:`\phi_i` skew-symmetric. Token ``j``'s belief
is transported into ``i``'s frame by :math:`\Omega_{ij} = e^{\phi_i}e^{-\phi_j}` and

.. math:: \beta_{ij} = \mathrm{softmax}_j(-\mathrm{KL}(q_i \| \Omega_{ij} q_j)/\kappa),
          \qquad o_i = \sum_j \beta_{ij}\, \Omega_{ij}\mu_j

(seed 003; reference/attention.md Sec. 2). There are no query/key maps: the
projections produce beliefs and frames, the weights are divergences. Because KL
is invariant under a common rotation, :math:`\mathrm{KL}(q_i\|\Omega_{ij}q_j) =
\mathrm{KL}(e^{-\phi_i}q_i\,\|\,e^{-\phi_j}q_j)`: all beliefs are rotated once to a
common frame and the pairwise divergences are batched matmuls (``O(N^2K^2)``):
:func:`holonet.attention.kl.gaussian_kl_matrix` (the backend-agnostic operator;
this module adds the projections, key padding and the multi-head layout).

Examples
--------
>>> import torch
>>> layer = KLAttention(8, num_heads=2, belief_dim=3, batch_first=True)
>>> out, w = layer(*(3 * [torch.randn(1, 5, 8)]))
>>> tuple(out.shape), bool(torch.allclose(w.sum(-1), torch.ones(1, 5)))
((1, 5, 8), True)
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from holonet._options import check_int
from holonet.nn._common import (
    RecordingMixin,
    from_batch_first,
    key_padding_to_bool,
    masked_softmax,
    require_self_attention,
    to_batch_first,
)

__all__ = ["KLAttention"]


class KLAttention(RecordingMixin):
    """Multi-head KL-Gaussian attention with gauge transport (``nn.MultiheadAttention``-like).

    Parameters
    ----------
    embed_dim, num_heads, batch_first
        As in :class:`torch.nn.MultiheadAttention`.
    belief_dim
        Dimension ``K`` of each head's Gaussian belief (default ``embed_dim // num_heads``).
    kappa
        Temperature of the divergence softmax.
    transport
        ``False`` fixes every frame to the identity (no gauge field).

    Examples
    --------
    >>> import torch
    >>> _ = torch.manual_seed(0)
    >>> layer = KLAttention(6, num_heads=2, transport=False, batch_first=True)
    >>> out, w = layer(torch.randn(2, 4, 6))     # self-attention: key/value default to query
    >>> tuple(out.shape), tuple(w.shape)
    ((2, 4, 6), (2, 4, 4))
    >>> bool(torch.allclose(w.sum(-1), torch.ones(2, 4)))
    True
    """

    def __init__(self, embed_dim: int, num_heads: int = 1, *, belief_dim: int | None = None,
                 kappa: float = 1.0, transport: bool = True, batch_first: bool = False,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        check_int("embed_dim", embed_dim, minimum=1)
        check_int("num_heads", num_heads, minimum=1)
        k = belief_dim if belief_dim is not None else max(1, embed_dim // num_heads)
        self.K = check_int("belief_dim", k, minimum=1)
        if kappa <= 0:
            raise ValueError(f"kappa must be > 0; got {kappa}")
        self.embed_dim, self.num_heads, self.batch_first = embed_dim, num_heads, batch_first
        self.kappa, self.transport = float(kappa), transport
        h, kk = num_heads, self.K
        self.mu = nn.Linear(embed_dim, h * kk, **factory)
        self.log_var = nn.Linear(embed_dim, h * kk, **factory)
        nn.init.zeros_(self.log_var.weight)
        nn.init.zeros_(self.log_var.bias)
        self.n_gen = kk * (kk - 1) // 2
        self.phi = (nn.Linear(embed_dim, h * self.n_gen, **factory)
                    if transport and self.n_gen else None)
        if self.phi is not None:
            nn.init.normal_(self.phi.weight, std=0.02)
            nn.init.zeros_(self.phi.bias)
        self.out_proj = nn.Linear(h * kk, embed_dim, **factory)
        iu = torch.triu_indices(kk, kk, offset=1)
        self.register_buffer("_iu", iu, persistent=False)

    def beliefs(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """``(B, N, E)`` -> means ``(B, H, N, K)``, covariances ``(B, H, N, K, K)`` in the
        token's frame, and frames ``(B, H, N, K, K)`` (orthogonal)."""
        b, n, _ = x.shape
        h, kk = self.num_heads, self.K
        mu = self.mu(x).view(b, n, h, kk).transpose(1, 2)
        var = torch.exp(self.log_var(x).clamp(-8, 8)).view(b, n, h, kk).transpose(1, 2)
        cov = torch.diag_embed(var)
        if self.phi is None:
            frames = torch.eye(kk, dtype=x.dtype, device=x.device).expand(b, h, n, kk, kk)
        else:
            gen = self.phi(x).view(b, n, h, self.n_gen).transpose(1, 2)
            a = torch.zeros(b, h, n, kk, kk, dtype=x.dtype, device=x.device)
            iu: Tensor = self._iu  # type: ignore[assignment]
            a[..., iu[0], iu[1]] = gen
            frames = torch.linalg.matrix_exp(a - a.transpose(-1, -2))
        return mu, cov, frames

    def forward(self, query: Tensor, key: Tensor | None = None, value: Tensor | None = None,
                key_padding_mask: Tensor | None = None, need_weights: bool = True,
                average_attn_weights: bool = True, **unused: Any) -> tuple[Tensor, Tensor | None]:
        """Self-attention over ``query`` (key/value, if given, must be ``query``)."""
        require_self_attention("KLAttention", query, key, value)
        x, unbatched = to_batch_first(query, self.batch_first)
        b, n, _ = x.shape
        ignore = key_padding_to_bool(key_padding_mask, x)
        if ignore is not None and unbatched:
            ignore = ignore.unsqueeze(0)
        from holonet.attention.kl import gaussian_kl_matrix

        mu, cov, frames = self.beliefs(x)
        kl = gaussian_kl_matrix(mu, cov, frames=frames)            # (B, H, N, N)
        # messages: transported means, summed in the common frame e^{-phi_i} q_i
        mu_c = (frames.transpose(-1, -2) @ mu.unsqueeze(-1)).squeeze(-1)
        ok = None if ignore is None else (~ignore)[:, None, None, :].expand_as(kl)
        beta = masked_softmax(-kl / self.kappa, ok, dim=-1)
        msg = beta @ mu_c                                          # in the common frame
        out = (frames @ msg.unsqueeze(-1)).squeeze(-1)             # back to i's frame
        out = self.out_proj(out.transpose(1, 2).reshape(b, n, -1))
        if self.recording:
            self._store(beta[0], torch.zeros(n, dtype=torch.long), out[0],
                        [f"t{i}" for i in range(n)], layer="KLAttention")
        out = from_batch_first(out, self.batch_first, unbatched)
        if not need_weights:
            return out, None
        w = beta.mean(dim=1) if average_attn_weights else beta
        return out, (w.squeeze(0) if unbatched else w)
