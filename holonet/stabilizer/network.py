"""Contraction of stabilizer tensor networks by GF(2) elimination (operator pushing).

Each tensor of the network is a pure stabilizer state on its named legs,
given by ``l`` independent commuting signed generators on its ``l`` legs. A
leg named twice is a bond: contracting it with ``δ_{ij}`` is the projection of
its two qubits ``a, b`` onto the (unnormalised) Bell pair ``|00⟩ + |11⟩``.
The contracted tensor is again a stabilizer state, whose group is the set of
products ``g`` of generators that act *equally* on ``a`` and ``b``
(``g_a = g_b``, i.e. ``g`` commutes with ``X_aX_b`` and ``Z_aZ_b``), restricted
to the remaining legs; the sign picks up ``-1`` when ``g_a = g_b = Y``
because ``⟨Φ|Y⊗Y = -⟨Φ|``.

Tensors are added in the given order (for holographic codes: layer by layer),
and each new bond is eliminated at once: the two linear constraints
``x_a = x_b`` and ``z_a = z_b`` are solved by picking a pivot generator that
violates one, multiplying it into every other violating generator (tracking
the exact sign with the Aaronson–Gottesman phase function) and dropping it.
Rows are bit-packed over all legs, so each step is a handful of vectorised
word operations; nothing of size ``2^n`` is ever formed.

Examples
--------
>>> import numpy as np
>>> from holonet.stabilizer.network import contract_stabilizer_network
>>> from holonet.stabilizer.pauli import paulis_to_symplectic, symplectic_to_paulis
>>> bell, s = paulis_to_symplectic(["XX", "ZZ"])
>>> out = contract_stabilizer_network([(bell, s, ("a", "m")), (bell, s, ("m", "b"))])
>>> out.legs, symplectic_to_paulis(out.check, out.signs)
(('a', 'b'), ['+XX', '+ZZ'])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from holonet._errors import HolonetError
from holonet.stabilizer import gf2
from holonet.stabilizer.pauli import _product_sign, _SignedTable

__all__ = ["ContractedState", "ZeroNetwork", "contract_stabilizer_network",
           "split_choi_state"]

_ONE = np.uint64(1)


class ZeroNetwork(HolonetError, ValueError):
    """The network contracts to the zero tensor (a Bell projection annihilates it).

    Examples
    --------
    >>> from holonet.stabilizer.pauli import paulis_to_symplectic
    >>> zero, s0 = paulis_to_symplectic(["Z"])     # |0>
    >>> one, s1 = paulis_to_symplectic(["-Z"])     # |1>
    >>> try:
    ...     contract_stabilizer_network([(zero, s0, ("m",)), (one, s1, ("m",))])
    ... except ZeroNetwork as err:
    ...     print(isinstance(err, ValueError))
    True
    """


@dataclass(frozen=True)
class ContractedState:
    """A pure stabilizer state on named legs: ``check`` ``(m, 2m)``, ``signs`` ``(m,)``.

    ``log2_norm2`` is ``log2`` of the squared norm of the contracted tensor when
    every input tensor is a normalised state and each bond is ``δ_{ij}``: a bond
    whose two Bell constraints removed ``c`` independent generators contributes
    ``1 - c`` (``||⟨Φ|ψ⟩||^2 = 2 · 2^-c`` for ``|Φ⟩ = |00⟩ + |11⟩``).

    Examples
    --------
    >>> from holonet.stabilizer.pauli import paulis_to_symplectic
    >>> bell, s = paulis_to_symplectic(["XX", "ZZ"])
    >>> st = contract_stabilizer_network([(bell, s, ("a", "m")), (bell, s, ("m", "b"))])
    >>> st.legs, st.check.shape, st.signs.tolist()
    (('a', 'b'), (2, 4), [0, 0])
    >>> st.log2_norm2                  # one bond removed c = 2 generators: 1 - 2
    -1
    """

    check: np.ndarray
    signs: np.ndarray
    legs: tuple[str, ...]
    log2_norm2: int = 0


def contract_stabilizer_network(
    tensors: Sequence[tuple[Any, Any, Sequence[str]]],
    output: Sequence[str] | None = None,
) -> ContractedState:
    """Contract stabilizer-state tensors over their shared legs.

    Parameters
    ----------
    tensors
        ``(check, signs, legs)`` per tensor, in contraction order: ``check`` is
        ``(l, 2l)`` (independent commuting generators of a pure state on the
        ``l`` legs, columns ``[x | z]`` in ``legs`` order), ``signs`` ``(l,)``.
    output
        Order of the open legs in the result (default: order of appearance).

    Returns
    -------
    ContractedState
        The stabilizer group of the contracted (unnormalised) state.

    Raises
    ------
    ZeroNetwork
        If some Bell projection annihilates the state.

    Examples
    --------
    Project the third qubit of a GHZ state onto ``|0⟩``:

    >>> from holonet.stabilizer.pauli import paulis_to_symplectic, symplectic_to_paulis
    >>> ghz, gs = paulis_to_symplectic(["XXX", "ZZI", "IZZ"])
    >>> zero, zs = paulis_to_symplectic(["Z"])
    >>> st = contract_stabilizer_network([(ghz, gs, ("a", "b", "m")), (zero, zs, ("m",))],
    ...                                  output=("b", "a"))
    >>> st.legs, symplectic_to_paulis(st.check, st.signs)    # the state |00>
    (('b', 'a'), ['+ZZ', '+ZI'])
    """
    X, Z, S, legs, log2 = _contract_packed(tensors, output)
    N = len(legs)
    check = np.hstack([gf2.unpack(X, N), gf2.unpack(Z, N)])
    return ContractedState(check, S, legs, log2)


#: Networks with at most this many legs are contracted with Python-int bitsets
#: (less per-call overhead); larger ones with vectorised numpy words.
SMALL_NETWORK_LEGS = 1600


def _contract_packed(tensors: Sequence[tuple[Any, Any, Sequence[str]]],
                     output: Sequence[str] | None = None, protect: int = 0,
                     engine: str = "auto"
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[str, ...], int]:
    """Contract to packed ``uint64`` rows; ``engine`` is ``"auto"``, ``"numpy"`` or ``"int"``.

    Both engines run the same algorithm (and are tested to agree): ``"int"``
    holds each row as a Python integer bitset, which avoids numpy's per-call
    overhead on small networks; ``"numpy"`` vectorises over rows and words.
    """
    open_legs, N = _open_legs(tensors, output)
    total = sum(len(legs) for _, _, legs in tensors)
    if engine == "int" or (engine == "auto" and total <= SMALL_NETWORK_LEGS):
        return _contract_int(tensors, open_legs, protect)
    return _contract_numpy(tensors, open_legs, protect)


def _open_legs(tensors: Sequence[tuple[Any, Any, Sequence[str]]],
               output: Sequence[str] | None) -> tuple[tuple[str, ...], int]:
    counts: dict[str, int] = {}
    order: list[str] = []
    for t, (_, _, legs) in enumerate(tensors):
        for leg in legs:
            c = counts.get(leg, 0)
            if c == 2:
                raise ValueError(f"leg {leg!r} appears more than twice (tensor {t})")
            if c == 0:
                order.append(leg)
            counts[leg] = c + 1
    open_legs = tuple(leg for leg in order if counts[leg] == 1)
    if output is not None:
        output = tuple(output)
        if len(set(output)) != len(output) or set(output) != set(open_legs):
            missing = set(open_legs) - set(output)
            extra = set(output) - set(open_legs)
            raise ValueError(f"output legs do not match the open legs (missing {sorted(missing)},"
                             f" not open {sorted(extra)})")
        open_legs = output
    return open_legs, len(open_legs)


def _tensor_check(H: Any, legs: Sequence[str], t: int) -> np.ndarray:
    A = gf2.as_gf2(H, what=f"check matrix of tensor {t}")
    l = len(legs)
    if A.shape != (l, 2 * l):
        raise ValueError(f"tensor {t} has {l} legs but a check matrix of shape {A.shape}; "
                         f"expected ({l}, {2 * l}) (a pure state)")
    return A


def _contract_int(tensors: Sequence[tuple[Any, Any, Sequence[str]]],
                  open_legs: tuple[str, ...], protect: int
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[str, ...], int]:
    """The contraction with rows as Python-int bitsets (small networks)."""
    N = len(open_legs)
    nw = max(1, -(-N // 64))
    bond0 = nw * 64
    col_of = {leg: i for i, leg in enumerate(open_legs)}
    pending: dict[str, int] = {}
    free: list[int] = []
    next_col = bond0
    pm = (1 << protect) - 1
    X: list[int] = []
    Z: list[int] = []
    S: list[int] = []
    rX: list[int] = []
    rZ: list[int] = []
    rS: list[int] = []
    log2_norm2 = 0
    for t, (H, signs, legs) in enumerate(tensors):
        legs = tuple(legs)
        A = _tensor_check(H, legs, t)
        cols: list[int] = []
        new_bonds: list[tuple[int, int]] = []
        for leg in legs:
            if leg in col_of:
                c = col_of[leg]
            else:
                c = free.pop() if free else next_col
                if c == next_col:
                    next_col += 1
                if leg in pending:
                    new_bonds.append((pending.pop(leg), c))
                else:
                    pending[leg] = c
            cols.append(c)
        sg = np.asarray(signs, np.uint8).reshape(-1)
        for (xq, zq), si in zip(_row_supports(A), sg.tolist(), strict=True):
            xi = zi = 0
            for q in xq:
                xi |= 1 << cols[q]
            for q in zq:
                zi |= 1 << cols[q]
            X.append(xi)
            Z.append(zi)
            S.append(si)
        for a, b in new_bonds:
            removed = 0
            for part in (X, Z):
                viol = [i for i in range(len(X)) if ((part[i] >> a) ^ (part[i] >> b)) & 1]
                if not viol:
                    continue
                removed += 1
                p = min(viol, key=lambda i: (((X[i] | Z[i]) & pm).bit_count() << 20)
                        + X[i].bit_count() + Z[i].bit_count())
                x2, z2, s2 = X[p], Z[p], S[p]
                for i in viol:
                    if i != p:
                        S[i] ^= s2 ^ _int_product_sign(X[i], Z[i], x2, z2)
                        X[i] ^= x2
                        Z[i] ^= z2
                last = len(X) - 1
                X[p], Z[p], S[p] = X[last], Z[last], S[last]
                X.pop()
                Z.pop()
                S.pop()
            log2_norm2 += 1 - removed
            mask = ~((1 << a) | (1 << b))
            for i in range(len(X)):
                xi, zi = X[i], Z[i]
                if ((xi | zi) >> a) & 1 or ((xi | zi) >> b) & 1:
                    if (xi >> a) & (zi >> a) & 1:
                        S[i] ^= 1
                    X[i] = xi & mask
                    Z[i] = zi & mask
            free.extend((b, a))
        # retire rows without bond bits: they are final
        keep = [i for i in range(len(X)) if (X[i] | Z[i]) >> bond0]
        if len(keep) < len(X):
            ks = set(keep)
            for i in range(len(X)):
                if i not in ks:
                    rX.append(X[i])
                    rZ.append(Z[i])
                    rS.append(S[i])
            X = [X[i] for i in keep]
            Z = [Z[i] for i in keep]
            S = [S[i] for i in keep]
    rX += X
    rZ += Z
    rS += S
    nbytes = nw * 8

    def to_words(rows: list[int]) -> np.ndarray:
        buf = b"".join(r.to_bytes(nbytes, "little") for r in rows)
        return np.frombuffer(buf, dtype="<u8").astype(np.uint64).reshape(len(rows), nw)

    Xo, Zo = to_words(rX), to_words(rZ)
    So = np.asarray(rS, np.uint8)
    return _finish(Xo, Zo, So, open_legs, log2_norm2)


_SUPPORTS: dict[tuple[bytes, tuple[int, ...]], list[tuple[list[int], list[int]]]] = {}


def _row_supports(A: np.ndarray) -> list[tuple[list[int], list[int]]]:
    """Per row, the qubits carrying X and Z (cached: HaPPY reuses one tensor everywhere)."""
    key = (A.tobytes(), A.shape)
    hit = _SUPPORTS.get(key)
    if hit is None:
        l = A.shape[0]
        hit = [(np.flatnonzero(r[:l]).tolist(), np.flatnonzero(r[l:]).tolist()) for r in A]
        if len(_SUPPORTS) < 256:
            _SUPPORTS[key] = hit
    return hit


def _int_product_sign(x1: int, z1: int, x2: int, z2: int) -> int:
    X1, Y1, Z1 = x1 & ~z1, x1 & z1, z1 & ~x1
    X2, Y2, Z2 = x2 & ~z2, x2 & z2, z2 & ~x2
    plus = ((Y1 & Z2) | (X1 & Y2) | (Z1 & X2)).bit_count()
    minus = ((Y1 & X2) | (X1 & Z2) | (Z1 & Y2)).bit_count()
    return int(((plus - minus) & 3) == 2)


def _finish(Xo: np.ndarray, Zo: np.ndarray, So: np.ndarray, open_legs: tuple[str, ...],
            log2_norm2: int
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[str, ...], int]:
    N = len(open_legs)
    nonzero = (Xo | Zo).any(axis=1)
    if np.any(So[~nonzero]):
        raise ZeroNetwork("the network contracts to zero: a Bell projection has the "
                          "stabilizer -1 on its pair")
    Xo, Zo, So = Xo[nonzero], Zo[nonzero], So[nonzero]
    if Xo.shape[0] != N:  # pragma: no cover - guarded by the algebra
        raise HolonetError(f"contracted state has {Xo.shape[0]} generators on "
                           f"{N} legs; expected a pure state")
    return np.ascontiguousarray(Xo), np.ascontiguousarray(Zo), So.copy(), open_legs, log2_norm2


def _contract_numpy(tensors: Sequence[tuple[Any, Any, Sequence[str]]],
                    open_legs: tuple[str, ...], protect: int = 0
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[str, ...], int]:
    """Packed numpy core of :func:`contract_stabilizer_network`.

    Open legs get the columns ``0..N-1`` (in ``output`` order); bond legs get
    columns above ``N`` that are recycled once the bond is contracted, so the
    packed width stays near ``N + (legs on the contraction frontier)``.
    Pivots prefer rows with few bits among the first ``protect`` columns (the
    bulk legs of a code), which keeps those columns sparse for the later split.
    """
    N = len(open_legs)
    n_bond_legs = sum(len(legs) for _, _, legs in tensors) - N
    cap_rows = N + n_bond_legs
    words = max(1, -(-N // 64)) + max(1, -(-n_bond_legs // 64))
    X = np.zeros((cap_rows, words), np.uint64)
    Z = np.zeros((cap_rows, words), np.uint64)
    S = np.zeros(cap_rows, np.uint8)
    col_of: dict[str, int] = {leg: i for i, leg in enumerate(open_legs)}
    pending: dict[str, int] = {}
    free: list[int] = []
    nw = max(1, -(-N // 64))
    # bond columns start on a fresh word, so "touches a bond" is a test on words >= nw
    next_col = nw * 64
    hi_word = nw
    retired: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    pmask = _prefix_mask(protect, words)
    m = 0
    log2_norm2 = 0
    for t, (H, signs, legs) in enumerate(tensors):
        legs = tuple(legs)
        A = _tensor_check(H, legs, t)
        l = len(legs)
        cols = np.empty(l, np.int64)
        new_bonds: list[tuple[int, int]] = []
        for i, leg in enumerate(legs):
            if leg in col_of:
                cols[i] = col_of[leg]
            elif leg in pending:
                cols[i] = free.pop() if free else next_col
                if cols[i] == next_col:
                    next_col += 1
                new_bonds.append((pending.pop(leg), int(cols[i])))
            else:
                cols[i] = free.pop() if free else next_col
                if cols[i] == next_col:
                    next_col += 1
                pending[leg] = int(cols[i])
        hi_word = max(hi_word, -(-next_col // 64))
        for part, src in ((X, A[:, :l]), (Z, A[:, l:])):
            rows, qs = np.nonzero(src)
            cq = cols[qs]
            np.bitwise_or.at(part, (m + rows, cq >> 6), _ONE << (cq & 63).astype(np.uint64))
        S[m:m + l] = np.asarray(signs, np.uint8).reshape(-1)
        m += l
        for ca, cb in new_bonds:
            m_before = m
            m = _project_bell(X, Z, S, m, ca, cb, hi_word, pmask)
            log2_norm2 += 1 - (m_before - m)
            free.extend((cb, ca))
        if t % 8 == 7 and m > 64:
            # rows without bond bits can never be touched again: move them out, so the
            # per-bond column scans cost O(rows on the frontier) instead of O(all rows)
            live = (X[:m, nw:hi_word] | Z[:m, nw:hi_word]).any(axis=1)
            if not live.all():
                dead = ~live
                retired.append((X[:m, :nw][dead].copy(), Z[:m, :nw][dead].copy(),
                                S[:m][dead].copy()))
                n_live = int(live.sum())
                X[:n_live] = X[:m][live]
                Z[:n_live] = Z[:m][live]
                S[:n_live] = S[:m][live]
                X[n_live:m] = 0
                Z[n_live:m] = 0
                m = n_live
    retired.append((X[:m, :nw], Z[:m, :nw], S[:m]))
    Xo = np.vstack([r[0] for r in retired])
    Zo = np.vstack([r[1] for r in retired])
    So = np.concatenate([r[2] for r in retired])
    return _finish(Xo, Zo, So, open_legs, log2_norm2)


def _prefix_mask(ncols: int, words: int) -> np.ndarray | None:
    if ncols <= 0:
        return None
    mask = np.zeros(words, np.uint64)
    full, rem = divmod(ncols, 64)
    mask[:full] = ~np.uint64(0)
    if rem:
        mask[full] = (_ONE << np.uint64(rem)) - _ONE
    return mask


def _bits(A: np.ndarray, c: int) -> np.ndarray:
    return ((A[:, c >> 6] >> np.uint64(c & 63)) & _ONE).astype(bool)


def _eliminate(X: np.ndarray, Z: np.ndarray, S: np.ndarray, m: int, viol: np.ndarray,
               hw: int, pmask: np.ndarray | None) -> int:
    """Keep the subgroup with ``viol == 0``: pivot, multiply in, drop the pivot row."""
    hits = np.flatnonzero(viol)
    if hits.size == 0:
        return m
    if hits.size > 1:
        xh, zh = X[hits, :hw], Z[hits, :hw]
        weight = (np.bitwise_count(xh).sum(1, dtype=np.int64)
                  + np.bitwise_count(zh).sum(1, dtype=np.int64))
        if pmask is not None:
            pm = pmask[:hw]
            weight += (np.bitwise_count(xh & pm).sum(1, dtype=np.int64)
                       + np.bitwise_count(zh & pm).sum(1, dtype=np.int64)) << 20
        j = int(np.argmin(weight))
        p = int(hits[j])
        keep = np.arange(hits.size) != j
        others = hits[keep]
        x1, z1 = xh[keep], zh[keep]
        x2, z2 = xh[j], zh[j]
        S[others] ^= _product_sign(x1, z1, x2, z2) ^ S[p]
        X[others, :hw] = x1 ^ x2
        Z[others, :hw] = z1 ^ z2
    else:
        p = int(hits[0])
    last = m - 1
    if p != last:
        X[p], Z[p], S[p] = X[last], Z[last], S[last]
    X[last] = 0
    Z[last] = 0
    return last


def _project_bell(X: np.ndarray, Z: np.ndarray, S: np.ndarray, m: int, a: int, b: int,
                  hw: int, pmask: np.ndarray | None) -> int:
    wa, ba = a >> 6, np.uint64(a & 63)
    wb, bb = b >> 6, np.uint64(b & 63)
    for A in (X, Z):
        viol = ((A[:m, wa] >> ba) ^ (A[:m, wb] >> bb)) & _ONE
        m = _eliminate(X, Z, S, m, viol, hw, pmask)
    # now every row acts as I, X, Y or Z on both a and b; <Phi| Y⊗Y = -<Phi|
    y = (X[:m, wa] >> ba) & (Z[:m, wa] >> ba) & _ONE
    S[:m] ^= y.astype(np.uint8)
    mask_a = ~(_ONE << ba)
    mask_b = ~(_ONE << bb)
    X[:m, wa] &= mask_a
    Z[:m, wa] &= mask_a
    X[:m, wb] &= mask_b
    Z[:m, wb] &= mask_b
    return m


def split_choi_state(state: ContractedState, boundary: Sequence[str], bulk: Sequence[str]
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                np.ndarray, np.ndarray]:
    """Read an encoding map ``V`` (bulk -> boundary) off its Choi state.

    The contracted network with open bulk legs is the unnormalised state
    ``(V ⊗ 1)|Φ⟩``. A generator ``(-1)^s B ⊗ 1_bulk`` gives the stabilizer
    ``(-1)^s B V = V``; one ``(-1)^s B ⊗ X_j`` gives the logical
    ``(-1)^s B V = V X_j`` (and likewise for ``Z_j``: ``X^T = X``, ``Z^T = Z``).
    A signed elimination on the bulk columns puts the group in that form.

    Returns
    -------
    stabilizers, stab_signs, logical_x, x_signs, logical_z, z_signs
        Boundary-only check matrices (columns in ``boundary`` order).

    Raises
    ------
    HolonetError
        If the bulk part of the group is not all of the bulk Pauli group, i.e.
        the network is not (proportional to) an isometry from the bulk.

    Examples
    --------
    >>> from holonet.stabilizer.pauli import paulis_to_symplectic, symplectic_to_paulis
    >>> choi = ContractedState(*paulis_to_symplectic(["XXX", "ZZI", "IZZ"]), ("a", "b", "q"))
    >>> H, hs, lx, sx, lz, sz = split_choi_state(choi, ("a", "b"), ("q",))
    >>> symplectic_to_paulis(H), symplectic_to_paulis(lx), symplectic_to_paulis(lz)
    (['ZZ'], ['XX'], ['IZ'])
    """
    idx = {leg: i for i, leg in enumerate(state.legs)}
    boundary = tuple(boundary)
    bulk = tuple(bulk)
    if sorted(boundary + bulk) != sorted(state.legs):
        raise ValueError("boundary and bulk legs must partition the open legs")
    N = len(state.legs)
    order = np.array([idx[leg] for leg in bulk + boundary], dtype=np.intp)
    H = state.check
    X = gf2.pack(H[:, order])
    Z = gf2.pack(H[:, N + order])
    return _split_packed(X, Z, state.signs.copy(), len(bulk), len(boundary), bulk)


def _split_packed(X: np.ndarray, Z: np.ndarray, S: np.ndarray, k: int, nb: int,
                  bulk: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                np.ndarray, np.ndarray, np.ndarray]:
    """Signed elimination of the first ``k`` (bulk) columns of packed rows."""
    tab = _SignedTable(X, Z, S, k + nb)
    m = X.shape[0]
    used = np.zeros(m, bool)
    pivot_x = np.empty(k, np.intp)
    pivot_z = np.empty(k, np.intp)
    for j in range(k):
        for part, piv in ((tab.x, pivot_x), (tab.z, pivot_z)):
            bits = _bits(part, j)
            cand = np.flatnonzero(bits & ~used)
            if cand.size == 0:
                raise HolonetError(f"bulk leg {bulk[j]!r}: the network is not an isometry from "
                                   "the bulk (a logical Pauli has no boundary representative)")
            p = int(cand[0])
            used[p] = True
            piv[j] = p
            others = np.flatnonzero(bits)
            tab.mul_rows_(others[others != p], p)
    xs = gf2.unpack(tab.x, k + nb)[:, k:]
    zs = gf2.unpack(tab.z, k + nb)[:, k:]
    bnd = np.hstack([xs, zs])
    signs = tab.sign
    stab = ~used
    return (bnd[stab], signs[stab], bnd[pivot_x], signs[pivot_x],
            bnd[pivot_z], signs[pivot_z])
