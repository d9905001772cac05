"""theory.dynamics: Dirac-GAN Jacobians and eigenvalues, linearized GD updates, the categorical
GAN's Jacobian.

Independent references used here: LAPACK eigenvalues of the returned matrices, trace/determinant
identities, a Dirac-GAN field written out by hand in this file and differentiated by central
differences, step-by-step iteration of the linear maps, and the closed forms quoted from
Mescheder et al. (2018) (√(1 + h²f'(0)²) for SimGD, 1 - α²/2 ± √(...) for AltGD).
"""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy.special import expit

from solvers.problems.strategies import full_support_vectors
from tests.tolerances import FLOAT_ATOL, FLOAT_RTOL
from theory import dynamics as td

#: LAPACK's eigenvalues of a 2x2 matrix near a double root are accurate only to ~√eps·|J|.
EIG_ATOL = 1e-7
#: Central differences with step 1e-5 of a smooth hand-written field: O(1e-10) + rounding.
FD_ATOL = 1e-8
#: Product of the closed-form eigenvalues vs LAPACK's LU determinant of a 2x2 Jacobian with
#: O(1-10) entries: rounding of a few products of that size, absolute.
DET_ATOL = 1e-10
#: Update matrix (a product of up to n_d + n_g factors I + hJ, h <= 2, |J| ~ n) vs stepping
#: the iteration by hand: same operations in another order, rounding grows with the norms.
UPDATE_MATRIX_TOL = 1e-9
#: Spectral radius from numerical eigenvalues of a small update matrix vs its closed form
#: (or vs the blocks' radii): well-separated eigenvalues, rounding ~ eps x condition.
RADIUS_RTOL = 1e-12
#: Closed-form alternating-GD eigenvalues vs numpy's: the double root at alpha = 2 is
#: excluded by |alpha - 2| > 1e-3, so eig's error is ~eps / separation, well below 1e-9.
ALTGD_EIG_TOL = 1e-9
#: |λ| = 1 exactly for a complex pair with det 1; numerical eigenvalues keep modulus 1 up
#: to rounding.
UNIT_RADIUS_ATOL = 1e-12

losses = st.sampled_from(td.LOSSES)
gammas = st.floats(0.0, 5.0)
sigmas = st.floats(0.0, 3.0)
steps = st.floats(1e-4, 10.0)


@st.composite
def cases(draw):
    loss = draw(losses)
    reg = draw(st.sampled_from(("none", "r1", "r2", "instance-noise", "consensus")))
    kw = {}
    if reg in ("r1", "r2", "consensus"):
        kw["penalty_weight"] = draw(gammas)
    if reg == "instance-noise":
        kw["sigma"] = draw(sigmas)
    return loss, reg, kw


def _sort(e):
    e = np.asarray(e, complex)
    return e[np.lexsort((e.real, e.imag))]


# ---------------------------------------------------------------------------- f and Jacobians
def test_f_derivatives():
    # f(t) = -log(1 + e^-t): f' = σ(-t), f'' = -σ(t)σ(-t) at 0; f(t) = t: 1, 0.
    assert td.f_derivatives("gan") == (0.5, -0.25)
    assert td.f_derivatives("nsgan") == (0.5, -0.25)
    assert td.f_derivatives("wgan") == (1.0, 0.0)
    with pytest.raises(ValueError, match="`loss`"):
        td.f_derivatives("lsgan")


@given(cases())
def test_eigenvalues_match_lapack(case):
    loss, reg, kw = case
    jac = td.dirac_gan_jacobian(loss, reg, **kw)
    eig = td.dirac_gan_eigenvalues(loss, reg, **kw)
    np.testing.assert_allclose(_sort(eig), _sort(np.linalg.eigvals(jac)), atol=EIG_ATOL)


@given(cases())
def test_eigenvalues_trace_and_determinant(case):
    loss, reg, kw = case
    jac = td.dirac_gan_jacobian(loss, reg, **kw)
    eig = td.dirac_gan_eigenvalues(loss, reg, **kw)
    np.testing.assert_allclose(eig.sum(), np.trace(jac), atol=FLOAT_ATOL)
    np.testing.assert_allclose(eig.prod(), np.linalg.det(jac), atol=DET_ATOL, rtol=FLOAT_RTOL)


