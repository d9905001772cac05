"""Kingma & Welling (2014), "Auto-Encoding Variational Bayes", on the 1-D linear-Gaussian model.

The model z ~ N(0, 1), x | z ~ N(w z + b, σ²) and a Gaussian q(z) = N(m, s²).  Expectations
over q are taken through z = m + s ε, ε ~ N(0, 1): the integrand is expanded into a
polynomial in ε and each monomial's integral ∫ εⁿ φ(ε) dε is computed by ``sympy.integrate``
(:func:`gaussian_expectation`).  The closed forms on the right-hand sides are the ones
:mod:`theory.vae` implements (for k = d = 1); ``tests/proofs_check`` compares them numerically.

Derivations
-----------
``kingma2014/elbo-decomposition-linear-gaussian-1d``
    Bayes' factorization p(x|z) p(z) = N(x; b, w² + σ²) N(z; μ*, v*); the ELBO of eqs. (2)
    and (3) in closed form; KL(q ‖ p(z|x)) in closed form; eq. (1),
    log p(x) = L(q) + KL(q ‖ p(z|x)); hence L(q) <= log p(x), with equality at q = p(z|x).
``kingma2014/appendix-b-gaussian-kl``
    Appendix B: ∫ q log p = -½ log 2π - ½ (μ² + σ²), ∫ q log q = -½ log 2π - ½ (1 + log σ²),
    -KL = ½ (1 + log σ² - μ² - σ²), the same summed over J = 2 independent coordinates, and
    the general 1-D form KL(N(m₁, s₁²) ‖ N(m₂, s₂²)) that ``theory.vae.gaussian_kl`` uses.
``kingma2014/gradient-estimators-1d``
    The reparameterized (Section 2.4, eqs. (6)-(7)) and score-function (Section 2.2) gradient
    estimators for (m, s), derived by differentiation: both unbiased, their exact variances
    for the analytic-KL form (eq. (7), (10)) and for the sampled form (eq. (6)); for the
    analytic form Var_sf - 3/2 Var_rep (mean) and Var_sf - 3 Var_rep (std) are sums of
    squares; for the sampled form a point where the score function has the smaller variance.
``kingma2014/appendix-b-broken`` (example, not verified by default)
    Appendix B with the sign of log σ² flipped; the checker must stop there.
"""

from __future__ import annotations

import functools

import sympy as sp

from proofs_check.core import LEMMA_T, Derivation, Instance, Step, derivation, log_upper_lemma

__all__ = [
    "PAPER",
    "BROKEN_STEP",
    "gaussian_expectation",
    "symbols_1d",
    "closed_forms_1d",
    "elbo_decomposition_1d",
    "appendix_b_gaussian_kl",
    "gradient_estimators_1d",
    "broken_example",
]

PAPER = 'Kingma & Welling (2014), "Auto-Encoding Variational Bayes", ICLR (arXiv:1312.6114)'

#: The step that :func:`broken_example` gets wrong.
BROKEN_STEP = "neg-kl"

_eps = sp.Symbol("epsilon", real=True)
_phi = sp.exp(-_eps ** 2 / 2) / sp.sqrt(2 * sp.pi)


@functools.cache
def _moment(n: int) -> sp.Expr:
    return sp.integrate(_eps ** n * _phi, (_eps, -sp.oo, sp.oo))


