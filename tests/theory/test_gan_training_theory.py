"""Tests for theory.gan_training_theory (Arjovsky & Bottou 2017; BEGAN) against independent values.

References, none of them the module's own code path: 30-digit mpmath quadrature (the
generator gradients of the logistic toy as integrals over z; the JSD of two Gaussians from
its definition ½ KL(P‖M) + ½ KL(Q‖M)); a dense grid plus a bounded scalar optimizer (the
sup defining ε); autograd through KL - 2 JSD and through the fixed-D* cost (Theorem 2.5 on
softmax generators); central differences of theory.divergences' KL and JS; a 2-D scipy
trapezoidal grid over the plane for the noisy parallel lines; plain iteration of the BEGAN controller.
"""

import json
import warnings

import autograd.numpy as anp
import mpmath
import numpy as np
import pytest
from autograd import grad
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar
from scipy.special import expit, xlogy
from scipy.stats import norm

from solvers.problems.strategies import full_support_vectors, logits
from theory.divergences import js_divergence, kl_divergence, parallel_lines
from theory.gan_training_theory import (
    began_controller_fixed_point,
    began_controller_rate,
    began_controller_simulate,
    began_m_global,
    kl_minus_2jsd_gradient_categorical,
    kl_minus_2jsd_gradient_gaussian,
    logistic_generator_gradients,
    minus_log_d_gradient_categorical,
    minus_log_d_gradient_gaussian,
    noisy_parallel_lines_js,
    vanishing_gradient_bound,
)

# ----------------------------------------------------------------------------- tolerances
#: float64 closed form vs a 25/30-digit reference: softplus differences of terms of size <= ~60,
#: each correct to a few ulps.
REF_RTOL = 1e-12
REF_ATOL = 1e-13
#: float64 closed form vs autograd on the same float64 inputs: sums of <= 8 terms of size
#: <= ~25 (logs of probabilities >= ~1e-10), a few ulps each.
AUTOGRAD_ATOL = 1e-11
#: scipy quad (relative 1e-12, absolute 1e-14) vs quad/mpmath on integrals of size <= ~10.
QUAD_RTOL = 1e-9
QUAD_ATOL = 1e-10
#: central difference with step h: truncation h² f'''/6 <= ~1e-9 for h = 1e-4 and the smooth,
#: O(1)-scaled functions here; rounding eps·|f|/h ~ 1e-12.
FD_ATOL = 1e-8


# =============================================================== Theorem 2.4
def reference_gradients_mpmath(theta, w, b):
    """(d/dθ E log(1 - D), d/dθ E[-log D]) as integrals over z in [0, 1], 25 digits."""
    with mpmath.workdps(25):
        th, w_, b_ = mpmath.mpf(theta), mpmath.mpf(w), mpmath.mpf(b)

        def sig(u):
            return 1 / (1 + mpmath.exp(-u))
        sat = mpmath.quad(lambda z: -w_ * sig(w_ * (th + z) + b_), [0, 1])
        non = mpmath.quad(lambda z: -w_ * sig(-(w_ * (th + z) + b_)), [0, 1])
        return float(sat), float(non)


def reference_epsilon(theta, w, b, n=20_001):
    """sup over [θ, θ + 1] of σ(u) + |w| σ(u)(1 - σ(u)): a grid, then a bounded optimizer
    around the best grid point."""
    def h(x):
        s = expit(w * x + b)
        return s + abs(w) * s * (1 - s)
    xs = np.linspace(theta, theta + 1, n)
    i = int(np.argmax(h(xs)))
    lo, hi = xs[max(i - 1, 0)], xs[min(i + 1, n - 1)]
    res = minimize_scalar(lambda x: -h(x), bounds=(lo, hi), method="bounded",
                          options=dict(xatol=1e-12))
    return max(float(h(xs[i])), -float(res.fun))


