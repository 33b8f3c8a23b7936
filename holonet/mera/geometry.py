"""Causal structure of one MERA layer: which tensor touches which site, by name.

Geometry is kept apart from the tensors placed on it (the project's rule): a
layer is described by its disentanglers (two fine sites each) and its
isometries (``b`` fine sites -> one coarse site), and everything else --
tensor-network leg names, past causal cones, the doubled (ket/bra) networks
of the ascending and descending superoperators -- is derived from that.

Conventions (sites ``0 .. n-1`` of a periodic level)::

    binary            U_j on (2j+1, 2j+2)    W_j <- (2j, 2j+1)          b = 2
    ternary           U_j on (3j+2, 3j+3)    W_j <- (3j, 3j+1, 3j+2)    b = 3
    modified_binary   U_j on (4j+1, 4j+2)    W_2j <- (4j, 4j+1)
                                             W_2j+1 <- (4j+2, 4j+3)     b = 2
                      (layers 2, 3, ...: every site index shifted by one, so each
                      disentangler straddles two blocks of the layer below)

Site legs at level ``l`` are named ``'k{i}'`` (``l = 0``, the physical sites)
and ``'b{l},{i}'`` above; the leg between a disentangler and an isometry of
layer ``l`` on fine site ``i`` is ``'m{l},{i}'``. Tensors are named
``'U{l},{j}'`` and ``'W{l},{j}'`` (``j`` = index of the disentangler, or the
coarse site of the isometry).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from holonet._options import check_int, check_option
from holonet.mera._guard import GEOMETRY_BYTES_PER_SITE, check_memory

__all__ = [
    "BRANCHING",
    "CONE_WIDTH",
    "KINDS",
    "LayerCone",
    "LayerGeometry",
    "layer_geometry",
    "site_leg",
]

#: MERA kinds holonet builds.
KINDS: tuple[str, ...] = ("binary", "ternary", "modified_binary")
#: Fine sites per coarse site.
BRANCHING: dict[str, int] = {"binary": 2, "ternary": 3, "modified_binary": 2}
#: Bound on the width of the past causal cone (sites per level).
CONE_WIDTH: dict[str, int] = {"binary": 3, "ternary": 2, "modified_binary": 2}
#: Coarse sites per unit cell of one layer (the modified binary MERA alternates w, v).
PERIOD: dict[str, int] = {"binary": 1, "ternary": 1, "modified_binary": 2}
#: Fine sites per unit cell of one layer.
CELL: dict[str, int] = {"binary": 2, "ternary": 3, "modified_binary": 4}


def site_leg(level: int, i: int) -> str:
    """Name of the leg of site ``i`` at ``level`` (0 = physical).

    Examples
    --------
    >>> site_leg(0, 3), site_leg(2, 1)
    ('k3', 'b2,1')
    """
    return f"k{i}" if level == 0 else f"b{level},{i}"


@dataclass(frozen=True)
class LayerCone:
    """The part of one layer inside a past causal cone.

    Attributes
    ----------
    fine
        Open fine sites (the region at the lower level), sorted.
    disentanglers, isometries
        Indices of the tensors in the cone.
    coarse
        Open coarse sites (the region at the upper level), sorted.
    traced
        Legs of cone tensors that leave the cone; in the doubled network they
        join ket and bra directly (the tensors beyond them cancel, U†U = W†W = 1).
    """

    fine: tuple[int, ...]
    disentanglers: tuple[int, ...]
    isometries: tuple[int, ...]
    coarse: tuple[int, ...]
    traced: frozenset[str]


@dataclass(frozen=True)
class LayerGeometry:
    """Disentanglers and isometries of layer ``level`` acting on ``n_fine`` periodic sites.

    Examples
    --------
    >>> g = layer_geometry("binary", 8, level=1)
    >>> g.disentanglers[0], g.isometries[0]
    ((1, 2), (0, 1))
    >>> g.cone([3]).coarse
    (1, 2)
    """

    kind: str
    n_fine: int
    level: int
    disentanglers: tuple[tuple[int, int], ...]
    isometries: tuple[tuple[int, ...], ...]
    _u_of_site: dict[int, int] = field(default_factory=dict, repr=False, compare=False)
    _w_of_site: dict[int, int] = field(default_factory=dict, repr=False, compare=False)

    @property
    def n_coarse(self) -> int:
        return len(self.isometries)

    # leg names ---------------------------------------------------------
    def fine_leg(self, i: int) -> str:
        return site_leg(self.level - 1, i)

    def coarse_leg(self, j: int) -> str:
        return site_leg(self.level, j)

    def mid_leg(self, i: int) -> str:
        """Leg between the disentangler sublayer and the isometries on fine site ``i``."""
        return f"m{self.level},{i}" if i in self._u_of_site else self.fine_leg(i)

    def u_name(self, j: int) -> str:
        return f"U{self.level},{j}"

    def w_name(self, j: int) -> str:
        return f"W{self.level},{j}"

    def u_legs(self, j: int) -> tuple[str, str, str, str]:
        """Legs of disentangler ``j``: ``(fine_left, fine_right, mid_left, mid_right)``."""
        a, b = self.disentanglers[j]
        return (self.fine_leg(a), self.fine_leg(b), self.mid_leg(a), self.mid_leg(b))

    def w_legs(self, j: int) -> tuple[str, ...]:
        """Legs of isometry ``j``: its fine-side legs left to right, then the coarse leg."""
        return tuple(self.mid_leg(i) for i in self.isometries[j]) + (self.coarse_leg(j),)

    def u_of_site(self, i: int) -> int | None:
        return self._u_of_site.get(i)

    def w_of_site(self, i: int) -> int:
        return self._w_of_site[i]

    # causal cone -------------------------------------------------------
    def cone(self, sites: object) -> LayerCone:
        """The part of this layer in the past causal cone of fine ``sites``."""
        fine = tuple(sorted({int(s) % self.n_fine for s in sites}))  # type: ignore[attr-defined]
        us = sorted({j for i in fine if (j := self._u_of_site.get(i)) is not None})
        traced: set[str] = set()
        mid_open = set(fine)
        for j in us:
            for i in self.disentanglers[j]:
                if i not in fine:
                    traced.add(self.fine_leg(i))
                mid_open.add(i)
        ws = sorted({self._w_of_site[i] for i in mid_open})
        for j in ws:
            for i in self.isometries[j]:
                if i not in mid_open:
                    traced.add(self.mid_leg(i))
        return LayerCone(fine, tuple(us), tuple(ws), tuple(ws), frozenset(traced))


def layer_geometry(kind: str, n_fine: int, level: int = 1, *,
                   memory_limit: int | str | None = None) -> LayerGeometry:
    """The geometry of one MERA layer of ``kind`` on ``n_fine`` periodic sites.

    Parameters
    ----------
    kind
        ``'binary'``, ``'ternary'`` or ``'modified_binary'``.
    n_fine
        Number of sites below the layer; a multiple of 2, 3 and 4 respectively.
    level
        1-based index of the layer (names its legs and tensors).
    memory_limit
        Budget for the tables (about 300 bytes per site; bytes or a string such as
        ``'8G'``; default a quarter of the free RAM): larger layers are refused at once.

    Examples
    --------
    >>> layer_geometry("ternary", 9).isometries[1]
    (3, 4, 5)
    >>> layer_geometry("modified_binary", 8).disentanglers
    ((1, 2), (5, 6))
    >>> layer_geometry("modified_binary", 8, level=2).isometries[-1]
    (7, 0)
    """
    check_option("MERA kind", kind, KINDS)
    cell = CELL[kind]
    n_fine = check_int("number of sites below a MERA layer", n_fine, minimum=cell)
    level = check_int("layer level", level, minimum=1)
    if n_fine % cell:
        raise ValueError(f"a {kind} MERA layer needs a multiple of {cell} sites; got {n_fine}")
    check_memory(f"the geometry tables of a {kind} MERA layer on {n_fine:,} sites",
                 n_fine * GEOMETRY_BYTES_PER_SITE, memory_limit)
    n = n_fine
    if kind == "binary":
        us = tuple(((2 * j + 1) % n, (2 * j + 2) % n) for j in range(n // 2))
        ws: tuple[tuple[int, ...], ...] = tuple((2 * j, 2 * j + 1) for j in range(n // 2))
    elif kind == "ternary":
        us = tuple(((3 * j + 2) % n, (3 * j + 3) % n) for j in range(n // 3))
        ws = tuple((3 * j, 3 * j + 1, 3 * j + 2) for j in range(n // 3))
    else:
        # From the second layer on the unit cell starts one site later: the
        # disentanglers then act across the (w, v) pairs of the layer below, the
        # arrangement of Evenbly & Vidal (arXiv:1109.5334), which converges to
        # lower energies than stacking identical cells.
        o = 1 if level >= 2 else 0
        us = tuple(((4 * j + 1 + o) % n, (4 * j + 2 + o) % n) for j in range(n // 4))
        ws = tuple(((2 * j + o) % n, (2 * j + 1 + o) % n) for j in range(n // 2))
    u_of = {i: j for j, pair in enumerate(us) for i in pair}
    w_of = {i: j for j, group in enumerate(ws) for i in group}
    return LayerGeometry(kind, n, level, us, ws, u_of, w_of)
