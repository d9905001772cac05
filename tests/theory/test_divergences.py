"""Tests for theory.divergences against independent values.

References used here, none of them our own code paths: 50-digit mpmath sums over atoms;
scipy's ``jensenshannon``, ``rel_entr`` and ``wasserstein_distance``; brute-force maxima over
subsets (TV) and permutations (uniform OT, Birkhoff); scipy's ``linear_sum_assignment``;
POT's ``ot.emd2`` when installed; closed forms (1-D Gaussians, Arjovsky's Example 1).
"""

import itertools
import math

import mpmath
import numpy as np
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import jensenshannon
from scipy.special import rel_entr, xlogy
from scipy.stats import norm, wasserstein_distance

from theory.divergences import (
    OTResult,
    f_divergence,
    js_divergence,
    kl_divergence,
    parallel_lines,
    pearson_chi2,
    total_variation,
    w2_gaussian,
    wasserstein_1d,
    wasserstein_discrete,
)

# ----------------------------------------------------------------------------- tolerances
#: float64 result vs a 50-digit reference on <= 8 atoms: a few ulps per term of size <= ~40
#: (log of ratios down to 1e-12), so 1e-12 absolute is generous but still far below any bug.
REF_ATOL = 1e-12
#: JS of nearly equal distributions vs 50-digit reference: the value itself is ~1e-14, and
#: log(2p/m) is computed to ~1 ulp, so the absolute error is a few 1e-16.
NEAR_EQUAL_ATOL = 2e-15
#: float64 vs an independent float64 implementation (scipy) on <= 1e4 atoms.
IMPL_ATOL = 1e-12
#: Inequalities (Pinsker, KL <= log(1 + chi2)) are tested with this slack for rounding.
INEQ_SLACK = 1e-12
#: Rounding of a cumulative-weight level, per atom (a few ulps of 1), see _level_atol.
LEVEL_EPS = 8 * np.finfo(float).eps
#: Exact LP (HiGHS, feasibility tolerances 1e-10) against an independent exact optimum.
LP_ATOL = 1e-9
#: Gaussian W2² from the trace formula: cancellation of tr S1 + tr S2 - 2 tr(...) leaves
#: ~1e-15 x (scale of the covariances) absolute error on the square.
W2SQ_RTOL = 1e-11
#: Quantile grid of 1-D Gaussians with N midpoints: the midpoint rule misses tail mass of
#: ∫ Φ⁻¹(s)² ds = 1, about 2 x (1/(2N)) x Φ⁻¹(1/(2N))² ≈ 1.5e-3 at N = 1e4 (relative, on W2²).
GRID_RTOL = 3e-3
#: Closed forms of size O(1) (log 2, 1 bit, TV of disjoint/equal supports): a few ulps of 1.
ULP_ATOL = 1e-15
#: Closed forms (1/3, sqrt 2, 1.0) reached by a handful of float ops: a few ulps relative.
ULP_RTOL = 1e-15
#: Change of logarithm base: one extra division by a rounded log(base) on an O(1) value.
BASE_RTOL = 1e-13
#: Relative counterpart of REF_ATOL (values up to ~1e4 for chi2 with tiny q atoms).
REF_RTOL = 1e-12
#: float64 vs scipy with a different summation order: relative rounding ~ sqrt(K) eps on
#: K <= 5e4 atoms, with margin.
IMPL_RTOL = 1e-12
#: scipy's wasserstein_distance on <= 3.3e4 atoms: its cumsum-based CDF differences
#: accumulate ~n eps relative rounding, against our sorted merge.
IMPL_LARGE_RTOL = 1e-11
#: W1 vs scipy on <= 12 atoms in [-100, 100]: cumulative-weight rounding (~eps) times a
#: spread of up to 200, summed over the atoms.
W1_IMPL_ATOL = 1e-11
#: Batched rows vs single calls: same formula, possibly different summation order/blocking,
#: so only a few ulps apart.
BATCH_RTOL = 1e-14
BATCH_ATOL = 1e-15
#: KL ~ 372 with a subnormal q atom: log of an extreme ratio rounded once, a few ulps relative.
KL_LARGE_RTOL = 1e-14
#: f'(∞) is estimated numerically as f(t)/t at large t (theory.divergences._f_inf_slope),
#: which is off by O(1/t) for TV and JS; the estimate is weighted by P's mass where Q = 0.
SLOPE_ATOL = 1e-12
#: Quantile-integral reference: float sum of (hi - lo)|x - y|^p over <= 24 intervals; the
#: p-th power amplifies relative rounding of the interval lengths.
QUANTILE_RTOL = 1e-10
#: Relative counterpart of LP_ATOL for W2² values up to ~4e4 (HiGHS tolerances, relative).
LP_RTOL = 1e-9
#: Translation by c in [-50, 50]: (u + c) - u is not exactly c in float64 (relative ~eps per
#: atom at values up to 150), raised to the power p <= 4.
TRANSLATION_RTOL = 1e-9
#: OT value recomputed as sum(C * plan): same products, different summation order.
PLAN_SUM_ATOL = 1e-12
#: Trivial LPs whose optimum is a vertex with 0/1/0.5 entries: HiGHS returns it up to rounding.
TRIVIAL_LP_ATOL = 1e-12
#: W2 with arguments swapped takes different matrix square roots; their rounding
#: (~W2SQ_RTOL x scale on W2²) is amplified by the square root when W2 is small.
W2_SYMMETRY_ATOL = 1e-7

#: Unit roundoff of float64 (half the machine epsilon): the bounds below count roundings.
U = 2.0**-53
#: KL, each term vs 50 digits: |error| <= KL_TERMS_RTOL * Σ|p log(p/q)|.  Derivation (see
#: theory._kl_js._kl_accept): the fast route adds u Σp <= 16 u Σ|terms| when it is
#: used, its logarithm and product (1 + c) u per term with c = 4 (numpy's accuracy tests hold
#: the float64 log to 1 ulp; 4 leaves a margin); the accurate route ~7u per term instead; the
#: sum of <= 8 terms (K - 1) u.  max(16 + 5, 7) + 7 = 28 u, rounded up to 32 u.
KL_TERMS_RTOL = 32 * U
#: JS relative error: the fast route is only kept when its error bound is below 2**-44 of
#: the value (theory._kl_js._js_accept), the accurate route below 64 u per term, and
#: the sum of <= 8 non-negative terms adds (K - 1) u.
JS_RTOL = 2.0**-44 + 8 * U
#: Atoms at the subnormal level (5e-324) are rounded to their own grid: absolute slack.
SUBNORMAL_ATOL = 1e-300
#: scipy gh-20710 pair, KL: the accurate route rounds z = (p - q)/q once, log1p and the
#: product once each (p - q is exact, the second atom contributes exactly 0): <= 3u, plus
#: 1u for log1p -> 4u, and a factor (1 + 4u) for second-order terms.
GH20710_KL_RTOL = 4 * U * (1 + 4 * U)
#: scipy gh-20710 pair, JS: x = d/m (m rounded, then divided: 2u), x·d (u); the Taylor
#: factor is exactly 1 at x ~ 1e-13 -> 3u, times (1 + 4u).
GH20710_JS_RTOL = 3 * U * (1 + 4 * U)

