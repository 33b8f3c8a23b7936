"""Variational energy minimisation of a scale-invariant MERA (Evenbly & Vidal).

The ansatz: ``T`` transitional layers with their own tensors, then one
scale-invariant layer repeated forever. One sweep

1. finds the scale-invariant density matrix at the top, the fixed point of the
   scale-invariant layer's descending superoperator (power iterations started
   from the previous sweep's fixed point),
2. descends it through the transitional layers to the physical sites,
3. for each layer from the bottom: replaces every disentangler and isometry by
   the isometry ``-conj(U V†)`` from the SVD ``E = U S V†`` of its linearised
   environment ``E`` (the Hamiltonian is shifted to be negative definite, so
   this minimises ``Re tr(E X)``), then ascends the Hamiltonian to the next level.

The default ansatz is the *modified binary* MERA (Evenbly & Vidal,
arXiv:1109.5334; the tensors.net tutorial): its causal cone is two sites wide,
so every contraction is a few ``O(χ^7)`` products, against ``O(χ^9)`` for the
binary MERA (three-site cone) and ``O(χ^8)`` for the ternary one. At equal
wall time it reaches the lowest energy of the three; the other kinds are
available through ``kind=``.

Contractions run through opt_einsum expressions compiled once per shape (a
fixed good pairwise order, no re-planning inside the loop), built from the
named-leg window networks of :mod:`holonet.mera._doubled`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import opt_einsum

from holonet._options import (
    check_float,
    check_int,
    check_numeric,
    check_option,
    check_seed,
    nonfinite,
)
from holonet.mera._doubled import CellWindows, cell_windows, role
from holonet.mera._guard import check_memory
from holonet.mera.geometry import BRANCHING, KINDS

__all__ = [
    "ISING_ENERGY",
    "OptimizationResult",
    "ising_hamiltonian",
    "optimize_ising",
]

#: Exact ground-state energy per site of the critical transverse-field Ising chain.
ISING_ENERGY: float = -4.0 / math.pi

_WIDTH = {"binary": 3, "ternary": 2, "modified_binary": 2}


def ising_hamiltonian(g: float = 1.0) -> np.ndarray:
    """Two-site term of ``H = -Σ X_i X_{i+1} - g Σ Z_i`` (field split evenly over bonds).

    Returns an array ``h[out1, out2, in1, in2]`` of shape ``(2, 2, 2, 2)``.

    Examples
    --------
    >>> h = ising_hamiltonian()
    >>> round(float(np.linalg.eigvalsh(h.reshape(4, 4)).min()), 6)
    -1.414214
    """
    g = check_float("transverse field g", g)
    x = np.array([[0.0, 1.0], [1.0, 0.0]])
    z = np.array([[1.0, 0.0], [0.0, -1.0]])
    one = np.eye(2)
    h = -np.kron(x, x) - 0.5 * g * (np.kron(z, one) + np.kron(one, z))
    return h.reshape(2, 2, 2, 2)


def _block(h: np.ndarray) -> np.ndarray:
    """Two-site term on sites made of two sites: h(a2, b1) + (h(a1, a2) + h(b1, b2)) / 2."""
    d = h.shape[0]
    hm = h.reshape(d * d, d * d)
    one = np.eye(d)
    big = (np.kron(np.kron(one, hm), one)
           + 0.5 * np.kron(hm, np.eye(d * d)) + 0.5 * np.kron(np.eye(d * d), hm))
    D = d * d
    return big.reshape(D, D, D, D)


def _block_alternating(h: np.ndarray) -> list[np.ndarray]:
    """Blocked two-site terms ``[h_E, h_O]`` with every second block stored reversed.

    Blocks ``A = (s0, s1)`` and ``B = (s3, s2)``: the reflection about the
    centre of an ``AB`` (or ``BA``) pair then maps the stored leg order of one
    block onto the other's, so reflection symmetry of the chain is a plain swap
    of the two MERA sites (this is the tensors.net convention).
    """
    hb = _block(h)
    d = int(round(math.sqrt(hb.shape[0])))
    b8 = hb.reshape((d,) * 8)
    D = d * d
    h_e = b8.transpose(0, 1, 3, 2, 4, 5, 7, 6).reshape(D, D, D, D)
    h_o = b8.transpose(1, 0, 2, 3, 5, 4, 6, 7).reshape(D, D, D, D)
    return [h_e, h_o]


def _embed_width(h: np.ndarray, width: int) -> np.ndarray:
    """A two-site term as a ``width``-site density with every bond counted once."""
    if width == 2:
        return h
    d = h.shape[0]
    hm = h.reshape(d * d, d * d)
    big = 0.5 * (np.kron(hm, np.eye(d)) + np.kron(np.eye(d), hm))
    return big.reshape((d,) * 6)


def _mirror_op(o: np.ndarray) -> np.ndarray:
    k = o.ndim // 2
    return o.transpose(tuple(range(k - 1, -1, -1)) + tuple(range(2 * k - 1, k - 1, -1)))


def _trace_op(o: np.ndarray) -> Any:
    k = o.ndim // 2
    n = int(np.prod(o.shape[:k]))
    return np.trace(o.reshape(n, n))


def _svd_update(env: np.ndarray, n_out: int) -> np.ndarray:
    """The isometry minimising ``Re Σ env * X``: ``-conj(U V†)`` from the SVD of ``env``."""
    shape = env.shape
    m = env.reshape(int(np.prod(shape[:n_out])), -1)
    uu, _, vh = np.linalg.svd(m, full_matrices=False)
    return -(uu @ vh).conj().reshape(shape)


def _random_isometry(rng: np.random.Generator, rows: int, cols: int) -> np.ndarray:
    q, r = np.linalg.qr(rng.standard_normal((rows, cols)))
    return q * np.sign(np.diag(r))


@dataclass
class OptimizationResult:
    """Outcome of :func:`optimize_ising`.

    Attributes
    ----------
    energy
        Energy per (physical) site of the final MERA.
    error
        ``energy - exact_energy`` (``nan`` if no exact value is known).
    exact_energy
        The reference value (``-4/π`` for the critical Ising chain).
    energies
        Energy per site at the start of every sweep (the MERA of the previous sweep).
    scaling_dimensions
        Smallest scaling dimensions from the scale-invariant layer (empty if not asked).
    mera
        The optimised scale-invariant :class:`holonet.mera.MERA`.
    sweeps
        Number of sweeps done in total (including resumed ones).
    seconds
        Wall time of this call.

    Examples
    --------
    >>> r = optimize_ising(2, sweeps=20, progress=False)
    >>> r.chi, r.kind, r.sweeps, len(r.energies)
    (2, 'modified_binary', 20, 20)
    >>> round(r.exact_energy, 6), 0 < r.error < 0.05  # -4/pi; chi = 2 is still rough
    (-1.27324, True)
    """

    energy: float
    error: float
    exact_energy: float
    energies: np.ndarray
    scaling_dimensions: np.ndarray
    mera: Any
    sweeps: int
    seconds: float
    chi: int
    kind: str
    extra: dict[str, Any] = field(default_factory=dict)


class _Engine:
    """Compiled contractions of one kind and width, cached by tensor shapes."""

    def __init__(self, kind: str, width: int) -> None:
        self.kind = kind
        self.cw: CellWindows = cell_windows(kind, width)
        self._cache: dict[tuple[Any, ...], Any] = {}

    # shapes of legs for a layer with fine dim df, mid dim dm, coarse dim dc
    @staticmethod
    def _dim(leg: str, df: int, dm: int, dc: int) -> int:
        leg = leg.rstrip("'")
        if leg.startswith("m"):
            return dm
        if leg.startswith("k"):
            return df
        return dc

    def _expr(self, what: str, w: int, i: int, dims: tuple[int, int, int]) -> tuple[Any, list]:
        key = (what, w, i, dims)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        net = self.cw.windows[w]
        operands: list[tuple[str, bool, tuple[str, ...]]] = [
            (e.name, e.conj, e.legs) for e in net.tensors]
        operands.append(("op", False, net.op_legs))
        operands.append(("rho", False, net.rho_legs))
        if what == "asc":
            operands = [o for o in operands if o[0] != "rho"]
            out = net.ascend_output
        elif what == "desc":
            operands = [o for o in operands if o[0] != "op"]
            out = net.descend_output
        else:  # environment of ket tensor i
            out = operands[i][2]
            operands = operands[:i] + operands[i + 1:]
        sym: dict[str, str] = {}
        for _, _, legs in operands:
            for leg in legs:
                sym.setdefault(leg, opt_einsum.get_symbol(len(sym)))
        eq = ",".join("".join(sym[x] for x in legs) for _, _, legs in operands)
        eq += "->" + "".join(sym[x] for x in out)
        shapes = []
        for _name, _, legs in operands:
            shapes.append(tuple(self._dim(x, *dims) for x in legs))
        expr = opt_einsum.contract_expression(eq, *shapes, optimize="dp")
        spec = [(name if name in ("op", "rho") else role(self.kind, name), conj)
                for name, conj, _ in operands]
        self._cache[key] = (expr, spec)
        return expr, spec

    @staticmethod
    def _args(spec: list, t: dict[str, np.ndarray], op: Any, rho: Any) -> list:
        out = []
        for name, conj in spec:
            if name == "op":
                out.append(op)
            elif name == "rho":
                out.append(rho)
            else:
                a = t[name]
                out.append(a.conj() if conj and np.iscomplexobj(a) else a)
        return out

    def dims(self, t: dict[str, np.ndarray]) -> tuple[int, int, int]:
        u, w = t["U"], t["W"]
        return (int(u.shape[0]), int(u.shape[2]), int(w.shape[-1]))

    # With reflection symmetry (h, rho and every tensor mirror symmetric) the window
    # (4j+2, 4j+3) of the modified binary cell is the mirror image of (4j, 4j+1):
    # its contributions are the mirrored ones of the latter and are not contracted.
    mirror_skip: bool = False

    def _mirrored_window(self) -> int | None:
        if not self.mirror_skip or self.kind != "modified_binary":
            return None
        return 2  # windows are p = 4, 5, 6, 7; p = 6 mirrors p = 4 (index 0)

    def ascend(self, t: dict[str, np.ndarray], h: list[np.ndarray]) -> list[np.ndarray]:
        """Sum over one unit cell: the coarse Hamiltonian density per class."""
        dims = self.dims(t)
        out: list[Any] = [0.0] * self.cw.period
        skip = self._mirrored_window()
        for w, (cf, cc) in enumerate(self.cw.classes):
            if w == skip:
                continue
            expr, spec = self._expr("asc", w, -1, dims)
            x = expr(*self._args(spec, t, h[cf], None))
            if skip is not None and w == 0:
                x = x + _mirror_op(x)
            out[cc] = out[cc] + x
        return out

    def descend(self, t: dict[str, np.ndarray], rho: list[np.ndarray]) -> list[np.ndarray]:
        """Average over one unit cell: the fine density matrices per class (trace 1)."""
        dims = self.dims(t)
        out: list[Any] = [0.0] * self.cw.period
        b = self.cw.branching
        skip = self._mirrored_window()
        for w, (cf, cc) in enumerate(self.cw.classes):
            if w == skip:
                continue
            expr, spec = self._expr("desc", w, -1, dims)
            x = expr(*self._args(spec, t, None, rho[cc])) / b
            if skip is not None and w == 0:
                x = x + _mirror_op(x)
            out[cf] = out[cf] + x
        return out

    def environments(self, t: dict[str, np.ndarray], h: list[np.ndarray],
                     rho: list[np.ndarray], roles: tuple[str, ...] = ("U", "W", "V")
                     ) -> dict[str, np.ndarray]:
        """Linearised environments (sum over the cell's windows) of the ket tensors."""
        dims = self.dims(t)
        env: dict[str, Any] = {k: 0.0 for k in t}
        skip = self._mirrored_window()
        if skip is not None and set(roles) & {"W", "V"}:
            roles = tuple(sorted(set(roles) | {"W", "V"}))
        for w, (cf, cc) in enumerate(self.cw.classes):
            if w == skip:
                continue
            net = self.cw.windows[w]
            part: dict[str, Any] = {}
            for i, e in enumerate(net.tensors):
                if e.conj:
                    continue
                r = role(self.kind, e.name)
                if r not in roles:
                    continue
                expr, spec = self._expr("env", w, i, dims)
                part[r] = part.get(r, 0.0) + expr(*self._args(spec, t, h[cf], rho[cc]))
            if skip is not None and w == 0:
                # the mirrored window: U -> mirror(U), W <-> mirror of V
                mirrored = {}
                if "U" in part:
                    mirrored["U"] = part["U"].transpose(1, 0, 3, 2)
                if "W" in part and "V" in part:
                    mirrored["W"] = part["V"].transpose(1, 0, 2)
                    mirrored["V"] = part["W"].transpose(1, 0, 2)
                for r, x in mirrored.items():
                    part[r] = part[r] + x
            for r, x in part.items():
                env[r] = env[r] + x
        return env


def _mirror_tensors(kind: str) -> dict[str, Any]:
    """Reflection of each role's array (for reflection-symmetric ansätze)."""
    b = BRANCHING[kind]
    rev = tuple(range(b - 1, -1, -1)) + (b,)
    return {"U": lambda x: x.transpose(1, 0, 3, 2),
            "W": (lambda x: x.transpose(1, 0, 2)) if kind == "modified_binary"
            else (lambda x: x.transpose(rev))}


class _State:
    """Tensors, Hamiltonians and density matrices of a scale-invariant MERA."""

    def __init__(self, kind: str, layers: list[dict[str, np.ndarray]],
                 rho_top: list[np.ndarray] | None) -> None:
        self.kind = kind
        self.layers = layers
        self.rho_top = rho_top


def _dims_schedule(d: int, chi: int, chimid: int, n_layers: int, kind: str
                   ) -> list[tuple[int, int, int]]:
    b = BRANCHING[kind]
    out = []
    df = d
    for _ in range(n_layers):
        dm = min(chimid, df) if kind == "modified_binary" else df
        if kind == "modified_binary":
            dc = min(chi, df * dm)
        else:
            dc = min(chi, dm ** b)
        out.append((df, dm, dc))
        df = dc
    return out


def _init_layer(kind: str, df: int, dm: int, dc: int, rng: np.random.Generator,
                u_noise: float = 0.0) -> dict[str, np.ndarray]:
    b = BRANCHING[kind]
    u2 = np.eye(df * df, dm * dm)
    if u_noise:
        x = u2 + u_noise * rng.standard_normal(u2.shape)
        uu, _, vh = np.linalg.svd(x, full_matrices=False)
        u2 = uu @ vh
    u = u2.reshape(df, df, dm, dm)
    if kind == "modified_binary":
        u = 0.5 * (u + u.transpose(1, 0, 3, 2))
        uu, _, vh = np.linalg.svd(u.reshape(df * df, dm * dm), full_matrices=False)
        u = (uu @ vh).reshape(df, df, dm, dm)
    # isometries start as matrices with uniform positive entries (not yet isometric:
    # the first sweeps only descend the density matrices through them, then the SVD
    # updates make them isometric); from this start, as in the tensors.net
    # tutorial, the optimisation avoids the plateaus that Gaussian-random
    # isometries get caught in
    if kind == "modified_binary":
        big = max(df, dm, dc)
        w = rng.random((big, big, big))[:df, :dm, :dc]
        return {"U": u, "W": w, "V": w.transpose(1, 0, 2).copy()}
    big = max(dm, dc)
    w = rng.random((big,) * (b + 1))[tuple(slice(0, x) for x in (dm,) * b + (dc,))]
    return {"U": u, "W": w}


def _expand(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Embed a tensor into a larger shape, padding with zeros.

    The padded tensor is not yet isometric on the new directions; the first SVD
    update of each tensor makes it so (the tensors.net continuation scheme,
    which keeps the optimised state intact: the new directions start unused).
    """
    if a.shape == shape:
        return a
    big = np.zeros(shape, dtype=a.dtype)
    big[tuple(slice(0, s) for s in a.shape)] = a
    return big


#: Exponent ``e`` of the largest contraction intermediate (about ``chi**e`` elements), from
#: opt_einsum's 'dp' paths of the window networks: the peak memory of a sweep.
_INTERMEDIATE_EXPONENT = {"modified_binary": 5, "ternary": 6, "binary": 7}

#: Name and version stored in every checkpoint file.
_CHECKPOINT_FORMAT = "holonet.mera.optimize_ising checkpoint v2"


def _predicted_bytes(kind: str, dims: list[tuple[int, int, int]], period: int,
                     width: int) -> int:
    """Predicted peak memory of :func:`optimize_ising` (float64): the tensors (with their
    environments and backups), the Hamiltonians and density matrices of every level, and
    the largest contraction intermediate (with an operand of the same size)."""
    b = BRANCHING[kind]
    tensors = 0
    for df, dm, dc in dims:
        w = df * dm * dc * 2 if kind == "modified_binary" else dm ** b * dc
        tensors += 3 * (df * df * dm * dm + w)
    levels = [dims[0][0]] + [dc for _, _, dc in dims]
    densities = 4 * period * sum(x ** (2 * width) for x in levels)
    biggest = max(max(x) for x in dims)
    intermediate = 2 * biggest ** _INTERMEDIATE_EXPONENT[kind]
    return 8 * (tensors + densities + intermediate)


def _check_initial(initial: Any, kind: str, d: int) -> Any:
    """The tensors to start from: a result, a MERA or a list of layer dicts, of this kind."""
    from holonet.mera.network import MERA

    src = initial.mera if isinstance(initial, OptimizationResult) else initial
    if isinstance(src, MERA):
        if src.kind != kind:
            raise ValueError(f"initial is a {src.kind} MERA; this optimisation is for "
                             f"kind={kind!r}")
        if not src.translation_invariant:
            raise ValueError("initial must be a scale- or translation-invariant MERA")
        if src.d != d:
            raise ValueError(f"initial has site dimension {src.d}; this optimisation has "
                             f"d = {d} (after blocking)")
        return src
    if isinstance(src, _State):
        return src
    if isinstance(src, list | tuple) and src and all(isinstance(t, dict) for t in src):
        roles = ("U", "W", "V") if kind == "modified_binary" else ("U", "W")
        for i, t in enumerate(src):
            missing = [r for r in roles if r not in t]
            if missing:
                raise ValueError(f"initial[{i}] has no {', '.join(map(repr, missing))}")
            want = {"U": 4, "W": 3 if kind == "modified_binary" else BRANCHING[kind] + 1,
                    "V": 3}
            for r in roles:
                a = check_numeric(f"initial[{i}][{r!r}]", t[r])
                if a.ndim != want[r]:
                    raise ValueError(f"initial[{i}][{r!r}] has shape {a.shape}; a {kind} "
                                     f"layer's {r} has {want[r]} legs")
        return src
    raise TypeError("initial must be an OptimizationResult, a scale-invariant MERA or a list "
                    f"of layer dicts; got {type(initial).__name__}")


def _load_checkpoint(path: Path) -> dict[str, np.ndarray]:
    """The arrays of a checkpoint file; a file numpy cannot read as plain arrays is refused
    with holonet's message (pickled object arrays are never loaded)."""
    import zipfile

    def corrupt(why: str) -> ValueError:
        return ValueError(f"checkpoint {str(path)!r} is not a readable holonet MERA "
                          f"checkpoint ({why}); remove it or pass resume=False to start "
                          "afresh")

    try:
        f = np.load(path, allow_pickle=False)
        if not hasattr(f, "files"):
            raise corrupt("a single .npy array, not an .npz archive")
        with f:
            return {k: f[k] for k in f.files}
    except ValueError as exc:
        if str(exc).startswith(f"checkpoint {str(path)!r}"):
            raise
        if "pickle" in str(exc):
            raise corrupt("it holds a pickled object array, which holonet never loads"
                          ) from None
        raise corrupt(f"unreadable: {type(exc).__name__}") from None
    except (OSError, EOFError, KeyError, zipfile.BadZipFile) as exc:
        raise corrupt(f"unreadable: {type(exc).__name__}") from None


def _validated_checkpoint(path: Path, data: dict[str, np.ndarray], state: _State,
                          meta: dict[str, Any], h2: np.ndarray, period: int
                          ) -> tuple[list[dict[str, np.ndarray]], list[np.ndarray] | None, int,
                                     list[float]]:
    """Check every key, shape and dtype, the sweep count and the problem; return the state."""
    name = str(path)

    def refuse(why: str) -> ValueError:
        return ValueError(f"checkpoint {name!r} {why}; remove it or pass resume=False to "
                          "start afresh (the file is then overwritten)")

    def text(key: str) -> str:
        a = data[key]
        if a.shape != () or a.dtype.kind != "U":
            raise refuse(f"has a malformed {key!r} entry")
        return str(a)

    tensor_keys = {f"L{l}_{k}" for l, t in enumerate(state.layers) for k in t}
    rho_keys = {f"rho_{c}" for c in range(period)}
    required = {"format", "meta", "hamiltonian", "sweep", "energies", "n_layers"} | tensor_keys
    missing = sorted(required - set(data))
    if missing:
        raise refuse(f"has no {', '.join(map(repr, missing[:4]))}"
                     + (f" (and {len(missing) - 4} more)" if len(missing) > 4 else "")
                     + " (not written by this version of optimize_ising)")
    extra = sorted(set(data) - required - rho_keys)
    if extra:
        raise refuse(f"has unexpected entries {', '.join(map(repr, extra[:4]))}")
    if text("format") != _CHECKPOINT_FORMAT:
        raise refuse(f"has format {text('format')!r}; expected {_CHECKPOINT_FORMAT!r}")
    if text("meta") != repr(sorted(meta.items())):
        raise refuse(f"was written for different settings ({text('meta')}; now "
                     f"{sorted(meta.items())})")
    h_saved = data["hamiltonian"]
    if h_saved.shape != h2.shape or not np.array_equal(h_saved, h2):
        dev = (float(np.abs(h_saved - h2).max()) if h_saved.shape == h2.shape
               else float("nan"))
        raise refuse("was written for a different Hamiltonian (two-site term "
                     + (f"differs by up to {dev:.3g}" if dev == dev else
                        f"of shape {h_saved.shape}, now {h2.shape}") + ")")
    sweep_a, n_layers_a = data["sweep"], data["n_layers"]
    if sweep_a.shape != () or sweep_a.dtype.kind not in "iu" or int(sweep_a) < 0:
        raise refuse(f"has an invalid sweep count {sweep_a!r}")
    sweep = int(sweep_a)
    if n_layers_a.shape != () or int(n_layers_a) != len(state.layers):
        raise refuse(f"has {n_layers_a} layers; expected {len(state.layers)}")
    energies = data["energies"]
    if energies.ndim != 1 or energies.dtype != np.float64 or energies.size != sweep:
        raise refuse(f"has {energies.size} energies ({energies.dtype}) for {sweep} sweeps")
    if nonfinite(energies) is not None:
        raise refuse(f"has energies with {nonfinite(energies)}")
    dtype = np.result_type(h2, np.float64)
    layers = []
    for l, t in enumerate(state.layers):
        new = {}
        for k, ref in t.items():
            a = data[f"L{l}_{k}"]
            if a.shape != ref.shape:
                raise refuse(f"has L{l}_{k} of shape {a.shape}; expected {ref.shape}")
            if a.dtype.kind not in "fc" or np.result_type(a.dtype, dtype) != dtype:
                raise refuse(f"has L{l}_{k} of dtype {a.dtype}; expected {dtype}")
            bad = nonfinite(a)
            if bad is not None:
                raise refuse(f"has L{l}_{k} with {bad}")
            new[k] = a
        layers.append(new)
    rho_top = None
    present = rho_keys & set(data)
    if present:
        if present != rho_keys:
            raise refuse(f"has only {sorted(present)} of the density matrices {sorted(rho_keys)}")
        dc = state.layers[-1]["W"].shape[-1]
        width = _WIDTH[state.kind]
        rho_top = []
        for c in range(period):
            r = data[f"rho_{c}"]
            if r.shape != (dc,) * (2 * width) or r.dtype.kind not in "fc" \
                    or nonfinite(r) is not None:
                raise refuse(f"has an invalid rho_{c} (shape {r.shape}, dtype {r.dtype}; "
                             f"expected {(dc,) * (2 * width)}, finite)")
            rho_top.append(r)
    return layers, rho_top, sweep, [float(x) for x in energies]


def _save_checkpoint(path: Path, state: _State, sweep: int, energies: list[float],
                     meta: dict[str, Any], h2: np.ndarray) -> None:
    from holonet._io import atomic_path

    arrays: dict[str, np.ndarray] = {
        "format": np.array(_CHECKPOINT_FORMAT),
        "sweep": np.array(sweep, dtype=np.int64),
        "energies": np.asarray(energies, dtype=np.float64),
        "n_layers": np.array(len(state.layers), dtype=np.int64),
        "meta": np.array(repr(sorted(meta.items()))),
        "hamiltonian": np.asarray(h2),
    }
    for l, t in enumerate(state.layers):
        for k, a in t.items():
            arrays[f"L{l}_{k}"] = a
    if state.rho_top is not None:
        for c, r in enumerate(state.rho_top):
            arrays[f"rho_{c}"] = r
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, **arrays)  # type: ignore[arg-type]


def optimize_ising(
    chi: int,
    *,
    sweeps: int = 300,
    hamiltonian: np.ndarray | None = None,
    exact_energy: float | None = None,
    kind: str = "modified_binary",
    chimid: int | None = None,
    transitional_layers: int = 2,
    block: int | None = None,
    refsym: bool = True,
    fixed_point_iterations: int = 4,
    fixed_point_tol: float = 1e-10,
    monotone: bool = True,
    rebias: bool = False,
    si_step: float = 1.0,
    si_levels: int = 1,
    max_seconds: float | None = None,
    target_error: float | None = None,
    u_warmup: int = 10,
    w_warmup: int = 2,
    seed: int | None = 0,
    u_noise: float = 0.0,
    initial: Any = None,
    checkpoint: str | Path | None = None,
    checkpoint_every: float = 30.0,
    resume: bool = True,
    scaling: int = 0,
    progress: bool = True,
    callback: Any = None,
    memory_limit: int | str | None = None,
) -> OptimizationResult:
    """Minimise the energy of a scale-invariant MERA for a 2-site Hamiltonian.

    Parameters
    ----------
    chi
        Bond dimension of the MERA above the first layer.
    sweeps
        Number of optimisation sweeps (all layers once per sweep).
    hamiltonian
        Two-site term ``h[out1, out2, in1, in2]`` (Hermitian, reflection
        symmetric if ``refsym``); default: critical Ising :func:`ising_hamiltonian`.
    exact_energy
        Reference energy per site for ``error``; ``-4/π`` for the default Hamiltonian.
    kind
        ``'modified_binary'`` (default, the best accuracy per second),
        ``'binary'`` or ``'ternary'``.
    chimid
        Dimension of the disentanglers' upper legs (modified binary only; default ``chi``).
    transitional_layers
        Layers with their own tensors below the scale-invariant layer.
    block
        Physical sites grouped into one MERA site at the bottom (1 or 2).
    refsym
        Impose reflection symmetry on every tensor (halves the free parameters).
    fixed_point_iterations
        Power iterations of the scale-invariant descending map per sweep.
    u_warmup
        Sweeps that update only the isometries before the disentanglers join.
    seed
        Seed of the random initial isometries.
    initial
        A previous :class:`OptimizationResult` (or its ``.mera``) to start from;
        its tensors are embedded into the (larger) ``chi``.
    checkpoint
        ``.npz`` file written atomically every ``checkpoint_every`` seconds, on
        interrupt and at the end; with ``resume`` an existing file is continued.
        Its path is checked before any work. A file is resumed only if it was
        written by this function for the same settings and the same
        ``hamiltonian`` (every key, shape, dtype and the sweep count are
        checked; anything else is refused with a ``ValueError``: remove the file
        or pass ``resume=False`` to start afresh and overwrite it).
    resume
        Continue from an existing ``checkpoint`` (default) or start afresh.
    memory_limit
        Budget for the predicted peak memory (bytes, or a string such as
        ``'8G'``; default a quarter of the free RAM, or ``HOLONET_MEMORY_LIMIT``):
        a larger ``chi`` is refused before any work, naming the prediction.
    scaling
        Number of scaling dimensions to compute at the end (0: none).
    progress
        Show a tqdm progress bar.
    callback
        ``callback(sweep, energy)`` called after every sweep.
    max_seconds, target_error
        Stop early after this wall time, or once ``energy - exact_energy`` is at
        most ``target_error`` (``sweeps`` is then an upper bound).
    monotone
        Reject (undo) an update of the scale-invariant layer that raised the
        energy and retry it later with a smaller step; with the top density
        matrix iterated to ``fixed_point_tol`` every recorded energy is then the
        variational energy of an isometric MERA and never increases. Without it
        (the tensors.net scheme) the fixed point gets ``fixed_point_iterations``
        power steps per sweep, which is cheaper.
    rebias, si_step, si_levels, w_warmup, u_noise
        Expert knobs: shift every ascended Hamiltonian to be just negative
        semidefinite; step of the scale-invariant layer; number of scales whose
        environments are summed for it; sweeps before the isometries are updated;
        noise added to the identity disentanglers at the start.

    Returns
    -------
    OptimizationResult

    Notes
    -----
    For accuracy per second at ``chi = 8`` use the plain scheme in two stages
    (benchmarks/bench_mera.py: error 9e-7 after about 4000 sweeps, 51 s of CPU time;
    Δ_σ, Δ_ε, Δ_∂tσ within 3e-4 of 1/8, 1, 9/8), and continue to a larger ``chi``
    from the result (``chi = 10``: 1e-7 after 284 more sweeps)::

        r = optimize_ising(8, chimid=6, transitional_layers=1, monotone=False,
                           sweeps=3000, target_error=1.2e-6)
        r = optimize_ising(8, transitional_layers=2, monotone=False, initial=r,
                           u_warmup=0, w_warmup=0, sweeps=1500, target_error=9e-7)
        r = optimize_ising(10, transitional_layers=2, monotone=False, initial=r,
                           u_warmup=0, w_warmup=0, sweeps=1000, target_error=1e-7)

    Examples
    --------
    >>> r = optimize_ising(4, sweeps=60, progress=False)
    >>> 0 < r.error < 1e-2
    True
    """
    check_option("MERA kind", kind, KINDS)
    chi = check_int("chi", chi, minimum=2)
    sweeps = check_int("sweeps", sweeps, minimum=0)
    transitional_layers = check_int("transitional layers", transitional_layers, minimum=0)
    if block is None:
        block = 2 if kind == "modified_binary" else 1
    block = check_int("block", block, minimum=1, maximum=2)
    fixed_point_iterations = check_int("fixed-point iterations", fixed_point_iterations,
                                       minimum=1)
    chimid = chi if chimid is None else check_int("chimid", chimid, minimum=1)
    fixed_point_tol = check_float("fixed_point_tol", fixed_point_tol, minimum=0.0)
    si_step = check_float("si_step", si_step, minimum=0.0, maximum=1.0)
    if not si_step > 0:
        raise ValueError(f"si_step must be in (0, 1]; got {si_step}")
    si_levels = check_int("si_levels", si_levels, minimum=1)
    u_warmup = check_int("u_warmup", u_warmup, minimum=0)
    w_warmup = check_int("w_warmup", w_warmup, minimum=0)
    u_noise = check_float("u_noise", u_noise, minimum=0.0)
    seed = check_seed("seed", seed)
    scaling = check_int("scaling", scaling, minimum=0)
    checkpoint_every = check_float("checkpoint_every", checkpoint_every, minimum=0.0)
    if max_seconds is not None:
        max_seconds = check_float("max_seconds", max_seconds, minimum=0.0)
    if target_error is not None:
        target_error = check_float("target_error", target_error)
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable as callback(sweep, energy); got "
                        f"{type(callback).__name__}")
    if hamiltonian is None:
        h2 = ising_hamiltonian()
        if exact_energy is None:
            exact_energy = ISING_ENERGY
    else:
        h2 = check_numeric("hamiltonian", hamiltonian)
        if h2.ndim != 4 or len(set(h2.shape)) != 1 or h2.shape[0] < 2:
            raise ValueError(f"hamiltonian must have shape (d, d, d, d) with d >= 2; got "
                             f"{h2.shape}")
        bad = nonfinite(h2)
        if bad is not None:
            raise ValueError(f"hamiltonian has {bad}")
        dd = h2.shape[0] ** 2
        if not np.allclose(h2.reshape(dd, dd), h2.reshape(dd, dd).conj().T):
            raise ValueError("hamiltonian is not Hermitian")
        if refsym and not np.allclose(_mirror_op(h2), h2):
            raise ValueError("hamiltonian is not reflection symmetric; pass refsym=False")
    exact = (float("nan") if exact_energy is None
             else check_float("exact_energy", exact_energy))
    ckpt = Path(checkpoint) if checkpoint is not None else None
    if ckpt is not None:  # before any work: a run must not fail at its first save
        from holonet._io import check_output_path

        check_output_path(ckpt, what="checkpoint", kind="file")

    width = _WIDTH[kind]
    engine = _Engine(kind, width)
    engine.mirror_skip = bool(refsym)
    period = engine.cw.period
    if block == 2 and kind == "modified_binary":
        h_cls = _block_alternating(h2)
    elif block == 2 and refsym:
        raise ValueError(f"block=2 with refsym=True needs kind='modified_binary' (its "
                         f"blocks alternate in orientation); got kind={kind!r}")
    else:
        h_cls = [_block(h2) if block == 2 else h2] * period
    d = h_cls[0].shape[0]
    h_cls = [_embed_width(x, width) for x in h_cls]
    dm0 = int(np.prod(h_cls[0].shape[:width]))
    bias = max(float(np.linalg.eigvalsh(x.reshape(dm0, dm0)).max()) for x in h_cls)
    h0 = [x - bias * np.eye(dm0).reshape(x.shape) for x in h_cls]
    n_layers = transitional_layers + 1
    dims = _dims_schedule(d, chi, chimid, n_layers, kind)
    check_memory(f"optimize_ising(chi={chi}, kind={kind!r}, chimid={chimid}, "
                  f"transitional_layers={transitional_layers})",
                  _predicted_bytes(kind, dims, period, width), memory_limit,
                  detail=f"largest contraction intermediate ~ chi^"
                         f"{_INTERMEDIATE_EXPONENT[kind]}, tensors and densities")
    rng = np.random.default_rng(seed)
    mirror = _mirror_tensors(kind)
    meta = {"kind": kind, "chi": chi, "chimid": chimid, "T": transitional_layers,
            "block": block, "refsym": bool(refsym), "d": d}

    # every layer starts from the same random draw (sliced to its shape): the
    # network starts out (nearly) scale invariant
    state = _State(kind, [_init_layer(kind, *dm, np.random.default_rng(seed), u_noise)
                          for dm in dims], None)
    start_sweep = 0
    energies: list[float] = []
    if initial is not None:
        src = _check_initial(initial, kind, d)
        _seed_from(state, src, dims, rng)
    if ckpt is not None and resume and ckpt.exists():
        data = _load_checkpoint(ckpt)
        state.layers, state.rho_top, start_sweep, energies = _validated_checkpoint(
            ckpt, data, state, meta, h2, period)

    hs: list[list[np.ndarray]] = [h0]
    t0 = time.perf_counter()
    last_save = t0
    from tqdm.auto import tqdm

    bar = tqdm(total=sweeps, initial=min(start_sweep, sweeps), disable=not progress,
               desc=f"MERA chi={chi}")
    sweep = start_sweep
    b = BRANCHING[kind]
    n_out = {"U": 2, "W": b, "V": 2}
    beta = 1.0  # step of the scale-invariant layer (halved on rejection)
    rejected = 0
    ev = _Evaluator(engine, h0, bias, block, width, refsym, fixed_point_tol,
                    fixed_point_iterations,
                    None if monotone else fixed_point_iterations)

    def ascend_h(t: dict[str, np.ndarray], hl: list[np.ndarray]) -> list[np.ndarray]:
        hn = engine.ascend(t, hl)
        if refsym:
            hn = [0.5 * (x + _mirror_op(x)) for x in hn]
        if rebias:
            hn = [_shift_negative(x) for x in hn]
        return hn

    def update(t: dict[str, np.ndarray], hl: list[np.ndarray], rho_up: list[np.ndarray],
               role_: str, step: float, levels: int) -> None:
        """SVD update of one role; ``levels`` > 1 sums the environments of the same
        (scale-invariant) tensor at that many successive scales, all below the fixed
        point ``rho_up``: the gradient of the energy through every copy of the layer."""
        roles = ("W", "V") if role_ == "W" and kind == "modified_binary" and refsym else (role_,)
        env: Any = 0.0
        h = hl
        for k in range(levels):
            envs = engine.environments(t, h, rho_up, roles)
            e = envs[role_]
            if refsym:
                e = e + (mirror["W"](envs["V"]) if kind == "modified_binary" and role_ == "W"
                         else mirror[role_](e))
            env = env + e
            if k + 1 < levels:
                h = ascend_h(t, h)
        new = _svd_update(env, n_out[role_])
        if step < 1.0:
            new = _polar((1.0 - step) * t[role_] + step * new, n_out[role_])
        t[role_] = new
        if kind == "modified_binary" and refsym and role_ == "W":
            t["V"] = mirror["W"](new).copy()

    def layer_sweep(sweep_no: int, step: float, rhos: list[list[np.ndarray]]) -> None:
        for l, t in enumerate(state.layers):
            hl = hs[l]
            top = l == len(state.layers) - 1
            s_l = step * si_step if top else 1.0
            lev = si_levels if top else 1
            if sweep_no >= u_warmup or sweep_no == sweeps - 1:
                update(t, hl, rhos[l + 1], "U", s_l, lev)
            if sweep_no >= w_warmup or sweep_no == sweeps - 1:
                update(t, hl, rhos[l + 1], "W", s_l, lev)
                if kind == "modified_binary" and not refsym:
                    update(t, hl, rhos[l + 1], "V", s_l, lev)
            if l + 1 < len(state.layers):
                hn = ascend_h(t, hl)
                if len(hs) > l + 1:
                    hs[l + 1] = hn
                else:
                    hs.append(hn)

    limiter = _blas_single_thread()
    limiter.__enter__()
    try:
        energy, rhos = ev(state)
        while sweep < sweeps:
            backup = {k: v.copy() for k, v in state.layers[-1].items()}
            rho_backup = state.rho_top
            layer_sweep(sweep, beta, rhos)
            new_energy, new_rhos = ev(state)
            if monotone and sweep > w_warmup and new_energy > energy + 1e-13 * abs(energy):
                # the scale-invariant layer is updated without the change of its own
                # fixed point; undo it and retry later with a smaller step
                state.layers[-1] = backup
                state.rho_top = rho_backup
                new_energy, new_rhos = ev(state)
                beta = max(beta / 2, 1.0 / 256)
                rejected += 1
            else:
                beta = min(1.0, 2 * beta)
            energy, rhos = new_energy, new_rhos
            energies.append(energy)
            sweep += 1
            bar.update(1)
            if progress and sweep % 10 == 0:
                bar.set_postfix(energy=f"{energy:.10f}",
                                error=f"{energy - exact:.2e}" if exact == exact else "")
            if callback is not None:
                callback(sweep, energy)
            if max_seconds is not None and time.perf_counter() - t0 > max_seconds:
                break
            if target_error is not None and energy - exact <= target_error:
                break
            now = time.perf_counter()
            if ckpt is not None and now - last_save > checkpoint_every:
                _save_checkpoint(ckpt, state, sweep, energies, meta, h2)
                last_save = now
    except KeyboardInterrupt:
        if ckpt is not None:
            _save_checkpoint(ckpt, state, sweep, energies, meta, h2)
        raise
    finally:
        bar.close()
        limiter.__exit__(None, None, None)
    # a run stopped during the warm-up sweeps may hold tensors that were never
    # updated (random starts, zero-padded continuations): make them isometric
    for t in state.layers:
        for role_, a in list(t.items()):
            n = n_out[role_]
            m = a.reshape(int(np.prod(a.shape[:n])), -1)
            if np.abs(m.conj().T @ m - np.eye(m.shape[1])).max() > 1e-12:
                t[role_] = _polar(a, n)
    if kind == "modified_binary" and refsym:
        for t in state.layers:
            t["V"] = mirror["W"](t["W"]).copy()
    if ckpt is not None:
        _save_checkpoint(ckpt, state, sweep, energies, meta, h2)
    ev.tol, ev.min_iterations, ev.max_iterations = min(fixed_point_tol, 1e-13), 10, None
    final, _ = ev(state, max_iterations=2000)
    try:
        mera = _to_mera(state, kind, d)
    except ImportError:
        mera = state
    dims_out = np.zeros(0)
    if scaling:
        from holonet.mera.superop import scaling_dimensions

        dims_out = scaling_dimensions(mera, scaling)
    return OptimizationResult(
        energy=final, error=final - exact, exact_energy=exact,
        energies=np.asarray(energies), scaling_dimensions=dims_out, mera=mera,
        sweeps=sweep, seconds=time.perf_counter() - t0, chi=chi, kind=kind,
        extra={"bias": bias, "block": block, "rejected": rejected},
    )


