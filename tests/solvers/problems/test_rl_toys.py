"""The RL toy problems and their exact solutions: value iteration against the linear solve,
iterative policy evaluation against the linear solve, closed-form chain values, and the
samplers against their distributions (Monte Carlo, k standard errors)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solvers.problems.rl_toys import (
    FiniteMDP,
    bandit,
    bernoulli_bandit,
    chain_mdp,
    policy_evaluation,
    random_mdp,
    uniform_policy,
    value_iteration,
)
from tests.stats import FALSE_ALARM, assert_binomial, assert_multinomial, chi2_interval, gaussian_radius
from tests.tolerances import FLOAT_ATOL

seeds = st.integers(0, 2**32 - 1)
#: Value iteration stops at tol = 1e-12 (error <= tol/2); a linear solve of a 10-state system
#: with condition number <= (1 + γ)/(1 - γ) <= 39 loses a few more digits.
EXACT_ATOL = 1e-9
#: Value iteration's stopping tolerance (1e-12 absolute) relative to values up to
#: 10 / (1 - 0.99) = 1000, plus rounding: 1e-10 relative.
VI_RTOL = 1e-10
#: Policy evaluation by a linear solve of <= 8 states with condition <= (1+γ)/(1-γ) <= 199:
#: rounding ~ eps x condition, relative.
SOLVE_RTOL = 1e-12
#: One-state, γ = 0 evaluation: a 3-term dot product, a few ulps relative.
BANDIT_RTOL = 1e-14


@st.composite
def mdps(draw, max_states=6, max_actions=3):
    s = draw(st.integers(1, max_states))
    a = draw(st.integers(1, max_actions))
    gamma = draw(st.floats(0.0, 0.95))
    return random_mdp(s, a, draw(seeds), gamma=gamma, concentration=draw(st.floats(0.1, 3.0)))


@st.composite
def policies(draw, mdp):
    w = np.random.default_rng(draw(seeds)).dirichlet(np.ones(mdp.n_actions), size=mdp.n_states)
    return w / w.sum(axis=1, keepdims=True)


@settings(max_examples=40)
@given(mdps())
def test_value_iteration_agrees_with_the_linear_solve_of_its_greedy_policy(mdp):
    vi = value_iteration(mdp)
    assert vi.converged
    pe = policy_evaluation(mdp, vi.pi)
    np.testing.assert_allclose(pe.V, vi.V, atol=EXACT_ATOL)
    assert pe.J == pytest.approx(vi.J, abs=EXACT_ATOL)
    # Bellman optimality: V* = max_a (R + γ P V*)
    np.testing.assert_allclose(vi.V, (mdp.R + mdp.gamma * mdp.P @ vi.V).max(axis=1), atol=EXACT_ATOL)


@settings(max_examples=40)
@given(st.data())
def test_policy_evaluation_against_iterative_evaluation(data):
    mdp = data.draw(mdps())
    pi = data.draw(policies(mdp))
    pe = policy_evaluation(mdp, pi)
    # iterative policy evaluation (Sutton & Barto 2018, Section 4.1): an independent route
    P_pi = np.einsum("sa,sat->st", pi, mdp.P)
    r_pi = (pi * mdp.R).sum(axis=1)
    V = np.zeros(mdp.n_states)
    for _ in range(2000):
        V = r_pi + mdp.gamma * P_pi @ V
    np.testing.assert_allclose(pe.V, V, atol=EXACT_ATOL)
    np.testing.assert_allclose(pe.Q, mdp.R + mdp.gamma * mdp.P @ V, atol=EXACT_ATOL)
    # the occupancy (1 - γ) Σ γ^t μ_t, summed directly
    mu, occ = mdp.mu0.copy(), np.zeros(mdp.n_states)
    for t in range(2000):
        occ += (1 - mdp.gamma) * mdp.gamma ** t * mu
        mu = mu @ P_pi
    np.testing.assert_allclose(pe.occupancy, occ, atol=EXACT_ATOL)
    assert pe.occupancy.sum() == pytest.approx(1.0, abs=FLOAT_ATOL)
    # J = Σ_s d(s) r_π(s) / (1 - γ)
    assert pe.J == pytest.approx(pe.occupancy @ r_pi / (1 - mdp.gamma), abs=EXACT_ATOL)


@pytest.mark.parametrize("gamma", [0.5, 0.9, 0.99])
@pytest.mark.parametrize("n", [2, 5, 8])
def test_chain_without_slip_has_its_closed_form_values(gamma, n):
    mdp = chain_mdp(n, gamma=gamma, slip=0.0, small_reward=2.0, large_reward=10.0)
    vi = value_iteration(mdp)
    # walk forward: n - 1 steps of zero reward, then 10 for ever; or go back: 2 for ever
    forward = gamma ** (n - 1) * 10.0 / (1 - gamma)
    back = 2.0 / (1 - gamma)
    assert vi.J == pytest.approx(max(forward, back), rel=VI_RTOL)
    always_back = np.tile([0.0, 1.0], (n, 1))
    assert policy_evaluation(mdp, always_back).J == pytest.approx(back, rel=SOLVE_RTOL)


def test_strens_chain_prefers_walking_forward():
    mdp = chain_mdp(5, gamma=0.9)
    vi = value_iteration(mdp)
    np.testing.assert_array_equal(vi.pi.argmax(axis=1), np.zeros(5))
    always_back = np.tile([0.0, 1.0], (5, 1))
    assert policy_evaluation(mdp, always_back).J < vi.J
    # slip swaps the actions: P rows stay distributions and the expected rewards mix
    np.testing.assert_allclose(mdp.R[4], [0.8 * 10 + 0.2 * 2, 0.8 * 2 + 0.2 * 10])


def test_bandit_is_a_one_state_mdp_with_linear_value():
    means = np.array([0.3, -1.0, 2.0])
    mdp = bandit(means, std=0.5)
    assert (mdp.n_states, mdp.n_actions, mdp.gamma) == (1, 3, 0.0)
    pi = np.array([[0.2, 0.3, 0.5]])
    assert policy_evaluation(mdp, pi).J == pytest.approx(pi[0] @ means, rel=BANDIT_RTOL)
    assert value_iteration(mdp).J == pytest.approx(2.0)


@pytest.mark.statistical
def test_reward_samplers_match_their_moments():
    n = 200_000
    means = np.array([0.3, -1.0])
    g = bandit(means, std=[0.5, 2.0])
    a = np.tile([0, 1], n // 2)
    r = g.sample_reward(np.zeros(n, dtype=int), a, 0)
    for arm, (m, sd) in enumerate(zip(means, [0.5, 2.0])):
        x = r[a == arm]
        # exact laws of Gaussian draws (false-alarm FALSE_ALARM each): the mean is N(m, sd²/n),
        # Σ(x - x̄)²/sd² ~ χ²(n - 1)
        assert abs(x.mean() - m) <= gaussian_radius(sd / np.sqrt(x.size))
        lo, hi = chi2_interval(x.size - 1)
        assert lo <= x.size * x.var() / sd**2 <= hi
    b = bernoulli_bandit([0.1, 0.7])
    r = b.sample_reward(np.zeros(n, dtype=int), a, 1)
    assert set(np.unique(r)) <= {0.0, 1.0}
    for arm, prob in enumerate([0.1, 0.7]):
        x = r[a == arm]
        assert_binomial(int(x.sum()), x.size, prob)  # exact binomial tail, FALSE_ALARM
    # negative control: the arm-1 count against a success probability 0.71 (6.9 exact SDs) is rejected
    with pytest.raises(AssertionError):
        assert_binomial(int(r[a == 1].sum()), n // 2, 0.71)


@pytest.mark.statistical
@settings(max_examples=10)
@given(mdps(max_states=4, max_actions=2), seeds)
def test_transitions_and_initial_states_follow_their_distributions(mdp, seed):
    n = 20_000
    # Counts against the exact multinomials (exact binomial tails, Bonferroni over states):
    # false alarm <= FALSE_ALARM each, also for states of probability n p << 1.
    s0 = mdp.sample_initial(n, seed)
    assert_multinomial(np.bincount(s0, minlength=mdp.n_states), mdp.mu0, FALSE_ALARM)
    s = np.zeros(n, dtype=int)
    a = np.zeros(n, dtype=int)
    s2, r = mdp.step(s, a, seed + 1)
    assert_multinomial(np.bincount(s2, minlength=mdp.n_states), mdp.P[0, 0], FALSE_ALARM)
    np.testing.assert_array_equal(r, mdp.R[0, 0])  # noise-free rewards


def test_zero_probability_states_are_never_reached():
    P = np.zeros((3, 1, 3))
    P[:, 0, 1] = 1.0  # always to state 1
    mdp = FiniteMDP(P=P, R=np.zeros((3, 1)), mu0=[0.0, 0.0, 1.0], gamma=0.5)
    s2, _ = mdp.step(np.array([0, 1, 2] * 1000), np.zeros(3000, dtype=int), 0)
    assert np.all(s2 == 1)
    assert np.all(mdp.sample_initial(1000, 1) == 2)


def test_random_mdp_is_reproducible_and_valid():
    a, b = random_mdp(4, 3, 7), random_mdp(4, 3, 7)
    np.testing.assert_array_equal(a.P, b.P)
    np.testing.assert_array_equal(a.R, b.R)
    np.testing.assert_allclose(a.P.sum(axis=-1), 1.0, atol=FLOAT_ATOL)
    assert not a.P.flags.writeable


def test_uniform_policy_rows_sum_to_one():
    np.testing.assert_allclose(uniform_policy(chain_mdp(4)).sum(axis=1), 1.0)


@pytest.mark.parametrize("kwargs, match", [
    (dict(P=np.ones((2, 1, 2)), R=np.zeros((2, 1)), mu0=[0.5, 0.5], gamma=0.5), "P"),
    (dict(P=np.full((2, 1, 3), 1 / 3), R=np.zeros((2, 1)), mu0=[0.5, 0.5], gamma=0.5), "P"),
    (dict(P=np.full((2, 1, 2), 0.5), R=np.zeros((2, 2)), mu0=[0.5, 0.5], gamma=0.5), "R"),
    (dict(P=np.full((2, 1, 2), 0.5), R=np.zeros((2, 1)), mu0=[1.0], gamma=0.5), "mu0"),
    (dict(P=np.full((2, 1, 2), 0.5), R=np.zeros((2, 1)), mu0=[0.5, 0.5], gamma=1.0), "gamma"),
    (dict(P=np.full((2, 1, 2), 0.5), R=np.zeros((2, 1)), mu0=[0.5, 0.5], gamma=0.5, reward_std=-1.0),
     "reward_std"),
    (dict(P=np.full((2, 1, 2), 0.5), R=np.full((2, 1), 2.0), mu0=[0.5, 0.5], gamma=0.5,
          reward_noise="bernoulli"), "R"),
    (dict(P=np.full((2, 1, 2), 0.5), R=np.zeros((2, 1)), mu0=[0.5, 0.5], gamma=0.5, reward_noise="cauchy"),
     "reward_noise"),
])
def test_finite_mdp_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        FiniteMDP(**kwargs)


def test_sampling_and_evaluation_errors():
    mdp = chain_mdp(3)
    with pytest.raises(ValueError, match="`s`"):
        mdp.step(np.array([3]), np.array([0]), 0)
    with pytest.raises(TypeError, match="`a`"):
        mdp.step(np.array([0]), np.array([0.5]), 0)
    with pytest.raises(ValueError, match="pi"):
        policy_evaluation(mdp, np.ones((3, 3)) / 3)
    with pytest.raises(TypeError, match="mdp"):
        value_iteration("chain")
    with pytest.raises(ValueError, match="n_states"):
        chain_mdp(1)
    with pytest.raises(ValueError, match="probs"):
        bernoulli_bandit([0.5, 1.5])
