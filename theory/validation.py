"""Input validation shared by every public function of ganac.

Validate at the public boundary, then compute.  Every error names the argument, the rule it
broke and the offending value, e.g. ``ValueError: `p_data` must sum to 1 along axis -1 (got
0.97)``.  ``solvers`` may import this module (DESIGN.md: ``solvers -> theory`` for shared
numerics and validation); nothing here imports ``solvers`` or ``experiments``.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

__all__ = [
    "check_probability_vector",
    "PROBABILITY_SUM_RTOL",
    "ConvergenceWarning",
    "as_float_array",
    "as_generator",
    "check_probability",
    "check_same_length",
    "check_weights",
    "broadcast_pair",
    "check_positive",
    "check_nonnegative",
    "check_int",
    "check_in",
    "check_unit_interval",
    "check_instance",
    "check_density",
    "check_transitions",
    "check_policy",
    "check_mu0",
    "check_integer_array",
    "float_or_array",
]

#: Probability vectors must sum to one within this relative tolerance (DESIGN.md, Conventions).
PROBABILITY_SUM_RTOL = 1e-9


class ConvergenceWarning(UserWarning):
    """An iterative solver stopped before reaching its tolerance (see the result's fields)."""


def _short(value: Any) -> str:
    text = np.array2string(np.asarray(value), threshold=6, precision=6)
    return text if len(text) < 120 else text[:117] + "..."


def as_float_array(x: Any, name: str, *, allow_empty: bool = False, finite: bool = True) -> np.ndarray:
    """Convert ``x`` to a float64 array, raising a named error for what cannot be one.

    Raises
    ------
    TypeError
        When ``x`` is not numeric (strings, objects, complex numbers).
    ValueError
        When ``x`` is empty (unless ``allow_empty``) or holds NaN/inf (when ``finite``).
    """
    if isinstance(x, (str, bytes)):
        raise TypeError(f"`{name}` must be an array of real numbers, got a {type(x).__name__}")
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"`{name}` must be an array of real numbers ({exc})") from None
    if arr.dtype == bool:
        # Booleans are not numbers here (as in `check_positive`): a mask passed where a
        # probability vector or a value was meant is a bug worth reporting.
        raise TypeError(f"`{name}` must be an array of real numbers, got booleans")
    if not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(f"`{name}` must be an array of real numbers, got dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    if arr.size == 0 and not allow_empty:
        raise ValueError(f"`{name}` must not be empty (got shape {arr.shape})")
    if finite and not np.all(np.isfinite(arr)):
        raise ValueError(f"`{name}` must be finite (got {_short(arr)})")
    return arr


def check_probability(p: Any, name: str, *, axis: int = -1) -> np.ndarray:
    """Return ``p`` as a float64 array of probability vectors along ``axis``.

    Rules (DESIGN.md, Conventions): finite, non-negative, summing to 1 within a relative
    tolerance of ``PROBABILITY_SUM_RTOL``.  Zero atoms are valid.  No silent renormalization
    (unlike ``scipy.stats.entropy``).
    """
    # Two passes over the data (a sum and a min) instead of elementwise boolean temporaries:
    # a NaN or inf entry makes its row's sum non-finite, so finiteness is read off the sums.
    arr = as_float_array(p, name, finite=False)
    if arr.ndim == 0:
        raise ValueError(f"`{name}` must be at least 1-D (a probability vector), got a scalar")
    sums = arr.sum(axis=axis)
    if not np.all(np.isfinite(sums)):
        raise ValueError(f"`{name}` must be finite (got {_short(arr)})")
    minimum = arr.min()
    if minimum < 0:
        raise ValueError(f"`{name}` must be non-negative (got minimum {minimum:.6g})")
    bad = np.abs(sums - 1.0) > PROBABILITY_SUM_RTOL
    if np.any(bad):
        worst = np.asarray(sums)[bad].flat[0]
        raise ValueError(f"`{name}` must sum to 1 along axis {axis} (got {worst:.12g})")
    return arr



def check_probability_vector(p: Any, name: str) -> np.ndarray:
    """One probability vector over K atoms, shape (K,): :func:`check_probability`, and 1-D.

    Raises ``ValueError`` naming ``name`` when ``p`` is not 1-D.
    """
    arr = check_probability(p, name)
    if arr.ndim != 1:
        raise ValueError(f"`{name}` must be 1-D, shape (K,) (got shape {arr.shape})")
    return arr

def check_same_length(a: np.ndarray, b: np.ndarray, names: tuple[str, str], *, axis: int = -1) -> None:
    """Raise unless ``a`` and ``b`` have the same length along ``axis``."""
    if a.shape[axis] != b.shape[axis]:
        raise ValueError(
            f"`{names[0]}` and `{names[1]}` must have the same length along axis {axis} "
            f"(got shapes {a.shape} and {b.shape})"
        )


def check_weights(weights: Any, n: int, name: str = "weights", *, of: str) -> np.ndarray:
    """Return mixture weights over ``n`` components, on the last axis.

    ``None`` gives the uniform weights 1/n; otherwise ``weights`` must be probability vectors
    (:func:`check_probability`, batched along leading axes) of length ``n``, one entry per
    ``of`` (a phrase naming the components, used in the error).
    """
    if weights is None:
        return np.full(n, 1.0 / n)
    w = check_probability(weights, name)
    if w.shape[-1] != n:
        raise ValueError(f"`{name}` must have length {n} along its last axis, one entry per {of} "
                         f"(got shape {w.shape})")
    return w


def broadcast_pair(
    a: np.ndarray, b: np.ndarray, names: tuple[str, str], *, axis: int = -1
) -> tuple[np.ndarray, np.ndarray]:
    """Broadcast two batched distributions against each other, with a named error on mismatch.

    The distribution axis must match exactly; leading (batch) axes broadcast as in numpy.
    """
    check_same_length(a, b, names, axis=axis)
    try:
        return np.broadcast_arrays(a, b)
    except ValueError:
        raise ValueError(
            f"`{names[0]}` and `{names[1]}` have shapes {a.shape} and {b.shape}, "
            "which do not broadcast"
        ) from None


def check_positive(x: Any, name: str) -> float:
    """A finite real scalar > 0."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"`{name}` must be a real number, got {type(x).__name__}")
    if not np.isfinite(x) or x <= 0:
        raise ValueError(f"`{name}` must be a finite number > 0 (got {x!r})")
    return float(x)


def check_nonnegative(x: Any, name: str) -> float:
    """A finite real scalar >= 0."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"`{name}` must be a real number, got {type(x).__name__}")
    if not np.isfinite(x) or x < 0:
        raise ValueError(f"`{name}` must be a finite number >= 0 (got {x!r})")
    return float(x)


def check_unit_interval(x: Any, name: str, *, open_left: bool = False, open_right: bool = False) -> float:
    """A real scalar in [0, 1] (ends optionally open)."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"`{name}` must be a real number, got {type(x).__name__}")
    lo_ok = x > 0 if open_left else x >= 0
    hi_ok = x < 1 if open_right else x <= 1
    if not (np.isfinite(x) and lo_ok and hi_ok):
        interval = ("(" if open_left else "[") + "0, 1" + (")" if open_right else "]")
        raise ValueError(f"`{name}` must lie in {interval} (got {x!r})")
    return float(x)


def check_int(x: Any, name: str, *, minimum: int | None = None) -> int:
    """An integer (Python or numpy), optionally >= ``minimum``."""
    if isinstance(x, bool) or not isinstance(x, numbers.Integral):
        raise TypeError(f"`{name}` must be an integer, got {type(x).__name__}")
    if minimum is not None and x < minimum:
        raise ValueError(f"`{name}` must be >= {minimum} (got {x})")
    return int(x)


def check_in(x: Any, name: str, allowed: tuple[str, ...]) -> str:
    """A string option from an explicit set."""
    if x not in allowed:
        raise ValueError(f"`{name}` must be one of {', '.join(map(repr, allowed))} (got {x!r})")
    return x


def check_density(x: Any, name: str) -> np.ndarray:
    """Non-negative, finite values at least 1-D (a density on a grid, or unnormalized weights
    of atoms); a ValueError naming the argument otherwise."""
    arr = as_float_array(x, name)
    if arr.ndim == 0:
        raise ValueError(f"`{name}` must be at least 1-D (one value per atom or grid point), got a scalar")
    if np.any(arr < 0):
        raise ValueError(f"`{name}` must be non-negative (got minimum {arr.min():.6g})")
    return arr


def check_instance(x: Any, name: str, cls: type) -> Any:
    """``x`` itself when it is an instance of ``cls``; a TypeError naming the argument otherwise."""
    if not isinstance(x, cls):
        article = "an" if cls.__name__[0] in "AEIOU" else "a"
        raise TypeError(f"`{name}` must be {article} {cls.__name__}, got {type(x).__name__}")
    return x


def as_generator(seed: Any, name: str = "seed") -> np.random.Generator:
    """A ``numpy.random.Generator`` from an explicit seed, SeedSequence or Generator.

    ``None`` is refused: every stochastic routine of ganac is reproducible by construction.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed)
    if seed is None:
        raise TypeError(f"`{name}` must be an int, a SeedSequence or a numpy Generator, not None")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(
            f"`{name}` must be an int, a SeedSequence or a numpy Generator, got {type(seed).__name__}"
        )
    if seed < 0:
        raise ValueError(f"`{name}` must be a non-negative integer (got {seed})")
    return np.random.default_rng(int(seed))


