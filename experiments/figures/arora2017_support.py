"""Arora & Zhang (2017), Section 2: the birthday-paradox support estimate against the true support
of collapsed categorical generators.

Generators on 5000 modes, uniform on N of them (N from 5 to 2000): for each, the birthday test
(:func:`solvers.tabular.birthday.birthday_test`) at a batch size near the median collision gives
N-hat (the uniform support matching the collision rate), and the paper's scan
(:func:`solvers.tabular.birthday.batch_size_scan`) gives its rule s², where s is the smallest batch
size with duplicates in half the batches.  Uneven (Dirichlet(0.3)) generators on the same supports
are drawn against their true support too: the test reports about 1/Σp², far below it.
"""

from __future__ import annotations

import math

import numpy as np

from experiments.figures import figure
from experiments.figure_style import new_figure
from solvers.problems.collapsed import collapsed_dirichlet, collapsed_uniform
from solvers.tabular.birthday import batch_size_scan, birthday_test

CLAIMS = ("arora2017/birthday-support-collapsed-categorical",)
N_MODES = 5000


@figure("arora2017_support", title="Birthday-paradox support estimates vs true support of collapsed "
        "generators (cf. Arora & Zhang 2017, Sec. 2)", claims=CLAIMS)
def build(*, seed: int = 0, fast: bool = True):
    supports = np.array([5, 10, 20, 50, 100, 200, 500, 1000, 2000])
    n_batches = 1000 if fast else 5000
    scan_batches = 200 if fast else 1000
    rng = np.random.default_rng(seed)
    rows = {"uniform": [], "dirichlet": []}
    for n in supports:
        for kind in rows:
            g = (collapsed_uniform(N_MODES, int(n)) if kind == "uniform"
                 else collapsed_dirichlet(N_MODES, int(n), rng, alpha=0.3))
            q2 = float(np.sum(g.probs ** 2))
            s = max(2, int(round(math.sqrt(2 * math.log(2) / q2))) + 1)
            res = birthday_test(g, s, n_batches, seed=rng)
            sizes = np.arange(2, int(2.5 * math.sqrt(1 / q2)) + 5)
            scan = batch_size_scan(g, sizes, scan_batches, seed=rng)
            rows[kind].append({"support": int(n), "inverse_simpson": 1 / q2, "batch_size": s,
                               "estimate": res.support_estimate, "pair_estimate": res.pair_support_estimate,
                               "s2_rule": scan.paper_estimate})
    fig, (ax1, ax2) = new_figure(1, 2, figsize=(11, 4.0), sharey=True)
    for ax, kind, title in ((ax1, "uniform", "(a) uniform on N modes"),
                            (ax2, "dirichlet", "(b) Dirichlet(0.3) weights on N modes")):
        r = rows[kind]
        x = np.array([v["support"] for v in r])
        ax.loglog(x, x, ":", color="black", label="true support N")
        ax.loglog(x, [v["estimate"] for v in r], "o-", color="tab:blue", label="birthday N-hat (rate)")
        ax.loglog(x, [v["s2_rule"] for v in r], "s--", color="tab:orange", ms=4, label="paper's rule s²")
        if kind == "dirichlet":
            ax.loglog(x, [v["inverse_simpson"] for v in r], "-", color="tab:green", lw=3, alpha=0.4,
                      label="1/Σp² (exact)")
            ax.loglog(x, [v["pair_estimate"] for v in r], "x", color="tab:green", label="pair estimate")
        ax.set_xlabel("true support N")
        ax.set_title(title, fontsize=9)
        ax.legend(fontsize=7)
    ax1.set_ylabel("estimated support")
    fig.tight_layout()
    return fig, {"n_batches": n_batches, "scan_batches": scan_batches, "rows": rows}
