"""Running claims and writing their results: per-claim JSON, ``results.json``, ``report.md``
and ``report.html``, every file written atomically so an interrupted run loses nothing.
"""

from __future__ import annotations

import dataclasses
import html
import json
import platform
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from experiments import __version__
from experiments.figures._style import atomic_write_bytes
from experiments.registry import KINDS, Claim, Context, jsonable, combine_outcomes
from theory.deprecation import deprecated_method

__all__ = ["ClaimResult", "run_claim", "claim_path", "load_result", "collect_results", "write_reports",
           "format_table", "summary_counts", "STATUSES"]

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
    return ClaimResult(
        id=claim.id,
        statement=claim.statement,
        source=claim.source,
        kinds=list(claim.kinds),
        tier=claim.tier,
        seed=ctx.seed,
        status=status,
        seconds=round(time.perf_counter() - start, 3),
        parts=payload,
        figures=figures,
        error=error,
        run_tier=ctx.tier,
        cpu_seconds=round(time.process_time() - cpu, 3),
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


# ---------------------------------------------------------------------------------------------
# Formatting


def _fmt_value(value: Any, width: int = 22) -> str:
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool):
        text = str(value)
    elif isinstance(value, (int, float)):
        text = f"{value:.6g}"
    elif isinstance(value, list):
        flat = np.asarray(value, dtype=object).ravel().tolist() if value else []
        shown = ", ".join(_fmt_value(v, 12) for v in flat[:3])
        text = f"[{shown}{', ...' if len(flat) > 3 else ''}]"
        if len(flat) > 3:
            text += f" (n={len(flat)})"
    elif isinstance(value, dict):
        text = "{" + ", ".join(f"{k}: {_fmt_value(v, 12)}" for k, v in list(value.items())[:3]) + "}"
    else:
        text = str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _part_kind(part: str, kinds: list) -> str:
    head = part.split("-", 1)[0]
    return head if head in KINDS else ",".join(kinds)


def _part_outcome(ev: dict) -> str:
    outcome = ev.get("outcome") or ("pass" if ev["passed"] else "fail")
    return "FAIL" if outcome == "fail" else outcome


def _rows(results: list[ClaimResult]) -> list[list[str]]:
    """One header row per claim (id, source, verdict), then one row per evidence part."""
    rows = []
    for r in results:
        verdict = {"pass": "PASS", "fail": "FAIL", "error": "ERROR", "refuted": "REFUTED",
                   "not reproduced": "NOT REPRODUCED"}[r.status]
        rows.append([r.id, _fmt_value(r.source, 60), "", "", "", "", verdict])
        if r.status == "error" or not r.parts:
            last = r.error.strip().splitlines()[-1] if r.error else "no evidence"
            rows.append(["  (check raised)", ",".join(r.kinds), "-", "-", "-", "-", last[:60]])
            continue
        for part, ev in r.parts.items():
            rows.append([
                "  " + (part or "check"),
                _part_kind(part, r.kinds),
                _fmt_value(ev["predicted"]),
                _fmt_value(ev["measured"]),
                f"{ev['error']:.2e}",
                f"{ev['tolerance']:.2e}",
                _part_outcome(ev),
            ])
    return rows


HEADER = ["claim / evidence", "kind / source", "predicted", "measured", "error", "tolerance", "status"]


def format_table(results: list[ClaimResult]) -> str:
    """A plain-text table: a line per claim (id, source, verdict) and a line per evidence part."""
    rows = _rows(results)
    # Claim rows carry the long source in the kind column; leave them out of the width count.
    part_rows = [row for row in rows if row[0].startswith("  ")]
    widths = [max(len(h), *(len(row[i]) for row in part_rows)) if part_rows else len(h)
              for i, h in enumerate(HEADER)]

    def line(cells):
        if not cells[0].startswith("  ") and cells[0] != HEADER[0] and not cells[0].startswith("-"):
            head = f"{cells[0]}  ({cells[1]})"
            return head.ljust(sum(widths) + 2 * (len(widths) - 1) - len(cells[6])) + cells[6]
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()

    out = [line(HEADER), line(["-" * w for w in widths])]
    out += [line(row) for row in rows]
    out.append("")
    bad = [r.id for r in results if r.status in ("fail", "error")]
    out.append(summary_line(results) + (f"; failing: {', '.join(bad)}" if bad else ""))
    for status, label in (("refuted", "refuted (the paper's statement, shown false)"),
                          ("not reproduced", "not reproduced (declared, with the measured gap)")):
        ids = [r.id for r in results if r.status == status]
        if ids:
            out.append(f"{label}: {', '.join(ids)}")
    return "\n".join(out)


