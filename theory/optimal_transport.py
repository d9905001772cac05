"""Exact optimal transport between discrete measures: the Kantorovich linear program with its
dual potentials (:func:`wasserstein_discrete`), solved by one of three exact routes.

- ``"assignment"``: uniform measures of equal size.  By Birkhoff-von Neumann an optimal plan
  is a permutation matrix (Peyré & Cuturi 2019, Proposition 2.1), found by
  ``scipy.optimize.linear_sum_assignment`` (Crouse 2016, shortest augmenting paths); the
  potentials come from the assignment's complementary slackness (shortest paths, see
  :func:`_assignment_potentials`).
- ``"network_simplex"``: POT's ``ot.emd`` (Bonneel et al. 2011), when POT is installed
  (``pip install "ganac[ot]"``; imported on first use, never required).
- ``"lp"``: the Kantorovich LP by HiGHS' dual simplex with arc generation: the independent
  route, and the fallback when POT is absent or does not certify optimality.

Source: Kantorovich duality, Villani (2009), Theorem 5.10; Peyré & Cuturi (2019),
Computational Optimal Transport, Chapters 2-3 (discrete problem, dual, c-transforms).  The
closed forms of :mod:`theory.divergences` re-export :class:`OTResult` and
:func:`wasserstein_discrete` from here.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import linear_sum_assignment, linprog

from theory.validation import as_float_array, check_probability
from theory.deprecation import deprecated_method


@dataclass(frozen=True)
class OTResult:
    """Exact optimal transport between two discrete measures (see :func:`wasserstein_discrete`).

    Source: Kantorovich duality, Villani (2009), Theorem 5.10; Peyré & Cuturi (2019),
    Computational Optimal Transport, Chapters 2-3 (discrete problem, dual, c-transforms).

    Attributes
    ----------
    value : float
        min_P Σ C_ij P_ij over couplings of a and b.
    plan : ndarray, shape (n, m)
        An optimal coupling (rows sum to a, columns to b).
    f : ndarray, shape (n,)
        Dual potential on the support of a (see :func:`wasserstein_discrete`, Notes).
    g : ndarray, shape (m,)
        Dual potential on the support of b, g = f^c.
    duality_gap : float
        value - (a · f + b · g): ~0 at optimality.
    method : str
        The route that solved it: ``"assignment"``, ``"network_simplex"`` or ``"lp"``.
    """

    value: float
    plan: np.ndarray
    f: np.ndarray
    g: np.ndarray
    duality_gap: float
    method: str = "lp"

    def to_dict(self) -> dict:
        return {
            "value": self.value,
            "plan": self.plan.tolist(),
            "f": self.f.tolist(),
            "g": self.g.tolist(),
            "duality_gap": self.duality_gap,
            "method": self.method,
        }

    to_json = deprecated_method("to_dict")


def _measure(x: Any, name: str) -> np.ndarray:
    arr = as_float_array(x, name)
    if arr.ndim != 1:
        raise ValueError(f"`{name}` must be 1-D (got shape {arr.shape})")
    return check_probability(arr, name)


#: HiGHS primal/dual feasibility tolerances for the OT linear programmes (defaults: 1e-7).
_LP_TOL = 1e-10
#: Problems with at most this many arcs (n·m) are solved as one LP over all arcs.
_DENSE_ARCS = 4096
#: Candidate arcs per row and per column in the first restricted LP (the cheapest ones).
_ARCS_PER_LINE = 8
#: Arcs with the most negative reduced costs added per row and per column in each round.
_ADD_PER_LINE = 5


def _monotone_arcs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Arcs of the north-west-corner coupling of a and b (a feasible basis: n + m - 1 arcs)."""
    n, m = a.shape[0], b.shape[0]
    ca = np.cumsum(a)
    cb = np.cumsum(b)
    ca[-1] = cb[-1] = 1.0
    both = np.concatenate([ca, cb])
    perm = np.argsort(both, kind="stable")
    iu = np.cumsum(perm < n) - (perm < n)
    iv = np.arange(n + m) - iu
    return np.minimum(iu, n - 1), np.minimum(iv, m - 1)


def _restricted_lp(C, a, b, ii, jj):
    """Transport LP over the arcs (ii[k], jj[k]); returns (x, f, g) with HiGHS' duals."""
    n, m = C.shape
    k = ii.shape[0]
    cols = np.arange(k)
    A_eq = sparse.csc_matrix(
        (np.ones(2 * k), (np.concatenate([ii, n + jj]), np.concatenate([cols, cols]))),
        shape=(n + m, k),
    )
    res = linprog(
        C[ii, jj],
        A_eq=A_eq,
        b_eq=np.concatenate([a, b]),
        bounds=(0, None),
        method="highs-ds",
        options={
            "presolve": False,  # measured 1.2-1.6x faster on these transport LPs
            "primal_feasibility_tolerance": _LP_TOL,
            "dual_feasibility_tolerance": _LP_TOL,
        },
    )
    if res.status != 0:
        raise ValueError(f"the transport LP failed: {res.message}")
    marg = np.asarray(res.eqlin.marginals, dtype=float)
    return res.x, marg[:n], marg[n:]


