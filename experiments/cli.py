"""The ``ganac`` command line (also ``python -m experiments``)::

    ganac verify [--claims FILE_OR_MODULE ...] [--only PATTERN] [--tier fast|full] [--out DIR] [--json]
                 [--seed N | --seeds LIST] [-j N | --scheduler ADDRESS] [--resume] [--no-figures]
    ganac list [--claims FILE_OR_MODULE ...] [--kind K] [--paper P]
    ganac figures [NAME ...] [--out DIR] [--format pdf,png] [--seed N] [--full] [--style paper]
    ganac report [--out DIR] [--seed N --tier T] [--latex FILE]
    ganac derive [--claims FILE_OR_MODULE ...] ID             (a derivation id, or a claim's)
    ganac show [--claims FILE_OR_MODULE ...] [--out DIR] CLAIM_ID
    ganac check "EXPR REL EXPR" [--assume COND ...] [--latex]
    ganac init FOLDER
    ganac bench [NAME ...] [--quick] [--out DIR] [--json]

``ganac COMMAND --help`` describes each option; a mistake in the command's words exits with
code 2 and one line on stderr (:class:`UsageError`).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path

from experiments import __version__

__all__ = ["main", "build_parser", "UsageError"]

#: Formats ``experiments.figure_style.save_figure`` can write.
FIGURE_FORMATS = ("pdf", "png", "svg")


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


class UsageError(Exception):
    """A mistake in the command's words (a bad option value, an unknown id, an unusable folder).

    A command raises it before it does any work; :func:`main` prints the message as one line
    on stderr and exits with code 2.
    """


def _progress(iterable, total: int, desc: str, enabled: bool):
    if not enabled:
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=desc, file=sys.stderr, leave=False)


# ---------------------------------------------------------------------------------------------
# a user's claims (--claims)


def _load_user(args: argparse.Namespace) -> list:
    """Load ``--claims`` sources (after ganac's own claims); ClaimsError propagates to main."""
    from experiments import user

    return user.load(getattr(args, "claims", None) or ())


def _add_claims_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--claims", metavar="FILE_OR_MODULE", action="append", default=[],
                   help="also load your own claims and derivations from this file (by path; its "
                        "folder is not put on the import path) or importable module; repeatable")


# ---------------------------------------------------------------------------------------------
# verify


def check_out_dir(text: str | None, option: str = "--out") -> None:
    """Create the output folder ``text`` (None: nothing to do), or raise :class:`UsageError`.

    Checked before any work runs, so a typo costs nothing: an empty name, an existing file, or a
    folder that cannot be created or written is refused with one line (exit code 2).
    """
    import os
    import tempfile

    if text is None:
        return
    if not str(text).strip():
        raise UsageError(f"{option} must name a folder (got an empty string)")
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise UsageError(f"{option} {text!r} is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=path, prefix=".ganac-write-test.")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise UsageError(f"{option} {text!r} cannot be created or written: "
                         f"{exc.strerror or exc}") from None


def _attach_figures(result, claim, rendered: dict) -> bool:
    """Add the files of the claim's rendered figures to ``result.figures``; True if it changed."""
    files = set(result.figures)
    for name in claim.figures:
        files |= set(rendered.get(name, ()))
    files = sorted(files)
    changed = files != result.figures
    result.figures = files
    return changed


