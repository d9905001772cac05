"""Tests for theory.gan (Goodfellow et al. 2014) against independent values.

References: per-atom numerical maximization of V (scipy's bounded Brent search), 50-digit
mpmath sums, scipy's ``jensenshannon`` (Theorem 1's right-hand side), closed forms for two
Gaussians on a grid, and random discriminators (D* must beat every one of them).
"""

import math

import mpmath
import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.optimize import brentq, minimize_scalar
from scipy.spatial.distance import jensenshannon
from scipy.special import expit

from theory.gan import gan_value, optimal_discriminator, optimal_gan_value

# ----------------------------------------------------------------------------- tolerances
#: float64 sums of <= 8 terms of size <= ~30 (log of probabilities down to 1e-12) against a
#: 50-digit reference or an independent float64 implementation.
REF_ATOL = 1e-12
#: Maximizing by function value resolves the argmax only to ~sqrt(eps) ≈ 1.5e-8 (the
#: objective is flat to first order there); we allow 1e-7.
VALUE_OPT_ATOL = 1e-7
#: Root of the stationarity condition by brentq with xtol = 1e-15, plus rounding of D*.
ROOT_ATOL = 1e-13
#: V(D*) >= V(D): both sides are float64 sums; allow rounding at the tie D = D*.
INEQ_SLACK = 1e-12
#: D* from unnormalized Gaussian densities vs σ(1/2 - x): exp of -x²/2 down to e^-18 and a
#: ratio, a few ulps relative; absolute floor for D* values near 0 at the grid's ends.
GRID_D_RTOL = 1e-13
GRID_D_ATOL = 1e-15
#: Closed forms (1/4, 2/3) from one division: at most a few ulps relative.
ULP_RTOL = 1e-15
#: Closed forms 0 and -log 4 from sums of two O(1) logs: a few ulps absolute.
ULP_ATOL = 1e-15

mpmath.mp.dps = 50


def scipy_js2(p, q, **kwargs):
    """scipy's JS distance, squared.  scipy takes the square root of a sum that can round to
    about -1e-17 when P = Q, giving NaN with a RuntimeWarning; that NaN stands for 0."""
    with np.errstate(invalid="ignore"):
        return np.nan_to_num(jensenshannon(p, q, **kwargs) ** 2, nan=0.0)
LOG4 = math.log(4.0)


# ----------------------------------------------------------------------------- strategies
def _normalize(w):
    return w / w.sum()


def vectors(k, *, low=0.0, floor=None):
    elements = st.floats(low, 1.0)
    if floor is not None:  # atoms are 0 or >= floor / k
        elements = st.one_of(st.just(0.0), st.floats(floor, 1.0))
    arr = hnp.arrays(np.float64, k, elements=elements)
    return arr.filter(lambda w: w.sum() > 0).map(_normalize)


@st.composite
def pairs(draw, *, low=0.0, min_k=1, max_k=8, floor=None):
    k = draw(st.integers(min_k, max_k))
    return draw(vectors(k, low=low, floor=floor)), draw(vectors(k, low=low, floor=floor))


#: Tests that evaluate V at D* keep positive atoms >= 1e-6 / 8: where p_model / p_data is
#: below ~1e-16, D* = p/(p + q) rounds to exactly 1 in float64 and V(D*) is -inf for that
#: rounded D although C(G) is finite (documented in optimal_discriminator's Notes).
RATIO_SAFE = dict(floor=1e-6)


def ref_value(d, p, q):
    """V(D, G) with 50-digit logs, 0·log 0 = 0."""
    total = mpmath.mpf(0)
    for di, pi, qi in zip(d, p, q):
        di, pi, qi = mpmath.mpf(float(di)), mpmath.mpf(float(pi)), mpmath.mpf(float(qi))
        if pi > 0:
            if di == 0:
                return -math.inf
            total += pi * mpmath.log(di)
        if qi > 0:
            if di == 1:
                return -math.inf
            total += qi * mpmath.log(1 - di)
    return float(total)