mpmath.mp.dps = 50


def scipy_js2(p, q, **kwargs):
    """scipy's JS distance, squared.  scipy takes the square root of a sum that can round to
    about -1e-17 when P = Q, giving NaN with a RuntimeWarning; that NaN stands for 0."""
    with np.errstate(invalid="ignore"):
        return np.nan_to_num(jensenshannon(p, q, **kwargs) ** 2, nan=0.0)
LOG2 = math.log(2.0)


# ----------------------------------------------------------------------------- strategies
def _normalize(w):
    return w / w.sum()


def vectors(k, *, zeros=True, floor=None):
    """Probability vectors of length k; subnormal and tiny atoms included unless ``floor``."""
    low = 0.0 if zeros else 1e-3
    elements = st.floats(low, 1.0)
    if floor is not None:
        elements = st.one_of(st.just(0.0), st.floats(floor, 1.0)) if zeros else st.floats(floor, 1.0)
    arr = hnp.arrays(np.float64, k, elements=elements)
    return arr.filter(lambda w: w.sum() > 0).map(_normalize)


@st.composite
def pairs(draw, *, zeros=True, min_k=1, max_k=8, floor=None):
    k = draw(st.integers(min_k, max_k))
    return draw(vectors(k, zeros=zeros, floor=floor)), draw(vectors(k, zeros=zeros, floor=floor))


#: scipy's kernels compute (p + q)/2 and p/q in float64, which underflow/overflow for
#: subnormal atoms (scipy then returns inf or 1.8e308); comparisons with scipy draw atoms
#: that are 0 or >= 1e-300 / 8.  Our own functions are tested on subnormals against mpmath.
SCIPY_SAFE = dict(floor=1e-300)


@st.composite
def batched_pairs(draw, *, zeros=True):
    k = draw(st.integers(1, 6))
    b = draw(st.integers(1, 4))
    rows = st.lists(vectors(k, zeros=zeros), min_size=b, max_size=b)
    return np.array(draw(rows)), np.array(draw(rows))


# ----------------------------------------------------------------------------- references
def _mp(x):
    return [mpmath.mpf(float(v)) for v in np.ravel(x)]


def ref_kl(p, q):
    total = mpmath.mpf(0)
    for a, b in zip(_mp(p), _mp(q)):
        if a > 0:
            if b == 0:
                return math.inf
            total += a * mpmath.log(a / b)
    return float(total)


def ref_js(p, q):
    total = mpmath.mpf(0)
    for a, b in zip(_mp(p), _mp(q)):
        m = (a + b) / 2
        if a > 0:
            total += a * mpmath.log(a / m)
        if b > 0:
            total += b * mpmath.log(b / m)
    return float(total / 2)


def ref_chi2(p, q):
    total = mpmath.mpf(0)
    for a, b in zip(_mp(p), _mp(q)):
        if b == 0:
            if a > 0:
                return math.inf
            continue
        total += (a - b) ** 2 / b
    return float(total)


def ref_tv_by_subsets(p, q):
    """sup_A |P(A) - Q(A)| by enumerating all 2^K subsets."""
    k = len(p)
    masks = np.array(list(itertools.product([0.0, 1.0], repeat=k)))
    return float(np.max(np.abs(masks @ (np.asarray(p) - np.asarray(q)))))


# ============================================================================= KL
class TestKL:
    @given(pairs())
    @example((np.array([1.0, 0.0]), np.array([0.5, 0.5])))
    def test_matches_high_precision_sum(self, pq):
        p, q = pq
        expected = ref_kl(p, q)
        got = kl_divergence(p, q)
        if math.isinf(expected):
            assert got == np.inf
        else:
            assert got == pytest.approx(expected, abs=REF_ATOL)

    @given(pairs())
    def test_nonnegative_and_zero_on_itself(self, pq):
        p, q = pq
        assert kl_divergence(p, q) >= 0
        assert kl_divergence(p, p) == 0

    @given(pairs(min_k=2))
    def test_infinite_iff_p_positive_where_q_zero(self, pq):
        p, q = pq
        assert np.isinf(kl_divergence(p, q)) == bool(np.any((p > 0) & (q == 0)))

    @given(pairs(zeros=False))
    def test_positive_when_different(self, pq):
        p, q = pq
        assume(np.max(np.abs(p - q)) > 1e-6)
        assert kl_divergence(p, q) > 0

    @given(pairs(**SCIPY_SAFE))
    def test_agrees_with_scipy_rel_entr(self, pq):
        p, q = pq
        expected = float(rel_entr(p, q).sum())
        got = kl_divergence(p, q)
        assert got == pytest.approx(expected, abs=IMPL_ATOL) or (np.isinf(got) and np.isinf(expected))

    @pytest.mark.parametrize("base", [2, 10, math.e, 1.0 + 2.0**-52])
    def test_base(self, base):
        p, q = [0.2, 0.3, 0.5], [0.5, 0.25, 0.25]
        assert kl_divergence(p, q, base=base) == pytest.approx(
            ref_kl(p, q) / math.log(base), rel=BASE_RTOL
        )

    def test_bits_closed_form(self):
        # KL((1,0) || (1/2,1/2)) = log 2 nats = 1 bit exactly.
        assert kl_divergence([1.0, 0.0], [0.5, 0.5], base=2) == pytest.approx(1.0, abs=ULP_ATOL)

    def test_long_vector_blocked_path(self):
        rng = np.random.default_rng(3)
        p = _normalize(rng.gamma(0.3, size=30_000))
        q = _normalize(rng.gamma(0.3, size=30_000))
        p[::5] = 0.0
        p = _normalize(p)
        assert kl_divergence(p, q) == pytest.approx(float(rel_entr(p, q).sum()), rel=IMPL_RTOL)


