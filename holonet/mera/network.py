"""The MERA as an explicit tensor network: binary, ternary and modified binary.

A :class:`MERA` is a stack of layers (:mod:`holonet.mera.geometry`), each a
row of disentanglers ``U`` followed by a row of isometries ``W``, read as a
map from the top (coarse) legs down to the physical legs ``'k0', 'k1', ...``.
Leg order of the arrays (physical sites at the bottom)::

    disentangler U[fine_l, fine_r, mid_l, mid_r]     isometry W[fine_0, .., fine_b-1, coarse]

          mid_l   mid_r                                         coarse
            |       |                                             |
          +-----------+                                     +-----------+
          |     U     |                                     |     W     |
          +-----------+                                     +-----------+
            |       |                                        |    |    |
         fine_l  fine_r                                   fine_0 ... fine_b-1

As maps from the upper legs to the lower ones both are isometries,
``U†U = 1`` on ``(mid_l, mid_r)`` (unitary when the dimensions agree) and
``W†W = 1_χ``, so the whole network is an isometry from the top legs to the
physical legs; a finite MERA closes it with a normalised ``top`` state.

Two forms:

* **finite** (periodic): ``n_sites`` physical sites, ``layers`` layers, and a
  top state on the remaining ``n_sites / b**layers`` sites; tensors may differ
  per position (``MERA.rand``) or be shared (``translation_invariant=True``);
* **scale-invariant**: transitional layers followed by one layer repeated
  forever (``scale_invariant=True``); every layer stores one unit cell of
  tensors (``U``, ``W``, and for the modified binary MERA ``W`` and ``V``
  alternating). :meth:`MERA.to_finite` cuts it to a finite periodic network.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from holonet._errors import VerificationError
from holonet._options import (
    check_float,
    check_indices,
    check_int,
    check_numeric,
    check_option,
    check_seed,
)
from holonet.mera._guard import GEOMETRY_BYTES_PER_SITE, check_memory
from holonet.mera.geometry import (
    BRANCHING,
    CELL,
    CONE_WIDTH,
    KINDS,
    LayerGeometry,
    layer_geometry,
    site_leg,
)

__all__ = ["DTYPES", "MERA", "CausalCone", "IsometryCheck", "TensorDeviation"]

#: Element types a MERA stores.
DTYPES: tuple[str, ...] = ("float64", "complex128")

#: Bytes of a numpy array object besides its data (a finite MERA stores one per tensor).
_ARRAY_OVERHEAD = 112
#: Bytes of one quimb Tensor object besides its data (measured ~1.9 KiB).
_QUIMB_TENSOR_BYTES = 2048


def _check_dtype(dtype: Any) -> np.dtype:
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be one of {', '.join(map(repr, DTYPES))}; got "
                        f"{dtype!r}") from None
    if dt.name not in DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(map(repr, DTYPES))}; got "
                         f"{dt.name!r}")
    return dt


def _isometry_from(a: np.ndarray, n_out: int) -> np.ndarray:
    """Closest isometry (polar factor) of ``a`` read as a map from its last legs to its first."""
    shape = a.shape
    m = a.reshape(int(np.prod(shape[:n_out])), -1)
    u, _, vh = np.linalg.svd(m, full_matrices=False)
    return (u @ vh).reshape(shape)


def _random_isometry(rng: np.random.Generator, shape: tuple[int, ...], n_out: int,
                     dtype: Any) -> np.ndarray:
    rows = int(np.prod(shape[:n_out]))
    cols = int(np.prod(shape[n_out:]))
    x = rng.standard_normal((rows, cols))
    if np.issubdtype(np.dtype(dtype), np.complexfloating):
        x = x + 1j * rng.standard_normal((rows, cols))
    q, r = np.linalg.qr(x)
    q = q * (np.diag(r) / np.abs(np.diag(r)))
    return q.reshape(shape).astype(dtype)


@dataclass(frozen=True)
class CausalCone:
    """Past causal cone of a set of physical sites.

    Attributes
    ----------
    sites
        ``sites[l]`` are the sites of level ``l`` inside the cone (level 0 = physical).
    tensors
        Names of the tensors in the cone (``'U1,3'``, ``'W2,0'``, ..., ``'TOP'``).
    layers
        Per layer, the tensor names of that layer inside the cone.

    Examples
    --------
    >>> cone = MERA("binary", n_sites=16, chi=2).causal_cone([7, 8])
    >>> cone.sites[:2], cone.widths  # a binary MERA's cone stays 2 sites wide
    (((7, 8), (3, 4)), (2, 2, 2, 2))
    >>> cone.layers[0], "TOP" in cone.tensors
    (('U1,3', 'W1,3', 'W1,4'), True)
    """

    sites: tuple[tuple[int, ...], ...]
    tensors: tuple[str, ...]
    layers: tuple[tuple[str, ...], ...]

    @property
    def widths(self) -> tuple[int, ...]:
        """Number of sites in the cone at each level."""
        return tuple(len(s) for s in self.sites)


@dataclass(frozen=True)
class TensorDeviation:
    """How far one tensor is from an isometry: ``||X†X - 1||_max``.

    Examples
    --------
    >>> dev = MERA("binary", n_sites=8, chi=2).check_isometric().tensors[0]
    >>> dev.name, dev.tags, dev.deviation
    ('U1,0', ('U', 'LAYER1'), 0.0)
    """

    name: str
    tags: tuple[str, ...]
    deviation: float


@dataclass(frozen=True)
class IsometryCheck:
    """Result of :meth:`MERA.check_isometric`.

    ``ok`` is true when every tensor (and, if computed, the whole network)
    deviates from an isometry by at most ``tol``; :meth:`explain` names the
    worst offenders.

    Examples
    --------
    >>> m = MERA.rand("binary", n_sites=8, chi=2, seed=0)
    >>> chk = m.check_isometric()
    >>> chk.ok, chk.failures, chk.whole is not None and chk.whole < 1e-10
    (True, (), True)
    >>> bad = m.unpack([p + 0.1 for p in m.pack()]).check_isometric()
    >>> bool(bad), bad.failures[0].name, bad.explain().splitlines()[0]
    (False, 'U1,0', 'MERA isometry: FAILED (tol 1.0e-10)')
    """

    ok: bool
    tol: float
    tensors: tuple[TensorDeviation, ...]
    whole: float | None
    title: str = "MERA isometry"

    @property
    def failures(self) -> tuple[TensorDeviation, ...]:
        return tuple(t for t in self.tensors if not t.deviation <= self.tol)

    def explain(self) -> str:
        lines = [f"{self.title}: {'ok' if self.ok else 'FAILED'} (tol {self.tol:.1e})"]
        worst = max(self.tensors, key=lambda t: t.deviation, default=None)
        if worst is not None:
            lines.append(f"  {len(self.tensors)} tensors, worst {worst.name!r}: "
                         f"||X†X - 1|| = {worst.deviation:.2e}")
        for t in self.failures:
            lines.append(f"  isometry violated at tensor {t.name!r} (tags {', '.join(t.tags)}): "
                         f"||X†X - 1|| = {t.deviation:.2e} > tol {self.tol:.1e}")
        if self.whole is not None:
            lines.append(f"  whole network V†V: ||V†V - 1|| = {self.whole:.2e}")
        return "\n".join(lines)

    def summary(self) -> dict[str, Any]:
        return {"ok": self.ok, "tol": self.tol, "n_tensors": len(self.tensors),
                "max_deviation": max((t.deviation for t in self.tensors), default=0.0),
                "failures": [t.name for t in self.failures], "whole": self.whole}

    def __bool__(self) -> bool:
        return self.ok


class MERA:
    """A binary, ternary or modified binary MERA with named legs and tags.

    Parameters
    ----------
    kind
        ``'binary'``, ``'ternary'`` or ``'modified_binary'``.
    n_sites
        Number of physical sites of a finite (periodic) MERA.
    layers
        Number of layers; for a finite MERA, default: as many as the sites
        allow (down to ``b`` top sites, 2 for the modified binary MERA); for a
        scale-invariant one, the transitional layers plus the repeated one.
    chi
        Largest bond dimension.
    d
        Physical dimension of a site.
    chimid
        Dimension of the upper legs of the disentanglers (modified binary only).
    scale_invariant
        Build the scale-invariant form (the last layer repeats forever).
    translation_invariant
        Share one unit cell of tensors across each layer (always true when scale-invariant).
    dtype
        ``float64`` (default) or ``complex128``.
    memory_limit
        Budget (bytes, or a string such as ``'8G'``) for the predicted size of
        the tensors, the dense top state and, later, the geometry tables and
        quimb networks of large finite MERAs; default a quarter of the free RAM
        (``HOLONET_MEMORY_LIMIT`` overrides it). Larger requests are refused at
        once with :class:`~holonet._options.WorkTooLarge` naming the prediction
        (:meth:`predicted_bytes`).

    The constructor fills every tensor with the *product-state* MERA: identity
    disentanglers, isometries embedding the coarse basis into the fine one, and
    top state ``|0...0>``, so the physical state is ``|00...0>``. Use
    :meth:`rand` for random isometric tensors.

    Examples
    --------
    >>> m = MERA("binary", n_sites=8, chi=4)
    >>> m.n_layers, m.top_sites, m.check_isometric().ok
    (2, 2, True)
    >>> sorted(m.causal_cone([3]).tensors)[:3]
    ['TOP', 'U1,1', 'U2,0']
    """

    def __init__(self, kind: str = "binary", n_sites: int | None = None, *,
                 layers: int | None = None, chi: int = 4, d: int = 2,
                 chimid: int | None = None, scale_invariant: bool = False,
                 translation_invariant: bool = False, dtype: Any = np.float64,
                 memory_limit: int | str | None = None) -> None:
        self.kind = check_option("MERA kind", kind, KINDS)
        self.chi = check_int("chi", chi, minimum=1)
        self.d = check_int("physical dimension d", d, minimum=2)
        self.chimid = self.chi if chimid is None else check_int("chimid", chimid, minimum=1)
        self.scale_invariant = bool(scale_invariant)
        self.translation_invariant = bool(translation_invariant or scale_invariant)
        self.dtype = _check_dtype(dtype)
        #: memory budget (bytes, or a string such as '8G') for the tensors and for the
        #: geometry tables of large finite MERAs; None: a quarter of the free RAM
        self.memory_limit = memory_limit
        b = BRANCHING[self.kind]
        cell = CELL[self.kind]
        if self.scale_invariant:
            if n_sites is not None:
                raise ValueError("a scale-invariant MERA has no n_sites; use to_finite(n_sites)")
            self.n_layers = check_int("layers", 3 if layers is None else layers, minimum=1)
            self.n_sites: int | None = None
        else:
            if n_sites is None:
                if layers is None:
                    raise ValueError("a finite MERA needs n_sites or layers")
                top = 2 if self.kind == "modified_binary" else b
                n_sites = top * b ** check_int("layers", layers, minimum=1)
            self.n_sites = check_int("n_sites", n_sites, minimum=cell)
            max_layers = 0
            n = self.n_sites
            while n % cell == 0 and n >= cell:
                max_layers += 1
                n //= b
            if max_layers == 0:
                raise ValueError(f"a {kind} MERA needs n_sites divisible by {cell}; got {n_sites}")
            if layers is None:
                layers = max_layers
                if self.kind == "binary" and layers > 1 and n_sites // b ** layers < 2:
                    layers -= 1  # keep two top sites (a one-site top layer is degenerate)
            self.n_layers = check_int("layers", layers, minimum=1, maximum=max_layers)
        self.dims = self._dims()
        self.mid_dims = [self._mid_dim(l) for l in range(1, self.n_layers + 1)]
        self._check_size()
        self._u: list[list[np.ndarray]] = []
        self._w: list[list[np.ndarray]] = []
        for l in range(1, self.n_layers + 1):
            nu, nw = self._counts(l)
            self._u.append([self._identity_u(l) for _ in range(nu)])
            self._w.append([self._embedding_w(l, j) for j in range(nw)])
        self.top: np.ndarray | None = None
        if not self.scale_invariant:
            top0 = np.zeros((self.dims[-1],) * self.top_sites, dtype=self.dtype)
            top0[(0,) * self.top_sites] = 1.0
            self.top = top0

    def predicted_bytes(self) -> int:
        """Bytes the stored tensors take, predicted from the shapes (the constructor's guard).

        Examples
        --------
        >>> MERA("binary", n_sites=16, chi=2).predicted_bytes()  # 14 U's, 14 W's and the top
        5968
        >>> MERA("binary", n_sites=2**40)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        holonet._options.WorkTooLarge: MERA(kind='binary', n_sites=1,...) would need 1.6 PiB ...
        """
        item = self.dtype.itemsize
        total = 0
        for l in range(1, self.n_layers + 1):
            nu, nw = self._counts(l)
            total += nu * (int(np.prod(self.u_shape(l))) * item + _ARRAY_OVERHEAD)
            total += nw * (int(np.prod(self.w_shape(l))) * item + _ARRAY_OVERHEAD)
        if not self.scale_invariant:
            total += self.dims[-1] ** self.top_sites * item + _ARRAY_OVERHEAD
        return total

    def _n_tensors(self) -> int:
        return sum(sum(self._counts(l)) for l in range(1, self.n_layers + 1))

    def _check_size(self) -> None:
        form = ("scale-invariant" if self.n_sites is None else f"n_sites={self.n_sites:,}")
        detail = f"{self._n_tensors():,} tensors"
        advice = ""
        if not self.scale_invariant and self.top_sites > 1:
            detail += (f" and a dense top state on {self.top_sites:,} sites of dimension "
                       f"{self.dims[-1]}")
            if self.top_sites > 2:
                advice += "use more layers (fewer top sites), "
        if not self.translation_invariant:
            advice += "share the tensors (translation_invariant=True), "
        check_memory(f"MERA(kind={self.kind!r}, {form}, chi={self.chi})",
                      self.predicted_bytes(), self.memory_limit, detail=detail, advice=advice)

    # ------------------------------------------------------------------ structure
    @property
    def branching(self) -> int:
        return BRANCHING[self.kind]

    @property
    def cone_width(self) -> int:
        """Bound on the width of past causal cones (3 binary, 2 ternary and modified binary)."""
        return CONE_WIDTH[self.kind]

    @property
    def top_sites(self) -> int:
        if self.n_sites is None:
            raise ValueError("a scale-invariant MERA has no top; use to_finite(n_sites)")
        return self.n_sites // self.branching ** self.n_layers

    def sites_at(self, level: int) -> int:
        if self.n_sites is None:
            raise ValueError("a scale-invariant MERA has no finite number of sites")
        return self.n_sites // self.branching ** level

    def geometry(self, layer: int) -> LayerGeometry:
        """Geometry of layer ``layer`` (1-based) of a finite MERA."""
        n = self.sites_at(layer - 1)
        check_memory(f"the geometry tables of layer {layer} of a MERA on {self.n_sites:,} sites",
                     n * GEOMETRY_BYTES_PER_SITE, self.memory_limit,
                     advice="work with a scale-invariant MERA (its superoperators need one "
                            "unit cell), ")
        return layer_geometry(self.kind, n, level=layer, memory_limit=self.memory_limit)

    def _dims(self) -> list[int]:
        dims = [self.d]
        for _ in range(self.n_layers):
            df = dims[-1]
            if self.kind == "modified_binary":
                dm = min(self.chimid, df)
                dims.append(min(self.chi, df * dm))
            else:
                dims.append(min(self.chi, df ** self.branching))
        return dims

    def _mid_dim(self, l: int) -> int:
        df = self.dims[l - 1]
        return min(self.chimid, df) if self.kind == "modified_binary" else df

    def _counts(self, l: int) -> tuple[int, int]:
        if self.translation_invariant:
            return 1, 2 if self.kind == "modified_binary" else 1
        n = self.sites_at(l - 1)
        nu = n // 4 if self.kind == "modified_binary" else n // self.branching
        return nu, n // self.branching

    def u_shape(self, l: int) -> tuple[int, int, int, int]:
        df, dm = self.dims[l - 1], self.mid_dims[l - 1]
        return (df, df, dm, dm)

    def w_shape(self, l: int) -> tuple[int, ...]:
        df, dm, dc = self.dims[l - 1], self.mid_dims[l - 1], self.dims[l]
        if self.kind == "modified_binary":
            return (df, dm, dc)  # (direct fine site, disentangled site, coarse) for W_even
        return (dm,) * self.branching + (dc,)

    def _w_shape_at(self, l: int, j: int) -> tuple[int, ...]:
        s = self.w_shape(l)
        if self.kind == "modified_binary" and j % 2:
            return (s[1], s[0], s[2])
        return s

    def _identity_u(self, l: int) -> np.ndarray:
        df, _, dm, _ = self.u_shape(l)
        u = np.zeros(self.u_shape(l), dtype=self.dtype)
        for a in range(dm):
            for c in range(dm):
                u[a, c, a, c] = 1.0
        return u

    def _embedding_w(self, l: int, j: int = 0) -> np.ndarray:
        s = self._w_shape_at(l, j)
        rows = int(np.prod(s[:-1]))
        return np.eye(rows, s[-1], dtype=self.dtype).reshape(s)

    def u_at(self, l: int, j: int) -> np.ndarray:
        """Array of disentangler ``j`` of layer ``l`` (1-based)."""
        cell = self._u[l - 1]
        return cell[j % len(cell)]

    def w_at(self, l: int, j: int) -> np.ndarray:
        """Array of the isometry on coarse site ``j`` of layer ``l`` (1-based)."""
        cell = self._w[l - 1]
        return cell[j % len(cell)]

    # ---------------------------------------------------------------- constructors
    @classmethod
    def rand(cls, kind: str = "binary", n_sites: int | None = None, *,
             layers: int | None = None, chi: int = 4, d: int = 2, chimid: int | None = None,
             scale_invariant: bool = False, translation_invariant: bool = False,
             dtype: Any = np.float64, seed: int | None = None,
             memory_limit: int | str | None = None) -> MERA:
        """A MERA with random isometric tensors (QR of Gaussian matrices) and random top.

        Examples
        --------
        >>> m = MERA.rand("ternary", n_sites=9, chi=3, seed=1)
        >>> m.check_isometric().ok
        True
        """
        seed = check_seed("seed", seed)
        m = cls(kind, n_sites, layers=layers, chi=chi, d=d, chimid=chimid,
                scale_invariant=scale_invariant, translation_invariant=translation_invariant,
                dtype=dtype, memory_limit=memory_limit)
        rng = np.random.default_rng(seed)
        for l in range(1, m.n_layers + 1):
            m._u[l - 1] = [_random_isometry(rng, m.u_shape(l), 2, m.dtype)
                           for _ in m._u[l - 1]]
            m._w[l - 1] = [_random_isometry(rng, m._w_shape_at(l, j), 2 if m.kind ==
                                            "modified_binary" else m.branching, m.dtype)
                           for j in range(len(m._w[l - 1]))]
        if m.top is not None:
            x = rng.standard_normal(m.top.shape)
            if np.issubdtype(m.dtype, np.complexfloating):
                x = x + 1j * rng.standard_normal(m.top.shape)
            m.top = (x / np.linalg.norm(x)).astype(m.dtype)
        return m

    @classmethod
    def from_layer_arrays(cls, kind: str, layers: Sequence[dict[str, Any]], *, d: int,
                          scale_invariant: bool = True, top: Any = None,
                          n_sites: int | None = None,
                          memory_limit: int | str | None = None) -> MERA:
        """A translation-invariant MERA from one unit cell of arrays per layer.

        ``layers[l]`` maps ``'U'`` and ``'W'`` (and ``'V'`` for the modified
        binary MERA: the isometry on odd coarse sites) to arrays in the leg
        order of the module docstring.
        """
        from collections.abc import Mapping

        kind = check_option("MERA kind", kind, KINDS)
        roles = ("U", "W", "V") if kind == "modified_binary" else ("U", "W")
        if isinstance(layers, Mapping | str) or not isinstance(layers, Sequence):
            raise TypeError(f"layers must be a list of dicts with keys "
                            f"{', '.join(map(repr, roles))}; got {type(layers).__name__}")
        if not layers:
            raise ValueError("layers must hold at least one layer")
        arrays: list[dict[str, np.ndarray]] = []
        for l, t in enumerate(layers, start=1):
            if not isinstance(t, Mapping):
                raise TypeError(f"layers[{l - 1}] must be a dict with keys "
                                f"{', '.join(map(repr, roles))}; got {type(t).__name__}")
            missing = [r for r in roles if r not in t]
            if missing:
                raise ValueError(f"layers[{l - 1}] has no {', '.join(map(repr, missing))} "
                                 f"(a {kind} layer needs {', '.join(map(repr, roles))})")
            arrays.append({r: check_numeric(f"layers[{l - 1}][{r!r}]", t[r]) for r in roles})
            for r in roles:
                if arrays[-1][r].ndim != (4 if r == "U" else 1 + (
                        2 if kind == "modified_binary" else BRANCHING[kind])):
                    raise ValueError(f"layers[{l - 1}][{r!r}] has shape "
                                     f"{arrays[-1][r].shape}; see the leg orders of "
                                     "holonet.mera.network")
        layers = arrays
        chi = max(int(t["W"].shape[-1]) for t in layers)
        chimid = max(int(t["U"].shape[2]) for t in layers)
        dtype = np.result_type(*[a.dtype for t in layers for a in t.values()], np.float64)
        m = cls(kind, n_sites, layers=len(layers), chi=chi, d=d,
                chimid=chimid if kind == "modified_binary" else None,
                scale_invariant=scale_invariant, translation_invariant=True, dtype=dtype,
                memory_limit=memory_limit)
        for l, t in enumerate(layers, start=1):
            u = np.asarray(t["U"], dtype=dtype)
            if u.shape != m.u_shape(l):
                raise ValueError(f"layer {l}: U has shape {u.shape}; expected {m.u_shape(l)}")
            m._u[l - 1] = [u]
            ws = [np.asarray(t["W"], dtype=dtype)]
            if kind == "modified_binary":
                ws.append(np.asarray(t["V"], dtype=dtype))
            for j, w in enumerate(ws):
                if w.shape != m._w_shape_at(l, j):
                    raise ValueError(f"layer {l}: isometry {j} has shape {w.shape}; "
                                     f"expected {m._w_shape_at(l, j)}")
            m._w[l - 1] = ws
        if top is not None and m.top is not None:
            t0 = check_numeric("top", top).astype(dtype)
            if t0.shape != m.top.shape:
                raise ValueError(f"top has shape {t0.shape}; expected {m.top.shape}")
            m.top = t0
        return m

    def layer_arrays(self) -> list[dict[str, np.ndarray]]:
        """One unit cell of arrays per layer (translation-invariant MERAs)."""
        if not self.translation_invariant:
            raise ValueError("layer_arrays() needs a translation-invariant MERA")
        out = []
        for l in range(1, self.n_layers + 1):
            t = {"U": self._u[l - 1][0], "W": self._w[l - 1][0]}
            if self.kind == "modified_binary":
                t["V"] = self._w[l - 1][1]
            out.append(t)
        return out

    def to_finite(self, n_sites: int, *, seed: int | None = None) -> MERA:
        """Cut a scale-invariant MERA to ``n_sites`` periodic sites (top layer repeated).

        The top state is random (seeded) unless the top space is one-dimensional.
        """
        if not self.scale_invariant:
            raise ValueError("to_finite() is for scale-invariant MERAs")
        b = self.branching
        cell = CELL[self.kind]
        n_sites = check_int("n_sites", n_sites, minimum=cell)
        seed = check_seed("seed", seed)
        n_layers, n = 0, n_sites
        while n % cell == 0 and n >= cell and n // b >= (2 if self.kind == "modified_binary"
                                                          else 1):
            n_layers += 1
            n //= b
        if n_layers == 0:
            raise ValueError(f"to_finite needs n_sites divisible by {cell} (one {self.kind} "
                             f"unit cell); got {n_sites}")
        arrays = self.layer_arrays()
        arrays += [arrays[-1]] * max(0, n_layers - len(arrays))
        m = MERA.from_layer_arrays(self.kind, arrays[:n_layers], d=self.d,
                                   scale_invariant=False, n_sites=n_sites,
                                   memory_limit=self.memory_limit)
        rng = np.random.default_rng(seed)
        assert m.top is not None
        x = rng.standard_normal(m.top.shape)
        m.top = (x / np.linalg.norm(x)).astype(m.dtype)
        return m

    def copy(self) -> MERA:
        new = object.__new__(MERA)
        new.__dict__.update(self.__dict__)
        new._u = [[a.copy() for a in cell] for cell in self._u]
        new._w = [[a.copy() for a in cell] for cell in self._w]
        new.top = None if self.top is None else self.top.copy()
        return new

    # ---------------------------------------------------------------- tensors
    def _names(self) -> Iterator[tuple[str, int, str, int]]:
        """(kind 'U'/'W', layer, name, index into the stored list) of every stored tensor."""
        for l in range(1, self.n_layers + 1):
            for j in range(len(self._u[l - 1])):
                yield "U", l, f"U{l},{j}", j
            for j in range(len(self._w[l - 1])):
                yield "W", l, f"W{l},{j}", j

    def tensors(self) -> Iterator[tuple[str, np.ndarray, tuple[str, ...], tuple[str, ...]]]:
        """Every tensor of a finite MERA as ``(name, array, legs, tags)``, bottom up, then top."""
        for l in range(1, self.n_layers + 1):
            g = self.geometry(l)
            for j in range(len(g.disentanglers)):
                yield (g.u_name(j), self.u_at(l, j), g.u_legs(j), ("U", f"LAYER{l}", g.u_name(j)))
            for j in range(g.n_coarse):
                yield (g.w_name(j), self.w_at(l, j), g.w_legs(j), ("W", f"LAYER{l}", g.w_name(j)))
        if self.top is not None:
            legs = tuple(site_leg(self.n_layers, j) for j in range(self.top_sites))
            yield ("TOP", self.top, legs, ("TOP", f"LAYER{self.n_layers + 1}", "TOP"))

    def to_tensor_network(self, *, top: bool = True) -> Any:
        """The finite MERA as a quimb ``TensorNetwork`` (tags 'U'/'W', 'LAYER{l}', names).

        Physical legs are ``'k0' ... 'k{n-1}'``; with ``top=False`` the top
        tensor is left out and the network is the isometry from the top legs
        ``'b{L},{j}'`` to the physical legs.

        Examples
        --------
        >>> tn = MERA("binary", n_sites=8, chi=2).to_tensor_network()
        >>> len(tn.select_tensors("U")), len(tn.select_tensors("W")), tn.num_tensors
        (6, 6, 13)
        """
        import quimb.tensor as qtn

        self._require_finite("to_tensor_network")
        count = 0
        for l in range(1, self.n_layers + 1):
            n = self.sites_at(l - 1)
            count += (n // 4 if self.kind == "modified_binary" else n // self.branching)
            count += n // self.branching
        check_memory(f"the quimb network of a MERA on {self.n_sites:,} sites",
                      count * _QUIMB_TENSOR_BYTES + (0 if self.translation_invariant
                                                     else self.predicted_bytes()),
                      self.memory_limit, detail=f"{count:,} tensors")
        ts = [qtn.Tensor(np.asarray(a), inds=legs, tags=tags)
              for name, a, legs, tags in self.tensors() if top or name != "TOP"]
        return qtn.TensorNetwork(ts)

    def isometry_spec(self) -> tuple[Any, list[str], list[str], Any]:
        """This MERA as an isometry, in the form :func:`holonet.verify.isometry` reads.

        Returns ``(network, inputs, outputs, tensor_inputs)``: the network without
        its top tensor, the top legs ``'b{L},{j}'`` as inputs, the physical legs
        ``'k{i}'`` as outputs, and the per-tensor rule naming each tensor's input
        legs (a disentangler's two upper legs, an isometry's one coarse leg), so
        ``holonet.verify.isometry(mera)`` checks the whole map and every tensor.

        Examples
        --------
        >>> from holonet.verify import isometry
        >>> isometry(MERA.rand("ternary", n_sites=9, chi=2, seed=0)).ok
        True
        """
        self._require_finite("isometry_spec")
        tn = self.to_tensor_network(top=False)
        top = [site_leg(self.n_layers, j) for j in range(self.top_sites)]
        phys = [site_leg(0, i) for i in range(self.sites_at(0))]
        return tn, top, phys, _upper_legs

    def to_dense(self) -> np.ndarray:
        """The physical state vector (``d ** n_sites`` entries; small systems only)."""
        from holonet.contract import contract

        self._require_finite("to_dense")
        pairs = [(a, legs) for _, a, legs, _ in self.tensors()]
        out = [site_leg(0, i) for i in range(self.sites_at(0))]
        return np.asarray(contract(pairs, out)).reshape(-1)

    def _require_finite(self, what: str) -> None:
        if self.n_sites is None:
            raise ValueError(f"{what}() needs a finite MERA; use to_finite(n_sites) first")

    # ---------------------------------------------------------------- parameters
    def pack(self) -> list[np.ndarray]:
        """Flat list of the stored arrays (layer by layer: U's then W's; then top).

        Examples
        --------
        >>> m = MERA.rand("binary", n_sites=8, chi=2, seed=0)
        >>> m2 = m.unpack([2 * p for p in m.pack()])
        >>> bool(np.allclose(m2.pack()[0], 2 * m.pack()[0]))
        True
        """
        out = [a for l in range(self.n_layers) for a in self._u[l] + self._w[l]]
        if self.top is not None:
            out.append(self.top)
        return [np.asarray(a) for a in out]

    def unpack(self, params: Sequence[Any]) -> MERA:
        """A copy of this MERA with the arrays of ``params`` (as returned by :meth:`pack`)."""
        if isinstance(params, str | bytes) or not isinstance(params, Iterable):
            raise TypeError(f"params must be a list of arrays (as returned by pack()); got "
                            f"{type(params).__name__}")
        params = list(params)
        expected = self.pack()
        if len(params) != len(expected):
            raise ValueError(f"expected {len(expected)} arrays; got {len(params)}")
        for i, (p, e) in enumerate(zip(params, expected, strict=True)):
            if tuple(np.shape(p)) != e.shape:
                raise ValueError(f"parameter {i} has shape {tuple(np.shape(p))}; "
                                 f"expected {e.shape}")
        new = self.copy()
        it = iter(params)
        for l in range(self.n_layers):
            new._u[l] = [next(it) for _ in self._u[l]]
            new._w[l] = [next(it) for _ in self._w[l]]
        if self.top is not None:
            new.top = next(it)
        return new

    def isometrize_(self) -> MERA:
        """Replace every tensor by its closest isometry (polar factor) in place; normalise top."""
        for l in range(self.n_layers):
            self._u[l] = [_isometry_from(np.asarray(a), 2) for a in self._u[l]]
            nw = 2 if self.kind == "modified_binary" else self.branching
            self._w[l] = [_isometry_from(np.asarray(a), nw) for a in self._w[l]]
        if self.top is not None:
            self.top = self.top / np.linalg.norm(self.top)
        return self

    def isometrize(self) -> MERA:
        """A copy with every tensor replaced by its closest isometry.

        Examples
        --------
        >>> m = MERA.rand("binary", n_sites=8, chi=2, seed=0)
        >>> bad = m.unpack([p + 0.1 for p in m.pack()])
        >>> bad.check_isometric().ok, bad.isometrize().check_isometric().ok
        (False, True)
        """
        return self.copy().isometrize_()

    # ---------------------------------------------------------------- verification
    def check_isometric(self, tol: float = 1e-10, *, whole: bool | None = None) -> IsometryCheck:
        """Check every ``U`` and ``W`` (and the top's norm), optionally the whole network.

        Parameters
        ----------
        tol
            Largest allowed entry of ``X†X - 1``.
        whole
            Also contract the whole network (without top) to its dense map ``V``
            and check ``V†V = 1``; default: when that map is small
            entries (finite MERAs only; rows x columns up to ``2**23``).

        Non-finite entries (NaN, inf) give a non-finite deviation, which fails.
        """
        tol = check_float("tol", tol, minimum=0.0)
        devs = []
        for kind_, l, name, j in self._names():
            a = np.asarray(self._u[l - 1][j] if kind_ == "U" else self._w[l - 1][j])
            n_out = 2 if kind_ == "U" or self.kind == "modified_binary" else self.branching
            m = a.reshape(int(np.prod(a.shape[:n_out])), -1)
            with np.errstate(invalid="ignore", over="ignore"):  # inf/NaN: fails below
                dev = float(np.abs(m.conj().T @ m - np.eye(m.shape[1])).max())
            devs.append(TensorDeviation(name, (kind_, f"LAYER{l}"), dev))
        if self.top is not None:
            devs.append(TensorDeviation("TOP", ("TOP",),
                                        abs(float(np.linalg.norm(self.top)) - 1.0)))
        whole_dev = None
        if whole is None:
            whole = (self.n_sites is not None
                     and self.d ** self.n_sites * self.dims[-1] ** self.top_sites <= 2 ** 23)
        if whole and self.n_sites is not None:
            with np.errstate(invalid="ignore", over="ignore"):
                whole_dev = self._whole_isometry_deviation()
        ok = all(t.deviation <= tol for t in devs) and (whole_dev is None or whole_dev <= tol)
        return IsometryCheck(ok, tol, tuple(devs), whole_dev)

    def assert_isometric(self, tol: float = 1e-10) -> None:
        """Raise :class:`~holonet._errors.VerificationError` naming the offending tensor."""
        rep = self.check_isometric(tol)
        if not rep.ok:
            raise VerificationError(rep.explain())

    def _whole_isometry_deviation(self) -> float:
        from holonet.contract import contract

        pairs = [(a, legs) for name, a, legs, _ in self.tensors() if name != "TOP"]
        top_legs = [site_leg(self.n_layers, j) for j in range(self.top_sites)]
        phys = [site_leg(0, i) for i in range(self.sites_at(0))]
        v = np.asarray(contract(pairs, phys + top_legs))
        v = v.reshape(self.d ** len(phys), -1)
        return float(np.abs(v.conj().T @ v - np.eye(v.shape[1])).max())

    # ---------------------------------------------------------------- causal cones
    def causal_cone(self, sites: Iterable[int]) -> CausalCone:
        """The tensors in the past causal cone of the physical ``sites``.

        Only these tensors (and their conjugates) enter a reduced density matrix
        of ``sites``; all others cancel by ``U†U = W†W = 1``.

        Examples
        --------
        >>> m = MERA("binary", n_sites=64, chi=2)
        >>> m.causal_cone([10, 11, 12]).widths
        (3, 3, 3, 3, 3, 2)
        """
        self._require_finite("causal_cone")
        assert self.n_sites is not None
        idx = check_indices("sites", sites, self.n_sites, allow_empty=False)
        current = tuple(sorted({int(s) for s in idx}))
        levels = [current]
        names: list[str] = []
        per_layer = []
        for l in range(1, self.n_layers + 1):
            g = self.geometry(l)
            cone = g.cone(current)
            here = [g.u_name(j) for j in cone.disentanglers] + [g.w_name(j) for j in
                                                                  cone.isometries]
            names += here
            per_layer.append(tuple(here))
            current = cone.coarse
            levels.append(current)
        if self.top is not None:
            names.append("TOP")
        return CausalCone(tuple(levels), tuple(names), tuple(per_layer))

    def _cone_network(self, sites: Sequence[int]) -> tuple[list[tuple[Any, tuple[str, ...]]],
                                                            list[str]]:
        """Doubled network of the cone of ``sites``; returns pairs and the output legs."""
        from holonet.mera._doubled import prime

        self._require_finite("reduced_density_matrix")
        assert self.n_sites is not None
        sites = [int(s) for s in check_indices("sites", sites, self.n_sites,
                                                allow_empty=False)]
        if len(set(sites)) != len(sites):
            raise ValueError(f"sites must be distinct; got {sites}")
        pairs: list[tuple[Any, tuple[str, ...]]] = []
        open_sites: tuple[int, ...] = tuple(sorted(sites))
        for l in range(1, self.n_layers + 1):
            g = self.geometry(l)
            cone = g.cone(open_sites)
            ket: list[tuple[np.ndarray, tuple[str, ...]]] = [
                (self.u_at(l, j), g.u_legs(j)) for j in cone.disentanglers]
            ket += [(self.w_at(l, j), g.w_legs(j)) for j in cone.isometries]
            for a, legs in ket:
                pairs.append((a, legs))
                pairs.append((np.conj(a), tuple(x if x in cone.traced else prime(x)
                                                for x in legs)))
            open_sites = cone.coarse
        assert self.top is not None
        top_legs = tuple(site_leg(self.n_layers, j) for j in range(self.top_sites))
        pairs.append((self.top, top_legs))
        pairs.append((np.conj(self.top), tuple(prime(x) if j in open_sites else x
                                               for j, x in enumerate(top_legs))))
        out = [site_leg(0, s) for s in sites] + [prime(site_leg(0, s)) for s in sites]
        return pairs, out

    def reduced_density_matrix(self, sites: Sequence[int]) -> np.ndarray:
        """Reduced density matrix ``rho[out..., in...]`` of ``sites`` (in the given order).

        Contracts only the past causal cone (:meth:`causal_cone`), through
        :func:`holonet.contract.contract` with a planned path.

        Examples
        --------
        >>> m = MERA("binary", n_sites=8, chi=2)          # the product state |0...0>
        >>> m.reduced_density_matrix([0, 5]).reshape(4, 4)[0, 0]
        np.float64(1.0)
        """
        from holonet.contract import contract

        pairs, out = self._cone_network(sites)
        return np.asarray(contract(pairs, out))

    def expectation(self, op: Any, sites: Sequence[int]) -> complex | float:
        """``<psi| op |psi>`` for an operator ``op`` acting on ``sites``.

        ``op`` is a ``(d**k, d**k)`` matrix or an array ``op[out..., in...]``.

        Examples
        --------
        >>> z = np.diag([1.0, -1.0])
        >>> MERA("ternary", n_sites=9, chi=2).expectation(z, [4])
        1.0
        """
        self._require_finite("expectation")
        assert self.n_sites is not None
        sites = [int(s) for s in check_indices("sites", sites, self.n_sites,
                                                allow_empty=False)]
        k = len(sites)
        o = check_numeric("op", op)
        if o.size != self.d ** (2 * k) or not (o.shape == (self.d ** k,) * 2
                                               or o.shape == (self.d,) * (2 * k)):
            shapes = sorted({(self.d ** k,) * 2, (self.d,) * (2 * k)})
            raise ValueError(f"op on {k} site(s) of dimension {self.d} must have shape "
                             f"{' or '.join(map(str, shapes))}; got {o.shape}")
        o = o.reshape(self.d ** k, self.d ** k)
        rho = self.reduced_density_matrix(sites).reshape(self.d ** k, self.d ** k)
        val = complex(np.trace(rho @ o))
        return val.real if abs(val.imag) < 1e-12 and not np.iscomplexobj(o) else val

    def __repr__(self) -> str:
        form = ("scale-invariant" if self.scale_invariant else f"n_sites={self.n_sites}")
        return (f"MERA(kind={self.kind!r}, {form}, layers={self.n_layers}, chi={self.chi}, "
                f"d={self.d})")


def _upper_legs(tensor: Any) -> tuple[str, ...] | None:
    """Input legs of a MERA tensor read as a map downwards (see ``MERA.isometry_spec``)."""
    if "U" in tensor.tags:
        return tuple(tensor.inds[2:])
    if "W" in tensor.tags:
        return tuple(tensor.inds[-1:])
    return None
