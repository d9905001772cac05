"""One shared figure style and the atomic writer used for every figure.

Two styles: ``"default"`` (:data:`STYLE`, the PNG/PDF every run writes) and ``"paper"``
(:data:`PAPER_STYLE`: 8 pt type, thin lines, TrueType fonts embedded in the PDF), for which
:func:`render_paper` writes each figure at a journal's single- and double-column widths
(:data:`PAPER_WIDTHS`) beside the default files, each PDF with its JSON sidecar.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import os
import tempfile
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on CI machines; library code never calls plt.show()
import matplotlib.pyplot as plt  # noqa: E402

STYLE = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 110,
    "savefig.dpi": 150,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "font.size": 10,
    "legend.frameon": False,
    "pdf.fonttype": 42,
    "svg.hashsalt": "ganac",
}


#: The paper style: what journals ask for (8 pt text, 7 pt ticks and legends, thin lines, serif
#: type; ``pdf.fonttype`` 42 embeds the fonts as TrueType instead of Type 3 outlines).
PAPER_STYLE = {
    **STYLE,
    "font.size": 8,
    "font.family": "serif",
    "font.serif": ["DejaVu Serif"],
    "mathtext.fontset": "dejavuserif",
    "axes.titlesize": 8,
    "axes.labelsize": 8,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 7,
    "lines.linewidth": 1.0,
    "lines.markersize": 3.0,
    "axes.linewidth": 0.6,
    "grid.linewidth": 0.4,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "figure.dpi": 100,
    "savefig.dpi": 300,
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
}
STYLES = {"default": STYLE, "paper": PAPER_STYLE}
#: Page widths of the paper style, inches: one column and two columns of a two-column journal
#: page (IEEE, ACM, NeurIPS/ICML two-column proceedings: about 3.5 in and 7.0 in).
PAPER_WIDTHS = {"1col": 3.5, "2col": 7.0}
#: A row of axes is kept at least this tall (inches) when a wide figure is scaled to a column.
MIN_ROW_HEIGHT = 1.3
#: A paper figure is never taller than this (inches; a page's text height is about 9 in).
MAX_HEIGHT = 9.0

_ACTIVE = contextvars.ContextVar("ganac_figure_style", default="default")


def current_style() -> dict:
    """The rc parameters of the style in use (:func:`use_style`), the default one otherwise."""
    return STYLES[_ACTIVE.get()]


@contextlib.contextmanager
def use_style(name: str):
    """Build figures in style ``name`` (``"default"`` or ``"paper"``) inside this block: both
    :func:`new_figure` and the artists a builder adds afterwards take its rc parameters."""
    if name not in STYLES:
        raise ValueError(f"`name` must be one of {sorted(STYLES)} (got {name!r})")
    token = _ACTIVE.set(name)
    try:
        with plt.rc_context(STYLES[name]):
            yield
    finally:
        _ACTIVE.reset(token)


def new_figure(*args, **kwargs):
    """``plt.subplots`` under the shared style (the one :func:`use_style` selected)."""
    with plt.rc_context(current_style()):
        return plt.subplots(*args, **kwargs)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and ``os.replace`` (never half-written)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        # mkstemp creates files readable by the owner only; give the usual umask-based mode.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save_figure(fig, out_dir: Path, name: str, *, formats=("pdf", "png"), meta: dict) -> list[Path]:
    """Save ``fig`` as ``out_dir/name.{fmt}`` plus ``name.json`` (seed, claims, version, data)."""
    import io

    from experiments import __version__
    from experiments.registry import jsonable

    written = []
    with plt.rc_context(current_style()):
        for fmt in formats:
            if fmt not in ("pdf", "png", "svg"):
                raise ValueError(f"`formats` entries must be 'pdf', 'png' or 'svg' (got {fmt!r})")
            buf = io.BytesIO()
            # Fixed metadata so the same seed gives byte-identical PDFs.
            metadata = {"CreationDate": None} if fmt == "pdf" else ({"Software": None} if fmt == "png" else None)
            fig.savefig(buf, format=fmt, metadata=metadata, bbox_inches="tight")
            target = Path(out_dir) / f"{name}.{fmt}"
            atomic_write_bytes(target, buf.getvalue())
            written.append(target)
    plt.close(fig)
    sidecar = Path(out_dir) / f"{name}.json"
    payload = dict(meta, version=__version__, files=[p.name for p in written])
    atomic_write_bytes(sidecar, json.dumps(jsonable(payload), indent=2).encode())
    written.append(sidecar)
    return written


def _subplot_rows(fig) -> int:
    rows = [ax.get_subplotspec().get_gridspec().nrows for ax in fig.axes if ax.get_subplotspec() is not None]
    return max(rows, default=1)


def paper_size(fig, width: float) -> tuple[float, float]:
    """(width, height) in inches for ``fig`` at page width ``width``: its aspect ratio kept, each
    row of axes at least :data:`MIN_ROW_HEIGHT` tall, at most :data:`MAX_HEIGHT` in all."""
    w0, h0 = fig.get_size_inches()
    height = max(width * h0 / w0, MIN_ROW_HEIGHT * _subplot_rows(fig))
    return float(width), float(min(height, MAX_HEIGHT))


def layout_fits(fig, *, tolerance_px: float = 2.0) -> bool:
    """Whether every axes (with its labels, ticks, title and legend) and every figure-level text
    lies inside the figure, and no two axes' decorations overlap (twin axes, which share one
    position, count as one).  ``tolerance_px``: overlaps and overhangs up to this many pixels
    (at the figure's dpi) are rounding, not a collision."""
    renderer = fig.canvas.get_renderer()
    groups: dict[tuple, object] = {}
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        key = tuple(round(v, 6) for v in ax.get_position().bounds)
        box = ax.get_tightbbox(renderer)
        if box is None:
            continue
        groups[key] = box if key not in groups else type(box).union([groups[key], box])
    boxes = list(groups.values())
    boxes += [t.get_window_extent(renderer) for t in fig.texts if t.get_visible() and t.get_text()]
    frame = fig.bbox
    tol = tolerance_px
    for b in boxes:
        if b.x0 < frame.x0 - tol or b.y0 < frame.y0 - tol or b.x1 > frame.x1 + tol or b.y1 > frame.y1 + tol:
            return False
    axes_boxes = list(groups.values())
    for i, a in enumerate(axes_boxes):
        for b in axes_boxes[i + 1:]:
            overlap_w = min(a.x1, b.x1) - max(a.x0, b.x0)
            overlap_h = min(a.y1, b.y1) - max(a.y0, b.y0)
            if overlap_w > tol and overlap_h > tol:
                return False
    return True


def save_paper_figure(fig, out_dir: Path, name: str, *, meta: dict,
                      widths: dict | None = None) -> list[Path]:
    """Save ``fig`` (built under ``use_style("paper")``) as ``out_dir/name.<label>.pdf`` at each
    page width of ``widths`` (default :data:`PAPER_WIDTHS`), each with a JSON sidecar
    ``name.<label>.json`` (``meta`` plus the width, the size and the style).

    The page is exactly that wide: the figure is resized (:func:`paper_size`) and laid out
    again (``tight_layout``).  Whether the drawing fits -- matplotlib found a layout, nothing
    sticks out of the page and no two axes' labels collide (:func:`layout_fits`) -- is recorded
    in the sidecar as ``"layout_fits"``; a figure that does not fit a width needs a builder
    made for it (fewer panels per row, shorter labels) or the wider version.
    """
    import io

    from experiments import __version__
    from experiments.registry import jsonable

    widths = dict(PAPER_WIDTHS if widths is None else widths)
    for label, width in widths.items():
        if isinstance(width, bool) or not isinstance(width, (int, float)) or not width > 0:
            raise ValueError(f"`widths` must map labels to positive widths in inches (got {label!r}: {width!r})")
    written = []
    with plt.rc_context(PAPER_STYLE):
        for label, width in widths.items():
            size = paper_size(fig, width)
            fig.set_size_inches(*size)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                # twice: the first pass measures the text with the renderer of the previous size
                fig.tight_layout(pad=0.3)
                fig.tight_layout(pad=0.3)
            fits = not caught and layout_fits(fig)
            buf = io.BytesIO()
            fig.savefig(buf, format="pdf", metadata={"CreationDate": None})
            target = Path(out_dir) / f"{name}.{label}.pdf"
            atomic_write_bytes(target, buf.getvalue())
            sidecar = target.with_suffix(".json")
            payload = dict(meta, version=__version__, files=[target.name], style="paper", width_in=size[0],
                           height_in=size[1], layout_fits=fits, fonttype=PAPER_STYLE["pdf.fonttype"])
            atomic_write_bytes(sidecar, json.dumps(jsonable(payload), indent=2).encode())
            written += [target, sidecar]
    plt.close(fig)
    return written


def render_paper(name: str, out_dir: Path, *, seed: int = 0, fast: bool = True,
                 widths: dict | None = None) -> list[Path]:
    """Build figure ``name`` in the paper style and write it at each page width (see
    :func:`save_paper_figure`); returns the files written.  The default files of the same figure
    are :func:`experiments.figures.render`'s."""
    from experiments import figures

    spec = figures.get(name)
    with use_style("paper"):
        fig, data = spec.build(seed=seed, fast=fast)
        meta = {"figure": spec.name, "title": spec.title, "claims": list(spec.claims), "seed": seed,
                "fast": fast, "data": data}
        return save_paper_figure(fig, Path(out_dir), spec.name, meta=meta, widths=widths)
