"""Guided cost learning solvers against references they never call.

Independent references: the closed forms of theory.irl (discriminator and generator losses and
gradients, the importance-sampling partition estimate, the discriminator-optimal log Z),
exact enumeration (log-sum-exp over the set), autograd gradients of objectives written again
here in autograd.numpy on an explicit enumeration of the action sequences, finite
differences, the MaxEnt IRL solver of solvers.tabular.maxent_irl, and for the sampler and the
Monte Carlo estimators exact tails / Bernstein bounds with the estimators' exact variances
(by enumeration: they are linear in, or finite functions of, the empirical weights), false-alarm
FALSE_ALARM per check (tests/stats.py), never a sample standard error.
"""

import json

import mpmath

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from autograd.scipy.special import logsumexp as a_logsumexp
from hypothesis import example, given
from hypothesis import strategies as st

from solvers.problems.irl_strategies import IRLProblem, irl_problems, linear_cost_problems
from solvers.problems.strategies import seeds
from solvers.problems.trajectories import action_sequences, chain_trajectories, deterministic_paths
from solvers.tabular import guided_cost as gc
from solvers.tabular.maxent_irl import maxent_irl_trajectories
from scipy import stats as sps

from tests.stats import FALSE_ALARM, assert_mean_chernoff, assert_multinomial, chi2_interval, gaussian_radius
from tests.tolerances import FLOAT_ATOL, FLOAT_RTOL
from theory.divergences import kl_divergence
from theory.irl import (
    discriminator_loss,
    discriminator_loss_gradient,
    generator_loss,
    importance_sampling_partition,
    irl_cost_loss_gradient,
    log_partition,
    maxent_distribution,
    optimal_log_partition,
)

#: Hand-derived gradients vs autograd of an independent formula: float64 rounding of sums of
#: up to 81 terms of size <= ~30 (costs, log-probabilities): ~1e-13; margin for cancellation.
GRAD_ATOL = 1e-10
#: Central finite differences with step 1e-6: truncation O(h^2 f''') ~ 1e-12 and rounding
#: eps |f| / h ~ 1e-10 for |f| ~ 1e1.
FD_ATOL = 1e-7
#: Two implementations of the same log-sum-exp / sigmoid sums with costs up to |30| and
#: densities down to 1e-6 (log terms ~45): a few hundred ulps of 45.
LOSS_ATOL = 1e-11
#: Two root finders on the same monotone equation: ours stops at a relative step of 1e-13;
#: brentq (theory.irl) at xtol 1e-14; the root's scale is |log Z| <= ~50 here.
ROOT_ATOL = 1e-10

#: After convergence (quadratic / H sweeps), converged GAN quantities agree to rounding:
#: KL between distributions equal to ~1e-15.
KL_ATOL = 1e-12
#: |D - 1/2| <= |logit|/4, the logit -c - log Z - log q cancelling to rounding (~1e-14).
D_ATOL = 1e-10
#: Plain gradient steps (disc and sampler) converge linearly; after 3000 steps on the 4-state
#: chain both exact gradients are below this (a stated target: measured ~3e-10 and ~4e-12),
#: and the loss gap to 2 log 2, quadratic in them, far below.
GRADIENT_RUN_TOL = 1e-8

#: The issue-10 pattern: p̂ and q̂ on different atoms, every logit saturated at the root (D = σ(±22)).
#: The issue printed its inputs rounded; at these exact floats the former linear-form Newton
#: solve returned -7.967244801089521 against the 60-digit root -7.967244721017613 (8e-8 off).
_SATURATED = IRLProblem(np.array([1e-6, 29.75]), np.array([1e-6, 0.999999]),
                        np.array([1.0, 0.0]), np.array([0.0, 1.0]), empirical=True)


def _mp_discriminator_optimal_log_z(cost, q, p_w, q_w, dps=60):
    """The root s of E_p̂[σ(s - a)] = E_q̂[σ(a - s)], a = -c - log q, p̂ and q̂ normalized (the
    stationarity of the discriminator loss in log Z), by bisection in 60-digit arithmetic
    (mpmath) on the float inputs taken as exact: 240 halvings of a bracket of width <= 200
    leave < 1e-70."""
    with mpmath.workdps(dps):
        support = [i for i in range(len(cost)) if p_w[i] + q_w[i] > 0]
        a = {i: -mpmath.mpf(float(cost[i])) - mpmath.log(mpmath.mpf(float(q[i]))) for i in support}
        pt = sum(mpmath.mpf(float(p_w[i])) for i in support)
        qt = sum(mpmath.mpf(float(q_w[i])) for i in support)

        def g(s):  # increasing in s
            return (sum(mpmath.mpf(float(p_w[i])) / pt / (1 + mpmath.exp(a[i] - s)) for i in support)
                    - sum(mpmath.mpf(float(q_w[i])) / qt / (1 + mpmath.exp(s - a[i])) for i in support))

        lo, hi = min(a.values()), max(a.values())
        for _ in range(240):
            mid = (lo + hi) / 2
            if g(mid) < 0:
                lo = mid
            else:
                hi = mid
        return float((lo + hi) / 2)


