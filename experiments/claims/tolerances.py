"""Float tolerances shared by several claim modules, each with its reason (the claims' analogue
of ``tests/tolerances.py``), and the error bounds several modules derive their own tolerances
from (central and second differences, minimizers located from values or from a gradient
residual, rounding of one computed value).  A claim module calls a bound with its own step,
scale and derivative bound and states those numbers next to the call; a tolerance with a
derivation of its own stays in its module, next to that derivation."""

import math

import numpy as np

from theory.docstrings import doc_params
from theory.validation import check_nonnegative, check_positive

__all__ = ["FLOAT_ATOL", "FLOAT_RTOL", "SYMBOLIC_RTOL", "ENUM_ATOL", "LP_ATOL", "UNIT_ROUNDOFF",
           "EVALUATION_ULPS", "rounding_error", "central_difference_atol", "second_difference_atol",
           "value_minimizer_atol", "gradient_root_atol"]

#: Two float64 routes to the same O(1)-O(10) quantity (a closed form against the formula
#: recomputed in numpy, two gradient formulas, sums/squares over up to ~1e3 terms): a few
#: hundred ulps.
FLOAT_ATOL = 1e-12
FLOAT_RTOL = 1e-12
#: A sympy expression (exact rationals) evaluated in float64 against numpy's evaluation of the
#: same rational / elementary function in another order: a few ulps relative.
SYMBOLIC_RTOL = 1e-12
#: A closed form against brute-force enumeration: float64 sums of up to ~1e4 products of
#: probabilities, a few hundred ulps.
ENUM_ATOL = 1e-12
#: An exact LP by HiGHS (dual simplex, feasibility tolerance 1e-10) on costs of order 1.
LP_ATOL = 1e-8


# ------------------------------------------------------------------------ derived tolerances
# Written once; a claim module calls them with its own step, scale and derivative bound and says
# where those numbers come from next to the call.

#: Unit roundoff of float64, u = 2^-53: a correctly rounded operation errs by at most u relative.
UNIT_ROUNDOFF = float(np.finfo(float).eps) / 2
#: Absolute error of one computed value of a loss, in units of u times the loss's scale: a loss
#: evaluated by up to ~64 float operations on numbers of its size (a sum of up to ~50 terms plus a
#: few exp/log), each adding at most u relative to the running result, counted worst-case
#: (Higham 2002, Chapter 4: recursive summation of n terms errs by <= (n - 1) u sum |x_i| to first
#: order, numpy's pairwise summation by ~log2(n) u sum |x_i|, so means of a few hundred terms fit).
EVALUATION_ULPS = 64.0

#: Parameter texts shared by the bounds' docstrings (``%(name)s``, see theory.docstrings).
_DOC = {
    "value_scale": "value_scale : float >= 0\n        Bound on |f| (and its intermediate results) near x.",
    "ulps": "ulps : float >= 0\n        Roundings per value of f (default :data:`EVALUATION_ULPS`).",
    "returns": "Returns\n    -------\n    float\n        The bound (absolute, in the units of the "
               "quantity it bounds).",
}
_fill_doc = doc_params(_DOC)


@_fill_doc
def rounding_error(value_scale: float, ulps: float = EVALUATION_ULPS) -> float:
    """Absolute error bound of one float64 value computed by about ``ulps`` roundings.

    ``delta = ulps * u * value_scale``, u the unit roundoff, each rounding erring by at most u
    relative to a number no larger than ``value_scale``.

    Parameters
    ----------
    value_scale : float >= 0
        Bound on the size of the value and of the intermediate results.
    ulps : float >= 0
        Number of roundings (default :data:`EVALUATION_ULPS`).

    %(returns)s

    >>> rounding_error(1.0, ulps=2) == 2.0**-52
    True
    """
    value_scale = check_nonnegative(value_scale, "value_scale")
    return check_nonnegative(ulps, "ulps") * UNIT_ROUNDOFF * value_scale


