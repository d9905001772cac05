"""The categorical GAN solver against closed forms it never calls.

Independent references: theory.gan (D*, the value, the optimal value), theory.divergences (JSD),
autograd gradients of the objective written separately in autograd.numpy, linearization
rates derived analytically below, and the ODE solution for atoms without a maximizer.
"""

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from autograd.scipy.special import logsumexp as a_logsumexp
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq
from scipy.special import expit, logit

from solvers.problems import named_pairs, zero_atom_pair
from solvers.problems.strategies import full_support_vectors, logits, matched_pairs
from solvers.tabular.gan import (
    GENERATOR_LOSSES,
    SCHEMES,
    discriminator_gradient,
    fit_linear_rate,
    generator_gradient,
    generator_loss,
    objective,
    train_discriminator,
    train_gan,
    train_generator_optimal_d,
)
from tests.tolerances import FLOAT_ATOL, FLOAT_RTOL, PROB_SUM_TOL
from theory.validation import ConvergenceWarning
from theory.divergences import js_divergence
from theory.gan import gan_value, optimal_discriminator, optimal_gan_value

#: Measured linear rate vs the linearization's spectral radius.  Fits use errors within
#: (1e-12, 1e-4) (8 decades): there the per-step factor differs from the linear one by
#: O(error) ≲ 1e-4, the slowest mode dominates the others, and for complex eigenvalues (GDA)
#: the rotation makes the max-norm of the error oscillate, which biases a least-squares slope
#: over ~8 decades by ≲ 1e-3.  Observed deviations are <= 8e-4.
RATE_ATOL = 2e-3

#: Gradients: hand-derived vs autograd, both in float64 over terms of size <= |logit| <= 50
#: (log σ(ψ) ~ -ψ): rounding of sums of K <= 8 such terms is ~ 50 K eps ≈ 1e-13.
GRAD_ATOL = 1e-11

#: js_divergence of two nearly equal vectors is a difference of O(1) terms, so it carries an
#: absolute rounding error of ~ K eps max|log p| ≈ 1e-15; monotonicity is checked up to this.
JS_ROUNDING_ATOL = 1e-14

#: The inner maximization stops when |D - D*| = |∂V/∂ψ| / (p + q) <= inner_tol (1e-12 by
#: default); a few ulps of rounding of D come on top.
INNER_D_ATOL = 2e-12

#: The data-only atom follows the ODE dψ/dt = lr p σ(-ψ) up to Euler error: ψ + e^ψ gains
#: (lr p)² σ(-ψ)/2 per step more than the ODE, in total ≈ (lr p / 2) log(lr p T), i.e. a
#: relative error ≈ log(lr p T) / (2 T) in 1 - D (2e-4 here).
ODE_RTOL = 1e-3

#: Discriminator trained to convergence: the step counts put the linear-regime logit error
#: below ~1e-14 (0.1 ρ^T with T >= log(1e-13)/log ρ + 50, or T = 20000), and |ΔD| <= |Δψ|/4;
#: 1e-12 leaves margin for the non-linear start and rounding of D.
CONVERGED_D_ATOL = 1e-12

#: JSD after the generator has converged: at its float64 rounding floor (see JS_ROUNDING_ATOL).
JS_CONVERGED_ATOL = 1e-14

#: q and D after a converged run: run lengths take the error below ~1e-12 (the rate fits use
#: errors down to 1e-12 / 1e-13), so 1e-9 leaves three decades for the slower transient.
CONVERGED_Q_ATOL = 1e-9

#: Value at the inner-optimal D vs -log 4 + 2 JSD: stationarity in D makes the error second
#: order in INNER_D_ATOL; what remains is rounding of K <= 6 log terms (~1e-15), so generous.
INNER_VALUE_ATOL = 1e-10

#: GDA runs of 3000 steps at a linearized rate ρ < 1 must cut JSD by at least ten decades.
GDA_JS_REDUCTION = 1e-10

#: Alternating GDA after 800 steps: error at the float64 floor of q and D (~100 ulps of O(1)).
GDA_CONVERGED_ATOL = 1e-14


# ---------------------------------------------------------------------------- autograd references
def _log_sigmoid(x):
    return -anp.logaddexp(0.0, -x)


