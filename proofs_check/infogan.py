"""Chen et al. (2016), "InfoGAN": Lemma 5.1 and the variational bound on I(c; x), 2 x 2 case.

Derivations
-----------
``chen2016/lemma5.1-swap``
    Lemma 5.1 for binary X and Y with a symbolic f:
    E_{x~X, y~Y|x}[f(x, y)] = E_{x~X, y~Y|x, x'~X|y}[f(x', y)].
``chen2016/infogan-lower-bound``
    A binary code c and a binary output x (any joint law with full support, parametrized by
    P(x = 0) = ρ and P(c = 0 | x) = u_x), an auxiliary Q(c = 0 | x) = q_x: I(c; x) = H(c) - H(c|x); L_I's two forms in eq. (5) agree (Lemma 5.1);
    I - L_I = E_x KL(P(c|x) ‖ Q(c|x)) (eq. (4)); that gap is >= 0 (Gibbs, from log t <= t - 1),
    so L_I <= I, with equality at Q = P(c|x); and I <= H(c).

The closed forms are those of :mod:`theory.infogan`; ``tests/proofs_check`` compares them
numerically.
"""

from __future__ import annotations

import functools

import sympy as sp

from proofs_check.core import LEMMA_T, Derivation, Instance, Step, derivation, log_upper_lemma

__all__ = ["PAPER", "symbols_2x2", "lemma_5_1_swap", "infogan_lower_bound_2x2"]

PAPER = ('Chen, Duan, Houthooft, Schulman, Sutskever & Abbeel (2016), "InfoGAN: Interpretable '
         'Representation Learning by Information Maximizing Generative Adversarial Nets", NeurIPS '
         '(arXiv:1606.03657)')


@derivation("chen2016/lemma5.1-swap")
def lemma_5_1_swap() -> Derivation:
    """Lemma 5.1 on binary X, Y: sampling x' from the posterior of y leaves E f unchanged.

    Source: Chen et al. (2016), Lemma 5.1 (Section 5).
    """
    pi, a0, a1 = sp.symbols("pi alpha_0 alpha_1", positive=True)
    f = sp.Matrix(2, 2, lambda i, j: sp.Symbol(f"f_{i}{j}", real=True))
    p_x = [pi, 1 - pi]
    p_y_x = [[a0, 1 - a0], [a1, 1 - a1]]
    p_y = [sum(p_x[i] * p_y_x[i][j] for i in range(2)) for j in range(2)]
    p_x_y = [[p_x[i] * p_y_x[i][j] / p_y[j] for j in range(2)] for i in range(2)]   # [x][y]
    lhs = sum(p_x[i] * p_y_x[i][j] * f[i, j] for i in range(2) for j in range(2))
    rhs = sum(p_x[i] * p_y_x[i][j] * p_x_y[k][j] * f[k, j] for i in range(2) for j in range(2) for k in range(2))
    dom = (pi < 1, a0 < 1, a1 < 1)
    steps = [
        Step("posterior-is-normalized", p_x_y[0][0] + p_x_y[1][0], 1, assumptions=dom,
             justification="Σ_x' P(x'|y) = 1 (Bayes)"),
        Step("lemma-5.1", lhs, rhs, assumptions=dom,
             justification="E_{x, y|x} f(x, y) = E_y E_{x'|y} f(x', y) = E_{x, y|x, x'|y} f(x', y): "
                           "both sides are sums over the joint P(x, y) = P(y) P(x|y)"),
    ]
    return Derivation(
        "chen2016/lemma5.1-swap",
        "Lemma 5.1: E_{x~X, y~Y|x} f(x, y) = E_{x~X, y~Y|x, x'~X|y} f(x', y) (binary X, Y)",
        f"{PAPER}, Lemma 5.1",
        steps,
        "P(X = 0) = π, P(Y = 0 | X = i) = α_i in (0, 1); f any real table.  The lemma lets L_I be "
        "estimated with c drawn from the prior instead of the posterior (eq. (5)).",
    )


