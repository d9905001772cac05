"""The delayed roll-out copy of the SeqGAN authors' code (solvers.neural.seqgan.delayed_rollout_params).

Reference values are closed forms of the exponential moving average, not the implementation's
own output: with the generator held fixed, k updates give beta_k - theta = r^k (beta_0 - theta).
"""

import numpy as np
import pytest

from solvers.neural import seqgan as neural

#: The EMA is a few float multiply-adds per entry: rounding only.
ATOL = 1e-12


def _pair():
    return neural.init_rnn(4, 3, 5, 0), neural.init_rnn(4, 3, 5, 1)


@pytest.mark.parametrize("rate", [0.0, 0.3, 0.8])
def test_k_updates_follow_the_geometric_closed_form(rate):
    beta0, theta = _pair()
    beta = beta0
    k = 7
    for _ in range(k):
        beta = neural.delayed_rollout_params(beta, theta, rate)
    for name in theta:
        if name in neural.UNDELAYED:  # copied at once, as the authors' code does for embeddings
            np.testing.assert_array_equal(beta[name], theta[name])
        else:
            expected = theta[name] + rate**k * (beta0[name] - theta[name])
            np.testing.assert_allclose(beta[name], expected, rtol=0, atol=ATOL)


def test_rate_zero_is_the_paper_g_beta_equals_g_theta():
    beta0, theta = _pair()
    beta = neural.delayed_rollout_params(beta0, theta, 0.0)
    for name in theta:
        np.testing.assert_array_equal(beta[name], theta[name])


@pytest.mark.parametrize("bad", [1.0, -0.1, 1.5])
def test_bad_update_rate_is_named(bad):
    beta0, theta = _pair()
    with pytest.raises(ValueError, match="update_rate"):
        neural.delayed_rollout_params(beta0, theta, bad)
    with pytest.raises(ValueError, match="rollout_update_rate"):
        neural.OracleConfig(rollout_update_rate=bad)


def test_delayed_branch_runs_and_is_listed():
    assert "seqgan-delayed" in neural.BRANCHES
    cfg = neural.OracleConfig(vocab_size=3, length=3, embed_dim=3, hidden_dim=4, n_train=40, pretrain_steps=2,
                              disc_pretrain_steps=1, adv_rounds=2, d_steps=1, n_rollouts=2, batch_size=4,
                              disc_filters=3, disc_widths=(1, 2), n_eval=10, eval_every=1,
                              branches=("seqgan-delayed",))
    run = neural.train_oracle_experiment(cfg, 0)
    assert np.all(np.isfinite(run.nll["seqgan-delayed"]))
    assert len(run.d_real["seqgan-delayed"]) == 3  # learned discriminator probed at every evaluation
