"""Claims from Pfau & Vinyals (2016), "Connecting Generative Adversarial Networks and
Actor-Critic Methods" (arXiv:1610.01945), Section 2.3: the GAN as an actor-critic method on a
stateless MDP in which the actor cannot affect the reward.

Each claim compares independent routes: the sympy derivations of ``proofs_check.pfau2016``,
the closed forms of ``theory.stateless_mdp``, the learners of
``solvers.tabular.stateless_actor_critic`` on the episodes of
``solvers.problems.stateless_mdp`` (which never call the closed forms), the categorical GAN's
hand-derived generator gradient (``solvers.tabular.gan``) and the neural GAN's autograd losses
(``solvers.neural.gan``).  The neural actor-critic counterpart lives in another module.
"""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np
from autograd import grad
from scipy.special import expit, logit, softmax

from experiments.claims.support import (RATE_WINDOW, derived_claim, per_atom_rate_evidence,
                                       perturbation_directions)
from experiments.claims.tolerances import FLOAT_ATOL, central_difference_atol
from experiments.registry import Context, Evidence, claim
from solvers.neural import gan as neural_gan
from solvers.neural.mlp import init_mlp
from solvers.problems.stateless_mdp import TabularStatelessMDP
from solvers.tabular import gan as tabular_gan
from solvers.tabular import stateless_actor_critic as ac
from theory.divergences import js_divergence
from theory.stateless_mdp import (
    bayes_critic,
    bayes_critic_sensitivity,
    bellman_error,
    critic_actor_gradient,
    optimal_bellman_error,
)

SOURCE = "Pfau & Vinyals (2016), Section 2.3"
REWARD = "pfau2016/expected-reward-policy-independent"
CRITIC = "pfau2016/bayes-critic"
MOVES_AWAY = "pfau2016/critic-moves-away"
MINIMAX = "pfau2016/actor-update-equals-minimax-generator"
NON_SATURATING = "pfau2016/log-q-actor-equals-non-saturating"
#: Every claim here is measured on the stateless GAN MDP with the tabular actor-critic.
STATELESS_MDP = {"solver": "solvers.tabular.stateless_actor_critic",
                 "problem": "solvers.problems.stateless_mdp.TabularStatelessMDP"}

#: Exact-expectation critic descent: 4000 steps at lr = 1 with contraction <= 0.99 per step
#: leave < 1e-15 of the initial error, so the learned critic matches to float rounding.
CRITIC_STEPS = 4000
CRITIC_ATOL = 1e-10
#: Logit perturbations of Q*: this size along every coordinate and N_PERTURB random unit
#: directions, both signs.  Both Bellman errors are strictly convex in the logit near Q* with
#: curvature >= m Q*(1 - Q*) (times Q*(1 - Q*) for the squared error) >= ~1e-5 here, so each
#: perturbation raises them by >= ~5e-12 (about 10x above the ~1e-15 x 10 rounding of a sum of
#: 5 terms); a candidate minimizer off by more than eps/2 along one direction is beaten.
PERTURB_EPS = 1e-3
N_PERTURB = 64
#: Hoeffding's inequality for a mean of n i.i.d. terms with range 1 (a reward in {0, 1}, or a
#: REINFORCE component r (e_a - q)_j in [-q_j, 1 - q_j]): P(|mean - E| >= t) <= 2 exp(-2 n t^2).
#: Each sampled comparison below is allowed a false-alarm probability FALSE_ALARM (union bound
#: over its components): t = sqrt(log(2 K / FALSE_ALARM) / (2 n)).
FALSE_ALARM = 1e-6
#: Two autograd routes through the same networks (a scaled value gradient vs. the gradient of
#: log(1 - D)): they differ by float rounding of exp/log, relative to the gradient's size.
AUTOGRAD_RTOL = 1e-9
#: Central differences with h = 1e-5 on a smooth loss of size < 10 whose third derivatives are
#: <= ~6 per unit of that scale.
FD_STEP = 1e-5
FD_ATOL = central_difference_atol(FD_STEP, value_scale=10.0, third_derivative=60.0)
#: Critic response to an actor step of size eta = 1e-3: the first-order formula misses
#: second-order terms of relative size O(eta).
RESPONSE_RTOL = 1e-2
#: The Robbins-Monro variance law a^2 sigma^2 / ((2 a lambda - 1) t) needs a lambda > 1/2; it is
#: compared on atoms with a lambda >= 1 (2 a lambda - 1 >= 1), where the deterministic transient
#: (t0 / t)^(a lambda) is below 1% of the start at t = 10^4.
SGD_MIN_A_LAMBDA = 1.0