class TestVanishingGradients:
    def test_bound_values_and_errors(self):
        assert vanishing_gradient_bound(0.0) == 0.0
        assert vanishing_gradient_bound(0.25, jacobian_bound=3.0) == pytest.approx(1.0)
        np.testing.assert_array_equal(vanishing_gradient_bound([0.5, 1.0, 2.0]),
                                      [1.0, np.inf, np.inf])
        with pytest.raises(ValueError, match="`epsilon`"):
            vanishing_gradient_bound(-0.1)
        with pytest.raises(ValueError, match="`jacobian_bound`"):
            vanishing_gradient_bound(0.1, jacobian_bound=-1.0)
        with pytest.raises(ValueError, match="`epsilon`"):
            vanishing_gradient_bound(np.nan)

    @settings(max_examples=15)  # mpmath quadrature per example
    @given(st.floats(-3, 3), st.floats(-30, 30), st.floats(-30, 30))
    @example(0.0, 10.0, -20.0)
    @example(0.0, 0.0, 1.0)
    def test_gradients_against_quadrature(self, theta, w, b):
        g = logistic_generator_gradients(theta, w=w, b=b)
        sat, non = reference_gradients_mpmath(theta, w, b)
        assert g.saturating == pytest.approx(sat, rel=REF_RTOL, abs=REF_ATOL * max(1, abs(w)))
        assert g.non_saturating == pytest.approx(non, rel=REF_RTOL, abs=REF_ATOL * max(1, abs(w)))

    @settings(max_examples=30)
    @given(st.floats(-3, 3), st.floats(-30, 30), st.floats(-30, 30))
    def test_epsilon_is_the_sup(self, theta, w, b):
        g = logistic_generator_gradients(theta, w=w, b=b)
        # the optimizer's x is within 1e-12 of the argmax; h is smooth: 1e-10 covers it
        assert g.epsilon == pytest.approx(reference_epsilon(theta, w, b), rel=1e-10, abs=1e-12)

    @given(st.floats(-5, 5), st.floats(-50, 50), st.floats(-50, 50))
    def test_theorem_2_4_bound_holds(self, theta, w, b):
        g = logistic_generator_gradients(theta, w=w, b=b)
        assert abs(g.saturating) <= g.bound * (1 + 1e-12) + 1e-300

    def test_gradient_vanishes_as_the_discriminator_becomes_perfect(self):
        # P_g on [0, 1]; the boundary at 1.5 (P_r to its right); D -> D* as w grows.
        ws = np.array([1.0, 10.0, 100.0, 1000.0])
        g = logistic_generator_gradients(0.0, w=ws, b=-1.5 * ws)
        assert np.all(np.diff(np.abs(g.saturating)) < 0) and np.all(np.diff(g.epsilon) < 0)
        assert abs(g.saturating[-1]) < 1e-200 and g.bound[-1] < 1e-200
        # the -log D cost keeps a gradient of size ~w instead
        np.testing.assert_allclose(g.non_saturating[1:], -ws[1:], rtol=1e-2)
        json.dumps(g.to_dict())

    def test_negative_control_fooled_discriminator(self):
        # D ≈ 1 on the generator's support (boundary on the other side): far from D*, the
        # bound is vacuous and the saturating gradient is large, so the check above is not
        # one that any discriminator passes.
        g = logistic_generator_gradients(0.0, w=-10.0, b=15.0)
        assert g.bound == np.inf and abs(g.saturating) > 9.0

    def test_errors(self):
        with pytest.raises(ValueError, match="broadcast"):
            logistic_generator_gradients([0.0, 1.0], w=[1.0, 2.0, 3.0], b=0.0)
        with pytest.raises(ValueError, match="`w`"):
            logistic_generator_gradients(0.0, w=np.inf, b=0.0)


# =============================================================== Theorem 2.5, categorical
def _softmax(t):
    e = anp.exp(t - anp.max(t))
    return e / anp.sum(e)


def reference_lhs_autograd(theta0, r):
    p0 = np.exp(theta0 - theta0.max())
    p0 /= p0.sum()
    cost = -np.log(r / (r + p0))  # -log D*, D* built at θ0 and then held fixed
    return grad(lambda t: anp.sum(_softmax(t) * cost))(theta0)


def reference_rhs_autograd(theta0, r):
    def objective(t):
        p = _softmax(t)
        m = 0.5 * (p + r)
        kl = anp.sum(p * anp.log(p / r))
        jsd = 0.5 * anp.sum(p * anp.log(p / m)) + 0.5 * anp.sum(r * anp.log(r / m))
        return kl - 2.0 * jsd
    return grad(objective)(theta0)


