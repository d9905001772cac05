"""Derivations from van Hasselt, Guez & Silver (2016), "Deep Reinforcement Learning with
Double Q-learning" (AAAI; arXiv:1509.06461), and van Hasselt (2010), "Double Q-learning".

Derivations
-----------
``vanhasselt2015/thm1-overestimation-bound``
    Theorem 1 and the appendix proof.  With errors eps_a = Q_t(s, a) - V*(s), m >= 2,
    sum_a eps_a = 0 and sum_a eps_a^2 = m C, C > 0: max_a eps_a >= b := sqrt(C/(m - 1)),
    and the bound is attained.  The proof is by contradiction.  Suppose max_a eps_a = e < b.
    Split the errors into n non-negative ones (sum P, squares Q+) and m - n strictly
    negative ones (sum of absolute values N, largest d, squares Q-).  n <= m - 1 (n = m and
    sum 0 would make every error 0).  Then P <= n e < n b, N = P (sum 0), d <= N,
    Q- <= N d (Hoelder) < n^2 b^2, Q+ <= n e^2 < n b^2, so Q+ + Q- < C n (n + 1)/(m - 1)
    <= m C, contradicting sum eps^2 = m C.
``vanhasselt2015/thm1-double-estimate-zero-error``
    Theorem 1, second part: admissible estimates for which the Double Q-learning estimate
    Q'_t(s, argmax_a Q_t(s, a)) equals V*(s), so its only lower bound on |error| is 0.
``vanhasselt2015/thm2-uniform-expected-max``
    Appendix Theorem 2: errors iid uniform on [-1, 1] give E[max_a eps_a] = (m - 1)/(m + 1);
    scaled by eps and gamma this is Thrun & Schwartz's (1993) gamma eps (m - 1)/(m + 1).
``vanhasselt2015/double-estimator-underestimates``
    van Hasselt (2010), Section 2: the double estimator's expectation sum_a P_a mu_a
    (P_a = P(argmax of the A-estimates = a)) is at most max_a mu_a.
``vanhasselt2015/thm1-overestimation-bound-broken`` (example, not verified by default)
    The tightness step with sqrt(C/m) in place of sqrt(C/(m - 1)); the checker stops there.

How the contradiction chain is encoded.  The proof's hypotheses are inequalities between
aggregates (P <= n e, d <= N, Q- <= N d, ...).  Each is written as an exact
parametrization with a slack symbol, e.g. P = n e/(1 + s_1) with s_1 >= 0, which covers
exactly the values 0 < P <= n e; the hypothesis e < b is e = b/(1 + t), t > 0, and
m = n + 1 + k with k >= 0 encodes 1 <= n <= m - 1.  Every step is then an identity or an
inequality between explicit expressions that sympy checks (sign decisions or cited lemmas).
What sympy does not check is the translation of the per-error facts into these aggregate
hypotheses (each stated in the step's justification).
"""

from __future__ import annotations

import functools

import sympy as sp

from proofs_check.core import Derivation, Instance, Step, derivation

__all__ = [
    "PAPER",
    "PAPER_2010",
    "BROKEN_STEP",
    "symbolic_tight_example",
    "symbolic_uniform_expected_max",
    "thm1_overestimation_bound",
    "thm1_double_estimate_zero_error",
    "thm2_uniform_expected_max",
    "double_estimator_underestimates",
    "broken_example",
]

PAPER = ('van Hasselt, Guez & Silver (2016), "Deep Reinforcement Learning with Double '
         'Q-learning" (arXiv:1509.06461)')
PAPER_2010 = 'van Hasselt (2010), "Double Q-learning" (NeurIPS)'

#: The step that :func:`broken_example` gets wrong.
BROKEN_STEP = "tight-max-equals-bound"

_C = sp.Symbol("C", positive=True)
_m = sp.Symbol("m", positive=True, integer=True)


def _sum_shown(count: sp.Expr, repeated: sp.Expr, single: sp.Expr) -> sp.Expr:
    """count * repeated + single, left unevaluated so the step shows the sum it checks."""
    return sp.Add(sp.Mul(count, repeated, evaluate=False), single, evaluate=False)


def _bound(C: sp.Expr, m: sp.Expr) -> sp.Expr:
    return sp.sqrt(C / (m - 1))


