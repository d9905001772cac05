"""Tests for theory.gan_objectives (LSGAN, f-GAN, EBGAN) against independent values.

References, none of them the implementation under test:
- 50-digit mpmath sums of the formulas as the papers print them: LSGAN's 2C(G) integral
  (Mao et al. 2017, Section 3.2.2), f-GAN's D_f = Σ q f(p/q) with Table 1's f, its f'(p/q) by
  numerical differentiation (mpmath.diff), and the bound with Table 2's conjugates, all typed
  below from the tables (``REF_*``);
- other homes of the same quantities: theory.divergences (pearson_chi2, f_divergence,
  total_variation), theory.gan (optimal_discriminator, gan_value, optimal_gan_value), scipy's
  Jensen-Shannon distance;
- optimisation: scipy's bounded scalar search for the Fenchel conjugate sup_u (u t - f(u)),
  HiGHS linear programmes for EBGAN's min over D, random critics and discriminators that the
  optimum must beat.
"""

import math

import mpmath
import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.optimize import linprog, minimize_scalar
from scipy.spatial.distance import jensenshannon

from solvers.problems.strategies import batched_pairs, disjoint_pairs, matched_pairs, seeds
from tests.tolerances import LP_ATOL
from theory.divergences import f_divergence, pearson_chi2, total_variation
from theory.gan import gan_value, optimal_discriminator, optimal_gan_value
from theory.gan_objectives import (
    FGAN_FAMILIES,
    FGAN_FAMILY_NAMES,
    EbganNashGaps,
    ebgan_min_value,
    ebgan_nash_gaps,
    ebgan_optimal_discriminator,
    ebgan_optimal_discriminator_interval,
    ebgan_value,
    fgan_divergence,
    fgan_family,
    fgan_lower_bound,
    fgan_optimal_critic,
    lsgan_criterion,
    lsgan_optimal_discriminator,
)

# ----------------------------------------------------------------------------- tolerances
#: float64 sums of <= 8 terms, each a few roundings (~1e-16 relative) of its own size: we
#: allow 1e-12 relative to the sum of the terms' absolute values (the scale of the rounding).
SUM_RTOL = 1e-12
#: mpmath.diff (50 digits) of f vs the float64 critic: a few ulps of f'(u) for u = p/q down to
#: ~1e-7 (floored atoms); 1e-12 relative plus the same absolute near f'(u) = 0.
CRITIC_RTOL = 1e-12
#: Bounded Brent search for sup_u (u t - f(u)) on log u: the *value* at the maximum is flat to
#: first order, so an argmax error δ ~ 1e-8 (xatol) costs ~ f''·δ² ≪ 1e-12; 1e-10 leaves
#: room for the rounding of u t - f(u) at |values| <= ~50.
CONJ_OPT_ATOL = 1e-10
#: The argmax of a quadratic by value: the objective is flat to second order, so Brent pins
#: the argmax only to ~sqrt(eps) ≈ 1.5e-8 of the scale; 1e-6 with labels up to 5.
QUAD_ARGMIN_ATOL = 1e-6
#: A discriminator beats another when its value is lower up to the rounding of the sums.
INEQ_SLACK = 1e-12

#: Secondary properties (broadcasting, constructions, random critics) run fewer examples than
#: the profile's default to keep this file at a few seconds; the core identities keep it.
SECONDARY = settings(max_examples=25)

FAMILY_NAMES = list(FGAN_FAMILY_NAMES)
LOG2, LOG4 = math.log(2.0), math.log(4.0)


# ----------------------------------------------------------------------------- strategies
def _normalise(w):
    return w / w.sum()


@st.composite
def floored_pairs(draw, *, zero_atoms=True, min_size=2, max_size=8):
    """(p, q) whose atoms are 0 or >= 1e-6/8: every ratio q/p (p, q > 0) is >= ~1e-7.

    Used where a float64 critic T* = f'(p/q) must stay resolvable from the open end of dom f*
    (documented in fgan_optimal_critic: below q/p ~ 1e-16 the JS critic rounds onto log 2),
    and where theory.divergences.f_divergence evaluates f at p/q (it needs finite ratios).
    """
    n = draw(st.integers(min_size, max_size))
    elem = st.one_of(st.just(0.0), st.floats(1e-6, 1.0)) if zero_atoms else st.floats(1e-6, 1.0)
    vec = hnp.arrays(np.float64, n, elements=elem).filter(lambda w: w.sum() > 0).map(_normalise)
    return draw(vec), draw(vec)


# ============================================================================= references
def mp(x):
    return mpmath.mpf(float(x))


def to_float(x):
    """A 50-digit reference as the float64 it rounds to (inf beyond the largest double)."""
    if x == mpmath.inf:
        return math.inf
    if x == -mpmath.inf:
        return -math.inf
    return float(x) if abs(x) < mpmath.mpf("1.7976931348623157e308") else math.copysign(math.inf, x)


def close(value, ref, scale):
    """|value - ref| <= SUM_RTOL (1 + scale), both infinities equal."""
    ref = to_float(ref)
    if math.isinf(ref) or math.isinf(value):
        return value == ref
    return abs(value - ref) <= SUM_RTOL * (1.0 + float(scale))


