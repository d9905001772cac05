"""Tests for solvers.tabular.stateless_actor_critic against independent values.

References: the closed forms of theory.stateless_mdp (Bayes critic, its rate, the frozen-critic
actor gradient, the critic's sensitivity), the categorical GAN's hand-derived generator
gradient (solvers.tabular.gan), autograd of the neural GAN's generator loss
(solvers.neural.gan), central finite differences, explicit per-episode Python loops, and
Monte Carlo standard errors at fixed seeds.
"""

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad
from hypothesis import given
from hypothesis import strategies as st
from scipy.special import expit, softmax

from solvers.neural import gan as neural_gan
from solvers.neural.mlp import init_mlp
from solvers.problems.stateless_mdp import Episodes, TabularStatelessMDP
from solvers.problems.strategies import full_support_vectors, logits, seeds
from solvers.tabular import gan as tabular_gan
from solvers.tabular import stateless_actor_critic as ac
from tests.stats import assert_mean_bernstein, assert_mean_chernoff
from tests.tolerances import FLOAT_ATOL, FLOAT_RTOL
from theory.stateless_mdp import (
    bayes_critic,
    bayes_critic_sensitivity,
    critic_actor_gradient,
)

# ----------------------------------------------------------------------------- tolerances
#: Exact-expectation descent: 4000 steps at lr = 1 with contraction <= 0.99 leave < 1e-15.
CRITIC_ATOL = 1e-10
#: Fitted contraction factor vs its linearization (fit bias of the transient, 600 steps).
RATE_ATOL = 2e-3
#: Central differences, h = 1e-6: truncation O(h^2) and rounding eps/h ~ 1e-10.
FD_ATOL = 1e-6
#: Two autograd / float routes to the same gradient, relative to its size.
AUTOGRAD_RTOL = 1e-9
#: Actor gradient from a learned critic (within CRITIC_ATOL of Bayes) vs the closed form.
LEARNED_GRADIENT_ATOL = 1e-9
#: First-order prediction of the critic's response to a step eta = 1e-3: O(eta) second-order terms.
SECOND_ORDER_RTOL = 1e-2
#: Central differences, h = 1e-7, of cross-entropy terms: rounding eps/h ~ 1e-9 relative, plus O(h²).
SCALING_FD_RTOL = 1e-6
#: Two autograd routes to the same pathwise gradient: rounding relative, with an ulp floor near 0.
PATHWISE_RTOL = 1e-10
PATHWISE_ATOL = 1e-14

P = np.array([0.1, 0.2, 0.3, 0.4])
Q = np.array([0.4, 0.3, 0.2, 0.1])


def _gan_loss_fd(critic_logit, mu, scale, z, kind, h=1e-6):
    """Central differences of the GAN generator loss of the affine actor x = mu + z scale^T."""
    def loss(m, s):
        f = np.asarray(critic_logit(m + z @ s.T))
        return -np.mean(np.logaddexp(0, f)) if kind == "minimax" else np.mean(np.logaddexp(0, -f))
    out = []
    for e in np.eye(mu.size + scale.size):
        dm, ds = h * e[: mu.size], h * e[mu.size:].reshape(scale.shape)
        out.append((loss(mu + dm, scale + ds) - loss(mu - dm, scale - ds)) / (2 * h))
    return np.array(out)


def _quadratic_logit(w):
    return lambda x: w[0] + x @ w[1:3] + w[3] * x[:, 0] ** 2 + w[4] * x[:, 1] ** 2 + w[5] * x[:, 0] * x[:, 1]


# ----------------------------------------------------------------------------- critic
@pytest.mark.parametrize("loss", ["cross_entropy", "squared"])
@pytest.mark.parametrize("rho", [0.2, 0.5, 0.9])
def test_expected_critic_converges_to_the_bayes_critic(loss, rho):
    mdp = TabularStatelessMDP(P, rho)
    run = ac.train_critic_expected(mdp, Q, n_steps=4000, loss=loss, record_every=1000)
    np.testing.assert_allclose(run.final[0], bayes_critic(P, Q, rho), atol=CRITIC_ATOL)
    m = rho * P + (1 - rho) * Q
    c = bayes_critic(P, Q, rho)
    # start away from Q* on every atom (at rho = 0.2 one atom has Q* = 1/2, the default init)
    short = ac.train_critic_expected(mdp, Q, n_steps=600, loss=loss, init=np.full(4, 0.1))
    curvature = m * c * (1 - c) if loss == "cross_entropy" else m
    assert short.rate == pytest.approx(float(np.max(1 - curvature)), abs=RATE_ATOL)