def gaussian_expectation(expr, eps: sp.Symbol = _eps) -> sp.Expr:
    """E[expr] over ε ~ N(0, 1) for an expression polynomial in ε (symbolic coefficients).

    The expression is expanded into Σ_n c_n εⁿ (logarithms of the other symbols may sit in
    the coefficients) and each ∫ εⁿ φ(ε) dε is computed by ``sympy.integrate`` with the
    standard normal density φ; by linearity of the integral the result is E[expr].

    Source: the reparameterization z = μ + σ ε of Kingma & Welling (2014), Section 2.4.

    Parameters
    ----------
    expr : sympy expression
        Polynomial in ``eps``.
    eps : sympy.Symbol
        The standard normal variable (a different symbol for each independent coordinate).

    Returns
    -------
    sympy expression

    Raises
    ------
    sympy.PolynomialError
        If ``expr`` is not a polynomial in ``eps``.

    Examples
    --------
    >>> e = sp.Symbol("e", real=True)
    >>> gaussian_expectation((1 + e) ** 4, e)
    10
    """
    poly = sp.Poly(sp.expand(expr), eps)
    moments = {} if eps is _eps else {n: sp.integrate(eps ** n * _phi.subs(_eps, eps), (eps, -sp.oo, sp.oo))
                                      for (n,), _ in poly.terms()}
    return sp.Add(*(c * (moments[n] if moments else _moment(n)) for (n,), c in poly.terms()))


def _log_normal(u, mean, var):
    """log N(u; mean, var) written out."""
    return -sp.log(2 * sp.pi * var) / 2 - (u - mean) ** 2 / (2 * var)


@functools.cache
def symbols_1d() -> dict:
    """The symbols of the 1-D model and of q: x, b, w, m real; sigma, s positive; eps.

    Returns
    -------
    dict
        ``x, b, w, m`` (real), ``sigma, s`` (positive), ``eps`` (the standard normal
        variable), ``z`` (= m + s eps).

    Examples
    --------
    >>> sorted(symbols_1d())
    ['b', 'eps', 'm', 's', 'sigma', 'w', 'x', 'z']
    """
    x, b, w, m = sp.symbols("x b w m", real=True)
    sigma, s = sp.symbols("sigma s", positive=True)
    return dict(x=x, b=b, w=w, m=m, sigma=sigma, s=s, eps=_eps, z=m + s * _eps)


@functools.cache
def closed_forms_1d() -> dict:
    """The closed forms of theory.vae for k = d = 1, as sympy expressions.

    Returns
    -------
    dict
        ``log_marginal`` (log N(x; b, w² + σ²)), ``post_mean``, ``post_var``, ``elbo``
        (L(m, s)), ``kl_post`` (KL(q ‖ p(z|x))), ``grad_m``, ``grad_s`` (∂L/∂m, ∂L/∂s),
        ``P_lik`` (w²/σ²), ``h`` (w(x - b)/σ²) and, per form ``"analytic"``/``"sampled"``,
        ``var_rep[form]`` and ``var_sf[form]`` (pairs: (mean part, std part)).

    Examples
    --------
    >>> c = closed_forms_1d()
    >>> s = symbols_1d()
    >>> sp.simplify(c["grad_m"].subs({s["w"]: 0}))
    -m
    """
    S = symbols_1d()
    x, b, w, m, sigma, s = S["x"], S["b"], S["w"], S["m"], S["sigma"], S["s"]
    v = w ** 2 + sigma ** 2
    post_mean, post_var = w * (x - b) / v, sigma ** 2 / v
    P_lik, h = w ** 2 / sigma ** 2, w * (x - b) / sigma ** 2
    kl_prior = (s ** 2 + m ** 2 - 1 - sp.log(s ** 2)) / 2
    ell = -sp.log(2 * sp.pi * sigma ** 2) / 2 - ((x - b - w * m) ** 2 + w ** 2 * s ** 2) / (2 * sigma ** 2)
    elbo = ell - kl_prior
    kl_post = (s ** 2 / post_var + (m - post_mean) ** 2 / post_var - 1 - sp.log(s ** 2 / post_var)) / 2
    P = P_lik + 1
    out = dict(log_marginal=_log_normal(x, b, v), post_mean=post_mean, post_var=post_var, elbo=elbo,
               kl_post=kl_post, kl_prior=kl_prior, ell=ell, P_lik=P_lik, h=h,
               grad_m=h - P * m, grad_s=1 / s - P * s, var_rep={}, var_sf={})
    for form, Pf, mf in (("analytic", P_lik, ell), ("sampled", P, elbo)):
        B = Pf * s
        r = h - Pf * m
        out["var_rep"][form] = (B ** 2, r ** 2 + 2 * B ** 2)
        a = s * r
        Q = s ** 2 * Pf - (1 if form == "sampled" else 0)
        out["var_sf"][form] = ((mf ** 2 + a ** 2 + Q ** 2 / 2 + a ** 2 + 2 * Q ** 2 - 2 * mf * Q) / s ** 2,
                               (2 * mf ** 2 + 2 * a ** 2 + Q ** 2 + 8 * a ** 2 + 8 * Q ** 2 + 5 * Q ** 2
                                - 8 * mf * Q) / s ** 2)
    return out


