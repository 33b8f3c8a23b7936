"""Maximum-likelihood (coset) decoding by contracting the Pauli-indicator network.

Given a syndrome ``s``, every error with that syndrome is ``E_s · L̄_ℓ · S`` for
the canonical pure error ``E_s`` (destabilizers, :mod:`holonet.decode._tables`),
a logical class ``ℓ`` and a stabilizer ``S``. Degenerate maximum-likelihood
decoding picks the class with the largest probability

.. math::  P(ℓ | s) ∝ \\sum_{S ∈ \\mathcal S} \\Pr(E_s · L̄_ℓ · S),

and corrects with ``E_s · L̄_ℓ``. Replacing ``E_s`` by ``E_s · S'`` permutes
nothing (the sum runs over the whole group), and by ``E_s · L̄_m`` relabels the
classes by ``ℓ -> ℓ + m``: the *correction* chosen never depends on the pure error.

For a :class:`~holonet.codes.HaPPYCode` the sum is a contraction
(:mod:`holonet.codes.pauli_network`): boundary leg ``j`` gets the weight vector
``w_j(P) = Pr_j(E_{s,j} · P)`` (indexed by label ``x + 2z``: I, X, Z, Y) and the
open bulk legs select ``ℓ``. The contraction is planned once per code
(cotengra) and executed for a whole batch of syndromes at once, the batch being
an extra index; every step is rescaled per syndrome so nothing underflows
(:mod:`holonet.decode._engine`).

``method="joint"`` scores all ``4^k`` classes (``k`` small, e.g. the zero-rate
codes); ``method="marginal"`` decodes each logical qubit separately,
``P(ℓ_j | s)``, summing over the other logicals (the pentagon code with many
bulk legs), all ``k`` marginals from one forward and one backward pass. A plain
:class:`~holonet.stabilizer.StabilizerCode` is decoded by enumerating its
stabilizer group (small codes; a size guard refuses large ones).

theory/decoding.md derives all of this.

Examples
--------
>>> from holonet.codes import happy_code
>>> from holonet.decode import MLDecoder, PauliNoise
>>> code = happy_code(2, variant="zero-rate")               # [[25,1,9]]
>>> dec = MLDecoder(code, PauliNoise.depolarizing(0.1))
>>> errors = PauliNoise.depolarizing(0.1).sample(code.n, 200, seed=1)
>>> fixed = dec.decode(dec.syndromes(errors))
>>> bool((dec.syndromes(fixed) == dec.syndromes(errors)).all())
True
>>> float((dec.classes(errors ^ fixed) == 0).mean())       # fraction decoded correctly
0.96
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from holonet._options import check_int, check_option
from holonet.contract import ContractionTooLarge, default_memory_limit
from holonet.decode import _engine
from holonet.decode._tables import CodeTables, code_tables
from holonet.decode.noise import PauliNoise
from holonet.stabilizer import StabilizerCode, gf2

__all__ = ["METHODS", "MLDecoder", "AUTO_JOINT_MAX_K", "DEFAULT_MAX_GROUP"]

#: Valid values of ``method=``.
METHODS: tuple[str, ...] = ("auto", "joint", "marginal")
#: ``method="auto"`` scores all ``4^k`` classes jointly up to this many logicals.
AUTO_JOINT_MAX_K = 2
#: Enumeration fallback: most ``2^r · 4^k`` Paulis summed per syndrome.
DEFAULT_MAX_GROUP = 2**20
#: Relative tolerance under which two coset probabilities count as tied (lowest class wins).
TIE_RTOL = 1e-9
_BATCH_ELEMENTS = 2**25

_PLANS: weakref.WeakKeyDictionary[Any, dict[Any, Any]] = weakref.WeakKeyDictionary()
_GROUPS: weakref.WeakKeyDictionary[Any, np.ndarray] = weakref.WeakKeyDictionary()


def _is_happy(code: Any) -> bool:
    from holonet.codes.happy import HaPPYCode

    return isinstance(code, HaPPYCode)


class MLDecoder:
    """Exact maximum-likelihood decoder of Pauli noise (batched).

    Parameters
    ----------
    code
        A :class:`~holonet.codes.HaPPYCode` (tensor-network contraction, any
        size the memory allows) or a small
        :class:`~holonet.stabilizer.StabilizerCode` (enumeration of its stabilizer
        group, refused above ``max_group``).
    noise
        The :class:`~holonet.decode.PauliNoise` to decode against.
    chi
        Optional bond-dimension cap: the network is contracted approximately
        (quimb's compressed contraction, one syndrome at a time) — an
        approximate decoder for networks too wide to contract exactly.
    method
        ``"joint"`` (all ``4^k`` logical classes), ``"marginal"`` (each logical
        separately) or ``"auto"`` (joint when ``k <= AUTO_JOINT_MAX_K``).
    optimize
        Contraction-path optimiser for the network: ``"auto"`` (cotengra
        hyper-optimised greedy; opt_einsum ``"optimal"`` for tiny networks), an
        opt_einsum name or a cotengra optimiser.
    memory_limit
        Budget in bytes (or ``"2G"``) for the intermediates of one batch; batches
        are split to fit and :class:`~holonet.contract.ContractionTooLarge` is
        raised if a single syndrome does not fit.
    max_group
        Enumeration fallback: refuse codes with ``2^r · 4^k > max_group``.
    threads
        BLAS threads while contracting (inside a ``threadpoolctl`` context that
        restores the previous setting). The default 1 is fastest for these many
        small products; ``None`` leaves BLAS alone (large intermediates).

    Attributes
    ----------
    method
        ``"joint"`` or ``"marginal"``.
    backend
        ``"tensor network"``, ``"tensor network (chi=...)"`` or ``"enumeration"``.
    n, k
        Physical and logical qubits.

    Examples
    --------
    >>> from holonet.codes import happy_code
    >>> from holonet.decode import MLDecoder, PauliNoise
    >>> dec = MLDecoder(happy_code(1), PauliNoise.depolarizing(0.05))
    >>> dec.method, dec.backend, dec.n, dec.k
    ('joint', 'tensor network', 5, 1)
    >>> s = np.zeros((1, 4), np.uint8)                  # trivial syndrome
    >>> dec.coset_probabilities(s).round(4).tolist()    # classes I, X, Z, Y
    [[0.9998, 0.0001, 0.0001, 0.0001]]
    """

    def __init__(self, code: Any, noise: PauliNoise, *, chi: int | None = None,
                 method: str = "auto", optimize: Any = "auto",
                 memory_limit: int | str | None = None,
                 max_group: int = DEFAULT_MAX_GROUP, threads: int | None = 1) -> None:
        if not isinstance(noise, PauliNoise):
            raise TypeError(f"noise must be a PauliNoise; got {type(noise).__name__}")
        check_option("decoding method", method, METHODS)
        happy = _is_happy(code)
        if not happy and not isinstance(code, StabilizerCode):
            raise TypeError("code must be a HaPPYCode or a StabilizerCode; got "
                            f"{type(code).__name__}")
        sc = code.stabilizer_code if happy else code
        if sc.k == 0:
            raise ValueError("the code has no logical qubit (k = 0): nothing to decode")
        if chi is not None:
            chi = check_int("chi", chi, minimum=1)
            if not happy:
                raise ValueError("chi= needs the tensor-network view (a HaPPYCode); a plain "
                                 "StabilizerCode is decoded by exact enumeration")
        self.code = code
        self.noise = noise
        self.chi = chi
        self.n, self.k = sc.n, sc.k
        self.method = method if method != "auto" else (
            "joint" if sc.k <= AUTO_JOINT_MAX_K else "marginal")
        self.optimize = optimize
        self.memory_limit = memory_limit
        self.max_group = check_int("max_group", max_group, minimum=1)
        self.threads = None if threads is None else check_int("threads", threads, minimum=1)
        self._sc = sc
        self._tables: CodeTables = code_tables(sc)
        self._prob = noise.probabilities(sc.n)
        if happy:
            self.backend = "tensor network" if chi is None else f"tensor network (chi={chi})"
            self._plan = self._get_plan()
        else:
            self.backend = "enumeration"
            work = 2.0 ** sc.r * 4.0 ** sc.k
            if work > self.max_group:
                raise ValueError(
                    f"ML decoding of this [[{sc.n},{sc.k}]] StabilizerCode by enumeration sums "
                    f"2^{sc.r} stabilizers x 4^{sc.k} classes = {work:.3g} Paulis per syndrome, "
                    f"above max_group={self.max_group}; raise max_group= or decode a HaPPYCode "
                    "(tensor network)")
            self._plan = None

    # ------------------------------------------------------------------ planning
    def _get_plan(self) -> Any:
        from holonet.codes.pauli_network import pauli_network

        key = (self.method, _optimize_key(self.optimize))
        cache = _PLANS.setdefault(self.code, {})
        if key not in cache:
            net = pauli_network(self.code)
            plan = _engine.prepare(net.tensors, net.boundary_legs, net.bulk_legs,
                                   self.method == "marginal", self.optimize)
            cache[key] = (net, plan)
        net, plan = cache[key]
        self._net = net
        self._tiles = [arr for arr, _ in net.tensors]
        per_shot = 8 * max(3 * plan.largest, plan.stored if self.method == "marginal" else 0)
        limit = self._limit()
        if per_shot > limit:
            raise ContractionTooLarge(
                f"exact ML decoding of this code needs {per_shot:,} bytes of intermediates per "
                f"syndrome (largest intermediate 2^{plan.width:.1f} elements), above the memory "
                f"budget of {limit:,} bytes; raise memory_limit= or use chi= (approximate)")
        return plan

    def _limit(self) -> int:
        from holonet.contract import _parse_bytes

        return (default_memory_limit() if self.memory_limit is None
                else _parse_bytes(self.memory_limit))

    @property
    def plan_info(self) -> dict[str, Any]:
        """Cost of the planned contraction, per syndrome.

        ``flops`` (pairwise steps), ``absorb_flops`` (boundary vectors into
        tiles), ``width`` (log2 of the largest intermediate), ``tensors``,
        ``steps``; empty for the enumeration fallback.

        Examples
        --------
        >>> from holonet.codes import happy_code
        >>> info = MLDecoder(happy_code(2, variant="zero-rate"),
        ...                  PauliNoise.depolarizing(0.1)).plan_info
        >>> info["tensors"], info["width"]         # log2 of the largest intermediate
        (6, 12.0)
        """
        if self._plan is None:
            return {}
        p = self._plan
        return {"flops": p.flops, "absorb_flops": p.absorb_flops, "width": p.width,
                "tensors": len(p.leaves), "steps": len(p.steps), "stored": p.stored}

    def with_noise(self, noise: PauliNoise) -> MLDecoder:
        """The same decoder (same plan, same tables) for another noise model.

        Examples
        --------
        >>> from holonet.codes import happy_code
        >>> d1 = MLDecoder(happy_code(2, variant="zero-rate"), PauliNoise.depolarizing(0.1))
        >>> d2 = d1.with_noise(PauliNoise.biased(0.2, eta=10))
        >>> d2._plan is d1._plan, d2.noise.eta
        (True, 10.0)
        """
        return MLDecoder(self.code, noise, chi=self.chi, method=self.method,
                         optimize=self.optimize, memory_limit=self.memory_limit,
                         max_group=self.max_group, threads=self.threads)

    # ------------------------------------------------------------------ GF(2) helpers
    def syndromes(self, errors: Any) -> np.ndarray:
        """``(B, r)`` uint8 syndromes of packed errors ``(B, words)`` (bit ``i``: generator ``i``).

        Examples
        --------
        >>> from holonet.codes import code_513
        >>> dec = MLDecoder(code_513(), PauliNoise.depolarizing(0.1))
        >>> from holonet.decode import labels_to_packed
        >>> dec.syndromes(labels_to_packed([[1, 0, 0, 0, 0]])).tolist()   # X on qubit 0
        [[0, 0, 0, 1]]
        """
        return self._tables.syndromes(errors)

    def classes(self, errors: Any) -> np.ndarray:
        """Logical class of packed errors relative to their canonical pure error.

        Returns ``(B, k)`` labels ``x_j + 2 z_j`` (0..3 = I, X̄, Z̄, Ȳ on logical
        ``j``); a correction ``C`` of an error ``E`` succeeds iff
        ``classes(E ^ C)`` is all zero.

        Examples
        --------
        >>> from holonet.codes import code_513
        >>> from holonet.decode import labels_to_packed
        >>> dec = MLDecoder(code_513(), PauliNoise.depolarizing(0.1))
        >>> dec.classes(labels_to_packed([[1, 1, 1, 1, 1], [2, 2, 2, 2, 2]])).tolist()
        [[1], [2]]
        """
        return self._tables.classes(self._tables.unpack(errors))

    # ------------------------------------------------------------------ decoding
    def coset_probabilities(self, syndromes: Any) -> np.ndarray:
        """Normalised probabilities of the logical classes given each syndrome.

        Returns ``(B, 4^k)`` for ``method="joint"`` (class ``Σ_j ℓ_j 4^(k-1-j)``
        of the correction ``E_s · L̄_ℓ``, ``E_s`` the canonical pure error) or
        ``(B, k, 4)`` for ``method="marginal"``. A syndrome that the noise cannot
        produce gives NaN.

        Examples
        --------
        >>> from holonet.codes import code_513
        >>> dec = MLDecoder(code_513(), PauliNoise.depolarizing(0.1))
        >>> dec.coset_probabilities([[0, 0, 0, 1]]).round(3).tolist()
        [[0.064, 0.808, 0.064, 0.064]]
        """
        s = self._tables.check_syndromes(syndromes)
        return self._probabilities(self._tables.pure_errors(s))

    def decide(self, syndromes: Any) -> np.ndarray:
        """``(B, k)`` labels of the most likely class for each syndrome (ties: lowest label).

        Examples
        --------
        >>> from holonet.codes import code_513
        >>> MLDecoder(code_513(), PauliNoise.depolarizing(0.1)).decide([[0, 0, 0, 0]]).tolist()
        [[0]]
        """
        P = self.coset_probabilities(syndromes)
        return self._argmax_labels(P)

    def decode(self, syndromes: Any) -> np.ndarray:
        """Corrections ``E_s · L̄_ℓ`` for a batch of syndromes (packed like ``PauliNoise.sample``).

        Examples
        --------
        >>> from holonet.codes import code_513
        >>> from holonet.decode import labels_to_packed, packed_to_labels
        >>> dec = MLDecoder(code_513(), PauliNoise.depolarizing(0.1))
        >>> e = labels_to_packed([[0, 0, 2, 0, 0]])                      # Z on qubit 2
        >>> c = dec.decode(dec.syndromes(e))
        >>> packed_to_labels(c, 5).tolist()       # E_s · L̄: equal to Z_2 up to a stabilizer
        [[3, 2, 2, 2, 3]]
        >>> dec.classes(e ^ c).tolist()           # same logical class: decoded correctly
        [[0]]
        """
        s = self._tables.check_syndromes(syndromes)
        pure = self._tables.pure_errors(s)
        labels = self._argmax_labels(self._probabilities(pure))
        return gf2.pack(pure ^ self._tables.logical_bits(labels))

    def _argmax_labels(self, P: np.ndarray) -> np.ndarray:
        P = np.nan_to_num(P, nan=0.0)
        top = P.max(axis=-1, keepdims=True)
        best = np.argmax(P >= top * (1 - TIE_RTOL), axis=-1)
        if self.method == "marginal":
            return best.astype(np.uint8)
        k = self.k
        digits = [(best // 4 ** (k - 1 - j)) % 4 for j in range(k)]
        return np.stack(digits, axis=1).astype(np.uint8)

    def _probabilities(self, pure: np.ndarray) -> np.ndarray:
        """Coset probabilities for pure errors given as ``(B, 2n)`` bits."""
        if self.threads is None:
            return self._probabilities_inner(pure)
        from threadpoolctl import threadpool_limits

        with threadpool_limits(self.threads):
            return self._probabilities_inner(pure)

    def _probabilities_inner(self, pure: np.ndarray) -> np.ndarray:
        n = self.n
        labels = (pure[:, :n] + 2 * pure[:, n:]).astype(np.intp)       # (B, n)
        if self._plan is None:
            return self._enumerate(labels)
        # w[b, j, P] = Pr_j(E_bj · P), rescaled per qubit (a common factor per syndrome)
        W = self._prob[np.arange(n)[None, :, None], labels[:, :, None] ^ np.arange(4)]
        W /= W.max(axis=2, keepdims=True)
        if self.chi is not None:
            return self._approximate(W)
        out = []
        for start in range(0, W.shape[0], self._chunk()):
            out.append(self._exact(W[start:start + self._chunk()]))
        return np.concatenate(out, axis=0)

    def _chunk(self) -> int:
        p = self._plan
        per_shot = 8 * max(3 * p.largest, p.stored if self.method == "marginal" else 0,
                           4 * self.n)
        # within the memory budget, and at most ~2^25 elements (256 MiB) in the largest
        # intermediate: bigger batches gain nothing per shot once the products are large
        return int(max(1, min(4096, self._limit() // per_shot, _BATCH_ELEMENTS // p.largest)))

    def _exact(self, W: np.ndarray) -> np.ndarray:
        if self.method == "joint":
            R, _ = _engine.run(self._plan, self._tiles, W)
            R = R.reshape(R.shape[0], -1)
            return _normalise(R)
        R, grads = _engine.run(self._plan, self._tiles, W, grad=True)
        assert grads is not None
        G = np.stack(grads, axis=1)                 # (B, k, 4)
        return _normalise(G)

    def _approximate(self, W: np.ndarray) -> np.ndarray:
        """Compressed contraction (quimb/cotengra, bond cap ``chi``), one syndrome at a time."""
        import quimb.tensor as qtn

        plan = self._plan
        bulk = list(self._net.bulk_legs)
        joint = self.method == "joint"
        out = np.empty((W.shape[0], 4 ** self.k) if joint else (W.shape[0], self.k, 4))
        for b in range(W.shape[0]):
            tensors = []
            for lf in plan.leaves:
                if lf.tile < 0:
                    continue
                T = _engine.absorb(self._tiles[lf.tile], lf.absorb, W[b:b + 1])
                tensors.append(qtn.Tensor(np.ascontiguousarray(T[0] if lf.batched else T),
                                          inds=lf.legs))
            for j in ([None] if joint else range(self.k)):
                open_legs = bulk if j is None else [bulk[j]]
                tn = qtn.TensorNetwork([t.copy() for t in tensors])
                for leg in bulk:
                    if leg not in open_legs:
                        tn |= qtn.Tensor(np.ones(4), inds=(leg,))
                path = self._compressed_path(tn, open_legs, j)
                res = tn.contract_compressed(path, max_bond=self.chi, cutoff=0.0,
                                             output_inds=open_legs, progbar=False)
                vec = np.abs(np.asarray(getattr(res, "data", res))).reshape(-1)
                if j is None:
                    out[b] = vec
                else:
                    out[b, j] = vec
        return _normalise(out)

    def _compressed_path(self, tn: Any, open_legs: list[str], j: int | None) -> Any:
        # one compressed-contraction path per (code, method, chi, open leg): same structure
        # for every syndrome, so it is searched once and reused
        cache = _PLANS.setdefault(self.code, {})
        key = ("chi", self.method, self.chi, j)
        if key not in cache:
            import cotengra as ctg

            opt = ctg.HyperCompressedOptimizer(chi=self.chi, max_repeats=8, progbar=False,
                                               parallel=False,
                                               methods=("greedy-compressed", "greedy-span"))
            with _engine.seeded():
                tree = tn.contraction_tree(optimize=opt, output_inds=open_legs)
            cache[key] = tree.get_path()
        return cache[key]

    def _enumerate(self, labels: np.ndarray) -> np.ndarray:
        G = _group_labels(self._sc)                                  # (2^r, n)
        k, n = self.k, self.n
        cls = np.array([[(c >> (2 * (k - 1 - j))) & 3 for j in range(k)]
                        for c in range(4 ** k)], np.uint8)
        L = self._tables.logical_bits(cls)
        Llab = (L[:, :n] + 2 * L[:, n:]).astype(np.intp)              # (4^k, n)
        out = np.zeros((labels.shape[0], 4 ** k))
        rows = np.arange(n)[None, None, :]
        step = max(1, (1 << 22) // (G.shape[0] * n))
        # small codes only (size guard): products of n <= ~30 probabilities do not underflow
        for c in range(4 ** k):
            for start in range(0, labels.shape[0], step):
                lab = labels[start:start + step, None, :] ^ Llab[c] ^ G[None]   # (b, 2^r, n)
                out[start:start + step, c] = self._prob[rows, lab].prod(axis=2).sum(axis=1)
        P = _normalise(out)
        if self.method == "marginal":
            return _marginals(P, k)
        return P

    def __repr__(self) -> str:
        return (f"MLDecoder([[{self.n},{self.k}]], {self.noise.name}, method={self.method!r}, "
                f"backend={self.backend!r})")


def _optimize_key(optimize: Any) -> Any:
    return optimize if isinstance(optimize, str) else id(optimize)


def _normalise(P: np.ndarray) -> np.ndarray:
    total = P.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, P / np.where(total > 0, total, 1.0), np.nan)


def _marginals(P: np.ndarray, k: int) -> np.ndarray:
    """``(B, 4^k)`` joint class probabilities -> ``(B, k, 4)`` per-logical marginals."""
    T = P.reshape((P.shape[0],) + (4,) * k)
    out = np.empty((P.shape[0], k, 4))
    for j in range(k):
        axes = tuple(1 + i for i in range(k) if i != j)
        out[:, j] = T.sum(axis=axes) if axes else T
    return out


def _group_labels(sc: StabilizerCode) -> np.ndarray:
    """All ``2^r`` stabilizer group elements as ``(2^r, n)`` labels (cached per code)."""
    try:
        return _GROUPS[sc]
    except KeyError:
        pass
    H = sc.stabilizers
    n = sc.n
    lab = (H[:, :n] + 2 * H[:, n:]).astype(np.uint8)
    G = np.zeros((1, n), np.uint8)
    for row in lab:
        G = np.vstack([G, G ^ row])
    _GROUPS[sc] = G
    return G


def success_probability_exact(code: StabilizerCode, noise: PauliNoise) -> float:
    """Exact success probability of ML decoding by enumerating all ``4^n`` errors (tiny codes).

    Used to check Monte-Carlo estimates; refused above ``n = 10``.

    Examples
    --------
    >>> from holonet.codes import code_513
    >>> round(success_probability_exact(code_513(), PauliNoise.depolarizing(0.1)), 4)
    0.9205
    """
    n = check_int("n", code.n, maximum=10)
    dec = MLDecoder(code, noise, method="joint")
    t = dec._tables
    labels = np.array(np.meshgrid(*[np.arange(4)] * n, indexing="ij")).reshape(n, -1).T
    bits = np.hstack([labels & 1, labels >> 1]).astype(np.uint8)
    prob = noise.probabilities(n)
    pr = np.prod(prob[np.arange(n)[None, :], labels], axis=1)
    s = gf2.matmul(bits, np.hstack([t.H[:, n:], t.H[:, :n]]).T) if t.r else np.zeros(
        (bits.shape[0], 0), np.uint8)
    cls = t.classes(bits)
    decided = dec.decide(s)
    ok = (cls == decided).all(axis=1)
    return float(pr[ok].sum())
