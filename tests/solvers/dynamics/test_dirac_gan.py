"""solvers.dynamics: the Dirac-GAN's fields and integrators, the categorical GAN's numerical Jacobian.

References: the fields written out by hand in this file (f' = σ(-t) for the GAN), adaptive
quadrature (scipy.integrate.quad) for instance noise, the closed-form Jacobians of
theory.dynamics, exact solutions of the linear WGAN dynamics (matrix powers, rotations,
the conserved quadratic form of alternating GD).
"""

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy import integrate
from scipy.optimize import linear_sum_assignment
from scipy.special import expit

from solvers.dynamics import (
    WGANGP,
    Consensus,
    GradientPenalty,
    InstanceNoise,
    Unregularized,
    WGANClip,
    alternating_gd,
    categorical_gan_field,
    categorical_gan_jacobian_fd,
    central_difference_jacobian,
    continuous_flow,
    dirac_gan_field,
    gauge_basis,
    simultaneous_gd,
)
from solvers.problems.strategies import full_support_vectors
from tests.tolerances import FLOAT_ATOL, FLOAT_RTOL
from theory import dynamics as td

#: Central differences (eps 1e-5) of the autograd fields: O(eps²) truncation + rounding.
FD_ATOL = 1e-8
#: 64-node Gauss-Hermite against adaptive quadrature at epsabs 1e-13, for |ψ|σ <= 2.
QUAD_ATOL = 1e-10
#: Iterating a linear map k <= 60 times in float64 against a matrix power.
LINEAR_RTOL = 1e-10
#: Central differences (h = 1e-6) of |v|²/2: truncation O(h²) ~ 1e-12 plus rounding eps/h ~ 1e-10.
CONSENSUS_FD_TOL = 1e-7
#: The WGAN-GP field evaluated at ψ = ±1e-12 in place of 0±: O(1e-12) continuity error plus rounding.
JUMP_ATOL = 1e-10
#: θ² + ψ² - hθψ is conserved exactly in exact arithmetic: 100 float64 steps of rounding, relative.
CONSERVED_RTOL = 1e-10
#: DOP853 at rtol 1e-10, atol 1e-12 over t <= 5: global error of the integrator.
ODE_ATOL = 1e-8
#: Central differences (eps 1e-5) of sin/quadratic functions: O(eps²) truncation plus rounding.
CENTRAL_DIFF_ATOL = 1e-9
#: Eigenvalues of the FD Jacobian: its FD_ATOL entry error amplified by eigenvector conditioning.
FD_EIG_ATOL = 1e-7

losses = st.sampled_from(td.LOSSES)
coords = st.floats(-3.0, 3.0)
gammas = st.floats(0.0, 3.0)


@st.composite
def cases(draw):
    loss = draw(losses)
    reg = draw(st.sampled_from(("none", "r1", "r2", "instance-noise", "consensus")))
    kw = {}
    if reg in ("r1", "r2", "consensus"):
        kw["penalty_weight"] = draw(gammas)
    if reg == "instance-noise":
        kw["sigma"] = draw(st.floats(0.0, 2.0))
    return loss, reg, kw


def _fp(loss, t):
    return np.ones_like(t) if loss == "wgan" else expit(-t)


def _hand_unregularized(loss, theta, psi):
    gen_arg = -psi * theta if loss == "nsgan" else psi * theta
    return -psi * _fp(loss, gen_arg), theta * _fp(loss, psi * theta)


# ---------------------------------------------------------------------------- fields
@given(losses, coords, coords)
def test_unregularized_field_is_the_hand_formula(loss, theta, psi):
    v1, v2 = Unregularized(loss)(theta, psi)
    e1, e2 = _hand_unregularized(loss, np.float64(theta), np.float64(psi))
    np.testing.assert_allclose([v1, v2], [e1, e2], atol=FLOAT_ATOL, rtol=FLOAT_RTOL)


