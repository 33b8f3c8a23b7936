"""``holonet explore``: write the interactive radial explorer as one HTML file.

Subcommands::

    holonet explore happy  [--layers 2] [--variant pentagon] [--convention vertex]
                           [--max-interval 8] [-o explore_happy.html]
    holonet explore record RECORD.json [-k 3] [-o explore.html]
    holonet explore holographic [--layers 2] [--heads 2] [--seed 0] [-o explore_holo.html]
    holonet explore demo   [--rings 1 5 10] [--tokens 40] [--seed 0] [-o explore_demo.html]

``happy`` shows a HaPPY code's entanglement wedges; ``holographic`` the
code-derived holographic ring attention of :mod:`holonet.attention` (random
queries and keys) drawn on the code's tiling, with the wedge mode beside it;
``record`` an :class:`~holonet.attention.record.AttentionRecord` saved with ``to_json``;
``demo`` records a two-block encoder of :class:`holonet.nn.HolographicAttention`
on random tokens (needs torch). Heavy imports happen inside the handlers.
"""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("explore", help="write the interactive radial explorer (one HTML file)",
                       description="Write the interactive radial explorer: attention on "
                       "concentric rings, or the entanglement wedges of a HaPPY code, as one "
                       "self-contained HTML file (no network access when viewed).")
    what = p.add_subparsers(dest="what", metavar="WHAT")
    what.required = True

    h = what.add_parser("happy", help="a HaPPY code: click boundary intervals, see wedges")
    h.add_argument("--layers", type=int, default=2, help="tiling layers (default 2)")
    h.add_argument("--variant", default="pentagon",
                   help="code variant: pentagon (default), single, pentagon-hexagon, "
                   "hexagon-state or zero-rate")
    h.add_argument("--convention", default="vertex", help="layer convention (default vertex)")
    h.add_argument("--max-interval", type=int, default=None,
                   help="precompute wedges for intervals up to this length")
    h.add_argument("--max-mb", type=float, default=None,
                   help="refuse pages whose wedge data is predicted above this many MiB "
                   "(default 64)")
    h.add_argument("-o", "--out", default="explore_happy.html", help="output HTML file")
    h.set_defaults(func=_happy)

    g = what.add_parser("holographic",
                        help="holographic ring attention on a HaPPY code's tiling")
    g.add_argument("--layers", type=int, default=2, help="tiling layers (default 2)")
    g.add_argument("--heads", type=int, default=2, help="attention heads (default 2)")
    g.add_argument("--dim", type=int, default=8, help="query/key width (default 8)")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("-k", type=int, default=3, help="keys highlighted per query (default 3)")
    g.add_argument("-o", "--out", default="explore_holo.html", help="output HTML file")
    g.set_defaults(func=_holographic)

    r = what.add_parser("record", help="an AttentionRecord saved as JSON")
    r.add_argument("record", help="JSON file written by AttentionRecord.to_json()")
    r.add_argument("-k", type=int, default=3, help="keys highlighted per query (default 3)")
    r.add_argument("-o", "--out", default="explore.html", help="output HTML file")
    r.set_defaults(func=_record)

    d = what.add_parser("demo", help="holographic attention on random tokens (needs torch)")
    d.add_argument("--rings", type=int, nargs="+", default=[1, 5, 10],
                   help="bulk latents per ring, core first (default 1 5 10)")
    d.add_argument("--tokens", type=int, default=40, help="boundary tokens (default 40)")
    d.add_argument("--heads", type=int, default=2, help="attention heads (default 2)")
    d.add_argument("--blocks", type=int, default=2, help="encoder blocks (default 2)")
    d.add_argument("--seed", type=int, default=0)
    d.add_argument("-k", type=int, default=3, help="keys highlighted per query (default 3)")
    d.add_argument("-o", "--out", default="explore_demo.html", help="output HTML file")
    d.set_defaults(func=_demo)


def _happy(args: argparse.Namespace) -> int:
    from holonet._options import check_float, check_int
    from holonet.codes import happy_code  # type: ignore[attr-defined]
    from holonet.viz.explorer import DEFAULT_MAX_BYTES, explorer

    check_int("--layers", args.layers, minimum=1)
    max_bytes = DEFAULT_MAX_BYTES if args.max_mb is None else int(
        check_float("--max-mb", args.max_mb, minimum=1e-6) * 2**20)
    code = happy_code(args.layers, convention=args.convention, variant=args.variant)
    path = explorer(code, args.out, max_interval=args.max_interval, max_bytes=max_bytes)
    print(f"wrote {path}")
    return 0


def holographic_demo(layers: int = 2, heads: int = 2, dim: int = 8, seed: int = 0
                     ) -> tuple[object, object]:
    """A HaPPY code and the record of its holographic ring attention on random q, k."""
    import numpy as np

    from holonet._options import check_int
    from holonet.attention import holographic_record, holographic_tokens
    from holonet.codes import happy_code  # type: ignore[attr-defined]

    check_int("heads", heads, minimum=1)
    check_int("dim", dim, minimum=1)
    code = happy_code(layers)
    tokens, _ = holographic_tokens(code)
    rng = np.random.default_rng(seed)
    q, k = (rng.normal(size=(heads, len(tokens), dim)) for _ in range(2))
    rec = holographic_record(code, q, k)
    rec.meta["model"] = (f"holographic ring attention on happy_code({layers}), random queries "
                         f"and keys (seed {seed})")
    return code, rec


def _holographic(args: argparse.Namespace) -> int:
    from holonet.viz.explorer import explorer

    code, rec = holographic_demo(args.layers, args.heads, args.dim, args.seed)
    path = explorer(rec, args.out, code=code, k=args.k)
    print(f"wrote {path}")
    return 0


def _record(args: argparse.Namespace) -> int:
    from pathlib import Path

    from holonet.attention.record import AttentionRecord
    from holonet.viz.explorer import explorer

    source = Path(args.record)
    if not source.is_file():
        raise ValueError(f"record file {str(source)!r} does not exist")
    rec = AttentionRecord.from_json(source.read_text())
    path = explorer(rec, args.out, k=args.k)
    print(f"wrote {path}")
    return 0


def demo_record(rings: list[int] | tuple[int, ...] = (1, 5, 10), tokens: int = 40,
                heads: int = 2, blocks: int = 2, seed: int = 0) -> object:
    """Record a small encoder of holographic-attention blocks on random tokens."""
    import torch
    from torch import nn

    from holonet._options import check_int
    from holonet.nn import EncoderBlock, HolographicAttention, record_attention

    check_int("tokens", tokens, minimum=2)
    check_int("blocks", blocks, minimum=1)
    dim = 8 * heads
    # seed inside fork_rng: the caller's global torch generator is restored afterwards
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = nn.Sequential(*[
            EncoderBlock(HolographicAttention(dim, num_heads=heads, ring_sizes=tuple(rings)))
            for _ in range(blocks)])
        model.eval()
        x = torch.randn(1, tokens, dim)
    return record_attention(model, x, tokens=[f"t{i}" for i in range(tokens)],
                            meta={"model": f"holographic attention, rings {list(rings)}, "
                                           f"random tokens (seed {seed})"})


def _demo(args: argparse.Namespace) -> int:
    from holonet.viz.explorer import explorer

    rec = demo_record(args.rings, args.tokens, args.heads, args.blocks, args.seed)
    path = explorer(rec, args.out, k=args.k)
    print(f"wrote {path}")
    return 0
