"""Guided cost learning, part 1: the tabular autoregressive sampler over an enumerable
trajectory set (see :mod:`solvers.tabular.guided_cost` for the whole method).

The sampler is a tabular autoregressive policy over all length-H action sequences of an
A-action deterministic MDP, in the layout of :mod:`theory.autoregressive` (its one home):
``logits[t]`` of shape (A^t, A), row = the prefix a_1..a_t as a base-A number (a_1 most
significant), column = the next action, so π_t(a | prefix) = softmax(logits[t][prefix])[a] and
q(τ) = Π_t π_t(a_{t+1} | a_1..a_t).  Trajectory row r is the base-A number a_1 a_2 ... a_H, the
order of ``solvers.problems.trajectories.deterministic_paths``.  Densities of all A^H
trajectories, ancestral sampling and exact or score-function gradients are vectorized over
trajectories and samples (loops run over the H time steps only).

Source: Finn, Christiano, Abbeel & Levine (2016), Section 2.3 (the sampler's density must be
evaluable); the softmax policy gradient (Williams 1992).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import softmax
from theory.autoregressive import check_logits
from theory import autoregressive
from solvers.validation import check_vector
from theory.validation import as_generator, check_int, check_probability


def check_weights(x: ArrayLike, name: str, n: int) -> np.ndarray:
    """Probability vectors along the last axis (leading batch axes allowed), length n."""
    w = check_probability(x, name)
    if w.shape[-1] != n:
        raise ValueError(f"`{name}` must have length {n} along its last axis (got shape {w.shape})")
    return w

# ============================================================================ 1. sampler
def init_logits(n_actions: int, horizon: int, *, scale: float = 0.0, seed=None) -> list[np.ndarray]:
    """Logits of a tabular autoregressive sampler: zeros (uniform over A^H trajectories) or
    independent N(0, scale²) entries.

    Parameters
    ----------
    n_actions : int, >= 1
        A, the number of actions.
    horizon : int, >= 1
        H, the number of steps.
    scale : float, >= 0
        Standard deviation of random logits; 0 gives the uniform sampler (``seed`` unused).
    seed : int, SeedSequence or Generator
        Required when ``scale > 0``.

    Returns
    -------
    list of ndarray
        ``logits[t]`` of shape (A^t, A), t = 0..H-1.
    """
    a = check_int(n_actions, "n_actions", minimum=1)
    h = check_int(horizon, "horizon", minimum=1)
    if isinstance(scale, bool) or not isinstance(scale, (int, float, np.floating, np.integer)):
        raise TypeError(f"`scale` must be a real number, got {type(scale).__name__}")
    if not np.isfinite(scale) or scale < 0:
        raise ValueError(f"`scale` must be a finite number >= 0 (got {scale!r})")
    if scale == 0:
        return [np.zeros((a**t, a)) for t in range(h)]
    rng = as_generator(seed)
    return [scale * rng.standard_normal((a**t, a)) for t in range(h)]


def log_density(logits) -> np.ndarray:
    """log q(τ) of every trajectory, in row order: Σ_t log softmax(logits[t][prefix_t])[a_{t+1}].

    Source: the autoregressive factorisation q(τ) = Π_t π(a_{t+1} | a_1..a_t) of a policy
    in a deterministic MDP (Finn et al. 2016, Section 2.3: the sampler's density must be
    evaluable).

    Parameters
    ----------
    logits : list of array_like
        ``logits[t]`` of shape (A^t, A) (module docstring).

    Returns
    -------
    ndarray, shape (A^H,)
        Finite for finite logits (log-softmax, no underflow to -inf); exp sums to 1.
    """
    arrays, a, h = check_logits(logits)
    return autoregressive.log_density(arrays)


def density(logits) -> np.ndarray:
    """q(τ) = exp(:func:`log_density`), shape (A^H,), summing to 1."""
    return np.exp(log_density(logits))


def sample(logits, n: int, seed) -> np.ndarray:
    """n ancestral draws from the autoregressive sampler, as trajectory row indices.

    Parameters
    ----------
    logits : list of array_like
        ``logits[t]`` of shape (A^t, A).
    n : int, >= 0
        Number of draws.
    seed : int, SeedSequence or Generator

    Returns
    -------
    ndarray of int, shape (n,)
        Row index a_1 a_2 ... a_H (base A) of each drawn trajectory.
    """
    arrays, a, _ = check_logits(logits)
    n = check_int(n, "n", minimum=0)
    rng = as_generator(seed)
    idx = np.zeros(n, dtype=np.int64)
    for x in arrays:
        cdf = np.cumsum(softmax(x, axis=1), axis=1)[idx]  # (n, A)
        u = rng.random(n)
        # Inverse-CDF draw; actions with zero probability are never chosen (cdf does not rise).
        act = np.minimum(np.sum(cdf[:, :-1] <= u[:, None], axis=1), a - 1)
        idx = idx * a + act
    return idx


def empirical_weights(indices: ArrayLike, n_trajectories: int) -> np.ndarray:
    """Counts / n of trajectory indices: the empirical distribution of draws, shape (N,)."""
    n_traj = check_int(n_trajectories, "n_trajectories", minimum=1)
    idx = np.asarray(indices)
    if idx.ndim != 1 or idx.size == 0 or not np.issubdtype(idx.dtype, np.integer):
        raise ValueError("`indices` must be a non-empty 1-D integer array")
    if idx.min() < 0 or idx.max() >= n_traj:
        raise ValueError(f"`indices` must lie in [0, {n_traj}) (got {idx.min()}..{idx.max()})")
    return np.bincount(idx, minlength=n_traj) / idx.size


def expectation_gradient(logits, values: ArrayLike, *, weights: ArrayLike | None = None) -> list[np.ndarray]:
    """Gradient with respect to the logits of E_q[r] (r held fixed), exact or score-function.

    ``weights=None``:  ∇_φ Σ_τ q_φ(τ) r(τ) = Σ_τ q_φ(τ) r(τ) ∇_φ log q_φ(τ)  (exact);
    with ``weights`` w (empirical frequencies of draws from q_φ): Σ_τ w(τ) r(τ) ∇_φ log q_φ(τ),
    the unbiased score-function (REINFORCE) estimate.  Per time step,

        ∂/∂logits[t][u, a] = M[u, a] - π_t(a | u) Σ_a' M[u, a'],   M[u, a] = Σ_{τ ⊒ (u, a)} w r.

    Source: the softmax policy gradient (Williams 1992) on the autoregressive factorisation;
    derived in the module docstring.

    Parameters
    ----------
    logits : list of array_like
        ``logits[t]`` of shape (A^t, A).
    values : array_like, shape (A^H,)
        r(τ) in row order (finite).
    weights : array_like, shape (A^H,), optional
        Empirical weights of sampler draws (non-negative, summing to 1).

    Returns
    -------
    list of ndarray
        Same shapes as ``logits``; each row sums to 0.
    """
    arrays, a, h = check_logits(logits)
    r = check_vector(values, "values", a**h)
    w = np.exp(autoregressive.log_density(arrays)) if weights is None else check_weights(weights, "weights", a**h)
    if w.ndim != 1:
        raise ValueError(f"`weights` must be 1-D (got shape {w.shape})")
    return autoregressive.expectation_gradient(arrays, w * r)
