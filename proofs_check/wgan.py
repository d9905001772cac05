"""WGAN, WGAN-GP, Arjovsky & Bottou (2017) and BEGAN: the algebra behind :mod:`theory.wgan` and
:mod:`theory.gan_training_theory`, checked step by step.

Derivations
-----------
``gulrajani2017/gp-pointwise-maximizer``
    On the line, E_p f - E_q f = ∫ f' Δ dx (Δ = F_q - F_p) and the penalty is
    λ ∫ ρ (|f'| - 1)² dx, so the critic objective is maximized pointwise in g = f':
    h(g) = gΔ - λρ(|g| - 1)² has, for Δ > 0, its maximum at g* = 1 + Δ/(2λρ) with value
    Δ + Δ²/(4λρ); the gap Δ²/(4λρ) is positive and λ·gap does not depend on λ; for Δ = 0 the
    maximum 0 is at |g| = 1.  Two point masses at distance d: value d + d²/(4λ).
``gulrajani2017/gp-pointwise-maximizer-broken`` (example, not verified by default)
    The same chain with the value Δ + Δ²/(2λρ); the checker must stop there.
``berthelot2017/controller-fixed-point-and-rate``
    BEGAN's k update with L(x) = L and L(G(z)) = a + b k: the equilibrium
    γL = a + bk* gives k* = (γL - a)/b, the update is affine with k_{t+1} - k* =
    (1 - λ_k b)(k_t - k*), stable iff 0 < λ_k b < 2; outside [0, 1] the drift pushes k into
    the boundary; M_global = L at the equilibrium.
``arjovsky-bottou2017/thm2.4-logistic-toy``
    The generator gradient of log(1 - D) for g_θ(z) = θ + z, z ~ U[0, 1], against
    D = σ(w x + b) in closed form, and the pointwise steps of Theorem 2.4's bound.
``arjovsky-bottou2017/thm2.5-two-atom-generator``
    Theorem 2.5 on a generator with two atoms, P = (s, 1 - s) (s = σ(θ) for softmax logits
    (θ, 0)): with D* built at s_0 and held fixed, d/ds E_P[-log D*] at s_0 = s equals
    d/ds [KL(P ‖ P_r) - 2 JSD(P ‖ P_r)].
``arjovsky-bottou2017/instance-noise-parallel-lines``
    With noise on both parallel lines the vertical factor cancels in the density ratio, and
    KL(N(θ, σ²) ‖ N(0, σ²)) = θ²/(2σ²) (whence JSD <= θ²/(4σ²) → 0 as θ → 0).
``arjovsky2017/clipped-linear-critic``
    A linear critic w x + b with |w| <= c: its value w(E_p x - E_q x) (the bias cancels) is at
    most c |E_p x - E_q x|, attained at w = ±c.

Helpers for claims: :func:`symbolic_gp_slope` and :func:`symbolic_began_fixed_point` (the
solutions found by ``sympy.solve``, not typed in).
"""

from __future__ import annotations

import functools

import sympy as sp

from proofs_check.core import Derivation, Step, derivation, stationary_point_function, unique_solution

__all__ = [
    "symbolic_gp_slope",
    "symbolic_began_fixed_point",
    "gp_pointwise_maximizer",
    "broken_example",
    "BROKEN_STEP",
    "began_controller",
    "thm24_logistic_toy",
    "thm25_two_atom_generator",
    "instance_noise_parallel_lines",
    "clipped_linear_critic",
]

WGAN = 'Arjovsky, Chintala & Bottou (2017), "Wasserstein GAN"'
WGAN_GP = 'Gulrajani et al. (2017), "Improved Training of Wasserstein GANs"'
AB = ('Arjovsky & Bottou (2017), "Towards Principled Methods for Training Generative '
      'Adversarial Networks"')
BEGAN = ('Berthelot, Schumm & Metz (2017), "BEGAN: Boundary Equilibrium Generative Adversarial '
         'Networks"')

#: The step that :func:`broken_example` gets wrong.
BROKEN_STEP = "pointwise-value"


def _sigmoid(x):
    return 1 / (1 + sp.exp(-x))


# --------------------------------------------------------------------------- WGAN-GP


def _gp_symbols():
    return sp.symbols("Delta lambda rho", positive=True)


def _h(g, delta, lam, rho):
    """The pointwise objective g Δ - λρ(|g| - 1)²."""
    return g * delta - lam * rho * (sp.Abs(g) - 1) ** 2


