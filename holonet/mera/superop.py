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

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from holonet._options import check_int, check_numeric, check_option
from holonet.contract import contract
from holonet.mera._doubled import CellWindows, cell_windows, role
from holonet.mera.geometry import BRANCHING, CONE_WIDTH, KINDS, PERIOD

__all__ = [
    "SUBSPACES",
    "PhysicalSubspace",
    "ascend",
    "descend",
    "physical_subspace",
    "scaling_dimensions",
    "scaling_superoperator",
]


def _cell(mera: Any, layer: int) -> dict[str, np.ndarray]:
    from holonet.mera.network import MERA

    if not isinstance(mera, MERA):
        raise TypeError(f"mera must be a holonet.mera.MERA; got {type(mera).__name__}")
    layer = check_int("layer", layer)
    if not mera.translation_invariant:
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
    _check_complete(kind, width)
    return cell_windows(kind, width)


def _pairs(kind: str, net: Any, cell: dict[str, np.ndarray]) -> list[tuple[Any, tuple[str, ...]]]:
    out = []
    for e in net.tensors:
        a = cell[role(kind, e.name)]
        out.append((np.conj(a) if e.conj else a, e.legs))
    return out


def _default_width(kind: str) -> int:
    return CONE_WIDTH[kind]


def _as_classes(x: Any, dim: int, period: int, name: str = "operator"
                ) -> tuple[list[np.ndarray], bool]:
    """Operator densities per class; a single operator stands for every class."""
    if isinstance(x, list | tuple):
        if len(x) != period:
            raise ValueError(f"expected {period} {name}s (one per sublattice class); "
                             f"got {len(x)}")
        arrs = list(x)
        single = False
    else:
        arrs = [x] * period
        single = True
    out = []
    for i, o in enumerate(arrs):
        what = name if single else f"{name} {i}"
        o = check_numeric(what, o)
        k = 0
        if o.ndim == 2 and o.shape[0] == o.shape[1]:
            while dim ** k < o.shape[0]:
                k += 1
            if dim ** k == o.shape[0] and k >= 1:
                o = o.reshape((dim,) * (2 * k))
        if not (o.ndim >= 2 and o.ndim % 2 == 0 and all(x == dim for x in o.shape)):
            raise ValueError(f"{what} must be a (d**k, d**k) matrix or an array of shape "
                             f"(d,) * 2k with site dimension d = {dim}; got shape {o.shape}")
        out.append(o)
    if len({o.ndim for o in out}) > 1:
        raise ValueError(f"the operators of the classes act on different numbers of sites: "
                         f"{[o.ndim // 2 for o in out]}")
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
    rhos, _ = _as_classes(rho, int(cell["W"].shape[-1]), PERIOD[kind], "density matrix")
    k = rhos[0].ndim // 2
    cw = _windows(kind, k)
    out: list[Any] = [0.0] * cw.period
    for net, (cf, cc) in zip(cw.windows, cw.classes, strict=True):
        out[cf] = out[cf] + contract(_pairs(kind, net, cell) + [(rhos[cc], net.rho_legs)],
                                     net.descend_output)
    res = [np.asarray(o) / (len(cw.windows) / cw.period) for o in out]
    return res[0] if cw.period == 1 else res


def _hs_basis(d: int) -> np.ndarray:
    """Real Hilbert-Schmidt-orthonormal basis ``E[α, out, in]`` of ``d x d`` matrices.

    ``E[0] = 1/√d`` (the identity); the others are traceless: symmetric and
    antisymmetric off-diagonal pairs and a Helmert basis of the traceless diagonal.
    """
    out = [np.eye(d) / np.sqrt(d)]
    r = 1.0 / np.sqrt(2.0)
    for i in range(d):
        for j in range(i + 1, d):
            s = np.zeros((d, d))
            s[i, j] = s[j, i] = r
            a = np.zeros((d, d))
            a[i, j], a[j, i] = r, -r
            out += [s, a]
    for m in range(1, d):
        v = np.zeros(d)
        v[:m], v[m] = 1.0, -float(m)
        out.append(np.diag(v / np.linalg.norm(v)))
    return np.asarray(out)