def _root_tol(cost, q, p_w, q_w, root):
    """What the solver promises for the root s: its stopping rule (a last step of at most
    SELF_CONSISTENT_TOL·max(1, |s|), the error bound when that step was a bisection) plus the
    forward error of a backward-stable solve, K·eps·cond, with the condition number of
    G(s) = E_p̂[u] - E_q̂[v] (u = σ(s - a), v = 1 - u) evaluated in mpmath at the root:

    - a_i = -c_i - log q_i carries rounding eps(|c_i| + |log q_i| + |a_i|); ∂G/∂a_i = -(p̂_i + q̂_i)u_i v_i;
    - a relative eps on a (normalized) weight moves G by p̂_i|u_i - L| (resp. q̂_i|v_i - L|),
      L = E_p̂[u] = E_q̂[v] at the root;
    - each side's log, log L, is formed to K·eps·B·(1 + |log L|) with B = 1 - L its deficit;
      F = log L_p - log L_q has F' = G'/L, so that costs L·(B_p + B_q)(1 + |log L|)/G';
    - all divided by G'(s) = Σ (p̂ + q̂) u v, plus K ulps of s.

    K = 4(N + 2): sums of N positive terms round to (N + 2)·eps relative, times 4 for margin."""
    n = len(cost)
    k = 4 * (n + 2)
    with mpmath.workdps(30):
        support = [i for i in range(n) if p_w[i] + q_w[i] > 0]
        pt = sum(mpmath.mpf(float(p_w[i])) for i in support)
        qt = sum(mpmath.mpf(float(q_w[i])) for i in support)
        s = mpmath.mpf(root)
        num = mpmath.mpf(0)
        g1 = mpmath.mpf(0)
        terms = []
        for i in support:
            c_i, lq = mpmath.mpf(float(cost[i])), mpmath.log(mpmath.mpf(float(q[i])))
            a_i = -c_i - lq
            u = 1 / (1 + mpmath.exp(a_i - s))
            v = 1 / (1 + mpmath.exp(s - a_i))
            pi, qi = mpmath.mpf(float(p_w[i])) / pt, mpmath.mpf(float(q_w[i])) / qt
            g1 += (pi + qi) * u * v
            num += (pi + qi) * u * v * (abs(c_i) + abs(lq) + abs(a_i))
            terms.append((pi, qi, u, v))
        big_l = sum(pi * u for pi, _, u, _ in terms)
        b_p = sum(pi * v for pi, _, _, v in terms)
        b_q = sum(qi * u for _, qi, u, _ in terms)
        num += sum(pi * abs(u - big_l) + qi * abs(v - big_l) for pi, qi, u, v in terms)
        num += big_l * (b_p + b_q) * (1 + abs(mpmath.log(big_l)))
        cond = float(num / g1)
    eps = np.finfo(float).eps
    return gc.SELF_CONSISTENT_TOL * max(1.0, abs(root)) + k * eps * (abs(root) + cond)


# ============================================================================ helpers
def _random_logits(a, h, seed, scale=1.0):
    return gc.init_logits(a, h, scale=scale, seed=seed)


def _flat(logits):
    return np.concatenate([x.ravel() for x in logits])


def _unflat(vec, a, h):
    out, i = [], 0
    for t in range(h):
        n = a**t * a
        out.append(vec[i:i + n].reshape(a**t, a))
        i += n
    return out


def _ag_log_density(vec, a, h):
    """log q of every trajectory, written independently: for each row of action_sequences,
    sum over t of log-softmax(logits[t][prefix index])[action], prefixes by base-A value."""
    acts = action_sequences(a, h)
    total = anp.zeros(acts.shape[0])
    i = 0
    for t in range(h):
        block = anp.reshape(vec[i:i + a**t * a], (a**t, a))
        i += a**t * a
        prefix = acts[:, :t] @ (a ** np.arange(t - 1, -1, -1)) if t else np.zeros(acts.shape[0], int)
        rows = block[prefix]  # (N, A)
        logp = rows - a_logsumexp(rows, axis=1, keepdims=True)
        total = total + logp[np.arange(acts.shape[0]), acts[:, t]]
    return total


def _problem(seed=0, s=5, a=3, h=4, k=3, scale=0.5):
    rng = np.random.default_rng(seed)
    ts = deterministic_paths(rng.integers(0, s, size=(s, a)), scale * rng.standard_normal((s, k)), h)
    theta = rng.standard_normal(k)
    return ts, theta, maxent_distribution(ts.cost(theta))


small_shapes = st.sampled_from([(1, 2), (2, 1), (2, 3), (3, 2), (2, 4), (3, 3), (4, 2)])


