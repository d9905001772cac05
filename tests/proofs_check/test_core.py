"""The derivation core: each kind of step is proved, disproved or left unproved as it should.

Expected verdicts come from elementary mathematics stated beside each case.
"""

import json

import pytest
import sympy as sp

import proofs_check
from proofs_check import Derivation, Instance, Step
from proofs_check.core import (LEMMA_T, DuplicateDerivationError, DuplicateRegistrationError,
                               derivation, log_lower_lemma, log_upper_lemma,
                               stationary_point_function)

x, y, t = sp.symbols("x y t", positive=True)
r = sp.Symbol("r", real=True)


# --------------------------------------------------------------------------- equalities


class TestEquality:
    def test_true_equality_is_proved(self):
        res = Step("product-rule", sp.log(x * y), sp.log(x) + sp.log(y)).check()
        assert res.ok and res.status == "proved"
        assert "simplifies to 0" in res.reason

    def test_false_equality_gets_a_counterexample(self):
        res = Step("wrong", sp.log(x * y), sp.log(x) - sp.log(y)).check()
        assert not res.ok and res.status == "disproved"
        assert "counterexample at x=" in res.reason
        # the counterexample is real: evaluate both sides at the reported point
        point = {x: sp.Rational(res.counterexample["x"]), y: sp.Rational(res.counterexample["y"])}
        lhs = sp.N(sp.log(x * y).subs(point))
        rhs = sp.N((sp.log(x) - sp.log(y)).subs(point))
        assert abs(lhs - rhs) > 1e-6

    def test_constant_difference_is_named(self):
        res = Step("log4", sp.log(4), sp.log(2)).check()
        assert res.status == "disproved"
        assert "simplifies to log(2), not to 0" in res.reason

    def test_unevaluated_derivative_is_evaluated(self):
        assert Step("d", sp.Derivative(x * sp.log(x), x), sp.log(x) + 1).check().ok
        assert not Step("d", sp.Derivative(x * sp.log(x), x), sp.log(x)).check().ok

    def test_equality_constraint_is_used(self):
        # x log 2 + y log 2 = log 2 only on x + y = 1
        step = Step("c", x * sp.log(2) + y * sp.log(2), sp.log(2), assumptions=sp.Eq(x + y, 1))
        assert step.check().ok
        free = Step("c", x * sp.log(2) + y * sp.log(2), sp.log(2))
        assert free.check().status == "disproved"

    def test_solution_sets(self):
        eq = sp.ConditionSet(r, sp.Eq(r**2 - 3 * r + 2, 0), sp.S.Reals)
        assert Step("roots", eq, sp.FiniteSet(1, 2)).check().ok
        bad = Step("roots", eq, sp.FiniteSet(1, 3)).check()
        assert not bad.ok and "counterexample" in bad.reason


# --------------------------------------------------------------------------- inequalities


class TestInequality:
    def test_sign_decided_by_assumptions(self):
        assert Step("sq", r**2 + 1, 0, ">").check().ok

    def test_interval_condition_is_used(self):
        # y (1 - y) > 0 holds on (0, 1) and fails at y = 2
        inside = Step("in", r * (1 - r), 0, ">", assumptions=(0 < r, r < 1)).check()
        assert inside.ok
        outside = Step("out", r * (1 - r), 0, ">").check()
        assert outside.status == "disproved" and "counterexample at r=" in outside.reason

    def test_single_variable_by_derivative(self):
        res = Step("gibbs", sp.log(t), 1 - 1 / t, ">=").check()
        assert res.ok and "derivative" in res.reason

    def test_strict_needs_strict_domain(self):
        # log t > 1 - 1/t fails at t = 1 only: on (0, 1) it is provable, on t > 0 it is not
        assert Step("s", sp.log(t), 1 - 1 / t, ">", assumptions=t < 1).check().ok
        assert Step("s", sp.log(t), 1 - 1 / t, ">", assumptions=t > 1).check().ok
        assert not Step("s", sp.log(t), 1 - 1 / t, ">").check().ok

    def test_false_inequality_gets_a_counterexample(self):
        res = Step("flipped", sp.log(t), t - 1, ">=").check()  # log t <= t - 1, not >=
        assert res.status == "disproved"
        assert "counterexample at t=" in res.reason
        assert set(res.counterexample) == {"t", "lhs", "rhs"}

    def test_false_everywhere_is_disproved_by_sign(self):
        res = Step("neg", r**2, 0, "<").check()
        assert res.status == "disproved"

    def test_true_but_unprovable_is_not_passed(self):
        # a log(2a/(a+b)) >= (a-b)/2 is true (log s >= 1 - 1/s at s = 2a/(a+b)) but out of
        # reach of the sign rules with two variables: it must be reported, not passed
        res = Step("hard", x * sp.log(2 * x / (x + y)), (x - y) / 2, ">=").check()
        assert not res.ok
        assert res.status == "unproved"
        assert res.reason.startswith("could not prove")


# --------------------------------------------------------------------------- lemmas


