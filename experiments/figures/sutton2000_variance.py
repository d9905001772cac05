"""Variance of the policy-gradient estimators: the return, the return minus the baseline V(s),
and the one-step TD advantage, each as the per-step estimator ψ(s, a) Ψ / (1 - γ) with
s ~ d_γ, a ~ π (Sutton et al. 2000, Theorem 1; Sutton & Barto 2018, Sections 13.3-13.5).

Lines are exact (moment equations of ``solvers.tabular.policy_gradient.exact_estimator_moments``);
markers are sample variances with ±2 standard errors from
``solvers.tabular.policy_gradient.sample_gradient_estimates``, on one random 4-state, 3-action
MDP (rewards shifted by +1, Gaussian noise of std 0.5) for several discounts.  The right panel
shows the three sample means against the exact gradient of Theorem 1 at γ = 0.7.
"""

from __future__ import annotations

import numpy as np

from experiments.claims.sutton2000 import BASELINE, ESTIMATORS, variance_comparison
from experiments.figures import figure
from experiments.figure_style import new_figure
from solvers.tabular.policy_gradient import ESTIMATOR_KINDS

GAMMAS = (0.3, 0.5, 0.7, 0.8, 0.9)
LABELS = {"return": "return G", "baseline": "G - V(s)", "td": "TD error r + γV(s') - V(s)"}
COLORS = {"return": "tab:red", "baseline": "tab:blue", "td": "tab:green"}


@figure("sutton2000_variance", title="Variance of the policy-gradient estimators: exact vs sampled",
        claims=(BASELINE, ESTIMATORS))
def build(*, seed: int = 0, fast: bool = True):
    n = 2_000 if fast else 50_000
    rows = {g: variance_comparison(seed, n, g) for g in GAMMAS}
    fig, (ax, ax_mean) = new_figure(1, 2, figsize=(11, 4.0))
    data = {"gamma": list(GAMMAS), "n": n}
    for kind in ESTIMATOR_KINDS:
        exact = np.array([rows[g][kind]["exact_total_variance"] for g in GAMMAS])
        sampled = np.array([rows[g][kind]["sampled_total_variance"] for g in GAMMAS])
        se = np.array([rows[g][kind]["sampled_total_variance_se"] for g in GAMMAS])
        ax.plot(GAMMAS, exact, color=COLORS[kind], label=f"{LABELS[kind]} (exact)")
        ax.errorbar(GAMMAS, sampled, yerr=2 * se, fmt="o", ms=4, color=COLORS[kind], capsize=2)
        data[kind] = {"exact": exact, "sampled": sampled, "sampled_se": se}
    ax.set_yscale("log")
    ax.set_xlabel("discount γ")
    ax.set_ylabel("total variance tr Cov[ĝ]")
    ax.set_title(f"lines exact, markers sampled (n = {n}, ±2 SE)")
    ax.legend(fontsize=8)

    mid = rows[0.7]
    exact_grad = mid["exact_grad"].reshape(-1)
    lim = np.abs(exact_grad).max() * 1.2
    ax_mean.plot([-lim, lim], [-lim, lim], color="gray", lw=0.8, ls=":")
    for i, kind in enumerate(ESTIMATOR_KINDS):
        offset = (i - 1) * 0.01 * lim
        ax_mean.errorbar(exact_grad + offset, mid[kind]["sampled_mean"].reshape(-1),
                         yerr=2 * mid[kind]["sampled_se"].reshape(-1), fmt="o", ms=3, color=COLORS[kind],
                         capsize=2, label=LABELS[kind])
    ax_mean.set_xlabel("exact ∂J/∂θ[s, a] (Theorem 1)")
    ax_mean.set_ylabel("sample mean ± 2 SE")
    ax_mean.set_title("unbiasedness at γ = 0.7")
    ax_mean.legend(fontsize=8)
    fig.tight_layout()
    data["gamma_0.7"] = {"exact_grad": exact_grad,
                         **{kind: mid[kind]["sampled_mean"].reshape(-1) for kind in ESTIMATOR_KINDS}}
    return fig, data
