"""Goodfellow et al. (2014), "Generative Adversarial Nets": Proposition 1 and Theorem 1.

Derivations
-----------
``goodfellow2014/prop1-optimal-discriminator``
    For a, b > 0 the function h(y) = a log y + b log(1 - y) has its unique maximum on (0, 1)
    at y* = a/(a + b); pointwise in x this is D*_G(x) = p_data(x)/(p_data(x) + p_g(x)),
    eq. (2).
``goodfellow2014/thm1-virtual-training-criterion``
    C(G) = V(D*_G, G) = -log 4 + KL(p_data || m) + KL(p_g || m) = -log 4 + 2 JSD(p_data || p_g)
    with m = (p_data + p_g)/2, eqs. (4)-(6), so C(G) >= -log 4 with equality iff
    p_data = p_g.  Checked on a support of n = 3 atoms (p_i = p_data(x_i), q_i = p_g(x_i)).
``goodfellow2014/thm1-virtual-training-criterion-broken`` (example, not verified by default)
    The same chain with "- log 2" where the paper has "- log 4"; the checker must stop there.

Helpers for claims: :func:`symbolic_optimal_discriminator` (the maximizer found by solving
h'(y) = 0, not typed in) and :func:`symbolic_c_of_g` (C(G) on n atoms with that maximizer
substituted into the value function).
"""

from __future__ import annotations

import functools

import sympy as sp

from proofs_check.core import (LEMMA_T, Derivation, Instance, Step, derivation, log_lower_lemma,
                               stationary_point_function)

__all__ = [
    "symbolic_optimal_discriminator",
    "symbolic_c_of_g",
    "prop1_optimal_discriminator",
    "thm1_virtual_training_criterion",
    "broken_example",
    "BROKEN_STEP",
]

PAPER = 'Goodfellow et al. (2014), "Generative Adversarial Nets"'

#: The step that :func:`broken_example` gets wrong.
BROKEN_STEP = "eq5-add-subtract-log4"

def _h(a: sp.Symbol, b: sp.Symbol, y: sp.Symbol) -> sp.Expr:
    return a * sp.log(y) + b * sp.log(1 - y)


@functools.cache
def symbolic_optimal_discriminator() -> sp.Lambda:
    """The maximizer of y -> p_data log y + p_g log(1 - y), obtained by solving h'(y) = 0.

    D*(p_data, p_g) = p_data / (p_data + p_g), found by ``sympy.solve`` on the derivative
    (the derivation ``goodfellow2014/prop1-optimal-discriminator`` proves it is the unique
    maximizer on (0, 1)).

    Source: Goodfellow et al. (2014), "Generative Adversarial Nets", Proposition 1, eq. (2).

    Returns
    -------
    sympy.Lambda
        A function of ``(p_data, p_g)`` (positive symbols), from
        :func:`~proofs_check.core.stationary_point_function` (a RuntimeError if sympy does not
        find exactly one stationary point; it does in sympy >= 1.12); call it with numbers, or
        use ``sympy.lambdify(D.variables, D.expr)`` for arrays.

    Examples
    --------
    >>> D = symbolic_optimal_discriminator()
    >>> D(1, 3)
    1/4
    """
    p_data, p_g = sp.symbols("p_data p_g", positive=True)
    y = sp.Symbol("y", positive=True)
    return stationary_point_function((p_data, p_g), _h(p_data, p_g, y), y)


def _atoms(n: int) -> tuple[tuple[sp.Symbol, ...], tuple[sp.Symbol, ...]]:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"`n` must be an int (got {type(n).__name__})")
    if n < 2:
        raise ValueError(f"`n` must be at least 2 atoms (got {n})")
    p = sp.symbols(f"p1:{n + 1}", positive=True)
    q = sp.symbols(f"q1:{n + 1}", positive=True)
    return p, q


def _value_at_optimum(p, q) -> sp.Expr:
    """V(D*_G, G) = sum_i p_i log D*_i + q_i log(1 - D*_i), with D* from the solver."""
    d_star = symbolic_optimal_discriminator()
    return sp.Add(*(pi * sp.log(d_star(pi, qi)) + qi * sp.log(1 - d_star(pi, qi))
                    for pi, qi in zip(p, q)))


@functools.cache
def symbolic_c_of_g(n: int) -> sp.Lambda:
    """C(G) = V(D*_G, G) on n atoms, with the solved maximizer D* substituted into V.

    C(G) = sum_i p_i log D*_i + q_i log(1 - D*_i),  D*_i = p_i/(p_i + q_i),
    with p_i = p_data(x_i), q_i = p_g(x_i).  Theorem 1 says this equals
    -log 4 + 2 JSD(p || q) when both sum to 1.

    Source: Goodfellow et al. (2014), "Generative Adversarial Nets", eq. (4).

    Parameters
    ----------
    n : int
        Number of atoms (>= 2).

    Returns
    -------
    sympy.Lambda
        A function of ``(p1, ..., pn, q1, ..., qn)`` (positive symbols).

    Raises
    ------
    TypeError, ValueError
        If ``n`` is not an int >= 2.

    Examples
    --------
    >>> C = symbolic_c_of_g(2)
    >>> half = sp.Rational(1, 2)
    >>> sp.simplify(C(half, half, half, half))  # p_g = p_data: the minimum -log 4
    -log(4)
    """
    p, q = _atoms(n)
    return sp.Lambda((*p, *q), _value_at_optimum(p, q))


