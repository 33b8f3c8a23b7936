r"""ListOps (Nangia & Bowman 2018) as generated for the Long Range Arena (Tay et al. 2021).

A ListOps expression is a digit ``0..9`` or an operator applied to 2..``max_args``
arguments, each again an expression::

    [MAX 2 9 [MIN 4 7 ] 0 ]            ->  9
    [SM 3 [MED 1 2 ] 9 ]               ->  (3 + 1 + 9) mod 10 = 3

The operators are ``[MIN``, ``[MAX``, ``[MED`` (the median, truncated to an
integer as ``int(np.median(args))``: the mean of the two middle values, rounded
down, for an even count) and ``[SM`` (sum modulo 10); ``]`` closes an operator.
The label, one of 10 classes, is the value of the expression.

**The generator is LRA's** (``lra_benchmarks/data/listops.py`` of
google-research/long-range-arena): a node at depth < ``max_depth`` is an operator
with probability ``VALUE_P = 0.25`` (otherwise a digit; at ``max_depth`` always a
digit), an operator draws its argument count uniformly from ``2..max_args`` and
its operator uniformly from the four; the root is at depth 1, and a tree is kept
only if its token count ``L`` (digits + operators + closing brackets) satisfies
``min_length < L < max_length``. LRA's defaults: ``max_depth = 10``,
``max_args = 10``, ``min_length = 500``, ``max_length = 2000`` (96,000 train /
2,000 validation / 2,000 test samples, distinct). As in LRA's fixed tokenisation
(its issue #14: the brackets are tokens, the binarised tree's parentheses are
not), the vocabulary is the 10 digits, the 4 operators and ``]`` -- ids 1..15,
0 is padding.

Two independent evaluations: the generator computes each label recursively while
it builds the tree; :func:`evaluate` recomputes it from the flat token list with
an explicit stack (the tests add Python's own evaluation of the expression text).

Generation is plain recursion on :class:`random.Random` (deterministic for a
seed), abandoning a tree as soon as it reaches ``max_length`` tokens -- those
would be rejected anyway, so the accepted distribution is unchanged. About
1,000 accepted sequences of 500-2,000 tokens per 1.5 s; :func:`listops_splits`
caches a data set in the temporary directory (``.npz``, loaded without pickle).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from holonet._io import atomic_path
from holonet._options import check_int

__all__ = [
    "LRA_LISTOPS",
    "ListOpsSplit",
    "VOCAB",
    "evaluate",
    "generate_listops",
    "listops_splits",
    "to_text",
    "tokenize",
]

#: LRA's generator settings (lra_benchmarks/data/listops.py flags and constants).
LRA_LISTOPS: dict[str, Any] = {"max_depth": 10, "max_args": 10, "min_length": 500,
                               "max_length": 2000, "value_p": 0.25, "n_train": 96000,
                               "n_val": 2000, "n_test": 2000}

PAD = 0
#: token text -> id (0 is padding)
VOCAB: dict[str, int] = {**{str(i): i + 1 for i in range(10)},
                         "[MIN": 11, "[MAX": 12, "[MED": 13, "[SM": 14, "]": 15}
_TEXT = {i: t for t, i in VOCAB.items()}
_MIN, _MAX, _MED, _SM, _END = 11, 12, 13, 14, 15
_OPERATORS = (_MIN, _MAX, _MED, _SM)


def _apply(op: int, args: list[int]) -> int:
    if op == _MIN:
        return min(args)
    if op == _MAX:
        return max(args)
    if op == _SM:
        return sum(args) % 10
    s = sorted(args)
    m = len(s) // 2
    return s[m] if len(s) % 2 else (s[m - 1] + s[m]) // 2


def _grower(rng: random.Random, max_depth: int, max_args: int, value_p: float,
            limit: int) -> Any:
    """``grow(out) -> value``: append one random expression's tokens to ``out`` and
    return its value, or -1 once ``out`` reaches ``limit`` tokens (then rejected).

    Draws are ``int(u * k)`` of one uniform ``u`` (uniform on ``0..k-1``; cheaper
    than :meth:`random.Random.randint`).
    """
    rand = rng.random
    n_choices = max_args - 1

    def grow(out: list[int], depth: int) -> int:
        if depth < max_depth and rand() <= value_p:
            n_args = 2 + int(rand() * n_choices)
            op = _OPERATORS[int(rand() * 4)]
            out.append(op)
            args = []
            for _ in range(n_args):
                a = grow(out, depth + 1)
                if a < 0:
                    return -1
                args.append(a)
            out.append(_END)
            value = _apply(op, args)
        else:
            value = int(rand() * 10)
            out.append(value + 1)
        return value if len(out) < limit else -1

    return grow


@dataclass(frozen=True)
class ListOpsSplit:
    """Padded token ids ``(n, seq_len)`` (uint8, 0 = padding), lengths and labels."""

    tokens: np.ndarray
    lengths: np.ndarray
    labels: np.ndarray

    def __len__(self) -> int:
        return int(self.labels.shape[0])


def _check_settings(max_depth: int, max_args: int, min_length: int, max_length: int,
                    seq_len: int | None) -> int:
    check_int("max_depth", max_depth, minimum=2)
    check_int("max_args", max_args, minimum=2)
    check_int("min_length", min_length, minimum=0)
    check_int("max_length", max_length, minimum=min_length + 2)
    if seq_len is None:
        return max_length - 1
    check_int("seq_len", seq_len, minimum=max_length - 1)
    return seq_len


def generate_listops(n: int, seed: int = 0, *, max_depth: int = 10, max_args: int = 10,
                     min_length: int = 500, max_length: int = 2000,
                     value_p: float = 0.25, seq_len: int | None = None,
                     exclude: set[bytes] | None = None) -> ListOpsSplit:
    """``n`` distinct ListOps sequences with ``min_length < length < max_length`` tokens.

    Parameters
    ----------
    n
        Number of sequences.
    seed
        Seed of the :class:`random.Random` stream (deterministic).
    max_depth, max_args, min_length, max_length, value_p
        LRA's generator settings (defaults: LRA's values, :data:`LRA_LISTOPS`).
    seq_len
        Padded length of the returned array (default ``max_length - 1``).
    exclude
        Token strings (``bytes``) not to return, e.g. another split's; the new
        sequences are added to it.

    Examples
    --------
    >>> d = generate_listops(3, seed=0, min_length=5, max_length=40)
    >>> d.tokens.shape, d.labels.shape
    ((3, 39), (3,))
    >>> all(evaluate(t[:m]) == y for t, m, y in zip(d.tokens, d.lengths, d.labels))
    True
    """
    check_int("n", n, minimum=0)
    seq_len = _check_settings(max_depth, max_args, min_length, max_length, seq_len)
    if not 0.0 < value_p < 1.0:
        raise ValueError(f"value_p must be in (0, 1); got {value_p}")
    grow = _grower(random.Random(seed), max_depth, max_args, value_p, max_length)
    seen = set() if exclude is None else exclude
    toks = np.zeros((n, seq_len), dtype=np.uint8)
    lengths = np.zeros(n, dtype=np.int32)
    labels = np.zeros(n, dtype=np.int64)
    i = 0
    while i < n:
        out: list[int] = []
        value = grow(out, 1)
        if value < 0 or len(out) <= min_length:
            continue
        key = bytes(out)
        if key in seen:
            continue
        seen.add(key)
        toks[i, :len(out)] = out
        lengths[i], labels[i] = len(out), value
        i += 1
    return ListOpsSplit(toks, lengths, labels)


def evaluate(tokens: Any) -> int:
    """Value of one expression given as token ids (an explicit stack; padding ignored).

    Examples
    --------
    >>> evaluate(tokenize("[MAX 2 9 [MIN 4 7 ] 0 ]"))
    9
    >>> evaluate(tokenize("[MED 1 2 ]"))   # mean of the two middle values, rounded down
    1
    """
    stack: list[tuple[int, list[int]]] = []
    result: int | None = None
    for t in (int(x) for x in tokens):
        if t == PAD:
            continue
        if result is not None:
            raise ValueError("tokens continue after a complete expression")
        if t in _OPERATORS:
            stack.append((t, []))
            continue
        if t == _END:
            if not stack or len(stack[-1][1]) == 0:
                raise ValueError("']' without an open operator with arguments")
            op, args = stack.pop()
            value = _apply(op, args)
        elif 1 <= t <= 10:
            value = t - 1
        else:
            raise ValueError(f"unknown token id {t}; expected 0..15")
        if stack:
            stack[-1][1].append(value)
        else:
            result = value
    if stack or result is None:
        raise ValueError("incomplete expression (unclosed operator or no tokens)")
    return result


def tokenize(text: str) -> np.ndarray:
    """Token ids of a space-separated expression (``"[SM 3 4 ]"``).

    Examples
    --------
    >>> tokenize("[SM 3 4 ]").tolist()
    [14, 4, 5, 15]
    """
    try:
        return np.array([VOCAB[w] for w in text.split()], dtype=np.uint8)
    except KeyError as err:
        raise ValueError(f"unknown ListOps token {err.args[0]!r}; expected one of "
                         + ", ".join(map(repr, VOCAB))) from None


def to_text(tokens: Any) -> str:
    """The expression text of token ids (padding dropped).

    Examples
    --------
    >>> to_text([14, 4, 5, 15, 0, 0])
    '[SM 3 4 ]'
    """
    return " ".join(_TEXT[int(t)] for t in tokens if int(t) != PAD)


def _cache_dir() -> Path:
    return Path(os.environ.get("HOLONET_CACHE", tempfile.gettempdir())) / "holonet-listops"


def listops_splits(sizes: dict[str, int], seed: int = 0, *, seq_len: int | None = None,
                   cache: bool = True, **settings: Any) -> dict[str, ListOpsSplit]:
    """Distinct train/val/test splits (``sizes = {"train": n, ...}``) from one seed.

    Split ``k`` (in the order given) is generated from ``seed * 1000 + k`` and
    excludes every earlier split's sequences. With ``cache=True`` the arrays are
    stored in ``$HOLONET_CACHE`` (default: the temporary directory), keyed by
    every setting, and reused.

    Examples
    --------
    >>> s = listops_splits({"train": 4, "test": 2}, seed=1, cache=False,
    ...                    min_length=5, max_length=30)
    >>> [len(s["train"]), len(s["test"])]
    [4, 2]
    """
    for name, size in sizes.items():
        check_int(f"size of split {name!r}", size, minimum=0)
    opts: dict[str, Any] = {"max_depth": 10, "max_args": 10, "min_length": 500,
                            "max_length": 2000, "value_p": 0.25}
    unknown = set(settings) - set(opts)
    if unknown:
        raise TypeError(f"unknown ListOps settings {sorted(unknown)}; expected "
                        + ", ".join(opts))
    opts.update(settings)
    seq_len = _check_settings(opts["max_depth"], opts["max_args"], opts["min_length"],
                              opts["max_length"], seq_len)
    key = json.dumps({"sizes": sizes, "seed": seed, "seq_len": seq_len, **opts},
                     sort_keys=True)
    path = _cache_dir() / f"listops-{hashlib.sha256(key.encode()).hexdigest()[:16]}.npz"
    if cache and path.is_file():
        try:
            with np.load(path, allow_pickle=False) as z:
                return {name: ListOpsSplit(z[f"{name}_tokens"], z[f"{name}_lengths"],
                                           z[f"{name}_labels"]) for name in sizes}
        except (OSError, KeyError, ValueError):
            pass  # unreadable cache entry: regenerate and overwrite
    seen: set[bytes] = set()
    out = {name: generate_listops(size, seed * 1000 + k, seq_len=seq_len, exclude=seen,
                                  **opts)
           for k, (name, size) in enumerate(sizes.items())}
    if cache:
        arrays = {f"{name}_{field}": getattr(s, field) for name, s in out.items()
                  for field in ("tokens", "lengths", "labels")}
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            np.savez(fh, **arrays)
    return out
