"""The documentation (docs/): every Python example on its pages runs, the pages generated from
the registries are complete, the docstrings read as reStructuredText, and the site builds
offline with no warning (when Sphinx is installed: ``pip install -e ".[docs]"``)."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.rst"))


def _load(name: str):
    """A module of docs/_ext, loaded from its file (docs/ is not a package)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, DOCS / "_ext" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _code_blocks(lang: str) -> list[tuple[str, str]]:
    """(page, code) of every ``.. code-block:: LANG`` on the documentation's pages."""
    blocks = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        pattern = rf"^( *)\.\. code-block:: {lang}\n\n((?:\1   .*\n|\n)+)"
        for match in re.finditer(pattern, text, flags=re.M):
            indent = len(match.group(1)) + 3
            code = "\n".join(line[indent:] for line in match.group(2).splitlines())
            blocks.append((page.relative_to(DOCS).as_posix(), code.strip() + "\n"))
    return blocks


# --- examples --------------------------------------------------------------------------------

#: Python blocks meant to run; excerpts with "..." placeholders (the worked example) are not.
RUNNABLE = [(page, code) for page, code in _code_blocks("python") if "..." not in code]


def test_the_pages_have_python_examples():
    pages = {page for page, _ in RUNNABLE}
    # The examples that used to be in the README, now on their topic pages.
    for page in ("topics/maxent_irl_ebm.rst", "topics/overestimation.rst",
                 "topics/policy_gradients.rst", "testing.rst", "getting_started.rst"):
        assert page in pages, page


@pytest.mark.parametrize("code", [code for _, code in RUNNABLE],
                         ids=[f"{page}:{i}" for i, (page, _) in enumerate(RUNNABLE)])
def test_every_python_example_runs(code):
    exec(compile(code, "<docs example>", "exec"), {})


def test_property_testing_example_runs():
    example = next(code for _, code in RUNNABLE if "matched_pairs" in code)
    namespace = {}
    exec(example, namespace)  # defines test_my_jsd, which calls the user's my_jsd
    from scipy.special import entr

    def entropy_form_jsd(p, q):
        # JS = H((p + q)/2) - (H(p) + H(q))/2, an independent route to the same number.
        # (scipy's jensenshannon is not used: the strategies draw subnormal atoms, on which it
        # returns log 2 for p ~= q.)
        return entr(0.5 * p + 0.5 * q).sum() - 0.5 * (entr(p).sum() + entr(q).sum())

    namespace["my_jsd"] = entropy_form_jsd
    namespace["test_my_jsd"]()
    namespace["my_jsd"] = lambda p, q: 0.5 * entropy_form_jsd(p, q)  # a wrong one is caught
    with pytest.raises(AssertionError):
        namespace["test_my_jsd"]()


# --- generated pages -------------------------------------------------------------------------

def test_claims_page_lists_every_registered_claim():
    from experiments.registry import all_claims

    tables = _load("ganac_tables")
    text = tables.claims_rst()
    claims = all_claims()
    missing = [c.id for c in claims if f"``{c.id}``" not in text]
    assert not missing, f"claims missing from the claims page: {missing}"
    assert text.startswith(f"{len(claims)} claims from ")
    refuted = tables.claims_rst("*-as-printed")
    assert "salimans2016/two-sided-smoothing-no-incentive-as-printed" in refuted
    assert "goodfellow2014/prop1-optimal-discriminator" not in refuted
    assert "No registered claim matches" in tables.claims_rst("no-such-paper/*")


def test_gallery_lists_every_figure_with_its_command_and_claims():
    from experiments.figures import all_figures

    text = _load("ganac_tables").gallery_rst()
    for fig in all_figures():
        assert f"ganac figures {fig.name}" in text, fig.name
        for claim_id in fig.claims:
            assert f"``{claim_id}``" in text, (fig.name, claim_id)


def test_gallery_pictures_are_small_pngs_of_registered_figures():
    from experiments.figures import all_figures

    names = {fig.name for fig in all_figures()}
    pictures = sorted((DOCS / "gallery").glob("*"))
    assert pictures, "python docs/make_gallery.py draws them"
    for path in pictures:
        assert path.suffix == ".png" and path.stem in names, f"{path.name}: not a registered figure"
        data = path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", path.name
        assert len(data) <= 100_000, f"{path.name} is {len(data)} bytes; redraw it smaller"


def test_cli_page_has_every_subcommand():
    text = _load("ganac_tables").cli_rst()
    for name in ("verify", "list", "figures", "report", "derive", "show", "check", "init", "bench"):
        assert f"\nganac {name}\n" in text, name


