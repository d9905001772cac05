"""Claims from Sutton & Barto (2018), "Reinforcement Learning: An Introduction" (2nd ed.),
Section 6.7 "Maximization Bias and Double Learning": Example 6.7 and Figure 6.5.

The learners (``solvers.tabular.qlearning``) are checked against routes that do not use them:
the exact probability of "left" in the first episodes (``solvers.problems.maxbias``, derived by
enumeration and Gaussian integrals), the ε-greedy floor ε/2, and ``value_iteration``'s q*
(``solvers.problems.rl_toys``).  Monte Carlo tolerances are k standard errors over independent
runs at a fixed seed (k = :data:`MC_SIGMAS`).

Setting of Figure 6.5 (book): ε = 0.1, α = 0.1, γ = 1, zero initial estimates, ties broken
randomly, 10,000 runs, 300 episodes.  The number of actions in B is not given in the book; we
use :data:`N_B_ACTIONS` = 10 (as the public reproduction ShangtongZhang/reinforcement-learning-
an-introduction, chapter06/maximization_bias.py).
"""

from __future__ import annotations

import functools

import numpy as np

from experiments.registry import Context, Evidence, claim
from solvers.problems.maxbias import early_left_probability, epsilon_greedy_left_probability
from solvers.problems.rl_toys import FiniteMDP, chain_mdp, random_mdp, value_iteration
from solvers.tabular.qlearning import max_bias_runs, q_learning

EARLY = "sutton-barto2018/ex6.7-early-episodes-exact"
Q_BIAS = "sutton-barto2018/fig6.5-q-learning-maximization-bias"
DOUBLE_Q = "sutton-barto2018/fig6.5-double-q-unaffected"
CONVERGES = "sutton-barto2018/q-learning-converges-to-q-star"

#: Monte Carlo comparisons: |measured - predicted| <= MC_SIGMAS standard errors (two-sided,
#: fixed seed; the chance of a false alarm per comparison is ~6e-5).
MC_SIGMAS = 4.0
#: Figure 6.5's parameters.
N_B_ACTIONS = 10
EPSILON = 0.1
ALPHA = 0.1
N_RUNS = 10_000
N_EPISODES = 300
#: Late window of Figure 6.5 for the asymptotic comparisons (episodes 201-300).
LATE = slice(200, 300)
#: Runs for the early-episode check (episodes 1-4 only, so many runs cost little).
EARLY_RUNS = 100_000
#: Deterministic chain: Q-learning with α = 1 is asynchronous value iteration (contraction γ per
#: sweep, Double Q about every second sweep); DETERMINISTIC_STEPS uniformly random steps give
#: > 100 visits of every pair, dozens of sweeps at γ = 1/2, so the error is below 1e-9
#: (|Q*| <= 20; float rounding alone leaves ~1e-13).
DETERMINISTIC_ATOL = 1e-9
DETERMINISTIC_STEPS = 5000


@functools.lru_cache(maxsize=4)
def figure_runs(seed: int, method: str):
    """The 10,000 x 300 runs of Figure 6.5 for ``method`` (cached: two claims and the figure
    share them; results depend only on the arguments)."""
    stream = {"q": 10, "double_q": 11}[method]
    return max_bias_runs(method, n_runs=N_RUNS, n_episodes=N_EPISODES, n_b_actions=N_B_ACTIONS,
                         alpha=ALPHA, epsilon=EPSILON, seed=np.random.SeedSequence([seed, stream]))


def _window_mean_and_se(left: np.ndarray) -> tuple[float, float]:
    """Mean over runs of each run's fraction of left in the window, and its standard error
    (runs are independent; episodes within a run are not)."""
    per_run = left.mean(axis=0)
    return float(per_run.mean()), float(per_run.std(ddof=1) / np.sqrt(per_run.size))


