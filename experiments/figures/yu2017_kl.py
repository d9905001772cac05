"""The tabular SeqGAN's KL curve: Algorithm 1 of Yu et al. (2017) on an enumerable space
(vocabulary 3, length 3: 27 sequences) with the discriminator re-fitted to D* = p/(p + G) every
round.  Drawn: KL(p_data || G) under the exact expected gradient and under the roll-out
estimator (B = 64 sequences, N = 16 roll-outs), and KL(p_data || (p_data + G)/2), the quantity
the exact run provably decreases.  The runs are those of the claim
``yu2017/optimal-discriminator-training`` (shared, cached), so figure and claim agree.
"""

from __future__ import annotations

import numpy as np

from experiments.claims.yu2017 import TRAIN_LR, TRAIN_ROUNDS, training_runs
from experiments.figures import figure
from experiments.figure_style import new_figure
from theory.divergences import kl_divergence


@figure("yu2017_kl", title="Tabular SeqGAN with the optimal discriminator: KL(p_data || G) over training "
        "(cf. Yu et al. 2017, Algorithm 1)", claims=("yu2017/optimal-discriminator-training",))
def build(*, seed: int = 0, fast: bool = True):
    # Both tiers use the same (cheap) runs; `fast` is accepted for uniformity.
    p, exact, rollout = training_runs(seed)
    kl_exact = kl_divergence(p, exact.p_model)
    kl_mix = kl_divergence(p, 0.5 * (p + exact.p_model))
    kl_roll = kl_divergence(p, rollout.p_model)
    floor = 1e-8  # log axis: values below are drawn at the floor
    fig, ax = new_figure(figsize=(6.4, 4.0))
    ax.semilogy(exact.rounds, np.maximum(kl_exact, floor), "-", color="tab:blue",
                label="KL(p || G), exact gradient")
    ax.semilogy(exact.rounds, np.maximum(kl_mix, floor), "--", color="tab:blue", alpha=0.6,
                label="KL(p || (p+G)/2), exact gradient")
    ax.semilogy(rollout.rounds, np.maximum(kl_roll, floor), "-", color="tab:orange", lw=0.8,
                label="KL(p || G), roll-out estimator (B=64, N=16)")
    ax.set_xlabel(f"adversarial round (one D* fit, one ascent step, lr = {TRAIN_LR:g})")
    ax.set_ylabel("nats")
    ax.set_xlim(0, TRAIN_ROUNDS)
    ax.legend(fontsize=8)
    fig.tight_layout()
    data = {"rounds": exact.rounds, "kl_exact": kl_exact, "kl_mixture_exact": kl_mix, "kl_rollout": kl_roll,
            "p_data": p}
    return fig, data
