"""Claims from Arora & Zhang (2017), "Do GANs actually learn the distribution? An empirical
study" (arXiv:1706.08224), and its ICLR 2018 version with Risteski, "Do GANs learn the
distribution? Some theory and empirics": the birthday-paradox support test and the collision
lower bound printed for it.

What the sources say, and which text is quoted:

- the test (the abstract of arXiv:1706.08224 and of the ICLR paper, read through the ``search``
  tool): a new test "based upon the famous birthday paradox, for estimating the support size of
  the generated distribution"; in the paper's Section 2 (as the survey summarizes it, and as
  :func:`solvers.tabular.birthday.batch_size_scan` implements it): if a batch of s samples has a
  duplicate with probability about 1/2, the support is about s².
- the bound, survey form: the survey in ``../shared/seeds/002_*.txt`` ("Figure 13", Theorem 1)
  prints "Given a discrete probability distribution P on a set Ω, if there exists a subset
  S ⊆ Ω of size N such that Σ_{s∈S} P(s) ≥ ρ, then the probability of encountering at least one
  collision among M i.i.d. samples from P is ≥ 1 − exp(−m²ρ/(2N))" (m is the M of the text).
- the bound, ICLR form: 1 − exp(−(M² − M)ρ²/(2N)), as the issue quotes Arora, Risteski & Zhang
  (2018), Theorem 1.  The papers' own text of the theorem could not be retrieved here (the
  stored copies of both papers give the abstract and the first pages only), so this form is the
  issue's quotation, not a quotation checked against the paper.

Both printed forms are false as stated (registered with the ``refuted`` outcome, each with an
exact counterexample: rational arithmetic for the collision probability, 50-digit mpmath for
the exponential); what holds is registered beside them: the ICLR form for M = 2 and for ρ = 1,
and the exact infimum over distributions with mass ρ on N atoms
(:func:`theory.gan_diagnostics.collision_probability_infimum`).  The birthday test itself is
run on generators with known support: collapsed categorical generators and the neural GAN of
:mod:`solvers.neural.gan` on the ring of 8 (its label law by quadrature over its 1-D latent).
"""

from __future__ import annotations

import functools
import itertools
import math
from fractions import Fraction

import mpmath
import numpy as np
from scipy.stats import norm

from experiments.claims.support import ALPHA
from experiments.claims.tolerances import ENUM_ATOL
from experiments.registry import Context, Evidence, claim
from solvers.neural.gan import GANConfig, generator_apply, train_gan
from solvers.problems.collapsed import collapsed_dirichlet, collapsed_uniform, mass_on_support
from solvers.problems.mixtures import ring_of_gaussians
from solvers.tabular.birthday import batch_collisions, batch_size_scan, birthday_test, \
    search_bound_counterexample, support_from_collision_rate, top_mass
from theory import concentration
from theory.gan_diagnostics import collision_lower_bound, collision_probability, \
    collision_probability_infimum, collision_probability_uniform

COLLISION = "arora2017/collision-probability-exact"
SURVEY_BOUND = "arora2017/collision-bound-survey-as-printed"
ICLR_BOUND = "arora2017/collision-bound-iclr2018-as-printed"
ICLR_HOLDS = "arora2017/collision-bound-iclr2018-m2-and-rho1"
INFIMUM = "arora2017/collision-infimum"
SUPPORT_CATEGORICAL = "arora2017/birthday-support-collapsed-categorical"
SUPPORT_NEURAL = "arora2017/birthday-support-neural-ring"
SUPPORT_NEURAL_LONG = "arora2017/birthday-support-neural-ring-long"

SOURCE_TEST = ("Arora & Zhang (2017), arXiv:1706.08224, abstract and Section 2 (the birthday-paradox "
               "test; Section 2 as summarized by the survey, seed 002, Section 3.5.1)")
SOURCE_SURVEY = ("Survey transcription (../shared/seeds/002_*.txt, 'Figure 13', Theorem 1) of Arora & "
                 "Zhang's collision bound, quoted as printed there")
SOURCE_ICLR = ("Arora, Risteski & Zhang (2018), ICLR, Theorem 1, in the form the issue quotes (the "
               "paper's own text could not be retrieved to check it word for word)")

#: The closed form of the exact collision probability, which the exact collision claims and the
#: neural birthday tests compare with.
COLLISION_PROBABILITY = "theory.gan_diagnostics.collision_probability"
#: The figure of the collision bounds, in which the printed-bound claims and the infimum are drawn.
COLLISION_FIGURE = ("arora2017_collision",)
#: Registers an exact claim on the collision probability itself (kinds and closed form, once).
exact_collision_claim = functools.partial(claim, kinds=("exact",), closed_form=COLLISION_PROBABILITY)
#: The collapsed distributions with mass >= rho on N atoms, on which the ICLR bound is refuted and
#: the infimum is computed.
MASS_ON_SUPPORT = "solvers.problems.collapsed.mass_on_support"
#: Registers a claim on a printed form of the collision bound.  These claims share their chain
#: (closed form theory.gan_diagnostics.collision_lower_bound, the counterexample search of
#: solvers.tabular.birthday as solver, the collision figure), so it is written once, here.
collision_bound_claim = functools.partial(
    claim, kinds=("exact",), figures=COLLISION_FIGURE,
    closed_form="theory.gan_diagnostics.collision_lower_bound",
    solver="solvers.tabular.birthday.search_bound_counterexample")