# f-GAN, Table 1: the generator functions f(u) as printed, their limits f(0) and f'(∞) =
# lim f(u)/u (recession slope), f'(0+); Table 2: conjugates f*(t) and sup dom f* (inf dom f*
# is -inf for all seven).  Everything in mpmath.
REF_F = {
    "kl": lambda u: u * mpmath.log(u),
    "reverse_kl": lambda u: -mpmath.log(u),
    "pearson_chi2": lambda u: (u - 1) ** 2,
    "neyman_chi2": lambda u: (1 - u) ** 2 / u,
    "squared_hellinger": lambda u: (mpmath.sqrt(u) - 1) ** 2,
    "jensen_shannon": lambda u: -(u + 1) * mpmath.log((1 + u) / 2) + u * mpmath.log(u),
    "gan": lambda u: u * mpmath.log(u) - (u + 1) * mpmath.log(u + 1),
}
REF_F0 = {"kl": 0, "reverse_kl": mpmath.inf, "pearson_chi2": 1, "neyman_chi2": mpmath.inf,
          "squared_hellinger": 1, "jensen_shannon": mpmath.log(2), "gan": 0}
REF_SLOPE = {"kl": mpmath.inf, "reverse_kl": 0, "pearson_chi2": mpmath.inf, "neyman_chi2": 1,
             "squared_hellinger": 1, "jensen_shannon": mpmath.log(2), "gan": 0}
REF_FPRIME0 = {"kl": -math.inf, "reverse_kl": -math.inf, "pearson_chi2": -2.0,
               "neyman_chi2": -math.inf, "squared_hellinger": -math.inf,
               "jensen_shannon": -math.inf, "gan": -math.inf}
REF_CONJ = {
    "kl": lambda t: mpmath.exp(t - 1),
    "reverse_kl": lambda t: -1 - mpmath.log(-t),
    "pearson_chi2": lambda t: t ** 2 / 4 + t,
    "neyman_chi2": lambda t: 2 - 2 * mpmath.sqrt(1 - t),
    "squared_hellinger": lambda t: t / (1 - t),
    "jensen_shannon": lambda t: -mpmath.log(2 - mpmath.exp(t)),
    "gan": lambda t: -mpmath.log(1 - mpmath.exp(t)),
}
REF_UPPER = {"kl": math.inf, "reverse_kl": 0.0, "pearson_chi2": math.inf, "neyman_chi2": 1.0,
             "squared_hellinger": 1.0, "jensen_shannon": LOG2, "gan": 0.0}
# Table 2's output activations g_f(v), in numpy (for random admissible critics).
REF_ACTIVATION = {
    "kl": lambda v: v,
    "reverse_kl": lambda v: -np.exp(-v),
    "pearson_chi2": lambda v: v,
    "neyman_chi2": lambda v: 1.0 - np.exp(-v),
    "squared_hellinger": lambda v: 1.0 - np.exp(-v),
    "jensen_shannon": lambda v: LOG2 - np.log1p(np.exp(-v)),
    "gan": lambda v: -np.log1p(np.exp(-v)),
}


def reference_divergence(p, q, name):
    """D_f = Σ_{q>0} q f(p/q) + f'(∞) Σ_{q=0} p at 50 digits, and Σ |terms| (the scale)."""
    with mpmath.workdps(50):
        total, scale = mpmath.mpf(0), mpmath.mpf(0)
        for pi, qi in zip(map(mp, p), map(mp, q)):
            if qi > 0:
                term = qi * (REF_F[name](pi / qi) if pi > 0 else REF_F0[name])
            elif pi > 0:
                term = pi * REF_SLOPE[name]
            else:
                continue
            total += term
            scale += abs(term)
        return total, scale


def reference_atom_gap(pi, qi, ti, name):
    """D_f's term minus the bound's term p t - q f*(t) on one atom, at 50 digits, for a finite
    t inside dom f* (or at its end where q = 0)."""
    with mpmath.workdps(50):
        pi, qi, ti = mp(pi), mp(qi), mp(ti)
        if qi > 0:
            d_term = qi * (REF_F[name](pi / qi) if pi > 0 else REF_F0[name])
            l_term = pi * ti - qi * REF_CONJ[name](ti)
        else:
            d_term, l_term = pi * REF_SLOPE[name], pi * ti
        return d_term - l_term


def reference_lsgan_2c(p, q, a, b, c):
    """2C(G) = Σ ((b - c)(p + q) - (b - a) q)²/(p + q), the paper's reformulation, 50 digits."""
    with mpmath.workdps(50):
        a, b, c = mp(a), mp(b), mp(c)
        total = mpmath.mpf(0)
        for pi, qi in zip(map(mp, p), map(mp, q)):
            if pi + qi > 0:
                total += ((b - c) * (pi + qi) - (b - a) * qi) ** 2 / (pi + qi)
        return total


def reference_ebgan_min(p, q, m):
    """min over D >= 0 of Σ p D + q s, s >= m - D, s >= 0: a HiGHS LP, no closed form used."""
    n = len(p)
    cost = np.concatenate([p, q])
    a_ub = np.hstack([-np.eye(n), -np.eye(n)])       # -D - s <= -m
    res = linprog(cost, A_ub=a_ub, b_ub=np.full(n, -m), bounds=[(0, None)] * (2 * n),
                  method="highs", options={"primal_feasibility_tolerance": 1e-10,
                                           "dual_feasibility_tolerance": 1e-10})
    assert res.status == 0, res.message
    return res.fun


def phi(a, b, y, m):
    """One atom of EBGAN's V: a y + b max(m - y, 0)."""
    return a * y + b * np.maximum(m - y, 0.0)


labels = st.floats(-5.0, 5.0)
margins = st.floats(0.1, 10.0)