# Robbins-Monro critic run: R independent runs, T steps, alpha_t = lr * t0 / (t0 + t).
_SGD_RUNS, _SGD_STEPS, _SGD_T0 = 400, 10_000, 50.0
_SGD_LR = {"cross_entropy": 1.0, "squared": 0.25}


def _interior_problem(ctx: Context, k: int = 5, stream: int = 1):
    """p_data, q (full support, atoms >= 0.02) and rho in [0.3, 0.7]: interior atoms, so the
    exact critic converges linearly and every actor objective is finite."""
    rng = ctx.rng(stream)
    p = 0.9 * rng.dirichlet(np.full(k, 2.0)) + 0.1 / k
    q = 0.9 * rng.dirichlet(np.full(k, 2.0)) + 0.1 / k
    rho = float(rng.uniform(0.3, 0.7))
    return p / p.sum(), q / q.sum(), rho


def _hoeffding(measured: np.ndarray, predicted: np.ndarray, n: int, what: str,
               details: dict | None = None) -> Evidence:
    """|mean - prediction| of a mean of n i.i.d. terms of range 1, per component, against
    Hoeffding's deviation at false-alarm probability FALSE_ALARM (union over components)."""
    measured, predicted = np.atleast_1d(measured), np.atleast_1d(predicted)
    t = float(np.sqrt(np.log(2.0 * measured.size / FALSE_ALARM) / (2.0 * n)))
    return Evidence.close(
        predicted, measured, atol=t,
        reason=f"{what}: Hoeffding bound for a mean of {n} terms of range 1, false-alarm "
        f"probability {FALSE_ALARM:g} (union over {measured.size} components); no sample SE",
        details=details)


def _chi2_band(n_comparisons: int) -> tuple[float, float]:
    """Acceptance band of (mean of R squared N(0, s) draws) / s, i.e. chi^2_R / R, at two-sided
    false-alarm probability FALSE_ALARM split over ``n_comparisons`` (union bound)."""
    from scipy.stats import chi2

    delta = FALSE_ALARM / max(n_comparisons, 1)
    return (float(chi2.ppf(delta / 2.0, _SGD_RUNS)) / _SGD_RUNS,
            float(chi2.isf(delta / 2.0, _SGD_RUNS)) / _SGD_RUNS)


def _score_function_hoeffding(estimate, predicted: np.ndarray, critic: np.ndarray, logits: np.ndarray,
                              objective: str, what: str, logit: bool = False) -> Evidence:
    """A score-function estimate (1/n) sum f(x_i) (e_{x_i} - q) over n i.i.d. fake episodes
    against its expectation: Hoeffding per component j with the exact range of the term
    f(x) (delta_xj - q_j) over the atoms x, at false-alarm probability FALSE_ALARM (union over
    components).  Conditional on the number of fake episodes, they are i.i.d. draws from q."""
    q = softmax(logits)
    f = ac.actor_objective_values(critic, objective=objective, logit=logit)
    values = f[:, None] * (np.eye(q.size) - q[None, :])  # term for atom x (row), component j
    ranges = values.max(axis=0) - values.min(axis=0)
    t = ranges * np.sqrt(np.log(2.0 * q.size / FALSE_ALARM) / (2.0 * estimate.n))
    return Evidence.close(
        predicted, estimate.mean, atol=t,
        reason=f"{what}: Hoeffding per component with the exact range of each term, "
        f"{estimate.n} fake episodes, false-alarm probability {FALSE_ALARM:g}; no sample SE",
        details={"hoeffding_halfwidth": t, "n_fake": estimate.n})


# --------------------------------------------------------------------------- expected reward

#: Central differences of the simulator's expected reward (a sum of K <= 6 table entries of
#: size <= 1, each a product of two probabilities: <= 16 roundings): truncation is exactly 0 for
#: a reward affine in the table, so only the rounding over h remains.
SIM_FD_STEP = 1e-4
SIM_FD_ATOL = central_difference_atol(SIM_FD_STEP, value_scale=1.0, third_derivative=0.0, ulps=16)


