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


#: max |σ''| over the real line, σ the logistic function: σ'' = σ(1 - σ)(1 - 2σ) peaks at
#: σ = 1/2 ± 1/(2√3), where it equals 1/(6√3).
SIGMOID_SECOND_DERIVATIVE_MAX = 1.0 / (6.0 * np.sqrt(3.0))


def per_atom_linear_rates(trajectory: np.ndarray, lr: float, curvature: np.ndarray,
                          predicted_limit: np.ndarray, *, lo: float = 1e-10, hi: float = 1e-4) -> dict:
    """Measured and predicted contraction factors of a decoupled logistic iteration, per atom.

    Each atom follows its own scalar map ψ ← ψ + lr g(ψ) with g'(ψ) = -s σ'(ψ), s = ``curvature``
    (p + q for the GAN discriminator, m for the stateless-MDP critic).  The successive step
    lengths δ_t = ψ_{t+1} - ψ_t satisfy exactly δ_{t+1} = δ_t (1 - lr s σ'(ξ_t)) with ξ_t between
    ψ_t and ψ_{t+1} (mean value theorem), so on a window of consecutive steps every ratio lies
    within lr s max|σ''| e of the linearized factor ρ = 1 - lr s σ'(ψ*), where e bounds
    |ψ_t - ψ*| on the window.  The least-squares slope of log δ_t on t is a weighted average
    (non-negative weights summing to 1) of consecutive log-increments, so the fitted factor obeys
    the same bound, plus the rounding of the recorded steps (each |δ| carries at most
    eps |ψ| / |δ| relative error, an increment twice that).  This is the tolerance returned:
    derived, not tuned, and it does not depend on the predicted limit (``e`` is measured from
    the run's own last iterate, which the caller has run until every step is below ``lo``).

    Fitting per atom, on the steps the linearization describes, removes the bias of fitting the
    max over atoms (whose slowest atom may only take over late, or oscillate at large lr).

    Returns a dict with ``predicted`` (ρ from ``predicted_limit``), ``measured`` (per-atom
    fitted factor), ``tolerance`` (per atom) and ``n_fit`` (steps in each window).
    """
    from solvers.tabular.gan import fit_linear_rate

    psi = np.asarray(trajectory, dtype=float)
    curvature = np.asarray(curvature, dtype=float)
    steps = np.abs(np.diff(psi, axis=0))
    last = psi[-1]
    sig = 1.0 / (1.0 + np.exp(-np.asarray(predicted_limit, dtype=float)))
    # |.|: above lr s σ' = 1 the atom oscillates; the step lengths then contract by |1 - lr s σ'|.
    predicted = np.abs(1.0 - lr * curvature * sig * (1.0 - sig))
    measured = np.empty(psi.shape[1])
    tolerance = np.empty(psi.shape[1])
    n_fit = np.zeros(psi.shape[1], dtype=int)
    eps = np.finfo(float).eps
    for i in range(psi.shape[1]):
        keep = (steps[:, i] > lo) & (steps[:, i] < hi)
        n_fit[i] = int(keep.sum())
        measured[i] = fit_linear_rate(steps[:, i], lo=lo, hi=hi)
        if n_fit[i] < 3:
            tolerance[i] = 0.0
            continue
        # psi_t and psi_{t+1} for every step in the window (both enter xi_t).
        idx = np.flatnonzero(keep)
        window = np.concatenate([psi[idx, i], psi[idx + 1, i]])
        # What the run has left after its last iterate: a geometric tail of at most
        # last step x rho / (1 - rho), rho the atom's fitted factor (the caller runs on until
        # the last step is far below ``lo``, so this term is tiny whatever rho is).
        rho = min(float(measured[i]), 1.0 - 1e-6) if np.isfinite(measured[i]) else 1.0 - 1e-6
        tail = steps[-1, i] * rho / (1.0 - rho)
        e = np.max(np.abs(window - last[i])) + tail
        spread = lr * curvature[i] * SIGMOID_SECOND_DERIVATIVE_MAX * e
        rounding = 2.0 * eps * np.max(np.abs(window)) / lo
        # |log(ratio) - log(rho)| <= spread / (rho - spread); fitted slope within that + rounding.
        log_bound = spread / max(predicted[i] - spread, 1e-300) + 2.0 * rounding
        tolerance[i] = predicted[i] * np.expm1(log_bound)
    return {"predicted": predicted, "measured": measured, "tolerance": tolerance, "n_fit": n_fit}
