"""Tests for solvers.neural.actor_critic (and its fused backend, solvers.neural.actor_critic_fused):
the actor-critic in the stateless GAN MDP.

- trajectory equality with the neural GAN (``solvers.neural.gan.train_gan``, an independent
  implementation read through its callback) from the same seed: 200 steps, 2x64 tanh, Adam,
  both schemes, both actor objectives; and a Hypothesis property over small configurations
  (every optimizer, activation, batch size, number of critic steps);
- the comparison can fail: a mismatched actor objective and the unscaled critic loss (Adam's ε
  doubled) move the trajectory by far more than the tolerance, while a 1-ulp nudge of the data
  stays at rounding level (no chaotic amplification within 200 steps);
- the pieces against their definitions: the cross-entropy Bellman error against scipy's
  log-sigmoid, the stratified critic loss against a hand-weighted sum, the deterministic
  policy gradient against central finite differences;
- the fused backend (the default) against the autograd one: gradients and one-step updates
  agree to float rounding in float64 (autograd is the independent route), float32 stays within
  a first-order running-error bound composed from ``tests/solvers/neural/test_fused.py``'s, and
  a wrong derivative of the Bellman error fails the comparison (negative control);
- recording, interruption, determinism, validation.
"""

import dataclasses
import json
import warnings

import autograd
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import log_expit

import solvers.neural.actor_critic_fused as fused_module
from solvers.neural.actor_critic import (
    ActorCriticConfig,
    actor_action,
    actor_critic_update,
    actor_gradient,
    actor_loss,
    actor_step,
    bellman_error_dq,
    critic_gradient,
    critic_loss,
    critic_q,
    critic_step,
    cross_entropy_bellman_error,
    dpg_actor_gradient,
    init_actor_critic,
    train_actor_critic,
)
from solvers.neural.gan import GANConfig, init_gan, train_gan
from solvers.neural.optim import tree_equal, tree_flatten
from solvers.problems.mixtures import mixture_1d, ring_of_gaussians
from solvers.problems.stateless_mdp import ContinuousStatelessMDP, Episodes
from tests.solvers.neural.test_fused import U32, reference_float32_error_bound, reference_mlp
from tests.tolerances import FLOAT_ATOL, FLOAT_RTOL

#: Relative parameter gap allowed between the actor-critic and the GAN at every step.  Both
#: perform the same float operations up to exact power-of-two rescalings, so the measured gap
#: is 0; rounding-level differences (a 1-ulp change of every real sample) grow to only ~1e-15
#: over 2,000 steps here (ULP_GROWTH_MAX below), so 1e-8 leaves 7 orders of margin.
TRAJECTORY_RTOL = 1e-8
#: A deliberately different learner must leave the GAN trajectory by at least 100x the
#: tolerance within 200 steps (measured: 6e-3 for the swapped objective, 8e-5 for Adam's ε
#: doubled, both at seed 5).
DIVERGENCE_MIN = 100 * TRAJECTORY_RTOL
#: Rounding differences must not be amplified chaotically over 200 steps (measured ~8e-16).
ULP_GROWTH_MAX = 1e-12
#: Central finite differences of the actor loss, step 1e-6: truncation O(h²) ~ 1e-12 times
#: third derivatives, rounding ~ 1e-16/1e-6 = 1e-10 relative to the loss.
FD_RTOL = 1e-6

_DATA = mixture_1d([-2.0, 2.0], [0.5, 0.5])
_BASE = GANConfig(hidden=(64, 64), activation="tanh", optimizer="adam", optimizer_kwargs={"b1": 0.5},
                  lr_g=2e-4, lr_d=1e-3, batch_size=128)
_N_STEPS = 200
_SEED = 5


def _gan_path(data, config, n_steps, seed):
    g, d = [], []

    def record(step, params, losses):
        g.append(tree_flatten(params["g"])[0])
        d.append(tree_flatten(params["d"])[0])

    result = train_gan(data, config, n_steps, seed, callback=record)
    return np.array(g), np.array(d), result


def _gaps(ac, g, d):
    """Per step t = 1..n: relative gaps of the actor to G and of the critic to D."""
    a, c = ac.actor_trajectory[1:], ac.critic_trajectory[1:]
    assert a.shape == g.shape and c.shape == d.shape
    return (np.linalg.norm(a - g, axis=1) / np.linalg.norm(g, axis=1),
            np.linalg.norm(c - d, axis=1) / np.linalg.norm(d, axis=1))


_GAN_CACHE: dict = {}


def _gan(loss, scheme):
    key = (loss, scheme)
    if key not in _GAN_CACHE:
        _GAN_CACHE[key] = _gan_path(_DATA, dataclasses.replace(_BASE, generator_loss=loss, scheme=scheme),
                                    _N_STEPS, _SEED)
    return _GAN_CACHE[key]


