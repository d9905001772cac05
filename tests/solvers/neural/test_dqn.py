"""Tests for solvers.neural.dqn (DQN / Double DQN / dueling heads on finite MDPs).

Independent references used here: value iteration (Q* of the MDP), central finite
differences (gradients), autograd's own composition of matmul/add/activation (the fused
primitives), ``solvers.neural.mlp.mlp_apply`` (one network at a time), a deque model of the
replay ring, hand-computed targets with numpy's max/argmax, the analytic null space of the
dueling aggregation.
"""

from __future__ import annotations

import collections
import dataclasses
import json

import autograd
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import solvers.neural.dqn as dqn_module
from solvers.neural.dqn import (
    DQNConfig,
    ReplayBuffer,
    dueling_aggregate,
    equal_values_mdp,
    fused_td_gradient,
    init_q_network,
    one_hot_features,
    overestimation,
    q_values,
    random_features,
    reference_q_values,
    td_loss,
    td_targets,
    train_dqn,
)
from solvers.neural.mlp import mlp_apply
from solvers.neural.optim import tree_equal, tree_flatten
from solvers.problems.rl_toys import chain_mdp, random_mdp, value_iteration
from tests.stats import FALSE_ALARM, assert_multinomial
from tests.tolerances import FLOAT_ATOL, FLOAT_RTOL

#: Central differences with step h on a smooth (tanh) loss of O(1) size: truncation error
#: O(h²) ~ 1e-10 plus rounding O(eps/h) ~ 1e-11 at h = 1e-5.
FD_STEP = 1e-5
FD_ATOL = 1e-7

#: A noise-free deterministic chain: every target is exact, so DQN converges to Q* up to the
#: optimizer's own oscillation; measured max |Q - Q*| ~ 1e-9 after 1,000 steps at seeds 0-2.
NOISE_FREE_Q_ATOL = 1e-6

SMALL = dict(hidden=(8,), lr=3e-3, batch_size=8, buffer_size=64, target_update_period=10, epsilon=0.5,
             n_steps=60, n_envs=2, n_runs=2, checkpoint_every=1)


def _small_problem(seed=0, n_states=4, n_actions=3):
    mdp = equal_values_mdp(n_states, n_actions, seed, gamma=0.8, reward_std=0.5)
    return mdp, one_hot_features(n_states)


# ---------------------------------------------------------------------------------------------
# the problem
# ---------------------------------------------------------------------------------------------


class TestEqualValuesMDP:
    @given(seed=st.integers(0, 2 ** 31), s=st.integers(1, 7), m=st.integers(1, 6),
           gamma=st.floats(0.0, 0.95))
    @settings(max_examples=25, deadline=None)
    def test_value_iteration_recovers_the_designed_values(self, seed, s, m, gamma):
        v = np.random.default_rng(seed).normal(size=s)
        mdp = equal_values_mdp(s, m, seed, gamma=gamma, v_star=v)
        vi = value_iteration(mdp)
        # value iteration stops at sup error <= tol/2 = 5e-13 (Puterman 6.3.1)
        np.testing.assert_allclose(vi.V, v, atol=1e-10)
        np.testing.assert_allclose(vi.Q, np.repeat(v[:, None], m, axis=1), atol=1e-10)

    def test_default_values_and_noise(self):
        mdp = equal_values_mdp(5, 4, 0, reward_std=2.0)
        np.testing.assert_allclose(value_iteration(mdp).V, np.linspace(-1, 1, 5), atol=1e-10)
        assert mdp.reward_noise == "gaussian" and np.all(mdp.reward_std == 2.0)

    @pytest.mark.parametrize("kwargs, exc, match", [
        (dict(n_states=0, n_actions=2, seed=0), ValueError, "n_states"),
        (dict(n_states=3, n_actions=2.5, seed=0), TypeError, "n_actions"),
        (dict(n_states=3, n_actions=2, seed=0, gamma=1.0), ValueError, "gamma"),
        (dict(n_states=3, n_actions=2, seed=0, reward_std=-1.0), ValueError, "reward_std"),
        (dict(n_states=3, n_actions=2, seed=0, v_star=[1.0, 2.0]), ValueError, "v_star"),
        (dict(n_states=3, n_actions=2, seed=None), TypeError, "seed"),
    ])
    def test_named_errors(self, kwargs, exc, match):
        with pytest.raises(exc, match=match):
            equal_values_mdp(**kwargs)

    def test_features(self):
        np.testing.assert_array_equal(one_hot_features(3), np.eye(3))
        f = random_features(50, 4000, 0)
        # rows of N(0, I/d): squared norm has mean 1 and sd sqrt(2/d) = 0.022; 6 sd allowance
        assert f.shape == (50, 4000) and np.all(np.abs((f ** 2).sum(axis=1) - 1) < 0.14)


