"""Tests for solvers.tabular.vae_estimators against theory.vae's closed forms.

The estimators are evaluated from the model's densities (solvers), the gradient and the
variances from Gaussian integration by parts (theory); they meet through (i) the Gauss-Hermite
rule, exact on these polynomial integrands, and (ii) Monte Carlo with median-of-means bounds
whose variances (and fourth central moments) are exact.
"""

import ast
import inspect
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import solvers.tabular.vae_estimators as ve
from tests.stats import assert_median_of_means
from theory.vae import (
    linear_gaussian_elbo_gradient,
    reparameterized_gradient_variance,
    score_function_gradient_variance,
)

CLOSED_VARIANCE = {"reparameterized": reparameterized_gradient_variance,
                   "score_function": score_function_gradient_variance}


def random_problem(seed, d, k, batch=()):
    rng = np.random.default_rng(seed)
    W = rng.normal(size=batch + (d, k)) * 1.5
    b = rng.normal(size=d)
    sigma = np.exp(rng.uniform(-1.0, 0.7, size=batch))
    x = b + rng.normal(size=batch + (d,)) * 1.5
    mu = rng.normal(size=batch + (k,))
    s = np.exp(rng.uniform(-1.0, 0.5, size=batch + (k,)))
    return x, W, b, sigma, mu, s


def quad_tol(mean, var):
    """Gauss-Hermite on <= 5³ nodes: rounding of a weighted sum whose L1 norm is
    <= sqrt(E g²) <= |E g| + sd; 1e-12 of that is thousands of ulps."""
    return 1e-12 * (1.0 + np.abs(mean) + np.sqrt(var))


# ----------------------------------------------------------------------------- quadrature rule
def test_gauss_hermite_is_exact_up_to_degree_2n_minus_1():
    for n in (1, 3, 5, 9):
        for p in range(0, 2 * n):
            exact = 0.0 if p % 2 else float(math.prod(range(p - 1, 0, -2)))  # (p - 1)!!
            got = ve.gauss_hermite_expectation(lambda e: e[:, 0] ** p, 1, n_points=n)
            # rounding of Σ w_i t_i^p relative to Σ w_i |t_i|^p (odd p: the terms cancel)
            scale = ve.gauss_hermite_expectation(lambda e: np.abs(e[:, 0]) ** p, 1, n_points=n)
            assert abs(got - exact) <= 1e-13 * scale, (n, p)
    # negative control: degree 2n is not integrated exactly (E ε^10 = 945, 5 nodes)
    assert abs(ve.gauss_hermite_expectation(lambda e: e[:, 0] ** 10, 1, n_points=5) - 945) > 1
    # product rule in 3 dimensions: E[ε_1² ε_2⁴ ε_3⁶] = 1 · 3 · 15
    got = ve.gauss_hermite_expectation(lambda e: e[:, 0] ** 2 * e[:, 1] ** 4 * e[:, 2] ** 6, 3, n_points=4)
    assert got == pytest.approx(45.0, rel=1e-12)


# ----------------------------------------------------------------------------- exact moments
@settings(max_examples=30)
@given(st.integers(0, 2**32 - 1), st.integers(1, 4), st.integers(1, 3),
       st.sampled_from(ve.ESTIMATORS), st.sampled_from(("analytic", "sampled")))
def test_both_estimators_are_unbiased_and_have_the_closed_form_variance(seed, d, k, estimator, kl):
    x, W, b, sigma, mu, s = random_problem(seed, d, k)
    m = ve.estimator_moments(x, W, b, sigma, mu, s, estimator=estimator, kl=kl)
    grad = linear_gaussian_elbo_gradient(x, W, b, sigma, mu, s)
    var = CLOSED_VARIANCE[estimator](x, W, b, sigma, mu, s, kl=kl)
    for part in (0, 1):
        tol = quad_tol(m.mean[part], m.variance[part])
        assert np.all(np.abs(m.mean[part] - grad[part]) <= tol), (part, m.mean[part], grad[part])
        np.testing.assert_allclose(m.variance[part], var[part], rtol=1e-10, atol=0)


def test_the_rule_is_already_exact_with_five_nodes():
    # nine nodes (exact to degree 17) give the same moments as five (degree 9 >= 8)
    x, W, b, sigma, mu, s = random_problem(1, 3, 2)
    for estimator in ve.ESTIMATORS:
        m5 = ve.estimator_moments(x, W, b, sigma, mu, s, estimator=estimator, kl="sampled")
        m9 = ve.estimator_moments(x, W, b, sigma, mu, s, estimator=estimator, kl="sampled", n_points=9)
        for part in (0, 1):
            np.testing.assert_allclose(m9.variance[part], m5.variance[part], rtol=1e-11)
        # four nodes integrate only to degree 7: the score-function variance (degree 8) is off
    m4 = ve.estimator_moments(x, W, b, sigma, mu, s, estimator="score_function", kl="sampled", n_points=4)
    assert np.max(np.abs(m4.variance[1] / m9.variance[1] - 1)) > 1e-6


