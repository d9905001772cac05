"""Exact and conservative acceptance regions for the claims' Monte Carlo parts (not claims).

The rule (issue 10, DESIGN.md "A claim"): a statistical part states its false-alarm probability
α — the chance that it fails although the prediction is right — and takes it from an exact or
conservative bound, never from a sample standard error (which is 0 when a rare event does not
show up, and noisy otherwise).  Each helper returns the acceptance region of one comparison at
level α; a part making K comparisons calls it with α/K (Bonferroni, valid for any dependence).

- :func:`binomial_interval` / :func:`binomial_upper` / :func:`binomial_lower` — exact binomial
  tails (scipy.stats.binom) for a count of independent Bernoulli(p) trials; :func:`binomial_lower`
  is also conservative for a count of trials each of which succeeds with probability >= p given
  the past (it stochastically dominates Binomial(n, p));
- :func:`normal_halfwidth` — exact for the mean of i.i.d. N(μ, σ²) draws with σ known;
- :func:`chi2_std_interval` — exact for the sample standard deviation of i.i.d. N(μ, σ²) draws;
- :func:`lipschitz_gaussian_halfwidth` — Gaussian concentration of an L-Lipschitz function of
  a standard Gaussian vector (Tsirelson-Ibragimov-Sudakov), for means of such draws;
- :func:`bernstein_halfwidth` — Bernstein's inequality with an exact variance (or an upper bound
  on it) and a bound on |X - E X|;
- :func:`empirical_bernstein_radius` — Maurer & Pontil (2009), Theorem 4: one-sided, from the
  sample variance *and* the known range (its range term keeps it valid when the sample variance
  is 0);
- :func:`median_of_blocks_plan` / :func:`median_of_block_means` — from an exact variance alone
  (unbounded or heavy-tailed draws): Chebyshev per block, an exact binomial tail for the median.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from scipy import special, stats

#: Default false-alarm probability of one claim part (all its comparisons together).  With
#: ~100 statistical parts in the registry and a 20-seed sweep, 2,000 parts run; at 1e-6 each the
#: probability that any of them fails although every prediction is right is <= 2e-3 (union bound).
ALPHA = 1e-6


def _alpha(alpha: float) -> float:
    alpha = float(alpha)
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"`alpha` must lie in (0, 1) (got {alpha})")
    return alpha


def binomial_interval(n: int, p, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Counts (lo, hi) with P[X < lo] <= α/2 and P[X > hi] <= α/2 for X ~ Binomial(n, p),
    elementwise in p (exact tails: lo = the α/2 quantile, hi = the inverse survival function at α/2;
    accept lo <= X <= hi)."""
    alpha = _alpha(alpha)
    p = np.asarray(p, dtype=float)
    return stats.binom.ppf(alpha / 2, n, p), stats.binom.isf(alpha / 2, n, p)


def binomial_upper(n: int, p, alpha: float) -> np.ndarray:
    """Smallest count c with P[X > c] <= α, X ~ Binomial(n, p): a count above c rejects
    "success probability <= p" at level α (the binomial tail increases with p)."""
    return stats.binom.isf(_alpha(alpha), n, np.asarray(p, dtype=float))


def binomial_lower(n: int, p, alpha: float) -> np.ndarray:
    """Count c with P[X < c] <= α for X ~ Binomial(n, p) (the α quantile) — and for any count of n
    trials each succeeding with conditional probability >= p given the earlier ones, which
    stochastically dominates Binomial(n, p)."""
    return stats.binom.ppf(_alpha(alpha), n, np.asarray(p, dtype=float))


def normal_halfwidth(sigma, n: int, alpha: float) -> np.ndarray:
    """t with P(|mean - μ| > t) = α for the mean of n i.i.d. N(μ, σ²) draws (exact)."""
    return stats.norm.isf(_alpha(alpha) / 2) * np.asarray(sigma, dtype=float) / math.sqrt(n)


