"""The variational auto-encoder's objective on the linear-Gaussian model, in closed form.

Papers
------
Kingma, D. P. & Welling, M. (2014). Auto-Encoding Variational Bayes. ICLR; arXiv:1312.6114.
    Eq. (1) (log p(x) = KL(q ‖ p(z|x)) + L), eqs. (2)-(3) (the lower bound L), Section 2.2
    (the "naive" score-function gradient estimator), eqs. (6)-(7) (the SGVB estimators A and
    B), Section 2.4 (the reparameterization z = μ + σ ε), eq. (10) and Appendix B (the
    Gaussian KL term -KL(q ‖ N(0, I)) = ½ Σ_j (1 + log σ_j² - μ_j² - σ_j²)).
Tipping, M. E. & Bishop, C. M. (1999). Probabilistic principal component analysis. J. R.
    Stat. Soc. B 61(3), 611-622.  Section 3.2: the maximum-likelihood W and σ².
Roweis, S. (1998). EM algorithms for PCA and SPCA. NeurIPS (cited by Kingma & Welling,
    Section 4, for the linear-Gaussian model whose ML solution is PCA).

The model
---------
z ~ N(0, I_k),  x | z ~ N(W z + b, σ² I_d), so x ~ N(b, C) with C = W Wᵀ + σ² I_d and the
posterior is p(z | x) = N(A⁻¹ Wᵀ (x - b) / σ², A⁻¹) with precision A = I_k + Wᵀ W / σ².
Everything is computed through k x k matrices (K = σ² I_k + Wᵀ W = σ² A), never through the
d x d covariance C.  Shapes: x (..., d), W (..., d, k), b (..., d), σ a positive scalar or
array of shape (...); leading axes are batch axes and broadcast.  Logarithms are natural
(nats).

Gradient estimators
-------------------
For a diagonal Gaussian q = N(μ, diag(s²)) (Kingma & Welling, eq. (9)) and z = μ + s ⊙ ε,
ε ~ N(0, I_k), two one-sample estimators of ∇_{μ, s} L are compared, each for the two forms
of the bound:

- ``kl="sampled"``: the integrand of eq. (2), f(z) = log p(x, z) - log q(z) (estimator A, eq. (6));
- ``kl="analytic"``: f(z) = log p(x | z) with the KL of eq. (3) differentiated exactly
  (estimator B, eq. (7) and eq. (10), the VAE's choice).

The reparameterized (pathwise) estimator differentiates f(μ + s ⊙ ε) at fixed ε; the score
function estimator is f(z) ∇ log q(z) (Section 2.2).  Both are unbiased; their exact
variances (:func:`reparameterized_gradient_variance`, :func:`score_function_gradient_variance`)
follow from Gaussian integration by parts, E[g(ε) He_n(ε_i)] = E[∂ⁿ g / ∂ε_iⁿ] (Stein's
lemma; He_n the probabilists' Hermite polynomials), because every f here is a quadratic
polynomial in ε.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from theory.docstrings import doc_params
from theory.validation import as_float_array, check_in, check_int, scalar_or_array

__all__ = [
    "linear_gaussian_log_marginal",
    "linear_gaussian_posterior",
    "linear_gaussian_elbo",
    "gaussian_kl",
    "linear_gaussian_elbo_gradient",
    "reparameterized_gradient_variance",
    "score_function_gradient_variance",
    "PPCAResult",
    "ppca_mle",
    "KL_FORMS",
]

#: The two forms of the bound whose gradient is estimated: the integrand of eq. (2) sampled
#: whole ("sampled", SGVB estimator A, eq. (6)) or the KL of eq. (3) computed exactly
#: ("analytic", SGVB estimator B, eq. (7), the VAE's eq. (10)).
KL_FORMS = ("analytic", "sampled")

_LOG_2PI = float(np.log(2.0 * np.pi))

#: A covariance matrix counts as symmetric when |S - Sᵀ| <= this times max |S| (entrywise):
#: far above the rounding of S = L Lᵀ built in float64, far below any real asymmetry.
_SYMMETRY_RTOL = 1e-10

#: Parameter descriptions shared by the docstrings below, filled in at import by
#: :func:`theory.docstrings.doc_params` (``%(name)s``): the model and q are described once.
_DOC = {
    "model": "x : array_like, shape (..., d)\n        Observation(s).\n"
             "    W : array_like, shape (..., d, k)\n        Loading matrix (any k >= 1, also k > d).\n"
             "    b : array_like, shape (..., d)\n        Offset (the mean of x).\n"
             "    sigma : float or array_like, shape (...)\n        Observation noise standard deviation, > 0.",
    "q_diag": "q_mean, q_std : array_like, shape (..., k)\n        μ and s of q = N(μ, diag(s²)), s > 0.",
    "raises_kl": "ValueError\n        Invalid arrays (named) or an unknown ``kl``.",
}
_doc = doc_params(_DOC)


# ----------------------------------------------------------------------------- validation
def _swap(a: np.ndarray) -> np.ndarray:
    return np.swapaxes(a, -1, -2)


def _mv(M: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Batched matrix-vector product M v (leading axes broadcast)."""
    return (M @ v[..., None])[..., 0]


