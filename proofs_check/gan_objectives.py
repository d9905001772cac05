"""LSGAN, f-GAN and EBGAN: the algebra behind their closed forms, step by step.

Papers
------
Mao et al. (2017), "Least Squares Generative Adversarial Networks", arXiv:1611.04076,
    Section 3.2.2 (optimal discriminator of the extended objective; the χ² identity).
Nowozin, Cseke & Tomioka (2016), "f-GAN", arXiv:1606.00709, Section 2.2 (the Fenchel lower
    bound, tight at T*(x) = f'(p(x)/q(x))), Tables 1 and 2.
Zhao, Mathieu & LeCun (2017), "Energy-based Generative Adversarial Networks",
    arXiv:1609.03126, Lemma 1 and Theorems 1-2.

Derivations
-----------
``mao2017/lsgan-optimal-discriminator``
    h(y) = ½ p (y - b)² + ½ q (y - a)² (p = p_data(x), q = p_g(x) > 0) has the single
    stationary point (b p + a q)/(p + q), and h(y) - h(y*) = ½ (p + q)(y - y*)² >= 0.
``mao2017/lsgan-pearson-chi2``
    Per atom, (p + q)(D* - c)² = ((b - c)(p + q) - (b - a) q)²/(p + q); with b - c = 1,
    b - a = 2 it is (2q - (p + q))²/(p + q) = 2 (q - m)²/m = (p - q)²/(p + q), m = (p + q)/2:
    the Pearson χ² term with the mixture (p_d + p_g)/2 in the denominator.  On n = 3 atoms
    (each side summing to 1): 2 C(G) = (a + b - 2c)²/2 + (b - a)²/4 · Σ (p - q)²/(p + q) for any
    labels, and the two measures p_d + p_g and 2 p_g both have mass 2.
``nowozin2016/fenchel-optimal-critic``
    For each family of :data:`FAMILIES` (Table 1's f and T*, Table 2's f*): T*(u) = f'(u);
    f*(T*(u)) = u T*(u) - f(u), so the per-atom bound q [u t - f*(t)] equals q f(u) at t = T*
    (the bound is tight); d/dt [u t - f*(t)] = 0 there; and f*''(f'(s)) > 0 for every s > 0,
    so f* is strictly convex on the interior of its domain (which f' sweeps) and T* is the
    unique maximiser; T* stays inside dom f* where it is open.  The GAN family's q f(p/q) is
    Goodfellow's p log D* + q log(1 - D*), and f*(log d) = -log(1 - d) turns the bound into
    the GAN value.
``zhao2017/ebgan-pointwise-minimum``
    Lemma 1: φ(y) = a y + b [m - y]⁺ on [0, ∞) is minimised at m if a < b and at 0 if a > b,
    with minimum m·min(a, b); Σ min(p_i, q_i) = 1 - TV; a constant D = γ ∈ [0, m] has
    V = m for every generator (Theorems 1-2).

Helpers: :func:`symbolic_lsgan_discriminator` (the stationary point found by ``sympy.solve``).
"""

from __future__ import annotations

import functools

import sympy as sp

from proofs_check.core import Derivation, Instance, Step, derivation, stationary_point_function

__all__ = [
    "MAO",
    "NOWOZIN",
    "ZHAO",
    "FAMILIES",
    "symbolic_lsgan_discriminator",
    "lsgan_optimal_discriminator",
    "lsgan_pearson_chi2",
    "fenchel_optimal_critic",
    "ebgan_pointwise_minimum",
]

MAO = 'Mao et al. (2017), "Least Squares Generative Adversarial Networks"'
NOWOZIN = 'Nowozin, Cseke & Tomioka (2016), "f-GAN"'
ZHAO = 'Zhao, Mathieu & LeCun (2017), "Energy-based Generative Adversarial Networks"'

_p, _q = sp.symbols("p q", positive=True)          # p_data(x), p_g(x) on one atom
_a, _b, _c = sp.symbols("a b c", real=True)        # LSGAN labels
_y = sp.Symbol("y", real=True)                      # a discriminator value D(x)
_z = sp.Symbol("z", real=True)


