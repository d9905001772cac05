"""Tests for solvers.neural.ddpg.

References: the fused network against autograd's layer-by-layer composition and central finite
differences; the three routes to the actor gradient (DDPG loss, conditional-GAN generator loss
on separate single networks, explicit per-sample chain rule); the environment against its
defining recursion with the same noise draws; the critic of a γ = 0 problem (a contextual
bandit) against the closed-form Q of theory.lqr; DDPG's learned gain against the Riccati gain.
"""

import dataclasses

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad
from hypothesis import given, settings
from hypothesis import strategies as st

from solvers.neural import ddpg
from solvers.neural.ddpg import (
    ContinuousReplay,
    DDPGConfig,
    ScalarLQR,
    actor_apply,
    actor_loss,
    conditional_gan_generator_loss,
    critic_apply,
    critic_loss,
    deterministic_policy_gradient,
    fused_actor_gradient,
    fused_critic_gradient,
    init_ddpg,
    soft_update,
    td_targets,
    train_ddpg,
    unstack_run,
)
from solvers.neural.optim import tree_flatten, tree_leaves, tree_map
from solvers.neural import stacked_mlp
from solvers.neural.stacked_mlp import composed_mlp, fused_mlp
from solvers.problems.strategies import seeds
from theory.lqr import lqr_optimal, lqr_q_value

#: Two float64 routes to the same network value or gradient (different summation order):
#: rounding, relative to the largest entry.
AUTOGRAD_RTOL = 1e-12
#: Central differences with h = 1e-6 of a smooth tanh network of O(1) output: truncation
#: h² |f'''| ~ 1e-12, rounding eps / h ~ 1e-10.
FD_ATOL = 1e-7
#: Critic regression at γ = 0 after 800 Adam steps (lr 3e-3) on minibatches of 64: the MLP's
#: fit of the quadratic reward (values 0 to -2.4 on |s| <= 1.5, |u| <= 1); measured max error
#: 0.25-0.30 at seeds 0-2, allowance 0.4.
CRITIC_FIT_ATOL = 0.4
#: A 1,000-step DDPG run (2 runs) moves the gain from ~0 (error 0.47) to within this of k*;
#: measured max error 0.125 at seeds 0-1, allowance 0.2.
SHORT_RUN_GAIN_ATOL = 0.2
#: The initial actor's final layer is U(−3e−3, 3e−3), so its gain is within ~0.01 of 0, i.e.
#: |k̂ − k*| ≈ 0.47 before training; "far from k*" means more than this.
INITIAL_GAIN_DISTANCE = 0.4
#: One closed-form expression against the same arithmetic done another way (a linear actor
#: written out, a soft update, a target written with the public apply functions): a few ulps.
ULP_RTOL = 1e-12


def _random_params(actor_hidden, critic_hidden, seed, runs=2, activation="tanh"):
    cfg = DDPGConfig(actor_hidden=actor_hidden, critic_hidden=critic_hidden, n_runs=runs, activation=activation)
    rng = np.random.default_rng(seed)
    return tree_map(lambda x: 0.7 * rng.standard_normal(np.shape(x)), init_ddpg(cfg, seed))


# --------------------------------------------------------------------------- environment and replay


def test_environment_follows_its_recursion():
    env = ScalarLQR(a=0.7, b=-1.2, q=2.0, r=0.5, gamma=0.9, sigma=0.3)
    x = np.array([[0.5, -1.0, 2.0]])
    u = np.array([[0.1, 0.2, -0.3]])
    r, x_next = env.step(x, u, np.random.default_rng(5))
    w = np.random.default_rng(5).standard_normal(x.shape)
    np.testing.assert_array_equal(x_next, 0.7 * x - 1.2 * u + 0.3 * w)
    np.testing.assert_array_equal(r, -(2.0 * x**2 + 0.5 * u**2))
    assert env.restart == pytest.approx(0.1)
    assert ScalarLQR(reset_prob=0.0).restart == 0.0
    assert env.params["x0_var"] == 1.0