def test_expected_critic_edge_atoms():
    p, q = np.array([0.5, 0.5, 0.0, 0.0]), np.array([0.0, 0.5, 0.5, 0.0])
    run = ac.train_critic_expected(TabularStatelessMDP(p), q, n_steps=2000, init=[0.5, 0.5, 0.5, 0.3])
    c = run.critic[:, 0, :]
    assert np.all(np.diff(c[:, 0]) > 0) and c[-1, 0] > 0.99  # only real episodes: Q -> 1
    assert np.all(np.diff(c[:, 2]) < 0) and c[-1, 2] < 0.01  # only fake episodes: Q -> 0
    np.testing.assert_array_equal(c[:, 3], 0.3)  # never shown: keeps its initial value
    assert c[-1, 1] == pytest.approx(0.5, abs=CRITIC_ATOL)


def test_sgd_critic_update_matches_an_explicit_loop():
    mdp = TabularStatelessMDP(P, 0.4)
    n_steps, n_runs, batch = 5, 3, 4
    for loss in ("cross_entropy", "squared"):
        run = ac.train_critic(mdp, Q, n_steps=n_steps, seed=9, lr=0.7, batch_size=batch, loss=loss,
                              n_runs=n_runs, schedule="robbins_monro", lr_offset=2.0)
        ep = mdp.sample_episodes(Q, n_steps * n_runs * batch, 9)  # the same single draw
        x = ep.x.reshape(n_steps, n_runs, batch)
        r = ep.reward.reshape(n_steps, n_runs, batch)
        params = np.zeros((n_runs, 4)) if loss == "cross_entropy" else np.full((n_runs, 4), 0.5)
        for t in range(n_steps):
            lr = 0.7 * 2.0 / (2.0 + t)
            g = np.zeros_like(params)
            for i in range(n_runs):
                for j in range(batch):
                    value = expit(params[i, x[t, i, j]]) if loss == "cross_entropy" else params[i, x[t, i, j]]
                    g[i, x[t, i, j]] += (value - r[t, i, j]) / batch
            params = params - lr * g
        np.testing.assert_allclose(run.params[-1], params, atol=FLOAT_ATOL)


def _squared_critic_moments(p_data, policy, rho, lr, t0, n_steps, init=0.5):
    """Exact mean and variance of Q_T(x) for the squared-loss SGD critic with batch 1 and
    α_t = lr t0/(t0 + t): Q_x ← Q_x - α_t 1{x_t = x}(Q_x - r_t), the sample (x_t, r_t)
    independent of Q_t, P(x_t = x) = p_x = ρ p_data(x) + (1 - ρ) q(x), E[1{x_t = x} r_t] =
    E[1{x_t = x} r_t²] = c_x = ρ p_data(x) (r ∈ {0, 1}).  Hence
        m_{t+1} = (1 - α_t p) m_t + α_t c,
        s_{t+1} = (1 - p) s_t + p (1 - α_t)² s_t + 2 α_t (1 - α_t) m_t c + α_t² c."""
    p = rho * np.asarray(p_data) + (1 - rho) * np.asarray(policy)
    c = rho * np.asarray(p_data)
    m, s = np.full(p.shape, init), np.full(p.shape, init**2)
    for t in range(n_steps):
        a = lr * t0 / (t0 + t)
        s = (1 - p) * s + p * (1 - a) ** 2 * s + 2 * a * (1 - a) * m * c + a * a * c
        m = (1 - a * p) * m + a * c
    return m, s - m * m


