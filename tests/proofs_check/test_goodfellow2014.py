"""Goodfellow et al. (2014), Proposition 1 and Theorem 1, checked step by step.

Reference values: D* = p_data/(p_data + p_g) (eq. (2)) and C(G) = -log 4 + 2 JSD (eq. (6)),
evaluated here with plain numpy, independently of the symbolic derivations.
"""

import numpy as np
import pytest
import sympy as sp

import proofs_check
from proofs_check import goodfellow2014 as g
from tests.proofs_check.derivation_checks import assert_every_step_checks, assert_registered, reports_fixture

PROP1 = "goodfellow2014/prop1-optimal-discriminator"
THM1 = "goodfellow2014/thm1-virtual-training-criterion"
BROKEN = "goodfellow2014/thm1-virtual-training-criterion-broken"

#: Lambdified p/(p + q) vs numpy's a/(a + b): same two float ops, possibly reassociated by
#: sympy; a few ulps relative.
LAMBDIFY_D_RTOL = 1e-14
#: Lambdified C(G) vs -log 4 + 2 JSD in numpy: different groupings of 2n <= 10 log terms of
#: size O(1) around a value of size ~log 4; rounding ~n eps relative, with margin.
LAMBDIFY_C_RTOL = 1e-12


reports = reports_fixture(PROP1, THM1)


@pytest.mark.parametrize("derivation_id", [PROP1, THM1])
def test_derivation_checks(reports, derivation_id):
    assert_every_step_checks(reports[derivation_id], "Goodfellow et al. (2014)")


@pytest.mark.parametrize("derivation_id", [PROP1, THM1])
def test_format_shows_every_step(reports, derivation_id):
    d = proofs_check.get(derivation_id)
    text = reports[derivation_id].format()
    assert text.splitlines()[1].startswith("Source: Goodfellow et al. (2014)")
    for k, step in enumerate(d.steps, start=1):
        assert f"  {k}. [ok]   {step.name}: {step.statement}" in text
    assert text.splitlines()[-2].startswith("OK: all")


def test_registered_by_default():
    assert_registered({PROP1, THM1}, BROKEN)


def test_prop1_covers_the_paper_argument():
    names = [s.name for s in proofs_check.get(PROP1).steps]
    for needed in ("first-derivative", "stationary-point", "second-derivative",
                   "strictly-concave", "global-maximum", "eq2-optimal-discriminator",
                   "edge-b0-supremum"):
        assert needed in names


def test_thm1_covers_eqs_4_to_6_and_the_equality_case():
    d = proofs_check.get(THM1)
    names = [s.name for s in d.steps]
    for needed in ("eq4-value-at-optimal-d", g.BROKEN_STEP, "eq6-jensen-shannon",
                   "c-at-least-minus-log4", "jsd-zero-if-equal", "jsd-positive-if-unequal"):
        assert needed in names
    bound = d.steps[d.step_index("c-at-least-minus-log4")]
    assert bound.relation == ">=" and bound.rhs == -sp.log(4)


# --------------------------------------------------------------------------- broken examples


def test_broken_example_stops_at_the_wrong_step():
    d = g.broken_example()
    assert d is proofs_check.get(BROKEN)
    rep = d.check()
    wrong = d.step_index(g.BROKEN_STEP)
    assert not rep.ok
    assert rep.first_failure == wrong
    res = rep.results[wrong]
    assert res.status == "disproved"
    assert "simplifies to -log(2), not to 0" in res.reason
    assert "counterexample at p1=" in res.reason
    assert g.BROKEN_STEP in rep.summary
    assert f"{wrong + 1}. [FAIL] {g.BROKEN_STEP}" in rep.format()
    # every other step still checks: the failure is the one planted
    assert [k for k, r in enumerate(rep.results) if not r.ok] == [wrong]


def test_broken_inequality_gets_a_counterexample_and_blocks_its_users():
    d = proofs_check.get(THM1)
    flipped = d.replace_step("lemma-log", relation="<=")  # log t <= 1 - 1/t is false
    rep = flipped.check()
    lemma = d.step_index("lemma-log")
    assert rep.first_failure == lemma
    assert "counterexample at t=" in rep.results[lemma].reason
    user = rep.results[d.step_index("jsd-nonnegative")]
    assert not user.ok and "'lemma-log'" in user.reason


def test_concavity_sign_flip_is_caught():
    d = proofs_check.get(PROP1).replace_step("strictly-concave", relation=">")
    rep = d.check()
    assert rep.first_failure == d.step_index("strictly-concave")
    assert rep.results[rep.first_failure].status == "disproved"


# --------------------------------------------------------------------------- helpers


def test_symbolic_optimal_discriminator_matches_eq2():
    D = g.symbolic_optimal_discriminator()
    p_data, p_g = D.variables
    assert sp.simplify(D.expr - p_data / (p_data + p_g)) == 0
    rng = np.random.default_rng(0)
    a, b = rng.uniform(0.01, 5.0, size=(2, 50))
    f = sp.lambdify(D.variables, D.expr, "numpy")
    np.testing.assert_allclose(f(a, b), a / (a + b), rtol=LAMBDIFY_D_RTOL)


def _jsd(p, q):
    m = (p + q) / 2
    return 0.5 * np.sum(p * np.log(p / m)) + 0.5 * np.sum(q * np.log(q / m))


@pytest.mark.parametrize("n", [2, 3, 5])
def test_symbolic_c_of_g_is_minus_log4_plus_2jsd(n):
    C = g.symbolic_c_of_g(n)
    assert len(C.variables) == 2 * n
    f = sp.lambdify(C.variables, C.expr, "numpy")
    rng = np.random.default_rng(n)
    for _ in range(5):
        p, q = rng.dirichlet(np.ones(n), size=2)
        np.testing.assert_allclose(f(*p, *q), -np.log(4) + 2 * _jsd(p, q), rtol=LAMBDIFY_C_RTOL)
    np.testing.assert_allclose(f(*p, *p), -np.log(4), rtol=LAMBDIFY_C_RTOL)


def test_symbolic_c_of_g_input():
    with pytest.raises(ValueError, match="`n`"):
        g.symbolic_c_of_g(1)
    with pytest.raises(TypeError, match="`n`"):
        g.symbolic_c_of_g(2.0)