#: Registers a claim on the birthday test of the neural GAN on the ring of 8 (Arora & Zhang's
#: test; exact collision probabilities of its label law): the chain is written once, here.
neural_ring_claim = functools.partial(
    claim, source=SOURCE_TEST, kinds=("neural",),
    closed_form=COLLISION_PROBABILITY, solver="solvers.neural.gan.train_gan",
    problem="solvers.problems.mixtures.ring_of_gaussians")

PRINTED_SURVEY = (
    "Theorem 1. Given a discrete probability distribution P on a set Ω, if there exists a subset "
    "S ⊆ Ω of size N such that Σ_{s∈S} P(s) ≥ ρ, then the probability of encountering at least one "
    "collision among M i.i.d. samples from P is ≥ 1 − exp(−m²ρ/(2N))")
PRINTED_ICLR = (
    "If a discrete distribution P puts mass ≥ ρ on a set S of size N, then M i.i.d. samples from P "
    "contain a collision with probability ≥ 1 − exp(−(M² − M)ρ²/(2N))")

#: A printed bound is refuted when it exceeds the exact collision probability by more than this:
#: both sides are computed exactly (rationals; 50-digit exponentials), so 1e-9 is ~1e40 times
#: their rounding and far below the gaps found (>= 0.006).
REFUTE_MARGIN = 1e-9
#: theory's float64 functions against the exact values of a counterexample: sums of <= 1e3
#: products of probabilities, a few hundred ulps.
FLOAT_EXACT_ATOL = 1e-12

#: The survey's counterexample: a fair coin, S = both atoms (N = 2, ρ = 1), M = 2 draws.
SURVEY_COUNTEREXAMPLE = {"probs": (Fraction(1, 2), Fraction(1, 2)), "N": 2, "M": 2}
#: The ICLR form's counterexamples: (7/10, 1/20 x 6) with S the heavy atom (N = 1, ρ = 7/10),
#: M = 5 (the smallest found by the I2 search), and the extremal family at M = 3, N = 1,
#: ρ = 1/5 with L = 1000 thin atoms (the infimum there is 3ρ² - 2ρ³ = 0.104 < 1 - e^-0.12).
ICLR_COUNTEREXAMPLE = {"probs": (Fraction(7, 10),) + (Fraction(1, 20),) * 6, "N": 1, "M": 5}
ICLR_EXTREMAL = {"rho": Fraction(1, 5), "N": 1, "M": 3, "L": 1000}


# --------------------------------------------------------------------------- exact references
def reference_collision_fraction(probs, n_samples: int) -> Fraction:
    """P(repeat among n draws) = 1 - n! e_n(p), with e_n computed exactly (rationals) by the
    recurrence e_j <- e_j + p e_{j-1} over the atoms (an independent route to
    :func:`theory.gan_diagnostics.collision_probability`, which uses a binary tree of binomial
    mixtures in float64)."""
    e = [Fraction(1)] + [Fraction(0)] * n_samples
    for p in probs:
        for j in range(n_samples, 0, -1):
            e[j] += e[j - 1] * p
    return 1 - math.factorial(n_samples) * e[n_samples]


def reference_collision_enumeration(probs: np.ndarray, n_samples: int) -> float:
    """P(repeat) by brute force: the probability of every one of the K^n ordered n-tuples of
    atoms, summed over the tuples with a repeated atom (float64; small K and n only)."""
    K = probs.shape[0]
    if n_samples <= 1:
        return 0.0
    tuples = np.array(list(itertools.product(range(K), repeat=n_samples)))
    weight = np.prod(probs[tuples], axis=1)
    repeat = np.array([len(set(t)) < n_samples for t in tuples.tolist()])
    return float(weight[repeat].sum())


def _bound_mp(rho: Fraction, N: int, M: int, version: str) -> mpmath.mpf:
    """The printed bound in 50-digit arithmetic from the exact ρ."""
    with mpmath.workdps(50):
        r = mpmath.mpf(rho.numerator) / rho.denominator
        x = (M * M - M) * r * r / (2 * N) if version == "iclr2018" else M * M * r / (2 * N)
        return 1 - mpmath.exp(-x)


def _top_mass_fraction(probs, N: int) -> Fraction:
    return sum(sorted(probs, reverse=True)[:N])