# ============================================================================= LSGAN
class TestLsganOptimalDiscriminator:
    @SECONDARY
    @given(floored_pairs(zero_atoms=False), labels, labels, seeds())
    def test_minimises_each_atom(self, pq, a, b, seed):
        p, q = pq
        d = lsgan_optimal_discriminator(p, q, a=a, b=b)
        scale = abs(a) + abs(b) + 1.0
        # first-order condition p (D - b) + q (D - a) = 0
        np.testing.assert_allclose(p * (d - b) + q * (d - a), 0.0, atol=1e-14 * scale)
        h = lambda y, i: 0.5 * p[i] * (y - b) ** 2 + 0.5 * q[i] * (y - a) ** 2  # noqa: E731
        rng = np.random.default_rng(seed)
        others = rng.uniform(-6.0, 6.0, size=(32, p.size))
        for i in range(p.size):
            assert np.all(h(d[i], i) <= h(others[:, i], i) + INEQ_SLACK * scale ** 2)
            res = minimize_scalar(lambda y: h(y, i) / (p[i] + q[i]), bracket=(-6.0, 6.0))
            assert d[i] == pytest.approx(res.x, abs=QUAD_ARGMIN_ATOL)

    def test_zero_atoms(self):
        d = lsgan_optimal_discriminator([0.5, 0.5, 0.0], [0.0, 0.5, 0.0], a=-1.0, b=1.0)
        # p_g = 0: D = b; p = q: (a + b)/2; p = q = 0: the documented (a + b)/2
        np.testing.assert_array_equal(d, [1.0, 0.0, 0.0])
        d = lsgan_optimal_discriminator([0.0, 1.0], [1.0, 0.0], a=0.0, b=1.0)
        np.testing.assert_array_equal(d, [0.0, 1.0])

    def test_densities_and_broadcasting(self):
        p = np.array([[2.0, 6.0], [1.0, 1.0]])   # unnormalised densities are fine
        d = lsgan_optimal_discriminator(p, [6.0, 2.0], a=0.0, b=1.0)
        np.testing.assert_allclose(d, [[0.25, 0.75], [1 / 7, 1 / 3]], rtol=1e-15)

    @pytest.mark.parametrize("kwargs,exc,match", [
        (dict(a=math.inf, b=1.0), ValueError, "`a`"),
        (dict(a=0.0, b=True), TypeError, "`b`"),
        (dict(a=0.0, b="1"), TypeError, "`b`"),
    ])
    def test_bad_labels(self, kwargs, exc, match):
        with pytest.raises(exc, match=match):
            lsgan_optimal_discriminator([0.5, 0.5], [0.5, 0.5], **kwargs)

    @pytest.mark.parametrize("pd,pg,match", [
        ([-0.5, 1.5], [0.5, 0.5], "`p_data`"),
        ([0.5, 0.5], [0.5, np.nan], "`p_g`"),
        (0.5, 0.5, "`p_data`"),
        ([0.5, 0.5], [1.0, 0.0, 0.0], "`p_data` and `p_g`"),
    ])
    def test_bad_densities(self, pd, pg, match):
        with pytest.raises(ValueError, match=match):
            lsgan_optimal_discriminator(pd, pg, a=0.0, b=1.0)


