"""Semi-supervised GAN and feature matching derivations (proofs_check.semi_supervised).

Reference values, independent of the symbolic steps: the numpy closed forms of
theory.semi_supervised, evaluated at random logits and probabilities against the lambdified
sympy expressions (built from the K+1 softmax, not from the numpy code).  Negative controls:
a discriminator Z/(Z + K), a loss with the two log terms swapped, a feature matching direction
that moves the mean, and a nonzero fake logit must each fail at their step.
"""

import numpy as np
import pytest
import sympy as sp

import proofs_check
from proofs_check import semi_supervised as ss
from tests.proofs_check.derivation_checks import assert_every_step_checks, assert_registered, reports_fixture
from theory.semi_supervised import ssgan_class_probabilities, ssgan_discriminator
from theory.semi_supervised import ssgan_unsupervised_loss

SSGAN = "salimans2016/ssgan-fixed-fake-logit"
FM = "salimans2016/feature-matching-fixed-points"

#: Lambdified sympy expressions against the numpy forms (log-sum-exp / log_softmax routes) with
#: logits in [-5, 5]: a few ulps of each exp/log, relative.
LAMBDIFY_RTOL = 1e-12


reports = reports_fixture(SSGAN, FM)


def test_registered():
    assert_registered({SSGAN, FM})


@pytest.mark.parametrize("derivation_id", [SSGAN, FM])
def test_every_step_checks(reports, derivation_id):
    assert_every_step_checks(reports[derivation_id])


def test_the_papers_statements_are_covered():
    names = {s.name for s in proofs_check.get(SSGAN).steps}
    assert {"shift-invariance-real-class-1", "shift-invariance-fake-class",
            "fake-probability-at-zero-logit", "discriminator-z-over-z-plus-1",
            "unsupervised-loss-is-gan-loss", "optimal-d-is-goodfellow"} <= names
    assert {"same-feature-mean", "objective-zero", "distributions-differ"} <= {
        s.name for s in proofs_check.get(FM).steps}


def test_symbolic_forms_match_the_numpy_closed_forms():
    S = ss.ssgan_symbols()
    l, pd, pg = S["l"], S["pd"], S["pg"]
    D = sp.lambdify(l, S["D"], "numpy")
    probs = sp.lambdify(l, S["probs"](l, 0), "numpy")
    fake0 = S["probs"](l, 0)[-1]
    unsup = sp.lambdify((*l, pd, pg), -(pd * sp.log(1 - fake0) + pg * sp.log(fake0)), "numpy")
    rng = np.random.default_rng(0)
    for _ in range(20):
        lg = rng.uniform(-5, 5, size=3)
        assert ssgan_discriminator(lg) == pytest.approx(D(*lg), rel=LAMBDIFY_RTOL)
        assert np.allclose(ssgan_class_probabilities(lg), probs(*lg), rtol=LAMBDIFY_RTOL, atol=0)
        lg2 = rng.uniform(-5, 5, size=3)
        a, b = rng.uniform(0.05, 0.95, size=2)
        # two inputs: the loss is the sum of the per-input sympy losses with their weights
        got = ssgan_unsupervised_loss(np.stack([lg, lg2]), [a, 1 - a], [b, 1 - b])
        assert got == pytest.approx(unsup(*lg, a, b) + unsup(*lg2, 1 - a, 1 - b), rel=LAMBDIFY_RTOL)


# --------------------------------------------------------------------------- negative controls
def _alone(derivation_id, step_name, **changes):
    d = proofs_check.get(derivation_id).replace_step(step_name, **changes)
    return d.steps[d.step_index(step_name)].check()


def test_wrong_discriminator_fails():
    S = ss.ssgan_symbols()
    res = _alone(SSGAN, "discriminator-z-over-z-plus-1", rhs=S["Z"] / (S["Z"] + 3))
    assert res.status == "disproved", res.reason


def test_swapped_loss_terms_fail():
    S = ss.ssgan_symbols()
    Dp = S["Z"] / (S["Z"] + 1)
    swapped = -(S["pd"] * sp.log(1 - Dp) + S["pg"] * sp.log(Dp))
    res = _alone(SSGAN, "unsupervised-loss-is-gan-loss", rhs=swapped)
    assert res.status == "disproved", res.reason


def test_nonzero_fake_logit_breaks_the_formula():
    # with l_{K+1} = f free, p(K+1|x) = e^f/(Z + e^f), not 1/(Z + 1)
    S = ss.ssgan_symbols()
    res = _alone(SSGAN, "fake-probability-at-zero-logit", lhs=S["probs"](S["l"], S["f"])[-1])
    assert res.status == "disproved", res.reason


def test_direction_that_moves_the_mean_fails():
    p0, p1, p2 = sp.symbols("p0 p1 p2", positive=True)
    t = sp.Symbol("t", positive=True)
    moved = (p0 + t) * 0 + (p1 - 2 * t) * 1 + (p2 + 2 * t) * 2     # direction (1, -2, 2): mean + 2t
    res = _alone(FM, "same-feature-mean", lhs=moved)
    assert res.status == "disproved", res.reason