def _value_ag(psi, theta, p):
    q = anp.exp(theta - a_logsumexp(theta))
    return anp.sum(p * _log_sigmoid(psi)) + anp.sum(q * _log_sigmoid(-psi))


def _gen_loss_ag(theta, psi, loss):
    q = anp.exp(theta - a_logsumexp(theta))
    cost = _log_sigmoid(-psi) if loss == "minimax" else -_log_sigmoid(psi)
    return anp.sum(q * cost)


def _softmax(theta):
    z = np.exp(theta - theta.max())
    return z / z.sum()


# ---------------------------------------------------------------------------- gradients
class TestGradients:
    @given(pq=matched_pairs(), data=st.data())
    def test_discriminator_gradient_matches_autograd(self, pq, data):
        p, q = pq
        psi = data.draw(logits(len(p)))
        theta = np.log(np.maximum(q, 1e-300))  # any theta; V's ψ-gradient only sees q
        expected = autograd.grad(_value_ag)(psi, theta, p)
        got = discriminator_gradient(psi, p, _softmax(theta))
        np.testing.assert_allclose(got, expected, atol=GRAD_ATOL, rtol=0)

    @given(data=st.data(), loss=st.sampled_from(GENERATOR_LOSSES))
    def test_generator_gradient_matches_autograd(self, data, loss):
        theta = data.draw(logits(min_value=-20, max_value=20))
        psi = data.draw(logits(len(theta)))
        expected = autograd.grad(_gen_loss_ag)(theta, psi, loss)
        np.testing.assert_allclose(
            generator_gradient(psi, theta, loss=loss), expected, atol=GRAD_ATOL, rtol=0
        )
        assert generator_loss(psi, theta, loss=loss) == pytest.approx(
            _gen_loss_ag(theta, psi, loss), rel=FLOAT_RTOL, abs=GRAD_ATOL
        )

    @given(pq=matched_pairs(), data=st.data())
    def test_objective_matches_theory_gan_value(self, pq, data):
        p, _ = pq
        psi = data.draw(logits(len(p), min_value=-30, max_value=30))
        theta = data.draw(logits(len(p), min_value=-10, max_value=10))
        q = _softmax(theta)
        d = expit(psi)
        assume(np.all((d > 0) & (d < 1)))  # gan_value takes D, which saturates at |ψ| ≳ 37
        # gan_value sees D rounded to float64: log D and log(1 - D) then carry relative
        # errors eps/D and eps/(1 - D) (conditioning of log near 0), a few ulps each.
        conditioning = 4 * np.finfo(float).eps * (p @ (1 / d) + q @ (1 / (1 - d)))
        assert objective(psi, theta, p) == pytest.approx(
            float(gan_value(d, p, q)), rel=FLOAT_RTOL, abs=GRAD_ATOL + conditioning
        )

    @pytest.mark.parametrize("loss", GENERATOR_LOSSES)
    def test_equilibrium_gradients_vanish(self, loss):
        # At q = p_data and ψ = 0 (D = 1/2) both players' gradients are zero: an equilibrium.
        p = np.array([0.1, 0.2, 0.3, 0.4])
        theta = np.log(p)
        psi = np.zeros(4)
        np.testing.assert_allclose(discriminator_gradient(psi, p, _softmax(theta)), 0, atol=FLOAT_ATOL)
        np.testing.assert_allclose(generator_gradient(psi, theta, loss=loss), 0, atol=FLOAT_ATOL)
        run = train_gan(p, theta0=theta, psi0=psi, lr_g=1.0, lr_d=1.0, n_steps=50, generator_loss=loss)
        np.testing.assert_allclose(run.q, np.broadcast_to(p, run.q.shape), atol=FLOAT_ATOL)
        np.testing.assert_allclose(run.d, 0.5, atol=FLOAT_ATOL)

    def test_large_logits_are_finite_and_warning_free(self):
        psi = np.array([800.0, -800.0, 0.0])
        theta = np.array([900.0, -900.0, 0.0])
        p = np.array([0.5, 0.5, 0.0])
        assert np.isfinite(objective(psi, theta, p))
        assert np.all(np.isfinite(discriminator_gradient(psi, p, _softmax(theta))))
        for loss in GENERATOR_LOSSES:
            assert np.all(np.isfinite(generator_gradient(psi, theta, loss=loss)))