class TestTheorem25Categorical:
    @settings(max_examples=40)
    @given(st.data(), full_support_vectors(min_size=2, max_size=6, min_prob=1e-3))
    def test_both_sides_against_autograd(self, data, r):
        theta = data.draw(logits(r.shape[0], min_value=-10.0, max_value=10.0))
        lhs = minus_log_d_gradient_categorical(theta, r)
        rhs = kl_minus_2jsd_gradient_categorical(theta, r)
        np.testing.assert_allclose(lhs, reference_lhs_autograd(theta, r), atol=AUTOGRAD_ATOL)
        np.testing.assert_allclose(rhs, reference_rhs_autograd(theta, r), atol=AUTOGRAD_ATOL)
        np.testing.assert_allclose(lhs, rhs, atol=AUTOGRAD_ATOL)
        assert abs(lhs.sum()) < AUTOGRAD_ATOL

    def test_against_central_differences_of_the_divergences(self):
        theta = np.array([0.3, -1.2, 0.8, 0.0])
        r = np.array([0.1, 0.4, 0.2, 0.3])
        h = 1e-4

        def objective(t):
            p = np.exp(t - t.max())
            p /= p.sum()
            return kl_divergence(p, r) - 2.0 * js_divergence(p, r)
        fd = np.array([(objective(theta + h * e) - objective(theta - h * e)) / (2 * h)
                       for e in np.eye(4)])
        np.testing.assert_allclose(kl_minus_2jsd_gradient_categorical(theta, r), fd, atol=FD_ATOL)
        np.testing.assert_allclose(minus_log_d_gradient_categorical(theta, r), fd, atol=FD_ATOL)

    def test_negative_control_kl_alone(self):
        # Without the -2 JSD term the identity fails by far more than the tolerance.
        theta, r = np.array([0.3, -1.2, 0.8]), np.array([0.1, 0.6, 0.3])
        lhs = minus_log_d_gradient_categorical(theta, r)
        p = np.exp(theta) / np.exp(theta).sum()
        ell = np.log(p / r)
        grad_kl = p * (ell - p @ ell)
        assert np.max(np.abs(lhs - grad_kl)) > 1e-2

    def test_large_logits_and_batches(self):
        theta = np.array([[1000.0, 0.0, -1000.0], [0.0, 1.0, 2.0]])
        r = np.array([0.2, 0.3, 0.5])
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            lhs = minus_log_d_gradient_categorical(theta, r)
            rhs = kl_minus_2jsd_gradient_categorical(theta, r)
        assert np.all(np.isfinite(lhs)) and np.all(np.isfinite(rhs))
        np.testing.assert_allclose(lhs, rhs, atol=1e-9)
        np.testing.assert_allclose(lhs[1], minus_log_d_gradient_categorical(theta[1], r), atol=0)

    def test_errors(self):
        with pytest.raises(ValueError, match="`p_r` must be positive"):
            minus_log_d_gradient_categorical([0.0, 1.0], [1.0, 0.0])
        with pytest.raises(ValueError, match="`logits`"):
            kl_minus_2jsd_gradient_categorical(0.0, [1.0])
        with pytest.raises(ValueError, match="`logits`"):
            kl_minus_2jsd_gradient_categorical([0.0, 1.0, 2.0], [0.5, 0.5])


# =============================================================== Theorem 2.5, Gaussians
def reference_jsd_gaussians(m1, s1, m2, s2):
    """JSD(N(m1, s1²) ‖ N(m2, s2²)) = ½ KL(P‖M) + ½ KL(Q‖M), 30-digit quadrature."""
    with mpmath.workdps(30):
        def pdf(x, m, s):
            return mpmath.exp(-((x - m) / s) ** 2 / 2) / (s * mpmath.sqrt(2 * mpmath.pi))

        def integrand(x):
            p, q = pdf(x, m1, s1), pdf(x, m2, s2)
            mid = (p + q) / 2
            out = 0
            if p > 0:
                out += p * mpmath.log(p / mid)
            if q > 0:
                out += q * mpmath.log(q / mid)
            return out / 2
        pts = sorted({-mpmath.inf, mpmath.mpf(m1), mpmath.mpf(m2), mpmath.inf})
        return mpmath.quad(integrand, pts)


def reference_kl_minus_2jsd_fd(theta, sigma, mu_r, sigma_r, h=1e-4):
    """Central difference of KL (closed form) - 2 JSD (30-digit quadrature), 30 digits."""
    with mpmath.workdps(30):
        def objective(t):
            kl = (mpmath.log(mpmath.mpf(sigma_r) / sigma)
                  + (sigma**2 + (t - mpmath.mpf(mu_r)) ** 2) / (2 * mpmath.mpf(sigma_r) ** 2) - 0.5)
            return kl - 2 * reference_jsd_gaussians(t, sigma, mu_r, sigma_r)
        t = mpmath.mpf(theta)
        return float((objective(t + h) - objective(t - h)) / (2 * h))