# --------------------------------------------------------------------------- exact collisions
@exact_collision_claim(
    COLLISION,
    statement="The probability that M i.i.d. draws from a discrete P contain a repeat is "
    "1 - M! e_M(p) (e_M the elementary symmetric polynomial of the probabilities, zero atoms "
    "allowed); for P uniform on N atoms it is 1 - prod_{i<M} (1 - i/N).",
    source=SOURCE_TEST + "; the birthday problem with unequal probabilities (Mase 1992)",
)
def collision_exact(ctx: Context):
    rng = ctx.rng(0)
    parts = {}
    # (1) brute-force enumeration of every ordered M-tuple, random P with zero atoms
    predicted, measured = [], []
    for K in (2, 3, 5, 6):
        for _ in range(3):
            p = rng.dirichlet(np.full(K, 0.7))
            if K > 2:
                p[rng.integers(K)] = 0.0
                p /= p.sum()
            for M in range(0, min(K + 2, 6)):
                predicted.append(reference_collision_enumeration(p, M))
                measured.append(float(collision_probability(p, M)))
    parts["enumeration"] = Evidence.close(
        predicted, measured, atol=ENUM_ATOL,
        reason="float64 sums of <= 6^5 products of probabilities (enumeration) vs the binary "
        "tree of binomial mixtures: a few hundred ulps",
        details={"n_cases": len(predicted), "K": (2, 3, 5, 6), "M": "0..min(K+1, 5)",
                 "zero_atoms": "one per P for K > 2"})
    # (2) exact rationals: the e_M recurrence against the float closed forms (uniform and not)
    predicted, measured, cases = [], [], []
    for N, M in ((2, 2), (10, 4), (23, 23), (365, 23), (365, 40), (50, 51)):
        exact = float(1 - math.prod(Fraction(N - i, N) for i in range(M)))
        predicted += [exact, float(reference_collision_fraction([Fraction(1, N)] * N, M))]
        measured += [float(collision_probability_uniform(N, M)), float(collision_probability(np.full(N, 1 / N), M))]
        cases.append((N, M))
    parts["uniform-exact-rationals"] = Evidence.close(
        predicted, measured, atol=FLOAT_EXACT_ATOL,
        reason="exact rational birthday products and e_M recurrences, rounded once, vs float64 "
        "closed forms: relative rounding of products of <= 365 factors",
        details={"(N, M)": cases, "birthday 365, 23": predicted[6]})
    return parts


# --------------------------------------------------------------------------- the printed bounds
def _refutation(printed: str, probs, N: int, M: int, version: str) -> tuple[Evidence, Evidence, dict]:
    """The exact collision probability of ``probs`` against the printed bound at its top-N
    mass, as a refutation and as a float cross-check of theory's functions."""
    probs = tuple(probs)
    rho = _top_mass_fraction(probs, N)
    exact = reference_collision_fraction(probs, M)
    bound = _bound_mp(rho, N, M, version)
    gap = float(bound - mpmath.mpf(exact.numerator) / exact.denominator)
    p_float = np.array([float(p) for p in probs])
    theory_vals = [float(collision_probability(p_float, M)),
                   float(collision_lower_bound(float(rho), N, M, version=version))]
    info = {"probs": [str(p) for p in probs] if len(probs) <= 12 else f"{len(probs)} atoms",
            "N": N, "M": M, "rho": str(rho)}
    refuted = Evidence.refuted(
        printed=printed, counterexample=info, lhs=float(exact), rhs=float(bound),
        refutes=gap > REFUTE_MARGIN,
        reason=f"exact collision probability {float(exact):.6g} (rational) vs the printed bound "
        f"{float(bound):.6g} (50 digits) at rho = {rho}: the bound exceeds it by {gap:.3g}; "
        f"refuted when the excess is > {REFUTE_MARGIN:g}",
        details={"collision_exact": str(exact) if exact.denominator < 10 ** 30 else float(exact)})
    check = Evidence.close(
        [float(exact), float(bound)], theory_vals, atol=FLOAT_EXACT_ATOL,
        reason="theory.gan_diagnostics (float64) vs the exact rational / 50-digit values",
        details=info)
    return refuted, check, {"gap": gap, **info}


@collision_bound_claim(
    SURVEY_BOUND,
    statement="As printed in the survey: if some set S of N atoms has P(S) >= rho, M i.i.d. draws "
    "collide with probability >= 1 - exp(-M^2 rho/(2N)). Refuted: a fair coin (N = 2, rho = 1, "
    "M = 2) collides with probability 1/2 < 1 - 1/e; the form fails at M = 2 for every uniform "
    "support size (1/N < 1 - exp(-2/N)).",
    source=SOURCE_SURVEY,
)
def survey_bound(ctx: Context):
    c = SURVEY_COUNTEREXAMPLE
    refuted, check, info = _refutation(PRINTED_SURVEY, c["probs"], c["N"], c["M"], "survey")
    parts = {"refuted-fair-coin": refuted, "float-cross-check": check}
    # the same failure for every uniform support at M = 2 (exact: 1/N vs 1 - exp(-2/N))
    N = np.arange(2, 1001)   # N = 1: 1 >= 1 - exp(-2), the form holds there
    exact = 1.0 / N
    bound = np.asarray(collision_lower_bound(1.0, N, 2, version="survey"))
    parts["refuted-uniform-m2"] = Evidence.refuted(
        printed=PRINTED_SURVEY, counterexample={"P": "uniform on N atoms", "N": "2..1000", "rho": 1, "M": 2},
        lhs=exact, rhs=bound, refutes=bool(np.all(bound - exact > REFUTE_MARGIN)),
        reason="two uniform draws on N atoms collide with probability exactly 1/N; the printed "
        f"1 - exp(-2/N) exceeds it for every N in 2..1000 (smallest excess "
        f"{float(np.min(bound - exact)):.3g} at N = 1000); refuted when every excess is > "
        f"{REFUTE_MARGIN:g}")
    return parts


