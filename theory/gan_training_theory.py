"""Why GAN training misbehaves, in closed form: Arjovsky & Bottou's vanishing and biased
generator gradients, instance noise, and BEGAN's equilibrium controller.

Papers
------
Arjovsky, M. & Bottou, L. (2017). Towards Principled Methods for Training Generative
    Adversarial Networks. ICLR; arXiv:1701.04862.
    Theorems 2.1-2.2 (a perfect discriminator D* exists for disjoint or misaligned supports,
    with D* = 0 and ∇D* = 0 on the support of P_g); Theorem 2.4 (vanishing gradients on the
    generator: if ‖D - D*‖ < ε and E_z[‖J_θ g_θ(z)‖²] <= M², then
    ‖∇_θ E_z[log(1 - D(g_θ(z)))]‖ < M ε/(1 - ε)) and Corollary 2.1 (the limit is 0);
    Theorem 2.5 (E_z[-∇_θ log D*(g_θ(z))] at θ = θ_0 equals ∇_θ[KL(P_gθ ‖ P_r) -
    2 JSD(P_gθ ‖ P_r)] at θ_0, D* = P_r/(P_r + P_gθ0) held fixed); Section 3.1 (adding
    continuous noise to both distributions, Theorem 3.1 for the noisy densities).
Arjovsky, M., Chintala, S. & Bottou, L. (2017). Wasserstein GAN. Example 1 (the parallel
    lines P_0 = (0, Z), P_θ = (θ, Z), Z ~ U[0, 1]).
Berthelot, D., Schumm, T. & Metz, L. (2017). BEGAN: Boundary Equilibrium Generative
    Adversarial Networks. arXiv:1703.10717.  Section 3.3 (the equilibrium
    E[L(G(z))] = γ E[L(x)], γ ∈ [0, 1] the diversity ratio), Section 3.4 (the objective
    L_D = L(x) - k_t L(G(z_D)), L_G = L(G(z_G)) and the proportional controller
    k_{t+1} = k_t + λ_k(γ L(x) - L(G(z_G))) with k_t ∈ [0, 1], k_0 = 0, λ_k = 0.001),
    Section 3.4.1 (the convergence measure M_global = L(x) + |γ L(x) - L(G(z_G))|).

Divergences come from :mod:`theory.divergences`; the noiseless parallel-lines distances from
:func:`theory.divergences.parallel_lines`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.integrate import quad, quad_vec
from scipy.special import expit, log_softmax

from theory.docstrings import doc_params
from theory.validation import (
    as_float_array,
    broadcast_pair,
    check_int,
    check_nonnegative,
    check_positive,
    check_probability,
    check_unit_interval,
)

__all__ = [
    # Arjovsky & Bottou (2017)
    "vanishing_gradient_bound",
    "LogisticGeneratorGradients",
    "logistic_generator_gradients",
    "minus_log_d_gradient_categorical",
    "kl_minus_2jsd_gradient_categorical",
    "minus_log_d_gradient_gaussian",
    "kl_minus_2jsd_gradient_gaussian",
    "noisy_parallel_lines_js",
    # BEGAN (Berthelot et al. 2017)
    "began_controller_fixed_point",
    "began_controller_rate",
    "began_controller_simulate",
    "began_m_global",
]

_LOG2 = float(np.log(2.0))
#: scipy quadrature tolerances: absolute 1e-14 and relative 1e-12 of integrands of size O(1).
_QUAD_ABS = 1e-14
_QUAD_REL = 1e-12


def _softplus(x: Any) -> Any:
    return np.logaddexp(0.0, x)


def _scalar(x: np.ndarray) -> Any:
    return x[()] if x.ndim == 0 else x


# ======================================================= Theorem 2.4: vanishing gradients


def vanishing_gradient_bound(epsilon: Any, *, jacobian_bound: float = 1.0) -> Any:
    r"""Arjovsky & Bottou's bound on the saturating generator gradient: M ε/(1 - ε).

    .. math::

       \|D - D^*\| < \epsilon \ \text{ and } \ \mathbb{E}_z\big[\|J_\theta g_\theta(z)\|_2^2\big] \le M^2
       \quad \Longrightarrow \quad
       \big\|\nabla_\theta\, \mathbb{E}_z[\log(1 - D(g_\theta(z)))]\big\|_2 < \frac{M \epsilon}{1 - \epsilon} .

    Source: Arjovsky & Bottou (2017), Theorem 2.4 and Corollary 2.1.

    Parameters
    ----------
    epsilon : float or array_like
        ε >= 0, the distance of D from the perfect discriminator D*.
    jacobian_bound : float, default 1
        M >= 0.

    Returns
    -------
    bound : float or ndarray
        M ε/(1 - ε); +inf where ε >= 1 (the theorem needs ε < 1).

    Raises
    ------
    ValueError
        If ``epsilon`` is negative or non-finite, or ``jacobian_bound`` is negative.

    Notes
    -----
    The theorem's norm is ‖D‖ = sup_x |D(x)| + ‖∇_x D(x)‖₂; its proof uses only
    |D - D*| < ε and ‖∇D - ∇D*‖ < ε on the support of P_g, where D* = 0 and ∇D* = 0
    (Theorems 2.1-2.2): then |1 - D| > 1 - ε and ‖∇D‖ < ε in the chain rule.

    Examples
    --------
    >>> float(vanishing_gradient_bound(0.5, jacobian_bound=2.0))
    2.0
    """
    eps = as_float_array(epsilon, "epsilon")
    if np.any(eps < 0):
        raise ValueError(f"`epsilon` must be >= 0 (got minimum {eps.min():.6g})")
    m = check_nonnegative(jacobian_bound, "jacobian_bound")
    below = eps < 1
    out = np.full(eps.shape, np.inf)
    np.divide(m * eps, 1.0 - eps, out=out, where=below)
    return _scalar(out)


@dataclass(frozen=True)
class LogisticGeneratorGradients:
    """Generator gradients against a logistic discriminator on the line (see
    :func:`logistic_generator_gradients`).

    Source: Arjovsky & Bottou (2017), Theorem 2.4 (saturating cost) and Section 2.2.2 (the
    -log D alternative).

    Attributes
    ----------
    saturating : ndarray
        d/dθ E_z[log(1 - D(θ + z))], the gradient of the original (minimax) generator cost.
    non_saturating : ndarray
        d/dθ E_z[-log D(θ + z)].
    epsilon : ndarray
        sup over the generator's support [θ, θ + 1] of |D - D*| + |D' - D*'| with D* = 0 and
        D*' = 0 there (the perfect discriminator of Theorems 2.1-2.2).
    bound : ndarray
        ε/(1 - ε) (M = 1: J_θ g_θ(z) = 1), +inf where ε >= 1.
    """

    saturating: np.ndarray
    non_saturating: np.ndarray
    epsilon: np.ndarray
    bound: np.ndarray

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return {k: np.asarray(v).tolist() for k, v in dataclasses.asdict(self).items()}


def logistic_generator_gradients(theta: Any, *, w: Any, b: Any) -> LogisticGeneratorGradients:
    """Exact generator gradients for g_θ(z) = θ + z, z ~ U[0, 1], against D(x) = σ(w x + b).

    With u(x) = w x + b, u_lo = u(θ) and u_hi = u(θ + 1):

        d/dθ E_z[log(1 - D(θ + z))] = -∫_0^1 w σ(u) dz = softplus(u_lo) - softplus(u_hi),
        d/dθ E_z[-log D(θ + z)]     = -∫_0^1 w σ(-u) dz = softplus(-u_hi) - softplus(-u_lo).

    Source: Arjovsky & Bottou (2017), Theorem 2.4 (the bound checked here with M = 1) and
    Section 2.2.2 (the -log D cost).

    Parameters
    ----------
    theta : float or array_like
        Generator offset θ (its support is [θ, θ + 1]).
    w, b : float or array_like
        Discriminator slope and bias; all three broadcast.

    Returns
    -------
    LogisticGeneratorGradients
        Both gradients, the distance ε of D from the perfect discriminator on the generator's
        support, and the bound ε/(1 - ε) of Theorem 2.4.

    Raises
    ------
    ValueError
        If an input is non-finite or the shapes do not broadcast.

    Notes
    -----
    Put the data P_r anywhere disjoint from [θ, θ + 1] and let the discriminator train towards
    D*: with w → ±∞ and the decision boundary -b/w between the supports on the data's side,
    σ(u) and w σ(u)(1 - σ(u)) vanish on [θ, θ + 1], so ε → 0 and the saturating gradient → 0
    (Corollary 2.1), while the -log D gradient tends to -w.  ε is computed exactly: with
    s = σ(u), h = s + |w| s(1 - s) is a concave quadratic in s, maximal at
    s* = (1 + |w|)/(2|w|), and s is monotone on the interval, so sup h = h(clip(s*, s_lo, s_hi)).
    Pointwise |w| σ(u) <= (ε - s)/(1 - s) <= ε/(1 - ε), so |saturating| <= ε/(1 - ε).

    Examples
    --------
    A discriminator already sure that the generator is fake (σ(u) ≈ e^{-10} on its support):

    >>> g = logistic_generator_gradients(0.0, w=10.0, b=-20.0)
    >>> float(g.saturating)  # softplus(-20) - softplus(-10)
    -4.5397e-05
    >>> float(g.non_saturating)  # close to -w
    -9.99995
    >>> bool(abs(g.saturating) <= g.bound)
    True
    """
    th = as_float_array(theta, "theta")
    wa = as_float_array(w, "w")
    ba = as_float_array(b, "b")
    try:
        th, wa, ba = np.broadcast_arrays(th, wa, ba)
    except ValueError:
        raise ValueError(
            f"`theta`, `w` and `b` have shapes {th.shape}, {wa.shape} and {ba.shape}, "
            "which do not broadcast"
        ) from None
    u_lo = wa * th + ba
    u_hi = u_lo + wa
    sat = _softplus(u_lo) - _softplus(u_hi)
    non_sat = _softplus(-u_hi) - _softplus(-u_lo)
    s1, s2 = expit(u_lo), expit(u_hi)
    s_lo, s_hi = np.minimum(s1, s2), np.maximum(s1, s2)
    aw = np.abs(wa)
    with np.errstate(divide="ignore", over="ignore"):  # s* = +inf for |w| -> 0: clipped below
        s_star = 0.5 + 0.5 / aw
    s = np.clip(s_star, s_lo, s_hi)
    eps = s + aw * s * (1.0 - s)
    bound = np.asarray(vanishing_gradient_bound(eps))
    return LogisticGeneratorGradients(
        saturating=_scalar(sat), non_saturating=_scalar(non_sat),
        epsilon=_scalar(eps), bound=_scalar(bound),
    )


# ======================================================= Theorem 2.5: the -log D gradient


def _softmax_inputs(logits: Any, p_r: Any) -> tuple[np.ndarray, np.ndarray]:
    th = as_float_array(logits, "logits")
    if th.ndim == 0:
        raise ValueError("`logits` must be at least 1-D (one logit per category), got a scalar")
    r = check_probability(p_r, "p_r")
    th, r = broadcast_pair(th, r, ("logits", "p_r"))
    if np.any(r <= 0):
        raise ValueError(
            "`p_r` must be positive on every atom: the softmax generator puts mass on every "
            "atom, so KL(P_g ‖ P_r) = inf and D* = 0 where p_r = 0 (Theorem 2.5 needs both finite)"
        )
    return th, r


def _softmax_gradient(log_p: np.ndarray, c: np.ndarray) -> np.ndarray:
    """∇_θ Σ_i P_θ(i) c_i for P_θ = softmax(θ): P ⊙ (c - P·c)."""
    p = np.exp(log_p)
    return p * (c - np.sum(p * c, axis=-1, keepdims=True))


def minus_log_d_gradient_categorical(logits: Any, p_r: Any) -> np.ndarray:
    """E_x~P_θ[-∇_θ log D*(x)] for a softmax generator, with D* = P_r/(P_r + P_θ0) held fixed.

    ∇_θ Σ_i P_θ(i) c_i |_{θ=θ0} = P ⊙ (c - P·c),  c_i = -log D*_i = log(1 + P_θ0(i)/P_r(i)),
    P = softmax(θ0).

    Source: Arjovsky & Bottou (2017), Theorem 2.5 (left-hand side), for a categorical
    generator: the expectation over z becomes a sum over the atoms, differentiated through
    the probabilities.

    Parameters
    ----------
    logits : array_like, shape (..., K)
        θ0, the generator's softmax logits.
    p_r : array_like, shape (..., K)
        The data distribution, positive on every atom; broadcasts with ``logits``.

    Returns
    -------
    grad : ndarray, shape (..., K)
        The gradient with respect to the logits (it sums to 0 along the last axis).

    Raises
    ------
    ValueError
        If ``p_r`` is not a probability vector or has a zero atom, or the shapes mismatch.

    Notes
    -----
    Computed from log-probabilities (``log_softmax``, ``logaddexp``), so logits of size 1e3
    give finite results with no warnings.

    Examples
    --------
    At P_θ = P_r the gradient vanishes (KL - 2 JSD is stationary there):

    >>> minus_log_d_gradient_categorical(np.log([0.2, 0.8]), [0.2, 0.8])
    array([0., 0.])
    """
    th, r = _softmax_inputs(logits, p_r)
    log_p = log_softmax(th, axis=-1)
    log_r = np.log(r)
    c = np.logaddexp(log_p, log_r) - log_r
    return _softmax_gradient(log_p, c)


def kl_minus_2jsd_gradient_categorical(logits: Any, p_r: Any) -> np.ndarray:
    """∇_θ [KL(P_θ ‖ P_r) - 2 JSD(P_θ ‖ P_r)] for a softmax generator P_θ = softmax(θ).

    ∇ KL = P ⊙ (ℓ - P·ℓ), ℓ = log(P/P_r);  ∇ 2 JSD = P ⊙ (m - P·m), m = log(2P/(P + P_r))
    (the terms from differentiating inside the logarithms sum to 0).

    Source: Arjovsky & Bottou (2017), Theorem 2.5 (right-hand side).

    Parameters
    ----------
    logits : array_like, shape (..., K)
        θ, the softmax logits.
    p_r : array_like, shape (..., K)
        The data distribution, positive on every atom.

    Returns
    -------
    grad : ndarray, shape (..., K)

    Raises
    ------
    ValueError
        If ``p_r`` is not a probability vector or has a zero atom, or the shapes mismatch.

    Examples
    --------
    >>> g = kl_minus_2jsd_gradient_categorical([0.0, 1.0, -1.0], [0.5, 0.25, 0.25])
    >>> bool(np.allclose(g, minus_log_d_gradient_categorical([0.0, 1.0, -1.0],
    ...                                                     [0.5, 0.25, 0.25])))
    True
    """
    th, r = _softmax_inputs(logits, p_r)
    log_p = log_softmax(th, axis=-1)
    log_r = np.log(r)
    grad_kl = _softmax_gradient(log_p, log_p - log_r)
    grad_2jsd = _softmax_gradient(log_p, _LOG2 + log_p - np.logaddexp(log_p, log_r))
    return grad_kl - grad_2jsd


#: Descriptions shared by the two Gaussian gradients' docstrings (Theorem 2.5's sides), filled
#: in at import by :func:`theory.docstrings.doc_params`.
_DOC = {
    "gaussians": "sigma : float\n        Its standard deviation σ > 0.\n"
                 "    mu_r, sigma_r : float\n        Mean and standard deviation (> 0) of P_r.",
    "raises_gaussian": "ValueError\n        If an argument is non-finite or a standard deviation is not positive.",
}
_doc = doc_params(_DOC)


def _gaussian_args(theta, sigma, mu_r, sigma_r) -> tuple[float, float, float, float]:
    for name, v in (("theta", theta), ("mu_r", mu_r)):
        if isinstance(v, bool) or not np.isscalar(v) or not np.isfinite(v):
            raise ValueError(f"`{name}` must be a finite real number (got {v!r})")
    return (float(theta), check_positive(sigma, "sigma"), float(mu_r),
            check_positive(sigma_r, "sigma_r"))


def _normal_expectation(fun, theta: float, sigma: float, mu_r: float) -> float:
    """E[fun(Z)], Z ~ N(0, 1), by adaptive quadrature on (-inf, split] and [split, inf), with
    the split where the generator's sample θ + σz reaches the real mean μ_r (clipped to ±30):
    the integrands of Theorem 2.5's two sides turn there."""
    split = float(np.clip((mu_r - theta) / sigma, -30.0, 30.0))

    def integrand(z):
        return np.exp(-0.5 * z * z) * fun(z) / np.sqrt(2.0 * np.pi)
    kw = dict(epsabs=_QUAD_ABS, epsrel=_QUAD_REL, limit=500)
    return quad(integrand, -np.inf, split, **kw)[0] + quad(integrand, split, np.inf, **kw)[0]


