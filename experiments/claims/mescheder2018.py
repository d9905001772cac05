"""Claims from Mescheder, Geiger & Nowozin (2018), "Which Training Methods for GANs do actually
Converge?" (ICML), on the Dirac-GAN, the categorical GAN and a tiny neural GAN.

Three independent routes meet in every claim: the sympy derivations of
``proofs_check.mescheder2018``, the closed forms of ``theory.dynamics``, and the simulated
dynamics of ``solvers.dynamics`` (autograd fields, their finite-difference Jacobians and the
iterates of the integrators), which never call the closed forms.

Measured rates come from iterates: near the equilibrium the outer step is x_{t+1} ≈ M x_t, and
M is recovered by least squares from a run's own iterates (``one_step_map``); its spectral
radius is the measured rate.  It is compared with ``theory.dynamics.gd_spectral_radius``.
"""

from __future__ import annotations

import functools

import autograd.numpy as anp
import numpy as np
import sympy as sp
from autograd import elementwise_grad, grad

from experiments.claims.support import derived_claim
from experiments.registry import Context, Evidence, claim
from proofs_check import mescheder2018 as derivations
from solvers.dynamics import (
    alternating_gd,
    categorical_gan_jacobian_fd,
    continuous_flow,
    dirac_gan_field,
    simultaneous_gd,
)
from solvers.neural.mlp import init_mlp, log_sigmoid
from solvers.tabular import gan as tabular_gan
from theory import dynamics as td

SOURCE = "Mescheder, Geiger & Nowozin (2018)"
FIGURE = "mescheder2018_fig1"

# ---------------------------------------------------------------------------- settings
#: Regularizer parameters used throughout (any positive values would do; these keep the
#: eigenvalues complex, away from the critical damping γ = 2 f'(0) where eig is ill-conditioned).
GAMMA_GP = 0.3       # R1 / R2 weight
SIGMA_NOISE = 0.7    # instance-noise std
GAMMA_CONSENSUS = 1.0
GAMMA_WGAN_GP, TARGET_WGAN_GP = 0.5, 1.0
CLIP = 1.0
#: (loss, regularizer, parameters) checked for the Jacobian claims.
CASES = [(loss, reg, kw) for loss in td.LOSSES for reg, kw in (
    ("none", {}), ("r1", {"penalty_weight": GAMMA_GP}), ("r2", {"penalty_weight": GAMMA_GP}),
    ("instance-noise", {"sigma": SIGMA_NOISE}), ("consensus", {"penalty_weight": GAMMA_CONSENSUS}))]

#: Finite differences of the autograd field (step 1e-5): truncation ~1e-10 · |f'''|, rounding
#: ~1e-16/1e-5; Gauss-Hermite quadrature adds < 1e-12.
FD_ATOL = 1e-8
#: Rationals from sympy against float64 closed forms: a few ulps.
EXACT_ATOL = 1e-14
#: Eigenvalues of 2x2 matrices by LAPACK against closed forms, away from double roots.
EIG_ATOL = 1e-12
#: Amplitude of the initial perturbation for rate measurements: the fields' nonlinear terms are
#: cubic (Dirac-GAN) so the one-step map is linear to O(amplitude²) = 1e-8.
AMPLITUDE = 1e-4
#: One-step map fitted by least squares in that regime: its spectral radius matches the
#: linearization to O(amplitude²) plus rounding of iterates of size >= 1e-10 (relative 1e-6).
RATE_ATOL = 1e-6


def one_step_map(states: np.ndarray, *, floor: float = 1e-10,
                 max_rows: int = 120) -> tuple[np.ndarray, float]:
    """Least-squares fit of x_{t+1} = M x_t to a run's iterates; returns (M, ρ(M)).

    ``states`` has shape (n_steps + 1, d) (deviations from the equilibrium).  Only iterates with
    norm above ``floor`` (rounding) are used, at most ``max_rows`` of them.
    """
    norms = np.linalg.norm(states, axis=1)
    keep = np.flatnonzero(norms > floor)
    last = keep[-1] if keep.size else 0
    stop = min(last + 1, max_rows)
    x = states[:stop]
    m = np.linalg.lstsq(x[:-1], x[1:], rcond=None)[0].T
    return m, float(np.max(np.abs(np.linalg.eigvals(m))))


#: The closed forms the Dirac-GAN and exact claims of this module are checked against.
DYNAMICS = "theory.dynamics"
#: The Dirac-GAN claims: each has a sympy derivation (its "symbolic" part), an exact part
#: against the closed forms of theory.dynamics, and is drawn in Figure 1.
dirac_claim = functools.partial(derived_claim, figures=(FIGURE,), closed_form=DYNAMICS)
#: Simultaneous gradient descent, the solver of the two claims on its spectral radius.
SIMULTANEOUS_GD = "solvers.dynamics.dirac_gan.simultaneous_gd"
#: The Dirac-GAN claims whose solver is the simulated vector field itself.
dirac_field_claim = functools.partial(dirac_claim, solver="solvers.dynamics.dirac_gan.dirac_gan_field")
#: The claims on the unregularized Dirac-GAN under simultaneous or alternating steps: one
#: derivation (its Jacobian and eigenvalues) serves both.
unregularized_claim = functools.partial(dirac_claim, derivation="mescheder2018/dirac-gan-unregularized")
#: The exact claims without a derivation of their own, also checked against theory.dynamics.
exact_dynamics_claim = functools.partial(claim, kinds=("exact",), closed_form=DYNAMICS)


def _dirac_states(traj) -> np.ndarray:
    return np.stack([traj.theta, traj.psi], axis=1)


INTEGRATORS = {"simultaneous": simultaneous_gd, "alternating": alternating_gd}


