"""Running a claim and keeping its result: :class:`ClaimResult`, one JSON file per finished claim
in ``OUT/claims/`` (written atomically, so an interrupted run loses nothing), and the verdict
counts the reports print."""

from __future__ import annotations

import dataclasses
import datetime
import json
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from experiments.figure_style import atomic_write_bytes
from experiments.registry import Claim, Context, jsonable, combine_outcomes
from theory.deprecation import deprecated_method

__all__ = ["ClaimResult", "run_claim", "claim_path", "load_result", "collect_results", "write_claim",
           "summary_counts", "summary_line", "STATUSES"]

#: A claim's verdicts, in the order the summaries count them.
STATUSES = ("pass", "fail", "refuted", "not reproduced", "error")


@dataclass
class ClaimResult:
    """The outcome of one claim: its metadata, one evidence record per part, and the verdict."""

    id: str
    statement: str
    source: str
    kinds: list
    tier: str
    seed: int
    status: str  # "pass", "fail", "refuted", "not reproduced" or "error"
    seconds: float
    parts: dict = field(default_factory=dict)  # part name -> Evidence.to_dict()
    figures: list = field(default_factory=list)
    error: str = ""
    run_tier: str = "fast"  # the tier of the run (ctx.tier), which checks may read; `tier` is the claim's
    cpu_seconds: float = 0.0  # CPU time of the check in the process that ran it
    figure_seconds: float = 0.0  # wall time of rendering the figures this claim owned in the run
    figure_cpu_seconds: float = 0.0
    #: the claim's derivations with their steps as MathML (experiments.report.derivation); None in
    #: results written before they were recorded
    derivations: list | None = None
    finished: str = ""  # when the check finished: ISO 8601, UTC, to the second

    def to_dict(self) -> dict:
        return jsonable(self.__dict__)

    to_json = deprecated_method("to_dict")

    @classmethod
    def from_json(cls, data: dict) -> "ClaimResult":
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def claim_path(out_dir: Path, claim_id: str) -> Path:
    """Where one claim's result lives: ``out/claims/<paper>__<name>.json``."""
    return Path(out_dir) / "claims" / (claim_id.replace("/", "__") + ".json")


def load_result(out_dir: Path, claim_id: str) -> ClaimResult | None:
    path = claim_path(out_dir, claim_id)
    if not path.exists():
        return None
    try:
        return ClaimResult.from_json(json.loads(path.read_text()))
    except (ValueError, TypeError):
        return None  # unreadable: run it again


def run_claim(claim: Claim, ctx: Context) -> ClaimResult:
    """Run one claim's check, turning an exception into an ``error`` result with its traceback."""
    start, cpu = time.perf_counter(), time.process_time()
    try:
        parts = claim.run(ctx)
        status = combine_outcomes(ev.outcome for ev in parts.values())
        figures = sorted({f for ev in parts.values() for f in ev.figures})
        payload = {name: ev.to_dict() for name, ev in parts.items()}
        error = ""
    except Exception:  # a broken check is reported, not allowed to stop the run
        status, payload, figures, error = "error", {}, [], traceback.format_exc()
        parts = {}
    seconds = round(time.perf_counter() - start, 3)
    cpu_seconds = round(time.process_time() - cpu, 3)
    try:  # the derivations' steps as MathML, for the report (not timed with the check)
        from experiments.report.derivation import derivation_records

        derivations = derivation_records(claim, parts)
    except Exception as exc:  # the report must not cost the verdict
        derivations = [{"id": "", "title": "", "source": "", "notes": "", "outcome": None, "summary": "",
                        "steps": [], "error": f"{type(exc).__name__}: {exc}"}]
    return ClaimResult(
        id=claim.id,
        statement=claim.statement,
        source=claim.source,
        kinds=list(claim.kinds),
        tier=claim.tier,
        seed=ctx.seed,
        status=status,
        seconds=seconds,
        parts=payload,
        figures=figures,
        error=error,
        run_tier=ctx.tier,
        cpu_seconds=cpu_seconds,
        derivations=derivations,
        finished=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


def collect_results(out_dir: Path, results: list[ClaimResult], *, seed: int, tier: str) -> list[ClaimResult]:
    """Every finished claim in ``out_dir/claims`` run at ``seed`` and ``tier``, overlaid with
    ``results`` (this run's), sorted by id.

    Two runs with different ``--only`` into one folder thus give one report covering both; a
    claim finished at another seed or tier is left out (it is not the same run).
    """
    merged: dict[str, ClaimResult] = {}
    folder = Path(out_dir) / "claims"
    if folder.is_dir():
        for path in sorted(folder.glob("*.json")):
            try:
                r = ClaimResult.from_json(json.loads(path.read_text()))
            except (OSError, ValueError, TypeError):
                continue  # unreadable (or an older format): not a finished claim of this run
            if r.seed == seed and r.run_tier == tier:
                merged[r.id] = r
    for r in results:
        merged[r.id] = r
    return [merged[k] for k in sorted(merged)]


def summary_counts(results: list[ClaimResult]) -> dict[str, int]:
    """How many claims have each verdict (``STATUSES``)."""
    return {s: sum(r.status == s for r in results) for s in STATUSES}


def summary_line(results: list[ClaimResult]) -> str:
    """``N claims: a passed, b failed, c refuted, d not reproduced, e errors``."""
    c = summary_counts(results)
    words = [f"{c['pass']} passed", f"{c['fail']} failed", f"{c['refuted']} refuted",
             f"{c['not reproduced']} not reproduced"]
    if c["error"]:
        words.append(f"{c['error']} errors")
    return f"{len(results)} claims: " + ", ".join(words)


def write_claim(out_dir: Path, result: ClaimResult) -> Path:
    path = claim_path(out_dir, result.id)
    atomic_write_bytes(path, json.dumps(result.to_dict(), indent=2).encode())
    return path
