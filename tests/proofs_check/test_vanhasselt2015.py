"""van Hasselt et al. (2016) Theorem 1 / appendix Theorem 2 and van Hasselt (2010), checked
step by step; broken steps must be caught.

Reference values for the symbolic helpers: Theorem 1's tight example and (m - 1)/(m + 1),
evaluated with plain numpy, independently of the derivations.
"""

import numpy as np
import pytest
import sympy as sp

import proofs_check
from proofs_check import vanhasselt2015 as v
from tests.proofs_check.derivation_checks import assert_every_step_checks, assert_registered, reports_fixture

THM1 = "vanhasselt2015/thm1-overestimation-bound"
DOUBLE = "vanhasselt2015/thm1-double-estimate-zero-error"
THM2 = "vanhasselt2015/thm2-uniform-expected-max"
UNDER = "vanhasselt2015/double-estimator-underestimates"
BROKEN = "vanhasselt2015/thm1-overestimation-bound-broken"
ALL = [THM1, DOUBLE, THM2, UNDER]

#: Lambdified sqrt/rational expressions against numpy's: a few ulps relative.
LAMBDIFY_RTOL = 1e-14


reports = reports_fixture(*ALL)


@pytest.mark.parametrize("derivation_id", ALL)
def test_derivation_checks(reports, derivation_id):
    assert_every_step_checks(reports[derivation_id], "van Hasselt")


def test_registry():
    assert_registered(ALL, BROKEN)


def test_thm1_covers_the_appendix_argument():
    d = proofs_check.get(THM1)
    names = [s.name for s in d.steps]
    for needed in ("tight-sum", "tight-mean-square", v.BROKEN_STEP, "n-at-most-m-minus-1",
                   "positives-sum", "negatives-sum", "largest-negative", "hoelder",
                   "negatives-squares", "positives-squares", "total-squares", "n-factor",
                   "contradiction"):
        assert needed in names
    last = d.steps[-1]
    assert last.relation == "<" and [i.lemma for i in last.by] == ["total-squares", "n-factor"]


# --------------------------------------------------------------------------- broken steps


def test_broken_example_stops_at_the_wrong_step():
    d = v.broken_example()
    assert d is proofs_check.get(BROKEN)
    rep = d.check()
    wrong = d.step_index(v.BROKEN_STEP)
    assert rep.first_failure == wrong
    res = rep.results[wrong]
    assert res.status == "disproved"
    assert "counterexample at C=" in res.reason
    assert [k for k, r in enumerate(rep.results) if not r.ok] == [wrong]


def test_wrong_counting_bound_is_caught_and_blocks_the_conclusion():
    # n (n + 1) <= (m - 1)^2 instead of (m - 1) m: false for n = m - 1
    d = proofs_check.get(THM1)
    n_factor = d.steps[d.step_index("n-factor")]
    k = next(s for s in n_factor.rhs.free_symbols if s.name == "k")
    n = next(s for s in n_factor.rhs.free_symbols if s.name == "n")
    C = next(s for s in n_factor.rhs.free_symbols if s.name == "C")
    broken = d.replace_step("n-factor", rhs=C * (n + k))
    rep = broken.check()
    i = d.step_index("n-factor")
    assert rep.first_failure == i
    # false only at k = 0 (n = m - 1), which the random points may miss: sympy cannot prove
    # it, and that is enough to fail the step
    assert rep.results[i].status in ("disproved", "unproved")
    last = rep.results[d.step_index("contradiction")]
    assert not last.ok and "'n-factor'" in last.reason


def test_non_strict_hypothesis_cannot_give_the_strict_contradiction():
    # without t > 0 (max error <= b allowed), the strict inequality is not provable:
    # the tight example itself has sum of squares exactly m C
    d = proofs_check.get(THM1)
    t = sp.Symbol("t", positive=True)
    t0 = sp.Symbol("t", nonnegative=True)
    steps = [s if s.name != "positives-squares" else
             s.__class__(s.name, s.lhs.xreplace({t: t0}), s.rhs, s.relation, s.assumptions,
                         s.justification)
             for s in d.steps]
    rep = proofs_check.Derivation(d.id, d.title, d.source, steps).check()
    i = d.step_index("positives-squares")
    assert rep.first_failure == i and not rep.results[i].ok


def test_flipped_hoelder_is_caught():
    d = proofs_check.get(THM1).replace_step("hoelder", relation=">")
    rep = d.check()
    assert rep.first_failure == d.step_index("hoelder")
    assert rep.results[rep.first_failure].status == "disproved"


def test_wrong_uniform_formula_is_caught():
    d = proofs_check.get(THM2)
    m = sp.Symbol("m", positive=True, integer=True)
    rep = d.replace_step("expected-max", rhs=(m - 1) / m).check()
    assert rep.first_failure == d.step_index("expected-max")
    assert rep.results[rep.first_failure].status in ("disproved", "unproved")


def test_double_estimator_step_needs_the_best_action():
    # claiming the double estimate exceeds the max is disproved
    d = proofs_check.get(UNDER).replace_step("bias-nonpositive", relation=">=")
    rep = d.check()
    assert rep.first_failure == d.step_index("bias-nonpositive")


# --------------------------------------------------------------------------- helpers


def test_symbolic_tight_example_matches_numpy():
    f = v.symbolic_tight_example()
    C, m = f.variables
    g = sp.lambdify((C, m), f.expr, "numpy")
    for c, k in [(1.0, 2), (2.5, 7), (0.1, 300)]:
        pos, last = g(c, k)
        assert pos == pytest.approx(np.sqrt(c / (k - 1)), rel=LAMBDIFY_RTOL)
        assert last == pytest.approx(-np.sqrt((k - 1) * c), rel=LAMBDIFY_RTOL)


def test_symbolic_uniform_expected_max_matches_the_rational_function():
    f = v.symbolic_uniform_expected_max()
    ms = np.arange(1, 60)
    got = sp.lambdify(f.variables, f.expr, "numpy")(ms.astype(float))
    np.testing.assert_allclose(got, (ms - 1) / (ms + 1), rtol=LAMBDIFY_RTOL, atol=0)
