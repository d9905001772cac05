"""Claims from Sutton & Barto (2018), "Reinforcement Learning: An Introduction" (2nd ed.),
Section 6.7 "Maximization Bias and Double Learning": Example 6.7 and Figure 6.5.

The learners (``solvers.tabular.qlearning``) are checked against routes that do not use them:
the exact probability of "left" in the first episodes (``solvers.problems.maxbias``, derived by
enumeration and Gaussian integrals), the ε-greedy floor ε/2, and ``value_iteration``'s q*
(``solvers.problems.rl_toys``).  Every Monte Carlo part states its false-alarm probability
(:data:`FALSE_ALARM`, the chance that it fails although the prediction is right) and takes its
acceptance region from an exact or conservative bound (``theory.concentration``): exact
binomial tails for counts of independent runs, stochastic dominance of Binomial(n, ε/2) for the
ε-greedy floor, the empirical Bernstein bound with the known range for window means, and
Gaussian concentration with a computed Lipschitz constant for Q-learning's noisy-reward tables —
never a sample standard error.

Setting of Figure 6.5 (book): ε = 0.1, α = 0.1, γ = 1, zero initial estimates, ties broken
randomly, 10,000 runs, 300 episodes.  The number of actions in B is not given in the book; we
use :data:`N_B_ACTIONS` = 10 (as the public reproduction ShangtongZhang/reinforcement-learning-
an-introduction, chapter06/maximization_bias.py).
"""

from __future__ import annotations

import functools

import numpy as np

from experiments.claims.support import ALPHA
from experiments.registry import Context, Evidence, claim
from solvers.problems.maxbias import early_left_probability, epsilon_greedy_left_probability
from solvers.problems.rl_toys import FiniteMDP, chain_mdp, random_mdp, value_iteration
from solvers.tabular.qlearning import max_bias_runs, q_learning
from theory import concentration

EARLY = "sutton-barto2018/ex6.7-early-episodes-exact"
Q_BIAS = "sutton-barto2018/fig6.5-q-learning-maximization-bias"
DOUBLE_Q = "sutton-barto2018/fig6.5-double-q-unaffected"
CONVERGES = "sutton-barto2018/q-learning-converges-to-q-star"

#: The three exact claims on Figure 6.5 are drawn in it, and the two on its maximization-bias
#: curves compare with the epsilon-greedy left probability: these chain fields, written once.
fig6_5_claim = functools.partial(claim, kinds=("exact",), figures=("sutton_barto2018_fig6_5",))
maximization_bias_claim = functools.partial(
    fig6_5_claim, problem="solvers.problems.maxbias.epsilon_greedy_left_probability")

#: False-alarm probability of each Monte Carlo part (all its comparisons together, Bonferroni).
FALSE_ALARM = ALPHA
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
#: Noisy rewards (N(0, 1) noise on a random 4x2 MDP, γ = 1/2, steps 1/n^0.8, 5,000 uniformly random
#: steps, >= 200 visits per pair): "converges" is stated as "the average of 200 runs' tables is
#: within 1/20 of the reward noise's SD of q*".  No exact or conservative bound is available for
#: the noise of Q-learning's table (unbounded rewards through the max operator), so this is a
#: level the claim states, not a statistical tolerance; what it leaves room for, measured with
#: 4,000 runs at seeds 0-2: finite-time bias |E Q_T - q*| <= 0.0035 and per-run SD <= 0.09, so
#: the 200-run average's noise (SD <= 0.0064) sits > 7 of its SDs inside the level.  q* + 0.1
#: fails (negative control).
NOISY_LEVEL = 0.05


@functools.lru_cache(maxsize=4)
def figure_runs(seed: int, method: str):
    """The 10,000 x 300 runs of Figure 6.5 for ``method`` (cached: two claims and the figure
    share them; results depend only on the arguments)."""
    stream = {"q": 10, "double_q": 11}[method]
    return max_bias_runs(method, n_runs=N_RUNS, n_episodes=N_EPISODES, n_b_actions=N_B_ACTIONS,
                         alpha=ALPHA, epsilon=EPSILON, seed=np.random.SeedSequence([seed, stream]))


def _window_means(left: np.ndarray) -> np.ndarray:
    """Each run's fraction of left over the episodes of ``left`` (episodes x runs): independent
    across runs, each in [0, 1] (episodes within a run are not independent)."""
    return left.mean(axis=0)


def _counts(run) -> np.ndarray:
    """Number of runs (of ``run.left.shape[1]``) that took left, per episode."""
    return run.left.sum(axis=1)


