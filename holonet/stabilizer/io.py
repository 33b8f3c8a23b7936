"""Stabilizer codes in and out: a plain-text format, Matrix Market (QDistRnd) and stim.

Plain text (``.txt``, the default; ``format="text"``)::

    # holonet stabilizer code          <- '#' starts a comment, blank lines are ignored
    format: holonet-stabilizer-code 1
    n: 5
    k: 1
    source: [[5,1,3]] code               <- free text (optional)
    stabilizers: 4                       <- then one signed Pauli string per line
    +XZZXI
    +IXZZX
    +XIXZZ
    +ZXIXZ
    logical_x: 1                         <- optional with logical_z: omitted, the
    +XXXXX                                  logicals are computed (canonical basis)
    logical_z: 1
    +ZZZZZ

Pauli letters ``I X Y Z`` (``_`` also reads as ``I``) with an optional sign
``+``/``-``; ``Y`` is Hermitian, so a string is the operator
``(-1)^s ⊗ σ`` exactly as :func:`holonet.stabilizer.paulis_to_symplectic`
reads it. Signs of stabilizers and logicals round-trip exactly.

Matrix Market (``.mtx``; ``format="mtx"``): the check matrix in the extended
MTX format of QDistRnd (Pryadko, Shabashov, Kozin, JOSS 7, 4120 (2022); GAP
``ReadMTXE``/``WriteMTXE``) with ``pair=3``: a ``coordinate complex general``
matrix with ``r`` rows (stabilizer generators) and ``n`` columns (qubits), entry
``(i, j) = a + b i`` standing for ``X^a Z^b`` of generator ``i`` on qubit
``j`` (``X = 1 0``, ``Z = 0 1``, ``Y = 1 1``; zeros are not stored), and the
field line ``% Field: GF(2)``. QDistRnd reads it with ``ReadMTXE(file, 3)``
(or ``ReadMTXE(file)``, which infers ``pair=3`` from the type ``complex``), and
``scipy.io.mmread`` returns the complex matrix ``H_X + i H_Z``. Only the
stabilizer generators are stored: signs and logicals are not part of the
format, so loading gives ``+`` signs and canonical logicals. Values are read
modulo 2, so QDistRnd's ``-1`` entries of prime-field files read as 1.

stim: :func:`code_from_stim` reads a ``stim.Tableau`` (the state ``T|0…0⟩``
for ``k = 0``; with ``k`` logical qubits the first ``k`` inputs of ``T`` are the
logical ones: ``X̄_j = T(X_j)``, ``Z̄_j = T(Z_j)`` for ``j < k``, stabilizers
``T(Z_j)`` for ``j >= k``) or a list of ``stim.PauliString``/strings;
:func:`memory_circuit` writes a ``stim.Circuit`` memory experiment.

Every write is atomic (:func:`holonet._io.atomic_open`); nothing is pickled.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from holonet._options import check_int, check_option
from holonet.stabilizer import gf2
from holonet.stabilizer.pauli import paulis_to_symplectic

__all__ = ["CODE_FORMATS", "STIM_NOISE", "code_from_stim", "load_code", "memory_circuit",
           "save_code"]

#: File formats of :func:`save_code` / :func:`load_code`.
CODE_FORMATS: tuple[str, ...] = ("text", "mtx")
#: Noise models of :func:`memory_circuit`.
STIM_NOISE: tuple[str, ...] = ("depolarizing", "erasure", "none")

_MAGIC = "holonet-stabilizer-code"
_VERSION = 1


def _format_for(path: Path, format: str | None) -> str:
    if format is not None:
        return check_option("code file format", format, CODE_FORMATS)
    return "mtx" if path.suffix.lower() == ".mtx" else "text"


# ---------------------------------------------------------------------- save
def save_code(code: Any, path: str | os.PathLike[str], *, format: str | None = None,
              source: str | None = None) -> Path:
    """Write ``code`` to ``path`` (atomically) as plain text or Matrix Market.

    Parameters
    ----------
    code
        A :class:`~holonet.stabilizer.StabilizerCode`.
    path
        Output file; the format follows the suffix (``.mtx``: Matrix Market,
        anything else: plain text) unless ``format`` is given.
    format
        ``"text"`` or ``"mtx"`` (see the module docstring).
    source
        Free text naming where the code comes from (header line); defaults to
        ``code.source`` if set, else the code's repr.

    Returns
    -------
    Path
        The path written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from holonet.stabilizer import StabilizerCode
    >>> code = StabilizerCode.from_pauli_strings(["XZZXI", "IXZZX", "XIXZZ", "ZXIXZ"],
    ...                                          ["XXXXX"], ["-ZZZZZ"])
    >>> p = save_code(code, pathlib.Path(tempfile.mkdtemp()) / "five.txt", source="[[5,1,3]]")
    >>> print(p.read_text().splitlines()[6:9])
    ['+XZZXI', '+IXZZX', '+XIXZZ']
    >>> load_code(p).logical_strings()
    (['+XXXXX'], ['-ZZZZZ'])
    """
    from holonet._io import atomic_open

    target = Path(path)
    fmt = _format_for(target, format)
    src = source if source is not None else (getattr(code, "source", None) or repr(code))
    src = " ".join(str(src).split())  # one line
    if fmt == "text":
        lines = ["# holonet stabilizer code", f"format: {_MAGIC} {_VERSION}",
                 f"n: {code.n}", f"k: {code.k}", f"source: {src}",
                 f"stabilizers: {code.r}", *code.stabilizer_strings()]
        lx, lz = code.logical_strings()
        lines += [f"logical_x: {code.k}", *lx, f"logical_z: {code.k}", *lz]
        text = "\n".join(lines) + "\n"
    else:
        text = _mtx_text(code, src)
    with atomic_open(target) as fh:
        fh.write(text)
    return target


def _mtx_text(code: Any, source: str) -> str:
    n = code.n
    H = code.stabilizers
    rows, cols = np.nonzero(H[:, :n] | H[:, n:])
    lines = ["%%MatrixMarket matrix coordinate complex general",
             "% Field: GF(2)",
             f"% holonet stabilizer code: n = {n}, k = {code.k}, source: {source}",
             "% QDistRnd pair=3: entry (i, j) = a + b i is X^a Z^b of generator i on qubit j",
             f"{H.shape[0]} {n} {rows.size}"]
    lines += [f"{i + 1} {j + 1} {int(H[i, j])} {int(H[i, n + j])}"
              for i, j in zip(rows.tolist(), cols.tolist(), strict=True)]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------- load
def load_code(path: str | os.PathLike[str], *, format: str | None = None) -> Any:
    """Read a code written by :func:`save_code` (or by QDistRnd / by hand).

    Raises
    ------
    ValueError
        Naming the file, the line and what was expected, on any malformed
        content; also if the stabilizers do not commute or are dependent, or the
        logicals are not a symplectic basis.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "bad.txt"
    >>> lines = ["format: holonet-stabilizer-code 1", "n: 2", "k: 0", "stabilizers: 2", "XX", "ZQ"]
    >>> _ = p.write_text("\\n".join(lines))
    >>> try:
    ...     load_code(p)
    ... except ValueError as err:
    ...     print(str(err).split(": ", 1)[1])
    line 6: bad Pauli string 'ZQ': letter 'Q' at position 1; expected one of I, X, Y, Z, _
    """
    src = Path(path)
    fmt = _format_for(src, format)
    try:
        text = src.read_text()
    except UnicodeDecodeError:
        raise ValueError(f"{src}: not a text file (expected a {fmt} code file)") from None
    code = _parse_text(text, src) if fmt == "text" else _parse_mtx(text, src)
    return code


def _fail(path: Path, line: int | None, msg: str) -> ValueError:
    where = f"{path}: line {line}" if line is not None else str(path)
    return ValueError(f"{where}: {msg}")


def _parse_text(text: str, path: Path) -> Any:
    from holonet._errors import VerificationError
    from holonet.stabilizer.code import StabilizerCode

    items: list[tuple[int, str]] = []
    for no, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if line:
            items.append((no, line))
    if not items:
        raise _fail(path, None, f"empty file; expected a first line 'format: {_MAGIC} 1'")
    header: dict[str, str] = {}
    sections: dict[str, tuple[int, list[str]]] = {}
    i = 0

    def key_value(no: int, line: str) -> tuple[str, str]:
        if ":" not in line:
            raise _fail(path, no, f"expected 'key: value'; got {line!r}")
        key, value = line.split(":", 1)
        return key.strip().lower(), value.strip()

    no, line = items[0]
    key, value = key_value(no, line)
    if key != "format" or value.split()[:1] != [_MAGIC]:
        raise _fail(path, no, f"expected 'format: {_MAGIC} {_VERSION}'; got {line!r}")
    if value.split()[1:] != [str(_VERSION)]:
        raise _fail(path, no, f"unsupported format version {value!r}; this holonet reads "
                    f"version {_VERSION}")
    i = 1
    while i < len(items):
        no, line = items[i]
        key, value = key_value(no, line)
        if key in ("n", "k", "source"):
            if key in header:
                raise _fail(path, no, f"duplicate header {key!r}")
            if key in ("n", "k"):
                try:
                    if int(value) < 0:
                        raise ValueError
                except ValueError:
                    raise _fail(path, no, f"{key} must be a non-negative integer; "
                                f"got {value!r}") from None
            header[key] = value
            i += 1
            continue
        if key not in ("stabilizers", "logical_x", "logical_z"):
            raise _fail(path, no, "expected one of 'n:', 'k:', 'source:', 'stabilizers:', "
                        f"'logical_x:', 'logical_z:'; got {line!r}")
        if key in sections:
            raise _fail(path, no, f"duplicate section {key!r}")
        try:
            count = int(value)
        except ValueError:
            raise _fail(path, no, f"expected a number of lines after '{key}:'; "
                        f"got {value!r}") from None
        strings = items[i + 1:i + 1 + count]
        if count < 0 or len(strings) < count:
            raise _fail(path, no, f"section {key!r} announces {count} Pauli strings but the "
                        f"file has {len(strings)} more lines")
        sections[key] = (no, [p for _, p in strings])
        # validate each string with its line number
        n_decl = header.get("n")
        for no2, pauli in strings:
            try:
                paulis_to_symplectic([pauli], n=int(n_decl) if n_decl else None)
            except (ValueError, TypeError) as err:
                raise _fail(path, no2, str(err)) from None
        i += 1 + count
    for key in ("n", "k"):
        if key not in header:
            raise _fail(path, None, f"missing header line '{key}: <integer>'")
    n, k = int(header["n"]), int(header["k"])
    if k > n:
        raise _fail(path, None, f"k = {k} exceeds n = {n}")
    if "stabilizers" not in sections:
        raise _fail(path, None, "missing section 'stabilizers: <count>'")
    if ("logical_x" in sections) != ("logical_z" in sections):
        raise _fail(path, None, "give both 'logical_x:' and 'logical_z:' sections, or neither")
    sno, stabs = sections["stabilizers"]
    if len(stabs) != n - k:
        raise _fail(path, sno, f"{len(stabs)} stabilizers for n = {n}, k = {k}; "
                    f"expected n - k = {n - k}")
    lx = lz = None
    if "logical_x" in sections:
        xno, lx = sections["logical_x"]
        zno, lz = sections["logical_z"]
        for name, no2, ls in (("logical_x", xno, lx), ("logical_z", zno, lz)):
            if len(ls) != k:
                raise _fail(path, no2, f"{len(ls)} {name} operators; expected k = {k}")
    try:
        if n - k == 0:
            code = StabilizerCode(np.zeros((0, 2 * n), np.uint8))
        else:
            H, s = paulis_to_symplectic(stabs, n=n)
            if gf2.rank(H) != H.shape[0]:
                raise _fail(path, sno, "the stabilizer generators are linearly dependent")
            if lx is not None and lz is not None and k:
                X, sx = paulis_to_symplectic(lx, n=n)
                Z, sz = paulis_to_symplectic(lz, n=n)
                code = StabilizerCode(H, s, X, Z, (sx, sz))
            else:
                code = StabilizerCode(H, s)
        code.verify()
    except VerificationError as err:
        raise _fail(path, None, f"not a valid stabilizer code: {err}") from None
    code.source = header.get("source")
    return code


def _parse_mtx(text: str, path: Path) -> Any:
    from holonet._errors import VerificationError
    from holonet.stabilizer.code import StabilizerCode

    lines = text.splitlines()
    want = "%%MatrixMarket matrix coordinate complex general"
    if not lines or lines[0].split() != want.split():
        got = lines[0] if lines else ""
        raise _fail(path, 1, f"expected the header '{want}' (QDistRnd pair=3 format: one "
                    f"column per qubit, entries 'row col a b' for X^a Z^b); got {got!r}")
    size_no = None
    source = None
    for no, line in enumerate(lines[1:], start=2):
        s = line.strip()
        if s.startswith("%"):
            low = s.lower()
            if low.startswith("% field:") and low.split()[2:3] not in (["gf(2)"], ["z(2)"]):
                raise _fail(path, no, f"only qubit codes over GF(2) are read; got {s!r}")
            if "source:" in s:
                source = s.split("source:", 1)[1].strip()
            continue
        if s:
            size_no = no
            break
    if size_no is None:
        raise _fail(path, None, "missing the size line 'rows cols entries'")
    try:
        r, n, nnz = (int(v) for v in lines[size_no - 1].split())
    except ValueError:
        raise _fail(path, size_no, "expected the size line 'rows cols entries' (three "
                    f"integers); got {lines[size_no - 1].strip()!r}") from None
    if r < 0 or n < 1 or nnz < 0:
        raise _fail(path, size_no, f"bad sizes rows = {r}, cols = {n}, entries = {nnz}")
    H = np.zeros((r, 2 * n), np.uint8)
    seen: set[tuple[int, int]] = set()
    count = 0
    for no, line in enumerate(lines[size_no:], start=size_no + 1):
        s = line.strip()
        if not s or s.startswith("%"):
            continue
        parts = s.split()
        try:
            i, j, a, b = (int(v) for v in parts) if len(parts) == 4 else (None,) * 4
        except ValueError:
            i = None
        if i is None or j is None or a is None or b is None:
            raise _fail(path, no, f"expected an entry 'row col a b' (four integers); got {s!r}")
        if not (1 <= i <= r and 1 <= j <= n):
            raise _fail(path, no, f"entry ({i}, {j}) outside the {r} x {n} matrix")
        if (i, j) in seen:
            raise _fail(path, no, f"duplicate entry ({i}, {j})")
        seen.add((i, j))
        H[i - 1, j - 1] = a % 2
        H[i - 1, n + j - 1] = b % 2
        count += 1
    if count != nnz:
        raise _fail(path, size_no, f"the size line announces {nnz} entries; the file has "
                    f"{count}")
    try:
        code = StabilizerCode.from_check_matrix(H)
    except VerificationError as err:
        raise _fail(path, None, f"not a valid stabilizer code: {err}") from None
    if code.r != r:
        raise _fail(path, None, f"the {r} rows have rank {code.r}; dependent rows dropped "
                    "would change the file's meaning, so they are refused")
    code.source = source
    return code


# ---------------------------------------------------------------------- stim
def code_from_stim(obj: Any, *, k: int = 0) -> Any:
    """A :class:`~holonet.stabilizer.StabilizerCode` from a ``stim.Tableau`` or Pauli list.

    Parameters
    ----------
    obj
        A ``stim.Tableau`` ``T``: with ``k = 0`` the code is the state
        ``T|0…0⟩`` (stabilizers ``T Z_j T†``); with ``k > 0`` the first ``k``
        inputs are logical qubits (``X̄_j = T X_j T†``, ``Z̄_j = T Z_j T†``,
        ``j < k``) and ``T Z_j T†``, ``j >= k``, are the stabilizers, i.e. ``T``
        is an encoder. Or a sequence of ``stim.PauliString`` / Pauli strings: the
        stabilizer generators (dependent ones dropped, canonical logicals).
    k
        Number of logical inputs of a tableau (ignored for a list).

    Examples
    --------
    >>> import stim
    >>> code = code_from_stim([stim.PauliString("XX"), stim.PauliString("-ZZ")])
    >>> code.n, code.k, code.stabilizer_strings()
    (2, 0, ['+XX', '-ZZ'])
    >>> enc = code_from_stim(stim.Tableau.from_named_gate("CNOT"), k=1)   # [[2, 1]]
    >>> enc.stabilizer_strings(), enc.logical_strings()
    (['+ZZ'], (['+XX'], ['+ZI']))
    """
    import stim

    from holonet.stabilizer.code import StabilizerCode

    def text(p: Any) -> str:
        if isinstance(p, stim.PauliString):
            if p.sign not in (1, -1):
                raise ValueError(f"stim.PauliString {p} has sign {p.sign}; a stabilizer "
                                 "needs sign +1 or -1")
            s = str(p)
            return s
        if isinstance(p, str):
            return p
        raise TypeError(f"expected stim.PauliString or str; got {type(p).__name__} {p!r}")

    if isinstance(obj, stim.Tableau):
        n = len(obj)
        k = check_int("k", k, minimum=0, maximum=n)
        stabs = [text(obj.z_output(j)) for j in range(k, n)]
        if k == 0:
            return StabilizerCode.from_pauli_strings(stabs)
        lx = [text(obj.x_output(j)) for j in range(k)]
        lz = [text(obj.z_output(j)) for j in range(k)]
        return StabilizerCode.from_pauli_strings(stabs, lx, lz)
    if isinstance(obj, str | stim.PauliString) or not isinstance(obj, Sequence | np.ndarray):
        raise TypeError("code_from_stim needs a stim.Tableau or a list of stim.PauliString / "
                        f"Pauli strings; got {type(obj).__name__}")
    return StabilizerCode.from_pauli_strings([text(p) for p in obj])


def _mpp_target(pauli: str) -> str:
    sign, body = pauli[0], pauli[1:]
    factors = [f"{ch}{q}" for q, ch in enumerate(body) if ch in "XYZ"]
    if not factors:
        raise ValueError(f"cannot measure the identity {pauli!r}")
    return ("!" if sign == "-" else "") + "*".join(factors)


def memory_circuit(code: Any, *, noise: str = "depolarizing", p: float = 1e-3,
                   rounds: int = 3, measure_p: float = 0.0, basis: str = "Z") -> Any:
    """A stim memory experiment: encode, ``rounds`` of noise + stabilizer measurement, read out.

    Layout (qubit ``i`` of the circuit is qubit ``i`` of the code):

    1. ``R`` every qubit and an encoding circuit (``stim.Tableau.to_circuit``)
       preparing ``|0̄…0⟩`` (``basis="Z"``: stabilizers and ``Z̄_j``) or
       ``|+̄…+⟩`` (``basis="X"``);
    2. per round: the noise on every qubit — ``DEPOLARIZE1(p)`` or
       ``HERALDED_ERASE(p)`` (erased with probability ``p``, then a uniformly
       random Pauli; its herald is a measurement result) — then ``MPP(measure_p)``
       of every signed stabilizer generator (``!`` for sign ``-1``, so the
       noiseless outcomes are 0), then one ``DETECTOR(i, t, 0)`` per generator
       ``i`` comparing round ``t`` with round ``t - 1`` (round 0: with the
       deterministic encoded value); with erasure noise also one
       ``DETECTOR(q, t, 1)`` per herald (fires iff qubit ``q`` was erased); ``TICK``;
    3. a noiseless ``MPP`` of the signed ``Z̄_j`` (``X̄_j``) and
       ``OBSERVABLE_INCLUDE(j)`` of each.

    So the detection events of round ``t`` are the syndrome of the Pauli error
    that entered in round ``t`` (plus measurement flips), exactly the syndrome
    :class:`~holonet.stabilizer.StabilizerCode` computes
    (symplectic products with the generators, in generator order).

    Parameters
    ----------
    code
        A :class:`~holonet.stabilizer.StabilizerCode` (``k >= 0``).
    noise
        ``"depolarizing"``, ``"erasure"`` or ``"none"``.
    p
        Noise rate per qubit per round.
    rounds
        Number of noisy rounds (``>= 1``).
    measure_p
        Probability that a stabilizer measurement outcome is flipped.
    basis
        ``"Z"`` or ``"X"``: which logicals are prepared and read out.

    Returns
    -------
    stim.Circuit

    Examples
    --------
    >>> from holonet.stabilizer import StabilizerCode
    >>> code = StabilizerCode.from_pauli_strings(["XZZXI", "IXZZX", "XIXZZ", "ZXIXZ"])
    >>> c = memory_circuit(code, p=0.01, rounds=2)
    >>> c.num_detectors, c.num_observables, c.num_qubits
    (8, 1, 5)
    >>> c.compile_detector_sampler(seed=1).sample(3).shape
    (3, 8)
    """
    import stim

    check_option("stim noise model", noise, STIM_NOISE)
    check_option("memory basis", basis, ("Z", "X"))
    rounds = check_int("rounds", rounds, minimum=1)
    for name, v in (("p", p), ("measure_p", measure_p)):
        if isinstance(v, bool) or not (isinstance(v, int | float) and 0.0 <= float(v) <= 1.0):
            raise ValueError(f"{name} must be a probability in [0, 1]; got {v!r}")
    n, r, k = code.n, code.r, code.k
    stabs = code.stabilizer_strings()
    lx, lz = code.logical_strings()
    logical = lz if basis == "Z" else lx
    enc = stim.Tableau.from_stabilizers([stim.PauliString(s) for s in stabs + logical],
                                        allow_redundant=False, allow_underconstrained=False)
    c = stim.Circuit()
    c.append("R", list(range(n)))
    c += enc.to_circuit(method="elimination")
    c.append("TICK")
    mpp = " ".join(_mpp_target(s) for s in stabs)
    heralds = n if noise == "erasure" else 0
    for t in range(rounds):
        if noise == "depolarizing":
            c.append("DEPOLARIZE1", list(range(n)), float(p))
        elif noise == "erasure":
            c.append("HERALDED_ERASE", list(range(n)), float(p))
        if r:
            c += stim.Circuit(f"MPP({float(measure_p)!r}) {mpp}" if measure_p else f"MPP {mpp}")
        for q in range(heralds):
            c.append("DETECTOR", [stim.target_rec(-r - heralds + q)], [q, t, 1])
        for i in range(r):
            recs = [stim.target_rec(-r + i)]
            if t:
                recs.append(stim.target_rec(-r + i - r - heralds))
            c.append("DETECTOR", recs, [i, t, 0])
        c.append("TICK")
    if k:
        c += stim.Circuit("MPP " + " ".join(_mpp_target(s) for s in logical))
        for j in range(k):
            c.append("OBSERVABLE_INCLUDE", [stim.target_rec(-k + j)], j)
    return c