class TestTheorem25Gaussian:
    @settings(max_examples=15)
    @given(st.floats(-3, 3), st.floats(0.3, 3), st.floats(-3, 3), st.floats(0.3, 3))
    @example(0.0, 1.0, 2.0, 1.0)
    def test_pathwise_equals_score_function(self, theta, sigma, mu_r, sigma_r):
        lhs = minus_log_d_gradient_gaussian(theta, sigma=sigma, mu_r=mu_r, sigma_r=sigma_r)
        rhs = kl_minus_2jsd_gradient_gaussian(theta, sigma=sigma, mu_r=mu_r, sigma_r=sigma_r)
        assert lhs == pytest.approx(rhs, rel=QUAD_RTOL, abs=QUAD_ATOL)

    @pytest.mark.parametrize("args", [(0.0, 1.0, 2.0, 1.0), (0.5, 0.7, -1.0, 1.5)])
    def test_against_finite_differences_of_mpmath_jsd(self, args):
        theta, sigma, mu_r, sigma_r = args
        ref = reference_kl_minus_2jsd_fd(theta, sigma, mu_r, sigma_r)
        kw = dict(sigma=sigma, mu_r=mu_r, sigma_r=sigma_r)
        assert kl_minus_2jsd_gradient_gaussian(theta, **kw) == pytest.approx(ref, abs=FD_ATOL)
        assert minus_log_d_gradient_gaussian(theta, **kw) == pytest.approx(ref, abs=FD_ATOL)

    def test_negative_control_kl_gradient_alone(self):
        lhs = minus_log_d_gradient_gaussian(0.0, sigma=1.0, mu_r=2.0, sigma_r=1.0)
        assert abs(lhs - (0.0 - 2.0) / 1.0) > 1e-2  # d KL/dθ alone is -2

    def test_errors(self):
        with pytest.raises(ValueError, match="`sigma`"):
            minus_log_d_gradient_gaussian(0.0, sigma=0.0, mu_r=0.0, sigma_r=1.0)
        with pytest.raises(ValueError, match="`theta`"):
            kl_minus_2jsd_gradient_gaussian(np.nan, sigma=1.0, mu_r=0.0, sigma_r=1.0)
        with pytest.raises(ValueError, match="`mu_r`"):
            kl_minus_2jsd_gradient_gaussian(0.0, sigma=1.0, mu_r=[0.0], sigma_r=1.0)