@claim(
    EARLY,
    statement="In the first episodes of Example 6.7 the probability of taking left from A equals the "
    "exact value obtained by enumerating earlier episodes: 1/2 in episodes 1-2 for both learners, "
    "then 0.5518 and 0.6174 for Q-learning (episodes 3-4) against 0.4996 for Double Q-learning "
    "(episode 3).",
    source="Sutton & Barto (2018), Example 6.7 and Figure 6.5; van Hasselt (2010), Algorithm 1",
    kinds=("exact",),
    figures=("sutton_barto2018_fig6_5",),
)
def early_episodes_exact(ctx: Context):
    parts = {}
    for method, last, stream in (("q", 4, 0), ("double_q", 3, 1)):
        run = max_bias_runs(method, n_runs=EARLY_RUNS, n_episodes=last, n_b_actions=N_B_ACTIONS,
                            alpha=ALPHA, epsilon=EPSILON, seed=ctx.rng(stream))
        exact = np.array([early_left_probability(method, k, n_b_actions=N_B_ACTIONS, alpha=ALPHA,
                                                 epsilon=EPSILON) for k in range(1, last + 1)])
        se = np.sqrt(exact * (1.0 - exact) / EARLY_RUNS)
        parts[method] = Evidence.close(
            exact, run.left_fraction, atol=float(MC_SIGMAS * se.max()),
            reason=f"{MC_SIGMAS:g} binomial standard errors of {EARLY_RUNS} independent runs at a fixed seed",
            details={"episodes": list(range(1, last + 1)), "n_runs": EARLY_RUNS,
                     "z_scores": (run.left_fraction - exact) / se})
    return parts


@claim(
    Q_BIAS,
    statement="With epsilon = 0.1, alpha = 0.1 and 10 actions in B, Q-learning initially takes left from A "
    "much more often than right (well above the 50% of untrained ties), and at every one of 300 episodes "
    "significantly more often than the 5% minimum enforced by epsilon-greedy selection.",
    source="Sutton & Barto (2018), Section 6.7, Figure 6.5 and its caption",
    kinds=("exact",),
    figures=("sutton_barto2018_fig6_5",),
)
def q_learning_maximization_bias(ctx: Context):
    run = figure_runs(ctx.seed, "q")
    f, se = run.left_fraction, run.standard_error()
    peak = int(np.argmax(f))
    floor = epsilon_greedy_left_probability(EPSILON)  # 0.05, exact
    late, late_se = _window_mean_and_se(run.left[LATE])
    return {
        "peak-above-half": Evidence.bound(
            float(f[peak]), 0.5 + MC_SIGMAS * float(se[peak]), relation=">=",
            reason=f"untrained ties give exactly 1/2; margin {MC_SIGMAS:g} binomial SE of {N_RUNS} runs",
            details={"peak_episode": peak + 1, "peak_fraction": f[peak], "n_runs": N_RUNS}),
        "always-above-optimal": Evidence.bound(
            float(np.min(f - floor - MC_SIGMAS * se)), 0.0, relation=">=",
            reason=f"every episode exceeds the exact epsilon-greedy floor epsilon/2 by more than "
            f"{MC_SIGMAS:g} binomial SE of {N_RUNS} runs",
            details={"min_fraction": float(f.min()), "min_episode": int(np.argmin(f)) + 1,
                     "late_mean_201_300": late, "late_se": late_se, "optimal": floor}),
    }


