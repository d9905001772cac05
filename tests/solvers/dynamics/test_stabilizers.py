"""Table 1's stabilizers on the Dirac-GAN (solvers.dynamics.stabilizers).

References, all obtained without the solver: the plain integrators of solvers.dynamics.dirac_gan
(defaults must reproduce them bit for bit); the *augmented-state* linear update matrices of
each linear strategy, written out below from the documented semantics (the WGAN field is exactly
linear, so its iterates must equal the matrix products; the GAN field near the equilibrium
agrees to O(r²)); their spectral radii against the rates fitted from the iterates; a sympy
derivation of the label-smoothed field (Jacobian, best response, the real label dropping
out); theory.dynamics.gd_spectral_radius and theory.gan.smoothed_optimal_discriminator.
"""

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import expit, log_expit

from solvers.dynamics import (
    Consensus,
    GradientPenalty,
    Unregularized,
    WGANClip,
    alternating_gd,
    simultaneous_gd,
)
from solvers.dynamics.stabilizers import (
    NOT_APPLICABLE,
    DiracStabilizers,
    LabelSmoothing,
    alternating_outer_step,
    anchor_update,
    discriminator_direction,
    discriminator_update,
    fitted_rate,
    generator_direction,
    generator_gate,
    generator_update,
    init_dirac_state,
    replay_push,
    simultaneous_outer_step,
    target_update,
    train_stabilized_dirac_gan,
)
from theory.dynamics import dirac_gan_jacobian, gd_spectral_radius
from theory.gan import smoothed_optimal_discriminator

#: The WGAN field is exactly linear; iterating it for <= 60 steps against a product of
#: <= 60 matrices of size <= 12 differs by float64 rounding only (measured < 1e-13).
LINEAR_RTOL = 1e-10
#: The GAN field started at radius 1e-12 and run while the radius stays below ~1e-6: the
#: neglected terms are O(r²) ~ 1e-12 relative, plus float rounding over <= 4,000 steps
#: (measured <= 6e-14 relative to the largest iterate).
SMALL_R0 = 1e-12
MAX_GROWTH = 1e6
NEAR_LINEAR_RTOL = 1e-10
#: Rate fitted to log r_t over the second half of the run against ρ(M): log r_t oscillates
#: boundedly about t log ρ (complex dominant pair of a non-normal map), so the slope error is
#: ~ amplitude / window; measured <= 3.1e-5 for the cases below (Polyak target, window ~630
#: steps), <= 7e-6 for the others.
RATE_ATOL = 1e-4
#: Central differences of the autograd field (eps 1e-5): O(eps²) truncation plus rounding.
FD_ATOL = 1e-8
#: Gradient ascent of ψ with the generator frozen, contracting by 1 - h θ² b(1 - b) per step:
#: after 2,000 steps the error is below float rounding of the logit.
BEST_RESPONSE_ATOL = 1e-10
#: Two float64 formulas for the same O(1) field/objective value: rounding only.
FORMULA_TOL = 1e-12
#: Running-mean anchors vs cumsum / k over 61 O(1) values: float64 rounding only.
RUNNING_MEAN_ATOL = 1e-14
#: One or two float64 steps written by hand vs the solver: a few ulp.
ONE_STEP_RTOL = 1e-14
#: Least-squares slope of exactly geometric data (50 points): float64 rounding of the fit.
GEOMETRIC_FIT_RTOL = 1e-13

ANGLES = np.linspace(0.3, 2 * np.pi, 5, endpoint=False)


def _circle(r):
    return r * np.cos(ANGLES), r * np.sin(ANGLES)


# ---------------------------------------------------------------------------- defaults
@pytest.mark.parametrize("field", [Unregularized("gan"), Unregularized("nsgan"), Unregularized("wgan"),
                                   GradientPenalty("gan", 0.3, "r1"), WGANClip(0.4)], ids=repr)
@pytest.mark.parametrize("scheme", ["simultaneous", "alternating"])
def test_defaults_reproduce_the_plain_integrators_bit_for_bit(field, scheme):
    th, ps = _circle(1.3)
    kw = dict(step=0.3, n_steps=150, step_d=0.2, n_disc_steps=2)
    if scheme == "alternating":
        ref = alternating_gd(field, th, ps, n_gen_steps=3, **kw)
        run = train_stabilized_dirac_gan(field, th, ps, scheme=scheme, n_gen_steps=3, **kw)
    else:
        ref = simultaneous_gd(field, th, ps, **kw)
        run = train_stabilized_dirac_gan(field, th, ps, scheme=scheme, **kw)
    assert np.array_equal(run.theta, ref.theta) and np.array_equal(run.psi, ref.psi)
    assert np.array_equal(run.distance, ref.distance)
    assert np.all(run.d_updates == 150) and np.all(run.g_updates == 150)


