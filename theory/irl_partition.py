"""The partition function of the Finn discriminator: the importance-sampling estimate and its
loss-minimizing fixed point, in closed form (with a bracketed root search).

Papers
------
Finn, C., Christiano, P., Abbeel, P. & Levine, S. (2016). A Connection between Generative
    Adversarial Networks, Inverse Reinforcement Learning, and Energy-Based Models.
    arXiv:1611.03852.  Section 2.3 (the importance-sampled cost loss with the mixture proposal
    mu = (p + q)/2 and the density estimate mu_tilde = (p_tilde + q)/2); Section 3.2 (first
    fact: the loss-minimizing Z is the importance-sampling estimate).
Finn, C., Levine, S. & Abbeel, P. (2016). Guided Cost Learning: Deep Inverse Optimal Control
    via Policy Optimization. ICML.  Section 4 (importance weights over a mixture of
    demonstrations and background samples).

Split from :mod:`theory.irl` (which re-exports both functions); the layout and the meaning of
``cost``, ``q``, ``p_data``, ``log_z`` and ``q_weights`` are as described there.
"""

from __future__ import annotations

import math
import struct
from typing import Any

import numpy as np
from scipy.optimize import brentq
from scipy.special import log_expit

from theory._irl_inputs import LOG2, as_output, broadcast, check_cost, logsumexp, loss_inputs
from theory._irl_inputs import irl_doc, mixture_log_weights, same_length, sampler
from theory.validation import check_probability

__all__ = ["importance_sampling_partition", "optimal_log_partition"]

#: brentq tolerances for optimal_log_partition (absolute + relative in log Z): the root is
#: located to float64 resolution of log Z.
_ROOT_XTOL = 1e-14
_ROOT_RTOL = 4.0 * np.finfo(float).eps


@irl_doc
def importance_sampling_partition(cost: Any, q: Any, p_data: Any, log_z: Any, *,
                                  q_weights: Any = None) -> float | np.ndarray:
    """Log of the guided-cost-learning importance-sampling estimate of the partition function.

    Z_hat(Z) = E_mu[ exp(-c) / mu_tilde ],   mu = (p_data + q_weights)/2,
    mu_tilde = (exp(-c)/Z + q)/2,

    the mixture of demonstrations and samples as proposal, with the density of the
    demonstrations replaced by the current model estimate exp(-c)/Z.  Returns log Z_hat.

    Source: Finn et al. (2016), arXiv:1611.03852, Section 2.3 (the importance-sampled cost
    loss with mu and mu_tilde) and Section 3.2; Finn, Levine & Abbeel (2016), Guided Cost
    Learning, Section 4.

    Parameters
    ----------
    %(cost)s
    %(q)s
    %(p_data)s
    log_z : float or array_like, shape broadcastable to (...)
        log Z used inside mu_tilde.
    q_weights : array_like, shape (..., N), optional
        Sampler-sample weights; None: q itself (exact expectation).

    Returns
    -------
    log_z_hat : float or ndarray, shape (...)

    Raises
    ------
    ValueError
        As :func:`discriminator_loss`.
    TypeError
        If an input is not numeric.

    Notes
    -----
    The loss-minimizing log Z of the discriminator is the fixed point
    ``importance_sampling_partition(cost, q, p_data, log_z) == log_z`` (see
    :func:`optimal_log_partition`).  At the true log Z = log sum exp(-c) with
    p_data = exp(-c)/Z and exact expectations, mu = mu_tilde and Z_hat = Z exactly.

    Examples
    --------
    >>> c = [0.0, np.log(3.0)]                     # Z = 1 + 1/3 = 4/3
    >>> lz = importance_sampling_partition(c, [0.5, 0.5], [0.75, 0.25], np.log(4.0 / 3.0))
    >>> bool(np.isclose(lz, np.log(4.0 / 3.0), rtol=0, atol=1e-15))
    True
    """
    c, s, qq, w, p = loss_inputs(cost, log_z, q, p_data, q_weights)
    mu, log_ratio_tilde = mixture_log_weights(c, s, qq, p, w)
    return as_output(logsumexp(log_ratio_tilde, b=mu, axis=-1))