@functools.cache
def symbolic_tight_example() -> sp.Lambda:
    """Theorem 1's tight example as sympy expressions of (C, m): (positive value, last value).

    The errors are sqrt(C/(m - 1)) for actions 1, ..., m - 1 and -sqrt((m - 1) C) for the
    last one.

    Source: van Hasselt, Guez & Silver (2016), appendix, proof of Theorem 1.

    Returns
    -------
    sympy.Lambda
        ``(C, m) -> Tuple(repeated value, last value)``.

    Examples
    --------
    >>> symbolic_tight_example()(2, 3)
    (1, -2)
    """
    return sp.Lambda((_C, _m), sp.Tuple(sp.sqrt(_C / (_m - 1)), -sp.sqrt((_m - 1) * _C)))


@functools.cache
def symbolic_uniform_expected_max() -> sp.Lambda:
    """E[max of m iid Uniform(-1, 1)] computed by sympy from the distribution of the maximum.

    Y = max + 1 has CDF (y/2)^m on [0, 2], so E[max] = int_0^2 y f(y) dy - int_0^2 f(y) dy
    with f(y) = m y^(m - 1)/2^m; sympy integrates this for a symbolic positive integer m.

    Source: van Hasselt, Guez & Silver (2016), appendix, Theorem 2.

    Returns
    -------
    sympy.Lambda
        ``m -> (m - 1)/(m + 1)`` as sympy finds it (m a positive integer symbol).

    Examples
    --------
    >>> symbolic_uniform_expected_max()(3)
    1/2
    """
    return sp.Lambda(_m, sp.simplify(_uniform_max_integral(_m).doit()))


def _uniform_max_density(m: sp.Expr, y: sp.Symbol) -> sp.Expr:
    return m * y ** (m - 1) / 2**m


def _uniform_max_integral(m: sp.Expr) -> sp.Expr:
    """E[max] = E[Y] - 1 with Y = max + 1 (density m y^(m-1)/2^m on [0, 2]), unevaluated."""
    y = sp.Symbol("y", positive=True)
    f = _uniform_max_density(m, y)
    return sp.Integral(y * f, (y, 0, 2)) - sp.Integral(f, (y, 0, 2))


# --------------------------------------------------------------------------- Theorem 1


def _thm1_steps() -> list[Step]:
    C = _C
    m = _m
    b = _bound(C, m)
    big_m = (m >= 2,)
    pos, last = symbolic_tight_example()(C, m)

    # the contradiction chain in slack form (see the module docstring)
    n = sp.Symbol("n", positive=True, integer=True)
    k = sp.Symbol("k", nonnegative=True, integer=True)
    t = sp.Symbol("t", positive=True)
    s1, s2, s3, s4 = sp.symbols("s1:5", nonnegative=True)
    mm = n + 1 + k                      # m, with 1 <= n <= m - 1
    bb = _bound(C, mm)                  # the bound sqrt(C/(m - 1))
    e = bb / (1 + t)                    # hypothesis: the largest error is e < b
    P = n * e / (1 + s1)                # sum of the n non-negative errors, each <= e
    N = P                               # sum of |negative errors| (errors sum to 0)
    d = N / (1 + s2)                    # the largest |negative error| <= their sum
    q_minus = N * d / (1 + s3)          # sum of squares of the negatives <= N d (Hoelder)
    q_plus = n * e**2 / (1 + s4)        # sum of squares of the non-negatives <= n e^2

    return [
        # -- tightness: the example is admissible and attains the bound (symbolic m)
        Step("tight-sum", _sum_shown(m - 1, pos, last), 0, assumptions=big_m,
             justification="(m - 1) sqrt(C/(m - 1)) - sqrt((m - 1) C) = 0: the errors are "
                           "unbiased on the whole"),
        Step("tight-mean-square", ((m - 1) * pos**2 + last**2) / m, C, assumptions=big_m,
             justification="((m - 1) C/(m - 1) + (m - 1) C)/m = C"),
        Step("tight-last-below", last, pos, "<", assumptions=big_m,
             justification="the last error is negative, so the maximum is the repeated value"),
        Step(BROKEN_STEP, pos, b, assumptions=big_m,
             justification="max_a eps_a = sqrt(C/(m - 1)): the bound is attained (tight)"),
        # -- the bound: contradiction chain
        Step("n-at-most-m-minus-1", n, mm - 1, "<=",
             justification="n = m would make every error >= 0 with sum 0, hence all 0, "
                           "contradicting C > 0; so m = n + 1 + k with k >= 0"),
        Step("hyp-max-below-bound", e, bb, "<",
             justification="the hypothesis to refute: max_a eps_a = e < sqrt(C/(m - 1))"),
        Step("positives-sum", P, n * bb, "<",
             justification="P = sum of the n non-negative errors <= n e < n b"),
        Step("negatives-sum", N, n * bb, "<",
             justification="sum_a eps_a = 0: the negatives' |sum| N equals P"),
        Step("largest-negative", d, n * bb, "<",
             justification="every |negative error| is at most their sum N"),
        Step("hoelder", q_minus, N * d, "<=",
             justification="Hoelder: sum_j |eps_j|^2 <= (sum_j |eps_j|) max_j |eps_j|"),
        Step("negatives-squares", q_minus, n**2 * C / (mm - 1), "<",
             justification="Q- <= N d < (n b)(n b) = n^2 C/(m - 1)"),
        Step("positives-squares", q_plus, n * C / (mm - 1), "<",
             justification="each non-negative error squared is <= e^2 < C/(m - 1)"),
        Step("total-squares", q_plus + q_minus, C * n * (n + 1) / (mm - 1), "<",
             by=(Instance("negatives-squares"), Instance("positives-squares")),
             justification="sum of the two bounds"),
        Step("n-factor", C * n * (n + 1) / (mm - 1), mm * C, "<=",
             justification="n (n + 1) <= (m - 1) m for n <= m - 1: the difference is "
                           "k (2 n + k + 1) >= 0"),
        Step("contradiction", q_plus + q_minus, mm * C, "<",
             by=(Instance("total-squares"), Instance("n-factor")),
             justification="sum_a eps_a^2 < m C contradicts the mean squared error C; hence "
                           "max_a eps_a >= sqrt(C/(m - 1)) for every admissible error vector"),
    ]


