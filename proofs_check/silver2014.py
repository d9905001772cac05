"""Derivations from Silver et al. (2014): the deterministic policy gradient, on the scalar LQR,
and the DDPG actor update read as a conditional-GAN generator update.

Silver, D., Lever, G., Heess, N., Degris, T., Wierstra, D. & Riedmiller, M. (2014),
"Deterministic Policy Gradient Algorithms", ICML: eq. (8) (J(μ_θ) = ∫ ρ^μ(s) r(s, μ_θ(s)) ds with
the unnormalized discounted state distribution ρ^μ) and Theorem 1, eq. (9)
(∇_θ J = ∫ ρ^μ(s) ∇_θ μ_θ(s) ∇_a Q^μ(s, a)|_{a = μ_θ(s)} ds).
Lillicrap et al. (2016), "Continuous control with deep reinforcement learning", eq. (6) (the
sampled actor gradient of DDPG).

Derivations:

- ``silver2014/dpg-theorem-lqr`` — on the scalar discounted LQR x' = a x + b u + σ w with reward
  −(q x² + r u²) and the linear policy μ_k(x) = −k x: the quadratic value solves the Bellman
  equation, Q_k has the closed form of :mod:`theory.lqr`, the discounted second moment solves its
  recursion, eq. (8) gives J(k), and dJ/dk (differentiating the closed form, p_k included)
  equals the DPG theorem's ∫ ρ^μ(s) ∂μ/∂k ∂Q_k/∂u ds; it vanishes at the Riccati gain k*, where
  p_{k*} = P;
- ``silver2014/actor-update-equals-conditional-gan-generator`` — the DDPG actor loss
  −E_s Q(s, μ_θ(s)) is the generator loss −E_s D(s, G_θ(s)) of a conditional GAN whose
  discriminator D = Q sees the state as its condition; both gradients equal the DPG product
  E_s[∇_θ G(s) ∂D/∂u|_{u = G(s)}] (arbitrary differentiable D and G; a linear actor and a
  quadratic critic on a batch of three states and under s ~ N(m, v)); with a logistic
  discriminator D = σ(f), the non-saturating generator gradient is the DPG of the critic log D;
- ``silver2014/dpg-theorem-lqr-broken`` (example) — the DPG written with the normalized
  state distribution (1 − γ) ρ^μ (a probability distribution, like the replayed-state average
  of DDPG's sampled update, Lillicrap et al. 2016, eq. (6), which weighs states by the
  behaviour distribution ρ^β without the factor 1/(1 − γ)): the checker stops at that step.
"""

from __future__ import annotations

import dataclasses

import sympy as sp

from proofs_check.core import Derivation, Step, derivation

__all__ = [
    "PAPER",
    "BROKEN_STEP",
    "lqr_symbols",
    "dpg_theorem_lqr",
    "actor_update_equals_conditional_gan_generator",
    "broken_example",
]

PAPER = 'Silver, Lever, Heess, Degris, Wierstra & Riedmiller (2014), "Deterministic Policy Gradient Algorithms"'

#: The step that :func:`broken_example` gets wrong.
BROKEN_STEP = "dpg-theorem"


def lqr_symbols() -> dict:
    """The symbols and closed forms of the scalar LQR used by the derivation.

    Keys: ``a, b, k, x, u`` (real), ``q, r, gamma, sigma, x0v`` (positive), ``c`` = a − b k,
    ``p`` = (q + r k²)/(1 − γ c²), ``C`` = γ p σ²/(1 − γ), ``V`` = −p x² − C (a function of x),
    ``Q`` = −(q x² + r u²) − γ p (a x + b u)² − C, ``M2`` = (x0v + γ σ²/(1 − γ))/(1 − γ c²),
    ``J`` = −p (x0v + γ σ²/(1 − γ)), ``domain`` (the conditions 0 < γ < 1, γ c² < 1).

    Examples
    --------
    >>> s = lqr_symbols()
    >>> sp.simplify(s["J"].subs(s["sigma"], 0) + s["p"] * s["x0v"])
    0
    """
    a, b, k, x, u = sp.symbols("a b k x u", real=True)
    q, r, gamma, sigma, x0v = sp.symbols("q r gamma sigma x0v", positive=True)
    c = a - b * k
    p = (q + r * k**2) / (1 - gamma * c**2)
    C = gamma * p * sigma**2 / (1 - gamma)
    V = -p * x**2 - C
    Q = -(q * x**2 + r * u**2) - gamma * p * (a * x + b * u) ** 2 - C
    M2 = (x0v + gamma * sigma**2 / (1 - gamma)) / (1 - gamma * c**2)
    J = -p * (x0v + gamma * sigma**2 / (1 - gamma))
    domain = (gamma < 1, gamma * c**2 < 1)
    return dict(a=a, b=b, k=k, x=x, u=u, q=q, r=r, gamma=gamma, sigma=sigma, x0v=x0v, c=c, p=p, C=C,
                V=V, Q=Q, M2=M2, J=J, domain=domain)


