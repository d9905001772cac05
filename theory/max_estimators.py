"""The single and double estimators of a maximum under Gaussian noise, by quadrature.

Split out of :mod:`theory.overestimation` (which re-exports every name here; its docstring
has Theorem 1's bounds and the uniform-noise closed forms): the expected maximum of m iid
Gaussian estimates, the argmax probabilities of noisy estimates, and the biases of the single
estimator max_a (mu_a + sigma Z_a) and of the double estimator.

Papers
------
van Hasselt, H. (2010). Double Q-learning. NeurIPS.  Section 2 (the single estimator
    max_a mu_a-hat overestimates E[max_a] ... ; the double estimator mu^B(argmax mu^A)
    underestimates: its expectation is a convex combination of the true means), Lemma 1.
van Hasselt, Guez & Silver (AAAI 2016; arXiv:1509.06461): H. van Hasselt, A. Guez and
    D. Silver, Deep Reinforcement Learning with Double Q-learning.  Section "Overoptimism due
    to estimation errors" and Figure 1 (the bias of a max over m estimates with N(0, 1) errors).

Conventions: ``m`` is the number of actions; ``true_means`` has the actions on its last axis
(leading axes are batch axes); ``sigma`` is the standard deviation of independent Gaussian
noise on every estimate.  Everything here is a numerical integral (composite Gauss-Legendre
quadrature of integrands built from ``scipy.special.log_ndtr``), never Monte Carlo.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from scipy.special import log_ndtr

from theory.docstrings import doc_params
from theory.validation import as_float_array, check_integer_array, check_positive, float_or_array

__all__ = [
    "expected_max_normal",
    "argmax_probabilities",
    "single_estimator_bias",
    "double_estimator_bias",
]

#: Descriptions shared by the estimators' docstrings (``%(name)s``, see theory.docstrings).
_DOC = {
    "true_means": "true_means : array_like, shape (..., m)\n        True values mu_a (m >= 1 actions); "
                  "leading axes are batch axes.",
    "raises": "TypeError, ValueError\n        Non-numeric or non-finite ``true_means``, a scalar, "
              "``sigma <= 0``.",
}

_fill_doc = doc_params(_DOC)


# ----------------------------------------------------------------------------- quadrature
#: Gauss-Legendre order per panel and panel width (in units of sigma).  The integrands are
#: entire functions that vary on the scale sigma / sqrt(2 log m) >= 0.19 sigma for m <= 1e6;
#: 16 nodes per panel reach float64 rounding up to panels of width sigma / 2 (measured error
#: 2e-15 at m = 1e6 against mpmath); sigma / 4 keeps a factor-2 margin.
_GL_ORDER = 16
_PANEL = 0.25
#: Left truncation (in sigma): the neglected mass is below Phi(-10)^2 < 1e-45 (single) or
#: Phi(-10) < 1e-23 (double estimator).
_LEFT = 10.0
#: Right truncation: x_hi = sqrt(2 (log m + _RIGHT_LOG)), where m Q(x_hi) < exp(-_RIGHT_LOG).
_RIGHT_LOG = 55.0
#: Chunk size (number of integrand evaluations held in memory at once).
_CHUNK = 4_000_000


@functools.cache
def _gauss_legendre(order: int) -> tuple[np.ndarray, np.ndarray]:
    x, w = np.polynomial.legendre.leggauss(order)
    return x, w


def _composite_nodes(lo: float, hi: float, panel: float = _PANEL) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of composite Gauss-Legendre quadrature on [lo, hi].

    When lo < 0 < hi, 0 is a panel edge: the integrands below jump there (from -F to 1 - F).
    """
    if lo < 0.0 < hi:
        n1, w1 = _composite_nodes(lo, 0.0, panel)
        n2, w2 = _composite_nodes(0.0, hi, panel)
        return np.concatenate([n1, n2]), np.concatenate([w1, w2])
    n_panels = max(1, int(np.ceil((hi - lo) / panel)))
    edges = np.linspace(lo, hi, n_panels + 1)
    half = 0.5 * np.diff(edges)
    mid = 0.5 * (edges[:-1] + edges[1:])
    x, w = _gauss_legendre(_GL_ORDER)
    nodes = (mid[:, None] + half[:, None] * x[None, :]).ravel()
    weights = (half[:, None] * w[None, :]).ravel()
    return nodes, weights


