"""``ganac figures --style paper``: PDFs at one- and two-column widths with embedded TrueType
fonts, beside the default PNG/PDF, every file with its JSON sidecar.

The PDF checks read the files themselves: the page size from ``/MediaBox`` (points, 72 per
inch) and the fonts from the font dictionaries (``/FontFile2`` is an embedded TrueType
program; ``/Type3`` would be matplotlib's default outline fonts, which journals reject).
"""

import json
import re

import matplotlib
import pytest

from experiments import cli, figures
from experiments import figure_style
from experiments.figure_style import (PAPER_STYLE, PAPER_WIDTHS, STYLE, current_style, new_figure,
                                        render_paper, use_style)

#: 1 inch = 72 PostScript points; matplotlib writes the MediaBox with a few decimals.
POINTS_PER_INCH = 72.0
MEDIABOX_ATOL = 0.01


def _media_box(pdf: bytes) -> tuple[float, float]:
    boxes = re.findall(rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]", pdf)
    assert len(boxes) == 1, boxes  # one page
    x0, y0, x1, y1 = map(float, boxes[0])
    return x1 - x0, y1 - y0


def _build(*, seed, fast):
    fig, (ax, bx) = new_figure(1, 2, figsize=(9, 3.5))
    ax.plot([0, 1, 2], [0, 1, 4], label="x^2")
    ax.set_xlabel("number of actions m")
    ax.set_ylabel("bias")
    ax.legend()
    bx.bar(["a", "b"], [seed + 1, 2])
    bx.set_title("$\\gamma$-discounted")
    fig.tight_layout()
    return fig, {"seed": seed, "values": [0, 1, 4]}


@pytest.fixture
def demo_figure(monkeypatch):
    monkeypatch.setitem(figures._FIGURES, "demo_paper", figures.Figure("demo_paper", "A demo", ("demo/x",), _build))
    return "demo_paper"


def test_use_style_sets_and_restores(demo_figure):
    base = matplotlib.rcParams["font.size"]
    with use_style("paper"):
        assert current_style() is PAPER_STYLE
        fig, ax = new_figure()
        label = ax.set_xlabel("x")  # created after new_figure returned: still the paper size
        assert label.get_fontsize() == PAPER_STYLE["font.size"] == 8
        assert ax.xaxis.get_ticklabels()[0].get_fontsize() == PAPER_STYLE["xtick.labelsize"]
    assert current_style() is STYLE
    assert matplotlib.rcParams["font.size"] == base
    fig, ax = new_figure()
    assert ax.set_xlabel("x").get_fontsize() == STYLE["font.size"]
    with pytest.raises(ValueError, match="`name`"):
        with use_style("poster"):
            pass


def test_render_paper_widths_fonts_and_sidecars(demo_figure, tmp_path):
    written = render_paper(demo_figure, tmp_path, seed=3)
    names = sorted(p.name for p in written)
    assert names == ["demo_paper.1col.json", "demo_paper.1col.pdf", "demo_paper.2col.json", "demo_paper.2col.pdf"]
    for label, width_in in PAPER_WIDTHS.items():
        pdf = (tmp_path / f"demo_paper.{label}.pdf").read_bytes()
        meta = json.loads((tmp_path / f"demo_paper.{label}.json").read_text())
        assert meta["layout_fits"] is True  # this figure fits both widths
        width, height = _media_box(pdf)
        assert width == pytest.approx(width_in * POINTS_PER_INCH, abs=MEDIABOX_ATOL)
        assert height == pytest.approx(meta["height_in"] * POINTS_PER_INCH, abs=MEDIABOX_ATOL)
        # fonts embedded as TrueType (pdf.fonttype 42), none as Type 3
        assert b"/FontFile2" in pdf
        assert b"/Type3" not in pdf and b"/Subtype /Type3" not in pdf
        assert meta["files"] == [f"demo_paper.{label}.pdf"]
        assert meta["figure"] == "demo_paper" and meta["claims"] == ["demo/x"] and meta["seed"] == 3
        assert meta["data"] == {"seed": 3, "values": [0, 1, 4]} and meta["fonttype"] == 42
    # the same seed gives the same bytes (no creation date in the file)
    again = tmp_path / "again"
    render_paper(demo_figure, again, seed=3, widths={"1col": PAPER_WIDTHS["1col"]})
    assert (again / "demo_paper.1col.pdf").read_bytes() == (tmp_path / "demo_paper.1col.pdf").read_bytes()


