"""Learning curves against J*: tabular REINFORCE, REINFORCE with baseline and A2C, and neural
A2C (separate networks and shared trunk), on Strens's 5-state chain with γ = 0.9.

J of every recorded policy is computed exactly (linear solve) and J* by value iteration; the
learners never see either.  The horizontal axis counts environment steps of one run (all 32
environments; REINFORCE's episodes are 66 steps, A2C's segments 5).  Bands span the runs (min to max);
lines are run means.  Cf. the learning-speed comparisons of Mnih et al. (2016), Figure 1.
"""

from __future__ import annotations

import numpy as np

from experiments.claims.mnih2016 import NEURAL, TABULAR, neural_curves, tabular_curves
from experiments.figures import figure
from experiments.figure_style import new_figure

STYLE = {"reinforce": ("tab:red", "tabular REINFORCE"), "baseline": ("tab:orange", "tabular REINFORCE + baseline"),
         "a2c": ("tab:blue", "tabular A2C"), "separate": ("tab:green", "neural A2C"),
         "shared": ("tab:purple", "neural A2C, shared trunk")}


@figure("mnih2016_learning_curves", title="Policy-gradient learners approaching J* on the chain",
        claims=(TABULAR, NEURAL))
def build(*, seed: int = 0, fast: bool = True):
    tab = tabular_curves(seed)
    neu = neural_curves(seed, 3 if fast else 8, "chain")
    j_star = tab["J_star"]
    fig, (ax_j, ax_gap) = new_figure(1, 2, figsize=(11, 4.0))
    data = {"J_star": j_star}
    for name, (color, label) in STYLE.items():
        c = tab[name] if name in tab else neu[name]
        steps, gap = np.asarray(c["env_steps"]), np.asarray(c["gap"])  # gap: (records, runs)
        J = j_star * (1.0 - gap)
        ax_j.plot(steps, J.mean(axis=1), color=color, label=label)
        ax_j.fill_between(steps, J.min(axis=1), J.max(axis=1), color=color, alpha=0.15, lw=0)
        floor = np.maximum(gap, 1e-6)
        ax_gap.plot(steps, floor.mean(axis=1), color=color, label=label)
        ax_gap.fill_between(steps, floor.min(axis=1), floor.max(axis=1), color=color, alpha=0.15, lw=0)
        data[name] = {"env_steps": steps, "mean_gap": gap.mean(axis=1)}
    ax_j.axhline(j_star, color="black", ls="--", lw=1, label="J* (value iteration)")
    ax_j.set_xlabel("environment steps (one run, 32 environments)")
    ax_j.set_ylabel("J(π) = μ₀ · V^π (exact)")
    ax_j.legend(fontsize=7)
    ax_gap.set_yscale("log")
    ax_gap.set_xlabel("environment steps (one run, 32 environments)")
    ax_gap.set_ylabel("(J* - J) / J*  (floored at 1e-6)")
    fig.tight_layout()
    return fig, data