def _thm1(steps: list[Step], id_: str, title: str, notes: str) -> Derivation:
    return Derivation(id_, title, f"{PAPER}, Theorem 1 and its proof (appendix)", steps, notes)


_THM1_NOTES = (
    "Tightness is checked for symbolic m >= 2. The contradiction chain is checked for "
    "symbolic n >= 1, k = m - 1 - n >= 0 and C > 0, with each aggregate hypothesis written "
    "as an exact slack parametrization (module docstring); the per-error facts behind them "
    "(each non-negative error <= the maximum, the largest |negative| <= their sum, Hoelder) "
    "are stated, not checked, by sympy. Strictness comes from t > 0 (the hypothesis e < b)."
)


@derivation("vanhasselt2015/thm1-overestimation-bound")
def thm1_overestimation_bound() -> Derivation:
    """Theorem 1: max_a Q_t(s, a) >= V*(s) + sqrt(C/(m - 1)), and the bound is tight.

    Source: van Hasselt, Guez & Silver (2016), Theorem 1 and its proof in the appendix.
    """
    return _thm1(
        _thm1_steps(),
        "vanhasselt2015/thm1-overestimation-bound",
        "Theorem 1: errors summing to 0 with mean square C > 0 have max >= sqrt(C/(m - 1)); "
        "the bound is attained",
        _THM1_NOTES,
    )


@derivation("vanhasselt2015/thm1-overestimation-bound-broken", example=True)
def broken_example() -> Derivation:
    """Theorem 1 with one deliberate error: the tight example's maximum said to be sqrt(C/m).

    A teaching example for the checker (``ganac derive`` shows where it stops); registered
    with ``example=True`` so ``ganac verify`` does not run it.

    Source: van Hasselt, Guez & Silver (2016), Theorem 1 (altered).
    """
    return thm1_overestimation_bound().broken_copy(
        "vanhasselt2015/thm1-overestimation-bound-broken",
        "Theorem 1 with a deliberate error in the tightness step (example for the checker)",
        BROKEN_STEP, rhs=sp.sqrt(_C / _m), note="deliberately wrong: the bound is sqrt(C/(m - 1))",
        notes="Example only: the step " + BROKEN_STEP + " uses sqrt(C/m).",
    )


