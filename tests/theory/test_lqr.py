"""Tests for theory.lqr against independently obtained values.

References: truncated power series of the discounted sums (Σ_t γᵗ c^{2t} (q + r k²) for p_k,
Σ_t γᵗ E x_t² by the second-moment recursion), Gauss-Hermite quadrature of r + γ E V(x') for Q,
the Riccati equation's residual, central finite differences of J(k), a grid search over gains,
and hand-computed values.
"""

import warnings

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from theory.lqr import (
    lqr_discounted_state_moment,
    lqr_dpg_gradient,
    lqr_optimal,
    lqr_policy_value,
    lqr_q_value,
    lqr_return,
    lqr_riccati,
)

#: Closed form vs closed form or a converged series in float64: a few hundred ulps relative.
FLOAT_RTOL = 1e-10
#: Power series truncated after 4,000 terms with γ c² <= 0.95: the tail is 0.95^4000 < 1e-88,
#: so the difference is rounding of the sum (~4,000 eps relative).
SERIES_RTOL = 1e-10
#: 60-node Gauss-Hermite quadrature integrates the quadratic V(x') exactly: rounding only.
QUADRATURE_RTOL = 1e-10
#: Central differences with h = 1e-6 of J on gains with γ c² <= 0.8 and |J| <= 1e3: rounding
#: eps |J| / h ~ 1e-7 plus truncation h² |J'''| / 6 ~ 1e-8, relative to max(1, |∇J|).
FD_RTOL = 1e-5
#: Absolute floor for quantities that are 0 in exact arithmetic (q = 0, σ = 0, x = 0 cases),
#: where a relative tolerance alone would demand bit equality: float rounding of O(1) terms.
ZERO_ATOL = 1e-12
#: Q against reward + quadrature of the next value, |Q| up to ~1e3: absolute rounding floor.
QUADRATURE_ATOL = 1e-10
#: The DPG at k* (r k* − γ P b c*, a cancelling difference of O(P) products, times M₂ ≤ ~1e3)
#: against 0, and J on the gain grid against J*: rounding relative to max(1, |J*|).
STATIONARY_RTOL = 1e-9
GRID_RTOL = 1e-12

problems = st.fixed_dictionaries({
    "a": st.floats(-1.5, 1.5),
    "b": st.floats(0.1, 2.0) | st.floats(-2.0, -0.1),
    "q": st.floats(0.0, 3.0),
    "r": st.floats(0.1, 3.0),
    "gamma": st.floats(0.0, 0.95),
})
noise = st.fixed_dictionaries({"sigma": st.floats(0.0, 1.0), "x0_var": st.floats(0.0, 2.0)})


def _args(pr):
    return pr["a"], pr["b"], pr["q"], pr["r"], pr["gamma"]


def _stable_gain(pr, frac):
    """A gain with γ c² = 0.8 · frac² (strictly inside the stable set)."""
    gamma = max(pr["gamma"], 1e-3)
    return (pr["a"] - frac * np.sqrt(0.8 / gamma)) / pr["b"]


# --------------------------------------------------------------------------- hand values


def test_hand_computed_optimum():
    # a = b = q = r = 1, γ = 1/2: P = √2, k* = √2 − 1 (module docstring examples).
    opt = lqr_optimal(1, 1, 1, 1, 0.5, sigma=1.0, x0_var=2.0)
    assert opt.P == pytest.approx(np.sqrt(2), rel=FLOAT_RTOL)
    assert opt.k == pytest.approx(np.sqrt(2) - 1, rel=FLOAT_RTOL)
    assert opt.closed_loop == pytest.approx(2 - np.sqrt(2), rel=FLOAT_RTOL)
    assert opt.const == pytest.approx(0.5 * np.sqrt(2) / 0.5, rel=FLOAT_RTOL)
    assert opt.J == pytest.approx(-np.sqrt(2) * (2.0 + 1.0), rel=FLOAT_RTOL)


def test_zero_discount_is_myopic():
    # γ = 0: the best action minimizes r u² alone, u = 0, and V(x) = −q x².
    opt = lqr_optimal(0.9, 1.3, 2.0, 0.7, 0.0)
    assert opt.k == 0.0 and opt.P == 2.0
    assert lqr_q_value(1.5, 0.4, 0.3, 0.9, 1.3, 2.0, 0.7, 0.0) == pytest.approx(-(2.0 * 2.25 + 0.7 * 0.16),
                                                                             rel=FLOAT_RTOL)


def test_no_state_cost_means_no_control():
    opt = lqr_optimal(1.2, 1.0, 0.0, 1.0, 0.9, sigma=0.5)
    assert opt.P == 0.0 and opt.k == 0.0 and opt.J == 0.0


def test_uncontrolled_stable_system():
    # b = 0: V = −q x² / (1 − γ a²), whatever the gain.
    assert lqr_riccati(0.5, 0.0, 1.0, 1.0, 0.9) == pytest.approx(1.0 / (1 - 0.9 * 0.25), rel=FLOAT_RTOL)
    assert lqr_optimal(0.5, 0.0, 1.0, 1.0, 0.9).k == 0.0