# ---------------------------------------------------------------------------- tabular MDPs
def check_transitions(P: Any) -> np.ndarray:
    """``P`` as a float array of shape (..., S, A, S) whose rows P[..., s, a, :] sum to 1."""
    P = check_probability(P, "P")
    if P.ndim < 3 or P.shape[-3] != P.shape[-1]:
        raise ValueError(f"`P` must have shape (..., S, A, S) (got shape {P.shape})")
    return P


def check_policy(policy: Any, P: np.ndarray, name: str = "policy") -> np.ndarray:
    """``policy`` as probability rows of shape (..., S, A) matching P[..., :, :, 0]."""
    policy = check_probability(policy, name)
    if policy.ndim < 2 or policy.shape[-2:] != P.shape[-3:-1]:
        raise ValueError(f"`{name}` must have shape (..., {P.shape[-3]}, {P.shape[-2]}) like "
                         f"P[..., :, :, 0] (got shape {policy.shape})")
    return policy


def check_mu0(mu0: Any, n_states: int, *, batched: bool = True) -> np.ndarray:
    """``mu0`` as probability vectors of length S (with batch axes, or one vector when
    ``batched`` is False)."""
    mu0 = check_probability(mu0, "mu0")
    if mu0.shape[-1:] != (n_states,) or (not batched and mu0.ndim != 1):
        shape = f"(..., {n_states})" if batched else f"({n_states},)"
        raise ValueError(f"`mu0` must have shape {shape} (got shape {mu0.shape})")
    return mu0


