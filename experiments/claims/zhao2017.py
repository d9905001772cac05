"""Claims from Zhao, Mathieu & LeCun (2017), "Energy-based Generative Adversarial Networks"
(ICLR; arXiv:1609.03126).

The discriminator's problem min_{D >= 0} E_pdata[D] + E_pg[(m - D)⁺] is solved exactly as a
linear programme by :func:`solvers.tabular.gan_objectives.ebgan_discriminator` (HiGHS, never
the closed form); Lemma 1 is also checked by brute force on the breakpoints of φ; the closed
forms come from :mod:`theory.gan_objectives` and :mod:`theory.divergences`.
"""

from __future__ import annotations

import functools

import numpy as np
from scipy.optimize import linprog

from experiments.claims.support import derived_claim
from experiments.registry import Context, Evidence, claim
from solvers.problems.categorical import random_pair
from solvers.tabular.gan_objectives import ebgan_discriminator
from theory.divergences import total_variation
from theory.gan_objectives import (
    ebgan_min_value,
    ebgan_optimal_discriminator,
    ebgan_optimal_discriminator_interval,
    ebgan_value,
)

LEMMA1 = "zhao2017/lemma1-pointwise-minimum"
MIN_VALUE = "zhao2017/min-value"
NASH = "zhao2017/thm1-thm2-nash-equilibrium"
CONSTANT_D = "zhao2017/constant-d-optimal-only-at-equilibrium"

#: Every claim of this module checks against the exact categorical EBGAN discriminator; the two
#: claims built on Lemma 1 share its derivation, the two equilibrium claims their closed form.
EBGAN_DISCRIMINATOR = "solvers.tabular.gan_objectives.ebgan_discriminator"
lemma1_claim = functools.partial(derived_claim, derivation="zhao2017/ebgan-pointwise-minimum",
                                 solver=EBGAN_DISCRIMINATOR)
nash_gap_claim = functools.partial(claim, kinds=("exact",), closed_form="theory.gan_objectives.ebgan_nash_gaps",
                                   solver=EBGAN_DISCRIMINATOR)

N_ATOMS, N_PAIRS = 8, 24
MARGINS = (0.5, 1.0, 3.0)
#: HiGHS at feasibility tolerances 1e-10 on the problem scaled by 1/m, so the value is exact to
#: ~1e-10 m; the solver recomputes it from its D.  m <= 3 here.
LP_ATOL = 1e-9
#: Lemma 1 by brute force: φ(y) = a y + b [m - y]⁺ is piecewise affine with its only kink at
#: y = m, so its minimum over [0, Y] is at 0, m or Y; we also evaluate it on a grid.
GRID = np.linspace(0.0, 4.0, 4001)


def _pairs(ctx: Context, stream: int = 0):
    rng = ctx.rng(stream)
    return [random_pair(N_ATOMS, rng, zero_atoms=bool(i % 3 == 1)) for i in range(N_PAIRS)]


@lemma1_claim(
    LEMMA1,
    statement="For a, b >= 0, the minimum of phi(y) = a y + b [m - y]^+ on [0, +inf) exists and is "
    "reached at m if a < b and at 0 otherwise (the minimum may not be unique); applied atom by "
    "atom with a = p_data(x), b = p_g(x), it gives the optimal discriminator D*(x).",
    source="Zhao, Mathieu & LeCun (2017), Lemma 1 (proof of Theorem 1) and Section 2.3",
    closed_form="theory.gan_objectives.ebgan_optimal_discriminator",
)
def lemma1(ctx: Context):
    parts = {}
    rng = ctx.rng(0)
    # (1) Lemma 1 itself, by brute force over a grid that contains 0 and the kink m.
    a, b = rng.uniform(0.0, 1.0, size=(2, 200))
    a[:20] = b[:20]                        # ties: both ends optimal
    m = 1.0
    phi = a[:, None] * GRID + b[:, None] * np.maximum(m - GRID, 0.0)
    at_min = GRID[np.argmin(phi, axis=1)]
    lemma_point = np.where(a < b, m, 0.0)
    parts["exact-brute-force"] = Evidence.close(
        np.min(phi, axis=1), a * lemma_point + b * np.maximum(m - lemma_point, 0.0), atol=1e-15,
        reason="min of phi over a 4001-point grid of [0, 4] containing 0 and m vs phi at Lemma 1's "
        "point (exact: phi is piecewise affine with its kink at m)",
        details={"n_cases": int(a.size), "n_ties": 20,
                 "argmin_matches_point_off_ties": bool(np.all(at_min[20:] == lemma_point[20:]))})
    # (2) The LP's discriminator is one of Lemma 1's minimizers on every atom.
    inside, strict = [], []
    for mm in MARGINS:
        for pr in _pairs(ctx):
            d = ebgan_discriminator(pr.p_data, pr.p_model, margin=mm).d
            lo, hi = ebgan_optimal_discriminator_interval(pr.p_data, pr.p_model, margin=mm)
            inside.append(float(np.max(np.maximum(lo - d, d - hi))))
            differ = pr.p_data != pr.p_model
            point = ebgan_optimal_discriminator(pr.p_data, pr.p_model, margin=mm)
            # where p_data = 0 < p_g every D >= m is optimal: compare the LP's D there with m
            # only as a lower bound (covered by `inside`)
            sharp = differ & (pr.p_data > 0)
            strict.append(float(np.max(np.abs(d - point)[sharp])) if sharp.any() else 0.0)
    parts["exact-lp-in-minimizer-set"] = Evidence.bound(
        max(inside), 0.0, relation="<=", slack=LP_ATOL,
        reason="LP discriminator (HiGHS) inside the set of minimizers [lower, upper] atom by atom; "
        "slack: LP feasibility 1e-10 times m <= 3",
        details={"margins": MARGINS, "n_pairs": N_PAIRS})
    parts["exact-lp-vs-lemma-point"] = Evidence.close(
        0.0, max(strict), atol=LP_ATOL,
        reason="where the minimizer is unique (p_data != p_g, p_data > 0) the LP's D is Lemma 1's "
        "point (0 or m): LP tolerance")
    return parts