def _log_ratio(theta, sigma, mu_r, sigma_r):
    """u(x) = log p_θ(x) - log p_r(x) and u'(x) for the two Gaussians."""
    def u(x):
        return (-0.5 * ((x - theta) / sigma) ** 2 + 0.5 * ((x - mu_r) / sigma_r) ** 2
                - np.log(sigma / sigma_r))

    def du(x):
        return -(x - theta) / sigma**2 + (x - mu_r) / sigma_r**2
    return u, du


@_doc
def minus_log_d_gradient_gaussian(
    theta: float, *, sigma: float, mu_r: float, sigma_r: float
) -> float:
    """E_z[-d/dθ log D*(θ + σz)] for P_θ = N(θ, σ²) against P_r = N(μ_r, σ_r²), D* fixed at θ.

    -log D*(x) = softplus(u(x)) with u = log p_θ0 - log p_r, so the pathwise gradient is
    E_z[σ(u(x)) u'(x)] at x = θ + σz, computed by adaptive quadrature (``scipy.integrate.quad``,
    absolute 1e-14, relative 1e-12).

    Source: Arjovsky & Bottou (2017), Theorem 2.5 (left-hand side), with g_θ(z) = θ + σz.

    Parameters
    ----------
    theta : float
        The generator's mean θ (= θ0, where D* is built).
    %(gaussians)s

    Returns
    -------
    grad : float
        The left-hand side of Theorem 2.5 at θ (nats per unit of θ).

    Raises
    ------
    %(raises_gaussian)s

    Examples
    --------
    >>> minus_log_d_gradient_gaussian(1.0, sigma=1.0, mu_r=1.0, sigma_r=1.0)
    0.0
    """
    th, s, mr, sr = _gaussian_args(theta, sigma, mu_r, sigma_r)
    u, du = _log_ratio(th, s, mr, sr)

    def fun(z):
        x = th + s * z
        return expit(u(x)) * du(x)
    return float(_normal_expectation(fun, th, s, mr))


