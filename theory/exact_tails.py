"""Exact tails for Monte Carlo checks: Clopper-Pearson binomial regions, Fisher's exact test,
Gaussian and chi-square intervals.

Split out of :mod:`theory.concentration` (which re-exports every name here and explains the
conventions: ``n`` draws, false-alarm probability ``alpha``, two-sided halfwidths, elementwise
over arrays).

Clopper, C. J. & Pearson, E. S. (1934).  The use of confidence or fiducial limits illustrated in
    the case of the binomial.  Biometrika 26(4).  (Exact equal-tailed binomial regions.)
Fisher, R. A. (1935).  The Design of Experiments.  Section 2 (the exact conditional test of a
    2 x 2 table given its margins: hypergeometric).
Casella, G. & Berger, R. L. (2002).  Statistical Inference, 2nd ed.  Theorem 5.3.1
    ((n - 1) S² / σ² ~ χ²(n - 1) for normal samples).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import stats

from theory.docstrings import doc_params
from theory.validation import check_alpha, check_int

__all__ = ["binomial_interval", "binomial_upper", "binomial_lower", "binomial_two_sided_pvalue", "fisher_exact_pvalue", "gaussian_halfwidth", "chi2_interval", "chi2_std_interval"]

#: Parameter descriptions shared by the docstrings below (``%(name)s``, see theory.docstrings).
_DOC = {
    "binomial": "n : int\n        Number of trials, >= 1.\n    p : array_like\n        Success probabilities "
                "in [0, 1] (elementwise).\n    alpha : float\n        False-alarm probability in (0, 1).",
    "alpha": "alpha : float\n        False-alarm probability in (0, 1).",
    "counts": "ndarray\n        The counts c, shaped like ``p``.",
}

_fill_doc = doc_params(_DOC)


def _n(n: Any, name: str = "n", minimum: int = 1) -> int:
    return check_int(n, name, minimum=minimum)


# --------------------------------------------------------------------------- exact tails
@_fill_doc
def binomial_interval(n: int, p, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Equal-tailed exact acceptance region (lo, hi) of a Binomial(n, p) count.

    lo is the α/2 quantile and hi the inverse survival function at α/2, so P[X < lo] <= α/2
    and P[X > hi] <= α/2: accepting lo <= X <= hi rejects a true p with probability <= α.

    Source: the exact binomial distribution (scipy.stats.binom); inverting these regions in p
    gives the Clopper & Pearson (1934) interval.

    Parameters
    ----------
    %(binomial)s

    Returns
    -------
    lo, hi : ndarray
        Counts, shaped like ``p``.

    Examples
    --------
    >>> lo, hi = binomial_interval(10, 0.5, 0.05)   # P[X <= 1] = 11/1024, P[X <= 2] = 56/1024
    >>> float(lo), float(hi)
    (2.0, 8.0)
    """
    half = check_alpha(alpha) / 2
    return binomial_lower(n, p, half), binomial_upper(n, p, half)


@_fill_doc
def binomial_upper(n: int, p, alpha: float) -> np.ndarray:
    """Smallest count c with P[X > c] <= α for X ~ Binomial(n, p).

    A count above c rejects "success probability <= p" at level α (the binomial tail
    increases with p).

    Source: the exact binomial tail (scipy.stats.binom.isf).

    Parameters
    ----------
    %(binomial)s

    Returns
    -------
    %(counts)s

    Examples
    --------
    >>> float(binomial_upper(10, 0.5, 0.05))   # P[X > 8] = 11/1024 <= 0.05 < P[X > 7] = 56/1024
    8.0
    """
    return stats.binom.isf(check_alpha(alpha), _n(n), np.asarray(p, dtype=float))


@_fill_doc
def binomial_lower(n: int, p, alpha: float) -> np.ndarray:
    """Count c with P[X < c] <= α for X ~ Binomial(n, p) (the α quantile).

    Also conservative for any count of n trials each of which succeeds with conditional
    probability >= p given the earlier ones: such a count stochastically dominates
    Binomial(n, p).

    Source: the exact binomial tail (scipy.stats.binom.ppf).

    Parameters
    ----------
    %(binomial)s

    Returns
    -------
    %(counts)s

    Examples
    --------
    >>> float(binomial_lower(10, 0.5, 0.05))   # P[X <= 1] = 11/1024 < 0.05 <= P[X <= 2]
    2.0
    """
    return stats.binom.ppf(check_alpha(alpha), _n(n), np.asarray(p, dtype=float))


def binomial_two_sided_pvalue(k, n: int, p) -> np.ndarray:
    """Two-sided exact binomial p-value min(1, 2 min(P[X <= k], P[X >= k])), X ~ Binomial(n, p).

    Rejecting when it is <= α has false-alarm probability <= α (each tail contributes at most
    α/2).  p = 0 (resp. 1) gives 1 at k = 0 (resp. n) and 0 elsewhere: a count in a
    zero-probability cell is always detected.

    Source: the exact binomial distribution (scipy.stats.binom); the doubled-tail rule of the
    equal-tailed test (Clopper & Pearson 1934).

    Parameters
    ----------
    k : array_like
        Observed counts.
    n : int
        Number of trials, >= 0.
    p : array_like
        Success probabilities in [0, 1] (broadcast against ``k``).

    Returns
    -------
    ndarray
        The p-values.

    Examples
    --------
    >>> float(binomial_two_sided_pvalue(0, 10, 0.5))   # 2 P[X = 0] = 2 / 1024
    0.001953125
    """
    n = _n(n, minimum=0)
    k = np.asarray(k)
    p = np.asarray(p, dtype=float)
    lower = stats.binom.cdf(k, n, p)  # P[X <= k]
    upper = stats.binom.sf(k - 1, n, p)  # P[X >= k]
    return np.minimum(1.0, 2.0 * np.minimum(lower, upper))