# --------------------------------------------------------------------------- ELBO decomposition
@derivation("kingma2014/elbo-decomposition-linear-gaussian-1d")
def elbo_decomposition_1d() -> Derivation:
    """log p(x) = L(q) + KL(q ‖ p(z|x)) on the 1-D linear-Gaussian model, in closed form.

    Source: Kingma & Welling (2014), eqs. (1)-(3) and Appendix B.
    """
    S, C = symbols_1d(), closed_forms_1d()
    x, b, w, m, sigma, s, z = S["x"], S["b"], S["w"], S["m"], S["sigma"], S["s"], S["z"]
    zz = sp.Symbol("z", real=True)
    mu_r, v_r = sp.Symbol("mu", real=True), sp.Symbol("v", positive=True)
    log_lik = _log_normal(x, w * z + b, sigma ** 2)
    log_prior = _log_normal(z, 0, 1)
    log_q = _log_normal(z, m, s ** 2)
    steps = [
        Step("bayes-factorization",
             _log_normal(x, w * zz + b, sigma ** 2) + _log_normal(zz, 0, 1),
             C["log_marginal"] + _log_normal(zz, C["post_mean"], C["post_var"]),
             justification="log p(x|z) + log p(z) = log N(x; b, w² + σ²) + log N(z; μ*, v*) with "
                           "μ* = w(x - b)/(w² + σ²), v* = σ²/(w² + σ²), for every z"),
        Step("gaussian-normalizes",
             sp.Integral(sp.exp(_log_normal(zz, mu_r, v_r)), (zz, -sp.oo, sp.oo)), 1,
             justification="∫ N(z; μ, v) dz = 1; with the factorization, p(x) = ∫ p(x|z) p(z) dz "
                           "= N(x; b, w² + σ²) and p(z|x) = N(μ*, v*)"),
        Step("eq2-elbo", gaussian_expectation(log_lik + log_prior - log_q), C["elbo"],
             justification="L = E_q[-log q(z) + log p(x, z)] (eq. (2)), with z = m + s ε"),
        Step("eq3-elbo", gaussian_expectation(log_lik) - C["kl_prior"], C["elbo"],
             justification="L = -KL(q ‖ p(z)) + E_q[log p(x|z)] (eq. (3)), KL from Appendix B"),
        Step("kl-to-posterior",
             gaussian_expectation(log_q - _log_normal(z, C["post_mean"], C["post_var"])), C["kl_post"],
             justification="KL(q ‖ p(z|x)) = E_q[log q - log N(z; μ*, v*)]"),
        Step("eq1-decomposition", C["elbo"] + C["kl_post"], C["log_marginal"],
             justification="log p(x) = KL(q ‖ p(z|x)) + L(q) (eq. (1)) for every m, s"),
        log_upper_lemma(),
        Step("elbo-lower-bound", C["elbo"], C["log_marginal"], "<=",
             by=(Instance("lemma-log", {LEMMA_T: s ** 2 / C["post_var"]}, factor=sp.Rational(1, 2)),),
             justification="log p(x) - L = KL = ½(t - 1 - log t) + (m - μ*)²/(2v*) with t = s²/v*: the "
                           "lemma times ½ plus a square"),
        Step("tight-at-posterior", C["elbo"].subs({m: C["post_mean"], s: sp.sqrt(C["post_var"])}),
             C["log_marginal"],
             justification="equality iff q = p(z|x): m = μ*, s² = v*"),
    ]
    return Derivation(
        "kingma2014/elbo-decomposition-linear-gaussian-1d",
        "The ELBO decomposition log p(x) = L(q) + KL(q ‖ p(z|x)) on the 1-D linear-Gaussian model",
        f"{PAPER}, eqs. (1)-(3) and Appendix B",
        steps,
        "z ~ N(0, 1), x | z ~ N(w z + b, σ²), q = N(m, s²); w, b, x, m real, σ, s > 0.  The "
        "expectations over q are computed through z = m + s ε (monomials of ε integrated by "
        "sympy).  theory.vae implements the same closed forms for any k, d and full-covariance q.",
    )


