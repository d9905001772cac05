"""Tests for theory.irl (Finn et al. 2016; Ziebart et al. 2008) against independent values.

References: 50-digit mpmath sums and mpmath root finding of E_mu[D] = 1/2 written from the
formulas, the closed-form quadratic for Z* on two trajectories, scipy's bounded scalar
minimization of the discriminator loss, central finite differences of each loss, and the
AM-HM bound Z* <= Z_c at q = p_data.
"""

import math

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar

from solvers.problems.irl_strategies import (
    costs,
    data_distributions,
    irl_problems,
    linear_cost_problems,
    samplers,
)
from theory.irl import (
    discriminator_loss,
    discriminator_loss_gradient,
    finn_discriminator,
    generator_loss,
    importance_sampling_partition,
    irl_cost_loss,
    irl_cost_loss_gradient,
    log_partition,
    maxent_distribution,
    optimal_log_partition,
)

# ----------------------------------------------------------------------------- tolerances
#: float64 against a 50-digit reference: sums of <= 8 terms of size <= ~60 (costs in
#: [-30, 30], logs of densities down to 1e-6): a few hundred ulps of 60.
REF_ATOL = 1e-12
#: The root log Z* (brentq to ~1e-14 in log Z) against an independent root: E_mu[D] is known
#: to ~eps, so the root only to ~eps / |d E_mu[D] / d log Z| (the conditioning; see
#: :func:`root_tol`).  Base: 1e-13 absolute in log Z; factor: 1e-15 / slope.
ROOT_ATOL = 1e-13
ROOT_COND_EPS = 1e-15
#: Residual of the fixed-point / stationarity equations at log Z*: float64 rounding of
#: log-sum-exps of <= 200 terms of size <= ~60.
FIXED_POINT_ATOL = 1e-11
#: minimize_scalar (bounded Brent, xatol=1e-12) locates a smooth minimum only to
#: ~sqrt(eps * L / L'') in log Z: the loss is flat to first order there.  1e-6 covers the
#: curvatures L'' >= 1e-4 that the comparison set-ups below have.
MINIMISE_ATOL = 1e-6
#: Central differences with step h = 1e-6 on losses of size <= ~100: truncation h^2 f'''/6
#: <= ~1e-12, rounding ~eps * 100 / h ~ 2e-8.
FD_STEP = 1e-6
FD_ATOL = 1e-7
#: Two float64 evaluations of the same quantity by different formulas (gradients, identities)
#: of size <= ~100: a few hundred ulps.
IDENTITY_ATOL = 1e-11
#: Costs of +-700: quantities of size up to ~700 whose ulp is ~1.1e-13; a few float64
#: operations on them (log-sum-exp, softplus, weighted sums) stay within ~100 ulps.
EXTREME_ATOL = 1e-11
#: The loss after shifting c by k in [-50, 50] and log Z by -k: the log-ratio log q + c + log Z
#: is recomputed from terms of size up to ~110 (ulp ~1.4e-14), and the softplus sums of <= 8
#: terms of size <= ~100 add a few ulps each: ~1e-12; 1e-11 leaves a margin.
SHIFT_ATOL = 1e-11

mpmath.mp.dps = 50


# ----------------------------------------------------------------------------- references
def mp_vec(x):
    return [mpmath.mpf(float(v)) for v in np.asarray(x, dtype=float)]


def mp_parts(cost, log_z, q):
    c, qq = mp_vec(cost), mp_vec(q)
    z = mpmath.e ** mpmath.mpf(float(log_z))
    pt = [mpmath.e ** (-ci) / z for ci in c]
    d = [pi / (pi + qi) for pi, qi in zip(pt, qq)]
    return c, qq, pt, d


def mp_ratios(cost, log_z, q):
    """r = q / p_tilde = q Z exp(c), in 50 digits (inf where... never: q > 0 is finite)."""
    c, qq = mp_vec(cost), mp_vec(q)
    z = mpmath.e ** mpmath.mpf(float(log_z))
    return [qi * z * mpmath.e ** ci for ci, qi in zip(c, qq)], qq