# ============================================================================= JS
class TestJS:
    @given(pairs())
    @example((np.array([1.0, 0.0]), np.array([0.0, 1.0])))
    @example((np.array([1.0]), np.array([1.0])))
    @example((np.array([1.0, 0.0]), np.array([1.0, 5e-324])))  # subnormal: (p+q)/2 underflows
    @example((np.array([0.5, 0.5]), np.array([5e-324, 1.0])))
    def test_matches_high_precision_sum(self, pq):
        p, q = pq
        assert js_divergence(p, q) == pytest.approx(ref_js(p, q), abs=REF_ATOL)

    @given(pairs())
    def test_symmetric_and_bounded(self, pq):
        p, q = pq
        js = js_divergence(p, q)
        # Symmetric up to rounding: JS(p, q) and JS(q, p) are each within JS_RTOL of the
        # same exact value (the fast route's r = p/q is not a symmetric function of p, q).
        assert js_divergence(q, p) == pytest.approx(js, rel=2 * JS_RTOL, abs=2 * SUBNORMAL_ATOL)
        assert 0.0 <= js <= LOG2
        assert js_divergence(p, p) == 0.0

    @given(st.integers(2, 8), st.data())
    def test_disjoint_supports_give_log2(self, k, data):
        split = data.draw(st.integers(1, k - 1))
        w = data.draw(vectors(k, zeros=False))
        p = np.where(np.arange(k) < split, w, 0.0)
        q = np.where(np.arange(k) < split, 0.0, w)
        assert js_divergence(_normalize(p), _normalize(q)) == pytest.approx(LOG2, abs=ULP_ATOL)

    @given(pairs(**SCIPY_SAFE))
    def test_agrees_with_scipy_jensenshannon_squared(self, pq):
        p, q = pq
        assert js_divergence(p, q) == pytest.approx(scipy_js2(p, q), abs=IMPL_ATOL)

    @given(pairs(**SCIPY_SAFE))  # the float midpoint (p + q)/2 must not underflow
    def test_is_mean_kl_to_midpoint(self, pq):
        p, q = pq
        m = 0.5 * (p + q)
        expected = 0.5 * ref_kl(p, m) + 0.5 * ref_kl(q, m)
        assert js_divergence(p, q) == pytest.approx(expected, abs=REF_ATOL)

    @given(pairs(zeros=False), st.floats(1e-9, 1e-5))
    def test_accurate_for_nearly_equal_inputs(self, pq, eps):
        p, r = pq
        q = _normalize((1 - eps) * p + eps * r)
        got = js_divergence(p, q)
        assert got >= 0
        assert got == pytest.approx(ref_js(p, q), abs=NEAR_EQUAL_ATOL)

    def test_base2_in_unit_interval(self):
        assert js_divergence([0.5, 0.5, 0.0], [0.0, 0.0, 1.0], base=2) == pytest.approx(1.0)
        p, q = [0.1, 0.9], [0.6, 0.4]
        assert js_divergence(p, q, base=2) == pytest.approx(ref_js(p, q) / LOG2, rel=BASE_RTOL)

    def test_long_vector_blocked_path(self):
        rng = np.random.default_rng(4)
        p = _normalize(rng.gamma(0.3, size=50_001))
        q = _normalize(rng.gamma(0.3, size=50_001))
        q[1::3] = 0.0
        q = _normalize(q)
        assert js_divergence(p, q) == pytest.approx(scipy_js2(p, q), abs=IMPL_ATOL)


# ============================================================================= accuracy, p ≈ q
#: scipy gh-20710: p and q differ by 1.6e-13 in one atom (q sums to 1 - 1.6e-13).
GH_A, GH_B = 0.786048657854401, 0.7860486578542367
GH_P = np.array([GH_A, 1 - GH_A])
GH_Q = np.array([GH_B, 1 - GH_A])


def ref_kl_terms(p, q):
    """(Σ p log(p/q), Σ |p log(p/q)|) at 50 digits; inf if some p > 0 = q."""
    total = scale = mpmath.mpf(0)
    for a, b in zip(_mp(p), _mp(q)):
        if a > 0:
            if b == 0:
                return math.inf, math.inf
            t = a * mpmath.log(a / b)
            total += t
            scale += abs(t)
    return float(total), float(scale)


@st.composite
def near_pairs(draw):
    """(p, q) with q ≈ p: q is p moved by up to 4 ulps per atom, or (1 - eps) p + eps r
    renormalized with eps in [1e-15, 1e-2].  Full support (floats(1e-3, 1) weights)."""
    k = draw(st.integers(1, 8))
    p = draw(vectors(k, zeros=False))
    if draw(st.booleans()):
        steps = draw(hnp.arrays(np.int64, k, elements=st.integers(-4, 4)))
        q = p.copy()
        for i, step in enumerate(steps):
            for _ in range(abs(int(step))):
                q[i] = np.nextafter(q[i], np.inf if step > 0 else 0.0)
    else:
        eps = draw(st.floats(1e-15, 1e-2))
        q = _normalize((1 - eps) * p + eps * draw(vectors(k)))
    return p, q


class TestAccuracy:
    def test_gh20710_kl(self):
        expected = ref_kl(GH_P, GH_Q)
        assert expected == pytest.approx(1.6431300764454033e-13, rel=1e-15, abs=0)  # issue's value
        assert kl_divergence(GH_P, GH_Q) == pytest.approx(expected, rel=GH20710_KL_RTOL, abs=0)
        # Negative control: the textbook float formula p log(p/q) is off by 4.4e-4.
        naive = float(np.sum(GH_P * np.log(GH_P / GH_Q)))
        assert naive != pytest.approx(expected, rel=GH20710_KL_RTOL, abs=0)

    def test_gh20710_js(self):
        # JSD of this pair is (a - b)² / (4 (a + b)) to leading order = 4.2934e-27 (the
        # issue's "~6e-17" is the size of the rounding noise the textbook formula returns).
        with mpmath.workdps(100):  # the reference's terms cancel to 1e-26 relative
            expected = ref_js(GH_P, GH_Q)
        assert expected == pytest.approx(4.293430853709457e-27, rel=1e-15, abs=0)
        assert js_divergence(GH_P, GH_Q) == pytest.approx(expected, rel=GH20710_JS_RTOL, abs=0)
        assert js_divergence(GH_Q, GH_P) == pytest.approx(expected, rel=GH20710_JS_RTOL, abs=0)
        # Negative control: the textbook formula returns noise of order 1e-17.
        m = 0.5 * (GH_P + GH_Q)
        naive = 0.5 * float(np.sum(GH_P * np.log(GH_P / m) + GH_Q * np.log(GH_Q / m)))
        assert naive != pytest.approx(expected, rel=GH20710_JS_RTOL, abs=0)

    @given(near_pairs())
    @example((GH_P, GH_Q))
    def test_kl_near_equal_within_term_bound(self, pq):
        p, q = pq
        expected, scale = ref_kl_terms(p, q)
        # the result is clipped at 0 (sums within 1e-9 of 1), which only reduces the error
        assert abs(kl_divergence(p, q) - max(expected, 0.0)) <= KL_TERMS_RTOL * scale

    @given(pairs())
    @example((np.array([0.5, 0.5]), np.array([5e-324, 1.0])))
    def test_kl_any_pair_within_term_bound(self, pq):
        p, q = pq
        expected, scale = ref_kl_terms(p, q)
        got = kl_divergence(p, q)
        if math.isinf(expected):
            assert got == np.inf
        else:
            assert abs(got - max(expected, 0.0)) <= KL_TERMS_RTOL * scale + SUBNORMAL_ATOL

    @given(near_pairs())
    @example((GH_P, GH_Q))
    def test_js_near_equal_relative(self, pq):
        p, q = pq
        # The reference's two terms cancel to x² relative (x = |p - q|/(p + q) >= ~1e-17
        # here): 100 digits leave it accurate to 1e-66 relative.
        with mpmath.workdps(100):
            expected = ref_js(p, q)
        assert js_divergence(p, q) == pytest.approx(expected, rel=JS_RTOL, abs=SUBNORMAL_ATOL)

    @given(pairs())
    def test_js_any_pair_relative(self, pq):
        p, q = pq
        assert js_divergence(p, q) == pytest.approx(ref_js(p, q), rel=JS_RTOL, abs=SUBNORMAL_ATOL)