# ---------------------------------------------------------------------------- (a) discriminator
def _disc_factors(p, q, lr):
    """Signed per-atom linear factors 1 - lr (p_i + q_i) D*_i (1 - D*_i), D* = p/(p + q), over
    interior atoms (the discriminator's atoms are decoupled: atom i's logit error is multiplied
    by this factor per step near the optimum)."""
    interior = (p > 0) & (q > 0)
    d_star = p[interior] / (p[interior] + q[interior])
    return 1 - lr * (p[interior] + q[interior]) * d_star * (1 - d_star)


def _predicted_disc_rate(p, q, lr):
    """max_i |1 - lr (p_i + q_i) D*_i (1 - D*_i)| over interior atoms, D* = p/(p + q)."""
    return float(np.max(np.abs(_disc_factors(p, q, lr))))


class TestTrainDiscriminator:
    @settings(max_examples=30)
    @given(pq=matched_pairs(max_size=6, min_prob=0.02), lr=st.sampled_from([0.5, 2.0, 4.0]))
    @example(pq=(np.array([0.9611, 0.0389]), np.array([0.9309, 0.0691])), lr=4.0)  # factors -0.8915, +0.9004
    def test_converges_to_optimal_discriminator_at_predicted_rate(self, pq, lr):
        p, q = pq
        assert np.all((p > 0) & (q > 0))  # min_prob > 0: every atom interior, lam indexes atoms
        lam = _disc_factors(p, q, lr)
        rho = _predicted_disc_rate(p, q, lr)
        assume(0.3 <= rho <= 0.99)
        d_star = optimal_discriminator(p, q)
        psi_star = logit(d_star)
        n_steps = int(np.ceil(np.log(1e-13) / np.log(rho))) + 50
        run = train_discriminator(p, q, lr=lr, n_steps=n_steps, psi0=psi_star + 0.1)
        assert np.max(np.abs(run.final_d - d_star)) <= CONVERGED_D_ATOL
        # What the predicted rate describes: each atom's own logit error contracts by |λ_i|
        # (atoms are decoupled), the slowest by ρ.  Atoms with |λ_i| < 0.1 leave the fit
        # window (1e-12, 1e-4) in under 8 steps and are not fitted.
        err = np.abs(run.psi - psi_star)
        for i in np.flatnonzero(np.abs(lam) >= 0.1):
            assert fit_linear_rate(err[:, i], run.steps) == pytest.approx(abs(lam[i]), abs=RATE_ATOL)
        # run.rate fits the max-norm of the steps, measured without D*.  With every atom
        # started off its optimum it sees whichever atom has the largest step in the window
        # (an oscillating atom, λ < 0, takes steps (1 - λ)/(1 - |λ|) times larger than a
        # monotone one at the same error): each secant slope of log max_i |Δψ_i| lies between
        # log min_i |λ_i| and log ρ (up to the O(1e-4) nonlinearity), hence so does the fit.
        assert min(abs(lam)) - RATE_ATOL <= run.rate <= rho + RATE_ATOL
        # Started off its optimum on the slowest atoms only (the others at ψ*, where their
        # steps are rounding, < 1e-15, below the fit window), it measures ρ itself.
        slow = np.abs(lam) >= rho * (1 - 1e-12)
        only_slow = train_discriminator(p, q, lr=lr, n_steps=n_steps, psi0=psi_star + 0.1 * slow)
        assert only_slow.rate == pytest.approx(rho, abs=RATE_ATOL)

    def test_rate_example(self):
        p = np.array([0.1, 0.2, 0.3, 0.4])
        q = p[::-1].copy()
        run = train_discriminator(p, q, lr=1.0, n_steps=400)
        # slowest atoms are 0 and 3: 1 - 0.5 * 0.2 * 0.8 = 0.92
        assert _predicted_disc_rate(p, q, 1.0) == pytest.approx(0.92, abs=FLOAT_ATOL)
        assert run.rate == pytest.approx(0.92, abs=RATE_ATOL)

    def test_support_edge_cases(self):
        p, q = zero_atom_pair()  # atom 1 data-only, atom 2 model-only, atom 3 neither
        lr, T = 0.5, 20000
        psi0 = np.array([0.0, 0.0, 0.0, 0.3, 0.0])
        run = train_discriminator(p, q, lr=lr, n_steps=T, psi0=psi0, record_every=100)
        both = (p > 0) & (q > 0)
        np.testing.assert_allclose(run.final_d[both], optimal_discriminator(p, q)[both], atol=CONVERGED_D_ATOL)
        # neither: the gradient is exactly zero, D stays at its start
        assert np.all(run.d[:, 3] == expit(0.3))
        # data-only: D increases monotonically towards 1, slowly, as the ODE
        # dψ/dt = lr p σ(-ψ) predicts: ψ + e^ψ = ψ0 + e^ψ0 + lr p t.
        assert np.all(np.diff(run.d[:, 1]) > 0)
        psi_T = brentq(lambda x: x + np.exp(x) - (1.0 + lr * p[1] * T), 0.0, 50.0)
        assert 1 - run.final_d[1] == pytest.approx(expit(-psi_T), rel=ODE_RTOL)
        # model-only: symmetric, D decreases towards 0 with D ≈ σ(-ψ_T) for q's mass
        assert np.all(np.diff(run.d[:, 2]) < 0)
        psi_T = brentq(lambda x: x + np.exp(x) - (1.0 + lr * q[2] * T), 0.0, 50.0)
        assert run.final_d[2] == pytest.approx(expit(-psi_T), rel=ODE_RTOL)

    def test_records(self):
        p, q = named_pairs()["bernoulli"]
        run = train_discriminator(p, q, lr=1.0, n_steps=10, record_every=4)
        assert list(run.steps) == [0, 4, 8, 10]
        assert run.psi.shape == run.d.shape == (4, 2)
        assert run.step_norm.shape == (10,)
        full = train_discriminator(p, q, lr=1.0, n_steps=10)
        np.testing.assert_array_equal(full.psi[[0, 4, 8, 10]], run.psi)
        assert run.to_dict()["steps"] == [0, 4, 8, 10]

    @pytest.mark.parametrize("name", sorted(named_pairs()))
    def test_named_pairs_without_warnings(self, name):
        p, q = named_pairs()[name]
        run = train_discriminator(p, q, lr=1.0, n_steps=200)
        assert np.all(np.isfinite(run.d))
        assert np.all((run.d >= 0) & (run.d <= 1))