@collision_bound_claim(
    ICLR_BOUND,
    statement="As the ICLR 2018 version is quoted: if some set S of N atoms has P(S) >= rho, M "
    "i.i.d. draws collide with probability >= 1 - exp(-(M^2 - M) rho^2/(2N)). Refuted for "
    "rho < 1 and M >= 3: P = (7/10, 1/20 x 6), N = 1, M = 5 collides with probability 0.9919 "
    "< 1 - exp(-4.9) = 0.99255; mass 1/5 on one atom spread thinly elsewhere, M = 3: 0.106 < "
    "0.1131.",
    source=SOURCE_ICLR,
    problem=MASS_ON_SUPPORT,
)
def iclr_bound(ctx: Context):
    c = ICLR_COUNTEREXAMPLE
    refuted, check, _ = _refutation(PRINTED_ICLR, c["probs"], c["N"], c["M"], "iclr2018")
    parts = {"refuted-seven-atoms": refuted, "float-cross-check": check}
    e = ICLR_EXTREMAL
    rho, L = e["rho"], e["L"]
    extremal = (rho,) * e["N"] + ((1 - rho) / L,) * L
    refuted2, _, _ = _refutation(PRINTED_ICLR, extremal, e["N"], e["M"], "iclr2018")
    parts["refuted-extremal-family"] = refuted2
    # the solver: the structured search (mass rho on N atoms, the rest on L thin atoms) at
    # M = 3, N = 1, a small grid; what it finds is re-verified in exact arithmetic
    found = search_bound_counterexample(3, 1, version="iclr2018", rhos=np.linspace(0.05, 0.95, 19),
                                        thin_sizes=[64, 256, 1024], n_starts=0, seed=ctx.rng(0))
    probs = [Fraction(float(p)) for p in found.probs]
    total = sum(probs)
    probs = [p / total for p in probs]
    refuted3, _, info3 = _refutation(PRINTED_ICLR, probs, 1, 3, "iclr2018")
    refuted3.details.update({"search_violation_float": found.violation, "search_rho": found.rho,
                             "search_family": found.family, "n_evaluations": found.n_evaluations})
    parts["refuted-search"] = refuted3
    return parts


@collision_bound_claim(
    ICLR_HOLDS,
    statement="The ICLR form 1 - exp(-(M^2 - M) rho^2/(2N)) is a valid lower bound for M = 2 (the "
    "infimum there is rho^2/N >= 1 - exp(-rho^2/N)) and for rho = 1 (the uniform distribution on "
    "N atoms minimizes the collision probability, 1 - prod(1 - i/N) >= 1 - exp(-M(M-1)/(2N)) "
    "since 1 - x <= e^-x).",
    source=SOURCE_ICLR + "; derived here",
)
def iclr_bound_holds(ctx: Context):
    rng = ctx.rng(0)
    parts = {}
    rho = np.linspace(0.0, 1.0, 101)[:, None]
    N = np.arange(1, 51)[None, :]
    bound2 = np.asarray(collision_lower_bound(rho, N, 2))
    # M = 2: the infimum is rho^2/N by hand (two draws both in S, then the same atom of S)
    parts["m2-infimum-closed-form"] = Evidence.close(
        rho ** 2 / N, np.asarray(collision_probability_infimum(rho, N, 2)), atol=ENUM_ATOL,
        reason="the binomial mixture at M = 2 is rho^2/N: float rounding of a 3-term sum")
    parts["m2-bound-below-infimum"] = Evidence.bound(
        bound2 - rho ** 2 / N, 0.0, reason="1 - exp(-x) <= x at x = rho^2/N; exact inequality, "
        "checked on a 101 x 50 grid of (rho, N) with no slack")
    # random distributions (zero atoms included): Σ p² >= bound at their own top-N mass
    P = rng.dirichlet(np.full(12, 0.4), size=64)
    P[::3, -3:] = 0.0
    P /= P.sum(axis=1, keepdims=True)
    viol = []
    for n in (1, 2, 3, 5, 8):
        viol.append(np.asarray(collision_lower_bound(top_mass(P, n), n, 2)) - np.sum(P ** 2, axis=1))
    parts["m2-random-distributions"] = Evidence.bound(
        np.max(viol), 0.0, slack=ENUM_ATOL,
        reason="bound at the top-N mass minus the exact Σp² over 64 random P x 5 values of N; "
        "float rounding only",
        details={"largest_margin": float(-np.max(viol))})
    # rho = 1: the uniform distribution on N atoms, M = 0..N+1
    worst = -np.inf
    for n in range(1, 201):
        M = np.arange(0, n + 2)
        worst = max(worst, float(np.max(np.asarray(collision_lower_bound(1.0, n, M))
                                        - np.asarray(collision_probability_uniform(n, M)))))
    parts["rho1-uniform"] = Evidence.bound(
        worst, 0.0, slack=ENUM_ATOL,
        reason="prod(1 - i/N) <= exp(-Σ i/N): the bound never exceeds the uniform birthday "
        "probability, N = 1..200, M = 0..N+1 (float rounding slack)")
    # rho = 1 for non-uniform P on N atoms (Schur-concavity: uniform is the minimum)
    viol = []
    for n in (2, 4, 7):
        Q = rng.dirichlet(np.ones(n), size=32)
        for M in range(2, n + 2):
            viol.append(float(np.max(collision_lower_bound(1.0, n, M) - np.asarray(collision_probability(Q, M)))))
    parts["rho1-random-distributions"] = Evidence.bound(
        max(viol), 0.0, slack=ENUM_ATOL, reason="random P supported on N atoms (rho = 1): exact "
        "collision probability >= the bound; float rounding slack")
    # the solver finds nothing at M = 2
    found = search_bound_counterexample(2, 2, version="iclr2018", rhos=np.linspace(0.05, 1.0, 20),
                                        thin_sizes=[1, 4, 64, 1024], n_starts=1, n_atoms=6, max_iter=300,
                                        seed=ctx.rng(1))
    parts["m2-search-finds-nothing"] = Evidence.bound(
        found.violation, 0.0, slack=ENUM_ATOL,
        reason="largest violation found by the structured family + L-BFGS-B search at M = 2, N = 2 "
        "(exact float64 collision probabilities); rounding slack",
        details={"rho": found.rho, "n_evaluations": found.n_evaluations, "family": found.family})
    return parts