@functools.cache
def symbolic_gp_slope() -> sp.Lambda:
    """The maximizer of g -> gΔ - λρ(g - 1)² over g > 0, from ``sympy.solve`` on h'(g) = 0.

    g*(Δ, λ, ρ) = 1 + Δ/(2λρ) (Δ, λ, ρ > 0); for Δ < 0 the maximizer is -g*(|Δ|, λ, ρ).

    Source: Gulrajani et al. (2017), eq. (3) (the penalized critic objective), pointwise on
    the line.

    Returns
    -------
    sympy.Lambda
        A function of ``(Delta, lambda, rho)`` (positive symbols), from
        :func:`~proofs_check.core.stationary_point_function` (a RuntimeError if sympy does not
        find exactly one stationary point).

    Examples
    --------
    >>> symbolic_gp_slope()(1, 10, sp.Rational(1, 2))
    11/10
    """
    delta, lam, rho = _gp_symbols()
    g = sp.Symbol("g", positive=True)
    return stationary_point_function((delta, lam, rho), g * delta - lam * rho * (g - 1) ** 2, g)


@functools.cache
def _gp_derivation() -> Derivation:
    delta, lam, rho = _gp_symbols()
    g = sp.Symbol("g", positive=True)
    t = sp.Symbol("t", positive=True)
    g_real = sp.Symbol("g", real=True)
    h = _h(g, delta, lam, rho)  # |g| = g for g > 0
    dh = delta - 2 * lam * rho * (g - 1)
    g_star = 1 + delta / (2 * lam * rho)
    value = delta + delta**2 / (4 * lam * rho)
    d, x = sp.symbols("d x", positive=True)
    steps = [
        Step("negative-slopes-lose", _h(t, delta, lam, rho), _h(-t, delta, lam, rho), ">",
             justification="for Δ > 0 and t > 0, h(t) - h(-t) = 2tΔ > 0: the maximizer is positive"),
        Step("first-derivative", sp.Derivative(h, g), dh,
             justification="on g > 0, h(g) = gΔ - λρ(g - 1)²"),
        Step("stationary-point", sp.ConditionSet(g, sp.Eq(dh, 0), sp.S.Reals),
             sp.FiniteSet(g_star), justification="Δ = 2λρ(g - 1) has the single root g*"),
        Step("solver-agrees", symbolic_gp_slope()(delta, lam, rho), g_star,
             justification="symbolic_gp_slope(): sympy.solve on h'(g) = 0"),
        Step("second-derivative", sp.Derivative(h, (g, 2)), -2 * lam * rho,
             justification="differentiate h'(g)"),
        Step("strictly-concave", -2 * lam * rho, 0, "<", justification="λ, ρ > 0"),
        Step("global-maximum", h.subs(g, g_star) - h, lam * rho * (g - g_star) ** 2,
             justification="h(g*) - h(g) = λρ(g - g*)² >= 0: a global maximum on g > 0"),
        Step(BROKEN_STEP, h.subs(g, g_star), value,
             justification="h(g*) = Δ g* - Δ²/(4λρ) = Δ + Δ²/(4λρ); integrated over the line, "
                           "Σ width |Δ| = W1 and the rest is the gap"),
        Step("gap-positive", delta**2 / (4 * lam * rho), 0, ">",
             justification="the penalized optimum exceeds W1 wherever Δ ≠ 0"),
        Step("gap-times-lambda", lam * (value - delta), delta**2 / (4 * rho),
             justification="λ · gap does not depend on λ: the gap falls exactly like 1/λ"),
        Step("slope-excess", g_star - 1, delta / (2 * lam * rho),
             justification="|f'| - 1 = |Δ|/(2λρ) > 0: Proposition 1's unit norm only as λ -> ∞"),
        Step("zero-delta", _h(g_real, 0, lam, rho), 0, "<=",
             justification="Δ = 0: h = -λρ(|g| - 1)² <= 0 = h(±1)"),
        Step("two-point-masses",
             sp.Integral(value.subs({delta: 1, rho: 1 / d}), (x, 0, d)), d + d**2 / (4 * lam),
             justification="p = δ_y, q = δ_{y-d}: Δ = 1 and ρ = 1/d on the segment of length d"),
    ]
    return Derivation(
        "gulrajani2017/gp-pointwise-maximizer",
        "WGAN-GP on the line: the penalized critic's slope is sign(Δ)(1 + |Δ|/(2λρ)) and its "
        "value W1 + ∫ Δ²/(4λρ)",
        f"{WGAN_GP}, eq. (3), Section 4, Algorithm 1 and Proposition 1",
        steps,
        "Δ = F_q - F_p (CDFs of the generator and the data), ρ the density of the interpolates "
        "x̂ = εx + (1 - ε)x̃; E_p f - E_q f = ∫ f' Δ dx by parts. Δ < 0 mirrors Δ > 0 (g -> -g). "
        "Where ρ = 0 and Δ ≠ 0, h = gΔ is unbounded and the supremum is +inf (not checked "
        "here: no algebra). theory.wgan.wgan_gp_optimal_critic_1d sums these pointwise values "
        "over the cells between atoms.",
    )