@functools.cache
def symbols_2x2() -> dict:
    """Symbols and enumerated quantities of the binary-code, binary-output InfoGAN bound.

    The joint law of (c, x) with full support is parametrized by the output marginal
    P(x = 0) = ρ and the posterior P(c = 0 | x) = u_x (every joint with full support has
    exactly one such parametrization); then P(c) = Σ_x P(x) P(c|x) and
    P(x|c) = P(x) P(c|x) / P(c).  The auxiliary distribution is Q(c = 0 | x) = q_x.

    Returns
    -------
    dict
        ``rho``, ``u`` (P(c = 0 | x)), ``q`` (Q(c = 0 | x)), and the expressions ``p_c``,
        ``p_x``, ``p_x_given_c`` [c][x], ``joint`` [c][x], ``post`` [c][x], ``Q`` [c][x], ``mi``,
        ``h_c``, ``h_c_given_x``, ``l_i`` (eq. (5), c from the prior), ``l_i_posterior_form``
        (c from the posterior), ``gap``, ``domain``, ``cells``.

    Examples
    --------
    >>> d = symbols_2x2()
    >>> sp.simplify(d["mi"].subs({d["u"][0]: sp.Rational(1, 3), d["u"][1]: sp.Rational(1, 3)}))
    0
    """
    rho = sp.Symbol("rho", positive=True)
    u = sp.symbols("u_0 u_1", positive=True)
    q = sp.symbols("q_0 q_1", positive=True)
    p_x = [rho, 1 - rho]
    post = [[u[0], u[1]], [1 - u[0], 1 - u[1]]]
    joint = [[p_x[x] * post[c][x] for x in range(2)] for c in range(2)]
    p_c = [joint[c][0] + joint[c][1] for c in range(2)]
    p_x_given_c = [[joint[c][x] / p_c[c] for x in range(2)] for c in range(2)]
    Q = [[q[0], q[1]], [1 - q[0], 1 - q[1]]]
    cells = [(c, x) for c in range(2) for x in range(2)]
    mi = sum(joint[c][x] * sp.log(joint[c][x] / (p_c[c] * p_x[x])) for c, x in cells)
    h_c = -sum(pc * sp.log(pc) for pc in p_c)
    h_c_given_x = -sum(p_x[x] * post[c][x] * sp.log(post[c][x]) for c, x in cells)
    l_i = sum(p_c[c] * p_x_given_c[c][x] * sp.log(Q[c][x]) for c, x in cells) + h_c
    l_i_post = sum(p_x[x] * post[c][x] * sp.log(Q[c][x]) for c, x in cells) + h_c
    gap = sum(p_x[x] * post[c][x] * sp.log(post[c][x] / Q[c][x]) for c, x in cells)
    domain = (rho < 1, u[0] < 1, u[1] < 1, q[0] < 1, q[1] < 1)
    return dict(rho=rho, u=u, q=q, p_c=p_c, p_x=p_x, p_x_given_c=p_x_given_c, joint=joint, post=post, Q=Q,
                mi=mi, h_c=h_c, h_c_given_x=h_c_given_x, l_i=l_i, l_i_posterior_form=l_i_post, gap=gap,
                domain=domain, cells=cells)


