"""f-GAN (Nowozin, Cseke & Tomioka 2016) in closed form: Table 1's generator functions, Table 2's
conjugates and output activations, the f-divergence, its tight critic and the Fenchel bound.

Nowozin, S., Cseke, B. & Tomioka, R. (2016). f-GAN: Training Generative Neural Samplers using
Variational Divergence Minimization. NeurIPS; arXiv:1606.00709.  Eq. (1) (the f-divergence),
Section 2.2 (the lower bound E_P[T] - E_Q[f*(T)] <= D_f(P || Q), tight at T*(x) = f'(p(x)/q(x))),
Table 1 (generator functions f) and Table 2 (output activations g_f, conjugates f*, domains).

Split out of :mod:`theory.gan_objectives` (which re-exports every public name here), so that each
module stays one concept; the conventions (categories on the last axis, batched leading axes,
validated probability vectors) are that module's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import xlogy

from theory.validation import (as_float_array, broadcast_pair, check_density_pair, check_in,
                                check_probability_pair, scalar_or_array)
from theory.divergences import js_divergence, kl_divergence, pearson_chi2
from theory.gan import optimal_gan_value

__all__ = [
    "FGAN_FAMILY_NAMES",
    "FGanFamily",
    "fgan_family",
    "fgan_divergence",
    "fgan_optimal_critic",
    "fgan_lower_bound",
]

_LOG2 = float(np.log(2.0))


# ============================================================================ f-GAN
# Every f below is Table 1's generator function on u = p/q >= 0, written so that it is
# accurate (and warning-free) from u = 0 (its limit) up to the largest doubles.  The
# critics f'(u) are written in the log-ratio r = log p - log q, which needs no division and
# gives the limits f'(0) (r = -inf) and f'(∞) (r = +inf) for free.  The conjugates are
# extended-real: +inf outside dom f*, and their limits at the ends of the domain.


def _errstate(fn: Callable) -> Callable:
    def wrapped(x: Any) -> np.ndarray:
        with np.errstate(divide="ignore", over="ignore", invalid="ignore", under="ignore"):
            return np.asarray(fn(np.asarray(x, dtype=float)), dtype=float) + 0.0  # -0.0 -> 0.0
    wrapped.__doc__ = fn.__doc__
    return wrapped


def _conj_open(upper: float, inside: Callable, at_minus_inf: float | None = None) -> Callable:
    """f*(t) = inside(t) for t < upper, +inf for t >= upper (and a limit at t = -inf)."""
    def conj(t: np.ndarray) -> np.ndarray:
        ok = t < upper
        out = np.where(ok, inside(np.where(ok, t, upper - 1.0)), np.inf)
        if at_minus_inf is not None:
            out = np.where(t == -np.inf, at_minus_inf, out)
        return out
    return conj


def _u_log1p_inv(u: np.ndarray) -> np.ndarray:
    """u log(1 + 1/u), accurate for large u, with its limit 0 at u = 0."""
    pos = u > 0
    return np.where(pos, u * np.log1p(1.0 / np.where(pos, u, 1.0)), 0.0)


def _neyman_conj(t: np.ndarray) -> np.ndarray:
    # 2 - 2√(1 - t) = 2t / (1 + √(1 - t)) (no cancellation near t = 0); dom f* = (-inf, 1]
    ok = t <= 1.0
    ts = np.where(ok & np.isfinite(t), t, 0.0)
    out = np.where(ok, 2.0 * ts / (1.0 + np.sqrt(1.0 - ts)), np.inf)
    return np.where(t == -np.inf, -np.inf, out)


# f(u) (Table 1), f'(u) as a function of r = log u, f*(t) and g_f(v) (Table 2), per family.
_TABLE: dict[str, dict[str, Any]] = {
    "kl": dict(
        f=lambda u: xlogy(u, u),
        fprime_log=lambda r: 1.0 + r,
        conjugate=lambda t: np.exp(t - 1.0),
        upper=np.inf, closed=False,
        activation=lambda v: v,
        divergence="KL(P ‖ Q) = Σ p log(p/q)"),
    "reverse_kl": dict(
        f=lambda u: -np.log(u),
        fprime_log=lambda r: -np.exp(-r),
        conjugate=_conj_open(0.0, lambda t: -1.0 - np.log(-t)),
        upper=0.0, closed=False,
        activation=lambda v: -np.exp(-v),
        divergence="KL(Q ‖ P) = Σ q log(q/p)"),
    "pearson_chi2": dict(
        f=lambda u: (u - 1.0) ** 2,
        fprime_log=lambda r: 2.0 * np.expm1(r),
        conjugate=lambda t: t * (1.0 + 0.25 * t),
        upper=np.inf, closed=False,
        activation=lambda v: v,
        divergence="χ²(P ‖ Q) = Σ (p - q)²/q"),
    "neyman_chi2": dict(
        f=lambda u: (1.0 - u) * ((1.0 - u) / u),
        fprime_log=lambda r: -np.expm1(-2.0 * r),
        conjugate=_neyman_conj,
        upper=1.0, closed=True,
        activation=lambda v: -np.expm1(-v),
        divergence="χ²(Q ‖ P) = Σ (q - p)²/p"),
    "squared_hellinger": dict(
        f=lambda u: (np.sqrt(u) - 1.0) ** 2,
        fprime_log=lambda r: -np.expm1(-0.5 * r),
        conjugate=_conj_open(1.0, lambda t: t / (1.0 - t), at_minus_inf=-1.0),
        upper=1.0, closed=False,
        activation=lambda v: -np.expm1(-v),
        divergence="H²(P, Q) = Σ (√p - √q)²"),
    "jensen_shannon": dict(
        f=lambda u: (u + 1.0) * _LOG2 - _u_log1p_inv(u) - np.log1p(u),
        fprime_log=lambda r: _LOG2 - np.logaddexp(0.0, -r),
        conjugate=_conj_open(_LOG2, lambda t: -_LOG2 - np.log(-np.expm1(t - _LOG2))),
        upper=_LOG2, closed=False,
        activation=lambda v: _LOG2 - np.logaddexp(0.0, -v),
        divergence="2 JSD(P ‖ Q) = Σ p log(2p/(p + q)) + q log(2q/(p + q))"),
    "gan": dict(
        f=lambda u: -_u_log1p_inv(u) - np.log1p(u),
        fprime_log=lambda r: -np.logaddexp(0.0, -r),
        conjugate=_conj_open(0.0, lambda t: -np.log(-np.expm1(t))),
        upper=0.0, closed=False,
        activation=lambda v: -np.logaddexp(0.0, -v),
        divergence="2 JSD(P ‖ Q) - log 4 = Σ p log(p/(p + q)) + q log(q/(p + q))"),
}


@dataclass(frozen=True)
class FGanFamily:
    """One f-divergence of f-GAN: its generator function, critic, conjugate and activation.

    D_f(P ‖ Q) = Σ_x q(x) f(p(x)/q(x)) (eq. (1)), bounded below by
    E_P[T] - E_Q[f*(T)] for every critic T with values in dom f* (Section 2.2), with equality
    at T*(x) = f'(p(x)/q(x)).

    Source: Nowozin, Cseke & Tomioka (2016), "f-GAN", Table 1 (f and the divergence) and
    Table 2 (output activation g_f, conjugate f*, dom f*).

    Attributes
    ----------
    name : str
        Its name in :data:`FGAN_FAMILY_NAMES`.
    divergence : str
        What D_f is, in the convention D_f(P ‖ Q) = Σ q f(p/q).
    f : callable
        u ↦ f(u) for u in [0, ∞] (arrays), its limit at u = 0.
    f_prime : callable
        u ↦ f'(u), with the limits f'(0+) (possibly -inf) and f'(∞) = lim f(u)/u.
    conjugate : callable
        t ↦ f*(t), extended-real: +inf outside dom f*, limits at its ends.
    domain_upper : float
        sup dom f* (every family here has inf dom f* = -inf); it equals f'(∞).
    upper_closed : bool
        Whether f* is finite at ``domain_upper`` (only for Neyman χ², f*(1) = 2).
    activation : callable
        Table 2's output activation v ↦ g_f(v), a map of the reals into dom f*.
    """

    name: str
    divergence: str
    f: Callable[[Any], np.ndarray]
    f_prime: Callable[[Any], np.ndarray]
    conjugate: Callable[[Any], np.ndarray]
    domain_upper: float
    upper_closed: bool
    activation: Callable[[Any], np.ndarray]


def _log_ratio_prime(fprime_log: Callable) -> Callable:
    def f_prime(u: np.ndarray) -> np.ndarray:
        return fprime_log(np.log(u))
    return f_prime


class FGanFamilies(Mapping):
    """The f-GAN families as a read-only mapping from name to :class:`FGanFamily`.

    ============================  =======================  ===================  ===========
    name                          f(u)                     f*(t)                dom f*
    ============================  =======================  ===================  ===========
    ``"kl"``                      u log u                  exp(t - 1)           R
    ``"reverse_kl"``              -log u                   -1 - log(-t)         t < 0
    ``"pearson_chi2"``            (u - 1)²                 t + t²/4             R
    ``"neyman_chi2"``             (1 - u)²/u               2 - 2√(1 - t)        t <= 1
    ``"squared_hellinger"``       (√u - 1)²                t/(1 - t)            t < 1
    ``"jensen_shannon"``          u log u                  -log(2 - eᵗ)         t < log 2
                                  - (u + 1) log((u+1)/2)
    ``"gan"``                     u log u                  -log(1 - eᵗ)         t < 0
                                  - (u + 1) log(u + 1)
    ============================  =======================  ===================  ===========

    Source: Nowozin, Cseke & Tomioka (2016), "f-GAN", Tables 1 and 2 (the families listed
    there except total variation, Jeffrey and the α-divergences).

    Notes
    -----
    The f-divergence is taken as in eq. (1), D_f(P ‖ Q) = ∫ q f(p/q): with Table 1's
    f's, ``"jensen_shannon"`` gives 2·JSD in the ½-convention of
    :func:`theory.divergences.js_divergence`, and ``"gan"`` gives 2·JSD - log 4, Goodfellow's
    C(G) (:func:`theory.gan.optimal_gan_value`).  ``"pearson_chi2"`` is Σ (p - q)²/q and
    ``"neyman_chi2"`` is Σ (q - p)²/p.  Table 1's GAN f has f(1) = -log 4, not 0, so
    D_f(P ‖ P) = -log 4 for that family (:func:`theory.divergences.f_divergence` needs
    f(1) = 0: pass f + log 4 and subtract log 4).  Table 2 gives dom f* = {t < 1} for Neyman χ²; the
    conjugate is finite at t = 1 as well (f*(1) = sup_u (2 - 1/u) = 2), so its domain is
    closed there.  The Pearson conjugate t + t²/4 is that of (u - 1)² on all of R (as
    printed); the conjugate of its restriction to u >= 0 is smaller for t < -2, so the bound
    with the printed f* is still a lower bound and still tight at T* = 2(p/q - 1) >= -2.

    Examples
    --------
    >>> sorted(FGAN_FAMILIES)  # doctest: +NORMALIZE_WHITESPACE
    ['gan', 'jensen_shannon', 'kl', 'neyman_chi2', 'pearson_chi2', 'reverse_kl',
     'squared_hellinger']
    >>> fam = FGAN_FAMILIES["gan"]
    >>> float(fam.f_prime(1.0)) == -float(np.log(2)), fam.domain_upper
    (True, 0.0)
    """

    def __init__(self, table: Mapping[str, Mapping[str, Any]]):
        self._families = {
            name: FGanFamily(
                name=name, divergence=row["divergence"], f=_errstate(row["f"]),
                f_prime=_errstate(_log_ratio_prime(row["fprime_log"])),
                conjugate=_errstate(row["conjugate"]), domain_upper=float(row["upper"]),
                upper_closed=bool(row["closed"]), activation=_errstate(row["activation"]))
            for name, row in table.items()
        }
        self._fprime_log = {name: _errstate(row["fprime_log"]) for name, row in table.items()}

    def __getitem__(self, name: str) -> FGanFamily:
        return self._families[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._families)

    def __len__(self) -> int:
        return len(self._families)

    def __repr__(self) -> str:
        return f"FGanFamilies({', '.join(map(repr, self._families))})"

    def _critic_from_log_ratio(self, name: str, r: np.ndarray) -> np.ndarray:
        return self._fprime_log[name](r)


#: The families of :func:`fgan_divergence`, :func:`fgan_optimal_critic` and
#: :func:`fgan_lower_bound` (see :class:`FGanFamilies`).
FGAN_FAMILIES = FGanFamilies(_TABLE)

#: The family names, in the order of Table 1 (the keys of ``FGAN_FAMILIES``).
FGAN_FAMILY_NAMES = tuple(_TABLE)


def _family(family: Any) -> str:
    if not isinstance(family, str):
        raise TypeError(f"`family` must be a string, got {type(family).__name__}")
    return check_in(family, "family", FGAN_FAMILY_NAMES)


def fgan_family(family: str) -> FGanFamily:
    """One row of f-GAN's Tables 1 and 2: f, f', f*, dom f* and the output activation g_f.

    Source: Nowozin, Cseke & Tomioka (2016), "f-GAN", Table 1 (f) and Table 2 (g_f, f*,
    dom f*); the rows are listed in :class:`FGanFamilies` (``FGAN_FAMILIES``).

    Parameters
    ----------
    family : str
        One of :data:`FGAN_FAMILY_NAMES`: "kl", "reverse_kl", "pearson_chi2", "neyman_chi2",
        "squared_hellinger", "jensen_shannon", "gan".

    Returns
    -------
    FGanFamily

    Raises
    ------
    ValueError
        For an unknown family (the message lists the known ones).
    TypeError
        If ``family`` is not a string.

    Examples
    --------
    >>> fam = fgan_family("jensen_shannon")
    >>> bool(fam.domain_upper == np.log(2)), float(fam.conjugate(0.0)), float(fam.conjugate(1.0))
    (True, 0.0, inf)
    >>> float(fgan_family("neyman_chi2").conjugate(1.0))  # dom f* is closed at 1 (see FGanFamilies)
    2.0
    """
    return FGAN_FAMILIES[_family(family)]


def fgan_divergence(p: Any, q: Any, family: str) -> Any:
    """The f-divergence D_f(P ‖ Q) of one of f-GAN's families.

    D_f(P ‖ Q) = Σ_{x: q(x) > 0} q(x) f(p(x)/q(x)) + f'(∞) Σ_{x: q(x) = 0} p(x),

    with Table 1's f (see :class:`FGanFamilies` for each D_f in closed form).

    Source: Nowozin, Cseke & Tomioka (2016), "f-GAN", eq. (1) and Table 1; the zero-density
    conventions are Csiszár's (see :func:`theory.divergences.f_divergence`).

    Parameters
    ----------
    p, q : array_like, shape (..., n)
        Probability vectors (P, the data, and Q, the model); leading axes broadcast.
    family : {"kl", "reverse_kl", "pearson_chi2", "neyman_chi2", "squared_hellinger", \
"jensen_shannon", "gan"}

    Returns
    -------
    d_f : float or ndarray, shape (...)
        In nats.  ``inf`` where an atom has q = 0 < p for "kl" and "pearson_chi2", or
        p = 0 < q for "reverse_kl" and "neyman_chi2"; the other three are finite (squared
        Hellinger in [0, 2], "jensen_shannon" in [0, 2 log 2], "gan" in [-log 4, 0]).

    Raises
    ------
    ValueError
        Invalid probability vectors (named), shapes that do not broadcast, unknown family.
    TypeError
        Non-numeric input or a family that is not a string.

    Notes
    -----
    Each family is evaluated by its dedicated closed form: KL and its reverse by
    :func:`theory.divergences.kl_divergence`, the two χ² by
    :func:`theory.divergences.pearson_chi2`, Jensen-Shannon as 2 ·
    :func:`theory.divergences.js_divergence`, GAN by :func:`theory.gan.optimal_gan_value`,
    and squared Hellinger as Σ (√p - √q)².  Table 1 prints the Jensen-Shannon divergence with
    a factor ½ (the JSD) next to an f whose D_f is twice that; the value here is the D_f of
    the printed f, 2·JSD, the quantity the f-GAN critic's bound estimates.

    Examples
    --------
    >>> float(fgan_divergence([1.0, 0.0], [0.0, 1.0], "jensen_shannon")) == 2 * float(np.log(2))
    True
    >>> float(fgan_divergence([0.5, 0.5], [0.25, 0.75], "pearson_chi2"))
    0.3333333333333333
    >>> float(fgan_divergence([0.5, 0.5], [1.0, 0.0], "squared_hellinger"))  # (√.5 - 1)² + .5
    0.585786437627
    """
    name = _family(family)
    pa, qa = check_probability_pair(p, q, ("p", "q"))
    if name == "kl":
        out = kl_divergence(pa, qa)
    elif name == "reverse_kl":
        out = kl_divergence(qa, pa)
    elif name == "pearson_chi2":
        out = pearson_chi2(pa, qa)
    elif name == "neyman_chi2":
        out = pearson_chi2(qa, pa)
    elif name == "jensen_shannon":
        out = 2.0 * js_divergence(pa, qa)
    elif name == "gan":
        out = optimal_gan_value(pa, qa)
    else:  # squared_hellinger
        out = np.sum((np.sqrt(pa) - np.sqrt(qa)) ** 2, axis=-1)
    return scalar_or_array(out)


def fgan_optimal_critic(p: Any, q: Any, family: str) -> np.ndarray:
    """The critic that makes f-GAN's lower bound tight: T*(x) = f'(p(x)/q(x)).

    Source: Nowozin, Cseke & Tomioka (2016), "f-GAN", Section 2.2 (the bound is tight for
    T*(x) = f'(p(x)/q(x))) and Table 1 (T* per family).

    Parameters
    ----------
    p, q : array_like, shape (..., n)
        Probabilities or density values of P and Q (non-negative, finite; only the ratio
        p/q matters); leading axes broadcast.
    family : str
        One of :data:`FGAN_FAMILY_NAMES` (see :func:`fgan_family`).

    Returns
    -------
    t_star : ndarray, shape broadcast(p, q)
        Values in the closure of dom f*, possibly ±inf.  Per family, with u = p/q:
        "kl" 1 + log u; "reverse_kl" -1/u; "pearson_chi2" 2(u - 1); "neyman_chi2" 1 - 1/u²;
        "squared_hellinger" 1 - 1/√u; "jensen_shannon" log(2u/(1 + u)) = log 2 + log D*;
        "gan" log(u/(1 + u)) = log D*, with D* = p/(p + q) Goodfellow's optimal discriminator.

    Raises
    ------
    ValueError
        If an input is empty, non-finite, negative, a scalar, the shapes do not broadcast, or
        the family is unknown.
    TypeError
        If an input is not numeric or the family is not a string.

    Notes
    -----
    Zero atoms take the limits of f': where q = 0 < p, T* = f'(∞) = sup dom f* (+inf for KL
    and Pearson χ², 0 for reverse KL and GAN, 1 for Neyman χ² and squared Hellinger, log 2
    for Jensen-Shannon); where p = 0 < q, T* = f'(0+) (-2 for Pearson χ², -inf for the
    others).  Where p = q = 0 the atom enters neither expectation and every T is optimal; we
    return f'(1), the limit along p = q (for "gan" this is log ½, the log of the ½ that
    :func:`theory.gan.optimal_discriminator` returns there).  The formulas are evaluated
    in the log-ratio log p - log q, so tiny or subnormal densities keep their exact ratio.

    T* is rounded to float64: where q/p is below ~1e-16, T* for "jensen_shannon" rounds onto
    the open end log 2 of dom f*, where f* = +inf, so :func:`fgan_lower_bound` at the
    rounded T* is -inf although the bound at the exact T* is finite (the same happens to
    :func:`theory.gan.gan_value` at the rounded D*).

    Examples
    --------
    >>> fgan_optimal_critic([0.5, 0.25, 0.25], [0.25, 0.25, 0.5], "pearson_chi2")
    array([ 2.,  0., -1.])
    >>> fgan_optimal_critic([1.0, 0.0, 0.0], [0.0, 1.0, 0.0], "kl")
    array([ inf, -inf,   1.])
    """
    name = _family(family)
    pa, qa = check_density_pair(p, q, ("p", "q"))
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.log(pa) - np.log(qa)          # inf - (-inf) = inf; -inf - (-inf) = nan
    r = np.where((pa == 0) & (qa == 0), 0.0, r)
    return FGAN_FAMILIES._critic_from_log_ratio(name, r)


def fgan_lower_bound(p: Any, q: Any, T: Any, family: str) -> Any:
    """f-GAN's variational lower bound on D_f(P ‖ Q) for a critic T.

    L(T) = E_P[T(x)] - E_Q[f*(T(x))] = Σ_x p(x) T(x) - q(x) f*(T(x))  <=  D_f(P ‖ Q),

    with equality iff T = T* = f'(p/q) on every atom with p + q > 0 (for finite D_f).

    Source: Nowozin, Cseke & Tomioka (2016), "f-GAN", Section 2.2 (the lower bound and its
    tight critic) and Table 2 (f* and dom f*); Section 3 uses it as the objective F(θ, ω)
    with T = g_f(V_ω).

    Parameters
    ----------
    p, q : array_like, shape (..., n)
        Probability vectors of P and Q; leading axes broadcast.
    T : array_like, shape (..., n)
        Critic values T(x), real or ±inf (not NaN); broadcasts with ``p`` and ``q``.
    family : str
        One of :data:`FGAN_FAMILY_NAMES` (see :func:`fgan_family`).

    Returns
    -------
    bound : float or ndarray, shape (...)
        In nats; <= :func:`fgan_divergence` (p, q, family); -inf for an inadmissible critic
        (see Notes); +inf only at T = T* where D_f = +inf.

    Raises
    ------
    ValueError
        Invalid probability vectors, a NaN in ``T``, shapes that do not broadcast, an unknown
        family.
    TypeError
        Non-numeric input or a family that is not a string.

    Notes
    -----
    Conventions (the bound of Section 2.2 ranges over critics with values in dom f*, which
    f-GAN enforces with the output activation g_f of Table 2):

    * a term with zero weight is 0 (0·(±inf) = 0): T does not matter where p = q = 0, the
      p·T term is absent where p = 0, the q·f*(T) term where q = 0;
    * f*(T) = +inf outside dom f*, so an atom with q > 0 and T outside dom f* (or at its
      open end) makes L = -inf;
    * a critic above sup dom f* on an atom with p > 0 = q is inadmissible (it would let
      p·T exceed p·f'(∞)), and L = -inf; at sup dom f* itself, which is T* there, the term
      is p·f'(∞);
    * T = -inf on an atom with p > 0 gives -inf (p·t - q f*(t) -> -inf as t -> -inf, since
      f*(t)/t -> inf dom f = 0), and T = +inf on an atom with q > 0 gives -inf (f* grows
      faster than linearly); -inf terms take precedence over +inf terms.

    Strictness: each atom's shortfall is q [f(u) + f*(T) - u T] >= 0 (Fenchel-Young), zero
    only at T = f'(u) since every f* here is strictly convex on its domain; where p = 0 < q
    it is q [f*(T) - inf f*], zero only at T* (-2 for Pearson, -inf otherwise); where
    q = 0 < p it is p [f'(∞) - T], zero only at T = f'(∞).

    Examples
    --------
    At T* the bound is the divergence; Goodfellow's game is the "gan" family with
    T = log D:

    >>> p, q = [0.5, 0.5], [0.25, 0.75]
    >>> t_star = fgan_optimal_critic(p, q, "kl")
    >>> bool(np.isclose(fgan_lower_bound(p, q, t_star, "kl"), fgan_divergence(p, q, "kl")))
    True
    >>> bool(np.isclose(fgan_lower_bound(p, q, np.log([0.5, 0.5]), "gan"), -np.log(4)))
    True
    >>> float(fgan_lower_bound(p, q, [0.0, 1.0], "gan"))  # T = 1 is outside dom f* = (-inf, 0)
    -inf
    """
    name = _family(family)
    fam = FGAN_FAMILIES[name]
    pa, qa = check_probability_pair(p, q, ("p", "q"))
    t = as_float_array(T, "T", finite=False)
    if t.ndim == 0:
        raise ValueError("`T` must be at least 1-D (one critic value per category), got a scalar")
    if np.any(np.isnan(t)):
        raise ValueError("`T` must not contain NaN")
    t, pa = broadcast_pair(t, pa, ("T", "p"))
    qa = np.broadcast_to(qa, pa.shape)
    t = np.broadcast_to(t, pa.shape)
    has_p, has_q = pa > 0, qa > 0
    fstar = fam.conjugate(t)
    inadmissible = (
        ((has_p | has_q) & (t > fam.domain_upper))
        | (has_q & (fstar == np.inf))
        | (has_p & (t == -np.inf))
    )
    with np.errstate(invalid="ignore", over="ignore"):
        terms = np.where(has_p, pa * t, 0.0) - np.where(has_q, qa * fstar, 0.0)
    total = np.sum(np.where(inadmissible, 0.0, terms), axis=-1)
    return scalar_or_array(np.where(np.any(inadmissible, axis=-1), -np.inf, total))
