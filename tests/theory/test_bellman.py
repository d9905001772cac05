"""Tests for theory.bellman (the batched Bellman solve) against independent values.

References: repeated Bellman backups (a different algorithm from the linear solve), the
state-action chain iterated forward for the occupancy x_{t+1}(s', a') = Σ_{s,a} x_t(s, a)
P(s'|s, a) π(a'|s') (Puterman 1994, Section 6.9), the flow constraints of the dual LP, and
hand-computed values.  The batched call is checked item by item against the backups, so a
broadcasting mistake cannot hide behind a comparison of the function with itself.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.special import softmax

from solvers.problems.rl_toys import random_mdp
from solvers.problems.strategies import seeds
from tests.tolerances import FLOAT_ATOL
from theory.bellman import (
    bellman_solve,
    discounted_state_action_distribution,
    discounted_state_distribution,
    policy_evaluation,
)

#: Linear solve vs 2,000 backups / forward steps at γ <= 0.9: truncation γ^2000 < 1e-90; the
#: rest is rounding of a solve with cond(I - γP) <= (1 + γ)/(1 - γ) = 19 on |V| <= 10 max|R|
#: (~1e-14), stated as 1e-10 to leave room.
EVALUATION_ATOL = 1e-10
N_STEPS = 2_000

mdp_cases = st.builds(
    lambda s, a, seed, gamma: random_mdp(s, a, seed, gamma=gamma),
    st.integers(1, 4), st.integers(1, 3), seeds(), st.sampled_from([0.0, 0.5, 0.9]))


def _policies(mdp, seed, batch):
    rng = np.random.default_rng(seed)
    return softmax(rng.standard_normal((batch, mdp.n_states, mdp.n_actions)), axis=-1)


def _backups(P, r, pi, gamma):
    V = np.zeros(P.shape[0])
    for _ in range(N_STEPS):
        V = np.sum(pi * (r + gamma * P @ V), axis=1)
    return V, r + gamma * P @ V


def _forward_occupancy(P, pi, gamma, mu0):
    """Σ_t γᵗ Pr(s_t = s, a_t = a) by iterating the state-action chain forward."""
    x = mu0[:, None] * pi
    total = np.zeros_like(x)
    weight = 1.0
    for _ in range(N_STEPS):
        total += weight * x
        x = np.einsum("sa,sat->t", x, P)[:, None] * pi
        weight *= gamma
    return total


@given(mdp_cases, seeds(), st.integers(1, 3))
def test_batched_evaluation_matches_backups_item_by_item(mdp, seed, batch):
    pis = _policies(mdp, seed, batch)
    values = policy_evaluation(mdp.P, mdp.R, pis, mdp.gamma)
    assert values.V.shape == (batch, mdp.n_states)
    assert values.Q.shape == (batch, mdp.n_states, mdp.n_actions)
    for b in range(batch):
        V, Q = _backups(mdp.P, mdp.R, pis[b], mdp.gamma)
        np.testing.assert_allclose(values.V[b], V, atol=EVALUATION_ATOL)
        np.testing.assert_allclose(values.Q[b], Q, atol=EVALUATION_ATOL)
    np.testing.assert_allclose(np.sum(pis * values.advantage, axis=-1), 0.0, atol=EVALUATION_ATOL)


@given(mdp_cases, seeds())
def test_state_action_occupancy_matches_the_forward_chain_and_the_flow_constraints(mdp, seed):
    pi = _policies(mdp, seed, 1)[0]
    rho = discounted_state_action_distribution(mdp.P, pi, mdp.gamma, mdp.mu0, normalize=False)
    np.testing.assert_allclose(rho, _forward_occupancy(mdp.P, pi, mdp.gamma, mdp.mu0),
                               atol=EVALUATION_ATOL)
    # Dual-LP flow: Σ_a ρ(s', a) = μ₀(s') + γ Σ_{s,a} P(s'|s, a) ρ(s, a); and J = Σ ρ r.
    np.testing.assert_allclose(rho.sum(axis=1),
                               mdp.mu0 + mdp.gamma * np.einsum("sa,sat->t", rho, mdp.P),
                               atol=EVALUATION_ATOL)
    V, _ = _backups(mdp.P, mdp.R, pi, mdp.gamma)
    np.testing.assert_allclose(np.sum(rho * mdp.R), mdp.mu0 @ V, atol=EVALUATION_ATOL)
    normalized = discounted_state_action_distribution(mdp.P, pi, mdp.gamma, mdp.mu0)
    np.testing.assert_allclose(normalized.sum(), 1.0, atol=FLOAT_ATOL)
    np.testing.assert_allclose(normalized.sum(axis=1),
                               discounted_state_distribution(mdp.P, pi, mdp.gamma, mdp.mu0),
                               atol=FLOAT_ATOL)


@given(mdp_cases, seeds(), st.integers(1, 3))
def test_kernel_with_a_state_bonus_solves_the_shifted_rewards(mdp, seed, batch):
    """r_π given explicitly (an entropy-like bonus b(s)) is the value of rewards R + b(s)."""
    pis = _policies(mdp, seed, batch)
    bonus = np.random.default_rng(seed).standard_normal(mdp.n_states)
    r_pi = np.sum(pis * mdp.R, axis=-1) + bonus
    V, Q, d = bellman_solve(mdp.P, mdp.R, pis, mdp.gamma, mdp.mu0, r_pi=r_pi)
    for b in range(batch):
        V_ref, _ = _backups(mdp.P, mdp.R + bonus[:, None], pis[b], mdp.gamma)
        np.testing.assert_allclose(V[b], V_ref, atol=EVALUATION_ATOL)
        np.testing.assert_allclose(Q[b], mdp.R + mdp.gamma * mdp.P @ V_ref, atol=EVALUATION_ATOL)
        occ = _forward_occupancy(mdp.P, pis[b], mdp.gamma, mdp.mu0).sum(axis=1)
        np.testing.assert_allclose(d[b], occ, atol=EVALUATION_ATOL)


def test_transition_rewards_and_batched_mdps():
    """Two one-state MDPs stacked: R[s, a, s'] on the only transition is r(s, a); V = r/(1 - γ)."""
    P = np.ones((2, 1, 2, 1))
    R = np.array([[[[1.0], [3.0]]], [[[2.0], [0.0]]]])   # (2, 1, 2, 1): transition rewards
    pi = np.array([[[0.5, 0.5]], [[0.25, 0.75]]])
    v = policy_evaluation(P, R, pi, 0.5)
    np.testing.assert_allclose(v.V, [[4.0], [1.0]], atol=FLOAT_ATOL)   # (2, 0.5) / (1 - 0.5)


@pytest.mark.parametrize("kwargs, match", [
    (dict(P=np.full((2, 2), 0.5)), "`P` must have shape"),
    (dict(R=np.zeros((3, 2))), "`R` must have shape"),
    (dict(policy=np.full((3, 2, 2), 0.5), P=np.full((2, 2, 2, 2), 0.5)), "batch axes"),
    (dict(policy=np.ones((2, 3)) / 3), "`policy` must have shape"),
    (dict(gamma=1.0), "gamma"),
])
def test_policy_evaluation_rejects_bad_input(kwargs, match):
    args = dict(P=np.full((2, 2, 2), 0.5), R=np.zeros((2, 2)), policy=np.full((2, 2), 0.5), gamma=0.9)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        policy_evaluation(**args)


def test_occupancy_rejects_bad_input():
    P = np.full((2, 2, 2), 0.5)
    with pytest.raises(ValueError, match="`mu0` must have shape"):
        discounted_state_action_distribution(P, np.full((2, 2), 0.5), 0.9, [1.0])
    with pytest.raises(ValueError, match="batch axes"):
        discounted_state_action_distribution(P, np.full((3, 2, 2), 0.5), 0.9, np.full((2, 2), 0.5))
    with pytest.raises(TypeError, match="normalize"):
        discounted_state_action_distribution(P, np.full((2, 2), 0.5), 0.9, [0.5, 0.5], normalize=1)
