"""Learned against true cost per trajectory: the GAN form of MaxEnt IRL (Finn discriminator +
tabular autoregressive sampler) and MaxEnt IRL itself (Finn et al. 2016, Section 3).

Each learned cost is shifted by the constant that best aligns it with the true cost c*
(least squares), since both are determined only up to an additive constant.  Left: data
p_data = exp(-c*)/Z (the GAN form with a linear and with a tabular cost, and MaxEnt IRL, all on
the identity).  Right: 200 demonstrations: both methods land on the same maximum-likelihood
cost, which differs from c* by the sampling error of the demonstrations.

Trained by ``solvers.tabular.guided_cost.train_gan_form`` and
``solvers.tabular.maxent_irl.maxent_irl_trajectories`` on the instance of the claim
``finn2016-gcl/gan-form-matches-maxent``.
"""

from __future__ import annotations

import numpy as np

from experiments.claims import finn2016_gcl as claims
from experiments.figures import figure
from experiments.figure_style import new_figure
from experiments.registry import Context
from solvers.tabular import guided_cost as gc


def _aligned(cost: np.ndarray, target: np.ndarray) -> np.ndarray:
    return cost - np.mean(cost - target)


@figure("finn2016_cost", title="Learned vs true cost per trajectory: GAN form and MaxEnt IRL",
        claims=(claims.GAN_FORM,))
def build(*, seed: int = 0, fast: bool = True):
    # The exact runs converge in a few dozen steps, so `fast` changes nothing here.
    ts, theta_star, _ = claims.gcl_problem()
    c_star = ts.cost(theta_star)
    cases = {c["label"]: c for c in claims.run_gan_cases(Context(seed=seed))}
    fig, (ax1, ax2) = new_figure(1, 2, figsize=(10, 4.4))
    lo, hi = c_star.min() - 0.5, c_star.max() + 0.5
    data = {"true_cost": c_star, "cases": {}}
    panels = [(ax1, ["linear-exact-data", "tabular-exact-data"], "(a) data = exp(-c*)/Z"),
              (ax2, ["linear-empirical-data"], f"(b) {claims.N_DEMOS} demonstrations")]
    for ax, labels, title in panels:
        ax.plot([lo, hi], [lo, hi], "-", color="gray", lw=1, label="identity (after shift)")
        for j, label in enumerate(labels):
            case = cases[label]
            gan = _aligned(case["run"].cost, c_star)
            me = _aligned(case["maxent"].cost, c_star)
            marker = "o" if label.startswith("linear") else "s"
            ax.scatter(c_star, gan, s=22, marker=marker, facecolors="none",
                       edgecolors=("tab:blue", "tab:green")[j], label=f"GAN form, {label.split('-')[0]} cost")
            ax.scatter(c_star, me, s=12, marker="x", color=("tab:red", "tab:purple")[j],
                       label=f"MaxEnt IRL, {label.split('-')[0]} cost")
            data["cases"][label] = {
                "gan_cost_aligned": gan, "maxent_cost_aligned": me,
                "gap_gan_maxent": gc.cost_gap(case["run"].cost, case["maxent"].cost),
                "gap_gan_true": gc.cost_gap(case["run"].cost, c_star)}
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
        ax.set_xlabel("true cost c*(τ)")
        ax.set_title(title, fontsize=9)
        ax.legend(fontsize=7, loc="upper left")
    ax1.set_ylabel("learned cost (shifted)")
    fig.tight_layout()
    return fig, data