def _expect_gaussian_noise(expr: sp.Expr, w: sp.Symbol) -> sp.Expr:
    """E over w ~ N(0, 1) of a polynomial of degree <= 2 in w (E w = 0, E w² = 1)."""
    poly = sp.Poly(sp.expand(expr), w)
    if poly.degree() > 2:
        raise ValueError("only polynomials of degree <= 2 in the noise are expected here")
    moments = {0: 1, 1: 0, 2: 1}
    return sp.Add(*(coeff * moments[m[0]] for m, coeff in zip(poly.monoms(), poly.coeffs())))


def _lqr_steps(visitation_factor: sp.Expr = sp.S.One) -> list[Step]:
    s = lqr_symbols()
    a, b, k, x, u = s["a"], s["b"], s["k"], s["x"], s["u"]
    q, r, gamma, sigma, x0v = s["q"], s["r"], s["gamma"], s["sigma"], s["x0v"]
    c, p, C, Q, M2, J = s["c"], s["p"], s["C"], s["Q"], s["M2"], s["J"]
    dom = s["domain"]
    w = sp.Symbol("w", real=True)
    V = sp.Lambda(x, s["V"])
    mu = -k * x
    P = sp.Symbol("P", positive=True)
    # The q that makes P the Riccati root: γ b² P² + (r (1 − γ a²) − γ q b²) P − q r = 0, solved for q.
    q_of_P = P * (gamma * b**2 * P + r * (1 - gamma * a**2)) / (gamma * b**2 * P + r)
    k_star = gamma * a * b * P / (r + gamma * b**2 * P)
    riccati_rhs = q + gamma * a**2 * P - gamma**2 * a**2 * b**2 * P**2 / (r + gamma * b**2 * P)
    steps = [
        Step("bellman-value", -(q + r * k**2) * x**2 + gamma * _expect_gaussian_noise(V(c * x + sigma * w), w),
             V(x), assumptions=dom,
             justification="V_k(x) = -p x² - C solves V(x) = r(x, μ(x)) + γ E V(c x + σ w): "
                           "p = (q + r k²) + γ c² p and C = γ (p σ² + C)"),
        Step("q-closed-form", -(q * x**2 + r * u**2) + gamma * _expect_gaussian_noise(V(a * x + b * u + sigma * w), w),
             Q, assumptions=dom,
             justification="Q_k(x, u) = r(x, u) + γ E V_k(a x + b u + σ w), the action-value of the "
                           "deterministic policy (Silver et al. 2014, Section 2)"),
        Step("q-on-policy-is-value", Q.subs(u, mu), V(x), assumptions=dom,
             justification="Q_k(x, μ_k(x)) = V_k(x)"),
        Step("dq-du-on-policy", sp.Subs(sp.Derivative(Q, u), u, mu), 2 * x * (r * k - gamma * p * b * c),
             assumptions=dom,
             justification="∂Q_k/∂u = -2 r u - 2 γ p b (a x + b u), at u = -k x: 2 x (r k - γ p b c)"),
        Step("visitation-moment-recursion", x0v + gamma * (c**2 * M2 + sigma**2 / (1 - gamma)), M2,
             assumptions=dom,
             justification="M₂ = Σ_t γᵗ E x_t² with E x_{t+1}² = c² E x_t² + σ²: "
                           "M₂ = x0v + γ Σ_t γᵗ E x_{t+1}² = x0v + γ (c² M₂ + σ²/(1 - γ)); "
                           "the fixed point is unique since γ c² < 1"),
        Step("return-as-visitation-integral", -(q + r * k**2) * M2, J, assumptions=dom,
             justification="eq. (8): J = ∫ ρ^μ(s) r(s, μ(s)) ds = -(q + r k²) ∫ ρ^μ(s) s² ds"),
        Step("return-is-expected-start-value", -(p * x0v + C), J, assumptions=dom,
             justification="J = E V_k(x_0) with x_0 ~ N(0, x0v)"),
        Step("dpg-integrand", sp.Derivative(mu, k) * sp.Subs(sp.Derivative(Q, u), u, mu),
             -2 * x**2 * (r * k - gamma * p * b * c), assumptions=dom,
             justification="the integrand of eq. (9): ∂μ/∂k ∂Q_k/∂u|_{u = μ(x)} = (-x) · 2 x (r k - γ p b c)"),
        Step(BROKEN_STEP, sp.Derivative(J, k), visitation_factor * M2 * (-2 * (r * k - gamma * p * b * c)),
             assumptions=dom,
             justification="Theorem 1, eq. (9): dJ/dk (the closed form differentiated, p_k and ρ^μ "
                           "included) = ∫ ρ^μ(s) (-2 s² (r k - γ p b c)) ds = -2 (r k - γ p b c) M₂"),
        Step("riccati-root", riccati_rhs.subs(q, q_of_P), P, assumptions=(gamma < 1,),
             justification="with q = P (γ b² P + r (1 - γ a²))/(γ b² P + r), P solves the discounted "
                           "Riccati equation P = q + γ a² P - γ² a² b² P²/(r + γ b² P) (every root "
                           "P > 0 arises this way)"),
        Step("optimal-closed-loop", a - b * k_star, a * r / (r + gamma * b**2 * P),
             justification="c* = a - b k* = a r/(r + γ b² P)"),
        Step("optimal-value-is-riccati",
             (q_of_P + r * k_star**2) / (1 - gamma * (a * r / (r + gamma * b**2 * P)) ** 2), P,
             assumptions=(gamma < 1, gamma * (a * r / (r + gamma * b**2 * P)) ** 2 < 1),
             justification="p_{k*} = (q + r k*²)/(1 - γ c*²) = P: the value of the Riccati gain is the "
                           "Riccati solution"),
        Step("optimal-gain-is-stationary", r * k_star - gamma * P * b * (a * r / (r + gamma * b**2 * P)), 0,
             justification="with p_{k*} = P and c*, the DPG factor r k - γ p_k b c vanishes at k* = "
                           "γ a b P/(r + γ b² P): dJ/dk(k*) = 0 (k* is also the greedy gain of Q_{k*})"),
    ]
    return steps


