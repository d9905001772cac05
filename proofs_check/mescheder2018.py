"""Mescheder, Geiger & Nowozin (2018), "Which Training Methods for GANs do actually Converge?".

The Dirac-GAN (their Section 2): data at 0, generator δ_θ, discriminator D_ψ(x) = ψ·x,
L(θ, ψ) = f(ψθ) + f(0), field v = (-∂L/∂θ, ∂L/∂ψ).  Every Jacobian below is obtained by sympy
differentiating the stated objective and evaluating at θ = ψ = 0; the eigenvalues by
``Matrix.eigenvals``; the paper's closed forms are the right-hand sides.

A general f enters through f(t) = f'(0) t + f''(0) t²/2 + f'''(0) t³/6, with symbols
a = f'(0) > 0, b = f''(0), c = f'''(0): the field involves f' and its Jacobian f'', so values
at 0 of derivatives of order <= 2 are all that v'(0, 0) can contain (and consensus, whose
field has second derivatives, adds v'ᵀv' at v = 0); the cubic term checks that nothing of
higher order leaks in.  f's own derivatives are derived for the GAN f(t) = -log(1 + e^{-t})
(a = 1/2, b = -1/4) and the WGAN f(t) = t (a = 1, b = 0).

Derivations
-----------
``mescheder2018/dirac-gan-unregularized``
    v'(0, 0) = [[0, -a], [a, 0]], eigenvalues ±ia (±i/2 for the GAN); the continuous flow keeps
    θ² + ψ² constant; SimGD: |1 ± iha|² = 1 + h²a² > 1 and the norm of the iterates grows at
    every step; AltGD with n_g, n_d steps: det = 1, trace = 2 - α², α² = n_g n_d h² a², the
    eigenvalues 1 - α²/2 ± √((1 - α²/2)² - 1) lie on the unit circle for α < 2 and one leaves
    it for α > 2.  The non-saturating generator has the same Jacobian.
``mescheder2018/dirac-gan-wgan``
    f(t) = t: eigenvalues ±i; weight clipping is inactive near ψ = 0.
``mescheder2018/dirac-gan-gradient-penalty``
    R1 (penalty on the data) and R2 (on the samples): v'(0, 0) = [[0, -a], [a, -γ]],
    eigenvalues -γ/2 ± √(γ²/4 - a²), trace -γ < 0 and det a² > 0, so Re λ < 0.
``mescheder2018/dirac-gan-instance-noise``
    Expectations over ε ~ N(0, σ²) by Gaussian moments: v'(0, 0) = [[0, -a], [a, 2bσ²]],
    eigenvalues bσ² ± √(b²σ⁴ - a²); Re λ < 0 iff b < 0 (the GAN's b = -1/4).
``mescheder2018/dirac-gan-consensus``
    w = v - γ∇(|v|²/2): w'(0, 0) = [[-γa², -a], [a, -γa²]], eigenvalues -γa² ± ia; SimGD
    converges iff h < 2γ/(γ²a² + 1).
``mescheder2018/dirac-gan-wgan-gp``
    Penalty (γ/2)(|ψ| - g₀)²: v_ψ(θ, 0⁺) - v_ψ(θ, 0⁻) = 2γg₀, so v is discontinuous at the
    equilibrium (no Jacobian there); each smooth branch has Jacobian [[0, -1], [1, -γ]] and its
    zero at (∓γg₀, 0), on the boundary of its own half-plane.

``mescheder2018/dirac-gan-jacobians``, ``mescheder2018/dirac-gan-regularized``
    The first five above, resp. gradient penalty + instance noise, as one chain each (the
    derivation a claim that uses several of them records).

Helpers for claims: :func:`symbolic_dirac_jacobian` and :func:`symbolic_dirac_eigenvalues`
(sympy matrices / eigenvalues for a loss and a regularizer, with f's derivatives derived from
the concrete f).
"""

from __future__ import annotations

import functools

import sympy as sp

from proofs_check.core import Derivation, Step, derivation

__all__ = [
    "LOSS_F",
    "symbolic_f_derivatives",
    "symbolic_dirac_jacobian",
    "symbolic_dirac_eigenvalues",
    "symbolic_altgd_alpha2_iterate",
    "unregularized",
    "wgan",
    "gradient_penalty",
    "instance_noise",
    "consensus",
    "wgan_gp",
    "all_jacobians",
    "regularized",
]

PAPER = ('Mescheder, Geiger & Nowozin (2018), "Which Training Methods for GANs do actually '
         'Converge?"')

