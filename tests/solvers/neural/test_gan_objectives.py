"""Tests for solvers.neural.gan_objectives: learned critics against the closed forms.

- LSGAN: a critic trained on the population objective of a fixed data mixture and a fixed
  Gaussian generator approaches D* = (b p_data + a p_g)/(p_data + p_g)
  (theory.gan_objectives.lsgan_optimal_discriminator; Mao et al. 2017, Section 3.2.2);
- WGAN-GP: the learned critic's penalized value approaches the 1-D penalized optimum
  W1 + ∫Δ²/(4λρ) (theory.wgan.wgan_gp_optimal_critic_1d), not W1;
- WGAN with weight clipping: the clipped critic family measures (almost) only the mean
  difference, so its value is not proportional to W1 (theory.wgan's counterexample pairs);
- f-GAN: the critic approaches T* = f'(p/q) and its bound approaches D_f;
- losses, penalty gradients, interpolates and the training loops against their definitions.

Every comparison value comes from theory/ or scipy, never from the solver.  Densities are
discretized on a grid (trapezoid weights, WeightedPoints.from_density); the critics are
trained on that deterministic objective with L-BFGS-B, so no sampling noise enters: the
remaining error is what the network and the optimizer achieve, and the tolerances are declared
levels with the measured range over seeds 0-9 stated next to them.
"""

import json

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad
from hypothesis import given
from hypothesis import strategies as st

from solvers.neural.gan_objectives import (
    FGAN_FAMILY_NAMES,
    ObjectiveGANConfig,
    WeightedPoints,
    clip_weights,
    critic_loss,
    critic_raw,
    fgan_terms,
    generator_loss,
    gradient_norm,
    init_objective_gan,
    interpolates,
    objective_gan_update,
    train_critic,
    train_objective_gan,
)
from solvers.neural.mlp import init_mlp, mlp_apply
from solvers.neural.optim import tree_flatten, tree_leaves
from solvers.problems import gaussian_1d, mixture_1d, ring_of_gaussians
from solvers.problems.strategies import matched_pairs, seeds
from tests.tolerances import FLOAT_ATOL, FLOAT_RTOL
from theory.divergences import wasserstein_1d
from theory.gan_objectives import (
    FGAN_FAMILIES,
    fgan_divergence,
    fgan_lower_bound,
    fgan_optimal_critic,
    lsgan_criterion,
    lsgan_optimal_discriminator,
)
from theory.wgan import clipped_linear_critic_distance, wgan_gp_optimal_critic_1d, weight_clipping_counterexample

#: Reverse-mode gradients through two algebraically equal graphs: rounding only.
ROUTE_RTOL = 1e-9

# ---------------------------------------------------------------------------------------------
# LSGAN: data ½N(-2, ½²) + ½N(2, ½²), generator N(0, 1.5²), labels a = -1, b = 1
# ---------------------------------------------------------------------------------------------

LS_DATA, LS_GEN = mixture_1d([-2.0, 2.0], [0.5, 0.5]), gaussian_1d(0.0, 1.5)
LS_GRID = np.linspace(-5.0, 5.0, 101)
LS_CONFIG = ObjectiveGANConfig(objective="lsgan", hidden=(16, 16), a=-1.0, b=1.0)
LS_ITERS = 800
#: Compare where p_data + p_g >= 5% of its maximum (|x| <= 3.6): outside, the objective
#: weighs the critic by less than 1/20 of its peak weight and barely constrains it.
LS_FLOOR = 0.05
#: Declared accuracy of the learned D on that region, 2.5% of the label range b - a = 2: the
#: network (2x16 tanh) after 800 L-BFGS-B iterations reaches max |D - D*| of 0.0056-0.0175
#: over seeds 0-9; the tolerance keeps a margin of ~3 over the worst seed.
LS_MAX_TOL = 0.05
#: Declared RMS accuracy, weighted by (p_data + p_g): measured 0.0013-0.0041 over seeds 0-9.
LS_RMS_TOL = 0.01


def _ls_problem():
    real = WeightedPoints.from_density(LS_GRID, LS_DATA.pdf(LS_GRID[:, None]))
    fake = WeightedPoints.from_density(LS_GRID, LS_GEN.pdf(LS_GRID[:, None]))
    fine = np.linspace(-5.0, 5.0, 4001)
    p, q = LS_DATA.pdf(fine[:, None]), LS_GEN.pdf(fine[:, None])
    return real, fake, fine, p, q


def _ls_errors(run, fine, p, q, d_target):
    err = np.abs(run.critic(fine) - d_target)
    weight = p + q
    mask = weight >= LS_FLOOR * weight.max()
    return float(err[mask].max()), float(np.sqrt(np.sum(weight * err ** 2) / np.sum(weight)))