#: Reference sums over K ~ 2.5e4 atoms in 80-bit long double (u = 2**-64): an independent
#: precision, not our float64 code path.  Platforms whose long double is a plain double skip.
EXTENDED = np.finfo(np.longdouble).eps < 1e-18
#: Long vectors: per-term rounding as above plus the float64 sums, dot products of <= 8192
#: terms and a handful of segment sums: deterministic bound (8192 + 8) u Σ|terms|.
LONG_SUM_RTOL = (8192 + 8) * U


def _extended_refs(p, q):
    pl, ql = np.asarray(p, np.longdouble), np.asarray(q, np.longdouble)
    t = pl * np.log(pl / ql)
    ml = pl + ql
    tj = pl * np.log(2 * pl / ml) + ql * np.log(2 * ql / ml)
    return float(t.sum()), float(np.abs(t).sum()), float(tj.sum() / 2)


@pytest.mark.skipif(not EXTENDED, reason="long double is not wider than double here")
class TestLongVectors:
    """K > 8192 atoms: several segments and a tail, the fast route, validation fused in."""

    @pytest.mark.parametrize("k", [3 * 8192, 3 * 8192 + 17])
    def test_against_extended_precision(self, k):
        rng = np.random.default_rng(k)
        p, q = _normalize(rng.exponential(size=k)), _normalize(rng.exponential(size=k))
        kl_ref, scale, js_ref = _extended_refs(p, q)
        assert abs(kl_divergence(p, q) - kl_ref) <= (KL_TERMS_RTOL + LONG_SUM_RTOL) * scale
        assert js_divergence(p, q) == pytest.approx(js_ref, rel=JS_RTOL + LONG_SUM_RTOL, abs=0)

    def test_nearly_equal_long_vectors(self):
        # q = p (1 + 1e-9 noise): every segment takes the accurate route.  Reference: the
        # definitions in mpmath at 60 digits (the JS terms cancel to x² ~ 1e-19 relative,
        # leaving ~40 correct digits); one full segment and a tail keep it to ~0.3 s.
        rng = np.random.default_rng(11)
        k = 8192 + 5
        p = _normalize(rng.exponential(size=k))
        q = _normalize(p * (1 + 1e-9 * rng.standard_normal(k)))
        with mpmath.workdps(60):
            kl_ref, scale = ref_kl_terms(p, q)
            js_ref = ref_js(p, q)
        assert abs(kl_divergence(p, q) - max(kl_ref, 0.0)) <= (KL_TERMS_RTOL + LONG_SUM_RTOL) * scale
        assert js_divergence(p, q) == pytest.approx(js_ref, rel=JS_RTOL + LONG_SUM_RTOL, abs=0)

    def test_rows_equal_single_calls(self):
        rng = np.random.default_rng(12)
        k = 2 * 8192 + 5
        P = rng.dirichlet(np.ones(k), size=3)
        Q = rng.dirichlet(np.ones(k), size=3)
        Q[1] = P[1]  # one row takes the accurate route (p = q)
        for fn in (kl_divergence, js_divergence):
            got = fn(P, Q)
            expected = np.array([fn(a, b) for a, b in zip(P, Q)])
            np.testing.assert_allclose(got, expected, rtol=BATCH_RTOL, atol=BATCH_ATOL)
            assert got[1] == 0.0

    @pytest.mark.parametrize("fn", [kl_divergence, js_divergence])
    def test_invalid_entries_are_named(self, fn):
        k = 2 * 8192 + 100
        good = np.full(k, 1.0 / k)
        cases = []
        q = good.copy()
        q[10_000], q[10_001] = -1e-6, q[10_001] + 1e-6 + q[10_000]  # sum kept
        cases.append((good, q, "`q`.*non-negative"))
        p0 = good.copy()
        p0[5], p0[6] = 0.0, p0[6] + p0[5]
        q0 = good.copy()
        q0[5], q0[7] = -1e-6, q0[7] + 1e-6 + q0[5]  # negative q where p = 0
        cases.append((p0, q0, "`q`.*non-negative"))
        pn, qn = good.copy(), good.copy()
        pn[16_450], pn[16_451] = -1e-6, pn[16_451] + 1e-6 + pn[16_450]
        qn[16_450], qn[16_451] = -1e-6, qn[16_451] + 1e-6 + qn[16_450]  # both negative
        cases.append((pn, qn, "`p`.*non-negative"))
        pnan = good.copy()
        pnan[9000] = np.nan
        cases.append((pnan, good, "`p`.*finite"))
        qinf = good.copy()
        qinf[16_000] = np.inf
        cases.append((good, qinf, "`q`.*finite"))
        cases.append((good, good * (1 + 1e-8), "`q`.*sum to 1"))
        for a, b, match in cases:
            with pytest.raises(ValueError, match=match):
                fn(a, b)


# ============================================================================= TV, chi2
class TestTVChi2:
    @given(pairs())
    def test_tv_is_sup_over_events(self, pq):
        p, q = pq
        assert total_variation(p, q) == pytest.approx(ref_tv_by_subsets(p, q), abs=ULP_ATOL)

    @given(pairs())
    def test_pinsker(self, pq):
        p, q = pq
        assert total_variation(p, q) <= math.sqrt(kl_divergence(p, q) / 2) + INEQ_SLACK

    @given(pairs())
    def test_chi2_matches_high_precision_sum(self, pq):
        p, q = pq
        expected = ref_chi2(p, q)
        got = pearson_chi2(p, q)
        if math.isinf(expected):
            assert got == np.inf
        else:
            assert got == pytest.approx(expected, rel=REF_RTOL, abs=REF_ATOL)

    @given(pairs())
    def test_kl_at_most_log_one_plus_chi2(self, pq):
        p, q = pq
        assert kl_divergence(p, q) <= math.log1p(pearson_chi2(p, q)) + INEQ_SLACK

    def test_chi2_conventions(self):
        assert pearson_chi2([0.5, 0.5, 0.0], [0.5, 0.5, 0.0]) == 0.0
        assert pearson_chi2([0.5, 0.5, 0.0], [1.0, 0.0, 0.0]) == np.inf
        # (1/2 - 1/4)² / (1/4) + (1/2 - 3/4)² / (3/4) = 1/4 + 1/12 = 1/3
        assert pearson_chi2([0.5, 0.5], [0.25, 0.75]) == pytest.approx(1 / 3, rel=ULP_RTOL)


