"""Tests for theory.gan_diagnostics against independent routes.

References: entropies (H(y) - E_x H(y|x), scipy.special.entr) and 50-digit mpmath sums for the
inception score; enumeration of all K^n draw sequences, exact rational e_n(p) (Fractions, the
product Π(1 + p_j t) expanded atom by atom) and inclusion-exclusion closed forms for the
collision probability; exact rational birthday products; brute-force permutation counts for
CycleGAN.  The two printed collision bounds are checked against exact rational collision
probabilities and 50-digit exponentials; the counterexamples are exact.
"""

import itertools
import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.special import entr

from solvers.problems.collapsed import confident_class_outputs, mass_on_support
from theory.gan_diagnostics import (
    COLLISION_BOUND_VERSIONS,
    collision_lower_bound,
    collision_probability,
    collision_probability_infimum,
    collision_probability_uniform,
    cyclegan_bijection_count,
    inception_score,
)

mpmath.mp.dps = 50

#: float64 against an exact or 50-digit reference: sums/products of <= ~100 terms of size
#: <= 30, and the tree's binomial mixtures (log2 K levels, each a sum of <= n+1 non-negative
#: terms with a few ulps each): a few hundred ulps, relative.
REL_TOL = 1e-12
#: Values that should be exactly 1 or 0 up to the rounding of sums of binomial weights.
ABS_TOL = 1e-13


def _normalize(w, axis=-1):
    return w / w.sum(axis=axis, keepdims=True)


@st.composite
def distributions(draw, *, min_size=1, max_size=6, zero_atoms=True):
    """Probability vectors with zero atoms, drawn from a Hypothesis-chosen seed."""
    K = draw(st.integers(min_size, max_size))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    w = rng.exponential(size=K)
    if zero_atoms:
        w *= rng.random(K) > draw(st.floats(0, 0.6))
    w[rng.integers(K)] += 1e-3
    return _normalize(w)


# --------------------------------------------------------------------------- exact references
def exact_no_collision(probs, n):
    """n! e_n(p) in exact rational arithmetic (floats are converted exactly)."""
    E = [Fraction(1)] + [Fraction(0)] * n
    for p in probs:
        p = Fraction(p)
        for k in range(n, 0, -1):
            E[k] += p * E[k - 1]
    return math.factorial(n) * E[n]


def exact_collision(probs, n):
    return 1 - exact_no_collision(probs, n)


def brute_force_collision(probs, n):
    """Sum of the probabilities of all K^n sequences with a repeat."""
    probs = np.asarray(probs)
    K = probs.size
    if n == 0:
        return 0.0
    seqs = np.array(list(itertools.product(range(K), repeat=n)))
    weight = np.prod(probs[seqs], axis=1)
    repeat = np.array([len(set(s)) < n for s in seqs.tolist()])
    return float(weight[repeat].sum())


def mp_bound(rho, N, M, version):
    rho = mpmath.mpf(Fraction(rho).numerator) / Fraction(rho).denominator
    if version == "iclr2018":
        return 1 - mpmath.exp(-(M * M - M) * rho**2 / (2 * N))
    return 1 - mpmath.exp(-M * M * rho / (2 * N))


def mpf(fr):
    return mpmath.mpf(fr.numerator) / fr.denominator


# --------------------------------------------------------------------------- inception score
def reference_inception_score(p, w):
    """exp(H(p_y) - Σ_x w_x H(p(y|x))), entropies by scipy.special.entr."""
    p_y = w @ p
    return np.exp(entr(p_y).sum() - w @ entr(p).sum(axis=-1))


