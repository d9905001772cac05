"""The LSGAN / f-GAN / EBGAN / WGAN solvers against closed forms they never call.

Independent references: theory.gan_objectives (LSGAN D* and C(G), f-GAN divergences, critics
and lower bounds, EBGAN values and optimal sets), theory.wgan (KR critic, clipped distance,
WGAN-GP penalized optimum), theory.divergences (χ², W1 by quantiles, total variation),
theory.optimal_transport (the primal transport LP), theory.gan (Goodfellow's C(G)), and
hand-written second derivatives f'' (``reference_*``) for the tolerances.  Finite
differences (Richardson pairs) check the generator gradients (envelope theorem).
"""

import json

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.special import softmax

from solvers.problems import named_pairs
from solvers.problems.strategies import full_support_vectors, matched_pairs
from solvers.tabular.fgan_critics import (
    FGAN_FAMILIES,
    fgan_activation,
    fgan_critic,
    train_fgan,
    train_fgan_generator,
)
from solvers.tabular.gan_objectives import (
    CRITIC_METHODS,
    ebgan_discriminator,
    lsgan_discriminator,
    train_ebgan_generator,
    train_lsgan_generator,
)
from solvers.tabular.wgan_critics import (
    clipped_linear_critic,
    interpolate_cell_masses,
    train_wgan_generator,
    wgan_critic,
    wgan_gp_critic,
)
from tests.tolerances import LP_ATOL
from theory.divergences import pearson_chi2, total_variation, wasserstein_1d
from theory.gan import optimal_discriminator, optimal_gan_value
from theory.gan_objectives import (
    FGAN_FAMILIES as THEORY_FAMILIES,
    ebgan_min_value,
    ebgan_optimal_discriminator,
    ebgan_optimal_discriminator_interval,
    ebgan_value,
    fgan_divergence,
    fgan_lower_bound,
    fgan_optimal_critic,
    lsgan_criterion,
    lsgan_optimal_discriminator,
)
from theory.optimal_transport import wasserstein_discrete
from theory.wgan import (
    clipped_linear_critic_distance,
    kantorovich_rubinstein_critic,
    weight_clipping_counterexample,
    wgan_gp_optimal_critic_1d,
    wgan_gp_penalized_value_1d,
)

EPS = np.finfo(float).eps

#: LSGAN: the solver stops when |π(D − b) + (1 − π)(D − a)| <= tol (+ twice the change one
#: spacing of doubles in D makes); the normalized loss has unit curvature, so that residual
#: is |D − D*| exactly.  On top: rounding of the residual and of the closed form
#: a + (b − a) p/(p + q), a few ulps of max(|a|, |b|) <= 10 each (~1e-14).
LSGAN_TOL = 1e-12
LSGAN_D_ATOL = LSGAN_TOL + 1e-13

#: f-GAN: on an atom with p, q > 0 the solver stops when the density ratio implied by its
#: critic, r = (f*)'(T), satisfies |(q/p) r − 1| <= tol + 2 floor, the floor being the
#: change of (q/p) r caused by one spacing of doubles in V: |d log r/dV| spacing(V) (q/p) r.
#: With the ratios drawn here (p/q in [1e-3, 1e3], |V*| < 2e3) the floor is at most
#: ½ (q/p) spacing(2) ≈ 2.2e-13 (Pearson at the smallest ratio); 1e-12 covers it and the
#: rounding of r (a few ulps).
FGAN_TOL = 1e-10
FGAN_RATIO_RTOL = FGAN_TOL + 1e-12

#: Zero atoms where the supremum is a limit (|V| -> inf): the box |V| <= 350 leaves at most
#: e^-350 ≈ 1e-152 of a finite supremum; rounding of Σ over <= 8 terms of size <= 2 log 2 + 2.
FGAN_LIMIT_ATOL = 1e-13

#: EBGAN and the WGAN LPs: HiGHS' feasibility tolerances are 1e-10 on problems scaled to
#: O(1); a wrong vertex can cost at most that much per atom.  tests.tolerances.LP_ATOL
#: (1e-8) is the repository's LP level; the EBGAN value is scaled by the margin and the
#: critic values by the spread of the points.

#: WGAN-GP: the solver certifies value_gap_bound (exact distance to the maximum on its
#: sign pattern, and the sign pattern is certified optimal) below tol = 1e-12; the closed
#: form and the solver's objective each carry rounding of sums of n <= 12 terms of size
#: <= W1 + penalty <= ~50: 1e-12 covers both.
GP_TOL = 1e-12
GP_VALUE_ATOL = GP_TOL + 1e-12


# ---------------------------------------------------------------------------- strategies
@st.composite
def pairs_with_zeros(draw, min_size=2, max_size=6, low=1e-3):
    """Matched (p, q) with zero atoms and non-zero atoms at least ``low``/size before
    normalization, so every density ratio lies in [low, 1/low] (inside the solvers' boxes)."""
    n = draw(st.integers(min_size, max_size))
    weights = st.one_of(st.just(0.0), st.floats(low, 1.0))
    vec = hnp.arrays(np.float64, n, elements=weights).filter(lambda w: w.sum() > 0)
    p, q = draw(vec), draw(vec)
    return p / p.sum(), q / q.sum()