# --------------------------------------------------------------------------- Appendix B
def _appendix_b_steps(*, broken: bool = False) -> list:
    mu = sp.Symbol("mu", real=True)
    sd = sp.Symbol("sigma", positive=True)
    z = mu + sd * _eps
    cross = gaussian_expectation(_log_normal(z, 0, 1))
    neg_entropy = gaussian_expectation(_log_normal(z, mu, sd ** 2))
    sign = -1 if broken else 1
    e1, e2 = sp.symbols("epsilon_1 epsilon_2", real=True)
    mus = sp.symbols("mu_1 mu_2", real=True)
    sds = sp.symbols("sigma_1 sigma_2", positive=True)
    zs = [mj + sj * ej for mj, sj, ej in zip(mus, sds, (e1, e2))]
    integrand = sum(_log_normal(zj, 0, 1) - _log_normal(zj, mj, sj ** 2) for zj, mj, sj in zip(zs, mus, sds))
    neg_kl_2 = gaussian_expectation(gaussian_expectation(integrand, e1), e2)
    m1, m2 = sp.symbols("m_1 m_2", real=True)
    s1, s2 = sp.symbols("s_1 s_2", positive=True)
    general = gaussian_expectation(_log_normal(m1 + s1 * _eps, m1, s1 ** 2) - _log_normal(m1 + s1 * _eps, m2, s2 ** 2))
    return [
        Step("cross-entropy-prior", cross, -sp.log(2 * sp.pi) / 2 - (mu ** 2 + sd ** 2) / 2,
             justification="∫ N(z; μ, σ²) log N(z; 0, 1) dz = -½ log(2π) - ½(μ² + σ²)"),
        Step("neg-entropy", neg_entropy, -sp.log(2 * sp.pi) / 2 - (1 + sp.log(sd ** 2)) / 2,
             justification="∫ N(z; μ, σ²) log N(z; μ, σ²) dz = -½ log(2π) - ½(1 + log σ²)"),
        Step(BROKEN_STEP, cross - neg_entropy, (1 + sign * sp.log(sd ** 2) - mu ** 2 - sd ** 2) / 2,
             justification="-KL(q ‖ p) = ∫ q (log p - log q) = ½(1 + log σ² - μ² - σ²)"),
        Step("neg-kl-two-coordinates", neg_kl_2,
             sum((1 + sp.log(sj ** 2) - mj ** 2 - sj ** 2) / 2 for mj, sj in zip(mus, sds)),
             justification="J = 2 with q = N(μ, diag(σ²)): the integrand is a sum over j and each term "
                           "integrates over its own coordinate, -KL = ½ Σ_j (1 + log σ_j² - μ_j² - σ_j²)"),
        Step("general-one-dimensional", general,
             sp.log(s2 / s1) + (s1 ** 2 + (m1 - m2) ** 2) / (2 * s2 ** 2) - sp.Rational(1, 2),
             justification="KL(N(m₁, s₁²) ‖ N(m₂, s₂²)) = log(s₂/s₁) + (s₁² + (m₁ - m₂)²)/(2 s₂²) - ½: "
                           "the k = 1 case of theory.vae.gaussian_kl's general formula"),
    ]


