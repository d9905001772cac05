"""MaxEnt IRL, the Finn discriminator and the GAN <-> IRL <-> EBM identities, in closed form.

Papers
------
Finn, C., Christiano, P., Abbeel, P. & Levine, S. (2016). A Connection between Generative
    Adversarial Networks, Inverse Reinforcement Learning, and Energy-Based Models.
    arXiv:1611.03852.  Section 2.3 (MaxEnt IRL, p_theta(tau) = exp(-c_theta(tau))/Z, the cost
    loss and the guided-cost-learning importance-sampled cost loss with the mixture proposal
    mu = (p + q)/2 and the density estimate mu_tilde = (p_tilde + q)/2, and the sampler loss
    E_q[c] + E_q[log q]); Section 3.1 (the discriminator D(tau) = p_tilde/(p_tilde + q));
    Section 3.2 (the three facts: the loss-minimizing Z is the importance-sampling estimate,
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

Layout: the partition function (the importance-sampling estimate and the loss-minimizing log Z)
is in :mod:`theory.irl_partition`, the shared input checks and log-domain helpers in
``theory/_irl_inputs.py``; both functions are re-exported here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import expit

from theory._irl_inputs import as_output, broadcast, check_cost, check_log_z, check_q, log_ratio
from theory._irl_inputs import log_softmax, logsumexp, loss_inputs, mixture_log_weights, safe_log
from theory._irl_inputs import same_length, sampler, softmax, weighted_sum, irl_doc
from theory.validation import check_probability, check_same_length
# The partition function (importance-sampling estimate and its fixed point) lives in
# theory.irl_partition; re-exported so ``from theory.irl import optimal_log_partition`` works.
from theory.irl_partition import importance_sampling_partition, optimal_log_partition  # noqa: F401

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


# ============================================================================ MaxEnt model


@irl_doc
def maxent_distribution(cost: Any) -> np.ndarray:
    r"""The maximum-entropy (Boltzmann) distribution of a cost on a finite trajectory set.

    .. math::

       p(\tau) = \frac{e^{-c(\tau)}}{Z}, \qquad Z = \sum_\tau e^{-c(\tau)}
       \qquad \text{(a stable softmax of } -c\text{)}.

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
    %(raises_cost)s

    Notes
    -----
    Invariant to adding a constant to ``cost``: only cost differences are identified.

    Examples
    --------
    >>> maxent_distribution([0.0, np.log(3.0)])  # weights 1 and 1/3
    array([0.75, 0.25])
    """
    c = check_cost(cost)
    return softmax(-c, axis=-1)


@irl_doc
def log_partition(cost: Any) -> float | np.ndarray:
    """The log partition function of the maximum-entropy model on a finite set.

    log Z(c) = log sum_tau exp(-c(tau))   (log-sum-exp, exact for costs of any size).

    Source: Ziebart et al. (2008), Section "Deterministic path distributions" (Z(theta));
    Finn et al. (2016), arXiv:1611.03852, Section 2.3.

    Parameters
    ----------
    %(cost)s

    Returns
    -------
    log_z : float or ndarray, shape (...)
        A float for a 1-D ``cost``.

    Raises
    ------
    %(raises_cost)s

    Examples
    --------
    >>> log_partition([0.0, 0.0]) == float(np.log(2.0))
    True
    >>> log_partition([700.0, 700.0]) == -700.0 + float(np.log(2.0))
    True
    """
    c = check_cost(cost)
    return as_output(logsumexp(-c, axis=-1))


# ============================================================================ discriminator


def finn_discriminator(cost: Any, log_z: Any, q: Any) -> np.ndarray:
    r"""The discriminator of Finn et al. (2016): the model density against the sampler's.

    .. math::

       D(\tau) = \frac{e^{-c(\tau)}/Z}{e^{-c(\tau)}/Z + q(\tau)}
       = \sigma\big(-(\log q(\tau) + c(\tau) + \log Z)\big) .

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
    c = check_cost(cost)
    qq = check_q(q, exact=False)
    check_same_length(c, qq, ("cost", "q"))
    s = check_log_z(log_z, c.shape[:-1])
    c, qq, s = broadcast(c, qq, s, names=("cost", "q", "log_z"))
    return expit(-log_ratio(c, s, qq))