def moderate_pairs(min_size=2, max_size=6):
    """Full-support pairs with every atom >= 1e-3/size: p/q within [1e-3, 1e3]."""
    return st.integers(min_size, max_size).flatmap(
        lambda n: st.tuples(
            full_support_vectors(n, min_prob=1e-3 / n), full_support_vectors(n, min_prob=1e-3 / n)
        )
    )


labels = st.floats(-10.0, 10.0)
families = st.sampled_from(FGAN_FAMILIES)


# ---------------------------------------------------------------------------- references
def reference_f_second_derivative(u, family):
    """f''(u) of Nowozin et al.'s Table 1, differentiated by hand (decreasing in u > 0)."""
    u = np.asarray(u, dtype=float)
    return {
        "kl": lambda: 1.0 / u,
        "reverse_kl": lambda: 1.0 / u**2,
        "pearson_chi2": lambda: np.full_like(u, 2.0),
        "neyman_chi2": lambda: 2.0 / u**3,
        "squared_hellinger": lambda: 0.5 * u**-1.5,
        "jensen_shannon": lambda: 1.0 / (u * (1.0 + u)),
        "gan": lambda: 1.0 / (u * (1.0 + u)),
    }[family]()


def rounding_scale(p, q, family):
    """M = Σ p |T*| + q |f*(T*)| over atoms with p, q > 0, plus 2: the size of the terms of
    the bound at its maximizer, which sets the rounding of the sums (one-sided atoms add
    terms of size <= 2: p f'(∞) or q f(0) of the bounded families)."""
    both = (p > 0) & (q > 0)
    if not both.any():
        return 2.0
    t_star = fgan_optimal_critic(p[both], q[both], family)
    conj = THEORY_FAMILIES[family].conjugate(t_star)
    return float(p[both] @ np.abs(t_star) + q[both] @ np.abs(conj)) + 2.0


def reference_lsgan_wrong_labels(p, q, a, b):
    """Negative control: D* with the labels swapped (b p + a q written as a p + b q)."""
    return (a * p + b * q) / (p + q)


def reference_fd_gradient(fun, theta, h):
    """Central differences of fun at theta with step h, one coordinate at a time."""
    eye = np.eye(theta.shape[0])
    return np.array([(fun(theta + h * e) - fun(theta - h * e)) / (2 * h) for e in eye])


def fd_with_error(fun, theta, h=1e-4):
    """Central differences at h/2 and their error bound: the truncation error of the
    central difference is c h² + O(h⁴), so |D(h) − D(h/2)| = ¾ c h² estimates 3× the
    error at h/2; doubled for the O(h⁴) remainder, plus rounding eps |fun| / (h/2) per
    evaluation pair."""
    d1 = reference_fd_gradient(fun, theta, h)
    d2 = reference_fd_gradient(fun, theta, h / 2)
    rounding = 8 * EPS * (1.0 + abs(fun(theta))) / (h / 2)
    return d2, 2.0 * np.abs(d1 - d2) + rounding