class TestInceptionScore:
    @given(st.integers(1, 5), st.integers(1, 5), st.integers(0, 2**32 - 1), st.floats(0, 0.6))
    @settings(max_examples=60)
    def test_matches_entropy_route(self, n_x, n_y, seed, drop):
        rng = np.random.default_rng(seed)
        p = rng.exponential(size=(n_x, n_y)) * (rng.random((n_x, n_y)) > drop)
        p[np.arange(n_x), rng.integers(n_y, size=n_x)] += 1e-3
        p = _normalize(p)
        w = rng.exponential(size=n_x) * (rng.random(n_x) > drop)
        w[rng.integers(n_x)] += 1e-3
        w = _normalize(w)
        got = inception_score(p, w)
        # two float64 sums of <= 25 entropy terms, exponentiated (values <= 5)
        assert got == pytest.approx(reference_inception_score(p, w), rel=REL_TOL)
        # 1 <= IS <= min(#classes, #outputs with positive weight); rounding slack
        assert 1.0 - 1e-12 <= got <= min(n_y, np.count_nonzero(w)) * (1 + 1e-12)

    def test_mpmath_direct_formula(self):
        p = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [1 / 3, 1 / 3, 1 / 3], [0.0, 0.5, 0.5]])
        w = np.array([0.4, 0.3, 0.2, 0.1])
        pm = [[mpmath.mpf(float(v)) for v in row] for row in p]
        wm = [mpmath.mpf(float(v)) for v in w]
        p_y = [sum(wm[x] * pm[x][y] for x in range(4)) for y in range(3)]
        kl = [sum(pm[x][y] * mpmath.log(pm[x][y] / p_y[y]) for y in range(3) if pm[x][y] > 0)
              for x in range(4)]
        ref = mpmath.exp(sum(wm[x] * kl[x] for x in range(4)))
        assert inception_score(p, w) == pytest.approx(float(ref), rel=REL_TOL)

    @pytest.mark.parametrize("n_classes", [1, 2, 5, 10])
    @pytest.mark.parametrize("per_class", [1, 3, 7])
    def test_blind_spots(self, n_classes, per_class):
        # one confident output per class reaches the maximum; within-class diversity
        # (several different outputs per class) leaves the score unchanged
        p = confident_class_outputs(n_classes, per_class)
        assert inception_score(p) == pytest.approx(n_classes, rel=1e-14)
        # with confidence 0.9 the score is the same for 1 and per_class outputs per class
        soft1 = confident_class_outputs(n_classes, 1, confidence=0.9)
        softk = confident_class_outputs(n_classes, per_class, confidence=0.9)
        assert inception_score(softk) == pytest.approx(inception_score(soft1), rel=1e-14)

    def test_one_class_and_identical_rows(self):
        assert inception_score(np.tile([0.2, 0.3, 0.5], (4, 1))) == pytest.approx(1.0, abs=1e-15)
        # a collapsed generator: all mass on outputs of one class
        p = confident_class_outputs(4, 2)
        w = np.array([0.5, 0.5, 0, 0, 0, 0, 0, 0])
        assert inception_score(p, w) == pytest.approx(1.0, abs=1e-15)

    def test_zero_weight_rows_do_not_count(self):
        p = np.array([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]])
        w = np.array([0.5, 0.0, 0.5])
        assert inception_score(p, w) == pytest.approx(2.0, rel=1e-15)

    def test_batched(self):
        rng = np.random.default_rng(0)
        p = _normalize(rng.exponential(size=(2, 3, 4, 5)))
        w = _normalize(rng.exponential(size=(3, 4)))
        got = inception_score(p, w)
        assert got.shape == (2, 3)
        for i in range(2):
            for j in range(3):
                assert got[i, j] == pytest.approx(reference_inception_score(p[i, j], w[j]),
                                                  rel=REL_TOL)

    def test_errors(self):
        with pytest.raises(ValueError, match="p_y_given_x"):
            inception_score([[0.5, -0.5, 1.0]])
        with pytest.raises(ValueError, match="p_y_given_x"):
            inception_score([0.5, 0.5])
        with pytest.raises(ValueError, match="weights"):
            inception_score(np.eye(3), [0.5, 0.5])
        with pytest.raises(ValueError, match="weights"):
            inception_score(np.eye(2), [0.7, 0.7])


