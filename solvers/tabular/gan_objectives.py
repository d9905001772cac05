"""Exact best responses and generator descent for LSGAN and EBGAN on K atoms, and the
per-atom maximizer they share with the f-GAN critic (:mod:`solvers.tabular.fgan_critics`).

Every discriminator here is found by *optimization* of the paper's own objective, with
exact expectations (finite sums), never by evaluating a closed-form optimum:

- LSGAN (Mao et al., 2017, eq. (2)): the discriminator minimizes
  ½ E_pdata[(D − b)²] + ½ E_pg[(D − a)²] by a per-atom safeguarded Newton (or gradient)
  iteration (:func:`maximize_per_atom`); the generator descends ½ E_pg[(D − c)²] with D
  re-optimized at every step (:func:`lsgan_discriminator`, :func:`train_lsgan_generator`).
- EBGAN (Zhao, Mathieu & LeCun, 2017, eqs. (1)-(2)): min over D ≥ 0 of
  E_pdata[D] + E_pg[(m − D)⁺] as an exact linear program with epigraph variables for the
  hinge (HiGHS through ``scipy.optimize.linprog``); the generator descends E_pg[D]
  (:func:`ebgan_discriminator`, :func:`train_ebgan_generator`).

The f-GAN critics are in :mod:`solvers.tabular.fgan_critics`, the WGAN critics
(Kantorovich-Rubinstein LP, weight clipping, gradient penalty) in
:mod:`solvers.tabular.wgan_critics`.

Generators are categorical with softmax logits θ, q_θ = softmax(θ); for a loss Σ_i q_i c_i
with per-atom costs c fixed by the discriminator, the softmax Jacobian gives the gradient
q (c − q·c) (:func:`softmax_cost_gradient`).

Independence rule (DESIGN.md): nothing here imports :mod:`theory.gan_objectives`,
:mod:`theory.gan` or :mod:`theory.divergences`; the tests compare these optima with those
closed forms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from numpy.typing import ArrayLike
from scipy import sparse
from scipy.optimize import linprog
from scipy.special import softmax

from solvers.results import ArrayResult
from solvers.validation import (
    check_distribution_pair,
    check_generator_descent,
    check_solve_budget,
    check_vector,
    warn_unconverged,
)
from theory.validation import check_in, check_positive, check_real

__all__ = [
    "CRITIC_METHODS",
    "maximize_per_atom",
    "normalized_weights",
    "softmax_cost_gradient",
    "LSGANDiscriminatorResult",
    "LSGANGeneratorRun",
    "EBGANDiscriminatorResult",
    "EBGANGeneratorRun",
    "lsgan_discriminator",
    "train_lsgan_generator",
    "ebgan_discriminator",
    "train_ebgan_generator",
]

#: Per-atom maximizers of :func:`maximize_per_atom` (used by :func:`lsgan_discriminator` and
#: :func:`solvers.tabular.fgan_critics.fgan_critic`).
CRITIC_METHODS = ("newton", "gradient")

_EPS = float(np.finfo(float).eps)


# ---------------------------------------------------------------------------- per-atom weights
def normalized_weights(p: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(p/(p + q), q/(p + q), p + q > 0): the weights of an atom's objective over its mass.

    Both weights are computed by division (not as π and 1 − π), so an atom with q ≪ p keeps
    its q-weight instead of rounding it to 0; atoms with p = q = 0 get weights 0.

    Parameters
    ----------
    p, q : ndarray, shape (K,)
        Non-negative masses (validated by the caller).

    Returns
    -------
    (wp, wq, active) : ndarrays, shape (K,)
    """
    s = p + q
    active = s > 0
    safe = np.where(active, s, 1.0)
    return np.where(active, p / safe, 0.0), np.where(active, q / safe, 0.0), active


