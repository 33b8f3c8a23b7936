r"""Holographic ring attention over a code network (theory/attention.md, §6).

Tokens live on the code network of a :class:`holonet.codes.HaPPYCode`:
*boundary tokens* on the boundary legs ``k0 .. k{n-1}`` (CCW) and *bulk tokens*
on the bulk legs ``q{tile}`` (ring of the tile; the centre is ring 0, the
boundary ring is the largest). The attention pattern is read off the network:

* **local (bonds):** neighbouring boundary legs, a boundary leg and the bulk
  token of its tile, and bulk tokens of tiles that share a bond;
* **core ↔ boundary (encoding map):** bulk token ``j`` and the boundary legs in
  the support of its *decoder* from the available boundary region ``A``:
  logical representatives ``s·X̄_j`` and ``s'·Z̄_j`` (``s, s'`` stabilizers)
  supported inside ``A`` (:func:`wedge_decoder`). They exist exactly when
  ``j`` lies in the entanglement wedge of ``A`` (the cleaning lemma), so the
  wedge predicts which bulk tokens keep their boundary routes when the rest
  of the boundary is masked: on every code state the decoder from ``A``
  returns the same logical data as the full boundary.

:func:`holographic_attention` is masked softmax attention over this pattern;
its value aggregation is a contraction of the (batch, query, key) weight
tensor with the values through :func:`holonet.contract.contract` (planned,
cached path).

Examples
--------
>>> from holonet.codes import happy_code
>>> code = happy_code(2)
>>> dec = wedge_decoder(code, range(13))
>>> int(dec.reconstructable.sum()) >= 1, dec.routing.shape
(True, (11, 25))
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from holonet.attention import _ops
from holonet.backend import do

__all__ = [
    "WedgeDecoder",
    "holographic_attention",
    "holographic_matrix",
    "holographic_pattern",
    "holographic_record",
    "holographic_tokens",
    "pauli_product",
    "ring_routing",
    "wedge_decoder",
]


# ---------------------------------------------------------------------------------
# signed Pauli algebra (Hermitian Paulis (-1)^s ⊗ σ, symplectic [x | z], Y = iXZ)


def _phase_exponent(x1: np.ndarray, z1: np.ndarray, x2: np.ndarray, z2: np.ndarray) -> int:
    """Power of ``i`` in ``σ(x1,z1) σ(x2,z2) = i^g σ(x1^x2, z1^z2)``, summed over qubits."""
    x1, z1, x2, z2 = (a.astype(np.int64) for a in (x1, z1, x2, z2))
    g = np.where((x1 == 1) & (z1 == 1), z2 - x2,
                 np.where(x1 == 1, z2 * (2 * x2 - 1), np.where(z1 == 1, x2 * (1 - 2 * z2), 0)))
    return int(g.sum()) % 4


def pauli_product(p1: np.ndarray, s1: int, p2: np.ndarray, s2: int) -> tuple[np.ndarray, int]:
    """Product of two commuting Hermitian Paulis ``(-1)^s1 P1 · (-1)^s2 P2 = (-1)^s P``.

    ``p1, p2`` are length-``2n`` GF(2) vectors ``[x | z]``.

    Examples
    --------
    >>> import numpy as np
    >>> x, z = np.array([1, 0]), np.array([0, 1])      # X and Z on one qubit, as [x | z]
    >>> xx, zz = np.array([1, 1, 0, 0]), np.array([0, 0, 1, 1])
    >>> pauli_product(xx, 0, zz, 0)                    # XX · ZZ = -YY
    (array([1, 1, 1, 1], dtype=uint8), 1)
    """
    n = p1.size // 2
    g = _phase_exponent(p1[:n], p1[n:], p2[:n], p2[n:])
    if g % 2:
        raise ValueError("pauli_product needs commuting Paulis (their product is not Hermitian)")
    return ((p1 ^ p2).astype(np.uint8), int((s1 + s2 + g // 2) % 2))


# ---------------------------------------------------------------------------------
# the decoder of a boundary region


@dataclass
class WedgeDecoder:
    """Logical operators of a code reconstructed on a boundary region ``A``.

    Attributes
    ----------
    region
        Sorted boundary qubit indices of ``A``.
    bulk_legs
        Name of logical qubit ``j`` (``'q{tile}'``).
    reconstructable
        ``(k,)`` bool: both ``X̄_j`` and ``Z̄_j`` have representatives inside ``A``
        (the exact entanglement wedge of ``A``).
    logical_x, logical_z
        ``(k, 2n)`` uint8 representatives supported in ``A`` (rows of zeros where
        none exists); ``signs_x``, ``signs_z``: their sign bits.

    Examples
    --------
    >>> from holonet.codes import happy_code
    >>> dec = wedge_decoder(happy_code(1), [0, 1, 2])    # 3 of the 5 legs of [[5,1,3]]
    >>> dec.region.tolist(), dec.bulk_legs, dec.reconstructable.tolist()
    ([0, 1, 2], ['q0'], [True])
    >>> dec.support(0).tolist(), dec.pauli_strings(0)
    ([0, 1, 2], ('-ZXZII', '-YZYII'))
    >>> wedge_decoder(happy_code(1), [0, 1]).wedge       # 2 legs: outside the wedge
    set()
    """

    region: np.ndarray
    bulk_legs: list[str]
    reconstructable: np.ndarray
    logical_x: np.ndarray
    logical_z: np.ndarray
    signs_x: np.ndarray
    signs_z: np.ndarray
    has_x: np.ndarray
    has_z: np.ndarray

    @property
    def n(self) -> int:
        return int(self.logical_x.shape[1] // 2)

    @property
    def wedge(self) -> set[str]:
        """Bulk legs reconstructable from the region (its exact entanglement wedge)."""
        return {self.bulk_legs[j] for j in np.flatnonzero(self.reconstructable)}

    def support(self, j: int) -> np.ndarray:
        """Boundary qubits the decoder of logical ``j`` reads (empty outside the wedge)."""
        if not self.reconstructable[j]:
            return np.zeros(0, dtype=np.int64)
        n = self.n
        both = self.logical_x[j] | self.logical_z[j]
        return np.flatnonzero(both[:n] | both[n:])

    @property
    def routing(self) -> np.ndarray:
        """``(k, n)`` bool: bulk token ``j`` reads boundary token ``b`` (core ↔ boundary)."""
        out = np.zeros((self.reconstructable.size, self.n), dtype=bool)
        for j in range(out.shape[0]):
            out[j, self.support(j)] = True
        return out

    def pauli_strings(self, j: int) -> tuple[str, str] | None:
        """The two representatives as signed Pauli strings (``None`` outside the wedge)."""
        if not self.reconstructable[j]:
            return None
        return (_to_string(self.logical_x[j], self.signs_x[j]),
                _to_string(self.logical_z[j], self.signs_z[j]))


def _to_string(p: np.ndarray, s: int) -> str:
    n = p.size // 2
    chars = np.array(["I", "X", "Z", "Y"])[p[:n] + 2 * p[n:]]
    return ("-" if s else "+") + "".join(chars)


def _region_indices(n: int, region: Any, labels: list[str]) -> np.ndarray:
    if region is None:
        return np.arange(n)
    r = np.asarray(list(region) if not isinstance(region, np.ndarray) else region)
    if r.dtype == bool:
        if r.shape != (n,):
            raise ValueError(f"a boolean region needs shape ({n},); got {r.shape}")
        return np.flatnonzero(r)
    if r.size and r.dtype.kind in "US":
        pos = {name: i for i, name in enumerate(labels)}
        bad = [str(x) for x in r if str(x) not in pos]
        if bad:
            raise ValueError(f"unknown boundary legs {bad}; expected names like {labels[0]!r}")
        r = np.array([pos[str(x)] for x in r])
    r = np.unique(r.astype(np.int64))
    if r.size and (r.min() < 0 or r.max() >= n):
        raise ValueError(f"boundary indices must be in 0..{n - 1}; got {r.tolist()}")
    return r


def _reduce_weight(p: np.ndarray, s: int, stab: np.ndarray, signs: np.ndarray,
                   allowed: np.ndarray) -> tuple[np.ndarray, int]:
    """Greedy weight reduction by stabilizer multiplication, keeping the support in ``allowed``."""
    n = p.size // 2

    def weight(v: np.ndarray) -> int:
        return int(np.count_nonzero(v[:n] | v[n:]))

    inside = np.zeros(n, dtype=bool)
    inside[allowed] = True
    improved = True
    while improved:
        improved = False
        for t in range(stab.shape[0]):
            cand = p ^ stab[t]
            supp = (cand[:n] | cand[n:]).astype(bool)
            if supp[~inside].any() or weight(cand) >= weight(p):
                continue
            p, s = pauli_product(p, s, stab[t], int(signs[t]))
            improved = True
    return p, s


def wedge_decoder(code: Any, region: Any = None, *, reduce: bool = True) -> WedgeDecoder:
    """Build the decoder of boundary region ``A``: logical operators cleaned into ``A``.

    For each logical qubit ``j`` solve, over GF(2), for stabilizer combinations
    ``s`` with ``s·X̄_j`` (and ``s'·Z̄_j``) vanishing outside ``A``; signs are
    tracked through the products. A solution exists for both iff ``j`` is in the
    exact entanglement wedge of ``A``. This is the reusable core ↔ boundary
    routing of holographic attention (also used by :mod:`holonet.nn`).

    Parameters
    ----------
    code
        A :class:`holonet.codes.HaPPYCode` (``stabilizer_code``, ``boundary_legs``,
        ``bulk_legs``) or a :class:`holonet.stabilizer.StabilizerCode`.
    region
        Boundary qubits of ``A``: indices, leg names (``'k3'``) or a bool mask;
        ``None`` = the whole boundary.
    reduce
        Greedily lower the weight of each representative (smaller routes).

    Examples
    --------
    >>> from holonet.codes import happy_code
    >>> dec = wedge_decoder(happy_code(1), [0, 1, 2])  # 3 of the 5 legs of one tile
    >>> dec.wedge, dec.pauli_strings(0) is not None
    ({'q0'}, True)
    """
    from holonet.stabilizer import gf2
    from holonet.stabilizer.pauli import restrict

    sc = getattr(code, "stabilizer_code", code)
    n, k = int(sc.n), int(sc.k)
    labels = list(getattr(code, "boundary_legs", [f"k{i}" for i in range(n)]))
    bulk = list(getattr(code, "bulk_legs", [f"q{j}" for j in range(k)]))
    idx = _region_indices(n, region, labels)
    comp = np.setdiff1d(np.arange(n), idx)
    stab = np.asarray(sc.stabilizers, dtype=np.uint8)
    ssign = np.asarray(sc.stabilizer_signs, dtype=np.uint8)
    lx, lz = (np.asarray(a, dtype=np.uint8) for a in sc.logicals)
    sx, sz = (np.asarray(a, dtype=np.uint8) for a in sc.logical_signs)
    a_mat = restrict(stab, comp).T if comp.size else np.zeros((0, stab.shape[0]), np.uint8)
    out = {}
    for name, logs, signs in (("x", lx, sx), ("z", lz, sz)):
        reps = np.zeros((k, 2 * n), dtype=np.uint8)
        rsign = np.zeros(k, dtype=np.uint8)
        ok = np.zeros(k, dtype=bool)
        for j in range(k):
            if comp.size:
                c = gf2.solve(a_mat, restrict(logs[j:j + 1], comp)[0])
                if c is None:
                    continue
            else:
                c = np.zeros(stab.shape[0], dtype=np.uint8)
            p, s = logs[j].copy(), int(signs[j])
            for t in np.flatnonzero(c):
                p, s = pauli_product(p, s, stab[t], int(ssign[t]))
            if reduce:
                p, s = _reduce_weight(p, s, stab, ssign, idx)
            reps[j], rsign[j], ok[j] = p, s, True
        out[name] = (reps, rsign, ok)
    return WedgeDecoder(region=idx, bulk_legs=bulk, reconstructable=out["x"][2] & out["z"][2],
                        logical_x=out["x"][0], logical_z=out["z"][0], signs_x=out["x"][1],
                        signs_z=out["z"][1], has_x=out["x"][2], has_z=out["z"][2])


# ---------------------------------------------------------------------------------
# tokens, pattern and operator


def holographic_tokens(code: Any) -> tuple[list[str], np.ndarray]:
    """Token labels and rings: boundary legs first (CCW), then bulk legs (by tile).

    Ring ``0`` is the centre tile, ring ``layers - 1`` the outer tiles, and the
    boundary tokens get ring ``layers`` (the :class:`AttentionRecord` convention).

    Examples
    --------
    >>> from holonet.codes import happy_code
    >>> labels, ring = holographic_tokens(happy_code(2))
    >>> labels[0], labels[25], int(ring.max()), int((ring == 0).sum())
    ('k0', 'q0', 2, 1)
    """
    tiling = code.tiling
    labels = list(code.boundary_legs) + list(code.bulk_legs)
    layers = int(tiling.layers)
    ring = [layers] * len(code.boundary_legs)
    for leg in code.bulk_legs:
        ring.append(int(tiling.tiles[int(leg[1:])].layer) - 1)
    return labels, np.asarray(ring, dtype=np.int64)


def holographic_pattern(code: Any, region: Any = None, *,
                        decoder: WedgeDecoder | None = None) -> np.ndarray:
    """Boolean ``(T, T)`` attention pattern over ``[boundary tokens, bulk tokens]``.

    Local edges from the network's bonds and legs, plus bulk ``j`` ↔ boundary legs
    in the support of its decoder from ``region`` (default: the whole boundary).
    Boundary tokens outside ``region`` are masked as keys. Symmetric before masking;
    the diagonal is included.

    Examples
    --------
    >>> from holonet.codes import happy_code
    >>> p = holographic_pattern(happy_code(2))
    >>> p.shape, bool(p[25, 25])
    ((36, 36), True)
    """
    tiling = code.tiling
    n = len(code.boundary_legs)
    bulk = list(code.bulk_legs)
    t_of = {int(leg[1:]): n + j for j, leg in enumerate(bulk)}
    size = n + len(bulk)
    pat = np.eye(size, dtype=bool)
    edges = list(tiling.boundary_edges)
    for b in range(n):  # neighbouring boundary legs (cyclic CCW order)
        for c in ((b + 1) % n, (b - 1) % n):
            pat[b, c] = pat[c, b] = True
    for b, (tile, _edge) in enumerate(edges):  # a boundary leg and its tile's bulk token
        if int(tile) in t_of:
            pat[b, t_of[int(tile)]] = pat[t_of[int(tile)], b] = True
    for (t1, _e1), (t2, _e2) in tiling.bonds:  # bulk tokens of tiles sharing a bond
        if int(t1) in t_of and int(t2) in t_of:
            pat[t_of[int(t1)], t_of[int(t2)]] = pat[t_of[int(t2)], t_of[int(t1)]] = True
    dec = decoder if decoder is not None else wedge_decoder(code, region)
    route = dec.routing
    pat[n:, :n] |= route
    pat[:n, n:] |= route.T
    avail = np.zeros(n, dtype=bool)
    avail[dec.region] = True
    pat[:, :n] &= avail[None, :]
    return pat


def holographic_matrix(q: Any, k: Any, code: Any, region: Any = None, *,
                       pattern: np.ndarray | None = None, scale: float | None = None) -> Any:
    """Row-stochastic ``(..., T, T)`` attention restricted to :func:`holographic_pattern`.

    Examples
    --------
    >>> import numpy as np
    >>> from holonet.codes import happy_code
    >>> q = np.random.default_rng(0).standard_normal((36, 4))
    >>> a = holographic_matrix(q, q, happy_code(2))
    >>> bool(np.allclose(a.sum(-1), 1))
    True
    """
    t, d = _ops.check_qkv(q, k)
    pat = holographic_pattern(code, region) if pattern is None else np.asarray(pattern, bool)
    if pat.shape != (t, t):
        raise ValueError(f"the code has {pat.shape[0]} tokens (boundary + bulk) but the "
                         f"sequence has {t}")
    scale = 1.0 / math.sqrt(d) if scale is None else float(scale)
    s = (q * scale) @ _ops.swap_last(k)
    s = do("where", _ops.const(pat, q), s, _ops.NEG_INF)
    m = _ops.safe_max(s)
    w = do("exp", s - m[..., None])
    z = do("sum", w, axis=-1)
    return w / do("where", z > 0, z, 1.0)[..., None]


def holographic_attention(q: Any, k: Any, v: Any, code: Any, region: Any = None, *,
                          pattern: np.ndarray | None = None,
                          scale: float | None = None) -> Any:
    """Holographic ring attention: softmax over the code-derived pattern, then a contraction.

    Parameters
    ----------
    q, k, v
        ``(..., T, d)``, ``(..., T, d)``, ``(..., T, dv)`` over the tokens of
        :func:`holographic_tokens` (``T = n_boundary + n_bulk``).
    code
        The code network (:class:`holonet.codes.HaPPYCode`).
    region
        Available boundary legs (the rest is masked); ``None`` = all.
    pattern
        A precomputed :func:`holographic_pattern` (skips building the decoder).

    Examples
    --------
    >>> import numpy as np
    >>> from holonet.codes import happy_code
    >>> q, k, v = np.random.default_rng(1).standard_normal((3, 2, 36, 4))
    >>> holographic_attention(q, k, v, happy_code(2)).shape
    (2, 36, 4)
    """
    from holonet.contract import contract

    _ops.check_qkv(q, k, v)
    w = holographic_matrix(q, k, code, region, pattern=pattern, scale=scale)
    batch = tuple(f"b{i}" for i in range(len(q.shape) - 2))
    return contract([(w, batch + ("query", "key")), (v, batch + ("key", "feature"))],
                    output=batch + ("query", "feature"))


def holographic_record(code: Any, q: Any, k: Any, region: Any = None, *, layer: int = 0,
                       record: Any = None) -> Any:
    """Store the holographic attention maps of ``(H, T, d)`` (or ``(T, d)``) heads in an
    :class:`~holonet.attention.record.AttentionRecord` (tokens on their rings).

    Passing ``record`` adds layer ``layer`` to an existing record.

    Examples
    --------
    >>> import numpy as np
    >>> from holonet.codes import happy_code
    >>> q = np.random.default_rng(0).standard_normal((2, 36, 4))
    >>> rec = holographic_record(happy_code(2), q, q, region=range(12))
    >>> rec.n_tokens, rec.heads(0), rec.n_rings
    (36, [0, 1], 3)
    """
    from holonet.attention.record import AttentionRecord
    from holonet.backend import to_numpy

    labels, ring = holographic_tokens(code)
    dec = wedge_decoder(code, region)
    pat = holographic_pattern(code, region, decoder=dec)
    a = to_numpy(holographic_matrix(q, k, code, pattern=pat))
    if a.ndim == 2:
        a = a[None]
    if a.ndim != 3:
        raise ValueError(f"q must have shape (T, d) or (H, T, d); got {tuple(q.shape)}")
    rec = record if record is not None else AttentionRecord(
        tokens=labels, ring=ring,
        meta={"kind": "holographic", "region": [int(i) for i in dec.region],
              "wedge": sorted(dec.wedge)})
    for head in range(a.shape[0]):
        rec.add(layer, head, a[head])
    return rec


def ring_routing(code: Any, ring: int = 1, *, normalise: bool = True) -> np.ndarray:
    """Bond routing from the tiles of ``ring`` out to the boundary legs, by contraction.

    The network's bonds between consecutive rings form matrices ``M_r`` (tiles of
    ring ``r`` × tiles of ring ``r + 1``) and its legs a matrix ``B`` (tiles of
    the outer ring × boundary legs, tiles of inner rings may carry legs too).
    ``M_ring ⋯ M_{L-1} B`` counts the outward bond paths from each tile to
    each boundary leg: the ring-to-ring routing of holographic attention. It
    is contracted as a named-leg network through :func:`holonet.contract.contract`
    (planned, cached path). Rows are normalised to sum to one if ``normalise``.

    Returns
    -------
    ``(n_tiles_in_ring, n_boundary)`` array, tiles in increasing index.

    Examples
    --------
    >>> from holonet.codes import happy_code
    >>> r = ring_routing(happy_code(3))
    >>> r.shape, bool((r > 0).all())
    ((1, 95), True)
    """
    from holonet._options import check_int
    from holonet.contract import contract

    tiling = getattr(code, "tiling", code)
    layers = int(tiling.layers)
    ring = check_int("ring", ring, minimum=1, maximum=layers)
    by_ring = {r: sorted(int(t.index) for t in tiling.tiles if int(t.layer) == r)
               for r in range(1, layers + 1)}
    pos = {t: i for r in by_ring for i, t in enumerate(by_ring[r])}
    layer_of = {int(t.index): int(t.layer) for t in tiling.tiles}
    edges = list(tiling.boundary_edges)
    network = []
    for r in range(ring, layers + 1):
        # tiles of ring r -> boundary legs they carry directly
        legs = np.zeros((len(by_ring[r]), len(edges)))
        for b, (t, _e) in enumerate(edges):
            if layer_of[int(t)] == r:
                legs[pos[int(t)], b] = 1.0
        if r < layers:
            step = np.zeros((len(by_ring[r]), len(by_ring[r + 1])))
            for (t1, _e1), (t2, _e2) in tiling.bonds:
                a, b2 = int(t1), int(t2)
                if layer_of[a] == r + 1 and layer_of[b2] == r:
                    a, b2 = b2, a
                if layer_of[a] == r and layer_of[b2] == r + 1:
                    step[pos[a], pos[b2]] += 1.0
            # a tile routes to its own legs and, through its outward bonds, further out
            network.append((np.hstack([step, legs]), (f"t{r}", f"u{r}")))
        else:
            network.append((legs, (f"t{r}", f"u{r}")))
    # within a ring, one hop along a bond first (tiles that touch the inner ring only
    # at a vertex, as in the vertex convention, are reached through a ring neighbour)
    for i, (mat, legs_names) in enumerate(network):
        r = ring + i
        hop = np.eye(len(by_ring[r]))
        for (t1, _e1), (t2, _e2) in tiling.bonds:
            a, b2 = int(t1), int(t2)
            if layer_of[a] == r and layer_of[b2] == r:
                hop[pos[a], pos[b2]] += 1.0
                hop[pos[b2], pos[a]] += 1.0
        network[i] = (contract([(hop, ("a", "b")), (mat, ("b", "c"))], output=("a", "c")),
                      legs_names)
    # expand: path counts P_r = [M_r | B_r] applied to [P_{r+1}; I] (legs pass through)
    out = None
    for mat, (row, _col) in reversed(network):
        n_next = mat.shape[1] - len(edges)
        if out is None:
            out = mat
            continue
        stacked = np.vstack([out, np.eye(len(edges))]) if n_next else np.eye(len(edges))
        out = contract([(mat, (row, "mid")), (stacked, ("mid", "leg"))], output=(row, "leg"))
    assert out is not None
    out = np.asarray(out, dtype=float)
    if normalise:
        tot = out.sum(1, keepdims=True)
        out = out / np.where(tot > 0, tot, 1.0)
    return out