# ---------------------------------------------------------------------------------------------
# the claim: same trajectory as the GAN
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["alternating", "simultaneous"])
@pytest.mark.parametrize("loss, objective", [("minimax", "minimax"), ("non_saturating", "log_q")])
def test_actor_critic_follows_the_gan_trajectory(scheme, loss, objective):
    g, d, gan = _gan(loss, scheme)
    config = ActorCriticConfig.from_gan_config(dataclasses.replace(_BASE, generator_loss=loss, scheme=scheme))
    assert config.actor_objective == objective and config.critic_loss_scale == 2.0
    ac = train_actor_critic(ContinuousStatelessMDP(_DATA, real_prob=0.5), config, _N_STEPS, _SEED,
                            snapshot_every=1)
    actor_gap, critic_gap = _gaps(ac, g, d)
    assert actor_gap.max() <= TRAJECTORY_RTOL, actor_gap.max()
    assert critic_gap.max() <= TRAJECTORY_RTOL, critic_gap.max()
    # the initial networks are the GAN's too
    p0 = init_gan(_BASE, 1, _SEED)[0]
    assert np.array_equal(ac.actor_trajectory[0], tree_flatten(p0["g"])[0])
    assert np.array_equal(ac.critic_trajectory[0], tree_flatten(p0["d"])[0])
    # the losses: Bellman error = L_D / 2 (half real episodes), actor loss = generator loss
    np.testing.assert_allclose(2.0 * ac.critic_loss, gan.d_loss, rtol=FLOAT_RTOL, atol=FLOAT_ATOL)
    np.testing.assert_allclose(ac.actor_loss, gan.g_loss, rtol=FLOAT_RTOL, atol=FLOAT_ATOL)


def test_a_gan_config_is_accepted_directly():
    config = dataclasses.replace(_BASE, hidden=(8,), batch_size=16, generator_loss="minimax")
    a = train_actor_critic(_DATA, config, 5, 0)
    b = train_actor_critic(_DATA, ActorCriticConfig.from_gan_config(config), 5, 0)
    assert tree_equal(a.params, b.params)
    assert a.config.actor_objective == "minimax"


# ---------------------------------------------------------------------------------------------
# the comparison can fail
# ---------------------------------------------------------------------------------------------


def _gap_to_gan(loss, scheme, data=_DATA, **overrides):
    g, d, _ = _gan(loss, scheme)
    config = ActorCriticConfig.from_gan_config(dataclasses.replace(_BASE, generator_loss=loss, scheme=scheme),
                                               **overrides)
    return _gaps(train_actor_critic(data, config, _N_STEPS, _SEED, snapshot_every=1), g, d)


@pytest.mark.parametrize("loss, wrong", [("minimax", "log_q"), ("non_saturating", "minimax")])
def test_a_mismatched_actor_objective_diverges(loss, wrong):
    actor_gap, critic_gap = _gap_to_gan(loss, "alternating", actor_objective=wrong)
    assert actor_gap[-1] >= DIVERGENCE_MIN and critic_gap[-1] >= DIVERGENCE_MIN
    # it grows: the first step differs by the gradient change only
    assert actor_gap[-1] > 10 * actor_gap[0] > 0


def test_the_unscaled_critic_loss_is_resolved():
    """Critic loss scale 1 = Adam with ε doubled (m̂/(√v̂ + 2ε)): a change of order ε/√v̂ per
    step, which the 1e-8 comparison must see."""
    actor_gap, critic_gap = _gap_to_gan("minimax", "alternating", critic_loss_scale=1.0)
    assert critic_gap[0] > TRAJECTORY_RTOL  # after one step already
    assert critic_gap[-1] >= DIVERGENCE_MIN
    assert actor_gap[-1] > TRAJECTORY_RTOL


def test_rounding_differences_are_not_amplified():
    """Every real sample nudged by one ulp (relative 2^-52): the gap stays at rounding level, so
    equality to 1e-8 does not hinge on bit-identical arithmetic."""
    nudged = lambda n, rng: _DATA.sample(n, rng) * (1.0 + 2.0 ** -52)  # noqa: E731
    actor_gap, critic_gap = _gap_to_gan("minimax", "alternating", data=nudged)
    assert 0 < max(actor_gap.max(), critic_gap.max()) <= ULP_GROWTH_MAX


# ---------------------------------------------------------------------------------------------
# a property over small configurations
# ---------------------------------------------------------------------------------------------


@settings(max_examples=25)
@given(
    seed=st.integers(0, 2**32 - 1),
    hidden=st.sampled_from([(8,), (6, 5)]),
    activation=st.sampled_from(["tanh", "relu", "leaky_relu", "elu", "softplus"]),
    optimizer=st.sampled_from(["sgd", "momentum", "rmsprop", "adam"]),
    batch_size=st.integers(1, 37),
    k=st.integers(1, 3),
    scheme=st.sampled_from(["alternating", "simultaneous"]),
    loss=st.sampled_from(["minimax", "non_saturating"]),
    two_d=st.booleans(),
    latent_dim=st.integers(1, 3),
)
def test_equal_trajectories_for_any_small_configuration(seed, hidden, activation, optimizer, batch_size, k,
                                                        scheme, loss, two_d, latent_dim):
    data = ring_of_gaussians(4, 1.0, 0.1) if two_d else _DATA
    lr = 0.05 if optimizer in ("sgd", "momentum") else 1e-2
    config = GANConfig(latent_dim=latent_dim, hidden=hidden, activation=activation, optimizer=optimizer,
                       lr_g=lr, lr_d=2 * lr, batch_size=batch_size, n_disc_steps=k, scheme=scheme,
                       generator_loss=loss)
    n = 12
    g, d, _ = _gan_path(data, config, n, seed)
    ac = train_actor_critic(data, ActorCriticConfig.from_gan_config(config), n, seed, snapshot_every=1)
    actor_gap, critic_gap = _gaps(ac, g, d)
    assert max(actor_gap.max(), critic_gap.max()) <= TRAJECTORY_RTOL