def test_overestimation_by_hand():
    q = np.array([[[1.0, 3.0], [0.0, -2.0]]])  # one table, 2 states, 2 actions
    v = np.array([2.0, -1.0])
    # max - V* = (3 - 2, 0 + 1) = (1, 1)
    np.testing.assert_allclose(overestimation(q, v), [1.0])
    with pytest.raises(ValueError, match="v_star"):
        overestimation(q, [1.0, 2.0, 3.0])


# ---------------------------------------------------------------------------------------------
# replay buffer
# ---------------------------------------------------------------------------------------------


class TestReplayBuffer:
    @given(capacity=st.integers(1, 12), chunks=st.lists(st.integers(1, 12), min_size=1, max_size=12),
           data=st.data())
    @settings(max_examples=60, deadline=None)
    def test_ring_matches_a_deque_of_the_most_recent(self, capacity, chunks, data):
        buf = ReplayBuffer(capacity, n_runs=2)
        model = [collections.deque(maxlen=capacity) for _ in range(2)]
        counter = 0
        for k in chunks:
            k = min(k, capacity)
            ids = counter + np.arange(2 * k).reshape(2, k)  # distinct ids per run and slot
            counter += 2 * k
            buf.add(ids, ids % 7, ids.astype(float) / 2, ids + 1)
            for run in range(2):
                model[run].extend(ids[run].tolist())
        total = sum(min(k, capacity) for k in chunks)
        assert len(buf) == min(total, capacity) and buf.n_added == total
        assert buf.position == total % capacity
        for run in range(2):
            stored = sorted(buf.s[run, :len(buf)].tolist())
            assert stored == sorted(model[run])
            # every slot holds one consistent transition
            np.testing.assert_array_equal(buf.a[run, :len(buf)], buf.s[run, :len(buf)] % 7)
            np.testing.assert_array_equal(buf.s_next[run, :len(buf)], buf.s[run, :len(buf)] + 1)
        seed = data.draw(st.integers(0, 2 ** 31))
        s, a, r, s2 = buf.sample(50, seed)
        assert s.shape == (2, 50)
        for run in range(2):
            assert set(s[run].tolist()) <= set(model[run])
        np.testing.assert_array_equal(a, s % 7)
        np.testing.assert_array_equal(r, s / 2)
        np.testing.assert_array_equal(s2, s + 1)

    @pytest.mark.statistical
    def test_sampling_is_uniform_over_stored_entries(self):
        buf = ReplayBuffer(10, n_runs=1)
        buf.add(np.arange(4)[None], np.zeros((1, 4), int), np.zeros((1, 4)), np.zeros((1, 4), int))
        s = buf.sample(40_000, 0)[0].ravel()
        counts = np.bincount(s, minlength=4)
        assert counts.size == 4  # never an unwritten slot
        # multinomial counts, p = 1/4: exact binomial tails, Bonferroni, false-alarm FALSE_ALARM
        assert_multinomial(counts, np.full(4, 0.25), FALSE_ALARM)
        with pytest.raises(AssertionError):  # negative control: slot 0 at 0.265 (6.9 exact SDs)
            assert_multinomial(counts, np.array([0.265, 0.735 / 3, 0.735 / 3, 0.735 / 3]), FALSE_ALARM)

    def test_runs_sample_independently(self):
        buf = ReplayBuffer(100, n_runs=2)
        ids = np.tile(np.arange(100), (2, 1))
        buf.add(ids, ids, ids.astype(float), ids)
        s = buf.sample(200, 1)[0]
        assert not np.array_equal(s[0], s[1])

    @pytest.mark.parametrize("call, exc, match", [
        (lambda b: b.add(np.zeros((2, 1), int), np.zeros((2, 1), int), np.zeros((2, 1)), np.zeros((2, 1), int)),
         ValueError, "shape"),
        (lambda b: b.add(np.zeros((1, 5), int), np.zeros((1, 5), int), np.zeros((1, 5)), np.zeros((1, 5), int)),
         ValueError, "capacity"),
        (lambda b: b.add(np.zeros((1, 2)), np.zeros((1, 2), int), np.zeros((1, 2)), np.zeros((1, 2), int)),
         TypeError, "`s`"),
        (lambda b: b.add(np.zeros((1, 2), int), np.zeros((1, 3), int), np.zeros((1, 2)), np.zeros((1, 2), int)),
         ValueError, "`a`"),
        (lambda b: b.add(np.zeros((1, 2), int), np.zeros((1, 2), int), [np.nan, 0.0], np.zeros((1, 2), int)),
         ValueError, "`r`"),
        (lambda b: b.sample(4, 0), ValueError, "empty"),
        (lambda b: b.sample(0, 0), ValueError, "batch_size"),
    ])
    def test_named_errors(self, call, exc, match):
        with pytest.raises(exc, match=match):
            call(ReplayBuffer(4, n_runs=1))

    def test_constructor_errors(self):
        with pytest.raises(ValueError, match="capacity"):
            ReplayBuffer(0)
        with pytest.raises(TypeError, match="n_runs"):
            ReplayBuffer(3, n_runs=1.5)


