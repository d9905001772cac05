"""Staleness schedules and the deterministic stale-gradient simulator of A3C
(:mod:`solvers.tabular.a3c`, which re-exports every public name here).

- :func:`fixed_delay_schedule` and :func:`worker_schedule` describe *which* past version of the
  shared parameters the k-th applied update was computed at (``read[k] <= k``).  With W workers
  served round-robin every gradient is exactly W - 1 updates old; served in a seeded random
  order the staleness is the number of updates since that worker last wrote.
- :func:`delayed_gradient_ascent` is the simulator θ_{k+1} = θ_k + η g(θ_{read[k]}) for any
  batched gradient g, vectorized over independent runs (per-run step sizes and schedules).

Source: Mnih et al. (2016), Asynchronous Methods for Deep Reinforcement Learning, Section 4 and
Algorithm S3 (updates applied lock-free, Hogwild!-style: Recht et al. 2011).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from solvers.results import ArrayResult
from theory.validation import as_float_array, as_generator, check_in, check_int, check_instance

ORDERS = ("round-robin", "random")


# ---------------------------------------------------------------------------------------------
# staleness schedules
# ---------------------------------------------------------------------------------------------


@dataclass
class StalenessSchedule(ArrayResult):
    """Which version of the shared parameters each applied update was computed at.

    Version k is the shared parameter vector after k updates (version 0 is the start).  Update
    k (0-based) is computed by worker ``worker[r, k]`` at version ``read[r, k] <= k`` and turns
    version k into version k + 1.

    Attributes
    ----------
    read : ndarray of int, shape (R, n)
        One row per independent run.
    worker : ndarray of int, shape (R, n)
    n_workers : int
    order : str
        ``"fixed-delay"``, ``"round-robin"`` or ``"random"``.
    """

    read: np.ndarray
    worker: np.ndarray
    n_workers: int
    order: str

    @property
    def n_runs(self) -> int:
        return int(self.read.shape[0])

    @property
    def n_updates(self) -> int:
        return int(self.read.shape[1])

    @property
    def staleness(self) -> np.ndarray:
        """k - read[r, k]: how many updates old each gradient's parameters were, shape (R, n)."""
        return np.arange(self.n_updates)[None, :] - self.read

    @property
    def max_staleness(self) -> int:
        return int(self.staleness.max()) if self.read.size else 0

    def concat(self, *others: "StalenessSchedule") -> "StalenessSchedule":
        """The runs of this schedule followed by those of ``others`` (same number of updates),
        so that different schedules run in one vectorized simulation."""
        parts = (self,) + others
        for p in others:
            if not isinstance(p, StalenessSchedule):
                raise TypeError(f"can only concatenate StalenessSchedule objects, got {type(p).__name__}")
            if p.n_updates != self.n_updates:
                raise ValueError(f"schedules must have the same number of updates ({self.n_updates} vs {p.n_updates})")
        orders = {p.order for p in parts}
        return StalenessSchedule(read=np.concatenate([p.read for p in parts]),
                                 worker=np.concatenate([p.worker for p in parts]),
                                 n_workers=max(p.n_workers for p in parts),
                                 order=orders.pop() if len(orders) == 1 else "mixed")


def fixed_delay_schedule(n_updates: int, delay: int | ArrayLike, *, n_runs: int | None = None) -> StalenessSchedule:
    """Every gradient is ``delay`` updates old: read[k] = max(k - delay, 0).

    The bounded-delay model of asynchronous SGD; it is exactly what ``delay + 1`` workers served
    round-robin produce (see :func:`worker_schedule`).

    Source: Recht et al. (2011), Section 4 (updates computed at parameters at most τ updates
    old); Mnih et al. (2016), Section 4.

    Parameters
    ----------
    n_updates : int >= 0
    delay : int >= 0 or array_like of ints, shape (R,)
        One delay for all runs, or one per run.
    n_runs : int >= 1, optional, keyword-only
        Number of runs for a scalar ``delay`` (default 1); must match ``len(delay)`` otherwise.

    Returns
    -------
    StalenessSchedule
        ``order = "fixed-delay"``, ``n_workers = max(delay) + 1``, ``worker[r, k] = k mod (delay_r + 1)``.

    Raises
    ------
    ValueError, TypeError
        Negative or non-integer sizes and delays.
    """
    n = check_int(n_updates, "n_updates", minimum=0)
    d = np.asarray(delay)
    if d.ndim == 0:
        d = np.array([check_int(delay, "delay", minimum=0)])
        runs = 1 if n_runs is None else check_int(n_runs, "n_runs", minimum=1)
        d = np.repeat(d, runs)
    else:
        if d.ndim != 1 or d.size == 0 or not np.issubdtype(d.dtype, np.integer):
            raise TypeError(f"`delay` must be an int or a 1-D array of ints (got {d!r})")
        if np.any(d < 0):
            raise ValueError(f"`delay` must be >= 0 (got minimum {d.min()})")
        if n_runs is not None and check_int(n_runs, "n_runs", minimum=1) != d.size:
            raise ValueError(f"`n_runs` ({n_runs}) must equal len(delay) ({d.size})")
    k = np.arange(n)[None, :]
    read = np.maximum(k - d[:, None], 0)
    worker = k % (d[:, None] + 1)
    return StalenessSchedule(read=read.astype(np.int64), worker=worker.astype(np.int64),
                             n_workers=int(d.max()) + 1, order="fixed-delay")