@fig6_5_claim(
    EARLY,
    statement="In the first episodes of Example 6.7 the probability of taking left from A equals the "
    "exact value obtained by enumerating earlier episodes: 1/2 in episodes 1-2 for both learners, "
    "then 0.5518 and 0.6174 for Q-learning (episodes 3-4) against 0.4996 for Double Q-learning "
    "(episode 3).",
    source="Sutton & Barto (2018), Example 6.7 and Figure 6.5; van Hasselt (2010), Algorithm 1",
    solver="solvers.tabular.qlearning.max_bias_runs",
    problem="solvers.problems.maxbias.early_left_probability",
)
def early_episodes_exact(ctx: Context):
    parts = {}
    for method, last, stream in (("q", 4, 0), ("double_q", 3, 1)):
        run = max_bias_runs(method, n_runs=EARLY_RUNS, n_episodes=last, n_b_actions=N_B_ACTIONS,
                            alpha=ALPHA, epsilon=EPSILON, seed=ctx.rng(stream))
        exact = np.array([early_left_probability(method, k, n_b_actions=N_B_ACTIONS, alpha=ALPHA,
                                                 epsilon=EPSILON) for k in range(1, last + 1)])
        # Runs are independent, so the number of runs taking left in episode k is exactly
        # Binomial(EARLY_RUNS, p_k): accept it in the exact two-sided binomial interval at
        # level FALSE_ALARM / 2 / last (Bonferroni over the episodes and the two learners).
        lo, hi = concentration.binomial_interval(EARLY_RUNS, exact, FALSE_ALARM / 2 / last)
        f = run.left_fraction
        sd = np.sqrt(exact * (1.0 - exact) / EARLY_RUNS)  # exact binomial SD, for the report only
        allow = np.where(f >= exact, hi / EARLY_RUNS - exact, exact - lo / EARLY_RUNS)
        parts[method] = Evidence.close(
            exact, f, atol=allow,
            reason=f"exact binomial tails of {EARLY_RUNS} independent runs per episode (acceptance "
            f"interval [lo, hi] of the count, tolerance = the side the measurement lies on); "
            f"false-alarm probability <= {FALSE_ALARM:g} over both learners' episodes (Bonferroni)",
            details={"episodes": list(range(1, last + 1)), "n_runs": EARLY_RUNS,
                     "accept_low": lo / EARLY_RUNS, "accept_high": hi / EARLY_RUNS,
                     "deviation_in_exact_sd": (f - exact) / sd})
    return parts


@maximization_bias_claim(
    Q_BIAS,
    statement="With epsilon = 0.1, alpha = 0.1 and 10 actions in B, Q-learning initially takes left from A "
    "much more often than right (well above the 50% of untrained ties), and at every one of 300 episodes "
    "significantly more often than the 5% minimum enforced by epsilon-greedy selection.",
    source="Sutton & Barto (2018), Section 6.7, Figure 6.5 and its caption",
)
def q_learning_maximization_bias(ctx: Context):
    run = figure_runs(ctx.seed, "q")
    f, counts = run.left_fraction, _counts(run)
    n_ep, n_runs = run.left.shape
    peak = int(np.argmax(f))
    floor = epsilon_greedy_left_probability(EPSILON)  # 0.05, exact
    # Runs are independent: the count of episode k is Binomial(n_runs, p_k).  "Above 1/2" and
    # "above the floor" are shown by rejecting p_k <= 1/2 (resp. p_k <= floor) with the exact
    # upper binomial tail at level FALSE_ALARM / 300 per episode; a true statement fails only when its
    # count falls below that quantile.
    half_limit = concentration.binomial_upper(n_runs, 0.5, FALSE_ALARM / n_ep)
    floor_limit = concentration.binomial_upper(n_runs, floor, FALSE_ALARM / n_ep)
    late = _window_means(run.left[LATE])
    return {
        "peak-above-half": Evidence.bound(
            float(counts[peak]), float(half_limit) + 1, relation=">=",
            reason=f"untrained ties give exactly 1/2; the peak episode's count of {n_runs} independent "
            f"runs exceeds the exact Binomial({n_runs}, 1/2) upper quantile at {FALSE_ALARM:g}/{n_ep} "
            "(rejects 'no episode above 1/2' at level FALSE_ALARM)",
            details={"peak_episode": peak + 1, "peak_fraction": f[peak], "n_runs": n_runs,
                     "limit_fraction": (half_limit + 1) / n_runs}),
        "always-above-optimal": Evidence.bound(
            float(np.min(counts - floor_limit - 1)), 0.0, relation=">=",
            reason=f"every episode's count exceeds the exact Binomial({n_runs}, epsilon/2) upper "
            f"quantile at {FALSE_ALARM:g}/{n_ep} (rejects p_k <= epsilon/2 at every episode; level FALSE_ALARM)",
            details={"min_fraction": float(f.min()), "min_episode": int(np.argmin(f)) + 1,
                     "limit_fraction": (floor_limit + 1) / n_runs,
                     "late_mean_201_300": float(late.mean()), "optimal": floor}),
    }


