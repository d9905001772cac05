"""Neural counterparts of the Goodfellow et al. (2014) claims, on 1-D toys whose densities are
known in closed form.  The learners in ``solvers.neural.gan`` never see D* or C(G); the
comparisons are made here.  Settings and tolerances are those validated in
``tests/solvers/test_neural_gan.py`` (ranges over seeds are quoted there).
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
from scipy import integrate
from scipy.stats import norm

from experiments.registry import Context, Evidence
from solvers.neural.gan import GANConfig, train_discriminator, train_gan
from solvers.problems.mixtures import gaussian_1d, mixture_1d
from theory.divergences import wasserstein_1d
from theory.gan import optimal_discriminator

# Data N(0, 1) against a fixed generator N(1, 1.5^2).
P_MEAN, P_STD, Q_MEAN, Q_STD = 0.0, 1.0, 1.0, 1.5
#: Max |D - D*| where both densities exceed 1% of their maximum, after 1500 Adam steps at
#: lr 3e-3 and 1000 at 3e-4 (2x64 tanh, batch 256): function approximation plus the
#: stationary noise of stochastic gradients.  Seeds 0-13 gave 0.014-0.057.
D_STAR_ATOL = 0.075
#: C(G) - V(D_learned, G) >= 0 always; for |D - D*| of a few 1e-2 the gap is a few 1e-4 nats.
VALUE_GAP_TOL = 2e-3
#: W1 reduction required of the 1-D GAN (seeds 0-9 gave 11-16 after 1000 steps).
W1_REDUCTION = 8.0


def _completed(run):
    """Training loops return a partial run on Ctrl-C; a claim must not score one (nor cache it)."""
    if run.interrupted:
        raise KeyboardInterrupt
    return run


@functools.lru_cache(maxsize=4)
def _trained_discriminator(seed: int):
    config = GANConfig(lr_d=3e-3)
    data, fake = gaussian_1d(P_MEAN, P_STD), gaussian_1d(Q_MEAN, Q_STD)
    streams = np.random.SeedSequence([seed, 7]).spawn(2)
    first = _completed(train_discriminator(data, fake, config, 1500, streams[0]))
    second = train_discriminator(data, fake, dataclasses.replace(config, lr_d=3e-4), 1000, streams[1],
                                 init_params=first.d_params)
    return _completed(second)


def _densities(x):
    return norm.pdf(x, P_MEAN, P_STD), norm.pdf(x, Q_MEAN, Q_STD)


def discriminator_matches_d_star(ctx: Context) -> Evidence:
    grid = np.linspace(-6.0, 8.0, 2001)
    p, q = _densities(grid)
    mask = (p > 1e-2 * p.max()) & (q > 1e-2 * q.max())
    learned = _trained_discriminator(ctx.seed).prob(grid[mask])
    return Evidence.close(
        optimal_discriminator(p[mask], q[mask]), learned, atol=D_STAR_ATOL,
        reason="2x64 MLP after 2,500 Adam steps on minibatches of 256: function approximation "
        "+ SGD noise at a constant step (seeds 0-13: 0.014-0.057)",
        details={"grid": [float(grid[mask][0]), float(grid[mask][-1])], "n_points": int(mask.sum())})


def _quad(fn) -> float:
    value, _ = integrate.quad(fn, -np.inf, np.inf, limit=200, epsabs=1e-12, epsrel=1e-12)
    return value


def discriminator_value_matches_c_of_g(ctx: Context) -> Evidence:
    """V(D_learned, G) by adaptive quadrature against C(G) = -log 4 + 2 JSD, the JSD itself
    integrated from the two densities (not through any ganac divergence)."""
    model = _trained_discriminator(ctx.seed)

    def integrand_js(x):
        p, q = _densities(x)
        m = 0.5 * (p + q)
        return 0.5 * (p * np.log(p / m) + q * np.log(q / m)) if p > 0 and q > 0 else 0.0

    c_of_g = -np.log(4.0) + 2.0 * _quad(integrand_js)
    # The learned D is an MLP: integrate on a fine grid (Simpson) over +-12 std of both laws;
    # the mass outside is < 1e-30.
    x = np.linspace(-12.0, 19.0, 40_001)
    p, q = _densities(x)
    logit = model.logit(x)
    log_d, log_1md = -np.logaddexp(0.0, -logit), -np.logaddexp(0.0, logit)
    value = integrate.simpson(p * log_d + q * log_1md, x=x)
    return Evidence.close(
        c_of_g, value, atol=VALUE_GAP_TOL,
        reason="C(G) - V(D, G) is the expected KL-type gap of a D a few 1e-2 from D*; "
        "quadrature errors < 1e-9",
        details={"c_of_g": c_of_g, "v_learned": float(value), "gap": float(c_of_g - value)})


def gan_reduces_w1(ctx: Context) -> Evidence:
    data = mixture_1d([-2.0, 2.0], [0.5, 0.5])
    config = GANConfig(lr_g=2e-4, lr_d=1e-3, optimiser_kwargs={"b1": 0.5})
    # The same 1,000 steps at both tiers: trained longer the GAN oscillates around W1 ~ 0.15
    # and the reduction factor falls (5.1 at 4,000 steps, seed 0), which is not what is claimed.
    n_steps = 1000
    result = _completed(train_gan(data, config, n_steps, np.random.SeedSequence([ctx.seed, 11]),
                                  snapshot_steps=[0, n_steps], n_eval_samples=10_000))
    reference = data.sample(10_000, np.random.SeedSequence([ctx.seed, 12]))[:, 0]
    floor = wasserstein_1d(data.sample(10_000, np.random.SeedSequence([ctx.seed, 13]))[:, 0], reference)
    w_start, w_end = (wasserstein_1d(s.samples[:, 0], reference) for s in result.snapshots)
    return Evidence.bound(
        w_start / w_end, W1_REDUCTION, relation=">=",
        reason="2x64 MLPs, Adam (b1 = 0.5), lr_g 2e-4, lr_d 1e-3, 1,000 steps: seeds 0-9 "
        "reduced W1 by 11-16x; the GAN then oscillates near W1 ~ 0.15",
        details={"w1_start": w_start, "w1_end": w_end, "w1_monte_carlo_floor": floor,
                 "n_steps": n_steps, "steps_per_second": result.steps_per_second})


#: Ring of 8 Gaussians (radius 2, std 0.02): a sample is "near a mode" within 0.1 (5 std); a
#: mode is covered when it holds >= 1% of 10k samples.  With this claim's seed streams, seeds
#: 0-7 (8,000 steps, relu 2x64, latent 2) covered 5-8 modes, put 87-93% of samples near a mode
#: and cut the sliced W1 2.2-11.9-fold: partial mode dropping is the rule, not the exception.
RING_MIN_MODES = 5
RING_MIN_NEAR = 0.8
RING_SLICED_W1_REDUCTION = 2.0


def ring_mode_coverage(ctx: Context) -> dict[str, Evidence]:
    from experiments.claims._support import sliced_w1
    from solvers.problems.mixtures import ring_of_gaussians

    data = ring_of_gaussians(8, 2.0, 0.02)
    config = GANConfig(latent_dim=2, activation="relu", lr_g=2e-4, lr_d=1e-3, optimiser_kwargs={"b1": 0.5})
    n_eval = 10_000
    result = _completed(train_gan(data, config, 8000, np.random.SeedSequence([ctx.seed, 21]),
                                  snapshot_steps=[0, 8000], n_eval_samples=n_eval))
    samples = result.snapshots[-1].samples
    dist = np.linalg.norm(samples[:, None, :] - data.means[None], axis=-1)
    near = dist.min(axis=1) < 0.1
    counts = np.bincount(dist.argmin(axis=1)[near], minlength=8)
    covered = int(np.sum(counts >= 0.01 * n_eval))
    reference = data.sample(n_eval, np.random.SeedSequence([ctx.seed, 22]))
    factor = sliced_w1(result.snapshots[0].samples, reference) / sliced_w1(samples, reference)
    reason = "8,000 steps of a 2x64 relu GAN; thresholds below the range seen over seeds 0-7"
    return {
        "neural-modes-covered": Evidence.bound(covered, RING_MIN_MODES, relation=">=", reason=reason,
                                               details={"counts": counts}),
        "neural-near-a-mode": Evidence.bound(float(near.mean()), RING_MIN_NEAR, relation=">=", reason=reason),
        "neural-sliced-w1-reduction": Evidence.bound(factor, RING_SLICED_W1_REDUCTION, relation=">=",
                                                     reason=reason),
    }
