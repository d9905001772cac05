"""Sutton & Barto's maximization-bias MDP (Example 6.7) and its exact references: the FiniteMDP
view against hand-derived values via value_iteration, the ε-greedy floor, and the properties of
the exact early-episode probabilities that follow without the derivation (the Monte Carlo
comparison with the learners is in test_qlearning.py)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import norm

from solvers.problems.maxbias import (
    DEFAULT_N_B_ACTIONS,
    LEFT,
    RIGHT,
    STATE_A,
    STATE_B,
    TERMINAL,
    MaxBiasMDP,
    early_left_probability,
    epsilon_greedy_left_probability,
)
from solvers.problems.rl_toys import value_iteration
from tests.stats import chi2_interval, gaussian_radius
from tests.tolerances import FLOAT_ATOL

seeds = st.integers(0, 2**32 - 1)
#: The FiniteMDP view uses γ = 1 - 1e-9: its q(A, left) = γ μ differs from the undiscounted μ
#: by (1 - γ)|μ| <= 1e-9 |μ|; μ is drawn from [-5, 5].
GAMMA_ATOL = 1e-8


def test_book_values():
    mdp = MaxBiasMDP()
    assert mdp.n_b_actions == DEFAULT_N_B_ACTIONS == 10
    assert (mdp.reward_mean, mdp.reward_std) == (-0.1, 1.0)
    np.testing.assert_array_equal(mdp.q_star_a, [-0.1, 0.0])
    np.testing.assert_array_equal(mdp.q_star_b, np.full(10, -0.1))
    assert (LEFT, RIGHT) == (0, 1) and (STATE_A, STATE_B, TERMINAL) == (0, 1, 2)


@given(n_b=st.integers(1, 12), mean=st.floats(-5, 5), std=st.floats(0, 3))
def test_finite_mdp_view_has_the_hand_derived_optimal_values(n_b, mean, std):
    problem = MaxBiasMDP(n_b, mean, std)
    fm = problem.as_finite_mdp()
    assert fm.P.shape == (3, max(2, n_b), 3)
    vi = value_iteration(fm)
    # q*(B, b) = μ, q*(A, left) = μ (γ → 1), q*(A, right) = 0, the terminal is worth 0.
    np.testing.assert_allclose(vi.Q[STATE_B, :n_b], problem.q_star_b, atol=FLOAT_ATOL)
    np.testing.assert_allclose(vi.Q[STATE_A, :2], problem.q_star_a, atol=GAMMA_ATOL)
    np.testing.assert_allclose(vi.Q[TERMINAL], 0.0, atol=FLOAT_ATOL)
    # padded actions copy the last real action: V* unchanged
    assert vi.V[STATE_A] == pytest.approx(max(mean, 0.0), abs=GAMMA_ATOL)
    np.testing.assert_allclose(vi.Q[STATE_A, 1:], 0.0, atol=FLOAT_ATOL)
    np.testing.assert_array_equal(fm.reward_std[STATE_B], std)
    np.testing.assert_array_equal(fm.reward_std[[STATE_A, TERMINAL]], 0.0)


@pytest.mark.statistical
def test_finite_mdp_view_rewards_are_the_book_gaussian():
    fm = MaxBiasMDP().as_finite_mdp()
    n = 200_000
    s = np.full(n, STATE_B)
    a = np.random.default_rng(0).integers(10, size=n)
    s_next, r = fm.step(s, a, 1)
    assert np.all(s_next == TERMINAL)
    # Exact laws of n i.i.d. N(-0.1, 1) draws, false-alarm FALSE_ALARM each: the mean is
    # N(-0.1, 1/n); Σ(x - x̄)² ~ χ²(n - 1) (r.var() is that sum / n).
    assert abs(r.mean() + 0.1) <= gaussian_radius(1 / np.sqrt(n))
    lo, hi = chi2_interval(n - 1)
    assert lo <= n * r.var() <= hi
    # negative control: a reward SD of 1.02 (or mean -0.12) would fail: 1.02² n = 208,080 > hi
    assert 1.02**2 * n > hi and 0.02 > gaussian_radius(1 / np.sqrt(n))
    s_next, r = fm.step(np.zeros(4, int), np.array([LEFT, RIGHT, LEFT, RIGHT]), 2)
    np.testing.assert_array_equal(s_next, [STATE_B, TERMINAL, STATE_B, TERMINAL])
    np.testing.assert_array_equal(r, 0.0)


@pytest.mark.statistical
def test_sample_b_rewards_moments():
    r = MaxBiasMDP(reward_mean=0.3, reward_std=2.0).sample_b_rewards(100_000, 5)
    # the mean of n i.i.d. N(0.3, 4) draws is N(0.3, 4/n) exactly: false-alarm FALSE_ALARM
    assert abs(r.mean() - 0.3) <= gaussian_radius(2.0 / np.sqrt(r.size))
    assert MaxBiasMDP().sample_b_rewards(0, 1).shape == (0,)


def test_finite_mdp_refuses_gamma_one():
    with pytest.raises(ValueError, match="gamma"):
        MaxBiasMDP().as_finite_mdp(gamma=1.0)


@pytest.mark.parametrize("kwargs, err, match", [
    ({"n_b_actions": 0}, ValueError, "n_b_actions"),
    ({"n_b_actions": 2.5}, TypeError, "n_b_actions"),
    ({"reward_std": -1.0}, ValueError, "reward_std"),
    ({"reward_mean": np.nan}, ValueError, "reward_mean"),
    ({"reward_mean": [0.1, 0.2]}, ValueError, "reward_mean"),
])
def test_bad_problem_arguments(kwargs, err, match):
    with pytest.raises(err, match=match):
        MaxBiasMDP(**kwargs)


def test_epsilon_greedy_floor():
    assert epsilon_greedy_left_probability(0.1) == pytest.approx(0.05, abs=FLOAT_ATOL)
    assert epsilon_greedy_left_probability(0.1, reward_mean=0.1) == pytest.approx(0.95, abs=FLOAT_ATOL)
    assert epsilon_greedy_left_probability(0.3, reward_mean=0.0) == 0.5
    assert epsilon_greedy_left_probability(0.0) == 0.0
    assert epsilon_greedy_left_probability(1.0) == 0.5
    with pytest.raises(ValueError, match="epsilon"):
        epsilon_greedy_left_probability(1.5)


@given(method=st.sampled_from(["q", "double_q"]), n_b=st.integers(3, 50), alpha=st.floats(0, 1),
       mean=st.floats(-3, 3))
def test_early_probability_is_one_half_when_behaviour_ignores_values(method, n_b, alpha, mean):
    """With ε = 1 the behaviour is uniform whatever the estimates: every episode has P = 1/2."""
    last = 4 if method == "q" else 3
    for k in range(1, last + 1):
        assert early_left_probability(method, k, n_b_actions=n_b, alpha=alpha, epsilon=1.0,
                                      reward_mean=mean) == pytest.approx(0.5, abs=FLOAT_ATOL)


@given(method=st.sampled_from(["q", "double_q"]), n_b=st.integers(3, 50), eps=st.floats(0, 1))
def test_early_probability_is_one_half_when_nothing_is_learned(method, n_b, eps):
    """With α = 0 nothing is ever updated: ties at every episode, P = 1/2."""
    last = 4 if method == "q" else 3
    for k in range(1, last + 1):
        assert early_left_probability(method, k, n_b_actions=n_b, alpha=0.0, epsilon=eps) == \
            pytest.approx(0.5, abs=FLOAT_ATOL)


def test_early_probability_limits_in_the_reward_mean():
    # Rewards certainly negative: Q(A, left) is never positive, ties only => P = 1/2 (n_b >= 3).
    for k in (3, 4):
        assert early_left_probability("q", k, reward_mean=-60.0) == pytest.approx(0.5, abs=FLOAT_ATOL)
    # Certainly positive (p = 1): episode 3 = 1/2 + (1 - ε)/8 for Q-learning.
    assert early_left_probability("q", 3, reward_mean=60.0, epsilon=0.2) == pytest.approx(0.6, abs=FLOAT_ATOL)


def test_early_probability_book_setting_values():
    p = norm.cdf(-0.1)  # P(N(-0.1, 1) > 0)
    assert early_left_probability("q", 3) == pytest.approx(0.5 + 0.9 * p / 8, abs=FLOAT_ATOL)
    assert early_left_probability("double_q", 3) == pytest.approx(0.5 + 0.9 * (p - 0.5) / 80, abs=FLOAT_ATOL)
    # episode 4 exceeds episode 3 (more runs have had a positive B reward)
    assert early_left_probability("q", 4) > early_left_probability("q", 3) > 0.5


@pytest.mark.parametrize("method, episode, kwargs, match", [
    ("q", 5, {}, "episode"),
    ("double_q", 4, {}, "episode"),
    ("q", 0, {}, "episode"),
    ("q", 4, {"n_b_actions": 2}, "n_b_actions"),
    ("sarsa", 1, {}, "method"),
    ("q", 3, {"reward_std": 0.0}, "reward_std"),
    ("q", 3, {"alpha": 2.0}, "alpha"),
])
def test_early_probability_bad_arguments(method, episode, kwargs, match):
    with pytest.raises(ValueError, match=match):
        early_left_probability(method, episode, **kwargs)
