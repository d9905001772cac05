"""``report.html`` without a browser: a self-contained page organised by paper.

The page is parsed with the standard library's HTML parser into a small tree (which also checks
that every element is closed in order), and the assertions read that tree: a section per
paper, each claim's statement/source/verdict, evidence folded only when the claim passes,
derivation steps as MathML (well-formed XML in the MathML namespace), figures embedded once as
data and drawn beside every claim that lists them, no external resource and no absolute path
of the machine.  The expected counts come from the fixture's own list of claims.
"""

import base64
import json
import os
import re
import site
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
import sympy as sp

import experiments
from experiments import cli
from experiments.registry import Evidence, claim
from experiments.report import (STATUSES, ClaimResult, ReportError, rebuild_reports, report_html,
                                summary_counts, write_reports)
from experiments.report.derivation import derivation_record, derivation_records
from experiments.report.values import path_roots, scrub_paths
from proofs_check import Derivation, Step

MATHML_NS = "http://www.w3.org/1998/Math/MathML"
VOID = {"meta", "input", "br", "img", "link", "hr", "source", "wbr"}
PROJECT = Path(experiments.__file__).resolve().parents[1]


class Node:
    def __init__(self, tag, attrs, parent=None):
        self.tag, self.attrs, self.parent, self.children, self.text = tag, dict(attrs), parent, [], []

    def iter(self, tag=None):
        if tag is None or self.tag == tag:
            yield self
        for child in self.children:
            yield from child.iter(tag)

    def find_all(self, tag, cls=None):
        return [n for n in self.iter(tag) if cls is None or cls in (n.attrs.get("class") or "").split()]

    def text_content(self):
        return "".join(self.text) + "".join(c.text_content() for c in self.children)