def softmax_cost_gradient(q: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """∂/∂θ Σ_i softmax(θ)_i c_i = q (c − q·c) for fixed costs c, at q = softmax(θ).

    Source: the softmax Jacobian ∂q_i/∂θ_j = q_i (δ_ij − q_j).

    Parameters
    ----------
    q : ndarray, shape (K,)
        softmax(θ).
    cost : ndarray, shape (K,)
        Per-atom costs c.

    Returns
    -------
    ndarray, shape (K,)
        Sums to 0 up to rounding (θ + const gives the same q).
    """
    return q * (cost - q @ cost)


# ---------------------------------------------------------------------------- per-atom ascent
def maximize_per_atom(
    fun: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]],
    residual: Callable[[np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]],
    v0: np.ndarray,
    *,
    active: np.ndarray,
    lo: float,
    hi: float,
    jump: np.ndarray,
    method: str,
    tol: float,
    max_iter: int,
) -> tuple[np.ndarray, int, np.ndarray, np.ndarray, bool]:
    """Maximize a separable objective Σ_i h_i(v_i) atom by atom on the box [lo, hi]^K.

    ``fun(v)`` returns (h, h', h'') per atom.  Each iteration moves every unfinished atom by a
    Newton step (where h'' < 0 and ``method == "newton"``) or by a gradient step with its own
    step size (doubled after a step that stays on the same side of the maximizer, halved
    after one that crosses it or backtracks), cut at the box, with Armijo backtracking on h
    (where the change of h is below its rounding, a step that lowers |h'| is accepted
    instead) and, after a full step that stays on the same side, expansion by doubling
    while h increases (below its rounding: while h' keeps its sign).  Each atom's objective
    must be unimodal (true for every objective it serves here).  Atoms flagged ``jump``
    first try the box end the gradient points to and take it when h does not decrease there
    (this ends a monotone objective whose supremum is not attained in one step).

    Source: Nocedal & Wright (2006), Numerical Optimization, 2nd ed., Chapter 3 (line-search
    methods: the sufficient-decrease condition (3.4), here with c₁ = 1e-4, backtracking as
    in Algorithm 3.1, Newton and steepest-descent directions), applied per coordinate.

    ``residual(v, h', h'')`` returns the stopping measure and its floor, the change one
    spacing of doubles in v makes in it.  An atom is finished when measure <= tol + 2 floor
    (below that no double v does better) or when it sits on a box end with the gradient
    pointing outward.

    Parameters
    ----------
    fun : callable
        v ↦ (h, h', h''), arrays of shape (K,); each h_i unimodal.
    residual : callable
        (v, h', h'') ↦ (measure, floor), arrays of shape (K,).
    v0 : ndarray, shape (K,)
        Start (clipped to the box).
    active : ndarray of bool, shape (K,)
        Atoms to optimize (the others keep v0).
    lo, hi : float
        The box (may be ±inf).
    jump : ndarray of bool, shape (K,)
        Atoms that first try the box end the gradient points to.
    method : {"newton", "gradient"}
    tol : float
    max_iter : int

    Returns
    -------
    (v, iterations, measure, at_bound, finished)
        The maximizer, the iterations used, the stopping measure per atom (0 on atoms
        finished on the box), the mask of those atoms, and whether every active atom
        finished.
    """
    v = np.clip(v0, lo, hi)
    step = np.ones_like(v)
    res = np.zeros_like(v)
    outward = np.zeros(v.shape, dtype=bool)
    for it in range(max_iter + 1):
        h, g, c = fun(v)
        res, floor = residual(v, g, c)
        res = np.where(active, res, 0.0)
        outward = active & (((v >= hi) & (g > 0)) | ((v <= lo) & (g < 0)))
        todo = active & ~outward & ~(res <= tol + 2.0 * floor)
        if not todo.any() or it == max_iter:
            return v, it, np.where(outward, 0.0, res), outward, not todo.any()
        slack = 4.0 * _EPS * (1.0 + np.abs(h))
        new = v.copy()
        # (1) one-sided atoms try the box end the gradient points to
        ends = np.where(g > 0, hi, lo)
        jumped = todo & jump & (ends != v)
        if jumped.any():
            jumped &= fun(ends)[0] >= h - slack
            new[jumped] = ends[jumped]
        # (2) Newton or gradient step with Armijo backtracking (trial points cut at the box)
        search = todo & ~jumped
        use_newton = (method == "newton") & (c < 0)
        raw = np.where(use_newton, -g / np.where(use_newton, c, -1.0), step * g)
        # cut the step at the box (raw points along h', never out of the box here); a step
        # below the spacing of doubles at v does not move it: it is expanded in (3)
        cut = np.clip(v + raw, lo, hi) - v
        tiny = search & (cut == 0)
        raw = np.where(tiny, raw, cut)
        alpha = np.ones_like(v)
        accepted = ~search | tiny
        h_new, g_new = h.copy(), g.copy()
        for _ in range(64):
            if accepted.all():
                break
            trial = np.clip(v + alpha * raw, lo, hi)
            h_t, g_t, _ = fun(trial)
            # Armijo where h's change exceeds its rounding; below it a smaller |h'| is progress
            dh = h_t - h
            ok = ~accepted & (
                ((dh > slack) & (dh >= 1e-4 * g * (trial - v)))
                | ((np.abs(dh) <= slack) & (np.abs(g_t) < np.abs(g)))
            )
            h_new[ok], g_new[ok] = h_t[ok], g_t[ok]
            accepted |= ok
            alpha = np.where(accepted, alpha, 0.5 * alpha)
        alpha = np.where(accepted, alpha, 0.0)  # no acceptable step: stay
        # (3) a full step that stays on the same side of the maximizer (same sign of h') is
        # expanded by doubling while h increases (or, below its rounding, h' keeps its sign):
        # unit Newton steps far from the maximizer (on exponentials) and small gradient steps
        # then cover the distance quickly.
        # (signs compared with np.sign: products of tiny gradients underflow to 0)
        current = np.clip(v + alpha * raw, lo, hi)
        grow = search & (alpha == 1.0) & (np.sign(g_new) == np.sign(g))
        for _ in range(64):
            if not grow.any():
                break
            trial = np.clip(v + 2.0 * alpha * raw, lo, hi)
            h_t, g_t, _ = fun(trial)
            dh = h_t - h_new
            same = np.sign(g_t) == np.sign(g)
            moved = (trial != current) & ((dh > slack) | ((np.abs(dh) <= slack) & same))
            better = grow & (moved | (trial == v))
            h_new[better], g_new[better] = h_t[better], g_t[better]
            alpha = np.where(better, 2.0 * alpha, alpha)
            current = np.where(better, trial, current)
            grow = better & same
        new = np.where(search, current, new)
        # gradient steps: double after a step that stayed on the same side of the
        # maximizer, halve after one that crossed it or backtracked
        by_gradient = search & ~use_newton
        factor = np.where((np.sign(g_new) == np.sign(g)) & (alpha >= 1.0), 2.0 * alpha, 0.5 * alpha)
        step = np.where(by_gradient, np.where(alpha > 0, factor * step, 2.0**-32 * step), step)
        v = new
    raise AssertionError("unreachable")  # pragma: no cover - the loop always returns


