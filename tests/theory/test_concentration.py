"""theory.concentration against independent references.

Every acceptance region is checked where its exact false-alarm probability can be computed
without the function under test: by enumerating a Binomial(n, p) count with ``math.comb`` (the
Hoeffding, Bernstein, empirical Bernstein and Chernoff regions of a Bernoulli mean; the binomial
and Fisher tails), by a closed-form CDF (the normal through ``math.erfc``, χ² with an even number
of degrees of freedom through its Poisson sum) or by the χ² law of a Gaussian quadratic form.
Each region must hold its level (coverage) and the tail equations must be solved (tightness); a
wrong constant fails (negative controls).
"""

from __future__ import annotations

import math
from fractions import Fraction
from itertools import product

import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from theory import concentration as cc

#: Float sums of at most ~200 binomial terms against scipy's tails, and float evaluations of
#: closed-form tails at a solved point: relative error a few hundred ulps at most.
REL = 1e-9

alphas = st.floats(1e-8, 0.5)
probs = st.floats(0.0, 1.0)


def binom_pmf(n: int, p: float) -> np.ndarray:
    """Exact-as-float Binomial(n, p) pmf by math.comb (0**0 = 1 covers p = 0 and p = 1)."""
    return np.array([math.comb(n, j) * p**j * (1 - p) ** (n - j) for j in range(n + 1)])


