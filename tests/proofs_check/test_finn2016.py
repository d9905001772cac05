"""Finn et al. (2016), the three facts of Section 3.2, checked step by step.

Besides the checker's verdicts, the symbolic expressions are evaluated numerically and
compared with values computed here in plain numpy from the formulas (not with theory.irl),
and deliberately broken steps must be caught.
"""

import dataclasses

import numpy as np
import pytest
import sympy as sp

import proofs_check
from proofs_check import finn2016 as f
from tests.proofs_check.derivation_checks import assert_every_step_checks, assert_registered, reports_fixture

FIXED = "finn2016/partition-fixed-point"
GRAD = "finn2016/gradient-equivalence"
GEN = "finn2016/generator-loss"
BROKEN = "finn2016/partition-fixed-point-broken"

#: sympy's lambdified expression vs numpy's from the formula: the same rational functions
#: of O(1) numbers, evaluated in different orders: a few ulps relative.
LAMBDIFY_RTOL = 1e-12


reports = reports_fixture(FIXED, GRAD, GEN)


@pytest.mark.parametrize("derivation_id", [FIXED, GRAD, GEN])
def test_derivation_checks(reports, derivation_id):
    assert_every_step_checks(reports[derivation_id], "Finn, Christiano, Abbeel & Levine (2016)")


def test_registered_and_example_hidden():
    assert_registered({FIXED, GRAD, GEN}, BROKEN)


def test_steps_cover_the_argument():
    names = {i: [s.name for s in proofs_check.get(i).steps] for i in (FIXED, GRAD, GEN)}
    for needed in ("derivative-in-log-z", "stationarity-is-half", "convex-in-log-z",
                   f.BROKEN_STEP, "true-z-fixed-point-when-data-is-model",
                   "true-z-fixed-point-when-sampler-is-model"):
        assert needed in names[FIXED]
    for needed in ("discriminator-gradient", "irl-gradient-weights-fixed",
                   "irl-gradient-at-mu-tilde", "difference", "equal-at-fixed-point"):
        assert needed in names[GRAD]
    for needed in ("generator-loss", "sampler-loss-is-kl", "kl-nonnegative",
                   "minimizer-is-maxent"):
        assert needed in names[GEN]


def test_broken_example_differs_in_one_step_which_fails():
    good, bad = proofs_check.get(FIXED), proofs_check.get(BROKEN)
    assert [s.name for s in good.steps] == [s.name for s in bad.steps]
    differ = [g.name for g, b in zip(good.steps, bad.steps) if g != b]
    assert differ == [f.BROKEN_STEP]
    # the good steps are checked in test_derivation_checks; the altered one must fail
    result = bad.steps[bad.step_index(f.BROKEN_STEP)].check()
    assert result.status == "disproved" and result.counterexample


@pytest.mark.parametrize("derivation_id, step, change", [
    # a sign error on the sampler term of the discriminator gradient
    (GRAD, "discriminator-gradient",
     lambda s: {"rhs": s.rhs.subs(sp.Symbol("w1", positive=True), -sp.Symbol("w1", positive=True))}),
    # forget log Z in the generator loss
    (GEN, "generator-loss", lambda s: {"rhs": s.rhs - sp.log(sp.Symbol("Z", positive=True))}),
    # the discriminator without Z: D = e/(e + q)
    (FIXED, "discriminator", lambda s: {"rhs": s.rhs.subs(sp.Symbol("Z", positive=True), 1)}),
])
def test_broken_steps_are_caught(derivation_id, step, change):
    d = proofs_check.get(derivation_id)
    s = d.steps[d.step_index(step)]
    bad = dataclasses.replace(s, **change(s))
    assert bad.check().status == "disproved"


# --------------------------------------------------------------------------- numeric cross-checks


def _numeric_setting(seed):
    rng = np.random.default_rng(seed)
    c = rng.normal(size=f.N_ATOMS)
    q = rng.dirichlet(np.ones(f.N_ATOMS))
    p = rng.dirichlet(np.ones(f.N_ATOMS))
    w = rng.dirichlet(np.ones(f.N_ATOMS))
    z = rng.uniform(0.3, 3.0)
    return c, q, p, w, z


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_symbolic_z_hat_and_curvature_evaluate_to_the_formulas(seed):
    e_s, q_s, p_s, w_s, z_s = f._setting()
    z_hat = sp.lambdify((*e_s, *q_s, *p_s, *w_s, z_s), f._z_hat(e_s, q_s, p_s, w_s, z_s))
    c, q, p, w, z = _numeric_setting(seed)
    e = np.exp(-c)
    mu = (p + w) / 2
    want = np.sum(mu * e / ((e / z + q) / 2))
    got = z_hat(*e, *q, *p, *w, z)
    assert abs(got - want) <= LAMBDIFY_RTOL * abs(want)
    # the derivative-in-log-z step's rhs vs 1 - 2 E_mu[D] (step 4) numerically
    d = proofs_check.get(FIXED)
    st = d.steps[d.step_index("derivative-in-log-z")]
    fn = sp.lambdify((*e_s, *q_s, *p_s, *w_s, z_s), st.rhs)
    dd = e / (e + z * q)
    assert abs(fn(*e, *q, *p, *w, z) - (1 - 2 * np.sum(mu * dd))) <= LAMBDIFY_RTOL


def test_generator_step_evaluates_to_the_formula():
    d = proofs_check.get(GEN)
    st = d.steps[d.step_index("generator-loss")]
    syms = sorted(st.lhs.free_symbols, key=lambda s: s.name)
    fn = sp.lambdify(syms, st.lhs)
    c, q, _, w, z = _numeric_setting(5)
    values = {"Z": z} | {f"c{i + 1}": c[i] for i in range(3)} | {
        f"q{i + 1}": q[i] for i in range(3)} | {f"w{i + 1}": w[i] for i in range(3)}
    got = fn(*(values[s.name] for s in syms))
    dd = (np.exp(-c) / z) / (np.exp(-c) / z + q)
    want = np.sum(w * (np.log(1 - dd) - np.log(dd)))
    assert abs(got - want) <= LAMBDIFY_RTOL * max(1.0, abs(want))
