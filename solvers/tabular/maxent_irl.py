"""Maximum entropy IRL on enumerable trajectory sets and maximum causal entropy IRL on MDPs.

Two models, two solvers:

1. **MaxEnt IRL on a finite trajectory set** (Ziebart et al. 2008, eq. (1); Finn et al. 2016,
   Section 2.3): p_θ(τ) = exp(-c_θ(τ)) / Z(θ) with a linear cost c_θ(τ) = θ · f(τ).  The
   negative log-likelihood of the data, NLL(θ) = E_data[c_θ] + log Z(θ), is convex with
   gradient E_data f - E_θ f and Hessian Cov_θ(f); :func:`maxent_irl_trajectories` minimises
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
   discounted feature expectations match the expert's.  The fit maximises the concave dual

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
Σ_{t>=0} γ^t E[φ(s_t, a_t)] (discounted, unnormalised).
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from numpy.typing import ArrayLike

from solvers._results import ArrayResult
from solvers.problems.gridworld import GridWorld, SparseTransitions, as_transitions
from theory._validation import (
    ConvergenceWarning,
    as_float_array,
    check_in,
    check_int,
    check_positive,
    check_probability,
    check_unit_interval,
)

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


# =========================================================================== numerics
def _logsumexp_softmax(q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(log Σ_a exp q, softmax q) along the last axis, with one exponential pass."""
    m = q.max(axis=-1, keepdims=True)
    e = np.exp(q - m)
    z = e.sum(axis=-1, keepdims=True)
    e /= z
    return (m + np.log(z))[..., 0], e


def soft_policy(q: ArrayLike) -> np.ndarray:
    """π(a | s) = exp(Q(s, a) - log Σ_b exp Q(s, b)), the softmax over the last axis.

    Source: Ziebart (2010) thesis, recurrence (9.3) (as cited by imitation).

    Parameters
    ----------
    q : array_like, shape (..., A)

    Returns
    -------
    ndarray, shape (..., A), rows summing to 1.
    """
    q = as_float_array(q, "q")
    if q.ndim == 0:
        raise ValueError("`q` must be at least 1-D (actions on the last axis)")
    return _logsumexp_softmax(q)[1]


def _reward_sa(reward: ArrayLike, n_states: int, n_actions: int) -> tuple[np.ndarray, bool]:
    """(reward as an (S, A) array, whether it was a state reward)."""
    r = as_float_array(reward, "reward")
    if r.shape == (n_states,):
        return np.repeat(r[:, None], n_actions, axis=1), True
    if r.shape != (n_states, n_actions):
        raise ValueError(f"`reward` must have shape ({n_states},) or ({n_states}, {n_actions}) "
                         f"(got shape {r.shape})")
    return r, False


def _check_gamma(gamma: Any, *, allow_one: bool) -> float:
    return check_unit_interval(gamma, "gamma", open_right=not allow_one)


# =========================================================================== soft values
@dataclass
class SoftValues(ArrayResult):
    """Soft (maximum causal entropy) values and the soft-optimal policy.

    Finite horizon: ``V[t, s]``, ``Q[t, s, a]``, ``pi[t, s, a]`` for t = 0, ..., H - 1
    (V_H ≡ 0 is not stored), as imitation's ``mce_partition_fh``.  Discounted: ``V[s]``,
    ``Q[s, a]``, ``pi[s, a]`` (stationary).

    Attributes
    ----------
    V, Q, pi : ndarray
    gamma : float
    horizon : int or None
        None for the discounted, infinite-horizon problem.
    n_iter : int
        Backups performed (H when finite).
    residual : float
        Sup-norm change of the last backup (0 when finite: the recursion is exact).
    converged : bool
    """

    V: np.ndarray
    Q: np.ndarray
    pi: np.ndarray
    gamma: float
    horizon: int | None
    n_iter: int
    residual: float = 0.0
    converged: bool = True


