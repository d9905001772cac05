"""Draw the documentation gallery's pictures: ``python docs/make_gallery.py [NAME ...]``.

Each registered figure (``experiments.figures``) is built at the fast tier, seed 0 -- the same
builder and numbers as ``ganac figures NAME`` -- and saved as a small PNG,
``docs/gallery/NAME.png``, at most 1000 pixels wide and under 100 KB, which the gallery page
shows next to the claims the figure checks.  With no names, every figure is drawn (about a
minute of CPU) and pictures of figures no longer registered are removed.  The full-resolution
PDF/PNG with its JSON sidecar is what ``ganac figures NAME`` writes.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

GALLERY = Path(__file__).resolve().parent / "gallery"
MAX_WIDTH_PX = 1000
MAX_BYTES = 100_000


def thumbnail(name: str, *, seed: int = 0) -> bytes:
    """Figure ``name`` as PNG bytes, at most :data:`MAX_WIDTH_PX` wide and :data:`MAX_BYTES`."""
    import matplotlib.pyplot as plt

    from experiments.figures import get

    fig, _ = get(name).build(seed=seed, fast=True)
    try:
        dpi = min(100.0, MAX_WIDTH_PX / fig.get_figwidth())
        while True:
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
            if buf.tell() <= MAX_BYTES or dpi < 30:
                break
            dpi *= 0.85
    finally:
        plt.close(fig)
    data = buf.getvalue()
    if len(data) > MAX_BYTES:
        raise ValueError(f"figure {name!r} does not fit in {MAX_BYTES} bytes even at {dpi:.0f} dpi")
    return data


def main(names: list[str]) -> int:
    os.environ.setdefault("MPLBACKEND", "Agg")
    from experiments.figures import all_figures

    registered = [f.name for f in all_figures()]
    unknown = sorted(set(names) - set(registered))
    if unknown:
        print(f"unknown figure(s) {unknown}; registered: {registered}", file=sys.stderr)
        return 2
    GALLERY.mkdir(exist_ok=True)
    for name in names or registered:
        data = thumbnail(name)
        (GALLERY / f"{name}.png").write_bytes(data)
        print(f"{name}: {len(data) / 1000:.0f} KB")
    if not names:
        for stale in sorted(set(GALLERY.glob("*.png")) - {GALLERY / f"{n}.png" for n in registered}):
            stale.unlink()
            print(f"removed {stale.name} (no such figure)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
