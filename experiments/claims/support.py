"""Helpers shared by several claim modules (not claims themselves).

- :func:`derived_claim` — register a claim whose first part checks its sympy derivation;
- :data:`ALPHA` — the default false-alarm probability of one statistical claim part; its
  acceptance regions come from :mod:`theory.concentration` (exact or conservative bounds);
- :func:`measures_on_union` — two discrete measures on one common alphabet;
- :func:`sliced_w1` — sliced Wasserstein-1 between 2-D samples on fixed directions;
- :func:`per_atom_linear_rates` / :func:`per_atom_rate_evidence` — measured and predicted
  contraction factors of a decoupled logistic iteration, with a derived tolerance;
- :func:`perturbation_directions` — the directions of a local-optimality check.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping

import numpy as np

from experiments.registry import Context, Evidence, claim
from solvers.tabular.gan import fit_linear_rate
from theory.divergences import wasserstein_1d

__all__ = ["derived_claim", "ALPHA", "measures_on_union", "sliced_w1", "SIGMOID_SECOND_DERIVATIVE_MAX",
           "RATE_WINDOW", "per_atom_linear_rates", "per_atom_rate_evidence", "perturbation_directions"]

#: Default false-alarm probability of one claim part (all its comparisons together; a part
#: making K comparisons spends ALPHA/K on each, Bonferroni).  With ~100 statistical parts in
#: the registry and a 20-seed sweep, 2,000 parts run; at 1e-6 each the probability that any of
#: them fails although every prediction is right is <= 2e-3 (union bound).
ALPHA = 1e-6


def derived_claim(id: str, *, derivation: str | None = None, kinds: Iterable[str] = ("exact",),
                  part: str = "symbolic", **metadata) -> Callable:
    """Register the decorated check as a claim whose first part is its sympy derivation's check.

    Shorthand for ``@claim(id, kinds=("symbolic", *kinds), derivation=derivation, **metadata)``
    on a check that starts its parts with
    ``{part: Evidence.from_derivation(derivation, seed=ctx.seed)}``: the derivation id is written
    once, and the decorated function returns only its other parts (a mapping of part names to
    :class:`~experiments.registry.Evidence`).  ``derivation`` defaults to the claim id.  The
    run's seed fixes the derivation's random probe points, like every other random draw of the
    claim.  Returns the registered check (derivation part included).
    """
    derivation = id if derivation is None else derivation

    def register(check: Callable[[Context], Mapping[str, Evidence]]) -> Callable:
        @functools.wraps(check)
        def check_with_derivation(ctx: Context) -> dict[str, Evidence]:
            parts = {part: Evidence.from_derivation(derivation, seed=ctx.seed)}
            parts.update(check(ctx))
            return parts

        return claim(id, kinds=("symbolic", *kinds), derivation=derivation, **metadata)(check_with_derivation)

    return register


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
    angles = np.pi * np.arange(n_directions) / n_directions
    directions = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return float(np.mean([wasserstein_1d(x @ d, y @ d) for d in directions]))


#: max |σ''| over the real line, σ the logistic function: σ'' = σ(1 - σ)(1 - 2σ) peaks at
#: σ = 1/2 ± 1/(2√3), where it equals 1/(6√3).
SIGMOID_SECOND_DERIVATIVE_MAX = 1.0 / (6.0 * np.sqrt(3.0))


#: The window of step lengths (lo, hi) on which :func:`per_atom_linear_rates` fits each atom's
#: factor: below hi the iterate is within ~1e-2 of its limit (the tolerance accounts for the
#: non-linearity left there), above lo rounding of the recorded steps stays < 1e-4.
RATE_WINDOW = (1e-10, 1e-4)


def per_atom_linear_rates(trajectory: np.ndarray, lr: float, curvature: np.ndarray,
                          predicted_limit: np.ndarray, *, lo: float = RATE_WINDOW[0],
                          hi: float = RATE_WINDOW[1]) -> dict:
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


def per_atom_rate_evidence(trajectory: np.ndarray, lr: float, curvature: np.ndarray,
                           predicted_limit: np.ndarray, *, factor: str) -> Evidence:
    """Each atom's fitted contraction factor (:func:`per_atom_linear_rates` on
    :data:`RATE_WINDOW`) against its linearized prediction, within the derived per-atom
    tolerance; ``factor`` writes the predicted factor for the reason."""
    lo, hi = RATE_WINDOW
    rates = per_atom_linear_rates(trajectory, lr, curvature, predicted_limit, lo=lo, hi=hi)
    return Evidence.close(
        rates["predicted"], rates["measured"], atol=rates["tolerance"],
        reason=f"per-atom factor fitted to the step lengths in ({lo:g}, {hi:g}) vs {factor}; "
        "tolerance derived per atom: lr s max|sigma''| max|psi_t - psi_inf| over the window "
        "(mean value theorem, s the atom's curvature) + rounding of the recorded steps",
        details={"predicted_rate": float(rates["predicted"].max()),
                 "measured_rate": float(rates["measured"].max()), "n_fit": rates["n_fit"],
                 "tolerance_per_atom": rates["tolerance"]})


def perturbation_directions(rng: np.random.Generator, n_random: int, dim: int, *,
                            axes: bool = True) -> np.ndarray:
    """Unit directions for a local-optimality check, each with both signs: the ``dim``
    coordinate axes (when ``axes``) and ``n_random`` random unit vectors drawn from ``rng``.

    Moving a claimed optimum by a small step along every row must not improve the objective;
    a wrong optimum is beaten along the direction towards the true one (random candidates from
    the whole domain would prove nothing).  Shape (2 (dim + n_random), dim) (or
    (2 n_random, dim) without the axes), the + signs first.
    """
    d = rng.standard_normal((n_random, dim))
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    if axes:
        d = np.concatenate([np.eye(dim), d])
    return np.concatenate([d, -d])