# =============================================================== instance noise
class TestNoisyParallelLines:
    @pytest.mark.parametrize("theta", [1e-4, 0.3, 1.0, 1.9, 2.1, 5.0, 12.0])
    def test_against_mpmath_definition(self, theta):
        ref = float(reference_jsd_gaussians(0.0, 1.0, theta, 1.0))
        assert noisy_parallel_lines_js(theta, sigma=1.0) == pytest.approx(ref, rel=QUAD_RTOL,
                                                                          abs=1e-15)

    def test_vertical_coordinate_cancels_2d_quadrature(self):
        # The noised 2-D densities φ_σ(x - θ) h(y), h = U[0, 1] * N(0, σ²), summed over a grid
        # of the plane by the trapezoidal rule (no use of the 1-D reduction).
        theta, s = 0.7, 0.5
        x = np.linspace(-6.0, 6.0 + theta, 1271)
        y = np.linspace(-4.0, 5.0, 901)
        h = norm.cdf(y / s) - norm.cdf((y - 1) / s)
        p = norm.pdf(x, 0.0, s)[:, None] * h[None, :]
        q = norm.pdf(x, theta, s)[:, None] * h[None, :]
        mid = 0.5 * (p + q)
        with np.errstate(divide="ignore", invalid="ignore"):
            dens = 0.5 * (xlogy(p, p / mid) + xlogy(q, q / mid))
        dens[mid == 0] = 0.0
        ref = np.trapezoid(np.trapezoid(dens, y, axis=1), x)
        # The trapezoidal rule on analytic integrands with step 0.01 << σ is accurate to far
        # below 1e-12; the box cuts Gaussian tails beyond 12σ (< 1e-30) and h's beyond 8σ.
        assert noisy_parallel_lines_js(theta, sigma=s) == pytest.approx(ref, rel=1e-10, abs=1e-12)

    @settings(max_examples=25)  # one adaptive quadrature per call
    @given(st.floats(-50, 50), st.floats(0.05, 5))
    def test_bounds_symmetry_and_continuity(self, theta, s):
        js = noisy_parallel_lines_js(theta, sigma=s)
        d2 = (theta / s) ** 2
        assert 0.0 <= js <= min(d2 / 4.0 * (1 + 1e-12), np.log(2.0))
        assert noisy_parallel_lines_js(-theta, sigma=s) == js

    @settings(max_examples=25)
    @given(st.floats(0.0, 20.0), st.floats(0.0, 20.0))
    def test_increasing_in_the_offset(self, t1, t2):
        lo, hi = sorted((t1, t2))
        j_lo, j_hi = noisy_parallel_lines_js([lo, hi], sigma=1.0)
        assert j_lo <= j_hi + 1e-15

    def test_continuous_where_the_noiseless_jsd_jumps(self):
        thetas = np.array([1e-1, 1e-2, 1e-3, 1e-6])
        noisy = noisy_parallel_lines_js(thetas, sigma=0.5)
        np.testing.assert_allclose(noisy, thetas**2 / (8 * 0.25), rtol=2e-2)  # ≈ d²/8
        assert noisy_parallel_lines_js(0.0, sigma=0.5) == 0.0
        # without noise: log 2 for every θ ≠ 0
        np.testing.assert_array_equal(parallel_lines(thetas)["js"], np.log(2.0))
        assert noisy_parallel_lines_js(40.0, sigma=0.5) == pytest.approx(np.log(2.0), abs=1e-15)

    def test_errors(self):
        with pytest.raises(ValueError, match="`sigma`"):
            noisy_parallel_lines_js(1.0, sigma=0.0)
        with pytest.raises(ValueError, match="`theta`"):
            noisy_parallel_lines_js(np.inf, sigma=1.0)


# =============================================================== BEGAN
began_toys = st.fixed_dictionaries(dict(
    gamma=st.floats(0.05, 1.0), l_real=st.floats(0.01, 2.0), a=st.floats(0.0, 1.0),
    b=st.floats(0.01, 2.0),
))