# ---------------------------------------------------------------------------- LSGAN
@dataclass
class LSGANDiscriminatorResult(ArrayResult):
    """The LSGAN discriminator's best response to a fixed generator.

    Attributes
    ----------
    d : ndarray, shape (K,)
        The minimizer D of ½ Σ p_data (D − b)² + ½ Σ p_g (D − a)² (``d0`` on atoms with
        p_data = p_g = 0, where every D is optimal).
    loss : float
        The discriminator's loss at ``d``.
    residual : ndarray, shape (K,)
        |π (D − b) + (1 − π)(D − a)| per atom, π = p_data/(p_data + p_g): the gradient of
        the atom's loss divided by its mass (0 on empty atoms).
    iterations : int
    converged : bool
        Every atom finished: residual <= tol (or within twice the change one spacing of
        doubles in D makes, below which no double does better).
    tol : float
    method : str
    p_data, p_g : ndarray, shape (K,)
    a, b : float
    """

    d: np.ndarray
    loss: float
    residual: np.ndarray
    iterations: int
    converged: bool
    tol: float
    method: str
    p_data: np.ndarray
    p_g: np.ndarray
    a: float
    b: float


def _lsgan_fun(wp: np.ndarray, wq: np.ndarray, a: float, b: float):
    def fun(d):
        # maximize minus the atom's loss divided by its mass p + q (same minimizer)
        h = -0.5 * (wp * (d - b) ** 2 + wq * (d - a) ** 2)
        g = -(wp * (d - b) + wq * (d - a))
        return h, g, -(wp + wq)

    return fun


