"""Sutton & Barto (2018), Figure 6.5: % left actions from A against episodes on the
maximization-bias MDP of Example 6.7, Q-learning against Double Q-learning, with the 5 %
ε-greedy optimum.

Computed by ``solvers.tabular.qlearning.max_bias_runs`` (vectorized over 10,000 runs, as in the
book; ε = 0.1, α = 0.1, γ = 1, zero initial estimates, random tie-breaking, 10 actions in B — the
book does not state that number).  The shaded bands are ±2 binomial standard errors over runs;
black dots mark the exact probabilities of the first episodes
(``solvers.problems.maxbias.early_left_probability``), derived independently of the learner.
"""

from __future__ import annotations

import numpy as np

from experiments.claims import sutton_barto2018 as claims
from experiments.figures import figure
from experiments.figure_style import new_figure
from solvers.problems.maxbias import early_left_probability, epsilon_greedy_left_probability


@figure("sutton_barto2018_fig6_5",
        title="Maximization bias: Q-learning vs Double Q-learning (cf. Sutton & Barto 2018, Fig. 6.5)",
        claims=(claims.Q_BIAS, claims.DOUBLE_Q, claims.EARLY))
def build(*, seed: int = 0, fast: bool = True):
    # 10,000 runs take seconds, so the fast tier already uses the book's count.
    runs = {m: claims.figure_runs(seed, m) for m in ("q", "double_q")}
    episodes = np.arange(1, claims.N_EPISODES + 1)
    optimal = epsilon_greedy_left_probability(claims.EPSILON)
    fig, ax = new_figure(figsize=(6.4, 4.2))
    data = {"episodes": episodes, "n_runs": claims.N_RUNS, "n_b_actions": claims.N_B_ACTIONS,
            "epsilon": claims.EPSILON, "alpha": claims.ALPHA, "optimal": optimal}
    styles = (("q", "Q-learning", "tab:red"), ("double_q", "Double Q-learning", "tab:green"))
    for method, label, color in styles:
        run = runs[method]
        f, se = run.left_fraction, run.standard_error()
        ax.fill_between(episodes, 100 * (f - 2 * se), 100 * (f + 2 * se), color=color, alpha=0.25, lw=0)
        ax.plot(episodes, 100 * f, color=color, lw=1.2, label=label)
        data[method] = {"left_fraction": f, "standard_error": se}
    ax.axhline(100 * optimal, color="black", ls="--", lw=1, label="optimal (ε/2 = 5%)")
    exact = {m: [early_left_probability(m, k, n_b_actions=claims.N_B_ACTIONS, alpha=claims.ALPHA,
                                        epsilon=claims.EPSILON) for k in range(1, last + 1)]
             for m, last in (("q", 4), ("double_q", 3))}
    ax.plot(np.arange(1, 5), 100 * np.array(exact["q"]), "o", color="black", ms=3,
            label="exact (first episodes)")
    ax.plot(np.arange(1, 4), 100 * np.array(exact["double_q"]), "o", color="black", ms=3)
    data["exact_early"] = exact
    ax.set_xlabel("episodes")
    ax.set_ylabel("% left actions from A")
    ax.set_xlim(0, claims.N_EPISODES)
    ax.set_ylim(0, 100)
    ax.set_yticks([0, 5, 25, 50, 75, 100])
    ax.set_title(f"{claims.N_RUNS:,} runs, {claims.N_B_ACTIONS} actions in B, ε = α = 0.1; bands ±2 SE",
                 fontsize=9)
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    return fig, data
