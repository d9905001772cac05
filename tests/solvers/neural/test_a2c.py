"""Tests for solvers.neural.a2c.

The autograd loss is checked against hand-derived gradients: for a linear policy on one-hot
features the logits table *is* the weight matrix, so -∂L/∂W must equal the tabular learner's
score-function estimate on the same batch (solvers.tabular.policy_gradient, written with the
explicit softmax score e_a - π); the value loss against its derivative written out by hand.
Learning is checked against the exact return of the learned policy on a bandit.  The fused
backend (the default) is checked against autograd's gradients of the same loss: one SGD step
(= the gradient) and whole runs agree to float rounding; a wrong activation derivative in the
shared trunk fails the comparison (negative control).
"""

import dataclasses

import numpy as np
import pytest
from autograd import grad
from scipy.special import softmax

import solvers.neural.a2c as a2c_module
from solvers.neural.a2c import A2CConfig, a2c_forward, a2c_loss, init_a2c, make_batch, train_a2c
from solvers.problems.rl_toys import bandit, chain_mdp, policy_evaluation, random_mdp
from solvers.neural.optim import tree_flatten
from solvers.tabular.policy_gradient import (
    VectorEnv,
    collect_batch,
    logit_contributions,
    per_env_gradient,
    segment_plan,
)

#: Two float64 routes (autograd's reverse mode vs scattered numpy sums) over ~10^3 terms.
GRAD_ATOL = 1e-10
#: Fused pass against autograd over a 40-step Adam run: the two routes sum in different orders,
#: so they differ by rounding (~1e-16 relative per step), carried through 40 steps (measured
#: 4e-16 in logits and values here); 1e-9 leaves six orders of margin, while a wrong trunk
#: derivative moves the logits by 4e-2 in the same run.
FUSED_RTOL = 1e-9
#: Budget statement for the bandit runs: J* = 1 (arm 1), the uniform start has J = 0.43; after 150
#: Adam steps every learner must be within 5% of J*.
BANDIT_J_MIN = 0.95


@pytest.mark.parametrize("learner", ["reinforce", "baseline", "a2c"])
@pytest.mark.parametrize("entropy", [0.0, 0.3])
def test_linear_policy_gradient_is_the_tabular_estimate(learner, entropy):
    mdp = random_mdp(4, 3, 1, gamma=0.7)
    cfg = A2CConfig(learner=learner, hidden=(), entropy=entropy, n_envs=6, n_step=4, horizon=7)
    params = init_a2c(cfg, 4, 3, seed=2)
    rng = np.random.default_rng(3)
    params["policy"][0]["W"] = rng.standard_normal((4, 3))  # a non-uniform policy
    X = np.eye(4)
    logits, values = a2c_forward(params, X, cfg)
    logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    pi = np.exp(logp)
    env = VectorEnv(mdp)
    T, restart = segment_plan(cfg, mdp.gamma)
    run_of = np.zeros(cfg.n_envs, dtype=np.int64)
    s = env.initial(cfg.n_envs, rng) if learner == "a2c" else None
    batch = collect_batch(env, learner, np.cumsum(pi, axis=1)[None], values[None], s, T, run_of, rng, restart)
    contrib, index, scale = logit_contributions(batch, pi[None], logp[None], values[None], learner, entropy,
                                                 T, run_of, 4, mdp.gamma)
    tabular, _ = per_env_gradient(index, contrib, cfg.n_envs * 4, 1, cfg.n_envs, 4, 3, scale)
    nb = make_batch(batch.states, batch.actions, batch.targets, batch.weights, values, learner, mdp.gamma)
    g = grad(a2c_loss)(params, X, nb, cfg)
    # one-hot input: logits = W + b, so ∂L/∂W = ∂L/∂logits
    np.testing.assert_allclose(-g["policy"][0]["W"], tabular[0], atol=GRAD_ATOL)
    if learner != "reinforce":
        err = nb.targets - values[nb.states]
        dV = -2 * cfg.value_coef * np.bincount(nb.states, weights=err, minlength=4) / nb.states.size
        np.testing.assert_allclose(g["value"][0]["W"], dV[:, None], atol=GRAD_ATOL)
    else:
        np.testing.assert_array_equal(g["value"][0]["W"], 0.0)


