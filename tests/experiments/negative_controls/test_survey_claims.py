"""Negative controls for the claims of the rest of the GAN survey (issue 14: kingma2014, chen2016,
arora2017, zhu2017 and salimans2016's semi-supervised / feature matching / inception score
claims): for every fast claim, a wrong formula, a perturbed solver or an untrained network for
which the claim must fail; for each refuted claim, the one change that makes the printed
statement true, under which the refutation must collapse (``refuted`` parts turn ``fail``).

Each test patches one name with ``monkeypatch`` (undone afterwards); the claim modules' training
caches are cleared before and after each test.  Neural claims are run with training cut short
(a control then fails quickly, and what it must catch is stated in its comment).  The sympy
derivations are not what these controls perturb (proofs_check has its own broken examples), so
their evidence is replaced by a pass to keep each control fast.
"""

from __future__ import annotations

import inspect
import sys

import mpmath
import numpy as np
import pytest

from experiments.claims import arora2017, chen2016, kingma2014, salimans2016_ssgan, zhu2017
from experiments.registry import REGISTRY, Context, Evidence, combine_outcomes
from theory.gan_diagnostics import collision_probability_infimum

CACHED = (arora2017.trained_ring_gan, chen2016.trained_infogan, kingma2014.trained_linear_vae,
          kingma2014.trained_nonlinear_vae)


@pytest.fixture(autouse=True)
def _fresh_caches(monkeypatch):
    def passed(cls, *args, **kwargs):
        return Evidence.exact_match("every step checks", "skipped", passed=True, reason="skipped")

    monkeypatch.setattr(Evidence, "from_derivation", classmethod(passed))
    for f in CACHED:
        f.cache_clear()
    yield
    for f in CACHED:
        f.cache_clear()


def failing_parts(claim_id: str, seed: int = 0) -> set:
    parts = REGISTRY[claim_id].run(Context(seed=seed))
    return {k for k, v in parts.items() if not v.passed}


def assert_refutation_collapses(claim_id: str, patch) -> None:
    """The claim is refuted as registered; after ``patch`` every refuted part fails."""
    before = {k: v.outcome for k, v in REGISTRY[claim_id].run(Context(seed=0)).items()}
    assert combine_outcomes(before.values()) == "refuted", before
    refuted = {k for k, o in before.items() if o == "refuted"}
    assert refuted
    patch()
    after = {k: v.outcome for k, v in REGISTRY[claim_id].run(Context(seed=0)).items()}
    assert all(after[k] == "fail" for k in refuted), after
    assert combine_outcomes(after.values()) == "fail"


# ---------------------------------------------------------------------------- arora2017
def test_collision_probability_fails_for_the_poisson_approximation(monkeypatch):
    # 1 - exp(-C(M, 2) Σp²): the usual approximation, not the exact probability
    def poisson(p, m):
        p = np.asarray(p, float)
        return -np.expm1(-m * (m - 1) / 2 * np.sum(p * p, axis=-1))

    monkeypatch.setattr(arora2017, "collision_probability", poisson)
    assert {"enumeration", "uniform-exact-rationals"} <= failing_parts(arora2017.COLLISION)


def _valid_bound_mp(rho, N, M, version):
    # the exact infimum (a valid lower bound by construction) in place of either printed form
    with mpmath.workdps(50):
        return mpmath.mpf(float(collision_probability_infimum(float(rho), N, M)))


def test_survey_refutation_collapses_with_a_valid_bound(monkeypatch):
    def patch():
        monkeypatch.setattr(arora2017, "_bound_mp", _valid_bound_mp)
        monkeypatch.setattr(arora2017, "collision_lower_bound",
                            lambda rho, n, m, version="iclr2018": collision_probability_infimum(rho, n, m))

    assert_refutation_collapses(arora2017.SURVEY_BOUND, patch)


def test_iclr_refutation_collapses_with_a_valid_bound(monkeypatch):
    assert_refutation_collapses(arora2017.ICLR_BOUND,
                                lambda: monkeypatch.setattr(arora2017, "_bound_mp", _valid_bound_mp))


def test_iclr_m2_and_rho1_fail_for_the_survey_form(monkeypatch):
    # the survey form (M^2 rho / 2N) exceeds the M = 2 infimum rho^2/N and the rho = 1 birthday curve
    orig = arora2017.collision_lower_bound
    monkeypatch.setattr(arora2017, "collision_lower_bound",
                        lambda rho, n, m, version="iclr2018": orig(rho, n, m, version="survey"))
    assert {"m2-bound-below-infimum", "m2-random-distributions", "rho1-uniform"} <= failing_parts(arora2017.ICLR_HOLDS)


