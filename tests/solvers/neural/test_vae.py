"""Tests for solvers.neural.vae.

- the reparameterized ELBO estimate is unbiased for the closed-form linear-Gaussian ELBO
  (theory.vae.linear_gaussian_elbo), with the exact variance of a Gaussian quadratic form;
- a linear VAE trained on data from the linear-Gaussian model recovers probabilistic PCA's
  maximum-likelihood covariance W Wᵀ + σ² I (theory.vae.ppca_mle, Tipping & Bishop 1999,
  Section 3.2; the linear VAE's optimum is pPCA's, Lucas et al. 2019), within a tolerance
  derived from the exact ELBO gradient at the end of training;
- a nonlinear VAE on a 2-D toy has ELBO <= log p(x) at every data point and on average, with
  log p(x) and the ELBO computed by quadrature over the 1-D latent (not by the solver), and the
  gap equal to KL(q(z | x) ‖ p(z | x)) (Kingma & Welling 2014, eq. (1));
- configuration, validation, determinism, serialization.
"""

import json

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

# The experiment's setting and its independent references (the exact ELBO of the linear VAE, the
# quadratures of the nonlinear one) are the claim module's, so the test and the claims
# kingma2014/linear-vae-ppca-mle and kingma2014/nonlinear-vae-elbo-below-log-marginal check one setting.
from experiments.claims.kingma2014 import (GH_NODES, LINEAR_CONFIG, LINEAR_STEPS, N_TOY, NEWTON_SAFETY,
                                           NONLINEAR_CONFIG, NONLINEAR_STEPS, STATIONARY_ATOL, TOY, Z_GRID,
                                           linear_gaussian_data, linear_vae_model_covariance,
                                           pack_linear_vae, quadrature_expected_log_lik,
                                           quadrature_log_marginal, reference_negative_elbo)
from hypothesis import given, settings
from hypothesis import strategies as st

from solvers.neural.vae import VAEConfig, elbo_estimate, init_vae, vae_decode, vae_encode, train_vae, vae_loss, vae_update
from solvers.neural.optim import tree_equal
from tests.stats import FALSE_ALARM, assert_median_of_means
from theory.concentration import median_of_blocks_plan
from tests.tolerances import FLOAT_ATOL, FLOAT_RTOL
from theory.vae import gaussian_kl, linear_gaussian_elbo, linear_gaussian_log_marginal, ppca_mle

# ---------------------------------------------------------------------------------------------
# the linear-Gaussian model and the linear VAE
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def linear_run():
    X = linear_gaussian_data(0)
    return X, train_vae(X, LINEAR_CONFIG, LINEAR_STEPS, seed=0)


def test_reference_objective_is_theory_elbo(linear_run):
    """The test's reference objective equals the mean of theory.vae.linear_gaussian_elbo with
    q = N(μ(x), diag s²) at the learned parameters (two independent codings of one formula)."""
    X, run = linear_run
    W, b = run.linear_decoder()
    mean, std = run.encode(X)
    q_cov = np.einsum("nk,kl->nkl", std ** 2, np.eye(1))
    theory = np.mean(linear_gaussian_elbo(X, W, b, run.sigma, mean, q_cov))
    # float rounding of two summation orders over 400 points of O(10) terms
    assert -reference_negative_elbo(pack_linear_vae(run.params), X) == pytest.approx(theory, rel=FLOAT_RTOL, abs=FLOAT_ATOL)


