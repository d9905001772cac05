"""The slippery gridworld: its sparse transitions against a brute-force construction written
here from the verbal definition (loops over cells and moves), the sparse operator's two
products against dense tensor products, the feature sets, and the trajectory sampler against
its transition probabilities (Monte Carlo, k standard errors)."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from solvers.problems.gridworld import (
    DENSE_MAX_STATES,
    GridWorld,
    SparseTransitions,
    as_transitions,
    gridworld,
    state_features,
)
from solvers.problems.rl_toys import FiniteMDP, random_mdp
from tests.stats import FALSE_ALARM, assert_binomial
from tests.tolerances import FLOAT_ATOL

seeds = st.integers(0, 2**32 - 1)
#: Products of probabilities <= 1 summed over <= 5 successors (sparse vs dense order of
#: summation): a few ulps.
PROB_ATOL = 1e-15
#: Sparse products vs dense einsum over all S states: values |V| <= ~4 (normal draws) times
#: probabilities summed in a different order over up to 49 terms: a few hundred ulps.
PRODUCT_ATOL = 1e-13


def brute_force_transitions(n_rows, n_cols, n_actions, slip):
    """P[s, a, s'] from the definition, one cell and one move at a time."""
    deltas = [(-1, 0), (0, 1), (1, 0), (0, -1), (0, 0)][:n_actions]
    S = n_rows * n_cols
    P = np.zeros((S, n_actions, S))
    for row in range(n_rows):
        for col in range(n_cols):
            s = row * n_cols + col
            for a in range(n_actions):
                for b, (dr, dc) in enumerate(deltas):
                    r2, c2 = row + dr, col + dc
                    if not (0 <= r2 < n_rows and 0 <= c2 < n_cols):
                        r2, c2 = row, col           # wall: stay
                    p = 1 - slip if b == a else slip / (n_actions - 1)
                    P[s, a, r2 * n_cols + c2] += p
    return P


@settings(max_examples=30)
@given(st.integers(1, 6), st.integers(1, 6), st.sampled_from([4, 5]), st.floats(0.0, 1.0))
def test_sparse_transitions_equal_the_brute_force_definition(n_rows, n_cols, n_actions, slip):
    g = gridworld(n_rows, n_cols, n_actions=n_actions, slip=slip)
    assert g.next_states.shape == g.probs.shape == (n_rows * n_cols, n_actions, n_actions)
    np.testing.assert_allclose(g.dense_transitions(), brute_force_transitions(n_rows, n_cols, n_actions, slip),
                               atol=PROB_ATOL)
    np.testing.assert_allclose(g.dense_transitions().sum(-1), 1.0, atol=PROB_ATOL)


@settings(max_examples=30)
@given(st.integers(1, 7), st.integers(1, 7), st.floats(0.0, 1.0), seeds)
def test_expect_and_push_equal_dense_tensor_products(n_rows, n_cols, slip, seed):
    g = gridworld(n_rows, n_cols, slip=slip)
    rng = np.random.default_rng(seed)
    P = brute_force_transitions(n_rows, n_cols, 5, slip)
    V = rng.normal(size=g.n_states)
    m = rng.random((g.n_states, g.n_actions))
    T = g.transitions
    np.testing.assert_allclose(T.expect(V), np.einsum("sat,t->sa", P, V), atol=PRODUCT_ATOL)
    np.testing.assert_allclose(T.push(m), np.einsum("sat,sa->t", P, m), atol=PRODUCT_ATOL)
    # several columns at once
    W = rng.normal(size=(g.n_states, 3))
    np.testing.assert_allclose(T.expect(W), np.einsum("sat,tk->sak", P, W), atol=PRODUCT_ATOL)


def test_deterministic_moves_and_walls():
    g = gridworld(3, 4, slip=0.0)
    P = g.dense_transitions()
    # from the centre-left cell (1, 0) = state 4: up -> 0, right -> 5, down -> 8, left -> wall, stay
    assert P[4, 0, 0] == 1 and P[4, 1, 5] == 1 and P[4, 2, 8] == 1 and P[4, 3, 4] == 1 and P[4, 4, 4] == 1
    # top-right corner (0, 3) = state 3: up and right are walls
    assert P[3, 0, 3] == 1 and P[3, 1, 3] == 1 and P[3, 3, 2] == 1


def test_corner_collects_the_mass_of_blocked_moves():
    slip = 0.3
    g = gridworld(2, 2, n_actions=4, slip=slip)
    P = g.dense_transitions()
    # state 0 (top-left), action up: up and left are blocked (stay), right -> 1, down -> 2
    assert P[0, 0, 0] == pytest.approx(1 - slip + slip / 3, abs=PROB_ATOL)
    assert P[0, 0, 1] == pytest.approx(slip / 3, abs=PROB_ATOL)
    assert P[0, 0, 2] == pytest.approx(slip / 3, abs=PROB_ATOL)


def test_as_transitions_accepts_every_form_and_agrees():
    g = gridworld(3, slip=0.2)
    P = g.dense_transitions()
    forms = [g, g.transitions, P, g.to_finite_mdp(np.zeros(g.n_states), 0.5),
             (g.next_states, g.probs), sp.csr_matrix(P.reshape(-1, g.n_states))]
    for form in forms:
        T = as_transitions(form)
        assert isinstance(T, SparseTransitions)
        assert (T.n_states, T.n_actions) == (9, 5)
        np.testing.assert_allclose(T.dense(), P, atol=PROB_ATOL)
    mdp = random_mdp(4, 3, 0)
    np.testing.assert_allclose(as_transitions(mdp).dense(), mdp.P, atol=PROB_ATOL)


def test_as_transitions_errors():
    with pytest.raises(TypeError, match="transitions"):
        as_transitions("grid")
    with pytest.raises(ValueError, match="transitions"):
        as_transitions(np.ones((2, 2, 3)) / 3)
    with pytest.raises(ValueError, match="transitions"):
        as_transitions(np.full((2, 1, 2), 0.7))
    with pytest.raises(ValueError, match="next_states"):
        as_transitions((np.full((2, 1, 1), 5), np.ones((2, 1, 1))))
    with pytest.raises(TypeError, match="next_states"):
        as_transitions((np.zeros((2, 1, 1)), np.ones((2, 1, 1))))
    with pytest.raises(ValueError, match="transitions"):
        as_transitions(sp.csr_matrix(np.full((4, 2), 0.3)))


def test_to_finite_mdp_broadcasts_state_rewards():
    g = gridworld(2, 3, slip=0.1)
    r = np.arange(6.0)
    mdp = g.to_finite_mdp(r, 0.9)
    assert isinstance(mdp, FiniteMDP)
    np.testing.assert_array_equal(mdp.R, np.repeat(r[:, None], 5, axis=1))
    assert mdp.gamma == 0.9
    with pytest.raises(ValueError, match="reward"):
        g.to_finite_mdp(np.zeros(5))


def test_features():
    onehot = state_features(3, 4, "onehot")
    np.testing.assert_array_equal(onehot, np.eye(12))
    xy = state_features(3, 5, "coordinates")
    assert xy.shape == (15, 2) and xy.min() == 0 and xy.max() == 1
    np.testing.assert_allclose(xy[7], [0.5, 0.5])                       # centre cell (1, 2)
    rbf = state_features(5, 5, "rbf", n_centres=3)
    assert rbf.shape == (25, 9)
    # the centre cell sits on the middle centre: that feature is exp(0) = 1
    assert rbf[12, 4] == 1.0
    # a neighbouring centre is one spacing (= width) away: exp(-1/2)
    assert rbf[12, 1] == pytest.approx(np.exp(-0.5), abs=FLOAT_ATOL)
    with pytest.raises(ValueError, match="onehot"):
        state_features(65, 65, "onehot")
    assert 65 * 65 > DENSE_MAX_STATES
    g = gridworld(4, features="rbf", n_centres=2)
    assert g.n_features == 4
    np.testing.assert_allclose(g.reward(np.ones(4)), g.features.sum(1))
    with pytest.raises(ValueError, match="weights"):
        g.reward(np.ones(3))


def test_start_distributions():
    assert gridworld(3, start="corner").mu0[0] == 1
    assert gridworld(3, start=4).mu0[4] == 1
    np.testing.assert_allclose(gridworld(3).mu0, 1 / 9)
    with pytest.raises(ValueError, match="start"):
        gridworld(3, start=9)
    with pytest.raises(ValueError, match="start"):
        gridworld(3, start="centre")


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(n_rows=0), ValueError, "n_rows"),
    (dict(n_rows=3, n_actions=3), ValueError, "n_actions"),
    (dict(n_rows=3, slip=1.5), ValueError, "slip"),
    (dict(n_rows=3, slip=True), TypeError, "slip"),
    (dict(n_rows=3, features="pixels"), ValueError, "`features`"),
    (dict(n_rows=2.5), TypeError, "n_rows"),
])
def test_gridworld_errors(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        gridworld(**kwargs)


def test_large_grid_is_sparse_and_dense_form_is_refused():
    g = gridworld(128, features="coordinates")
    assert g.n_states == 16384
    assert g.transitions.matrix.nnz <= g.n_states * g.n_actions * g.n_actions
    with pytest.raises(ValueError, match="dense"):
        g.dense_transitions()


def test_gridworld_arrays_are_read_only():
    g = gridworld(2)
    with pytest.raises(ValueError):
        g.probs[0, 0, 0] = 1.0
    with pytest.raises(ValueError, match="mu0"):
        GridWorld(n_rows=2, n_cols=2, next_states=g.next_states, probs=g.probs, features=g.features,
                  mu0=np.ones(4), slip=0.1)


@pytest.mark.statistical
def test_sampled_transitions_match_probabilities():
    """Empirical next-state counts of (s, a) pairs under a uniform policy against P(s'|s, a).

    Given the visits n_sa, the next states are multinomial(n_sa, P(·|s, a)) (the Markov property:
    the draw at a visit is independent of how the visit came about): exact binomial tails per
    cell, Bonferroni over all cells, false-alarm FALSE_ALARM; zero-probability cells must be empty."""
    g = gridworld(3, slip=0.3)
    P = g.dense_transitions()
    states, actions = g.sample_trajectories(np.full((9, 5), 0.2), horizon=40, n=4000, seed=1)
    s, a, s2 = states[:, :-1].ravel(), actions.ravel(), states[:, 1:].ravel()
    counts = np.zeros_like(P)
    np.add.at(counts, (s, a, s2), 1.0)
    n_sa = counts.sum(-1, keepdims=True)
    assert n_sa.min() > 1000
    cells = P.size
    for s0 in range(P.shape[0]):
        for a0 in range(P.shape[1]):
            assert_binomial(counts[s0, a0].astype(np.int64), int(n_sa[s0, a0, 0]), P[s0, a0],
                            FALSE_ALARM * P.shape[2] / cells, what=f"next-state count of ({s0}, {a0})")
    # negative control: slip 0.35 instead of 0.3 is rejected
    Q = gridworld(3, slip=0.35).dense_transitions()
    with pytest.raises(AssertionError):
        for s0 in range(P.shape[0]):
            for a0 in range(P.shape[1]):
                assert_binomial(counts[s0, a0].astype(np.int64), int(n_sa[s0, a0, 0]), Q[s0, a0],
                                FALSE_ALARM * P.shape[2] / cells)
    # initial states from mu0 (uniform): all nine appear
    assert set(np.unique(states[:, 0])) == set(range(9))


def test_sampler_is_deterministic_and_validates():
    g = gridworld(3)
    pi = np.full((9, 5), 0.2)
    a = g.sample_trajectories(pi, 5, 10, seed=3)
    b = g.sample_trajectories(pi, 5, 10, seed=3)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert a[0].shape == (10, 6) and a[1].shape == (10, 5)
    with pytest.raises(ValueError, match="policy"):
        g.sample_trajectories(np.full((3, 9, 5), 0.2), 5, 10, seed=0)
    with pytest.raises(TypeError, match="seed"):
        g.sample_trajectories(pi, 5, 10, seed=None)
    # time-indexed policy: always "right" then always "down" from the corner, no slip
    g0 = gridworld(3, slip=0.0, start="corner")
    right, down = np.eye(5)[1], np.eye(5)[2]
    pol = np.stack([np.tile(right, (9, 1)), np.tile(down, (9, 1))])
    states, actions = g0.sample_trajectories(pol, 2, 3, seed=0)
    np.testing.assert_array_equal(states, np.tile([0, 1, 4], (3, 1)))
    np.testing.assert_array_equal(actions, np.tile([1, 2], (3, 1)))
