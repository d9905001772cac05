"""Claims from Arjovsky, Chintala & Bottou (2017), "Wasserstein GAN" (ICML)."""

from __future__ import annotations

import numpy as np

from experiments.claims._support import measures_on_union
from experiments.registry import Context, Evidence, claim
from solvers.problems.parallel_lines import discretised
from theory.divergences import (
    js_divergence,
    kl_divergence,
    parallel_lines,
    total_variation,
    wasserstein_discrete,
)

EXAMPLE1 = "arjovsky2017/example1-parallel-lines"

#: θ grid of the check: both signs, tiny offsets (where JS/KL/TV already jumped) and 0.
THETAS = np.array([-1.0, -0.5, -0.1, -1e-3, 0.0, 1e-3, 0.1, 0.5, 1.0])
#: Points per line in the discretisation (Z uniform on n midpoints).
N_BINS = 24
#: HiGHS dual simplex with feasibility tolerance 1e-10 on costs of order 1.
LP_ATOL = 1e-8


def parallel_lines_measured(thetas: np.ndarray, n_bins: int = N_BINS) -> dict[str, np.ndarray]:
    """W1 (exact LP), JS, KL, TV of the discretised parallel lines for each θ.

    The discretisation keeps the example's geometry exactly: Z takes the n midpoints of [0, 1]
    on both lines, so the transport problem and the supports are those of Example 1 restricted
    to a grid.  Nothing here calls ``theory.divergences.parallel_lines``.
    """
    out = {k: np.empty(len(thetas)) for k in ("wasserstein", "js", "kl", "tv")}
    for i, theta in enumerate(thetas):
        lines = discretised(float(theta), n_bins)
        out["wasserstein"][i] = wasserstein_discrete(lines.weights_real, lines.weights_model, lines.cost).value
        _, p, q = measures_on_union(lines.points_real, lines.weights_real,
                                    lines.points_model, lines.weights_model)
        out["js"][i] = js_divergence(p, q)
        with np.errstate(divide="ignore"):
            out["kl"][i] = kl_divergence(p, q)
        out["tv"][i] = total_variation(p, q)
    return out


@claim(
    EXAMPLE1,
    statement="For P0 = (0, Z) and P_theta = (theta, Z), Z ~ U[0, 1]: W(P0, P_theta) = |theta| is "
    "continuous in theta, while JS = log 2, KL = +inf and TV = 1 for every theta != 0 (all 0 at theta = 0).",
    source="Arjovsky, Chintala & Bottou (2017), Example 1 and Figure 1",
    kinds=("exact",),
    figures=("arjovsky2017_fig1",),
    closed_form="theory.divergences.parallel_lines",
    problem="solvers.problems.parallel_lines.discretised",
)
def example1(ctx: Context):
    measured = parallel_lines_measured(THETAS)
    predicted = parallel_lines(THETAS)
    return {
        "exact-wasserstein": Evidence.close(
            predicted["wasserstein"], measured["wasserstein"], atol=LP_ATOL,
            reason="exact LP (HiGHS dual simplex, feasibility 1e-10) on the discretised lines",
            details={"theta": THETAS, "n_bins": N_BINS}),
        "exact-js": Evidence.close(
            predicted["js"], measured["js"], atol=1e-12,
            reason="float64 sums of n = 24 log terms"),
        "exact-kl": Evidence.close(
            predicted["kl"], measured["kl"], atol=1e-12,
            reason="+inf must match exactly; 0 at theta = 0 up to rounding"),
        "exact-tv": Evidence.close(
            predicted["tv"], measured["tv"], atol=1e-12,
            reason="float64 half-L1 sums"),
    }
