"""The original GAN game: optimal discriminator and value function.

Papers
------
Goodfellow, I. et al. (2014). Generative Adversarial Nets. NeurIPS.
    Value function, eq. (1); Proposition 1 (optimal discriminator, eq. (2));
    Theorem 1 (virtual training criterion, eqs. (4)-(6)).

All functions work on discrete distributions (or on density values on a common grid) with
the categories on the last axis; leading axes are batch axes and broadcast.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import xlogy

from theory._validation import as_float_array, broadcast_pair, check_probability
from theory.divergences import js_divergence

__all__ = ["optimal_discriminator", "gan_value", "optimal_gan_value"]

_LOG4 = float(np.log(4.0))


def _check_density(x: Any, name: str) -> np.ndarray:
    arr = as_float_array(x, name)
    if arr.ndim == 0:
        raise ValueError(f"`{name}` must be at least 1-D (density values on a grid), got a scalar")
    if np.any(arr < 0):
        raise ValueError(f"`{name}` must be non-negative (got minimum {arr.min():.6g})")
    return arr


def optimal_discriminator(p_data: Any, p_model: Any) -> np.ndarray:
    """Optimal discriminator of the GAN game for a fixed generator.

    D*(x) = p_data(x) / (p_data(x) + p_model(x)).

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
    pd = _check_density(p_data, "p_data")
    pm = _check_density(p_model, "p_model")
    pd, pm = broadcast_pair(pd, pm, ("p_data", "p_model"))
    total = pd + pm
    out = np.full(total.shape, 0.5)
    np.divide(pd, total, out=out, where=total > 0)
    return out


def gan_value(d: Any, p_data: Any, p_model: Any) -> np.ndarray:
    """Value of the GAN minimax game for a discriminator on a discrete space.

    V(D, G) = Σ_x p_data(x) log D(x) + Σ_x p_model(x) log(1 - D(x)).

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
    """Value of the GAN game at the optimal discriminator (the virtual training criterion).

    C(G) = max_D V(G, D) = -log 4 + 2 · JSD(p_data ‖ p_model).

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
    return 2.0 * js_divergence(p_data, p_model) - _LOG4