def test_shared_trunk_shapes_and_uniform_start():
    cfg = A2CConfig(hidden=(8, 5), shared_trunk=True)
    params = init_a2c(cfg, 3, 4, seed=0)
    assert len(params["trunk"]) == 2 and params["policy"][0]["W"].shape == (5, 4)
    logits, values = a2c_forward(params, np.eye(3), cfg)
    assert logits.shape == (3, 4) and values.shape == (3,)
    np.testing.assert_array_equal(logits, 0.0)
    sep = init_a2c(A2CConfig(hidden=(8,)), 3, 4, seed=0)
    assert sep["trunk"] == [] and sep["policy"][-1]["W"].shape == (8, 4)


@pytest.mark.parametrize("learner,shared", [("reinforce", False), ("baseline", False), ("a2c", False),
                                            ("a2c", True)])
def test_learners_find_the_best_arm(learner, shared):
    mdp = bandit([0.0, 1.0, 0.3], std=0.5)
    cfg = A2CConfig(learner=learner, shared_trunk=shared, hidden=(8,), lr=0.05, n_envs=16)
    run = train_a2c(mdp, cfg, n_iters=150, seed=1, record_every=50)
    J = [policy_evaluation(mdp, p).J for p in run.pi]
    assert J[-1] > BANDIT_J_MIN, J
    assert run.logits.shape == (4, 1, 3) and run.loss.shape == (150,)
    run.to_dict()


def test_deterministic_and_features():
    mdp = chain_mdp(3, gamma=0.5)
    cfg = A2CConfig(hidden=(4,), n_envs=4)
    a = train_a2c(mdp, cfg, n_iters=5, seed=7)
    b = train_a2c(mdp, cfg, n_iters=5, seed=7)
    np.testing.assert_array_equal(a.logits, b.logits)
    c = train_a2c(mdp, cfg, n_iters=5, seed=7, features=np.arange(6.0).reshape(3, 2))
    assert c.logits.shape == a.logits.shape and np.all(np.isfinite(c.logits))
    assert np.all(np.isfinite(a.grad_variance))
    assert softmax(a.logits[0], axis=1) == pytest.approx(np.full((3, 2), 0.5))


def test_validation():
    mdp = chain_mdp(3)
    with pytest.raises(ValueError, match="learner"):
        A2CConfig(learner="ppo")
    with pytest.raises(ValueError, match="hidden"):
        A2CConfig(hidden=(), shared_trunk=True)
    with pytest.raises(TypeError, match="shared_trunk"):
        A2CConfig(shared_trunk=1)
    with pytest.raises(ValueError, match="lr"):
        A2CConfig(lr=0.0)
    with pytest.raises(ValueError, match="optimizer_kwargs"):
        A2CConfig(optimizer="adam", optimizer_kwargs={"b1": 2.0})
    with pytest.raises(TypeError, match="mdp"):
        train_a2c("chain", A2CConfig(), n_iters=1, seed=0)
    with pytest.raises(TypeError, match="config"):
        train_a2c(mdp, {}, n_iters=1, seed=0)
    with pytest.raises(ValueError, match="features"):
        train_a2c(mdp, A2CConfig(), n_iters=1, seed=0, features=np.zeros((2, 2)))
    with pytest.raises(TypeError, match="seed"):
        train_a2c(mdp, A2CConfig(), n_iters=1, seed=None)


# ---------------------------------------------------------------------------------------------
# the fused backend against autograd
# ---------------------------------------------------------------------------------------------


def _one_step(cfg, mdp, seed=4):
    """Parameters before and after one SGD step of lr 1 (their difference is −∇L) and the loss."""
    params = init_a2c(cfg, mdp.n_states, mdp.n_actions, seed=seed)
    rng = np.random.default_rng(seed)
    params["policy"][-1]["W"] = rng.standard_normal(params["policy"][-1]["W"].shape)  # non-uniform policy
    run = train_a2c(mdp, cfg, n_iters=1, seed=seed, params=params)
    return tree_flatten(params)[0], tree_flatten(run.params)[0], run.loss[0]