@_doc
def kl_minus_2jsd_gradient_gaussian(
    theta: float, *, sigma: float, mu_r: float, sigma_r: float
) -> float:
    """d/dθ [KL(N(θ, σ²) ‖ N(μ_r, σ_r²)) - 2 JSD(N(θ, σ²) ‖ N(μ_r, σ_r²))].

    d KL/dθ = (θ - μ_r)/σ_r² (closed form); d 2JSD/dθ = ∫ ∂_θ p_θ log(2p_θ/(p_θ + p_r)) dx
    = -E_z[(z/σ) softplus(-u(θ + σz))] (score-function form, u = log p_θ - log p_r), by
    adaptive quadrature (absolute 1e-14, relative 1e-12).

    Source: Arjovsky & Bottou (2017), Theorem 2.5 (right-hand side).

    Parameters
    ----------
    theta : float
        The generator's mean θ.
    %(gaussians)s

    Returns
    -------
    grad : float
        The right-hand side of Theorem 2.5 at θ (nats per unit of θ).

    Raises
    ------
    %(raises_gaussian)s

    Notes
    -----
    The two routes are different integrals: the left-hand side differentiates the sample
    x = θ + σz inside D* (pathwise), this one differentiates the density (score function)
    and takes KL's derivative in closed form; they agree by integration by parts, which is
    Theorem 2.5's proof.

    Examples
    --------
    Theorem 2.5: it equals :func:`minus_log_d_gradient_gaussian` (to the quadratures' 1e-12),
    and vanishes at θ = μ_r, σ = σ_r:

    >>> rhs = kl_minus_2jsd_gradient_gaussian(0.0, sigma=1.0, mu_r=1.0, sigma_r=2.0)
    >>> lhs = minus_log_d_gradient_gaussian(0.0, sigma=1.0, mu_r=1.0, sigma_r=2.0)
    >>> bool(abs(rhs - lhs) < 1e-10 and rhs != 0.0)
    True
    >>> kl_minus_2jsd_gradient_gaussian(1.0, sigma=1.0, mu_r=1.0, sigma_r=1.0)
    0.0
    """
    th, s, mr, sr = _gaussian_args(theta, sigma, mu_r, sigma_r)
    u, _ = _log_ratio(th, s, mr, sr)

    def fun(z):
        return (z / s) * _softplus(-u(th + s * z))
    jsd_term = _normal_expectation(fun, th, s, mr)
    return float((th - mr) / sr**2 + jsd_term)