def _lsgan_solve(p, q, a, b, d0, method, tol, max_iter):
    wp, wq, active = normalized_weights(p, q)
    d, it, res, _, ok = maximize_per_atom(
        _lsgan_fun(wp, wq, a, b),
        lambda d, g, c: (np.abs(g), np.abs(c) * np.spacing(np.abs(d))),
        d0,
        active=active,
        lo=-np.inf,
        hi=np.inf,
        jump=np.zeros(p.shape, dtype=bool),
        method=method,
        tol=tol,
        max_iter=max_iter,
    )
    return d, it, res, ok


def _lsgan_loss(d, p, q, a, b) -> float:
    return float(0.5 * (p @ (d - b) ** 2) + 0.5 * (q @ (d - a) ** 2))


def lsgan_discriminator(
    p_data: ArrayLike,
    p_g: ArrayLike,
    *,
    a: float,
    b: float,
    tol: float = 1e-12,
    max_iter: int = 100,
    method: str = "newton",
    d0: ArrayLike | None = None,
) -> LSGANDiscriminatorResult:
    """Minimize the LSGAN discriminator loss over D ∈ R^K by per-atom optimization.

    min_D ½ Σ_x p_data(x) (D(x) − b)² + ½ Σ_x p_g(x) (D(x) − a)²

    Source: Mao et al. (2017), "Least Squares Generative Adversarial Networks", eq. (2)
    (a, b the labels of fake and real data), with exact expectations.

    Parameters
    ----------
    p_data, p_g : array_like, shape (K,)
        Data and generator distributions; zero atoms allowed.
    a, b : float
        The fake and real labels.
    tol : float, > 0
        Stop when every atom's mass-normalized gradient |π (D − b) + (1 − π)(D − a)| is
        <= tol.  The loss is a quadratic of curvature p + q per atom, so this residual is
        the atom's distance to its minimizer: |D − D_opt| <= tol (up to rounding).
    max_iter : int, >= 1
    method : {"newton", "gradient"}
        Per-atom safeguarded Newton, or gradient descent with an adaptive per-atom step and
        Armijo backtracking (starting from step 1 on the mass-normalized loss).
    d0 : array_like, shape (K,), optional
        Starting point (default zeros); kept on atoms with p_data = p_g = 0.

    Returns
    -------
    LSGANDiscriminatorResult

    Raises
    ------
    ValueError, TypeError
        Bad distributions or shapes, non-finite ``a``/``b``, ``tol`` <= 0, ``max_iter`` < 1,
        unknown ``method`` (all named).

    Warns
    -----
    ConvergenceWarning
        When ``max_iter`` is reached above ``tol``.

    Notes
    -----
    The routine never evaluates the closed form D* of Mao et al.'s Section 3.2.2; it is
    the generic per-atom maximizer :func:`maximize_per_atom` (shared with
    :func:`solvers.tabular.fgan_critics.fgan_critic`), fed with the loss, its gradient and
    its curvature.  Because the normalized loss is a quadratic of unit curvature, the first
    Newton step lands on the minimizer up to rounding; the second iteration certifies it.
    """
    p, q = check_distribution_pair(p_data, p_g, ("p_data", "p_g"))
    a = check_real(a, "a")
    b = check_real(b, "b")
    tol, max_iter = check_solve_budget(tol, max_iter)
    method = check_in(method, "method", CRITIC_METHODS)
    d0 = np.zeros_like(p) if d0 is None else check_vector(d0, "d0", p.shape[0])
    d, it, res, converged = _lsgan_solve(p, q, a, b, d0, method, tol, max_iter)
    if not converged:
        warn_unconverged("the LSGAN discriminator minimization", tol, float(res.max()))
    return LSGANDiscriminatorResult(
        d=d, loss=_lsgan_loss(d, p, q, a, b), residual=res, iterations=it,
        converged=converged, tol=tol, method=method, p_data=p, p_g=q, a=a, b=b,
    )