@pytest.mark.parametrize("seed", [0])
def test_lsgan_critic_approaches_optimal_discriminator(seed):
    real, fake, fine, p, q = _ls_problem()
    run = train_critic(real, fake, LS_CONFIG, LS_ITERS, seed, solver="lbfgs")
    d_star = lsgan_optimal_discriminator(p, q, a=LS_CONFIG.a, b=LS_CONFIG.b)
    max_err, rms = _ls_errors(run, fine, p, q, d_star)
    print(f"seed {seed}: max |D - D*| = {max_err:.4f}, weighted RMS {rms:.4f}, {run.seconds:.2f} s")
    assert max_err <= LS_MAX_TOL and rms <= LS_RMS_TOL
    # negative controls: the labels swapped, and Goodfellow's D* = p/(p + q) on [0, 1]
    swapped = lsgan_optimal_discriminator(p, q, a=LS_CONFIG.b, b=LS_CONFIG.a)
    assert _ls_errors(run, fine, p, q, swapped)[1] > 10 * LS_RMS_TOL
    assert _ls_errors(run, fine, p, q, p / (p + q))[1] > 10 * LS_RMS_TOL


@pytest.mark.full
@pytest.mark.parametrize("seed", range(10))
def test_lsgan_critic_at_seeds_0_to_9(seed):
    test_lsgan_critic_approaches_optimal_discriminator(seed)


def test_lsgan_gradient_is_weighted_regression_onto_d_star():
    """½Σ w_d (D - b)² + ½Σ w_g (D - a)² = ½Σ (w_d + w_g)(D - D*)² + const with D* the closed
    form: the two losses have the same gradient in ψ at every ψ (D* minimizes pointwise)."""
    real, fake, *_ = _ls_problem()
    d_star = lsgan_optimal_discriminator(real.weights, fake.weights, a=-1.0, b=1.0)
    mass = real.weights + fake.weights

    def regression(params):
        return 0.5 * anp.sum(mass * (critic_raw(params, LS_GRID) - d_star) ** 2)

    for seed in range(3):
        params = init_mlp((1, 8, 8, 1), seed)
        g_ls = tree_flatten(grad(critic_loss)(params, real, fake, LS_CONFIG))[0]
        g_reg = tree_flatten(grad(regression)(params))[0]
        np.testing.assert_allclose(g_ls, g_reg, rtol=ROUTE_RTOL, atol=FLOAT_ATOL)
    # negative control: the labels swapped give another target and another gradient
    d_bad = lsgan_optimal_discriminator(real.weights, fake.weights, a=1.0, b=-1.0)
    g_bad = tree_flatten(grad(lambda prm: 0.5 * anp.sum(mass * (critic_raw(prm, LS_GRID) - d_bad) ** 2))(params))[0]
    assert np.max(np.abs(g_bad - g_ls)) > 1e-3


@given(matched_pairs(), seeds(), st.sampled_from([(-1.0, 1.0, 0.0), (0.0, 1.0, 1.0), (2.0, -0.5, 0.3)]))
def test_lsgan_loss_is_its_minimum_plus_weighted_distance_to_d_star(pq, seed, labels):
    """For any network D and any p, q (zero atoms included):
    L(D) = ½Σ p (D - b)² + ½Σ q (D - a)² = L(D*) + ½Σ (p + q)(D - D*)², with D* the closed form,
    and L(D*) = ½ Σ p (D* - b)² + ½ Σ q (D* - a)²; the losses have the same ψ-gradient."""
    p, q = pq
    a, b, c = labels
    x = np.linspace(-2.0, 2.0, p.shape[0])
    config = ObjectiveGANConfig(objective="lsgan", hidden=(6,), a=a, b=b, c=c)
    params = init_mlp((1, 6, 1), seed)
    d_star = lsgan_optimal_discriminator(p, q, a=a, b=b)
    l_min = 0.5 * p @ (d_star - b) ** 2 + 0.5 * q @ (d_star - a) ** 2

    def excess(prm):
        return 0.5 * anp.sum((p + q) * (critic_raw(prm, x) - d_star) ** 2)

    loss = critic_loss(params, WeightedPoints(x, p), WeightedPoints(x, q), config)
    # sums of <= 8 terms of size <= (|a| + |b| + |D|)² ~ 10: rounding below 1e-13
    np.testing.assert_allclose(loss, l_min + excess(params), rtol=1e-12, atol=1e-13)
    g_ls = tree_flatten(grad(critic_loss)(params, WeightedPoints(x, p), WeightedPoints(x, q), config))[0]
    np.testing.assert_allclose(g_ls, tree_flatten(grad(excess)(params))[0], rtol=ROUTE_RTOL, atol=1e-12)
    # with the paper's c the generator side: C(G) of theory is ½Σ(p + q)(D* - c)², the loss at D*
    np.testing.assert_allclose(0.5 * p @ (d_star - c) ** 2 + 0.5 * q @ (d_star - c) ** 2,
                               lsgan_criterion(p, q, a=a, b=b, c=c), rtol=1e-12, atol=1e-13)