# ============================================================================= D*
class TestOptimalDiscriminator:
    @given(pairs(low=1e-3))
    def test_maximizes_each_atom_numerically(self, pq):
        # V separates over atoms: D*(x) = argmax_y p log y + q log(1 - y) on (0, 1), a strictly
        # concave function.  Maximize it by value (Brent), then pin the argmax by solving the
        # stationarity condition p/y - q/(1 - y) = 0 with a bracketing root finder.
        p, q = pq
        d_star = optimal_discriminator(p, q)
        for pi, qi, di in zip(p, q, d_star):
            res = minimize_scalar(
                lambda y: -(pi * np.log(y) + qi * np.log1p(-y)),
                bounds=(1e-12, 1 - 1e-12),
                method="bounded",
                options={"xatol": 1e-10},
            )
            assert di == pytest.approx(res.x, abs=VALUE_OPT_ATOL)
            root = brentq(lambda y: pi / y - qi / (1 - y), 1e-12, 1 - 1e-12, xtol=1e-15)
            assert di == pytest.approx(root, abs=ROOT_ATOL)

    @given(pairs(**RATIO_SAFE), st.integers(0, 2**32 - 1))
    def test_beats_random_discriminators(self, pq, seed):
        p, q = pq
        d_star = optimal_discriminator(p, q)
        best = gan_value(d_star, p, q)
        rng = np.random.default_rng(seed)
        others = rng.random((64, p.size))
        others[:8] = np.clip(d_star + rng.normal(0, 1e-3, (8, p.size)), 0, 1)  # near D*
        assert np.all(gan_value(others, p, q) <= best + INEQ_SLACK)

    def test_both_zero_convention(self):
        p, q = np.array([0.5, 0.5, 0.0]), np.array([0.25, 0.75, 0.0])
        d = optimal_discriminator(p, q)
        assert d[2] == 0.5
        # The atom with p = q = 0 does not enter V: any value there is optimal.
        for other in (0.0, 0.3, 1.0):
            changed = d.copy()
            changed[2] = other
            assert gan_value(changed, p, q) == gan_value(d, p, q)

    def test_both_zero_is_limit_along_diagonal(self):
        eps = np.array([1e-3, 1e-100, 1e-300])
        assert np.all(optimal_discriminator(eps, eps) == 0.5)
        assert optimal_discriminator([0.0], [0.0])[0] == 0.5

    def test_gaussian_densities_on_a_grid(self):
        # N(0,1) vs N(1,1): D*(x) = φ(x) / (φ(x) + φ(x - 1)) = σ(1/2 - x); unnormalized
        # density values are accepted.
        x = np.linspace(-5, 6, 101)
        pd = np.exp(-0.5 * x**2)
        pm = np.exp(-0.5 * (x - 1) ** 2)
        np.testing.assert_allclose(
            optimal_discriminator(pd, pm), expit(0.5 - x), rtol=GRID_D_RTOL, atol=GRID_D_ATOL
        )

    def test_rounding_to_one_documented(self):
        # p_model/p_data = 1e-20 on atom 0: D* = 1/(1 + 1e-20) rounds to 1, so V at the
        # rounded D* is -inf, while C(G) is finite.
        p_data, p_model = np.array([1.0, 0.0]), np.array([1e-20, 1.0])
        d = optimal_discriminator(p_data, p_model)
        assert d[0] == 1.0
        assert gan_value(d, p_data, p_model) == -np.inf
        assert np.isfinite(optimal_gan_value(p_data, p_model))

    def test_disjoint_supports(self):
        np.testing.assert_array_equal(
            optimal_discriminator([1.0, 0.0, 0.0], [0.0, 1.0, 0.0]), [1.0, 0.0, 0.5]
        )

    def test_broadcasting(self):
        p = np.array([[0.2, 0.8], [0.5, 0.5]])
        q = np.array([0.6, 0.4])
        d = optimal_discriminator(p, q)
        assert d.shape == (2, 2)
        np.testing.assert_allclose(d[0], [0.25, 2 / 3], rtol=ULP_RTOL)

    @pytest.mark.parametrize(
        "pd,pm,match",
        [
            ([-1.0, 1.0], [0.5, 0.5], "`p_data`"),
            ([0.5, 0.5], [np.inf, 1.0], "`p_model`"),
            ([], [], "`p_data`"),
            (0.5, 0.5, "`p_data`"),
            ([0.5, 0.5], [1.0, 0.0, 0.0], "`p_data` and `p_model`"),
        ],
    )
    def test_errors(self, pd, pm, match):
        with pytest.raises(ValueError, match=match):
            optimal_discriminator(pd, pm)


