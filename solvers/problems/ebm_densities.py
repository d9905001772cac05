"""Densities with a known, normalized log-density for the energy-based model of Finn et al.

An :class:`EBMDensity` is a target p(x) on ℝᵈ (d = 1 or 2) that can be sampled exactly and
whose log-density is known in closed form, including its normalizing constant, so that a
learned energy E_θ can be compared with −log p up to an additive constant and a learned
partition function with a quadrature of exp(−E_θ).  It also carries a *box* holding all but a
negligible part of its mass and builds regular trapezoidal quadrature grids on any box.

- :func:`bimodal_1d` — a two-component 1-D Gaussian mixture with unequal weights and widths;
- :func:`banana_2d` — a 2-D "banana" (twisted Gaussian): x₁ ~ N(0, σ₁²),
  x₂ | x₁ ~ N(β x₁² − β σ₁², σ₂²), whose density is normalized exactly because the map
  (x₁, x₂) ↦ (x₁, x₂ − β x₁² + β σ₁²) has unit Jacobian.

Source: the energy-based reading of Finn, Christiano, Abbeel & Levine (2016), "A Connection
between Generative Adversarial Networks, Inverse Reinforcement Learning, and Energy-Based
Models", Section 2.2 (p_θ(x) = exp(−E_θ(x))/Z) and Section 4 (GANs for training EBMs); the
banana is the twisted Gaussian of Haario, Saksman & Tamminen (1999), "Adaptive proposal
distribution for random walk Metropolis algorithm", Section 4 (rescaled, and centred so that
E x₂ = 0).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from solvers.results import ArrayResult
from solvers.problems.mixtures import mixture_1d
from theory.validation import as_float_array, as_generator, check_int, check_positive, check_instance

__all__ = [
    "EBMDensity",
    "QuadratureGrid",
    "quadrature_grid",
    "bimodal_1d",
    "banana_2d",
    "EBM_DENSITIES",
]

_LOG_2PI = float(np.log(2.0 * np.pi))


@dataclass
class QuadratureGrid(ArrayResult):
    """A tensor-product trapezoidal rule on a box.

    ``points`` (M, d) are the nodes (row-major over the axes, first axis slowest), ``weights``
    (M,) their trapezoid weights (∑ weights = volume of the box), ``axes`` the d node vectors
    and ``shape`` the grid shape (n_1, ..., n_d), so ``values.reshape(shape)`` lays a function
    out for plotting.
    """

    points: np.ndarray
    weights: np.ndarray
    axes: list
    shape: tuple

    def integrate(self, values: ArrayLike) -> float:
        """∫ f ≈ ∑ᵢ wᵢ f(xᵢ) for ``values`` = f at the nodes, shape (M,)."""
        v = as_float_array(values, "values", finite=False)
        if v.shape != self.weights.shape:
            raise ValueError(f"`values` must have shape {self.weights.shape} (got {v.shape})")
        return float(self.weights @ v)

    def log_integrate(self, log_values: ArrayLike) -> float:
        """log ∫ exp(g) ≈ logsumexp(g(xᵢ) + log wᵢ), stable for large |g| (``log_values`` = g)."""
        from scipy.special import logsumexp

        g = as_float_array(log_values, "log_values", finite=False)
        if g.shape != self.weights.shape:
            raise ValueError(f"`log_values` must have shape {self.weights.shape} (got {g.shape})")
        return float(logsumexp(g + np.log(self.weights)))


def quadrature_grid(box: ArrayLike, n_per_axis: int | tuple) -> QuadratureGrid:
    """Trapezoidal quadrature nodes and weights on the box ∏ₖ [loₖ, hiₖ].

    Weights hₖ on interior nodes and hₖ/2 on the two end nodes of each axis, multiplied over
    axes; for smooth integrands that decay towards the box edges the rule converges faster
    than any power of the spacing (the Euler-Maclaurin remainder only has edge terms).

    Source: the composite trapezoidal rule, e.g. Davis & Rabinowitz (1984), "Methods of
    Numerical Integration", Section 2.9 (periodic / rapidly decaying integrands).

    Parameters
    ----------
    box : array_like, shape (d, 2)
        ``box[k] = (lo_k, hi_k)`` with lo_k < hi_k.
    n_per_axis : int >= 2, or a tuple of d such ints
        Number of nodes along each axis.

    Returns
    -------
    QuadratureGrid

    Raises
    ------
    ValueError, TypeError
        For a malformed box or node count.
    """
    b = as_float_array(box, "box")
    if b.ndim != 2 or b.shape[1] != 2:
        raise ValueError(f"`box` must have shape (d, 2) (got shape {b.shape})")
    if np.any(b[:, 1] <= b[:, 0]):
        raise ValueError(f"`box` must have lo < hi on every axis (got {b.tolist()})")
    d = b.shape[0]
    if isinstance(n_per_axis, tuple):
        if len(n_per_axis) != d:
            raise ValueError(f"`n_per_axis` must have {d} entries (got {len(n_per_axis)})")
        counts = [check_int(n, f"n_per_axis[{k}]", minimum=2) for k, n in enumerate(n_per_axis)]
    else:
        counts = [check_int(n_per_axis, "n_per_axis", minimum=2)] * d
    axes, axis_w = [], []
    for (lo, hi), n in zip(b, counts):
        nodes = np.linspace(lo, hi, n)
        h = (hi - lo) / (n - 1)
        w = np.full(n, h)
        w[0] = w[-1] = h / 2.0
        axes.append(nodes)
        axis_w.append(w)
    mesh = np.meshgrid(*axes, indexing="ij")
    points = np.stack([m.ravel() for m in mesh], axis=-1)
    weights = axis_w[0]
    for w in axis_w[1:]:
        weights = np.multiply.outer(weights, w)
    return QuadratureGrid(points=points, weights=np.asarray(weights).ravel(), axes=axes, shape=tuple(counts))


@dataclass(frozen=True, eq=False)
class EBMDensity:
    """A target density p(x) on ℝᵈ with exact samples and an exact, normalized log-density.

    Source: Finn et al. (2016), Section 2.2 (an EBM models p(x) = exp(−E(x))/Z; here the "true
    energy" is −log p, known including its constant).

    Parameters
    ----------
    name : str
    dim : int, 1 or 2
    box : ndarray, shape (d, 2)
        A box outside which p holds less than ``outside_mass`` (stated by the factory).
    log_density : callable (n, d) -> (n,)
        Natural-log density, normalized.
    sampler : callable (n, Generator) -> (n, d)
        Exact sampler.
    outside_mass : float
        An upper bound on the mass of p outside ``box`` (from the factory's tail bound).
    params : dict
        The factory's parameters (JSON-ready).
    """

    name: str
    dim: int
    box: np.ndarray
    log_density: Callable = field(repr=False)
    sampler: Callable = field(repr=False)
    outside_mass: float = 0.0
    params: dict = field(default_factory=dict)

    def _points(self, x: ArrayLike) -> np.ndarray:
        arr = as_float_array(x, "x")
        if self.dim == 1 and arr.ndim == 1:
            arr = arr[:, None]
        if arr.ndim != 2 or arr.shape[1] != self.dim:
            raise ValueError(f"`x` must have shape (n, {self.dim}) (got shape {arr.shape})")
        return arr

    def log_pdf(self, x: ArrayLike) -> np.ndarray:
        """log p(x), shape (n,), for ``x`` of shape (n, d) (or (n,) when d = 1)."""
        return self.log_density(self._points(x))

    def pdf(self, x: ArrayLike) -> np.ndarray:
        """p(x) = exp(log p(x)), shape (n,)."""
        return np.exp(self.log_pdf(x))

    def sample(self, n: int, seed: Any) -> np.ndarray:
        """``n`` exact draws, shape (n, d)."""
        n = check_int(n, "n", minimum=0)
        return self.sampler(n, as_generator(seed))

    def grid(self, n_per_axis: int | tuple, box: ArrayLike | None = None) -> QuadratureGrid:
        """Trapezoidal grid on ``box`` (default: the density's own box)."""
        return quadrature_grid(self.box if box is None else box, n_per_axis)

    def support_mask(self, points: ArrayLike, rel: float = 1e-3) -> np.ndarray:
        """Boolean mask of the points where p ≥ ``rel`` · max p over the same points."""
        rel = check_positive(rel, "rel")
        lp = self.log_pdf(points)
        return lp >= lp.max() + np.log(rel)

    def hdr_mask(self, grid: QuadratureGrid, mass: float = 0.99) -> np.ndarray:
        """Boolean mask of the grid nodes in the highest-density region holding ``mass``.

        The region {x : p(x) ≥ t} with the largest level t whose quadrature mass is at least
        ``mass``: nodes are sorted by density and accumulated with their quadrature weights.
        This is "the support where the density is non-negligible" used to compare a learned
        energy with −log p (outside it the data constrain the energy only weakly).

        Parameters
        ----------
        grid : QuadratureGrid
            Nodes covering (most of) the density's box.
        mass : float in (0, 1]

        Returns
        -------
        ndarray of bool, shape (M,)
        """
        check_instance(grid, "grid", QuadratureGrid)
        mass = float(as_float_array(mass, "mass"))
        if not 0 < mass <= 1:
            raise ValueError(f"`mass` must lie in (0, 1] (got {mass!r})")
        p = self.pdf(grid.points)
        order = np.argsort(-p, kind="stable")
        cum = np.cumsum((p * grid.weights)[order])
        n_in = int(np.searchsorted(cum, mass * cum[-1])) + 1
        mask = np.zeros(p.shape[0], dtype=bool)
        mask[order[:min(n_in, p.shape[0])]] = True
        return mask

    def to_dict(self) -> dict:
        return {"name": self.name, "dim": self.dim, "box": self.box.tolist(),
                "outside_mass": self.outside_mass, "params": dict(self.params)}


def bimodal_1d(means: ArrayLike = (-1.5, 1.0), stds: ArrayLike = (0.45, 0.6),
               weights: ArrayLike = (0.35, 0.65)) -> EBMDensity:
    """A bimodal 1-D Gaussian mixture p(x) = ∑ⱼ wⱼ N(x; μⱼ, σⱼ²) as an EBM target.

    The default has two well separated modes of unequal weight and width, so a wrong energy
    shows up both in the relative height of the modes and in the depth of the valley.

    Source: 1-D mixtures as generative-model targets (Goodfellow et al. 2014, Fig. 1); used
    here as the energy-based target of Finn et al. (2016), Section 4.

    Parameters
    ----------
    means, stds, weights : array_like, shape (k,)
        Component means, standard deviations (> 0) and weights (a probability vector).

    Returns
    -------
    EBMDensity
        ``dim == 1``; ``box`` = [min μ − 8 max σ, max μ + 8 max σ], outside which the mass is
        below 2·Φ(−8) ≈ 1.3e-15.

    Raises
    ------
    ValueError, TypeError
        As :func:`solvers.problems.mixtures.mixture_1d`.
    """
    mix = mixture_1d(means, stds, weights)
    mu, sd = mix.means[:, 0], np.sqrt(mix.covs[:, 0, 0])
    box = np.array([[mu.min() - 8.0 * sd.max(), mu.max() + 8.0 * sd.max()]])
    return EBMDensity(
        name="bimodal_1d", dim=1, box=box,
        log_density=lambda x: mix.log_pdf(x),
        sampler=lambda n, rng: mix.sample(n, rng),
        outside_mass=1.3e-15,
        params={"means": mu.tolist(), "stds": sd.tolist(), "weights": mix.weights.tolist()},
    )


def banana_2d(sigma1: float = 1.0, sigma2: float = 0.4, beta: float = 0.5) -> EBMDensity:
    """The 2-D banana: x₁ ~ N(0, σ₁²), x₂ | x₁ ~ N(β (x₁² − σ₁²), σ₂²).

    log p(x) = log N(x₁; 0, σ₁²) + log N(x₂; β (x₁² − σ₁²), σ₂²), normalized exactly
    (the density of a Gaussian pushed through a shear with unit Jacobian).

    Source: the twisted Gaussian of Haario, Saksman & Tamminen (1999), Section 4, rescaled
    (they use σ₁ = 10, σ₂ = 1 and the offset −100β; we centre x₂ so E x₂ = 0).

    Parameters
    ----------
    sigma1, sigma2 : float > 0
        Standard deviations of x₁ and of x₂ given x₁.
    beta : float
        Curvature of the banana (0 gives an axis-aligned Gaussian).

    Returns
    -------
    EBMDensity
        ``dim == 2``; ``box`` = [−6σ₁, 6σ₁] × [−β σ₁² − 6σ₂, β·35σ₁² + 6σ₂] (for β ≥ 0),
        outside which the mass is below P(|x₁| > 6σ₁) + P(|x₂ − m(x₁)| > 6σ₂) ≈ 4e-9.

    Raises
    ------
    ValueError, TypeError
        For non-positive spreads or a non-finite ``beta``.
    """
    s1 = check_positive(sigma1, "sigma1")
    s2 = check_positive(sigma2, "sigma2")
    b = as_float_array(beta, "beta")
    if b.ndim != 0:
        raise ValueError(f"`beta` must be a scalar (got shape {b.shape})")
    b = float(b)

    def log_density(x: np.ndarray) -> np.ndarray:
        x1, x2 = x[:, 0], x[:, 1]
        m2 = b * (x1 * x1 - s1 * s1)
        return (-0.5 * (x1 / s1) ** 2 - np.log(s1) - 0.5 * _LOG_2PI
                - 0.5 * ((x2 - m2) / s2) ** 2 - np.log(s2) - 0.5 * _LOG_2PI)

    def sampler(n: int, rng: np.random.Generator) -> np.ndarray:
        z = rng.standard_normal((n, 2))
        x1 = s1 * z[:, 0]
        return np.stack([x1, b * (x1 * x1 - s1 * s1) + s2 * z[:, 1]], axis=-1)

    lo2 = min(-b * s1 * s1, 35.0 * b * s1 * s1) - 6.0 * s2
    hi2 = max(-b * s1 * s1, 35.0 * b * s1 * s1) + 6.0 * s2
    box = np.array([[-6.0 * s1, 6.0 * s1], [lo2, hi2]])
    return EBMDensity(
        name="banana_2d", dim=2, box=box, log_density=log_density, sampler=sampler,
        outside_mass=4e-9, params={"sigma1": s1, "sigma2": s2, "beta": b},
    )


#: The named targets (factories with their defaults).
EBM_DENSITIES = {"bimodal_1d": bimodal_1d, "banana_2d": banana_2d}
