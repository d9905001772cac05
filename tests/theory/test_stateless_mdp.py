"""Tests for theory.stateless_mdp (Pfau & Vinyals 2016, Section 2.3) against independent values.

References: plain-Python enumeration of the episode table (coin x atom), conditioning of the
problem's own episode table (solvers.problems.stateless_mdp), bounded scalar minimization of
each atom's expected Bellman error (scipy), the GAN closed forms of theory.gan /
theory.divergences at real_prob = 1/2, the categorical GAN's hand-derived generator gradient
(solvers.tabular.gan), central finite differences, and Monte Carlo frequencies at fixed seeds.
"""

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar
from scipy.special import logit, softmax

from solvers.problems.stateless_mdp import TabularStatelessMDP
from solvers.problems.strategies import (
    batched_pairs,
    full_support_vectors,
    logits,
    matched_pairs,
    probability_vectors,
    seeds,
)
from solvers.tabular.gan import generator_gradient
from tests.stats import FALSE_ALARM, assert_binomial
from tests.tolerances import FLOAT_ATOL
from theory.divergences import js_divergence
from theory.gan import gan_value, optimal_discriminator
from theory.stateless_mdp import (
    bayes_critic,
    bayes_critic_sensitivity,
    bellman_error,
    critic_actor_gradient,
    expected_reward,
    optimal_bellman_error,
    true_policy_gradient,
)

# ----------------------------------------------------------------------------- tolerances
#: Bounded Brent minimization of a smooth convex function of Q resolves its argmin only to
#: ~sqrt(eps) relative in the objective; xatol = 1e-12 gives the argmin to ~1e-7.
ARGMIN_ATOL = 1e-6
#: Central differences with step h = 1e-6 on functions whose third derivative is O(1/atom^2):
#: truncation h^2 / atom^2 <= 1e-8 for atoms >= 1e-2, plus rounding eps / h ~ 1e-10.
FD_ATOL = 1e-6
#: Sums of <= 8 logs of probabilities >= 1e-12 (|terms| <= 30) by two float64 routes.
LOG_SUM_ATOL = 1e-11
#: Critic-actor gradient vs the tabular GAN generator gradient: two independent float64 routes
#: over <= 8 atoms down to 1e-6, through logits of D* near 0/1; rounding only, absolute.
GRADIENT_ROUTE_ATOL = 1e-10

#: Atoms below this are set to 0 (then renormalized) in tests that evaluate a Bellman error at
#: the rounded Bayes critic: where (1 - rho) q / (rho p) < ~1e-16 the critic rounds to exactly 1
#: and the cross-entropy at that rounded critic is +inf although the minimum is finite (the
#: same float64 effect as theory.gan.optimal_discriminator's Notes).
RATIO_FLOOR = 1e-6


def _floor(v):
    v = np.where(v < RATIO_FLOOR, 0.0, v)
    return v / v.sum()


safe_pairs = matched_pairs().map(lambda pq: (_floor(pq[0]), _floor(pq[1])))

#: real_prob: the endpoints 0 and 1, one half, and the whole interval (without subnormal
#: values, for which the reference episode table rho * p underflows to 0 while the closed
#: form, which rescales before multiplying, does not).
real_probs = st.one_of(st.sampled_from([0.0, 0.5, 1.0]), st.floats(0.0, 1.0, allow_subnormal=False))
interior_real_probs = st.floats(0.05, 0.95)


def enumerate_reward(p, q, rho):
    """E[r] by walking the 2 x K episode table in plain Python."""
    total = 0.0
    for coin, weight in (("real", rho), ("fake", 1.0 - rho)):
        for pi, qi in zip(p, q):
            prob = weight * (pi if coin == "real" else qi)
            total += prob * (1.0 if coin == "real" else 0.0)
    return total