# ======================================================= instance noise (Section 3.1)


def _logcosh(x: np.ndarray) -> np.ndarray:
    ax = np.abs(x)
    small = ax <= 1.0
    out = np.empty_like(ax)
    out[small] = np.log1p(2.0 * np.sinh(0.5 * ax[small]) ** 2)  # cosh x - 1 = 2 sinh²(x/2)
    big = ax[~small]
    out[~small] = big + np.log1p(np.exp(-2.0 * big)) - _LOG2
    return out


def noisy_parallel_lines_js(theta: Any, *, sigma: float) -> Any:
    """JSD between Arjovsky's parallel lines after adding N(0, σ² I) noise to both.

    With the noise, P_0 + ε and P_θ + ε have densities φ_σ(x) h(y) and φ_σ(x - θ) h(y) with
    the same vertical factor h = U[0, 1] * N(0, σ²), which cancels in every density ratio, so

        JSD = JSD(N(0, σ²) ‖ N(θ, σ²)) = log 2 - E_Z[softplus(d Z - d²/2)],   d = |θ|/σ,

    continuous in θ with JSD <= d²/4 and JSD ≈ d²/8 as θ → 0, whereas without noise the JSD
    jumps from 0 to log 2 (:func:`theory.divergences.parallel_lines`).

    Source: Arjovsky & Bottou (2017), Section 3.1 (noise added to both distributions,
    Theorem 3.1); Arjovsky, Chintala & Bottou (2017), Example 1 (the parallel lines).

    Parameters
    ----------
    theta : float or array_like
        Horizontal offsets θ.
    sigma : float
        Noise standard deviation σ > 0.

    Returns
    -------
    jsd : float or ndarray
        In nats, in [0, log 2), shape of ``theta``.

    Raises
    ------
    ValueError
        If ``theta`` is non-finite or ``sigma`` <= 0.

    Notes
    -----
    Computed by adaptive quadrature over Z (``scipy.integrate.quad_vec``).  For d < 2 the
    symmetric form JSD = d²/4 - E[log cosh((d²/2 + dZ)/2)] is integrated, rescaled by d²/8,
    so small offsets keep their relative precision; for d >= 2 the form above; for
    d < 10⁻³ the series d²/8 - d⁴/64 (its coefficients read off 40-digit quadratures).  The bound
    JSD <= d²/4 follows from KL(P ‖ (P+Q)/2) <= KL(P ‖ Q)/2 (convexity) and
    KL = d²/2 for two Gaussians with equal variances.

    Examples
    --------
    >>> float(noisy_parallel_lines_js(0.0, sigma=0.1))
    0.0
    >>> round(float(noisy_parallel_lines_js(1e-3, sigma=1.0)) / (1e-6 / 8), 6)  # ≈ d²/8
    1.0
    """
    th = as_float_array(theta, "theta")
    s = check_positive(sigma, "sigma")
    d = np.abs(th) / s
    out = np.zeros(d.shape)
    kw = dict(epsabs=_QUAD_ABS, epsrel=_QUAD_REL, limit=500)
    tiny = d < 1e-3
    # JSD = d²/8 - d⁴/64 + O(d⁶) (the d⁶ term is below 1e-14 relative here)
    out[tiny] = d[tiny] ** 2 / 8.0 - d[tiny] ** 4 / 64.0
    small = (d >= 1e-3) & (d < 2.0)
    if np.any(small):
        ds = d[small]

        def ratio(z):  # E[log cosh((d²/2 + d z)/2)] / (d²/8)
            return (np.exp(-0.5 * z * z) / np.sqrt(2.0 * np.pi)
                    * _logcosh(0.5 * ds * (0.5 * ds + z)) / (ds * ds / 8.0))
        r = quad_vec(ratio, -np.inf, np.inf, **kw)[0]
        out[small] = ds * ds / 8.0 * (2.0 - r)
    large = d >= 2.0
    if np.any(large):
        dl = d[large]

        def soft(z):
            return np.exp(-0.5 * z * z) / np.sqrt(2.0 * np.pi) * _softplus(dl * z - 0.5 * dl * dl)
        out[large] = _LOG2 - quad_vec(soft, -np.inf, np.inf, **kw)[0]
    np.clip(out, 0.0, _LOG2, out=out)
    return _scalar(out)