def test_uncontrolled_unstable_system_is_refused():
    with pytest.raises(ValueError, match="`b`"):
        lqr_riccati(1.5, 0.0, 1.0, 1.0, 0.9)


# --------------------------------------------------------------------------- properties


@given(problems)
def test_riccati_residual_and_optimal_value(pr):
    P = lqr_riccati(*_args(pr))
    a, b, q, r, gamma = _args(pr)
    rhs = q + gamma * a * a * P - gamma**2 * a * a * b * b * P * P / (r + gamma * b * b * P)
    assert P >= 0
    assert P == pytest.approx(rhs, rel=FLOAT_RTOL, abs=ZERO_ATOL)
    opt = lqr_optimal(*_args(pr))
    if q > 0 or gamma * a * a < 1:
        # the optimal closed loop is discounted-stable (with q = 0 the optimum k* = 0 costs
        # nothing even when it leaves an unstable state alone)
        assert gamma * opt.closed_loop**2 < 1
    assert lqr_policy_value(opt.k, *_args(pr)).p == pytest.approx(P, rel=FLOAT_RTOL, abs=ZERO_ATOL)


def _discounted_moment_series(c2, gamma, sigma, x0_var, n_terms=4000):
    """Σ_t γᵗ E x_t² by the recursion E x_{t+1}² = c² E x_t² + σ², carried as e_t = γᵗ E x_t²
    (which stays bounded when γ c² < 1 even if c² > 1)."""
    e, g_t, total = x0_var, 1.0, 0.0
    for _ in range(n_terms):
        total += e
        e = gamma * (c2 * e + g_t * sigma * sigma)
        g_t *= gamma
    return total


@given(problems, noise, st.floats(-1.0, 1.0))
def test_value_matches_power_series(pr, nz, frac):
    k = _stable_gain(pr, frac)
    a, b, q, r, gamma = _args(pr)
    c2 = (a - b * k) ** 2
    p_series = (q + r * k * k) * np.sum((gamma * c2) ** np.arange(4000))
    # J = Σ_t γᵗ E r_t = −(q + r k²) Σ_t γᵗ E x_t², and C = J(x0_var = 0)
    const_series = (q + r * k * k) * _discounted_moment_series(c2, gamma, nz["sigma"], 0.0)
    v = lqr_policy_value(k, *_args(pr), sigma=nz["sigma"])
    assert float(v.p) == pytest.approx(p_series, rel=SERIES_RTOL, abs=ZERO_ATOL)
    assert float(v.const) == pytest.approx(const_series, rel=SERIES_RTOL, abs=ZERO_ATOL)
    J = lqr_return(k, *_args(pr), **nz)
    reference = -(q + r * k * k) * _discounted_moment_series(c2, gamma, nz["sigma"], nz["x0_var"])
    assert float(J) == pytest.approx(reference, rel=SERIES_RTOL, abs=ZERO_ATOL)


@given(problems, noise, st.floats(-1.0, 1.0))
def test_state_moment_matches_recursion(pr, nz, frac):
    k = _stable_gain(pr, frac)
    a, b, _, _, gamma = _args(pr)
    total = _discounted_moment_series((a - b * k) ** 2, gamma, nz["sigma"], nz["x0_var"])
    assert float(lqr_discounted_state_moment(k, a, b, gamma, **nz)) == pytest.approx(total, rel=SERIES_RTOL,
                                                                                     abs=ZERO_ATOL)


@given(problems, noise, st.floats(-1.0, 1.0), st.floats(-3.0, 3.0), st.floats(-3.0, 3.0))
def test_q_value_is_reward_plus_expected_next_value(pr, nz, frac, x, u):
    k = _stable_gain(pr, frac)
    a, b, q, r, gamma = _args(pr)
    v = lqr_policy_value(k, *_args(pr), sigma=nz["sigma"])
    z, w = np.polynomial.hermite_e.hermegauss(60)
    expected_next = np.sum(w * v.value(a * x + b * u + nz["sigma"] * z)) / np.sum(w)
    reference = -(q * x * x + r * u * u) + gamma * expected_next
    assert float(lqr_q_value(x, u, k, *_args(pr), sigma=nz["sigma"])) == pytest.approx(
        reference, rel=QUADRATURE_RTOL, abs=QUADRATURE_ATOL)
    # on-policy action: Q(x, μ(x)) = V(x)
    assert float(lqr_q_value(x, -k * x, k, *_args(pr), sigma=nz["sigma"])) == pytest.approx(
        float(v.value(x)), rel=FLOAT_RTOL, abs=QUADRATURE_ATOL)


@given(problems, noise, st.floats(-1.0, 1.0))
def test_dpg_gradient_matches_finite_differences(pr, nz, frac):
    assume(nz["x0_var"] + nz["sigma"] > 0)
    k = _stable_gain(pr, frac)
    h = 1e-6
    fd = (lqr_return(k + h, *_args(pr), **nz) - lqr_return(k - h, *_args(pr), **nz)) / (2 * h)
    g = lqr_dpg_gradient(k, *_args(pr), **nz)
    assert float(g) == pytest.approx(float(fd), rel=FD_RTOL, abs=FD_RTOL * max(1.0, abs(float(fd))))