def mp_disc_loss(cost, log_z, q, p, w=None):
    """E_p[-log D] + E_w[-log(1 - D)] with -log D = log(1 + r), -log(1 - D) = log(1 + 1/r)."""
    r, qq = mp_ratios(cost, log_z, q)
    pp = mp_vec(p)
    ww = qq if w is None else mp_vec(w)
    total = mpmath.mpf(0)
    for pi, wi, ri in zip(pp, ww, r):
        if pi > 0:
            total += pi * mpmath.log(1 + ri)
        if wi > 0:
            total += wi * mpmath.log(1 + 1 / ri)
    return total


def mp_gen_loss(cost, log_z, q, w=None):
    """E_w[log(1 - D) - log D] = E_w[log(1 + r) - log(1 + 1/r)]."""
    r, qq = mp_ratios(cost, log_z, q)
    ww = qq if w is None else mp_vec(w)
    return sum(wi * (mpmath.log(1 + ri) - mpmath.log(1 + 1 / ri)) for wi, ri in zip(ww, r)
               if wi > 0)


def mp_optimal_log_z(cost, q, p, w=None):
    """The root of E_mu[D] = 1/2 in log Z by 50-digit bisection (E_mu[D] falls in log Z)."""
    c, qq = mp_vec(cost), mp_vec(q)
    pp = mp_vec(p)
    ww = qq if w is None else mp_vec(w)
    mu = [(a + b) / 2 for a, b in zip(pp, ww)]

    def f(s):
        z = mpmath.e ** s
        return sum(m * (mpmath.e ** (-ci) / z) / (mpmath.e ** (-ci) / z + qi)
                   for m, ci, qi in zip(mu, c, qq)) - mpmath.mpf(1) / 2

    # The root lies in [min a, max a], a = -c - log q (there every D is >= 1/2, resp.
    # <= 1/2): within +-200 for costs in [-30, 30] and q >= 1e-6.  180 halvings of the
    # bracket leave a width of 400 / 2^180 ~ 3e-52.
    lo, hi = mpmath.mpf(-200), mpmath.mpf(200)
    assert f(lo) > 0 > f(hi)
    for _ in range(180):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if f(mid) > 0 else (lo, mid)
    return float((lo + hi) / 2)


def two_atom_z(cost, q, p):
    """Z* on two trajectories in closed form: E_mu[D] = 1/2 is a quadratic in Z,
    q1 q2 Z^2 + b Z - e1 e2 = 0, b = e1 q2 + e2 q1 - 2 mu1 e1 q2 - 2 mu2 e2 q1, mu = (p + q)/2."""
    e1, e2 = np.exp(-np.asarray(cost, float))
    q1, q2 = q
    mu1, mu2 = (np.asarray(p) + np.asarray(q)) / 2
    b = e1 * q2 + e2 * q1 - 2 * mu1 * e1 * q2 - 2 * mu2 * e2 * q1
    return (-b + math.sqrt(b * b + 4 * q1 * q2 * e1 * e2)) / (2 * q1 * q2)


def root_tol(cost, s, q, p, w=None):
    """ROOT_ATOL plus the conditioning term eps / |slope|, slope = E_mu[D (1 - D)] at s."""
    d = finn_discriminator(cost, s, q)
    ww = q if w is None else w
    slope = np.sum((np.asarray(p) + ww) / 2 * d * (1 - d))
    return ROOT_ATOL * max(1.0, abs(s)) + ROOT_COND_EPS / slope


def central_diff(f, x, h=FD_STEP):
    x = np.asarray(x, dtype=float)
    g = np.empty_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


# ----------------------------------------------------------------------------- closed forms
def test_maxent_and_log_partition_against_mpmath():
    c = np.array([0.3, -1.2, 4.0, 0.0])
    mp = mp_vec(c)
    z = sum(mpmath.e ** (-ci) for ci in mp)
    np.testing.assert_allclose(maxent_distribution(c), [float(mpmath.e ** (-ci) / z) for ci in mp],
                               rtol=0, atol=REF_ATOL)
    assert abs(log_partition(c) - float(mpmath.log(z))) < REF_ATOL


def test_finn_discriminator_against_mpmath():
    c, lz, q = [0.5, -2.0, 3.0], 0.7, [0.2, 0.5, 0.3]
    _, _, _, d = mp_parts(c, lz, q)
    np.testing.assert_allclose(finn_discriminator(c, lz, q), [float(x) for x in d], rtol=0,
                               atol=REF_ATOL)