def _hand_field(x, loss, reg, penalty_weight=0.0, sigma=0.0):
    """The Dirac-GAN field written out by hand (f' = σ(-t), f'' = -σ(t)σ(-t) for the GAN)."""
    theta, psi = x[..., 0], x[..., 1]
    if loss == "wgan":
        fp = lambda t: np.ones_like(t)  # noqa: E731
        fpp = lambda t: np.zeros_like(t)  # noqa: E731
    else:
        fp = lambda t: expit(-t)  # noqa: E731
        fpp = lambda t: -expit(t) * expit(-t)  # noqa: E731
    if reg == "instance-noise":
        nodes, weights = np.polynomial.hermite.hermgauss(40)
        eps = np.sqrt(2) * sigma * nodes
        w = weights / np.sqrt(np.pi)
        tt = theta[..., None] + eps
        sign = -1.0 if loss == "nsgan" else 1.0
        v1 = -np.sum(w * psi[..., None] * fp(sign * psi[..., None] * tt), -1)
        v2 = np.sum(w * (tt * fp(psi[..., None] * tt) - eps * fp(-psi[..., None] * eps)), -1)
        return np.stack([v1, v2], -1)
    gen_arg = -psi * theta if loss == "nsgan" else psi * theta
    v1 = -psi * fp(gen_arg)
    v2 = theta * fp(psi * theta)
    if reg in ("r1", "r2"):
        v2 = v2 - penalty_weight * psi
    if reg == "consensus":
        # ∇(|v|²/2) = v'ᵀ v with v' written out by hand.
        j11 = -psi**2 * (-fpp(gen_arg) if loss == "nsgan" else fpp(gen_arg))
        j12 = -fp(gen_arg) - psi * theta * (-fpp(gen_arg) if loss == "nsgan" else fpp(gen_arg))
        j21 = fp(psi * theta) + psi * theta * fpp(psi * theta)
        j22 = theta**2 * fpp(psi * theta)
        v1, v2 = v1 - penalty_weight * (j11 * v1 + j21 * v2), v2 - penalty_weight * (j12 * v1 + j22 * v2)
    return np.stack([v1, v2], -1)


@given(cases())
def test_jacobian_matches_finite_differences_of_a_hand_written_field(case):
    loss, reg, kw = case
    h = 1e-5
    x0 = np.zeros(2)
    cols = [(_hand_field(x0 + h * e, loss, reg, **kw) - _hand_field(x0 - h * e, loss, reg, **kw)) / (2 * h)
            for e in np.eye(2)]
    np.testing.assert_allclose(td.dirac_gan_jacobian(loss, reg, **kw), np.stack(cols, 1), atol=FD_ATOL)


def test_paper_values():
    # Mescheder et al. (2018): ±f'(0)i; -γ/2 ± √(γ²/4 - f'(0)²); f''(0)σ² ± √(f''(0)²σ⁴ - f'(0)²).
    np.testing.assert_allclose(td.dirac_gan_eigenvalues("gan"), [0.5j, -0.5j])
    np.testing.assert_allclose(td.dirac_gan_eigenvalues("wgan"), [1j, -1j])
    np.testing.assert_allclose(td.dirac_gan_eigenvalues("gan", "r1", penalty_weight=3.0),
                               [-1.5 + np.sqrt(2.0), -1.5 - np.sqrt(2.0)])
    np.testing.assert_allclose(td.dirac_gan_eigenvalues("gan", "instance-noise", sigma=2.0),
                               [-1.0 + np.sqrt(0.75), -1.0 - np.sqrt(0.75)])
    np.testing.assert_allclose(td.dirac_gan_eigenvalues("gan", "consensus", penalty_weight=2.0),
                               [-0.5 + 0.5j, -0.5 - 0.5j])


@given(losses, st.floats(1e-3, 5.0))
def test_regularizers_have_negative_real_parts(loss, g):
    for reg, kw in (("r1", {"penalty_weight": g}), ("r2", {"penalty_weight": g}), ("consensus", {"penalty_weight": g})):
        assert np.all(td.dirac_gan_eigenvalues(loss, reg, **kw).real < 0)


