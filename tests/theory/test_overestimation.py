"""Tests for theory.overestimation (van Hasselt et al. 2016, Theorem 1 and appendix Theorem 2;
Thrun & Schwartz 1993) against independent values.  The Gaussian-noise estimators it re-exports
are tested in tests/theory/test_max_estimators.py.

References: exact arithmetic of the tight examples, scipy.integrate.quad of the uniform
order-statistic integrand, constrained optimization, and Monte Carlo at fixed seeds with
conservative bounds.
"""

import math

import numpy as np
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.integrate import quad

from tests.stats import assert_mean_bernstein
from theory.overestimation import (
    DoubleZeroErrorExample,
    double_lower_bound,
    double_zero_error_example,
    expected_max_uniform,
    max_lower_bound,
    thrun_schwartz_bound,
    tight_example,
)

# ----------------------------------------------------------------------------- tolerances
#: Float64 rounding of sums and squares of m <= 1024 numbers of size O(sqrt(m C)) and of a
#: sqrt: a few hundred ulps relative to the bound.
FLOAT_RTOL = 1e-12
FLOAT_ATOL = 1e-12
#: scipy.integrate.quad (epsabs 1e-14) of a polynomial on [-eps, eps] against the rational
#: closed form: quad's relative accuracy on these smooth integrands.
UNIFORM_QUAD_RTOL = 1e-10
#: SLSQP's tolerance on the minimized max (ftol 1e-14; constraints met to ~1e-10).
OPT_ATOL = 1e-7
#: A vector is "not the tight example" when its sorted entries differ from the tight
#: example's by more than this (relative to sqrt(C)); its max then exceeds the bound by an
#: amount of first order in the distance (>= ~1e-7 / m), far above float rounding.
TIGHT_DIST = 1e-5


def _project(raw, C):
    """Centre and rescale rows to mean square C (Theorem 1's conditions)."""
    raw = np.asarray(raw, dtype=float)
    c = raw - raw.mean(axis=-1, keepdims=True)
    return c * np.sqrt(C / np.mean(c**2, axis=-1, keepdims=True))


raw_vectors = st.integers(2, 40).flatmap(
    lambda m: hnp.arrays(np.float64, m, elements=st.floats(-1e3, 1e3, allow_nan=False)))
positive_c = st.floats(1e-6, 1e6)


