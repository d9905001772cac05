"""Negative controls for the policy-gradient / A2C / A3C / SeqGAN claims (sutton2000, mnih2016,
mnih2016-a3c, yu2017): for every fast claim, a wrong formula, a perturbed learner or a broken
step for which the claim must fail.  A claim that still passed here would prove nothing.

Each test patches one name with ``monkeypatch`` (undone afterwards) and clears the claim
module's caches before and after, so no perturbed result leaks into other tests.  Where a
claim's full run is slow, the test runs only the part function that the perturbation targets
(the claim calls the same function).
"""

from __future__ import annotations

import numpy as np
import pytest

from experiments.claims import mnih2016, mnih2016_a3c, sutton2000, yu2017
from experiments.registry import Context, get
from solvers.tabular import policy_gradient as tabular_pg
from solvers.tabular import seqgan as tabular_seqgan
from theory import concentration

CACHED = (sutton2000.variance_comparison, mnih2016.tabular_curves, mnih2016.neural_curves,
          mnih2016_a3c._chain_sweep, mnih2016_a3c._random_runs, yu2017.training_runs)


@pytest.fixture(autouse=True)
def _fresh_caches():
    for f in CACHED:
        f.cache_clear()
    yield
    for f in CACHED:
        f.cache_clear()


def failing_parts(claim_id: str, seed: int = 0) -> set:
    return {k for k, v in get(claim_id).run(Context(seed=seed)).items() if not v.passed}


# ------------------------------------------------------------------------------- sutton2000
def test_advantage_fails_with_a_wrong_discount(monkeypatch):
    orig = sutton2000.policy_evaluation
    monkeypatch.setattr(sutton2000, "policy_evaluation", lambda P, R, pi, g: orig(P, R, pi, 0.95 * g))
    assert {"exact-advantage-zero-mean", "exact-td-error-mean"} <= failing_parts(sutton2000.ADVANTAGE)


def test_sampled_td_error_fails_against_a_shifted_advantage(monkeypatch):
    # the state-action solve's Q shifted by 0.25 (the Bernstein half-widths at 4,000 samples are
    # <= ~0.1 here, about 6 exact SDs): the sampled TD errors must not match the shifted advantage
    orig = sutton2000.reference_q_values
    monkeypatch.setattr(sutton2000, "reference_q_values", lambda mdp, pi: orig(mdp, pi) + 0.25)
    assert "sampled-td-error-mean" in failing_parts(sutton2000.ADVANTAGE)


def test_baseline_fails_when_the_score_is_not_zero_mean(monkeypatch):
    # a policy table that does not sum to 1 breaks Σ_a π ψ = 0, the step the baseline rests on
    orig = tabular_pg.softmax
    monkeypatch.setattr(tabular_pg, "softmax", lambda x, axis=-1: 1.1 * orig(x, axis=axis))
    assert {"exact-mean-unchanged-by-baseline", "exact-mean-is-theorem-1"} <= failing_parts(sutton2000.BASELINE)


def test_baseline_fails_when_the_series_is_cut_short(monkeypatch):
    # the moments' own route to V and d_γ, truncated after the first term
    # (the series is being renamed reference_discounted_series: patch the name the moments call)
    name = "reference_discounted_series" if hasattr(tabular_pg, "reference_discounted_series") else "discounted_series"
    monkeypatch.setattr(tabular_pg, name, lambda M, b, g, left=False: (np.array(b, float), 0.0))
    assert "exact-mean-is-theorem-1" in failing_parts(sutton2000.BASELINE)


def test_compatible_critic_fails_with_the_wrong_weighting(monkeypatch):
    # least squares weighted by a uniform state distribution instead of d_π (Theorem 2's step)
    monkeypatch.setattr(sutton2000, "discounted_state_distribution",
                        lambda P, pi, gamma, mu0: np.full(pi.shape[0], 1.0 / pi.shape[0]))
    assert "exact-compatible-gradient-vs-theorem-1" in failing_parts(sutton2000.COMPATIBLE)


def test_sampled_estimators_fail_with_truncated_returns(monkeypatch):
    # returns cut after one step: the mean's bias γ c Σ d π ψ P V (~0.05) is below the mean part's
    # median-of-blocks radius (~0.22, 16 exact SDs), but the variances drop far outside theirs
    monkeypatch.setattr(tabular_pg, "default_horizon", lambda gamma, tail=1e-12: 1)
    assert {"sampled-return-variance", "sampled-baseline-variance",
            "sampled-variance-ordering"} <= failing_parts(sutton2000.ESTIMATORS)


