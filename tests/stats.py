"""Statistical assertions for the tests' Monte Carlo checks.

The rule (tests/conftest.py): a statistical test states its false-alarm probability α and gets
its acceptance region from an exact or conservative bound, never from a sample standard error
(which is 0 when a rare event never shows up in the sample, and then any deviation "fails" at
z = ∞, or it is noisy enough that a 4-SE test fails far more often than a normal table says).

The bounds themselves are typed once, in :mod:`theory.concentration` (shared with the claims);
this module turns them into assertions with readable messages:

- :func:`assert_binomial` — the exact binomial tail for a count of Bernoulli(p) successes,
  p = 0 and p = 1 included;
- :func:`assert_multinomial` — counts in K cells against exact cell probabilities: the K exact
  binomial tests with a Bonferroni union bound (conservative, valid for any n·p, zero-probability
  cells included; a chi-square test is not, its approximation fails when n·p ≪ 1);
- :func:`assert_mean_bernstein` — a mean from the exact variance and a bound on |X - E X|;
- :func:`assert_median_of_means` — from the exact variance alone (unbounded noise, heavy tails):
  Chebyshev per block, an exact binomial tail for the median of the blocks;
- :func:`assert_mean_empirical_bernstein`, :func:`assert_mean_chernoff`,
  :func:`assert_same_binomial` — known range, enumerated law, two samples;
- :func:`hoeffding_radius`, :func:`gaussian_radius`, :func:`subgaussian_radius`,
  :func:`chi2_interval` — the radii themselves, with :data:`FALSE_ALARM` as the default level.

Every assertion takes ``alpha``: the probability that it fails when the null hypothesis (the
exact probabilities / the exact mean) holds.  :data:`FALSE_ALARM` is the default, per assertion
and Hypothesis example.
"""

from __future__ import annotations

import math

import numpy as np

from theory import concentration

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


def assert_binomial(k, n: int, p, alpha: float = FALSE_ALARM, *, what: str = "count") -> None:
    """Assert that count(s) k are consistent with Binomial(n, p) at false-alarm α (jointly over
    all entries: each tested at α / #entries, Bonferroni)."""
    alpha = _check_alpha(alpha)
    pv = np.atleast_1d(concentration.binomial_two_sided_pvalue(k, n, p))
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
    """:func:`theory.concentration.hoeffding_halfwidth` (Hoeffding) at the tests' default level."""
    return float(concentration.hoeffding_halfwidth(width, n, alpha))


def assert_mean_bernstein(sample_mean, mean, n: int, variance, bound, alpha: float = FALSE_ALARM,
                          *, atol: float = 0.0, what: str = "mean") -> None:
    """Assert |sample_mean - mean| <= Bernstein radius (+ atol for float rounding), jointly over
    all entries at false-alarm α (each entry at α / #entries)."""
    alpha = _check_alpha(alpha)
    sm = np.atleast_1d(np.asarray(sample_mean, dtype=float))
    mu = np.broadcast_to(np.asarray(mean, dtype=float), sm.shape)
    r = np.broadcast_to(concentration.bernstein_halfwidth(variance, bound, n, alpha / sm.size), sm.shape) + atol
    dev = np.abs(sm - mu)
    bad = np.flatnonzero(~(dev <= r))
    if bad.size:
        i = bad[np.argmax(dev.flat[bad] / r.flat[bad])]
        raise AssertionError(
            f"{what}: entry {i} deviates by {dev.flat[i]:.3g} from its exact value {mu.flat[i]:.6g}, "
            f"beyond the Bernstein radius {r.flat[i]:.3g} (n={n}, false-alarm {alpha:g} over "
            f"{sm.size} entries); {bad.size} entries rejected")


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
    k, c = concentration.median_of_blocks_plan(n, alpha / d)
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
    """:func:`theory.concentration.gaussian_halfwidth` (exact for a Gaussian statistic with
    standard deviation ``sd``) at the tests' default level."""
    return concentration.gaussian_halfwidth(sd, alpha)


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
    # two-sided: Maurer & Pontil's one-sided radius for X and for -X at α/2 each
    r = concentration.empirical_bernstein_radius(flat.var(axis=0, ddof=1), w, n, alpha / d / 2) + atol
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
    """:func:`theory.concentration.chi2_interval` (exact χ²(df) quantiles) at the tests' default
    level.  For n i.i.d. N(μ, σ²) draws, Σ(x - μ)²/σ² ~ χ²(n) and Σ(x - x̄)²/σ² ~ χ²(n - 1)."""
    return concentration.chi2_interval(df, alpha)


def assert_mean_chernoff(sample_mean, values, probs, n: int, alpha: float = FALSE_ALARM, *,
                         atol: float = 0.0, what: str = "mean") -> None:
    """Assert that ``sample_mean`` (the mean of n i.i.d. draws of a discrete variable with exact
    law (values, probs)) lies in the Chernoff acceptance region of :func:`chernoff_radius`,
    jointly over the entries at false-alarm α (each at α / #entries)."""
    alpha = _check_alpha(alpha)
    v = np.asarray(values, dtype=float)
    sm = np.broadcast_to(np.asarray(sample_mean, dtype=float), v.shape[1:]).reshape(-1)
    d = sm.size
    r = concentration.chernoff_halfwidths(v.reshape(v.shape[0], -1), probs, n, alpha / d)
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
    """:func:`theory.concentration.subgaussian_halfwidth` at the tests' default level: covers an
    L-Lipschitz function of a standard Gaussian vector (proxy L), e.g. the maximum of m
    N(μ_i, σ²) draws (proxy σ), and a variable in an interval of width w (proxy w/2)."""
    return concentration.subgaussian_halfwidth(proxy_sd, n, alpha)


def assert_same_binomial(k1, n1: int, k2, n2: int, alpha: float = FALSE_ALARM, *,
                         what: str = "counts") -> None:
    """Assert that counts k1 of n1 and k2 of n2 (elementwise) are consistent with one common,
    unknown success probability, at false-alarm α jointly over the entries (Bonferroni).

    Fisher's exact conditional test (:func:`theory.concentration.fisher_exact_pvalue`): exact for
    every common p and any n·p; no standard error.
    """
    alpha = _check_alpha(alpha)
    pv = concentration.fisher_exact_pvalue(k1, n1, k2, n2)
    k1 = np.atleast_1d(np.asarray(k1))
    k2 = np.broadcast_to(np.asarray(k2), k1.shape)
    level = alpha / pv.size
    bad = np.flatnonzero(pv <= level)
    if bad.size:
        i = bad[np.argmin(pv[bad])]
        raise AssertionError(
            f"{what}: entry {i}: {int(k1[i])} of {n1} vs {int(k2[i])} of {n2} do not share one success "
            f"probability: Fisher exact p-value {pv[i]:.3g} <= {level:.3g} (false-alarm {alpha:g} over "
            f"{pv.size} entries); {bad.size} entries rejected")
