"""Tabular SeqGAN: sampling, Monte Carlo roll-outs, the policy-gradient estimator and training.

The generator is a tabular autoregressive policy in the layout of :mod:`theory.seqgan`: a list
``logits`` of T arrays, ``logits[t]`` of shape ``(V**t, V)``, row = prefix y_1..y_t read as a
base-V number (y_1 most significant), column = next token.  A discriminator over complete
sequences is a vector ``d_table`` of length ``V**T`` in the same base-V order.

What is here (Yu et al. 2017, "SeqGAN", AAAI; arXiv:1609.05473):

- :func:`sample_sequences` — Y_{1:T} ~ G_theta by inverse-CDF sampling, one token position at
  a time, vectorized over sequences;
- :func:`rollout_action_values` — the Monte Carlo estimate of eq. (4): for t < T the mean of
  D over N completions of Y_{1:t} drawn from the roll-out policy G_beta (here G_beta =
  G_theta, as after line 18 of Algorithm 1); for t = T, D(Y_{1:T}) itself (eq. (2));
- :func:`policy_gradient_estimate` — the sampled gradient of eq. (7): the batch mean of
  sum_t Q_hat(Y_{1:t-1}, y_t) grad log G(y_t | Y_{1:t-1}) over sampled sequences, with
  Q_hat from the roll-outs;
- :func:`enumerated_gradient` — the expectation of the same likelihood-ratio form computed by
  listing every sequence, sum_Y G(Y) D(Y) sum_t grad log G(y_t | Y_{1:t-1}) (the whole-
  sequence REINFORCE form, no action values at all);
- :func:`train_tabular_seqgan` — Algorithm 1 on the enumerable space: each round the
  discriminator is re-fitted (the exact maximizer of eq. (5), or its empirical version from
  samples) and the generator takes ``g_steps`` ascent steps eq. (8).

Independence rule (DESIGN.md): nothing here calls :mod:`theory.seqgan`, :mod:`theory.gan` or
:mod:`theory.divergences`; the tests and claims compare these estimates with those closed
forms (and the training runs' distributions with KL computed there).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from solvers.results import ArrayResult
from theory.autoregressive import check_logits, table_policies
from theory.validation import as_float_array, as_generator, check_in, check_int, check_positive
from theory.validation import check_probability

__all__ = [
    "DISCRIMINATORS",
    "GRADIENTS",
    "random_generator_logits",
    "random_sequence_distribution",
    "sequence_index",
    "all_sequences",
    "generator_distribution",
    "sample_sequences",
    "rollout_action_values",
    "PolicyGradientEstimate",
    "policy_gradient_estimate",
    "enumerated_gradient",
    "fit_discriminator",
    "TabularSeqGANRun",
    "train_tabular_seqgan",
]

#: How the discriminator is re-fitted each round: "optimal" = the exact maximizer of eq. (5)
#: for the current generator, "empirical" = the maximizer of eq. (5) on finite samples.
DISCRIMINATORS = ("optimal", "empirical")
#: How the generator gradient is obtained: "rollout" = the sampled estimator of eq. (7) with
#: Monte Carlo roll-outs (eq. (4)); "exact" = its expectation by enumeration.
GRADIENTS = ("rollout", "exact")


# ---------------------------------------------------------------------------------------------
# validation and small numerics (the layout and its softmax come from theory.autoregressive)
# ---------------------------------------------------------------------------------------------


def _d_vector(d_table: Any, V: int, T: int, name: str = "d_table") -> np.ndarray:
    d = as_float_array(d_table, name)
    if d.shape != (V**T,):
        raise ValueError(f"`{name}` must have shape ({V**T},) for V = {V}, T = {T} (got {d.shape})")
    if d.min() < 0.0 or d.max() > 1.0:
        raise ValueError(f"`{name}` must lie in [0, 1] (got range [{d.min():.6g}, {d.max():.6g}])")
    return d


def _cdfs(policies: list[np.ndarray]) -> list[np.ndarray]:
    """Row-wise CDFs with the last entry exactly 1 (so u in [0, 1) never runs off the end)."""
    out = []
    for pi in policies:
        c = np.cumsum(pi, axis=1)
        out.append(c / c[:, -1:])
    return out


def _draw(cdf: np.ndarray, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One token per entry of ``rows``: the a with cdf[r, a-1] <= u < cdf[r, a]."""
    u = rng.random(rows.shape[0])
    return (u[:, None] >= cdf[rows]).sum(axis=1)


