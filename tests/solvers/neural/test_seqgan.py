"""solvers.neural.seqgan: the RNN generator's densities, sampler and roll-outs against exact values
obtained by enumerating a tiny sequence space; gradients against autograd's numerical check; a
smoke run of the oracle experiment (the full experiment is the full-tier claim).  Monte Carlo
checks use exact or conservative bounds at a stated false-alarm probability (tests/stats.py)."""

import json

import numpy as np
import pytest
from autograd.test_util import check_grads
from hypothesis import given, settings
from hypothesis import strategies as st

from solvers.neural import seqgan as ns
from tests.stats import FALSE_ALARM, assert_mean_bernstein, assert_multinomial
from tests.tolerances import FLOAT_ATOL
from theory.seqgan import exact_action_values, sequence_probabilities

#: log of a product vs a sum of log-softmaxes, float64 over <= 4 positions.
LOG_ATOL = 1e-12


def _tiny(seed, V=3, T=3, scale=1.0):
    rng = np.random.default_rng(seed)
    gen = ns.init_rnn(V, 4, 5, rng, scale=scale)
    disc = ns.init_discriminator(V, 4, 3, (1, 2), rng)
    return gen, dict(disc, W_out=6.0 * disc["W_out"])


class TestDensities:
    @given(st.integers(0, 2**32 - 1), st.integers(1, 4), st.integers(1, 3))
    def test_tabulated_generator_is_the_rnn(self, seed, V, T):
        gen = ns.init_rnn(V, 3, 4, seed, scale=2.0)
        tab = [np.asarray(x) for x in ns.tabulate_generator(gen, T)]
        seqs = ns.all_token_sequences(V, T)
        np.testing.assert_allclose(np.log(sequence_probabilities(tab)), ns.sequence_log_prob(gen, seqs),
                                   atol=LOG_ATOL)

    @given(st.integers(0, 2**32 - 1))
    def test_log_probs_normalized(self, seed):
        gen = ns.init_rnn(5, 3, 4, seed, scale=3.0)
        y = ns.sample_rnn(gen, 7, 4, seed)
        lp = ns.rnn_log_probs(gen, y)
        np.testing.assert_allclose(np.exp(lp).sum(axis=2), 1.0, atol=FLOAT_ATOL)

    @pytest.mark.statistical
    @settings(max_examples=10)
    @given(st.integers(0, 2**32 - 1))
    def test_sampler_frequencies(self, seed):
        gen = ns.init_rnn(3, 3, 4, seed, scale=1.5)
        n = 20_000
        y = ns.sample_rnn(gen, n, 3, seed)
        idx = (y * np.array([9, 3, 1])).sum(axis=1)
        counts = np.bincount(idx, minlength=27)
        p = sequence_probabilities([np.asarray(x) for x in ns.tabulate_generator(gen, 3)])
        # exact binomial tails per cell, Bonferroni over the 27 cells (valid for n p << 1)
        assert_multinomial(counts, p, FALSE_ALARM)

    @pytest.mark.statistical
    def test_oracle_nll_of_oracle_is_its_entropy(self):
        gen = ns.init_rnn(3, 3, 4, 0, scale=1.5)
        p = sequence_probabilities([np.asarray(x) for x in ns.tabulate_generator(gen, 3)])
        entropy = -(p * np.log(p)).sum() / 3
        n = 20_000
        nll, _ = ns.oracle_nll(gen, ns.sample_rnn(gen, n, 3, 1))
        # X = -log p(Y)/3 has exact variance Var = Σ p (log p / 3)² - H² and |X - H| <= the
        # largest |log p / 3 - H| over the 27 sequences: Bernstein at false-alarm FALSE_ALARM.
        x = -np.log(p) / 3
        var = float(np.sum(p * x**2) - entropy**2)
        assert_mean_bernstein(nll, entropy, n, var, float(np.max(np.abs(x - entropy))), FALSE_ALARM,
                              atol=FLOAT_ATOL, what="oracle NLL")


class TestGradients:
    def test_autograd_gradients(self):
        # check_grads draws its directions from numpy's global RNG: seed it for a fixed check
        np.random.seed(0)
        gen, disc = _tiny(1)
        y = ns.sample_rnn(gen, 6, 3, 2)
        check_grads(lambda p: ns.mle_loss(p, y), modes=["rev"], order=1)(gen)
        check_grads(lambda p: ns.discriminator_loss(p, y, y[::-1]), modes=["rev"], order=1)(disc)
        q = np.random.default_rng(3).uniform(size=y.shape)
        check_grads(lambda p: ns.policy_gradient_loss(p, y, q), modes=["rev"], order=1)(gen)

    def test_discriminator_in_unit_interval_for_large_logits(self):
        gen, disc = _tiny(4)
        disc = dict(disc, W_out=1e6 * disc["W_out"])
        d = ns.discriminator_table(disc, 3)
        assert np.all((d >= 0) & (d <= 1)) and np.all(np.isfinite(d))