@dataclass(frozen=True, eq=False)
class PhysicalSubspace:
    """The operator densities of a superoperator modulo those whose total operator vanishes.

    The ascending superoperators act on *densities*: a ``width``-site operator
    ``o`` (per sublattice class for the modified binary MERA) stands for the
    translation-invariant total operator ``Σ_x o(x, ..., x+width-1)``. The map
    density -> total operator has a kernel, the *redundant (null) subspace*:
    for every ``(width-1)``-site operator ``b`` the density ``b⊗1 - 1⊗b``
    telescopes to zero (for the modified binary MERA ``b`` on one class and
    ``-1⊗b`` on the other), and the ascending map sends this subspace into
    itself. Its eigenvalues are no scaling dimensions of translation-invariant
    operators and its dimension is ``P·d**(2*(width-1)) - 1`` (``P`` classes).

    Construction (exact, no eigenvalue is inspected): in the real orthonormal
    operator basis ``{1/√d, traceless ...}`` on every site, a density is a
    coefficient tensor ``c[class, α_1..α_width]``. A basis string ``γ`` with
    non-identity ends, placed in a window with ``a`` identities on its left,
    lies at absolute sublattice ``(class + a) mod P``; its placements form a
    *chain*, and the total operator only sees the sum over each chain. The
    null vectors ``b⊗1 - 1⊗b`` are exactly the zero-sum vectors on chains,
    so the physical subspace (the orthogonal complement of the null one) is
    spanned by the normalised chain indicators: :meth:`restrict` is ``Q†``
    and :meth:`embed` is ``Q`` for this orthonormal basis ``Q``.

    Attributes
    ----------
    kind, width, d
        MERA kind, window width and site dimension.
    period
        Number of sublattice classes ``P`` (2 for the modified binary MERA).
    size
        Dimension of the physical subspace (number of chains).
    full_size
        Dimension of the density space, ``P * d**(2*width)``.

    Examples
    --------
    >>> ps = physical_subspace("ternary", 2, d=2)
    >>> ps.full_size, ps.size, ps.full_size - ps.size   # null: d**2 - 1 = 3
    (16, 13, 3)
    >>> x = np.kron(np.diag([1.0, -1.0]), np.eye(2))   # Z(x)1 - 1(x)Z: a null density
    >>> x = x - np.kron(np.eye(2), np.diag([1.0, -1.0]))
    >>> bool(np.abs(ps.restrict(x.reshape(-1))).max() < 1e-12)
    True
    """

    kind: str
    width: int
    d: int
    period: int
    _basis: np.ndarray = field(repr=False)
    _groups: np.ndarray = field(repr=False)
    _scale: np.ndarray = field(repr=False)

    @property
    def size(self) -> int:
        return int(self._scale.shape[0])

    @property
    def full_size(self) -> int:
        return int(self._groups.shape[0])

    def _coeff_eq(self, to_coeff: bool) -> str:
        k = self.width
        outs = "abcdef"[:k]
        ins = "ghijkl"[:k]
        greek = "mnoqrs"[:k]
        dens = "p" + outs + ins
        coeff = "p" + greek
        basis = ",".join(greek[s] + outs[s] + ins[s] for s in range(k))
        return (f"{dens},{basis}->{coeff}" if to_coeff else f"{coeff},{basis}->{dens}")

    def restrict(self, x: Any) -> np.ndarray:
        """Coordinates ``Q† x`` of a density vector (length ``full_size``) in the physical basis.

        Examples
        --------
        >>> ps = physical_subspace("ternary", 2, d=2)
        >>> ps.restrict(np.eye(4).reshape(-1)).shape      # the identity has one coordinate
        (13,)
        """
        x = np.asarray(x).reshape((self.period,) + (self.d,) * (2 * self.width))
        c = np.einsum(self._coeff_eq(True), x, *([self._basis] * self.width),
                      optimize=True).reshape(-1)
        if np.iscomplexobj(c):
            s = (np.bincount(self._groups, c.real, minlength=self.size)
                 + 1j * np.bincount(self._groups, c.imag, minlength=self.size))
        else:
            s = np.bincount(self._groups, c, minlength=self.size)
        return s * self._scale

    def embed(self, y: Any) -> np.ndarray:
        """The density ``Q y`` (orthogonal to the null subspace) with physical coordinates ``y``.

        Examples
        --------
        >>> ps = physical_subspace("modified_binary", 2, d=2)
        >>> y = np.random.default_rng(0).standard_normal(ps.size)
        >>> bool(np.allclose(ps.restrict(ps.embed(y)), y))     # Q†Q = 1
        True
        """
        y = np.asarray(y).reshape(-1)
        if y.shape[0] != self.size:
            raise ValueError(f"expected {self.size} physical coordinates; got {y.shape[0]}")
        c = (y * self._scale)[self._groups]
        c = c.reshape((self.period,) + (self.d * self.d,) * self.width)
        return np.einsum(self._coeff_eq(False), c, *([self._basis] * self.width),
                         optimize=True).reshape(-1)

    def project(self, x: Any) -> np.ndarray:
        """Orthogonal projection of a density vector onto the physical subspace.

        Examples
        --------
        >>> ps = physical_subspace("binary", 3, d=2)
        >>> x = np.random.default_rng(1).standard_normal(ps.full_size)
        >>> bool(np.allclose(ps.project(ps.project(x)), ps.project(x)))
        True
        """
        return self.embed(self.restrict(x))