_t = sp.Symbol("t", real=True)
#: The objective functions f of the paper's Section 2, as sympy expressions in t.
LOSS_F = {
    "gan": -sp.log(1 + sp.exp(-_t)),
    "nsgan": -sp.log(1 + sp.exp(-_t)),
    "wgan": _t,
}

theta, psi = sp.symbols("theta psi", real=True)
a = sp.Symbol("a", positive=True)  # f'(0)
b, c = sp.symbols("b c", real=True)  # f''(0), f'''(0)
gamma, sigma, h = sp.symbols("gamma sigma h", positive=True)
g0 = sp.Symbol("g_0", positive=True)
eps = sp.Symbol("epsilon", real=True)
lam = sp.Symbol("lambda")


def _f_taylor(x):
    """f(x) = a x + b x²/2 + c x³/6 (f(0) drops out of every gradient)."""
    return a * x + b * x**2 / 2 + c * x**3 / 6


def _gaussian_mean(expr: sp.Expr, var: sp.Symbol) -> sp.Expr:
    """E over var ~ N(0, σ²) of a polynomial in var: moments E var^k = σ^k (k-1)!! for even k."""
    poly = sp.Poly(sp.expand(expr), var)
    total = sp.S.Zero
    for (k,), coeff in poly.terms():
        if k % 2 == 0:
            total += coeff * sigma**k * sp.factorial2(k - 1)
    return total


def _jacobian_at_zero(v1: sp.Expr, v2: sp.Expr) -> sp.Matrix:
    rows = [[sp.diff(vi, x).subs({theta: 0, psi: 0}) for x in (theta, psi)] for vi in (v1, v2)]
    return sp.Matrix(rows).applyfunc(sp.simplify)


def _entry_steps(prefix: str, v1: sp.Expr, v2: sp.Expr, expected: sp.Matrix, why: str) -> list[Step]:
    """Four steps J_ij = ∂v_i/∂x_j at (0, 0) == the paper's entry."""
    steps = []
    names = ("theta", "psi")
    for i, vi in enumerate((v1, v2)):
        for j, x in enumerate((theta, psi)):
            lhs = sp.Subs(sp.Derivative(vi, x), (theta, psi), (0, 0))
            steps.append(Step(f"{prefix}-J-{names[i]}-{names[j]}", lhs, expected[i, j],
                              justification=f"differentiate v_{names[i]} by {names[j]} at (0, 0); {why}"))
    return steps


def _eigen_steps(prefix: str, jac: sp.Matrix, expected: tuple[sp.Expr, sp.Expr], why: str,
                 assumptions=()) -> list[Step]:
    eig = sp.FiniteSet(*jac.eigenvals().keys())
    return [
        Step(f"{prefix}-eigenvalues", eig, sp.FiniteSet(*expected), assumptions=assumptions,
             justification=f"sympy Matrix.eigenvals of the Jacobian; {why}"),
    ]


def _hurwitz_steps(prefix: str, jac: sp.Matrix, trace: sp.Expr, det: sp.Expr, assumptions=()) -> list[Step]:
    """trace < 0 and det > 0: both eigenvalues of a real 2x2 matrix have negative real part."""
    return [
        Step(f"{prefix}-trace", jac.trace(), trace, justification="sum of the diagonal entries"),
        Step(f"{prefix}-det", jac.det(), det, justification="determinant of the 2x2 Jacobian"),
        Step(f"{prefix}-trace-negative", trace, 0, "<", assumptions=assumptions,
             justification="λ₁ + λ₂ = trace < 0"),
        Step(f"{prefix}-det-positive", det, 0, ">", assumptions=assumptions,
             justification="λ₁ λ₂ = det > 0: with trace < 0 both real parts are negative "
                           "(Routh-Hurwitz for 2x2), so the equilibrium attracts the flow and SimGD/AltGD "
                           "converge for small enough steps"),
    ]


def _f_value_steps(loss: str) -> list[Step]:
    f = LOSS_F[loss]
    f1 = sp.Rational(1, 2) if loss != "wgan" else sp.S.One
    f2 = -sp.Rational(1, 4) if loss != "wgan" else sp.S.Zero
    return [
        Step(f"{loss}-f-prime-0", sp.Subs(sp.Derivative(f, _t), _t, 0), f1,
             justification=f"f(t) = {sp.sstr(f)}: f'(0)"),
        Step(f"{loss}-f-second-0", sp.Subs(sp.Derivative(f, (_t, 2)), _t, 0), f2,
             justification=f"f(t) = {sp.sstr(f)}: f''(0)"),
    ]


