"""Negative controls for the GAN-objective claims (mao2017, nowozin2016, zhao2017, arjovsky2017's
WGAN critic claims, gulrajani2017, berthelot2017, arjovsky-bottou2017): for each fast claim a
wrong formula or a wrong coupling for which the claim must fail.  A claim that still passed here
would prove nothing.  (That every claim passes as registered is tests/experiments/test_claims.py.)

Each test patches one name with ``monkeypatch`` (undone afterwards).  The sympy derivations are
not what these controls perturb (proofs_check has its own broken examples), so their evidence is
replaced by a pass to keep each control fast; the trained logistic discriminator of
arjovsky-bottou2017 is replaced by a fixed trajectory for the same reason.
"""

from __future__ import annotations

import numpy as np
import pytest

from experiments.claims import (
    arjovsky2017_wgan,
    arjovsky_bottou2017,
    berthelot2017,
    gulrajani2017,
    mao2017,
    nowozin2016,
    zhao2017,
)
from experiments.registry import REGISTRY, Context, Evidence
from theory import gan_objectives, wgan
from theory.divergences import js_divergence, pearson_chi2


@pytest.fixture(autouse=True)
def skip_sympy(monkeypatch):
    def passed(cls, *args, **kwargs):
        return Evidence.exact_match("every step checks", "skipped", passed=True, reason="skipped")

    monkeypatch.setattr(Evidence, "from_derivation", classmethod(passed))
    monkeypatch.setattr(nowozin2016, "_fenchel_derivation", lambda seed: passed(Evidence))


def failing_parts(claim_id: str, seed: int = 0) -> set:
    parts = REGISTRY[claim_id].run(Context(seed=seed))
    return {k for k, v in parts.items() if not v.passed}


def test_every_control_claim_passes_unperturbed():
    # the controls below only mean something if the same claims pass as registered (sympy
    # stubbed, the trained trajectory real)
    for claim_id in ("mao2017/optimal-discriminator", "zhao2017/min-value", "berthelot2017/m-global-convergence-measure"):
        assert failing_parts(claim_id) == set()


# ---------------------------------------------------------------------------- mao2017
def test_mao_d_star_with_swapped_labels_fails(monkeypatch):
    monkeypatch.setattr(mao2017, "lsgan_optimal_discriminator",
                        lambda p, q, *, a, b: gan_objectives.lsgan_optimal_discriminator(p, q, a=b, b=a))
    assert "exact" in failing_parts("mao2017/optimal-discriminator")


def test_mao_chi2_with_the_other_convention_fails(monkeypatch):
    # Σ (p - q)²/p instead of Σ (p - q)²/q: the mixture no longer in the denominator
    monkeypatch.setattr(mao2017, "pearson_chi2", lambda p, q: pearson_chi2(q, p))
    assert "exact-convention" in failing_parts("mao2017/pearson-chi2-criterion")


def test_mao_criterion_without_its_pdata_term_fails(monkeypatch):
    # the generator's loss alone, ½ E_pg[(D* - c)²], is not the paper's C(G)
    def half(p, q, *, a, b, c):
        d = gan_objectives.lsgan_optimal_discriminator(p, q, a=a, b=b)
        return 0.5 * np.sum(np.asarray(q) * (d - c) ** 2, axis=-1)
    monkeypatch.setattr(mao2017, "lsgan_criterion", half)
    assert "exact-closed-form" in failing_parts("mao2017/pearson-chi2-criterion")


def test_mao_minimum_with_a_too_strong_bound_fails(monkeypatch):
    # C >= TV² holds; C >= (2 TV)² does not (2 TV = Σ |p - q|)
    monkeypatch.setattr(mao2017, "total_variation", lambda p, q: np.sum(np.abs(np.asarray(p) - q)))
    assert "exact-lower-bound" in failing_parts("mao2017/chi2-minimum-at-data")


def test_mao_restoring_coefficient_without_the_label_factor_fails(monkeypatch):
    # dropping ((a + b)/2 - c) would predict a restoring force for the chi2 labels too
    monkeypatch.setattr(mao2017, "reference_restoring_coefficient", lambda a, b, c, p: -(b - a) / (4 * p))
    assert "exact-restoring-a-1-b1-c0" in failing_parts("mao2017/generator-descent-against-d-star")


def test_mao_neural_against_a_wrong_d_star_fails(monkeypatch):
    monkeypatch.setattr(mao2017, "lsgan_optimal_discriminator",
                        lambda p, q, *, a, b: gan_objectives.lsgan_optimal_discriminator(p, q, a=a, b=b) * 0.8)
    assert {"neural-excess-loss", "neural-pointwise"} & failing_parts("mao2017/neural-discriminator")