def _h(y: sp.Expr) -> sp.Expr:
    """½ p (y - b)² + ½ q (y - a)²: one atom of the LSGAN discriminator's objective."""
    return sp.Rational(1, 2) * _p * (y - _b) ** 2 + sp.Rational(1, 2) * _q * (y - _a) ** 2


@functools.cache
def symbolic_lsgan_discriminator() -> sp.Lambda:
    """The minimizer of y -> ½ p (y - b)² + ½ q (y - a)², solved by ``sympy.solve``.

    D*(p, q; a, b) = (b p + a q)/(p + q), found from h'(y) = 0 (not typed in).

    Source: Mao et al. (2017), "Least Squares Generative Adversarial Networks",
    Section 3.2.2 (the optimal discriminator for a fixed G).

    Returns
    -------
    sympy.Lambda
        A function of ``(p, q, a, b)`` (p, q positive; a, b real), from
        :func:`~proofs_check.core.stationary_point_function` (a RuntimeError if sympy does not
        find exactly one stationary point).

    Examples
    --------
    >>> D = symbolic_lsgan_discriminator()
    >>> D(1, 3, -1, 1)
    -1/2
    """
    return stationary_point_function((_p, _q, _a, _b), _h(_y), _y)


# --------------------------------------------------------------------------- LSGAN


@derivation("mao2017/lsgan-optimal-discriminator")
def lsgan_optimal_discriminator() -> Derivation:
    """The LSGAN optimal discriminator D*(x) = (b p_data + a p_g)/(p_data + p_g).

    Source: Mao et al. (2017), Section 3.2.2.
    """
    h = _h(_y)
    dh = _p * (_y - _b) + _q * (_y - _a)
    y_star = (_b * _p + _a * _q) / (_p + _q)
    steps = [
        Step("first-derivative", sp.Derivative(h, _y), dh,
             justification="differentiate ½ p (y - b)² + ½ q (y - a)²"),
        Step("stationary-point", sp.ConditionSet(_y, sp.Eq(dh, 0), sp.S.Reals),
             sp.FiniteSet(y_star),
             justification="h'(y) = (p + q) y - (b p + a q) = 0 has one root"),
        Step("second-derivative", sp.Derivative(h, (_y, 2)), _p + _q,
             justification="differentiate h'(y)"),
        Step("strictly-convex", _p + _q, 0, ">",
             justification="p + q > 0: h is a strictly convex parabola"),
        Step("complete-the-square", h - h.subs(_y, y_star),
             sp.Rational(1, 2) * (_p + _q) * (_y - y_star) ** 2,
             justification="h(y) - h(y*) = ½ (p + q)(y - y*)², an identity in y"),
        Step("lemma-square", _z ** 2, 0, ">=", justification="a real square"),
        Step("global-minimum", h, h.subs(_y, y_star), ">=",
             by=(Instance("lemma-square", {_z: _y - y_star}, factor=(_p + _q) / 2),),
             justification="the square times (p + q)/2 >= 0; zero only at y = y*"),
        Step("paper-optimal-discriminator", symbolic_lsgan_discriminator()(_p, _q, _a, _b),
             y_star,
             justification="lhs: sympy.solve on h'(y) = 0; rhs: the paper's D*(x)"),
        Step("edge-pg-zero", sp.Subs(y_star, _q, 0), _b,
             justification="where p_g(x) = 0 < p_data(x), h = ½ p (y - b)² is minimised at b, "
                           "the formula's value"),
    ]
    return Derivation(
        "mao2017/lsgan-optimal-discriminator",
        "LSGAN: for fixed G the optimal discriminator is (b p_data + a p_g)/(p_data + p_g)",
        f"{MAO}, Section 3.2.2 (optimal discriminator of the extended objective)",
        steps,
        "Pointwise in x with p = p_data(x) > 0, q = p_g(x) > 0; the labels a, b are any reals. "
        "Where p_data(x) = p_g(x) = 0 every D(x) is optimal (theory.gan_objectives returns "
        "(a + b)/2 there).",
    )


def _atoms(n: int) -> tuple[tuple[sp.Symbol, ...], tuple[sp.Symbol, ...]]:
    return sp.symbols(f"p1:{n + 1}", positive=True), sp.symbols(f"q1:{n + 1}", positive=True)


#: Atoms of the summed LSGAN identities.
N_ATOMS = 3