def soft_value_iteration_finite(transitions: Any, reward: ArrayLike, horizon: int, *,
                                gamma: float = 1.0) -> SoftValues:
    """Finite-horizon soft value iteration (the MCE backward pass).

    Q_t(s, a) = r(s, a) + γ Σ_s' P(s'|s, a) V_{t+1}(s'),  V_H = 0,
    V_t(s) = log Σ_a exp Q_t(s, a),  π_t(a|s) = exp(Q_t(s, a) - V_t(s)).

    Source: Ziebart (2010) thesis, recurrences (9.1)-(9.3) (numbers as cited by imitation);
    Ziebart, Bagnell & Dey (2010), Section 4 (the MaxCausalEnt policy has this softmax form).

    Parameters
    ----------
    transitions : GridWorld, SparseTransitions, FiniteMDP or ndarray (S, A, S)
    reward : array_like, shape (S,) or (S, A)
    horizon : int >= 1
    gamma : float in [0, 1], keyword-only

    Returns
    -------
    SoftValues
        ``V`` (H, S), ``Q`` (H, S, A), ``pi`` (H, S, A).

    Notes
    -----
    One sparse matrix-vector product and one pass of exponentials per step: O(H · nnz(P)).
    Stable for any finite reward (max-shifted log-sum-exp).
    """
    T = as_transitions(transitions)
    horizon = check_int(horizon, "horizon", minimum=1)
    gamma = _check_gamma(gamma, allow_one=True)
    r, _ = _reward_sa(reward, T.n_states, T.n_actions)
    S, A = T.n_states, T.n_actions
    V = np.empty((horizon, S))
    Q = np.empty((horizon, S, A))
    pi = np.empty((horizon, S, A))
    # Work in the action-major layout (A, S): reductions over actions become elementwise
    # operations between contiguous rows; the outputs are stored (S, A) as documented.
    r_as = np.ascontiguousarray(r.T)
    q = r_as.copy()
    for t in range(horizon - 1, -1, -1):
        if t < horizon - 1:
            np.multiply(T.expect_action_major(V[t + 1]), gamma, out=q)
            q += r_as
        m = q.max(axis=0)
        e = np.exp(q - m)
        z = e.sum(axis=0)
        e /= z
        V[t] = m + np.log(z)
        Q[t] = q.T
        pi[t] = e.T
    return SoftValues(V=V, Q=Q, pi=pi, gamma=gamma, horizon=horizon, n_iter=horizon)


def _soft_policy_evaluation(T: SparseTransitions, r: np.ndarray, pi: np.ndarray, gamma: float
                            ) -> np.ndarray:
    """V^π with the entropy bonus: (I - γ P_π) V = Σ_a π (r - log π), by a sparse solve."""
    with np.errstate(divide="ignore", invalid="ignore"):
        bonus = np.where(pi > 0, r - np.log(np.where(pi > 0, pi, 1.0)), 0.0)
    r_pi = (pi * bonus).sum(axis=1)
    P_pi = _policy_matrix(T, pi)
    M = sp.identity(T.n_states, format="csc") - gamma * P_pi.tocsc()
    return np.asarray(spla.spsolve(M, r_pi)).reshape(T.n_states)


def _policy_matrix(T: SparseTransitions, pi: np.ndarray) -> sp.csr_matrix:
    """P_π[s, s'] = Σ_a π(a|s) P(s'|s, a) as a sparse (S, S) matrix."""
    S, A = T.n_states, T.n_actions
    agg = sp.csr_matrix((pi.ravel(), (np.repeat(np.arange(S), A), np.arange(S * A))), shape=(S, S * A))
    return (agg @ T.matrix).tocsr()