def check_real(x: Any, name: str) -> float:
    """A finite real scalar (not a bool); ``TypeError``/``ValueError`` naming ``name``."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"`{name}` must be a real number, got {type(x).__name__}")
    if not np.isfinite(x):
        raise ValueError(f"`{name}` must be finite (got {x!r})")
    return float(x)


def check_density_pair(p: Any, q: Any, names: tuple[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Two arrays of non-negative finite density values, at least 1-D, broadcast together."""
    out = []
    for x, name in zip((p, q), names):
        arr = as_float_array(x, name)
        if arr.ndim == 0:
            raise ValueError(f"`{name}` must be at least 1-D (values on a grid), got a scalar")
        if np.any(arr < 0):
            raise ValueError(f"`{name}` must be non-negative (got minimum {arr.min():.6g})")
        out.append(arr)
    return broadcast_pair(out[0], out[1], names)


def check_probability_pair(p: Any, q: Any, names: tuple[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Two probability arrays (validated, named), broadcast together."""
    return broadcast_pair(check_probability(p, names[0]), check_probability(q, names[1]), names)


def scalar_or_array(x: Any) -> Any:
    """A 0-d result as a numpy scalar, anything else as an array (batched results)."""
    x = np.asarray(x, dtype=float)
    return x[()] if x.ndim == 0 else x


def check_alpha(alpha: Any, name: str = "alpha") -> float:
    """A false-alarm probability in the open interval (0, 1) (0-d arrays accepted)."""
    if isinstance(alpha, np.ndarray) and alpha.ndim == 0:
        alpha = alpha.item()
    return check_unit_interval(alpha, name, open_left=True, open_right=True)


def check_integer_array(m: Any, name: str, *, minimum: int) -> np.ndarray:
    """An int or an integer array >= ``minimum``, returned as a float64 array (0-d for an int).

    Any Python int is accepted (m = 2**64 does not fit int64): the callers use the values only
    in floating-point expressions, where float(m) is exact up to 2**53 and correctly rounded
    beyond.  Integers above the largest double are refused (named) instead of overflowing;
    floats, even integral ones, and bools are refused with a TypeError.
    """
    if isinstance(m, bool):
        raise TypeError(f"`{name}` must be an integer, got bool")
    if isinstance(m, numbers.Integral):
        values = [int(m)]
        shape: tuple[int, ...] = ()
    else:
        arr = np.asarray(m)
        if arr.dtype == object and arr.size and all(
                isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in arr.flat):
            values, shape = [int(v) for v in arr.flat], arr.shape   # huge Python ints
        elif arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
            if np.issubdtype(arr.dtype, np.floating) and arr.size and np.all(np.isfinite(arr)) \
                    and np.all(arr == np.round(arr)):
                raise TypeError(
                    f"`{name}` must be an integer (or integer array), got floats {arr.dtype}; "
                    "pass integers"
                )
            raise TypeError(f"`{name}` must be an integer (or integer array), got {arr.dtype}")
        else:
            if arr.size == 0:
                raise ValueError(f"`{name}` must not be empty")
            if int(arr.min()) < minimum:
                raise ValueError(f"`{name}` must be >= {minimum} (got minimum {int(arr.min())})")
            return arr.astype(np.float64)
    low = min(values)
    if low < minimum:
        raise ValueError(f"`{name}` must be >= {minimum} (got minimum {low})")
    high = max(values)
    if high >= 2**1024 - 2**970:  # rounds to inf as a double
        raise ValueError(f"`{name}` must be below the largest double, ~1.8e308 (got ~10**{len(str(high)) - 1})")
    return np.array([float(v) for v in values], dtype=np.float64).reshape(shape)


def float_or_array(value: Any) -> float | np.ndarray:
    """A 0-d result as a Python float, anything else unchanged (batched results)."""
    return float(value) if np.ndim(value) == 0 else value