# ---------------------------------------------------------------------------- (b) generator with optimal D
def _min_curvature(p):
    """Smallest non-zero eigenvalue of the Hessian (diag p - p pᵀ)/2 of 2 JSD ∘ softmax at θ*."""
    ev = np.linalg.eigvalsh((np.diag(p) - np.outer(p, p)) / 2)
    return float(ev[1])  # ev[0] = 0 is the shift direction θ + c 1


class TestTrainGeneratorOptimalD:
    @pytest.mark.parametrize("inner", ["newton", "gradient"])
    def test_jsd_decreases_to_zero_at_predicted_rate(self, inner):
        p = np.array([0.1, 0.2, 0.3, 0.4])
        lr = 0.25
        run = train_generator_optimal_d(p, np.zeros(4), lr=lr, n_steps=2500, inner=inner)
        assert run.converged
        js = js_divergence(p, run.q)
        assert np.all(np.diff(js) <= JS_ROUNDING_ATOL)
        assert js[-1] <= JS_CONVERGED_ATOL
        np.testing.assert_allclose(run.final_q, p, atol=CONVERGED_Q_ATOL)
        # gradient descent on 2 JSD: JSD ~ (θ error)², contracting by (1 - lr λ_min)² per step
        predicted = (1 - lr * _min_curvature(p)) ** 2
        assert fit_linear_rate(js, lo=1e-13, hi=1e-4) == pytest.approx(predicted, abs=RATE_ATOL)

    @settings(max_examples=25)
    @given(p=full_support_vectors(min_prob=1e-3, max_size=6), data=st.data())
    def test_monotone_for_lr_quarter_and_inner_d_is_optimal(self, p, data):
        theta0 = data.draw(logits(len(p), min_value=-5, max_value=5))
        run = train_generator_optimal_d(p, theta0, lr=0.25, n_steps=60)
        js = js_divergence(p, run.q)
        assert np.all(np.diff(js) <= JS_ROUNDING_ATOL)
        # the solver's own inner maximizer reproduces D* and the value -log 4 + 2 JSD
        np.testing.assert_allclose(expit(run.psi), optimal_discriminator(p, run.q), atol=INNER_D_ATOL)
        values = np.array([objective(s, t, p) for s, t in zip(run.psi[::20], run.theta[::20])])
        np.testing.assert_allclose(values, optimal_gan_value(p, run.q[::20]), atol=INNER_VALUE_ATOL)

    @given(p=full_support_vectors(min_prob=1e-3, max_size=6), data=st.data())
    def test_hessian_bound_behind_the_step_size(self, p, data):
        # The docstring bounds the Hessian of θ ↦ 2 JSD(p ‖ softmax θ) by 7.5; check with autograd.
        theta = data.draw(logits(len(p), min_value=-20, max_value=20))

        def two_jsd(th):
            q = anp.exp(th - a_logsumexp(th))
            m = (p + q) / 2
            return anp.sum(p * anp.log(p / m)) + anp.sum(q * anp.log(q / m))

        assume(np.all(_softmax(theta) > 1e-200))
        hess = autograd.hessian(two_jsd)(theta)
        assert np.max(np.abs(np.linalg.eigvalsh(hess))) <= 7.5

    def test_zero_atoms_approach_but_do_not_reach_zero(self):
        p = np.array([0.5, 0.5, 0.0])
        run = train_generator_optimal_d(p, np.zeros(3), lr=0.25, n_steps=300)
        js = js_divergence(p, run.q)
        assert np.all(np.diff(js) <= JS_ROUNDING_ATOL)
        assert js[-1] < js[0] / 10
        assert run.final_q[2] > 0

    def test_inner_non_convergence_warns(self):
        p = np.array([0.1, 0.9])
        with pytest.warns(ConvergenceWarning, match="inner_max_iter"):
            run = train_generator_optimal_d(
                p, np.array([3.0, -3.0]), lr=0.1, n_steps=2, inner="gradient", inner_max_iter=1
            )
        assert not run.converged


