"""Small helpers shared by several claim modules (not claims themselves)."""

from __future__ import annotations

import numpy as np


def measures_on_union(points_a: np.ndarray, weights_a: np.ndarray,
                      points_b: np.ndarray, weights_b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two discrete measures on point sets, rewritten as probability vectors on the union of
    their supports (coinciding points merged exactly), so that divergences defined on a common
    finite alphabet (KL, JS, TV) apply.  Returns ``(union_points, p, q)``."""
    pts = np.concatenate([points_a, points_b])
    union, inverse = np.unique(pts, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    p = np.bincount(inverse[: len(points_a)], weights=weights_a, minlength=len(union))
    q = np.bincount(inverse[len(points_a):], weights=weights_b, minlength=len(union))
    return union, p / p.sum(), q / q.sum()


def sliced_w1(x: np.ndarray, y: np.ndarray, n_directions: int = 16) -> float:
    """Sliced Wasserstein-1 between 2-D samples: the mean of exact 1-D W1 distances of the
    projections on ``n_directions`` fixed, evenly spaced directions of the half circle."""
    from theory.divergences import wasserstein_1d

    angles = np.pi * np.arange(n_directions) / n_directions
    directions = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return float(np.mean([wasserstein_1d(x @ d, y @ d) for d in directions]))
