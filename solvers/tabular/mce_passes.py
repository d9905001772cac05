"""Maximum causal entropy passes on an MDP: soft value iteration (backward), occupancy measures
(forward) and feature expectations, the numerics under :func:`solvers.tabular.maxent_irl.mce_irl`.

Soft value iteration (Ziebart, Bagnell & Dey 2010; Ziebart's 2010 thesis, recurrences
(9.1)-(9.3), numbered as cited by imitation's ``mce_partition_fh``)

    Q_t(s, a) = r(s, a) + γ Σ_s' P(s' | s, a) V_{t+1}(s'),   V_H ≡ 0,
    V_t(s)    = log Σ_a exp Q_t(s, a),
    π_t(a | s) = exp(Q_t(s, a) - V_t(s)),

its discounted stationary analogue, state(-action) occupancy measures by a forward pass (or one
sparse linear solve when discounted), and F = Σ_t γ^t E[φ(s_t, a_t)].  Conventions (sparse
(S·A, S) transitions, reward and feature shapes, horizons) are those of
:mod:`solvers.tabular.maxent_irl`, which re-exports every public name here.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any
import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from numpy.typing import ArrayLike
from solvers.results import ArrayResult
from solvers.problems.gridworld import SparseTransitions, as_transitions
from theory.validation import ConvergenceWarning, as_float_array, check_in, check_int
from theory.validation import check_mu0, check_positive, check_probability, check_unit_interval

# =========================================================================== numerics
def logsumexp_softmax(q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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
    return logsumexp_softmax(q)[1]


def _reward_sa(reward: ArrayLike, n_states: int, n_actions: int) -> tuple[np.ndarray, bool]:
    """(reward as an (S, A) array, whether it was a state reward)."""
    r = as_float_array(reward, "reward")
    if r.shape == (n_states,):
        return np.repeat(r[:, None], n_actions, axis=1), True
    if r.shape != (n_states, n_actions):
        raise ValueError(f"`reward` must have shape ({n_states},) or ({n_states}, {n_actions}) "
                         f"(got shape {r.shape})")
    return r, False


def check_gamma(gamma: Any, *, allow_one: bool) -> float:
    """``gamma`` in [0, 1) (or [0, 1] with ``allow_one``); ValueError naming it otherwise."""
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
    gamma = check_gamma(gamma, allow_one=True)
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
    P_pi = policy_matrix(T, pi)
    M = sp.identity(T.n_states, format="csc") - gamma * P_pi.tocsc()
    return np.asarray(spla.spsolve(M, r_pi)).reshape(T.n_states)


def policy_matrix(T: SparseTransitions, pi: np.ndarray) -> sp.csr_matrix:
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

    ``method="policy_iteration"`` alternates exact evaluation of the entropy-regularized value
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
    gamma = check_gamma(gamma, allow_one=False)
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
            new, _ = logsumexp_softmax(r + gamma * T.expect(V))
            residual = float(np.max(np.abs(new - V)))
            V = new
            if residual <= stop:
                break
        converged = residual <= stop
    else:
        _, pi = logsumexp_softmax(r)
        for n in range(1, max_iter + 1):
            new = _soft_policy_evaluation(T, r, pi, gamma)
            residual = float(np.max(np.abs(new - V)))
            V = new
            _, pi = logsumexp_softmax(r + gamma * T.expect(V))
            if residual <= tol:
                break
        converged = residual <= tol
    if not converged:
        warnings.warn(f"soft value iteration stopped after {max_iter} iterations with change "
                      f"{residual:.3g}; increase `max_iter`", ConvergenceWarning, stacklevel=2)
    Q = r + gamma * T.expect(V)
    V, pi = logsumexp_softmax(Q)
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
        unnormalized: sums to (1 - γ^H)/(1 - γ), resp. 1/(1 - γ)).
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
    mu0 = check_mu0(mu0, S, batched=False)
    gamma = check_gamma(gamma, allow_one=True)
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
        ``D = D_sa = None``; ``state`` sums to 1/(1 - γ) (unnormalized).
    """
    T = as_transitions(transitions)
    S, A = T.n_states, T.n_actions
    pi = check_probability(pi, "pi")
    if pi.shape != (S, A):
        raise ValueError(f"`pi` must have shape ({S}, {A}) (got shape {pi.shape})")
    mu0 = check_mu0(mu0, S, batched=False)
    gamma = check_gamma(gamma, allow_one=False)
    M = sp.identity(S, format="csc") - gamma * policy_matrix(T, pi).T.tocsc()
    d = np.asarray(spla.spsolve(M, mu0)).reshape(S)
    state_action = d[:, None] * pi
    return Occupancy(D=None, D_sa=None, state_action=state_action, state=state_action.sum(axis=1),
                     gamma=gamma, horizon=None)


# =========================================================================== features
def features_sa(features: ArrayLike, n_states: int, n_actions: int) -> tuple[np.ndarray, bool]:
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
    gamma = check_gamma(gamma, allow_one=True)
    phi = as_float_array(features, "features")
    n_states = phi.shape[0]
    if s.min() < 0 or s.max() >= n_states or a.min() < 0 or a.max() >= n_actions:
        raise ValueError("`states`/`actions` out of range for `features` / `n_actions`")
    weights = np.broadcast_to(gamma ** np.arange(H), (n, H)).ravel()
    idx = (s[:, :H] * n_actions + a).ravel()
    occ = np.bincount(idx, weights=weights, minlength=n_states * n_actions).reshape(n_states, n_actions) / n
    return feature_expectations(occ, phi), occ