def _sweep_summary(claims, seeds, results) -> tuple[dict, str]:
    """Per claim: how many seeds gave each verdict, and the seeds it failed at."""
    from experiments.report import STATUSES

    table = {}
    for c in claims:
        counts = {s: 0 for s in STATUSES}
        bad = []
        for seed in seeds:
            r = results[seed].get(c.id)
            if r is None:
                continue
            counts[r.status] += 1
            if r.status in ("fail", "error"):
                bad.append(seed)
        table[c.id] = {"seeds_run": sum(counts.values()), **counts, "failed_seeds": bad}
    width = max((len(i) for i in table), default=10)
    lines = [f"{'claim'.ljust(width)}  {'passed':>8}  {'refuted':>7}  {'not rep.':>8}  failed at seeds",
             "-" * (width + 45)]
    for cid, row in table.items():
        ok = row["pass"] + row["refuted"] + row["not reproduced"]
        lines.append(f"{cid.ljust(width)}  {row['pass']:>3}/{row['seeds_run']:<4}  {row['refuted']:>7}  "
                     f"{row['not reproduced']:>8}  {','.join(map(str, row['failed_seeds'])) or '-'}"
                     + ("" if ok == row["seeds_run"] else "  FAIL"))
    n_bad = sum(1 for row in table.values() if row["failed_seeds"])
    lines += ["", f"{len(table)} claims x {len(seeds)} seeds: "
              f"{len(table) - n_bad} held at every seed, {n_bad} failed at some seed"]
    return table, "\n".join(lines)