# ======================================================= BEGAN's controller


def _began_args(gamma, l_real, a, b):
    g = check_unit_interval(gamma, "gamma")
    lx = check_nonnegative(l_real, "l_real")
    a_ = check_nonnegative(a, "a")
    if isinstance(b, bool) or not np.isscalar(b) or not np.isfinite(b):
        raise ValueError(f"`b` must be a finite real number (got {b!r})")
    b_ = float(b)
    if a_ + b_ < 0:
        raise ValueError(
            f"`a + b` must be >= 0: L(G(z)) = a + b k is a loss, >= 0 at k = 1 (got {a_ + b_!r})"
        )
    return g, lx, a_, b_


def began_controller_fixed_point(*, gamma: float, l_real: float, a: float, b: float) -> float:
    """Fixed point of BEGAN's clipped k_t controller when L(G(z)) = a + b k, L(x) = const.

    The controller k ↦ clip(k + λ_k(γ L(x) - (a + b k)), 0, 1) is at rest where the
    equilibrium γ L(x) = L(G(z)) holds, k_int = (γ L(x) - a)/b, if that lies in [0, 1];
    otherwise at the boundary the drift pushes it against: k* = clip(k_int, 0, 1).

    Source: Berthelot, Schumm & Metz (2017), Section 3.3 (equilibrium E[L(G(z))] = γ E[L(x)])
    and Section 3.4 (the proportional controller, k_t ∈ [0, 1]).

    Parameters
    ----------
    gamma : float
        Diversity ratio γ ∈ [0, 1].
    l_real : float
        L(x) >= 0, the autoencoder loss on real data (held constant in this toy).
    a, b : float
        L(G(z)) = a + b k: the loss on generated data as the discriminator's response to the
        weight k; a >= 0 and a + b >= 0 (a loss), and b > 0 (see Notes).

    Returns
    -------
    k_star : float
        In [0, 1].

    Raises
    ------
    ValueError
        If ``gamma`` is outside [0, 1], a loss is negative, or ``b`` <= 0.

    Notes
    -----
    b > 0 is the feedback BEGAN relies on: a larger k makes the discriminator push the loss on
    generated samples up, so the balance γ L(x) - L(G(z)) falls as k rises and the fixed point
    is unique.  For b < 0 the interior point, if in [0, 1], is repelling and both ends attract
    (when their drift points outwards); for b = 0 the drift is constant and k runs to an end
    (or every k is fixed).  :func:`began_controller_simulate` runs any b.

    Examples
    --------
    >>> began_controller_fixed_point(gamma=0.5, l_real=0.2, a=0.05, b=0.1)  # (0.1 - 0.05)/0.1
    0.5
    >>> began_controller_fixed_point(gamma=0.5, l_real=0.2, a=0.3, b=0.1)   # interior < 0
    0.0
    """
    g, lx, a_, b_ = _began_args(gamma, l_real, a, b)
    if not b_ > 0:
        raise ValueError(
            f"`b` must be > 0 (got {b!r}): with b <= 0 the controller has no negative feedback "
            "and its fixed point is not unique; use began_controller_simulate"
        )
    return float(np.clip((g * lx - a_) / b_, 0.0, 1.0))