class TestRollouts:
    @pytest.mark.statistical
    @settings(max_examples=5)
    @given(st.integers(0, 2**32 - 1))
    def test_rollout_mean_matches_exact_q(self, seed):
        gen, disc = _tiny(seed)
        V, T = 3, 3
        tab = [np.asarray(x) for x in ns.tabulate_generator(gen, T)]
        d = ns.discriminator_table(disc, T)
        q = exact_action_values(tab, d)
        q2 = exact_action_values(tab, d**2)  # E[D² | Y_{1:t+1}]: the same recursion on D²
        y, M, N = ns.sample_rnn(gen, 1, T, seed)[0], 2000, 3
        q_hat = ns.rollout_rewards(gen, disc, np.tile(y, (M, 1)), N, seed)
        rows = [0, y[0], y[0] * V + y[1]]
        target = np.array([q[t][rows[t], y[t]] for t in range(T)])
        # Q̂_t (t < T - 1) is a mean of N rewards in [0, 1]: exact variance (E[D²|.] - Q²)/N;
        # Bernstein with |Q̂ - Q| <= 1 at false-alarm FALSE_ALARM over the columns.  The last
        # column is D(Y) itself (eq. (2)), variance 0.
        var = np.array([(q2[t][rows[t], y[t]] - target[t] ** 2) / N for t in range(T - 1)] + [0.0])
        assert_mean_bernstein(q_hat.mean(axis=0), target, M, var, 1.0, FALSE_ALARM, atol=FLOAT_ATOL,
                              what="roll-out Q")

    def test_callable_discriminator(self):
        gen, _ = _tiny(5)
        y = ns.sample_rnn(gen, 4, 3, 0)
        q = ns.rollout_rewards(gen, lambda t: np.full(len(t), 0.25), y, 2, 0)
        np.testing.assert_array_equal(q, 0.25)


class TestOracleExperiment:
    CONFIG = dict(vocab_size=6, length=5, embed_dim=4, hidden_dim=8, oracle_scale=0.8, n_train=300,
                  batch_size=16, pretrain_steps=40, disc_pretrain_steps=5, adv_rounds=4, d_steps=1,
                  n_rollouts=2, disc_filters=4, disc_widths=(1, 2), n_eval=100, eval_every=2,
                  branches=("mle", "seqgan", "seqgan-rnn", "seqgan-bayes"))

    def test_smoke(self):
        run = ns.train_oracle_experiment(ns.OracleConfig(**self.CONFIG), 0)
        assert list(run.adv_steps) == [0, 2, 4]
        for b in self.CONFIG["branches"]:
            assert run.nll[b].shape == (3,) and np.all(np.isfinite(run.nll[b]))
            assert np.isfinite(run.test_nll[b]) and np.isfinite(run.self_nll[b])
        # every branch starts from the same pre-trained generator, scored with the same draws
        assert len({float(run.nll[b][0]) for b in self.CONFIG["branches"]}) == 1
        # MLE pre-training moves the generator towards the oracle (NLL_oracle falls from its
        # random start by more than the Monte Carlo noise of the two evaluations)
        assert run.pretrain_nll[-1] < run.pretrain_nll[0] - 0.1
        json.dumps(run.to_dict())

    def test_same_seed_same_run(self):
        cfg = ns.OracleConfig(**dict(self.CONFIG, branches=("mle", "seqgan-bayes"), adv_rounds=2))
        a, b = ns.train_oracle_experiment(cfg, 1), ns.train_oracle_experiment(cfg, 1)
        assert a.to_dict() == b.to_dict()

    def test_config_validation(self):
        with pytest.raises(ValueError, match="`branches`"):
            ns.OracleConfig(branches=("mle", "gail"))
        with pytest.raises(ValueError, match="`disc_widths`"):
            ns.OracleConfig(length=3, disc_widths=(1, 4))
        with pytest.raises(ValueError, match="`lr_g`"):
            ns.OracleConfig(lr_g=0.0)
        with pytest.raises(TypeError, match="`config`"):
            ns.train_oracle_experiment({"vocab_size": 3}, 0)

    def test_token_validation(self):
        gen, disc = _tiny(0)
        with pytest.raises(ValueError, match="`tokens` must lie"):
            ns.sequence_log_prob(gen, np.array([[0, 3]]))
        with pytest.raises(TypeError, match="`tokens` must be an integer"):
            ns.discriminator_logit(disc, np.array([[0.5, 1.0]]))