@given(matched_pairs(), seeds(), st.sampled_from(FGAN_FAMILY_NAMES))
def test_fgan_critic_value_never_exceeds_the_divergence(pq, seed, family):
    """-L_D(ψ) = E_p[T] - E_q[f*(T)] <= D_f(p ‖ q) for every network ψ (Fenchel-Young; T = g_f(V)
    lies in dom f* by construction), and it equals theory's fgan_lower_bound at the same T."""
    p, q = pq
    x = np.linspace(-2.0, 2.0, p.shape[0])
    config = ObjectiveGANConfig(objective="fgan", family=family, hidden=(6,))
    params = init_mlp((1, 6, 1), seed)
    value = -float(critic_loss(params, WeightedPoints(x, p), WeightedPoints(x, q), config))
    t = np.asarray(fgan_terms(critic_raw(params, x), family)[0])
    np.testing.assert_allclose(value, fgan_lower_bound(p, q, t, family), rtol=1e-10, atol=1e-12)
    assert value <= fgan_divergence(p, q, family) + 1e-10


# ---------------------------------------------------------------------------------------------
# WGAN-GP: p = ½(δ_1 + δ_3), q = ½(δ_0 + δ_2), λ = 1
# ---------------------------------------------------------------------------------------------

GP_P, GP_Q = np.array([1.0, 3.0]), np.array([0.0, 2.0])
GP_W = np.array([0.5, 0.5])
GP_LAMBDA = 1.0
GP_CONFIG = ObjectiveGANConfig(objective="wgan_gp", hidden=(16, 16), penalty_weight=GP_LAMBDA)
GP_ITERS = 200
#: Declared accuracy of the learned critic's penalized value: 10% of the gap V* - W1 = 0.375
#: that the comparison must resolve (so W1, the wrong target, fails by 9 tolerances).  The
#: critic reaches V* - J = 0.0085-0.0182 over seeds 0-9 with 200 L-BFGS-B iterations.
GP_GAP_FRACTION = 0.1


def _penalized_value(params, lam):
    """J(f) = E_p f - E_q f - λ E_x̂[(|f'(x̂)| - 1)²] with the expectations over the atoms exact and
    the penalty integrated along each of the 4 segments by the trapezoid rule on 4001 points.

    The trapezoid error is ≤ L³ max|h''|/(12·4000²) per segment of length L <= 3 for
    h = (|f'| - 1)²; the trained tanh critic has |h''| < 10³ on the segments, so the
    quadrature error is < 1e-5, far below the tolerance (and independent of the midpoint
    nodes the critic was trained on).
    """
    value = GP_W @ np.asarray(critic_raw(params, GP_P)) - GP_W @ np.asarray(critic_raw(params, GP_Q))
    eps = np.linspace(0.0, 1.0, 4001)
    penalty = 0.0
    for x in GP_P:
        for y in GP_Q:
            g = np.asarray(gradient_norm(params, (eps * x + (1 - eps) * y)[:, None]))
            penalty += 0.25 * np.trapezoid((g - 1.0) ** 2, eps)
    return value - lam * penalty


@pytest.mark.parametrize("seed", [0])
def test_wgan_gp_critic_value_is_the_penalized_optimum_not_w1(seed):
    ref = wgan_gp_optimal_critic_1d(GP_P, GP_Q, GP_W, GP_W, penalty_weight=GP_LAMBDA)
    run = train_critic(WeightedPoints(GP_P, GP_W), WeightedPoints(GP_Q, GP_W), GP_CONFIG, GP_ITERS, seed,
                       solver="lbfgs", n_nodes=32)
    value = _penalized_value(run.params, GP_LAMBDA)
    tol = GP_GAP_FRACTION * ref.gap
    print(f"seed {seed}: J = {value:.5f}, V* = {ref.value:.5f}, W1 = {ref.w1}, V* - J = {ref.value - value:.2e}")
    # any critic is feasible, so J <= V* (up to the quadrature error bound above)
    assert value <= ref.value + 1e-5
    assert ref.value - value <= tol
    # negative control: the unpenalized distance W1 is not what the critic measures
    assert abs(value - ref.w1) > 5 * tol
    # Proposition 1's unit slope holds only as λ -> ∞: at λ = 1 the critic is steeper than 1
    # on the cells where F_q - F_p ≠ 0 (slope 1.75 in closed form)
    mids = (ref.breakpoints[:-1] + ref.breakpoints[1:]) / 2
    slopes = np.asarray(gradient_norm(run.params, mids[:, None]))
    assert np.all(slopes[ref.delta != 0] > 1.5)