@given(losses, coords, coords, gammas, st.sampled_from(("r1", "r2")))
def test_gradient_penalty_field(loss, theta, psi, penalty_weight, kind):
    v1, v2 = GradientPenalty(loss, penalty_weight, kind)(theta, psi)
    e1, e2 = _hand_unregularized(loss, np.float64(theta), np.float64(psi))
    np.testing.assert_allclose([v1, v2], [e1, e2 - penalty_weight * psi], atol=FLOAT_ATOL, rtol=FLOAT_RTOL)


@given(coords, coords.filter(lambda x: x != 0), gammas, st.floats(0.0, 2.0))
@example(0.0, 5e-324, 1.0, 0.5)  # subnormal ψ: a g·x/|x| derivative of |ψ| underflows to 0
@example(0.0, -2.2e-308, 1.0, 0.5)
def test_wgan_gp_field(theta, psi, penalty_weight, target):
    v1, v2 = WGANGP(penalty_weight, target)(theta, psi)
    np.testing.assert_allclose([v1, v2], [-psi, theta - penalty_weight * (abs(psi) - target) * np.sign(psi)],
                               atol=FLOAT_ATOL, rtol=FLOAT_RTOL)


@given(losses, coords, coords, gammas)
def test_consensus_field_is_v_minus_gamma_grad_half_norm(loss, theta, psi, penalty_weight):
    # ∇(|v|²/2) by central differences of the hand-written field.
    def half(x):
        a, b = _hand_unregularized(loss, x[..., 0], x[..., 1])
        return 0.5 * (a**2 + b**2)

    h = 1e-6
    x = np.array([theta, psi])
    grad = np.array([(half(x + h * e) - half(x - h * e)) / (2 * h) for e in np.eye(2)])
    e1, e2 = _hand_unregularized(loss, np.float64(theta), np.float64(psi))
    v1, v2 = Consensus(loss, penalty_weight)(theta, psi)
    np.testing.assert_allclose([v1, v2], [e1 - penalty_weight * grad[0], e2 - penalty_weight * grad[1]],
                               atol=CONSENSUS_FD_TOL, rtol=CONSENSUS_FD_TOL)


@given(losses, st.floats(-2.0, 2.0), st.floats(-1.0, 1.0), st.floats(0.0, 2.0))
@example("gan", 0.0, 0.0, 5e-324)
def test_instance_noise_matches_adaptive_quadrature(loss, theta, psi, sigma):
    v1, v2 = InstanceNoise(loss, sigma)(theta, psi)
    if sigma == 0.0:
        e1, e2 = _hand_unregularized(loss, np.float64(theta), np.float64(psi))
    else:
        def expect(fn):
            # E[fn(ε)], ε ~ N(0, σ²), as an integral over the standard normal z = ε/σ: the same
            # value, but no 1/σ that overflows for a subnormal σ (Hypothesis draws σ = 5e-324).
            dens = lambda z: np.exp(-0.5 * z**2) / np.sqrt(2 * np.pi)  # noqa: E731
            return integrate.quad(lambda z: fn(sigma * z) * dens(z), -12.0, 12.0, epsabs=1e-13,
                                  epsrel=1e-13, limit=200)[0]

        sign = -1.0 if loss == "nsgan" else 1.0
        e1 = expect(lambda e: -psi * _fp(loss, sign * psi * (theta + e)))
        e2 = (expect(lambda e: (theta + e) * _fp(loss, psi * (theta + e)))
              - expect(lambda e: e * _fp(loss, -psi * e)))
    np.testing.assert_allclose([v1, v2], [e1, e2], atol=QUAD_ATOL)


@given(cases())
def test_equilibrium_is_a_zero(case):
    loss, reg, kw = case
    v1, v2 = dirac_gan_field(loss, reg, **kw)(0.0, 0.0)
    assert v1 == 0.0 and v2 == 0.0


@given(cases())
def test_finite_difference_jacobian_matches_theory(case):
    loss, reg, kw = case
    field = dirac_gan_field(loss, reg, **kw)
    np.testing.assert_allclose(field.jacobian_fd(), td.dirac_gan_jacobian(loss, reg, **kw), atol=FD_ATOL)