# ----------------------------------------------------------------------------- expected reward
@given(matched_pairs(), real_probs)
@example((np.array([1.0, 0.0]), np.array([0.0, 1.0])), 0.5)
@example((np.array([0.5, 0.5]), np.array([1.0, 0.0])), 1.0)
@example((np.array([0.5, 0.5]), np.array([1.0, 0.0])), 0.0)
def test_expected_reward_is_real_prob_for_every_policy(pq, rho):
    p, q = pq
    value = expected_reward(p, q, rho)
    assert value == pytest.approx(rho, abs=FLOAT_ATOL)
    assert value == pytest.approx(enumerate_reward(p, q, rho), abs=FLOAT_ATOL)


@given(batched_pairs(), real_probs)
def test_expected_reward_batches(pq, rho):
    p, q = pq
    out = expected_reward(p, q, rho)
    assert out.shape == (p.shape[0],)
    np.testing.assert_allclose(out, [expected_reward(a, b, rho) for a, b in zip(p, q)], atol=FLOAT_ATOL)


@pytest.mark.statistical
def test_expected_reward_one_atom_and_monte_carlo():
    assert float(expected_reward([1.0], [1.0], 0.3)) == pytest.approx(0.3)
    mdp = TabularStatelessMDP([0.2, 0.3, 0.5], real_prob=0.3)
    ep = mdp.sample_episodes([1.0, 0.0, 0.0], 100_000, 11)
    # rewards are 0/1, i.i.d. Bernoulli(expected reward): exact binomial tail, FALSE_ALARM
    count = int(ep.reward.sum())
    assert_binomial(count, ep.n, float(expected_reward(mdp.p_data, [1.0, 0.0, 0.0], 0.3)))
    with pytest.raises(AssertionError):  # negative control: real_prob 0.31 (6.9 exact SDs)
        assert_binomial(count, ep.n, float(expected_reward(mdp.p_data, [1.0, 0.0, 0.0], 0.31)))


@st.composite
def data_and_logits(draw, min_size=2, max_size=8):
    """p_data (zero atoms allowed) and actor logits of the same (drawn) length."""
    k = draw(st.integers(min_size, max_size))
    return draw(probability_vectors(k)), draw(logits(k))


@given(data_and_logits(), real_probs)
@example((np.array([1.0, 0.0]), np.array([50.0, -50.0])), 0.5)
def test_true_policy_gradient_is_zero(p_theta, rho):
    p, theta = p_theta
    g = true_policy_gradient(p, theta, rho)
    assert g.shape == p.shape
    np.testing.assert_allclose(g, 0.0, atol=FLOAT_ATOL)


def test_true_policy_gradient_by_finite_differences():
    p, theta, rho, h = np.array([0.1, 0.6, 0.3]), np.array([0.3, -1.0, 2.0]), 0.4, 1e-6
    fd = [(expected_reward(p, softmax(theta + h * e), rho) - expected_reward(p, softmax(theta - h * e), rho))
          / (2 * h) for e in np.eye(3)]
    np.testing.assert_allclose(true_policy_gradient(p, theta, rho), fd, atol=FD_ATOL)


# ----------------------------------------------------------------------------- Bayes critic
@given(matched_pairs(), real_probs)
@example((np.array([0.5, 0.5, 0.0]), np.array([0.0, 1.0, 0.0])), 0.5)
@example((np.array([0.5, 0.5, 0.0]), np.array([0.0, 1.0, 0.0])), 0.0)
@example((np.array([0.5, 0.5, 0.0]), np.array([0.0, 1.0, 0.0])), 1.0)
def test_bayes_critic_is_the_conditional_reward_of_the_episode_table(pq, rho):
    p, q = pq
    c = bayes_critic(p, q, rho)
    assert np.all((c >= 0) & (c <= 1))
    # P(r = 1 | x) from the episode table in exact rational arithmetic (no underflow)
    r = Fraction(rho)
    for pi, qi, ci in zip(p, q, c):
        real, fake = r * Fraction(pi), (1 - r) * Fraction(qi)
        if real + fake > 0:
            assert ci == pytest.approx(float(real / (real + fake)), abs=FLOAT_ATOL)
        else:
            assert ci == rho  # documented convention: no episode shows x