def worker_schedule(n_updates: int, n_workers: int, *, order: str = "round-robin", n_runs: int = 1,
                    seed: Any = None) -> StalenessSchedule:
    """The staleness produced by W workers that each copy the shared parameters, compute, write,
    and copy again (Algorithm S3's loop), finishing in a round-robin or a seeded random order.

    Every worker copies version 0 at the start.  When worker w finishes update k it wrote
    version k + 1 and immediately copies it, so its next gradient is computed at
    read = (index of its previous update) + 1, or 0 if it had none.  Round-robin order gives
    read[k] = max(k - (W - 1), 0); random order draws the finishing worker uniformly at each
    update, so the staleness k - read[k] is the number of updates since that worker last wrote
    (mean ≈ W - 1, unbounded but finite).

    Source: Mnih et al. (2016), Algorithm S3 ("synchronize thread-specific parameters θ' = θ"
    at the start of each segment) and Section 4.

    Parameters
    ----------
    n_updates : int >= 0
    n_workers : int >= 1
    order : {"round-robin", "random"}, keyword-only
    n_runs : int >= 1, keyword-only
        Independent runs (random orders differ between runs).
    seed : int, SeedSequence or Generator, keyword-only
        Required for ``order="random"``.

    Returns
    -------
    StalenessSchedule

    Raises
    ------
    ValueError, TypeError
        Bad sizes, unknown order, missing seed for the random order.
    """
    n = check_int(n_updates, "n_updates", minimum=0)
    W = check_int(n_workers, "n_workers", minimum=1)
    order = check_in(order, "order", ORDERS)
    R = check_int(n_runs, "n_runs", minimum=1)
    if order == "round-robin":
        worker = np.broadcast_to(np.arange(n) % W, (R, n)).copy()
    else:
        worker = as_generator(seed).integers(0, W, size=(R, n))
    # Previous update by the same worker, for every (run, update), without a loop: sort the
    # updates of each run by worker (stable, so by time within a worker), then each entry's
    # predecessor in that order is its previous update when it belongs to the same worker.
    key = worker + W * np.arange(R)[:, None]  # distinct workers across runs
    flat_key = key.ravel()
    idx = np.argsort(flat_key, kind="stable")
    prev = np.full(R * n, -1, dtype=np.int64)
    if idx.size > 1:
        same = flat_key[idx[1:]] == flat_key[idx[:-1]]
        prev[idx[1:][same]] = idx[:-1][same] % max(n, 1)
    read = (prev + 1).reshape(R, n)
    return StalenessSchedule(read=read.astype(np.int64), worker=worker.astype(np.int64), n_workers=W, order=order)


# ---------------------------------------------------------------------------------------------
# the deterministic staleness simulator
# ---------------------------------------------------------------------------------------------


@dataclass
class DelayedAscent(ArrayResult):
    """Result of :func:`delayed_gradient_ascent`.

    Attributes
    ----------
    params : ndarray, shape (R, *shape)
        Final shared parameters of every run.
    steps : ndarray of int, shape (m,)
        Update counts at which ``objective`` was recorded (0 = before the first update).
    objective : ndarray, shape (m, R), or None
        The recorded objective of the shared parameters (when an objective was given).
    max_abs : ndarray, shape (m, R)
        max |params| of every run at the recorded steps (to see divergence).
    """

    params: np.ndarray
    steps: np.ndarray
    objective: np.ndarray | None
    max_abs: np.ndarray


def check_lr(lr: Any, n_runs: int) -> np.ndarray:
    """``lr`` as one positive step size per run, shape (n_runs,); ValueError naming it otherwise."""
    arr = as_float_array(lr, "lr")
    if arr.ndim == 0:
        arr = np.full(n_runs, float(arr))
    if arr.shape != (n_runs,):
        raise ValueError(f"`lr` must be a scalar or have shape ({n_runs},), one per run (got shape {arr.shape})")
    if np.any(arr <= 0):
        raise ValueError(f"`lr` must be > 0 (got minimum {arr.min():.6g})")
    return arr


def _record_steps(n: int, record_every: int) -> np.ndarray:
    steps = np.arange(0, n + 1, record_every)
    return steps if steps[-1] == n else np.append(steps, n)


