"""Closed forms for label smoothing and replay buffers (theory.gan), against independent routes:
the plain optimal discriminator, direct evaluation of the smoothed value, central finite
differences, a root finder for the water level, and the categorical solver."""

import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq
from scipy.special import softmax, xlogy

from solvers.problems.strategies import full_support_vectors, matched_pairs, probability_vectors
from solvers.tabular.stabilizers import GANStabilizers, train_stabilized_gan
from tests.tolerances import FLOAT_ATOL, FLOAT_RTOL
from theory.gan import (
    ReplayFixedPoint,
    SmoothedFixedPoint,
    optimal_discriminator,
    optimal_gan_value,
    replay_generator_fixed_point,
    replay_optimal_discriminator,
    smoothed_escape_rate,
    smoothed_generator_fixed_point,
    smoothed_optimal_discriminator,
)

labels = st.floats(0.0, 1.0)
#: Central differences with h = 1e-6 on functions of size O(1): truncation O(h²) ~ 1e-12 plus
#: rounding ~ eps/h ~ 1e-10.
FD_ATOL = 1e-7
#: Stabilized solver run 2000-8000 contracting steps (Newton inner loop): residual of the stopped iteration.
SOLVER_FIXED_POINT_ATOL = 1e-9
#: Escape-rate fit over the second half of the run: neglected O(q0) terms, q0 ~ 5e-4 at the end.
ESCAPE_RATE_RTOL = 5e-3
#: Water-filling closed form (sort, clip, divide by 1 - λ up to 100): float64 rounding amplified.
WATER_FILL_TOL = 1e-9


def smoothed_value(d, p, q, a, b):
    """V_ab(D) = Σ (a p + b q) log D + ((1 - a) p + (1 - b) q) log(1 - D), written directly."""
    return np.sum(xlogy(a * p + b * q, d) + xlogy((1 - a) * p + (1 - b) * q, 1 - d), axis=-1)


# --------------------------------------------------------------------------- smoothed D*
@given(matched_pairs())
@example((np.array([0.5, 0.5, 0.0]), np.array([0.0, 0.5, 0.0])))
def test_unsmoothed_labels_give_the_plain_optimal_discriminator(pq):
    p, q = pq
    np.testing.assert_allclose(smoothed_optimal_discriminator(p, q, 1.0, 0.0), optimal_discriminator(p, q),
                               rtol=FLOAT_RTOL, atol=FLOAT_ATOL)


@given(matched_pairs(), labels, labels)
def test_smoothed_d_is_an_affine_image_of_the_plain_one(pq, a, b):
    p, q = pq
    d = smoothed_optimal_discriminator(p, q, a, b)
    np.testing.assert_allclose(d, b + (a - b) * optimal_discriminator(p, q), rtol=FLOAT_RTOL, atol=FLOAT_ATOL)
    assert np.all(d >= min(a, b) - FLOAT_ATOL) and np.all(d <= max(a, b) + FLOAT_ATOL)


@given(matched_pairs(zero_atoms=False, min_prob=1e-6), st.floats(0.01, 0.99), st.floats(0.01, 0.99),
       st.integers(0, 2**32 - 1))
def test_smoothed_d_maximizes_the_smoothed_value(pq, a, b, seed):
    p, q = pq
    d_star = smoothed_optimal_discriminator(p, q, a, b)
    rng = np.random.default_rng(seed)
    others = np.clip(d_star + rng.normal(0, 0.05, size=(64, p.size)), 1e-9, 1 - 1e-9)
    best = smoothed_value(d_star, p, q, a, b)
    assert np.all(smoothed_value(others, p, q, a, b) <= best + FLOAT_ATOL)
    # and it is a stationary point, by central differences of the directly written value
    # (D* lies in [0.01, 0.99] because the labels do)
    h = 1e-6
    for i in range(p.size):
        e = np.zeros(p.size)
        e[i] = h
        hi, lo = d_star + e, d_star - e
        slope = (smoothed_value(hi, p, q, a, b) - smoothed_value(lo, p, q, a, b)) / (hi[i] - lo[i])
        # truncation h^2 V'''/6 with V''' ~ 1/min(D, 1 - D)^3
        assert abs(slope) <= FD_ATOL * max(1.0, 1.0 / min(d_star[i], 1 - d_star[i]) ** 3)


def test_atoms_without_mass_get_the_midpoint_of_the_labels():
    d = smoothed_optimal_discriminator([0.5, 0.5, 0.0], [0.5, 0.5, 0.0], 0.8, 0.3)
    assert d[2] == pytest.approx(0.55)


