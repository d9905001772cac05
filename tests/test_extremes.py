"""The public API at extreme finite magnitudes (issue 10, section 5).

Two parts:

1. Every case the fuzzing campaign of issue 10 listed, with its expected value from an
   independent route: mpmath at 50 digits, exact fractions, or a closed-form limit.
2. A sweep (hypothesis where it fits) over the public functions of theory/ and
   solvers/problems/ at magnitudes 5e-324, 1e-300, 1e300, 1e308, huge Python ints and
   probabilities 1 - 2**-53 / 2**-53: each call returns a value that is not NaN (finite, or
   +-inf only where the exact value lies beyond the double range) or raises a ValueError /
   TypeError whose message names an argument in backticks.  pytest runs with
   filterwarnings=error, so a RuntimeWarning (overflow, 0/0) fails the test too.

Tolerances: results computed in double precision from exact inputs are compared with the
50-digit reference at a few ulps (FEW_ULPS = 8 eps relative), the error of a handful of
correctly rounded operations; quadratures at their stated absolute error (1e-12).
"""

from __future__ import annotations

import math
import time
from fractions import Fraction

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solvers.problems.gridworld import gridworld, state_features
from solvers.problems.maxbias import early_left_probability
from solvers.problems.mixtures import gaussian_1d, grid_of_gaussians, mixture_1d, ring_of_gaussians
from solvers.problems.rl_toys import chain_mdp
from solvers.problems.trajectories import action_sequences
from solvers.problems.trajectories import sequence_index as trajectory_index
from solvers.tabular.seqgan import sequence_index
from theory import divergences as dv
from theory import dynamics as dyn
from theory import gan
from theory import irl
from theory import lqr
from theory import overestimation as ov
from theory import stateless_mdp as smdp

mp.mp.dps = 50
EPS = np.finfo(np.float64).eps
#: A few correctly rounded double operations: 8 ulps relative.
FEW_ULPS = 8 * EPS
TINY_SUB = 5e-324
EXTREME_FLOATS = [TINY_SUB, 1e-300, 1e-200, 1e-20, 1.0, 1e20, 1e200, 1e300, 1e308]
HUGE_INTS = [2**53 + 1, 2**63, 2**64, 2**200, 10**300]


def close(got, ref, rtol=FEW_ULPS):
    ref = float(ref)
    return abs(float(got) - ref) <= rtol * abs(ref)


def named_error(excinfo) -> bool:
    return "`" in str(excinfo.value)