def _lp_route(C: np.ndarray, a_: np.ndarray, b_: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The Kantorovich LP by HiGHS (dense, or by arc generation): (plan, column duals g₀)."""
    n, m = C.shape
    # HiGHS' tolerances are absolute.  Exact power-of-two rescaling of masses (to total
    # 2**13) and costs (to max |C| ~ 2**13) makes them ~1e-14 relative instead of 1e-10,
    # so atoms with tiny mass are still transported.
    s_mass = 2.0**13
    c_max = float(np.abs(C).max())
    k_cost = int(np.clip(13 - np.ceil(np.log2(c_max)), -1000, 1000)) if c_max > 0 else 0
    s_cost = float(np.ldexp(1.0, k_cost))
    Cs, as_, bs = C * s_cost, a_ * s_mass, b_ * s_mass
    if n * m <= _DENSE_ARCS:
        ii, jj = np.divmod(np.arange(n * m), m)
        x, f0, g0 = _restricted_lp(Cs, as_, bs, ii, jj)
    else:
        tol = _LP_TOL * max(1.0, float(np.abs(Cs).max()))
        k_row = min(_ARCS_PER_LINE, m)
        k_col = min(_ARCS_PER_LINE, n)
        mi, mj = _monotone_arcs(a_, b_)
        rj = np.argpartition(Cs, k_row - 1, axis=1)[:, :k_row]
        ci = np.argpartition(Cs, k_col - 1, axis=0)[:k_col, :]
        ii = np.concatenate([mi, np.repeat(np.arange(n), k_row), ci.ravel()])
        jj = np.concatenate([mj, rj.ravel(), np.tile(np.arange(m), k_col)])
        keys = np.unique(ii * m + jj)
        while True:
            ii, jj = np.divmod(keys, m)
            x, f0, g0 = _restricted_lp(Cs, as_, bs, ii, jj)
            R = Cs - f0[:, None] - g0[None, :]
            if not R.min() < -tol:
                break
            kr = min(_ADD_PER_LINE, m)
            kc = min(_ADD_PER_LINE, n)
            rows = np.argpartition(R, kr - 1, axis=1)[:, :kr]
            cols = np.argpartition(R, kc - 1, axis=0)[:kc, :]
            r_i = np.repeat(np.arange(n), kr)
            c_j = np.tile(np.arange(m), kc)
            r_neg = R[r_i, rows.ravel()] < -tol
            c_neg = R[cols.ravel(), c_j] < -tol
            new = np.concatenate(
                [r_i[r_neg] * m + rows.ravel()[r_neg], cols.ravel()[c_neg] * m + c_j[c_neg]]
            )
            keys = np.union1d(keys, new)
    plan = np.zeros((n, m))
    plan[ii, jj] = np.maximum(x, 0.0) / s_mass
    return plan, g0 / s_cost


#: Relative threshold below which a potential update in :func:`_assignment_potentials` is
#: rounding, not propagation (2**-50 of the largest |cost|): it stops the iteration on
#: cycles of tight arcs whose rounded costs do not add up to exactly 0.
_POTENTIAL_RTOL = 2.0**-50
#: Columns relaxed per vectorized step of :func:`_assignment_potentials` (a 64 x n block).
_POTENTIAL_BLOCK = 64


def _assignment_potentials(C: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """Column potentials g making the optimal assignment σ tight, by shortest paths.

    With f_i = C_iσ(i) - g_σ(i) on the assignment (complementary slackness), dual
    feasibility f_i + g_j <= C_ij for j = σ(k) reads f_i <= f_k + (C_iσ(k) - C_kσ(k)): a
    system of difference constraints, solved by shortest-path distances (Bellman-Ford; a
    solution exists because σ is optimal, so there is no negative cycle).  These are the
    reduced-cost optimality conditions of min-cost flow (Ahuja, Magnanti & Orlin 1993,
    Network Flows, Ch. 9).

    Label-correcting, vectorized: f starts at the row minima (feasible with g = 0); a sweep
    takes the rows whose tight g_σ(i) = C_iσ(i) - f_i rose, in blocks of 64, sets those g
    and relaxes f_i <- min(f_i, C_ij - g_j) over the block's columns (Gauss-Seidel: later
    blocks see the updated f).  Sweeps repeat until nothing rises by more than
    2**-50 max|C| (at most n + 1 sweeps).  The caller then takes c-transforms, which
    restore feasibility to the last bit and report the duality gap.
    """
    n = C.shape[0]
    D = np.ascontiguousarray(C[:, sigma].T)  # row i of D = column σ(i) of C
    matched = D[np.arange(n), np.arange(n)]  # C_iσ(i)
    tol = _POTENTIAL_RTOL * float(np.abs(C).max())
    f = C.min(axis=1)
    h = np.full(n, -np.inf)  # h_i = g_σ(i)
    block = np.empty((min(_POTENTIAL_BLOCK, n), n))
    mins = np.empty(n)
    for _ in range(n + 1):
        rows = np.flatnonzero(matched - f > h + tol)
        if rows.size == 0:
            break
        for r0 in range(0, rows.size, _POTENTIAL_BLOCK):
            rr = rows[r0:r0 + _POTENTIAL_BLOCK]
            rr = rr[matched[rr] - f[rr] > h[rr] + tol]  # f moved since the sweep began
            if rr.size == 0:
                continue
            h[rr] = matched[rr] - f[rr]
            b = block[:rr.size]
            np.take(D, rr, axis=0, out=b, mode="clip")  # "clip": no buffering of out
            b -= h[rr][:, None]
            np.minimum.reduce(b, axis=0, out=mins)
            np.minimum(f, mins, out=f)
    g = np.empty(n)
    g[sigma] = matched - f
    return g


def _pot():
    """POT's module, or None when it is not installed (``import`` is a dict lookup once loaded)."""
    try:
        import ot  # optional: pip install "ganac[ot]"
    except ImportError:
        return None
    return ot


