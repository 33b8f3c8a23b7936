"""OPE coefficients of the one-site scaling operators of a scale-invariant MERA.

Method of Pfeifer, Evenbly and Vidal (arXiv:0810.0580), in the form of the
tensors.net conformal-data code for the modified binary MERA:

1. **Scaling operators.** An operator on the *direct* (not disentangled) leg
   of an isometry ``w`` ascends to a one-site operator on its coarse site; in
   the layer above, that coarse site is the direct leg of a ``v``, and so on.
   The one-site ascending map of two layers, ``T = S_v ∘ S_w`` with
   ``S_w(o) = w†(o ⊗ 1)w`` and ``S_v(o) = v†(1 ⊗ o)v``, has eigen-operators
   ``φ_α`` with eigenvalues ``λ_α² = 2^{-2Δ_α}``.
2. **Normalisation.** With the two-site fixed-point density matrix ``ρ`` of
   the scale-invariant layer, every ``φ_α`` is scaled so that its two-point
   function at distance two sites (the unit of length) is ``±1``:
   ``⟨φ_α(x) φ_α(x+2)⟩ = 1`` for the scalar primaries.
3. **Three-point functions.** ``⟨φ_α(x) φ_β(x+2) φ_γ(x+4)⟩`` is contracted
   through two copies of the scale-invariant layer (the three sites have a
   two-site causal cone two levels up) and ``ρ``. Conformal invariance gives
   ``⟨φ_α φ_β φ_γ⟩ = C_αβγ / 2^{Δ_α + Δ_γ - Δ_β}`` for unit spacing, so

   ``C_αβγ = 2^{Δ_α - Δ_β + Δ_γ} ⟨φ_α(x) φ_β(x+2) φ_γ(x+4)⟩``.

Positions (one unit cell ``W_{2j} <- (4j, 4j+1)``, ``V_{2j+1} <- (4j+2,
4j+3)``, ``U`` on ``(4j+1, 4j+2)``): ``x = 4j`` is the direct leg of ``w``,
``x + 4`` that of the next ``w``, and ``x + 2`` the disentangled leg of ``v``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from holonet._options import check_float, check_int
from holonet.contract import contract
from holonet.mera._doubled import role, window_network
from holonet.mera.geometry import layer_geometry

__all__ = ["OPEResult", "ope_coefficients"]


@dataclass(frozen=True)
class OPEResult:
    """Outcome of :func:`ope_coefficients`.

    Attributes
    ----------
    dimensions
        Scaling dimensions ``Δ_α`` of the one-site scaling operators, ascending.
    coefficients
        ``coefficients[α, β, γ] = C_αβγ`` (real up to rounding; complex dtype).
    operators
        The normalised scaling operators ``φ_α`` (``χ x χ`` Hermitian matrices,
        ``operators[α][out, in]``) on the direct legs of the isometries.
    two_point
        Sign of ``⟨φ_α(x) φ_α(x+2)⟩`` before normalisation: ``+1`` for scalar
        primaries, ``-1`` flags an operator that is not one (its two-point
        function cannot be normalised to ``+1``).

    Examples
    --------
    A short ``chi = 4`` optimisation (see :func:`ope_coefficients` for a converged one):

    >>> from holonet.mera import optimize_ising
    >>> ope = ope_coefficients(optimize_ising(4, sweeps=20, progress=False))
    >>> ope.coefficients.shape, ope.operators[0].shape
    ((3, 3, 3), (4, 4))
    >>> abs(float(ope.dimensions[0])) < 1e-8, round(ope.c(1, 0, 1), 6)  # C(sigma, 1, sigma)
    (True, 1.0)
    """

    dimensions: np.ndarray
    coefficients: np.ndarray
    operators: tuple[np.ndarray, ...]
    two_point: np.ndarray

    def c(self, a: int, b: int, c: int) -> float:
        """Real part of ``C_abc``."""
        return float(np.real(self.coefficients[a, b, c]))


def _fixed_point(mera: Any, tol: float, max_iterations: int) -> list[np.ndarray]:
    from holonet.mera.superop import descend

    dc = int(mera.layer_arrays()[-1]["W"].shape[-1])
    n = dc * dc
    rho = [np.eye(n).reshape(dc, dc, dc, dc) / n] * 2
    for _ in range(max_iterations):
        new = [np.asarray(x) for x in descend(mera, rho)]
        new = [0.5 * (x + x.reshape(n, n).conj().T.reshape(x.shape)) for x in new]
        delta = max(float(np.abs(x - y).max()) for x, y in zip(new, rho, strict=True))
        rho = new
        if delta < tol:
            break
    return rho


def _ascend_at(cell: dict[str, np.ndarray], geom: Any, fine: tuple[int, ...],
               op: np.ndarray) -> tuple[np.ndarray, tuple[int, ...]]:
    """Ascend ``op`` on the fine sites ``fine`` through one layer (no averaging)."""
    net = window_network(geom, fine)
    pairs: list[tuple[Any, tuple[str, ...]]] = []
    for e in net.tensors:
        a = cell[role("modified_binary", e.name)]
        pairs.append((np.conj(a) if e.conj else a, e.legs))
    pairs.append((op, net.op_legs))
    return np.asarray(contract(pairs, net.ascend_output)), net.coarse


def _trace(rho: np.ndarray, x: np.ndarray) -> complex:
    k = rho.ndim // 2
    n = int(np.prod(rho.shape[:k]))
    return complex(np.trace(rho.reshape(n, n) @ x.reshape(n, n)))


def ope_coefficients(mera_or_result: Any, n: int = 3, *, fixed_point_tol: float = 1e-13,
                     max_iterations: int = 5000) -> OPEResult:
    """Scaling dimensions and OPE coefficients ``C_αβγ`` of the ``n`` lowest one-site
    scaling operators of a scale-invariant modified binary MERA.

    Parameters
    ----------
    mera_or_result
        A scale-invariant, reflection-symmetric modified binary
        :class:`~holonet.mera.MERA`, or the :class:`~holonet.mera.OptimizationResult`
        of :func:`~holonet.mera.optimize_ising` (default ``refsym=True``).
    n
        Number of scaling operators (those with the smallest ``Δ``). For the
        critical Ising chain the first three are ``1``, ``σ``, ``ε``.
    fixed_point_tol, max_iterations
        Convergence of the power iteration for the fixed-point density matrix.

    Returns
    -------
    OPEResult
        ``dimensions`` (``Δ_α = -log_2 λ_α``), ``coefficients[α, β, γ] = C_αβγ``
        with every ``φ_α`` normalised by its two-point function at distance 2
        (the MERA's unit of length; the identity comes out as ``1``), and the operators.

    Notes
    -----
    See the module docstring and theory/mera.md §4 for the method. The signs
    of the non-identity operators are a convention (eigenvectors are fixed up
    to sign; here the entry of largest magnitude is made positive), so
    compare ``|C|``. The identity gives ``C_{1ββ} ≈ 1`` (exactly 1 only in
    the continuum) and ``C_{β1β} = 1`` (exactly, by reflection symmetry and
    scale invariance). Critical Ising, ``χ = 8`` (error ``9e-7``):
    ``|C_εσσ|, |C_σσε|, |C_σεσ| = 0.4986, 0.4980, 0.4964`` (exact 1/2).

    Examples
    --------
    >>> from holonet.mera import optimize_ising, ope_coefficients
    >>> r = optimize_ising(6, transitional_layers=1, monotone=False, sweeps=3000,
    ...                    progress=False)
    >>> ope = ope_coefficients(r)
    >>> [round(float(x), 2) for x in ope.dimensions]     # 1, sigma, epsilon
    [0.0, 0.13, 1.06]
    >>> round(abs(ope.c(2, 1, 1)), 2)                    # C(eps, sigma, sigma) = 1/2
    0.5
    """
    mera = getattr(mera_or_result, "mera", mera_or_result)
    fixed_point_tol = check_float("fixed_point_tol", fixed_point_tol, minimum=0.0)
    max_iterations = check_int("max_iterations", max_iterations, minimum=1)
    if getattr(mera, "kind", None) != "modified_binary" or not getattr(
            mera, "scale_invariant", False):
        raise ValueError("ope_coefficients needs a scale-invariant modified binary MERA; "
                         f"got {mera!r}")
    cell = mera.layer_arrays()[-1]
    w, v = np.asarray(cell["W"]), np.asarray(cell["V"])
    if w.shape[0] != w.shape[-1] or w.shape != v.transpose(1, 0, 2).shape:
        raise ValueError(f"the top layer is not scale invariant (W shape {w.shape})")
    if not np.allclose(v, w.transpose(1, 0, 2), atol=1e-10):
        raise ValueError("ope_coefficients needs a reflection-symmetric MERA "
                         "(v = mirror image of w; optimize_ising(refsym=True))")
    dc = int(w.shape[-1])
    n = min(check_int("n", n, minimum=1), dc * dc)

    def s_w(o: np.ndarray) -> np.ndarray:
        return np.einsum("amc,ba,bmd->dc", w, o, w.conj())

    def s_v(o: np.ndarray) -> np.ndarray:
        return np.einsum("mac,ba,mbd->dc", v, o, v.conj())

    t = np.column_stack([s_v(s_w(e.reshape(dc, dc))).reshape(-1) for e in np.eye(dc * dc)])
    lam, vec = np.linalg.eig(t)
    order = np.argsort(-np.abs(lam), kind="stable")[:n]
    lam, vec = lam[order], vec[:, order]
    with np.errstate(divide="ignore"):
        dims = -np.log2(np.abs(lam)) / 2
    dims[np.abs(dims) < 1e-12] = 0.0  # the identity, up to rounding

    geom = layer_geometry("modified_binary", 16, level=1)
    rho = _fixed_point(mera, fixed_point_tol, max_iterations)
    # In the frame of the next layer (shifted by one site) the coarse pair (2, 3)
    # of fine sites (4, 6) starts on an odd site: class 1 of the density matrices.
    ops: list[np.ndarray] = []
    signs = np.zeros(n)
    for k in range(n):
        p = vec[:, k].reshape(dc, dc)
        h = p + p.conj().T
        p = h if np.linalg.norm(h) > 1e-8 * np.linalg.norm(p) else 1j * (p - p.conj().T)
        p = p / np.linalg.norm(p)
        flat = p.reshape(-1)
        big = flat[int(np.argmax(np.abs(flat)))]
        p = p * (abs(big) / big)
        x, coarse = _ascend_at(cell, geom, (4, 6), np.einsum("ab,cd->acbd", p, p))
        assert coarse == (2, 3), coarse
        weight = _trace(rho[1], x).real
        signs[k] = np.sign(weight)
        ops.append(p / np.sqrt(abs(weight)))

    coeffs = np.zeros((n, n, n), dtype=complex)
    for a in range(n):
        for b in range(n):
            for c in range(n):
                o3 = np.einsum("ab,cd,ef->acebdf", ops[a], ops[b], ops[c])
                x, coarse = _ascend_at(cell, geom, (4, 6, 8), o3)
                assert coarse == (2, 3, 4), coarse
                # the coarse sites (2, 3, 4) are (1, 2, 3) in the next layer's frame
                y, coarse = _ascend_at(cell, geom, (1, 2, 3), x)
                assert coarse == (0, 1), coarse
                coeffs[a, b, c] = 2.0 ** (dims[a] - dims[b] + dims[c]) * _trace(rho[1], y)
    return OPEResult(dims, coeffs, tuple(ops), signs)
