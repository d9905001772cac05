"""Named tolerances, each with its reason.  Import these instead of typing numbers in tests."""

#: Closed form against closed form in float64: a few hundred ulps of accumulated rounding
#: over sums of up to ~1e4 terms.
FLOAT_RTOL = 1e-12
FLOAT_ATOL = 1e-12

#: Sums of logs over many atoms (divergences on K ~ 1e3 atoms): rounding grows ~ sqrt(K) eps.
SUM_ATOL = 1e-10

#: Probability vectors are accepted when they sum to 1 within 1e-9 (DESIGN conventions), so a
#: quantity computed from them can only be trusted to that order.
PROB_SUM_TOL = 1e-9

#: Exact LP / network simplex: HiGHS' primal/dual feasibility tolerance is 1e-7 by default
#: and we tighten it; values agree with an independent exact method to this level.
LP_ATOL = 1e-8