_LQR_NOTE = ("Symbols: a, b, k, x, u real; q, r, γ, σ, x0v > 0 with γ < 1 and γ (a - b k)² < 1 (the "
             "discounted closed loop is stable, so every series converges). The noise w ~ N(0, 1) "
             "enters through E w = 0, E w² = 1 only. The same closed forms are coded in "
             "theory.lqr; the numeric checks compare them with central finite differences of J(k), "
             "with Monte Carlo rollouts of the visitation moment and with a scalar optimizer.")


@derivation("silver2014/dpg-theorem-lqr")
def dpg_theorem_lqr() -> Derivation:
    """The deterministic policy gradient theorem on the scalar discounted LQR.

    Source: Silver et al. (2014), eq. (8) and Theorem 1, eq. (9).
    """
    return Derivation(
        "silver2014/dpg-theorem-lqr",
        "On the scalar discounted LQR with μ_k(x) = -k x, dJ/dk = ∫ ρ^μ(s) ∂μ/∂k ∂Q_k/∂u ds = "
        "-2 (r k - γ p_k b (a - b k)) ∫ ρ^μ(s) s² ds, which vanishes at the Riccati gain",
        f"{PAPER}, eq. (8) and Theorem 1, eq. (9)",
        _lqr_steps(),
        _LQR_NOTE,
    )