@pytest.mark.parametrize("scheme", ["simultaneous", "alternating"])
def test_trivial_settings_are_the_plain_game(scheme):
    th, ps = _circle(1.0)
    base = train_stabilized_dirac_gan("gan", th, ps, step=0.2, n_steps=100, scheme=scheme)
    for opts in (DiracStabilizers(target_tau=1.0), DiracStabilizers(replay_weight=0.0, replay_capacity=7),
                 DiracStabilizers(hist_avg=0.0, hist_decay=0.3)):
        run = train_stabilized_dirac_gan("gan", th, ps, step=0.2, n_steps=100, scheme=scheme,
                                         stabilizers=opts)
        assert np.array_equal(run.theta, base.theta) and np.array_equal(run.psi, base.psi), opts


# ---------------------------------------------------------------------------- augmented linear systems
def _step_matrix(J, t, *, h_g, h_d, scheme, opts: DiracStabilizers):
    """The linear map of outer step t on z = (θ, ψ, θ̄, ψ̄, ψ_T, b_1..b_C), built from the
    documented semantics (module docstring of solvers.dynamics.stabilizers), field Jacobian J."""
    C = opts.replay_capacity
    n = 5 + C
    lam, lam_r = opts.hist_avg, opts.replay_weight
    s = t + 1
    eye = np.eye(n)

    def replace_row(i, row):
        m = eye.copy()
        m[i] = row
        return m

    # the target copy moves first (towards ψ, the discriminator the generator would use)
    T = eye.copy()
    if opts.target_tau is not None and s % opts.target_every == 0:
        T[4] = 0.0
        T[4, 4], T[4, 1] = 1.0 - opts.target_tau, opts.target_tau
    psi_g = 4 if opts.target_tau is not None else 1
    gen = eye[0].copy()
    if s % opts.g_every == 0 and not opts.compatible:
        gen = gen + h_g * (J[0, 0] * eye[0] + J[0, 1] * eye[psi_g] - 2 * lam * (eye[0] - eye[2]))
    disc = eye[1].copy()
    if s % opts.d_every == 0:
        seen = (1 - lam_r) * eye[0] + lam_r * eye[5:].mean(axis=0)
        disc = disc + h_d * (J[1, 0] * seen + J[1, 1] * eye[1] - 2 * lam * (eye[1] - eye[3]))
    push = eye.copy()
    push[5] = eye[0]
    push[6:] = eye[5:-1]
    beta = 1.0 / (t + 2) if opts.hist_decay is None else opts.hist_decay
    anchor = eye.copy()
    if lam > 0:
        anchor[2] = (1 - beta) * eye[2] + beta * eye[0]
        anchor[3] = (1 - beta) * eye[3] + beta * eye[1]
    if scheme == "simultaneous":
        # both rows from the pre-step state; the buffer receives the pre-step θ
        both = eye.copy()
        both[0], both[1] = gen, disc
        both[5] = eye[0]
        both[6:] = eye[5:-1]
        return anchor @ both @ T
    return anchor @ push @ replace_row(1, disc) @ replace_row(0, gen) @ T


def _initial_state(theta0, psi0, C):
    theta0, psi0 = np.atleast_1d(theta0), np.atleast_1d(psi0)
    return np.vstack([theta0, psi0, theta0, psi0, psi0] + [theta0] * C)


def _predict(J, theta0, psi0, n_steps, **kw):
    """(θ_t, ψ_t) of the augmented linear system, shape (n_steps + 1, 2, batch)."""
    opts = kw["opts"]
    z = _initial_state(theta0, psi0, opts.replay_capacity)
    time_varying = opts.hist_avg > 0 and opts.hist_decay is None  # uniform mean: β_t = 1/(t + 2)
    period = _period(opts)
    cache = {}
    out = [z[:2]]
    for t in range(n_steps):
        key = t if time_varying else t % period
        if key not in cache:
            cache[key] = _step_matrix(J, t, **kw)
        z = cache[key] @ z
        out.append(z[:2])
    return np.array(out)


def _period(opts):
    return int(np.lcm.reduce([opts.d_every, opts.g_every, opts.target_every]))


@st.composite
def linear_options(draw):
    return DiracStabilizers(
        d_every=draw(st.integers(1, 3)),
        g_every=draw(st.integers(1, 3)),
        hist_avg=draw(st.sampled_from([0.0, 0.05, 0.3])),
        hist_decay=draw(st.sampled_from([None, 0.02, 0.5])),
        target_tau=draw(st.sampled_from([None, 0.1, 0.7, 1.0])),
        target_every=draw(st.integers(1, 3)),
        replay_weight=draw(st.sampled_from([0.0, 0.3, 1.0])),
        replay_capacity=draw(st.integers(1, 6)),
        compatible=draw(st.booleans()),
    )