@derivation("kingma2014/appendix-b-gaussian-kl")
def appendix_b_gaussian_kl() -> Derivation:
    """Kingma & Welling's Appendix B, -KL(q ‖ N(0, I)) for a diagonal Gaussian q.

    Source: Kingma & Welling (2014), Appendix B.
    """
    return Derivation(
        "kingma2014/appendix-b-gaussian-kl",
        "Appendix B: -KL(N(μ, σ²) ‖ N(0, 1)) = ½ (1 + log σ² - μ² - σ²), summed over coordinates",
        f"{PAPER}, Appendix B (and eq. (10))",
        _appendix_b_steps(),
        "The paper writes the integrals with q_θ(z); its -KL is what eq. (10) adds to the "
        "reconstruction term.",
    )


@derivation("kingma2014/appendix-b-broken", example=True)
def broken_example() -> Derivation:
    """Appendix B with a sign slip (1 - log σ² instead of 1 + log σ²); the checker stops there.

    Source: a deliberate error for the checker (Kingma & Welling 2014, Appendix B).
    """
    return Derivation(
        "kingma2014/appendix-b-broken",
        "Example of a wrong step: Appendix B with the sign of log σ² flipped",
        f"{PAPER}, Appendix B (altered)",
        _appendix_b_steps(broken=True),
        "Not a claim of the paper: the third step is wrong on purpose.",
    )