def _complete(cdfs: list[np.ndarray], rows: np.ndarray, start: int, V: int,
              rng: np.random.Generator) -> np.ndarray:
    """Extend prefixes of length ``start`` (base-V indices ``rows``) to length T by sampling."""
    for t in range(start, len(cdfs)):
        rows = rows * V + _draw(cdfs[t], rows, rng)
    return rows


# ---------------------------------------------------------------------------------------------
# problems
# ---------------------------------------------------------------------------------------------


def random_generator_logits(vocab_size: int, length: int, seed: Any, *, scale: float = 1.0) -> list[np.ndarray]:
    """A random tabular generator: i.i.d. N(0, scale^2) logits in the layout of theory.seqgan.

    Parameters
    ----------
    vocab_size, length : int
        V >= 1 and T >= 1.
    seed : int, SeedSequence or Generator
    scale : float, default 1
        Standard deviation of the logits (larger = more peaked conditionals).

    Returns
    -------
    logits : list of T ndarray, logits[t] of shape (V**t, V)
    """
    V = check_int(vocab_size, "vocab_size", minimum=1)
    T = check_int(length, "length", minimum=1)
    s = check_positive(scale, "scale")
    rng = as_generator(seed)
    return [s * rng.standard_normal((V**t, V)) for t in range(T)]


def random_sequence_distribution(vocab_size: int, length: int, seed: Any, *,
                                 concentration: float = 1.0) -> np.ndarray:
    """A data distribution over all V**T sequences: Dirichlet(concentration) weights.

    Returns
    -------
    p_data : ndarray, shape (V**T,)
        Full support (almost surely), base-V order.
    """
    V = check_int(vocab_size, "vocab_size", minimum=1)
    T = check_int(length, "length", minimum=1)
    a = check_positive(concentration, "concentration")
    return as_generator(seed).dirichlet(np.full(V**T, a))


def sequence_index(tokens: Any, vocab_size: int) -> np.ndarray:
    """Base-V index of each sequence (y_1 most significant): sum_t y_t V**(T-t).

    Parameters
    ----------
    tokens : array_like of int, shape (..., T)
        Tokens in {0, ..., V-1}.
    vocab_size : int

    Returns
    -------
    index : ndarray of int64, shape (...)
    """
    V = check_int(vocab_size, "vocab_size", minimum=1)
    y = np.asarray(tokens)
    if not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"`tokens` must be integers (got dtype {y.dtype})")
    if y.ndim == 0:
        raise ValueError("`tokens` must have a last axis of length T")
    if y.size and (y.min() < 0 or y.max() >= V):
        raise ValueError(f"`tokens` must lie in [0, {V - 1}] (got range [{y.min()}, {y.max()}])")
    T = y.shape[-1]
    if V >= 2 and T * (V - 1).bit_length() > 63 and V**T > 2**63:  # int64 would wrap
        raise ValueError(f"sequences of length {T} over `vocab_size` = {V} have indices up to "
                         f"{V}**{T} - 1, beyond int64; `tokens` must be shorter")
    weights = V ** np.arange(T - 1, -1, -1, dtype=np.int64)
    return y.astype(np.int64) @ weights


