"""Replay ring buffers for the neural RL learners: one buffer per independent run, stored in
numpy arrays of shape (n_runs, capacity), one array per field of a transition.

Once ``capacity`` transitions per run are stored, each new one overwrites the oldest;
minibatches are drawn uniformly with replacement, independently for each run.

Sources: Mnih et al. (2015), Methods ("experience replay": "uniformly at random from the pool of
stored samples", memory of the N most recent transitions) and Algorithm 1 (replay memory D of
capacity N); Lillicrap et al. (2016), Section 3 ("a finite sized cache R ... When the replay
buffer was full the oldest samples were discarded ... sampling a minibatch uniformly from the
buffer").

:class:`ReplayBuffer` (state indices, DQN) and :class:`ContinuousReplay` (real states and
actions, DDPG) share :class:`RingBuffer`; :mod:`solvers.neural.dqn` and
:mod:`solvers.neural.ddpg` re-export them.
"""

from __future__ import annotations

from typing import Any

import numpy as onp

from theory.validation import as_float_array, as_generator, check_int

__all__ = ["RingBuffer", "ReplayBuffer", "ContinuousReplay"]


class RingBuffer:
    """A ring buffer of transitions with the fields ``FIELDS`` (name, dtype), one per run.

    Parameters
    ----------
    capacity : int >= 1
    n_runs : int >= 1
        Independent learners sharing the buffer's bookkeeping (they always add the same number
        of transitions).

    Attributes
    ----------
    <field> : ndarray, shape (n_runs, capacity), one per name in ``FIELDS``
    size : int
        Number of valid entries, min(total added, capacity).
    position : int
        Index the next transition is written to.
    n_added : int
        Total transitions added per run.
    """

    FIELDS: tuple[tuple[str, Any], ...] = ()

    def __init__(self, capacity: int, n_runs: int = 1):
        self.capacity = check_int(capacity, "capacity", minimum=1)
        self.n_runs = check_int(n_runs, "n_runs", minimum=1)
        shape = (self.n_runs, self.capacity)
        for name, dtype in self.FIELDS:
            setattr(self, name, onp.zeros(shape, dtype=dtype))
        self.size = self.position = self.n_added = 0

    def __len__(self) -> int:
        return self.size

    def _convert(self, values: tuple) -> list[onp.ndarray]:
        """The fields as arrays, validated by dtype (overridden per buffer)."""
        return [as_float_array(x, name) for (name, _), x in zip(self.FIELDS, values)]

    def add(self, *values: Any) -> None:
        """Append k transitions per run, one argument per field, each of shape (n_runs, k).

        Raises
        ------
        ValueError, TypeError
            Wrong shapes or dtypes, non-finite real values, k > capacity.
        """
        arrays = self._convert(values)
        names = [name for name, _ in self.FIELDS]
        shape = arrays[0].shape
        if len(shape) != 2 or shape[0] != self.n_runs:
            raise ValueError(f"`{names[0]}` must have shape ({self.n_runs}, k) (got shape {shape})")
        for name, x in zip(names[1:], arrays[1:]):
            if x.shape != shape:
                raise ValueError(f"`{name}` must have the shape of `{names[0]}`, {shape} (got shape {x.shape})")
        k = shape[1]
        if k > self.capacity:
            raise ValueError(f"cannot add {k} transitions per run to a buffer of capacity {self.capacity}")
        idx = (self.position + onp.arange(k)) % self.capacity
        for name, x in zip(names, arrays):
            getattr(self, name)[:, idx] = x
        self.position = (self.position + k) % self.capacity
        self.n_added += k
        self.size = min(self.size + k, self.capacity)

    def sample_indices(self, batch_size: int, seed: Any) -> onp.ndarray:
        """Uniform indices into the valid entries, shape (n_runs, batch_size)."""
        b = check_int(batch_size, "batch_size", minimum=1)
        if self.size == 0:
            raise ValueError("cannot sample from an empty replay buffer")
        return as_generator(seed).integers(0, self.size, size=(self.n_runs, b))

    def sample(self, batch_size: int, seed: Any) -> tuple[onp.ndarray, ...]:
        """A minibatch, one array per field, each of shape (n_runs, batch_size)."""
        idx = self.sample_indices(batch_size, seed)
        rows = onp.arange(self.n_runs)[:, None]
        return tuple(getattr(self, name)[rows, idx] for name, _ in self.FIELDS)


class ReplayBuffer(RingBuffer):
    """Transitions (s, a, r, s') with states as *indices* (features are looked up when
    sampling): ``s, a, s_next`` int64, ``r`` float (Mnih et al. 2015; see :class:`RingBuffer`).
    """

    FIELDS = (("s", onp.int64), ("a", onp.int64), ("r", onp.float64), ("s_next", onp.int64))

    def _convert(self, values: tuple) -> list[onp.ndarray]:
        s, a, r, s_next = values
        arrays = {}
        for name, x in (("s", s), ("a", a), ("s_next", s_next)):
            x = onp.asarray(x)
            if not onp.issubdtype(x.dtype, onp.integer):
                raise TypeError(f"`{name}` must hold integers, got dtype {x.dtype}")
            arrays[name] = x
        return [arrays["s"], arrays["a"], as_float_array(r, "r", allow_empty=True), arrays["s_next"]]


class ContinuousReplay(RingBuffer):
    """Transitions (s, u, r, s') with real states and actions (Lillicrap et al. 2016; see
    :class:`RingBuffer`)."""

    FIELDS = (("s", onp.float64), ("u", onp.float64), ("r", onp.float64), ("s_next", onp.float64))
