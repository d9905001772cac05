"""The WGAN / WGAN-GP / Arjovsky & Bottou / BEGAN derivations of proofs_check.wgan.

Each registered derivation must check; the broken example (a factor-2 slip in the WGAN-GP
pointwise value) must fail at that step.  The symbolic solutions, lambdified, are compared
with the float closed forms of theory.wgan and theory.gan_training_theory (two independent
routes: sympy.solve / sympy.diff against hand-written numpy).
"""

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import proofs_check
from proofs_check import wgan as w
from tests.proofs_check.derivation_checks import (assert_every_step_checks, assert_fails_only_at,
                                                  assert_registered, reports_fixture)
from theory.gan_training_theory import (
    began_controller_fixed_point,
    kl_minus_2jsd_gradient_categorical,
    minus_log_d_gradient_categorical,
)
from theory.wgan import wgan_gp_optimal_critic_1d

IDS = [
    "gulrajani2017/gp-pointwise-maximizer",
    "berthelot2017/controller-fixed-point-and-rate",
    "arjovsky-bottou2017/thm2.4-logistic-toy",
    "arjovsky-bottou2017/thm2.5-two-atom-generator",
    "arjovsky-bottou2017/instance-noise-parallel-lines",
    "arjovsky2017/clipped-linear-critic",
]
BROKEN = "gulrajani2017/gp-pointwise-maximizer-broken"

#: Lambdified sympy expression vs numpy closed form on the same float64 inputs: a few
#: operations on O(1) numbers (logs of probabilities >= 1e-3), a few ulps each.
LAMBDIFY_RTOL = 1e-12
LAMBDIFY_ATOL = 1e-13


reports = reports_fixture(*IDS)


@pytest.mark.parametrize("derivation_id", IDS)
def test_derivation_checks(reports, derivation_id):
    assert_every_step_checks(reports[derivation_id])


def test_registered_by_default():
    assert_registered(IDS, BROKEN)


def test_broken_example_stops_at_the_wrong_step():
    d = w.broken_example()
    assert d is proofs_check.get(BROKEN)
    assert_fails_only_at(d.check(), w.BROKEN_STEP)


def test_sources_cite_the_papers():
    assert "eq. (3)" in proofs_check.get(IDS[0]).source
    assert "Theorem 2.5" in proofs_check.get(IDS[3]).source
    assert "Theorem 2.4" in proofs_check.get(IDS[2]).source
    assert "3.4" in proofs_check.get(IDS[1]).source


# ------------------------------------------------------------------------ against theory/
@settings(max_examples=30)
@given(st.integers(0, 2**32 - 1), st.floats(0.5, 20.0))
def test_gp_slope_matches_theory(seed, lam):
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=3), rng.normal(size=2)
    p, q = rng.dirichlet(np.ones(3)), rng.dirichlet(np.ones(2))
    crit = wgan_gp_optimal_critic_1d(a, b, p, q, penalty_weight=lam)
    g_star = sp.lambdify(w.symbolic_gp_slope().variables, w.symbolic_gp_slope().expr)
    moving = crit.delta != 0
    expected = np.sign(crit.delta[moving]) * g_star(np.abs(crit.delta[moving]), lam,
                                                    crit.rho[moving])
    np.testing.assert_allclose(crit.slope[moving], expected, rtol=LAMBDIFY_RTOL)


@given(st.floats(0.05, 1.0), st.floats(0.01, 2.0), st.floats(0.0, 1.0), st.floats(0.01, 2.0))
def test_began_fixed_point_matches_theory(gamma, l_real, a, b):
    k_sym = float(w.symbolic_began_fixed_point()(gamma, l_real, a, b))
    got = began_controller_fixed_point(gamma=gamma, l_real=l_real, a=a, b=b)
    assert got == pytest.approx(min(1.0, max(0.0, k_sym)), rel=LAMBDIFY_RTOL, abs=LAMBDIFY_ATOL)


@given(st.floats(-8.0, 8.0), st.floats(1e-3, 1 - 1e-3))
def test_two_atom_theorem_25_matches_theory(theta, r):
    # The derivation's d/ds E[-log D*] (at s0 = s) times ds/dθ = s(1 - s) is the gradient of
    # the softmax generator with logits (θ, 0) with respect to θ.
    d = proofs_check.get("arjovsky-bottou2017/thm2.5-two-atom-generator")
    step = d.steps[d.step_index("fixed-discriminator-gradient")]
    s_sym, r_sym = sp.symbols("s r", positive=True)
    grad_s = sp.lambdify((s_sym, r_sym), step.rhs)
    s = 1.0 / (1.0 + np.exp(-theta))
    expected = s * (1 - s) * grad_s(s, r)
    lhs = minus_log_d_gradient_categorical([theta, 0.0], [r, 1 - r])[0]
    rhs = kl_minus_2jsd_gradient_categorical([theta, 0.0], [r, 1 - r])[0]
    assert lhs == pytest.approx(expected, rel=1e-10, abs=1e-13)
    assert rhs == pytest.approx(expected, rel=1e-10, abs=1e-13)


def test_negative_control_lambdified_wrong_slope():
    # 1 + Δ/(λρ) (a factor-2 slip) is far from the theory slopes: the comparison above bites.
    crit = wgan_gp_optimal_critic_1d([2.0], [0.0], penalty_weight=10.0)
    assert abs(crit.slope[0] - (1 + 1 / (10 * 0.5))) > 0.05