def all_sequences(vocab_size: int, length: int) -> np.ndarray:
    """Every sequence of the space, shape (V**T, T), row r = the base-V digits of r."""
    V = check_int(vocab_size, "vocab_size", minimum=1)
    T = check_int(length, "length", minimum=1)
    r = np.arange(V**T, dtype=np.int64)
    return (r[:, None] // V ** np.arange(T - 1, -1, -1, dtype=np.int64)) % V


def generator_distribution(logits: Any) -> np.ndarray:
    """G(Y) for every sequence, by multiplying the conditionals along each sequence.

    The product prod_t G(y_t | Y_{1:t-1}) is formed on the (V**T, T) table of all sequences,
    one column at a time (an independent route from theory.seqgan's forward reshapes).
    """
    tables, V, T = check_logits(logits)
    pis = table_policies(tables)
    seqs = all_sequences(V, T)
    prob = np.ones(V**T)
    rows = np.zeros(V**T, dtype=np.int64)
    for t in range(T):
        prob = prob * pis[t][rows, seqs[:, t]]
        rows = rows * V + seqs[:, t]
    return prob


# ---------------------------------------------------------------------------------------------
# sampling and roll-outs
# ---------------------------------------------------------------------------------------------


def sample_sequences(logits: Any, n: int, seed: Any) -> np.ndarray:
    """Draw ``n`` sequences Y_{1:T} ~ G_theta.

    Source: Yu et al. (2017), Algorithm 1, line 8 ("Generate a sequence Y_{1:T} ~ G_theta").

    Returns
    -------
    tokens : ndarray of int64, shape (n, T)
    """
    tables, V, T = check_logits(logits)
    n = check_int(n, "n", minimum=0)
    rng = as_generator(seed)
    cdfs = _cdfs(table_policies(tables))
    tokens = np.empty((n, T), dtype=np.int64)
    rows = np.zeros(n, dtype=np.int64)
    for t in range(T):
        a = _draw(cdfs[t], rows, rng)
        tokens[:, t] = a
        rows = rows * V + a
    return tokens


def rollout_action_values(logits: Any, d_table: Any, tokens: Any, n_rollouts: int, seed: Any) -> np.ndarray:
    """Monte Carlo action values of eq. (4) for every position of every given sequence.

    Q_hat(Y_{1:t-1}, y_t) = (1/N) sum_n D(Y^n_{1:T}),  Y^n ~ MC^{G_beta}(Y_{1:t}; N)   (t < T)
    Q_hat(Y_{1:T-1}, y_T) = D(Y_{1:T})                                               (t = T)

    with the roll-out policy G_beta = G_theta (``logits``).  Every sequence and position gets
    its own, independent N completions.

    Source: Yu et al. (2017), SeqGAN, eqs. (3)-(4) and Algorithm 1, lines 9-11.

    Parameters
    ----------
    logits : list of T array_like
        The generator, used as the roll-out policy.
    d_table : array_like, shape (V**T,)
        D(Y) in [0, 1] for every sequence.
    tokens : array_like of int, shape (B, T)
        The sequences Y_{1:T} whose prefixes are rolled out.
    n_rollouts : int
        N >= 1.
    seed : int, SeedSequence or Generator

    Returns
    -------
    q_hat : ndarray, shape (B, T)
        ``q_hat[b, t]`` estimates Q(Y_{1:t}, y_{t+1}) (0-based t) for sequence b; the last
        column is D(Y) exactly.
    """
    tables, V, T = check_logits(logits)
    d = _d_vector(d_table, V, T)
    y = np.asarray(tokens)
    if y.ndim != 2 or y.shape[1] != T:
        raise ValueError(f"`tokens` must have shape (B, {T}) (got {y.shape})")
    full = sequence_index(y, V)
    N = check_int(n_rollouts, "n_rollouts", minimum=1)
    rng = as_generator(seed)
    cdfs = _cdfs(table_policies(tables))
    B = y.shape[0]
    q_hat = np.empty((B, T))
    q_hat[:, T - 1] = d[full]
    prefix = np.zeros(B, dtype=np.int64)
    for t in range(T - 1):
        prefix = prefix * V + y[:, t]  # index of Y_{1:t+1}
        ends = _complete(cdfs, np.repeat(prefix, N), t + 1, V, rng)
        q_hat[:, t] = d[ends].reshape(B, N).mean(axis=1)
    return q_hat


@dataclass
class PolicyGradientEstimate:
    """One SeqGAN policy-gradient estimate (eq. (7)) from a batch of sampled sequences.

    Attributes
    ----------
    grad : list of T ndarray, grad[t] of shape (V**t, V)
        The estimate of dJ/d logits, shaped like ``logits``.
    tokens : ndarray of int, shape (B, T)
        The sampled sequences.
    q_hat : ndarray, shape (B, T)
        Their roll-out action values (:func:`rollout_action_values`).
    mean_reward : float
        The batch mean of D(Y), an unbiased estimate of J (eq. (1)).
    """

    grad: list
    tokens: np.ndarray
    q_hat: np.ndarray
    mean_reward: float


def _score_accumulate(pis: list[np.ndarray], tokens: np.ndarray, weights: np.ndarray, V: int) -> list[np.ndarray]:
    """sum_b sum_t weights[b, t] * d log G(y_t | prefix) / d logits, scattered into the tables.

    d log softmax(x)[a] / d x = onehot(a) - softmax(x), accumulated with ``np.add.at`` (loop
    over t only).
    """
    T = len(pis)
    grads = [np.zeros_like(pi) for pi in pis]
    rows = np.zeros(tokens.shape[0], dtype=np.int64)
    for t in range(T):
        a = tokens[:, t]
        w = weights[:, t]
        contrib = -w[:, None] * pis[t][rows]
        contrib[np.arange(rows.size), a] += w
        np.add.at(grads[t], rows, contrib)
        rows = rows * V + a
    return grads


def policy_gradient_estimate(logits: Any, d_table: Any, n_sequences: int, n_rollouts: int,
                             seed: Any) -> PolicyGradientEstimate:
    """The SeqGAN policy-gradient estimator with sampled sequences and roll-outs.

    grad_hat = (1/B) sum_{b=1}^{B} sum_{t=1}^{T} Q_hat(Y^b_{1:t-1}, y^b_t) grad log G(y^b_t | Y^b_{1:t-1}),
    Y^b ~ G_theta, Q_hat from :func:`rollout_action_values`.

    Source: Yu et al. (2017), SeqGAN, eq. (7) (the last line: the expectation over y_t ~ G
    replaced by the sampled sequence) with eq. (4) for Q, as in Algorithm 1, lines 8-12.

    Parameters
    ----------
    logits : list of T array_like
    d_table : array_like, shape (V**T,)
    n_sequences : int
        B >= 1 sampled sequences per estimate.
    n_rollouts : int
        N >= 1 roll-outs per (sequence, position).
    seed : int, SeedSequence or Generator

    Returns
    -------
    PolicyGradientEstimate
    """
    tables, V, T = check_logits(logits)
    d = _d_vector(d_table, V, T)
    B = check_int(n_sequences, "n_sequences", minimum=1)
    N = check_int(n_rollouts, "n_rollouts", minimum=1)
    rng = as_generator(seed)
    tokens = sample_sequences(tables, B, rng)
    q_hat = rollout_action_values(tables, d, tokens, N, rng)
    grads = _score_accumulate(table_policies(tables), tokens, q_hat / B, V)
    return PolicyGradientEstimate(grad=grads, tokens=tokens, q_hat=q_hat, mean_reward=float(q_hat[:, -1].mean()))


def enumerated_gradient(logits: Any, d_table: Any) -> list[np.ndarray]:
    """E_{Y ~ G}[D(Y) sum_t grad log G(y_t | Y_{1:t-1})] by listing every sequence.

    The whole-sequence likelihood-ratio (REINFORCE) form of grad E_G[D]: each sequence's
    weight G(Y) D(Y) times its score, scattered into the tables.  It uses no action values, so
    it is an independent route to the gradient of eq. (6).

    Source: Yu et al. (2017), SeqGAN, eq. (1) (J = E_G[D(Y)]) differentiated with the
    log-derivative identity grad G = G grad log G used in eq. (7).

    Returns
    -------
    grad : list of T ndarray, grad[t] of shape (V**t, V)
    """
    tables, V, T = check_logits(logits)
    d = _d_vector(d_table, V, T)
    pis = table_policies(tables)
    seqs = all_sequences(V, T)
    prob = generator_distribution(tables)
    w = np.repeat((prob * d)[:, None], T, axis=1)
    return _score_accumulate(pis, seqs, w, V)


# ---------------------------------------------------------------------------------------------
# training (Algorithm 1 on the enumerable space)
# ---------------------------------------------------------------------------------------------


def fit_discriminator(p_data: Any, p_model: Any, *, method: str = "optimal", n_samples: int = 0,
                      seed: Any = 0, smoothing: float = 0.5) -> np.ndarray:
    """Re-fit a tabular discriminator over the V**T sequences by maximizing eq. (5).

    max_D  E_{Y ~ p_data}[log D(Y)] + E_{Y ~ G}[log(1 - D(Y))]

    decouples over sequences: for weights a = p_data(Y), b = G(Y) the term a log D + b log(1-D)
    is maximized at D = a / (a + b) (set its derivative a/D - b/(1-D) to 0).  ``"optimal"`` uses
    the exact weights (D = 1/2 where both vanish); ``"empirical"`` uses the counts of
    ``n_samples`` real and ``n_samples`` generated sequences, each plus ``smoothing``
    (add-alpha; unseen sequences get 1/2).

    Source: Yu et al. (2017), SeqGAN, eq. (5) and Algorithm 1, lines 14-17.

    Returns
    -------
    d_table : ndarray, shape (V**T,), entries in [0, 1]
    """
    p = check_probability(p_data, "p_data")
    q = check_probability(p_model, "p_model")
    if p.ndim != 1 or p.shape != q.shape:
        raise ValueError(f"`p_data` and `p_model` must be 1-D of equal length (got {p.shape}, {q.shape})")
    check_in(method, "method", DISCRIMINATORS)
    if method == "optimal":
        a, b = p, q
        alpha = 0.0
    else:
        n = check_int(n_samples, "n_samples", minimum=1)
        alpha = check_positive(smoothing, "smoothing")
        rng = as_generator(seed)
        a = rng.multinomial(n, p).astype(float)
        b = rng.multinomial(n, q).astype(float)
    num, den = a + alpha, a + b + 2 * alpha
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.5)


