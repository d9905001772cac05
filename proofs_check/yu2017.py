"""Yu, Zhang, Wang & Yu (2017), "SeqGAN": action values and the policy gradient, V = 2, T = 2.

Derivations
-----------
``yu2017/seqgan-policy-gradient-v2-t2``
    A tabular softmax generator over two tokens and sequences of length two (logits a_k for
    the first token, b_ij for the second after first token i) and a discriminator with values
    d_ij = D(i, j) in (0, 1).  Checked: the action value of the first token is the conditional
    expectation of D given it (the N -> infinity limit of the roll-out mean of eq. (4)) and
    obeys Q(s_0, i) = sum_j G(j | i) Q(i, j) with Q(i, j) = D(i, j) (eq. (2)); the objective
    is J = sum_i G(i) Q(s_0, i) (eq. (1)); the derivative of the enumerated J with respect to
    each logit is the policy gradient of eq. (6), equals its log-derivative form (eq. (7)),
    and reduces to the closed form of :func:`theory.seqgan.exact_objective_gradient`:
    dJ/da_i = G(i)(Q(s_0, i) - J) and dJ/db_ij = G(i) G(j | i)(D(i, j) - Q(s_0, i)).
"""

from __future__ import annotations

import functools

import sympy as sp

from proofs_check.core import Derivation, Step, derivation

__all__ = ["PAPER", "symbols_v2_t2", "seqgan_policy_gradient_v2_t2"]

PAPER = ('Yu, Zhang, Wang & Yu (2017), "SeqGAN: Sequence Generative Adversarial Nets with '
         'Policy Gradient", AAAI')


@functools.cache
def symbols_v2_t2() -> dict:
    """Symbols and enumerated quantities of the V = 2, T = 2 tabular SeqGAN.

    Returns
    -------
    dict
        ``a`` (2 first-token logits), ``b`` (2 x 2 second-token logits, row = first token),
        ``d`` (2 x 2 discriminator values), ``G1`` (first-token probabilities), ``G2``
        (2 x 2 conditionals), ``J`` (the objective by enumeration of the 4 sequences),
        ``Q1`` (first-token action values as conditional expectations), ``domain``.

    Examples
    --------
    >>> s = symbols_v2_t2()
    >>> sp.simplify(s["J"].subs({x: 0 for x in (*s["a"], *s["b"])}).subs(
    ...     {x: sp.Rational(1, 2) for x in s["d"]}))
    1/2
    """
    a = sp.symbols("a0 a1", real=True)
    b = sp.Matrix(2, 2, lambda i, j: sp.Symbol(f"b{i}{j}", real=True))
    d = sp.Matrix(2, 2, lambda i, j: sp.Symbol(f"d{i}{j}", positive=True))
    G1 = [sp.exp(a[i]) / (sp.exp(a[0]) + sp.exp(a[1])) for i in range(2)]
    G2 = sp.Matrix(2, 2, lambda i, j: sp.exp(b[i, j]) / (sp.exp(b[i, 0]) + sp.exp(b[i, 1])))
    joint = sp.Matrix(2, 2, lambda i, j: G1[i] * G2[i, j])
    J = sum(joint[i, j] * d[i, j] for i in range(2) for j in range(2))
    # the conditional expectation of D given the first token, from the joint distribution
    Q1 = [sum(joint[i, j] * d[i, j] for j in range(2)) / sum(joint[i, j] for j in range(2)) for i in range(2)]
    domain = tuple(x < 1 for x in d)  # D(Y) in (0, 1); d > 0 is the symbols' own assumption
    return dict(a=a, b=b, d=list(d), dm=d, G1=G1, G2=G2, J=J, Q1=Q1, domain=domain)