@irl_doc
def optimal_log_partition(cost: Any, q: Any, p_data: Any, *, q_weights: Any = None
                          ) -> float | np.ndarray:
    """The log Z that minimizes the Finn discriminator's loss: a self-consistent IS estimate.

    The loss is convex in s = log Z with derivative 1 - 2 E_mu[D], mu = (p_data + q_weights)/2,
    so its minimizer is the unique root of E_mu[D] = 1/2, i.e. of

        Z = E_mu[ exp(-c) / ((exp(-c)/Z + q)/2) ]    (``importance_sampling_partition``),

    the importance-sampling estimate of the partition function whose proposal density
    mu_tilde itself contains Z.  Solved by a bracketed root search (brentq) on the equivalent
    increasing function log E_mu[1 - D] - log(1/2) - log E_mu[D] + log(mu(q > 0) - 1/2) of s.

    Source: Finn et al. (2016), arXiv:1611.03852, Section 3.2 (first fact: "the value of Z
    which minimizes the discriminator's loss is an importance-sampling estimator for the
    partition function").

    Parameters
    ----------
    %(cost)s
    %(q)s
    %(p_data)s
    q_weights : array_like, shape (..., N), optional
        Sampler-sample weights; None: q itself (exact).

    Returns
    -------
    log_z_star : float or ndarray, shape (...)

    Raises
    ------
    ValueError
        If the inputs are invalid (see :func:`discriminator_loss`), or ``p_data`` puts all
        its mass where ``q`` = 0: then E_mu[D] > 1/2 for every Z, the loss decreases
        towards its infimum as log Z -> +inf and has no minimizer.
    TypeError
        If an input is not numeric.

    Notes
    -----
    *What Z\\* is.*  With exact expectations (q_weights = q) Z\\* equals the true partition
    function Z_c = sum exp(-c) if and only if, at Z = Z_c, E_{p_data}[D] = E_{p_model}[D]
    with p_model = exp(-c)/Z_c (because E_{p_model}[D] + E_q[D] = 1 there).  This holds when
    the data distribution equals exp(-c)/Z_c (the cost is right) and when the sampler equals
    exp(-c)/Z_c (then D = 1/2 everywhere), and not in general: Z\\* is not an unbiased
    estimate of Z_c but the fixed point above, and Z\\* - Z_c has no fixed sign (both signs
    occur for random costs, samplers and data).  For the GAN's own optimum q = p_data
    (mu = p_data, D = r/(r + Z) with r = exp(-c)/p_data), Z\\* solves E_p[Z/(r + Z)] = 1/2,
    increasing in Z; at Z = Z_c >= E_p[r] the AM-HM inequality E_p[1/X] >= 1/E_p[X] for
    X = r + Z_c gives E_p[Z_c/(r + Z_c)] >= Z_c/(E_p[r] + Z_c) >= 1/2, hence Z\\* <= Z_c, with
    equality iff r is constant, i.e. p_data = exp(-c)/Z_c.  With empirical weights, Z\\* is
    the sample fixed point and tends to the exact one as the samples grow.

    The root exists iff p_data(q > 0) > 0; it is unique because the loss's second
    derivative sum (p + w) D (1 - D) is then positive.  Batches are solved row by row.

    Examples
    --------
    Data from the model: Z* is the true partition function 1 + 1/3 = 4/3.

    >>> lz = optimal_log_partition([0.0, np.log(3.0)], [0.5, 0.5], [0.75, 0.25])
    >>> bool(np.isclose(lz, np.log(4.0 / 3.0), rtol=0, atol=1e-14))
    True
    """
    c = check_cost(cost)
    qq, w = sampler(q, q_weights)
    p = check_probability(p_data, "p_data")
    same_length((c, "cost"), (qq, "q"), (p, "p_data"))
    c, qq, w, p = broadcast(c, qq, w, p, names=("cost", "q", "q_weights", "p_data"))
    support = qq > 0
    p_on_support = np.sum(np.where(support, p, 0.0), axis=-1)
    if np.any(p_on_support <= 0):
        raise ValueError(
            "`p_data` puts all its mass where `q` = 0: the discriminator loss then decreases "
            "for ever as log Z grows and has no minimizer"
        )
    batch = c.shape[:-1]
    out = np.empty(batch)
    for idx in np.ndindex(*batch):
        out[idx] = _solve_log_z(c[idx], qq[idx], 0.5 * (p[idx] + w[idx]), p_on_support[idx])
    return as_output(out)


