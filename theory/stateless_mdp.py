"""Closed forms of the stateless GAN MDP: a GAN read as an actor-critic method.

Papers
------
Pfau, D. & Vinyals, O. (2016). Connecting Generative Adversarial Networks and Actor-Critic
    Methods. arXiv:1610.01945.  Section 2.3 ("GANs as a kind of actor-critic"), and
    Section 3.2 ("Compatibility": the true value of any policy is 1/2, so the true policy
    gradient is always zero).
Goodfellow, I. et al. (2014). Generative Adversarial Nets. NeurIPS.  Proposition 1 (the
    optimal discriminator, recovered here at real_prob = 1/2).

The MDP (Pfau & Vinyals 2016, Section 2.3).  Each episode has a single step.  A blind actor
draws an action a ~ q (its policy; it sees no state).  The environment then shows, with
probability ρ = ``real_prob``, a real sample x ~ p_data and pays r = 1, and otherwise shows the
actor's action x = a and pays r = 0.  A critic sees the shown x and predicts the reward.  The
joint law of an episode is

    P(real, x) = ρ p_data(x),     P(fake, x) = (1 - ρ) q(x),     m(x) = ρ p_data(x) + (1 - ρ) q(x).

Consequences computed here:

- the expected reward is ρ whatever the policy (:func:`expected_reward`), so the true policy
  gradient is zero (:func:`true_policy_gradient`);
- the critic minimizing the cross-entropy (or squared) Bellman error is
  Q*(x) = E[r | x] = ρ p_data(x) / m(x) (:func:`bayes_critic`; at ρ = 1/2 it is Goodfellow's
  D*), with error :func:`bellman_error` and minimum :func:`optimal_bellman_error`;
- an actor ascending E_{x~q}[f(Q*(x))] through the frozen critic gets a non-zero gradient
  (:func:`critic_actor_gradient`) although the true one is zero, and the re-fitted critic
  lowers its value exactly where the actor adds mass (:func:`bayes_critic_sensitivity`).

Distributions carry their atoms on the last axis; leading axes broadcast.  ``real_prob`` is a
scalar in [0, 1].
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import entr, log_softmax, softmax, xlogy

from theory.validation import as_float_array, broadcast_pair, check_in, check_probability
from theory.validation import check_density, check_unit_interval

__all__ = [
    "ACTOR_OBJECTIVES",
    "BELLMAN_LOSSES",
    "expected_reward",
    "bayes_critic",
    "bellman_error",
    "optimal_bellman_error",
    "true_policy_gradient",
    "critic_actor_gradient",
    "bayes_critic_sensitivity",
]

#: The actor objectives E_{x~q}[f(Q(x))]: f(Q) = Q, log Q, or -log(1 - Q) (the cross-entropy
#: divergence of Q from the fake episode's target 0, whose derivative is the paper's scaling).
ACTOR_OBJECTIVES = ("q", "log_q", "minimax")
#: Per-episode critic losses: cross-entropy -r log Q - (1 - r) log(1 - Q), or squared (r - Q)^2.
BELLMAN_LOSSES = ("cross_entropy", "squared")


# ---------------------------------------------------------------------------- helpers
def _rho(real_prob: Any) -> float:
    return check_unit_interval(real_prob, "real_prob")


def _distributions(p_data: Any, policy: Any, policy_name: str = "policy"):
    p = check_probability(p_data, "p_data")
    q = check_probability(policy, policy_name)
    return broadcast_pair(p, q, ("p_data", policy_name))


def _logits(logits: Any) -> np.ndarray:
    arr = as_float_array(logits, "logits")
    if arr.ndim == 0:
        raise ValueError("`logits` must be at least 1-D (one logit per atom), got a scalar")
    return arr


def _scaled(p: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(p / s, q / s, s) with s = max(p, q) (1 where both vanish): one of the pair is 1, so
    products with rho or 1 - rho cannot underflow (subnormal inputs stay exact)."""
    s = np.maximum(p, q)
    s = np.where(s > 0, s, 1.0)
    return p / s, q / s, s