def soft_value_iteration_discounted(transitions: Any, reward: ArrayLike, gamma: float, *,
                                    tol: float = 1e-10, max_iter: int = 100_000,
                                    method: str = "value_iteration") -> SoftValues:
    """Discounted soft value iteration to a tolerance: the fixed point of

    V(s) = log Σ_a exp(r(s, a) + γ Σ_s' P(s'|s, a) V(s')),  π(a|s) = exp(Q(s, a) - V(s)).

    The soft Bellman operator is a γ-contraction in sup norm (log-sum-exp is non-expansive),
    so stopping when the change is below tol (1 - γ)/γ leaves ||V - V*||_∞ <= tol.

    ``method="policy_iteration"`` alternates exact evaluation of the entropy-regularised value
    of π (one sparse solve) and the softmax improvement; it converges in a handful of steps
    (Newton's method on the soft Bellman equation) and stops when the sup-norm change of V is
    below ``tol``.

    Source: Ziebart (2010) thesis, Chapter 6 (the infinite-horizon softmax recurrences;
    equation numbers not confirmed); the discounted analogue of recurrences (9.1)-(9.3).

    Parameters
    ----------
    transitions : GridWorld, SparseTransitions, FiniteMDP or ndarray (S, A, S)
    reward : array_like, shape (S,) or (S, A)
    gamma : float in [0, 1)
    tol : float > 0, keyword-only
    max_iter : int >= 1, keyword-only
    method : {"value_iteration", "policy_iteration"}, keyword-only

    Returns
    -------
    SoftValues
        ``V`` (S,), ``Q`` (S, A), ``pi`` (S, A), ``horizon = None``.

    Warns
    -----
    ConvergenceWarning
        When ``max_iter`` is reached first.
    """
    T = as_transitions(transitions)
    gamma = _check_gamma(gamma, allow_one=False)
    tol = check_positive(tol, "tol")
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    method = check_in(method, "method", ("value_iteration", "policy_iteration"))
    r, _ = _reward_sa(reward, T.n_states, T.n_actions)
    V = np.zeros(T.n_states)
    residual = np.inf
    n = 0
    if method == "value_iteration":
        stop = tol * (1.0 - gamma) / gamma if gamma > 0 else np.inf
        for n in range(1, max_iter + 1):
            new, _ = _logsumexp_softmax(r + gamma * T.expect(V))
            residual = float(np.max(np.abs(new - V)))
            V = new
            if residual <= stop:
                break
        converged = residual <= stop
    else:
        _, pi = _logsumexp_softmax(r)
        for n in range(1, max_iter + 1):
            new = _soft_policy_evaluation(T, r, pi, gamma)
            residual = float(np.max(np.abs(new - V)))
            V = new
            _, pi = _logsumexp_softmax(r + gamma * T.expect(V))
            if residual <= tol:
                break
        converged = residual <= tol
    if not converged:
        warnings.warn(f"soft value iteration stopped after {max_iter} iterations with change "
                      f"{residual:.3g}; increase `max_iter`", ConvergenceWarning, stacklevel=2)
    Q = r + gamma * T.expect(V)
    V, pi = _logsumexp_softmax(Q)
    return SoftValues(V=V, Q=Q, pi=pi, gamma=gamma, horizon=None, n_iter=n, residual=residual,
                      converged=bool(converged))


# =========================================================================== occupancy
@dataclass
class Occupancy(ArrayResult):
    """State and state-action occupancy measures of a policy.

    Attributes
    ----------
    D : ndarray, shape (H + 1, S) or None
        Finite horizon: D[t, s] = Pr(s_t = s), t = 0, ..., H (as imitation's ``D``).
    D_sa : ndarray, shape (H, S, A) or None
        Finite horizon: Pr(s_t = s, a_t = a), t < H.
    state_action : ndarray, shape (S, A)
        Σ_{t<H} γ^t Pr(s_t = s, a_t = a) (finite) or Σ_{t>=0} γ^t Pr(...) (discounted,
        unnormalised: sums to (1 - γ^H)/(1 - γ), resp. 1/(1 - γ)).
    state : ndarray, shape (S,)
        ``state_action.sum(axis=1)``.
    gamma : float
    horizon : int or None
    """

    D: np.ndarray | None
    D_sa: np.ndarray | None
    state_action: np.ndarray
    state: np.ndarray
    gamma: float
    horizon: int | None


def _check_mu0(mu0: ArrayLike, n_states: int) -> np.ndarray:
    mu0 = check_probability(mu0, "mu0")
    if mu0.shape != (n_states,):
        raise ValueError(f"`mu0` must have shape ({n_states},) (got shape {mu0.shape})")
    return mu0