def _solve_log_z(c: np.ndarray, qq: np.ndarray, mu: np.ndarray, p_on_support: float) -> float:
    """Root in s of E_mu[1 - D] = 1/2 (equivalently E_mu[D] = 1/2), 1-D arrays."""
    keep = (qq > 0) & (mu > 0)
    a = -c[keep] - np.log(qq[keep])          # D = sigmoid(a - s) on the support of q
    log_mu = np.log(mu[keep])
    # E_mu[D] = mu(q = 0) + B(s) and E_mu[1 - D] = A(s), with A + B = mu(q > 0) = 1/2 + m.
    log_m = np.log(0.5 * p_on_support)
    log_half = -LOG2

    # Costs near ±DBL_MAX make s - a and the spreads inside logsumexp overflow to ±inf; the
    # exponentials of those are exactly 0 or the logs exactly 0, so the overflow is harmless.
    def g(s: float) -> float:  # increasing: log A - log(1/2) - (log B - log m)
        with np.errstate(over="ignore"):
            log_a = logsumexp(log_mu + log_expit(s - a))
            log_b = logsumexp(log_mu + log_expit(a - s))
        return (log_a - log_half) - (log_b - log_m)

    def a_exceeds_half(s: float) -> bool:
        # sign(A(s) - 1/2) = sign(g(s)), decided without forming A: with up = {a < s},
        # A - 1/2 = C + sum_{not up} mu sigma(s - a) - sum_{up} mu sigma(a - s),
        # C = mu(up) - 1/2.  Each sigma term is kept in log space, so the sign survives where
        # g itself rounds to 0 (symmetric costs of +-1e20 make A - 1/2 ~ e^-1e20).
        with np.errstate(over="ignore", invalid="ignore"):
            d = s - a
        up = d > 0
        c_const = math.fsum(np.exp(log_mu[up])) - 0.5
        log_pos = logsumexp(log_mu[~up] + log_expit(d[~up])) if np.any(~up) else -np.inf
        log_neg = logsumexp(log_mu[up] + log_expit(-d[up])) if np.any(up) else -np.inf
        if c_const > 0:
            return bool(np.logaddexp(math.log(c_const), log_pos) > log_neg)
        if c_const < 0:
            return bool(log_pos > np.logaddexp(math.log(-c_const), log_neg))
        return bool(log_pos > log_neg)

    # sigma(x) <= e^x bounds A(s) <= e^s E_mu[e^-a] and B(s) <= e^-s E_mu[e^a]: at these
    # brackets A < 1/2 (resp. B < m), so g changes sign between them.
    with np.errstate(over="ignore"):
        lo = -logsumexp(-a + log_mu) + log_half - 1.0
        hi = logsumexp(a + log_mu) - log_m + 1.0
    lo, hi = _narrow_bracket(a_exceeds_half, lo, hi)
    if g(lo) < 0 < g(hi):
        return float(brentq(g, lo, hi, xtol=_ROOT_XTOL, rtol=_ROOT_RTOL, maxiter=500))
    # g rounds to 0 (or loses its sign change) on the bracket: keep bisecting by the exact
    # sign down to adjacent doubles (at most 64 more steps).
    lo, hi = _narrow_bracket(a_exceeds_half, lo, hi, to_adjacent=True)
    return float(lo) if abs(lo) <= abs(hi) else float(hi)


def _float_key(x: float) -> int:
    """An integer that orders doubles like their values (adjacent doubles: adjacent keys)."""
    bits = struct.unpack("<q", struct.pack("<d", x))[0]
    return bits if bits >= 0 else -(bits & 0x7FFFFFFFFFFFFFFF)


def _key_float(k: int) -> float:
    bits = k if k >= 0 else (-k) | -0x8000000000000000
    return struct.unpack("<d", struct.pack("<q", bits))[0]


def _narrow_bracket(exceeds, lo: float, hi: float, *, to_adjacent: bool = False
                    ) -> tuple[float, float]:
    """Bisect the bracket [lo, hi] of an increasing g in the ordering of the doubles until it
    is at most 1 wide.  With costs of ±1e300 the bracket spans ~1e300, which brentq's
    bisection fallback (halving by value) needs > 1000 steps to shrink to 1e-14; halving
    the number of doubles in between takes at most 64 steps."""
    lo, hi = float(lo), float(hi)   # Python floats: hi - lo = inf without a warning
    klo, khi = _float_key(lo), _float_key(hi)
    while khi - klo > 1 and (to_adjacent or hi - lo > 1.0):
        mid = _key_float((klo + khi) // 2)
        if not exceeds(mid):
            lo, klo = mid, _float_key(mid)
        else:
            hi, khi = mid, _float_key(mid)
    return lo, hi
