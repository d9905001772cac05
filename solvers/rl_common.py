"""Small numerical helpers shared by the tabular and neural reinforcement-learning solvers
(:mod:`solvers.tabular.actor_critic`, :mod:`solvers.tabular.policy_gradient`,
:mod:`solvers.neural.a2c`, :mod:`solvers.tabular.a3c`, :mod:`solvers.tabular.stabilizers`):
max-shifted softmax and log-softmax, and per-index scatter sums.

Both are plain numpy, vectorized, with no input validation (callers validate at their public
boundary).
"""

from __future__ import annotations

import numpy as np

__all__ = ["softmax", "log_softmax", "scatter_sum"]


def softmax(x: np.ndarray) -> np.ndarray:
    """softmax along the last axis of ``x`` (shape (..., A) in and out), max-shifted:
    π_a = exp(x_a - max x) / Σ_b exp(x_b - max x)."""
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def log_softmax(x: np.ndarray) -> np.ndarray:
    """log softmax along the last axis, log π_a = x_a - max x - log Σ_b exp(x_b - max x).

    Max-shifted, so finite for any finite logits (large logits give log-probabilities like
    -1e3 rather than -inf or NaN); scipy's version is slower per call on small arrays.

    Parameters
    ----------
    x : ndarray, shape (..., A)

    Returns
    -------
    ndarray, shape (..., A)
    """
    z = x - x.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def scatter_sum(index: np.ndarray, values: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-index sums of ``values`` and per-index counts, by ``np.bincount``.

    Parameters
    ----------
    index : ndarray of int, shape (n,)
        Group of every row, in [0, size).
    values : ndarray, shape (n,) or (n, k)
    size : int
        Number of groups.

    Returns
    -------
    sums : ndarray, shape (size,) or (size, k)
    counts : ndarray of float, shape (size,)
    """
    counts = np.bincount(index, minlength=size).astype(np.float64)
    if values.ndim == 1:
        return np.bincount(index, weights=values, minlength=size), counts
    k = values.shape[1]
    flat = (index[:, None] * k + np.arange(k)).ravel()
    return np.bincount(flat, weights=values.ravel(), minlength=size * k).reshape(size, k), counts
