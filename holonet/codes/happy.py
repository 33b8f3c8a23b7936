"""The HaPPY family of holographic codes on hyperbolic tilings (arXiv:1503.06237).

A :class:`HaPPYCode` is a *fill* of a :class:`holonet.geometry.HyperbolicTiling`:
one six-leg perfect tensor per tile, its edge legs in the tile's CCW edge
order, bonds across shared edges, dangling edge legs on the boundary. It has
two faithful views of the same object:

- the stabilizer view :attr:`HaPPYCode.stabilizer_code`, built by contracting
  the tiles' stabilizer states through the network with GF(2) elimination
  (:func:`holonet.stabilizer.contract_stabilizer_network`), in layer order;
- the tensor-network view :meth:`HaPPYCode.to_tensor_network`, a quimb
  ``TensorNetwork`` of the same tensors, normalised so that, as a map from the
  bulk legs to the boundary legs, it is an exact isometry (``V†V = 1``).

Variants
--------
``"pentagon"``
    {5,4}; the [[5,1,3]] tensor on every pentagon, one bulk leg per tile.
``"single"``
    {5,4}; only the centre tile has a bulk leg, every other tile's sixth leg
    is a physical qubit (zero-rate code; with ``convention="edge"`` and two
    layers it is [[5,1,3]] concatenated with itself, [[25,1,9]]).
``"pentagon-hexagon"``
    the 5.6.5.6 tiling: [[5,1,3]] tensors with a bulk leg on pentagons,
    [[6,0,4]] tensors without bulk leg on hexagons.
``"hexagon-state"``
    {6,4}; the six-leg perfect tensor on every hexagon, all legs on edges:
    a holographic *state* (``k = 0``).
``"zero-rate"``
    the zero-rate code of the decoding literature, the *same code* as
    LEGO_HQEC's ``setup_zero_rate_happy(R)`` with ``layers = R + 1``
    (Fan et al., arXiv:2408.06232): the {6,4} tiling with a pentagon centre,
    layered by edge adjacency; the centre carries the [[5,1,3]] tensor and the
    only bulk leg, every other tile the six-leg perfect tensor with all legs on
    edges. ``n = 5, 25, 95, 355, 1325``, ``k = 1``; two layers give [[25,1,9]].
    Each tile's legs are ordered as LEGO_HQEC orders them
    (:mod:`holonet.codes._zero_rate`), so the stabilizer groups are equal up to
    the numbering of the physical qubits (holonet: CCW around the disk; LEGO_HQEC:
    its depth-first read-out order), a permutation the tests reconstruct from
    the tile-by-tile correspondence of the two networks.

Leg names: boundary legs ``k{i}`` (edge legs CCW around the disk as in
``tiling.boundary_edges``; for ``"single"`` the sixth legs of the non-central
tiles follow, in tile order), bulk legs ``q{tile}``, bonds ``b{t},{e}`` after
their lower-index end. Qubit ``i`` of the stabilizer view is
``boundary_legs[i]``, logical ``j`` is ``bulk_legs[j]``.

Normalisation of the tensor-network view: tiles are contracted in layer order
(then index order). Tile ``t`` has ``a_t`` *input* legs: bonds to earlier tiles
plus its bulk leg. Its tensor is ``sqrt(2^a_t) · ψ`` with ``ψ`` the normalised
perfect state, which, read as a map from its inputs to its other legs, is an
exact isometry whenever ``a_t <= 3`` (every set of at most three legs of ψ is
maximally mixed). The network is then a composition of isometries, so
``V†V = 1`` exactly. If some tile has ``a_t > 3``, the per-tile scaling is
replaced by the single global factor that the stabilizer contraction
determines exactly (the number of Bell constraints that were independent),
which again gives ``V†V = 1`` (``V`` is proportional to an isometry whenever
every bulk Pauli has a boundary representative, which the stabilizer view
checks).

Examples
--------
>>> from holonet.codes import happy_code
>>> code = happy_code(2)
>>> code.stabilizer_code.n, code.stabilizer_code.k
(25, 11)
>>> code.boundary_legs[:3], code.bulk_legs[:3]
(['k0', 'k1', 'k2'], ['q0', 'q1', 'q2'])
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from holonet._options import check_int, check_option
from holonet.codes.perfect import perfect_array, perfect_stabilizers
from holonet.stabilizer import StabilizerCode, gf2
from holonet.stabilizer.network import ContractedState, _contract_packed, _split_packed

__all__ = ["VARIANTS", "HaPPYCode", "happy_code"]

#: Valid HaPPY variants.
VARIANTS: tuple[str, ...] = ("pentagon", "single", "pentagon-hexagon", "hexagon-state",
                             "zero-rate")

#: Default tile limit of :func:`happy_code` (9 layers of {5,4}, 148,336 tiles, pass; building
#: a code costs ~0.1 ms per tile, its stabilizer view far more); raise it with ``max_tiles=``.
DEFAULT_CODE_MAX_TILES = 200_000

_KINDS = {"pentagon": {"pentagon"}, "single": {"pentagon"}, "zero-rate": {"pentagon", "hexagon"},
          "pentagon-hexagon": {"pentagon", "hexagon"}, "hexagon-state": {"hexagon"}}


def happy_code(layers: int, convention: str = "vertex", variant: str = "pentagon", *,
               max_tiles: int = DEFAULT_CODE_MAX_TILES,
               memory_limit: int | str | None = None) -> HaPPYCode:
    """Build a HaPPY code with ``layers`` rings of tiles (the centre tile is layer 1).

    Parameters
    ----------
    layers
        Number of rings including the centre tile.
    convention
        ``"vertex"`` (a tile is in layer L+1 if it shares a vertex with layer L)
        or ``"edge"`` (shares an edge). Ignored for ``"pentagon-hexagon"`` and
        ``"zero-rate"``, whose tilings are layered by edge-graph distance.
    variant
        One of ``"pentagon"``, ``"single"``, ``"pentagon-hexagon"``, ``"hexagon-state"``,
        ``"zero-rate"``.
    max_tiles
        Refuse (``ValueError`` with the predicted count, before building) a tiling
        with more tiles.
    memory_limit
        Budget in bytes (or ``'8G'``) for the stabilizer view's GF(2) matrices,
        checked before they are built (default
        :func:`holonet.contract.default_memory_limit`, a quarter of the available RAM).

    Examples
    --------
    >>> happy_code(1).stabilizer_code.distance()
    3
    >>> c = happy_code(2, convention="edge", variant="single").stabilizer_code
    >>> c.n, c.k
    (25, 1)
    """
    check_int("layers", layers, minimum=1)
    check_option("layer convention", convention, ("vertex", "edge"))
    check_option("HaPPY variant", variant, VARIANTS)
    max_tiles = check_int("max_tiles", max_tiles, minimum=1)
    from holonet.geometry import HyperbolicTiling
    from holonet.geometry.tiling import _check_layers

    _check_layers(layers, max_tiles, f"HaPPY {variant!r}")  # before any per-layer list

    if variant == "pentagon-hexagon":
        tiling = HyperbolicTiling.pentahexagonal(layers, max_tiles=max_tiles)
    elif variant == "zero-rate":
        from holonet.codes._zero_rate import zero_rate_tiling

        tiling = zero_rate_tiling(layers, max_tiles=max_tiles)
    elif variant == "hexagon-state":
        tiling = HyperbolicTiling(6, 4, layers, convention=convention, max_tiles=max_tiles)
    else:
        tiling = HyperbolicTiling(5, 4, layers, convention=convention, max_tiles=max_tiles)
    return HaPPYCode(tiling, variant, memory_limit=memory_limit)


class HaPPYCode:
    """A HaPPY code: perfect tensors on the tiles of a hyperbolic tiling.

    Construct with :func:`happy_code` or :meth:`from_tiling`.

    Attributes
    ----------
    tiling
        The :class:`holonet.geometry.HyperbolicTiling` it fills.
    variant
        One of :data:`VARIANTS`.
    boundary_legs, bulk_legs
        Leg names of the physical qubits (CCW) and logical qubits.

    Examples
    --------
    >>> code = happy_code(2)
    >>> code.variant, code.n, code.k, code.n_tiles
    ('pentagon', 25, 11, 11)
    >>> code.boundary_legs[:3], code.bulk_legs[:3]
    (['k0', 'k1', 'k2'], ['q0', 'q1', 'q2'])
    >>> sc = code.stabilizer_code
    >>> (sc.n, sc.k) == (code.n, code.k)
    True
    """

    def __init__(self, tiling: Any, variant: str, *,
                 memory_limit: int | str | None = None) -> None:
        check_option("HaPPY variant", variant, VARIANTS)
        from holonet.contract import _parse_bytes

        #: budget (bytes) for the stabilizer view, None: default_memory_limit() when built
        self.memory_limit = None if memory_limit is None else _parse_bytes(memory_limit)
        self.tiling = tiling
        self.variant = variant
        kinds = {t.kind for t in tiling.tiles}
        if not kinds <= _KINDS[variant]:
            raise ValueError(f"variant {variant!r} needs tiles of kind "
                             f"{sorted(_KINDS[variant])}; the tiling has {sorted(kinds)}")
        self._order = sorted(range(tiling.n_tiles), key=lambda i: (tiling.tiles[i].layer, i))
        rank = {t: pos for pos, t in enumerate(self._order)}
        boundary: dict[tuple[int, int], str] = {
            te: f"k{i}" for i, te in enumerate(tiling.boundary_edges)}
        nb = len(boundary)
        self._legs: list[tuple[str, ...]] = []
        self._inputs: list[int] = []
        bulk: list[str] = []
        extra: list[str] = []
        for tile in tiling.tiles:
            t = tile.index
            legs: list[str] = []
            n_in = 0
            for e, (u, ue) in enumerate(zip(tile.neighbors, tile.neighbor_edges, strict=True)):
                if u is None:
                    legs.append(boundary[(t, e)])
                else:
                    legs.append(f"b{t},{e}" if t < u else f"b{u},{ue}")
                    n_in += int(rank[u] < rank[t])
            sixth = self._sixth_leg(tile)
            if sixth == "bulk":
                legs.append(f"q{t}")
                bulk.append(f"q{t}")
                n_in += 1
            elif sixth == "physical":
                name = f"k{nb + len(extra)}"
                legs.append(name)
                extra.append(name)
            if variant == "zero-rate":
                from holonet.codes._zero_rate import zero_rate_legs

                legs = list(zero_rate_legs(tiling, t, tuple(legs)))
            self._legs.append(tuple(legs))
            self._inputs.append(n_in)
        self.boundary_legs: list[str] = [f"k{i}" for i in range(nb)] + extra
        self.bulk_legs: list[str] = bulk

    def _sixth_leg(self, tile: Any) -> str | None:
        if tile.kind == "hexagon":
            return None
        if self.variant == "single":
            return "bulk" if tile.index == 0 else "physical"
        return "bulk"

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_tiling(cls, tiling: Any, variant: str = "pentagon", *,
                    memory_limit: int | str | None = None) -> HaPPYCode:
        """Fill ``tiling`` with perfect tensors according to ``variant``.

        ``memory_limit`` bounds the stabilizer view as in :func:`happy_code`.

        Examples
        --------
        >>> from holonet.geometry import HyperbolicTiling
        >>> HaPPYCode.from_tiling(HyperbolicTiling(5, 4, 1), "pentagon").bulk_legs
        ['q0']
        """
        return cls(tiling, variant, memory_limit=memory_limit)

    # ------------------------------------------------------------------ structure
    @property
    def n(self) -> int:
        """Number of physical (boundary) qubits."""
        return len(self.boundary_legs)

    @property
    def k(self) -> int:
        """Number of bulk legs (logical qubits)."""
        return len(self.bulk_legs)

    @property
    def n_tiles(self) -> int:
        """Number of tensors."""
        return int(self.tiling.n_tiles)

    @property
    def contraction_order(self) -> list[int]:
        """Tiles in layer order (the order of both contractions)."""
        return list(self._order)

    def tile_legs(self, tile: int) -> tuple[str, ...]:
        """Legs of the tensor on ``tile``: edge legs in CCW order, then the sixth leg if any.

        (For ``"zero-rate"`` the legs are in the axis order of the perfect state,
        ``e0..e4, q``, which places it as LEGO_HQEC does; see the variant notes.)

        Examples
        --------
        >>> happy_code(1).tile_legs(0)
        ('k0', 'k1', 'k2', 'k3', 'k4', 'q0')
        """
        return self._legs[self._tile(tile)]

    def tile_inputs(self, tile: int) -> int:
        """``a_t``: bonds to tiles earlier in the contraction order plus the bulk leg.

        Examples
        --------
        >>> [happy_code(2).tile_inputs(t) for t in range(3)]
        [1, 2, 2]
        """
        return self._inputs[self._tile(tile)]

    def tile_tensor_tags(self, tile: int) -> set[str]:
        """Tags of the tensor on ``tile``, e.g. ``{'PERFECT', 'TILE3', 'LAYER2', 'PENTAGON'}``.

        Tensors with a bulk leg also carry ``'BULK'``.

        Examples
        --------
        >>> sorted(happy_code(1).tile_tensor_tags(0))
        ['BULK', 'LAYER1', 'PENTAGON', 'PERFECT', 'TILE0']
        """
        t = self._tile(tile)
        info = self.tiling.tiles[t]
        tags = {"PERFECT", f"TILE{t}", f"LAYER{info.layer}", info.kind.upper()}
        if f"q{t}" in self._legs[t]:
            tags.add("BULK")
        return tags

    def _tile(self, tile: int) -> int:
        return check_int("tile", tile, minimum=0, maximum=self.n_tiles - 1)

    def _tensor_stabilizers(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        kind = self.tiling.tiles[t].kind
        return _stabilizers("513" if kind == "pentagon" else "604")

    # ------------------------------------------------------------------ stabilizer view
    @functools.cached_property
    def _packed_choi(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[str, ...], int]:
        self._guard_stabilizer_view()
        tensors = [(*self._tensor_stabilizers(t), self._legs[t]) for t in self._order]
        return _contract_packed(tensors, output=self.bulk_legs + self.boundary_legs,
                                protect=self.k)

    def stabilizer_view_bytes(self) -> int:
        """Predicted bytes of the stabilizer view: packed Choi state plus the check matrices.

        ``N = n + k`` legs give two ``N x N`` bit-packed tables (X and Z parts);
        the :class:`~holonet.stabilizer.StabilizerCode` holds ``n + k`` unpacked rows
        (stabilizers and logicals) of ``2n`` bytes.

        Examples
        --------
        >>> happy_code(2).stabilizer_view_bytes()
        2376
        """
        N = self.n + self.k
        return int(2 * N * (-(-N // 64)) * 8 + 2 * self.n * (self.n + self.k))

    def _guard_stabilizer_view(self) -> None:
        from holonet._options import check_work
        from holonet.contract import default_memory_limit

        limit = self.memory_limit if self.memory_limit is not None else default_memory_limit()
        need = self.stabilizer_view_bytes()
        if need > limit:
            check_work(f"the stabilizer view of this HaPPY code (n = {self.n:,}, "
                       f"k = {self.k:,})", need, limit, unit="bytes",
                       override="memory_limit= (happy_code/HaPPYCode) or HOLONET_MEMORY_LIMIT")

    @property
    def choi_state(self) -> ContractedState:
        """The contracted network as a stabilizer state on bulk + boundary legs (in that order).

        This is the (unnormalised) Choi state ``(V ⊗ 1)|Φ⟩`` of the encoder;
        ``log2_norm2`` gives its norm for normalised tile tensors.
        """
        X, Z, S, legs, log2 = self._packed_choi
        N = len(legs)
        check = np.hstack([gf2.unpack(X, N), gf2.unpack(Z, N)])
        return ContractedState(check, S.copy(), legs, log2)

    @functools.cached_property
    def stabilizer_code(self) -> StabilizerCode:
        """The code as a :class:`~holonet.stabilizer.StabilizerCode` (signs and logicals exact).

        Qubit ``i`` is ``boundary_legs[i]`` and logical ``j`` is ``bulk_legs[j]``:
        ``(-1)^s X̄_j V = V X_j`` with ``s = logical_signs[0][j]``, and every
        signed generator ``S`` satisfies ``S V = V``.
        """
        X, Z, S, _, _ = self._packed_choi
        H, hs, lx, sx, lz, sz = _split_packed(X.copy(), Z.copy(), S.copy(), self.k, self.n,
                                              self.bulk_legs)
        return StabilizerCode(H, hs, lx, lz, (sx, sz))

    # ------------------------------------------------------------------ tensor-network view
    def tensor_scales(self) -> np.ndarray:
        """Per-tile factor multiplying the normalised perfect state (see module docstring).

        Examples
        --------
        >>> happy_code(1).tensor_scales().tolist() == [2 ** 0.5]
        True
        """
        a = np.asarray(self._inputs, dtype=float)
        # ||network||^2 = 2^log2_norm2 * prod(scale_t^2) must equal tr(V†V) = 2^k; with
        # scale_t = sqrt(2^a_t) the correction exponent below is 0 for every HaPPY variant
        # (each tile's map from its inputs is an isometry; checked in the tests)
        log2_norm2 = self._packed_choi[4]
        correction = (self.k - log2_norm2 - a.sum()) / (2 * self.n_tiles)
        return np.sqrt(2.0 ** a) * 2.0 ** correction

    def to_tensor_network(self) -> Any:
        """The explicit quimb ``TensorNetwork``: an exact isometry from bulk to boundary legs.

        Each tensor has the legs of :meth:`tile_legs` and the tags of
        :meth:`tile_tensor_tags`; its data is ``tensor_scales()[t]`` times the
        normalised perfect state.

        Examples
        --------
        >>> tn = happy_code(1).to_tensor_network()
        >>> V = tn.to_dense(["k0", "k1", "k2", "k3", "k4"], ["q0"])
        >>> import numpy as np
        >>> bool(np.allclose(V.conj().T @ V, np.eye(2)))
        True
        """
        import quimb.tensor as qtn

        scales = self.tensor_scales()
        tensors = []
        for t in self._order:
            kind = self.tiling.tiles[t].kind
            data = perfect_array("513" if kind == "pentagon" else "604") * scales[t]
            tensors.append(qtn.Tensor(data, inds=self._legs[t], tags=self.tile_tensor_tags(t)))
        return qtn.TensorNetwork(tensors)

    def to_tensornetwork(self) -> list[Any]:
        """The network as Google TensorNetwork nodes with edges connected (optional extra).

        Returns the list of ``tensornetwork.Node`` objects (named ``TILE{t}``, axis
        names = leg names); dangling edges are the boundary and bulk legs.

        Examples
        --------
        >>> nodes = happy_code(1).to_tensornetwork()
        >>> len(nodes), nodes[0].name, sorted(e.name for e in nodes[0].get_all_dangling())[:2]
        (1, 'TILE0', ['k0', 'k1'])
        """
        import tensornetwork as tnet

        scales = self.tensor_scales()
        nodes = []
        where: dict[str, tuple[Any, int]] = {}
        for t in self._order:
            kind = self.tiling.tiles[t].kind
            data = perfect_array("513" if kind == "pentagon" else "604") * scales[t]
            node = tnet.Node(data, name=f"TILE{t}", axis_names=list(self._legs[t]))
            nodes.append(node)
            for ax, leg in enumerate(self._legs[t]):
                if leg in where:
                    other, oax = where.pop(leg)
                    tnet.connect(other[oax], node[ax], name=leg)
                else:
                    where[leg] = (node, ax)
        return nodes

    def to_stim(self, kind: str = "tableau") -> Any:
        """The stabilizer view as a ``stim.Tableau`` of ``|0̄...0⟩`` (or a circuit).

        See :meth:`holonet.stabilizer.StabilizerCode.to_stim`.

        Examples
        --------
        >>> len(happy_code(2).to_stim())
        25
        """
        return self.stabilizer_code.to_stim(kind)

    def to_networkx(self) -> Any:
        """The code as a ``networkx.Graph``: tiles, bonds, boundary and bulk legs.

        Nodes ``"TILE{t}"`` (``kind="tile"``, with ``tile``, ``layer``,
        ``tile_kind`` (``"pentagon"``/``"hexagon"``), ``legs`` as in
        :meth:`tile_legs`, ``tags``, ``center``); one node per boundary leg named
        by the leg (``kind="boundary"``, ``qubit`` = its index in the stabilizer
        view, ``tile``) and per bulk leg (``kind="bulk"``, ``logical`` index,
        ``tile``). Edges: ``kind="bond"`` between tiles, ``"boundary"`` /
        ``"bulk"`` from a tile to its open legs; each has ``leg`` (the leg name)
        and ``positions`` (``{tile: position of the leg in tile_legs(tile)}``).

        Examples
        --------
        >>> g = happy_code(2).to_networkx()
        >>> kinds = [d["kind"] for _, d in g.nodes(data=True)]
        >>> kinds.count("tile"), kinds.count("boundary"), kinds.count("bulk")
        (11, 25, 11)
        >>> g.nodes["k3"]["qubit"], g.nodes["q0"]["tile"], g.edges["TILE0", "TILE1"]["kind"]
        (3, 0, 'bond')
        """
        from holonet.codes._graph import happy_graph

        return happy_graph(self)

    def weight_enumerator(self, *, method: str = "network", optimize: Any = "auto",
                          limit: float | None = None, arithmetic: str = "auto") -> Any:
        """Shor–Laflamme enumerators ``(A, B)``, exactly, by contracting the Pauli network.

        ``method="network"`` contracts the code's Pauli-indicator network with
        boundary weights ``(1, z, z, z)`` in exact integer arithmetic
        (``arithmetic="kronecker"``, ``"modular"`` or ``"auto"``; see
        :func:`holonet.codes.enumerator.network_weight_enumerator`);
        ``"gray"`` and ``"macwilliams"`` use the stabilizer view
        (:meth:`holonet.stabilizer.StabilizerCode.weight_enumerator`).
        ``limit`` (64-bit word operations) overrides the size guard.

        Examples
        --------
        >>> A, B = happy_code(1).weight_enumerator()
        >>> A.tolist(), B.tolist()
        ([1, 0, 0, 0, 15, 0], [1, 0, 0, 30, 15, 18])
        """
        from holonet.codes.enumerator import network_weight_enumerator
        from holonet.stabilizer.enumerator import DEFAULT_LIMIT

        check_option("HaPPY weight enumerator method", method,
                     ("network", "gray", "macwilliams"))
        lim = DEFAULT_LIMIT if limit is None else limit
        if method == "network":
            return network_weight_enumerator(self, optimize=optimize, limit=lim,
                                             arithmetic=arithmetic)
        return self.stabilizer_code.weight_enumerator(method=method, limit=lim)

    # ------------------------------------------------------------------ display
    def __repr__(self) -> str:
        return (f"HaPPYCode(variant={self.variant!r}, layers={self.tiling.layers}, "
                f"convention={self.tiling.convention!r}, n={self.n}, k={self.k})")

    def _repr_html_(self) -> str:
        from holonet.viz.repr import code_html  # lazy: the one allowed upward import

        return code_html(self)


@functools.cache
def _stabilizers_cached(name: str) -> tuple[bytes, bytes]:
    H, s = perfect_stabilizers(name)
    return H.tobytes(), s.tobytes()


def _stabilizers(name: str) -> tuple[np.ndarray, np.ndarray]:
    H, s = _stabilizers_cached(name)
    return (np.frombuffer(H, np.uint8).reshape(6, 12), np.frombuffer(s, np.uint8))