def measured_rate(field, scheme: str = "simultaneous", **steps) -> float:
    """ρ of the one-step map fitted to a run started AMPLITUDE away from the equilibrium (the
    linear regime): ``steps`` are the integrator's ``step``, ``n_steps`` (and ``step_d``...)."""
    return one_step_map(_dirac_states(INTEGRATORS[scheme](field, AMPLITUDE, 0.0, **steps)))[1]


def late_min_distances(field, runs, start=(0.05, 0.05), *, step: float, n_steps: int,
                       window: int) -> dict[str, float]:
    """Smallest distance to the equilibrium over the last ``window`` of ``n_steps`` iterates, for
    each (scheme, discriminator steps) in ``runs``, keyed ``"<scheme>-nd<k>"``."""
    return {f"{scheme}-nd{nd}": float(INTEGRATORS[scheme](field, *start, step=step, n_steps=n_steps,
                                                          n_disc_steps=nd).distance[-window:].min())
            for scheme, nd in runs}


def _sort_eig(values) -> np.ndarray:
    """Eigenvalues ordered by imaginary part, then real part (robust to FD noise in the real
    parts of a conjugate pair)."""
    e = np.asarray(values, dtype=complex)
    return e[np.lexsort((e.real, e.imag))]


def _pairs(values) -> list[list[float]]:
    return [[float(v.real), float(v.imag)] for v in np.asarray(values, dtype=complex)]


def _eig_evidence(predicted, measured, *, atol: float, reason: str) -> Evidence:
    """Closeness of two eigenvalue lists, compared entrywise as complex numbers (|Δλ| <= atol)."""
    p, m = _sort_eig(predicted), _sort_eig(measured)
    ev = Evidence.close(np.zeros(p.shape), np.abs(p - m), atol=atol, reason=reason)
    ev.predicted, ev.measured = _pairs(p), _pairs(m)
    return ev


def _fd_eigenvalues(loss: str, reg: str, **kw) -> np.ndarray:
    jac = dirac_gan_field(loss, reg, **kw).jacobian_fd()
    return np.linalg.eigvals(jac)


# ---------------------------------------------------------------------------- Jacobians
@dirac_field_claim(
    "mescheder2018/dirac-gan-jacobians",
    statement="For the Dirac-GAN with the GAN, non-saturating GAN and WGAN losses and no "
    "regularizer, R1, R2, instance noise or consensus optimization, the Jacobian at the "
    "equilibrium derived with sympy, the closed forms of theory.dynamics and the finite "
    "differences of the simulated field agree, and so do their eigenvalues.",
    source=f"{SOURCE}, Section 2 (Dirac-GAN Jacobian, eigenvalues ±f'(0)i) and Section 3 "
    "(instance noise, zero-centred gradient penalties, consensus optimization)",
)
def dirac_gan_jacobians(ctx: Context):
    parts = {}
    sym, closed, fd, eig_closed, eig_lapack, eig_sym = [], [], [], [], [], []
    g, s = sp.Symbol("gamma", positive=True), sp.Symbol("sigma", positive=True)
    for loss, reg, kw in CASES:
        values = {g: kw.get("penalty_weight", 0.0), s: kw.get("sigma", 0.0)}
        jac_sym = np.array(derivations.symbolic_dirac_jacobian(loss, reg).subs(values), dtype=float)
        jac = td.dirac_gan_jacobian(loss, reg, **kw)
        sym.append(jac_sym)
        closed.append(jac)
        fd.append(dirac_gan_field(loss, reg, **kw).jacobian_fd())
        eig_closed.append(_sort_eig(td.dirac_gan_eigenvalues(loss, reg, **kw)))
        eig_lapack.append(_sort_eig(np.linalg.eigvals(jac)))
        eig_sym.append(_sort_eig(
            [complex(e.subs(values)) for e in derivations.symbolic_dirac_eigenvalues(loss, reg)]))
    names = [f"{loss}/{reg}" for loss, reg, _ in CASES]
    parts["symbolic-vs-closed-form"] = Evidence.close(
        np.array(closed), np.array(sym), atol=EXACT_ATOL,
        reason="sympy's exact entries evaluated in float64 against the closed forms",
        details={"cases": names})
    parts["finite-differences-vs-closed-form"] = Evidence.close(
        np.array(closed), np.array(fd), atol=FD_ATOL,
        reason="central differences (eps 1e-5) of the autograd field: O(eps²) truncation + rounding",
        details={"cases": names, "max_abs_error": float(np.max(np.abs(np.array(closed) - np.array(fd))))})
    gap_lapack = np.abs(np.array(eig_closed) - np.array(eig_lapack))
    parts["eigenvalues-closed-form-vs-lapack"] = Evidence.close(
        np.zeros(gap_lapack.shape), gap_lapack, atol=EIG_ATOL,
        reason="|λ_closed - λ_LAPACK| for 2x2 matrices without double roots: a few ulps",
        details={"eigenvalues": {n: _pairs(ev) for n, ev in zip(names, eig_closed)}})
    gap_sym = np.abs(np.array(eig_closed) - np.array(eig_sym))
    parts["eigenvalues-closed-form-vs-sympy"] = Evidence.close(
        np.zeros(gap_sym.shape), gap_sym, atol=EXACT_ATOL,
        reason="|λ_closed - λ_sympy|, sympy's exact eigenvalues evaluated in float64")
    return parts


