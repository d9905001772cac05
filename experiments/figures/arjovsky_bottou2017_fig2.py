"""Arjovsky & Bottou (2017), Figure 2, on a toy: the generator's gradient vanishes as the
discriminator trains.

Their experiment fixes a generator, trains a discriminator from scratch and plots the norm of
the gradient of the original cost E_z[log(1 - D(g_θ(z)))] on a log scale.  Here the data are
U[2, 3], the generator g_θ(z) = θ + z with z ~ U[0, 1] at three offsets θ (all with supports
disjoint from the data), and the discriminator is logistic, D(x) = σ(w x + b), trained by Adam
with :func:`solvers.neural.gan.train_discriminator` (an MLP with no hidden layer).  For a
logistic D the gradient is exact (:func:`theory.gan_training_theory.logistic_generator_gradients`),
and so is the Theorem 2.4 bound ε/(1 - ε) drawn beside it (M = 1).  The -log D cost's gradient
(Section 2.2.2) is drawn for contrast: it does not vanish.
"""

from __future__ import annotations

import numpy as np

from experiments.figures import figure
from experiments.figure_style import new_figure
from solvers.neural.gan import GANConfig, train_discriminator
from theory.gan_training_theory import logistic_generator_gradients

DATA_LO = 2.0
#: Generator offsets: supports [θ, θ + 1] at distance 2, 1 and 0.5 from the data.
THETAS = (-1.0, 0.0, 0.5)
#: Adam step of the discriminator (a fast learner, as in their experiment D trains to near-perfection).
LR_D = 0.5
COLORS = ("tab:blue", "tab:orange", "tab:green")


def _trajectory(theta: float, seed: int, n_steps: int) -> tuple[np.ndarray, np.ndarray]:
    w, b = [], []

    def record(step, params, _loss):
        w.append(float(params[0]["W"][0, 0]))
        b.append(float(params[0]["b"][0]))

    config = GANConfig(hidden=(), lr_d=LR_D, batch_size=64)
    run = train_discriminator(lambda n, rng: DATA_LO + rng.random(n), lambda n, rng: theta + rng.random(n),
                              config, n_steps, np.random.SeedSequence([seed, 2, int(round(theta * 10)) + 100]),
                              callback=record)
    if run.interrupted:
        raise KeyboardInterrupt
    return np.array(w), np.array(b)


@figure("arjovsky_bottou2017_fig2",
        title="The saturating generator gradient vanishes as D trains (cf. Arjovsky & Bottou 2017, Fig. 2)",
        claims=("arjovsky-bottou2017/thm2.4-vanishing-gradient-bound",))
def build(*, seed: int = 0, fast: bool = True):
    n_steps = 600 if fast else 20000
    fig, axes = new_figure(1, 2, figsize=(11, 3.8))
    data = {"data_support": [DATA_LO, DATA_LO + 1.0], "n_steps": n_steps, "runs": []}
    steps = np.arange(1, n_steps + 1)
    # ~200 log-spaced steps are drawn (the curves are smooth on the log axis)
    shown = np.unique(np.geomspace(1, n_steps, 200).astype(int)) - 1
    for theta, color in zip(THETAS, COLORS):
        w, b = _trajectory(theta, seed, n_steps)
        g = logistic_generator_gradients(theta, w=w, b=b)
        sat, nonsat, bound = np.abs(g.saturating), np.abs(g.non_saturating), np.asarray(g.bound)
        axes[0].loglog(steps[shown], sat[shown], color=color, label=f"θ = {theta:g}: |∇ E log(1 - D)|")
        # the bound is +inf while ε >= 1 (D not yet close to a perfect discriminator)
        axes[0].loglog(steps[shown], np.where(np.isfinite(bound), bound, np.nan)[shown], ":",
                       color=color, lw=1)
        axes[1].semilogx(steps[shown], nonsat[shown], color=color, label=f"θ = {theta:g}")
        data["runs"].append({"theta": theta, "w_final": float(w[-1]), "b_final": float(b[-1]),
                             "abs_saturating_start": float(sat[0]), "abs_saturating_end": float(sat[-1]),
                             "bound_end": float(bound[-1]), "abs_non_saturating_end": float(nonsat[-1]),
                             "max_ratio_to_bound": float(np.max(sat / bound))})
    axes[0].set_xlabel("discriminator training step")
    axes[0].set_ylabel("generator gradient norm")
    axes[0].set_title("original cost: vanishes (dotted: Thm 2.4 bound ε/(1-ε))", fontsize=9)
    axes[0].legend(fontsize=7)
    axes[1].set_xlabel("discriminator training step")
    axes[1].set_ylabel("|∇ E[-log D]|")
    axes[1].set_title("-log D cost: grows with the discriminator's slope", fontsize=9)
    axes[1].legend(fontsize=7)
    fig.tight_layout()
    return fig, data
