"""Tabular policy-gradient learners: REINFORCE, REINFORCE with a baseline and the synchronous
advantage actor-critic (A2C), for softmax policies on finite MDPs (:func:`train_policy_gradient`).

The estimators, their exact moments, the vectorized environment and the score ψ(s, a) they
share live in :mod:`solvers.tabular.policy_gradient`, which also re-exports every name here;
the method (segments, n-step returns, critic and step-size schedules) is stated in its module
docstring under "Learners" and in :func:`train_policy_gradient`.

Sources: Williams (1992), REINFORCE; Sutton et al. (2000), Theorem 1; Mnih et al. (2016),
Algorithm S3 (n-step advantage actor-critic, here synchronous).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import softmax

from solvers.results import ArrayResult, Config, last_record
from solvers.rl_common import log_softmax, scatter_sum
from solvers.problems.rl_toys import FiniteMDP
from solvers.tabular.policy_gradient import VectorEnv, check_mdp, default_horizon, entropy_gradient
from solvers.tabular.policy_gradient import n_step_returns, score_rows
from theory.validation import check_instance, as_float_array, as_generator, check_in, check_int
from theory.validation import check_nonnegative, check_positive, check_unit_interval

#: Learners of :func:`train_policy_gradient`.
LEARNERS = ("reinforce", "baseline", "a2c")
#: Step-size schedules: constant, or α / (1 + t / t₀) (Robbins-Monro).
LR_SCHEDULES = ("constant", "harmonic")


# ---------------------------------------------------------------------------------------------
# learners
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PGConfig(Config):
    """Hyperparameters of :func:`train_policy_gradient`.

    Parameters
    ----------
    learner : {"reinforce", "baseline", "a2c"}
    lr_actor : float > 0
        α, step size of the logits (on an estimate of ∇J).
    lr_critic : float > 0
        β, step size of the tabular value estimate ("baseline", "a2c"); each visited state moves
        by β times the mean error of its samples in the batch.
    lr_schedule : {"constant", "harmonic"}
        "harmonic" uses α / (1 + t / lr_decay_steps) for the actor at iteration t.
    lr_decay_steps : float > 0
    n_envs : int >= 1
        Environments (episodes) per run and iteration.
    horizon : int >= 1, optional
        Episode length of REINFORCE (default: γ^H <= 1e-3, see :func:`default_horizon`).
    n_step : int >= 1
        Steps per A2C segment.
    entropy : float >= 0
        Entropy-bonus weight β_H.
    restart_prob : float in [0, 1], optional
        A2C restart probability per step (default 1 - γ).
    """

    learner: str = "a2c"
    lr_actor: float = 0.5
    lr_critic: float = 0.5
    lr_schedule: str = "constant"
    lr_decay_steps: float = 100.0
    n_envs: int = 16
    horizon: int | None = None
    n_step: int = 5
    entropy: float = 0.0
    restart_prob: float | None = None

    def __post_init__(self) -> None:
        check_in(self.learner, "learner", LEARNERS)
        check_positive(self.lr_actor, "lr_actor")
        check_positive(self.lr_critic, "lr_critic")
        check_in(self.lr_schedule, "lr_schedule", LR_SCHEDULES)
        check_positive(self.lr_decay_steps, "lr_decay_steps")
        check_int(self.n_envs, "n_envs", minimum=1)
        if self.horizon is not None:
            check_int(self.horizon, "horizon", minimum=1)
        check_int(self.n_step, "n_step", minimum=1)
        check_nonnegative(self.entropy, "entropy")
        if self.restart_prob is not None:
            check_unit_interval(self.restart_prob, "restart_prob")


@dataclass
class PGRun(ArrayResult):
    """Trajectory of :func:`train_policy_gradient` (axis 1: runs).

    Attributes
    ----------
    steps : ndarray, shape (n_records,)
        Iterations completed at each record (always 0 and n_iters).
    logits : ndarray, shape (n_records, n_runs, S, A)
    values : ndarray, shape (n_records, n_runs, S)
        The learned state values (zeros for "reinforce").
    grad_variance : ndarray, shape (n_iters, n_runs)
        Total variance (trace of the covariance across environments, ddof = 1) of one
        environment's gradient estimate at each iteration (NaN with a single environment).
    env_steps : int
        Environment steps per run and iteration.
    config : PGConfig
    """

    steps: np.ndarray
    logits: np.ndarray
    values: np.ndarray
    grad_variance: np.ndarray
    env_steps: int
    config: PGConfig

    @property
    def pi(self) -> np.ndarray:
        """softmax of the recorded logits, shape (n_records, n_runs, S, A)."""
        return softmax(self.logits, axis=-1)

    final_logits = last_record("logits")


#: Default REINFORCE episode length: γ^H <= this (the discarded tail is at most 0.1% of the
#: largest possible return).
EPISODE_TAIL = 1e-3


def segment_plan(config: Any, gamma: float) -> tuple[int, float]:
    """Steps T per environment and iteration, and the A2C restart probability.

    ``config`` is a :class:`PGConfig` or a config with the same fields (``learner``,
    ``n_step``, ``horizon``, ``restart_prob``; :class:`solvers.neural.a2c.A2CConfig`).
    """
    if config.learner == "a2c":
        restart = 1.0 - gamma if config.restart_prob is None else config.restart_prob
        return config.n_step, restart
    return (default_horizon(gamma, EPISODE_TAIL) if config.horizon is None else config.horizon), 0.0


@dataclass
class RolloutBatch:
    """One batch of rollouts (see :func:`collect_batch`); arrays of shape (n_envs_total, T)."""

    states: np.ndarray  # (n_envs_total, T)
    actions: np.ndarray
    rewards: np.ndarray
    targets: np.ndarray  # returns-to-go (REINFORCE) or n-step returns (A2C)
    weights: np.ndarray  # (T,) per-step weight of the policy term: γᵗ or 1
    next_start: np.ndarray | None  # A2C: where the environments continue


def collect_batch(env: VectorEnv, learner: str, pi_cdf: np.ndarray, V: np.ndarray, s: np.ndarray | None,
                  T: int, run_of: np.ndarray, rng: np.random.Generator, restart: float) -> RolloutBatch:
    """One batch: an episode of T steps from μ₀ per environment (REINFORCE) or a segment of T
    steps continuing from ``s`` with restarts (A2C).  ``pi_cdf``: (R, S, A); ``V``: (R, S)."""
    n = run_of.shape[0]
    gamma = env.gamma
    states = np.empty((n, T), dtype=np.int64)
    actions = np.empty((n, T), dtype=np.int64)
    rewards = np.empty((n, T))
    a2c = learner == "a2c"
    if a2c:
        boot = np.empty((n, T))
        cut = np.zeros((n, T), dtype=bool)
    else:
        s = env.initial(n, rng)
    for t in range(T):
        a = env.act(pi_cdf[run_of, s], rng, cdf=True)
        r, s2 = env.step(s, a, rng)
        states[:, t], actions[:, t], rewards[:, t] = s, a, r
        if a2c:
            boot[:, t] = V[run_of, s2]
            again = rng.random(n) < restart
            cut[:, t] = again
            if np.any(again):
                s2 = s2.copy()
                s2[again] = env.initial(int(again.sum()), rng)
        s = s2
    if a2c:
        return RolloutBatch(states, actions, rewards, n_step_returns(rewards, boot, cut, gamma), np.ones(T), s)
    targets = np.empty_like(rewards)  # returns-to-go within the episode
    acc = np.zeros(n)
    for t in range(T - 1, -1, -1):
        acc = rewards[:, t] + gamma * acc
        targets[:, t] = acc
    return RolloutBatch(states, actions, rewards, targets, gamma ** np.arange(T), None)


def logit_contributions(batch: RolloutBatch, pi: np.ndarray, logp: np.ndarray, V: np.ndarray, learner: str,
                        entropy: float, T: int, run_of: np.ndarray, S: int, gamma: float
                        ) -> tuple[np.ndarray, np.ndarray, float]:
    """Per-sample contributions to the gradient w.r.t. the logits table: rows (n·T, A), the
    flat (environment, state) index of each row, and the scale that turns an environment's sum
    into its estimate of ∇J."""
    n = run_of.shape[0]
    signal = batch.targets
    if learner != "reinforce":
        signal = signal - V[run_of[:, None], batch.states]
    w = np.broadcast_to(batch.weights, (n, T))
    flat_s = batch.states.reshape(-1)
    flat_run = np.repeat(run_of, T)
    contrib = score_rows(pi[flat_run, flat_s], batch.actions.reshape(-1)) * (w * signal).reshape(-1, 1)
    if entropy > 0:
        contrib = contrib + entropy * w.reshape(-1, 1) * entropy_gradient(logp[flat_run, flat_s])
    index = np.repeat(np.arange(n), T) * S + flat_s
    scale = 1.0 / (T * (1.0 - gamma)) if learner == "a2c" else 1.0
    return contrib, index, scale


def per_env_gradient(index: np.ndarray, contrib: np.ndarray, n_groups: int, R: int, E: int,
                     S: int, A: int, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Scatter per-sample (n, A) contributions into per-(run, env, state) rows; return the
    per-run mean gradient (R, S, A) and the total variance across environments (R,)."""
    g, _ = scatter_sum(index, contrib, n_groups)
    g = scale * g.reshape(R, E, S, A)
    mean = g.mean(axis=1)
    if E > 1:
        var = np.sum(g.var(axis=1, ddof=1), axis=(1, 2))
    else:
        var = np.full(R, np.nan)
    return mean, var


