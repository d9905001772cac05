"""The categorical GAN's gradient field, its Jacobian at the equilibrium q = p, ψ = 0, numerically.

The field is assembled from the hand-derived gradients of :mod:`solvers.tabular.gan`
(``generator_gradient``, ``discriminator_gradient``):

    v(θ, ψ) = (-∂L_G/∂θ, ∂V/∂ψ),   q = softmax(θ),  D = σ(ψ),

the same update direction as ``solvers.tabular.gan.train_gan`` (which descends L_G and ascends
V).  Its Jacobian at (θ*, ψ*) = (log p, 0) is obtained by central finite differences of that
field, never from a closed form (``theory.dynamics.categorical_gan_jacobian`` is the closed form
the tests and claims compare with).

Softmax is invariant to θ ↦ θ + c·1 and the generator's gradient sums to zero, so Σθ is
conserved by every scheme and the direction (1, 0) is an exact zero eigenvalue of the Jacobian
that does not move q.  :func:`categorical_gan_jacobian_fd` also returns the Jacobian restricted
to the invariant subspace Σθ = const (an orthonormal basis of 1^⊥ for θ, all of ψ), whose
spectrum is the rest of the spectrum and whose discrete updates give the rates that
``train_gan``'s iterates show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import softmax

from solvers.results import ArrayResult
from solvers.tabular import gan as tabular_gan
from solvers.validation import check_distribution
from theory.validation import as_float_array, check_in, check_positive

__all__ = [
    "central_difference_jacobian",
    "categorical_gan_field",
    "CategoricalJacobian",
    "gauge_basis",
    "categorical_gan_jacobian_fd",
]

#: Default finite-difference step: the gradients are smooth with O(1) third derivatives, so the
#: truncation error is ~eps² ≈ 1e-10 and the rounding error ~1e-16/eps ≈ 1e-11.
FD_EPS = 1e-5


def central_difference_jacobian(fn: Callable[[np.ndarray], np.ndarray], x: ArrayLike, *,
                                eps: float = FD_EPS, vectorized: bool = True) -> np.ndarray:
    """Central finite-difference Jacobian J_ij ≈ (fn_i(x + eps e_j) - fn_i(x - eps e_j)) / (2 eps).

    Parameters
    ----------
    fn : callable
        Maps an array of shape (n,) to shape (m,).  With ``vectorized=True`` it must also map a
        batch (b, n) to (b, m), and all 2n points are evaluated in one call.
    x : array_like, shape (n,)
        The point.
    eps : float > 0
        The step.
    vectorized : bool
        Whether ``fn`` accepts a batch; otherwise it is called once per point.

    Returns
    -------
    ndarray, shape (m, n)

    Raises
    ------
    ValueError, TypeError
        Bad ``x`` or ``eps``.
    """
    x = as_float_array(x, "x")
    if x.ndim != 1:
        raise ValueError(f"`x` must be 1-D (got shape {x.shape})")
    eps = check_positive(eps, "eps")
    n = x.shape[0]
    offsets = eps * np.eye(n)
    points = np.concatenate([x + offsets, x - offsets])  # (2n, n)
    if vectorized:
        values = np.asarray(fn(points), float)
    else:
        values = np.stack([np.asarray(fn(p), float) for p in points])
    plus, minus = values[:n], values[n:]
    return ((plus - minus) / (2.0 * eps)).T


def categorical_gan_field(theta: ArrayLike, psi: ArrayLike, p_data: ArrayLike, *,
                          generator_loss: str = "minimax") -> np.ndarray:
    """v(θ, ψ) = (-∂L_G/∂θ, ∂V/∂ψ) from the tabular solver's own gradients, shape (2K,).

    Source: Goodfellow et al. (2014), eq. (1) on K atoms (the gradients of
    ``solvers.tabular.gan``); the field convention (-∇_θ, +∇_ψ) of Mescheder et al. (2018),
    Section 2.

    Parameters
    ----------
    theta, psi : array_like, shape (K,)
    p_data : array_like, shape (K,)
    generator_loss : {"minimax", "non_saturating"}, keyword-only

    Returns
    -------
    ndarray, shape (2K,)
    """
    loss = check_in(generator_loss, "generator_loss", tabular_gan.GENERATOR_LOSSES)
    theta = as_float_array(theta, "theta")
    q = softmax(theta)
    v_theta = -tabular_gan.generator_gradient(psi, theta, loss=loss)
    v_psi = tabular_gan.discriminator_gradient(psi, p_data, q)
    return np.concatenate([v_theta, v_psi])


def gauge_basis(k: int) -> np.ndarray:
    """An orthonormal basis of 1^⊥ ⊂ ℝ^K (Helmert contrasts), shape (K, K-1)."""
    if k < 2:
        raise ValueError(f"need at least 2 atoms (got {k})")
    basis = np.zeros((k, k - 1))
    j = np.arange(1, k)
    upper = np.arange(k)[:, None] < j[None, :]
    basis[upper] = np.broadcast_to(1.0 / np.sqrt(j * (j + 1)), (k, k - 1))[upper]
    basis[j, j - 1] = -j / np.sqrt(j * (j + 1))
    return basis


@dataclass
class CategoricalJacobian(ArrayResult):
    """The numerical Jacobian of the categorical GAN's field at its equilibrium.

    Attributes
    ----------
    p_data : ndarray, shape (K,)
    theta_star, psi_star : ndarray, shape (K,)
        The equilibrium (log p, 0).
    jacobian : ndarray, shape (2K, 2K)
        Rows/columns (θ_1..θ_K, ψ_1..ψ_K).
    eigenvalues : ndarray of complex, shape (2K,)
        Sorted by decreasing real part.
    reduced : ndarray, shape (2K-1, 2K-1)
        The Jacobian on the invariant subspace Σθ = const: Pᵀ J P with
        P = blockdiag(gauge_basis(K), I_K); its first K-1 coordinates are the generator's.
    reduced_eigenvalues : ndarray of complex, shape (2K-1,)
        Sorted by decreasing real part.
    n_generator_reduced : int
        K - 1.
    basis : ndarray, shape (2K, 2K-1)
        P.
    generator_loss : str
    eps : float
    """

    p_data: np.ndarray
    theta_star: np.ndarray
    psi_star: np.ndarray
    jacobian: np.ndarray
    eigenvalues: np.ndarray
    reduced: np.ndarray
    reduced_eigenvalues: np.ndarray
    n_generator_reduced: int
    basis: np.ndarray
    generator_loss: str
    eps: float


def _sorted(eig: np.ndarray) -> np.ndarray:
    return eig[np.lexsort((eig.imag, -eig.real))]


def categorical_gan_jacobian_fd(p_data: ArrayLike, *, generator_loss: str = "minimax",
                                eps: float = FD_EPS) -> CategoricalJacobian:
    """Jacobian of the categorical GAN's field at (θ*, ψ*) = (log p, 0) by central differences.

    Source: the linearization of Mescheder et al. (2018), Section 2, applied to the
    categorical GAN of ``solvers.tabular.gan`` (Goodfellow et al. 2014, eq. (1) on K atoms).

    Parameters
    ----------
    p_data : array_like, shape (K,)
        Full-support data distribution (q = softmax θ can equal p only if p > 0).
    generator_loss : {"minimax", "non_saturating"}, keyword-only
    eps : float > 0, keyword-only
        Finite-difference step.

    Returns
    -------
    CategoricalJacobian

    Raises
    ------
    ValueError
        If ``p_data`` is not a full-support 1-D probability vector, or bad options.

    Notes
    -----
    The loop over the 2K coordinate directions lives in :func:`central_difference_jacobian`
    (called with ``vectorized=False``): the tabular gradients take one parameter vector at a time.
    """
    p = check_distribution(p_data, "p_data")
    if np.any(p <= 0):
        raise ValueError("`p_data` must have full support (every p_i > 0): the equilibrium "
                         "q = softmax(θ) = p needs it")
    loss = check_in(generator_loss, "generator_loss", tabular_gan.GENERATOR_LOSSES)
    k = p.shape[0]
    theta_star, psi_star = np.log(p), np.zeros(k)

    def field(x):
        return categorical_gan_field(x[:k], x[k:], p, generator_loss=loss)

    jac = central_difference_jacobian(field, np.concatenate([theta_star, psi_star]), eps=eps,
                                      vectorized=False)
    basis = np.zeros((2 * k, 2 * k - 1))
    basis[:k, : k - 1] = gauge_basis(k)
    basis[k:, k - 1:] = np.eye(k)
    reduced = basis.T @ jac @ basis
    return CategoricalJacobian(
        p_data=p,
        theta_star=theta_star,
        psi_star=psi_star,
        jacobian=jac,
        eigenvalues=_sorted(np.linalg.eigvals(jac)),
        reduced=reduced,
        reduced_eigenvalues=_sorted(np.linalg.eigvals(reduced)),
        n_generator_reduced=k - 1,
        basis=basis,
        generator_loss=loss,
        eps=eps,
    )
