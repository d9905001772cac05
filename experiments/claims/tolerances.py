"""Float tolerances shared by several claim modules, each with its reason (the claims' analogue
of ``tests/tolerances.py``).  A tolerance specific to one claim stays in its module, next to the
derivation of its value."""

__all__ = ["FLOAT_ATOL", "FLOAT_RTOL", "SYMBOLIC_RTOL", "ENUM_ATOL", "LP_ATOL"]

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