# --------------------------------------------------------------------------- helpers for claims
@functools.cache
def symbolic_f_derivatives(loss: str) -> tuple[sp.Expr, sp.Expr]:
    """f'(0) and f''(0) of the loss's f, derived by sympy.

    Source: Mescheder et al. (2018), Section 2 (f(t) = -log(1 + e^{-t}) or f(t) = t).

    Examples
    --------
    >>> symbolic_f_derivatives("gan")
    (1/2, -1/4)
    """
    if loss not in LOSS_F:
        raise ValueError(f"`loss` must be one of {tuple(LOSS_F)} (got {loss!r})")
    f = LOSS_F[loss]
    return (sp.simplify(sp.diff(f, _t).subs(_t, 0)), sp.simplify(sp.diff(f, _t, 2).subs(_t, 0)))


def _fields(loss: str, regularizer: str) -> tuple[sp.Expr, sp.Expr]:
    """The Dirac-GAN field (v_θ, v_ψ) with the Taylor f, as sympy expressions."""
    d = lambda x: psi * x  # noqa: E731  D_ψ(x)
    x = sp.Symbol("x", real=True)
    if regularizer == "instance-noise":
        eps2 = sp.Symbol("epsilon_2", real=True)
        if loss == "nsgan":
            gen = -_gaussian_mean(_f_taylor(-d(theta + eps)), eps)
        else:
            gen = _gaussian_mean(_f_taylor(d(theta + eps)), eps)
        disc = _gaussian_mean(_f_taylor(d(theta + eps)), eps) + _gaussian_mean(_f_taylor(-d(eps2)), eps2)
    else:
        gen = -_f_taylor(-d(theta)) if loss == "nsgan" else _f_taylor(d(theta))
        disc = _f_taylor(d(theta)) + _f_taylor(-d(0))
        if regularizer in ("r1", "r2"):
            grad_x = sp.diff(d(x), x).subs(x, 0 if regularizer == "r1" else theta)
            disc = disc - gamma / 2 * grad_x**2
    v1, v2 = -sp.diff(gen, theta), sp.diff(disc, psi)
    if regularizer == "consensus":
        half = (v1**2 + v2**2) / 2
        v1, v2 = v1 - gamma * sp.diff(half, theta), v2 - gamma * sp.diff(half, psi)
    return sp.expand(v1), sp.expand(v2)


@functools.cache
def symbolic_dirac_jacobian(loss: str = "gan", regularizer: str = "none") -> sp.Matrix:
    """The Dirac-GAN Jacobian at the equilibrium, derived by sympy, in the symbols γ and σ.

    f'(0), f''(0) come from :func:`symbolic_f_derivatives`; ``regularizer`` is one of
    "none", "r1", "r2", "instance-noise", "consensus".

    Source: Mescheder et al. (2018), Sections 2.2 and 3.

    Examples
    --------
    >>> symbolic_dirac_jacobian("gan", "r1")
    Matrix([
    [  0,   -1/2],
    [1/2, -gamma]])
    """
    if regularizer not in ("none", "r1", "r2", "instance-noise", "consensus"):
        raise ValueError(f"no symbolic Jacobian for regularizer {regularizer!r}")
    v1, v2 = _fields(loss, regularizer)
    f1, f2 = symbolic_f_derivatives(loss)
    return _jacobian_at_zero(v1, v2).subs({a: f1, b: f2}).applyfunc(sp.simplify)


@functools.cache
def symbolic_dirac_eigenvalues(loss: str = "gan", regularizer: str = "none") -> tuple[sp.Expr, ...]:
    """The eigenvalues of :func:`symbolic_dirac_jacobian` (sympy ``eigenvals``, with multiplicity).

    Source: Mescheder et al. (2018), Sections 2.2 and 3.

    Examples
    --------
    >>> sorted(symbolic_dirac_eigenvalues("gan"), key=str)
    [-I/2, I/2]
    """
    out = []
    for value, mult in symbolic_dirac_jacobian(loss, regularizer).eigenvals().items():
        out.extend([value] * mult)
    return tuple(out)