def test_infimum_fails_for_a_wrong_mixture(monkeypatch):
    # the birthday probability of N/rho uniform atoms instead of the binomial mixture
    monkeypatch.setattr(arora2017, "collision_probability_infimum",
                        lambda rho, n, m: arora2017.collision_probability_uniform(
                            np.maximum(np.round(np.asarray(n) / np.maximum(rho, 1e-3)).astype(int), 1), m))
    assert {"closed-form-m3-n1", "extremal-family-converges"} & failing_parts(arora2017.INFIMUM)


def test_support_categorical_fails_for_an_off_by_two_batch(monkeypatch):
    # the solver draws batches two samples larger than it reports
    orig = arora2017.birthday_test
    monkeypatch.setattr(arora2017, "birthday_test", lambda g, s, n, seed: orig(g, s + 2, n, seed))
    assert {"collision-counts-binomial", "uniform-support-recovered"} <= failing_parts(arora2017.SUPPORT_CATEGORICAL)


def test_support_neural_fails_with_the_data_label_law(monkeypatch):
    # the label law of the data (uniform on the 8 modes) instead of the generator's; training cut
    # to 20 steps for speed (the collapsed generator is then even further from uniform)
    monkeypatch.setattr(arora2017, "RING_STEPS", 20)
    monkeypatch.setattr(arora2017, "ring_label_law", lambda params: (np.full(8, 1 / 8), 0.0))
    assert "neural-collision-counts" in failing_parts(arora2017.SUPPORT_NEURAL)


# ---------------------------------------------------------------------------- zhu2017
def test_cyclegan_counts_fail_when_levels_are_ignored(monkeypatch):
    # K! whatever the probabilities: wrong for distinct levels and ties
    import math
    monkeypatch.setattr(zhu2017, "cyclegan_bijection_count", lambda px, py: math.factorial(len(px)))
    assert "bijection-count-closed-form" in failing_parts(zhu2017.ADVERSARIAL)
    assert "cycle-pairs-count" in failing_parts(zhu2017.CYCLE)


def test_cyclegan_optimal_set_fails_for_a_wrong_reference(monkeypatch):
    # maps matching p_Y on the first atom only: a larger set than the solver's optima
    orig = zhu2017.reference_matching_maps

    def loose(px, py):
        import itertools
        return {g for g in itertools.product(range(len(py)), repeat=len(px))
                if sum(px[x] for x, y in enumerate(g) if y == 0) == py[0]} | orig(px, py)

    monkeypatch.setattr(zhu2017, "reference_matching_maps", loose)
    assert "optimal-set-is-push-forward-matches" in failing_parts(zhu2017.ADVERSARIAL)


def test_survey_eq1_refutation_collapses_with_the_papers_form(monkeypatch):
    orig = zhu2017.reference_sup_over_discriminator
    assert_refutation_collapses(zhu2017.SURVEY_EQ1, lambda: monkeypatch.setattr(
        zhu2017, "reference_sup_over_discriminator", lambda real, fake, *, printed: orig(real, fake, printed=False)))


# ---------------------------------------------------------------------------- salimans2016
def test_ssgan_fails_for_z_over_z_plus_2(monkeypatch):
    from scipy.special import logsumexp
    monkeypatch.setattr(salimans2016_ssgan, "ssgan_discriminator",
                        lambda l: 1.0 / (1.0 + 2.0 * np.exp(-logsumexp(np.asarray(l), axis=-1))))
    assert "softmax-route" in failing_parts(salimans2016_ssgan.SSGAN)


def test_ssgan_minimizer_fails_for_a_wrong_optimum(monkeypatch):
    # Goodfellow's D* with the data and model swapped
    orig = salimans2016_ssgan.optimal_discriminator
    monkeypatch.setattr(salimans2016_ssgan, "optimal_discriminator", lambda p, q: orig(q, p))
    assert failing_parts(salimans2016_ssgan.SSGAN) == {"minimizer-is-goodfellow-d-star"}


