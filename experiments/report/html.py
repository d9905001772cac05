"""``report.html``: one self-contained page, organised by paper.

The page needs nothing but itself: figures are embedded (each PNG once, as data inside an SVG
``<symbol>``, and drawn next to every claim that lists it with ``<use>``), derivation steps are
MathML (browsers render it without scripts), styles and the few lines of filtering script are
inline.  Without the script the page reads the same; the filter controls stay hidden.  No
absolute path of the machine is written (see :func:`experiments.report.values.scrub_paths`).
"""

from __future__ import annotations

import base64
import html
import json
import re
import struct
from collections import Counter
from pathlib import Path

from experiments.report.results import STATUSES, ClaimResult, summary_counts, summary_line
from experiments.report.text import parts_with
from experiments.report.values import format_value, paper_of, part_kind, part_outcome, path_roots, scrub_paths

__all__ = ["report_html", "markdown_table_html", "paper_citation"]

_LABELS = {"pass": "passed", "fail": "failed", "refuted": "refuted", "not reproduced": "not reproduced",
           "error": "error"}

_CSS = """
:root{--pass:#1b7f3b;--fail:#b3261e;--refuted:#6a3fb5;--nr:#8a6100;--error:#7a1010;--line:#d7d7de;--soft:#f5f5f8}
[hidden]{display:none!important}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.45;color:#1d1d22;
 max-width:1200px;margin:0 auto;padding:0 1.2rem 3rem}
h1{font-size:1.7rem;margin:1.2rem 0 .2rem} h2{font-size:1.35rem;border-bottom:2px solid var(--line);
 padding-bottom:.2rem;margin-top:2.2rem} h3{font-size:1.05rem;margin:0 0 .3rem;word-break:break-word}
.lede{color:#444;margin:.2rem 0 1rem}
table{border-collapse:collapse;font-size:.85rem;margin:.4rem 0}
td,th{border:1px solid var(--line);padding:.2rem .45rem;text-align:left;vertical-align:top}
th{background:var(--soft)} td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
td.bad{background:#fde4e1;font-weight:600} tr.total td{font-weight:600;background:var(--soft)}
dl.run{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;font-size:.9rem;margin:.6rem 0}
dl.run dt{font-weight:600;color:#444} dl.run dd{margin:0}
form#filters{position:sticky;top:0;z-index:2;background:#fff;border-bottom:1px solid var(--line);
 padding:.5rem 0;display:flex;flex-wrap:wrap;gap:.5rem 1.2rem;align-items:center;font-size:.9rem}
form#filters input[type=search]{min-width:16rem}
article.claim{border:1px solid var(--line);border-left:6px solid var(--line);border-radius:6px;
 padding:.7rem .9rem;margin:1rem 0;display:grid;grid-template-columns:minmax(0,1fr);gap:.4rem 1.2rem}
article.claim.has-figure{grid-template-columns:minmax(0,1fr) minmax(0,430px)}
@media (max-width:900px){article.claim.has-figure{grid-template-columns:minmax(0,1fr)}}
article.v-pass{border-left-color:var(--pass)} article.v-fail{border-left-color:var(--fail)}
article.v-refuted{border-left-color:var(--refuted)} article.v-not-reproduced{border-left-color:var(--nr)}
article.v-error{border-left-color:var(--error)}
.badge{display:inline-block;font-size:.75rem;font-weight:700;color:#fff;border-radius:3px;padding:.05rem .4rem;
 vertical-align:middle;margin-left:.4rem;text-transform:uppercase;letter-spacing:.03em}
.b-pass{background:var(--pass)} .b-fail{background:var(--fail)} .b-refuted{background:var(--refuted)}
.b-not-reproduced{background:var(--nr)} .b-error{background:var(--error)}
.statement{font-size:1.02rem;margin:.2rem 0} .source,.facts{color:#555;font-size:.88rem;margin:.15rem 0}
details{margin:.4rem 0} summary{cursor:pointer;font-weight:600;font-size:.92rem}
details.evidence table{width:100%} td.why{color:#555;font-size:.8rem}
ol.steps{padding-left:1.6rem;margin:.3rem 0} ol.steps li{margin:.35rem 0}
.step-name{font-weight:600;font-size:.88rem} .given,.just,.note{color:#555;font-size:.84rem} .given math{font-size:1.15em}
math[display=block]{margin:.2rem 0;overflow-x:auto;overflow-y:hidden;max-width:100%}
figure{margin:0} figure .figimg{width:100%;height:auto;display:block;border:1px solid var(--line);background:#fff}
figcaption{font-size:.82rem;color:#555;margin-top:.2rem}
pre.traceback{background:var(--soft);padding:.5rem;overflow:auto;font-size:.8rem}
ul.findings li{margin:.35rem 0}
"""