# --------------------------------------------------------------------------- the exact infimum
@claim(
    INFIMUM,
    statement="Over distributions with mass >= rho on some N atoms, the smallest collision "
    "probability of M draws is sum_k Binom(M, k; rho) [1 - prod_{i<k} (1 - i/N)], approached (not "
    "attained) by mass rho uniformly on N atoms and 1 - rho spread over L -> infinity thin atoms.",
    source="Derived here (theory.gan_diagnostics.collision_probability_infimum: Schur-concavity of "
    "e_k, Marshall, Olkin & Arnold 2011, Section 3.F); the benchmark for " + SOURCE_ICLR,
    figures=COLLISION_FIGURE,
    kinds=("exact",),
    closed_form="theory.gan_diagnostics.collision_probability_infimum",
    problem=MASS_ON_SUPPORT,
)
def collision_infimum(ctx: Context):
    rng = ctx.rng(0)
    parts = {}
    cases = [(0.3, 1, 3), (0.7, 2, 4), (0.5, 5, 6), (0.9, 3, 8), (1.0, 4, 3)]
    gaps, allow, ls = [], [], []
    for rho, n, M in cases:
        inf = float(collision_probability_infimum(rho, n, M))
        for L in (10, 100, 1000):
            if rho == 1.0 and L > 10:
                continue
            c = float(collision_probability(mass_on_support(rho, n, L).probs, M))
            gaps.append(c - inf)
            # the thin part's own collisions: at most C(M, 2) (1 - rho)^2 / L more
            allow.append(M * (M - 1) / 2 * (1 - rho) ** 2 / L)
            ls.append(L)
    gaps, allow = np.array(gaps), np.array(allow)
    parts["extremal-family-above-infimum"] = Evidence.bound(
        -gaps.min(), 0.0, slack=ENUM_ATOL,
        reason="every member of the extremal family collides at least as often as the infimum "
        "(float rounding slack)", details={"cases (rho, N, M)": cases})
    parts["extremal-family-converges"] = Evidence.bound(
        gaps - allow, 0.0, slack=ENUM_ATOL,
        reason="excess over the infimum <= C(M, 2)(1 - rho)^2/L (pairs among the thin atoms), so it "
        "vanishes as L grows; derived bound, float slack",
        details={"excess": gaps, "allowed": allow, "L": ls})
    # random distributions never go below the infimum at their own top-N mass
    worst, n_checked = np.inf, 0
    for K, n, M in ((6, 1, 3), (8, 2, 4), (10, 3, 5), (5, 2, 3)):
        P = rng.dirichlet(np.full(K, 0.5), size=48)
        rho = top_mass(P, n)
        margin = np.asarray(collision_probability(P, M)) - np.asarray(collision_probability_infimum(rho, n, M))
        worst = min(worst, float(margin.min()))
        n_checked += P.shape[0]
    parts["random-distributions-above-infimum"] = Evidence.bound(
        -worst, 0.0, slack=ENUM_ATOL,
        reason=f"{n_checked} Dirichlet(1/2) distributions: exact collision probability minus the "
        "infimum at their top-N mass is >= 0 (rounding slack)", details={"smallest_margin": worst})
    # the exact infimum against exact rationals at one point (M = 3, N = 1: 3 rho^2 - 2 rho^3)
    r = Fraction(1, 5)
    parts["closed-form-m3-n1"] = Evidence.close(
        float(3 * r ** 2 - 2 * r ** 3), float(collision_probability_infimum(0.2, 1, 3)), atol=FLOAT_EXACT_ATOL,
        reason="3 rho^2 (1 - rho) + rho^3 in rationals vs the float binomial mixture")
    return parts


# --------------------------------------------------------------------------- the birthday test
#: Collapsed categorical generators over 1000 modes: uniform on N of them (the test's setting)
#: and an uneven Dirichlet(0.3) one on 200 modes.
N_MODES = 1000
UNIFORM_SUPPORTS = (10, 100, 1000)
DIRICHLET_SUPPORT, DIRICHLET_ALPHA = 200, 0.3
#: Batches per batch size.  2000 keeps the binomial acceptance half-width near 0.055 at rate 1/2
#: (alpha 1e-6 split over the comparisons).
N_BATCHES = 2000
SCAN_BATCHES = 400
#: Batch size of the pair-count estimate on the uneven generator: large enough that the mean
#: number of equal pairs (C(s, 2) Σp² ~ 17 here) is measured to ~10% by the median of means.
PAIR_BATCH = 30