class TestBEGANController:
    @settings(max_examples=40)
    @given(began_toys, st.floats(0.0, 1.0), st.floats(0.01, 0.99))
    def test_simulation_matches_the_linear_law_and_converges(self, toy, k0, gain):
        # gain = λ_k b in (0, 1): rate in (0, 1), iterates move monotonically to k*.
        lr_k = gain / toy["b"]
        k_star = began_controller_fixed_point(**toy)
        r = began_controller_rate(lr_k=lr_k, b=toy["b"])
        assert r == pytest.approx(1.0 - gain)
        ks = began_controller_simulate(k0, lr_k=lr_k, n_steps=60, **toy)
        k_int = (toy["gamma"] * toy["l_real"] - toy["a"]) / toy["b"]
        if 0.0 <= k_int <= 1.0:
            # never clipped: k_t - k* = r^t (k_0 - k*) exactly (up to rounding)
            pred = k_star + r ** np.arange(61) * (k0 - k_star)
            np.testing.assert_allclose(ks, pred, atol=1e-12)
            # at the fixed point the equilibrium holds: M_global = L(x)
            l_fake = toy["a"] + toy["b"] * k_star
            assert began_m_global(toy["l_real"], l_fake, gamma=toy["gamma"]) == pytest.approx(
                toy["l_real"], abs=1e-12)
        # |k_t - k*| <= r^t |k_0 - k*| <= r^t: enough steps for r^t < 1e-10
        n = int(np.ceil(np.log(1e-10) / np.log1p(-gain)))
        long = began_controller_simulate(k0, lr_k=lr_k, n_steps=n, **toy)
        assert long[-1] == pytest.approx(k_star, abs=1e-9)

    @given(began_toys, st.floats(0.0, 1.0))
    def test_boundary_fixed_point(self, toy, k0):
        k_int = (toy["gamma"] * toy["l_real"] - toy["a"]) / toy["b"]
        k_star = began_controller_fixed_point(**toy)
        assert k_star == min(1.0, max(0.0, k_int))
        ks = began_controller_simulate(k0, lr_k=0.5 / toy["b"], n_steps=60, **toy)  # 0.5^60
        assert ks[-1] == pytest.approx(k_star, abs=1e-9)
        if k_int < -1e-6 or k_int > 1 + 1e-6:
            # reached exactly in finitely many steps and kept there (the clip is locally constant)
            assert ks[-1] == k_star
            m = began_m_global(toy["l_real"], toy["a"] + toy["b"] * k_star, gamma=toy["gamma"])
            assert m > toy["l_real"]  # the equilibrium cannot be met inside [0, 1]

    def test_oscillation_and_divergence(self):
        toy = dict(gamma=0.5, l_real=0.2, a=0.05, b=0.1)  # k* = 0.5
        k_star = began_controller_fixed_point(**toy)
        # λ_k b = 2: rate -1, a neutral 2-cycle around k*
        ks = began_controller_simulate(0.4, lr_k=20.0, n_steps=50, **toy)
        np.testing.assert_allclose(ks[::2], 0.4, atol=1e-12)
        np.testing.assert_allclose(ks[1::2], 0.6, atol=1e-12)
        # λ_k b = 2.5: |rate| 1.5, the error grows like 1.5^t until the clip, then a 2-cycle
        r = began_controller_rate(lr_k=25.0, b=0.1)
        assert r == pytest.approx(-1.5)
        ks = began_controller_simulate(0.49, lr_k=25.0, n_steps=200, **toy)
        unclipped = np.flatnonzero((ks == 0.0) | (ks == 1.0))[0]
        t = np.arange(unclipped)
        np.testing.assert_allclose(ks[:unclipped] - k_star, r**t * (0.49 - k_star), atol=1e-12)
        tail = ks[-10:]
        np.testing.assert_array_equal(tail[2:], tail[:-2])  # period 2
        assert np.all(np.abs(np.diff(tail)) > 0.1)  # and not converging

    def test_negative_control_wrong_rate(self):
        # the rate 1 + λ_k b (a sign slip) does not describe the simulated error
        toy = dict(gamma=0.5, l_real=0.2, a=0.05, b=0.1)
        ks = began_controller_simulate(0.0, lr_k=2.0, n_steps=5, **toy)
        wrong = 0.5 + (1 + 2.0 * 0.1) ** np.arange(6) * (0.0 - 0.5)
        assert np.max(np.abs(ks - wrong)) > 0.1

    def test_m_global(self):
        np.testing.assert_allclose(began_m_global([0.2, 0.2], [0.1, 0.0], gamma=0.5), [0.2, 0.3])
        with pytest.raises(ValueError, match="`l_fake`"):
            began_m_global(0.2, -0.1, gamma=0.5)
        with pytest.raises(ValueError, match="`gamma`"):
            began_m_global(0.2, 0.1, gamma=1.5)
        with pytest.raises(ValueError, match="broadcast"):
            began_m_global([0.2, 0.3], [0.1, 0.2, 0.3], gamma=0.5)

    def test_errors(self):
        toy = dict(gamma=0.5, l_real=0.2, a=0.05, b=0.1)
        with pytest.raises(ValueError, match="`b` must be > 0"):
            began_controller_fixed_point(**{**toy, "b": -0.01})
        with pytest.raises(ValueError, match="`a \\+ b`"):
            began_controller_simulate(0.0, lr_k=1.0, n_steps=3, **{**toy, "b": -0.1})
        with pytest.raises(ValueError, match="`gamma`"):
            began_controller_fixed_point(**{**toy, "gamma": 1.5})
        with pytest.raises(ValueError, match="`lr_k`"):
            began_controller_rate(lr_k=0.0, b=0.1)
        with pytest.raises(ValueError, match="`k0`"):
            began_controller_simulate(1.5, lr_k=1.0, n_steps=3, **toy)
        with pytest.raises(ValueError, match="`n_steps`"):
            began_controller_simulate(0.0, lr_k=1.0, n_steps=-1, **toy)
        with pytest.raises(ValueError, match="`l_real`"):
            began_controller_fixed_point(**{**toy, "l_real": -1.0})
        # b <= 0 runs in the simulation (no negative feedback: k runs to an end)
        ks = began_controller_simulate(0.5, lr_k=1.0, n_steps=200, **{**toy, "b": 0.0})
        assert ks[-1] == 1.0  # constant drift γ L(x) - a = 0.05 > 0
