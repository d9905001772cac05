"""BEGAN's k_t controller and convergence measure M_global (Berthelot, Schumm & Metz 2017,
Sections 3.4 and 3.4.1; their Figure 3 plots M_global over training).

(a) The controller on the toy L(x) = const, L(G(z)) = a + b k: k_t from
:func:`theory.gan_training_theory.began_controller_simulate` for three gains λ_k b (monotone,
oscillating, unstable), with the fixed point k* = clip((γ L(x) - a)/b, 0, 1).
(b) M_global - L(x) along the same runs against the predicted decay b |1 - λ_k b|^t |k_0 - k*|.
(c) A neural BEGAN (:func:`solvers.neural.ebgan.train_began`, 2x32 tanh, γ = 0.5, λ_k = 0.001) on a
1-D two-mode mixture: k_t and M_global per step.
"""

from __future__ import annotations

import numpy as np

from experiments.figures import figure
from experiments.figure_style import new_figure
from solvers.neural.ebgan import AutoencoderGANConfig, train_began
from solvers.problems.mixtures import mixture_1d
from theory.gan_training_theory import (
    began_controller_fixed_point,
    began_controller_simulate,
    began_m_global,
)

#: The toy: γ = 0.7, L(x) = 0.4, L(G(z)) = 0.1 + 0.3 k, so k* = 0.6; gains λ_k b = 0.3, 1.5, 2.2
#: (rates 0.7, -0.5, -1.2).
GAMMA, L_REAL, A, B = 0.7, 0.4, 0.1, 0.3
GAINS = (0.3, 1.5, 2.2)
COLORS = ("tab:blue", "tab:orange", "tab:red")
K0 = 0.05


@figure("berthelot2017_controller",
        title="BEGAN's k_t controller and M_global (cf. Berthelot et al. 2017, Sections 3.4-3.4.1)",
        claims=("berthelot2017/controller-fixed-point-and-rate", "berthelot2017/m-global-convergence-measure"))
def build(*, seed: int = 0, fast: bool = True):
    fig, axes = new_figure(1, 3, figsize=(14, 3.8))
    k_star = began_controller_fixed_point(gamma=GAMMA, l_real=L_REAL, a=A, b=B)
    n = 40
    t = np.arange(n + 1)
    data = {"toy": {"gamma": GAMMA, "l_real": L_REAL, "a": A, "b": B, "k_star": k_star, "k0": K0},
            "runs": []}
    for gain, color in zip(GAINS, COLORS):
        lr_k = gain / B
        k = began_controller_simulate(K0, gamma=GAMMA, l_real=L_REAL, a=A, b=B, lr_k=lr_k, n_steps=n)
        excess = np.asarray(began_m_global(np.full(k.size, L_REAL), A + B * k, gamma=GAMMA)) - L_REAL
        predicted = B * np.abs(1.0 - gain) ** t * abs(K0 - k_star)
        axes[0].plot(t, k, "-o", ms=2.5, color=color, label=f"λ_k b = {gain:g}")
        axes[1].semilogy(t, np.maximum(excess, 1e-17), "o", ms=3, color=color, label=f"λ_k b = {gain:g}")
        # the linearization holds until the clip: |k - k*| <= 1, so M_global - L(x) <= b
        axes[1].semilogy(t, np.where((predicted > 0) & (predicted <= B), predicted, np.nan), "-",
                         color=color, lw=1, alpha=0.6)
        data["runs"].append({"gain": gain, "k": k, "m_global_minus_l_real": excess})
    axes[0].axhline(k_star, color="black", ls=":", lw=1, label="k* (closed form)")
    axes[0].set_xlabel("controller step t")
    axes[0].set_ylabel("k_t")
    axes[0].set_ylim(-0.05, 1.05)
    axes[0].set_title("(a) k_t on the toy L(G(z)) = a + b k", fontsize=9)
    axes[0].legend(fontsize=7)
    axes[1].set_xlabel("controller step t")
    axes[1].set_ylabel("M_global - L(x)")
    axes[1].set_ylim(1e-16, 10.0)
    axes[1].set_title("(b) M_global - L(x): dots simulated, lines b|1 - λ_k b|^t |k_0 - k*|", fontsize=9)
    axes[1].legend(fontsize=7)

    n_steps = 250 if fast else 5000
    config = AutoencoderGANConfig(hidden=(32, 32), gamma=0.5, lr_k=0.001, batch_size=128)
    run = train_began(mixture_1d([-2.0, 2.0], 0.3), config, n_steps, np.random.SeedSequence([seed, 3]))
    if run.interrupted:
        raise KeyboardInterrupt
    steps = np.arange(1, run.m_global.size + 1)
    axes[2].semilogy(steps, run.m_global, color="tab:purple", lw=0.8, label="M_global")
    twin = axes[2].twinx()
    twin.plot(np.arange(run.k.size), run.k, color="tab:green", lw=1.2, label="k_t")
    twin.set_ylabel("k_t", color="tab:green")
    axes[2].set_xlabel("BEGAN training step")
    axes[2].set_ylabel("M_global", color="tab:purple")
    axes[2].set_title("(c) neural BEGAN, 1-D two-mode mixture (γ = 0.5, λ_k = 0.001)", fontsize=9)
    data["neural"] = {"n_steps": int(run.n_steps), "k_final": float(run.k[-1]),
                      "m_global_first_50": float(run.m_global[:50].mean()),
                      "m_global_last_50": float(run.m_global[-50:].mean()),
                      "config": config.to_dict()}
    fig.tight_layout()
    return fig, data
