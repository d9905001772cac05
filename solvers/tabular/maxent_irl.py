"""Maximum entropy IRL on enumerable trajectory sets and maximum causal entropy IRL on MDPs.

Two models, two solvers:

1. **MaxEnt IRL on a finite trajectory set** (Ziebart et al. 2008, eq. (1); Finn et al. 2016,
   Section 2.3): p_θ(τ) = exp(-c_θ(τ)) / Z(θ) with a linear cost c_θ(τ) = θ · f(τ).  The
   negative log-likelihood of the data, NLL(θ) = E_data[c_θ] + log Z(θ), is convex with
   gradient E_data f - E_θ f and Hessian Cov_θ(f); :func:`maxent_irl_trajectories` minimizes
   it by damped Newton steps (or plain gradient descent).  It has its own log-sum-exp and never
   calls ``theory.irl`` (the claims compare the two).

2. **Maximum causal entropy (MCE) IRL on an MDP** (Ziebart, Bagnell & Dey 2010; Ziebart's
   2010 thesis, Chapters 6 and 9).  Soft value iteration

       Q_t(s, a) = r(s, a) + γ Σ_s' P(s' | s, a) V_{t+1}(s'),   V_H ≡ 0,
       V_t(s)    = log Σ_a exp Q_t(s, a),
       π_t(a | s) = exp(Q_t(s, a) - V_t(s)),

   (thesis recurrences (9.1)-(9.3), numbered as cited by imitation's ``mce_partition_fh``; the
   thesis itself was not available to check the numbers), the discounted stationary analogue,
   state(-action) occupancy measures by a forward pass (or one sparse linear solve when
   discounted), and IRL that fits θ in r_θ = φ · θ so that the soft-optimal policy's
   discounted feature expectations match the expert's.  The fit maximizes the concave dual

       g(θ) = θ · F_E - Σ_s μ₀(s) V_0^θ(s),   ∇g = F_E - F_θ,

   whose gradient is the expert-minus-model feature expectation (Ziebart et al. 2010,
   Section 5; for γ = 1 and trajectory demonstrations g is the causal log-likelihood of the
   demonstrations).  The Hessian is exact and cheap:

       -∇²g = Σ_t γ^t Σ_s D_t(s) Cov_{a ~ π_t(.|s)}[Ψ_t(s, a)],

   with successor features Ψ_t(s, a) = ∂Q_t(s, a)/∂θ = φ(s, a) + γ E[ψ_{t+1}(s')],
   ψ_t(s) = Σ_a π_t(a|s) Ψ_t(s, a) (derived here by differentiating the recurrences; stated
   in the Notes of :func:`mce_irl`).  Newton's method on it reaches feature mismatches of
   1e-9 on 10 x 10 gridworlds in about ten iterations.

Conventions
-----------
Transitions are anything :func:`solvers.problems.gridworld.as_transitions` accepts
(a ``GridWorld``, a dense (S, A, S) array, a ``FiniteMDP``...); they are used through one
sparse (S·A, S) matrix, so every backup is a sparse matrix-vector product and memory stays
linear in S x A (times H for time-indexed outputs).  Rewards have shape (S,) (state rewards,
as in imitation) or (S, A).  A finite-horizon episode has actions a_0 ... a_{H-1} and states
s_0 ... s_H; rewards r(s_t, a_t) are collected for t < H, the final state s_H earns nothing.
Feature expectations are F = Σ_{t<H} γ^t E[φ(s_t, a_t)] (finite horizon) or
Σ_{t>=0} γ^t E[φ(s_t, a_t)] (discounted, unnormalized).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from numpy.typing import ArrayLike

from solvers.results import ArrayResult
from solvers.problems.gridworld import GridWorld, as_transitions
from theory.validation import ConvergenceWarning, as_float_array, check_in, check_int
from theory.validation import check_mu0, check_positive, check_probability
from solvers.tabular.mce_passes import logsumexp_softmax, soft_policy, check_gamma, SoftValues
from solvers.tabular.mce_passes import soft_value_iteration_finite, policy_matrix
from solvers.tabular.mce_passes import soft_value_iteration_discounted, Occupancy
from solvers.tabular.mce_passes import occupancy_finite, occupancy_discounted, features_sa
from solvers.tabular.mce_passes import feature_expectations, empirical_feature_expectations

__all__ = [
    "MaxEntTrajectoryResult",
    "maxent_irl_trajectories",
    "SoftValues",
    "soft_policy",
    "soft_value_iteration_finite",
    "soft_value_iteration_discounted",
    "Occupancy",
    "occupancy_finite",
    "occupancy_discounted",
    "feature_expectations",
    "empirical_feature_expectations",
    "MCEDual",
    "mce_dual",
    "MCEIRLResult",
    "mce_irl",
    "IRL_METHODS",
]

IRL_METHODS = ("newton", "lbfgs", "gradient")

#: Armijo sufficient-decrease constant of the Newton line search.
_ARMIJO = 1e-4
#: Eigenvalues of the Hessian below this fraction of the largest are treated as zero (the
#: Newton step is the minimum-norm one: flat directions, e.g. a constant reward shift, stay put).
_PINV_RCOND = 1e-12
#: Initial trust radius (sup norm of a Newton step in θ) and the number of step halvings of
#: the line search before giving up (2^-100 ~ 1e-30 of the capped step).
_TRUST_RADIUS0 = 10.0
_MAX_HALVINGS = 100
#: Relative size of float64 rounding in the objective: near the optimum f changes by less than
#: this, so a step is also accepted when f is flat to rounding and the gradient shrinks.
_F_ROUNDING = 1e-13


# =========================================================================== Newton
@dataclass
class _Fit:
    theta: np.ndarray
    n_iter: int
    history: np.ndarray
    converged: bool


def _newton_minimize(evaluate: Callable[[np.ndarray, bool], tuple[float, np.ndarray, np.ndarray | None]],
                     theta0: np.ndarray, *, tol: float, max_iter: int) -> _Fit:
    """Damped Newton on a smooth convex f: minimum-norm Newton direction (pseudo-inverse of the
    PSD Hessian), capped to a trust radius in sup norm, Armijo backtracking; stop when
    ||∇f||_∞ <= tol.

    The radius matters where the Hessian is nearly singular (a model concentrated on one
    trajectory has covariance ~ e^-700): the raw Newton step would be astronomically long.  It
    grows fourfold after every accepted full capped step, so steps are never limited for long.
    """
    theta = theta0.copy()
    f, g, Hm = evaluate(theta, True)
    history = [float(np.max(np.abs(g)))]
    radius = _TRUST_RADIUS0
    n = 0
    while history[-1] > tol and n < max_iter:
        n += 1
        lam, U = np.linalg.eigh(Hm)
        keep = lam > _PINV_RCOND * max(lam.max(), 0.0)
        step = -(U[:, keep] / lam[keep]) @ (U[:, keep].T @ g) if keep.any() else -g
        if not np.all(np.isfinite(step)) or float(g @ step) >= 0:
            step = -g                        # numerically singular: fall back to the gradient
        size = float(np.max(np.abs(step)))
        capped = size > radius
        if capped:
            step *= radius / size
        slope = float(g @ step)
        alpha = 1.0
        accepted = False
        for _ in range(_MAX_HALVINGS):
            cand = theta + alpha * step
            f_new, g_new, _ = evaluate(cand, False)
            gmax_new = float(np.max(np.abs(g_new)))
            if np.isfinite(f_new) and (
                    f_new <= f + _ARMIJO * alpha * slope
                    or (f_new <= f + _F_ROUNDING * (1.0 + abs(f)) and gmax_new < history[-1])):
                accepted = True
                break
            alpha *= 0.5
        if not accepted:                     # rounding floor reached: no further progress
            break
        if capped and alpha == 1.0:
            radius *= 4.0
        theta = cand
        f, g, Hm = evaluate(theta, True)
        history.append(float(np.max(np.abs(g))))
    return _Fit(theta=theta, n_iter=n, history=np.array(history), converged=history[-1] <= tol)


def _gradient_minimize(evaluate, theta0, *, lr, tol, max_iter) -> _Fit:
    theta = theta0.copy()
    _, g, _ = evaluate(theta, False)
    history = [float(np.max(np.abs(g)))]
    n = 0
    while history[-1] > tol and n < max_iter:
        n += 1
        theta = theta - lr * g
        _, g, _ = evaluate(theta, False)
        history.append(float(np.max(np.abs(g))))
    return _Fit(theta=theta, n_iter=n, history=np.array(history), converged=history[-1] <= tol)


def _lbfgs_minimize(evaluate, theta0, *, tol, max_iter) -> _Fit:
    from scipy.optimize import minimize

    history = []

    def fun(th):
        f, g, _ = evaluate(th, False)
        history.append(float(np.max(np.abs(g))))
        return f, g

    res = minimize(fun, theta0, jac=True, method="L-BFGS-B",
                   options={"maxiter": max_iter, "gtol": tol, "ftol": 0.0, "maxcor": 50,
                            "maxls": 50})
    _, g, _ = evaluate(res.x, False)
    gmax = float(np.max(np.abs(g)))
    history.append(gmax)
    return _Fit(theta=np.asarray(res.x, float), n_iter=int(res.nit), history=np.array(history),
                converged=gmax <= tol)


# =========================================================================== MaxEnt (trajectories)
@dataclass
class MaxEntTrajectoryResult(ArrayResult):
    """Result of :func:`maxent_irl_trajectories`.

    Attributes
    ----------
    theta : ndarray, shape (K,)
        Cost weights; c(τ) = θ · f(τ).
    cost : ndarray, shape (N,)
        ``features @ theta``.
    log_z : float
        log Σ_τ exp(-c(τ)).
    p_model : ndarray, shape (N,)
        exp(-c)/Z.
    feature_mismatch : float
        ||E_data f - E_model f||_∞ at ``theta`` (the gradient of the NLL).
    nll : float
        E_data[c] + log Z at ``theta``.
    n_iter : int
    history : ndarray, shape (n_iter + 1,)
        The feature mismatch at every iterate (for L-BFGS: at every function evaluation).
    converged : bool
    method : str
    """

    theta: np.ndarray
    cost: np.ndarray
    log_z: float
    p_model: np.ndarray
    feature_mismatch: float
    nll: float
    n_iter: int
    history: np.ndarray
    converged: bool
    method: str


def _warn_unconverged(solver: str, method: str, fit, mismatch: float, tol: float, hint: str) -> None:
    """A ConvergenceWarning (pointing at the solver's caller) when ``fit`` stopped unconverged."""
    if not fit.converged:
        warnings.warn(f"{solver} ({method}) stopped after {fit.n_iter} iterations with feature mismatch "
                      f"{mismatch:.3g} > tol = {tol:.3g}; {hint}", ConvergenceWarning, stacklevel=3)


def maxent_irl_trajectories(features: ArrayLike, p_data: ArrayLike, *, theta0: ArrayLike | None = None,
                            lr: float = 0.5, tol: float = 1e-10, max_iter: int | None = None,
                            method: str = "newton") -> MaxEntTrajectoryResult:
    """MaxEnt IRL on a finite trajectory set: maximum likelihood of p_θ(τ) = exp(-θ·f(τ))/Z(θ).

    NLL(θ) = Σ_τ p_data(τ) θ·f(τ) + log Σ_τ exp(-θ·f(τ)),
    ∇NLL = E_data f - E_θ f,   ∇²NLL = Cov_θ(f)  (convex).

    At the optimum the model matches the data's feature expectations (Ziebart et al. 2008:
    "matching feature expectations"); with a cost c = -reward the sign of their gradient
    f̃ - Σ P(ζ|θ) f_ζ flips.

    Source: Ziebart et al. (2008), eq. (1) (p(ζ|θ) ∝ exp(θᵀ f_ζ) for deterministic MDPs) and
    the likelihood gradient of their Section "Maximum entropy"; Finn et al. (2016),
    arXiv:1611.03852, Section 2.3 (MaxEnt IRL in cost form; equation numbers not confirmed).

    Parameters
    ----------
    features : array_like, shape (N, K)
        f(τ) for every trajectory of the set.
    p_data : array_like, shape (N,)
        Data distribution or empirical demonstration weights (sums to 1; zeros allowed).
    theta0 : array_like, shape (K,), optional, keyword-only
        Starting weights (default zeros: the uniform model).
    lr : float > 0, keyword-only
        Step size of ``method="gradient"`` (ignored by Newton).
    tol : float > 0, keyword-only
        Stop when the feature mismatch ||∇NLL||_∞ <= tol.
    max_iter : int >= 0, optional, keyword-only
        Default 200 (Newton) or 100,000 (gradient).
    method : {"newton", "gradient", "lbfgs"}, keyword-only
        Damped Newton with the exact Hessian (default), fixed-step gradient descent, or scipy's
        L-BFGS-B.

    Returns
    -------
    MaxEntTrajectoryResult

    Raises
    ------
    ValueError, TypeError
        Named errors for shapes, non-finite features, invalid ``p_data``, options.

    Warns
    -----
    ConvergenceWarning
        When the tolerance is not reached; this happens when no minimizer exists (the data's
        mean features lie on the boundary of the convex hull of the f(τ), e.g. empirical weights
        with zeros: the likelihood then increases without bound as |θ| grows).

    Notes
    -----
    Flat directions (features that are constant or collinear over the set) do not move: the
    Newton step is the minimum-norm one.  Uses its own log-sum-exp; no call into ``theory``.
    """
    F = as_float_array(features, "features")
    if F.ndim != 2:
        raise ValueError(f"`features` must have shape (N, K) (got shape {F.shape})")
    p = check_probability(p_data, "p_data")
    if p.shape != (F.shape[0],):
        raise ValueError(f"`p_data` must have shape ({F.shape[0]},) like `features` (got shape {p.shape})")
    K = F.shape[1]
    if K == 0:
        raise ValueError("`features` must have at least one column (K >= 1)")
    theta = np.zeros(K) if theta0 is None else as_float_array(theta0, "theta0")
    if theta.shape != (K,):
        raise ValueError(f"`theta0` must have shape ({K},) (got shape {theta.shape})")
    method = check_in(method, "method", IRL_METHODS)
    lr = check_positive(lr, "lr")
    tol = check_positive(tol, "tol")
    if max_iter is None:
        max_iter = 100_000 if method == "gradient" else 200
    max_iter = check_int(max_iter, "max_iter", minimum=0)
    data_mean = p @ F

    def evaluate(th: np.ndarray, hessian: bool):
        neg = -(F @ th)
        log_z, q = logsumexp_softmax(neg)
        model_mean = q @ F
        f = float(data_mean @ th + log_z)
        g = data_mean - model_mean
        Hm = None
        if hessian:
            C = (F - model_mean) * np.sqrt(q)[:, None]
            Hm = C.T @ C
        return f, g, Hm

    fit = _run(evaluate, theta, method=method, lr=lr, tol=tol, max_iter=max_iter)
    cost = F @ fit.theta
    log_z, q = logsumexp_softmax(-cost)
    g = data_mean - q @ F
    mismatch = float(np.max(np.abs(g)))
    _warn_unconverged("maxent_irl_trajectories", method, fit, mismatch, tol,
                      "increase `max_iter`, or the maximum-likelihood cost may not exist (data on the "
                      "boundary of the feature hull)")
    return MaxEntTrajectoryResult(theta=fit.theta, cost=cost, log_z=float(log_z), p_model=q,
                                  feature_mismatch=mismatch, nll=float(p @ cost + log_z),
                                  n_iter=fit.n_iter, history=fit.history, converged=fit.converged,
                                  method=method)


def _run(evaluate, theta, *, method, lr, tol, max_iter) -> _Fit:
    if method == "newton":
        return _newton_minimize(evaluate, theta, tol=tol, max_iter=max_iter)
    if method == "gradient":
        return _gradient_minimize(evaluate, theta, lr=lr, tol=tol, max_iter=max_iter)
    return _lbfgs_minimize(evaluate, theta, tol=tol, max_iter=max(max_iter, 1))


# =========================================================================== MCE IRL
@dataclass
class MCEDual(ArrayResult):
    """The MCE IRL dual at one θ (see :func:`mce_dual`).

    Attributes
    ----------
    value : float
        f(θ) = μ₀ · V_0^θ - θ · F_E (convex; the IRL minimizes it).
    gradient : ndarray, shape (K,)
        F_θ - F_E (model minus expert feature expectations).
    hessian : ndarray, shape (K, K) or None
        Σ_t γ^t Σ_s D_t(s) Cov_{π_t(.|s)}[Ψ_t(s, .)] (PSD).
    model_features : ndarray, shape (K,)
    successor_features : ndarray, shape (S, K) or None
        ψ_0(s) = ∂V_0(s)/∂θ (finite) or ∂V(s)/∂θ (discounted); μ₀ · ψ_0 = F_θ.
    values : SoftValues
    occupancy : Occupancy
    """

    value: float
    gradient: np.ndarray
    hessian: np.ndarray | None
    model_features: np.ndarray
    successor_features: np.ndarray | None
    values: SoftValues
    occupancy: Occupancy



class _MCEProblem:
    """Everything fixed during one MCE IRL fit."""

    def __init__(self, mdp: Any, features: Any, mu0: Any, horizon: int | None, gamma: float,
                 expert: np.ndarray | None, vi_tol: float):
        self.T = as_transitions(mdp)
        S, A = self.T.n_states, self.T.n_actions
        if features is None:
            if not isinstance(mdp, GridWorld):
                raise ValueError("`features` is required unless `mdp` is a GridWorld")
            features = mdp.features
        if mu0 is None:
            if not isinstance(mdp, GridWorld):
                raise ValueError("`mu0` is required unless `mdp` is a GridWorld")
            mu0 = mdp.mu0
        self.phi, self.state_only = features_sa(features, S, A)
        self.phi_state = self.phi[:, 0, :] if self.state_only else None
        self.K = self.phi.shape[-1]
        self.mu0 = check_mu0(mu0, S, batched=False)
        self.horizon = None if horizon is None else check_int(horizon, "horizon", minimum=1)
        self.gamma = check_gamma(gamma, allow_one=self.horizon is not None)
        self.vi_tol = vi_tol
        self.expert = np.zeros(self.K) if expert is None else expert

    def reward(self, theta: np.ndarray) -> np.ndarray:
        return self.phi_state @ theta if self.state_only else self.phi @ theta

    def features_of(self, occ: Occupancy) -> np.ndarray:
        if self.state_only:
            return occ.state @ self.phi_state
        return np.tensordot(occ.state_action, self.phi, axes=([0, 1], [0, 1]))

    def solve(self, theta: np.ndarray) -> tuple[SoftValues, Occupancy]:
        r = self.reward(theta)
        if self.horizon is not None:
            vals = soft_value_iteration_finite(self.T, r, self.horizon, gamma=self.gamma)
            occ = occupancy_finite(self.T, vals.pi, self.mu0, gamma=self.gamma)
        else:
            vals = soft_value_iteration_discounted(self.T, r, self.gamma, tol=self.vi_tol,
                                                   method="policy_iteration")
            occ = occupancy_discounted(self.T, vals.pi, self.mu0, self.gamma)
        return vals, occ

    def successor(self, vals: SoftValues, occ: Occupancy) -> tuple[np.ndarray, np.ndarray]:
        """(ψ_0 (S, K), Hessian (K, K)) from the successor features Ψ_t = ∂Q_t/∂θ."""
        S, A, K, g = self.T.n_states, self.T.n_actions, self.K, self.gamma
        Hm = np.zeros((K, K))
        if self.horizon is not None:
            psi = np.zeros((S, K))
            for t in range(self.horizon - 1, -1, -1):
                Psi = self.phi + g * self.T.expect(psi) if t < self.horizon - 1 else np.array(self.phi)
                pi_t = vals.pi[t]
                psi = np.matmul(pi_t[:, None, :], Psi)[:, 0, :]
                C = (Psi - psi[:, None, :]) * np.sqrt(occ.D_sa[t])[..., None]
                C = C.reshape(S * A, K)
                Hm += g**t * (C.T @ C)
            return psi, Hm
        pi = vals.pi
        phi_pi = np.matmul(pi[:, None, :], self.phi)[:, 0, :]
        M = (sp.identity(S, format="csc") - g * policy_matrix(self.T, pi).tocsc())
        psi = np.asarray(spla.spsolve(M, phi_pi)).reshape(S, K)
        Psi = self.phi + g * self.T.expect(psi)
        C = ((Psi - psi[:, None, :]) * np.sqrt(occ.state_action)[..., None]).reshape(S * A, K)
        return psi, C.T @ C

    def evaluate(self, theta: np.ndarray, hessian: bool, *, keep: bool = False):
        vals, occ = self.solve(theta)
        F_model = self.features_of(occ)
        V0 = vals.V[0] if self.horizon is not None else vals.V
        f = float(self.mu0 @ V0 - theta @ self.expert)
        g = F_model - self.expert
        Hm = psi = None
        if hessian:
            psi, Hm = self.successor(vals, occ)
        if keep:
            return f, g, Hm, F_model, psi, vals, occ
        return f, g, Hm


def mce_dual(mdp: Any, theta: ArrayLike, expert_features: ArrayLike | None = None, *,
             features: ArrayLike | None = None, mu0: ArrayLike | None = None,
             horizon: int | None = None, gamma: float = 1.0, hessian: bool = True,
             vi_tol: float = 1e-12) -> MCEDual:
    """The MCE IRL dual objective, its gradient and Hessian at θ (the quantities
    :func:`mce_irl` optimizes), exposed for checks.

    f(θ) = μ₀ · V_0^θ - θ · F_E,  ∇f = F_θ - F_E,
    ∇²f = Σ_t γ^t Σ_s D_t(s) Cov_{a ~ π_t(.|s)}[Ψ_t(s, a)].

    Source: Ziebart, Bagnell & Dey (2010), Section 5 (gradient = expert minus model feature
    expectations; section number not confirmed); the Hessian is derived in this module's
    docstring.

    Parameters
    ----------
    mdp : GridWorld or any transition model accepted by ``as_transitions``
    theta : array_like, shape (K,)
    expert_features : array_like, shape (K,), optional (default zeros)
    features : array_like, shape (S, K) or (S, A, K), keyword-only (default ``mdp.features``)
    mu0 : array_like, shape (S,), keyword-only (default ``mdp.mu0``)
    horizon : int >= 1 or None, keyword-only
        None for the discounted infinite-horizon problem (then γ < 1).
    gamma : float, keyword-only
    hessian : bool, keyword-only
    vi_tol : float > 0, keyword-only
        Tolerance of the discounted soft value iteration.

    Returns
    -------
    MCEDual
    """
    prob = _MCEProblem(mdp, features, mu0, horizon, gamma, None, check_positive(vi_tol, "vi_tol"))
    theta = _check_theta(theta, prob.K, "theta")
    if expert_features is not None:
        prob.expert = _check_theta(expert_features, prob.K, "expert_features")
    f, g, Hm, F_model, psi, vals, occ = prob.evaluate(theta, bool(hessian), keep=True)
    return MCEDual(value=f, gradient=g, hessian=Hm, model_features=F_model, successor_features=psi,
                   values=vals, occupancy=occ)


def _check_theta(x: ArrayLike, k: int, name: str) -> np.ndarray:
    arr = as_float_array(x, name)
    if arr.shape != (k,):
        raise ValueError(f"`{name}` must have shape ({k},) (got shape {arr.shape})")
    return arr


@dataclass
class MCEIRLResult(ArrayResult):
    """Result of :func:`mce_irl`.

    Attributes
    ----------
    theta : ndarray, shape (K,)
        Reward weights; r(s[, a]) = φ(s[, a]) · θ.
    reward : ndarray, shape (S,) or (S, A)
    values : SoftValues
        Soft values and the soft-optimal policy of the recovered reward.
    occupancy : Occupancy
        Its occupancy measures.
    feature_expectations : ndarray, shape (K,)
        F_θ of the recovered reward.
    expert_feature_expectations : ndarray, shape (K,)
    feature_mismatch : float
        ||F_θ - F_E||_∞.
    occupancy_mismatch : float or None
        max_s |d_θ(s) - d_E(s)| of the summed state occupancies, when an expert occupancy was
        given (equals the feature mismatch for one-hot state features).
    dual : float
        g(θ) = θ · F_E - μ₀ · V_0^θ (the causal log-likelihood per demonstration for γ = 1 and
        trajectory data).
    n_iter : int
    history : ndarray
        Feature mismatch per iterate.
    converged : bool
    method : str
    """

    theta: np.ndarray
    reward: np.ndarray
    values: SoftValues
    occupancy: Occupancy
    feature_expectations: np.ndarray
    expert_feature_expectations: np.ndarray
    feature_mismatch: float
    occupancy_mismatch: float | None
    dual: float
    n_iter: int
    history: np.ndarray
    converged: bool
    method: str

    to_dict = MCEDual.to_dict


def mce_irl(mdp: Any, expert_features: ArrayLike, *, features: ArrayLike | None = None,
            mu0: ArrayLike | None = None, horizon: int | None = None, gamma: float = 1.0,
            theta0: ArrayLike | None = None, method: str = "newton", tol: float = 1e-9,
            max_iter: int | None = None, lr: float = 0.05, expert_occupancy: ArrayLike | None = None,
            vi_tol: float = 1e-12) -> MCEIRLResult:
    """Maximum causal entropy IRL: the linear reward whose soft-optimal policy matches the
    expert's feature expectations.

    Minimizes the convex dual f(θ) = μ₀ · V_0^θ - θ · F_E, whose gradient F_θ - F_E is the
    feature-expectation mismatch; at the minimizer the MCE policy matches the expert's
    (discounted) feature expectations exactly, and among all policies that do, it has maximum
    causal entropy.

    Source: Ziebart, Bagnell & Dey (2010), "Modeling interaction via the principle of maximum
    causal entropy", ICML, Section 5 (inverse optimal control; the gradient is the difference of
    expected and empirical feature counts) and Ziebart (2010) thesis, Chapter 9 (the MCE IRL
    algorithm); Ziebart et al. (2008), Algorithm 1 for the occupancy pass.  Section numbers of
    the 2010 paper not confirmed.

    Parameters
    ----------
    mdp : GridWorld or a transition model accepted by ``as_transitions``
    expert_features : array_like, shape (K,)
        F_E = Σ_t γ^t E_expert[φ(s_t, a_t)] (see :func:`feature_expectations`,
        :func:`empirical_feature_expectations`).
    features : array_like, shape (S, K) or (S, A, K), keyword-only (default ``mdp.features``)
    mu0 : array_like, shape (S,), keyword-only (default ``mdp.mu0``)
    horizon : int >= 1 or None, keyword-only
        Finite horizon H, or None for the discounted problem (γ < 1).
    gamma : float, keyword-only
    theta0 : array_like, shape (K,), optional, keyword-only (default zeros)
    method : {"newton", "lbfgs", "gradient"}, keyword-only
        Damped Newton with the exact Hessian (default), scipy's L-BFGS-B on the exact dual, or
        fixed-step gradient ascent on g (step ``lr``).
    tol : float > 0, keyword-only
        Stop when the feature mismatch ||F_θ - F_E||_∞ <= tol.
    max_iter : int >= 0, optional, keyword-only
        Default 100 (Newton), 5,000 (L-BFGS) or 100,000 (gradient).
    lr : float > 0, keyword-only
    expert_occupancy : array_like, shape (S,) or (S, A), optional, keyword-only
        When given, ``occupancy_mismatch`` compares the summed state occupancies.
    vi_tol : float > 0, keyword-only
        Tolerance of the discounted soft value iteration (ignored for finite horizons).

    Returns
    -------
    MCEIRLResult

    Raises
    ------
    ValueError, TypeError
        Named errors for shapes and options.

    Warns
    -----
    ConvergenceWarning
        When the tolerance is not reached (F_E outside the interior of the achievable feature
        expectations, e.g. one-hot features and a never-visited state, has no finite θ).

    Notes
    -----
    Hessian: differentiating Q_t = φ·θ + γ P V_{t+1} and V_t = log Σ_a exp Q_t gives
    ∂π_t(a|s)/∂θ = π_t(a|s)(Ψ_t(s, a) - ψ_t(s)) and ∂²V_t(s)/∂θ² = Cov_{π_t(.|s)}[Ψ_t(s, .)]
    + γ E_{a, s'}[∂²V_{t+1}(s')/∂θ²]; unrolling from t = 0 under the policy weights the
    per-state covariances by the occupancy.  It is positive semidefinite: the dual is convex in
    θ, and Newton steps use its pseudo-inverse (flat directions, such as a constant reward
    shift with one-hot features, stay put).  Each Newton iteration costs one backward pass with
    K columns; each function evaluation one backward and one forward pass.
    """
    prob = _MCEProblem(mdp, features, mu0, horizon, gamma, None, check_positive(vi_tol, "vi_tol"))
    prob.expert = _check_theta(expert_features, prob.K, "expert_features")
    theta = np.zeros(prob.K) if theta0 is None else _check_theta(theta0, prob.K, "theta0")
    method = check_in(method, "method", IRL_METHODS)
    tol = check_positive(tol, "tol")
    lr = check_positive(lr, "lr")
    if max_iter is None:
        max_iter = {"newton": 100, "lbfgs": 5000, "gradient": 100_000}[method]
    max_iter = check_int(max_iter, "max_iter", minimum=0)
    occ_expert = None
    if expert_occupancy is not None:
        occ_expert = as_float_array(expert_occupancy, "expert_occupancy")
        if occ_expert.shape == (prob.T.n_states, prob.T.n_actions):
            occ_expert = occ_expert.sum(axis=1)
        if occ_expert.shape != (prob.T.n_states,):
            raise ValueError(f"`expert_occupancy` must have shape ({prob.T.n_states},) or "
                             f"({prob.T.n_states}, {prob.T.n_actions}) (got shape {occ_expert.shape})")

    fit = _run(prob.evaluate, theta, method=method, lr=lr, tol=tol, max_iter=max_iter)
    f, g, _, F_model, _, vals, occ = prob.evaluate(fit.theta, False, keep=True)
    mismatch = float(np.max(np.abs(g)))
    _warn_unconverged("mce_irl", method, fit, mismatch, tol, "increase `max_iter` (or the expert's "
                      "features are not attainable by a finite reward)")
    occ_mismatch = None if occ_expert is None else float(np.max(np.abs(occ.state - occ_expert)))
    return MCEIRLResult(theta=fit.theta, reward=prob.reward(fit.theta), values=vals, occupancy=occ,
                        feature_expectations=F_model, expert_feature_expectations=prob.expert.copy(),
                        feature_mismatch=mismatch, occupancy_mismatch=occ_mismatch, dual=-f,
                        n_iter=fit.n_iter, history=fit.history, converged=fit.converged, method=method)
