"""Writing an output folder's reports: ``results.json``, ``report.md`` and ``report.html`` while
``ganac verify`` runs (:func:`write_reports`), and again from the finished claims alone
(:func:`rebuild_reports`, ``ganac report``)."""

from __future__ import annotations

import functools
import json
import platform
from collections import Counter
from pathlib import Path

from experiments import __version__
from experiments.figure_style import atomic_write_bytes
from experiments.report.html import report_html
from experiments.report.results import ClaimResult, collect_results, summary_counts
from experiments.report.text import report_markdown
from experiments.report.values import path_roots, scrub_paths

__all__ = ["run_metadata", "write_reports", "rebuild_reports", "finished_runs", "ReportError"]


class ReportError(ValueError):
    """A folder the reports cannot be rebuilt from (no finished claims, several runs mixed)."""


@functools.cache
def _versions() -> dict:
    import matplotlib
    import numpy as np
    import scipy
    import sympy

    return {"ganac": __version__, "python": platform.python_version(), "numpy": np.__version__,
            "scipy": scipy.__version__, "sympy": sympy.__version__, "matplotlib": matplotlib.__version__}


@functools.cache
def _machine() -> dict:
    from experiments.bench import machine

    info = machine()
    return {"cpu": info.get("cpu"), "cores": info.get("cores"), "os": info.get("os"),
            "blas": info.get("blas")}


def _run_date(results: list[ClaimResult]) -> str:
    """When the run finished: the latest ``finished`` time of its claims (UTC)."""
    times = [r.finished for r in results if r.finished]
    return max(times) if times else ""


def run_metadata(results: list[ClaimResult], *, seed: int, tier: str, previous: dict | None = None) -> dict:
    """What the reports print about a run: seed, tier, date, versions and machine.

    ``previous`` (an earlier ``results.json``) supplies the versions and the machine when
    reports are rebuilt, so that they describe the run and not the machine re-rendering it.
    """
    previous = previous or {}
    versions = previous.get("versions") or _versions()
    machine = previous.get("machine") or _machine()
    date = _run_date(results) or previous.get("date") or ""
    return {"version": versions.get("ganac", __version__), "seed": seed, "tier": tier,
            "python": versions.get("python", platform.python_version()), "numpy": versions.get("numpy", ""),
            "versions": versions, "machine": machine, "date": date}


def _write(out_dir: Path, results: list[ClaimResult], meta: dict) -> None:
    summary = {
        **meta,
        "n_claims": len(results),
        "n_passed": sum(r.status == "pass" for r in results),
        "counts": summary_counts(results),
        "claims": [r.to_dict() for r in results],
    }
    atomic_write_bytes(out_dir / "results.json", json.dumps(summary, indent=2).encode())
    markdown = scrub_paths(report_markdown(results, meta, out_dir), path_roots(out_dir))
    atomic_write_bytes(out_dir / "report.md", markdown.encode())
    atomic_write_bytes(out_dir / "report.html", report_html(results, meta, out_dir).encode())


def write_reports(out_dir: Path, results: list[ClaimResult], *, seed: int, tier: str) -> list[ClaimResult]:
    """(Re)write ``results.json``, ``report.md`` and ``report.html`` from every finished claim in
    ``out_dir`` at ``seed`` and ``tier`` (see :func:`collect_results`); returns those claims."""
    out_dir = Path(out_dir)
    results = collect_results(out_dir, results, seed=seed, tier=tier)
    _write(out_dir, results, run_metadata(results, seed=seed, tier=tier))
    return results


def finished_runs(out_dir: Path) -> Counter:
    """How many finished claims ``out_dir/claims`` holds per (seed, tier) run."""
    runs: Counter = Counter()
    folder = Path(out_dir) / "claims"
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else ():
        try:
            r = ClaimResult.from_json(json.loads(path.read_text()))
        except (OSError, ValueError, TypeError):
            continue
        runs[(r.seed, r.run_tier)] += 1
    return runs


def _previous(out_dir: Path) -> dict:
    try:
        data = json.loads((Path(out_dir) / "results.json").read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def rebuild_reports(out_dir: Path, *, seed: int | None = None, tier: str | None = None) -> list[ClaimResult]:
    """Rewrite the reports of ``out_dir`` from its finished claims (``claims/*.json``), running
    nothing.  The run is ``seed``/``tier`` if given, else the one ``results.json`` names, else the
    only one in the folder.

    Raises
    ------
    ReportError
        If the folder holds no finished claim of that run, or several runs and none was chosen.
    """
    out_dir = Path(out_dir)
    runs = finished_runs(out_dir)
    if not runs:
        subfolders = sorted(p.name for p in out_dir.glob("seed-*") if (p / "claims").is_dir()) if out_dir.is_dir() else []
        hint = f" (a sweep: rebuild each of {', '.join(subfolders)})" if subfolders else ""
        raise ReportError(f"{out_dir} holds no finished claims (no claims/*.json){hint}")
    previous = _previous(out_dir)
    if seed is None and tier is None and "seed" in previous and "tier" in previous:
        if (previous["seed"], previous["tier"]) in runs:
            seed, tier = previous["seed"], previous["tier"]
    candidates = [run for run in runs if (seed is None or run[0] == seed) and (tier is None or run[1] == tier)]
    if not candidates:
        found = ", ".join(f"seed {s} tier {t} ({n} claims)" for (s, t), n in sorted(runs.items()))
        raise ReportError(f"{out_dir} holds no finished claims at seed {seed}, tier {tier}; it has {found}")
    if len(candidates) > 1:
        found = ", ".join(f"seed {s} tier {t} ({runs[(s, t)]} claims)" for s, t in sorted(candidates))
        raise ReportError(f"{out_dir} holds several runs ({found}); choose one with --seed and --tier")
    seed, tier = candidates[0]
    results = collect_results(out_dir, [], seed=seed, tier=tier)
    same_run = previous.get("seed") == seed and previous.get("tier") == tier
    _write(out_dir, results, run_metadata(results, seed=seed, tier=tier, previous=previous if same_run else None))
    return results