# ============================================================================ 1. sampler
class TestSampler:
    @given(small_shapes, seeds(), st.floats(0.0, 5.0))
    def test_log_density_matches_independent_enumeration(self, shape, seed, scale):
        a, h = shape
        logits = _random_logits(a, h, seed, scale) if scale > 0 else gc.init_logits(a, h)
        ours = gc.log_density(logits)
        np.testing.assert_allclose(ours, _ag_log_density(_flat(logits), a, h), atol=FLOAT_ATOL)
        assert abs(np.exp(ours).sum() - 1.0) < FLOAT_ATOL

    def test_uniform_and_one_action(self):
        np.testing.assert_allclose(gc.density(gc.init_logits(3, 2)), np.full(9, 1 / 9), rtol=FLOAT_RTOL)
        np.testing.assert_array_equal(gc.density(gc.init_logits(1, 3)), [1.0])

    def test_large_logits_are_finite(self):
        logits = [np.array([[700.0, -700.0]]), np.array([[0.0, 700.0], [-700.0, 700.0]])]
        lq = gc.log_density(logits)
        assert np.all(np.isfinite(lq))
        # q(τ = 0 1) = 1 up to e^-700 terms; the others are e^-700 or smaller.
        np.testing.assert_allclose(lq[1], 0.0, atol=1e-300)
        np.testing.assert_allclose(lq[0], -700.0, rtol=FLOAT_RTOL)

    @pytest.mark.statistical
    def test_samples_follow_the_density(self):
        logits = _random_logits(3, 3, 11)
        q = gc.density(logits)
        n = 40_000
        freq = gc.empirical_weights(gc.sample(logits, n, 5), q.size)
        counts = np.rint(freq * n).astype(np.int64)
        assert counts.sum() == n
        # exact binomial tails per atom, Bonferroni over the 27 atoms (false-alarm FALSE_ALARM)
        assert_multinomial(counts, q, FALSE_ALARM)
        # negative control: the same counts against q with 0.01 of mass moved from the most to
        # the least likely atom (~6-7 exact SDs at n = 40,000) are rejected
        wrong = q.copy()
        wrong[np.argmax(q)] -= 0.01
        wrong[np.argmin(q)] += 0.01
        with pytest.raises(AssertionError):
            assert_multinomial(counts, wrong, FALSE_ALARM)

    def test_sample_is_deterministic_and_never_draws_zero_mass(self):
        logits = [np.array([[0.0, -800.0]]), np.array([[0.0, 0.0], [0.0, 0.0]])]
        a = gc.sample(logits, 1000, 3)
        np.testing.assert_array_equal(a, gc.sample(logits, 1000, 3))
        assert set(np.unique(a)) <= {0, 1}

    @given(small_shapes, seeds())
    def test_expectation_gradient_matches_autograd(self, shape, seed):
        a, h = shape
        logits = _random_logits(a, h, seed)
        r = np.random.default_rng(seed).normal(size=a**h) * 3
        ours = _flat(gc.expectation_gradient(logits, r))
        ag = autograd.grad(lambda v: anp.sum(anp.exp(_ag_log_density(v, a, h)) * r))(_flat(logits))
        np.testing.assert_allclose(ours, ag, atol=GRAD_ATOL)
        # The score-function form with the exact density as weights is the same quantity.
        same = _flat(gc.expectation_gradient(logits, r, weights=gc.density(logits)))
        np.testing.assert_allclose(same, ours, atol=FLOAT_ATOL)

    @pytest.mark.statistical
    def test_score_function_estimate_is_unbiased(self):
        a, h = 2, 3
        logits = _random_logits(a, h, 2)
        r = np.linspace(-1, 2, a**h)
        exact = _flat(gc.expectation_gradient(logits, r))
        rng = np.random.default_rng(0)
        reps = np.array([_flat(gc.expectation_gradient(logits, r, weights=gc.empirical_weights(
            gc.sample(logits, 50, rng), a**h))) for _ in range(2000)])
        # The estimate is linear in the weights, Σ_τ w(τ) v(τ) with v(τ) the estimate at the
        # one-hot weight e_τ; with w the frequencies of 50 draws, the mean over 2000 repeats is
        # the mean of 100,000 i.i.d. v(τ), τ ~ q, whose exact law is the 8 atoms: Chernoff's
        # bound with the exact cumulant generating function, false-alarm FALSE_ALARM (about
        # 5.7-6 exact SDs per coordinate here).
        q = gc.density(logits)
        v = np.array([_flat(gc.expectation_gradient(logits, r, weights=np.eye(a**h)[t])) for t in range(a**h)])
        np.testing.assert_allclose(q @ v, exact, atol=FLOAT_ATOL)  # unbiased, exactly
        n = 50 * len(reps)
        assert_mean_chernoff(reps.mean(axis=0), v, q, n, FALSE_ALARM, atol=FLOAT_ATOL,
                             what="score-function estimate")
        # negative control: an estimate 0.95x too small (a scaling bug) is rejected
        with pytest.raises(AssertionError, match="Chernoff"):
            assert_mean_chernoff(0.95 * reps.mean(axis=0), v, q, n, FALSE_ALARM, atol=FLOAT_ATOL)

    @given(small_shapes, seeds())
    def test_natural_direction_solves_the_fisher_system(self, shape, seed):
        # Exact mode: for each prefix u, Q(u) (diag π - π πᵀ) d[u] = g[u] (the Fisher block of
        # a tabular softmax policy times the natural direction gives back the gradient).
        a, h = shape
        logits = _random_logits(a, h, seed)
        r = np.random.default_rng(seed).normal(size=a**h)
        lq = gc.log_density(logits)
        d = gc.natural_direction(logits, a, lq, r, None)
        g = gc.expectation_gradient(logits, r)
        q = np.exp(lq)
        for t in range(h):
            pi = np.exp(logits[t] - np.log(np.exp(logits[t]).sum(axis=1, keepdims=True)))
            reach = q.reshape(a**t, -1).sum(axis=1)
            fisher_d = reach[:, None] * (pi * d[t] - pi * np.sum(pi * d[t], axis=1, keepdims=True))
            np.testing.assert_allclose(fisher_d, g[t], atol=GRAD_ATOL)

    def test_bad_logits(self):
        with pytest.raises(TypeError, match="logits"):
            gc.log_density(np.zeros((1, 2)))
        with pytest.raises(ValueError, match=r"logits\[1\]"):
            gc.log_density([np.zeros((1, 2)), np.zeros((2, 3))])
        with pytest.raises(ValueError, match="at least one"):
            gc.log_density([])
        with pytest.raises(ValueError, match="finite"):
            gc.log_density([np.array([[0.0, np.nan]])])
        with pytest.raises(ValueError, match="n"):
            gc.sample(gc.init_logits(2, 2), -1, 0)
        with pytest.raises(TypeError, match="seed"):
            gc.sample(gc.init_logits(2, 2), 3, None)
        with pytest.raises(ValueError, match="scale"):
            gc.init_logits(2, 2, scale=-1.0)
        with pytest.raises(ValueError, match="indices"):
            gc.empirical_weights(np.array([0, 5]), 4)