def test_bayes_critic_matches_the_problems_episode_table():
    p, q, rho = np.array([0.1, 0.0, 0.6, 0.3]), np.array([0.5, 0.2, 0.3, 0.0]), 0.3
    table = TabularStatelessMDP(p, rho).episode_table(q)  # (2, K): fake, real
    np.testing.assert_allclose(bayes_critic(p, q, rho), table[1] / table.sum(axis=0), atol=FLOAT_ATOL)


@given(matched_pairs(), batched_pairs())
def test_bayes_critic_at_one_half_is_the_optimal_discriminator(pq, batch):
    for p, q in (pq, batch):
        np.testing.assert_allclose(bayes_critic(p, q), optimal_discriminator(p, q), atol=FLOAT_ATOL)


@given(matched_pairs(min_prob=1e-3, max_size=5), interior_real_probs)
def test_bayes_critic_minimizes_each_atoms_bellman_error(pq, rho):
    p, q = pq
    a, b = rho * p, (1 - rho) * q
    c = bayes_critic(p, q, rho)
    for ai, bi, ci in zip(a, b, c):
        ce = minimize_scalar(lambda y: -ai * math.log(y) - bi * math.log1p(-y),
                             bounds=(1e-12, 1 - 1e-12), method="bounded", options={"xatol": 1e-12})
        sq = minimize_scalar(lambda y: ai * (1 - y) ** 2 + bi * y**2,
                             bounds=(0.0, 1.0), method="bounded", options={"xatol": 1e-12})
        assert ce.x == pytest.approx(ci, abs=ARGMIN_ATOL)
        assert sq.x == pytest.approx(ci, abs=ARGMIN_ATOL)


@given(safe_pairs, st.one_of(st.sampled_from([0.0, 0.5, 1.0]), st.floats(0.01, 0.99)), seeds())
def test_bellman_errors_are_minimal_at_the_bayes_critic(pq, rho, seed):
    p, q = pq
    c = bayes_critic(p, q, rho)
    others = np.random.default_rng(seed).uniform(0.0, 1.0, size=(64, p.size))
    for loss in ("cross_entropy", "squared"):
        best = optimal_bellman_error(p, q, rho, loss=loss)
        at_c = bellman_error(c, p, q, rho, loss=loss)
        assert at_c == pytest.approx(best, abs=LOG_SUM_ATOL)
        assert np.all(bellman_error(others, p, q, rho, loss=loss) >= best - LOG_SUM_ATOL)


@given(matched_pairs())
def test_cross_entropy_bellman_error_is_minus_half_the_gan_value(pq):
    p, q = pq
    d = np.random.default_rng(0).uniform(1e-3, 1 - 1e-3, size=p.size)
    assert float(bellman_error(d, p, q)) == pytest.approx(-0.5 * float(gan_value(d, p, q)), abs=LOG_SUM_ATOL)
    assert float(optimal_bellman_error(p, q)) == pytest.approx(math.log(2) - float(js_divergence(p, q)),
                                                               abs=LOG_SUM_ATOL)


@pytest.mark.statistical
def test_bayes_critic_frequency_matches_monte_carlo():
    # Given x, the reward is Bernoulli(c(x)) (c the Bayes critic): the reward count among the
    # visits of x is exactly Binomial(visits, c(x)); exact tails, Bonferroni over the 4 atoms
    # (c = 0 or 1 atoms must give 0 or all rewards), false-alarm FALSE_ALARM.
    p, q, rho = np.array([0.1, 0.4, 0.5, 0.0]), np.array([0.3, 0.3, 0.0, 0.4]), 0.35
    ep = TabularStatelessMDP(p, rho).sample_episodes(q, 200_000, 5)
    c = bayes_critic(p, q, rho)
    for x in range(4):
        r = ep.reward[ep.x == x]
        assert_binomial(int(r.sum()), r.size, c[x], FALSE_ALARM / 4, what=f"rewards at x={x}")
    # negative control: the critic at rho = 0.37 is rejected
    wrong = bayes_critic(p, q, 0.37)
    with pytest.raises(AssertionError):
        for x in range(4):
            r = ep.reward[ep.x == x]
            assert_binomial(int(r.sum()), r.size, wrong[x], FALSE_ALARM / 4)


