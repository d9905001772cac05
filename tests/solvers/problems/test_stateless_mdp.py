"""Tests for solvers.problems.stateless_mdp: the stateless GAN MDP (Pfau & Vinyals 2016, Sec. 2.3).

References: the definition of the episode law (real with probability real_prob, x ~ p_data,
reward 1; else x ~ q, reward 0), Monte Carlo counts against exact binomial / multinomial tails
(false-alarm tests.stats.FALSE_ALARM), and the data samplers' own output for the same random stream.
"""

import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from solvers.problems.mixtures import gaussian_1d, ring_of_gaussians
from solvers.problems.stateless_mdp import ContinuousStatelessMDP, Episodes, TabularStatelessMDP
from solvers.problems.strategies import matched_pairs, seeds
from tests.stats import FALSE_ALARM, assert_binomial, assert_multinomial
from tests.tolerances import FLOAT_ATOL

real_probs = st.one_of(st.sampled_from([0.0, 0.5, 1.0]), st.floats(0.0, 1.0))


# ----------------------------------------------------------------------------- tabular
@given(matched_pairs(), real_probs, seeds(), st.integers(0, 50))
def test_sampled_episodes_are_consistent(pq, rho, seed, n):
    p, q = pq
    mdp = TabularStatelessMDP(p, rho)
    ep = mdp.sample_episodes(q, n, seed)
    assert ep.n == n and ep.x.shape == (n,) and ep.action.shape == (n,)
    np.testing.assert_array_equal(ep.reward, ep.is_real.astype(float))
    np.testing.assert_array_equal(ep.x[~ep.is_real], ep.action[~ep.is_real])  # shown = action
    assert np.all(p[ep.real_x] > 0) and np.all(q[ep.action] > 0)  # never a zero atom
    if rho == 0.0:
        assert ep.n_real == 0
    if rho == 1.0:
        assert ep.n_fake == 0
    again = mdp.sample_episodes(q, n, seed)
    np.testing.assert_array_equal(again.x, ep.x)
    np.testing.assert_array_equal(again.is_real, ep.is_real)


@pytest.mark.statistical
def test_episode_frequencies_match_the_episode_table():
    p, q, rho = np.array([0.1, 0.0, 0.6, 0.3]), np.array([0.5, 0.2, 0.3, 0.0]), 0.3
    mdp = TabularStatelessMDP(p, rho)
    table = mdp.episode_table(q)
    np.testing.assert_allclose(table, [(1 - rho) * q, rho * p], atol=FLOAT_ATOL)
    assert table.sum() == pytest.approx(1.0, abs=FLOAT_ATOL)
    n = 200_000
    ep = mdp.sample_episodes(q, n, 3)
    counts = np.zeros((2, 4))
    np.add.at(counts, (ep.is_real.astype(int), ep.x), 1.0)
    # 8 multinomial cells (two of probability 0, which must stay empty): exact binomial tails,
    # Bonferroni, false-alarm FALSE_ALARM
    assert_multinomial(counts.astype(np.int64).ravel(), table.ravel(), FALSE_ALARM)
    # negative control: rho = 0.31 instead of 0.3 (the real share 1 point higher: 9.8 exact SDs)
    with pytest.raises(AssertionError):
        assert_multinomial(counts.astype(np.int64).ravel(),
                           TabularStatelessMDP(p, 0.31).episode_table(q).ravel(), FALSE_ALARM)


@given(matched_pairs(), real_probs, seeds(), st.integers(0, 20), st.integers(0, 20))
def test_stratified_episodes(pq, rho, seed, n_real, n_fake):
    p, q = pq
    mdp = TabularStatelessMDP(p, rho)
    ep = mdp.stratified_episodes(q, n_real, n_fake, seed)
    assert ep.n_real == n_real and ep.n_fake == n_fake
    np.testing.assert_array_equal(ep.is_real, np.arange(n_real + n_fake) < n_real)  # real first
    np.testing.assert_array_equal(ep.reward, ep.is_real.astype(float))
    assert np.all(p[ep.real_x] > 0) and np.all(q[ep.fake_x] > 0)
    np.testing.assert_array_equal(mdp.stratified_episodes(q, n_real, n_fake, seed).x, ep.x)


