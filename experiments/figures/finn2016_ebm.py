"""Finn et al. (2016), Section 4: an energy-based model trained as a GAN whose generator has an
evaluable density.  The learned density exp(−E_θ)/Z (Z by quadrature of exp(−E_θ), not the
discriminator's log Z) against the true one, with the sampler's density beside them.

Top row (always): the 1-D bimodal target — densities, then log-densities on the data's
support.  Bottom row (``fast=False``): the 2-D banana — contours of the true density, the
learned density and the sampler's density.  The runs are those of the claims
``finn2016-neural/ebm-1d`` and ``finn2016-neural/ebm-2d`` (same seeds, shared cache).
"""

from __future__ import annotations

import numpy as np

from experiments.claims import finn2016_neural as claims
from experiments.figures import figure
from experiments.figure_style import new_figure

#: Plot window of the banana (it holds all but ~1e-3 of the mass; the density's own box is
#: much taller because of the arms' far tails).
BANANA_WINDOW = np.array([[-3.5, 3.5], [-2.5, 5.5]])


def _learned_log_density(result, points):
    log_z, _ = claims.learned_log_partition(result)
    return -result.energy(points) - log_z, log_z


@figure("finn2016_ebm", title="Energy-based model trained through the Finn discriminator: learned vs true "
        "density (cf. Finn et al. 2016, Section 4)", claims=(claims.EBM_1D, claims.EBM_2D))
def build(*, seed: int = 0, fast: bool = True):
    rows = 1 if fast else 2
    fig, axes = new_figure(rows, 3 if not fast else 2, figsize=(12 if not fast else 9, 3.6 * rows), squeeze=False)
    data = {}

    # ---- 1-D ------------------------------------------------------------------------------
    density, result = claims.trained_ebm(seed, "1d")
    grid = density.grid(claims.DATA_NODES_1D)
    x = grid.points[:, 0]
    log_p = density.log_pdf(grid.points)
    log_model, log_z_quad = _learned_log_density(result, grid.points)
    log_q = result.log_q(grid.points)
    support = density.hdr_mask(grid, claims.SUPPORT_MASS)
    ax = axes[0][0]
    ax.plot(x, np.exp(log_p), color="black", lw=2, label="true p(x)")
    ax.plot(x, np.exp(log_model), "--", color="tab:blue", lw=2, label="learned exp(−E)/Z")
    ax.plot(x, np.exp(log_q), ":", color="tab:green", lw=1.5, label="sampler q(x)")
    ax.set_xlim(-4.5, 4.5)
    ax.set_xlabel("x")
    ax.set_title("1-D bimodal: densities", fontsize=9)
    ax.legend(fontsize=7, loc="upper left")
    ax = axes[0][1]
    shown = np.where(support, 1.0, np.nan)
    ax.plot(x, log_p * shown, color="black", lw=2, label="log p")
    ax.plot(x, log_model * shown, "--", color="tab:blue", lw=2, label="−E − log Z_quad")
    ax.plot(x, (-result.energy(grid.points) - result.learned_log_z) * shown, ":", color="tab:red",
            label="−E − log Z (discriminator)")
    ax.set_xlabel("x")
    ax.set_title("log-densities on the 99%-mass support", fontsize=9)
    ax.legend(fontsize=7, loc="lower center")
    metrics = claims.ebm_metrics(density, result)
    data["1d"] = {"x": x[::10], "p": np.exp(log_p[::10]), "learned": np.exp(log_model[::10]),
                  "q": np.exp(log_q[::10]), "log_z_quadrature": log_z_quad,
                  "log_z_learned": result.learned_log_z, "metrics": metrics}
    if fast:
        axes[0][1].text(0.02, 0.97, f"corr {metrics['energy_correlation']:.3f}, "
                        f"log Z error {metrics['log_z_error']:+.3f}", transform=axes[0][1].transAxes, fontsize=7,
                        va="top")
        fig.tight_layout()
        return fig, data
    axes[0][2].axis("off")
    axes[0][2].text(0.0, 0.5, "\n".join(f"{k}: {v:.4g}" for k, v in metrics.items()), fontsize=7,
                    va="center", family="monospace")

    # ---- 2-D ------------------------------------------------------------------------------
    density2, result2 = claims.trained_ebm(seed, "2d")
    from solvers.problems.ebm_densities import quadrature_grid

    window = quadrature_grid(BANANA_WINDOW, 161)
    gx, gy = window.axes
    shape = window.shape
    log_p2 = density2.log_pdf(window.points)
    log_model2, _ = _learned_log_density(result2, window.points)
    log_q2 = result2.log_q(window.points)
    levels = np.exp(np.max(log_p2)) * np.array([0.01, 0.05, 0.2, 0.5, 0.8])
    for ax, values, title in zip(axes[1], (log_p2, log_model2, log_q2),
                                 ("true p (banana)", "learned exp(−E)/Z_quad", "sampler q")):
        ax.contourf(gx, gy, np.exp(values).reshape(shape).T, levels=20, cmap="viridis")
        ax.contour(gx, gy, np.exp(log_p2).reshape(shape).T, levels=levels, colors="white", linewidths=0.6)
        ax.set_title(title + " (white: true p)", fontsize=9)
        ax.set_xlabel("x₁")
        ax.set_ylabel("x₂")
        ax.grid(False)
    data["2d"] = {"metrics": claims.ebm_metrics(density2, result2), "window": BANANA_WINDOW}
    fig.tight_layout()
    return fig, data