@claim(
    DOUBLE_Q,
    statement="Double Q-learning on the same MDP shows no initial rise (its % left never significantly "
    "exceeds the 50% of untrained ties) and over episodes 201-300 takes left significantly less often "
    "than Q-learning, never below the 5% epsilon-greedy floor.",
    source="Sutton & Barto (2018), Section 6.7, Figure 6.5 ('Double Q-learning is essentially unaffected "
    "by maximization bias'); van Hasselt (2010), Algorithm 1",
    kinds=("exact",),
    figures=("sutton_barto2018_fig6_5",),
)
def double_q_unaffected(ctx: Context):
    dq = figure_runs(ctx.seed, "double_q")
    q = figure_runs(ctx.seed, "q")
    f, se = dq.left_fraction, dq.standard_error()
    floor = epsilon_greedy_left_probability(EPSILON)
    dq_late, dq_se = _window_mean_and_se(dq.left[LATE])
    q_late, q_se = _window_mean_and_se(q.left[LATE])
    diff_se = float(np.hypot(dq_se, q_se))
    z_rise = (f - 0.5) / np.maximum(se, 1e-12)
    return {
        "no-rise": Evidence.bound(
            float(z_rise.max()), MC_SIGMAS, relation="<=",
            reason=f"largest excess over 1/2 in binomial SE of {N_RUNS} runs stays below {MC_SIGMAS:g}",
            details={"max_fraction": float(f.max()), "at_episode": int(np.argmax(f)) + 1}),
        "late-below-q-learning": Evidence.bound(
            q_late - dq_late, MC_SIGMAS * diff_se, relation=">=",
            reason=f"difference of the episode 201-300 means exceeds {MC_SIGMAS:g} SE (per-run window "
            "means, independent runs)",
            details={"double_q_late": dq_late, "double_q_late_se": dq_se, "q_late": q_late, "q_late_se": q_se,
                     "optimal": floor, "double_q_excess": dq_late - floor, "q_excess": q_late - floor}),
        "late-at-least-floor": Evidence.bound(
            dq_late, floor - MC_SIGMAS * dq_se, relation=">=",
            reason=f"exact epsilon-greedy floor epsilon/2 minus {MC_SIGMAS:g} SE of the window mean",
            details={"double_q_late": dq_late}),
    }


def _noisy_random_mdp(seed) -> FiniteMDP:
    base = random_mdp(4, 2, seed, gamma=0.5)
    return FiniteMDP(P=base.P, R=base.R, mu0=base.mu0, gamma=base.gamma, name="random-4x2-noisy",
                     reward_noise="gaussian", reward_std=1.0)


@claim(
    CONVERGES,
    statement="Tabular Q-learning (and Double Q-learning on a deterministic MDP) with uniformly random "
    "behaviour converges to the optimal action values q* computed by value iteration.",
    source="Sutton & Barto (2018), Section 6.5, eq. (6.8) (convergence of Q-learning, Watkins & Dayan "
    "1992); van Hasselt (2010), Theorem 1",
    kinds=("exact",),
)
def converges_to_q_star(ctx: Context):
    parts = {}
    chain = chain_mdp(5, gamma=0.5, slip=0.0, start="uniform")
    q_star = value_iteration(chain).Q
    for method, stream in (("q", 0), ("double_q", 1)):
        run = q_learning(chain, method=method, n_runs=10, n_steps=DETERMINISTIC_STEPS, alpha=1.0, epsilon=1.0,
                         seed=ctx.rng(stream))
        worst = int(np.argmax(np.abs(run.final_q - q_star).max(axis=(1, 2))))
        parts[f"deterministic-{method}"] = Evidence.close(
            q_star, run.final_q[worst], atol=DETERMINISTIC_ATOL,
            reason=f"alpha = 1 on a deterministic MDP is asynchronous value iteration; {DETERMINISTIC_STEPS} "
            "random steps leave < 1e-9 (worst of 10 runs shown)",
            details={"min_visits": int(run.visits.min())})
    mdp = _noisy_random_mdp(ctx.rng(2))
    q_star = value_iteration(mdp).Q
    n_runs = 200
    run = q_learning(mdp, method="q", n_runs=n_runs, n_steps=5000, alpha=1.0, alpha_power=0.8,
                     epsilon=1.0, seed=ctx.rng(3))
    mean = run.final_q.mean(axis=0)
    se = run.final_q.std(axis=0, ddof=1) / np.sqrt(n_runs)
    parts["noisy-rewards-q"] = Evidence.close(
        q_star, mean, atol=float(MC_SIGMAS * se.max()),
        reason=f"{MC_SIGMAS:g} standard errors of the mean over {n_runs} independent runs "
        "(step 1/n^0.8, 5000 steps, N(0, 1) reward noise)",
        details={"max_z": float(np.max(np.abs(mean - q_star) / se)),
                 "rmse_per_run": float(np.sqrt(np.mean((run.final_q - q_star) ** 2)))})
    return parts
