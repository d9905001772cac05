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
from scipy.special import logsumexp

from solvers.neural.vae import VAEConfig, decode, elbo_estimate, encode, init_vae, train_vae, vae_update
from solvers.neural.optim import tree_equal
from solvers.problems.mixtures import ring_of_gaussians
from tests.stats import assert_median_of_means
from tests.tolerances import FLOAT_ATOL, FLOAT_RTOL
from theory.vae import gaussian_kl, linear_gaussian_elbo, linear_gaussian_log_marginal, ppca_mle

# ---------------------------------------------------------------------------------------------
# the linear-Gaussian model and the linear VAE
# ---------------------------------------------------------------------------------------------

#: The generating model: d = 3, k = 1, x = W z + b + σ ξ.
W_TRUE = np.array([[2.0], [1.0], [-1.0]])
B_TRUE = np.array([0.5, -1.0, 0.0])
SIGMA_TRUE = 0.5
N_DATA = 400

#: 1000 Adam steps, lr 0.05 for the first half then geometrically down to 1e-4, 16 draws of ε
#: per point on the full data set.  Measured at seeds 0-9: exact-ELBO gradient norm at the end
#: 5e-3-4e-2, |C - C_ML|_F 4e-4-1.1e-2 (|C_ML|_F ≈ 7), each within 10% of its first-order
#: prediction |J H⁻¹ g|.
LINEAR_CONFIG = VAEConfig(latent_dim=1, encoder_std="constant", lr=0.05, lr_final=1e-4, decay_start=0.5,
                          n_mc=16)
LINEAR_STEPS = 1000

#: The Newton step −H⁻¹ g from the end point predicts, to first order, where the nearest
#: stationary point is, and J H⁻¹ g (J = ∂C/∂θ) how far C is from its value there.  A factor 2
#: covers the quadratic model's error; the test checks it too (the Newton-refined stationary
#: point must lie within that distance).
NEWTON_SAFETY = 2.0

#: The refined stationary point against the eigendecomposition: Newton's method on the exact
#: objective converges quadratically to ~1e-13 in the parameters; C then agrees to rounding of
#: products of O(4) numbers, and we allow 1e-9 for the conditioning of H (eigenvalues >= 0.1).
STATIONARY_ATOL = 1e-9


def linear_gaussian_data(seed):
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((N_DATA, 1))
    return z @ W_TRUE.T + B_TRUE + SIGMA_TRUE * rng.standard_normal((N_DATA, 3))


def _unpack(theta, d, k):
    """(V (d, k), c (k,), log s (k,), Wd (k, d), bd (d,), log σ) from the flat vector."""
    sizes = [d * k, k, k, k * d, d, 1]
    parts, i = [], 0
    for s in sizes:
        parts.append(theta[i:i + s])
        i += s
    V, c, log_s, Wd, bd, log_sigma = parts
    return anp.reshape(V, (d, k)), c, log_s, anp.reshape(Wd, (k, d)), bd, log_sigma[0]


def pack(params):
    """The solver's parameter dict of a linear VAE as one flat vector (the reference layout)."""
    enc, dec = params["enc"][0], params["dec"][0]
    return np.concatenate([np.ravel(enc["W"]), enc["b"], params["log_std"], np.ravel(dec["W"]), dec["b"],
                           [float(params["log_sigma"])]])


def reference_negative_elbo(theta, X):
    """The exact (ε integrated out) negative mean ELBO of the linear VAE, written independently
    of the solver: q = N(V x + c, diag s²), p(x | z) = N(Wdᵀ z + bd, σ² I), and
    E_q |x − Wdᵀ z − bd|² = |x − Wdᵀ μ − bd|² + Σ_j s_j² |Wd_j|²."""
    d = X.shape[1]
    k = (theta.shape[0] - d - 1) // (2 * d + 2)
    V, c, log_s, Wd, bd, log_sigma = _unpack(theta, d, k)
    mu = anp.dot(X, V) + c
    s2 = anp.exp(2.0 * log_s)
    r = X - anp.dot(mu, Wd) - bd
    sq = anp.sum(r ** 2, axis=1) + anp.sum(s2 * anp.sum(Wd ** 2, axis=1))
    sigma2 = anp.exp(2.0 * log_sigma)
    exp_loglik = -0.5 * d * np.log(2 * np.pi) - d * log_sigma - 0.5 * sq / sigma2
    kl = 0.5 * anp.sum(mu ** 2 + s2 - 1.0 - 2.0 * log_s, axis=1)
    return -anp.mean(exp_loglik - kl)


def model_cov(theta, d, k):
    _, _, _, Wd, _, log_sigma = _unpack(theta, d, k)
    return anp.dot(Wd.T, Wd) + anp.exp(2.0 * log_sigma) * anp.eye(d)


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
    assert -reference_negative_elbo(pack(run.params), X) == pytest.approx(theory, rel=FLOAT_RTOL, abs=FLOAT_ATOL)


@pytest.mark.statistical
def test_elbo_estimate_is_unbiased_for_closed_form():
    """Mean of the one-draw estimates L̃(x) (analytic KL) over many ε against the closed-form
    ELBO, per data point, at a random (untrained) linear VAE.  With r = x − Wd ᵀμ − bd and
    A = diag(s) Wd, L̃ − L = −(|r − Aᵀε|² − |r|² − tr AAᵀ)/(2σ²), a Gaussian quadratic form with
    variance (4 |A r|² + 2 |A Aᵀ|_F²)/(4σ⁴): the median-of-means check uses that exact variance.
    Negative control: dropping the tr AAᵀ term (the ε part of the expected error) is rejected."""
    config = VAEConfig(latent_dim=2, encoder_std="constant", init_sigma=0.7)
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
    mean, std = encode(params, X)
    exact = linear_gaussian_elbo(X, W, b, sigma, mean, np.einsum("nk,kl->nkl", std ** 2, np.eye(2)))
    A = std[:, :, None] * W.T[None]                                    # (n, k, d)
    r = X - mean @ W.T - b
    Ar = np.einsum("nkd,nd->nk", A, r)
    AAt = A @ np.swapaxes(A, 1, 2)
    var = (4 * np.sum(Ar ** 2, axis=1) + 2 * np.sum(AAt ** 2, axis=(1, 2))) / (4 * sigma ** 4)
    assert_median_of_means(est, exact, var, what="ELBO estimate")
    wrong = exact + np.trace(AAt, axis1=1, axis2=2) / (2 * sigma ** 2)
    with pytest.raises(AssertionError):
        assert_median_of_means(est, wrong, var, what="ELBO estimate")


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
    theta = pack(run.params)
    grad = autograd.grad(reference_negative_elbo)
    hess = autograd.hessian(reference_negative_elbo)
    g = grad(theta, X)
    H = hess(theta, X)
    eig = np.linalg.eigvalsh(H)
    assert eig.min() > 0, f"Hessian not positive definite at the end point: eigenvalues {eig}"
    J = autograd.jacobian(lambda t: anp.reshape(model_cov(t, d, k), (-1,)))(theta)
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
    np.testing.assert_allclose(model_cov(t, d, k), ml.cov, rtol=0, atol=STATIONARY_ATOL)
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
    assert np.linalg.norm(autograd.grad(reference_negative_elbo)(pack(params), X)) < 1e-12
    with pytest.raises(AssertionError):
        check_ppca_recovery(X, collapsed)