def test_smoothed_d_broadcasts_like_the_plain_one():
    p = np.array([[0.2, 0.8], [0.5, 0.5]])
    q = np.array([0.6, 0.4])
    d = smoothed_optimal_discriminator(p, q, 0.9, 0.1)
    for row in range(2):
        np.testing.assert_allclose(d[row], smoothed_optimal_discriminator(p[row], q, 0.9, 0.1), rtol=FLOAT_RTOL)


@pytest.mark.parametrize("label", [-0.1, 1.5, float("nan")])
def test_labels_outside_the_unit_interval_are_refused(label):
    with pytest.raises(ValueError, match="real_label"):
        smoothed_optimal_discriminator([0.5, 0.5], [0.5, 0.5], label, 0.0)
    with pytest.raises(ValueError, match="fake_label"):
        smoothed_optimal_discriminator([0.5, 0.5], [0.5, 0.5], 1.0, label)


def test_smoothed_d_input_errors():
    with pytest.raises(TypeError, match="real_label"):
        smoothed_optimal_discriminator([0.5, 0.5], [0.5, 0.5], "0.9", 0.0)
    with pytest.raises(ValueError, match="p_data"):
        smoothed_optimal_discriminator([-0.5, 1.5], [0.5, 0.5])
    with pytest.raises(ValueError, match="same length"):
        smoothed_optimal_discriminator([0.5, 0.5], [0.2, 0.3, 0.5])