@pytest.mark.full
@pytest.mark.parametrize("seed", range(10))
def test_wgan_gp_critic_at_seeds_0_to_9(seed):
    test_wgan_gp_critic_value_is_the_penalized_optimum_not_w1(seed)


# ---------------------------------------------------------------------------------------------
# WGAN with weight clipping: the pairs of theory.wgan.weight_clipping_counterexample
# ---------------------------------------------------------------------------------------------

CLIP = 0.01
CLIP_CONFIG = ObjectiveGANConfig(objective="wgan_clip", hidden=(16, 16), clip=CLIP)


def reference_clipped_tanh_mlp_bounds(sizes, clip):
    """(sup |f'|, sup |f''|) over every tanh MLP of the given sizes (scalar input) whose
    parameters all lie in [-clip, clip], by forward propagation of elementwise bounds.

    With u_l = W_l h_{l-1} + b_l and h_l = tanh(u_l): |u_l'| <= c n_{l-1} max|h_{l-1}'| and
    |u_l''| <= c n_{l-1} max|h_{l-1}''| (h_0 = x: h_0' = 1, h_0'' = 0), then |h_l'| <= |u_l'|
    (|tanh'| <= 1) and |h_l''| <= κ|u_l'|² + |u_l''| with κ = max|tanh''| = 4/(3√3); the
    output layer is linear.
    """
    kappa = 4.0 / (3.0 * np.sqrt(3.0))
    d1, d2 = 1.0, 0.0
    for l, (n_in, _) in enumerate(zip(sizes[:-1], sizes[1:])):
        u1, u2 = clip * n_in * d1, clip * n_in * d2
        if l == len(sizes) - 2:
            return u1, u2
        d1, d2 = u1, kappa * u1 ** 2 + u2


def test_weight_clipped_critic_is_not_proportional_to_w1():
    """Pair 0: p = δ_0, q = ½(δ_-1 + δ_1); pair 1: p = δ_0, q = δ_1; both have W1 = 1.

    For every clipped critic, pair 0's value f(0) - ½(f(-1) + f(1)) = -½∫(1 - |t|) f''(t) dt
    <= ½ sup|f''| =: B0 (a bound on the whole family), while the trained critic of pair 1
    reaches value1 > B0: no constant K gives value = K·W1 for both pairs.  The clipped MLP
    behaves like the clipped linear critic of theory.wgan with clip K = sup |f'|.
    """
    ce = weight_clipping_counterexample(clip=CLIP)
    slope_bound, curvature_bound = reference_clipped_tanh_mlp_bounds((1, 16, 16, 1), CLIP)
    b0 = 0.5 * curvature_bound
    values = []
    for i in range(2):
        run = train_critic(WeightedPoints(ce.points, ce.p[i]), WeightedPoints(ce.points, ce.q[i]), CLIP_CONFIG,
                           150, 0, solver="lbfgs")
        assert max(np.max(np.abs(w)) for w in tree_leaves(run.params)) <= CLIP
        f = run.critic(ce.points)
        values.append(float(ce.p[i] @ f - ce.q[i] @ f))
    linear = clipped_linear_critic_distance(ce.p, ce.q, ce.points, clip=slope_bound)
    print(f"values {values}, B0 = {b0:.3e}, sup|f'| = {slope_bound:.3e}, linear {linear}")
    assert values[0] <= b0
    # pair 1 attains 99% of the family's Lipschitz bound sup|f'|·W1 (optimizer tolerance; seeds
    # 0-9 reach 2.55998e-4 of 2.56e-4, and pair 0 stays at 2.5e-8 to 2.7e-8 <= B0 = 1.14e-6)
    assert 0.99 * slope_bound <= values[1] <= slope_bound * ce.w1[1] + FLOAT_ATOL
    # not proportional: equal W1, values differ by more than the family allows
    assert values[1] > 100 * b0
    np.testing.assert_allclose(values, linear, atol=max(b0, 0.01 * slope_bound))


# ---------------------------------------------------------------------------------------------
# f-GAN: P = N(0, 1), Q = N(1, 1) (equal variances: every family's D_f is finite; with
# unequal variances Neyman's χ²(Q ‖ P) = ∫ q²/p - 1 diverges for the wider Q)
# ---------------------------------------------------------------------------------------------