@derivation("gulrajani2017/gp-pointwise-maximizer")
def gp_pointwise_maximizer() -> Derivation:
    """WGAN-GP's penalized critic on the line, maximized pointwise.

    Source: Gulrajani et al. (2017), eq. (3), Section 4, Algorithm 1, Proposition 1.
    """
    return _gp_derivation()


@derivation("gulrajani2017/gp-pointwise-maximizer-broken", example=True)
def broken_example() -> Derivation:
    """The WGAN-GP derivation with one deliberate error: value Δ + Δ²/(2λρ) (a factor 2).

    A negative control for the checker; registered with ``example=True``.

    Source: Gulrajani et al. (2017), eq. (3) (altered).
    """
    delta, lam, rho = _gp_symbols()
    return _gp_derivation().broken_copy(
        "gulrajani2017/gp-pointwise-maximizer-broken",
        "WGAN-GP pointwise maximum with a deliberate error (example for the checker)",
        BROKEN_STEP, rhs=delta + delta**2 / (2 * lam * rho), note="deliberately wrong: 4λρ, not 2λρ",
        notes=f"Example only: the step {BROKEN_STEP} uses Δ²/(2λρ) where the maximum is Δ²/(4λρ).",
    )


# --------------------------------------------------------------------------- BEGAN


def _began_symbols():
    return sp.symbols("gamma L a b", positive=True)


@functools.cache
def symbolic_began_fixed_point() -> sp.Lambda:
    """k* solving the equilibrium γ L(x) = L(G(z)) = a + b k, from ``sympy.solve``.

    k*(γ, L, a, b) = (γL - a)/b.

    Source: Berthelot, Schumm & Metz (2017), Section 3.3 (equilibrium) and Section 3.4.

    Returns
    -------
    sympy.Lambda
        A function of ``(gamma, L, a, b)`` (positive symbols).

    Raises
    ------
    RuntimeError
        If sympy does not find exactly one solution.

    Examples
    --------
    >>> symbolic_began_fixed_point()(sp.Rational(1, 2), sp.Rational(1, 5), sp.Rational(1, 20),
    ...                              sp.Rational(1, 10))
    1/2
    """
    gamma, L, a, b = _began_symbols()
    k = sp.Symbol("k", real=True)
    return sp.Lambda((gamma, L, a, b), unique_solution(sp.Eq(gamma * L, a + b * k), k))