# ---------------------------------------------------------------------------- LSGAN
class TestLSGAN:
    @settings(max_examples=30)
    @given(pq=matched_pairs(), a=labels, b=labels, method=st.sampled_from(CRITIC_METHODS))
    @example(pq=(np.array([1.0, 0.0]), np.array([0.0, 1.0])), a=-1.0, b=1.0, method="newton")
    @example(pq=(np.array([0.5, 0.0, 0.5]), np.array([0.5, 0.0, 0.5])), a=0.0, b=1.0,
             method="gradient")
    def test_discriminator_matches_closed_form(self, pq, a, b, method):
        p, q = pq
        res = lsgan_discriminator(p, q, a=a, b=b, tol=LSGAN_TOL, method=method)
        assert res.converged
        active = p + q > 0
        expected = lsgan_optimal_discriminator(p, q, a=a, b=b)
        np.testing.assert_allclose(res.d[active], expected[active], rtol=0, atol=LSGAN_D_ATOL)
        assert np.all(res.d[~active] == 0.0)  # the start d0 = 0, untouched where p = q = 0

    def test_negative_control_swapped_labels_is_detected(self):
        p, q = np.array([0.1, 0.2, 0.3, 0.4]), np.array([0.4, 0.3, 0.2, 0.1])
        res = lsgan_discriminator(p, q, a=-1.0, b=1.0)
        wrong = reference_lsgan_wrong_labels(p, q, -1.0, 1.0)
        assert np.max(np.abs(res.d - wrong)) > 1e3 * LSGAN_D_ATOL

    @settings(max_examples=30)
    @given(pq=matched_pairs(), a=labels, b=labels, c=labels)
    def test_criterion_at_the_optimized_discriminator(self, pq, a, b, c):
        p, q = pq
        d = lsgan_discriminator(p, q, a=a, b=b, tol=LSGAN_TOL).d
        crit = 0.5 * (p + q) @ (d - c) ** 2
        expected = float(lsgan_criterion(p, q, a=a, b=b, c=c))
        # |∂C/∂D_i| = (p_i + q_i)|D_i − c|, times the D error; plus rounding of both sums
        # (terms <= (|a| + |b| + |c|)² <= 900).
        atol = ((p + q) @ np.abs(d - c)) * LSGAN_D_ATOL + 1e-12 * (1.0 + expected)
        assert crit == pytest.approx(expected, rel=0, abs=atol)

    @settings(max_examples=30)
    @given(pq=matched_pairs())
    def test_criterion_is_a_pearson_chi2_when_b_minus_c_is_1_and_b_minus_a_is_2(self, pq):
        # Mao et al. (2017), Section 3.2.2: 2C(G) = ∫ (2p_g − (p_d + p_g))²/(p_d + p_g); in
        # the convention χ²(P‖Q) = Σ (P − Q)²/Q this is C = χ²(p_g ‖ (p_d + p_g)/2).
        p, q = pq
        d = lsgan_discriminator(p, q, a=-1.0, b=1.0, tol=LSGAN_TOL).d
        crit = 0.5 * (p + q) @ d**2
        expected = float(pearson_chi2(q, 0.5 * (p + q)))
        atol = ((p + q) @ np.abs(d)) * LSGAN_D_ATOL + 1e-13
        assert crit == pytest.approx(expected, rel=0, abs=atol)

    def test_generator_gradient_matches_finite_differences(self):
        p = np.array([0.1, 0.2, 0.3, 0.4])
        theta0 = np.array([0.3, -0.2, 0.1, 0.0])
        run = train_lsgan_generator(p, theta0, a=0.0, b=1.0, c=1.0, lr=1.0, n_steps=1)
        d = run.d[0]
        grad = theta0 - run.theta[1]  # lr = 1

        def loss(theta):  # ½ Σ softmax(θ) (D − c)² with D frozen (Mao et al., eq. (2))
            return 0.5 * softmax(theta) @ (d - 1.0) ** 2

        fd, err = fd_with_error(loss, theta0)
        np.testing.assert_allclose(grad, fd, rtol=0, atol=err.max() + 1e-15)

    def test_generator_converges_with_the_01_coding(self):
        # a = 0, b = c = 1: costs ½ (q/(p + q))², a first-order pull towards p_data.
        # Declared level: 1500 steps of lr 1 bring q within 1e-9 of p_data (measured 8e-12).
        p = np.array([0.1, 0.2, 0.3, 0.4])
        run = train_lsgan_generator(p, np.zeros(4), a=0.0, b=1.0, c=1.0, lr=1.0, n_steps=1500)
        assert run.converged
        assert np.max(np.abs(run.q[-1] - p)) < 1e-9

    def test_minus_one_one_zero_coding_drifts_away_from_p_data(self):
        # With a = −1, b = 1, c = 0 (Mao et al.'s χ² setting) the generator's frozen-D loss
        # ½ Σ q D*² penalizes atoms where p_data > p_g as much as those where p_g > p_data, so
        # descent against the best response need not decrease C(G): from uniform q, 2000
        # steps drop the heaviest data atom (q = 9e-4 there, p = 0.4) and C(G) rises from
        # 0.0545 to 0.248 (its maximum is 1).  Measured, deterministic; C(G) by the closed
        # form.  The 0-1 coding converges from the same start (test above).
        p = np.array([0.1, 0.2, 0.3, 0.4])
        run = train_lsgan_generator(p, np.zeros(4), a=-1.0, b=1.0, c=0.0, lr=1.0, n_steps=2000)
        c_start = float(lsgan_criterion(p, run.q[0], a=-1.0, b=1.0, c=0.0))
        c_end = float(lsgan_criterion(p, run.q[-1], a=-1.0, b=1.0, c=0.0))
        assert c_end > 4 * c_start
        assert run.q[-1][3] < 0.1 * p[3]

    @pytest.mark.parametrize("labels, order", [((0.0, 1.0, 1.0), 1), ((-1.0, 1.0, 0.0), 2)])
    def test_restoring_force_order_at_the_equilibrium(self, labels, order):
        # At q = p_data + ε u the best-response generator gradient is O(ε) for the 0-1 coding
        # but O(ε²) for a = −1, b = 1, c = 0 (the cost ½ ((p − q)/(p + q))² is second order):
        # halving ε divides the gradient by 2^order, up to O(ε) corrections (ε = 1e-3, ratio
        # within 2^order (1 ± 0.05)).
        a, b, c = labels
        p = np.array([0.1, 0.2, 0.3, 0.4])
        u = np.array([1.0, -2.0, 0.5, 0.5])

        def grad_norm(eps):
            theta = np.log(p) + eps * u
            run = train_lsgan_generator(p, theta, a=a, b=b, c=c, lr=1.0, n_steps=1)
            return np.linalg.norm(run.theta[0] - run.theta[1])

        ratio = grad_norm(1e-3) / grad_norm(5e-4)
        assert ratio == pytest.approx(2.0**order, rel=0.05)