def _bayes(p: np.ndarray, q: np.ndarray, rho: float) -> np.ndarray:
    """rho p / (rho p + (1 - rho) q), and rho where the denominator is 0."""
    pn, qn, _ = _scaled(p, q)
    a, b = rho * pn, (1.0 - rho) * qn
    total = a + b
    out = np.full(total.shape, rho)
    np.divide(a, total, out=out, where=total > 0)
    return out


# ---------------------------------------------------------------------------- reward
def expected_reward(p_data: Any, policy: Any, real_prob: float = 0.5) -> np.ndarray:
    """Expected reward of a policy in the stateless GAN MDP: always ``real_prob``.

    E[r] = Σ_x ρ p_data(x) · 1 + Σ_x (1 - ρ) q(x) · 0 = ρ,

    computed by summing reward × probability over the episode table (not by returning ρ).

    Source: Pfau & Vinyals (2016), Section 2.3 (the actor cannot affect the reward) and
    Section 3.2 ("the true value of any policy is always 0.5", i.e. ρ = 1/2).

    Parameters
    ----------
    p_data : array_like, shape (..., K)
        Data distribution (probability vectors; zero atoms allowed).
    policy : array_like, shape (..., K)
        The actor's distribution q; leading axes broadcast with ``p_data``.
    real_prob : float in [0, 1], default 1/2
        Probability ρ that an episode shows a real sample.

    Returns
    -------
    reward : ndarray, shape broadcast(...)
        Equal to ρ up to the rounding of Σ p_data (within 1e-9 relative, DESIGN conventions).

    Raises
    ------
    ValueError, TypeError
        If a probability vector is invalid, the shapes mismatch, or ``real_prob`` is not in
        [0, 1].

    Examples
    --------
    >>> float(expected_reward([0.2, 0.8], [1.0, 0.0]))
    0.5
    >>> float(expected_reward([1.0, 0.0, 0.0], [0.0, 0.0, 1.0], real_prob=0.25))
    0.25
    """
    rho = _rho(real_prob)
    p, q = _distributions(p_data, policy)
    reward_real, reward_fake = 1.0, 0.0
    return np.sum(rho * p * reward_real + (1.0 - rho) * q * reward_fake, axis=-1)


def true_policy_gradient(p_data: Any, logits: Any, real_prob: float = 0.5) -> np.ndarray:
    """Gradient of the expected reward with respect to the actor's softmax logits: zero.

    With R(a) = E[r | the actor chose a] = ρ · 1 + (1 - ρ) · 0 (the coin is independent of a)
    and q = softmax(θ), the softmax Jacobian ∂q_i/∂θ_j = q_i (δ_ij - q_j) gives

        ∂E[r]/∂θ_j = q_j (R(j) - Σ_i q_i R(i)) = q_j (ρ - ρ) = 0.

    Source: Pfau & Vinyals (2016), Section 2.3 ("an MDP where the true policy gradient is
    always zero") and Section 3.2 (Compatibility).

    Parameters
    ----------
    p_data : array_like, shape (..., K)
        Data distribution.
    logits : array_like, shape (..., K)
        Actor logits θ, q = softmax(θ); leading axes broadcast with ``p_data``.
    real_prob : float in [0, 1], default 1/2

    Returns
    -------
    gradient : ndarray, shape broadcast(...) + (K,)
        Zero up to float rounding (|entries| <= a few ulps).

    Raises
    ------
    ValueError, TypeError
        Invalid ``p_data``, non-finite ``logits``, mismatched shapes or ``real_prob``.

    Notes
    -----
    The per-action reward R(a) includes ρ Σ_x p_data(x): the reward paid when the real sample
    is shown, which happens whatever a is.  It is the same for every action, so the gradient
    vanishes for every p_data, every ρ and every policy, deterministic ones included.

    Examples
    --------
    >>> g = true_policy_gradient([0.1, 0.9], [3.0, -1.0])
    >>> bool(np.all(np.abs(g) < 1e-15))
    True
    """
    rho = _rho(real_prob)
    p = check_probability(p_data, "p_data")
    theta = _logits(logits)
    p, theta = broadcast_pair(p, theta, ("p_data", "logits"))
    q = softmax(theta, axis=-1)
    # R(a): shown-real branch (reward 1 with prob. rho, whatever a) + shown-action branch (0).
    per_action = rho * np.sum(p, axis=-1, keepdims=True) * 1.0 + (1.0 - rho) * np.zeros_like(q)
    return q * (per_action - np.sum(q * per_action, axis=-1, keepdims=True))