@derivation("berthelot2017/controller-fixed-point-and-rate")
def began_controller() -> Derivation:
    """BEGAN's k_t controller on a toy with L(G(z)) = a + b k: fixed point, rate, boundaries.

    Source: Berthelot, Schumm & Metz (2017), Sections 3.3, 3.4 and 3.4.1.
    """
    gamma, L, a, b = _began_symbols()
    lam, gain, u = sp.symbols("lambda_k g u", positive=True)
    k = sp.Symbol("k", real=True)
    balance = gamma * L - (a + b * k)
    update = k + lam * balance
    k_star = (gamma * L - a) / b
    steps = [
        Step("equilibrium", sp.ConditionSet(k, sp.Eq(balance, 0), sp.S.Reals),
             sp.FiniteSet(k_star), justification="γ L(x) = L(G(z)) = a + b k (Section 3.3)"),
        Step("solver-agrees", symbolic_began_fixed_point()(gamma, L, a, b), k_star,
             justification="symbolic_began_fixed_point(): sympy.solve"),
        Step("fixed-point", update.subs(k, k_star), k_star,
             justification="the balance vanishes at k*, so the update leaves it unchanged"),
        Step("affine-error", update - k_star, (1 - lam * b) * (k - k_star),
             justification="the toy is affine: the error is multiplied by 1 - λ_k b each step"),
        Step("linearized-rate", sp.Derivative(update, k), 1 - lam * b,
             justification="derivative of the update map"),
        Step("stable-if-gain-below-2", (1 - gain) ** 2, 1, "<", assumptions=(gain < 2,),
             justification="with g = λ_k b > 0: (1 - g)² - 1 = g(g - 2) < 0 for g < 2"),
        Step("unstable-if-gain-above-2", (1 - gain) ** 2, 1, ">", assumptions=(gain > 2,),
             justification="g(g - 2) > 0: the error grows (alternating in sign) until the clip"),
        Step("lower-boundary", update.subs({k: 0, a: gamma * L + u}), 0, "<",
             justification="if a = γL + u > γL (k* < 0), the update from k = 0 is negative: "
                           "the clip keeps k at 0"),
        Step("upper-boundary", update.subs({k: 1, a: gamma * L - b - u}), 1, ">",
             justification="if γL - a = b + u > b (k* > 1), the update from k = 1 exceeds 1: "
                           "the clip keeps k at 1"),
        Step("m-global-at-equilibrium", L + sp.Abs(balance.subs(k, k_star)), L,
             justification="M_global = L(x) + |γ L(x) - L(G(z))| = L(x) at the equilibrium "
                           "(Section 3.4.1)"),
    ]
    return Derivation(
        "berthelot2017/controller-fixed-point-and-rate",
        "BEGAN's k_t controller on a linear toy: k* = clip((γL - a)/b, 0, 1), rate 1 - λ_k b",
        f"{BEGAN}, Sections 3.3, 3.4 and 3.4.1",
        steps,
        "L(x) = L constant and L(G(z)) = a + b k with b > 0 (the discriminator's response to k). "
        "The paper writes the update without the clip and states k_t ∈ [0, 1]; the clip to "
        "[0, 1] is how the reference implementations keep it there.",
    )


# --------------------------------------------------------------------------- Arjovsky & Bottou


@derivation("arjovsky-bottou2017/thm2.4-logistic-toy")
def thm24_logistic_toy() -> Derivation:
    """Theorem 2.4 on g_θ(z) = θ + z, z ~ U[0, 1], against a logistic discriminator.

    Source: Arjovsky & Bottou (2017), Theorem 2.4 and its proof.
    """
    theta, z, b = sp.symbols("theta z b", real=True)
    w, s, u, eps = sp.symbols("w s u epsilon", positive=True)
    D = _sigmoid(w * (theta + z) + b)
    steps = [
        Step("chain-rule", sp.Derivative(sp.log(1 - D), theta), -w * D,
             justification="d/dθ log(1 - σ(u)) = -σ(u) du/dθ, du/dθ = w (J_θ g_θ = 1, M = 1)"),
        Step("expected-gradient", sp.Integral(-w * D, (z, 0, 1)),
             sp.log(1 + sp.exp(w * theta + b)) - sp.log(1 + sp.exp(w * (theta + 1) + b)),
             justification="softplus(u_lo) - softplus(u_hi), as theory.gan_training_theory "
                           "computes it"),
        Step("pointwise-from-epsilon", ((s + w * s * (1 - s) + u) - s) / (1 - s), w * s, ">=",
             assumptions=(s < 1,),
             justification="ε = s + w s(1 - s) + u (u >= 0) bounds |D - D*| + |D' - D*'| with "
                           "D* = D*' = 0 on supp P_g; then w σ <= (ε - s)/(1 - s)"),
        Step("paper-bound", eps / (1 - eps), (eps - s) / (1 - s), ">=",
             assumptions=(s < 1, eps < 1),
             justification="ε/(1 - ε) - (ε - s)/(1 - s) = ((ε - s)² + s(1 - s))/((1 - ε)(1 - s))"),
    ]
    return Derivation(
        "arjovsky-bottou2017/thm2.4-logistic-toy",
        "Theorem 2.4 on a logistic toy: the saturating generator gradient is bounded by ε/(1 - ε)",
        f"{AB}, Theorem 2.4 and its proof",
        steps,
        "w > 0 here (the discriminator's boundary on the data's side, to the right); w < 0 is "
        "the mirror image. The paper's norm is ‖D‖ = sup_x |D(x)| + ‖∇_x D(x)‖₂; only its part "
        "on supp P_g enters the proof.",
    )


