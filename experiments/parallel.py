"""Running claims in worker processes (``ganac verify -j N``) or on a Dask cluster (``--scheduler``).

A unit of work is a :class:`Task`: one claim at one seed and tier, plus the figures that claim
renders.  :func:`run_task` executes it wherever it lands and returns plain JSON-able data; only
the parent process writes the claim's file, so every finished claim is written exactly once,
atomically.  A claim's randomness comes from ``(seed, claim id, stream)``
(:meth:`experiments.registry.Context.rng`), so its evidence is the same whichever worker runs it,
in whichever order, for any ``-j``.

Local runs use one single-process executor per *lane* (``-j`` lanes).  The claims of one module
go to one lane, one after another: several modules cache a training run that more than one of
their claims reads (``functools.lru_cache`` keyed on seed and tier), and in one process the
second claim finds it.  Modules are handed out longest first (the seconds recorded by a previous
run in the output folder, else a guess from the claim's kinds), each to the first idle lane.

On a Dask cluster every claim is its own task (Dask decides where it runs); a module's cache is
then shared only when the scheduler happens to put its claims on the same worker.
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
import importlib
import json
import multiprocessing
import os
import signal
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Task", "run_task", "default_jobs", "LocalRunner", "DaskRunner", "SerialRunner",
           "parse_seeds", "group_tasks"]

#: Environment variables that cap the BLAS/OpenMP thread pools of a worker: ganac's matrices are
#: small, and one worker per core with several BLAS threads each only adds contention.
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def default_jobs() -> int:
    """Every core this process may run on (``sched_getaffinity`` where available)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def parse_seeds(text: str) -> list[int]:
    """``"0-19"``, ``"0,3,5-7"`` -> sorted distinct non-negative seeds; ValueError otherwise."""
    seeds: set[int] = set()
    for item in str(text).split(","):
        item = item.strip()
        if not item:
            raise ValueError(f"--seeds: empty item in {text!r}")
        lo, sep, hi = item.partition("-")
        try:
            a = int(lo)
            b = int(hi) if sep else a
        except ValueError:
            raise ValueError(f"--seeds: {item!r} is not N or N-M with non-negative integers") from None
        if a < 0 or b < a:
            raise ValueError(f"--seeds: {item!r} must be N or N-M with 0 <= N <= M")
        seeds.update(range(a, b + 1))
    return sorted(seeds)


@dataclass(frozen=True)
class Task:
    """One claim at one seed and tier; ``out_dir`` is that seed's output folder."""

    module: str
    claim_id: str
    seed: int
    tier: str
    out_dir: str
    figures: tuple[str, ...] = ()  # the figures this task renders (each figure has one owner)
    with_figures: bool = True  # False: the check gets no fig_dir (as with --no-figures)
    estimate: float = 1.0  # expected seconds, for scheduling only
    # a user's claims (``--claims``: resolved file paths or module names) that a worker loads
    # before it looks the claim up; a file's claims live in a private module only that load makes
    sources: tuple[str, ...] = ()


def _resolve(task: Task):
    """The registered claim of ``task``; importing its module registers it."""
    from experiments import registry

    if task.sources:
        from experiments import user

        user.load(task.sources)
    importlib.import_module(task.module)
    claim = registry.REGISTRY.get(task.claim_id)
    if claim is None:  # registered somewhere else than the check's module
        claim = registry.get(task.claim_id)
    return claim


def run_task(task: Task, claim=None) -> dict:
    """Run ``task`` (in a worker or in-process) and render the figures it owns.

    Returns ``{"result": ClaimResult JSON, "rendered": {figure: [paths relative to out_dir]},
    "figure_errors": {figure: message}}``.  A check that raises becomes an ``error`` result (see
    :func:`experiments.report.run_claim`); a figure that raises is reported, not fatal.
    """
    from experiments.registry import Context
    from experiments.report import run_claim

    if claim is None:
        claim = _resolve(task)
    out_dir = Path(task.out_dir)
    fig_dir = out_dir / "figures"
    ctx = Context(seed=task.seed, tier=task.tier, fig_dir=fig_dir if task.with_figures else None)
    result = run_claim(claim, ctx)
    rendered, errors = {}, {}
    if task.figures and result.status != "error":
        from experiments import figures as figure_registry

        wall, cpu = time.perf_counter(), time.process_time()
        for name in task.figures:
            try:
                paths = figure_registry.render(name, fig_dir, seed=task.seed, fast=task.tier == "fast")
                rendered[name] = [str(Path(p).relative_to(out_dir)) for p in paths]
            except Exception as exc:  # a figure failure must not hide the claim's verdict
                errors[name] = repr(exc)
                rendered[name] = []
        result.figure_seconds = round(time.perf_counter() - wall, 3)
        result.figure_cpu_seconds = round(time.process_time() - cpu, 3)
    return {"result": result.to_dict(), "rendered": rendered, "figure_errors": errors}


def group_tasks(tasks: Iterable[Task]) -> list[list[Task]]:
    """Tasks grouped by (module, seed), groups longest first by their summed estimates."""
    groups: dict[tuple, list[Task]] = collections.defaultdict(list)
    for t in tasks:
        groups[(t.module, t.seed)].append(t)
    return sorted(groups.values(), key=lambda g: (-sum(t.estimate for t in g), g[0].seed, g[0].module))