# ---------------------------------------------------------------------------- (c) GDA
def _linearized_rate(p, lr_g, lr_d, scheme):
    """Spectral radius of the GDA update map linearized at (θ*, ψ*) = (log p, 0).

    Derivation (by hand): at D = 1/2, q = p, with J = diag p - p pᵀ (the softmax Jacobian),
    ∂(∂V/∂ψ)/∂ψ = -diag(p)/2, ∂(∂V/∂ψ)/∂θ = -J/2, ∂(∂L/∂θ)/∂ψ = -J/2 for both losses and
    ∂(∂L/∂θ)/∂θ = 0 (the costs are constant there).  θ is restricted to the complement of the
    invariant shift direction 1 (basis U), where the map is
      simultaneous: [[I - h_d P/2, -h_d J U/2], [h_g Uᵀ J/2, I]]
      alternating: the generator map [[I, 0], [h_g Uᵀ J/2, I]] after the discriminator map.
    """
    k = len(p)
    jac = np.diag(p) - np.outer(p, p)
    u = np.linalg.qr(np.column_stack([np.ones(k), np.eye(k)[:, : k - 1]]))[0][:, 1:]
    i_k, i_r = np.eye(k), np.eye(k - 1)
    disc = np.block([[i_k - lr_d * np.diag(p) / 2, -lr_d * jac @ u / 2], [np.zeros((k - 1, k)), i_r]])
    gen_row = lr_g * u.T @ jac / 2
    if scheme == "simultaneous":
        m = np.block([[disc[:k]], [np.hstack([gen_row, i_r])]])
    else:
        m = np.block([[i_k, np.zeros((k, k - 1))], [gen_row, i_r]]) @ disc
    return float(np.max(np.abs(np.linalg.eigvals(m))))


def _gda_error(run, p):
    return np.max(np.abs(np.concatenate([run.q - p, run.d - 0.5], axis=1)), axis=1)


