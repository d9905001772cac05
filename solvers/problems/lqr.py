"""The scalar linear-quadratic control problem of the DDPG check (:mod:`solvers.neural.ddpg`,
which re-exports :class:`ScalarLQR`): s' = a s + b u + noise, reward -(q s² + r u²); its exact
optimal gain comes from :mod:`theory.lqr`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as onp

from theory.validation import as_float_array, as_generator, check_nonnegative
from theory.validation import check_unit_interval
from theory.lqr import check_lqr_problem, lqr_doc

# ---------------------------------------------------------------------------------------------
# the environment
# ---------------------------------------------------------------------------------------------


@lqr_doc
@dataclass(frozen=True)
class ScalarLQR:
    """A simulator of the scalar discounted linear-quadratic regulator.

    x' = a x + b u + σ w (w ~ N(0, 1)),  reward −(q x² + r u²),  x_0 ~ N(0, x0_std²).

    Source: the problem of :mod:`theory.lqr` (Bertsekas 2017, Vol. I, Section 3.1), simulated;
    used as a continuous-control task in the spirit of Lillicrap et al. (2016), Section 4.

    Parameters
    ----------
    %(problem)s
    sigma : float >= 0
        Process-noise standard deviation.
    x0_std : float >= 0
        Start-state standard deviation.
    reset_prob : float in [0, 1] or None
        Probability that a copy restarts after a transition (``None``: 1 − γ).

    Raises
    ------
    ValueError, TypeError
        Named errors for each parameter.
    """

    a: float = 0.7
    b: float = 1.0
    q: float = 1.0
    r: float = 0.5
    gamma: float = 0.9
    sigma: float = 0.3
    x0_std: float = 1.0
    reset_prob: Any = None

    def __post_init__(self) -> None:
        checked = check_lqr_problem(self.a, self.b, self.q, self.r, self.gamma)
        for name, value in zip(("a", "b", "q", "r", "gamma"), checked):
            object.__setattr__(self, name, value)
        object.__setattr__(self, "sigma", check_nonnegative(self.sigma, "sigma"))
        object.__setattr__(self, "x0_std", check_nonnegative(self.x0_std, "x0_std"))
        if self.reset_prob is not None:
            object.__setattr__(self, "reset_prob", check_unit_interval(self.reset_prob, "reset_prob"))

    @property
    def restart(self) -> float:
        """The restart probability actually used (1 − γ unless set)."""
        return 1.0 - self.gamma if self.reset_prob is None else float(self.reset_prob)

    @property
    def params(self) -> dict:
        """The problem's parameters as keyword arguments of :mod:`theory.lqr`'s functions
        (``a, b, q, r, gamma`` positionally, ``sigma`` and ``x0_var`` as keywords)."""
        return {"a": self.a, "b": self.b, "q": self.q, "r": self.r, "gamma": self.gamma,
                "sigma": self.sigma, "x0_var": self.x0_std ** 2}

    def reset(self, shape: Any, seed: Any) -> onp.ndarray:
        """Start states x_0 ~ N(0, x0_std²) of the given shape."""
        return self.x0_std * as_generator(seed).standard_normal(shape)

    def reward(self, x: Any, u: Any) -> onp.ndarray:
        """r(x, u) = −(q x² + r u²)."""
        x, u = onp.asarray(x, dtype=float), onp.asarray(u, dtype=float)
        return -(self.q * x * x + self.r * u * u)

    def step(self, x: Any, u: Any, seed: Any) -> tuple[onp.ndarray, onp.ndarray]:
        """One transition of every copy: returns ``(reward, x_next)`` with x_next = a x + b u + σ w."""
        x = as_float_array(x, "x")
        u = as_float_array(u, "u")
        if x.shape != u.shape:
            raise ValueError(f"`x` and `u` must have the same shape (got {x.shape} and {u.shape})")
        rng = as_generator(seed)
        return self.reward(x, u), self.a * x + self.b * u + self.sigma * rng.standard_normal(x.shape)