# ============================================================================= V(D, G)
class TestGanValue:
    @given(pairs(), st.integers(0, 2**32 - 1))
    def test_matches_high_precision_sum(self, pq, seed):
        p, q = pq
        d = np.random.default_rng(seed).random(p.size)
        assert gan_value(d, p, q) == pytest.approx(ref_value(d, p, q), abs=REF_ATOL)

    def test_infinite_cases(self):
        assert gan_value([0.0, 0.5], [0.5, 0.5], [0.5, 0.5]) == -np.inf  # D = 0 on data
        assert gan_value([1.0, 0.5], [0.5, 0.5], [0.5, 0.5]) == -np.inf  # D = 1 on model
        # D = 0 where p_data = 0 and D = 1 where p_model = 0 cost nothing: V = 0
        assert gan_value([1.0, 0.0], [1.0, 0.0], [0.0, 1.0]) == 0.0

    def test_d_range(self):
        with pytest.raises(ValueError, match="`d`"):
            gan_value([1.5, 0.5], [0.5, 0.5], [0.5, 0.5])
        with pytest.raises(ValueError, match="`d`"):
            gan_value([np.nan, 0.5], [0.5, 0.5], [0.5, 0.5])

    def test_probabilities_validated(self):
        with pytest.raises(ValueError, match="`p_data`"):
            gan_value([0.5, 0.5], [0.5, 0.6], [0.5, 0.5])
        with pytest.raises(ValueError, match="`p_model`"):
            gan_value([0.5, 0.5], [0.5, 0.5], [-0.5, 1.5])
        with pytest.raises(ValueError, match="`d` and `p_data`"):
            gan_value([0.5, 0.5, 0.5], [0.5, 0.5], [0.5, 0.5])


# ============================================================================= C(G)
class TestOptimalGanValue:
    # scipy halves p + q in float64, which underflows for subnormal atoms: atoms 0 or >= 1e-300.
    @given(pairs(floor=1e-300))
    @example((np.array([1.0, 0.0]), np.array([0.0, 1.0])))
    def test_theorem1_against_scipy_jsd(self, pq):
        p, q = pq
        expected = -LOG4 + 2.0 * scipy_js2(p, q)
        assert optimal_gan_value(p, q) == pytest.approx(expected, abs=REF_ATOL)

    @given(pairs(**RATIO_SAFE))
    def test_equals_value_at_optimal_discriminator(self, pq):
        # Two independent routes: V(D*, G) summed with xlogy vs -log 4 + 2 JSD.
        p, q = pq
        v = gan_value(optimal_discriminator(p, q), p, q)
        assert optimal_gan_value(p, q) == pytest.approx(v, abs=REF_ATOL)

    @given(pairs())
    def test_global_minimum(self, pq):
        # js_divergence is clipped to [0, log 2], so C(G) in [-log 4, 0] holds by construction;
        # the theorem's content ("-log 4 only at p_g = p_data") is tested through bounds that
        # the clip cannot produce.  With TV = (1/2) sum |p - q| and TV(p, m) = TV / 2:
        # Pinsker on KL(p || m) and KL(q || m) gives C(G) + log 4 = 2 JSD >= TV^2, and
        # JSD <= TV log 2 (Lin 1991, JS bounded by the variational distance) gives
        # C(G) + log 4 <= TV log 4.
        p, q = pq
        tv = 0.5 * float(np.abs(p - q).sum())
        excess = float(optimal_gan_value(p, q)) + LOG4
        assert excess >= tv**2 - INEQ_SLACK
        assert excess <= tv * LOG4 + INEQ_SLACK
        assert optimal_gan_value(p, p) == pytest.approx(-LOG4, abs=INEQ_SLACK)

    def test_batched(self):
        p = np.array([[1.0, 0.0], [0.5, 0.5]])
        q = np.array([[0.0, 1.0], [0.5, 0.5]])
        np.testing.assert_allclose(optimal_gan_value(p, q), [0.0, -LOG4], atol=ULP_ATOL)


def test_optimal_discriminator_near_the_largest_float():
    """Densities near 1.8e308 must not overflow p_data + p_model (D* = 1/2 and 1/3 exactly)."""
    from theory.gan import optimal_discriminator

    big = np.finfo(float).max
    assert optimal_discriminator([big], [big])[0] == 0.5
    assert abs(optimal_discriminator([big / 2], [big])[0] - 1 / 3) <= 1e-15
    # ... and subnormal densities keep their exact ratio (1 where p_model = 0 < p_data).
    assert optimal_discriminator([5e-324], [0.0])[0] == 1.0
    assert optimal_discriminator([5e-324], [5e-324])[0] == 0.5