@settings(max_examples=40)
@given(linear_options(), st.sampled_from(["simultaneous", "alternating"]), st.floats(0.05, 0.8),
       st.floats(0.05, 0.8), st.floats(0.0, 2 * np.pi))
def test_wgan_iterates_are_the_augmented_linear_system(opts, scheme, h_g, h_d, angle):
    """Every linear strategy (and their combinations) is the documented linear map, exactly."""
    n = 40
    theta0, psi0 = np.cos(angle), np.sin(angle)
    run = train_stabilized_dirac_gan("wgan", theta0, psi0, step=h_g, step_d=h_d, n_steps=n,
                                     scheme=scheme, stabilizers=opts)
    pred = _predict(dirac_gan_jacobian("wgan"), theta0, psi0, n, h_g=h_g, h_d=h_d, scheme=scheme, opts=opts)[..., 0]
    scale = np.max(np.abs(pred), axis=1)
    err = np.max(np.abs(np.c_[run.theta, run.psi] - pred), axis=1) / scale
    assert err.max() <= LINEAR_RTOL


RATE_CASES = [
    ("historical-averaging-ema", DiracStabilizers(hist_avg=0.01, hist_decay=0.01), 0.1),
    ("historical-averaging-ema-strong", DiracStabilizers(hist_avg=0.1, hist_decay=0.05), 0.3),
    ("target-polyak", DiracStabilizers(target_tau=0.1), 0.1),
    ("target-periodic-copy", DiracStabilizers(target_tau=1.0, target_every=4), 0.1),
    ("replay", DiracStabilizers(replay_weight=0.5, replay_capacity=10), 0.1),
    ("freeze-discriminator-every-2", DiracStabilizers(d_every=2), 0.2),
    ("freeze-generator-every-3", DiracStabilizers(g_every=3), 0.2),
]


