"""DDPG's actor against the closed-form optimal policy of the discounted scalar LQR.

(a) The learned actors u = μ(s) of every run after training, against the optimal policy
u* = −k* s from the Riccati equation (full tier: the MLP actors as well).
(b) The actor's gain k̂ (least-squares slope through the origin) over training, every run,
against k* with the claim's tolerance band.
(c) The learned critic's slice Q̂(s = 1, u) of every run against the closed-form Q_{k*}(1, u)
(:func:`theory.lqr.lqr_q_value`); the actor's action and the closed-form maximizer u = −k* are
marked — the actor sits where the critic's slope in u vanishes, the DPG's fixed point.

The runs are the claims' runs (cached), so the figure and the claims show the same numbers.
"""

from __future__ import annotations

import numpy as np

from experiments.claims.silver2014 import DDPG, DDPG_LONG, GAIN_ATOL_LONG, ddpg_run, gain_allowance, lqr_args
from experiments.figures import figure
from experiments.figure_style import new_figure
from theory.lqr import lqr_optimal, lqr_q_value


@figure("silver2014_ddpg", title="DDPG's actor against the closed-form optimal LQR policy (Silver et al. "
        "2014; Lillicrap et al. 2016)", claims=(DDPG, DDPG_LONG))
def build(*, seed: int = 0, fast: bool = True):
    (a, b, q, r, gamma), kw = lqr_args()
    opt = lqr_optimal(a, b, q, r, gamma, **kw)
    run = ddpg_run(seed, not fast)
    tol = gain_allowance() if fast else GAIN_ATOL_LONG
    mlp = None if fast else ddpg_run(seed, True, True)
    s = run.eval_states
    fig, (ax, bx, cx) = new_figure(1, 3, figsize=(14, 4.4))
    data = {"k_star": opt.k, "P": opt.P, "eval_states": s, "tolerance": tol, "n_runs": run.config.n_runs,
            "n_steps": run.config.n_steps}

    # (a) policies
    for i, u in enumerate(run.actions[-1]):
        ax.plot(s, u, color="tab:blue", lw=1, alpha=0.7, label="DDPG, linear actor" if i == 0 else None)
    if mlp is not None:
        for i, u in enumerate(mlp.actions[-1]):
            ax.plot(s, u, color="tab:orange", lw=1, alpha=0.7, label="DDPG, MLP actor" if i == 0 else None)
        data["mlp_actions"] = mlp.actions[-1]
    ax.plot(s, -opt.k * s, color="black", lw=2, ls="--", label=f"optimal u = -k* s (k* = {opt.k:.4f})")
    ax.set_xlabel("state s")
    ax.set_ylabel("action u")
    ax.set_title(f"(a) learned actors after {run.config.n_steps} steps ({run.config.n_runs} runs)", fontsize=10)
    ax.legend(fontsize=8)
    data["actions"] = run.actions[-1]

    # (b) gain over training
    steps = run.steps
    for i in range(run.gain.shape[1]):
        bx.plot(steps, run.gain[:, i], color="tab:blue", lw=1, alpha=0.8, label="actor gain k̂" if i == 0 else None)
    bx.axhline(opt.k, color="black", lw=2, ls="--", label="Riccati gain k*")
    bx.axhspan(opt.k - tol, opt.k + tol, color="gray", alpha=0.2, label=f"claim tolerance ±{tol:g}")
    bx.set_xlabel("training step (one transition per copy + one update)")
    bx.set_ylabel("gain k̂ = −Σ s μ(s) / Σ s²")
    bx.set_title("(b) actor gain over training", fontsize=10)
    bx.legend(fontsize=8)
    data["steps"] = steps
    data["gains"] = run.gain

    # (c) critic slice at s = 1
    u = np.linspace(-2.0, 1.0, 121)
    q_hat = run.q(np.ones_like(u), u)  # (R, U)
    q_true = lqr_q_value(1.0, u, opt.k, a, b, q, r, gamma, sigma=kw["sigma"])
    for i, row in enumerate(q_hat):
        cx.plot(u, row, color="tab:blue", lw=1, alpha=0.7, label="learned critic Q̂(1, u)" if i == 0 else None)
    cx.plot(u, q_true, color="black", lw=2, ls="--", label="closed form Q_k*(1, u), theory.lqr")
    cx.axvline(-opt.k, color="black", lw=1, ls=":", label="argmax_u Q_k*(1, u) = −k*")
    actions = run.policy(np.array([1.0]))[:, 0]
    cx.plot(actions, run.q(np.ones_like(actions), actions).diagonal(), "o", color="tab:red", ms=4,
            label="actor's action μ(1)")
    cx.set_xlabel("action u at state s = 1")
    cx.set_ylabel("Q(1, u)")
    cx.set_title("(c) critic slice: the actor climbs ∂Q/∂u to its zero", fontsize=10)
    cx.legend(fontsize=8)
    data["critic_slice"] = {"u": u, "learned": q_hat, "closed_form": q_true, "actor_actions": actions}
    fig.tight_layout()
    return fig, data