def test_default_files_unchanged_by_paper_style(demo_figure, tmp_path):
    """The default files are written as before (figure size 9 x 3.5 in, 10 pt), paper or not."""
    plain = figures.render(demo_figure, tmp_path / "plain")
    assert cli.main(["figures", demo_figure, "--out", str(tmp_path / "both"), "--style", "paper"]) == 0
    for name in ("demo_paper.pdf", "demo_paper.png"):
        assert (tmp_path / "both" / name).read_bytes() == (tmp_path / "plain" / name).read_bytes()
    produced = sorted(p.name for p in (tmp_path / "both").iterdir())
    assert produced == sorted([p.name for p in plain] + ["demo_paper.1col.pdf", "demo_paper.1col.json",
                                                          "demo_paper.2col.pdf", "demo_paper.2col.json"])
    # every PDF has its sidecar next to it
    for pdf in (tmp_path / "both").glob("*.pdf"):
        assert pdf.with_suffix(".json").exists()


def test_a_drawing_that_does_not_fit_is_flagged(monkeypatch, tmp_path, capsys):
    def crowded(*, seed, fast):
        fig, axes = new_figure(1, 4, figsize=(18, 3))
        for ax in axes:  # four labels of ~3 in each side by side: they collide at 3.5 in
            ax.set_xlabel("a very long axis label that cannot fit four times in 3.5 inches")
        return fig, {}

    monkeypatch.setitem(figures._FIGURES, "demo_crowded", figures.Figure("demo_crowded", "t", (), crowded))
    monkeypatch.setattr(figure_style, "PAPER_WIDTHS", {"1col": PAPER_WIDTHS["1col"]})  # one width is enough here
    assert cli.main(["figures", "demo_crowded", "--out", str(tmp_path), "--style", "paper", "--format", "png"]) == 0
    assert not (tmp_path / "demo_crowded.2col.pdf").exists()
    meta = json.loads((tmp_path / "demo_crowded.1col.json").read_text())
    width, _ = _media_box((tmp_path / "demo_crowded.1col.pdf").read_bytes())
    assert meta["layout_fits"] is False
    assert width == pytest.approx(PAPER_WIDTHS["1col"] * POINTS_PER_INCH, abs=MEDIABOX_ATOL)  # still the column
    assert "does not fit 3.5 in" in capsys.readouterr().err


def test_layout_fits_sees_overlap_and_overhang():
    """layout_fits against layouts whose geometry is known: side by side with room, on top of
    each other, and a label pushed outside the page."""
    from experiments.figure_style import layout_fits

    fig, (a, b) = new_figure(1, 2, figsize=(8, 3))
    fig.tight_layout()
    assert layout_fits(fig)
    box = a.get_position()
    b.set_position([box.x0 + 0.05, box.y0, box.width, box.height])  # b shifted onto a
    assert not layout_fits(fig)
    fig, ax = new_figure(figsize=(4, 3))
    fig.tight_layout()
    ax.text(1.5, 0.5, "far outside the axes and the page", transform=ax.transAxes)
    assert not layout_fits(fig)
    fig, ax = new_figure(figsize=(4, 3))  # a twin shares its parent's position: not a collision
    twin = ax.twinx()
    twin.set_ylabel("right")
    fig.tight_layout()
    assert layout_fits(fig)


def test_bad_style_is_refused(tmp_path):
    with pytest.raises(SystemExit):
        cli.main(["figures", "arjovsky2017_fig1", "--out", str(tmp_path), "--style", "poster"])
