"""Enumerable trajectory sets for MaxEnt IRL: all paths of a small deterministic MDP, or an
abstract finite set of feature vectors, and demonstrations drawn from p(tau) ~ exp(-c(tau)).

Sources: Ziebart et al. (2008), "Maximum Entropy Inverse Reinforcement Learning", Section
"Deterministic path distributions" (a path's features are the sum of the features of the
states it visits; P(tau) proportional to exp(-c(tau)) on the enumerable set of paths);
Finn et al. (2016), arXiv:1611.03852, Section 2.3 (trajectories tau, costs c_theta(tau)).

Layout (shared by the exact, the guided-cost and the neural solvers)
-------------------------------------------------------------------
A :class:`TrajectorySet` of a deterministic MDP with A actions and horizon H holds ALL A^H
action sequences in lexicographic order, the first action most significant: row
``i = a_1 A^(H-1) + a_2 A^(H-2) + ... + a_H`` (:func:`sequence_index`).  An autoregressive
sampler whose logits are indexed by prefix (``logits[t]`` of shape (A^t, A), row = the prefix
a_1..a_t as a base-A number) therefore lines up with the rows.  ``paths[i]`` is the state
sequence s_0 = start, s_1, ..., s_H with s_t = next_state[s_(t-1), a_t]; ``features[i]`` is the
sum of ``state_features[s_t]`` over the states visited AFTER each action, t = 1..H (the start
state is not counted: it is the same for every path, so it would add a constant to every cost).

A linear cost is ``c = features @ theta`` (:meth:`TrajectorySet.cost`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from solvers.results import set_readonly
from theory.validation import as_float_array, as_generator, check_int, check_positive
from theory.validation import check_probability

__all__ = [
    "TrajectorySet",
    "action_sequences",
    "sequence_index",
    "deterministic_paths",
    "chain_trajectories",
    "random_trajectory_set",
    "sample_demonstrations",
]

#: Refuse to enumerate more trajectories than this (A^H rows): the exact solvers are meant
#: for small sets.
MAX_TRAJECTORIES = 2**20


@dataclass(frozen=True, eq=False)
class TrajectorySet:
    """A finite set of N trajectories with K features each (and their paths, when known).

    Source: Ziebart et al. (2008), Section "Deterministic path distributions" (path features
    f_tau = sum of state features along the path).

    Parameters
    ----------
    features : array_like, shape (N, K)
        Feature vector f(tau) of each trajectory (finite).
    paths : array_like of int, shape (N, H + 1), optional
        State sequences s_0..s_H (None for an abstract set).
    actions : array_like of int, shape (N, H), optional
        Action sequences a_1..a_H (None for an abstract set).
    n_actions : int, optional
        A, when ``actions`` is given.
    horizon : int, optional
        H, when ``actions`` is given.
    name : str
        Short label for reports.

    Raises
    ------
    ValueError
        If ``features`` is not a finite 2-D array with at least one row and column, or
        ``paths``/``actions`` have the wrong shapes/values, or ``n_actions``/``horizon``
        disagree with ``actions``.
    TypeError
        If an input has the wrong type.

    Attributes
    ----------
    n_trajectories, n_features : int
    """

    features: Any
    paths: Any = None
    actions: Any = None
    n_actions: int | None = None
    horizon: int | None = None
    name: str = "trajectories"

    def __post_init__(self) -> None:
        f = as_float_array(self.features, "features")
        if f.ndim != 2 or f.shape[1] < 1:
            raise ValueError(f"`features` must have shape (N, K) with K >= 1 (got {f.shape})")
        set_readonly(self, np.float64, features=f)
        n = f.shape[0]
        if not isinstance(self.name, str):
            raise TypeError(f"`name` must be a string (got {type(self.name).__name__})")
        if (self.actions is None) != (self.n_actions is None) or (
            (self.actions is None) != (self.horizon is None)
        ):
            raise ValueError("`actions`, `n_actions` and `horizon` must be given together")
        if self.actions is not None:
            a_count = check_int(self.n_actions, "n_actions", minimum=1)
            h = check_int(self.horizon, "horizon", minimum=1)
            acts = _int_array(self.actions, "actions")
            if acts.shape != (n, h):
                raise ValueError(f"`actions` must have shape (N, H) = {(n, h)} (got {acts.shape})")
            if acts.min() < 0 or acts.max() >= a_count:
                raise ValueError(f"`actions` must lie in [0, {a_count}) (got range "
                                 f"[{acts.min()}, {acts.max()}])")
            set_readonly(self, np.int64, actions=acts)
            object.__setattr__(self, "n_actions", a_count)
            object.__setattr__(self, "horizon", h)
        if self.paths is not None:
            paths = _int_array(self.paths, "paths")
            if paths.ndim != 2 or paths.shape[0] != n:
                raise ValueError(f"`paths` must have shape (N, H + 1) with N = {n} (got {paths.shape})")
            if self.horizon is not None and paths.shape[1] != self.horizon + 1:
                raise ValueError(f"`paths` must have H + 1 = {self.horizon + 1} columns "
                                 f"(got {paths.shape[1]})")
            if paths.min() < 0:
                raise ValueError("`paths` must hold non-negative state indices")
            set_readonly(self, np.int64, paths=paths)

    @property
    def n_trajectories(self) -> int:
        return int(self.features.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.features.shape[1])

    def cost(self, theta: Any) -> np.ndarray:
        """The linear cost c(tau) = theta . f(tau) of every trajectory, shape (N,).

        ``theta`` may be (K,) or batched (..., K) -> (..., N).
        """
        th = as_float_array(theta, "theta")
        if th.ndim == 0 or th.shape[-1] != self.n_features:
            raise ValueError(f"`theta` must have last axis K = {self.n_features} (got shape {th.shape})")
        return th @ self.features.T


def _int_array(x: Any, name: str) -> np.ndarray:
    arr = np.asarray(x)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"`{name}` must be an integer array (got dtype {arr.dtype})")
    if arr.size == 0:
        raise ValueError(f"`{name}` must not be empty")
    return arr.astype(np.int64)


def action_sequences(n_actions: int, horizon: int) -> np.ndarray:
    """All A^H action sequences in lexicographic order, first action most significant.

    Row i holds the base-A digits of i: ``action_sequences(2, 2)`` is [[0, 0], [0, 1], [1, 0],
    [1, 1]].

    Parameters
    ----------
    n_actions : int >= 1
    horizon : int >= 1

    Returns
    -------
    actions : ndarray of int64, shape (A^H, H)

    Raises
    ------
    ValueError
        If A^H exceeds ``MAX_TRAJECTORIES`` or an argument is < 1.
    TypeError
        If an argument is not an integer.
    """
    a = check_int(n_actions, "n_actions", minimum=1)
    h = check_int(horizon, "horizon", minimum=1)
    # Size check before forming a**h (2**(2**64) would never finish): the table has a**h rows
    # of h entries, and a**h > MAX_TRAJECTORIES as soon as h > log2(MAX_TRAJECTORIES) for a >= 2.
    if h > MAX_TRAJECTORIES or (a >= 2 and h > MAX_TRAJECTORIES.bit_length()) \
            or a**h > MAX_TRAJECTORIES:
        raise ValueError(f"`n_actions`**`horizon` = {a}**{h} exceeds {MAX_TRAJECTORIES} "
                         "trajectories (or `horizon` is longer than that)")
    idx = np.arange(a**h, dtype=np.int64)
    powers = a ** np.arange(h - 1, -1, -1, dtype=np.int64)
    return (idx[:, None] // powers[None, :]) % a


def sequence_index(actions: Any, n_actions: int) -> np.ndarray:
    """The row of each action sequence in :func:`action_sequences` (its base-A value).

    Parameters
    ----------
    actions : array_like of int, shape (..., H)
        Action sequences, entries in [0, A).
    n_actions : int >= 1

    Returns
    -------
    index : ndarray of int64, shape (...)

    Raises
    ------
    ValueError
        If an action is out of range.
    TypeError
        If ``actions`` is not an integer array.
    """
    a = check_int(n_actions, "n_actions", minimum=1)
    acts = _int_array(actions, "actions")
    if acts.ndim == 0:
        raise ValueError("`actions` must be at least 1-D (a sequence)")
    if acts.min() < 0 or acts.max() >= a:
        raise ValueError(f"`actions` must lie in [0, {a}) (got range [{acts.min()}, {acts.max()}])")
    h = acts.shape[-1]
    if a >= 2 and h * (a - 1).bit_length() > 63 and a**h > 2**63:  # (cheap test first)
        raise ValueError(f"sequences of length {h} over `n_actions` = {a} have indices up to "
                         f"{a}**{h} - 1, beyond int64; `actions` must be shorter")
    powers = a ** np.arange(h - 1, -1, -1, dtype=np.int64)
    return acts.astype(np.int64) @ powers


def deterministic_paths(next_state: Any, state_features: Any, horizon: int, start: int = 0,
                        *, name: str = "deterministic-paths") -> TrajectorySet:
    """All length-H paths of a deterministic MDP, with summed state features.

    f(tau) = sum_{t=1..H} phi(s_t),  s_t = next_state[s_(t-1), a_t],  s_0 = start.

    Source: Ziebart et al. (2008), Section "Deterministic path distributions".

    Parameters
    ----------
    next_state : array_like of int, shape (S, A)
        Successor of state s under action a.
    state_features : array_like, shape (S, K)
        Feature vector phi(s) of each state.
    horizon : int >= 1
        Number of actions H.
    start : int
        Initial state s_0.
    name : str
        Label.

    Returns
    -------
    TrajectorySet
        N = A^H rows in lexicographic action order (see the module docstring), with
        ``paths`` (N, H + 1), ``actions`` (N, H), ``features`` (N, K).

    Raises
    ------
    ValueError
        If ``next_state`` holds states outside [0, S), shapes disagree, ``start`` is out of
        range, or A^H exceeds ``MAX_TRAJECTORIES``.
    TypeError
        If an argument has the wrong type.
    """
    nxt = _int_array(next_state, "next_state")
    if nxt.ndim != 2:
        raise ValueError(f"`next_state` must have shape (S, A) (got {nxt.shape})")
    n_states, n_actions = nxt.shape
    if nxt.min() < 0 or nxt.max() >= n_states:
        raise ValueError(f"`next_state` must hold states in [0, {n_states})")
    phi = as_float_array(state_features, "state_features")
    if phi.ndim != 2 or phi.shape[0] != n_states:
        raise ValueError(f"`state_features` must have shape (S, K) with S = {n_states} (got {phi.shape})")
    s0 = check_int(start, "start", minimum=0)
    if s0 >= n_states:
        raise ValueError(f"`start` must be a state in [0, {n_states}) (got {s0})")
    acts = action_sequences(n_actions, horizon)
    h = acts.shape[1]
    paths = np.empty((acts.shape[0], h + 1), dtype=np.int64)
    paths[:, 0] = s0
    for t in range(h):  # a loop over time steps; each step is vectorized over all paths
        paths[:, t + 1] = nxt[paths[:, t], acts[:, t]]
    features = phi[paths[:, 1:]].sum(axis=1)
    return TrajectorySet(features, paths=paths, actions=acts, n_actions=n_actions, horizon=h,
                         name=name)


def chain_trajectories(n_states: int = 4, horizon: int = 3, *, start: int = 0,
                       name: str | None = None) -> TrajectorySet:
    """All paths of a deterministic chain with actions left (0) and right (1), one-hot features.

    next_state[s, 0] = max(s - 1, 0), next_state[s, 1] = min(s + 1, S - 1); phi(s) = e_s, so
    f(tau) counts the visits to each state after each action (sum of f = H), and a linear cost
    theta . f charges theta_s per visit of s.

    Source: a chain instance of Ziebart et al. (2008), Section "Deterministic path
    distributions".

    Parameters
    ----------
    n_states : int >= 2
    horizon : int >= 1
    start : int
        Initial state.
    name : str, optional

    Returns
    -------
    TrajectorySet
        N = 2^H trajectories, K = ``n_states`` features.

    Raises
    ------
    ValueError, TypeError
        As :func:`deterministic_paths`, or ``n_states`` < 2.
    """
    s = check_int(n_states, "n_states", minimum=2)
    states = np.arange(s)
    nxt = np.stack([np.maximum(states - 1, 0), np.minimum(states + 1, s - 1)], axis=1)
    label = name if name is not None else f"chain-{s}x{horizon}"
    return deterministic_paths(nxt, np.eye(s), horizon, start, name=label)


def random_trajectory_set(n: int, k: int, seed: Any, *, scale: float = 1.0,
                          name: str | None = None) -> TrajectorySet:
    """An abstract finite set of N trajectories with i.i.d. Gaussian feature vectors.

    f(tau_i) ~ N(0, scale^2 I_K), independently.

    Source: the abstract finite trajectory set of Finn et al. (2016), arXiv:1611.03852,
    Section 2.3 (any enumerable set with a cost c_theta(tau)).

    Parameters
    ----------
    n : int >= 1
        Number of trajectories N.
    k : int >= 1
        Number of features K.
    seed : int, SeedSequence or Generator
    scale : float > 0
        Feature standard deviation.
    name : str, optional

    Returns
    -------
    TrajectorySet
        With ``paths``/``actions`` None.

    Raises
    ------
    ValueError, TypeError
        For invalid sizes, scale or seed.
    """
    n_ = check_int(n, "n", minimum=1)
    k_ = check_int(k, "k", minimum=1)
    sd = check_positive(scale, "scale")
    rng = as_generator(seed)
    feats = sd * rng.standard_normal((n_, k_))
    return TrajectorySet(feats, name=name if name is not None else f"random-{n_}x{k_}")


def sample_demonstrations(p: Any, n: int, seed: Any) -> tuple[np.ndarray, np.ndarray]:
    """Draw n demonstrations i.i.d. from a distribution over the trajectory set.

    Parameters
    ----------
    p : array_like, shape (N,)
        Probability vector over trajectories (e.g. exp(-c*)/Z from
        ``theory.irl.maxent_distribution``).
    n : int >= 1
        Number of demonstrations.
    seed : int, SeedSequence or Generator

    Returns
    -------
    indices : ndarray of int64, shape (n,)
        Row indices of the drawn trajectories.
    weights : ndarray, shape (N,)
        Empirical distribution counts / n (sums to 1; zeros where nothing was drawn).

    Raises
    ------
    ValueError, TypeError
        If ``p`` is not a 1-D probability vector, or ``n``/``seed`` is invalid.

    Source: Ziebart et al. (2008) (demonstrations as samples of the path distribution).
    """
    prob = check_probability(p, "p")
    if prob.ndim != 1:
        raise ValueError(f"`p` must be 1-D (got shape {prob.shape})")
    m = check_int(n, "n", minimum=1)
    rng = as_generator(seed)
    # inverse-CDF sampling on the normalized cumulative sum (p sums to 1 within 1e-9)
    cdf = np.cumsum(prob)
    cdf /= cdf[-1]
    idx = np.searchsorted(cdf, rng.random(m), side="right").astype(np.int64)
    idx = np.minimum(idx, prob.size - 1)
    weights = np.bincount(idx, minlength=prob.size) / m
    return idx, weights
