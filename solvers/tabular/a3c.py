"""Asynchronous advantage actor-critic (A3C) for tabular softmax policies: stale gradients
applied to shared parameters, simulated deterministically and run for real.

In A3C every actor-learner thread repeatedly (i) copies the shared parameters θ, θ_v into its
own θ', θ'_v, (ii) acts for up to t_max steps with π_θ', (iii) accumulates the n-step advantage
gradient

    dθ  = Σ_i ∇_θ' log π(a_i | s_i; θ') (R_i - V(s_i; θ'_v)),
    dθ_v = Σ_i ∂(R_i - V(s_i; θ'_v))² / ∂θ'_v,    R_i = r_i + γ R_{i+1},  R_{t_max} = V(s_{t_max}; θ'_v),

and (iv) applies it to the *shared* θ, θ_v without waiting for the other threads.  While one
thread computes, the others keep writing, so each gradient is evaluated at a copy of the
parameters that is several updates old (*stale*).  The paper applies the updates lock-free,
in the style of Hogwild! (Recht et al. 2011).

This module separates the asynchrony from the noise (the schedules and the simulator live in
:mod:`solvers.tabular.staleness` and are re-exported here):

- :func:`fixed_delay_schedule` and :func:`worker_schedule` describe *which* past version of the
  shared parameters the k-th applied update was computed at (``read[k] <= k``).  With W workers
  served round-robin every gradient is exactly W - 1 updates old; served in a seeded random
  order the staleness is the number of updates since that worker last wrote.
- :func:`delayed_gradient_ascent` is the deterministic staleness simulator
  θ_{k+1} = θ_k + η g(θ_{read[k]}) for any batched gradient g, vectorized over independent runs
  (per-run step sizes and schedules), so sweeps over delays and step sizes are one run.
- :func:`simulate_a3c` applies it to a :class:`~solvers.problems.rl_toys.FiniteMDP` with either
  the exact policy gradient (:func:`batched_policy_gradient`; noise-free, isolates staleness)
  or the sampled n-step advantage estimate of Algorithm S3 (each simulated worker keeps its
  own environment; the tabular critic is shared and stale too).
- :func:`run_async_a3c` runs the same workers for real, as threads or as processes on shared
  memory, nondeterministically; it records the staleness each update actually had.

Softmax policy π(a|s) = softmax(θ[s])_a, θ of shape (S, A); score
∇_θ log π(a|s) = e_s ⊗ (e_a - π(·|s)).  The sampled gradient is scaled by 1/((1 - γ) t_max) so
that it estimates ∇J like the exact one (see :func:`sampled_advantage_gradient`), and step
sizes mean the same in both modes.  An optional entropy weight τ (Mnih et al. 2016, Section 4)
turns the objective into the entropy-regularized return E[Σ_t γᵗ (r_t - τ log π(a_t|s_t))],
exactly or through soft rewards in the sampled returns.

Observed behaviour (claims ``mnih2016-a3c/...``): with exact gradients, large stale steps fail
by overshooting into a deterministic suboptimal policy (vanishing gradient), not by diverging;
near an entropy-regularized optimum the classical delay limit ηλ_max < 2 sin(π/(2(2τ+1)))
holds to the measurement's resolution; sampled on-policy runs can occasionally commit early
to a suboptimal action (the larger γ and the step, the more often).

Independence rule: learning never calls ``solvers.problems.rl_toys.value_iteration`` or
``theory.policy_gradient``; the exact gradient here is its own batched implementation of the
policy gradient theorem (Sutton et al. 2000, Theorem 1: the soft advantage, the entropy bonus
and d_γ π A over a batch), checked against ``theory.policy_gradient.exact_policy_gradient`` by
the tests.  Only the Bellman linear solve itself is shared (:mod:`theory.bellman`, the one
home of that formula, tested against Bellman backups in ``tests/theory``).  The recorded
returns J of the shared policy are exact evaluations for reporting only.

Sources: Mnih, Badia, Mirza, Graves, Lillicrap, Harley, Silver & Kavukcuoglu (2016),
"Asynchronous Methods for Deep Reinforcement Learning", ICML, Section 4 (asynchronous
advantage actor-critic, n-step returns, lock-free updates) and Algorithm S3 of the
supplementary material (the per-thread pseudocode); Recht, Ré, Wright & Niu (2011), "Hogwild!:
A Lock-Free Approach to Parallelizing Stochastic Gradient Descent", NeurIPS; the n-step return
helper of :mod:`solvers.tabular.policy_gradient`.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from solvers.results import ArrayResult, last_record
from solvers.problems.rl_toys import FiniteMDP
from solvers.rl_common import softmax
from solvers.tabular.policy_gradient import check_mdp, n_step_returns
from theory.bellman import bellman_solve
from theory.validation import check_instance, as_float_array, as_generator, check_in, check_int
from theory.validation import check_nonnegative, check_positive, check_unit_interval
from solvers.tabular.staleness import ORDERS, StalenessSchedule, fixed_delay_schedule
from solvers.tabular.staleness import worker_schedule, DelayedAscent, check_lr, run_delayed
from solvers.tabular.staleness import delayed_gradient_ascent

__all__ = [
    "GRADIENTS",
    "ORDERS",
    "BACKENDS",
    "StalenessSchedule",
    "DelayedAscent",
    "A3CRun",
    "AsyncA3CRun",
    "fixed_delay_schedule",
    "worker_schedule",
    "delayed_gradient_ascent",
    "batched_policy_gradient",
    "sampled_advantage_gradient",
    "simulate_a3c",
    "run_async_a3c",
]

GRADIENTS = ("exact", "sampled")
BACKENDS = ("thread", "process")


# ---------------------------------------------------------------------------------------------
# gradients on a finite MDP
# ---------------------------------------------------------------------------------------------


def _exact_gradient(P: np.ndarray, R: np.ndarray, mu0: np.ndarray, gamma: float,
                    logits: np.ndarray, entropy: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Unchecked core of :func:`batched_policy_gradient` (also used inside async workers).

    V, Q and d_γ of the batch of softmax policies come from one batched Bellman solve
    (:func:`theory.bellman.bellman_solve`, the shared home of that linear system; its
    condition number is at most (1 + γ)/(1 - γ)); the entropy bonus enters as the per-state
    reward r_π - τ Σ_a π log π and the per-action term -τ log π of the soft Q."""
    z = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    total = e.sum(axis=-1, keepdims=True)
    pi = e / total
    r_pi = np.sum(pi * R, axis=-1)
    if entropy:
        log_pi = z - np.log(total)  # finite even where π underflows to 0
        r_pi = r_pi - entropy * np.sum(pi * log_pi, axis=-1)
    V, Q, d = bellman_solve(P, R, pi, gamma, mu0, r_pi=r_pi)
    if entropy:
        Q = Q - entropy * log_pi
    return V @ mu0, d[..., None] * pi * (Q - V[..., None])


