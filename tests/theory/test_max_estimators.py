"""Tests for theory.max_estimators (van Hasselt 2010, Section 2; van Hasselt et al. 2016,
Figure 1) against independent values.

References: closed forms of E[max] for m <= 5 normals, mpmath quadrature (30 digits) of a
different integrand (x m phi Phi^(m-1)), scipy.integrate.quad, Clark's (1961) formula for the
max of two Gaussians, P(X1 > X2) = Phi(d / (sigma sqrt 2)), and Monte Carlo at fixed seeds with
conservative bounds.
"""

import math
import warnings

import mpmath
import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.integrate import quad
from scipy.stats import norm

from experiments.claims.vanhasselt2015 import reference_expected_max_normal_closed_forms
from tests.stats import FALSE_ALARM, assert_multinomial, gaussian_radius, hoeffding_radius, subgaussian_radius
from tests.tolerances import FLOAT_ATOL, FLOAT_RTOL
from theory.max_estimators import (
    argmax_probabilities,
    double_estimator_bias,
    expected_max_normal,
    single_estimator_bias,
)

# ----------------------------------------------------------------------------- tolerances
#: The accuracy the issue requires of expected_max_normal (closed forms / mpmath).
QUAD_ATOL = 1e-10
#: scipy.integrate.quad with epsabs = epsrel = 1e-13 as the reference.
SCIPY_QUAD_ATOL = 1e-11
#: Shifting every mean by 1e3 changes the float64 gaps M - mu_a by rounding of size
#: ~1e3 * 2e-16 per gap; the bias moves by at most ~1e-12 (we allow 1e-11).
SHIFT_ATOL = 1e-11

# ----------------------------------------------------------------------------- E[max] normal
#: E[max of m iid N(0, 1)]: 0 for m = 1, the classical order-statistics closed forms for m = 2..5
#: (one home: the vanhasselt2015 claims' independent reference).
CLOSED_FORMS = {1: 0.0, **dict(zip(range(2, 6), reference_expected_max_normal_closed_forms()))}


def _mp_expected_max(m, digits=30):
    with mpmath.workdps(digits):
        c = math.sqrt(2 * math.log(max(m, 2)))
        pts = sorted({-mpmath.inf, -6, -3, 0, c - 1, c, c + 1, c + 3, mpmath.inf}, key=float)
        return float(mpmath.quad(lambda x: x * m * mpmath.npdf(x) * mpmath.ncdf(x) ** (m - 1), pts))


class TestExpectedMaxNormal:
    @pytest.mark.parametrize("m", sorted(CLOSED_FORMS))
    def test_closed_forms(self, m):
        assert expected_max_normal(m) == pytest.approx(CLOSED_FORMS[m], abs=QUAD_ATOL)

    @pytest.mark.parametrize("m", [10, 37, 1000, 10**6])
    def test_against_mpmath(self, m):
        assert expected_max_normal(m) == pytest.approx(_mp_expected_max(m), abs=QUAD_ATOL)

    @given(m=st.integers(1, 5000), sigma=st.floats(1e-3, 1e3))
    def test_against_scipy_quad(self, m, sigma):
        # E[max] = int_0^inf 1 - Phi^m - int_-inf^0 Phi^m, by adaptive quadrature
        hi = math.sqrt(2 * (math.log(m) + 50))
        pos = quad(lambda x: -math.expm1(m * norm.logcdf(x)), 0, hi, epsabs=1e-13,
                   epsrel=1e-13, limit=200, points=[math.sqrt(2 * math.log(m))] if m > 1 else None)[0]
        neg = quad(lambda x: math.exp(m * norm.logcdf(x)), -12, 0, epsabs=1e-13, epsrel=1e-13,
                   limit=200)[0]
        assert expected_max_normal(m, sigma) == pytest.approx(sigma * (pos - neg),
                                                               abs=SCIPY_QUAD_ATOL * sigma)

    def test_vectorized_shape_and_monotone(self):
        ms = np.arange(1, 1025).reshape(32, 32)
        out = expected_max_normal(ms)
        assert out.shape == (32, 32)
        assert np.all(np.diff(out.ravel()) > 0)
        # sqrt(2 log m) is an upper bound (Jensen on the mgf) for m >= 1
        assert np.all(out.ravel()[1:] < np.sqrt(2 * np.log(ms.ravel()[1:])))

    @pytest.mark.statistical
    def test_monte_carlo(self):
        # The max of m N(0, σ²) draws is a σ-Lipschitz function of a standard Gaussian vector:
        # sub-Gaussian with proxy σ (Gaussian concentration), so the mean of n is within
        # σ sqrt(2 log(2/α)/n) of E max with probability >= 1 - α (α = FALSE_ALARM each).
        rng = np.random.default_rng(12345)
        n, sigma = 200_000, 0.7
        for m in (3, 50):
            draws = sigma * rng.standard_normal((n, m)).max(axis=1)
            assert abs(draws.mean() - expected_max_normal(m, sigma)) < subgaussian_radius(n, sigma)
            # negative control: E max at 1.05 σ (3.2 / 8.7 radii away) is rejected
            assert abs(draws.mean() - expected_max_normal(m, 1.05 * sigma)) > subgaussian_radius(n, sigma)

    @pytest.mark.parametrize("m, sigma, err, match", [
        (0, 1.0, ValueError, "`m` must be >= 1"),
        (2.5, 1.0, TypeError, "`m`"),
        (np.array([]), 1.0, (TypeError, ValueError), "`m`"),
        (3, 0.0, ValueError, "`sigma`"),
        (3, np.inf, ValueError, "`sigma`"),
        (3, "1", TypeError, "`sigma`"),
    ])
    def test_bad_input(self, m, sigma, err, match):
        with pytest.raises(err, match=match):
            expected_max_normal(m, sigma)