@derivation("vanhasselt2015/thm1-double-estimate-zero-error")
def thm1_double_estimate_zero_error() -> Derivation:
    """Theorem 1, second part: the Double Q-learning estimate can have zero error.

    Source: van Hasselt, Guez & Silver (2016), Theorem 1 (last sentence) and its proof.
    """
    C, m = _C, _m
    big_m = (m >= 2,)
    top = sp.sqrt((m - 1) * C)          # selector error at action 1
    rest = -sp.sqrt(C / (m - 1))        # selector error at the other m - 1 actions
    # evaluator (m >= 3): 0 at action 1; the other m - 1 errors are the tight example on
    # m - 1 actions with mean square C' = m C/(m - 1)
    c2 = m * C / (m - 1)
    e_pos = sp.sqrt(c2 / (m - 2))
    e_last = -sp.sqrt((m - 2) * c2)
    m3 = (m >= 3,)
    # Q'_t's error as a function of the action index: 0 at action 1, the tight example on the
    # others; the double estimate evaluates it at the selector's argmax (action 1).
    action = sp.Symbol("a", integer=True, positive=True)
    evaluator_error = sp.Piecewise((0, sp.Eq(action, 1)), (e_pos, action < m), (e_last, True))
    selected = 1
    steps = [
        Step("selector-sum", _sum_shown(m - 1, rest, top), 0, assumptions=big_m,
             justification="Q_t is unbiased on the whole"),
        Step("selector-mean-square", (top**2 + (m - 1) * rest**2) / m, C, assumptions=big_m,
             justification="Q_t has mean squared error C"),
        Step("selector-argmax", rest, top, "<", assumptions=big_m,
             justification="argmax_a Q_t(s, a) is action 1"),
        Step("single-estimate-error", top, sp.sqrt(C / (m - 1)), ">=", assumptions=big_m,
             justification="the single estimate max_a Q_t overestimates by sqrt((m - 1) C), "
                           "consistent with Theorem 1's bound"),
        Step("evaluator-sum", _sum_shown(m - 2, e_pos, e_last), 0, assumptions=m3,
             justification="Q'_t (m >= 3): error 0 at action 1, the others sum to 0"),
        Step("evaluator-mean-square", (0 + (m - 2) * e_pos**2 + e_last**2) / m, C,
             assumptions=m3,
             justification="Q'_t also has mean squared error C, so it meets the same conditions"),
        Step("double-estimate-error", evaluator_error.subs(action, selected), 0,
             justification="Q'_t(s, argmax_a Q_t(s, a)) - V*(s) = Q'_t(s, a_1) - V*(s) = 0: "
                           "the lower bound on the absolute error is 0"),
    ]
    return Derivation(
        "vanhasselt2015/thm1-double-estimate-zero-error",
        "Theorem 1, second part: under the same conditions the Double Q-learning estimate can "
        "be exact, so its lower bound on the absolute error is 0",
        f"{PAPER}, Theorem 1 and its proof (appendix, last paragraph)",
        steps,
        "The paper leaves Q'_t arbitrary away from the selected action; here it is chosen to "
        "satisfy Theorem 1's conditions as well when m >= 3 (for m = 2 every admissible Q'_t "
        "has errors +-sqrt(C), so it cannot be exact). The selector's values are our own "
        "choice satisfying both constraints.",
    )


# --------------------------------------------------------------------------- Theorem 2


