"""Tests for solvers.tabular.policy_gradient against independent values.

References: truncated power series of the pair transition matrix for the return's first and
second moments (instead of the linear solves), explicit loops for covariances and n-step
returns, hand-computed bandit moments, ``theory.policy_gradient.exact_policy_gradient``
(Theorem 1) for the sampled estimators and for the learners' expected first update.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import softmax

from solvers.problems.rl_toys import FiniteMDP, bandit, random_mdp
from solvers.problems.strategies import seeds
from solvers.tabular.policy_gradient import (
    ESTIMATOR_KINDS,
    PGConfig,
    default_horizon,
    exact_estimator_moments,
    n_step_returns,
    reward_variance,
    sample_gradient_estimates,
    train_policy_gradient,
)
from tests.stats import FALSE_ALARM, assert_mean_bernstein, assert_mean_chernoff, assert_median_of_means
from tests.tolerances import FLOAT_ATOL
from theory.policy_gradient import exact_policy_gradient, policy_evaluation

#: Power series truncated after 3,000 terms at γ <= 0.8 (γ^3000 ~ 1e-290) against linear
#: solves of condition <= 1/(1 - γ²) <= 2.8 on values <= ~100: float rounding.
SERIES_ATOL = 1e-9
#: The sampler truncates returns after default_horizon steps (γ^H <= 1e-12) while the exact
#: moments are untruncated: a bias <= γ^H max|R|/(1 - γ)² ~ 1e-10 at γ <= 0.8, |R| <= ~4.
TRUNC_ATOL = 1e-9
#: n-step returns by the backward recursion vs explicit sums of <= 8 terms of size ~3: rounding.
NSTEP_ATOL = 1e-12
#: Central differences with h = 1e-6 of the entropy H (|H'''| <= ~10): truncation ~2e-12, rounding
#: eps / h ~ 2e-10.
ENTROPY_FD_ATOL = 1e-8

GAMMAS = st.sampled_from([0.0, 0.5, 0.8])
NOISES = st.sampled_from(["none", "gaussian", "bernoulli"])


def _mdp(S, A, seed, gamma, noise):
    """A random MDP with the given reward noise (Bernoulli means drawn in [0, 1])."""
    base = random_mdp(S, A, seed, gamma=gamma)
    R = np.random.default_rng(seed).random((S, A)) if noise == "bernoulli" else base.R
    return FiniteMDP(P=base.P, R=R, mu0=base.mu0, gamma=gamma, reward_noise=noise,
                     reward_std=0.7 if noise == "gaussian" else 0.0)


mdp_cases = st.builds(_mdp, st.integers(1, 4), st.integers(1, 3), seeds(), GAMMAS, NOISES)


def _logits(mdp, seed, temperature=1.5):
    return temperature * np.random.default_rng(seed).standard_normal((mdp.n_states, mdp.n_actions))


def _pair_transition(mdp, pi):
    S, A = pi.shape
    return np.einsum("sat,tb->satb", mdp.P, pi).reshape(S * A, S * A)


def _series(T, x, factor, n_terms=3000):
    out, term = np.zeros_like(x), x.copy()
    for _ in range(n_terms):
        out += term
        term = factor * (T @ term)
    return out


@given(mdp_cases, seeds())
def test_return_moments_match_power_series(mdp, seed):
    logits = _logits(mdp, seed)
    pi = softmax(logits, axis=1)
    T = _pair_transition(mdp, pi)
    r = mdp.R.reshape(-1)
    q = _series(T, r, mdp.gamma)  # E[G | s, a] = Σ γ^m T^m r
    sigma2 = reward_variance(mdp).reshape(-1)
    # E[G²] = Σ_j γ^{2j} T^j (σ² + r (2q - r)): squares of each reward plus twice the cross terms
    second = _series(T, sigma2 + r * (2 * q - r), mdp.gamma**2)
    mom = exact_estimator_moments(mdp, logits, kind="return")
    np.testing.assert_allclose(mom.conditional_mean.reshape(-1), q, atol=SERIES_ATOL)
    np.testing.assert_allclose(mom.conditional_second_moment.reshape(-1), second, atol=SERIES_ATOL)


@given(mdp_cases, seeds())
def test_covariance_by_explicit_outer_products(mdp, seed):
    logits = _logits(mdp, seed)
    rng = np.random.default_rng(seed)
    b = rng.standard_normal(mdp.n_states)
    pi = softmax(logits, axis=1)
    pv = policy_evaluation(mdp.P, mdp.R, pi, mdp.gamma)
    # visitation by power series of the state chain (not the solve used by the module)
    P_pi = np.einsum("sa,sat->st", pi, mdp.P)
    d, term = np.zeros(mdp.n_states), mdp.mu0.copy()
    for _ in range(3000):
        d += term
        term = mdp.gamma * term @ P_pi
    d *= 1 - mdp.gamma
    for kind in ESTIMATOR_KINDS:
        mom = exact_estimator_moments(mdp, logits, kind=kind, values=b)
        S, A = pi.shape
        mean, second = np.zeros(S * A), np.zeros((S * A, S * A))
        for s in range(S):
            for a in range(A):
                psi = np.zeros(S * A)
                psi[s * A:(s + 1) * A] = -pi[s]
                psi[s * A + a] += 1.0
                w = d[s] * pi[s, a] / (1 - mdp.gamma)
                mean += w * psi * mom.conditional_mean[s, a]
                second += w / (1 - mdp.gamma) * np.outer(psi, psi) * mom.conditional_second_moment[s, a]
        np.testing.assert_allclose(mom.mean.reshape(-1), mean, atol=SERIES_ATOL)
        np.testing.assert_allclose(mom.covariance, second - np.outer(mean, mean), atol=SERIES_ATOL * 100)
        assert mom.total_variance == pytest.approx(np.trace(second) - mean @ mean, abs=SERIES_ATOL * 100)
    # the TD signal's conditional moments by the variance decomposition
    td = exact_estimator_moments(mdp, logits, kind="td", values=b)
    next_v = mdp.P @ b
    var_next = mdp.P @ b**2 - next_v**2
    m = mdp.R + mdp.gamma * next_v - b[:, None]
    np.testing.assert_allclose(td.conditional_mean, m, atol=SERIES_ATOL)
    np.testing.assert_allclose(td.conditional_second_moment,
                               reward_variance(mdp) + mdp.gamma**2 * var_next + m**2, atol=SERIES_ATOL)
    # with the exact values the mean of every kind is Theorem 1's gradient
    exact = exact_policy_gradient(mdp.P, mdp.R, logits, mdp.gamma, mdp.mu0).grad
    for kind in ESTIMATOR_KINDS:
        np.testing.assert_allclose(exact_estimator_moments(mdp, logits, kind=kind, values=pv.V).mean, exact,
                                   atol=SERIES_ATOL)


def test_bandit_moments_by_hand():
    means, std = np.array([1.0, -0.5, 2.0]), np.array([0.5, 1.0, 0.0])
    mdp = bandit(means, std=std)
    logits = np.array([[0.3, -1.0, 0.8]])
    pi = softmax(logits[0])
    mom = exact_estimator_moments(mdp, logits, kind="return")
    # ĝ = (e_a - π) r: E ĝ = π ⊙ (means - π·means); E‖ĝ‖² = Σ_a π_a ‖e_a - π‖² (means_a² + std_a²)
    grad = pi * (means - pi @ means)
    norms = 1 - 2 * pi + pi @ pi
    total = np.sum(pi * norms * (means**2 + std**2)) - grad @ grad
    np.testing.assert_allclose(mom.mean[0], grad, atol=FLOAT_ATOL)
    assert mom.total_variance == pytest.approx(total, abs=FLOAT_ATOL)


def _estimate_bound(mdp, V, kind):
    """max ‖ĝ‖₂ for bounded rewards: ‖ψ(s, ·)‖₂ = ‖e_a - π(s)‖₂ <= √2 and |Ψ| <= the largest
    |return| (rewards in [min R, max R] for "none", {0, 1} for "bernoulli", H <= ∞ steps:
    <= r_max/(1 - γ)) plus the value terms of the baseline / TD error; ĝ = ψ Ψ/(1 - γ)."""
    r_max = 1.0 if mdp.reward_noise == "bernoulli" else float(np.max(np.abs(mdp.R)))
    v_max = float(np.max(np.abs(V)))
    psi = {"return": r_max / (1 - mdp.gamma), "baseline": r_max / (1 - mdp.gamma) + v_max,
           "td": r_max + (1 + mdp.gamma) * v_max}[kind]
    return np.sqrt(2.0) * psi / (1 - mdp.gamma)


@pytest.mark.statistical
@settings(max_examples=15)
@given(mdp_cases, seeds())
def test_sampled_estimators_are_unbiased_with_exact_variance(mdp, seed):
    # Acceptance regions from exact moments and conservative bounds, false alarm FALSE_ALARM per
    # check (tests/stats.py), never from the sample SE: a rarely visited (s, a) gives estimates
    # that are 0 in most draws, where the sample SE is 0 or far from the truth (n p << 1).
    # - the mean: Bernstein with the exact variance and the range bound for bounded rewards;
    #   median of block means (Chebyshev + exact binomial tail, exact variance only) for
    #   Gaussian reward noise, whose estimates are unbounded;
    # - the variance, for bounded rewards: Y = ‖ĝ - E ĝ‖² in [0, b²] has mean tr Cov (exact)
    #   and Var Y <= b² tr Cov, so Bernstein applies to the mean of Y.
    logits = _logits(mdp, seed)
    V = policy_evaluation(mdp.P, mdp.R, softmax(logits, axis=1), mdp.gamma).V
    exact = exact_policy_gradient(mdp.P, mdp.R, logits, mdp.gamma, mdp.mu0).grad
    n = 3000
    for kind in ESTIMATOR_KINDS:
        smp = sample_gradient_estimates(mdp, logits, n, seed, kind=kind, values=V)
        assert smp.grads.shape == (n, mdp.n_states, mdp.n_actions)
        mom = exact_estimator_moments(mdp, logits, kind=kind, values=V)
        np.testing.assert_allclose(mom.mean, exact, atol=SERIES_ATOL)
        if mdp.reward_noise == "gaussian":
            assert_median_of_means(smp.grads, exact, mom.variance, FALSE_ALARM, atol=TRUNC_ATOL,
                                   what=kind)
            continue
        b = _estimate_bound(mdp, V, kind)
        assert_mean_bernstein(smp.mean, exact, n, mom.variance, b + np.abs(exact), FALSE_ALARM,
                              atol=TRUNC_ATOL, what=kind)
        y = np.sum((smp.grads - exact) ** 2, axis=(1, 2))
        assert_mean_bernstein(y.mean(), mom.total_variance, n, b**2 * mom.total_variance,
                              (b + np.sqrt(np.sum(exact**2))) ** 2, FALSE_ALARM, atol=TRUNC_ATOL,
                              what=f"{kind} total variance")


@pytest.mark.statistical
def test_sampled_estimator_checks_detect_bias():
    # Negative control: the same checks, at the test's n = 3000, reject the estimates of another
    # policy (logits + 2 on action 0: 2.5 Bernstein radii off, measured; + 0.5 is only 0.6
    # radii off, below this sample size's resolution) and a Gaussian-noise sample shifted by 0.5
    # (the median-of-means radius is 0.09-0.2 here: ~18 standard errors, the price of using
    # the exact variance alone for unbounded estimates).
    mdp = _mdp(3, 2, 4, 0.5, "none")
    logits = _logits(mdp, 4)
    V = policy_evaluation(mdp.P, mdp.R, softmax(logits, axis=1), mdp.gamma).V
    exact = exact_policy_gradient(mdp.P, mdp.R, logits, mdp.gamma, mdp.mu0).grad
    mom = exact_estimator_moments(mdp, logits, kind="baseline", values=V)
    wrong = logits + np.array([2.0, 0.0])
    smp = sample_gradient_estimates(mdp, wrong, 3000, 1, kind="baseline", values=V)
    with pytest.raises(AssertionError, match="Bernstein"):
        assert_mean_bernstein(smp.mean, exact, 3000, mom.variance,
                              _estimate_bound(mdp, V, "baseline") + np.abs(exact), FALSE_ALARM)
    gmdp = _mdp(3, 2, 4, 0.5, "gaussian")
    gexact = exact_policy_gradient(gmdp.P, gmdp.R, logits, gmdp.gamma, gmdp.mu0).grad
    gmom = exact_estimator_moments(gmdp, logits, kind="return")
    gsmp = sample_gradient_estimates(gmdp, logits, 3000, 1, kind="return")
    assert_median_of_means(gsmp.grads, gexact, gmom.variance, FALSE_ALARM, atol=TRUNC_ATOL)
    with pytest.raises(AssertionError, match="median-of-means"):
        assert_median_of_means(gsmp.grads + 0.5, gexact, gmom.variance,
                               FALSE_ALARM)


def test_common_random_numbers_across_kinds():
    mdp = random_mdp(3, 2, 0, gamma=0.5)
    logits = _logits(mdp, 1)
    V = np.arange(3.0)
    a = sample_gradient_estimates(mdp, logits, 50, 7, kind="return")
    b = sample_gradient_estimates(mdp, logits, 50, 7, kind="baseline", values=V)
    np.testing.assert_array_equal(a.states, b.states)
    np.testing.assert_array_equal(a.actions, b.actions)
    np.testing.assert_allclose(a.signal - V[a.states], b.signal, atol=FLOAT_ATOL)


@given(st.integers(1, 4), st.integers(1, 8), seeds(), st.sampled_from([0.0, 0.5, 0.99, 1.0]))
def test_n_step_returns_by_explicit_sums(n_envs, n, seed, gamma):
    rng = np.random.default_rng(seed)
    r = rng.standard_normal((n_envs, n))
    b = rng.standard_normal((n_envs, n))
    cut = rng.random((n_envs, n)) < 0.3
    out = n_step_returns(r, b, cut, gamma)
    for e in range(n_envs):
        for t in range(n):
            k = t
            while k < n - 1 and not cut[e, k]:
                k += 1
            expected = sum(gamma ** (i - t) * r[e, i] for i in range(t, k + 1)) + gamma ** (k - t + 1) * b[e, k]
            assert out[e, t] == pytest.approx(expected, abs=NSTEP_ATOL)


def _first_update(mdp, config, logits, values, runs, seed):
    run = train_policy_gradient(mdp, config, n_iters=1, seed=seed, n_runs=runs, logits0=logits, values0=values)
    return (run.logits[1] - run.logits[0]) / config.lr_actor  # (runs, S, A): one estimate per run


def _episode_estimate_moments(mdp, logits, T, baseline=None):
    """Exact mean and variance of one episode's REINFORCE estimate X = Σ_{t<T} γᵗ (G_t - b(s_t)) ψ_t
    (noise-free rewards; G_t the return-to-go within the T-step episode), per logit entry, by a
    forward recursion on moments (no enumeration of the 6^T paths, no Monte Carlo).

    With Φ_k = Σ_{t<=k} ψ_t (the cumulative score) and the sums swapped,
    X = Σ_k γᵏ (r_k Φ_k - b(s_k) ψ_k), the last of the partial sums Y_k.  Given the next pair x'
    (f = ψ(x'), g = γᵏ r(x'), h = -γᵏ b(s') f): Φ' = Φ + f, Y' = Y + g Φ' + h, so the moments
    E[Z; x_k = x] for Z in 1, Φ, Φ², Y, YΦ, Y² move by the pair transition matrix (the step is
    independent of the past given x) and these polynomial maps."""
    pi = softmax(logits, axis=1)
    S, A = pi.shape
    M = _pair_transition(mdp, pi)  # (S A, S A), row x -> column x'
    r = mdp.R.reshape(-1)
    b = np.zeros(S * A) if baseline is None else np.repeat(baseline, A)
    f = np.zeros((S * A, S * A))  # f[e, x] = ψ_e(x) for entry e = (s*, a*) and pair x = (s, a)
    for e in range(S * A):
        s_star, a_star = divmod(e, A)
        f[e, s_star * A:(s_star + 1) * A] = (np.arange(A) == a_star) - pi[s_star, a_star]
    m0 = np.broadcast_to((mdp.mu0[:, None] * pi).reshape(-1), f.shape).copy()
    mF, mFF, mY, mYF, mYY = (np.zeros_like(f) for _ in range(5))
    for k in range(T):
        if k:
            m0, mF, mFF, mY, mYF, mYY = (m @ M for m in (m0, mF, mFF, mY, mYF, mYY))
        g = mdp.gamma**k * r
        h = -mdp.gamma**k * b * f
        yf = mYF + f * mY  # E[Y Φ'; x]
        mF, mFF = mF + f * m0, mFF + 2 * f * mF + f**2 * m0
        mYY = mYY + g**2 * mFF + h**2 * m0 + 2 * g * yf + 2 * h * mY + 2 * g * h * mF
        mYF = yf + g * mFF + h * mF
        mY = mY + g * mF + h * m0
    mean, second = mY.sum(axis=1), mYY.sum(axis=1)
    return mean.reshape(S, A), (second - mean**2).reshape(S, A)


@pytest.mark.statistical
@pytest.mark.parametrize("learner", ["reinforce", "baseline"])
def test_episodic_learners_first_update_is_unbiased(learner):
    # Each run's first step is the mean of 50 episodes' estimates X, so the mean over 400 runs is
    # a mean of 20,000 i.i.d. X, whose exact mean and variance come from the moment recursion
    # above (its mean must be Theorem 1's gradient up to the truncation bias γ^H r_max
    # (H/(1 - γ) + 1/(1 - γ)²) ~ 1e-10 at H = 55).  Range: ψ_t(s, a) lies in an interval of width
    # 1, |G_t - b| <= r_max/(1 - γ) (+ max|V|), so |X - E X| <= 2 Ψ_max/(1 - γ).  Bernstein with
    # the exact variance, false-alarm FALSE_ALARM (8-18 exact SDs per entry: the range term
    # b log(2/α)/(3n) dominates where the variance is small; exact variances checked against
    # 40,000 sampled episodes to 1-4%).  Power: a gradient at logits + 0.25 on action 0 is
    # 1.25-1.5 radii off (measured), + 0.5 is 2.2-2.8 (the control below).
    mdp = random_mdp(3, 2, 5, gamma=0.6)
    logits = _logits(mdp, 6)
    V = policy_evaluation(mdp.P, mdp.R, softmax(logits, axis=1), mdp.gamma).V
    exact = exact_policy_gradient(mdp.P, mdp.R, logits, mdp.gamma, mdp.mu0).grad
    H = default_horizon(0.6)
    config = PGConfig(learner=learner, lr_actor=1.0, n_envs=50, horizon=H)
    steps = _first_update(mdp, config, logits, V, 400, 11)
    mean, var = _episode_estimate_moments(mdp, logits, H, V if learner == "baseline" else None)
    np.testing.assert_allclose(mean, exact, atol=TRUNC_ATOL)
    r_max = float(np.max(np.abs(mdp.R)))
    psi_max = r_max / (1 - mdp.gamma) + (float(np.max(np.abs(V))) if learner == "baseline" else 0.0)
    bound = 2 * psi_max / (1 - mdp.gamma)
    assert_mean_bernstein(steps.mean(axis=0), exact, 20_000, var, bound, FALSE_ALARM, atol=TRUNC_ATOL,
                          what=learner)
    # negative control: the gradient of another policy (logits + 0.5 on action 0) is rejected
    wrong = exact_policy_gradient(mdp.P, mdp.R, logits + np.array([0.5, 0.0]), mdp.gamma, mdp.mu0).grad
    with pytest.raises(AssertionError, match="Bernstein"):
        assert_mean_bernstein(steps.mean(axis=0), wrong, 20_000, var, bound, FALSE_ALARM)


@pytest.mark.statistical
def test_a2c_first_update_is_unbiased_with_fresh_starts():
    # restart_prob = 1: every step starts from μ0, so each sample is a one-step TD advantage at
    # s ~ μ0 and E[update] = Σ_s μ0(s) Σ_a π ψ A / (1 - γ) with the exact V as critic
    mdp = random_mdp(3, 2, 8, gamma=0.6)
    logits = _logits(mdp, 9)
    pv = policy_evaluation(mdp.P, mdp.R, softmax(logits, axis=1), mdp.gamma)
    pi = softmax(logits, axis=1)
    expected = mdp.mu0[:, None] * pi * pv.advantage / (1 - mdp.gamma)
    config = PGConfig(learner="a2c", lr_actor=1.0, n_envs=50, n_step=3, restart_prob=1.0)
    steps = _first_update(mdp, config, logits, pv.V, 400, 12)
    # Each run's step is the mean of 50 x 3 i.i.d. samples X = ψ(s, a)(r + γV(s') - V(s))/(1 - γ)
    # with (s, a, s') ~ μ0 π P (noise-free rewards): the overall mean is a mean of 60,000 draws
    # from a law on 18 outcomes, enumerated here.  Chernoff's bound with that exact law,
    # false-alarm FALSE_ALARM (~6 exact SDs per entry).
    S, A = mdp.n_states, mdp.n_actions
    vals, probs = [], []
    for s in range(S):
        for a in range(A):
            for s2 in range(S):
                x = np.zeros((S, A))
                x[s] = ((np.arange(A) == a) - pi[s]) * (mdp.R[s, a] + mdp.gamma * pv.V[s2] - pv.V[s]) / (1 - mdp.gamma)
                vals.append(x)
                probs.append(mdp.mu0[s] * pi[s, a] * mdp.P[s, a, s2])
    vals, probs = np.array(vals), np.array(probs)
    np.testing.assert_allclose(probs @ vals.reshape(len(probs), -1), expected.ravel(), atol=SERIES_ATOL)
    assert_mean_chernoff(steps.mean(axis=0), vals, probs, 400 * 150, FALSE_ALARM, atol=FLOAT_ATOL, what="a2c")
    # negative control: a critic off by 0.3 in state 0 (a biased advantage) is rejected
    off = pv.V + np.r_[0.3, np.zeros(S - 1)]
    with pytest.raises(AssertionError, match="Chernoff"):
        assert_mean_chernoff(_first_update(mdp, config, logits, off, 400, 12).mean(axis=0), vals, probs,
                             400 * 150, FALSE_ALARM)


def test_learners_improve_on_a_bandit_and_are_deterministic():
    mdp = bandit([0.0, 1.0, 0.5], std=0.5)
    for learner in ("reinforce", "baseline", "a2c"):
        cfg = PGConfig(learner=learner, lr_actor=0.5, n_envs=8)
        a = train_policy_gradient(mdp, cfg, n_iters=200, seed=3, n_runs=2, record_every=50)
        b = train_policy_gradient(mdp, cfg, n_iters=200, seed=3, n_runs=2, record_every=50)
        np.testing.assert_array_equal(a.logits, b.logits)
        assert a.logits.shape == (5, 2, 1, 3) and a.grad_variance.shape == (200, 2)
        assert np.all(a.pi[-1][:, 0, 1] > 0.9), learner
        assert np.all(np.isfinite(a.grad_variance))
        a.to_dict()


def test_entropy_bonus_is_the_entropy_gradient():
    # γ = 0, deterministic rewards, one environment, lr 1: the update is (e_a - π)(r - V) + τ ∇H
    mdp = FiniteMDP(P=np.ones((1, 3, 1)), R=[[0.0, 0.0, 0.0]], mu0=[1.0], gamma=0.0)
    logits = np.array([[0.2, -0.4, 1.0]])
    cfg = PGConfig(learner="baseline", lr_actor=1.0, n_envs=1, entropy=0.3)
    run = train_policy_gradient(mdp, cfg, n_iters=1, seed=0, logits0=logits)
    H = lambda th: -np.sum(softmax(th) * np.log(softmax(th)))  # noqa: E731
    h = 1e-6
    fd = np.array([(H(logits[0] + h * e) - H(logits[0] - h * e)) / (2 * h) for e in np.eye(3)])
    np.testing.assert_allclose(run.logits[1, 0, 0] - logits[0], 0.3 * fd, atol=ENTROPY_FD_ATOL)
    assert np.isnan(run.grad_variance).all()  # one environment: no spread to measure


def test_large_logits_and_single_action_give_finite_results():
    mdp = random_mdp(2, 1, 0, gamma=0.9)
    mom = exact_estimator_moments(mdp, np.zeros((2, 1)))
    assert mom.total_variance == pytest.approx(0.0, abs=FLOAT_ATOL)
    mdp = random_mdp(3, 2, 1, gamma=0.5)
    logits = np.array([[700.0, -700.0], [0.0, 0.0], [-500.0, 500.0]])
    for kind in ESTIMATOR_KINDS:
        mom = exact_estimator_moments(mdp, logits, kind=kind)
        assert np.all(np.isfinite(mom.covariance))
        smp = sample_gradient_estimates(mdp, logits, 20, 0, kind=kind, values=np.zeros(3))
        assert np.all(np.isfinite(smp.grads))
    run = train_policy_gradient(mdp, PGConfig(learner="a2c", entropy=0.1), n_iters=3, seed=0, logits0=logits)
    assert np.all(np.isfinite(run.logits))


def test_validation():
    mdp = random_mdp(2, 2, 0)
    with pytest.raises(TypeError, match="mdp"):
        sample_gradient_estimates("mdp", np.zeros((2, 2)), 10, 0)
    with pytest.raises(ValueError, match="logits"):
        sample_gradient_estimates(mdp, np.zeros((3, 2)), 10, 0)
    with pytest.raises(ValueError, match="kind"):
        sample_gradient_estimates(mdp, np.zeros((2, 2)), 10, 0, kind="q")
    with pytest.raises(ValueError, match="values"):
        sample_gradient_estimates(mdp, np.zeros((2, 2)), 10, 0, kind="td")
    with pytest.raises(ValueError, match="n"):
        sample_gradient_estimates(mdp, np.zeros((2, 2)), 1, 0)
    with pytest.raises(TypeError, match="seed"):
        sample_gradient_estimates(mdp, np.zeros((2, 2)), 10, None)
    with pytest.raises(ValueError, match="values"):
        exact_estimator_moments(mdp, np.zeros((2, 2)), kind="baseline", values=np.zeros(3))
    with pytest.raises(ValueError, match="learner"):
        PGConfig(learner="ppo")
    with pytest.raises(ValueError, match="lr_actor"):
        PGConfig(lr_actor=-1.0)
    with pytest.raises(ValueError, match="restart_prob"):
        PGConfig(restart_prob=1.5)
    with pytest.raises(TypeError, match="config"):
        train_policy_gradient(mdp, {}, n_iters=1, seed=0)
    with pytest.raises(ValueError, match="logits0"):
        train_policy_gradient(mdp, PGConfig(), n_iters=1, seed=0, logits0=np.zeros(3))
    with pytest.raises(ValueError, match="values0"):
        train_policy_gradient(mdp, PGConfig(), n_iters=1, seed=0, values0=np.zeros(3))
    with pytest.raises(TypeError, match="cut"):
        n_step_returns([1.0], [1.0], [1], 0.5)
    with pytest.raises(ValueError, match="gamma"):
        default_horizon(1.0)