def symbolic_altgd_alpha2_iterate() -> sp.Lambda:
    """The k-th AltGD iterate at α = 2 (n_g = n_d = 1, h = 2/f'(0)) of the linearized Dirac-GAN.

    The one-step matrix is M = (I + h P_d J)(I + h P_g J) = [[1, -2], [2, -3]] (independent of
    f'(0) once h = 2/f'(0)); M = -I + N with N² = 0, so x_k = M^k x_0 = (-1)^k (I - kN) x_0
    (the derivation ``mescheder2018/dirac-gan-unregularized`` proves each step).

    Source: Mescheder et al. (2018), Section 2 (alternating gradient descent on the Dirac-GAN),
    at the boundary case α = 2.

    Returns
    -------
    sympy.Lambda
        ``(theta0, psi0, k) -> Matrix([theta_k, psi_k])``.
    """
    k = sp.Symbol("k", nonnegative=True, integer=True)
    hs = sp.Symbol("h", positive=True)
    pg_j = sp.Matrix([[0, -a], [0, 0]])
    pd_j = sp.Matrix([[0, 0], [a, 0]])
    m2 = ((sp.eye(2) + hs * pd_j) * (sp.eye(2) + hs * pg_j)).subs(hs, 2 / a)
    nil = sp.simplify(m2 + sp.eye(2))
    return sp.Lambda((theta, psi, k), (-1) ** k * (sp.eye(2) - k * nil) * sp.Matrix([theta, psi]))


