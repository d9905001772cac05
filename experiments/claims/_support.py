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