def _batch_shape(names: tuple[str, ...], shapes: tuple[tuple[int, ...], ...]) -> tuple[int, ...]:
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        listed = ", ".join(f"`{n}` {s}" for n, s in zip(names, shapes))
        raise ValueError(f"the batch (leading) axes do not broadcast: {listed}") from None


@_doc
def check_linear_gaussian(x: Any, W: Any, b: Any, sigma: Any):
    """Validate the linear-Gaussian model's arrays; return them as float arrays.

    Parameters
    ----------
    %(model)s

    Returns
    -------
    x, W, b, sigma : ndarray
        Float64 arrays (``sigma`` at least 0-D).
    batch : tuple of int
        The broadcast batch shape of the four inputs.

    Raises
    ------
    ValueError
        Wrong number of axes, d of ``x`` or ``b`` different from the rows of ``W``, batch axes
        that do not broadcast, ``sigma`` <= 0, empty or non-finite arrays (each named).
    TypeError
        Non-numeric input.
    """
    x = as_float_array(x, "x")
    W = as_float_array(W, "W")
    b = as_float_array(b, "b")
    sigma = as_float_array(sigma, "sigma")
    if W.ndim < 2:
        raise ValueError(f"`W` must have shape (..., d, k) (got shape {W.shape})")
    d = W.shape[-2]
    for name, arr in (("x", x), ("b", b)):
        if arr.ndim < 1 or arr.shape[-1] != d:
            raise ValueError(f"`{name}` must have shape (..., d) with d = {d}, the rows of `W` "
                             f"(got `{name}` shape {arr.shape}, `W` shape {W.shape})")
    if np.any(sigma <= 0):
        raise ValueError(f"`sigma` must be > 0 (got minimum {sigma.min():.6g})")
    batch = _batch_shape(("x", "W", "b", "sigma"), (x.shape[:-1], W.shape[:-2], b.shape[:-1], sigma.shape))
    return x, W, b, sigma, batch