class TreeBuilder(HTMLParser):
    """A tree of the page; raises if an end tag does not close the element opened last."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.stack[-1])
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, attrs, self.stack[-1]))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data):
        self.stack[-1].text.append(data)


def parse(page: str) -> Node:
    builder = TreeBuilder()
    builder.feed(page)
    builder.close()
    assert [n.tag for n in builder.stack] == ["#document"], "unclosed elements"
    return builder.root


def _claim_id(article: Node) -> str:
    """The id in an article's heading (the heading's own text; the verdict badge is a child)."""
    return "".join(article.find_all("h3")[0].text).strip()


def without_data_uris(page: str) -> str:
    return re.sub(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+", "data:…", page)


def _ev(predicted, measured, *, outcome="pass", error=0.0, details=None):
    return {"predicted": predicted, "measured": measured, "error": error, "tolerance": 1e-9,
            "tolerance_reason": "float error", "passed": outcome != "fail", "outcome": outcome,
            "details": details or {}, "figures": []}


def _small_derivation():
    t = sp.Symbol("t", positive=True)
    a, b = sp.symbols("a b", positive=True)
    return Derivation("demo/log-bound", "log t <= t - 1", "folklore, eq. (1)", [
        Step("bound", sp.log(t), t - 1, "<=", justification="tangent line of a concave function"),
        Step("ratio", a * sp.log(a / (a + b)), a * sp.log(a) - a * sp.log(a + b), "==",
             assumptions=[a < 1], note="a product: sympy prints an invisible times"),
    ])


@pytest.fixture
def folder(tmp_path):
    """A finished run in ``tmp_path/out``: two papers, every verdict, one figure listed by two
    claims, an absolute path in a traceback and in evidence details."""
    out = tmp_path / "out"
    (out / "figures").mkdir(parents=True)
    png = out / "figures" / "alpha_fig.png"
    plt.imsave(png, np.linspace(0, 1, 48 * 64).reshape(48, 64), cmap="viridis")
    (out / "figures" / "alpha_fig.json").write_text(json.dumps(
        {"figure": "alpha_fig", "title": "Alpha's Figure 2 reproduced", "claims": ["alpha2020/passes"], "seed": 0}))
    (out / "figures" / "alpha_table.md").write_text("| method | value |\n|---|---|\n| exact | 0.5 ± 0.1 |\n")
    record = derivation_record(_small_derivation(), outcome="pass", summary="all 2 steps check")
    home = str(Path.home())
    secret = tmp_path / "private" / "data.npy"
    results = [
        ClaimResult(id="alpha2020/passes", statement="The alpha statement holds for all p.",
                    source="Alpha & Beta (2020), Theorem 1", kinds=["symbolic", "exact"], tier="fast", seed=0,
                    status="pass", seconds=0.5, parts={"symbolic": _ev("every step checks", "all 2 steps check",
                                                                       details={"derivation": "demo/log-bound"}),
                                                       "exact": _ev(0.5, 0.5)},
                    figures=["figures/alpha_fig.pdf", "figures/alpha_fig.png"], derivations=[record],
                    finished="2024-05-01T10:00:00Z"),
        ClaimResult(id="alpha2020/fails", statement="A <b>bold</b> claim & more that fails.",
                    source="Alpha & Beta (2020), eq. (3)", kinds=["exact"], tier="fast", seed=0, status="fail",
                    seconds=0.1, parts={"exact": _ev(1.0, 2.0, outcome="fail", error=1.0,
                                                     details={"file": str(secret)})},
                    figures=["figures/alpha_fig.png", "figures/alpha_table.md"], derivations=[],
                    finished="2024-05-01T10:00:02Z"),
        ClaimResult(id="beta2021/raises", statement="A broken check.", source="Gamma (2021), Section 2",
                    kinds=["neural"], tier="fast", seed=0, status="error", seconds=0.0,
                    error=(f'Traceback (most recent call last):\n  File "{PROJECT}/experiments/claims/beta.py", '
                           f'line 3, in check\n  File "{site.getsitepackages()[0]}/numpy/core.py", line 9\n'
                           f'  File "{home}/notes/scratch.py", line 1\n'
                           f'  File "/opt/elsewhere/lib/thing.py", line 2\nRuntimeError: boom in {secret}'),
                    derivations=None, finished="2024-05-01T10:00:01Z"),
        ClaimResult(id="beta2021/refuted", statement="x^2 >= x for all x.", source="Gamma (2021), eq. (7)",
                    kinds=["exact"], tier="fast", seed=0, status="refuted", seconds=0.0,
                    parts={"exact": _ev(0.5, 0.25, outcome="refuted", error=0.25,
                                        details={"printed": "x^2 >= x", "counterexample": {"x": 0.5}})}),
        ClaimResult(id="beta2021/gap", statement="A gap.", source="Gamma (2021), Table 1", kinds=["neural"],
                    tier="fast", seed=0, status="not reproduced", seconds=0.0,
                    parts={"neural": _ev("<= 0", 0.03, outcome="not reproduced", error=0.03,
                                         details={"not_reproduced": "too small a network"})}),
    ]
    (out / "claims").mkdir()
    for r in results:
        (out / "claims" / (r.id.replace("/", "__") + ".json")).write_text(json.dumps(r.to_dict()))
    write_reports(out, [], seed=0, tier="fast")
    return out, results


def test_page_structure(folder):
    out, results = folder
    page = (out / "report.html").read_text()
    root = parse(page)
    html_el = root.find_all("html")[0]
    assert html_el.attrs.get("lang") == "en"
    assert any(m.attrs.get("charset") == "utf-8" for m in root.find_all("meta"))
    papers = root.find_all("section", "paper")
    assert [s.attrs["data-paper"] for s in papers] == ["alpha2020", "beta2021"]
    for section in papers:
        expected = sorted(r.id for r in results if r.id.startswith(section.attrs["data-paper"] + "/"))
        shown = [_claim_id(a) for a in section.find_all("article", "claim")]
        assert shown == expected  # sorted by id within the paper
    by_id = {r.id: r for r in results}
    for article in root.find_all("article", "claim"):
        r = by_id[_claim_id(article)]
        assert article.attrs["data-verdict"] == r.status
        assert article.find_all("span", "badge")[0].text_content() == r.status
        statement = article.find_all("p", "statement")[0].text_content()
        assert statement == r.statement  # escaped in the file, the same text in the DOM
        assert r.source in article.find_all("p", "source")[0].text_content()
        evidence = article.find_all("details", "evidence")
        if r.parts:
            assert ("open" in evidence[0].attrs) == (r.status != "pass")
        else:
            assert not evidence


def test_summary_counts_per_paper(folder):
    out, results = folder
    root = parse((out / "report.html").read_text())
    table = root.find_all("table", "counts")[0]
    rows = [[td.text_content() for td in tr.find_all("td")] for tr in table.find_all("tr")[1:]]
    for paper in ("alpha2020", "beta2021"):
        mine = [r for r in results if r.id.startswith(paper + "/")]
        row = next(row for row in rows if row[0] == paper)
        assert row[2] == str(len(mine))
        assert row[3:] == [str(sum(r.status == s for r in mine)) for s in STATUSES]
    assert rows[-1][0] == "all" and rows[-1][3:] == [str(v) for v in summary_counts(results).values()]
    run = root.find_all("dl", "run")[0].text_content()
    for word in ("Date", "2024-05-01 10:00:02 UTC", "Seed", "Tier", "Machine", "Versions", "sympy", "numpy"):
        assert word in run


def test_mathml_derivations(folder):
    out, results = folder
    root = parse((out / "report.html").read_text())
    page = (out / "report.html").read_text()
    article = next(a for a in root.find_all("article", "claim") if a.attrs["data-verdict"] == "pass")
    maths = article.find_all("math")
    assert len(maths) >= 2 and all(m.attrs.get("xmlns") == MATHML_NS for m in maths)
    # each <math> element of the file is well-formed XML in the MathML namespace
    blocks = re.findall(r"<math\b.*?</math>", page, flags=re.S)
    assert len(blocks) == len(root.find_all("math"))
    for block in blocks:
        assert ET.fromstring(block).tag == f"{{{MATHML_NS}}}math"
    assert "<mo>&lt;</mo>" in page  # the assumption a < 1, its operator escaped
    # the steps' sides as sympy's presentation printer writes them, relation between them
    from sympy.printing.mathml import mathml
    t = sp.Symbol("t", positive=True)
    assert mathml(sp.log(t), printer="presentation") in page
    assert mathml(t - 1, printer="presentation") in page
    assert "<mo>&#8804;</mo>" in page  # <=
    assert "&InvisibleTimes;" not in page  # named entities were made numeric
    steps = article.find_all("ol", "steps")[0].find_all("li")
    assert [li.find_all("span", "step-name")[0].text_content() for li in steps] == ["bound", "ratio"]
    assert "tangent line of a concave function" in steps[0].text_content()
    # claims without derivations have no maths
    for other in root.find_all("article", "claim"):
        if other is not article:
            assert not other.find_all("math")


def test_figures_embedded_once_with_alt_text(folder):
    out, results = folder
    page = (out / "report.html").read_text()
    root = parse(page)
    symbols = {s.attrs["id"]: s for s in root.find_all("symbol")}
    assert len(symbols) == 1  # alpha_fig.png is listed by two claims, embedded once
    (sym,) = symbols.values()
    href = sym.find_all("image")[0].attrs["href"]
    assert href.startswith("data:image/png;base64,")
    assert base64.b64decode(href.split(",", 1)[1]) == (out / "figures" / "alpha_fig.png").read_bytes()
    assert sym.attrs["viewbox"] == "0 0 64 48"  # the PNG's own size (the parser lowercases names)
    drawn = root.find_all("svg", "figimg")
    assert len(drawn) == 2
    for svg in drawn:
        assert svg.attrs["role"] == "img"
        assert "Alpha's Figure 2 reproduced" in svg.attrs["aria-label"]
        assert svg.find_all("title")[0].text_content() == svg.attrs["aria-label"]
        assert svg.find_all("use")[0].attrs["href"] == "#" + sym.attrs["id"]
        assert "has-figure" in svg.parent.parent.parent.attrs["class"]  # figure > div.figures > article
    # the Markdown table figure is a table beside its claim
    assert "<td>0.5 ± 0.1</td>" in page


def assert_self_contained(page: str) -> None:
    """No element loads anything: no <link>, <img>, <iframe> or external script, every href/src
    an anchor in the page or data, no URL besides the MathML namespace."""
    page = without_data_uris(page)
    root = parse(page)
    assert not root.find_all("link") and not root.find_all("img") and not root.find_all("iframe")
    assert all("src" not in s.attrs for s in root.find_all("script"))
    for node in root.iter():
        for name in ("href", "src", "xlink:href"):
            value = node.attrs.get(name)
            if value is not None:
                assert value.startswith(("#", "data:")), (node.tag, value)
    assert "http" not in page.replace(MATHML_NS, "")  # no URL to fetch anything from


def test_self_contained(folder):
    out, _ = folder
    page = (out / "report.html").read_text()
    assert_self_contained(page)
    root = parse(without_data_uris(page))
    assert len(root.find_all("script")) == 1
    # readable without the script: the filter controls start hidden, nothing else does
    (form,) = root.find_all("form")
    assert "hidden" in form.attrs
    assert [n.tag for n in root.iter() if "hidden" in n.attrs] == ["form"]


def test_the_checks_catch_a_linked_figure_and_a_broken_page(folder):
    """Negative controls: the old report's linked image, a remote script, an unclosed element."""
    out, _ = folder
    page = (out / "report.html").read_text()
    for doctored in (page.replace("<main>", "<main><img src='figures/alpha_fig.png' alt='x'>"),
                     page.replace("<script>", "<script src='https://cdn.example.org/x.js'></script><script>"),
                     page.replace("<use href='#", "<use href='figures/", 1)):
        with pytest.raises(AssertionError):
            assert_self_contained(doctored)
    with pytest.raises(AssertionError):
        parse(page.replace("</section>", "", 1))


