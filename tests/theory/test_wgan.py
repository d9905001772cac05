"""Tests for theory.wgan against independent values.

References, none of them the module's own code path: scipy's ``wasserstein_distance`` and
``linear_sum_assignment`` (W1); enumeration of the vertices of the clipping box (the supremum
of a linear function over a box); closed forms for two point masses; a direct numerical
maximization of the WGAN-GP objective (``reference_gp_maximum``: scipy L-BFGS-B over the
slopes, one concave problem per sign orthant, with the objective assembled from the geometry
of the segments, not from Δ and ρ); 30-digit mpmath quadrature of the penalty over ε, pair by
pair.
"""

import itertools
import json

import mpmath
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.optimize import linear_sum_assignment, minimize
from scipy.spatial.distance import cdist
from scipy.stats import wasserstein_distance

from solvers.problems.strategies import full_support_vectors, probability_vectors
from theory.divergences import wasserstein_1d, wasserstein_discrete
from theory.wgan import (
    clipped_linear_critic_distance,
    kantorovich_rubinstein_critic,
    weight_clipping_counterexample,
    wgan_gp_optimal_critic_1d,
    wgan_gp_penalized_value_1d,
)

# ----------------------------------------------------------------------------- tolerances
#: Exact LP (HiGHS, feasibility tolerances 1e-10 on rescaled data) vs an independent exact
#: W1 (sorting or assignment) on <= 8 points of size <= 5.
LP_ATOL = 1e-8
#: Closed form vs closed form in float64: sums of <= ~100 terms of size <= ~100.
FLOAT_RTOL = 1e-12
FLOAT_ATOL = 1e-12
#: L-BFGS-B on a concave quadratic of <= 4 variables with an exact gradient, stopped at
#: gtol 1e-12 and ftol 1e-15: the objective is within ~1e-10 of its maximum (relative to a
#: value of size ~1..100); 1e-8 relative leaves room for the conditioning of the problem.
OPT_RTOL = 1e-8
#: 30-digit quadrature of a piecewise-constant integrand vs float64 sums of <= 50 terms.
QUAD_RTOL = 1e-12


# ----------------------------------------------------------------------------- strategies
@st.composite
def line_pairs(draw, max_atoms=4, min_prob=0.0):
    """Two discrete distributions on the line: (a, p, b, q), atoms on a 1/8 grid in [-3, 3]."""
    grid = st.integers(-24, 24).map(lambda k: k / 8.0)
    n = draw(st.integers(1, max_atoms))
    m = draw(st.integers(1, max_atoms))
    a = np.array(draw(st.lists(grid, min_size=n, max_size=n)))
    b = np.array(draw(st.lists(grid, min_size=m, max_size=m)))
    if min_prob > 0:
        p = draw(full_support_vectors(n, min_size=1, min_prob=min_prob)) if n > 1 else np.ones(1)
        q = draw(full_support_vectors(m, min_size=1, min_prob=min_prob)) if m > 1 else np.ones(1)
    else:
        p = draw(probability_vectors(n, min_size=1)) if n > 1 else np.ones(1)
        q = draw(probability_vectors(m, min_size=1)) if m > 1 else np.ones(1)
        # Weights below 1e-150 are set to 0: products p_i q_j of such weights are subnormal
        # and carry only a few significant bits, so ρ and the slopes on cells that only
        # they cover are not accurate to the tolerances below (documented in wgan_gp_optimal_
        # critic_1d's Notes); zero atoms stay in the domain.
        p, q = (np.where(v < 1e-150, 0.0, v) for v in (p, q))
        p, q = p / p.sum(), q / q.sum()
    return a, p, b, q


penalties = st.floats(0.5, 20.0)