@pytest.mark.statistical
def test_sgd_critic_converges_in_mean():
    """The SGD critic's mean over independent runs is the Bayes critic E[r | x].

    Judged on the squared loss, whose update is linear: the exact mean and variance of the
    final iterate follow closed recursions (:func:`_squared_critic_moments`); the mean's
    recursion reaches the Bayes critic (bias Π(1 - α_t p_x) |1/2 - Q*| < e^-50, checked to
    float rounding).  Each run's Q_T(x) is a convex combination of 1/2 and rewards in {0, 1}
    (α_t <= 1), so |Q_T - m_T| <= max(m_T, 1 - m_T); Bernstein with the exact variance over
    600 independent runs, false-alarm FALSE_ALARM over the 4 atoms (radius ~0.015, 10-13
    exact SDs of the mean).  (The cross-entropy critic's mean has an O(1/t) curvature bias and
    no closed-form moments; its expected-gradient descent is checked exactly above.)
    Negative control: a prediction 0.03 off at one atom is rejected.
    """
    mdp = TabularStatelessMDP(P, 0.5)
    kw = dict(n_steps=5000, seed=1, lr=1.0, schedule="robbins_monro", lr_offset=50.0, n_runs=600,
              record_every=5000, loss="squared")
    final = ac.train_critic(mdp, Q, **kw).final  # (runs, K)
    assert final.min() >= 0.0 and final.max() <= 1.0
    mean, var = _squared_critic_moments(P, Q, 0.5, 1.0, 50.0, 5000)
    np.testing.assert_allclose(mean, bayes_critic(P, Q, 0.5), atol=FLOAT_ATOL)
    bound = np.maximum(mean, 1 - mean)
    assert_mean_bernstein(final.mean(axis=0), mean, final.shape[0], var, bound, atol=FLOAT_ATOL,
                          what="mean SGD critic")
    with pytest.raises(AssertionError):
        assert_mean_bernstein(final.mean(axis=0), mean + 0.03 * np.eye(4)[1], final.shape[0], var, bound)
    short = dict(kw, n_steps=100, n_runs=50, record_every=100)
    final_short = ac.train_critic(mdp, Q, **short).final  # reproducible from its seed
    np.testing.assert_array_equal(ac.train_critic(mdp, Q, **short).final, final_short)
    assert not np.array_equal(final_short, ac.train_critic(mdp, Q, **dict(short, seed=2)).final)


def test_step_sizes():
    np.testing.assert_array_equal(ac.step_sizes(0.3, 4), [0.3] * 4)
    np.testing.assert_allclose(ac.step_sizes(1.0, 3, schedule="robbins_monro", lr_offset=2.0),
                               [1.0, 2 / 3, 0.5], atol=FLOAT_ATOL)
    with pytest.raises(ValueError, match="schedule"):
        ac.step_sizes(1.0, 3, schedule="cosine")
    with pytest.raises(ValueError, match="lr"):
        ac.step_sizes(-1.0, 3)


# ----------------------------------------------------------------------------- REINFORCE
@pytest.mark.statistical
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("rho", [0.1, 0.5, 0.9])
def test_reinforce_has_mean_zero(seed, rho):
    theta = np.array([0.5, -1.0, 1.5, 0.0])
    q = softmax(theta)
    n = 50_000
    ep = TabularStatelessMDP(P, rho).sample_episodes(q, n, seed)
    # exact law of one episode's term (r - b)(e_a - q): r ~ Bernoulli(ρ) independent of a ~ q,
    # 2K atoms; its mean is 0 (the true gradient).  Chernoff with the exact cumulant generating
    # function (tests.stats), false alarm FALSE_ALARM per baseline and entry set.
    r = np.repeat([0.0, 1.0], 4)
    a = np.tile(np.arange(4), 2)
    probs = np.where(r == 1, rho, 1 - rho) * q[a]
    for b in (0.0, rho):
        est = ac.reinforce_gradient(theta, ep, baseline=b)
        values = (r - b)[:, None] * (np.eye(4)[a] - q)
        np.testing.assert_allclose(probs @ values, 0.0, atol=FLOAT_ATOL)  # the law is centred
        assert_mean_chernoff(est.mean, values, probs, n, what=f"REINFORCE mean, b = {b}")
    # negative control: the score without its -q term, r e_a (b = 0), has mean ρ q != 0 (> 10
    # exact SDs of the n-mean in every entry here); its sample mean is rejected
    broken = ac.reinforce_gradient(theta, ep).mean + np.mean(ep.reward) * q
    with pytest.raises(AssertionError):
        assert_mean_chernoff(broken, r[:, None] * (np.eye(4)[a] - q), probs, n)
    # the baseline b = rho removes the variance of the reward
    assert np.all(ac.reinforce_gradient(theta, ep, baseline=rho).stderr
                  < ac.reinforce_gradient(theta, ep).stderr)