@pytest.mark.parametrize("scheme", ["simultaneous", "alternating"])
@pytest.mark.parametrize("name, opts, h", RATE_CASES, ids=[c[0] for c in RATE_CASES])
def test_gan_rate_is_the_augmented_spectral_radius(name, opts, h, scheme):
    """Near the equilibrium the GAN's iterates follow the augmented linear map with J from
    theory.dynamics, and the rate fitted from them is its spectral radius (per step)."""
    J = dirac_gan_jacobian("gan")
    k = _period(opts)
    M = np.eye(5 + opts.replay_capacity)
    for t in range(k):
        M = _step_matrix(J, t, h_g=h, h_d=h, scheme=scheme, opts=opts) @ M
    # states a strategy does not use never feed (θ, ψ): drop their (unit or zero) eigenvalues
    used = [0, 1] + [2, 3] * (opts.hist_avg > 0) + [4] * (opts.target_tau is not None) + \
        list(range(5, M.shape[0])) * (opts.replay_weight > 0)
    rho = float(np.max(np.abs(np.linalg.eigvals(M[np.ix_(used, used)])))) ** (1.0 / k)
    # run long enough for a clear trend, short enough to stay in the linear regime
    n = 3000 if rho <= 1 else int(min(3000, np.log(MAX_GROWTH / 10) / np.log(rho)))
    n -= n % k
    th, ps = _circle(SMALL_R0)
    run = train_stabilized_dirac_gan("gan", th, ps, step=h, n_steps=n, scheme=scheme, stabilizers=opts)
    assert n >= 1200 and run.distance.max() < MAX_GROWTH * SMALL_R0  # long, and still linear
    pred = _predict(J, th, ps, n, h_g=h, h_d=h, scheme=scheme, opts=opts)
    got = np.stack([run.theta, run.psi], 1)
    rel = np.max(np.abs(got - pred)) / np.max(np.abs(pred))
    assert rel <= NEAR_LINEAR_RTOL
    rate = fitted_rate(run.distance[::k], start=(n // k) // 2) ** (1.0 / k)
    np.testing.assert_allclose(rate, rho, atol=RATE_ATOL, rtol=0)


def test_strategies_rank_as_their_spectral_radii():
    """Historical averaging makes SimGD on the GAN converge at h = 0.1 (ρ < 1 < baseline ρ);
    a Polyak target network or a replay buffer makes it diverge faster."""
    J = dirac_gan_jacobian("gan")
    h = 0.1
    base = gd_spectral_radius(J, h)
    th, ps = _circle(SMALL_R0)
    rates = {}
    for name, opts in (("base", DiracStabilizers()), ("hist", DiracStabilizers(hist_avg=0.01, hist_decay=0.01)),
                       ("target", DiracStabilizers(target_tau=0.1)),
                       ("replay", DiracStabilizers(replay_weight=0.5, replay_capacity=10))):
        run = train_stabilized_dirac_gan("gan", th, ps, step=h, n_steps=1200, stabilizers=opts)
        rates[name] = float(fitted_rate(run.distance, start=600).mean())
    assert abs(rates["base"] - base) <= RATE_ATOL
    assert rates["hist"] < 1.0 < base < rates["replay"] < rates["target"]


# ---------------------------------------------------------------------------- label smoothing
def _sympy_smoothing():
    th, ps, x_r, a, b = sp.symbols("theta psi x_r a b", real=True)
    f = lambda t: -sp.log(1 + sp.exp(-t))  # noqa: E731  log σ(t)
    # soft targets a (real, at x_r) and b (fake, at θ) under P(real | x) = σ(-ψx)
    V = a * f(-ps * x_r) + (1 - a) * f(ps * x_r) + b * f(-ps * th) + (1 - b) * f(ps * th)
    v_psi = sp.diff(V, ps).subs(x_r, 0)
    v_theta = {"gan": -sp.diff(f(ps * th), th), "nsgan": sp.diff(f(-ps * th), th)}
    return th, ps, a, b, v_psi, v_theta


def test_sympy_label_smoothing_field():
    th, ps, a, b, v_psi, v_theta = _sympy_smoothing()
    # the real label drops out, and at θ = 0 every ψ is stationary for the discriminator
    assert a not in sp.simplify(v_psi).free_symbols
    assert sp.simplify(v_psi.subs(th, 0)) == 0
    assert sp.simplify(v_psi - th * ((1 - b) - 1 / (1 + sp.exp(-ps * th)))) == 0
    # best response for θ ≠ 0: σ(-ψθ) = b
    sol = sp.solve(sp.Eq(v_psi / th, 0), ps)
    assert len(sol) == 1 and sp.simplify(sol[0] - sp.log((1 - b) / b) / th) == 0
    for loss in ("gan", "nsgan"):
        J = sp.Matrix([[sp.diff(v_theta[loss], th), sp.diff(v_theta[loss], ps)],
                       [sp.diff(v_psi, th), sp.diff(v_psi, ps)]]).subs({th: 0, ps: 0})
        assert sp.simplify(J - sp.Matrix([[0, -sp.Rational(1, 2)], [sp.Rational(1, 2) - b, 0]])) == sp.zeros(2, 2)


def _j_smoothed(b):
    """[[0, -1/2], [1/2 - b, 0]] from the sympy derivation above."""
    th, ps, _a, b_s, v_psi, v_theta = _sympy_smoothing()
    J = sp.Matrix([[sp.diff(v_theta["gan"], th), sp.diff(v_theta["gan"], ps)],
                   [sp.diff(v_psi, th), sp.diff(v_psi, ps)]]).subs({th: 0, ps: 0, b_s: b})
    return np.array(J.evalf(), dtype=float)


@given(st.sampled_from(["gan", "nsgan"]), st.floats(0.0, 1.0), st.floats(0.0, 1.0),
       st.floats(-3.0, 3.0), st.floats(-3.0, 3.0))
def test_label_smoothing_field_is_the_hand_formula(loss, a, b, theta, psi):
    v1, v2 = LabelSmoothing(loss, a, b)(theta, psi)
    sig = expit(psi * theta) if loss == "nsgan" else expit(-psi * theta)  # f'(∓ψθ), f' = σ(-t)
    np.testing.assert_allclose(v1, -psi * sig, atol=FORMULA_TOL, rtol=FORMULA_TOL)
    np.testing.assert_allclose(v2, theta * ((1 - b) - expit(psi * theta)), atol=FORMULA_TOL, rtol=FORMULA_TOL)
    # its objective is the smoothed cross-entropy written with scipy
    d = psi * theta
    expected = a * log_expit(0.0) + (1 - a) * log_expit(0.0) + b * log_expit(-d) + (1 - b) * log_expit(d)
    np.testing.assert_allclose(LabelSmoothing(loss, a, b).discriminator_objective(np.float64(theta), np.float64(psi)),
                               expected, atol=FORMULA_TOL, rtol=FORMULA_TOL)


@pytest.mark.parametrize("b", [0.0, 0.1, 0.3, 0.6])
def test_label_smoothing_jacobian_matches_sympy(b):
    np.testing.assert_allclose(LabelSmoothing("gan", 0.8, b).jacobian_fd(), _j_smoothed(b), atol=FD_ATOL)


@pytest.mark.parametrize("scheme", ["simultaneous", "alternating"])
@pytest.mark.parametrize("loss", ["gan", "nsgan"])
def test_one_sided_smoothing_changes_nothing(scheme, loss):
    th, ps = _circle(1.5)
    base = train_stabilized_dirac_gan(loss, th, ps, step=0.3, n_steps=300, scheme=scheme)
    for a in (0.9, 0.5, 0.0):
        run = train_stabilized_dirac_gan(loss, th, ps, step=0.3, n_steps=300, scheme=scheme,
                                         stabilizers=DiracStabilizers(real_label=a))
        assert np.array_equal(run.theta, base.theta) and np.array_equal(run.psi, base.psi)
        assert "LabelSmoothing" in run.field


@pytest.mark.parametrize("a, b", [(1.0, 0.1), (0.9, 0.1), (0.9, 0.4), (0.7, 0.05)])
def test_frozen_generator_discriminator_best_response(a, b):
    """Against a fixed θ₀ ≠ 0 the discriminator reaches σ(-ψθ₀) = D*_ab(θ₀) = b (the data point's
    D*_ab = a is out of reach: D_ψ(0) = 1/2 for every ψ); at θ₀ = 0 it does not move at all."""
    theta0 = np.array([1.0, -0.7, 0.0])
    psi0 = np.array([0.2, -0.4, 1.3])
    run = train_stabilized_dirac_gan("gan", theta0, psi0, step=1.0, n_steps=2000,
                                     stabilizers=DiracStabilizers(real_label=a, fake_label=b, g_every=10**6))
    assert np.array_equal(run.theta[-1], theta0) and np.all(run.g_updates == 0)
    d_star = smoothed_optimal_discriminator([1.0, 0.0], [0.0, 1.0], a, b)  # atoms (data 0, fake θ)
    np.testing.assert_allclose(expit(-run.psi[-1, :2] * theta0[:2]), d_star[1], atol=BEST_RESPONSE_ATOL)
    assert run.psi[-1, 2] == psi0[2]


@pytest.mark.parametrize("scheme", ["simultaneous", "alternating"])
@pytest.mark.parametrize("b", [0.1, 0.25, 0.4, 0.7])
def test_two_sided_smoothing_rate(b, scheme):
    """Iterates near 0 follow (I + hJ_b)^t; the fitted rate is gd_spectral_radius(J_b): SimGD
    still diverges for b < 1/2 (slower than b = 0), AltGD circles (ρ = 1); b > 1/2 is a saddle."""
    h = 0.3
    J = _j_smoothed(b)
    rho = gd_spectral_radius(J, h, scheme=scheme)
    if b > 0.5:
        n = 120  # the saddle's unstable direction grows like (1 + h √(b/2 - 1/4))^t
    elif rho <= 1 + 1e-9:
        n = 2400  # b = 0.4 rotates slowly (ω ≈ 0.067 per step): a long window for the fit
    else:  # stop before the radius leaves the linear regime
        n = int(min(2400, np.log(MAX_GROWTH / 10) / np.log(rho)))
    th, ps = _circle(SMALL_R0)
    run = train_stabilized_dirac_gan("gan", th, ps, step=h, n_steps=n, scheme=scheme,
                                     stabilizers=DiracStabilizers(real_label=0.9, fake_label=b))
    M = np.eye(2) + h * J if scheme == "simultaneous" else (
        (np.eye(2) + h * np.diag([0.0, 1.0]) @ J) @ (np.eye(2) + h * np.diag([1.0, 0.0]) @ J))
    pred = [np.stack([th, ps])]
    for _ in range(n):
        pred.append(M @ pred[-1])
    pred = np.array(pred)
    got = np.stack([run.theta, run.psi], 1)
    assert np.max(np.abs(got - pred)) / np.max(np.abs(pred)) <= NEAR_LINEAR_RTOL
    np.testing.assert_allclose(fitted_rate(run.distance, start=n // 2), rho, atol=RATE_ATOL, rtol=0)
    if scheme == "simultaneous" and b < 0.5:
        assert 1.0 < rho < gd_spectral_radius(dirac_gan_jacobian("gan"), h)


# ---------------------------------------------------------------------------- nonlinear options
def test_compatible_critic_freezes_the_generator():
    th, ps = _circle(1.0)
    run = train_stabilized_dirac_gan("gan", th, ps, step=0.2, n_steps=300,
                                     stabilizers=DiracStabilizers(compatible=True))
    assert np.array_equal(run.theta, np.broadcast_to(th, run.theta.shape))
    # the discriminator still ascends ψθ (v_ψ = θ σ(-ψθ) has the sign of θ)
    assert np.all(np.diff(run.psi * th, axis=0) > 0)


@pytest.mark.parametrize("scheme", ["simultaneous", "alternating"])
def test_discriminator_loss_floor(scheme):
    """The discriminator skips exactly the steps where its loss softplus(-ψθ) + log 2 (the GAN's
    -V, written here with scipy) is below the floor."""
    floor = 0.9 * np.log(4.0)
    th, ps = _circle(1.0)
    run = train_stabilized_dirac_gan("gan", th, ps, step=0.1, n_steps=400, scheme=scheme,
                                     stabilizers=DiracStabilizers(d_loss_floor=floor))
    theta_seen = run.theta[:-1] if scheme == "simultaneous" else run.theta[1:]
    loss = -log_expit(run.psi[:-1] * theta_seen) + np.log(2.0)
    frozen = loss < floor
    moved = run.psi[1:] != run.psi[:-1]
    assert frozen.any() and (~frozen).any()
    assert np.array_equal(moved, ~frozen)
    assert np.array_equal(run.d_updates, (~frozen).sum(axis=0))
    # near a bounded cycle instead of spiralling out: the radius stays within [0.5, 1.1]
    assert 0.5 < run.distance[200:].min() and run.distance.max() < 1.1


def test_generator_loss_floor_and_periods():
    th, ps = _circle(1.0)
    run = train_stabilized_dirac_gan("gan", th, ps, step=0.1, n_steps=90,
                                     stabilizers=DiracStabilizers(d_every=3, g_every=2))
    assert np.all(run.d_updates == 30) and np.all(run.g_updates == 45)
    # generator's loss f(ψθ) = log σ(ψθ) <= 0 < floor: the generator never moves
    run = train_stabilized_dirac_gan("gan", th, ps, step=0.1, n_steps=50,
                                     stabilizers=DiracStabilizers(g_loss_floor=0.01))
    assert np.all(run.g_updates == 0) and np.array_equal(run.theta[-1], th)


def test_historical_averaging_anchors_are_running_means():
    th, ps = _circle(1.0)
    run = train_stabilized_dirac_gan("gan", th, ps, step=0.2, n_steps=60,
                                     stabilizers=DiracStabilizers(hist_avg=0.05))
    k = np.arange(1, 62)[:, None]
    np.testing.assert_allclose(run.theta_anchor, np.cumsum(run.theta, axis=0) / k, atol=RUNNING_MEAN_ATOL)
    np.testing.assert_allclose(run.psi_anchor, np.cumsum(run.psi, axis=0) / k, atol=RUNNING_MEAN_ATOL)


def test_replay_with_nonlinear_field_is_the_mixture_gradient():
    """One simultaneous step with a buffer of θ₀ copies: ψ₁ = ψ₀ + h θ₀ σ(-ψ₀θ₀) exactly as the
    plain step (the buffer holds the current θ); at step 2 the mixture of θ₁ and θ₀ enters."""
    h, lam = 0.3, 0.4
    theta0, psi0 = 0.8, -0.5
    run = train_stabilized_dirac_gan("gan", theta0, psi0, step=h, n_steps=2,
                                     stabilizers=DiracStabilizers(replay_weight=lam, replay_capacity=3))
    t1, p1 = run.theta[1], run.psi[1]
    np.testing.assert_allclose(p1, psi0 + h * theta0 * expit(-psi0 * theta0), rtol=ONE_STEP_RTOL)
    buffer = np.array([theta0, theta0, theta0])  # C copies, then θ₀ pushed over one of them
    mix = (1 - lam) * t1 * expit(-p1 * t1) + lam * np.mean(buffer * expit(-p1 * buffer))
    np.testing.assert_allclose(run.psi[2], p1 + h * mix, rtol=ONE_STEP_RTOL)


# ---------------------------------------------------------------------------- rates, validation
def test_fitted_rate_of_a_geometric_sequence():
    t = np.arange(50)[:, None]
    r = np.array([0.9, 1.1]) ** t * np.array([2.0, 0.5])
    np.testing.assert_allclose(fitted_rate(r), [0.9, 1.1], rtol=GEOMETRIC_FIT_RTOL)
    with pytest.raises(ValueError, match="window"):
        fitted_rate(r, start=49)
    with pytest.raises(ValueError, match="distance"):
        fitted_rate(np.r_[1.0, 0.0, 1.0])


def test_not_applicable_rows():
    assert set(NOT_APPLICABLE) == {"entropy_regularization", "minibatch_discrimination",
                                   "batch_normalization"}


@pytest.mark.parametrize("kwargs, exc, name", [
    (dict(real_label=1.2), ValueError, "real_label"),
    (dict(fake_label=-0.1), ValueError, "fake_label"),
    (dict(d_every=0), ValueError, "d_every"),
    (dict(g_every=1.5), TypeError, "g_every"),
    (dict(hist_avg=-1.0), ValueError, "hist_avg"),
    (dict(hist_decay=0.0), ValueError, "hist_decay"),
    (dict(target_tau=0.0), ValueError, "target_tau"),
    (dict(replay_weight=2.0), ValueError, "replay_weight"),
    (dict(replay_capacity=0), ValueError, "replay_capacity"),
    (dict(compatible=1), TypeError, "compatible"),
    (dict(d_loss_floor=[1.0, 2.0]), ValueError, "d_loss_floor"),
    (dict(d_loss_floor=np.nan), ValueError, "d_loss_floor"),
])
def test_bad_options(kwargs, exc, name):
    with pytest.raises(exc, match=name):
        DiracStabilizers(**kwargs)


def test_bad_arguments():
    smooth = DiracStabilizers(fake_label=0.1)
    with pytest.raises(ValueError, match="loss"):
        train_stabilized_dirac_gan("wgan", 1.0, 0.0, step=0.1, n_steps=3, stabilizers=smooth)
    with pytest.raises(ValueError, match="field"):
        train_stabilized_dirac_gan(GradientPenalty("gan", 1.0), 1.0, 0.0, step=0.1, n_steps=3, stabilizers=smooth)
    with pytest.raises(ValueError, match="field"):
        train_stabilized_dirac_gan("hinge", 1.0, 0.0, step=0.1, n_steps=3)
    with pytest.raises(TypeError, match="field"):
        train_stabilized_dirac_gan(3, 1.0, 0.0, step=0.1, n_steps=3)
    with pytest.raises(ValueError, match="d_loss_floor"):
        train_stabilized_dirac_gan(Consensus("gan"), 1.0, 0.0, step=0.1, n_steps=3,
                                   stabilizers=DiracStabilizers(d_loss_floor=1.0))
    with pytest.raises(TypeError, match="stabilizers"):
        train_stabilized_dirac_gan("gan", 1.0, 0.0, step=0.1, n_steps=3, stabilizers={"hist_avg": 1})
    with pytest.raises(ValueError, match="n_gen_steps"):
        train_stabilized_dirac_gan("gan", 1.0, 0.0, step=0.1, n_steps=3, n_gen_steps=2)
    with pytest.raises(ValueError, match="scheme"):
        train_stabilized_dirac_gan("gan", 1.0, 0.0, step=0.1, n_steps=3, scheme="jacobi")
    with pytest.raises(ValueError, match="step"):
        train_stabilized_dirac_gan("gan", 1.0, 0.0, step=0.0, n_steps=3)
    with pytest.raises(ValueError, match="theta0"):
        train_stabilized_dirac_gan("gan", [np.nan], 0.0, step=0.1, n_steps=3)
    with pytest.raises(ValueError, match="broadcast"):
        train_stabilized_dirac_gan("gan", [1.0, 2.0], [0.0, 1.0, 2.0], step=0.1, n_steps=3)


def test_zero_steps_and_serialization():
    run = train_stabilized_dirac_gan("gan", 0.5, 0.25, step=0.1, n_steps=0,
                                     stabilizers=DiracStabilizers(target_tau=0.5, hist_avg=0.1))
    assert run.theta.shape == (1,) and run.distance[0] == np.hypot(0.5, 0.25)
    d = run.to_dict()
    assert d["stabilizers"]["target_tau"] == 0.5 and d["psi_target"] == [0.25]


# ---------------------------------------------------------------------------- update rules, one by one
# The GAN field written by hand (f = log σ, f'(t) = σ(-t)): L(θ, ψ) = f(ψθ) + f(0), so
# v_ψ = ∂L/∂ψ = θ σ(-ψθ) and v_θ = -∂L/∂θ = -ψ σ(-ψθ); the generator's loss is f(ψθ).
def _v_psi(theta, psi):
    return theta * expit(-psi * theta)


def _v_theta(theta, psi):
    return -psi * expit(-psi * theta)


TH = np.array([1.0, -0.5, 0.25])
PS = np.array([0.3, 0.0, -1.2])


def test_target_update_is_polyak_on_its_period():
    st_ = DiracStabilizers(target_tau=0.25, target_every=2)
    psi_t, psi = np.array([1.0]), np.array([3.0])
    assert target_update(psi_t, psi, st_, t=1) is psi_t  # off-period: unchanged
    np.testing.assert_array_equal(target_update(psi_t, psi, st_, t=2), [1.5])  # 0.75 + 0.75, exact
    assert target_update(psi_t, psi, DiracStabilizers(), t=1) is psi  # no target: the live ψ


def test_anchor_update_uniform_mean_and_ema():
    xs = np.array([0.3, -1.1, 2.5, 0.7, 0.1])
    bar = xs[0]
    for t in range(1, xs.size):
        bar = anchor_update(bar, xs[t], DiracStabilizers(hist_avg=0.1), t=t)
    np.testing.assert_allclose(bar, xs.mean(), rtol=0, atol=RUNNING_MEAN_ATOL)
    beta = 0.25
    ema = anchor_update(np.array(2.0), np.array(6.0), DiracStabilizers(hist_avg=0.1, hist_decay=beta), t=7)
    assert ema == 3.0  # 2 + 0.25 (6 - 2), exact in binary
    assert anchor_update(2.0, 6.0, DiracStabilizers(), t=1) == 2.0  # no averaging: unchanged


def test_replay_push_is_a_fifo_that_wraps():
    ring = np.zeros((2, 3))
    pos = replay_push(ring, 0, np.array([1.0, 2.0, 3.0]))
    pos = replay_push(ring, pos, np.array([4.0, 5.0, 6.0]))
    pos = replay_push(ring, pos, np.array([7.0, 8.0, 9.0]))
    assert pos == 1
    np.testing.assert_array_equal(ring, [[7.0, 8.0, 9.0], [4.0, 5.0, 6.0]])
    assert replay_push(None, 5, TH) == 5


def test_directions_are_the_hand_formulas_with_replay_and_anchors():
    field = Unregularized("gan")
    ring = np.array([[0.5, 0.5, -2.0], [1.5, -1.0, 0.0]])
    lam_r, lam_h = 0.4, 0.3
    psi_bar, theta_bar = np.array([0.1, 0.2, 0.3]), np.array([-0.2, 0.0, 0.4])
    st_ = DiracStabilizers(replay_weight=lam_r, replay_capacity=2, hist_avg=lam_h)
    want = ((1 - lam_r) * _v_psi(TH, PS) + lam_r * _v_psi(ring, PS).mean(axis=0)
            - 2 * lam_h * (PS - psi_bar))
    got = discriminator_direction(field, TH, PS, st_, ring=ring, psi_bar=psi_bar)
    np.testing.assert_allclose(got, want, rtol=FORMULA_TOL, atol=FORMULA_TOL)
    got = generator_direction(field, TH, PS, st_, theta_bar=theta_bar)
    np.testing.assert_allclose(got, _v_theta(TH, PS) - 2 * lam_h * (TH - theta_bar),
                               rtol=FORMULA_TOL, atol=FORMULA_TOL)


def test_discriminator_update_steps_periods_and_floor():
    field, h = Unregularized("gan"), 0.3
    psi, on = discriminator_update(field, TH, PS, DiracStabilizers(), t=1, step_d=h, n_disc_steps=2,
                                   ring=None, psi_bar=PS)
    one = PS + h * _v_psi(TH, PS)
    np.testing.assert_allclose(psi, one + h * _v_psi(TH, one), rtol=ONE_STEP_RTOL, atol=FORMULA_TOL)
    assert on.all()
    psi, on = discriminator_update(field, TH, PS, DiracStabilizers(d_every=2), t=3, step_d=h,
                                   n_disc_steps=1, ring=None, psi_bar=PS)
    assert psi is PS and not on.any()
    # a floor at the middle run's loss -V(θ, ψ) = -(f(ψθ) + f(0)) (ψθ = 0.3, 0, -0.3: three
    # distinct losses) freezes exactly the runs whose loss is below it
    loss = -(log_expit(PS * TH) + log_expit(0.0))
    floor = float(np.sort(loss)[1])
    psi, on = discriminator_update(field, TH, PS, DiracStabilizers(d_loss_floor=floor), t=1, step_d=h,
                                   n_disc_steps=1, ring=None, psi_bar=PS)
    np.testing.assert_array_equal(on, loss >= floor)
    np.testing.assert_array_equal(psi[~on], PS[~on])


def test_generator_gate_and_update():
    field, h = Unregularized("gan"), 0.2
    assert not generator_gate(field, TH, PS, DiracStabilizers(g_every=2), t=1).any()
    floor = float(np.sort(log_expit(PS * TH))[1])  # the generator's loss is f(ψθ)
    on = generator_gate(field, TH, PS, DiracStabilizers(g_loss_floor=floor), t=1)
    np.testing.assert_array_equal(on, log_expit(PS * TH) >= floor)
    st_ = DiracStabilizers(g_loss_floor=floor)
    new = generator_update(field, TH, PS, st_, on=on, step_g=h, theta_bar=TH)
    np.testing.assert_allclose(new[on], (TH + h * _v_theta(TH, PS))[on], rtol=ONE_STEP_RTOL)
    np.testing.assert_array_equal(new[~on], TH[~on])
    assert generator_update(field, TH, PS, DiracStabilizers(compatible=True), on=on, step_g=h,
                            theta_bar=TH) is TH


@pytest.mark.parametrize("outer", [simultaneous_outer_step, alternating_outer_step])
def test_outer_step_with_defaults_is_one_plain_step(outer):
    field, h = Unregularized("gan"), 0.2
    st_ = DiracStabilizers()
    state = init_dirac_state(field, TH.copy(), PS.copy(), st_)
    new, on_d, on_g = outer(field, state, st_, t=1, step_g=h, step_d=h, n_disc_steps=1)
    if outer is simultaneous_outer_step:  # both from (θ_t, ψ_t)
        theta, psi = TH + h * _v_theta(TH, PS), PS + h * _v_psi(TH, PS)
    else:  # the discriminator sees the new θ
        theta = TH + h * _v_theta(TH, PS)
        psi = PS + h * _v_psi(theta, PS)
    np.testing.assert_allclose(new.theta, theta, rtol=ONE_STEP_RTOL, atol=FORMULA_TOL)
    np.testing.assert_allclose(new.psi, psi, rtol=ONE_STEP_RTOL, atol=FORMULA_TOL)
    assert on_d.all() and on_g.all()