def _simulator_reward(p_data: np.ndarray, real_prob: float, policy: np.ndarray) -> float:
    """The environment's expected reward, read off its own episode table (not theory)."""
    table = TabularStatelessMDP(p_data, real_prob).episode_table(policy)
    reward = np.array([0.0, 1.0])  # the simulator's rewards: 0 on fake, 1 on real episodes
    return float(reward @ table.sum(axis=1))


def _simulator_policy_gradient(p_data: np.ndarray, real_prob: float, logits: np.ndarray) -> np.ndarray:
    """d E[r] / d logits of the environment by central differences of its episode table."""
    out = np.empty(logits.size)
    for j in range(logits.size):
        e = np.zeros(logits.size)
        e[j] = SIM_FD_STEP
        out[j] = (_simulator_reward(p_data, real_prob, softmax(logits + e))
                  - _simulator_reward(p_data, real_prob, softmax(logits - e))) / (2 * SIM_FD_STEP)
    return out


@derived_claim(
    REWARD,
    statement="In the stateless GAN MDP the expected reward equals real_prob for every policy, so the "
    "true policy gradient is exactly zero and REINFORCE estimates it with mean zero.",
    source=f"{SOURCE} (the actor cannot affect the reward) and Section 3.2 (Compatibility: the value "
    "of any policy is 0.5)",
    **STATELESS_MDP,
)
def expected_reward_policy_independent(ctx: Context):
    parts = {}

    rng = ctx.rng(0)
    k, n = 6, 200
    p = rng.dirichlet(np.ones(k), size=n)
    q = rng.dirichlet(np.full(k, 0.3), size=n)  # concentrated policies, many near-deterministic
    one_hot = np.arange(0, n, 4)  # every fourth policy is deterministic
    q[one_hot] = np.eye(k)[rng.integers(0, k, size=one_hot.size)]
    rhos = rng.uniform(0.0, 1.0, size=n)
    # The environment's own episode law (TabularStatelessMDP.episode_table: row 0 fake, row 1
    # real; the simulator pays reward 1 on real episodes): E[r] = sum_x P(real, x) x 1.
    values = np.array([_simulator_reward(pi, r, qi) for pi, qi, r in zip(p, q, rhos)])
    parts["exact"] = Evidence.close(
        rhos, values, atol=FLOAT_ATOL,
        reason="the simulator's episode table summed with its rewards; float rounding of sum p",
        details={"n_cases": n, "k": k, "one_hot_policies": int(one_hot.size)})

    # The true policy gradient of the environment's expected reward, by central differences of
    # the simulator's table in the actor's logits (no closed form: a simulator whose reward
    # depended on the action would give a non-zero difference).
    interior = [i for i in range(n) if np.all(q[i] > 0)]
    grads = np.array([_simulator_policy_gradient(p[i], rhos[i], np.log(q[i])) for i in interior[:20]])
    parts["exact-true-policy-gradient"] = Evidence.close(
        np.zeros_like(grads), grads, atol=SIM_FD_ATOL,
        reason=f"central differences (h = {SIM_FD_STEP:g}) of the simulator's expected reward: the "
        "reward is affine in the table, so truncation is 0 and only rounding / h of sums of size 1 "
        "remains",
        details={"n_cases": len(grads)})

    # Simulation: the mean reward of sampled episodes, and REINFORCE's estimate, at a fixed seed.
    p1, q1, rho = _interior_problem(ctx)
    mdp = TabularStatelessMDP(p1, rho)
    theta = np.log(q1)
    episodes = mdp.sample_episodes(q1, 200_000, ctx.rng(2))
    r = episodes.reward
    parts["exact-monte-carlo-reward"] = _hoeffding(
        np.array([r.mean()]), np.array([rho]), r.size,
        "mean reward of 200,000 sampled episodes vs real_prob")
    est = ac.reinforce_gradient(theta, episodes)
    parts["exact-reinforce-mean-zero"] = _hoeffding(
        est.mean, np.zeros_like(est.mean), est.n,
        "REINFORCE (1/n) sum r (e_a - q) over 200,000 episodes vs the true gradient 0",
        details={"real_prob": rho, "n_episodes": est.n})
    return parts


# --------------------------------------------------------------------------- Bayes critic


