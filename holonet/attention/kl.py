r"""KL-Gaussian (information-geometric) attention with gauge transport, and consensus condensation.

Each token carries a Gaussian belief :math:`q_i = \mathcal N(\mu_i, \Sigma_i)` in
its own frame :math:`U_i \in SO(K)` (``U_i = e^{\phi_i}``, :math:`\phi_i \in
\mathfrak{so}(K)`). The transport :math:`\Omega_{ij} = U_i U_j^\top` carries
``q_j`` into ``i``'s frame, and attention is

.. math::

    \beta_{ij} = \operatorname{softmax}_j\big(-\mathrm{KL}(q_i \,\|\, \Omega_{ij} q_j)/\kappa\big)

with no query/key projections. Because :math:`\Omega_{ij}` is orthogonal,
:math:`\mathrm{KL}(q_i\|\Omega_{ij}q_j) = \mathrm{KL}(\tilde q_i\|\tilde q_j)` with
the *pulled-back* beliefs :math:`\tilde\mu = U^\top\mu`,
:math:`\tilde\Sigma = U^\top\Sigma U` (theory/attention.md, §5): all pairs are
computed with a few matmuls in the common frame, ``O(N²K² + NK³)``, and local
gauge covariance (``μ_i → g_iμ_i``, ``Σ_i → g_iΣ_ig_i^T``, ``U_i → g_iU_i``) is
exact by construction. The message to ``i`` is the ``β``-mixture of the
transported beliefs, moment-matched to one Gaussian.

:func:`condense` merges tokens whose mutual (symmetrised) KL is below a
threshold into meta-tokens (complete linkage: every pair inside a meta-token
is below the threshold), repeats on the meta-tokens with a growing threshold,
and returns the hierarchy as a :class:`~holonet.attention.Tree` for
:func:`~holonet.attention.hsa`.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> mu = rng.standard_normal((5, 3))
>>> sigma = np.broadcast_to(np.eye(3), (5, 3, 3))
>>> out = kl_attention(mu, sigma, kappa=1.0)
>>> out.mu.shape, out.sigma.shape, out.weights.shape
((5, 3), (5, 3, 3), (5, 5))
>>> d2 = ((mu[:, None] - mu[None]) ** 2).sum(-1)
>>> w = np.exp(-d2 / 2); w /= w.sum(1, keepdims=True)
>>> bool(np.allclose(out.weights, w))
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from holonet.attention import _ops
from holonet.attention.tree import Tree
from holonet.backend import do, get_backend, to_numpy

__all__ = [
    "Condensation",
    "KLMessages",
    "condense",
    "expm_so",
    "gaussian_kl_matrix",
    "kl_attention",
    "kl_weights",
]


class KLMessages(NamedTuple):
    """Output of :func:`kl_attention`: the moment-matched messages and the weights.

    Examples
    --------
    >>> import numpy as np
    >>> out = kl_attention(np.zeros((3, 2)), np.broadcast_to(np.eye(2), (3, 2, 2)))
    >>> isinstance(out, KLMessages), out._fields
    (True, ('mu', 'sigma', 'weights'))
    >>> mu, sigma, weights = out                 # identical beliefs: uniform weights
    >>> weights.round(3).tolist()
    [[0.333, 0.333, 0.333], [0.333, 0.333, 0.333], [0.333, 0.333, 0.333]]
    """

    mu: Any
    sigma: Any
    weights: Any


def expm_so(phi: Any) -> Any:
    """Matrix exponential of (a batch of) ``so(K)`` elements, on ``phi``'s backend.

    torch uses ``torch.linalg.matrix_exp`` (differentiable), numpy ``scipy.linalg.expm``;
    other backends a scaled-and-squared Taylor series.

    Examples
    --------
    >>> import numpy as np
    >>> r = expm_so(np.array([[0.0, -np.pi / 2], [np.pi / 2, 0.0]]))
    >>> np.round(r, 12).tolist()
    [[0.0, -1.0], [1.0, 0.0]]
    """
    name = get_backend(phi)
    if name == "torch":
        import torch

        return torch.linalg.matrix_exp(phi)
    if name == "numpy":
        from scipy.linalg import expm

        return expm(np.asarray(phi))
    # generic: scaling and squaring with a degree-12 Taylor polynomial
    norm = float(np.max(np.abs(to_numpy(phi)).sum(-1)))  # pragma: no cover - cupy only
    s = max(0, int(math.ceil(math.log2(max(norm, 1e-300)))) + 1)  # pragma: no cover
    a = phi / (2.0 ** s)  # pragma: no cover
    eye = _ops.const(np.eye(phi.shape[-1]), phi)  # pragma: no cover
    term, out = eye, eye  # pragma: no cover
    for j in range(1, 13):  # pragma: no cover
        term = term @ a / j
        out = out + term
    for _ in range(s):  # pragma: no cover
        out = out @ out
    return out  # pragma: no cover


def _frames(mu: Any, phi: Any, frames: Any) -> Any:
    if phi is not None and frames is not None:
        raise ValueError("give either phi (so(K) generators) or frames (SO(K)), not both")
    if phi is not None:
        if tuple(phi.shape) != tuple(mu.shape) + (mu.shape[-1],):
            raise ValueError(f"phi must have shape {tuple(mu.shape) + (mu.shape[-1],)}; got "
                             f"{tuple(phi.shape)}")
        host = to_numpy(phi)
        asym = float(np.abs(host + np.swapaxes(host, -1, -2)).max()) if host.size else 0.0
        if asym > 1e-8 * max(1.0, float(np.abs(host).max()) if host.size else 1.0):
            raise ValueError(f"phi must be antisymmetric (in so(K)); |phi + phi^T| = {asym:.3g}")
        return expm_so(phi)
    if frames is not None and tuple(frames.shape) != tuple(mu.shape) + (mu.shape[-1],):
        raise ValueError(f"frames must have shape {tuple(mu.shape) + (mu.shape[-1],)}; got "
                         f"{tuple(frames.shape)}")
    return frames


def _pull_back(mu: Any, sigma: Any, u: Any) -> tuple[Any, Any]:
    """Beliefs in the common frame: ``U^T mu`` and ``U^T Sigma U``."""
    if u is None:
        return mu, sigma
    ut = _ops.swap_last(u)
    mu_c = (ut @ mu[..., None])[..., 0]
    return mu_c, ut @ sigma @ u


def _check(mu: Any, sigma: Any) -> int:
    if len(mu.shape) < 2:
        raise ValueError(f"mu must have shape (..., N, K); got {tuple(mu.shape)}")
    kdim = int(mu.shape[-1])
    if tuple(sigma.shape) != tuple(mu.shape) + (kdim,):
        raise ValueError(f"sigma must have shape {tuple(mu.shape) + (kdim,)}; got "
                         f"{tuple(sigma.shape)}")
    return kdim


def _kl_common(mu: Any, sigma: Any) -> Any:
    """``KL(q_i || q_j)`` for all pairs of beliefs already in one frame: ``(..., N, N)``."""
    kdim = mu.shape[-1]
    chol = do("linalg.cholesky", sigma)
    logdet = 2.0 * do("sum", do("log", do("einsum", "...ii->...i", chol)), axis=-1)
    prec = do("linalg.inv", sigma)
    prec = 0.5 * (prec + _ops.swap_last(prec))
    # tr(P_j Sigma_i) + mu_i^T P_j mu_i  =  <P_j, Sigma_i + mu_i mu_i^T>
    second = sigma + mu[..., :, None] * mu[..., None, :]
    flat_p = do("reshape", prec, tuple(prec.shape[:-2]) + (kdim * kdim,))
    flat_s = do("reshape", second, tuple(second.shape[:-2]) + (kdim * kdim,))
    quad = flat_s @ _ops.swap_last(flat_p)                      # (..., i, j)
    pmu = (prec @ mu[..., None])[..., 0]                        # P_j mu_j
    cross = mu @ _ops.swap_last(pmu)                            # mu_i . P_j mu_j
    self_term = do("sum", mu * pmu, axis=-1)                    # mu_j P_j mu_j
    kl = 0.5 * (quad - 2.0 * cross + self_term[..., None, :] - kdim
                + logdet[..., None, :] - logdet[..., :, None])
    return kl


def gaussian_kl_matrix(mu: Any, sigma: Any, phi: Any = None, *, frames: Any = None) -> Any:
    """``KL(q_i ‖ Ω_ij q_j)`` for all pairs, shape ``(..., N, N)``.

    Examples
    --------
    >>> import numpy as np
    >>> mu = np.array([[0.0, 0.0], [1.0, 0.0]])
    >>> sigma = np.stack([np.eye(2), 2 * np.eye(2)])
    >>> kl = gaussian_kl_matrix(mu, sigma)
    >>> bool(np.isclose(kl[0, 1], 0.5 * (1 + 0.5 - 2 + 2 * np.log(2))))
    True
    """
    _check(mu, sigma)
    mu_c, sigma_c = _pull_back(mu, sigma, _frames(mu, phi, frames))
    return _kl_common(mu_c, sigma_c)


def kl_weights(mu: Any, sigma: Any, phi: Any = None, *, frames: Any = None,
               kappa: float = 1.0, include_self: bool = True) -> Any:
    """Attention weights ``β_ij = softmax_j(-KL(q_i ‖ Ω_ij q_j)/κ)``, shape ``(..., N, N)``.

    Examples
    --------
    >>> import numpy as np
    >>> mu = np.zeros((3, 2)); sigma = np.broadcast_to(np.eye(2), (3, 2, 2))
    >>> kl_weights(mu, sigma).round(6).tolist()[0]
    [0.333333, 0.333333, 0.333333]
    """
    kappa = float(kappa)
    if not kappa > 0:
        raise ValueError(f"kappa must be > 0; got {kappa}")
    kl = gaussian_kl_matrix(mu, sigma, phi, frames=frames)
    s = -kl / kappa
    if not include_self:
        n = mu.shape[-2]
        s = do("where", _ops.const(np.eye(n, dtype=bool), mu), _ops.NEG_INF, s)
    m = _ops.safe_max(s)
    w = do("exp", s - m[..., None])
    return w / do("sum", w, axis=-1)[..., None]


def kl_attention(mu: Any, sigma: Any, phi: Any = None, *, frames: Any = None,
                 kappa: float = 1.0, include_self: bool = True) -> KLMessages:
    """KL-Gaussian attention with gauge transport; messages are transported beliefs.

    Parameters
    ----------
    mu, sigma
        Beliefs: means ``(..., N, K)`` and SPD covariances ``(..., N, K, K)``, each
        in its token's own frame.
    phi
        Optional ``(..., N, K, K)`` antisymmetric generators: frames ``U_i = e^{φ_i}``.
    frames
        Optional ``(..., N, K, K)`` orthogonal frames (instead of ``phi``).
        Neither: identity transport.
    kappa
        Temperature.
    include_self
        Whether token ``i`` attends to itself (``KL(q_i‖q_i) = 0``).

    Returns
    -------
    KLMessages
        ``mu`` ``(..., N, K)`` and ``sigma`` ``(..., N, K, K)``: the ``β``-mixture of the
        transported beliefs ``Ω_ij q_j``, moment-matched, in ``i``'s frame;
        ``weights`` ``(..., N, N)``.

    Examples
    --------
    >>> import numpy as np
    >>> mu = np.array([[0.0, 0.0], [0.0, 0.0]])
    >>> sigma = np.stack([np.eye(2), np.eye(2)])
    >>> out = kl_attention(mu, sigma)
    >>> out.weights.tolist(), np.allclose(out.sigma, np.eye(2))
    ([[0.5, 0.5], [0.5, 0.5]], True)
    """
    _check(mu, sigma)
    u = _frames(mu, phi, frames)
    mu_c, sigma_c = _pull_back(mu, sigma, u)
    beta = kl_weights(mu_c, sigma_c, kappa=kappa, include_self=include_self)
    m_c = beta @ mu_c
    kdim = mu.shape[-1]
    second = sigma_c + mu_c[..., :, None] * mu_c[..., None, :]
    flat = do("reshape", second, tuple(second.shape[:-2]) + (kdim * kdim,))
    mix = do("reshape", beta @ flat, tuple(second.shape))
    s_c = mix - m_c[..., :, None] * m_c[..., None, :]
    s_c = 0.5 * (s_c + _ops.swap_last(s_c))
    if u is None:
        return KLMessages(m_c, s_c, beta)
    mu_out = (u @ m_c[..., None])[..., 0]
    return KLMessages(mu_out, u @ s_c @ _ops.swap_last(u), beta)


# ---------------------------------------------------------------------------------
# consensus condensation


@dataclass
class Condensation:
    """Result of :func:`condense`: the hierarchy and the beliefs at every scale.

    Attributes
    ----------
    tree
        The hierarchy as a :class:`Tree` (leaves = the input tokens).
    assignments
        ``assignments[l][u]``: meta-token at level ``l + 1`` of node ``u`` of level ``l``.
    mu, sigma
        Beliefs per level (level 0 = the inputs, in the common frame), backend arrays.
    thresholds
        The mutual-KL threshold used to form each level.

    Examples
    --------
    >>> import numpy as np
    >>> c = condense(np.array([[0.0], [0.1], [5.0], [5.1]]), np.ones((4, 1, 1)),
    ...              threshold=0.1)
    >>> isinstance(c, Condensation), c.tree.level_sizes
    (True, [4, 2, 1])
    >>> [a.tolist() for a in c.assignments]
    [[0, 0, 1, 1], [0, 0]]
    >>> [m.ravel().round(3).tolist() for m in c.mu]    # beliefs per level
    [[0.0, 0.1, 5.0, 5.1], [0.05, 5.05], [2.55]]
    """

    tree: Tree
    assignments: list[np.ndarray]
    mu: list[Any] = field(default_factory=list)
    sigma: list[Any] = field(default_factory=list)
    thresholds: list[float] = field(default_factory=list)

    def top_down(self, level: int) -> tuple[Any, Any]:
        """Top-down coupling: every input token receives its level-``level`` meta-belief.

        Returns ``(mu, sigma)`` of shapes ``(N, K)``, ``(N, K, K)`` (common frame):
        the belief of each token's ancestor at ``level`` (``0`` = the token itself),
        the prior a coarse scale sends back to its members.

        Examples
        --------
        >>> import numpy as np
        >>> c = condense(np.array([[0.0], [0.2], [9.0]]), np.ones((3, 1, 1)), threshold=0.1)
        >>> c.top_down(1)[0].ravel().round(3).tolist()
        [0.1, 0.1, 9.0]
        """
        from holonet._options import check_int

        level = check_int("level", level, minimum=0, maximum=len(self.assignments))
        idx = np.arange(self.assignments[0].size if self.assignments else 1)
        for a in self.assignments[:level]:
            idx = a[idx]
        ix = _ops.const(idx, self.mu[level])
        return self.mu[level][ix], self.sigma[level][ix]


def condense(mu: Any, sigma: Any, phi: Any = None, *, frames: Any = None,
             threshold: float = 1.0, growth: float = 2.0, max_levels: int = 8) -> Condensation:
    """Consensus condensation: merge tokens in mutual KL agreement into meta-tokens.

    At each level the symmetrised divergence ``D_uv = (KL(q_u‖q_v) + KL(q_v‖q_u))/2``
    between the current (meta-)tokens, transported into a common frame, is
    clustered by complete linkage at ``threshold``: every pair inside a
    meta-token has ``D_uv <= threshold``. A meta-token's belief is the
    moment-matched equal mixture of its members (so it is differentiable in the
    inputs). The threshold is multiplied by ``growth`` at each level (doubling
    again while nothing merges); after ``max_levels`` the rest is joined under
    the root.

    Parameters
    ----------
    mu, sigma, phi, frames
        One sequence of beliefs ``(N, K)``, ``(N, K, K)`` (no batch dims), as in
        :func:`kl_attention`.

    Examples
    --------
    >>> import numpy as np
    >>> mu = np.array([[0.0], [0.1], [5.0], [5.1]])
    >>> sigma = np.broadcast_to(np.eye(1), (4, 1, 1))
    >>> c = condense(mu, sigma, threshold=0.1)
    >>> c.assignments[0].tolist(), c.tree.level_sizes
    ([0, 0, 1, 1], [4, 2, 1])
    """
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    kdim = _check(mu, sigma)
    if len(mu.shape) != 2:
        raise ValueError(f"condense takes one sequence: mu of shape (N, K); got "
                         f"{tuple(mu.shape)}")
    threshold, growth = float(threshold), float(growth)
    if not threshold > 0 or not growth > 1:
        raise ValueError(f"need threshold > 0 and growth > 1; got {threshold}, {growth}")
    mu_c, sigma_c = _pull_back(mu, sigma, _frames(mu, phi, frames))
    out = Condensation(tree=Tree.fixed_windows(1, [1]), assignments=[], mu=[mu_c],
                       sigma=[sigma_c])
    cur_mu, cur_sigma = mu_c, sigma_c
    t = threshold
    for _ in range(max_levels):
        n = cur_mu.shape[0]
        if n == 1:
            break
        kl = to_numpy(_kl_common(cur_mu, cur_sigma)).astype(np.float64)
        dist = 0.5 * (kl + kl.T)
        np.fill_diagonal(dist, 0.0)
        dist = np.maximum(dist, 0.0)
        z = linkage(squareform(dist, checks=False), method="complete")
        while True:
            labels = fcluster(z, t=t, criterion="distance")
            if labels.max() < n or t > 1e12:
                break
            t *= growth
        # relabel groups 0.. by first member (keeps sequence order where it exists)
        _, first, inv = np.unique(labels, return_index=True, return_inverse=True)
        rank = np.argsort(np.argsort(first))
        assign = rank[inv].astype(np.int64)
        n_groups = int(assign.max()) + 1
        member = np.zeros((n_groups, n))
        member[assign, np.arange(n)] = 1.0
        member /= member.sum(1, keepdims=True)
        w = _ops.const(member, cur_mu)
        new_mu = w @ cur_mu
        second = cur_sigma + cur_mu[:, :, None] * cur_mu[:, None, :]
        flat = do("reshape", second, (n, kdim * kdim))
        mix = do("reshape", w @ flat, (n_groups, kdim, kdim))
        new_sigma = mix - new_mu[:, :, None] * new_mu[:, None, :]
        new_sigma = 0.5 * (new_sigma + _ops.swap_last(new_sigma))
        out.assignments.append(assign)
        out.thresholds.append(t)
        out.mu.append(new_mu)
        out.sigma.append(new_sigma)
        cur_mu, cur_sigma = new_mu, new_sigma
        t *= growth
    if not out.assignments:  # a single token
        out.tree = Tree.fixed_windows(1, [1])
    else:
        out.tree = Tree.from_levels(out.assignments, meta={"kind": "consensus",
                                                           "thresholds": out.thresholds})
    return out