@pytest.mark.statistical
@pytest.mark.parametrize("kl", ["analytic", "sampled"])
def test_elbo_estimate_is_unbiased_for_closed_form(kl):
    """Mean of the one-draw estimates L̃(x) over many ε against the closed-form ELBO
    (theory.vae.linear_gaussian_elbo), per data point, at a random (untrained) linear VAE.

    With z = μ + s ⊙ ε, r = x − Wd ᵀμ − bd and A = diag(s) Wd, the estimate is a Gaussian
    quadratic form L̃ = c + aᵀε + εᵀBε: a = A r/σ², B = −A Aᵀ/(2σ²) for the analytic KL
    (eq. (7)); the sampled KL (eq. (6)) adds log p(z) − log q(z), i.e. a −= s ⊙ μ and
    B += diag(1 − s²)/2.  Var L̃ = |a|² + 2 |B|_F², the exact variance the median-of-means check
    uses.  Negative control: the mean shifted by the ε part of the expected error, tr AAᵀ/(2σ²),
    is rejected."""
    config = VAEConfig(latent_dim=2, encoder_std="constant", init_sigma=0.7, kl=kl)
    params = init_vae(config, 3, seed=5)
    params["log_std"] = np.array([-0.3, 0.2])
    X = np.random.default_rng(1).standard_normal((4, 3))
    n_draws = 20_000
    eps = np.random.default_rng(2).standard_normal((4, n_draws, 2))
    # all draws at once: each x repeated n_draws times, one draw of ε per copy
    Xr = np.repeat(X, n_draws, axis=0)
    est = elbo_estimate(params, Xr, eps.reshape(-1, 1, 2), config).reshape(4, n_draws).T
    W, b = params["dec"][0]["W"].T, params["dec"][0]["b"]
    sigma = float(np.exp(params["log_sigma"]))
    mean, std = vae_encode(params, X)
    exact = linear_gaussian_elbo(X, W, b, sigma, mean, np.einsum("nk,kl->nkl", std ** 2, np.eye(2)))
    A = std[:, :, None] * W.T[None]                                    # (n, k, d)
    r = X - mean @ W.T - b
    a = np.einsum("nkd,nd->nk", A, r) / sigma ** 2
    B = -A @ np.swapaxes(A, 1, 2) / (2 * sigma ** 2)
    if kl == "sampled":
        a = a - std * mean
        B = B + np.einsum("nk,kl->nkl", (1 - std ** 2) / 2, np.eye(2))
    var = np.sum(a ** 2, axis=1) + 2 * np.sum(B ** 2, axis=(1, 2))
    assert_median_of_means(est, exact, var, what="ELBO estimate")
    wrong = exact + np.trace(A @ np.swapaxes(A, 1, 2), axis1=1, axis2=2) / (2 * sigma ** 2)
    with pytest.raises(AssertionError):
        assert_median_of_means(est, wrong, var, what="ELBO estimate")


@settings(max_examples=30)
@given(seed=st.integers(0, 2 ** 32 - 1), d=st.integers(1, 4), k=st.integers(1, 3),
       kl=st.sampled_from(["analytic", "sampled"]), log_sigma=st.floats(-2.0, 1.0))
def test_elbo_estimate_on_sigma_points_is_exact(seed, d, k, kl, log_sigma):
    """For a linear decoder the estimate is a quadratic polynomial in ε, so its average over
    the 2k symmetric points ε = ±√k e_j (whose first three moments are N(0, I)'s) is exactly the
    ELBO: compared with theory.vae.linear_gaussian_elbo for random parameters and data, any
    encoder (constant or amortized std), both estimators."""
    rng = np.random.default_rng(seed)
    config = VAEConfig(latent_dim=k, kl=kl, encoder_std="constant" if seed % 2 else "amortized")
    params = init_vae(config, d, rng)
    params["log_sigma"] = np.array(log_sigma)
    if "log_std" in params:
        params["log_std"] = rng.uniform(-1, 1, k)
    X = 2 * rng.standard_normal((3, d))
    points = np.sqrt(k) * np.concatenate([np.eye(k), -np.eye(k)])       # (2k, k)
    eps = np.broadcast_to(points, (3, 2 * k, k))
    est = elbo_estimate(params, X, eps, config)                        # mean over the 2k points
    mean, std = vae_encode(params, X)
    W, b = params["dec"][0]["W"].T, params["dec"][0]["b"]
    exact = linear_gaussian_elbo(X, W, b, np.exp(log_sigma), mean, np.einsum("nk,kl->nkl", std ** 2, np.eye(k)))
    # rounding of O(100)-sized terms (1/σ² up to e⁴ times squared residuals)
    np.testing.assert_allclose(est, exact, rtol=1e-10, atol=1e-10)


