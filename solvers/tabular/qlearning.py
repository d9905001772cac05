"""Tabular Q-learning and Double Q-learning, vectorized over independent runs.

Q-learning (Watkins 1989; Sutton & Barto 2018, eq. (6.8)):

    Q(s, a) ← Q(s, a) + α [ r + γ max_a' Q(s', a') - Q(s, a) ].

Double Q-learning (van Hasselt 2010, Algorithm 1; Sutton & Barto 2018, eq. (6.10)): two tables;
at every step a fair coin picks the one to update, say Q1, and

    Q1(s, a) ← Q1(s, a) + α [ r + γ Q2(s', argmax_a' Q1(s', a')) - Q1(s, a) ]

(the mirror image for Q2); behaviour is ε-greedy on Q1 + Q2.  The two targets differ only in
the bootstrap value of s', which :func:`bootstrap_value` computes for both: ``"max"`` and
``"double"``.  It is the one switch shared by these tabular learners and the neural ones
(``solvers.neural.dqn`` imports it).

Entry points:

- :func:`max_bias_experiment` / :func:`max_bias_runs` — Sutton & Barto's Example 6.7 /
  Figure 6.5: the fraction of runs that take "left" in A at each episode;
- :func:`q_learning` — either learner on any :class:`~solvers.problems.rl_toys.FiniteMDP`
  (noisy rewards via its ``sample_reward``), recording the tables at checkpoints.

Everything advances all runs together; the only Python loops are over episodes or steps.  Ties
in greedy choices are broken uniformly at random (Sutton & Barto 2018, caption of Figure 6.5),
in the behaviour policy and in Double Q's argmax.  Independence rule: nothing here calls
``value_iteration``, the exact early-episode probabilities of ``solvers.problems.maxbias`` or
the bounds of ``theory.overestimation``; tests and claims compare with them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from solvers.results import ArrayResult, last_record
from solvers.problems.maxbias import LEFT, MaxBiasMDP
from solvers.problems.rl_toys import FiniteMDP, sample_rows
from theory.validation import check_instance, as_float_array, as_generator, check_in, check_int
from theory.validation import check_nonnegative, check_unit_interval

__all__ = [
    "BOOTSTRAP_METHODS",
    "METHODS",
    "bootstrap_value",
    "greedy_action",
    "epsilon_greedy",
    "MaxBiasRun",
    "max_bias_runs",
    "max_bias_experiment",
    "QLearningRun",
    "q_learning",
]

#: Bootstrap rules of :func:`bootstrap_value`.
BOOTSTRAP_METHODS = ("max", "double")
#: Learners: Q-learning and Double Q-learning.  :func:`q_learning` also accepts the bootstrap
#: names "max" / "double" for them.
METHODS = ("q", "double_q")
_ALIASES = {"q": "q", "max": "q", "double_q": "double_q", "double": "double_q"}


# ------------------------------------------------------------------------------ primitives
def _actions_first(q: np.ndarray) -> np.ndarray:
    """``q`` of shape (..., A) as a C-contiguous (A, m) array, m = prod(leading shape).

    Reductions over a short action axis run much faster over the leading axis of a
    contiguous array (elementwise across m columns) than over the last axis.
    """
    return np.ascontiguousarray(q.reshape(-1, q.shape[-1]).T)


def greedy_action(q: ArrayLike, rng: Any = None) -> np.ndarray:
    """argmax over the last axis, ties broken uniformly at random (lowest index without rng).

    Random tie-breaking: in every row with k > 1 maximizers each maximizer gets an independent
    uniform key and the largest key wins, so each is chosen with probability 1/k; rows with a
    unique maximizer draw nothing.

    Source: Sutton & Barto (2018), Figure 6.5 caption and Section 2.2 (greedy choices with
    ties broken randomly).

    Parameters
    ----------
    q : array_like, shape (..., A), A >= 1
    rng : int, SeedSequence, Generator or None

    Returns
    -------
    ndarray of int, shape (...)

    Raises
    ------
    ValueError
        When ``q`` has no action axis or no actions, or holds NaN.
    """
    q = np.asarray(q, dtype=np.float64)
    if q.ndim == 0 or q.shape[-1] == 0:
        raise ValueError(f"`q` must have an action axis with >= 1 action, shape (..., A) "
                         f"(got shape {q.shape})")
    qt = _actions_first(q)
    tied = qt == qt.max(axis=0)
    if not tied.any(axis=0).all():  # a NaN makes the max NaN, equal to nothing
        raise ValueError("`q` must not contain NaN (a diverged estimate?)")
    index = np.arange(qt.shape[0], dtype=np.int64)[:, None]
    if rng is None:
        return np.where(tied, index, qt.shape[0]).min(axis=0).reshape(q.shape[:-1])
    rng = as_generator(rng, "rng")
    best = (tied * index).max(axis=0)  # the maximizer where it is unique
    cols = np.flatnonzero(tied.sum(axis=0) > 1)
    if cols.size:
        sub = tied[:, cols]
        keys = np.where(sub, rng.random(sub.shape), -1.0)
        # one entry per column holds the largest key (equal uniform doubles have probability
        # ~1e-16, and the max below would still return one of the tied maximizers)
        best[cols] = ((keys == keys.max(axis=0)) * index).max(axis=0)
    return best.reshape(q.shape[:-1])


def epsilon_greedy(q: ArrayLike, epsilon: float, rng: Any) -> np.ndarray:
    """ε-greedy actions: uniform over all A actions with probability ε, else greedy (random ties).

    Source: Sutton & Barto (2018), Section 2.2 (ε-greedy) and Figure 6.5 (ties broken randomly).

    Parameters
    ----------
    q : array_like, shape (..., A)
    epsilon : float in [0, 1]
    rng : int, SeedSequence or Generator

    Returns
    -------
    ndarray of int, shape (...)
    """
    q = np.asarray(q, dtype=np.float64)
    rng = as_generator(rng, "rng")
    greedy = greedy_action(q, rng)
    explore = rng.random(q.shape[:-1]) < epsilon
    random = rng.integers(q.shape[-1], size=q.shape[:-1])
    return np.where(explore, random, greedy)


def bootstrap_value(q_eval: ArrayLike, q_select: ArrayLike | None = None, *, method: str,
                    rng: Any = None) -> np.ndarray:
    """The bootstrap value of the next state in a Q-learning target.

    ``"max"``:     v = max_a q_eval[..., a]                        (Q-learning, DQN)
    ``"double"``:  v = q_eval[..., argmax_a q_select[..., a]]      (Double Q-learning, Double DQN)

    Source: van Hasselt (2010), "Double Q-learning", Algorithm 1 (a* = argmax_a Q^A(s', a),
    target Q^B(s', a*)); van Hasselt, Guez & Silver (AAAI 2016; arXiv:1509.06461), eq. (4)
    (Double DQN: select with the online network, evaluate with the target network); Sutton &
    Barto (2018), eqs. (6.8), (6.10).

    Parameters
    ----------
    q_eval : array_like, shape (..., A)
        The estimates that give the value (Q-learning's only table; Double Q's other table /
        Double DQN's target network).
    q_select : array_like, shape (..., A), optional
        The estimates that choose the action (``"double"`` only; must be None for ``"max"``).
    method : {"max", "double"}, keyword-only
    rng : int, SeedSequence, Generator or None, keyword-only
        With ``"double"``: ties in the argmax of ``q_select`` are broken uniformly at random when
        given, else to the lowest index.  Ignored by ``"max"`` (every maximizer has the value).

    Returns
    -------
    ndarray, shape (...)

    Raises
    ------
    ValueError
        Unknown ``method``; ``q_select`` given with ``"max"`` or missing with ``"double"``;
        shapes that differ; fewer than one action; non-finite values.
    TypeError
        Non-numeric arrays.

    Notes
    -----
    The max is the single estimator of max_a E[Q], biased upwards; the double estimator is
    unbiased for E[Q_eval(a*)] <= max_a E[Q_eval(a)] when the two tables are independent
    (van Hasselt 2010, Section 2, Lemma 1).  Inputs are plain arrays (targets are constants
    for a gradient step; autograd boxes are refused).  The learners of this module call the
    same code after validating once.
    """
    method = check_in(method, "method", BOOTSTRAP_METHODS)
    q_eval = as_float_array(q_eval, "q_eval", allow_empty=True)
    if q_eval.ndim == 0 or q_eval.shape[-1] == 0:
        raise ValueError(f"`q_eval` must have an action axis with >= 1 action, shape (..., A) (got shape "
                         f"{q_eval.shape})")
    if method == "max":
        if q_select is not None:
            raise ValueError("`q_select` must be None for method 'max' (the max uses q_eval only)")
        return _bootstrap(q_eval, None, method, rng)
    if q_select is None:
        raise ValueError("`q_select` is required for method 'double'")
    q_select = as_float_array(q_select, "q_select", allow_empty=True)
    if q_select.shape != q_eval.shape:
        raise ValueError(f"`q_select` and `q_eval` must have the same shape (got {q_select.shape} "
                         f"and {q_eval.shape})")
    return _bootstrap(q_eval, q_select, method, rng)


def _bootstrap(q_eval: np.ndarray, q_select: np.ndarray | None, method: str, rng: Any) -> np.ndarray:
    """:func:`bootstrap_value` without input checks (the learners' inner loop)."""
    if method == "max":
        return _actions_first(q_eval).max(axis=0).reshape(q_eval.shape[:-1])
    a_star = greedy_action(q_select, rng).ravel()
    flat = q_eval.reshape(-1, q_eval.shape[-1])
    return flat[np.arange(flat.shape[0]), a_star].reshape(q_eval.shape[:-1])


# ------------------------------------------------------------------------ Example 6.7
@dataclass
class MaxBiasRun(ArrayResult):
    """Result of :func:`max_bias_runs`.

    Attributes
    ----------
    method : str
        "q" or "double_q".
    left : ndarray of bool, shape (n_episodes, n_runs)
        Whether run j took "left" in A in episode i.
    left_fraction : ndarray, shape (n_episodes,)
        ``left.mean(axis=1)``: the curve of Figure 6.5 (as a fraction, not %).
    q_a : ndarray, shape (n_runs, 2)
        Final estimates of A's actions (left, right); for Double Q the mean (Q1 + Q2)/2.
    q_b : ndarray, shape (n_runs, n_b_actions)
        Final estimates of B's actions (mean of both tables for Double Q).
    n_b_actions : int
    """

    method: str
    left: np.ndarray
    left_fraction: np.ndarray
    q_a: np.ndarray
    q_b: np.ndarray
    n_b_actions: int

    def standard_error(self) -> np.ndarray:
        """Binomial standard error of ``left_fraction`` over independent runs, shape (n_episodes,)."""
        p = self.left_fraction
        return np.sqrt(p * (1.0 - p) / self.left.shape[1])


def max_bias_runs(
    method: str,
    *,
    n_runs: int,
    n_episodes: int,
    n_b_actions: int = 10,
    alpha: float = 0.1,
    epsilon: float = 0.1,
    seed: Any = 0,
    reward_mean: float = -0.1,
    reward_std: float = 1.0,
    gamma: float = 1.0,
) -> MaxBiasRun:
    """Q-learning or Double Q-learning on Example 6.7, all runs advancing together.

    Each episode: in A, choose ε-greedy (random ties) on Q (Double Q: on Q1 + Q2); update the
    chosen table at (A, a) with target 0 + γ v(s'), where v(B) is :func:`bootstrap_value` of
    B's estimates (``"max"`` for Q-learning; ``"double"`` with the updated table selecting and
    the other evaluating, random ties) and v(terminal) = 0.  Runs that went left then choose
    ε-greedy in B, draw r ~ N(μ, σ²) and update (B, b) towards r (terminal: no bootstrap);
    Double Q flips a fresh coin for every update.  All estimates start at 0.

    Source: Sutton & Barto (2018), Example 6.7 and Figure 6.5 (ε = 0.1, α = 0.1, γ = 1, zero
    initial estimates, ties broken randomly, 10,000 runs); van Hasselt (2010), Algorithm 1.

    Parameters
    ----------
    method : {"q", "double_q"}
    n_runs, n_episodes : int >= 1, keyword-only
    n_b_actions : int >= 1, keyword-only
        Actions in B (not stated in the book; the Figure 6.5 reproduction uses 10).
    alpha : float in [0, 1], keyword-only
    epsilon : float in [0, 1], keyword-only
    seed : int, SeedSequence or Generator, keyword-only
    reward_mean, reward_std : float, keyword-only
        μ and σ of B's rewards (-0.1 and 1 in the book).
    gamma : float in [0, 1], keyword-only
        1 in the book (episodes end after at most two steps).

    Returns
    -------
    MaxBiasRun

    Raises
    ------
    ValueError, TypeError
        Named errors for every argument.
    """
    method = check_in(method, "method", METHODS)
    n_runs = check_int(n_runs, "n_runs", minimum=1)
    n_episodes = check_int(n_episodes, "n_episodes", minimum=1)
    problem = MaxBiasMDP(n_b_actions, reward_mean, reward_std)
    alpha = check_unit_interval(alpha, "alpha")
    epsilon = check_unit_interval(epsilon, "epsilon")
    gamma = check_unit_interval(gamma, "gamma")
    rng = as_generator(seed)
    n_b = problem.n_b_actions
    n_tables = 2 if method == "double_q" else 1
    q_a = np.zeros((n_tables, n_runs, 2))
    q_b = np.zeros((n_tables, n_runs, n_b))
    runs = np.arange(n_runs)
    left_log = np.zeros((n_episodes, n_runs), dtype=bool)
    bootstrap = "double" if method == "double_q" else "max"

    for episode in range(n_episodes):
        # --- state A
        a = epsilon_greedy(q_a.sum(axis=0), epsilon, rng)
        left = a == LEFT
        left_log[episode] = left
        table = (rng.random(n_runs) < 0.5).astype(np.int64) if n_tables == 2 else np.zeros(n_runs, np.int64)
        if n_tables == 2:
            v_b = _bootstrap(q_b[1 - table, runs], q_b[table, runs], bootstrap, rng)
        else:
            v_b = _bootstrap(q_b[0], None, bootstrap, rng)
        target = gamma * np.where(left, v_b, 0.0)  # reward 0 on both of A's actions
        q_a[table, runs, a] += alpha * (target - q_a[table, runs, a])
        # --- state B (runs that went left); B's actions all end the episode
        idx = np.flatnonzero(left)
        if idx.size:
            b = epsilon_greedy(q_b[:, idx].sum(axis=0), epsilon, rng)
            r = problem.sample_b_rewards(idx.size, rng)
            t_b = np.zeros(idx.size, np.int64)
            if n_tables == 2:
                t_b = (rng.random(idx.size) < 0.5).astype(np.int64)
            q_b[t_b, idx, b] += alpha * (r - q_b[t_b, idx, b])

    return MaxBiasRun(method=method, left=left_log, left_fraction=left_log.mean(axis=1),
                      q_a=q_a.mean(axis=0), q_b=q_b.mean(axis=0), n_b_actions=n_b)


def max_bias_experiment(method: str, **options: Any) -> np.ndarray:
    """Fraction of runs taking "left" in A at each episode (the curves of Figure 6.5).

    ``max_bias_runs(method, **options).left_fraction``: the same run, only the curve kept.

    Source: Sutton & Barto (2018), Example 6.7 and Figure 6.5.

    Parameters
    ----------
    method : {"q", "double_q"}
    **options
        The keyword-only arguments of :func:`max_bias_runs` (``n_runs`` and ``n_episodes``
        required; ``n_b_actions``, ``alpha``, ``epsilon``, ``seed``, ``reward_mean``,
        ``reward_std``, ``gamma`` with its defaults).

    Returns
    -------
    ndarray, shape (n_episodes,)
        A fraction in [0, 1] (multiply by 100 for the book's "% left actions from A").

    Raises
    ------
    ValueError, TypeError
        As :func:`max_bias_runs` (an unknown keyword: ``TypeError``).
    """
    return max_bias_runs(method, **options).left_fraction


# ------------------------------------------------------------------------ generic FiniteMDP
@dataclass
class QLearningRun(ArrayResult):
    """Result of :func:`q_learning`.

    Attributes
    ----------
    method : str
        "q" or "double_q".
    checkpoints : ndarray of int, shape (n_checkpoints,)
        Numbers of updates after which the tables were recorded (0 = the initial tables).
    q_history : ndarray, shape (n_checkpoints, n_runs, S, A)
        Q for Q-learning; the average (Q1 + Q2)/2 for Double Q-learning.
    q1_history, q2_history : ndarray of shape (n_checkpoints, n_runs, S, A), or None
        Double Q's two tables (None for Q-learning).
    visits : ndarray of int, shape (n_runs, S, A)
        How often each pair was visited in all.
    episodes : ndarray of int, shape (n_runs,)
        Episodes completed (restarts after a terminal state).
    """

    method: str
    checkpoints: np.ndarray
    q_history: np.ndarray
    q1_history: np.ndarray | None
    q2_history: np.ndarray | None
    visits: np.ndarray
    episodes: np.ndarray

    final_q = last_record("q_history", "The last recorded tables, shape (n_runs, S, A).")


def q_learning(
    mdp: FiniteMDP,
    *,
    method: str,
    n_runs: int,
    n_steps: int,
    alpha: float = 0.1,
    epsilon: float = 0.1,
    seed: Any = 0,
    checkpoints: Sequence[int] | None = None,
    alpha_power: float = 0.0,
    q_init: float = 0.0,
    terminal: ArrayLike | None = None,
) -> QLearningRun:
    """Q-learning or Double Q-learning on a FiniteMDP, ``n_runs`` independent runs in lockstep.

    Each run follows one trajectory from s₀ ~ μ₀, ε-greedy (random ties) on Q (Double Q: on
    Q1 + Q2).  After each transition (s, a, r, s') — reward from ``mdp.sample_reward`` (its
    noise model), next state from ``mdp.P`` — the updated table moves by

        Q(s, a) ← Q(s, a) + α_n [ r + γ v(s') - Q(s, a) ],   α_n = alpha / n^alpha_power,

    n = number of updates of that pair in that table so far (including this one), and v from
    :func:`bootstrap_value` (``"max"``, or ``"double"`` with the updated table selecting and the
    other evaluating; a fresh fair coin picks the updated table every step).  A terminal s'
    contributes v = 0 and the run restarts from μ₀.

    Source: Watkins (1989) / Sutton & Barto (2018), eq. (6.8) and Section 6.5; van Hasselt
    (2010), Algorithm 1 (he uses α = 1/n and 1/n^0.8, i.e. ``alpha_power`` 1 and 0.8).

    Parameters
    ----------
    mdp : FiniteMDP
    method : {"q", "double_q"} (also "max", "double"), keyword-only
    n_runs, n_steps : int, keyword-only (n_runs >= 1, n_steps >= 0)
    alpha : float in (0, 1], keyword-only
    epsilon : float in [0, 1], keyword-only
        1 gives uniformly random behaviour (off-policy learning of q*).
    seed : int, SeedSequence or Generator, keyword-only
    checkpoints : sequence of int in [0, n_steps], keyword-only
        Update counts at which the tables are recorded (sorted, duplicates removed); default
        ``[n_steps]``.
    alpha_power : float >= 0, keyword-only
        0 = constant step; ω in (1/2, 1] satisfies the Robbins-Monro conditions.
    q_init : float, keyword-only
        Initial value of every entry.
    terminal : array_like of bool, shape (S,), optional, keyword-only
        States that end an episode (no bootstrap; restart from μ₀).  Default: none.

    Returns
    -------
    QLearningRun

    Raises
    ------
    ValueError, TypeError
        Named errors for every argument.
    """
    check_instance(mdp, "mdp", FiniteMDP)
    if method not in _ALIASES:
        raise ValueError(f"`method` must be one of {', '.join(map(repr, _ALIASES))} (got {method!r})")
    method = _ALIASES[method]
    n_runs = check_int(n_runs, "n_runs", minimum=1)
    n_steps = check_int(n_steps, "n_steps", minimum=0)
    alpha = check_unit_interval(alpha, "alpha", open_left=True)
    epsilon = check_unit_interval(epsilon, "epsilon")
    alpha_power = check_nonnegative(alpha_power, "alpha_power")
    q0 = as_float_array(q_init, "q_init")
    if q0.ndim != 0:
        raise ValueError(f"`q_init` must be a scalar (got shape {q0.shape})")
    S, A = mdp.n_states, mdp.n_actions
    if terminal is None:
        term = np.zeros(S, dtype=bool)
    else:
        term = np.asarray(terminal)
        if term.dtype != bool or term.shape != (S,):
            raise ValueError(f"`terminal` must be a boolean array of shape ({S},) (got dtype {term.dtype}, "
                             f"shape {term.shape})")
    if checkpoints is None:
        ck = np.array([n_steps], dtype=np.int64)
    else:
        ck = np.asarray(checkpoints)
        if ck.ndim != 1 or ck.size == 0 or not np.issubdtype(ck.dtype, np.integer):
            raise TypeError("`checkpoints` must be a non-empty 1-D sequence of integers")
        if ck.min() < 0 or ck.max() > n_steps:
            raise ValueError(f"`checkpoints` must lie in [0, {n_steps}] (got range [{ck.min()}, {ck.max()}])")
        ck = np.unique(ck).astype(np.int64)
    rng = as_generator(seed)

    n_tables = 2 if method == "double_q" else 1
    q = np.full((n_tables, n_runs, S, A), float(q0))
    counts = np.zeros((n_tables, n_runs, S, A), dtype=np.int64)
    history = np.empty((ck.size, n_tables, n_runs, S, A))
    runs = np.arange(n_runs)
    episodes = np.zeros(n_runs, dtype=np.int64)
    s = mdp.sample_initial(n_runs, rng)
    bootstrap = "double" if n_tables == 2 else "max"
    gamma = mdp.gamma
    k = 0
    if ck[0] == 0:
        history[0] = q
        k = 1
    for t in range(n_steps):
        a = epsilon_greedy(q[:, runs, s].sum(axis=0), epsilon, rng)
        r = mdp.sample_reward(s, a, rng)
        s_next = sample_rows(mdp.P[s, a], rng)
        table = (rng.random(n_runs) < 0.5).astype(np.int64) if n_tables == 2 else np.zeros(n_runs, np.int64)
        if n_tables == 2:
            v = _bootstrap(q[1 - table, runs, s_next], q[table, runs, s_next], bootstrap, rng)
        else:
            v = _bootstrap(q[0, runs, s_next], None, bootstrap, rng)
        done = term[s_next]
        target = r + gamma * np.where(done, 0.0, v)
        counts[table, runs, s, a] += 1
        step = alpha if alpha_power == 0 else alpha / counts[table, runs, s, a] ** alpha_power
        q[table, runs, s, a] += step * (target - q[table, runs, s, a])
        if np.any(done):
            episodes += done
            s = np.where(done, mdp.sample_initial(n_runs, rng), s_next)
        else:
            s = s_next
        while k < ck.size and ck[k] == t + 1:
            history[k] = q
            k += 1

    visits = counts.sum(axis=0)
    if n_tables == 2:
        return QLearningRun(method=method, checkpoints=ck, q_history=history.mean(axis=1),
                            q1_history=history[:, 0].copy(), q2_history=history[:, 1].copy(),
                            visits=visits, episodes=episodes)
    return QLearningRun(method=method, checkpoints=ck, q_history=history[:, 0].copy(), q1_history=None,
                        q2_history=None, visits=visits, episodes=episodes)