class TestLsganCriterion:
    @given(matched_pairs(), labels, labels, labels)
    def test_matches_the_papers_integral(self, pq, a, b, c):
        # 2C(G) as Mao et al. reformulate it, at 50 digits, against the definition
        # ½ E_pd[(D* - c)²] + ½ E_pg[(D* - c)²] in float64 (zero and subnormal atoms included).
        p, q = pq
        ref = reference_lsgan_2c(p, q, a, b, c) / 2
        assert close(float(lsgan_criterion(p, q, a=a, b=b, c=c)), ref, (abs(a) + abs(b) + abs(c)) ** 2)

    @given(floored_pairs(), st.integers(-40, 40))
    @example((np.array([1.0, 0.0]), np.array([0.0, 1.0])), 0)
    @example((np.array([0.5, 0.5, 0.0]), np.array([0.0, 0.25, 0.75])), 8)
    def test_pearson_chi2_identity(self, pq, k):
        # b - c = 1, b - a = 2 (c = k/8, exact in binary): 2C(G) = Σ (2q - (p+q))²/(p+q) as
        # printed (50 digits), and C(G) = χ²(p_g ‖ M) = χ²(p_d ‖ M) with M = (p_d + p_g)/2 in
        # the convention of theory.divergences.pearson_chi2 (Σ (p - q)²/q).  Zero atoms are
        # drawn; positive ones are >= 1e-7 (floored_pairs) because M = (p + q)/2 computed in
        # float64 underflows to 0 for a subnormal p beside q = 0, making the reference χ² inf.
        p, q = pq
        c = k / 8.0
        value = float(lsgan_criterion(p, q, a=c - 1.0, b=c + 1.0, c=c))
        with mpmath.workdps(50):
            printed = sum((2 * qi - (pi + qi)) ** 2 / (pi + qi)
                          for pi, qi in zip(map(mp, p), map(mp, q)) if pi + qi > 0)
        assert close(2.0 * value, printed, 4.0)
        m = 0.5 * (p + q)
        assert value == pytest.approx(float(pearson_chi2(q, m)), abs=SUM_RTOL)
        assert value == pytest.approx(float(pearson_chi2(p, m)), abs=SUM_RTOL)
        assert -SUM_RTOL <= value <= 1.0 + SUM_RTOL

    def test_which_chi2_negative_control(self):
        # The paper's χ²_Pearson(p_d + p_g ‖ 2 p_g) read in pearson_chi2's convention (2 p_g in
        # the denominator) is a different number: 2 χ²(M ‖ p_g) = 1/6 here against 2C = 2/15,
        # and it is infinite when p_g has a zero atom where p_d does not.
        p, q = np.array([0.5, 0.5]), np.array([0.25, 0.75])
        two_c = 2.0 * float(lsgan_criterion(p, q, a=-1.0, b=1.0, c=0.0))
        assert two_c == pytest.approx(2.0 / 15.0, rel=1e-14)
        wrong = 2.0 * float(pearson_chi2(0.5 * (p + q), q))
        assert wrong == pytest.approx(1.0 / 6.0, rel=1e-14) and abs(wrong - two_c) > 0.03
        p, q = np.array([0.5, 0.5]), np.array([1.0, 0.0])
        assert np.isfinite(lsgan_criterion(p, q, a=-1.0, b=1.0, c=0.0))
        assert pearson_chi2(0.5 * (p + q), q) == np.inf

    @given(floored_pairs(), labels, labels, labels)
    def test_any_labels_affine_in_chi2(self, pq, a, b, c):
        # C(G) = (a + b - 2c)²/4 + (b - a)²/4 · χ²(p_d ‖ M) for every a, b, c (derived in the
        # docstring; proofs_check mao2017/lsgan-pearson-chi2 step two-c-any-labels).
        p, q = pq
        chi = float(pearson_chi2(p, 0.5 * (p + q)))
        expected = (a + b - 2 * c) ** 2 / 4 + (b - a) ** 2 / 4 * chi
        scale = (abs(a) + abs(b) + abs(c)) ** 2
        assert float(lsgan_criterion(p, q, a=a, b=b, c=c)) == pytest.approx(
            expected, abs=SUM_RTOL * (1 + scale))

    @SECONDARY
    @given(disjoint_pairs())
    def test_disjoint_supports_give_one(self, pq):
        assert float(lsgan_criterion(*pq, a=-1.0, b=1.0, c=0.0)) == pytest.approx(1.0, abs=1e-15)

    @SECONDARY
    @given(batched_pairs())
    def test_batched_equals_rowwise(self, pq):
        p, q = pq
        out = lsgan_criterion(p, q, a=0.0, b=1.0, c=1.0)
        assert out.shape == (p.shape[0],)
        np.testing.assert_allclose(out, [lsgan_criterion(x, y, a=0.0, b=1.0, c=1.0)
                                         for x, y in zip(p, q)], rtol=1e-14, atol=1e-15)

    def test_bad_input(self):
        with pytest.raises(ValueError, match="`p_g`"):
            lsgan_criterion([0.5, 0.5], [0.5, 0.6], a=-1.0, b=1.0, c=0.0)
        with pytest.raises(ValueError, match="`c`"):
            lsgan_criterion([0.5, 0.5], [0.5, 0.5], a=-1.0, b=1.0, c=math.nan)