# ---------------------------------------------------------------------------- critic
def bayes_critic(p_data: Any, policy: Any, real_prob: float = 0.5) -> np.ndarray:
    r"""The critic minimizing the Bellman error of the stateless GAN MDP: Q*(x) = E[r | x].

    .. math::

       Q^*(x) = \frac{\rho\, p_{\mathrm{data}}(x)}{\rho\, p_{\mathrm{data}}(x) + (1 - \rho)\, q(x)},
       \qquad Q^*(x) = \rho \text{ where both vanish.}

    At ρ = 1/2 this is Goodfellow et al.'s optimal discriminator D*(x) = p / (p + q).

    Source: Pfau & Vinyals (2016), Section 2.3 (the critic trained by cross-entropy, which
    "still provides a loss with a constant minimum"); Goodfellow et al. (2014), Proposition 1,
    eq. (2), for ρ = 1/2.

    Parameters
    ----------
    p_data : array_like, shape (..., n)
        Data probabilities or density values (non-negative, finite; need not sum to 1).
    policy : array_like, shape (..., n)
        The actor's probabilities or density values; leading axes broadcast.
    real_prob : float in [0, 1], default 1/2

    Returns
    -------
    q_star : ndarray, shape broadcast(p_data, policy)
        Values in [0, 1].

    Raises
    ------
    ValueError, TypeError
        Negative, non-finite or non-numeric inputs, scalars, shapes that do not broadcast, or
        ``real_prob`` outside [0, 1].

    Notes
    -----
    Where ρ p_data(x) + (1 - ρ) q(x) = 0 no episode shows x, so every value of Q(x) gives the
    same Bellman error.  We return ρ there: the prior probability of reward 1, which is also
    the value of Q* wherever p_data(x) = q(x) > 0 (the limit along p_data = q).  At ρ = 1/2
    this is the 1/2 convention of ``theory.gan.optimal_discriminator``.  With ρ = 1 every
    episode is real and Q* = 1 everywhere; with ρ = 0, Q* = 0 everywhere.

    Minimizer of both losses: the expected per-atom cross-entropy -a log Q - b log(1 - Q) and
    squared error a (1 - Q)^2 + b Q^2 (a = ρ p_data, b = (1 - ρ) q) are strictly convex in Q
    for a + b > 0 with the stationary point a / (a + b) (proofs_check.pfau2016,
    ``pfau2016/bayes-critic``).

    Examples
    --------
    >>> bayes_critic([0.5, 0.5, 0.0], [0.0, 0.5, 0.0])
    array([1. , 0.5, 0.5])
    >>> bayes_critic([0.5, 0.5], [0.5, 0.5], real_prob=0.2)
    array([0.2, 0.2])
    """
    rho = _rho(real_prob)
    p = check_density(p_data, "p_data")
    q = check_density(policy, "policy")
    p, q = broadcast_pair(p, q, ("p_data", "policy"))
    return _bayes(p, q, rho)