@derivation("mao2017/lsgan-pearson-chi2")
def lsgan_pearson_chi2() -> Derivation:
    """2 C(G) = Σ (2 p_g - (p_d + p_g))²/(p_d + p_g) for b - c = 1, b - a = 2, and which χ² it is.

    Source: Mao et al. (2017), Section 3.2.2 (2 C(G) and the Pearson χ² identity).
    """
    d_star = symbolic_lsgan_discriminator()(_p, _q, _a, _b)
    per_atom_2c = (_p + _q) * (d_star - _c) ** 2
    paper_6 = ((_b - _c) * (_p + _q) - (_b - _a) * _q) ** 2 / (_p + _q)
    paper_7 = (2 * _q - (_p + _q)) ** 2 / (_p + _q)
    m = (_p + _q) / 2
    labels = {_b: _c + 1, _a: _c - 1}               # b - c = 1, b - a = 2
    ps, qs = _atoms(N_ATOMS)
    norm = (sp.Eq(sp.Add(*ps), 1), sp.Eq(sp.Add(*qs), 1))
    level, slope = (_a + _b - 2 * _c) / 2, (_b - _a) / 2

    def decomposed(pi, qi):
        return level ** 2 * (pi + qi) + 2 * level * slope * (pi - qi) + slope ** 2 * (pi - qi) ** 2 / (pi + qi)

    delta = sp.Add(*((pi - qi) ** 2 / (pi + qi) for pi, qi in zip(ps, qs)))
    steps = [
        Step("two-c-per-atom", per_atom_2c, paper_6,
             justification="p (D* - c)² + q (D* - c)² = (p + q)(D* - c)² with D* from "
                           "symbolic_lsgan_discriminator(); the paper's form of 2C(G)"),
        Step("labels-b-c-1-b-a-2", sp.Subs(paper_6, (_b, _a), (_c + 1, _c - 1)), paper_7,
             justification="b - c = 1, b - a = 2 in the paper's 2C(G)"),
        Step("chi2-mixture-denominator", paper_7, 2 * (_q - m) ** 2 / m,
             justification="(2q - (p + q))²/(p + q) = 2 (q - m)²/m, m = (p + q)/2: twice the "
                           "Pearson term (q - m)²/m, the density of the mixture in the "
                           "denominator"),
        Step("symmetric", 2 * (_q - m) ** 2 / m, (_p - _q) ** 2 / (_p + _q),
             justification="2q - (p + q) = q - p"),
        Step("per-atom-nonnegative", (_p - _q) ** 2 / (_p + _q), 0, ">=",
             justification="a square over a positive number"),
        Step("zero-at-equal", sp.Subs((_p - _q) ** 2 / (_p + _q), _q, _p), 0,
             justification="p_g = p_data gives C(G) = 0"),
        Step("disjoint-atom", sp.Subs(paper_7, _q, 0), _p,
             justification="an atom outside p_g's support contributes p (and symmetrically "
                           "q), so disjoint supports give 2C(G) = 1 + 1 = 2"),
        Step("masses-are-2", sp.Add(*ps) + sp.Add(*qs), sp.Add(*(2 * qi for qi in qs)),
             assumptions=norm,
             justification="p_d + p_g and 2 p_g both have mass 2: the paper's χ² compares "
                           "unnormalised measures"),
        Step("two-c-decomposed", per_atom_2c, decomposed(_p, _q),
             justification="(b - c) p + (a - c) q = ½(a + b - 2c)(p + q) + ½(b - a)(p - q), "
                           "squared and divided by p + q"),
        Step("two-c-any-labels", sp.Add(*(decomposed(pi, qi) for pi, qi in zip(ps, qs))),
             (_a + _b - 2 * _c) ** 2 / 2 + (_b - _a) ** 2 / 4 * delta, assumptions=norm,
             justification="summing: Σ (p + q) = 2 and the cross term Σ (p - q) = 0, so "
                           "2C(G) = (a + b - 2c)²/2 + (b - a)²/4 · Σ (p - q)²/(p + q)"),
        Step("two-c-paper-labels",
             sp.Subs((_a + _b - 2 * _c) ** 2 / 2 + (_b - _a) ** 2 / 4 * delta, (_b, _a),
                     (_c + 1, _c - 1)), delta,
             justification="with b - c = 1, b - a = 2 the constant vanishes: 2C(G) = "
                           "Σ (p - q)²/(p + q) = 2 χ²(p_g ‖ (p_d + p_g)/2)"),
    ]
    return Derivation(
        "mao2017/lsgan-pearson-chi2",
        "LSGAN: with b - c = 1, b - a = 2, 2C(G) = Σ (2p_g - (p_d + p_g))²/(p_d + p_g), a Pearson "
        "χ² with p_d + p_g in the denominator",
        f"{MAO}, Section 3.2.2 (2C(G) and its χ² form)",
        steps,
        f"Per-atom steps for p = p_d(x) > 0, q = p_g(x) > 0; the summed steps on n = {N_ATOMS} "
        "atoms, each side summing to 1. In the convention χ²(P ‖ Q) = Σ (p - q)²/q "
        "(theory.divergences.pearson_chi2, f(t) = (t - 1)²) the paper's integral is "
        "χ²(2 p_g ‖ p_d + p_g) = 2 χ²(p_g ‖ M); the paper writes χ²_Pearson(p_d + p_g ‖ 2 p_g), "
        "naming first the measure in the denominator.",
    )