@pytest.mark.parametrize("learner", ["reinforce", "baseline", "a2c"])
@pytest.mark.parametrize("shared", [False, True])
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_fused_gradient_matches_autograd(learner, shared, activation):
    mdp = random_mdp(5, 3, 2, gamma=0.8)
    cfg = A2CConfig(learner=learner, hidden=(7, 6), shared_trunk=shared, activation=activation, entropy=0.2,
                    optimizer="sgd", lr=1.0, n_envs=5, n_step=3, horizon=6)
    before, after_f, loss_f = _one_step(cfg, mdp)
    _, after_a, loss_a = _one_step(dataclasses.replace(cfg, backend="autograd"), mdp)
    # two float64 routes to the same gradient: rounding only (GRAD_ATOL, as for the tabular check)
    np.testing.assert_allclose(before - after_f, before - after_a, atol=GRAD_ATOL)
    assert np.max(np.abs(before - after_a)) > 1e-3  # a real step was taken
    np.testing.assert_allclose(loss_f, loss_a, rtol=GRAD_ATOL)


@pytest.mark.parametrize("shared", [False, True])
def test_fused_run_matches_autograd(shared):
    mdp = chain_mdp(4, gamma=0.8)
    cfg = A2CConfig(hidden=(8,), shared_trunk=shared, n_envs=8, entropy=0.05)
    runs = [train_a2c(mdp, c, n_iters=40, seed=3, record_every=10)
            for c in (cfg, dataclasses.replace(cfg, backend="autograd"))]
    np.testing.assert_allclose(runs[0].logits, runs[1].logits, rtol=FUSED_RTOL, atol=FUSED_RTOL)
    np.testing.assert_allclose(runs[0].values, runs[1].values, rtol=FUSED_RTOL, atol=FUSED_RTOL)
    np.testing.assert_allclose(runs[0].loss, runs[1].loss, rtol=FUSED_RTOL)
    np.testing.assert_allclose(runs[0].grad_variance, runs[1].grad_variance, rtol=FUSED_RTOL)


def test_a_wrong_trunk_derivative_fails(monkeypatch):
    """Negative control: tanh' written as 1 − y instead of 1 − y² in the shared trunk."""
    mdp = random_mdp(5, 3, 2, gamma=0.8)
    cfg = A2CConfig(hidden=(7,), shared_trunk=True, optimizer="sgd", lr=1.0, n_envs=5, n_step=3)
    before, _, _ = _one_step(cfg, mdp)
    _, after_a, _ = _one_step(dataclasses.replace(cfg, backend="autograd"), mdp)
    monkeypatch.setattr(a2c_module, "activation_vjp", lambda act, y, g: g * (1.0 - y))
    _, after_f, _ = _one_step(cfg, mdp)
    with pytest.raises(AssertionError):
        np.testing.assert_allclose(before - after_f, before - after_a, atol=GRAD_ATOL)


def test_float32_backend():
    mdp = bandit([0.0, 1.0, 0.3], std=0.5)
    cfg = A2CConfig(hidden=(8,), lr=0.05, n_envs=16, dtype="float32")
    run = train_a2c(mdp, cfg, n_iters=150, seed=1, record_every=50)
    assert run.params["policy"][0]["W"].dtype == np.float32
    assert policy_evaluation(mdp, run.pi[-1]).J > BANDIT_J_MIN
    with pytest.raises(ValueError, match="backend"):
        A2CConfig(backend="jax")
    with pytest.raises(ValueError, match="dtype"):
        A2CConfig(backend="autograd", dtype="float32")
    params = init_a2c(A2CConfig(hidden=(3,)), 3, 2, seed=0)
    with pytest.raises(ValueError, match=r"params\['policy'\]"):
        train_a2c(chain_mdp(3), A2CConfig(hidden=(4,)), n_iters=1, seed=0, params=params)
