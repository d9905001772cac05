"""Monte Carlo and exact (quadrature) ELBO gradient estimators on the linear-Gaussian model.

Source: Kingma & Welling (2014), "Auto-Encoding Variational Bayes" (ICLR; arXiv:1312.6114),
Section 2.2 (the score-function estimator ∇_φ E_q[f] = E_q[f ∇_φ log q]), eqs. (6)-(7) (SGVB
estimators A and B), Section 2.4 (z = μ + σ ε) and eq. (10) (the VAE's estimator).

The model is that of :mod:`theory.vae`: z ~ N(0, I_k), x | z ~ N(W z + b, σ² I_d); the
variational distribution is q = N(μ, diag(s²)) and z = μ + s ⊙ ε with ε ~ N(0, I_k).  Each
estimator returns one gradient sample per ε, for the parameters (μ, s) of q:

reparameterized (pathwise), :func:`reparameterized_gradient`
    ∇_{μ,s} f(μ + s ⊙ ε) at fixed ε, with ``kl="sampled"``: f = log p(x, z) - log q(z)
    (eq. (6)); ``kl="analytic"``: f = log p(x | z), and the exact gradient of
    -KL(q ‖ N(0, I)) = ½ Σ (1 + log s² - μ² - s²) added (eqs. (7), (10)).
score function, :func:`score_function_gradient`
    f(z) ∇_{μ,s} log q(z) with ∇_μ log q = ε/s, ∇_s log q = (ε² - 1)/s (Section 2.2), with the
    same two choices of f (and the same exact KL gradient for ``"analytic"``).

Exact moments, :func:`estimator_moments`
    E[g] and Var[g] of either estimator by the tensor-product Gauss-Hermite rule
    (:func:`gauss_hermite_expectation`).  On this model every estimator is a polynomial in ε
    of degree <= 4 per coordinate (f is quadratic, the score is of degree <= 2), so its square
    has degree <= 8 and n_points >= 5 nodes per axis integrate mean and variance exactly (a
    rule with n nodes is exact up to degree 2n - 1); only rounding remains.

The functions here evaluate the model's densities and scores from their definitions; they
never call the closed-form gradient or variances of :mod:`theory.vae` they are checked
against (independence rule, DESIGN.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from solvers.results import ArrayResult
from theory.validation import as_float_array, as_generator, check_in, check_int
from theory.vae import KL_FORMS, check_diagonal_gaussian, check_linear_gaussian

__all__ = [
    "ESTIMATORS",
    "reparameterized_gradient",
    "score_function_gradient",
    "gradient_samples",
    "estimate_elbo_gradient",
    "gauss_hermite_expectation",
    "GradientMoments",
    "estimator_moments",
]

#: The two gradient estimators.
ESTIMATORS = ("reparameterized", "score_function")

_LOG_2PI = math.log(2.0 * math.pi)

#: The product grid of :func:`gauss_hermite_expectation` is refused beyond this many nodes.
_MAX_NODES = 2_000_000


def _setup(x, W, b, sigma, q_mean, q_std, eps, kl):
    x, W, b, sigma, _ = check_linear_gaussian(x, W, b, sigma)
    k = W.shape[-1]
    q_mean, q_std = check_diagonal_gaussian(q_mean, q_std, k)
    check_in(kl, "kl", KL_FORMS)
    eps = as_float_array(eps, "eps")
    if eps.ndim < 1 or eps.shape[-1] != k:
        raise ValueError(f"`eps` must have shape (..., {k}) (got shape {eps.shape})")
    z = q_mean + q_std * eps
    y = x - b
    s2 = (sigma ** 2)[..., None]
    residual = y - (W @ z[..., None])[..., 0]                       # x - b - W z, shape (..., d)
    grad_lik = (np.swapaxes(W, -1, -2) @ residual[..., None])[..., 0] / s2   # ∇_z log p(x | z)
    return W, q_mean, q_std, eps, z, residual, s2, grad_lik


def reparameterized_gradient(x: Any, W: Any, b: Any, sigma: Any, q_mean: Any, q_std: Any, eps: Any,
                             *, kl: str = "analytic") -> tuple[np.ndarray, np.ndarray]:
    """One reparameterized (pathwise) ELBO gradient sample per noise vector ε.

    z = μ + s ⊙ ε.  ``kl="sampled"``: g_μ = ∇_z log p(x, z), g_s = ∇_z log p(x, z) ⊙ ε + 1/s
    (the entropy's pathwise gradient).  ``kl="analytic"``: g_μ = ∇_z log p(x | z) - μ,
    g_s = ∇_z log p(x | z) ⊙ ε - (s - 1/s).  Here ∇_z log p(x | z) = Wᵀ(x - b - W z)/σ² and
    ∇_z log p(z) = -z.

    Source: Kingma & Welling (2014), Section 2.4 and eq. (6) (``"sampled"``) or eqs. (7),
    (10) (``"analytic"``).

    Parameters
    ----------
    x, W, b, sigma : array_like
        The model, shapes (..., d), (..., d, k), (..., d), (...) (see :mod:`theory.vae`).
    q_mean, q_std : array_like, shape (..., k)
        μ and s (> 0) of q = N(μ, diag(s²)).
    eps : array_like, shape (..., k)
        Standard normal draws; leading axes broadcast with the model's (e.g. (n, k) for n
        samples of one problem, (n, B, k) for a batch of B problems).
    kl : {"analytic", "sampled"}

    Returns
    -------
    grad_mean, grad_std : ndarray, shape broadcast(...) + (k,)
        The gradient samples for μ and for s.

    Examples
    --------
    W = 1, σ = 1, x = 2, μ = 0, s = 1, ε = 0 (z = 0): ∇_z log p(x | z) = 2, so the analytic
    form gives g_μ = 2 and g_s = 0 - (1 - 1) = 0.

    >>> reparameterized_gradient([2.0], [[1.0]], [0.0], 1.0, [0.0], [1.0], [[0.0]])
    (array([[2.]]), array([[0.]]))
    """
    _, mu, s, eps, z, _, _, grad_lik = _setup(x, W, b, sigma, q_mean, q_std, eps, kl)
    if kl == "sampled":
        grad_z = grad_lik - z
        return grad_z, grad_z * eps + 1.0 / s
    return grad_lik - mu, grad_lik * eps - (s - 1.0 / s)


def score_function_gradient(x: Any, W: Any, b: Any, sigma: Any, q_mean: Any, q_std: Any, eps: Any,
                            *, kl: str = "analytic") -> tuple[np.ndarray, np.ndarray]:
    """One score-function (REINFORCE) ELBO gradient sample per noise vector ε.

    z = μ + s ⊙ ε; with f = log p(x, z) - log q(z) (``"sampled"``) or f = log p(x | z)
    (``"analytic"``, plus the exact gradient of -KL(q ‖ N(0, I))):

        g_μ = f(z) ε / s,   g_s = f(z) (ε² - 1) / s,

    where log p(x | z) = -d/2 log(2πσ²) - |x - b - W z|²/(2σ²) and
    log p(z) - log q(z) = -|z|²/2 + Σ log s + |ε|²/2.

    Source: Kingma & Welling (2014), Section 2.2 (the "naive" Monte Carlo gradient
    estimator) with eq. (2) (``"sampled"``) or eq. (3) (``"analytic"``).

    Parameters
    ----------
    x, W, b, sigma, q_mean, q_std, eps, kl
        As :func:`reparameterized_gradient`.

    Returns
    -------
    grad_mean, grad_std : ndarray, shape broadcast(...) + (k,)

    Examples
    --------
    W = 0, σ = 1, x = b = 0, μ = 0, s = 1, ε = 1, sampled: f = -½ log 2π - ½ + 0 + ½, so
    g_μ = f · 1 and g_s = f · 0.

    >>> g_mean, g_std = score_function_gradient([0.0], [[0.0]], [0.0], 1.0, [0.0], [1.0], [[1.0]], kl="sampled")
    >>> bool(np.isclose(g_mean[0, 0], -0.5 * np.log(2 * np.pi))), float(g_std[0, 0])
    (True, -0.0)
    """
    W, mu, s, eps, z, residual, s2, _ = _setup(x, W, b, sigma, q_mean, q_std, eps, kl)
    d = W.shape[-2]
    f = -0.5 * d * (_LOG_2PI + np.log(s2[..., 0])) - 0.5 * np.sum(residual * residual, axis=-1) / s2[..., 0]
    if kl == "sampled":
        f = f - 0.5 * np.sum(z * z, axis=-1) + np.sum(np.log(s), axis=-1) + 0.5 * np.sum(eps * eps, axis=-1)
    f = f[..., None]
    g_mean = f * eps / s
    g_std = f * (eps * eps - 1.0) / s
    if kl == "analytic":
        g_mean = g_mean - mu
        g_std = g_std - (s - 1.0 / s)
    return g_mean, g_std


_ESTIMATOR_FUNCTIONS = {"reparameterized": reparameterized_gradient, "score_function": score_function_gradient}


def gradient_samples(x: Any, W: Any, b: Any, sigma: Any, q_mean: Any, q_std: Any, n_samples: int,
                     seed: Any, *, estimator: str, kl: str = "analytic") -> tuple[np.ndarray, np.ndarray]:
    """``n_samples`` independent one-draw gradient estimates (ε ~ N(0, I) from ``seed``).

    Source: Kingma & Welling (2014), Section 2.2 / eqs. (6)-(7) (see the module docstring).

    Parameters
    ----------
    x, W, b, sigma, q_mean, q_std
        As :func:`reparameterized_gradient`.
    n_samples : int
        >= 1.
    seed : int, SeedSequence or numpy Generator
    estimator : {"reparameterized", "score_function"}
    kl : {"analytic", "sampled"}

    Returns
    -------
    grad_mean, grad_std : ndarray, shape (n_samples,) + batch + (k,)

    Examples
    --------
    >>> gm, gs = gradient_samples([2.0], [[1.0]], [0.0], 1.0, [0.0], [1.0], 5, 0,
    ...                           estimator="reparameterized")
    >>> gm.shape, gs.shape
    ((5, 1), (5, 1))
    """
    check_in(estimator, "estimator", ESTIMATORS)
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    x_, W_, b_, sigma_, batch = check_linear_gaussian(x, W, b, sigma)
    k = W_.shape[-1]
    mu, s = check_diagonal_gaussian(q_mean, q_std, k)
    batch = np.broadcast_shapes(batch, mu.shape[:-1], s.shape[:-1])
    eps = as_generator(seed).standard_normal((n_samples,) + batch + (k,))
    return _ESTIMATOR_FUNCTIONS[estimator](x_, W_, b_, sigma_, mu, s, eps, kl=kl)


def estimate_elbo_gradient(x: Any, W: Any, b: Any, sigma: Any, q_mean: Any, q_std: Any, n_samples: int,
                           seed: Any, *, estimator: str, kl: str = "analytic") -> tuple[np.ndarray, np.ndarray]:
    """The L-sample Monte Carlo ELBO gradient: the mean of ``n_samples`` one-draw estimates.

    Source: Kingma & Welling (2014), eqs. (6)-(7) with L = ``n_samples`` (Section 2.2 for
    the score-function estimator).

    Parameters
    ----------
    x, W, b, sigma, q_mean, q_std, n_samples, seed, estimator, kl
        As :func:`gradient_samples`.

    Returns
    -------
    grad_mean, grad_std : ndarray, shape batch + (k,)

    Examples
    --------
    >>> gm, gs = estimate_elbo_gradient([2.0], [[1.0]], [0.0], 1.0, [0.0], [1.0], 10, 0,
    ...                                 estimator="score_function")
    >>> gm.shape
    (1,)
    """
    gm, gs = gradient_samples(x, W, b, sigma, q_mean, q_std, n_samples, seed, estimator=estimator, kl=kl)
    return gm.mean(axis=0), gs.mean(axis=0)


def gauss_hermite_expectation(fn: Callable[[np.ndarray], Any], dim: int, *, n_points: int = 5) -> np.ndarray:
    """E[fn(ε)] for ε ~ N(0, I_dim) by the tensor-product Gauss-Hermite rule.

    Σ_i w_i fn(ε_i) over the n_points^dim nodes of the probabilists' Hermite rule (weight
    exp(-t²/2)/√(2π) per axis); exact when fn is a polynomial of degree <= 2 n_points - 1 in
    each coordinate.

    Source: Gauss-Hermite quadrature, e.g. Abramowitz & Stegun (1964), 25.4.46 (the rule);
    the probabilists' nodes and weights of ``numpy.polynomial.hermite_e.hermegauss``.

    Parameters
    ----------
    fn : callable
        Maps an array of nodes of shape (N, dim) to an array of shape (N, ...).
    dim : int
        >= 1.
    n_points : int, default 5
        Nodes per axis, >= 1; the grid (n_points^dim nodes) is refused beyond 2e6 nodes.

    Returns
    -------
    ndarray, shape (...)

    Examples
    --------
    E[ε⁴] = 3 and E[ε⁸] = 105 exactly with 5 nodes (degree 8 <= 9):

    >>> gauss_hermite_expectation(lambda e: e[:, 0] ** 8, 1, n_points=5).round(9)
    np.float64(105.0)
    """
    dim = check_int(dim, "dim", minimum=1)
    n_points = check_int(n_points, "n_points", minimum=1)
    if n_points ** dim > _MAX_NODES:
        raise ValueError(f"`n_points`^`dim` = {n_points}^{dim} nodes is more than {_MAX_NODES:.0e}")
    t, w = np.polynomial.hermite_e.hermegauss(n_points)
    w = w / math.sqrt(2.0 * math.pi)
    grids = np.meshgrid(*([t] * dim), indexing="ij")
    nodes = np.stack([g.reshape(-1) for g in grids], axis=-1)
    weights = np.prod(np.stack(np.meshgrid(*([w] * dim), indexing="ij"), axis=0).reshape(dim, -1), axis=0)
    values = np.asarray(fn(nodes), dtype=float)
    if values.ndim < 1 or values.shape[0] != nodes.shape[0]:
        raise ValueError(f"`fn` must return an array with one row per node ({nodes.shape[0]}), "
                         f"got shape {values.shape}")
    return np.tensordot(weights, values, axes=(0, 0))


@dataclass(frozen=True)
class GradientMoments(ArrayResult):
    """Exact mean and variance of a one-draw ELBO gradient estimator (:func:`estimator_moments`).

    Source: Kingma & Welling (2014), Section 2.2 and eqs. (6)-(7); Gauss-Hermite quadrature.

    Attributes
    ----------
    estimator : str
        "reparameterized" or "score_function".
    kl : str
        "analytic" or "sampled".
    n_points : int
        Gauss-Hermite nodes per axis.
    mean : tuple of ndarray
        (E[g_μ], E[g_s]), each of shape batch + (k,).
    variance : tuple of ndarray
        (Var[g_μ], Var[g_s]), per coordinate.
    """

    estimator: str
    kl: str
    n_points: int
    mean: tuple
    variance: tuple


def estimator_moments(x: Any, W: Any, b: Any, sigma: Any, q_mean: Any, q_std: Any, *, estimator: str,
                      kl: str = "analytic", n_points: int = 5) -> GradientMoments:
    """Exact mean and per-coordinate variance of an ELBO gradient estimator, by quadrature.

    The estimator (:func:`reparameterized_gradient` or :func:`score_function_gradient`) is
    evaluated at the Gauss-Hermite nodes of ε ~ N(0, I_k); E[g] and E[g²] - E[g]² are the
    weighted sums.  Exact (up to rounding) for n_points >= 5 on this model, where g² is a
    polynomial of degree <= 8 in each ε_i.

    Source: Kingma & Welling (2014), Section 2.2 and eqs. (6)-(7); Gauss-Hermite quadrature.

    Parameters
    ----------
    x, W, b, sigma, q_mean, q_std
        As :func:`reparameterized_gradient`.
    estimator : {"reparameterized", "score_function"}
    kl : {"analytic", "sampled"}
    n_points : int, default 5

    Returns
    -------
    GradientMoments

    Examples
    --------
    W = 1, σ = 1, x = 2, μ = 0, s = 1: both estimators are unbiased for the gradient
    (h - A μ, 1/s - A s) = (2, -1).

    >>> m = estimator_moments([2.0], [[1.0]], [0.0], 1.0, [0.0], [1.0], estimator="score_function")
    >>> [float(v[0].round(10)) for v in m.mean]
    [2.0, -1.0]
    """
    check_in(estimator, "estimator", ESTIMATORS)
    check_in(kl, "kl", KL_FORMS)
    x_, W_, b_, sigma_, batch = check_linear_gaussian(x, W, b, sigma)
    k = W_.shape[-1]
    mu, s = check_diagonal_gaussian(q_mean, q_std, k)
    batch = np.broadcast_shapes(batch, mu.shape[:-1], s.shape[:-1])
    fn = _ESTIMATOR_FUNCTIONS[estimator]

    def gradient(nodes: np.ndarray) -> np.ndarray:
        e = nodes.reshape((nodes.shape[0],) + (1,) * len(batch) + (k,))
        gm, gs = fn(x_, W_, b_, sigma_, mu, s, e, kl=kl)
        return np.stack(np.broadcast_arrays(gm, gs), axis=-2)      # (N, ..., 2, k)

    # two passes: the variance as E[(g - E g)²], not E[g²] - (E g)², which cancels
    mean = gauss_hermite_expectation(gradient, k, n_points=n_points)
    variance = gauss_hermite_expectation(lambda e: (gradient(e) - mean) ** 2, k, n_points=n_points)
    return GradientMoments(estimator, kl, n_points, (mean[..., 0, :], mean[..., 1, :]),
                           (variance[..., 0, :], variance[..., 1, :]))