def cmd_verify(args: argparse.Namespace) -> int:
    import time

    from experiments.figure_style import atomic_write_bytes
    from experiments.parallel import (DaskRunner, LocalRunner, SerialRunner, Task, default_jobs,
                                      group_tasks, parse_seeds, previous_seconds)
    from experiments.registry import select
    from experiments.report import ClaimResult, format_table, load_result, write_claim, write_reports

    check_out_dir(args.out)
    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"-j/--jobs must be a positive integer (got {args.jobs})")
    sweep = args.seeds is not None
    try:
        seeds = parse_seeds(args.seeds) if sweep else [args.seed]
    except ValueError as exc:
        raise UsageError(str(exc))
    loaded = _load_user(args)
    claims = select(only=args.only, tier=args.tier)
    user_sources = tuple(item.key for item in loaded)
    user_ids = {i for item in loaded for i in item.claims}
    if not claims:
        shown = ",".join(args.only) if args.only else None
        raise UsageError(f"no claims match --only {shown!r} at tier {args.tier!r}; see `ganac list`")
    by_id = {c.id: c for c in claims}
    out_root = Path(args.out)

    def seed_dir(seed: int) -> Path:
        return out_root / f"seed-{seed}" if sweep else out_root

    # A sweep checks robustness across seeds: no figures (render them with a plain --seed N run).
    with_figures = not args.no_figures and not sweep
    estimates = previous_seconds({seed_dir(s) for s in seeds})
    results: dict[int, dict] = {s: {} for s in seeds}
    tasks = []
    for seed in seeds:
        owner: dict[str, str] = {}
        for c in claims:
            if args.resume:
                done = load_result(seed_dir(seed), c.id)
                if (done is not None and done.seed == seed and done.run_tier == args.tier
                        and done.status != "error"):
                    results[seed][c.id] = done
                    continue
            # each figure is rendered once, by the worker running the first claim that lists it
            mine = tuple(n for n in c.figures if with_figures and owner.setdefault(n, c.id) == c.id)
            guess = 10.0 if "neural" in c.kinds else 1.0  # no earlier run to go by
            tasks.append(Task(module=c.check.__module__, claim_id=c.id, seed=seed, tier=args.tier,
                              out_dir=str(seed_dir(seed)), figures=mine, with_figures=with_figures,
                              estimate=estimates.get(c.id, guess),
                              sources=user_sources if c.id in user_ids else ()))

    jobs = args.jobs or default_jobs()
    n_groups = len(group_tasks(tasks))
    try:
        if args.scheduler:
            runner = DaskRunner(args.scheduler)
        elif jobs == 1 or n_groups <= 1:
            runner = SerialRunner(by_id)
        else:
            runner = LocalRunner(min(jobs, n_groups))
    except ImportError as exc:
        raise UsageError(str(exc))
    except (OSError, TimeoutError) as exc:
        raise UsageError(f"--scheduler {args.scheduler!r}: cannot connect ({exc})")

    rendered: dict[int, dict] = {s: {} for s in seeds}
    interrupted = finished_normally = False
    show_progress = not args.json and not args.no_progress and sys.stderr.isatty()
    # Ctrl-C is recorded as well as raised: a neural solver catches KeyboardInterrupt and returns
    # its partial run, so a check run in this process may finish (or fail) after the interrupt.
    # Such a result is not a finished claim: it is neither kept nor written, and the run stops.
    # (Local workers ignore SIGINT; the parent cancels what is pending and terminates them.)
    sigint = {"seen": False}

    def on_sigint(signum, frame):
        sigint["seen"] = True
        raise KeyboardInterrupt

    try:
        previous_handler = signal.signal(signal.SIGINT, on_sigint)
    except ValueError:  # not the main thread: keep the current handler
        previous_handler = None
    bar = None
    if show_progress:
        from tqdm import tqdm

        bar = tqdm(total=len(tasks), desc="verify", file=sys.stderr, leave=False, unit="claim")
    last_report: dict[int, float] = {}
    n_done = 0
    try:
        for task, payload in runner.run(tasks):
            result = ClaimResult.from_json(payload["result"])
            rendered[task.seed].update(payload["rendered"])
            for name, msg in payload["figure_errors"].items():
                _stderr(f"  figure {name} failed: {msg}")
            _attach_figures(result, by_id[task.claim_id], rendered[task.seed])
            if sigint["seen"]:
                raise KeyboardInterrupt  # swallowed inside the check: see on_sigint
            write_claim(seed_dir(task.seed), result)
            results[task.seed][result.id] = result
            n_done += 1
            # the reports follow the finished claims, at most about once a second per folder
            now = time.monotonic()
            if now - last_report.get(task.seed, -1e9) >= 1.0:
                write_reports(seed_dir(task.seed), list(results[task.seed].values()),
                              seed=task.seed, tier=args.tier)
                last_report[task.seed] = time.monotonic()
            if bar is not None:
                bar.update(1)
                bar.set_postfix_str(result.id + (f" @ seed {task.seed}" if sweep else ""))
            elif not args.json:
                _stderr(f"  [{n_done}/{len(tasks)}] {result.id}{f' seed {task.seed}' if sweep else ''}: "
                        f"{result.status} ({result.seconds:.1f} s)")
        finished_normally = True
    except KeyboardInterrupt:
        interrupted = True
    finally:
        runner.shutdown(kill=not finished_normally)
        if bar is not None:
            bar.close()
        if previous_handler is not None:
            signal.signal(signal.SIGINT, previous_handler)
    if interrupted:
        kept = sum(len(r) for r in results.values())
        _stderr(f"\ninterrupted: {kept} finished claims kept in {out_root} "
                "(rerun with --resume to continue)")

    for seed in seeds:
        # a figure's owner may have finished after other claims listing it: add its files now
        for cid, result in results[seed].items():
            if _attach_figures(result, by_id[cid], rendered[seed]):
                write_claim(seed_dir(seed), result)
        write_reports(seed_dir(seed), list(results[seed].values()), seed=seed, tier=args.tier)

    ran = [results[s][c.id] for s in seeds for c in claims if c.id in results[s]]
    if sweep:
        table, text = _sweep_summary(claims, seeds, results)
        summary = {"seeds": seeds, "tier": args.tier, "interrupted": interrupted, "claims": table}
        atomic_write_bytes(out_root / "sweep.json", json.dumps(summary, indent=2).encode())
        atomic_write_bytes(out_root / "sweep.md", ("```\n" + text + "\n```\n").encode())
        if args.json:
            print(json.dumps(summary, indent=2))
        else:
            print(text)
            print(f"\nwrote {out_root / 'sweep.json'}, {out_root / 'sweep.md'} and seed-N/ folders")
    else:
        mine = [results[args.seed][c.id] for c in claims if c.id in results[args.seed]]
        if args.json:
            print(json.dumps([r.to_dict() for r in mine], indent=2))
        else:
            print(format_table(mine))
            slow = sorted((r for r in mine if r.cpu_seconds or r.figure_cpu_seconds),
                          key=lambda r: -(r.cpu_seconds + r.figure_cpu_seconds))[:5]
            if slow:
                print("slowest (CPU s, check + figures): " + ", ".join(
                    f"{r.id} {r.cpu_seconds + r.figure_cpu_seconds:.1f}" for r in slow))
            print(f"\nwrote {out_root / 'results.json'}, {out_root / 'report.md'}, "
                  f"{out_root / 'report.html'}")
    if interrupted:
        return 130
    # refuted (a finding) and not reproduced (declared, with its gap) are verdicts, not failures
    return 0 if all(r.status not in ("fail", "error") for r in ran) else 1