@given(sigmas.filter(lambda s: s > 1e-3))
def test_instance_noise_needs_curvature(sigma):
    assert np.all(td.dirac_gan_eigenvalues("gan", "instance-noise", sigma=sigma).real < 0)
    # f'' = 0 for the WGAN: instance noise leaves the eigenvalues on the imaginary axis.
    np.testing.assert_allclose(td.dirac_gan_eigenvalues("wgan", "instance-noise", sigma=sigma), [1j, -1j])


def test_nonsaturating_has_the_same_jacobian():
    np.testing.assert_array_equal(td.dirac_gan_jacobian("nsgan"), td.dirac_gan_jacobian("gan"))


def test_bad_arguments():
    with pytest.raises(ValueError, match="`regularizer`"):
        td.dirac_gan_jacobian("gan", "dropout")
    with pytest.raises(ValueError, match="`penalty_weight`"):
        td.dirac_gan_jacobian("gan", "r1", penalty_weight=-1.0)
    with pytest.raises(ValueError, match="`sigma` is not used"):
        td.dirac_gan_jacobian("gan", "r1", penalty_weight=1.0, sigma=0.5)
    with pytest.raises(ValueError, match="`penalty_weight` is not used"):
        td.dirac_gan_eigenvalues("gan", "none", penalty_weight=1.0)
    with pytest.raises(TypeError, match="`penalty_weight`"):
        td.dirac_gan_jacobian("gan", "r1", penalty_weight="1")
    with pytest.raises(ValueError, match="not differentiable"):
        td.dirac_gan_jacobian("wgan", "wgan-gp", penalty_weight=1.0)
    with pytest.raises(ValueError, match="not differentiable"):
        td.dirac_gan_eigenvalues("wgan", "wgan-gp", penalty_weight=1.0)


def test_wgan_gp_without_penalty_is_the_wgan():
    np.testing.assert_array_equal(td.dirac_gan_jacobian("wgan", "wgan-gp", penalty_weight=0.0),
                                  td.dirac_gan_jacobian("wgan"))
    np.testing.assert_array_equal(td.dirac_gan_jacobian("wgan", "wgan-gp", penalty_weight=1.0, target=0.0),
                                  td.dirac_gan_jacobian("wgan"))


@given(gammas, st.floats(0.0, 3.0), losses)
def test_wgan_gp_branches(penalty_weight, target, loss):
    b = td.wgan_gp_branches(penalty_weight=penalty_weight, target=target, loss=loss)
    a, _ = td.f_derivatives(loss)
    assert b.jump == pytest.approx(2 * penalty_weight * target)
    # The smooth branch ψ > 0: v = (-ψ a, θ a - γ(ψ - g0)) to first order; its zero is the first row.
    theta_star, psi_star = b.branch_equilibria[0]
    assert psi_star == 0.0
    assert theta_star * a + penalty_weight * target == pytest.approx(0.0, abs=FLOAT_ATOL)
    np.testing.assert_allclose(b.branch_equilibria[1], -b.branch_equilibria[0] + 0.0)
    np.testing.assert_array_equal(b.jacobian, td.dirac_gan_jacobian(loss, "r1", penalty_weight=penalty_weight))
    assert b.repelling_half_width == pytest.approx(penalty_weight * target / a)
    assert set(b.to_dict()) == {"jacobian", "jump", "branch_equilibria", "repelling_half_width"}


# ---------------------------------------------------------------------------- update matrices
def _iterate(jac, x, h_g, h_d, scheme, n_d, n_g, k):
    """The linear schemes written as loops over single-player updates."""
    x = x.copy()
    if scheme == "alternating":
        for _ in range(n_g):
            x[:k] = x[:k] + h_g * (jac @ x)[:k]
        for _ in range(n_d):
            x[k:] = x[k:] + h_d * (jac @ x)[k:]
        return x
    start = x.copy()
    new = x.copy()
    new[:k] = start[:k] + h_g * (jac @ start)[:k]
    y = start.copy()
    for _ in range(n_d):
        y[k:] = y[k:] + h_d * (jac @ y)[k:]
    new[k:] = y[k:]
    return new


@given(st.integers(0, 2**32 - 1), st.sampled_from(td.SCHEMES), st.integers(1, 4), st.integers(1, 3),
       st.floats(1e-3, 2.0), st.floats(1e-3, 2.0), st.integers(2, 5), st.integers(1, 4))
