"""Chen et al. (2016), eq. (4)-(5): InfoGAN's bound L_I against the mutual information I(c; x).

Panel (a): one discrete model (4 codes, 6 outputs); the auxiliary Q moves from the prior
(Q_0(c|x) = P(c), which ignores x) to the exact posterior: Q_t = (1 - t) P(c) + t P(c|x).  L_I(Q_t)
(:func:`theory.infogan.infogan_lower_bound`) rises to I (:func:`theory.infogan.mutual_information`),
touching it at t = 1; the gap is E_x KL(P(c|x) ‖ Q_t(c|x)) (:func:`theory.infogan.infogan_bound_gap`).
Panel (b): 300 random (model, Q) pairs: every point lies below the diagonal L_I = I, and the
exact posterior puts it on the diagonal.
"""

from __future__ import annotations

import numpy as np

from experiments.figures import figure
from experiments.figure_style import new_figure
from theory.infogan import infogan_bound_gap, infogan_lower_bound, mutual_information, posterior

TS = np.linspace(0.0, 1.0, 101)


@figure("chen2016_infogan_bound", title="InfoGAN's variational bound L_I against I(c; x) "
        "(cf. Chen et al. 2016, eqs. (4)-(5))", claims=("chen2016/infogan-lower-bound",))
def build(*, seed: int = 0, fast: bool = True):
    rng = np.random.default_rng(seed)
    p_c = rng.dirichlet(np.ones(4))
    p_xc = rng.dirichlet(np.full(6, 0.4), size=4)
    post = np.asarray(posterior(p_c, p_xc))
    q_t = (1 - TS)[:, None, None] * p_c[None, :, None] + TS[:, None, None] * post[None]
    li = np.asarray(infogan_lower_bound(p_c, p_xc, q_t))
    gap = np.asarray(infogan_bound_gap(p_c, p_xc, q_t))
    mi = float(mutual_information(p_c, p_xc))
    n_pairs = 300
    pc = rng.dirichlet(np.ones(4), size=n_pairs)
    pxc = rng.dirichlet(np.full(6, 0.4), size=(n_pairs, 4))
    qs = np.swapaxes(rng.dirichlet(np.ones(4), size=(n_pairs, 6)), -1, -2)
    mis = np.asarray(mutual_information(pc, pxc))
    lis = np.asarray(infogan_lower_bound(pc, pxc, qs))
    tight = np.asarray(infogan_lower_bound(pc, pxc, np.asarray(posterior(pc, pxc))))
    fig, (ax1, ax2) = new_figure(1, 2, figsize=(10, 3.8))
    ax1.plot(TS, li, color="tab:blue", label="L_I(Q_t) = E log Q_t(c|x) + H(c)")
    ax1.axhline(mi, color="black", ls=":", label="I(c; x)")
    ax1.plot(TS, mi - gap, "--", color="tab:red", lw=1, label="I - E_x KL(P(c|x) || Q_t)")
    ax1.set_xlabel("t   (Q_0 = prior, Q_1 = posterior P(c|x))")
    ax1.set_ylabel("nats")
    ax1.set_title("(a) the bound rises to I at the posterior", fontsize=9)
    ax1.legend(fontsize=7)
    top = float(mis.max()) * 1.05
    ax2.plot([0.0, top], [0.0, top], color="black", lw=1, ls=":", label="L_I = I")
    ax2.scatter(mis, lis, s=6, color="tab:blue", alpha=0.5, label="random Q")
    ax2.scatter(mis, tight, s=6, color="tab:red", label="Q = P(c|x)")
    ax2.set_xlabel("I(c; x)")
    ax2.set_ylabel("L_I")
    ax2.set_xlim(0.0, top)
    ax2.set_ylim(max(float(lis.min()), -2.0), top)
    ax2.set_title(f"(b) {n_pairs} random models and Q: L_I <= I", fontsize=9)
    ax2.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    data = {"t": TS, "L_I": li, "I": mi, "gap": gap, "max_L_I_minus_I_random": float(np.max(lis - mis)),
            "max_abs_tight_minus_I": float(np.max(np.abs(tight - mis)))}
    return fig, data