def _scan_sizes(support: int) -> np.ndarray:
    """Batch sizes 2..2.5 sqrt(N) + 4: past the exact threshold sqrt(2 N ln 2) (Feller)."""
    return np.arange(2, int(2.5 * math.sqrt(support)) + 5)


def plausible_thresholds(probs: np.ndarray, sizes: np.ndarray, n_batches: int, alpha: float) -> list[int]:
    """The batch sizes the scan can report as its threshold (smallest size with a collision rate
    >= 1/2) when every size's count stays in its exact binomial acceptance region (level alpha
    over all sizes together): s is possible iff its region reaches n/2 and every smaller size's
    region reaches below n/2."""
    p = np.array([float(collision_probability(probs, int(s))) for s in sizes])
    lo, hi = concentration.binomial_interval(n_batches, p, alpha / sizes.size)
    out = []
    for i, s in enumerate(sizes):
        if hi[i] >= n_batches / 2 and np.all(lo[:i] < n_batches / 2):
            out.append(int(s))
    return out


def support_estimate_evidence(exact_probs, counts, sizes, n_batches: int, alpha: float, *,
                              details: dict | None = None) -> Evidence:
    """N-hat of each count against N-hat at the exact collision probability.

    N-hat(rate) = :func:`~solvers.tabular.birthday.support_from_collision_rate` is non-increasing
    in the rate, so when every count lies in its exact binomial acceptance region (level
    ``alpha`` over all counts together) N-hat lies between N-hat(upper end) and N-hat(lower end):
    the tolerance of each entry is the larger distance from the predicted value to those ends.
    For a uniform generator on N atoms the predicted value is N itself."""
    predicted, measured, allow, ends = [], [], [], []
    for p, k, s in zip(exact_probs, counts, sizes):
        lo, hi = concentration.binomial_interval(n_batches, p, alpha / len(counts))
        at_p = support_from_collision_rate(p, s)
        lo_est = support_from_collision_rate(hi / n_batches, s)
        hi_est = support_from_collision_rate(max(lo, 1) / n_batches, s)
        predicted.append(at_p)
        measured.append(support_from_collision_rate(k / n_batches, s))
        allow.append(max(at_p - lo_est, hi_est - at_p))
        ends.append((lo_est, hi_est))
    return Evidence.close(
        predicted, measured, atol=np.array(allow),
        reason="N-hat of the observed rate vs N-hat at the exact collision probability; tolerance = "
        "the image of the exact binomial acceptance region of the count (N-hat is monotone in the "
        "rate)", details={"batch_sizes": list(sizes), "estimate_range": ends, **dict(details or {})})


