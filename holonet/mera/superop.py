"""Ascending and descending superoperators, scaling superoperator, scaling dimensions.

For a translation-invariant layer, a local operator ``o`` on a window of
``width`` contiguous sites is mapped to the coarse level by the *ascending*
superoperator ``A_p(o) = V_p† o V_p``, where ``V_p`` is the part of the layer
in the window's past causal cone (:mod:`holonet.mera._doubled`). Averaging
over the window positions ``p`` of one unit cell gives the average ascending
superoperator; its adjoint (with respect to ``tr(rho o)``) is the average
*descending* superoperator, which maps a coarse density matrix to the fine one.

For a scale-invariant MERA the ascending map of the repeated layer is the
*scaling superoperator* ``S``. Its eigen-operators are the scaling operators
of the critical theory and its eigenvalues ``λ_α = b^{-Δ_α}`` give the
scaling dimensions ``Δ_α = -log_b |λ_α|`` (Pfeifer, Evenbly, Vidal,
arXiv:0810.0580). Windows used:

* binary: three-site windows (the cone width), both positions;
* ternary: two-site windows, all three positions (or ``width=1``: the
  one-site window at the centre of an isometry, which maps onto itself);
* modified binary: two-site windows, all four positions of the two-site unit
  cell; operator densities come in pairs (bonds starting on even and on odd
  sites), and the superoperator acts on the pair.

All contractions go through :func:`holonet.contract.contract`, whose plans
are cached by network structure, so repeated applications (Arnoldi) plan once.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from holonet.contract import contract
from holonet.mera._doubled import CellWindows, cell_windows, role
from holonet.mera.geometry import BRANCHING, CONE_WIDTH, PERIOD

__all__ = ["ascend", "descend", "scaling_dimensions", "scaling_superoperator"]


def _cell(mera: Any, layer: int) -> dict[str, np.ndarray]:
    if not getattr(mera, "translation_invariant", False):
        raise ValueError("superoperators need a translation-invariant MERA "
                         "(scale_invariant=True or translation_invariant=True)")
    n = mera.n_layers
    idx = layer if layer > 0 else n + 1 + layer
    if not 1 <= idx <= n:
        raise ValueError(f"layer must be in 1..{n} or -{n}..-1; got {layer}")
    return mera.layer_arrays()[idx - 1]


def _windows(kind: str, width: int) -> CellWindows:
    if width < 1 or width > CONE_WIDTH[kind]:
        raise ValueError(f"window width for a {kind} MERA must be 1..{CONE_WIDTH[kind]}; "
                         f"got {width}")
    return cell_windows(kind, width)


def _pairs(kind: str, net: Any, cell: dict[str, np.ndarray]) -> list[tuple[Any, tuple[str, ...]]]:
    out = []
    for e in net.tensors:
        a = cell[role(kind, e.name)]
        out.append((np.conj(a) if e.conj else a, e.legs))
    return out


def _default_width(kind: str) -> int:
    return CONE_WIDTH[kind]


def _as_classes(x: Any, dim: int, period: int) -> tuple[list[np.ndarray], bool]:
    """Operator densities per class; a single operator stands for every class."""
    if isinstance(x, list | tuple):
        if len(x) != period:
            raise ValueError(f"expected {period} operators (one per sublattice class); "
                             f"got {len(x)}")
        arrs = [np.asarray(o) for o in x]
        single = False
    else:
        arrs = [np.asarray(x)] * period
        single = True
    out = []
    for o in arrs:
        if o.ndim == 2:
            k = int(round(np.log(o.shape[0]) / np.log(dim)))
            o = o.reshape((dim,) * (2 * k))
        out.append(o)
    return out, single


def ascend(mera: Any, op: Any, *, layer: int = -1) -> Any:
    """Average ascending superoperator of ``layer`` applied to a local operator density.

    Parameters
    ----------
    mera
        A translation-invariant or scale-invariant :class:`~holonet.mera.MERA`.
    op
        Operator ``op[out_1..out_k, in_1..in_k]`` on ``k`` contiguous sites
        (``k`` up to the cone width), or a ``(d**k, d**k)`` matrix. For the
        modified binary MERA, whose layers have two-site unit cells, a pair
        ``[op_even, op_odd]`` (the densities on bonds starting on even and on
        odd sites, counted relative to the next layer's cell); a single
        operator stands for both.
    layer
        1-based layer index, negative from the top (default: the top layer).

    Returns
    -------
    numpy.ndarray or list
        The coarse operator density (a list of two for the modified binary MERA).

    Examples
    --------
    >>> from holonet.mera import MERA
    >>> m = MERA.rand("ternary", chi=3, d=3, scale_invariant=True, layers=1, seed=0)
    >>> one = np.eye(9).reshape(3, 3, 3, 3)
    >>> bool(np.allclose(ascend(m, one), one))      # isometries map 1 to 1
    True
    """
    cell = _cell(mera, layer)
    kind = mera.kind
    ops, _ = _as_classes(op, int(cell["U"].shape[0]), PERIOD[kind])
    k = ops[0].ndim // 2
    cw = _windows(kind, k)
    out: list[Any] = [0.0] * cw.period
    for net, (cf, cc) in zip(cw.windows, cw.classes, strict=True):
        out[cc] = out[cc] + contract(_pairs(kind, net, cell) + [(ops[cf], net.op_legs)],
                                     net.ascend_output)
    res = [np.asarray(o) / (len(cw.windows) / cw.period) for o in out]
    return res[0] if cw.period == 1 else res


def descend(mera: Any, rho: Any, *, layer: int = -1) -> Any:
    """Average descending superoperator (the adjoint of :func:`ascend`).

    Maps density matrices ``rho[out..., in...]`` on ``k`` coarse sites to ``k``
    fine sites, preserving trace and positivity (per class for the modified
    binary MERA, which takes and returns a pair ``[rho_even, rho_odd]``).

    Examples
    --------
    >>> from holonet.mera import MERA
    >>> m = MERA.rand("binary", chi=2, scale_invariant=True, layers=1, seed=0)
    >>> r = np.eye(8).reshape((2,) * 6) / 8
    >>> round(float(np.trace(descend(m, r).reshape(8, 8))), 12)
    1.0
    """
    cell = _cell(mera, layer)
    kind = mera.kind
    rhos, _ = _as_classes(rho, int(cell["W"].shape[-1]), PERIOD[kind])
    k = rhos[0].ndim // 2
    cw = _windows(kind, k)
    out: list[Any] = [0.0] * cw.period
    for net, (cf, cc) in zip(cw.windows, cw.classes, strict=True):
        out[cf] = out[cf] + contract(_pairs(kind, net, cell) + [(rhos[cc], net.rho_legs)],
                                     net.descend_output)
    res = [np.asarray(o) / (len(cw.windows) / cw.period) for o in out]
    return res[0] if cw.period == 1 else res


def scaling_superoperator(mera: Any, *, width: int | None = None, layer: int = -1) -> Any:
    """The ascending superoperator of the scale-invariant layer as a scipy ``LinearOperator``.

    Acts on vectorised ``width``-site operators (``chi**(2*width)`` entries; for
    the modified binary MERA the even- and odd-bond densities concatenated).

    Examples
    --------
    >>> from holonet.mera import MERA
    >>> m = MERA.rand("ternary", chi=2, scale_invariant=True, layers=1, seed=0)
    >>> scaling_superoperator(m, width=1).shape
    (4, 4)
    """
    from scipy.sparse.linalg import LinearOperator

    cell = _cell(mera, layer)
    dc = int(cell["W"].shape[-1])
    if int(cell["U"].shape[0]) != dc:
        raise ValueError(f"layer {layer} is not scale invariant: fine dimension "
                         f"{cell['U'].shape[0]} != coarse dimension {dc}")
    width = _default_width(mera.kind) if width is None else int(width)
    shape = (dc,) * (2 * width)
    period = PERIOD[mera.kind]
    block = dc ** (2 * width)
    n = period * block
    dtype = np.result_type(*cell.values(), np.float64)

    def matvec(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x).reshape(-1)
        if period == 1:
            return np.asarray(ascend(mera, x.reshape(shape), layer=layer)).reshape(-1)
        parts = [x[c * block:(c + 1) * block].reshape(shape) for c in range(period)]
        out = ascend(mera, parts, layer=layer)
        return np.concatenate([np.asarray(o).reshape(-1) for o in out])

    return LinearOperator((n, n), matvec=matvec, dtype=dtype)


def scaling_dimensions(mera: Any, n: int = 10, *, width: int | None = None,
                       layer: int = -1, return_eigenvalues: bool = False) -> Any:
    """The ``n`` smallest scaling dimensions ``Δ = -log_b |λ|`` of a scale-invariant MERA.

    ``λ`` are the eigenvalues of largest magnitude of
    :func:`scaling_superoperator` (dense diagonalisation up to 256
    dimensions, Arnoldi above); ``b`` is 2 (binary, modified binary) or 3 (ternary).
    The first value is 0 (the identity operator) for an isometric MERA. For the
    modified binary MERA the superoperator acts on pairs of bond densities;
    the redundant (null) pairs have negative eigenvalues and are discarded.

    Examples
    --------
    >>> from holonet.mera import MERA
    >>> m = MERA.rand("ternary", chi=2, scale_invariant=True, layers=1, seed=0)
    >>> round(float(scaling_dimensions(m, 2, width=1)[0]), 10)
    0.0
    """
    op = scaling_superoperator(mera, width=width, layer=layer)
    dim = op.shape[0]
    period = PERIOD[mera.kind]
    k = min(int(n) if period == 1 else 2 * int(n) + 6, dim)
    if dim <= 256 or k >= dim - 1:
        mat = np.column_stack([op.matvec(e) for e in np.eye(dim)])
        lam = np.linalg.eigvals(mat)
    else:
        from scipy.sparse.linalg import eigs

        v0 = np.random.default_rng(0).standard_normal(dim).astype(op.dtype)
        lam = eigs(op, k=k, which="LM", v0=v0, return_eigenvectors=False,
                   ncv=min(dim, max(2 * k + 1, 20)), tol=1e-10)
    lam = lam[np.argsort(-np.abs(lam))]
    if period == 2:
        # The pair of bond densities is a redundant description: densities whose
        # total operator vanishes (e.g. 1 on even bonds minus 1 on odd bonds) form
        # an invariant subspace. Under the alternating cells the map flips their
        # sign, so they show up with negative eigenvalues (the identity one is
        # exactly -1/2); scaling operators have lambda = b^(-Delta) > 0.
        lam = lam[lam.real > 0]
    lam = lam[: int(n)]
    b = BRANCHING[mera.kind]
    with np.errstate(divide="ignore"):
        delta = -np.log(np.abs(lam)) / np.log(b)
    order = np.argsort(delta)
    if return_eigenvalues:
        return delta[order], lam[order]
    return delta[order]