@given(problems, noise)
def test_riccati_gain_maximizes_the_return(pr, nz):
    opt = lqr_optimal(*_args(pr), **nz)
    a, b, _, _, gamma = _args(pr)
    ks = _stable_gain(pr, np.linspace(-1, 1, 41))
    J = lqr_return(ks, *_args(pr), **nz)
    assert np.all(J <= opt.J + GRID_RTOL * max(1.0, abs(opt.J)))
    if pr["q"] == 0 and gamma * a * a >= 1:
        # q = 0: k* = 0 (no cost at all), but with γ a² >= 1 every gain near 0 makes the
        # closed loop blow up, so J is -inf on both sides and has no gradient at k*.
        assert opt.k == 0.0 and opt.J == 0.0
        return
    assert abs(float(lqr_dpg_gradient(opt.k, *_args(pr), **nz))) <= STATIONARY_RTOL * max(1.0, abs(opt.J))


# --------------------------------------------------------------------------- edge cases and errors


def test_unstable_gains_give_infinite_values_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ks = np.array([-3.0, 0.5, 3.0])  # a = 1, γ = 0.9: γ (1 − k)² ≥ 1 for k = −3 and 3
        v = lqr_policy_value(ks, 1.0, 1.0, 1.0, 1.0, 0.9, sigma=0.5)
        assert np.isinf(v.p[[0, 2]]).all() and np.isfinite(v.p[1])
        assert list(v.stable) == [False, True, False]
        J = lqr_return(ks, 1.0, 1.0, 1.0, 1.0, 0.9, sigma=0.5)
        assert J[0] == -np.inf and J[2] == -np.inf and np.isfinite(J[1])
        assert lqr_discounted_state_moment(3.0, 1.0, 1.0, 0.9)[()] == np.inf
        # the state is surely 0: every gain is worth 0
        assert lqr_return(3.0, 1.0, 1.0, 1.0, 1.0, 0.9, sigma=0.0, x0_var=0.0)[()] == 0.0
        assert lqr_dpg_gradient(3.0, 1.0, 1.0, 1.0, 1.0, 0.9, sigma=0.0, x0_var=0.0)[()] == 0.0
        # Q at an unstable gain: −inf unless the next state is surely 0
        assert lqr_q_value(1.0, -1.0, 3.0, 1.0, 1.0, 1.0, 1.0, 0.9)[()] == pytest.approx(-2.0, rel=FLOAT_RTOL)
        assert lqr_q_value(1.0, 0.0, 3.0, 1.0, 1.0, 1.0, 1.0, 0.9)[()] == -np.inf


def test_gradient_refused_where_the_return_is_infinite():
    with pytest.raises(ValueError, match="`k`"):
        lqr_dpg_gradient([0.5, 3.0], 1.0, 1.0, 1.0, 1.0, 0.9)


def test_broadcasting():
    ks = np.linspace(0.0, 1.0, 6).reshape(2, 3)
    assert lqr_return(ks, 1, 1, 1, 1, 0.5).shape == (2, 3)
    assert lqr_q_value(np.zeros((4, 1)), np.zeros((1, 3)), 0.2, 1, 1, 1, 1, 0.5).shape == (4, 3)
    with pytest.raises(ValueError, match="broadcast"):
        lqr_q_value(np.zeros(4), np.zeros(3), 0.2, 1, 1, 1, 1, 0.5)


@pytest.mark.parametrize("kwargs, name", [
    (dict(r=0.0), "r"), (dict(r=-1.0), "r"), (dict(q=-0.1), "q"), (dict(gamma=1.0), "gamma"),
    (dict(gamma=-0.1), "gamma"), (dict(a=np.nan), "a"), (dict(b=[1.0, 2.0]), "b"),
])
def test_bad_problem_parameters(kwargs, name):
    args = dict(a=1.0, b=1.0, q=1.0, r=1.0, gamma=0.5)
    args.update(kwargs)
    with pytest.raises(ValueError, match=f"`{name}`"):
        lqr_optimal(**args)


def test_bad_types_and_noise():
    with pytest.raises(TypeError, match="`a`"):
        lqr_riccati("1", 1, 1, 1, 0.5)
    with pytest.raises(TypeError, match="`r`"):
        lqr_riccati(1, 1, 1, True, 0.5)
    with pytest.raises(ValueError, match="`sigma`"):
        lqr_return(0.1, 1, 1, 1, 1, 0.5, sigma=-1.0)
    with pytest.raises(ValueError, match="`x0_var`"):
        lqr_return(0.1, 1, 1, 1, 1, 0.5, x0_var=-1.0)
    with pytest.raises(ValueError, match="`k`"):
        lqr_return([0.1, np.inf], 1, 1, 1, 1, 0.5)
    with pytest.raises(ValueError, match="`x`"):
        lqr_q_value(np.nan, 0.0, 0.1, 1, 1, 1, 1, 0.5)
