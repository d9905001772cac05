"""MaxEnt IRL, the Finn discriminator and the GAN <-> IRL <-> EBM identities, in closed form.

Papers
------
Finn, C., Christiano, P., Abbeel, P. & Levine, S. (2016). A Connection between Generative
    Adversarial Networks, Inverse Reinforcement Learning, and Energy-Based Models.
    arXiv:1611.03852.  Section 2.3 (MaxEnt IRL, p_theta(tau) = exp(-c_theta(tau))/Z, the cost
    loss and the guided-cost-learning importance-sampled cost loss with the mixture proposal
    mu = (p + q)/2 and the density estimate mu_tilde = (p_tilde + q)/2, and the sampler loss
    E_q[c] + E_q[log q]); Section 3.1 (the discriminator D(tau) = p_tilde/(p_tilde + q));
    Section 3.2 (the three facts: the loss-minimising Z is the importance-sampling estimate,
    the cost gradients agree at that Z, and the generator loss is log Z + the sampler loss).
    The paper's displayed equations are cited by section: we could not confirm their numbers.
Ziebart, B. D., Maas, A., Bagnell, J. A. & Dey, A. K. (2008). Maximum Entropy Inverse
    Reinforcement Learning. AAAI.  Section "Deterministic path distributions": paths are
    exponentially more likely the lower their cost, P(tau) = exp(-c(tau))/Z; the
    log-likelihood gradient is the data feature expectation minus the model's.
Finn, C., Levine, S. & Abbeel, P. (2016). Guided Cost Learning: Deep Inverse Optimal Control
    via Policy Optimization. ICML.  Section 4 (the sample-based MaxEnt IOC objective with
    importance weights exp(-c)/q over a mixture of demonstrations and background samples).

Notation and layout
-------------------
A finite set of trajectories tau_1..tau_N lies on the LAST axis of every array; leading axes
are batch axes and broadcast.  ``cost`` is c(tau) (finite reals), ``q`` the sampler's density
at each trajectory (non-negative), ``p_data`` the data (demonstration) distribution or the
empirical weights of the demonstrations (a probability vector), and ``log_z`` the
discriminator's log Z (finite).  The model's density estimate is p_tilde = exp(-c)/Z.

Exact and sample-based forms are the same code.  ``q_weights`` are the weights of the
sampler's expectation E_q[.]: ``None`` means q itself (exact, then q must be a probability
vector); with samples, pass arrays over the union of drawn trajectories with ``p_data`` = the
demonstration counts / n, ``q`` = the sampler density at each, ``q_weights`` = the sampler
sample counts / m.  mu = (p_data + q_weights)/2 is the mixture the losses average over.

Numerics: everything is computed from the log-ratio x = log q - log p_tilde = log q + c + log Z,
with D = sigmoid(-x), -log D = softplus(x), -log(1 - D) = softplus(-x).  A zero atom of q
gives x = -inf, D = 1, -log D = 0; costs of +-700 give D in {0, 1} in float64 while the
losses stay exact and finite.  Terms with zero weight contribute 0.
"""

from __future__ import annotations

import struct
from typing import Any

import numpy as np
from scipy.optimize import brentq
from scipy.special import expit, log_expit
from scipy.special import log_softmax as _sp_log_softmax
from scipy.special import logsumexp as _sp_logsumexp
from scipy.special import softmax as _sp_softmax

from theory._validation import as_float_array, check_probability, check_same_length


# Costs whose spread exceeds DBL_MAX (e.g. ±1e308) make scipy's shifted x - max(x) overflow
# to -inf; exp(-inf) = 0 is then the exact weight, so the overflow is harmless and silenced.
def logsumexp(*args, **kwargs):
    with np.errstate(over="ignore"):
        return _sp_logsumexp(*args, **kwargs)


def log_softmax(*args, **kwargs):
    with np.errstate(over="ignore"):
        return _sp_log_softmax(*args, **kwargs)


def softmax(*args, **kwargs):
    with np.errstate(over="ignore"):
        return _sp_softmax(*args, **kwargs)