def _check_covariance(S: Any, name: str, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``S`` as a float array of symmetric positive definite (k, k) matrices, and its Cholesky factor."""
    S = as_float_array(S, name)
    if S.ndim < 2 or S.shape[-2:] != (k, k):
        raise ValueError(f"`{name}` must have shape (..., {k}, {k}) (got shape {S.shape})")
    scale = np.max(np.abs(S), axis=(-2, -1), keepdims=True)
    if np.any(np.abs(S - _swap(S)) > _SYMMETRY_RTOL * scale):
        raise ValueError(f"`{name}` must be symmetric (max |S - Sᵀ| = {np.max(np.abs(S - _swap(S))):.3g})")
    try:
        L = np.linalg.cholesky(S)
    except np.linalg.LinAlgError:
        raise ValueError(f"`{name}` must be positive definite (a Cholesky factorization failed)") from None
    return S, L


def _check_vector(v: Any, name: str, k: int) -> np.ndarray:
    v = as_float_array(v, name)
    if v.ndim < 1 or v.shape[-1] != k:
        raise ValueError(f"`{name}` must have shape (..., {k}) (got shape {v.shape})")
    return v


def check_diagonal_gaussian(q_mean: Any, q_std: Any, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Validate a diagonal Gaussian q = N(q_mean, diag(q_std²)) on R^k.

    Parameters
    ----------
    q_mean, q_std : array_like, shape (..., k)
        Means and standard deviations (> 0).
    k : int
        The latent dimension (columns of ``W``).

    Returns
    -------
    q_mean, q_std : ndarray

    Raises
    ------
    ValueError
        Wrong last axis, non-positive ``q_std``, non-finite values (named).
    """
    q_mean = _check_vector(q_mean, "q_mean", k)
    q_std = _check_vector(q_std, "q_std", k)
    if np.any(q_std <= 0):
        raise ValueError(f"`q_std` must be > 0 (got minimum {q_std.min():.6g})")
    return q_mean, q_std


def _posterior_parts(x, W, b, sigma):
    """K = σ² I + WᵀW, its Cholesky factor, the posterior mean, y = x - b and σ² (shape (..., 1))."""
    k = W.shape[-1]
    s2 = (sigma ** 2)[..., None]
    y = x - b
    Wt = _swap(W)
    K = Wt @ W + s2[..., None] * np.eye(k)
    L = np.linalg.cholesky(K)
    mean = np.linalg.solve(K, (Wt @ y[..., None]))[..., 0]
    return K, L, mean, y, s2


def _expected_log_likelihood(y, W, s2, q_mean, WSWt_trace):
    """E_q[log p(x | z)] = -d/2 log(2πσ²) - (|y - W μ|² + tr(W S Wᵀ)) / (2σ²)."""
    d = W.shape[-2]
    r = y - _mv(W, q_mean)
    return -0.5 * d * (_LOG_2PI + np.log(s2[..., 0])) - 0.5 * (np.sum(r * r, axis=-1) + WSWt_trace) / s2[..., 0]



# ----------------------------------------------------------------------------- closed forms
@_doc
def linear_gaussian_log_marginal(x: Any, W: Any, b: Any, sigma: Any) -> Any:
    """Log marginal likelihood log p(x) of the linear-Gaussian latent-variable model.

    x ~ N(b, W Wᵀ + σ² I_d), so with y = x - b, K = σ² I_k + Wᵀ W and the posterior mean
    m = K⁻¹ Wᵀ y (matrix determinant lemma and Woodbury, through k x k matrices only):

        log p(x) = -½ [d log 2π + (d - k) log σ² + log det K + |y - W m|²/σ² + |m|²].

    Source: Tipping & Bishop (1999), Section 3 (the model x ~ N(μ, W Wᵀ + σ² I)); the
    generative model p(z) p(x | z) of Kingma & Welling (2014), Section 2.1 and eq. (1).

    Parameters
    ----------
    %(model)s

    Returns
    -------
    log_p : float or ndarray, shape (...)
        In nats.

    Raises
    ------
    ValueError
        Shapes that do not match (d of ``x``/``b`` vs the rows of ``W``) or broadcast,
        ``sigma`` <= 0, empty or non-finite input (each named).

    Notes
    -----
    The quadratic form yᵀ C⁻¹ y is evaluated as min_z |y - W z|²/σ² + |z|² (attained at the
    posterior mean), a sum of non-negative terms that keeps its precision for small σ.

    Examples
    --------
    With W = 0, x ~ N(b, σ²): log N(0; 0, 1) = -½ log 2π.

    >>> float(linear_gaussian_log_marginal([0.0], [[0.0]], [0.0], 1.0))
    -0.9189385332046727
    """
    x, W, b, sigma, _ = check_linear_gaussian(x, W, b, sigma)
    d, k = W.shape[-2:]
    _, L, mean, y, s2 = _posterior_parts(x, W, b, sigma)
    logdet_K = 2.0 * np.sum(np.log(np.diagonal(L, axis1=-2, axis2=-1)), axis=-1)
    r = y - _mv(W, mean)
    quad = np.sum(r * r, axis=-1) / s2[..., 0] + np.sum(mean * mean, axis=-1)
    out = -0.5 * (d * _LOG_2PI + (d - k) * np.log(s2[..., 0]) + logdet_K + quad)
    return scalar_or_array(np.asarray(out))


@_doc
def linear_gaussian_posterior(x: Any, W: Any, b: Any, sigma: Any) -> tuple[np.ndarray, np.ndarray]:
    """Exact posterior p(z | x) = N(mean, cov) of the linear-Gaussian model.

    cov = (I_k + Wᵀ W / σ²)⁻¹ = σ² K⁻¹,  mean = K⁻¹ Wᵀ (x - b),  K = σ² I_k + Wᵀ W.

    Source: Tipping & Bishop (1999), Section 3.2 (the posterior N(M⁻¹ Wᵀ (t - μ), σ² M⁻¹) with
    M = Wᵀ W + σ² I); Bayes' rule for the model of Kingma & Welling (2014), Section 2.1.

    Parameters
    ----------
    %(model)s

    Returns
    -------
    mean : ndarray, shape (..., k)
    cov : ndarray, shape (..., k, k)
        Symmetric positive definite.

    Raises
    ------
    ValueError
        As :func:`linear_gaussian_log_marginal`.

    Examples
    --------
    One latent, W = 1, σ = 1, x = 2: mean = 2/(1 + 1) = 1, variance = 1/(1 + 1) = 1/2.

    >>> mean, cov = linear_gaussian_posterior([2.0], [[1.0]], [0.0], 1.0)
    >>> mean, cov
    (array([1.]), array([[0.5]]))
    """
    x, W, b, sigma, batch = check_linear_gaussian(x, W, b, sigma)
    k = W.shape[-1]
    K, _, mean, _, s2 = _posterior_parts(x, W, b, sigma)
    cov = s2[..., None] * np.linalg.inv(K)
    cov = 0.5 * (cov + _swap(cov))
    mean = np.broadcast_to(mean, batch + (k,)).copy()
    cov = np.broadcast_to(cov, batch + (k, k)).copy()
    return mean, cov


def gaussian_kl(q_mean: Any, q_cov: Any, p_mean: Any = None, p_cov: Any = None) -> Any:
    """KL(q ‖ p) between multivariate Gaussians q = N(q_mean, q_cov), p = N(p_mean, p_cov).

    KL = ½ [tr(Σ_p⁻¹ Σ_q) + (μ_p - μ_q)ᵀ Σ_p⁻¹ (μ_p - μ_q) - k + log det Σ_p - log det Σ_q].
    With p = N(0, I) (the default) and Σ_q = diag(σ²) this is Kingma & Welling's Appendix B:
    -KL = ½ Σ_j (1 + log σ_j² - μ_j² - σ_j²).

    Source: Kingma & Welling (2014), Appendix B (the Gaussian case, prior N(0, I)); the
    general form is the standard Gaussian identity (derived by integration in
    :mod:`proofs_check.vae` for k = 1, checked against quadrature for k = 2).

    Parameters
    ----------
    q_mean : array_like, shape (..., k)
    q_cov : array_like, shape (..., k, k)
        Symmetric positive definite.
    p_mean : array_like, shape (..., k), optional
        Defaults to 0.
    p_cov : array_like, shape (..., k, k), optional
        Symmetric positive definite; defaults to the identity.

    Returns
    -------
    kl : float or ndarray, shape (...)
        In nats, >= 0; exactly 0 when q = p.

    Raises
    ------
    ValueError
        Shapes that do not match, covariances that are not symmetric positive definite,
        non-finite input (each named).

    Notes
    -----
    With A = L_p⁻¹ L_q (Cholesky factors; A is lower triangular with A_ii = (L_q)_ii/(L_p)_ii)
    and δ = L_p⁻¹ (μ_p - μ_q), KL = ½ [Σ_i (a_i - 1 - log a_i) + Σ_{i>j} A_ij² + |δ|²] with
    a_i = A_ii²: a sum of non-negative terms, so rounding never makes it negative.

    Examples
    --------
    Appendix B with μ = 1, σ = 1: KL = -½ (1 + 0 - 1 - 1) = ½.

    >>> float(gaussian_kl([1.0], [[1.0]]))
    0.5
    """
    q_mean = as_float_array(q_mean, "q_mean")
    if q_mean.ndim < 1:
        raise ValueError("`q_mean` must have shape (..., k) (got a scalar)")
    k = q_mean.shape[-1]
    _, Lq = _check_covariance(q_cov, "q_cov", k)
    if p_mean is None:
        p_mean = np.zeros(k)
    p_mean = _check_vector(p_mean, "p_mean", k)
    Lp = None if p_cov is None else _check_covariance(p_cov, "p_cov", k)[1]
    names, shapes = ("q_mean", "q_cov", "p_mean"), (q_mean.shape[:-1], Lq.shape[:-2], p_mean.shape[:-1])
    if Lp is not None:
        names, shapes = names + ("p_cov",), shapes + (Lp.shape[:-2],)
    _batch_shape(names, shapes)
    if Lp is None:
        A = Lq
        delta = p_mean - q_mean
    else:
        A = np.linalg.solve(Lp, Lq)
        delta = np.linalg.solve(Lp, (p_mean - q_mean)[..., None])[..., 0]
    diag_q = np.diagonal(Lq, axis1=-2, axis2=-1)
    diag = diag_q if Lp is None else diag_q / np.diagonal(Lp, axis1=-2, axis2=-1)
    a = diag * diag
    off = np.sum(np.tril(A, -1) ** 2, axis=(-2, -1))
    out = 0.5 * (np.sum(a - 1.0 - np.log(a), axis=-1) + off + np.sum(delta * delta, axis=-1))
    return scalar_or_array(np.asarray(out))


@_doc
def linear_gaussian_elbo(x: Any, W: Any, b: Any, sigma: Any, q_mean: Any, q_cov: Any) -> Any:
    """The evidence lower bound L(q) of the linear-Gaussian model for a Gaussian q(z).

    L = E_q[log p(x | z)] - KL(q ‖ N(0, I))
      = -d/2 log(2πσ²) - (|x - b - W μ|² + tr(W Σ Wᵀ)) / (2σ²) - KL(N(μ, Σ) ‖ N(0, I)),

    and log p(x) = L(q) + KL(q ‖ p(z | x)) for every q (eq. (1)), so L <= log p(x) with
    equality iff q is the exact posterior.

    Source: Kingma & Welling (2014), eqs. (1)-(3) (the bound and its decomposition) and
    Appendix B (the KL term); the Gaussian expectations are those of a quadratic form.

    Parameters
    ----------
    %(model)s
    q_mean : array_like, shape (..., k)
        Mean μ of q.
    q_cov : array_like, shape (..., k, k)
        Covariance Σ of q, symmetric positive definite (full, not only diagonal).

    Returns
    -------
    elbo : float or ndarray, shape (...)
        In nats.

    Raises
    ------
    ValueError
        As :func:`linear_gaussian_log_marginal`, and for ``q_mean``/``q_cov`` of the wrong
        shape or a ``q_cov`` that is not symmetric positive definite.

    Examples
    --------
    At the exact posterior (W = 1, σ = 1, x = 2: N(1, 1/2)) the bound is tight:
    log p(2) = log N(2; 0, 2) = -½ log(4π) - 1.

    >>> float(linear_gaussian_elbo([2.0], [[1.0]], [0.0], 1.0, [1.0], [[0.5]]))
    -2.2655121234846454
    """
    x, W, b, sigma, _ = check_linear_gaussian(x, W, b, sigma)
    k = W.shape[-1]
    q_mean = _check_vector(q_mean, "q_mean", k)
    S, _ = _check_covariance(q_cov, "q_cov", k)
    s2 = (sigma ** 2)[..., None]
    trace = np.sum((W @ S) * W, axis=(-2, -1))
    ell = _expected_log_likelihood(x - b, W, s2, q_mean, trace)
    return scalar_or_array(np.asarray(ell - gaussian_kl(q_mean, S)))


# ----------------------------------------------------------------------------- gradients
def _gradient_parts(x, W, b, sigma, q_mean, q_std, kl):
    """The quadratic form of the integrand: f(z) = c - ½ zᵀ P z + hᵀ z (+ terms not in z).

    P_lik = WᵀW/σ², h = Wᵀ(x - b)/σ²; P = P_lik + I when the prior is sampled with the
    likelihood (kl = "sampled"), P_lik when the KL is analytic.
    """
    x, W, b, sigma, _ = check_linear_gaussian(x, W, b, sigma)
    k = W.shape[-1]
    q_mean, q_std = check_diagonal_gaussian(q_mean, q_std, k)
    check_in(kl, "kl", KL_FORMS)
    s2 = (sigma ** 2)[..., None]
    y = x - b
    Wt = _swap(W)
    P_lik = (Wt @ W) / s2[..., None]
    h = _mv(Wt, y) / s2
    P = P_lik + np.eye(k) if kl == "sampled" else P_lik
    return y, W, s2, q_mean, q_std, P_lik, P, h


@_doc
def linear_gaussian_elbo_gradient(x: Any, W: Any, b: Any, sigma: Any, q_mean: Any, q_std: Any
                                  ) -> tuple[np.ndarray, np.ndarray]:
    """Gradient of the ELBO with respect to a diagonal Gaussian q = N(μ, diag(s²)).

    With A = I + WᵀW/σ² (the posterior precision) and h = Wᵀ(x - b)/σ²,

        ∂L/∂μ = h - A μ,     ∂L/∂s_j = 1/s_j - A_jj s_j,

    zero exactly at μ = A⁻¹ h and s_j = A_jj^{-1/2} (the mean-field optimum; the exact
    posterior when A is diagonal).

    Source: Kingma & Welling (2014), eqs. (2)-(3) and (9) (diagonal Gaussian q); the
    expectation target of their estimators (6)-(7) and of the Section 2.2 score-function
    estimator.

    Parameters
    ----------
    %(model)s
    %(q_diag)s

    Returns
    -------
    grad_mean, grad_std : ndarray, shape (..., k)
        ∂L/∂μ and ∂L/∂s.

    Raises
    ------
    ValueError
        Invalid model arrays, ``q_mean``/``q_std`` of the wrong shape, ``q_std`` <= 0.

    Examples
    --------
    W = 1, σ = 1, x = 2 (A = 2, h = 2): at μ = 0, s = 1 the gradient is (2, 1 - 2).

    >>> linear_gaussian_elbo_gradient([2.0], [[1.0]], [0.0], 1.0, [0.0], [1.0])
    (array([2.]), array([-1.]))
    """
    _, _, _, mu, s, _, A, h = _gradient_parts(x, W, b, sigma, q_mean, q_std, "sampled")
    A_diag = np.diagonal(A, axis1=-2, axis2=-1)
    return h - _mv(A, mu), 1.0 / s - A_diag * s


@_doc
def reparameterized_gradient_variance(x: Any, W: Any, b: Any, sigma: Any, q_mean: Any, q_std: Any,
                                      *, kl: str = "analytic") -> tuple[np.ndarray, np.ndarray]:
    """Exact per-coordinate variance of the one-sample reparameterized ELBO gradient.

    z = μ + s ⊙ ε, ε ~ N(0, I); the estimator is ∇_{μ,s} f(μ + s ⊙ ε) (plus the exact
    gradient of the analytic KL or of the entropy, which add no variance).  With the integrand
    written f(z) = c - ½ zᵀ P z + hᵀ z (P = WᵀW/σ² + I for ``kl="sampled"``, WᵀW/σ² for
    ``kl="analytic"``), B = P diag(s) and r = h - P μ:

        Var[g_μ_j] = Σ_l B_jl²,     Var[g_s_j] = r_j² + Σ_l B_jl² + B_jj²

    (Isserlis' theorem for the fourth moments of ε).

    Source: Kingma & Welling (2014), Section 2.4 (z = μ + σ ε) with eq. (6) (``"sampled"``)
    or eqs. (7), (10) (``"analytic"``); the variances are derived here (module docstring)
    and checked against quadrature and sympy.

    Parameters
    ----------
    %(model)s
    %(q_diag)s
    kl : {"analytic", "sampled"}
        Which integrand is differentiated (see :data:`KL_FORMS`).

    Returns
    -------
    var_mean, var_std : ndarray, shape (..., k)
        Variances of the estimates of ∂L/∂μ_j and ∂L/∂s_j from one ε (divide by L for the
        mean of L independent draws).

    Raises
    ------
    %(raises_kl)s

    Examples
    --------
    W = 1, σ = 1, x = 2, μ = 0, s = 1, analytic KL (P = 1, h = 2, r = 2):
    Var[g_μ] = 1 and Var[g_s] = 4 + 1 + 1 = 6.

    >>> reparameterized_gradient_variance([2.0], [[1.0]], [0.0], 1.0, [0.0], [1.0])
    (array([1.]), array([6.]))
    """
    _, _, _, mu, s, _, P, h = _gradient_parts(x, W, b, sigma, q_mean, q_std, kl)
    B = P * s[..., None, :]
    row = np.sum(B * B, axis=-1)
    r = h - _mv(P, mu)
    return row, r * r + row + np.diagonal(B, axis1=-2, axis2=-1) ** 2


@_doc
def score_function_gradient_variance(x: Any, W: Any, b: Any, sigma: Any, q_mean: Any, q_std: Any,
                                     *, kl: str = "analytic") -> tuple[np.ndarray, np.ndarray]:
    """Exact per-coordinate variance of the one-sample score-function ELBO gradient.

    The estimator is f(z) ∇_{μ,s} log q(z) with z ~ q (the "naive" estimator of Kingma &
    Welling, Section 2.2), where ∇_μ log q = ε/s and ∇_s log q = (ε² - 1)/s.  In terms of ε,
    f = m + aᵀε - ½ (εᵀ Q ε - tr Q) with m = E f, a = s ⊙ (h - P μ) and Q = S P S - I
    (``kl="sampled"``: f = log p(x, z) - log q(z), S = diag(s)) or Q = S P S
    (``kl="analytic"``: f = log p(x | z)).  Gaussian integration by parts gives

        Var[g_μ_i] = (m² + |a|² + ½ tr Q² + a_i² + 2 (Q²)_ii - 2 m Q_ii) / s_i²,
        Var[g_s_i] = (2 m² + 2 |a|² + tr Q² + 8 a_i² + 8 (Q²)_ii + 5 Q_ii² - 8 m Q_ii) / s_i².

    Unlike the reparameterized variance, these grow with m², the squared level of the
    integrand (no baseline is subtracted), so they depend on the constant -d/2 log(2πσ²).

    Comparison with :func:`reparameterized_gradient_variance`.  For ``kl="analytic"``,
    Q = S P S gives (Q²)_ii = s_i² Var_rep[g_μ_i], and the formulas rearrange into

        s_i² (Var_sf[g_μ_i] - 3/2 Var_rep[g_μ_i]) = (m - Q_ii)² + |a|² + a_i²
                                                    + ½ (tr Q² - (Q²)_ii) + ((Q²)_ii - Q_ii²),
        s_i² (Var_sf[g_s_i] - 3 Var_rep[g_s_i]) = 2 (m - 2 Q_ii)² + 2 |a|² + 5 a_i²
                                                  + tr Q² + 5 (Q²)_ii - 6 Q_ii²,

    sums of non-negative terms: on this model the score-function estimator of the VAE's
    bound has at least 3/2 (means) and 3 (standard deviations) times the reparameterized
    variance, coordinate by coordinate, whatever x, W, b, σ, μ, s.  For ``kl="sampled"`` no
    such bound holds: at the exact posterior of a 1-D model (Q = 0, a = 0, m = log p(x))
    Var_sf = (m², 2 m²)/s² while Var_rep = (1, 2)/s², so the score function wins when
    |log p(x)| < 1 (e.g. x = b, W = 1/2, σ² = e/(2π) - 1/4, where log p(x) = -1/2 and the
    reparameterized variance is 4 times larger).

    Source: Kingma & Welling (2014), Section 2.2 (the estimator, said to exhibit "very high
    variance"), with eq. (2) (``"sampled"``) or eq. (3) (``"analytic"``); the variances are
    derived here (module docstring) and checked against quadrature and sympy.

    Parameters
    ----------
    %(model)s
    %(q_diag)s
    kl : {"analytic", "sampled"}
        Which integrand multiplies the score (see :data:`KL_FORMS`).

    Returns
    -------
    var_mean, var_std : ndarray, shape (..., k)
        Variances of the one-draw estimates of ∂L/∂μ_i and ∂L/∂s_i.

    Raises
    ------
    %(raises_kl)s

    Examples
    --------
    W = 0 (x carries no information), σ = 1, x = 0, b = 0, μ = 0, s = 1, sampled KL:
    f = -½ log 2π is constant (Q = 0, a = 0), so Var[g_μ] = m² = (½ log 2π)² and
    Var[g_s] = 2 m².

    >>> vm, vs = score_function_gradient_variance([0.0], [[0.0]], [0.0], 1.0, [0.0], [1.0], kl="sampled")
    >>> bool(np.isclose(vm[0], 0.25 * np.log(2 * np.pi) ** 2)), bool(np.isclose(vs[0], 2 * vm[0]))
    (True, True)
    """
    y, W, s2, mu, s, P_lik, P, h = _gradient_parts(x, W, b, sigma, q_mean, q_std, kl)
    k = W.shape[-1]
    a = s * (h - _mv(P, mu))
    Q = s[..., :, None] * P * s[..., None, :]
    if kl == "sampled":
        Q = Q - np.eye(k)
    # m = E_q f: the expected log-likelihood, minus KL(q ‖ N(0, I)) when the prior is sampled
    trace = np.sum(s * s * np.sum(W * W, axis=-2), axis=-1)
    m = _expected_log_likelihood(y, W, s2, mu, trace)
    if kl == "sampled":
        m = m - 0.5 * np.sum(s * s + mu * mu - 1.0 - 2.0 * np.log(s), axis=-1)
    m = m[..., None]
    Q2 = Q @ Q
    Q2_diag = np.diagonal(Q2, axis1=-2, axis2=-1)
    Q_diag = np.diagonal(Q, axis1=-2, axis2=-1)
    tr_Q2 = np.trace(Q2, axis1=-2, axis2=-1)[..., None]
    a2 = np.sum(a * a, axis=-1, keepdims=True)
    var_mean = (m * m + a2 + 0.5 * tr_Q2 + a * a + 2.0 * Q2_diag - 2.0 * m * Q_diag) / (s * s)
    var_std = (2.0 * m * m + 2.0 * a2 + tr_Q2 + 8.0 * a * a + 8.0 * Q2_diag + 5.0 * Q_diag ** 2
               - 8.0 * m * Q_diag) / (s * s)
    return var_mean, var_std


# ----------------------------------------------------------------------------- PPCA
@dataclass(frozen=True)
class PPCAResult:
    """Maximum-likelihood probabilistic PCA (see :func:`ppca_mle`).

    Source: Tipping & Bishop (1999), Section 3.2.

    Attributes
    ----------
    W : ndarray, shape (..., d, k)
        U_k (Λ_k - σ² I)^{1/2} (the rotation R = I; any W R with R orthogonal is also ML).
    sigma2 : float or ndarray, shape (...)
        σ²_ML, the mean of the d - k discarded eigenvalues.
    cov : ndarray, shape (..., d, d)
        The ML model covariance W Wᵀ + σ² I (unique, unlike W).
    eigenvalues : ndarray, shape (..., d)
        The sample covariance's eigenvalues, in decreasing order.
    log_likelihood : float or ndarray, shape (...)
        The maximized mean log-likelihood per data point,
        -½ [d log 2π + Σ_{j<=k} log λ_j + (d - k) log σ² + d].
    """

    W: np.ndarray
    sigma2: Any
    cov: np.ndarray
    eigenvalues: np.ndarray
    log_likelihood: Any

    def to_dict(self) -> dict:
        return {name: np.asarray(getattr(self, name)).tolist()
                for name in ("W", "sigma2", "cov", "eigenvalues", "log_likelihood")}


def ppca_mle(sample_cov: Any, k: int) -> PPCAResult:
    """Maximum-likelihood probabilistic PCA from a sample covariance matrix.

    With the eigendecomposition S = U Λ Uᵀ (λ_1 >= ... >= λ_d):

        σ²_ML = (1/(d - k)) Σ_{j>k} λ_j,      W_ML = U_k (Λ_k - σ²_ML I)^{1/2} R,

    so the ML covariance is C = W Wᵀ + σ² I.  The mean log-likelihood per point of data
    with sample covariance S (biased, 1/N) is -½ [d log 2π + log det C + tr(C⁻¹ S)], which at
    the optimum equals -½ [d log 2π + Σ_{j<=k} log λ_j + (d - k) log σ²_ML + d].

    Source: Tipping & Bishop (1999), Section 3.2 (the stationary points of the likelihood and
    the global maximum W_ML, σ²_ML) and eq. (4) (the log-likelihood).

    Parameters
    ----------
    sample_cov : array_like, shape (..., d, d)
        Symmetric positive semi-definite (the 1/N sample covariance of the data).
    k : int
        Latent dimension, 1 <= k < d (σ² needs at least one discarded eigenvalue).

    Returns
    -------
    PPCAResult

    Raises
    ------
    ValueError
        ``sample_cov`` not square, not symmetric or with a negative eigenvalue beyond
        rounding; ``k`` out of range; all discarded eigenvalues zero (σ²_ML = 0, no density).
    TypeError
        ``k`` not an integer.

    Examples
    --------
    S = diag(3, 1, 1), k = 1: σ² = 1, W = (√2, 0, 0)ᵀ, so C = S.

    >>> r = ppca_mle(np.diag([3.0, 1.0, 1.0]), 1)
    >>> float(r.sigma2), r.cov.diagonal()
    (1.0, array([3., 1., 1.]))
    """
    S = as_float_array(sample_cov, "sample_cov")
    if S.ndim < 2 or S.shape[-1] != S.shape[-2]:
        raise ValueError(f"`sample_cov` must have shape (..., d, d) (got shape {S.shape})")
    d = S.shape[-1]
    k = check_int(k, "k", minimum=1)
    if k >= d:
        raise ValueError(f"`k` must be < d = {d} (got {k}): σ² is the mean of the d - k discarded eigenvalues")
    scale = np.max(np.abs(S), axis=(-2, -1), keepdims=True)
    if np.any(np.abs(S - _swap(S)) > _SYMMETRY_RTOL * scale):
        raise ValueError(f"`sample_cov` must be symmetric (max |S - Sᵀ| = {np.max(np.abs(S - _swap(S))):.3g})")
    lam, U = np.linalg.eigh(0.5 * (S + _swap(S)))
    lam, U = lam[..., ::-1], U[..., ::-1]
    # eigh of a PSD matrix returns eigenvalues >= -(a few) eps ||S||; beyond that S is not PSD
    tol = 64 * np.finfo(float).eps * d * scale[..., 0]
    if np.any(lam < -tol):
        raise ValueError(f"`sample_cov` must be positive semi-definite (eigenvalue {lam.min():.3g})")
    lam = np.maximum(lam, 0.0)
    sigma2 = np.mean(lam[..., k:], axis=-1)
    if np.any(sigma2 <= 0):
        raise ValueError("`sample_cov` has rank <= k: σ²_ML = 0 and the model has no density")
    # λ_j >= σ² for j <= k (the mean of smaller eigenvalues); max(., 0) only removes rounding
    W = U[..., :, :k] * np.sqrt(np.maximum(lam[..., :k] - sigma2[..., None], 0.0))[..., None, :]
    cov = W @ _swap(W) + sigma2[..., None, None] * np.eye(d)
    loglik = -0.5 * (d * _LOG_2PI + np.sum(np.log(lam[..., :k]), axis=-1) + (d - k) * np.log(sigma2) + d)
    return PPCAResult(W, scalar_or_array(np.asarray(sigma2)), cov, lam, scalar_or_array(np.asarray(loglik)))