@derivation("yu2017/seqgan-policy-gradient-v2-t2")
def seqgan_policy_gradient_v2_t2() -> Derivation:
    """SeqGAN's eqs. (1), (2), (4), (6), (7) on the V = 2, T = 2 tabular generator.

    Source: Yu et al. (2017), "SeqGAN", eqs. (1), (2), (4), (6) and (7); Sutton et al. (2000),
    Theorem 1 (the softmax form).
    """
    s = symbols_v2_t2()
    a, b, d, G1, G2, J, Q1, dom = s["a"], s["b"], s["dm"], s["G1"], s["G2"], s["J"], s["Q1"], s["domain"]
    steps = []
    for i in range(2):
        steps.append(Step(
            f"eq4-action-value-token-{i}", Q1[i], sum(G2[i, j] * d[i, j] for j in range(2)), assumptions=dom,
            justification="E[D | y_1 = i] (joint over marginal) = sum_j G(j | i) Q(i, j) with Q(i, j) = D(i, j) "
                          "(eq. (2)); the roll-out mean of eq. (4) converges to it as N -> infinity"))
    # From here on the action values are written in their recursive form (just proved equal).
    Q1 = [sum(G2[i, j] * d[i, j] for j in range(2)) for i in range(2)]
    steps.append(Step(
        "eq1-objective", J, sum(G1[i] * Q1[i] for i in range(2)), assumptions=dom,
        justification="J = E_G[D(Y)] = sum_{y_1} G(y_1 | s_0) Q(s_0, y_1) (eq. (1))"))
    steps.append(Step(
        "eq6-gradient-first-token", sp.Derivative(J, a[0]),
        sum(sp.diff(G1[i], a[0]) * Q1[i] for i in range(2)), assumptions=dom,
        justification="eq. (6), t = 1: the empty prefix has probability 1; the t = 2 term does not "
                      "depend on a_0 (G(y_2 | y_1) has no a)"))
    for i in range(2):
        steps.append(Step(
            f"eq6-gradient-second-token-prefix-{i}", sp.Derivative(J, b[i, 1]),
            G1[i] * sum(sp.diff(G2[i, j], b[i, 1]) * d[i, j] for j in range(2)), assumptions=dom,
            justification=f"eq. (6), t = 2: E over Y_1 ~ G keeps only the prefix y_1 = {i} (weight G({i})), "
                          f"and Q(y_1, y_2) = D (eq. (2))"))
    steps.append(Step(
        "eq7-log-derivative", sum(sp.diff(G2[0, j], b[0, 1]) * d[0, j] for j in range(2)),
        sum(G2[0, j] * sp.diff(sp.log(G2[0, j]), b[0, 1]) * d[0, j] for j in range(2)), assumptions=dom,
        justification="grad G = G grad log G, turning eq. (6) into the expectation of eq. (7)"))
    steps.append(Step(
        "softmax-form-first-token", sp.Derivative(J, a[0]), G1[0] * (Q1[0] - J), assumptions=dom,
        justification="dG(i)/da_0 = G(i)(1[i = 0] - G(0)): Pr(prefix) G(a|.) (Q - W) with W = J at s_0"))
    steps.append(Step(
        "softmax-form-second-token", sp.Derivative(J, b[1, 0]), G1[1] * G2[1, 0] * (d[1, 0] - Q1[1]),
        assumptions=dom,
        justification="Pr(y_1 = 1) G(0 | 1)(Q(1, 0) - W(1)) with W(1) = Q(s_0, 1): the formula of "
                      "theory.seqgan.exact_objective_gradient"))
    return Derivation(
        "yu2017/seqgan-policy-gradient-v2-t2",
        "Exact action values and the policy gradient of SeqGAN for a tabular softmax generator "
        "(V = 2, T = 2)",
        f"{PAPER}, eqs. (1), (2), (4), (6), (7)",
        steps,
        "Logits a_i, b_ij are any reals; discriminator values d_ij in (0, 1).  The Monte Carlo "
        "estimate of eq. (4) is not symbolic: its N -> infinity limit is the conditional "
        "expectation checked here; unbiasedness and the 1/N variance are checked by sampling in "
        "the claim yu2017/mc-rollout-unbiased.",
    )
