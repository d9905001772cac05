"""Overestimation of the maximum of noisy value estimates, and the double estimator.

Papers
------
van Hasselt, Guez & Silver (AAAI 2016; arXiv:1509.06461): H. van Hasselt, A. Guez and
    D. Silver, Deep Reinforcement Learning with Double Q-learning.  Theorem 1 (lower bound sqrt(C/(m - 1)) on
    max_a Q_t(s, a) - V*(s) for estimates that are unbiased on the whole with mean squared
    error C; the bound is tight; the Double Q-learning estimate's lower bound on the absolute
    error is zero), proved in the appendix; appendix Theorem 2 (errors uniform on [-1, 1]:
    E[max] = (m - 1)/(m + 1)); Section "Overoptimism due to estimation errors" (Thrun and
    Schwartz's bound, and the Gaussian case drawn in Figure 1).
van Hasselt, H. (2010). Double Q-learning. NeurIPS.  Section 2 (the single estimator
    max_a mu_a-hat overestimates E[max_a] ... ; the double estimator mu^B(argmax mu^A)
    underestimates: its expectation is a convex combination of the true means).
Thrun, S. & Schwartz, A. (1993). Issues in Using Function Approximation for Reinforcement
    Learning. Connectionist Models Summer School.  Errors uniform on [-eps, eps]: each
    Q-learning target is overestimated by gamma eps (m - 1)/(m + 1) in expectation.

Conventions: ``m`` is the number of actions (an int, or an integer array that broadcasts
against the other arguments); errors are estimates minus true values; ``sigma`` is the
standard deviation of independent Gaussian noise on every estimate.  Everything here is a
deterministic closed form or a numerical integral (composite Gauss-Legendre quadrature of
integrands built from ``scipy.special.log_ndtr``), never Monte Carlo.
"""

from __future__ import annotations

import functools
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import log_ndtr

from theory._validation import as_float_array, check_positive, check_unit_interval
from theory.deprecation import deprecated_method

__all__ = [
    "max_lower_bound",
    "tight_example",
    "DoubleZeroErrorExample",
    "double_lower_bound",
    "double_zero_error_example",
    "expected_max_normal",
    "expected_max_uniform",
    "thrun_schwartz_bound",
    "argmax_probabilities",
    "single_estimator_bias",
    "double_estimator_bias",
]

# ----------------------------------------------------------------------------- quadrature
#: Gauss-Legendre order per panel and panel width (in units of sigma).  The integrands are
#: entire functions that vary on the scale sigma / sqrt(2 log m) >= 0.19 sigma for m <= 1e6;
#: 16 nodes per panel reach float64 rounding up to panels of width sigma / 2 (measured error
#: 2e-15 at m = 1e6 against mpmath); sigma / 4 keeps a factor-2 margin.
_GL_ORDER = 16
_PANEL = 0.25
#: Left truncation (in sigma): the neglected mass is below Phi(-10)^2 < 1e-45 (single) or
#: Phi(-10) < 1e-23 (double estimator).
_LEFT = 10.0
#: Right truncation: x_hi = sqrt(2 (log m + _RIGHT_LOG)), where m Q(x_hi) < exp(-_RIGHT_LOG).
_RIGHT_LOG = 55.0
#: Chunk size (number of integrand evaluations held in memory at once).
_CHUNK = 4_000_000


@functools.cache
def _gauss_legendre(order: int) -> tuple[np.ndarray, np.ndarray]:
    x, w = np.polynomial.legendre.leggauss(order)
    return x, w