def test_losses_against_mpmath():
    c, lz, q, p = [0.5, -2.0, 3.0], 0.7, [0.2, 0.5, 0.3], [0.6, 0.0, 0.4]
    assert abs(discriminator_loss(c, lz, q, p) - float(mp_disc_loss(c, lz, q, p))) < REF_ATOL
    assert abs(generator_loss(c, lz, q) - float(mp_gen_loss(c, lz, q))) < REF_ATOL
    w = [0.5, 0.25, 0.25]
    assert abs(discriminator_loss(c, lz, q, p, q_weights=w)
               - float(mp_disc_loss(c, lz, q, p, w))) < REF_ATOL
    assert abs(generator_loss(c, lz, q, q_weights=w) - float(mp_gen_loss(c, lz, q, w))) < REF_ATOL


def test_importance_sampling_partition_against_mpmath():
    c, lz, q, p = [0.5, -2.0, 3.0], 0.7, [0.2, 0.5, 0.3], [0.6, 0.0, 0.4]
    cc, qq, pt, _ = mp_parts(c, lz, q)
    mu = [(a + b) / 2 for a, b in zip(mp_vec(p), qq)]
    ref = mpmath.log(sum(m * mpmath.e ** (-ci) / ((pti + qi) / 2)
                         for m, ci, pti, qi in zip(mu, cc, pt, qq)))
    assert abs(importance_sampling_partition(c, q, p, lz) - float(ref)) < REF_ATOL


def test_optimal_log_partition_two_atoms_closed_form():
    c, q, p = [0.4, -1.1], [0.3, 0.7], [0.9, 0.1]
    s = optimal_log_partition(c, q, p)
    assert abs(s - math.log(two_atom_z(c, q, p))) < root_tol(c, s, q, p)


def test_optimal_log_partition_against_mpmath_root():
    c, q, p = [0.5, -2.0, 3.0, 1.0], [0.2, 0.5, 0.2, 0.1], [0.6, 0.0, 0.1, 0.3]
    s = optimal_log_partition(c, q, p)
    assert abs(s - mp_optimal_log_z(c, q, p)) < root_tol(c, s, q, p)
    w = [0.1, 0.6, 0.3, 0.0]
    s = optimal_log_partition(c, q, p, q_weights=w)
    assert abs(s - mp_optimal_log_z(c, q, p, w)) < root_tol(c, s, q, p, w)


def test_optimal_log_partition_minimizes_the_loss():
    c, q, p = np.array([0.5, -2.0, 3.0]), np.array([0.2, 0.5, 0.3]), np.array([0.6, 0.0, 0.4])
    s = optimal_log_partition(c, q, p)
    res = minimize_scalar(lambda t: discriminator_loss(c, t, q, p), bounds=(s - 5, s + 5),
                          method="bounded", options={"xatol": 1e-12})
    assert abs(res.x - s) < MINIMISE_ATOL
    assert discriminator_loss(c, s, q, p) <= res.fun + IDENTITY_ATOL


def test_irl_cost_loss_exact_closed_form():
    # c = (0, log 3): Z = 4/3; E_p[c] with p = (1/2, 1/2) is log(3)/2.
    c, p = [0.0, math.log(3.0)], [0.5, 0.5]
    assert abs(irl_cost_loss(c, p) - (math.log(3.0) / 2 + math.log(4.0 / 3.0))) < REF_ATOL
    np.testing.assert_allclose(irl_cost_loss_gradient(c, p), [0.5 - 0.75, 0.5 - 0.25],
                               rtol=0, atol=REF_ATOL)


def test_gradients_closed_form_at_half():
    # D = 1/2 everywhere: d_cost = p - (p + q)/2 = (p - q)/2, d_log_z = 1 - 2 * 1/2 = 0.
    q, p = np.array([0.2, 0.3, 0.5]), [0.5, 0.5, 0.0]
    c2 = -np.log(q)          # exp(-c)/Z = q with Z = 1
    g, gz = discriminator_loss_gradient(c2, 0.0, q, p)
    np.testing.assert_allclose(g, (np.array(p) - q) / 2, rtol=0, atol=REF_ATOL)
    assert abs(gz) < REF_ATOL