def _wrap_sampler(monkeypatch, change):
    """Patch sutton2000's sampler: ``change(kind, values) -> values`` (a broken estimator)."""
    orig = sutton2000.sample_gradient_estimates

    def wrapped(mdp, logits, n, seed, *, kind="return", values=None, **kw):
        return orig(mdp, logits, n, seed, kind=kind, values=change(kind, values), **kw)

    monkeypatch.setattr(sutton2000, "sample_gradient_estimates", wrapped)


def test_sampled_variances_fail_against_predictions_shifted_by_two_and_a_half_radii(monkeypatch):
    # every exact total variance raised by 2.5 median-of-blocks radii (~37 full-sample exact SDs;
    # the radius is 2.9-3.0 block SDs, i.e. ~15 full-sample SDs at false-alarm 5e-7): each
    # variance part must fail, the means must not
    import dataclasses

    n = sutton2000.N_FAST
    ref = sutton2000.variance_comparison(0, n)
    _, c_var = concentration.median_of_blocks_plan(n, sutton2000.VAR_ALPHA)
    shift = {k: 2.5 * c_var * ref[k]["block_total_variance_sd"] for k in tabular_pg.ESTIMATOR_KINDS}
    sutton2000.variance_comparison.cache_clear()
    orig = sutton2000.exact_estimator_moments

    def shifted(mdp, logits, *, kind="return", values=None):
        mom = orig(mdp, logits, kind=kind, values=values)
        return dataclasses.replace(mom, total_variance=mom.total_variance + shift[kind])

    monkeypatch.setattr(sutton2000, "exact_estimator_moments", shifted)
    failed = failing_parts(sutton2000.ESTIMATORS)
    assert {f"sampled-{k}-variance" for k in tabular_pg.ESTIMATOR_KINDS} <= failed
    assert not {f"sampled-{k}-unbiased" for k in tabular_pg.ESTIMATOR_KINDS} & failed


def test_variance_parts_fail_when_the_baseline_is_dropped(monkeypatch):
    # the "baseline" estimator silently uses b = 0 (it is the return estimator): still unbiased,
    # but its variance, the reduction and the ordering must fail
    _wrap_sampler(monkeypatch, lambda kind, v: np.zeros_like(v) if kind == "baseline" else v)
    assert "sampled-variance-reduction" in failing_parts(sutton2000.BASELINE)
    failed = failing_parts(sutton2000.ESTIMATORS)
    assert {"sampled-baseline-variance", "sampled-variance-ordering"} <= failed
    assert "sampled-baseline-unbiased" not in failed


def test_sampled_td_fails_with_a_wrong_value_table(monkeypatch):
    # the TD estimator bootstraps from -V instead of V: biased (its mean is c Σ d π ψ (Q - 2γ P V),
    # a bias ~0.24 against a median-of-blocks radius ~0.18; V/2 (bias ~0.01) is below what the
    # mean part resolves at n = 20,000, but its variance part fails) and its variance changes
    _wrap_sampler(monkeypatch, lambda kind, v: -v if kind == "td" else v)
    assert {"sampled-td-unbiased", "sampled-td-variance"} <= failing_parts(sutton2000.ESTIMATORS)


def test_reference_return_moments_match_a_gaussian_bandit():
    # one state, one action, r ~ N(R, σ²) i.i.d. each step: G ~ N(R/(1-γ), σ²/(1-γ²)) exactly,
    # so E G^k are the Gaussian raw moments (independent of the Bellman recursion)
    from solvers.problems.rl_toys import FiniteMDP

    R, sd, gamma = 0.7, 0.5, 0.6
    mdp = FiniteMDP(P=np.ones((1, 1, 1)), R=np.full((1, 1), R), mu0=np.ones(1), gamma=gamma,
                    reward_noise="gaussian", reward_std=sd)
    mu, v = R / (1 - gamma), sd**2 / (1 - gamma**2)
    expected = [1.0, mu, mu**2 + v, mu**3 + 3 * mu * v, mu**4 + 6 * mu**2 * v + 3 * v**2]
    got = sutton2000.reference_return_moments(mdp, np.ones((1, 1)))[0, 0]
    np.testing.assert_allclose(got, expected, rtol=1e-12)  # float rounding of 4 small solves