# --------------------------------------------------------------------------- collisions
class TestCollisionProbability:
    @given(distributions(max_size=5), st.integers(0, 5))
    @settings(max_examples=60)
    @example(np.array([1.0]), 2)
    @example(np.array([0.5, 0.5, 0.0]), 3)
    def test_brute_force_enumeration(self, p, n):
        got = collision_probability(p, n)
        # sums of <= 3125 products, float64 against float64: ~1e-15 absolute
        assert got == pytest.approx(brute_force_collision(p, n), abs=ABS_TOL)
        assert got == pytest.approx(float(exact_collision(p, n)), rel=REL_TOL, abs=ABS_TOL)

    @given(distributions(min_size=5, max_size=40), st.integers(2, 12))
    @settings(max_examples=40)
    def test_exact_rational(self, p, n):
        exact = exact_collision(p, n)
        got = collision_probability(p, n)
        assert got == pytest.approx(float(exact), rel=REL_TOL, abs=1e-300)
        # the complement keeps its relative accuracy too when it is the small one
        assert 1.0 - got == pytest.approx(float(1 - exact), rel=1e-9, abs=ABS_TOL)

    def test_small_probabilities_keep_relative_accuracy(self):
        # K = 3000 atoms of mass ~1/3000: n = 2 and 3 by inclusion-exclusion,
        # P2 = Σp², P3 = 3Σp² - 2Σp³ (sums of positive terms, ~1e-16 relative)
        rng = np.random.default_rng(1)
        p = _normalize(rng.exponential(size=3000))
        s2, s3 = np.sum(p**2), np.sum(p**3)
        assert collision_probability(p, 2) == pytest.approx(s2, rel=REL_TOL)
        assert collision_probability(p, 3) == pytest.approx(3 * s2 - 2 * s3, rel=REL_TOL)
        # a small collision probability: 10^5 equal atoms, n = 2 gives exactly 1e-5
        assert collision_probability(np.full(10**5, 1e-5), 2) == pytest.approx(1e-5, rel=REL_TOL)

    @pytest.mark.parametrize("N,n", [(365, 23), (1000, 30), (2000, 150), (64, 64), (50, 10)])
    def test_uniform_matches_birthday_formula(self, N, n):
        exact = 1 - math.prod(Fraction(N - i, N) for i in range(n))
        assert collision_probability(np.full(N, 1.0 / N), n) == pytest.approx(float(exact), rel=REL_TOL)
        assert collision_probability_uniform(N, n) == pytest.approx(float(exact), rel=REL_TOL)

    def test_pigeonhole_and_trivial_counts(self):
        p = np.array([0.25, 0.0, 0.75, 0.0])
        assert collision_probability(p, 0) == 0.0
        assert collision_probability(p, 1) == 0.0
        assert collision_probability(p, 3) == 1.0       # more draws than positive atoms
        assert collision_probability(p, 2) == pytest.approx(0.25**2 + 0.75**2, rel=1e-15)

    @given(distributions(min_size=2, max_size=8), st.integers(2, 6), st.integers(0, 2**32 - 1))
    @settings(max_examples=40)
    def test_properties(self, p, n, seed):
        rng = np.random.default_rng(seed)
        c = collision_probability(p, n)
        assert collision_probability(p[rng.permutation(p.size)], n) == pytest.approx(c, rel=REL_TOL, abs=ABS_TOL)
        assert collision_probability(p, n + 1) >= c - ABS_TOL              # more draws
        k = int(np.count_nonzero(p))
        # the uniform distribution on the support minimizes it (e_n is Schur-concave)
        assert c >= collision_probability_uniform(k, n) - ABS_TOL

    def test_negative_control_uniform_formula_is_not_general(self):
        # the birthday product on the support size is the wrong formula for unequal masses:
        # a check of collision_probability against it must fail (by far more than REL_TOL)
        p = np.array([0.7, 0.1, 0.1, 0.1])
        exact = float(exact_collision(p, 3))
        assert collision_probability(p, 3) == pytest.approx(exact, rel=REL_TOL)
        assert abs(collision_probability_uniform(4, 3) - exact) > 0.1

    def test_batched_and_extremes(self):
        rng = np.random.default_rng(2)
        P = _normalize(rng.exponential(size=(3, 2, 7)))
        got = collision_probability(P, 4)
        assert got.shape == (3, 2)
        for idx in np.ndindex(3, 2):
            assert got[idx] == pytest.approx(float(exact_collision(P[idx], 4)), rel=REL_TOL)
        tiny = np.array([1e-300, 1e-300, 1.0 - 2e-300])
        with np.errstate(divide="raise", invalid="raise", over="raise"):
            assert collision_probability(tiny, 2) == pytest.approx(1.0, abs=ABS_TOL)

    def test_errors(self):
        with pytest.raises(ValueError, match="probs"):
            collision_probability([0.5, -0.1, 0.6], 2)
        with pytest.raises(ValueError, match="probs"):
            collision_probability([0.5, 0.6], 2)
        with pytest.raises(ValueError, match="n_samples"):
            collision_probability([0.5, 0.5], -1)
        with pytest.raises(TypeError, match="n_samples"):
            collision_probability([0.5, 0.5], 2.0)
        with pytest.raises(TypeError, match="n_samples"):
            collision_probability([0.5, 0.5], True)