@maximization_bias_claim(
    DOUBLE_Q,
    statement="Double Q-learning on the same MDP shows no initial rise (its % left never significantly "
    "exceeds the 50% of untrained ties) and over episodes 201-300 takes left significantly less often "
    "than Q-learning, never below the 5% epsilon-greedy floor.",
    source="Sutton & Barto (2018), Section 6.7, Figure 6.5 ('Double Q-learning is essentially unaffected "
    "by maximization bias'); van Hasselt (2010), Algorithm 1",
)
def double_q_unaffected(ctx: Context):
    dq = figure_runs(ctx.seed, "double_q")
    q = figure_runs(ctx.seed, "q")
    f, counts = dq.left_fraction, _counts(dq)
    n_ep, n_runs = dq.left.shape
    floor = epsilon_greedy_left_probability(EPSILON)
    # no rise: if p_k <= 1/2 at every episode, each count exceeds the exact Binomial(N, 1/2)
    # upper quantile at FALSE_ALARM/300 with probability <= FALSE_ALARM/300 (the tail grows with p).
    half_limit = concentration.binomial_upper(n_runs, 0.5, FALSE_ALARM / n_ep)
    # late window: per-run window means are i.i.d. in [0, 1], so the paired differences
    # q_i - dq_i (independent runs, paired by index) are i.i.d. in [-1, 1]; the one-sided
    # empirical Bernstein bound (range 2) gives a lower confidence limit for E[q - dq].
    dq_w, q_w = _window_means(dq.left[LATE]), _window_means(q.left[LATE])
    diff = q_w - dq_w
    radius = float(concentration.empirical_bernstein_radius(diff.var(ddof=1), 2.0, diff.size, FALSE_ALARM))
    # floor: epsilon-greedy takes left with conditional probability >= epsilon/2 at every
    # episode whatever was learnt, so the total count of left over the window's
    # 100 x n_runs choices stochastically dominates Binomial(100 n_runs, epsilon/2).
    n_window = dq.left[LATE].size
    total = int(dq.left[LATE].sum())
    floor_low = float(concentration.binomial_lower(n_window, floor, FALSE_ALARM))
    return {
        "no-rise": Evidence.bound(
            float(counts.max()), float(half_limit), relation="<=",
            reason=f"largest count of {n_runs} runs over {n_ep} episodes against the exact "
            f"Binomial({n_runs}, 1/2) upper quantile at {FALSE_ALARM:g}/{n_ep}: false-alarm <= {FALSE_ALARM:g} "
            "when p_k <= 1/2 at every episode",
            details={"max_fraction": float(f.max()), "at_episode": int(np.argmax(f)) + 1,
                     "limit_fraction": half_limit / n_runs}),
        "late-below-q-learning": Evidence.bound(
            float(diff.mean()), radius, relation=">=",
            reason="mean over runs of (Q-learning - Double Q) fraction of left in episodes 201-300 "
            "exceeds the one-sided empirical Bernstein radius (Maurer & Pontil 2009, Thm 4; range "
            f"[-1, 1], {diff.size} independent pairs): 'no difference' rejected at level {FALSE_ALARM:g}",
            details={"double_q_late": float(dq_w.mean()), "q_late": float(q_w.mean()),
                     "optimal": floor, "double_q_excess": float(dq_w.mean()) - floor,
                     "q_excess": float(q_w.mean()) - floor}),
        "late-at-least-floor": Evidence.bound(
            float(total), floor_low, relation=">=",
            reason=f"count of left over the {n_window} window choices against the exact "
            f"Binomial({n_window}, epsilon/2) {FALSE_ALARM:g} quantile (each choice takes left with "
            f"probability >= epsilon/2 given the past, so the count dominates it): false-alarm <= {FALSE_ALARM:g}",
            details={"double_q_late": total / n_window, "limit_fraction": floor_low / n_window}),
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
    solver="solvers.tabular.qlearning.q_learning",
    problem="solvers.problems.rl_toys.chain_mdp",
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
    parts["noisy-rewards-q"] = Evidence.close(
        q_star, mean, atol=NOISY_LEVEL,
        reason=f"a convergence statement at this budget, not a statistical bound: the average of {n_runs} "
        f"independent tables after 5000 steps (step 1/n^0.8, N(0, 1) reward noise) lies within "
        f"{NOISY_LEVEL:g} of q* (1/20 of the reward noise's SD); see NOISY_LEVEL for what it leaves",
        details={"max_abs_error_of_average": float(np.max(np.abs(mean - q_star))),
                 "rmse_per_run": float(np.sqrt(np.mean((run.final_q - q_star) ** 2)))})
    return parts