# ---------------------------------------------------------------------------- unregularized
@unregularized_claim(
    "mescheder2018/unregularized-simgd-diverges",
    statement="On the unregularized Dirac-GAN the Jacobian's eigenvalues are ±f'(0)i (±i/2), "
    "simultaneous gradient descent has spectral radius √(1 + h²f'(0)²) > 1 for every step h, "
    "the norm of its iterates grows at every step, and the continuous flow keeps θ² + ψ² constant.",
    source=f"{SOURCE}, Section 2 (Dirac-GAN: eigenvalues ±f'(0)i; the continuous system; "
    "simultaneous gradient descent not stable for any learning rate)",
    solver=SIMULTANEOUS_GD,
)
def unregularized_simgd(ctx: Context):
    parts = {}
    field = dirac_gan_field("gan")
    a, _ = td.f_derivatives("gan")
    jac_fd = field.jacobian_fd()
    parts["eigenvalues-imaginary"] = _eig_evidence(
        td.dirac_gan_eigenvalues("gan"), np.linalg.eigvals(jac_fd), atol=FD_ATOL,
        reason="finite-difference Jacobian of the simulated field (eps 1e-5) against ±0.5i")
    steps = np.geomspace(1e-3, 10.0, 25)
    radius = np.array([td.gd_spectral_radius(jac_fd, h) for h in steps])
    parts["radius-closed-form"] = Evidence.close(
        np.sqrt(1.0 + steps**2 * a**2), radius, atol=FD_ATOL,
        reason="ρ(I + h J_fd) against √(1 + h²f'(0)²); J_fd carries the FD error",
        details={"steps": steps})
    parts["radius-above-one"] = Evidence.bound(
        float(np.min(radius - 1.0)), 0.0, relation=">=",
        reason="ρ - 1 = h²/8 + ... > 0 at h = 1e-3 is 1.25e-7, far above rounding",
        details={"min_radius_minus_one": float(np.min(radius - 1.0)),
                 "at_step": float(steps[np.argmin(radius)])})
    h = 0.1
    measured = measured_rate(field, step=h, n_steps=200)
    parts["iterates-rate"] = Evidence.close(
        td.dirac_gan_simgd_radius("gan", h), measured, atol=RATE_ATOL,
        reason="one-step map fitted to 200 SimGD iterates of amplitude ~1e-4 (nonlinear terms 1e-8)",
        details={"step": h})
    big = simultaneous_gd(field, 1.0, 1.0, step=h, n_steps=300)
    increments = np.diff(big.distance)
    parts["norm-grows-every-step"] = Evidence.bound(
        float(increments.min()), 0.0, relation=">=",
        reason="|x + hv|² = |x|² + h²|v|² exactly (x·v = 0); the smallest increment is far above rounding",
        details={"distance_start": float(big.distance[0]), "distance_end": float(big.distance[-1]),
                 "min_increment": float(increments.min())})
    flow = continuous_flow(field, 1.0, 0.5, t_max=30.0, n_eval=301)
    r2 = flow.theta**2 + flow.psi**2
    parts["continuous-circles"] = Evidence.close(
        r2[0], r2, atol=0.0, rtol=1e-8,
        reason="DOP853 at rtol 1e-10, atol 1e-12 over 30 time units (about 2 revolutions)",
        details={"max_relative_drift": float(np.max(np.abs(r2 / r2[0] - 1.0))), "success": flow.success})
    return parts


@unregularized_claim(
    "mescheder2018/unregularized-altgd-bounded",
    statement="Alternating gradient descent with n_g generator and n_d discriminator steps on the "
    "unregularized Dirac-GAN has eigenvalues 1 - α²/2 ± √((1 - α²/2)² - 1), α = √(n_g n_d) h f'(0): "
    "for α < 2 both on the unit circle (spectral radius 1: the iterates neither converge nor "
    "diverge); at α = 2 a defective double eigenvalue -1, so the iterates grow linearly, "
    "x_k = (-1)^k (I - kN) x_0 with N = M + I, N² = 0 (WGAN, h = 2, x_0 = (1, 0): |x_k| = √5, 5, "
    "√61, ...); for α > 2 one eigenvalue below -1.",
    source=f"{SOURCE}, Section 2 (alternating gradient descent on the Dirac-GAN; the boundary "
    "α = 2 is ours)",
    solver="solvers.dynamics.dirac_gan.alternating_gd",
)
def unregularized_altgd(ctx: Context):
    parts = {}
    field = dirac_gan_field("gan")
    a, _ = td.f_derivatives("gan")
    jac_fd = field.jacobian_fd()
    grid = [(h, ng, nd) for h in (0.05, 0.5, 1.5) for ng in (1, 2) for nd in (1, 5)]
    inside = [(h, ng, nd) for h, ng, nd in grid if np.sqrt(ng * nd) * h * a < 2]
    outside = [(h, ng, nd) for h, ng, nd in grid if np.sqrt(ng * nd) * h * a > 2]
    pred, meas = [], []
    for h, ng, nd in grid:
        pred.append(_sort_eig(td.dirac_gan_altgd_eigenvalues("gan", h, n_gen_steps=ng, n_disc_steps=nd)))
        m = td.gd_update_matrix(jac_fd, h, scheme="alternating", n_gen_steps=ng, n_disc_steps=nd)
        meas.append(_sort_eig(np.linalg.eigvals(m)))
    gaps = np.abs(np.array(pred) - np.array(meas))
    parts["eigenvalues-closed-form"] = Evidence.close(
        np.zeros(gaps.shape), gaps, atol=1e-6,
        reason="eigenvalues of the AltGD product built from the FD Jacobian (FD error 1e-8, "
        "amplified by √ near the double root α = 2)",
        details={"grid_h_ng_nd": grid})
    radius_in = np.array([td.gd_spectral_radius(jac_fd, h, scheme="alternating", n_gen_steps=ng,
                                                n_disc_steps=nd) for h, ng, nd in inside])
    parts["unit-circle-alpha-below-2"] = Evidence.close(
        1.0, radius_in, atol=1e-7,
        reason="det of the FD product is 1 up to the FD error of the Jacobian",
        details={"cases": inside, "radius": radius_in})
    radius_out = np.array([td.gd_spectral_radius(jac_fd, h, scheme="alternating", n_gen_steps=ng,
                                                 n_disc_steps=nd) for h, ng, nd in outside])
    parts["outside-alpha-above-2"] = Evidence.bound(
        float(radius_out.min()), 1.0, relation=">=",
        reason="one real eigenvalue below -1 when α > 2",
        details={"cases": outside, "radius": radius_out})
    measured = measured_rate(field, "alternating", step=0.1, n_steps=200)
    parts["iterates-rate"] = Evidence.close(
        1.0, measured, atol=RATE_ATOL,
        reason="one-step map fitted to 200 AltGD iterates of amplitude ~1e-4")
    # α = 2 exactly: the WGAN field (f(t) = t, f'(0) = 1) is linear, so AltGD with h = 2 is the
    # matrix M = [[1, -2], [2, -3]] and x_k = (-1)^k (I - kN) x_0 (sympy, proofs_check).
    iterate = derivations.symbolic_altgd_alpha2_iterate()
    n_lin = 40
    lin = alternating_gd(dirac_gan_field("wgan"), 1.0, 0.0, step=2.0, n_steps=n_lin)
    closed = np.array([[float(v) for v in iterate(1, 0, k)] for k in range(n_lin + 1)])
    norms = np.hypot(closed[:, 0], closed[:, 1])
    parts["alpha-2-linear-growth"] = Evidence.close(
        closed, _dirac_states(lin), atol=0.0, rtol=8 * np.finfo(float).eps * n_lin,
        reason="the iterates are integers below 2^53 here, so float64 reproduces them exactly unless "
        "the simulated field departs from f(t) = t; allowance: one rounding per step, relative",
        details={"norms_closed_form": norms[:6], "norm_growth_per_step": float(norms[-1] - norms[-2]),
                 "limit_growth_per_step": float(2 * np.sqrt(2.0))})
    orbit = alternating_gd(field, 1.0, 1.0, step=0.1, n_steps=2500)
    late = orbit.distance[-1000:]
    d0 = float(orbit.distance[0])
    parts["bounded-orbit"] = Evidence.close(
        d0, np.array([late.min(), late.max()]), atol=0.0, rtol=0.1,
        reason="no convergence and no divergence: over 2500 steps (40 revolutions) the distance to "
        "the equilibrium stays within 10% of its start (the linearization conserves a quadratic form, det = 1)",
        details={"distance_start": d0, "late_min": float(late.min()), "late_max": float(late.max())})
    return parts