@exact_collision_claim(
    SUPPORT_CATEGORICAL,
    statement="The birthday test on collapsed categorical generators: its collision counts are "
    "Binomial(batches, exact collision probability); for a generator uniform on N atoms the "
    "support estimate (the uniform N whose birthday probability matches the rate) recovers N and "
    "the paper's rule 'threshold batch size s with rate 1/2, support ~ s^2' overestimates it by "
    "a factor 1.39-3 (-> 2 ln 2 for large N); for an uneven generator the test estimates 1/sum p^2, not the support.",
    source=SOURCE_TEST,
    figures=("arora2017_support",),
    solver="solvers.tabular.birthday.birthday_test",
    problem="solvers.problems.collapsed.collapsed_uniform",
)
def support_categorical(ctx: Context):
    parts = {}
    gens = [collapsed_uniform(N_MODES, n) for n in UNIFORM_SUPPORTS]
    gens.append(collapsed_dirichlet(N_MODES, DIRICHLET_SUPPORT, ctx.rng(0), alpha=DIRICHLET_ALPHA))
    # (1) collision counts at a batch size near each generator's median collision
    n_tests = len(gens)
    counts, regions, sizes = [], [], []
    for g in gens:
        s = int(round(math.sqrt(2 * math.log(2) / float(np.sum(g.probs ** 2))))) + 1
        res = birthday_test(g, s, N_BATCHES, seed=ctx.rng(1 + len(sizes)))
        p = float(collision_probability(g.probs, s))
        lo, hi = concentration.binomial_interval(N_BATCHES, p, ALPHA / (3 * n_tests))
        counts.append(res.n_collisions)
        regions.append((int(lo), int(hi)))
        sizes.append(s)
    ok = all(lo <= k <= hi for k, (lo, hi) in zip(counts, regions))
    parts["collision-counts-binomial"] = Evidence.exact_match(
        regions, counts, passed=ok,
        reason=f"exact binomial acceptance regions of the count of batches with a duplicate "
        f"({N_BATCHES} batches), false alarm {ALPHA:g} for the claim's statistical parts together",
        details={"generators": [g.name for g in gens], "batch_sizes": sizes})
    # (2) uniform generators: N-hat (the uniform support whose birthday probability matches the
    # rate) against the true N, within the image of the count's acceptance region
    parts["uniform-support-recovered"] = support_estimate_evidence(
        [float(collision_probability_uniform(g.support_size, s)) for g, s in zip(gens[:3], sizes[:3])],
        counts[:3], sizes[:3], N_BATCHES, ALPHA / (3 * n_tests),
        details={"true_support": [g.support_size for g in gens[:3]]})
    # (3) the paper's s^2 rule: exact thresholds and the measured scan
    exact_ratio, measured, plausible = [], [], []
    for i, g in enumerate(gens[:3]):
        sizes_g = _scan_sizes(g.support_size)
        pu = np.asarray(collision_probability_uniform(g.support_size, sizes_g))
        s_star = int(sizes_g[np.argmax(pu >= 0.5)])
        exact_ratio.append(s_star ** 2 / g.support_size)
        scan = batch_size_scan(g, sizes_g, SCAN_BATCHES, seed=ctx.rng(10 + i))
        measured.append(scan.threshold_batch_size)
        plausible.append(plausible_thresholds(g.probs, sizes_g, SCAN_BATCHES, ALPHA / (3 * n_tests)))
    ok = all(m in pl for m, pl in zip(measured, plausible))
    parts["paper-rule-threshold"] = Evidence.exact_match(
        plausible, measured, passed=ok,
        reason="the scan's threshold must be one the exact collision probabilities allow with every "
        f"count in its binomial acceptance region ({SCAN_BATCHES} batches per size)",
        details={"true_support": [g.support_size for g in gens[:3]],
                 "paper_estimate_s2": [m ** 2 if m else None for m in measured],
                 "exact_s2_over_N": exact_ratio})
    n_grid = np.unique(np.concatenate([np.arange(2, 20), np.round(np.geomspace(20, 20000, 40)).astype(int)]))
    ratios = []
    for n in n_grid:
        s = np.arange(2, int(3 * math.sqrt(n)) + 4)
        s_star = int(s[np.argmax(np.asarray(collision_probability_uniform(int(n), s)) >= 0.5)])
        ratios.append(s_star ** 2 / n)
    ratios = np.array(ratios)
    parts["paper-rule-overestimates"] = Evidence.bound(
        np.concatenate([ratios - 3.0, 2 * math.log(2) - ratios]), 0.0,
        reason="exact threshold s* (birthday product) for uniform supports N = 2..19, then 40 sizes "
        "up to 20000: s*^2/N lies in [2 ln 2, 3] (3 at N = 3, <= 2.5 from N = 10 on; Feller: "
        "s* ~ sqrt(2 N ln 2)); no tolerance",
        details={"min_ratio": float(ratios.min()), "max_ratio": float(ratios.max()),
                 "ratio_at_N=20000": float(ratios[-1])})
    # (4) the uneven generator: the pair-count estimate targets 1/Σp², far below the support
    g = gens[3]
    s = PAIR_BATCH
    labels = g.sample((N_BATCHES, s), ctx.rng(20))
    _, pairs = batch_collisions(labels)
    q2 = float(np.sum(g.probs ** 2))
    q3 = float(np.sum(g.probs ** 3))
    pairs_n = s * (s - 1) / 2
    # exact variance of the number of equal pairs (indicators of pairs sharing a draw covary)
    var = pairs_n * (q2 - q2 ** 2) + 6 * math.comb(s, 3) * (q3 - q2 ** 2)
    k, half = concentration.median_of_blocks_halfwidth(var, N_BATCHES, ALPHA / 3)
    mom = float(concentration.median_of_block_means(pairs.astype(float), k))
    parts["uneven-pair-mean"] = Evidence.close(
        pairs_n * q2, mom, atol=float(half),
        reason=f"median of {k} block means of the per-batch pair counts vs C(s,2) Σp²; half-width "
        "from the exact variance (Chebyshev per block, binomial tail for the median)",
        details={"inverse_simpson": 1 / q2, "true_support": g.support_size,
                 "pair_estimate": pairs_n / mom if mom > 0 else float("inf"),
                 "ratio_support_over_estimate": g.support_size * mom / pairs_n})
    parts["uneven-estimate-below-support"] = Evidence.bound(
        (pairs_n / max(mom - float(half), 1e-300)) / g.support_size, 1.0,
        reason="the largest pair estimate the acceptance region allows, C(s,2)/(mean - half-width), "
        "divided by the true support: < 1 means the test reports 1/Σp², not the support",
        details={"inverse_simpson_over_support": 1 / (q2 * g.support_size)})
    return parts


# --------------------------------------------------------------------------- neural ring of 8
RING = ring_of_gaussians(8, 2.0, 0.02)
#: The neural GAN of solvers.neural.gan with a 1-D latent: after 300 steps it is collapsed onto
#: about two modes (measured at seeds 0-9 by the I3 tests: Σp² 0.41-0.49); after 3000 it covers
#: all 8 (full tier).
RING_CONFIG = GANConfig(latent_dim=1, hidden=(32, 32), batch_size=128, lr_g=1e-3, lr_d=1e-3,
                        optimizer_kwargs={"b1": 0.5})
