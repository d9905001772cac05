"""A3C (solvers.tabular.a3c) against independent references: theory.policy_gradient's exact
gradient, finite differences of the exact (entropy-regularized) return, value iteration, soft
value iteration, plain-loop reimplementations of the delayed recursion and of the worker
bookkeeping, the roots of the delay equation's characteristic polynomial, and Monte Carlo
empirical Bernstein bounds (known range) for the sampled gradient.  Real threads/processes: only properties that hold
for every interleaving."""

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import log_softmax, softmax

from experiments.claims.mnih2016_a3c import soft_optimal_logits, soft_return
from solvers.problems.rl_toys import bandit, chain_mdp, random_mdp, uniform_policy, value_iteration
from solvers.problems.rl_toys import policy_evaluation as evaluate_policy
from solvers.tabular.a3c import (
    batched_policy_gradient,
    delayed_gradient_ascent,
    fixed_delay_schedule,
    run_async_a3c,
    sampled_advantage_gradient,
    simulate_a3c,
    worker_schedule,
)
from tests.stats import FALSE_ALARM, assert_mean_empirical_bernstein
from theory.policy_gradient import discounted_state_distribution, exact_policy_gradient, policy_evaluation

#: Two implementations of the same linear solves (batched inverse vs LAPACK solve) on systems
#: of condition number <= (1 + γ)/(1 - γ) <= 39 with |V| <= 20 max|R|: float rounding.
SOLVE_ATOL = 1e-10
#: Central differences of J with h = 1e-5: truncation ~h² |J'''| ~ 1e-8, rounding ~eps |J|/h ~ 1e-10.
FD_H, FD_ATOL = 1e-5, 1e-7
#: Soft value iteration stops at a sup-norm change of 1e-13, so the soft-optimal logits are
#: accurate to ~1e-12 / τ, and the gradient there vanishes to about that.
SOFT_STATIONARY_ATOL = 1e-9
#: The same floating-point recursion computed two ways (ring buffer vs Python list): identical
#: operations up to the order of one addition per step.
RECURSION_ATOL = 1e-12
#: Optimizer tolerance of finite exact-gradient runs: relative gap (J* - J)/(J* - J_uniform).
GAP_RTOL = 1e-3
#: Sampled runs (constant step): relative gap after their budget.
SAMPLED_GAP_RTOL = 1e-2
#: Spectral radius of the characteristic polynomial at the Levin-May limit (np.roots accuracy).
ROOTS_ATOL = 1e-9
#: Value iteration stops at a sup-norm change of 1e-12, so no policy's J may exceed its J* by
#: more than ~1e-11; 1e-9 leaves room for the rounding of the J recorded by the simulator.
VI_SLACK = 1e-9
#: Float rounding of a mean of 2e5 terms of size <= 1e2 and of the exact gradient's solves.
MEAN_ATOL = 1e-10


def _levin_may(tau):
    return 2 * np.sin(np.pi / (2 * (2 * tau + 1)))


def _relative_gap(mdp, J):
    star = value_iteration(mdp).J
    return (star - np.asarray(J)) / (star - evaluate_policy(mdp, uniform_policy(mdp)).J)


@st.composite
def mdp_and_logits(draw, max_states=6, max_actions=4):
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    S, A = draw(st.integers(1, max_states)), draw(st.integers(1, max_actions))
    gamma = draw(st.sampled_from([0.0, 0.5, 0.9, 0.95]))
    conc = draw(st.sampled_from([0.1, 1.0]))
    mdp = random_mdp(S, A, rng, gamma=gamma, concentration=conc)
    scale = draw(st.sampled_from([0.0, 1.0, 5.0, 50.0]))
    logits = scale * rng.standard_normal((draw(st.integers(1, 3)), S, A))
    return mdp, logits