_SCRIPT = """
(function () {
  var form = document.getElementById("filters");
  if (!form || !document.querySelectorAll) { return; }
  form.hidden = false;
  var claims = document.querySelectorAll("article.claim");
  var papers = document.querySelectorAll("section.paper");
  var shown = document.getElementById("shown");
  function apply() {
    var v = form.elements.verdict.value, p = form.elements.paper.value;
    var q = form.elements.q.value.trim().toLowerCase(), n = 0;
    for (var i = 0; i < claims.length; i++) {
      var a = claims[i];
      var ok = (!v || a.getAttribute("data-verdict") === v) && (!p || a.getAttribute("data-paper") === p)
               && (!q || a.textContent.toLowerCase().indexOf(q) >= 0);
      a.hidden = !ok;
      if (ok) { n++; }
    }
    for (var j = 0; j < papers.length; j++) {
      papers[j].hidden = !papers[j].querySelector("article.claim:not([hidden])");
    }
    shown.textContent = n + " of " + claims.length + " claims shown";
  }
  if (window.URLSearchParams) {  // report.html?verdict=refuted&paper=mao2017&q=chi2 opens filtered
    var given = new URLSearchParams(window.location.search);
    ["verdict", "paper", "q"].forEach(function (name) {
      if (given.has(name)) { form.elements[name].value = given.get(name); }
    });
  }
  form.addEventListener("input", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  apply();
})();
"""


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or "x"


def _verdict_class(status: str) -> str:
    return status.replace(" ", "-")


_NAME = r"(?:(?:van|von|de|der|den|di|du|la|le)\s+)*[A-Z][\w'’-]+"
#: Authors then a year: "Lin (1991)", "Goodfellow et al. (2014)", "Arjovsky, Chintala & Bottou (2017)".
_CITATION = re.compile(rf"{_NAME}(?:(?:,\s*|\s*&\s*|\s+and\s+){_NAME})*(?:\s+et al\.)?\s*\(\d{{4}}[a-z]?\)")


def paper_citation(results: list[ClaimResult]) -> str:
    """The paper as the claims cite it: the most common first "authors (year)" of their sources,
    else the text before their first comma ("Goodfellow et al. (2014), Proposition 1" gives
    "Goodfellow et al. (2014)")."""
    def head(source: str) -> str:
        cited = _CITATION.search(source)  # "Arjovsky, Chintala & Bottou (2017)", "van Hasselt et al. (2016)"
        return (cited.group(0) if cited else source.split(",", 1)[0]).strip()

    heads = Counter(head(r.source) for r in results if r.source.strip())
    return heads.most_common(1)[0][0] if heads else ""


def markdown_table_html(text: str, esc=html.escape) -> str:
    """A Markdown pipe table (as written by table figures) as an HTML table; other lines as text."""
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


def _png_size(data: bytes) -> tuple[int, int] | None:
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", data[16:24])


def _svg_size(data: bytes) -> tuple[int, int] | None:
    head = data[:4000].decode("utf-8", "replace")
    m = re.search(r'viewBox="\s*[-\d.]+\s+[-\d.]+\s+([\d.]+)\s+([\d.]+)"', head)
    return (round(float(m.group(1))), round(float(m.group(2)))) if m else None