def bellman_error(
    critic: Any, p_data: Any, policy: Any, real_prob: float = 0.5, *, loss: str = "cross_entropy"
) -> np.ndarray:
    """Expected Bellman error of a critic on the episode distribution of the stateless MDP.

    cross-entropy:  Σ_x [-ρ p(x) log Q(x) - (1 - ρ) q(x) log(1 - Q(x))]
    squared:        Σ_x [ρ p(x) (1 - Q(x))^2 + (1 - ρ) q(x) Q(x)^2]

    i.e. E_episodes[D(r || Q(x))] with D the cross-entropy or the squared difference; the
    stateless MDP has no bootstrap term (γ Q(s') is absent), so the Bellman target is r.

    Source: Pfau & Vinyals (2016), eq. (8) (the critic minimizes a divergence D between the
    Bellman target and Q) with the cross-entropy of Section 2.3; at ρ = 1/2 the cross-entropy
    error is -V(D, G)/2 of Goodfellow et al. (2014), eq. (1), with D = Q.

    Parameters
    ----------
    critic : array_like, shape (..., K)
        Q(x) in [0, 1].
    p_data, policy : array_like, shape (..., K)
        Probability vectors; all three broadcast on the leading axes.
    real_prob : float in [0, 1], default 1/2
    loss : {"cross_entropy", "squared"}

    Returns
    -------
    error : ndarray, shape broadcast(...)
        Non-negative, in nats for the cross-entropy; ``inf`` where a shown x has Q(x) = 0
        with reward 1 or Q(x) = 1 with reward 0 (cross-entropy only).

    Raises
    ------
    ValueError, TypeError
        ``critic`` outside [0, 1], invalid distributions, mismatched shapes, unknown ``loss``.

    Notes
    -----
    Terms with zero weight contribute 0 (0 · log 0 = 0).

    Examples
    --------
    The constant critic 1/2 has cross-entropy error log 2 whatever the distributions:

    >>> float(bellman_error([0.5, 0.5], [0.3, 0.7], [0.9, 0.1])) == float(np.log(2))
    True
    >>> float(bellman_error([1.0, 0.0], [1.0, 0.0], [0.0, 1.0], loss="squared"))
    0.0
    """
    loss = check_in(loss, "loss", BELLMAN_LOSSES)
    rho = _rho(real_prob)
    c = as_float_array(critic, "critic")
    if c.ndim == 0:
        raise ValueError("`critic` must be at least 1-D (one value per atom), got a scalar")
    if np.any((c < 0) | (c > 1)):
        raise ValueError(f"`critic` must lie in [0, 1] (got range [{c.min():.6g}, {c.max():.6g}])")
    p, q = _distributions(p_data, policy)
    c, p = broadcast_pair(c, p, ("critic", "p_data"))
    q = np.broadcast_to(q, p.shape)
    a, b = rho * p, (1.0 - rho) * q
    if loss == "cross_entropy":
        # xlogy(0, 0) = 0 and xlogy(w > 0, 0) = -inf, without warnings.
        terms = -xlogy(a, c) - xlogy(b, 1.0 - c)
    else:
        terms = a * (1.0 - c) ** 2 + b * c**2
    return np.sum(terms, axis=-1)


def optimal_bellman_error(
    p_data: Any, policy: Any, real_prob: float = 0.5, *, loss: str = "cross_entropy"
) -> np.ndarray:
    """The smallest Bellman error any critic reaches: its value at :func:`bayes_critic`.

    cross-entropy:  H(r | x) = Σ_x [h(a_x) + h(b_x) - h(a_x + b_x)],  h(t) = -t log t,
    squared:        Σ_x a_x b_x / (a_x + b_x)   (= ρ (1 - ρ) Σ_x p q / m),

    with a = ρ p_data, b = (1 - ρ) q.  At ρ = 1/2 the cross-entropy minimum is
    log 2 - JSD(p_data ‖ q) = -C(G)/2.

    Source: Pfau & Vinyals (2016), Section 2.3 (cross-entropy critic loss with a constant
    minimum); Goodfellow et al. (2014), Theorem 1, eqs. (4)-(6), for the ρ = 1/2 identity.

    Parameters
    ----------
    p_data, policy : array_like, shape (..., K)
        Probability vectors; leading axes broadcast.
    real_prob : float in [0, 1], default 1/2
    loss : {"cross_entropy", "squared"}

    Returns
    -------
    error : ndarray, shape broadcast(...)
        In [0, H_b(ρ)] for the cross-entropy (nats), in [0, ρ (1 - ρ)] for the squared error.

    Raises
    ------
    ValueError, TypeError
        Invalid distributions, shapes, ``real_prob`` or ``loss``.

    Examples
    --------
    Disjoint supports: the critic can tell every episode apart, so the error is 0.

    >>> float(optimal_bellman_error([1.0, 0.0], [0.0, 1.0]))
    0.0
    >>> float(optimal_bellman_error([0.3, 0.7], [0.3, 0.7])) == float(np.log(2))
    True
    """
    loss = check_in(loss, "loss", BELLMAN_LOSSES)
    rho = _rho(real_prob)
    p, q = _distributions(p_data, policy)
    a, b = rho * p, (1.0 - rho) * q
    m = a + b
    if loss == "cross_entropy":
        return np.sum(entr(a) + entr(b) - entr(m), axis=-1)
    ratio = np.zeros(m.shape)
    np.divide(a * b, m, out=ratio, where=m > 0)
    return np.sum(ratio, axis=-1)


