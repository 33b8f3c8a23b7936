"""``holonet mera``: optimise a scale-invariant MERA for the critical Ising chain.

Examples: ``holonet mera optimize --chi 4 --sweeps 300 --checkpoint run.npz``
(rerunning the same command resumes from the checkpoint; ``--no-resume`` starts
afresh and overwrites it).
"""

from __future__ import annotations

import argparse
import json


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("mera", help="MERA tools (variational optimisation, scaling dimensions)",
                       description="MERA tools: optimise a scale-invariant MERA for the "
                       "critical transverse-field Ising chain and report its energy and "
                       "scaling dimensions.")
    msub = p.add_subparsers(dest="mera_command", metavar="ACTION")
    o = msub.add_parser("optimize", help="variational energy minimisation (Evenbly-Vidal)",
                        description="Optimise a scale-invariant MERA for H = -sum XX - g sum Z.")
    o.add_argument("--chi", type=int, default=4, help="bond dimension (default 4)")
    o.add_argument("--sweeps", type=int, default=300, help="optimisation sweeps (default 300)")
    o.add_argument("--kind", default="modified_binary",
                   help="MERA kind: modified_binary (default), binary or ternary")
    o.add_argument("--field", type=float, default=1.0, help="transverse field g (default 1)")
    o.add_argument("--transitional-layers", type=int, default=2)
    o.add_argument("--seed", type=int, default=0)
    o.add_argument("--checkpoint", default=None, metavar="PATH",
                   help=".npz checkpoint written atomically; an existing one is resumed "
                        "(if it was written for the same settings and field)")
    o.add_argument("--no-resume", action="store_true",
                   help="start afresh even if the checkpoint exists (it is overwritten)")
    o.add_argument("--scaling", type=int, default=6,
                   help="number of scaling dimensions to report (default 6, 0 for none)")
    o.add_argument("--json", action="store_true", help="print the result as JSON")
    o.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    o.set_defaults(func=_optimize)
    p.set_defaults(func=_help(p))


def _help(p: argparse.ArgumentParser):  # type: ignore[no-untyped-def]
    def run(args: argparse.Namespace) -> int:
        p.print_help()
        return 2

    return run


def _optimize(args: argparse.Namespace) -> int:
    import math

    from holonet._options import check_float
    from holonet.mera.optimize import ising_hamiltonian, optimize_ising

    if args.chi < 2:
        raise ValueError(f"--chi must be >= 2; got {args.chi}")
    if args.sweeps < 0:
        raise ValueError(f"--sweeps must be >= 0; got {args.sweeps}")
    check_float("--field", args.field)
    if args.checkpoint is not None:  # before any work
        from holonet._io import check_output_path

        check_output_path(args.checkpoint, what="--checkpoint", kind="file")
    exact = None
    if args.field == 1.0:
        exact = -4.0 / math.pi
    else:
        from scipy.integrate import quad

        g = args.field
        exact = -quad(lambda k: math.sqrt(1 + g * g + 2 * g * math.cos(k)), 0, math.pi)[0] / math.pi
    r = optimize_ising(args.chi, sweeps=args.sweeps, kind=args.kind,
                       hamiltonian=ising_hamiltonian(args.field), exact_energy=exact,
                       transitional_layers=args.transitional_layers, seed=args.seed,
                       checkpoint=args.checkpoint, resume=not args.no_resume,
                       scaling=args.scaling, progress=not args.no_progress)
    out = {"chi": r.chi, "kind": r.kind, "sweeps": r.sweeps, "energy": r.energy,
           "exact_energy": r.exact_energy, "error": r.error, "seconds": r.seconds,
           "scaling_dimensions": [float(x) for x in r.scaling_dimensions]}
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(f"chi={r.chi} {r.kind} MERA after {r.sweeps} sweeps: energy per site "
              f"{r.energy:.10f} (exact {r.exact_energy:.10f}, error {r.error:.2e}), "
              f"{r.seconds:.1f} s")
        if len(r.scaling_dimensions):
            print("scaling dimensions: " + ", ".join(f"{x:.4f}" for x in r.scaling_dimensions))
    return 0