def run_delayed(params0: tuple[np.ndarray, ...], schedule: StalenessSchedule,
                 increment: Callable[[int, tuple[np.ndarray, ...], np.ndarray], tuple[np.ndarray, ...]],
                 record: Callable[[tuple[np.ndarray, ...]], np.ndarray] | None, record_every: int):
    """The simulator's loop: ring buffers of the last L = max staleness + 1 versions of every
    parameter array; update k adds ``increment(k, stale versions, workers)`` to version k."""
    R, n = schedule.read.shape
    L = schedule.max_staleness + 1
    rows = np.arange(R)
    bufs = [np.empty((L,) + p.shape, dtype=np.float64) for p in params0]
    for b, p in zip(bufs, params0):
        b[0] = p
    current = tuple(p.copy() for p in params0)
    steps = _record_steps(n, record_every)
    rec_obj, rec_abs = [], []

    def snapshot(params):
        rec_abs.append(np.max(np.abs(params[0].reshape(R, -1)), axis=1))
        if record is not None:
            rec_obj.append(record(params))

    snapshot(current)
    next_rec = 1
    for k in range(n):
        slot = schedule.read[:, k] % L
        stale = tuple(b[slot, rows] for b in bufs)
        inc = increment(k, stale, schedule.worker[:, k])
        current = tuple(c + i for c, i in zip(current, inc))
        for b, c in zip(bufs, current):
            b[(k + 1) % L] = c
        if next_rec < len(steps) and k + 1 == steps[next_rec]:
            snapshot(current)
            next_rec += 1
    objective = np.array(rec_obj) if record is not None else None
    return current, steps, objective, np.array(rec_abs)


def delayed_gradient_ascent(gradient: Callable[[np.ndarray], np.ndarray], theta0: ArrayLike, lr: Any,
                            schedule: StalenessSchedule, *, per_run_start: bool = False,
                            objective: Callable[[np.ndarray], np.ndarray] | None = None,
                            record_every: int = 1) -> DelayedAscent:
    """Gradient ascent with stale gradients, θ_{k+1} = θ_k + η_r g(θ_{read[r, k]}), for R runs at once.

    The deterministic model of asynchronous updates: the order of the writes is fixed by the
    schedule and every write is atomic (the lock-free torn reads of Hogwild! are not modelled).
    For a quadratic f(x) = -h x²/2 and a fixed delay τ the recursion x_{k+1} = x_k - η h x_{k-τ}
    is stable iff 0 < η h < 2 sin(π / (2(2τ + 1))) ≈ π / (2τ + 1) (Levin & May 1976, "A note on
    difference-delay equations", Theor. Popul. Biol. 9, 178-187), which tests compare with.

    Source: Recht et al. (2011), Section 4 (the update x ← x - γ ∇f(x_{k(j)}) with stale
    x_{k(j)}); Mnih et al. (2016), Section 4.

    Parameters
    ----------
    gradient : callable
        ``gradient(theta)`` with ``theta`` of shape (R, *shape) returns the ascent direction of
        the same shape (one gradient per run, evaluated at that run's stale parameters).
    theta0 : array_like, shape (*shape,), or (R, *shape) with ``per_run_start``
        Start, shared by all runs or one per run (R is taken from the schedule).
    lr : float > 0 or array_like of shape (R,)
        Step sizes (one per run allows a step-size sweep in one call).
    schedule : StalenessSchedule
    per_run_start : bool, keyword-only
        Whether ``theta0`` holds one start per run along its first axis.
    objective : callable, optional, keyword-only
        ``objective(theta)`` of shape (R,) recorded at the shared parameters.
    record_every : int >= 1, keyword-only

    Returns
    -------
    DelayedAscent

    Raises
    ------
    ValueError, TypeError
        Bad shapes, step sizes, schedule; ``gradient`` returning the wrong shape.
    """
    check_instance(schedule, "schedule", StalenessSchedule)
    if not callable(gradient):
        raise TypeError("`gradient` must be callable")
    if objective is not None and not callable(objective):
        raise TypeError("`objective` must be callable or None")
    R = schedule.n_runs
    theta0 = as_float_array(theta0, "theta0")
    if per_run_start:
        if theta0.ndim == 0 or theta0.shape[0] != R:
            raise ValueError(f"`theta0` must have shape ({R}, ...) with per_run_start=True (got shape {theta0.shape})")
        theta0 = theta0.copy()
    else:
        theta0 = np.broadcast_to(theta0, (R,) + theta0.shape).copy()
    lr = check_lr(lr, R)
    record_every = check_int(record_every, "record_every", minimum=1)
    scale = lr.reshape((R,) + (1,) * (theta0.ndim - 1))

    def increment(k, stale, workers):
        g = np.asarray(gradient(stale[0]), dtype=np.float64)
        if g.shape != stale[0].shape:
            raise ValueError(f"`gradient` returned shape {g.shape}, expected {stale[0].shape}")
        return (scale * g,)

    record = None if objective is None else (lambda p: np.asarray(objective(p[0]), dtype=np.float64))
    final, steps, obj, max_abs = run_delayed((theta0,), schedule, increment, record, record_every)
    return DelayedAscent(params=final[0], steps=steps, objective=obj, max_abs=max_abs)