def test_wgan_gp_jump_matches_theory():
    field = dirac_gan_field("wgan", "wgan-gp", penalty_weight=0.7, target=1.0)
    thetas = np.linspace(-1, 1, 5)
    jump = field.v_psi(thetas, np.full(5, 1e-12)) - field.v_psi(thetas, np.full(5, -1e-12))
    np.testing.assert_allclose(jump, td.wgan_gp_branches(penalty_weight=0.7, target=1.0).jump, atol=JUMP_ATOL)
    assert field.v_psi(np.array(0.0), np.array(0.0)) == 0.0  # sign(0) = 0: (0, 0) is stationary


def test_fields_broadcast():
    field = dirac_gan_field("gan", "r1", penalty_weight=0.5)
    tt, pp = np.meshgrid(np.linspace(-1, 1, 4), np.linspace(-1, 1, 3))
    v1, v2 = field(tt, pp)
    assert v1.shape == v2.shape == (3, 4)
    for i in range(3):
        for j in range(4):
            a, b = field(tt[i, j], pp[i, j])
            assert (a, b) == (v1[i, j], v2[i, j])
    v1, v2 = field(np.linspace(-1, 1, 4), 0.5)
    assert v1.shape == (4,)


def test_field_factory_and_errors():
    assert isinstance(dirac_gan_field("wgan", clip=0.5), WGANClip)
    assert isinstance(dirac_gan_field("gan", "instance-noise", sigma=1.0), InstanceNoise)
    assert "GradientPenalty" in repr(dirac_gan_field("gan", "r2", penalty_weight=1.0))
    with pytest.raises(ValueError, match="`clip`"):
        dirac_gan_field("gan", clip=0.5)
    with pytest.raises(ValueError, match="`regularizer`"):
        dirac_gan_field("gan", "spectral-norm")
    with pytest.raises(ValueError, match="`loss`"):
        Unregularized("hinge")
    with pytest.raises(ValueError, match="`penalty_weight`"):
        GradientPenalty("gan", -1.0)
    with pytest.raises(ValueError, match="`kind`"):
        GradientPenalty("gan", 1.0, "r3")
    with pytest.raises(ValueError, match="`clip`"):
        WGANClip(0.0)
    with pytest.raises(ValueError, match="`theta` and `psi`"):
        Unregularized()(np.zeros(2), np.zeros(3))
    with pytest.raises(ValueError, match="`psi` must be finite"):
        Unregularized()(0.0, np.nan)


# ---------------------------------------------------------------------------- integrators
@given(st.sampled_from(("simultaneous", "alternating")), st.floats(0.01, 1.0), st.floats(0.01, 1.0),
       st.integers(1, 3), st.integers(1, 2), gammas, coords, coords, st.integers(1, 60))
def test_linear_fields_follow_the_update_matrix(scheme, h_g, h_d, n_d, n_g, penalty_weight, theta0, psi0, k):
    # The WGAN with R1 is exactly linear: its iterates are M^k x0 with M the theory's update matrix.
    field = GradientPenalty("wgan", penalty_weight, "r1")
    if scheme == "simultaneous":
        n_g = 1
        traj = simultaneous_gd(field, theta0, psi0, step=h_g, step_d=h_d, n_steps=k, n_disc_steps=n_d)
    else:
        traj = alternating_gd(field, theta0, psi0, step=h_g, step_d=h_d, n_steps=k, n_disc_steps=n_d,
                              n_gen_steps=n_g)
    m = td.gd_update_matrix(td.dirac_gan_jacobian("wgan", "r1", penalty_weight=penalty_weight), h_g, step_d=h_d,
                            scheme=scheme, n_disc_steps=n_d, n_gen_steps=n_g)
    expected = np.linalg.matrix_power(m, k) @ np.array([theta0, psi0])
    scale = max(1.0, float(np.abs(expected).max()))
    np.testing.assert_allclose([traj.theta[-1], traj.psi[-1]], expected, atol=LINEAR_RTOL * scale * k,
                               rtol=LINEAR_RTOL * k)