def test_no_absolute_path(folder, tmp_path):
    out, _ = folder
    page = without_data_uris((out / "report.html").read_text())
    markdown = (out / "report.md").read_text()
    for text in (page, markdown):
        for root_dir in (str(tmp_path), str(out.resolve()), str(PROJECT), str(Path.home()), sys.prefix,
                         *site.getsitepackages(), os.getcwd()):
            assert root_dir not in text, root_dir
        # nothing that starts at a top-level folder of this machine (/tmp/..., /opt/..., /usr/...)
        for top in os.listdir("/"):  # ("…/lib/thing.py" is what is left of a cut path)
            assert not re.search(rf"(?<!…)/{re.escape(top)}/", text), top
    assert "&lt;ganac&gt;/experiments/claims/beta.py" in page  # the traceback stays readable
    assert "&lt;site-packages&gt;/numpy/core.py" in page
    assert "…/lib/thing.py" in page


def test_escaping(folder):
    out, _ = folder
    page = (out / "report.html").read_text()
    assert "A &lt;b&gt;bold&lt;/b&gt; claim &amp; more that fails." in page
    assert "<b>bold</b>" not in page


def test_rebuild_is_identical_and_needs_no_registry(folder, monkeypatch, capsys):
    out, results = folder
    before = {name: (out / name).read_bytes() for name in ("report.html", "report.md", "results.json")}
    from experiments import registry
    monkeypatch.setattr(registry, "load_all", lambda: pytest.fail("the rebuild must not load claims"))
    (out / "report.html").unlink()
    assert cli.main(["report", "--out", str(out)]) == 0
    assert "5 claims: 1 passed, 1 failed, 1 refuted, 1 not reproduced, 1 errors" in capsys.readouterr().out
    for name, data in before.items():
        assert (out / name).read_bytes() == data, name