class TestTrainGAN:
    @pytest.mark.parametrize("scheme", SCHEMES)
    @pytest.mark.parametrize("loss", GENERATOR_LOSSES)
    @pytest.mark.parametrize(
        "p", [np.array([0.2, 0.3, 0.5]), np.array([0.1, 0.15, 0.2, 0.25, 0.3])], ids=["K3", "K5"]
    )
    def test_converges_at_linearized_rate(self, scheme, loss, p):
        lr = 1.0
        run = train_gan(
            p, theta0=np.zeros(len(p)), psi0=np.zeros(len(p)), lr_g=lr, lr_d=lr,
            n_steps=3000, scheme=scheme, generator_loss=loss,
        )
        js = js_divergence(p, run.q)
        assert js[-1] <= GDA_JS_REDUCTION * js[0]
        np.testing.assert_allclose(run.final_q, p, atol=CONVERGED_Q_ATOL)
        np.testing.assert_allclose(run.d[-1], 0.5, atol=CONVERGED_Q_ATOL)
        rho = _linearized_rate(p, lr, lr, scheme)
        assert rho < 1
        assert fit_linear_rate(_gda_error(run, p), lo=1e-12, hi=1e-4) == pytest.approx(rho, abs=RATE_ATOL)

    def test_simultaneous_unstable_where_alternating_converges(self):
        # lr_g = 10, lr_d = 1 on p = (0.2, 0.3, 0.5): the linearized simultaneous map has
        # spectral radius > 1, the alternating one < 1.
        p = np.array([0.2, 0.3, 0.5])
        rho_sim = _linearized_rate(p, 10.0, 1.0, "simultaneous")
        rho_alt = _linearized_rate(p, 10.0, 1.0, "alternating")
        assert rho_sim > 1 > rho_alt
        # simultaneous, started 1e-13 away from the equilibrium: driven away at rate rho_sim
        near = dict(theta0=np.log(p) + 1e-13 * np.array([1.0, -1.0, 0.0]), psi0=np.full(3, 1e-13))
        sim = train_gan(p, **near, lr_g=10.0, lr_d=1.0, n_steps=450, scheme="simultaneous")
        e_sim = _gda_error(sim, p)
        assert e_sim[-1] > 1e-2  # far from the equilibrium, no longer small
        assert fit_linear_rate(e_sim, lo=1e-11, hi=1e-3) == pytest.approx(rho_sim, abs=RATE_ATOL)
        # alternating, started from the uniform generator: converges at rate rho_alt
        alt = train_gan(p, theta0=np.zeros(3), psi0=np.zeros(3), lr_g=10.0, lr_d=1.0,
                        n_steps=800, scheme="alternating")
        e_alt = _gda_error(alt, p)
        assert e_alt[-1] < GDA_CONVERGED_ATOL
        assert fit_linear_rate(e_alt, lo=1e-12, hi=1e-4) == pytest.approx(rho_alt, abs=RATE_ATOL)

    def test_value_matches_theory_and_shapes(self):
        p = np.array([0.1, 0.2, 0.3, 0.4])
        run = train_gan(
            p, theta0=np.array([1.0, 0.0, -1.0, 0.5]), psi0=np.array([0.3, -0.2, 0.0, 1.0]),
            lr_g=0.5, lr_d=0.5, n_steps=20, scheme="alternating", generator_loss="non_saturating",
            n_disc_steps=3,
        )
        for arr in (run.theta, run.psi, run.q, run.d):
            assert arr.shape == (21, 4)
        np.testing.assert_allclose(run.q.sum(axis=1), 1, atol=PROB_SUM_TOL)
        np.testing.assert_allclose(run.value, gan_value(run.d, p, run.q), atol=FLOAT_ATOL)
        assert run.to_dict()["scheme"] == "alternating"

    def test_n_disc_steps_and_schemes_differ_as_defined(self):
        # One simultaneous step uses ψ_t for the generator, one alternating step ψ_{t+1}.
        p = np.array([0.25, 0.75])
        theta0, psi0 = np.array([0.5, -0.5]), np.array([0.2, -0.4])
        q0 = _softmax(theta0)
        psi1 = psi0 + 0.3 * discriminator_gradient(psi0, p, q0)
        psi2 = psi1 + 0.3 * discriminator_gradient(psi1, p, q0)
        for scheme, psi_g in (("simultaneous", psi0), ("alternating", psi2)):
            run = train_gan(p, theta0=theta0, psi0=psi0, lr_g=0.7, lr_d=0.3, n_steps=1,
                            scheme=scheme, n_disc_steps=2)
            np.testing.assert_allclose(run.psi[1], psi2, atol=FLOAT_ATOL)
            np.testing.assert_allclose(
                run.theta[1], theta0 - 0.7 * generator_gradient(psi_g, theta0), atol=FLOAT_ATOL
            )