F_P, F_Q = gaussian_1d(0.0, 1.0), gaussian_1d(1.0, 1.0)
F_GRID = np.linspace(-5.0, 6.0, 111)
#: Declared accuracy of T on the region where both densities exceed 1% of their maxima:
#: |T - T*| <= 0.05 max(1, |T*|) (T* = 2(p/q - 1) of Pearson's χ² reaches 64 there).  Measured
#: max |T - T*| 0.0004 (kl), 0.002 (reverse_kl), 0.24 at |T*| <= 64 (pearson_chi2), 0.016
#: (neyman_chi2), 0.003 (squared_hellinger), 0.0008 (jensen_shannon), 0.0009 (gan) at seed 0;
#: for kl over seeds 0-9, 6e-5 to 0.003.
F_T_RTOL = 0.05
#: The bound at the learned T is below D_f of the grid weights (Fenchel-Young, exact); declared
#: closeness D_f - bound <= 1e-3 max(1, D_f): measured below 1e-6 for every family but
#: pearson_chi2 (9e-4 of D_f = 1.72) at seed 0; for kl over seeds 0-9, 1e-10 to 1.1e-7.
F_BOUND_RTOL = 1e-3


@pytest.mark.parametrize("family", ["kl"])
def test_fgan_critic_approaches_optimal_critic_and_bound_approaches_divergence(family):
    real = WeightedPoints.from_density(F_GRID, F_P.pdf(F_GRID[:, None]))
    fake = WeightedPoints.from_density(F_GRID, F_Q.pdf(F_GRID[:, None]))
    config = ObjectiveGANConfig(objective="fgan", family=family, hidden=(16, 16))
    run = train_critic(real, fake, config, 300, 0, solver="lbfgs")
    d_f = fgan_divergence(real.weights, fake.weights, family)
    bound = fgan_lower_bound(real.weights, fake.weights, run.critic(F_GRID), family)
    fine = np.linspace(-5.0, 6.0, 2001)
    p, q = F_P.pdf(fine[:, None]), F_Q.pdf(fine[:, None])
    mask = (p >= 0.01 * p.max()) & (q >= 0.01 * q.max())
    t_star = fgan_optimal_critic(p, q, family)[mask]
    t_err = np.abs(run.critic(fine)[mask] - t_star)
    print(f"{family}: D_f = {d_f:.6f}, bound = {bound:.6f}, max |T - T*| = {t_err.max():.4f}")
    assert bound <= d_f + FLOAT_ATOL
    assert d_f - bound <= F_BOUND_RTOL * max(1.0, abs(d_f))
    assert np.all(t_err <= F_T_RTOL * np.maximum(1.0, np.abs(t_star)))
    # negative control: T* of the reversed pair is far off
    assert np.max(np.abs(run.critic(fine)[mask] - fgan_optimal_critic(q, p, family)[mask])
                  / np.maximum(1.0, np.abs(t_star))) > 5 * F_T_RTOL


@pytest.mark.full
@pytest.mark.parametrize("family", [f for f in FGAN_FAMILY_NAMES if f != "kl"])
def test_fgan_other_families(family):
    test_fgan_critic_approaches_optimal_critic_and_bound_approaches_divergence(family)