# ============================================================================ 2. partition
class TestPartition:
    @given(irl_problems(empirical=True), st.floats(-5, 5))
    def test_paper_form_matches_theory(self, pr, log_z):
        lm = gc.mixture_log_density(pr.cost, pr.q, form="paper", log_z=log_z)
        ours = gc.is_log_partition(pr.cost, lm, pr.p_data, pr.q_weights)
        theirs = importance_sampling_partition(pr.cost, pr.q, pr.p_data, log_z, q_weights=pr.q_weights)
        assert abs(ours - theirs) <= LOSS_ATOL * max(1.0, abs(theirs))

    @given(linear_cost_problems(empirical=True), st.floats(-5, 5))
    def test_gradient_matches_theory(self, pr, log_z):
        lm = gc.mixture_log_density(pr.cost, pr.q, form="paper", log_z=log_z)
        ours = gc.is_cost_gradient(pr.features, pr.cost, lm, pr.p_data, pr.q_weights)
        theirs = pr.features.T @ irl_cost_loss_gradient(pr.cost, pr.p_data, q=pr.q, log_z=log_z,
                                                        q_weights=pr.q_weights)
        np.testing.assert_allclose(ours, theirs, atol=GRAD_ATOL)

    @given(irl_problems())
    def test_exact_form_with_population_weights_is_exact(self, pr):
        # Σ_τ μ(τ) e^{-c}/μ(τ) = Z: the exact mixture density makes the population estimate exact.
        lm = gc.mixture_log_density(pr.cost, pr.q, form="exact", p_data=pr.p_data)
        ours = gc.is_log_partition(pr.cost, lm, pr.p_data, pr.q)
        assert abs(ours - log_partition(pr.cost)) <= LOSS_ATOL * max(1.0, abs(ours))

    @given(irl_problems(empirical=True))
    @example(_SATURATED)  # p̂ and q̂ on different atoms, every logit saturated (issue 10)
    def test_self_consistent_is_the_discriminator_optimum(self, pr):
        ours = float(gc.self_consistent_log_partition(pr.cost, pr.q, pr.p_data, pr.q_weights))
        theirs = _mp_discriminator_optimal_log_z(pr.cost, pr.q, pr.p_data, pr.q_weights)
        assert abs(ours - theirs) <= _root_tol(pr.cost, pr.q, pr.p_data, pr.q_weights, theirs)
        # ... and a fixed point of the paper's estimate.
        lm = gc.mixture_log_density(pr.cost, pr.q, form="paper", log_z=ours)
        again = gc.is_log_partition(pr.cost, lm, pr.p_data, pr.q_weights)
        assert abs(again - ours) <= ROOT_ATOL * max(1.0, abs(ours))

    def test_self_consistent_batched_and_extreme_costs(self):
        rng = np.random.default_rng(0)
        c = np.array([700.0, -700.0, 0.0, 3.0])
        q = np.array([0.1, 0.2, 0.3, 0.4])
        pw = rng.multinomial(20, [0.25] * 4, size=5) / 20
        qw = rng.multinomial(20, q, size=5) / 20
        ours = gc.self_consistent_log_partition(c, q, pw, qw)
        theirs = [_mp_discriminator_optimal_log_z(c, q, a, b) for a, b in zip(pw, qw)]
        for o, t, a, b in zip(ours, theirs, pw, qw):
            assert abs(o - t) <= _root_tol(c, q, a, b, t)
        # ... and brentq on the linear form (theory.irl), to its own xtol where not saturated.
        brent = [optimal_log_partition(c, q, a, q_weights=b) for a, b in zip(pw, qw)]
        np.testing.assert_allclose(ours, brent, atol=ROOT_ATOL, rtol=0)

    def test_self_consistent_saturated_matches_60_digit_root(self):
        # D(τ) = σ(±22) on both atoms: Σ (p̂ + q̂) D - 1 cancels to ~1e-16 against a slope
        # ~1e-9, so the linear form lost ~1e-7 nats; the tolerance here is ~1e-12.
        pr = _SATURATED
        ours = float(gc.self_consistent_log_partition(pr.cost, pr.q, pr.p_data, pr.q_weights))
        theirs = _mp_discriminator_optimal_log_z(pr.cost, pr.q, pr.p_data, pr.q_weights)
        assert abs(ours - theirs) <= _root_tol(pr.cost, pr.q, pr.p_data, pr.q_weights, theirs)

    def test_exact_form_zero_atoms(self):
        # q = 0 where p_data > 0 is fine for the exact mixture (mu > 0 there); weights 0
        # where mu = 0 contribute nothing.
        c = np.array([1.0, 2.0, 3.0])
        p = np.array([0.5, 0.5, 0.0])
        q = np.array([0.0, 0.5, 0.5])
        lm = gc.mixture_log_density(c, q, form="exact", p_data=p)
        assert np.all(np.isfinite(lm))
        np.testing.assert_allclose(gc.is_log_partition(c, lm, p, q), log_partition(c), atol=FLOAT_ATOL)

    @pytest.mark.statistical
    def test_study_is_unbiased_and_reproducible(self):
        ts, theta, p = _problem(3, a=2, h=3)
        q = gc.density(_random_logits(2, 3, 4))
        sizes = np.array([20, 200])
        st1 = gc.partition_study(ts.features, 0.5 * theta, p, q, sizes, n_repeats=3000, seed=9)
        st2 = gc.partition_study(ts.features, 0.5 * theta, p, q, sizes, n_repeats=3000, seed=9)
        np.testing.assert_array_equal(st1.log_z_hat, st2.log_z_hat)
        c = ts.cost(0.5 * theta)
        log_z = log_partition(c)
        ratio = np.exp(st1.log_z_hat - log_z) - 1
        # Exact form: Ẑ/Z = (1/2n) Σ_i [w(x_i) + w(y_i)], w = e^{-c}/(Z μ), μ = (p + q)/2,
        # x_i ~ p, y_i ~ q: the mean over R repeats is a mean of nR i.i.d. pairs
        # (w(x) + w(y))/2 - 1, whose exact law is enumerable (N² pairs, probability p_i q_j),
        # mean 0: Chernoff's bound with the exact cumulant generating function, false-alarm
        # FALSE_ALARM per size (Bonferroni over 2).
        mu = 0.5 * (p + q)
        w = np.exp(-c - log_z - np.log(mu))
        pair = (0.5 * (w[:, None] + w[None, :]) - 1.0).ravel()[:, None]
        prob = (p[:, None] * q[None, :]).ravel()
        for i, n in enumerate(sizes):
            assert_mean_chernoff(ratio[i].mean(), pair, prob, n * 3000, FALSE_ALARM / 2, atol=FLOAT_ATOL,
                                 what=f"Z-hat/Z - 1 at n={n}")
        # negative control: an estimator 2% off is rejected at n = 20 and n = 200 (the regions are
        # 5.9 exact SDs: 0.0087 and 0.0027)
        for i, n in enumerate(sizes):
            with pytest.raises(AssertionError, match="Chernoff"):
                assert_mean_chernoff(ratio[i].mean() + 0.02, pair, prob, n * 3000, FALSE_ALARM / 2)
        assert st1.gradient_hat.shape == (2, 3000, 3)
        json.dumps(st1.to_dict())

    @pytest.mark.statistical
    def test_error_summary_on_known_rate(self):
        # Estimates = target + N(0, 4/n): RMSE = 2 n^-1/2 exactly in expectation.
        rng = np.random.default_rng(1)
        sizes = np.array([10, 100, 1000, 10000])
        est = 1.0 + 2.0 / np.sqrt(sizes)[:, None] * rng.standard_normal((4, 4000))
        s = gc.error_summary(est, 1.0, sizes, seed=0)
        # Exact laws, false-alarm FALSE_ALARM in total (Bonferroni: bias and rmse, 4 sizes each):
        # the bias is N(0, σ²/R) with σ = 2/√n, R = 4000 (a Gaussian tail with the exact SD);
        # R mse / σ² ~ χ²(R) (exact quantiles); the slope is the least-squares fit of
        # log rmse = log 2 - ½ log n + ½ log(χ²/R), so with c = (x - x̄)/Σ(x - x̄)², x = log n,
        # |slope + ½| <= Σ |c_i| · max_i |½ log(χ²_i/R)| on the same event.
        R, alpha = est.shape[1], FALSE_ALARM / 8
        sigma = 2 / np.sqrt(sizes)
        assert np.all(np.abs(s.bias) <= gaussian_radius(sigma / np.sqrt(R), alpha))
        lo, hi = chi2_interval(R, alpha)
        assert np.all((sigma * np.sqrt(lo / R) <= s.rmse) & (s.rmse <= sigma * np.sqrt(hi / R)))
        x = np.log(sizes)
        c = (x - x.mean()) / np.sum((x - x.mean()) ** 2)
        e = 0.5 * max(abs(np.log(lo / R)), abs(np.log(hi / R)))
        assert abs(s.slope + 0.5) <= np.abs(c).sum() * e + FLOAT_ATOL
        # the SEs are reported: bias_se = sample SD / √R with SD²/σ² ~ χ²(R-1) exactly
        lo1, hi1 = chi2_interval(R - 1, FALSE_ALARM)
        assert np.all((s.bias_se * np.sqrt(R * (R - 1) / hi1) <= sigma) & (sigma <= s.bias_se * np.sqrt(R * (R - 1) / lo1)))
        assert s.slope_se > 0 and np.all(s.rmse_se > 0)
        # negative control: estimates with SD 2.2/√n (10% wide, ~4.5 exact SDs of the rmse at
        # R = 4000) fail the rmse check
        bad = gc.error_summary(1.0 + 1.1 * (est - 1.0), 1.0, sizes, seed=0)
        assert not np.all(bad.rmse <= sigma * np.sqrt(hi / R))

    def test_bad_inputs(self):
        c, q, p = np.zeros(3), np.full(3, 1 / 3), np.array([1.0, 0, 0])
        with pytest.raises(ValueError, match="form"):
            gc.mixture_log_density(c, q, form="nope")
        with pytest.raises(ValueError, match="p_data"):
            gc.mixture_log_density(c, q, form="exact")
        with pytest.raises(ValueError, match="log_z"):
            gc.mixture_log_density(c, q, form="paper")
        with pytest.raises(ValueError, match="q_weights"):
            gc.is_log_partition(c, np.zeros(3), p, [0.5, 0.6, 0.0])
        with pytest.raises(ValueError, match="log_mu"):
            gc.is_log_partition(c, [0.0, -np.inf, 0.0], p, q)
        with pytest.raises(ValueError, match="q"):
            gc.self_consistent_log_partition(c, [0.5, 0.5, 0.0], p, [0.0, 0.0, 1.0])
        with pytest.raises(ValueError, match="sample_sizes"):
            gc.partition_study(np.eye(3), np.zeros(3), p, q, [0, 5], n_repeats=3, seed=0)
        with pytest.raises(ValueError, match="n_repeats"):
            gc.partition_study(np.eye(3), np.zeros(3), p, q, [5], n_repeats=1, seed=0)
        with pytest.raises(ValueError, match="fit_min_n"):
            gc.error_summary(np.zeros((2, 3)), 0.0, [10, 100], fit_min_n=50)