def fisher_exact_pvalue(k1, n1: int, k2, n2: int) -> np.ndarray:
    """Two-sided p-value of Fisher's exact test that k1 of n1 and k2 of n2 share one success
    probability: given t = k1 + k2, k1 ~ Hypergeometric(n1 + n2, n1, t) whatever the common p,
    so min(1, 2 min(P[K <= k1], P[K >= k1])) rejects a true null with probability <= α.

    Source: Fisher (1935), The Design of Experiments, Section 2 (the conditional test given the
    margins); scipy.stats.hypergeom.

    Parameters
    ----------
    k1, k2 : array_like
        Success counts (elementwise, broadcast together).
    n1, n2 : int
        Numbers of trials of the two samples.

    Returns
    -------
    ndarray
        The p-values, at least 1-D.

    Examples
    --------
    >>> fisher_exact_pvalue(3, 3, 0, 3)   # P[K >= 3] = 1 / C(6, 3) = 1/20, doubled
    array([0.1])
    """
    n1, n2 = _n(n1, "n1", 0), _n(n2, "n2", 0)
    k1 = np.atleast_1d(np.asarray(k1))
    k2 = np.broadcast_to(np.asarray(k2), k1.shape)
    if n1 + n2 == 0:  # no trials at all: nothing to reject (scipy's hypergeom is undefined there)
        return np.ones(k1.shape)
    t = k1 + k2
    lower = stats.hypergeom.cdf(k1, n1 + n2, t, n1)
    upper = stats.hypergeom.sf(k1 - 1, n1 + n2, t, n1)
    return np.minimum(1.0, 2.0 * np.minimum(lower, upper))


@_fill_doc
def gaussian_halfwidth(sd, alpha: float, n: int = 1) -> np.ndarray:
    """t with P(|mean - μ| >= t) = α for the mean of n i.i.d. N(μ, sd²) draws (exact):
    t = z_{1-α/2} sd / sqrt(n), z the standard normal quantile.

    Exact for a statistic that is itself Gaussian (a linear combination of Gaussian draws);
    conservative when ``sd`` is an upper bound on the standard deviation.

    Source: the normal distribution (scipy.stats.norm.isf).

    Parameters
    ----------
    sd : array_like
        Standard deviation of one draw (>= 0).
    %(alpha)s
    n : int, optional
        Number of draws averaged (default 1: ``sd`` is the statistic's own).

    Returns
    -------
    ndarray
        The halfwidths, shaped like ``sd``.

    Examples
    --------
    >>> round(float(gaussian_halfwidth(1.0, 0.05)), 6)   # the 97.5%% normal quantile
    1.959964
    >>> round(float(gaussian_halfwidth(2.0, 0.05, n=4)), 6)
    1.959964
    """
    return stats.norm.isf(check_alpha(alpha) / 2) * np.asarray(sd, dtype=float) / math.sqrt(_n(n))


@_fill_doc
def chi2_interval(df, alpha: float) -> tuple[float, float]:
    """(lo, hi) with P(X <= lo) = P(X >= hi) = α/2 for X ~ χ²(df) (exact).

    For n i.i.d. N(μ, σ²) draws, Σ(x - μ)²/σ² ~ χ²(n) and Σ(x - x̄)²/σ² ~ χ²(n - 1).

    Source: Casella & Berger (2002), Theorem 5.3.1; scipy.stats.chi2.

    Parameters
    ----------
    df : float
        Degrees of freedom, > 0.
    %(alpha)s

    Returns
    -------
    lo, hi : float

    Examples
    --------
    >>> lo, hi = chi2_interval(2, 0.5)   # χ²(2) is exponential with mean 2
    >>> round(lo, 12) == round(-2 * math.log(0.75), 12), round(hi, 12) == round(4 * math.log(2), 12)
    (True, True)
    """
    alpha = check_alpha(alpha)
    if not float(df) > 0:
        raise ValueError(f"`df` must be > 0 (got {df!r})")
    return float(stats.chi2.ppf(alpha / 2.0, df)), float(stats.chi2.isf(alpha / 2.0, df))


@_fill_doc
def chi2_std_interval(sigma, n: int, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """(lo, hi) with P(s < lo) = P(s > hi) = α/2 for the sample standard deviation s (ddof = 1)
    of n i.i.d. N(μ, σ²) draws: (n - 1) s²/σ² ~ χ²(n - 1) exactly, so
    lo = σ sqrt(χ²_{α/2} / (n - 1)), hi = σ sqrt(χ²_{1-α/2} / (n - 1)).

    Source: Casella & Berger (2002), Theorem 5.3.1 (c).

    Parameters
    ----------
    sigma : array_like
        The true standard deviation.
    n : int
        Number of draws, >= 2.
    %(alpha)s

    Returns
    -------
    lo, hi : ndarray

    Examples
    --------
    >>> lo, hi = chi2_std_interval(1.0, 3, 0.5)   # s² = χ²(2)/2: exponential with mean 1
    >>> round(float(lo) ** 2, 12) == round(-math.log(0.75), 12), round(float(hi) ** 2, 12) == round(math.log(4), 12)
    (True, True)
    """
    k = _n(n, minimum=2) - 1
    lo, hi = chi2_interval(k, alpha)
    sigma = np.asarray(sigma, dtype=float)
    return sigma * np.sqrt(lo / k), sigma * np.sqrt(hi / k)