# ------------------------------------------------------------------------------ exact gradient
@given(mdp_and_logits())
def test_batched_gradient_matches_theory_exact_policy_gradient(case):
    mdp, logits = case
    J, grad = batched_policy_gradient(mdp, logits)
    for b in range(logits.shape[0]):
        ref = exact_policy_gradient(mdp.P, mdp.R, logits[b], mdp.gamma, mdp.mu0)
        assert abs(J[b] - ref.J) <= SOLVE_ATOL * (1 + abs(ref.J))
        np.testing.assert_allclose(grad[b], ref.grad, atol=SOLVE_ATOL * (1 + np.abs(mdp.R).max() / (1 - mdp.gamma)))


def test_single_logits_give_scalar_return():
    mdp = random_mdp(3, 2, 0)
    J, grad = batched_policy_gradient(mdp, np.zeros((3, 2)))
    assert isinstance(J, float) and grad.shape == (3, 2)


@pytest.mark.parametrize("tau", [0.1, 1.0])
@settings(max_examples=15)
@given(seed=st.integers(0, 2**32 - 1))
def test_entropy_gradient_matches_finite_differences_of_soft_return(tau, seed):
    rng = np.random.default_rng(seed)
    mdp = random_mdp(3, 3, rng, gamma=0.8)
    theta = rng.standard_normal((3, 3))
    J, grad = batched_policy_gradient(mdp, theta, entropy=tau)
    assert J == pytest.approx(soft_return(mdp, theta, tau), abs=SOLVE_ATOL)
    E = FD_H * np.eye(9).reshape(9, 3, 3)
    fd = np.array([(soft_return(mdp, theta + e, tau) - soft_return(mdp, theta - e, tau)) / (2 * FD_H) for e in E])
    np.testing.assert_allclose(grad, fd.reshape(3, 3), atol=FD_ATOL)


def test_entropy_gradient_vanishes_at_soft_optimum_of_soft_value_iteration():
    mdp = random_mdp(5, 3, 11, gamma=0.9)
    theta = soft_optimal_logits(mdp, 0.3)
    _, grad = batched_policy_gradient(mdp, theta, entropy=0.3)
    assert np.abs(grad).max() <= SOFT_STATIONARY_ATOL


def test_large_logits_and_deterministic_limits_are_finite():
    mdp = chain_mdp(4)
    theta = np.array([[800.0, -800.0]] * 4)
    for tau in (0.0, 0.5):
        J, grad = batched_policy_gradient(mdp, theta, entropy=tau)
        assert np.isfinite(J) and np.all(np.isfinite(grad))
    # the deterministic "forward" policy: J = value of the greedy policy of value iteration
    vi = value_iteration(mdp)
    J, _ = batched_policy_gradient(mdp, theta)
    assert J == pytest.approx(vi.J, abs=SOLVE_ATOL * 100)


# ---------------------------------------------------------------------------------- schedules
@given(n=st.integers(0, 60), delay=st.integers(0, 20))
def test_fixed_delay_schedule(n, delay):
    s = fixed_delay_schedule(n, delay, n_runs=2)
    k = np.arange(n)
    assert s.read.shape == (2, n)
    np.testing.assert_array_equal(s.read[0], np.maximum(k - delay, 0))
    assert s.max_staleness == (min(delay, n - 1) if n else 0)


@given(n=st.integers(1, 80), W=st.integers(1, 12))
def test_round_robin_workers_are_a_fixed_delay_of_w_minus_1(n, W):
    rr = worker_schedule(n, W, order="round-robin")
    np.testing.assert_array_equal(rr.read, fixed_delay_schedule(n, W - 1).read)
    np.testing.assert_array_equal(rr.worker[0], np.arange(n) % W)


def _reference_reads(worker_row):
    """Algorithm S3's bookkeeping by a plain loop: each worker copies version 0 at the start and
    the version it wrote, k + 1, after each of its updates."""
    copy = {}
    reads = []
    for k, w in enumerate(worker_row):
        reads.append(copy.get(int(w), 0))
        copy[int(w)] = k + 1
    return np.array(reads)