# ----------------------------------------------------------------------------- Z* semantics
@given(irl_problems(empirical=False))
def test_true_partition_when_data_is_the_model(pr):
    """p_data = exp(-c)/Z_c => Z* = Z_c (exact expectations)."""
    p = maxent_distribution(pr.cost)
    s = optimal_log_partition(pr.cost, pr.q, p)
    assert abs(s - log_partition(pr.cost)) < root_tol(pr.cost, s, pr.q, p)


@given(irl_problems(empirical=False))
def test_true_partition_when_sampler_is_the_model(pr):
    """q = exp(-c)/Z_c => D = 1/2 at Z_c, so Z* = Z_c whatever the data."""
    q = maxent_distribution(pr.cost)     # > 0 everywhere: costs lie within [-30, 30]
    s = optimal_log_partition(pr.cost, q, pr.p_data)
    assert abs(s - log_partition(pr.cost)) < root_tol(pr.cost, s, q, pr.p_data)


@given(costs(), st.data())
def test_at_q_equal_p_data_z_star_underestimates(c, data):
    """q = p_data => Z* <= Z_c (AM-HM: E_p[1/(r + Z_c)] >= 1/E_p[r + Z_c]), equality iff
    p_data = maxent."""
    p = data.draw(samplers(c.size))
    s = optimal_log_partition(c, p, p)
    assert s <= log_partition(c) + FIXED_POINT_ATOL


def test_z_star_differs_from_true_partition_in_general():
    c, q, p = [0.0, 1.0, 2.0], [0.5, 0.3, 0.2], [0.1, 0.1, 0.8]
    gap = optimal_log_partition(c, q, p) - log_partition(c)
    # the exact iff-condition: E_p[D] = E_model[D] at Z_c; here it fails, and Z* != Z_c
    d = finn_discriminator(c, log_partition(c), q)
    assert abs(np.dot(p, d) - np.dot(maxent_distribution(c), d)) > 0.1
    assert abs(gap) > 0.1


# ----------------------------------------------------------------------------- properties
@given(st.one_of(irl_problems(empirical=False), irl_problems(empirical=True)))
def test_fixed_point_and_stationarity(pr):
    s = optimal_log_partition(pr.cost, pr.q, pr.p_data, q_weights=pr.q_weights)
    fp = importance_sampling_partition(pr.cost, pr.q, pr.p_data, s, q_weights=pr.q_weights)
    assert abs(fp - s) < FIXED_POINT_ATOL * max(1.0, abs(s))
    _, gz = discriminator_loss_gradient(pr.cost, s, pr.q, pr.p_data, q_weights=pr.q_weights)
    assert abs(gz) < FIXED_POINT_ATOL
    # independent 50-digit root
    if pr.cost.size <= 4:
        assert abs(s - mp_optimal_log_z(pr.cost, pr.q, pr.p_data, pr.q_weights)) < root_tol(
            pr.cost, s, pr.q, pr.p_data, pr.q_weights)


@given(st.one_of(irl_problems(empirical=False), irl_problems(empirical=True)),
       st.floats(-5.0, 5.0))
def test_discriminator_gradient_against_finite_differences(pr, shift):
    s0 = log_partition(pr.cost) + shift
    kw = dict(q_weights=pr.q_weights)
    g, gz = discriminator_loss_gradient(pr.cost, s0, pr.q, pr.p_data, **kw)
    fd = central_diff(lambda c: discriminator_loss(c, s0, pr.q, pr.p_data, **kw), pr.cost)
    np.testing.assert_allclose(g, fd, rtol=0, atol=FD_ATOL)
    fz = central_diff(lambda t: discriminator_loss(pr.cost, t[0], pr.q, pr.p_data, **kw), [s0])
    assert abs(gz - fz[0]) < FD_ATOL


