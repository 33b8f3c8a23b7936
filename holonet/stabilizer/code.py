"""Stabilizer codes in the symplectic GF(2) picture.

:class:`StabilizerCode` holds ``r`` independent commuting stabilizer generators
on ``n`` qubits (a ``(r, 2n)`` check matrix, with optional sign bits) and a
symplectic basis of ``k = n - r`` logical pairs ``(X̄_j, Z̄_j)``. Everything it
computes (entropies, erasure correctability, recoverability of single
logicals, distance) reduces to GF(2) ranks of column-restricted check matrices,
done by the bit-packed elimination in :mod:`holonet.stabilizer.gf2`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, overload

import numpy as np

from holonet._errors import HolonetError, VerificationError
from holonet._options import check_option
from holonet.stabilizer import gf2
from holonet.stabilizer.enumerator import (
    DEFAULT_LIMIT,
    DistanceTooExpensive,
    WeightEnumerator,
    min_weight_logical,
    weight_enumerator,
)
from holonet.stabilizer.pauli import (
    commutation_matrix,
    paulis_to_symplectic,
    restrict,
    symplectic_to_paulis,
)

__all__ = ["DistanceTooExpensive", "StabilizerCode"]


def _short(p: str, width: int = 40) -> str:
    return p if len(p) <= width else p[: width - 3] + "..."


class StabilizerCode:
    """An ``[[n, k]]`` stabilizer code: check matrix, signs and canonical logicals.

    Build it with :meth:`from_pauli_strings` or :meth:`from_check_matrix`.

    Attributes
    ----------
    n, k
        Physical and logical qubit counts (``k = n - r``).
    stabilizers
        ``(r, 2n)`` uint8 check matrix of independent generators ``[x | z]``.
    stabilizer_signs
        ``(r,)`` sign bits: generator ``i`` is ``(-1)^s_i ⊗ σ``.
    logicals
        ``(X̄, Z̄)``, each ``(k, 2n)`` uint8: a symplectic basis of the
        normalizer modulo the stabilizer group (``X̄_i`` anticommutes with
        ``Z̄_j`` iff ``i == j``; everything else commutes).

    Examples
    --------
    >>> from holonet.stabilizer import StabilizerCode
    >>> code = StabilizerCode.from_pauli_strings(
    ...     ["XZZXI", "IXZZX", "XIXZZ", "ZXIXZ"], ["XXXXX"], ["ZZZZZ"])
    >>> code.n, code.k, code.distance()
    (5, 1, 3)
    >>> code.entropy([0, 1]), code.is_correctable([0, 1])
    (2, True)
    """

    def __init__(self, stabilizers: np.ndarray, signs: np.ndarray | None = None,
                 logical_x: np.ndarray | None = None, logical_z: np.ndarray | None = None,
                 logical_signs: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        H = gf2.as_gf2(stabilizers, what="check matrix")
        if H.shape[1] % 2:
            raise ValueError(f"check matrix needs 2n columns; got shape {H.shape}")
        self._n = H.shape[1] // 2
        self._H = H
        self._signs = (np.zeros(H.shape[0], np.uint8) if signs is None
                       else np.asarray(signs, np.uint8).reshape(-1).copy())
        if self._signs.shape[0] != H.shape[0]:
            raise ValueError(f"{self._signs.shape[0]} signs for {H.shape[0]} stabilizers")
        #: free-text provenance (set by :meth:`load`, written by :meth:`save`)
        self.source: str | None = None
        self._lx: np.ndarray | None = None
        self._lz: np.ndarray | None = None
        self._lsigns: tuple[np.ndarray, np.ndarray] | None = None
        if (logical_x is None) != (logical_z is None):
            raise ValueError("give both logical_x and logical_z, or neither")
        if logical_x is not None and logical_z is not None:
            lx = gf2.as_gf2(np.asarray(logical_x).reshape(-1, 2 * self._n), what="logical X")
            lz = gf2.as_gf2(np.asarray(logical_z).reshape(-1, 2 * self._n), what="logical Z")
            if lx.shape != lz.shape:
                raise ValueError(f"{lx.shape[0]} logical X but {lz.shape[0]} logical Z operators")
            if lx.shape[0] != self.k:
                raise ValueError(f"{lx.shape[0]} logical pairs given but n - r = {self.k}")
            self._lx, self._lz = lx, lz
            if logical_signs is None:
                logical_signs = (np.zeros(self.k, np.uint8), np.zeros(self.k, np.uint8))
            self._lsigns = (np.asarray(logical_signs[0], np.uint8).copy(),
                            np.asarray(logical_signs[1], np.uint8).copy())

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_check_matrix(cls, H: Any, logical_x: Any = None, logical_z: Any = None, *,
                          signs: Any = None, verify: bool = True) -> StabilizerCode:
        """Code from a ``(r, 2n)`` check matrix; dependent rows are dropped.

        Parameters
        ----------
        H
            Stabilizer generators as rows ``[x | z]`` (0/1).
        logical_x, logical_z
            Optional ``(k, 2n)`` logical operators; computed (canonical symplectic
            basis) when omitted.
        signs
            Optional ``(r,)`` sign bits of the rows of ``H``.
        verify
            Run :meth:`verify` (commutation and pairing checks) before returning.

        Examples
        --------
        >>> code = StabilizerCode.from_check_matrix([[1, 1, 0, 0], [0, 0, 1, 1], [1, 1, 1, 1]])
        >>> code.n, code.k
        (2, 0)
        """
        A = gf2.as_gf2(H, what="check matrix")
        keep = gf2.independent_rows(A)
        sg = None if signs is None else np.asarray(signs, np.uint8).reshape(-1)[keep]
        code = cls(A[keep], sg, None if logical_x is None else gf2.as_gf2(
            np.atleast_2d(logical_x), what="logical X"),
            None if logical_z is None else gf2.as_gf2(np.atleast_2d(logical_z),
                                                      what="logical Z"))
        if verify:
            code.verify()
        return code

    @classmethod
    def from_pauli_strings(cls, stabilizers: Sequence[str],
                           logical_x: Sequence[str] | None = None,
                           logical_z: Sequence[str] | None = None, *,
                           verify: bool = True) -> StabilizerCode:
        """Code from Pauli strings such as ``"XZZXI"`` (optional ``+``/``-`` signs).

        Examples
        --------
        >>> StabilizerCode.from_pauli_strings(["ZZI", "IZZ"], ["XXX"], ["ZII"]).k
        1
        """
        H, s = paulis_to_symplectic(stabilizers)
        n = H.shape[1] // 2
        lx = lz = None
        lsg = None
        if logical_x is not None or logical_z is not None:
            if logical_x is None or logical_z is None:
                raise ValueError("give both logical_x and logical_z, or neither")
            lx, sx = paulis_to_symplectic(logical_x, n=n)
            lz, sz = paulis_to_symplectic(logical_z, n=n)
            lsg = (sx, sz)
        keep = gf2.independent_rows(H)
        code = cls(H[keep], s[keep], lx, lz, lsg)
        if verify:
            code.verify()
        return code

    # ------------------------------------------------------------------ basic data
    @property
    def n(self) -> int:
        """Number of physical qubits."""
        return self._n

    @property
    def r(self) -> int:
        """Number of independent stabilizer generators."""
        return int(self._H.shape[0])

    @property
    def k(self) -> int:
        """Number of logical qubits, ``n - r``."""
        return self._n - self.r

    @property
    def stabilizers(self) -> np.ndarray:
        """``(r, 2n)`` uint8 check matrix (a copy)."""
        return self._H.copy()

    @property
    def stabilizer_signs(self) -> np.ndarray:
        """``(r,)`` sign bits of the generators (a copy)."""
        return self._signs.copy()

    @property
    def logicals(self) -> tuple[np.ndarray, np.ndarray]:
        """``(X̄, Z̄)``: ``(k, 2n)`` uint8 each, a symplectic basis (copies)."""
        self._ensure_logicals()
        assert self._lx is not None and self._lz is not None
        return self._lx.copy(), self._lz.copy()

    @property
    def logical_signs(self) -> tuple[np.ndarray, np.ndarray]:
        """Sign bits of ``(X̄, Z̄)``; zeros for computed logicals."""
        self._ensure_logicals()
        assert self._lsigns is not None
        return self._lsigns[0].copy(), self._lsigns[1].copy()

    def stabilizer_strings(self) -> list[str]:
        """Generators as signed Pauli strings.

        Examples
        --------
        >>> StabilizerCode.from_pauli_strings(["-ZZ", "XX"]).stabilizer_strings()
        ['-ZZ', '+XX']
        """
        return symplectic_to_paulis(self._H, self._signs)

    def logical_strings(self) -> tuple[list[str], list[str]]:
        """``(X̄, Z̄)`` as signed Pauli strings."""
        lx, lz = self.logicals
        sx, sz = self.logical_signs
        return symplectic_to_paulis(lx, sx), symplectic_to_paulis(lz, sz)

    def __repr__(self) -> str:
        return f"StabilizerCode([[{self.n}, {self.k}]], r={self.r})"

    def _repr_html_(self) -> str:
        from holonet.viz.repr import code_html  # lazy: the one allowed upward import

        return code_html(self)

    # ------------------------------------------------------------------ logicals
    def _ensure_logicals(self) -> None:
        if self._lx is not None:
            return
        self._lx, self._lz = _canonical_logicals(self._H)
        self._lsigns = (np.zeros(self.k, np.uint8), np.zeros(self.k, np.uint8))

    # ------------------------------------------------------------------ checks
    def verify(self) -> None:
        """Check independence, commutation and the logical pairing; raise naming the pair.

        Raises
        ------
        holonet._errors.VerificationError
            e.g. ``stabilizers 0 (+XX) and 1 (+ZI) anticommute``.

        Examples
        --------
        >>> StabilizerCode.from_pauli_strings(["XX", "ZI"], verify=False).verify()
        Traceback (most recent call last):
        ...
        holonet._errors.VerificationError: stabilizers 0 (+XX) and 1 (+ZI) anticommute
        """
        H = self._H
        names = symplectic_to_paulis(H, self._signs)
        C = commutation_matrix(H) if H.shape[0] else np.zeros((0, 0), np.uint8)
        bad = np.argwhere(np.triu(C, 1))
        if bad.size:
            i, j = (int(v) for v in bad[0])
            raise VerificationError(f"stabilizers {i} ({_short(names[i])}) and {j} "
                                    f"({_short(names[j])}) anticommute")
        if gf2.rank(H) != H.shape[0]:
            raise VerificationError("stabilizer generators are linearly dependent")
        lx, lz = self.logicals
        sx, sz = self.logical_signs
        if self.k == 0:
            return
        for name, L, sg in (("X", lx, sx), ("Z", lz, sz)):
            if H.shape[0]:
                bad = np.argwhere(commutation_matrix(L, H))
                if bad.size:
                    j, i = (int(v) for v in bad[0])
                    lname = symplectic_to_paulis(L[j:j + 1], sg[j:j + 1])[0]
                    raise VerificationError(
                        f"logical {name}{j} ({_short(lname)}) anticommutes with stabilizer "
                        f"{i} ({_short(names[i])})")
        expect = {"XZ": np.eye(self.k, dtype=np.uint8),
                  "XX": np.zeros((self.k, self.k), np.uint8),
                  "ZZ": np.zeros((self.k, self.k), np.uint8)}
        mats = {"X": lx, "Z": lz}
        for pair, want in expect.items():
            got = commutation_matrix(mats[pair[0]], mats[pair[1]])
            bad = np.argwhere(got != want)
            if bad.size:
                i, j = (int(v) for v in bad[0])
                rel = "commute" if want[i, j] else "anticommute"
                raise VerificationError(f"logical {pair[0]}{i} and logical {pair[1]}{j} {rel}; "
                                        "expected a symplectic pair basis")

    # ------------------------------------------------------------------ regions
    def _region(self, region: Any, what: str = "region") -> np.ndarray:
        """Sorted unique qubit indices from indices or a boolean mask (validated)."""
        from holonet._options import check_indices, check_mask

        arr = region if isinstance(region, np.ndarray) else None
        if arr is None and isinstance(region, list | tuple) and region and all(
                isinstance(x, bool | np.bool_) for x in region):
            arr = np.asarray(region, dtype=bool)
        if arr is not None and arr.dtype == np.bool_:
            return np.flatnonzero(check_mask(f"{what} (boolean mask)", arr, self.n))
        return np.unique(check_indices(f"{what} (qubit indices)", region, self.n)
                         ).astype(np.intp)

    def _complement(self, idx: np.ndarray) -> np.ndarray:
        mask = np.ones(self.n, bool)
        mask[idx] = False
        return np.flatnonzero(mask)

    def restrict(self, region: Any) -> np.ndarray:
        """Check matrix restricted to the columns of ``region``: ``(r, 2|region|)``.

        Examples
        --------
        >>> StabilizerCode.from_pauli_strings(["XX", "ZZ"]).restrict([1])
        array([[1, 0],
               [0, 1]], dtype=uint8)
        """
        return restrict(self._H, self._region(region))

    def subgroup(self, region: Any) -> np.ndarray:
        """Generators (``(m, 2n)``) of the stabilizer subgroup supported inside ``region``.

        Examples
        --------
        >>> StabilizerCode.from_pauli_strings(["XXI", "ZZI", "IIZ"]).subgroup([0, 1]).shape
        (2, 6)
        """
        idx = self._region(region)
        comb = gf2.nullspace(restrict(self._H, self._complement(idx)).T)
        if comb.shape[0] == 0:
            return np.zeros((0, 2 * self.n), np.uint8)
        return gf2.matmul(comb, self._H)

    def reduced(self, region: Any) -> StabilizerCode:
        """Stabilizer group of the reduced state on ``region`` (as a code on ``|region|`` qubits).

        Signs are not tracked (zero); entropies and ranks are unaffected.

        Examples
        --------
        >>> StabilizerCode.from_pauli_strings(["XXI", "ZZI", "IIZ"]).reduced([0, 1]).k
        0
        """
        idx = self._region(region)
        G = self.subgroup(idx)
        return StabilizerCode(restrict(G, idx))

    def entropy(self, region: Any) -> int:
        """Entropy in bits of the code state (maximally mixed on the codespace) on ``region``.

        ``S(A) = |A| - r + rank(H|_Ā)``: the ``r`` generators minus those
        supported inside ``A`` (ranks over GF(2)). For ``k = 0`` this is the
        entropy of the pure stabilizer state.

        Examples
        --------
        >>> bell = StabilizerCode.from_pauli_strings(["XX", "ZZ"])
        >>> bell.entropy([0]), bell.entropy([0, 1]), bell.entropy([])
        (1, 0, 0)
        """
        idx = self._region(region)
        comp = self._complement(idx)
        return int(idx.size - self.r + gf2.rank(restrict(self._H, comp)))

    def is_correctable(self, erased: Any) -> bool:
        """Whether erasing the qubits ``erased`` is correctable (cleaning lemma).

        ``E`` is correctable iff no nontrivial logical operator is supported on
        ``E``, i.e. the normalizer elements on ``E`` (dimension ``2|E| - rank(H|_E)``)
        are all stabilizers (dimension ``r - rank(H|_Ē)``).

        Examples
        --------
        >>> code = StabilizerCode.from_pauli_strings(["XZZXI", "IXZZX", "XIXZZ", "ZXIXZ"])
        >>> code.is_correctable([0, 1]), code.is_correctable([0, 1, 2])
        (True, False)
        """
        idx = self._region(erased, "erased")
        comp = self._complement(idx)
        n_on_e = 2 * idx.size - gf2.rank(restrict(self._H, idx))
        s_on_e = self.r - gf2.rank(restrict(self._H, comp))
        return bool(n_on_e == s_on_e)

    def recoverable_logicals(self, region: Any) -> np.ndarray:
        """Which logical qubits are recoverable from ``region`` alone: bool ``(k,)``.

        Logical ``j`` is recoverable from ``A`` iff ``I(j : A) = 2`` in the pure
        state on boundary ∪ bulk with the other logical qubits counted as
        environment; equivalently both ``X̄_j`` and ``Z̄_j`` have representatives
        ``s·X̄_j`` and ``s'·Z̄_j`` (``s, s'`` stabilizers, no other logical factor)
        supported inside ``A``. Computed with one elimination: combinations of
        stabilizers and logicals vanishing outside ``A`` are found, projected on
        the logical coordinates, and the unit vectors of ``X̄_j`` and ``Z̄_j`` are
        tested for membership.

        Examples
        --------
        >>> code = StabilizerCode.from_pauli_strings(["XZZXI", "IXZZX", "XIXZZ", "ZXIXZ"])
        >>> code.recoverable_logicals([0, 1, 2]).tolist()
        [True]
        >>> code.recoverable_logicals([0, 1]).tolist()
        [False]
        """
        k = self.k
        if k == 0:
            return np.zeros(0, bool)
        idx = self._region(region)
        comp = self._complement(idx)
        lx, lz = self.logicals
        G = np.vstack([self._H, lx, lz])
        left = restrict(G, comp)
        coeff = np.zeros((G.shape[0], 2 * k), np.uint8)
        coeff[self.r:, :] = np.eye(2 * k, dtype=np.uint8)
        aug = np.hstack([left, coeff])
        R, piv = gf2.row_reduce(aug, pivot_cols=left.shape[1])
        L = R[piv.size:, left.shape[1]:]
        if L.shape[0] == 0:
            return np.zeros(k, bool)
        RL, pl = gf2.row_reduce(L)
        unit = np.zeros(2 * k, bool)
        rows = RL[: pl.size]
        ok = rows.sum(axis=1) == 1
        unit[pl[ok]] = True
        return unit[:k] & unit[k:]

    # ------------------------------------------------------------------ distance
    @overload
    def distance(self, *, limit: float = ..., method: str = ..., progress: bool = ...,
                 return_witness: Literal[False] = ...) -> int: ...

    @overload
    def distance(self, *, limit: float = ..., method: str = ..., progress: bool = ...,
                 return_witness: Literal[True]) -> tuple[int, str]: ...

    def distance(self, *, limit: float = DEFAULT_LIMIT, method: str = "auto",
                 progress: bool = True, return_witness: bool = False) -> int | tuple[int, str]:
        """Exact code distance: minimum weight of a nontrivial logical operator.

        The distance is the weight of :meth:`min_weight_logical`, whose search
        strategies are documented in
        :func:`holonet.stabilizer.enumerator.min_weight_logical`: ``"subsets"``
        (depth-first search over erasure patterns of weight ``1, 2, ...`` with
        incremental GF(2) elimination), ``"cosets"`` (Gray-code enumeration of
        the ``2^r (4^k - 1)`` nontrivial logicals) or ``"auto"`` (the smaller
        predicted work).

        Parameters
        ----------
        limit
            Work limit in 64-bit word operations (about ``1.5e8`` per second on
            one core). Before each step whose predicted cost would take the total
            above ``limit`` the search stops with :class:`DistanceTooExpensive`,
            stating the predicted work and time, the bounds on ``d`` found so
            far, and this override. The default (``2^31``, ~15 s) covers the
            [[25,1,9]] code in well under a second and refuses, e.g., the
            3-layer zero-rate codes within ~2 s.
        method
            ``"auto"``, ``"subsets"`` or ``"cosets"``.
        progress
            Show a tqdm bar on searches that last more than a second.
        return_witness
            Also return the witness: ``(d, pauli_string)``.

        Examples
        --------
        >>> StabilizerCode.from_pauli_strings(["ZZI", "IZZ"]).distance()
        1
        >>> code = StabilizerCode.from_pauli_strings(["XZZXI", "IXZZX", "XIXZZ", "ZXIXZ"])
        >>> code.distance(return_witness=True)
        (3, 'IYYIX')
        >>> try:
        ...     code.distance(limit=10, method="cosets")
        ... except DistanceTooExpensive as err:
        ...     print(str(err)[:54])
        coset enumeration of [[5, 1]] needs 48 word operations
        """
        check_option("distance method", method, ("auto", "cosets", "subsets"))
        if self.k == 0:
            raise ValueError("a code with k = 0 has no logical operators; distance is undefined")
        witness = min_weight_logical(self, method=method, limit=limit, progress=progress)
        d = len(witness) - witness.count("I")
        return (d, witness) if return_witness else d

    def min_weight_logical(self, *, method: str = "auto", limit: float = DEFAULT_LIMIT,
                           progress: bool = True) -> str:
        """A nontrivial logical of minimum weight (a certificate of :meth:`distance`).

        It commutes with every stabilizer and is not in the stabilizer group; see
        :func:`holonet.stabilizer.enumerator.min_weight_logical` for the
        parameters and the search.

        Examples
        --------
        >>> code = StabilizerCode.from_pauli_strings(["XZZXI", "IXZZX", "XIXZZ", "ZXIXZ"])
        >>> code.min_weight_logical()
        'IYYIX'
        """
        return min_weight_logical(self, method=method, limit=limit, progress=progress)

    def weight_enumerator(self, *, method: str = "auto", limit: float = DEFAULT_LIMIT,
                          progress: bool = True) -> WeightEnumerator:
        """Shor–Laflamme enumerators ``(A, B)`` as exact integer coefficient arrays.

        ``A[w]`` counts stabilizer-group elements of weight ``w``, ``B[w]``
        normaliser elements; ``int64`` when ``n + k <= 62``, else ``object``
        arrays of Python ``int``. See
        :func:`holonet.stabilizer.enumerator.weight_enumerator` (methods
        ``"gray"`` and ``"macwilliams"``, size guard ``limit=``).

        Examples
        --------
        >>> code = StabilizerCode.from_pauli_strings(["XZZXI", "IXZZX", "XIXZZ", "ZXIXZ"])
        >>> A, B = code.weight_enumerator()
        >>> A.tolist(), int(B.sum()) == 2 ** (code.n + code.k)
        ([1, 0, 0, 0, 15, 0], True)
        """
        return weight_enumerator(self, method=method, limit=limit, progress=progress)

    # ------------------------------------------------------------------ files
    def save(self, path: str | os.PathLike[str], *, format: str | None = None,
             source: str | None = None) -> Path:
        """Write the code atomically: plain text (signed Paulis) or QDistRnd's ``.mtx``.

        See :func:`holonet.stabilizer.io.save_code` for both formats; the
        format follows the suffix (``.mtx``) unless ``format=`` is given.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> code = StabilizerCode.from_pauli_strings(["XX", "-ZZ"])
        >>> p = code.save(pathlib.Path(tempfile.mkdtemp()) / "bell.txt")
        >>> StabilizerCode.load(p).stabilizer_strings()
        ['+XX', '-ZZ']
        """
        from holonet.stabilizer.io import save_code

        return save_code(self, path, format=format, source=source)

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, format: str | None = None
             ) -> StabilizerCode:
        """Read a code saved by :meth:`save` (or a QDistRnd ``.mtx`` file).

        Malformed files raise ``ValueError`` naming the file, the line and what
        was expected; see :func:`holonet.stabilizer.io.load_code`.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "five.mtx"
        >>> _ = StabilizerCode.from_pauli_strings(["XZZXI", "IXZZX", "XIXZZ", "ZXIXZ"]).save(p)
        >>> StabilizerCode.load(p).distance()
        3
        """
        from holonet.stabilizer.io import load_code

        code = load_code(path, format=format)
        assert isinstance(code, StabilizerCode)
        return code

    @classmethod
    def from_stim(cls, obj: Any, *, k: int = 0) -> StabilizerCode:
        """Code from a ``stim.Tableau`` (a state, or an encoder with ``k`` logical inputs)
        or a list of ``stim.PauliString``; see :func:`holonet.stabilizer.io.code_from_stim`.

        Examples
        --------
        >>> import stim
        >>> StabilizerCode.from_stim(stim.Tableau.from_named_gate("H")).stabilizer_strings()
        ['+X']
        """
        from holonet.stabilizer.io import code_from_stim

        code = code_from_stim(obj, k=k)
        assert isinstance(code, StabilizerCode)
        return code

    def to_stim_circuit(self, *, noise: str = "depolarizing", p: float = 1e-3,
                        rounds: int = 3, measure_p: float = 0.0, basis: str = "Z") -> Any:
        """A ``stim.Circuit`` memory experiment with detectors and logical observables.

        Encoding, ``rounds`` of ``DEPOLARIZE1(p)`` or ``HERALDED_ERASE(p)`` noise
        followed by ``MPP`` of every stabilizer (one ``DETECTOR`` per generator
        and round), then the logical readout (``OBSERVABLE_INCLUDE``); see
        :func:`holonet.stabilizer.io.memory_circuit`.

        Examples
        --------
        >>> code = StabilizerCode.from_pauli_strings(["XZZXI", "IXZZX", "XIXZZ", "ZXIXZ"])
        >>> circuit = code.to_stim_circuit(noise="erasure", p=0.1, rounds=1)
        >>> circuit.num_detectors   # 4 stabilizers + 5 erasure heralds
        9
        """
        from holonet.stabilizer.io import memory_circuit

        return memory_circuit(self, noise=noise, p=p, rounds=rounds, measure_p=measure_p,
                              basis=basis)

    # ------------------------------------------------------------------ interop
    def to_stim(self, kind: str = "tableau") -> Any:
        """The logical ``|0̄...0⟩`` state as a ``stim.Tableau`` (or ``stim.Circuit``).

        The tableau's stabilizers are the code's signed generators and the
        signed ``Z̄`` logicals (``kind="circuit"`` returns
        ``tableau.to_circuit()``, an encoding circuit from ``|0...0⟩``).

        Examples
        --------
        >>> code = StabilizerCode.from_pauli_strings(["XX", "ZZ"])
        >>> code.to_stim().to_stabilizers()
        [stim.PauliString("+XX"), stim.PauliString("+ZZ")]
        """
        check_option("stim output kind", kind, ("tableau", "circuit"))
        import stim

        _, lz = self.logicals
        _, sz = self.logical_signs
        strings = (symplectic_to_paulis(self._H, self._signs)
                   + symplectic_to_paulis(lz, sz))
        tab = stim.Tableau.from_stabilizers([stim.PauliString(s) for s in strings])
        return tab if kind == "tableau" else tab.to_circuit()


def _canonical_logicals(H: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symplectic Gram–Schmidt on the normalizer modulo the stabilizer group."""
    n = H.shape[1] // 2
    r = H.shape[0]
    k = n - r
    if k == 0:
        return np.zeros((0, 2 * n), np.uint8), np.zeros((0, 2 * n), np.uint8)
    swapped = np.hstack([H[:, n:], H[:, :n]])
    N = gf2.nullspace(swapped) if r else np.eye(2 * n, dtype=np.uint8)
    stacked = np.vstack([H, N])
    keep = gf2.independent_rows(stacked)
    L = stacked[keep[keep >= r]]
    if L.shape[0] != 2 * k:  # pragma: no cover - guarded by linear algebra
        raise HolonetError(f"normalizer quotient has dimension {L.shape[0]}, expected {2 * k}")
    xs: list[np.ndarray] = []
    zs: list[np.ndarray] = []
    L = L.copy()
    while L.shape[0]:
        a = L[0]
        prods = commutation_matrix(a[None, :], L)[0]
        partners = np.flatnonzero(prods)
        if partners.size == 0:  # pragma: no cover - nondegeneracy of the quotient
            raise HolonetError("degenerate symplectic form on the normalizer quotient")
        b = L[partners[0]]
        rest = np.delete(L, [0, partners[0]], axis=0)
        if rest.shape[0]:
            ca = commutation_matrix(rest, a[None, :])[:, 0]
            cb = commutation_matrix(rest, b[None, :])[:, 0]
            rest = rest ^ (cb[:, None] * a[None, :]) ^ (ca[:, None] * b[None, :])
        xs.append(a)
        zs.append(b)
        L = rest
    return np.array(xs, np.uint8), np.array(zs, np.uint8)
