"""The ``ganac`` command line (also ``python -m experiments``).

    ganac verify [--only PATTERN] [--tier fast|full] [--out DIR] [--json] [--seed N] [--resume]
    ganac list [--kind K] [--paper P]
    ganac figures [NAME ...] [--out DIR] [--format pdf,png] [--seed N] [--full]
    ganac derive ID
    ganac bench [NAME ...] [--quick] [--out DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path

from experiments import __version__

__all__ = ["main", "build_parser"]

#: Formats ``experiments.figures._style.save_figure`` can write.
FIGURE_FORMATS = ("pdf", "png", "svg")


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _progress(iterable, total: int, desc: str, enabled: bool):
    if not enabled:
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=desc, file=sys.stderr, leave=False)


# ---------------------------------------------------------------------------------------------
# verify


def cmd_verify(args: argparse.Namespace) -> int:
    from experiments import figures as figure_registry
    from experiments.registry import Context, select
    from experiments.report import format_table, load_result, run_claim, write_claim, write_reports

    claims = select(only=args.only, tier=args.tier)
    if not claims:
        _stderr(f"no claims match --only {args.only!r} at tier {args.tier!r}; see `ganac list`")
        return 2
    out_dir = Path(args.out)
    fig_dir = out_dir / "figures"
    results, rendered = [], {}
    interrupted = False
    show_progress = not args.json and not args.no_progress and sys.stderr.isatty()
    # Ctrl-C is recorded as well as raised: a neural solver catches KeyboardInterrupt and returns
    # its partial run, so the check may finish (or fail) after the interrupt.  Such a result is
    # not a finished claim: it is neither kept nor written, and the run stops there.
    sigint = {"seen": False}

    def on_sigint(signum, frame):
        sigint["seen"] = True
        raise KeyboardInterrupt

    try:
        previous_handler = signal.signal(signal.SIGINT, on_sigint)
    except ValueError:  # not the main thread: keep the current handler
        previous_handler = None
    try:
        bar = _progress(claims, len(claims), "verify", show_progress)
        for claim in bar:
            if args.resume:
                done = load_result(out_dir, claim.id)
                if (done is not None and done.seed == args.seed and done.run_tier == args.tier
                        and done.status != "error"):
                    results.append(done)
                    continue
            if show_progress:
                bar.set_postfix_str(claim.id)
            elif not args.json:
                _stderr(f"  running {claim.id} ...")
            ctx = Context(seed=args.seed, tier=args.tier, fig_dir=None if args.no_figures else fig_dir)
            result = run_claim(claim, ctx)
            if not args.no_figures and result.status != "error":
                for name in claim.figures:
                    if name not in rendered:
                        try:
                            paths = figure_registry.render(name, fig_dir, seed=args.seed,
                                                           fast=args.tier == "fast")
                            rendered[name] = [str(p.relative_to(out_dir)) for p in paths]
                        except Exception as exc:  # a figure failure must not hide the claim's verdict
                            _stderr(f"  figure {name} failed: {exc!r}")
                            rendered[name] = []
                    result.figures = sorted(set(result.figures) | set(rendered[name]))
            if sigint["seen"]:
                raise KeyboardInterrupt  # swallowed inside the check: see on_sigint
            write_claim(out_dir, result)
            results.append(result)
            write_reports(out_dir, results, seed=args.seed, tier=args.tier)
    except KeyboardInterrupt:
        interrupted = True
        _stderr(f"\ninterrupted: {len(results)} finished claims kept in {out_dir} "
                "(rerun with --resume to continue)")
    finally:
        if previous_handler is not None:
            signal.signal(signal.SIGINT, previous_handler)
    write_reports(out_dir, results, seed=args.seed, tier=args.tier)
    if args.json:
        print(json.dumps([r.to_json() for r in results], indent=2))
    else:
        print(format_table(results))
        print(f"\nwrote {out_dir / 'results.json'}, {out_dir / 'report.md'}, {out_dir / 'report.html'}")
    if interrupted:
        return 130
    # refuted (a finding) and not reproduced (declared, with its gap) are verdicts, not failures
    return 0 if all(r.status not in ("fail", "error") for r in results) else 1


# ---------------------------------------------------------------------------------------------
# list


def cmd_list(args: argparse.Namespace) -> int:
    from experiments import figures as figure_registry
    from experiments.registry import select

    claims = select(tier="full", kind=args.kind, paper=args.paper)
    width = max((len(c.id) for c in claims), default=10)
    print(f"{'claim'.ljust(width)}  {'tier':4}  {'kinds':22}  source")
    for c in claims:
        print(f"{c.id.ljust(width)}  {c.tier:4}  {','.join(c.kinds):22}  {c.source}")
    print(f"\n{len(claims)} claims")
    if args.kind is None:
        figs = [f for f in figure_registry.all_figures() if args.paper is None or f.name.startswith(args.paper)]
        if figs:
            print("\nfigures:")
            for f in figs:
                print(f"  {f.name}: {f.title}")
        try:
            import proofs_check

            ders = [d for d in proofs_check.all_derivations()
                    if args.paper is None or d.id.startswith(args.paper)]
        except (ImportError, AttributeError):
            ders = []
        if ders:
            print("\nderivations (ganac derive ID):")
            for d in ders:
                print(f"  {d.id}: {d.title}")
    return 0


# ---------------------------------------------------------------------------------------------
# figures


def cmd_figures(args: argparse.Namespace) -> int:
    from experiments import figures as figure_registry

    names = args.names or [f.name for f in figure_registry.all_figures()]
    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    bad = [f for f in formats if f not in FIGURE_FORMATS]
    if bad or not formats:
        # checked before rendering anything: a bad entry must not leave some formats written
        _stderr(f"--format must be a comma-separated list of {', '.join(FIGURE_FORMATS)} "
                f"(got {args.format!r})")
        return 2
    status = 0
    for name in _progress(names, len(names), "figures", sys.stderr.isatty()):
        try:
            paths = figure_registry.render(name, Path(args.out), seed=args.seed, fast=not args.full,
                                           formats=formats)
        except KeyError as exc:
            _stderr(str(exc.args[0]))
            status = 2
            continue
        print(f"{name}: " + ", ".join(str(p) for p in paths))
    return status


# ---------------------------------------------------------------------------------------------
# derive


def cmd_derive(args: argparse.Namespace) -> int:
    import proofs_check

    try:
        derivation = proofs_check.get(args.id)
    except KeyError as exc:
        _stderr(str(exc.args[0]))  # the message already lists the known ids
        return 2
    report = derivation.check()
    print(report.format())
    return 0 if report.ok else 1


# ---------------------------------------------------------------------------------------------
# bench


def cmd_bench(args: argparse.Namespace) -> int:
    from experiments.bench import all_benchmarks
    from experiments.figures._style import atomic_write_bytes

    benches = all_benchmarks()
    # A name selects the benchmark of that name and its "<name>-..." family (`ganac bench rl`
    # runs "rl" and "rl-seqgan"), each once, in sorted order.
    requested = args.names or sorted(benches)
    unknown = [n for n in requested if not any(b == n or b.startswith(n + "-") for b in benches)]
    names = [b for b in sorted(benches) if any(b == n or b.startswith(n + "-") for n in requested)]
    if unknown:
        _stderr(f"unknown benchmark(s) {unknown}; available: {sorted(benches)}")
        return 2
    everything = {}
    for name in names:
        rows = benches[name](quick=args.quick)
        everything[name] = [r.to_json() for r in rows]
        if not args.json:
            print(f"\n== {name}")
            print(f"{'case':34} {'size':>16} {'ours [s]':>11} {'peer':>30} {'peer [s]':>11} "
                  f"{'ratio':>8} {'|diff|':>9}  note")
            for r in rows:
                ratio = f"{r.ratio:8.2f}" if r.ratio is not None else "       -"
                peer_s = f"{r.peer_seconds:11.3e}" if r.peer_seconds is not None else "          -"
                agree = f"{r.agree:9.1e}" if r.agree is not None else "        -"
                print(f"{r.name:34} {r.size:>16} {r.ours_seconds:11.3e} {str(r.peer or '-'):>30} "
                      f"{peer_s} {ratio} {agree}  {r.note}")
    if args.out:
        atomic_write_bytes(Path(args.out) / "bench.json", json.dumps(everything, indent=2).encode())
    if args.json:
        print(json.dumps(everything, indent=2))
    else:
        print("\nratio = peer time / ganac time (> 1: ganac faster)")
    return 0


# ---------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ganac", description="Verify claims bridging GANs, actor-critic RL, MaxEnt IRL and EBMs.")
    parser.add_argument("--version", action="version", version=f"ganac {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("verify", help="run the registered claims and write a report")
    p.add_argument("--only", metavar="PATTERN", help="glob or substring of claim ids")
    p.add_argument("--tier", choices=("fast", "full"), default="fast")
    p.add_argument("--out", default="ganac-out", help="output folder (default ./ganac-out)")
    p.add_argument("--json", action="store_true", help="print results as JSON instead of a table")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--resume", action="store_true", help="skip claims already finished in --out")
    p.add_argument("--no-figures", action="store_true", help="do not render figures")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("list", help="list claims, figures and derivations")
    p.add_argument("--kind", choices=("symbolic", "exact", "neural"))
    p.add_argument("--paper")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("figures", help="regenerate paper figures")
    p.add_argument("names", nargs="*", metavar="NAME")
    p.add_argument("--out", default="ganac-out/figures")
    p.add_argument("--format", default="pdf,png")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--full", action="store_true", help="full-size runs instead of the fast versions")
    p.set_defaults(func=cmd_figures)

    p = sub.add_parser("derive", help="print and check a symbolic derivation")
    p.add_argument("id")
    p.set_defaults(func=cmd_derive)

    p = sub.add_parser("bench", help="speed against peers (scipy, POT), as ratios")
    p.add_argument("names", nargs="*", metavar="NAME")
    p.add_argument("--quick", action="store_true", help="small sizes only")
    p.add_argument("--out", default=None, help="also write bench.json into this folder")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_bench)
    return parser


def _single_blas_thread() -> None:
    """One BLAS thread unless the user chose otherwise: ganac's matrices are small, so a second
    thread only adds contention (a neural claim ran 5-10x slower with two threads on a busy
    2-core machine), and the benchmarks' targets are per core.  Effective only before numpy is
    first imported, which is the case when `ganac` is the command."""
    import os

    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")


def main(argv: list[str] | None = None) -> int:
    _single_blas_thread()
    args = build_parser().parse_args(argv)
    if getattr(args, "seed", 0) < 0:
        _stderr("--seed must be a non-negative integer")
        return 2
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