# ---------------------------------------------------------------------------- f-GAN
class TestFGAN:
    @settings(max_examples=25)
    @given(pq=moderate_pairs(), family=families, method=st.sampled_from(CRITIC_METHODS))
    def test_critic_matches_f_prime_of_the_ratio(self, pq, family, method):
        p, q = pq
        res = fgan_critic(p, q, family=family, tol=FGAN_TOL, method=method, max_iter=500)
        assert res.converged and not res.at_bound.any()
        t_star = fgan_optimal_critic(p, q, family)
        # T = f'(r_solver) with r_solver within a relative FGAN_RATIO_RTOL of r = p/q; f''
        # decreases, so |T − T*| <= r ρ f''(r (1 − ρ)); plus a few ulps of T and T*.
        r, rho = p / q, FGAN_RATIO_RTOL
        atol = r * rho * reference_f_second_derivative(r * (1 - rho), family)
        atol += 8 * EPS * (1.0 + np.abs(t_star))
        assert np.all(np.abs(res.t - t_star) <= atol)

    @settings(max_examples=25)
    @given(pq=moderate_pairs(), family=families)
    def test_optimized_bound_equals_the_divergence(self, pq, family):
        p, q = pq
        res = fgan_critic(p, q, family=family, tol=FGAN_TOL)
        d_f = float(fgan_divergence(p, q, family))
        # The shortfall Σ q [f*(T) − f*(T*) − r (T − T*)] <= Σ q |r_T − r| |T − T*|, with
        # |r_T − r| <= r ρ and |T − T*| from the critic test; plus rounding of the two sums
        # of terms of size M = Σ p |T*| + q |f*(T*)|.
        r, rho = p / q, FGAN_RATIO_RTOL
        dt = r * rho * reference_f_second_derivative(r * (1 - rho), family)
        t_star = fgan_optimal_critic(p, q, family)
        m = rounding_scale(p, q, family)
        atol = q @ (r * rho * dt) + 32 * EPS * (1.0 + m)
        assert res.value <= d_f + atol
        assert res.value == pytest.approx(d_f, rel=0, abs=atol)
        # the same bound evaluated by the closed-form conjugate at the solver's T
        assert res.value == pytest.approx(
            float(fgan_lower_bound(p, q, res.t, family)), rel=0, abs=32 * EPS * (1.0 + m)
        )

    @settings(max_examples=25)
    @given(pq=moderate_pairs())
    def test_gan_family_is_goodfellows_criterion(self, pq):
        p, q = pq
        res = fgan_critic(p, q, family="gan", tol=FGAN_TOL)
        # Goodfellow's C(G) = −log 4 + 2 JSD; terms of size <= log(1e3 + 1) + ...: 1e-12
        # covers the second-order shortfall (~ρ² = 1e-20) and rounding.
        assert res.value == pytest.approx(float(optimal_gan_value(p, q)), rel=0, abs=1e-12)
        # T = log D with D = r/(1 + r) at the implied ratio: |ΔD| <= r ρ/(1 + r)² (dD/dr),
        # plus a few ulps of D and of log/exp.
        r = p / q
        atol = r * FGAN_RATIO_RTOL / (1 + r) ** 2 + 8 * EPS
        assert np.all(np.abs(np.exp(res.t) - optimal_discriminator(p, q)) <= atol)

    @settings(max_examples=25)
    @given(pq=pairs_with_zeros(), family=families)
    @example(pq=(np.array([0.5, 0.5, 0.0]), np.array([0.0, 0.5, 0.5])), family="pearson_chi2")
    def test_zero_atoms_finite_divergence_or_boundary(self, pq, family):
        p, q = pq
        res = fgan_critic(p, q, family=family, tol=FGAN_TOL)
        assert res.converged
        d_f = float(fgan_divergence(p, q, family))
        one_sided = (p > 0) != (q > 0)
        if np.isfinite(d_f):
            # finite suprema of one-sided atoms are reached at the box up to e^-350; the
            # interior atoms as in the full-support test (ratios in [1e-3, 1e3]: shortfall
            # <= Σ p ρ |ΔT| ~ 1e-18); rounding of the sums of terms of size M.
            atol = FGAN_LIMIT_ATOL + 32 * EPS * rounding_scale(p, q, family)
            assert res.value == pytest.approx(d_f, rel=0, abs=atol)
        else:
            # D_f = +inf: some one-sided atom's supremum is +inf, approached on the box
            assert res.at_bound[one_sided].any()
        # interior atoms never end on the box for these ratios
        assert not res.at_bound[(p > 0) & (q > 0)].any()

    @pytest.mark.parametrize("name", list(named_pairs()))
    @pytest.mark.parametrize("family", ["jensen_shannon", "gan", "squared_hellinger"])
    def test_named_edge_cases_bounded_families(self, name, family):
        # Bounded divergences: the optimized bound reaches D_f on every edge case,
        # including disjoint supports, one-hot against uniform and 1e-300 atoms.  An
        # interior atom's shortfall is <= p ρ |ΔT| with |ΔT| <= r ρ f''(r (1 − ρ)), below
        # ρ |T| <= 1e-10 · 700 here; 1e-13 of FGAN_LIMIT_ATOL covers the p-weighted sum.
        p, q = named_pairs()[name]
        res = fgan_critic(p, q, family=family, tol=FGAN_TOL)
        assert res.converged
        expected = float(fgan_divergence(p, q, family))
        atol = FGAN_LIMIT_ATOL + 32 * EPS * rounding_scale(p, q, family)
        assert res.value == pytest.approx(expected, rel=0, abs=atol)

    def test_negative_control_swapped_ratio_is_detected(self):
        p, q = np.array([0.1, 0.2, 0.3, 0.4]), np.array([0.4, 0.3, 0.2, 0.1])
        res = fgan_critic(p, q, family="kl", tol=FGAN_TOL)
        wrong = fgan_optimal_critic(q, p, "kl")  # f'(q/p): the ratio the wrong way up
        assert np.max(np.abs(res.t - wrong)) > 1.0

    def test_activation_maps_into_dom_f_star(self):
        v = np.linspace(-30, 30, 61)
        for family in FGAN_FAMILIES:
            t = fgan_activation(v, family)
            np.testing.assert_allclose(
                t, THEORY_FAMILIES[family].activation(v), rtol=1e-15, atol=1e-15
            )
            assert np.all(t <= THEORY_FAMILIES[family].domain_upper)

    @pytest.mark.parametrize("family", FGAN_FAMILIES)
    def test_generator_step_is_the_gradient_of_the_divergence(self, family):
        # Envelope theorem: with the best-response critic the minimax generator step is
        # −lr ∇_θ D_f(P ‖ softmax θ).  D_f by the closed form, differentiated numerically.
        p = np.array([0.15, 0.25, 0.35, 0.25])
        theta0 = np.array([0.2, -0.3, 0.1, 0.4])
        run = train_fgan_generator(p, theta0, family=family, lr=1.0, n_steps=1, tol=FGAN_TOL)
        grad = theta0 - run.theta[1]
        fd, err = fd_with_error(lambda t: float(fgan_divergence(p, softmax(t), family)), theta0)
        # the critic's ratio error ρ moves each cost by <= |φ'(V)| |ΔV| ~ ρ |T|: 1e-9
        np.testing.assert_allclose(grad, fd, rtol=0, atol=err.max() + 1e-9)

    @pytest.mark.parametrize("family", FGAN_FAMILIES)
    def test_algorithm_1_converges_locally(self, family):
        # Nowozin et al. (2016), Theorem 1: the single-step method converges locally to the
        # saddle point (q = p, T = f'(1)).  Declared level: from a 0.1 logit perturbation,
        # 3000 simultaneous steps of 0.5 bring q within 1e-10 of p (measured <= 1e-15).
        p = np.array([0.1, 0.2, 0.3, 0.4])
        v_eq = fgan_critic(p, p, family=family, tol=FGAN_TOL).v
        theta0 = np.log(p) + np.array([0.1, -0.1, 0.05, 0.0])
        run = train_fgan(p, family=family, theta0=theta0, v0=v_eq, lr_g=0.5, lr_d=0.5,
                         n_steps=3000)
        assert np.max(np.abs(run.q[-1] - p)) < 1e-10
        np.testing.assert_allclose(
            fgan_activation(run.v[-1], family), fgan_optimal_critic(p, p, family), atol=1e-9
        )