def occupancy_finite(transitions: Any, pi: ArrayLike, mu0: ArrayLike, *, gamma: float = 1.0
                     ) -> Occupancy:
    """Occupancy measures of a time-indexed policy by the forward pass

    D_0 = μ₀,  D_t(s, a) = D_t(s) π_t(a|s),  D_{t+1}(s') = Σ_{s,a} D_t(s, a) P(s'|s, a).

    Source: Ziebart et al. (2008), Algorithm 1 ("expected edge frequency calculation", its
    forward pass); Ziebart (2010) thesis, Chapter 9 (state visitation for MCE IRL).

    Parameters
    ----------
    transitions : GridWorld, SparseTransitions, FiniteMDP or ndarray (S, A, S)
    pi : array_like, shape (H, S, A)
        π_t(a | s); a stationary (S, A) policy is not accepted here (pass it broadcast).
    mu0 : array_like, shape (S,)
    gamma : float in [0, 1], keyword-only
        Discount of the summed measures ``state_action``/``state``.

    Returns
    -------
    Occupancy
    """
    T = as_transitions(transitions)
    pi = check_probability(pi, "pi")
    S, A = T.n_states, T.n_actions
    if pi.ndim != 3 or pi.shape[1:] != (S, A) or pi.shape[0] < 1:
        raise ValueError(f"`pi` must have shape (H, {S}, {A}) (got shape {pi.shape})")
    mu0 = _check_mu0(mu0, S)
    gamma = _check_gamma(gamma, allow_one=True)
    H = pi.shape[0]
    D = np.empty((H + 1, S))
    D_sa = np.empty((H, S, A))
    D[0] = mu0
    for t in range(H):
        np.multiply(D[t][:, None], pi[t], out=D_sa[t])
        D[t + 1] = T.push(D_sa[t])
    disc = gamma ** np.arange(H)
    state_action = np.tensordot(disc, D_sa, axes=1)
    return Occupancy(D=D, D_sa=D_sa, state_action=state_action, state=state_action.sum(axis=1),
                     gamma=gamma, horizon=H)


def occupancy_discounted(transitions: Any, pi: ArrayLike, mu0: ArrayLike, gamma: float
                         ) -> Occupancy:
    """Discounted occupancy of a stationary policy by one sparse linear solve:

    d = Σ_t γ^t μ_t solves (I - γ P_πᵀ) d = μ₀;  d(s, a) = d(s) π(a|s).

    Source: Puterman (1994), Section 6.9 (the dual LP's occupancy constraints); the same
    measure drives the discounted MCE gradient (Ziebart 2010 thesis, Chapter 9).

    Parameters
    ----------
    transitions : GridWorld, SparseTransitions, FiniteMDP or ndarray (S, A, S)
    pi : array_like, shape (S, A)
    mu0 : array_like, shape (S,)
    gamma : float in [0, 1)

    Returns
    -------
    Occupancy
        ``D = D_sa = None``; ``state`` sums to 1/(1 - γ) (unnormalised).
    """
    T = as_transitions(transitions)
    S, A = T.n_states, T.n_actions
    pi = check_probability(pi, "pi")
    if pi.shape != (S, A):
        raise ValueError(f"`pi` must have shape ({S}, {A}) (got shape {pi.shape})")
    mu0 = _check_mu0(mu0, S)
    gamma = _check_gamma(gamma, allow_one=False)
    M = sp.identity(S, format="csc") - gamma * _policy_matrix(T, pi).T.tocsc()
    d = np.asarray(spla.spsolve(M, mu0)).reshape(S)
    state_action = d[:, None] * pi
    return Occupancy(D=None, D_sa=None, state_action=state_action, state=state_action.sum(axis=1),
                     gamma=gamma, horizon=None)