def test_reference_variance_statistic_matches_enumeration():
    # a deterministic 2-state chain with γ = 0 (G = r, noise-free rewards): ĝ takes S·A values with
    # known probabilities, so E‖Y‖⁴ and Σ are sums over them (independent of the moment algebra)
    from scipy.special import softmax

    from solvers.problems.rl_toys import random_mdp

    mdp = random_mdp(2, 3, np.random.default_rng(4), gamma=0.0)
    logits = np.random.default_rng(5).standard_normal((2, 3))
    pi = softmax(logits, axis=1)
    d = mdp.mu0  # γ = 0: d_γ = μ₀
    vals, probs = [], []
    for s in range(2):
        for a in range(3):
            g = np.zeros((2, 3))
            g[s] = (np.eye(3)[a] - pi[s]) * mdp.R[s, a]
            vals.append(g.reshape(-1))
            probs.append(d[s] * pi[s, a])
    vals, probs = np.array(vals), np.array(probs)
    mu = probs @ vals
    y = vals - mu
    sigma = (probs[:, None] * y).T @ y
    var_w = probs @ np.sum(y**2, axis=1) ** 2 - np.trace(sigma) ** 2
    st = sutton2000.reference_variance_statistic(mdp, logits, np.zeros(2), "return")
    assert st["mean"] == pytest.approx(np.trace(sigma), rel=1e-12)
    assert st["var_w"] == pytest.approx(var_w, rel=1e-9)  # a difference of O(1) fourth moments
    assert st["frob"] == pytest.approx(np.sum(sigma**2), rel=1e-12)


# --------------------------------------------------------------------------------- mnih2016
def test_tabular_learners_fail_without_training_budget(monkeypatch):
    monkeypatch.setattr(mnih2016, "TABULAR_LEARNERS",
                        {k: (cfg, 20) for k, (cfg, _) in mnih2016.TABULAR_LEARNERS.items()})
    assert "exact-reinforce-gap" in failing_parts(mnih2016.TABULAR)


def test_neural_a2c_fails_without_training_budget(monkeypatch):
    monkeypatch.setattr(mnih2016, "NEURAL_ITERS", 20)
    assert failing_parts(mnih2016.NEURAL)


def test_n_step_bias_fails_without_the_bootstrap_error_term(monkeypatch):
    monkeypatch.setattr(mnih2016, "n_step_bias_exact", lambda mdp, pi, v_hat, n: np.zeros_like(pi))
    assert "sampled-1-step-bias" in failing_parts(mnih2016.NSTEP)


def test_n_step_returns_fail_against_shifted_action_values(monkeypatch):
    # Q^π shifted by 0.2 (>= 10 exact SDs of each mean of 4,000 returns; the Bernstein half-widths
    # are 0.06-0.11): every sampled part, the restart one included, must fail
    from types import SimpleNamespace

    orig = mnih2016.policy_evaluation
    monkeypatch.setattr(mnih2016, "policy_evaluation",
                        lambda mdp, pi: SimpleNamespace(V=orig(mdp, pi).V, Q=orig(mdp, pi).Q + 0.2))
    assert failing_parts(mnih2016.NSTEP) == {"sampled-1-step-bias", "sampled-3-step-bias", "sampled-10-step-bias",
                                             "sampled-10-step-restarts-unbiased"}


def test_entropy_bonus_fails_at_the_wrong_temperature(monkeypatch):
    monkeypatch.setattr(mnih2016, "ENTROPY_CONFIG", mnih2016.ENTROPY_CONFIG.replace(entropy=0.25))
    assert "sampled-policy-gradient-converges" in failing_parts(mnih2016.ENTROPY)


# ----------------------------------------------------------------------------- mnih2016-a3c
def test_stale_gradients_fail_with_a_tiny_step(monkeypatch):
    monkeypatch.setattr(mnih2016_a3c, "LR_RANDOM", 1e-3)
    assert "relative-gap" in failing_parts(mnih2016_a3c.REACH)


def test_sweep_fails_when_delays_are_ignored(monkeypatch):
    orig = mnih2016_a3c.fixed_delay_schedule
    monkeypatch.setattr(mnih2016_a3c, "fixed_delay_schedule", lambda n, d: orig(n, np.zeros_like(np.asarray(d))))
    assert "shrinks-with-delay" in failing_parts(mnih2016_a3c.SWEEP)


def test_quadratic_fails_with_the_misprinted_small_angle_limit(monkeypatch):
    # π/(2(2τ+1)) is half the true small-angle limit π/(2τ+1)
    monkeypatch.setattr(mnih2016_a3c, "_levin_may", lambda d: np.pi / (2.0 * (2.0 * np.asarray(d, float) + 1.0)))
    assert {"bisected-threshold", "simulated-threshold"} <= failing_parts(mnih2016_a3c.QUADRATIC)


def test_entropy_stability_fails_with_a_wrong_curvature(monkeypatch):
    orig = mnih2016_a3c.soft_return_hessian
    monkeypatch.setattr(mnih2016_a3c, "soft_return_hessian", lambda *a, **k: 0.9 * orig(*a, **k))
    assert failing_parts(mnih2016_a3c.ENTROPY)