def _blas_single_thread() -> Any:
    """Limit BLAS to one thread: the contractions are small, and on a shared machine
    a second BLAS thread waiting for a busy core makes them many times slower."""
    import contextlib

    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl ships with scipy's stack
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


class _Evaluator:
    """Energy per site of the current tensors, refreshing the top fixed point (warm start)."""

    def __init__(self, engine: _Engine, h0: list[np.ndarray], bias: float, block: int,
                 width: int, refsym: bool, tol: float, min_iterations: int,
                 max_iterations: int | None = None) -> None:
        self.engine, self.h0, self.bias, self.block = engine, h0, bias, block
        self.width, self.refsym, self.tol = width, refsym, tol
        self.min_iterations = min_iterations
        self.max_iterations = max_iterations

    def __call__(self, state: _State, max_iterations: int | None = None
                 ) -> tuple[float, list[list[np.ndarray]]]:
        engine, width = self.engine, self.width
        if max_iterations is None:
            max_iterations = self.max_iterations or 500
        top = state.layers[-1]
        if state.rho_top is None:
            dc = top["W"].shape[-1]
            eye = np.eye(dc ** width).reshape((dc,) * (2 * width)) / dc ** width
            state.rho_top = [eye] * engine.cw.period
        rho = state.rho_top
        for k in range(max_iterations):
            new = [_sym_rho(r, self.refsym) for r in engine.descend(top, rho)]
            delta = max(float(np.abs(x - y).max()) for x, y in zip(new, rho, strict=True))
            rho = new
            if k + 1 >= self.min_iterations and delta < self.tol:
                break
        state.rho_top = rho
        rhos = [rho]
        for t in reversed(state.layers):
            rhos.append([_sym_rho(r, self.refsym) for r in engine.descend(t, rhos[-1])])
        rhos.reverse()
        e = sum(float(np.real(np.einsum(_tr_eq(width), r, h)))
                for r, h in zip(rhos[0], self.h0, strict=True)) / engine.cw.period
        return (e + self.bias) / self.block, rhos