class _Figures:
    """Each image file once: an SVG ``<symbol>`` holding it as data, drawn where it is used."""

    def __init__(self, out_dir: Path | None):
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.symbols: dict[str, tuple[str, int, int]] = {}  # relative file -> (symbol id, w, h)
        self.defs: list[str] = []

    def sidecar(self, rel: str) -> dict:
        if self.out_dir is None:
            return {}
        path = self.out_dir / Path(rel).with_suffix(".json")
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def symbol(self, rel: str) -> tuple[str, int, int] | None:
        if rel in self.symbols:
            return self.symbols[rel]
        if self.out_dir is None:
            return None
        try:
            data = (self.out_dir / rel).read_bytes()
        except OSError:
            return None
        mime, size = ("image/png", _png_size(data)) if rel.endswith(".png") else ("image/svg+xml", _svg_size(data))
        if size is None:
            return None
        ident = f"img-{_slug(Path(rel).stem)}-{len(self.symbols)}"
        w, h = size
        uri = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
        self.defs.append(f'<symbol id="{ident}" viewBox="0 0 {w} {h}"><image href="{uri}" width="{w}" '
                         f'height="{h}"/></symbol>')
        self.symbols[rel] = (ident, w, h)
        return self.symbols[rel]

    def defs_html(self) -> str:
        if not self.defs:
            return ""
        return ('<svg width="0" height="0" style="position:absolute" aria-hidden="true" focusable="false">'
                "<defs>" + "".join(self.defs) + "</defs></svg>")