# ----------------------------------------------------------------------------- Theorem 1
class TestMaxLowerBound:
    def test_values(self):
        assert max_lower_bound(1.0, 2) == 1.0
        assert max_lower_bound(9.0, 10) == 1.0
        np.testing.assert_allclose(max_lower_bound(2.0, [2, 3, 5]), [math.sqrt(2), 1.0, math.sqrt(0.5)],
                                   rtol=FLOAT_RTOL)

    def test_broadcasts(self):
        out = max_lower_bound(np.array([[1.0], [4.0]]), np.array([2, 5]))
        np.testing.assert_allclose(out, [[1.0, 0.5], [2.0, 1.0]], rtol=FLOAT_RTOL)
        assert isinstance(max_lower_bound(1.0, np.int64(3)), float)

    @pytest.mark.parametrize("C, m, err, match", [
        (0.0, 3, ValueError, "`C` must be > 0"),
        (-1.0, 3, ValueError, "`C`"),
        (np.nan, 3, ValueError, "`C` must be finite"),
        (1.0, 1, ValueError, "`m` must be >= 2"),
        (1.0, [2, 1], ValueError, "`m` must be >= 2"),
        (1.0, 2.0, TypeError, "`m` must be an integer"),
        (1.0, True, TypeError, "`m`"),
        (True, 2, TypeError, "`C`"),
        ("1", 2, TypeError, "`C`"),
    ])
    def test_bad_input(self, C, m, err, match):
        with pytest.raises(err, match=match):
            max_lower_bound(C, m)

    @given(raw=raw_vectors, C=positive_c)
    @example(raw=np.array([1.0, -1.0]), C=1.0)
    @example(raw=np.array([1e3, -1e3, 0.0, 5.0]), C=3.0)
    def test_bound_holds_for_every_admissible_vector(self, raw, C):
        centred = raw - raw.mean()
        assume(np.max(np.abs(centred)) > 1e-9 * max(1.0, np.max(np.abs(raw))))
        eps = _project(raw, C)
        # the projection is admissible (independent check of the conditions)
        assert abs(eps.sum()) <= FLOAT_ATOL * math.sqrt(C) * eps.size
        assert np.mean(eps**2) == pytest.approx(C, rel=FLOAT_RTOL)
        assert eps.max() >= max_lower_bound(C, eps.size) * (1 - FLOAT_RTOL)

    @given(m=st.integers(2, 300), C=positive_c)
    def test_equality_at_the_tight_example(self, m, C):
        eps = tight_example(C, m)
        assert eps.shape == (m,)
        assert abs(eps.sum()) <= FLOAT_ATOL * math.sqrt(C) * m
        assert np.mean(eps**2) == pytest.approx(C, rel=FLOAT_RTOL)
        assert eps.max() == pytest.approx(math.sqrt(C / (m - 1)), rel=FLOAT_RTOL, abs=0)
        assert eps.max() == pytest.approx(max_lower_bound(C, m), rel=FLOAT_RTOL, abs=0)

    @given(m=st.integers(3, 30), C=positive_c, seed=st.integers(0, 2**32 - 1),
           scale=st.floats(1e-4, 10.0))
    def test_equality_only_at_the_tight_example(self, m, C, seed, scale):
        # admissible vectors near (and far from) the tight example: where the sorted vector
        # differs from it, the max is strictly above the bound
        rng = np.random.default_rng(seed)
        tight = tight_example(C, m)
        eps = _project(tight + scale * math.sqrt(C) * rng.standard_normal(m), C)
        dist = np.max(np.abs(np.sort(eps) - np.sort(tight))) / math.sqrt(C)
        assume(dist > TIGHT_DIST)
        assert eps.max() > max_lower_bound(C, m) * (1 + FLOAT_RTOL)

    def test_bound_is_the_minimum_found_by_optimization(self):
        # min max_a eps_a over the constraint set by SLSQP (no closed form inside)
        from scipy.optimize import minimize

        C = 2.5
        for m in (2, 3, 5):
            cons = [
                {"type": "ineq", "fun": lambda v, m=m: v[-1] - v[:-1]},
                {"type": "eq", "fun": lambda v, m=m: v[:-1].sum()},
                {"type": "eq", "fun": lambda v, m=m: v[:-1] @ v[:-1] - m * C},
            ]
            start = _project(np.random.default_rng(m).standard_normal(m), C)
            res = minimize(lambda v: v[-1], np.hstack([start, start.max()]),
                           constraints=cons, method="SLSQP", options={"ftol": 1e-14})
            assert res.success
            assert res.x[:-1].max() == pytest.approx(max_lower_bound(C, m), abs=OPT_ATOL)

    def test_tight_example_bad_input(self):
        with pytest.raises(ValueError, match="single integer"):
            tight_example(1.0, [2, 3])
        with pytest.raises(ValueError, match="`m` must be >= 2"):
            tight_example(1.0, 1)
        with pytest.raises(TypeError, match="`C`"):
            tight_example([1.0], 3)