class TestCollisionUniform:
    def test_known_values_and_broadcast(self):
        assert collision_probability_uniform(365, 23) == pytest.approx(0.5072972343239857, rel=1e-13)
        got = collision_probability_uniform(np.array([[10], [20]]), np.arange(12))
        assert got.shape == (2, 12)
        for (i, N) in enumerate((10, 20)):
            for n in range(12):
                exact = 1 - math.prod(Fraction(N - j, N) for j in range(n))
                assert got[i, n] == pytest.approx(float(exact), rel=REL_TOL, abs=1e-300)
        assert got[0, 11] == 1.0

    def test_tiny_probability(self):
        # n = 2 from N = 10^12: exactly 1e-12 (the log1p route keeps it)
        assert collision_probability_uniform(10**12, 2) == pytest.approx(1e-12, rel=1e-12)

    def test_errors(self):
        with pytest.raises(ValueError, match="support_size"):
            collision_probability_uniform(0, 2)
        with pytest.raises(ValueError, match="n_samples"):
            collision_probability_uniform(3, -2)
        with pytest.raises(TypeError, match="support_size"):
            collision_probability_uniform(3.5, 2)


# --------------------------------------------------------------------------- the printed bounds
class TestCollisionBounds:
    def test_formulas_as_printed(self):
        for version in COLLISION_BOUND_VERSIONS:
            for rho, N, M in [(Fraction(1, 3), 5, 7), (Fraction(1), 2, 2), (Fraction(7, 10), 1, 5)]:
                got = collision_lower_bound(float(rho), N, M, version=version)
                assert got == pytest.approx(float(mp_bound(rho, N, M, version)), rel=1e-14)

    def test_survey_version_fails_for_a_fair_coin(self):
        # two draws of a fair coin: N = 2 atoms carry rho = 1; exact collision probability 1/2
        exact = exact_collision([0.5, 0.5], 2)
        assert exact == Fraction(1, 2)
        bound = mp_bound(1, 2, 2, "survey")                      # 1 - e^{-1} = 0.632...
        assert mpf(exact) < bound
        assert collision_lower_bound(1.0, 2, 2, version="survey") > collision_probability([0.5, 0.5], 2)

    @pytest.mark.parametrize("rho,L,M", [(Fraction(7, 10), 6, 5), (Fraction(1, 2), 100, 3),
                                         (Fraction(1, 2), 20, 4)])
    def test_iclr_version_fails(self, rho, L, M):
        # mass rho on one atom (N = 1) and (1 - rho)/L on L atoms; exact rational collision
        # probability against a 50-digit exponential.  The first (7 atoms) is the smallest
        # counterexample the search of solvers.tabular.birthday finds.
        p = [rho] + [(1 - rho) / L] * L
        exact = exact_collision(p, M)
        bound = mp_bound(rho, 1, M, "iclr2018")
        assert mpf(exact) < bound, (float(exact), float(bound))
        # and the float routes agree on the sign
        pf = mass_on_support(float(rho), 1, L).probs
        assert collision_lower_bound(float(rho), 1, M) > collision_probability(pf, M)

    def test_smallest_iclr_counterexample_value(self):
        p = [Fraction(7, 10)] + [Fraction(1, 20)] * 6
        assert exact_collision(p, 5) == Fraction(9919, 10000)   # exact e_5 expansion
        # 1 - e^{-4.9} = 0.99255...: the printed bound exceeds it by 6.5e-4
        gap = mp_bound(Fraction(7, 10), 1, 5, "iclr2018") - mpmath.mpf("0.9919")
        assert gap == pytest.approx(6.534169290756595e-4, rel=1e-12)

    @given(distributions(min_size=1, max_size=7), st.integers(1, 7))
    @settings(max_examples=60)
    def test_iclr_version_holds_for_two_draws(self, p, N):
        # M = 2: P(collision) = Σ p² >= Σ_S p² >= ρ²/N >= 1 - exp(-ρ²/N)
        rho = np.sort(p)[::-1][:N].sum()
        rho = min(rho, 1.0)
        assert collision_probability(p, 2) >= collision_lower_bound(rho, N, 2) - ABS_TOL

    @given(st.integers(1, 30), st.integers(0, 40), st.integers(0, 2**32 - 1))
    @settings(max_examples=60)
    def test_iclr_version_holds_at_rho_one(self, N, M, seed):
        # all mass on N atoms: P(no collision) <= Π(1 - i/N) <= exp(-(M² - M)/(2N))
        p = _normalize(np.random.default_rng(seed).exponential(size=N))
        assert collision_probability(p, M) >= collision_lower_bound(1.0, N, M) - ABS_TOL

    def test_infimum_decides_which_version_holds(self):
        rho = np.linspace(0.0, 1.0, 101)
        for N, M in [(1, 3), (2, 4), (10, 10), (50, 20)]:
            inf = collision_probability_infimum(rho, N, M)
            iclr = collision_lower_bound(rho, N, M)
            survey = collision_lower_bound(rho, N, M, version="survey")
            assert np.any(iclr > inf + 1e-6)                     # fails somewhere in (0, 1)
            assert iclr[-1] <= inf[-1] + ABS_TOL                 # holds at rho = 1
            assert np.any(survey > inf + 1e-3)
        # the survey form fails even at rho = 1 for every N >= 2 with M = 2
        N = np.arange(2, 200)
        assert np.all(collision_lower_bound(1.0, N, 2, version="survey")
                      > collision_probability_infimum(1.0, N, 2))


