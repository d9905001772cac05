"""Hypothesis strategies for MaxEnt IRL / Finn-discriminator properties (public API).

They build valid inputs of :mod:`theory.irl` directly (no mass rejection), on the general
domain the identities assume: finite costs, a sampler density q with FULL support (the
importance-sampling identities divide by q and a sampler that can never draw a trajectory
cannot estimate its mass), data distributions with zero atoms allowed, and empirical
weights counts/n obtained by actually drawing samples with a seeded generator.

Source: the setting of Finn et al. (2016), arXiv:1611.03852, Sections 2.3 and 3 (costs
c_theta(tau), sampler q(tau), demonstrations from p(tau)); Ziebart et al. (2008) for linear
costs c = theta . f(tau).

Strategies
----------
``costs(n=None, *, min_size=2, max_size=8, min_value=-30, max_value=30)``
    Finite cost vectors (shape (n,)).
``samplers(n=None, *, min_size=2, max_size=8, min_prob=1e-6)``
    Full-support probability vectors q.
``data_distributions(n=None, *, min_size=2, max_size=8, zero_atoms=True)``
    Probability vectors p_data (zero atoms allowed).
``empirical_weights(p, *, min_samples=1, max_samples=200)``
    counts/m of m draws from p (seed drawn by Hypothesis).
``irl_problems(n=None, *, empirical=False, ...)``
    :class:`IRLProblem`: cost, q, p_data (and q_weights) on one trajectory set; with
    ``empirical=True`` p_data and q_weights are empirical weights of samples from a data
    distribution and from q.
``linear_cost_problems(*, min_size=2, max_size=8, min_features=1, max_features=4, ...)``
    :class:`LinearCostProblem`: features (N, K), theta (K,), q, p_data, q_weights.

Example::

    from hypothesis import given
    from solvers.problems.irl_strategies import irl_problems
    from theory.irl import importance_sampling_partition, optimal_log_partition

    @given(irl_problems())
    def test_fixed_point(pr):
        s = optimal_log_partition(pr.cost, pr.q, pr.p_data, q_weights=pr.q_weights)
        assert abs(importance_sampling_partition(pr.cost, pr.q, pr.p_data, s,
                                                 q_weights=pr.q_weights) - s) < 1e-9
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import hypothesis.extra.numpy as hnp
import numpy as np
from hypothesis import strategies as st

from solvers.problems.strategies import full_support_vectors, logits, probability_vectors, seeds

__all__ = [
    "IRLProblem",
    "LinearCostProblem",
    "costs",
    "samplers",
    "data_distributions",
    "empirical_weights",
    "irl_problems",
    "linear_cost_problems",
]


@dataclass(frozen=True, eq=False)
class IRLProblem:
    """Inputs of the Finn-discriminator identities on one trajectory set of N atoms.

    Attributes
    ----------
    cost : ndarray, shape (N,)
    q : ndarray, shape (N,)
        Sampler density (full support; a probability vector).
    p_data : ndarray, shape (N,)
        Data distribution, or empirical demonstration weights when ``empirical``.
    q_weights : ndarray, shape (N,) or None
        Empirical sampler-sample weights (None: exact expectation under q).
    empirical : bool
    """

    cost: np.ndarray
    q: np.ndarray
    p_data: np.ndarray
    q_weights: np.ndarray | None = None
    empirical: bool = False


@dataclass(frozen=True, eq=False)
class LinearCostProblem:
    """A linear cost c = features @ theta with a sampler and data on the same N trajectories.

    Attributes
    ----------
    features : ndarray, shape (N, K)
    theta : ndarray, shape (K,)
    q, p_data : ndarray, shape (N,)
    q_weights : ndarray, shape (N,) or None
    """

    features: np.ndarray
    theta: np.ndarray
    q: np.ndarray
    p_data: np.ndarray
    q_weights: np.ndarray | None = None

    @property
    def cost(self) -> np.ndarray:
        return self.features @ self.theta


def costs(n: Any = None, *, min_size: int = 2, max_size: int = 8, min_value: float = -30.0,
          max_value: float = 30.0) -> st.SearchStrategy:
    """Finite cost vectors c(tau), shape (n,), entries in [min_value, max_value]."""
    return logits(n, min_size=min_size, max_size=max_size, min_value=min_value,
                  max_value=max_value)


def samplers(n: Any = None, *, min_size: int = 2, max_size: int = 8,
             min_prob: float = 1e-6) -> st.SearchStrategy:
    """Sampler densities q with full support (every atom >= ``min_prob``), shape (n,)."""
    return full_support_vectors(n, min_size=min_size, max_size=max_size, min_prob=min_prob)


def data_distributions(n: Any = None, *, min_size: int = 2, max_size: int = 8,
                       zero_atoms: bool = True) -> st.SearchStrategy:
    """Data distributions p_data, shape (n,), zero atoms allowed unless ``zero_atoms=False``."""
    return probability_vectors(n, min_size=min_size, max_size=max_size, zero_atoms=zero_atoms)


def _draw_weights(p: np.ndarray, m: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(m, p / p.sum())
    return counts / m


@st.composite
def empirical_weights(draw, p: Any, *, min_samples: int = 1, max_samples: int = 200) -> np.ndarray:
    """counts/m of m i.i.d. draws from ``p`` (m and the seed drawn by Hypothesis), shape (N,)."""
    prob = np.asarray(p, dtype=float)
    m = draw(st.integers(min_samples, max_samples))
    return _draw_weights(prob, m, draw(seeds()))


@st.composite
def irl_problems(draw, n: Any = None, *, min_size: int = 2, max_size: int = 8,
                 empirical: bool = False, min_cost: float = -30.0, max_cost: float = 30.0,
                 min_q: float = 1e-6, max_samples: int = 200) -> IRLProblem:
    """Cost, full-support sampler and data on one set of N trajectories.

    ``empirical=False``: exact p_data (zero atoms allowed) and q_weights None.
    ``empirical=True``: p_data = counts/n of n demonstrations from a drawn data distribution,
    q_weights = counts/m of m samples from q (both seeded by Hypothesis).
    """
    size = draw(st.integers(min_size, max_size)) if n is None else int(n)
    cost = draw(costs(size, min_value=min_cost, max_value=max_cost))
    q = draw(samplers(size, min_prob=min_q))
    p = draw(data_distributions(size))
    if not empirical:
        return IRLProblem(cost, q, p)
    p_emp = draw(empirical_weights(p, max_samples=max_samples))
    q_emp = draw(empirical_weights(q, max_samples=max_samples))
    return IRLProblem(cost, q, p_emp, q_emp, empirical=True)


@st.composite
def linear_cost_problems(draw, *, min_size: int = 2, max_size: int = 8, min_features: int = 1,
                         max_features: int = 4, feature_bound: float = 3.0,
                         theta_bound: float = 3.0, empirical: bool = False,
                         min_q: float = 1e-6, max_samples: int = 200) -> LinearCostProblem:
    """Features (N, K), theta (K,), a full-support sampler and data; ``empirical`` as in
    :func:`irl_problems`."""
    size = draw(st.integers(min_size, max_size))
    k = draw(st.integers(min_features, max_features))
    feats = draw(hnp.arrays(np.float64, (size, k),
                            elements=st.floats(-feature_bound, feature_bound)))
    theta = draw(hnp.arrays(np.float64, k, elements=st.floats(-theta_bound, theta_bound)))
    q = draw(samplers(size, min_prob=min_q))
    p = draw(data_distributions(size))
    if not empirical:
        return LinearCostProblem(feats, theta, q, p)
    p_emp = draw(empirical_weights(p, max_samples=max_samples))
    q_emp = draw(empirical_weights(q, max_samples=max_samples))
    return LinearCostProblem(feats, theta, q, p_emp, q_emp)