@derivation("vanhasselt2015/thm2-uniform-expected-max")
def thm2_uniform_expected_max() -> Derivation:
    """Appendix Theorem 2 and Thrun & Schwartz's bound gamma eps (m - 1)/(m + 1).

    Source: van Hasselt, Guez & Silver (2016), appendix, Theorem 2; Thrun & Schwartz (1993).
    """
    m = _m
    x = sp.Symbol("x", real=True)
    y = sp.Symbol("y", positive=True)
    eps, gamma = sp.symbols("epsilon gamma", positive=True)
    cdf = ((x + 1) / 2) ** m                # P(max_a eps_a <= x) on [-1, 1]
    e_max = _uniform_max_integral(m)
    steps = [
        Step("cdf-of-shifted-max", sp.Subs(cdf, x, y - 1), (y / 2) ** m,
             justification="P(max_a eps_a <= x) = prod_a P(eps_a <= x) = ((x + 1)/2)^m on "
                           "[-1, 1]; Y = max + 1 has CDF (y/2)^m on [0, 2]"),
        Step("density-of-shifted-max", sp.Derivative((y / 2) ** m, y),
             _uniform_max_density(m, y),
             justification="differentiate the CDF"),
        Step("expected-max", e_max, (m - 1) / (m + 1),
             justification="E[max] = E[Y] - 1 = 2m/(m + 1) - 1 = (m - 1)/(m + 1)"),
        Step("by-parts", 1 - sp.Integral(cdf, (x, -1, 1)), (m - 1) / (m + 1),
             justification="the same by parts: E[max] = 1 - int_{-1}^{1} P(max <= x) dx"),
        Step("scale-to-eps", sp.Subs(((x + eps) / (2 * eps)) ** m, x, eps * (y - 1)),
             (y / 2) ** m,
             justification="errors uniform on [-eps, eps] are eps times errors uniform on "
                           "[-1, 1]: P(max <= eps (y - 1)) is the same CDF, so E[max] scales "
                           "by eps"),
        Step("thrun-schwartz", gamma * eps * e_max, gamma * eps * (m - 1) / (m + 1),
             justification="the target r + gamma max_a Q(s', a) carries gamma times the "
                           "overestimation of the max: gamma eps (m - 1)/(m + 1)"),
        Step("below-half-width", (m - 1) / (m + 1), 1, "<",
             justification="the expected overestimation stays below eps for every m"),
    ]
    return Derivation(
        "vanhasselt2015/thm2-uniform-expected-max",
        "Errors iid uniform on [-eps, eps]: E[max] = eps (m - 1)/(m + 1) (Theorem 2), and the "
        "target overestimation gamma eps (m - 1)/(m + 1) (Thrun & Schwartz 1993)",
        f"{PAPER}, appendix, Theorem 2; Thrun & Schwartz (1993)",
        steps,
        "m is a positive integer symbol; the integrals are evaluated by sympy (doit).",
    )


# --------------------------------------------------------------------------- double estimator


@derivation("vanhasselt2015/double-estimator-underestimates")
def double_estimator_underestimates() -> Derivation:
    """van Hasselt (2010): E[Q^B(argmax_a Q^A_a)] = sum_a P_a mu_a <= max_a mu_a.

    Checked for m = 3 actions with the best one first (mu_1 = M, mu_a = M - g_a, g_a >= 0)
    and selection probabilities p_a >= 0 summing to 1.

    Source: van Hasselt (2010), "Double Q-learning", Section 2.
    """
    M = sp.Symbol("M", real=True)
    g2, g3 = sp.symbols("g2 g3", nonnegative=True)
    # p_best sorts after p2, p3, so the constraint sum = 1 eliminates it (the best action's
    # probability), keeping the signs of p2, p3 that the proof uses
    p1, p2, p3 = sp.symbols("p_best p2 p3", nonnegative=True)
    mu = (M, M - g2, M - g3)
    p = (p1, p2, p3)
    double = sp.Add(*(pi * mi for pi, mi in zip(p, mu)))
    steps = [
        Step("conditioning", double, M * (p1 + p2 + p3) - (p2 * g2 + p3 * g3),
             justification="E[Q^B_{a*}] = sum_a P(a* = a) E[Q^B_a | a* = a] = sum_a P_a mu_a: "
                           "a* depends on Q^A only and Q^B is independent and unbiased"),
        Step("convex-combination", double, M * (p1 + p2 + p3), "<=",
             justification="sum_a P_a mu_a <= max_a mu_a sum_a P_a (each mu_a <= M, P_a >= 0)"),
        Step("bias-nonpositive", double - M, 0, "<=", assumptions=(sp.Eq(p1 + p2 + p3, 1),),
             justification="with sum_a P_a = 1 the bias E[Q^B_{a*}] - max_a mu_a <= 0"),
    ]
    return Derivation(
        "vanhasselt2015/double-estimator-underestimates",
        "The double estimator never overestimates: its expectation is a convex combination of "
        "the true means",
        f"{PAPER_2010}, Section 2",
        steps,
        "Checked on m = 3 actions (any m is the same sum); the constraint sum_a P_a = 1 is used "
        "by eliminating the best action's probability.",
    )