# =============================================================== Kantorovich-Rubinstein critic
class TestKantorovichRubinsteinCritic:
    @settings(max_examples=30)  # one exact LP per example
    @given(probability_vectors(min_size=2, max_size=8), st.data())
    def test_1d_value_is_w1(self, p, data):
        n = p.shape[0]
        q = data.draw(probability_vectors(n))
        x = np.array(data.draw(st.lists(st.integers(-40, 40), min_size=n, max_size=n,
                                        unique=True))) / 8.0
        c = kantorovich_rubinstein_critic(p, q, x)
        ref = wasserstein_distance(x, x, p, q)
        assert c.critic_value == pytest.approx(ref, abs=LP_ATOL)
        assert c.w1 == pytest.approx(ref, abs=LP_ATOL)
        assert c.lipschitz <= 1.0 + 1e-9  # LP rounding of potentials of size <= 5

    @settings(max_examples=30)
    @given(st.integers(0, 2**32 - 1), st.integers(1, 5))
    def test_2d_uniform_value_is_assignment(self, seed, k):
        # p uniform on k points, q uniform on k others: W1 = (min-cost assignment)/k (Birkhoff).
        rng = np.random.default_rng(seed)
        pts = rng.normal(size=(2 * k, 2))
        p = np.r_[np.full(k, 1.0 / k), np.zeros(k)]
        q = np.r_[np.zeros(k), np.full(k, 1.0 / k)]
        cost = cdist(pts[:k], pts[k:])
        r, c_ = linear_sum_assignment(cost)
        ref = cost[r, c_].sum() / k
        crit = kantorovich_rubinstein_critic(p, q, pts)
        assert crit.critic_value == pytest.approx(ref, abs=LP_ATOL)
        f = crit.f
        d = cdist(pts, pts)
        assert np.all(np.abs(f[:, None] - f[None, :]) <= d + 1e-9)

    def test_to_dict_is_json(self):
        c = kantorovich_rubinstein_critic([0.5, 0.5], [0.0, 1.0], [[0.0, 0.0], [3.0, 4.0]])
        assert c.w1 == pytest.approx(2.5, abs=LP_ATOL)
        json.dumps(c.to_dict())

    def test_errors(self):
        with pytest.raises(ValueError, match="`p` and `q`"):
            kantorovich_rubinstein_critic([1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0])
        with pytest.raises(ValueError, match="`points`"):
            kantorovich_rubinstein_critic([1.0, 0.0], [0.0, 1.0], [0.0, 1.0, 2.0])
        with pytest.raises(ValueError, match="`points`"):
            kantorovich_rubinstein_critic([1.0, 0.0], [0.0, 1.0], np.zeros((2, 1, 1)))
        with pytest.raises(ValueError, match="`q`"):
            kantorovich_rubinstein_critic([1.0, 0.0], [0.5, 0.6], [0.0, 1.0])


# =============================================================== weight clipping
def reference_box_sup(p, q, x, c):
    """max over the 2^d vertices w of [-c, c]^d of w·(E_p x - E_q x)."""
    dm = (p - q) @ x
    return max(float(np.dot(s, dm)) for s in itertools.product((-c, c), repeat=x.shape[1]))