class TestDoubleZeroError:
    @given(m=st.integers(2, 200), C=positive_c)
    def test_example_is_admissible_and_exact(self, m, C):
        ex = double_zero_error_example(C, m)
        assert isinstance(ex, DoubleZeroErrorExample)
        sel, ev = ex.selector_errors, ex.evaluator_errors
        assert abs(sel.sum()) <= FLOAT_ATOL * math.sqrt(C) * m
        assert np.mean(sel**2) == pytest.approx(C, rel=FLOAT_RTOL)
        a = int(np.argmax(sel))
        assert a == ex.selected_action and np.sum(sel == sel.max()) == 1
        assert ev[a] == 0.0 and ex.double_error == 0.0
        assert ex.single_error == pytest.approx(math.sqrt((m - 1) * C), rel=FLOAT_RTOL)
        assert ex.single_error >= max_lower_bound(C, m) * (1 - FLOAT_RTOL)
        assert ex.evaluator_admissible == (m >= 3)
        if m >= 3:
            assert abs(ev.sum()) <= FLOAT_ATOL * math.sqrt(C) * m
            assert np.mean(ev**2) == pytest.approx(C, rel=FLOAT_RTOL)

    def test_m2_evaluator_cannot_be_admissible(self):
        # for m = 2 every admissible vector is +-sqrt(C): no zero error is possible
        assert np.allclose(np.abs(_project([0.3, -7.0], 4.0)), 2.0)
        assert not double_zero_error_example(4.0, 2).evaluator_admissible

    def test_lower_bound_is_zero_and_json(self):
        assert double_lower_bound(1.0, 3) == 0.0
        assert double_lower_bound([1.0, 2.0], 3).shape == (2,)
        with pytest.raises(ValueError, match="`m`"):
            double_lower_bound(1.0, 1)
        d = double_zero_error_example(1.0, 4).to_dict()
        assert d["double_error"] == 0.0 and len(d["selector_errors"]) == 4


# ----------------------------------------------------------------------------- uniform errors
class TestUniform:
    @given(m=st.integers(1, 200), eps=st.floats(1e-3, 1e3), gamma=st.floats(0.0, 1.0))
    def test_against_quadrature(self, m, eps, gamma):
        # E[max] = eps - int_{-eps}^{eps} ((x + eps)/(2 eps))^m dx
        integral = quad(lambda x: ((x + eps) / (2 * eps)) ** m, -eps, eps, epsabs=1e-14)[0]
        assert expected_max_uniform(m, eps) == pytest.approx(eps - integral, rel=UNIFORM_QUAD_RTOL,
                                                             abs=FLOAT_ATOL * eps)
        assert thrun_schwartz_bound(m, eps, gamma) == pytest.approx(
            gamma * (eps - integral), rel=UNIFORM_QUAD_RTOL, abs=FLOAT_ATOL * eps)

    @pytest.mark.statistical
    def test_monte_carlo(self):
        # γ max of m U(-ε, ε): (max + ε)/(2ε) ~ Beta(m, 1), variance m/((m+1)²(m+2)) exactly, and
        # |X - E X| <= 2γε: Bernstein with the exact variance, false-alarm FALSE_ALARM each.
        rng = np.random.default_rng(7)
        n, eps, gamma = 200_000, 2.0, 0.95
        for m in (2, 10):
            over = gamma * rng.uniform(-eps, eps, size=(n, m)).max(axis=1)
            var = (2 * gamma * eps) ** 2 * m / ((m + 1) ** 2 * (m + 2))
            assert_mean_bernstein(over.mean(), thrun_schwartz_bound(m, eps, gamma), n, var, 2 * gamma * eps)
            with pytest.raises(AssertionError):  # negative control: the bound at γ = 0.98 (10 SDs at m = 2)
                assert_mean_bernstein(over.mean(), thrun_schwartz_bound(m, eps, 0.98), n, var, 2 * gamma * eps)

    def test_broadcast_and_bad_input(self):
        np.testing.assert_allclose(expected_max_uniform([1, 3], [[1.0], [2.0]]),
                                   [[0.0, 0.5], [0.0, 1.0]], rtol=FLOAT_RTOL)
        with pytest.raises(ValueError, match="`gamma`"):
            thrun_schwartz_bound(3, 1.0, 1.5)
        with pytest.raises(ValueError, match="`eps`"):
            expected_max_uniform(3, 0.0)
        with pytest.raises(ValueError, match="`m`"):
            thrun_schwartz_bound(0, 1.0, 0.5)


def test_gaussian_estimators_stay_importable_from_here():
    # split into theory.max_estimators; the old import path keeps working with the same objects
    from theory import max_estimators, overestimation

    for name in max_estimators.__all__:
        assert name in overestimation.__all__
        assert getattr(overestimation, name) is getattr(max_estimators, name)