# ---------------------------------------------------------------------------------------------
# the pieces against their definitions
# ---------------------------------------------------------------------------------------------


def test_cross_entropy_bellman_error_matches_log_sigmoid():
    q = np.array([-800.0, -30.0, -2.0, -1e-3, 0.0, 0.7, 25.0, 800.0])
    for r in (0.0, 1.0, 0.1, 0.9):
        expected = -(r * log_expit(q) + (1.0 - r) * log_expit(-q))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            got = cross_entropy_bellman_error(q, np.full(q.shape, r))
        assert np.all(np.isfinite(got))
        np.testing.assert_allclose(got, expected, rtol=FLOAT_RTOL, atol=FLOAT_ATOL)
    # the minimum over Q of the expected error is at σ(Q) = r: the critic predicts the reward
    r = 0.3
    dq = autograd.grad(lambda s: cross_entropy_bellman_error(s, r))(float(np.log(r / (1 - r))))
    assert abs(dq) <= FLOAT_ATOL


@pytest.mark.parametrize("real_prob", [0.5, 0.3])
def test_critic_loss_is_the_stratified_expectation(real_prob):
    params, _ = init_actor_critic(ActorCriticConfig(hidden=(7,)), 2, 1)
    rng = np.random.default_rng(0)
    x_real, x_fake = rng.normal(size=(5, 2)), rng.normal(size=(9, 2))
    ep = ContinuousStatelessMDP(ring_of_gaussians(), real_prob).episodes(x_fake, x_real)
    q = critic_q(params["critic"], ep.x)
    expected = (real_prob * np.mean(-log_expit(q[:5])) + (1 - real_prob) * np.mean(-log_expit(-q[5:])))
    got = critic_loss(params["critic"], ep, real_prob=real_prob)
    np.testing.assert_allclose(got, expected, rtol=FLOAT_RTOL)


@pytest.mark.parametrize("objective", ["minimax", "log_q"])
def test_dpg_gradient_matches_finite_differences(objective):
    params, _ = init_actor_critic(ActorCriticConfig(hidden=(6, 6), latent_dim=2), 2, 3)
    rng = np.random.default_rng(1)
    z = rng.normal(size=(11, 2))
    actions = actor_action(params["actor"], z)
    mdp = ContinuousStatelessMDP(ring_of_gaussians())
    ep = mdp.episodes(actions, rng.normal(size=(4, 2)))  # real episodes mixed in: they must not count
    loss, grad = dpg_actor_gradient(params["actor"], params["critic"], z, ep, objective=objective)
    np.testing.assert_allclose(loss, actor_loss(params["actor"], params["critic"], z, objective=objective),
                               rtol=FLOAT_RTOL)
    flat, unflatten = tree_flatten(params["actor"])
    g_flat = tree_flatten(grad)[0]
    h = 1e-6

    def f(v):
        return float(actor_loss(unflatten(v), params["critic"], z, objective=objective))

    for _ in range(5):
        u = rng.normal(size=flat.shape)
        u /= np.linalg.norm(u)
        fd = (f(flat + h * u) - f(flat - h * u)) / (2 * h)
        np.testing.assert_allclose(g_flat @ u, fd, rtol=FD_RTOL, atol=FD_RTOL * np.linalg.norm(g_flat))
    # the same with no real episode at all
    alone = mdp.episodes(actions, np.zeros((0, 2)))
    _, grad_alone = dpg_actor_gradient(params["actor"], params["critic"], z, alone, objective=objective)
    np.testing.assert_allclose(tree_flatten(grad_alone)[0], g_flat, rtol=FLOAT_RTOL, atol=FLOAT_ATOL)


# ---------------------------------------------------------------------------------------------
# the update rules, each alone against finite differences of its loss
# ---------------------------------------------------------------------------------------------


def _fd_directional(f, flat, g_flat, rng, n_dirs=4, h=1e-6):
    """Central differences of f along random unit directions against g·u (FD_RTOL above)."""
    for _ in range(n_dirs):
        u = rng.normal(size=flat.shape)
        u /= np.linalg.norm(u)
        fd = (f(flat + h * u) - f(flat - h * u)) / (2 * h)
        np.testing.assert_allclose(g_flat @ u, fd, rtol=FD_RTOL, atol=FD_RTOL * np.linalg.norm(g_flat))