class TestClippedLinearCritic:
    @given(probability_vectors(min_size=2, max_size=6), st.data(), st.integers(1, 3),
           st.floats(1e-3, 10.0))
    def test_equals_the_sup_over_box_vertices(self, p, data, d, c):
        n = p.shape[0]
        q = data.draw(probability_vectors(n))
        x = data.draw(hnp.arrays(np.float64, (n, d), elements=st.floats(-5, 5)))
        got = clipped_linear_critic_distance(p, q, x, clip=c)
        assert got == pytest.approx(reference_box_sup(p, q, x, c), rel=FLOAT_RTOL, abs=FLOAT_ATOL)

    @settings(max_examples=40)
    @given(probability_vectors(min_size=2, max_size=6), st.data(), st.floats(1e-3, 10.0))
    def test_at_most_c_w1_on_the_line(self, p, data, c):
        # |w| <= c makes f_w c-Lipschitz on the line, so the value is <= c W1.
        n = p.shape[0]
        q = data.draw(probability_vectors(n))
        x = np.arange(n, dtype=float)
        got = clipped_linear_critic_distance(p, q, x, clip=c)
        assert got <= c * wasserstein_distance(x, x, p, q) + 1e-12

    def test_batched_equals_rowwise(self):
        p = np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]])
        q = np.array([0.5, 0.5, 0.0])
        x = np.array([[0.0, 1.0], [2.0, -1.0], [0.5, 0.5]])
        got = clipped_linear_critic_distance(p, q, x, clip=0.1)
        assert got.shape == (2,)
        for i in range(2):
            assert got[i] == pytest.approx(reference_box_sup(p[i], q, x, 0.1), rel=FLOAT_RTOL)

    def test_counterexample_is_not_proportional_to_w1(self):
        ce = weight_clipping_counterexample(clip=0.01)
        # W1 from an independent route (scipy) and the exact KR critic
        for i in range(2):
            ref = wasserstein_distance(ce.points, ce.points, ce.p[i], ce.q[i])
            assert ce.w1[i] == pytest.approx(ref, abs=FLOAT_ATOL) == 1.0
            kr = kantorovich_rubinstein_critic(ce.p[i], ce.q[i], ce.points)
            assert kr.critic_value == pytest.approx(1.0, abs=LP_ATOL)
        assert ce.clipped[0] == 0.0 and ce.clipped[1] == pytest.approx(0.01, rel=FLOAT_RTOL)
        # same W1, different clipped values: no K with clipped = K W1 for both pairs
        ratios = ce.clipped / ce.w1
        assert abs(ratios[0] - ratios[1]) == pytest.approx(0.01)
        json.dumps(ce.to_dict())

    def test_negative_control_a_distance_that_is_proportional(self):
        # The same check on c·W1 itself (a proportional distance) finds equal ratios: the
        # counterexample's test above really distinguishes the two.
        ce = weight_clipping_counterexample(clip=0.5)
        prop = 0.5 * ce.w1
        assert (prop / ce.w1)[0] == pytest.approx((prop / ce.w1)[1])

    def test_errors(self):
        with pytest.raises(ValueError, match="`clip`"):
            clipped_linear_critic_distance([1.0, 0.0], [0.0, 1.0], [0.0, 1.0], clip=0.0)
        with pytest.raises(TypeError, match="`clip`"):
            clipped_linear_critic_distance([1.0, 0.0], [0.0, 1.0], [0.0, 1.0], clip="a")
        with pytest.raises(ValueError, match="`points`"):
            clipped_linear_critic_distance([1.0, 0.0], [0.0, 1.0], [0.0, 1.0, 2.0], clip=1.0)
        with pytest.raises(ValueError, match="`clip`"):
            weight_clipping_counterexample(clip=-1.0)


# =============================================================== WGAN-GP on the line
def _segment_fractions(z, a, b):
    """frac[i, j, k] = fraction of the segment between a_i and b_j inside cell (z_k, z_k+1)."""
    lo = np.minimum.outer(a, b)[..., None]
    hi = np.maximum.outer(a, b)[..., None]
    inside = np.clip(np.minimum(z[1:], hi) - np.maximum(z[:-1], lo), 0.0, None)
    length = hi - lo
    return np.divide(inside, length, out=np.zeros_like(inside), where=length > 0)


def reference_gp_objective_terms(z, a, p, b, q, pairs):
    """(c, M): the objective is c·g - λ Σ_k M_k (|g_k| - 1)² for slopes g on the cells.

    c_k = ∂(E_p f - E_q f)/∂g_k with f(x) = ∫_{z_0}^x g: the cell counts for every atom to its
    right; M_k = Σ_ij π_ij (fraction of segment ij in cell k): the chance that x̂ lands there.
    """
    width = np.diff(z)
    right_a = (a[:, None] >= z[None, 1:]).astype(float)  # f(a_i) = Σ_k g_k width_k [z_k+1 <= a_i]
    right_b = (b[:, None] >= z[None, 1:]).astype(float)
    c = width * (p @ right_a - q @ right_b)
    M = np.einsum("ij,ijk->k", pairs, _segment_fractions(z, a, b))
    return c, M