def train_policy_gradient(
    mdp: FiniteMDP,
    config: PGConfig,
    *,
    n_iters: int,
    seed: Any,
    n_runs: int = 1,
    logits0: ArrayLike | None = None,
    values0: ArrayLike | None = None,
    record_every: int | None = None,
) -> PGRun:
    """Train a tabular softmax policy by REINFORCE, REINFORCE with baseline or A2C.

    See the module docstring for the updates.

    Source: Sutton & Barto (2018), eq. (13.8) (REINFORCE), eq. (13.11) (with baseline);
    Mnih et al. (2016), Section 4 and Algorithm S3 (n-step advantage actor-critic with entropy
    bonus), run synchronously over ``n_envs`` environments (A2C).

    Parameters
    ----------
    mdp : FiniteMDP
    config : PGConfig
    n_iters : int >= 0, keyword-only
        Updates.
    seed : int, SeedSequence or Generator, keyword-only
    n_runs : int >= 1, keyword-only
        Independent runs, vectorized.
    logits0 : array_like, shape (S, A) or (n_runs, S, A), optional
        Initial logits (default 0: uniform policy).
    values0 : array_like, shape (S,) or (n_runs, S), optional
        Initial value table of "baseline" and "a2c" (default 0).
    record_every : int >= 1, optional
        Keep logits and values every this many iterations (default: first and last only).

    Returns
    -------
    PGRun

    Raises
    ------
    TypeError, ValueError
        Named errors for bad arguments.
    """
    mdp = check_mdp(mdp)
    check_instance(config, "config", PGConfig)
    n_iters = check_int(n_iters, "n_iters", minimum=0)
    R = check_int(n_runs, "n_runs", minimum=1)
    rng = as_generator(seed)
    env = VectorEnv(mdp)
    S, A, E, gamma = mdp.n_states, mdp.n_actions, config.n_envs, mdp.gamma
    if logits0 is None:
        theta = np.zeros((R, S, A))
    else:
        arr = as_float_array(logits0, "logits0")
        if arr.shape == (S, A):
            theta = np.broadcast_to(arr, (R, S, A)).copy()
        elif arr.shape == (R, S, A):
            theta = arr.copy()
        else:
            raise ValueError(f"`logits0` must have shape ({S}, {A}) or ({R}, {S}, {A}) (got {arr.shape})")
    if values0 is None:
        V = np.zeros((R, S))
    else:
        arr = as_float_array(values0, "values0")
        if arr.shape == (S,):
            V = np.broadcast_to(arr, (R, S)).copy()
        elif arr.shape == (R, S):
            V = arr.copy()
        else:
            raise ValueError(f"`values0` must have shape ({S},) or ({R}, {S}) (got {arr.shape})")
    every = n_iters if record_every is None else check_int(record_every, "record_every", minimum=1)
    record_steps = np.unique(np.r_[np.arange(0, n_iters + 1, max(every, 1)), n_iters])
    thetas = np.empty((record_steps.size, R, S, A))
    values = np.empty((record_steps.size, R, S))
    thetas[0], values[0] = theta, V
    rec = 1
    grad_var = np.full((n_iters, R), np.nan)

    learner = config.learner
    run_of = np.repeat(np.arange(R), E)  # (R*E,)
    T, restart = segment_plan(config, gamma)
    s = env.initial(R * E, rng) if learner == "a2c" else None

    for it in range(n_iters):
        logp = log_softmax(theta)
        pi = np.exp(logp)
        batch = collect_batch(env, learner, np.cumsum(pi, axis=-1), V, s, T, run_of, rng, restart)
        s = batch.next_start
        contrib, index, scale = logit_contributions(batch, pi, logp, V, learner, config.entropy, T, run_of, S, gamma)
        g_mean, g_var = per_env_gradient(index, contrib, R * E * S, R, E, S, A, scale)
        grad_var[it] = g_var
        lr = config.lr_actor
        if config.lr_schedule == "harmonic":
            lr = lr / (1.0 + it / config.lr_decay_steps)
        theta = theta + lr * g_mean

        if learner != "reinforce":
            err = (batch.targets - V[run_of[:, None], batch.states]).reshape(-1)
            row = np.repeat(run_of, T) * S + batch.states.reshape(-1)
            sums, counts = scatter_sum(row, err, R * S)
            V = V + config.lr_critic * (sums / np.where(counts > 0, counts, 1.0)).reshape(R, S)

        if rec < record_steps.size and record_steps[rec] == it + 1:
            thetas[rec], values[rec] = theta, V
            rec += 1

    return PGRun(steps=record_steps, logits=thetas, values=values, grad_variance=grad_var,
                 env_steps=E * T, config=config)