# =========================================================================== listed cases
class TestListedWrongValues:
    def test_w2_1d_negative_roundoff_variance(self):
        # before: nan.  cov1 = -1e-13 is inside the accepted round-off: a point mass, so
        # W2² = (0 - 1)² + (0 - 1)² = 2.
        assert close(dv.w2_gaussian(0.0, -1e-13, 1.0, 1.0), mp.sqrt(2))

    def test_w2_huge_covariances(self):
        # before: nan.  Equal covariances 1e300 I: W2 = ‖m1 - m2‖ = √2; the documented
        # absolute error is ~1e-15 (‖S1^½‖_F + ‖S2^½‖_F) (see w2_gaussian's Notes).
        got = dv.w2_gaussian(np.zeros(2), 1e300 * np.eye(2), np.ones(2), 1e300 * np.eye(2))
        bound = 8 * EPS * 2 * math.sqrt(2) * 1e150
        assert math.isfinite(got) and abs(got - math.sqrt(2)) <= bound
        # a case where the answer is of the scale of the inputs: sqrt(2·1e300 + (2e150 - 1e150)²·2)
        got = dv.w2_gaussian(np.zeros(2), 1e300 * np.eye(2), 1e150 * np.ones(2), 4e300 * np.eye(2))
        ref = mp.sqrt(2 * mp.mpf(1e150) ** 2 + 2 * (mp.sqrt(mp.mpf(4e300)) - mp.sqrt(mp.mpf(1e300))) ** 2)
        assert close(got, ref, 64 * EPS)

    def test_w1_weight_sum_overflow(self):
        # before: nan.  Exact quantile integral with fractions: 1.375.
        assert dv.wasserstein_1d([0, 1, 3], [2, 2.5], [1e308] * 3, [1, 3]) == 1.375
        assert _exact_w1([0, 1, 3], [2, 2.5], [1, 1, 1], [1, 3]) == Fraction(11, 8)

    def test_wp_power_overflow(self):
        # before: inf.  One atom each: W_p = |1e200 - 0|.
        assert close(dv.wasserstein_1d([1e200], [0.0], p=2), 1e200)
        assert close(dv.wasserstein_1d([1e-200], [0.0], p=3), 1e-200)

    def test_replay_fixed_point_near_one(self):
        # before: a vector summing to 0.875 (and to 1.25 on p = r).
        lam = 1.0 - 2.0**-53
        for p, r in ([[0.25, 0.75], [0.25, 0.75]], [[0.1, 0.2, 0.7], [0.3, 0.3, 0.4]],
                     [[0.125, 0.375, 0.5], [0.125, 0.375, 0.5]], [[0.2, 0.3, 0.5], [0.1, 0.3, 0.6]]):
            fp = gan.replay_generator_fixed_point(p, r, lam)
            ref = _exact_replay(p, r, lam)
            assert abs(fp.p_model.sum() - 1.0) <= 4 * EPS
            assert np.allclose(fp.p_model, [float(x) for x in ref], rtol=64 * EPS, atol=0)

    def test_lqr_riccati_huge_b(self):
        # before: inf.  P ≈ 1 (50-digit root of the scalar Riccati equation).
        assert close(lqr.lqr_riccati(1.1, 1e100, 1, 0.2, 0.9), _mp_riccati(1.1, 1e100, 1, 0.2, 0.9))

    def test_max_stable_step_tiny_eigenvalue(self):
        # before: inf.  2(-Re λ)/|λ|² = 2e200.
        assert close(dyn.max_stable_step([-1e-200]), 2 / mp.mpf(1e-200))

    def test_rbf_tiny_width(self):
        # before: NaN.  Limit w -> 0: 1 where a state sits on a centre, else 0.
        got = state_features(3, 4, "rbf", width=1e-200)
        rows, cols = np.divmod(np.arange(12), 4)
        on_centre = np.array([[Fraction(int(r), 2) == Fraction(i, 2) and Fraction(int(c), 3) == Fraction(j, 2)
                               for i in range(3) for j in range(3)] for r, c in zip(rows, cols)])
        assert np.array_equal(got, on_centre.astype(float))

    def test_early_left_probability_degenerate_reward(self):
        # before: 0.4375 (quad missed the peak).  σ -> 0 with μ = -0.1: every history ends at
        # P(left) = 1/2 (see the docstring's decomposition: p = 0, π = 0, tail = 1/4).
        assert abs(early_left_probability("q", 4, reward_std=1e-20) - 0.5) <= 1e-12

    @pytest.mark.parametrize("fn", [sequence_index, trajectory_index])
    def test_sequence_index_int64_overflow(self, fn):
        # before: -1.  2**64 - 1 does not fit int64: refused, naming the argument.
        with pytest.raises(ValueError, match="`(tokens|actions|vocab_size|n_actions)`"):
            fn([[1] * 64], 2)
        assert fn([[1] * 63], 2)[0] == 2**63 - 1      # the largest that fits, exact

    def test_kl_base_below_one(self):
        # before: negative.  Bases in (0, 1] are refused (the sign would flip).
        with pytest.raises(ValueError, match="`base`"):
            dv.kl_divergence([0.5, 0.5], [0.9, 0.1], base=0.5)

    def test_smoothed_escape_rate_labels_near_one(self):
        # before: inf.  a = 1: 1 - m = (1 - b)/2, so κ = log 2 exactly; times 1 + 1/3.
        assert close(gan.smoothed_escape_rate(1.0, 1 - 1e-16, n_support=3), mp.log(2) * 4 / 3)