@given(st.sampled_from(("gan", "wgan")), coords, coords, st.floats(1e-3, 1.0))
def test_simgd_norm_never_decreases(loss, theta0, psi0, h):
    # |x + hv|² = |x|² + h²|v|² since x·v = 0 when both players share L (not for the
    # non-saturating generator, whose loss is not -L).
    traj = simultaneous_gd(Unregularized(loss), theta0, psi0, step=h, n_steps=30)
    d2 = traj.distance**2
    assert np.all(np.diff(d2) >= -FLOAT_RTOL * d2[1:])


@settings(max_examples=25)  # 100 autograd steps per example
@given(st.floats(0.01, 1.9), coords, coords)
def test_altgd_wgan_conserves_its_quadratic_form(h, theta0, psi0):
    # θ' = θ - hψ, ψ' = ψ + hθ' conserves θ² + ψ² - hθψ exactly.
    traj = alternating_gd(Unregularized("wgan"), theta0, psi0, step=h, n_steps=100)
    q = traj.theta**2 + traj.psi**2 - h * traj.theta * traj.psi
    np.testing.assert_allclose(q, q[0], atol=CONSERVED_RTOL * max(1.0, q[0]))


def test_clipping_keeps_psi_in_the_box():
    field = WGANClip(0.3)
    for integrator in (simultaneous_gd, alternating_gd):
        traj = integrator(field, 1.0, 2.0, step=0.2, n_steps=200, n_disc_steps=3)
        assert np.all(np.abs(traj.psi) <= 0.3)
        assert traj.psi[0] == 0.3  # the start is projected too


def test_batched_start_points_match_single_runs():
    field = dirac_gan_field("gan", "consensus", penalty_weight=0.5)
    starts = np.array([[1.0, 0.5], [-0.3, 0.2], [0.0, -1.0]])
    batch = alternating_gd(field, starts[:, 0], starts[:, 1], step=0.3, n_steps=20, n_disc_steps=2)
    for i, (t0, p0) in enumerate(starts):
        one = alternating_gd(field, t0, p0, step=0.3, n_steps=20, n_disc_steps=2)
        np.testing.assert_allclose(batch.theta[:, i], one.theta, atol=FLOAT_ATOL)
        np.testing.assert_allclose(batch.psi[:, i], one.psi, atol=FLOAT_ATOL)
    assert batch.theta.shape == (21, 3)
    d = one.to_dict()
    assert d["scheme"] == "alternating" and d["n_disc_steps"] == 2 and len(d["theta"]) == 21


def test_trajectory_does_not_alias_inputs():
    theta0 = np.array([1.0, 2.0])
    traj = simultaneous_gd(Unregularized("wgan"), theta0, np.zeros(2), step=0.1, n_steps=3)
    np.testing.assert_array_equal(theta0, [1.0, 2.0])
    assert not np.shares_memory(traj.theta[0], traj.theta[1])
    assert traj.theta[0, 0] == 1.0 and traj.theta[1, 0] != traj.theta[2, 0]


@settings(max_examples=15)  # each example is a solve_ivp run on the autograd field
@given(st.floats(0.1, 4.0), coords, coords)
def test_continuous_flow_of_the_wgan_is_a_rotation(ratio, theta0, psi0):
    # θ' = -ψ, ψ' = r θ: θ(t) = θ0 cos ωt - (ψ0/ω) sin ωt with ω = √r.
    flow = continuous_flow(Unregularized("wgan"), theta0, psi0, t_max=5.0, n_eval=11, ratio=ratio)
    w = np.sqrt(ratio)
    t = flow.t
    np.testing.assert_allclose(flow.theta, theta0 * np.cos(w * t) - psi0 / w * np.sin(w * t), atol=ODE_ATOL)
    np.testing.assert_allclose(flow.psi, psi0 * np.cos(w * t) + w * theta0 * np.sin(w * t), atol=ODE_ATOL)
    assert flow.success


