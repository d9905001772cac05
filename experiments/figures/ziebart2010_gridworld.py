"""Maximum causal entropy IRL on a slippery gridworld: reward and state-occupancy heatmaps,
expert vs recovered (2 x 2 panels), in the spirit of the gridworld figures of the IRL
literature (Ziebart et al. 2008/2010 use road networks; the gridworld is ours).

The expert is the soft-optimal policy (finite horizon, from the top-left corner) of a reward
with a goal bump near the bottom-right corner and a pit in the middle; its exact feature
expectations (one-hot state features = expected state visits) go into
:func:`solvers.tabular.maxent_irl.mce_irl` (Newton on the dual).  One-hot rewards are identified
up to a constant (adding c to every state adds the same amount to all Q_t(s, .)), so both reward
panels are drawn centred (mean over states removed).  The panel titles give the measured
differences.
"""

from __future__ import annotations

import numpy as np

from experiments.figures import figure
from experiments.figure_style import new_figure
from solvers.problems.gridworld import gridworld
from solvers.tabular.maxent_irl import mce_irl, occupancy_finite, soft_value_iteration_finite

CLAIMS = ("ziebart2010/mce-irl-feature-matching",)


def designed_reward(n: int) -> np.ndarray:
    """A broad goal bump (+4) towards the bottom-right corner and a pit (-4) in the middle:
    strong enough, against the entropy bonus of log 5 per step, to pull the expert across."""
    rows, cols = np.divmod(np.arange(n * n), n)
    x = np.stack([rows, cols], axis=1) / (n - 1)
    goal = np.exp(-((x - [0.85, 0.85]) ** 2).sum(1) / (2 * 0.3**2))
    pit = np.exp(-((x - [0.4, 0.45]) ** 2).sum(1) / (2 * 0.12**2))
    return 4.0 * goal - 4.0 * pit


@figure("ziebart2010_gridworld", title="MCE IRL on a slippery gridworld: reward and occupancy, "
        "expert vs recovered", claims=CLAIMS)
def build(*, seed: int = 0, fast: bool = True):
    # Deterministic construction: `seed` is recorded for uniformity, nothing is sampled.
    n, H = (10, 25) if fast else (16, 40)
    g = gridworld(n, slip=0.1, features="onehot", start="corner")
    w = designed_reward(n)
    expert = soft_value_iteration_finite(g, w, H)
    occ_e = occupancy_finite(g, expert.pi, g.mu0)
    F_E = occ_e.state @ g.features
    res = mce_irl(g, F_E, horizon=H, tol=1e-10, expert_occupancy=occ_e.state)
    r_e = w - w.mean()
    r_r = res.theta - res.theta.mean()
    reward_gap = float(np.max(np.abs(r_e - r_r)))
    occ_gap = float(res.occupancy_mismatch)
    policy_gap = float(np.max(np.abs(res.values.pi - expert.pi)))

    fig, axes = new_figure(2, 2, figsize=(8.4, 7.4))
    vr = float(np.max(np.abs(np.concatenate([r_e, r_r]))))
    vo = float(max(occ_e.state.max(), res.occupancy.state.max()))
    panels = [
        (axes[0, 0], r_e, "(a) expert reward (centred)", "RdBu_r", -vr, vr),
        (axes[0, 1], r_r, f"(b) recovered reward (centred)\nmax |diff| = {reward_gap:.1e}", "RdBu_r", -vr, vr),
        (axes[1, 0], occ_e.state, f"(c) expert expected visits, H = {H}", "viridis", 0.0, vo),
        (axes[1, 1], res.occupancy.state, f"(d) recovered policy's visits\nmax |diff| = {occ_gap:.1e}",
         "viridis", 0.0, vo),
    ]
    for ax, values, title, cmap, lo, hi in panels:
        im = ax.imshow(values.reshape(n, n), cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest")
        ax.set_title(title, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    axes[1, 0].plot([0], [0], marker="o", color="white", markersize=5)   # start cell
    fig.suptitle(f"{n}x{n} gridworld, slip 0.1, one-hot rewards; Newton iterations: {res.n_iter}, "
                 f"feature mismatch {res.feature_mismatch:.1e}", fontsize=9)
    fig.tight_layout()
    data = {"n": n, "horizon": H, "slip": 0.1, "reward_true_centred": r_e, "reward_recovered_centred": r_r,
            "occupancy_expert": occ_e.state, "occupancy_recovered": res.occupancy.state,
            "max_reward_gap_centred": reward_gap, "max_occupancy_gap": occ_gap,
            "max_policy_gap": policy_gap, "feature_mismatch": res.feature_mismatch,
            "newton_iterations": res.n_iter}
    return fig, data