# ============================================================================ 3. GAN form
class TestObjectives:
    @given(linear_cost_problems(empirical=True), st.floats(-5, 5))
    def test_discriminator_matches_theory(self, pr, log_z):
        lq = np.log(pr.q)
        loss, g_th, g_s = gc.discriminator_objective(pr.theta, log_z, pr.features, lq, pr.p_data,
                                                     q_weights=pr.q_weights)
        ref = discriminator_loss(pr.cost, log_z, pr.q, pr.p_data, q_weights=pr.q_weights)
        d_cost, d_s = discriminator_loss_gradient(pr.cost, log_z, pr.q, pr.p_data, q_weights=pr.q_weights)
        assert abs(loss - ref) <= LOSS_ATOL * max(1.0, abs(ref))
        np.testing.assert_allclose(g_th, pr.features.T @ d_cost, atol=GRAD_ATOL)
        assert abs(g_s - d_s) <= GRAD_ATOL

    def test_discriminator_gradient_finite_differences(self):
        ts, theta, p = _problem(1, a=2, h=3)
        lq = gc.log_density(_random_logits(2, 3, 1))
        x0 = np.append(theta, 0.3)
        h = 1e-6
        fd = np.array([(gc.discriminator_objective((x0 + h * e)[:-1], (x0 + h * e)[-1], ts.features, lq, p)[0]
                        - gc.discriminator_objective((x0 - h * e)[:-1], (x0 - h * e)[-1], ts.features, lq, p)[0])
                       / (2 * h) for e in np.eye(x0.size)])
        _, g_th, g_s = gc.discriminator_objective(theta, 0.3, ts.features, lq, p)
        np.testing.assert_allclose(np.append(g_th, g_s), fd, atol=FD_ATOL)

    @given(linear_cost_problems(min_size=4, max_size=4))
    def test_gradient_step_descends(self, pr):
        # Default lr_d = 2 / (1 + max ||f||^2) is 1/L for L_D in (θ, log Z) (descent lemma).
        lq = np.log(pr.q)
        lr = 2.0 / (1.0 + np.max(np.sum(pr.features**2, axis=1)))
        loss, g_th, g_s = gc.discriminator_objective(pr.theta, 0.0, pr.features, lq, pr.p_data)
        new = gc.discriminator_objective(pr.theta - lr * g_th, -lr * g_s, pr.features, lq, pr.p_data)[0]
        assert new <= loss - 0.5 * lr * (g_th @ g_th + g_s**2) + FLOAT_ATOL

    @given(small_shapes, seeds(), st.floats(-3, 3))
    def test_generator_matches_theory_and_autograd(self, shape, seed, log_z):
        a, h = shape
        logits = _random_logits(a, h, seed)
        cost = np.random.default_rng(seed).normal(size=a**h) * 2
        loss, grads = gc.generator_objective(logits, cost, log_z)
        q = gc.density(logits)
        assert abs(loss - generator_loss(cost, log_z, q)) <= LOSS_ATOL * max(1.0, abs(loss))

        # Full derivative of E_q[log(1 - D) - log D], D depending on q too, by autograd.
        def full(v):
            lq = _ag_log_density(v, a, h)
            ell = -cost - log_z - lq
            return anp.sum(anp.exp(lq) * (anp.logaddexp(0.0, -ell) - anp.logaddexp(0.0, ell)))

        np.testing.assert_allclose(_flat(grads), autograd.grad(full)(_flat(logits)), atol=GRAD_ATOL)

    @pytest.mark.statistical
    def test_generator_sampled_gradient_is_unbiased(self):
        a, h = 2, 2
        logits = _random_logits(a, h, 3)
        cost = np.array([0.0, 1.0, -1.0, 2.0])
        exact = _flat(gc.generator_objective(logits, cost, 0.0)[1])
        rng = np.random.default_rng(4)
        reps = np.array([_flat(gc.generator_objective(
            logits, cost, 0.0, weights=gc.empirical_weights(gc.sample(logits, 30, rng), 4))[1])
            for _ in range(1000)])
        # The mean baseline uses the same n = 30 draws: E[b Σ w ∇log q] = E_q[r ∇log q]/n, so the
        # estimate's mean is exactly (1 - 1/n) times the gradient.  The estimate is a function of
        # the multinomial counts of 30 draws on 4 atoms: its exact law is enumerable (5,456
        # count vectors): the exact mean, which must be (1 - 1/n) times the gradient, and
        # Chernoff's bound with the exact cumulant generating function (false-alarm FALSE_ALARM).
        # The exact mean is the deterministic check of the estimator; the 1,000 sampled repeats
        # (3,000 before the enumeration was added: same run time) check sampler + estimator.
        q = gc.density(logits)
        n = 30
        comps = np.array([(i, j, k, n - i - j - k) for i in range(n + 1) for j in range(n + 1 - i)
                          for k in range(n + 1 - i - j)])
        prob = np.exp(sps.multinomial.logpmf(comps, n, q))
        vals = np.array([_flat(gc.generator_objective(logits, cost, 0.0, weights=cnt / n)[1]) for cnt in comps])
        mean = prob @ vals
        np.testing.assert_allclose(mean, (1 - 1 / n) * exact, atol=GRAD_ATOL)
        assert_mean_chernoff(reps.mean(axis=0), vals, prob, len(reps), FALSE_ALARM, atol=FLOAT_ATOL,
                             what="generator gradient estimate")
        # negative control: a mean half the prediction (a factor-2 bug: ~8.5 exact SDs on the
        # largest coordinate) is rejected; the 1/30 factor is < 1 exact SD at 1,000 repeats and is
        # checked exactly above.
        with pytest.raises(AssertionError, match="Chernoff"):
            assert_mean_chernoff(0.5 * reps.mean(axis=0), vals, prob, len(reps), FALSE_ALARM)

    def test_cost_gap(self):
        assert gc.cost_gap([1.0, 2.0, 4.0], [0.0, 1.0, 3.0]) == 0.0
        assert gc.cost_gap([0.0, 2.0], [0.0, 0.0]) == 1.0
        with pytest.raises(ValueError, match="cost_a"):
            gc.cost_gap([0.0], [0.0, 1.0])


