"""Benchmark (``ganac bench rl-seqgan``): SeqGAN roll-out throughput, in completed sequences
per second.

A roll-out batch (Yu et al. 2017, eq. (4); Algorithm 1, lines 9-11) takes B sampled sequences
and, for every position t < T, completes the prefix Y_{1:t} N times with the generator and
scores each completion with the discriminator: B N (T - 1) sequences per batch.

Rows
----
- ``seqgan_rollout_tabular``: :func:`solvers.tabular.seqgan.rollout_action_values` on tabular
  generators (V, T) = (4, 6), (8, 5), (16, 4), B = 64, N = 16, side by side with a
  per-sequence Python loop (the peer) that consumes the *same* uniform variates in the same
  order, so both return identical estimates: ``agree`` = the largest |difference| (0 up to
  float rounding) and ``ratio`` = loop time / vectorized time.
- ``seqgan_rollout_neural``: :func:`solvers.neural.seqgan.rollout_rewards` for an Elman RNN
  generator (embedding 16, hidden 32) and the CNN discriminator at this package's oracle size
  (V = 32, T = 10) and, unless ``quick``, at the paper's (V = 5,000, T = 20), B = 64, N = 16;
  no peer (the paper's TensorFlow code is not a dependency).

``extra["sequences_per_second"]`` holds the throughput.  Run with ``OPENBLAS_NUM_THREADS=1``
(the CLI's default) for stable numbers.
"""

from __future__ import annotations

import numpy as np

from experiments.bench import BenchRow, benchmark, best_time
from solvers.neural import seqgan as neural
from solvers.tabular import seqgan as tabular

__all__ = ["run", "seqgan_rows"]

SEED = 20240601
B, N = 64, 16


def _loop_rollouts(logits, d, tokens, n_rollouts, rng):
    """The peer: the same estimator one sequence and one token at a time (plain Python loops),
    drawing the same uniforms in the same order as the vectorized solver."""
    V, T = logits[0].shape[1], len(logits)
    cdfs = []
    for x in logits:
        e = np.exp(x - x.max(axis=1, keepdims=True))
        c = np.cumsum(e / e.sum(axis=1, keepdims=True), axis=1)
        cdfs.append(c / c[:, -1:])
    n_seq = tokens.shape[0]
    q = np.empty((n_seq, T))
    for b in range(n_seq):
        r = 0
        for y in tokens[b]:
            r = r * V + int(y)
        q[b, T - 1] = d[r]
    prefix = [0] * n_seq
    for t in range(T - 1):
        prefix = [prefix[b] * V + int(tokens[b, t]) for b in range(n_seq)]
        rows = [p for p in prefix for _ in range(n_rollouts)]
        for s in range(t + 1, T):
            u = rng.random(len(rows))
            rows = [r * V + int(np.searchsorted(cdfs[s][r], u[i], side="right")) for i, r in enumerate(rows)]
        vals = d[np.array(rows)].reshape(n_seq, n_rollouts)
        q[:, t] = vals.mean(axis=1)
    return q


def _tabular_rows(quick: bool) -> list[BenchRow]:
    rows = []
    sizes = [(4, 6)] if quick else [(4, 6), (8, 5), (16, 4)]
    for V, T in sizes:
        rng = np.random.default_rng(SEED)
        logits = tabular.random_generator_logits(V, T, rng)
        d = rng.uniform(size=V**T)
        tokens = tabular.sample_sequences(logits, B, rng)
        ours = tabular.rollout_action_values(logits, d, tokens, N, np.random.default_rng(1))
        peer = _loop_rollouts(logits, d, tokens, N, np.random.default_rng(1))
        t_ours = best_time(lambda: tabular.rollout_action_values(logits, d, tokens, N, np.random.default_rng(1)))
        t_peer = best_time(lambda: _loop_rollouts(logits, d, tokens, N, np.random.default_rng(1)),
                           repeat=1 if quick else 3)
        n_sequences = B * N * (T - 1)
        rows.append(BenchRow(
            name="seqgan_rollout_tabular", size=f"V={V} T={T} B={B} N={N}", ours_seconds=t_ours,
            peer="python loop, same uniforms", peer_seconds=t_peer, agree=float(np.max(np.abs(ours - peer))),
            note=f"{n_sequences / t_ours:,.0f} seq/s",
            extra={"sequences_per_second": n_sequences / t_ours, "peer_sequences_per_second": n_sequences / t_peer}))
    return rows


def _neural_rows(quick: bool) -> list[BenchRow]:
    rows = []
    sizes = [(32, 10)] if quick else [(32, 10), (5000, 20)]
    for V, T in sizes:
        rng = np.random.default_rng(SEED)
        gen = neural.init_rnn(V, 16, 32, rng)
        disc = neural.init_discriminator(V, 16, 32, (1, 2, 3, 4, 5), rng)
        tokens = neural.sample_rnn(gen, B, T, rng)
        t_ours = best_time(lambda: neural.rollout_rewards(gen, disc, tokens, N, np.random.default_rng(1)),
                           repeat=1 if quick else 3)
        n_sequences = B * N * (T - 1)
        rows.append(BenchRow(
            name="seqgan_rollout_neural", size=f"V={V} T={T} B={B} N={N}", ours_seconds=t_ours,
            note=f"{n_sequences / t_ours:,.0f} seq/s (RNN 16/32 + CNN)",
            extra={"sequences_per_second": n_sequences / t_ours}))
    return rows


def seqgan_rows(quick: bool = False) -> list[BenchRow]:
    """The SeqGAN roll-out rows (for ``ganac bench rl`` to include)."""
    return _tabular_rows(quick) + _neural_rows(quick)


@benchmark("rl-seqgan")
def run(quick: bool = False) -> list[BenchRow]:
    return seqgan_rows(quick)