@derivation("silver2014/dpg-theorem-lqr-broken", example=True)
def broken_example() -> Derivation:
    """The DPG with the normalized visitation (1 − γ) ρ^μ: the theorem's step fails.

    Source: a deliberate error for the checker (Silver et al. 2014, eq. (9) integrates against
    the unnormalized ρ^μ, of total mass 1/(1 − γ); a state average as in Lillicrap et al.
    2016, eq. (6), rescales the gradient by 1 − γ).
    """
    sym = lqr_symbols()
    # a = b = q = r = x0v = 1, σ = 1/2, γ = 1/2: a small instance, so that the failing step's
    # simplification (every rewrite is tried before giving up) stays quick.
    numbers = {sym["a"]: 1, sym["b"]: 1, sym["q"]: 1, sym["r"]: 1, sym["x0v"]: 1, sym["sigma"]: sp.Rational(1, 2),
               sym["gamma"]: sp.Rational(1, 2)}
    keep = ("visitation-moment-recursion", "return-as-visitation-integral", "dq-du-on-policy", "dpg-integrand",
            BROKEN_STEP)
    steps = []
    for st in _lqr_steps(visitation_factor=1 - sym["gamma"]):
        if st.name in keep:
            steps.append(dataclasses.replace(
                st, lhs=st.lhs.subs(numbers), rhs=st.rhs.subs(numbers),
                assumptions=tuple(c.subs(numbers) for c in st.assumptions)))
    return Derivation(
        "silver2014/dpg-theorem-lqr-broken",
        "Example of a wrong step: the DPG integrated against the normalized (1 - γ) ρ^μ",
        f"{PAPER}, Theorem 1 (deliberately broken)",
        steps,
        "The steps around the theorem at a = b = q = r = x0v = 1, σ = γ = 1/2 (a small instance, quick to "
        "check); the theorem's step uses (1 - γ) M₂ instead of M₂ and fails.",
    )


# --------------------------------------------------------------------------- actor = generator


def _expect_normal(expr: sp.Expr, s: sp.Symbol, m: sp.Symbol, v: sp.Symbol) -> sp.Expr:
    """E over s ~ N(m, v) of a polynomial in s (moments up to degree 4)."""
    moments = {0: 1, 1: m, 2: m**2 + v, 3: m**3 + 3 * m * v, 4: m**4 + 6 * m**2 * v + 3 * v**2}
    poly = sp.Poly(sp.expand(expr), s)
    if poly.degree() > 4:
        raise ValueError("only polynomials of degree <= 4 in s are expected here")
    return sp.Add(*(coeff * moments[mono[0]] for mono, coeff in zip(poly.monoms(), poly.coeffs())))