def test_reinforce_formula_and_edges():
    theta = np.array([0.0, np.log(3.0)])  # q = (1/4, 3/4)
    ep = Episodes(np.array([1, 0, 1]), np.array([1.0, 0.0, 1.0]), np.array([True, False, True]),
                  action=np.array([0, 0, 1]))
    q = np.array([0.25, 0.75])
    manual = (np.array([1.0, 0.0]) - q + np.array([0.0, 1.0]) - q) / 3  # rewards 1, 0, 1
    np.testing.assert_allclose(ac.reinforce_gradient(theta, ep).mean, manual, atol=FLOAT_ATOL)
    # a deterministic policy: e_a - q = 0 exactly
    det = TabularStatelessMDP(P).sample_episodes(np.eye(4)[2], 100, 0)
    np.testing.assert_array_equal(ac.reinforce_gradient([0.0, 0.0, 800.0, 0.0], det).mean, 0.0)
    with pytest.raises(ValueError, match="action"):
        ac.reinforce_gradient(theta, Episodes(ep.x, ep.reward, ep.is_real))
    with pytest.raises(ValueError, match="action"):
        bad = Episodes(ep.x, ep.reward, ep.is_real, action=np.array([0, 3, 1]))
        ac.reinforce_gradient([0.0, 0.0, 0.0], bad)


# ----------------------------------------------------------------------------- actor via critic
@given(logits(5, min_value=-20, max_value=20), logits(5, min_value=-20, max_value=20),
       st.sampled_from([("minimax", "minimax"), ("log_q", "non_saturating")]))
def test_score_function_actor_is_minus_the_generator_gradient(psi, theta, losses):
    objective, gan_loss = losses
    reference = -tabular_gan.generator_gradient(psi, theta, loss=gan_loss)
    np.testing.assert_allclose(ac.actor_gradient_exact(psi, theta, objective=objective, logit=True),
                               reference, atol=FLOAT_ATOL)


@given(logits(5, min_value=-5, max_value=5), logits(5, min_value=-20, max_value=20),
       st.sampled_from([("minimax", "minimax"), ("log_q", "non_saturating")]))
def test_score_function_actor_from_critic_values(psi, theta, losses):
    # from critic values Q = sigma(psi): 1 - Q keeps ~16 - |psi| / ln 10 digits, so the
    # logits stay moderate here (|psi| <= 5: relative rounding <= e^5 eps ~ 3e-14)
    objective, gan_loss = losses
    np.testing.assert_allclose(ac.actor_gradient_exact(expit(psi), theta, objective=objective),
                               -tabular_gan.generator_gradient(psi, theta, loss=gan_loss), atol=FLOAT_ATOL)


@given(full_support_vectors(4, min_prob=1e-2), logits(4, min_value=-3, max_value=3),
       st.sampled_from(["q", "log_q", "minimax"]))
def test_exact_actor_gradient_by_finite_differences(critic, theta, objective):
    critic = 0.05 + 0.9 * critic / critic.max()  # values in (0, 1)
    f = ac.actor_objective_values(critic, objective=objective)
    h = 1e-6
    fd = [(softmax(theta + h * e) @ f - softmax(theta - h * e) @ f) / (2 * h) for e in np.eye(4)]
    np.testing.assert_allclose(ac.actor_gradient_exact(critic, theta, objective=objective), fd, atol=FD_ATOL)


@pytest.mark.statistical
@pytest.mark.parametrize("objective", ["q", "log_q", "minimax"])
def test_sampled_actor_gradient_is_unbiased_and_ignores_real_episodes(objective):
    theta, critic = np.log(Q), np.array([0.2, 0.7, 0.5, 0.9])
    ep = TabularStatelessMDP(P, 0.5).sample_episodes(Q, 100_000, 4)
    est = ac.actor_gradient_sampled(critic, theta, ep, objective=objective)
    exact = ac.actor_gradient_exact(critic, theta, objective=objective)
    assert est.n == ep.n_fake
    # the estimator's per-episode term for a fake episode with action a, read off a one-episode
    # sample: its exact law is these K values with probabilities q (the fake actions are i.i.d.
    # q given their number).  Unbiasedness is then an exact identity, Σ_a q_a g(a) = the closed
    # form, and the sample mean of n_fake terms is checked by Chernoff with that exact law
    # (false alarm FALSE_ALARM) - no sample standard error.
    one = [ac.actor_gradient_sampled(critic, theta, Episodes(np.array([a]), np.array([0.0]), np.array([False]),
                                                             action=np.array([a])), objective=objective).mean
           for a in range(4)]
    values = np.array(one)
    np.testing.assert_allclose(Q @ values, exact, atol=FLOAT_ATOL)
    assert_mean_chernoff(est.mean, values, Q, est.n, what="sampled actor gradient")
    # negative control: a prediction 12 exact SDs off in one entry is rejected (the acceptance
    # region is ~6 SDs wide on each side, so this fails only if the noise exceeds 6 SDs)
    sd = np.sqrt(Q @ (values - exact) ** 2 / est.n)
    with pytest.raises(AssertionError):
        assert_mean_chernoff(est.mean - 12 * sd * np.eye(4)[0], values, Q, est.n)
    # replace what the real episodes show: the estimate does not change at all
    other = Episodes((ep.x + 1) % 4 * ep.is_real + ep.x * ~ep.is_real, ep.reward, ep.is_real)
    np.testing.assert_array_equal(ac.actor_gradient_sampled(critic, theta, other, objective=objective).mean,
                                  est.mean)
    per_episode = ac.actor_gradient_sampled(critic, theta, ep, objective=objective, normalize="episodes")
    np.testing.assert_allclose(per_episode.mean, est.mean * ep.n_fake / ep.n, atol=FLOAT_ATOL)