@dataclass
class TabularSeqGANRun(ArrayResult):
    """A tabular SeqGAN training run.

    Attributes
    ----------
    rounds : ndarray of int, shape (R,)
        The rounds at which the generator was recorded (0 = before training).
    p_model : ndarray, shape (R, V**T)
        The generator's distribution over sequences at those rounds.
    mean_d : ndarray, shape (R,)
        E_G[D] for the discriminator fitted at that round (1/2 when G = p_data and D optimal).
    logits : list of T ndarray
        The final generator.
    """

    rounds: np.ndarray
    p_model: np.ndarray
    mean_d: np.ndarray
    logits: list


def train_tabular_seqgan(p_data: Any, logits0: Any, *, n_rounds: int, lr: float, seed: Any,
                         discriminator: str = "optimal", gradient: str = "rollout",
                         g_steps: int = 1, n_sequences: int = 64, n_rollouts: int = 16,
                         n_disc_samples: int = 1000, record_every: int = 1) -> TabularSeqGANRun:
    """Algorithm 1 of SeqGAN on an enumerable sequence space.

    Each round: re-fit D by eq. (5) against the current generator (:func:`fit_discriminator`),
    then ``g_steps`` times estimate grad E_G[D] (eq. (7) with roll-outs, or its exact
    expectation by enumeration) and ascend it, theta <- theta + lr grad (eq. (8)).

    With the optimal discriminator D* = p/(p + G) the generator ascends
    F(G) = sum_Y p(Y) log(p(Y) + G(Y)) (its gradient in G(Y) is p/(p + G) = D*), i.e. descends
    KL(p_data || (p_data + G)/2); the unique maximizer over distributions is G = p_data.

    Source: Yu et al. (2017), SeqGAN, Algorithm 1 (lines 6-19), eqs. (4)-(8).

    Parameters
    ----------
    p_data : array_like, shape (V**T,)
        The data distribution over sequences (base-V order).
    logits0 : list of T array_like
        The initial generator (e.g. :func:`random_generator_logits`).
    n_rounds : int
        Adversarial rounds (one D fit + ``g_steps`` generator steps each).
    lr : float
        Ascent step size of eq. (8).
    seed : int, SeedSequence or Generator
    discriminator : {"optimal", "empirical"}
    gradient : {"rollout", "exact"}
    g_steps, n_sequences, n_rollouts, n_disc_samples : int
        Generator steps per round; B and N of the estimator; samples per class for the
        empirical discriminator.
    record_every : int
        Record the generator every this many rounds (and at the end).

    Returns
    -------
    TabularSeqGANRun
    """
    tables, V, T = check_logits(logits0, "logits0")
    p = check_probability(p_data, "p_data")
    if p.shape != (V**T,):
        raise ValueError(f"`p_data` must have shape ({V**T},) for V = {V}, T = {T} (got {p.shape})")
    R = check_int(n_rounds, "n_rounds", minimum=0)
    step = check_positive(lr, "lr")
    check_in(discriminator, "discriminator", DISCRIMINATORS)
    check_in(gradient, "gradient", GRADIENTS)
    g_steps = check_int(g_steps, "g_steps", minimum=1)
    B = check_int(n_sequences, "n_sequences", minimum=1)
    N = check_int(n_rollouts, "n_rollouts", minimum=1)
    every = check_int(record_every, "record_every", minimum=1)
    rng = as_generator(seed)
    theta = [x.copy() for x in tables]

    rounds, dists, mean_d = [], [], []

    def record(r: int, q: np.ndarray, d: np.ndarray) -> None:
        rounds.append(r)
        dists.append(q)
        mean_d.append(float(q @ d))

    for r in range(R + 1):
        q = generator_distribution(theta)
        d = fit_discriminator(p, q / q.sum(), method=discriminator, n_samples=n_disc_samples, seed=rng)
        if r % every == 0 or r == R:
            record(r, q, d)
        if r == R:
            break
        for _ in range(g_steps):
            if gradient == "rollout":
                grads = policy_gradient_estimate(theta, d, B, N, rng).grad
            else:
                grads = enumerated_gradient(theta, d)
            theta = [x + step * g for x, g in zip(theta, grads)]
    return TabularSeqGANRun(rounds=np.asarray(rounds), p_model=np.asarray(dists),
                            mean_d=np.asarray(mean_d), logits=theta)
