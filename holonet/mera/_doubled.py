"""Doubled (ket/bra) networks of one MERA layer restricted to a causal cone.

Shared by the superoperators (:mod:`holonet.mera.superop`), the expectation
values of :class:`holonet.mera.MERA` and the optimiser. A *window* is a tuple
of contiguous fine sites carrying a local operator; its network holds the
layer's tensors in the window's past causal cone (ket copies), their complex
conjugates (bra copies, open legs primed), the operator on the fine legs and a
density matrix on the coarse legs. Removing one entry from the closed network
gives, by the choice of output legs, the ascending map (drop ``rho``), the
descending map (drop ``op``) or the environment of a tensor (drop that tensor).
"""

from __future__ import annotations

from dataclasses import dataclass

from holonet.mera.geometry import CELL, PERIOD, LayerGeometry, layer_geometry


def prime(leg: str) -> str:
    """Bra-side name of an open leg."""
    return leg + "'"


@dataclass(frozen=True)
class Entry:
    """One tensor of a doubled network: its name, legs, and whether it is the bra copy."""

    name: str
    legs: tuple[str, ...]
    conj: bool


@dataclass(frozen=True)
class WindowNetwork:
    """The closed network ``tr(rho A_p(op))`` of one window of one layer.

    ``op`` has legs ``(fine', ..., fine, ...)`` (operator rows = bra side,
    columns = ket side, i.e. ``op[out..., in...]``) and ``rho`` has legs
    ``(coarse, ..., coarse', ...)``.
    """

    start: int
    fine: tuple[int, ...]
    coarse: tuple[int, ...]
    tensors: tuple[Entry, ...]  # ket copies first, then bra copies
    op_legs: tuple[str, ...]
    rho_legs: tuple[str, ...]

    @property
    def ket(self) -> tuple[Entry, ...]:
        return tuple(e for e in self.tensors if not e.conj)

    @property
    def ascend_output(self) -> tuple[str, ...]:
        k = len(self.coarse)
        return self.rho_legs[k:] + self.rho_legs[:k]

    @property
    def descend_output(self) -> tuple[str, ...]:
        k = len(self.fine)
        return self.op_legs[k:] + self.op_legs[:k]


def _coarse_order(coarse: tuple[int, ...], n: int) -> tuple[int, ...]:
    """Order periodic sites left to right, starting after the largest gap."""
    if len(coarse) <= 1:
        return coarse
    s = sorted(coarse)
    gaps = [(s[(i + 1) % len(s)] - s[i]) % n for i in range(len(s))]
    cut = max(range(len(s)), key=lambda i: gaps[i])
    return tuple(s[cut + 1:] + s[:cut + 1])


def window_network(geom: LayerGeometry, fine: tuple[int, ...]) -> WindowNetwork:
    """Doubled network of the cone of the fine sites ``fine`` (in order) through ``geom``."""
    cone = geom.cone(fine)
    ket: list[Entry] = [Entry(geom.u_name(j), geom.u_legs(j), False) for j in cone.disentanglers]
    ket += [Entry(geom.w_name(j), geom.w_legs(j), False) for j in cone.isometries]
    bra = [Entry(e.name, tuple(leg if leg in cone.traced else prime(leg) for leg in e.legs), True)
           for e in ket]
    coarse = _coarse_order(cone.coarse, geom.n_coarse)
    fl = tuple(geom.fine_leg(i % geom.n_fine) for i in fine)
    cl = tuple(geom.coarse_leg(j) for j in coarse)
    return WindowNetwork(
        start=fine[0], fine=tuple(i % geom.n_fine for i in fine), coarse=coarse,
        tensors=tuple(ket + bra),
        op_legs=tuple(prime(x) for x in fl) + fl,
        rho_legs=cl + tuple(prime(x) for x in cl),
    )


@dataclass(frozen=True)
class CellWindows:
    """The windows of one unit cell of a translation-invariant layer.

    ``classes[i] = (fine_class, coarse_class)``: operators are stored per class
    (position modulo the period of the level); window ``i`` maps an operator of
    ``fine_class`` into one of ``coarse_class``.
    """

    kind: str
    width: int
    period: int
    branching: int
    windows: tuple[WindowNetwork, ...]
    classes: tuple[tuple[int, int], ...]


def cell_windows(kind: str, width: int) -> CellWindows:
    """Windows of ``width`` contiguous sites over one unit cell of a layer of ``kind``.

    Windows whose cone does not reach exactly ``width`` coarse sites are left out
    (only the ternary one-site windows off the isometry centre).
    """
    cell = CELL[kind]
    geom = layer_geometry(kind, 4 * cell, level=1)
    period = PERIOD[kind]
    wins, classes = [], []
    for p in range(cell, 2 * cell):
        net = window_network(geom, tuple(range(p, p + width)))
        if len(net.coarse) != width:
            continue
        wins.append(net)
        # layers above the first start their cell one site later (geometry.py), so
        # a coarse class is read relative to the next layer's cell: swapped
        cc = net.coarse[0] % period
        classes.append((p % period, (cc + 1) % period if period == 2 else cc))
    from holonet.mera.geometry import BRANCHING

    return CellWindows(kind, width, period, BRANCHING[kind], tuple(wins), tuple(classes))


def role(kind: str, name: str) -> str:
    """Which array of a translation-invariant layer a tensor name refers to.

    ``'U'`` for disentanglers, ``'W'`` for isometries, and for the modified
    binary MERA ``'V'`` for the isometries on odd coarse sites.
    """
    if name.startswith("U"):
        return "U"
    if kind == "modified_binary" and int(name.split(",")[1]) % 2:
        return "V"
    return "W"