class TestListedCrashes:
    def test_r1_eigenvalues_huge_gamma(self):
        a = dyn.f_derivatives("gan")[0]
        got = dyn.dirac_gan_eigenvalues("gan", "r1", penalty_weight=1e155)
        with mp.workdps(700):  # -γ/2 + sqrt(γ²/4 - a²) cancels 310 digits
            g = mp.mpf(1e155)
            disc = mp.sqrt(g * g / 4 - a * a)
            lo, hi = -g / 2 + disc, -g / 2 - disc
        assert close(got[0].real, lo, 64 * EPS) and close(got[1].real, hi)

    def test_instance_noise_huge_sigma(self):
        a, b = dyn.f_derivatives("gan")
        got = dyn.dirac_gan_eigenvalues("gan", "instance-noise", sigma=1e155)
        # roots b σ² ± sqrt(b²σ⁴ - a²): the large one is beyond the double range (-inf, its
        # rounded value), the small one is a²/(2bσ²)(1 + O(1e-620)), a subnormal.
        small = mp.mpf(a) ** 2 / (2 * mp.mpf(b) * mp.mpf(1e155) ** 2)
        assert np.isneginf(got[1].real) and abs(got[0].real - float(small)) <= 2 * TINY_SUB

    def test_altgd_huge_step(self):
        a = dyn.f_derivatives("gan")[0]
        got = dyn.dirac_gan_altgd_eigenvalues(step=1e100)
        with mp.workdps(900):  # c + sqrt(c² - 1) cancels ~400 digits
            c = 1 - mp.mpf(1e100) ** 2 * a * a / 2
            r = mp.sqrt(c * c - 1)
            lo, hi = c + r, c - r
        assert close(got[0].real, lo, 64 * EPS) and close(got[1].real, hi)

    def test_ring_of_gaussians_huge_std(self):
        with pytest.raises(ValueError, match="`std`"):
            ring_of_gaussians(std=1e200)

    def test_rbf_huge_width(self):
        assert np.array_equal(state_features(3, 4, "rbf", width=1e155), np.ones((12, 9)))

    def test_gd_spectral_radius_overflow(self):
        jac = dyn.dirac_gan_jacobian("gan", "r1", penalty_weight=1.0)
        with pytest.raises(ValueError, match="`step`"):
            dyn.gd_spectral_radius(jac, 1e10, n_disc_steps=100)

    @pytest.mark.parametrize("big", [1e150, 1e300, 1.7e308])
    def test_optimal_log_partition_huge_costs(self, big):
        # cost (big, -big, 0), q = p = uniform: D = 0, 1, 3/(3 + Z) on the three atoms, and
        # (1/3)(0 + 1 + 3/(3 + Z)) = 1/2 gives Z* = 3.
        got = irl.optimal_log_partition([big, -big, 0.0], [1 / 3] * 3, [1 / 3] * 3)
        assert abs(got - math.log(3)) <= 1e-13

    @pytest.mark.parametrize("m", HUGE_INTS)
    def test_functions_of_m_accept_huge_ints(self, m):
        M = mp.mpf(m)
        assert close(ov.max_lower_bound(2.0, m), mp.sqrt(2 / (M - 1)))
        assert ov.double_lower_bound(2.0, m) == 0.0
        assert close(ov.expected_max_uniform(m, 1.0), (M - 1) / (M + 1))
        assert close(ov.thrun_schwartz_bound(m, 1.0, 0.5), (M - 1) / (M + 1) / 2)
        for fn in (ov.tight_example, ov.double_zero_error_example):
            with pytest.raises(ValueError, match="`m`"):
                fn(2.0, m)

    @pytest.mark.parametrize("m", [2**64, 10**300])
    def test_expected_max_normal_huge_m(self, m):
        # E[max] = ∫_0^∞ (1 - Φ^m) - ∫_-∞^0 Φ^m, by mpmath with log Φ = log1p(-Φ(-x)); the
        # function's stated accuracy is ~1e-13 absolute; we allow 1e-11 at these m.
        assert abs(ov.expected_max_normal(m) - float(_mp_expected_max(m))) <= 1e-11

    def test_chain_mdp_scalar_step(self):
        with pytest.raises(ValueError, match="`s`"):
            chain_mdp(4).step(0, 1, 1)

    def test_action_sequences_huge_horizon_refused_quickly(self):
        t0 = time.perf_counter()
        with pytest.raises(ValueError, match="`horizon`"):
            action_sequences(2, 2**64)
        with pytest.raises(ValueError, match="`horizon`"):
            action_sequences(1, 10**18)
        assert time.perf_counter() - t0 < 1.0


class TestListedMessages:
    def test_optimal_gan_value_names(self):
        with pytest.raises(ValueError, match="`p_data`"):
            gan.optimal_gan_value([0.5, 0.6], [0.5, 0.5])
        with pytest.raises(ValueError, match="`p_model`"):
            gan.optimal_gan_value([0.5, 0.5], [0.5, 0.6])

    @pytest.mark.parametrize("fn", [dv.kl_divergence, dv.js_divergence, dv.total_variation,
                                    dv.pearson_chi2])
    def test_float_axis(self, fn):
        with pytest.raises(TypeError, match="`axis`"):
            fn([0.5, 0.5], [0.5, 0.5], axis=1.5)

    def test_gridworld_features(self):
        with pytest.raises(ValueError, match="`features`"):
            gridworld(3, features="bogus")


