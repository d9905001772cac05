"""Mescheder, Geiger & Nowozin (2018), Figures 1-3, in their spirit: the Dirac-GAN's gradient
vector field (arrows) and one training trajectory per method.

Fields and trajectories come from ``solvers.dynamics`` (autograd fields, the integrators); each
panel's title gives the spectral radius ρ of the linearized update predicted by
``theory.dynamics`` and the measured distance to the equilibrium at the end of the run.
"""

from __future__ import annotations

import numpy as np

from experiments.claims.mescheder2018 import (
    CLIP,
    GAMMA_CONSENSUS,
    GAMMA_GP,
    GAMMA_WGAN_GP,
    SIGMA_NOISE,
    TARGET_WGAN_GP,
)
from experiments.figures import figure
from experiments.figure_style import new_figure
from solvers.dynamics import alternating_gd, dirac_gan_field, simultaneous_gd
from theory import dynamics as td

#: Step size and start of every trajectory.
STEP = 0.2
START = (1.0, 1.0)
#: (panel title, loss, regularizer, parameters, scheme, clip)
PANELS = [
    ("(a) GAN, simultaneous GD", "gan", "none", {}, "simultaneous", None),
    ("(b) GAN, alternating GD", "gan", "none", {}, "alternating", None),
    ("(c) non-saturating GAN, alt. GD", "nsgan", "none", {}, "alternating", None),
    (f"(d) WGAN, clip {CLIP:g}, alt. GD", "wgan", "none", {}, "alternating", CLIP),
    (f"(e) WGAN-GP γ={GAMMA_WGAN_GP:g}, g₀={TARGET_WGAN_GP:g}, alt. GD", "wgan", "wgan-gp",
     {"penalty_weight": GAMMA_WGAN_GP, "target": TARGET_WGAN_GP}, "alternating", None),
    (f"(f) consensus γ={GAMMA_CONSENSUS:g}, sim. GD", "gan", "consensus", {"penalty_weight": GAMMA_CONSENSUS},
     "simultaneous", None),
    (f"(g) R1 γ={GAMMA_GP:g}, alt. GD", "gan", "r1", {"penalty_weight": GAMMA_GP}, "alternating", None),
    (f"(h) instance noise σ={SIGMA_NOISE:g}, alt. GD", "gan", "instance-noise", {"sigma": SIGMA_NOISE},
     "alternating", None),
]
CLAIMS = (
    "mescheder2018/dirac-gan-jacobians",
    "mescheder2018/unregularized-simgd-diverges",
    "mescheder2018/unregularized-altgd-bounded",
    "mescheder2018/regularized-converge",
    "mescheder2018/wgan-not-convergent",
    "mescheder2018/wgan-gp-not-convergent",
    "mescheder2018/consensus-converges",
)


def _predicted_radius(loss: str, reg: str, kw: dict, scheme: str) -> float | None:
    if reg == "wgan-gp":
        return None  # no Jacobian at the equilibrium
    return td.gd_spectral_radius(td.dirac_gan_jacobian(loss, reg, **kw), STEP, scheme=scheme)


@figure("mescheder2018_fig1", title="Dirac-GAN: gradient vector fields and training trajectories "
        "per method (cf. Mescheder et al. 2018, Figs. 1-3)", claims=CLAIMS)
def build(*, seed: int = 0, fast: bool = True):
    # Deterministic construction (instance noise by quadrature); `seed` is recorded only.
    n_steps = 200 if fast else 1000
    n_grid = 15 if fast else 25
    lim = 2.0
    grid = np.linspace(-lim, lim, n_grid)
    tt, pp = np.meshgrid(grid, grid)
    fig, axes = new_figure(2, 4, figsize=(15, 7.6), sharex=True, sharey=True)
    data = {"step": STEP, "start": START, "n_steps": n_steps, "panels": []}
    for ax, (title, loss, reg, kw, scheme, clip) in zip(axes.ravel(), PANELS):
        field = dirac_gan_field(loss, reg, clip=clip, **kw)
        v_theta, v_psi = field(tt, pp)
        speed = np.hypot(v_theta, v_psi)
        # Arrows of unit length show the direction; their shade shows the speed |v|.
        unit = np.where(speed > 0, speed, 1.0)
        ax.quiver(tt, pp, v_theta / unit, v_psi / unit, speed, cmap="Greys",
                  clim=(-0.5 * speed.max(), speed.max()), angles="xy", scale_units="xy",
                  scale=1.0 / (0.6 * (grid[1] - grid[0])), width=0.004)
        integrator = simultaneous_gd if scheme == "simultaneous" else alternating_gd
        traj = integrator(field, *START, step=STEP, n_steps=n_steps)
        ax.plot(traj.theta, traj.psi, "-", color="tab:red", lw=1.0)
        ax.plot([START[0]], [START[1]], "o", color="tab:red", ms=4)
        ax.plot([0.0], [0.0], "*", color="tab:blue", ms=10)
        if clip is not None:
            ax.axhline(clip, color="tab:orange", lw=0.8, ls="--")
            ax.axhline(-clip, color="tab:orange", lw=0.8, ls="--")
        rho = _predicted_radius(loss, reg, kw, scheme)
        final = float(traj.distance[-1])
        rho_text = "ρ: no Jacobian" if rho is None else f"ρ = {rho:.4f}"
        ax.set_title(f"{title}\n{rho_text}, |x_end| = {final:.2g}", fontsize=8.5)
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        data["panels"].append({"title": title, "loss": loss, "regularizer": reg, "params": kw,
                               "scheme": scheme, "clip": clip, "predicted_radius": rho,
                               "final_distance": final,
                               "max_distance": float(traj.distance.max())})
    for ax in axes[1]:
        ax.set_xlabel("θ (generator)")
    for ax in axes[:, 0]:
        ax.set_ylabel("ψ (discriminator)")
    fig.tight_layout()
    return fig, data
