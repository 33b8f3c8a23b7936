"""``holonet verify threshold``: Pauli-noise thresholds of a HaPPY code family from the shell.

Registered by :mod:`holonet.verify._cli` (the ``threshold`` target of ``holonet
verify``). For each bias ``η`` it runs :func:`holonet.verify.pauli_threshold` on
``happy_code(L, variant)`` for the requested layers, prints the curves with their
error bars and the crossing next to the zero-rate hashing bound, then a summary
table; ``--out FILE`` writes every run (and the command that made it) as JSON,
the data the ``decode_thresholds`` figure draws.
"""

from __future__ import annotations

import argparse
import math
import re
import time
from typing import Any

NOISES = ("depolarizing", "biased")
#: Default relative grid around the hashing bound ``p_hb`` of the channel: ``p = f p_hb``.
DEFAULT_GRID = (0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0, 1.05, 1.1)
#: Largest default rate (pure-Z noise: below the symmetric point p = 1/2).
MAX_DEFAULT_P = 0.49


def parse_layers(text: str) -> list[int]:
    """``"3"``, ``"2..4"`` or ``"2,3,4"`` -> sorted distinct layer counts (argparse type).

    Examples
    --------
    >>> parse_layers("2..4"), parse_layers("4,2"), parse_layers("3")
    ([2, 3, 4], [2, 4], [3])
    >>> parse_layers("4..2")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: layers must be N, A..B (A <= B) or a comma list; got '4..2'
    """
    msg = f"layers must be N, A..B (A <= B) or a comma list; got {text!r}"
    text = str(text).strip()
    m = re.fullmatch(r"(\d+)\s*\.\.\s*(\d+)", text)
    if m:
        a, b = int(m.group(1)), int(m.group(2))
        if a > b:
            raise argparse.ArgumentTypeError(msg)
        return list(range(a, b + 1))
    if re.fullmatch(r"\d+(\s*,\s*\d+)*", text):
        return sorted({int(x) for x in text.split(",")})
    raise argparse.ArgumentTypeError(msg)


