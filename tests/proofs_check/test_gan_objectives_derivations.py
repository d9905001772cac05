"""LSGAN, f-GAN and EBGAN derivations (proofs_check.gan_objectives), checked step by step.

Reference values, independent of the symbolic derivations: the numpy closed forms of
theory.gan_objectives (evaluated at random points against the lambdified sympy expressions,
which are typed from the papers' tables, not from the numpy code).  Negative controls: each
derivation with one wrong step (a different χ² convention, wrong labels, a critic with p and q
swapped, the minimum of Lemma 1 at the wrong end) must fail at that step.
"""

import numpy as np
import pytest
import sympy as sp

import proofs_check
from proofs_check import gan_objectives as go
from tests.proofs_check.derivation_checks import assert_every_step_checks, assert_registered, reports_fixture
from theory.gan_objectives import FGAN_FAMILIES, lsgan_optimal_discriminator

LSGAN_D = "mao2017/lsgan-optimal-discriminator"
LSGAN_CHI2 = "mao2017/lsgan-pearson-chi2"
FGAN = "nowozin2016/fenchel-optimal-critic"
EBGAN = "zhao2017/ebgan-pointwise-minimum"
ALL = (LSGAN_D, LSGAN_CHI2, FGAN, EBGAN)

#: Lambdified sympy expressions vs the numpy forms of theory.gan_objectives: the same functions
#: written differently (expm1/log1p forms against the printed ones) at arguments of size <= ~50,
#: a few ulps each; 1e-12 relative with the same absolute floor near zero.
LAMBDIFY_RTOL = 1e-12


reports = reports_fixture(*ALL)


def test_registered():
    assert_registered(ALL)


@pytest.mark.parametrize("derivation_id", ALL)
def test_every_step_checks(reports, derivation_id):
    assert_every_step_checks(reports[derivation_id])


def test_the_papers_arguments_are_covered():
    names = {i: {s.name for s in proofs_check.get(i).steps} for i in ALL}
    assert {"stationary-point", "strictly-convex", "global-minimum",
            "paper-optimal-discriminator"} <= names[LSGAN_D]
    assert {"two-c-per-atom", "labels-b-c-1-b-a-2", "chi2-mixture-denominator", "masses-are-2",
            "two-c-any-labels", "two-c-paper-labels"} <= names[LSGAN_CHI2]
    for fam in go.FAMILIES:
        assert {f"{fam}-critic-is-f-prime", f"{fam}-tight-at-critic",
                f"{fam}-stationary-at-critic", f"{fam}-conjugate-strictly-convex"} <= names[FGAN]
    assert {"gan-family-is-goodfellow-c", "gan-bound-is-gan-value"} <= names[FGAN]
    assert {"a-lt-b-min-at-m-inside", "a-gt-b-min-at-0-inside", "sum-of-minima",
            "constant-d-value-m"} <= names[EBGAN]


# --------------------------------------------------------------------------- negative controls


def _fails_alone(derivation_id, step_name, **changes):
    """The step, altered, checked on its own: its verdict."""
    d = proofs_check.get(derivation_id).replace_step(step_name, **changes)
    return d.steps[d.step_index(step_name)].check()


def test_wrong_chi2_convention_fails():
    # The paper's χ²_Pearson(p_d + p_g ‖ 2 p_g) read with the second argument in the
    # denominator (pearson_chi2's convention) is not the LSGAN integral.
    p, q = sp.symbols("p q", positive=True)
    wrong = ((p + q) - 2 * q) ** 2 / (2 * q)
    res = _fails_alone(LSGAN_CHI2, "chi2-mixture-denominator", rhs=wrong)
    assert res.status == "disproved", res.reason


def test_wrong_labels_fail():
    # b - a = 1 instead of 2 (a = c) does not give the printed integrand.
    a, b, c = sp.symbols("a b c", real=True)
    step = proofs_check.get(LSGAN_CHI2).steps[
        proofs_check.get(LSGAN_CHI2).step_index("labels-b-c-1-b-a-2")]
    res = _fails_alone(LSGAN_CHI2, "labels-b-c-1-b-a-2",
                       lhs=sp.Subs(step.lhs.args[0], (b, a), (c + 1, c)))
    assert res.status == "disproved", res.reason


def test_swapped_labels_in_d_star_fail():
    p, q = sp.symbols("p q", positive=True)
    a, b = sp.symbols("a b", real=True)
    res = _fails_alone(LSGAN_D, "paper-optimal-discriminator", rhs=(a * p + b * q) / (p + q))
    assert res.status == "disproved", res.reason


def test_critic_with_p_and_q_swapped_fails():
    # Pearson's critic written with q/p instead of p/q is not f'(p/q).
    u = sp.Symbol("u", positive=True)
    res = _fails_alone(FGAN, "pearson_chi2-critic-is-f-prime", lhs=2 * (1 / u - 1))
    assert res.status == "disproved", res.reason


def test_js_family_is_not_the_half_convention_jsd():
    p, q = sp.symbols("p q", positive=True)
    d = proofs_check.get(FGAN)
    step = d.steps[d.step_index("js-family-is-twice-jsd")]
    res = _fails_alone(FGAN, "js-family-is-twice-jsd", rhs=step.rhs / 2)
    assert res.status == "disproved", res.reason


def test_lemma1_minimum_at_the_wrong_end_fails():
    # With a > b the minimum is at 0 (value b m); claiming φ >= a m on [0, m] is false.
    a, b, m = sp.symbols("a b m", positive=True)
    res = _fails_alone(EBGAN, "a-gt-b-min-at-0-inside", rhs=a * m)
    assert res.status == "disproved", res.reason
    assert "counterexample" in res.reason


# --------------------------------------------------------------------------- numeric links


def test_symbolic_d_star_matches_theory():
    D = go.symbolic_lsgan_discriminator()
    f = sp.lambdify(D.variables, D.expr, "numpy")
    rng = np.random.default_rng(0)
    p, q = rng.uniform(0.01, 1.0, size=(2, 40))
    a, b = rng.uniform(-3.0, 3.0, size=2)
    np.testing.assert_allclose(lsgan_optimal_discriminator(p, q, a=a, b=b), f(p, q, a, b),
                               rtol=LAMBDIFY_RTOL, atol=LAMBDIFY_RTOL)


@pytest.mark.parametrize("name", sorted(go.FAMILIES))
def test_symbolic_table_matches_theory_table(name):
    # proofs_check's Table 1/2 rows (as printed) against theory's numpy FGAN_FAMILIES.
    row, fam = go.FAMILIES[name], FGAN_FAMILIES[name]
    u_sym, t_sym = sp.Symbol("u", positive=True), sp.Symbol("t", real=True)
    u = np.array([0.02, 0.3, 1.0, 1.7, 9.0])
    np.testing.assert_allclose(fam.f(u), sp.lambdify(u_sym, row["f"], "numpy")(u),
                               rtol=LAMBDIFY_RTOL, atol=LAMBDIFY_RTOL)
    np.testing.assert_allclose(fam.f_prime(u), sp.lambdify(u_sym, row["T"], "numpy")(u),
                               rtol=LAMBDIFY_RTOL, atol=LAMBDIFY_RTOL)
    t = fam.f_prime(u)   # interior points of dom f*
    np.testing.assert_allclose(fam.conjugate(t), sp.lambdify(t_sym, row["conj"], "numpy")(t),
                               rtol=LAMBDIFY_RTOL, atol=LAMBDIFY_RTOL)
    assert fam.domain_upper == float(row["upper"])
