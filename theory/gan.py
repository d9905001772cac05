"""The original GAN game: optimal discriminator and value function.

Papers
------
Goodfellow, I. et al. (2014). Generative Adversarial Nets. NeurIPS.
    Value function, eq. (1); Proposition 1 (optimal discriminator, eq. (2));
    Theorem 1 (virtual training criterion, eqs. (4)-(6)).
Salimans, T. et al. (2016). Improved Techniques for Training GANs. NeurIPS.
    Section 3.4 (one-sided label smoothing and the smoothed optimal discriminator).
Pfau, D. & Vinyals, O. (2016). Connecting Generative Adversarial Networks and Actor-Critic
    Methods. arXiv:1610.01945.  Table 1 and Section 3 (stabilizing strategies; Section 3.2
    on replay buffers for the discriminator).

All functions work on discrete distributions (or on density values on a common grid) with
the categories on the last axis; leading axes are batch axes and broadcast.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import xlogy

from theory.validation import as_float_array, broadcast_pair, check_in, check_int
from theory.validation import check_density, check_probability, check_same_length, check_unit_interval
from theory.validation import check_weights
from theory.divergences import js_divergence

__all__ = [
    "optimal_discriminator",
    "gan_value",
    "optimal_gan_value",
    # stabilizers (Pfau & Vinyals 2016, Table 1)
    "smoothed_optimal_discriminator",
    "SmoothedFixedPoint",
    "smoothed_generator_fixed_point",
    "smoothed_escape_rate",
    "replay_optimal_discriminator",
    "ReplayFixedPoint",
    "replay_generator_fixed_point",
]

_LOG4 = float(np.log(4.0))


def optimal_discriminator(p_data: Any, p_model: Any) -> np.ndarray:
    r"""Optimal discriminator of the GAN game for a fixed generator.

    .. math::

       D^*(x) = \frac{p_{\mathrm{data}}(x)}{p_{\mathrm{data}}(x) + p_{\mathrm{model}}(x)} .

    Source: Goodfellow et al. (2014), Proposition 1, eq. (2).

    Parameters
    ----------
    p_data : array_like, shape (..., n)
        Data probabilities or density values (non-negative, finite; need not sum to 1).
    p_model : array_like, shape (..., n)
        Generator probabilities or density values, same last axis as ``p_data``; leading
        axes broadcast.

    Returns
    -------
    d_star : ndarray, shape broadcast(p_data, p_model)
        Values in [0, 1].

    Raises
    ------
    ValueError
        If an input is empty, non-finite, negative, a scalar, or the shapes do not broadcast.
    TypeError
        If an input is not numeric.

    Notes
    -----
    Where p_data(x) = p_model(x) = 0 the point does not enter V(D, G), so any value of D is
    optimal there.  We return 1/2, the limit of D* along p_data = p_model and the value a
    symmetric objective picks (it is also where D* sits when the generator is perfect).

    D* is rounded to float64: where p_model/p_data < ~1e-16 it is exactly 1 (and 0 in the
    mirror case), so ``gan_value`` at this rounded D* is -inf although the optimal value
    is finite; use :func:`optimal_gan_value` for the value at the optimum.

    Examples
    --------
    >>> optimal_discriminator([0.5, 0.5, 0.0], [0.0, 0.5, 0.0])
    array([1. , 0.5, 0.5])
    """
    pd = check_density(p_data, "p_data")
    pm = check_density(p_model, "p_model")
    pd, pm = broadcast_pair(pd, pm, ("p_data", "p_model"))
    # Where p_data + p_model overflows (densities near the largest float) both are halved
    # first, which leaves the ratio unchanged; elsewhere they are not, so that subnormal
    # densities (which halving would flush to 0) keep their exact ratio.
    with np.errstate(over="ignore"):
        total = pd + pm
    overflow = np.isinf(total)
    if np.any(overflow):
        pd = np.where(overflow, 0.5 * pd, pd)
        total = np.where(overflow, pd + 0.5 * pm, total)
    out = np.full(total.shape, 0.5)
    np.divide(pd, total, out=out, where=total > 0)
    return out


def gan_value(d: Any, p_data: Any, p_model: Any) -> np.ndarray:
    r"""Value of the GAN minimax game for a discriminator on a discrete space.

    .. math::

       V(D, G) = \sum_x p_{\mathrm{data}}(x) \log D(x) + \sum_x p_{\mathrm{model}}(x) \log\big(1 - D(x)\big) .

    Source: Goodfellow et al. (2014), eq. (1) (written as the sum over x of eq. (3)).

    Parameters
    ----------
    d : array_like, shape (..., n)
        Discriminator outputs D(x) in [0, 1].
    p_data, p_model : array_like, shape (..., n)
        Probability vectors (validated, see ``check_probability``); all three broadcast on
        the leading axes.

    Returns
    -------
    value : ndarray, shape (...)
        In nats; ≤ 0; ``-inf`` where some x with p_data(x) > 0 has D(x) = 0 or some x with
        p_model(x) > 0 has D(x) = 1.

    Raises
    ------
    ValueError
        If ``d`` lies outside [0, 1], or a probability vector is invalid, or shapes mismatch.

    Notes
    -----
    Terms with zero weight contribute 0 even where their log is -inf (0 · log 0 = 0).

    Examples
    --------
    The perfect generator with D = 1/2 gives V = -log 4:

    >>> float(gan_value([0.5, 0.5], [0.3, 0.7], [0.3, 0.7]))  # doctest: +ELLIPSIS
    -1.386294361...
    """
    dd = as_float_array(d, "d")
    if dd.ndim == 0:
        raise ValueError("`d` must be at least 1-D (one value per category), got a scalar")
    if np.any((dd < 0) | (dd > 1)):
        raise ValueError(f"`d` must lie in [0, 1] (got range [{dd.min():.6g}, {dd.max():.6g}])")
    pd = check_probability(p_data, "p_data")
    pm = check_probability(p_model, "p_model")
    pd, pm = broadcast_pair(pd, pm, ("p_data", "p_model"))
    dd, pd = broadcast_pair(dd, pd, ("d", "p_data"))
    pm = np.broadcast_to(pm, pd.shape)
    # xlogy(0, 0) = 0; xlogy(w > 0, 0) = -inf, with no warning.
    return np.sum(xlogy(pd, dd) + xlogy(pm, 1.0 - dd), axis=-1)


def optimal_gan_value(p_data: Any, p_model: Any) -> np.ndarray:
    r"""Value of the GAN game at the optimal discriminator (the virtual training criterion).

    .. math::

       C(G) = \max_D V(G, D) = -\log 4 + 2\, \mathrm{JSD}(p_{\mathrm{data}} \,\|\, p_{\mathrm{model}}) .

    Source: Goodfellow et al. (2014), Theorem 1, eqs. (4)-(6).

    Parameters
    ----------
    p_data, p_model : array_like, shape (..., n)
        Probability vectors; leading axes broadcast.

    Returns
    -------
    value : ndarray, shape (...)
        In nats, within [-log 4, 0]; the minimum -log 4 is reached iff p_model = p_data.

    Raises
    ------
    ValueError
        If a probability vector is invalid or the shapes mismatch.

    Notes
    -----
    Finite for disjoint supports (then C(G) = 0): the JSD is bounded by log 2.

    Examples
    --------
    >>> float(optimal_gan_value([1.0, 0.0], [0.0, 1.0]))
    0.0
    >>> float(optimal_gan_value([0.2, 0.8], [0.2, 0.8])) == -float(np.log(4))
    True
    """
    # Validated here so that errors name `p_data`/`p_model`, not js_divergence's `p`/`q`.
    pd = check_probability(p_data, "p_data")
    pm = check_probability(p_model, "p_model")
    pd, pm = broadcast_pair(pd, pm, ("p_data", "p_model"))
    return 2.0 * js_divergence(pd, pm) - _LOG4


# ============================================================================ stabilizers
# Closed forms for the stabilizing strategies of Pfau & Vinyals (2016), Table 1: label
# smoothing (Salimans et al. 2016, Section 3.4) and a replay buffer for the discriminator
# (Pfau & Vinyals 2016, Section 3.2).

_GENERATOR_LOSSES = ("minimax", "non_saturating")


def _check_labels(real_label: Any, fake_label: Any) -> tuple[float, float]:
    return (check_unit_interval(real_label, "real_label"),
            check_unit_interval(fake_label, "fake_label"))


def smoothed_optimal_discriminator(
    p_data: Any, p_model: Any, real_label: float = 1.0, fake_label: float = 0.0
) -> np.ndarray:
    r"""Optimal discriminator when real samples carry the target ``real_label`` (a) and fake
    samples the target ``fake_label`` (b) instead of 1 and 0.

    .. math::

       D^*_{ab}(x) = \frac{a\, p_{\mathrm{data}}(x) + b\, p_{\mathrm{model}}(x)}{p_{\mathrm{data}}(x) + p_{\mathrm{model}}(x)}
       = b + (a - b)\, \frac{p_{\mathrm{data}}(x)}{p_{\mathrm{data}}(x) + p_{\mathrm{model}}(x)} .

    It maximizes, atom by atom, the smoothed cross-entropy (a strictly concave function of
    D(x) wherever p + q > 0)

    .. math::

       V_{ab}(D) = \sum_x (a p + b q) \log D + \big((1 - a) p + (1 - b) q\big) \log(1 - D) .

    Source: Salimans et al. (2016), "Improved Techniques for Training GANs", Section 3.4
    (one-sided label smoothing: a = α, b = β); Goodfellow et al. (2014), Proposition 1 for
    a = 1, b = 0.

    Parameters
    ----------
    p_data, p_model : array_like, shape (..., n)
        Probabilities or density values (non-negative, finite); leading axes broadcast.
    real_label, fake_label : float in [0, 1]
        The targets a and b.  One-sided smoothing is b = 0 < a < 1; two-sided has b > 0.

    Returns
    -------
    d_star : ndarray, shape broadcast(p_data, p_model)
        Values in [min(a, b), max(a, b)].

    Raises
    ------
    ValueError
        A label outside [0, 1]; an input empty, non-finite, negative, scalar, or shapes that
        do not broadcast.
    TypeError
        Non-numeric input or label.

    Notes
    -----
    D*_ab is an increasing affine image of the unsmoothed D* when a > b: smoothing shrinks
    the range [0, 1] to [b, a] and keeps the ordering of D over x.  Where p = q = 0 the atom
    does not enter V_ab; we return (a + b)/2, the limit along p = q (1/2 when a = 1, b = 0,
    as :func:`optimal_discriminator`).

    Examples
    --------
    One-sided smoothing only scales D* = p/(p + q) by a:

    >>> smoothed_optimal_discriminator([0.5, 0.5, 0.0], [0.0, 0.5, 0.0], 0.9, 0.0)
    array([0.9 , 0.45, 0.45])

    Two-sided smoothing puts b where only the model has mass:

    >>> smoothed_optimal_discriminator([0.0, 1.0], [1.0, 0.0], 0.9, 0.1)
    array([0.1, 0.9])
    """
    a, b = _check_labels(real_label, fake_label)
    # b + (a - b) · p/(p + q): the ratio first, so that subnormal masses (a · 5e-324 = 0)
    # cannot flip D between its extremes; (a + b)/2 where p + q = 0 follows from the 1/2 there.
    return b + (a - b) * optimal_discriminator(p_data, p_model)


@dataclass(frozen=True)
class SmoothedFixedPoint:
    """The fixed point of the label-smoothed GAN (see :func:`smoothed_generator_fixed_point`).

    Source: derived in :func:`smoothed_generator_fixed_point` from Salimans et al. (2016),
    Section 3.4.

    Attributes
    ----------
    p_model : ndarray, shape (..., n)
        The generator's distribution at the fixed point (= p_data).
    d : ndarray, shape (..., n)
        The smoothed optimal discriminator there, (a + b)/2 on every atom.
    value : ndarray, shape (...)
        V_ab at the fixed point, (a + b) log m + (2 - a - b) log(1 - m) with m = (a + b)/2
        (nats; -log 4 when a = 1, b = 0).
    """

    p_model: np.ndarray
    d: np.ndarray
    value: np.ndarray


def smoothed_generator_fixed_point(
    p_data: Any, real_label: float = 1.0, fake_label: float = 0.0
) -> SmoothedFixedPoint:
    """Where a full-support generator comes to rest against the label-smoothed optimal
    discriminator: at q = p_data, for one-sided *and* two-sided smoothing.

    With D = D*_ab(q) and any generator cost c(D) strictly decreasing in D — minimax
    c = log(1 - D), non-saturating c = -log D, or the zero-sum c = b log D + (1 - b) log(1 - D),
    which decreases on [b, a] where D*_ab lives — a full-support q is stationary iff c(D_x)
    is the same on every atom, i.e. D*_ab(x) = m constant.  Since
    D*_ab = b + (a - b) p/(p + q), for a > b this means p(x)/q(x) is constant: q = p_data, and
    then m = (a + b)/2.  The same q is stationary when the generator differentiates through
    D*_ab(q) (the bilevel objective Σ_x p φ(q/p) has gradient φ'(1), a constant, at q = p),
    and it is the rest point of simultaneous or alternating descent-ascent.

    Source: derived here from the smoothed optimal discriminator of Salimans et al. (2016),
    Section 3.4; their remark that with b > 0 samples far from the data "have no incentive to
    move" concerns the *speed* of that motion (see :func:`smoothed_escape_rate`), not the
    fixed point.

    Parameters
    ----------
    p_data : array_like, shape (..., n)
        Data distribution(s).
    real_label, fake_label : float in [0, 1], real_label > fake_label

    Returns
    -------
    SmoothedFixedPoint
        ``p_model`` (a copy of p_data), ``d`` = (a + b)/2 everywhere, ``value``.

    Raises
    ------
    ValueError
        Labels outside [0, 1] or real_label <= fake_label: with a = b the discriminator is the
        constant a and every q is stationary; with a < b the ordering of D*_ab is reversed and
        q = p_data repels the generator.  Also for an invalid ``p_data``.

    Notes
    -----
    This contradicts the folklore that two-sided smoothing moves the generator's optimum
    away from p_data: in the exact (full-capacity, exact-expectation) game it does not.
    Two-sided smoothing changes the discriminator's level at equilibrium, (a + b)/2 instead
    of a/2, and slows the generator's escape from atoms where p_data = 0.

    Examples
    --------
    >>> fp = smoothed_generator_fixed_point([0.25, 0.75], 0.9, 0.1)
    >>> fp.p_model, fp.d
    (array([0.25, 0.75]), array([0.5, 0.5]))
    >>> float(smoothed_generator_fixed_point([0.3, 0.7]).value) == -float(np.log(4))
    True
    """
    a, b = _check_labels(real_label, fake_label)
    if not a > b:
        raise ValueError(
            f"`real_label` must exceed `fake_label` for a fixed point to exist (got {a!r} <= {b!r})")
    p = check_probability(p_data, "p_data")
    m = 0.5 * (a + b)
    value = xlogy(a + b, m) + xlogy(2.0 - a - b, 1.0 - m)
    return SmoothedFixedPoint(p_model=p.copy(), d=np.full(p.shape, m),
                              value=np.full(p.shape[:-1], value))


def smoothed_escape_rate(
    real_label: float = 1.0, fake_label: float = 0.0, *, loss: str = "minimax", n_support: int
) -> float:
    """Asymptotic speed at which softmax-logit descent removes the generator's mass from an
    atom where p_data = 0, against the label-smoothed optimal discriminator.

    Near q = p_data with one data-free atom x₀ carrying q₀ → 0,

        1/q₀(t) ≈ 1/q₀(0) + lr · κ_ab · (1 + 1/n₊) · t,      κ_ab = c(b) - c((a + b)/2),

    where c is the generator's cost (c(D) = log(1 - D) minimax, -log D non-saturating),
    b = D*_ab(x₀), (a + b)/2 = D*_ab on the data atoms, and n₊ = #{x : p_data(x) > 0}.
    This function returns κ_ab (1 + 1/n₊), the slope per unit learning rate.

    Derivation: the step θ_j ← θ_j - lr q_j (c_j - Σ q c) lowers θ₀ by lr q₀ (1 - q₀) κ and,
    the optimal discriminator keeping the data atoms in proportion to p_data, raises each of
    their n₊ logits by lr q₀ (1 - q₀) κ / n₊ (the steps sum to zero); so the log-odds of x₀
    fall by lr q₀ (1 - q₀) κ (1 + 1/n₊) and dq₀ ≈ -lr κ (1 + 1/n₊) q₀².

    Source: derived here; it quantifies the remark of Salimans et al. (2016), Section 3.4,
    that with a smoothed fake label erroneous samples lose their incentive to move.

    Parameters
    ----------
    real_label, fake_label : float in [0, 1], real_label > fake_label
    loss : {"minimax", "non_saturating"}, keyword-only
    n_support : int >= 1, keyword-only
        n₊, the number of atoms with p_data > 0.

    Returns
    -------
    float
        κ_ab (1 + 1/n₊) > 0; ``inf`` for the non-saturating loss with fake_label = 0 (then
        D*(x₀) = 0 and the cost of x₀ is infinite).

    Raises
    ------
    ValueError
        Labels outside [0, 1] or real_label <= fake_label, unknown ``loss``, n_support < 1.

    Examples
    --------
    Unsmoothed minimax GAN, two data atoms: κ = log(1 - 0) - log(1 - 1/2) = log 2.

    >>> smoothed_escape_rate(1.0, 0.0, n_support=2) == 1.5 * float(np.log(2))
    True
    >>> smoothed_escape_rate(0.9, 0.0, loss="non_saturating", n_support=2)
    inf
    """
    a, b = _check_labels(real_label, fake_label)
    if not a > b:
        raise ValueError(f"`real_label` must exceed `fake_label` (got {a!r} <= {b!r})")
    loss = check_in(loss, "loss", _GENERATOR_LOSSES)
    n = check_int(n_support, "n_support", minimum=1)
    m = 0.5 * (a + b)
    if loss == "minimax":
        # κ = log((1 - b)/(1 - m)) = log1p((m - b)/(1 - m)), m - b = (a - b)/2, with
        # 1 - m = (1 - a)/2 + (1 - b)/2 > 0 formed from the differences 1 - a, 1 - b (exact
        # for a, b >= 1/2 by Sterbenz): log1p(-m) is log 0 when a = 1 and b is within an ulp
        # of 1, and log(1 - b) - log(1 - m) loses digits when a ≈ b.
        one_minus_m = 0.5 * (1.0 - a) + 0.5 * (1.0 - b)
        kappa = float(np.log1p(0.5 * (a - b) / one_minus_m))
    elif b == 0.0:
        return float("inf")
    else:
        kappa = float(np.log(m) - np.log(b))
    return kappa * (1.0 + 1.0 / n)


def replay_optimal_discriminator(p_data: Any, past_models: Any, weights: Any = None) -> np.ndarray:
    r"""Optimal discriminator against a replay buffer: real samples from p_data, fake samples
    from the mixture of past generator distributions the buffer holds.

    .. math::

       D^*_{\mathrm{buf}}(x) = \frac{p_{\mathrm{data}}(x)}{p_{\mathrm{data}}(x) + q_{\mathrm{buf}}(x)},
       \qquad q_{\mathrm{buf}} = \sum_k w_k q_k .

    It is Proposition 1 of Goodfellow et al. (2014) with the buffer's mixture in place of the
    current generator: the discriminator is optimal for the past, not for the present q.

    Source: Goodfellow et al. (2014), Proposition 1, applied to the replay buffer for the
    discriminator discussed by Pfau & Vinyals (2016), Section 3.2 ("Replay buffers").

    Parameters
    ----------
    p_data : array_like, shape (..., n)
        Data distribution(s).
    past_models : array_like, shape (..., m, n)
        The m generator distributions in the buffer (rows are probability vectors).  To give
        the current generator weight 1 - λ, include it as one of the rows.
    weights : array_like, shape (m,) or (..., m), optional
        Mixture weights (non-negative, summing to 1); uniform by default.

    Returns
    -------
    d_star : ndarray, shape (..., n)

    Raises
    ------
    ValueError, TypeError
        Invalid distributions or weights, or mismatched shapes.

    Notes
    -----
    Where p_data = q_buf = 0 we return 1/2 (see :func:`optimal_discriminator`).  D*_buf does
    not depend on the current generator unless it is in the buffer: when the buffer's
    average reaches p_data, D*_buf = 1/2 whatever the generator does, so the generator stops
    receiving a signal wherever it happens to be (Pfau & Vinyals's observation that a replay
    buffer does not give asymptotically correct samples).

    Examples
    --------
    >>> replay_optimal_discriminator([0.5, 0.5], [[1.0, 0.0], [0.0, 1.0]])
    array([0.5, 0.5])
    >>> replay_optimal_discriminator([0.5, 0.5], [[1.0, 0.0], [0.0, 1.0]], [0.75, 0.25])
    array([0.4       , 0.66666667])
    """
    pd = check_probability(p_data, "p_data")
    past = check_probability(past_models, "past_models")
    if past.ndim < 2:
        raise ValueError(f"`past_models` must have shape (..., m, n) (got shape {past.shape})")
    check_same_length(pd, past, ("p_data", "past_models"))
    w = check_weights(weights, past.shape[-2], of="row of `past_models`")
    q_buf = np.sum(w[..., :, None] * past, axis=-2)
    d = optimal_discriminator(pd, q_buf)
    # Where every w_i q_i is below half the smallest subnormal, q_buf rounds to 0 although the
    # mixture is positive: D* is then 0 where p_data = 0 (not the p + q = 0 convention 1/2).
    positive = np.any((w[..., :, None] > 0) & (past > 0), axis=-2)
    return np.where((q_buf == 0) & positive & (pd == 0), 0.0, d)


@dataclass(frozen=True)
class ReplayFixedPoint:
    """The generator's fixed point against a discriminator trained on a stale buffer (see
    :func:`replay_generator_fixed_point`).

    Source: derived in :func:`replay_generator_fixed_point` (Pfau & Vinyals 2016, Section 3.2).

    Attributes
    ----------
    p_model : ndarray, shape (..., n)
        The generator's distribution q*.
    d : ndarray, shape (..., n)
        The optimal discriminator there, p / (p + (1 - λ) q* + λ r).
    kappa : ndarray, shape (...)
        The water level κ ∈ (0, 1]; D = 1/(1 + κ) on the support of q*.
    """

    p_model: np.ndarray
    d: np.ndarray
    kappa: np.ndarray


def replay_generator_fixed_point(p_data: Any, buffer_model: Any, replay_weight: float) -> ReplayFixedPoint:
    """Where the generator comes to rest when a fraction λ of the discriminator's fake samples
    comes from a buffer distribution r that no longer changes.

    The discriminator sees the fake mixture (1 - λ) q + λ r, so D = p / (p + (1 - λ) q + λ r).
    A generator whose cost strictly decreases in D (minimax or non-saturating) is at a stable
    rest point iff D is maximal and constant on its support.  Writing that constant as
    1/(1 + κ):

        q*(x) = max(κ p(x) - λ r(x), 0) / (1 - λ),   κ ∈ (0, 1] fixed by Σ_x q*(x) = 1

    (water-filling).  If p ≥ λ r everywhere, κ = 1 and q* = (p - λ r)/(1 - λ): the generator
    over-corrects for the stale samples by subtracting them, and q* ≠ p_data unless r = p_data.

    Source: derived here for the replay buffer of Pfau & Vinyals (2016), Section 3.2, with the
    discriminator of :func:`replay_optimal_discriminator`.

    Parameters
    ----------
    p_data, buffer_model : array_like, shape (..., n)
        Data distribution p and the buffer's (frozen) distribution r; leading axes broadcast.
    replay_weight : float in [0, 1)
        λ, the buffer's share of the discriminator's fake samples.

    Returns
    -------
    ReplayFixedPoint

    Raises
    ------
    ValueError
        Invalid distributions, mismatched shapes, or λ outside [0, 1).  At λ = 1 the
        discriminator ignores the current generator and no fixed point exists (the generator
        drifts to the atoms maximizing p/r).

    Notes
    -----
    κ is found exactly: sort the ratios c_x = r_x / p_x; the total mass G(κ) =
    Σ_x max(κ p_x - λ r_x, 0) at the breakpoint κ = λ c_k is λ Σ_{j<k} P_j (c_{j+1} - c_j)
    (P the cumulative p), a sum of non-negative terms; the active set is the prefix with
    G <= 1 - λ, and q*_x = p_x [λ (c_k - c_x) + (1 - λ - G_k)/P_k] / (1 - λ).  Every term is
    non-negative, so q* keeps full relative accuracy even for λ = 1 - 2**-53 (the form
    (κ p - λ r)/(1 - λ) cancels there).  Atoms with p = 0 never carry mass; for λ > 0 an
    atom whose ratio r/p overflows (subnormal p < r/DBL_MAX) is taken as inactive, which
    moves at most its mass p < 1e-308 (times κ/(1 - λ)).

    Examples
    --------
    A buffer holding only the first atom pushes the generator onto the second; with λ = 3/4
    the water level drops below 1:

    >>> fp = replay_generator_fixed_point([0.5, 0.5], [1.0, 0.0], 0.75)
    >>> fp.p_model, float(fp.kappa)
    (array([0., 1.]), 0.5)
    >>> replay_generator_fixed_point([0.5, 0.5], [0.6, 0.4], 0.5).p_model
    array([0.4, 0.6])
    """
    lam = check_unit_interval(replay_weight, "replay_weight", open_right=True)
    p = check_probability(p_data, "p_data")
    r = check_probability(buffer_model, "buffer_model")
    p, r = broadcast_pair(p, r, ("p_data", "buffer_model"))
    eps = 1.0 - lam  # exact for λ >= 1/2 (Sterbenz); the only small quantity we divide by
    if lam == 0.0:
        # No replay: q* = p exactly (also on subnormal atoms, whose ratio r/p overflows).
        q = p.copy()
        return ReplayFixedPoint(p_model=q, d=optimal_discriminator(p, q),
                                kappa=np.ones(p.shape[:-1]))
    # Ratios c = r/p, sorted; atoms with p = 0 never carry mass (c = +inf, sorted last).
    pos = p > 0
    with np.errstate(divide="ignore", over="ignore"):
        c = np.where(pos, r / np.where(pos, p, 1.0), np.inf)
    order = np.argsort(c, axis=-1, kind="stable")
    c_s = np.take_along_axis(c, order, axis=-1)
    p_s = np.take_along_axis(p, order, axis=-1)
    P = np.cumsum(p_s, axis=-1)
    # The water level κ solves G(κ) = Σ_x max(κ p_x - λ r_x, 0) = ε.  At the breakpoint
    # κ = λ c_k, G = λ Σ_{y<=k} p_y (c_k - c_y) = λ Σ_{j<k} P_j (c_{j+1} - c_j) (summation by
    # parts): a cumulative sum of non-negative terms, so there is no cancellation however
    # small ε is, and it is non-decreasing in k even after rounding.
    with np.errstate(invalid="ignore", over="ignore"):
        steps = P[..., :-1] * np.diff(c_s, axis=-1)          # inf - inf = nan past the support
        steps = np.where(np.isnan(steps), np.inf, steps)
        G = lam * np.concatenate([np.zeros(c.shape[:-1] + (1,)), np.cumsum(steps, axis=-1)],
                                 axis=-1)
    G = np.where(np.isnan(G), np.inf, G)                     # λ = 0 times inf
    active_s = (G <= eps) & (p_s > 0)                        # a prefix of the sorted atoms
    k = np.sum(active_s, axis=-1, keepdims=True) - 1         # >= 0: G_0 = 0 and p_s[0] > 0
    c_k = np.take_along_axis(c_s, k, axis=-1)
    P_k = np.take_along_axis(P, k, axis=-1)
    slack = (eps - np.take_along_axis(G, k, axis=-1)) / P_k  # >= 0: κ = λ c_k + slack
    # q*_x = p_x (κ - λ c_x)/ε = p_x [λ (c_k - c_x) + slack]/ε on the active atoms: a sum of
    # non-negative terms divided by ε, accurate to a few ulps whatever ε is.
    with np.errstate(invalid="ignore"):
        q_s = np.where(active_s, p_s * (lam * (c_k - c_s) + slack) / eps, 0.0)
    q = np.empty_like(q_s)
    np.put_along_axis(q, order, q_s, axis=-1)
    kappa = lam * c_k + slack
    return ReplayFixedPoint(p_model=q, d=optimal_discriminator(p, eps * q + lam * r),
                            kappa=kappa[..., 0])