# ---------------------------------------------------------------------------------------------
# dueling aggregation (Wang et al. 2016, eqs. (7)-(9))
# ---------------------------------------------------------------------------------------------

_arrays = st.integers(0, 2 ** 31).map(lambda s: np.random.default_rng(s))


class TestDueling:
    @given(rng=_arrays, m=st.integers(1, 9), c=st.floats(-50, 50))
    @settings(max_examples=40, deadline=None)
    def test_identities(self, rng, m, c):
        v = rng.normal(size=(3,)) * 5
        adv = rng.normal(size=(3, m)) * 5
        q_mean = dueling_aggregate(v, adv, method="mean")
        q_max = dueling_aggregate(v, adv, method="max")
        q_none = dueling_aggregate(v, adv, method="none")
        tol = dict(rtol=FLOAT_RTOL, atol=1e-12 * (1 + abs(c)) * 20)
        # V is recovered from Q: the mean (eq. 9) or the max (eq. 8) over actions.
        np.testing.assert_allclose(q_mean.mean(axis=-1), v, **tol)
        np.testing.assert_allclose(q_max.max(axis=-1), v, **tol)
        # adding a constant to every advantage of a state leaves Q unchanged (mean and max).
        np.testing.assert_allclose(dueling_aggregate(v, adv + c, method="mean"), q_mean, **tol)
        np.testing.assert_allclose(dueling_aggregate(v, adv + c, method="max"), q_max, **tol)
        # without subtraction (eq. 7): (V + c, A - c) gives the same Q, so V is not identified.
        np.testing.assert_allclose(dueling_aggregate(v + c, adv - c, method="none"), q_none, **tol)
        # ... whereas with mean subtraction that shift moves every Q by c.
        np.testing.assert_allclose(dueling_aggregate(v + c, adv - c, method="mean"), q_mean + c, **tol)

    @pytest.mark.parametrize("method, v_in_null", [("mean", False), ("max", False), ("none", True)])
    def test_null_space_of_the_aggregation(self, method, v_in_null):
        """The Jacobian of (V, A) -> Q has rank m; its null direction moves V only without
        subtraction (analytic null vectors: (0, 1, ..., 1) with, (1, -1, ..., -1) without)."""
        m = 5
        rng = np.random.default_rng(3)
        z0 = rng.normal(size=m + 1)
        jac = autograd.jacobian(lambda z: dueling_aggregate(z[0], z[1:], method=method))(z0)
        _, sv, vt = np.linalg.svd(jac)
        assert np.linalg.matrix_rank(jac) == m
        null = vt[-1] / np.linalg.norm(vt[-1])
        expected = np.r_[1.0, -np.ones(m)] if v_in_null else np.r_[0.0, np.ones(m)]
        expected /= np.linalg.norm(expected)
        assert abs(abs(null @ expected) - 1) < 1e-12
        assert (abs(null[0]) > 0.1) == v_in_null

    def test_errors(self):
        with pytest.raises(ValueError, match="method"):
            dueling_aggregate(np.zeros(2), np.zeros((2, 3)), method="median")
        with pytest.raises(ValueError, match="`v`"):
            dueling_aggregate(np.zeros(3), np.zeros((2, 3)))