# --------------------------------------------------------------------------- Proposition 1


@derivation("goodfellow2014/prop1-optimal-discriminator")
def prop1_optimal_discriminator() -> Derivation:
    """Proposition 1: y -> a log y + b log(1 - y) is maximized on (0, 1) at a/(a + b).

    Source: Goodfellow et al. (2014), "Generative Adversarial Nets", Proposition 1, eq. (2).
    """
    a, b, y = sp.symbols("a b y", positive=True)
    h = _h(a, b, y)
    dh = a / y - b / (1 - y)
    y_star = a / (a + b)
    open01 = (y < 1,)  # y > 0 is y's own assumption
    p_data, p_g = sp.symbols("p_data p_g", positive=True)
    steps = [
        Step("first-derivative", sp.Derivative(h, y), dh, assumptions=open01,
             justification="differentiate h(y) = a log y + b log(1 - y)"),
        Step("stationary-point", sp.ConditionSet(y, sp.Eq(dh, 0), sp.S.Reals),
             sp.FiniteSet(y_star),
             justification="solve h'(y) = 0: a(1 - y) = b y has the single root a/(a + b)"),
        Step("root-above-0", y_star, 0, ">", justification="a, b > 0"),
        Step("root-below-1", y_star, 1, "<", justification="1 - a/(a + b) = b/(a + b) > 0"),
        Step("second-derivative", sp.Derivative(h, (y, 2)), -a / y**2 - b / (1 - y) ** 2,
             assumptions=open01, justification="differentiate h'(y)"),
        Step("strictly-concave", -a / y**2 - b / (1 - y) ** 2, 0, "<", assumptions=open01,
             justification="both terms are negative on (0, 1): h is strictly concave, so its "
                           "one stationary point is the unique maximizer"),
        log_lower_lemma(),
        Step("global-maximum", h.subs(y, y_star), h, ">=", assumptions=open01,
             by=(Instance("lemma-log", {LEMMA_T: y_star / y}, factor=a),
                 Instance("lemma-log", {LEMMA_T: (1 - y_star) / (1 - y)}, factor=b)),
             justification="second proof without calculus: h(y*) - h(y) = a log(y*/y) + "
                           "b log((1 - y*)/(1 - y)) >= a(1 - y/y*) + b(1 - (1 - y)/(1 - y*)) = 0"),
        Step("eq2-optimal-discriminator", symbolic_optimal_discriminator()(p_data, p_g),
             p_data / (p_data + p_g),
             justification="lhs: symbolic_optimal_discriminator(), sympy.solve on h'(y) = 0 "
                           "with a = p_data(x), b = p_g(x); rhs: eq. (2), pointwise in x"),
        Step("edge-b0-increasing", sp.Derivative(a * sp.log(y), y), 0, ">",
             assumptions=open01,
             justification="b = 0 < a: h = a log y is increasing on (0, 1) ..."),
        Step("edge-b0-supremum", sp.Limit(a * sp.log(y), y, 1, "-"), 0,
             justification="... so its supremum 0 is reached only as y -> 1, the value "
                           "a/(a + b) = 1 of the formula"),
    ]
    notes = (
        "Edge cases: for b = 0 < a the maximizer over [0, 1] is y = 1 = a/(a + b) (0 log 0 = 0), "
        "symmetrically y = 0 for a = 0 < b; for a = b = 0, h = 0 and every y is a maximizer, so "
        "D*_G(x) is arbitrary where p_data(x) + p_g(x) = 0. The paper states the lemma for "
        "(a, b) in R^2 \\ {(0, 0)}; it needs a, b >= 0 (densities), since for a, b < 0 the "
        "function is convex and a/(a + b) is its minimum."
    )
    return Derivation(
        "goodfellow2014/prop1-optimal-discriminator",
        "Proposition 1: for fixed G the optimal discriminator is "
        "D*_G(x) = p_data(x)/(p_data(x) + p_g(x))",
        f"{PAPER}, Proposition 1 and its proof, eq. (2)",
        steps,
        notes,
    )


# --------------------------------------------------------------------------- Theorem 1


def _entropy(v) -> sp.Expr:
    return -sp.Add(*(x * sp.log(x) for x in v))


def _kl(v, m) -> sp.Expr:
    return sp.Add(*(x * sp.log(x / y) for x, y in zip(v, m)))


