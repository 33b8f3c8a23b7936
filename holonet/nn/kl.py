r"""``KLAttention``: information-geometric attention between Gaussian token beliefs.

Each token carries, per head, a Gaussian belief :math:`q_i = N(\mu_i, \Sigma_i)`
(diagonal :math:`\Sigma_i` in the token's own frame) and a frame
:math:`e^{\phi_i}\in SO(K)` with :math:`\phi_i` skew-symmetric. Token ``j``'s belief
is transported into ``i``'s frame by :math:`\Omega_{ij} = e^{\phi_i}e^{-\phi_j}` and

.. math:: \beta_{ij} = \mathrm{softmax}_j(-\mathrm{KL}(q_i \| \Omega_{ij} q_j)/\kappa),
          \qquad o_i = \sum_j \beta_{ij}\, \Omega_{ij}\mu_j

(theory/attention.md §5; the information-geometric attention of the RG / KL-divergence
attention review the project builds on). There are no query/key maps: the
projections produce beliefs and frames, the weights are divergences. Because KL
is invariant under a common rotation, :math:`\mathrm{KL}(q_i\|\Omega_{ij}q_j) =
\mathrm{KL}(e^{-\phi_i}q_i\,\|\,e^{-\phi_j}q_j)`: all beliefs are rotated once to a
common frame and the pairwise divergences are batched matmuls (``O(N^2K^2)``):
:meth:`KLAttention.divergences` (closed form for covariances diagonal in each
token's frame; equal to the backend-agnostic :func:`holonet.attention.kl.gaussian_kl_matrix`,
which a test checks; this module adds the projections, masks and the multi-head
layout, and compiles with ``torch.compile``).

The covariance algebra (the frames' matrix exponential, transported covariances and
precisions; in general also a Cholesky factor, which has no ``bfloat16`` kernel) is not
meant for half precision, so for ``float16``/``bfloat16`` inputs (``.bfloat16()`` or
``torch.autocast``) beliefs, divergences and messages are computed in ``float32`` and
the result is cast back to the input's dtype before the output projection. The layer is dense
(``O(N^2)``) by nature, so ``attn_mask`` (any boolean or ``0/-inf`` float mask),
``is_causal`` and exact attention dropout are all implemented.

Examples
--------
>>> import torch
>>> layer = KLAttention(8, num_heads=2, belief_dim=3, batch_first=True)
>>> x = torch.randn(1, 5, 8)
>>> out, w = layer(x, x, x, need_weights=True)
>>> tuple(out.shape), bool(torch.allclose(w.sum(-1), torch.ones(1, 5)))
((1, 5, 8), True)
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from holonet._options import check_int
from holonet.nn._common import (
    DropInAttention,
    RecordingMixin,
    causal_bool_mask,
    check_dropout,
    masked_softmax,
    refuse_unsupported,
)

__all__ = ["KLAttention"]

#: dtypes without linear-algebra kernels: the covariance algebra runs in float32.
_LOW_PRECISION = (torch.float16, torch.bfloat16)


class KLAttention(DropInAttention, RecordingMixin):
    """Multi-head KL-Gaussian attention with gauge transport (``nn.MultiheadAttention``-like).

    Parameters
    ----------
    embed_dim, num_heads, dropout, bias, batch_first, device, dtype
        As in :class:`torch.nn.MultiheadAttention` (``dropout``: attention dropout on
        the weights while training; ``bias``: biases of the belief and output maps).
    add_bias_kv, add_zero_attn, kdim, vdim
        Refused with a ``ValueError`` unless at their defaults: beliefs and messages
        come from the tokens themselves (self-attention; ``key``/``value`` must be the
        query).
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
    >>> x = torch.randn(2, 4, 6)
    >>> out, w = layer(x, need_weights=True)     # key/value default to the query
    >>> tuple(out.shape), tuple(w.shape)
    ((2, 4, 6), (2, 4, 4))
    >>> bool(torch.allclose(w.sum(-1), torch.ones(2, 4)))
    True
    >>> _, w = layer(x, is_causal=True, need_weights=True)
    >>> bool((w.triu(1) == 0).all())
    True
    """

    supports_causal = True
    supports_attn_mask = True

    def __init__(self, embed_dim: int, num_heads: int = 1, dropout: float = 0.0,
                 bias: bool = True, add_bias_kv: bool = False, add_zero_attn: bool = False,
                 kdim: int | None = None, vdim: int | None = None, batch_first: bool = False,
                 device: Any = None, dtype: Any = None, *, belief_dim: int | None = None,
                 kappa: float = 1.0, transport: bool = True) -> None:
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        check_int("embed_dim", embed_dim, minimum=1)
        check_int("num_heads", num_heads, minimum=1)
        why = "beliefs and messages come from the query tokens (self-attention)"
        refuse_unsupported(type(self).__name__, embed_dim, add_bias_kv=add_bias_kv,
                           add_zero_attn=add_zero_attn, kdim=kdim, vdim=vdim,
                           why=dict.fromkeys(("add_bias_kv", "add_zero_attn", "kdim",
                                              "vdim"), why))
        k = belief_dim if belief_dim is not None else max(1, embed_dim // num_heads)
        self.K = check_int("belief_dim", k, minimum=1)
        if isinstance(kappa, bool) or not isinstance(kappa, int | float) or not kappa > 0:
            raise ValueError(f"kappa must be a number > 0; got {kappa!r}")
        self.embed_dim, self.num_heads = embed_dim, num_heads
        self.batch_first = bool(batch_first)
        self.dropout = check_dropout(dropout)
        self.kappa, self.transport = float(kappa), bool(transport)
        h, kk = num_heads, self.K
        self.register_parameter("in_proj_weight", None)
        self.register_parameter("in_proj_bias", None)
        self.mu = nn.Linear(embed_dim, h * kk, bias=bias, **factory)
        self.log_var = nn.Linear(embed_dim, h * kk, bias=bias, **factory)
        nn.init.zeros_(self.log_var.weight)
        if self.log_var.bias is not None:
            nn.init.zeros_(self.log_var.bias)
        self.n_gen = kk * (kk - 1) // 2
        self.phi = (nn.Linear(embed_dim, h * self.n_gen, bias=bias, **factory)
                    if transport and self.n_gen else None)
        if self.phi is not None:
            nn.init.normal_(self.phi.weight, std=0.02)
            if self.phi.bias is not None:
                nn.init.zeros_(self.phi.bias)
        self.out_proj = nn.Linear(h * kk, embed_dim, bias=bias, **factory)
        # structure, not state: a plain tensor (no buffer for to_empty() to clobber)
        self._iu = torch.triu_indices(kk, kk, offset=1)

    def beliefs(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """``(B, N, E)`` -> means ``(B, H, N, K)``, covariances ``(B, H, N, K, K)`` in the
        token's frame, and frames ``(B, H, N, K, K)`` (orthogonal).

        Computed in ``float32`` for half-precision inputs (see the module docs)."""
        mu, var, frames = self._belief_parts(x)
        return mu, torch.diag_embed(var), frames

    def _belief_parts(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Means, the diagonal of each covariance in its own frame, and the frames."""
        b, n, _ = x.shape
        h, kk = self.num_heads, self.K
        ct = torch.float32 if x.dtype in _LOW_PRECISION else x.dtype
        mu = self.mu(x).to(ct).view(b, n, h, kk).transpose(1, 2)
        log_var = self.log_var(x).to(ct).clamp(-8, 8)
        gen = self.phi(x).to(ct) if self.phi is not None else None
        with torch.autocast(x.device.type, enabled=False):
            var = torch.exp(log_var).view(b, n, h, kk).transpose(1, 2)
            if gen is None:
                frames = torch.eye(kk, dtype=ct, device=x.device).expand(b, h, n, kk, kk)
            else:
                g = gen.view(b, n, h, self.n_gen).transpose(1, 2)
                a = torch.zeros(b, h, n, kk, kk, dtype=ct, device=x.device)
                iu = self._iu.to(x.device)
                a[..., iu[0], iu[1]] = g
                frames = torch.linalg.matrix_exp(a - a.transpose(-1, -2))
        return mu, var, frames

    @staticmethod
    def divergences(mu: Tensor, var: Tensor, frames: Tensor) -> Tensor:
        r"""``KL(q_i || Omega_ij q_j)`` for all pairs, ``(..., N, N)``, from means ``mu``,
        own-frame diagonal variances ``var`` and frames ``U``.

        The covariance is diagonal in each token's frame, so in the common frame
        :math:`\tilde\Sigma_j^{-1} = U_j^\top \mathrm{diag}(1/\sigma_j^2) U_j` and
        :math:`\log\det\tilde\Sigma_j = \sum\log\sigma_j^2` in closed form: no Cholesky, no
        inverse (the general operator is :func:`holonet.attention.kl.gaussian_kl_matrix`;
        the tests check that both agree).
        """
        kk = mu.shape[-1]
        ut = frames.transpose(-1, -2)
        mu_c = (ut @ mu.unsqueeze(-1)).squeeze(-1)                       # U^T mu
        sigma_c = ut @ (var.unsqueeze(-1) * frames)                      # U^T diag(v) U
        prec = ut @ (frames / var.unsqueeze(-1))                         # U^T diag(1/v) U
        second = sigma_c + mu_c.unsqueeze(-1) * mu_c.unsqueeze(-2)
        lead = tuple(mu.shape[:-1])
        quad = second.reshape(*lead, kk * kk) @ prec.reshape(*lead, kk * kk).transpose(-1, -2)
        pmu = (prec @ mu_c.unsqueeze(-1)).squeeze(-1)                    # P_j mu_j
        cross = mu_c @ pmu.transpose(-1, -2)                             # mu_i . P_j mu_j
        self_term = (mu_c * pmu).sum(-1)
        logdet = torch.log(var).sum(-1)
        return 0.5 * (quad - 2.0 * cross + self_term.unsqueeze(-2) - kk
                      + logdet.unsqueeze(-2) - logdet.unsqueeze(-1))

    def forward(self, query: Tensor, key: Tensor | None = None, value: Tensor | None = None,
                key_padding_mask: Tensor | None = None, need_weights: bool = False,
                attn_mask: Tensor | None = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
        """As :meth:`torch.nn.MultiheadAttention.forward` (self-attention: key/value must be
        the query or ``None``; ``need_weights`` defaults to ``False``)."""
        call = self._prepare(query, key, value, key_padding_mask, need_weights, attn_mask,
                             average_attn_weights, is_causal)
        x = call.query
        b, n, _ = x.shape
        mu, var, frames = self._belief_parts(x)
        blocked: Tensor | None = None
        if call.ignore is not None:
            blocked = call.ignore[:, None, None, :]
        if call.attn_mask is not None:
            blocked = call.attn_mask if blocked is None else blocked | call.attn_mask
        if call.causal:
            c = causal_bool_mask(n, n, x.device)[None, None]
            blocked = c if blocked is None else blocked | c
        with torch.autocast(x.device.type, enabled=False):
            kl = self.divergences(mu, var, frames)                     # (B, H, N, N)
            # messages: transported means, summed in the common frame e^{-phi_i} q_i
            mu_c = (frames.transpose(-1, -2) @ mu.unsqueeze(-1)).squeeze(-1)
            ok = None if blocked is None else (~blocked).expand_as(kl)
            beta = masked_softmax(-kl / self.kappa, ok, dim=-1)
            if self.training and self.dropout > 0:
                beta = F.dropout(beta, p=self.dropout)
            msg = beta @ mu_c                                          # in the common frame
            out = (frames @ msg.unsqueeze(-1)).squeeze(-1)             # back to i's frame
        out = out.to(x.dtype)
        out = self.out_proj(out.transpose(1, 2).reshape(b, n, -1))
        if self.recording:
            self._store(beta[0], torch.zeros(n, dtype=torch.long), out[0],
                        [f"t{i}" for i in range(n)], layer="KLAttention")
        return self._finish(call, out, beta.to(x.dtype) if call.need_weights else None)