# ---------------------------------------------------------------------------------------------
# the network, the targets and the loss
# ---------------------------------------------------------------------------------------------


def _batch(rng, runs, b, d, n_actions):
    x = rng.normal(size=(runs, b, d))
    a = rng.integers(0, n_actions, size=(runs, b))
    y = rng.normal(size=(runs, b))
    return x, a, y


class TestNetwork:
    @pytest.mark.parametrize("hidden", [(), (6,), (5, 4)])
    def test_batched_forward_equals_mlp_apply_per_run(self, hidden):
        params = init_q_network(3, 4, hidden, n_runs=3, seed=7)
        x = np.random.default_rng(0).normal(size=(10, 3))
        q = q_values(params, x, activation="tanh")
        layers = params["torso"] + [params["head"]]
        for r in range(3):
            single = [{"W": l["W"][r], "b": l["b"][r]} for l in layers]
            np.testing.assert_allclose(q[r], mlp_apply(single, x, activation="tanh"), rtol=FLOAT_RTOL,
                                       atol=FLOAT_ATOL)

    def test_run_initialization_does_not_depend_on_the_number_of_runs(self):
        one = init_q_network(3, 4, (5,), n_runs=1, seed=11, dueling=True)
        three = init_q_network(3, 4, (5,), n_runs=3, seed=11, dueling=True)
        for a, b in zip(tree_flatten(one)[0], tree_flatten({k: _take(v, 0) for k, v in three.items()})[0]):
            assert a == b
        # the value head does not change the other draws
        plain = init_q_network(3, 4, (5,), n_runs=1, seed=11)
        assert tree_equal(plain["torso"], one["torso"]) and tree_equal(plain["head"], one["head"])

    @pytest.mark.parametrize("dueling, aggregation", [(False, "mean"), (True, "mean"), (True, "max")])
    @pytest.mark.parametrize("activation", ["tanh", "relu", "softplus"])
    def test_fused_forward_and_gradient_match_autograd_composition(self, dueling, aggregation, activation):
        rng = np.random.default_rng(1)
        params = init_q_network(4, 3, (6, 5), n_runs=2, seed=2, dueling=dueling)
        x, a, y = _batch(rng, 2, 7, 4, 3)
        onehot = np.eye(3)[a]
        fused = q_values(params, x, activation=activation, aggregation=aggregation)
        composed = reference_q_values(params, x, activation, aggregation)
        np.testing.assert_allclose(fused, composed, rtol=FLOAT_RTOL, atol=FLOAT_ATOL)
        g1 = autograd.grad(lambda p: td_loss(p, x, a, y, activation=activation, aggregation=aggregation))(params)

        def composed_loss(p):
            q = reference_q_values(p, x, activation, aggregation)
            return 0.5 * autograd.numpy.sum(autograd.numpy.mean((y - autograd.numpy.sum(q * onehot, -1)) ** 2, -1))

        g2 = autograd.grad(composed_loss)(params)
        np.testing.assert_allclose(tree_flatten(g1)[0], tree_flatten(g2)[0], rtol=1e-10, atol=1e-12)

    @staticmethod
    def _reference_gradient(params, x, a, y, activation, aggregation):
        """Per-run losses and autograd's gradient of the loss written with autograd's own
        matmul/add/activation (reference_q_values): no ganac VJP on this route."""
        onehot = np.eye(np.shape(params["head"]["W"])[2])[a]

        def per_run(p):
            q = reference_q_values(p, x, activation, aggregation)
            return 0.5 * autograd.numpy.mean((y - autograd.numpy.sum(q * onehot, -1)) ** 2, -1)

        return per_run(params), autograd.grad(lambda p: autograd.numpy.sum(per_run(p)))(params)

    @pytest.mark.parametrize("dueling, aggregation", [(False, "mean"), (True, "mean"), (True, "max"),
                                                      (True, "none")])
    @pytest.mark.parametrize("activation", ["tanh", "relu", "softplus"])
    @pytest.mark.parametrize("hidden", [(), (6, 5)])
    def test_fused_td_gradient_matches_autograd(self, dueling, aggregation, activation, hidden):
        rng = np.random.default_rng(3)
        params = init_q_network(4, 3, hidden, n_runs=2, seed=2, dueling=dueling)
        x, a, y = _batch(rng, 2, 7, 4, 3)
        losses, grads = fused_td_gradient(params, x, np.eye(3)[a], y, activation, aggregation)
        ref_losses, ref_grads = self._reference_gradient(params, x, a, y, activation, aggregation)
        assert list(grads) == list(params)  # same structure, same leaf order
        # two float64 routes through the same network: rounding only
        np.testing.assert_allclose(losses, ref_losses, rtol=FLOAT_RTOL, atol=FLOAT_ATOL)
        np.testing.assert_allclose(tree_flatten(grads)[0], tree_flatten(ref_grads)[0], rtol=1e-10, atol=1e-12)

    def test_fused_td_gradient_splits_ties_of_the_max_aggregation_like_autograd(self):
        rng = np.random.default_rng(5)
        params = init_q_network(3, 4, (5,), n_runs=2, seed=1, dueling=True)
        params["head"]["W"][:, :, 1:3] = params["head"]["W"][:, :, 1:2]  # advantages 1 and 2 tie everywhere
        params["head"]["b"][:, 1:3] = params["head"]["b"][:, 1:2]
        x, a, y = _batch(rng, 2, 6, 3, 4)
        adv = reference_q_values({"torso": params["torso"], "head": params["head"]}, x, "tanh", "none")
        assert np.any(np.argmax(adv, -1) == 1)  # the tie is the max somewhere
        _, grads = fused_td_gradient(params, x, np.eye(4)[a], y, "tanh", "max")
        _, ref = self._reference_gradient(params, x, a, y, "tanh", "max")
        np.testing.assert_allclose(tree_flatten(grads)[0], tree_flatten(ref)[0], rtol=1e-10, atol=1e-12)

    @pytest.mark.parametrize("wrong", ["activation", "aggregation"])
    def test_a_wrong_fused_backward_fails(self, monkeypatch, wrong):
        """Negative controls: tanh' as 1 − y, or the "mean" aggregation's derivative used for
        "none", must fail the comparison with autograd."""
        rng = np.random.default_rng(3)
        params = init_q_network(4, 3, (6,), n_runs=2, seed=2, dueling=True)
        x, a, y = _batch(rng, 2, 7, 4, 3)
        if wrong == "activation":
            monkeypatch.setattr(dqn_module, "activation_vjp", lambda act, h, g: g * (1.0 - h))
            got = fused_td_gradient(params, x, np.eye(3)[a], y, "tanh", "mean")[1]
        else:
            got = fused_td_gradient(params, x, np.eye(3)[a], y, "tanh", "mean")[1]
        _, ref = self._reference_gradient(params, x, a, y, "tanh", "mean" if wrong == "activation" else "none")
        with pytest.raises(AssertionError):
            np.testing.assert_allclose(tree_flatten(got)[0], tree_flatten(ref)[0], rtol=1e-10, atol=1e-12)

    @given(seed=st.integers(0, 2 ** 31), dueling=st.booleans(), shared_x=st.booleans())
    @settings(max_examples=8, deadline=None)
    def test_td_loss_gradient_matches_central_differences(self, seed, dueling, shared_x):
        rng = np.random.default_rng(seed)
        params = init_q_network(3, 4, (5,), n_runs=2, seed=seed, dueling=dueling)
        x, a, y = _batch(rng, 2, 6, 3, 4)
        if shared_x:
            x = x[0]
        vec, unflatten = tree_flatten(params)
        loss = lambda v: float(td_loss(unflatten(v), x, a, y))  # noqa: E731
        grad = tree_flatten(autograd.grad(lambda p: td_loss(p, x, a, y))(params))[0]
        eye = np.eye(vec.size)
        fd = np.array([(loss(vec + FD_STEP * e) - loss(vec - FD_STEP * e)) / (2 * FD_STEP) for e in eye])
        np.testing.assert_allclose(grad, fd, atol=FD_ATOL)

    def test_each_run_gets_its_own_gradient(self):
        rng = np.random.default_rng(4)
        params = init_q_network(3, 2, (4,), n_runs=3, seed=5)
        x, a, y = _batch(rng, 3, 5, 3, 2)
        g = autograd.grad(lambda p: td_loss(p, x, a, y))(params)
        for r in range(3):
            single = {k: _take(v, r) for k, v in params.items()}
            gr = autograd.grad(lambda p: td_loss(p, x[r:r + 1], a[r:r + 1], y[r:r + 1]))(single)
            np.testing.assert_allclose(tree_flatten({k: _take(v, r) for k, v in g.items()})[0],
                                       tree_flatten(gr)[0], rtol=FLOAT_RTOL, atol=FLOAT_ATOL)

    def test_loss_by_hand(self):
        params = init_q_network(2, 2, (), n_runs=1, seed=0)
        x = np.array([[[1.0, 0.0], [0.0, 1.0]]])
        q = np.asarray(q_values(params, x))
        a = np.array([[1, 0]])
        y = np.array([[0.5, -0.5]])
        expected = 0.5 * np.mean([(0.5 - q[0, 0, 1]) ** 2, (-0.5 - q[0, 1, 0]) ** 2])
        assert float(td_loss(params, x, a, y)) == pytest.approx(expected, rel=1e-14)

    @pytest.mark.parametrize("method", ["max", "double"])
    def test_targets_by_hand(self, method):
        rng = np.random.default_rng(9)
        online = init_q_network(3, 5, (4,), n_runs=2, seed=1)
        target = init_q_network(3, 5, (4,), n_runs=2, seed=2)
        x = rng.normal(size=(2, 6, 3))
        r = rng.normal(size=(2, 6))
        q_t = reference_q_values(target, x, "tanh", "mean")
        q_o = reference_q_values(online, x, "tanh", "mean")
        if method == "max":
            boot = q_t.max(axis=-1)
        else:
            pick = q_o.argmax(axis=-1)
            boot = np.array([[q_t[i, j, pick[i, j]] for j in range(6)] for i in range(2)])
            # the online and target greedy actions differ somewhere, so the test tells them apart
            assert np.any(pick != q_t.argmax(axis=-1))
        y = td_targets(online, target, x, r, 0.7, method=method)
        np.testing.assert_allclose(y, r + 0.7 * boot, rtol=FLOAT_RTOL, atol=FLOAT_ATOL)

    def test_named_errors(self):
        params = init_q_network(3, 2, (4,), n_runs=2, seed=0)
        with pytest.raises(ValueError, match="`x`"):
            q_values(params, np.zeros((5, 4)))
        with pytest.raises(ValueError, match="activation"):
            q_values(params, np.zeros((5, 3)), activation="swish")
        with pytest.raises(TypeError, match="params"):
            q_values([{"W": 1}], np.zeros((5, 3)))
        with pytest.raises(ValueError, match="`a`"):
            td_loss(params, np.zeros((2, 5, 3)), np.full((2, 5), 2), np.zeros((2, 5)))
        with pytest.raises(TypeError, match="`a`"):
            td_loss(params, np.zeros((2, 5, 3)), np.zeros((2, 5)), np.zeros((2, 5)))
        with pytest.raises(ValueError, match="method"):
            td_targets(params, params, np.zeros((2, 5, 3)), np.zeros((2, 5)), 0.9, method="softmax")
        with pytest.raises(ValueError, match="gamma"):
            td_targets(params, params, np.zeros((2, 5, 3)), np.zeros((2, 5)), 1.0, method="max")
        with pytest.raises(TypeError, match="dueling"):
            init_q_network(3, 2, dueling=1)


