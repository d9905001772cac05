"""solvers.tabular.seqgan against the closed forms of theory.seqgan / theory.gan / divergences.

Monte Carlo checks compare against exact values obtained by enumerating the sequence space
(<= 64 sequences) and every roll-out, with acceptance regions from exact or conservative bounds
(tests/stats.py: exact binomial tails, Bernstein with the exact variance) at a stated
false-alarm probability, at seeds drawn by Hypothesis (derandomized in CI).
"""

import itertools
import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from solvers.tabular import seqgan as ts
from tests.stats import FALSE_ALARM, assert_mean_bernstein, assert_multinomial
from tests.tolerances import FLOAT_ATOL, FLOAT_RTOL
from theory.divergences import kl_divergence
from theory.gan import optimal_discriminator
from theory.seqgan import exact_action_values, exact_objective_gradient, sequence_probabilities


def _softmax_rows(x):
    z = np.exp(x - x.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def _estimator_moments(logits, d, n_rollouts):
    """Exact first and second moments of ONE sampled sequence's term of the estimator, by
    enumerating every sequence and every roll-out completion (written here, from the softmax
    tables; no solver code).

    The per-sequence term for logit (t, r, v) is X = 1[Y_{1:t} = r] (1[y_t = v] - π_t(v | r)) Q̂_t
    with Q̂_t the mean of N roll-out rewards D given Y_{1:t+1} (t < T - 1) or D(Y) (t = T - 1).
    Given Y, Q̂_t has mean Q_t = E[D | Y_{1:t+1}] and second moment Q_t² + Var(D | Y_{1:t+1})/N.
    Returns (mean, second moment), each flattened like the concatenated logit tables; every
    |X| <= 1 (|score| <= 1, D in [0, 1])."""
    V, T = logits[0].shape[1], len(logits)
    pis = [_softmax_rows(np.asarray(x, float)) for x in logits]
    seqs = list(itertools.product(range(V), repeat=T))  # lexicographic = base-V index order
    prob = np.empty(len(seqs))
    rows = np.zeros((len(seqs), T + 1), dtype=np.int64)  # rows[k, t] = index of Y_{1:t}
    for k, y in enumerate(seqs):
        pr = 1.0
        for t in range(T):
            pr *= pis[t][rows[k, t], y[t]]
            rows[k, t + 1] = rows[k, t] * V + y[t]
        prob[k] = pr
    d = np.asarray(d, float)
    mean = [np.zeros_like(pi) for pi in pis]
    second = [np.zeros_like(pi) for pi in pis]
    for t in range(T):
        key = rows[:, t + 1]
        mass = np.bincount(key, weights=prob, minlength=V ** (t + 1))
        with np.errstate(invalid="ignore", divide="ignore"):
            m1 = np.bincount(key, weights=prob * d, minlength=V ** (t + 1)) / mass
            m2 = np.bincount(key, weights=prob * d**2, minlength=V ** (t + 1)) / mass
        q1 = m1[key]
        q2 = d**2 if t == T - 1 else m1[key] ** 2 + (m2[key] - m1[key] ** 2) / n_rollouts
        for k, y in enumerate(seqs):
            if prob[k] == 0.0:
                continue
            score = np.eye(V)[y[t]] - pis[t][rows[k, t]]
            mean[t][rows[k, t]] += prob[k] * score * q1[k]
            second[t][rows[k, t]] += prob[k] * score**2 * q2[k]
    return np.concatenate([m.ravel() for m in mean]), np.concatenate([m.ravel() for m in second])


def _conditional_reward_moments(logits, d, prefix):
    """(E[D | Y_{1:t} = prefix], E[D² | Y_{1:t} = prefix]) by enumerating the completions."""
    V, T = logits[0].shape[1], len(logits)
    pis = [_softmax_rows(np.asarray(x, float)) for x in logits]
    t0 = len(prefix)
    row = 0
    for tok in prefix:
        row = row * V + tok
    m0 = m1 = m2 = 0.0
    for tail in itertools.product(range(V), repeat=T - t0):
        pr, r, idx = 1.0, row, row
        for t, tok in enumerate(tail, start=t0):
            pr *= pis[t][r, tok]
            r = r * V + tok
        idx = r
        m0 += pr
        m1 += pr * d[idx]
        m2 += pr * d[idx] ** 2
    return m1 / m0, m2 / m0


@st.composite
def problems(draw, max_size=64, max_scale=3.0):
    V = draw(st.integers(1, 4))
    T = draw(st.integers(1, 4))
    assume(V**T <= max_size)
    seed = draw(st.integers(0, 2**32 - 1))
    scale = draw(st.floats(0.0, max_scale))
    rng = np.random.default_rng(seed)
    return ts.random_generator_logits(V, T, rng, scale=max(scale, 1e-12)), rng.uniform(size=V**T), seed


class TestEnumeration:
    @given(problems())
    def test_generator_distribution_matches_theory(self, problem):
        logits, _, _ = problem
        np.testing.assert_allclose(ts.generator_distribution(logits), sequence_probabilities(logits),
                                   rtol=FLOAT_RTOL, atol=1e-300)

    @given(problems())
    def test_enumerated_gradient_matches_theory(self, problem):
        logits, d, _ = problem
        exact = exact_objective_gradient(logits, d).grad
        for g, e in zip(ts.enumerated_gradient(logits, d), exact):
            np.testing.assert_allclose(g, e, atol=FLOAT_ATOL)

    @given(st.integers(1, 5), st.integers(1, 4))
    def test_index_round_trip(self, V, T):
        seqs = ts.all_sequences(V, T)
        np.testing.assert_array_equal(ts.sequence_index(seqs, V), np.arange(V**T))


class TestSampling:
    @pytest.mark.statistical
    @settings(max_examples=20)
    @given(problems(max_size=27))
    def test_sample_frequencies(self, problem):
        # Counts in the <= 27 cells against the exact multinomial (exact binomial tails,
        # Bonferroni over cells): false alarm <= FALSE_ALARM even for cells with n p << 1.
        logits, _, seed = problem
        n = 20_000
        idx = ts.sequence_index(ts.sample_sequences(logits, n, seed), logits[0].shape[1])
        counts = np.bincount(idx, minlength=logits[0].shape[1] ** len(logits))
        assert_multinomial(counts, sequence_probabilities(logits), FALSE_ALARM)

    @pytest.mark.statistical
    def test_sample_frequencies_negative_control(self):
        # A sampler off by 2% of the mass on one cell (moved to another) is detected at n = 20,000:
        # the wrong probabilities are rejected.
        logits = ts.random_generator_logits(3, 2, 7, scale=1.0)
        p = sequence_probabilities(logits)
        counts = np.bincount(ts.sequence_index(ts.sample_sequences(logits, 20_000, 1), 3), minlength=9)
        wrong = p.copy()
        wrong[np.argmax(p)] -= 0.02
        wrong[np.argmin(p)] += 0.02
        with pytest.raises(AssertionError, match="not Binomial"):
            assert_multinomial(counts, wrong, FALSE_ALARM)

    def test_deterministic_generator_and_large_logits(self):
        logits = [np.array([[-1e300, 1e300]]), np.array([[1e3, -1e3], [-1e3, 1e3]])]
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            y = ts.sample_sequences(logits, 50, 0)
        np.testing.assert_array_equal(y, np.tile([1, 1], (50, 1)))

    def test_same_seed_same_samples(self):
        logits = ts.random_generator_logits(3, 3, 0)
        np.testing.assert_array_equal(ts.sample_sequences(logits, 10, 5), ts.sample_sequences(logits, 10, 5))


class TestRollouts:
    @pytest.mark.statistical
    @settings(max_examples=20)
    @given(problems(max_size=64), st.integers(1, 8))
    def test_rollout_mean_matches_exact_q(self, problem, N):
        logits, d, seed = problem
        V, T = logits[0].shape[1], len(logits)
        rng = np.random.default_rng(seed)
        y = ts.sample_sequences(logits, 1, rng)[0]
        M = 3000
        q_hat = ts.rollout_action_values(logits, d, np.tile(y, (M, 1)), N, rng)
        Q = exact_action_values(logits, d)
        rows, r = [], 0
        for t in range(T):
            rows.append(r)
            r = r * V + y[t]
        target = np.array([Q[t][rows[t], y[t]] for t in range(T)])
        assert q_hat[:, -1] == pytest.approx(d[ts.sequence_index(y, V)])  # eq. (2): no sampling at t = T
        # Each Q̂_t is a mean of N i.i.d. rewards in [0, 1] given Y_{1:t+1}: its exact variance
        # is Var(D | Y_{1:t+1}) / N (by enumerating the completions); the M repeats' mean is
        # checked with Bernstein (|Q̂ - Q| <= 1) at false-alarm FALSE_ALARM over the T - 1 columns.
        if T > 1:
            moments = [_conditional_reward_moments(logits, d, y[: t + 1]) for t in range(T - 1)]
            np.testing.assert_allclose([m for m, _ in moments], target[:-1], atol=FLOAT_ATOL)
            var = np.array([(m2 - m1**2) / N for m1, m2 in moments])
            assert_mean_bernstein(q_hat[:, :-1].mean(axis=0), target[:-1], M, var, 1.0, FALSE_ALARM,
                                  atol=FLOAT_ATOL, what="roll-out Q")

    def test_deterministic_completion_has_no_variance(self):
        # with a deterministic generator every roll-out is the same completion: Q_hat = Q exactly
        V, T = 2, 3
        logits = [np.where(np.arange(V) == 0, 1e3, -1e3) * np.ones((V**t, 1)) for t in range(T)]
        d = np.linspace(0, 1, V**T)
        y = np.array([[1, 0, 1], [0, 1, 1]])
        q_hat = ts.rollout_action_values(logits, d, y, 5, 0)
        Q = exact_action_values(logits, d)
        np.testing.assert_array_equal(q_hat[0, :2], [Q[0][0, 1], Q[1][1, 0]])
        np.testing.assert_array_equal(q_hat[1, :2], [Q[0][0, 0], Q[1][0, 1]])


class TestEstimator:
    @pytest.mark.statistical
    @settings(max_examples=10)
    @given(problems(max_size=27))
    def test_estimator_unbiased(self, problem):
        # The estimator's exact expectation, by enumerating every sequence and roll-out, is the
        # exact gradient (unbiasedness, checked to rounding); the mean of M estimates of B
        # sequences each (M B i.i.d. per-sequence terms, |X| <= 1) is within the Bernstein
        # radius from the exact variance at false-alarm FALSE_ALARM over all coordinates.  A
        # rare token (probability ~1e-4) that never shows up is no problem here: the radius
        # comes from the exact variance, not from the sample's.
        logits, d, seed = problem
        M, B, N = 300, 16, 4
        exact = np.concatenate([g.ravel() for g in exact_objective_gradient(logits, d).grad])
        mean, second = _estimator_moments(logits, d, N)
        np.testing.assert_allclose(mean, exact, atol=FLOAT_ATOL)
        ests = np.array([np.concatenate([g.ravel() for g in ts.policy_gradient_estimate(
            logits, d, B, N, np.random.SeedSequence([seed, i])).grad]) for i in range(M)])
        assert_mean_bernstein(ests.mean(axis=0), mean, M * B, second - mean**2, 1.0 + np.abs(mean),
                              FALSE_ALARM, atol=FLOAT_ATOL, what="SeqGAN gradient estimate")

    @pytest.mark.statistical
    def test_biased_estimator_is_detected(self):
        # Negative control: the same check rejects roll-outs from another policy (G with negated
        # logits), whose Q̂ is biased for G_θ's Q.  (Measured: the deviation is 8.6 Bernstein
        # radii at this fixed seed; roll-outs from the uniform policy give a bias of ~0.6
        # radii only, which this test size cannot resolve.)
        logits = ts.random_generator_logits(3, 3, 6, scale=2.0)
        d = np.random.default_rng(6).uniform(size=27)
        M, B, N = 300, 16, 4
        mean, second = _estimator_moments(logits, d, N)
        pis = [_softmax_rows(x) for x in logits]
        other = [-x for x in logits]
        ests = []
        for i in range(M):
            rng = np.random.default_rng([11, i])
            y = ts.sample_sequences(logits, B, rng)
            q_hat = ts.rollout_action_values(other, d, y, N, rng)
            g = [np.zeros_like(x) for x in logits]
            for b in range(B):
                r = 0
                for t in range(3):
                    g[t][r] += (np.eye(3)[y[b, t]] - pis[t][r]) * q_hat[b, t] / B
                    r = r * 3 + y[b, t]
            ests.append(np.concatenate([x.ravel() for x in g]))
        with pytest.raises(AssertionError, match="Bernstein"):
            assert_mean_bernstein(np.mean(ests, axis=0), mean, M * B, second - mean**2,
                                  1.0 + np.abs(mean), FALSE_ALARM, atol=FLOAT_ATOL)

    def test_deterministic_generator_gives_zero_estimate(self):
        logits = [np.array([[1e3, -1e3]]), np.array([[1e3, -1e3], [-1e3, 1e3]])]
        est = ts.policy_gradient_estimate(logits, np.array([0.2, 0.4, 0.6, 0.8]), 8, 3, 0)
        for g in est.grad:
            np.testing.assert_array_equal(g, 0.0)
        assert est.mean_reward == 0.2


class TestDiscriminator:
    @given(st.integers(0, 2**32 - 1), st.integers(2, 30))
    def test_optimal_is_d_star(self, seed, n):
        rng = np.random.default_rng(seed)
        p, q = rng.dirichlet(np.ones(n)), rng.dirichlet(np.ones(n))
        p[: n // 4] = 0
        p = p / p.sum()
        np.testing.assert_allclose(ts.fit_discriminator(p, q), optimal_discriminator(p, q),
                                   rtol=FLOAT_RTOL, atol=FLOAT_ATOL)

    def test_both_zero_gives_half(self):
        d = ts.fit_discriminator([0.5, 0.5, 0.0], [0.5, 0.5, 0.0])
        assert d[2] == 0.5

    @pytest.mark.statistical
    def test_empirical_approaches_optimal(self):
        p = np.array([0.5, 0.3, 0.2])
        q = np.array([0.2, 0.2, 0.6])
        d = ts.fit_discriminator(p, q, method="empirical", n_samples=200_000, seed=0)
        # counts n p, n q: delta-method SE of a/(a+b) is below 0.002 here
        np.testing.assert_allclose(d, optimal_discriminator(p, q), atol=0.01)


class TestTraining:
    def test_exact_gradient_drives_kl_down_monotonically(self):
        rng = np.random.default_rng(3)
        p = ts.random_sequence_distribution(2, 3, rng, concentration=2.0)
        run = ts.train_tabular_seqgan(p, ts.random_generator_logits(2, 3, rng, scale=0.5), n_rounds=300,
                                      lr=5.0, seed=0, gradient="exact")
        kl_mix = kl_divergence(p, 0.5 * (p + run.p_model))
        assert np.all(np.diff(kl_mix) <= 1e-15)  # ascent on the concave E_p log(p + G)
        assert kl_divergence(p, run.p_model[-1]) < 1e-3 * kl_divergence(p, run.p_model[0])
        # at the end D* is close to 1/2 and E_G[D*] to 1/2
        assert run.mean_d[-1] == pytest.approx(0.5, abs=1e-3)

    def test_record_every_and_json(self):
        import json

        p = np.full(4, 0.25)
        run = ts.train_tabular_seqgan(p, ts.random_generator_logits(2, 2, 0), n_rounds=5, lr=1.0, seed=0,
                                      record_every=2, discriminator="empirical", n_disc_samples=50)
        np.testing.assert_array_equal(run.rounds, [0, 2, 4, 5])
        json.dumps(run.to_dict())


class TestValidation:
    def test_bad_logits(self):
        with pytest.raises(TypeError, match="`logits`"):
            ts.sample_sequences(np.zeros((1, 2)), 3, 0)
        with pytest.raises(ValueError, match=r"`logits\[1\]`"):
            ts.sample_sequences([np.zeros((1, 2)), np.zeros((1, 2))], 3, 0)

    def test_bad_tokens(self):
        logits = ts.random_generator_logits(2, 2, 0)
        with pytest.raises(ValueError, match="`tokens` must lie"):
            ts.rollout_action_values(logits, np.full(4, 0.5), np.array([[0, 2]]), 2, 0)
        with pytest.raises(ValueError, match="`tokens` must have shape"):
            ts.rollout_action_values(logits, np.full(4, 0.5), np.array([[0, 1, 1]]), 2, 0)

    def test_bad_options(self):
        p = np.full(4, 0.25)
        logits = ts.random_generator_logits(2, 2, 0)
        with pytest.raises(ValueError, match="`discriminator`"):
            ts.train_tabular_seqgan(p, logits, n_rounds=1, lr=1.0, seed=0, discriminator="cnn")
        with pytest.raises(ValueError, match="`gradient`"):
            ts.train_tabular_seqgan(p, logits, n_rounds=1, lr=1.0, seed=0, gradient="magic")
        with pytest.raises(ValueError, match="`p_data` must have shape"):
            ts.train_tabular_seqgan(np.full(8, 0.125), logits, n_rounds=1, lr=1.0, seed=0)
        with pytest.raises(ValueError, match="`n_rollouts`"):
            ts.policy_gradient_estimate(logits, np.full(4, 0.5), 2, 0, 0)
        with pytest.raises(TypeError, match="`seed`"):
            ts.sample_sequences(logits, 2, None)