def _shift_negative(h: np.ndarray) -> np.ndarray:
    """``h - λ_max(h)``: negative semidefinite with the smallest possible shift.

    Ascending the Hamiltonian doubles its identity part at every level; left in,
    it dominates the linearised environments of the upper layers (which then
    barely move). A constant shift changes the energy by a constant only.
    """
    k = h.ndim // 2
    n = int(np.prod(h.shape[:k]))
    m = h.reshape(n, n)
    m = 0.5 * (m + m.conj().T)
    top = float(np.linalg.eigvalsh(m)[-1])
    return (m - top * np.eye(n)).reshape(h.shape)


def _polar(x: np.ndarray, n_out: int) -> np.ndarray:
    shape = x.shape
    uu, _, vh = np.linalg.svd(x.reshape(int(np.prod(shape[:n_out])), -1), full_matrices=False)
    return (uu @ vh).reshape(shape)


def _tr_eq(width: int) -> str:
    a = "abcdef"[:width]
    b = "ghijkl"[:width]
    return f"{a}{b},{b}{a}->"


def _sym_rho(r: np.ndarray, refsym: bool) -> np.ndarray:
    k = r.ndim // 2
    n = int(np.prod(r.shape[:k]))
    m = r.reshape(n, n)
    m = 0.5 * (m + m.conj().T)
    m = m / np.trace(m)
    out = m.reshape(r.shape)
    if refsym:
        out = 0.5 * (out + _mirror_op(out))
    return out


def _seed_from(state: _State, src: Any, dims: list[tuple[int, int, int]],
               rng: np.random.Generator) -> None:
    if isinstance(src, _State):
        layers = src.layers
    elif hasattr(src, "layer_arrays"):
        layers = src.layer_arrays()
    else:
        layers = src
    n_src = len(layers)
    kind = state.kind
    b = BRANCHING[kind]
    for l in range(len(state.layers)):
        t_src = layers[min(l, n_src - 1)] if l < n_src - 1 else layers[-1]
        df, dm, dc = dims[l]
        new = {"U": _expand(np.asarray(t_src["U"]), (df, df, dm, dm))}
        if kind == "modified_binary":
            new["W"] = _expand(np.asarray(t_src["W"]), (df, dm, dc))
            new["V"] = new["W"].transpose(1, 0, 2).copy()
        else:
            new["W"] = _expand(np.asarray(t_src["W"]), (dm,) * b + (dc,))
        state.layers[l] = new


def _to_mera(state: _State, kind: str, d: int) -> Any:
    from holonet.mera.network import MERA

    return MERA.from_layer_arrays(kind, [dict(t) for t in state.layers], d=d,
                                  scale_invariant=True)