def _right_limit(m_max: float) -> float:
    return float(np.sqrt(2.0 * (np.log(m_max) + _RIGHT_LOG)))



def _check_means(true_means: Any) -> np.ndarray:
    mu = as_float_array(true_means, "true_means")
    if mu.ndim == 0:
        raise ValueError("`true_means` must be at least 1-D (one true value per action), got a scalar")
    if mu.shape[-1] < 1:
        raise ValueError("`true_means` must hold at least one action along its last axis")
    return mu



# ----------------------------------------------------------------------------- expected maxima
def _expected_max_std_normal(m_values: np.ndarray) -> np.ndarray:
    """E[max of m iid N(0, 1)] for a 1-D array of distinct ints m >= 1, by quadrature of

        E[max] = int_0^inf (1 - Phi(x)^m) dx - int_-inf^0 Phi(x)^m dx.
    """
    # 1 - Φ^m falls from 1 to 0 over a width ~1/x0 around x0 = sqrt(2 log m); the panel
    # (0.25 wide, accurate to 1e-13 up to m = 1e6, where x0 = 5.3) shrinks like 1/x0 beyond,
    # so the transition keeps as many nodes (m = 1e300 was off by 8e-7 with 0.25).
    m_max = float(m_values.max())
    x0 = float(np.sqrt(2.0 * np.log(m_max))) if m_max > 1 else 0.0
    panel = min(_PANEL, 1.3 / x0) if x0 > 0 else _PANEL
    nodes, weights = _composite_nodes(-_LEFT, _right_limit(m_max), panel)
    log_phi = log_ndtr(nodes)
    positive = nodes > 0
    out = np.empty(m_values.shape, dtype=float)
    step = max(1, _CHUNK // nodes.size)
    for start in range(0, m_values.size, step):
        mm = m_values[start:start + step, None].astype(float)
        m_log = mm * log_phi[None, :]
        # 1 - Phi^m = -expm1(m log Phi) has no cancellation for x > 0; Phi^m for x <= 0.
        integrand = np.where(positive, -np.expm1(m_log), -np.exp(m_log))
        out[start:start + step] = integrand @ weights
    return out


def expected_max_normal(m: Any, sigma: float = 1.0) -> float | np.ndarray:
    r"""E[max of m iid N(0, sigma^2)]: the mean overestimation of a max over m noisy estimates.

    .. math::

       \mathbb{E}\big[\max_a \sigma Z_a\big] = \sigma \left[ \int_0^\infty \big(1 - \Phi(x)^m\big)\, dx
       - \int_{-\infty}^0 \Phi(x)^m \, dx \right],

    computed by composite Gauss-Legendre quadrature with Phi^m = exp(m log Phi(x))
    (``scipy.special.log_ndtr``) and 1 - Phi^m = -expm1(m log Phi(x)), accurate to about
    1e-13 absolute for m up to 1e6 (checked against closed forms for m <= 5 and mpmath
    quadrature).  Grows like sigma sqrt(2 log m).

    Source: van Hasselt et al. (2016), Section "Overoptimism due to estimation errors"
    and Figure 1 (the single-estimate bias with N(0, 1) errors, m = 2 .. 1024).

    Parameters
    ----------
    m : int or array_like of int
        Number of actions, >= 1 (m = 1 gives 0).
    sigma : float, default 1.0
        Standard deviation of the errors, > 0.

    Returns
    -------
    float or ndarray
        Same shape as ``m``; a float for scalar ``m``.

    Raises
    ------
    TypeError
        If ``m`` is not an integer (array) or ``sigma`` not real.
    ValueError
        If ``m < 1`` or ``sigma <= 0``.

    Examples
    --------
    >>> bool(abs(expected_max_normal(2) - 1 / np.sqrt(np.pi)) < 1e-14)
    True
    >>> bool(abs(expected_max_normal(3, sigma=2.0) - 3 / np.sqrt(np.pi)) < 1e-13)
    True
    """
    mm = check_integer_array(m, "m", minimum=1)
    s = check_positive(sigma, "sigma")
    flat = mm.ravel()
    values, inverse = np.unique(flat, return_inverse=True)
    out = s * _expected_max_std_normal(values)[inverse.ravel()]
    return float_or_array(out.reshape(mm.shape))



# ----------------------------------------------------------------------------- estimators
def _scaled_gaps(mu: np.ndarray, s: float) -> np.ndarray:
    """(M - mu_a)/sigma for every row of ``mu`` (M the row maximum), shape (B, m).

    The gaps are taken before dividing by sigma, so equal means give exact zeros however
    large they are; a gap that overflows (a range beyond float64, or sigma tiny) becomes
    +inf: an action that never wins, which the integrands below handle exactly.
    """
    with np.errstate(over="ignore"):
        gaps = (mu.max(axis=-1, keepdims=True) - mu) / s
    return gaps.reshape(-1, mu.shape[-1])


def _row_blocks(gaps: np.ndarray, n_nodes: int):
    """Blocks of rows holding about ``_CHUNK`` integrand values: (rows, gaps, counts, inverse).

    A block of one row is compressed to its distinct gaps with their multiplicities (equal
    true means share one integrand), so m = 1e6 equal means cost one integrand, not 1e6;
    ``inverse`` maps the distinct gaps back to the actions.  Uncompressed blocks have
    ``counts`` and ``inverse`` None.
    """
    n_rows, m = gaps.shape
    step = max(1, _CHUNK // (m * n_nodes))
    for start in range(0, n_rows, step):
        block = gaps[start:start + step]
        rows = slice(start, start + block.shape[0])
        if block.shape[0] == 1:
            g, inverse, counts = np.unique(block[0], return_inverse=True, return_counts=True)
            yield rows, g[None, :], counts[None, :].astype(float), inverse.ravel()
        else:
            yield rows, block, None, None


def _action_chunks(n_rows: int, m: int, n_nodes: int) -> list[slice]:
    """Slices of the action axis holding about ``_CHUNK`` integrand values each (memory bound)."""
    step = max(1, _CHUNK // (n_rows * n_nodes))
    return [slice(a0, a0 + step) for a0 in range(0, m, step)]


def _weighted_sum(log_cdf: np.ndarray, counts: np.ndarray | None, sl: slice) -> np.ndarray:
    """sum over the action axis (1) of counts_a * log_cdf[:, a, :]."""
    if counts is None:
        return log_cdf.sum(axis=1)
    return np.einsum("ban,ba->bn", log_cdf, counts[:, sl])


def _log_cdf_of_max(gaps: np.ndarray, counts: np.ndarray | None, t: np.ndarray) -> np.ndarray:
    """log F = sum_a counts_a log Phi(gaps_a + t), shape (B, n), accumulated over action chunks."""
    out = np.zeros((gaps.shape[0], t.size))
    for sl in _action_chunks(gaps.shape[0], gaps.shape[1], t.size):
        out += _weighted_sum(log_ndtr(gaps[:, sl, None] + t), counts, sl)
    return out


@_fill_doc
def argmax_probabilities(true_means: Any, sigma: float = 1.0) -> np.ndarray:
    """P(argmax_a (mu_a + sigma Z_a) = a) for independent standard normal Z_a.

    P_a = int (1/sigma) phi((x - mu_a)/sigma) prod_{b != a} Phi((x - mu_b)/sigma) dx,
    evaluated on x in [M - L sigma, M + L sigma] (M = max_a mu_a, L = 10) by composite
    Gauss-Legendre quadrature in log space (the neglected tails are below 1e-22).

    Source: van Hasselt (2010), "Double Q-learning", Section 2, Lemma 1 (the double
    estimator picks its action with the A-estimates; these are the weights of its convex
    combination).

    Parameters
    ----------
    %(true_means)s
    sigma : float, default 1.0
        Noise standard deviation, > 0.

    Returns
    -------
    ndarray, shape (..., m)
        Probabilities summing to 1 along the last axis (to quadrature accuracy).

    Raises
    ------
    %(raises)s

    Notes
    -----
    Equal means get equal probabilities exactly (a single row is reduced to its distinct
    means); memory stays bounded for any m (actions are processed in chunks).

    Examples
    --------
    >>> argmax_probabilities([0.0, 0.0, 0.0, 0.0]).round(12)
    array([0.25, 0.25, 0.25, 0.25])
    """
    mu = _check_means(true_means)
    s = check_positive(sigma, "sigma")
    gaps = _scaled_gaps(mu, s)
    m = gaps.shape[-1]
    if m == 1:
        return np.ones(mu.shape)
    t, w = _composite_nodes(-_LEFT, _LEFT)  # x = M + t sigma
    log_norm = 0.5 * np.log(2.0 * np.pi)
    out = np.empty_like(gaps)
    for rows, g, counts, inverse in _row_blocks(gaps, t.size):
        chunks = _action_chunks(g.shape[0], g.shape[1], t.size)
        if len(chunks) == 1:  # the usual case: Phi evaluated once
            z = g[:, :, None] + t                                          # (B, m, n)
            log_cdf = log_ndtr(z)
            log_f = _weighted_sum(log_cdf, counts, chunks[0])[:, None, :]  # log prod_b Phi
            # phi(z_a) prod_{b != a} Phi(z_b); a gap of +inf gives exp(-inf) = 0
            with np.errstate(over="ignore"):  # z² = inf for gaps ~1e300: exp(-inf) = 0
                p = np.exp(-0.5 * z * z - log_norm + log_f - log_cdf) @ w
        else:  # huge m: two passes over chunks of actions to bound memory
            log_f = _log_cdf_of_max(g, counts, t)[:, None, :]
            p = np.empty(g.shape)
            for sl in chunks:
                z = g[:, sl, None] + t
                with np.errstate(over="ignore"):
                    p[:, sl] = np.exp(-0.5 * z * z - log_norm + log_f - log_ndtr(z)) @ w
        out[rows] = p if inverse is None else p[:, inverse]
    return out.reshape(mu.shape)


@_fill_doc
def single_estimator_bias(true_means: Any, sigma: float = 1.0) -> float | np.ndarray:
    r"""Bias of the single estimator: E[max_a (mu_a + sigma Z_a)] - max_a mu_a  (>= 0).

    With F(x) = prod_a Phi((x - mu_a)/sigma) the CDF of the maximum and M = max_a mu_a,

        .. math::

           \mathrm{bias} = \int_0^\infty \big(1 - F(M + t)\big)\, dt - \int_{-\infty}^0 F(M + t)\, dt,

    by composite Gauss-Legendre quadrature on t in [-10 sigma, sigma sqrt(2 (log m + 55))],
    with F in log space (``log_ndtr``) and 1 - F = -expm1(log F).

    Source: van Hasselt (2010), "Double Q-learning", Section 2 (the single estimator
    max_a mu_a-hat is positively biased); van Hasselt et al. (2016), Figure 1.

    Parameters
    ----------
    %(true_means)s
    sigma : float, default 1.0
        Standard deviation of every estimate's independent Gaussian noise, > 0.

    Returns
    -------
    float or ndarray, shape (...)
        A float for a 1-D ``true_means``.

    Raises
    ------
    %(raises)s

    Notes
    -----
    Equal means give sigma * :func:`expected_max_normal`; m = 2 has Clark's (1961) closed
    form (used in the tests).  The bias is >= 0 by Jensen's inequality (max is convex).
    Gaps M - mu_a are formed before dividing by sigma (equal means stay exact however large;
    an overflowing gap is +inf, an action that never wins).  Memory is bounded for any m:
    a single row is reduced to its distinct means with multiplicities, and the actions are
    summed in chunks.

    Examples
    --------
    >>> bool(abs(single_estimator_bias([0.0, 0.0]) - 1 / np.sqrt(np.pi)) < 1e-14)
    True
    >>> single_estimator_bias([5.0])
    0.0
    """
    mu = _check_means(true_means)
    s = check_positive(sigma, "sigma")
    gaps = _scaled_gaps(mu, s)
    batch_shape = mu.shape[:-1]
    m = gaps.shape[-1]
    if m == 1:
        return float_or_array(np.zeros(batch_shape))
    t, w = _composite_nodes(-_LEFT, _right_limit(m))
    positive = t > 0
    out = np.empty(gaps.shape[0])
    for rows, g, counts, _ in _row_blocks(gaps, t.size):
        log_f = _log_cdf_of_max(g, counts, t)                                  # (B, n)
        integrand = np.where(positive, -np.expm1(log_f), -np.exp(log_f))
        out[rows] = integrand @ w
    return float_or_array(s * out.reshape(batch_shape))


@_fill_doc
def double_estimator_bias(true_means: Any, sigma: float = 1.0) -> float | np.ndarray:
    """Bias of the double estimator: E[Q^B(argmax_a Q^A_a)] - max_a mu_a  (<= 0).

    Q^A_a = mu_a + sigma Z^A_a and Q^B_a = mu_a + sigma Z^B_a with all Z independent N(0, 1).
    Conditioning on the selected action a* = argmax_a Q^A_a, which depends on Z^A only,

        E[Q^B_{a*}] = sum_a P(a* = a) E[Q^B_a | a* = a] = sum_a P(a* = a) mu_a,

    because Q^B is independent of Q^A and unbiased.  Hence
    bias = sum_a P_a mu_a - max_a mu_a = -sum_a P_a (M - mu_a) <= 0, a convex combination of
    the true means minus their maximum, with P_a from :func:`argmax_probabilities`.

    Source: van Hasselt (2010), "Double Q-learning", Section 2, Lemma 1 (the double
    estimator's expectation is a weighted average of the true means, so it never
    overestimates).

    Parameters
    ----------
    %(true_means)s
    sigma : float, default 1.0
        Noise standard deviation of both estimates, > 0.

    Returns
    -------
    float or ndarray, shape (...)

    Raises
    ------
    %(raises)s

    Notes
    -----
    Computed as -sum_a P_a (M - mu_a) so that equal means give exactly 0 and the sign is
    never flipped by rounding; an action whose gap M - mu_a overflows float64 has P_a = 0
    and contributes 0.  For m = 2 it equals -(M - mu_min) Phi(-|mu_1 - mu_2| /
    (sigma sqrt 2)).

    Examples
    --------
    >>> double_estimator_bias([1.0, 1.0, 1.0])
    0.0
    >>> bool(abs(double_estimator_bias([0.0, 1.0], sigma=np.sqrt(0.5)) + 0.15865525393146)
    ...      < 1e-12)
    True
    """
    mu = _check_means(true_means)
    p = argmax_probabilities(mu, sigma)
    with np.errstate(over="ignore"):
        gaps = mu.max(axis=-1, keepdims=True) - mu
    # an action with p = 0 contributes nothing, even when its gap overflowed to +inf
    weighted = np.multiply(p, gaps, out=np.zeros(p.shape), where=p > 0)
    bias = -np.sum(weighted, axis=-1)
    return float_or_array(np.where(bias == 0.0, 0.0, bias))  # no "-0.0"