# ---------------------------------------------------------------------------- nowozin2016
@pytest.mark.parametrize("family", ["kl", "neyman_chi2", "gan"])
def test_nowozin_wrong_divergence_and_critic_fail(monkeypatch, family):
    other = {"kl": "reverse_kl", "neyman_chi2": "pearson_chi2", "gan": "jensen_shannon"}[family]
    monkeypatch.setattr(nowozin2016, "fgan_divergence", lambda p, q, fam: gan_objectives.fgan_divergence(p, q, other))
    monkeypatch.setattr(nowozin2016, "fgan_optimal_critic",
                        lambda p, q, fam: gan_objectives.fgan_optimal_critic(p, q, other))
    failing = failing_parts(f"nowozin2016/bound-tight-{family.replace('_', '-')}")
    assert {"exact-value", "exact-critic"} <= failing


def test_nowozin_gan_family_against_jsd_without_log4_fails(monkeypatch):
    monkeypatch.setattr(nowozin2016, "optimal_gan_value", lambda p, q: gan_objectives.fgan_divergence(p, q, "jensen_shannon"))
    assert "exact-value-vs-c-of-g" in failing_parts("nowozin2016/gan-family-is-goodfellow")


def test_nowozin_js_family_against_the_jsd_itself_fails(monkeypatch):
    monkeypatch.setattr(nowozin2016, "js_divergence", lambda p, q: 2.0 * js_divergence(p, q))
    assert "exact-twice-jsd" in failing_parts("nowozin2016/js-family-is-twice-jsd")


# ---------------------------------------------------------------------------- zhao2017
def test_zhao_lemma1_with_the_minimizers_swapped_fails(monkeypatch):
    monkeypatch.setattr(zhao2017, "ebgan_optimal_discriminator",
                        lambda pd, pg, *, margin: gan_objectives.ebgan_optimal_discriminator(pg, pd, margin=margin))
    assert "exact-lp-vs-lemma-point" in failing_parts("zhao2017/lemma1-pointwise-minimum")


def test_zhao_min_value_with_max_instead_of_min_fails(monkeypatch):
    monkeypatch.setattr(zhao2017, "ebgan_min_value",
                        lambda pd, pg, *, margin: margin * np.sum(np.maximum(pd, pg)))
    assert "exact-lp" in failing_parts("zhao2017/min-value")


def test_zhao_nash_with_a_wrong_value_fails(monkeypatch):
    # V = E_pdata[D] + E_pg[m - D] without the hinge is m for a constant D too, but
    # E_pdata[D] + E_pg[(m - D)⁺] / 2 is not
    monkeypatch.setattr(zhao2017, "ebgan_value",
                        lambda d, pd, pg, *, margin: np.sum(pd * d) + 0.5 * np.sum(pg * np.maximum(margin - d, 0)))
    assert {"exact-equilibrium-exists", "exact-value-is-m"} <= failing_parts("zhao2017/thm1-thm2-nash-equilibrium")


def test_zhao_constant_d_excess_with_half_tv_fails(monkeypatch):
    monkeypatch.setattr(zhao2017, "total_variation", lambda p, q: 0.25 * np.sum(np.abs(np.asarray(p) - q)))
    assert "exact-excess-is-m-tv" in failing_parts("zhao2017/constant-d-optimal-only-at-equilibrium")


# ---------------------------------------------------------------------------- arjovsky2017 (WGAN)
def test_kr_critic_scaled_by_half_fails(monkeypatch):
    real = wgan.kantorovich_rubinstein_critic

    def halved(p, q, x):
        c = real(p, q, x)
        return wgan.KRCritic(points=c.points, f=0.5 * c.f, w1=c.w1, critic_value=0.5 * c.critic_value,
                             lipschitz=0.5 * c.lipschitz)
    monkeypatch.setattr(arjovsky2017_wgan, "kantorovich_rubinstein_critic", halved)
    assert {"exact-1d-critic-vs-dual-lp", "exact-2d-critic-vs-dual-lp"} <= failing_parts("arjovsky2017/kr-critic-attains-w1")


def test_clipped_critic_with_an_l2_norm_fails(monkeypatch):
    def l2(p, q, x, *, clip):
        x = np.asarray(x, float).reshape(len(np.asarray(p)), -1)
        return clip * np.linalg.norm((np.asarray(p) - q) @ x)
    monkeypatch.setattr(arjovsky2017_wgan, "clipped_linear_critic_distance", l2)
    assert "exact-lp-vs-closed-form" in failing_parts("arjovsky2017/clipped-linear-critic-measures-means")