# --------------------------------------------------------------------------- f-GAN

_u = sp.Symbol("u", positive=True)      # p(x)/q(x)
_s = sp.Symbol("s", positive=True)      # another ratio
_t = sp.Symbol("t", real=True)          # a critic value
_d = sp.Symbol("d", positive=True)      # a GAN discriminator value in (0, 1)


def _families() -> dict[str, dict[str, sp.Expr]]:
    """Table 1's f(u) and T* (as functions of u = p/q) and Table 2's f*(t) and sup dom f*."""
    u, t = _u, _t
    log2 = sp.log(2)
    return {
        "kl": dict(f=u * sp.log(u), T=1 + sp.log(u), conj=sp.exp(t - 1), upper=sp.oo),
        "reverse_kl": dict(f=-sp.log(u), T=-1 / u, conj=-1 - sp.log(-t), upper=sp.S.Zero),
        "pearson_chi2": dict(f=(u - 1) ** 2, T=2 * (u - 1), conj=t ** 2 / 4 + t, upper=sp.oo),
        "neyman_chi2": dict(f=(1 - u) ** 2 / u, T=1 - 1 / u ** 2, conj=2 - 2 * sp.sqrt(1 - t),
                            upper=sp.S.One),
        "squared_hellinger": dict(f=(sp.sqrt(u) - 1) ** 2, T=(sp.sqrt(u) - 1) * sp.sqrt(1 / u),
                                  conj=t / (1 - t), upper=sp.S.One),
        "jensen_shannon": dict(f=-(u + 1) * sp.log((1 + u) / 2) + u * sp.log(u),
                               T=sp.log(2 * u / (u + 1)), conj=-sp.log(2 - sp.exp(t)),
                               upper=log2),
        "gan": dict(f=u * sp.log(u) - (u + 1) * sp.log(u + 1), T=sp.log(u / (u + 1)),
                    conj=-sp.log(1 - sp.exp(t)), upper=sp.S.Zero),
    }


#: Table 1's f and T*, Table 2's f* and sup dom f*, per family (sympy expressions in u, t).
FAMILIES = _families()


def _family_steps(name: str, row: dict[str, sp.Expr]) -> list[Step]:
    f, T, conj = row["f"], row["T"], row["conj"]
    per_atom = _u * _t - conj                      # the bound's integrand divided by q
    steps = [
        Step(f"{name}-critic-is-f-prime", T, sp.Derivative(f, _u),
             justification="Table 1's T* is f'(p/q)"),
        Step(f"{name}-tight-at-critic", per_atom.subs(_t, T), f,
             justification="Fenchel-Young equality u T* - f*(T*) = f(u): at T* the bound's "
                           "term q [u t - f*(t)] is q f(p/q), so the bound equals D_f"),
        Step(f"{name}-stationary-at-critic", sp.Subs(sp.Derivative(per_atom, _t), _t, T), 0,
             justification="d/dt [u t - f*(t)] = u - f*'(t) vanishes at t = T*"),
        Step(f"{name}-conjugate-strictly-convex",
             sp.Subs(sp.Derivative(conj, (_t, 2)), _t, T.subs(_u, _s)), 0, ">",
             justification="f*''(f'(s)) > 0 for every s > 0, and f' maps (0, ∞) onto the "
                           "interior of dom f*: t -> u t - f*(t) is strictly concave there, so "
                           "T* is its unique maximiser and any other critic value loses"),
    ]
    if row["upper"].is_finite:
        steps.append(Step(f"{name}-critic-in-domain", T, row["upper"], "<",
                          justification="T* lies inside the open part of dom f*"))
    return steps