def _worker_init() -> None:
    """A local worker: one BLAS thread, and Ctrl-C is the parent's business.

    The parent handles SIGINT (cancel, terminate, keep what finished).  A worker that saw it would
    let a neural solver catch KeyboardInterrupt and return a partial run as if finished.
    """
    for var in THREAD_VARS:
        os.environ[var] = "1"
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _crash_payload(task: Task, exc: BaseException) -> dict:
    """An ``error`` result for a task whose worker died or could not run it."""
    from experiments.report import ClaimResult

    result = ClaimResult(id=task.claim_id, statement="", source="", kinds=[], tier=task.tier,
                         seed=task.seed, status="error", seconds=0.0,
                         error=f"worker failed: {exc!r}", run_tier=task.tier)
    try:
        claim = _resolve(task)
        result.statement, result.source = claim.statement, claim.source
        result.kinds, result.tier = list(claim.kinds), claim.tier
    except Exception:
        pass
    return {"result": result.to_dict(), "rendered": {}, "figure_errors": {}}


class SerialRunner:
    """Everything in this process, in order (``-j 1``, or a single claim)."""

    def __init__(self, claims: dict | None = None):
        self._claims = claims or {}

    def run(self, tasks: list[Task]) -> Iterator[tuple[Task, dict]]:
        for group in group_tasks(tasks):
            for task in group:
                yield task, run_task(task, self._claims.get(task.claim_id))

    def shutdown(self, *, kill: bool = False) -> None:
        pass


class LocalRunner:
    """``n`` lanes, each a one-process ``ProcessPoolExecutor`` started with ``spawn``.

    ``spawn`` (not ``fork``): a forked child inherits the parent's threads' locks (tqdm's monitor,
    BLAS pools) in whatever state they were, and macOS/Windows have no safe fork anyway.
    """

    def __init__(self, n: int):
        if n < 1:
            raise ValueError(f"`n` must be >= 1 (got {n})")
        self._mp = multiprocessing.get_context("spawn")
        self._lanes = [self._new_pool() for _ in range(n)]

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        return cf.ProcessPoolExecutor(max_workers=1, mp_context=self._mp, initializer=_worker_init)

    def run(self, tasks: list[Task]) -> Iterator[tuple[Task, dict]]:
        queue = collections.deque(group_tasks(tasks))
        in_flight: dict[cf.Future, tuple[int, Task]] = {}
        busy = [0] * len(self._lanes)

        def feed(lane: int) -> None:
            if busy[lane] or not queue:
                return
            for task in queue.popleft():  # a module's claims, in order, on one lane
                in_flight[self._lanes[lane].submit(run_task, task)] = (lane, task)
                busy[lane] += 1

        for lane in range(len(self._lanes)):
            feed(lane)
        while in_flight:
            done, _ = cf.wait(list(in_flight), return_when=cf.FIRST_COMPLETED)
            for fut in done:
                lane, task = in_flight.pop(fut)
                busy[lane] -= 1
                try:
                    payload = fut.result()
                except cf.process.BrokenProcessPool as exc:
                    payload = _crash_payload(task, exc)
                    if busy[lane] == 0:  # its queued tasks have failed too: start a fresh process
                        self._lanes[lane].shutdown(wait=False)
                        self._lanes[lane] = self._new_pool()
                except Exception as exc:  # e.g. a task that could not be pickled
                    payload = _crash_payload(task, exc)
                yield task, payload
                feed(lane)

    def shutdown(self, *, kill: bool = False) -> None:
        """Stop the lanes; ``kill`` terminates running workers (Ctrl-C) instead of waiting."""
        for pool in self._lanes:
            # ProcessPoolExecutor has no public "terminate": its worker processes are reached
            # through the (stable since 3.2) private ``_processes`` map.
            procs = list((getattr(pool, "_processes", None) or {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
            if kill:
                for proc in procs:
                    if proc.is_alive():
                        proc.terminate()
                for proc in procs:
                    proc.join(timeout=5)
                    if proc.is_alive():
                        proc.kill()
            else:
                pool.shutdown(wait=True)


class DaskRunner:
    """The same tasks on a Dask distributed cluster, through ``Client(address).get_executor()``.

    The workers must be able to import ganac (the same version) and write to the output folder
    (a shared file system), since figures are rendered where their claim ran.  Start workers
    with ``OPENBLAS_NUM_THREADS=1`` (etc.) for one BLAS thread each.
    """

    def __init__(self, address: str):
        try:
            import distributed
        except ImportError:
            raise ImportError('--scheduler needs dask.distributed: pip install "ganac[dask]"') from None
        self._client = distributed.Client(address, timeout="30s")
        self._executor = self._client.get_executor()
        self._futures: list = []

    def run(self, tasks: list[Task]) -> Iterator[tuple[Task, dict]]:
        owner = {}
        for group in group_tasks(tasks):
            for task in group:
                fut = self._executor.submit(run_task, task)
                owner[fut] = task
                self._futures.append(fut)
        for fut in cf.as_completed(owner):
            task = owner[fut]
            try:
                payload = fut.result()
            except Exception as exc:  # a worker lost, an unpicklable result
                payload = _crash_payload(task, exc)
            yield task, payload

    def shutdown(self, *, kill: bool = False) -> None:
        for fut in self._futures:
            fut.cancel()
        try:
            self._executor.shutdown(wait=False)
        finally:
            self._client.close()


def previous_seconds(out_dirs: Iterable[Path]) -> dict[str, float]:
    """Seconds (claim + figures) recorded per claim id by earlier runs in these folders."""
    seen: dict[str, float] = {}
    for out_dir in out_dirs:
        folder = Path(out_dir) / "claims"
        if not folder.is_dir():
            continue
        for path in folder.glob("*.json"):
            try:
                data = json.loads(path.read_text())
                seen[data["id"]] = float(data.get("seconds", 0.0)) + float(data.get("figure_seconds", 0.0))
            except (OSError, ValueError, KeyError, TypeError):
                continue
    return seen
