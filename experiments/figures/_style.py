"""One shared figure style and the atomic writer used for every figure."""

from __future__ import annotations

import json
import os
import tempfile
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


def new_figure(*args, **kwargs):
    """``plt.subplots`` under the shared style."""
    with plt.rc_context(STYLE):
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
    with plt.rc_context(STYLE):
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
