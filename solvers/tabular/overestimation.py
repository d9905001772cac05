"""Overestimation by the max operator, simulated: van Hasselt et al. (2016), Figures 1-2.

Source: van Hasselt, Guez & Silver (AAAI 2016; arXiv:1509.06461), "Deep Reinforcement
Learning with Double Q-learning", Section "Overoptimism due to estimation errors", Figure 1,
Figure 2 and its footnotes 1-2.

Single update (Figure 1), :func:`single_update_bias`
    In a state where every action has the same true value V*(s), draw estimates
    Q(s, a) = V*(s) + σ ε_a and, independently, a second set Q'(s, a) = V*(s) + σ ε'_a, with
    ε_a, ε'_a iid N(0, 1) (the paper: "independent standard normal random variables ... The
    second set of action values Q' ... was generated identically and independently").  The
    Q-learning error is  max_a Q(s, a) - V*(s);  the Double Q-learning error is
    Q'(s, argmax_a Q(s, a)) - V*(s).  The paper averages 100 repetitions for each
    m in {2, 4, ..., 1024}; here the number of repetitions is a parameter and the result carries
    standard errors.

Function approximation (Figure 2), :func:`function_approximation_overestimation`
    Ten actions share the true value Q*(s, a) = V*(s) on the continuous state line, with
    V*(s) = sin(s) (top row) or 2 exp(-s²) (middle and bottom rows).  Each action's estimate
    is a degree-d polynomial (d = 6 top and middle, d = 9 bottom) fitted by least squares to
    the exact true values at a subset of the integer states -6..6: states -6 and 6 are always
    in, and action a_i (i = 1..10) misses the two adjacent states -6 + i and -5 + i (a_1 misses
    -5 and -4, a_2 misses -4 and -3, ...; the paper's footnote 1).  The max estimate is
    max_a Q_t(s, a); the Double-Q estimate evaluates the same argmax with a second set of
    estimates, where the second estimate of a_i is the fit to the samples of a_{i+5} (i <= 5)
    or a_{i-5} (i > 5) (footnote 2).  The process is deterministic.

The simulations never call the closed forms of :mod:`theory.overestimation`
(``expected_max_normal`` and friends); the claims in
``experiments/claims/vanhasselt2015_figs.py`` compare the two (independence rule, DESIGN.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.polynomial import legendre
from numpy.typing import ArrayLike

from solvers.results import ArrayResult
from theory.validation import as_float_array, as_generator, check_int, check_positive

__all__ = [
    "FIG1_ACTIONS",
    "FIG2_ROWS",
    "FIG2_PAPER_AVERAGE_ERRORS",
    "TRUE_VALUE_FUNCTIONS",
    "SingleUpdateBias",
    "FunctionApproximationRun",
    "single_update_bias",
    "fig2_sample_mask",
    "function_approximation_overestimation",
]

#: The action counts of Figure 1: 2, 4, ..., 1024.
FIG1_ACTIONS = 2 ** np.arange(1, 11)

#: The true value functions of Figure 2 (names used by :func:`function_approximation_overestimation`).
TRUE_VALUE_FUNCTIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sin": np.sin,
    "gaussian": lambda s: 2.0 * np.exp(-np.square(s)),
}

#: Figure 2's rows, top to bottom: (true value function, polynomial degree).
FIG2_ROWS = (("sin", 6), ("gaussian", 6), ("gaussian", 9))

#: The "Average error" numbers printed in Figure 2 (max estimate, Double-Q estimate), per row.
FIG2_PAPER_AVERAGE_ERRORS = ((0.61, -0.02), (0.47, 0.02), (3.35, -0.02))

# Numbers of standard normals drawn per block of samples in `single_update_bias` (about 32 MB of
# float64 per block).  The stream of draws does not depend on it (see the function's Notes).
_BLOCK_DRAWS = 1 << 22


# --------------------------------------------------------------------------- Figure 1
@dataclass
class SingleUpdateBias(ArrayResult):
    """Monte Carlo errors of one max-based update, per number of actions.

    Attributes
    ----------
    n_actions : ndarray, shape (K,)
        The action counts m.
    q_mean, q_std, q_se : ndarray, shape (K,)
        Sample mean, sample standard deviation (ddof = 1) and standard error of
        max_a Q(s, a) - V*(s).
    double_mean, double_std, double_se : ndarray, shape (K,)
        The same for Q'(s, argmax_a Q(s, a)) - V*(s).
    n_samples : int
        Independent repetitions per action count.
    sigma : float
        Standard deviation of the estimation errors.
    """

    n_actions: np.ndarray
    q_mean: np.ndarray
    q_std: np.ndarray
    q_se: np.ndarray
    double_mean: np.ndarray
    double_std: np.ndarray
    double_se: np.ndarray
    n_samples: int
    sigma: float


def _check_action_counts(n_actions: ArrayLike) -> np.ndarray:
    arr = np.asarray(n_actions)
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(f"`n_actions` must be an array of integers, got dtype {arr.dtype}")
    arr = np.atleast_1d(as_float_array(arr, "n_actions"))
    if arr.ndim != 1:
        raise ValueError(f"`n_actions` must be a scalar or 1-D (got shape {arr.shape})")
    if np.any(arr != np.round(arr)):
        raise ValueError("`n_actions` must hold whole numbers")
    if np.any(arr < 1):
        raise ValueError(f"`n_actions` must be >= 1 (got minimum {arr.min():g})")
    return arr.astype(np.int64)


def single_update_bias(
    n_actions: ArrayLike = FIG1_ACTIONS,
    *,
    n_samples: int = 100,
    sigma: float = 1.0,
    seed=0,
) -> SingleUpdateBias:
    """Bias of a single Q-learning and Double Q-learning update, by simulation.

    For each m in ``n_actions`` and each of ``n_samples`` repetitions, draws
    Q_a = V* + σ ε_a and Q'_a = V* + σ ε'_a (a = 1..m, all ε iid N(0, 1)) and records

        Q-learning:         max_a Q_a - V*
        Double Q-learning:  Q'_{argmax_a Q_a} - V*.

    Source: van Hasselt et al. (2016), Figure 1 and its caption (orange bars: Q-learning;
    blue bars: Double Q-learning; the paper averages 100 repetitions).

    Parameters
    ----------
    n_actions : int or array_like of int, shape (K,)
        Numbers of actions m >= 1 (default: 2, 4, ..., 1024 as in the figure).
    n_samples : int
        Repetitions per action count, >= 2 (for a standard error).
    sigma : float
        Standard deviation of the estimation errors, > 0.
    seed : int, SeedSequence or Generator
        Randomness (see :func:`theory.validation.as_generator`).

    Returns
    -------
    SingleUpdateBias
        Means, standard deviations and standard errors per action count.

    Raises
    ------
    TypeError
        For a non-integer ``n_samples``, non-numeric ``n_actions`` or ``sigma``, a bad seed.
    ValueError
        For ``n_actions`` < 1 or not whole, ``n_samples`` < 2, ``sigma`` <= 0.

    Notes
    -----
    All action counts and all repetitions are simulated in one array: the estimates of one
    repetition for every m are laid side by side (segments of lengths m_1, ..., m_K), the
    segment maxima come from ``np.maximum.reduceat`` and the argmax is the mask
    ``Q == segment max`` (ties, of probability zero, are averaged over, which equals uniform
    random tie-breaking in expectation).  Repetitions are processed in blocks to bound memory;
    each repetition draws its 2 Σ m normals in one run of the generator's stream, so the result
    does not depend on the block size.  V* = 0 without loss of generality (the errors do not
    depend on it).  With m = 1 both errors are σ ε, the same for both methods in distribution.
    """
    m = _check_action_counts(n_actions)
    n_samples = check_int(n_samples, "n_samples", minimum=2)
    sigma = check_positive(sigma, "sigma")
    rng = as_generator(seed)

    offsets = np.concatenate([[0], np.cumsum(m)[:-1]])
    total = int(m.sum())
    block = max(1, _BLOCK_DRAWS // (2 * total))
    q_err = np.empty((n_samples, m.size))
    d_err = np.empty((n_samples, m.size))
    for start in range(0, n_samples, block):  # blocks of repetitions, for memory only
        rows = min(block, n_samples - start)
        eps = sigma * rng.standard_normal((rows, 2, total))
        q, q2 = eps[:, 0], eps[:, 1]
        seg_max = np.maximum.reduceat(q, offsets, axis=1)
        at_max = q == np.repeat(seg_max, m, axis=1)
        n_tied = np.add.reduceat(at_max, offsets, axis=1)
        q_err[start:start + rows] = seg_max
        d_err[start:start + rows] = np.add.reduceat(np.where(at_max, q2, 0.0), offsets, axis=1) / n_tied

    root_n = np.sqrt(n_samples)
    q_std = q_err.std(axis=0, ddof=1)
    d_std = d_err.std(axis=0, ddof=1)
    return SingleUpdateBias(
        n_actions=m,
        q_mean=q_err.mean(axis=0),
        q_std=q_std,
        q_se=q_std / root_n,
        double_mean=d_err.mean(axis=0),
        double_std=d_std,
        double_se=d_std / root_n,
        n_samples=n_samples,
        sigma=sigma,
    )


# --------------------------------------------------------------------------- Figure 2
@dataclass
class FunctionApproximationRun(ArrayResult):
    """Figure 2's quantities for one row (one true function and one degree).

    Attributes
    ----------
    name : str
        The true value function (``"sin"``, ``"gaussian"`` or ``"custom"``).
    degree : int
        Polynomial degree d of every fit.
    states : ndarray, shape (G,)
        Evaluation grid on [-half_width, half_width].
    true_values : ndarray, shape (G,)
        V*(s) on the grid (= Q*(s, a) for every a).
    sample_states : ndarray, shape (N,)
        The integer states -half_width..half_width.
    sample_mask : ndarray of bool, shape (A, N)
        Which integer states each action's fit uses.
    second_action : ndarray of int, shape (A,)
        The action whose samples form the second (Double-Q) estimate of each action.
    estimates : ndarray, shape (A, G)
        Q_t(s, a) for every action on the grid.
    fitted_at_samples : ndarray, shape (A, N)
        Q_t(s, a) at every integer state (used or not).
    residual_at_samples : ndarray, shape (A,)
        max |Q_t(s, a) - V*(s)| over the states action a was fitted to.
    max_estimate, max_error : ndarray, shape (G,)
        max_a Q_t(s, a) and max_a Q_t(s, a) - V*(s).
    double_estimate, double_error : ndarray, shape (G,)
        Q'_t(s, argmax_a Q_t(s, a)) and its error, Q'_t(., a) = Q_t(., second_action[a]).
    mean_max_error, mean_double_error : float
        Averages of the two errors over [-half_width, half_width] (trapezoidal rule on the grid):
        the "Average error" printed in the figure's right column.
    """

    name: str
    degree: int
    states: np.ndarray
    true_values: np.ndarray
    sample_states: np.ndarray
    sample_mask: np.ndarray
    second_action: np.ndarray
    estimates: np.ndarray
    fitted_at_samples: np.ndarray
    residual_at_samples: np.ndarray
    max_estimate: np.ndarray
    max_error: np.ndarray
    double_estimate: np.ndarray
    double_error: np.ndarray
    mean_max_error: float
    mean_double_error: float


def fig2_sample_mask(n_actions: int = 10, half_width: int = 6) -> np.ndarray:
    """Which integer states each action is fitted to in Figure 2.

    Integer states -h..h (h = ``half_width``); -h and h are always sampled; action a_i
    (i = 1..A) misses the two adjacent states -h + i and -h + i + 1.

    Source: van Hasselt et al. (2016), Figure 2, footnote 1 (h = 6, A = 10).

    Parameters
    ----------
    n_actions : int
        A, with 1 <= A <= 2h - 2 so that the missing pair stays strictly inside (-h, h).
    half_width : int
        h >= 2.

    Returns
    -------
    ndarray of bool, shape (A, 2h + 1)
        Row i-1 is True at the states a_i is fitted to.

    Raises
    ------
    TypeError, ValueError
        For non-integers or values out of range (named).
    """
    half_width = check_int(half_width, "half_width", minimum=2)
    n_actions = check_int(n_actions, "n_actions", minimum=1)
    if n_actions > 2 * half_width - 2:
        raise ValueError(f"`n_actions` must be <= 2 * half_width - 2 = {2 * half_width - 2} "
                         f"(got {n_actions}) so that -half_width and half_width stay sampled")
    states = np.arange(-half_width, half_width + 1)
    first_missing = -half_width + np.arange(1, n_actions + 1)  # a_i misses -h+i and -h+i+1
    missing = (states[None, :] == first_missing[:, None]) | (states[None, :] == first_missing[:, None] + 1)
    return ~missing


def function_approximation_overestimation(
    true_value: str | Callable[[np.ndarray], np.ndarray] = "sin",
    degree: int = 6,
    *,
    n_actions: int = 10,
    half_width: int = 6,
    second_offset: int | None = None,
    n_grid: int = 12001,
) -> FunctionApproximationRun:
    """Figure 2: polynomial fits per action, their max, and the Double-Q estimate.

    For each action a, the degree-d polynomial Q_t(., a) minimizes
    Σ_{s in S_a} (Q_t(s, a) - V*(s))² over the action's sampled integer states S_a
    (:func:`fig2_sample_mask`).  Then on a grid of states

        max estimate:      max_a Q_t(s, a)                      error: minus V*(s)
        Double-Q estimate: Q_t(s, b(argmax_a Q_t(s, a)))          error: minus V*(s)

    with b(a) = (a + second_offset) mod A the action whose samples give the second estimate.

    Source: van Hasselt et al. (2016), Figure 2, its caption and footnotes 1-2, and the
    text of Section "Overoptimism due to estimation errors".  The paper's rows are
    ``FIG2_ROWS``: ("sin", 6), ("gaussian", 6), ("gaussian", 9).

    Parameters
    ----------
    true_value : {"sin", "gaussian"} or callable
        V*(s): sin(s) or 2 exp(-s²), or a vectorized callable returning finite values.
    degree : int
        Polynomial degree d >= 0.
    n_actions : int
        Number of actions A (the paper: 10); see :func:`fig2_sample_mask` for its range.
    half_width : int
        States lie in [-h, h]; samples are the integers there (the paper: h = 6).
    second_offset : int, optional
        Offset of the second sample set; default A // 2 (the paper's a_{i+5} / a_{i-5} for A = 10).
        Must not be a multiple of A (otherwise the second estimate is the first).
    n_grid : int
        Number of evenly spaced evaluation states on [-h, h], >= 2.

    Returns
    -------
    FunctionApproximationRun

    Raises
    ------
    TypeError
        For a non-integer degree, counts or offset; a true_value that is neither a name nor
        callable.
    ValueError
        For values out of range, an unknown function name, a callable returning the wrong shape
        or non-finite values.

    Notes
    -----
    The fits of all actions are one batched least-squares solve: the design matrix of the
    Legendre basis in s / h (well conditioned on [-1, 1]; it spans the same polynomials as the
    monomials, so the fitted functions are those of ``np.polyfit``) is masked row-wise per
    action, and ``np.linalg.pinv`` solves the stack (zero rows do not change a least-squares
    solution).  With d + 1 >= |S_a| the fit interpolates S_a (minimum-norm coefficients when
    d + 1 > |S_a|).  In the paper's setup |S_a| = 11, so only d >= 10 interpolates: d = 9
    leaves residuals at the sampled states (measured by ``residual_at_samples``) although the
    paper describes the bottom row as "flexible enough to fit the green dots".  Ties in the
    argmax are broken towards the lowest action index (they occur only on a null set of states).
    """
    if isinstance(true_value, str):
        if true_value not in TRUE_VALUE_FUNCTIONS:
            raise ValueError(f"`true_value` must be one of {', '.join(map(repr, TRUE_VALUE_FUNCTIONS))} "
                             f"or a callable (got {true_value!r})")
        name, fn = true_value, TRUE_VALUE_FUNCTIONS[true_value]
    elif callable(true_value):
        name, fn = "custom", true_value
    else:
        raise TypeError(f"`true_value` must be a function name or a callable, got {type(true_value).__name__}")
    degree = check_int(degree, "degree", minimum=0)
    n_grid = check_int(n_grid, "n_grid", minimum=2)
    mask = fig2_sample_mask(n_actions, half_width)
    n_actions, half_width = int(n_actions), int(half_width)
    if second_offset is None:
        second_offset = n_actions // 2
    second_offset = check_int(second_offset, "second_offset")
    if second_offset % n_actions == 0:
        raise ValueError(f"`second_offset` must not be a multiple of `n_actions` = {n_actions} "
                         f"(got {second_offset}): the second estimate would equal the first")

    sample_states = np.arange(-half_width, half_width + 1).astype(float)
    states = np.linspace(-half_width, half_width, n_grid)

    def evaluate(s: np.ndarray, what: str) -> np.ndarray:
        values = as_float_array(fn(s), what)
        if values.shape != s.shape:
            raise ValueError(f"`true_value` must return one value per state (shape {s.shape}, "
                             f"got {values.shape})")
        return values

    y = evaluate(sample_states, "true_value(sample_states)")
    v_star = evaluate(states, "true_value(states)")

    basis_samples = legendre.legvander(sample_states / half_width, degree)  # (N, d+1)
    basis_grid = legendre.legvander(states / half_width, degree)  # (G, d+1)
    weights = mask.astype(float)  # (A, N)
    design = weights[:, :, None] * basis_samples[None]  # (A, N, d+1), unsampled rows zeroed
    coef = np.einsum("akn,an->ak", np.linalg.pinv(design), weights * y)  # (A, d+1)

    estimates = coef @ basis_grid.T  # (A, G)
    fitted_at_samples = coef @ basis_samples.T  # (A, N)
    residual = np.max(np.where(mask, np.abs(fitted_at_samples - y), 0.0), axis=1)

    second_action = (np.arange(n_actions) + second_offset) % n_actions
    columns = np.arange(n_grid)
    greedy = np.argmax(estimates, axis=0)
    max_estimate = estimates[greedy, columns]
    double_estimate = estimates[second_action[greedy], columns]
    max_error = max_estimate - v_star
    double_error = double_estimate - v_star
    width = 2.0 * half_width
    return FunctionApproximationRun(
        name=name,
        degree=degree,
        states=states,
        true_values=v_star,
        sample_states=sample_states,
        sample_mask=mask,
        second_action=second_action,
        estimates=estimates,
        fitted_at_samples=fitted_at_samples,
        residual_at_samples=residual,
        max_estimate=max_estimate,
        max_error=max_error,
        double_estimate=double_estimate,
        double_error=double_error,
        mean_max_error=float(np.trapezoid(max_error, states) / width),
        mean_double_error=float(np.trapezoid(double_error, states) / width),
    )