@lemma1_claim(
    MIN_VALUE,
    statement="For a fixed generator, min over D >= 0 of V(D, G) = E_pdata[D] + E_pg[(m - D)^+] "
    "is m sum_x min(p_data(x), p_g(x)) = m (1 - TV(p_data, p_g)): m at p_g = p_data, 0 for "
    "disjoint supports.",
    source="Derived here from Zhao, Mathieu & LeCun (2017), Lemma 1 and the value V(G, D) of "
    "Section 2.3",
    kinds=("exact",),
    closed_form="theory.gan_objectives.ebgan_min_value",
)
def min_value(ctx: Context):
    predicted, measured, via_tv = [], [], []
    pairs = _pairs(ctx, 1)
    # the two extremes: equal distributions (value m) and disjoint supports (value 0)
    p = pairs[0].p_data
    disjoint = (np.r_[0.5, 0.5, 0.0, 0.0], np.r_[0.0, 0.0, 0.3, 0.7])
    for mm in MARGINS:
        for pd, pg in [(pr.p_data, pr.p_model) for pr in pairs] + [(p, p), disjoint]:
            predicted.append(float(ebgan_min_value(pd, pg, margin=mm)))
            measured.append(ebgan_discriminator(pd, pg, margin=mm).value)
            via_tv.append(mm * (1.0 - float(total_variation(pd, pg))))
    return {
        "exact-lp": Evidence.close(
            predicted, measured, atol=LP_ATOL,
            reason="exact LP optimum (HiGHS, feasibility 1e-10 on the problem scaled by 1/m, m <= 3) "
            "vs m sum min(p, q); includes p_g = p_data (value m) and disjoint supports (value 0)",
            details={"margins": MARGINS, "n_cases": len(predicted)}),
        "exact-tv-form": Evidence.close(
            via_tv, measured, atol=LP_ATOL,
            reason="the LP optimum vs m (1 - TV) with TV from theory.divergences: LP tolerance"),
    }


def reference_min_generator_gap(p_data: np.ndarray, p_g: np.ndarray, margin: float, v_star: float) -> float:
    """min over the discriminator's best responses D of the generator's regret E_pg[D] - min_x D,
    by an LP: minimize p_g·D subject to V(D) <= V* (D, s >= 0, s >= m - D).  Where some atom has
    p_data > p_g every best response is 0 there, so min_x D = 0 and the regret is p_g·D."""
    k = p_data.size
    eye = np.eye(k)
    a_ub = np.vstack([np.hstack([-eye, -eye]),                           # s >= m - D
                      np.concatenate([p_data, p_g])[None, :]])            # V(D) <= V*
    b_ub = np.concatenate([-np.full(k, margin), [v_star + 1e-12 * margin]])
    res = linprog(np.concatenate([p_g, np.zeros(k)]), A_ub=a_ub, b_ub=b_ub, bounds=(0, None),
                  method="highs", options={"primal_feasibility_tolerance": 1e-10,
                                           "dual_feasibility_tolerance": 1e-10})
    if res.status != 0:  # pragma: no cover - feasible (the LP optimum satisfies it) and bounded
        raise RuntimeError(res.message)
    return float(res.fun)