def _take(tree, r):
    """Run r of a stacked parameter tree (keeping a run axis of length 1)."""
    if isinstance(tree, dict):
        return {k: _take(v, r) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_take(v, r) for v in tree]
    return tree[r:r + 1]


# ---------------------------------------------------------------------------------------------
# training
# ---------------------------------------------------------------------------------------------


class TestTraining:
    def test_target_network_is_copied_every_period_and_frozen_in_between(self):
        mdp, feats = _small_problem()
        period = 7
        config = DQNConfig(**dict(SMALL, target_update_period=period))
        snaps = []
        res = train_dqn(mdp, feats, config,
                        callback=lambda step, p, t: snaps.append((tree_flatten(p)[0], tree_flatten(t)[0])))
        n_upd = res.n_updates[-1]
        assert n_upd > 3 * period
        np.testing.assert_array_equal(res.target_syncs, np.arange(period, n_upd + 1, period))
        updates = res.n_updates[1:]  # gradient steps completed after each training step
        prev_target = tree_flatten(init_q_network(feats.shape[1], mdp.n_actions, config.hidden, n_runs=2,
                                                  seed=np.random.SeedSequence(0).spawn(2)[0]))[0]
        prev_u = 0
        for (online, target), u in zip(snaps, updates):
            if u != prev_u and u % period == 0:
                np.testing.assert_array_equal(target, online)  # just synced
            else:
                np.testing.assert_array_equal(target, prev_target)  # frozen
            prev_target, prev_u = target, u
        # the recorded target-network tables follow the same rule
        for k in range(1, len(res.steps)):
            synced = res.n_updates[k] != res.n_updates[k - 1] and res.n_updates[k] % period == 0
            if synced:
                np.testing.assert_array_equal(res.q_target[k], res.q[k])
            else:
                np.testing.assert_array_equal(res.q_target[k], res.q_target[k - 1])

    def test_learning_starts_and_bookkeeping(self):
        mdp, feats = _small_problem()
        config = DQNConfig(**dict(SMALL, learning_starts=10))
        res = train_dqn(mdp, feats, config)
        # 2 envs per step: the buffer holds 10 transitions after 5 steps, so updates start at step 5
        np.testing.assert_array_equal(res.n_updates, np.maximum(0, res.steps - 4))
        np.testing.assert_array_equal(res.transitions, 2 * res.steps)
        assert res.q.shape == (SMALL["n_steps"] + 1, 2, 4, 3) and res.loss.shape == (res.n_updates[-1], 2)
        # the bootstrap of a "max" learner is the target network's max
        np.testing.assert_array_equal(res.bootstrap, res.q_target.max(axis=-1))
        json.dumps(res.to_dict())

    @pytest.mark.parametrize("target, dueling", [("max", False), ("double", True)])
    def test_fused_and_autograd_backends_train_alike(self, target, dueling):
        # the same gradient by two routes (rounding only), so the same run; measured: identical
        mdp, feats = _small_problem()
        config = DQNConfig(**dict(SMALL, target=target, dueling=dueling, seed=3))
        a = train_dqn(mdp, feats, config)
        b = train_dqn(mdp, feats, dataclasses.replace(config, backend="autograd"))
        np.testing.assert_allclose(a.q, b.q, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(a.loss, b.loss, rtol=1e-10, atol=1e-12)

    @pytest.mark.parametrize("target, dueling", [("max", False), ("double", True)])
    def test_deterministic_at_a_seed(self, target, dueling):
        mdp, feats = _small_problem()
        config = DQNConfig(**dict(SMALL, target=target, dueling=dueling, seed=3))
        a, b = train_dqn(mdp, feats, config), train_dqn(mdp, feats, config)
        np.testing.assert_array_equal(a.q, b.q)
        np.testing.assert_array_equal(a.loss, b.loss)
        assert tree_equal(a.params, b.params)
        c = train_dqn(mdp, feats, dataclasses.replace(config, seed=4))
        assert not np.array_equal(a.q, c.q)
        ss = np.random.SeedSequence(12)
        d = train_dqn(mdp, feats, dataclasses.replace(config, seed=ss))
        e = train_dqn(mdp, feats, dataclasses.replace(config, seed=ss))
        np.testing.assert_array_equal(d.q, e.q)  # a SeedSequence is not advanced by training

    def test_max_and_double_coincide_when_nothing_is_bootstrapped(self):
        """γ = 0: Y = r for both rules, so the two learners take identical steps."""
        mdp = equal_values_mdp(4, 3, 0, gamma=0.0, reward_std=0.5)
        feats = one_hot_features(4)
        a = train_dqn(mdp, feats, DQNConfig(**dict(SMALL, target="max")))
        b = train_dqn(mdp, feats, DQNConfig(**dict(SMALL, target="double")))
        np.testing.assert_array_equal(a.q, b.q)
        c = train_dqn(equal_values_mdp(4, 3, 0, gamma=0.5, reward_std=0.5), feats,
                      DQNConfig(**dict(SMALL, target="double")))
        assert not np.array_equal(a.q, c.q)

    @pytest.mark.parametrize("target, dueling", [("max", False), ("double", False), ("double", True)])
    def test_converges_to_q_star_on_a_noise_free_chain(self, target, dueling):
        mdp = chain_mdp(4, gamma=0.6, slip=0.0, small_reward=0.2, large_reward=1.0, start="uniform")
        q_star = value_iteration(mdp).Q
        config = DQNConfig(hidden=(16,), lr=3e-3, batch_size=32, buffer_size=200, target_update_period=25,
                           epsilon=1.0, n_steps=1000, n_envs=4, n_runs=2, checkpoint_every=1000, target=target,
                           dueling=dueling, seed=0)
        res = train_dqn(mdp, one_hot_features(4), config)
        assert np.abs(res.q[-1] - q_star).max() < NOISE_FREE_Q_ATOL
        assert np.all(res.q[0] != res.q[-1])

    def test_random_features_and_zero_steps(self):
        mdp = random_mdp(5, 2, 0, gamma=0.5)
        feats = random_features(5, 3, 1)
        res = train_dqn(mdp, feats, DQNConfig(**dict(SMALL, n_steps=0)))
        assert res.q.shape == (1, 2, 5, 2) and res.loss.shape == (0, 2) and res.target_syncs.size == 0

    @pytest.mark.parametrize("kwargs, exc, match", [
        (dict(target="softmax"), ValueError, "target"),
        (dict(lr=0.0), ValueError, "lr"),
        (dict(lr="1e-3"), TypeError, "lr"),
        (dict(batch_size=0), ValueError, "batch_size"),
        (dict(buffer_size=1, n_envs=4), ValueError, "buffer_size"),
        (dict(target_update_period=0), ValueError, "target_update_period"),
        (dict(epsilon=1.5), ValueError, "epsilon"),
        (dict(dueling="yes"), TypeError, "dueling"),
        (dict(aggregation="median"), ValueError, "aggregation"),
        (dict(hidden=(0,)), ValueError, "hidden"),
        (dict(hidden="32"), TypeError, "hidden"),
        (dict(activation="swish"), ValueError, "activation"),
        (dict(optimizer="lbfgs"), ValueError, "optimizer"),
        (dict(optimizer_kwargs={"b1": 2.0}), ValueError, "b1"),
        (dict(n_steps=-1), ValueError, "n_steps"),
        (dict(n_runs=0), ValueError, "n_runs"),
        (dict(learning_starts=0), ValueError, "learning_starts"),
        (dict(checkpoint_every=0), ValueError, "checkpoint_every"),
        (dict(seed=None), TypeError, "seed"),
        (dict(seed=-1), ValueError, "seed"),
        (dict(seed=True), TypeError, "seed"),
        (dict(init_scale="xavier"), ValueError, "init_scale"),
        (dict(backend="torch"), ValueError, "backend"),
    ])
    def test_config_named_errors(self, kwargs, exc, match):
        with pytest.raises(exc, match=match):
            DQNConfig(**kwargs)

    def test_train_named_errors(self):
        mdp, feats = _small_problem()
        with pytest.raises(TypeError, match="mdp"):
            train_dqn("chain", feats, DQNConfig())
        with pytest.raises(ValueError, match="features"):
            train_dqn(mdp, np.eye(5), DQNConfig())
        with pytest.raises(ValueError, match="features"):
            train_dqn(mdp, np.full((4, 4), np.nan), DQNConfig())
        with pytest.raises(TypeError, match="config"):
            train_dqn(mdp, feats, {"lr": 1e-3})
        with pytest.raises(TypeError, match="callback"):
            train_dqn(mdp, feats, DQNConfig(n_steps=1), callback=3)