@derivation("silver2014/actor-update-equals-conditional-gan-generator")
def actor_update_equals_conditional_gan_generator() -> Derivation:
    """DDPG actor loss = conditional-GAN generator loss with D = Q; both gradients are the DPG.

    Source: Silver et al. (2014), Theorem 1, eq. (9); Lillicrap et al. (2016), eq. (6);
    Mirza & Osindero (2014), eq. (2) (the condition fed to G and D).
    """
    s_, u_, v_ = sp.symbols("s u v", real=True)
    D = sp.Function("D")  # an arbitrary critic / discriminator D(s, u)
    phi = sp.Function("phi")  # an arbitrary state feature: actor/generator G(s) = θ φ(s) + θ_b
    f = sp.Function("f")  # a logit f(s, u) of a logistic discriminator σ(f)
    theta, theta_b = sp.symbols("theta theta_b", real=True)
    G = theta * phi(s_) + theta_b
    # linear actor and quadratic critic
    t0, t1 = sp.symbols("theta0 theta1", real=True)
    w = sp.symbols("w0:6", real=True)
    critic = lambda s, u: w[0] + w[1] * s + w[2] * u + w[3] * s**2 + w[4] * s * u + w[5] * u**2  # noqa: E731
    actor = lambda s: t0 + t1 * s  # noqa: E731
    states = sp.symbols("s1:4", real=True)
    n = len(states)
    actor_loss = -sp.Add(*(critic(si, actor(si)) for si in states)) / n  # DDPG: -(1/N) Σ Q(s_i, μ(s_i))
    # the conditional GAN, written as its own objects: condition c_i, sample x = G(c), score D(c, x)
    g_fake = [t0 + t1 * ci for ci in states]
    d_score = lambda c, xx: critic(c, xx)  # noqa: E731 - the discriminator is the critic
    gen_loss = -sp.Add(*(d_score(ci, xi) for ci, xi in zip(states, g_fake))) / n
    dq_du = sp.diff(critic(s_, u_), u_)
    chain = {par: sp.Add(*(sp.diff(actor(si), par) * dq_du.subs({s_: si, u_: actor(si)}) for si in states)) / n
             for par in (t0, t1)}
    m = sp.Symbol("m", real=True)
    var = sp.Symbol("v", positive=True)
    expected_objective = _expect_normal(critic(s_, actor(s_)), s_, m, var)
    expected_chain = {par: _expect_normal(sp.diff(actor(s_), par) * dq_du.subs(u_, actor(s_)), s_, m, var)
                      for par in (t0, t1)}
    logistic = 1 / (1 + sp.exp(-f(s_, G)))
    steps = [
        Step("pathwise-chain-rule", sp.Derivative(D(s_, G), theta),
             sp.Subs(sp.Derivative(D(s_, v_), v_), v_, G) * phi(s_),
             justification="for any differentiable D and G = θ φ(s) + θ_b (any feature φ): "
                           "d/dθ D(s, G(s)) = ∂D/∂u|_{u = G(s)} ∂G/∂θ - the integrand of eq. (9) with "
                           "μ = G and Q = D"),
        Step("actor-loss-is-generator-loss", actor_loss, gen_loss,
             justification="DDPG's actor loss -(1/N) Σ Q(s_i, μ(s_i)) is the conditional generator's "
                           "loss -(1/N) Σ D(c_i, G(c_i)) with c = s, G = μ, D = Q (three symbolic states)"),
    ]
    for par in (t0, t1):
        steps += [
            Step(f"generator-gradient-{par}", -sp.Derivative(gen_loss, par), chain[par],
                 justification=f"-∂L_G/∂{par} = (1/N) Σ ∂G(s_i)/∂{par} ∂D/∂u|_{{u = G(s_i)}}: the "
                               "sampled DPG of Lillicrap et al. (2016), eq. (6)"),
            Step(f"actor-gradient-{par}", -sp.Derivative(actor_loss, par), chain[par],
                 justification="the same product from the actor loss"),
            Step(f"expected-dpg-{par}", sp.Derivative(expected_objective, par), expected_chain[par],
                 justification=f"s ~ N(m, v): ∂/∂{par} E D(s, G(s)) = E[∂G/∂{par} ∂D/∂u|_{{u = G(s)}}] "
                               "(eq. (9) at a fixed state distribution; moments up to order 2)"),
        ]
    steps.append(Step(
        "non-saturating-is-dpg-of-log-d", sp.Derivative(-sp.log(logistic), theta),
        -(1 - logistic) * sp.Subs(sp.Derivative(f(s_, v_), v_), v_, G) * phi(s_),
        justification="a logistic discriminator D = σ(f): the non-saturating generator loss -log D(s, G(s)) "
                      "has gradient -∂(log D)/∂u ∂G/∂θ, the DPG of the critic Q = log D = log σ(f) "
                      "(∂ log σ(f)/∂f = 1 - σ(f))"))
    return Derivation(
        "silver2014/actor-update-equals-conditional-gan-generator",
        "The DDPG actor update is the generator update of a conditional GAN whose discriminator "
        "is the critic Q(s, u) with the state as condition: both are the DPG E[∇_θ μ(s) ∂Q/∂u]",
        f"{PAPER}, Theorem 1, eq. (9); Lillicrap et al. (2016), eq. (6); Mirza & Osindero (2014), eq. (2)",
        steps,
        "General D and f (sympy functions) with an actor linear in its parameters over an "
        "arbitrary feature φ(s), then a linear actor θ0 + θ1 s with a quadratic critic "
        "w0 + w1 s + w2 u + w3 s² + w4 s u + w5 u² on three symbolic states and in expectation over "
        "s ~ N(m, v). The discriminator's own training differs - a GAN classifies real against "
        "generated samples, the critic regresses Bellman targets - so the identity concerns the "
        "generator/actor step for a given D = Q, which is what both algorithms take. The numeric "
        "counterpart (autograd through MLPs, three independently written routes) is the claim "
        "silver2014/actor-update-equals-conditional-gan-generator.",
    )
