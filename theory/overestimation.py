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
van Hasselt, H. (2010). Double Q-learning. NeurIPS.  Section 2 (single and double
    estimators; cited in :mod:`theory.max_estimators`, where they are computed).
Thrun, S. & Schwartz, A. (1993). Issues in Using Function Approximation for Reinforcement
    Learning. Connectionist Models Summer School.  Errors uniform on [-eps, eps]: each
    Q-learning target is overestimated by gamma eps (m - 1)/(m + 1) in expectation.

Conventions: ``m`` is the number of actions (an int, or an integer array that broadcasts
against the other arguments); errors are estimates minus true values; ``sigma`` is the
standard deviation of independent Gaussian noise on every estimate.  Everything here is a
deterministic closed form or a numerical integral, never Monte Carlo.

Two parts: Theorem 1's bounds with their tight examples and the uniform-noise closed forms
(Theorem 2, Thrun & Schwartz) are defined here; the Gaussian-noise quantities computed by
quadrature (:func:`expected_max_normal`, :func:`argmax_probabilities`,
:func:`single_estimator_bias`, :func:`double_estimator_bias`) are defined in
:mod:`theory.max_estimators` and re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from theory.docstrings import doc_params
from theory.validation import (as_float_array, check_integer_array, check_positive, check_unit_interval,
                                float_or_array)
from theory.deprecation import deprecated_method
# The Gaussian-noise estimators (quadrature) live in theory.max_estimators and stay importable here.
from theory.max_estimators import (argmax_probabilities, double_estimator_bias,  # noqa: F401
                                   expected_max_normal, single_estimator_bias)

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

#: Descriptions shared by the docstrings below (``%(name)s``, see theory.docstrings).
_DOC = {
    "m_uniform": "m : int or array_like of int\n        Number of actions, >= 1.\n    eps : float or array_like\n"
                 "        Half-width of the error interval, > 0.  Broadcasts with ``m``.",
}

_fill_doc = doc_params(_DOC)


# ----------------------------------------------------------------------------- validation
#: Largest m for the functions that return a vector of m errors (8e8 bytes of float64).
_MAX_VECTOR = 10**8


def _check_m_vector(m: Any, name: str = "m", *, minimum: int = 2) -> int:
    """A single integer m for the functions that build a vector of m entries: size-checked
    before anything is allocated."""
    mm = check_integer_array(m, name, minimum=minimum)
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
    mm = check_integer_array(m, "m", minimum=2)
    return float_or_array(np.sqrt(c / (mm - 1.0)))


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
    mm = check_integer_array(m, "m", minimum=2)
    return float_or_array(np.zeros(np.broadcast_shapes(c.shape, mm.shape)))


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



@_fill_doc
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
    %(m_uniform)s

    Returns
    -------
    float or ndarray
        E[max], with the broadcast shape of ``m`` and ``eps``; a float when both are scalars.

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
    mm = check_integer_array(m, "m", minimum=1)
    e = _check_positive_array(eps, "eps")
    return float_or_array(e * ((mm - 1.0) / (mm + 1.0)))  # ratio first: e (m - 1) may overflow


@_fill_doc
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
    %(m_uniform)s
    gamma : float
        Discount factor in [0, 1].

    Returns
    -------
    float or ndarray
        The expected overestimation of the target (in the units of the values).

    Raises
    ------
    TypeError, ValueError
        As :func:`expected_max_uniform`, and for ``gamma`` outside [0, 1].

    Examples
    --------
    >>> thrun_schwartz_bound(3, 1.0, 0.5)
    0.25
    """
    g = check_unit_interval(gamma, "gamma")
    return float_or_array(g * np.asarray(expected_max_uniform(m, eps)))
