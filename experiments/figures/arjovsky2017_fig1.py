"""Arjovsky, Chintala & Bottou (2017), Figure 1, in its spirit: the divergences of Example 1
(parallel lines) against θ.  Markers are measured on the discretized lines (exact LP for W,
finite sums for JS/TV); lines are the closed forms of ``theory.divergences.parallel_lines``.
"""

from __future__ import annotations

import numpy as np

from experiments.claims.arjovsky2017 import parallel_lines_measured
from experiments.figures import figure
from experiments.figure_style import new_figure
from theory.divergences import parallel_lines


@figure("arjovsky2017_fig1", title="Example 1: W is continuous in theta, JS jumps "
        "(cf. Arjovsky et al. 2017, Fig. 1)", claims=("arjovsky2017/example1-parallel-lines",))
def build(*, seed: int = 0, fast: bool = True):
    # Deterministic construction; `seed` is recorded only.
    n_markers = 21 if fast else 41
    thetas = np.linspace(-1.0, 1.0, n_markers)
    fine = np.linspace(-1.0, 1.0, 2001)
    measured = parallel_lines_measured(thetas, n_bins=16 if fast else 48)
    predicted = parallel_lines(fine)
    fig, (ax_w, ax_js) = new_figure(1, 2, figsize=(10, 3.6))
    ax_w.plot(fine, predicted["wasserstein"], color="tab:blue", label="closed form |θ|")
    ax_w.plot(thetas, measured["wasserstein"], "o", ms=4, color="black", label="exact LP (discretized)")
    ax_w.set_title("Earth-mover distance W(P0, Pθ)")
    # JS is log 2 everywhere except θ = 0: draw the jump as two pieces and the isolated point.
    nonzero = fine != 0
    ax_js.plot(np.where(nonzero, fine, np.nan), np.where(nonzero, predicted["js"], np.nan),
               color="tab:red", label="closed form")
    ax_js.plot([0.0], [0.0], "o", mfc="white", color="tab:red")
    ax_js.plot(thetas, measured["js"], "o", ms=4, color="black", label="measured (discretized)")
    ax_js.axhline(np.log(2), ls=":", color="gray", lw=0.8)
    ax_js.set_title("Jensen-Shannon divergence JS(P0, Pθ)")
    for ax in (ax_w, ax_js):
        ax.set_xlabel("θ")
        ax.legend(loc="lower right" if ax is ax_js else "upper center", fontsize=8)
    fig.tight_layout()
    return fig, {"theta": thetas, "measured": measured}
