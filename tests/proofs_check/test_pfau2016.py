"""Pfau & Vinyals (2016), Section 2.3, checked step by step.

Reference values, independent of the symbolic derivations: theory.stateless_mdp (Bayes critic,
its sensitivity) and the categorical GAN's hand-derived generator gradient
(solvers.tabular.gan), evaluated with numpy at random points.
"""

import numpy as np
import pytest
import sympy as sp
from scipy.special import logit

import proofs_check
from proofs_check import pfau2016 as pv
from tests.proofs_check.derivation_checks import (assert_every_step_checks, assert_fails_only_at,
                                                  assert_registered, reports_fixture)
from solvers.tabular.gan import generator_gradient
from tests.tolerances import FLOAT_ATOL
from theory.stateless_mdp import bayes_critic, bayes_critic_sensitivity

REWARD = "pfau2016/expected-reward-policy-independent"
CRITIC = "pfau2016/bayes-critic"
MINIMAX = "pfau2016/actor-update-equals-minimax-generator"
NON_SATURATING = "pfau2016/log-q-actor-equals-non-saturating"
BROKEN = "pfau2016/actor-update-equals-minimax-generator-broken"
ALL = (REWARD, CRITIC, MINIMAX, NON_SATURATING)
#: Lambdified symbolic derivative vs the hand-written sensitivity: the same rational function
#: of p, q in [0.01, 1] and rho grouped differently, so a few ulps x (terms) relative.
LAMBDIFY_RTOL = 1e-12


reports = reports_fixture(*ALL, BROKEN)


@pytest.mark.parametrize("derivation_id", ALL)
def test_derivation_checks(reports, derivation_id):
    assert_every_step_checks(reports[derivation_id], "Pfau & Vinyals (2016)")


def test_broken_example_fails_at_the_scaling_step(reports):
    assert_fails_only_at(reports[BROKEN], pv.BROKEN_STEP)


def test_registry():
    assert_registered(ALL, BROKEN)


def test_the_paper_argument_is_covered():
    names = {i: [s.name for s in proofs_check.get(i).steps] for i in ALL}
    assert {"expected-reward", "per-action-reward", "policy-gradient-softmax"} <= set(names[REWARD])
    assert {"ce-stationary-point", "ce-convex", "sq-stationary-point", "sq-convex", "half-is-d-star",
            "critic-moves-away"} <= set(names[CRITIC])
    for i in (MINIMAX, NON_SATURATING):
        assert {"pathwise-mu", "pathwise-sigma", "real-episode-no-update"} <= set(names[i])
        assert {f"score-equals-generator-{j}" for j in range(1, pv.K_ATOMS + 1)} <= set(names[i])


def test_a_mutated_step_is_caught():
    d = proofs_check.get(CRITIC)
    step = d.steps[d.step_index("ce-stationary-point")]
    a, b = sp.symbols("a b", positive=True)
    wrong = d.replace_step("ce-stationary-point", rhs=sp.FiniteSet(a / (a + 2 * b)))
    assert step.rhs != wrong.steps[d.step_index("ce-stationary-point")].rhs
    rep = wrong.check()
    assert rep.first_failure == d.step_index("ce-stationary-point")


def _step(derivation_id, name):
    d = proofs_check.get(derivation_id)
    return d.steps[d.step_index(name)]


def test_symbolic_bayes_critic_and_sensitivity_match_theory():
    rng = np.random.default_rng(0)
    p, q = rng.uniform(0.01, 1.0, size=(2, 32))
    step = _step(CRITIC, "bayes-critic")
    syms = sorted(step.lhs.free_symbols, key=lambda s: s.name)  # p, q, rho
    assert [s.name for s in syms] == ["p", "q", "rho"]
    f = sp.lambdify(syms, step.lhs.doit(), "numpy")
    g = sp.lambdify(syms, _step(CRITIC, "critic-sensitivity").rhs, "numpy")
    for rho in (0.1, 0.5, 0.77):  # real_prob is a scalar
        np.testing.assert_allclose(f(p, q, rho), bayes_critic(p, q, rho), atol=FLOAT_ATOL)
        np.testing.assert_allclose(g(p, q, rho), bayes_critic_sensitivity(p, q, rho), rtol=LAMBDIFY_RTOL)


@pytest.mark.parametrize("derivation_id,loss", [(MINIMAX, "minimax"), (NON_SATURATING, "non_saturating")])
def test_symbolic_score_function_update_matches_the_generator_gradient(derivation_id, loss):
    rng = np.random.default_rng(1)
    k = pv.K_ATOMS
    theta_s = sp.symbols(f"theta1:{k + 1}", real=True)
    c_s = sp.symbols(f"c1:{k + 1}", positive=True)
    exprs = [_step(derivation_id, f"softmax-jacobian-{j}").rhs for j in range(1, k + 1)]
    f = sp.lambdify([*theta_s, *c_s], exprs, "numpy")
    for _ in range(10):
        theta, c = rng.normal(size=k), rng.uniform(0.05, 0.95, size=k)
        np.testing.assert_allclose(f(*theta, *c), -generator_gradient(logit(c), theta, loss=loss),
                                   atol=FLOAT_ATOL)


def test_cross_entropy_helper():
    c = sp.Symbol("c", positive=True)
    assert sp.simplify(pv.cross_entropy(1, c) + sp.log(c)) == 0
    assert sp.simplify(sp.diff(pv.cross_entropy(0, c), c) - 1 / (1 - c)) == 0