# ---------------------------------------------------------------------------- actor through critic
def critic_actor_gradient(
    p_data: Any, logits: Any, real_prob: float = 0.5, *, objective: str = "q"
) -> np.ndarray:
    """The actor's gradient through the frozen Bayes critic, with respect to softmax logits.

    ∂/∂θ_j E_{x~q_θ}[f(Q*(x))] = q_j (f_j - Σ_i q_i f_i),   Q* = bayes_critic(p_data, q_θ, ρ)
    held fixed, with

    - ``"q"``:        f = Q*                     (the value, as a DPG-style actor ascends it);
    - ``"minimax"``:  f = -log(1 - Q*)           (the cross-entropy divergence from the fake
      target 0, D(0 ‖ Q); its derivative 1/(1 - Q) is the paper's scaling term ∂D/∂Q), whose
      gradient is minus the minimax generator gradient;
    - ``"log_q"``:    f = log Q*                 (minus the non-saturating generator gradient).

    Source: Pfau & Vinyals (2016), Section 2.3 (the actor follows the critic's estimate,
    "scaling term proportional to ∂D/∂Q", D the cross-entropy); Goodfellow et al. (2014),
    eq. (1) and Section 3 (minimax and non-saturating generator losses).

    Parameters
    ----------
    p_data : array_like, shape (..., K)
        Data distribution.
    logits : array_like, shape (..., K)
        Actor logits θ; leading axes broadcast with ``p_data``.
    real_prob : float in [0, 1], default 1/2
    objective : {"q", "log_q", "minimax"}

    Returns
    -------
    gradient : ndarray, shape broadcast(...) + (K,)
        An ascent direction for the actor's objective; its entries sum to 0.  Zero iff Q* is
        constant on the support of q (e.g. q = p_data), although the true policy gradient
        (:func:`true_policy_gradient`) is zero for every q.

    Raises
    ------
    ValueError
        Invalid inputs; or for ``"log_q"`` an atom with q > 0 where ρ p_data = 0 (there
        log Q* = -inf and the objective is -inf for every θ), and for ``"minimax"`` an atom
        with q > 0 where (1 - ρ) q rounds to 0 (ρ = 1: -log(1 - Q*) = +inf).

    Notes
    -----
    f is computed in log space: log Q* = log(ρ p) - log m and log(1 - Q*) = log((1 - ρ) q) -
    log m with m = ρ p + (1 - ρ) q, so tiny q or p give finite, exact values.  Atoms where q
    underflows to 0 contribute nothing (q_j f_j → 0 as q_j → 0 for the "minimax" objective).

    Examples
    --------
    At q = p_data the Bayes critic is the constant ρ, so the actor feels no gradient:

    >>> theta = np.log([0.2, 0.3, 0.5])
    >>> g = critic_actor_gradient([0.2, 0.3, 0.5], theta, objective="minimax")
    >>> bool(np.all(np.abs(g) < 1e-15))
    True

    Two atoms, p = (1, 0), q = (1/2, 1/2), ρ = 1/2: Q* = (2/3, 0), so the value gradient is
    q ⊙ (Q* - q·Q*) = (1/6, -1/6).

    >>> critic_actor_gradient([1.0, 0.0], [0.0, 0.0])
    array([ 0.16666667, -0.16666667])
    """
    objective = check_in(objective, "objective", ACTOR_OBJECTIVES)
    rho = _rho(real_prob)
    p = check_probability(p_data, "p_data")
    theta = _logits(logits)
    p, theta = broadcast_pair(p, theta, ("p_data", "logits"))
    q = softmax(theta, axis=-1)
    log_q = log_softmax(theta, axis=-1)
    shown = q > 0
    if objective == "q":
        f = _bayes(p, q, rho)
    else:
        # log(0) = -inf on purpose; -inf - (-inf) only occurs on atoms masked out below.
        with np.errstate(divide="ignore", invalid="ignore"):
            log_a = np.log(rho) + np.log(p)
            log_b = np.log1p(-rho) + log_q if rho < 1 else np.full(q.shape, -np.inf)
            log_m = np.logaddexp(log_a, log_b)
            log_q_star, log_one_minus = log_a - log_m, log_b - log_m
        if objective == "log_q":
            if np.any(shown & ~np.isfinite(log_a)):
                raise ValueError(
                    "`objective='log_q'` is -inf: the policy puts mass on atoms where "
                    "real_prob * p_data = 0 (so Q* = 0 there); its gradient is undefined"
                )
            f = np.where(shown, log_q_star, 0.0)
        else:
            if np.any(shown & ~np.isfinite(log_b)):
                raise ValueError(
                    "`objective='minimax'` is +inf: (1 - real_prob) * q = 0 on atoms the policy "
                    "plays (Q* = 1 there); its gradient is undefined"
                )
            f = np.where(shown, -log_one_minus, 0.0)
    mean = np.sum(q * f, axis=-1, keepdims=True)
    return np.where(shown, q * (f - mean), 0.0)