@given(n=st.integers(0, 60), W=st.integers(1, 8), runs=st.integers(1, 3), seed=st.integers(0, 2**32 - 1))
def test_random_order_reads_match_a_plain_loop(n, W, runs, seed):
    s = worker_schedule(n, W, order="random", n_runs=runs, seed=seed)
    assert s.read.shape == (runs, n) and np.all(s.read <= np.arange(n)) and np.all(s.read >= 0)
    for r in range(runs):
        np.testing.assert_array_equal(s.read[r], _reference_reads(s.worker[r]))


@pytest.mark.statistical
def test_random_order_mean_staleness_is_about_w_minus_1():
    s = worker_schedule(20_000, 8, order="random", seed=3)
    W, N, K0 = 8, 20_000, 1000
    # Past the start the staleness of an update is the number of updates since its worker last
    # wrote (mean W - 1 = 7).  Summed over a window [K0, N) it telescopes per worker w:
    # Σ_k staleness_k = (W - 1)(N - K0) + Σ_w (H_w - G_w), H_w = the updates between w's last
    # write before K0 and K0, G_w = those after w's last write in the window.  Each of the 2W
    # gaps is >= g with probability <= (1 - 1/W)^g (i.i.d. uniform workers), so by the union
    # bound |mean - (W - 1)| <= W g/(N - K0) with probability >= 1 - 2W(1 - 1/W)^g: g from
    # false-alarm FALSE_ALARM (no sample SE; the old batch-means SE ignored this structure).
    g = math.ceil(math.log(2 * W / FALSE_ALARM) / -math.log1p(-1 / W))
    gaps = s.staleness[0, K0:]
    assert abs(gaps.mean() - (W - 1)) <= W * g / (N - K0)
    # negative control: a staleness off by one (counting the update itself) is rejected
    assert abs(gaps.mean() + 1 - (W - 1)) > W * g / (N - K0)


def test_concat_keeps_rows_and_checks_lengths():
    a, b = fixed_delay_schedule(10, 2), worker_schedule(10, 3, order="random", seed=0)
    c = a.concat(b)
    assert c.n_runs == 2 and c.order == "mixed" and c.n_workers == 3
    with pytest.raises(ValueError, match="same number of updates"):
        a.concat(fixed_delay_schedule(11, 2))
    with pytest.raises(TypeError):
        a.concat("schedule")


# --------------------------------------------------------------------------- delayed ascent
def test_delay_zero_quadratic_is_geometric():
    h, eta, n = 1.3, 0.4, 50
    res = delayed_gradient_ascent(lambda x: -h * x, np.ones(1), eta, fixed_delay_schedule(n, 0))
    assert res.params[0, 0] == pytest.approx((1 - eta * h) ** n, rel=RECURSION_ATOL)


@given(delay=st.integers(0, 6), seed=st.integers(0, 2**32 - 1))
def test_delayed_recursion_matches_a_plain_loop(delay, seed):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((3, 3))
    H = -(A @ A.T) - 0.1 * np.eye(3)  # a concave quadratic's Hessian
    x0, eta, n = rng.standard_normal(3), 0.05, 40
    res = delayed_gradient_ascent(lambda x: x @ H.T, x0, eta, fixed_delay_schedule(n, delay))
    hist = [x0]
    for k in range(n):
        hist.append(hist[-1] + eta * H @ hist[max(k - delay, 0)])
    np.testing.assert_allclose(res.params[0], hist[-1], atol=RECURSION_ATOL)


@pytest.mark.parametrize("delay", [0, 1, 3, 7])
def test_levin_may_limit_is_where_the_roots_cross_the_unit_circle_and_the_simulator_flips(delay):
    a = _levin_may(delay)
    coeffs = np.zeros(delay + 2)
    coeffs[:2] = 1.0, -1.0
    coeffs[-1] += a
    assert np.abs(np.roots(coeffs)).max() == pytest.approx(1.0, abs=ROOTS_ATOL)
    # 5% inside the limit decays, 5% outside grows (|ρ - 1| >= 1e-3 per step here: e^{±3} over 3,000 steps)
    res = delayed_gradient_ascent(lambda x: -x, np.ones(1), np.array([0.95 * a, 1.05 * a]),
                                  fixed_delay_schedule(3000, delay, n_runs=2), record_every=3000)
    assert res.max_abs[-1, 0] < 1e-1 and res.max_abs[-1, 1] > 10.0