# --------------------------------------------------------------------------- derivations
@derivation("mescheder2018/dirac-gan-unregularized")
def unregularized() -> Derivation:
    """Unregularized Dirac-GAN: ±ia eigenvalues, circles in continuous time, SimGD diverges,
    AltGD stays on the unit circle for α < 2; at α = 2 the double eigenvalue -1 is defective
    and the iterates grow linearly, ||x_k|| ~ k ||N x_0|| with N = M + I.

    Source: Mescheder et al. (2018), Section 2 (Dirac-GAN; simultaneous and alternating
    gradient descent).
    """
    v1, v2 = _fields("gan", "none")
    jac = _jacobian_at_zero(v1, v2)
    expected = sp.Matrix([[0, -a], [a, 0]])
    n1, n2 = _fields("nsgan", "none")
    steps = [
        Step("field-theta", -sp.Derivative(_f_taylor(psi * theta), theta),
             -psi * sp.diff(_f_taylor(_t), _t).subs(_t, psi * theta),
             justification="v_θ = -∂/∂θ f(ψθ) = -ψ f'(ψθ)"),
        Step("field-psi", sp.Derivative(_f_taylor(psi * theta) + _f_taylor(0), psi),
             theta * sp.diff(_f_taylor(_t), _t).subs(_t, psi * theta),
             justification="v_ψ = ∂/∂ψ [f(ψθ) + f(0)] = θ f'(ψθ)"),
        Step("equilibrium", sp.Subs(v1**2 + v2**2, (theta, psi), (0, 0)), 0,
             justification="v(0, 0) = 0 (unique when f'(0) != 0: v_θ = 0 needs ψ = 0 or f'(ψθ) = 0)"),
        *_entry_steps("gan", v1, v2, expected, "Lemma: v'(0, 0) = [[0, -f'(0)], [f'(0), 0]]"),
        *_eigen_steps("gan", jac, (sp.I * a, -sp.I * a),
                      "purely imaginary: the linearization neither attracts nor repels"),
        *_entry_steps("nsgan", n1, n2, expected,
                      "the non-saturating generator maximizes f(-ψθ): same Jacobian at (0, 0)"),
        *_f_value_steps("gan"),
    ]
    # continuous time: d/dt (θ² + ψ²) = 2θ v_θ + 2ψ v_ψ = 0 for any f
    f = sp.Function("f")
    w1 = -sp.Derivative(f(psi * theta), theta)
    w2 = sp.Derivative(f(psi * theta) + f(0), psi)
    steps.append(Step("flow-conserves-norm", 2 * theta * w1 + 2 * psi * w2, 0,
                      justification="along the flow x' = v(x), d|x|²/dt = 2 x·v = 0 for every f: "
                                    "the integral curves are circles around the equilibrium"))
    # SimGD: |x + h v|² = |x|² + h²|v|² (x·v = 0), and the linearized modulus
    steps.append(Step("simgd-norm-grows", (theta + h * w1) ** 2 + (psi + h * w2) ** 2,
                      theta**2 + psi**2 + h**2 * (w1**2 + w2**2),
                      justification="expand: the cross term 2h x·v vanishes, so the norm of the "
                                    "SimGD iterates never decreases, for every h > 0"))
    steps.append(Step("simgd-modulus", (1 + sp.I * h * a) * (1 - sp.I * h * a), 1 + h**2 * a**2,
                      justification="eigenvalues 1 ± iha of I + hJ: |1 ± iha|² = 1 + h²a²"))
    steps.append(Step("simgd-unstable", 1 + h**2 * a**2, 1, ">",
                      justification="> 1 for every h > 0: SimGD is not locally convergent"))
    # AltGD: n_g generator steps, then n_d discriminator steps
    n_g, n_d = sp.symbols("n_g n_d", positive=True, integer=True)
    pg_j = sp.Matrix([[0, -a], [0, 0]])
    pd_j = sp.Matrix([[0, 0], [a, 0]])
    steps.append(Step("altgd-nilpotent", sum((pg_j * pg_j).applyfunc(lambda e: e**2))
                      + sum((pd_j * pd_j).applyfunc(lambda e: e**2)), 0,
                      justification="(P_g J)² = (P_d J)² = 0, so (I + h P J)^n = I + n h P J"))
    m = (sp.eye(2) + n_d * h * pd_j) * (sp.eye(2) + n_g * h * pg_j)
    alpha_sq = n_g * n_d * h**2 * a**2
    steps.append(Step("altgd-det", m.det(), 1, justification="det of the product = 1 · 1"))
    steps.append(Step("altgd-trace", m.trace(), 2 - alpha_sq,
                      justification="trace = 2 - α² with α = √(n_g n_d) h f'(0)"))
    root = sp.sqrt((1 - alpha_sq / 2) ** 2 - 1)
    steps.append(Step("altgd-eigenvalues", sp.FiniteSet(*m.eigenvals().keys()),
                      sp.FiniteSet(1 - alpha_sq / 2 + root, 1 - alpha_sq / 2 - root),
                      justification="roots of λ² - (2 - α²) λ + 1"))
    s = sp.Symbol("s", positive=True)  # s = α²
    steps.append(Step("altgd-unit-circle", 1 - (1 - s / 2) ** 2, 0, ">", assumptions=(s < 4,),
                      justification="for α² < 4 the discriminant (1 - α²/2)² - 1 < 0: a conjugate "
                                    "pair with product det = 1, i.e. |λ| = 1 (no linear convergence)"))
    steps.append(Step("altgd-outside", -(1 - s / 2 - sp.sqrt((1 - s / 2) ** 2 - 1)), 1, ">",
                      assumptions=(s > 4,),
                      justification="for α² > 4 the eigenvalue 1 - α²/2 - √(...) is < -1"))
    # alpha = 2: the double eigenvalue -1 is defective, and the iterates grow linearly
    m2 = m.subs(n_g, 1).subs(n_d, 1).subs(h, 2 / a)
    nil = m2 + sp.eye(2)
    steps.append(Step("altgd-alpha2-double-root", sp.FiniteSet(*m2.eigenvals().keys()), sp.FiniteSet(-1),
                      justification="at α = 2 (here n_g = n_d = 1, h = 2/f'(0)) the trace is -2 and "
                                    "the determinant 1: λ = -1 twice"))
    steps.append(Step("altgd-alpha2-defective", sum(nil.applyfunc(lambda e: e**2)), 0, ">",
                      justification="N = M + I is not zero, so -1 has a single eigenvector "
                                    "(a Jordan block, not a multiple of I)"))
    steps.append(Step("altgd-alpha2-nilpotent", sum((nil * nil).applyfunc(lambda e: e**2)), 0,
                      justification="N² = 0 (Cayley-Hamilton for the double root -1)"))
    k = sp.Symbol("k", nonnegative=True, integer=True)
    power = (-1) ** k * (sp.eye(2) - k * nil)
    steps.append(Step("altgd-alpha2-power", sum((m2 * power - (-1) ** (k + 1) * (sp.eye(2) - (k + 1) * nil))
                                                .applyfunc(lambda e: sp.expand(e) ** 2)), 0,
                      justification="induction step: M (-1)^k (I - kN) = (-1)^(k+1) (I - (k+1) N) since "
                                    "M = -I + N and N² = 0; with M^0 = I, M^k = (-1)^k (I - kN)"))
    x0 = sp.Matrix([theta, psi])
    xk = power * x0
    steps.append(Step("altgd-alpha2-linear-growth", sp.expand((xk.T * xk)[0, 0]),
                      sp.expand((x0.T * x0)[0, 0] - 2 * k * (x0.T * nil * x0)[0, 0]
                                + k**2 * ((nil * x0).T * (nil * x0))[0, 0]),
                      justification="|x_k|² = |x_0|² - 2k x_0·N x_0 + k²|N x_0|²: |x_k| grows like "
                                    "k |N x_0| unless N x_0 = 0 (bounded only on the eigenvector line)"))
    return Derivation(
        "mescheder2018/dirac-gan-unregularized",
        "Unregularized Dirac-GAN: Jacobian eigenvalues ±f'(0)i; circles in continuous time; "
        "SimGD diverges for every step; AltGD eigenvalues on the unit circle for α < 2, a defective "
        "double eigenvalue -1 (linear growth) at α = 2",
        f"{PAPER}, Section 2 (Dirac-GAN: the lemmas on its Jacobian, the continuous system, "
        "simultaneous and alternating gradient descent)",
        steps,
        "f enters as its Taylor polynomial a t + b t²/2 + c t³/6 (a = f'(0) > 0) for the Jacobian; "
        "the conservation law and the SimGD norm identity use an arbitrary function f. The "
        "AltGD steps use the linear update at the equilibrium; α = 2 gives the double eigenvalue -1.",
    )


