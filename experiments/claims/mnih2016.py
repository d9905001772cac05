"""Claims from Mnih et al. (2016), "Asynchronous Methods for Deep Reinforcement Learning"
(ICML), for its synchronous variant A2C, with REINFORCE and REINFORCE with a baseline
(Sutton & Barto 2018, Sections 13.3-13.5) as the comparison the paper builds on.

Learners: ``solvers.tabular.policy_gradient.train_policy_gradient`` (tabular softmax) and
``solvers.neural.a2c.train_a2c`` (fused MLP passes, separate or shared trunk).  References:
J* by value iteration (``solvers.problems.rl_toys.value_iteration``), J of every recorded
policy by the exact linear solve, n-step return expectations by matrix powers, the
entropy-regularized bandit optimum by direct numerical optimization (scipy) and in closed form
softmax(Q/τ).  No learner calls any of them.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
from scipy.optimize import minimize
from scipy.special import softmax

from experiments.claims.support import ALPHA
from experiments.registry import Context, Evidence, claim
from solvers.neural.a2c import A2CConfig, train_a2c
from solvers.problems.rl_toys import bandit, chain_mdp, policy_evaluation, random_mdp, value_iteration
from solvers.tabular.policy_gradient import PGConfig, n_step_returns, train_policy_gradient
from theory import concentration
from theory.bellman import bellman_solve

TABULAR = "mnih2016/tabular-learners-reach-optimum"
NEURAL = "mnih2016/neural-a2c-reaches-optimum"
NSTEP = "mnih2016/n-step-return-bias"
ENTROPY = "mnih2016/entropy-bonus-bandit-softmax"

SOURCE_A3C = "Mnih et al. (2016), Section 4 and Algorithm S3 (advantage actor-critic, run synchronously)"
#: The learning-curve figure, in which the tabular and the neural learners are both drawn.
LEARNING_CURVES = ("mnih2016_learning_curves",)

#: Strens's chain, 5 states, slip 0.2, γ = 0.9, uniform start (exploration is not the point).
CHAIN = dict(n_states=5, gamma=0.9, start="uniform")
#: Tabular learners: (config, iterations).  REINFORCE episodes last H = 66 steps (γ^H <= 1e-3).
TABULAR_LEARNERS = {
    "reinforce": (PGConfig(learner="reinforce", lr_actor=0.05, n_envs=32), 120),
    "baseline": (PGConfig(learner="baseline", lr_actor=0.1, lr_critic=0.3, n_envs=32), 120),
    "a2c": (PGConfig(learner="a2c", lr_actor=0.2, lr_critic=0.3, n_envs=32, n_step=5), 600),
}
N_TABULAR_RUNS = 8
#: Budget statement (a level the claim asserts, not a bound fitted to seeds): after the iterations
#: above every learner's mean relative gap to J* over 8 runs is below 5%.  What it bounds: the
#: optimization error of each learner at its stated budget.  No convergence-rate theorem gives a
#: number here for sampled gradients, so the margins are reported instead: at seeds 0-9 the means
#: were REINFORCE 2.2-2.8%, baseline 0.64-0.97%, A2C 0.057-0.072% (a factor >= 1.8 below the
#: level), and every seed of 0-19 passes.
TABULAR_GAP = 0.05
#: The claim: the variance ratios REINFORCE/baseline and baseline/A2C each exceed 2 (a stated
#: level; measured 5.6-7.9 at seeds 0-9, so the level sits a factor >= 2.8 below them).
VARIANCE_RATIO = 2.0
#: Neural A2C: Adam at lr 0.01 for 300 updates of 32 environments x 5 steps, entropy bonus
#: β = 0.01 (Mnih et al.'s value).  NEURAL_GAP is the claim's optimizer tolerance: "reaches the
#: optimum" means (J* - J)/|J*| <= 1% for the network's policy, J exact.  On the random MDP the
#: claim is about every run (worst of 60 runs at seeds 0-9: 0.36%).  On the chain about 1 run in
#: 60 stops in a local optimum ("back" in one state, gap 5-17%) with β = 0.01, 0.03 or 0.1, so the
#: claim is about the median of 3 runs (median gap ~1e-4): it fails only if 2 of 3 runs stall,
#: probability 3p² ≈ 1e-3 per seed and architecture at the measured stall rate p ≈ 1/60 (a
#: measured rate, hence a stated rather than a derived false-alarm probability).
NEURAL_CONFIG = A2CConfig(learner="a2c", hidden=(32,), lr=0.01, n_envs=32, n_step=5, entropy=0.01)
NEURAL_ITERS = 300
NEURAL_GAP = 0.01
#: False-alarm probability of the n-step part's Monte Carlo comparisons (all pairs and segment
#: lengths together, Bonferroni): Bernstein's inequality with the exact variance of the n-step
#: return (second moments by matrix powers) and its exact range, never a sample standard error.
FALSE_ALARM = ALPHA
#: The entropy claim's convergence level: every run's final policy attains the regularized
#: optimum to within this fraction of the uniform policy's shortfall.  F* - F(π) = τ KL(π ‖ π*)
#: exactly (π* = softmax(Q/τ)), so this bounds each run's KL to the Gibbs policy by 10% of the
#: uniform policy's.  A level the claim states (no finite-sample theorem gives one for these
#: decreasing steps), not a statistical tolerance: over seeds 0-19 (320 runs) the worst run
#: reached 0.033 (a third of it); a learner at the wrong temperature (τ/2) ends at 0.29-0.44,
#: every run beyond it (negative control).
ENTROPY_LEVEL = 0.1
#: L-BFGS on a smooth strictly concave objective in 4 logits, gradient tolerance 1e-12.
OPTIMISER_ATOL = 1e-7
#: Value iteration to 1e-12 against the linear solve of its greedy policy.
VI_ATOL = 1e-9


def _relative_gap(mdp, j_star: float, logits: np.ndarray) -> np.ndarray:
    """(J* - J(π)) / |J*| for every policy softmax(logits[..., S, A]), J(π) = μ₀ · V^π by one
    batched linear solve (:func:`theory.bellman.bellman_solve`) over all leading axes."""
    V, _, _ = bellman_solve(mdp.P, mdp.R, softmax(logits, axis=-1), mdp.gamma)
    return (j_star - V @ mdp.mu0) / abs(j_star)


@functools.lru_cache(maxsize=4)
def tabular_curves(seed: int, n_runs: int = N_TABULAR_RUNS) -> dict:
    """Tabular REINFORCE / baseline / A2C on the chain: relative gap to J* at 20 records,
    per-iteration gradient variance.  Shared with the figure."""
    mdp = chain_mdp(CHAIN["n_states"], gamma=CHAIN["gamma"], start=CHAIN["start"])
    vi = value_iteration(mdp)
    out = {"J_star": vi.J, "vi_check": policy_evaluation(mdp, vi.pi).J}
    for i, (name, (cfg, iters)) in enumerate(TABULAR_LEARNERS.items()):
        run = train_policy_gradient(mdp, cfg, n_iters=iters, seed=np.random.SeedSequence([seed, 2016, i]),
                                    n_runs=n_runs, record_every=iters // 20)
        out[name] = {"env_steps": run.steps * run.env_steps, "gap": _relative_gap(mdp, vi.J, run.logits),
                     "grad_variance": np.nanmean(run.grad_variance, axis=1)}
    return out


def _neural_problem(name: str):
    if name == "chain":
        return chain_mdp(CHAIN["n_states"], gamma=CHAIN["gamma"], start=CHAIN["start"])
    return random_mdp(6, 3, np.random.SeedSequence([0, 2020]), gamma=0.9)


@functools.lru_cache(maxsize=8)
def neural_curves(seed: int, n_seeds: int, problem: str = "chain") -> dict:
    """Neural A2C (separate networks and shared trunk), ``n_seeds`` runs each, on the chain or
    on a fixed random 6-state, 3-action MDP (γ = 0.9).  Shared with the figure (chain)."""
    mdp = _neural_problem(problem)
    vi = value_iteration(mdp)
    out = {"J_star": vi.J}
    for shared in (False, True):
        cfg = dataclasses.replace(NEURAL_CONFIG, shared_trunk=shared)
        gaps = []
        for k in range(n_seeds):
            run = train_a2c(mdp, cfg, n_iters=NEURAL_ITERS,
                            seed=np.random.SeedSequence([seed, 2017, int(shared), k, int(problem == "chain")]),
                            record_every=NEURAL_ITERS // 20)
            gaps.append(_relative_gap(mdp, vi.J, run.logits))
            steps = run.steps * run.env_steps
        out["shared" if shared else "separate"] = {"env_steps": steps, "gap": np.array(gaps).T}
    return out


@claim(
    TABULAR,
    statement="On Strens's 5-state chain (gamma = 0.9) tabular REINFORCE, REINFORCE with a learned "
    "baseline and n-step A2C all approach the optimal return J*, with the variance of one "
    "environment's gradient estimate (a 66-step episode, or a 5-step A2C segment) and the final gap "
    "ordered REINFORCE > baseline > A2C at the stated budgets (A2C uses the fewest environment "
    "steps: 96,000 per run against 253,440).",
    source=f"{SOURCE_A3C}; Sutton & Barto (2018), eqs. (13.8), (13.11); J* by value iteration "
    "(Sutton & Barto 2018, Section 4.4)",
    kinds=("exact",),
    figures=LEARNING_CURVES,
)
def tabular_claim(ctx: Context):
    c = tabular_curves(ctx.seed)
    parts = {"exact-value-iteration-vs-linear-solve": Evidence.close(
        c["J_star"], c["vi_check"], atol=VI_ATOL,
        reason="value iteration to 1e-12 against the linear solve of its greedy policy")}
    final = {}
    for name in TABULAR_LEARNERS:
        gap = c[name]["gap"][-1]
        final[name] = float(gap.mean())
        parts[f"exact-{name}-gap"] = Evidence.bound(
            gap.mean(), TABULAR_GAP, relation="<=",
            reason="budget statement: mean relative gap (exact J of the learned policies) over "
            f"{N_TABULAR_RUNS} runs after the stated iterations (measured margins in the module)",
            details={"per_run": gap, "iterations": TABULAR_LEARNERS[name][1],
                     "env_steps_per_run": int(c[name]["env_steps"][-1])})
    var = {name: float(np.mean(c[name]["grad_variance"])) for name in TABULAR_LEARNERS}
    parts["measured-variance-ordering"] = Evidence.bound(
        min(var["reinforce"] / var["baseline"], var["baseline"] / var["a2c"]), VARIANCE_RATIO, relation=">=",
        reason="mean over training of the per-environment gradient estimate's total variance; "
        f"each ratio must exceed {VARIANCE_RATIO} (measured 5.6-7.9 over seeds 0-9)",
        details={"mean_total_variance": var})
    parts["measured-gap-ordering"] = Evidence.exact_match(
        "reinforce > baseline > a2c", final, passed=final["reinforce"] > final["baseline"] > final["a2c"],
        reason="ordering of the mean final gaps, as measured")
    return parts


@claim(
    NEURAL,
    statement="Neural n-step A2C with an autograd MLP policy and value (separate networks or a "
    "shared trunk) and the entropy bonus reaches the optimal return of a random 6-state MDP within "
    "1% in every run, and of Strens's chain within 1% in the median run.",
    source=f"{SOURCE_A3C}; shared non-output layers as in Mnih et al. (2016), Section 4",
    kinds=("neural",),
    figures=LEARNING_CURVES,
)
def neural_claim(ctx: Context):
    n_random, n_chain = (8, 8) if ctx.full else (2, 3)
    rand = neural_curves(ctx.seed, n_random, "random")
    chain = neural_curves(ctx.seed, n_chain, "chain")
    parts = {}
    for kind in ("separate", "shared"):
        gap = rand[kind]["gap"][-1]
        parts[f"neural-{kind}-random-mdp-every-run"] = Evidence.bound(
            gap.max(), NEURAL_GAP, relation="<=",
            reason=f"budget statement: worst relative gap over {n_random} runs after {NEURAL_ITERS} "
            "updates (exact J of the network's policy; measured worst 0.36% over 60 runs)",
            details={"per_run": gap})
        gap = chain[kind]["gap"][-1]
        parts[f"neural-{kind}-chain-median-run"] = Evidence.bound(
            np.median(gap), NEURAL_GAP, relation="<=",
            reason=f"median relative gap over {n_chain} runs: on the chain a run can stop in the "
            "'back' local optimum of the network's policy (1 run in 60 at β = 0.01-0.1, gap 5-17%), "
            "so the statement is about the median (measured 1e-4); 2 stalls of 3 runs have "
            "probability ~1e-3 at that measured rate",
            details={"per_run": gap})
    return parts


# ------------------------------------------------------------------------------ n-step returns
def n_step_bias_exact(mdp, pi: np.ndarray, v_hat: np.ndarray, n: int) -> np.ndarray:
    """E[R^(n) | s, a] - Q(s, a) = γⁿ [(P Π)^(n-1) P (v̂ - V)](s, a) by matrix powers."""
    V = policy_evaluation(mdp, pi).V
    err = mdp.P @ (v_hat - V)  # (S, A): expected error after one step
    for _ in range(n - 1):
        err = mdp.P @ np.sum(pi * err, axis=1)
    return mdp.gamma**n * err


def n_step_return_moments(mdp, pi: np.ndarray, critic: np.ndarray, n: int, restart: float = 0.0):
    """Exact mean, variance and range of the sampled n-step return from each (s, a).

    The segment follows the policy for n steps; after each step it is cut with probability
    ``restart`` (then R bootstraps γ critic(s') and stops), and it is always cut after step n.
    With deterministic rewards r(s, a) the return from step i, G_i, satisfies
        G_i = r(s_i, a_i) + γ [critic(s_{i+1}) if cut else G_{i+1}],
    so its first two conditional moments follow backwards by matrix products (no sampling):
        m1_i = r + γ P [c v + (1 - c) Π m1_{i+1}],  m2_i = r² + 2γ r P[.. m1 ..] + γ² P [c v² + (1 - c) Π m2_{i+1}].
    Range: every return is Σ_{j<k} γ^j r_j + γ^k v with 1 <= k <= n.
    Returns ``(mean, variance, low, high)``, each (S, A) except the scalar range.
    """
    r = mdp.R
    v, v2 = critic, critic**2
    m1 = r + mdp.gamma * mdp.P @ v
    m2 = r**2 + 2 * mdp.gamma * r * (mdp.P @ v) + mdp.gamma**2 * (mdp.P @ v2)
    for _ in range(n - 1):
        nxt1 = restart * v + (1 - restart) * np.sum(pi * m1, axis=1)
        nxt2 = restart * v2 + (1 - restart) * np.sum(pi * m2, axis=1)
        m1, m2 = r + mdp.gamma * mdp.P @ nxt1, r**2 + 2 * mdp.gamma * r * (mdp.P @ nxt1) + mdp.gamma**2 * (mdp.P @ nxt2)
    k = np.arange(1, n + 1)
    disc = (1 - mdp.gamma**k) / (1 - mdp.gamma) if mdp.gamma < 1 else k.astype(float)
    low = float(np.min(r.min() * disc + mdp.gamma**k * v.min()))
    high = float(np.max(r.max() * disc + mdp.gamma**k * v.max()))
    return m1, np.maximum(m2 - m1**2, 0.0), low, high


@claim(
    NSTEP,
    statement="The n-step return with a critic v has conditional mean Q(s, a) + gamma^n "
    "E[v(s_{t+n}) - V(s_{t+n}) | s, a]: unbiased for the true V (also when restarts cut the "
    "segment), with a bias that shrinks as gamma^n for an approximate critic.",
    source="Mnih et al. (2016), Section 4 and Algorithm S3 (n-step returns R = Σ γ^i r + γ^k V); "
    "Sutton & Barto (2018), eq. (7.1) and the error-reduction property (7.3)",
    kinds=("exact",),
    solver="solvers.tabular.policy_gradient.n_step_returns",
    problem="solvers.problems.rl_toys.random_mdp",
)
def n_step_claim(ctx: Context):
    rng = ctx.rng(2018)
    mdp = random_mdp(4, 2, rng, gamma=0.8)
    pi = softmax(rng.standard_normal((4, 2)), axis=1)
    pe = policy_evaluation(mdp, pi)
    v_hat = pe.V + rng.normal(0.0, 1.0, 4)
    n_per = 4000 if not ctx.full else 40_000
    S, A = pi.shape
    s0 = np.repeat(np.arange(S), A * n_per)
    a0 = np.tile(np.repeat(np.arange(A), n_per), S)
    parts = {}
    for n, restart in ((1, 0.0), (3, 0.0), (10, 0.0), (10, 0.3)):
        critic = v_hat if restart == 0.0 else pe.V
        # roll n steps from every (s, a) with the simulator's own sampler; restarts cut segments
        s, a = s0, a0
        rewards, boot, cut = [], [], []
        for _ in range(n):
            s2, r = mdp.step(s, a, rng)
            again = rng.random(s.shape[0]) < restart
            rewards.append(r)
            boot.append(critic[s2])
            cut.append(again)
            s = np.where(again, mdp.sample_initial(s.shape[0], rng), s2)
            a = np.minimum((rng.random(s.shape[0])[:, None] >= np.cumsum(pi[s], axis=1)).sum(axis=1), A - 1)
        R = n_step_returns(np.stack(rewards, 1), np.stack(boot, 1), np.stack(cut, 1), mdp.gamma)[:, 0]
        R = R.reshape(S, A, n_per)
        mean = R.mean(axis=2)
        if restart == 0.0:
            predicted = pe.Q + n_step_bias_exact(mdp, pi, v_hat, n)
            name = f"sampled-{n}-step-bias"
        else:
            predicted = pe.Q
            name = f"sampled-{n}-step-restarts-unbiased"
        # Bernstein with the exact variance of one return and its exact range (around the
        # predicted mean), at FALSE_ALARM over the 4 segment settings x S*A pairs.
        _, var, low, high = n_step_return_moments(mdp, pi, critic, n, restart)
        spread = np.maximum(high - predicted, predicted - low)
        half = concentration.bernstein_halfwidth(var, spread, n_per, FALSE_ALARM / (4 * S * A))
        parts[name] = Evidence.close(
            predicted, mean, atol=half,
            reason=f"mean of {n_per} sampled n-step returns per (s, a): Bernstein's inequality with the "
            "exact variance (second moments by matrix powers) and the exact range of a return; "
            f"false-alarm <= {FALSE_ALARM:g} over the claim's 4 x {S * A} comparisons",
            details={"exact_bias_max": float(np.abs(predicted - pe.Q).max()),
                     "exact_sd": np.sqrt(var), "halfwidth": half,
                     "deviation_in_exact_sd": (mean - predicted) / np.where(var > 0, np.sqrt(var / n_per), np.inf)})
    return parts


# ------------------------------------------------------------------------------ entropy bonus
#: Bandit of the entropy claim: arm means, noise, temperature.
ENTROPY_MEANS = np.array([1.0, 0.5, 0.2, -0.3])
ENTROPY_STD = 1.0
ENTROPY_TAU = 0.5
ENTROPY_CONFIG = PGConfig(learner="baseline", lr_actor=1.0, lr_critic=0.5, lr_schedule="harmonic",
                          lr_decay_steps=200.0, n_envs=32, entropy=ENTROPY_TAU)
ENTROPY_ITERS, ENTROPY_RUNS = 1000, 16


@claim(
    ENTROPY,
    statement="On a bandit the entropy-regularized objective sum_a pi(a) Q(a) + tau H(pi) is maximized "
    "by softmax(Q / tau), and stochastic policy-gradient ascent with the entropy bonus (REINFORCE "
    "with baseline, decreasing steps) converges there: after 1,000 iterations every run's shortfall "
    "tau KL(pi || softmax(Q / tau)) is below 10% of the uniform policy's.",
    source="Mnih et al. (2016), Section 4 (entropy regularization β ∇H); Williams & Peng (1991); "
    "the maximizer is the Gibbs distribution (e.g. Haarnoja et al. 2017, eq. (6) at one state)",
    kinds=("exact",),
    solver="solvers.tabular.pg_learners.train_policy_gradient",
    problem="solvers.problems.rl_toys.bandit",
)
def entropy_claim(ctx: Context):
    Q, tau = ENTROPY_MEANS, ENTROPY_TAU
    target = softmax(Q / tau)

    def negative(theta):
        logp = theta - np.logaddexp.reduce(theta)
        p = np.exp(logp)
        value = p @ Q - tau * p @ logp
        grad = p * (Q - tau * logp - value)  # ∂/∂θ of Σ p Q + τ H
        return -value, -grad

    res = minimize(negative, np.zeros(4), jac=True, method="L-BFGS-B", options={"gtol": 1e-12, "ftol": 1e-15})
    direct = softmax(res.x)
    runs = ENTROPY_RUNS * (4 if ctx.full else 1)
    run = train_policy_gradient(bandit(Q, std=ENTROPY_STD), ENTROPY_CONFIG, n_iters=ENTROPY_ITERS,
                                seed=np.random.SeedSequence([ctx.seed, 2019]), n_runs=runs)
    pi = run.pi[-1][:, 0]
    # F* - F(π) = τ KL(π ‖ softmax(Q/τ)) exactly; each run's shortfall against the uniform policy's
    kl = np.sum(pi * (np.log(pi) - np.log(target)), axis=1)
    kl_uniform = float(np.sum(0.25 * (np.log(0.25) - np.log(target))))
    ratio = kl / kl_uniform
    return {
        "exact-direct-optimization": Evidence.close(
            target, direct, atol=OPTIMISER_ATOL,
            reason="L-BFGS on the strictly concave regularized objective (gradient tolerance 1e-12)",
            details={"n_iter": int(res.nit)}),
        "sampled-policy-gradient-converges": Evidence.bound(
            float(ratio.max()), ENTROPY_LEVEL, relation="<=",
            reason=f"convergence level stated by the claim (ENTROPY_LEVEL): after {ENTROPY_ITERS} iterations "
            f"(harmonic steps) every one of {runs} runs has F* - F(π) = τ KL(π ‖ softmax(Q/τ)) below "
            f"{ENTROPY_LEVEL:g} of the uniform policy's; no sample standard error",
            details={"kl_over_uniform_per_run": ratio, "mean_policy": pi.mean(axis=0),
                     "max_abs_policy_error": float(np.abs(pi - target).max())}),
    }