def check_ppca_recovery(X, run):
    """W Wᵀ + σ² I of the trained linear VAE against the pPCA ML covariance of the data's
    sample covariance (eigendecomposition, theory.vae.ppca_mle).

    Tolerance from the optimizer's convergence: at the end point θ̂ the exact objective F (the
    test's reference, ε integrated out) has gradient g and Hessian H > 0; the nearest
    stationary point is θ̂ − H⁻¹g to first order, where C differs from C(θ̂) by J H⁻¹ g
    (J = ∂C/∂θ).  So |C(θ̂) − C_ML|_F <= NEWTON_SAFETY |J H⁻¹ g| if that stationary point is the
    ML solution — which Newton's method from θ̂ then checks directly (to STATIONARY_ATOL).
    A run stuck elsewhere (e.g. the collapsed W = 0 saddle) has a small Newton step but a
    large error, and fails."""
    d, k = 3, 1
    ml = ppca_mle(np.cov(X.T, bias=True), k)
    theta = pack_linear_vae(run.params)
    grad = autograd.grad(reference_negative_elbo)
    hess = autograd.hessian(reference_negative_elbo)
    g = grad(theta, X)
    H = hess(theta, X)
    eig = np.linalg.eigvalsh(H)
    assert eig.min() > 0, f"Hessian not positive definite at the end point: eigenvalues {eig}"
    J = autograd.jacobian(lambda t: anp.reshape(linear_vae_model_covariance(t, d, k), (-1,)))(theta)
    newton = np.linalg.solve(H, g)
    tol = NEWTON_SAFETY * np.linalg.norm(J @ newton)
    C = run.model_covariance()
    err = np.linalg.norm(C - ml.cov)
    assert err <= tol, f"|C - C_ML|_F = {err:.3g} > {tol:.3g} (|g| = {np.linalg.norm(g):.3g})"
    # Newton refinement of the same objective: the stationary point next to the end point
    t = theta.copy()
    for _ in range(30):
        step = np.linalg.solve(hess(t, X), grad(t, X))
        t = t - step
        if np.linalg.norm(step) < 1e-14:
            break
    assert np.linalg.norm(grad(t, X)) < 1e-10
    assert np.linalg.norm(t - theta) <= NEWTON_SAFETY * np.linalg.norm(newton)
    np.testing.assert_allclose(linear_vae_model_covariance(t, d, k), ml.cov, rtol=0, atol=STATIONARY_ATOL)
    # at that optimum the bound is tight: mean ELBO = pPCA's maximized mean log-likelihood
    assert -reference_negative_elbo(t, X) == pytest.approx(ml.log_likelihood, abs=STATIONARY_ATOL)
    # the learned bound is below the learned model's likelihood, itself below the maximum
    W, b = run.linear_decoder()
    log_p = np.mean(linear_gaussian_log_marginal(X, W, b, run.sigma))
    assert -reference_negative_elbo(theta, X) <= log_p + FLOAT_ATOL
    assert log_p <= ml.log_likelihood + FLOAT_ATOL


def test_linear_vae_recovers_ppca_mle(linear_run):
    check_ppca_recovery(*linear_run)


def test_ppca_check_rejects_the_collapsed_saddle(linear_run):
    """Negative control: the posterior-collapse stationary point (decoder W = 0, q = prior,
    σ² = tr S / d; the exact gradient vanishes there) is rejected by the same check."""
    X, run = linear_run
    params = {"enc": [{"W": np.zeros((3, 1)), "b": np.zeros(1)}], "log_std": np.zeros(1),
              "dec": [{"W": np.zeros((1, 3)), "b": X.mean(axis=0)}],
              "log_sigma": np.array(0.5 * np.log(np.trace(np.cov(X.T, bias=True)) / 3))}
    collapsed = type(run)(config=run.config, params=params, opt_state=run.opt_state, elbo=run.elbo,
                          grad_norm=run.grad_norm, lr=run.lr)
    assert np.linalg.norm(autograd.grad(reference_negative_elbo)(pack_linear_vae(params), X)) < 1e-12
    with pytest.raises(AssertionError):
        check_ppca_recovery(X, collapsed)