def _rule_setup(**overrides):
    config = ActorCriticConfig(hidden=(5, 4), latent_dim=2, **overrides)
    params, states = init_actor_critic(config, 2, 6)
    rng = np.random.default_rng(7)
    mdp = ContinuousStatelessMDP(ring_of_gaussians(), real_prob=0.3)  # unequal strata
    return config, params, states, mdp, rng.normal(size=(9, 2)), rng.normal(size=(9, 2)), rng


@pytest.mark.parametrize("scale", [2.0, 1.0])
def test_critic_gradient_is_the_gradient_of_the_scaled_bellman_error(scale):
    config, params, _, mdp, x_real, z, rng = _rule_setup(critic_loss_scale=scale)
    loss, grads = critic_gradient(params, x_real, z, config, mdp)
    episodes = mdp.episodes(actor_action(params["actor"], z), x_real)
    np.testing.assert_allclose(loss, critic_loss(params["critic"], episodes, real_prob=0.3), rtol=FLOAT_RTOL)
    flat, unflatten = tree_flatten(params["critic"])
    _fd_directional(lambda v: scale * float(critic_loss(unflatten(v), episodes, real_prob=0.3)),
                    flat, tree_flatten(grads)[0], rng)


@pytest.mark.parametrize("objective", ["minimax", "log_q"])
def test_actor_gradient_is_the_gradient_of_the_actor_loss(objective):
    config, params, _, mdp, _, z, rng = _rule_setup(actor_objective=objective)
    loss, grads = actor_gradient(params, z, config, mdp)
    np.testing.assert_allclose(loss, actor_loss(params["actor"], params["critic"], z, objective=objective),
                               rtol=FLOAT_RTOL)
    flat, unflatten = tree_flatten(params["actor"])
    _fd_directional(lambda v: float(actor_loss(unflatten(v), params["critic"], z, objective=objective)),
                    flat, tree_flatten(grads)[0], rng)


def test_each_step_is_one_optimizer_step_on_its_own_player():
    # with plain SGD a step is θ − η ∇(loss): checked against central differences of the
    # public losses; the other player is left as it was
    lr = 0.1
    config, params, states, mdp, x_real, z, rng = _rule_setup(optimizer="sgd", lr_actor=lr, lr_critic=lr)
    episodes = mdp.episodes(actor_action(params["actor"], z), x_real)
    new, state_c, loss_c = critic_step(params, states["critic"], x_real, z, config, mdp)
    assert new["actor"] is params["actor"] and state_c.t == 1
    np.testing.assert_allclose(loss_c, critic_loss(params["critic"], episodes, real_prob=0.3), rtol=FLOAT_RTOL)
    before, unflatten = tree_flatten(params["critic"])
    step = (before - tree_flatten(new["critic"])[0]) / lr  # = s ∇L_C
    _fd_directional(lambda v: 2.0 * float(critic_loss(unflatten(v), episodes, real_prob=0.3)), before, step, rng)

    new, state_a, loss_a = actor_step(params, states["actor"], z, config, mdp)
    assert new["critic"] is params["critic"] and state_a.t == 1
    np.testing.assert_allclose(loss_a, actor_loss(params["actor"], params["critic"], z), rtol=FLOAT_RTOL)
    before, unflatten = tree_flatten(params["actor"])
    step = (before - tree_flatten(new["actor"])[0]) / lr
    _fd_directional(lambda v: float(actor_loss(unflatten(v), params["critic"], z)), before, step, rng)


def test_update_rule_validation():
    config, params, states, mdp, x_real, z, _ = _rule_setup()
    with pytest.raises(ValueError, match="`z`"):
        critic_gradient(params, x_real, np.zeros((9, 3)), config, mdp)
    with pytest.raises(ValueError, match="x_real"):
        critic_step(params, states["critic"], np.zeros(9), z, config, mdp)
    with pytest.raises(ValueError, match="`z`"):
        actor_step(params, states["actor"], np.zeros((9, 1)), config, mdp)
    with pytest.raises(TypeError, match="mdp"):
        actor_gradient(params, z, config, ring_of_gaussians())
    with pytest.raises(TypeError, match="config"):
        critic_gradient(params, x_real, z, {"lr": 1.0}, mdp)


def test_minimax_and_log_q_actor_gradients_differ_by_the_critic_scaling():
    """d/dQ of −softplus(Q) is −σ(Q), of softplus(−Q) is −(1 − σ(Q)): the two objectives push the
    actions the same way, scaled per episode by σ(Q)/(1 − σ(Q)) (Pfau & Vinyals' ∂𝒟/∂Q)."""
    params, _ = init_actor_critic(ActorCriticConfig(hidden=(5,)), 1, 2)
    x = np.linspace(-2, 2, 9)[:, None]
    q = critic_q(params["critic"], x)
    dq = autograd.elementwise_grad(lambda xx: critic_q(params["critic"], xx))(x)[:, 0]
    g_mm = autograd.elementwise_grad(lambda xx: -cross_entropy_bellman_error(critic_q(params["critic"], xx), 0.0))(x)
    g_lq = autograd.elementwise_grad(lambda xx: cross_entropy_bellman_error(critic_q(params["critic"], xx), 1.0))(x)
    sig = np.exp(log_expit(q))
    np.testing.assert_allclose(g_mm[:, 0], -sig * dq, rtol=FLOAT_RTOL, atol=FLOAT_ATOL)
    np.testing.assert_allclose(g_lq[:, 0], -(1 - sig) * dq, rtol=FLOAT_RTOL, atol=FLOAT_ATOL)


