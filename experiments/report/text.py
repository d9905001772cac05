"""The plain-text table ``ganac verify`` prints and the Markdown report (``report.md``)."""

from __future__ import annotations

from pathlib import Path

from experiments.report.results import ClaimResult, summary_line
from experiments.report.values import VERDICT_LABELS, format_value, paper_of, part_kind, part_outcome

__all__ = ["HEADER", "table_rows", "format_table", "report_markdown", "refuted_lines", "not_reproduced_lines",
           "parts_with"]

HEADER = ["claim / evidence", "kind / source", "predicted", "measured", "error", "tolerance", "status"]


def table_rows(results: list[ClaimResult]) -> list[list[str]]:
    """One header row per claim (id, source, verdict), then one row per evidence part."""
    rows = []
    for r in results:
        rows.append([r.id, format_value(r.source, 60), "", "", "", "", VERDICT_LABELS[r.status]])
        if r.status == "error" or not r.parts:
            last = r.error.strip().splitlines()[-1] if r.error else "no evidence"
            rows.append(["  (check raised)", ",".join(r.kinds), "-", "-", "-", "-", last[:60]])
            continue
        for part, ev in r.parts.items():
            rows.append([
                "  " + (part or "check"),
                part_kind(part, r.kinds),
                format_value(ev["predicted"]),
                format_value(ev["measured"]),
                f"{float(ev['error']):.2e}",
                f"{float(ev['tolerance']):.2e}",
                part_outcome(ev),
            ])
    return rows


def format_table(results: list[ClaimResult]) -> str:
    """A plain-text table: a line per claim (id, source, verdict) and a line per evidence part."""
    rows = table_rows(results)
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


def parts_with(results: list[ClaimResult], outcome: str) -> list[tuple[ClaimResult, str, dict]]:
    """(claim, part, evidence) for every evidence part whose outcome is ``outcome``."""
    return [(r, part, ev) for r in results for part, ev in r.parts.items() if ev.get("outcome") == outcome]


def not_reproduced_lines(results: list[ClaimResult]) -> list[str]:
    """Markdown: each declared non-reproduction with its measured gap and why."""
    found = parts_with(results, "not reproduced")
    if not found:
        return []
    out = ["## Not reproduced", "",
           "Statements checked as printed that this package does not reproduce at its scale; the "
           "gap is measured and declared, not a failure of the implementation.", ""]
    for r, part, ev in found:
        out.append(f"- `{r.id}`{' part `' + part + '`' if part else ''} ({r.source}): predicted "
                   f"`{format_value(ev['predicted'], 80)}`, measured `{format_value(ev['measured'], 80)}`, "
                   f"gap {ev['error']:.3g} against tolerance {ev['tolerance']:.3g} "
                   f"({ev['tolerance_reason']}). Why: {ev['details'].get('not_reproduced', '')}")
    return out + [""]


def refuted_lines(results: list[ClaimResult]) -> list[str]:
    """Markdown: each statement, as printed, with the verified counterexample that refutes it."""
    found = parts_with(results, "refuted")
    if not found:
        return []
    out = ["## Where the literature is wrong or imprecise", "",
           "Statements registered as the paper prints them, each shown false by a verified "
           "counterexample (a finding, not a failure).", ""]
    for r, part, ev in found:
        d = ev["details"]
        out.append(f"- `{r.id}`{' part `' + part + '`' if part else ''} ({r.source}): printed "
                   f"\"{d.get('printed', r.statement)}\"; at {format_value(d.get('counterexample', {}), 120)} "
                   f"the two sides are {format_value(ev['measured'], 60)} and "
                   f"{format_value(ev['predicted'], 60)} ({ev['tolerance_reason']})")
    return out + [""]


def _derivation_lines(r: ClaimResult) -> list[str]:
    out = []
    for d in r.derivations or ():
        head = f"*Derivation* `{d['id']}`" + (f" — {d['title']}" if d.get("title") else "")
        if d.get("outcome"):
            head += f" ({d['outcome']}: {d.get('summary', '')})"
        out += [head, ""]
        if d.get("error"):
            out += [f"    could not be shown: {d['error']}", ""]
        for i, step in enumerate(d.get("steps", ()), 1):
            given = f" given {', '.join(step['given'])}" if step.get("given") else ""
            why = f" — {step['justification']}" if step.get("justification") else ""
            out.append(f"{i}. {step['name']}: `{step['text']}`{given}{why}")
        out.append("")
    return out


def report_markdown(results: list[ClaimResult], meta: dict, out_dir: Path | None = None) -> str:
    """``report.md``: the run's metadata, the table, the findings, then one section per paper
    with each claim's statement, source, evidence, derivation steps (as text) and figures."""
    machine = meta.get("machine") or {}
    versions = meta.get("versions") or {}
    out = [
        "# ganac verification report",
        "",
        f"ganac {meta['version']} · seed {meta['seed']} · tier {meta['tier']} · "
        f"{summary_line(results)} · Python {meta['python']}",
    ]
    if meta.get("date") or machine or versions:
        out += ["", f"Run {meta.get('date') or 'date unknown'}"
                + (f" on {machine.get('cpu', '?')}, {machine.get('cores', '?')} cores, {machine.get('os', '?')}"
                   if machine else "")
                + ("; " + ", ".join(f"{k} {v}" for k, v in versions.items()) if versions else "")]
    out += [
        "",
        "| claim / evidence | kind / source | predicted | measured | error | tolerance | status |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in table_rows(results):
        cells = [f"**{row[0]}**" if not row[0].startswith("  ") else row[0].strip()] + row[1:]
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    out.append("")
    out += refuted_lines(results)
    out += not_reproduced_lines(results)
    paper = None
    for r in results:
        if paper_of(r.id) != paper:
            paper = paper_of(r.id)
            out += [f"# {paper}", ""]
        out += [f"## `{r.id}` — {r.status}", "", r.statement, "", f"*Source:* {r.source}  ",
                f"*Kinds:* {', '.join(r.kinds)} · *tier:* {r.tier} · *time:* {r.seconds:.2f} s", ""]
        for part, ev in r.parts.items():
            out.append(f"- **{part or 'check'}**: {part_outcome(ev)} — error "
                       f"{ev['error']:.3g} within {ev['tolerance']:.3g} ({ev['tolerance_reason']})")
        out += _failure_details(r) if r.status in ("fail", "error") else []
        if r.parts:
            out.append("")
        out += _derivation_lines(r)
        for fig in r.figures:
            if fig.endswith(".png"):
                out.append(f"\n![{fig}]({fig})")
            elif fig.endswith(".md") and out_dir is not None and (Path(out_dir) / fig).exists():
                out += ["", (Path(out_dir) / fig).read_text().strip()]
        out.append("")
    return "\n".join(out)
