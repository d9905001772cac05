"""Benchmarks (``ganac bench``): speed as ratios against peers run side by side in one process.

A benchmark module registers a function with :func:`benchmark`; it takes ``quick`` (small
sizes, used by the test suite to keep the code path alive) and returns a list of
:class:`BenchRow`.  Never assert on timings in tests.
"""

from __future__ import annotations

import ctypes
import glob
import importlib
import os
import platform
import pkgutil
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from types import MappingProxyType
from theory.deprecation import deprecated_method

__all__ = ["BenchRow", "benchmark", "all_benchmarks", "best_time", "round_robin", "openblas_threads",
           "machine", "format_machine"]


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

    def to_dict(self) -> dict:
        d = asdict(self)
        d["ratio"] = self.ratio
        return d

    to_json = deprecated_method("to_dict")


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


def round_robin(fns: Mapping[str, Callable[[], object]], *, rounds: int,
                batch_time: float) -> dict[str, float]:
    """Best seconds per call of each function, the functions taking turns.

    Each function first gets a batch size (doubling from 1 call until a batch lasts
    ``batch_time``; one call per batch when ``batch_time`` <= 0, without a calibration run);
    then every round runs one batch of each function in turn, and the fastest batch per
    function counts.  Turns make a load change from other processes hit every function alike;
    the minimum discards batches that were preempted.
    """
    reps = {}
    for name, fn in fns.items():
        n = 1
        while batch_time > 0:
            start = time.perf_counter()
            for _ in range(n):
                fn()
            if time.perf_counter() - start >= batch_time or n >= 1 << 16:
                break
            n *= 2
        reps[name] = n
    best = {name: float("inf") for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            n = reps[name]
            start = time.perf_counter()
            for _ in range(n):
                fn()
            best[name] = min(best[name], (time.perf_counter() - start) / n)
    return best


def openblas_threads() -> tuple[Callable[[], int], Callable[[int], None]] | None:
    """(get, set) of the thread count of numpy's bundled OpenBLAS, or None when not found.

    Found through OpenBLAS's own entry points in the library numpy ships (``numpy.libs``), so
    a benchmark can run on one BLAS thread and restore the count afterwards.
    """
    import numpy

    base = os.path.dirname(os.path.dirname(numpy.__file__))
    names = [("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
             ("scipy_openblas_get_num_threads", "scipy_openblas_set_num_threads"),
             ("openblas_get_num_threads64_", "openblas_set_num_threads64_"),
             ("openblas_get_num_threads", "openblas_set_num_threads")]
    for path in sorted(glob.glob(os.path.join(base, "numpy.libs", "*openblas*"))):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for get_name, set_name in names:
            if hasattr(lib, get_name) and hasattr(lib, set_name):
                get, set_ = getattr(lib, get_name), getattr(lib, set_name)
                get.restype = ctypes.c_int
                set_.argtypes = [ctypes.c_int]
                return (lambda: int(get())), (lambda n: set_(int(n)))
    return None


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


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def _simd() -> dict:
    """numpy's SIMD baseline (compiled in) and the extensions found on this CPU."""
    import numpy as np

    try:
        ext = (np.show_config(mode="dicts") or {}).get("SIMD Extensions") or {}
        if ext:
            return {"baseline": list(ext.get("baseline", [])), "found": list(ext.get("found", []))}
    except (TypeError, ValueError, KeyError):  # numpy < 1.25 has no mode="dicts"
        pass
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as feats
    except ImportError:
        try:
            from numpy.core._multiarray_umath import __cpu_features__ as feats
        except ImportError:
            return {}
    return {"found": [k for k, v in feats.items() if v]}


def _blas() -> str:
    """The BLAS numpy calls: threadpoolctl's runtime view if installed, else numpy's build info."""
    try:
        from threadpoolctl import threadpool_info

        libs = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        if libs:
            return "; ".join(f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')}, "
                             f"{i.get('num_threads')} threads)" for i in libs)
    except ImportError:
        pass
    import numpy as np

    try:
        blas = (np.show_config(mode="dicts") or {})["Build Dependencies"]["blas"]
        config = blas.get("openblas configuration", "")
        return f"{blas.get('name')} {blas.get('version')}" + (f" ({config})" if config else "")
    except (TypeError, ValueError, KeyError):
        return "unknown"


def machine() -> dict:
    """What a benchmark number depends on: CPU model, SIMD, BLAS, cores, versions, load."""
    import numpy as np
    import scipy

    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        load = None
    return {
        "cpu": _cpu_model(),
        "simd": _simd(),
        "blas": _blas(),
        "blas_threads_env": os.environ.get("OPENBLAS_NUM_THREADS"),
        "cores": os.cpu_count(),
        "cores_usable": usable,
        "load_average": load,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
    }


def format_machine(info: dict) -> str:
    """``machine()`` as a few lines for the text output of ``ganac bench``."""
    simd = info.get("simd") or {}
    simd_text = ", ".join(f"{k}: {' '.join(v)}" for k, v in simd.items()) or "unknown"
    load = info.get("load_average")
    busy = ""
    if load and info.get("cores_usable") and load[0] > info["cores_usable"]:
        busy = " (more runnable processes than cores: timings are under load by other processes)"
    return "\n".join([
        f"machine: {info['cpu']}, {info['cores_usable']} of {info['cores']} cores usable, {info['os']}",
        f"SIMD (numpy): {simd_text}",
        f"BLAS: {info['blas']}",
        f"Python {info['python']}, numpy {info['numpy']}, scipy {info['scipy']}; "
        f"load average {load}{busy}",
    ])