def _eta(text: str) -> float:
    """A bias: a number >= 0 or ``inf`` (argparse type)."""
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--eta must be a number >= 0 or 'inf'; got "
                                         f"{text!r}") from None
    if math.isnan(x) or x < 0:
        raise argparse.ArgumentTypeError(f"--eta must be a number >= 0 or 'inf'; got {text!r}")
    return x


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of the ``threshold`` target (the shared ones live in :mod:`._cli`)."""
    g = p.add_argument_group("threshold (holonet verify threshold)")
    g.add_argument("--noise", default="depolarizing",
                   help="'depolarizing' (default) or 'biased' (needs --eta)")
    g.add_argument("--eta", type=_eta, nargs="+", metavar="ETA",
                   help="bias r_Z / (r_X + r_Y) of --noise biased, one run per value "
                   "(0.5 is depolarising, 'inf' pure Z)")
    g.add_argument("--p", type=float, nargs="+", metavar="P",
                   help="total error rates (default: 9 rates from 0.6 to 1.1 times the "
                   "channel's hashing bound, capped at 0.49)")
    g.add_argument("--workers", type=int, default=1,
                   help="Dask worker processes (default 1: serial, in process)")
    g.add_argument("--no-progress", action="store_true", help="no progress bar")
    g.add_argument("--out", metavar="FILE",
                   help="write every run (curves, crossings, hashing bound, the command) as JSON")


def default_p_values(eta: float) -> list[float]:
    """The default rates for bias ``eta``: :data:`DEFAULT_GRID` times the hashing bound, <= 0.49.

    The cap keeps pure-``Z`` runs below ``p = 1/2``, where every curve passes through
    exactly ``1/2`` (theory/decoding.md, Thresholds) and a crossing cannot be resolved.

    Examples
    --------
    >>> default_p_values(0.5)[:3], default_p_values(float("inf"))[-1]
    ([0.1136, 0.1325, 0.1514], 0.49)
    """
    from holonet.decode import hashing_bound

    hb = hashing_bound(eta)
    return sorted({min(MAX_DEFAULT_P, round(f * hb, 4)) for f in DEFAULT_GRID})


def command_line(args: argparse.Namespace, layers: list[int], etas: list[float],
                 p_given: bool) -> str:
    """The canonical command reproducing a run (stored in ``--out`` and on the figure)."""
    parts = ["holonet verify threshold", f"--noise {args.noise}"]
    if args.noise == "biased":
        parts.append("--eta " + " ".join("inf" if math.isinf(e) else f"{e:g}" for e in etas))
    parts.append(f"--variant {args.variant}")
    span = (f"{layers[0]}..{layers[-1]}" if layers == list(range(layers[0], layers[-1] + 1))
            else ",".join(map(str, layers)))
    parts.append(f"--layers {span}")
    if p_given:
        parts.append("--p " + " ".join(f"{p:g}" for p in args.p))
    parts += [f"--shots {args.shots}", f"--seed {args.seed}"]
    if args.workers != 1:
        parts.append(f"--workers {args.workers}")
    if args.out:
        parts.append(f"--out {args.out}")
    return " ".join(parts)


def _short(x: dict[str, Any]) -> str:
    if x["p"] is not None:
        return f"{x['p']:.4f} ± {x['err']:.4f}"
    bound = str(x.get("bound") or "")
    return "none (" + (bound.split(": ")[-1] if ": " in bound else bound or "unresolved") + ")"


def run(args: argparse.Namespace) -> int:
    """Run ``holonet verify threshold``; exit 0 if every run completed."""
    import json

    from holonet import __version__
    from holonet._io import atomic_open
    from holonet._options import check_int, check_option
    from holonet.codes import happy_code
    from holonet.verify import NoiseFamily, pauli_threshold
    from holonet.verify.pauli import check_p_values
    from holonet.verify.report import _fmt_table

    if args.file:
        raise ValueError(f"'holonet verify threshold' takes no FILE; got {args.file!r}")
    check_option("noise", args.noise, NOISES)
    workers = check_int("--workers", args.workers, minimum=1)
    if args.noise == "biased":
        if not args.eta:
            raise ValueError("--noise biased needs --eta ETA [ETA ...] (0.5 is depolarising, "
                             "'inf' pure Z)")
        etas = list(args.eta)
    else:
        if args.eta:
            raise ValueError("--eta applies to --noise biased only (depolarizing noise has "
                             "eta = 0.5)")
        etas = [0.5]
    layers = args.layers
    for L in layers:
        check_int("--layers", L, minimum=1, maximum=5)
    if args.p:
        check_p_values("--p", args.p)
    fams = [NoiseFamily("depolarizing") if args.noise == "depolarizing"
            else NoiseFamily("biased", eta=e) for e in etas]
    codes = {f"L{L}": happy_code(L, variant=args.variant) for L in layers}
    sizes = ", ".join(f"L{L}: [[{c.stabilizer_code.n},{c.stabilizer_code.k}]]"
                      for L, c in zip(layers, codes.values(), strict=True))
    print(f"HaPPY code family: variant {args.variant!r}, {sizes}; exact ML decoding, "
          f"{args.shots} shots per point, seed {args.seed}\n")

    client = cluster = None
    scheduler: Any = None
    if workers > 1:
        import distributed

        cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1,
                                           processes=True, dashboard_address=":0")
        client = scheduler = distributed.Client(cluster)
    runs, rows = [], []
    try:
        for fam in fams:
            p = list(args.p) if args.p else default_p_values(fam.bias)
            t0 = time.perf_counter()
            rep = pauli_threshold(codes, fam, p, args.shots, seed=args.seed,
                                  scheduler=scheduler, progress=not args.no_progress)
            seconds = time.perf_counter() - t0
            print(rep.explain())
            print()
            runs.append({"eta": None if math.isinf(fam.bias) else fam.bias,
                         "eta_is_inf": math.isinf(fam.bias), "seconds": round(seconds, 1),
                         **rep.summary()})
            thr = ("no crossing" if rep.threshold is None
                   else f"{rep.threshold:.4f} ± {rep.threshold_err:.4f}")
            pairs = "; ".join(_short(x) for x in rep.crossings)
            rows.append(["inf" if math.isinf(fam.bias) else f"{fam.bias:g}", thr,
                         f"{rep.hashing_bound:.4f}", pairs or "-",
                         f"{p[0]:g}..{p[-1]:g} ({len(p)})"])
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    print("summary (threshold = mean of the pairwise crossings of consecutive sizes):")
    for line in _fmt_table(["eta", "threshold", "hashing bound", "pairwise crossings",
                            "p range (points)"], rows):
        print(line)
    cmd = command_line(args, layers, etas, bool(args.p))
    if args.out:
        record = {"command": cmd, "holonet": __version__, "variant": args.variant,
                  "layers": layers, "n": [c.stabilizer_code.n for c in codes.values()],
                  "shots": args.shots, "seed": args.seed, "noise": args.noise, "runs": runs}
        with atomic_open(args.out, "w", encoding="utf-8") as fh:
            json.dump(record, fh, indent=1)
            fh.write("\n")
        print(f"\nwrote {args.out}")
    return 0 if all(r["ok"] for r in runs) else 1