def _composite_nodes(lo: float, hi: float, panel: float = _PANEL) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of composite Gauss-Legendre quadrature on [lo, hi].

    When lo < 0 < hi, 0 is a panel edge: the integrands below jump there (from -F to 1 - F).
    """
    if lo < 0.0 < hi:
        n1, w1 = _composite_nodes(lo, 0.0, panel)
        n2, w2 = _composite_nodes(0.0, hi, panel)
        return np.concatenate([n1, n2]), np.concatenate([w1, w2])
    n_panels = max(1, int(np.ceil((hi - lo) / panel)))
    edges = np.linspace(lo, hi, n_panels + 1)
    half = 0.5 * np.diff(edges)
    mid = 0.5 * (edges[:-1] + edges[1:])
    x, w = _gauss_legendre(_GL_ORDER)
    nodes = (mid[:, None] + half[:, None] * x[None, :]).ravel()
    weights = (half[:, None] * w[None, :]).ravel()
    return nodes, weights


def _right_limit(m_max: float) -> float:
    return float(np.sqrt(2.0 * (np.log(m_max) + _RIGHT_LOG)))


# ----------------------------------------------------------------------------- validation
#: Largest m for the functions that return a vector of m errors (8e8 bytes of float64).
_MAX_VECTOR = 10**8


def _check_m(m: Any, name: str = "m", *, minimum: int = 2) -> np.ndarray:
    """An int or an integer array >= minimum, returned as a float64 array.

    Any Python int is accepted (m = 2**64 does not fit int64): the formulas use m only through
    floating-point expressions, where float(m) is exact up to 2**53 and correctly rounded
    beyond.  Integers above the largest double are refused (named) instead of overflowing.
    """
    if isinstance(m, bool):
        raise TypeError(f"`{name}` must be an integer number of actions, got bool")
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


def _check_m_vector(m: Any, name: str = "m", *, minimum: int = 2) -> int:
    """A single integer m for the functions that build a vector of m entries: size-checked
    before anything is allocated."""
    mm = _check_m(m, name, minimum=minimum)
    if mm.ndim != 0:
        raise ValueError(f"`{name}` must be a single integer here (got shape {mm.shape})")
    if float(mm) > _MAX_VECTOR:
        raise ValueError(f"`{name}` = {int(m)} would build a vector of {int(m)} floats; at most "
                         f"{_MAX_VECTOR} are allowed")
    return int(m)


def _check_positive_array(x: Any, name: str) -> np.ndarray:
    if isinstance(x, bool):
        raise TypeError(f"`{name}` must be a real number, got bool")
    arr = as_float_array(x, name)
    if np.any(arr <= 0):
        raise ValueError(f"`{name}` must be > 0 (got minimum {arr.min():.6g})")
    return arr


def _out(value: np.ndarray) -> float | np.ndarray:
    return float(value) if np.ndim(value) == 0 else value


def _check_means(true_means: Any) -> np.ndarray:
    mu = as_float_array(true_means, "true_means")
    if mu.ndim == 0:
        raise ValueError("`true_means` must be at least 1-D (one true value per action), got a scalar")
    if mu.shape[-1] < 1:
        raise ValueError("`true_means` must hold at least one action along its last axis")
    return mu


# ----------------------------------------------------------------------------- Theorem 1
def max_lower_bound(C: Any, m: Any) -> float | np.ndarray:
    r"""Theorem 1's lower bound on the overestimation of the maximum: sqrt(C / (m - 1)).

    If m >= 2 estimates Q_t(s, a) of equal true values V*(s) have errors that sum to zero
    (sum_a (Q_t(s, a) - V*(s)) = 0) and mean squared error C > 0
    ((1/m) sum_a (Q_t(s, a) - V*(s))^2 = C), then

        .. math::

           \max_a Q_t(s, a) - V_*(s) \ge \sqrt{\frac{C}{m - 1}},

    and the bound is attained (:func:`tight_example`).

    Source: van Hasselt et al. (2016), "Deep Reinforcement Learning with Double
    Q-learning", Theorem 1 (proof in the appendix).

    Parameters
    ----------
    C : float or array_like
        Mean squared error of the estimates, > 0.
    m : int or array_like of int
        Number of actions, >= 2.  ``C`` and ``m`` broadcast.

    Returns
    -------
    float or ndarray
        sqrt(C / (m - 1)); a float when both inputs are scalars.

    Raises
    ------
    TypeError
        If ``m`` is not an integer (array) or ``C`` not real.
    ValueError
        If ``C <= 0`` (the theorem needs errors that are not all zero) or ``m < 2``.

    Notes
    -----
    The bound decreases with m: it is a worst case over all admissible error vectors, and
    the typical overestimation (e.g. :func:`expected_max_normal` for iid Gaussian errors)
    grows with m instead.

    Examples
    --------
    >>> max_lower_bound(1.0, 2)
    1.0
    >>> max_lower_bound(4.0, [2, 5])
    array([2., 1.])
    """
    c = _check_positive_array(C, "C")
    mm = _check_m(m, "m", minimum=2)
    return _out(np.sqrt(c / (mm - 1.0)))


def tight_example(C: Any, m: Any) -> np.ndarray:
    """An admissible error vector whose maximum equals Theorem 1's bound.

    errors_a = sqrt(C / (m - 1)) for a = 1, ..., m - 1 and errors_m = -sqrt((m - 1) C):
    the errors sum to (m - 1) sqrt(C/(m - 1)) - sqrt((m - 1) C) = 0, their mean square is
    (C + (m - 1) C)/m = C, and their maximum is sqrt(C/(m - 1)).

    Source: van Hasselt et al. (2016), appendix, proof of Theorem 1 (the tightness
    construction).

    Parameters
    ----------
    C : float
        Mean squared error, > 0.
    m : int
        Number of actions, >= 2.

    Returns
    -------
    ndarray, shape (m,)
        The errors Q_t(s, a) - V*(s); add V*(s) to get the estimates.

    Raises
    ------
    TypeError, ValueError
        As :func:`max_lower_bound`; both arguments must be scalars here.

    Examples
    --------
    >>> tight_example(1.0, 2)
    array([ 1., -1.])
    >>> tight_example(2.0, 3)
    array([ 1.,  1., -2.])
    """
    c = check_positive(C, "C")
    k = _check_m_vector(m, "m", minimum=2)
    out = np.full(k, np.sqrt(c / (k - 1)))
    out[-1] = -np.sqrt((k - 1) * c)
    return out


@dataclass(frozen=True)
class DoubleZeroErrorExample:
    """Estimates for which the Double Q-learning estimate has zero error (Theorem 1, part 2).

    Source: van Hasselt et al. (2016), Theorem 1 (second part) and its proof.

    Attributes
    ----------
    selector_errors : ndarray, shape (m,)
        Errors of Q_t (the estimate that selects the action); admissible for Theorem 1
        (sum 0, mean square C), with its maximum at action 0.
    evaluator_errors : ndarray, shape (m,)
        Errors of Q'_t (the estimate that evaluates it); 0 at the selected action.
    selected_action : int
        argmax_a Q_t(s, a) = 0.
    double_error : float
        Q'_t(s, argmax_a Q_t(s, a)) - V*(s) = evaluator_errors[selected_action] = 0.
    single_error : float
        max_a Q_t(s, a) - V*(s) = sqrt((m - 1) C), for comparison (>= Theorem 1's bound).
    evaluator_admissible : bool
        Whether Q'_t also meets Theorem 1's conditions (sum 0, mean square C): True for
        m >= 3, impossible for m = 2 (there the errors are +-sqrt(C), never 0).
    """

    selector_errors: np.ndarray
    evaluator_errors: np.ndarray
    selected_action: int
    double_error: float
    single_error: float
    evaluator_admissible: bool

    def to_dict(self) -> dict:
        return {
            "selector_errors": self.selector_errors.tolist(),
            "evaluator_errors": self.evaluator_errors.tolist(),
            "selected_action": self.selected_action,
            "double_error": self.double_error,
            "single_error": self.single_error,
            "evaluator_admissible": self.evaluator_admissible,
        }

    to_json = deprecated_method("to_dict")


def double_lower_bound(C: Any, m: Any) -> float | np.ndarray:
    """The tight lower bound on |Q'_t(s, argmax_a Q_t(s, a)) - V*(s)| under Theorem 1: zero.

    Under the conditions of Theorem 1 (m >= 2 equal true values, errors of Q_t summing to 0
    with mean square C > 0) the Double Q-learning estimate can be exact, so the only lower
    bound on its absolute error is 0 (:func:`double_zero_error_example` attains it).

    Source: van Hasselt et al. (2016), Theorem 1 (last sentence) and its proof in
    the appendix.

    Parameters
    ----------
    C : float or array_like
        Mean squared error of Q_t, > 0.
    m : int or array_like of int
        Number of actions, >= 2.

    Returns
    -------
    float or ndarray
        Zeros with the broadcast shape of ``C`` and ``m``.

    Raises
    ------
    TypeError, ValueError
        As :func:`max_lower_bound`.

    Examples
    --------
    >>> double_lower_bound(1.0, 4)
    0.0
    """
    c = _check_positive_array(C, "C")
    mm = _check_m(m, "m", minimum=2)
    return _out(np.zeros(np.broadcast_shapes(c.shape, mm.shape)))


def double_zero_error_example(C: Any, m: Any) -> DoubleZeroErrorExample:
    """Admissible estimates on which the Double Q-learning estimate has zero error.

    Selector Q_t: errors sqrt((m - 1) C) at action 0 and -sqrt(C/(m - 1)) elsewhere (sum 0,
    mean square ((m - 1) C + C)/m = C), so argmax_a Q_t(s, a) = 0.  Evaluator Q'_t: error 0
    at action 0.  For m >= 3 the evaluator's other m - 1 errors are
    ``tight_example(m C/(m - 1), m - 1)``, so Q'_t meets Theorem 1's conditions too (sum 0,
    sum of squares (m - 1) * m C/(m - 1) = m C); for m = 2 no admissible Q'_t has a zero
    error and its other error is set to 0 (the paper leaves it arbitrary).

    Source: van Hasselt et al. (2016), appendix, proof of Theorem 1 (second part).

    Parameters
    ----------
    C : float
        Mean squared error of the selector, > 0.
    m : int
        Number of actions, >= 2.

    Returns
    -------
    DoubleZeroErrorExample

    Raises
    ------
    TypeError, ValueError
        As :func:`tight_example`.

    Notes
    -----
    The selector's values here (sqrt((m - 1) C), -sqrt(C/(m - 1))) are our own choice: they
    satisfy both constraints exactly.  We could not check the appendix's printed values
    against the original (see the package notes); any admissible selector with a unique
    argmax works, since only Q'_t at the selected action enters the double estimate.

    Examples
    --------
    >>> ex = double_zero_error_example(1.0, 2)
    >>> ex.selector_errors, ex.double_error, ex.evaluator_admissible
    (array([ 1., -1.]), 0.0, False)
    """
    c = check_positive(C, "C")
    k = _check_m_vector(m, "m", minimum=2)
    selector = np.full(k, -np.sqrt(c / (k - 1)))
    selector[0] = np.sqrt((k - 1) * c)
    evaluator = np.zeros(k)
    if k >= 3:
        evaluator[1:] = tight_example(k * c / (k - 1), k - 1)
    a = int(np.argmax(selector))
    return DoubleZeroErrorExample(
        selector_errors=selector,
        evaluator_errors=evaluator,
        selected_action=a,
        double_error=float(evaluator[a]),
        single_error=float(selector.max()),
        evaluator_admissible=k >= 3,
    )


# ----------------------------------------------------------------------------- expected maxima
def _expected_max_std_normal(m_values: np.ndarray) -> np.ndarray:
    """E[max of m iid N(0, 1)] for a 1-D array of distinct ints m >= 1, by quadrature of

        E[max] = int_0^inf (1 - Phi(x)^m) dx - int_-inf^0 Phi(x)^m dx.
    """
    # 1 - Φ^m falls from 1 to 0 over a width ~1/x0 around x0 = sqrt(2 log m); the panel
    # (0.25 wide, accurate to 1e-13 up to m = 1e6, where x0 = 5.3) shrinks like 1/x0 beyond,
    # so the transition keeps as many nodes (m = 1e300 was off by 8e-7 with 0.25).
    m_max = float(m_values.max())
    x0 = float(np.sqrt(2.0 * np.log(m_max))) if m_max > 1 else 0.0
    panel = min(_PANEL, 1.3 / x0) if x0 > 0 else _PANEL
    nodes, weights = _composite_nodes(-_LEFT, _right_limit(m_max), panel)
    log_phi = log_ndtr(nodes)
    positive = nodes > 0
    out = np.empty(m_values.shape, dtype=float)
    step = max(1, _CHUNK // nodes.size)
    for start in range(0, m_values.size, step):
        mm = m_values[start:start + step, None].astype(float)
        m_log = mm * log_phi[None, :]
        # 1 - Phi^m = -expm1(m log Phi) has no cancellation for x > 0; Phi^m for x <= 0.
        integrand = np.where(positive, -np.expm1(m_log), -np.exp(m_log))
        out[start:start + step] = integrand @ weights
    return out


def expected_max_normal(m: Any, sigma: float = 1.0) -> float | np.ndarray:
    r"""E[max of m iid N(0, sigma^2)]: the mean overestimation of a max over m noisy estimates.

    .. math::

       \mathbb{E}\big[\max_a \sigma Z_a\big] = \sigma \left[ \int_0^\infty \big(1 - \Phi(x)^m\big)\, dx
       - \int_{-\infty}^0 \Phi(x)^m \, dx \right],

    computed by composite Gauss-Legendre quadrature with Phi^m = exp(m log Phi(x))
    (``scipy.special.log_ndtr``) and 1 - Phi^m = -expm1(m log Phi(x)), accurate to about
    1e-13 absolute for m up to 1e6 (checked against closed forms for m <= 5 and mpmath
    quadrature).  Grows like sigma sqrt(2 log m).

    Source: van Hasselt et al. (2016), Section "Overoptimism due to estimation errors"
    and Figure 1 (the single-estimate bias with N(0, 1) errors, m = 2 .. 1024).

    Parameters
    ----------
    m : int or array_like of int
        Number of actions, >= 1 (m = 1 gives 0).
    sigma : float, default 1.0
        Standard deviation of the errors, > 0.

    Returns
    -------
    float or ndarray
        Same shape as ``m``; a float for scalar ``m``.

    Raises
    ------
    TypeError
        If ``m`` is not an integer (array) or ``sigma`` not real.
    ValueError
        If ``m < 1`` or ``sigma <= 0``.

    Examples
    --------
    >>> bool(abs(expected_max_normal(2) - 1 / np.sqrt(np.pi)) < 1e-14)
    True
    >>> bool(abs(expected_max_normal(3, sigma=2.0) - 3 / np.sqrt(np.pi)) < 1e-13)
    True
    """
    mm = _check_m(m, "m", minimum=1)
    s = check_positive(sigma, "sigma")
    flat = mm.ravel()
    values, inverse = np.unique(flat, return_inverse=True)
    out = s * _expected_max_std_normal(values)[inverse.ravel()]
    return _out(out.reshape(mm.shape))


def expected_max_uniform(m: Any, eps: Any) -> float | np.ndarray:
    r"""E[max of m iid Uniform(-eps, eps)] = eps (m - 1)/(m + 1).

    .. math::

       P(\max \le x) = \left(\frac{x + \epsilon}{2\epsilon}\right)^m \text{ on } [-\epsilon, \epsilon],
       \qquad
       \mathbb{E}[\max] = \epsilon - \int_{-\epsilon}^{\epsilon} \left(\frac{x + \epsilon}{2\epsilon}\right)^m dx
       = \epsilon - \frac{2\epsilon}{m + 1} .

    Source: van Hasselt et al. (2016), appendix, Theorem 2 (eps = 1); Thrun &
    Schwartz (1993).

    Parameters
    ----------
    m : int or array_like of int
        Number of actions, >= 1.
    eps : float or array_like
        Half-width of the error interval, > 0.  Broadcasts with ``m``.

    Returns
    -------
    float or ndarray

    Raises
    ------
    TypeError, ValueError
        If ``m`` is not an integer >= 1 or ``eps`` is not > 0.

    Examples
    --------
    >>> expected_max_uniform(3, 1.0)
    0.5
    >>> expected_max_uniform(1, 2.0)
    0.0
    """
    mm = _check_m(m, "m", minimum=1)
    e = _check_positive_array(eps, "eps")
    return _out(e * ((mm - 1.0) / (mm + 1.0)))  # ratio first: e (m - 1) may overflow


def thrun_schwartz_bound(m: Any, eps: Any, gamma: Any) -> float | np.ndarray:
    """Thrun & Schwartz's expected overestimation of a Q-learning target: gamma eps (m - 1)/(m + 1).

    With action-value errors iid uniform on [-eps, eps], the target r + gamma max_a Q(s', a)
    exceeds its true value by gamma E[max_a error_a] = gamma eps (m - 1)/(m + 1) in
    expectation (:func:`expected_max_uniform` times gamma).

    Source: Thrun & Schwartz (1993), Section 2 (as restated by van Hasselt et al.
    (2016), Section "Overoptimism due to estimation errors"; we could not consult Thrun &
    Schwartz's own equation numbering).

    Parameters
    ----------
    m : int or array_like of int
        Number of actions, >= 1.
    eps : float or array_like
        Half-width of the error interval, > 0.
    gamma : float
        Discount factor in [0, 1].

    Returns
    -------
    float or ndarray

    Raises
    ------
    TypeError, ValueError
        For a non-integer ``m`` or ``m < 1``, ``eps <= 0``, ``gamma`` outside [0, 1].

    Examples
    --------
    >>> thrun_schwartz_bound(3, 1.0, 0.5)
    0.25
    """
    g = check_unit_interval(gamma, "gamma")
    return _out(g * np.asarray(expected_max_uniform(m, eps)))


# ----------------------------------------------------------------------------- estimators
def _scaled_gaps(mu: np.ndarray, s: float) -> np.ndarray:
    """(M - mu_a)/sigma for every row of ``mu`` (M the row maximum), shape (B, m).

    The gaps are taken before dividing by sigma, so equal means give exact zeros however
    large they are; a gap that overflows (a range beyond float64, or sigma tiny) becomes
    +inf: an action that never wins, which the integrands below handle exactly.
    """
    with np.errstate(over="ignore"):
        gaps = (mu.max(axis=-1, keepdims=True) - mu) / s
    return gaps.reshape(-1, mu.shape[-1])


def _row_blocks(gaps: np.ndarray, n_nodes: int):
    """Blocks of rows holding about ``_CHUNK`` integrand values: (rows, gaps, counts, inverse).

    A block of one row is compressed to its distinct gaps with their multiplicities (equal
    true means share one integrand), so m = 1e6 equal means cost one integrand, not 1e6;
    ``inverse`` maps the distinct gaps back to the actions.  Uncompressed blocks have
    ``counts`` and ``inverse`` None.
    """
    n_rows, m = gaps.shape
    step = max(1, _CHUNK // (m * n_nodes))
    for start in range(0, n_rows, step):
        block = gaps[start:start + step]
        rows = slice(start, start + block.shape[0])
        if block.shape[0] == 1:
            g, inverse, counts = np.unique(block[0], return_inverse=True, return_counts=True)
            yield rows, g[None, :], counts[None, :].astype(float), inverse.ravel()
        else:
            yield rows, block, None, None


def _action_chunks(n_rows: int, m: int, n_nodes: int) -> list[slice]:
    """Slices of the action axis holding about ``_CHUNK`` integrand values each (memory bound)."""
    step = max(1, _CHUNK // (n_rows * n_nodes))
    return [slice(a0, a0 + step) for a0 in range(0, m, step)]


def _weighted_sum(log_cdf: np.ndarray, counts: np.ndarray | None, sl: slice) -> np.ndarray:
    """sum over the action axis (1) of counts_a * log_cdf[:, a, :]."""
    if counts is None:
        return log_cdf.sum(axis=1)
    return np.einsum("ban,ba->bn", log_cdf, counts[:, sl])


def _log_cdf_of_max(gaps: np.ndarray, counts: np.ndarray | None, t: np.ndarray) -> np.ndarray:
    """log F = sum_a counts_a log Phi(gaps_a + t), shape (B, n), accumulated over action chunks."""
    out = np.zeros((gaps.shape[0], t.size))
    for sl in _action_chunks(gaps.shape[0], gaps.shape[1], t.size):
        out += _weighted_sum(log_ndtr(gaps[:, sl, None] + t), counts, sl)
    return out


def argmax_probabilities(true_means: Any, sigma: float = 1.0) -> np.ndarray:
    """P(argmax_a (mu_a + sigma Z_a) = a) for independent standard normal Z_a.

    P_a = int (1/sigma) phi((x - mu_a)/sigma) prod_{b != a} Phi((x - mu_b)/sigma) dx,
    evaluated on x in [M - L sigma, M + L sigma] (M = max_a mu_a, L = 10) by composite
    Gauss-Legendre quadrature in log space (the neglected tails are below 1e-22).

    Source: van Hasselt (2010), "Double Q-learning", Section 2, Lemma 1 (the double
    estimator picks its action with the A-estimates; these are the weights of its convex
    combination).

    Parameters
    ----------
    true_means : array_like, shape (..., m)
        True values mu_a; leading axes are batch axes.
    sigma : float, default 1.0
        Noise standard deviation, > 0.

    Returns
    -------
    ndarray, shape (..., m)
        Probabilities summing to 1 along the last axis (to quadrature accuracy).

    Raises
    ------
    TypeError, ValueError
        Non-numeric or non-finite ``true_means``, a scalar, ``sigma <= 0``.

    Notes
    -----
    Equal means get equal probabilities exactly (a single row is reduced to its distinct
    means); memory stays bounded for any m (actions are processed in chunks).

    Examples
    --------
    >>> argmax_probabilities([0.0, 0.0, 0.0, 0.0]).round(12)
    array([0.25, 0.25, 0.25, 0.25])
    """
    mu = _check_means(true_means)
    s = check_positive(sigma, "sigma")
    gaps = _scaled_gaps(mu, s)
    m = gaps.shape[-1]
    if m == 1:
        return np.ones(mu.shape)
    t, w = _composite_nodes(-_LEFT, _LEFT)  # x = M + t sigma
    log_norm = 0.5 * np.log(2.0 * np.pi)
    out = np.empty_like(gaps)
    for rows, g, counts, inverse in _row_blocks(gaps, t.size):
        chunks = _action_chunks(g.shape[0], g.shape[1], t.size)
        if len(chunks) == 1:  # the usual case: Phi evaluated once
            z = g[:, :, None] + t                                          # (B, m, n)
            log_cdf = log_ndtr(z)
            log_f = _weighted_sum(log_cdf, counts, chunks[0])[:, None, :]  # log prod_b Phi
            # phi(z_a) prod_{b != a} Phi(z_b); a gap of +inf gives exp(-inf) = 0
            with np.errstate(over="ignore"):  # z² = inf for gaps ~1e300: exp(-inf) = 0
                p = np.exp(-0.5 * z * z - log_norm + log_f - log_cdf) @ w
        else:  # huge m: two passes over chunks of actions to bound memory
            log_f = _log_cdf_of_max(g, counts, t)[:, None, :]
            p = np.empty(g.shape)
            for sl in chunks:
                z = g[:, sl, None] + t
                with np.errstate(over="ignore"):
                    p[:, sl] = np.exp(-0.5 * z * z - log_norm + log_f - log_ndtr(z)) @ w
        out[rows] = p if inverse is None else p[:, inverse]
    return out.reshape(mu.shape)


def single_estimator_bias(true_means: Any, sigma: float = 1.0) -> float | np.ndarray:
    r"""Bias of the single estimator: E[max_a (mu_a + sigma Z_a)] - max_a mu_a  (>= 0).

    With F(x) = prod_a Phi((x - mu_a)/sigma) the CDF of the maximum and M = max_a mu_a,

        .. math::

           \mathrm{bias} = \int_0^\infty \big(1 - F(M + t)\big)\, dt - \int_{-\infty}^0 F(M + t)\, dt,

    by composite Gauss-Legendre quadrature on t in [-10 sigma, sigma sqrt(2 (log m + 55))],
    with F in log space (``log_ndtr``) and 1 - F = -expm1(log F).

    Source: van Hasselt (2010), "Double Q-learning", Section 2 (the single estimator
    max_a mu_a-hat is positively biased); van Hasselt et al. (2016), Figure 1.

    Parameters
    ----------
    true_means : array_like, shape (..., m)
        True values mu_a (m >= 1); leading axes are batch axes.
    sigma : float, default 1.0
        Standard deviation of every estimate's independent Gaussian noise, > 0.

    Returns
    -------
    float or ndarray, shape (...)
        A float for a 1-D ``true_means``.

    Raises
    ------
    TypeError, ValueError
        Non-numeric or non-finite ``true_means``, a scalar, ``sigma <= 0``.

    Notes
    -----
    Equal means give sigma * :func:`expected_max_normal`; m = 2 has Clark's (1961) closed
    form (used in the tests).  The bias is >= 0 by Jensen's inequality (max is convex).
    Gaps M - mu_a are formed before dividing by sigma (equal means stay exact however large;
    an overflowing gap is +inf, an action that never wins).  Memory is bounded for any m:
    a single row is reduced to its distinct means with multiplicities, and the actions are
    summed in chunks.

    Examples
    --------
    >>> bool(abs(single_estimator_bias([0.0, 0.0]) - 1 / np.sqrt(np.pi)) < 1e-14)
    True
    >>> single_estimator_bias([5.0])
    0.0
    """
    mu = _check_means(true_means)
    s = check_positive(sigma, "sigma")
    gaps = _scaled_gaps(mu, s)
    batch_shape = mu.shape[:-1]
    m = gaps.shape[-1]
    if m == 1:
        return _out(np.zeros(batch_shape))
    t, w = _composite_nodes(-_LEFT, _right_limit(m))
    positive = t > 0
    out = np.empty(gaps.shape[0])
    for rows, g, counts, _ in _row_blocks(gaps, t.size):
        log_f = _log_cdf_of_max(g, counts, t)                                  # (B, n)
        integrand = np.where(positive, -np.expm1(log_f), -np.exp(log_f))
        out[rows] = integrand @ w
    return _out(s * out.reshape(batch_shape))


def double_estimator_bias(true_means: Any, sigma: float = 1.0) -> float | np.ndarray:
    """Bias of the double estimator: E[Q^B(argmax_a Q^A_a)] - max_a mu_a  (<= 0).

    Q^A_a = mu_a + sigma Z^A_a and Q^B_a = mu_a + sigma Z^B_a with all Z independent N(0, 1).
    Conditioning on the selected action a* = argmax_a Q^A_a, which depends on Z^A only,

        E[Q^B_{a*}] = sum_a P(a* = a) E[Q^B_a | a* = a] = sum_a P(a* = a) mu_a,

    because Q^B is independent of Q^A and unbiased.  Hence
    bias = sum_a P_a mu_a - max_a mu_a = -sum_a P_a (M - mu_a) <= 0, a convex combination of
    the true means minus their maximum, with P_a from :func:`argmax_probabilities`.

    Source: van Hasselt (2010), "Double Q-learning", Section 2, Lemma 1 (the double
    estimator's expectation is a weighted average of the true means, so it never
    overestimates).

    Parameters
    ----------
    true_means : array_like, shape (..., m)
        True values mu_a; leading axes are batch axes.
    sigma : float, default 1.0
        Noise standard deviation of both estimates, > 0.

    Returns
    -------
    float or ndarray, shape (...)

    Raises
    ------
    TypeError, ValueError
        Non-numeric or non-finite ``true_means``, a scalar, ``sigma <= 0``.

    Notes
    -----
    Computed as -sum_a P_a (M - mu_a) so that equal means give exactly 0 and the sign is
    never flipped by rounding; an action whose gap M - mu_a overflows float64 has P_a = 0
    and contributes 0.  For m = 2 it equals -(M - mu_min) Phi(-|mu_1 - mu_2| /
    (sigma sqrt 2)).

    Examples
    --------
    >>> double_estimator_bias([1.0, 1.0, 1.0])
    0.0
    >>> bool(abs(double_estimator_bias([0.0, 1.0], sigma=np.sqrt(0.5)) + 0.15865525393146)
    ...      < 1e-12)
    True
    """
    mu = _check_means(true_means)
    p = argmax_probabilities(mu, sigma)
    with np.errstate(over="ignore"):
        gaps = mu.max(axis=-1, keepdims=True) - mu
    # an action with p = 0 contributes nothing, even when its gap overflowed to +inf
    weighted = np.multiply(p, gaps, out=np.zeros(p.shape), where=p > 0)
    bias = -np.sum(weighted, axis=-1)
    return _out(np.where(bias == 0.0, 0.0, bias))  # no "-0.0"