@nash_gap_claim(
    NASH,
    statement="If (D*, G*) is a Nash equilibrium then p_G* = p_data and V(D*, G*) = m (Theorem 1); "
    "an equilibrium exists and is characterized by p_G* = p_data and D*(x) = gamma for a constant "
    "gamma in [0, m] (Theorem 2).",
    source="Zhao, Mathieu & LeCun (2017), Section 2.3, Theorems 1 and 2 (with the equilibrium "
    "conditions V(G*, D*) <= V(G*, D) and U(G*, D*) <= U(G, D*))",
)
def nash(ctx: Context):
    rng = ctx.rng(2)
    parts = {}
    # Theorem 2: at p_g = p_data, every constant D = gamma in [0, m] is a Nash equilibrium with
    # V = m: the discriminator's regret V(gamma) - min_D V (LP) and the generator's regret
    # E_pg[D] - min_x D are both 0.
    d_regret, g_regret, values = [], [], []
    for mm in MARGINS:
        for pr in _pairs(ctx, 3)[:8]:
            p = pr.p_data
            gamma = rng.uniform(0.0, mm)
            d = np.full(p.size, gamma)
            v = float(ebgan_value(d, p, p, margin=mm))
            lp = ebgan_discriminator(p, p, margin=mm)
            d_regret.append(v - lp.value)
            g_regret.append(float(p @ d - d.min()))
            values.append(v / mm)
    parts["exact-equilibrium-exists"] = Evidence.close(
        0.0, np.array([d_regret, g_regret]), atol=LP_ATOL,
        reason="both players' regrets at (D = gamma, p_g = p_data), the discriminator's against "
        "the exact LP minimum: 0 up to the LP tolerance")
    parts["exact-value-is-m"] = Evidence.close(
        1.0, values, atol=4 * N_ATOMS * np.finfo(float).eps,
        reason="V(D*, G*)/m at the equilibria: sum over 8 atoms of p gamma + p (m - gamma) = m; "
        "float rounding of the 2 x 8-term sums and the division, <= 4 ulps per atom")
    # Theorem 1: for p_g != p_data no best response of the discriminator leaves the generator
    # without regret: the smallest regret over all best responses (LP over the optimal face) is
    # m P_g(p_g > p_data) >= m TV > 0, so no Nash equilibrium has p_g != p_data.
    measured, predicted, tv = [], [], []
    for mm in MARGINS:
        for pr in _pairs(ctx, 4):
            pd, pg = pr.p_data, pr.p_model
            v_star = ebgan_discriminator(pd, pg, margin=mm).value
            measured.append(reference_min_generator_gap(pd, pg, mm, v_star))
            predicted.append(mm * float(pg[pg > pd].sum()))
            tv.append(mm * float(total_variation(pd, pg)))
    parts["exact-no-equilibrium-off-data"] = Evidence.close(
        predicted, measured, atol=1e-8,
        reason="smallest generator regret over the discriminator's optimal face (an LP, HiGHS "
        "1e-10) vs m P_g(p_g > p_data): LP tolerance, plus the 1e-12 m slack on V <= V*")
    parts["exact-regret-at-least-m-tv"] = Evidence.bound(
        float(np.min(np.array(measured) - np.array(tv))), 0.0, relation=">=", slack=1e-8,
        reason="the smallest regret is >= m TV(p_data, p_g) > 0 on every pair (LP slack 1e-8)",
        details={"min_regret_over_m": float(np.min(np.array(measured) / np.repeat(MARGINS, N_PAIRS)))})
    return parts


@nash_gap_claim(
    CONSTANT_D,
    statement="A constant discriminator D = gamma in [0, m] has V(D, G) = m for every generator, so "
    "it is optimal (and part of an equilibrium) only at p_g = p_data: its excess over the "
    "discriminator's optimum is exactly m TV(p_data, p_g).",
    source="Derived here from Zhao, Mathieu & LeCun (2017), Theorem 2 (D* = gamma constant at the "
    "equilibrium) and Lemma 1",
)
def constant_d(ctx: Context):
    rng = ctx.rng(5)
    excess, tv = [], []
    for mm in MARGINS:
        for pr in _pairs(ctx, 6):
            gamma = rng.uniform(0.0, mm)
            v = float(ebgan_value(np.full(N_ATOMS, gamma), pr.p_data, pr.p_model, margin=mm))
            excess.append(v - ebgan_discriminator(pr.p_data, pr.p_model, margin=mm).value)
            tv.append(mm * float(total_variation(pr.p_data, pr.p_model)))
    return {
        "exact-excess-is-m-tv": Evidence.close(
            tv, excess, atol=LP_ATOL,
            reason="V(gamma) - min_D V (LP) vs m TV(p_data, p_g): LP tolerance",
            details={"min_excess": float(min(excess))}),
        "exact-not-optimal-off-data": Evidence.bound(
            float(min(excess)), 1e-6, relation=">=",
            reason="on every random pair (p_g != p_data) the constant D is beaten by the LP's by "
            "more than 1e-6, far above the LP tolerance"),
    }