# =========================================================================== features
def _features_sa(features: ArrayLike, n_states: int, n_actions: int) -> tuple[np.ndarray, bool]:
    """Features as (S, A, K) (a broadcast view for state features) and whether state-only."""
    phi = as_float_array(features, "features")
    if phi.ndim == 2 and phi.shape[0] == n_states:
        return np.broadcast_to(phi[:, None, :], (n_states, n_actions, phi.shape[1])), True
    if phi.ndim == 3 and phi.shape[:2] == (n_states, n_actions):
        return phi, False
    raise ValueError(f"`features` must have shape ({n_states}, K) or ({n_states}, {n_actions}, K) "
                     f"(got shape {phi.shape})")


def feature_expectations(occupancy: Occupancy | ArrayLike, features: ArrayLike) -> np.ndarray:
    """F = Σ_{s,a} d(s, a) φ(s, a) for a (discounted, summed) state-action occupancy d.

    Parameters
    ----------
    occupancy : Occupancy or array_like of shape (S, A)
    features : array_like, shape (S, K) (state features) or (S, A, K)

    Returns
    -------
    ndarray, shape (K,)
    """
    d = occupancy.state_action if isinstance(occupancy, Occupancy) else as_float_array(occupancy, "occupancy")
    if d.ndim != 2:
        raise ValueError(f"`occupancy` must have shape (S, A) (got shape {d.shape})")
    phi = as_float_array(features, "features")
    if phi.ndim == 2 and phi.shape[0] == d.shape[0]:
        return d.sum(axis=1) @ phi
    if phi.ndim == 3 and phi.shape[:2] == d.shape:
        return np.tensordot(d, phi, axes=([0, 1], [0, 1]))
    raise ValueError(f"`features` must have shape ({d.shape[0]}, K) or {d.shape + ('K',)} "
                     f"(got shape {phi.shape})")


