"""Derivations behind the label-smoothing rows of Pfau & Vinyals (2016), Table 1.

Label smoothing is Salimans et al. (2016), "Improved Techniques for Training GANs", Section 3.4:
the discriminator is trained towards soft targets, a for real samples and b for generated ones
(one-sided: b = 0).  The claims of ``experiments.claims.pfau2016_table1`` check these chains
and then measure them with the categorical and Dirac-GAN solvers.

Derivations
-----------
``pfau2016/table1-smoothed-optimal-discriminator``
    V(D) = (a p + b q) log D + ((1 - a) p + (1 - b) q) log(1 - D) is stationary at
    D*_ab = (a p + b q)/(p + q) and strictly concave in D on (0, 1) (labels in (0, 1)), so
    D*_ab is its unique maximizer.
``pfau2016/table1-label-smoothing-fixed-point``
    At q = p: D*_ab(p, p) = (a + b)/2 for every p, and both the generator's gradient against
    the best-responding discriminator (log(1 - D*_ab), the envelope form) and the derivative
    of the bilevel cost q log(1 - D*_ab(p, q)) are free of p there: the same on every atom, so
    under Σ q = 1 the point q = p_data is stationary whatever the labels.
``pfau2016/table1-dirac-label-smoothing``
    Dirac-GAN (data at 0, generator δ_θ, P(real | x) = σ(-ψx), Mescheder et al. 2018,
    Section 2) with soft targets: ∂V/∂ψ = θ((1 - b) - σ(ψθ)), free of a (the data point
    x = 0 gives the real term zero ψ-gradient); the field's Jacobian at 0 is
    [[0, -1/2], [1/2 - b, 0]]; the best response to θ ≠ 0 is ψ* = log((1 - b)/b)/θ, where
    σ(-ψ*θ) = b.
"""

from __future__ import annotations

import sympy as sp

from proofs_check.core import Derivation, Step, derivation

__all__ = [
    "PAPER",
    "LABELS",
    "DENSITIES",
    "smoothed_value",
    "smoothed_discriminator",
    "dirac_smoothed_value",
    "dirac_smoothed_jacobian",
    "smoothed_optimal_discriminator",
    "label_smoothing_fixed_point",
    "dirac_label_smoothing",
]

PAPER = ('Salimans et al. (2016), "Improved Techniques for Training GANs", Section 3.4; '
         'Pfau & Vinyals (2016), Table 1')

#: Labels a (real) and b (fake) in (0, 1); densities p (data), q (model) positive.
a, b = sp.symbols("a b", positive=True)
p, q = sp.symbols("p q", positive=True)
D = sp.Symbol("D", positive=True)
_LABELS = (a < 1, b < 1)
#: The symbols of the soft targets (a for real samples, b for generated ones) and of the two
#: densities (p data, q model), in that order, for callers that evaluate the expressions.
LABELS = (a, b)
DENSITIES = (p, q)

theta, psi, x_r = sp.symbols("theta psi x_r", real=True)
theta_nz = sp.Symbol("theta", real=True, nonzero=True)


def smoothed_value(p_: sp.Expr = p, q_: sp.Expr = q, d: sp.Expr = D) -> sp.Expr:
    """Pointwise smoothed value (a p + b q) log D + ((1 - a) p + (1 - b) q) log(1 - D)."""
    return (a * p_ + b * q_) * sp.log(d) + ((1 - a) * p_ + (1 - b) * q_) * sp.log(1 - d)


def smoothed_discriminator(p_: sp.Expr = p, q_: sp.Expr = q) -> sp.Expr:
    """D*_ab = (a p + b q)/(p + q), the maximizer of :func:`smoothed_value`."""
    return (a * p_ + b * q_) / (p_ + q_)


def _log_sigmoid(t: sp.Expr) -> sp.Expr:
    return -sp.log(1 + sp.exp(-t))


def _sigmoid(t: sp.Expr) -> sp.Expr:
    return 1 / (1 + sp.exp(-t))


def dirac_smoothed_value(th: sp.Expr = theta, ps: sp.Expr = psi, xr: sp.Expr = x_r) -> sp.Expr:
    """Soft-target value of the Dirac-GAN: targets a at the real point, b at the fake θ."""
    return (a * _log_sigmoid(-ps * xr) + (1 - a) * _log_sigmoid(ps * xr)
            + b * _log_sigmoid(-ps * th) + (1 - b) * _log_sigmoid(ps * th))


def dirac_smoothed_jacobian() -> sp.Matrix:
    """The Jacobian [[0, -1/2], [1/2 - b, 0]] of the soft-target Dirac-GAN field (v_θ, v_ψ) at
    the equilibrium θ = ψ = 0, which :func:`dirac_label_smoothing` proves entry by entry."""
    return sp.Matrix([[0, -sp.Rational(1, 2)], [sp.Rational(1, 2) - b, 0]])