@derivation("mescheder2018/dirac-gan-wgan")
def wgan() -> Derivation:
    """WGAN on the Dirac-GAN: f(t) = t gives the eigenvalues ±i.

    Source: Mescheder et al. (2018), Section 3 (Wasserstein GAN).
    """
    f = LOSS_F["wgan"]
    v1 = -sp.diff(f.subs(_t, psi * theta), theta)
    v2 = sp.diff(f.subs(_t, psi * theta) + f.subs(_t, 0), psi)
    jac = _jacobian_at_zero(v1, v2)
    steps = [
        *_f_value_steps("wgan"),
        Step("field-theta", -sp.Derivative(f.subs(_t, psi * theta), theta), -psi,
             justification="v_θ = -∂(ψθ)/∂θ: the WGAN field is linear"),
        Step("field-psi", sp.Derivative(f.subs(_t, psi * theta) + f.subs(_t, 0), psi), theta,
             justification="v_ψ = ∂(ψθ)/∂ψ"),
        *_entry_steps("wgan", v1, v2, sp.Matrix([[0, -1], [1, 0]]), "f'(0) = 1"),
        *_eigen_steps("wgan", jac, (sp.I, -sp.I), "on the imaginary axis, as for the GAN"),
    ]
    return Derivation(
        "mescheder2018/dirac-gan-wgan",
        "WGAN on the Dirac-GAN: Jacobian [[0, -1], [1, 0]], eigenvalues ±i",
        f"{PAPER}, Section 3 (Wasserstein GAN)",
        steps,
        "Weight clipping ψ ∈ [-c, c] does not act for |ψ| < c, so near the equilibrium the "
        "clipped WGAN has the same linearization: SimGD's modulus √(1 + h²) > 1, AltGD's "
        "eigenvalues on the unit circle for h < 2.",
    )


@derivation("mescheder2018/dirac-gan-gradient-penalty")
def gradient_penalty() -> Derivation:
    """R1 and R2 on the Dirac-GAN: eigenvalues -γ/2 ± √(γ²/4 - f'(0)²), Re λ < 0.

    Source: Mescheder et al. (2018), Section 3 (zero-centred gradient penalties).
    """
    steps: list[Step] = []
    expected = sp.Matrix([[0, -a], [a, -gamma]])
    root = sp.sqrt(gamma**2 / 4 - a**2)
    for reg in ("r1", "r2"):
        v1, v2 = _fields("gan", reg)
        jac = _jacobian_at_zero(v1, v2)
        steps += _entry_steps(reg, v1, v2, expected,
                              f"penalty (γ/2)|∂D/∂x|² at x = {'0 (data)' if reg == 'r1' else 'θ (sample)'}, "
                              "∂D/∂x = ψ")
    steps += _eigen_steps("gp", expected, (-gamma / 2 + root, -gamma / 2 - root),
                          "the paper's -γ/2 ± √(γ²/4 - f'(0)²)")
    steps += _hurwitz_steps("gp", expected, -gamma, a**2)
    return Derivation(
        "mescheder2018/dirac-gan-gradient-penalty",
        "Zero-centred gradient penalties (R1, R2) on the Dirac-GAN: eigenvalues "
        "-γ/2 ± √(γ²/4 - f'(0)²), both with negative real part for γ > 0",
        f"{PAPER}, Section 3 (zero-centred gradient penalties)",
        steps,
        "For the linear discriminator ∂D/∂x = ψ at every x, so R1 and R2 coincide: "
        "(γ/2)ψ². γ = 2f'(0) is critical damping (a double real eigenvalue -γ/2).",
    )


