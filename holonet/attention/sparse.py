r"""Sparse local + global attention (sliding window plus global core tokens): the baseline.

The Longformer/BigBird pattern: query ``i`` attends to keys ``j`` with
``|i - j| <= window`` and to every *global* token; global tokens attend to
everything. Softmax is taken over the allowed keys only. The derived patterns
(HSA, MERA cone, holographic rings) are compared against this one.

:func:`local_global_mask` gives the ``(N, N)`` pattern, :func:`local_global_matrix`
the materialised attention matrix, and :func:`local_global_attention` the
operator in ``O(N·(3w + g)·d)`` time: the sequence is cut into chunks of
``w`` tokens, each chunk attends to itself and its two neighbours with a band
mask (reshapes, no gathers), global keys are added to every row, and the ``g``
global rows are dense.

Examples
--------
>>> import numpy as np
>>> q, k, v = np.random.default_rng(0).standard_normal((3, 20, 4))
>>> out = local_global_attention(q, k, v, window=3, global_tokens=[0, 7])
>>> ref = local_global_matrix(q, k, window=3, global_tokens=[0, 7]) @ v
>>> bool(np.allclose(out, ref))
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from holonet._options import check_int
from holonet.attention import _ops
from holonet.attention._ops import check_memory
from holonet.backend import do

__all__ = ["local_global_attention", "local_global_mask", "local_global_matrix"]


def _globals(n: int, global_tokens: Sequence[int] | None) -> np.ndarray:
    g = np.unique(np.asarray(list(global_tokens or []), dtype=np.int64))
    if g.size and (g.min() < 0 or g.max() >= n):
        raise ValueError(f"global token indices must be in 0..{n - 1}; got {g.tolist()}")
    return g


def local_global_mask(n: int, window: int, global_tokens: Sequence[int] | None = None, *,
                      include_self: bool = True,
                      memory_limit: int | str | None = None) -> np.ndarray:
    """Boolean ``(N, N)`` pattern: ``|i - j| <= window`` or ``i`` or ``j`` global.

    Built directly as booleans (``N²`` bytes, no integer ``N×N`` intermediate);
    above ``memory_limit`` (default :func:`holonet.contract.default_memory_limit`,
    ``HOLONET_MEMORY_LIMIT``) :class:`holonet.attention.AttentionTooLarge` is
    raised before anything is allocated.

    Examples
    --------
    >>> local_global_mask(5, 1, [4]).astype(int).tolist()[0]
    [1, 1, 0, 0, 1]
    """
    n = check_int("n", n, minimum=1)
    window = check_int("window", window, minimum=0)
    check_memory("local_global_mask", n * n, memory_limit,
                 f"it materialises an N×N boolean mask (N = {n:,}); "
                 "local_global_attention() needs O(N·window) memory; ")
    g = _globals(n, global_tokens)
    idx = np.arange(n)
    # |i - j| <= w  <=>  j >= i - w and j <= i + w: two boolean outer comparisons
    mask = np.greater_equal.outer(idx + window, idx)
    mask &= np.less_equal.outer(idx - window, idx)
    mask[g, :] = True
    mask[:, g] = True
    if not include_self:
        np.fill_diagonal(mask, False)
    return mask


def local_global_matrix(q: Any, k: Any, window: int, global_tokens: Sequence[int] | None = None,
                        include_self: bool = True, *, scale: float | None = None,
                        memory_limit: int | str | None = None) -> Any:
    """The materialised ``(..., N, N)`` local + global attention matrix (reference).

    Quadratic: refused with :class:`holonet.attention.AttentionTooLarge` above
    ``memory_limit`` (about ``(1 + 3·batch·itemsize)·N²`` bytes).

    Examples
    --------
    >>> import numpy as np
    >>> q, k = np.random.default_rng(1).standard_normal((2, 6, 2))
    >>> a = local_global_matrix(q, k, window=1)
    >>> bool(a[0, 3] == 0 and np.isclose(a[0].sum(), 1))
    True
    """
    n, d = _ops.check_qkv(q, k)
    batch = math.prod(int(x) for x in q.shape[:-2])
    itemsize = 8 if "float64" in str(q.dtype) else 4
    check_memory("local_global_matrix", n * n * (1 + 3 * batch * itemsize), memory_limit,
                 f"it materialises N×N matrices (N = {n:,}); local_global_attention() "
                 "needs O(N·window) memory; ")
    scale = 1.0 / math.sqrt(d) if scale is None else float(scale)
    mask = local_global_mask(n, window, global_tokens, include_self=include_self,
                             memory_limit=memory_limit)
    s = (q * scale) @ _ops.swap_last(k)
    s = do("where", _ops.const(mask, q), s, _ops.NEG_INF)
    m = _ops.safe_max(s)
    w = do("exp", s - m[..., None])
    z = do("sum", w, axis=-1)
    return w / do("where", z > 0, z, 1.0)[..., None]


def local_global_attention(q: Any, k: Any, v: Any, window: int,
                           global_tokens: Sequence[int] | None = None,
                           include_self: bool = True, *, scale: float | None = None) -> Any:
    """Sliding-window + global-token attention in linear time (chunked band, see module).

    Parameters
    ----------
    q, k, v
        ``(..., N, d)``, ``(..., N, d)``, ``(..., N, dv)``.
    window
        Half-width ``w`` of the local band.
    global_tokens
        Indices of the global (core) tokens.

    Examples
    --------
    >>> import numpy as np
    >>> q, k, v = np.random.default_rng(2).standard_normal((3, 2, 9, 3))
    >>> local_global_attention(q, k, v, window=2).shape
    (2, 9, 3)
    """
    n, d = _ops.check_qkv(q, k, v)
    window = check_int("window", window, minimum=0)
    g = _globals(n, global_tokens)
    scale = 1.0 / math.sqrt(d) if scale is None else float(scale)
    lead = tuple(q.shape[:-2])
    dv = v.shape[-1]
    q3 = do("reshape", q, (-1, n, d)) * scale
    k3 = do("reshape", k, (-1, n, d))
    v3 = do("reshape", v, (-1, n, dv))
    bsz = q3.shape[0]
    w = max(window, 1)
    n_chunks = -(-n // w)
    n_pad = n_chunks * w
    qp, kp, vp = (_ops.pad_rows(x, n_pad - n) for x in (q3, k3, v3))
    is_global = np.zeros(n_pad + 2 * w, dtype=bool)
    is_global[w + g] = True
    real = np.zeros(n_pad + 2 * w, dtype=bool)
    real[w:w + n] = True
    # keys of chunk c: chunks c-1, c, c+1 (zero-padded at the ends)
    kpp = _ops.pad_rows(do("concatenate", [_ops.zeros((bsz, w, d), kp), kp], axis=1), w)
    vpp = _ops.pad_rows(do("concatenate", [_ops.zeros((bsz, w, dv), vp), vp], axis=1), w)
    kc = do("reshape", kpp, (bsz, n_chunks + 2, w, d))
    vc = do("reshape", vpp, (bsz, n_chunks + 2, w, dv))
    kwin = do("concatenate", [kc[:, 0:n_chunks], kc[:, 1:n_chunks + 1], kc[:, 2:]], axis=2)
    vwin = do("concatenate", [vc[:, 0:n_chunks], vc[:, 1:n_chunks + 1], vc[:, 2:]], axis=2)
    qc = do("reshape", qp, (bsz, n_chunks, w, d))
    s_loc = qc @ _ops.swap_last(kwin)                          # (B, C, w, 3w)
    # host mask: band, real keys, and global keys excluded (they are added below)
    qi = np.arange(n_chunks)[:, None, None] * w + np.arange(w)[None, :, None]
    kj = (np.arange(n_chunks)[:, None, None] - 1) * w + np.arange(3 * w)[None, None, :]
    allowed = (np.abs(qi - kj) <= window) & real[kj + w] & ~is_global[kj + w]
    if not include_self:
        allowed &= qi != kj
    s_loc = do("where", _ops.const(allowed, q3)[None], s_loc, _ops.NEG_INF)
    s_loc = do("reshape", s_loc, (bsz, n_pad, 3 * w))
    parts_s = [s_loc]
    if g.size:
        gi = _ops.const(g, q3)
        kg, vg = k3[:, gi], v3[:, gi]
        s_g = qp @ _ops.swap_last(kg)                          # (B, Npad, g)
        if not include_self:
            self_g = np.zeros((n_pad, g.size), dtype=bool)
            self_g[g, np.arange(g.size)] = True
            s_g = do("where", _ops.const(self_g, q3)[None], _ops.NEG_INF, s_g)
        parts_s.append(s_g)
    m: Any = None
    for s in parts_s:
        ms = do("max", s, axis=-1)
        m = ms if m is None else do("maximum", m, ms)
    m = do("where", do("isfinite", m), m, 0.0)
    p_loc = do("exp", s_loc - m[..., None])
    acc = do("reshape", do("reshape", p_loc, (bsz, n_chunks, w, 3 * w)) @ vwin,
             (bsz, n_pad, dv))
    z = do("sum", p_loc, axis=-1)
    if g.size:
        p_g = do("exp", parts_s[1] - m[..., None])
        acc = acc + p_g @ vg
        z = z + do("sum", p_g, axis=-1)
    out = (acc / do("where", z > 0, z, 1.0)[..., None])[:, :n]
    if g.size:  # global queries attend to every key: dense rows
        sg = q3[:, gi] @ _ops.swap_last(k3)                   # (B, g, N)
        if not include_self:
            own = np.zeros((g.size, n), dtype=bool)
            own[np.arange(g.size), g] = True
            sg = do("where", _ops.const(own, q3)[None], _ops.NEG_INF, sg)
        pg = do("exp", sg - _ops.safe_max(sg)[..., None])
        zg = do("sum", pg, axis=-1)
        rows = (pg @ v3) / do("where", zg > 0, zg, 1.0)[..., None]
        sel = np.zeros(n, dtype=bool)
        sel[g] = True
        pos = np.cumsum(sel) - 1                              # row of token i in ``rows``
        gathered = rows[:, _ops.const(np.where(sel, pos, 0), q3)]
        out = do("where", _ops.const(sel[:, None], q3)[None], gathered, out)
    return do("reshape", out, lead + (n, dv))