def empirical_feature_expectations(states: ArrayLike, actions: ArrayLike, features: ArrayLike, *,
                                   n_actions: int, gamma: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Average discounted feature counts of demonstrations, (1/n) Σ_i Σ_{t<H} γ^t φ(s_t, a_t).

    Source: Ziebart et al. (2008), the empirical feature counts f̃ of the gradient
    (Section "Maximum entropy", learning from demonstrated behavior).

    Parameters
    ----------
    states : array_like of int, shape (n, H + 1) or (n, H)
        Only the first H columns are used (s_H earns nothing).
    actions : array_like of int, shape (n, H)
    features : array_like, shape (S, K) or (S, A, K)
    n_actions : int >= 1, keyword-only
    gamma : float in [0, 1], keyword-only

    Returns
    -------
    F : ndarray, shape (K,)
    occupancy : ndarray, shape (S, A)
        The empirical discounted state-action counts per trajectory.
    """
    s = np.asarray(states)
    a = np.asarray(actions)
    for arr, name in ((s, "states"), (a, "actions")):
        if not np.issubdtype(arr.dtype, np.integer):
            raise TypeError(f"`{name}` must hold integers, got dtype {arr.dtype}")
    if a.ndim != 2 or s.ndim != 2 or s.shape[0] != a.shape[0] or s.shape[1] < a.shape[1]:
        raise ValueError(f"`states` (n, H + 1) and `actions` (n, H) do not match "
                         f"(got shapes {s.shape} and {a.shape})")
    n, H = a.shape
    if n == 0:
        raise ValueError("need at least one trajectory")
    n_actions = check_int(n_actions, "n_actions", minimum=1)
    gamma = _check_gamma(gamma, allow_one=True)
    phi = as_float_array(features, "features")
    n_states = phi.shape[0]
    if s.min() < 0 or s.max() >= n_states or a.min() < 0 or a.max() >= n_actions:
        raise ValueError("`states`/`actions` out of range for `features` / `n_actions`")
    weights = np.broadcast_to(gamma ** np.arange(H), (n, H)).ravel()
    idx = (s[:, :H] * n_actions + a).ravel()
    occ = np.bincount(idx, weights=weights, minlength=n_states * n_actions).reshape(n_states, n_actions) / n
    return feature_expectations(occ, phi), occ


# =========================================================================== Newton
@dataclass
class _Fit:
    theta: np.ndarray
    n_iter: int
    history: np.ndarray
    converged: bool


def _newton_minimise(evaluate: Callable[[np.ndarray, bool], tuple[float, np.ndarray, np.ndarray | None]],
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


def _gradient_minimise(evaluate, theta0, *, lr, tol, max_iter) -> _Fit:
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


def _lbfgs_minimise(evaluate, theta0, *, tol, max_iter) -> _Fit:
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
        When the tolerance is not reached; this happens when no minimiser exists (the data's
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
        log_z, q = _logsumexp_softmax(neg)
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
    log_z, q = _logsumexp_softmax(-cost)
    g = data_mean - q @ F
    mismatch = float(np.max(np.abs(g)))
    if not fit.converged:
        warnings.warn(f"maxent_irl_trajectories ({method}) stopped after {fit.n_iter} iterations with "
                      f"feature mismatch {mismatch:.3g} > tol = {tol:.3g}; increase `max_iter`, or the "
                      "maximum-likelihood cost may not exist (data on the boundary of the feature hull)",
                      ConvergenceWarning, stacklevel=2)
    return MaxEntTrajectoryResult(theta=fit.theta, cost=cost, log_z=float(log_z), p_model=q,
                                  feature_mismatch=mismatch, nll=float(p @ cost + log_z),
                                  n_iter=fit.n_iter, history=fit.history, converged=fit.converged,
                                  method=method)


def _run(evaluate, theta, *, method, lr, tol, max_iter) -> _Fit:
    if method == "newton":
        return _newton_minimise(evaluate, theta, tol=tol, max_iter=max_iter)
    if method == "gradient":
        return _gradient_minimise(evaluate, theta, lr=lr, tol=tol, max_iter=max_iter)
    return _lbfgs_minimise(evaluate, theta, tol=tol, max_iter=max(max_iter, 1))


# =========================================================================== MCE IRL
@dataclass
class MCEDual(ArrayResult):
    """The MCE IRL dual at one θ (see :func:`mce_dual`).

    Attributes
    ----------
    value : float
        f(θ) = μ₀ · V_0^θ - θ · F_E (convex; the IRL minimises it).
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

    def to_dict(self) -> dict:
        out = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            out[f.name] = v.to_dict() if isinstance(v, ArrayResult) else (
                v.tolist() if isinstance(v, np.ndarray) else v)
        return out


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
        self.phi, self.state_only = _features_sa(features, S, A)
        self.phi_state = self.phi[:, 0, :] if self.state_only else None
        self.K = self.phi.shape[-1]
        self.mu0 = _check_mu0(mu0, S)
        self.horizon = None if horizon is None else check_int(horizon, "horizon", minimum=1)
        self.gamma = _check_gamma(gamma, allow_one=self.horizon is not None)
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
        M = (sp.identity(S, format="csc") - g * _policy_matrix(self.T, pi).tocsc())
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
    :func:`mce_irl` optimises), exposed for checks.

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

    Minimises the convex dual f(θ) = μ₀ · V_0^θ - θ · F_E, whose gradient F_θ - F_E is the
    feature-expectation mismatch; at the minimiser the MCE policy matches the expert's
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
    if not fit.converged:
        warnings.warn(f"mce_irl ({method}) stopped after {fit.n_iter} iterations with feature "
                      f"mismatch {mismatch:.3g} > tol = {tol:.3g}; increase `max_iter` (or the "
                      "expert's features are not attainable by a finite reward)",
                      ConvergenceWarning, stacklevel=2)
    occ_mismatch = None if occ_expert is None else float(np.max(np.abs(occ.state - occ_expert)))
    return MCEIRLResult(theta=fit.theta, reward=prob.reward(fit.theta), values=vals, occupancy=occ,
                        feature_expectations=F_model, expert_feature_expectations=prob.expert.copy(),
                        feature_mismatch=mismatch, occupancy_mismatch=occ_mismatch, dual=-f,
                        n_iter=fit.n_iter, history=fit.history, converged=fit.converged, method=method)