@dataclass
class LSGANGeneratorRun(ArrayResult):
    """Generator descent on the LSGAN generator loss against a re-optimized discriminator.

    Attributes
    ----------
    theta, q : ndarray, shape (n_steps + 1, K)
        Generator logits and q_θ = softmax(θ), before the first and after every step.
    d : ndarray, shape (n_steps + 1, K)
        The discriminator's best response to each q (row t is used by step t).
    generator_loss : ndarray, shape (n_steps + 1,)
        ½ Σ q (D − c)² (Mao et al., eq. (2)).
    criterion : ndarray, shape (n_steps + 1,)
        C = ½ Σ p_data (D − c)² + ½ Σ q (D − c)² (their eq. (3)), at the best response.
    inner_iterations : ndarray, shape (n_steps + 1,)
    converged : bool
        Every inner minimization met ``tol``.
    p_data : ndarray, shape (K,)
    a, b, c, lr : float
    """

    theta: np.ndarray
    q: np.ndarray
    d: np.ndarray
    generator_loss: np.ndarray
    criterion: np.ndarray
    inner_iterations: np.ndarray
    converged: bool
    p_data: np.ndarray
    a: float
    b: float
    c: float
    lr: float


def train_lsgan_generator(
    p_data: ArrayLike,
    theta0: ArrayLike,
    *,
    a: float,
    b: float,
    c: float,
    lr: float,
    n_steps: int,
    tol: float = 1e-12,
    max_iter: int = 100,
) -> LSGANGeneratorRun:
    """LSGAN generator gradient descent with the discriminator re-optimized at every step.

    At each step D ← argmin of the discriminator loss (:func:`lsgan_discriminator`, warm
    started), then θ ← θ − lr ∇_θ ½ Σ softmax(θ) (D − c)² with D held fixed.

    Source: Mao et al. (2017), eq. (2) (the generator's loss ½ E_z[(D(G(z)) − c)²]); the
    alternation of their training with exact expectations and an exact inner solve.

    Parameters
    ----------
    p_data : array_like, shape (K,)
    theta0 : array_like, shape (K,)
        Initial generator logits.
    a, b, c : float
        Labels: fake, real, and the value the generator wants D to take on its samples.
    lr : float, > 0
    n_steps : int, >= 0
    tol, max_iter
        Passed to the inner minimization (see :func:`lsgan_discriminator`).

    Returns
    -------
    LSGANGeneratorRun

    Warns
    -----
    ConvergenceWarning
        When an inner minimization stops above ``tol``.

    Notes
    -----
    The step descends the generator's own loss with D frozen, not the criterion C(G) of
    their eq. (3) (the game is not zero-sum, so no envelope argument links the two).  At
    q = p_data the best response is the constant (a + b)/2, all costs are equal and the
    step vanishes.  With the 0-1 coding (a = 0, b = c = 1) the costs ½ (q/(p + q))² are
    largest on atoms the generator over-weights and q is pulled to p_data; with a = −1, b = 1, c = 0
    the cost ½ ((p − q)/(p + q))² is second order in q − p_data, so the restoring force
    vanishes to first order at the equilibrium.
    """
    p, theta, lr, n_steps = check_generator_descent(p_data, theta0, lr, n_steps)
    k = p.shape[0]
    a, b, c = check_real(a, "a"), check_real(b, "b"), check_real(c, "c")
    tol, max_iter = check_solve_budget(tol, max_iter)

    thetas = np.empty((n_steps + 1, k))
    ds = np.empty((n_steps + 1, k))
    iters = np.empty(n_steps + 1, dtype=int)
    worst, converged = 0.0, True
    d = np.full(k, 0.5 * (a + b))
    for t in range(n_steps + 1):
        q = softmax(theta)
        d, iters[t], res, ok = _lsgan_solve(p, q, a, b, d, "newton", tol, max_iter)
        converged &= ok
        worst = max(worst, float(res.max()))
        thetas[t], ds[t] = theta, d
        if t < n_steps:
            theta = theta - lr * softmax_cost_gradient(q, 0.5 * (d - c) ** 2)
    if not converged:
        warn_unconverged("an inner LSGAN discriminator minimization", tol, worst)
    qs = softmax(thetas, axis=-1)
    cost = 0.5 * (ds - c) ** 2
    return LSGANGeneratorRun(
        theta=thetas, q=qs, d=ds, generator_loss=np.sum(qs * cost, axis=-1),
        criterion=cost @ p + np.sum(qs * cost, axis=-1), inner_iterations=iters,
        converged=converged, p_data=p, a=a, b=b, c=c, lr=lr,
    )


