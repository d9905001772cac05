"""``report.html`` in a real browser: headless Chromium renders the report of a small run.

``ganac verify`` runs a few fast claims (two with sympy derivations, one figure, one refuted
statement, three papers) into a temporary folder; Chromium then dumps the DOM it built
(``--dump-dom``, after the page's inline script ran) and takes a screenshot of the first screen.
The DOM must hold a section per paper, each claim's statement, MathML where a claim has a
derivation and only there, the figure embedded as data; the file must name no absolute path;
the screenshot must not be blank; and the page opened as ``report.html?verdict=pass&q=chi2``
must show exactly the passing claims that mention chi2 (the inline filter script at work).

Skipped, with the reason, where no Chromium can be found or started (``.ci/run`` installs the OS
package ``chromium`` when it is missing and apt-get is usable).
"""

import base64
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import experiments
from experiments import cli
from tests.experiments.test_report_html import MATHML_NS, assert_self_contained, parse, without_data_uris

#: The run: symbolic derivations (mao2017), a figure (vanhasselt2015_fig1, owned by the claim
#: below), a refuted statement (arjovsky2017) and an exact-only claim (lin1991).  About 5 s.
CLAIMS = ",".join([
    "mao2017/optimal-discriminator",
    "mao2017/pearson-chi2-criterion",
    "lin1991/js-bounds",
    "vanhasselt2015-figs/fig1-q-bias-expected-max",
    "arjovsky2017/js-definition-vs-example1-as-printed",
])
WINDOW = (1280, 900)
TIMEOUT = 90  # seconds for one Chromium call; a cold start on a loaded CI machine takes a few


def _find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture
def chromium(tmp_path_factory):
    exe = _find_chromium()
    if exe is None:
        pytest.skip("headless Chromium not found: install the OS package `chromium` (apt-get install -y "
                    "chromium; .ci/run does this when it can) to run the browser test")
    profile = tmp_path_factory.mktemp("chromium-profile")

    def run(*args: str) -> subprocess.CompletedProcess:
        flags = ["--headless", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
                 "--disable-extensions", "--hide-scrollbars", f"--user-data-dir={profile}",
                 f"--window-size={WINDOW[0]},{WINDOW[1]}"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            flags.append("--no-sandbox")  # Chromium refuses to run as root with its sandbox
        return subprocess.run([exe, *flags, *args], capture_output=True, text=True, timeout=TIMEOUT)

    try:
        probe = run("--dump-dom", "data:text/html,<p>ok</p>")
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"{exe} could not be started headless: {exc}")
    if probe.returncode != 0 or "<p>ok</p>" not in probe.stdout:
        pytest.skip(f"{exe} could not be started headless (exit {probe.returncode}): {probe.stderr.strip()[-300:]}")
    return run


