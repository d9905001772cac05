"""The LaTeX export of the claims (``ganac report --latex FILE``): escaping, structure, numbers.

Checked without a TeX installation: escaping against hand-written expected strings and against
an independent inverse (``reference_unescape``); the table's structure by counting unescaped
column separators, braces and math shifts per row.  Where ``pdflatex`` exists, one test also
compiles the table.
"""

import json
import re
import shutil
import subprocess

import pytest
from hypothesis import given, strategies as st

from experiments import cli
from experiments.report import ClaimResult, latex_escape, latex_table, write_reports
from experiments.report.latex import latex_number


def reference_unescape(tex: str) -> str:
    """The inverse of the escaping of ASCII text, written from the LaTeX meanings of the commands
    (not from the escaper's table)."""
    commands = {r"\textbackslash{}": "\\", r"\textasciitilde{}": "~", r"\textasciicircum{}": "^",
                r"\textless{}": "<", r"\textgreater{}": ">", r"\textbar{}": "|"}
    out, i = [], 0
    while i < len(tex):
        for cmd, ch in commands.items():
            if tex.startswith(cmd, i):
                out.append(ch)
                i += len(cmd)
                break
        else:
            if tex[i] == "\\" and i + 1 < len(tex) and tex[i + 1] in "&%$#_{}":
                out.append(tex[i + 1])
                i += 2
            else:
                out.append(tex[i])
                i += 1
    return "".join(out)


def _unescaped(text: str, char: str) -> int:
    """How many times ``char`` occurs not preceded by a backslash (a LaTeX active use)."""
    return len(re.findall(r"(?<!\\)" + re.escape(char), text))


def _result(cid, status="pass", parts=None, source="Somebody et al. (2020), eq. (1)", error=""):
    return ClaimResult(id=cid, statement="s", source=source, kinds=["exact"], tier="fast", seed=0,
                       status=status, seconds=0.1, parts=parts if parts is not None else {}, error=error)


def _part(predicted, measured, error=0.0, outcome="pass"):
    return {"predicted": predicted, "measured": measured, "error": error, "tolerance": 1e-9,
            "tolerance_reason": "float error", "passed": outcome != "fail", "outcome": outcome,
            "details": {}, "figures": []}


class TestEscape:
    @pytest.mark.parametrize("text, expected", [
        ("p_data", r"p\_data"),
        ("50% of mass", r"50\% of mass"),
        ("A & B", r"A \& B"),
        ("#3", r"\#3"),
        ("$x$", r"\$x\$"),
        ("{a}", r"\{a\}"),
        ("a~b", r"a\textasciitilde{}b"),
        ("x^2", r"x\textasciicircum{}2"),
        ("C:\\dir", r"C:\textbackslash{}dir"),
        ("a < b > c | d", r"a \textless{} b \textgreater{} c \textbar{} d"),
        ("γ ≤ 1", r"$\gamma$ $\le$ 1"),
        ("σ²", r"$\sigma$\textsuperscript{2}"),
        ("ψ₀", r"$\psi$\textsubscript{0}"),
        ("2 ± 0.1, −log 4", r"2 $\pm$ 0.1, $-$log 4"),
        ("Erdős", "Erdos"),
    ])
    def test_hand_written_cases(self, text, expected):
        assert latex_escape(text) == expected

    @given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60))
    def test_ascii_round_trip(self, text):
        tex = latex_escape(text)
        assert reference_unescape(tex) == text
        # no special character survives unescaped (a backslash only starts a command)
        for ch in "&%$#_^~":
            assert _unescaped(tex, ch) == 0, ch

    @given(st.text(max_size=40))
    def test_any_text_gives_ascii_with_balanced_braces(self, text):
        tex = latex_escape(text)
        assert tex.isascii()
        assert _unescaped(tex, "{") == _unescaped(tex, "}")
        assert _unescaped(tex, "$") % 2 == 0  # math shifts come in pairs

    def test_a_wrong_escaper_fails_the_round_trip(self):
        """Negative control: escaping '_' without its backslash is caught."""
        broken = latex_escape("a_b").replace(r"\_", "_")
        assert _unescaped(broken, "_") == 1


class TestNumbers:
    @pytest.mark.parametrize("x, expected", [
        (0.5, "$0.5$"), (-1.386294, "$-1.39$"), (1.5e-5, r"$1.5\times 10^{-5}$"), (1e-12, "$10^{-12}$"),
        (2.5e7, r"$2.5\times 10^{7}$"), (0.0, "$0$"), (float("inf"), r"$\infty$"),
        (float("-inf"), r"$-\infty$"), (float("nan"), "NaN"),
    ])
    def test_latex_number(self, x, expected):
        assert latex_number(x) == expected


