"""Neural SeqGAN with autograd: an oracle RNN, an RNN generator, a small CNN discriminator.

The synthetic-data experiment of Yu et al. (2017), "SeqGAN: Sequence Generative Adversarial
Nets with Policy Gradient" (AAAI; arXiv:1609.05473), Section "Synthetic Data Experiments",
scaled to a 2-core machine:

- an *oracle*: a recurrent network with random weights whose samples are the "real" data and
  whose exact log-density scores the generator (NLL_oracle, below);
- a *generator*: a recurrent network of the same architecture, pre-trained by maximum
  likelihood on the oracle's samples, then trained adversarially by the policy gradient of
  eq. (7) with Monte Carlo roll-outs (eq. (4)) and the step eq. (8);
- a *discriminator*: a small CNN over token embeddings (filter widths 1..w, ReLU, max-over-time
  pooling, a linear logit), trained by the cross-entropy of eq. (5).

The paper's oracle and generator are LSTMs (embedding and hidden size 32, vocabulary 5,000,
length 20, 10,000 training sequences) and its discriminator a CNN with highway layer and
dropout; here both recurrent networks are Elman (tanh) RNNs and the CNN has no highway layer
and no dropout.  :class:`OracleConfig` holds the sizes used.

Recurrence (both RNNs), tokens y_1..y_T, embedding e(y), a learned start vector s:

    h_0 = tanh(s W_x + b_h),   h_t = tanh(e(y_t) W_x + h_{t-1} W_h + b_h),
    G(y_{t+1} | Y_{1:t}) = softmax(h_t W_o + b_o).

NLL_oracle (the paper's metric) = -E_{Y ~ G}[sum_t log G_oracle(y_t | Y_{1:t-1})]; we report it
per token (divided by T), estimated from ``n_eval`` samples of G, each scored exactly under the
oracle.

Independence rule: nothing here calls :mod:`theory.seqgan`; :func:`tabulate_generator` and
:func:`discriminator_table` list the networks' conditionals and outputs on an enumerable space
so that claims can compare the estimators here with the exact values there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import autograd.numpy as np
import numpy as onp
from autograd import grad
from autograd.scipy.special import logsumexp

from solvers.neural.mlp import log_sigmoid
from solvers.neural.optim import Adam, tree_leaves, tree_map
from solvers.neural.training import ConfigDict
from theory.validation import as_generator, check_in, check_int, check_positive, check_unit_interval
from theory.deprecation import renamed_keywords

__all__ = [
    "init_rnn",
    "init_discriminator",
    "init_rnn_discriminator",
    "rnn_log_probs",
    "sequence_log_prob",
    "sample_rnn",
    "rollout_rewards",
    "discriminator_logit",
    "discriminator_prob",
    "discriminator_loss",
    "mle_loss",
    "policy_gradient_loss",
    "policy_gradient",
    "tabulate_generator",
    "discriminator_table",
    "all_token_sequences",
    "oracle_nll",
    "BRANCHES",
    "delayed_rollout_params",
    "OracleConfig",
    "OracleRun",
    "train_oracle_experiment",
]


# ---------------------------------------------------------------------------------------------
# networks
# ---------------------------------------------------------------------------------------------


def init_rnn(vocab_size: int, embed_dim: int, hidden_dim: int, seed: Any, *, scale: float | None = None) -> dict:
    """Parameters of an Elman RNN language model over ``vocab_size`` tokens.

    Weights are N(0, sigma^2): sigma = 1/sqrt(fan_in) (LeCun et al. 1998, Sec. 4.6) unless
    ``scale`` gives sigma for every matrix (the oracle uses a large scale, as the paper's
    random-weight oracle LSTM, to make its distribution peaked).  Biases are 0.

    Returns
    -------
    params : dict
        ``emb`` (V, E), ``start`` (E,), ``W_x`` (E, H), ``W_h`` (H, H), ``b_h`` (H,),
        ``W_o`` (H, V), ``b_o`` (V,).
    """
    V = check_int(vocab_size, "vocab_size", minimum=1)
    E = check_int(embed_dim, "embed_dim", minimum=1)
    H = check_int(hidden_dim, "hidden_dim", minimum=1)
    if scale is not None:
        check_positive(scale, "scale")
    rng = as_generator(seed)

    def w(shape, fan_in):
        std = scale if scale is not None else 1.0 / math.sqrt(fan_in)
        return std * rng.standard_normal(shape)

    return {"emb": w((V, E), E), "start": w((E,), E), "W_x": w((E, H), E), "W_h": w((H, H), H),
            "b_h": onp.zeros(H), "W_o": w((H, V), H), "b_o": onp.zeros(V)}


def _check_tokens(tokens: Any, V: int, name: str = "tokens") -> onp.ndarray:
    y = onp.asarray(tokens)
    if not onp.issubdtype(y.dtype, onp.integer):
        raise TypeError(f"`{name}` must be an integer array (got dtype {y.dtype})")
    if y.ndim != 2 or y.shape[1] < 1:
        raise ValueError(f"`{name}` must have shape (B, T) with T >= 1 (got {y.shape})")
    if y.size and (y.min() < 0 or y.max() >= V):
        raise ValueError(f"`{name}` must lie in [0, {V - 1}] (got range [{y.min()}, {y.max()}])")
    return y


def _hidden_states(params: dict, tokens: onp.ndarray):
    """[h_0, ..., h_{T-1}], each (B, H): h_t is the state that predicts token t (0-based)."""
    B, T = tokens.shape
    h = np.tanh(np.dot(params["start"], params["W_x"]) + params["b_h"]) * np.ones((B, 1))
    hs = [h]
    if T > 1:
        # Input projections for all positions: project the embedding table (V x H), then gather.
        xw = np.dot(params["emb"], params["W_x"])[tokens[:, :-1].T.ravel()]  # ((T-1) B, H), time-major
        for t in range(T - 1):
            h = np.tanh(xw[t * B:(t + 1) * B] + np.dot(h, params["W_h"]) + params["b_h"])
            hs.append(h)
    return hs


def _token_log_probs(params: dict, y: onp.ndarray):
    """log G(y_t | Y_{1:t-1}) for each sequence and position, shape (T, B) (time-major)."""
    B, T = y.shape
    hs = np.concatenate(_hidden_states(params, y), axis=0)  # (T B, H), time-major
    logits = np.dot(hs, params["W_o"]) + params["b_o"]
    picked = logits[onp.arange(T * B), y.T.ravel()]
    return np.reshape(picked - logsumexp(logits, axis=1), (T, B))


def rnn_log_probs(params: dict, tokens: Any):
    """log G(. | Y_{1:t}) for every position: shape (B, T, V), differentiable by autograd."""
    V = params["b_o"].shape[0]
    y = _check_tokens(tokens, V)
    B, T = y.shape
    hs = np.concatenate(_hidden_states(params, y), axis=0)  # (T B, H), time-major
    logits = np.dot(hs, params["W_o"]) + params["b_o"]
    logp = logits - logsumexp(logits, axis=1, keepdims=True)
    return np.transpose(np.reshape(logp, (T, B, V)), (1, 0, 2))


def sequence_log_prob(params: dict, tokens: Any):
    """log G(Y_{1:T}) = sum_t log G(y_t | Y_{1:t-1}) for each sequence: shape (B,)."""
    V = params["b_o"].shape[0]
    y = _check_tokens(tokens, V)
    return np.sum(_token_log_probs(params, y), axis=0)


def _draw(logits: onp.ndarray, rng: onp.random.Generator) -> onp.ndarray:
    """One token per row of ``logits`` by inverse-CDF sampling (max-shifted softmax)."""
    z = logits - logits.max(axis=1, keepdims=True)
    with onp.errstate(under="ignore"):
        c = onp.cumsum(onp.exp(z), axis=1)
    u = rng.random(c.shape[0]) * c[:, -1]
    return onp.minimum((u[:, None] >= c).sum(axis=1), c.shape[1] - 1)


def _continue(params: dict, h: onp.ndarray, tokens: onp.ndarray, start: int, rng) -> onp.ndarray:
    """Fill ``tokens[:, start:]`` by sampling, from state ``h`` that predicts token ``start``."""
    T = tokens.shape[1]
    for t in range(start, T):
        a = _draw(h @ params["W_o"] + params["b_o"], rng)
        tokens[:, t] = a
        if t < T - 1:
            h = onp.tanh(params["emb"][a] @ params["W_x"] + h @ params["W_h"] + params["b_h"])
    return tokens


def sample_rnn(params: dict, n: int, length: int, seed: Any) -> onp.ndarray:
    """Draw ``n`` sequences of ``length`` tokens from the RNN (Algorithm 1, line 8).

    Returns
    -------
    tokens : ndarray of int64, shape (n, length)
    """
    n = check_int(n, "n", minimum=0)
    T = check_int(length, "length", minimum=1)
    rng = as_generator(seed)
    h0 = onp.tanh(params["start"] @ params["W_x"] + params["b_h"])
    return _continue(params, onp.tile(h0, (n, 1)), onp.zeros((n, T), dtype=onp.int64), 0, rng)


# ---------------------------------------------------------------------------------------------
# discriminator: a small CNN (embeddings, widths 1..w, ReLU, max over time, linear logit)
# ---------------------------------------------------------------------------------------------


def init_discriminator(vocab_size: int, embed_dim: int, n_filters: int, widths: tuple, seed: Any) -> dict:
    """Parameters of the CNN discriminator (the paper's Sec. "The Discriminative Model for
    Sequences" without the highway layer and dropout).

    Returns
    -------
    params : dict
        ``emb`` (V, E), ``conv`` a list of ``{"W": (w E, F), "b": (F,)}`` per width w,
        ``W_out`` (len(widths) F,), ``b_out`` (1,).
    """
    V = check_int(vocab_size, "vocab_size", minimum=1)
    E = check_int(embed_dim, "embed_dim", minimum=1)
    F = check_int(n_filters, "n_filters", minimum=1)
    widths = tuple(check_int(w, "widths", minimum=1) for w in widths)
    if not widths:
        raise ValueError("`widths` must name at least one filter width")
    rng = as_generator(seed)
    conv = [{"W": rng.standard_normal((w * E, F)) / math.sqrt(w * E), "b": onp.zeros(F)} for w in widths]
    return {"emb": rng.standard_normal((V, E)) / math.sqrt(E), "conv": conv,
            "W_out": rng.standard_normal(len(widths) * F) / math.sqrt(len(widths) * F), "b_out": onp.zeros(1)}


def init_rnn_discriminator(vocab_size: int, embed_dim: int, hidden_dim: int, seed: Any) -> dict:
    """Parameters of a small recurrent discriminator: an Elman RNN over the tokens whose hidden
    states are averaged over time and mapped to a logit (an alternative to the paper's CNN).

    Returns
    -------
    params : dict
        ``emb`` (V, E), ``W_x`` (E, H), ``W_h`` (H, H), ``b_h`` (H,), ``W_out`` (2 H,),
        ``b_out`` (1,); the logit reads [mean_t h_t, h_T].
    """
    V = check_int(vocab_size, "vocab_size", minimum=1)
    E = check_int(embed_dim, "embed_dim", minimum=1)
    H = check_int(hidden_dim, "hidden_dim", minimum=1)
    rng = as_generator(seed)
    return {"emb": rng.standard_normal((V, E)) / math.sqrt(E), "W_x": rng.standard_normal((E, H)) / math.sqrt(E),
            "W_h": rng.standard_normal((H, H)) / math.sqrt(H), "b_h": onp.zeros(H),
            "W_out": rng.standard_normal(2 * H) / math.sqrt(2 * H), "b_out": onp.zeros(1)}


def _rnn_disc_logit(params: dict, y: onp.ndarray):
    B, T = y.shape
    xw = np.dot(params["emb"], params["W_x"])[y.T.ravel()]  # (T B, H), time-major
    h = np.tanh(xw[:B] + params["b_h"])
    total = h
    for t in range(1, T):
        h = np.tanh(xw[t * B:(t + 1) * B] + np.dot(h, params["W_h"]) + params["b_h"])
        total = total + h
    return np.dot(np.concatenate([total / T, h], axis=1), params["W_out"]) + params["b_out"][0]


def discriminator_logit(params: dict, tokens: Any):
    """The discriminator's logit for each sequence, shape (B,); D = sigmoid(logit).

    CNN parameters (:func:`init_discriminator`) or recurrent ones
    (:func:`init_rnn_discriminator`) are told apart by their keys.
    """
    V = params["emb"].shape[0]
    y = _check_tokens(tokens, V)
    if "conv" not in params:
        return _rnn_disc_logit(params, y)
    B, T = y.shape
    E = params["emb"].shape[1]
    feats = []
    for layer in params["conv"]:
        w = layer["W"].shape[0] // E
        if w > T:
            raise ValueError(f"filter width {w} exceeds the sequence length {T}")
        n_pos = T - w + 1
        # window (y_j .. y_{j+w-1}) @ W = sum_i emb[y_{j+i}] @ W_i: project the embedding table
        # by each block W_i first (V x F), then gather and add shifted copies (no concatenation).
        z = layer["b"]
        for i in range(w):
            table = np.dot(params["emb"], layer["W"][i * E:(i + 1) * E])  # (V, F)
            z = z + table[y[:, i:n_pos + i]]  # (B, n_pos, F)
        feats.append(np.max(np.maximum(z, 0.0), axis=1))
    return np.dot(np.concatenate(feats, axis=1), params["W_out"]) + params["b_out"][0]


def discriminator_prob(params: dict, tokens: Any) -> onp.ndarray:
    """D(Y) = sigmoid(logit) in [0, 1], computed as exp(log sigmoid) (no overflow)."""
    return onp.exp(log_sigmoid(discriminator_logit(params, tokens)))


def discriminator_loss(params: dict, real: Any, fake: Any):
    """Eq. (5): -E_real[log D(Y)] - E_fake[log(1 - D(Y))], minibatch means."""
    return -np.mean(log_sigmoid(discriminator_logit(params, real))) - np.mean(
        log_sigmoid(-discriminator_logit(params, fake)))


# ---------------------------------------------------------------------------------------------
# generator objectives
# ---------------------------------------------------------------------------------------------


def mle_loss(params: dict, tokens: Any):
    """Maximum-likelihood loss: -(1/(B T)) sum_b log G(Y^b) (nats per token)."""
    y = onp.asarray(tokens)
    return -np.mean(sequence_log_prob(params, y)) / y.shape[1]


def rollout_rewards(gen_params: dict, disc_params: dict, tokens: Any, n_rollouts: int, seed: Any) -> onp.ndarray:
    """Monte Carlo action values of eq. (4) with the roll-out policy G_beta = G_theta.

    Q_hat[b, t] = mean of D over N completions of Y^b_{1:t+1} (0-based t < T-1), and
    Q_hat[b, T-1] = D(Y^b) (eq. (2)).

    Source: Yu et al. (2017), eqs. (3)-(4); Algorithm 1, lines 9-11.

    Returns
    -------
    q_hat : ndarray, shape (B, T)
    """
    V = gen_params["b_o"].shape[0]
    y = _check_tokens(tokens, V)
    N = check_int(n_rollouts, "n_rollouts", minimum=1)
    rng = as_generator(seed)
    if callable(disc_params):
        d_of = disc_params
    else:
        def d_of(tokens):
            return discriminator_prob(disc_params, tokens)
    B, T = y.shape
    hs = _hidden_states(gen_params, y)  # plain arrays: no autograd tracing here
    q_hat = onp.empty((B, T))
    q_hat[:, T - 1] = d_of(y)
    for t in range(T - 1):
        # N completions of the prefix Y_{1:t+1} (0-based positions 0..t kept), from the state
        # h_{t+1} that predicts position t+1.
        rows = onp.repeat(y, N, axis=0)
        ends = _continue(gen_params, onp.repeat(hs[t + 1], N, axis=0), rows, t + 1, rng)
        q_hat[:, t] = onp.asarray(d_of(ends)).reshape(B, N).mean(axis=1)
    return q_hat


def policy_gradient_loss(params: dict, tokens: Any, q_hat: Any):
    """Surrogate whose negative gradient is eq. (7): -(1/B) sum_{b,t} Q_hat[b,t] log G(y_bt | .)."""
    V = params["b_o"].shape[0]
    y = _check_tokens(tokens, V)
    return -np.sum(_token_log_probs(params, y) * onp.asarray(q_hat).T) / y.shape[0]


_pg_grad = grad(policy_gradient_loss)


def policy_gradient(gen_params: dict, disc_params: dict, n_sequences: int, length: int, n_rollouts: int,
                    seed: Any) -> dict:
    """One SeqGAN policy-gradient estimate of grad_theta E_G[D(Y)] (eq. (7)), as a pytree.

    Samples B sequences, computes their roll-out action values and returns the gradient of
    (1/B) sum_{b,t} Q_hat log G(y_t | .) (the ascent direction of eq. (8)).
    """
    rng = as_generator(seed)
    y = sample_rnn(gen_params, n_sequences, length, rng)
    q = rollout_rewards(gen_params, disc_params, y, n_rollouts, rng)
    return tree_map(lambda g: -g, _pg_grad(gen_params, y, q))


# ---------------------------------------------------------------------------------------------
# the networks on an enumerable space (for exact comparisons)
# ---------------------------------------------------------------------------------------------


def all_token_sequences(vocab_size: int, length: int) -> onp.ndarray:
    """Every sequence, shape (V**T, T), row r = the base-V digits of r (y_1 most significant)."""
    V = check_int(vocab_size, "vocab_size", minimum=1)
    T = check_int(length, "length", minimum=0)
    r = onp.arange(V**T, dtype=onp.int64)
    return (r[:, None] // V ** onp.arange(T - 1, -1, -1, dtype=onp.int64)) % V


def tabulate_generator(params: dict, length: int) -> list:
    """The RNN's conditionals as a tabular generator in the layout of theory.seqgan.

    ``logits[t][r]`` = the RNN's output logits after the prefix whose base-V number is r.
    Differentiable by autograd with respect to ``params`` (so a gradient with respect to the
    table pulls back to the weights by the chain rule).

    Returns
    -------
    logits : list of T arrays, logits[t] of shape (V**t, V)
    """
    T = check_int(length, "length", minimum=1)
    V = params["b_o"].shape[0]
    full = all_token_sequences(V, T - 1) if T > 1 else onp.zeros((1, 0), dtype=onp.int64)
    # States along every sequence of length T-1 cover every prefix of length <= T-1.
    padded = onp.concatenate([full, onp.zeros((full.shape[0], 1), dtype=onp.int64)], axis=1)
    hs = _hidden_states(params, padded)
    out = []
    for t in range(T):
        # the prefixes of length t are the rows of `full` at stride V**(T-1-t)
        rows = onp.arange(V**t) * V ** (T - 1 - t)
        out.append(np.dot(hs[t][rows], params["W_o"]) + params["b_o"])
    return out


def discriminator_table(params: dict, length: int) -> onp.ndarray:
    """D(Y) for every sequence of the space, shape (V**T,), base-V order."""
    V = params["emb"].shape[0]
    return discriminator_prob(params, all_token_sequences(V, length))


def oracle_nll(oracle: dict, tokens: Any) -> tuple[float, float]:
    """Per-token NLL_oracle of sequences sampled from a model, with its standard error.

    NLL_oracle = -(1/T) E_{Y ~ G}[log G_oracle(Y_{1:T})], the mean over the given samples of
    G; the oracle's log-probability of each sample is exact.

    Source: Yu et al. (2017), Section "Synthetic Data Experiments" (the NLL_oracle metric;
    the paper reports it per sequence position as in its Table 1 and Figure 2 -- we could not
    confirm the equation number, so the section is cited).

    Returns
    -------
    (nll, se) : floats, nats per token
    """
    y = onp.asarray(tokens)
    per = -onp.asarray(sequence_log_prob(oracle, y)) / y.shape[1]
    return float(per.mean()), float(per.std(ddof=1) / math.sqrt(len(per))) if len(per) > 1 else float("nan")


# ---------------------------------------------------------------------------------------------
# the oracle experiment
# ---------------------------------------------------------------------------------------------


#: Branches of the oracle experiment, all started from the same MLE-pre-trained generator:
#: "mle" = maximum likelihood continued; "seqgan" = policy gradient against the learned CNN
#: discriminator (the paper's set-up, minus highway and dropout); "seqgan-rnn" = the same with a
#: small recurrent discriminator; "seqgan-bayes" = policy gradient against the exact optimal
#: discriminator D* = p_oracle / (p_oracle + G), re-computed for the current generator at every
#: step (possible because both densities are known here; it isolates the policy gradient from
#: the discriminator's estimation error); "seqgan-delayed" = "seqgan" with the roll-outs of
#: eq. (4) drawn from a delayed copy G_beta of the generator, as in the authors' public code
#: (see :func:`delayed_rollout_params`).
BRANCHES = ("mle", "seqgan", "seqgan-rnn", "seqgan-bayes", "seqgan-delayed")

#: Parameters of the roll-out copy that follow the generator at once (the authors' code copies
#: the embeddings; the start vector plays the role of the start token's embedding here).
UNDELAYED = ("emb", "start")


def delayed_rollout_params(rollout: dict, generator: dict, update_rate: float) -> dict:
    """One update of the roll-out policy G_beta towards the generator G_theta:

        beta <- r beta + (1 - r) theta     for the recurrent and output weights,
        beta <- theta                      for the embeddings (``emb``, ``start``).

    The SeqGAN paper writes G_beta = G_theta (Algorithm 1, line 18; eq. (4)); the authors'
    public code (LantaoYu/SeqGAN, ``rollout.py``, ``ROLLOUT.update_params``, constructed with
    update rate r = 0.8 in ``sequence_gan.py``) applies this exponential moving average after
    every generator update, so roll-outs come from a slowly following copy.  r = 0 is the
    paper's G_beta = G_theta.
    """
    r = check_unit_interval(update_rate, "update_rate", open_right=True)
    return {k: (generator[k] if k in UNDELAYED else r * rollout[k] + (1.0 - r) * generator[k])
            for k in generator}


@renamed_keywords(gen_lr="lr_pretrain", adv_lr="lr_g", disc_lr="lr_d")
@dataclass(frozen=True)
class OracleConfig(ConfigDict):
    """Sizes and schedules of the scaled synthetic-data experiment.

    The paper (Sec. "Synthetic Data Experiments" and its public code): LSTM oracle and generator
    (embedding and hidden size 32), vocabulary 5,000, length 20, 10,000 oracle sequences, 120
    MLE pre-training epochs, a CNN discriminator with highway layer and dropout, 16 roll-outs,
    batch 64, Adam (step 0.01, gradient clipping at 5), one generator step then 5 x 3
    discriminator epochs per adversarial round.  The defaults here are this package's
    full-tier sizes (Elman RNNs, vocabulary 32, length 10, 5,000 sequences); tests use smaller
    ones.  ``rollout_update_rate`` is the update rate r of the delayed roll-out copy used by the
    "seqgan-delayed" branch (0.8 in the authors' code; :func:`delayed_rollout_params`).
    """

    vocab_size: int = 32
    length: int = 10
    embed_dim: int = 16
    hidden_dim: int = 32
    oracle_scale: float = 0.4
    n_train: int = 5000
    batch_size: int = 64
    pretrain_steps: int = 800
    lr_pretrain: float = 1e-2
    lr_g: float = 1e-3
    disc_embed: int = 16
    disc_filters: int = 32
    disc_widths: tuple = (1, 2, 3, 4, 5)
    lr_d: float = 1e-2
    disc_pretrain_steps: int = 300
    adv_rounds: int = 100
    g_steps: int = 1
    d_steps: int = 3
    n_rollouts: int = 16
    grad_clip: float = 5.0
    n_eval: int = 1000
    eval_every: int = 10
    rollout_update_rate: float = 0.8
    branches: tuple = ("mle", "seqgan", "seqgan-bayes", "seqgan-delayed")

    def __post_init__(self) -> None:
        for name in ("vocab_size", "length", "embed_dim", "hidden_dim", "n_train", "batch_size",
                     "disc_embed", "disc_filters", "g_steps", "n_rollouts", "eval_every"):
            check_int(getattr(self, name), name, minimum=1)
        check_int(self.n_eval, "n_eval", minimum=2)
        for name in ("pretrain_steps", "disc_pretrain_steps", "adv_rounds", "d_steps"):
            check_int(getattr(self, name), name, minimum=0)
        for name in ("oracle_scale", "lr_pretrain", "lr_g", "lr_d", "grad_clip"):
            check_positive(getattr(self, name), name)
        check_unit_interval(self.rollout_update_rate, "rollout_update_rate", open_right=True)
        widths = tuple(check_int(w, "disc_widths", minimum=1) for w in self.disc_widths)
        if not widths or max(widths) > self.length:
            raise ValueError(f"`disc_widths` must be non-empty and <= length {self.length} (got {widths})")
        object.__setattr__(self, "disc_widths", widths)
        branches = tuple(self.branches)
        if not branches or len(set(branches)) != len(branches):
            raise ValueError(f"`branches` must be distinct names from {BRANCHES} (got {branches})")
        for b in branches:
            check_in(b, "branches", BRANCHES)
        object.__setattr__(self, "branches", branches)



@dataclass
class OracleRun:
    """One seed of the oracle experiment (per-token NLLs, nats).

    Attributes
    ----------
    config : dict
    pretrain_steps, pretrain_nll : ndarray
        The MLE pre-training curve: NLL_oracle of the generator after that many updates.
    adv_steps : ndarray
        Generator updates after pre-training at which every branch was scored.
    nll, nll_se : dict of branch -> ndarray
        NLL_oracle of each branch at ``adv_steps`` and its Monte Carlo standard error.
    test_nll : dict of branch -> float
        Held-out oracle sequences scored by each final generator, -(1/T) E_oracle[log G] (how
        well it covers the data; MLE minimizes this).
    self_nll : dict of branch -> float
        -(1/T) E_G[log G], the final generator's entropy rate.
    oracle_entropy : float
        NLL_oracle of the oracle itself (its entropy rate), the floor that MLE approaches.
    d_real, d_fake : dict of branch -> list
        For learned discriminators: mean D on held-out real data and on fresh samples.
    """

    config: dict
    pretrain_steps: onp.ndarray
    pretrain_nll: onp.ndarray
    adv_steps: onp.ndarray
    nll: dict
    nll_se: dict
    test_nll: dict
    self_nll: dict
    oracle_entropy: float
    d_real: dict = field(default_factory=dict)
    d_fake: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        def conv(v):
            if isinstance(v, onp.ndarray):
                return v.tolist()
            if isinstance(v, dict):
                return {k: conv(x) for k, x in v.items()}
            return v
        return {k: conv(getattr(self, k)) for k in self.__dataclass_fields__}


def _clip(grads, max_norm: float):
    leaves = tree_leaves(grads)
    norm = math.sqrt(sum(float(onp.sum(g * g)) for g in leaves))
    if norm <= max_norm:
        return grads
    return tree_map(lambda g: g * (max_norm / norm), grads)


def _bayes_discriminator(oracle: dict, gen_params: dict):
    """D*(Y) = p_oracle(Y) / (p_oracle(Y) + G(Y)) = sigmoid(log p_oracle - log G), exactly
    (Goodfellow et al. 2014, Prop. 1), both densities being computable here."""
    def d_star(tokens):
        llr = onp.asarray(sequence_log_prob(oracle, tokens)) - onp.asarray(sequence_log_prob(gen_params, tokens))
        return onp.exp(log_sigmoid(llr))
    return d_star


_mle_grad = grad(mle_loss)
_disc_grad = grad(discriminator_loss)


def train_oracle_experiment(config: OracleConfig, seed: Any, *, progress=None) -> OracleRun:
    """Run the scaled synthetic-data experiment once: oracle, MLE pre-training, then every
    branch of ``config.branches`` from the same pre-trained generator.

    Steps (Yu et al. 2017, Algorithm 1 and Sec. "Synthetic Data Experiments"):

    1. oracle with N(0, oracle_scale^2) weights; ``n_train`` training and 1,000 held-out
       sequences sampled from it;
    2. generator pre-trained by MLE (Adam at ``lr_pretrain``, minibatches, ``pretrain_steps``);
    3. for learned discriminators: pre-training by eq. (5) on training data against generator
       samples (``disc_pretrain_steps`` minibatch updates);
    4. ``adv_rounds`` rounds, each of ``g_steps`` generator updates (Adam at ``lr_g``) and,
       for learned discriminators, ``d_steps`` discriminator updates on fresh samples.  A
       SeqGAN update is the policy gradient of eq. (7) (batch ``batch_size``, ``n_rollouts``
       roll-outs per position, G_beta = G_theta, Algorithm 1 line 18, or for "seqgan-delayed" the
       delayed copy of :func:`delayed_rollout_params` updated after every generator step); an "mle" update is a
       maximum-likelihood minibatch step with the same optimizer and step size, so every branch
       gets the same number of equally sized generator updates.

    Parameters
    ----------
    config : OracleConfig
    seed : int, SeedSequence or Generator
    progress : callable(int), optional
        Called with 1 after each pre-training step and after each round of each branch.

    Returns
    -------
    OracleRun
    """
    if not isinstance(config, OracleConfig):
        raise TypeError(f"`config` must be an OracleConfig (got {type(config).__name__})")
    c = config
    ss = onp.random.SeedSequence(int(as_generator(seed).integers(2**63)))
    s_oracle, s_data, s_gen, s_mle, s_eval = [onp.random.default_rng(s) for s in ss.spawn(5)]
    tick = progress or (lambda n: None)

    oracle = init_rnn(c.vocab_size, c.embed_dim, c.hidden_dim, s_oracle, scale=c.oracle_scale)
    data = sample_rnn(oracle, c.n_train, c.length, s_data)
    held_out = sample_rnn(oracle, 1000, c.length, s_data)
    oracle_entropy, _ = oracle_nll(oracle, sample_rnn(oracle, c.n_eval, c.length, s_data))

    def score(params, rng):
        return oracle_nll(oracle, sample_rnn(params, c.n_eval, c.length, rng))

    gen = init_rnn(c.vocab_size, c.embed_dim, c.hidden_dim, s_gen)
    opt_g = Adam(c.lr_pretrain)
    state_g = opt_g.init(gen)
    pre_steps, pre_nll = [], []
    every = max(1, c.pretrain_steps // 20)
    for step in range(c.pretrain_steps + 1):
        if step % every == 0 or step == c.pretrain_steps:
            pre_steps.append(step)
            pre_nll.append(score(gen, s_eval)[0])
        if step == c.pretrain_steps:
            break
        batch = data[s_mle.integers(0, c.n_train, c.batch_size)]
        gen, state_g = opt_g.update(_clip(_mle_grad(gen, batch), c.grad_clip), state_g, gen)
        tick(1)

    opt = Adam(c.lr_g)
    opt_d = Adam(c.lr_d)
    adv_steps = [r * c.g_steps for r in range(c.adv_rounds + 1) if r % c.eval_every == 0 or r == c.adv_rounds]
    nll, nll_se, test_nll, self_nll, d_real, d_fake = {}, {}, {}, {}, {}, {}
    for branch in c.branches:
        # Every branch has its own streams, keyed by its name (so a branch's run does not depend
        # on which other branches are run).
        key = [int(ss.entropy % 2**63), 1 + BRANCHES.index(branch)]
        rng_b, rng_d, rng_probe = [onp.random.default_rng(s) for s in onp.random.SeedSequence(key).spawn(3)]
        params, state = gen, opt.init(gen)
        disc = None
        beta = gen  # the roll-out copy G_beta ("seqgan-delayed"); G_theta itself otherwise
        if branch in ("seqgan", "seqgan-rnn", "seqgan-delayed"):
            if branch in ("seqgan", "seqgan-delayed"):
                disc = init_discriminator(c.vocab_size, c.disc_embed, c.disc_filters, c.disc_widths, rng_d)
            else:  # disc_filters is the recurrent discriminator's hidden width
                disc = init_rnn_discriminator(c.vocab_size, c.disc_embed, c.disc_filters, rng_d)
            state_d = opt_d.init(disc)
            d_real[branch], d_fake[branch] = [], []

            def d_update(disc, state_d, gen_params):
                real = data[rng_d.integers(0, c.n_train, c.batch_size)]
                fake = sample_rnn(gen_params, c.batch_size, c.length, rng_d)
                return opt_d.update(_disc_grad(disc, real, fake), state_d, disc)

            for _ in range(c.disc_pretrain_steps):
                disc, state_d = d_update(disc, state_d, params)
        curve, curve_se = [], []
        for r in range(c.adv_rounds + 1):
            if r % c.eval_every == 0 or r == c.adv_rounds:
                # common random numbers: every branch is scored with the same uniform draws at
                # the same evaluation point, so differences between branches are paired
                m, s = score(params, onp.random.default_rng([int(ss.entropy % 2**63), 0, r]))
                curve.append(m)
                curve_se.append(s)
                if disc is not None:
                    d_real[branch].append(float(onp.mean(discriminator_prob(disc, held_out))))
                    d_fake[branch].append(float(onp.mean(discriminator_prob(
                        disc, sample_rnn(params, 1000, c.length, rng_probe)))))
            if r == c.adv_rounds:
                break
            for _ in range(c.g_steps):
                if branch == "mle":
                    g = _mle_grad(params, data[rng_b.integers(0, c.n_train, c.batch_size)])
                else:
                    y = sample_rnn(params, c.batch_size, c.length, rng_b)
                    reward = _bayes_discriminator(oracle, params) if branch == "seqgan-bayes" else disc
                    roller = beta if branch == "seqgan-delayed" else params
                    g = _pg_grad(params, y, rollout_rewards(roller, reward, y, c.n_rollouts, rng_b))
                params, state = opt.update(_clip(g, c.grad_clip), state, params)
                if branch == "seqgan-delayed":
                    beta = delayed_rollout_params(beta, params, c.rollout_update_rate)
            if disc is not None:
                for _ in range(c.d_steps):
                    disc, state_d = d_update(disc, state_d, params)
            tick(1)
        nll[branch], nll_se[branch] = onp.asarray(curve), onp.asarray(curve_se)
        test_nll[branch] = float(-onp.mean(sequence_log_prob(params, held_out)) / c.length)
        self_nll[branch] = float(-onp.mean(sequence_log_prob(params, sample_rnn(params, c.n_eval, c.length,
                                                                                   rng_probe))) / c.length)
    return OracleRun(config=c.to_dict(), pretrain_steps=onp.asarray(pre_steps), pretrain_nll=onp.asarray(pre_nll),
                     adv_steps=onp.asarray(adv_steps), nll=nll, nll_se=nll_se, test_nll=test_nll,
                     self_nll=self_nll, oracle_entropy=oracle_entropy, d_real=d_real, d_fake=d_fake)