# ---------------------------------------------------------------------------- EBGAN
class TestEBGAN:
    @settings(max_examples=30)
    @given(pq=matched_pairs(), margin=st.floats(0.1, 10.0))
    @example(pq=(np.array([0.3, 0.7]), np.array([0.3, 0.7])), margin=1.0)
    @example(pq=(np.array([1.0, 0.0]), np.array([0.0, 1.0])), margin=2.0)
    def test_lp_matches_lemma_1(self, pq, margin):
        p, q = pq
        res = ebgan_discriminator(p, q, margin=margin)
        atol = LP_ATOL * margin
        assert res.value == pytest.approx(float(ebgan_min_value(p, q, margin=margin)), abs=atol)
        assert res.value == pytest.approx(float(ebgan_value(res.d, p, q, margin=margin)),
                                          abs=1e-14 * margin)
        lo, hi = ebgan_optimal_discriminator_interval(p, q, margin=margin)
        # every atom carrying mass more than the LP's tolerance must be in the optimal set
        clear = np.abs(p - q) > LP_ATOL
        assert np.all(res.d[clear] >= lo[clear] - atol)
        assert np.all(res.d[clear] <= hi[clear] + atol)
        assert np.all((res.d >= -atol) & (res.d <= margin + atol))  # D > m is never chosen

    def test_negative_control_flipped_indicator_is_detected(self):
        p, q = np.array([0.1, 0.2, 0.3, 0.4]), np.array([0.4, 0.3, 0.2, 0.1])
        res = ebgan_discriminator(p, q, margin=1.0)
        wrong = np.where(p > q, 1.0, 0.0)  # m where p_data > p_g: Lemma 1 upside down
        assert float(ebgan_value(wrong, p, q, margin=1.0)) - res.value > 1e3 * LP_ATOL

    @settings(max_examples=25)
    @given(pq=matched_pairs(), gamma=st.floats(0.0, 1.0))
    @example(pq=(np.array([0.2, 0.8]), np.array([0.2, 0.8])), gamma=0.5)
    def test_constant_discriminator_is_optimal_only_at_equilibrium(self, pq, gamma):
        # Zhao et al. (2017), Theorems 1-2: a constant D = γ ∈ [0, m] has V = m; the LP's
        # minimum is m (1 − TV), so the constant is optimal iff TV = 0 (p_g = p_data).
        p, q = pq
        m = 1.0
        res = ebgan_discriminator(p, q, margin=m)
        excess = float(ebgan_value(np.full_like(p, gamma * m), p, q, margin=m)) - res.value
        assert excess == pytest.approx(m * float(total_variation(p, q)), abs=LP_ATOL)

    def test_generator_descends_its_loss_at_each_step(self):
        # U(θ) = Σ softmax(θ) D with D frozen has Hessian norm <= 3 max|D − q·D| <= 3m, so a
        # step lr <= 1/(3m) decreases U by >= (lr/2)‖∇U‖² (descent lemma).
        p = np.array([0.1, 0.2, 0.3, 0.4])
        m, lr = 1.0, 0.25
        run = train_ebgan_generator(p, np.zeros(4), margin=m, lr=lr, n_steps=50)
        for t in range(50):
            q0, q1, d = run.q[t], run.q[t + 1], run.d[t]
            grad = q0 * (d - q0 @ d)
            assert q1 @ d <= q0 @ d - 0.5 * lr * grad @ grad + 1e-15
        assert run.discriminator_value[0] == pytest.approx(
            float(ebgan_min_value(p, run.q[0], margin=m)), abs=LP_ATOL
        )

    def test_lemma_1_vertex_where_densities_differ(self):
        p, q = np.array([0.5, 0.3, 0.2, 0.0]), np.array([0.2, 0.3, 0.5, 0.0])
        res = ebgan_discriminator(p, q, margin=2.0)
        expected = ebgan_optimal_discriminator(p, q, margin=2.0)
        np.testing.assert_allclose(res.d[[0, 2]], expected[[0, 2]], atol=2 * LP_ATOL)


