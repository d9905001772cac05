"""Claims from Berthelot, Schumm & Metz (2017), "BEGAN: Boundary Equilibrium Generative
Adversarial Networks" (arXiv:1703.10717).

The controller is checked on a toy where the autoencoder losses are known functions of k:
L(x) fixed and L(G(z)) = a + b k (b > 0: a larger k makes the discriminator push the loss on
generated samples up).  The simulation (:func:`theory.gan_training_theory.began_controller_simulate`,
the printed update iterated) is compared with the fixed point and the linearised rate derived
in closed form (:func:`theory.gan_training_theory.began_controller_fixed_point`,
:func:`theory.gan_training_theory.began_controller_rate`).  The neural BEGAN of
:mod:`solvers.neural.ebgan` is checked at the full tier.
"""

from __future__ import annotations

import numpy as np

from experiments.claims.support import derived_claim
from experiments.registry import Context, Evidence, claim
from theory.gan_training_theory import (
    began_controller_fixed_point,
    began_controller_rate,
    began_controller_simulate,
    began_m_global,
)

CONTROLLER = "berthelot2017/controller-fixed-point-and-rate"
M_GLOBAL = "berthelot2017/m-global-convergence-measure"
#: Both claims simulate the k_t controller on the toy and are drawn in its figure: that chain,
#: written once.
CONTROLLER_CHAIN = {"figures": ("berthelot2017_controller",),
                    "solver": "theory.gan_training_theory.began_controller_simulate"}

#: Interior toys (gamma, L(x), a, b, lambda_k): monotone (lambda_k b < 1), oscillating
#: (1 < lambda_k b < 2) and the paper's gain lambda_k = 0.001.
INTERIOR = ((0.5, 0.2, 0.05, 0.1, 5.0),
            (0.7, 0.4, 0.1, 0.3, 5.0),
            (0.3, 1.0, 0.1, 0.4, 0.5),
            (0.5, 0.2, 0.05, 0.1, 0.001))
#: Boundary toys: the interior solution (gamma L(x) - a)/b is below 0 or above 1.
BOUNDARY = ((0.5, 0.2, 0.3, 0.1, 2.0), (0.9, 1.0, 0.05, 0.2, 2.0))
#: Steps: enough for |1 - lambda_k b|^n |k_0 - k*| to fall below 1e-14 at the slowest toy
#: (rate 0.9999: 4e5 steps), a Python loop of ~0.2 s.
N_STEPS = 400_000
#: The iteration is an affine map rounded in float64: each step adds <= ~2 ulps of O(1)
#: numbers, and the rounding errors contract at the same rate, so the limit is reached to
#: ~1e-15 / (1 - rate) <= 1e-11 at rate 0.9999; the fitted ratio uses |k_t - k*| > 1e-6.
FIXED_POINT_ATOL = 1e-10
RATE_WINDOW = 1e-6


def _measured_rate(k: np.ndarray, k_star: float) -> float:
    """The per-step factor (k_{t+1} - k*)/(k_t - k*), averaged (geometric mean, sign kept) over
    the steps where |k_t - k*| > RATE_WINDOW (so rounding of the differences stays < 1e-9)."""
    e = k - k_star
    keep = np.abs(e[:-1]) > RATE_WINDOW
    ratios = e[1:][keep] / e[:-1][keep]
    sign = np.sign(np.median(ratios))
    return float(sign * np.exp(np.mean(np.log(np.abs(ratios)))))