# ---------------------------------------------------------------------------------------------
# list


def cmd_list(args: argparse.Namespace) -> int:
    from experiments import figures as figure_registry
    from experiments.registry import select

    loaded = _load_user(args)
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
    for item in loaded:
        print(f"\nfrom --claims {item.source}: {len(item.claims)} claims ({', '.join(item.claims) or '-'}), "
              f"{len(item.derivations)} derivations ({', '.join(item.derivations) or '-'})")
    return 0


# ---------------------------------------------------------------------------------------------
# figures


def cmd_figures(args: argparse.Namespace) -> int:
    from experiments import figures as figure_registry

    check_out_dir(args.out)
    names = args.names or [f.name for f in figure_registry.all_figures()]
    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    bad = [f for f in formats if f not in FIGURE_FORMATS]
    if bad or not formats:
        # checked before rendering anything: a bad entry must not leave some formats written
        raise UsageError(f"--format must be a comma-separated list of {', '.join(FIGURE_FORMATS)} "
                         f"(got {args.format!r})")
    status = 0
    for name in _progress(names, len(names), "figures", sys.stderr.isatty()):
        try:
            paths = figure_registry.render(name, Path(args.out), seed=args.seed, fast=not args.full,
                                           formats=formats)
            if args.style == "paper":
                # the same figure again in the paper style, at one- and two-column widths
                from experiments.figure_style import render_paper

                paths += render_paper(name, Path(args.out), seed=args.seed, fast=not args.full)
        except KeyError as exc:
            _stderr(str(exc.args[0]))
            status = 2
            continue
        print(f"{name}: " + ", ".join(str(p) for p in paths))
        paper_sidecars = [p for p in paths if p.suffix == ".json" and p.name.count(".") == 2]
        for sidecar in paper_sidecars:  # NAME.1col.json, NAME.2col.json
            info = json.loads(sidecar.read_text())
            if not info.get("layout_fits", True):
                _stderr(f"  {sidecar.with_suffix('.pdf').name}: the drawing does not fit {info['width_in']:g} in "
                        "(labels collide or stick out); use the wider version or a builder made for it")
    return status


# ---------------------------------------------------------------------------------------------
# report


def cmd_report(args: argparse.Namespace) -> int:
    from experiments.figure_style import atomic_write_bytes
    from experiments.report import ReportError, latex_table, rebuild_reports, summary_line

    if args.run_seed is not None and args.run_seed < 0:
        raise UsageError("--seed must be a non-negative integer")
    out = Path(args.out)
    if not out.is_dir():
        raise UsageError(f"--out {args.out!r} is not a folder (run `ganac verify --out {args.out}` first)")
    try:
        results = rebuild_reports(out, seed=args.run_seed, tier=args.tier)
    except ReportError as exc:
        raise UsageError(f"ganac report: {exc}")
    written = [out / "results.json", out / "report.md", out / "report.html"]
    if args.latex:
        target = Path(args.latex)
        if target.is_dir():
            raise UsageError(f"--latex {args.latex!r} is a folder; give a file name such as claims.tex")
        try:
            atomic_write_bytes(target, latex_table(results).encode("ascii"))
        except OSError as exc:
            raise UsageError(f"--latex {args.latex!r} cannot be written: {exc.strerror or exc}")
        written.append(target)
    print(summary_line(results))
    print("wrote " + ", ".join(str(p) for p in written))
    return 0


