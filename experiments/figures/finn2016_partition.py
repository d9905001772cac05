"""Guided cost learning's importance-sampled partition function against the sample count
(Finn, Levine & Abbeel 2016, Section 4; Finn et al. 2016, Sections 2.3 and 3.2).

Left: the RMSE of log Z_hat (exact mixture density in the weights) and of the importance-
sampled cost gradient, with standard-error bars, against n on log-log axes, beside the
n^-1/2 reference.  Right: the paper's self-consistent form (mu_tilde built from the
discriminator-optimal Z) on the same misspecified cost: its error against the population
fixed point falls like n^-1/2, its error against the true log Z levels off at the gap between
the two, which is not zero here: the fixed point equals log Z iff E_p_data[D] = E_model[D] at
the true Z, which holds when the data (or the sampler) are exp(-c)/Z and fails for this cost.

Numbers from ``solvers.tabular.guided_cost``; references from exact enumeration
(``theory.irl``), as in the claims ``finn2016-gcl/is-partition-converges`` and
``finn2016-gcl/self-consistent-partition``.
"""

from __future__ import annotations

import numpy as np

from experiments.claims import finn2016_gcl as claims
from experiments.figures import figure
from experiments.figure_style import new_figure
from solvers.tabular import guided_cost as gc
from theory.irl import optimal_log_partition


def _reference(ax, n, rmse, fit_min_n):
    """The n^-1/2 line through the first fitted point."""
    i = int(np.argmax(n >= fit_min_n))
    ax.plot(n, rmse[i] * np.sqrt(n[i] / n), ":", color="black", lw=1, label="∝ n^-1/2")


@figure("finn2016_partition", title="Importance-sampled partition function and cost gradient vs sample "
        "count (guided cost learning)", claims=(claims.IS_CONVERGES, claims.SELF_CONSISTENT))
def build(*, seed: int = 0, fast: bool = True):
    repeats = 200 if fast else claims.N_REPEATS
    root = np.random.SeedSequence([seed, 4])
    s_exact, s_sc = root.spawn(2)
    study, log_z, grad, p, q, f = claims.partition_convergence(np.random.default_rng(s_exact), n_repeats=repeats)
    n = study.sample_sizes
    sz = gc.error_summary(study.log_z_hat, log_z, n, fit_min_n=claims.FIT_MIN_N, seed=seed)
    sg = gc.error_summary(study.gradient_hat, grad, n, fit_min_n=claims.FIT_MIN_N, seed=seed)
    sc, _, _, _, _, _ = claims.partition_convergence(np.random.default_rng(s_sc), n_repeats=repeats,
                                                     form="self_consistent")
    fixed_point = float(optimal_log_partition(f @ sc.theta, q, p))
    s_fp = gc.error_summary(sc.log_z_hat, fixed_point, n, fit_min_n=claims.FIT_MIN_N, seed=seed)
    s_true = gc.error_summary(sc.log_z_hat, log_z, n, fit_min_n=claims.FIT_MIN_N, seed=seed)

    fig, (ax1, ax2) = new_figure(1, 2, figsize=(11, 4.0), sharey=True)
    ax1.errorbar(n, sz.rmse, yerr=sz.rmse_se, fmt="o-", ms=4, capsize=2, color="tab:blue",
                 label=f"log Z_hat (slope {sz.slope:.3f} ± {sz.slope_se:.3f})")
    ax1.errorbar(n, sg.rmse, yerr=sg.rmse_se, fmt="s-", ms=4, capsize=2, color="tab:orange",
                 label=f"cost gradient (slope {sg.slope:.3f} ± {sg.slope_se:.3f})")
    _reference(ax1, n, sz.rmse, claims.FIT_MIN_N)
    ax1.set_title("(a) exact mixture density μ = (p_data + q)/2", fontsize=9)
    ax2.errorbar(n, s_fp.rmse, yerr=s_fp.rmse_se, fmt="o-", ms=4, capsize=2, color="tab:green",
                 label=f"vs fixed point (slope {s_fp.slope:.3f} ± {s_fp.slope_se:.3f})")
    ax2.errorbar(n, s_true.rmse, yerr=s_true.rmse_se, fmt="^-", ms=4, capsize=2, color="tab:red",
                 label="vs true log Z")
    ax2.axhline(abs(fixed_point - log_z), color="tab:red", ls="--", lw=1,
                label=f"|fixed point − log Z| = {abs(fixed_point - log_z):.3f}")
    _reference(ax2, n, s_fp.rmse, claims.FIT_MIN_N)
    ax2.set_title("(b) self-consistent μ̃ = (exp(-c)/Z + q)/2, Z = discriminator optimum", fontsize=9)
    for ax in (ax1, ax2):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("n (demonstrations = sampler draws)")
        ax.legend(fontsize=7, loc="lower left")
    ax1.set_ylabel(f"RMSE over {repeats} repeats (± SE)")
    fig.tight_layout()
    data = {"sample_sizes": n, "n_repeats": repeats, "log_z": log_z, "fixed_point": fixed_point,
            "exact_form": {"rmse": sz.rmse, "rmse_se": sz.rmse_se, "bias": sz.bias, "bias_se": sz.bias_se,
                           "slope": sz.slope, "slope_se": sz.slope_se},
            "gradient": {"rmse": sg.rmse, "rmse_se": sg.rmse_se, "slope": sg.slope, "slope_se": sg.slope_se},
            "self_consistent": {"rmse_vs_fixed_point": s_fp.rmse, "rmse_vs_log_z": s_true.rmse,
                                "slope": s_fp.slope, "slope_se": s_fp.slope_se}}
    return fig, data