@functools.cache
def _thm1(n: int) -> Derivation:
    p, q = _atoms(n)
    m = [(pi + qi) / 2 for pi, qi in zip(p, q)]
    normalized = (sp.Eq(sp.Add(*p), 1), sp.Eq(sp.Add(*q), 1))
    c_of_g = sp.Add(*(pi * sp.log(pi / (pi + qi)) + qi * sp.log(qi / (pi + qi))
                      for pi, qi in zip(p, q)))
    kl_sum = _kl(p, m) + _kl(q, m)
    jsd = _entropy(m) - (_entropy(p) + _entropy(q)) / 2
    lemma_for = [Instance("lemma-log", {LEMMA_T: pi / mi}, factor=pi / 2) for pi, mi in zip(p, m)]
    lemma_for += [Instance("lemma-log", {LEMMA_T: qi / mi}, factor=qi / 2) for qi, mi in zip(q, m)]
    strict_first = [Instance("lemma-log-strict", {LEMMA_T: p[0] / m[0]}, factor=p[0] / 2)]
    steps = [
        Step("eq4-value-at-optimal-d", _value_at_optimum(p, q), c_of_g,
             justification="Prop. 1: D*_G = p_data/(p_data + p_g) in V(D, G), eq. (4)"),
        Step("value-at-pg-equal-pdata", sp.Subs(c_of_g, q, p), -sp.log(4),
             assumptions=normalized[:1],
             justification="for p_g = p_data, D*_G = 1/2 and C(G) = log 1/2 + log 1/2"),
        Step(BROKEN_STEP, c_of_g, -sp.log(4) + kl_sum, assumptions=normalized,
             justification="add and subtract log 4 = sum p_i log 2 + sum q_i log 2, eq. (5)"),
        Step("eq6-jensen-shannon", -sp.log(4) + kl_sum, -sp.log(4) + 2 * jsd,
             justification="JSD(p || q) = H(m) - (H(p) + H(q))/2 = (KL(p || m) + KL(q || m))/2, "
                           "eq. (6)"),
        log_lower_lemma(),
        Step("jsd-nonnegative", jsd, 0, ">=", by=tuple(lemma_for),
             justification="each term p_i log(p_i/m_i) >= p_i - m_i (lemma with t = p_i/m_i); "
                           "the remainders sum to 0"),
        Step("c-at-least-minus-log4", -sp.log(4) + 2 * jsd, -sp.log(4), ">=",
             by=(Instance("jsd-nonnegative", factor=2),),
             justification="Theorem 1: C(G) >= -log 4"),
        Step("jsd-zero-if-equal", sp.Subs(jsd, q, p), 0,
             justification="equality when p_g = p_data"),
        log_lower_lemma("lemma-log-strict", strict=True),
        Step("jsd-positive-if-unequal", jsd, 0, ">", assumptions=(p[0] < q[0],),
             by=tuple(strict_first + lemma_for[1:]),
             justification="only if: p != q with equal sums has an atom with p_i < q_i; "
                           "relabel it as atom 1, where the lemma is strict"),
    ]
    return Derivation(
        "goodfellow2014/thm1-virtual-training-criterion",
        "Theorem 1: C(G) = -log 4 + 2 JSD(p_data || p_g), so its global minimum -log 4 is "
        "reached iff p_g = p_data",
        f"{PAPER}, Theorem 1 and its proof, eqs. (4)-(6)",
        steps,
        f"Checked on a support of n = {n} atoms, p_i = p_data(x_i), q_i = p_g(x_i), all > 0, "
        "each summing to 1 (the constraint is used by eliminating p_n and q_n); atoms where "
        "both vanish contribute nothing. JSD >= 0 is reduced to log t >= 1 - 1/t, proved by "
        "the sign of its derivative. 'Only if': two different distributions with equal sums "
        "have an atom with p_i < q_i; after relabelling it is atom 1, where the strict lemma "
        "makes JSD > 0 (a relabelling argument stated here, not checked by sympy).",
    )


@derivation("goodfellow2014/thm1-virtual-training-criterion")
def thm1_virtual_training_criterion() -> Derivation:
    """Theorem 1: C(G) = -log 4 + 2 JSD(p_data || p_g) >= -log 4, equality iff p_g = p_data.

    Source: Goodfellow et al. (2014), "Generative Adversarial Nets", Theorem 1, eqs. (4)-(6).
    """
    return _thm1(3)


@derivation("goodfellow2014/thm1-virtual-training-criterion-broken", example=True)
def broken_example() -> Derivation:
    """Theorem 1 with one deliberate error: "- log 2" instead of "- log 4" in eq. (5).

    A teaching example for the checker (``ganac derive`` shows where it stops); it is
    registered with ``example=True`` so ``ganac verify`` does not run it.

    Source: Goodfellow et al. (2014), "Generative Adversarial Nets", eq. (5) (altered).
    """
    good = _thm1(3)
    step = good.steps[good.step_index(BROKEN_STEP)]
    return good.broken_copy(
        "goodfellow2014/thm1-virtual-training-criterion-broken",
        "Theorem 1 with a deliberate error in eq. (5) (example for the checker)",
        BROKEN_STEP, rhs=step.rhs.xreplace({sp.log(4): sp.log(2)}),
        note="deliberately wrong: the paper has -log 4 here",
        notes="Example only: the step " + BROKEN_STEP + " uses -log 2 where the paper has -log 4.",
    )