# ---------------------------------------------------------------------------- WGAN
@st.composite
def grid_problems(draw, min_size=2, max_size=10, zero_atoms=True):
    n = draw(st.integers(min_size, max_size))
    gaps = draw(hnp.arrays(np.float64, n, elements=st.floats(0.05, 2.0)))
    x = np.cumsum(gaps) - 3.0
    perm = draw(st.permutations(range(n)))
    p, q = draw(matched_pairs(n, zero_atoms=zero_atoms))
    return x[list(perm)], p, q


class TestWGAN:
    @settings(max_examples=30)
    @given(prob=grid_problems())
    def test_lp_critic_is_w1_on_the_line(self, prob):
        x, p, q = prob
        res = wgan_critic(p, q, x)
        spread = np.ptp(x)
        assert res.constraints == "neighbors"
        assert res.value == pytest.approx(wasserstein_1d(x, x, p, q), abs=LP_ATOL * spread)
        cost = np.abs(x[:, None] - x[None, :])
        assert res.value == pytest.approx(wasserstein_discrete(p, q, cost).value,
                                          abs=LP_ATOL * spread)
        # the neighbor constraints imply every pairwise one (telescoping, see docstring)
        assert np.all(np.abs(res.f[:, None] - res.f[None, :]) <= cost + LP_ATOL * spread)

    @settings(max_examples=20)
    @given(n=st.integers(2, 7), data=st.data())
    def test_lp_critic_in_two_dimensions(self, n, data):
        x = data.draw(hnp.arrays(np.float64, (n, 2), elements=st.floats(-3.0, 3.0)))
        p, q = data.draw(matched_pairs(n))
        cost = np.linalg.norm(x[:, None] - x[None, :], axis=-1)
        spread = max(float(cost.max()), 1.0)
        res = wgan_critic(p, q, x)
        assert res.constraints == "all_pairs"
        assert res.value == pytest.approx(wasserstein_discrete(p, q, cost).value,
                                          abs=LP_ATOL * spread)
        assert res.value == pytest.approx(kantorovich_rubinstein_critic(p, q, x).w1,
                                          abs=LP_ATOL * spread)
        assert np.all(np.abs(res.f[:, None] - res.f[None, :]) <= cost + LP_ATOL * spread)

    @settings(max_examples=25)
    @given(n=st.integers(1, 6), d=st.integers(1, 3), data=st.data(),
           clip=st.floats(1e-3, 1.0))
    def test_clipped_linear_critic(self, n, d, data, clip):
        x = data.draw(hnp.arrays(np.float64, (n, d), elements=st.floats(-3.0, 3.0)))
        p, q = data.draw(matched_pairs(n, min_size=1))
        res = clipped_linear_critic(p, q, x, clip=clip)
        expected = float(clipped_linear_critic_distance(p, q, x, clip=clip))
        assert np.all(np.abs(res.w) <= clip * (1 + 1e-9))
        assert res.value == pytest.approx(expected, abs=LP_ATOL * clip * (1 + np.abs(x).max()))

    def test_clipping_is_not_proportional_to_w1(self):
        # Arjovsky et al. (2017), eq. (3): the clipped family gives K · W only if it contains
        # an optimal critic.  Two pairs with W1 = 1: the clipped linear critic gives 0 and c.
        ce = weight_clipping_counterexample(clip=0.01)
        w1 = [wgan_critic(p, q, ce.points).value for p, q in zip(ce.p, ce.q)]
        clipped = [clipped_linear_critic(p, q, ce.points, clip=0.01).value
                   for p, q in zip(ce.p, ce.q)]
        np.testing.assert_allclose(w1, ce.w1, atol=LP_ATOL)
        np.testing.assert_allclose(clipped, ce.clipped, atol=LP_ATOL * 0.01)
        assert clipped[0] / w1[0] < 0.5 * clipped[1] / w1[1]

    @settings(max_examples=25)
    @given(prob=grid_problems(max_size=8), lam=st.floats(0.1, 100.0))
    def test_gp_critic_matches_the_penalized_closed_form(self, prob, lam):
        x, p, q = prob
        res = wgan_gp_critic(p, q, x, penalty_weight=lam, tol=GP_TOL)
        assert res.converged and res.signs_optimal and res.value_gap_bound <= GP_TOL
        exact = wgan_gp_optimal_critic_1d(x, x, p, q, penalty_weight=lam)
        assert res.value == pytest.approx(exact.value, rel=1e-12, abs=GP_VALUE_ATOL)
        assert res.value == pytest.approx(
            wgan_gp_penalized_value_1d(x, x, p, q, penalty_weight=lam), rel=1e-12,
            abs=GP_VALUE_ATOL)
        # cell masses of the interpolates: the same sums, computed two ways
        np.testing.assert_allclose(res.cell_masses, exact.mass, rtol=1e-12, atol=1e-15)
        # slopes where the closed form's cells are the solver's cells (every grid point is an
        # atom of p or q) and the penalty pins them (mass > 0): on the sign pattern the
        # objective is −λ W_k (s − s*)² per cell, so |s − s*| <= sqrt(gap / (λ W_k)).
        if exact.breakpoints.shape == res.x.shape:
            pinned = (exact.mass > 1e-8) & (exact.delta != 0)  # Δ = 0: both signs optimal
            bound = np.sqrt(res.value_gap_bound / (lam * exact.mass[pinned])) + 1e-9 * (
                1 + np.abs(exact.slope[pinned]))
            assert np.all(np.abs(res.slopes[pinned] - exact.slope[pinned]) <= bound)

    def test_gp_gap_falls_like_one_over_lambda(self):
        # value − W1 = C/λ (Gulrajani et al.'s penalty on the line): the solver's gaps at
        # λ = 1 and 10 differ by the factor 10 up to the certificates and rounding.
        x = np.array([0.0, 0.5, 1.5, 2.0])
        p, q = np.array([0.5, 0.5, 0.0, 0.0]), np.array([0.0, 0.2, 0.3, 0.5])
        w1 = wasserstein_1d(x, x, p, q)
        gaps = [wgan_gp_critic(p, q, x, penalty_weight=lam).value - w1 for lam in (1.0, 10.0)]
        assert gaps[0] > 0
        assert gaps[0] == pytest.approx(10 * gaps[1], rel=1e-10)

    def test_interpolate_cell_masses_two_point_masses(self):
        # p = δ_0, q = δ_2 on the grid (0, 1, 2): x̂ is uniform on [0, 2], ½ per cell
        np.testing.assert_allclose(
            interpolate_cell_masses([1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 2.0]),
            [0.5, 0.5], rtol=1e-15)

    def test_generator_step_is_the_gradient_of_w1(self):
        # Envelope theorem (Arjovsky et al., Theorem 3): with the optimal critic the step
        # θ ← θ + lr q (f − q·f) is −lr ∇_θ W1(p, softmax θ); W1 by quantiles, differentiated
        # numerically.  The logits keep every F_q − F_p away from 0 (no kink within the
        # differences), where the critic's slopes ±1 are unique.
        x, p, theta0 = self.GEN_X, self.GEN_P, self.GEN_THETA
        assert np.min(np.abs(np.cumsum(softmax(theta0) - p)[:-1])) > 1e-2
        run = train_wgan_generator(p, x, theta0, lr=1.0, n_steps=1, critic="kr")
        fd, err = fd_with_error(lambda t: wasserstein_1d(x, x, p, softmax(t)), theta0)
        # the LP critic's values are exact up to LP_ATOL (times the spread, ~3)
        np.testing.assert_allclose(theta0 - run.theta[1], fd, rtol=0, atol=err.max() + 3 * LP_ATOL)

    def test_gp_generator_step_ignores_the_penalty(self):
        # Gulrajani et al. (2017), Algorithm 1: the generator descends −E[D(G(z))] with the
        # critic fixed.  The interpolates depend on the generator too, so this is not the
        # gradient of the penalized value (no envelope theorem): the step matches −E_q f with
        # f frozen, and differs from ∇ of the penalized value by far more than the errors.
        x, p, theta0 = self.GEN_X, self.GEN_P, self.GEN_THETA
        run = train_wgan_generator(p, x, theta0, lr=1.0, n_steps=1, critic="gp",
                                   penalty_weight=10.0)
        grad, f = theta0 - run.theta[1], run.f[0]
        fd, err = fd_with_error(lambda t: -softmax(t) @ f, theta0)
        np.testing.assert_allclose(grad, fd, rtol=0, atol=err.max() + 1e-15)
        fd_value, err_value = fd_with_error(
            lambda t: wgan_gp_penalized_value_1d(x, x, p, softmax(t), penalty_weight=10.0), theta0)
        assert np.max(np.abs(grad - fd_value)) > 100 * (err_value.max() + GP_VALUE_ATOL)

    GEN_X = np.array([0.0, 0.7, 1.2, 2.0, 3.1])
    GEN_P = np.array([0.3, 0.1, 0.2, 0.15, 0.25])
    GEN_THETA = np.array([-0.5, 0.4, 0.9, 0.0, -1.0])