def test_update_matrix_is_the_scheme(seed, scheme, n_d, n_g, h_g, h_d, n, k):
    assume(k < n)
    if scheme == "simultaneous":
        n_g = 1
    rng = np.random.default_rng(seed)
    jac = rng.standard_normal((n, n))
    m = td.gd_update_matrix(jac, h_g, step_d=h_d, scheme=scheme, n_disc_steps=n_d, n_gen_steps=n_g,
                            n_generator=k)
    x = rng.standard_normal(n)
    np.testing.assert_allclose(m @ x, _iterate(jac, x, h_g, h_d, scheme, n_d, n_g, k), atol=UPDATE_MATRIX_TOL, rtol=UPDATE_MATRIX_TOL)


def test_simultaneous_single_step_is_identity_plus_hj():
    jac = np.arange(16.0).reshape(4, 4)
    m = td.gd_update_matrix(jac, 0.1, step_d=0.3)
    np.testing.assert_allclose(m, np.eye(4) + np.diag([0.1, 0.1, 0.3, 0.3]) @ jac, atol=FLOAT_ATOL)


@given(losses, steps)
def test_simgd_radius_paper_formula(loss, h):
    a, _ = td.f_derivatives(loss)
    rho = td.gd_spectral_radius(td.dirac_gan_jacobian(loss), h)
    assert rho == pytest.approx(np.sqrt(1 + h**2 * a**2), rel=RADIUS_RTOL)
    assert rho == pytest.approx(td.dirac_gan_simgd_radius(loss, h), rel=RADIUS_RTOL)
    assert rho > 1.0


@given(losses, steps, steps)
def test_two_time_scale_simgd_depends_on_the_product(loss, h_g, h_d):
    a, _ = td.f_derivatives(loss)
    rho = td.gd_spectral_radius(td.dirac_gan_jacobian(loss), h_g, step_d=h_d)
    assert rho == pytest.approx(np.sqrt(1 + h_g * h_d * a**2), rel=RADIUS_RTOL)
    assert rho == pytest.approx(td.dirac_gan_simgd_radius(loss, h_g, step_d=h_d), rel=RADIUS_RTOL)


@given(losses, st.floats(1e-3, 3.0), st.integers(1, 4), st.integers(1, 4))
def test_altgd_paper_formula(loss, h, n_g, n_d):
    a, _ = td.f_derivatives(loss)
    alpha = np.sqrt(n_g * n_d) * h * a
    assume(abs(alpha - 2.0) > 1e-3)  # the double root -1 is ill-conditioned for eig
    eig = td.dirac_gan_altgd_eigenvalues(loss, h, n_gen_steps=n_g, n_disc_steps=n_d)
    m = td.gd_update_matrix(td.dirac_gan_jacobian(loss), h, scheme="alternating",
                            n_gen_steps=n_g, n_disc_steps=n_d)
    np.testing.assert_allclose(_sort(eig), _sort(np.linalg.eigvals(m)), atol=ALTGD_EIG_TOL, rtol=ALTGD_EIG_TOL)
    np.testing.assert_allclose(eig.prod(), 1.0, atol=FLOAT_ATOL)  # det = 1
    rho = td.gd_spectral_radius(td.dirac_gan_jacobian(loss), h, scheme="alternating",
                                n_gen_steps=n_g, n_disc_steps=n_d)
    if alpha < 2:
        assert rho == pytest.approx(1.0, abs=UNIT_RADIUS_ATOL)
    else:
        assert rho > 1.0


def test_block_system_radius_is_the_worst_block():
    # Two independent Dirac-GANs, coordinates (θ1, θ2, ψ1, ψ2).
    j1, j2 = td.dirac_gan_jacobian("gan", "r1", penalty_weight=0.5), td.dirac_gan_jacobian("wgan")
    big = np.zeros((4, 4))
    idx = [(0, 2), (1, 3)]
    for jac, (g, d) in zip((j1, j2), idx):
        big[np.ix_([g, d], [g, d])] = jac
    for scheme in td.SCHEMES:
        expected = max(td.gd_spectral_radius(j1, 0.3, scheme=scheme),
                       td.gd_spectral_radius(j2, 0.3, scheme=scheme))
        measured = td.gd_spectral_radius(big, 0.3, scheme=scheme, n_generator=2)
        assert measured == pytest.approx(expected, rel=RADIUS_RTOL)