@derivation("chen2016/infogan-lower-bound")
def infogan_lower_bound_2x2() -> Derivation:
    """L_I(G, Q) <= I(c; G(z, c)) with gap E_x KL(P(c|x) ‖ Q(c|x)), binary code and output.

    Source: Chen et al. (2016), Section 5, eqs. (4)-(5) and Lemma 5.1.
    """
    d = symbols_2x2()
    p_x, dom = d["p_x"], d["domain"]
    u, q = sp.symbols("u q", positive=True)       # one column: P(c = 0 | x) and Q(c = 0 | x)
    col = (u < 1, q < 1)
    kl_col = u * sp.log(u / q) + (1 - u) * sp.log((1 - u) / (1 - q))
    h_col = -u * sp.log(u) - (1 - u) * sp.log(1 - u)
    gibbs = (Instance("lemma-log", {LEMMA_T: q / u}, factor=u), Instance("lemma-log", {LEMMA_T: (1 - q) / (1 - u)}, factor=1 - u))
    ent = (Instance("lemma-log", {LEMMA_T: u}, factor=u), Instance("lemma-log", {LEMMA_T: 1 - u}, factor=1 - u))
    per_column = tuple(Instance("column-kl-nonnegative", {u: d["u"][x], q: d["q"][x]}, factor=p_x[x]) for x in range(2))
    per_column_h = tuple(Instance("column-entropy-nonnegative", {u: d["u"][x]}, factor=p_x[x]) for x in range(2))
    at_posterior = {d["q"][0]: d["u"][0], d["q"][1]: d["u"][1]}
    steps = [
        Step("mi-is-entropy-difference", d["mi"], d["h_c"] - d["h_c_given_x"], assumptions=dom,
             justification="I(c; x) = Σ p(c, x) log p(c, x)/(p(c) p(x)) = H(c) - H(c|x)"),
        Step("eq5-two-forms", d["l_i"], d["l_i_posterior_form"], assumptions=dom,
             justification="Lemma 5.1: E_{c~P(c), x~G} log Q(c|x) = E_{x~G} E_{c'~P(c|x)} log Q(c'|x)"),
        Step("eq4-gap", d["mi"] - d["l_i"], d["gap"], assumptions=dom,
             justification="I - L_I = E_x Σ_c P(c|x) log(P(c|x)/Q(c|x)) = E_x KL(P(·|x) ‖ Q(·|x))"),
        log_upper_lemma(),
        Step("column-kl-nonnegative", kl_col, 0, ">=", by=gibbs, assumptions=col,
             justification="Gibbs: P log(P/Q) >= P - Q termwise (lemma at t = Q/P, weight P); the "
                           "remainders sum to Σ_c P - Σ_c Q = 0"),
        Step("gap-nonnegative", d["gap"], 0, ">=", by=per_column, assumptions=dom,
             justification="E_x KL(P(·|x) ‖ Q(·|x)) is a p(x)-weighted sum of column KLs"),
        Step("eq5-bound", d["l_i"], d["mi"], "<=", by=(Instance("eq4-gap"), Instance("gap-nonnegative")),
             assumptions=dom,
             justification="L_I = I - E_x KL <= I"),
        Step("tight-at-posterior", d["l_i"].subs(at_posterior), d["mi"], assumptions=dom,
             justification="with Q(c|x) = P(c|x) the KL terms vanish: L_I = I"),
        Step("column-entropy-nonnegative", h_col, 0, ">=", by=ent, assumptions=col[:1],
             justification="-P log P >= P(1 - P) (lemma at t = P, weight P); the remainder 2u(1 - u) >= 0"),
        Step("conditional-entropy-nonnegative", d["h_c_given_x"], 0, ">=", by=per_column_h, assumptions=dom,
             justification="H(c|x) = Σ_x p(x) H(P(·|x)) >= 0, so I = H(c) - H(c|x) <= H(c), the largest "
                           "value L_I can reach"),
    ]
    return Derivation(
        "chen2016/infogan-lower-bound",
        "InfoGAN's variational bound L_I = E log Q(c|x) + H(c) <= I(c; x), gap E_x KL(P(c|x) ‖ Q(c|x)) "
        "(binary code and output)",
        f"{PAPER}, Section 5, eqs. (4)-(5) and Lemma 5.1",
        steps,
        "P(x = 0) = ρ, P(c = 0 | x) = u_x, Q(c = 0 | x) = q_x, all in (0, 1) (any joint law of (c, x) "
        "with full support).  theory.infogan computes the same quantities for any numbers of codes "
        "and outputs, zero atoms included.",
    )