def test_fgan_terms_match_theory_table():
    """T = g_f(v) and f*(T) against theory's Table 2 functions, for v in [-5, 5]."""
    v = np.linspace(-5.0, 5.0, 201)
    for family in FGAN_FAMILY_NAMES:
        fam = FGAN_FAMILIES[family]
        t, conj = fgan_terms(v, family)
        np.testing.assert_allclose(t, fam.activation(v), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(conj, fam.conjugate(fam.activation(v)), rtol=1e-9, atol=1e-12)


# ---------------------------------------------------------------------------------------------
# losses, penalty and interpolates against their definitions
# ---------------------------------------------------------------------------------------------


def _small_batch(seed=0, n=7, d=1):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.normal(1.0, 1.5, size=(n + 2, d)), rng.normal(size=(n, d))


@pytest.mark.parametrize("objective", ["lsgan", "wgan_clip", "wgan_gp", "fgan"])
def test_critic_and_generator_losses_match_definitions(objective):
    config = ObjectiveGANConfig(objective=objective, hidden=(5,), a=0.0, b=1.0, c=1.0, penalty_weight=3.0,
                                family="gan", latent_dim=2)
    params, _ = init_objective_gan(config, 1, 0)
    xr, xf, xh = _small_batch()
    vr = np.asarray(mlp_apply(params["d"], xr))[:, 0]
    vf = np.asarray(mlp_apply(params["d"], xf))[:, 0]
    if objective == "lsgan":  # Mao et al. (2017), Section 3.2
        expected = 0.5 * np.mean((vr - 1.0) ** 2) + 0.5 * np.mean((vf - 0.0) ** 2)
    elif objective == "fgan":  # GAN family: T = log σ(v), f*(T) = -log(1 - σ(v))
        expected = np.mean(np.log1p(np.exp(vf))) - np.mean(-np.log1p(np.exp(-vr)))
    else:
        expected = np.mean(vf) - np.mean(vr)
    if objective == "wgan_gp":  # central differences of V along x
        h = 1e-6
        slope = (np.asarray(mlp_apply(params["d"], xh + h))[:, 0] - np.asarray(mlp_apply(params["d"], xh - h))[:, 0]) / (2 * h)
        expected += 3.0 * np.mean((np.abs(slope) - 1.0) ** 2)
    got = critic_loss(params["d"], xr, xf, config, interp=xh)
    np.testing.assert_allclose(got, expected, rtol=1e-8 if objective == "wgan_gp" else FLOAT_RTOL)
    # weighted points with uniform weights are the minibatch mean
    np.testing.assert_allclose(critic_loss(params["d"], WeightedPoints(xr), WeightedPoints(xf), config,
                                           interp=WeightedPoints(xh)), got, rtol=FLOAT_RTOL)
    z = np.random.default_rng(1).normal(size=(6, 2))
    vg = np.asarray(mlp_apply(params["d"], mlp_apply(params["g"], z)))[:, 0]
    expected_g = {"lsgan": 0.5 * np.mean((vg - 1.0) ** 2), "fgan": -np.mean(np.log1p(np.exp(vg)))}.get(
        objective, -np.mean(vg))
    np.testing.assert_allclose(generator_loss(params["g"], params["d"], z, config), expected_g, rtol=FLOAT_RTOL)


def test_gradient_penalty_gradient_by_finite_differences():
    """Double backpropagation: ∇ψ of λ E(‖∇ₓV‖ - 1)² against central differences in ψ (2-D x)."""
    params = init_mlp((2, 6, 1), 3)
    x = np.random.default_rng(0).normal(size=(9, 2))

    def penalty(prm):
        return anp.mean((gradient_norm(prm, x) - 1.0) ** 2)

    g = tree_flatten(grad(penalty)(params))[0]
    flat, unflatten = tree_flatten(params)
    h = 1e-6
    fd = np.array([(penalty(unflatten(flat + h * e)) - penalty(unflatten(flat - h * e))) / (2 * h)
                   for e in np.eye(flat.size)])
    # central differences: truncation O(h²) ~ 1e-12 and rounding ~ eps/h ~ 1e-10
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)
    # and the norm itself against central differences in x
    slopes = np.stack([(np.asarray(critic_raw(params, x + h * e)) - np.asarray(critic_raw(params, x - h * e))) / (2 * h)
                       for e in np.eye(2)], axis=1)
    np.testing.assert_allclose(gradient_norm(params, x), np.linalg.norm(slopes, axis=1), rtol=1e-7)