# --------------------------------------------------------------------------- gradient estimators
@derivation("kingma2014/gradient-estimators-1d")
def gradient_estimators_1d() -> Derivation:
    """The reparameterized and score-function ELBO gradients: mean and exact variance (1-D).

    Source: Kingma & Welling (2014), Section 2.2 (score function), Section 2.4 and eqs. (6),
    (7), (10) (reparameterization).
    """
    S, C = symbols_1d(), closed_forms_1d()
    x, b, w, m, sigma, s, eps = S["x"], S["b"], S["w"], S["m"], S["sigma"], S["s"], S["eps"]
    zz = sp.Symbol("z", real=True)
    log_lik = _log_normal(x, w * zz + b, sigma ** 2)
    log_q = _log_normal(zz, m, s ** 2)
    integrands = {"sampled": log_lik + _log_normal(zz, 0, 1) - log_q, "analytic": log_lik}
    at_eps = {zz: m + s * eps}
    steps = []
    for form in ("analytic", "sampled"):
        f = integrands[form]
        extra = {"analytic": (-sp.diff(C["kl_prior"], m), -sp.diff(C["kl_prior"], s)), "sampled": (0, 0)}[form]
        rep, sf = [], []
        for i, theta in enumerate((m, s)):
            # pathwise: differentiate f(m + s ε; m, s) at fixed ε (f depends on θ also directly
            # through log q in the sampled form); score: f(z) ∂θ log q(z) at z = m + s ε
            rep.append(sp.diff(f.subs(at_eps), theta) + extra[i])
            sf.append(f.subs(at_eps) * sp.diff(log_q, theta).subs(at_eps) + extra[i])
        grads = (C["grad_m"], C["grad_s"])
        for name, est in (("reparameterized", rep), ("score-function", sf)):
            for i, part in enumerate(("m", "s")):
                steps.append(Step(
                    f"{form}-{name}-unbiased-{part}", gaussian_expectation(est[i]), grads[i],
                    justification=f"E_ε[g_{part}] = ∂L/∂{part} ({form} KL): h - (1 + w²/σ²) m, "
                                  "1/s - (1 + w²/σ²) s"))
        for name, est, var in (("reparameterized", rep, C["var_rep"][form]),
                               ("score-function", sf, C["var_sf"][form])):
            for i, part in enumerate(("m", "s")):
                steps.append(Step(
                    f"{form}-{name}-variance-{part}", gaussian_expectation((est[i] - grads[i]) ** 2), var[i],
                    justification="E_ε[(g - E g)²] equals the closed form of theory.vae (k = d = 1)"))
    rep_a, sf_a = C["var_rep"]["analytic"], C["var_sf"]["analytic"]
    q, a, ell = s ** 2 * C["P_lik"], s * (C["h"] - C["P_lik"] * m), C["ell"]
    steps += [
        Step("analytic-dominance-m-identity", sf_a[0] - sp.Rational(3, 2) * rep_a[0],
             ((ell - q) ** 2 + 2 * a ** 2) / s ** 2,
             justification="Var_sf - 3/2 Var_rep = ((m_f - Q)² + 2a²)/s² with m_f = E log p(x|z), "
                           "Q = s² w²/σ², a = s(h - w² m/σ²)"),
        Step("analytic-dominance-m", sf_a[0], sp.Rational(3, 2) * rep_a[0], ">=",
             by=(Instance("analytic-dominance-m-identity"),),
             justification="the difference is the sum of squares above"),
        Step("analytic-dominance-s-identity", sf_a[1] - 3 * rep_a[1],
             (2 * (ell - 2 * q) ** 2 + 7 * a ** 2) / s ** 2,
             justification="Var_sf - 3 Var_rep = (2(m_f - 2Q)² + 7a²)/s²"),
        Step("analytic-dominance-s", sf_a[1], 3 * rep_a[1], ">=",
             by=(Instance("analytic-dominance-s-identity"),),
             justification="the difference is the sum of squares above"),
    ]
    # the sampled form: at the exact posterior of x = b, w = 1/2, σ² = e/(2π) - 1/4
    point = {x: 0, b: 0, w: sp.Rational(1, 2), sigma: sp.sqrt(sp.E / (2 * sp.pi) - sp.Rational(1, 4))}
    point[m] = C["post_mean"].subs(point)
    point[s] = sp.sqrt(C["post_var"].subs(point))
    steps += [
        Step("sampled-example-log-marginal", C["log_marginal"].subs(point), -sp.Rational(1, 2),
             justification="x ~ N(0, e/(2π)) at x = 0: log p(x) = -½ log(e) = -½"),
        Step("sampled-counterexample-m", C["var_sf"]["sampled"][0].subs(point),
             C["var_rep"]["sampled"][0].subs(point) / 4,
             justification="at q = p(z|x) the sampled integrand is the constant log p(x) = -½: "
                           "Var_sf = m²/s² = 1/(4 s²), a quarter of Var_rep = 1/s²"),
        Step("sampled-counterexample-s", C["var_sf"]["sampled"][1].subs(point),
             C["var_rep"]["sampled"][1].subs(point) / 4,
             justification="Var_sf = 2m²/s² = 1/(2 s²) against Var_rep = 2/s²"),
    ]
    return Derivation(
        "kingma2014/gradient-estimators-1d",
        "Reparameterized vs score-function ELBO gradients on the 1-D linear-Gaussian model: "
        "unbiased, exact variances, dominance for the analytic KL, a counterexample for the sampled one",
        f"{PAPER}, Section 2.2, Section 2.4, eqs. (6), (7) and (10)",
        steps,
        "q = N(m, s²), z = m + s ε.  'analytic': f = log p(x|z) plus the exact gradient of -KL(q ‖ "
        "N(0, 1)) (estimator B, the VAE's eq. (10)); 'sampled': f = log p(x, z) - log q(z) (estimator "
        "A).  The paper says the score-function estimator 'exhibits very high variance'; on this "
        "model that holds without exception for the analytic form (factors 3/2 and 3) but not for "
        "the sampled form, where it loses only when |log p(x)| < 1 near the posterior.",
    )