def _failure_details(r: ClaimResult) -> list[str]:
    lines = []
    if r.status == "error":
        lines += ["```", r.error.strip(), "```"]
    for part, ev in r.parts.items():
        if not ev["passed"]:
            lines.append(f"- part `{part or 'main'}`: predicted `{ev['predicted']}`, measured "
                         f"`{ev['measured']}`, error {ev['error']:.3g} > tolerance "
                         f"{ev['tolerance']:.3g} ({ev['tolerance_reason']})")
    return lines


def _parts_with(results: list[ClaimResult], outcome: str) -> list[tuple[ClaimResult, str, dict]]:
    """(claim, part, evidence) for every evidence part whose outcome is ``outcome``."""
    return [(r, part, ev) for r in results for part, ev in r.parts.items() if ev.get("outcome") == outcome]


def _not_reproduced_lines(results: list[ClaimResult]) -> list[str]:
    """Markdown: each declared non-reproduction with its measured gap and why."""
    found = _parts_with(results, "not reproduced")
    if not found:
        return []
    out = ["## Not reproduced", "",
           "Statements checked as printed that this package does not reproduce at its scale; the "
           "gap is measured and declared, not a failure of the implementation.", ""]
    for r, part, ev in found:
        out.append(f"- `{r.id}`{' part `' + part + '`' if part else ''} ({r.source}): predicted "
                   f"`{_fmt_value(ev['predicted'], 80)}`, measured `{_fmt_value(ev['measured'], 80)}`, "
                   f"gap {ev['error']:.3g} against tolerance {ev['tolerance']:.3g} "
                   f"({ev['tolerance_reason']}). Why: {ev['details'].get('not_reproduced', '')}")
    return out + [""]


def _refuted_lines(results: list[ClaimResult]) -> list[str]:
    """Markdown: each statement, as printed, with the verified counterexample that refutes it."""
    found = _parts_with(results, "refuted")
    if not found:
        return []
    out = ["## Where the literature is wrong or imprecise", "",
           "Statements registered as the paper prints them, each shown false by a verified "
           "counterexample (a finding, not a failure).", ""]
    for r, part, ev in found:
        d = ev["details"]
        out.append(f"- `{r.id}`{' part `' + part + '`' if part else ''} ({r.source}): printed "
                   f"\"{d.get('printed', r.statement)}\"; at {_fmt_value(d.get('counterexample', {}), 120)} "
                   f"the two sides are {_fmt_value(ev['measured'], 60)} and "
                   f"{_fmt_value(ev['predicted'], 60)} ({ev['tolerance_reason']})")
    return out + [""]