def test_feature_matching_fails_for_a_sign_error(monkeypatch):
    # gradient ascent instead of descent (200 steps: the objective grows, it cannot converge)
    orig = salimans2016_ssgan.feature_matching_gradient
    monkeypatch.setattr(salimans2016_ssgan, "FM_STEPS", 200)
    monkeypatch.setattr(salimans2016_ssgan, "feature_matching_gradient", lambda t, f, p: -orig(t, f, p))
    assert {"gradient-finite-differences", "descent-converges"} <= failing_parts(salimans2016_ssgan.FEATURE_MATCHING)


def test_inception_score_fails_without_the_conditional_entropy(monkeypatch):
    # exp(H(y)): the marginal's entropy alone
    from scipy.stats import entropy

    def wrong(pyx, w=None):
        pyx = np.asarray(pyx)
        w = np.full(pyx.shape[0], 1 / pyx.shape[0]) if w is None else np.asarray(w)
        return float(np.exp(entropy(w @ pyx)))

    monkeypatch.setattr(salimans2016_ssgan, "inception_score", wrong)
    assert {"kl-route", "entropy-route"} <= failing_parts(salimans2016_ssgan.INCEPTION)
    assert "confidence-only" in failing_parts(salimans2016_ssgan.INCEPTION_BLIND)


# ---------------------------------------------------------------------------- chen2016
def test_infogan_bound_fails_without_the_code_entropy(monkeypatch):
    from scipy.stats import entropy
    orig = chen2016.infogan_lower_bound
    monkeypatch.setattr(chen2016, "infogan_lower_bound", lambda pc, pxc, q: orig(pc, pxc, q) - entropy(pc))
    assert {"lower-bound-value", "gap-is-expected-kl", "tight-at-posterior"} <= failing_parts(chen2016.LOWER_BOUND)


def test_neural_infogan_fails_untrained(monkeypatch):
    # 10 steps: the code does not pick the mode, its outputs overlap by far more than the Fano
    # limit allows
    monkeypatch.setattr(chen2016, "N_STEPS", 10)
    assert {"code-picks-mode", "overlap-mass"} <= failing_parts(chen2016.NEURAL)


def test_neural_infogan_fails_for_a_generator_that_ignores_its_code(monkeypatch):
    # every code gets code 0's outputs: I(c; x) = 0, so the mode is not picked, the overlap mass is
    # 2/3 (beyond the Fano limit) and L_I cannot come near log 3.  With ε = 2/3 the Fano bracket
    # for I is the whole [0, log 3], so the binned I = 0 and L_I <= I = 0 (Lemma 5.1 is a theorem)
    # must keep passing: the overlap-mass part is what rejects such a run
    orig = chen2016.infogan_generator_apply
    monkeypatch.setattr(chen2016, "infogan_generator_apply",
                        lambda g, z, c, **kw: orig(g, z, np.zeros_like(c), **kw))
    failing = failing_parts(chen2016.NEURAL)
    assert {"code-picks-mode", "overlap-mass", "learned-bound-nearly-tight"} <= failing
    assert not {"binned-mutual-information", "learned-bound-below-information"} & failing


def test_neural_infogan_fails_for_the_mutual_information_in_bits(monkeypatch):
    # I in bits (log 3 / log 2 = 1.58) is outside the nats bracket [log 3 - h(ε) - ε log 2, log 3]
    orig = chen2016.mutual_information
    monkeypatch.setattr(chen2016, "mutual_information", lambda p_c, p_xc: orig(p_c, p_xc) / np.log(2))
    assert failing_parts(chen2016.NEURAL) == {"binned-mutual-information"}


# ---------------------------------------------------------------------------- kingma2014
def test_elbo_decomposition_fails_with_the_kl_sign_flipped(monkeypatch):
    orig, kl = kingma2014.linear_gaussian_elbo, kingma2014.gaussian_kl
    monkeypatch.setattr(kingma2014, "linear_gaussian_elbo",
                        lambda x, W, b, s, m, S: orig(x, W, b, s, m, S) + 2 * kl(m, S))
    assert {"elbo-by-quadrature", "equality-at-posterior"} <= failing_parts(kingma2014.DECOMPOSITION)


def test_estimator_variances_fail_for_a_halved_reparameterized_variance(monkeypatch):
    orig = kingma2014.reparameterized_gradient_variance
    monkeypatch.setattr(kingma2014, "reparameterized_gradient_variance",
                        lambda *a, **kw: tuple(0.5 * v for v in orig(*a, **kw)))
    assert "variances-quadrature" in failing_parts(kingma2014.ESTIMATOR_VARIANCES)