def chi2_std_interval(sigma, n: int, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """(lo, hi) with P(s < lo) = P(s > hi) = α/2 for the sample standard deviation s (ddof = 1) of
    n i.i.d. N(μ, σ²) draws: (n - 1) s² / σ² ~ χ²(n - 1) exactly."""
    alpha = _alpha(alpha)
    sigma = np.asarray(sigma, dtype=float)
    k = n - 1
    return (sigma * np.sqrt(stats.chi2.ppf(alpha / 2, k) / k),
            sigma * np.sqrt(stats.chi2.isf(alpha / 2, k) / k))


def lipschitz_gaussian_halfwidth(lipschitz, n: int, alpha: float) -> np.ndarray:
    """t with P(|mean - E| >= t) <= α for the mean of n i.i.d. draws of an L-Lipschitz function
    of a standard Gaussian vector: each draw is sub-Gaussian with variance proxy L², so
    P(|mean - E| >= t) <= 2 exp(-n t² / (2 L²)) (Tsirelson-Ibragimov-Sudakov; Boucheron, Lugosi
    & Massart 2013, Theorem 5.6)."""
    return np.asarray(lipschitz, dtype=float) * math.sqrt(2.0 * math.log(2.0 / _alpha(alpha)) / n)


def bernstein_halfwidth(variance, bound, n: int, alpha: float) -> np.ndarray:
    """t with P(|mean - μ| >= t) <= α for the mean of n i.i.d. X with Var X <= ``variance`` and
    |X - μ| <= ``bound``: Bernstein, 2 exp(-n t² / (2σ² + 2bt/3)) = α solved for t,
        t = bL/(3n) + sqrt((bL/(3n))² + 2σ²L/n),  L = log(2/α)."""
    L = math.log(2.0 / _alpha(alpha))
    var = np.maximum(np.asarray(variance, dtype=float), 0.0)
    lin = np.asarray(bound, dtype=float) * L / (3.0 * n)
    return lin + np.sqrt(lin**2 + 2.0 * var * L / n)


def empirical_bernstein_radius(sample_variance, width: float, n: int, alpha: float) -> np.ndarray:
    """r with P(E X - mean > r) <= α for the mean of n >= 2 i.i.d. X in an interval of length
    ``width``, V_n the sample variance (ddof = 1): Maurer & Pontil (2009), Theorem 4, rescaled
    from [0, 1]:  r = sqrt(2 V_n log(2/α) / n) + 7 width log(2/α) / (3 (n - 1)).  One-sided (use
    α/2 per side for two)."""
    L = math.log(2.0 / _alpha(alpha))
    v = np.maximum(np.asarray(sample_variance, dtype=float), 0.0)
    return np.sqrt(2.0 * v * L / n) + 7.0 * width * L / (3.0 * (n - 1))


# ------------------------------------------------------------------------- median of blocks
def median_of_blocks_plan(n: int, alpha: float) -> tuple[int, float]:
    """(k, c) for a median-of-blocks bound with n i.i.d. draws: split them into k (odd) blocks of
    m = n // k, compute one statistic per block whose exact variance v_m is known, and accept when
    the median of the k block statistics lies within c·sqrt(v_m) of the statistic's exact mean.

    Conservative for any law with that variance (unbounded noise, heavy tails): by Chebyshev a
    block statistic leaves c·sqrt(v_m) with probability <= 1/c²; the median of k independent
    blocks leaves it only if >= (k + 1)/2 blocks do, with probability <= P[Binomial(k, 1/c²) >=
    (k + 1)/2] = I_{1/c²}((k + 1)/2, (k + 1)/2) (regularized incomplete beta), set to α and
    inverted exactly.  Among odd k <= min(n/2, 401) the plan minimizes c·sqrt(k), the radius in
    units of the full-sample SD when v_m ∝ 1/m (Lerasle & Oliveira 2011; Devroye et al. 2016,
    "Sub-Gaussian mean estimators", Section 4).  At α = 1e-6 this is ~16 full-sample SDs (a
    normal approximation would say 4.9, but it is not a bound)."""
    return _median_of_blocks_plan(int(n), _alpha(alpha))


@functools.lru_cache(maxsize=256)
def _median_of_blocks_plan(n: int, alpha: float) -> tuple[int, float]:
    best_k, best_c, best_score = 0, math.inf, math.inf
    for k in range(1, min(max(2, n // 2), 401) + 1, 2):
        need = (k + 1) // 2
        rate = float(special.betaincinv(need, k - need + 1, alpha))  # per-block failure rate
        if rate <= 0.0:
            continue
        c = 1.0 / math.sqrt(rate)
        if c * math.sqrt(k) < best_score:
            best_k, best_c, best_score = k, c, c * math.sqrt(k)
    if best_k == 0:
        raise ValueError(f"`n` = {n} draws are too few for a median-of-blocks bound at alpha = {alpha:g}")
    return best_k, best_c


def median_of_block_means(x, k: int) -> np.ndarray:
    """Median over k contiguous blocks of m = len(x) // k rows of the block means (axis 0; the
    last len(x) - k m rows are left out)."""
    x = np.asarray(x, dtype=float)
    m = x.shape[0] // k
    return np.median(x[: k * m].reshape(k, m, *x.shape[1:]).mean(axis=1), axis=0)


# -------------------------------------------------------------- Gaussian quadratic forms
def gaussian_quadratic_mean_halfwidths(frobenius: float, spectral: float, n: int, alpha: float
                                       ) -> tuple[float, float]:
    """(lo, hi) with P(mean - E < -lo) <= α/2 and P(mean - E > hi) <= α/2 for the mean of n i.i.d.
    copies of Y = xᵀ D x, x ~ N(0, Σ), D ⪰ 0: Y = Σ_i λ_i Z_i² with λ >= 0 the eigenvalues of
    Σ^{1/2} D Σ^{1/2}, ``frobenius`` = ‖λ‖₂ = ‖Σ^{1/2} D Σ^{1/2}‖_F and ``spectral`` >= max λ (any
    upper bound, e.g. ‖λ‖₂, keeps it conservative).  n times the mean is a sum of λ_i χ²_n, i.e.
    of λ_i (Z² - 1) over n copies of λ; Laurent & Massart (2000), Lemma 1, with x = log(2/α):

        hi = 2 ‖λ‖₂ sqrt(x/n) + 2 max λ x/n,     lo = 2 ‖λ‖₂ sqrt(x/n)

    (‖λ‖₂² = Var Y / 2, so lo = sqrt(2 Var Y x / n): the exact variance, no sample SE)."""
    if not (frobenius >= 0 and spectral >= 0):
        raise ValueError("`frobenius` and `spectral` must be >= 0 (a positive semi-definite form)")
    x = math.log(2.0 / _alpha(alpha))
    lo = 2.0 * float(frobenius) * math.sqrt(x / n)
    return lo, lo + 2.0 * float(spectral) * x / n


# ------------------------------------------------ moments of sample means, least-squares slopes
def sample_mean_fourth_moment(mu2, mu4, n: int) -> np.ndarray:
    """E[(mean - μ)⁴] for the mean of n i.i.d. draws with central moments μ₂ and μ₄ (exact):
    expand (Σ_i d_i)⁴ / n⁴; only the n terms d_i⁴ and the 3n(n - 1) pairs d_i² d_j² have a
    non-zero mean, so E = (μ₄ + 3 (n - 1) μ₂²) / n³."""
    if n < 1:
        raise ValueError(f"`n` must be >= 1 (got {n})")
    mu2 = np.asarray(mu2, dtype=float)
    return (np.asarray(mu4, dtype=float) + 3.0 * (n - 1) * mu2**2) / float(n) ** 3


def median_of_blocks_halfwidth(variance, n: int, alpha: float) -> tuple[int, np.ndarray]:
    """(k, t) such that the median of the k block means of n i.i.d. draws with Var <= ``variance``
    (:func:`median_of_block_means`) leaves [μ - t, μ + t] with probability <= α:
    t = c sqrt(variance / m), m = n // k, (k, c) from :func:`median_of_blocks_plan`."""
    k, c = median_of_blocks_plan(n, alpha)
    return k, c * np.sqrt(np.maximum(np.asarray(variance, dtype=float), 0.0) / (n // k))


def least_squares_slope_weights(x) -> np.ndarray:
    """Weights a with slope = Σ_i a_i y_i for the least-squares line through (x_i, y_i):
    a_i = (x_i - x̄) / Σ_j (x_j - x̄)².  If every |y_i - (b + s x_i)| <= e_i then
    |slope - s| <= Σ_i |a_i| e_i (Σ a_i = 0 and Σ a_i x_i = 1 make the line itself exact)."""
    x = np.asarray(x, dtype=float)
    if x.ndim != 1 or x.size < 2:
        raise ValueError("`x` must be 1-D with at least two points")
    xc = x - x.mean()
    ss = float(xc @ xc)
    if ss == 0.0:
        raise ValueError("`x` must not be constant")
    return xc / ss


# ------------------------------------------------------- roots of monotone sample equations
def bernstein_one_sided_tail(gap, variance, bound, n: int) -> np.ndarray:
    """Upper bound on P(mean - μ >= gap) (equally P(mean - μ <= -gap)) for the mean of n i.i.d. X
    with Var X <= ``variance`` and |X - μ| <= ``bound``: Bernstein's inequality,
    exp(-n gap² / (2σ² + 2 b gap / 3)); 1 where gap <= 0 (no information)."""
    if n < 1:
        raise ValueError(f"`n` must be >= 1 (got {n})")
    g = np.asarray(gap, dtype=float)
    var = np.maximum(np.asarray(variance, dtype=float), 0.0)
    b = np.asarray(bound, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        e = np.exp(-n * g**2 / (2.0 * var + 2.0 * b * np.maximum(g, 0.0) / 3.0))
    return np.where(g > 0, np.nan_to_num(e, nan=0.0), 1.0)


def median_exceedance_probability(beta, r: int) -> np.ndarray:
    """Upper bound on P(median of r independent draws > s) when each draw exceeds s with
    probability <= β: the median (np.median, mean of the two middle values for even r) exceeds s
    only if at least ceil(r/2) draws do, so P <= P[Binomial(r, β) >= ceil(r/2)] (exact tail,
    monotone in β)."""
    if r < 1:
        raise ValueError(f"`r` must be >= 1 (got {r})")
    return stats.binom.sf(math.ceil(r / 2) - 1, r, np.clip(np.asarray(beta, dtype=float), 0.0, 1.0))