# ---------------------------------------------------------------------------------------------
# recording, interruption, determinism, validation
# ---------------------------------------------------------------------------------------------

_TINY = ActorCriticConfig(hidden=(8,), batch_size=16)


def test_snapshots_and_update_function_agree():
    r = train_actor_critic(_DATA, _TINY, 23, 4, snapshot_every=5)
    assert r.steps.tolist() == [0, 5, 10, 15, 20, 23]
    assert r.actor_trajectory.shape[0] == r.critic_trajectory.shape[0] == 6
    assert np.array_equal(r.actor_trajectory[-1], tree_flatten(r.params["actor"])[0])
    none = train_actor_critic(_DATA, _TINY, 23, 4)
    assert none.steps.tolist() == [0, 23] and tree_equal(none.params, r.params)
    # the loop is actor_critic_update on the documented random streams
    from solvers.neural.gan import gan_streams

    streams = gan_streams(4)
    params, states = init_actor_critic(_TINY, 1, 4)
    mdp = ContinuousStatelessMDP(_DATA)
    for _ in range(23):
        x = mdp.sample_data(16, streams.data).reshape(1, 16, 1)
        z = streams.noise.standard_normal((2, 16, 1))
        params, states, _ = actor_critic_update(params, states, x, z, _TINY, mdp)
    assert tree_equal(params, r.params)


def test_keyboard_interrupt_returns_partial_result():
    def stop_at_7(step, params, losses):
        if step == 7:
            raise KeyboardInterrupt

    partial = train_actor_critic(_DATA, _TINY, 50, 3, callback=stop_at_7, snapshot_every=5)
    full = train_actor_critic(_DATA, _TINY, 7, 3)
    assert partial.interrupted and not full.interrupted
    assert partial.n_steps == 7 and partial.n_steps_requested == 50
    assert partial.critic_loss.shape == (7,) and partial.steps.tolist() == [0, 5, 7]
    assert tree_equal(partial.params, full.params)
    json.dumps(partial.to_dict())


def test_determinism_and_helpers():
    a = train_actor_critic(_DATA, _TINY, 10, 8, progress=True)
    b = train_actor_critic(_DATA, _TINY, 10, np.random.default_rng(8))
    c = train_actor_critic(_DATA, _TINY, 10, 9)
    assert tree_equal(a.params, b.params) and np.array_equal(a.actor_loss, b.actor_loss)
    assert not tree_equal(a.params, c.params)
    assert a.sample(7, 0).shape == (7, 1) and np.array_equal(a.sample(7, 0), a.sample(7, 0))
    p = a.predicted_reward(np.linspace(-3, 3, 5))
    assert p.shape == (5,) and np.all((p > 0) & (p < 1))
    assert a.steps_per_second > 0


def test_validation():
    with pytest.raises(ValueError, match="actor_objective"):
        ActorCriticConfig(actor_objective="non_saturating")
    with pytest.raises(ValueError, match="scheme"):
        ActorCriticConfig(scheme="sequential")
    with pytest.raises(ValueError, match="critic_loss_scale"):
        ActorCriticConfig(critic_loss_scale=0.0)
    with pytest.raises(ValueError, match="n_critic_steps"):
        ActorCriticConfig(n_critic_steps=0)
    with pytest.raises(TypeError, match="hidden"):
        ActorCriticConfig(hidden=64)
    with pytest.raises(ValueError, match="optimizer_kwargs"):
        ActorCriticConfig(optimizer_kwargs={"b1": 1.5})
    with pytest.raises(TypeError, match="config"):
        train_actor_critic(_DATA, {"lr": 1}, 3, 0)
    with pytest.raises(TypeError, match="data"):
        train_actor_critic(42, _TINY, 3, 0)
    with pytest.raises(ValueError, match="n_steps"):
        train_actor_critic(_DATA, _TINY, -1, 0)
    with pytest.raises(ValueError, match="snapshot_every"):
        train_actor_critic(_DATA, _TINY, 3, 0, snapshot_every=0)
    with pytest.raises(TypeError, match="seed"):
        train_actor_critic(_DATA, _TINY, 3, None)
    params, states = init_actor_critic(_TINY, 1, 0)
    mdp = ContinuousStatelessMDP(_DATA)
    with pytest.raises(ValueError, match="x_real"):
        actor_critic_update(params, states, np.zeros((2, 16, 1)), np.zeros((2, 16, 1)), _TINY, mdp)
    with pytest.raises(ValueError, match="`z`"):
        actor_critic_update(params, states, np.zeros((1, 16, 1)), np.zeros((1, 16, 1)), _TINY, mdp)
    with pytest.raises(TypeError, match="mdp"):
        actor_critic_update(params, states, np.zeros((1, 16, 1)), np.zeros((2, 16, 1)), _TINY, _DATA)
    with pytest.raises(ValueError, match="objective"):
        actor_loss(params["actor"], params["critic"], np.zeros((3, 1)), objective="wgan")
    with pytest.raises(TypeError, match="episodes"):
        critic_loss(params["critic"], np.zeros((3, 1)))
    with pytest.raises(ValueError, match="real_prob"):
        critic_loss(params["critic"], Episodes(np.zeros((2, 1)), np.ones(2), np.ones(2, bool)), real_prob=2.0)
    ep = mdp.episodes(np.zeros((3, 1)), np.zeros((2, 1)))
    with pytest.raises(ValueError, match="`z`"):
        dpg_actor_gradient(params["actor"], params["critic"], np.zeros((5, 1)), ep)


