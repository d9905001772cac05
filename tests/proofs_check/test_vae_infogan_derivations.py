"""The Kingma & Welling (2014) and Chen et al. (2016) derivations of proofs_check.vae/.infogan.

Each registered derivation must check; the broken example (a sign slip in Appendix B) must
fail at that step.  The symbolic closed forms, lambdified, are compared with theory.vae and
theory.infogan on random points (two routes: sympy expressions typed from the papers and
integrated by sympy, against numpy code that works for any dimension).
"""

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import proofs_check
from proofs_check import infogan as pi_
from proofs_check import vae as pv
from tests.proofs_check.derivation_checks import (assert_every_step_checks, assert_fails_only_at,
                                                  assert_registered, reports_fixture)
from theory.infogan import infogan_bound_gap, infogan_lower_bound, mutual_information
from theory.vae import (
    gaussian_kl,
    linear_gaussian_elbo,
    linear_gaussian_elbo_gradient,
    linear_gaussian_log_marginal,
    linear_gaussian_posterior,
    reparameterized_gradient_variance,
    score_function_gradient_variance,
)

IDS = [
    "kingma2014/elbo-decomposition-linear-gaussian-1d",
    "kingma2014/appendix-b-gaussian-kl",
    "kingma2014/gradient-estimators-1d",
    "chen2016/lemma5.1-swap",
    "chen2016/infogan-lower-bound",
]
BROKEN = "kingma2014/appendix-b-broken"

#: Lambdified sympy expressions vs numpy closed forms on the same float64 inputs (O(1) values,
#: logs of numbers >= 1e-2, squares of numbers <= 1e3): a few hundred ulps relative.
LAMBDIFY_RTOL = 1e-11
LAMBDIFY_ATOL = 1e-11


reports = reports_fixture(*IDS)


@pytest.mark.parametrize("derivation_id", IDS)
def test_derivation_checks(reports, derivation_id):
    assert_every_step_checks(reports[derivation_id])


def test_registered_by_default_and_the_broken_example_only_on_request():
    assert_registered(IDS, BROKEN)


def test_broken_example_stops_at_the_wrong_step():
    assert_fails_only_at(pv.broken_example().check(), pv.BROKEN_STEP)


def test_sources_cite_the_papers():
    assert "Appendix B" in proofs_check.get(IDS[1]).source
    assert "eqs. (1)-(3)" in proofs_check.get(IDS[0]).source
    assert "Section 2.2" in proofs_check.get(IDS[2]).source
    assert "Lemma 5.1" in proofs_check.get(IDS[3]).source
    assert "eqs. (4)-(5)" in proofs_check.get(IDS[4]).source


def test_gaussian_expectation_moments():
    e = sp.Symbol("e", real=True)
    assert pv.gaussian_expectation(e ** 6, e) == 15
    assert pv.gaussian_expectation(e ** 5 + 3, e) == 3
    with pytest.raises(sp.PolynomialError):
        pv.gaussian_expectation(sp.exp(e), e)


# ----------------------------------------------------------------------------- against theory.vae
@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_vae_closed_forms_match_theory(seed):
    rng = np.random.default_rng(seed)
    S, C = pv.symbols_1d(), pv.closed_forms_1d()
    vals = dict(x=rng.normal() * 2, b=rng.normal(), w=rng.normal() * 1.5, m=rng.normal(),
                sigma=float(np.exp(rng.uniform(-1, 1))), s=float(np.exp(rng.uniform(-1, 0.5))))
    args = [S[k] for k in vals]

    def num(expr):
        return float(sp.lambdify(args, expr, "numpy")(*vals.values()))

    x, b, m = [vals["x"]], [vals["b"]], [vals["m"]]
    W, sigma, s = [[vals["w"]]], vals["sigma"], vals["s"]
    close = dict(rel=LAMBDIFY_RTOL, abs=LAMBDIFY_ATOL)
    assert num(C["log_marginal"]) == pytest.approx(linear_gaussian_log_marginal(x, W, b, sigma), **close)
    mean, cov = linear_gaussian_posterior(x, W, b, sigma)
    assert num(C["post_mean"]) == pytest.approx(mean[0], **close)
    assert num(C["post_var"]) == pytest.approx(cov[0, 0], **close)
    assert num(C["elbo"]) == pytest.approx(linear_gaussian_elbo(x, W, b, sigma, m, [[s * s]]), **close)
    assert num(C["kl_post"]) == pytest.approx(gaussian_kl(m, [[s * s]], mean, cov), **close)
    gm, gs = linear_gaussian_elbo_gradient(x, W, b, sigma, m, [s])
    assert num(C["grad_m"]) == pytest.approx(gm[0], **close)
    assert num(C["grad_s"]) == pytest.approx(gs[0], **close)
    for form in ("analytic", "sampled"):
        for sym, fn in ((C["var_rep"][form], reparameterized_gradient_variance),
                        (C["var_sf"][form], score_function_gradient_variance)):
            got = fn(x, W, b, sigma, m, [s], kl=form)
            for part in (0, 1):
                assert num(sym[part]) == pytest.approx(got[part][0], **close), (form, fn.__name__, part)


# ----------------------------------------------------------------------------- against theory.infogan
@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_infogan_closed_forms_match_theory(seed):
    rng = np.random.default_rng(seed)
    d = pi_.symbols_2x2()
    rho, u0, u1, q0, q1 = rng.uniform(0.02, 0.98, size=5)
    args = [d["rho"], *d["u"], *d["q"]]

    def num(expr):
        return float(sp.lambdify(args, expr, "numpy")(rho, u0, u1, q0, q1))

    # the same joint law in theory.infogan's layouts
    joint = np.array([[rho * u0, (1 - rho) * u1], [rho * (1 - u0), (1 - rho) * (1 - u1)]])
    p_c = joint.sum(axis=1)
    p_x_given_c = joint / p_c[:, None]
    q = np.array([[q0, q1], [1 - q0, 1 - q1]])
    close = dict(rel=LAMBDIFY_RTOL, abs=LAMBDIFY_ATOL)
    assert num(d["mi"]) == pytest.approx(mutual_information(p_c, p_x_given_c), **close)
    assert num(d["l_i"]) == pytest.approx(infogan_lower_bound(p_c, p_x_given_c, q), **close)
    assert num(d["gap"]) == pytest.approx(infogan_bound_gap(p_c, p_x_given_c, q), **close)