RING_STEPS = 300
RING_STEPS_LONG = 3000
#: Label law by quadrature over z ~ N(0, 1) on |z| <= 9 (mass outside 2Φ(-9) = 2.3e-19).
Z_MAX = 9.0
LABEL_GRID = 400_001
#: A mode "is in the support" when its label mass exceeds this (the mass the quadrature grid can
#: misassign is checked to be < 1e-4, see STRADDLE_MAX).
SUPPORT_MASS = 1e-6
#: Grid cells whose ends carry different labels hold all the mass ε the quadrature may misassign;
#: a batch of s draws sees a misassigned draw with probability <= s ε, so each collision
#: probability moves by <= s ε <= s (s - 1) ε (the widening used below).  At <= 2.5e-4 the
#: widening stays <= 0.003, a tenth of the binomial test's half-width (~0.03 at 4000 batches).
STRADDLE_MAX = 2.5e-4
NEURAL_BATCHES = 4000
NEURAL_SIZES = (2, 3, 4)


def ring_labels(x: np.ndarray) -> np.ndarray:
    """The nearest ring mode of each row of x."""
    return np.argmin(np.sum((x[:, None, :] - RING.means[None]) ** 2, axis=2), axis=1)


@functools.lru_cache(maxsize=4)
def trained_ring_gan(seed: int, n_steps: int):
    return train_gan(RING, RING_CONFIG, n_steps, seed=seed)


def ring_label_law(params) -> tuple[np.ndarray, float]:
    """The label distribution of the generator by quadrature on the z grid, and the mass of the
    grid cells whose two ends fall in different labels (the only mass that can be misassigned)."""
    z = np.linspace(-Z_MAX, Z_MAX, LABEL_GRID)
    w = norm.pdf(z) * (z[1] - z[0])
    lab = ring_labels(generator_apply(params["g"], z[:, None], activation=RING_CONFIG.activation))
    straddle = float(np.sum(w[:-1][lab[1:] != lab[:-1]]))
    probs = np.bincount(lab, weights=w, minlength=8)
    return probs / probs.sum(), straddle


def _neural_birthday(ctx: Context, n_steps: int, *, collapsed: bool) -> dict:
    run = trained_ring_gan(ctx.seed, n_steps)
    probs, straddle = ring_label_law(run.params)
    parts = {"quadrature-resolution": Evidence.bound(
        straddle, STRADDLE_MAX, reason="mass of the z-grid cells straddling a label boundary (all "
        "that quadrature can misassign); it moves each collision probability by <= M(M-1) x it")}

    def sampler(shape, rng):
        zz = rng.standard_normal((int(np.prod(shape)), 1))
        return ring_labels(generator_apply(run.params["g"], zz, activation=RING_CONFIG.activation)).reshape(shape)

    counts, regions, exact = [], [], []
    for i, s in enumerate(NEURAL_SIZES):
        res = birthday_test(sampler, s, NEURAL_BATCHES, seed=ctx.rng(30 + i))
        p = float(collision_probability(probs, s))
        slack = s * (s - 1) * straddle
        lo, _ = concentration.binomial_interval(NEURAL_BATCHES, max(p - slack, 0.0), ALPHA / (2 * len(NEURAL_SIZES)))
        _, hi = concentration.binomial_interval(NEURAL_BATCHES, min(p + slack, 1.0), ALPHA / (2 * len(NEURAL_SIZES)))
        counts.append(res.n_collisions)
        regions.append((int(lo), int(hi)))
        exact.append(p)
    support = int(np.sum(probs > SUPPORT_MASS))
    ok = all(lo <= k <= hi for k, (lo, hi) in zip(counts, regions))
    parts["neural-collision-counts"] = Evidence.exact_match(
        regions, counts, passed=ok,
        reason=f"counts of batches with a duplicate ({NEURAL_BATCHES} batches per size) in the exact "
        "binomial acceptance regions of the label law by quadrature (widened by the straddling mass)",
        details={"batch_sizes": NEURAL_SIZES, "label_probs": probs, "n_steps": n_steps})
    estimate = support_estimate_evidence(
        exact, counts, NEURAL_SIZES, NEURAL_BATCHES, ALPHA / 2,
        details={"true_support(mass>1e-6)": support, "inverse_simpson": float(1 / np.sum(probs ** 2))})
    parts["neural-support-estimate"] = estimate
    if collapsed:
        parts["neural-estimate-below-support"] = Evidence.bound(
            max(hi for _, hi in estimate.details["estimate_range"]), support - 1,
            reason="the largest N-hat the acceptance regions allow, against the number of modes with "
            "label mass > 1e-6 (minus one): the collapsed generator reaches more modes than the test "
            "reports, because N-hat follows 1/Σp²",
            details={"true_support": support, "inverse_simpson": float(1 / np.sum(probs ** 2))})
    return parts


@neural_ring_claim(
    SUPPORT_NEURAL,
    statement="The birthday test on a neural GAN (ring of 8, 300 steps, 1-D latent) whose label law "
    "is known by quadrature: collision counts are Binomial(batches, exact collision probability); "
    "the collapsed generator's support estimate is near 1/sum p^2 (about 2), below the number of "
    "modes it reaches.",
)
def support_neural(ctx: Context):
    return _neural_birthday(ctx, RING_STEPS, collapsed=True)


@neural_ring_claim(
    SUPPORT_NEURAL_LONG,
    statement="The birthday test on the neural GAN after 3000 steps on the ring of 8 (it then "
    "spreads over the modes): counts Binomial with the exact label law, support estimate near "
    "1/sum p^2.",
    tier="full",
)
def support_neural_long(ctx: Context):
    return _neural_birthday(ctx, RING_STEPS_LONG, collapsed=False)