# ---------------------------------------------------------------------------------------------
# the fused backend against autograd
# ---------------------------------------------------------------------------------------------

#: Accuracy assumed for scipy's float32 expit, in ulp; test_float32_expit_accuracy checks it on a
#: dense grid (measured max 2.47 ulp with scipy 1.16).
EXPIT_ULPS = 4.0


def _backends(config, **overrides):
    return (dataclasses.replace(config, backend="fused", **overrides),
            dataclasses.replace(config, backend="autograd"))


def _assert_trees_close(a, b, what):
    # Two float64 routes through the same network (fused pass vs autograd): summation order
    # differs, so they agree to rounding only.
    fa, fb = tree_flatten(a)[0], tree_flatten(b)[0]
    np.testing.assert_allclose(fa, fb, rtol=FLOAT_RTOL, atol=FLOAT_ATOL * max(1.0, np.max(np.abs(fb))),
                               err_msg=what)


def test_bellman_error_dq_matches_autograd():
    q = np.array([-700.0, -40.0, -3.0, -1e-9, 0.0, 0.5, 30.0, 700.0])
    for r in (0.0, 1.0, 0.3, 0.999):
        want = autograd.elementwise_grad(cross_entropy_bellman_error)(q, r * np.ones_like(q))
        np.testing.assert_allclose(bellman_error_dq(q, r), want, rtol=FLOAT_RTOL, atol=FLOAT_ATOL)
    # relative accuracy in the tails (σ(Q) − r would return 0 or lose all digits here)
    assert bellman_error_dq(np.array([40.0]), 1.0)[0] == pytest.approx(-np.exp(-40.0), rel=FLOAT_RTOL)
    assert bellman_error_dq(np.array([-40.0]), 0.0)[0] == pytest.approx(np.exp(-40.0), rel=FLOAT_RTOL)
    out = np.empty(8, np.float32)
    assert bellman_error_dq(q.astype(np.float32), 1.0, out=out) is out


@pytest.mark.parametrize("activation", ["tanh", "relu", "softplus"])
@pytest.mark.parametrize("objective", ["minimax", "log_q"])
def test_fused_gradients_match_autograd(activation, objective):
    config, params, _, mdp, x_real, z, _ = _rule_setup(activation=activation, actor_objective=objective)
    fused, ref = _backends(config)
    for rule, args in ((critic_gradient, (x_real, z)), (actor_gradient, (z,))):
        loss_f, g_f = rule(params, *args, fused, mdp)
        loss_a, g_a = rule(params, *args, ref, mdp)
        np.testing.assert_allclose(loss_f, loss_a, rtol=FLOAT_RTOL, atol=FLOAT_ATOL)
        _assert_trees_close(g_f, g_a, rule.__name__)


@pytest.mark.parametrize("scheme", ["alternating", "simultaneous"])
@pytest.mark.parametrize("optimizer", ["adam", "momentum"])
def test_fused_update_matches_autograd(scheme, optimizer):
    config, params, states, mdp, _, _, rng = _rule_setup(scheme=scheme, optimizer=optimizer, n_critic_steps=2)
    x_real, z = rng.normal(size=(2, 9, 2)), rng.normal(size=(3, 9, 2))
    fused, ref = _backends(config)
    p_f, s_f, l_f = actor_critic_update(params, states, x_real, z, fused, mdp)
    p_a, s_a, l_a = actor_critic_update(params, states, x_real, z, ref, mdp)
    np.testing.assert_allclose(l_f, l_a, rtol=FLOAT_RTOL, atol=FLOAT_ATOL)
    _assert_trees_close(p_f, p_a, "parameters")
    for name in ("actor", "critic"):
        assert s_f[name].t == s_a[name].t == (1 if name == "actor" else 2)
        for slot in s_a[name].slots:
            _assert_trees_close(s_f[name].slots[slot], s_a[name].slots[slot], f"{name} {slot}")
    # the single-player steps too, and the inputs are left alone
    before = tree_flatten(params)[0].copy()
    for rule, args in ((critic_step, (states["critic"], x_real[0], z[0])), (actor_step, (states["actor"], z[0]))):
        new_f, st_f, _ = rule(params, *args, fused, mdp)
        new_a, st_a, _ = rule(params, *args, ref, mdp)
        _assert_trees_close(new_f, new_a, rule.__name__)
        _assert_trees_close(list(st_f.slots.values()), list(st_a.slots.values()), rule.__name__)
    assert np.array_equal(tree_flatten(params)[0], before)