__all__ = [
    "maxent_distribution",
    "log_partition",
    "finn_discriminator",
    "discriminator_loss",
    "generator_loss",
    "optimal_log_partition",
    "importance_sampling_partition",
    "irl_cost_loss",
    "discriminator_loss_gradient",
    "irl_cost_loss_gradient",
]

_LOG2 = float(np.log(2.0))
#: brentq tolerances for optimal_log_partition (absolute + relative in log Z): the root is
#: located to float64 resolution of log Z.
_ROOT_XTOL = 1e-14
_ROOT_RTOL = 4.0 * np.finfo(float).eps


# ============================================================================ validation


def _check_cost(cost: Any) -> np.ndarray:
    c = as_float_array(cost, "cost")
    if c.ndim == 0:
        raise ValueError("`cost` must be at least 1-D (one cost per trajectory), got a scalar")
    return c


def _check_log_z(log_z: Any, batch_shape: tuple[int, ...]) -> np.ndarray:
    s = as_float_array(log_z, "log_z")
    try:
        np.broadcast_shapes(s.shape, batch_shape)
    except ValueError:
        raise ValueError(
            f"`log_z` must be a scalar or broadcast against the batch shape {batch_shape} "
            f"(got shape {s.shape})"
        ) from None
    return s[..., None]


def _check_q(q: Any, *, exact: bool) -> np.ndarray:
    if exact:
        # E_q[.] is weighted by q itself: it must be a probability vector.
        return check_probability(q, "q")
    arr = as_float_array(q, "q")
    if arr.ndim == 0:
        raise ValueError("`q` must be at least 1-D (one density value per trajectory), got a scalar")
    if np.any(arr < 0):
        raise ValueError(f"`q` must be non-negative (got minimum {arr.min():.6g})")
    return arr


def _same_length(*named: tuple[np.ndarray, str]) -> None:
    (a, na) = named[0]
    for b, nb in named[1:]:
        check_same_length(a, b, (na, nb))


def _broadcast(*arrays: np.ndarray, names: tuple[str, ...]) -> list[np.ndarray]:
    try:
        return list(np.broadcast_arrays(*arrays))
    except ValueError:
        shapes = ", ".join(f"`{n}` {a.shape}" for n, a in zip(names, arrays))
        raise ValueError(f"the batch axes of {shapes} do not broadcast") from None


def _sampler(q: Any, q_weights: Any) -> tuple[np.ndarray, np.ndarray]:
    """(q, w): the density and the weights of E_q[.] (w = q when q_weights is None)."""
    if q_weights is None:
        qq = _check_q(q, exact=True)
        return qq, qq
    qq = _check_q(q, exact=False)
    w = check_probability(q_weights, "q_weights")
    check_same_length(qq, w, ("q", "q_weights"))
    qq, w = _broadcast(qq, w, names=("q", "q_weights"))
    if np.any((w > 0) & (qq == 0)):
        raise ValueError(
            "`q_weights` puts weight on a trajectory where the sampler density `q` is 0: a "
            "sample cannot come from there (and E_q[-log(1 - D)] would be infinite)"
        )
    return qq, w