# ---------------------------------------------------------------------------- EBGAN
#: HiGHS' primal and dual feasibility tolerances for the EBGAN LP (default 1e-7).
_LP_TOL = 1e-10


@dataclass
class EBGANDiscriminatorResult(ArrayResult):
    """The EBGAN discriminator's best response, from an exact linear program.

    Attributes
    ----------
    d : ndarray, shape (K,)
        An optimal energy D >= 0 (a vertex of the LP; where p_data = p_g every D in [0, m]
        is optimal and HiGHS returns one of them).
    value : float
        min_D Σ p_data D + Σ p_g (m − D)⁺.
    hinge : ndarray, shape (K,)
        The epigraph variables s = (m − D)⁺ at the optimum.
    margin : float
    p_data, p_g : ndarray, shape (K,)
    """

    d: np.ndarray
    value: float
    hinge: np.ndarray
    margin: float
    p_data: np.ndarray
    p_g: np.ndarray


def _ebgan_lp(p: np.ndarray, q: np.ndarray, m: float) -> tuple[np.ndarray, np.ndarray, float]:
    k = p.shape[0]
    # variables z = (D, s); minimize p·D + q·s subject to −D − s <= −m (s >= m − D),
    # D >= 0, s >= 0.  Scale D and s by 1/m so the LP's numbers are O(1).
    eye = sparse.identity(k, format="csr")
    a_ub = sparse.hstack([-eye, -eye], format="csr")
    res = linprog(
        np.concatenate([p, q]),
        A_ub=a_ub,
        b_ub=-np.ones(k),
        bounds=(0, None),
        method="highs",
        options={"primal_feasibility_tolerance": _LP_TOL, "dual_feasibility_tolerance": _LP_TOL},
    )
    if res.status != 0:  # pragma: no cover - the LP is feasible and bounded below by 0
        raise ValueError(f"the EBGAN LP failed: {res.message}")
    d, s = m * res.x[:k], m * res.x[k:]
    return d, s, float(p @ d + q @ np.maximum(m - d, 0.0))