def _pointwise(step_relation=">=", factor=x, lemma_rhs=1 - 1 / t):
    lemma = Step("lemma", sp.log(t), lemma_rhs, ">=")
    target = Step("pointwise", x * sp.log(2 * x / (x + y)), (x - y) / 2, step_relation,
                  by=Instance("lemma", {t: 2 * x / (x + y)}, factor=factor))
    return Derivation("demo/pointwise", "pointwise Gibbs", "test", [lemma, target])


class TestInstances:
    def test_instance_of_a_lemma_proves_the_hard_case(self):
        rep = _pointwise().check()
        assert rep.ok, rep.format()
        assert "from 'lemma'" in rep.results[1].reason

    def test_failing_lemma_fails_the_step_that_cites_it(self):
        rep = _pointwise(lemma_rhs=1 - t / 2).check()  # log t >= 1 - t/2 is false at t = 1
        assert rep.first_failure == 0
        assert not rep.results[1].ok
        assert "'lemma'" in rep.results[1].reason and "did not check" in rep.results[1].reason

    def test_factor_must_be_nonnegative(self):
        rep = _pointwise(factor=-x).check()
        assert rep.results[0].ok and not rep.results[1].ok
        assert "factor" in rep.results[1].reason

    def test_substitution_must_land_in_the_lemma_domain(self):
        lemma = Step("lemma", sp.log(t), 1 - 1 / t, ">=")
        target = Step("bad", sp.log(r), 1 - 1 / r, ">=", by=Instance("lemma", {t: r}))
        rep = Derivation("demo/domain", "domain", "test", [lemma, target]).check()
        assert not rep.results[1].ok
        assert "r > 0" in rep.results[1].reason


# --------------------------------------------------------------------------- derivations


class TestDerivation:
    def make(self):
        return Derivation("demo/mixed", "a mixed chain", "test", [
            Step("good", sp.log(x * y), sp.log(x) + sp.log(y), justification="log of a product"),
            Step("bad", sp.log(4), sp.log(2), justification="wrong on purpose"),
            Step("also-bad", sp.log(t), t - 1, ">="),
            Step("after", r**2, 0, ">="),
        ])

    def test_first_failure_and_every_step_reported(self):
        rep = self.make().check()
        assert not rep.ok
        assert rep.first_failure == 1
        assert [res.ok for res in rep.results] == [True, False, False, True]
        assert "step 2 ('bad')" in rep.summary

    def test_format(self):
        text = self.make().check().format()
        lines = text.splitlines()
        assert lines[0].startswith("a mixed chain") and lines[1] == "Source: test"
        assert "  1. [ok]   good: log(x*y) = log(x) + log(y)   (log of a product)" in lines
        assert any(line.startswith("  2. [FAIL] bad: log(4) = log(2)") for line in lines)
        assert "simplifies to log(2), not to 0" in text
        assert lines[-1].startswith("FAILED: step 2")

    def test_check_is_reproducible_and_serializable(self):
        d = self.make()
        a, b = d.check(seed=3), d.check(seed=3)
        assert a == b
        payload = json.loads(json.dumps(a.to_dict()))
        assert payload["first_failure"] == 1 and payload["ok"] is False

    def test_ok_derivation(self):
        d = Derivation("demo/ok", "ok", "test", [Step("s", sp.log(t), t - 1, "<=")])
        rep = d.check()
        assert rep.ok and rep.first_failure is None
        assert rep.format().splitlines()[-1] == "OK: all 1 steps check"


# --------------------------------------------------------------------------- bad input


class TestValidation:
    def test_relation(self):
        with pytest.raises(ValueError, match="`relation`"):
            Step("s", x, y, "=<")

    @pytest.mark.parametrize("bad", ["x +* 2", "x", object()])
    def test_lhs_must_be_sympy(self, bad):
        with pytest.raises(TypeError, match="`lhs`"):
            Step("s", bad, 1)

    def test_rhs_must_be_sympy(self):
        with pytest.raises(TypeError, match="`rhs`"):
            Step("s", 1, [1, 2])

    def test_sets_only_for_equalities(self):
        with pytest.raises(TypeError, match="`lhs`"):
            Step("s", sp.FiniteSet(1), sp.FiniteSet(1), "<=")

    @pytest.mark.parametrize("bad", ["x < 1", sp.Or(x < 1, y < 1), [1]])
    def test_assumptions(self, bad):
        with pytest.raises(TypeError, match="`assumptions`"):
            Step("s", x, 1, "<", assumptions=bad)

    def test_false_assumption(self):
        with pytest.raises(ValueError, match="`assumptions`"):
            Step("s", x, 1, "<", assumptions=(x < 0,))  # x is positive

    def test_name(self):
        with pytest.raises(ValueError, match="`name`"):
            Step(" ", x, 1)

    def test_step_with_lemmas_needs_its_derivation(self):
        step = Step("s", x, x, by=Instance("other"))
        with pytest.raises(ValueError, match="check it inside its Derivation"):
            step.check()

    def test_derivation_fields(self):
        s = Step("s", x, x)
        with pytest.raises(ValueError, match="`id`"):
            Derivation("no slash", "t", "src", [s])
        with pytest.raises(ValueError, match="used twice"):
            Derivation("demo/dup", "t", "src", [s, s])
        with pytest.raises(ValueError, match="not an earlier step"):
            Derivation("demo/fwd", "t", "src", [Step("a", x, x, by=Instance("b")), Step("b", x, x)])
        with pytest.raises(TypeError, match="`steps`"):
            Derivation("demo/type", "t", "src", ["not a step"])
        with pytest.raises(ValueError, match="`steps`"):
            Derivation("demo/empty", "t", "src", [])