# ---------------------------------------------------------------------------------------------
# derive


def derivation_of(ident: str):
    """The derivation with id ``ident``, or the one a claim with that id records; KeyError."""
    import proofs_check
    from experiments.registry import REGISTRY, load_all

    load_all()  # ganac's claims and the plugins (whose derivations register on import)
    if ident in proofs_check.ids(include_examples=True):
        return proofs_check.get(ident)
    if ident in REGISTRY:
        c = REGISTRY[ident]
        if c.derivation is None:
            raise KeyError(f"claim {ident!r} records no derivation (its @claim has no "
                           "derivation='ID'); see `ganac list` for the derivation ids")
        return proofs_check.get(c.derivation)
    return proofs_check.get(ident)  # raises KeyError listing the known ids


def cmd_derive(args: argparse.Namespace) -> int:
    _load_user(args)
    try:
        derivation = derivation_of(args.id)
    except KeyError as exc:
        raise UsageError(str(exc.args[0])) from None  # the message already lists the known ids
    report = derivation.check()
    print(report.format())
    return 0 if report.ok else 1


# ---------------------------------------------------------------------------------------------
# show


def _describe_dotted(name: str | None) -> str:
    if name is None:
        return "not recorded"
    from experiments.registry import resolve_dotted

    try:
        obj = resolve_dotted(name)
    except (ImportError, AttributeError) as exc:
        return f"{name}  (cannot be imported: {exc})"
    doc = (getattr(obj, "__doc__", None) or "").strip().splitlines()
    return f"{name}" + (f"  -- {doc[0].strip()}" if doc else "")


def _mentions(claim_id: str, folders: list[tuple[Path, str]]) -> list[str]:
    """``file:line`` of every line naming the claim id, in files matching each folder's glob."""
    hits = []
    for folder, pattern in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob(pattern)):
            try:
                lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                continue
            hits += [f"{path}:{n}" for n, line in enumerate(lines, 1) if claim_id in line]
    return hits


def cmd_show(args: argparse.Namespace) -> int:
    import inspect

    import experiments
    import proofs_check
    from experiments.registry import REGISTRY, load_all
    from experiments.report import load_result

    loaded = _load_user(args)
    load_all()
    c = REGISTRY.get(args.id)
    if c is None:
        raise UsageError(f"no claim with id {args.id!r}; see `ganac list`")
    pad = "  "
    try:
        where = f"{inspect.getsourcefile(c.check)}:{inspect.getsourcelines(c.check)[1]}"
    except (OSError, TypeError):
        where = "?"
    print(c.id)
    print(f"{pad}statement:   {c.statement}")
    print(f"{pad}source:      {c.source}")
    print(f"{pad}kinds:       {', '.join(c.kinds)}  (tier {c.tier})")
    print(f"{pad}check:       {c.check.__module__}.{c.check.__qualname__}  ({where})")
    print(f"{pad}closed form: {_describe_dotted(c.closed_form)}")
    print(f"{pad}solver:      {_describe_dotted(c.solver)}")
    print(f"{pad}problem:     {_describe_dotted(c.problem)}")
    if c.derivation is None:
        print(f"{pad}derivation:  not recorded")
    else:
        try:
            report = proofs_check.get(c.derivation).check()
        except KeyError as exc:
            print(f"{pad}derivation:  {c.derivation}  ({exc.args[0].split(';')[0]})")
        else:
            print(f"{pad}derivation:  {c.derivation}  ({'all steps check' if report.ok else 'FAILS'})")
            print("\n".join(f"{pad}  {line}" for line in report.format().splitlines()))
    folders = [(Path(experiments.__file__).resolve().parents[1] / "tests", "*.py")]
    folders += sorted({(Path(item.key).parent, "test_*.py") for item in loaded
                       if c.id in item.claims and Path(item.key).is_file()})
    hits = _mentions(c.id, folders)
    print(f"{pad}tests:       " + (", ".join(hits[:12]) + (f", ... ({len(hits)} lines)" if len(hits) > 12 else "")
                                  if hits else "no test file names this id (it runs in the claim tests)"))
    out = Path(args.out)
    figs = []
    for name in c.figures:
        files = sorted(str(p) for p in (out / "figures").glob(f"{name}.*") if p.suffix != ".json")
        figs.append(f"{name}" + (f" ({', '.join(files)})" if files else " (not rendered in --out)"))
    print(f"{pad}figures:     {'; '.join(figs) or 'none'}")
    result = load_result(out, c.id)
    if result is None:
        print(f"{pad}last result: none in {out} (ganac verify --only {c.id} --out {out})")
    else:
        print(f"{pad}last result: {result.status} at seed {result.seed}, tier {result.run_tier}, "
              f"{result.seconds:.2f} s  ({out / 'claims'})")
        for part, ev in result.parts.items():
            print(f"{pad}  {part or '(single)'}: {ev.get('outcome') or ('pass' if ev.get('passed') else 'fail')}, "
                  f"error {ev.get('error')} vs tolerance {ev.get('tolerance')} ({ev.get('tolerance_reason')})")
        if result.error:
            print(f"{pad}  error: {result.error.strip().splitlines()[-1]}")
    return 0