@derived_claim(
    CONTROLLER,
    statement="The proportional controller k_{t+1} = clip(k_t + lambda_k (gamma L(x) - L(G(z))), 0, 1) "
    "steers toward the equilibrium E[L(G(z))] = gamma E[L(x)]: with L(x) fixed and "
    "L(G(z)) = a + b k_t (b > 0) it settles at k* = clip((gamma L(x) - a)/b, 0, 1), where the "
    "equilibrium holds whenever k* is interior, converging at the linearized rate 1 - lambda_k b "
    "(oscillating for 1 < lambda_k b < 2, unstable for lambda_k b > 2).",
    source="Berthelot, Schumm & Metz (2017), Section 3.3 (the equilibrium and gamma) and "
    "Section 3.4 (the k_t update, k_t in [0, 1], lambda_k = 0.001); the toy, fixed point and rate "
    "derived here",
    derivation="berthelot2017/controller-fixed-point-and-rate",
    closed_form="theory.gan_training_theory.began_controller_fixed_point",
    **CONTROLLER_CHAIN,
)
def controller(ctx: Context):
    rng = ctx.rng(0)
    finals, fixed, balances, rates_m, rates_p = [], [], [], [], []
    for gamma, l_real, a, b, lr_k in INTERIOR + BOUNDARY:
        k0 = float(rng.uniform(0.0, 1.0))
        k = began_controller_simulate(k0, gamma=gamma, l_real=l_real, a=a, b=b, lr_k=lr_k, n_steps=N_STEPS)
        k_star = began_controller_fixed_point(gamma=gamma, l_real=l_real, a=a, b=b)
        finals.append(k[-1])
        fixed.append(k_star)
        if 0.0 < k_star < 1.0:
            balances.append(gamma * l_real - (a + b * k[-1]))
            if abs(k0 - k_star) > 10 * RATE_WINDOW:
                rates_m.append(_measured_rate(k, k_star))
                rates_p.append(began_controller_rate(lr_k=lr_k, b=b))
    parts = {
        "exact-fixed-point": Evidence.close(
            fixed, finals, atol=FIXED_POINT_ATOL,
            reason=f"k after {N_STEPS} controller steps vs clip((gamma L(x) - a)/b, 0, 1): the error "
            "contracts below 1e-14 and float rounding leaves <= ~1e-15/(1 - rate) <= 1e-11",
            details={"toys (gamma, L(x), a, b, lambda_k)": INTERIOR + BOUNDARY}),
        "exact-equilibrium-at-interior-k": Evidence.close(
            0.0, balances, atol=FIXED_POINT_ATOL,
            reason="gamma L(x) - L(G(z)) at the settled k (interior toys): the equilibrium "
            "E[L(G(z))] = gamma E[L(x)] holds to the fixed point's accuracy (b <= 0.4)"),
        "exact-linear-rate": Evidence.close(
            rates_p, rates_m, atol=1e-9,
            reason="geometric mean of (k_{t+1} - k*)/(k_t - k*) over the steps with |k_t - k*| > 1e-6 "
            "vs 1 - lambda_k b (the toy is affine, so every ratio equals it up to rounding "
            "2e-16/1e-6)",
            details={"rates": rates_p}),
    }
    # Unstable gain: lambda_k b = 2.5 > 2 with an interior k*: the error grows until the clip.
    gamma, l_real, a, b, lr_k = 0.5, 0.2, 0.05, 0.1, 25.0
    k_star = began_controller_fixed_point(gamma=gamma, l_real=l_real, a=a, b=b)
    k = began_controller_simulate(k_star + 1e-3, gamma=gamma, l_real=l_real, a=a, b=b, lr_k=lr_k, n_steps=200)
    parts["exact-unstable-gain"] = Evidence.bound(
        float(np.min(np.abs(k[-20:] - k_star))), 0.1, relation=">=",
        reason="lambda_k b = 2.5: |1 - lambda_k b| = 1.5 > 1, so a 1e-3 offset from k* grows "
        "1.5-fold per step until the clip at 0 or 1; after 200 steps k stays >= 0.1 away from k*",
        details={"k_last": k[-6:], "k_star": k_star})
    return parts


@claim(
    M_GLOBAL,
    statement="The convergence measure M_global = L(x) + |gamma L(x) - L(G(z_G))| is at least L(x), "
    "with equality exactly at the equilibrium L(G(z)) = gamma L(x); along the controller on the "
    "toy L(G(z)) = a + b k_t it decays to L(x) as b |k_t - k*| = b |1 - lambda_k b|^t |k_0 - k*|.",
    source="Berthelot, Schumm & Metz (2017), Section 3.4.1 (M_global); the decay on the toy "
    "derived here",
    kinds=("exact",),
    closed_form="theory.gan_training_theory.began_m_global",
    **CONTROLLER_CHAIN,
)
def m_global(ctx: Context):
    rng = ctx.rng(1)
    # as printed, on random losses: M_global - L(x) = |gamma L(x) - L(G)| >= 0, zero iff balanced
    gamma = float(rng.uniform(0.1, 1.0))
    l_real = rng.uniform(0.0, 2.0, 1000)
    l_fake = rng.uniform(0.0, 2.0, 1000)
    l_fake[:100] = gamma * l_real[:100]                     # balanced cases
    m = np.asarray(began_m_global(l_real, l_fake, gamma=gamma))
    parts = {
        "exact-definition": Evidence.close(
            l_real + np.abs(gamma * l_real - l_fake), m, atol=1e-15,
            reason="the printed definition evaluated directly vs theory.began_m_global: float64"),
        "exact-minimum-at-equilibrium": Evidence.close(
            l_real[:100], m[:100], atol=0.0,
            reason="at L(G(z)) = gamma L(x) the measure equals L(x) exactly"),
        "exact-above-elsewhere": Evidence.bound(
            float(np.min(m[100:] - l_real[100:])), 1e-9, relation=">=",
            reason="off the equilibrium M_global > L(x): on 900 random unbalanced pairs the excess "
            "exceeds 1e-9 (P(some |gamma L(x) - L(G)| < 1e-9) < 1e-6 for these uniform draws)"),
    }
    # along the controller: an interior, oscillating toy
    gamma, l_real0, a, b, lr_k = 0.7, 0.4, 0.1, 0.3, 5.0
    k0 = float(rng.uniform(0.0, 1.0))
    k = began_controller_simulate(k0, gamma=gamma, l_real=l_real0, a=a, b=b, lr_k=lr_k, n_steps=60)
    measured = np.asarray(began_m_global(np.full(k.size, l_real0), a + b * k, gamma=gamma)) - l_real0
    k_star = (gamma * l_real0 - a) / b
    predicted = b * np.abs(1.0 - lr_k * b) ** np.arange(k.size) * abs(k0 - k_star)
    parts["exact-decay-along-controller"] = Evidence.close(
        predicted, measured, atol=1e-14,
        reason="M_global - L(x) along 60 controller steps vs b |1 - lambda_k b|^t |k_0 - k*| "
        "(interior toy, no clipping: 0 < k_t < 1 throughout): float rounding",
        details={"k0": k0, "k_star": k_star, "rate": 1.0 - lr_k * b})
    return parts