def _strong_convexity_bound(f, p, theta):
    """||Δc|| (up to a constant) <= max ||f - E f|| ||∇NLL|| / λ_min(Cov f), doubled."""
    pm = maxent_distribution(f @ theta)
    centred = f - pm @ f
    eig = np.linalg.eigvalsh((centred * pm[:, None]).T @ centred)
    lam = eig[eig > FLOAT_RTOL * eig.max()].min()        # numerical rank: drop rounding-level
    return 2 * np.linalg.norm(p @ f - pm @ f) / lam * np.max(np.linalg.norm(centred, axis=1)) + FLOAT_ATOL


class TestGANForm:
    @pytest.mark.parametrize("case", ["exact", "empirical", "chain", "tabular"])
    def test_reaches_maxent_irl(self, case):
        if case == "chain":  # one-hot visit counts: a constant feature direction (Σ f = H)
            ts = chain_trajectories(4, 3)
            p = maxent_distribution(ts.cost(np.array([0.5, -0.3, 0.2, 1.0])))
            f, a, h = ts.features, 2, 3
        else:
            ts, theta, p = _problem(7, s=4, a=2, h=5, k=2)
            f, a, h = ts.features, 2, 5
            if case == "empirical":
                p = np.random.default_rng(0).multinomial(300, p) / 300
            elif case == "tabular":
                f = np.eye(ts.n_trajectories)
        run = gc.train_gan_form(f, p, n_actions=a, horizon=h, n_steps=60, record_every=10)
        me = maxent_irl_trajectories(f, p, tol=1e-12)
        assert gc.cost_gap(run.cost, me.cost) <= _strong_convexity_bound(f, p, run.theta) + \
            _strong_convexity_bound(f, p, me.theta)
        assert kl_divergence(run.q, me.p_model) <= KL_ATOL
        np.testing.assert_allclose(run.d, 0.5, atol=D_ATOL)
        if case != "empirical":
            assert kl_divergence(p, run.q) <= KL_ATOL
        json.dumps(run.to_dict())

    def test_plain_gradient_steps_converge(self):
        ts = chain_trajectories(4, 3)
        p = maxent_distribution(ts.cost(np.array([0.5, -0.3, 0.2, 1.0])))
        run = gc.train_gan_form(ts.features, p, n_actions=2, horizon=3, n_steps=3000, disc_step="gradient",
                                sampler_step="gradient", lr_g=4.0, record_every=500)
        # Linear convergence: both exact gradients are small, which bounds the cost error.
        assert run.disc_grad_norm[-1] < GRADIENT_RUN_TOL and run.gen_grad_norm[-1] < GRADIENT_RUN_TOL
        me = maxent_irl_trajectories(ts.features, p, tol=1e-12)
        assert gc.cost_gap(run.cost, me.cost) <= _strong_convexity_bound(ts.features, p, run.theta) + \
            _strong_convexity_bound(ts.features, p, me.theta)
        # The loss of the discriminator against the final sampler reached its minimum 2 log 2
        # (D = 1/2 on both terms).
        assert abs(run.disc_loss[-1] - 2 * np.log(2)) < GRADIENT_RUN_TOL

    def test_tol_stops_early(self):
        ts, _, p = _problem(2, a=2, h=3, k=2)
        run = gc.train_gan_form(ts.features, p, n_actions=2, horizon=3, n_steps=500, tol=1e-12)
        assert run.converged and run.n_steps < 500
        assert max(run.disc_grad_norm[-1], run.gen_grad_norm[-1]) <= 1e-12

    def test_sampled_variant_moves_towards_maxent(self):
        ts, theta, p = _problem(7, s=4, a=2, h=4, k=2)
        kw = dict(n_actions=2, horizon=4, n_steps=400, expectations="sampled", n_samples=400,
                  lr_d=0.1, lr_g=0.1, record_every=50)
        run = gc.train_gan_form(ts.features, p, seed=3, **kw)
        again = gc.train_gan_form(ts.features, p, seed=3, **kw)
        np.testing.assert_array_equal(run.theta, again.theta)
        start = gc.cost_gap(np.zeros(ts.n_trajectories), ts.cost(theta))
        # A weak, stated requirement: the Polyak average gets 10x closer than the start.
        assert gc.cost_gap(ts.features @ run.theta_average, ts.cost(theta)) < 0.1 * start

    def test_bad_inputs(self):
        f, p = np.eye(4), np.full(4, 0.25)
        with pytest.raises(ValueError, match="A\\^H"):
            gc.train_gan_form(f, p, n_actions=2, horizon=3, n_steps=1)
        with pytest.raises(ValueError, match="p_data"):
            gc.train_gan_form(f, [0.5, 0.5, 0.5, 0.5], n_actions=2, horizon=2, n_steps=1)
        with pytest.raises(ValueError, match="disc_step"):
            gc.train_gan_form(f, p, n_actions=2, horizon=2, n_steps=1, disc_step="adam")
        with pytest.raises(ValueError, match="n_samples"):
            gc.train_gan_form(f, p, n_actions=2, horizon=2, n_steps=1, expectations="sampled")
        with pytest.raises(ValueError, match="lr_g"):
            gc.train_gan_form(f, p, n_actions=2, horizon=2, n_steps=1, lr_g=0.0)
        with pytest.raises(ValueError, match="logits0"):
            gc.train_gan_form(f, p, n_actions=2, horizon=2, n_steps=1, logits0=gc.init_logits(2, 3))