def began_controller_rate(*, lr_k: float, b: float) -> float:
    """Linearized rate of BEGAN's controller at an interior fixed point: 1 - λ_k b.

    Without clipping, k_{t+1} - k* = (1 - λ_k b)(k_t - k*) exactly (the toy is affine), so the
    error shrinks geometrically iff |1 - λ_k b| < 1, i.e. 0 < λ_k b < 2; it alternates in sign
    for λ_k b > 1 and grows (oscillating, until the clip at 0 or 1) for λ_k b > 2.

    Source: Berthelot, Schumm & Metz (2017), Section 3.4 (λ_k, "the proportional gain for k";
    0.001 in their experiments).

    Parameters
    ----------
    lr_k : float
        λ_k > 0, the controller's gain (its learning rate).
    b : float
        Slope of L(G(z)) = a + b k in k.

    Returns
    -------
    rate : float

    Raises
    ------
    ValueError
        If ``lr_k`` <= 0 or ``b`` is non-finite.

    Notes
    -----
    At a fixed point on the boundary whose interior solution lies strictly outside [0, 1] the
    clipped map is locally constant (rate 0): k reaches the end in finitely many steps.

    Examples
    --------
    >>> began_controller_rate(lr_k=0.001, b=0.1)
    0.9999
    """
    lam = check_positive(lr_k, "lr_k")
    if isinstance(b, bool) or not np.isscalar(b) or not np.isfinite(b):
        raise ValueError(f"`b` must be a finite real number (got {b!r})")
    return float(1.0 - lam * float(b))