def reference_gp_maximum(a, p, b, q, lam, pairs=None):
    """max over slopes g of the objective, by L-BFGS-B in each sign orthant (concave there)."""
    z = np.unique(np.r_[a, b])
    pairs = np.outer(p, q) if pairs is None else pairs
    c, M = reference_gp_objective_terms(z, a, p, b, q, pairs)
    K = c.shape[0]
    if K == 0:
        return 0.0

    def neg(g):
        val = c @ g - lam * np.sum(M * (np.abs(g) - 1.0) ** 2)
        grad = c - 2.0 * lam * M * (np.abs(g) - 1.0) * np.sign(g)
        return -val, -grad

    best = -np.inf
    big = 1e4
    for signs in itertools.product((-1.0, 1.0), repeat=K):
        s = np.array(signs)
        bounds = [(0.0, big) if si > 0 else (-big, 0.0) for si in s]
        res = minimize(neg, 1.5 * s, jac=True, method="L-BFGS-B", bounds=bounds,
                       options=dict(gtol=1e-12, ftol=1e-15, maxiter=10_000))
        best = max(best, -res.fun)
    return best


def reference_penalty_mpmath(crit, a, p, b, q, lam, pairs=None):
    """λ E_x̂[(|g(x̂)| - 1)²] by 30-digit quadrature over ε, pair by pair, with break points."""
    z = crit.breakpoints
    pairs = np.outer(p, q) if pairs is None else pairs
    with mpmath.workdps(30):
        total = mpmath.mpf(0)
        for i, j in itertools.product(range(a.shape[0]), range(b.shape[0])):
            if pairs[i, j] == 0 or a[i] == b[j]:
                continue
            ai, bj = mpmath.mpf(a[i]), mpmath.mpf(b[j])

            def integrand(eps, ai=ai, bj=bj):
                x = eps * ai + (1 - eps) * bj
                k = int(np.clip(np.searchsorted(z, float(x), side="right") - 1, 0, len(z) - 2))
                return (abs(mpmath.mpf(crit.slope[k])) - 1) ** 2
            cuts = [(zk - b[j]) / (a[i] - b[j]) for zk in z]
            brk = sorted({0.0, 1.0, *[float(t) for t in cuts if 0 < t < 1]})
            total += mpmath.mpf(pairs[i, j]) * mpmath.quad(integrand, brk)
        return float(lam * total)


