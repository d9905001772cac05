"""Tests for solvers.problems.trajectories and solvers.problems.irl_strategies.

References: paths rolled out one at a time by a plain Python simulation of the MDP (an
independent enumeration with itertools.product), hand-written chains, and the multinomial
standard error of empirical weights.
"""

import itertools

import numpy as np
import pytest

from tests.stats import FALSE_ALARM, assert_multinomial
from hypothesis import given
from hypothesis import strategies as st

from solvers.problems.irl_strategies import (
    IRLProblem,
    LinearCostProblem,
    empirical_weights,
    irl_problems,
    linear_cost_problems,
    samplers,
)
from solvers.problems.trajectories import (
    TrajectorySet,
    action_sequences,
    chain_trajectories,
    deterministic_paths,
    random_trajectory_set,
    sample_demonstrations,
    sequence_index,
)
from theory.validation import PROBABILITY_SUM_RTOL

#: Sums of small integers and normalized counts: exact up to a few ulps.
FLOAT_ATOL = 1e-12


def rollout(next_state, phi, start, actions):
    """One path simulated step by step (the independent reference)."""
    s, path, f = start, [start], np.zeros(phi.shape[1])
    for a in actions:
        s = next_state[s][a]
        path.append(s)
        f = f + phi[s]
    return path, f


def test_action_sequences_lexicographic():
    got = action_sequences(3, 2)
    want = np.array(list(itertools.product(range(3), repeat=2)))
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(sequence_index(got, 3), np.arange(9))


@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 5), st.integers(1, 3), st.data())
def test_deterministic_paths_match_rollouts(n_states, n_actions, horizon, k, data):
    seed = data.draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    nxt = rng.integers(0, n_states, size=(n_states, n_actions))
    phi = rng.normal(size=(n_states, k))
    start = data.draw(st.integers(0, n_states - 1))
    ts = deterministic_paths(nxt, phi, horizon, start)
    assert ts.n_trajectories == n_actions**horizon and ts.n_features == k
    for i, acts in enumerate(itertools.product(range(n_actions), repeat=horizon)):
        path, f = rollout(nxt, phi, start, acts)
        np.testing.assert_array_equal(ts.actions[i], acts)
        np.testing.assert_array_equal(ts.paths[i], path)
        np.testing.assert_allclose(ts.features[i], f, rtol=0, atol=FLOAT_ATOL)


def test_chain_trajectories_by_hand():
    ts = chain_trajectories(3, 2)
    # actions: 00 -> 0,0 ; 01 -> 0,1 ; 10 -> 1,0 ; 11 -> 1,2
    np.testing.assert_array_equal(ts.paths, [[0, 0, 0], [0, 0, 1], [0, 1, 0], [0, 1, 2]])
    np.testing.assert_array_equal(ts.features, [[2, 0, 0], [1, 1, 0], [1, 1, 0], [0, 1, 1]])
    np.testing.assert_array_equal(ts.features.sum(axis=1), 2)   # H visits in total
    np.testing.assert_array_equal(ts.cost([1.0, 10.0, 100.0]), [2, 11, 11, 110])


def test_trajectory_set_is_read_only():
    ts = chain_trajectories(3, 2)
    with pytest.raises(ValueError):
        ts.features[0, 0] = 5.0


def test_random_trajectory_set_reproducible():
    a, b = random_trajectory_set(6, 3, 7), random_trajectory_set(6, 3, 7)
    np.testing.assert_array_equal(a.features, b.features)
    assert a.paths is None and a.actions is None and a.features.shape == (6, 3)
    assert not np.array_equal(a.features, random_trajectory_set(6, 3, 8).features)


@pytest.mark.statistical
def test_sample_demonstrations_frequencies():
    p = np.array([0.5, 0.0, 0.3, 0.2])
    n = 20_000
    idx, w = sample_demonstrations(p, n, 0)
    assert idx.shape == (n,) and w.shape == (4,)
    assert abs(w.sum() - 1) < FLOAT_ATOL and w[1] == 0.0
    np.testing.assert_array_equal(np.bincount(idx, minlength=4) / n, w)
    # multinomial counts (the p = 0 cell must stay empty): exact binomial tails, Bonferroni,
    # false-alarm FALSE_ALARM; negative control: p with 0.02 moved from atom 0 to atom 3
    # (5.7 / 6.6 exact SDs) is rejected
    counts = np.bincount(idx, minlength=4)
    assert_multinomial(counts, p, FALSE_ALARM)
    with pytest.raises(AssertionError):
        assert_multinomial(counts, p + np.array([-0.02, 0, 0, 0.02]), FALSE_ALARM)
    idx2, _ = sample_demonstrations(p, n, 0)
    np.testing.assert_array_equal(idx, idx2)