def test_sampled_a3c_fails_with_a_tiny_step(monkeypatch):
    monkeypatch.setattr(mnih2016_a3c, "LR_SAMPLED", 1e-3)
    assert failing_parts(mnih2016_a3c.SAMPLED)


def test_async_threads_fail_with_a_tiny_step(monkeypatch):
    monkeypatch.setattr(mnih2016_a3c, "LR_RANDOM", 1e-3)
    assert {"locked", "lock-free"} <= failing_parts(mnih2016_a3c.THREADS)


# ----------------------------------------------------------------------------------- yu2017
def test_action_values_fail_without_conditioning(monkeypatch):
    # E[D] over all sequences instead of E[D | prefix, token]
    orig = yu2017.exact_action_values
    monkeypatch.setattr(yu2017, "exact_action_values",
                        lambda logits, d: [np.full_like(q, q.mean()) for q in orig(logits, d)])
    assert failing_parts(yu2017.ACTION_VALUES)


def test_policy_gradient_fails_without_the_baseline_term(monkeypatch):
    # dJ/dlogits = Pr(r) G (Q - W) with W dropped: Pr(r) G Q
    orig = yu2017.exact_objective_gradient

    def wrong(logits, d):
        res = orig(logits, d)
        q = yu2017.exact_action_values(logits, d)
        probs = [yu2017._softmax_rows(np.asarray(x, float)) for x in logits]
        reach = [np.ones(1)]
        for t in range(len(logits) - 1):
            reach.append((reach[-1][:, None] * probs[t]).ravel())
        res.grad[:] = [r[:, None] * p * qq for r, p, qq in zip(reach, probs, q)]
        return res

    monkeypatch.setattr(yu2017, "exact_objective_gradient", wrong)
    assert {"exact-finite-differences", "exact-reinforce"} <= failing_parts(yu2017.GRADIENT)


def _rollouts_from_a_sharper_generator(monkeypatch):
    # roll-outs drawn from a generator other than G_theta (logits x 2): Q_hat is biased
    orig = tabular_seqgan.rollout_action_values
    monkeypatch.setattr(tabular_seqgan, "rollout_action_values",
                        lambda logits, d, y, n, seed: orig([2.0 * np.asarray(x) for x in logits], d, y, n, seed))


def test_rollouts_fail_from_the_wrong_generator(monkeypatch):
    _rollouts_from_a_sharper_generator(monkeypatch)
    assert "unbiased" in failing_parts(yu2017.ROLLOUT)


def test_estimator_fails_with_rollouts_from_the_wrong_generator(monkeypatch):
    _rollouts_from_a_sharper_generator(monkeypatch)
    ctx = Context(seed=0, claim_id=yu2017.ESTIMATOR)
    assert not yu2017._tabular_estimator_evidence(ctx).passed


def test_neural_estimator_fails_with_rollouts_from_the_wrong_generator(monkeypatch):
    # roll-outs from the uniform policy (output weights and biases zeroed) instead of G_theta
    orig = yu2017.neural.rollout_rewards
    monkeypatch.setattr(yu2017.neural, "rollout_rewards", lambda g, d, y, n, seed: orig(
        dict(g, W_o=0.0 * g["W_o"], b_o=0.0 * g["b_o"]), d, y, n, seed))
    ctx = Context(seed=0, claim_id=yu2017.ESTIMATOR)
    assert not yu2017._neural_rollout_evidence(ctx).passed
    assert not yu2017._neural_estimator_evidence(ctx).passed


def test_training_fails_without_enough_rounds(monkeypatch):
    monkeypatch.setattr(yu2017, "TRAIN_ROUNDS", 10)
    assert "exact-limit" in failing_parts(yu2017.TRAINING)


def test_oracle_ordering_fails_when_seqgan_ends_above_mle():
    # the full-tier oracle claims' verdict (the experiment itself takes minutes): paired final
    # NLL differences whose mean is above 0 must fail, below 0 pass, whatever their spread
    from types import SimpleNamespace

    cfg = SimpleNamespace(adv_rounds=2, g_steps=1, to_dict=lambda: {})

    def runs(diffs):
        return [SimpleNamespace(nll={"mle": [2.0], "seqgan": [2.0 + x]}, oracle_entropy=1.0,
                                test_nll={"mle": 1.0}, self_nll={"mle": 1.0}) for x in diffs]

    assert not yu2017._ordering_evidence(runs([-0.3, 0.2, 0.05, 0.1, 0.0]), "seqgan", cfg).passed
    assert yu2017._ordering_evidence(runs([-0.3, 0.2, -0.05, 0.1, -0.1]), "seqgan", cfg).passed