# ----------------------------------------------------------------------------- estimators
def _clark(mu1, mu2, sigma):
    theta = sigma * math.sqrt(2)
    a = (mu1 - mu2) / theta
    return mu1 * norm.cdf(a) + mu2 * norm.cdf(-a) + theta * norm.pdf(a) - max(mu1, mu2)


means = st.integers(1, 12).flatmap(
    lambda m: hnp.arrays(np.float64, m, elements=st.floats(-50, 50, allow_nan=False)))


class TestEstimatorBiases:
    @given(mu1=st.floats(-20, 20), mu2=st.floats(-20, 20), sigma=st.floats(0.05, 10.0))
    def test_m2_closed_forms(self, mu1, mu2, sigma):
        mu = [mu1, mu2]
        assert single_estimator_bias(mu, sigma) == pytest.approx(_clark(mu1, mu2, sigma),
                                                                 abs=FLOAT_ATOL * (1 + sigma))
        d = abs(mu1 - mu2)
        p_low = norm.cdf(-d / (sigma * math.sqrt(2)))
        assert double_estimator_bias(mu, sigma) == pytest.approx(-d * p_low,
                                                                 abs=FLOAT_ATOL * (1 + d))

    @given(mu=means, sigma=st.floats(0.01, 20.0))
    @example(mu=np.array([0.0, 0.0, 0.0]), sigma=1.0)
    @example(mu=np.array([3.0]), sigma=1.0)
    @example(mu=np.array([0.0, 1e6, -1e6]), sigma=1e-2)
    def test_signs(self, mu, sigma):
        # the double estimator never overestimates (structural: -sum_a P_a gap_a with P_a >= 0;
        # its value is checked against closed forms and Monte Carlo); the single one never
        # underestimates (not structural: quadrature rounding could break it)
        assert double_estimator_bias(mu, sigma) <= 0.0
        assert single_estimator_bias(mu, sigma) >= -FLOAT_ATOL * sigma
        p = argmax_probabilities(mu, sigma)
        assert np.all(p >= 0) and p.sum() == pytest.approx(1.0, abs=FLOAT_ATOL)

    @pytest.mark.parametrize("m", [2, 5, 64, 1024])
    def test_equal_means(self, m):
        mu = np.full(m, 3.0)
        assert single_estimator_bias(mu, 2.0) == pytest.approx(2.0 * expected_max_normal(m),
                                                               abs=FLOAT_ATOL)
        assert double_estimator_bias(mu, 2.0) == 0.0
        np.testing.assert_allclose(argmax_probabilities(mu, 2.0), 1.0 / m, atol=FLOAT_ATOL)

    @pytest.mark.statistical
    def test_monte_carlo(self):
        # False-alarm FALSE_ALARM per check, no sample SE.  single = max_a qa - max μ is a
        # σ-Lipschitz function of Gaussians: sub-Gaussian with proxy σ.  double = qb[A] - max μ
        # with A = argmax qa independent of qb: given A it is (μ_A - max μ) + N(0, σ²); the mean
        # of the first part lies in [min μ - max μ, 0] (Hoeffding), the second is N(0, σ²/n)
        # exactly (α split in halves).  The argmax counts are multinomial(p): exact tails.
        rng = np.random.default_rng(2010)
        n, sigma = 200_000, 1.3
        mu = np.array([0.2, -0.5, 0.1, 0.4, -1.0, 0.35])
        qa = mu + sigma * rng.standard_normal((n, mu.size))
        qb = mu + sigma * rng.standard_normal((n, mu.size))
        single = qa.max(axis=1) - mu.max()
        double = qb[np.arange(n), qa.argmax(axis=1)] - mu.max()
        r_single = subgaussian_radius(n, sigma)
        r_double = (hoeffding_radius(n, np.ptp(mu), FALSE_ALARM / 2)
                    + gaussian_radius(sigma / math.sqrt(n), FALSE_ALARM / 2))
        assert abs(single.mean() - single_estimator_bias(mu, sigma)) < r_single
        assert abs(double.mean() - double_estimator_bias(mu, sigma)) < r_double
        counts = np.bincount(qa.argmax(axis=1), minlength=mu.size)
        p = argmax_probabilities(mu, sigma)
        assert_multinomial(counts, p, FALSE_ALARM)
        # negative controls: the single-estimator bias at σ = 1.35 and the argmax probabilities
        # at σ = 1.4 are rejected
        assert abs(single.mean() - single_estimator_bias(mu, 1.35)) > r_single
        with pytest.raises(AssertionError):
            assert_multinomial(counts, argmax_probabilities(mu, 1.4), FALSE_ALARM)

    def test_batched(self):
        rng = np.random.default_rng(3)
        mu = rng.normal(size=(4, 3, 7))
        s, d = single_estimator_bias(mu), double_estimator_bias(mu)
        assert s.shape == d.shape == (4, 3)
        assert single_estimator_bias(mu[2, 1]) == pytest.approx(s[2, 1], abs=FLOAT_ATOL)
        assert double_estimator_bias(mu[2, 1]) == pytest.approx(d[2, 1], abs=FLOAT_ATOL)
        assert argmax_probabilities(mu).shape == mu.shape

    def test_shift_invariance_and_scaling(self):
        mu = np.array([0.3, -1.2, 0.9, 0.0])
        assert single_estimator_bias(mu + 1e3) == pytest.approx(single_estimator_bias(mu), abs=SHIFT_ATOL)
        assert double_estimator_bias(2 * mu, 2.0) == pytest.approx(2 * double_estimator_bias(mu),
                                                                   abs=FLOAT_ATOL)

    def test_no_warnings_at_extremes(self):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            # one action 1e16 standard deviations ahead: both biases vanish
            assert double_estimator_bias([0.0, 1e8], 1e-8) == 0.0
            assert single_estimator_bias([0.0, 1e8], 1e-8) == pytest.approx(0.0, abs=FLOAT_ATOL * 1e-8)
            assert expected_max_normal(10**7) > 5.0

    def test_extreme_scales_give_exact_limits_without_overflow(self):
        # equal means far from 0 with a tiny sigma: the gaps are exact zeros before scaling
        assert single_estimator_bias([1e300, 1e300], 1e-10) == pytest.approx(
            1e-10 / math.sqrt(math.pi), rel=FLOAT_RTOL)
        assert double_estimator_bias([1e300, 1e300], 1e-10) == 0.0
        # a gap beyond float64 (overflows to +inf): that action never wins
        np.testing.assert_allclose(argmax_probabilities([-1e308, 1e308]), [0.0, 1.0], rtol=0, atol=FLOAT_ATOL)
        assert double_estimator_bias([-1e308, 1e308]) == 0.0
        assert single_estimator_bias([-1e308, 1e308]) == pytest.approx(0.0, abs=FLOAT_ATOL)
        np.testing.assert_allclose(argmax_probabilities([1e10, 0.0], 1e-300), [1.0, 0.0], rtol=0,
                                   atol=FLOAT_ATOL)

    def test_huge_m(self):
        # m = 10**6 equal means: one distinct value, so one integrand (seconds, not gigabytes)
        m = 10**6
        assert single_estimator_bias(np.zeros(m), 0.5) == pytest.approx(
            0.5 * expected_max_normal(m), abs=FLOAT_ATOL)
        p = argmax_probabilities(np.zeros(m))
        assert p.shape == (m,) and np.all(p == p[0]) and p[0] == pytest.approx(1 / m, rel=FLOAT_RTOL)
        assert double_estimator_bias(np.zeros(m)) == 0.0

    def test_action_chunked_path_agrees(self, monkeypatch):
        # a tiny chunk forces the two-pass, action-chunked path used for huge m
        from theory import max_estimators as ov

        rng = np.random.default_rng(5)
        mu = rng.normal(size=(3, 40))
        mu[0, :5] = mu[0, 5]  # ties
        single = [single_estimator_bias(row, 0.8) for row in mu]
        double = [double_estimator_bias(row, 0.8) for row in mu]
        probs = [argmax_probabilities(row, 0.8) for row in mu]
        monkeypatch.setattr(ov, "_CHUNK", 3000)
        for row, s, d, p in zip(mu, single, double, probs):
            assert single_estimator_bias(row, 0.8) == pytest.approx(s, abs=FLOAT_ATOL)
            assert double_estimator_bias(row, 0.8) == pytest.approx(d, abs=FLOAT_ATOL)
            np.testing.assert_allclose(argmax_probabilities(row, 0.8), p, atol=FLOAT_ATOL)

    @pytest.mark.parametrize("fn", [single_estimator_bias, double_estimator_bias, argmax_probabilities])
    def test_bad_input(self, fn):
        with pytest.raises(ValueError, match="`true_means`"):
            fn(1.0)
        with pytest.raises(ValueError, match="`true_means`"):
            fn([0.0, np.nan])
        with pytest.raises(ValueError, match="`true_means`"):
            fn([])
        with pytest.raises(ValueError, match="`sigma`"):
            fn([0.0, 1.0], -1.0)
        with pytest.raises(TypeError, match="`true_means`"):
            fn(["a", "b"])
