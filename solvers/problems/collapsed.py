"""Mode-collapsed categorical generators: known supports for the birthday-paradox test and toys
for the inception score's blind spots.

A :class:`CollapsedGenerator` is a distribution over ``n_modes`` modes (the data has all of
them) that puts mass on only some: the setting of the birthday-paradox support test of Arora &
Zhang (2017), Section 2, where the generator's support is known and the test must estimate it.
:func:`mass_on_support` builds the extremal family for the collision lower bound (mass ρ
uniformly on N atoms, the rest spread over L thin atoms), and :func:`confident_class_outputs`
the classifier outputs of a generator with one or several outputs per class (Salimans et al.
2016, Section 4).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from solvers.results import set_readonly
from theory.validation import as_generator, check_int, check_probability, check_unit_interval

__all__ = [
    "CollapsedGenerator",
    "collapsed_uniform",
    "collapsed_dirichlet",
    "mass_on_support",
    "confident_class_outputs",
]


@dataclass(frozen=True, eq=False)
class CollapsedGenerator:
    """A categorical generator over ``n_modes`` modes with a (possibly) smaller support.

    Source: the mode-collapse setting of Arora & Zhang (2017), "Do GANs actually learn the
    distribution? An empirical study", arXiv:1706.08224, Section 2 (a generator whose support
    is much smaller than the data's).

    Parameters
    ----------
    probs : array_like, shape (n_modes,)
        The generator's probability of each mode (zero atoms are the collapsed modes).
    name : str
        Label for reports.

    Raises
    ------
    ValueError
        If ``probs`` is not a 1-D probability vector.
    TypeError
        If ``name`` is not a string.
    """

    probs: np.ndarray
    name: str = "collapsed"

    def __post_init__(self) -> None:
        p = check_probability(self.probs, "probs")
        if p.ndim != 1:
            raise ValueError(f"`probs` must be 1-D, shape (n_modes,) (got shape {p.shape})")
        if not isinstance(self.name, str):
            raise TypeError(f"`name` must be a string, got {type(self.name).__name__}")
        set_readonly(self, np.float64, probs=p)

    @property
    def n_modes(self) -> int:
        """Number of modes (atoms), collapsed ones included."""
        return int(self.probs.shape[0])

    @property
    def support(self) -> np.ndarray:
        """Indices of the modes with positive probability."""
        return np.flatnonzero(self.probs > 0)

    @property
    def support_size(self) -> int:
        """Number of modes with positive probability (the quantity the test estimates)."""
        return int(np.count_nonzero(self.probs > 0))

    def sample(self, size: Any, seed: Any) -> np.ndarray:
        """Mode labels (ints in [0, n_modes)), i.i.d. from ``probs``, array of shape ``size``.

        ``seed``: int, SeedSequence or numpy Generator.
        """
        rng = as_generator(seed)
        return rng.choice(self.n_modes, size=size, p=self.probs)

    def to_dict(self) -> dict:
        """JSON-ready description."""
        return {"name": self.name, "probs": self.probs.tolist(), "support_size": self.support_size}


def _check_sizes(n_modes: Any, support_size: Any) -> tuple[int, int]:
    n_modes = check_int(n_modes, "n_modes", minimum=1)
    support_size = check_int(support_size, "support_size", minimum=1)
    if support_size > n_modes:
        raise ValueError(f"`support_size` must be <= n_modes = {n_modes} (got {support_size})")
    return n_modes, support_size


def collapsed_uniform(n_modes: int, support_size: int) -> CollapsedGenerator:
    """Uniform on the first ``support_size`` of ``n_modes`` modes, zero on the rest.

    Parameters
    ----------
    n_modes : int, >= 1
    support_size : int, 1 <= support_size <= n_modes

    Returns
    -------
    CollapsedGenerator
    """
    n_modes, support_size = _check_sizes(n_modes, support_size)
    p = np.where(np.arange(n_modes) < support_size, 1.0 / support_size, 0.0)
    return CollapsedGenerator(p, f"uniform-{support_size}-of-{n_modes}")


def collapsed_dirichlet(n_modes: int, support_size: int, seed: Any, *,
                        alpha: float = 1.0) -> CollapsedGenerator:
    """Dirichlet(α, ..., α) weights on a random subset of ``support_size`` modes.

    Parameters
    ----------
    n_modes : int, >= 1
    support_size : int, 1 <= support_size <= n_modes
    seed : int, SeedSequence or numpy Generator
    alpha : float, > 0
        Concentration; small α gives very unequal weights (a "soft" collapse).

    Returns
    -------
    CollapsedGenerator
    """
    n_modes, support_size = _check_sizes(n_modes, support_size)
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not alpha > 0:
        raise ValueError(f"`alpha` must be a number > 0 (got {alpha!r})")
    rng = as_generator(seed)
    modes = rng.choice(n_modes, size=support_size, replace=False)
    w = rng.dirichlet(np.full(support_size, float(alpha)))
    # Dirichlet draws with tiny alpha can underflow to exact zeros; keep the support size
    w = np.maximum(w, np.finfo(float).tiny)
    p = np.zeros(n_modes)
    p[modes] = w / w.sum()
    return CollapsedGenerator(p, f"dirichlet-{support_size}-of-{n_modes}")


def mass_on_support(rho: float, support_size: int, n_thin: int) -> CollapsedGenerator:
    """Mass ρ uniformly on N atoms and 1 - ρ uniformly on L further ("thin") atoms.

    The extremal family for the collision lower bound of Arora, Risteski & Zhang (2018),
    Theorem 1: as L → ∞ its collision probability decreases to the infimum over all
    distributions with mass ρ on N atoms (:func:`theory.gan_diagnostics.collision_probability_infimum`).

    Parameters
    ----------
    rho : float in [0, 1]
    support_size : int, >= 1
        N, the atoms 0..N-1.
    n_thin : int, >= 0
        L, the atoms N..N+L-1 (must be >= 1 when ρ < 1).

    Returns
    -------
    CollapsedGenerator
        On N + L atoms.
    """
    rho = check_unit_interval(rho, "rho")
    support_size = check_int(support_size, "support_size", minimum=1)
    n_thin = check_int(n_thin, "n_thin", minimum=0)
    if n_thin == 0 and rho < 1.0:
        raise ValueError(f"`n_thin` must be >= 1 when rho < 1 (got rho = {rho})")
    p = np.concatenate([np.full(support_size, rho / support_size),
                        np.full(n_thin, (1.0 - rho) / n_thin if n_thin else 0.0)])
    return CollapsedGenerator(p, f"rho{rho:g}-on-{support_size}-thin{n_thin}")


def confident_class_outputs(n_classes: int, per_class: int = 1, *,
                            confidence: float = 1.0) -> np.ndarray:
    """Classifier outputs p(y|x) of a generator with ``per_class`` outputs for each class.

    Output x = c · per_class + i (i < per_class) is classified as class c with probability
    ``confidence``, the rest spread evenly over the other classes.  With confidence 1 the
    inception score (Salimans et al. 2016, Section 4) is n_classes whatever ``per_class`` is:
    within-class diversity does not move it.

    Parameters
    ----------
    n_classes : int, >= 1
    per_class : int, >= 1
    confidence : float in [0, 1]

    Returns
    -------
    p_y_given_x : ndarray, shape (n_classes * per_class, n_classes)
    """
    n_classes = check_int(n_classes, "n_classes", minimum=1)
    per_class = check_int(per_class, "per_class", minimum=1)
    confidence = check_unit_interval(confidence, "confidence")
    if n_classes == 1:
        return np.ones((per_class, 1))
    rest = (1.0 - confidence) / (n_classes - 1)
    rows = np.full((n_classes, n_classes), rest)
    np.fill_diagonal(rows, confidence)
    return np.repeat(rows, per_class, axis=0)