# ============================================================================= f-divergences
F_KL = (lambda t: xlogy(t, t), "kl")
F_RKL = (lambda t: -np.log(t), "rkl")
F_TV = (lambda t: 0.5 * np.abs(t - 1.0), "tv")
F_CHI2 = (lambda t: (t - 1.0) ** 2, "chi2")
F_JS = (lambda t: 0.5 * (xlogy(t, 2 * t / (1 + t)) + np.log(2 / (1 + t))), "js")


def _dedicated(name, p, q):
    return {
        "kl": lambda: kl_divergence(p, q),
        "rkl": lambda: kl_divergence(q, p),
        "tv": lambda: total_variation(p, q),
        "chi2": lambda: pearson_chi2(p, q),
        "js": lambda: js_divergence(p, q),
    }[name]()


class TestFDivergence:
    # Atoms are 0 or >= 1e-6 / 8: the user's f is evaluated at p/q, and the textbook f's above
    # lose accuracy (or overflow) at ratios near 1e308 (see the f_divergence Notes).
    @pytest.mark.parametrize("f_name", [F_KL, F_RKL, F_TV, F_CHI2, F_JS], ids=lambda x: x[1])
    @given(pq=pairs(floor=1e-6))
    def test_agrees_with_dedicated(self, f_name, pq):
        f, name = f_name
        p, q = pq
        expected = _dedicated(name, p, q)
        got = f_divergence(p, q, f)
        if np.isinf(expected):
            assert got == np.inf
        else:
            assert got == pytest.approx(expected, rel=REF_RTOL, abs=REF_ATOL)

    def test_slope_at_infinity_estimates(self):
        p, q = [0.5, 0.5], [1.0, 0.0]  # half the mass of P where Q = 0
        # TV: f'(∞) = 1/2 -> 0 (shared atom) + 0.5 * 0.5 = 0.25 + |0.5-1|/2 = 0.5
        assert f_divergence(p, q, F_TV[0]) == pytest.approx(0.5, abs=SLOPE_ATOL)
        # JS: finite (f'(∞) = log(2)/2); compare with the mpmath reference
        assert f_divergence(p, q, F_JS[0]) == pytest.approx(ref_js(p, q), abs=SLOPE_ATOL)
        assert f_divergence(p, q, F_KL[0]) == np.inf
        assert f_divergence(p, q, F_CHI2[0]) == np.inf

    def test_explicit_slope(self):
        p, q = [0.5, 0.5], [1.0, 0.0]
        got = f_divergence(p, q, F_TV[0], f_inf_slope=0.5)
        assert got == pytest.approx(0.5, abs=ULP_ATOL)
        assert f_divergence(p, q, F_KL[0], f_inf_slope=np.inf) == np.inf

    def test_f_must_vanish_at_one(self):
        with pytest.raises(ValueError, match="`f`"):
            f_divergence([0.5, 0.5], [0.5, 0.5], lambda t: t)

    def test_f_must_be_callable(self):
        with pytest.raises(TypeError, match="`f`"):
            f_divergence([0.5, 0.5], [0.5, 0.5], 3.0)

    def test_nan_from_f_is_an_error(self):
        # t log t written naively is NaN at t = 0 (0 * -inf); we refuse rather than guess.
        with pytest.raises(ValueError, match="`f`"):
            with np.errstate(all="ignore"):
                f_divergence([0.0, 1.0], [0.5, 0.5], lambda t: np.where(t == 0, np.nan, t - 1))

    def test_overflowing_ratio_taken_at_its_limit(self):
        # q = 5e-324 (subnormal): p/q overflows, so the atom is counted as q = 0, i.e.
        # p·f'(∞) (documented).  Exact for TV: ½(0.5 + 0.5 - 5e-324) = 0.5 in float64.
        p, q = [0.5, 0.5], [1.0, 5e-324]
        assert f_divergence(p, q, F_TV[0]) == 0.5
        assert f_divergence(p, q, F_KL[0]) == np.inf  # f'(∞) = inf: the documented limit
        assert kl_divergence(p, q) == pytest.approx(ref_kl(p, q), rel=KL_LARGE_RTOL)  # finite, ~372

    def test_unestimable_slope_is_an_error(self):
        # f(t)/t oscillates: no limit; the caller must say what f'(∞) is.
        f = lambda t: (t - 1.0) * np.sin(np.log(t))  # noqa: E731
        with pytest.raises(ValueError, match="f_inf_slope"):
            f_divergence([0.5, 0.5], [1.0, 0.0], f)


# ============================================================================= batching
class TestBatching:
    @pytest.mark.parametrize(
        "fn", [kl_divergence, js_divergence, total_variation, pearson_chi2]
    )
    @given(pq=batched_pairs())
    def test_rows_equal_single_calls(self, fn, pq):
        p, q = pq
        got = fn(p, q)
        assert got.shape == (p.shape[0],)
        expected = np.array([fn(a, b) for a, b in zip(p, q)])
        np.testing.assert_allclose(got, expected, rtol=BATCH_RTOL, atol=BATCH_ATOL)
        np.testing.assert_allclose(fn(p.T, q.T, axis=0), expected, rtol=BATCH_RTOL, atol=BATCH_ATOL)

    def test_broadcast_leading_axes(self):
        rng = np.random.default_rng(0)
        p = rng.dirichlet(np.ones(5), size=(3, 1))
        q = rng.dirichlet(np.ones(5), size=(4,))
        got = js_divergence(p, q)
        assert got.shape == (3, 4)
        expected = scipy_js2(*np.broadcast_arrays(p, q), axis=-1)
        np.testing.assert_allclose(got, expected, atol=IMPL_ATOL)

    def test_many_short_rows_blocked_path(self):
        rng = np.random.default_rng(1)
        p = rng.dirichlet(np.ones(7), size=5000)
        q = rng.dirichlet(np.ones(7), size=5000)
        np.testing.assert_allclose(
            js_divergence(p, q), scipy_js2(p, q, axis=-1), atol=IMPL_ATOL
        )
        np.testing.assert_allclose(
            kl_divergence(p, q), rel_entr(p, q).sum(-1), rtol=IMPL_RTOL, atol=IMPL_ATOL
        )


# ============================================================================= errors
DISCRETE = [
    kl_divergence,
    js_divergence,
    total_variation,
    pearson_chi2,
    lambda p, q: f_divergence(p, q, F_TV[0]),
]
BAD = [
    ([-0.1, 1.1], "non-negative"),
    ([np.nan, 1.0], "finite"),
    ([0.5, 0.6], "sum to 1"),
    ([], "empty"),
    (0.5, "1-D"),
    (np.array(0.5), "1-D"),
]


@pytest.mark.parametrize("fn", DISCRETE)
@pytest.mark.parametrize("bad,why", BAD)
def test_invalid_p_and_q_are_named(fn, bad, why):
    good = [0.5, 0.5]
    with pytest.raises(ValueError, match=f"`p`.*{why}"):
        fn(bad, good)
    with pytest.raises(ValueError, match=f"`q`.*{why}"):
        fn(good, bad)


