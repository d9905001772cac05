"""Exact and conservative statistical bounds for the tests' Monte Carlo checks.

The rule (tests/conftest.py): a statistical test states its false-alarm probability α and gets
its acceptance region from an exact or conservative bound, never from a sample standard error
(which is 0 when a rare event never shows up in the sample, and then any deviation "fails" at
z = ∞, or it is noisy enough that a 4-SE test fails far more often than a normal table says).

- :func:`binomial_two_sided_pvalue` / :func:`assert_binomial` — the exact binomial tail
  (scipy.stats.binom) for a count of Bernoulli(p) successes, p = 0 and p = 1 included;
- :func:`assert_multinomial` — counts in K cells against exact cell probabilities: the K exact
  binomial tests with a Bonferroni union bound (conservative, valid for any n·p, zero-probability
  cells included; a chi-square test is not, its approximation fails when n·p ≪ 1);
- :func:`hoeffding_radius` — the deviation of a mean of n i.i.d. variables with a known range;
- :func:`bernstein_radius` / :func:`assert_mean_bernstein` — the same from the exact variance and
  a bound on |X - E X| (much tighter when the variance is small);
- :func:`assert_median_of_means` — from the exact variance alone (unbounded noise, heavy tails):
  Chebyshev per block, an exact binomial tail for the median of the blocks.

Every assertion takes ``alpha``: the probability that it fails when the null hypothesis (the
exact probabilities / the exact mean) holds.  :data:`FALSE_ALARM` is the default, per assertion
and Hypothesis example.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from scipy import special as _sp
from scipy import stats as _st

#: Default false-alarm probability of one statistical assertion at one Hypothesis example.  A
#: statistical test runs <= 10-20 examples at the dev profile, so its own false-alarm
#: probability is <= 2e-6; the ~30 statistical tests x 20 examples x 20 seeds of a seed sweep
#: (1.2e4 draws) stay below 1.2e-3 in total by the union bound, and the bounds below are
#: conservative, so the true figure is smaller still.
FALSE_ALARM = 1e-7


def _check_alpha(alpha: float) -> float:
    alpha = float(alpha)
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"`alpha` must lie in (0, 1) (got {alpha})")
    return alpha


def binomial_two_sided_pvalue(k, n: int, p) -> np.ndarray:
    """min(1, 2 min(P[X <= k], P[X >= k])) for X ~ Binomial(n, p), elementwise.

    Exact tails (scipy.stats.binom); rejecting when this is <= α has false-alarm probability
    <= α (each tail contributes at most α/2).  p = 0 (resp. 1) gives 1 at k = 0 (resp. n) and
    0 elsewhere: a count in a zero-probability cell is always detected.
    """
    k = np.asarray(k)
    p = np.asarray(p, dtype=float)
    lower = _st.binom.cdf(k, n, p)  # P[X <= k]
    upper = _st.binom.sf(k - 1, n, p)  # P[X >= k]
    return np.minimum(1.0, 2.0 * np.minimum(lower, upper))


def assert_binomial(k, n: int, p, alpha: float = FALSE_ALARM, *, what: str = "count") -> None:
    """Assert that count(s) k are consistent with Binomial(n, p) at false-alarm α (jointly over
    all entries: each tested at α / #entries, Bonferroni)."""
    alpha = _check_alpha(alpha)
    pv = np.atleast_1d(binomial_two_sided_pvalue(k, n, p))
    level = alpha / pv.size
    bad = np.flatnonzero(pv <= level)
    if bad.size:
        k_arr = np.broadcast_to(np.asarray(k), pv.shape)
        p_arr = np.broadcast_to(np.asarray(p, dtype=float), pv.shape)
        i = bad[np.argmin(pv[bad])]
        raise AssertionError(
            f"{what} {int(k_arr.flat[i])} of {n} at entry {i} is not Binomial(n, {p_arr.flat[i]:.6g}): "
            f"exact two-sided p-value {pv.flat[i]:.3g} <= {level:.3g} (false-alarm {alpha:g} over "
            f"{pv.size} entries); {bad.size} entries rejected")


def assert_multinomial(counts, probs, alpha: float = FALSE_ALARM) -> None:
    """Assert that ``counts`` (K cells, total n) are consistent with a multinomial draw from
    ``probs`` at false-alarm probability α.

    Each cell's count is Binomial(n, p_k) marginally; the K exact two-sided binomial tests at
    level α/K reject a true multinomial with probability <= α (Bonferroni).  Cells with p_k = 0
    must be empty.
    """
    counts = np.asarray(counts)
    probs = np.asarray(probs, dtype=float)
    if counts.shape != probs.shape or counts.ndim != 1:
        raise ValueError(f"`counts` and `probs` must be 1-D of equal length (got {counts.shape}, "
                         f"{probs.shape})")
    if abs(probs.sum() - 1.0) > 1e-9 or np.any(probs < 0):
        raise ValueError("`probs` must be a probability vector")
    assert_binomial(counts, int(counts.sum()), np.clip(probs, 0.0, 1.0), alpha, what="cell count")


def hoeffding_radius(n: int, width: float, alpha: float = FALSE_ALARM) -> float:
    """r with P(|mean - μ| >= r) <= α for the mean of n i.i.d. variables in an interval of the
    given width: Hoeffding, 2 exp(-2 n r² / width²) = α."""
    alpha = _check_alpha(alpha)
    return float(width) * math.sqrt(math.log(2.0 / alpha) / (2.0 * n))


def bernstein_radius(n: int, variance, bound, alpha: float = FALSE_ALARM) -> np.ndarray:
    """r with P(|mean - μ| >= r) <= α for the mean of n i.i.d. X with Var X = variance (exact,
    or an upper bound) and |X - μ| <= bound almost surely (elementwise in variance, bound).

    Bernstein's inequality: P(|mean - μ| >= r) <= 2 exp(-n r² / (2σ² + 2br/3)); setting the
    right side to α and solving the quadratic, with L = log(2/α),
        r = bL/(3n) + sqrt((bL/(3n))² + 2σ²L/n).
    """
    alpha = _check_alpha(alpha)
    var = np.maximum(np.asarray(variance, dtype=float), 0.0)
    b = np.asarray(bound, dtype=float)
    L = math.log(2.0 / alpha)
    lin = b * L / (3.0 * n)
    return lin + np.sqrt(lin**2 + 2.0 * var * L / n)


def assert_mean_bernstein(sample_mean, mean, n: int, variance, bound, alpha: float = FALSE_ALARM,
                          *, atol: float = 0.0, what: str = "mean") -> None:
    """Assert |sample_mean - mean| <= Bernstein radius (+ atol for float rounding), jointly over
    all entries at false-alarm α (each entry at α / #entries)."""
    alpha = _check_alpha(alpha)
    sm = np.atleast_1d(np.asarray(sample_mean, dtype=float))
    mu = np.broadcast_to(np.asarray(mean, dtype=float), sm.shape)
    r = np.broadcast_to(bernstein_radius(n, variance, bound, alpha / sm.size), sm.shape) + atol
    dev = np.abs(sm - mu)
    bad = np.flatnonzero(~(dev <= r))
    if bad.size:
        i = bad[np.argmax(dev.flat[bad] / r.flat[bad])]
        raise AssertionError(
            f"{what}: entry {i} deviates by {dev.flat[i]:.3g} from its exact value {mu.flat[i]:.6g}, "
            f"beyond the Bernstein radius {r.flat[i]:.3g} (n={n}, false-alarm {alpha:g} over "
            f"{sm.size} entries); {bad.size} entries rejected")


def median_of_means_plan(n: int, alpha: float = FALSE_ALARM) -> tuple[int, float]:
    """(k, c): with n samples split into k blocks of m = n // k, the median of the block means
    is within c·σ/√m of μ with probability >= 1 - α.

    Needs only the exact variance σ² (no range, no higher moments): by Chebyshev a block mean of
    m = n // k samples deviates by more than c σ/√m with probability <= 1/c²; the median deviates
    that far only if at least half of the k independent blocks do, which has probability
    <= P[Binomial(k, 1/c²) >= k/2] (exact tail).  Returns the (k, c) with the smallest
    c·sqrt(k) over odd k <= min(n/2, ~400), c from the exact inverse of that binomial tail
    (a regularized incomplete beta function), subject to the tail <= α.
    """
    return _median_of_means_plan(int(n), _check_alpha(alpha))


@functools.lru_cache(maxsize=256)
def _median_of_means_plan(n: int, alpha: float) -> tuple[int, float]:
    best = (None, math.inf, math.inf)
    for k in range(1, max(2, n // 2) + 1, 2):
        need = (k + 1) // 2  # median of odd k fails only if >= (k + 1)/2 blocks fail
        # largest per-block failure rate with P[Bin(k, rate) >= need] <= alpha: that tail is the
        # regularized incomplete beta I_rate(need, k - need + 1), inverted exactly
        rate = float(_sp.betaincinv(need, k - need + 1, alpha))
        if not rate > 0.0:
            continue
        c = 1.0 / math.sqrt(rate)
        score = c * math.sqrt(k)
        if score < best[2]:
            best = (k, c, score)
        if k > 400:
            break
    if best[0] is None:
        raise ValueError(f"n = {n} samples are too few for a median-of-means bound at alpha = {alpha}")
    return best[0], best[1]


def assert_median_of_means(samples, mean, variance, alpha: float = FALSE_ALARM, *, atol: float = 0.0,
                           what: str = "mean") -> None:
    """Assert that the median of block means of ``samples`` (axis 0: i.i.d. draws) lies within
    the median-of-means radius c·σ·sqrt(k/n) of the exact mean, jointly over the trailing
    entries at false-alarm α (Bonferroni).  Valid for any distribution with the given exact
    variance (heavy tails, unbounded noise, rare events) — see :func:`median_of_means_plan`."""
    alpha = _check_alpha(alpha)
    x = np.asarray(samples, dtype=float)
    n = x.shape[0]
    flat = x.reshape(n, -1)
    d = flat.shape[1]
    k, c = median_of_means_plan(n, alpha / d)
    m = n // k
    blocks = flat[: k * m].reshape(k, m, d).mean(axis=1)
    med = np.median(blocks, axis=0)
    mu = np.broadcast_to(np.asarray(mean, dtype=float), x.shape[1:]).reshape(-1)
    sd = np.sqrt(np.maximum(np.broadcast_to(np.asarray(variance, dtype=float), x.shape[1:]).reshape(-1), 0.0))
    r = c * sd / math.sqrt(m) + atol
    dev = np.abs(med - mu)
    bad = np.flatnonzero(~(dev <= r))
    if bad.size:
        i = bad[np.argmax(dev[bad] / r[bad])]
        raise AssertionError(
            f"{what}: entry {i}: median of {k} block means deviates by {dev[i]:.3g} from its exact "
            f"value {mu[i]:.6g}, beyond the median-of-means radius {r[i]:.3g} (n={n}, false-alarm "
            f"{alpha:g} over {d} entries); {bad.size} entries rejected")


def gaussian_radius(sd, alpha: float = FALSE_ALARM) -> np.ndarray:
    """r with P(|Z| >= r) = α for Z ~ N(0, sd²): exact for a statistic that is itself Gaussian
    (a linear combination of Gaussian draws), conservative when sd is an upper bound."""
    alpha = _check_alpha(alpha)
    return np.asarray(sd, dtype=float) * _st.norm.isf(alpha / 2.0)


def empirical_bernstein_radius(samples, width, alpha: float = FALSE_ALARM) -> np.ndarray:
    """r with P(|mean - μ| >= r) <= α for the mean of n i.i.d. variables known to lie in an
    interval of the given width, from their sample variance (ddof = 1), along axis 0.

    Maurer & Pontil (2009), "Empirical Bernstein bounds and sample variance penalization",
    Theorem 4: for X in [0, 1], with probability >= 1 - δ,
        E X - mean <= sqrt(2 V_n log(2/δ) / n) + 7 log(2/δ) / (3 (n - 1)),
    V_n the unbiased sample variance.  Applied to X and 1 - X at δ = α/2 each and rescaled by
    the width.  A conservative bound for a *known range* (it does not trust the sample variance:
    the range term covers a sample variance that came out small, e.g. 0 when a rare value never
    showed up), unlike a z-score on the sample standard error.
    """
    alpha = _check_alpha(alpha)
    x = np.asarray(samples, dtype=float)
    n = x.shape[0]
    if n < 2:
        raise ValueError(f"need at least 2 samples (got {n})")
    w = np.asarray(width, dtype=float)
    L = math.log(4.0 / alpha)
    v = x.var(axis=0, ddof=1)
    return np.sqrt(2.0 * v * L / n) + 7.0 * w * L / (3.0 * (n - 1))


def assert_mean_empirical_bernstein(samples, mean, width, alpha: float = FALSE_ALARM, *,
                                    atol: float = 0.0, what: str = "mean") -> None:
    """Assert |mean of samples (axis 0) - mean| <= the empirical Bernstein radius (+ atol),
    jointly over the trailing entries at false-alarm α (each at α / #entries).  ``width``: a
    known bound on the range of each entry (broadcast over the trailing entries)."""
    alpha = _check_alpha(alpha)
    x = np.asarray(samples, dtype=float)
    n = x.shape[0]
    flat = x.reshape(n, -1)
    d = flat.shape[1]
    w = np.broadcast_to(np.asarray(width, dtype=float), x.shape[1:]).reshape(-1)
    r = empirical_bernstein_radius(flat, w, alpha / d) + atol
    mu = np.broadcast_to(np.asarray(mean, dtype=float), x.shape[1:]).reshape(-1)
    dev = np.abs(flat.mean(axis=0) - mu)
    bad = np.flatnonzero(~(dev <= r))
    if bad.size:
        i = bad[np.argmax(dev[bad] / r[bad])]
        raise AssertionError(
            f"{what}: entry {i} deviates by {dev[i]:.3g} from its exact value {mu[i]:.6g}, beyond "
            f"the empirical Bernstein radius {r[i]:.3g} (n={n}, range {w[i]:.3g}, false-alarm "
            f"{alpha:g} over {d} entries); {bad.size} entries rejected")


def chi2_interval(df, alpha: float = FALSE_ALARM) -> tuple[float, float]:
    """(lo, hi) with P(X <= lo) = P(X >= hi) = α/2 for X ~ χ²(df): exact.  For n i.i.d.
    N(μ, σ²) draws, Σ(x - μ)²/σ² ~ χ²(n) and Σ(x - x̄)²/σ² ~ χ²(n - 1)."""
    alpha = _check_alpha(alpha)
    return float(_st.chi2.ppf(alpha / 2.0, df)), float(_st.chi2.isf(alpha / 2.0, df))


def _chernoff_side(dev: np.ndarray, logp: np.ndarray, n: int, L: float) -> float:
    """Smallest r >= 0 with exp(-n I(r)) <= e^{-L}, I the Cramér rate of X - E X (values
    ``dev``, log-probabilities ``logp``); via λ: r = K'(λ), I = λ K'(λ) - K(λ), K the cumulant
    generating function, both increasing in λ >= 0."""
    from scipy.special import logsumexp, softmax

    top = dev.max()
    if top <= 0.0:
        return 0.0
    # as λ -> ∞, I -> -log P(X = max): if even that is too small, no r below the maximum works
    p_top = logsumexp(logp[dev >= top])
    if -n * p_top < L:
        return float(top) * (1.0 + 1e-12) + 1e-300

    def rate(lam):
        w = softmax(logp + lam * dev)
        k1 = float(w @ dev)
        return lam * k1 - float(logsumexp(logp + lam * dev)), k1

    lo, hi = 0.0, 1.0 / max(float(np.max(np.abs(dev))), 1e-300)
    while rate(hi)[0] < L / n:
        lo, hi = hi, 2.0 * hi
        if hi > 1e300:
            break
    for _ in range(50):  # relative accuracy 2^-50 on the bracket
        mid = 0.5 * (lo + hi)
        if rate(mid)[0] < L / n:
            lo = mid
        else:
            hi = mid
    return rate(hi)[1]


def chernoff_radius(values, probs, n: int, alpha: float = FALSE_ALARM) -> np.ndarray:
    """(r_minus, r_plus) per entry: P(mean - μ >= r_plus) + P(μ - mean >= r_minus) <= α for the
    mean of n i.i.d. draws of a *discrete* variable with the given values (K, ...) and exact
    probabilities (K,) — e.g. an estimator whose law is enumerated.

    Chernoff's bound with the exact cumulant generating function K(λ) = log E e^{λ(X - μ)}:
    P(mean - μ >= r) <= exp(-n sup_λ (λr - K(λ))), each side at α/2.  The tightest exponential
    bound (Bernstein is a weakening of it), so the acceptance region is ~sqrt(2 log(2/α)) exact
    SDs for n large, whatever the range.
    """
    alpha = _check_alpha(alpha)
    p = np.asarray(probs, dtype=float)
    v = np.asarray(values, dtype=float)
    flat = v.reshape(v.shape[0], -1)
    keep = p > 0
    logp = np.log(p[keep])
    mu = p @ flat
    L = math.log(2.0 / alpha)
    out = np.empty((2, flat.shape[1]))
    for j in range(flat.shape[1]):
        dev = flat[keep, j] - mu[j]
        out[0, j] = _chernoff_side(-dev, logp, n, L)
        out[1, j] = _chernoff_side(dev, logp, n, L)
    return out.reshape((2,) + v.shape[1:])


def assert_mean_chernoff(sample_mean, values, probs, n: int, alpha: float = FALSE_ALARM, *,
                         atol: float = 0.0, what: str = "mean") -> None:
    """Assert that ``sample_mean`` (the mean of n i.i.d. draws of a discrete variable with exact
    law (values, probs)) lies in the Chernoff acceptance region of :func:`chernoff_radius`,
    jointly over the entries at false-alarm α (each at α / #entries)."""
    alpha = _check_alpha(alpha)
    v = np.asarray(values, dtype=float)
    sm = np.broadcast_to(np.asarray(sample_mean, dtype=float), v.shape[1:]).reshape(-1)
    d = sm.size
    r = chernoff_radius(v.reshape(v.shape[0], -1), probs, n, alpha / d)
    mu = np.asarray(probs, dtype=float) @ v.reshape(v.shape[0], -1)
    dev = sm - mu
    bad = np.flatnonzero(~((dev <= r[1] + atol) & (-dev <= r[0] + atol)))
    if bad.size:
        i = bad[0]
        raise AssertionError(
            f"{what}: entry {i} deviates by {dev[i]:.3g} from its exact value {mu[i]:.6g}, outside the "
            f"Chernoff region [-{r[0, i]:.3g}, {r[1, i]:.3g}] (n={n}, false-alarm {alpha:g} over {d} "
            f"entries); {bad.size} entries rejected")


def subgaussian_radius(n: int, proxy_sd, alpha: float = FALSE_ALARM) -> np.ndarray:
    """r with P(|mean - μ| >= r) <= α for the mean of n i.i.d. variables that are sub-Gaussian
    with variance proxy proxy_sd² (E e^{λ(X - μ)} <= e^{λ² s²/2}): r = s sqrt(2 log(2/α)/n).

    Covers an L-Lipschitz function of a standard Gaussian vector (s = L: Gaussian concentration,
    the Herbst argument from the Gaussian log-Sobolev inequality), e.g. the maximum of m
    N(μ_i, σ²) draws (s = σ), and a variable in an interval of width w (s = w/2: Hoeffding)."""
    alpha = _check_alpha(alpha)
    return np.asarray(proxy_sd, dtype=float) * math.sqrt(2.0 * math.log(2.0 / alpha) / n)


def assert_same_binomial(k1, n1: int, k2, n2: int, alpha: float = FALSE_ALARM, *,
                         what: str = "counts") -> None:
    """Assert that counts k1 of n1 and k2 of n2 (elementwise) are consistent with one common,
    unknown success probability, at false-alarm α jointly over the entries (Bonferroni).

    Fisher's exact conditional test: given the total t = k1 + k2, k1 is Hypergeometric(n1 + n2,
    n1, t) whatever the common p, so the two-sided tail min(1, 2 min(P[K <= k1], P[K >= k1]))
    rejects a true null with probability <= α for every p (exact, any n·p; no standard error).
    """
    alpha = _check_alpha(alpha)
    k1 = np.atleast_1d(np.asarray(k1))
    k2 = np.broadcast_to(np.asarray(k2), k1.shape)
    t = k1 + k2
    lower = _st.hypergeom.cdf(k1, n1 + n2, t, n1)
    upper = _st.hypergeom.sf(k1 - 1, n1 + n2, t, n1)
    pv = np.minimum(1.0, 2.0 * np.minimum(lower, upper))
    level = alpha / pv.size
    bad = np.flatnonzero(pv <= level)
    if bad.size:
        i = bad[np.argmin(pv[bad])]
        raise AssertionError(
            f"{what}: entry {i}: {int(k1[i])} of {n1} vs {int(k2[i])} of {n2} do not share one success "
            f"probability: Fisher exact p-value {pv[i]:.3g} <= {level:.3g} (false-alarm {alpha:g} over "
            f"{pv.size} entries); {bad.size} entries rejected")