def test_estimator_monte_carlo_fails_for_a_biased_estimator(monkeypatch):
    # every one-draw estimate shifted by 1 (the reparameterized half-widths are ~0.1-0.5 here)
    orig = kingma2014.gradient_samples
    monkeypatch.setattr(kingma2014, "gradient_samples", lambda *a, **kw: tuple(g + 1.0 for g in orig(*a, **kw)))
    assert failing_parts(kingma2014.ESTIMATOR_VARIANCES) == {"unbiased-monte-carlo"}


def test_ppca_fails_untrained(monkeypatch):
    # 20 steps: far from the pPCA optimum.  The covariance part's tolerance, 2 |J H^-1 g|, grows with
    # the distance, so what catches it is the Hessian (not positive definite there) and the Newton
    # refinement, which does not reach the ML solution from that end point
    monkeypatch.setattr(kingma2014, "LINEAR_STEPS", 20)
    assert {"end-point-is-a-local-minimum", "refined-stationary-point-is-ml"} <= failing_parts(kingma2014.PPCA)


def test_ppca_fails_for_a_wrong_closed_form(monkeypatch):
    # sigma^2 = mean of all eigenvalues instead of the discarded ones
    from theory.vae import PPCAResult
    orig = kingma2014.ppca_mle

    def wrong(S, k):
        r = orig(S, k)
        s2 = float(np.mean(r.eigenvalues))
        return PPCAResult(r.W, s2, r.W @ r.W.T + s2 * np.eye(S.shape[0]), r.eigenvalues, r.log_likelihood)

    monkeypatch.setattr(kingma2014, "ppca_mle", wrong)
    assert {"covariance-vs-ppca", "refined-stationary-point-is-ml"} <= failing_parts(kingma2014.PPCA)


def test_nonlinear_vae_fails_with_the_kl_sign_flipped(monkeypatch):
    # E_q log p(x|z) + KL(q || prior) exceeds log p(x); training cut to 20 steps for speed (the
    # bound holds for any network, so the short run does not make it fail by itself)
    monkeypatch.setattr(kingma2014, "NONLINEAR_STEPS", 20)
    monkeypatch.setattr(kingma2014, "gaussian_kl", lambda m, S: -np.asarray(
        0.5 * np.sum(np.diagonal(S, axis1=-2, axis2=-1) + m ** 2 - 1 - np.log(np.diagonal(S, axis1=-2, axis2=-1)), axis=-1)))
    assert "elbo-below-log-marginal" in failing_parts(kingma2014.NONLINEAR)


def test_nonlinear_vae_passes_after_the_short_run(monkeypatch):
    # the control above must fail because of the flipped KL, not the short run: unpatched, 20
    # steps still satisfy ELBO <= log p(x)
    monkeypatch.setattr(kingma2014, "NONLINEAR_STEPS", 20)
    parts = REGISTRY[kingma2014.NONLINEAR].run(Context(seed=0))
    assert parts["elbo-below-log-marginal"].passed and parts["gap-is-kl-to-posterior"].passed


@pytest.mark.parametrize("claim_id", [arora2017.SURVEY_BOUND, arora2017.ICLR_BOUND, zhu2017.SURVEY_EQ1])
def test_refuted_claims_carry_the_printed_statement(claim_id):
    refuted = [ev for ev in REGISTRY[claim_id].run(Context(seed=1)).values() if ev.outcome == "refuted"]
    assert refuted
    for ev in refuted:
        assert ev.details["printed"] and ev.details["counterexample"] and ev.error > 0


# ---------------------------------------------------------------------------- coverage
def test_every_fast_claim_of_these_papers_has_a_control():
    """The controls above name every fast claim of kingma2014, chen2016, arora2017, zhu2017 and of
    salimans2016_ssgan (as ``module.CONSTANT``)."""
    source = inspect.getsource(sys.modules[__name__])
    modules = {"arora2017": arora2017, "chen2016": chen2016, "kingma2014": kingma2014, "zhu2017": zhu2017,
               "salimans2016_ssgan": salimans2016_ssgan}
    fast = {c.id for c in REGISTRY.values() if c.tier == "fast"
            and (c.paper in {"kingma2014", "chen2016", "arora2017", "zhu2017"}
                 or c.check.__module__ == salimans2016_ssgan.__name__)}
    assert fast
    named = set()
    for mod_name, mod in modules.items():
        for attr, value in vars(mod).items():
            if isinstance(value, str) and value in fast and f"{mod_name}.{attr}" in source:
                named.add(value)
    assert fast - named == set()
