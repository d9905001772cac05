"""The Figure 1 / Figure 2 simulations of van Hasselt, Guez & Silver (2015) against exact values,
an independent naive computation on the same draws, np.polyfit, and structural invariants."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from solvers.tabular import overestimation as ov
from solvers.tabular.overestimation import (
    FIG2_ROWS,
    TRUE_VALUE_FUNCTIONS,
    fig2_sample_mask,
    function_approximation_overestimation,
    single_update_bias,
)
from tests.stats import FALSE_ALARM, chi2_interval, gaussian_radius, subgaussian_radius
from tests.tolerances import FLOAT_ATOL
from theory.overestimation import expected_max_normal

#: E[max of m iid N(0, 1)] in closed form for m <= 3 (m = 2: 1/sqrt(pi); m = 3: 3/(2 sqrt(pi))).
EXACT_EXPECTED_MAX = {1: 0.0, 2: 1.0 / np.sqrt(np.pi), 3: 1.5 / np.sqrt(np.pi)}
#: Two least-squares routes (Legendre pinv vs polyfit's monomial lstsq); Vandermonde condition
#: number <= 1e8 at degree <= 10 on the 11 samples: agreement to ~1e-10 on values of size <= ~40.
POLYFIT_ATOL = 1e-8
#: Reductions over the same draws in a different order (mean of maxima): a few ulps.
REDUCTION_ATOL = 1e-12
#: Exact recovery of a polynomial true value by a least-squares fit: rounding amplified by the
#: Legendre design's condition number (<= 13) and the coefficients' size (<= ~10 here).
RECOVERY_ATOL = 1e-9
#: Interpolation of 11 distinct states by 11 coefficients leaves float rounding only (Legendre
#: design condition number <= 13).
INTERPOLATION_ATOL = 1e-10
#: At d = 9 (10 coefficients, 11 states) the residual is a genuine misfit, O(0.1), far above
#: rounding: any value well above INTERPOLATION_ATOL separates the two cases.
NOT_INTERPOLATED_MIN = 1e-3
#: The paper prints average errors >= 0.47 for the max estimate and |.| <= 0.02 for the
#: Double-Q estimate; these looser thresholds only check the qualitative picture (the printed
#: numbers themselves are compared in experiments/claims/vanhasselt2015_figs.py).
MAX_ERROR_MIN, DOUBLE_ERROR_MAX = 0.4, 0.05
#: Trapezoid rule on [-6, 6], step h = 0.01 vs 0.00025, for a piecewise-smooth integrand: the
#: smooth part gives h^2/12 |f'(6) - f'(-6)| / 12 ~ 1e-5 (|f'| ~ 9 at the edges) and each of
#: the ~10 kinks where the argmax switches at most h^2 |jump of f'| / 8 / 12 ~ 2e-5: < 3e-4 in
#: all (the measured difference is 4e-5); 1e-3 leaves margin.
GRID_REFINEMENT_ATOL = 1e-3


# --------------------------------------------------------------------------- Figure 1
@pytest.mark.statistical
def test_q_bias_matches_exact_small_m_and_scales_with_sigma():
    # False-alarm FALSE_ALARM in total (Bonferroni over 4 checks), no sample SE.  The max of m
    # N(0, σ²) draws is σ-Lipschitz in the underlying standard normals: its mean over n draws is
    # sub-Gaussian with proxy σ/√n (Gaussian concentration).
    sigma = 2.5
    r = single_update_bias([1, 2, 3], n_samples=40_000, sigma=sigma, seed=1)
    n, alpha = r.n_samples, FALSE_ALARM / 4
    exact = sigma * np.array([EXACT_EXPECTED_MAX[m] for m in (1, 2, 3)])
    assert np.all(np.abs(r.q_mean - exact) <= subgaussian_radius(n, sigma, alpha))
    # Var(max of 2 standard normals) = 1 - 1/π: a second, independent moment check.  √(n-1) s is
    # the norm of the centred sample vector, a σ-Lipschitz function of the normals, so it lies
    # within σ sqrt(2 log(2/α)) of its mean, and (Gaussian Poincaré: its variance <= σ²) that
    # mean is within τ - sqrt(τ² - σ²/(n - 1)) below τ√(n - 1), τ the exact SD.
    tau = sigma * np.sqrt(1 - 1 / np.pi)
    radius = subgaussian_radius(n - 1, sigma, alpha) + tau - np.sqrt(tau**2 - sigma**2 / (n - 1))
    assert abs(r.q_std[1] - tau) <= radius
    # negative controls: E max of m + 1 draws (m = 2, 3), and an SD 5% off (1.4 radii), are rejected
    assert np.all(np.abs(r.q_mean[1:] - sigma * expected_max_normal(np.array([3, 4])))
                  > subgaussian_radius(n, sigma, alpha))
    assert abs(r.q_std[1] - 1.05 * tau) > radius


@pytest.mark.statistical
def test_double_estimate_is_unbiased_with_std_sigma():
    # The double estimate is the second table's error at the first table's argmax: independent
    # of the argmax, so exactly N(0, σ²) i.i.d. — its mean is N(0, σ²/n) and (n-1)s²/σ² ~ χ²(n-1)
    # (exact tails, false-alarm FALSE_ALARM in total over the 6 checks).
    sigma = 0.7
    r = single_update_bias([2, 16, 256], n_samples=20_000, sigma=sigma, seed=2)
    n, alpha = r.n_samples, FALSE_ALARM / 6
    assert np.all(np.abs(r.double_mean) <= gaussian_radius(sigma / np.sqrt(n), alpha))
    lo, hi = chi2_interval(n - 1, alpha)
    assert np.all((lo <= (n - 1) * r.double_std**2 / sigma**2) & ((n - 1) * r.double_std**2 / sigma**2 <= hi))
    # negative control: σ 5% too large is rejected (the χ² band is -5.6%/+5.7% in s², ±2.8% in s)
    assert not np.any((n - 1) * r.double_std**2 / (1.05 * sigma) ** 2 >= lo)


@pytest.mark.statistical
def test_q_bias_against_theory_expected_max_normal():
    # sub-Gaussian mean of σ-Lipschitz maxima (σ = 1), false-alarm FALSE_ALARM over 3 sizes
    r = single_update_bias([5, 64, 1024], n_samples=5_000, seed=3)
    rad = subgaussian_radius(r.n_samples, 1.0, FALSE_ALARM / 3)
    assert np.all(np.abs(r.q_mean - expected_max_normal(r.n_actions)) <= rad)
    # negative control: the expected max of twice as many actions is rejected
    assert np.all(np.abs(r.q_mean - expected_max_normal(2 * r.n_actions)) > rad)


def _naive_fig1(n_actions, n_samples, sigma, seed):
    """Per-sample, per-m loops over the same stream of draws (documented layout: each repetition
    draws its 2 * sum(m) normals in one run, first set then second set, m-segments in order)."""
    rng = np.random.default_rng(seed)
    total = sum(n_actions)
    eps = sigma * rng.standard_normal((n_samples, 2, total))
    q_err = np.zeros((n_samples, len(n_actions)))
    d_err = np.zeros_like(q_err)
    for i in range(n_samples):
        start = 0
        for k, m in enumerate(n_actions):
            q, q2 = eps[i, 0, start:start + m], eps[i, 1, start:start + m]
            best = int(np.argmax(q))
            q_err[i, k], d_err[i, k] = q[best], q2[best]
            start += m
    return q_err.mean(axis=0), d_err.mean(axis=0)


@given(n_actions=st.lists(st.integers(1, 12), min_size=1, max_size=5),
       n_samples=st.integers(2, 30), seed=st.integers(0, 2**32 - 1),
       sigma=st.floats(0.1, 10.0))
def test_vectorized_simulation_equals_naive_loops(n_actions, n_samples, seed, sigma):
    r = single_update_bias(n_actions, n_samples=n_samples, sigma=sigma, seed=seed)
    q_mean, d_mean = _naive_fig1(n_actions, n_samples, sigma, seed)
    np.testing.assert_allclose(r.q_mean, q_mean, rtol=0, atol=REDUCTION_ATOL * sigma)
    np.testing.assert_allclose(r.double_mean, d_mean, rtol=0, atol=REDUCTION_ATOL * sigma)


def test_result_does_not_depend_on_block_size(monkeypatch):
    args = dict(n_samples=57, sigma=1.0, seed=11)
    whole = single_update_bias([2, 7, 30], **args)
    monkeypatch.setattr(ov, "_BLOCK_DRAWS", 2 * 39 * 4)  # blocks of 4 repetitions
    blocked = single_update_bias([2, 7, 30], **args)
    for field in ("q_mean", "q_std", "double_mean", "double_std"):
        np.testing.assert_array_equal(getattr(whole, field), getattr(blocked, field))


def test_determinism_and_seed_forms():
    a = single_update_bias([4, 8], n_samples=50, seed=5)
    b = single_update_bias([4, 8], n_samples=50, seed=np.random.default_rng(5))
    c = single_update_bias([4, 8], n_samples=50, seed=6)
    np.testing.assert_array_equal(a.q_mean, b.q_mean)
    assert not np.array_equal(a.q_mean, c.q_mean)
    assert a.to_dict()["n_samples"] == 50


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(n_actions=[0, 2]), ValueError, "n_actions"),
    (dict(n_actions=[2.5]), ValueError, "n_actions"),
    (dict(n_actions=[[2, 4]]), ValueError, "n_actions"),
    (dict(n_actions="8"), TypeError, "n_actions"),
    (dict(n_actions=[True, False]), TypeError, "n_actions"),
    (dict(n_samples=1), ValueError, "n_samples"),
    (dict(n_samples=10.0), TypeError, "n_samples"),
    (dict(sigma=0.0), ValueError, "sigma"),
    (dict(seed=None), TypeError, "seed"),
])
def test_single_update_bias_rejects_bad_input(kwargs, error, match):
    args = dict(n_actions=[2], n_samples=10, sigma=1.0, seed=0) | kwargs
    n_actions = args.pop("n_actions")
    with pytest.raises(error, match=match):
        single_update_bias(n_actions, **args)


# --------------------------------------------------------------------------- Figure 2
def test_sample_mask_follows_the_papers_footnote():
    mask = fig2_sample_mask()
    states = np.arange(-6, 7)
    assert mask.shape == (10, 13)
    assert np.all(mask[:, 0]) and np.all(mask[:, -1])  # -6 and 6 always sampled
    assert np.all(mask.sum(axis=1) == 11)
    assert set(states[~mask[0]]) == {-5, -4}  # a_1
    assert set(states[~mask[1]]) == {-4, -3}  # a_2
    assert set(states[~mask[9]]) == {4, 5}  # a_10


def test_second_set_follows_the_papers_footnote():
    r = function_approximation_overestimation("sin", 6, n_grid=11)
    # a_i uses the samples of a_{i+5} (i <= 5) or a_{i-5} (i > 5); 0-based here.
    assert list(r.second_action) == [5, 6, 7, 8, 9, 0, 1, 2, 3, 4]


@pytest.mark.parametrize("name, degree", FIG2_ROWS + (("sin", 10), ("gaussian", 10)))
def test_fits_equal_polyfit(name, degree):
    r = function_approximation_overestimation(name, degree, n_grid=601)
    fn = TRUE_VALUE_FUNCTIONS[name]
    for a, used in enumerate(r.sample_mask):
        s = r.sample_states[used]
        coef = np.polyfit(s, fn(s), degree)
        np.testing.assert_allclose(r.estimates[a], np.polyval(coef, r.states), rtol=0, atol=POLYFIT_ATOL)
        np.testing.assert_allclose(r.fitted_at_samples[a], np.polyval(coef, r.sample_states),
                                   rtol=0, atol=POLYFIT_ATOL)


def test_paper_rows_overestimate_and_double_is_closer():
    for name, degree in FIG2_ROWS:
        r = function_approximation_overestimation(name, degree)
        assert r.mean_max_error > MAX_ERROR_MIN
        assert abs(r.mean_double_error) < DOUBLE_ERROR_MAX
        # the Double-Q estimate is one of the estimates, hence never above their max
        assert np.all(r.double_error <= r.max_error)


@given(coef=st.lists(st.floats(-2.0, 2.0), min_size=1, max_size=7),
       extra=st.integers(0, 3))
def test_polynomial_true_values_are_recovered_exactly(coef, extra):
    """A true value inside the model class is fitted exactly by every action: no overestimation."""
    degree = len(coef) - 1 + extra

    def poly(s):
        return np.polynomial.polynomial.polyval(s / 6.0, coef)

    r = function_approximation_overestimation(poly, degree, n_grid=241)
    assert np.max(np.abs(r.max_error)) <= RECOVERY_ATOL
    assert np.max(np.abs(r.double_error)) <= RECOVERY_ATOL
    assert r.name == "custom"


@given(shift=st.floats(-50.0, 50.0), scale=st.floats(0.1, 10.0), row=st.sampled_from(FIG2_ROWS))
def test_errors_are_shift_invariant_and_scale_equivariant(shift, scale, row):
    """Least squares on a space holding the constants: fit(c y + b) = c fit(y) + b, so both errors
    are unchanged by a shift of V* and scale with it (the argmax is unchanged for c > 0)."""
    name, degree = row
    fn = TRUE_VALUE_FUNCTIONS[name]
    base = function_approximation_overestimation(name, degree, n_grid=241)
    moved = function_approximation_overestimation(lambda s: scale * fn(s) + shift, degree, n_grid=241)
    tol = RECOVERY_ATOL * (1 + abs(shift) + scale * 40)  # 40 >= max |estimate| in the paper's rows
    np.testing.assert_allclose(moved.max_error, scale * base.max_error, rtol=0, atol=tol)
    # the argmax can flip between near-tied estimates; compare the double error where it cannot
    gap = np.sort(base.estimates, axis=0)
    clear = (gap[-1] - gap[-2]) > 1e-6
    np.testing.assert_allclose(moved.double_error[clear], scale * base.double_error[clear], rtol=0, atol=tol)


def test_interpolation_once_degree_allows():
    r = function_approximation_overestimation("gaussian", 10, n_grid=11)
    assert np.max(r.residual_at_samples) <= INTERPOLATION_ATOL  # 11 points, 11 coefficients
    r9 = function_approximation_overestimation("gaussian", 9, n_grid=11)
    assert np.min(r9.residual_at_samples) > NOT_INTERPOLATED_MIN  # the paper's bottom row does not interpolate


def test_average_matches_grid_refinement():
    coarse = function_approximation_overestimation("gaussian", 9, n_grid=1201)
    fine = function_approximation_overestimation("gaussian", 9, n_grid=48001)
    # Trapezoid rule on a piecewise-smooth integrand (kinks where the argmax switches)
    assert abs(coarse.mean_max_error - fine.mean_max_error) < GRID_REFINEMENT_ATOL


def test_fewer_actions_and_other_offsets():
    r = function_approximation_overestimation("sin", 4, n_actions=3, half_width=3, second_offset=2, n_grid=61)
    assert r.estimates.shape == (3, 61) and list(r.second_action) == [2, 0, 1]
    assert np.all(np.isfinite(r.max_error)) and np.all(r.double_error <= r.max_error + FLOAT_ATOL)


@pytest.mark.parametrize("args, kwargs, error, match", [
    (("cos", 6), {}, ValueError, "true_value"),
    ((3.0, 6), {}, TypeError, "true_value"),
    (("sin", -1), {}, ValueError, "degree"),
    (("sin", 6.0), {}, TypeError, "degree"),
    (("sin", 6), dict(n_actions=11), ValueError, "n_actions"),
    (("sin", 6), dict(half_width=1), ValueError, "half_width"),
    (("sin", 6), dict(second_offset=10), ValueError, "second_offset"),
    (("sin", 6), dict(n_grid=1), ValueError, "n_grid"),
    ((lambda s: s[:3], 6), {}, ValueError, "true_value"),
    ((lambda s: np.full_like(s, np.nan), 6), {}, ValueError, "true_value"),
])
def test_function_approximation_rejects_bad_input(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        function_approximation_overestimation(*args, **kwargs)