def test_rebuild_picks_one_run(folder, capsys):
    out, results = folder
    other = ClaimResult(id="alpha2020/passes", statement="s", source="x", kinds=["exact"], tier="fast", seed=7,
                        status="pass", seconds=0.0, run_tier="full", derivations=[])
    (out / "claims" / "other.json").write_text(json.dumps(other.to_dict()))
    (out / "results.json").unlink()
    with pytest.raises(ReportError, match="several runs"):
        rebuild_reports(out)
    assert cli.main(["report", "--out", str(out)]) == 2
    assert "--seed and --tier" in capsys.readouterr().err
    assert [r.id for r in rebuild_reports(out, seed=7, tier="full")] == ["alpha2020/passes"]
    assert len(rebuild_reports(out, seed=0)) == len(results)
    with pytest.raises(ReportError, match="no finished claims at seed 3"):
        rebuild_reports(out, seed=3)


def test_report_command_errors(tmp_path, capsys):
    assert cli.main(["report", "--out", str(tmp_path / "missing")]) == 2
    assert "not a folder" in capsys.readouterr().err
    (tmp_path / "sweep" / "seed-0" / "claims").mkdir(parents=True)
    assert cli.main(["report", "--out", str(tmp_path / "sweep")]) == 2
    assert "seed-0" in capsys.readouterr().err
    assert cli.main(["report", "--out", str(tmp_path), "--seed", "-1"]) == 2


def test_verify_records_derivations_as_mathml(fake_registry, tmp_path, capsys):
    """End to end: a claim recording a derivation id gets its steps as MathML in claims/*.json and
    in the page; the derivation's outcome is the part that checked it."""
    import proofs_check

    @claim("demo/derived", statement="D* = p/(p+q).", source="Goodfellow et al. (2014), Proposition 1",
           kinds=("symbolic",), derivation="goodfellow2014/prop1-optimal-discriminator")
    def _derived(ctx):
        return {"symbolic": Evidence.exact_match("every step checks", "all steps check", passed=True,
                                                 reason="stand-in", details={"derivation": "goodfellow2014/prop1-optimal-discriminator"})}

    assert cli.main(["verify", "-j", "1", "--no-progress", "--only", "demo/derived,demo/passes",
                     "--out", str(tmp_path)]) == 0
    stored = json.loads((tmp_path / "claims" / "demo__derived.json").read_text())
    (record,) = stored["derivations"]
    steps = proofs_check.get("goodfellow2014/prop1-optimal-discriminator").steps
    assert record["outcome"] == "pass" and [s["name"] for s in record["steps"]] == [s.name for s in steps]
    assert all(ET.fromstring(s["mathml"]).tag == f"{{{MATHML_NS}}}math" for s in record["steps"] if s["mathml"])
    assert sum(bool(s["mathml"]) for s in record["steps"]) == len(steps)
    assert json.loads((tmp_path / "claims" / "demo__passes.json").read_text())["derivations"] == []
    root = parse((tmp_path / "report.html").read_text())
    by_verdict = {a.attrs["id"]: a for a in root.find_all("article", "claim")}
    assert len(by_verdict["claim-demo-derived"].find_all("math")) >= len(steps)
    assert not by_verdict["claim-demo-passes"].find_all("math")


