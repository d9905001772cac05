"""A tabular actor-critic: softmax actor, TD(0) action-value critic, and the stabilizers of
Pfau & Vinyals (2016), Table 1, that apply to it.

Actor: logits θ[s, a], π(a|s) = softmax(θ[s])_a.  Critic: a table Q[s, a] learned by one-step
temporal differences with the expected-SARSA target

    y = r + γ Σ_a' π(a'|s') Q̄(s', a'),      δ = y - Q(s, a),      Q(s, a) ← Q(s, a) + α δ,

where Q̄ is the critic itself or its target copy.  The actor follows the all-actions policy
gradient with the critic's advantage (the discrete analogue of the deterministic/SVG(0)
actors of Pfau & Vinyals, Section 2.2, whose actors follow the critic rather than the return):

    θ[s] ← θ[s] + η [ π(·|s) ⊙ Â(s, ·)  -  τ π(·|s) ⊙ (log π(·|s) - Σ_a π log π) ],
    Â(s, ·) = Q(s, ·) - Σ_a π(a|s) Q(s, a)

at the states the environments visit (so states are weighted by their on-policy
frequency).  The second term is the gradient of τ H(π(·|s)) (entropy regularization).  Every
environment restarts from μ₀ with probability 1 - γ at each step, so visited states follow the
normalized discounted occupancy d^π_{μ₀}, the weighting of the policy gradient theorem
(Sutton et al. 2000, Theorem 1).

Stabilizers (:class:`ACConfig`), each reducing to the plain method at its default:

- **target network** (``target_tau``, ``target_every``): the TD target uses Q̄ ← (1 - τ) Q̄ + τ Q,
  applied every ``target_every`` steps (τ = 1 with a period k is a periodic copy); ``None``
  uses Q itself, and τ = 1, k = 1 reproduces it exactly;
- **replay buffer** (``replay_capacity``, ``replay_batch``): the critic learns from transitions
  drawn uniformly from a FIFO buffer of past transitions (off-policy is sound here: the
  expected-SARSA target averages over the *current* π at s'); the actor always uses the
  current, on-policy states, since "the actor cannot learn from past critic gradients"
  (Pfau & Vinyals 2016, Section 3.2);
- **entropy regularization** (``entropy`` = τ);
- **compatible features** (``compatible``): the actor's advantage is the compatible critic
  f_w(s, a) = w · ∇_θ log π(a|s) = w[s, a] - Σ_b π(b|s) w[s, b] (Sutton et al. 2000,
  Theorem 2), fitted by stochastic least squares to the TD error
  δ_V = r + γ V̄(s') - V(s), V(s) = Σ_a π(a|s) Q(s, a), whose mean given (s, a) is the advantage;
- **freezing** (``actor_every``, ``critic_every``, ``freeze_actor_above``): update a player only
  every k steps, or skip the actor while an exponential average of |δ| exceeds a threshold
  (the critic is not yet trustworthy);
- **historical averaging** (``hist_avg`` = λ): the actor's loss gains λ ‖θ - θ̄_t‖², θ̄_t the
  mean of all past actor parameters (Salimans et al. 2016, Section 3.3).

Not applicable to this learner (see :data:`NOT_APPLICABLE`): label smoothing, minibatch
discrimination, batch normalization.

Everything is vectorized over ``n_runs`` independent runs and ``n_envs`` environments per run;
the only Python loop is over steps.  Independence rule: nothing here calls
``solvers.problems.rl_toys.policy_evaluation`` or ``value_iteration``; tests and claims do.

Sources: Sutton, McAllester, Singh & Mansour (2000), "Policy Gradient Methods for
Reinforcement Learning with Function Approximation", Theorems 1-2; Konda & Tsitsiklis (2003),
"On Actor-Critic Algorithms"; van Seijen et al. (2009), "A theoretical and empirical analysis of
Expected Sarsa"; Mnih et al. (2015) (target network, replay); Williams & Peng (1991) (entropy
regularization); Pfau & Vinyals (2016), Table 1 and Section 3.
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
from theory.validation import check_instance, as_float_array, as_generator, check_in, check_int
from theory.validation import check_nonnegative, check_positive, check_unit_interval

__all__ = [
    "CRITIC_SCHEDULES",
    "NOT_APPLICABLE",
    "ACConfig",
    "ACRun",
    "train_actor_critic",
]

CRITIC_SCHEDULES = ("constant", "average")

#: Strategies of Pfau & Vinyals (2016), Table 1, that have no meaning for this learner, with
#: the reason (the measured table prints "n/a" with it).
NOT_APPLICABLE = {
    "label_smoothing": "the critic regresses real-valued returns; there are no class labels to smooth",
    "minibatch_discrimination": "no discriminator sees batches of samples; its RL analogue is "
                                "entropy regularization (Pfau & Vinyals 2016, Section 3.1)",
    "batch_normalization": "tabular actor and critic have no hidden layers to normalize",
}


@dataclass(frozen=True)
class ACConfig(Config):
    """Step sizes, parallelism and stabilizer options of :func:`train_actor_critic`.

    Parameters
    ----------
    lr_actor : float > 0
        η, the actor's step.
    lr_critic : float > 0
        α, the critic's step (``"constant"``), or its scale (``"average"``).
    critic_schedule : {"constant", "average"}
        ``"constant"``: Q(s, a) += α · mean δ over the batch's visits of (s, a).
        ``"average"``: the step is α · c/(n + c) for c visits now and n before, so with α = 1
        Q(s, a) is the running average of its TD targets (the sample mean of rewards on a
        bandit, where γ = 0).
    n_envs : int >= 1
        Environments stepped in parallel per run; each step uses all their transitions.
    restart_prob : float in [0, 1], optional
        Probability that an environment restarts from μ₀ after a step; default 1 - γ.
    entropy : float >= 0
        τ, the weight of the entropy bonus.
    target_tau : float in (0, 1], optional
        Polyak rate of the critic's target copy; ``None`` (default) = no target network.
    target_every : int >= 1
        Apply the target update every this many steps.
    replay_capacity : int >= 0
        Transitions kept per run (FIFO); 0 = no replay buffer.
    replay_batch : int >= 1, optional
        Transitions per critic update drawn from the buffer (default ``n_envs``).
    compatible : bool
        Use the compatible critic f_w for the actor's advantage.
    lr_compatible : float > 0
        Step of the compatible critic's least squares.
    hist_avg : float >= 0
        λ of the historical-averaging penalty on the actor.
    actor_every, critic_every : int >= 1
        Update the actor / critic only on every k-th step (steps k, 2k, ..., counting from 1);
        k > n_steps freezes it for the whole run.
    freeze_actor_above : float > 0, optional
        Skip the actor update while the running mean of |δ| exceeds this.
    freeze_decay : float in (0, 1]
        Weight of the newest |δ| in that running mean.
    """

    lr_actor: float = 0.5
    lr_critic: float = 0.5
    critic_schedule: str = "constant"
    n_envs: int = 16
    restart_prob: float | None = None
    entropy: float = 0.0
    target_tau: float | None = None
    target_every: int = 1
    replay_capacity: int = 0
    replay_batch: int | None = None
    compatible: bool = False
    lr_compatible: float = 0.5
    hist_avg: float = 0.0
    actor_every: int = 1
    critic_every: int = 1
    freeze_actor_above: float | None = None
    freeze_decay: float = 0.05

    def __post_init__(self) -> None:
        check_positive(self.lr_actor, "lr_actor")
        check_positive(self.lr_critic, "lr_critic")
        check_in(self.critic_schedule, "critic_schedule", CRITIC_SCHEDULES)
        check_int(self.n_envs, "n_envs", minimum=1)
        if self.restart_prob is not None:
            check_unit_interval(self.restart_prob, "restart_prob")
        check_nonnegative(self.entropy, "entropy")
        if self.target_tau is not None:
            check_unit_interval(self.target_tau, "target_tau", open_left=True)
        check_int(self.target_every, "target_every", minimum=1)
        check_int(self.replay_capacity, "replay_capacity", minimum=0)
        if self.replay_batch is not None:
            check_int(self.replay_batch, "replay_batch", minimum=1)
        if not isinstance(self.compatible, bool):
            raise TypeError(f"`compatible` must be a bool, got {type(self.compatible).__name__}")
        check_positive(self.lr_compatible, "lr_compatible")
        check_nonnegative(self.hist_avg, "hist_avg")
        check_int(self.actor_every, "actor_every", minimum=1)
        check_int(self.critic_every, "critic_every", minimum=1)
        if self.freeze_actor_above is not None:
            check_positive(self.freeze_actor_above, "freeze_actor_above")
        check_unit_interval(self.freeze_decay, "freeze_decay", open_left=True)


@dataclass
class ACRun(ArrayResult):
    """Trajectory of :func:`train_actor_critic` (leading axis: runs).

    Attributes
    ----------
    steps : ndarray, shape (n_records,)
        Steps completed at each record (always 0 and n_steps).
    theta : ndarray, shape (n_records, n_runs, S, A)
        Actor logits.
    pi : ndarray, shape (n_records, n_runs, S, A)
        softmax(θ) per state.
    q : ndarray, shape (n_records, n_runs, S, A)
        Critic table.
    td_abs : ndarray, shape (n_steps, n_runs)
        Mean |δ| of each critic update (NaN on steps without one).
    actor_updates : ndarray, shape (n_runs,)
        Number of actor updates actually made (freezing skips some).
    visits : ndarray, shape (n_runs, S, A)
        Fresh (on-policy) samples of every pair.
    compatible_w : ndarray, shape (n_runs, S, A), or None
        The compatible critic's weights at the end (``config.compatible``); its advantage is
        f_w(s, a) = w[s, a] - Σ_b π(b|s) w[s, b].
    config : ACConfig
    """

    steps: np.ndarray
    theta: np.ndarray
    pi: np.ndarray
    q: np.ndarray
    td_abs: np.ndarray
    actor_updates: np.ndarray
    visits: np.ndarray
    compatible_w: np.ndarray | None
    config: ACConfig

    final_pi = last_record("pi", "π after the last step, shape (n_runs, S, A).")

    final_q = last_record("q", "The critic after the last step, shape (n_runs, S, A).")


def train_actor_critic(
    mdp: FiniteMDP,
    config: ACConfig,
    *,
    n_steps: int,
    seed: Any,
    n_runs: int = 1,
    theta0: ArrayLike | None = None,
    q0: ArrayLike | None = None,
    record_every: int | None = None,
) -> ACRun:
    """Run the tabular actor-critic with the stabilizers chosen in ``config``.

    One step, for every run and environment: draw a ~ π(·|s); sample (s', r) from the MDP;
    update the critic on the fresh batch (or on a batch from the replay buffer); update the
    target copy; fit the compatible critic if asked; update the actor at the fresh states
    (unless frozen); restart each environment from μ₀ with probability ``restart_prob``.

    Source: the actor-critic of Konda & Tsitsiklis (2003) with an expected-SARSA critic and
    the all-actions policy gradient of Sutton et al. (2000), Theorem 1; stabilizers as listed
    in Pfau & Vinyals (2016), Table 1 (see the module docstring).

    Parameters
    ----------
    mdp : FiniteMDP
    config : ACConfig
    n_steps : int >= 0, keyword-only
    seed : int, SeedSequence or Generator, keyword-only
        One stream drives all runs (initial states, actions, transitions, rewards, replay
        draws, restarts).
    n_runs : int >= 1, keyword-only
        Independent runs, vectorized.
    theta0 : array_like, shape (S, A) or (n_runs, S, A), optional
        Initial logits (default 0: the uniform policy).
    q0 : array_like, shape (S, A) or (n_runs, S, A), optional
        Initial critic (default 0).
    record_every : int >= 1, optional
        Keep θ, π, Q every this many steps (default: only the first and last).

    Returns
    -------
    ACRun

    Raises
    ------
    TypeError, ValueError
        Named errors for bad arguments.
    """
    check_instance(mdp, "mdp", FiniteMDP)
    check_instance(config, "config", ACConfig)
    n_steps = check_int(n_steps, "n_steps", minimum=0)
    R = check_int(n_runs, "n_runs", minimum=1)
    rng = as_generator(seed)
    S, A = mdp.n_states, mdp.n_actions
    E = config.n_envs
    gamma = mdp.gamma
    restart = 1.0 - gamma if config.restart_prob is None else config.restart_prob

    def table(x, name):
        if x is None:
            return np.zeros((R, S, A))
        arr = as_float_array(x, name)
        if arr.shape == (S, A):
            return np.broadcast_to(arr, (R, S, A)).copy()
        if arr.shape != (R, S, A):
            raise ValueError(f"`{name}` must have shape ({S}, {A}) or ({R}, {S}, {A}) (got {arr.shape})")
        return arr.copy()

    theta = table(theta0, "theta0")
    q = table(q0, "q0")
    every = n_steps if record_every is None else check_int(record_every, "record_every", minimum=1)
    record_steps = np.unique(np.r_[np.arange(0, n_steps + 1, max(every, 1)), n_steps])
    thetas = np.empty((record_steps.size, R, S, A))
    qs = np.empty_like(thetas)
    thetas[0], qs[0] = theta, q
    rec = 1

    use_target = config.target_tau is not None
    q_tgt = q.copy() if use_target else None
    w = np.zeros((R, S, A)) if config.compatible else None
    theta_mean = theta.copy()  # running mean of past actor parameters (historical averaging)
    n_sa = np.zeros(R * S * A)  # critic visit counts ("average" schedule)
    visits = np.zeros(R * S * A)
    td_abs = np.full((n_steps, R), np.nan)
    td_ema = np.full(R, np.inf) if config.freeze_actor_above is not None else None
    actor_updates = np.zeros(R, dtype=np.int64)

    cap = config.replay_capacity
    batch = E if config.replay_batch is None else config.replay_batch
    if cap:
        buf_s = np.zeros((R, cap), dtype=np.int64)
        buf_a = np.zeros((R, cap), dtype=np.int64)
        buf_r = np.zeros((R, cap))
        buf_s2 = np.zeros((R, cap), dtype=np.int64)
        buf_len = 0
        buf_pos = 0

    run_idx = np.repeat(np.arange(R), E)  # (R*E,) run of each environment
    s = mdp.sample_initial(R * E, rng)
    P_flat = mdp.P.reshape(S * A, S)
    R_mean = mdp.R.reshape(S * A)
    std_flat = mdp.reward_std.reshape(S * A)
    mu0_cdf = np.cumsum(mdp.mu0)

    for t in range(n_steps):
        logp = log_softmax(theta)  # (R, S, A)
        pi = np.exp(logp)
        # --- act and step the environments
        pi_s = pi[run_idx, s]  # (R*E, A)
        a = np.minimum((rng.random(R * E)[:, None] >= np.cumsum(pi_s, axis=-1)).sum(-1), A - 1)
        sa = s * A + a
        mean_r = R_mean[sa]
        if mdp.reward_noise == "gaussian":
            r = mean_r + std_flat[sa] * rng.standard_normal(R * E)
        elif mdp.reward_noise == "bernoulli":
            r = (rng.random(R * E) < mean_r).astype(np.float64)
        else:
            r = mean_r
        cdf = np.cumsum(P_flat[sa], axis=-1)
        s2 = np.minimum((rng.random(R * E)[:, None] * cdf[:, -1:] >= cdf).sum(-1), S - 1)
        flat_fresh = run_idx * (S * A) + sa
        visits += np.bincount(flat_fresh, minlength=R * S * A)

        # --- critic batch: fresh transitions, or a draw from the replay buffer
        if cap:
            k = np.arange(E)
            slots = (buf_pos + k) % cap
            buf_s[:, slots] = s.reshape(R, E)
            buf_a[:, slots] = a.reshape(R, E)
            buf_r[:, slots] = r.reshape(R, E)
            buf_s2[:, slots] = s2.reshape(R, E)
            buf_pos = (buf_pos + E) % cap
            buf_len = min(buf_len + E, cap)
            pick = rng.integers(0, buf_len, size=(R, batch))
            # the buffer is a ring: its `buf_len` valid slots end just before `buf_pos`
            pick = (buf_pos - buf_len + pick) % cap
            rows = np.repeat(np.arange(R), batch)
            cb_s, cb_a = buf_s[rows, pick.ravel()], buf_a[rows, pick.ravel()]
            cb_r, cb_s2 = buf_r[rows, pick.ravel()], buf_s2[rows, pick.ravel()]
            cb_run = rows
        else:
            cb_s, cb_a, cb_r, cb_s2, cb_run = s, a, r, s2, run_idx

        if (t + 1) % config.critic_every == 0:
            boot = q_tgt if use_target else q
            v_next = np.sum(pi[cb_run, cb_s2] * boot[cb_run, cb_s2], axis=-1)
            y = cb_r + gamma * v_next
            flat = cb_run * (S * A) + cb_s * A + cb_a
            q_flat = q.reshape(R * S * A)
            delta = y - q_flat[flat]
            sums, counts = scatter_sum(flat, delta, R * S * A)
            seen = counts > 0
            if config.critic_schedule == "constant":
                step = np.where(seen, config.lr_critic / np.where(seen, counts, 1.0), 0.0)
            else:
                n_sa += counts
                step = np.where(seen, config.lr_critic / np.where(seen, n_sa, 1.0), 0.0)
            td = np.abs(delta).reshape(-1)
            td_abs[t] = np.bincount(cb_run, weights=td, minlength=R) / np.bincount(cb_run, minlength=R)
            if td_ema is not None:
                first = ~np.isfinite(td_ema)
                d = config.freeze_decay
                td_ema = np.where(first, td_abs[t], (1 - d) * td_ema + d * td_abs[t])
            if config.compatible:
                # compatible critic: stochastic least squares of δ_V on ψ(s, a) = e_a - π(·|s)
                v_s = np.sum(pi[cb_run, cb_s] * q[cb_run, cb_s], axis=-1)
                delta_v = y - v_s
                psi = -pi[cb_run, cb_s]
                psi[np.arange(psi.shape[0]), cb_a] += 1.0
                f = w[cb_run, cb_s, cb_a] - np.sum(pi[cb_run, cb_s] * w[cb_run, cb_s], axis=-1)
                row = cb_run * S + cb_s
                g_sum, g_cnt = scatter_sum(row, (delta_v - f)[:, None] * psi, R * S)
                g_cnt = np.where(g_cnt > 0, g_cnt, 1.0)
                w = w + config.lr_compatible * (g_sum / g_cnt[:, None]).reshape(R, S, A)
            q = (q_flat + step * sums).reshape(R, S, A)
            if use_target and (t + 1) % config.target_every == 0:
                tau = config.target_tau
                q_tgt = (1.0 - tau) * q_tgt + tau * q

        # --- actor, at the fresh on-policy states
        frozen = np.zeros(R, dtype=bool)
        if td_ema is not None:
            frozen = td_ema > config.freeze_actor_above
        if (t + 1) % config.actor_every == 0:
            if config.compatible:
                adv = w - np.sum(pi * w, axis=-1, keepdims=True)
            else:
                adv = q - np.sum(pi * q, axis=-1, keepdims=True)
            grad = pi * adv
            if config.entropy > 0:
                grad = grad - config.entropy * pi * (logp - np.sum(pi * logp, axis=-1, keepdims=True))
            row = run_idx * S + s
            g_sum, _ = scatter_sum(row, grad[run_idx, s], R * S)
            step_theta = config.lr_actor * g_sum.reshape(R, S, A) / E
            if config.hist_avg > 0:
                step_theta = step_theta - config.lr_actor * 2.0 * config.hist_avg * (theta - theta_mean)
            theta = np.where(frozen[:, None, None], theta, theta + step_theta)
            actor_updates += ~frozen
        theta_mean = theta_mean + (theta - theta_mean) / (t + 2)

        # --- advance, with restarts from mu0
        again = rng.random(R * E) < restart
        if np.any(again):
            s_new = np.minimum(np.searchsorted(mu0_cdf, rng.random(int(again.sum())) * mu0_cdf[-1],
                                               side="right"), S - 1)
            s2 = s2.copy()
            s2[again] = s_new
        s = s2
        if rec < record_steps.size and record_steps[rec] == t + 1:
            thetas[rec], qs[rec] = theta, q
            rec += 1

    return ACRun(
        steps=record_steps,
        theta=thetas,
        pi=softmax(thetas, axis=-1),
        q=qs,
        td_abs=td_abs,
        actor_updates=actor_updates,
        visits=visits.reshape(R, S, A),
        compatible_w=w,
        config=config,
    )
