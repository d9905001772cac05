"""The label-smoothing derivations behind Pfau & Vinyals (2016), Table 1, checked step by step.

Reference values, independent of sympy: the smoothed discriminator of ``theory.gan`` and the
Jacobian of the soft-target Dirac-GAN field by autograd (the value written from Salimans et al.
(2016), Section 3.4, with Mescheder et al. (2018)'s Dirac-GAN, P(real | x) = σ(-ψx)).
"""

import autograd.numpy as anp
import numpy as np
import pytest
import sympy as sp
from autograd import grad, jacobian

import proofs_check
from proofs_check import pfau2016_table1 as t1
from proofs_check.core import Step, check_step
from tests.proofs_check.derivation_checks import assert_every_step_checks
from theory.gan import smoothed_optimal_discriminator

IDS = ("pfau2016/table1-smoothed-optimal-discriminator", "pfau2016/table1-label-smoothing-fixed-point",
       "pfau2016/table1-dirac-label-smoothing")
#: Lambdified (a p + b q)/(p + q) against theory.gan's float evaluation of the same rational
#: function: a few ulps.
LAMBDIFY_RTOL = 1e-13
#: autograd's Jacobian of the field at 0 is exact arithmetic on σ(0) = 1/2: rounding only.
AUTOGRAD_ATOL = 1e-15


@pytest.mark.parametrize("derivation_id", IDS)
def test_derivation_checks(derivation_id):
    assert_every_step_checks(proofs_check.get(derivation_id).check(), "Salimans et al. (2016)")


def test_smoothed_discriminator_matches_theory():
    rng = np.random.default_rng(0)
    p, q = rng.uniform(1e-3, 1.0, size=(2, 20))
    a, b = rng.uniform(0.0, 1.0, size=(2, 20))
    fn = sp.lambdify((*t1.LABELS, *t1.DENSITIES), t1.smoothed_discriminator(), "numpy")
    expected = np.array([smoothed_optimal_discriminator(p[i:i + 1], q[i:i + 1], a[i], b[i])[0] for i in range(20)])
    np.testing.assert_allclose(fn(a, b, p, q), expected, rtol=LAMBDIFY_RTOL, atol=0)


def _field(x, a, b):
    """(v_θ, v_ψ) of the Dirac-GAN (Mescheder et al. 2018, Section 2; data at 0, generator δ_θ,
    D(x) = P(real | x) = σ(-ψx)) with soft targets a (real point) and b (fake point θ): the
    generator descends its minimax loss log(1 - D(θ)) = log σ(ψθ), the discriminator ascends
    its soft-target log-likelihood."""
    def log_sig(t):
        return -anp.logaddexp(0.0, -t)

    def value(theta, psi):  # discriminator's soft-target log-likelihood, P(real | x) = σ(-ψx)
        real = a * log_sig(-psi * 0.0) + (1 - a) * log_sig(psi * 0.0)
        fake = b * log_sig(-psi * theta) + (1 - b) * log_sig(psi * theta)
        return real + fake

    theta, psi = x[0], x[1]
    v_theta = -grad(lambda t: log_sig(psi * t))(theta)
    v_psi = grad(lambda s: value(theta, s))(psi)
    return anp.array([v_theta, v_psi])


@pytest.mark.parametrize("a,b", [(1.0, 0.0), (0.9, 0.0), (0.9, 0.1), (0.7, 0.25)])
def test_dirac_jacobian_against_autograd(a, b):
    jac = jacobian(lambda x: _field(x, a, b))(np.zeros(2))
    closed = np.array(t1.dirac_smoothed_jacobian().subs(t1.LABELS[1], b), dtype=float)
    np.testing.assert_allclose(jac, closed, atol=AUTOGRAD_ATOL, rtol=0)


def test_a_wrong_jacobian_entry_is_disproved():
    # negative control: the (ψ, θ) entry with the sign of b flipped must fail the checker
    theta, psi = t1.theta, t1.psi
    v_psi = theta * ((1 - t1.b) - 1 / (1 + sp.exp(-psi * theta)))
    wrong = Step("jac-psi-theta", sp.Subs(sp.Derivative(v_psi, theta), (theta, psi), (0, 0)),
                 sp.Rational(1, 2) + t1.b)
    assert not check_step(wrong, 0, {}, 0).ok