def test_unknown_derivation_is_reported_not_raised():
    class Fake:
        id = "demo/x"
        derivation = "nobody/no-such-derivation"

    (record,) = derivation_records(Fake(), {})
    assert record["steps"] == [] and "KeyError" in record["error"]


def test_old_results_without_derivations_render(folder):
    out, results = folder
    data = results[0].to_dict()
    for key in ("derivations", "finished"):
        data.pop(key)
    page = report_html([ClaimResult.from_json(data)], {"version": "0", "seed": 0, "tier": "fast"}, out)
    parse(page)
    assert "The alpha statement holds for all p." in page


class TestScrubPaths:
    def test_known_roots(self, tmp_path):
        roots = path_roots(tmp_path)
        assert scrub_paths(f"{tmp_path}/figures/a.png", roots) == "./figures/a.png"
        assert scrub_paths(f"x {PROJECT}/theory/gan.py:12 y", roots) == "x <ganac>/theory/gan.py:12 y"
        assert scrub_paths(f"{Path.home()}/a.txt", roots).endswith("/a.txt")
        assert str(Path.home()) not in scrub_paths(f"{Path.home()}/a.txt", roots)

    def test_unknown_absolute_paths_are_cut(self):
        assert scrub_paths('File "/srv/data/runs/x.py", line 2', []) == 'File "…/runs/x.py", line 2'
        assert scrub_paths(r"C:\Users\me\proj\x.py", []) == "…/proj/x.py"

    @pytest.mark.parametrize("text", [
        "D* = p/(p+q)", "KL/JS/TV", "see https://arxiv.org/abs/1406.2661", "1/2/3", "a / b",
        "E_p[log D]/2", "./figures/x.png", "<ganac>/theory/gan.py", "~/notes",
    ])
    def test_ordinary_text_is_kept(self, text):
        assert scrub_paths(text, []) == text


@pytest.mark.parametrize("sources, expected", [
    (["Goodfellow et al. (2014), Proposition 1", "Goodfellow et al. (2014), Theorem 1", "Lin (1991)"],
     "Goodfellow et al. (2014)"),
    (["Derived here for Gulrajani et al. (2017), Proposition 1"], "Gulrajani et al. (2017)"),
    (["van Hasselt et al. (2016), Figure 1"], "van Hasselt et al. (2016)"),
    (["Arjovsky, Chintala & Bottou (2017), Section 2"], "Arjovsky, Chintala & Bottou (2017)"),
    (["arithmetic, by hand"], "arithmetic"),
    ([""], ""),
])
def test_paper_citation(sources, expected):
    from experiments.report.html import paper_citation

    results = [ClaimResult(id=f"p/{i}", statement="", source=s, kinds=[], tier="fast", seed=0, status="pass",
                           seconds=0.0) for i, s in enumerate(sources)]
    assert paper_citation(results) == expected


def test_text_table_reads_infinite_errors_stored_as_strings():
    """results.json stores an infinite error as the string 'inf' (JSON has no inf); the text
    table and report.md must format it, not crash (a refuted claim's error can be inf)."""
    from experiments.registry import Evidence
    from experiments.report.results import ClaimResult
    from experiments.report.text import table_rows

    ev = Evidence.close(1.0, 2.0, atol=0.1, reason="exact").to_dict()
    ev["error"], ev["tolerance"] = "inf", "1e-09"
    r = ClaimResult(id="p/c", statement="s", source="src", kinds=["exact"], tier="fast", seed=0,
                    status="fail", seconds=0.0, parts={"part": ev})
    rows = table_rows([r])
    assert rows[1][4] == "inf" and rows[1][5] == "1.00e-09"
