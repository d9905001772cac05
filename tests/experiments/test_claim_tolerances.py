"""The derived error bounds of experiments/claims/tolerances.py against functions whose errors
are known exactly: polynomials whose Taylor remainders are the bound itself (sharpness), smooth
functions with known derivatives (validity), a bounded 1-D minimization by scipy, and a quadratic
with a known minimizer.  Negative controls: half the bound is beaten where the bound is sharp."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar

from experiments.claims.tolerances import (
    UNIT_ROUNDOFF,
    central_difference_atol,
    gradient_root_atol,
    rounding_error,
    second_difference_atol,
    value_minimizer_atol,
)


def test_central_difference_truncation_is_sharp_for_a_cubic():
    # ((x + h)^3 - (x - h)^3) / (2h) = 3x^2 + h^2 exactly: truncation h^2 = h^2/6 * f''' (f''' = 6).
    # Exact rationals (Python fractions via integers) so rounding plays no part.
    from fractions import Fraction
    x, h = Fraction(3, 7), Fraction(1, 1000)
    fd = ((x + h) ** 3 - (x - h) ** 3) / (2 * h)
    error = float(fd - 3 * x**2)
    bound = central_difference_atol(float(h), value_scale=0.0, third_derivative=6.0)
    assert error == pytest.approx(bound, rel=1e-12)
    assert error > bound / 2                       # negative control: a halved bound fails


def test_second_difference_truncation_is_sharp_for_a_quartic():
    # Pure second difference with step 2h of x^4: (f(x+2h) - 2 f(x) + f(x-2h)) / (4h^2)
    # = 12 x^2 + 8 h^2 exactly: the h^2/3 * f'''' (f'''' = 24) of the bound.
    from fractions import Fraction
    x, h = Fraction(-2, 5), Fraction(1, 100)
    fd = ((x + 2 * h) ** 4 - 2 * x**4 + (x - 2 * h) ** 4) / (4 * h * h)
    error = float(fd - 12 * x**2)
    bound = second_difference_atol(float(h), value_scale=0.0, fourth_derivative=24.0)
    assert error == pytest.approx(bound, rel=1e-12)
    assert error > bound / 2


@settings(max_examples=60, deadline=None)
@given(x=st.floats(-3.0, 3.0), a=st.floats(0.1, 10.0), log_h=st.floats(-7.0, -2.0))
def test_central_difference_bound_holds_in_float64(x, a, log_h):
    # f(t) = a sin(t): |f| <= a, |f'''| <= a; np.sin is accurate to < 1 ulp, so 4 roundings per value.
    h = 10.0**log_h
    fd = (a * np.sin(x + h) - a * np.sin(x - h)) / (2 * h)
    # x +- h is itself rounded: |f'| u |x +- h| / h more, a (u (|x| + h) / h) here
    step_rounding = a * UNIT_ROUNDOFF * (abs(x) + h) / h
    bound = central_difference_atol(h, value_scale=a, third_derivative=a, ulps=4) + step_rounding
    assert abs(fd - a * np.cos(x)) <= bound


@settings(max_examples=40, deadline=None)
@given(x=st.floats(-2.0, 2.0), y=st.floats(-2.0, 2.0), log_h=st.floats(-4.0, -1.5))
def test_mixed_second_difference_bound_holds_in_float64(x, y, log_h):
    # f(s, t) = exp(s/2) cos(t): f_st = -exp(s/2) sin(t) / 2; fourth derivatives along unit
    # directions <= (|1/2| + 1)^4 max exp(s/2) <= 5.1 e on |s| <= 2.01; |f| <= e^1.01.
    h = 10.0**log_h

    def f(s, t):
        return math.exp(s / 2) * math.cos(t)

    fd = (f(x + h, y + h) - f(x + h, y - h) - f(x - h, y + h) + f(x - h, y - h)) / (4 * h * h)
    scale = math.exp(1.01)
    step_rounding = 4 * 1.5 * scale * UNIT_ROUNDOFF * (2.0 + h) / (4 * h * h)
    bound = second_difference_atol(h, value_scale=scale, fourth_derivative=1.5**4 * scale, ulps=8)
    assert abs(fd - (-math.exp(x / 2) * math.sin(y) / 2)) <= bound + step_rounding


@pytest.mark.parametrize("curvature, offset", [(0.05, 1.0), (2.0, 30.0), (1e-3, 0.3)])
def test_value_minimizer_bound_covers_bounded_brent(curvature, offset):
    # f(x) = offset + curvature/2 (x - x0)^2 minimized from values only, Brent at xatol 1e-14.
    x0 = 0.1234567
    res = minimize_scalar(lambda x: offset + curvature / 2 * (x - x0) ** 2, bounds=(x0 - 1, x0 + 2),
                          method="bounded", options={"xatol": 1e-14})
    bound = value_minimizer_atol(value_scale=offset + curvature, curvature=curvature, ulps=8)
    assert abs(res.x - x0) <= bound


def test_gradient_root_bound_is_attained_along_the_flattest_direction():
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.normal(size=(4, 4)))
    eig = np.array([1e-3, 0.1, 1.0, 5.0])
    A = (q * eig) @ q.T                                   # Hessian of f(x) = (x - x*)^T A (x - x*) / 2
    r = 1e-10
    x_minus_star = np.linalg.solve(A, r * q[:, 0])          # gradient r * (unit vector) at x
    assert np.linalg.norm(x_minus_star) == pytest.approx(gradient_root_atol(r, eig.min()), rel=1e-9)
    for _ in range(20):                                   # any other direction: inside the bound
        g = rng.normal(size=4)
        g *= r / np.linalg.norm(g)
        assert np.linalg.norm(np.linalg.solve(A, g)) <= gradient_root_atol(r, eig.min()) * (1 + 1e-9)


def test_rounding_error_counts_unit_roundoffs():
    assert rounding_error(3.0, ulps=1) == 3.0 * 2.0**-53
    assert rounding_error(0.0) == 0.0


@pytest.mark.parametrize("call, match", [
    (lambda: central_difference_atol(0.0, value_scale=1.0, third_derivative=1.0), "`h`"),
    (lambda: central_difference_atol(1e-3, value_scale=-1.0, third_derivative=1.0), "`value_scale`"),
    (lambda: second_difference_atol(1e-3, value_scale=1.0, fourth_derivative=-2.0), "`fourth_derivative`"),
    (lambda: value_minimizer_atol(value_scale=1.0, curvature=0.0), "`curvature`"),
    (lambda: gradient_root_atol(-1.0, 1.0), "`gradient_residual`"),
    (lambda: rounding_error(1.0, ulps=float("nan")), "`ulps`"),
])
def test_bad_input_names_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_non_number_is_a_type_error():
    with pytest.raises(TypeError, match="`h`"):
        central_difference_atol("1e-3", value_scale=1.0, third_derivative=1.0)