# =========================================================================== references
def _exact_w1(u, v, uw, vw) -> Fraction:
    """∫_0^1 |F_u^{-1} - F_v^{-1}| with fractions (levels merged exactly)."""
    def levels(x, w):
        order = sorted(range(len(x)), key=lambda i: x[i])
        tot = sum(Fraction(wi) for wi in w)
        cum, out = Fraction(0), []
        for i in order:
            cum += Fraction(w[i]) / tot
            out.append((cum, Fraction(x[i])))
        return out
    lu, lv = levels(u, uw), levels(v, vw)
    cuts = sorted({c for c, _ in lu} | {c for c, _ in lv})
    prev, total = Fraction(0), Fraction(0)
    for c in cuts:
        qu = next(x for cc, x in lu if cc >= c)
        qv = next(x for cc, x in lv if cc >= c)
        total += (c - prev) * abs(qu - qv)
        prev = c
    return total


def _exact_replay(p, r, lam):
    """Water-filling with fractions: κ from the active set, tried in order of r/p."""
    P = [Fraction(x) for x in p]
    R = [Fraction(x) for x in r]
    L = Fraction(lam)
    idx = sorted((i for i in range(len(P)) if P[i] > 0), key=lambda i: R[i] / P[i])
    for k in range(len(idx), 0, -1):
        act = idx[:k]
        kappa = (1 - L + L * sum(R[i] for i in act)) / sum(P[i] for i in act)
        if all(kappa * P[i] - L * R[i] >= 0 for i in act):
            q = [max(kappa * P[i] - L * R[i], Fraction(0)) / (1 - L) if i in act else Fraction(0)
                 for i in range(len(P))]
            if sum(q) == 1:
                return q
    raise AssertionError("no active set")


def _mp_riccati(a, b, q, r, g):
    a, b, q, r, g = map(mp.mpf, (a, b, q, r, g))
    A = g * b * b
    beta = r * (1 - g * a * a) - g * q * b * b
    D = mp.sqrt(beta**2 + 4 * A * q * r)
    return 2 * q * r / (beta + D) if beta > 0 else (D - beta) / (2 * A)


def _mp_expected_max(m):
    with mp.workdps(30):
        M = mp.mpf(m)
        x0 = mp.sqrt(2 * mp.log(M))
        def upper(x):
            return -mp.expm1(M * mp.log1p(-mp.ncdf(-x)))
        pts = sorted({mp.mpf(0)} | {x0 + d for d in (-4, -2, -1, -0.5, 0, 0.5, 1, 2, 4, 12) if x0 + d > 0})
        low = mp.quad(lambda x: mp.exp(M * mp.log(mp.ncdf(x))), [-mp.inf, 0])
        return mp.quad(upper, pts) - low


# =========================================================================== the sweep
def _check(call):
    """Run a call: a non-NaN result, or a ValueError/TypeError naming an argument."""
    try:
        out = call()
    except (ValueError, TypeError) as exc:
        assert "`" in str(exc), f"unnamed error: {exc!r}"
        return None
    for v in _leaves(out):
        assert not np.any(np.isnan(v)), f"NaN in the result: {out!r}"
    return out


def _leaves(out):
    if isinstance(out, dict):
        for v in out.values():
            yield from _leaves(v)
    elif hasattr(out, "__dataclass_fields__"):
        for name in out.__dataclass_fields__:
            yield from _leaves(getattr(out, name))
    elif isinstance(out, (tuple, list)):
        for v in out:
            yield from _leaves(v)
    elif isinstance(out, (int, float, complex, np.ndarray, np.generic)):
        arr = np.asarray(out)
        if arr.dtype.kind in "fc":
            yield arr


magnitudes = st.sampled_from(EXTREME_FLOATS) | st.floats(1e-308, 1e308)
signed = st.builds(lambda x, s: s * x, magnitudes, st.sampled_from([1.0, -1.0]))
probs = st.sampled_from([
    [1.0, 0.0], [0.0, 1.0], [1 - 2.0**-53, 2.0**-53], [2.0**-53, 1 - 2.0**-53],
    [1 - 1e-300, 1e-300], [0.5, 0.5], [1 - TINY_SUB, TINY_SUB],
])