class TestCollisionInfimum:
    def test_closed_forms(self):
        # N = 1, M = 3: 3 rho^2 (1 - rho) + rho^3;  N = M = 2, rho = 1: 1/2
        r = np.linspace(0, 1, 11)
        assert np.allclose(collision_probability_infimum(r, 1, 3), 3 * r**2 - 2 * r**3,
                           rtol=1e-14, atol=1e-16)
        assert collision_probability_infimum(1.0, 2, 2) == pytest.approx(0.5, rel=1e-15)
        assert collision_probability_infimum(0.0, 5, 9) == 0.0

    @pytest.mark.parametrize("rho,N,M", [(0.3, 1, 3), (0.7, 4, 6), (0.5, 10, 8)])
    def test_extremal_family_converges_from_above(self, rho, N, M):
        # the thin atoms add at most C(M, 2) (1 - rho)^2 / L (expected colliding thin pairs)
        inf = collision_probability_infimum(rho, N, M)
        for L in (10, 300, 10000):
            c = collision_probability(mass_on_support(rho, N, L).probs, M)
            assert inf - ABS_TOL <= c <= inf + math.comb(M, 2) * (1 - rho) ** 2 / L + ABS_TOL

    @given(distributions(min_size=1, max_size=8), st.integers(1, 8), st.integers(0, 9))
    @settings(max_examples=80)
    def test_no_distribution_goes_below(self, p, N, M):
        rho = min(np.sort(p)[::-1][:N].sum(), 1.0)
        assert collision_probability(p, M) >= collision_probability_infimum(rho, N, M) - ABS_TOL

    def test_errors(self):
        with pytest.raises(ValueError, match="rho"):
            collision_probability_infimum(1.5, 2, 2)
        with pytest.raises(ValueError, match="rho"):
            collision_lower_bound(-0.1, 2, 2)
        with pytest.raises(ValueError, match="version"):
            collision_lower_bound(0.5, 2, 2, version="arxiv")
        with pytest.raises(ValueError, match="support_size"):
            collision_lower_bound(0.5, 0, 2)


# --------------------------------------------------------------------------- CycleGAN count
def brute_force_bijections(p_x, p_y, atol=1e-12):
    K = len(p_x)
    return sum(all(abs(p_y[s[x]] - p_x[x]) <= atol for x in range(K))
               for s in itertools.permutations(range(K)))


class TestCycleGANCount:
    @given(st.lists(st.integers(0, 3), min_size=1, max_size=7), st.integers(0, 2**32 - 1))
    @settings(max_examples=60)
    def test_against_permutations(self, levels, seed):
        # probabilities on few distinct levels (weights 0..3), so ties and zero atoms occur
        w = np.array(levels, dtype=float)
        w[0] = max(w[0], 1.0)          # at least one positive atom
        p_x = w / w.sum()
        p_y = p_x[np.random.default_rng(seed).permutation(p_x.size)]
        count = cyclegan_bijection_count(p_x, p_y)
        assert count == brute_force_bijections(p_x, p_y)
        _, mult = np.unique(w, return_counts=True)
        assert count == math.prod(math.factorial(int(m)) for m in mult)

    def test_mismatch(self):
        assert cyclegan_bijection_count([0.5, 0.5], [0.6, 0.4]) == 0
        assert cyclegan_bijection_count([0.5, 0.5], [0.5, 0.5, 0.0]) == 0
        assert cyclegan_bijection_count(np.full(6, 1 / 6), np.full(6, 1 / 6)) == 720

    def test_errors(self):
        with pytest.raises(ValueError, match="p_x"):
            cyclegan_bijection_count([0.5, 0.6], [0.5, 0.5])
        with pytest.raises(ValueError, match="p_y"):
            cyclegan_bijection_count([0.5, 0.5], [[0.5, 0.5]])
        with pytest.raises(ValueError, match="atol"):
            cyclegan_bijection_count([0.5, 0.5], [0.5, 0.5], atol=-1.0)