def test_update_matrix_errors():
    jac = td.dirac_gan_jacobian("gan")
    with pytest.raises(ValueError, match="`jacobian`"):
        td.gd_update_matrix(np.ones((2, 3)), 0.1)
    with pytest.raises(ValueError, match="`step`"):
        td.gd_update_matrix(jac, 0.0)
    with pytest.raises(ValueError, match="`step_d`"):
        td.gd_update_matrix(jac, 0.1, step_d=-1.0)
    with pytest.raises(ValueError, match="`scheme`"):
        td.gd_update_matrix(jac, 0.1, scheme="extragradient")
    with pytest.raises(ValueError, match="`n_disc_steps`"):
        td.gd_update_matrix(jac, 0.1, n_disc_steps=0)
    with pytest.raises(TypeError, match="`n_disc_steps`"):
        td.gd_update_matrix(jac, 0.1, n_disc_steps=1.5)
    with pytest.raises(ValueError, match="`n_generator` is required"):
        td.gd_update_matrix(np.eye(3), 0.1)
    with pytest.raises(ValueError, match="`n_generator`"):
        td.gd_update_matrix(np.eye(4), 0.1, n_generator=4)
    with pytest.raises(ValueError, match="`n_gen_steps` must be 1"):
        td.gd_update_matrix(jac, 0.1, n_gen_steps=2)
    with pytest.raises(ValueError, match="`jacobian` must be finite"):
        td.gd_update_matrix(np.array([[0.0, np.nan], [1.0, 0.0]]), 0.1)


# ---------------------------------------------------------------------------- step bound
@given(st.floats(-3.0, -1e-3), st.floats(0.0, 3.0))
def test_max_stable_step_is_the_simgd_threshold(re, im):
    jac = np.array([[re, -im], [im, re]])  # eigenvalues re ± i im
    bound = td.max_stable_step([re + 1j * im, re - 1j * im])
    assert bound == pytest.approx(2 * -re / (re**2 + im**2))
    assert td.gd_spectral_radius(jac, 0.99 * bound) < 1.0
    assert td.gd_spectral_radius(jac, 1.01 * bound) > 1.0


def test_max_stable_step_edge_cases():
    assert td.max_stable_step([0.5j, -0.5j]) == 0.0
    assert td.max_stable_step([-1.0, 0.0]) == 0.0
    assert td.max_stable_step([-1.0, -4.0]) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="empty"):
        td.max_stable_step([])
    with pytest.raises(ValueError, match="finite"):
        td.max_stable_step([np.nan])
    with pytest.raises(TypeError, match="numbers"):
        td.max_stable_step(["a"])


# ---------------------------------------------------------------------------- categorical GAN
@given(full_support_vectors(min_size=2, max_size=7, min_prob=1e-3))
def test_categorical_jacobian_structure(p):
    jac = td.categorical_gan_jacobian(p)
    k = p.shape[0]
    skew = jac.copy()
    skew[k:, k:] = 0.0
    np.testing.assert_allclose(skew, -skew.T, atol=FLOAT_ATOL)  # off-diagonal blocks skew
    np.testing.assert_array_equal(jac[:k, :k], 0.0)
    assert np.all(np.linalg.eigvalsh(jac[k:, k:]) < 0)
    eig = np.linalg.eigvals(jac)
    assert eig.real.max() <= 1e-12
    # the gauge direction (1, 0) is in the kernel: softmax ignores θ + c
    np.testing.assert_allclose(jac @ np.concatenate([np.ones(k), np.zeros(k)]), 0.0, atol=FLOAT_ATOL)


def test_categorical_jacobian_errors():
    with pytest.raises(ValueError, match="full support"):
        td.categorical_gan_jacobian([0.5, 0.5, 0.0])
    with pytest.raises(ValueError, match="sum to 1"):
        td.categorical_gan_jacobian([0.5, 0.6])
    with pytest.raises(ValueError, match="1-D"):
        td.categorical_gan_jacobian([[0.5, 0.5]])
