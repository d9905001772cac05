"""Sutton et al. (2000), Theorem 1, checked step by step on a general two-state MDP.

Independent reference: central finite differences of the exact return μ₀ᵀ (I - γ P_π)⁻¹ r_π
(numpy), against which the derivation's final expression is evaluated at random MDPs.
"""

import numpy as np
import pytest
from scipy.special import softmax

import proofs_check
from proofs_check import sutton2000 as s2000
from tests.proofs_check.derivation_checks import (assert_every_step_checks, assert_fails_only_at,
                                                  assert_registered, reports_fixture)

THEOREM = "sutton2000/policy-gradient-two-state"
BROKEN = "sutton2000/policy-gradient-two-state-broken"
#: Central differences with h = 1e-6 of a smooth return with |J| <= 10 (γ <= 0.9, |r| <= 1):
#: truncation ~h^2 |J'''| < 1e-8, rounding ~eps |J| / h ~ 1e-9.
FD_ATOL = 1e-7


reports = reports_fixture(THEOREM, BROKEN)


def test_derivation_checks(reports):
    assert_every_step_checks(reports[THEOREM], "Sutton, McAllester")


def test_broken_example_fails_at_the_theorem_step(reports):
    assert_fails_only_at(reports[BROKEN], s2000.BROKEN_STEP)


def test_registry():
    assert_registered({THEOREM}, BROKEN)


@pytest.mark.parametrize("seed", range(5))
def test_final_step_equals_finite_differences_of_the_return(seed):
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.05, 0.95, size=(2, 2))
    r = rng.uniform(-1, 1, size=(2, 2))
    gamma, mu0 = 0.9, np.array([0.3, 0.7])
    P = np.stack([p, 1 - p], axis=-1)
    theta = rng.standard_normal((2, 2))

    def J(logits):
        pi = softmax(logits, axis=1)
        P_pi = np.einsum("sa,sat->st", pi, P)
        return mu0 @ np.linalg.solve(np.eye(2) - gamma * P_pi, np.sum(pi * r, axis=1))

    h = 1e-6
    e = np.zeros((2, 2))
    e[0, 0] = h
    fd = (J(theta + e) - J(theta - e)) / (2 * h)

    pi = softmax(theta, axis=1)
    P_pi = np.einsum("sa,sat->st", pi, P)
    M = np.eye(2) - gamma * P_pi
    V = np.linalg.solve(M, np.sum(pi * r, axis=1))
    d = np.linalg.solve(M.T, mu0)
    step = proofs_check.get(THEOREM).steps[proofs_check.get(THEOREM).step_index("logit-gradient-state-0")]
    values = {"gamma": gamma, "x0": pi[0, 0], "x1": pi[1, 0], "V0": V[0], "V1": V[1], "d0": d[0], "d1": d[1]}
    values.update({f"p{s}{a}": p[s, a] for s in range(2) for a in range(2)})
    values.update({f"r{s}{a}": r[s, a] for s in range(2) for a in range(2)})
    subs = {sym: values[sym.name] for sym in step.rhs.free_symbols}
    assert float(step.rhs.subs(subs)) == pytest.approx(fd, abs=FD_ATOL)