def test_gradient_of_wrong_shape_is_refused():
    with pytest.raises(ValueError, match="gradient"):
        delayed_gradient_ascent(lambda x: x[:, :1], np.ones(3), 0.1, fixed_delay_schedule(3, 0))


# ------------------------------------------------------------------------------- simulate_a3c
@pytest.mark.parametrize("delay", [0, 3])
def test_exact_simulation_matches_a_loop_over_theory_gradients(delay):
    mdp = random_mdp(4, 3, 5, gamma=0.9)
    lr, n = 0.7, 60
    run = simulate_a3c(mdp, fixed_delay_schedule(n, delay), lr=lr, record_every=n)
    hist = [np.zeros((4, 3))]
    for k in range(n):
        g = exact_policy_gradient(mdp.P, mdp.R, hist[max(k - delay, 0)], mdp.gamma, mdp.mu0).grad
        hist.append(hist[-1] + lr * g)
    np.testing.assert_allclose(run.logits[0], hist[-1], atol=SOLVE_ATOL)
    assert run.final_J[0] == pytest.approx(exact_policy_gradient(mdp.P, mdp.R, hist[-1], mdp.gamma, mdp.mu0).J,
                                           abs=SOLVE_ATOL)


def test_stale_exact_gradients_reach_value_iteration_optimum():
    mdp = random_mdp(5, 3, 21, gamma=0.9)
    sched = fixed_delay_schedule(1500, np.array([0, 4, 16])).concat(worker_schedule(1500, 6, order="random", seed=2))
    run = simulate_a3c(mdp, sched, lr=1.0, record_every=500)
    assert np.all(_relative_gap(mdp, run.final_J) <= GAP_RTOL)
    assert np.all(run.J <= value_iteration(mdp).J + VI_SLACK)


def test_per_run_step_sizes_are_independent_runs():
    mdp = random_mdp(3, 2, 4)
    both = simulate_a3c(mdp, fixed_delay_schedule(30, 2, n_runs=2), lr=[0.5, 2.0], record_every=30)
    alone = simulate_a3c(mdp, fixed_delay_schedule(30, 2), lr=2.0, record_every=30)
    np.testing.assert_array_equal(both.logits[1], alone.logits[0])


