"""Semi-supervised GANs (the K+1-class discriminator) and feature matching.

Papers
------
Salimans, T., Goodfellow, I., Zaremba, W., Cheung, V., Radford, A. & Chen, X. (2016).
    Improved Techniques for Training GANs. NeurIPS; arXiv:1606.03498.
    Section 3.1: feature matching, the generator's objective ‖E_{x~p_data} f(x) -
    E_{z~p_z} f(G(z))‖²₂ for an intermediate-layer feature map f.
    Section 5: semi-supervised learning with a K+1-class classifier, class K+1 = "generated";
    L = L_supervised + L_unsupervised with L_unsupervised = -{E_{x~p_data} log[1 -
    p_model(y = K+1 | x)] + E_{x~G} log p_model(y = K+1 | x)}; fixing the fake logit
    l_{K+1}(x) = 0 gives D(x) = Z(x)/(Z(x) + 1), Z(x) = Σ_{k=1}^K exp[l_k(x)].
Odena, A. (2016). Semi-Supervised Learning with Generative Adversarial Networks.
    arXiv:1606.01583.  The N+1-class discriminator (Section 2).

Layouts
-------
On a finite input space with n_x atoms: ``logits[..., x, k]`` holds the K real-class logits
l_k(x) of each input; ``p_data``, ``p_model`` are distributions over the n_x inputs;
``p_xy[..., x, k]`` is the joint distribution of labeled pairs; ``features[x, f]`` the feature
map f(x) ∈ R^F.  Natural logarithms.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.optimize import linprog
from scipy.special import expit, log_softmax, logsumexp

from theory.docstrings import doc_params
from theory.validation import as_float_array, check_probability, scalar_or_array

__all__ = [
    "ssgan_class_probabilities",
    "ssgan_discriminator",
    "ssgan_unsupervised_loss",
    "ssgan_supervised_loss",
    "feature_matching_loss",
    "feature_matching_gradient",
    "feature_matching_alternative",
]


#: Descriptions shared by the docstrings below (``%(name)s``, see theory.docstrings).
_DOC = {
    "logits": "logits : array_like, shape (..., K)\n        The real-class logits l_1..l_K.",
    "logits_per_input": "logits : array_like, shape (..., n_x, K)\n        Real-class logits of each input.",
    "raises_logits": "ValueError\n        If ``logits`` is a scalar or not finite.",
}

_fill_doc = doc_params(_DOC)


def _logits(logits: Any, *, per_input: bool = False) -> np.ndarray:
    """Finite logits, at least 1-D, or (``per_input``) at least 2-D with one row per input."""
    lg = as_float_array(logits, "logits")
    if lg.ndim == 0:
        raise ValueError("`logits` must be at least 1-D (one logit per real class), got a scalar")
    if per_input and lg.ndim < 2:
        raise ValueError(f"`logits` must have shape (..., n_x, K) (got shape {lg.shape})")
    return lg


@_fill_doc
def ssgan_class_probabilities(logits: Any) -> np.ndarray:
    """Class probabilities of the K+1-class discriminator with the fake logit fixed at 0.

    p(y = k | x) = exp(l_k) / (Z + 1) for k <= K,  p(y = K+1 | x) = 1 / (Z + 1),
    Z = Σ_{k=1}^K exp(l_k).

    Source: Salimans et al. (2016), Section 5 (fixing l_{K+1}(x) = 0; the softmax
    over K+1 logits); Odena (2016), Section 2.

    Parameters
    ----------
    %(logits)s

    Returns
    -------
    probs : ndarray, shape (..., K+1)
        The last entry is the "generated" class.

    Raises
    ------
    %(raises_logits)s

    Examples
    --------
    >>> ssgan_class_probabilities([0.0, 0.0])
    array([0.33333333, 0.33333333, 0.33333333])
    """
    lg = _logits(logits)
    full = np.concatenate([lg, np.zeros(lg.shape[:-1] + (1,))], axis=-1)
    return np.exp(log_softmax(full, axis=-1))


@_fill_doc
def ssgan_discriminator(logits: Any) -> Any:
    r"""The GAN discriminator implied by the K+1-class classifier: D(x) = 1 - p(K+1 | x).

    .. math::

       D(x) = \frac{Z(x)}{Z(x) + 1} = \sigma\big(\log Z(x)\big), \qquad
       Z(x) = \sum_{k=1}^{K} e^{l_k(x)}, \qquad l_{K+1} = 0 .

    Source: Salimans et al. (2016), Section 5, "D(x) = Z(x)/(Z(x)+1)".

    Parameters
    ----------
    %(logits)s

    Returns
    -------
    d : float or ndarray, shape (...)
        In (0, 1) (0 or 1 only where a logit is beyond float range of σ).

    Raises
    ------
    %(raises_logits)s

    Examples
    --------
    One real class with logit 0: Z = 1, D = 1/2.

    >>> float(ssgan_discriminator([0.0]))
    0.5
    >>> float(ssgan_discriminator([0.0, 0.0, 0.0]))
    0.75
    """
    lg = _logits(logits)
    return scalar_or_array(expit(logsumexp(lg, axis=-1)))


def _check_input_dist(p: Any, name: str, n_x: int) -> np.ndarray:
    arr = check_probability(p, name)
    if arr.shape[-1] != n_x:
        raise ValueError(f"`{name}` must have one entry per row of `logits`: shape (..., {n_x}) "
                         f"(got shape {arr.shape})")
    return arr


@_fill_doc
def ssgan_unsupervised_loss(logits: Any, p_data: Any, p_model: Any) -> Any:
    """The unsupervised loss of the K+1-class discriminator on a finite input space.

    L_unsupervised = -Σ_x p_data(x) log[1 - p(K+1 | x)] - Σ_x p_model(x) log p(K+1 | x),
    the cross-entropy of the "generated" class, computed from the K+1 softmax (fake logit 0).
    Salimans et al. note that with D(x) = 1 - p(K+1 | x) it is the negated GAN value
    -V(D, G) of Goodfellow et al. (2014), eq. (1).

    Source: Salimans et al. (2016), Section 5 (L_unsupervised).

    Parameters
    ----------
    %(logits_per_input)s
    p_data, p_model : array_like, shape (..., n_x)
        Distributions of real and generated inputs; leading axes broadcast.

    Returns
    -------
    loss : float or ndarray, shape (...)
        L_unsupervised, >= 0, nats.

    Raises
    ------
    ValueError
        If ``logits`` is not at least 2-D or not finite, or a distribution is invalid or
        does not have one entry per input.

    Examples
    --------
    All logits 0 with one real class: D = 1/2 everywhere, loss = log 4.

    >>> round(float(ssgan_unsupervised_loss([[0.0], [0.0]], [0.5, 0.5], [1.0, 0.0])), 10)
    1.3862943611
    """
    lg = _logits(logits, per_input=True)
    n_x = lg.shape[-2]
    pd = _check_input_dist(p_data, "p_data", n_x)
    pm = _check_input_dist(p_model, "p_model", n_x)
    lse = logsumexp(lg, axis=-1)                     # log Z(x)
    log_fake = -np.logaddexp(0.0, lse)               # log p(K+1|x) = -log(1 + Z)
    log_real = lse + log_fake                        # log(1 - p(K+1|x)) = log Z - log(1 + Z)
    loss = -(np.sum(pd * log_real, axis=-1) + np.sum(pm * log_fake, axis=-1))
    return scalar_or_array(loss)


@_fill_doc
def ssgan_supervised_loss(logits: Any, p_xy: Any) -> Any:
    """The supervised loss of the K+1-class classifier on labeled data.

    L_supervised = -Σ_{x, y} p(x, y) log p(y | x, y < K+1) = -Σ p(x, y) [l_y(x) - log Z(x)],

    which does not involve the fake class (so fixing l_{K+1} = 0 loses nothing: the
    classifier is over-parameterized by one logit per input).

    Source: Salimans et al. (2016), Section 5 (L_supervised).

    Parameters
    ----------
    %(logits_per_input)s
    p_xy : array_like, shape (..., n_x, K)
        Joint distribution of labeled pairs (sums to 1 over both axes).

    Returns
    -------
    loss : float or ndarray, shape (...)
        L_supervised, >= 0, nats.

    Raises
    ------
    ValueError
        If shapes differ or ``p_xy`` is not a joint distribution.

    Examples
    --------
    >>> round(float(ssgan_supervised_loss([[0.0, 0.0]], [[1.0, 0.0]])), 12)
    0.69314718056
    """
    lg = _logits(logits, per_input=True)
    pj = as_float_array(p_xy, "p_xy")
    if pj.shape[-2:] != lg.shape[-2:]:
        raise ValueError(f"`p_xy` must have shape (..., {lg.shape[-2]}, {lg.shape[-1]}) like "
                         f"`logits` (got shape {pj.shape})")
    check_probability(pj.reshape(pj.shape[:-2] + (-1,)), "p_xy")
    loss = -np.sum(pj * log_softmax(lg, axis=-1), axis=(-2, -1))
    return scalar_or_array(loss)


# --------------------------------------------------------------------------- feature matching
def _features(features: Any) -> np.ndarray:
    f = as_float_array(features, "features")
    if f.ndim == 1:
        f = f[:, None]
    if f.ndim != 2:
        raise ValueError(f"`features` must have shape (n_x,) or (n_x, F) (got shape {f.shape})")
    return f


def feature_matching_loss(features: Any, p_data: Any, p_model: Any) -> Any:
    """Feature matching objective on a finite input space.

    J(G) = ‖E_{x~p_data} f(x) - E_{x~p_model} f(x)‖²₂ = ‖Φᵀ(p_data - p_model)‖²,  Φ[x, :] = f(x).

    Source: Salimans et al. (2016), Section 3.1.

    Parameters
    ----------
    features : array_like, shape (n_x,) or (n_x, F)
        The feature map on each input.
    p_data, p_model : array_like, shape (..., n_x)

    Returns
    -------
    loss : float or ndarray, shape (...)

    Raises
    ------
    ValueError
        If the distributions are invalid or do not have one entry per input.

    Examples
    --------
    f(x) = x on {0, 1, 2}: (1/2, 0, 1/2) has the mean of the uniform distribution.

    >>> float(feature_matching_loss([0.0, 1.0, 2.0], [1/3, 1/3, 1/3], [0.5, 0.0, 0.5]))
    0.0
    """
    phi = _features(features)
    pd = _check_input_dist(p_data, "p_data", phi.shape[0])
    pm = _check_input_dist(p_model, "p_model", phi.shape[0])
    diff = (pd - pm) @ phi
    return scalar_or_array(np.sum(diff * diff, axis=-1))


def feature_matching_gradient(theta: Any, features: Any, p_data: Any) -> np.ndarray:
    """Gradient of the feature matching objective for a softmax generator p_model = softmax(θ).

    ∇_θ J = q ⊙ (g - ⟨q, g⟩),  g = 2 Φ (Φᵀ q - Φᵀ p_data),  q = softmax(θ)

    (the chain rule through the softmax Jacobian diag(q) - q qᵀ).

    Source: Salimans et al. (2016), Section 3.1 (the objective); the softmax generator is the
    categorical generator of the tabular GAN toys.

    Parameters
    ----------
    theta : array_like, shape (..., n_x)
        Generator logits.
    features : array_like, shape (n_x,) or (n_x, F)
    p_data : array_like, shape (..., n_x)

    Returns
    -------
    grad : ndarray, shape broadcast(theta, p_data)

    Raises
    ------
    ValueError
        If shapes disagree, ``theta`` is not finite or ``p_data`` is not a distribution.

    Examples
    --------
    At a generator that already matches the features the gradient vanishes:

    >>> g = feature_matching_gradient(np.log([0.5, 1e-300, 0.5]), [0.0, 1.0, 2.0], [1/3, 1/3, 1/3])
    >>> bool(np.allclose(g, 0.0))
    True
    """
    phi = _features(features)
    th = as_float_array(theta, "theta")
    if th.ndim == 0 or th.shape[-1] != phi.shape[0]:
        raise ValueError(f"`theta` must have shape (..., {phi.shape[0]}) (got shape {th.shape})")
    pd = _check_input_dist(p_data, "p_data", phi.shape[0])
    q = np.exp(log_softmax(th, axis=-1))
    g = 2.0 * ((q - pd) @ phi) @ phi.T
    return q * (g - np.sum(q * g, axis=-1, keepdims=True))


def feature_matching_alternative(features: Any, p_data: Any, *, tol: float = 1e-10) -> np.ndarray | None:
    """A distribution different from p_data with exactly its feature means (None if none exists).

    With a fixed feature map the fixed points of feature matching are the whole polytope
    P = {q >= 0 : Σ q = 1, Φᵀ q = Φᵀ p_data}, which contains p_data; this returns another
    point of P, or None when P = {p_data}.  Two exhaustive cases: (1) a null-space direction v
    of the constraints [Φ, 1]ᵀ supported on supp(p_data) (from the SVD): q = p_data + t v with
    the largest t keeping q >= 0, a boundary point where some atom of the support drops to 0;
    (2) otherwise any other q must put mass outside supp(p_data): the linear program
    max Σ_{x ∉ supp} q_x over P (HiGHS) finds one if it exists.

    Source: Salimans et al. (2016), Section 3.1 (the objective's fixed points); linear algebra.

    Parameters
    ----------
    features : array_like, shape (n_x,) or (n_x, F)
    p_data : array_like, shape (n_x,)
    tol : float
        Singular values below ``tol`` · max, and LP optima below ``tol``, count as zero.

    Returns
    -------
    q : ndarray, shape (n_x,) or None

    Raises
    ------
    ValueError
        If ``p_data`` is not a probability vector with one entry per row of ``features``.

    Examples
    --------
    f(x) = x on {0, 1, 2}: the uniform distribution and (1/2, 0, 1/2) share the mean 1.

    >>> feature_matching_alternative([0.0, 1.0, 2.0], [1/3, 1/3, 1/3])
    array([0.5, 0. , 0.5])
    >>> feature_matching_alternative([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]], [0.2, 0.3, 0.5]) is None
    True
    """
    phi = _features(features)
    p = check_probability(p_data, "p_data")
    if p.shape != (phi.shape[0],):
        raise ValueError(f"`p_data` must have shape ({phi.shape[0]},) (got shape {p.shape})")
    A = np.concatenate([phi, np.ones((phi.shape[0], 1))], axis=1).T   # (F + 1, n_x)
    supp = p > 0
    _, s, vt = np.linalg.svd(A[:, supp], full_matrices=True)
    rank = int(np.sum(s > tol * max(s.max(), 1.0)))
    if rank < int(supp.sum()):
        v = np.zeros(p.shape)
        v[supp] = vt[rank]                            # Σ v = 0, Φᵀ v = 0, zero off the support
        neg = v < 0
        t = np.min(p[neg] / -v[neg])                  # Σ v = 0 and v ≠ 0: some entry < 0
        q = np.clip(p + t * v, 0.0, None)
        q[q < tol * q.max()] = 0.0
        return q / q.sum()
    if supp.all():
        return None
    res = linprog(-(~supp).astype(float), A_eq=A, b_eq=A @ p, bounds=(0, None), method="highs")
    if res.status != 0 or -res.fun <= tol:
        return None
    q = np.clip(res.x, 0.0, None)
    return q / q.sum()
