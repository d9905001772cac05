"""Silver et al. (2014), Theorem 1 on the scalar LQR, and the DDPG actor = conditional-GAN generator
identity, checked step by step.

Independent references: theory.lqr's closed forms evaluated with numpy (the derivation's
symbolic J, p and dJ/dk against lqr_return, lqr_policy_value and central finite differences of
lqr_return) and autograd on a linear actor / quadratic critic against the derivation's symbolic
gradient.
"""

import autograd.numpy as anp
import numpy as np
import pytest
import sympy as sp
from autograd import grad

import proofs_check
from proofs_check import silver2014 as s2014
from tests.proofs_check.derivation_checks import (assert_every_step_checks, assert_fails_only_at,
                                                  assert_registered, reports_fixture)
from theory.lqr import lqr_policy_value, lqr_return

THEOREM = "silver2014/dpg-theorem-lqr"
IDENTITY = "silver2014/actor-update-equals-conditional-gan-generator"
BROKEN = "silver2014/dpg-theorem-lqr-broken"
#: Lambdified symbolic expressions vs theory.lqr's numpy closed forms: the same rational
#: functions grouped differently, a few ulps times the terms, relative.
LAMBDIFY_RTOL = 1e-12
#: Central differences with h = 1e-6 of J with |J| <= 100 (γ c² <= 0.8): rounding ~1e-8 plus
#: truncation ~1e-9, relative to max(1, |dJ/dk|).
FD_RTOL = 1e-5


reports = reports_fixture(THEOREM, IDENTITY, BROKEN)


@pytest.mark.parametrize("derivation_id", [THEOREM, IDENTITY])
def test_derivation_checks(reports, derivation_id):
    assert_every_step_checks(reports[derivation_id], "Silver, Lever")


def test_broken_example_fails_at_the_theorem_step(reports):
    assert_fails_only_at(reports[BROKEN], s2014.BROKEN_STEP)


def test_registry_and_coverage():
    assert_registered({THEOREM, IDENTITY}, BROKEN)
    names = [s.name for s in proofs_check.get(THEOREM).steps]
    assert {"bellman-value", "q-closed-form", "visitation-moment-recursion", "dpg-theorem",
            "optimal-gain-is-stationary", "optimal-value-is-riccati"} <= set(names)
    names = [s.name for s in proofs_check.get(IDENTITY).steps]
    assert {"pathwise-chain-rule", "actor-loss-is-generator-loss", "generator-gradient-theta1",
            "expected-dpg-theta1", "non-saturating-is-dpg-of-log-d"} <= set(names)


@pytest.mark.parametrize("seed", range(4))
def test_symbolic_closed_forms_equal_theory_lqr(seed):
    sym = s2014.lqr_symbols()
    rng = np.random.default_rng(seed)
    a, b = rng.uniform(-1.5, 1.5), rng.choice([-1, 1]) * rng.uniform(0.2, 2.0)
    q, r, gamma, sigma, x0v = rng.uniform(0.1, 2), rng.uniform(0.1, 2), rng.uniform(0.1, 0.95), \
        rng.uniform(0, 1), rng.uniform(0.1, 2)
    k = (a - rng.uniform(-1, 1) * np.sqrt(0.8 / gamma)) / b
    values = {sym["a"]: a, sym["b"]: b, sym["q"]: q, sym["r"]: r, sym["gamma"]: gamma, sym["sigma"]: sigma,
              sym["x0v"]: x0v, sym["k"]: k}
    J = float(sym["J"].subs(values))
    p = float(sym["p"].subs(values))
    dJ = float(sp.diff(sym["J"], sym["k"]).subs(values))
    assert J == pytest.approx(float(lqr_return(k, a, b, q, r, gamma, sigma=sigma, x0_var=x0v)), rel=LAMBDIFY_RTOL)
    assert p == pytest.approx(float(lqr_policy_value(k, a, b, q, r, gamma).p), rel=LAMBDIFY_RTOL)
    h = 1e-6
    fd = float(lqr_return(k + h, a, b, q, r, gamma, sigma=sigma, x0_var=x0v)
               - lqr_return(k - h, a, b, q, r, gamma, sigma=sigma, x0_var=x0v)) / (2 * h)
    assert dJ == pytest.approx(fd, rel=FD_RTOL, abs=FD_RTOL)


def test_symbolic_generator_gradient_equals_autograd():
    # linear actor θ0 + θ1 s, quadratic critic with weights w; three states, as in the derivation
    d = proofs_check.get(IDENTITY)
    step = d.steps[d.step_index("generator-gradient-theta1")]
    rng = np.random.default_rng(0)
    w = rng.normal(size=6)
    theta = rng.normal(size=2)
    states = rng.normal(size=3)
    values = {sp.Symbol(f"w{i}", real=True): w[i] for i in range(6)}
    values.update({sp.Symbol("theta0", real=True): theta[0], sp.Symbol("theta1", real=True): theta[1]})
    values.update({sp.Symbol(f"s{i + 1}", real=True): states[i] for i in range(3)})
    symbolic = float(step.rhs.subs(values))

    def generator_loss(th):
        u = th[0] + th[1] * states
        d_val = w[0] + w[1] * states + w[2] * u + w[3] * states**2 + w[4] * states * u + w[5] * u**2
        return -anp.mean(d_val)

    assert symbolic == pytest.approx(-grad(generator_loss)(theta)[1], rel=LAMBDIFY_RTOL)


def test_noise_expectation_helper_rejects_high_degree():
    w = sp.Symbol("w")
    with pytest.raises(ValueError, match="degree"):
        s2014._expect_gaussian_noise(w**3, w)