def _log(x: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(x)


def _log_ratio(c: np.ndarray, s: np.ndarray, qq: np.ndarray) -> np.ndarray:
    """x = log q - log p_tilde = log q + c + log Z (-inf where q = 0)."""
    with np.errstate(over="ignore"):  # ±inf for costs near ±DBL_MAX: D's exact limit 0 or 1
        return _log(qq) + c + s


def _out(x: np.ndarray) -> float | np.ndarray:
    x = np.asarray(x, dtype=float)
    return float(x) if x.ndim == 0 else x


def _weighted_sum(weights: np.ndarray, terms: np.ndarray) -> np.ndarray:
    """sum(w * t) along the last axis, with 0 * anything = 0 (zero-weight terms may be inf)."""
    return np.sum(weights * np.where(weights > 0, terms, 0.0), axis=-1)


# ============================================================================ MaxEnt model


def maxent_distribution(cost: Any) -> np.ndarray:
    """The maximum-entropy (Boltzmann) distribution of a cost on a finite trajectory set.

    p(tau) = exp(-c(tau)) / Z,   Z = sum_tau exp(-c(tau))   (a stable softmax of -c).

    Source: Ziebart et al. (2008), Section "Deterministic path distributions" (paths
    exponentially preferred by lower cost); Finn et al. (2016), arXiv:1611.03852, Section 2.3
    (p_theta(tau) = exp(-c_theta(tau))/Z) and Section 2.2 (the energy-based model, energy = c).

    Parameters
    ----------
    cost : array_like, shape (..., N)
        Finite costs c(tau) of the N trajectories; leading axes are batch axes.

    Returns
    -------
    p : ndarray, shape (..., N)
        A probability vector along the last axis; strictly positive unless exp underflows
        (cost differences above ~745).

    Raises
    ------
    ValueError
        If ``cost`` is empty, a scalar or not finite.
    TypeError
        If ``cost`` is not numeric.

    Notes
    -----
    Invariant to adding a constant to ``cost``: only cost differences are identified.

    Examples
    --------
    >>> maxent_distribution([0.0, np.log(3.0)])  # weights 1 and 1/3
    array([0.75, 0.25])
    """
    c = _check_cost(cost)
    return softmax(-c, axis=-1)


def log_partition(cost: Any) -> float | np.ndarray:
    """The log partition function of the maximum-entropy model on a finite set.

    log Z(c) = log sum_tau exp(-c(tau))   (log-sum-exp, exact for costs of any size).

    Source: Ziebart et al. (2008), Section "Deterministic path distributions" (Z(theta));
    Finn et al. (2016), arXiv:1611.03852, Section 2.3.

    Parameters
    ----------
    cost : array_like, shape (..., N)
        Finite costs.

    Returns
    -------
    log_z : float or ndarray, shape (...)
        A float for a 1-D ``cost``.

    Raises
    ------
    ValueError
        If ``cost`` is empty, a scalar or not finite.
    TypeError
        If ``cost`` is not numeric.

    Examples
    --------
    >>> log_partition([0.0, 0.0]) == float(np.log(2.0))
    True
    >>> log_partition([700.0, 700.0]) == -700.0 + float(np.log(2.0))
    True
    """
    c = _check_cost(cost)
    return _out(logsumexp(-c, axis=-1))


# ============================================================================ discriminator


def finn_discriminator(cost: Any, log_z: Any, q: Any) -> np.ndarray:
    """The discriminator of Finn et al. (2016): the model density against the sampler's.

    D(tau) = (exp(-c(tau))/Z) / (exp(-c(tau))/Z + q(tau)) = sigmoid(-(log q + c + log Z)).

    Source: Finn et al. (2016), arXiv:1611.03852, Section 3.1 (the special form of
    discriminator that takes the generator density q(tau) as an extra input).

    Parameters
    ----------
    cost : array_like, shape (..., N)
        Finite costs c(tau).
    log_z : float or array_like, shape broadcastable to (...)
        The discriminator's log Z (a free parameter; the partition function only at the
        optimum, see :func:`optimal_log_partition`).
    q : array_like, shape (..., N)
        Sampler density at each trajectory (non-negative; need not sum to 1).

    Returns
    -------
    d : ndarray, shape broadcast (..., N)
        Values in [0, 1]: exactly 1 where q = 0, and 0 or 1 in float64 where the log-ratio
        exceeds ~37 (use the loss functions, which work on the log-ratio, for exact values).

    Raises
    ------
    ValueError
        If an input is empty, not finite, ``q`` is negative, or lengths/batch axes mismatch.
    TypeError
        If an input is not numeric.

    Notes
    -----
    The optimal GAN discriminator p/(p + q) (Goodfellow et al. 2014, Proposition 1) has this
    form with p = p_tilde: at the optimum D does not depend on the generator except through q.

    Examples
    --------
    The model equals the sampler (both uniform on two trajectories): D = 1/2.

    >>> finn_discriminator([0.0, 0.0], np.log(2.0), [0.5, 0.5])
    array([0.5, 0.5])
    >>> finn_discriminator([0.0, 0.0], 0.0, [0.0, 1.0])  # q = 0 -> D = 1; 1/(1 + 1) = 1/2
    array([1. , 0.5])
    """
    c = _check_cost(cost)
    qq = _check_q(q, exact=False)
    check_same_length(c, qq, ("cost", "q"))
    s = _check_log_z(log_z, c.shape[:-1])
    c, qq, s = _broadcast(c, qq, s, names=("cost", "q", "log_z"))
    return expit(-_log_ratio(c, s, qq))


def discriminator_loss(cost: Any, log_z: Any, q: Any, p_data: Any, *, q_weights: Any = None
                       ) -> float | np.ndarray:
    """The cross-entropy loss of the Finn discriminator.

    L_D(c, Z) = E_{p_data}[-log D] + E_q[-log(1 - D)]
              = E_{p_data}[softplus(x)] + E_q[softplus(-x)],   x = log q + c + log Z.

    Source: Finn et al. (2016), arXiv:1611.03852, Section 2.1 (the GAN discriminator loss)
    with the discriminator of Section 3.1, as expanded in Section 3.2.

    Parameters
    ----------
    cost : array_like, shape (..., N)
        Finite costs.
    log_z : float or array_like, shape broadcastable to (...)
        log Z.
    q : array_like, shape (..., N)
        Sampler density (a probability vector when ``q_weights`` is None).
    p_data : array_like, shape (..., N)
        Data probabilities or empirical demonstration weights (sum 1; zeros allowed).
    q_weights : array_like, shape (..., N), optional
        Weights of E_q[.] (sampler-sample weights, sum 1).  None: q itself (exact).

    Returns
    -------
    loss : float or ndarray, shape (...)
        In nats; finite (weight on a q = 0 trajectory is refused, see Raises).

    Raises
    ------
    ValueError
        If a probability vector is invalid, ``q_weights`` > 0 where ``q`` = 0, an input is
        not finite, or lengths/batch axes mismatch.
    TypeError
        If an input is not numeric.

    Notes
    -----
    Convex in log Z, with derivative 1 - 2 E_mu[D], mu = (p_data + q_weights)/2; minimised
    by :func:`optimal_log_partition`.  Where p_data = 0 (or the q-weight is 0) the term
    contributes 0.

    Examples
    --------
    At D = 1/2 everywhere the loss is 2 log 2 = log 4:

    >>> bool(np.isclose(discriminator_loss([0.0, 0.0], np.log(2.0), [0.5, 0.5], [0.3, 0.7]),
    ...                 np.log(4.0), rtol=0, atol=1e-15))
    True
    """
    c, s, qq, w, p = _inputs(cost, log_z, q, p_data, q_weights)
    x = _log_ratio(c, s, qq)
    with np.errstate(over="ignore"):
        neg_log_d = np.logaddexp(0.0, x)          # -log D; 0 where q = 0
        neg_log_1md = np.logaddexp(0.0, -x)       # -log(1 - D); inf where q = 0 (weight 0)
    return _out(_weighted_sum(p, neg_log_d) + _weighted_sum(w, neg_log_1md))


def _inputs(cost, log_z, q, p_data, q_weights):
    c = _check_cost(cost)
    qq, w = _sampler(q, q_weights)
    p = check_probability(p_data, "p_data")
    _same_length((c, "cost"), (qq, "q"), (p, "p_data"))
    c, qq, w, p = _broadcast(c, qq, w, p, names=("cost", "q", "q_weights", "p_data"))
    s = _check_log_z(log_z, c.shape[:-1])
    c, qq, w, p, s = _broadcast(c, qq, w, p, s, names=("cost", "q", "q_weights", "p_data", "log_z"))
    return c, s, qq, w, p


def generator_loss(cost: Any, log_z: Any, q: Any, *, q_weights: Any = None) -> float | np.ndarray:
    """The generator's loss against the Finn discriminator.

    L_G(q) = E_q[log(1 - D) - log D]   (computed literally, from the two log-sigmoids).

    Finn et al. (2016) show L_G = log Z + E_q[c] + E_q[log q] = log Z + L_sampler(q): log Z
    plus the entropy-regularised sampler loss of MaxEnt IRL, minimised over q at
    q = exp(-c)/sum exp(-c) (see ``experiments/claims/finn2016.py``, which checks both).

    Source: Finn et al. (2016), arXiv:1611.03852, Section 2.1 (generator loss
    E_G[-log D] + E_G[log(1 - D)]) and Section 3.2 (its equality with log Z + L_sampler).

    Parameters
    ----------
    cost : array_like, shape (..., N)
        Finite costs.
    log_z : float or array_like, shape broadcastable to (...)
        log Z.
    q : array_like, shape (..., N)
        Sampler density (a probability vector when ``q_weights`` is None).
    q_weights : array_like, shape (..., N), optional
        Weights of E_q[.]; None: q itself.

    Returns
    -------
    loss : float or ndarray, shape (...)
        In nats.

    Raises
    ------
    ValueError
        If ``q``/``q_weights`` are invalid (see :func:`discriminator_loss`), or an input is
        not finite, or lengths mismatch.
    TypeError
        If an input is not numeric.

    Examples
    --------
    With q equal to the model density (D = 1/2) the loss is 0:

    >>> generator_loss([0.0, np.log(3.0)], np.log(4.0 / 3.0), [0.75, 0.25])
    0.0
    """
    c = _check_cost(cost)
    qq, w = _sampler(q, q_weights)
    _same_length((c, "cost"), (qq, "q"))
    s = _check_log_z(log_z, c.shape[:-1])
    c, qq, w, s = _broadcast(c, qq, w, s, names=("cost", "q", "q_weights", "log_z"))
    x = _log_ratio(c, s, qq)
    with np.errstate(over="ignore"):
        log_1md = -np.logaddexp(0.0, -x)   # log(1 - D); -inf where q = 0 (weight 0 there)
        log_d = -np.logaddexp(0.0, x)      # log D
    return _out(_weighted_sum(w, log_1md - log_d))


# ============================================================================ partition


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
    cost : array_like, shape (..., N)
        Finite costs.
    q : array_like, shape (..., N)
        Sampler density (a probability vector when ``q_weights`` is None).
    p_data : array_like, shape (..., N)
        Data probabilities or demonstration weights.
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
    The loss-minimising log Z of the discriminator is the fixed point
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
    c, s, qq, w, p = _inputs(cost, log_z, q, p_data, q_weights)
    mu = 0.5 * (p + w)
    log_mu_tilde = np.logaddexp(-c - s, _log(qq)) - _LOG2
    return _out(logsumexp(-c - log_mu_tilde, b=mu, axis=-1))


def optimal_log_partition(cost: Any, q: Any, p_data: Any, *, q_weights: Any = None
                          ) -> float | np.ndarray:
    """The log Z that minimises the Finn discriminator's loss: a self-consistent IS estimate.

    The loss is convex in s = log Z with derivative 1 - 2 E_mu[D], mu = (p_data + q_weights)/2,
    so its minimiser is the unique root of E_mu[D] = 1/2, i.e. of

        Z = E_mu[ exp(-c) / ((exp(-c)/Z + q)/2) ]    (``importance_sampling_partition``),

    the importance-sampling estimate of the partition function whose proposal density
    mu_tilde itself contains Z.  Solved by a bracketed root search (brentq) on the equivalent
    increasing function log E_mu[1 - D] - log(1/2) - log E_mu[D] + log(mu(q > 0) - 1/2) of s.

    Source: Finn et al. (2016), arXiv:1611.03852, Section 3.2 (first fact: "the value of Z
    which minimizes the discriminator's loss is an importance-sampling estimator for the
    partition function").

    Parameters
    ----------
    cost : array_like, shape (..., N)
        Finite costs.
    q : array_like, shape (..., N)
        Sampler density (a probability vector when ``q_weights`` is None).
    p_data : array_like, shape (..., N)
        Data probabilities or demonstration weights.
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
        towards its infimum as log Z -> +inf and has no minimiser.
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
    c = _check_cost(cost)
    qq, w = _sampler(q, q_weights)
    p = check_probability(p_data, "p_data")
    _same_length((c, "cost"), (qq, "q"), (p, "p_data"))
    c, qq, w, p = _broadcast(c, qq, w, p, names=("cost", "q", "q_weights", "p_data"))
    support = qq > 0
    p_on_support = np.sum(np.where(support, p, 0.0), axis=-1)
    if np.any(p_on_support <= 0):
        raise ValueError(
            "`p_data` puts all its mass where `q` = 0: the discriminator loss then decreases "
            "for ever as log Z grows and has no minimiser"
        )
    batch = c.shape[:-1]
    out = np.empty(batch)
    for idx in np.ndindex(*batch):
        out[idx] = _solve_log_z(c[idx], qq[idx], 0.5 * (p[idx] + w[idx]), p_on_support[idx])
    return _out(out)


def _solve_log_z(c: np.ndarray, qq: np.ndarray, mu: np.ndarray, p_on_support: float) -> float:
    """Root in s of E_mu[1 - D] = 1/2 (equivalently E_mu[D] = 1/2), 1-D arrays."""
    keep = (qq > 0) & (mu > 0)
    a = -c[keep] - np.log(qq[keep])          # D = sigmoid(a - s) on the support of q
    log_mu = np.log(mu[keep])
    # E_mu[D] = mu(q = 0) + B(s) and E_mu[1 - D] = A(s), with A + B = mu(q > 0) = 1/2 + m.
    log_m = np.log(0.5 * p_on_support)
    log_half = -_LOG2

    # Costs near ±DBL_MAX make s - a and the spreads inside logsumexp overflow to ±inf; the
    # exponentials of those are exactly 0 or the logs exactly 0, so the overflow is harmless.
    def g(s: float) -> float:  # increasing: log A - log(1/2) - (log B - log m)
        with np.errstate(over="ignore"):
            log_a = logsumexp(log_mu + log_expit(s - a))
            log_b = logsumexp(log_mu + log_expit(a - s))
        return (log_a - log_half) - (log_b - log_m)

    # sigma(x) <= e^x bounds A(s) <= e^s E_mu[e^-a] and B(s) <= e^-s E_mu[e^a]: at these
    # brackets A < 1/2 (resp. B < m), so g changes sign between them.
    with np.errstate(over="ignore"):
        lo = -logsumexp(-a + log_mu) + log_half - 1.0
        hi = logsumexp(a + log_mu) - log_m + 1.0
    lo, hi = _narrow_bracket(g, lo, hi)
    return float(brentq(g, lo, hi, xtol=_ROOT_XTOL, rtol=_ROOT_RTOL, maxiter=500))


def _float_key(x: float) -> int:
    """An integer that orders doubles like their values (adjacent doubles: adjacent keys)."""
    bits = struct.unpack("<q", struct.pack("<d", x))[0]
    return bits if bits >= 0 else -(bits & 0x7FFFFFFFFFFFFFFF)


def _key_float(k: int) -> float:
    bits = k if k >= 0 else (-k) | -0x8000000000000000
    return struct.unpack("<d", struct.pack("<q", bits))[0]


def _narrow_bracket(g, lo: float, hi: float) -> tuple[float, float]:
    """Bisect the bracket [lo, hi] of an increasing g in the ordering of the doubles until it
    is at most 1 wide.  With costs of ±1e300 the bracket spans ~1e300, which brentq's
    bisection fallback (halving by value) needs > 1000 steps to shrink to 1e-14; halving
    the number of doubles in between takes at most 64 steps."""
    lo, hi = float(lo), float(hi)   # Python floats: hi - lo = inf without a warning
    klo, khi = _float_key(lo), _float_key(hi)
    while khi - klo > 1 and hi - lo > 1.0:
        mid = _key_float((klo + khi) // 2)
        if g(mid) < 0:
            lo, klo = mid, _float_key(mid)
        else:
            hi, khi = mid, _float_key(mid)
    return lo, hi


# ============================================================================ IRL cost loss


def _irl_inputs(cost, p_data, q, log_z, q_weights):
    c = _check_cost(cost)
    p = check_probability(p_data, "p_data")
    check_same_length(c, p, ("cost", "p_data"))
    if q is None:
        if log_z is not None:
            raise ValueError("`log_z` is only used with a sampler: pass `q` as well (or neither)")
        if q_weights is not None:
            raise ValueError("`q_weights` is only used with a sampler: pass `q` as well")
        c, p = _broadcast(c, p, names=("cost", "p_data"))
        return c, p, None
    if log_z is None:
        log_z = optimal_log_partition(c, q, p, q_weights=q_weights)
    c, s, qq, w, p = _inputs(c, log_z, q, p, q_weights)
    return c, p, (s, qq, w)


def irl_cost_loss(cost: Any, p_data: Any, *, q: Any = None, log_z: Any = None,
                  q_weights: Any = None) -> float | np.ndarray:
    """The MaxEnt IRL cost loss (negative log-likelihood of the data), exact or importance-sampled.

    Exact (no sampler):   L(c) = E_{p_data}[c] + log sum_tau exp(-c(tau)).
    With a sampler q:     L(c) = E_{p_data}[c] + log E_mu[ exp(-c) / mu_tilde ],
    mu = (p_data + q_weights)/2, mu_tilde = (exp(-c)/Z + q)/2 (:func:`importance_sampling_partition`).

    Source: Ziebart et al. (2008), Section "Deterministic path distributions" (maximum
    likelihood of the Boltzmann path distribution); Finn et al. (2016), arXiv:1611.03852,
    Section 2.3 (L_cost and its guided-cost-learning estimate); Finn, Levine & Abbeel (2016),
    Guided Cost Learning, Section 4.

    Parameters
    ----------
    cost : array_like, shape (..., N)
        Finite costs.
    p_data : array_like, shape (..., N)
        Data probabilities or demonstration weights.
    q : array_like, shape (..., N), optional
        Sampler density; None gives the exact loss.
    log_z : float or array_like, optional
        log Z inside mu_tilde (only with ``q``).  None: the discriminator's optimal log Z
        (:func:`optimal_log_partition`), at which the estimate equals that log Z.
    q_weights : array_like, shape (..., N), optional
        Sampler-sample weights (only with ``q``); None: q itself.

    Returns
    -------
    loss : float or ndarray, shape (...)
        In nats.

    Raises
    ------
    ValueError
        If ``log_z`` or ``q_weights`` is given without ``q``, or an input is invalid.
    TypeError
        If an input is not numeric.

    Notes
    -----
    The importance weights depend on c through mu_tilde; the paper holds them fixed when
    differentiating (:func:`irl_cost_loss_gradient`).  The exact loss is the sampled one with
    any q at Z = Z_c when p_data = exp(-c)/Z_c (see :func:`optimal_log_partition`).

    Examples
    --------
    >>> irl_cost_loss([0.0, 0.0], [1.0, 0.0]) == float(np.log(2.0))   # 0 + log(1 + 1)
    True
    """
    c, p, sampler = _irl_inputs(cost, p_data, q, log_z, q_weights)
    data_term = np.sum(p * c, axis=-1)
    if sampler is None:
        return _out(data_term + logsumexp(-c, axis=-1))
    s, qq, w = sampler
    mu = 0.5 * (p + w)
    log_mu_tilde = np.logaddexp(-c - s, _log(qq)) - _LOG2
    return _out(data_term + logsumexp(-c - log_mu_tilde, b=mu, axis=-1))


# ============================================================================ gradients


def discriminator_loss_gradient(cost: Any, log_z: Any, q: Any, p_data: Any, *,
                                q_weights: Any = None) -> tuple[np.ndarray, float | np.ndarray]:
    """Gradient of :func:`discriminator_loss` with respect to the cost vector and log Z.

    dL_D/dc(tau) = p_data(tau) (1 - D(tau)) - w(tau) D(tau) = p_data - 2 mu D,
    dL_D/dlog Z  = E_{p_data}[1 - D] - E_w[D]              = 1 - 2 E_mu[D],

    with w = q_weights (q when None) and mu = (p_data + w)/2.  For a parametric cost
    c_theta chain with the Jacobian: dL/dtheta = (dc/dtheta)^T dL/dc.

    Source: Finn et al. (2016), arXiv:1611.03852, Section 3.2 (differentiating the
    discriminator loss in Z and in theta).

    Parameters
    ----------
    cost, log_z, q, p_data, q_weights
        As :func:`discriminator_loss`.

    Returns
    -------
    d_cost : ndarray, shape (..., N)
    d_log_z : float or ndarray, shape (...)

    Raises
    ------
    ValueError, TypeError
        As :func:`discriminator_loss`.

    Notes
    -----
    d_log_z = 0 defines :func:`optimal_log_partition`; there d_cost equals
    :func:`irl_cost_loss_gradient` with the importance weights held fixed.

    Examples
    --------
    At D = 1/2 everywhere the cost gradient is (p_data - q)/2:

    >>> g, gz = discriminator_loss_gradient([0.0, 0.0], np.log(2.0), [0.5, 0.5], [1.0, 0.0])
    >>> g, gz
    (array([ 0.25, -0.25]), 0.0)
    """
    c, s, qq, w, p = _inputs(cost, log_z, q, p_data, q_weights)
    x = _log_ratio(c, s, qq)
    d = expit(-x)
    one_minus_d = expit(x)      # exact also where D rounds to 1
    d_cost = p * one_minus_d - w * d
    d_log_z = np.sum(p * one_minus_d, axis=-1) - np.sum(w * d, axis=-1)
    return d_cost, _out(d_log_z)


def irl_cost_loss_gradient(cost: Any, p_data: Any, *, q: Any = None, log_z: Any = None,
                           q_weights: Any = None) -> np.ndarray:
    """Gradient of :func:`irl_cost_loss` with respect to the cost vector (weights held fixed).

    Exact:         dL/dc(tau) = p_data(tau) - exp(-c(tau))/Z_c       (data minus model).
    With sampler:  dL/dc(tau) = p_data(tau) - v(tau) / sum v,   v = mu exp(-c) / mu_tilde,

    mu_tilde held fixed (the importance weights are not differentiated), as the paper does.
    For a linear cost c = F theta this is F^T (p_data - p_model): the difference of feature
    expectations of Ziebart et al. (2008).

    Source: Finn et al. (2016), arXiv:1611.03852, Sections 2.3 and 3.2; Ziebart et al.
    (2008), Section "Deterministic path distributions" (the gradient as the difference of
    expected feature counts).

    Parameters
    ----------
    cost, p_data, q, log_z, q_weights
        As :func:`irl_cost_loss` (``log_z=None`` with ``q`` uses the optimal log Z).

    Returns
    -------
    d_cost : ndarray, shape (..., N)
        Sums to 0 along the last axis (a constant shift of c changes nothing).

    Raises
    ------
    ValueError, TypeError
        As :func:`irl_cost_loss`.

    Notes
    -----
    At log Z = :func:`optimal_log_partition` the sampled gradient equals
    :func:`discriminator_loss_gradient`'s ``d_cost`` (Finn et al. 2016, Section 3.2; checked
    in ``experiments/claims/finn2016.py`` and ``proofs_check/finn2016.py``).

    Examples
    --------
    >>> irl_cost_loss_gradient([0.0, 0.0], [1.0, 0.0])   # p_data - uniform
    array([ 0.5, -0.5])
    """
    c, p, sampler = _irl_inputs(cost, p_data, q, log_z, q_weights)
    if sampler is None:
        return p - softmax(-c, axis=-1)
    s, qq, w = sampler
    mu = 0.5 * (p + w)
    log_mu_tilde = np.logaddexp(-c - s, _log(qq)) - _LOG2
    log_v = _log(mu) - c - log_mu_tilde       # -inf where mu = 0
    return p - np.exp(log_softmax(log_v, axis=-1))