@pytest.fixture
def table():
    results = [
        _result("paper_a2020/claim_1", parts={"exact": _part(0.5, 0.5 + 1e-13, 1e-13),
                                              "neural": _part([0.1, 0.2, 0.3, 0.4], [0.1] * 4, 0.3)},
                source="A & B (2020), eq. (3): 50% #1 p_data"),
        _result("paper_a2020/bound", parts={"": _part("<= 0.367603245657", 0.15)}),
        _result("paper-b2021/raises", status="error", error="Traceback\nValueError: bad_value 100%"),
        _result("paper-b2021/refuted", status="refuted", parts={"exact": _part(0.693147, 1.386294, 0.69, "refuted")}),
    ]
    return results, latex_table(results)


class TestTable:
    def test_ascii_and_booktabs_structure(self, table):
        _, tex = table
        assert tex.isascii()
        lines = tex.splitlines()
        markers = (r"\begingroup", r"\begin{longtable}{", r"\toprule", r"\endfirsthead", r"\endhead",
                   r"\bottomrule", r"\endfoot", r"\end{longtable}", r"\endgroup")
        where = [next(i for i, line in enumerate(lines) if line.startswith(m)) for m in markers]
        assert where == sorted(where) and where[-1] == len(lines) - 1
        assert "Claim & Source & Predicted & Measured & Error & Verdict" in tex

    def test_every_row_has_six_cells_and_balanced_groups(self, table):
        results, tex = table
        rows = [line for line in tex.splitlines() if line.endswith(r"\\") and not line.startswith(r"\caption")]
        # header twice, a row per claim, a row per part (or one "check raised" row)
        n_parts = sum(max(len(r.parts), 1) for r in results)
        assert len(rows) == 2 + len(results) + n_parts
        for row in rows:
            assert _unescaped(row, "&") == 5, row
            assert _unescaped(row, "{") == _unescaped(row, "}"), row
            assert _unescaped(row, "$") % 2 == 0, row
            assert _unescaped(row, "%") == 0 and _unescaped(row, "#") == 0, row

    def test_cells_are_escaped(self, table):
        _, tex = table
        assert r"A \& B (2020), eq. (3): 50\% \#1 p\_data" in tex
        assert r"\texttt{paper\_a2020/\allowbreak{}claim\_1}" in tex
        assert r"ValueError: bad\_value 100\%" in tex
        assert r"$\le$ $0.3676$" in tex  # Evidence.bound's text, its number shortened
        assert r"[$0.1$, $0.2$, $0.3$, \ldots{}] ($n=4$)" in tex
        assert r"$10^{-13}$" in tex
        assert r"\textbf{refuted}" in tex and r"\textbf{error}" in tex

    def test_no_claims(self):
        tex = latex_table([])
        assert r"\begin{longtable}" in tex and r"\end{longtable}" in tex and "(0 claims)" in tex

    @pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
    def test_compiles_with_pdflatex(self, table, tmp_path):
        _, tex = table
        (tmp_path / "claims.tex").write_text(tex)
        (tmp_path / "doc.tex").write_text(
            "\\documentclass{article}\n\\usepackage[T1]{fontenc}\n\\usepackage{array,booktabs,longtable}\n"
            "\\begin{document}\n\\input{claims.tex}\n\\end{document}\n")
        run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                             cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stdout[-2000:]
        assert (tmp_path / "doc.pdf").stat().st_size > 1000


def test_ganac_report_latex(tmp_path, capsys):
    out = tmp_path / "run"
    results = [_result("paper_a2020/claim_1", parts={"exact": _part(0.5, 0.5)}, source="x_1 & y")]
    for r in results:
        (out / "claims").mkdir(parents=True, exist_ok=True)
        (out / "claims" / (r.id.replace("/", "__") + ".json")).write_text(json.dumps(r.to_dict()))
    write_reports(out, [], seed=0, tier="fast")
    target = tmp_path / "paper" / "claims.tex"
    assert cli.main(["report", "--out", str(out), "--latex", str(target)]) == 0
    tex = target.read_text(encoding="ascii")
    assert r"x\_1 \& y" in tex and r"\texttt{paper\_a2020/\allowbreak{}claim\_1}" in tex
    assert cli.main(["report", "--out", str(out), "--latex", str(tmp_path)]) == 2  # a folder
    assert "is a folder" in capsys.readouterr().err