# ---------------------------------------------------------------------------- sampled gradient
@pytest.mark.statistical
@pytest.mark.parametrize("tau", [0.0, 0.5])
def test_sampled_advantage_gradient_is_unbiased_with_the_true_critic(tau):
    """E ĝ = ∇J_τ when V = V^π_τ and the start is drawn from d_γ (policy gradient theorem).

    False-alarm probability: the empirical Bernstein bound (Maurer & Pontil 2009, Thm 4) with a
    *known range*, at α = FALSE_ALARM jointly over the 6 entries (and again over the 3 states for
    the critic check).  Range: the soft rewards lie in [r_lo, r_hi] and V^π_τ in [V_lo, V_hi], so
    an n-step return R_i = Σ_{j<k} γʲ r + γᵏ V(s_k) (1 <= k <= t_max) lies in [ret_lo, ret_hi] =
    [min_k r_lo (1 - γᵏ)/(1 - γ) + γᵏ V_lo, max_k r_hi (1 - γᵏ)/(1 - γ) + γᵏ V_hi], and
    A_i = R_i - V(s_i) in [ret_lo - V(s), ret_hi - V(s)] at state s; ψ_i(a) ∈ {1 - π(a|s), -π(a|s)},
    so each entry of ĝ = 1/((1 - γ) t_max) Σ_{i < t_max} ψ_i A_i (a mean of t_max terms, those
    at other states 0) lies in [min(0, min ψ A), max(0, max ψ A)] / (1 - γ) (asserted; widths
    14-21 here, observed |ĝ| <= 7).  Radius ~0.009-0.011, ~9-12 estimator SDs (the old
    4.5-sample-SE check had no stated false-alarm probability): the test detects a bias
    >= ~0.01 on entries of size 0.07-0.43.  Negative controls: the exact gradient shifted
    by 0.05 in one entry, the estimator without its 1/(1 - γ) normalization, and a critic off by
    0.2 at one state are rejected.
    """
    rng = np.random.default_rng(7)
    mdp = random_mdp(3, 2, rng, gamma=0.7)
    theta = rng.standard_normal((3, 2))
    pi = softmax(theta, axis=1)
    R_soft = mdp.R - tau * log_softmax(theta, axis=1)
    V = policy_evaluation(mdp.P, R_soft, pi, mdp.gamma).V  # the (soft) value: an exact critic
    d = discounted_state_distribution(mdp.P, pi, mdp.gamma, mdp.mu0)  # the states' stationary law
    B, t_max = 200_000, 3
    start = rng.choice(3, size=B, p=d)
    d_theta, d_V, end = sampled_advantage_gradient(mdp, np.broadcast_to(theta, (B, 3, 2)),
                                                   np.broadcast_to(V, (B, 3)), start, rng, t_max=t_max,
                                                   entropy=tau)
    exact = batched_policy_gradient(mdp, theta, entropy=tau)[1]
    g = mdp.gamma
    k = np.arange(1, t_max + 1)
    ret_lo = np.min(R_soft.min() * (1 - g**k) / (1 - g) + g**k * V.min())
    ret_hi = np.max(R_soft.max() * (1 - g**k) / (1 - g) + g**k * V.max())
    adv = np.stack([ret_lo - V, ret_hi - V], axis=1)[:, None, :]           # (S, 1, 2) A's range
    psi = np.stack([1 - pi, -pi], axis=2)                                  # (S, A, 2) ψ's values
    prods = (psi[..., :, None] * adv[..., None, :]).reshape(3, 2, 4)
    g_lo = np.minimum(prods.min(axis=2), 0.0) / (1 - g)
    g_hi = np.maximum(prods.max(axis=2), 0.0) / (1 - g)
    assert np.all(d_theta >= g_lo - 1e-12) and np.all(d_theta <= g_hi + 1e-12)
    g_width = g_hi - g_lo
    assert_mean_empirical_bernstein(d_theta, exact, g_width, atol=MEAN_ATOL, what="sampled gradient")
    # negative controls: a prediction 0.05 off in one entry; a broken (unnormalized) estimator
    shifted = exact.copy()
    shifted[0, 0] += 0.05
    with pytest.raises(AssertionError):
        assert_mean_empirical_bernstein(d_theta, shifted, g_width, atol=MEAN_ATOL)
    with pytest.raises(AssertionError):
        assert_mean_empirical_bernstein(d_theta * (1 - g), exact, g_width, atol=MEAN_ATOL)
    assert end.shape == (B,) and end.min() >= 0 and end.max() < 3
    # the critic's error R - V(s) has mean zero given s when V is the true value (one-step
    # segments: one visit per worker, so no selection by the number of visits); given the
    # starts the errors are independent, in [ret_lo - V(s), ret_hi - V(s)]
    _, d_V1, _ = sampled_advantage_gradient(mdp, np.broadcast_to(theta, (B, 3, 2)), np.broadcast_to(V, (B, 3)),
                                            start, rng, t_max=1, entropy=tau)
    err = d_V1[np.arange(B), start]
    assert np.all(err >= ret_lo - V[start] - 1e-12) and np.all(err <= ret_hi - V[start] + 1e-12)
    for s in range(3):
        e = err[start == s]
        assert_mean_empirical_bernstein(e, 0.0, ret_hi - ret_lo, alpha=FALSE_ALARM / 3, atol=MEAN_ATOL,
                                        what=f"critic error at state {s}")
    # negative control: a critic off by 0.2 at state 0 (its error's mean moves by 0.2; |V| ~ 1-3)
    with pytest.raises(AssertionError):
        assert_mean_empirical_bernstein(err[start == 0] - 0.2, 0.0, ret_hi - ret_lo, alpha=FALSE_ALARM / 3)