class _Page:
    def __init__(self, results: list[ClaimResult], meta: dict, out_dir: Path | None):
        self.results = results
        self.meta = meta
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.roots = path_roots(out_dir)
        self.figures = _Figures(out_dir)
        self.anchors: dict[str, str] = {}
        for r in results:
            base, n = "claim-" + _slug(r.id), 1
            ident = base
            while ident in self.anchors.values():
                n += 1
                ident = f"{base}-{n}"
            self.anchors[r.id] = ident
        self.by_paper: dict[str, list[ClaimResult]] = {}
        for r in results:
            self.by_paper.setdefault(paper_of(r.id), []).append(r)

    def t(self, value) -> str:
        """Text for the page: paths scrubbed, then escaped."""
        return html.escape(scrub_paths(str(value), self.roots))

    # -- top of the page ------------------------------------------------------------------------

    def run_info(self) -> str:
        m = self.meta
        machine = m.get("machine") or {}
        versions = m.get("versions") or {"ganac": m.get("version"), "python": m.get("python"),
                                         "numpy": m.get("numpy")}
        date = str(m.get("date") or "unknown").replace("T", " ").replace("Z", " UTC")
        rows = [("Date", date), ("Seed", m.get("seed")), ("Tier", m.get("tier"))]
        if machine:
            rows.append(("Machine", f"{machine.get('cpu', '?')}, {machine.get('cores', '?')} cores, "
                                    f"{machine.get('os', '?')}"))
        rows.append(("Versions", ", ".join(f"{k} {v}" for k, v in versions.items() if v)))
        return '<dl class="run">' + "".join(f"<dt>{self.t(k)}</dt><dd>{self.t(v)}</dd>" for k, v in rows) + "</dl>"

    def summary(self) -> str:
        head = ("<tr><th>paper</th><th>cited as</th><th class='num'>claims</th>"
                + "".join(f"<th class='num'>{_LABELS[s]}</th>" for s in STATUSES) + "</tr>")
        body = []
        for paper, rs in self.by_paper.items():
            c = summary_counts(rs)
            cells = "".join(
                f"<td class='num{' bad' if s in ('fail', 'error') and c[s] else ''}'>{c[s]}</td>" for s in STATUSES)
            body.append(f"<tr><td><a href='#paper-{_slug(paper)}'>{self.t(paper)}</a></td>"
                        f"<td>{self.t(paper_citation(rs))}</td><td class='num'>{len(rs)}</td>{cells}</tr>")
        c = summary_counts(self.results)
        total = "".join(f"<td class='num'>{c[s]}</td>" for s in STATUSES)
        body.append(f"<tr class='total'><td>all</td><td></td><td class='num'>{len(self.results)}</td>{total}</tr>")
        return (f"<section id='summary' aria-labelledby='summary-h'><h2 id='summary-h'>Summary</h2>"
                f"{self.run_info()}<table class='counts'>{head}{''.join(body)}</table></section>")

    def controls(self) -> str:
        verdicts = "".join(f"<option value='{self.t(s)}'>{_LABELS[s]}</option>" for s in STATUSES)
        papers = "".join(f"<option value='{self.t(p)}'>{self.t(p)}</option>" for p in self.by_paper)
        return ("<form id='filters' role='search' hidden>"
                f"<label>Verdict <select name='verdict'><option value=''>any</option>{verdicts}</select></label>"
                f"<label>Paper <select name='paper'><option value=''>any</option>{papers}</select></label>"
                "<label>Search <input type='search' name='q' placeholder='id, statement, source…'></label>"
                "<output id='shown' aria-live='polite'></output></form>")

    def findings(self) -> str:
        out = []
        refuted = parts_with(self.results, "refuted")
        if refuted:
            items = []
            for r, part, ev in refuted:
                d = ev["details"]
                items.append(
                    f"<li><a href='#{self.anchors[r.id]}'>{self.t(r.id)}</a>{self.t(' part ' + part if part else '')} "
                    f"({self.t(r.source)}): printed “{self.t(d.get('printed', r.statement))}”; at "
                    f"{self.t(format_value(d.get('counterexample', {}), 160))} the two sides are "
                    f"{self.t(format_value(ev['measured'], 60))} and {self.t(format_value(ev['predicted'], 60))} "
                    f"({self.t(ev['tolerance_reason'])})</li>")
            out.append("<section class='verdicts'><h2>Where the literature is wrong or imprecise</h2>"
                       "<p>Statements registered as the paper prints them, each shown false by a verified "
                       f"counterexample (a finding, not a failure).</p><ul class='findings'>{''.join(items)}</ul></section>")
        gaps = parts_with(self.results, "not reproduced")
        if gaps:
            items = []
            for r, part, ev in gaps:
                items.append(
                    f"<li><a href='#{self.anchors[r.id]}'>{self.t(r.id)}</a>{self.t(' part ' + part if part else '')} "
                    f"({self.t(r.source)}): predicted {self.t(format_value(ev['predicted'], 80))}, measured "
                    f"{self.t(format_value(ev['measured'], 80))}, gap {ev['error']:.3g} against tolerance "
                    f"{ev['tolerance']:.3g} ({self.t(ev['tolerance_reason'])}). Why: "
                    f"{self.t(ev['details'].get('not_reproduced', ''))}</li>")
            out.append("<section class='verdicts'><h2>Not reproduced</h2><p>Statements checked as printed that "
                       "this package does not reproduce at its scale; the gap is measured and declared, not a "
                       f"failure of the implementation.</p><ul class='findings'>{''.join(items)}</ul></section>")
        failing = [r for r in self.results if r.status in ("fail", "error")]
        if failing:
            links = ", ".join(f"<a href='#{self.anchors[r.id]}'>{self.t(r.id)}</a> ({self.t(r.status)})"
                              for r in failing)
            out.insert(0, f"<section class='verdicts'><h2>Failing claims</h2><p>{links}</p></section>")
        return "".join(out)

    # -- one claim ------------------------------------------------------------------------------

    def evidence(self, r: ClaimResult) -> str:
        if not r.parts:
            return ""
        rows = []
        for part, ev in r.parts.items():
            outcome = part_outcome(ev)
            cls = " class='bad'" if outcome == "FAIL" else ""
            rows.append(
                f"<tr><td>{self.t(part or 'check')}</td><td>{self.t(part_kind(part, r.kinds))}</td>"
                f"<td>{self.t(format_value(ev['predicted'], 90))}</td><td>{self.t(format_value(ev['measured'], 90))}</td>"
                f"<td class='num'>{ev['error']:.3g}</td><td class='num'>{ev['tolerance']:.3g}</td>"
                f"<td{cls}>{self.t(outcome)}</td><td class='why'>{self.t(ev['tolerance_reason'])}</td></tr>")
            details = ev.get("details") or {}
            notes = []
            if "printed" in details:
                notes.append(f"printed: “{details['printed']}”; counterexample: "
                             f"{format_value(details.get('counterexample', {}), 200)}")
            if details.get("not_reproduced"):
                notes.append(f"not reproduced: {details['not_reproduced']}")
            if details.get("declaration"):
                notes.append(str(details["declaration"]))
            if notes:
                rows.append(f"<tr><td></td><td colspan='7' class='why'>{self.t('; '.join(notes))}</td></tr>")
        is_open = " open" if r.status != "pass" else ""
        return (f"<details class='evidence'{is_open}><summary>Evidence ({len(r.parts)} "
                f"part{'s' if len(r.parts) != 1 else ''})</summary><table><tr><th>part</th><th>kind</th>"
                "<th>predicted</th><th>measured</th><th class='num'>error</th><th class='num'>tolerance</th>"
                f"<th>outcome</th><th>tolerance because</th></tr>{''.join(rows)}</table></details>")

    def derivations(self, r: ClaimResult) -> str:
        out = []
        for d in r.derivations or ():
            title = d.get("title") or d.get("id")
            verdict = f" — {self.t(d['outcome'])}" if d.get("outcome") else ""
            steps = []
            for step in d.get("steps", ()):
                maths = step.get("mathml") or f"<code>{self.t(step.get('text', ''))}</code>"
                given = ""
                if step.get("given"):
                    shown = step.get("given_mathml") or [f"<code>{self.t(g)}</code>" for g in step["given"]]
                    given = f"<div class='given'>given {', '.join(shown)}</div>"
                just = f"<div class='just'>{self.t(step['justification'])}</div>" if step.get("justification") else ""
                note = f"<div class='note'>note: {self.t(step['note'])}</div>" if step.get("note") else ""
                steps.append(f"<li><span class='step-name'>{self.t(step['name'])}</span>{maths}{given}{just}{note}</li>")
            body = ""
            if d.get("source"):
                body += f"<p class='source'>{self.t(d['source'])} · <code>ganac derive {self.t(d['id'])}</code></p>"
            if d.get("summary") and d.get("outcome") not in (None, "pass"):
                body += f"<p class='note'>{self.t(d['summary'])}</p>"
            if d.get("error"):
                body += f"<p class='note'>could not be shown: {self.t(d['error'])}</p>"
            body += f"<ol class='steps'>{''.join(steps)}</ol>" if steps else ""
            if d.get("notes"):
                body += f"<p class='note'>{self.t(d['notes'])}</p>"
            out.append(f"<details class='derivation' open><summary>Derivation: {self.t(title)}{verdict}"
                       f"</summary>{body}</details>")
        return "".join(out)

    def figure_blocks(self, r: ClaimResult) -> str:
        blocks = []
        files = list(r.figures)
        stems_with_png = {Path(f).with_suffix("") for f in files if f.endswith(".png")}
        for rel in files:
            if rel.endswith(".md"):
                if self.out_dir is not None and (self.out_dir / rel).exists():
                    table = markdown_table_html(scrub_paths((self.out_dir / rel).read_text(), self.roots))
                    title = self.figures.sidecar(rel).get("title") or Path(rel).stem
                    blocks.append(f"<figure class='claim-table'>{table}<figcaption>{self.t(title)}</figcaption></figure>")
                continue
            if not (rel.endswith(".png") or (rel.endswith(".svg") and Path(rel).with_suffix("") not in stems_with_png)):
                continue
            found = self.figures.symbol(rel)
            meta = self.figures.sidecar(rel)
            name = meta.get("figure") or Path(rel).stem
            title = meta.get("title") or name
            alt = f"{title} (figure {name}" + (f", seed {meta['seed']}" if "seed" in meta else "") + ")"
            if found is None:
                blocks.append(f"<figure><p class='note'>figure {self.t(rel)} is not in this folder</p></figure>")
                continue
            ident, w, h = found
            blocks.append(
                f"<figure><svg class='figimg' viewBox='0 0 {w} {h}' role='img' aria-label='{self.t(alt)}'>"
                f"<title>{self.t(alt)}</title><use href='#{ident}' width='{w}' height='{h}'/></svg>"
                f"<figcaption>{self.t(title)} <code>{self.t(Path(rel).name)}</code></figcaption></figure>")
        return "".join(blocks)

    def claim(self, r: ClaimResult) -> str:
        figures = self.figure_blocks(r)
        error = f"<pre class='traceback'>{self.t(r.error.strip())}</pre>" if r.error else ""
        facts = f"kinds: {', '.join(r.kinds)} · tier {r.tier} · {r.seconds:.2f} s"
        text = (f"<div class='text'><p class='statement'>{self.t(r.statement)}</p>"
                f"<p class='source'><b>Source:</b> {self.t(r.source)}</p><p class='facts'>{self.t(facts)}</p>"
                f"{error}{self.evidence(r)}{self.derivations(r)}</div>")
        side = f"<div class='figures'>{figures}</div>" if figures else ""
        v = _verdict_class(r.status)
        return (f"<article class='claim v-{v}{' has-figure' if figures else ''}' id='{self.anchors[r.id]}' "
                f"data-verdict='{self.t(r.status)}' data-paper='{self.t(paper_of(r.id))}'>"
                f"<h3 style='grid-column:1/-1'>{self.t(r.id)}<span class='badge b-{v}'>{self.t(r.status)}</span></h3>"
                f"{text}{side}</article>")

    def papers(self) -> str:
        out = []
        for paper, rs in self.by_paper.items():
            c = summary_counts(rs)
            counts = ", ".join(f"{c[s]} {_LABELS[s]}" for s in STATUSES if c[s])
            out.append(f"<section class='paper' id='paper-{_slug(paper)}' data-paper='{self.t(paper)}' "
                       f"aria-labelledby='h-paper-{_slug(paper)}'><h2 id='h-paper-{_slug(paper)}'>{self.t(paper)}"
                       f"</h2><p class='lede'>{self.t(paper_citation(rs))} · {len(rs)} claim"
                       f"{'s' if len(rs) != 1 else ''}: {self.t(counts)}</p>"
                       + "".join(self.claim(r) for r in rs) + "</section>")
        return "".join(out)

    def render(self) -> str:
        m = self.meta
        body = self.papers()  # first: it collects the figures the page embeds
        return (
            "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<meta name='generator' content='ganac {self.t(m.get('version', ''))}'>"
            "<title>ganac verification report</title>"
            f"<style>{_CSS}</style></head>\n<body>"
            "<header><h1>ganac verification report</h1>"
            f"<p class='lede'>{self.t(summary_line(self.results))} · seed {self.t(m.get('seed'))} · "
            f"tier {self.t(m.get('tier'))} · ganac {self.t(m.get('version', ''))}</p></header>"
            f"{self.controls()}<main>{self.summary()}{self.findings()}{body}</main>"
            f"{self.figures.defs_html()}<script>{_SCRIPT}</script></body></html>\n")


def report_html(results: list[ClaimResult], meta: dict, out_dir: Path | None = None) -> str:
    """The report page: summary (per paper counts, machine, versions, seed, tier, date), the
    failing / refuted / not reproduced claims, then one section per paper with each claim's
    statement, source, verdict, evidence (folded when it passes), derivation steps as MathML and
    figures embedded from ``out_dir``."""
    return _Page(results, meta, out_dir).render()