@pytest.mark.parametrize("call, exc, name", [
    (lambda: TrajectorySet([1.0, 2.0]), ValueError, "features"),
    (lambda: TrajectorySet([[1.0], [np.nan]]), ValueError, "features"),
    (lambda: TrajectorySet([[1.0]], actions=[[0]]), ValueError, "n_actions"),
    (lambda: TrajectorySet([[1.0]], actions=[[2]], n_actions=2, horizon=1), ValueError, "actions"),
    (lambda: TrajectorySet([[1.0]], name=3), TypeError, "name"),
    (lambda: chain_trajectories(4, 3).cost([1.0, 2.0]), ValueError, "theta"),
    (lambda: action_sequences(2, 0), ValueError, "horizon"),
    (lambda: action_sequences(2.0, 2), TypeError, "n_actions"),
    (lambda: action_sequences(2, 40), ValueError, "exceeds"),
    (lambda: sequence_index([[0, 3]], 2), ValueError, "actions"),
    (lambda: deterministic_paths([[0, 5]], [[1.0]], 2), ValueError, "next_state"),
    (lambda: deterministic_paths([[0.5, 0]], [[1.0]], 2), TypeError, "next_state"),
    (lambda: deterministic_paths([[0, 0]], [[1.0], [2.0]], 2), ValueError, "state_features"),
    (lambda: deterministic_paths([[0, 0]], [[1.0]], 2, start=1), ValueError, "start"),
    (lambda: chain_trajectories(1, 2), ValueError, "n_states"),
    (lambda: random_trajectory_set(0, 2, 0), ValueError, "n"),
    (lambda: random_trajectory_set(3, 2, None), TypeError, "seed"),
    (lambda: random_trajectory_set(3, 2, 0, scale=-1.0), ValueError, "scale"),
    (lambda: sample_demonstrations([0.5, 0.6], 3, 0), ValueError, "p"),
    (lambda: sample_demonstrations([0.5, 0.5], 0, 0), ValueError, "n"),
])
def test_bad_input_raises_named_errors(call, exc, name):
    with pytest.raises(exc, match=name):
        call()


# ----------------------------------------------------------------------------- strategies
@given(irl_problems(), irl_problems(empirical=True))
def test_irl_problems_are_valid(exact, emp):
    for pr in (exact, emp):
        assert isinstance(pr, IRLProblem)
        n = pr.cost.size
        assert pr.q.shape == pr.p_data.shape == (n,) and np.all(np.isfinite(pr.cost))
        assert np.all(pr.q > 0) and abs(pr.q.sum() - 1) < PROBABILITY_SUM_RTOL
        assert np.all(pr.p_data >= 0) and abs(pr.p_data.sum() - 1) < PROBABILITY_SUM_RTOL
    assert exact.q_weights is None and not exact.empirical
    assert emp.empirical and abs(emp.q_weights.sum() - 1) < PROBABILITY_SUM_RTOL


@given(linear_cost_problems(empirical=True))
def test_linear_cost_problems_are_valid(pr):
    assert isinstance(pr, LinearCostProblem)
    n, k = pr.features.shape
    assert pr.theta.shape == (k,) and pr.cost.shape == (n,)
    np.testing.assert_array_equal(pr.cost, pr.features @ pr.theta)
    assert pr.q_weights.shape == (n,)


@given(samplers(5).flatmap(lambda q: st.tuples(st.just(q), empirical_weights(q, min_samples=10,
                                                                                max_samples=10))))
def test_empirical_weights_are_counts(qw):
    q, w = qw
    assert np.allclose(w * 10, np.round(w * 10), rtol=0, atol=FLOAT_ATOL)
    assert abs(w.sum() - 1) < FLOAT_ATOL