@derivation("nowozin2016/fenchel-optimal-critic")
def fenchel_optimal_critic() -> Derivation:
    """f-GAN's lower bound E_P[T] - E_Q[f*(T)] is tight exactly at T* = f'(p/q), per family.

    Source: Nowozin, Cseke & Tomioka (2016), Section 2.2, Tables 1 and 2.
    """
    steps: list[Step] = []
    for name, row in FAMILIES.items():
        steps += _family_steps(name, row)
    gan = FAMILIES["gan"]
    steps += [
        Step("gan-family-is-goodfellow-c", _q * gan["f"].subs(_u, _p / _q),
             _p * sp.log(_p / (_p + _q)) + _q * sp.log(_q / (_p + _q)),
             justification="q f(p/q) with the GAN f is Goodfellow's p log D* + q log(1 - D*): "
                           "D_f = C(G) = 2 JSD - log 4"),
        Step("js-family-is-twice-jsd", _q * FAMILIES["jensen_shannon"]["f"].subs(_u, _p / _q),
             2 * (sp.Rational(1, 2) * _p * sp.log(2 * _p / (_p + _q))
                  + sp.Rational(1, 2) * _q * sp.log(2 * _q / (_p + _q))),
             justification="Table 1's Jensen-Shannon f gives twice the JSD of its printed "
                           "D_f column (½ Σ p log(2p/(p+q)) + q log(2q/(p+q)))"),
        Step("gan-bound-is-gan-value", -gan["conj"].subs(_t, sp.log(_d)), sp.log(1 - _d),
             assumptions=(_d < 1,),
             justification="with T = log D (Table 2's activation -log(1 + e^-v) = log σ(v)), "
                           "-f*(T) = log(1 - D): the bound is E_P log D + E_Q log(1 - D)"),
    ]
    return Derivation(
        "nowozin2016/fenchel-optimal-critic",
        "f-GAN: the Fenchel lower bound is tight at T* = f'(p/q) and strictly below elsewhere",
        f"{NOWOZIN}, Section 2.2 (the variational lower bound and its tight critic), "
        "Table 1 (f, T*) and Table 2 (f*, dom f*)",
        steps,
        "u = p(x)/q(x) > 0 on atoms where both densities are positive. The Pearson conjugate "
        "t²/4 + t is that of (u - 1)² on all of R (as printed); f' sweeps (-2, ∞) there, and "
        "f*'' = 1/2 > 0 holds on all of R. Squared Hellinger's T* is printed as "
        "(√u - 1)·√(1/u) = 1 - 1/√u.",
    )


# --------------------------------------------------------------------------- EBGAN

_m = sp.Symbol("m", positive=True)
_ea, _eb = sp.symbols("a b", positive=True)        # Lemma 1's a = p_data(x), b = p_g(x)
_frac = sp.Symbol("s", positive=True)              # D(x) = m s with 0 < s < 1: inside [0, m]
_w = sp.Symbol("w", positive=True)                 # D(x) = m + w: beyond the margin
_gamma = sp.Symbol("gamma", positive=True)


def _phi(y: sp.Expr) -> sp.Expr:
    """Lemma 1's φ(y) = a y + b [m - y]⁺."""
    return _ea * y + _eb * sp.Max(_m - y, 0)