@pytest.mark.parametrize("fn", [kl_divergence, js_divergence])
def test_zero_dimensional_float_arrays(fn):
    # float64 ndarrays of equal shape take a shortcut past as_float_array: a 0-d pair too
    with pytest.raises(ValueError, match="`p`.*1-D"):
        fn(np.array(0.5), np.array(0.5))


@pytest.mark.parametrize("fn", DISCRETE)
def test_mismatched_lengths(fn):
    with pytest.raises(ValueError, match="`p` and `q`"):
        fn([0.5, 0.5], [0.2, 0.3, 0.5])


@pytest.mark.parametrize("fn", DISCRETE)
def test_non_numeric(fn):
    with pytest.raises(TypeError, match="`p`"):
        fn("ab", [0.5, 0.5])


# A base in (0, 1) would flip the divergence's sign (log base < 0): refused, like 1 and <= 0.
@pytest.mark.parametrize("base", [1, 0, -2.0, np.inf, 0.5, 1.0 - 2.0**-53, 5e-324])
def test_bad_base(base):
    with pytest.raises(ValueError, match="`base`"):
        js_divergence([0.5, 0.5], [0.5, 0.5], base=base)


def test_base_type():
    with pytest.raises(TypeError, match="`base`"):
        kl_divergence([0.5, 0.5], [0.5, 0.5], base="2")


# ============================================================================= W1 / Wp on the line
@st.composite
def weighted_samples(draw, *, zero_weights=True):
    n = draw(st.integers(1, 12))
    values = draw(hnp.arrays(np.float64, n, elements=st.floats(-100, 100)))
    low = 0.0 if zero_weights else 0.05
    weights = draw(
        hnp.arrays(np.float64, n, elements=st.floats(low, 10)).filter(lambda w: w.sum() > 0)
    )
    return values, weights


def _level_atol(u, v, p):
    """Absolute tolerance on W_p^p: cumulative weights are float sums with ~n·eps error (and
    depend on the summation order of tied atoms), so a quantile jump can be misplaced by
    that much in level, costing up to n·eps·(spread)^p; W_p itself then moves by its p-th
    root (e.g. ~1e-8 for p = 2 where W_2 = 0)."""
    values = np.concatenate([u, v])
    spread = float(values.max() - values.min())
    return LEVEL_EPS * values.size * (1.0 + spread) ** p


def ref_wp_quantile(u, uw, v, vw, p):
    """∫_0^1 |F⁻¹(s) - G⁻¹(s)|^p ds by evaluating both quantile functions on each interval."""
    def levels(x, w):
        order = np.argsort(x)
        return x[order], np.cumsum(w[order]) / np.sum(w)

    us, cu = levels(u, uw)
    vs, cv = levels(v, vw)
    grid = np.unique(np.concatenate([[0.0], cu, cv, [1.0]]))
    grid = grid[grid <= 1.0]
    total = 0.0
    for lo, hi in zip(grid[:-1], grid[1:]):
        mid = 0.5 * (lo + hi)
        x = us[min(np.searchsorted(cu, mid), len(us) - 1)]
        y = vs[min(np.searchsorted(cv, mid), len(vs) - 1)]
        total += (hi - lo) * abs(x - y) ** p
    return total ** (1.0 / p)


class TestWasserstein1D:
    @given(weighted_samples(), weighted_samples())
    def test_w1_agrees_with_scipy(self, uu, vv):
        (u, uw), (v, vw) = uu, vv
        expected = wasserstein_distance(u, v, uw, vw)
        assert wasserstein_1d(u, v, uw, vw) == pytest.approx(expected, rel=IMPL_RTOL, abs=W1_IMPL_ATOL)

    @given(weighted_samples(), weighted_samples())
    def test_w1_unweighted_agrees_with_scipy(self, uu, vv):
        (u, _), (v, _) = uu, vv
        expected = wasserstein_distance(u, v)
        assert wasserstein_1d(u, v) == pytest.approx(expected, rel=IMPL_RTOL, abs=W1_IMPL_ATOL)

    @pytest.mark.parametrize("p", [1.0, 2.0, 3.5])
    @given(uu=weighted_samples(), vv=weighted_samples())
    def test_wp_against_quantile_integral(self, p, uu, vv):
        (u, uw), (v, vw) = uu, vv
        expected = ref_wp_quantile(u, uw, v, vw, p)
        got = wasserstein_1d(u, v, uw, vw, p=p)
        assert got**p == pytest.approx(expected**p, rel=QUANTILE_RTOL, abs=_level_atol(u, v, p))

    @given(weighted_samples(zero_weights=False), weighted_samples(zero_weights=False))
    def test_w2_against_lp(self, uu, vv):
        (u, uw), (v, vw) = uu, vv
        a, b = uw / uw.sum(), vw / vw.sum()
        lp = wasserstein_discrete(a, b, (u[:, None] - v[None, :]) ** 2).value
        assert wasserstein_1d(u, v, uw, vw, p=2) ** 2 == pytest.approx(lp, rel=LP_RTOL, abs=LP_ATOL)

    @given(weighted_samples(), st.floats(-50, 50), st.floats(1.0, 4.0))
    def test_translation(self, uu, c, p):
        u, w = uu
        got = wasserstein_1d(u, u + c, w, w, p=p)
        assert got**p == pytest.approx(abs(c) ** p, rel=TRANSLATION_RTOL, abs=_level_atol(u, u + c, p))

    def test_closed_forms(self):
        assert wasserstein_1d([0.0, 1.0], [2.0, 3.0]) == 2.0
        # δ0 vs ½(δ0 + δ2): W2² = ½ · 4
        assert wasserstein_1d([0.0], [0.0, 2.0], p=2) == pytest.approx(math.sqrt(2.0), rel=ULP_RTOL)
        # unnormalized weights are normalized; a zero-weight atom far away is ignored
        assert wasserstein_1d([0.0, 1e6], [1.0], [3.0, 0.0]) == pytest.approx(1.0, rel=ULP_RTOL)

    def test_large_unequal_sizes_against_scipy(self):
        rng = np.random.default_rng(7)
        u, v = rng.normal(size=20_000), rng.standard_t(3, size=13_001)
        uw, vw = rng.random(20_000), rng.random(13_001)
        assert wasserstein_1d(u, v, uw, vw) == pytest.approx(
            wasserstein_distance(u, v, uw, vw), rel=IMPL_LARGE_RTOL
        )

    @pytest.mark.parametrize(
        "kwargs,match",
        [
            (dict(u_values=[]), "`u_values`"),
            (dict(v_values=[[1.0]]), "`v_values`"),
            (dict(u_values=[np.inf]), "`u_values`"),
            (dict(u_weights=[-1.0, 2.0]), "`u_weights`"),
            (dict(u_weights=[0.0, 0.0]), "`u_weights`"),
            (dict(v_weights=[1.0]), "`v_weights`"),
            (dict(p=0.5), "`p`"),
        ],
    )
    def test_errors(self, kwargs, match):
        args = dict(u_values=[0.0, 1.0], v_values=[0.5, 2.0])
        args.update(kwargs)
        p = args.pop("p", 1)
        with pytest.raises(ValueError, match=match):
            wasserstein_1d(**args, p=p)