# ---------------------------------------------------------------------------- regularizers
def _convergence_parts(loss: str, reg: str, kw: dict, *, n_steps: int = 400) -> dict[str, Evidence]:
    field = dirac_gan_field(loss, reg, **kw)
    eig = td.dirac_gan_eigenvalues(loss, reg, **kw)
    jac = td.dirac_gan_jacobian(loss, reg, **kw)
    jac_fd = field.jacobian_fd()
    eig_fd = np.linalg.eigvals(jac_fd)
    bound = td.max_stable_step(eig)
    out = {
        "eigenvalues": _eig_evidence(
            eig, eig_fd, atol=FD_ATOL, reason="FD Jacobian of the simulated field against the closed form"),
        "negative-real-part": Evidence.bound(
            float(np.max(eig_fd.real)), 0.0, relation="<=",
            reason="strictly negative real parts measured on the simulated field",
            details={"max_real_part": float(np.max(eig_fd.real))}),
        "simgd-below-bound": Evidence.bound(
            td.gd_spectral_radius(jac_fd, 0.9 * bound), 1.0, relation="<=",
            reason="ρ(I + hJ) < 1 below h* = min 2(-Re λ)/|λ|²",
            details={"step_bound": bound}),
        "simgd-above-bound": Evidence.bound(
            td.gd_spectral_radius(jac_fd, 1.1 * bound), 1.0, relation=">=",
            reason="ρ(I + hJ) > 1 above the bound: small steps are needed",
            details={"step_bound": bound}),
    }
    h = 0.5 * bound
    for scheme, integrator in INTEGRATORS.items():
        measured = measured_rate(field, scheme, step=h, n_steps=150)
        out[f"{scheme}-rate"] = Evidence.close(
            td.gd_spectral_radius(jac, h, scheme=scheme), measured, atol=RATE_ATOL,
            reason="one-step map fitted to the iterates (amplitude 1e-4) against ρ of the closed-form "
            "update", details={"step": h})
        long = integrator(field, 1.0, 1.0, step=h, n_steps=n_steps)
        out[f"{scheme}-converges"] = Evidence.bound(
            float(long.distance[-1]), 1e-6, relation="<=",
            reason=f"from (1, 1), {n_steps} steps at h = h*/2 reach the equilibrium to < 1e-6",
            details={"final_distance": float(long.distance[-1]), "step": h})
    return out


@dirac_field_claim(
    "mescheder2018/regularized-converge",
    statement="With R1, R2 (γ = 0.3) or instance noise (σ = 0.7) the Dirac-GAN's eigenvalues have "
    "negative real part; simultaneous and alternating gradient descent converge for small enough "
    "steps (SimGD iff h < min 2(-Re λ)/|λ|²) at the rate predicted by the linearization, and the "
    "continuous flow converges.",
    source=f"{SOURCE}, Section 3 (instance noise; zero-centred gradient penalties: eigenvalues "
    "f''(0)σ² ± √(f''(0)²σ⁴ - f'(0)²) and -γ/2 ± √(γ²/4 - f'(0)²), locally convergent for small "
    "learning rates)",
    derivation="mescheder2018/dirac-gan-regularized",
)
def regularized_converge(ctx: Context):
    parts = {}
    # Steps to reach 1e-6 from (1, 1): the rates at h*/2 are 0.954 (R1, R2) and 0.970 (noise).
    for reg, kw, n_steps in (("r1", {"penalty_weight": GAMMA_GP}, 400), ("r2", {"penalty_weight": GAMMA_GP}, 400),
                             ("instance-noise", {"sigma": SIGMA_NOISE}, 650)):
        for name, ev in _convergence_parts("gan", reg, kw, n_steps=n_steps).items():
            parts[f"{reg}-{name}"] = ev
    flow = continuous_flow(dirac_gan_field("gan", "r1", penalty_weight=GAMMA_GP), 1.0, 1.0, t_max=200.0, n_eval=401)
    late = flow.t >= 100.0
    slope = float(np.polyfit(flow.t[late], np.log(flow.distance[late]), 1)[0])
    re_max = float(np.max(td.dirac_gan_eigenvalues("gan", "r1", penalty_weight=GAMMA_GP).real))
    parts["r1-continuous-decay"] = Evidence.close(
        re_max, slope, atol=5e-3,
        reason="slope of log|x(t)| over t in [100, 200] against max Re λ; the rotating, "
        "non-normal linear flow makes |x| wobble by a bounded factor, worth < 5e-3 in the slope",
        details={"final_distance": float(flow.distance[-1])})
    return parts


