"""Arora & Zhang (2017) / Arora, Risteski & Zhang (2018): collision probability against the number
of samples M, with the two printed lower bounds and the exact infimum.

Panel (a): ρ = 1, P uniform on N = 100 atoms (the distribution with the fewest collisions among
those supported on 100 atoms): the exact birthday probability
(:func:`theory.gan_diagnostics.collision_probability_uniform`), the ICLR form
1 - exp(-(M² - M)/(2N)) below it, and the survey form 1 - exp(-M²/(2N)) above it (so not a lower
bound).  Panel (b): ρ = 0.4 on N = 10 atoms: the exact infimum over such distributions
(:func:`theory.gan_diagnostics.collision_probability_infimum`), the extremal family with L = 1000
thin atoms (:func:`solvers.problems.collapsed.mass_on_support`, exact collision probability), and
both printed forms (:func:`theory.gan_diagnostics.collision_lower_bound`), which exceed the
infimum where it is drawn red.
"""

from __future__ import annotations

import numpy as np

from experiments.figures import figure
from experiments.figure_style import new_figure
from solvers.problems.collapsed import mass_on_support
from theory.gan_diagnostics import collision_lower_bound, collision_probability, collision_probability_infimum, \
    collision_probability_uniform

CLAIMS = ("arora2017/collision-bound-survey-as-printed", "arora2017/collision-bound-iclr2018-as-printed",
          "arora2017/collision-bound-iclr2018-m2-and-rho1", "arora2017/collision-infimum")


@figure("arora2017_collision", title="Collision probability vs number of samples, with the printed "
        "lower bounds (cf. Arora & Zhang 2017; Arora, Risteski & Zhang 2018, Thm. 1)", claims=CLAIMS)
def build(*, seed: int = 0, fast: bool = True):
    # Deterministic: `seed` is recorded for uniformity, nothing is sampled.
    fig, (ax1, ax2) = new_figure(1, 2, figsize=(11, 3.9))
    N1 = 100
    M1 = np.arange(0, 41)
    exact1 = np.asarray(collision_probability_uniform(N1, M1))
    iclr1 = np.asarray(collision_lower_bound(1.0, N1, M1, version="iclr2018"))
    survey1 = np.asarray(collision_lower_bound(1.0, N1, M1, version="survey"))
    ax1.plot(M1, exact1, color="black", lw=2, label="exact (uniform on N)")
    ax1.plot(M1, iclr1, "--", color="tab:blue", label="ICLR form 1 - exp(-(M²-M)ρ²/2N)")
    ax1.plot(M1, survey1, "--", color="tab:orange", label="survey form 1 - exp(-M²ρ/2N)")
    ax1.fill_between(M1, exact1, survey1, where=survey1 > exact1, color="tab:red", alpha=0.15,
                     label="survey form above the exact value")
    ax1.set_xlabel("M (samples)")
    ax1.set_ylabel("P(collision)")
    ax1.set_title(f"(a) ρ = 1, N = {N1}", fontsize=9)
    ax1.legend(fontsize=7, loc="lower right")
    rho, N2, L = 0.4, 10, 1000
    M2 = np.arange(0, 31)
    inf2 = np.asarray(collision_probability_infimum(rho, N2, M2))
    family = mass_on_support(rho, N2, L).probs
    fam2 = np.array([float(collision_probability(family, int(m))) for m in M2])
    iclr2 = np.asarray(collision_lower_bound(rho, N2, M2, version="iclr2018"))
    survey2 = np.asarray(collision_lower_bound(rho, N2, M2, version="survey"))
    ax2.plot(M2, inf2, color="black", lw=2, label="exact infimum (mass ρ on N atoms)")
    ax2.plot(M2, fam2, ":", color="tab:green", label=f"ρ uniform on N + {L} thin atoms")
    ax2.plot(M2, iclr2, "--", color="tab:blue", label="ICLR form")
    ax2.plot(M2, survey2, "--", color="tab:orange", label="survey form")
    bad = iclr2 > inf2
    ax2.plot(M2[bad], iclr2[bad], "o", color="tab:red", ms=3, label="ICLR form above the infimum")
    ax2.set_xlabel("M (samples)")
    ax2.set_title(f"(b) ρ = {rho}, N = {N2}", fontsize=9)
    ax2.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    data = {"a": {"N": N1, "M": M1, "exact": exact1, "iclr": iclr1, "survey": survey1},
            "b": {"rho": rho, "N": N2, "L": L, "M": M2, "infimum": inf2, "family": fam2, "iclr": iclr2,
                  "survey": survey2, "iclr_above_infimum_at_M": M2[bad]}}
    return fig, data