@pytest.mark.parametrize("kwargs, name", [(dict(r=0.0), "r"), (dict(q=-1.0), "q"), (dict(gamma=1.0), "gamma"),
                                          (dict(sigma=-0.1), "sigma"), (dict(reset_prob=1.5), "reset_prob"),
                                          (dict(a=np.inf), "a")])
def test_environment_validation(kwargs, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        ScalarLQR(**kwargs)


def test_environment_shapes():
    with pytest.raises(ValueError, match="same shape"):
        ScalarLQR().step(np.zeros(3), np.zeros(2), 0)


def test_replay_ring_buffer():
    buf = ContinuousReplay(4, n_runs=2)
    for i in range(3):
        v = np.full((2, 2), float(i))
        buf.add(v, v + 10, v + 20, v + 30)
    assert len(buf) == 4 and buf.n_added == 6 and buf.position == 2
    # the two oldest transitions (i = 0) were overwritten by i = 2
    assert sorted(buf.s[0].tolist()) == [1.0, 1.0, 2.0, 2.0]
    s, u, r, s2 = buf.sample(50, 0)
    assert s.shape == (2, 50)
    np.testing.assert_array_equal(u, s + 10)
    np.testing.assert_array_equal(s2, s + 30)
    with pytest.raises(ValueError, match="capacity"):
        buf.add(*(np.zeros((2, 5)),) * 4)
    with pytest.raises(ValueError, match="`u`"):
        buf.add(np.zeros((2, 1)), np.zeros((2, 2)), np.zeros((2, 1)), np.zeros((2, 1)))
    with pytest.raises(ValueError, match="empty"):
        ContinuousReplay(3).sample(1, 0)


# --------------------------------------------------------------------------- networks


@pytest.mark.parametrize("activation", ["tanh", "softplus", "relu", "elu", "leaky_relu"])
def test_fused_network_matches_autograd_composition(activation):
    params = _random_params((5, 4), (6,), 0, runs=3, activation=activation)
    x = np.random.default_rng(1).normal(size=(3, 7, 2))
    layers = params["critic"]
    f_fused = lambda L, xx: np.sum(np.sin(fused_mlp(L, xx, activation)))  # noqa: E731
    f_comp = lambda L, xx: np.sum(np.sin(composed_mlp(L, xx, activation)))  # noqa: E731
    assert f_fused(layers, x) == pytest.approx(f_comp(layers, x), rel=AUTOGRAD_RTOL)
    g1, _ = tree_flatten(grad(f_fused)(layers, x))
    g2, _ = tree_flatten(grad(f_comp)(layers, x))
    np.testing.assert_allclose(g1, g2, rtol=0, atol=AUTOGRAD_RTOL * np.abs(g2).max())
    gx1, gx2 = grad(f_fused, 1)(layers, x), grad(f_comp, 1)(layers, x)
    np.testing.assert_allclose(gx1, gx2, rtol=0, atol=AUTOGRAD_RTOL * np.abs(gx2).max())


def test_fused_network_gradient_matches_finite_differences():
    params = _random_params((4,), (5, 3), 2, runs=2)
    x = np.random.default_rng(3).normal(size=(2, 6, 2))
    vec, unflatten = tree_flatten(params["critic"])
    f = lambda v: float(np.sum(np.sin(fused_mlp(unflatten(v), x, "tanh"))))  # noqa: E731
    g, _ = tree_flatten(grad(lambda L: np.sum(np.sin(fused_mlp(L, x, "tanh"))))(params["critic"]))
    h = 1e-6
    fd = np.array([(f(vec + h * e) - f(vec - h * e)) / (2 * h) for e in np.eye(vec.size)])
    np.testing.assert_allclose(g, fd, atol=FD_ATOL)


def test_public_apply_functions():
    params = _random_params((), (8,), 4, runs=2)
    s = np.linspace(-1, 1, 5)
    u = actor_apply(params["actor"], s)
    layer = params["actor"][0]
    np.testing.assert_allclose(u, layer["W"][:, 0, 0][:, None] * s + layer["b"][:, 0][:, None], rtol=ULP_RTOL)
    bounded = actor_apply(params["actor"], s, action_bound=2.0)
    np.testing.assert_allclose(bounded, 2.0 * np.tanh(u), rtol=ULP_RTOL)
    q = critic_apply(params["critic"], s, u)
    assert q.shape == (2, 5)
    y = np.zeros((2, 5))
    assert critic_loss(params["critic"], np.broadcast_to(s, (2, 5)), u, y) == pytest.approx(np.sum(np.mean(q**2, -1)),
                                                                                          rel=ULP_RTOL)
    with pytest.raises(ValueError, match="`s`"):
        actor_apply(params["actor"], np.zeros((3, 5)))
    with pytest.raises(TypeError, match="`actor`"):
        actor_apply({"W": 1}, s)
    with pytest.raises(ValueError, match="action_bound"):
        actor_apply(params["actor"], s, action_bound=-1.0)


def test_td_targets_and_soft_update():
    params = _random_params((3,), (4,), 5, runs=2)
    rng = np.random.default_rng(6)
    r, s2 = rng.normal(size=(2, 4)), rng.normal(size=(2, 4))
    y = td_targets(params["actor"], params["critic"], r, s2, 0.9)
    reference = r + 0.9 * critic_apply(params["critic"], s2, actor_apply(params["actor"], s2))
    np.testing.assert_allclose(y, reference, rtol=ULP_RTOL)
    other = tree_map(lambda x: x + 1.0, params)
    mixed = soft_update(params, other, 0.25)
    for t, o, m in zip(tree_leaves(params), tree_leaves(other), tree_leaves(mixed)):
        np.testing.assert_allclose(m, 0.25 * o + 0.75 * t, rtol=ULP_RTOL)
    assert all(np.array_equal(m, o) for o, m in zip(tree_leaves(other), tree_leaves(soft_update(params, other, 1.0))))
    with pytest.raises(ValueError, match="structure"):
        soft_update(params, params["actor"], 0.5)


# --------------------------------------------------------------------------- the identity


@settings(max_examples=15)
@given(seeds(), st.sampled_from([((), (8,)), ((6,), (8, 5)), ((4, 4), (6,))]), st.sampled_from([None, 2.5]),
       st.sampled_from(["tanh", "softplus"]))
def test_actor_gradient_equals_cgan_generator_and_chain_rule(seed, sizes, bound, activation):
    params = _random_params(*sizes, seed % 2**31, runs=2, activation=activation)
    s = np.random.default_rng(seed).normal(size=(2, 9))
    actor, critic = params["actor"], params["critic"]
    g_tree = grad(actor_loss)(actor, critic, s, activation=activation, action_bound=bound)
    g_actor, _ = tree_flatten(g_tree)
    g_chain, _ = tree_flatten(deterministic_policy_gradient(actor, critic, s, activation=activation,
                                                            action_bound=bound))
    per_run = [tree_flatten(grad(conditional_gan_generator_loss)(unstack_run(actor, r), unstack_run(critic, r), s[r],
                                                                 activation=activation, output_bound=bound))[0]
               for r in range(2)]
    # the stacked gradient, run by run, to compare with the per-run cGAN gradients
    stacked = [np.concatenate([np.ravel(leaf[r]) for leaf in tree_leaves(g_tree)]) for r in range(2)]
    scale = np.abs(g_actor).max()
    np.testing.assert_allclose(-g_actor, g_chain, rtol=0, atol=AUTOGRAD_RTOL * scale)
    for r in range(2):
        np.testing.assert_allclose(stacked[r], per_run[r], rtol=0, atol=AUTOGRAD_RTOL * scale)


# --------------------------------------------------------------------------- the fused backend


def reference_stacked_mlp(layers, x, activation):
    """Stacked MLPs with autograd's own matmul, add and activation (no ganac VJP)."""
    act = {"tanh": anp.tanh, "softplus": lambda z: anp.logaddexp(0.0, z), "relu": lambda z: anp.maximum(z, 0.0)}
    h = x
    for layer in layers[:-1]:
        h = act[activation](anp.matmul(h, layer["W"]) + layer["b"][:, None, :])
    return anp.matmul(h, layers[-1]["W"]) + layers[-1]["b"][:, None, :]


def _reference_losses(actor, critic, s, u, y, activation, bound):
    def q(w, a):
        return reference_stacked_mlp(w, anp.stack([s, a], axis=-1), activation)[..., 0]

    def critic_l(w):
        return anp.sum(anp.mean((q(w, u) - y) ** 2, axis=-1))

    def actor_l(th):
        a = reference_stacked_mlp(th, s[..., None], activation)[..., 0]
        return -anp.sum(anp.mean(q(critic, a if bound is None else bound * anp.tanh(a)), axis=-1))

    return (critic_l(critic), grad(critic_l)(critic)), (actor_l(actor), grad(actor_l)(actor))


@pytest.mark.parametrize("sizes", [((), (8,)), ((6,), (8, 5))])
@pytest.mark.parametrize("bound", [None, 2.5])
@pytest.mark.parametrize("activation", ["tanh", "softplus", "relu"])
def test_fused_gradients_match_autograd(sizes, bound, activation):
    params = _random_params(*sizes, 3, runs=2, activation=activation)
    rng = np.random.default_rng(4)
    s, u, y = rng.normal(size=(3, 2, 9))
    (lc, gc), (la, ga) = _reference_losses(params["actor"], params["critic"], s, u, y, activation, bound)
    loss_c, grad_c = fused_critic_gradient(params["critic"], s, u, y, activation)
    loss_a, grad_a = fused_actor_gradient(params["actor"], params["critic"], s, activation, bound)
    for got, want in ((loss_c, lc), (loss_a, la), (grad_c, gc), (grad_a, ga)):
        want = tree_flatten(want)[0]
        np.testing.assert_allclose(tree_flatten(got)[0], want, rtol=0, atol=AUTOGRAD_RTOL * np.abs(want).max())


def test_a_wrong_fused_derivative_fails(monkeypatch):
    """Negative control: tanh' written as 1 − y in the stacked backward pass."""
    params = _random_params((6,), (8,), 3, runs=2)
    s, u, y = np.random.default_rng(4).normal(size=(3, 2, 9))
    _, (_, want) = _reference_losses(params["actor"], params["critic"], s, u, y, "tanh", None)
    monkeypatch.setitem(stacked_mlp.ACTIVATION_VJPS, "tanh", lambda h, g: g * (1.0 - h))
    got = fused_actor_gradient(params["actor"], params["critic"], s, "tanh")[1]
    with pytest.raises(AssertionError):
        np.testing.assert_allclose(tree_flatten(got)[0], tree_flatten(want)[0], rtol=0, atol=1e-8)


def test_fused_and_autograd_backends_train_alike():
    # the same gradients by two routes (rounding only); measured max difference 7e-16
    cfg = DDPGConfig(n_steps=60, n_runs=2, checkpoint_every=20, batch_size=16, seed=3, actor_hidden=(4,),
                     action_bound=2.0)
    a = train_ddpg(ScalarLQR(), cfg)
    b = train_ddpg(ScalarLQR(), dataclasses.replace(cfg, backend="autograd"))
    np.testing.assert_allclose(a.actions, b.actions, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(a.critic_loss, b.critic_loss, rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="backend"):
        DDPGConfig(backend="torch")


def test_cgan_loss_validation():
    params = _random_params((), (4,), 0)
    g, d = unstack_run(params["actor"], 0), unstack_run(params["critic"], 1)
    with pytest.raises(ValueError, match="`condition`"):
        conditional_gan_generator_loss(g, d, np.zeros((2, 2)))
    with pytest.raises(ValueError, match="2 -> 1"):
        conditional_gan_generator_loss(g, g, np.zeros(3))
    with pytest.raises(ValueError, match="`run`"):
        unstack_run(params["actor"], 2)


# --------------------------------------------------------------------------- training


def test_config_validation():
    with pytest.raises(ValueError, match="`tau`"):
        DDPGConfig(tau=0.0)
    with pytest.raises(ValueError, match="`buffer_size`"):
        DDPGConfig(buffer_size=2, n_envs=4)
    with pytest.raises(ValueError, match="`init_scale`"):
        DDPGConfig(init_scale="xavier")
    with pytest.raises(TypeError, match="`seed`"):
        DDPGConfig(seed=1.5)
    with pytest.raises(TypeError, match="`env`"):
        train_ddpg("lqr", DDPGConfig())
    with pytest.raises(TypeError, match="`config`"):
        train_ddpg(ScalarLQR(), {})


def test_initialization_per_run_is_independent_of_the_number_of_runs():
    one = init_ddpg(DDPGConfig(n_runs=1, actor_hidden=(3,)), 7)
    three = init_ddpg(DDPGConfig(n_runs=3, actor_hidden=(3,)), 7)
    for a, b in zip(tree_leaves(one), tree_leaves(three)):
        np.testing.assert_array_equal(a[0], b[0])
    final = three["critic"][-1]["W"]
    assert np.abs(final).max() <= ddpg.FINAL_INIT


def test_training_is_deterministic_and_shaped():
    cfg = DDPGConfig(n_steps=60, n_runs=2, checkpoint_every=20, batch_size=16, seed=3)
    a, b = train_ddpg(ScalarLQR(), cfg), train_ddpg(ScalarLQR(), cfg)
    np.testing.assert_array_equal(a.actions, b.actions)
    assert a.steps.tolist() == [0, 20, 40, 60]
    assert a.actions.shape == (4, 2, cfg.n_eval) and a.gain.shape == (4, 2)
    assert a.critic_loss.shape == (a.n_updates[-1],)
    assert a.policy([0.5, 1.0]).shape == (2, 2)
    d = a.to_dict()
    assert d["config"]["n_runs"] == 2 and d["env"]["gamma"] == 0.9
    # the linear actor's gain is minus its weight
    np.testing.assert_allclose(a.gain[-1], -a.params["actor"][0]["W"][:, 0, 0], rtol=ULP_RTOL)


def test_critic_learns_the_bandit_q_function():
    # γ = 0: Q(s, u) = −(q s² + r u²) exactly; the actor is frozen (tiny lr) near u = 0.
    env = ScalarLQR(gamma=0.0, a=0.7, r=0.5)
    res = train_ddpg(env, DDPGConfig(n_steps=800, n_runs=2, lr_actor=1e-12, seed=0))
    s, u = np.meshgrid(np.linspace(-1.5, 1.5, 7), np.linspace(-1.0, 1.0, 5))
    truth = lqr_q_value(s.ravel(), u.ravel(), 0.0, env.a, env.b, env.q, env.r, env.gamma)
    np.testing.assert_allclose(res.q(s.ravel(), u.ravel()), np.broadcast_to(truth, (2, truth.size)),
                               atol=CRITIC_FIT_ATOL)


def test_short_run_moves_the_gain_to_the_riccati_gain():
    env = ScalarLQR()
    k_star = lqr_optimal(env.a, env.b, env.q, env.r, env.gamma, sigma=env.sigma).k
    res = train_ddpg(env, DDPGConfig(n_steps=1000, n_runs=2, seed=0))
    assert np.all(np.abs(res.gain[0] - k_star) > INITIAL_GAIN_DISTANCE)  # starts near 0
    np.testing.assert_allclose(res.gain[-1], k_star, atol=SHORT_RUN_GAIN_ATOL)
