"""Overestimation of max_a Q(s, a) - V*(s) against the number of actions m (2 .. 1024).

Four curves, for a state whose m true action values are equal:

- Theorem 1's worst-case lower bound sqrt(C/(m - 1)) with C = 1 (van Hasselt, Guez & Silver
  (AAAI 2016; arXiv:1509.06461)): every error vector that sums to 0 with mean square 1 overestimates at least this
  much.  It *decreases* with m;
- ``expected_max_normal(m)``: the mean overestimation when the errors are iid N(0, 1) (so
  their expected mean square is 1, comparable with C = 1), which *grows* like sqrt(2 log m)
  (the Gaussian curve of the paper's Figure 1);
- a Monte Carlo estimate of the same mean (n draws per m at a fixed seed) with +-1 standard
  error bars, which must sit on the quadrature curve;
- the smallest overestimation seen among the same draws after projecting each onto Theorem 1's
  conditions (centred, rescaled to mean square 1): it stays above the bound, as the theorem
  says, and far above it, because the bound is attained only by the tight example;
- for contrast, uniform errors with unit variance (eps = sqrt 3): eps (m - 1)/(m + 1) saturates
  at eps (Thrun & Schwartz 1993; the paper's appendix Theorem 2).

What it shows: the theorem's bound is a worst case over error vectors *already* centred with
mean square C; it shrinks like 1/sqrt(m), whereas typical errors overestimate more and more
(sqrt(2 log m) for Gaussian noise).  At m = 2 the Gaussian mean (1/sqrt(pi) = 0.56) lies below
the bound 1: raw iid errors need not sum to 0, and the theorem applies to each vector with its
own C; every projected 2-vector is (+1, -1), exactly the tight example.
"""

from __future__ import annotations

import numpy as np

from experiments.claims.vanhasselt2015 import admissible_errors
from experiments.figures import figure
from experiments.figure_style import new_figure
from theory.overestimation import expected_max_normal, expected_max_uniform, max_lower_bound

#: Numbers of actions drawn: 2 .. 1024, about 6 per octave.
M_VALUES = np.unique(np.round(np.logspace(np.log10(2), np.log10(1024), 55)).astype(int))


@figure("vanhasselt2015_bound",
        title="Overestimation against the number of actions: Theorem 1's bound and the "
              "Gaussian expected maximum (van Hasselt et al. 2016)",
        claims=("vanhasselt2015/thm1-max-lower-bound", "vanhasselt2015/expected-max-normal"))
def build(*, seed: int = 0, fast: bool = True):
    n = 2_000 if fast else 20_000
    rng = np.random.default_rng(np.random.SeedSequence([seed, 2015]))
    C = 1.0
    ms = M_VALUES
    mc_mean, mc_se, min_projected = [], [], []
    for m in ms:
        draws = rng.standard_normal((n, int(m)))
        top = draws.max(axis=1)
        mc_mean.append(top.mean())
        mc_se.append(top.std(ddof=1) / np.sqrt(n))
        min_projected.append(admissible_errors(draws, C).max(axis=1).min())
    mc_mean, mc_se, min_projected = map(np.asarray, (mc_mean, mc_se, min_projected))
    bound = max_lower_bound(C, ms)
    gauss = expected_max_normal(ms)
    uniform = expected_max_uniform(ms, np.sqrt(3.0))

    fig, ax = new_figure(figsize=(7.0, 4.4))
    ax.plot(ms, gauss, "-", color="tab:blue", lw=2,
            label="E[max] of m iid N(0, 1) errors (quadrature)")
    ax.errorbar(ms[::3], mc_mean[::3], yerr=mc_se[::3], fmt="o", ms=3.5, color="tab:blue",
                mfc="white", capsize=2, label=f"Monte Carlo mean ± 1 SE ({n} draws per m)")
    ax.plot(ms, min_projected, ":", color="tab:green",
            label="smallest max among the draws projected to sum 0, mean square 1")
    ax.plot(ms, uniform, "--", color="tab:orange",
            label="uniform errors, unit variance: √3 (m − 1)/(m + 1)")
    ax.plot(ms, bound, "-", color="black", lw=2,
            label="Theorem 1 lower bound √(C/(m − 1)), C = 1")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("number of actions m")
    ax.set_ylabel("max_a Q(s, a) − V*(s)")
    ax.set_xlim(ms[0] * 0.9, ms[-1] * 1.1)
    ax.set_ylim(0.0, max(gauss.max(), mc_mean.max()) * 1.08)
    ax.legend(fontsize=7.5, loc="upper left")
    fig.tight_layout()
    data = {
        "m": ms, "C": C, "n_draws_per_m": n,
        "theorem1_bound": bound,
        "expected_max_normal": gauss,
        "monte_carlo_mean": mc_mean,
        "monte_carlo_se": mc_se,
        "max_abs_z_mc_vs_quadrature": float(np.max(np.abs(mc_mean - gauss) / mc_se)),
        "min_projected_max": min_projected,
        "min_projected_minus_bound": float(np.min(min_projected - bound)),
        "expected_max_uniform_unit_variance": uniform,
    }
    return fig, data