def began_controller_simulate(
    k0: float, *, gamma: float, l_real: float, a: float, b: float, lr_k: float, n_steps: int
) -> np.ndarray:
    """Run BEGAN's controller k_{t+1} = clip(k_t + λ_k(γ L(x) - L(G(z))), 0, 1) on the toy.

    L(x) = l_real and L(G(z)) = a + b k_t at each step (the losses as known functions of k).

    Source: Berthelot, Schumm & Metz (2017), Section 3.4 (the k_t update, k_t ∈ [0, 1]; the
    clip is how k_t is kept in [0, 1], as in the authors' and common implementations).

    Parameters
    ----------
    k0 : float
        k_0 ∈ [0, 1] (the paper starts at 0).
    gamma, l_real, a, b : float
        As in :func:`began_controller_fixed_point` (here any finite b).
    lr_k : float
        λ_k > 0.
    n_steps : int
        Number of updates (>= 0).

    Returns
    -------
    k : ndarray, shape (n_steps + 1,)
        k_0, ..., k_{n_steps}.

    Raises
    ------
    ValueError
        If an argument is out of its range.

    Examples
    --------
    >>> began_controller_simulate(0.0, gamma=0.5, l_real=0.2, a=0.05, b=0.1, lr_k=5.0,
    ...                           n_steps=3)  # rate 1 - 0.5 = 0.5 towards k* = 0.5
    array([0.    , 0.25  , 0.375 , 0.4375])
    """
    g, lx, a_, b_ = _began_args(gamma, l_real, a, b)
    lam = check_positive(lr_k, "lr_k")
    k = check_unit_interval(k0, "k0")
    n = check_int(n_steps, "n_steps", minimum=0)
    out = np.empty(n + 1)
    out[0] = k
    for t in range(n):  # sequential by nature
        k = min(1.0, max(0.0, k + lam * (g * lx - (a_ + b_ * k))))
        out[t + 1] = k
    return out