# ============================================================================= exact discrete OT
def _check_ot_invariants(res, a, b, C):
    assert isinstance(res, OTResult)
    np.testing.assert_allclose(res.plan.sum(1), a, atol=LP_ATOL)
    np.testing.assert_allclose(res.plan.sum(0), b, atol=LP_ATOL)
    assert np.all(res.plan >= 0)
    assert res.value == pytest.approx(float(np.sum(C * res.plan)), abs=PLAN_SUM_ATOL)
    # dual feasibility and strong duality
    assert np.all(res.f[:, None] + res.g[None, :] <= C + LP_ATOL)
    assert res.value == pytest.approx(float(a @ res.f + b @ res.g), abs=LP_ATOL)
    assert abs(res.duality_gap) <= LP_ATOL


class TestWassersteinDiscrete:
    @given(st.integers(1, 6), st.integers(0, 2**32 - 1))
    def test_uniform_equals_best_permutation(self, n, seed):
        rng = np.random.default_rng(seed)
        C = rng.random((n, n)) * rng.choice([1.0, 100.0])
        a = np.full(n, 1.0 / n)
        perms = np.array(list(itertools.permutations(range(n))))
        brute = C[np.arange(n), perms].mean(axis=1).min()
        res = wasserstein_discrete(a, a, C)
        assert res.value == pytest.approx(brute, abs=LP_ATOL)
        _check_ot_invariants(res, a, a, C)

    @given(weighted_samples(), weighted_samples())
    def test_line_agrees_with_wasserstein_1d(self, uu, vv):
        (u, uw), (v, vw) = uu, vv
        a, b = uw / uw.sum(), vw / vw.sum()
        C = np.abs(u[:, None] - v[None, :])
        res = wasserstein_discrete(a, b, C)
        assert res.value == pytest.approx(wasserstein_distance(u, v, uw, vw), abs=LP_ATOL)
        _check_ot_invariants(res, a, b, C)

    @given(st.integers(1, 8), st.integers(0, 2**32 - 1), st.booleans())
    def test_kantorovich_rubinstein_critic_same_support(self, n, seed, zeros):
        rng = np.random.default_rng(seed)
        x = rng.normal(size=(n, 2))
        C = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(-1))
        a, b = rng.random(n), rng.random(n)
        if zeros:
            a[rng.random(n) < 0.3] = 0.0
            b[rng.random(n) < 0.3] = 0.0
        assume(a.sum() > 0 and b.sum() > 0)
        a, b = a / a.sum(), b / b.sum()
        res = wasserstein_discrete(a, b, C)
        _check_ot_invariants(res, a, b, C)
        assert np.all(np.abs(res.f[:, None] - res.f[None, :]) <= C + LP_ATOL)  # 1-Lipschitz
        np.testing.assert_allclose(res.g, -res.f, atol=LP_ATOL)
        assert res.value == pytest.approx(float(a @ res.f - b @ res.f), abs=LP_ATOL)

    @given(st.integers(1, 7), st.integers(1, 7), st.integers(0, 2**32 - 1))
    def test_against_pot(self, n, m, seed):
        ot = pytest.importorskip("ot")
        rng = np.random.default_rng(seed)
        a, b = rng.random(n), rng.random(m)
        a[0] = 0.0 if n > 1 else a[0]
        a, b = a / a.sum(), b / b.sum()
        C = rng.random((n, m)) * 10
        res = wasserstein_discrete(a, b, C)
        assert res.value == pytest.approx(float(ot.emd2(a, b, C)), abs=LP_ATOL)
        _check_ot_invariants(res, a, b, C)

    @pytest.mark.parametrize("seed", [0, 1])
    def test_arc_generation_path_against_assignment(self, seed):
        # n·m = 10000 arcs > 4096: solved by arc generation.  Uniform equal sizes: the optimum
        # is an assignment (Birkhoff), computed independently by the Hungarian method.
        rng = np.random.default_rng(seed)
        n = 100
        x, y = rng.random((n, 2)), rng.random((n, 2))
        C = np.sqrt(((x[:, None] - y[None]) ** 2).sum(-1))
        a = np.full(n, 1.0 / n)
        rows, cols = linear_sum_assignment(C)
        res = wasserstein_discrete(a, a, C)
        assert res.value == pytest.approx(C[rows, cols].mean(), abs=LP_ATOL)
        _check_ot_invariants(res, a, a, C)

    def test_arc_generation_path_against_line_and_pot(self):
        rng = np.random.default_rng(5)
        n, m = 90, 70
        u, v = rng.normal(size=n), rng.normal(1.0, 2.0, size=m)
        uw, vw = rng.random(n), rng.random(m)
        uw[::7] = 0.0
        a, b = uw / uw.sum(), vw / vw.sum()
        C = np.abs(u[:, None] - v[None, :])
        res = wasserstein_discrete(a, b, C)
        assert res.value == pytest.approx(wasserstein_distance(u, v, uw, vw), abs=LP_ATOL)
        _check_ot_invariants(res, a, b, C)
        ot = pytest.importorskip("ot")
        C2 = rng.random((n, m))
        res2 = wasserstein_discrete(a, b, C2)
        assert res2.value == pytest.approx(float(ot.emd2(a, b, C2)), abs=LP_ATOL)
        _check_ot_invariants(res2, a, b, C2)

    def test_closed_form_example(self):
        res = wasserstein_discrete([1.0, 0.0], [0.0, 1.0], [[0.0, 1.0], [1.0, 0.0]])
        assert res.value == pytest.approx(1.0, abs=TRIVIAL_LP_ATOL)
        np.testing.assert_allclose(res.plan, [[0.0, 1.0], [0.0, 0.0]], atol=TRIVIAL_LP_ATOL)

    def test_result_serializes(self):
        res = wasserstein_discrete([0.5, 0.5], [1.0], [[1.0], [3.0]])
        assert res.value == pytest.approx(2.0, abs=TRIVIAL_LP_ATOL)
        assert res.to_dict()["plan"] == [[0.5], [0.5]]
        with pytest.raises(AttributeError):
            res.value = 0.0  # frozen

    @pytest.mark.parametrize(
        "a,b,C,match",
        [
            ([0.5, 0.6], [1.0], [[1.0], [1.0]], "`a`"),
            ([1.0], [-0.5, 1.5], [[1.0, 1.0]], "`b`"),
            ([1.0], [1.0], [[1.0, 2.0]], "`cost`"),
            ([1.0], [1.0], [[np.nan]], "`cost`"),
            ([[1.0]], [1.0], [[1.0]], "`a`"),
        ],
    )
    def test_errors(self, a, b, C, match):
        with pytest.raises(ValueError, match=match):
            wasserstein_discrete(a, b, C)