# ---------------------------------------------------------------------------------------------
# a nonlinear VAE on a 2-D toy: ELBO <= log p(x) by quadrature over the 1-D latent
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def toy_run():
    X = TOY.sample(N_TOY, 0)
    return X, train_vae(X, NONLINEAR_CONFIG, NONLINEAR_STEPS, seed=0)


@pytest.fixture(scope="module")
def toy_quadrature(toy_run):
    X, run = toy_run
    log_p, z, lj = quadrature_log_marginal(run, X, Z_GRID)
    log_p_coarse, _, _ = quadrature_log_marginal(run, X, (Z_GRID + 1) // 2)
    # the trapezoid rule converges faster than geometrically on this smooth, decaying
    # integrand once h resolves the posterior, so the coarse grid's error bounds the fine one's
    p_err = np.abs(log_p - log_p_coarse)
    ell, ell2 = quadrature_expected_log_lik(run, X, GH_NODES)
    ell_coarse, _ = quadrature_expected_log_lik(run, X, GH_NODES // 2)
    mean, std = run.encode(X)
    kl_prior = gaussian_kl(mean, std[:, :, None] ** 2)                # Appendix B, theory.vae
    elbo = ell - kl_prior
    elbo_err = np.abs(ell - ell_coarse)
    return {"log_p": log_p, "p_err": p_err, "elbo": elbo, "elbo_err": elbo_err, "ell": ell, "ell2": ell2,
            "z": z, "lj": lj, "mean": mean, "std": std}


def test_quadrature_resolves_the_posterior(toy_quadrature):
    """The grid step is far below the narrowest q(z | x) (and so the posterior it approximates),
    and both quadratures agree with their coarse versions (half the grid points, half the
    Gauss-Hermite nodes) to < 1e-6 nats (measured at seeds 0-9: <= 9e-13 and <= 1e-7)."""
    q = toy_quadrature
    h = q["z"][1] - q["z"][0]
    assert h < q["std"].min() / 10
    assert q["p_err"].max() < 1e-6
    assert q["elbo_err"].max() < 1e-6


def test_nonlinear_elbo_below_log_marginal(toy_quadrature):
    """ELBO(x) <= log p(x) at every data point and on average (Kingma & Welling 2014, eq. (1)
    with KL >= 0), both sides by quadrature, up to their quadrature errors.  Negative control:
    the bound with the KL sign flipped exceeds log p(x) at some point."""
    q = toy_quadrature
    slack = q["p_err"] + q["elbo_err"] + FLOAT_ATOL
    gap = q["log_p"] - q["elbo"]
    assert np.all(gap >= -slack), f"ELBO above log p(x) by {(-gap).max():.3g}"
    assert q["elbo"].mean() <= q["log_p"].mean() + slack.mean()
    wrong = q["ell"] + (q["ell"] - q["elbo"])                         # E log p(x|z) + KL
    assert np.any(wrong > q["log_p"] + slack)


def test_nonlinear_gap_is_kl_to_posterior(toy_quadrature):
    """log p(x) − ELBO(x) = KL(q(z | x) ‖ p(z | x)) (Kingma & Welling 2014, eq. (1)), the KL
    computed on the z grid from the posterior density exp(log p(x, z) − log p(x))."""
    q = toy_quadrature
    z, lj = q["z"], q["lj"]
    log_post = lj - q["log_p"][:, None]
    mean, std = q["mean"], q["std"]
    log_q = -0.5 * np.log(2 * np.pi) - np.log(std) - 0.5 * ((z[None] - mean) / std) ** 2
    h = z[1] - z[0]
    kl = np.sum(np.exp(log_q) * (log_q - log_post), axis=1) * h
    tol = q["p_err"] + q["elbo_err"] + 1e-8                              # grid rule on q's smooth density
    np.testing.assert_array_less(np.abs(kl - (q["log_p"] - q["elbo"])), tol)


@pytest.mark.statistical
def test_solver_elbo_matches_quadrature(toy_run, toy_quadrature):
    """The solver's Monte Carlo ELBO (analytic KL, fresh ε, one draw each) against the
    quadrature ELBO, per data point and averaged over the points; median of means with the
    exact variance Var_q[log p(x | z)] from Gauss-Hermite (the draws at different points are
    independent, so the point average has variance mean(Var)/n).  Negative control: the
    average shifted by twice its acceptance radius is rejected."""
    X, run = toy_run
    q = toy_quadrature
    n_draws = 4000
    eps = np.random.default_rng(7).standard_normal((N_TOY * n_draws, 1, 1))
    est = elbo_estimate(run.params, np.repeat(X, n_draws, axis=0), eps, run.config).reshape(N_TOY, n_draws).T
    var = np.maximum(q["ell2"] - q["ell"] ** 2, 0.0)
    atol = q["elbo_err"].max()
    assert_median_of_means(est, q["elbo"], var, atol=atol, what="MC ELBO per point")
    avg_var = var.mean() / N_TOY
    assert_median_of_means(est.mean(axis=1), q["elbo"].mean(), avg_var, atol=atol, what="MC mean ELBO")
    blocks, c = median_of_blocks_plan(n_draws, FALSE_ALARM)
    radius = c * np.sqrt(avg_var * blocks / n_draws)
    with pytest.raises(AssertionError):
        assert_median_of_means(est.mean(axis=1), q["elbo"].mean() + 2 * radius, avg_var, what="MC mean ELBO")


# ---------------------------------------------------------------------------------------------
# configuration, validation, determinism, serialization
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("field, value, exc", [
    ("latent_dim", 0, ValueError), ("encoder_hidden", (0,), ValueError), ("encoder_std", "diag", ValueError),
    ("lr", -1.0, ValueError), ("lr_final", 0.0, ValueError), ("decay_start", 1.0, ValueError),
    ("batch_size", 0, ValueError), ("n_mc", 0, ValueError), ("kl", "mc", ValueError),
    ("init_sigma", 0.0, ValueError), ("learn_sigma", 1, TypeError), ("activation", "sine", ValueError),
    ("optimizer", "lbfgs", ValueError),
])
def test_config_rejects_bad_fields(field, value, exc):
    with pytest.raises(exc, match=field if field != "optimizer" else "optimizer"):
        VAEConfig(**{field: value})


def test_bad_inputs_are_named():
    config = VAEConfig(latent_dim=2)
    params = init_vae(config, 3, seed=0)
    with pytest.raises(ValueError, match="`x`"):
        vae_encode(params, np.zeros((4, 2)))
    with pytest.raises(ValueError, match="`z`"):
        vae_decode(params, np.zeros((4, 3)))
    with pytest.raises(ValueError, match="`eps`"):
        elbo_estimate(params, np.zeros((4, 3)), np.zeros((5, 1, 2)), config)
    with pytest.raises(TypeError, match="`params`"):
        vae_encode({"enc": params["enc"]}, np.zeros((4, 3)))
    with pytest.raises(ValueError, match="`data`"):
        train_vae(np.zeros((0, 3)), config, 1, seed=0)
    with pytest.raises(ValueError, match="n_steps"):
        train_vae(np.zeros((4, 3)), config, -1, seed=0)
    with pytest.raises(TypeError, match="config"):
        train_vae(np.zeros((4, 3)), {"latent_dim": 2}, 1, seed=0)
    with pytest.raises(ValueError, match="affine decoder"):
        train_vae(np.zeros((4, 3)), VAEConfig(decoder_hidden=(4,)), 0, seed=0).linear_decoder()


def test_schedule_determinism_and_serialization():
    """Same seed, same run; the step size is constant for decay_start·n_steps steps, then
    geometric down to lr_final; minibatches are used when batch_size < n; fixed σ stays put."""
    X = np.random.default_rng(0).standard_normal((30, 2))
    config = VAEConfig(encoder_hidden=(4,), decoder_hidden=(4,), lr=0.1, lr_final=1e-3, decay_start=0.5,
                       batch_size=8, learn_sigma=False, init_sigma=0.5)
    a = train_vae(X, config, 10, seed=3)
    b = train_vae(X, config, 10, seed=3)
    assert tree_equal(a.params, b.params) and np.array_equal(a.elbo, b.elbo)
    np.testing.assert_allclose(a.lr, [0.1] * 5 + list(0.1 * 0.01 ** (np.arange(5) / 4)), rtol=FLOAT_RTOL)
    assert a.sigma == 0.5
    assert not tree_equal(a.params, train_vae(X, config, 10, seed=4).params)
    out = json.loads(json.dumps(a.to_dict()))
    assert out["n_steps"] == 10 and out["config"]["decay_start"] == 0.5 and len(out["elbo"]) == 10
    assert a.sample(5, seed=0).shape == (5, 2)


def test_update_matches_finite_differences():
    """vae_update's loss and gradient norm against central differences of vae_loss at fixed ε
    (SGD with lr = 1: the parameter change is the gradient itself)."""
    config = VAEConfig(encoder_hidden=(3,), decoder_hidden=(3,), optimizer="sgd", lr=1.0, kl="sampled")
    params = init_vae(config, 2, seed=1)
    X = np.random.default_rng(0).standard_normal((5, 2))
    eps = np.random.default_rng(1).standard_normal((5, 2, 1))
    new, _, loss, gnorm = vae_update(params, config.optimizer_at(1.0).init(params), X, eps, config)
    assert loss == pytest.approx(vae_loss(params, X, eps, config), rel=FLOAT_RTOL)
    step = params["log_sigma"] - new["log_sigma"]
    h = 1e-6
    up = {**params, "log_sigma": params["log_sigma"] + h}
    down = {**params, "log_sigma": params["log_sigma"] - h}
    fd = (vae_loss(up, X, eps, config) - vae_loss(down, X, eps, config)) / (2 * h)
    # central differences: O(h²) truncation plus O(eps_mach / h) rounding of O(10) losses
    assert float(step) == pytest.approx(fd, abs=1e-7)
    assert gnorm >= abs(float(step))


# ---------------------------------------------------------------------------------------------
# the fused backend (FusedVAE) against autograd
# ---------------------------------------------------------------------------------------------

#: Hand-chained and autograd gradients of the same float64 loss differ only by the order of the
#: roundings (a few ulps per operation over ~10 chained operations, sums of <= 60 terms), and
#: SGD with lr = 1 returns θ − g, exact to one ulp of |θ| <= 3: relative to the gradient's
#: largest entry far below 1e-12 (measured <= 1.2e-15 over 1,920 cases of _fused_gap).
FUSED_RTOL = FLOAT_RTOL
#: Whole runs (12 steps): per-step rounding differences of ~1e-16 relative pass through Adam,
#: whose step divides by the gradient's own scale, so they stay relative (measured <= 1e-14);
#: 1e-10 leaves four orders of margin and fails any change of the update (a wrong gradient moves
#: a parameter by ~lr = 1e-2 per step).
RUN_ATOL = 1e-10


def _sgd_gradients(params, X, eps, config, backend):
    """(loss, gradient norm, gradient leaves) of one vae_update with SGD at lr = 1 (the
    parameter change is the gradient)."""
    import dataclasses

    from solvers.neural.optim import tree_leaves

    config = dataclasses.replace(config, backend=backend, optimizer="sgd", lr=1.0)
    new, _, loss, gnorm = vae_update(params, config.optimizer_at(1.0).init(params), X, eps, config)
    return loss, gnorm, [np.ravel(a - b) for a, b in zip(tree_leaves(params), tree_leaves(new))]


def _fused_gap(seed, encoder_std, kl, hidden, learn_sigma, activation="tanh"):
    rng = np.random.default_rng(seed)
    config = VAEConfig(latent_dim=2, encoder_hidden=hidden, decoder_hidden=hidden, encoder_std=encoder_std,
                       kl=kl, learn_sigma=learn_sigma, activation=activation)
    params = init_vae(config, 3, rng)
    params["log_sigma"] = np.array(rng.uniform(-1.0, 1.0))
    if encoder_std == "constant":
        params["log_std"] = rng.uniform(-1.0, 1.0, size=2)
    X, eps = rng.normal(size=(6, 3)), rng.normal(size=(6, 3, 2))
    fused = _sgd_gradients(params, X, eps, config, "fused")
    auto = _sgd_gradients(params, X, eps, config, "autograd")
    g = np.concatenate(auto[2])
    scale = np.max(np.abs(g))
    return {"loss": abs(fused[0] - auto[0]) / abs(auto[0]), "norm": abs(fused[1] - auto[1]) / auto[1],
            "grad": float(np.max(np.abs(np.concatenate(fused[2]) - g)) / scale)}


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), encoder_std=st.sampled_from(["amortized", "constant"]),
       kl=st.sampled_from(["analytic", "sampled"]), hidden=st.sampled_from([(), (4,), (3, 4)]),
       learn_sigma=st.booleans(), activation=st.sampled_from(["tanh", "softplus"]))
