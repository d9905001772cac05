"""Nowozin, Cseke & Tomioka (2016), Section 2.2: the variational lower bound
E_P[T] - E_Q[f*(T)] against the f-divergence, per family of their Table 1.

P = N(0, 1) and Q = N(1, 1.3²) on a grid of 200 points (normalised masses).  For each family the
bound is drawn along the path of critics T_α(x) = f'(u(x)^α), u = p/q: α = 0 is the constant
critic f'(1) (bound f(1)), α = 1 is T* = f'(u), where the bound touches D_f
(:func:`theory.gan_objectives.fgan_lower_bound`, :func:`theory.gan_objectives.fgan_divergence`);
the dot is the maximum found by the critic solver
:func:`solvers.tabular.fgan_critics.fgan_critic`, which never sees f'.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

from experiments.figures import figure
from experiments.figure_style import new_figure
from solvers.tabular.fgan_critics import fgan_critic
from theory.gan_objectives import FGAN_FAMILIES, fgan_divergence, fgan_lower_bound

ALPHAS = np.linspace(-0.5, 2.0, 101)


@figure("nowozin2016_bounds",
        title="f-GAN variational bounds along a path of critics, per family (cf. Nowozin et al. 2016, Sec. 2.2)",
        claims=tuple(f"nowozin2016/bound-tight-{name.replace('_', '-')}" for name in FGAN_FAMILIES))
def build(*, seed: int = 0, fast: bool = True):
    # Deterministic: `seed` is recorded for uniformity, nothing is sampled.
    grid = np.linspace(-6.0, 7.0, 200)
    p = norm.pdf(grid, 0.0, 1.0)
    q = norm.pdf(grid, 1.0, 1.3)
    p, q = p / p.sum(), q / q.sum()
    u = p / q
    fig, axes = new_figure(2, 4, figsize=(14, 6.2))
    data = {"grid": [float(grid[0]), float(grid[-1]), grid.size], "alphas": ALPHAS, "families": {}}
    for ax, name in zip(axes.ravel(), FGAN_FAMILIES):
        fam = FGAN_FAMILIES[name]
        critics = fam.f_prime(u[None, :] ** ALPHAS[:, None])
        bounds = np.asarray(fgan_lower_bound(p, q, critics, name))
        d_f = float(fgan_divergence(p, q, name))
        best = fgan_critic(p, q, family=name, tol=1e-12).value
        ax.plot(ALPHAS, bounds, color="tab:blue", label="E_P[T_α] - E_Q[f*(T_α)]")
        ax.axhline(d_f, color="black", ls=":", lw=1, label="D_f(P || Q)")
        ax.plot([1.0], [best], "o", color="tab:red", ms=5, label="solver's maximum")
        finite = bounds[np.isfinite(bounds)]
        lo = max(float(finite.min()), d_f - 3.0 * (abs(d_f - float(fam.f(1.0))) + 1e-3))
        ax.set_ylim(lo, d_f + 0.25 * (d_f - lo))
        ax.set_title(name.replace("_", " "), fontsize=9)
        ax.set_xlabel("α  (T_α = f'(u^α); α = 1: T*)", fontsize=8)
        data["families"][name] = {"divergence": d_f, "solver_maximum": best,
                                  "bound_at_alpha_1": float(bounds[np.argmin(np.abs(ALPHAS - 1.0))]),
                                  "max_bound_on_path": float(finite.max())}
    axes[0, 0].legend(fontsize=7, loc="lower center")
    axes[-1, -1].axis("off")
    axes[-1, -1].text(0.0, 0.5, "P = N(0, 1), Q = N(1, 1.3²)\non 200 grid points.\n"
                      "Every curve peaks at α = 1,\nwhere the bound equals D_f\n(T* = f'(p/q)).",
                      fontsize=9, va="center")
    fig.tight_layout()
    return fig, data
