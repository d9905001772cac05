"""Arjovsky, Chintala & Bottou (2017), Figure 2: optimal discriminator and critic when learning
to tell two Gaussians apart.  The minimax GAN's discriminator saturates (its gradient vanishes
where the generator's samples are); the WGAN critic stays linear and its gradient does not.

Both networks (2x32 tanh MLPs) are trained on the population objectives of P_r = N(2, 0.5²)
and P_g = N(-2, 0.5²) (trapezoid weights on a grid) with L-BFGS by
:func:`solvers.neural.gan_objectives.train_critic`: the GAN discriminator as the f-GAN "gan"
family (T = log D, Nowozin et al. 2016, Table 2), the WGAN critic with every weight clipped to
[-0.01, 0.01] (their Algorithm 1).  Drawn beside them: D* = p_r/(p_r + p_g)
(:func:`theory.gan.optimal_discriminator`) and the exact Kantorovich-Rubinstein critic of the
gridded pair (the LP of :func:`solvers.tabular.wgan_critics.wgan_critic`), rescaled to the
clipped critic's slope.
"""

from __future__ import annotations

import numpy as np
from scipy.special import log_expit
from scipy.stats import norm

from experiments.figures import figure
from experiments.figure_style import new_figure
from solvers.neural.gan_objectives import ObjectiveGANConfig, WeightedPoints, gradient_norm, train_critic
from solvers.tabular.wgan_critics import wgan_critic
from theory.gan import optimal_discriminator

MU_R, MU_G, STD = 2.0, -2.0, 0.5
#: Gradients below this are drawn at it (panel b).
FLOOR = 1e-20


@figure("arjovsky2017_fig2",
        title="GAN discriminator saturates, WGAN critic stays linear (cf. Arjovsky et al. 2017, Fig. 2)",
        claims=("arjovsky2017/kr-critic-attains-w1", "arjovsky2017/clipped-linear-critic-measures-means"))
def build(*, seed: int = 0, fast: bool = True):
    n_grid, n_steps, hidden = (41, 100, (32, 32)) if fast else (201, 1000, (64, 64))
    grid = np.linspace(-5.0, 5.0, n_grid)
    p_r, p_g = norm.pdf(grid, MU_R, STD), norm.pdf(grid, MU_G, STD)
    real, fake = WeightedPoints.from_density(grid, p_r), WeightedPoints.from_density(grid, p_g)
    ss = np.random.SeedSequence([seed, 2])
    gan = train_critic(real, fake, ObjectiveGANConfig(objective="fgan", family="gan", hidden=hidden),
                       n_steps, ss.spawn(1)[0], solver="lbfgs")
    wgan = train_critic(real, fake, ObjectiveGANConfig(objective="wgan_clip", clip=0.01, hidden=hidden),
                        n_steps, ss.spawn(2)[1], solver="lbfgs")
    fine = np.linspace(-5.0, 5.0, 401)
    d = np.exp(gan.critic(fine))                       # T = log D = log sigmoid(V)
    f = wgan.critic(fine)                              # f = V
    # |dD/dx| = D (1 - D) |V'(x)| with D = sigmoid(V), in logs (no cancellation near 0 or 1)
    v = gan.raw(fine)
    d_grad = np.exp(log_expit(v) + log_expit(-v)) * np.asarray(
        gradient_norm(gan.params, fine[:, None], activation=gan.config.activation))
    f_grad = np.asarray(gradient_norm(wgan.params, fine[:, None], activation=wgan.config.activation))
    kr = wgan_critic(real.weights, fake.weights, grid)
    slope = float(np.polyfit(fine, f, 1)[0])
    mass = (real.weights + fake.weights) > 1e-4 * (real.weights + fake.weights).max()

    fig, axes = new_figure(1, 2, figsize=(12, 4))
    ax = axes[0]
    scale = 1.0 / p_r.max()
    ax.fill_between(grid, p_r * scale, color="tab:blue", alpha=0.15, label="P_r density (scaled)")
    ax.fill_between(grid, p_g * scale, color="tab:green", alpha=0.15, label="P_g density (scaled)")
    ax.plot(fine, d, color="tab:red", label="GAN discriminator D (2x32 MLP)")
    ax.plot(fine, optimal_discriminator(norm.pdf(fine, MU_R, STD), norm.pdf(fine, MU_G, STD)), ":",
            color="black", lw=1, label="D* = p_r/(p_r + p_g)")
    ax.set_ylim(-0.05, 1.1)
    ax.set_xlabel("x")
    ax.set_ylabel("D(x)")
    twin = ax.twinx()
    twin.plot(fine, f - f.mean(), color="tab:cyan", lw=2, label="WGAN critic, clipped (2x32 MLP)")
    twin.plot(grid[mass], slope * (kr.f[mass] - kr.f[mass].mean() + 0.0), "o", ms=2.5, color="tab:purple",
              label="exact KR critic x clipped slope (LP)")
    twin.set_ylabel("critic f(x) - mean")
    lines = ax.get_legend_handles_labels()
    lines2 = twin.get_legend_handles_labels()
    ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], fontsize=7, loc="upper left")
    ax.set_title("(a) the discriminator saturates; the critic is linear", fontsize=9)

    ax = axes[1]
    ax.semilogy(fine, np.maximum(d_grad, FLOOR), color="tab:red", label=f"|dD/dx| (GAN; < {FLOOR:g} drawn at it)")
    ax.semilogy(fine, f_grad / slope, color="tab:cyan", label="|df/dx| / slope (WGAN)")
    ax.axvspan(MU_G - 2 * STD, MU_G + 2 * STD, color="tab:green", alpha=0.1, label="P_g's bulk")
    ax.set_xlabel("x")
    ax.set_ylabel("input gradient (log scale)")
    ax.set_ylim(FLOOR / 3, 30.0)
    ax.legend(fontsize=7)
    ax.set_title("(b) gradients the generator would receive", fontsize=9)
    fig.tight_layout()
    bulk = np.abs(fine - MU_G) <= 2 * STD
    return fig, {
        "p_r": {"mean": MU_R, "std": STD}, "p_g": {"mean": MU_G, "std": STD},
        "n_grid": n_grid, "n_lbfgs_steps": n_steps, "hidden": list(hidden),
        "gan_max_abs_grad_on_pg_bulk": float(d_grad[bulk].max()),
        "wgan_min_abs_grad_on_pg_bulk_over_slope": float((f_grad[bulk] / slope).min()),
        "wgan_clipped_slope": slope, "kr_value": kr.value,
        "gan_converged": bool(gan.converged), "wgan_converged": bool(wgan.converged),
    }
