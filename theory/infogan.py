"""InfoGAN's variational lower bound on the mutual information, for discrete codes and outputs.

Papers
------
Chen, X., Duan, Y., Houthooft, R., Schulman, J., Sutskever, I. & Abbeel, P. (2016).
    InfoGAN: Interpretable Representation Learning by Information Maximizing Generative
    Adversarial Nets. NeurIPS; arXiv:1606.03657.  Section 5 ("Variational Mutual
    Information Maximization"): eq. (4), I(c; G(z, c)) = E_x[KL(P(·|x) ‖ Q(·|x))
    + E_{c'~P(c|x)} log Q(c'|x)] + H(c) >= E_x E_{c'~P(c|x)} log Q(c'|x) + H(c); Lemma 5.1
    (E_{x~X, y~Y|x} f(x, y) = E_{x~X, y~Y|x, x'~X|y} f(x', y)); eq. (5), the bound
    L_I(G, Q) = E_{c~P(c), x~G(z,c)} log Q(c|x) + H(c) <= I(c; G(z, c)).
Barber, D. & Agakov, F. (2003). The IM algorithm: a variational approach to information
    maximization. NeurIPS (the variational bound InfoGAN uses).

Layouts
-------
``p_c[..., c]`` is the code prior P(c); ``p_x_given_c[..., c, x]`` has one distribution over
outputs x per code (rows sum to 1); ``q_c_given_x[..., c, x]`` and the returned posterior
``P(c|x)[..., c, x]`` have one distribution over codes per output (columns sum to 1).
Leading axes are batch axes and broadcast.  Natural logarithms (nats); zero atoms are valid.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import entr, xlogy

from theory.validation import check_probability
from theory.divergences import kl_divergence

__all__ = [
    "mutual_information",
    "posterior",
    "infogan_lower_bound",
    "infogan_bound_gap",
]


def _joint(p_c: Any, p_x_given_c: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validated P(c), P(x|c) and the joint P(c, x) = P(c) P(x|c), broadcast."""
    p_c = check_probability(p_c, "p_c")
    p_xc = check_probability(p_x_given_c, "p_x_given_c")
    if p_xc.ndim < 2:
        raise ValueError(f"`p_x_given_c` must have shape (..., C, X), one row per code (got shape {p_xc.shape})")
    if p_xc.shape[-2] != p_c.shape[-1]:
        raise ValueError(f"`p_x_given_c` must have one row per code: shape (..., {p_c.shape[-1]}, X) for "
                         f"`p_c` of shape {p_c.shape} (got shape {p_xc.shape})")
    try:
        joint = p_c[..., :, None] * p_xc
    except ValueError:
        raise ValueError(f"`p_c` {p_c.shape} and `p_x_given_c` {p_xc.shape} have batch axes that do "
                         "not broadcast") from None
    return p_c, p_xc, joint


def _check_q(q_c_given_x: Any, joint: np.ndarray) -> np.ndarray:
    q = check_probability(q_c_given_x, "q_c_given_x", axis=-2)
    if q.ndim < 2 or q.shape[-2:] != joint.shape[-2:]:
        raise ValueError(f"`q_c_given_x` must have shape (..., C, X) = (..., {joint.shape[-2]}, "
                         f"{joint.shape[-1]}) like `p_x_given_c` (got shape {q.shape})")
    try:
        np.broadcast_shapes(q.shape, joint.shape)
    except ValueError:
        raise ValueError(f"`q_c_given_x` {q.shape} has batch axes that do not broadcast with "
                         f"`p_c`/`p_x_given_c` {joint.shape}") from None
    return q


def _scalar_or_array(a: np.ndarray) -> Any:
    return a[()] if a.ndim == 0 else a


def mutual_information(p_c: Any, p_x_given_c: Any) -> Any:
    r"""Mutual information I(c; x) between a discrete code and a discrete output.

    .. math::

       I(c; x) = \sum_c P(c)\, \mathrm{KL}\big(P(x \mid c) \,\|\, P(x)\big),
       \qquad P(x) = \sum_c P(c) P(x \mid c),

    equal to :math:`H(c) - H(c \mid x)` (the form of Chen et al., Section 5) and to
    :math:`H(x) - H(x \mid c)`.

    Source: Chen et al. (2016), Section 4 (I(X; Y) = H(X) - H(X|Y) = H(Y) - H(Y|X)) and
    eq. (4); Cover & Thomas (2006), Elements of Information Theory, Section 2.4.

    Parameters
    ----------
    p_c : array_like, shape (..., C)
        The code prior (a probability vector; zero atoms allowed).
    p_x_given_c : array_like, shape (..., C, X)
        P(x|c), one probability row per code.

    Returns
    -------
    mi : float or ndarray, shape (...)
        In [0, min(H(c), H(x))], nats.

    Raises
    ------
    ValueError
        Invalid probabilities (negative, not summing to 1, non-finite) or a layout mismatch
        (``p_x_given_c`` without one row per code), naming the argument.

    Notes
    -----
    Codes with P(c) = 0 contribute 0, whatever their row (whose KL to P(x) may be infinite).

    Examples
    --------
    Two equiprobable codes with disjoint outputs: I = H(c) = log 2.

    >>> float(mutual_information([0.5, 0.5], [[1.0, 0.0], [0.0, 1.0]]))
    0.6931471805599453
    """
    p_c, p_xc, joint = _joint(p_c, p_x_given_c)
    p_x = joint.sum(axis=-2)
    p_xc, p_x = np.broadcast_arrays(p_xc, p_x[..., None, :])
    with np.errstate(invalid="ignore"):
        kl = kl_divergence(p_xc, p_x)
    p_c_b = np.broadcast_to(p_c, np.shape(kl))
    out = np.sum(p_c_b * np.where(p_c_b > 0, kl, 0.0), axis=-1)
    return _scalar_or_array(np.asarray(out))


