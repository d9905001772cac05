"""Neural counterparts of the Goodfellow et al. (2014) claims, on 1-D toys whose densities are
known in closed form.  The learners in ``solvers.neural.gan`` never see D* or C(G); the
comparisons are made here.  Settings and tolerances are those validated in
``tests/solvers/neural/test_gan.py`` (ranges over seeds are quoted there).  The claims
themselves are registered in :mod:`experiments.claims.goodfellow2014`, whose checks call the
functions here.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
from scipy import integrate
from scipy.stats import norm

from experiments.claims.support import sliced_w1
from experiments.registry import Context, Evidence
from solvers.neural.gan import GANConfig, train_discriminator, train_gan
from solvers.problems.mixtures import gaussian_1d, mixture_1d, ring_of_gaussians
from theory.divergences import wasserstein_1d
from theory.gan import optimal_discriminator

__all__ = ["discriminator_matches_d_star", "discriminator_value_matches_c_of_g", "gan_reduces_w1",
           "moment_matched_gaussian_w1", "ring_mode_coverage"]

# Data N(0, 1) against a fixed generator N(1, 1.5^2).
P_MEAN, P_STD, Q_MEAN, Q_STD = 0.0, 1.0, 1.0, 1.5
#: Max |D - D*| where both densities exceed 1% of their maximum, after 1500 Adam steps at
#: lr 3e-3 and 1000 at 3e-4 (2x64 tanh, batch 256).  The tolerance is set by the exact
#: quantity's own scale, not by seeds: the learned D must be D_STAR_FRACTION^-1 = 5 times
#: closer to D* than the uninformed D = 1/2 is (max |D* - 1/2| = 0.463 on this region, so the
#: tolerance is 0.093).  (Seeds 0-19 measured 0.014-0.06.)
D_STAR_FRACTION = 0.2
#: C(G) - V(D_learned, G) >= 0 always.  Tolerance from the exact scale: the learned D must
#: recover >= 99% of what the optimal D gains over D = 1/2, C(G) - V(1/2, G) = 2 JSD (0.199 here),
#: i.e. a gap <= 1% of 2 JSD (~2e-3).
VALUE_GAP_FRACTION = 0.01
#: The 1-D GAN must learn both modes: its final W1 to the data must be below W1_GAUSS_FRACTION
#: times the W1 of the best unimodal moment-matched fit N(0, 4.25) (0.735, computed exactly
#: below), a threshold from the problem, not from seeds; reported with the reduction factor.
W1_GAUSS_FRACTION = 0.5


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
    d_star = optimal_discriminator(p[mask], q[mask])
    scale = float(np.max(np.abs(d_star - 0.5)))
    return Evidence.close(
        d_star, learned, atol=D_STAR_FRACTION * scale,
        reason=f"2x64 MLP after 2,500 Adam steps on minibatches of 256; tolerance "
        f"{D_STAR_FRACTION:g} x max|D* - 1/2| = {D_STAR_FRACTION * scale:.3g}: the learned D is "
        f"{1 / D_STAR_FRACTION:g}x closer to D* than the uninformed D = 1/2",
        details={"grid": [float(grid[mask][0]), float(grid[mask][-1])], "n_points": int(mask.sum()),
                 "max_abs_d_star_minus_half": scale})


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
    gain = c_of_g + np.log(4.0)  # C(G) - V(1/2, G) = 2 JSD: what D* gains over D = 1/2
    return Evidence.close(
        c_of_g, value, atol=VALUE_GAP_FRACTION * gain,
        reason=f"the learned D recovers >= {100 * (1 - VALUE_GAP_FRACTION):g}% of C(G) - V(1/2, G) = "
        f"2 JSD = {gain:.4g} (tolerance {VALUE_GAP_FRACTION:g} x 2 JSD); quadrature errors < 1e-9",
        details={"c_of_g": c_of_g, "v_learned": float(value), "gap": float(c_of_g - value),
                 "two_jsd": gain})


def gan_reduces_w1(ctx: Context) -> Evidence:
    data = mixture_1d([-2.0, 2.0], [0.5, 0.5])
    config = GANConfig(lr_g=2e-4, lr_d=1e-3, optimizer_kwargs={"b1": 0.5})
    # The same 1,000 steps at both tiers: trained longer the GAN oscillates around W1 ~ 0.15
    # and the reduction factor falls (5.1 at 4,000 steps, seed 0), which is not what is claimed.
    n_steps = 1000
    result = _completed(train_gan(data, config, n_steps, np.random.SeedSequence([ctx.seed, 11]),
                                  snapshot_steps=[0, n_steps], n_eval_samples=10_000))
    reference = data.sample(10_000, np.random.SeedSequence([ctx.seed, 12]))[:, 0]
    floor = wasserstein_1d(data.sample(10_000, np.random.SeedSequence([ctx.seed, 13]))[:, 0], reference)
    w_start, w_end = (wasserstein_1d(s.samples[:, 0], reference) for s in result.snapshots)
    w_gauss = moment_matched_gaussian_w1(data)
    return Evidence.bound(
        w_end, W1_GAUSS_FRACTION * w_gauss, relation="<=",
        reason=f"both modes learned: W1 below {W1_GAUSS_FRACTION:g} x the exact W1 ({w_gauss:.3f}) of "
        "the moment-matched Gaussian, the best a unimodal fit of this kind does; the Monte Carlo "
        "floor of W1 between 10,000-sample sets is ~0.02 (details)",
        details={"w1_start": w_start, "w1_end": w_end, "reduction_factor": w_start / w_end,
                 "w1_moment_matched_gaussian": w_gauss, "w1_monte_carlo_floor": floor,
                 "n_steps": n_steps, "steps_per_second": result.steps_per_second})


def moment_matched_gaussian_w1(data) -> float:
    """W1 = integral |F_data - F_gauss| between a 1-D Gaussian mixture and the Gaussian with its
    mean and variance, by adaptive quadrature of the exact CDFs."""
    w = np.asarray(data.weights, float)
    mu = np.asarray(data.means, float)[:, 0]
    var = np.asarray(data.covs, float)[:, 0, 0]
    mean = float(w @ mu)
    std = float(np.sqrt(w @ (var + mu**2) - mean**2))

    def gap(x):
        return abs(float(w @ norm.cdf(x, mu, np.sqrt(var))) - float(norm.cdf(x, mean, std)))

    lo, hi = mean - 12.0 * std, mean + 12.0 * std
    value, _ = integrate.quad(gap, lo, hi, points=list(mu) + [mean], limit=400, epsabs=1e-12)
    return float(value)


#: Ring of 8 Gaussians (radius 2, std 0.02): a sample is "near a mode" within 0.1 (5 std); a
#: mode is covered when it holds >= 1% of 10k samples.  With this claim's seed streams, seeds
#: 0-7 (8,000 steps, relu 2x64, latent 2) covered 5-8 modes, put 87-93% of samples near a mode
#: and cut the sliced W1 2.2-11.9-fold: partial mode dropping is the rule, not the exception.
RING_MIN_MODES = 5
RING_MIN_NEAR = 0.8
RING_SLICED_W1_REDUCTION = 2.0


def ring_mode_coverage(ctx: Context) -> dict[str, Evidence]:
    data = ring_of_gaussians(8, 2.0, 0.02)
    config = GANConfig(latent_dim=2, activation="relu", lr_g=2e-4, lr_d=1e-3, optimizer_kwargs={"b1": 0.5})
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