# ---------------------------------------------------------------------------- validation
class TestValidation:
    p = np.array([0.5, 0.5])
    z = np.zeros(2)

    def test_bad_p_data(self):
        with pytest.raises(ValueError, match="p_data"):
            train_discriminator([0.5, 0.6], self.p, lr=1.0, n_steps=1)

    def test_bad_p_model(self):
        with pytest.raises(ValueError, match="p_model"):
            train_discriminator(self.p, [-0.5, 1.5], lr=1.0, n_steps=1)

    def test_mismatched_lengths(self):
        with pytest.raises(ValueError, match="p_model"):
            train_discriminator(self.p, [0.2, 0.3, 0.5], lr=1.0, n_steps=1)

    def test_bad_psi0_shape(self):
        with pytest.raises(ValueError, match="psi0"):
            train_gan(self.p, theta0=self.z, psi0=np.zeros(3), lr_g=1.0, lr_d=1.0, n_steps=1)

    def test_bad_theta0(self):
        with pytest.raises(ValueError, match="theta0"):
            train_generator_optimal_d(self.p, [np.nan, 0.0], lr=1.0, n_steps=1)

    @pytest.mark.parametrize("lr", [0.0, -1.0, np.inf])
    def test_bad_lr(self, lr):
        with pytest.raises(ValueError, match="lr"):
            train_discriminator(self.p, self.p, lr=lr, n_steps=1)

    def test_lr_type(self):
        with pytest.raises(TypeError, match="lr_g"):
            train_gan(self.p, theta0=self.z, psi0=self.z, lr_g="1", lr_d=1.0, n_steps=1)

    def test_negative_n_steps(self):
        with pytest.raises(ValueError, match="n_steps"):
            train_generator_optimal_d(self.p, self.z, lr=1.0, n_steps=-1)

    def test_unknown_scheme(self):
        with pytest.raises(ValueError, match="scheme"):
            train_gan(self.p, theta0=self.z, psi0=self.z, lr_g=1.0, lr_d=1.0, n_steps=1, scheme="x")

    def test_unknown_generator_loss(self):
        with pytest.raises(ValueError, match="generator_loss"):
            train_gan(self.p, theta0=self.z, psi0=self.z, lr_g=1.0, lr_d=1.0, n_steps=1,
                      generator_loss="wasserstein")

    def test_unknown_inner(self):
        with pytest.raises(ValueError, match="inner"):
            train_generator_optimal_d(self.p, self.z, lr=1.0, n_steps=1, inner="exact")

    def test_bad_n_disc_steps(self):
        with pytest.raises(ValueError, match="n_disc_steps"):
            train_gan(self.p, theta0=self.z, psi0=self.z, lr_g=1.0, lr_d=1.0, n_steps=1, n_disc_steps=0)

    def test_bad_record_every(self):
        with pytest.raises(ValueError, match="record_every"):
            train_discriminator(self.p, self.p, lr=1.0, n_steps=1, record_every=0)

    def test_unknown_loss_in_gradient(self):
        with pytest.raises(ValueError, match="loss"):
            generator_gradient(self.z, self.z, loss="hinge")

    def test_zero_steps(self):
        run = train_gan(self.p, theta0=self.z, psi0=self.z, lr_g=1.0, lr_d=1.0, n_steps=0)
        assert run.theta.shape == (1, 2)
        g = train_generator_optimal_d(self.p, self.z, lr=1.0, n_steps=0)
        assert g.q.shape == (1, 2)
        d = train_discriminator(self.p, self.p, lr=1.0, n_steps=0)
        assert d.d.shape == (1, 2) and np.isnan(d.rate)