@irl_doc
def discriminator_loss(cost: Any, log_z: Any, q: Any, p_data: Any, *, q_weights: Any = None
                       ) -> float | np.ndarray:
    """The cross-entropy loss of the Finn discriminator.

    L_D(c, Z) = E_{p_data}[-log D] + E_q[-log(1 - D)]
              = E_{p_data}[softplus(x)] + E_q[softplus(-x)],   x = log q + c + log Z.

    Source: Finn et al. (2016), arXiv:1611.03852, Section 2.1 (the GAN discriminator loss)
    with the discriminator of Section 3.1, as expanded in Section 3.2.

    Parameters
    ----------
    %(cost)s
    %(log_z)s
    %(q)s
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
    Convex in log Z, with derivative 1 - 2 E_mu[D], mu = (p_data + q_weights)/2; minimized
    by :func:`optimal_log_partition`.  Where p_data = 0 (or the q-weight is 0) the term
    contributes 0.

    Examples
    --------
    At D = 1/2 everywhere the loss is 2 log 2 = log 4:

    >>> bool(np.isclose(discriminator_loss([0.0, 0.0], np.log(2.0), [0.5, 0.5], [0.3, 0.7]),
    ...                 np.log(4.0), rtol=0, atol=1e-15))
    True
    """
    c, s, qq, w, p = loss_inputs(cost, log_z, q, p_data, q_weights)
    x = log_ratio(c, s, qq)
    with np.errstate(over="ignore"):
        neg_log_d = np.logaddexp(0.0, x)          # -log D; 0 where q = 0
        neg_log_1md = np.logaddexp(0.0, -x)       # -log(1 - D); inf where q = 0 (weight 0)
    return as_output(weighted_sum(p, neg_log_d) + weighted_sum(w, neg_log_1md))


@irl_doc
def generator_loss(cost: Any, log_z: Any, q: Any, *, q_weights: Any = None) -> float | np.ndarray:
    """The generator's loss against the Finn discriminator.

    L_G(q) = E_q[log(1 - D) - log D]   (computed literally, from the two log-sigmoids).

    Finn et al. (2016) show L_G = log Z + E_q[c] + E_q[log q] = log Z + L_sampler(q): log Z
    plus the entropy-regularized sampler loss of MaxEnt IRL, minimized over q at
    q = exp(-c)/sum exp(-c) (see ``experiments/claims/finn2016.py``, which checks both).

    Source: Finn et al. (2016), arXiv:1611.03852, Section 2.1 (generator loss
    E_G[-log D] + E_G[log(1 - D)]) and Section 3.2 (its equality with log Z + L_sampler).

    Parameters
    ----------
    %(cost)s
    %(log_z)s
    %(q)s
    q_weights : array_like, shape (..., N), optional
        Weights of E_q[.]; None: q itself.

    Returns
    -------
    loss : float or ndarray, shape (...)
        L_G(q) in nats.

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
    c = check_cost(cost)
    qq, w = sampler(q, q_weights)
    same_length((c, "cost"), (qq, "q"))
    s = check_log_z(log_z, c.shape[:-1])
    c, qq, w, s = broadcast(c, qq, w, s, names=("cost", "q", "q_weights", "log_z"))
    x = log_ratio(c, s, qq)
    with np.errstate(over="ignore"):
        log_1md = -np.logaddexp(0.0, -x)   # log(1 - D); -inf where q = 0 (weight 0 there)
        log_d = -np.logaddexp(0.0, x)      # log D
    return as_output(weighted_sum(w, log_1md - log_d))


# ============================================================================ IRL cost loss


def _irl_inputs(cost, p_data, q, log_z, q_weights):
    c = check_cost(cost)
    p = check_probability(p_data, "p_data")
    check_same_length(c, p, ("cost", "p_data"))
    if q is None:
        if log_z is not None:
            raise ValueError("`log_z` is only used with a sampler: pass `q` as well (or neither)")
        if q_weights is not None:
            raise ValueError("`q_weights` is only used with a sampler: pass `q` as well")
        c, p = broadcast(c, p, names=("cost", "p_data"))
        return c, p, None
    if log_z is None:
        log_z = optimal_log_partition(c, q, p, q_weights=q_weights)
    c, s, qq, w, p = loss_inputs(c, log_z, q, p, q_weights)
    return c, p, (s, qq, w)


@irl_doc
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
    %(cost)s
    %(p_data)s
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
        L(c) in nats: exact without ``q``, the importance-sampled estimate with it.

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
    c, p, sampled = _irl_inputs(cost, p_data, q, log_z, q_weights)
    data_term = np.sum(p * c, axis=-1)
    if sampled is None:
        return as_output(data_term + logsumexp(-c, axis=-1))
    s, qq, w = sampled
    mu, log_ratio_tilde = mixture_log_weights(c, s, qq, p, w)
    return as_output(data_term + logsumexp(log_ratio_tilde, b=mu, axis=-1))


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
    c, s, qq, w, p = loss_inputs(cost, log_z, q, p_data, q_weights)
    x = log_ratio(c, s, qq)
    d = expit(-x)
    one_minus_d = expit(x)      # exact also where D rounds to 1
    d_cost = p * one_minus_d - w * d
    d_log_z = np.sum(p * one_minus_d, axis=-1) - np.sum(w * d, axis=-1)
    return d_cost, as_output(d_log_z)


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
    c, p, sampled = _irl_inputs(cost, p_data, q, log_z, q_weights)
    if sampled is None:
        return p - softmax(-c, axis=-1)
    s, qq, w = sampled
    mu, log_ratio_tilde = mixture_log_weights(c, s, qq, p, w)
    log_v = safe_log(mu) + log_ratio_tilde       # -inf where mu = 0
    return p - np.exp(log_softmax(log_v, axis=-1))