@derivation("arjovsky-bottou2017/thm2.5-two-atom-generator")
def thm25_two_atom_generator() -> Derivation:
    """Theorem 2.5 for a generator with two atoms, P = (s, 1 - s), against P_r = (r, 1 - r).

    Source: Arjovsky & Bottou (2017), Theorem 2.5 and its proof.
    """
    s, s0, r = sp.symbols("s s_0 r", positive=True)
    theta = sp.Symbol("theta", real=True)
    dom = (s < 1, r < 1)
    P, R, dP = (s, 1 - s), (r, 1 - r), (1, -1)
    kl = sum(p * sp.log(p / q) for p, q in zip(P, R))
    jsd = (sum(p * sp.log(2 * p / (p + q)) for p, q in zip(P, R))
           + sum(q * sp.log(2 * q / (p + q)) for p, q in zip(P, R))) / 2
    cost_at_s0 = [sp.log((q + p) / q) for p, q in zip((s0, 1 - s0), R)]  # -log D*, built at s0
    grad_kl = sum(d * sp.log(p / q) for d, p, q in zip(dP, P, R))
    grad_2jsd = sum(d * sp.log(2 * p / (p + q)) for d, p, q in zip(dP, P, R))
    grad_cost = sum(d * sp.log((q + p) / q) for d, p, q in zip(dP, P, R))
    steps = [
        Step("softmax-chain-rule", sp.Derivative(_sigmoid(theta), theta),
             _sigmoid(theta) * (1 - _sigmoid(theta)),
             justification="logits (θ, 0): s = σ(θ), so every θ-gradient is s(1 - s) times the "
                           "s-derivative below"),
        Step("fixed-discriminator-gradient",
             sp.Subs(sp.Derivative(sum(p * c for p, c in zip(P, cost_at_s0)), s), s0, s),
             grad_cost, assumptions=dom,
             justification="D* = P_r/(P_r + P_s0) held fixed, evaluated at s0 = s"),
        Step("kl-gradient", sp.Derivative(kl, s), grad_kl, assumptions=dom,
             justification="the terms from differentiating inside the log sum to d/ds(s + 1 - s) = 0"),
        Step("jsd-gradient", sp.Derivative(2 * jsd, s), grad_2jsd, assumptions=dom,
             justification="likewise; only the P-weighted logs survive"),
        Step("theorem-2.5", grad_cost, grad_kl - grad_2jsd, assumptions=dom,
             justification="log((P + P_r)/P_r) = log(P/P_r) - log(P/(P + P_r)), and the log 2 "
                           "terms cancel (Σ dP = 0)"),
        Step("stationary-at-the-data", grad_cost.subs(s, r), 0, assumptions=dom,
             justification="at P = P_r, D* = 1/2 everywhere and the gradient vanishes"),
    ]
    return Derivation(
        "arjovsky-bottou2017/thm2.5-two-atom-generator",
        "Theorem 2.5 on a two-atom generator: E[-∇ log D*] = ∇[KL(P_g ‖ P_r) - 2 JSD(P_g ‖ P_r)]",
        f"{AB}, Theorem 2.5 and its proof",
        steps,
        "For a categorical generator the expectation over z is a sum over atoms and the "
        "gradient acts on the probabilities. P_r must be positive on every atom (else KL = inf).",
    )