def report_markdown(results: list[ClaimResult], meta: dict, out_dir: Path | None = None) -> str:
    out = [
        "# ganac verification report",
        "",
        f"ganac {meta['version']} · seed {meta['seed']} · tier {meta['tier']} · "
        f"{summary_line(results)} · Python {meta['python']}",
        "",
        "| claim / evidence | kind / source | predicted | measured | error | tolerance | status |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in _rows(results):
        cells = [f"**{row[0]}**" if not row[0].startswith("  ") else row[0].strip()] + row[1:]
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    out.append("")
    out += _refuted_lines(results)
    out += _not_reproduced_lines(results)
    for r in results:
        out += [f"## `{r.id}` — {r.status}", "", r.statement, "", f"*Source:* {r.source}  ",
                f"*Kinds:* {', '.join(r.kinds)} · *tier:* {r.tier} · *time:* {r.seconds:.2f} s", ""]
        for part, ev in r.parts.items():
            out.append(f"- **{part or 'check'}**: {_part_outcome(ev)} — error "
                       f"{ev['error']:.3g} within {ev['tolerance']:.3g} ({ev['tolerance_reason']})")
        out += _failure_details(r) if r.status in ("fail", "error") else []
        for fig in r.figures:
            if fig.endswith(".png"):
                out.append(f"\n![{fig}]({fig})")
            elif fig.endswith(".md") and out_dir is not None and (Path(out_dir) / fig).exists():
                out += ["", (Path(out_dir) / fig).read_text().strip()]
        out.append("")
    return "\n".join(out)


def _markdown_table_html(text: str) -> str:
    """A Markdown pipe table (as written by table figures) as an HTML table; other lines as text."""
    esc = html.escape
    rows, other = [], []
    for line in text.strip().splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not all(set(c) <= set("-: ") for c in cells):
                rows.append(cells)
        elif line.strip():
            other.append(f"<p>{esc(line)}</p>")
    if not rows:
        return "".join(other)
    head = "".join(f"<th>{esc(c)}</th>" for c in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in rows[1:])
    return f"<table><tr>{head}</tr>{body}</table>" + "".join(other)


def report_html(results: list[ClaimResult], meta: dict, out_dir: Path | None = None) -> str:
    esc = html.escape
    rows = "\n".join(
        "<tr class='{}'>{}</tr>".format(
            "claim" if not row[0].startswith("  ") else
            ("bad" if row[6] == "FAIL" else "note" if row[6] in ("refuted", "not reproduced") else "ok"),
            "".join(f"<td>{esc(c)}</td>" for c in row))
        for row in _rows(results)
    )
    sections = []
    for r in results:
        parts = "".join(
            f"<li><b>{esc(part or 'check')}</b>: {esc(_part_outcome(ev))} — error "
            f"{ev['error']:.3g} within {ev['tolerance']:.3g} ({esc(ev['tolerance_reason'])})"
            f"<br><small>predicted: {esc(_fmt_value(ev['predicted'], 200))}; measured: "
            f"{esc(_fmt_value(ev['measured'], 200))}</small></li>"
            for part, ev in r.parts.items())
        err = f"<pre>{esc(r.error)}</pre>" if r.error else ""
        figs = "".join(f"<figure><img src='{esc(f)}' alt='{esc(f)}'><figcaption>{esc(f)}</figcaption></figure>"
                       for f in r.figures if f.endswith(".png"))
        figs += "".join(_markdown_table_html((Path(out_dir) / f).read_text())
                        for f in r.figures
                        if f.endswith(".md") and out_dir is not None and (Path(out_dir) / f).exists())
        sections.append(
            f"<section id='{esc(r.id)}'><h2>{esc(r.id)} — {esc(r.status)}</h2><p>{esc(r.statement)}</p>"
            f"<p><i>Source:</i> {esc(r.source)} · <i>kinds:</i> {esc(', '.join(r.kinds))} · "
            f"<i>time:</i> {r.seconds:.2f} s</p><ul>{parts}</ul>{err}{figs}</section>")
    head = "".join(f"<th>{esc(h)}</th>" for h in HEADER)
    verdicts = ""
    for title, found in (("Where the literature is wrong or imprecise", _refuted_lines(results)),
                         ("Not reproduced", _not_reproduced_lines(results))):
        if found:
            # the Markdown lines without their heading: "- `id` ...: text" becomes a list item
            items = "".join(f"<li>{esc(line[2:].replace('`', ''))}</li>"
                            for line in found if line.startswith("- "))
            intro = esc(found[2])
            verdicts += f"<section class='verdicts'><h2>{esc(title)}</h2><p>{intro}</p><ul>{items}</ul></section>"
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>ganac verification report</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:auto}} table{{border-collapse:collapse;font-size:13px}}
td,th{{border:1px solid #ccc;padding:3px 6px;text-align:left}} tr.bad td{{background:#fdd}} tr.note td{{background:#ffd}} tr.claim td{{background:#eef;font-weight:bold}}
img{{max-width:640px}} pre{{background:#f6f6f6;padding:6px;overflow:auto}}</style></head>
<body><h1>ganac verification report</h1>
<p>ganac {esc(meta['version'])} · seed {meta['seed']} · tier {esc(meta['tier'])} ·
{esc(summary_line(results))}</p>
<table><tr>{head}</tr>
{rows}
</table>
{verdicts}
{''.join(sections)}
</body></html>
"""


def write_reports(out_dir: Path, results: list[ClaimResult], *, seed: int, tier: str) -> list[ClaimResult]:
    """(Re)write ``results.json``, ``report.md`` and ``report.html`` from every finished claim in
    ``out_dir`` at ``seed`` and ``tier`` (see :func:`collect_results`); returns those claims."""
    out_dir = Path(out_dir)
    results = collect_results(out_dir, results, seed=seed, tier=tier)
    meta = {"version": __version__, "seed": seed, "tier": tier, "python": platform.python_version(),
            "numpy": np.__version__}
    summary = {
        **meta,
        "n_claims": len(results),
        "n_passed": sum(r.status == "pass" for r in results),
        "counts": summary_counts(results),
        "claims": [r.to_dict() for r in results],
    }
    atomic_write_bytes(out_dir / "results.json", json.dumps(summary, indent=2).encode())
    atomic_write_bytes(out_dir / "report.md", report_markdown(results, meta, out_dir).encode())
    atomic_write_bytes(out_dir / "report.html", report_html(results, meta, out_dir).encode())
    return results