# ============================================================================= Gaussian W2
def _random_spd(rng, d, scale):
    A = rng.normal(size=(d, d))
    return scale * (A @ A.T) / d + 1e-3 * np.eye(d)


class TestW2Gaussian:
    @given(
        st.floats(-10, 10), st.floats(0, 10), st.floats(-10, 10), st.floats(0, 10)
    )
    def test_one_dimensional_closed_form(self, m1, s1, m2, s2):
        got = w2_gaussian(m1, s1**2, m2, s2**2)
        expected_sq = (m1 - m2) ** 2 + (s1 - s2) ** 2
        assert got**2 == pytest.approx(expected_sq, rel=W2SQ_RTOL, abs=W2SQ_RTOL * (1 + s1**2 + s2**2))

    @given(st.integers(1, 5), st.integers(0, 2**32 - 1))
    def test_commuting_covariances(self, d, seed):
        rng = np.random.default_rng(seed)
        Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
        l1, l2 = rng.random(d) * 5, rng.random(d) * 5
        S1, S2 = (Q * l1) @ Q.T, (Q * l2) @ Q.T
        m1, m2 = rng.normal(size=d), rng.normal(size=d)
        # commuting: W2² = |m1 - m2|² + Σ (√λ1 - √λ2)² (Givens & Shortt, Prop. 7 special case)
        expected_sq = np.sum((m1 - m2) ** 2) + np.sum((np.sqrt(l1) - np.sqrt(l2)) ** 2)
        got = w2_gaussian(m1, S1, m2, S2)
        assert got**2 == pytest.approx(expected_sq, rel=W2SQ_RTOL, abs=W2SQ_RTOL * 10 * d)

    @given(st.integers(1, 5), st.integers(0, 2**32 - 1))
    def test_general_against_eigenvalues_of_product(self, d, seed):
        # tr (S2^½ S1 S2^½)^½ = Σ √eig(S1 S2): S1 S2 is similar to the symmetric matrix.
        rng = np.random.default_rng(seed)
        S1, S2 = _random_spd(rng, d, 3.0), _random_spd(rng, d, 1.0)
        m1, m2 = rng.normal(size=d), rng.normal(size=d)
        cross = np.sum(np.sqrt(np.linalg.eigvals(S1 @ S2).real.clip(0)))
        expected_sq = np.sum((m1 - m2) ** 2) + np.trace(S1) + np.trace(S2) - 2 * cross
        got = w2_gaussian(m1, S1, m2, S2)
        scale = 1 + np.trace(S1) + np.trace(S2)
        assert got**2 == pytest.approx(expected_sq, abs=W2SQ_RTOL * scale)
        assert got == pytest.approx(w2_gaussian(m2, S2, m1, S1), abs=W2_SYMMETRY_ATOL)  # symmetric

    @pytest.mark.parametrize("m1,s1,m2,s2", [(0.0, 1.0, 1.0, 2.0), (-2.0, 0.5, 3.0, 0.25)])
    def test_against_quantile_grids(self, m1, s1, m2, s2):
        n, m = 10_000, 7_001
        x = norm.ppf((np.arange(n) + 0.5) / n, loc=m1, scale=s1)
        y = norm.ppf((np.arange(m) + 0.5) / m, loc=m2, scale=s2)
        grid = wasserstein_1d(x, y, p=2)
        assert grid**2 == pytest.approx(w2_gaussian(m1, s1**2, m2, s2**2) ** 2, rel=GRID_RTOL)

    def test_point_masses(self):
        assert w2_gaussian([0.0, 0.0], np.zeros((2, 2)), [3.0, 4.0], np.zeros((2, 2))) == 5.0

    @pytest.mark.parametrize(
        "args,match",
        [
            ((0.0, -1.0, 0.0, 1.0), "`cov1`"),
            (([0.0, 0.0], [[1.0, 0.5], [0.0, 1.0]], [0.0, 0.0], np.eye(2)), "`cov1`.*symmetric"),
            (([0.0, 0.0], np.eye(2), [0.0, 0.0], [[1.0, 2.0], [2.0, 1.0]]), "`cov2`.*semi-definite"),
            (([0.0, 0.0], np.eye(3), [0.0, 0.0], np.eye(2)), "`cov1`"),
            (([0.0, 0.0], np.eye(2), [0.0], 1.0), "`mean1` and `mean2`"),
            (([0.0, np.nan], np.eye(2), [0.0, 0.0], np.eye(2)), "`mean1`"),
        ],
    )
    def test_errors(self, args, match):
        with pytest.raises(ValueError, match=match):
            w2_gaussian(*args)


# ============================================================================= parallel lines
class TestParallelLines:
    @pytest.mark.parametrize("theta", [0.0, 0.3, -1.7])
    def test_matches_discretized_lines(self, theta):
        # Discretize Z on N points: P_0 and P_θ become uniform measures on {(0, z_k)} and
        # {(θ, z_k)}.  Every quantity of Example 1 is preserved exactly by this discretization.
        N = 6
        z = np.arange(N) / N
        P0 = np.stack([np.zeros(N), z], 1)
        Pt = np.stack([np.full(N, theta), z], 1)
        C = np.sqrt(((P0[:, None] - Pt[None]) ** 2).sum(-1))
        u = np.full(N, 1.0 / N)
        w1 = wasserstein_discrete(u, u, C).value
        # joint support: the 2N points (N if θ = 0)
        if theta == 0:
            p = q = u
        else:
            p, q = np.concatenate([u, 0 * u]), np.concatenate([0 * u, u])
        d = parallel_lines(theta)
        assert d["wasserstein"] == pytest.approx(w1, abs=LP_ATOL)
        assert d["js"] == pytest.approx(ref_js(p, q), abs=ULP_ATOL)
        assert d["kl"] == ref_kl(p, q)
        assert d["tv"] == pytest.approx(ref_tv_by_subsets(p, q), abs=ULP_ATOL)

    def test_vectorized(self):
        theta = np.array([[0.0, 2.0], [-0.5, 1e-300]])
        d = parallel_lines(theta)
        for key in ("wasserstein", "js", "kl", "tv"):
            assert d[key].shape == theta.shape
        np.testing.assert_array_equal(d["wasserstein"], np.abs(theta))
        np.testing.assert_array_equal(d["js"], [[0.0, LOG2], [LOG2, LOG2]])
        np.testing.assert_array_equal(d["kl"], [[0.0, np.inf], [np.inf, np.inf]])
        np.testing.assert_array_equal(d["tv"], [[0.0, 1.0], [1.0, 1.0]])

    def test_errors(self):
        with pytest.raises(ValueError, match="`theta`"):
            parallel_lines(np.nan)
        with pytest.raises(TypeError, match="`theta`"):
            parallel_lines("1")