@settings(max_examples=60, deadline=None)
@given(probs, probs)
def test_divergences_at_extreme_probabilities(p, q):
    for fn in (dv.kl_divergence, dv.js_divergence, dv.total_variation, dv.pearson_chi2):
        out = _check(lambda fn=fn: fn(p, q))
        assert out is not None and out >= 0
    js = dv.js_divergence(p, q)
    assert js <= math.log(2) * (1 + FEW_ULPS)
    # against 50-digit sums on the same (exactly representable) inputs
    ref = sum(mp.mpf(a) * mp.log(mp.mpf(a) / mp.mpf(b)) for a, b in zip(p, q) if a > 0 and b > 0)
    if all(b > 0 or a == 0 for a, b in zip(p, q)):
        assert abs(dv.kl_divergence(p, q) - float(ref)) <= FEW_ULPS * max(1.0, abs(float(ref)))
    assert _check(lambda: gan.optimal_gan_value(p, q)) is not None
    assert _check(lambda: gan.optimal_discriminator(p, q)) is not None
    _check(lambda: gan.replay_generator_fixed_point(p, q, 1 - 2.0**-53))
    _check(lambda: gan.replay_optimal_discriminator(p, [q, p]))


@settings(max_examples=60, deadline=None)
@given(st.lists(signed, min_size=1, max_size=4), st.lists(signed, min_size=1, max_size=4),
       st.sampled_from([1, 2, 3]))
def test_wasserstein_1d_any_magnitude(u, v, p):
    got = _check(lambda: dv.wasserstein_1d(u, v, p=p))
    # Reference for p = 1, uniform weights: exact fractions.
    if p == 1:
        ref = _exact_w1(u, v, [1] * len(u), [1] * len(v))
        # beyond the double range float(Fraction) raises OverflowError: compare exactly first
        if ref > Fraction(np.finfo(float).max) or float(ref) == math.inf:
            assert got == math.inf
        else:
            assert abs(got - float(ref)) <= 16 * EPS * max(abs(x) for x in u + v)


@settings(max_examples=40, deadline=None)
@given(magnitudes, magnitudes, magnitudes, st.floats(0.0, 0.999))
def test_lqr_any_magnitude(b, q, r, gamma):
    a = 1.1
    got = _check(lambda: lqr.lqr_riccati(a, b, q, r, gamma))
    if got is not None and math.isfinite(got):
        ref = _mp_riccati(a, b, q, r, gamma)
        if ref < mp.mpf(np.finfo(float).max) and ref > mp.mpf(np.finfo(float).tiny):
            # γ a² is rounded before 1 - γ a² - ω² is formed: the relative error of the root
            # is amplified by up to γa² / |1 - γa² - ω²| (the problem's condition number).
            u2 = mp.mpf(gamma) * mp.mpf(a) ** 2
            w2 = mp.mpf(gamma) * mp.mpf(b) ** 2 * mp.mpf(q) / mp.mpf(r)
            h = 1 - u2 - w2
            cond = 1 + float(u2 / abs(h)) if h != 0 else math.inf
            assert close(got, ref, 64 * EPS * cond)
    _check(lambda: lqr.lqr_optimal(a, b, q, r, gamma))


@settings(max_examples=40, deadline=None)
@given(magnitudes, st.sampled_from(["gan", "nsgan", "wgan"]),
       st.sampled_from(["none", "r1", "r2", "instance-noise", "consensus"]))
def test_dynamics_any_magnitude(x, loss, reg):
    kw = {"instance-noise": {"sigma": x}, "none": {}}.get(reg, {"penalty_weight": x})
    eig = _check(lambda: dyn.dirac_gan_eigenvalues(loss, reg, **kw))
    if eig is not None:
        assert not np.any(np.isnan(eig))
        _check(lambda: dyn.max_stable_step(eig))
    _check(lambda: dyn.dirac_gan_altgd_eigenvalues(loss, x))
    rad = _check(lambda: dyn.dirac_gan_simgd_radius(loss, x))
    a = dyn.f_derivatives(loss)[0]
    assert close(rad, mp.sqrt(1 + mp.mpf(x) ** 2 * a * a)) or (rad == math.inf)
    _check(lambda: dyn.gd_spectral_radius(dyn.dirac_gan_jacobian(loss, "none"), x))