@derivation("mescheder2018/dirac-gan-instance-noise")
def instance_noise() -> Derivation:
    """Instance noise on the Dirac-GAN: eigenvalues f''(0)σ² ± √(f''(0)²σ⁴ - f'(0)²).

    Source: Mescheder et al. (2018), Section 3 (instance noise).
    """
    v1, v2 = _fields("gan", "instance-noise")
    jac = _jacobian_at_zero(v1, v2)
    expected = sp.Matrix([[0, -a], [a, 2 * b * sigma**2]])
    root = sp.sqrt(b**2 * sigma**4 - a**2)
    b_neg = sp.Symbol("b_neg", negative=True)
    steps = [
        Step("gaussian-second-moment", _gaussian_mean(eps**2, eps), sigma**2,
             justification="E ε² = σ² (Gaussian moments; odd moments vanish)"),
        *_entry_steps("noise", v1, v2, expected,
                      "E[(θ + ε)² f''] + E[ε'² f''] = 2σ² f''(0) at the equilibrium"),
        *_eigen_steps("noise", jac, (b * sigma**2 + root, b * sigma**2 - root),
                      "the paper's f''(0)σ² ± √(f''(0)²σ⁴ - f'(0)²)"),
        *_hurwitz_steps("noise", expected.subs(b, b_neg), 2 * b_neg * sigma**2, a**2),
        *_f_value_steps("gan"),
    ]
    return Derivation(
        "mescheder2018/dirac-gan-instance-noise",
        "Instance noise on the Dirac-GAN: eigenvalues f''(0)σ² ± √(f''(0)²σ⁴ - f'(0)²), "
        "negative real part when f''(0) < 0 and σ > 0",
        f"{PAPER}, Section 3 (instance noise)",
        steps,
        "The expectation over ε ~ N(0, σ²) is taken exactly on the Taylor polynomial of f "
        "(moments E ε = E ε³ = 0, E ε² = σ²). For the GAN f''(0) = -1/4 < 0; for the WGAN "
        "f'' = 0 and instance noise does not change the Jacobian.",
    )


@derivation("mescheder2018/dirac-gan-consensus")
def consensus() -> Derivation:
    """Consensus optimization on the Dirac-GAN: eigenvalues -γf'(0)² ± if'(0).

    Source: Mescheder et al. (2018), Section 3 (consensus optimization of Mescheder et al. 2017).
    """
    v1, v2 = _fields("gan", "consensus")
    jac = _jacobian_at_zero(v1, v2)
    expected = sp.Matrix([[-gamma * a**2, -a], [a, -gamma * a**2]])
    lam_c = -gamma * a**2 + sp.I * a
    steps = [
        *_entry_steps("consensus", v1, v2, expected, "w' = v' - γ v'ᵀv' at v = 0, v'ᵀv' = a² I"),
        *_eigen_steps("consensus", jac, (lam_c, sp.conjugate(lam_c)), "-γf'(0)² ± i f'(0)"),
        *_hurwitz_steps("consensus", expected, -2 * gamma * a**2, gamma**2 * a**4 + a**2),
        Step("simgd-modulus", sp.expand((1 + h * lam_c) * (1 + h * sp.conjugate(lam_c))) - 1,
             h * (h * (gamma**2 * a**4 + a**2) - 2 * gamma * a**2),
             justification="|1 + hλ|² - 1 for the eigenvalues of consensus optimization"),
        Step("simgd-step-bound", h * (h * (gamma**2 * a**4 + a**2) - 2 * gamma * a**2), 0, "<",
             assumptions=(h < 2 * gamma / (gamma**2 * a**2 + 1),),
             justification="SimGD converges for h < 2γ/(γ²f'(0)² + 1)"),
    ]
    return Derivation(
        "mescheder2018/dirac-gan-consensus",
        "Consensus optimization on the Dirac-GAN: eigenvalues -γf'(0)² ± i f'(0); SimGD "
        "converges for h < 2γ/(γ²f'(0)² + 1)",
        f"{PAPER}, Section 3 (consensus optimization); Mescheder et al. (2017), Section 4",
        steps,
        "The field w = v - γ∇(|v|²/2) is differentiated as written (second derivatives of f "
        "included); at the equilibrium only v'ᵀv' survives.",
    )