class TestGANFormUpdates:
    """The update rules train_gan_form composes, each alone, against theory.irl's losses and
    gradients (which the solver never calls), finite differences and a one-step closed form."""

    @staticmethod
    def _setting(seed=4, n=8, k=2):
        rng = np.random.default_rng(seed)
        f = rng.normal(size=(n, k))  # no constant direction: [F, 1] has full column rank
        p = rng.dirichlet(np.ones(n))
        q = rng.dirichlet(np.ones(n))
        return f, p, np.log(q), 0.3 * rng.normal(size=k), 0.2

    @staticmethod
    def _theory_gradient(f, p, log_q, theta, log_z):
        d_cost, d_s = discriminator_loss_gradient(f @ theta, log_z, np.exp(log_q), p)
        return np.append(f.T @ d_cost, d_s)  # chain rule through c = F θ

    def test_expectation_weights(self):
        f, p, log_q, _, _ = self._setting()
        pw, qw = gc.expectation_weights(p, None, log_q, n_samples=None, rng=None)
        assert pw is p
        np.testing.assert_allclose(qw, np.exp(log_q), rtol=FLOAT_RTOL)
        logits = gc.init_logits(2, 3)
        pw, qw = gc.expectation_weights(p, logits, gc.log_density(logits), n_samples=40,
                                        rng=np.random.default_rng(1))
        for w in (pw, qw):  # empirical frequencies of 40 draws
            np.testing.assert_allclose(w.sum(), 1.0, rtol=FLOAT_RTOL)
            np.testing.assert_allclose(w * 40, np.round(w * 40), atol=FLOAT_ATOL)

    def test_gradient_discriminator_step(self):
        f, p, log_q, theta, log_z = self._setting()
        lr = 0.1
        th, s_ = gc.discriminator_step(theta, log_z, f, log_q, p, np.exp(log_q), lr_d=lr, method="gradient")
        g = self._theory_gradient(f, p, log_q, theta, log_z)
        np.testing.assert_allclose(np.append(th, s_), np.append(theta, log_z) - lr * g, atol=GRAD_ATOL)

    def test_newton_discriminator_step_uses_the_exact_hessian(self):
        f, p, log_q, theta, log_z = self._setting()
        lr, h = 0.5, 1e-5
        x0 = np.append(theta, log_z)
        grad = lambda x: self._theory_gradient(f, p, log_q, x[:-1], x[-1])  # noqa: E731
        hess = np.column_stack([(grad(x0 + h * e) - grad(x0 - h * e)) / (2 * h) for e in np.eye(x0.size)])
        direction = np.linalg.solve(hess, grad(x0))
        # the trust region: no logit -θ·f - log Z - log q moves by more than NEWTON_MAX_LOGIT_STEP
        move = np.max(np.abs(np.column_stack([f, np.ones(len(f))]) @ direction))
        assert move > gc.NEWTON_MAX_LOGIT_STEP  # (it binds here: the step is shortened)
        want = x0 - lr * (gc.NEWTON_MAX_LOGIT_STEP / move) * direction
        th, s_ = gc.discriminator_step(theta, log_z, f, log_q, p, np.exp(log_q), lr_d=lr, method="newton")
        # Central differences of an O(1) gradient with h = 1e-5: truncation ~h² ≈ 1e-10 and
        # rounding ~eps/h ≈ 1e-11 per Hessian entry; the 3x3 Hessian here has condition < 1e2,
        # so the direction is good to ~1e-8.
        np.testing.assert_allclose(np.append(th, s_), want, atol=1e-7)
        loss = lambda x: discriminator_loss(f @ x[:-1], x[-1], np.exp(log_q), p)  # noqa: E731
        assert loss(np.append(th, s_)) < loss(x0)

    def test_gradient_sampler_update(self):
        logits = _random_logits(2, 3, 5)
        cost = np.random.default_rng(5).normal(size=8)
        new = gc.sampler_update(logits, cost, lr_g=0.7, method="gradient", n_samples=None, rng=None)
        # generator_objective's gradient is checked against autograd in TestObjectives
        g = gc.generator_objective(logits, cost, 0.0)[1]
        for x, y, gt in zip(new, logits, g):
            np.testing.assert_allclose(x, y - 0.7 * gt, atol=FLOAT_ATOL)

    def test_natural_sampler_update_at_lr_one_is_the_maxent_policy_for_one_step(self):
        # H = 1: logits -= (c + log q) - E_q[c + log q] leaves -c + const, so q' = exp(-c)/Z.
        logits = _random_logits(4, 1, 6)
        cost = np.array([0.3, -1.0, 2.0, 0.5])
        new = gc.sampler_update(logits, cost, lr_g=1.0, method="natural", n_samples=None, rng=None)
        np.testing.assert_allclose(gc.density(new), maxent_distribution(cost), atol=FLOAT_ATOL)

    def test_diagnostics_are_the_theory_losses(self):
        f, p, _, theta, log_z = self._setting(n=8)
        logits = _random_logits(2, 3, 7)
        q = gc.density(logits)
        loss_d, loss_g, disc_norm, gen_norm = gc.gan_form_diagnostics(theta, log_z, f, p, logits)
        assert abs(loss_d - discriminator_loss(f @ theta, log_z, q, p)) <= LOSS_ATOL
        assert abs(loss_g - generator_loss(f @ theta, log_z, q)) <= LOSS_ATOL
        g = self._theory_gradient(f, p, np.log(q), theta, log_z)
        assert abs(disc_norm - np.max(np.abs(g))) <= GRAD_ATOL
        g_phi = gc.generator_objective(logits, f @ theta, log_z)[1]
        assert abs(gen_norm - max(np.max(np.abs(x)) for x in g_phi)) <= GRAD_ATOL