def test_learned_critic_gives_the_closed_form_frozen_gradient_and_moves_away():
    rho, theta = 0.4, np.log(Q)
    mdp = TabularStatelessMDP(P, rho)
    learned = ac.train_critic_expected(mdp, Q, n_steps=4000, record_every=4000).final[0]
    g = ac.actor_gradient_exact(learned, theta, objective="q")
    np.testing.assert_allclose(g, critic_actor_gradient(P, theta, rho, objective="q"), atol=LEARNED_GRADIENT_ATOL)
    eta = 1e-3
    q_new = softmax(theta + eta * g)
    refit = ac.train_critic_expected(mdp, q_new, n_steps=4000, record_every=4000).final[0]
    dq, dQ = q_new - Q, refit - learned
    predicted = np.sum(bayes_critic_sensitivity(P, Q, rho) * dq**2)
    assert np.dot(dq, dQ) < 0
    assert np.dot(dq, dQ) == pytest.approx(predicted, rel=SECOND_ORDER_RTOL)  # O(eta) second-order terms


def test_actor_objective_edges():
    with pytest.raises(ValueError, match="infinite"):
        ac.actor_gradient_exact([1.0, 0.5], [0.0, 0.0], objective="minimax")
    with pytest.raises(ValueError, match="infinite"):
        ac.actor_gradient_exact([0.0, 0.5], [0.0, 0.0], objective="log_q")
    # an atom the actor never plays may have an infinite objective
    np.testing.assert_allclose(ac.actor_gradient_exact([1.0, 0.5], [-800.0, 0.0], objective="minimax"),
                               0.0, atol=FLOAT_ATOL)
    with pytest.raises(ValueError, match="critic"):
        ac.actor_gradient_exact([1.5, 0.5], [0.0, 0.0])
    with pytest.raises(ValueError, match="objective"):
        ac.actor_objective_values([0.5], objective="dpg")


# ----------------------------------------------------------------------------- pathwise actor
def test_actor_scaling_is_the_derivative_of_the_cross_entropy():
    psi = np.array([-3.0, -0.2, 0.0, 1.0, 4.0])
    q = expit(psi)
    h = 1e-7
    for r in (0.0, 1.0, 0.3):
        d = lambda c: -r * np.log(c) - (1 - r) * np.log1p(-c)  # noqa: E731
        fd = (d(q + h) - d(q - h)) / (2 * h)
        np.testing.assert_allclose(ac.actor_scaling(psi, np.full(5, r), objective="minimax"), fd, rtol=SCALING_FD_RTOL)
    np.testing.assert_allclose(ac.actor_scaling(psi, np.zeros(5), objective="log_q"), 1 / q, rtol=FLOAT_RTOL)
    np.testing.assert_array_equal(ac.actor_scaling(psi, np.zeros(5), objective="q"), 1.0)


@given(seeds(), st.sampled_from([("minimax", "minimax"), ("log_q", "non_saturating")]))
def test_pathwise_affine_actor_matches_finite_differences_of_the_gan_loss(seed, losses):
    objective, kind = losses
    rng = np.random.default_rng(seed)
    w = rng.normal(0.0, 0.7, size=6)
    critic = _quadratic_logit(w)
    mu, scale = rng.normal(size=2), rng.normal(size=(2, 2))
    z = rng.standard_normal((16, 2))
    upd = ac.pathwise_actor_gradient(ac.affine_actor, {"mu": mu, "scale": scale}, z, critic,
                                     objective=objective)
    mine = np.concatenate([upd["mu"], upd["scale"].ravel()])
    np.testing.assert_allclose(mine, -_gan_loss_fd(critic, mu, scale, z, kind),
                               atol=FD_ATOL * (1 + np.abs(mine).max()))