@derivation("pfau2016/table1-smoothed-optimal-discriminator")
def smoothed_optimal_discriminator() -> Derivation:
    """D*_ab = (a p + b q)/(p + q) maximizes the smoothed cross-entropy.

    Source: Salimans et al. (2016), Section 3.4; Pfau & Vinyals (2016), Table 1.
    """
    V = smoothed_value()
    star = smoothed_discriminator()
    curvature = -(a * p + b * q) / D**2 - ((1 - a) * p + (1 - b) * q) / (1 - D)**2
    steps = [
        Step("stationary", sp.Subs(sp.Derivative(V, D), D, star), 0,
             justification="dV/dD = (a p + b q)/D - ((1 - a) p + (1 - b) q)/(1 - D) vanishes at D*_ab"),
        Step("inside-unit-interval", star, 1, "<", assumptions=_LABELS,
             justification="a, b < 1, so a p + b q < p + q"),
        Step("second-derivative", sp.Derivative(V, D, 2), curvature,
             justification="differentiate twice"),
        Step("strictly-concave", curvature, 0, "<", assumptions=_LABELS + (D < 1,),
             justification="both weights a p + b q and (1 - a) p + (1 - b) q are positive"),
    ]
    return Derivation(
        "pfau2016/table1-smoothed-optimal-discriminator",
        "With targets a (real) and b (fake) the optimal discriminator is (a p + b q)/(p + q)",
        PAPER, steps,
        "A strictly concave function on (0, 1) with a stationary point there has it as its "
        "unique maximizer. a = 1, b = 0 gives Goodfellow et al. (2014), Prop. 1.")


@derivation("pfau2016/table1-label-smoothing-fixed-point")
def label_smoothing_fixed_point() -> Derivation:
    """Any labels a, b: q = p_data stays stationary for the generator; D settles at (a + b)/2.

    Source: Salimans et al. (2016), Section 3.4; Pfau & Vinyals (2016), Table 1.
    """
    star = smoothed_discriminator()
    level = (a + b) / 2
    slope = sp.log((2 - a - b) / 2) + (1 - b) / (2 - a - b) - sp.Rational(1, 2)
    cost = q * sp.log(((1 - a) * p + (1 - b) * q) / (p + q))
    steps = [
        Step("level", star.subs(q, p), level, justification="(a p + b p)/(2 p)"),
        Step("one-minus-d-star", 1 - star, ((1 - a) * p + (1 - b) * q) / (p + q),
             justification="the generator's term log(1 - D*_ab)"),
        Step("envelope-slope-at-data", sp.log(1 - star).subs(q, p), sp.log(1 - level),
             justification="the generator's gradient per atom against the best response, at "
             "q = p: the same constant on every atom (free of p)"),
        Step("bilevel-slope-at-data", sp.Subs(sp.Derivative(cost, q), q, p), slope,
             assumptions=_LABELS,
             justification="d/dq [q log(1 - D*_ab(p, q))] at q = p, D*'s own dependence on q "
             "included: again free of p"),
    ]
    return Derivation(
        "pfau2016/table1-label-smoothing-fixed-point",
        "Label smoothing (one- or two-sided) leaves q = p_data stationary; D*_ab = (a + b)/2 there",
        PAPER, steps,
        "A per-atom slope that does not depend on p is equal on all atoms, which is the "
        "stationarity condition of Σ q_i c_i under Σ q_i = 1 (the Lagrange multiplier is that "
        "constant). So smoothing does not move the generator's fixed point; it changes only the "
        "discriminator's level there and the escape rate from data-free atoms (measured by the "
        "claim).")


@derivation("pfau2016/table1-dirac-label-smoothing")
def dirac_label_smoothing() -> Derivation:
    """Dirac-GAN with soft targets: ∂V/∂ψ free of a, Jacobian [[0, -1/2], [1/2 - b, 0]].

    Source: Salimans et al. (2016), Section 3.4; Mescheder et al. (2018), Section 2.
    """
    V = dirac_smoothed_value()
    v_psi = theta * ((1 - b) - _sigmoid(psi * theta))
    v_theta = -sp.Derivative(_log_sigmoid(psi * theta), theta).doit()
    at0 = ((theta, psi), (0, 0))
    jac = dirac_smoothed_jacobian()
    steps = [
        Step("v-psi", sp.Subs(sp.Derivative(V, psi), x_r, 0), v_psi,
             justification="the real term's ψ-gradient carries the factor x_r = 0, so a drops out"),
        Step("v-psi-zero-at-theta-0", sp.Subs(v_psi, theta, 0), 0, justification="θ = 0"),
        Step("jac-theta-theta", sp.Subs(sp.Derivative(v_theta, theta), *at0), jac[0, 0],
             justification="v_θ = -ψ σ(-ψθ)"),
        Step("jac-theta-psi", sp.Subs(sp.Derivative(v_theta, psi), *at0), jac[0, 1],
             justification="-σ(0)"),
        Step("jac-psi-theta", sp.Subs(sp.Derivative(v_psi, theta), *at0), jac[1, 0],
             justification="(1 - b) - σ(0)"),
        Step("jac-psi-psi", sp.Subs(sp.Derivative(v_psi, psi), *at0), jac[1, 1],
             justification="-θ² σ'(ψθ) at θ = 0"),
        Step("best-response",
             v_psi.subs(theta, theta_nz).subs(psi, sp.log((1 - b) / b) / theta_nz), 0,
             assumptions=(b < 1,),
             justification="σ(log((1 - b)/b)) = 1 - b, so the fake sample gets D = σ(-ψ*θ) = b"),
    ]
    return Derivation(
        "pfau2016/table1-dirac-label-smoothing",
        "Dirac-GAN with label smoothing: one-sided changes nothing, two-sided tilts the Jacobian",
        f"{PAPER}; Mescheder et al. (2018), Section 2", steps,
        "∂V/∂ψ / θ = (1 - b) - σ(ψθ) is strictly decreasing in ψθ, so the best response is "
        "unique. The Jacobian's eigenvalues ±i sqrt((1/2)(1/2 - b)) are imaginary for b < 1/2: "
        "simultaneous GD still diverges, at a reduced rate.")
