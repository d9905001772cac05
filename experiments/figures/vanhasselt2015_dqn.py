"""Neural DQN against Double DQN: overestimation over training (in the spirit of van Hasselt,
Guez & Silver (AAAI 2016; arXiv:1509.06461), Figure 3, top row), on the equal-values MDP of
``experiments.claims.vanhasselt2015_neural`` whose Q* is known exactly.

(a) mean_s (max_a Q(s, a) − V*(s)) against environment transitions per run, mean and 95%
Student-t band over seeds, for DQN, Double DQN, dueling Double DQN and the tabular Q-learning /
Double Q-learning on the same MDP, with the zero line (no overestimation).
(b) The late overestimation split into its shared part (mean_a Q − V*, propagated by
bootstrapping) and its within-state part (max_a Q − mean_a Q), with σ · E[max of m N(0, 1)]
(``theory.overestimation.expected_max_normal``) and Theorem 1's sqrt(C/(m − 1)) for the
within-state part.

The runs are those of the claims (cached), so figure and claims show the same numbers.
"""

from __future__ import annotations

import numpy as np

from experiments.claims.vanhasselt2015_neural import (
    DOUBLE_DQN,
    DUELING_RUN,
    LABELS,
    N_ACTIONS,
    TABULAR,
    WITHIN_STATE,
    run_experiment,
    t_band,
    within_state_decomposition,
)
from experiments.figures import figure
from experiments.figure_style import new_figure

STYLES = {
    "dqn": dict(color="tab:red", ls="-"),
    "double_dqn": dict(color="tab:blue", ls="-"),
    "dueling_double_dqn": dict(color="tab:purple", ls="-."),
    "q_learning": dict(color="tab:orange", ls="--"),
    "double_q_learning": dict(color="tab:cyan", ls="--"),
}


@figure("vanhasselt2015_dqn", title="DQN vs Double DQN: overestimation over training on an MDP with "
        "known Q* (cf. van Hasselt et al. 2016, Fig. 3)", claims=(DOUBLE_DQN, DUELING_RUN, TABULAR, WITHIN_STATE))
def build(*, seed: int = 0, fast: bool = True):
    exp = run_experiment(seed, not fast)
    x = exp.transitions
    fig, (ax, bx) = new_figure(1, 2, figsize=(12, 4.8), gridspec_kw={"width_ratios": [1.6, 1]})
    data = {"transitions_per_run": x, "n_seeds": exp.n_runs, "curves": {}, "late": {}}
    ax.axhline(0.0, color="black", lw=1, ls=":", label="no overestimation")
    for name, style in STYLES.items():
        curve = exp.overestimation(name)  # (K, R)
        mean, half = t_band(curve, axis=1)
        ax.plot(x, mean, lw=1.8, label=LABELS[name], **style)
        ax.fill_between(x, mean - half, mean + half, color=style["color"], alpha=0.18, lw=0)
        data["curves"][name] = {"mean": mean, "ci95_half_width": half}
    ax.set_xlabel("environment transitions per run")
    ax.set_ylabel("mean_s max_a Q(s, a) − V*(s)")
    ax.set_title(f"(a) overestimation, mean and 95% t-band over {exp.n_runs} seeds", fontsize=10)
    ax.legend(fontsize=8, loc="upper left")

    late = exp.late()
    names = list(STYLES)
    pos = np.arange(len(names))
    for i, name in enumerate(names):
        dec = within_state_decomposition(exp.q[name][late], exp.v_star)
        shared, spread = float(dec["shared"].mean()), float(dec["spread"].mean())
        gauss, bound = float(dec["gaussian"].mean()), float(dec["theorem1"].mean())
        bx.bar(i, shared, color=STYLES[name]["color"], alpha=0.45, label="shared part" if i == 0 else None)
        bx.bar(i, spread, bottom=shared, color=STYLES[name]["color"], alpha=0.9,
               label="within-state part" if i == 0 else None)
        bx.plot([i - 0.38, i + 0.38], [shared + gauss] * 2, color="black", lw=1.5,
                label="σ·E[max of m N(0,1)]" if i == 0 else None)
        bx.plot([i - 0.38, i + 0.38], [shared + bound] * 2, color="black", lw=1, ls="--",
                label="Theorem 1: sqrt(C/(m−1))" if i == 0 else None)
        data["late"][name] = {"shared": shared, "within_state": spread, "gaussian_prediction": gauss,
                              "theorem1_bound": bound}
    bx.axhline(0.0, color="black", lw=0.8)
    bx.set_xticks(pos)
    bx.set_xticklabels([LABELS[n].replace("tabular ", "tab. ").replace(" ", "\n", 1) for n in names], fontsize=7)
    bx.set_ylabel("late overestimation (second half)")
    bx.set_title(f"(b) shared + within-state parts (m = {N_ACTIONS})", fontsize=10)
    bx.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)
    fig.tight_layout()
    return fig, data
