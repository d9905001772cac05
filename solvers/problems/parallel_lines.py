"""Arjovsky et al.'s parallel lines: two measures on disjoint segments of the plane.

Z ~ U[0, 1]; the real distribution P₀ is the law of (0, Z) and the model P_θ the law of
(θ, Z).  The example separates the divergences: W₁(P₀, P_θ) = |θ| is continuous in θ, while
JS = log 2, KL = +inf and TV = 1 for every θ ≠ 0 (all zero at θ = 0).

:func:`discretized` replaces U[0, 1] by the uniform distribution on ``n_bins`` bin midpoints,
giving two discrete measures on 2-D points with a Euclidean cost matrix; its exact W₁ (an LP)
is still |θ|, because every transport cost is at least |θ| and the coupling that moves each
point straight across attains it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from theory.validation import as_float_array, as_generator, check_int
from theory.deprecation import module_getattr

__all__ = ["ParallelLines", "DiscreteParallelLines", "discretized"]


def _check_theta(theta: Any) -> float:
    arr = as_float_array(theta, "theta")
    if arr.ndim != 0:
        raise ValueError(f"`theta` must be a scalar (got shape {arr.shape})")
    return float(arr)


@dataclass(frozen=True)
class ParallelLines:
    """The parallel-lines pair P₀ = law of (0, Z), P_θ = law of (θ, Z), Z ~ U[0, 1].

    Source: Arjovsky, Chintala & Bottou (2017), "Wasserstein GAN", Example 1 (Section 2).

    Parameters
    ----------
    theta : float
        Horizontal offset of the model's line (finite).

    Raises
    ------
    ValueError, TypeError
        When ``theta`` is not a finite real scalar.
    """

    theta: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "theta", _check_theta(self.theta))

    def _sample(self, x: float, n: int, seed: Any) -> np.ndarray:
        n = check_int(n, "n", minimum=0)
        z = as_generator(seed).random(n)
        return np.stack([np.full(n, x), z], axis=-1)

    def sample_real(self, n: int, seed: Any) -> np.ndarray:
        """``n`` points (0, z), z ~ U[0, 1]; shape (n, 2)."""
        return self._sample(0.0, n, seed)

    def sample_model(self, n: int, seed: Any) -> np.ndarray:
        """``n`` points (θ, z), z ~ U[0, 1]; shape (n, 2)."""
        return self._sample(self.theta, n, seed)


@dataclass(frozen=True, eq=False)
class DiscreteParallelLines:
    """Two uniform discrete measures on 2-D points and their Euclidean cost matrix.

    Attributes
    ----------
    theta : float
    points_real : ndarray, shape (n, 2)
        (0, z_i) with z_i = (i + 1/2) / n.
    points_model : ndarray, shape (n, 2)
        (θ, z_i).
    weights_real, weights_model : ndarray, shape (n,)
        Uniform, 1/n each.
    cost : ndarray, shape (n, n)
        cost[i, j] = ‖points_real[i] - points_model[j]‖₂ = sqrt(θ² + (z_i - z_j)²).
    """

    theta: float
    points_real: np.ndarray
    points_model: np.ndarray
    weights_real: np.ndarray
    weights_model: np.ndarray
    cost: np.ndarray

    def to_dict(self) -> dict:
        """JSON-ready description."""
        return {
            "theta": self.theta,
            "points_real": self.points_real.tolist(),
            "points_model": self.points_model.tolist(),
            "weights_real": self.weights_real.tolist(),
            "weights_model": self.weights_model.tolist(),
        }


def discretized(theta: float, n_bins: int) -> DiscreteParallelLines:
    """Discretize the parallel lines: Z uniform on the ``n_bins`` midpoints (i + 1/2)/n.

    Source: Arjovsky, Chintala & Bottou (2017), Example 1, with U[0, 1] replaced by its
    midpoint discretization.

    Parameters
    ----------
    theta : float
        Offset of the model's line.
    n_bins : int, >= 1
        Number of points on each line.

    Returns
    -------
    DiscreteParallelLines
        Points, uniform weights and the Euclidean cost matrix, shape (n_bins, n_bins).

    Raises
    ------
    ValueError, TypeError
        For a non-finite ``theta`` or ``n_bins`` < 1.

    Notes
    -----
    The exact W₁ of the discretized pair equals |θ| (see the module docstring), so an LP
    solver's value can be compared with the continuous closed form without discretization
    error.
    """
    theta = _check_theta(theta)
    n = check_int(n_bins, "n_bins", minimum=1)
    z = (np.arange(n) + 0.5) / n
    real = np.stack([np.zeros(n), z], axis=-1)
    model = np.stack([np.full(n, theta), z], axis=-1)
    diff = real[:, None, :] - model[None, :, :]
    cost = np.sqrt(np.sum(diff * diff, axis=-1))
    w = np.full(n, 1.0 / n)
    return DiscreteParallelLines(theta, real, model, w, w.copy(), cost)

# Old British spellings of public names, kept as deprecated aliases (theory.deprecation).
__getattr__ = module_getattr(__name__, globals(), {
    'discretised': 'discretized',
})