def test_tabular_validation_and_immutability():
    with pytest.raises(ValueError, match="p_data"):
        TabularStatelessMDP([0.5, 0.6])
    with pytest.raises(ValueError, match="p_data"):
        TabularStatelessMDP([[0.5, 0.5]])
    with pytest.raises(ValueError, match="real_prob"):
        TabularStatelessMDP([0.5, 0.5], real_prob=1.2)
    with pytest.raises(TypeError, match="real_prob"):
        TabularStatelessMDP([0.5, 0.5], real_prob=None)
    mdp = TabularStatelessMDP([0.5, 0.5])
    with pytest.raises(ValueError, match="policy"):
        mdp.sample_episodes([1.0, 0.0, 0.0], 3, 0)
    with pytest.raises(ValueError, match="n"):
        mdp.sample_episodes([1.0, 0.0], -1, 0)
    with pytest.raises(TypeError, match="seed"):
        mdp.sample_episodes([1.0, 0.0], 3, None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        mdp.real_prob = 0.3
    with pytest.raises(ValueError):
        mdp.p_data[0] = 1.0  # read-only
    assert mdp.k == 2 and mdp.to_dict() == {"p_data": [0.5, 0.5], "real_prob": 0.5}


# ----------------------------------------------------------------------------- continuous
def test_continuous_episodes_pack_real_then_fake():
    mdp = ContinuousStatelessMDP(ring_of_gaussians())
    actions = np.arange(6.0).reshape(3, 2)
    real = -np.arange(4.0).reshape(2, 2)
    ep = mdp.episodes(actions, real)
    np.testing.assert_array_equal(ep.x, np.concatenate([real, actions]))
    np.testing.assert_array_equal(ep.reward, [1, 1, 0, 0, 0])
    np.testing.assert_array_equal(ep.is_real, [True, True, False, False, False])
    np.testing.assert_array_equal(ep.fake_x, actions)
    one_d = ContinuousStatelessMDP(gaussian_1d(0.0, 1.0)).episodes([0.1, 0.2], [0.3])
    assert one_d.x.shape == (3, 1)
    with pytest.raises(ValueError, match="dimension"):
        mdp.episodes(np.zeros((2, 3)), real)
    with pytest.raises(ValueError, match="actions"):
        mdp.episodes([[np.nan, 0.0]], real)


@given(seeds(), st.integers(0, 30))
def test_stratified_continuous_uses_the_data_sampler_stream(seed, n_real):
    data = ring_of_gaussians()
    mdp = ContinuousStatelessMDP(data, real_prob=0.5)
    actions = np.ones((4, 2))
    ep = mdp.stratified_episodes(actions, n_real, np.random.default_rng(seed))
    np.testing.assert_array_equal(ep.real_x, data.sample(n_real, np.random.default_rng(seed)))
    np.testing.assert_array_equal(ep.fake_x, actions)


def test_continuous_bernoulli_mixing():
    calls = []

    def sampler(n, rng):  # a callable data source (n, rng) -> (n, d)
        calls.append(n)
        return rng.normal(size=(n, 2)) + 10.0

    mdp = ContinuousStatelessMDP(sampler, real_prob=0.3)
    ep = mdp.sample_episodes(lambda n, rng: rng.normal(size=(n, 2)) - 10.0, 20_000, 7)
    assert np.all(ep.real_x[:, 0] > 0) and np.all(ep.fake_x[:, 0] < 0)  # order kept
    assert_binomial(ep.n_real, ep.n, 0.3)  # exact binomial tail, false-alarm FALSE_ALARM
    assert calls == [ep.n_real]
    again = mdp.sample_episodes(lambda n, rng: rng.normal(size=(n, 2)) - 10.0, 20_000, 7)
    np.testing.assert_array_equal(again.x, ep.x)
    empty = mdp.sample_episodes(lambda n, rng: np.zeros((n, 2)), 0, 1)
    assert empty.n == 0


def test_continuous_validation():
    with pytest.raises(TypeError, match="data"):
        ContinuousStatelessMDP(3.0)
    with pytest.raises(ValueError, match="real_prob"):
        ContinuousStatelessMDP(ring_of_gaussians(), real_prob=-0.1)
    mdp = ContinuousStatelessMDP(ring_of_gaussians())
    with pytest.raises(TypeError, match="actions_sampler"):
        mdp.sample_episodes(None, 3, 0)
    with pytest.raises(ValueError, match="actions_sampler"):
        mdp.sample_episodes(lambda n, rng: np.zeros((n + 1, 2)), 10, 0)


def test_episodes_validation():
    with pytest.raises(ValueError, match="reward"):
        Episodes(np.zeros(3, dtype=int), np.zeros(2), np.zeros(3, dtype=bool))
    with pytest.raises(TypeError, match="is_real"):
        Episodes(np.zeros(3, dtype=int), np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match="action"):
        Episodes(np.zeros(3, dtype=int), np.zeros(3), np.zeros(3, dtype=bool), action=np.zeros(2))
    with pytest.raises(ValueError, match="x"):
        Episodes(np.zeros((3, 2, 1)), np.zeros(3), np.zeros(3, dtype=bool))
    ep = Episodes(np.array([1, 0]), np.array([1.0, 0.0]), np.array([True, False]))
    assert ep.to_dict() == {"x": [1, 0], "reward": [1.0, 0.0], "is_real": [True, False]}