def physical_subspace(kind: str, width: int, d: int) -> PhysicalSubspace:
    """The physical (non-redundant) subspace of ``width``-site operator densities.

    See :class:`PhysicalSubspace` for the construction. ``kind`` fixes the
    number of sublattice classes (2 for the modified binary MERA, else 1).

    Examples
    --------
    >>> ps = physical_subspace("modified_binary", 2, d=3)
    >>> ps.full_size - ps.size      # null dimension 2 * 3**2 - 1
    17
    """
    kind = check_option("MERA kind", kind, KINDS)
    width = check_int("width", width, minimum=1)
    d = check_int("site dimension d", d, minimum=1)
    period = PERIOD[kind]
    big = d * d
    n_coeff = big ** width
    flat = np.arange(n_coeff, dtype=np.int64)
    digits = (flat[:, None] // big ** np.arange(width - 1, -1, -1, dtype=np.int64)) % big
    lead = np.argmax(digits != 0, axis=1).astype(np.int64)  # leading identities
    aligned = flat * big ** lead  # the string moved to the window's left end
    keys = np.empty((period, n_coeff), dtype=np.int64)
    for c in range(period):
        keys[c] = 1 + ((c + lead) % period) * n_coeff + aligned
    keys[:, 0] = 0  # the identity: one chain through every class
    _, groups = np.unique(keys.reshape(-1), return_inverse=True)
    groups = groups.reshape(-1).astype(np.int64)
    sizes = np.bincount(groups)
    return PhysicalSubspace(kind, width, d, period, _hs_basis(d), groups,
                            1.0 / np.sqrt(sizes))


def scaling_superoperator(mera: Any, *, width: int | None = None, layer: int = -1,
                          physical: bool = False) -> Any:
    """The ascending superoperator of the scale-invariant layer as a scipy ``LinearOperator``.

    Acts on vectorised ``width``-site operator densities (``chi**(2*width)``
    entries; for the modified binary MERA the even- and odd-bond densities
    concatenated). With ``physical=True`` it acts on the coordinates of the
    :class:`PhysicalSubspace` instead (``Q† A Q``): the redundant densities,
    which telescope to a vanishing total operator and form an invariant
    subspace of ``A``, are removed by construction, and the eigenvalues are
    exactly those of ``A`` on translation-invariant operators.

    Examples
    --------
    >>> from holonet.mera import MERA
    >>> m = MERA.rand("ternary", chi=2, scale_invariant=True, layers=1, seed=0)
    >>> scaling_superoperator(m, width=1).shape
    (4, 4)
    >>> scaling_superoperator(m, physical=True).shape    # 16 - (2**2 - 1)
    (13, 13)
    """
    from scipy.sparse.linalg import LinearOperator

    cell = _cell(mera, layer)
    dc = int(cell["W"].shape[-1])
    if int(cell["U"].shape[0]) != dc:
        raise ValueError(f"layer {layer} is not scale invariant: fine dimension "
                         f"{cell['U'].shape[0]} != coarse dimension {dc}")
    width = _default_width(mera.kind) if width is None else check_int("width", width,
                                                                      minimum=1)
    _check_complete(mera.kind, width)
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

    if not physical:
        return LinearOperator((n, n), matvec=matvec, dtype=dtype)
    ps = physical_subspace(mera.kind, width, dc)

    def phys_matvec(y: np.ndarray) -> np.ndarray:
        return ps.restrict(matvec(ps.embed(y)))

    return LinearOperator((ps.size, ps.size), matvec=phys_matvec, dtype=dtype)


#: Window widths whose windows all reach ``width`` coarse sites (a closed average map),
#: plus the ternary one-site map at the centre of an isometry.
_COMPLETE_WIDTHS = {"binary": (3,), "ternary": (1, 2), "modified_binary": (2,)}


def _check_complete(kind: str, width: int) -> None:
    if width not in _COMPLETE_WIDTHS[kind]:
        ok = " or ".join(str(w) for w in _COMPLETE_WIDTHS[kind])
        raise ValueError(f"a scaling superoperator of a {kind} MERA needs width {ok} "
                         f"(narrower windows of some positions ascend to wider ones); "
                         f"got width={width}")


#: Which eigenvalues :func:`scaling_dimensions` reports.
SUBSPACES: tuple[str, ...] = ("physical", "all")


def scaling_dimensions(mera: Any, n: int = 10, *, width: int | None = None,
                       layer: int = -1, subspace: str = "physical",
                       return_eigenvalues: bool = False) -> Any:
    """The ``n`` smallest scaling dimensions ``Δ = -log_b |λ|`` of a scale-invariant MERA.

    ``λ`` are the eigenvalues of largest magnitude of the scaling
    superoperator restricted to the physical subspace
    (:func:`scaling_superoperator` with ``physical=True``; dense
    diagonalisation up to 256 dimensions, Arnoldi above); ``b`` is 2
    (binary, modified binary) or 3 (ternary). The first value is 0 (the
    identity operator) for an isometric MERA.

    Only ``|λ|`` enters. The sign (more generally the phase) of ``λ`` carries
    no meaning: for an operator odd under a symmetry of the state (``σ`` of
    the Ising chain) it flips with the gauge of the isometries, which leaves
    the state unchanged. A complex ``λ`` of the real superoperator comes with
    its conjugate; the pair gives two equal ``Δ`` (two eigen-operators), and
    ``return_eigenvalues=True`` returns the complex ``λ``.

    Parameters
    ----------
    mera
        A scale-invariant :class:`~holonet.mera.MERA`.
    n
        Number of dimensions (the smallest).
    width
        Window width (default: the cone width; ternary also accepts 1, the
        one-site map at the centre of an isometry).
    layer
        The layer whose superoperator is used (default: the top, scale-invariant one).
    subspace
        ``'physical'`` (default): the redundant densities, whose total operator
        vanishes, are removed by construction (:class:`PhysicalSubspace`).
        These include the ``x``-derivatives ``b(x) - b(x+1)`` of narrower
        operators, so a derivative descendant (``∂_x σ``, ``Δ = 9/8``) is not
        in the spectrum: the list is that of translation-invariant operators
        (critical Ising: ``0, 1/8, 1, 9/8, 2, 2, 2, 17/8, ...``).
        ``'all'``: every eigenvalue of the density map, null ones included
        (for diagnosis: for the modified binary MERA these contain spurious
        values such as ``λ = -1/2``, ``Δ = 1``).
    return_eigenvalues
        Also return ``λ`` (complex, in the order of ``Δ``).

    Examples
    --------
    >>> from holonet.mera import MERA
    >>> m = MERA.rand("ternary", chi=2, scale_invariant=True, layers=1, seed=0)
    >>> round(float(scaling_dimensions(m, 2, width=1)[0]), 10)
    0.0
    >>> d, lam = scaling_dimensions(m, 3, return_eigenvalues=True)
    >>> bool(np.allclose(d, -np.log(np.abs(lam)) / np.log(3)))
    True
    """
    n = check_int("n", n, minimum=1)
    subspace = check_option("subspace", subspace, SUBSPACES)
    op = scaling_superoperator(mera, width=width, layer=layer,
                               physical=subspace == "physical")
    dim = op.shape[0]
    if dim <= 256 or n + 1 >= dim - 1:
        mat = np.column_stack([op.matvec(e) for e in np.eye(dim, dtype=op.dtype)])
        lam = np.linalg.eigvals(mat)
    else:
        from scipy.sparse.linalg import eigs

        v0 = np.random.default_rng(0).standard_normal(dim).astype(op.dtype)
        # one more than asked, so that a complex-conjugate pair is not cut in half
        lam = eigs(op, k=n + 1, which="LM", v0=v0, return_eigenvectors=False,
                   ncv=min(dim, max(2 * n + 3, 20)), tol=1e-10)
    lam = lam[np.argsort(-np.abs(lam), kind="stable")][:n]
    b = BRANCHING[mera.kind]
    with np.errstate(divide="ignore"):
        delta = -np.log(np.abs(lam)) / np.log(b)
    order = np.argsort(delta, kind="stable")
    if return_eigenvalues:
        return delta[order], lam[order]
    return delta[order]