@settings(max_examples=40, deadline=None)
@given(st.lists(signed, min_size=2, max_size=4), st.sampled_from([0, 1]))
def test_irl_any_cost_magnitude(cost, which):
    n = len(cost)
    q = np.full(n, 1.0 / n)
    p = np.eye(n)[which] if which else q
    _check(lambda: irl.maxent_distribution(cost))
    _check(lambda: irl.log_partition(cost))
    s = _check(lambda: irl.optimal_log_partition(cost, q, p))
    if s is not None:
        _check(lambda: irl.discriminator_loss(cost, s, q, p))
        _check(lambda: irl.generator_loss(cost, s, q))
        _check(lambda: irl.finn_discriminator(cost, s, q))


@pytest.mark.parametrize("m", [2, 3] + HUGE_INTS)
@pytest.mark.parametrize("c", [TINY_SUB, 1e-300, 1.0, 1e300, 1e308])
def test_overestimation_any_magnitude(m, c):
    for fn in (ov.max_lower_bound, ov.double_lower_bound):
        _check(lambda fn=fn: fn(c, m))
    _check(lambda: ov.expected_max_uniform(m, c))
    _check(lambda: ov.thrun_schwartz_bound(m, c, 1.0))
    if m <= 3:
        _check(lambda: ov.tight_example(c, m))
        _check(lambda: ov.double_zero_error_example(c, m))


@pytest.mark.parametrize("mu", [[1e308, -1e308], [TINY_SUB, 0.0], [1e300, 1e300 * (1 - EPS)]])
def test_overestimation_estimators_extreme_means(mu):
    for fn in (ov.single_estimator_bias, ov.double_estimator_bias, ov.argmax_probabilities):
        _check(lambda fn=fn: fn(mu))


@settings(max_examples=40, deadline=None)
@given(probs, probs, st.sampled_from([TINY_SUB, 2.0**-53, 0.5, 1 - 2.0**-53, 1.0]))
def test_stateless_mdp_extremes(p, pi, rho):
    for fn in (smdp.expected_reward, smdp.bayes_critic, smdp.bayes_critic_sensitivity):
        _check(lambda fn=fn: fn(p, pi, rho))


@pytest.mark.parametrize("w", [TINY_SUB, 1e-300, 1e-200, 1e155, 1e300, 1e308])
def test_problems_any_width_or_std(w):
    _check(lambda: state_features(3, 4, "rbf", width=w))
    _check(lambda: gridworld(3, features="rbf", width=w))
    for make in (lambda: ring_of_gaussians(std=w), lambda: grid_of_gaussians(std=w),
                 lambda: gaussian_1d(0.0, w), lambda: mixture_1d([0.0, 1.0], [w, 1.0]),
                 lambda: mixture_1d([0.0], variances=[w])):
        mix = _check(make)
        if mix is not None:
            _check(lambda: mix.log_pdf(np.zeros((1, mix.dim))))


@pytest.mark.parametrize("std", [TINY_SUB, 1e-300, 1e-20, 1e20, 1e300])
@pytest.mark.parametrize("mean", [-1e300, -0.1, 0.0, 1e300])
def test_early_left_probability_any_reward_scale(std, mean):
    for method, last in (("q", 4), ("double_q", 3)):
        got = _check(lambda: early_left_probability(method, last, reward_mean=mean, reward_std=std))
        assert 0.0 <= got <= 1.0


def test_sizes_refused_before_allocation():
    t0 = time.perf_counter()
    for call in (lambda: gridworld(10**6), lambda: action_sequences(10**6, 10**6),
                 lambda: ov.tight_example(1.0, 10**18), lambda: sequence_index([[1] * 40], 3)):
        with pytest.raises(ValueError) as exc:
            call()
        assert named_error(exc)
    assert time.perf_counter() - t0 < 2.0


@pytest.mark.parametrize("scale", [1e20, 1e150, 1e308])
def test_optimal_log_partition_symmetric_huge_costs(scale):
    # costs (+scale, -scale), q = p_data = (1/2, 1/2): by symmetry sigma(x) + sigma(-x) = 1 the
    # root is s = log 2 exactly; a = -c - log q rounds log q away at this scale, so the answer is
    # right to the spacing of the doubles at |c| (it was -scale: g rounded to 0 on the bracket)
    s = irl.optimal_log_partition([scale, -scale], [0.5, 0.5], [0.5, 0.5])
    assert abs(s - math.log(2)) <= np.spacing(scale)
