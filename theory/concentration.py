"""Exact and conservative concentration bounds: acceptance regions for Monte Carlo checks.

A statistical check (a claim's Monte Carlo part, a statistical test) states its false-alarm
probability α, the chance that it fails although the prediction is right, and takes its
acceptance region from an exact distribution or a conservative inequality, never from a sample
standard error (which is 0 when a rare event does not show up, and noisy otherwise).  Each
function here returns the region of one comparison at level α; a check making K comparisons
calls it with α/K (Bonferroni, valid for any dependence).  Pure functions of numbers and
arrays (numpy/scipy), elementwise where the arguments are arrays.

Papers and books
----------------
Hoeffding, W. (1963).  Probability inequalities for sums of bounded random variables.  JASA 58,
    13-30.  Theorem 2 (sums of independent bounded variables).
Boucheron, S., Lugosi, G. & Massart, P. (2013).  Concentration Inequalities.  Oxford.
    Section 2.2 (the Cramér-Chernoff method), Section 2.3 (sub-Gaussian variables),
    Theorem 2.10 / Corollary 2.11 (Bernstein's inequality), Theorem 5.6 (Gaussian
    concentration of Lipschitz functions, Tsirelson-Ibragimov-Sudakov).
Maurer, A. & Pontil, M. (2009).  Empirical Bernstein bounds and sample variance penalization.
    COLT.  Theorem 4.
Laurent, B. & Massart, P. (2000).  Adaptive estimation of a quadratic functional by model
    selection.  Annals of Statistics 28(5).  Lemma 1 (weighted sums of χ² variables).
Devroye, L., Lerasle, M., Lugosi, G. & Oliveira, R. I. (2016).  Sub-Gaussian mean estimators.
    Annals of Statistics 44(6).  Section 4 (median of means); Lerasle, M. & Oliveira, R. I.
    (2011), Robust empirical mean estimators, arXiv:1112.3914.
Clopper & Pearson (1934), Fisher (1935), Casella & Berger (2002): the exact binomial, Fisher and
    chi-square tails, cited in full in :mod:`theory.exact_tails` (re-exported here).
Chernoff, H. (1952).  A measure of asymptotic efficiency for tests of a hypothesis based on the
    sum of observations.  Annals of Mathematical Statistics 23(4).

Conventions: ``n`` is a number of i.i.d. draws (an int >= 1), ``alpha`` a false-alarm
probability in (0, 1).  A *halfwidth* t is two-sided: P(|mean - μ| >= t) <= α; a *radius* of
:func:`empirical_bernstein_radius` is one-sided.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
from scipy import special, stats

from theory.docstrings import doc_params
from theory.validation import as_float_array, check_alpha, check_int, check_probability
# The exact tails (binomial, Fisher, Gaussian, chi2) live in theory.exact_tails and stay importable here.
from theory import exact_tails
from theory.exact_tails import (binomial_interval, binomial_lower, binomial_two_sided_pvalue,  # noqa: F401
                                binomial_upper, chi2_interval, chi2_std_interval, fisher_exact_pvalue,
                                gaussian_halfwidth)

__all__ = [
    *exact_tails.__all__,
    "subgaussian_halfwidth",
    "hoeffding_halfwidth",
    "bernstein_halfwidth",
    "bernstein_one_sided_tail",
    "empirical_bernstein_radius",
    "chernoff_halfwidths",
    "median_of_blocks_plan",
    "median_of_block_means",
    "median_of_blocks_halfwidth",
    "median_exceedance_probability",
    "gaussian_quadratic_mean_halfwidths",
    "sample_mean_fourth_moment",
    "least_squares_slope_weights",
]


#: Parameter descriptions shared by the docstrings below, filled in by
#: :func:`theory.docstrings.doc_params` at import (``%(name)s``): each convention is written once.
_DOC = {
    "n_draws": "n : int\n        Number of i.i.d. draws, >= 1.",
    "alpha": "alpha : float\n        False-alarm probability in (0, 1).",
}

_fill_doc = doc_params(_DOC)


def _n(n: Any, name: str = "n", minimum: int = 1) -> int:
    return check_int(n, name, minimum=minimum)


# --------------------------------------------------------------------------- inequalities
@_fill_doc
def subgaussian_halfwidth(proxy_sd, n: int, alpha: float) -> np.ndarray:
    """t with P(|mean - μ| >= t) <= α for the mean of n i.i.d. sub-Gaussian variables with
    variance proxy s² (E exp(λ(X - μ)) <= exp(λ² s²/2)): t = s sqrt(2 log(2/α) / n).

    Covers an L-Lipschitz function of a standard Gaussian vector (s = L: Gaussian concentration,
    e.g. the maximum of m N(μ_i, σ²) draws with s = σ) and a variable in an interval of width w
    (s = w/2, Hoeffding's lemma).

    Source: Boucheron, Lugosi & Massart (2013), Section 2.3 (sub-Gaussian tails) and
    Theorem 5.6 (Tsirelson-Ibragimov-Sudakov).

    Parameters
    ----------
    proxy_sd : array_like
        The proxy s (or Lipschitz constant L), >= 0.
    %(n_draws)s
    %(alpha)s

    Returns
    -------
    ndarray
        The halfwidths, shaped like ``proxy_sd``.

    Examples
    --------
    >>> round(float(subgaussian_halfwidth(1.0, 2, 2 * math.exp(-1))), 12)   # sqrt(2 · 1 / 2)
    1.0
    """
    return np.asarray(proxy_sd, dtype=float) * math.sqrt(2.0 * math.log(2.0 / check_alpha(alpha)) / _n(n))


@_fill_doc
def hoeffding_halfwidth(width, n: int, alpha: float) -> np.ndarray:
    """t with P(|mean - μ| >= t) <= α for the mean of n i.i.d. variables in an interval of the
    given width: Hoeffding's 2 exp(-2 n t² / width²) = α, i.e. t = width sqrt(log(2/α) / (2n)).

    Source: Hoeffding (1963), Theorem 2.

    Parameters
    ----------
    width : array_like
        Length of the interval holding each variable, >= 0.
    %(n_draws)s
    %(alpha)s

    Returns
    -------
    ndarray
        The halfwidths, shaped like ``width``.

    Examples
    --------
    >>> round(float(hoeffding_halfwidth(1.0, 8, 2 * math.exp(-4))), 12)   # sqrt(4 / 16)
    0.5
    """
    return np.asarray(width, dtype=float) * math.sqrt(math.log(2.0 / check_alpha(alpha)) / (2.0 * _n(n)))


@_fill_doc
def bernstein_halfwidth(variance, bound, n: int, alpha: float) -> np.ndarray:
    """t with P(|mean - μ| >= t) <= α for the mean of n i.i.d. X with Var X <= ``variance`` and
    |X - μ| <= ``bound``: Bernstein, 2 exp(-n t² / (2σ² + 2bt/3)) = α solved for t,

        t = bL/(3n) + sqrt((bL/(3n))² + 2σ²L/n),  L = log(2/α).

    Source: Boucheron, Lugosi & Massart (2013), Theorem 2.10 and Corollary 2.11.

    Parameters
    ----------
    variance : array_like
        Exact variance of one draw, or an upper bound on it (negative values from rounding
        count as 0).
    bound : array_like
        Almost-sure bound on |X - E X|.
    %(n_draws)s
    %(alpha)s

    Returns
    -------
    ndarray
        The halfwidths (broadcast of ``variance`` and ``bound``).

    Examples
    --------
    >>> round(float(bernstein_halfwidth(0.0, 3.0, 2, 2 / math.e)), 12)   # 2 b L / (3 n)
    1.0
    """
    n = _n(n)
    L = math.log(2.0 / check_alpha(alpha))
    var = np.maximum(np.asarray(variance, dtype=float), 0.0)
    lin = np.asarray(bound, dtype=float) * L / (3.0 * n)
    return lin + np.sqrt(lin**2 + 2.0 * var * L / n)


@_fill_doc
def bernstein_one_sided_tail(gap, variance, bound, n: int) -> np.ndarray:
    """Upper bound on P(mean - μ >= gap) (equally on P(mean - μ <= -gap)) for the mean of n
    i.i.d. X with Var X <= ``variance`` and |X - μ| <= ``bound``: Bernstein's
    exp(-n gap² / (2σ² + 2 b gap / 3)), and 1 where gap <= 0 (no information).

    Source: Boucheron, Lugosi & Massart (2013), Corollary 2.11.

    Parameters
    ----------
    gap : array_like
        The deviation.
    variance, bound : array_like
        Variance (or an upper bound) and almost-sure bound on |X - E X|.
    %(n_draws)s

    Returns
    -------
    ndarray
        The tail bounds, in [0, 1].

    Examples
    --------
    >>> round(float(bernstein_one_sided_tail(1.0, 0.5, 0.0, 1)), 12) == round(math.exp(-1), 12)
    True
    >>> float(bernstein_one_sided_tail(-1.0, 0.5, 1.0, 10))
    1.0
    """
    n = _n(n)
    g = np.asarray(gap, dtype=float)
    var = np.maximum(np.asarray(variance, dtype=float), 0.0)
    b = np.asarray(bound, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        e = np.exp(-n * g**2 / (2.0 * var + 2.0 * b * np.maximum(g, 0.0) / 3.0))
    return np.where(g > 0, np.nan_to_num(e, nan=0.0), 1.0)


@_fill_doc
def empirical_bernstein_radius(sample_variance, width, n: int, alpha: float) -> np.ndarray:
    """One-sided r with P(E X - mean > r) <= α for the mean of n >= 2 i.i.d. X in an interval
    of length ``width``, from the sample variance V_n (ddof = 1):

        r = sqrt(2 V_n log(2/α) / n) + 7 width log(2/α) / (3 (n - 1)).

    The range term keeps it valid when the sample variance came out small (0 when a rare value
    never showed up).  Apply it to X and to -X at α/2 each for a two-sided region.

    Source: Maurer & Pontil (2009), Theorem 4 (stated for X in [0, 1]; rescaled by ``width``).

    Parameters
    ----------
    sample_variance : array_like
        The unbiased sample variance V_n (negative rounding counts as 0).
    width : array_like
        Length of the interval holding each variable.
    n : int
        Number of draws, >= 2.
    %(alpha)s

    Returns
    -------
    ndarray
        The radii (broadcast of ``sample_variance`` and ``width``).

    Examples
    --------
    >>> round(float(empirical_bernstein_radius(0.0, 1.0, 8, 2 / math.e)), 12)   # 7 / (3 · 7)
    0.333333333333
    """
    n = _n(n, minimum=2)
    L = math.log(2.0 / check_alpha(alpha))
    v = np.maximum(np.asarray(sample_variance, dtype=float), 0.0)
    return np.sqrt(2.0 * v * L / n) + 7.0 * np.asarray(width, dtype=float) * L / (3.0 * (n - 1))


def _chernoff_side(dev: np.ndarray, logp: np.ndarray, n: int, L: float) -> np.ndarray:
    """Per column of ``dev`` (K, d): the smallest r >= 0 with exp(-n I(r)) <= exp(-L), I the
    Cramér rate of a variable with values ``dev`` (centred) and log-probabilities ``logp``
    (K,); via λ >= 0: r = K'(λ), I = λ K'(λ) - K(λ), both increasing in λ (K the cumulant
    generating function).  Bisection in λ, vectorised over the columns."""
    top = dev.max(axis=0)
    out = np.zeros(dev.shape[1])
    # as λ -> ∞, I -> -log P(X = max): if even that is too small, no r below the maximum works
    p_top = special.logsumexp(np.where(dev >= top, logp[:, None], -np.inf), axis=0)
    beyond = (top > 0.0) & (-n * p_top < L)
    out[beyond] = top[beyond] * (1.0 + 1e-12) + 1e-300
    active = np.flatnonzero((top > 0.0) & ~beyond)
    if active.size == 0:
        return out
    d = dev[:, active]
    target = L / n

    def rate(lam):
        z = logp[:, None] + lam * d
        k1 = np.sum(special.softmax(z, axis=0) * d, axis=0)
        return lam * k1 - special.logsumexp(z, axis=0), k1

    lo = np.zeros(active.size)
    hi = 1.0 / np.maximum(np.max(np.abs(d), axis=0), 1e-300)
    grow = rate(hi)[0] < target
    while np.any(grow):
        lo = np.where(grow, hi, lo)
        hi = np.where(grow, 2.0 * hi, hi)
        grow = grow & (hi <= 1e300) & (rate(hi)[0] < target)
    for _ in range(50):  # relative accuracy 2^-50 on the bracket
        mid = 0.5 * (lo + hi)
        below = rate(mid)[0] < target
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    out[active] = rate(hi)[1]
    return out


@_fill_doc
def chernoff_halfwidths(values, probs, n: int, alpha: float) -> np.ndarray:
    """(r_minus, r_plus) per entry with P(mean - μ >= r_plus) + P(μ - mean >= r_minus) <= α for
    the mean of n i.i.d. draws of a *discrete* variable with the given values and exact
    probabilities (an estimator whose law is enumerated).

    Chernoff's bound with the exact cumulant generating function K(λ) = log E exp(λ(X - μ)):
    P(mean - μ >= r) <= exp(-n sup_λ (λ r - K(λ))), each side at α/2.  The tightest exponential
    bound (Bernstein's is a weakening of it): ~sqrt(2 log(2/α)) exact SDs for large n, whatever
    the range.  Where even the extreme value is too likely to certify a smaller radius, the
    side is the range itself (times 1 + 1e-12).

    Source: Chernoff (1952); Boucheron, Lugosi & Massart (2013), Section 2.2 (the
    Cramér-Chernoff method).

    Parameters
    ----------
    values : array_like, shape (K, ...)
        The K values of the variable (trailing axes: independent entries with the same law
        of the atoms).
    probs : array_like, shape (K,)
        Their exact probabilities (zeros allowed).
    %(n_draws)s
    %(alpha)s

    Returns
    -------
    ndarray, shape (2, ...)
        ``[r_minus, r_plus]`` per entry.

    Examples
    --------
    >>> # one draw of ±1 at α = 1/2: P(X = 1) = 1/2 > α/2, so no radius below the range works
    >>> np.round(chernoff_halfwidths([-1.0, 1.0], [0.5, 0.5], 1, 0.5), 9)
    array([1., 1.])
    """
    alpha = check_alpha(alpha)
    n = _n(n)
    p = check_probability(probs, "probs")
    if p.ndim != 1:
        raise ValueError(f"`probs` must be 1-D (got shape {p.shape})")
    v = as_float_array(values, "values")
    if v.shape[0] != p.shape[0]:
        raise ValueError(f"`values` must have len(probs) = {p.shape[0]} rows (got {v.shape[0]})")
    flat = v.reshape(v.shape[0], -1)
    keep = p > 0
    logp = np.log(p[keep])
    dev = flat[keep] - p @ flat
    L = math.log(2.0 / alpha)
    out = np.stack([_chernoff_side(-dev, logp, n, L), _chernoff_side(dev, logp, n, L)])
    return out.reshape((2,) + v.shape[1:])


# --------------------------------------------------------------------------- median of blocks
@_fill_doc
def median_of_blocks_plan(n: int, alpha: float) -> tuple[int, float]:
    """(k, c) for a median-of-blocks bound with n i.i.d. draws: split them into k (odd) blocks
    of m = n // k, compute one statistic per block whose exact variance v_m is known, and accept
    when the median of the k block statistics lies within c·sqrt(v_m) of the statistic's mean.

    Conservative for any law with that variance (unbounded noise, heavy tails): by Chebyshev a
    block statistic leaves c·sqrt(v_m) with probability <= 1/c²; the median of k independent
    blocks leaves it only if >= (k + 1)/2 blocks do, with probability <= P[Binomial(k, 1/c²) >=
    (k + 1)/2] = I_{1/c²}((k + 1)/2, (k + 1)/2) (regularized incomplete beta), set to α and
    inverted exactly.  Among odd k <= min(n/2, 401) the plan minimizes c·sqrt(k), the radius in
    units of the full-sample SD when v_m ∝ 1/m.  At α = 1e-6 this is ~16 full-sample SDs (a
    normal approximation would say 4.9, but it is not a bound).

    Source: Devroye, Lerasle, Lugosi & Oliveira (2016), Section 4; Lerasle & Oliveira (2011).

    Parameters
    ----------
    %(n_draws)s
    %(alpha)s

    Returns
    -------
    k : int
        Number of blocks (odd).
    c : float
        Radius in block standard deviations.

    Raises
    ------
    ValueError
        When no odd k gives a positive per-block failure rate (not seen for n >= 1).

    Examples
    --------
    >>> median_of_blocks_plan(1, 0.25)   # one block: Chebyshev, 1/c² = α
    (1, 2.0)
    """
    return _median_of_blocks_plan(_n(n), check_alpha(alpha))


@functools.lru_cache(maxsize=256)
def _median_of_blocks_plan(n: int, alpha: float) -> tuple[int, float]:
    best_k, best_c, best_score = 0, math.inf, math.inf
    for k in range(1, min(max(2, n // 2), 401) + 1, 2):
        need = (k + 1) // 2
        rate = float(special.betaincinv(need, k - need + 1, alpha))  # per-block failure rate
        if not rate > 0.0:
            continue
        c = 1.0 / math.sqrt(rate)
        if c * math.sqrt(k) < best_score:
            best_k, best_c, best_score = k, c, c * math.sqrt(k)
    if best_k == 0:
        raise ValueError(f"`n` = {n} draws are too few for a median-of-blocks bound at alpha = {alpha:g}")
    return best_k, best_c


def median_of_block_means(x, k: int) -> np.ndarray:
    """Median over k contiguous blocks of m = len(x) // k rows of the block means (axis 0; the
    last len(x) - k m rows are left out).

    Source: the median-of-means estimator of Devroye, Lerasle, Lugosi & Oliveira (2016),
    Section 4.

    Parameters
    ----------
    x : array_like, shape (n, ...)
        Draws along axis 0.
    k : int
        Number of blocks, 1 <= k <= n.

    Returns
    -------
    ndarray, shape (...)
        The median of the block means.

    Examples
    --------
    >>> float(median_of_block_means([1.0, 2.0, 3.0, 10.0, 20.0, 30.0], 3))   # means 1.5, 6.5, 25
    6.5
    """
    x = np.asarray(x, dtype=float)
    k = _n(k, "k")
    m = x.shape[0] // k
    if m < 1:
        raise ValueError(f"`k` = {k} blocks need at least {k} rows of `x` (got {x.shape[0]})")
    return np.median(x[: k * m].reshape(k, m, *x.shape[1:]).mean(axis=1), axis=0)


@_fill_doc
def median_of_blocks_halfwidth(variance, n: int, alpha: float) -> tuple[int, np.ndarray]:
    """(k, t) such that the median of the k block means of n i.i.d. draws with Var <=
    ``variance`` (:func:`median_of_block_means`) leaves [μ - t, μ + t] with probability <= α:
    t = c sqrt(variance / m), m = n // k, (k, c) from :func:`median_of_blocks_plan`.

    Source: Devroye, Lerasle, Lugosi & Oliveira (2016), Section 4.

    Parameters
    ----------
    variance : array_like
        Variance of one draw (or an upper bound).
    %(n_draws)s
    %(alpha)s

    Returns
    -------
    k : int
        Number of blocks.
    t : ndarray
        The halfwidths, shaped like ``variance``.

    Examples
    --------
    >>> k, t = median_of_blocks_halfwidth(4.0, 1, 0.25)   # Chebyshev: 2 SDs of one draw
    >>> k, float(t)
    (1, 4.0)
    """
    k, c = median_of_blocks_plan(n, alpha)
    return k, c * np.sqrt(np.maximum(np.asarray(variance, dtype=float), 0.0) / (n // k))


def median_exceedance_probability(beta, r: int) -> np.ndarray:
    """Upper bound on P(median of r independent draws > s) when each draw exceeds s with
    probability <= β: the median (numpy's, the mean of the two middle values for even r)
    exceeds s only if at least ceil(r/2) draws do, so P <= P[Binomial(r, β) >= ceil(r/2)]
    (exact tail, increasing in β).

    Source: the exact binomial tail (scipy.stats.binom.sf), as in the median-of-means argument of
    Devroye, Lerasle, Lugosi & Oliveira (2016), Section 4.

    Parameters
    ----------
    beta : array_like
        Per-draw exceedance probabilities (clipped to [0, 1]).
    r : int
        Number of draws, >= 1.

    Returns
    -------
    ndarray
        The bounds, shaped like ``beta``.

    Examples
    --------
    >>> float(median_exceedance_probability(0.5, 3))   # P[Bin(3, 1/2) >= 2]
    0.5
    """
    r = _n(r, "r")
    return stats.binom.sf(math.ceil(r / 2) - 1, r, np.clip(np.asarray(beta, dtype=float), 0.0, 1.0))


# --------------------------------------------------------------------------- Gaussian quadratic forms
@_fill_doc
def gaussian_quadratic_mean_halfwidths(frobenius: float, spectral: float, n: int,
                                       alpha: float) -> tuple[float, float]:
    """(lo, hi) with P(mean - E < -lo) <= α/2 and P(mean - E > hi) <= α/2 for the mean of n
    i.i.d. copies of Y = xᵀ D x, x ~ N(0, Σ), D ⪰ 0.

    Y = Σ_i λ_i Z_i² with λ >= 0 the eigenvalues of Σ^{1/2} D Σ^{1/2}; ``frobenius`` = ‖λ‖₂ and
    ``spectral`` >= max λ (any upper bound, e.g. ‖λ‖₂, keeps it conservative).  n times the
    mean is a sum of λ_i (Z² - 1) over n copies of λ; with x = log(2/α),

        hi = 2 ‖λ‖₂ sqrt(x/n) + 2 max λ x/n,     lo = 2 ‖λ‖₂ sqrt(x/n)

    (‖λ‖₂² = Var Y / 2, so lo = sqrt(2 Var Y x / n): the exact variance, no sample SE).

    Source: Laurent & Massart (2000), Lemma 1.

    Parameters
    ----------
    frobenius : float
        ‖λ‖₂ = ‖Σ^{1/2} D Σ^{1/2}‖_F, >= 0.
    spectral : float
        An upper bound on max λ, >= 0.
    %(n_draws)s
    %(alpha)s

    Returns
    -------
    lo, hi : float

    Raises
    ------
    ValueError
        When ``frobenius`` or ``spectral`` is negative.

    Examples
    --------
    >>> lo, hi = gaussian_quadratic_mean_halfwidths(1.0, 1.0, 1, 2 / math.e)   # x = 1
    >>> round(lo, 12), round(hi, 12)
    (2.0, 4.0)
    """
    if not (frobenius >= 0 and spectral >= 0):
        raise ValueError("`frobenius` and `spectral` must be >= 0 (a positive semi-definite form)")
    n = _n(n)
    x = math.log(2.0 / check_alpha(alpha))
    lo = 2.0 * float(frobenius) * math.sqrt(x / n)
    return lo, lo + 2.0 * float(spectral) * x / n


# --------------------------------------------------------------------------- moments, slopes
@_fill_doc
def sample_mean_fourth_moment(mu2, mu4, n: int) -> np.ndarray:
    """E[(mean - μ)⁴] for the mean of n i.i.d. draws with central moments μ₂ and μ₄ (exact):
    expanding (Σ_i d_i)⁴ / n⁴, only the n terms d_i⁴ and the 3n(n - 1) products d_i² d_j² have a
    non-zero mean, so E = (μ₄ + 3 (n - 1) μ₂²) / n³.

    Source: direct expansion of the fourth power of a sum of independent centred variables (no
    approximation).

    Parameters
    ----------
    mu2, mu4 : array_like
        Second and fourth central moments of one draw.
    %(n_draws)s

    Returns
    -------
    ndarray
        The fourth central moments of the mean.

    Examples
    --------
    >>> float(sample_mean_fourth_moment(1.0, 3.0, 2))   # normal: 3 Var² = 3 (1/2)²
    0.75
    """
    n = _n(n)
    mu2 = np.asarray(mu2, dtype=float)
    return (np.asarray(mu4, dtype=float) + 3.0 * (n - 1) * mu2**2) / float(n) ** 3


def least_squares_slope_weights(x) -> np.ndarray:
    """Weights a with slope = Σ_i a_i y_i for the least-squares line through (x_i, y_i):
    a_i = (x_i - x̄) / Σ_j (x_j - x̄)².

    If every |y_i - (b + s x_i)| <= e_i then |slope - s| <= Σ_i |a_i| e_i (Σ a_i = 0 and
    Σ a_i x_i = 1 make the line itself exact): how per-point bounds carry over to a fitted slope.

    Source: the normal equations of simple linear regression.

    Parameters
    ----------
    x : array_like, shape (n,)
        Abscissae, n >= 2, not all equal.

    Returns
    -------
    ndarray, shape (n,)

    Raises
    ------
    ValueError
        When ``x`` is not 1-D with at least two distinct points.

    Examples
    --------
    >>> least_squares_slope_weights([0.0, 1.0, 2.0])
    array([-0.5,  0. ,  0.5])
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 1 or x.size < 2:
        raise ValueError("`x` must be 1-D with at least two points")
    xc = x - x.mean()
    ss = float(xc @ xc)
    if ss == 0.0:
        raise ValueError("`x` must not be constant")
    return xc / ss