def test_integrator_errors():
    field = Unregularized()
    with pytest.raises(TypeError, match="`field`"):
        simultaneous_gd(lambda t, p: (t, p), 0.0, 0.0, step=0.1, n_steps=1)
    with pytest.raises(ValueError, match="`step`"):
        simultaneous_gd(field, 0.0, 0.0, step=0.0, n_steps=1)
    with pytest.raises(ValueError, match="`n_steps`"):
        alternating_gd(field, 0.0, 0.0, step=0.1, n_steps=-1)
    with pytest.raises(ValueError, match="`n_gen_steps`"):
        alternating_gd(field, 0.0, 0.0, step=0.1, n_steps=1, n_gen_steps=0)
    with pytest.raises(ValueError, match="`t_max`"):
        continuous_flow(field, 0.0, 0.0, t_max=0.0)
    with pytest.raises(ValueError, match="`theta0` must be a scalar"):
        continuous_flow(field, [0.0, 1.0], 0.0, t_max=1.0)


# ---------------------------------------------------------------------------- categorical GAN
def test_central_differences_of_a_known_function():
    fn = lambda x: np.stack([np.sin(x[..., 0]) * x[..., 1], x[..., 0] ** 2], -1)  # noqa: E731
    x = np.array([0.3, -1.2])
    expected = np.array([[np.cos(0.3) * -1.2, np.sin(0.3)], [0.6, 0.0]])
    np.testing.assert_allclose(central_difference_jacobian(fn, x), expected, atol=CENTRAL_DIFF_ATOL)
    np.testing.assert_allclose(central_difference_jacobian(fn, x, vectorized=False), expected, atol=CENTRAL_DIFF_ATOL)
    with pytest.raises(ValueError, match="`x` must be 1-D"):
        central_difference_jacobian(fn, np.zeros((2, 2)))
    with pytest.raises(ValueError, match="`eps`"):
        central_difference_jacobian(fn, x, eps=0.0)


@given(st.integers(2, 8))
def test_gauge_basis(k):
    q = gauge_basis(k)
    np.testing.assert_allclose(q.T @ q, np.eye(k - 1), atol=FLOAT_ATOL)
    np.testing.assert_allclose(q.sum(axis=0), 0.0, atol=FLOAT_ATOL)


@given(full_support_vectors(min_size=2, max_size=6, min_prob=1e-2),
       st.sampled_from(("minimax", "non_saturating")))
def test_categorical_fd_jacobian_matches_theory(p, loss):
    cj = categorical_gan_jacobian_fd(p, generator_loss=loss)
    np.testing.assert_allclose(cj.jacobian, td.categorical_gan_jacobian(p), atol=FD_ATOL)
    k = p.shape[0]
    np.testing.assert_allclose(categorical_gan_field(np.log(p), np.zeros(k), p, generator_loss=loss), 0.0,
                               atol=FLOAT_ATOL)
    # the reduced spectrum is the full one without the gauge eigenvalue 0
    full = cj.eigenvalues[np.argsort(np.abs(cj.eigenvalues))][1:]
    rows, cols = linear_sum_assignment(np.abs(full[:, None] - cj.reduced_eigenvalues[None, :]))
    np.testing.assert_allclose(full[rows], cj.reduced_eigenvalues[cols], atol=FD_EIG_ATOL)
    assert np.abs(cj.eigenvalues).min() < FD_ATOL
    assert cj.reduced_eigenvalues.real.max() < 0
    assert cj.to_dict()["n_generator_reduced"] == k - 1


def test_categorical_errors():
    with pytest.raises(ValueError, match="full support"):
        categorical_gan_jacobian_fd([0.5, 0.5, 0.0])
    with pytest.raises(ValueError, match="`generator_loss`"):
        categorical_gan_jacobian_fd([0.5, 0.5], generator_loss="wgan")