@derivation("mescheder2018/dirac-gan-wgan-gp")
def wgan_gp() -> Derivation:
    """WGAN-GP on the Dirac-GAN: the field jumps by 2γg₀ across ψ = 0.

    Source: Mescheder et al. (2018), Section 3 (WGAN-GP).
    """
    disc = psi * theta - gamma / 2 * (sp.Abs(psi) - g0) ** 2
    v2 = sp.diff(disc, psi)
    plus_branch = (-psi, theta - gamma * (psi - g0))
    minus_branch = (-psi, theta - gamma * (psi + g0))
    steps = [
        Step("field-psi", sp.Derivative(disc, psi), theta - gamma * (sp.Abs(psi) - g0) * sp.sign(psi),
             justification="∂/∂ψ [θψ - (γ/2)(|ψ| - g₀)²], d|ψ|/dψ = sign ψ"),
        Step("limit-right", sp.Limit(v2, psi, 0, "+"), theta + gamma * g0,
             justification="ψ → 0⁺: the penalty pushes ψ up"),
        Step("limit-left", sp.Limit(v2, psi, 0, "-"), theta - gamma * g0,
             justification="ψ → 0⁻: the penalty pushes ψ down"),
        Step("jump", sp.Limit(v2, psi, 0, "+") - sp.Limit(v2, psi, 0, "-"), 2 * gamma * g0,
             justification="v_ψ is discontinuous at ψ = 0 for γg₀ > 0: no Jacobian at the "
                           "equilibrium"),
        Step("jump-positive", 2 * gamma * g0, 0, ">",
             justification="for |θ| < γg₀ the line ψ = 0 repels on both sides"),
        *_entry_steps("branch", *plus_branch, sp.Matrix([[0, -1], [1, -gamma]]),
                      "the ψ > 0 branch, smooth up to ψ = 0"),
        Step("branch-plus-zero", sp.Subs(plus_branch[0] ** 2 + plus_branch[1] ** 2, (theta, psi),
                                         (-gamma * g0, 0)), 0,
             justification="the ψ > 0 branch vanishes only at (-γg₀, 0), not inside ψ > 0"),
        Step("branch-minus-zero", sp.Subs(minus_branch[0] ** 2 + minus_branch[1] ** 2, (theta, psi),
                                          (gamma * g0, 0)), 0,
             justification="the ψ < 0 branch vanishes only at (γg₀, 0), not inside ψ < 0"),
    ]
    return Derivation(
        "mescheder2018/dirac-gan-wgan-gp",
        "WGAN-GP on the Dirac-GAN: the penalty (γ/2)(|ψ| - g₀)² makes the field jump by 2γg₀ "
        "across ψ = 0, so the equilibrium has no Jacobian and ψ is pushed away from 0",
        f"{PAPER}, Section 3 (WGAN-GP)",
        steps,
        "WGAN loss f(t) = t. Neither smooth branch has its zero inside its own half-plane, so "
        "the only stationary point is (0, 0) with the convention sign(0) = 0, where the field "
        "is discontinuous; Mescheder et al. conclude that WGAN-GP with a finite number of "
        "discriminator updates is not always locally convergent.",
    )


def _combined(did: str, title: str, source: str, parts: tuple[str, ...]) -> Derivation:
    """One derivation made of several registered ones, each step prefixed by its part's name
    (so step names stay unique) and its lemma citations renamed alike."""
    import dataclasses

    from proofs_check.core import registered

    steps = []
    for part in parts:
        sub = registered()[part].build()
        short = part.split("/", 1)[1].removeprefix("dirac-gan-")
        for s in sub.steps:
            by = tuple(dataclasses.replace(i, lemma=f"{short}:{i.lemma}") for i in s.by)
            steps.append(dataclasses.replace(s, name=f"{short}:{s.name}", by=by))
    return Derivation(did, title, source, steps,
                      "The steps of " + ", ".join(parts) + ", checked together (each part's "
                      "steps keep its own assumptions).")


@derivation("mescheder2018/dirac-gan-jacobians")
def all_jacobians() -> Derivation:
    """Every Dirac-GAN Jacobian and eigenvalue pair of Sections 2-3 in one chain.

    Source: Mescheder et al. (2018), Sections 2 and 3.
    """
    return _combined("mescheder2018/dirac-gan-jacobians",
                     "Dirac-GAN Jacobians and eigenvalues: unregularized, WGAN, gradient penalties, "
                     "instance noise, consensus", f"{PAPER}, Sections 2-3",
                     ("mescheder2018/dirac-gan-unregularized", "mescheder2018/dirac-gan-wgan",
                      "mescheder2018/dirac-gan-gradient-penalty",
                      "mescheder2018/dirac-gan-instance-noise", "mescheder2018/dirac-gan-consensus"))


@derivation("mescheder2018/dirac-gan-regularized")
def regularized() -> Derivation:
    """Gradient penalties and instance noise make the Dirac-GAN equilibrium Hurwitz.

    Source: Mescheder et al. (2018), Section 3 (Lemmas on instance noise and R1/R2).
    """
    return _combined("mescheder2018/dirac-gan-regularized",
                     "Gradient penalty (R1/R2) and instance noise: the Dirac-GAN Jacobian is Hurwitz",
                     f"{PAPER}, Section 3",
                     ("mescheder2018/dirac-gan-gradient-penalty",
                      "mescheder2018/dirac-gan-instance-noise"))