def bayes_critic_sensitivity(p_data: Any, policy: Any, real_prob: float = 0.5) -> np.ndarray:
    """How the Bayes critic at x responds to the actor's mass at x: ∂Q*(x)/∂q(x) <= 0.

    ∂Q*(x)/∂q(x) = -ρ (1 - ρ) p_data(x) / (ρ p_data(x) + (1 - ρ) q(x))^2,

    and ∂Q*(x)/∂q(y) = 0 for y ≠ x (Q*(x) depends on q only through q(x)).  So when the actor
    moves mass δq, the re-fitted critic moves by δQ* ≈ diag(∂Q*/∂q) δq, and
    Σ_x δq(x) δQ*(x) = -ρ (1 - ρ) Σ_x p δq² / m² <= 0: the critic "learns to assign lower values
    in the direction the actor moves".

    Source: Pfau & Vinyals (2016), Section 2.3 (the critic "will quickly learn to assign lower
    value in the direction the actor moves").

    Parameters
    ----------
    p_data, policy : array_like, shape (..., n)
        Probabilities or density values (non-negative); leading axes broadcast.
    real_prob : float in [0, 1], default 1/2

    Returns
    -------
    derivative : ndarray, shape broadcast(p_data, policy)
        Values <= 0.

    Raises
    ------
    ValueError, TypeError
        As :func:`bayes_critic`.

    Notes
    -----
    Where p_data(x) = 0 the result is 0: for q(x) > 0, Q*(x) = 0 is locally constant.  At
    p_data(x) = q(x) = 0, Q* jumps from the convention ρ to 0 (ρ < 1), so it has no derivative
    there; we return 0 as well.

    Examples
    --------
    >>> bayes_critic_sensitivity([0.5, 0.0], [0.5, 1.0])
    array([-0.5,  0. ])
    """
    rho = _rho(real_prob)
    p = check_density(p_data, "p_data")
    q = check_density(policy, "policy")
    p, q = broadcast_pair(p, q, ("p_data", "policy"))
    pn, qn, s = _scaled(p, q)
    a = rho * pn
    m = a + (1.0 - rho) * qn  # m(x) / s, >= min(rho, 1 - rho) where p + q > 0
    out = np.zeros(m.shape)
    # -(1 - rho) a / (s m^2); overflows to -inf only when s is subnormal, the right limit.
    with np.errstate(over="ignore", divide="ignore"):
        np.divide(-(1.0 - rho) * (a / np.where(m > 0, m, 1.0)), s * m, out=out, where=a > 0)
    return out