@given(st.one_of(irl_problems(empirical=False), irl_problems(empirical=True)))
def test_irl_gradient_against_finite_differences(pr):
    # exact loss
    fd = central_diff(lambda c: irl_cost_loss(c, pr.p_data), pr.cost)
    np.testing.assert_allclose(irl_cost_loss_gradient(pr.cost, pr.p_data), fd, rtol=0, atol=FD_ATOL)
    # sampled loss with the importance weights mu/mu_tilde frozen at the current cost
    s = optimal_log_partition(pr.cost, pr.q, pr.p_data, q_weights=pr.q_weights)
    w = pr.q if pr.q_weights is None else pr.q_weights
    mu = (pr.p_data + w) / 2
    log_mu_tilde = np.logaddexp(-pr.cost - s, np.log(pr.q)) - math.log(2.0)

    def frozen(c):
        return pr.p_data @ c + np.log(np.sum(mu * np.exp(-c - log_mu_tilde)))

    g = irl_cost_loss_gradient(pr.cost, pr.p_data, q=pr.q, log_z=s, q_weights=pr.q_weights)
    np.testing.assert_allclose(g, central_diff(frozen, pr.cost), rtol=0, atol=FD_ATOL)


@given(st.one_of(irl_problems(empirical=False), irl_problems(empirical=True)))
def test_gradients_agree_at_optimal_log_z(pr):
    kw = dict(q_weights=pr.q_weights)
    s = optimal_log_partition(pr.cost, pr.q, pr.p_data, **kw)
    g_d, _ = discriminator_loss_gradient(pr.cost, s, pr.q, pr.p_data, **kw)
    g_irl = irl_cost_loss_gradient(pr.cost, pr.p_data, q=pr.q, log_z=s, **kw)
    np.testing.assert_allclose(g_d, g_irl, rtol=0, atol=IDENTITY_ATOL)
    # log_z=None defaults to the optimum
    np.testing.assert_allclose(irl_cost_loss_gradient(pr.cost, pr.p_data, q=pr.q, **kw), g_irl,
                               rtol=0, atol=IDENTITY_ATOL)
    assert abs(irl_cost_loss(pr.cost, pr.p_data, q=pr.q, **kw)
               - (pr.p_data @ pr.cost + s)) < FIXED_POINT_ATOL * max(1.0, abs(s))


@given(linear_cost_problems(), st.floats(-3.0, 3.0))
def test_generator_loss_identity(pr, log_z):
    c, q = pr.cost, pr.q
    rhs = log_z + q @ c + q @ np.log(q)
    assert abs(generator_loss(c, log_z, q) - rhs) < IDENTITY_ATOL * max(1.0, abs(rhs))


@given(costs(), st.floats(-50.0, 50.0), st.data())
def test_shift_invariance(c, k, data):
    """Adding k to the cost and subtracting k from log Z changes nothing."""
    q = data.draw(samplers(c.size))
    p = data.draw(data_distributions(c.size))
    s = optimal_log_partition(c, q, p)
    tol = root_tol(c, s, q, p) + ROOT_ATOL * abs(k)
    assert abs(optimal_log_partition(c + k, q, p) - (s - k)) < tol
    assert abs(discriminator_loss(c + k, s - k, q, p) - discriminator_loss(c, s, q, p)) < SHIFT_ATOL


def test_batches_equal_rows():
    rng = np.random.default_rng(3)
    c = rng.normal(size=(3, 5))
    q = rng.dirichlet(np.ones(5), size=3)
    p = rng.dirichlet(np.ones(5), size=3)
    s = optimal_log_partition(c, q, p)
    assert s.shape == (3,)
    for i in range(3):
        assert s[i] == optimal_log_partition(c[i], q[i], p[i])
        assert discriminator_loss(c, s, q, p)[i] == discriminator_loss(c[i], s[i], q[i], p[i])
    np.testing.assert_array_equal(log_partition(c), [log_partition(r) for r in c])


# ----------------------------------------------------------------------------- edge cases
def test_zero_sampler_atom():
    c, q, p = [1.0, 0.0, 2.0], [0.0, 0.6, 0.4], [0.5, 0.25, 0.25]
    s = optimal_log_partition(c, q, p)
    d = finn_discriminator(c, s, q)
    assert d[0] == 1.0
    g, gz = discriminator_loss_gradient(c, s, q, p)
    assert g[0] == 0.0 and abs(gz) < FIXED_POINT_ATOL
    assert np.isfinite(discriminator_loss(c, s, q, p))
    assert abs(s - mp_optimal_log_z(c, q, p)) < root_tol(c, s, q, p)
    np.testing.assert_allclose(irl_cost_loss_gradient(c, p, q=q, log_z=s), g, rtol=0,
                               atol=IDENTITY_ATOL)
    assert np.isfinite(generator_loss(c, s, q))