# --------------------------------------------------------------------------- fixed point
@given(probability_vectors(), st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_fixed_point_is_p_data_with_the_midpoint_discriminator(p, a, b):
    assume(a > b)
    fp = smoothed_generator_fixed_point(p, a, b)
    assert isinstance(fp, SmoothedFixedPoint)
    np.testing.assert_array_equal(fp.p_model, p)
    np.testing.assert_allclose(fp.d, (a + b) / 2, rtol=FLOAT_RTOL)
    # the value there, evaluated directly at D = (a + b)/2, q = p
    direct = smoothed_value(np.full(p.shape, (a + b) / 2), p, p, a, b)
    np.testing.assert_allclose(fp.value, direct, rtol=FLOAT_RTOL, atol=FLOAT_ATOL)


@given(full_support_vectors())
def test_unsmoothed_fixed_point_value_is_minus_log_4(p):
    np.testing.assert_allclose(smoothed_generator_fixed_point(p).value, optimal_gan_value(p, p),
                               rtol=FLOAT_RTOL)


def _bilevel_cost(theta, p, a, b, loss):
    """The generator's cost through the smoothed optimal D, written from the definition."""
    q = softmax(theta)
    d = (a * p + b * q) / (p + q)
    return q @ (np.log1p(-d) if loss == "minimax" else -np.log(d))


@settings(max_examples=30)
@given(full_support_vectors(min_size=2, max_size=6, min_prob=1e-3), st.floats(0.5, 1.0),
       st.floats(0.0, 0.45), st.sampled_from(["minimax", "non_saturating"]), st.integers(0, 2**32 - 1))
def test_q_equal_p_is_stationary_for_the_bilevel_generator(p, a, b, loss, seed):
    """Two-sided smoothing does not move the fixed point: central differences of the cost
    q ↦ Σ q c(D*_ab(p, q)) vanish at q = p_data, and do not vanish elsewhere."""
    assume(loss == "minimax" or b > 0)
    theta = np.log(p)
    h = 1e-6
    grad = np.array([(_bilevel_cost(theta + h * e, p, a, b, loss) - _bilevel_cost(theta - h * e, p, a, b, loss))
                     / (2 * h) for e in np.eye(p.size)])
    assert np.abs(grad).max() <= FD_ATOL
    away = theta + np.random.default_rng(seed).normal(0, 0.5, p.size)
    assume(np.abs(softmax(away) - p).max() > 0.05)
    grad_away = np.array([(_bilevel_cost(away + h * e, p, a, b, loss) - _bilevel_cost(away - h * e, p, a, b, loss))
                          / (2 * h) for e in np.eye(p.size)])
    assert np.abs(grad_away).max() > 100 * FD_ATOL


@pytest.mark.parametrize("a, b", [(0.9, 0.0), (0.9, 0.1), (0.7, 0.3)])
def test_the_solver_settles_at_the_fixed_point(a, b):
    p = np.array([0.1, 0.25, 0.3, 0.35])
    run = train_stabilized_gan(p, theta0=np.array([1.0, -1.0, 0.5, 0.0]), psi0=np.zeros(4), lr_g=1.0,
                               lr_d=1.0, n_steps=2000, inner="newton", record_every=2000,
                               stabilizers=GANStabilizers(real_label=a, fake_label=b))
    fp = smoothed_generator_fixed_point(p, a, b)
    np.testing.assert_allclose(run.final_q, fp.p_model, atol=SOLVER_FIXED_POINT_ATOL)
    np.testing.assert_allclose(run.final_d, fp.d, atol=SOLVER_FIXED_POINT_ATOL)


@pytest.mark.parametrize("a, b", [(0.5, 0.5), (0.2, 0.8)])
def test_fixed_point_needs_real_above_fake(a, b):
    with pytest.raises(ValueError, match="real_label"):
        smoothed_generator_fixed_point([0.5, 0.5], a, b)


# --------------------------------------------------------------------------- escape rate
def test_escape_rate_closed_values():
    # κ = c(b) - c((a + b)/2)
    assert smoothed_escape_rate(1.0, 0.0, n_support=3) == pytest.approx(np.log(2) * 4 / 3, rel=FLOAT_RTOL)
    assert smoothed_escape_rate(0.9, 0.1, loss="non_saturating", n_support=1) == pytest.approx(2 * np.log(5),
                                                                                             rel=FLOAT_RTOL)
    assert smoothed_escape_rate(0.8, 0.0, loss="non_saturating", n_support=4) == np.inf


@given(st.floats(0.6, 1.0), st.floats(0.01, 0.2), st.floats(0.01, 0.2), st.integers(1, 10))
def test_a_larger_fake_label_slows_the_non_saturating_escape(a, b1, b2, n):
    assume(abs(b1 - b2) > 1e-3)
    lo, hi = sorted((b1, b2))
    assert smoothed_escape_rate(a, lo, loss="non_saturating", n_support=n) > \
        smoothed_escape_rate(a, hi, loss="non_saturating", n_support=n) > 0


@pytest.mark.parametrize("a, b, loss", [(0.9, 0.1, "minimax"), (0.8, 0.2, "non_saturating")])
@pytest.mark.parametrize("k", [3, 9])
def test_escape_rate_matches_the_solver(a, b, loss, k):
    p = np.r_[0.0, np.linspace(1.0, 2.0, k - 1)]
    p = p / p.sum()
    lr, n = 0.5, 6000
    run = train_stabilized_gan(p, theta0=np.log(np.r_[0.05, 0.95 * p[1:]]), psi0=np.zeros(k), lr_g=lr,
                               lr_d=1.0, n_steps=n, inner="newton", generator_loss=loss,
                               stabilizers=GANStabilizers(real_label=a, fake_label=b))
    late = run.steps >= n // 2
    slope = np.polyfit(run.steps[late], 1.0 / run.q[late, 0], 1)[0]
    # neglected O(q0) terms: q0 ~ 5e-4 at the end of the fit window
    assert slope == pytest.approx(lr * smoothed_escape_rate(a, b, loss=loss, n_support=k - 1), rel=ESCAPE_RATE_RTOL)


def test_escape_rate_errors():
    with pytest.raises(ValueError, match="real_label"):
        smoothed_escape_rate(0.3, 0.3, n_support=2)
    with pytest.raises(ValueError, match="loss"):
        smoothed_escape_rate(0.9, 0.1, loss="wasserstein", n_support=2)
    with pytest.raises(ValueError, match="n_support"):
        smoothed_escape_rate(0.9, 0.1, n_support=0)


# --------------------------------------------------------------------------- replay D*
@given(matched_pairs())
def test_a_buffer_holding_the_current_model_gives_the_plain_d(pq):
    p, q = pq
    np.testing.assert_allclose(replay_optimal_discriminator(p, q[None]), optimal_discriminator(p, q),
                               rtol=FLOAT_RTOL, atol=FLOAT_ATOL)


@given(st.integers(2, 6).flatmap(lambda n: st.tuples(probability_vectors(n), st.lists(probability_vectors(n),
                                                                                      min_size=1, max_size=4))),
       st.integers(0, 2**32 - 1))
def test_replay_d_is_the_d_of_the_mixture(data, seed):
    p, past = data
    past = np.stack(past)
    w = np.random.default_rng(seed).dirichlet(np.ones(len(past)))

    def reference(weights):
        # D* of the mixture; where p = 0 the exact mixture is positive as soon as some
        # w_i q_i > 0, even if the rounded w @ past underflows to 0 (then D* = 0, not 1/2)
        d = optimal_discriminator(p, weights @ past)
        positive = ((weights[:, None] > 0) & (past > 0)).any(axis=0)
        return np.where((p == 0) & positive, 0.0, d)

    np.testing.assert_allclose(replay_optimal_discriminator(p, past, w), reference(w),
                               rtol=FLOAT_RTOL, atol=FLOAT_ATOL)
    np.testing.assert_allclose(replay_optimal_discriminator(p, past), reference(np.full(len(past), 1 / len(past))),
                               rtol=FLOAT_RTOL, atol=FLOAT_ATOL)


def test_replay_d_where_the_mixture_underflows():
    # (5e-324 + 0)/2 rounds to 0, but the buffer's model is positive there: D* = 0 where p = 0
    np.testing.assert_array_equal(
        replay_optimal_discriminator([0.0, 1.0], [[5e-324, 1.0], [0.0, 1.0]]), [0.0, 0.5])


def test_replay_d_errors():
    with pytest.raises(ValueError, match="past_models"):
        replay_optimal_discriminator([0.5, 0.5], [0.5, 0.5])
    with pytest.raises(ValueError, match="weights"):
        replay_optimal_discriminator([0.5, 0.5], [[1.0, 0.0], [0.0, 1.0]], [1.0])
    with pytest.raises(ValueError, match="weights"):
        replay_optimal_discriminator([0.5, 0.5], [[1.0, 0.0], [0.0, 1.0]], [0.7, 0.7])


# --------------------------------------------------------------------------- replay fixed point
def _water_level_by_root_finding(p, r, lam):
    f = lambda k: np.maximum(k * p - lam * r, 0.0).sum() - (1 - lam)  # noqa: E731
    return 1.0 if f(1.0) <= 0 else brentq(f, 0.0, 1.0, xtol=1e-15, rtol=1e-15)


@given(matched_pairs(), st.floats(0.0, 0.99))
@example((np.array([0.5, 0.5]), np.array([1.0, 0.0])), 0.75)
@example((np.array([0.0, 1.0]), np.array([1.0, 0.0])), 0.5)
def test_replay_fixed_point_satisfies_the_rest_conditions(pr, lam):
    p, r = pr
    fp = replay_generator_fixed_point(p, r, lam)
    assert isinstance(fp, ReplayFixedPoint)
    q = fp.p_model
    assert np.all(q >= 0) and q.sum() == pytest.approx(1.0, abs=WATER_FILL_TOL)
    assert np.all(q[p == 0] == 0)
    level = 1.0 / (1.0 + fp.kappa)
    d = fp.d
    # D is at the water level on the support of q and not above it where p > 0 and q = 0
    np.testing.assert_allclose(d[q > 1e-12], level, rtol=WATER_FILL_TOL)
    assert np.all(d[(q == 0) & (p > 0)] <= level + WATER_FILL_TOL)
    # κ by an independent root finder
    assert float(fp.kappa) == pytest.approx(_water_level_by_root_finding(p, r, lam), rel=WATER_FILL_TOL, abs=FLOAT_ATOL)


@given(matched_pairs(), st.floats(0.0, 0.99))
def test_without_replay_or_with_an_exact_buffer_the_fixed_point_is_p_data(pr, lam):
    p, r = pr
    np.testing.assert_allclose(replay_generator_fixed_point(p, r, 0.0).p_model, p, atol=FLOAT_ATOL)
    np.testing.assert_allclose(replay_generator_fixed_point(p, p, lam).p_model, p, atol=WATER_FILL_TOL)


def test_interior_fixed_point_subtracts_the_stale_samples():
    p, r = np.array([0.1, 0.2, 0.3, 0.4]), np.array([0.4, 0.3, 0.2, 0.1])
    np.testing.assert_allclose(replay_generator_fixed_point(p, r, 0.2).p_model, (p - 0.2 * r) / 0.8, rtol=FLOAT_RTOL)


def test_replay_fixed_point_broadcasts_rowwise():
    p = np.array([[0.1, 0.2, 0.7], [0.3, 0.3, 0.4]])
    r = np.array([0.6, 0.3, 0.1])
    batch = replay_generator_fixed_point(p, r, 0.6)
    for i in range(2):
        np.testing.assert_allclose(batch.p_model[i], replay_generator_fixed_point(p[i], r, 0.6).p_model,
                                   rtol=FLOAT_RTOL)


def test_the_solver_rests_at_the_water_filling_fixed_point():
    p, r = np.array([0.1, 0.2, 0.3, 0.4]), np.array([0.4, 0.3, 0.2, 0.1])
    run = train_stabilized_gan(p, theta0=np.zeros(4), psi0=np.zeros(4), lr_g=1.0, lr_d=1.0, n_steps=8000,
                               inner="newton", buffer_init=r, record_every=8000,
                               stabilizers=GANStabilizers(replay_weight=0.2, replay_every=0))
    np.testing.assert_allclose(run.final_q, replay_generator_fixed_point(p, r, 0.2).p_model,
                               atol=SOLVER_FIXED_POINT_ATOL)


@pytest.mark.parametrize("lam", [1.0, -0.1, 1.2])
def test_replay_weight_must_lie_in_0_1(lam):
    with pytest.raises(ValueError, match="replay_weight"):
        replay_generator_fixed_point([0.5, 0.5], [0.5, 0.5], lam)