def posterior(p_c: Any, p_x_given_c: Any) -> np.ndarray:
    """The exact posterior P(c|x) = P(c) P(x|c) / P(x) (Bayes), layout ``[..., c, x]``.

    Source: Bayes' rule; the P(c|x) of Chen et al. (2016), Section 5, eq. (4), which the
    auxiliary distribution Q(c|x) approximates.

    Parameters
    ----------
    p_c : array_like, shape (..., C)
    p_x_given_c : array_like, shape (..., C, X)

    Returns
    -------
    post : ndarray, shape (..., C, X)
        Each column (fixed x) sums to 1 over c.

    Raises
    ------
    ValueError
        As :func:`mutual_information`.

    Notes
    -----
    Where P(x) = 0 the posterior is undefined; we return the prior P(c) there (the column
    has no weight in any expectation over x).

    Examples
    --------
    >>> posterior([0.5, 0.5], [[0.75, 0.25, 0.0], [0.25, 0.75, 0.0]])
    array([[0.75, 0.25, 0.5 ],
           [0.25, 0.75, 0.5 ]])
    """
    p_c, _, joint = _joint(p_c, p_x_given_c)
    p_x = joint.sum(axis=-2, keepdims=True)
    prior = np.broadcast_to(p_c[..., :, None], joint.shape)
    out = np.array(prior, copy=True)
    np.divide(joint, p_x, out=out, where=np.broadcast_to(p_x > 0, joint.shape))
    return out


def infogan_lower_bound(p_c: Any, p_x_given_c: Any, q_c_given_x: Any) -> Any:
    r"""InfoGAN's variational lower bound L_I = E_{c~P(c), x~P(x|c)}[log Q(c|x)] + H(c).

    .. math::

       L_I = \sum_{c, x} P(c) P(x \mid c) \log Q(c \mid x) - \sum_c P(c) \log P(c) \;\le\; I(c; x),

    with equality iff :math:`Q(\cdot \mid x) = P(\cdot \mid x)` wherever :math:`P(x) > 0`; the gap is
    :math:`\mathbb{E}_x\, \mathrm{KL}\big(P(c \mid x) \,\|\, Q(c \mid x)\big)` (:func:`infogan_bound_gap`).

    Source: Chen et al. (2016), eq. (5) (L_I(G, Q), written with Lemma 5.1 so that c is
    sampled from the prior instead of the posterior) and eq. (4) (the bound and its gap).

    Parameters
    ----------
    p_c : array_like, shape (..., C)
        The code prior.
    p_x_given_c : array_like, shape (..., C, X)
        The generator's output distribution per code.
    q_c_given_x : array_like, shape (..., C, X)
        The auxiliary distribution: column x is Q(·|x) (sums to 1 over c).

    Returns
    -------
    l_i : float or ndarray, shape (...)
        In nats; -inf where Q(c|x) = 0 for some (c, x) with P(c, x) > 0.

    Raises
    ------
    ValueError
        Invalid probabilities or mismatched layouts, naming the argument (``q_c_given_x``
        must have the shape of ``p_x_given_c`` and columns summing to 1).

    Examples
    --------
    Disjoint outputs and the exact posterior as Q: L_I = I = H(c) = log 2.

    >>> float(infogan_lower_bound([0.5, 0.5], [[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]]))
    0.6931471805599453
    """
    p_c, _, joint = _joint(p_c, p_x_given_c)
    q = _check_q(q_c_given_x, joint)
    h_c = np.sum(entr(p_c), axis=-1)
    with np.errstate(divide="ignore"):
        cross = np.sum(xlogy(joint, q), axis=(-2, -1))
    return _scalar_or_array(np.asarray(cross + h_c))


def infogan_bound_gap(p_c: Any, p_x_given_c: Any, q_c_given_x: Any) -> Any:
    """The gap of InfoGAN's bound, E_{x~P(x)} KL(P(c|x) ‖ Q(c|x)) = I(c; x) - L_I.

    Source: Chen et al. (2016), eq. (4) (the KL term dropped to obtain the bound) and the
    remark after it that the bound is tight as Q approaches the true posterior.

    Parameters
    ----------
    p_c : array_like, shape (..., C)
    p_x_given_c : array_like, shape (..., C, X)
    q_c_given_x : array_like, shape (..., C, X)

    Returns
    -------
    gap : float or ndarray, shape (...)
        In [0, inf], nats; 0 iff Q(·|x) = P(·|x) wherever P(x) > 0.

    Raises
    ------
    ValueError
        As :func:`infogan_lower_bound`.

    Examples
    --------
    A Q that ignores x (the prior) against disjoint outputs: the gap is the whole I = log 2.

    >>> float(infogan_bound_gap([0.5, 0.5], [[1.0, 0.0], [0.0, 1.0]], [[0.5, 0.5], [0.5, 0.5]]))
    0.6931471805599453
    """
    p_c, _, joint = _joint(p_c, p_x_given_c)
    q = _check_q(q_c_given_x, joint)
    post = posterior(p_c, p_x_given_c)
    p_x = joint.sum(axis=-2)
    post, q = np.broadcast_arrays(post, q)
    kl = kl_divergence(post, q, axis=-2)                      # shape (..., X)
    p_x = np.broadcast_to(p_x, kl.shape)
    out = np.sum(p_x * np.where(p_x > 0, kl, 0.0), axis=-1)
    return _scalar_or_array(np.asarray(out))