@_fill_doc
def central_difference_atol(h: float, *, value_scale: float, third_derivative: float,
                            ulps: float = EVALUATION_ULPS) -> float:
    """Error bound of the central difference ``(f(x + h) - f(x - h)) / (2 h)`` for ``f'(x)``.

    Taylor's theorem with Lagrange remainders gives the truncation
    ``h^2 / 12 (f'''(xi_1) + f'''(xi_2)) <= h^2 / 6 sup |f'''|``; each of the two computed values
    errs by at most ``delta = rounding_error(value_scale, ulps)``, and their difference divided by
    2h by at most ``delta / h``::

        |fd - f'(x)| <= h^2 / 6 * third_derivative + ulps * u * value_scale / h.

    The same holds for a directional difference along a unit vector, with the third derivative
    along that direction.

    Parameters
    ----------
    h : float > 0
        The step.
    %(value_scale)s
    third_derivative : float >= 0
        Bound on |f'''| on [x - h, x + h].
    %(ulps)s

    %(returns)s

    >>> round(central_difference_atol(1e-5, value_scale=1.0, third_derivative=6.0), 12)
    8.11e-10
    """
    h = check_positive(h, "h")
    third = check_nonnegative(third_derivative, "third_derivative")
    return h * h / 6.0 * third + rounding_error(value_scale, ulps) / h


@_fill_doc
def second_difference_atol(h: float, *, value_scale: float, fourth_derivative: float,
                           ulps: float = EVALUATION_ULPS) -> float:
    """Error bound of the central second difference for a second derivative ``f_ij(x)``.

    For ``(f(x + h e_i + h e_j) - f(x + h e_i - h e_j) - f(x - h e_i + h e_j)
    + f(x - h e_i - h e_j)) / (4 h^2)`` (for i = j the pure second difference with step 2h), the
    orders 0, 1 and 3 of the four Taylor expansions cancel, and their Lagrange remainders, each
    <= sup|f''''| |step|^4 / 24 with |step| <= 2h (f'''' the fourth derivative along a unit
    direction), leave a truncation of at most ``h^2 / 3 sup |f''''|``; the four computed values
    err by at most ``delta`` each, so rounding adds ``4 delta / (4 h^2)``::

        |fd - f_ij(x)| <= h^2 / 3 * fourth_derivative + ulps * u * value_scale / h^2.

    Parameters
    ----------
    h : float > 0
        The step along each coordinate.
    %(value_scale)s
    fourth_derivative : float >= 0
        Bound on the fourth derivative along unit directions within 2h of x.
    %(ulps)s

    %(returns)s
    """
    h = check_positive(h, "h")
    fourth = check_nonnegative(fourth_derivative, "fourth_derivative")
    return h * h / 3.0 * fourth + rounding_error(value_scale, ulps) / (h * h)


@_fill_doc
def value_minimizer_atol(*, value_scale: float, curvature: float,
                         ulps: float = EVALUATION_ULPS) -> float:
    """How far a minimizer located from function values alone (a grid, Brent's method) can be
    from the true one.

    Near a smooth minimum ``f(x* + d) - f(x*) = f''(x*) d^2 / 2 + O(d^3)``, so points whose
    ``f'' d^2 / 2`` is below the rounding ``delta`` of the values cannot be told apart from x*
    (Press et al., Numerical Recipes, Section 10.1; Brent 1973, Chapter 5)::

        |x - x*| <= sqrt(2 delta / f''(x*)),  delta = ulps * u * value_scale.

    Parameters
    ----------
    value_scale : float >= 0
        Bound on |f| near the minimum.
    curvature : float > 0
        Lower bound on f'' at the minimum.
    %(ulps)s

    %(returns)s
    """
    curvature = check_positive(curvature, "curvature")
    return math.sqrt(2.0 * rounding_error(value_scale, ulps) / curvature)


@_fill_doc
def gradient_root_atol(gradient_residual: float, curvature: float) -> float:
    """How far a point with gradient norm <= ``gradient_residual`` can be from the minimizer x*
    of a function whose Hessian has all eigenvalues >= ``curvature`` > 0 between them.

    Strong convexity gives ``||grad f(x)|| >= curvature ||x - x*||`` (the mean-value form
    ``grad f(x) = H (x - x*)`` with H the averaged Hessian, ``||H v|| >= curvature ||v||``)::

        ||x - x*|| <= gradient_residual / curvature.

    Parameters
    ----------
    gradient_residual : float >= 0
        Bound on the norm of the gradient at the computed point (the solver's stopping tolerance
        plus the rounding of the gradient).
    curvature : float > 0
        Lower bound on the Hessian's eigenvalues.

    %(returns)s

    >>> gradient_root_atol(1e-10, 1e-3)
    1e-07
    """
    residual = check_nonnegative(gradient_residual, "gradient_residual")
    return residual / check_positive(curvature, "curvature")
