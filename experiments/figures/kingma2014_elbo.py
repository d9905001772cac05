"""Kingma & Welling (2014), eq. (1): the ELBO against log p(x) as q moves toward the posterior.

On the linear-Gaussian model z ~ N(0, I_2), x | z ~ N(W z + b, σ² I_3) at one observation x, the
variational distribution travels along q_t = N(t μ*, (1 - t) I + t Σ*) from the prior (t = 0) to
the exact posterior N(μ*, Σ*) (t = 1).  Panel (a): L(q_t) (:func:`theory.vae.linear_gaussian_elbo`)
rising to log p(x) (:func:`theory.vae.linear_gaussian_log_marginal`), which it touches only at
t = 1; panel (b): the gap log p(x) - L(q_t) and KL(q_t ‖ p(z|x)) (:func:`theory.vae.gaussian_kl`),
two routes to the same curve (the claim ``kingma2014/elbo-decomposition`` checks them against
scipy and quadrature).
"""

from __future__ import annotations

import numpy as np

from experiments.figures import figure
from experiments.figure_style import new_figure
from theory.vae import gaussian_kl, linear_gaussian_elbo, linear_gaussian_log_marginal, linear_gaussian_posterior

#: The model and the observation (fixed numbers, nothing sampled).
W = np.array([[1.5, 0.0], [0.5, 1.0], [-1.0, 0.8]])
B = np.array([0.2, -0.3, 0.0])
SIGMA = 0.6
X = np.array([2.0, 1.0, -1.5])
TS = np.linspace(0.0, 1.0, 101)


@figure("kingma2014_elbo", title="ELBO vs log p(x) as q moves from the prior to the posterior "
        "(cf. Kingma & Welling 2014, eq. (1))", claims=("kingma2014/elbo-decomposition",))
def build(*, seed: int = 0, fast: bool = True):
    # Deterministic: `seed` is recorded for uniformity, nothing is sampled.
    mean, cov = linear_gaussian_posterior(X, W, B, SIGMA)
    q_mean = TS[:, None] * mean[None, :]
    q_cov = (1 - TS)[:, None, None] * np.eye(2) + TS[:, None, None] * cov[None]
    elbo = np.asarray(linear_gaussian_elbo(X, W, B, SIGMA, q_mean, q_cov))
    log_p = float(linear_gaussian_log_marginal(X, W, B, SIGMA))
    kl = np.asarray(gaussian_kl(q_mean, q_cov, np.broadcast_to(mean, q_mean.shape),
                                np.broadcast_to(cov, q_cov.shape)))
    fig, (ax1, ax2) = new_figure(1, 2, figsize=(10, 3.6))
    ax1.plot(TS, elbo, color="tab:blue", label="L(q_t)  (ELBO)")
    ax1.axhline(log_p, color="black", ls=":", label="log p(x)")
    ax1.set_xlabel("t   (q_0 = prior N(0, I), q_1 = posterior p(z|x))")
    ax1.set_ylabel("nats")
    ax1.set_title("(a) the bound rises to log p(x), touching it at the posterior", fontsize=9)
    ax1.legend(fontsize=8)
    ax2.plot(TS, log_p - elbo, color="tab:red", lw=3, alpha=0.4, label="log p(x) - L(q_t)")
    ax2.plot(TS, kl, "--", color="black", label="KL(q_t || p(z|x))")
    ax2.set_yscale("symlog", linthresh=1e-3)
    ax2.set_xlabel("t")
    ax2.set_title("(b) the gap is KL(q || p(z|x)) (eq. (1))", fontsize=9)
    ax2.legend(fontsize=8)
    fig.tight_layout()
    data = {"t": TS, "elbo": elbo, "log_p": log_p, "kl_to_posterior": kl,
            "max_abs_gap_minus_kl": float(np.max(np.abs(log_p - elbo - kl)))}
    return fig, data
