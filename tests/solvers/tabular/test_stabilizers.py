"""The stabilized categorical GAN: every option reduces to the plain GAN at its default, changes
the update as documented, and reaches the closed-form fixed points of theory.gan."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import expit, log_expit, softmax

from solvers.problems.strategies import full_support_vectors, logits, matched_pairs
from solvers.tabular import gan as tabular_gan
from solvers.tabular.stabilizers import (
    NOT_APPLICABLE,
    DistributionBuffer,
    GANState,
    GANStabilizers,
    discriminator_update,
    fake_distribution,
    generator_update,
    running_mean_update,
    smoothed_discriminator_gradient,
    stabilized_gan_step,
    stabilized_generator_gradient,
    target_update,
    train_stabilized_gan,
)
from theory.gan import (
    replay_generator_fixed_point,
    replay_optimal_discriminator,
    smoothed_optimal_discriminator,
)

#: Two implementations of the same float64 update rule differ by rounding, amplified over a
#: few hundred contracting steps to at most ~1e-14.
SAME_RULE_ATOL = 1e-12
#: Central differences, h = 1e-6, on functions with bounded third derivative.
FD_ATOL = 1e-7
#: Two float64 evaluations of the same O(1) quantity (or a copy of it): a few ulp apart.
ROUNDING_ATOL = 1e-15
#: Batched vs single-problem runs of 100 steps: float64 rounding accumulated over the run.
BATCH_ATOL = 1e-13
#: A rest point kept for 20-100 steps: only float64 rounding of softmax/logits moves it.
REST_POINT_ATOL = 1e-14
#: Newton's discriminator stops at |g| <= 1e-13 (p + q); away from D = 0/1 D* is then met to 1e-12.
NEWTON_D_ATOL = 1e-12
#: Discriminator at its fixed point: Newton stopping rule near the logit cap, or 3000 contracting ascent steps.
CONVERGED_D_ATOL = 1e-10
#: Generator fixed point after 4000-8000 contracting steps: residual of the stopped iteration.
FIXED_POINT_ATOL = 1e-9
#: A stabilizer that acts moves the 50-200-step trajectory by far more than this; rounding never does.
EFFECT_MIN = 1e-3
#: A slow (tau = 0.1) target shifts the trajectory by more than this, far above rounding.
SMALL_EFFECT_MIN = 1e-6
#: The entropy-regularized rest point differs from p_data by O(tau) = O(0.1), well above this.
ENTROPY_EFFECT_MIN = 1e-2
#: A penalty of 1e3 with lr 1e-4 over 50 steps keeps the parameters this close to their start.
HIST_PULL_ATOL = 1e-3

P = np.array([0.1, 0.2, 0.3, 0.4])
THETA0 = np.array([0.5, -1.0, 0.3, 0.0])


def _run(stabilizers=None, **kw):
    args = dict(theta0=THETA0, psi0=np.zeros(4), lr_g=0.5, lr_d=1.0, n_steps=200, stabilizers=stabilizers)
    args.update(kw)
    return train_stabilized_gan(P, **args)


# --------------------------------------------------------------------------- defaults
@pytest.mark.parametrize("scheme", ["simultaneous", "alternating"])
@pytest.mark.parametrize("loss", ["minimax", "non_saturating"])
def test_defaults_reproduce_the_plain_categorical_gan(scheme, loss):
    plain = tabular_gan.train_gan(P, theta0=THETA0, psi0=np.zeros(4), lr_g=0.5, lr_d=1.0, n_steps=200,
                                  scheme=scheme, generator_loss=loss, n_disc_steps=2)
    ours = _run(scheme=scheme, generator_loss=loss, n_disc_steps=2)
    np.testing.assert_allclose(ours.theta, plain.theta, atol=SAME_RULE_ATOL)
    np.testing.assert_allclose(ours.psi, plain.psi, atol=SAME_RULE_ATOL)


def test_batched_runs_equal_single_runs():
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(4), size=3)
    th = rng.normal(size=(3, 4))
    st_ = GANStabilizers(real_label=0.9, fake_label=0.1, hist_avg=0.01, minibatch=True, target_tau=0.5,
                         replay_weight=0.3, replay_capacity=5, entropy=0.01)
    batch = train_stabilized_gan(p, theta0=th, psi0=np.zeros(4), lr_g=0.5, lr_d=1.0, n_steps=100, stabilizers=st_)
    for i in range(3):
        one = train_stabilized_gan(p[i], theta0=th[i], psi0=np.zeros(4), lr_g=0.5, lr_d=1.0, n_steps=100,
                                   stabilizers=st_)
        np.testing.assert_allclose(batch.theta[:, i], one.theta, atol=BATCH_ATOL)
        np.testing.assert_allclose(batch.w[:, i], one.w, atol=BATCH_ATOL)


# --------------------------------------------------------------------------- gradients
def _smoothed_value(psi, p, m, a, b, w=0.0):
    lr_, lf = psi + w * p, psi + w * m
    return np.sum(p * (a * log_expit(lr_) + (1 - a) * log_expit(-lr_))
                  + m * (b * log_expit(lf) + (1 - b) * log_expit(-lf)))


@given(matched_pairs(4), logits(4, min_value=-8, max_value=8), st.floats(0, 1), st.floats(0, 1))
def test_discriminator_gradient_by_finite_differences(pm, psi, a, b):
    p, m = pm
    grad = smoothed_discriminator_gradient(psi, p, m, real_label=a, fake_label=b)
    h = 1e-6
    fd = [(_smoothed_value(psi + h * e, p, m, a, b) - _smoothed_value(psi - h * e, p, m, a, b)) / (2 * h)
          for e in np.eye(4)]
    np.testing.assert_allclose(grad, fd, atol=FD_ATOL)
    if a == 1.0 and b == 0.0:
        np.testing.assert_allclose(grad, tabular_gan.discriminator_gradient(psi, p, m), atol=ROUNDING_ATOL)


def _generator_cost(theta, psi, loss, tau, w):
    q = softmax(theta)
    ell = psi + w * q
    c = log_expit(-ell) if loss == "minimax" else -log_expit(ell)
    return q @ c + tau * np.sum(q * np.log(q))


@given(logits(4, min_value=-5, max_value=5), logits(4, min_value=-5, max_value=5),
       st.sampled_from(["minimax", "non_saturating"]), st.floats(0, 0.5), st.floats(-3, 3))
def test_generator_gradient_by_finite_differences(theta, psi, loss, tau, w):
    grad = stabilized_generator_gradient(psi, theta, loss=loss, entropy=tau, w=w)
    h = 1e-6
    fd = [(_generator_cost(theta + h * e, psi, loss, tau, w) - _generator_cost(theta - h * e, psi, loss, tau, w))
          / (2 * h) for e in np.eye(4)]
    np.testing.assert_allclose(grad, fd, atol=FD_ATOL)
    if tau == 0 and w == 0:
        np.testing.assert_allclose(grad, tabular_gan.generator_gradient(psi, theta, loss=loss), atol=ROUNDING_ATOL)


def test_minibatch_weight_gradient_by_finite_differences():
    # ∂V/∂w = Σ p² (a - σ(ψ + w p)) + Σ m² (b - σ(ψ + w m)), checked through the run's first step
    p, m = P, softmax(THETA0)
    psi, w, a, b = np.array([0.2, -0.1, 0.4, 0.0]), 0.0, 0.9, 0.1
    h = 1e-6
    fd = (_smoothed_value(psi, p, m, a, b, w + h) - _smoothed_value(psi, p, m, a, b, w - h)) / (2 * h)
    run = train_stabilized_gan(P, theta0=THETA0, psi0=psi, lr_g=0.5, lr_d=0.1, n_steps=1,
                               stabilizers=GANStabilizers(real_label=a, fake_label=b, minibatch=True))
    assert run.w[1] == pytest.approx(0.1 * fd, abs=FD_ATOL)


# --------------------------------------------------------------------------- label smoothing
@settings(max_examples=30)
@given(matched_pairs(zero_atoms=False, min_prob=1e-4), st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_smoothed_discriminator_converges_to_the_closed_form(pq, a, b):
    p, q = pq
    # generator frozen (period longer than the run); the discriminator maximized by Newton
    run = train_stabilized_gan(p, theta0=np.log(q), psi0=np.zeros(p.size), lr_g=1.0, lr_d=1.0, n_steps=1,
                               inner="newton", stabilizers=GANStabilizers(real_label=a, fake_label=b, g_every=2))
    d = smoothed_optimal_discriminator(p, run.final_q, a, b)
    # the Newton iterations stop at |g| <= 1e-13 (p + q); where D* is within 1e-13 of 0 or 1
    # the logit is capped (at ±700 or near ±30) and D sits at the cap
    np.testing.assert_allclose(run.final_d, d, atol=CONVERGED_D_ATOL)


def test_smoothed_discriminator_by_gradient_ascent():
    q = np.array([0.3, 0.3, 0.2, 0.2])
    run = train_stabilized_gan(P, theta0=np.log(q), psi0=np.zeros(4), lr_g=1.0, lr_d=1.0, n_steps=3000,
                               record_every=3000,
                               stabilizers=GANStabilizers(real_label=0.8, fake_label=0.15, g_every=10**6))
    np.testing.assert_allclose(run.final_q, q, atol=ROUNDING_ATOL)
    np.testing.assert_allclose(run.final_d, smoothed_optimal_discriminator(P, q, 0.8, 0.15), atol=CONVERGED_D_ATOL)


# --------------------------------------------------------------------------- freezing
def test_freezing_by_period():
    run = _run(GANStabilizers(g_every=2), n_steps=10)
    assert run.g_updates == 5 and run.d_updates == 10
    moved = np.any(np.diff(run.theta, axis=0) != 0, axis=1)
    np.testing.assert_array_equal(moved, [False, True] * 5)  # steps 2, 4, ... (1-based)
    still = _run(GANStabilizers(d_every=11), n_steps=10)
    assert still.d_updates == 0 and np.all(still.psi == 0)


def test_freezing_by_loss_floor():
    # the discriminator's loss -V >= log 2 > 0 here: a floor above it never stops it, one at
    # +10 nats always does
    assert _run(GANStabilizers(d_loss_floor=0.0), n_steps=20).d_updates == 20
    assert _run(GANStabilizers(d_loss_floor=10.0), n_steps=20).d_updates == 0
    assert _run(GANStabilizers(g_loss_floor=10.0), n_steps=20).g_updates == 0


# --------------------------------------------------------------------------- historical averaging
def test_historical_averaging_first_step_is_plain_and_later_pulls_back():
    plain = _run(n_steps=50)
    avg = _run(GANStabilizers(hist_avg=0.5), n_steps=50)
    # at step 1 the mean of the past equals the present: the penalty's gradient is 0
    np.testing.assert_allclose(avg.theta[1], plain.theta[1], atol=ROUNDING_ATOL)
    assert np.abs(avg.theta[-1] - plain.theta[-1]).max() > EFFECT_MIN
    # a huge penalty keeps the parameters next to their running mean, i.e. near the start
    strong = _run(GANStabilizers(hist_avg=1e3), lr_g=1e-4, lr_d=1e-4, n_steps=50)
    assert np.abs(strong.theta[-1] - THETA0).max() < HIST_PULL_ATOL


# --------------------------------------------------------------------------- minibatch features
def test_data_matching_generator_is_a_rest_point_with_minibatch_features():
    run = _run(GANStabilizers(minibatch=True), theta0=np.log(P), n_steps=100)
    np.testing.assert_allclose(run.final_q, P, atol=ROUNDING_ATOL)
    # softmax(log P) equals P up to rounding, which is all that moves w and ψ
    assert np.abs(run.w).max() < REST_POINT_ATOL and np.abs(run.psi).max() < REST_POINT_ATOL


def test_minibatch_weight_learns_to_spot_a_collapsed_generator():
    collapsed = np.log(np.array([0.97, 0.01, 0.01, 0.01]))
    run = _run(GANStabilizers(minibatch=True), theta0=collapsed, n_steps=1, lr_d=1.0)
    # fake batches show frequency 0.97 on atom 0 where real ones show 0.1: w turns negative
    assert run.w[1] < 0


# --------------------------------------------------------------------------- target network
@pytest.mark.parametrize("scheme", ["simultaneous", "alternating"])
def test_target_with_tau_one_equals_no_target(scheme):
    plain = _run(GANStabilizers(real_label=0.9, minibatch=True), scheme=scheme)
    target = _run(GANStabilizers(real_label=0.9, minibatch=True, target_tau=1.0), scheme=scheme)
    np.testing.assert_array_equal(plain.theta, target.theta)
    slow = _run(GANStabilizers(real_label=0.9, minibatch=True, target_tau=0.1), scheme=scheme)
    assert np.abs(slow.theta[-1] - plain.theta[-1]).max() > SMALL_EFFECT_MIN


def test_a_never_updated_target_is_a_frozen_discriminator_for_the_generator():
    # the generator sees ψ0 for ever in both runs: their generator trajectories coincide
    frozen_copy = _run(GANStabilizers(target_tau=1.0, target_every=10**6), n_steps=30)
    frozen_d = _run(GANStabilizers(d_every=10**6), n_steps=30)
    np.testing.assert_allclose(frozen_copy.theta, frozen_d.theta, atol=ROUNDING_ATOL)


# --------------------------------------------------------------------------- replay buffer
def test_replay_weight_zero_is_the_plain_gan():
    np.testing.assert_array_equal(_run(GANStabilizers(replay_weight=0.0, replay_capacity=3)).theta, _run().theta)


def test_pure_replay_discriminator_matches_the_closed_form_at_every_step():
    n = 30
    run = _run(GANStabilizers(replay_weight=1.0), inner="newton", n_steps=n)
    for t in (1, 10, n):
        # the buffer used at step t - 1: q_0 (initial entry) and q_0, ..., q_{t-2}
        history = np.vstack([run.q[0:1], run.q[:t - 1]])
        np.testing.assert_allclose(run.d[t], replay_optimal_discriminator(P, history), atol=NEWTON_D_ATOL)


def test_fifo_buffer_keeps_only_recent_generators():
    n, cap = 20, 3
    run = _run(GANStabilizers(replay_weight=1.0, replay_capacity=cap), inner="newton", n_steps=n)
    # after the run the ring holds the last `cap` pushed generators q_{n-3}, ..., q_{n-1}
    np.testing.assert_allclose(run.buffer_mean, run.q[n - cap:n].mean(axis=0), atol=ROUNDING_ATOL)


def test_stale_buffer_fixed_point_is_the_water_filling_closed_form():
    r = P[::-1].copy()
    run = _run(GANStabilizers(replay_weight=0.2, replay_every=0), inner="newton", theta0=np.zeros(4),
               lr_g=1.0, n_steps=8000, buffer_init=r, record_every=8000)
    np.testing.assert_allclose(run.final_q, replay_generator_fixed_point(P, r, 0.2).p_model, atol=FIXED_POINT_ATOL)


# --------------------------------------------------------------------------- entropy, compatible
def test_entropy_regularized_rest_point_satisfies_its_stationarity_condition():
    tau = 0.1
    run = _run(GANStabilizers(entropy=tau), inner="newton", lr_g=1.0, n_steps=4000, record_every=4000)
    q, d = run.final_q, run.final_d
    # the generator rests where log(1 - D) + τ log q is the same on every atom (q ≠ p_data)
    cost = np.log1p(-d) + tau * np.log(q)
    assert np.ptp(cost) < FIXED_POINT_ATOL
    assert np.abs(q - P).max() > ENTROPY_EFFECT_MIN


def test_compatible_critic_of_the_gan_mdp_gives_no_signal():
    run = _run(GANStabilizers(compatible=True), n_steps=50)
    np.testing.assert_array_equal(run.theta[-1], THETA0)
    assert np.any(run.psi[-1] != 0)  # the discriminator still learns


# --------------------------------------------------------------------------- validation
def test_not_applicable_lists_batch_norm():
    assert set(NOT_APPLICABLE) == {"batch_normalization"}


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(real_label=1.2), ValueError, "real_label"),
    (dict(d_every=0), ValueError, "d_every"),
    (dict(hist_avg=-1.0), ValueError, "hist_avg"),
    (dict(minibatch=1), TypeError, "minibatch"),
    (dict(target_tau=0.0), ValueError, "target_tau"),
    (dict(replay_weight=1.5), ValueError, "replay_weight"),
    (dict(replay_capacity=0), ValueError, "replay_capacity"),
    (dict(replay_every=-1), ValueError, "replay_every"),
    (dict(entropy=-0.1), ValueError, "entropy"),
])
def test_option_validation(kwargs, error, match):
    with pytest.raises(error, match=match):
        GANStabilizers(**kwargs)


def test_solver_validation():
    with pytest.raises(ValueError, match="inner='newton'"):
        _run(GANStabilizers(minibatch=True), inner="newton")
    with pytest.raises(ValueError, match="inner"):
        _run(inner="exact")
    with pytest.raises(TypeError, match="stabilizers"):
        _run(stabilizers={"real_label": 0.9})
    with pytest.raises(ValueError, match="p_data"):
        train_stabilized_gan([0.5, 0.6], theta0=np.zeros(2), psi0=np.zeros(2), lr_g=1, lr_d=1, n_steps=1)
    with pytest.raises(ValueError, match="broadcast"):
        train_stabilized_gan(P, theta0=np.zeros(3), psi0=np.zeros(4), lr_g=1, lr_d=1, n_steps=1)


@given(full_support_vectors(4, min_prob=1e-3))
def test_rest_point_is_not_moved_by_smoothing_or_targets(p):
    st_ = GANStabilizers(real_label=0.7, fake_label=0.1, target_tau=0.3)
    # (θ, ψ) = (log p, logit((a + b)/2)) is a rest point of smoothed GDA
    psi = np.full(4, np.log(0.4 / 0.6))
    run = train_stabilized_gan(p, theta0=np.log(p), psi0=psi, lr_g=0.5, lr_d=1.0, n_steps=20, stabilizers=st_)
    np.testing.assert_allclose(run.final_q, p, atol=REST_POINT_ATOL)
    np.testing.assert_allclose(run.final_d, 0.4, atol=REST_POINT_ATOL)
    np.testing.assert_allclose(expit(psi), 0.4, atol=ROUNDING_ATOL)


# ---------------------------------------------------------------------------- update rules, one by one
# References written here from the module docstring's formulas: the discriminator's ascent
# direction p (a - σ(ψ)) + m (b - σ(ψ)) (no minibatch feature) and the minimax generator's
# softmax-chain gradient q (c - Σ q c), c = log σ(-ψ).
PQ = np.array([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]])
MQ = np.array([[0.3, 0.3, 0.4], [0.2, 0.2, 0.6]])
PSI = np.array([[0.2, -0.4, 1.0], [0.0, 0.3, -0.3]])
THETA = np.array([[0.5, 0.0, -0.5], [1.0, -1.0, 0.0]])


def test_distribution_buffer_all_history_and_fifo():
    first = np.array([[1.0, 0.0]])
    pushes = [np.array([[0.0, 1.0]]), np.array([[0.5, 0.5]]), np.array([[0.25, 0.75]])]
    everything, fifo = DistributionBuffer(first, None), DistributionBuffer(first, 2)
    np.testing.assert_array_equal(fifo.mean(), first)  # one stored: r is it
    for q in pushes:
        everything.push(q)
        fifo.push(q)
    np.testing.assert_allclose(everything.mean(), np.mean([first, *pushes], axis=0), atol=ROUNDING_ATOL)
    np.testing.assert_allclose(fifo.mean(), np.mean(pushes[-2:], axis=0), atol=ROUNDING_ATOL)


def test_fake_distribution_is_the_replay_mixture():
    assert fake_distribution(PQ, None, 0.0) is PQ
    np.testing.assert_allclose(fake_distribution(PQ, MQ, 0.25), 0.75 * PQ + 0.25 * MQ, atol=ROUNDING_ATOL)


def test_discriminator_update_is_gradient_ascent_with_period_and_floor():
    lr = 0.5
    psi, w, on = discriminator_update(PSI, np.zeros(2), PQ, MQ, GANStabilizers(), t=1, lr_d=lr,
                                      n_disc_steps=1, inner="gda", psi_bar=PSI, w_bar=np.zeros(2))
    want = PSI + lr * (PQ * (1 - expit(PSI)) + MQ * (0 - expit(PSI)))
    np.testing.assert_allclose(psi, want, atol=ROUNDING_ATOL)
    assert on.all() and np.all(w == 0)
    off = discriminator_update(PSI, np.zeros(2), PQ, MQ, GANStabilizers(d_every=2), t=1, lr_d=lr,
                               n_disc_steps=1, inner="gda", psi_bar=PSI, w_bar=np.zeros(2))
    assert off[0] is PSI and not off[2].any()
    # floor between the two runs' losses -V = -Σ p log σ(ψ) - Σ m log σ(-ψ): only the run above moves
    loss = -(np.sum(PQ * log_expit(PSI), axis=1) + np.sum(MQ * log_expit(-PSI), axis=1))
    floor = float(loss.mean())
    psi, _, on = discriminator_update(PSI, np.zeros(2), PQ, MQ, GANStabilizers(d_loss_floor=floor), t=1,
                                      lr_d=lr, n_disc_steps=1, inner="gda", psi_bar=PSI, w_bar=np.zeros(2))
    np.testing.assert_array_equal(on, loss >= floor)
    np.testing.assert_array_equal(psi[~on], PSI[~on])


def test_target_update_moves_the_copy_on_its_period():
    st_ = GANStabilizers(target_tau=0.5, target_every=2)
    psi_t, w_t = np.zeros((2, 3)), np.zeros(2)
    assert target_update(psi_t, w_t, PSI, np.ones(2), st_, t=1)[0] is psi_t
    moved, w_moved = target_update(psi_t, w_t, PSI, np.ones(2), st_, t=2)
    np.testing.assert_array_equal(moved, 0.5 * PSI)
    np.testing.assert_array_equal(w_moved, [0.5, 0.5])
    live = target_update(psi_t, w_t, PSI, w_t, GANStabilizers(), t=1)
    assert live[0] is PSI


def test_generator_update_is_the_softmax_chain_gradient_step():
    lr, q = 0.3, softmax(THETA, axis=1)
    c = log_expit(-PSI)
    want = THETA - lr * q * (c - np.sum(q * c, axis=1, keepdims=True))
    theta, on = generator_update(THETA, q, PSI, np.zeros(2), GANStabilizers(), t=1, lr_g=lr,
                                 loss="minimax", theta_bar=THETA)
    np.testing.assert_allclose(theta, want, atol=ROUNDING_ATOL)
    assert on.all()
    theta, on = generator_update(THETA, q, PSI, np.zeros(2), GANStabilizers(compatible=True), t=1,
                                 lr_g=lr, loss="minimax", theta_bar=THETA)
    np.testing.assert_allclose(theta, THETA, atol=ROUNDING_ATOL)  # zero signal (module docstring)
    theta, on = generator_update(THETA, q, PSI, np.zeros(2), GANStabilizers(g_every=3), t=2, lr_g=lr,
                                 loss="minimax", theta_bar=THETA)
    assert theta is THETA and not on.any()


def test_running_mean_update_is_the_mean_so_far():
    xs = np.array([0.3, -1.1, 2.5, 0.7, 0.1])
    bar = xs[0]
    for t in range(1, xs.size):
        bar = running_mean_update(bar, xs[t], t=t)
    np.testing.assert_allclose(bar, xs.mean(), atol=ROUNDING_ATOL)


@pytest.mark.parametrize("scheme", ["simultaneous", "alternating"])
def test_one_step_with_defaults_is_one_plain_gda_step(scheme):
    lr_g, lr_d = 0.3, 0.5
    st_ = GANStabilizers()
    w0 = np.zeros(2)
    state = GANState(THETA, PSI, w0, PSI, w0, THETA, PSI, w0, DistributionBuffer(softmax(THETA, axis=1), None))
    new, d_on, g_on = stabilized_gan_step(PQ, state, st_, t=1, scheme=scheme, loss="minimax", lr_g=lr_g,
                                          lr_d=lr_d, n_disc_steps=1, inner="gda")
    q = softmax(THETA, axis=1)
    psi = PSI + lr_d * (PQ * (1 - expit(PSI)) - q * expit(PSI))
    c = log_expit(-(PSI if scheme == "simultaneous" else psi))
    theta = THETA - lr_g * q * (c - np.sum(q * c, axis=1, keepdims=True))
    np.testing.assert_allclose(new.psi, psi, atol=ROUNDING_ATOL)
    np.testing.assert_allclose(new.theta, theta, atol=ROUNDING_ATOL)
    assert d_on.all() and g_on.all()