def test_fused_loss_and_gradient_match_autograd(seed, encoder_std, kl, hidden, learn_sigma, activation):
    gaps = _fused_gap(seed, encoder_std, kl, hidden, learn_sigma, activation)
    assert max(gaps.values()) <= FUSED_RTOL, gaps


def test_a_wrong_fused_vjp_fails(monkeypatch):
    """Negative control: with tanh' taken as 1 − y instead of 1 − y² in the fused networks'
    backward pass, the gradients no longer match autograd (the loss still does)."""
    import solvers.neural.fused as fused_module

    monkeypatch.setattr(fused_module, "activation_vjp", lambda name, y, g, out=None: np.multiply(g, 1.0 - y, out=out))
    gaps = _fused_gap(0, "amortized", "analytic", (4,), True)
    assert gaps["loss"] <= FUSED_RTOL and gaps["grad"] > 1e-3, gaps


def test_fused_and_autograd_runs_agree_and_repeat():
    """12 minibatch steps of both backends from one seed agree to rounding (parameters, ELBO
    trace, gradient norms, optimizer state); the fused run repeats exactly at the same seed."""
    import dataclasses

    from solvers.neural.optim import tree_leaves

    X = np.random.default_rng(0).standard_normal((20, 3))
    for config in (VAEConfig(latent_dim=2, encoder_hidden=(5,), decoder_hidden=(5,), batch_size=8, n_mc=2),
                   VAEConfig(encoder_std="constant", kl="sampled", lr_final=1e-3)):
        fused = train_vae(X, config, 12, seed=1)
        auto = train_vae(X, dataclasses.replace(config, backend="autograd"), 12, seed=1)
        assert list(fused.params) == list(auto.params)
        for a, b in zip(tree_leaves([fused.params, fused.opt_state.slots]),
                        tree_leaves([auto.params, auto.opt_state.slots])):
            np.testing.assert_allclose(a, b, rtol=0, atol=RUN_ATOL)
        np.testing.assert_allclose(fused.elbo, auto.elbo, rtol=0, atol=RUN_ATOL)
        np.testing.assert_allclose(fused.grad_norm, auto.grad_norm, rtol=0, atol=RUN_ATOL)
        again = train_vae(X, config, 12, seed=1)
        assert tree_equal(fused.params, again.params) and np.array_equal(fused.elbo, again.elbo)
    with pytest.raises(ValueError, match="backend"):
        VAEConfig(backend="torch")
