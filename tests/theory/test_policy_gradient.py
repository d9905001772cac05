"""Tests for theory.policy_gradient against independent values.

References: iterative policy evaluation (repeated Bellman backups, a different algorithm from
the linear solve), the truncated power series Σ_t γᵗ μ₀ᵀ P_πᵗ for the visitation, central
finite differences of the exact return, and hand-computed values on one- and two-state MDPs.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.special import softmax

from solvers.problems.rl_toys import chain_mdp, random_mdp
from solvers.problems.strategies import seeds
from tests.tolerances import FLOAT_ATOL
from theory.policy_gradient import discounted_state_distribution, exact_policy_gradient, policy_evaluation

#: Linear solve vs 2,000 Bellman backups at γ <= 0.9: the backups' truncation is
#: γ^2000 ||V|| < 1e-90, so the difference is rounding of the solve (cond(I - γP) <= 1/(1-γ)
#: = 10 times |V| <= 10 times eps ~ 1e-14) - stated as 1e-10 to leave room.
EVALUATION_ATOL = 1e-10
#: Central differences with h = 1e-6 on J, whose third derivative is bounded by ~|R|/(1-γ)^4
#: ~ 1e4 for γ = 0.9: truncation 1e4 h^2 / 6 ~ 2e-9, rounding eps |J| / h ~ 1e-9.
FD_ATOL = 1e-7

mdp_cases = st.builds(
    lambda s, a, seed, gamma: random_mdp(s, a, seed, gamma=gamma),
    st.integers(1, 5), st.integers(1, 4), seeds(), st.sampled_from([0.0, 0.5, 0.9]))


def _random_policy(mdp, seed, temperature=1.0):
    rng = np.random.default_rng(seed)
    return softmax(temperature * rng.standard_normal((mdp.n_states, mdp.n_actions)), axis=1)


def _iterative_evaluation(mdp, pi, n_backups=2_000):
    V = np.zeros(mdp.n_states)
    for _ in range(n_backups):
        V = np.sum(pi * (mdp.R + mdp.gamma * mdp.P @ V), axis=1)
    return V, mdp.R + mdp.gamma * mdp.P @ V


@given(mdp_cases, seeds())
def test_policy_evaluation_matches_iterative_backups(mdp, seed):
    pi = _random_policy(mdp, seed)
    values = policy_evaluation(mdp.P, mdp.R, pi, mdp.gamma)
    V, Q = _iterative_evaluation(mdp, pi)
    np.testing.assert_allclose(values.V, V, atol=EVALUATION_ATOL)
    np.testing.assert_allclose(values.Q, Q, atol=EVALUATION_ATOL)


@given(mdp_cases, seeds())
def test_advantage_has_zero_mean_under_the_policy(mdp, seed):
    pi = _random_policy(mdp, seed)
    values = policy_evaluation(mdp.P, mdp.R, pi, mdp.gamma)
    np.testing.assert_allclose(np.sum(pi * values.advantage, axis=1), 0.0, atol=EVALUATION_ATOL)


@given(mdp_cases, seeds())
def test_three_dimensional_rewards_reduce_to_their_expectation(mdp, seed):
    rng = np.random.default_rng(seed)
    R3 = rng.standard_normal(mdp.P.shape)
    R2 = np.einsum("sat,sat->sa", mdp.P, R3)
    pi = _random_policy(mdp, seed)
    a = policy_evaluation(mdp.P, R3, pi, mdp.gamma)
    b = policy_evaluation(mdp.P, R2, pi, mdp.gamma)
    np.testing.assert_allclose(a.Q, b.Q, atol=EVALUATION_ATOL)


@given(mdp_cases, seeds())
def test_visitation_is_the_discounted_power_series(mdp, seed):
    pi = _random_policy(mdp, seed)
    P_pi = np.einsum("sa,sat->st", pi, mdp.P)
    term, series = mdp.mu0.copy(), np.zeros(mdp.n_states)
    for _ in range(2_000):
        series += term
        term = mdp.gamma * term @ P_pi
    raw = discounted_state_distribution(mdp.P, pi, mdp.gamma, mdp.mu0, normalize=False)
    np.testing.assert_allclose(raw, series, atol=EVALUATION_ATOL)
    normalized = discounted_state_distribution(mdp.P, pi, mdp.gamma, mdp.mu0)
    np.testing.assert_allclose(normalized.sum(), 1.0, atol=FLOAT_ATOL)
    # J = μ₀·V = Σ_s d_γ(s) r_π(s): the two sides of the occupancy identity.
    values = policy_evaluation(mdp.P, mdp.R, pi, mdp.gamma)
    np.testing.assert_allclose(mdp.mu0 @ values.V, raw @ np.sum(pi * mdp.R, axis=1), atol=EVALUATION_ATOL)


@given(mdp_cases, seeds())
def test_exact_gradient_matches_finite_differences(mdp, seed):
    logits = np.random.default_rng(seed).standard_normal((mdp.n_states, mdp.n_actions))
    g = exact_policy_gradient(mdp.P, mdp.R, logits, mdp.gamma, mdp.mu0)

    def J(theta):
        return mdp.mu0 @ policy_evaluation(mdp.P, mdp.R, softmax(theta, axis=1), mdp.gamma).V

    h = 1e-6
    fd = np.zeros_like(logits)
    for idx in np.ndindex(logits.shape):
        e = np.zeros_like(logits)
        e[idx] = h
        fd[idx] = (J(logits + e) - J(logits - e)) / (2 * h)
    np.testing.assert_allclose(g.grad, fd, atol=FD_ATOL)
    np.testing.assert_allclose(g.J, J(logits), atol=FLOAT_ATOL)


def test_chain_gradient_points_forward_from_uniform():
    # On Strens's chain at γ = 0.99 walking forward is optimal; from the uniform policy the
    # exact gradient must raise "forward" in the state just before the payout.
    mdp = chain_mdp(5, gamma=0.99, slip=0.0)
    g = exact_policy_gradient(mdp.P, mdp.R, np.zeros((5, 2)), mdp.gamma, mdp.mu0)
    assert g.grad[4, 0] > 0 > g.grad[4, 1]
    np.testing.assert_allclose(g.grad.sum(axis=1), 0.0, atol=FLOAT_ATOL)


def test_two_state_hand_computed_values():
    # State 0: action 0 stays (reward 1), action 1 moves to the absorbing state 1 (reward 0);
    # state 1 pays 0 forever.  Under π(0|0) = p: V(0) = p / (1 - γ p).
    p, gamma = 0.3, 0.5
    P = np.array([[[1.0, 0.0], [0.0, 1.0]], [[0.0, 1.0], [0.0, 1.0]]])
    R = np.array([[1.0, 0.0], [0.0, 0.0]])
    pi = np.array([[p, 1 - p], [0.5, 0.5]])
    values = policy_evaluation(P, R, pi, gamma)
    np.testing.assert_allclose(values.V, [p / (1 - gamma * p), 0.0], atol=FLOAT_ATOL)
    d = discounted_state_distribution(P, pi, gamma, [1.0, 0.0], normalize=False)
    np.testing.assert_allclose(d, [1 / (1 - gamma * p), gamma * (1 - p) / ((1 - gamma * p) * (1 - gamma))],
                               atol=FLOAT_ATOL)


def test_large_logits_give_deterministic_values_without_warnings():
    mdp = random_mdp(4, 3, 0, gamma=0.9)
    logits = np.zeros((4, 3))
    logits[:, 1] = 800.0
    g = exact_policy_gradient(mdp.P, mdp.R, logits, mdp.gamma, mdp.mu0)
    det = np.zeros((4, 3))
    det[:, 1] = 1.0
    ref = policy_evaluation(mdp.P, mdp.R, det, mdp.gamma)
    np.testing.assert_allclose(g.J, mdp.mu0 @ ref.V, atol=FLOAT_ATOL)
    assert np.all(np.isfinite(g.grad))
    np.testing.assert_allclose(g.grad, 0.0, atol=FLOAT_ATOL)  # softmax saturated: π(1-π) = 0


@pytest.mark.parametrize("kwargs, match", [
    (dict(P=np.ones((2, 2, 3)) / 3), "`P` must have shape"),
    (dict(R=np.zeros((3, 2))), "`R` must have shape"),
    (dict(policy=np.ones((2, 3)) / 3), "`policy` must have shape"),
    (dict(policy=np.array([[0.5, 0.6], [0.5, 0.5]])), "policy"),
    (dict(gamma=1.0), "gamma"),
])
def test_policy_evaluation_rejects_bad_input(kwargs, match):
    args = dict(P=np.full((2, 2, 2), 0.5), R=np.zeros((2, 2)), policy=np.full((2, 2), 0.5), gamma=0.9)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        policy_evaluation(**args)


def test_gradient_and_distribution_reject_bad_input():
    P, R = np.full((2, 2, 2), 0.5), np.zeros((2, 2))
    with pytest.raises(ValueError, match="`logits` must have shape"):
        exact_policy_gradient(P, R, np.zeros((2, 3)), 0.9, [0.5, 0.5])
    with pytest.raises(ValueError, match="logits"):
        exact_policy_gradient(P, R, [[np.inf, 0.0], [0.0, 0.0]], 0.9, [0.5, 0.5])
    with pytest.raises(ValueError, match="`mu0` must have shape"):
        discounted_state_distribution(P, np.full((2, 2), 0.5), 0.9, [1.0])
    with pytest.raises(TypeError, match="normalize"):
        discounted_state_distribution(P, np.full((2, 2), 0.5), 0.9, [0.5, 0.5], normalize="yes")