def test_batched_moments_match_one_by_one():
    x, W, b, sigma, mu, s = random_problem(2, 2, 2, batch=(3,))
    m = ve.estimator_moments(x, W, b, sigma, mu, s, estimator="score_function")
    assert m.mean[0].shape == (3, 2) and m.variance[1].shape == (3, 2)
    for i in range(3):
        mi = ve.estimator_moments(x[i], W[i], b, sigma[i], mu[i], s[i], estimator="score_function")
        for part in (0, 1):
            np.testing.assert_allclose(m.variance[part][i], mi.variance[part], rtol=1e-13)
    d = m.to_dict()
    assert d["estimator"] == "score_function" and len(d["variance"]) == 2


# ----------------------------------------------------------------------------- Monte Carlo
@pytest.mark.statistical
@pytest.mark.parametrize("estimator", ve.ESTIMATORS)
@pytest.mark.parametrize("kl", ["analytic", "sampled"])
def test_monte_carlo_mean_and_variance(estimator, kl):
    # sample means of 20000 one-draw estimates within the median-of-means radius of the exact
    # gradient (exact variance); the mean of (g - E g)² within the radius of the exact variance,
    # whose own variance μ₄ - σ⁴ comes from the 9-node rule (g⁴ has degree <= 16 <= 17).
    # False-alarm probability 1e-7 per assertion (tests/stats.py).
    x, W, b, sigma, mu, s = random_problem(5, 3, 2)
    n = 20000
    gm, gs = ve.gradient_samples(x, W, b, sigma, mu, s, n, 123, estimator=estimator, kl=kl)
    grad = linear_gaussian_elbo_gradient(x, W, b, sigma, mu, s)
    var = CLOSED_VARIANCE[estimator](x, W, b, sigma, mu, s, kl=kl)
    fn = {"reparameterized": ve.reparameterized_gradient, "score_function": ve.score_function_gradient}[estimator]
    for part, g in enumerate((gm, gs)):
        assert_median_of_means(g, grad[part], var[part], what=f"{estimator}/{kl} mean, part {part}")
        mu4 = ve.gauss_hermite_expectation(
            lambda e: (fn(x, W, b, sigma, mu, s, e, kl=kl)[part] - grad[part]) ** 4, 2, n_points=9)
        assert_median_of_means((g - grad[part]) ** 2, var[part], mu4 - var[part] ** 2,
                               what=f"{estimator}/{kl} variance, part {part}")


@pytest.mark.statistical
def test_a_biased_estimator_is_rejected():
    # negative control: the pathwise gradient of log p(x, z) alone (forgetting -log q)
    # estimates ∇ E_q log p(x, z), which misses the entropy gradient 1/s in the s-part; the
    # same median-of-means check (same variance: the term is deterministic) rejects it
    x, W, b, sigma, mu, s = random_problem(5, 3, 2)
    _, g_std = ve.gradient_samples(x, W, b, sigma, mu, s, 20000, 7, estimator="reparameterized", kl="sampled")
    var = reparameterized_gradient_variance(x, W, b, sigma, mu, s, kl="sampled")[1]
    grad = linear_gaussian_elbo_gradient(x, W, b, sigma, mu, s)[1]
    assert_median_of_means(g_std, grad, var)
    with pytest.raises(AssertionError):
        assert_median_of_means(g_std - 1.0 / s, grad, var)


def test_samples_are_reproducible_and_batched():
    x, W, b, sigma, mu, s = random_problem(3, 2, 3, batch=(4,))
    a = ve.gradient_samples(x, W, b, sigma, mu, s, 7, 11, estimator="reparameterized")
    c = ve.gradient_samples(x, W, b, sigma, mu, s, 7, np.random.default_rng(11), estimator="reparameterized")
    assert a[0].shape == (7, 4, 3)
    np.testing.assert_array_equal(a[0], c[0])
    est = ve.estimate_elbo_gradient(x, W, b, sigma, mu, s, 7, 11, estimator="reparameterized")
    np.testing.assert_allclose(est[1], a[1].mean(axis=0), rtol=1e-15)


def test_estimators_never_call_the_closed_forms():
    # independence rule: from theory.vae only validators and the option tuple are imported
    tree = ast.parse(inspect.getsource(ve))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                and node.module == "theory.vae" for alias in node.names}
    assert imported == {"KL_FORMS", "check_diagonal_gaussian", "check_linear_gaussian"}


@pytest.mark.parametrize("call, exc, match", [
    (lambda: ve.reparameterized_gradient([0.0], [[1.0]], [0.0], 1.0, [0.0], [1.0], [0.0, 0.0]), ValueError,
     "`eps` must have shape"),
    (lambda: ve.gradient_samples([0.0], [[1.0]], [0.0], 1.0, [0.0], [1.0], 0, 1, estimator="reparameterized"),
     ValueError, "`n_samples` must be >= 1"),
    (lambda: ve.gradient_samples([0.0], [[1.0]], [0.0], 1.0, [0.0], [1.0], 5, None, estimator="reparameterized"),
     TypeError, "`seed`"),
    (lambda: ve.estimator_moments([0.0], [[1.0]], [0.0], 1.0, [0.0], [1.0], estimator="pathwise"), ValueError,
     "`estimator` must be one of"),
    (lambda: ve.score_function_gradient([0.0], [[1.0]], [0.0], 1.0, [0.0], [-1.0], [0.0]), ValueError,
     "`q_std` must be > 0"),
    (lambda: ve.gauss_hermite_expectation(lambda e: e, 8, n_points=9), ValueError, "nodes"),
])
def test_bad_input_is_named(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