def test_api_reference_documents_every_public_module():
    # Independent route: walk the source tree and import nothing.
    tables = _load("ganac_tables")
    documented = {m for page in tables.PILLARS for m in tables.pillar_modules(page)}
    expected = set()
    for pillar in ("theory", "solvers", "proofs_check"):
        for path in (ROOT / pillar).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            parts = parts[:-1] if parts[-1] == "__init__" else parts
            shim = "warn_module_renamed(__name__" in path.read_text(encoding="utf-8")
            if not shim and not any(p.startswith("_") for p in parts):
                expected.add(".".join(parts))
    expected |= {"experiments", "experiments.registry", "experiments.user", "experiments.where",
                 "experiments.figures", "experiments.report"}
    assert expected <= documented, sorted(expected - documented)
    assert not any(".claims." in m or m.endswith("_fig1") for m in documented)
    assert "solvers.tabular.stabilisers" not in documented  # deprecated spelling shims are not


def test_module_pages_summarise_and_document_their_names():
    tables = _load("ganac_tables")
    page = tables.module_page("theory.gan")
    assert page.startswith("theory.gan\n==========\n")
    assert ".. autofunction:: theory.gan.optimal_discriminator" in page
    assert ".. autoclass:: theory.gan.SmoothedFixedPoint" in page
    package = tables.module_page("theory")
    # The package re-exports its modules' names: linked, not documented twice.
    assert ":py:obj:`optimal_discriminator <theory.gan.optimal_discriminator>`" in package
    assert ".. autofunction:: theory.optimal_discriminator" not in package


def test_module_page_documents_constants_by_their_comment_or_value(tmp_path, monkeypatch):
    source = (
        '"""A module."""\n'
        '__all__ = ["NAMES", "PLAIN", "f"]\n'
        "#: The names, documented by a doc comment.\n"
        'NAMES = ("a", "b")\n'
        'PLAIN = ("c",)\n'
        "def f():\n"
        '    """A function."""\n'
    )
    (tmp_path / "ganac_docs_sample.py").write_text(source, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    tables = _load("ganac_tables")
    page = tables.module_page("ganac_docs_sample")
    assert ".. autodata:: ganac_docs_sample.NAMES" in page
    # Without a comment autodoc would print the docstring of tuple itself: the value instead.
    assert ".. py:data:: PLAIN\n   :value: ('c',)" in page
    assert ".. autofunction:: ganac_docs_sample.f" in page
    summary = page.split(".. autosummary::", 1)[1].split("\n\n", 2)[1]
    assert "NAMES" in summary and "f" in summary and "PLAIN" not in summary


# --- docstrings as reStructuredText ----------------------------------------------------------

def test_plaintext_docstrings_are_escaped_where_rst_would_misread_them():
    to_rst = _load("ganac_plaintext").plaintext_to_rst
    assert to_rst(["|x - y| <= eps"]) == [r"\|x - y\| <= eps"]
    assert to_rst(["shape (R, *shape) and lambda_ here"]) == [r"shape (R, \*shape) and lambda\_ here"]
    assert to_rst(["Title", "---"]) == ["Title", "-----"]
    assert to_rst(["Fields", "------"]) == ["Attributes", "----------"]
    # Valid markup is left alone: emphasis, literals, roles, math, doctests, footnotes.
    kept = ["a *real* emphasis and **strong**, ``|lit|``, :math:`|x|`, [1]_ and `ref`_"]
    assert to_rst(kept) == kept
    block = [".. math::", "", "   |x|^2 = x_", "", ">>> abs(-1)  # |x|", "1"]
    assert to_rst(block) == block
    literal_block = ["Example::", "", "    |kept|", "", "|escaped|"]
    assert to_rst(literal_block) == ["Example::", "", "    |kept|", "", r"\|escaped\|"]
    # An inline literal may run over two lines: nothing inside it is escaped.
    assert to_rst(["``{MLP (d, *hidden,", "k)}`` and (R, *shape)"]) == [
        "``{MLP (d, *hidden,", r"k)}`` and (R, \*shape)"]
    # An emphasis start-string with an end-string later in its paragraph is markup.
    assert to_rst(["the *which*", "and (d, *hidden)"]) == ["the *which*", r"and (d, \*hidden)"]


def test_no_docstring_has_a_section_numpydoc_would_drop():
    pytest.importorskip("numpydoc", reason="numpydoc is in the docs extra: pip install -e \".[docs]\"")
    import inspect
    import warnings

    from numpydoc.docscrape import NumpyDocString

    tables = _load("ganac_tables")
    to_rst = _load("ganac_plaintext").plaintext_to_rst
    problems = []
    for name in sorted({m for page in tables.PILLARS for m in tables.pillar_modules(page)}):
        module = importlib.import_module(name)
        for attr in tables.public_names(module):
            obj = getattr(module, attr, None)
            if obj is None or getattr(obj, "__module__", name) != name:
                continue
            doc = inspect.getdoc(obj) or ""
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                NumpyDocString("\n".join(to_rst(doc.splitlines())))
            problems += [f"{name}.{attr}: {w.message}" for w in caught]
    assert not problems, problems


def test_formulas_become_well_formed_mathml():
    for module in ("sphinx", "latex2mathml"):
        pytest.importorskip(module, reason=f"{module} is in the docs extra: pip install -e \".[docs]\"")
    to_mathml = _load("ganac_mathml").to_mathml
    out = to_mathml(r"\big\| \nabla f \big\| \le u \log u", display=True)
    assert out.startswith('<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">')
    assert "\\" not in out and "&#x02016;" in out  # the norm bars, not "\\|"
    assert '<mspace width="0.1667em" /><mi>log</mi><mspace width="0.1667em" />' in out
    with pytest.raises(ValueError, match="untranslated"):
        to_mathml(r"\notacommand x", display=False)  # a typo is a build error, not garbage


# --- the site --------------------------------------------------------------------------------

def _missing_docs_tools() -> str | None:
    missing = [m for m in ("sphinx", "numpydoc", "latex2mathml") if importlib.util.find_spec(m) is None]
    if missing:
        return (f"{', '.join(missing)} not installed: the documentation build needs the docs extra "
                "(pip install -e \".[docs]\"); CI installs it and runs this test")
    return None


def _build_site(base: Path) -> tuple[subprocess.CompletedProcess, Path]:
    """The site built from a copy of docs/ (so the build writes nothing into the work tree)."""
    src, out = base / "docs", base / "html"
    shutil.copytree(DOCS, src, ignore=shutil.ignore_patterns("_build", "generated", "__pycache__"))
    env = dict(os.environ, MPLBACKEND="Agg", GANAC_NO_PLUGINS="1")
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
                           str(src), str(out)], capture_output=True, text=True, env=env, cwd=base)
    print(f"documentation built in {time.perf_counter() - start:.0f} s")
    return proc, out