def test_zero_data_atoms_and_two_trajectories():
    c, q, p = [0.3, -0.3], [0.5, 0.5], [1.0, 0.0]
    s = optimal_log_partition(c, q, p)
    assert abs(s - math.log(two_atom_z(c, q, p))) < root_tol(c, s, q, p)


@pytest.mark.parametrize("big", [700.0, -700.0])
def test_extreme_costs(big):
    c = np.array([big, 0.0, -big / 2])
    q, p = np.array([0.2, 0.3, 0.5]), np.array([0.1, 0.6, 0.3])
    assert abs(log_partition(c) - float(mpmath.log(sum(mpmath.e ** (-x) for x in mp_vec(c))))) < EXTREME_ATOL
    s = optimal_log_partition(c, q, p)
    assert np.isfinite(s)
    assert abs(importance_sampling_partition(c, q, p, s) - s) < FIXED_POINT_ATOL * max(1.0, abs(s))
    for lz in (s, 0.0):
        loss = discriminator_loss(c, lz, q, p)
        assert abs(loss - float(mp_disc_loss(c, lz, q, p))) < EXTREME_ATOL
        g, gz = discriminator_loss_gradient(c, lz, q, p)
        assert np.all(np.isfinite(g)) and np.isfinite(gz)
        gl = generator_loss(c, lz, q)
        assert abs(gl - (lz + q @ c + q @ np.log(q))) < EXTREME_ATOL
    assert np.all(np.isfinite(irl_cost_loss_gradient(c, p, q=q)))


def test_data_only_where_sampler_is_zero_has_no_minimizer():
    with pytest.raises(ValueError, match="p_data"):
        optimal_log_partition([0.0, 1.0], [0.0, 1.0], [1.0, 0.0])


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("call, exc, name", [
    (lambda: maxent_distribution("abc"), TypeError, "cost"),
    (lambda: maxent_distribution(1.0), ValueError, "cost"),
    (lambda: log_partition([0.0, np.nan]), ValueError, "cost"),
    (lambda: log_partition([True, False]), TypeError, "cost"),
    (lambda: finn_discriminator([0.0, 1.0], 0.0, [-0.1, 1.1]), ValueError, "q"),
    (lambda: finn_discriminator([0.0, 1.0], 0.0, [0.5, 0.2, 0.3]), ValueError, "cost"),
    (lambda: finn_discriminator([0.0, 1.0], np.inf, [0.5, 0.5]), ValueError, "log_z"),
    (lambda: finn_discriminator([[0.0, 1.0], [1.0, 0.0]], [0.0, 1.0, 2.0], [0.5, 0.5]), ValueError,
     "log_z"),
    (lambda: discriminator_loss([0.0, 1.0], 0.0, [0.5, 0.5], [0.5, 0.6]), ValueError, "p_data"),
    (lambda: discriminator_loss([0.0, 1.0], 0.0, [0.5, 0.6], [0.5, 0.5]), ValueError, "q"),
    (lambda: discriminator_loss([0.0, 1.0], 0.0, [0.0, 0.7], [0.5, 0.5], q_weights=[0.5, 0.5]),
     ValueError, "q_weights"),
    (lambda: generator_loss([0.0, 1.0], 0.0, [0.5, 0.5], q_weights=[0.5, 0.4]), ValueError,
     "q_weights"),
    (lambda: optimal_log_partition([0.0, 1.0], [0.5, 0.5], [1.0]), ValueError, "p_data"),
    (lambda: importance_sampling_partition([0.0, 1.0], [0.5, 0.5], [0.5, 0.5], "x"), TypeError,
     "log_z"),
    (lambda: irl_cost_loss([0.0, 1.0], [0.5, 0.5], log_z=0.0), ValueError, "log_z"),
    (lambda: irl_cost_loss([0.0, 1.0], [0.5, 0.5], q_weights=[0.5, 0.5]), ValueError, "q_weights"),
    (lambda: irl_cost_loss_gradient([0.0, 1.0], [0.5, 0.5], q=[0.5, 0.5, 0.0]), ValueError, "cost"),
    (lambda: discriminator_loss_gradient([0.0, 1.0], 0.0, [0.5, 0.5], None), TypeError, "p_data"),
])
def test_bad_input_raises_named_errors(call, exc, name):
    with pytest.raises(exc, match=name):
        call()