def test_interpolates_and_weighted_points():
    real = WeightedPoints([0.0, 2.0], [0.25, 0.75])
    fake = WeightedPoints([1.0, 5.0], [0.5, 0.5])
    xh = interpolates(real, fake, n_nodes=4)
    assert xh.points.shape == (16, 1)
    np.testing.assert_allclose(xh.weights.sum(), 1.0, rtol=FLOAT_RTOL)
    # the midpoint rule integrates affine functions of ε exactly: E x̂ = ½(E x + E x̃)
    np.testing.assert_allclose(xh.weights @ xh.points[:, 0], 0.5 * (1.5 + 3.0), rtol=FLOAT_RTOL)
    # trapezoid weights of a density: on a uniform grid, half cells at the ends
    wp = WeightedPoints.from_density([0.0, 1.0, 2.0], [1.0, 1.0, 1.0])
    np.testing.assert_allclose(wp.weights, [0.25, 0.5, 0.25], rtol=FLOAT_RTOL)
    with pytest.raises(ValueError, match="weights"):
        WeightedPoints([0.0, 1.0], [0.5, 0.6])
    with pytest.raises(ValueError, match="grid"):
        WeightedPoints.from_density([0.0, 0.0, 1.0], [1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="density"):
        WeightedPoints.from_density([0.0, 1.0], [0.0, 0.0])
    with pytest.raises(TypeError, match="real"):
        interpolates([0.0], fake)


# ---------------------------------------------------------------------------------------------
# training loops: smoke-sized runs, determinism, clipping, interruption, validation
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("objective", ["lsgan", "wgan_clip", "wgan_gp", "fgan"])
def test_objective_gan_smoke_and_determinism(objective):
    config = ObjectiveGANConfig(objective=objective, hidden=(8,), batch_size=16, n_disc_steps=2)
    data = mixture_1d([-2.0, 2.0], [0.3, 0.3])
    run = train_objective_gan(data, config, 3, 0, snapshot_steps=[0, 3], n_eval_samples=50)
    again = train_objective_gan(data, config, 3, 0)
    assert run.n_steps == 3 and run.d_loss.shape == (3,) and np.all(np.isfinite(run.g_loss))
    np.testing.assert_array_equal(run.d_loss, again.d_loss)
    assert [s.step for s in run.snapshots] == [0, 3] and run.snapshots[1].samples.shape == (50, 1)
    assert run.sample(5, 0).shape == (5, 1) and run.critic(np.zeros((4, 1))).shape == (4,)
    json.dumps(run.to_dict())
    if objective == "wgan_clip":
        assert max(np.max(np.abs(w)) for w in tree_leaves(run.params["d"])) <= config.clip


def test_objective_gan_update_follows_algorithm_1():
    """k critic steps on x_real[i], G(z[i]), then the generator on z[k] against the new critic."""
    config = ObjectiveGANConfig(objective="wgan_gp", hidden=(6,), n_disc_steps=2, batch_size=5)
    params, states = init_objective_gan(config, 1, 1)
    rng = np.random.default_rng(2)
    x_real, z, eps = rng.normal(size=(2, 5, 1)), rng.normal(size=(3, 5, 1)), rng.random((2, 5))
    new, _, (d_loss, g_loss) = objective_gan_update(params, states, x_real, z, eps, config)
    opt_g, opt_d = config.optimizers()
    d, sd = params["d"], states["d"]
    for i in range(2):
        x_fake = np.asarray(mlp_apply(params["g"], z[i]))
        x_hat = eps[i][:, None] * x_real[i] + (1 - eps[i][:, None]) * x_fake
        loss = critic_loss(d, x_real[i], x_fake, config, interp=x_hat)
        d, sd = opt_d.update(grad(critic_loss)(d, x_real[i], x_fake, config, interp=x_hat), sd, d)
    np.testing.assert_allclose(d_loss, loss, rtol=FLOAT_RTOL)
    np.testing.assert_allclose(tree_flatten(new["d"])[0], tree_flatten(d)[0], rtol=FLOAT_RTOL)
    np.testing.assert_allclose(g_loss, generator_loss(params["g"], d, z[2], config), rtol=FLOAT_RTOL)
    g, _ = opt_g.update(grad(generator_loss)(params["g"], d, z[2], config), states["g"], params["g"])
    np.testing.assert_allclose(tree_flatten(new["g"])[0], tree_flatten(g)[0], rtol=FLOAT_RTOL)
    with pytest.raises(ValueError, match="eps"):
        objective_gan_update(params, states, x_real, z, eps[:1], config)


@pytest.mark.parametrize("objective", ["lsgan", "wgan_clip", "wgan_gp", "fgan"])
def test_train_critic_on_samples(objective):
    # λ = 0.1: with a large λ the penalty (|f'| - 1)² has a second local maximum at a slope of
    # the wrong sign (1 - |Δ|/(2λρ) > 0 on the wrong side), which a critic that starts with the
    # wrong slope sign climbs; at λ = 0.1 only the right sign is a local maximum here
    config = ObjectiveGANConfig(objective=objective, hidden=(8,), batch_size=32, lr_d=1e-2, penalty_weight=0.1)
    run = train_critic(gaussian_1d(0.0, 1.0), gaussian_1d(2.0, 1.0), config, 30, 4)
    assert run.n_steps == 30 and run.loss.shape == (30,) and np.all(np.isfinite(run.loss))
    np.testing.assert_array_equal(run.loss, train_critic(gaussian_1d(0.0, 1.0), gaussian_1d(2.0, 1.0),
                                                         config, 30, 4).loss)
    json.dumps(run.to_dict())
    # the critic learned the direction: it scores the data (left) above the generator (right)
    assert run.critic(np.array([[-1.0]]))[0] > run.critic(np.array([[3.0]]))[0]


def test_train_critic_interrupt_returns_partial_run():
    def stop(step, params, loss):
        if step == 4:
            raise KeyboardInterrupt

    run = train_critic(gaussian_1d(0.0, 1.0), gaussian_1d(2.0, 1.0), ObjectiveGANConfig(hidden=(4,), batch_size=8),
                       10, 0, callback=stop)
    assert run.interrupted and run.n_steps == 4 and run.loss.shape == (4,)


@pytest.mark.parametrize("field, value, exc", [
    ("objective", "wgan", ValueError), ("a", 1.0, ValueError), ("clip", 0.0, ValueError),
    ("penalty_weight", -1.0, ValueError), ("family", "tv", ValueError), ("c", float("nan"), ValueError),
    ("lr_d", 0.0, ValueError), ("hidden", "64", TypeError), ("optimizer_kwargs", {"b1": 2.0}, ValueError),
])
def test_config_validation(field, value, exc):
    with pytest.raises(exc, match=field):
        ObjectiveGANConfig(**{field: value})


def test_training_validation():
    real, fake = WeightedPoints([0.0, 1.0]), WeightedPoints([2.0])
    config = ObjectiveGANConfig(hidden=(4,))
    with pytest.raises(TypeError, match="both"):
        train_critic(real, gaussian_1d(0.0, 1.0), config, 1, 0)
    with pytest.raises(ValueError, match="lbfgs"):
        train_critic(gaussian_1d(0.0, 1.0), gaussian_1d(1.0, 1.0), config, 1, 0, solver="lbfgs")
    with pytest.raises(ValueError, match="solver"):
        train_critic(real, fake, config, 1, 0, solver="newton")
    with pytest.raises(ValueError, match="init_params"):
        train_critic(real, fake, config, 1, 0, init_params=init_mlp((1, 5, 1), 0))
    with pytest.raises(ValueError, match="dimension"):
        train_critic(real, WeightedPoints(np.zeros((2, 2))), config, 1, 0)
    with pytest.raises(TypeError, match="config"):
        train_critic(real, fake, object(), 1, 0)
    with pytest.raises(ValueError, match="interp"):
        critic_loss(init_mlp((1, 3, 1), 0), np.zeros((2, 1)), np.ones((2, 1)),
                    ObjectiveGANConfig(objective="wgan_gp"))
    with pytest.raises(TypeError, match="snapshot_steps"):
        train_objective_gan(gaussian_1d(0.0, 1.0), config, 1, 0, snapshot_steps=3)
    with pytest.raises(ValueError, match="clip"):
        clip_weights(init_mlp((1, 2, 1), 0), -1.0)


# ---------------------------------------------------------------------------------------------
# full tier: generator training on the 1-D mixture and the ring of 8 Gaussians
# ---------------------------------------------------------------------------------------------


#: WGAN-GP on the toys: λ = 0.1, n_critic = 5, Adam(β₁ = 0.5, β₂ = 0.9), the settings of the
#: authors' toy script (igul222/improved_wgan_training, gan_toy.py: "Smaller lambda makes things
#: faster for toy tasks"), at step size 1e-3.  With λ = 10 the same runs on the 1-D mixture
#: diverged (W1 1.95 -> 4-15 within 1000 steps at lr 1e-3, or lr_g 1e-4).
GP_TOY = {"optimizer_kwargs": {"b1": 0.5, "b2": 0.9}, "n_disc_steps": 5, "penalty_weight": 0.1}


@pytest.mark.full
@pytest.mark.parametrize("objective", ["lsgan", "wgan_gp"])
def test_generator_training_reduces_w1_on_mixture(objective):
    data = mixture_1d([-2.0, 2.0], [0.3, 0.3])
    kw = GP_TOY if objective == "wgan_gp" else {}
    config = ObjectiveGANConfig(objective=objective, hidden=(32, 32), batch_size=128, **kw)
    run = train_objective_gan(data, config, 1000, 0, snapshot_steps=[0, 1000], n_eval_samples=4000)
    x = data.sample(4000, 1)[:, 0]  # measured: LSGAN 1.95 -> 0.42, WGAN-GP 1.95 -> 0.19
    w_start = wasserstein_1d(x, run.snapshots[0].samples[:, 0])
    w_end = wasserstein_1d(x, run.snapshots[1].samples[:, 0])
    print(f"{objective}: W1 {w_start:.3f} -> {w_end:.3f}")
    assert w_end < 0.5 * w_start


@pytest.mark.full
def test_wgan_gp_on_ring_of_gaussians_runs():
    data = ring_of_gaussians()
    config = ObjectiveGANConfig(objective="wgan_gp", hidden=(32, 32), batch_size=128, latent_dim=2, **GP_TOY)
    run = train_objective_gan(data, config, 500, 0, snapshot_steps=[500], n_eval_samples=2000)
    radius = np.linalg.norm(run.snapshots[-1].samples, axis=1)
    near = np.mean(np.abs(radius - 2.0) < 0.25)
    print(f"median radius {np.median(radius):.3f}, fraction within 0.25 of the ring {near:.3f}")
    # measured at seed 0: median 1.98, 85% within 0.25 (at initialization: median 0.39, 0%)
    assert abs(np.median(radius) - 2.0) < 0.25 and near > 0.5