@dirac_field_claim(
    "mescheder2018/wgan-not-convergent",
    statement="The WGAN Dirac-GAN (f(t) = t) has eigenvalues ±i: unclipped simultaneous GD diverges "
    "at rate √(1 + h²), and with weight clipping neither simultaneous nor alternating GD (1 or 5 "
    "discriminator steps) converges to the equilibrium.",
    source=f"{SOURCE}, Section 3 (Wasserstein GAN: not always locally convergent with a fixed "
    "number of discriminator updates per generator update)",
    derivation="mescheder2018/dirac-gan-wgan",
)
def wgan_not_convergent(ctx: Context):
    parts = {}
    parts["eigenvalues"] = _eig_evidence(
        td.dirac_gan_eigenvalues("wgan"), _fd_eigenvalues("wgan", "none"), atol=FD_ATOL,
        reason="FD Jacobian of the simulated WGAN field against ±i")
    h = 0.1
    measured = measured_rate(dirac_gan_field("wgan"), step=h, n_steps=100)
    parts["unclipped-simgd-rate"] = Evidence.close(
        td.dirac_gan_simgd_radius("wgan", h), measured, atol=1e-9,
        reason="the WGAN field is linear: the fitted map is exact up to rounding")
    clipped = dirac_gan_field("wgan", clip=CLIP)
    start = (0.05, 0.05)
    d0 = float(np.hypot(*start))
    late = late_min_distances(clipped, [("simultaneous", 1), ("alternating", 1), ("alternating", 5)],
                              start, step=h, n_steps=1000, window=300)
    parts["clipped-no-convergence"] = Evidence.bound(
        min(late.values()), 0.5 * d0, relation=">=",
        reason="min distance to the equilibrium over the last 300 of 1000 steps stays above half "
        "the initial distance: the iterates orbit (AltGD) or grow to the clipping box (SimGD)",
        details={"initial_distance": d0, "late_min_distance": late})
    return parts


@dirac_field_claim(
    "mescheder2018/wgan-gp-not-convergent",
    statement="WGAN-GP on the Dirac-GAN (penalty (γ/2)(|ψ| - g₀)², γ = 0.5, g₀ = 1): the field jumps "
    "by 2γg₀ across ψ = 0, so there is no Jacobian at the equilibrium, ψ = 0 repels for |θ| < γg₀, "
    "and simultaneous and alternating GD with 1 or 5 discriminator steps do not converge to it.",
    source=f"{SOURCE}, Section 3 (WGAN-GP with a finite number of discriminator updates per "
    "generator update does not always converge; abstract)",
    derivation="mescheder2018/dirac-gan-wgan-gp",
)
def wgan_gp_not_convergent(ctx: Context):
    parts = {}
    field = dirac_gan_field("wgan", "wgan-gp", penalty_weight=GAMMA_WGAN_GP, target=TARGET_WGAN_GP)
    branches = td.wgan_gp_branches(penalty_weight=GAMMA_WGAN_GP, target=TARGET_WGAN_GP)
    delta = 1e-9
    thetas = np.linspace(-1.0, 1.0, 9)
    up = np.asarray(field.v_psi(thetas, np.full_like(thetas, delta)))
    down = np.asarray(field.v_psi(thetas, np.full_like(thetas, -delta)))
    parts["jump"] = Evidence.close(
        branches.jump, up - down, atol=1e-8,
        reason="v_ψ(θ, ±1e-9) of the simulated field: the smooth part moves by γ·2e-9",
        details={"thetas": thetas})
    try:
        td.dirac_gan_jacobian("wgan", "wgan-gp", penalty_weight=GAMMA_WGAN_GP, target=TARGET_WGAN_GP)
        raised = False
    except ValueError:
        raised = True
    parts["no-jacobian"] = Evidence.exact_match(
        "theory.dynamics refuses the Jacobian", "refused" if raised else "returned a matrix",
        passed=raised, reason="the field is discontinuous at the equilibrium")
    inner = np.linspace(-0.9, 0.9, 7) * branches.repelling_half_width
    push = np.minimum(np.asarray(field.v_psi(inner, np.full_like(inner, delta))),
                      -np.asarray(field.v_psi(inner, np.full_like(inner, -delta))))
    parts["psi-zero-repels"] = Evidence.bound(
        float(push.min()), 0.0, relation=">=",
        reason="v_ψ(θ, 0⁺) > 0 > v_ψ(θ, 0⁻) for |θ| < γg₀/f'(0) on the simulated field",
        details={"thetas": inner, "min_push": float(push.min())})
    late = late_min_distances(field, [(scheme, nd) for scheme in INTEGRATORS for nd in (1, 5)],
                              step=0.1, n_steps=600, window=200)
    parts["no-convergence"] = Evidence.bound(
        min(late.values()), 0.1, relation=">=",
        reason="started at distance 0.07 from the equilibrium, every run keeps a distance > 0.1 over "
        "its last 200 of 600 steps",
        details={"late_min_distance": late})
    return parts