# ============================================================================= f-GAN
class TestFganFamilies:
    @pytest.mark.parametrize("name", FAMILY_NAMES)
    def test_table_entries(self, name):
        fam = FGAN_FAMILIES[name]
        assert fam.name == name and fam.domain_upper == REF_UPPER[name]
        u = np.array([1e-6, 0.01, 0.3, 1.0, 2.5, 40.0, 1e6])
        with mpmath.workdps(50):
            f_ref = [to_float(REF_F[name](mp(x))) for x in u]
            fp_ref = [to_float(mpmath.diff(REF_F[name], mp(x))) for x in u]
        np.testing.assert_allclose(fam.f(u), f_ref, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(fam.f_prime(u), fp_ref, rtol=CRITIC_RTOL, atol=CRITIC_RTOL)
        # limits at u = 0 and u = ∞
        assert fam.f(0.0) == to_float(REF_F0[name])
        assert fam.f_prime(0.0) == REF_FPRIME0[name]
        assert fam.f_prime(np.inf) == to_float(REF_SLOPE[name])
        # conjugate inside its domain (Table 2), +inf beyond it
        t = np.array([-30.0, -2.5, -0.4, 0.0, 0.5, 0.69, 0.999, 3.0])
        inside = (t < fam.domain_upper) | ((t == fam.domain_upper) & fam.upper_closed)
        with mpmath.workdps(50):
            c_ref = [to_float(REF_CONJ[name](mp(x))) if ok else math.inf for x, ok in zip(t, inside)]
        np.testing.assert_allclose(fam.conjugate(t), c_ref, rtol=1e-13, atol=1e-15)
        # the output activation is Table 2's and maps the reals into dom f*
        v = np.linspace(-30.0, 30.0, 61)
        g = fam.activation(v)
        np.testing.assert_allclose(g, REF_ACTIVATION[name](v), rtol=1e-14, atol=1e-15)
        assert np.all(g <= fam.domain_upper) and np.all(np.isfinite(fam.conjugate(g)))

    @pytest.mark.parametrize("name", FAMILY_NAMES)
    def test_conjugate_is_the_fenchel_conjugate_of_f(self, name):
        # f*(t) = sup_{u >= 0} (u t - f(u)), maximised numerically over log u (bounded Brent);
        # t = f'(s) for s in a range, so the maximiser s is inside the search interval.
        fam = FGAN_FAMILIES[name]
        for s in (0.05, 0.5, 1.0, 3.0, 20.0):
            t = float(fam.f_prime(s))

            def neg(log_u, t=t):
                u = math.exp(log_u)
                return -(u * t - float(fam.f(u)))

            res = minimize_scalar(neg, bounds=(-12.0, 12.0), method="bounded",
                                  options={"xatol": 1e-10})
            assert float(fam.conjugate(t)) == pytest.approx(-res.fun, abs=CONJ_OPT_ATOL)

    def test_neyman_conjugate_closed_at_one(self):
        # Table 2 prints dom f* = {t < 1}; f*(1) = sup_u (2 - 1/u) = 2 is finite.
        assert float(FGAN_FAMILIES["neyman_chi2"].conjugate(1.0)) == 2.0
        assert FGAN_FAMILIES["neyman_chi2"].upper_closed
        assert float(FGAN_FAMILIES["squared_hellinger"].conjugate(1.0)) == math.inf

    def test_mapping_and_accessor(self):
        assert tuple(FGAN_FAMILIES) == FGAN_FAMILY_NAMES and len(FGAN_FAMILIES) == 7
        assert all(fgan_family(n) is FGAN_FAMILIES[n] for n in FGAN_FAMILY_NAMES)
        with pytest.raises(TypeError):
            FGAN_FAMILIES["tv"] = None  # type: ignore[index]
        with pytest.raises(ValueError, match="`family`"):
            fgan_family("jeffrey")
        with pytest.raises(TypeError, match="`family`"):
            fgan_family(None)


class TestFganDivergence:
    @given(matched_pairs(), st.sampled_from(FAMILY_NAMES))
    @example((np.array([1.0, 0.0]), np.array([0.0, 1.0])), "reverse_kl")
    @example((np.array([0.5, 0.5]), np.array([1e-310, 1.0 - 1e-310])), "kl")
    def test_matches_mpmath(self, pq, name):
        p, q = pq
        ref, scale = reference_divergence(p, q, name)
        assert close(float(fgan_divergence(p, q, name)), ref, scale)

    @given(floored_pairs(), st.sampled_from(FAMILY_NAMES))
    def test_matches_generic_f_divergence(self, pq, name):
        # The dedicated closed forms against Csiszár's sum with the family's own f (the f-GAN
        # GAN f has f(1) = -log 4, so it goes in shifted by log 4).
        p, q = pq
        fam = FGAN_FAMILIES[name]
        shift = LOG4 if name == "gan" else 0.0
        generic = float(f_divergence(p, q, lambda u: fam.f(u) + shift)) - shift
        value = float(fgan_divergence(p, q, name))
        assert value == generic or value == pytest.approx(generic, rel=SUM_RTOL, abs=SUM_RTOL * 50)

    @SECONDARY
    @given(floored_pairs())
    def test_gan_family_is_goodfellows_c(self, pq):
        # Table 1's GAN f, typed here, through theory.divergences.f_divergence, reproduces
        # theory.gan.optimal_gan_value = 2 JSD - log 4.
        p, q = pq

        def gan_f(u):
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.where(u > 0, u * np.log(u / (u + 1.0)), 0.0) - np.log1p(u) + LOG4

        generic = float(f_divergence(p, q, gan_f)) - LOG4
        assert generic == pytest.approx(float(optimal_gan_value(p, q)), abs=1e-13)
        assert float(fgan_divergence(p, q, "gan")) == pytest.approx(generic, abs=1e-13)

    @SECONDARY
    @given(matched_pairs())
    def test_jensen_shannon_family_is_twice_jsd(self, pq):
        # scipy's JS distance squared is the JSD (½-convention); NaN stands for 0 at P = Q.
        p, q = pq
        with np.errstate(invalid="ignore"):
            jsd = float(np.nan_to_num(jensenshannon(p, q) ** 2, nan=0.0))
        assert float(fgan_divergence(p, q, "jensen_shannon")) == pytest.approx(2 * jsd, abs=1e-12)

    @SECONDARY
    @given(batched_pairs(), st.sampled_from(FAMILY_NAMES))
    def test_batched_equals_rowwise(self, pq, name):
        p, q = pq
        np.testing.assert_allclose(fgan_divergence(p, q, name),
                                   [fgan_divergence(x, y, name) for x, y in zip(p, q)],
                                   rtol=1e-14, atol=1e-15)

    @pytest.mark.parametrize("family,exc,match", [
        ("total_variation", ValueError, "`family`"),
        ("KL", ValueError, "`family`"),
        (3, TypeError, "`family`"),
    ])
    def test_bad_family(self, family, exc, match):
        with pytest.raises(exc, match=match):
            fgan_divergence([0.5, 0.5], [0.5, 0.5], family)

    def test_bad_distributions(self):
        with pytest.raises(ValueError, match="`q`"):
            fgan_divergence([0.5, 0.5], [0.5, 0.4], "kl")
        with pytest.raises(ValueError, match="`p` and `q`"):
            fgan_divergence([0.5, 0.5], [0.2, 0.3, 0.5], "kl")


class TestFganOptimalCritic:
    @given(floored_pairs(zero_atoms=False), st.sampled_from(FAMILY_NAMES))
    def test_is_f_prime_of_the_ratio(self, pq, name):
        p, q = pq
        t = fgan_optimal_critic(p, q, name)
        with mpmath.workdps(50):
            ref = [to_float(mpmath.diff(REF_F[name], mp(x) / mp(y))) for x, y in zip(p, q)]
        np.testing.assert_allclose(t, ref, rtol=CRITIC_RTOL, atol=CRITIC_RTOL)

    @pytest.mark.parametrize("name", FAMILY_NAMES)
    def test_zero_atoms(self, name):
        t = fgan_optimal_critic([1.0, 0.0, 0.0], [0.0, 1.0, 0.0], name)
        with mpmath.workdps(50):
            at_one = to_float(mpmath.diff(REF_F[name], 1))
        assert t[0] == to_float(REF_SLOPE[name])     # q = 0 < p: f'(∞) = sup dom f*
        assert t[1] == REF_FPRIME0[name]              # p = 0 < q: f'(0+)
        assert t[2] == pytest.approx(at_one, abs=1e-15)   # p = q = 0: f'(1)

    @SECONDARY
    @given(floored_pairs())
    def test_gan_and_js_critics_are_log_d_star(self, pq):
        p, q = pq
        with np.errstate(divide="ignore"):
            log_d = np.log(optimal_discriminator(p, q))
        np.testing.assert_allclose(fgan_optimal_critic(p, q, "gan"), log_d, rtol=1e-14, atol=1e-15)
        np.testing.assert_allclose(fgan_optimal_critic(p, q, "jensen_shannon"), LOG2 + log_d,
                                   rtol=1e-14, atol=1e-15)

    def test_subnormal_densities_keep_their_ratio(self):
        t = fgan_optimal_critic([4e-320, 1.0], [1e-320, 1.0], "pearson_chi2")
        np.testing.assert_allclose(t, [6.0, 0.0], rtol=1e-3)  # subnormals carry ~3 digits here
        assert fgan_optimal_critic([1.0], [1e-300], "reverse_kl")[0] == pytest.approx(-1e-300)

    def test_bad_input(self):
        with pytest.raises(ValueError, match="`p`"):
            fgan_optimal_critic([-1.0, 2.0], [0.5, 0.5], "kl")
        with pytest.raises(ValueError, match="`family`"):
            fgan_optimal_critic([0.5, 0.5], [0.5, 0.5], "hellinger")


class TestFganLowerBound:
    @given(floored_pairs(), st.sampled_from(FAMILY_NAMES))
    @example((np.array([1.0, 0.0]), np.array([0.0, 1.0])), "jensen_shannon")
    @example((np.array([0.5, 0.5, 0.0]), np.array([0.0, 0.5, 0.5])), "pearson_chi2")
    def test_equals_divergence_at_optimal_critic(self, pq, name):
        p, q = pq
        t = fgan_optimal_critic(p, q, name)
        ref, scale = reference_divergence(p, q, name)
        assert close(float(fgan_lower_bound(p, q, t, name)), ref, scale)

    @SECONDARY
    @given(floored_pairs(), st.sampled_from(FAMILY_NAMES), seeds())
    def test_below_divergence_for_random_critics(self, pq, name, seed):
        # 64 admissible critics T = g_f(V) (Table 2's activation of arbitrary V) never beat D_f.
        p, q = pq
        v = np.random.default_rng(seed).normal(0.0, 3.0, size=(64, p.size))
        t = REF_ACTIVATION[name](v)
        d = float(fgan_divergence(p, q, name))
        bounds = fgan_lower_bound(p, q, t, name)
        assert bounds.shape == (64,)
        # rounding of Σ p T - q f*(T): relative to the size of its terms
        scale = np.abs(t).max() + np.abs(FGAN_FAMILIES[name].conjugate(t)).max()
        assert np.all(bounds <= d + SUM_RTOL * (1.0 + scale))

    @given(floored_pairs(), st.sampled_from(FAMILY_NAMES), st.integers(0, 7),
           st.floats(1e-3, 2.0), st.booleans())
    def test_strictly_below_after_perturbation(self, pq, name, i, size, up):
        # Change T* on one atom with mass by δ (kept inside dom f*): the bound drops by that
        # atom's Fenchel-Young gap, which a 50-digit reference shows to be > 0.
        p, q = pq
        d = float(fgan_divergence(p, q, name))
        assume(np.isfinite(d))
        t_star = fgan_optimal_critic(p, q, name)
        atoms = np.flatnonzero((p + q > 0) & np.isfinite(t_star))
        assume(atoms.size > 0)
        i = int(atoms[i % atoms.size])
        delta = size if up else -size
        if t_star[i] + delta >= REF_UPPER[name]:
            delta = -size
        t = t_star.copy()
        t[i] = t_star[i] + delta
        gap_ref = reference_atom_gap(p[i], q[i], t[i], name)
        assert gap_ref > 0                                   # strict, at 50 digits
        bound = float(fgan_lower_bound(p, q, t, name))
        _, scale = reference_divergence(p, q, name)
        # rounding relative to the terms' sizes: D_f's, and this atom's p t and q f*(t)
        # (|q f*(t)| <= gap + |D_f term| + |p t|; f*(t) is large near an open end of dom f*)
        tol = SUM_RTOL * (1.0 + 2 * float(scale) + 2 * abs(p[i] * t[i]) + float(gap_ref))
        assert d - bound == pytest.approx(float(gap_ref), abs=tol)
        if gap_ref > tol:
            assert bound < d

    @SECONDARY
    @given(floored_pairs(), seeds())
    def test_gan_family_is_goodfellows_value(self, pq, seed):
        # f-GAN Section 3: with T = log D the bound is E_P log D + E_Q log(1 - D) = V(D, G).
        p, q = pq
        dsc = np.random.default_rng(seed).uniform(1e-6, 1.0 - 1e-6, size=p.size)
        assert float(fgan_lower_bound(p, q, np.log(dsc), "gan")) == pytest.approx(
            float(gan_value(dsc, p, q)), abs=1e-12 * (1.0 + 14.0))   # |log D| <= 14

    @pytest.mark.parametrize("name", [n for n in FAMILY_NAMES if np.isfinite(REF_UPPER[n])])
    def test_inadmissible_critics(self, name):
        up = REF_UPPER[name]
        p, q = np.array([0.5, 0.5, 0.0]), np.array([0.0, 0.5, 0.5])
        t_star = fgan_optimal_critic(p, q, name)
        base = float(fgan_lower_bound(p, q, t_star, name))
        # above sup dom f* where q > 0: f* = +inf
        assert fgan_lower_bound(p, q, [t_star[0], up + 1.0, t_star[2]], name) == -np.inf
        # above sup dom f* where q = 0 < p: inadmissible (else p T could exceed p f'(∞))
        assert fgan_lower_bound(p, q, [up + 1.0, t_star[1], t_star[2]], name) == -np.inf
        # at sup dom f* where q = 0 < p: that is T* there, the term is p f'(∞)
        assert t_star[0] == up
        # T = -inf where p > 0
        assert fgan_lower_bound(p, q, [t_star[0], -np.inf, t_star[2]], name) == -np.inf
        # an atom with p = q = 0 does not matter, whatever T is there
        p3, q3 = np.array([0.5, 0.5, 0.0]), np.array([0.5, 0.5, 0.0])
        t3 = fgan_optimal_critic(p3, q3, name)
        assert float(fgan_lower_bound(p3, q3, [t3[0], t3[1], 1e300], name)) == float(
            fgan_lower_bound(p3, q3, t3, name))
        # p = [0.5, 0.5, 0], q = [0, 0.5, 0.5]: D_f is infinite for the two whose f(0) is
        # infinite, and the bound at T* is too
        assert base == float(fgan_divergence(p, q, name)) or base == pytest.approx(
            float(fgan_divergence(p, q, name)), rel=1e-14)

    def test_rounded_js_critic_documented(self):
        # q/p = 1e-20: T* = log 2 - log1p(1e-20) rounds to log 2, the open end of dom f*, so
        # the bound at the rounded T* is -inf while D_f is finite (fgan_optimal_critic Notes).
        p, q = np.array([1.0, 0.0]), np.array([1e-20, 1.0 - 1e-20])
        t = fgan_optimal_critic(p, q, "jensen_shannon")
        assert t[0] == LOG2
        assert fgan_lower_bound(p, q, t, "jensen_shannon") == -np.inf
        assert np.isfinite(fgan_divergence(p, q, "jensen_shannon"))

    @SECONDARY
    @given(batched_pairs(), st.sampled_from(FAMILY_NAMES))
    def test_batched_equals_rowwise(self, pq, name):
        p, q = pq
        t = np.zeros(p.shape[-1]) - 0.5           # one critic for every row: broadcasts
        np.testing.assert_allclose(fgan_lower_bound(p, q, t, name),
                                   [fgan_lower_bound(x, y, t, name) for x, y in zip(p, q)],
                                   rtol=1e-14, atol=1e-15)

    @pytest.mark.parametrize("t,match", [([0.0, np.nan], "`T`"), (0.5, "`T`"),
                                         ([0.0, 0.0, 0.0], "`T` and `p`")])
    def test_bad_critic(self, t, match):
        with pytest.raises(ValueError, match=match):
            fgan_lower_bound([0.5, 0.5], [0.5, 0.5], t, "kl")


# ============================================================================= EBGAN
class TestEbgan:
    @given(matched_pairs(), margins)
    @example((np.array([1.0, 0.0]), np.array([0.0, 1.0])), 2.0)
    def test_min_value_matches_lp_and_tv(self, pq, m):
        p, q = pq
        value = float(ebgan_min_value(p, q, margin=m))
        assert value == pytest.approx(reference_ebgan_min(p, q, m), abs=LP_ATOL * m)
        assert value == pytest.approx(m * (1.0 - float(total_variation(p, q))), abs=1e-15 * m * 8)
        assert 0.0 <= value <= m * (1 + 1e-15)

    @SECONDARY
    @given(matched_pairs(), margins, seeds())
    def test_optimal_set_attains_the_minimum_and_nothing_else(self, pq, m, seed):
        p, q = pq
        best = float(ebgan_min_value(p, q, margin=m))
        d_star = ebgan_optimal_discriminator(p, q, margin=m)
        assert float(ebgan_value(d_star, p, q, margin=m)) == pytest.approx(best, abs=1e-15 * m * 8)
        lo, hi = ebgan_optimal_discriminator_interval(p, q, margin=m)
        assert np.all((lo <= d_star) & (d_star <= hi))
        rng = np.random.default_rng(seed)
        inside = lo + rng.random((16, p.size)) * (np.minimum(hi, lo + 3 * m) - lo)
        np.testing.assert_allclose(ebgan_value(inside, p, q, margin=m), best, atol=1e-15 * m * 8)
        # leaving the interval on one atom with mass costs exactly that atom's φ increase,
        # which is > 0: above a finite upper end, or below a positive lower end
        atoms = np.flatnonzero(p + q > 0)
        i = int(atoms[rng.integers(atoms.size)])
        out = d_star.copy()
        above = np.isfinite(hi[i]) and (lo[i] == 0 or rng.random() < 0.5)
        out[i] = hi[i] + m * rng.uniform(0.1, 1.0) if above else lo[i] * rng.uniform(0.0, 0.9)
        increase = phi(p[i], q[i], out[i], m) - phi(p[i], q[i], d_star[i], m)
        got = float(ebgan_value(out, p, q, margin=m)) - float(ebgan_value(d_star, p, q, margin=m))
        assert got == pytest.approx(increase, abs=1e-14 * m * 8)
        if p[i] + q[i] > 1e-200:   # (subnormal masses may round the increase to 0)
            assert increase > 0

    @SECONDARY
    @given(matched_pairs(), margins, seeds())
    def test_value_matches_mpmath(self, pq, m, seed):
        p, q = pq
        dsc = np.random.default_rng(seed).uniform(0.0, 2.0 * m, size=p.size)
        with mpmath.workdps(50):
            ref = sum(mp(a) * mp(x) + mp(b) * max(mp(m) - mp(x), 0) for a, b, x in zip(p, q, dsc))
        assert close(float(ebgan_value(dsc, p, q, margin=m)), ref, 2 * m)

    @SECONDARY
    @given(matched_pairs(), margins, st.floats(0.0, 1.0), seeds())
    def test_theorem2_equilibria(self, pq, m, frac, seed):
        # p_g = p_data, D = γ ∈ [0, m] on the support, D >= γ off it: both regrets vanish and
        # V = m (Theorem 1); lowering one off-support energy below γ breaks it.
        p, _ = pq
        gamma = frac * m
        rng = np.random.default_rng(seed)
        dsc = np.where(p > 0, gamma, gamma + rng.uniform(0.0, m, size=p.size))
        gaps = ebgan_nash_gaps(dsc, p, p, margin=m)
        assert isinstance(gaps, EbganNashGaps)
        assert gaps.is_equilibrium(atol=1e-15 * m * 8)
        assert float(gaps.value) == pytest.approx(m, abs=1e-15 * m * 8)
        off = np.flatnonzero(p == 0)
        if off.size and gamma > 1e-300:
            lowered = dsc.copy()
            lowered[off[0]] = 0.5 * gamma
            assert float(ebgan_nash_gaps(lowered, p, p, margin=m).generator_gap) == pytest.approx(
                0.5 * gamma, rel=1e-12)

    @given(matched_pairs(), margins, st.floats(0.0, 1.0))
    def test_constant_discriminator_optimal_only_at_equilibrium(self, pq, m, frac):
        # a constant D = γ has V = m whatever G, so its regret is m - m(1 - TV) = m·TV
        p, q = pq
        gaps = ebgan_nash_gaps(np.full(p.size, frac * m), p, q, margin=m)
        tv = float(total_variation(p, q))
        assert float(gaps.value) == pytest.approx(m, abs=1e-15 * m * 8)
        assert float(gaps.discriminator_gap) == pytest.approx(m * tv, abs=1e-15 * m * 8)
        assert float(gaps.generator_gap) == pytest.approx(0.0, abs=1e-15 * m * 8)

    @SECONDARY
    @given(matched_pairs(), margins, seeds())
    def test_theorem1_no_equilibrium_unless_pg_equals_pdata(self, pq, m, seed):
        # Every discriminator best response leaves the generator a regret >= m·TV > 0: the
        # lower end of the optimal interval minimises E_pg[D] among them, and min D = 0.
        p, q = pq
        tv = float(total_variation(p, q))
        assume(tv > 1e-9)
        lo, hi = ebgan_optimal_discriminator_interval(p, q, margin=m)
        rng = np.random.default_rng(seed)
        for dsc in (lo, lo + rng.random(p.size) * (np.minimum(hi, lo + m) - lo)):
            gaps = ebgan_nash_gaps(dsc, p, q, margin=m)
            assert float(gaps.discriminator_gap) <= 1e-15 * m * 8
            assert float(gaps.generator_gap) >= m * tv * (1 - 1e-12)
            assert not gaps.is_equilibrium(atol=1e-15 * m * 8)

    def test_to_dict_and_batch(self):
        p = np.array([[0.5, 0.5], [1.0, 0.0]])
        gaps = ebgan_nash_gaps([0.2, 0.2], p, [0.5, 0.5], margin=1.0)
        assert gaps.value.shape == (2,)
        np.testing.assert_allclose(gaps.discriminator_gap, [0.0, 0.5], atol=1e-16)
        assert gaps.to_dict()["discriminator_gap"] == pytest.approx([0.0, 0.5], abs=1e-16)

    @pytest.mark.parametrize("kwargs,exc,match", [
        (dict(margin=0.0), ValueError, "`margin`"),
        (dict(margin=-1.0), ValueError, "`margin`"),
        (dict(margin=math.inf), ValueError, "`margin`"),
        (dict(margin=True), TypeError, "`margin`"),
    ])
    def test_bad_margin(self, kwargs, exc, match):
        with pytest.raises(exc, match=match):
            ebgan_min_value([0.5, 0.5], [0.5, 0.5], **kwargs)
        with pytest.raises(exc, match=match):
            ebgan_optimal_discriminator([0.5, 0.5], [0.5, 0.5], **kwargs)

    @pytest.mark.parametrize("dsc,match", [([-0.1, 0.2], "`D`"), ([np.nan, 0.2], "`D`"),
                                           (0.3, "`D`"), ([0.1, 0.2, 0.3], "`D` and `p_data`")])
    def test_bad_energies(self, dsc, match):
        with pytest.raises(ValueError, match=match):
            ebgan_value(dsc, [0.5, 0.5], [0.5, 0.5], margin=1.0)
        with pytest.raises(ValueError, match=match):
            ebgan_nash_gaps(dsc, [0.5, 0.5], [0.5, 0.5], margin=1.0)
