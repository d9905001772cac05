"""WGAN critics found by optimization on discrete supports: the Kantorovich-Rubinstein dual
as a linear program over 1-Lipschitz functions, a weight-clipped linear critic, and the
gradient-penalized critic of WGAN-GP on a 1-D grid; generator descent against them.

- :func:`wgan_critic` — max_f Σ (p − q) f over functions with |f_i − f_j| <= ‖x_i − x_j‖
  (Arjovsky, Chintala & Bottou, 2017, eq. (2), the Kantorovich-Rubinstein duality), an LP
  over the critic's values.  It solves the *dual* over functions; ``theory.optimal_transport``
  solves the *primal* over couplings, so the two are independent routes to W1.
- :func:`clipped_linear_critic` — the critic family f_w(x) = w·x with the weights clipped to
  [−c, c] (their Algorithm 1), maximized by an LP in d dimensions.
- :func:`wgan_gp_critic` — Gulrajani et al. (2017), eq. (3): maximize
  E_P[f] − E_Q[f] − λ E_x̂[(|f'(x̂)| − 1)²] over the critic's values on a 1-D grid, x̂ uniform
  on the segment between independent draws of P and Q, by ``scipy.optimize`` with the exact
  gradient and Hessian.
- :func:`train_wgan_generator` — a softmax generator on the grid descending −E_q[f] against
  either critic, re-solved at every step.

Independence rule (DESIGN.md): nothing here imports ``theory.optimal_transport``,
``theory.divergences`` or ``theory.wgan``; the tests compare with them.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import sparse
from scipy.optimize import linprog, minimize
from scipy.special import softmax

from solvers.results import ArrayResult
from solvers.validation import check_distribution_pair, check_generator_descent, check_solve_budget
from theory.validation import ConvergenceWarning, as_float_array, check_in, check_positive

__all__ = [
    "WGAN_CRITICS",
    "WGANCriticResult",
    "ClippedCriticResult",
    "WGANGPCriticResult",
    "WGANGeneratorRun",
    "wgan_critic",
    "clipped_linear_critic",
    "interpolate_cell_masses",
    "wgan_gp_critic",
    "train_wgan_generator",
]

#: Critics :func:`train_wgan_generator` can re-solve at every step.
WGAN_CRITICS = ("kr", "gp")

#: Rounds of trust-region iterations of :func:`wgan_gp_critic` (each after reflecting the
#: slopes that ended on the wrong side of the penalty's kink).
_GP_ROUNDS = 8

#: HiGHS' primal and dual feasibility tolerances (default 1e-7), on problems scaled so that
#: positions and masses are O(1).
_LP_TOL = 1e-10


# ---------------------------------------------------------------------------- validation
def _pair(p: ArrayLike, q: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    pa, qa = check_distribution_pair(p, q, ("p_data", "p_g"))
    # accepted within 1e-9 of 1: renormalize so Σ (p − q) = 0 and constants cancel exactly
    return pa / pa.sum(), qa / qa.sum()


def _points(x: ArrayLike, n: int) -> np.ndarray:
    arr = as_float_array(x, "x")
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] != n:
        raise ValueError(f"`x` must have shape ({n},) or ({n}, d) like `p_data` (got {arr.shape})")
    return arr


def _grid(x: ArrayLike, n: int) -> np.ndarray:
    arr = as_float_array(x, "x")
    if arr.shape != (n,):
        raise ValueError(f"`x` must be a 1-D grid of shape ({n},) like `p_data` (got {arr.shape})")
    if n < 2:
        raise ValueError(f"`x` must have at least 2 points (got {n})")
    if np.unique(arr).shape[0] != n:
        raise ValueError("`x` must hold distinct points")
    return arr


def _scale(x: np.ndarray) -> float:
    """A power of two s with s·(spread of x) in [1/2, 1): exact rescaling for HiGHS.

    The exponent is clamped to ±1000 (a subnormal spread keeps a spread below 1)."""
    spread = float(np.max(x.max(axis=0) - x.min(axis=0))) if x.shape[0] > 1 else 0.0
    if spread == 0.0:
        return 1.0
    return float(np.ldexp(1.0, int(np.clip(-np.floor(np.log2(spread)) - 1, -1000, 1000))))


def _lp(c: np.ndarray, a_ub, b_ub: np.ndarray, bounds) -> np.ndarray:
    res = linprog(
        c, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs",
        options={"primal_feasibility_tolerance": _LP_TOL, "dual_feasibility_tolerance": _LP_TOL},
    )
    if res.status != 0:  # pragma: no cover - both LPs are feasible and bounded
        raise ValueError(f"the critic LP failed: {res.message}")
    return res.x


# ---------------------------------------------------------------------------- KR critic
@dataclass
class WGANCriticResult(ArrayResult):
    """The Kantorovich-Rubinstein critic, from a linear program over its values.

    Attributes
    ----------
    f : ndarray, shape (n,)
        An optimal 1-Lipschitz critic at the points, normalized to f = 0 at the first point
        (in the order of ``x``'s lexicographic sort); constants do not change the value.
    value : float
        Σ (p_data − p_g) f = W1(p_data, p_g) at the optimum.
    constraints : str
        ``"neighbors"`` (1-D: consecutive sorted points) or ``"all_pairs"`` (d >= 2).
    lipschitz_excess : float
        max over the LP's constraints of |f_i − f_j| − ‖x_i − x_j‖ (<= ~1e-10 relative).
    p_data, p_g : ndarray, shape (n,)
    """

    f: np.ndarray
    value: float
    constraints: str
    lipschitz_excess: float
    p_data: np.ndarray
    p_g: np.ndarray


def _kr_critic(p: np.ndarray, q: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, str, float]:
    n, d = x.shape
    s = _scale(x)
    xs = x * s
    if d == 1:
        order = np.argsort(xs[:, 0], kind="stable")
        i, j = order[:-1], order[1:]
        kind = "neighbors"
    else:
        i, j = np.triu_indices(n, k=1)
        order = np.lexsort(xs.T[::-1])
        kind = "all_pairs"
    dist = np.linalg.norm(xs[i] - xs[j], axis=1)
    rows = np.arange(i.shape[0])
    diff = sparse.csr_matrix(
        (np.concatenate([np.ones_like(dist), -np.ones_like(dist)]),
         (np.concatenate([rows, rows]), np.concatenate([i, j]))),
        shape=(i.shape[0], n),
    )  # (f_i − f_j) per constraint
    bounds = [(None, None)] * n
    bounds[int(order[0])] = (0.0, 0.0)
    a_ub = sparse.vstack([diff, -diff], format="csr")
    f = _lp(-(p - q), a_ub, np.concatenate([dist, dist]), bounds)
    excess = float(np.max(np.abs(diff @ f) - dist)) / s if dist.size else 0.0
    return f / s, kind, excess


def wgan_critic(p_data: ArrayLike, p_g: ArrayLike, x: ArrayLike) -> WGANCriticResult:
    """Maximize E_P[f] − E_Q[f] over 1-Lipschitz critics on a finite support, by an LP.

    max_f Σ_i (p_i − q_i) f_i   subject to   f_i − f_j <= ‖x_i − x_j‖₂ for the constrained
    pairs (both orders),  f = 0 at the first point.

    Source: Arjovsky, Chintala & Bottou (2017), eq. (2) (Kantorovich-Rubinstein duality,
    W(P_r, P_θ) = sup_{‖f‖_L <= 1} E_{P_r}[f] − E_{P_θ}[f]), restricted to the support.

    Parameters
    ----------
    p_data, p_g : array_like, shape (n,)
        Masses at the points (zero atoms allowed).
    x : array_like, shape (n,) or (n, d)
        The points (1-D grid or points in R^d).

    Returns
    -------
    WGANCriticResult

    Raises
    ------
    ValueError, TypeError
        Bad distributions or points (all named).

    Notes
    -----
    On a line the constraints between consecutive sorted points suffice: for sorted
    x_i < x_k < x_j, |f_i − f_j| <= |f_i − f_k| + |f_k − f_j| <= (x_k − x_i) + (x_j − x_k)
    = x_j − x_i, so by induction the n − 1 neighbor constraints imply all n(n − 1)/2
    pairwise ones (the distances telescope).  In d >= 2 dimensions distances do not
    telescope and all pairs are constrained.  Restricting f to the support loses nothing:
    a 1-Lipschitz function on a subset extends to the whole space with the same constant
    (McShane's extension), and the objective only sees the support.

    HiGHS (``scipy.optimize.linprog``) with feasibility tolerances 1e-10 on positions
    rescaled by a power of two to a spread in [1/2, 1); the critic is scaled back exactly.
    """
    p, q = _pair(p_data, p_g)
    x = _points(x, p.shape[0])
    f, kind, excess = _kr_critic(p, q, x)
    return WGANCriticResult(
        f=f, value=float((p - q) @ f), constraints=kind, lipschitz_excess=excess, p_data=p, p_g=q
    )


# ---------------------------------------------------------------------------- clipping
@dataclass
class ClippedCriticResult(ArrayResult):
    """The best weight-clipped linear critic f_w(x) = w·x, |w_k| <= c.

    Attributes
    ----------
    w : ndarray, shape (d,)
        The maximizing weights (a vertex of the box; any w_k is optimal where the means agree
        along coordinate k).
    value : float
        max_w w·(E_P x − E_Q x).
    mean_difference : ndarray, shape (d,)
        E_P x − E_Q x.
    clip : float
    p_data, p_g : ndarray, shape (n,)
    """

    w: np.ndarray
    value: float
    mean_difference: np.ndarray
    clip: float
    p_data: np.ndarray
    p_g: np.ndarray


def clipped_linear_critic(
    p_data: ArrayLike, p_g: ArrayLike, x: ArrayLike, *, clip: float
) -> ClippedCriticResult:
    """Maximize E_P[w·x] − E_Q[w·x] over weights clipped to [−c, c]^d, by an LP.

    Source: Arjovsky, Chintala & Bottou (2017), Algorithm 1 (w ← clip(w, −c, c)) and
    Section 3 (the clipped family is K-Lipschitz for some K): for a linear critic the value
    depends on P and Q only through their means, so it is not proportional to W1.

    Parameters
    ----------
    p_data, p_g : array_like, shape (n,)
    x : array_like, shape (n,) or (n, d)
    clip : float, > 0
        The clipping constant c.

    Returns
    -------
    ClippedCriticResult

    Raises
    ------
    ValueError, TypeError
        Bad distributions, points or ``clip`` (named).
    """
    p, q = _pair(p_data, p_g)
    x = _points(x, p.shape[0])
    c = check_positive(clip, "clip")
    delta = (p - q) @ x
    # maximize w·delta over the box: linprog minimizes, on unit weights scaled back by c
    w = c * _lp(-delta, None, None, [(-1.0, 1.0)] * delta.shape[0])
    return ClippedCriticResult(
        w=w, value=float(w @ delta), mean_difference=delta, clip=c, p_data=p, p_g=q
    )


# ---------------------------------------------------------------------------- gradient penalty
def interpolate_cell_masses(p_data: ArrayLike, p_g: ArrayLike, x: ArrayLike) -> np.ndarray:
    """P(x̂ ∈ [x_(k), x_(k+1)]) for x̂ = ε x + (1 − ε) x̃, x ~ P, x̃ ~ Q, ε ~ U[0, 1].

    A pair (x_i, x_j) with i ≠ j puts mass p_i q_j uniformly on the segment between them; a
    cell of the sorted grid inside the segment receives p_i q_j · h / |x_j − x_i|, h its
    length.  Pairs with x = x̃ give atoms at grid points, which no cell contains.

    Source: Gulrajani et al. (2017), Section 4, "Sampling distribution" (x̂ uniform along
    straight lines between pairs of points sampled from P_r and P_g).

    Parameters
    ----------
    p_data, p_g : array_like, shape (n,)
    x : array_like, shape (n,)
        Distinct grid points, in any order.

    Returns
    -------
    ndarray, shape (n − 1,)
        The masses of the cells between consecutive *sorted* points.
    """
    p, q = _pair(p_data, p_g)
    x = _grid(x, p.shape[0])
    order = np.argsort(x)
    return _cell_masses(p[order], q[order], x[order])


def _cell_masses(p: np.ndarray, q: np.ndarray, x: np.ndarray) -> np.ndarray:
    # sorted inputs: M_ij = (p_i q_j + q_i p_j)/(x_j − x_i) for i < j is the density both
    # orders of the pair put on every cell between x_i and x_j; cell k is covered by the
    # pairs i <= k < j, so density_k = Σ_{i<=k} Σ_{j>=k+1} M_ij (two cumulative sums).
    n = x.shape[0]
    gap = x[None, :] - x[:, None]
    upper = np.triu(np.ones((n, n), dtype=bool), k=1)
    m = np.zeros((n, n))
    np.divide(np.outer(p, q) + np.outer(q, p), gap, out=m, where=upper)
    tail = np.cumsum(m[:, ::-1], axis=1)[:, ::-1]  # tail[i, j] = Σ_{j' >= j} M_ij'
    covered = np.cumsum(tail, axis=0)  # covered[k, j] = Σ_{i <= k} tail[i, j]
    k = np.arange(n - 1)
    return covered[k, k + 1] * np.diff(x)


@dataclass
class WGANGPCriticResult(ArrayResult):
    """The gradient-penalized critic on a 1-D grid (critic piecewise linear between points).

    Attributes
    ----------
    x : ndarray, shape (n,)
        The grid, sorted increasingly (every array below follows this order).
    f : ndarray, shape (n,)
        The critic's values, f = 0 at the first point.
    slopes : ndarray, shape (n − 1,)
        f' on each cell.
    value : float
        The maximized objective E_P[f] − E_Q[f] − λ E_x̂[(|f'(x̂)| − 1)²].
    critic_gap : float
        E_P[f] − E_Q[f] at the optimum (the critic's estimate of W1).
    penalty : float
        λ E_x̂[(|f'(x̂)| − 1)²] at the optimum.
    cell_masses : ndarray, shape (n − 1,)
        P(x̂ in each cell) (see :func:`interpolate_cell_masses`).
    value_gap_bound : float
        An upper bound on (maximum − value): Σ_k (∂J/∂s_k)² / (4 λ W_k), the exact distance
        to the maximum on the slopes' current sign pattern (a separable quadratic there),
        plus 2 |L_k| for every cell whose slope has the sign opposite to its linear
        coefficient L_k = h_k Σ_{j>k}(p_j − q_j); each term with the rounding of L_k.
    signs_optimal : bool
        Every slope has the sign of L_k where |L_k| exceeds its rounding (elsewhere both
        signs are optimal).
    converged : bool
        value_gap_bound <= tol.
    iterations : int
        Trust-region iterations over all rounds.
    penalty_weight, tol : float
        λ and the required certificate.
    p_data, p_g : ndarray, shape (n,)
        In the sorted order.
    """

    x: np.ndarray
    f: np.ndarray
    slopes: np.ndarray
    value: float
    critic_gap: float
    penalty: float
    cell_masses: np.ndarray
    value_gap_bound: float
    signs_optimal: bool
    converged: bool
    iterations: int
    penalty_weight: float
    tol: float
    p_data: np.ndarray
    p_g: np.ndarray


def _gp_parts(f, p, q, h, w, lam):
    s = np.diff(f) / h
    a = np.abs(s)
    penalty = lam * float(w @ (a - 1.0) ** 2)
    gap = float((p - q) @ f)
    # ∂/∂s_k of the penalty, then to the values by the transpose of the difference operator
    u = 2.0 * lam * w * (a - 1.0) * np.sign(s) / h
    grad = (p - q) + np.diff(u, prepend=0.0, append=0.0)  # (p − q)_i + u_{i−1} − u_i
    return gap, penalty, grad, s


def _linear_coefficients(
    p: np.ndarray, q: np.ndarray, h: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """L_k = h_k Σ_{j>k} (p_j − q_j) = −h_k Σ_{j<=k} (p_j − q_j) and a bound on its rounding.

    E_P f − E_Q f = Σ_k L_k s_k for the slopes s_k of f.  Each L_k is summed from the side
    (suffix or prefix; the totals agree) with the smaller Σ |p_j − q_j|, which keeps tiny
    L_k (CDFs that nearly agree) accurate; the bound is n eps times that sum.
    """
    d = p - q
    suffix = np.cumsum(d[::-1])[::-1][1:]
    prefix = np.cumsum(d)[:-1]
    abs_suffix = np.cumsum(np.abs(d)[::-1])[::-1][1:]
    abs_prefix = np.cumsum(np.abs(d))[:-1]
    use_suffix = abs_suffix <= abs_prefix
    lin = h * np.where(use_suffix, suffix, -prefix)
    err = 2.0 * p.shape[0] * np.finfo(float).eps * h * np.minimum(abs_suffix, abs_prefix)
    return lin, err


def _gp_certificate(lin, lin_err, w, lam, s) -> tuple[float, bool]:
    """(bound on the distance to the maximum, whether every slope has its cell's sign).

    Per cell k with W_k > 0 the objective is J_k(s) = L_k s − λ W_k (|s| − 1)².  Its maximum
    sits on the branch sign(s) = sign(L_k); on the slope's current branch J_k is a concave
    quadratic of curvature 2 λ W_k, so the distance to that branch's maximum is
    g_k² / (4 λ W_k) with g_k = ∂J_k/∂s, and the other branch's maximum is 2 |L_k| lower.
    g_k and L_k are per-cell expressions (no sums over other cells), and their rounding
    (lin_err) is added.  Cells with W_k = 0 have L_k = 0 (no pair straddles them, so the
    CDFs agree there) and do not enter J.
    """
    pos = w > 0
    g = lin - 2.0 * lam * w * (np.abs(s) - 1.0) * np.sign(s)
    eps = np.finfo(float).eps
    g_err = np.abs(g) + lin_err + 4.0 * eps * (np.abs(lin) + 2.0 * lam * w * np.abs(s))
    local = np.divide(g_err**2, 4.0 * lam * w, out=np.zeros_like(g), where=pos)
    mismatch = pos & (np.sign(s) != np.sign(lin))
    bound = float(local.sum() + np.sum(np.where(mismatch, 2.0 * (np.abs(lin) + lin_err), 0.0)))
    return bound, not bool((mismatch & (np.abs(lin) > lin_err)).any())


def wgan_gp_critic(
    p_data: ArrayLike,
    p_g: ArrayLike,
    x: ArrayLike,
    *,
    penalty_weight: float = 10.0,
    tol: float = 1e-12,
    max_iter: int = 200,
) -> WGANGPCriticResult:
    """Maximize the WGAN-GP critic objective over the critic's values on a 1-D grid.

    max_f  Σ_i p_i f_i − Σ_i q_i f_i − λ Σ_k W_k (|f_{k+1} − f_k| / h_k − 1)²

    with f piecewise linear between the sorted grid points, h_k the cell lengths and W_k the
    interpolates' mass in cell k (:func:`interpolate_cell_masses`).

    Source: Gulrajani et al. (2017), eq. (3) (the critic minimizes
    E_{P_g}[D] − E_{P_r}[D] + λ E_{x̂}[(‖∇D(x̂)‖₂ − 1)²]; λ = 10 in their experiments) and
    Section 4 (x̂ uniform on segments between samples of P_r and P_g).

    Parameters
    ----------
    p_data, p_g : array_like, shape (n,)
        Masses on the grid points (P_r and P_g); zero atoms allowed.
    x : array_like, shape (n,)
        Distinct grid points (any order; results are sorted).
    penalty_weight : float, > 0
        The penalty coefficient λ.
    tol : float, > 0
        Required bound on the distance to the maximum (``value_gap_bound``).
    max_iter : int, >= 1
        Iterations of ``scipy.optimize.minimize(method="trust-ncg")``.

    Returns
    -------
    WGANGPCriticResult

    Raises
    ------
    ValueError, TypeError
        Bad distributions, grid, ``penalty_weight``, ``tol`` or ``max_iter`` (named).

    Warns
    -----
    ConvergenceWarning
        When the certificate is not met (``converged`` False).

    Notes
    -----
    Restricting to piecewise-linear critics loses nothing: P and Q sit on grid points, so on
    each cell both E_P[f] − E_Q[f] = Σ_k L_k s_k (integration by parts) and the interpolate
    density are constant, and Jensen's inequality makes a constant slope optimal per cell.
    The atoms of x̂ at grid points (pairs with x = x̃, mass Σ p_i q_i) are left out: a
    critic can be made to have slope ±1 on an arbitrarily short interval around a point at
    an arbitrarily small cost elsewhere, so they do not change the supremum.

    The penalty (|s| − 1)² is not concave at s = 0, so the start matters: the solver starts
    from the Kantorovich-Rubinstein critic of :func:`wgan_critic` (slopes ±1 with the sign of
    L_k), then runs trust-region Newton-CG iterations (exact gradient, tridiagonal Hessian
    products) on the values f_1 ... f_{n−1} (f_0 = 0).  A step may cross the kink at s = 0
    into the other branch's local maximum; such slopes are then reflected (s → −s, which
    keeps the penalty and raises the linear term) and the iterations resume, up to 8
    rounds.  ``value_gap_bound`` certifies the
    result without any closed form of the optimum: per cell, the exact distance to the
    maximum of the slope's branch plus 2 |L_k| where the slope is on the other branch.
    """
    p, q = _pair(p_data, p_g)
    x = _grid(x, p.shape[0])
    lam = check_positive(penalty_weight, "penalty_weight")
    tol, max_iter = check_solve_budget(tol, max_iter)
    order = np.argsort(x)
    p, q, x = p[order], q[order], x[order]
    h = np.diff(x)
    w = _cell_masses(p, q, x)

    def negative(z):
        f = np.concatenate([[0.0], z])
        gap, penalty, grad, _ = _gp_parts(f, p, q, h, w, lam)
        return -(gap - penalty), -grad[1:]

    c = 2.0 * lam * w / h**2

    def hessp(z, v):
        # −J'' v = Dᵀ diag(2 λ W_k / h_k²) D v on the values (D the difference operator,
        # f_0 = 0 fixed): tridiagonal, applied in O(n)
        dv = c * np.diff(np.concatenate([[0.0], v]))
        return dv - np.append(dv[1:], 0.0)

    lin, lin_err = _linear_coefficients(p, q, h)
    f = _kr_critic(p, q, x[:, None])[0]
    iterations = 0
    for _ in range(_GP_ROUNDS):
        res = minimize(
            negative, f[1:] - f[0], jac=True, hessp=hessp, method="trust-ncg",
            options={"gtol": 1e-15, "maxiter": max_iter},
        )
        iterations += int(res.nit)
        f = np.concatenate([[0.0], res.x])
        gap, penalty, grad, s = _gp_parts(f, p, q, h, w, lam)
        bound, signs_ok = _gp_certificate(lin, lin_err, w, lam, s)
        # A trust-region step can cross the kink of (|s| − 1)² at s = 0 and stop at the
        # other branch's local maximum.  Reflecting those slopes (s → −s) keeps the penalty
        # and raises L_k s_k to |L_k s_k|: a strict ascent step; then iterate again.
        flip = (w > 0) & (s * lin < 0) & (np.abs(lin) > lin_err)
        if not flip.any() and (bound <= tol or res.nit == 0):
            break
        f = np.concatenate([[0.0], np.cumsum(h * np.where(flip, -s, s))])
    converged = bound <= tol
    if not converged:
        warnings.warn(
            f"the WGAN-GP critic maximization stopped with value_gap_bound={bound:.3g} "
            f"(tol={tol:g}), signs_optimal={signs_ok}",
            ConvergenceWarning,
            stacklevel=2,
        )
    return WGANGPCriticResult(
        x=x, f=f, slopes=s, value=gap - penalty, critic_gap=gap, penalty=penalty,
        cell_masses=w, value_gap_bound=bound, signs_optimal=signs_ok, converged=converged,
        iterations=iterations, penalty_weight=lam, tol=tol, p_data=p, p_g=q,
    )


# ---------------------------------------------------------------------------- generator
@dataclass
class WGANGeneratorRun(ArrayResult):
    """A softmax generator on a 1-D grid descending −E_q[f] against a re-solved critic.

    Attributes
    ----------
    theta, q : ndarray, shape (n_steps + 1, n)
        Logits and q_θ = softmax(θ) (in the order of ``x`` as given).
    f : ndarray, shape (n_steps + 1, n)
        The critic used by each step (row t for step t).
    critic_value : ndarray, shape (n_steps + 1,)
        The critic's maximized objective at each step (W1 for ``kr``, the penalized value
        for ``gp``).
    critic : str
    p_data : ndarray, shape (n,)
    lr : float
    penalty_weight : float or None
        λ for ``gp``.
    """

    theta: np.ndarray
    q: np.ndarray
    f: np.ndarray
    critic_value: np.ndarray
    critic: str
    p_data: np.ndarray
    lr: float
    penalty_weight: float | None


def train_wgan_generator(
    p_data: ArrayLike,
    x: ArrayLike,
    theta0: ArrayLike,
    *,
    lr: float,
    n_steps: int,
    critic: str = "kr",
    penalty_weight: float = 10.0,
) -> WGANGeneratorRun:
    """Generator descent on −E_{q_θ}[f] with the critic re-maximized at every step.

    f ← :func:`wgan_critic` (``kr``) or :func:`wgan_gp_critic` (``gp``) for (p_data, q_θ),
    then θ ← θ − lr ∇_θ (−Σ softmax(θ) f) = θ + lr q (f − q·f).

    Source: Arjovsky, Chintala & Bottou (2017), Algorithm 1 (the generator's update
    −∇_θ (1/m) Σ f_w(g_θ(z))) and Theorem 3 (with the optimal critic this is the gradient of
    W(P_r, P_θ) where it is differentiable); Gulrajani et al. (2017), Algorithm 1, for ``gp``.

    Parameters
    ----------
    p_data : array_like, shape (n,)
    x : array_like, shape (n,)
        Distinct grid points.
    theta0 : array_like, shape (n,)
    lr : float, > 0
    n_steps : int, >= 0
    critic : {"kr", "gp"}
    penalty_weight : float, > 0
        λ for ``gp`` (ignored for ``kr``).

    Returns
    -------
    WGANGeneratorRun
    """
    p, theta, lr, n_steps = check_generator_descent(p_data, theta0, lr, n_steps)
    n = p.shape[0]
    xg = _grid(x, n)
    critic = check_in(critic, "critic", WGAN_CRITICS)
    lam = check_positive(penalty_weight, "penalty_weight") if critic == "gp" else None
    order = np.argsort(xg)
    inverse = np.argsort(order)
    thetas = np.empty((n_steps + 1, n))
    fs = np.empty((n_steps + 1, n))
    values = np.empty(n_steps + 1)
    for t in range(n_steps + 1):
        q = softmax(theta)
        if critic == "kr":
            res = wgan_critic(p, q, xg)
            f, values[t] = res.f, res.value
        else:
            res = wgan_gp_critic(p, q, xg, penalty_weight=lam)
            f, values[t] = res.f[inverse], res.value
        thetas[t], fs[t] = theta, f
        if t < n_steps:
            theta = theta + lr * q * (f - q @ f)
    return WGANGeneratorRun(
        theta=thetas, q=softmax(thetas, axis=-1), f=fs, critic_value=values, critic=critic,
        p_data=p, lr=lr, penalty_weight=lam,
    )