@pytest.mark.parametrize("objective,kind", [("minimax", "minimax"), ("log_q", "non_saturating")])
def test_pathwise_mlp_actor_is_minus_the_neural_generator_gradient(objective, kind):
    g_params, d_params = init_mlp((3, 8, 2), 0), init_mlp((2, 8, 1), 1)
    rng = np.random.default_rng(2)
    z, x_real = rng.standard_normal((32, 3)), rng.standard_normal((20, 2))
    upd = ac.pathwise_actor_gradient(lambda th, zz: neural_gan.generator_apply(th, zz), g_params, z,
                                     lambda x: neural_gan.discriminator_logit(d_params, x),
                                     real_x=x_real, objective=objective)
    ref = grad(lambda th: neural_gan.generator_loss(th, d_params, z, kind))(g_params)
    a = np.concatenate([np.ravel(layer[k]) for layer in upd for k in sorted(layer)])
    b = np.concatenate([np.ravel(layer[k]) for layer in ref for k in sorted(layer)])
    np.testing.assert_allclose(a, -b, atol=AUTOGRAD_RTOL * np.abs(b).max())


def test_pathwise_q_objective_is_the_plain_value_gradient_and_real_episodes_give_nothing():
    rng = np.random.default_rng(3)
    critic = _quadratic_logit(rng.normal(0.0, 0.5, size=6))
    theta = {"mu": rng.normal(size=2), "scale": rng.normal(size=2)}  # diagonal scale
    z, x_real = rng.standard_normal((10, 2)), rng.standard_normal((7, 2))
    upd = ac.pathwise_actor_gradient(ac.affine_actor, theta, z, critic, objective="q", real_x=x_real)
    # DPG / SVG(0): the gradient of the mean critic value at the actor's actions (scaling 1)
    ref = grad(lambda th: anp.mean(1.0 / (1.0 + anp.exp(-critic(ac.affine_actor(th, z))))))(theta)
    np.testing.assert_allclose(upd["mu"], ref["mu"], rtol=PATHWISE_RTOL, atol=PATHWISE_ATOL)
    np.testing.assert_allclose(upd["scale"], ref["scale"], rtol=PATHWISE_RTOL, atol=PATHWISE_ATOL)
    for objective in ("q", "log_q", "minimax"):
        real_only = ac.pathwise_actor_gradient(ac.affine_actor, theta, np.zeros((0, 2)), critic,
                                               real_x=x_real, objective=objective, normalize="episodes")
        np.testing.assert_array_equal(real_only["mu"], 0.0)
        np.testing.assert_array_equal(real_only["scale"], 0.0)
    with pytest.raises(ValueError, match="no episodes"):
        ac.pathwise_actor_gradient(ac.affine_actor, theta, np.zeros((0, 2)), critic, real_x=x_real)
    with pytest.raises(ValueError, match="real_x"):
        ac.pathwise_actor_gradient(ac.affine_actor, theta, z, critic, real_x=np.zeros((3, 5)))


def test_solver_validation():
    mdp = TabularStatelessMDP(P)
    with pytest.raises(TypeError, match="mdp"):
        ac.train_critic(P, Q, n_steps=1, seed=0)
    with pytest.raises(ValueError, match="loss"):
        ac.train_critic(mdp, Q, n_steps=1, seed=0, loss="hinge")
    with pytest.raises(ValueError, match="init"):
        ac.train_critic(mdp, Q, n_steps=1, seed=0, init=[1.0, 0.5, 0.5, 0.5])
    with pytest.raises(ValueError, match="batch_size"):
        ac.train_critic(mdp, Q, n_steps=1, seed=0, batch_size=0)
    with pytest.raises(TypeError, match="episodes"):
        ac.actor_gradient_sampled([0.5] * 4, np.zeros(4), "episodes")
    assert ac.train_critic(mdp, Q, n_steps=0, seed=0).critic.shape == (1, 1, 4)
    assert ac.train_critic_expected(mdp, Q, n_steps=3).to_dict()["loss"] == "cross_entropy"