@derivation("zhao2017/ebgan-pointwise-minimum")
def ebgan_pointwise_minimum() -> Derivation:
    """Lemma 1 and the closed form min_D V(D, G) = m Σ min(p_data, p_g) = m (1 - TV).

    Source: Zhao, Mathieu & LeCun (2017), Lemma 1, V(G, D) and Theorems 1-2.
    """
    inside = (_frac < 1,)
    y_in, y_out = _m * _frac, _m + _w
    pa, pb = sp.symbols("p q", positive=True)
    ps, qs = _atoms(N_ATOMS)
    norm = (sp.Eq(sp.Add(*ps), 1), sp.Eq(sp.Add(*qs), 1))
    v_const = sp.Add(*(pi * _gamma + qi * sp.Max(_m - _gamma, 0) for pi, qi in zip(ps, qs)))
    steps = [
        Step("phi-at-0", _phi(sp.S.Zero), _m * _eb, justification="φ(0) = b m"),
        Step("phi-at-m", _phi(_m), _m * _ea, justification="φ(m) = a m"),
        Step("phi-affine-on-0-m", _phi(y_in), (1 - _frac) * _m * _eb + _frac * _m * _ea,
             assumptions=inside,
             justification="on [0, m] (y = m s, 0 < s < 1) φ is affine: the chord between "
                           "φ(0) and φ(m)"),
        Step("a-lt-b-min-at-m-inside", _phi(y_in), _m * _ea, ">=",
             assumptions=inside + (_ea < _eb,),
             justification="a < b: φ(y) - a m = (b - a)(m - y) >= 0 on [0, m]"),
        Step("min-at-m-outside", _phi(y_out), _m * _ea, ">=",
             justification="y = m + w > m: φ(y) = a y >= a m, whatever a and b"),
        Step("a-gt-b-min-at-0-inside", _phi(y_in), _m * _eb, ">=",
             assumptions=inside + (_eb < _ea,),
             justification="a > b: φ(y) - b m = (a - b) y >= 0 on [0, m]"),
        Step("a-gt-b-min-at-0-outside", _phi(y_out), _m * _eb, ">",
             assumptions=(_eb < _ea,),
             justification="y > m: φ(y) = a y > a m > b m; so the minimum m·min(a, b) is at "
                           "m when a < b and at 0 when a > b (Lemma 1)"),
        Step("tie-flat", _phi(y_in), _m * _ea, assumptions=inside + (sp.Eq(_eb, _ea),),
             justification="a = b: φ = a m on all of [0, m], every D in [0, m] is optimal"),
        Step("min-case-p-lt-q", sp.Min(pa, pb), (pa + pb - sp.Abs(pa - pb)) / 2,
             assumptions=(pa < pb,), justification="min(p, q) = (p + q - |p - q|)/2"),
        Step("min-case-p-gt-q", sp.Min(pa, pb), (pa + pb - sp.Abs(pa - pb)) / 2,
             assumptions=(pb < pa,), justification="the other order"),
        Step("sum-of-minima", sp.Add(*((pi + qi - sp.Abs(pi - qi)) / 2 for pi, qi in zip(ps, qs))),
             1 - sp.Add(*(sp.Abs(pi - qi) for pi, qi in zip(ps, qs))) / 2, assumptions=norm,
             justification="Σ min(p, q) = 1 - ½ Σ |p - q| = 1 - TV: min_D V = m (1 - TV)"),
        Step("constant-d-value-m", v_const, _m, assumptions=norm + (_gamma < _m,),
             justification="a constant D = γ ∈ (0, m) has V = γ + (m - γ) = m whatever p_g "
                           "(Theorem 1's V(D*, G*) = m; its excess over the minimum is m TV)"),
    ]
    return Derivation(
        "zhao2017/ebgan-pointwise-minimum",
        "EBGAN: Lemma 1's pointwise minimum, min_D V(D, G) = m (1 - TV(p_data, p_g)), and "
        "V = m for a constant discriminator",
        f"{ZHAO}, Lemma 1, the value V(G, D) and Theorems 1-2",
        steps,
        "Lemma 1 with a = p_data(x) > 0, b = p_g(x) > 0 and y = D(x) >= 0, m > 0 (y = m s with "
        "0 < s < 1 inside the margin, y = m + w beyond it; y = 0 and y = m are the first two "
        "steps). Where a = 0 < b, φ = b [m - y]⁺ is minimised by every y >= m (Lemma 1 names "
        "m); where b = 0 < a, by y = 0. The constant-D step covers γ in (0, m); γ = 0 and "
        "γ = m give p·0 + q·m and p·m + q·0 summed, = m as well. The summed steps use "
        f"n = {N_ATOMS} atoms, each distribution summing to 1.",
    )