# ---------------------------------------------------------------------------- inputs, JSON
class TestInputs:
    @pytest.mark.parametrize("call, match", [
        (lambda: lsgan_discriminator([0.5, 0.6], [0.5, 0.5], a=0.0, b=1.0), "p_data"),
        (lambda: lsgan_discriminator([0.5, 0.5], [0.5, 0.5], a=np.inf, b=1.0), "`a`"),
        (lambda: lsgan_discriminator([0.5, 0.5], [0.5, 0.5], a=0.0, b=1.0, tol=0.0), "tol"),
        (lambda: lsgan_discriminator([0.5, 0.5], [1.0], a=0.0, b=1.0), "p_g"),
        (lambda: fgan_critic([0.5, 0.5], [0.5, 0.5], family="tv"), "family"),
        (lambda: fgan_critic([0.5, 0.5], [0.5, 0.5], family="kl", method="adam"), "method"),
        (lambda: fgan_critic([0.5, 0.5], [0.5, 0.5], family="kl", v0=[0.0]), "v0"),
        (lambda: ebgan_discriminator([0.5, 0.5], [0.5, 0.5], margin=0.0), "margin"),
        (lambda: wgan_critic([0.5, 0.5], [0.5, 0.5], [0.0, 1.0, 2.0]), "`x`"),
        (lambda: wgan_gp_critic([0.5, 0.5], [0.5, 0.5], [1.0, 1.0]), "distinct"),
        (lambda: wgan_gp_critic([0.5, 0.5], [0.5, 0.5], [0.0, 1.0], penalty_weight=-1.0),
         "penalty_weight"),
        (lambda: clipped_linear_critic([0.5, 0.5], [0.5, 0.5], [0.0, 1.0], clip=0.0), "clip"),
        (lambda: train_fgan([0.5, 0.5], family="kl", theta0=[0.0, 0.0], v0=[0.0, 0.0],
                            lr_g=0.1, lr_d=0.1, n_steps=1, scheme="adam"), "scheme"),
        (lambda: train_wgan_generator([0.5, 0.5], [0.0, 1.0], [0.0, 0.0], lr=0.1, n_steps=1,
                                      critic="clip"), "critic"),
        (lambda: train_lsgan_generator([0.5, 0.5], [0.0], a=0.0, b=1.0, c=1.0, lr=0.1,
                                       n_steps=1), "theta0"),
    ])
    def test_bad_input_raises_a_named_value_error(self, call, match):
        with pytest.raises(ValueError, match=match):
            call()

    def test_non_numeric_label_raises_type_error(self):
        with pytest.raises(TypeError, match="`b`"):
            lsgan_discriminator([0.5, 0.5], [0.5, 0.5], a=0.0, b="1")

    def test_results_serialize_to_json(self):
        p, q = np.array([0.2, 0.8, 0.0]), np.array([0.5, 0.25, 0.25])
        x = np.array([0.0, 1.0, 2.5])
        results = [
            lsgan_discriminator(p, q, a=-1.0, b=1.0),
            fgan_critic(p, q, family="kl"),
            ebgan_discriminator(p, q, margin=1.0),
            wgan_critic(p, q, x),
            clipped_linear_critic(p, q, x, clip=0.01),
            wgan_gp_critic(p, q, x),
            train_lsgan_generator(p, np.zeros(3), a=0.0, b=1.0, c=1.0, lr=0.5, n_steps=2),
            train_fgan_generator(p, np.zeros(3), family="gan", lr=0.5, n_steps=2),
            train_fgan(p, family="gan", theta0=np.zeros(3), v0=np.zeros(3), lr_g=0.1,
                       lr_d=0.1, n_steps=2),
            train_ebgan_generator(p, np.zeros(3), margin=1.0, lr=0.1, n_steps=2),
            train_wgan_generator(p, x, np.zeros(3), lr=0.1, n_steps=2, critic="gp"),
        ]
        for res in results:
            json.dumps(res.to_dict())