class TestWganGpOnTheLine:
    @given(st.floats(-5, 5), st.floats(-5, 5), penalties)
    @example(0.0, 2.0, 10.0)
    def test_two_point_masses(self, x, y, lam):
        d = abs(x - y)
        c = wgan_gp_optimal_critic_1d([x], [y], penalty_weight=lam)
        assert c.w1 == pytest.approx(d, rel=FLOAT_RTOL, abs=FLOAT_ATOL)
        assert c.value == pytest.approx(d + d * d / (4 * lam), rel=FLOAT_RTOL, abs=FLOAT_ATOL)
        if d > 0:
            # the critic rises from the model to the data with slope 1 + d/(2λ) > 1
            assert abs(c.slope[0]) == pytest.approx(1 + d / (2 * lam), rel=FLOAT_RTOL)
            assert np.sign(c.slope[0]) == np.sign(x - y)

    @settings(max_examples=25)
    @given(line_pairs(max_atoms=3, min_prob=0.05), penalties)
    @example((np.array([0.0, 2.0]), np.array([0.5, 0.5]), np.array([1.0]), np.ones(1)), 10.0)
    def test_value_is_the_numerical_maximum(self, pq, lam):
        a, p, b, q = pq
        got = wgan_gp_penalized_value_1d(a, b, p, q, penalty_weight=lam)
        ref = reference_gp_maximum(a, p, b, q, lam)
        assert got == pytest.approx(ref, rel=OPT_RTOL, abs=OPT_RTOL)

    @settings(max_examples=40)
    @given(line_pairs(max_atoms=4), penalties)
    def test_returned_critic_attains_the_value(self, pq, lam):
        a, p, b, q = pq
        crit = wgan_gp_optimal_critic_1d(a, b, p, q, penalty_weight=lam)
        z = crit.breakpoints
        c, M = reference_gp_objective_terms(z, a, p, b, q, np.outer(p, q))
        obj = c @ crit.slope - lam * np.sum(M * (np.abs(crit.slope) - 1.0) ** 2)
        assert obj == pytest.approx(crit.value, rel=FLOAT_RTOL, abs=1e-11)
        assert crit.w1 == pytest.approx(wasserstein_distance(a, b, p, q), abs=1e-12)
        # E_p f - E_q f from the returned critic values, read at the atoms
        lin = p @ np.interp(a, z, crit.critic_values) - q @ np.interp(b, z, crit.critic_values)
        assert lin - crit.penalty == pytest.approx(crit.value, rel=FLOAT_RTOL, abs=1e-11)
        assert crit.penalty == pytest.approx(crit.gap, rel=FLOAT_RTOL, abs=1e-12)

    @settings(max_examples=40)
    @given(line_pairs(max_atoms=4), penalties, st.integers(0, 2**32 - 1))
    def test_perturbing_the_critic_lowers_the_objective(self, pq, lam, seed):
        a, p, b, q = pq
        crit = wgan_gp_optimal_critic_1d(a, b, p, q, penalty_weight=lam)
        c, M = reference_gp_objective_terms(crit.breakpoints, a, p, b, q, np.outer(p, q))
        g = crit.slope + np.random.default_rng(seed).normal(scale=0.1, size=crit.slope.shape)
        obj = c @ g - lam * np.sum(M * (np.abs(g) - 1.0) ** 2)
        assert obj <= crit.value + 1e-11

    @settings(max_examples=40)
    @given(line_pairs(max_atoms=4), penalties, st.floats(1.5, 100.0))
    def test_gap_is_positive_and_falls_like_one_over_lambda(self, pq, lam, factor):
        a, p, b, q = pq
        g1 = wgan_gp_optimal_critic_1d(a, b, p, q, penalty_weight=lam)
        g2 = wgan_gp_optimal_critic_1d(a, b, p, q, penalty_weight=lam * factor)
        w1 = wasserstein_distance(a, b, p, q)
        if w1 > 1e-12:
            assert g1.gap > 0
        else:
            assert g1.gap == pytest.approx(0.0, abs=1e-20)
        assert g2.gap * factor == pytest.approx(g1.gap, rel=1e-12, abs=1e-20)
        # Proposition 1 in the limit: the slopes' excess over 1 is |Δ|/(2λρ) -> 0 like 1/λ
        # (|g| - 1 is read off the rounded slope: an absolute error of an ulp of |g|)
        atol = 4 * np.finfo(float).eps * (factor * np.abs(g2.slope) + np.abs(g1.slope))
        np.testing.assert_allclose(factor * (np.abs(g2.slope) - 1), np.abs(g1.slope) - 1,
                                   rtol=1e-12, atol=atol.max(initial=0.0))

    def test_penalty_by_high_precision_quadrature(self):
        a, p = np.array([-1.0, 0.5, 2.0]), np.array([0.2, 0.5, 0.3])
        b, q = np.array([0.0, 0.5, 3.0]), np.array([0.6, 0.1, 0.3])
        lam = 3.0
        crit = wgan_gp_optimal_critic_1d(a, b, p, q, penalty_weight=lam)
        ref = reference_penalty_mpmath(crit, a, p, b, q, lam)
        assert crit.penalty == pytest.approx(ref, rel=QUAD_RTOL)
        assert crit.gap == pytest.approx(ref, rel=QUAD_RTOL)
        assert crit.point_mass == pytest.approx(0.5 * 0.1)  # the pair of atoms at 0.5

    def test_optimal_coupling_pairs(self):
        a, p = np.array([0.0, 1.0, 3.0]), np.array([0.3, 0.3, 0.4])
        b, q = np.array([0.5, 2.0]), np.array([0.5, 0.5])
        plan = wasserstein_discrete(p, q, np.abs(a[:, None] - b[None, :])).plan
        got = wgan_gp_penalized_value_1d(a, b, p, q, penalty_weight=2.0, pairs=plan)
        assert np.isfinite(got)
        assert got == pytest.approx(reference_gp_maximum(a, p, b, q, 2.0, plan), rel=OPT_RTOL)
        assert got > wasserstein_1d(a, b, p, q)

    def test_uncovered_cell_gives_infinite_value(self):
        # x̂ only at the shared atom 0: the penalty does not constrain f' on (0, 1), where the
        # CDFs differ, so the supremum is +inf and no optimal critic exists.
        crit = wgan_gp_optimal_critic_1d([0.0, 1.0], [0.0], [0.5, 0.5], None,
                                         penalty_weight=1.0, pairs=[[1.0], [0.0]])
        assert crit.value == np.inf and crit.gap == np.inf
        assert not crit.attained and crit.critic_values is None
        assert crit.slope[0] == np.inf
        json.dumps(crit.to_dict())

    def test_uncovered_cell_with_equal_cdfs_is_finite(self):
        # zero-weight atom at 5: the cell (1, 5) is not covered but the CDFs agree there
        crit = wgan_gp_optimal_critic_1d([0.0, 5.0], [1.0], [1.0, 0.0], None, penalty_weight=1.0)
        assert crit.rho[1] == 0 and crit.delta[1] == 0 and crit.slope[1] == 1.0
        assert crit.value == pytest.approx(1.0 + 1.0 / 4.0)
        assert crit.attained

    def test_equal_distributions(self):
        crit = wgan_gp_optimal_critic_1d([0.0, 1.0], [1.0, 0.0], penalty_weight=10.0)
        assert crit.value == 0.0 and crit.gap == 0.0
        np.testing.assert_array_equal(np.abs(crit.slope), 1.0)

    def test_negative_control_wrong_gap_constant(self):
        # Δ²/(2λρ) (a factor-2 slip in the pointwise maximum) exceeds the numerical maximum:
        # the reference would catch it.
        a, p, b, q = np.array([0.0, 2.0]), np.array([0.5, 0.5]), np.array([1.0]), np.ones(1)
        crit = wgan_gp_optimal_critic_1d(a, b, p, q, penalty_weight=1.0)
        wrong = crit.w1 + 2 * crit.gap
        assert wrong > reference_gp_maximum(a, p, b, q, 1.0) + 1e-3

    def test_errors(self):
        with pytest.raises(ValueError, match="`penalty_weight`"):
            wgan_gp_penalized_value_1d([0.0], [1.0], penalty_weight=0.0)
        with pytest.raises(ValueError, match="`pairs`"):
            wgan_gp_penalized_value_1d([0.0], [1.0], penalty_weight=1.0, pairs=[[0.5, 0.5]])
        with pytest.raises(ValueError, match="`pairs`"):
            wgan_gp_penalized_value_1d([0.0, 1.0], [1.0], penalty_weight=1.0,
                                       pairs=[[1.5], [-0.5]])
        with pytest.raises(ValueError, match="`pairs`"):
            wgan_gp_penalized_value_1d([0.0, 1.0], [1.0], penalty_weight=1.0,
                                       pairs=[[0.5], [0.6]])
        with pytest.raises(ValueError, match="`p_weights`"):
            wgan_gp_penalized_value_1d([0.0, 1.0], [1.0], [1.0], penalty_weight=1.0)
        with pytest.raises(ValueError, match="`q_values`"):
            wgan_gp_penalized_value_1d([0.0, 1.0], [[1.0]], penalty_weight=1.0)
        with pytest.raises(ValueError, match="`p_values`"):
            wgan_gp_penalized_value_1d([0.0, np.nan], [1.0], penalty_weight=1.0)