# ---------------------------------------------------------------------------------------------
# check, init


def cmd_check(args: argparse.Namespace) -> int:
    from proofs_check.check import StatementError, check_statement

    try:
        result = check_statement(args.statement, assume=args.assume, latex=args.latex, seed=args.seed)
    except StatementError as exc:
        raise UsageError(f"ganac check: {exc}")
    print(result.format())
    return result.exit_code


def cmd_init(args: argparse.Namespace) -> int:
    from experiments.init_template import write_template

    try:
        written = write_template(Path(args.folder), force=args.force)
    except (FileExistsError, OSError) as exc:
        raise UsageError(f"ganac init: {exc}")
    for path in written:
        print(f"wrote {path}")
    print(f"next: cd {args.folder} && ganac verify --claims claims.py --only mypaper2024 -j 1")
    return 0


# ---------------------------------------------------------------------------------------------
# bench


def cmd_bench(args: argparse.Namespace) -> int:
    from experiments.bench import all_benchmarks
    from experiments.figure_style import atomic_write_bytes

    check_out_dir(args.out)
    benches = all_benchmarks()
    # A name selects the benchmark of that name and its "<name>-..." family (`ganac bench rl`
    # runs "rl" and "rl-seqgan"), each once, in sorted order.
    requested = args.names or sorted(benches)
    unknown = [n for n in requested if not any(b == n or b.startswith(n + "-") for b in benches)]
    names = [b for b in sorted(benches) if any(b == n or b.startswith(n + "-") for n in requested)]
    if unknown:
        raise UsageError(f"unknown benchmark(s) {unknown}; available: {sorted(benches)}")
    from experiments.bench import format_machine, machine

    info = machine()  # before the runs: the load average then is the load the runs share
    if not args.json:
        print(format_machine(info))
    everything = {}
    for name in names:
        rows = benches[name](quick=args.quick)
        everything[name] = [r.to_dict() for r in rows]
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
    payload = {"machine": info, "results": everything}
    if args.out:
        atomic_write_bytes(Path(args.out) / "bench.json", json.dumps(payload, indent=2).encode())
    if args.json:
        print(json.dumps(payload, indent=2))
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
    p.add_argument("--only", metavar="PATTERN", action="append",
                   help="glob or substring of claim ids; repeat it or use commas for several")
    p.add_argument("--tier", choices=("fast", "full"), default="fast")
    p.add_argument("--out", default="ganac-out", help="output folder (default ./ganac-out)")
    p.add_argument("--json", action="store_true", help="print results as JSON instead of a table")
    seeds = p.add_mutually_exclusive_group()
    seeds.add_argument("--seed", type=int, default=0)
    seeds.add_argument("--seeds", metavar="LIST",
                       help="sweep: run every claim at each seed (0-19, 0,3,5-7) into OUT/seed-N/, "
                            "print pass counts per claim; no figures")
    p.add_argument("-j", "--jobs", type=int, default=None, metavar="N",
                   help="worker processes (default: every core; 1 runs in this process)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help='run on a Dask distributed cluster (e.g. tcp://host:8786; pip install "ganac[dask]")')
    _add_claims_option(p)
    p.add_argument("--resume", action="store_true", help="skip claims already finished in --out")
    p.add_argument("--no-figures", action="store_true", help="do not render figures")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("list", help="list claims, figures and derivations")
    p.add_argument("--kind", choices=("symbolic", "exact", "neural"))
    p.add_argument("--paper")
    _add_claims_option(p)
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("figures", help="regenerate paper figures")
    p.add_argument("names", nargs="*", metavar="NAME")
    p.add_argument("--out", default="ganac-out/figures")
    p.add_argument("--format", default="pdf,png")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--full", action="store_true", help="full-size runs instead of the fast versions")
    p.add_argument("--style", choices=("default", "paper"), default="default",
                   help="paper: also write NAME.1col.pdf and NAME.2col.pdf (3.5 in and 7.0 in wide, 8 pt "
                        "type, fonts embedded), each with its JSON sidecar")
    p.set_defaults(func=cmd_figures)

    p = sub.add_parser("report", help="rebuild report.html and report.md from the finished claims in a "
                                      "folder (runs nothing); --latex for a paper's table")
    p.add_argument("--out", default="ganac-out", help="the folder `ganac verify --out` wrote (default ./ganac-out)")
    p.add_argument("--seed", type=int, default=None, dest="run_seed", help="which run, if the folder holds several")
    p.add_argument("--tier", choices=("fast", "full"), default=None, help="which run, if the folder holds several")
    p.add_argument("--latex", metavar="FILE",
                   help="also write the claims as a LaTeX table (booktabs, longtable) to FILE")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("derive", help="print and check a symbolic derivation (or a claim's)")
    p.add_argument("id", help="a derivation id, or a claim id whose @claim records derivation=")
    _add_claims_option(p)
    p.set_defaults(func=cmd_derive)

    p = sub.add_parser("show", help="a claim's whole chain: statement, source, closed form, "
                                    "solver, problem, derivation, tests, figures, last result")
    p.add_argument("id", metavar="CLAIM_ID")
    p.add_argument("--out", default="ganac-out", help="where to look for the last result (default ./ganac-out)")
    _add_claims_option(p)
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("check", help="one statement: proved, refuted (counterexample) or undecided")
    p.add_argument("statement", help='"EXPR REL EXPR", REL one of <= < >= > == (every symbol is real)')
    p.add_argument("--assume", metavar="COND", action="append", default=[],
                   help='a condition such as "x > 0" or "0 < p < 1"; repeatable')
    p.add_argument("--latex", action="store_true",
                   help='read the statement (and --assume) as LaTeX (pip install "ganac[latex]")')
    p.add_argument("--seed", type=int, default=0, help="seed of the random counterexample search")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("init", help="write a starting point for your own claims into FOLDER")
    p.add_argument("folder", metavar="FOLDER")
    p.add_argument("--force", action="store_true", help="overwrite files that exist")
    p.set_defaults(func=cmd_init)

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
    from experiments.user import ClaimsError

    try:
        if getattr(args, "seed", 0) < 0:
            raise UsageError("--seed must be a non-negative integer")
        return args.func(args)
    except UsageError as exc:
        _stderr(str(exc))
        return 2
    except ClaimsError as exc:  # a user's file or an installed plugin: one message, exit 2
        _stderr(f"ganac: {exc}")
        cause = exc.__cause__
        if cause is not None:  # the user's own code raised: show where, in their file
            import traceback

            frames = [f for f in traceback.extract_tb(cause.__traceback__)
                      if "importlib" not in f.filename and "/experiments/user.py" not in f.filename]
            for line in traceback.format_list(frames[-3:]):
                _stderr(line.rstrip())
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