@dirac_field_claim(
    "mescheder2018/consensus-converges",
    statement="Consensus optimization (γ = 1) gives the Dirac-GAN eigenvalues -γf'(0)² ± i f'(0); "
    "simultaneous GD converges iff h < 2γ/(γ²f'(0)² + 1) = 1.6, at the predicted rate.",
    source=f"{SOURCE}, Section 3 (consensus optimization of Mescheder et al. 2017)",
    derivation="mescheder2018/dirac-gan-consensus",
)
def consensus_converges(ctx: Context):
    parts = {}
    a, _ = td.f_derivatives("gan")
    g = GAMMA_CONSENSUS
    eig = td.dirac_gan_eigenvalues("gan", "consensus", penalty_weight=g)
    parts["step-bound"] = Evidence.close(
        2 * g / (g**2 * a**2 + 1), td.max_stable_step(eig), atol=EXACT_ATOL,
        reason="the derivation's bound against min 2(-Re λ)/|λ|² of the closed-form eigenvalues")
    for name, ev in _convergence_parts("gan", "consensus", {"penalty_weight": g}, n_steps=250).items():
        parts[name] = ev
    return parts


# ---------------------------------------------------------------------------- two time scales
@exact_dynamics_claim(
    "mescheder2018/two-time-scale",
    statement="With step sizes h_g ≠ h_d (the bilevel view, one player faster), unregularized SimGD "
    "on the Dirac-GAN has spectral radius √(1 + h_g h_d f'(0)²) > 1 for every ratio, while with R1 "
    "the radius is √(1 - h_d γ + h_g h_d f'(0)²) for SimGD and √(1 - h_d γ) for AltGD whenever the "
    "eigenvalues are complex: SimGD converges iff h_g < γ/f'(0)², whatever the ratio.",
    source=f"{SOURCE}, Section 2 (SimGD/AltGD update operators) with per-player step sizes; "
    "Pfau & Vinyals (2016), eqs. (1)-(2) (bilevel view)",
    solver=SIMULTANEOUS_GD,
)
def two_time_scale(ctx: Context):
    a, _ = td.f_derivatives("gan")
    ratios = np.array([0.1, 0.3, 1.0, 3.0, 10.0])
    h_g = 0.1
    j0 = dirac_gan_field("gan").jacobian_fd()
    r0 = np.array([td.gd_spectral_radius(j0, h_g, step_d=r * h_g) for r in ratios])
    parts = {"unregularized-closed-form": Evidence.close(
        [td.dirac_gan_simgd_radius("gan", h_g, step_d=r * h_g) for r in ratios], r0, atol=FD_ATOL,
        reason="ρ from the FD Jacobian against √(1 + h_g h_d f'(0)²)", details={"ratios": ratios}),
        "unregularized-above-one": Evidence.bound(float(r0.min()), 1.0, relation=">=",
                                                  reason="no ratio makes SimGD converge")}
    g = GAMMA_GP
    j1 = dirac_gan_field("gan", "r1", penalty_weight=g).jacobian_fd()
    table, closed_sim, meas_sim, closed_alt, meas_alt = {}, [], [], [], []
    for hg in (0.6, 1.5):  # below / above γ/a² = 1.2
        for r in ratios:
            hd = r * hg
            rho_s = td.gd_spectral_radius(j1, hg, step_d=hd)
            rho_a = td.gd_spectral_radius(j1, hg, step_d=hd, scheme="alternating")
            table[f"h_g={hg}, h_d/h_g={r}"] = {"simultaneous": rho_s, "alternating": rho_a}
            tr, det = 2 - hd * g, 1 - hd * g + hg * hd * a**2
            if tr**2 < 4 * det:
                closed_sim.append(np.sqrt(det))
                meas_sim.append(rho_s)
            tr_a, det_a = 2 - hd * g - hg * hd * a**2, 1 - hd * g
            if tr_a**2 < 4 * det_a:
                closed_alt.append(np.sqrt(det_a))
                meas_alt.append(rho_a)
    parts["r1-simgd-closed-form"] = Evidence.close(
        closed_sim, meas_sim, atol=FD_ATOL, reason="ρ from the FD Jacobian; complex-eigenvalue cases",
        details={"table": table})
    parts["r1-altgd-closed-form"] = Evidence.close(
        closed_alt, meas_alt, atol=FD_ATOL, reason="ρ from the FD Jacobian; complex-eigenvalue cases")
    below = [v["simultaneous"] for k, v in table.items() if k.startswith("h_g=0.6")]
    above = [v["simultaneous"] for k, v in table.items() if k.startswith("h_g=1.5")]
    parts["r1-simgd-threshold"] = Evidence.exact_match(
        "ρ < 1 for h_g = 0.6 < γ/f'(0)² = 1.2 and ρ > 1 for h_g = 1.5, at every ratio",
        {"below": below, "above": above},
        passed=max(below) < 1 < min(above), reason="sign of ρ - 1 on the ratio grid")
    field = dirac_gan_field("gan", "r1", penalty_weight=g)
    measured, predicted = [], []
    for r in (0.3, 1.0, 3.0):
        measured.append(measured_rate(field, step=0.6, step_d=0.6 * r, n_steps=150))
        jac = td.dirac_gan_jacobian("gan", "r1", penalty_weight=g)
        predicted.append(td.gd_spectral_radius(jac, 0.6, step_d=0.6 * r))
    parts["r1-iterates-rate"] = Evidence.close(
        predicted, measured, atol=RATE_ATOL,
        reason="one-step map fitted to two-time-scale SimGD iterates (amplitude 1e-4)",
        details={"ratios": [0.3, 1.0, 3.0], "h_g": 0.6})
    return parts


# ---------------------------------------------------------------------------- categorical GAN
#: The categorical problem: K = 3 atoms.
P_CATEGORICAL = np.array([0.5, 0.3, 0.2])
#: Perturbation of the categorical equilibrium: its field has quadratic terms, so the one-step
#: map is linear to O(1e-5) relative; iterates below 1e-9 (relative rounding 1e-7 of θ ≈ log p)
#: are not used.
CAT_AMPLITUDE = 1e-5
#: Least-squares rate from iterates of amplitude 1e-5 down to 1e-9.
CAT_RATE_ATOL = 1e-4