def _critic_logit_trajectory(mdp: TabularStatelessMDP, q: np.ndarray, max_doublings: int = 4) -> np.ndarray:
    """The exact cross-entropy critic's logits at every step (the solver's gradient descent at
    lr = 1 from Q = 1/2), with CRITIC_STEPS steps, doubled (re-run from the start: the solver
    restarts from critic values, and a logit -> value -> logit round trip would put a rounding
    blip into the step lengths) until the last step is 1e-3 below the rate fit's window
    (RATE_WINDOW)."""
    n = CRITIC_STEPS
    for _ in range(max_doublings):
        psi = ac.train_critic_expected(mdp, q, n_steps=n, loss="cross_entropy").params[:, 0, :]
        if np.max(np.abs(psi[-1] - psi[-2])) < RATE_WINDOW[0] * 1e-3:
            break
        n *= 2
    return psi


@derived_claim(
    CRITIC,
    statement="The critic minimizing the cross-entropy (or squared) Bellman error of the stateless MDP "
    "is Q*(x) = rho p(x) / (rho p(x) + (1 - rho) q(x)), the optimal discriminator at rho = 1/2; a "
    "tabular critic learns it by gradient descent (linear rate) and by Robbins-Monro SGD on episodes "
    "(mean squared error a^2 lambda / ((2 a lambda - 1) t)).",
    source=f"{SOURCE} and eq. (8); Goodfellow et al. (2014), Proposition 1, eq. (2); Robbins & Monro "
    "(1951) with the asymptotic variance of stochastic approximation (Chung 1954)",
    closed_form="theory.stateless_mdp.bayes_critic",
    **STATELESS_MDP,
)
def bayes_critic_claim(ctx: Context):
    parts = {}
    p, q, rho = _interior_problem(ctx)
    mdp = TabularStatelessMDP(p, rho)
    q_star = bayes_critic(p, q, rho)
    m = rho * p + (1.0 - rho) * q

    for loss in ("cross_entropy", "squared"):
        run = ac.train_critic_expected(mdp, q, n_steps=CRITIC_STEPS, loss=loss, record_every=CRITIC_STEPS)
        parts[f"exact-{loss}"] = Evidence.close(
            q_star, run.final[0], atol=CRITIC_ATOL,
            reason=f"gradient descent on the expected {loss} error, {CRITIC_STEPS} steps at lr = 1",
            details={"p_data": p, "policy": q, "real_prob": rho})
    # The linear rate: each atom's own contraction factor 1 - lr m_x Q*_x (1 - Q*_x), fitted to
    # that atom's step lengths (cross-entropy, logit parametrization) where the linearization
    # describes them; the run is continued until every step is below the fit's window.
    trajectory = _critic_logit_trajectory(mdp, q)
    parts["exact-rate"] = per_atom_rate_evidence(trajectory, 1.0, m, logit(q_star),
                                                 factor="1 - lr m_x Q*(1 - Q*), s = m")

    # Q* minimizes both Bellman errors: small logit perturbations of Q* (every coordinate and
    # random directions, both signs) all do worse; a wrong Q* is beaten by the perturbation
    # towards the true one.  (Random critics from the whole cube would sit far above the minimum
    # whatever Q* is.)
    psi_star = logit(q_star)
    critics = expit(psi_star + PERTURB_EPS * perturbation_directions(ctx.rng(3), N_PERTURB, p.size))
    for loss in ("cross_entropy", "squared"):
        best = float(optimal_bellman_error(p, q, rho, loss=loss))
        at_star = float(bellman_error(q_star, p, q, rho, loss=loss))
        parts[f"exact-minimum-{loss}"] = Evidence.close(
            best, at_star, atol=FLOAT_ATOL,
            reason="the error at Q* (sum over atoms) vs the closed-form minimum (entropies / a b / m)")
        parts[f"exact-perturbed-critics-{loss}"] = Evidence.bound(
            float(bellman_error(critics, p, q, rho, loss=loss).min() - at_star), 0.0, relation=">=",
            reason=f"error(Q* perturbed) - error(Q*) >= 0 at {critics.shape[0]} logit perturbations of "
            f"size {PERTURB_EPS:g}: each raises the error by >= ~5e-12, above the ~1e-15 rounding; "
            "no slack", details={"n_perturbations": int(critics.shape[0])})
    parts["exact-minimum-is-log2-minus-jsd"] = Evidence.close(
        np.log(2.0) - js_divergence(p, q), optimal_bellman_error(p, q, 0.5), atol=FLOAT_ATOL,
        reason="at rho = 1/2 the cross-entropy minimum is -C(G)/2 = log 2 - JSD (theory.divergences)")

    # Robbins-Monro SGD on sampled episodes: per-atom MSE * t -> a^2 sigma^2 / (2 a lambda - 1)
    # when a lambda > 1/2.  The law is the t -> infinity limit of the linearized recursion
    # s_{t+1} = (1 - alpha_t lambda)^2 s_t + alpha_t^2 sigma^2 (s_0 = e_0^2 from the fixed start);
    # at finite t the recursion itself is the prediction.  It is compared only on the atoms the
    # law describes with margin (a lambda >= SGD_MIN_A_LAMBDA): below that the deterministic
    # transient decays like t^(-a lambda) and the non-linear drift is not negligible.
    for loss in ("cross_entropy", "squared"):
        lr = _SGD_LR[loss]
        run = ac.train_critic(mdp, q, n_steps=_SGD_STEPS, seed=ctx.rng(4), lr=lr, loss=loss,
                              schedule="robbins_monro", lr_offset=_SGD_T0, n_runs=_SGD_RUNS,
                              record_every=_SGD_STEPS // 20)
        a = lr * _SGD_T0
        noise = m * q_star * (1.0 - q_star)  # Var of the per-step gradient at the optimum (B = 1)
        if loss == "cross_entropy":
            err = run.params - np.log(q_star / (1.0 - q_star))  # in the logit
            curvature = noise  # Hessian of the expected cross-entropy in the logit (= Fisher)
            e0 = -np.log(q_star / (1.0 - q_star))  # the run starts at Q = 1/2 (logit 0)
        else:
            err = run.critic - q_star
            curvature = m  # Hessian of the expected 1/2 squared error
            e0 = 0.5 - q_star
        atoms = a * curvature >= SGD_MIN_A_LAMBDA
        alpha = lr * _SGD_T0 / (_SGD_T0 + np.arange(_SGD_STEPS))  # the schedule, written out
        # s_{t+1} = c_t s_t + d_t solved in closed form: s_t = P_t (s_0 + sum_{k<t} d_k / P_{k+1}),
        # P_t = prod_{j<t} c_j (all terms positive; P_T >= ~1e-25 here, no underflow).
        c_t = (1.0 - alpha[:, None] * curvature) ** 2
        d_t = alpha[:, None] ** 2 * noise
        prod = np.vstack([np.ones(p.size), np.cumprod(c_t, axis=0)])
        s_t = prod * (e0**2 + np.vstack([np.zeros(p.size), np.cumsum(d_t / prod[1:], axis=0)]))
        late = run.steps >= _SGD_STEPS // 5
        ratio = (err[late][:, :, atoms] ** 2).mean(axis=1) / s_t[run.steps[late]][:, atoms]
        lo, hi = _chi2_band(ratio.size)
        asymptotic = a**2 * noise / (2.0 * a * curvature - 1.0)
        details = {"alpha": f"{lr} * {_SGD_T0} / ({_SGD_T0} + t)", "a_times_curvature": a * curvature,
                   "atoms_compared": atoms, "chi2_band": [lo, hi],
                   "t_times_recursion_at_T": (_SGD_T0 + _SGD_STEPS) * s_t[-1],
                   "asymptotic_constant": np.where(atoms, asymptotic, np.nan)}
        if not atoms.any():
            parts[f"exact-sgd-{loss}-variance"] = Evidence.exact_match(
                f"an atom with a lambda >= {SGD_MIN_A_LAMBDA}", "none", passed=False,
                reason="no atom in the law's regime: the problem does not test it", details=details)
            continue
        parts[f"exact-sgd-{loss}-variance"] = Evidence.close(
            1.0, ratio[-1], atol=max(1.0 - lo, hi - 1.0),
            reason=f"mean squared error of {_SGD_RUNS} independent SGD critics after {_SGD_STEPS} steps "
            "over the linearized recursion (-> a^2 sigma^2 / ((2 a lambda - 1) t)): in the Gaussian "
            f"limit R x ratio ~ chi^2_R (R = {_SGD_RUNS}); exact chi^2 quantiles at false-alarm "
            f"{FALSE_ALARM:g} (union over atoms and checkpoints); no sample SE",
            details=details)
        parts[f"exact-sgd-{loss}-rate"] = Evidence.close(
            1.0, ratio, atol=max(1.0 - lo, hi - 1.0),
            reason=f"the same ratio at every recorded step t >= {_SGD_STEPS // 5}: the measured MSE "
            "follows the recursion's O(1/t) decay; chi^2_R band as above",
            details={"steps": run.steps[late], "max_abs_ratio_minus_1": float(np.max(np.abs(ratio - 1.0)))})
    return parts


# --------------------------------------------------------------------------- critic moves away


@claim(
    MOVES_AWAY,
    statement="Through the frozen Bayes critic the actor sees a non-zero gradient although the true "
    "policy gradient is zero, and the re-fitted critic lowers its values where the actor moved: "
    "<dq, dQ*> = -rho (1 - rho) sum p dq^2 / m^2 < 0 to first order.",
    source=f"{SOURCE} (the critic 'will quickly learn to assign lower value in the direction the "
    "actor moves')",
    kinds=("exact",),
    closed_form="theory.stateless_mdp.critic_actor_gradient",
    **STATELESS_MDP,
)
def critic_moves_away(ctx: Context):
    p, q, rho = _interior_problem(ctx)
    mdp = TabularStatelessMDP(p, rho)
    theta = np.log(q)
    learned = ac.train_critic_expected(mdp, q, n_steps=CRITIC_STEPS, record_every=CRITIC_STEPS).final[0]
    g_solver = ac.actor_gradient_exact(learned, theta, objective="q")
    g_theory = critic_actor_gradient(p, theta, rho, objective="q")
    parts = {"frozen-critic-gradient": Evidence.close(
        g_theory, g_solver, atol=1e-9,
        reason="the learned critic (converged to 1e-10) through the softmax Jacobian vs the closed "
        "form q (Q* - q.Q*)", details={"norm": float(np.linalg.norm(g_theory))})}

    # Sampled on the same episodes: REINFORCE (true reward) vs the score function through Q.
    episodes = mdp.sample_episodes(q, 200_000, ctx.rng(2))
    through = ac.actor_gradient_sampled(learned, theta, episodes, objective="q")
    parts["sampled-through-critic"] = _score_function_hoeffding(
        through, g_theory, learned, theta, "q",
        "score-function estimate through the critic on the fake episodes vs the closed form")
    true = ac.reinforce_gradient(theta, episodes)
    # REINFORCE terms r (e_a - q)_j have range 1: outside Hoeffding's deviation t the estimate
    # is inconsistent with g_theory being the true gradient (false alarm <= FALSE_ALARM).
    t_true = float(np.sqrt(np.log(2.0 * theta.size / FALSE_ALARM) / (2.0 * true.n)))
    parts["distinguishable-from-true-gradient"] = Evidence.bound(
        float(np.max(np.abs(g_theory - true.mean))), t_true, relation=">=",
        reason="the frozen-critic gradient lies outside the Hoeffding deviation (range 1, "
        f"false-alarm {FALSE_ALARM:g}) of the REINFORCE estimate of the true gradient (whose mean is 0)",
        details={"reinforce_mean": true.mean, "hoeffding_halfwidth": t_true})

    # The actor steps along the frozen-critic gradient; the critic is re-fitted at the new policy.
    eta = 1e-3
    q_new = softmax(theta + eta * g_solver)
    refit = ac.train_critic_expected(mdp, q_new, n_steps=CRITIC_STEPS, record_every=CRITIC_STEPS).final[0]
    dq, dQ = q_new - q, refit - learned
    predicted = float(np.sum(bayes_critic_sensitivity(p, q, rho) * dq**2))
    measured = float(np.dot(dq, dQ))
    parts["critic-response"] = Evidence.close(
        predicted, measured, atol=0.0, rtol=RESPONSE_RTOL,
        reason="<dq, dQ> of two learned critics vs sum (dQ*/dq) dq^2; step eta = 1e-3, "
        "second-order terms O(eta) relative",
        details={"eta": eta, "actor_predicted_gain": eta * float(g_solver @ g_solver)})
    parts["critic-moves-away"] = Evidence.bound(
        measured, 0.0, relation="<=", reason="exact sign: the critic lowers its value where the actor "
        "adds mass (no tolerance)")
    # The true reward, measured on the environment: its episode table before and after the step,
    # and 200,000 fresh episodes of the new policy against the old policy's (Hoeffding).
    change = _simulator_reward(p, rho, q_new) - _simulator_reward(p, rho, q)
    parts["true-reward-unchanged"] = Evidence.close(
        0.0, change, atol=FLOAT_ATOL,
        reason="the step the actor believed would gain eta |g|^2 changes the simulator's expected "
        "reward (its episode table) by 0; float rounding of two sums of 5 terms",
        details={"actor_predicted_gain": eta * float(g_solver @ g_solver)})
    new_episodes = mdp.sample_episodes(q_new, 100_000, ctx.rng(3))
    n = new_episodes.n
    # Each mean of n rewards in {0, 1} deviates by >= t with probability <= 2 exp(-2 n t^2); at
    # FALSE_ALARM / 2 for each of the two independent means, the difference stays within 2 t.
    t = float(np.sqrt(np.log(4.0 / FALSE_ALARM) / (2.0 * n)))  # n <= 200,000: the wider of the two
    parts["true-reward-unchanged-sampled"] = Evidence.close(
        0.0, float(new_episodes.reward.mean() - episodes.reward.mean()), atol=2.0 * t,
        reason=f"mean reward of {n} episodes after the actor's step minus 200,000 before: "
        f"Hoeffding on each mean at false-alarm probability {FALSE_ALARM:g}/2 (range 1)",
        details={"hoeffding_t": t})
    return parts


# --------------------------------------------------------------------------- actor = generator


def _quadratic_critic(w: np.ndarray):
    """A logistic critic with logit w0 + w1 . x + x^T W x (2-D), differentiable with autograd."""
    def logit(x):
        x0, x1 = x[:, 0], x[:, 1]
        return w[0] + anp.dot(x, w[1:3]) + w[3] * x0**2 + w[4] * x1**2 + w[5] * x0 * x1
    return logit


def _generator_equivalence(ctx: Context, objective: str, gan_loss: str):
    parts = {}
    rng = ctx.rng(0)
    k = 5

    # Score-function (categorical) actor, exact expectations, against the categorical GAN's
    # hand-derived generator gradient.
    psi = rng.normal(0.0, 2.0, size=(20, k))
    theta = rng.normal(0.0, 2.0, size=(20, k))
    actor = np.array([ac.actor_gradient_exact(s, t, objective=objective, logit=True)
                      for s, t in zip(psi, theta)])
    generator = np.array([tabular_gan.generator_gradient(s, t, loss=gan_loss) for s, t in zip(psi, theta)])
    parts["exact-score-function"] = Evidence.close(
        -generator, actor, atol=FLOAT_ATOL,
        reason="softmax Jacobian matrix applied to f(Q) vs q (c - q.c) with log_expit costs: float "
        "rounding", details={"n_cases": 20, "k": k})

    # The same actor from sampled episodes of the MDP (fake episodes only).
    p, q, rho = _interior_problem(ctx)
    mdp = TabularStatelessMDP(p, rho)
    episodes = mdp.sample_episodes(q, 200_000, ctx.rng(2))
    est = ac.actor_gradient_sampled(expit(psi[0]), np.log(q), episodes, objective=objective)
    parts["exact-score-function-sampled"] = _score_function_hoeffding(
        est, -tabular_gan.generator_gradient(psi[0], np.log(q), loss=gan_loss), expit(psi[0]), np.log(q),
        objective, "score-function estimate on the fake episodes vs minus the generator gradient")

    # Pathwise: an MLP actor (the GAN's generator) and an MLP critic (the GAN's discriminator).
    g_params = init_mlp((2, 16, 2), ctx.rng(5))
    d_params = init_mlp((2, 16, 1), ctx.rng(6))
    z = ctx.rng(7).standard_normal((128, 2))
    x_real = ctx.rng(8).standard_normal((96, 2)) + 1.0
    update = ac.pathwise_actor_gradient(
        lambda th, zz: neural_gan.generator_apply(th, zz), g_params, z,
        lambda x: neural_gan.discriminator_logit(d_params, x), real_x=x_real, objective=objective)
    gen_grad = grad(lambda th: neural_gan.generator_loss(th, d_params, z, gan_loss))(g_params)
    a = np.concatenate([np.ravel(layer[key]) for layer in update for key in sorted(layer)])
    b = np.concatenate([np.ravel(layer[key]) for layer in gen_grad for key in sorted(layer)])
    parts["exact-pathwise-mlp"] = Evidence.close(
        -b, a, atol=AUTOGRAD_RTOL * float(np.max(np.abs(b))),
        reason="scaling x value gradient (autograd) vs autograd of the neural GAN's generator loss; "
        "float rounding relative to the gradient's size", details={"n_params": int(a.size)})

    # Pathwise affine actor x = mu + L z with a quadratic logistic critic, against central
    # finite differences of the GAN generator loss (no autograd on that side).
    w = rng.normal(0.0, 0.7, size=6)
    critic = _quadratic_critic(w)
    mu, scale = rng.normal(size=2), rng.normal(size=(2, 2))
    z2 = ctx.rng(9).standard_normal((64, 2))
    upd = ac.pathwise_actor_gradient(ac.affine_actor, {"mu": mu, "scale": scale}, z2, critic,
                                     objective=objective)

    def gen_loss(mu_, scale_):
        f = np.asarray(critic(mu_ + z2 @ scale_.T))
        # minimax: mean log(1 - D) = -mean softplus(f); non-saturating: mean softplus(-f)
        return float(-np.mean(np.logaddexp(0.0, f)) if gan_loss == "minimax"
                     else np.mean(np.logaddexp(0.0, -f)))

    h = FD_STEP
    basis = np.eye(6)
    fd = np.array([(gen_loss(mu + h * e[:2], scale + h * e[2:].reshape(2, 2))
                    - gen_loss(mu - h * e[:2], scale - h * e[2:].reshape(2, 2))) / (2 * h) for e in basis])
    mine = np.concatenate([upd["mu"], np.ravel(upd["scale"])])
    parts["exact-pathwise-affine-finite-differences"] = Evidence.close(
        -fd, mine, atol=FD_ATOL,
        reason=f"central differences, h = {FD_STEP:g}: h^2/6 sup|f^(3)| truncation + rounding of the loss / h")

    # Real episodes give no update: alone they give exactly 0; added to fake ones, nothing changes.
    real_only = ac.pathwise_actor_gradient(
        ac.affine_actor, {"mu": mu, "scale": scale}, np.zeros((0, 2)), critic, real_x=x_real,
        objective=objective, normalize="episodes")
    with_real = ac.pathwise_actor_gradient(ac.affine_actor, {"mu": mu, "scale": scale}, z2, critic,
                                           real_x=x_real, objective=objective)
    parts["exact-real-episodes-no-update"] = Evidence.close(
        0.0, np.concatenate([real_only["mu"], np.ravel(real_only["scale"])]), atol=0.0,
        reason="x of a real episode does not depend on theta: autograd returns exact zeros")
    parts["exact-real-episodes-do-not-change-update"] = Evidence.close(
        mine, np.concatenate([with_real["mu"], np.ravel(with_real["scale"])]), atol=FLOAT_ATOL,
        reason="adding real episodes adds exact zeros to the gradient (rounding only)")
    return parts


@derived_claim(
    MINIMAX,
    statement="The actor's update through the critic, scaled by dD/dQ of the cross-entropy at the fake "
    "target 0, equals the GAN generator's minimax gradient (with the opposite sign, as ascent vs. "
    "descent), for pathwise and score-function actors; real episodes give the actor no update (by "
    "construction: a real episode's x does not depend on theta, so its gradient is exactly 0).",
    source=f"{SOURCE} (scaling term proportional to dD/dQ; no actor update when the environment shows "
    "a real image); Goodfellow et al. (2014), eq. (1)",
    **STATELESS_MDP,
)
def actor_update_equals_minimax_generator(ctx: Context):
    return _generator_equivalence(ctx, "minimax", "minimax")


@derived_claim(
    NON_SATURATING,
    statement="The actor ascending log Q through the critic (scaling 1/Q, the flipped target) follows "
    "the non-saturating generator gradient -grad E log D(G(z)), for pathwise and score-function actors.",
    source=f"{SOURCE} (the generator 'uses a different loss' in practice); Goodfellow et al. (2014), "
    "Section 3",
    **STATELESS_MDP,
)
def log_q_actor_equals_non_saturating(ctx: Context):
    return _generator_equivalence(ctx, "log_q", "non_saturating")