def _html(out: Path) -> dict[str, str]:
    return {p.relative_to(out).as_posix(): p.read_text(encoding="utf-8") for p in out.rglob("*.html")}


def test_site(tmp_path):
    """One build (about a minute; one test, so that pytest-xdist does not build it twice), then
    everything checked on its output."""
    reason = _missing_docs_tools()
    if reason:
        pytest.skip(reason)
    proc, out = _build_site(tmp_path)

    # Built, with no warning (-W makes any Sphinx warning an error; Python warnings too).
    assert proc.returncode == 0, proc.stderr[-5000:]
    assert "WARNING" not in proc.stderr and "ERROR" not in proc.stderr, proc.stderr[-5000:]
    assert "Warning:" not in proc.stderr, proc.stderr[-5000:]
    for page in ("index", "getting_started", "cli", "tutorial", "conventions", "testing", "claims",
                 "where", "gallery", "topics/gan_objectives", "topics/gan_survey", "topics/literature",
                 "api/theory", "api/generated/theory.gan", "api/generated/proofs_check.core"):
        assert (out / f"{page}.html").is_file(), page
    pages = _html(out)

    # Offline: nothing loaded from the network, no path of this machine in the pages.
    remote = re.compile(r"""(?:<script[^>]*\bsrc|<link[^>]*\bhref|<img[^>]*\bsrc)\s*=\s*["']?(?:https?:)?//""", re.I)
    for name, html in pages.items():
        assert not remote.search(html), f"{name} loads something from the network"
        assert str(ROOT) not in html, f"{name} holds a path of this machine"
        assert not re.search(r"<script[^>]*mathjax", html, flags=re.I), name
    for css in out.rglob("*.css"):
        assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", css.read_text(encoding="utf-8")), css.name

    # Formulas are MathML, rendered by the browser without scripts.
    for page in ("index.html", "topics/gan_objectives.html", "topics/gan_survey.html",
                 "api/generated/theory.gan.html", "api/generated/theory.divergences.html"):
        assert '<math xmlns="http://www.w3.org/1998/Math/MathML"' in pages[page], page
        assert "\\frac" not in pages[page], f"{page}: a formula was left as LaTeX"

    # Every registered claim is on the claims page, every figure in the gallery.
    from experiments.figures import all_figures
    from experiments.registry import all_claims

    missing = [c.id for c in all_claims() if c.id not in pages["claims.html"]]
    assert not missing, missing
    for fig in all_figures():
        assert f"ganac figures {fig.name}" in pages["gallery.html"], fig.name
        if (DOCS / "gallery" / f"{fig.name}.png").is_file():
            assert (out / "_images" / f"{fig.name}.png").is_file(), fig.name