def test_sampled_simulation_is_reproducible_and_reaches_optimum():
    mdp = random_mdp(4, 2, 8, gamma=0.8)
    short = worker_schedule(50, 4, order="random", n_runs=2, seed=1)
    a, b, c = (simulate_a3c(mdp, short, lr=0.3, gradient="sampled", seed=seed) for seed in (5, 5, 6))
    np.testing.assert_array_equal(a.logits, b.logits)
    np.testing.assert_array_equal(a.values, b.values)
    assert not np.array_equal(a.logits, c.logits)
    run = simulate_a3c(mdp, worker_schedule(1200, 4, order="random", n_runs=4, seed=1), lr=0.3,
                       gradient="sampled", seed=5, record_every=600)
    assert np.all(_relative_gap(mdp, run.final_J) <= SAMPLED_GAP_RTOL)
    assert run.values.shape == (4, 4)


def test_sampled_a3c_on_a_gaussian_bandit_picks_the_best_arm():
    mdp = bandit([1.0, 0.0, 0.5], std=1.0)  # γ = 0: every step restarts, returns are the rewards
    run = simulate_a3c(mdp, worker_schedule(600, 3, order="random", n_runs=3, seed=0), lr=0.5,
                       gradient="sampled", seed=1, record_every=600)
    assert np.all(softmax(run.logits[:, 0], axis=-1)[:, 0] > 0.95)


# --------------------------------------------------------------------------------- real workers
@pytest.mark.parametrize("lock", [True, False])
def test_threads_reach_optimum_for_any_interleaving(lock):
    mdp = random_mdp(5, 3, 21, gamma=0.9)
    run = run_async_a3c(mdp, n_workers=3, n_updates=1500, lr=1.0, seed=0, backend="thread", lock=lock, timeout=60)
    assert not run.timed_out and run.n_updates == 1500 and run.updates_per_worker.sum() == 1500
    assert run.staleness.shape == (1500,) and run.staleness.min() >= 0
    assert _relative_gap(mdp, run.J) <= GAP_RTOL
    json.dumps(run.to_dict())


def test_sampled_threads_on_a_bandit():
    mdp = bandit([1.0, 0.0], std=0.5)
    run = run_async_a3c(mdp, n_workers=2, n_updates=400, lr=0.5, seed=3, gradient="sampled", timeout=60)
    assert not run.timed_out and softmax(run.logits[0])[0] > 0.95 and run.values.shape == (1,)


def test_processes_on_shared_memory_reach_optimum():
    mdp = random_mdp(5, 3, 21, gamma=0.9)
    run = run_async_a3c(mdp, n_workers=2, n_updates=1500, lr=1.0, seed=0, backend="process", lock=False, timeout=60)
    assert not run.timed_out and run.n_updates == 1500 and run.updates_per_worker.sum() == 1500
    assert _relative_gap(mdp, run.J) <= GAP_RTOL


def test_zero_updates_and_timeout_flag():
    mdp = random_mdp(2, 2, 0)
    run = run_async_a3c(mdp, n_workers=2, n_updates=0, lr=1.0, seed=0)
    assert run.n_updates == 0 and np.all(run.logits == 0)
    slow = run_async_a3c(mdp, n_workers=1, n_updates=10**7, lr=1e-3, seed=0, timeout=0.2)
    assert slow.timed_out and slow.n_updates < 10**7


