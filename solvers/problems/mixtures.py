"""Gaussian mixtures in one and two (or more) dimensions: the continuous toy problems of GANs.

A :class:`GaussianMixture` holds weights ``w`` (k,), means ``m`` (k, d) and covariances
``S`` (k, d, d); its density is

    p(x) = Σ_j w_j N(x; m_j, S_j).

It samples (vectorized: component labels from one ``Generator.choice`` call, then an affine
map of standard normals through each component's Cholesky factor), evaluates ``pdf`` and a
log-sum-exp stable ``log_pdf``, and reports its exact first two moments.  The factories build
the usual problems: a 1-D mixture, a single Gaussian, the ring of 8 Gaussians (Metz et al.,
2017) and the 5 x 5 grid (Srivastava et al., 2017; Lin et al., 2018).

Both the exact and the neural solvers draw their data from these objects, so a problem is
defined once (DESIGN.md, ``solvers/problems/``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import logsumexp

from solvers.results import set_readonly
from solvers.validation import check_distribution
from theory.validation import as_float_array, as_generator, check_int, check_positive
from theory.validation import check_probability

__all__ = [
    "GaussianMixture",
    "mixture_1d",
    "gaussian_1d",
    "gaussian",
    "ring_of_gaussians",
    "grid_of_gaussians",
]

#: Covariances must be symmetric to this relative tolerance (rounding of user-built matrices).
_SYMMETRY_RTOL = 1e-10

_LOG_2PI = float(np.log(2.0 * np.pi))


@dataclass(frozen=True, eq=False)
class GaussianMixture:
    """A finite mixture of Gaussians, p(x) = Σ_j w_j N(x; m_j, S_j).

    Source: the 1-D and 2-D mixture problems of the GAN literature, e.g. Goodfellow et al.
    (2014), Fig. 1 (1-D data distribution) and Metz et al. (2017), Section 3.1, Fig. 1 (ring).

    Parameters
    ----------
    weights : array_like, shape (k,)
        Mixture weights, a probability vector (zero weights are allowed).
    means : array_like, shape (k, d)
        Component means.
    covs : array_like, shape (k, d, d)
        Component covariances, symmetric positive definite.

    Raises
    ------
    ValueError
        When ``weights`` is not a probability vector, shapes disagree, or a covariance is not
        symmetric positive definite (the message names the argument).
    TypeError
        When an argument is not numeric.

    Notes
    -----
    Instances are immutable (arrays are read-only) and compare by identity.  Use
    :func:`mixture_1d` / :func:`gaussian_1d` for 1-D problems given standard deviations.
    ``dataclasses.asdict`` gives the three arrays; :meth:`to_dict` gives JSON-ready lists.
    """

    weights: np.ndarray
    means: np.ndarray
    covs: np.ndarray
    _chol: np.ndarray = field(init=False, repr=False)
    _chol_inv: np.ndarray = field(init=False, repr=False)
    _log_norm: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        w = check_distribution(self.weights, "weights")
        k = w.shape[0]
        m = as_float_array(self.means, "means")
        if m.ndim != 2:
            raise ValueError(
                f"`means` must have shape (k, d) (got shape {m.shape}); "
                "use mixture_1d for 1-D means"
            )
        if m.shape[0] != k:
            raise ValueError(
                f"`means` must have one row per weight: shape ({k}, d) (got shape {m.shape})"
            )
        d = m.shape[1]
        s = as_float_array(self.covs, "covs")
        if s.shape != (k, d, d):
            raise ValueError(f"`covs` must have shape ({k}, {d}, {d}) (got shape {s.shape})")
        asym = np.abs(s - np.swapaxes(s, -1, -2))
        # (|s| + |sᵀ|) written as 2 (|s|/2 + |sᵀ|/2): variances near DBL_MAX must not overflow
        half_sum = 0.5 * np.abs(s) + 0.5 * np.abs(np.swapaxes(s, -1, -2))
        if np.any(asym > 2.0 * _SYMMETRY_RTOL * half_sum):
            raise ValueError("`covs` must be symmetric")
        try:
            chol = np.linalg.cholesky(s)
        except np.linalg.LinAlgError:
            raise ValueError("`covs` must be positive definite (Cholesky factorisation failed)") from None
        eye = np.broadcast_to(np.eye(d), (k, d, d))
        chol_inv = np.linalg.solve(chol, eye)
        # log of the normalizing constant of each component: -(d/2) log 2π - Σ log L_ii
        log_det_half = np.sum(np.log(np.diagonal(chol, axis1=-2, axis2=-1)), axis=-1)
        log_norm = -0.5 * d * _LOG_2PI - log_det_half
        set_readonly(self, np.float64, weights=w, means=m, covs=s, _chol=chol, _chol_inv=chol_inv,
                     _log_norm=log_norm)

    # ------------------------------------------------------------------ shape
    @property
    def dim(self) -> int:
        """Dimension ``d`` of the sample space."""
        return int(self.means.shape[1])

    @property
    def n_components(self) -> int:
        """Number of components ``k``."""
        return int(self.weights.shape[0])

    # ------------------------------------------------------------------ sampling
    def sample(self, n: int, seed: Any) -> np.ndarray:
        """Draw ``n`` independent points.

        x = m_c + L_c z, with c ~ Categorical(w) and z ~ N(0, I_d), L_c L_cᵀ = S_c.

        Parameters
        ----------
        n : int
            Number of points (>= 0).
        seed : int, SeedSequence or numpy.random.Generator
            Source of randomness (``None`` is refused).

        Returns
        -------
        x : ndarray, shape (n, d)

        Raises
        ------
        TypeError, ValueError
            For a bad ``n`` or ``seed``.
        """
        n = check_int(n, "n", minimum=0)
        rng = as_generator(seed)
        comp = rng.choice(self.n_components, size=n, p=self.weights)
        z = rng.standard_normal((n, self.dim))
        return self.means[comp] + np.einsum("nij,nj->ni", self._chol[comp], z)

    # ------------------------------------------------------------------ density
    def _as_points(self, x: ArrayLike) -> np.ndarray:
        arr = as_float_array(x, "x", allow_empty=True)
        d = self.dim
        if d == 1 and (arr.ndim == 0 or arr.shape[-1] != 1):
            arr = arr[..., None]
        if arr.ndim == 0 or arr.shape[-1] != d:
            raise ValueError(f"`x` must have shape (..., {d}) (got shape {arr.shape})")
        return arr

    def component_log_pdf(self, x: ArrayLike) -> np.ndarray:
        """log N(x; m_j, S_j) for every component j.

        Parameters
        ----------
        x : array_like, shape (..., d) (or (...,) when d == 1)

        Returns
        -------
        ndarray, shape (..., k)
        """
        pts = self._as_points(x)
        diff = pts[..., None, :] - self.means  # (..., k, d)
        y = np.einsum("kij,...kj->...ki", self._chol_inv, diff)
        return self._log_norm - 0.5 * np.sum(y * y, axis=-1)

    def log_pdf(self, x: ArrayLike) -> np.ndarray:
        """log p(x) = logsumexp_j (log w_j + log N(x; m_j, S_j)), stable far in the tails.

        Parameters
        ----------
        x : array_like, shape (n, d), or (n,) when d == 1 (any leading shape works)

        Returns
        -------
        ndarray, shape (n,)
            Natural-log density; finite wherever the squared Mahalanobis distance is.

        Raises
        ------
        ValueError
            When the last axis of ``x`` is not ``d`` or ``x`` is not finite.
        """
        comp = self.component_log_pdf(x)
        with np.errstate(divide="ignore"):
            log_w = np.log(self.weights)  # -inf for zero weights, ignored by logsumexp
        return logsumexp(comp + log_w, axis=-1)

    def pdf(self, x: ArrayLike) -> np.ndarray:
        """p(x) = exp(log_pdf(x)); see :meth:`log_pdf` for shapes."""
        return np.exp(self.log_pdf(x))

    # ------------------------------------------------------------------ moments
    def mean(self) -> np.ndarray:
        """E[x] = Σ_j w_j m_j, shape (d,)."""
        return self.weights @ self.means

    def cov(self) -> np.ndarray:
        """Cov[x] = Σ_j w_j (S_j + m_j m_jᵀ) - E[x] E[x]ᵀ, shape (d, d)."""
        mu = self.mean()
        second = np.einsum("k,kij->ij", self.weights, self.covs)
        second = second + np.einsum("k,ki,kj->ij", self.weights, self.means, self.means)
        return second - np.outer(mu, mu)

    def to_dict(self) -> dict:
        """JSON-ready description (lists of floats)."""
        return {
            "weights": self.weights.tolist(),
            "means": self.means.tolist(),
            "covs": self.covs.tolist(),
        }

    def __repr__(self) -> str:  # compact: arrays can be long
        return f"GaussianMixture(k={self.n_components}, d={self.dim})"


# ---------------------------------------------------------------------- factories
#: Standard deviations whose square (the covariance GaussianMixture stores) is a positive
#: finite double: sqrt(DBL_MAX) ~ 1.34e154 and sqrt of the smallest normal ~ 1.49e-154.
_STD_MAX = float(np.sqrt(np.finfo(np.float64).max))
_STD_MIN = float(np.sqrt(np.finfo(np.float64).tiny))


def _check_std(std: Any, name: str) -> float:
    s = check_positive(std, name)
    if not _STD_MIN <= s <= _STD_MAX:
        raise ValueError(f"`{name}` must lie in [{_STD_MIN:.3g}, {_STD_MAX:.3g}] so that its square, "
                         f"the covariance, is a positive finite double (got {std!r})")
    return s


def _weights_or_uniform(weights: ArrayLike | None, k: int) -> np.ndarray:
    if weights is None:
        return np.full(k, 1.0 / k)
    w = check_probability(weights, "weights")
    if w.shape != (k,):
        raise ValueError(f"`weights` must have shape ({k},) like `means` (got shape {w.shape})")
    return w


def mixture_1d(
    means: ArrayLike,
    stds: ArrayLike | None = None,
    weights: ArrayLike | None = None,
    *,
    variances: ArrayLike | None = None,
) -> GaussianMixture:
    """A 1-D mixture p(x) = Σ_j w_j N(x; μ_j, σ_j²).

    Source: 1-D mixtures as GAN data, e.g. Goodfellow et al. (2014), Fig. 1.

    Parameters
    ----------
    means : array_like, shape (k,)
    stds : array_like, shape (k,), optional
        Standard deviations σ_j > 0.  Give exactly one of ``stds`` and ``variances``.
    weights : array_like, shape (k,), optional
        Probability vector; uniform when omitted.
    variances : array_like, shape (k,), optional
        Variances σ_j² > 0.

    Returns
    -------
    GaussianMixture
        With ``dim == 1``.

    Raises
    ------
    ValueError
        For mismatched shapes, non-positive spreads, both/neither of ``stds``/``variances``.
    """
    mu = as_float_array(means, "means")
    if mu.ndim == 0:
        mu = mu[None]
    if mu.ndim != 1:
        raise ValueError(f"`means` must be 1-D, shape (k,) (got shape {mu.shape})")
    k = mu.shape[0]
    if (stds is None) == (variances is None):
        raise ValueError("give exactly one of `stds` and `variances`")
    name = "stds" if stds is not None else "variances"
    spread = as_float_array(stds if stds is not None else variances, name)
    spread = np.broadcast_to(spread, (k,)) if spread.ndim == 0 else spread
    if spread.shape != (k,):
        raise ValueError(f"`{name}` must have shape ({k},) like `means` (got shape {spread.shape})")
    if np.any(spread <= 0):
        raise ValueError(f"`{name}` must be > 0 (got minimum {spread.min():.6g})")
    lo, hi = (_STD_MIN, _STD_MAX) if stds is not None else (_STD_MIN**2, np.finfo(float).max)
    if np.any(spread < lo) or np.any(spread > hi):
        raise ValueError(f"`{name}` must lie in [{lo:.3g}, {hi:.3g}] so that the variances are "
                         f"positive normal doubles (got range [{spread.min():.6g}, {spread.max():.6g}])")
    var = spread**2 if stds is not None else spread
    w = _weights_or_uniform(weights, k)
    return GaussianMixture(w, mu[:, None], var[:, None, None])


def gaussian_1d(mean: float, std: float) -> GaussianMixture:
    """A single 1-D Gaussian N(mean, std²) as a one-component mixture.

    Source: standard; the generator family of Goodfellow et al. (2014), Fig. 1.

    Raises
    ------
    ValueError, TypeError
        When ``std`` is not a finite number > 0 or ``mean`` is not finite.
    """
    std = _check_std(std, "std")
    mean_arr = as_float_array(mean, "mean")
    if mean_arr.ndim != 0:
        raise ValueError(f"`mean` must be a scalar (got shape {mean_arr.shape})")
    return mixture_1d([float(mean_arr)], [std])


def gaussian(mean: ArrayLike, cov: ArrayLike) -> GaussianMixture:
    """A single d-dimensional Gaussian N(mean, cov) as a one-component mixture.

    Parameters
    ----------
    mean : array_like, shape (d,)
    cov : array_like, shape (d, d)
    """
    m = as_float_array(mean, "mean")
    if m.ndim != 1:
        raise ValueError(f"`mean` must have shape (d,) (got shape {m.shape})")
    c = as_float_array(cov, "cov")
    if c.shape != (m.shape[0], m.shape[0]):
        raise ValueError(f"`cov` must have shape ({m.shape[0]}, {m.shape[0]}) (got shape {c.shape})")
    return GaussianMixture([1.0], m[None], c[None])


def ring_of_gaussians(n_modes: int = 8, radius: float = 2.0, std: float = 0.02) -> GaussianMixture:
    """The ring of Gaussians: equal weights, modes at radius·(cos 2πj/n, sin 2πj/n), cov std² I.

    Source: Metz et al. (2017), "Unrolled Generative Adversarial Networks", Section 3.1 and
    Fig. 1 (8 modes on a circle of radius 2, standard deviation 0.02).

    Parameters
    ----------
    n_modes : int, >= 1
    radius : float, > 0
    std : float, > 0

    Returns
    -------
    GaussianMixture
        With ``dim == 2``; mode j sits at angle 2πj/n_modes, j = 0, ..., n_modes - 1.
    """
    n = check_int(n_modes, "n_modes", minimum=1)
    r = check_positive(radius, "radius")
    s = _check_std(std, "std")
    angle = 2.0 * np.pi * np.arange(n) / n
    means = r * np.stack([np.cos(angle), np.sin(angle)], axis=-1)
    covs = np.broadcast_to(s**2 * np.eye(2), (n, 2, 2))
    return GaussianMixture(np.full(n, 1.0 / n), means, covs)


def grid_of_gaussians(n_per_side: int = 5, spacing: float = 2.0, std: float = 0.05) -> GaussianMixture:
    """A square grid of equally weighted Gaussians centred at the origin, cov std² I.

    Modes at ((i - (n-1)/2)·spacing, (j - (n-1)/2)·spacing) for i, j = 0, ..., n - 1; the
    defaults give the 25 modes {-4, -2, 0, 2, 4}² with std 0.05.

    Source: the "2D grid" of Srivastava et al. (2017), VEEGAN, Section 5.1, and Lin et al.
    (2018), PacGAN, Section 4.

    Parameters
    ----------
    n_per_side : int, >= 1
    spacing : float, > 0
    std : float, > 0

    Returns
    -------
    GaussianMixture
        With ``dim == 2`` and ``n_per_side**2`` components (row-major in (i, j)).
    """
    n = check_int(n_per_side, "n_per_side", minimum=1)
    h = check_positive(spacing, "spacing")
    s = _check_std(std, "std")
    coords = (np.arange(n) - (n - 1) / 2.0) * h
    gx, gy = np.meshgrid(coords, coords, indexing="ij")
    means = np.stack([gx.ravel(), gy.ravel()], axis=-1)
    covs = np.broadcast_to(s**2 * np.eye(2), (n * n, 2, 2))
    return GaussianMixture(np.full(n * n, 1.0 / (n * n)), means, covs)
