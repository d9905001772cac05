"""Goodfellow et al. (2014), Figure 1, in the spirit of the original: the discriminator
approaching D* = p_data / (p_data + p_g) while the generator moves, on a discretized line.

Computed with the categorical solvers of ``solvers.tabular.gan`` (the discriminator by its own
gradient ascent or Newton iterations); the closed-form D* from ``theory.gan`` is drawn beside
it, so the figure shows both the learned and the predicted curve.  The generator step (lr = 40)
is chosen to move visibly in a few hundred steps on 81 atoms; it is far above the lr <= 1/4 for
which monotone JSD decrease is proved, which this figure does not claim (the claim
``goodfellow2014/thm1-global-minimum`` checks that, at lr = 1/4).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

from experiments.figures import figure
from experiments.figure_style import new_figure
from solvers.tabular import gan as tabular_gan
from theory.gan import optimal_discriminator

GRID = np.linspace(-4.0, 4.0, 81)


def _discretized_normal(mean: float, std: float) -> np.ndarray:
    w = norm.pdf(GRID, mean, std)
    return w / w.sum()


@figure("goodfellow2014_fig1", title="Discriminator approaching D* while the generator moves "
        "(cf. Goodfellow et al. 2014, Fig. 1)", claims=("goodfellow2014/prop1-optimal-discriminator",))
def build(*, seed: int = 0, fast: bool = True):
    # The construction is deterministic: `seed` is recorded for uniformity, nothing is sampled.
    p_data = _discretized_normal(1.0, 0.6)
    q0 = _discretized_normal(-0.8, 1.3)
    theta0 = np.log(q0)
    partial = tabular_gan.train_discriminator(p_data, q0, lr=40.0, n_steps=5, record_every=5)
    n_gen = 400 if fast else 2000
    run = tabular_gan.train_generator_optimal_d(p_data, theta0, lr=40.0, n_steps=n_gen)
    mid = n_gen // 40
    panels = [
        ("(a) D after 5 ascent steps", q0, partial.d[-1]),
        ("(b) D maximized: D = D*", run.q[0], 1 / (1 + np.exp(-run.psi[0]))),
        (f"(c) after {mid} generator steps", run.q[mid], 1 / (1 + np.exp(-run.psi[mid]))),
        (f"(d) after {n_gen} steps: p_g ≈ p_data, D ≈ 1/2 in the bulk", run.q[-1], 1 / (1 + np.exp(-run.psi[-1]))),
    ]
    fig, axes = new_figure(1, 4, figsize=(13, 3.2), sharey=True)
    scale = 1.0 / p_data.max()
    data = {"grid": GRID, "p_data": p_data, "panels": []}
    for ax, (title, q, d) in zip(axes, panels):
        d_star = optimal_discriminator(p_data, q)
        ax.plot(GRID, p_data * scale, ":", color="black", label="p_data (scaled)")
        ax.plot(GRID, q * scale, "-", color="tab:green", label="p_g (scaled)")
        # D is only determined where some mass sits (Prop. 1); hide it where p + q < 1e-6.
        shown = (p_data + q) > 1e-6
        ax.plot(GRID, np.where(shown, d_star, np.nan), "-", color="tab:gray", lw=3, alpha=0.35,
                label="D* (closed form)")
        ax.plot(GRID, np.where(shown, d, np.nan), "--", color="tab:blue", label="D (learned)")
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("x")
        ax.set_ylim(-0.05, 1.35)
        data["panels"].append({"title": title, "q": q, "d": d,
                               "max_abs_d_minus_d_star_where_mass": float(np.abs(d - d_star)[shown].max())})
    axes[0].legend(loc="upper left", fontsize=7)
    fig.tight_layout()
    return fig, data