def test_fused_training_run_matches_autograd():
    config = ActorCriticConfig(hidden=(8, 8), batch_size=16, n_critic_steps=2)
    runs = [train_actor_critic(_DATA, c, 15, 3, snapshot_every=5) for c in _backends(config)]
    np.testing.assert_allclose(runs[0].actor_trajectory, runs[1].actor_trajectory, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(runs[0].critic_trajectory, runs[1].critic_trajectory, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(runs[0].critic_loss, runs[1].critic_loss, rtol=FLOAT_RTOL)
    assert runs[0].steps.tolist() == runs[1].steps.tolist() == [0, 5, 10, 15]


@pytest.mark.parametrize("wrong", ["derivative", "unscaled"])
def test_a_wrong_fused_derivative_fails(monkeypatch, wrong):
    """Negative controls: ∂CE/∂Q with the two sigmoids swapped ((1 − r)σ(−Q) − rσ(Q)), or the
    critic's gradient without the loss scale, must fail the comparison with autograd."""
    config, params, _, mdp, x_real, z, _ = _rule_setup()
    fused, ref = _backends(config)
    want = critic_gradient(params, x_real, z, ref, mdp)[1]
    if wrong == "derivative":
        good = fused_module.bellman_error_dq
        monkeypatch.setattr(fused_module, "bellman_error_dq",
                            lambda q, r, out=None: good(-q, 1.0 - np.asarray(r), out=out))
    else:
        fused = dataclasses.replace(fused, critic_loss_scale=1.0)
        ref = dataclasses.replace(ref, critic_loss_scale=2.0)
    with pytest.raises(AssertionError):
        _assert_trees_close(critic_gradient(params, x_real, z, fused, mdp)[1], want, "critic gradient")


# float32: a first-order running-error bound composed from test_fused's


def _f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def _float32_setup(activation, objective):
    # parameters and inputs that are float32 numbers; B = 16 makes every episode weight
    # (½/16 × 2, 1/16) a power of two, exact in float32
    config = ActorCriticConfig(hidden=(32, 32), latent_dim=2, activation=activation, actor_objective=objective,
                               dtype="float32")
    params, _ = init_actor_critic(config, 2, 4)
    params = {k: [{n: _f32(v) for n, v in layer.items()} for layer in net] for k, net in params.items()}
    rng = np.random.default_rng(12)
    return config, params, ContinuousStatelessMDP(ring_of_gaussians()), _f32(rng.normal(size=(16, 2))), \
        _f32(rng.normal(size=(16, 2)))


def _q_and_bounds(critic, x, x_err, weight, reward, activation):
    """The critic's exact logits q, the exact cotangent ḡ = w ∂CE/∂Q and a bound on the float32
    error of ḡ: |σ'(q)| e_q from the logit error, plus expit's EXPIT_ULPS ulp (≤ 2 EXPIT_ULPS u
    relative) and one rounding of the product by the exact weight; the other operations of
    bellman_error_dq are exact for rewards 0 and 1."""
    q = reference_mlp(critic, x, activation)
    e_q = reference_float32_error_bound(critic, x, np.zeros_like(q), activation, x_error=x_err)[0]
    dq = bellman_error_dq(q[:, 0], reward)[:, None]
    sig = np.exp(-np.logaddexp(0.0, -q))
    g = weight[:, None] * dq
    eps = np.abs(weight[:, None]) * (sig * (1.0 - sig) * e_q + (2.0 * EXPIT_ULPS * U32 + U32) * np.abs(dq))
    return g, eps


def _float32_bounds(config, params, x_real, z):
    """Bounds on the float32 critic and actor gradients' errors (flat, tree_flatten order), and
    the float64 autograd configuration that gives the exact values."""
    activation, objective = config.activation, config.actor_objective
    ref = dataclasses.replace(config, dtype="float64", backend="autograd")
    actor, critic = params["actor"], params["critic"]
    a = reference_mlp(actor, z, activation)
    e_a = reference_float32_error_bound(actor, z, np.zeros_like(a), activation)[0]
    # critic rule: episodes [x_real; μ(z)], rewards [1; 0], weights s·π/B, s·(1 − π)/B
    x, x_err = np.vstack([x_real, a]), np.vstack([np.zeros_like(x_real), e_a])
    reward = np.r_[np.ones(16), np.zeros(16)]
    g, eps = _q_and_bounds(critic, x, x_err, np.full(32, 2.0 * 0.5 / 16), reward, activation)
    bound_c = reference_float32_error_bound(critic, x, g, activation, x_error=x_err, g_out_error=eps)[1]
    # actor rule: the critic's input VJP (with its bound) is the actor's cotangent
    sign, target = (-1.0, 0.0) if objective == "minimax" else (1.0, 1.0)
    g, eps = _q_and_bounds(critic, a, e_a, np.full(16, sign / 16), target, activation)
    e_in = reference_float32_error_bound(critic, a, g, activation, x_error=e_a, g_out_error=eps)[2]
    g_x = autograd.grad(lambda xx: np.sum(g * reference_mlp(critic, xx, activation)))(a)
    bound_a = reference_float32_error_bound(actor, z, g_x, activation, g_out_error=e_in)[1]
    return (bound_c, bound_a), ref


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("objective", ["minimax", "log_q"])
def test_float32_gradients_within_their_error_bound(activation, objective):
    config, params, mdp, x_real, z = _float32_setup(activation, objective)
    bounds, ref = _float32_bounds(config, params, x_real, z)
    worst = []
    for rule, args, bound in zip((critic_gradient, actor_gradient), ((x_real, z), (z,)), bounds):
        grad = rule(params, *args, config, mdp)[1]
        assert grad[0]["W"].dtype == np.float32
        got = tree_flatten(grad)[0]
        exact = tree_flatten(rule(params, *args, ref, mdp)[1])[0]
        err = np.abs(got - exact)
        assert np.all(err <= bound), (rule.__name__, float(np.max(err / np.maximum(bound, 1e-300))))
        assert np.max(err) > 0  # a float32 computation, not float64 in disguise
        worst.append(float(np.max(err / np.maximum(bound, 1e-300))))
    print(f"float32 error / bound (critic, actor): {worst}")


def _bfloat16(x):
    """``x`` rounded to bfloat16 (8 significant bits, u = 2^-8), through float32."""
    bits = np.asarray(x, dtype=np.float32).view(np.uint32)
    return ((bits + np.uint32(0x8000)) & np.uint32(0xFFFF0000)).view(np.float32).astype(np.float64)


def test_float32_bound_is_not_vacuous():
    """Negative control: the critic gradient rounded to float16 (u = 2^-11) breaks its bound.
    The actor's bound composes worst-case bounds through both networks (the actions' forward
    error enters the critic's input VJP), so it is looser (~3e-3 of the largest entry for tanh;
    the measured error is ~1e-4 of it): bfloat16 rounding (u = 2^-8) must break it."""
    config, params, mdp, x_real, z = _float32_setup("tanh", "log_q")
    bounds, ref = _float32_bounds(config, params, x_real, z)
    exact = tree_flatten(critic_gradient(params, x_real, z, ref, mdp)[1])[0]
    assert np.any(np.abs(exact.astype(np.float16).astype(np.float64) - exact) > bounds[0])
    exact = tree_flatten(actor_gradient(params, z, ref, mdp)[1])[0]
    assert np.any(np.abs(_bfloat16(exact) - exact) > bounds[1])


def test_float32_expit_accuracy():
    """The premise of EXPIT_ULPS, on 2e6 float32 points of [-30, 30] (float64 as the truth)."""
    from scipy.special import expit

    x = np.linspace(-30.0, 30.0, 2_000_001).astype(np.float32)
    exact = expit(x.astype(np.float64))
    ulp = np.spacing(np.abs(exact).astype(np.float32)).astype(np.float64)
    assert np.max(np.abs(expit(x) - exact) / ulp) <= EXPIT_ULPS


def test_float32_training_run():
    config = ActorCriticConfig(hidden=(8,), batch_size=16, dtype="float32")
    run = train_actor_critic(_DATA, config, 20, 0, snapshot_every=10)
    assert run.params["actor"][0]["W"].dtype == np.float32
    assert run.opt_states["critic"].slots["m"][0].dtype == np.float32
    assert run.actor_trajectory.dtype == np.float64 and np.all(np.isfinite(run.critic_loss))
    ref = train_actor_critic(_DATA, dataclasses.replace(config, dtype="float64"), 20, 0, snapshot_every=10)
    # same start (float64 init rounded), different arithmetic afterwards
    np.testing.assert_allclose(run.actor_trajectory[0], ref.actor_trajectory[0], rtol=U32)
    assert not np.array_equal(run.actor_trajectory[-1], ref.actor_trajectory[-1])


def test_backend_fields():
    with pytest.raises(ValueError, match="backend"):
        ActorCriticConfig(backend="torch")
    with pytest.raises(ValueError, match="dtype"):
        ActorCriticConfig(dtype="float16")
    with pytest.raises(ValueError, match="dtype"):
        ActorCriticConfig(backend="autograd", dtype="float32")
    config = ActorCriticConfig.from_gan_config(GANConfig(dtype="float32"))
    assert (config.backend, config.dtype) == ("fused", "float32")
    config = ActorCriticConfig.from_gan_config(GANConfig(backend="autograd"))
    assert (config.backend, config.dtype) == ("autograd", "float64")
    assert ActorCriticConfig.from_gan_config(GANConfig(), backend="autograd").backend == "autograd"
    params, states = init_actor_critic(_TINY, 1, 0)
    with pytest.raises(ValueError, match="params"):
        critic_gradient({"actor": params["actor"]}, np.zeros((4, 1)), np.zeros((4, 1)), _TINY,
                        ContinuousStatelessMDP(_DATA))
    wide = init_actor_critic(_TINY, 2, 0)[0]["critic"]  # a critic of 2-D points, a 1-D actor
    with pytest.raises(ValueError, match=r"params\['actor'\]"):
        critic_gradient({"actor": params["actor"], "critic": wide}, np.zeros((4, 2)), np.zeros((4, 1)), _TINY,
                        ContinuousStatelessMDP(_DATA))