def test_bayes_critic_edges():
    np.testing.assert_array_equal(bayes_critic([0.5, 0.5, 0.0], [0.0, 0.5, 0.5], 1.0), [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(bayes_critic([0.5, 0.5, 0.0], [0.0, 0.5, 0.5], 0.0), [0.0, 0.0, 0.0])
    # densities (need not sum to 1), tiny values, no warnings
    assert bayes_critic([1e-300, 2.0], [1.0, 0.0], 0.5)[1] == 1.0


# ----------------------------------------------------------------------------- actor through critic
def frozen_objective(p, theta, rho, objective, critic):
    f = {"q": critic, "log_q": np.log(critic), "minimax": -np.log1p(-critic)}[objective]
    return float(softmax(theta) @ f)


@given(full_support_vectors(4, min_prob=1e-2), logits(4, min_value=-3, max_value=3), interior_real_probs,
       st.sampled_from(["q", "log_q", "minimax"]))
def test_critic_actor_gradient_by_finite_differences(p, theta, rho, objective):
    critic = bayes_critic(p, softmax(theta), rho)  # frozen at the current policy
    h = 1e-6
    fd = [(frozen_objective(p, theta + h * e, rho, objective, critic)
           - frozen_objective(p, theta - h * e, rho, objective, critic)) / (2 * h) for e in np.eye(4)]
    g = critic_actor_gradient(p, theta, rho, objective=objective)
    np.testing.assert_allclose(g, fd, atol=FD_ATOL)
    assert abs(g.sum()) < FLOAT_ATOL


@given(matched_pairs(min_prob=1e-6), st.sampled_from([("minimax", "minimax"), ("log_q", "non_saturating")]))
def test_critic_actor_gradient_is_minus_the_generator_gradient(pq, losses):
    p, q = pq
    objective, gan_loss = losses
    theta = np.log(q)
    psi = logit(optimal_discriminator(p, q))
    np.testing.assert_allclose(critic_actor_gradient(p, theta, objective=objective),
                               -generator_gradient(psi, theta, loss=gan_loss), atol=GRADIENT_ROUTE_ATOL)


@given(batched_pairs(min_prob=1e-6), interior_real_probs, st.sampled_from(["q", "log_q", "minimax"]))
def test_critic_actor_gradient_batches(pq, rho, objective):
    p, q = pq
    out = critic_actor_gradient(p, np.log(q), rho, objective=objective)
    rows = [critic_actor_gradient(a, np.log(b), rho, objective=objective) for a, b in zip(p, q)]
    np.testing.assert_allclose(out, rows, atol=FLOAT_ATOL)


@given(full_support_vectors(), real_probs, st.sampled_from(["q", "log_q", "minimax"]))
def test_no_actor_gradient_when_the_policy_is_the_data(p, rho, objective):
    assume(objective == "q" or 0 < rho < 1)
    g = critic_actor_gradient(p, np.log(p), rho, objective=objective)
    np.testing.assert_allclose(g, 0.0, atol=FLOAT_ATOL)


def test_frozen_critic_gradient_is_nonzero_where_the_true_one_vanishes():
    p, theta = np.array([0.7, 0.2, 0.1]), np.zeros(3)
    g = critic_actor_gradient(p, theta, objective="q")
    # closed form: q = 1/3, Q* = p / (p + 1/3), gradient q (Q* - mean Q*)
    c = p / (p + 1 / 3)
    np.testing.assert_allclose(g, (c - c.mean()) / 3, atol=FLOAT_ATOL)
    assert np.linalg.norm(g) > 0.05
    np.testing.assert_allclose(true_policy_gradient(p, theta), 0.0, atol=FLOAT_ATOL)


def test_critic_actor_gradient_edges():
    # deterministic-looking policy (large logits), two atoms, data with a zero atom: "q" and
    # "minimax" are finite
    for objective in ("q", "minimax"):
        g = critic_actor_gradient([1.0, 0.0], [50.0, -50.0], objective=objective)
        assert np.all(np.isfinite(g))
    with pytest.raises(ValueError, match="log_q"):
        critic_actor_gradient([1.0, 0.0], [0.0, 0.0], objective="log_q")
    with pytest.raises(ValueError, match="minimax"):
        critic_actor_gradient([0.5, 0.5], [0.0, 0.0], 1.0, objective="minimax")
    np.testing.assert_allclose(critic_actor_gradient([0.5, 0.5], [0.0, 1.0], 0.0), 0.0, atol=FLOAT_ATOL)
    with pytest.raises(ValueError, match="objective"):
        critic_actor_gradient([0.5, 0.5], [0.0, 0.0], objective="value")


@given(matched_pairs(min_prob=1e-2, max_size=5), interior_real_probs)
def test_bayes_critic_sensitivity_by_finite_differences(pq, rho):
    p, q = pq
    h = 1e-7
    fd = (bayes_critic(p, q + h, rho) - bayes_critic(p, q - h, rho)) / (2 * h)  # densities allowed
    sens = bayes_critic_sensitivity(p, q, rho)
    np.testing.assert_allclose(sens, fd, atol=FD_ATOL)
    assert np.all(sens <= 0)


@given(matched_pairs(), real_probs)
def test_bayes_critic_sensitivity_is_finite_and_nonpositive(pq, rho):
    p, q = pq
    s = bayes_critic_sensitivity(p, q, rho)
    assert np.all(s <= 0) and not np.any(np.isnan(s))
    np.testing.assert_array_equal(s[p == 0], 0.0)


# ----------------------------------------------------------------------------- validation
@pytest.mark.parametrize("fn", [expected_reward, bayes_critic, optimal_bellman_error])
def test_named_errors(fn):
    with pytest.raises(ValueError, match="real_prob"):
        fn([0.5, 0.5], [0.5, 0.5], 1.5)
    with pytest.raises(TypeError, match="real_prob"):
        fn([0.5, 0.5], [0.5, 0.5], "half")
    with pytest.raises(ValueError, match="p_data"):
        fn([0.5, -0.5], [0.5, 0.5])
    with pytest.raises(ValueError, match="`p_data` and `policy`"):
        fn([0.5, 0.5], [0.2, 0.3, 0.5])


def test_named_errors_of_the_other_functions():
    with pytest.raises(ValueError, match="critic"):
        bellman_error([1.5, 0.0], [0.5, 0.5], [0.5, 0.5])
    with pytest.raises(ValueError, match="loss"):
        bellman_error([0.5, 0.5], [0.5, 0.5], [0.5, 0.5], loss="hinge")
    with pytest.raises(ValueError, match="policy"):
        expected_reward([0.5, 0.5], [0.6, 0.6])
    with pytest.raises(ValueError, match="logits"):
        true_policy_gradient([0.5, 0.5], [np.inf, 0.0])
    with pytest.raises(ValueError, match="logits"):
        critic_actor_gradient([0.5, 0.5], 1.0)


@given(probability_vectors(min_size=2, max_size=2), probability_vectors(min_size=2, max_size=2), real_probs)
def test_two_atoms_no_nan(p, q, rho):
    for loss in ("cross_entropy", "squared"):
        c = bayes_critic(p, q, rho)
        assert not np.any(np.isnan(c))
        assert not np.isnan(bellman_error(c, p, q, rho, loss=loss))
        assert np.isfinite(optimal_bellman_error(p, q, rho, loss=loss))