def categorical_rates(p: np.ndarray, settings, seed) -> list[dict]:
    """Predicted (linearization of the FD Jacobian) and measured (train_gan iterates) rates."""
    cj = categorical_gan_jacobian_fd(p)
    k = p.shape[0]
    q_basis = cj.basis[:k, : k - 1]
    rng = np.random.default_rng(seed)
    out = []
    for lr, scheme, nd in settings:
        theta0 = np.log(p) + CAT_AMPLITUDE * rng.standard_normal(k)
        psi0 = CAT_AMPLITUDE * rng.standard_normal(k)
        run = tabular_gan.train_gan(p, theta0=theta0, psi0=psi0, lr_g=lr, lr_d=lr, n_steps=300,
                                    scheme=scheme, n_disc_steps=nd)
        states = np.concatenate([(run.theta - np.log(p)) @ q_basis, run.psi], axis=1)
        _, measured = one_step_map(states, floor=1e-9)
        predicted = td.gd_spectral_radius(cj.reduced, lr, scheme=scheme, n_disc_steps=nd,
                                          n_generator=cj.n_generator_reduced)
        out.append({"lr": lr, "scheme": scheme, "n_disc_steps": nd, "predicted": predicted,
                    "measured": measured,
                    "fit_linear_rate": tabular_gan.fit_linear_rate(np.linalg.norm(states, axis=1),
                                                                   lo=1e-10, hi=1e-4)})
    return out


@exact_dynamics_claim(
    "mescheder2018/categorical-gan-jacobian",
    statement="For the categorical GAN (K = 3 atoms) the finite-difference Jacobian of the solver's "
    "gradient field at q = p, ψ = 0 equals the closed form [[0, S/2], [-S/2, -diag(p)/2]]; all its "
    "eigenvalues have real part <= 0, the only one on the imaginary axis being the softmax gauge "
    "λ = 0; the linearized updates predict the measured convergence rates of simultaneous and "
    "alternating descent-ascent, including a step size where simultaneous diverges and alternating "
    "converges.",
    source=f"{SOURCE}, Section 2 (local convergence from the spectrum of the update operator), "
    "applied to Goodfellow et al. (2014), eq. (1) on K atoms",
    solver="solvers.dynamics.categorical_jacobian.categorical_gan_jacobian_fd",
)
def categorical_gan(ctx: Context):
    p = P_CATEGORICAL
    cj = categorical_gan_jacobian_fd(p)
    parts = {"fd-vs-closed-form": Evidence.close(
        td.categorical_gan_jacobian(p), cj.jacobian, atol=FD_ATOL,
        reason="central differences (eps 1e-5) of solvers.tabular.gan's gradients")}
    re = cj.eigenvalues.real
    parts["real-parts-nonpositive"] = Evidence.bound(
        float(re.max()), 0.0, relation="<=", slack=FD_ATOL,
        reason="largest real part of the full spectrum: the gauge eigenvalue 0, up to the FD error",
        details={"eigenvalues": _pairs(cj.eigenvalues)})
    parts["reduced-strictly-stable"] = Evidence.bound(
        float(cj.reduced_eigenvalues.real.max()), 0.0, relation="<=",
        reason="on Σθ = const every eigenvalue has Re λ < 0 (the measured maximum is reported)",
        details={"max_real_part": float(cj.reduced_eigenvalues.real.max())})
    settings = [(1.0, "simultaneous", 1), (1.0, "alternating", 1), (1.0, "simultaneous", 3),
                (1.0, "alternating", 3), (4.0, "simultaneous", 1), (4.0, "alternating", 1)]
    rates = categorical_rates(p, settings, ctx.rng(3))
    parts["rates"] = Evidence.close(
        [r["predicted"] for r in rates], [r["measured"] for r in rates], atol=CAT_RATE_ATOL,
        reason="one-step map fitted to train_gan iterates (amplitude 1e-5 .. 1e-9): quadratic terms "
        "O(1e-5) and rounding", details={"runs": rates})
    lr = 5.75
    rho_sim = td.gd_spectral_radius(cj.reduced, lr, n_generator=cj.n_generator_reduced)
    rho_alt = td.gd_spectral_radius(cj.reduced, lr, scheme="alternating", n_generator=cj.n_generator_reduced)
    growth = {}
    rng = ctx.rng(4)
    for scheme in ("simultaneous", "alternating"):
        theta0 = np.log(p) + 1e-6 * rng.standard_normal(3)
        run = tabular_gan.train_gan(p, theta0=theta0, psi0=1e-6 * rng.standard_normal(3), lr_g=lr, lr_d=lr,
                                    n_steps=300, scheme=scheme)
        dev = np.concatenate([run.theta - np.log(p) - np.mean(run.theta[0] - np.log(p)), run.psi], axis=1)
        norms = np.linalg.norm(dev, axis=1)
        growth[scheme] = float(norms[-1] / norms[0])
    passed = rho_sim > 1 > rho_alt and growth["simultaneous"] > 10 and growth["alternating"] < 1e-3
    parts["sim-diverges-alt-converges"] = Evidence.exact_match(
        {"lr": lr, "rho_simultaneous": rho_sim, "rho_alternating": rho_alt},
        {"distance_ratio_after_300_steps": growth}, passed=passed,
        reason="predicted ρ_sim > 1 > ρ_alt; measured: the simultaneous deviation grows > 10x, the "
        "alternating one shrinks < 1e-3x in 300 steps")
    return parts