#: POT's network simplex stops after this many iterations (per arc); its default 100,000 in
#: total can stop large problems early.  An early stop is detected and sent to the LP.
_POT_ITER_PER_ARC = 50

#: The values of ``method=`` in :func:`wasserstein_discrete`.
METHODS = ("auto", "assignment", "network_simplex", "lp")


def _pot_route(C: np.ndarray, a_: np.ndarray, b_: np.ndarray):
    """(plan, column duals) from POT's network simplex, or None if it did not prove optimality."""
    ot = _pot()
    n, m = C.shape
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # an early stop is read from result_code below
        plan, log = ot.emd(a_, b_, np.ascontiguousarray(C),
                           numItermax=max(100_000, _POT_ITER_PER_ARC * n * m), log=True)
    if log.get("result_code") != 1:  # POT: 1 = OPTIMAL
        return None
    return np.asarray(plan, dtype=float), np.asarray(log["v"], dtype=float)


def _is_uniform_square(a_: np.ndarray, b_: np.ndarray) -> bool:
    return a_.shape == b_.shape and bool(np.all(a_ == a_[0])) and bool(np.all(b_ == b_[0]))


def wasserstein_discrete(a: Any, b: Any, cost: Any, *, method: str = "auto") -> OTResult:
    """Exact optimal transport between discrete measures.

    W_C(a, b) = min { Σ_ij C_ij P_ij : P >= 0, P 1 = a, Pᵀ 1 = b }
              = max { a · f + b · g : f_i + g_j <= C_ij }        (Kantorovich duality).

    Source: Kantorovich duality, Villani (2009), Theorem 5.10; Peyré & Cuturi (2019),
    Computational Optimal Transport, Chapters 2-3 and Proposition 2.1 (uniform measures: a
    permutation is optimal); Arjovsky et al. (2017), Section 3 (Kantorovich-Rubinstein form
    of W1).

    Parameters
    ----------
    a : array_like, shape (n,)
        Source probability vector (zero atoms allowed).
    b : array_like, shape (m,)
        Target probability vector (zero atoms allowed).
    cost : array_like, shape (n, m)
        Finite ground cost C_ij.
    method : {"auto", "assignment", "network_simplex", "lp"}, default "auto"
        The exact route (module docstring).  ``"auto"``: ``"assignment"`` when n = m and a,
        b are uniform (all atoms equal); else ``"network_simplex"`` when n·m > 4096 and POT
        is installed; else ``"lp"`` (one dense LP up to 4096 arcs takes milliseconds, while
        importing POT can take seconds).  The LP also takes over when POT does not report
        optimality.

    Returns
    -------
    OTResult
        ``value``, ``plan``, potentials ``f``, ``g``, ``duality_gap`` and ``method``.

    Raises
    ------
    ValueError
        If ``a``/``b`` are invalid probability vectors, ``cost`` has the wrong shape or is
        non-finite (all named), ``method`` is unknown, ``"assignment"`` is asked for
        non-uniform or unequal measures, or the LP solver fails.
    ImportError
        If ``method="network_simplex"`` and POT is not installed.

    Notes
    -----
    Every route is exact (never entropic) and returns a vertex plan.  ``a`` and ``b`` are
    rescaled to sum to 1 in floating point (they are accepted within 1e-9) so the two
    marginal constraints are consistent.

    ``"lp"``: HiGHS' dual simplex (``scipy.optimize.linprog(method='highs-ds')``, feasibility
    tolerances 1e-10).  Up to 4096 arcs (n·m) one LP over all arcs; larger problems use arc
    generation: an LP over a few candidate arcs (the north-west-corner coupling, which
    makes it feasible, plus the cheapest arcs of each row and column), whose duals price
    all n·m arcs; the most negative reduced cost of every row and column is added and the
    LP re-solved until no reduced cost is below -1e-10 (in rescaled units, ~1e-14·max|C|).
    Then the restricted optimum is optimal for the full problem (LP optimality conditions).

    ``"assignment"``: ``linear_sum_assignment`` gives an optimal permutation σ (exact for
    uniform measures of equal size: Birkhoff-von Neumann); the plan puts 1/n on (i, σ(i)).
    The column potentials g₀ are computed from the assignment's complementary slackness,
    f_i + g_σ(i) = C_iσ(i), as shortest-path distances (a vectorized label-correcting
    Bellman-Ford, see ``_assignment_potentials``), not from an LP.

    ``"network_simplex"``: POT's ``ot.emd`` with its dual ``v`` as g₀.

    The potentials are then post-processed, for every route, from the column duals g₀:
    ``f`` is the c-transform f_i = min_j (C_ij - g₀_j) and ``g = f^c``,
    g_j = min_i (C_ij - f_i).  Each c-transform keeps f_i + g_j <= C_ij (up to rounding)
    and does not lower a · f + b · g, so the pair stays optimal (``duality_gap`` reports
    value - a · f - b · g); it also defines f and g on zero-mass atoms.  When a and b live
    on the same points and ``cost`` is a metric there (square, zero diagonal, symmetric,
    triangle inequality), f is 1-Lipschitz w.r.t. the cost, g = -f, and f is an optimal
    Kantorovich-Rubinstein critic: W1 = Σ a f - Σ b f.

    Examples
    --------
    Moving mass 1 by distance 1:

    >>> res = wasserstein_discrete([1.0, 0.0], [0.0, 1.0], [[0.0, 1.0], [1.0, 0.0]])
    >>> res.value
    1.0
    >>> float(res.f[0] - res.f[1])  # the KR critic rises by the distance
    1.0

    Uniform measures of equal size take the assignment route:

    >>> res = wasserstein_discrete([0.5, 0.5], [0.5, 0.5], [[0.0, 2.0], [1.0, 0.0]])
    >>> res.value, res.method
    (0.0, 'assignment')
    """
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"`method` must be one of {METHODS} (got {method!r})")
    a_ = _measure(a, "a")
    b_ = _measure(b, "b")
    n, m = a_.shape[0], b_.shape[0]
    C = as_float_array(cost, "cost")
    if C.shape != (n, m):
        raise ValueError(f"`cost` must have shape (len(a), len(b)) = {(n, m)} (got {C.shape})")
    a_ = a_ / a_.sum()
    b_ = b_ / b_.sum()
    uniform = _is_uniform_square(a_, b_)
    if method == "assignment" and not uniform:
        if n != m:
            raise ValueError(
                f"`method`='assignment' needs `a` and `b` of equal length (got {n} and {m})"
            )
        raise ValueError("`method`='assignment' needs uniform `a` and `b` (all atoms equal)")
    if method == "network_simplex" and _pot() is None:
        raise ImportError('`method`="network_simplex" needs POT: pip install "ganac[ot]"')
    route = method
    if method == "auto":
        if uniform:
            route = "assignment"
        elif n * m > _DENSE_ARCS and _pot() is not None:
            route = "network_simplex"
        else:
            route = "lp"

    if route == "assignment":
        rows, sigma = linear_sum_assignment(C)
        plan = np.zeros((n, m))
        plan[rows, sigma] = a_[rows]
        g0 = _assignment_potentials(C, sigma)
    else:
        solved = _pot_route(C, a_, b_) if route == "network_simplex" else None
        if solved is None:
            if method == "network_simplex":
                raise ValueError("POT's network simplex did not reach optimality on this problem")
            route = "lp"
            solved = _lp_route(C, a_, b_)
        plan, g0 = solved
    ii, jj = np.nonzero(plan)
    value = float(np.dot(C[ii, jj], plan[ii, jj]))
    f = np.min(C - g0[None, :], axis=1)
    g = np.min(C - f[:, None], axis=0)
    gap = value - float(a_ @ f + b_ @ g)
    return OTResult(value=value, plan=plan, f=f, g=g, duality_gap=gap, method=route)
