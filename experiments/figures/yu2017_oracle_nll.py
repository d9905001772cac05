"""SeqGAN's oracle-NLL learning curve, in the spirit of Yu et al. (2017), Figure 2: MLE
pre-training of an RNN generator on samples of a random-weight oracle RNN, then, from the same
pre-trained generator, SeqGAN (learned CNN discriminator), SeqGAN rewarded by the exact optimal
discriminator, and continued MLE.  NLL_oracle is per token (nats); bands are 95% Student-t
intervals of the mean over seeds (each seed has its own oracle, so the bands are wide; the claims
test the paired, per-seed differences between branches).  At the fast tier a tiny configuration and one seed; at the full tier the
runs of the claims ``yu2017/oracle-nll-ordering`` and ``yu2017/oracle-nll-ordering-optimal-d``
(shared, cached).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from experiments.claims.yu2017 import N_ORACLE_SEEDS, oracle_runs
from experiments.figures import figure
from experiments.figure_style import new_figure

LABELS = {"mle": ("continued MLE", "tab:gray"), "seqgan": ("SeqGAN, learned CNN D", "tab:blue"),
          "seqgan-rnn": ("SeqGAN, learned RNN D", "tab:purple"),
          "seqgan-bayes": ("SeqGAN, optimal D* = p/(p+G)", "tab:red"),
          "seqgan-delayed": ("SeqGAN, learned CNN D, delayed roll-out copy (rate 0.8)", "tab:green")}


def _band(curves: np.ndarray):
    mean = curves.mean(axis=0)
    if curves.shape[0] < 2:
        return mean, mean, mean
    half = stats.t.ppf(0.975, curves.shape[0] - 1) * curves.std(axis=0, ddof=1) / np.sqrt(curves.shape[0])
    return mean, mean - half, mean + half


@figure("yu2017_oracle_nll", title="SeqGAN oracle-NLL learning curve: MLE pre-training, then adversarial "
        "training (cf. Yu et al. 2017, Figure 2)",
        claims=("yu2017/oracle-nll-ordering", "yu2017/oracle-nll-ordering-optimal-d"))
def build(*, seed: int = 0, fast: bool = True):
    config, runs = oracle_runs(seed, 1 if fast else N_ORACLE_SEEDS, fast)
    pre_x = runs[0].pretrain_steps
    adv_x = config.pretrain_steps + runs[0].adv_steps
    fig, ax = new_figure(figsize=(7.0, 4.2))
    pre_mean, pre_lo, pre_hi = _band(np.array([r.pretrain_nll for r in runs]))
    ax.plot(pre_x, pre_mean, "-", color="black", label="MLE pre-training")
    ax.fill_between(pre_x, pre_lo, pre_hi, color="black", alpha=0.15, lw=0)
    data = {"n_seeds": len(runs), "config": config.to_dict(), "pretrain_steps": pre_x, "pretrain_nll": pre_mean,
            "adv_steps": adv_x, "branches": {}}
    for branch in config.branches:
        label, color = LABELS[branch]
        mean, lo, hi = _band(np.array([r.nll[branch] for r in runs]))
        ax.plot(adv_x, mean, "-", color=color, label=label)
        ax.fill_between(adv_x, lo, hi, color=color, alpha=0.2, lw=0)
        data["branches"][branch] = {"mean": mean, "lo": lo, "hi": hi}
    h = float(np.mean([r.oracle_entropy for r in runs]))
    ax.axhline(h, ls=":", color="tab:green", label="oracle's own NLL (entropy rate)")
    ax.axvline(config.pretrain_steps, ls="--", color="gray", lw=0.8)
    ax.set_xlabel("generator updates (pre-training, then adversarial / continued MLE)")
    ax.set_ylabel("NLL_oracle per token (nats)")
    top = max(pre_mean[min(2, len(pre_mean) - 1)], max(data["branches"][b]["hi"].max() for b in config.branches))
    ax.set_ylim(h - 0.1, top + 0.1)
    ax.set_title(f"V = {config.vocab_size}, T = {config.length}, {len(runs)} seed(s)"
                 + (" (fast: tiny run)" if fast else ""), fontsize=9)
    ax.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    data["oracle_entropy"] = h
    return fig, data