def render(chromium, out: Path):
    """Run the claims into ``out``, then dump the DOM and take a screenshot of the first screen."""
    assert cli.main(["verify", "-j", "1", "--no-progress", "--only", CLAIMS, "--out", str(out)]) == 0
    url = (out / "report.html").resolve().as_uri()
    dom = chromium("--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    shot = out / "first-screen.png"
    taken = chromium(f"--screenshot={shot}", url)
    assert taken.returncode == 0 and shot.exists(), taken.stderr[-2000:]
    filtered = chromium("--dump-dom", url + "?verdict=pass&q=chi2")
    assert filtered.returncode == 0, filtered.stderr[-2000:]
    results = json.loads((out / "results.json").read_text())["claims"]
    return out, dom.stdout, shot, results, filtered.stdout


def check_a_section_per_paper_and_every_statement(rendered):
    out, dom, _, results, _ = rendered
    root = parse(dom)
    papers = {s.attrs["data-paper"]: s for s in root.find_all("section", "paper")}
    assert set(papers) == {r["id"].split("/")[0] for r in results} == {"mao2017", "lin1991", "vanhasselt2015-figs",
                                                                       "arjovsky2017"}
    for r in results:
        section = papers[r["id"].split("/")[0]]
        (article,) = [a for a in section.find_all("article", "claim") if "".join(a.find_all("h3")[0].text) == r["id"]]
        assert article.find_all("p", "statement")[0].text_content() == r["statement"]
        assert article.attrs["data-verdict"] == r["status"]
    assert {r["status"] for r in results} == {"pass", "refuted"}


def check_the_inline_script_ran(rendered):
    """The browser ran the page's script: the filter form is shown and counts the claims."""
    _, dom, _, results, _ = rendered
    root = parse(dom)
    (form,) = root.find_all("form")
    assert "hidden" not in form.attrs
    assert root.find_all("output")[0].text_content() == f"{len(results)} of {len(results)} claims shown"


def check_the_filter(rendered):
    """``report.html?verdict=pass&q=chi2``: the browser shows only passing claims whose text holds
    "chi2" (case-insensitive), and hides papers left without a claim."""
    _, _, _, results, filtered = rendered
    root = parse(filtered)
    articles = {"".join(a.find_all("h3")[0].text): a for a in root.find_all("article", "claim")}
    status = {r["id"]: r["status"] for r in results}
    shown = {i for i, a in articles.items() if "hidden" not in a.attrs}
    expected = {i for i, a in articles.items() if status[i] == "pass" and "chi2" in a.text_content().lower()}
    assert shown == expected and "mao2017/pearson-chi2-criterion" in shown
    assert "arjovsky2017/js-definition-vs-example1-as-printed" not in shown  # refuted
    papers = {s.attrs["data-paper"]: "hidden" in s.attrs for s in root.find_all("section", "paper")}
    assert papers["arjovsky2017"] and not papers["mao2017"]
    assert root.find_all("output")[0].text_content() == f"{len(shown)} of {len(results)} claims shown"


def check_mathml_where_there_are_derivations(rendered):
    _, dom, _, results, _ = rendered
    root = parse(dom)
    articles = {"".join(a.find_all("h3")[0].text): a for a in root.find_all("article", "claim")}
    with_steps = [r for r in results if any(d.get("steps") for d in r.get("derivations") or ())]
    assert {r["id"] for r in with_steps} == {"mao2017/optimal-discriminator", "mao2017/pearson-chi2-criterion"}
    for r in results:
        maths = articles[r["id"]].find_all("math")
        n_steps = sum(len(d["steps"]) for d in r.get("derivations") or ())
        n_block = sum(m.attrs.get("display") == "block" for m in maths)
        assert n_block == n_steps  # one displayed formula per step, none elsewhere
        assert all(m.attrs.get("xmlns") == MATHML_NS for m in maths)
        if n_steps:
            assert any(m.find_all("mfrac") for m in maths)  # D* = (b p + a q)/(p + q) is a fraction


def check_figure_embedded(rendered):
    out, dom, _, results, _ = rendered
    root = parse(dom)
    symbols = {s.attrs["id"]: s for s in root.find_all("symbol")}
    owner = next(r for r in results if r["id"] == "vanhasselt2015-figs/fig1-q-bias-expected-max")
    pngs = [f for f in owner["figures"] if f.endswith(".png")]
    assert pngs == ["figures/vanhasselt2015_fig1.png"]
    article = next(a for a in root.find_all("article", "claim") if "".join(a.find_all("h3")[0].text) == owner["id"])
    (svg,) = article.find_all("svg", "figimg")
    assert svg.attrs["role"] == "img" and svg.attrs["aria-label"].strip()
    href = svg.find_all("use")[0].attrs["href"]
    image = symbols[href[1:]].find_all("image")[0].attrs["href"]
    assert image.startswith("data:image/png;base64,")
    assert base64.b64decode(image.split(",", 1)[1]) == (out / pngs[0]).read_bytes()


def check_self_contained_and_no_absolute_path(rendered):
    out, _, _, _, _ = rendered
    page = (out / "report.html").read_text()
    assert_self_contained(page)
    text = without_data_uris(page)
    project = Path(experiments.__file__).resolve().parents[1]
    for root_dir in (str(out), str(out.resolve()), str(project), str(Path.home()), os.getcwd()):
        assert root_dir not in text, root_dir
    for top in os.listdir("/"):
        assert not re.search(rf"(?<!…)/{re.escape(top)}/", text), top


def check_screenshot_is_not_blank(rendered):
    """The first screen, as Chromium drew it: the window's size, with text and colour on it.

    A blank page is one colour; a page of anti-aliased text, the summary table and the coloured
    verdict badges has hundreds.  The thresholds (50 colours, 1 % to 60 % of pixels not white)
    are far from both: the first screen measured 879 colours and 7.1 % non-white pixels
    (9.7 % in the left half, 4.5 % in the right).
    """
    import matplotlib.image

    _, _, shot, _, _ = rendered
    pixels = matplotlib.image.imread(shot)
    assert pixels.shape[:2] == (WINDOW[1], WINDOW[0])
    rgb = np.round(pixels[..., :3] * 255).astype(np.int64)
    colours = np.unique(rgb.reshape(-1, 3) @ np.array([65536, 256, 1]))
    assert colours.size > 50
    inked = np.any(rgb < 235, axis=-1)
    assert 0.01 < inked.mean() < 0.6
    assert inked[:120].any()  # the title at the top
    assert inked[:, : WINDOW[0] // 2].mean() > inked[:, WINDOW[0] // 2:].mean()  # text is left-aligned


def test_report_in_chromium(chromium, tmp_path):
    """One run, one browser session, every check (one test, so that pytest-xdist workers do not
    each repeat the run)."""
    rendered = render(chromium, tmp_path)
    check_a_section_per_paper_and_every_statement(rendered)
    check_the_inline_script_ran(rendered)
    check_the_filter(rendered)
    check_mathml_where_there_are_derivations(rendered)
    check_figure_embedded(rendered)
    check_self_contained_and_no_absolute_path(rendered)
    check_screenshot_is_not_blank(rendered)


def test_a_blank_screenshot_fails_the_check(tmp_path):
    """Negative control (no browser needed): a white first screen, or one of two colours."""
    import matplotlib.image

    white = np.ones((WINDOW[1], WINDOW[0], 3))
    matplotlib.image.imsave(tmp_path / "white.png", white)
    with pytest.raises(AssertionError):
        check_screenshot_is_not_blank((None, None, tmp_path / "white.png", None, None))
    white[:60, :400] = 0.0  # one black block where the title would be: still only two colours
    matplotlib.image.imsave(tmp_path / "block.png", white)
    with pytest.raises(AssertionError):
        check_screenshot_is_not_blank((None, None, tmp_path / "block.png", None, None))
