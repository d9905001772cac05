"""Paper figures: one module per reproduced figure, ``<paper>_<figure>.py``.

Each module registers a builder with :func:`figure`.  A builder takes ``seed`` and ``fast``
keyword arguments and returns ``(matplotlib.figure.Figure, data)`` where ``data`` is a JSON-able
dict of the numbers drawn; only :func:`render` writes files (PDF + PNG + a JSON sidecar with
the seed, the claim ids and the package version), each atomically.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

__all__ = ["Figure", "figure", "all_figures", "get", "render"]


@dataclass(frozen=True)
class Figure:
    name: str
    title: str
    claims: tuple[str, ...]
    build: Callable


_FIGURES: dict[str, Figure] = {}
FIGURES: Mapping[str, Figure] = MappingProxyType(_FIGURES)


def figure(name: str, *, title: str, claims: Iterable[str] = ()) -> Callable:
    """Register a figure builder under ``name`` (the module's file name)."""

    def register(fn: Callable) -> Callable:
        if name in _FIGURES and _FIGURES[name].build is not fn:
            raise ValueError(f"figure {name!r} is registered twice")
        _FIGURES[name] = Figure(name, title, tuple(claims), fn)
        return fn

    return register


def _load_all() -> None:
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")


def all_figures() -> list[Figure]:
    _load_all()
    return sorted(FIGURES.values(), key=lambda f: f.name)


def get(name: str) -> Figure:
    """The figure registered as ``name``; ``-`` and ``_`` are interchangeable
    (``pfau2016-table1`` is ``pfau2016_table1``)."""
    _load_all()
    try:
        return FIGURES[name.replace("-", "_")]
    except KeyError:
        raise KeyError(f"no figure named {name!r}; see `ganac list`") from None


def render(name: str, out_dir: Path, *, seed: int = 0, fast: bool = True,
           formats: Iterable[str] = ("pdf", "png")) -> list[Path]:
    """Build figure ``name`` and write it into ``out_dir``; returns the files written."""
    from experiments.figure_style import save_figure

    fig_spec = get(name)
    fig, data = fig_spec.build(seed=seed, fast=fast)
    name = fig_spec.name
    meta = {"figure": name, "title": fig_spec.title, "claims": list(fig_spec.claims),
            "seed": seed, "fast": fast, "data": data}
    written = save_figure(fig, Path(out_dir), name, formats=tuple(formats), meta=meta)
    if isinstance(data, dict) and isinstance(data.get("markdown"), str):
        # Tables are also written as Markdown, which the verification report embeds.
        from experiments.figure_style import atomic_write_bytes

        md = Path(out_dir) / f"{name}.md"
        atomic_write_bytes(md, data["markdown"].encode())
        written.append(md)
    return written