def began_m_global(l_real: Any, l_fake: Any, *, gamma: float) -> Any:
    """BEGAN's convergence measure M_global = L(x) + |γ L(x) - L(G(z_G))|.

    Source: Berthelot, Schumm & Metz (2017), Section 3.4.1 (convergence measure).

    Parameters
    ----------
    l_real : float or array_like
        L(x), autoencoder losses on real data (>= 0).
    l_fake : float or array_like
        L(G(z_G)), losses on generated data (>= 0); broadcasts with ``l_real``.
    gamma : float
        γ ∈ [0, 1].

    Returns
    -------
    m_global : float or ndarray
        >= L(x), with equality exactly at the equilibrium L(G(z)) = γ L(x).

    Raises
    ------
    ValueError
        If a loss is negative or non-finite, ``gamma`` is outside [0, 1], or the shapes do
        not broadcast.

    Examples
    --------
    >>> float(began_m_global(0.2, 0.1, gamma=0.5))  # at equilibrium: L(x)
    0.2
    >>> float(began_m_global(0.2, 0.3, gamma=0.5))
    0.4
    """
    g = check_unit_interval(gamma, "gamma")
    lx = as_float_array(l_real, "l_real")
    lf = as_float_array(l_fake, "l_fake")
    for name, arr in (("l_real", lx), ("l_fake", lf)):
        if np.any(arr < 0):
            raise ValueError(f"`{name}` must be >= 0 (a loss; got minimum {arr.min():.6g})")
    try:
        lx, lf = np.broadcast_arrays(lx, lf)
    except ValueError:
        raise ValueError(
            f"`l_real` and `l_fake` have shapes {lx.shape} and {lf.shape}, which do not broadcast"
        ) from None
    return _scalar(np.asarray(lx + np.abs(g * lx - lf)))
