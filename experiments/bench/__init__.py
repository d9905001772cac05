"""Benchmarks (``ganac bench``): speed as ratios against peers run side by side in one process.

A benchmark module registers a function with :func:`benchmark`; it takes ``quick`` (small
sizes, used by the test suite to keep the code path alive) and returns a list of
:class:`BenchRow`.  Never assert on timings in tests.
"""

from __future__ import annotations

import importlib
import pkgutil
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from types import MappingProxyType

__all__ = ["BenchRow", "benchmark", "all_benchmarks", "best_time"]


@dataclass
class BenchRow:
    """One measurement: our time vs a peer's on the same input.

    ``ratio`` = peer_seconds / ours_seconds (> 1 means ganac is faster).  ``agree`` records
    the largest difference between the two results, so a fast wrong answer shows.
    """

    name: str
    size: str
    ours_seconds: float
    peer: str | None = None
    peer_seconds: float | None = None
    agree: float | None = None
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.peer_seconds is None or self.ours_seconds <= 0:
            return None
        return self.peer_seconds / self.ours_seconds

    def to_json(self) -> dict:
        d = asdict(self)
        d["ratio"] = self.ratio
        return d


def best_time(fn: Callable[[], object], *, repeat: int = 3, min_time: float = 0.05) -> float:
    """Best wall time of ``fn()`` over ``repeat`` rounds, each looping until ``min_time``."""
    best = float("inf")
    for _ in range(repeat):
        n = 0
        start = time.perf_counter()
        while True:
            fn()
            n += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_time:
                break
        best = min(best, elapsed / n)
    return best


_BENCHES: dict[str, Callable[..., list[BenchRow]]] = {}
BENCHES: Mapping[str, Callable[..., list[BenchRow]]] = MappingProxyType(_BENCHES)


def benchmark(name: str) -> Callable:
    def register(fn: Callable) -> Callable:
        _BENCHES[name] = fn
        return fn

    return register


def all_benchmarks() -> Mapping[str, Callable[..., list[BenchRow]]]:
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
    return BENCHES