# --------------------------------------------------------------------------- registry


class TestRegistry:
    def test_unknown_id(self):
        with pytest.raises(KeyError, match="no derivation with id 'nope/nothing'; known ids"):
            proofs_check.get("nope/nothing")

    def test_id_type(self):
        with pytest.raises(TypeError, match="`derivation_id`"):
            proofs_check.get(3)

    def test_ids_unique_and_match_their_derivations(self):
        all_ids = proofs_check.ids(include_examples=True)
        assert len(all_ids) == len(set(all_ids))
        for i in all_ids:
            d = proofs_check.get(i)
            assert d.id == i
            assert proofs_check.get(i) is d  # built once
        assert [d.id for d in proofs_check.all_derivations()] == proofs_check.ids()

    def test_examples_only_on_request(self):
        default = set(proofs_check.ids())
        everything = set(proofs_check.ids(include_examples=True))
        assert default < everything
        assert all(i.endswith("-broken") for i in everything - default)

    def test_duplicate_registration_is_refused(self):
        existing = proofs_check.ids()[0]
        with pytest.raises(ValueError, match="registered twice"):
            derivation(existing)(lambda: None)

    def test_both_registries_raise_one_catchable_error(self):
        # the claim registry uses the same guard: one except clause catches either duplicate
        from experiments.registry import DuplicateIdError

        assert issubclass(DuplicateIdError, DuplicateRegistrationError)
        assert issubclass(DuplicateDerivationError, DuplicateRegistrationError)
        with pytest.raises(DuplicateDerivationError) as info:
            derivation(proofs_check.ids()[0])(lambda: None)
        assert info.value.id == proofs_check.ids()[0] and "." in info.value.existing

    def test_bad_registry_id(self):
        with pytest.raises(ValueError, match="`id`"):
            derivation("Not An Id")


# --------------------------------------------------------------------------- shared lemmas, solves


class TestSharedLemmas:
    """log t <= t - 1 and log t >= 1 - 1/t (t > 0; strict on 0 < t < 1): elementary calculus."""

    @pytest.mark.parametrize("lemma", [log_upper_lemma(), log_lower_lemma(),
                                       log_lower_lemma("strict", strict=True)],
                             ids=["upper", "lower", "lower-strict"])
    def test_each_lemma_is_proved(self, lemma):
        assert lemma.check().ok

    def test_wrong_variants_fail(self):
        # negative controls: log t <= t - 2 fails at t = 1 (0 > -1); the strict lower bound
        # without t < 1 fails at t = 1, where both sides are 0
        assert not Step("wrong", sp.log(LEMMA_T), LEMMA_T - 2, "<=").check().ok
        assert not Step("wrong", sp.log(LEMMA_T), 1 - 1 / LEMMA_T, ">").check().ok

    def test_a_cited_lemma_proves_gibbs_for_two_atoms(self):
        # KL(p || q) >= 0 for p = (a, 1 - a), q = (b, 1 - b): p_i log(p_i/q_i) >= p_i - q_i
        a, b = sp.symbols("a b", positive=True)
        kl = a * sp.log(a / b) + (1 - a) * sp.log((1 - a) / (1 - b))
        dom = (a < 1, b < 1)
        d = Derivation("demo/gibbs", "KL >= 0", "folklore", [
            log_lower_lemma(),
            Step("kl", kl, 0, ">=", assumptions=dom,
                 by=(Instance("lemma-log", {LEMMA_T: a / b}, factor=a),
                     Instance("lemma-log", {LEMMA_T: (1 - a) / (1 - b)}, factor=1 - a))),
        ])
        assert d.check().ok


class TestStationaryPointFunction:
    def test_finds_the_one_root(self):
        # d/dy [a log y + log(1 - y)] = a/y - 1/(1 - y) = 0 at y = a/(1 + a)
        a, y = sp.symbols("a y", positive=True)
        f = stationary_point_function((a,), a * sp.log(y) + sp.log(1 - y), y)
        assert isinstance(f, sp.Lambda) and sp.simplify(f(a) - a / (1 + a)) == 0

    def test_two_roots_are_refused(self):
        # d/dr [r^3/3 - r] = r^2 - 1 has the two real roots -1 and 1
        with pytest.raises(RuntimeError, match="stationary point"):
            stationary_point_function((), r ** 3 / 3 - r, r)