def test_eq3_with_a_wrong_w1_fails(monkeypatch):
    real = arjovsky2017_wgan.wasserstein_1d
    monkeypatch.setattr(arjovsky2017_wgan, "wasserstein_1d", lambda *a, **k: 2.0 * real(*a, **k))
    assert "exact-attained-1d-value-is-c-w1" in failing_parts("arjovsky2017/eq3-k-times-w-only-if-sup-attained")


# ---------------------------------------------------------------------------- gulrajani2017
def test_prop1_with_the_independent_coupling_fails(monkeypatch):
    class Independent:
        def __init__(self, p, q):
            self.plan = np.outer(p, q)      # a coupling, but not an optimal one

    monkeypatch.setattr(gulrajani2017, "wasserstein_discrete", lambda p, q, cost: Independent(p, q))
    failing = failing_parts("gulrajani2017/prop1-unit-gradient-on-coupling-segments")
    assert {"exact-1d-rise-equals-length", "exact-2d-rise-equals-length"} <= failing


def test_penalized_optimum_with_twice_the_gap_fails(monkeypatch):
    real = wgan.wgan_gp_optimal_critic_1d

    def doubled(*args, **kwargs):
        c = real(*args, **kwargs)
        return wgan.GPCritic1D(**{**c.__dict__, "gap": 2 * c.gap, "value": c.w1 + 2 * c.gap})
    monkeypatch.setattr(gulrajani2017, "wgan_gp_optimal_critic_1d", doubled)
    assert {"exact-value", "exact-gap-over-w1"} <= failing_parts("gulrajani2017/penalized-optimum-exceeds-w1")


# ---------------------------------------------------------------------------- berthelot2017
def test_controller_with_a_wrong_fixed_point_and_rate_fails(monkeypatch):
    monkeypatch.setattr(berthelot2017, "began_controller_fixed_point",
                        lambda *, gamma, l_real, a, b: float(np.clip((gamma * l_real - a) / (2 * b), 0, 1)))
    monkeypatch.setattr(berthelot2017, "began_controller_rate", lambda *, lr_k, b: 1.0 - 0.5 * lr_k * b)
    assert {"exact-fixed-point", "exact-linear-rate"} <= failing_parts("berthelot2017/controller-fixed-point-and-rate")


def test_m_global_without_gamma_fails(monkeypatch):
    monkeypatch.setattr(berthelot2017, "began_m_global",
                        lambda l_real, l_fake, *, gamma: np.asarray(l_real) + np.abs(np.asarray(l_real) - l_fake))
    assert {"exact-definition", "exact-decay-along-controller"} <= failing_parts("berthelot2017/m-global-convergence-measure")


# ---------------------------------------------------------------------------- arjovsky-bottou2017
@pytest.fixture
def fixed_trajectory(monkeypatch):
    k = np.array([1.0, 2.0, 5.0, 10.0, 20.0])
    monkeypatch.setattr(arjovsky_bottou2017, "_trained_logistic_trajectory",
                        lambda seed: (k, -1.5 * k, [1, 2, 3, 4, 5]))


def test_thm24_with_a_too_small_bound_fails(monkeypatch, fixed_trajectory):
    monkeypatch.setattr(arjovsky_bottou2017, "vanishing_gradient_bound", lambda eps: np.asarray(eps) ** 2)
    assert "exact-bound" in failing_parts("arjovsky-bottou2017/thm2.4-vanishing-gradient-bound")


def test_thm25_with_the_kl_gradient_alone_fails(monkeypatch):
    def kl_only(logits, p_r):
        logits = np.asarray(logits, float)
        p = np.exp(logits - logits.max(axis=-1, keepdims=True))
        p /= p.sum(axis=-1, keepdims=True)
        ell = np.log(p / p_r)
        return p * (ell - np.sum(p * ell, axis=-1, keepdims=True))
    monkeypatch.setattr(arjovsky_bottou2017, "kl_minus_2jsd_gradient_categorical", kl_only)
    assert "exact-categorical-rhs" in failing_parts("arjovsky-bottou2017/thm2.5-minus-log-d-gradient")


def test_instance_noise_with_half_the_jsd_fails(monkeypatch):
    real = arjovsky_bottou2017.noisy_parallel_lines_js
    monkeypatch.setattr(arjovsky_bottou2017, "noisy_parallel_lines_js", lambda t, *, sigma: 0.5 * real(t, sigma=sigma))
    assert "exact-noisy-jsd" in failing_parts("arjovsky-bottou2017/sec3.1-instance-noise-continuity")