# ---------------------------------------------------------------------------------- validation
def test_validation_names_the_argument():
    mdp = random_mdp(3, 2, 0)
    sched = fixed_delay_schedule(5, 1)
    cases = [
        (lambda: batched_policy_gradient("mdp", np.zeros((3, 2))), TypeError, "mdp"),
        (lambda: batched_policy_gradient(mdp, np.zeros((3, 3))), ValueError, "logits"),
        (lambda: batched_policy_gradient(mdp, np.full((3, 2), np.nan)), ValueError, "logits"),
        (lambda: batched_policy_gradient(mdp, np.zeros((3, 2)), entropy=-1.0), ValueError, "entropy"),
        (lambda: fixed_delay_schedule(-1, 0), ValueError, "n_updates"),
        (lambda: fixed_delay_schedule(5, -1), ValueError, "delay"),
        (lambda: fixed_delay_schedule(5, 1.5), TypeError, "delay"),
        (lambda: fixed_delay_schedule(5, np.array([1, 2]), n_runs=3), ValueError, "n_runs"),
        (lambda: worker_schedule(5, 0), ValueError, "n_workers"),
        (lambda: worker_schedule(5, 2, order="lifo"), ValueError, "order"),
        (lambda: worker_schedule(5, 2, order="random"), TypeError, "seed"),
        (lambda: simulate_a3c(mdp, sched, lr=0.0), ValueError, "lr"),
        (lambda: simulate_a3c(mdp, sched, lr=[0.1, 0.2]), ValueError, "lr"),
        (lambda: simulate_a3c(mdp, "schedule", lr=0.1), TypeError, "schedule"),
        (lambda: simulate_a3c(mdp, sched, lr=0.1, gradient="natural"), ValueError, "gradient"),
        (lambda: simulate_a3c(mdp, sched, lr=0.1, logits0=np.zeros(3)), ValueError, "logits0"),
        (lambda: simulate_a3c(mdp, sched, lr=0.1, gradient="sampled"), TypeError, "seed"),
        (lambda: simulate_a3c(mdp, sched, lr=0.1, gradient="sampled", seed=0, t_max=0), ValueError, "t_max"),
        (lambda: simulate_a3c(mdp, sched, lr=0.1, gradient="sampled", seed=0, lr_critic=0.0), ValueError, "lr_critic"),
        (lambda: simulate_a3c(mdp, sched, lr=0.1, gradient="sampled", seed=0, restart_prob=0.0), ValueError,
         "restart_prob"),
        (lambda: simulate_a3c(mdp, sched, lr=0.1, record_every=0), ValueError, "record_every"),
        (lambda: sampled_advantage_gradient(mdp, np.zeros((2, 3, 2)), np.zeros((2, 3)), np.array([0, 3]), 0),
         ValueError, "state"),
        (lambda: sampled_advantage_gradient(mdp, np.zeros((2, 3, 2)), np.zeros((1, 3)), np.array([0, 1]), 0),
         ValueError, "values"),
        (lambda: run_async_a3c(mdp, n_workers=2, n_updates=5, lr=0.1, seed=0, backend="gpu"), ValueError, "backend"),
        (lambda: run_async_a3c(mdp, n_workers=2, n_updates=5, lr=0.1, seed=0, lock="yes"), TypeError, "lock"),
        (lambda: run_async_a3c(mdp, n_workers=2, n_updates=5, lr=-0.1, seed=0), ValueError, "lr"),
        (lambda: run_async_a3c(mdp, n_workers=2, n_updates=5, lr=0.1, seed=np.random.default_rng(0)), TypeError,
         "seed"),
        (lambda: run_async_a3c(mdp, n_workers=2, n_updates=5, lr=0.1, seed=0, timeout=0.0), ValueError, "timeout"),
        (lambda: run_async_a3c(mdp, n_workers=2, n_updates=5, lr=0.1, seed=0, backend="process",
                               start_method="teleport"), ValueError, "start_method"),
        (lambda: delayed_gradient_ascent(lambda x: x, np.ones(2), 0.1, sched, per_run_start=True), ValueError,
         "theta0"),
    ]
    for call, exc, name in cases:
        with pytest.raises(exc, match=name):
            call()


def test_results_serialize_to_dict():
    mdp = random_mdp(3, 2, 0)
    run = simulate_a3c(mdp, worker_schedule(20, 2, order="random", seed=0), lr=0.5, gradient="sampled", seed=0)
    assert json.loads(json.dumps(run.to_dict()))["n_workers"] == 2
    assert json.loads(json.dumps(fixed_delay_schedule(5, 1).to_dict()))["read"] == [[0, 0, 1, 2, 3]]
