"""van Hasselt, Guez & Silver (AAAI 2016; arXiv:1509.06461), Figure 1: the bias of a single Q-learning update (orange)
and of a Double Q-learning update (blue) against the number of actions m = 2, ..., 1024, with
equal true values and iid N(0, 1) estimation errors.

Simulated by :func:`solvers.tabular.overestimation.single_update_bias`; the black markers are
the closed form E[max of m standard normals] (``theory.overestimation.expected_max_normal``),
which the simulation never calls.  The paper averages 100 repetitions per bar; this figure uses
2,000 (fast) or 100,000 (full) and draws +-2 standard errors.
"""

from __future__ import annotations

import numpy as np

from experiments.figures import figure
from experiments.figure_style import new_figure
from solvers.tabular.overestimation import FIG1_ACTIONS, single_update_bias
from theory.overestimation import expected_max_normal

ORANGE, BLUE = "tab:orange", "tab:blue"


@figure("vanhasselt2015_fig1",
        title="Bias of one Q-learning vs Double Q-learning update against the number of actions "
        "(cf. van Hasselt et al. 2016, Fig. 1)",
        claims=("vanhasselt2015-figs/fig1-q-bias-expected-max", "vanhasselt2015-figs/fig1-double-q-unbiased"))
def build(*, seed: int = 0, fast: bool = True):
    n_samples = 2_000 if fast else 100_000
    r = single_update_bias(FIG1_ACTIONS, n_samples=n_samples, sigma=1.0, seed=seed)
    predicted = expected_max_normal(r.n_actions)

    fig, ax = new_figure(figsize=(7.0, 3.8))
    x = np.arange(r.n_actions.size)
    width = 0.38
    ax.bar(x - width / 2, r.q_mean, width, yerr=2 * r.q_se, color=ORANGE, capsize=2,
           label=r"$\max_a Q(s,a) - V_*(s)$")
    ax.bar(x + width / 2, r.double_mean, width, yerr=2 * r.double_se, color=BLUE, capsize=2,
           label=r"$Q'(s, \mathrm{argmax}_a Q(s,a)) - V_*(s)$")
    ax.plot(x - width / 2, predicted, "k_", markersize=14, mew=2,
            label=r"$E[\max$ of $m$ iid $N(0,1)]$ (closed form)")
    ax.axhline(0.0, color="black", lw=0.8)
    ax.set_xticks(x, [str(m) for m in r.n_actions])
    ax.set_xlabel("number of actions")
    ax.set_ylabel("error")
    ax.set_title(f"Single-update bias, {n_samples} repetitions per bar (±2 SE)", fontsize=9)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    data = {
        "n_actions": r.n_actions, "n_samples": n_samples,
        "q_mean": r.q_mean, "q_se": r.q_se, "double_mean": r.double_mean, "double_se": r.double_se,
        "expected_max_normal": predicted,
        "max_abs_z_q": float(np.max(np.abs(r.q_mean - predicted) / r.q_se)),
        "max_abs_z_double": float(np.max(np.abs(r.double_mean) / r.double_se)),
    }
    return fig, data