# ---------------------------------------------------------------------------- neural
#: Hidden width of the neural discriminator D_ψ(x) = w₂·tanh(w₁x + b₁) + b₂.
NEURAL_HIDDEN = 16
NEURAL_SEEDS = 4
NEURAL_STEPS, NEURAL_H, NEURAL_GAMMA = 800, 0.1, 1.0
#: One convergence criterion for both sides of the neural claim: a run has converged when |θ| stays
#: below NEURAL_CONVERGED = 1e-3 |θ_0| (θ_0 = 1, the data at 0) over the last 200 of its 800 steps.
#: The claim is the contrast under this one criterion (R1: every network converged; no
#: regularization: the slowest of 4 networks not converged), so the threshold follows from the
#: statement rather than from seeds.  What it leaves (seeds 0-19, 80 networks per side): R1's
#: worst late |θ| 5.4e-8; without regularization the slowest network of each seed 0.107-0.48 and
#: single networks down to 3e-5 (seed 12), which is why the statement is about the slowest.
NEURAL_CONVERGED = 1e-3


def _mlp_logit(params, x):
    h = NEURAL_HIDDEN
    w1, b1, w2, b2 = params[:, :h], params[:, h:2 * h], params[:, 2 * h:3 * h], params[:, 3 * h]
    return anp.sum(anp.tanh(x[:, None] * w1 + b1) * w2, axis=1) + b2


_mlp_dx = elementwise_grad(_mlp_logit, 1)


def _neural_disc_objective(params, theta, penalty_weight):
    # f(D(fake)) + f(-D(real)), f = log σ, minus the R1 penalty (γ/2)(∂D/∂x at the data)².
    zero = 0.0 * theta
    return anp.sum(log_sigmoid(_mlp_logit(params, theta)) + log_sigmoid(-_mlp_logit(params, zero))
                   - 0.5 * penalty_weight * _mlp_dx(params, zero) ** 2)


def _neural_gen_loss(theta, params):
    return anp.sum(-log_sigmoid(-_mlp_logit(params, theta)))  # non-saturating: maximize f(-D(G))


def neural_dirac_gan(seeds, gammas, *, n_steps: int = NEURAL_STEPS, step: float = NEURAL_H,
                     scheme: str = "simultaneous") -> np.ndarray:
    """θ along gradient descent on a Dirac-GAN with an MLP discriminator, one row per (seed, γ).

    Each network is initialized by ``solvers.neural.mlp.init_mlp`` (sizes (1, H, 1), Glorot) and
    flattened; the batch dimension holds independent runs (their objectives are summed, so the
    gradients do not mix).  Returns θ of shape (n_steps + 1, n_runs).
    """
    rows = []
    for s in seeds:
        layers = init_mlp((1, NEURAL_HIDDEN, 1), int(s))
        rows.append(np.concatenate([layers[0]["W"][0], layers[0]["b"], layers[1]["W"][:, 0], layers[1]["b"]]))
    params = np.array(rows)
    theta = np.ones(len(rows))
    gam = np.asarray(gammas, float)
    d_grad, g_grad = grad(_neural_disc_objective, 0), grad(_neural_gen_loss, 0)
    out = np.empty((n_steps + 1, len(rows)))
    out[0] = theta
    for t in range(n_steps):
        g_theta = g_grad(theta, params)
        if scheme == "alternating":
            theta = theta - step * g_theta
            params = params + step * d_grad(params, theta, gam)
        else:
            d_step = d_grad(params, theta, gam)
            theta = theta - step * g_theta
            params = params + step * d_step
        out[t + 1] = theta
    return out


@claim(
    "mescheder2018/neural-dirac-gan",
    statement="On a Dirac-GAN with a 1-16-1 tanh MLP discriminator (data at 0, generator θ = 1 at start), "
    "with 'converged' meaning |θ| < 1e-3 over the last 200 of 800 steps: simultaneous gradient descent "
    "with the R1 penalty (γ = 1) converges for every network, while without regularization the slowest "
    "of 4 networks has not converged and every network stays farther out than with R1. "
    "Unlike the linear Dirac-GAN, an MLP discriminator's curvature damps the unregularized "
    "dynamics: its iterates drift in slowly (all 4 networks of seed 12 reach |θ| < 1e-3 within "
    "3,000 steps), so 'not convergent' is a statement about this horizon.",
    source=f"{SOURCE}, Section 2 (unregularized training not always convergent) and Section 4, "
    "Theorem 4.1 (local convergence with R1 for general discriminators)",
    kinds=("neural",),
)
def neural_claim(ctx: Context):
    seeds = [int(s) for s in ctx.rng(5).integers(0, 2**31 - 1, size=NEURAL_SEEDS)]
    thetas = neural_dirac_gan(seeds * 2, [0.0] * NEURAL_SEEDS + [NEURAL_GAMMA] * NEURAL_SEEDS)
    late = np.abs(thetas[-200:]).max(axis=0)
    unreg, r1 = late[:NEURAL_SEEDS], late[NEURAL_SEEDS:]
    return {
        "unregularized-oscillates": Evidence.bound(
            float(unreg.max()), NEURAL_CONVERGED, relation=">=",
            reason="max |θ| over the last 200 of 800 steps, slowest of 4 networks, against the claim's "
            "convergence criterion 1e-3 |θ_0| (the same criterion R1 must meet; see NEURAL_CONVERGED)",
            details={"late_max_abs_theta": unreg, "seeds": seeds}),
        "unregularized-slower-than-r1": Evidence.bound(
            float(np.min(unreg / np.maximum(r1, np.finfo(float).tiny))), 1.0, relation=">=",
            reason="network by network (same initialization), the unregularized run ends farther out",
            details={"ratio": unreg / np.maximum(r1, np.finfo(float).tiny)}),
        "r1-converges": Evidence.bound(
            float(r1.max()), NEURAL_CONVERGED, relation="<=",
            reason="max |θ| over the last 200 of 800 steps, largest over 4 networks, against the claim's "
            "convergence criterion 1e-3 |θ_0| (R1 contracts at a linear rate, Theorem 4.1; the value "
            "reached is reported)", details={"late_max_abs_theta": r1, "seeds": seeds}),
    }