@derivation("arjovsky-bottou2017/instance-noise-parallel-lines")
def instance_noise_parallel_lines() -> Derivation:
    """Instance noise on Arjovsky's parallel lines: the JSD reduces to 1-D Gaussians.

    Source: Arjovsky & Bottou (2017), Section 3.1; Arjovsky, Chintala & Bottou (2017),
    Example 1.
    """
    phi0, phit, h = sp.symbols("phi_0 phi_theta h", positive=True)
    x, theta = sp.symbols("x theta", real=True)
    sigma = sp.Symbol("sigma", positive=True)

    def phi(m):
        return sp.exp(-(x - m) ** 2 / (2 * sigma**2)) / (sigma * sp.sqrt(2 * sp.pi))
    steps = [
        Step("vertical-factor-cancels", sp.log(2 * phi0 * h / (phi0 * h + phit * h)),
             sp.log(2 * phi0 / (phi0 + phit)),
             justification="noised densities φ_σ(x) h(y) and φ_σ(x - θ) h(y), h = U[0, 1] * N(0, σ²): "
                           "every ratio in the JSD is free of y, and ∫ h = 1"),
        Step("kl-of-shifted-gaussians",
             sp.Integral(phi(theta) * (sp.log(phi(theta)) - sp.log(phi(0))), (x, -sp.oo, sp.oo)),
             theta**2 / (2 * sigma**2),
             justification="KL(N(θ, σ²) ‖ N(0, σ²)) = θ²/(2σ²), continuous in θ"),
    ]
    return Derivation(
        "arjovsky-bottou2017/instance-noise-parallel-lines",
        "Noise on both parallel lines: JSD = JSD(N(0, σ²) ‖ N(θ, σ²)) <= θ²/(4σ²), continuous in θ",
        f"{AB}, Section 3.1; {WGAN}, Example 1",
        steps,
        "JSD <= (KL(P ‖ Q) + KL(Q ‖ P))/4 = θ²/(4σ²) by convexity of KL in its second argument "
        "(stated, not checked here); without noise the JSD is log 2 for every θ ≠ 0.",
    )


@derivation("arjovsky2017/clipped-linear-critic")
def clipped_linear_critic() -> Derivation:
    """A linear critic with clipped weight only measures the difference of the means.

    Source: Arjovsky, Chintala & Bottou (2017), eq. (3), Section 3 and Algorithm 1.
    """
    w, bias = sp.symbols("w beta", real=True)
    c, m_pos = sp.symbols("c m", positive=True)
    m_neg = sp.Symbol("m", negative=True)
    x = sp.symbols("x1:4", real=True)
    p = sp.symbols("p1:4", positive=True)
    q = sp.symbols("q1:4", positive=True)
    sums = (sp.Eq(sum(p), 1), sp.Eq(sum(q), 1))
    value = sum(pi * (w * xi + bias) for pi, xi in zip(p, x)) - sum(
        qi * (w * xi + bias) for qi, xi in zip(q, x))
    mean_gap = sum(pi * xi for pi, xi in zip(p, x)) - sum(qi * xi for qi, xi in zip(q, x))
    box = (w < c, w > -c)
    half = sp.Rational(1, 2)
    points = dict(zip(x, (-1, 0, 1)))
    pair0 = {**points, **dict(zip(p, (0, 1, 0))), **dict(zip(q, (half, 0, half)))}
    pair1 = {**points, **dict(zip(p, (0, 1, 0))), **dict(zip(q, (0, 0, 1)))}
    steps = [
        Step("bias-cancels", value, w * mean_gap, assumptions=sums,
             justification="E_p[w x + β] - E_q[w x + β] = w(E_p x - E_q x) on three atoms"),
        Step("bound-positive-mean-gap", w * m_pos, c * m_pos, "<", assumptions=box,
             justification="m = E_p x - E_q x > 0: w m < c m, approached as w -> c"),
        Step("bound-negative-mean-gap", w * m_neg, c * sp.Abs(m_neg), "<", assumptions=box,
             justification="m < 0: w m < -c m = c|m|, approached as w -> -c"),
        Step("pair-0-equal-means", sp.Subs(value, tuple(pair0), tuple(pair0.values())), 0,
             justification="p = δ_0, q = ½(δ_-1 + δ_1): every linear critic has value 0, while "
                           "W1 = 1 (each half moves by 1)"),
        Step("pair-1-shifted", sp.Subs(value, tuple(pair1), tuple(pair1.values())), -w,
             justification="p = δ_0, q = δ_1: value -w, whose supremum over |w| <= c is c, "
                           "while W1 = 1 again: no K gives K·W1 = 0 and K·W1 = c"),
    ]
    return Derivation(
        "arjovsky2017/clipped-linear-critic",
        "Weight clipping on a linear critic gives c|E_p x - E_q x|, not a multiple of W1",
        f"{WGAN}, eq. (3), Section 3 and Algorithm 1",
        steps,
        "The paper states the K · W1 reading under the assumption that the supremum of eq. (2) "
        "is attained inside the clipped family; for linear critics it is not as soon as the "
        "optimal critic is non-linear (theory.wgan.weight_clipping_counterexample: two pairs "
        "with W1 = 1 and clipped values 0 and c). In d dimensions the same argument per "
        "coordinate gives c ‖E_p x - E_q x‖₁.",
    )