def batched_policy_gradient(mdp: FiniteMDP, logits: ArrayLike, *,
                            entropy: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """J(θ_b) = μ₀ · V^{π_b} and ∇J for a batch of tabular softmax policies, by batched solves,
    optionally with a discounted entropy bonus.

    (I - γ P_π) V = r_π - τ Σ_a π log π,   d_γᵀ = μ₀ᵀ (I - γ P_π)⁻¹,
    ∂J/∂θ[s, a] = d_γ(s) π(a|s) (Q(s, a) - τ log π(a|s) - V(s)),   Q = r + γ P V,

    where τ = ``entropy`` and J = E[Σ_t γᵗ (r_t - τ log π(a_t|s_t))] (τ = 0: the ordinary return).
    The θ-dependence of the bonus adds Σ_a π ∇log π = 0, so only the soft advantage changes.

    Source: Sutton, McAllester, Singh & Mansour (2000), Theorem 1 (start-state formulation),
    with the softmax score of Sutton & Barto (2018), eq. (13.9); the entropy-regularized
    gradient is Lemma 10 of Mei, Xiao, Szepesvári & Schuurmans (2020), "On the Global
    Convergence Rates of Softmax Policy Gradient Methods" (ICML), up to their (1 - γ)
    normalization of d_γ; Mnih et al. (2016), Section 4, add the entropy to A3C's objective.

    Parameters
    ----------
    mdp : FiniteMDP
    logits : array_like, shape (B, S, A) or (S, A)
    entropy : float >= 0, keyword-only
        τ, the weight of the entropy bonus.

    Returns
    -------
    J : ndarray, shape (B,) (or a float for 2-D ``logits``)
    grad : ndarray, shape of ``logits``

    Raises
    ------
    ValueError, TypeError
        Not a FiniteMDP; logits of the wrong shape or not finite; negative ``entropy``.

    Notes
    -----
    For τ = 0 the same formula as :func:`theory.policy_gradient.exact_policy_gradient`,
    implemented independently and vectorized over the batch (tests compare them).
    """
    mdp = check_mdp(mdp)
    tau = check_nonnegative(entropy, "entropy")
    theta = as_float_array(logits, "logits")
    single = theta.ndim == 2
    if single:
        theta = theta[None]
    if theta.ndim != 3 or theta.shape[1:] != (mdp.n_states, mdp.n_actions):
        raise ValueError(f"`logits` must have shape (B, {mdp.n_states}, {mdp.n_actions}) or "
                         f"({mdp.n_states}, {mdp.n_actions}) (got shape {np.shape(logits)})")
    J, grad = _exact_gradient(mdp.P, mdp.R, mdp.mu0, mdp.gamma, theta, tau)
    return (float(J[0]), grad[0]) if single else (J, grad)


def _inverse_cdf(cdf: np.ndarray, u: np.ndarray) -> np.ndarray:
    """One categorical draw per row of the cumulative probabilities ``cdf`` (B, K) from
    uniforms ``u`` (B,); never a zero-probability tail category, even when rounding makes
    u · total equal the total."""
    total = cdf[:, -1:]
    idx = np.sum(u[:, None] * total >= cdf, axis=-1)
    return np.minimum(idx, np.argmax(cdf >= total, axis=-1))


class _Sampler:
    """The MDP's transition, reward and restart draws with precomputed CDFs (no per-step
    validation); rewards follow the MDP's noise model through ``FiniteMDP.sample_reward``."""

    def __init__(self, mdp: FiniteMDP):
        self.mdp = mdp
        S, A = mdp.n_states, mdp.n_actions
        self.cdf_next = np.cumsum(mdp.P, axis=-1).reshape(S * A, S)
        self.cdf_start = np.cumsum(mdp.mu0)[None, :]
        self.noisy = mdp.reward_noise != "none"

    def start(self, n: int, u: np.ndarray) -> np.ndarray:
        return _inverse_cdf(np.broadcast_to(self.cdf_start, (n, self.cdf_start.shape[1])), u)

    def step(self, s: np.ndarray, a: np.ndarray, u: np.ndarray, rng: np.random.Generator):
        s_next = _inverse_cdf(self.cdf_next[s * self.mdp.n_actions + a], u)
        r = self.mdp.sample_reward(s, a, rng) if self.noisy else self.mdp.R[s, a]
        return s_next, r


def _segment(sampler: _Sampler, state: np.ndarray, logits: np.ndarray, V: np.ndarray, t_max: int,
             restart_prob: float, rng: np.random.Generator, entropy: float = 0.0):
    """One Algorithm-S3 segment for B independent workers (vectorized): returns
    (d_theta (B,S,A) estimating ∇J, d_V (B,S) per-state mean error R - V, new states (B,)).
    With ``entropy`` = τ > 0 the rewards are r - τ log π(a|s) (the soft return's estimate)."""
    mdp = sampler.mdp
    B = state.shape[0]
    S, A = mdp.n_states, mdp.n_actions
    rows = np.arange(B)
    states = np.empty((B, t_max), dtype=np.int64)
    actions = np.empty((B, t_max), dtype=np.int64)
    rewards = np.empty((B, t_max))
    nexts = np.empty((B, t_max), dtype=np.int64)
    u = rng.random((4, t_max, B))  # action, next state, restart, start state
    s = state
    for t in range(t_max):
        z = logits[rows, s]
        z = z - z.max(axis=-1, keepdims=True)
        log_pi = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
        a = _inverse_cdf(np.cumsum(np.exp(log_pi), axis=-1), u[0, t])
        s_next, r = sampler.step(s, a, u[1, t], rng)
        if entropy:
            r = r - entropy * log_pi[rows, a]
        states[:, t], actions[:, t], rewards[:, t], nexts[:, t] = s, a, r, s_next
        s = np.where(u[2, t] < restart_prob, sampler.start(B, u[3, t]), s_next)
    cut = (u[2] < restart_prob).T
    cut[:, -1] = True
    returns = n_step_returns(rewards, V[rows[:, None], nexts], cut, mdp.gamma)
    adv = returns - V[rows[:, None], states]
    pi = softmax(logits[rows[:, None], states])  # (B, T, A)
    contrib = (np.eye(A)[actions] - pi) * adv[..., None]
    flat = rows[:, None] * S + states  # (B, T)
    d_theta = np.bincount((flat[..., None] * A + np.arange(A)).ravel(), weights=contrib.ravel(),
                          minlength=B * S * A).reshape(B, S, A)
    d_theta /= (1.0 - mdp.gamma) * t_max
    sums = np.bincount(flat.ravel(), weights=adv.ravel(), minlength=B * S).reshape(B, S)
    counts = np.bincount(flat.ravel(), minlength=B * S).reshape(B, S)
    return d_theta, sums / np.maximum(counts, 1), s


def sampled_advantage_gradient(mdp: FiniteMDP, logits: ArrayLike, values: ArrayLike, state: ArrayLike,
                               seed: Any, *, t_max: int = 5, restart_prob: float | None = None,
                               entropy: float = 0.0):
    """The n-step advantage gradient estimate of one A3C segment, for B workers at once.

    Each worker acts ``t_max`` steps from its ``state`` with π = softmax(logits), restarting from
    μ₀ with probability ``restart_prob`` after each step (default 1 - γ, so visited states follow
    the normalized discounted visitation), and returns

        ĝ = 1/((1 - γ) t_max) Σ_i (e_{a_i} - π(·|s_i)) ⊗ e_{s_i} · (R_i - V(s_i)),
        R_i = Σ_{j<k} γʲ r_{i+j} + γᵏ V(s_{i+k})   (cut at the segment's end and at restarts,
        bootstrapping from the true next state before a restart),

    an estimate of ∇J when V = V^π (E_{s~d_γ, a~π}[ψ A] = (1 - γ) ∇J by the policy gradient
    theorem), and the critic's per-state mean error δV(s) = mean_{i: s_i = s}(R_i - V(s_i)).

    Source: Mnih et al. (2016), Algorithm S3 and Section 4 (n-step returns, advantage
    R - V(s; θ_v)); Sutton et al. (2000), Theorem 1.

    Parameters
    ----------
    mdp : FiniteMDP
    logits : array_like, shape (B, S, A)
    values : array_like, shape (B, S)
        The critic's table V(s) (the worker's copy).
    state : array_like of int, shape (B,)
        Each worker's current environment state.
    seed : int, SeedSequence or Generator
    t_max : int >= 1, keyword-only
    restart_prob : float in (0, 1], optional, keyword-only
    entropy : float >= 0, keyword-only
        τ: use the soft rewards r - τ log π(a|s), so that ĝ estimates the gradient of
        J_τ = E[Σ_t γᵗ (r_t - τ log π(a_t|s_t))] when V is its soft value (see
        :func:`batched_policy_gradient`).

    Returns
    -------
    d_theta : ndarray, shape (B, S, A)
    d_values : ndarray, shape (B, S)
    state : ndarray of int, shape (B,)
        The environments' states after the segment.

    Raises
    ------
    ValueError, TypeError
        Shapes, states out of range, bad ``t_max`` or ``restart_prob``.
    """
    mdp = check_mdp(mdp)
    theta = as_float_array(logits, "logits")
    if theta.ndim != 3 or theta.shape[1:] != (mdp.n_states, mdp.n_actions):
        raise ValueError(f"`logits` must have shape (B, {mdp.n_states}, {mdp.n_actions}) (got shape {theta.shape})")
    B = theta.shape[0]
    V = as_float_array(values, "values")
    if V.shape != (B, mdp.n_states):
        raise ValueError(f"`values` must have shape ({B}, {mdp.n_states}) (got shape {V.shape})")
    s = np.asarray(state)
    if s.shape != (B,) or not np.issubdtype(s.dtype, np.integer):
        raise ValueError(f"`state` must be {B} integers (got {state!r})")
    if np.any((s < 0) | (s >= mdp.n_states)):
        raise ValueError(f"`state` must lie in [0, {mdp.n_states - 1}]")
    t_max = check_int(t_max, "t_max", minimum=1)
    restart = _restart_prob(mdp, restart_prob)
    tau = check_nonnegative(entropy, "entropy")
    return _segment(_Sampler(mdp), s.astype(np.int64), theta, V, t_max, restart, as_generator(seed), tau)


def _restart_prob(mdp: FiniteMDP, restart_prob: float | None) -> float:
    if restart_prob is None:
        return 1.0 - mdp.gamma
    return check_unit_interval(restart_prob, "restart_prob", open_left=True)


# ---------------------------------------------------------------------------------------------
# simulated A3C
# ---------------------------------------------------------------------------------------------


@dataclass
class A3CRun(ArrayResult):
    """Result of :func:`simulate_a3c` (R runs).

    Attributes
    ----------
    logits : ndarray, shape (R, S, A)
        Final shared actor parameters.
    values : ndarray, shape (R, S), or None
        Final shared critic table (sampled gradients only).
    steps : ndarray of int, shape (m,)
        Update counts at which ``J`` was recorded.
    J : ndarray, shape (m, R)
        Exact expected return of the shared policy at those counts (for reporting).
    lr : ndarray, shape (R,)
    staleness_mean, staleness_max : ndarray, shape (R,)
        Of the schedule that was run.
    gradient : str
    order : str
    n_workers : int
    """

    logits: np.ndarray
    values: np.ndarray | None
    steps: np.ndarray
    J: np.ndarray
    lr: np.ndarray
    staleness_mean: np.ndarray
    staleness_max: np.ndarray
    gradient: str
    order: str
    n_workers: int

    final_J = last_record("J", "J of the final shared policy of every run, shape (R,).")


def _initial_logits(mdp: FiniteMDP, logits0: Any, R: int) -> np.ndarray:
    shape = (mdp.n_states, mdp.n_actions)
    if logits0 is None:
        return np.zeros((R,) + shape)
    theta = as_float_array(logits0, "logits0")
    if theta.shape == shape:
        return np.broadcast_to(theta, (R,) + shape).copy()
    if theta.shape == (R,) + shape:
        return theta.copy()
    raise ValueError(f"`logits0` must have shape {shape} or {(R,) + shape} (got shape {theta.shape})")


def simulate_a3c(mdp: FiniteMDP, schedule: StalenessSchedule, *, lr: Any, gradient: str = "exact",
                 logits0: Any = None, t_max: int = 5, lr_critic: float = 0.5,
                 restart_prob: float | None = None, entropy: float = 0.0, seed: Any = None,
                 record_every: int = 1) -> A3CRun:
    """A3C on a finite MDP with a deterministic (seeded) interleaving of the workers.

    Update k of run r: worker w = schedule.worker[r, k] computes a gradient at the shared
    parameters of version read = schedule.read[r, k] (its stale copy) and the shared parameters
    take θ ← θ + η_r g.  With ``gradient="exact"`` g = ∇J(θ_read) (:func:`batched_policy_gradient`);
    with ``gradient="sampled"`` worker w runs one segment of :func:`sampled_advantage_gradient`
    from its own persistent environment with its stale copy (θ_read, V_read) of actor and
    critic, and the shared critic takes V ← V + β δV as well (tabular critic, per-state mean
    error, as the squared-error gradient of Algorithm S3 with a step per visited state).
    Everything is vectorized over the R runs; the loop is over updates.

    Source: Mnih et al. (2016), Section 4 and Algorithm S3; Recht et al. (2011) for the
    lock-free application of stale gradients.

    Parameters
    ----------
    mdp : FiniteMDP
    schedule : StalenessSchedule
        From :func:`fixed_delay_schedule` or :func:`worker_schedule`; R = its number of runs.
    lr : float > 0 or array_like of shape (R,), keyword-only
        Actor step size η (per run allowed).
    gradient : {"exact", "sampled"}, keyword-only
    logits0 : array_like, shape (S, A) or (R, S, A), optional, keyword-only
        Initial logits (default zeros: the uniform policy).
    t_max : int >= 1, keyword-only
        Segment length of the sampled gradient.
    lr_critic : float in (0, 1], keyword-only
        β, the critic's step (sampled gradient).
    restart_prob : float in (0, 1], optional, keyword-only
        Default 1 - γ.
    entropy : float >= 0, keyword-only
        τ of the entropy-regularized objective J_τ = E[Σ_t γᵗ (r_t - τ log π(a_t|s_t))]: the exact
        gradient of J_τ, or sampled soft rewards r - τ log π(a|s) in the n-step returns (whose
        critic then learns the soft value); ``J`` then records J_τ.
    seed : int, SeedSequence or Generator, keyword-only
        Required for ``gradient="sampled"``.
    record_every : int >= 1, keyword-only

    Returns
    -------
    A3CRun

    Raises
    ------
    ValueError, TypeError
        Bad MDP, schedule, step sizes or options; a missing seed for sampled gradients.
    """
    mdp = check_mdp(mdp)
    check_instance(schedule, "schedule", StalenessSchedule)
    gradient = check_in(gradient, "gradient", GRADIENTS)
    R = schedule.n_runs
    lr_arr = check_lr(lr, R)
    theta0 = _initial_logits(mdp, logits0, R)
    record_every = check_int(record_every, "record_every", minimum=1)
    tau = check_nonnegative(entropy, "entropy")
    P, Rw, mu0, gamma = mdp.P, mdp.R, mdp.mu0, mdp.gamma

    def record(params):
        return _exact_gradient(P, Rw, mu0, gamma, params[0], tau)[0]

    if gradient == "exact":
        def increment(k, stale, workers):
            return (lr_arr[:, None, None] * _exact_gradient(P, Rw, mu0, gamma, stale[0], tau)[1],)

        final, steps, J, _ = run_delayed((theta0,), schedule, increment, record, record_every)
        values = None
    else:
        t_max = check_int(t_max, "t_max", minimum=1)
        beta = check_unit_interval(lr_critic, "lr_critic", open_left=True)
        restart = _restart_prob(mdp, restart_prob)
        rng = as_generator(seed)
        sampler = _Sampler(mdp)
        env = mdp.sample_initial(R * schedule.n_workers, rng).reshape(R, schedule.n_workers)
        rows = np.arange(R)

        def increment(k, stale, workers):
            d_theta, d_V, s_new = _segment(sampler, env[rows, workers], stale[0], stale[1], t_max, restart, rng, tau)
            env[rows, workers] = s_new
            return lr_arr[:, None, None] * d_theta, beta * d_V

        final, steps, J, _ = run_delayed((theta0, np.zeros((R, mdp.n_states))), schedule, increment,
                                          record, record_every)
        values = final[1]
    stale = schedule.staleness
    return A3CRun(logits=final[0], values=values, steps=steps, J=J, lr=lr_arr,
                  staleness_mean=stale.mean(axis=1) if stale.size else np.zeros(R),
                  staleness_max=stale.max(axis=1) if stale.size else np.zeros(R, dtype=np.int64),
                  gradient=gradient, order=schedule.order, n_workers=schedule.n_workers)


# ---------------------------------------------------------------------------------------------
# real asynchronous workers
# ---------------------------------------------------------------------------------------------


@dataclass
class AsyncA3CRun(ArrayResult):
    """Result of :func:`run_async_a3c`.

    Attributes
    ----------
    logits : ndarray, shape (S, A)
        Final shared actor parameters.
    values : ndarray, shape (S,), or None
        Final shared critic (sampled gradients only).
    J : float
        Exact expected return of the final shared policy (for reporting).
    n_updates : int
        Updates applied (the requested number unless the run timed out).
    staleness : ndarray of int, shape (n_updates,)
        For each applied update, how many other updates were applied between its worker's copy
        of the parameters and its own write (the realized delay); exact with ``lock=True``,
        approximate (the copy and the counter are read without a common lock) otherwise.
    updates_per_worker : ndarray of int, shape (W,)
    wall_seconds : float
    backend : str
    lock : bool
    timed_out : bool
    """

    logits: np.ndarray
    values: np.ndarray | None
    J: float
    n_updates: int
    staleness: np.ndarray
    updates_per_worker: np.ndarray
    wall_seconds: float
    backend: str
    lock: bool
    timed_out: bool


class _Shared:
    """The shared state as numpy views on shared buffers (plain arrays for threads,
    multiprocessing RawArrays for processes) plus counters behind one small lock."""

    def __init__(self, theta, values, claimed, applied, stale, per_worker, counter_lock, param_lock, timed_out):
        self.theta, self.values = theta, values
        self.claimed, self.applied = claimed, applied
        self.stale, self.per_worker = stale, per_worker
        self.counter_lock, self.param_lock, self.timed_out = counter_lock, param_lock, timed_out


def _worker_loop(w: int, shared: _Shared, mdp: FiniteMDP, cfg: dict, seed: np.random.SeedSequence) -> None:
    """One actor-learner (Algorithm S3's loop) on the shared state."""
    rng = np.random.default_rng(seed)
    n, lr, beta, t_max = cfg["n_updates"], cfg["lr"], cfg["lr_critic"], cfg["t_max"]
    deadline = cfg["deadline"]
    sampled = cfg["gradient"] == "sampled"
    state = mdp.sample_initial(1, rng)
    sampler = _Sampler(mdp)
    P, R, mu0, gamma = mdp.P, mdp.R, mdp.mu0, mdp.gamma
    param_lock = shared.param_lock
    while True:
        with shared.counter_lock:
            slot = shared.claimed[0]
            if slot >= n:
                return
            shared.claimed[0] = slot + 1
        if time.monotonic() > deadline:
            shared.timed_out[0] = 1
            return
        if param_lock is not None:
            with param_lock:
                theta = shared.theta.copy()
                values = shared.values.copy() if sampled else None
                read_version = int(shared.applied[0])
        else:  # Hogwild!: copy without a lock (a copy may straddle another worker's write)
            read_version = int(shared.applied[0])
            theta = shared.theta.copy()
            values = shared.values.copy() if sampled else None
        if sampled:
            d_theta, d_V, state = _segment(sampler, state, theta[None], values[None], t_max, cfg["restart_prob"], rng)
            d_theta, d_V = d_theta[0], d_V[0]
        else:
            d_theta = _exact_gradient(P, R, mu0, gamma, theta[None])[1][0]
        # Locked: the write and its index are one atomic step; lock-free (Hogwild!): the
        # same statements with no lock around them.
        with param_lock if param_lock is not None else contextlib.nullcontext():
            shared.theta += lr * d_theta
            if sampled:
                shared.values += beta * d_V
            with shared.counter_lock:
                write_index = int(shared.applied[0])
                shared.applied[0] = write_index + 1
        with shared.counter_lock:
            shared.stale[slot] = write_index - read_version
            shared.per_worker[w] += 1


def _process_entry(w, buffers, shapes, locks, mdp_arrays, cfg, seed):  # pragma: no cover - runs in a child
    theta_buf, values_buf, claimed, applied, stale, per_worker, timed_out = buffers
    S, A, n, W = shapes
    shared = _Shared(
        theta=np.frombuffer(theta_buf, dtype=np.float64).reshape(S, A),
        values=np.frombuffer(values_buf, dtype=np.float64),
        claimed=np.frombuffer(claimed, dtype=np.int64), applied=np.frombuffer(applied, dtype=np.int64),
        stale=np.frombuffer(stale, dtype=np.int64), per_worker=np.frombuffer(per_worker, dtype=np.int64),
        counter_lock=locks[0], param_lock=locks[1], timed_out=np.frombuffer(timed_out, dtype=np.int64))
    P, R, mu0, gamma = mdp_arrays
    _worker_loop(w, shared, FiniteMDP(P=P, R=R, mu0=mu0, gamma=gamma), cfg, seed)


def run_async_a3c(mdp: FiniteMDP, *, n_workers: int, n_updates: int, lr: float, seed: Any,
                  backend: str = "thread", gradient: str = "exact", lock: bool = True,
                  logits0: Any = None, t_max: int = 5, lr_critic: float = 0.5,
                  restart_prob: float | None = None, timeout: float = 60.0,
                  start_method: str | None = None) -> AsyncA3CRun:
    """A3C with real asynchronous workers (threads or processes) on shared parameters.

    Each worker repeats Algorithm S3's loop: claim one of the ``n_updates`` update slots, copy
    the shared θ (and critic V), compute the exact gradient ∇J(θ') or one sampled n-step
    segment (:func:`sampled_advantage_gradient`) at the copy, and add η g (and β δV) to the
    shared arrays.  ``lock=False`` applies the writes lock-free (Hogwild!); ``lock=True`` makes
    each copy and each write atomic.  The interleaving — hence the result — is not
    reproducible; test only what holds for every interleaving.

    Threads share a numpy array; CPython's GIL serializes the numpy calls on these tiny arrays
    (and switches threads only every few milliseconds), so threads give asynchrony — mostly
    fresh copies with a few very stale ones — but next to no speed-up.  Processes share
    ``multiprocessing.RawArray`` buffers and run truly in parallel.  They start with ``"fork"``
    where the platform has it (no re-import of the caller's main module); with ``"spawn"`` each
    child imports numpy and this module (about a second) and the calling script needs the
    ``if __name__ == "__main__":`` guard.

    Source: Mnih et al. (2016), Section 4 and Algorithm S3; Recht et al. (2011) (lock-free
    updates).

    Parameters
    ----------
    mdp : FiniteMDP
    n_workers : int >= 1, keyword-only
    n_updates : int >= 0, keyword-only
    lr : float > 0, keyword-only
    seed : int or SeedSequence, keyword-only
        Seeds every worker's generator (sampled gradients); the interleaving stays random.
    backend : {"thread", "process"}, keyword-only
    gradient : {"exact", "sampled"}, keyword-only
    lock : bool, keyword-only
    logits0 : array_like, shape (S, A), optional, keyword-only
    t_max : int >= 1, keyword-only
    lr_critic : float in (0, 1], keyword-only
    restart_prob : float in (0, 1], optional, keyword-only
    timeout : float > 0, keyword-only
        Seconds; workers stop claiming updates after it (``timed_out`` is then True).
    start_method : {"fork", "spawn", "forkserver"}, optional, keyword-only
        Process start method (``backend="process"``); default ``"fork"`` where available,
        else ``"spawn"``.

    Returns
    -------
    AsyncA3CRun

    Raises
    ------
    ValueError, TypeError
        Bad options.
    """
    mdp = check_mdp(mdp)
    W = check_int(n_workers, "n_workers", minimum=1)
    n = check_int(n_updates, "n_updates", minimum=0)
    lr = check_positive(lr, "lr")
    backend = check_in(backend, "backend", BACKENDS)
    gradient = check_in(gradient, "gradient", GRADIENTS)
    if not isinstance(lock, (bool, np.bool_)):
        raise TypeError(f"`lock` must be a bool, got {type(lock).__name__}")
    theta0 = _initial_logits(mdp, logits0, 1)[0]
    cfg = {"n_updates": n, "lr": lr, "gradient": gradient,
           "t_max": check_int(t_max, "t_max", minimum=1),
           "lr_critic": check_unit_interval(lr_critic, "lr_critic", open_left=True),
           "restart_prob": _restart_prob(mdp, restart_prob)}
    timeout = check_positive(timeout, "timeout")
    methods = tuple(mp.get_all_start_methods())
    if start_method is None:
        start_method = "fork" if "fork" in methods else "spawn"
    start_method = check_in(start_method, "start_method", methods)
    if isinstance(seed, np.random.Generator):
        raise TypeError("`seed` must be an int or a SeedSequence here (workers get spawned child seeds)")
    seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(
        int(as_generator(seed).integers(2**63)))
    seeds = seq.spawn(W)
    S, A = mdp.n_states, mdp.n_actions

    start = time.monotonic()
    cfg["deadline"] = start + timeout
    if backend == "thread":
        shared = _Shared(theta=theta0.copy(), values=np.zeros(S), claimed=np.zeros(1, np.int64),
                         applied=np.zeros(1, np.int64), stale=np.zeros(n, np.int64),
                         per_worker=np.zeros(W, np.int64), counter_lock=threading.Lock(),
                         param_lock=threading.Lock() if lock else None, timed_out=np.zeros(1, np.int64))
        threads = [threading.Thread(target=_worker_loop, args=(w, shared, mdp, cfg, seeds[w]), daemon=True)
                   for w in range(W)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(max(cfg["deadline"] - time.monotonic(), 0.0) + 5.0)
        if any(t.is_alive() for t in threads):
            shared.timed_out[0] = 1
        theta, values = shared.theta.copy(), shared.values.copy()
        applied, stale, per_worker, timed_out = shared.applied[0], shared.stale, shared.per_worker, shared.timed_out[0]
    else:
        ctx = mp.get_context(start_method)
        bufs = (ctx.RawArray("d", S * A), ctx.RawArray("d", S), ctx.RawArray("q", 1), ctx.RawArray("q", 1),
                ctx.RawArray("q", max(n, 1)), ctx.RawArray("q", W), ctx.RawArray("q", 1))
        np.frombuffer(bufs[0], dtype=np.float64)[:] = theta0.ravel()
        locks = (ctx.Lock(), ctx.Lock() if lock else None)
        mdp_arrays = (np.array(mdp.P), np.array(mdp.R), np.array(mdp.mu0), mdp.gamma)
        procs = [ctx.Process(target=_process_entry, args=(w, bufs, (S, A, n, W), locks, mdp_arrays, cfg, seeds[w]),
                             daemon=True) for w in range(W)]
        for p in procs:
            p.start()
        timed_out = 0
        for p in procs:
            p.join(max(cfg["deadline"] - time.monotonic(), 0.0) + 30.0)
            if p.is_alive():
                p.terminate()
                p.join()
                timed_out = 1
        theta = np.frombuffer(bufs[0], dtype=np.float64).reshape(S, A).copy()
        values = np.frombuffer(bufs[1], dtype=np.float64).copy()
        applied = int(np.frombuffer(bufs[3], dtype=np.int64)[0])
        stale = np.frombuffer(bufs[4], dtype=np.int64)[:n].copy()
        per_worker = np.frombuffer(bufs[5], dtype=np.int64).copy()
        timed_out = max(timed_out, int(np.frombuffer(bufs[6], dtype=np.int64)[0]))
        if any(p.exitcode not in (0, None) for p in procs) and not timed_out:
            raise RuntimeError(f"an A3C worker process failed (exit codes {[p.exitcode for p in procs]})")
    wall = time.monotonic() - start
    applied = int(applied)
    J = float(_exact_gradient(mdp.P, mdp.R, mdp.mu0, mdp.gamma, theta[None])[0][0])
    return AsyncA3CRun(logits=theta, values=values if gradient == "sampled" else None, J=J, n_updates=applied,
                       staleness=np.asarray(stale)[:applied].copy(), updates_per_worker=np.asarray(per_worker).copy(),
                       wall_seconds=wall, backend=backend, lock=bool(lock), timed_out=bool(timed_out))