def chi2_even_cdf(x: float, df: int) -> float:
    """P(χ²(df) <= x) for even df: 1 - exp(-x/2) Σ_{j < df/2} (x/2)^j / j! (Poisson identity)."""
    h = x / 2.0
    return 1.0 - math.exp(-h) * sum(h**j / math.factorial(j) for j in range(df // 2))


# --------------------------------------------------------------------------- exact tails
@given(st.integers(1, 60), probs, alphas)
def test_binomial_interval_is_the_equal_tailed_region(n, p, alpha):
    pmf = binom_pmf(n, p)
    cdf = np.cumsum(pmf)
    lo, hi = (int(v) for v in cc.binomial_interval(n, p, alpha))
    # lo: smallest count with P[X <= lo] >= α/2; hi: smallest count with P[X > hi] <= α/2
    assert cdf[lo] >= alpha / 2 * (1 - REL)
    assert lo == 0 or cdf[lo - 1] < alpha / 2 * (1 + REL)
    assert 1 - cdf[hi] <= alpha / 2 * (1 + REL) + 1e-15
    assert hi == 0 or 1 - cdf[hi - 1] > alpha / 2 * (1 - REL) - 1e-15
    assert int(cc.binomial_lower(n, p, alpha / 2)) == lo
    assert int(cc.binomial_upper(n, p, alpha / 2)) == hi


@given(st.integers(0, 40), probs, st.data())
def test_binomial_two_sided_pvalue_by_enumeration(n, p, data):
    k = data.draw(st.integers(0, n))
    pmf = binom_pmf(n, p)
    expected = min(1.0, 2 * min(pmf[: k + 1].sum(), pmf[k:].sum()))
    assert cc.binomial_two_sided_pvalue(k, n, p) == pytest.approx(expected, rel=REL, abs=1e-15)


def test_binomial_two_sided_pvalue_zero_probability_cell():
    assert cc.binomial_two_sided_pvalue(0, 10, 0.0) == 1.0
    assert cc.binomial_two_sided_pvalue(1, 10, 0.0) == 0.0
    assert cc.binomial_two_sided_pvalue(10, 10, 1.0) == 1.0


@given(st.integers(0, 12), st.integers(0, 12), st.data())
def test_fisher_exact_pvalue_by_enumeration(n1, n2, data):
    k1 = data.draw(st.integers(0, n1))
    k2 = data.draw(st.integers(0, n2))
    t = k1 + k2
    total = math.comb(n1 + n2, t)
    pmf = {j: Fraction(math.comb(n1, j) * math.comb(n2, t - j), total)
           for j in range(max(0, t - n2), min(t, n1) + 1)}
    lower = sum(v for j, v in pmf.items() if j <= k1)
    upper = sum(v for j, v in pmf.items() if j >= k1)
    expected = float(min(Fraction(1), 2 * min(lower, upper)))
    assert cc.fisher_exact_pvalue(k1, n1, k2, n2)[0] == pytest.approx(expected, rel=REL)


# --------------------------------------------------------------------------- Gaussian, χ²
@given(st.floats(1e-3, 1e3), alphas, st.integers(1, 10_000))
def test_gaussian_halfwidth_solves_the_normal_tail(sd, alpha, n):
    t = float(cc.gaussian_halfwidth(sd, alpha, n))
    # P(|N(0, sd²/n)| >= t) = erfc(t sqrt(n) / (sd sqrt 2))
    assert math.erfc(t * math.sqrt(n) / (sd * math.sqrt(2.0))) == pytest.approx(alpha, rel=1e-8)


@given(st.sampled_from([2, 4, 6, 10, 20]), alphas)
def test_chi2_interval_against_the_poisson_sum(df, alpha):
    lo, hi = cc.chi2_interval(df, alpha)
    assert chi2_even_cdf(lo, df) == pytest.approx(alpha / 2, rel=1e-7)
    assert 1.0 - chi2_even_cdf(hi, df) == pytest.approx(alpha / 2, rel=1e-7)


@given(st.floats(1e-2, 1e2), st.sampled_from([3, 5, 11]), alphas)
def test_chi2_std_interval_is_the_sd_of_the_chi2_region(sigma, n, alpha):
    lo, hi = cc.chi2_std_interval(sigma, n, alpha)
    # (n - 1) s² / σ² ~ χ²(n - 1): map the SD bounds back and use the even-df CDF
    assert chi2_even_cdf((n - 1) * (float(lo) / sigma) ** 2, n - 1) == pytest.approx(alpha / 2, rel=1e-7)
    assert 1 - chi2_even_cdf((n - 1) * (float(hi) / sigma) ** 2, n - 1) == pytest.approx(alpha / 2, rel=1e-7)


# --------------------------------------------------------------------------- inequalities
@given(st.floats(1e-3, 1e3), st.integers(1, 10_000), alphas)
def test_tail_equations_are_solved(scale, n, alpha):
    s = float(cc.subgaussian_halfwidth(scale, n, alpha))
    assert 2 * math.exp(-n * s**2 / (2 * scale**2)) == pytest.approx(alpha, rel=REL)
    h = float(cc.hoeffding_halfwidth(scale, n, alpha))
    assert 2 * math.exp(-2 * n * h**2 / scale**2) == pytest.approx(alpha, rel=REL)
    # Hoeffding is the sub-Gaussian bound with proxy width / 2
    assert h == pytest.approx(float(cc.subgaussian_halfwidth(scale / 2, n, alpha)), rel=1e-12)


@given(st.floats(0.0, 10.0), st.floats(1e-3, 10.0), st.integers(1, 10_000), alphas)
def test_bernstein_halfwidth_solves_its_tail(variance, bound, n, alpha):
    t = float(cc.bernstein_halfwidth(variance, bound, n, alpha))
    assert 2 * math.exp(-n * t**2 / (2 * variance + 2 * bound * t / 3)) == pytest.approx(alpha, rel=1e-8)
    # the one-sided tail, typed separately, at that deviation is α/2
    assert float(cc.bernstein_one_sided_tail(t, variance, bound, n)) == pytest.approx(alpha / 2, rel=1e-8)


def test_bernstein_one_sided_tail_edges():
    assert float(cc.bernstein_one_sided_tail(0.0, 1.0, 1.0, 5)) == 1.0
    # zero variance and zero bound: no deviation is possible, the tail is 0 (no warning)
    assert float(cc.bernstein_one_sided_tail(0.1, 0.0, 0.0, 5)) == 0.0


def _bernoulli_deviation_probability(n, p, radius_of_count, side):
    """P over k ~ Binomial(n, p) that the mean k/n deviates beyond radius_of_count(k)."""
    pmf = binom_pmf(n, p)
    k = np.arange(n + 1)
    r = np.array([radius_of_count(int(j)) for j in k])
    dev = (k / n - p) if side == "upper" else (p - k / n)
    return float(pmf[dev > r].sum()) if side != "both" else float(pmf[np.abs(k / n - p) >= r].sum())


bernoulli_cases = st.tuples(st.integers(2, 120), st.floats(0.0, 1.0), st.floats(1e-4, 0.5))


@given(bernoulli_cases)
@example((2, 0.5, 0.5))
@example((120, 0.01, 1e-4))
def test_hoeffding_bernstein_cover_a_bernoulli_mean(case):
    n, p, alpha = case
    h = float(cc.hoeffding_halfwidth(1.0, n, alpha))
    assert _bernoulli_deviation_probability(n, p, lambda k: h, "both") <= alpha
    b = float(cc.bernstein_halfwidth(p * (1 - p), max(p, 1 - p), n, alpha))
    assert _bernoulli_deviation_probability(n, p, lambda k: b, "both") <= alpha


@given(bernoulli_cases)
def test_empirical_bernstein_covers_a_bernoulli_mean(case):
    n, p, alpha = case

    def radius(k):  # sample variance (ddof = 1) of k ones among n
        return float(cc.empirical_bernstein_radius(k * (n - k) / (n * (n - 1)), 1.0, n, alpha))

    # one-sided: P(E X - mean > r) <= α, for X and (by symmetry) 1 - X
    assert _bernoulli_deviation_probability(n, p, radius, "lower") <= alpha
    assert _bernoulli_deviation_probability(n, p, radius, "upper") <= alpha


@settings(max_examples=40)
@given(bernoulli_cases)
def test_chernoff_covers_a_bernoulli_mean_and_beats_hoeffding(case):
    n, p, alpha = case
    assume(0.0 < p < 1.0)
    r_minus, r_plus = cc.chernoff_halfwidths([0.0, 1.0], [1 - p, p], n, alpha)
    assert _bernoulli_deviation_probability(n, p, lambda k: r_plus, "upper") <= alpha / 2 * (1 + REL)
    assert _bernoulli_deviation_probability(n, p, lambda k: r_minus, "lower") <= alpha / 2 * (1 + REL)
    # the Cramér rate dominates Hoeffding's 2 r² (Hoeffding's lemma; same level α/2 per side), so
    # Chernoff is never wider, up to the 2^-50 bisection and the range fallback's factor 1 + 1e-12
    h = float(cc.hoeffding_halfwidth(1.0, n, alpha))
    assert max(r_minus, r_plus) <= h * (1 + 1e-9)


def test_chernoff_degenerate_and_shaped_inputs():
    # a constant variable (and zero-probability atoms) deviates by nothing
    out = cc.chernoff_halfwidths([[0.0, 2.0], [5.0, 2.0]], [1.0, 0.0], 10, 0.01)
    assert out.shape == (2, 2) and np.all(out == 0.0)
    with pytest.raises(ValueError, match="probs"):
        cc.chernoff_halfwidths([0.0, 1.0], [0.5, 0.6], 10, 0.01)
    with pytest.raises(ValueError, match="values"):
        cc.chernoff_halfwidths([0.0, 1.0, 2.0], [0.5, 0.5], 10, 0.01)


# --------------------------------------------------------------------------- median of blocks
def _exact_median_failure(k: int, rate: float) -> float:
    """P[Binomial(k, rate) >= (k + 1)/2] by math.comb (float terms, no incomplete beta)."""
    need = (k + 1) // 2
    return math.fsum(math.comb(k, j) * rate**j * (1 - rate) ** (k - j) for j in range(need, k + 1))


@settings(max_examples=25)
@given(st.integers(1, 60), st.floats(1e-8, 0.3))
def test_median_of_blocks_plan_by_exact_binomial_sums(n, alpha):
    k, c = cc.median_of_blocks_plan(n, alpha)
    assert k % 2 == 1 and 1 <= k <= max(1, n // 2)
    # the per-block failure rate 1/c² puts the median's exact failure probability at α
    fail = _exact_median_failure(k, 1.0 / c**2)
    assert fail == pytest.approx(alpha, rel=1e-7)
    # and no other odd k gives a smaller radius c'·sqrt(k'): c' found by bisection on exact sums
    for other in range(1, min(max(2, n // 2), 401) + 1, 2):
        lo, hi = 0.0, 1.0
        for _ in range(60):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if _exact_median_failure(other, mid) <= alpha else (lo, mid)
        c_other = 1.0 / math.sqrt(lo)
        assert c * math.sqrt(k) <= c_other * math.sqrt(other) * (1 + 1e-9)


def test_median_of_block_means_and_halfwidth():
    x = np.arange(23, dtype=float).reshape(23, 1) ** 2
    blocks = [x[i * 7:(i + 1) * 7].mean() for i in range(3)]
    assert cc.median_of_block_means(x, 3)[0] == np.median(blocks)
    k, t = cc.median_of_blocks_halfwidth(2.0, 23, 0.01)
    k_plan, c = cc.median_of_blocks_plan(23, 0.01)
    assert k == k_plan and t == pytest.approx(c * math.sqrt(2.0 / (23 // k)), rel=1e-15)
    with pytest.raises(ValueError, match="k"):
        cc.median_of_block_means(np.ones(2), 3)


@given(st.floats(0.0, 1.0), st.integers(1, 30))
def test_median_exceedance_probability_by_enumeration(beta, r):
    need = math.ceil(r / 2)
    expected = binom_pmf(r, beta)[need:].sum()
    assert float(cc.median_exceedance_probability(beta, r)) == pytest.approx(expected, rel=REL, abs=1e-15)


# --------------------------------------------------------------------------- quadratic forms, moments
@given(st.integers(1, 6), st.integers(1, 400), st.floats(1e-8, 0.5))
def test_gaussian_quadratic_region_covers_a_chi2_mean(d, n, alpha):
    from scipy.stats import chi2

    # D = I in d dimensions: Y = |x|² ~ χ²(d), λ = (1, ..., 1), ‖λ‖₂ = sqrt(d), max λ = 1;
    # n times the mean of n copies is χ²(n d) exactly
    lo, hi = cc.gaussian_quadratic_mean_halfwidths(math.sqrt(d), 1.0, n, alpha)
    assert chi2.sf(n * (d + hi), n * d) <= alpha / 2 * (1 + REL)
    assert chi2.cdf(n * (d - lo), n * d) <= alpha / 2 * (1 + REL)


def test_gaussian_quadratic_rejects_negative_norms():
    with pytest.raises(ValueError, match="frobenius"):
        cc.gaussian_quadratic_mean_halfwidths(-1.0, 1.0, 10, 0.01)


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_sample_mean_fourth_moment_by_enumeration(n):
    values, weights = (Fraction(-1), Fraction(3)), (Fraction(3, 4), Fraction(1, 4))  # mean 0
    mu2 = sum(w * v**2 for v, w in zip(values, weights))
    mu4 = sum(w * v**4 for v, w in zip(values, weights))
    exact = Fraction(0)
    for draw in product(range(2), repeat=n):
        prob = math.prod(weights[i] for i in draw)
        exact += prob * (sum(values[i] for i in draw) / n) ** 4
    assert float(cc.sample_mean_fourth_moment(float(mu2), float(mu4), n)) == pytest.approx(float(exact), rel=1e-14)


@given(st.lists(st.floats(-100, 100), min_size=2, max_size=12, unique=True), st.integers(0, 2**32 - 1))
def test_least_squares_slope_weights_give_the_fitted_slope(x, seed):
    x = np.array(x)
    assume(np.ptp(x) > 1e-3)
    y = np.random.default_rng(seed).normal(size=x.size)
    a = cc.least_squares_slope_weights(x)
    slope = np.linalg.lstsq(np.stack([np.ones_like(x), x], axis=1), y, rcond=None)[0][1]
    assert a @ y == pytest.approx(slope, rel=1e-8, abs=1e-10)
    assert a.sum() == pytest.approx(0.0, abs=1e-12 * np.abs(a).sum())
    with pytest.raises(ValueError, match="constant"):
        cc.least_squares_slope_weights([1.0, 1.0])


# --------------------------------------------------------------------------- negative controls, errors
def test_a_wrong_constant_fails_the_coverage_check():
    # Hoeffding with the sub-Gaussian proxy of the width itself halved twice (too small by 2)
    n, p, alpha = 100, 0.5, 1e-3
    too_small = float(cc.hoeffding_halfwidth(1.0, n, alpha)) / 2
    assert _bernoulli_deviation_probability(n, p, lambda k: too_small, "both") > alpha
    # the empirical Bernstein radius without its range term fails when the variance is 0-ish
    n, p = 50, 0.002
    no_range = lambda k: float(np.sqrt(2 * k * (n - k) / (n * (n - 1)) * math.log(2 / alpha) / n))  # noqa: E731
    assert _bernoulli_deviation_probability(n, p, no_range, "lower") > alpha


@pytest.mark.parametrize("bad", [0.0, 1.0, -0.1, 2.0, float("nan")])
def test_alpha_outside_the_open_unit_interval_raises(bad):
    with pytest.raises(ValueError, match="alpha"):
        cc.hoeffding_halfwidth(1.0, 10, bad)
    with pytest.raises(ValueError, match="alpha"):
        cc.median_of_blocks_plan(10, bad)


def test_bad_counts_raise():
    with pytest.raises(ValueError, match="`n`"):
        cc.bernstein_halfwidth(1.0, 1.0, 0, 0.01)
    with pytest.raises(TypeError, match="`n`"):
        cc.subgaussian_halfwidth(1.0, 2.5, 0.01)
    with pytest.raises(ValueError, match="`n`"):
        cc.empirical_bernstein_radius(1.0, 1.0, 1, 0.01)
    with pytest.raises(ValueError, match="df"):
        cc.chi2_interval(0, 0.01)
