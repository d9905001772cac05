"""van Hasselt, Guez & Silver (AAAI 2016; arXiv:1509.06461), Figure 2: overestimation with function approximation.

Three rows as in the paper: V*(s) = sin(s) with degree-6 fits, V*(s) = 2 exp(-s²) with degree 6,
and 2 exp(-s²) with degree 9; 10 actions share the true value.  Columns: (left) the true value
and the fit of action a_1 with its sampled integer states; (middle) all 10 fits and their
maximum; (right) the max estimate's error (orange) and the Double-Q estimate's error (blue),
with the average errors — ours and the paper's printed ones.  Computed by
:func:`solvers.tabular.overestimation.function_approximation_overestimation`; the process is
deterministic (``seed`` is recorded only; ``fast`` only thins the plotting grid: 481 states
instead of 12,001, which moves the printed averages by < 0.005).
"""

from __future__ import annotations

from experiments.figures import figure
from experiments.figure_style import new_figure
from solvers.tabular.overestimation import (
    FIG2_PAPER_AVERAGE_ERRORS,
    FIG2_ROWS,
    TRUE_VALUE_FUNCTIONS,
    function_approximation_overestimation,
)

PURPLE, GREEN, ORANGE, BLUE = "tab:purple", "tab:green", "tab:orange", "tab:blue"
LABELS = {"sin": r"$V_*(s) = \sin(s)$", "gaussian": r"$V_*(s) = 2\exp(-s^2)$"}


@figure("vanhasselt2015_fig2",
        title="Overestimation with polynomial function approximation (cf. van Hasselt et al. 2016, Fig. 2)",
        claims=("vanhasselt2015-figs/fig2-average-errors", "vanhasselt2015-figs/fig2-max-overestimates",
                "vanhasselt2015-figs/fig2-least-squares-fits"))
def build(*, seed: int = 0, fast: bool = True):
    n_grid = 481 if fast else 12001  # averages are computed on this grid too (see the claims)
    fig, axes = new_figure(3, 3, figsize=(12, 9), sharex=True)
    data = {"rows": []}
    for row, ((name, degree), printed) in enumerate(zip(FIG2_ROWS, FIG2_PAPER_AVERAGE_ERRORS)):
        r = function_approximation_overestimation(name, degree, n_grid=n_grid)
        s = r.states
        left, middle, right = axes[row]

        used = r.sample_mask[0]
        left.plot(s, r.true_values, color=PURPLE, lw=2, label=r"$Q_*(s,a)$")
        left.plot(s, r.estimates[0], color=GREEN, label=r"$Q_t(s,a_1)$")
        left.plot(r.sample_states[used], TRUE_VALUE_FUNCTIONS[name](r.sample_states[used]),
                  "o", color=GREEN, ms=4)
        left.set_ylabel(f"{LABELS[name]}, degree {degree}", fontsize=9)

        middle.plot(s, r.estimates.T, color=GREEN, lw=0.8, alpha=0.8)
        middle.plot(s, r.max_estimate, "k--", lw=1.5, label=r"$\max_a Q_t(s,a)$")
        middle.plot(s, r.true_values, color=PURPLE, lw=1, alpha=0.6)

        right.plot(s, r.max_error, color=ORANGE, label=r"$\max_a Q_t(s,a) - \max_a Q_*(s,a)$")
        right.plot(s, r.double_error, color=BLUE, label="Double-Q estimate")
        right.axhline(0.0, color="black", lw=0.8)
        right.text(0.98, 0.95,
                   f"average error (max / Double-Q)\nhere: {r.mean_max_error:+.2f} / {r.mean_double_error:+.2f}\n"
                   f"paper: {printed[0]:+.2f} / {printed[1]:+.2f}",
                   transform=right.transAxes, ha="right", va="top", fontsize=8,
                   bbox=dict(facecolor="white", alpha=0.85, edgecolor="none"))

        y0, y1 = right.get_ylim()
        right.set_ylim(y0, y1 + 0.45 * (y1 - y0))  # room for the averages' box
        # Keep the estimates' excursions from squashing the panels (the paper clips them too).
        lo, hi = float(r.true_values.min()), float(r.true_values.max())
        pad = 1.0 if degree < 9 else 3.0
        for ax in (left, middle):
            ax.set_ylim(lo - pad, hi + pad)
        data["rows"].append({
            "true_value": name, "degree": degree,
            "mean_max_error": r.mean_max_error, "mean_double_error": r.mean_double_error,
            "paper_printed": list(printed),
            "residual_at_samples": r.residual_at_samples,
        })
    titles = ("True value and an estimate", "All estimates and max", "Bias as function of state")
    for ax, title in zip(axes[0], titles):
        ax.set_title(title, fontsize=10)
    for ax in axes[-1]:
        ax.set_xlabel("state")
    axes[0, 0].legend(loc="lower left", fontsize=7)
    axes[0, 1].legend(loc="lower left", fontsize=7)
    axes[0, 2].legend(loc="upper left", fontsize=7)
    fig.tight_layout()
    return fig, data