def ebgan_discriminator(
    p_data: ArrayLike, p_g: ArrayLike, *, margin: float
) -> EBGANDiscriminatorResult:
    """Minimize the EBGAN discriminator objective over D >= 0 by linear programming.

    min_{D >= 0} Σ_x p_data(x) D(x) + Σ_x p_g(x) [m − D(x)]⁺
      = min_{D >= 0, s >= 0, s >= m − D} p_data·D + p_g·s      (epigraph of the hinge)

    Source: Zhao, Mathieu & LeCun (2017), "Energy-based Generative Adversarial Networks",
    eqs. (1)-(2) and the value V(G, D) of their Section 2.2, with exact expectations; D(x) >=
    0 as in their Lemma 1.

    Parameters
    ----------
    p_data, p_g : array_like, shape (K,)
        Zero atoms allowed.
    margin : float, > 0
        The margin m.

    Returns
    -------
    EBGANDiscriminatorResult

    Raises
    ------
    ValueError, TypeError
        Bad distributions or shapes, ``margin`` <= 0 (all named).

    Notes
    -----
    HiGHS (``scipy.optimize.linprog``) with feasibility tolerances 1e-10 on the problem
    scaled by 1/m; the optimum is a vertex, so D_i ∈ {0, m} on every atom.  ``value`` is
    recomputed from the returned D.  The box D <= m of the issue's statement is not imposed:
    D > m only adds p_data D to the objective, so the LP's optimum lies in [0, m] by itself.
    """
    p, q = check_distribution_pair(p_data, p_g, ("p_data", "p_g"))
    m = check_positive(margin, "margin")
    d, s, value = _ebgan_lp(p, q, m)
    return EBGANDiscriminatorResult(d=d, value=value, hinge=s, margin=m, p_data=p, p_g=q)


@dataclass
class EBGANGeneratorRun(ArrayResult):
    """Generator descent on U = E_pg[D] against the LP best response at every step.

    Attributes
    ----------
    theta, q, d : ndarray, shape (n_steps + 1, K)
        Logits, q_θ, and the discriminator used by each step (row t for step t).
    discriminator_value : ndarray, shape (n_steps + 1,)
        min_D V(q_t, D), from the LP.
    generator_loss : ndarray, shape (n_steps + 1,)
        U = Σ q_t D_t.
    p_data : ndarray, shape (K,)
    margin, lr : float
    """

    theta: np.ndarray
    q: np.ndarray
    d: np.ndarray
    discriminator_value: np.ndarray
    generator_loss: np.ndarray
    p_data: np.ndarray
    margin: float
    lr: float


def train_ebgan_generator(
    p_data: ArrayLike, theta0: ArrayLike, *, margin: float, lr: float, n_steps: int
) -> EBGANGeneratorRun:
    """EBGAN generator gradient descent with the discriminator re-solved (LP) at every step.

    D ← argmin_D V (:func:`ebgan_discriminator`), then θ ← θ − lr ∇_θ Σ softmax(θ) D.

    Source: Zhao, Mathieu & LeCun (2017), eq. (2) (L_G = D(G(z))) and Section 2.2 (U(G, D)).

    Parameters
    ----------
    p_data : array_like, shape (K,)
    theta0 : array_like, shape (K,)
    margin : float, > 0
    lr : float, > 0
    n_steps : int, >= 0

    Returns
    -------
    EBGANGeneratorRun

    Notes
    -----
    The best response is a vertex D ∈ {0, m}^K, so the generator's costs jump when q_i
    crosses p_i: the run approaches p_data and then chatters around it with steps of order
    lr m.
    """
    p, theta, lr, n_steps = check_generator_descent(p_data, theta0, lr, n_steps)
    k = p.shape[0]
    m = check_positive(margin, "margin")
    thetas = np.empty((n_steps + 1, k))
    ds = np.empty((n_steps + 1, k))
    values = np.empty(n_steps + 1)
    for t in range(n_steps + 1):
        q = softmax(theta)
        d, _, values[t] = _ebgan_lp(p, q, m)
        thetas[t], ds[t] = theta, d
        if t < n_steps:
            theta = theta - lr * softmax_cost_gradient(q, d)
    qs = softmax(thetas, axis=-1)
    return EBGANGeneratorRun(
        theta=thetas, q=qs, d=ds, discriminator_value=values,
        generator_loss=np.sum(qs * ds, axis=-1), p_data=p, margin=m, lr=lr,
    )
