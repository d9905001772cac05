"""Exact policy evaluation and policy gradients on finite discounted MDPs.

Papers
------
Sutton, R. S., McAllester, D., Singh, S. & Mansour, Y. (2000). Policy Gradient Methods for
    Reinforcement Learning with Function Approximation. NeurIPS.  Theorem 1 (the policy
    gradient theorem, start-state formulation) and Theorem 2 (compatible function
    approximation).
Sutton, R. S. & Barto, A. G. (2018). Reinforcement Learning: An Introduction (2nd ed.).
    Eq. (4.4) (Bellman equation), Section 13.2 (the policy gradient theorem, eq. 13.5) and
    Section 13.4 (baselines, eq. 13.10).

Layouts
-------
``P[s, a, s']`` transition probabilities; ``R[s, a]`` or ``R[s, a, s']`` rewards;
``policy[s, a]`` action probabilities; ``logits[s, a]`` with policy = softmax over a;
``mu0[s]`` the start distribution; ``gamma`` in [0, 1).

With P_π[s, s'] = Σ_a π(a|s) P[s, a, s'] and r(s, a) = Σ_s' P[s, a, s'] R[s, a, s'],

    V = (I - γ P_π)⁻¹ r_π,       Q = r + γ P V,       A = Q - V,
    d_γ(s) = Σ_t γᵗ Pr(s_t = s | s_0 ~ μ₀) = [μ₀ᵀ (I - γ P_π)⁻¹](s),
    ∂J/∂θ[s, a] = d_γ(s) π(a|s) A(s, a)     for the tabular softmax policy,

the last line being Theorem 1 of Sutton et al. (2000) with ∂π(b|s)/∂θ[s, a] = π(b|s)(1[a=b] - π(a|s)).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.linalg import lu_factor, lu_solve
from scipy.special import softmax

from theory._validation import as_float_array, check_probability, check_unit_interval

__all__ = [
    "PolicyValues",
    "PolicyGradient",
    "policy_evaluation",
    "discounted_state_distribution",
    "exact_policy_gradient",
]


@dataclass(frozen=True)
class PolicyValues:
    """V and Q of a policy (see :func:`policy_evaluation`).

    Source: Sutton & Barto (2018), eqs. (3.12)-(3.13) (definitions of v_π and q_π).

    Attributes
    ----------
    V : ndarray, shape (S,)
    Q : ndarray, shape (S, A)
    """

    V: np.ndarray
    Q: np.ndarray

    @property
    def advantage(self) -> np.ndarray:
        """A(s, a) = Q(s, a) - V(s), shape (S, A)."""
        return self.Q - self.V[:, None]


@dataclass(frozen=True)
class PolicyGradient:
    """Expected return and its exact gradient (see :func:`exact_policy_gradient`).

    Source: Sutton et al. (2000), Theorem 1.

    Attributes
    ----------
    J : float
        μ₀ · V.
    grad : ndarray, shape (S, A)
        ∂J/∂logits.
    """

    J: float
    grad: np.ndarray


def _check_transitions(P: Any) -> np.ndarray:
    P = check_probability(P, "P")
    if P.ndim != 3 or P.shape[0] != P.shape[2]:
        raise ValueError(f"`P` must have shape (S, A, S) (got shape {P.shape})")
    return P


def _expected_reward(P: np.ndarray, R: Any) -> np.ndarray:
    """r(s, a) = Σ_s' P[s, a, s'] R[s, a, s'] for 3-D rewards, R itself for 2-D rewards."""
    R = as_float_array(R, "R")
    if R.shape == P.shape[:2]:
        return R
    if R.shape == P.shape:
        # An infinite reward on a transition of probability zero never happens: mask it out.
        return np.einsum("sat,sat->sa", P, np.where(P > 0, R, 0.0))
    raise ValueError(f"`R` must have shape {P.shape[:2]} or {P.shape} like `P` (got shape {R.shape})")


def _check_policy(policy: Any, shape: tuple[int, int]) -> np.ndarray:
    policy = check_probability(policy, "policy")
    if policy.shape != shape:
        raise ValueError(f"`policy` must have shape {shape} like P[:, :, 0] (got shape {policy.shape})")
    return policy


def _check_mu0(mu0: Any, n_states: int) -> np.ndarray:
    mu0 = check_probability(mu0, "mu0")
    if mu0.shape != (n_states,):
        raise ValueError(f"`mu0` must have shape ({n_states},) (got shape {mu0.shape})")
    return mu0


def _state_transition(P: np.ndarray, policy: np.ndarray) -> np.ndarray:
    return np.einsum("sa,sat->st", policy, P)


def policy_evaluation(P: Any, R: Any, policy: Any, gamma: float) -> PolicyValues:
    """V^π and Q^π by one linear solve.

    (I - γ P_π) V = r_π,   Q = r + γ P V,
    with P_π[s, s'] = Σ_a π(a|s) P[s, a, s'] and r_π[s] = Σ_a π(a|s) r(s, a).

    Source: Sutton & Barto (2018), eq. (4.4) (Bellman equation for v_π, a linear system
    solved directly as in Section 4.1) and eq. (3.13) for q_π.

    Parameters
    ----------
    P : array_like, shape (S, A, S)
    R : array_like, shape (S, A) or (S, A, S)
    policy : array_like, shape (S, A)
        Rows are probability vectors (deterministic policies allowed).
    gamma : float in [0, 1)

    Returns
    -------
    PolicyValues
        Fields ``V`` (S,) and ``Q`` (S, A); property ``advantage``.

    Raises
    ------
    ValueError, TypeError
        Shapes that do not match, rows that are not probability vectors, γ outside [0, 1).

    Examples
    --------
    One state, one action, reward 1, γ = 0.9: V = 1 / (1 - 0.9) = 10.

    >>> v = policy_evaluation([[[1.0]]], [[1.0]], [[1.0]], 0.9)
    >>> round(float(v.V[0]), 12), round(float(v.Q[0, 0]), 12)
    (10.0, 10.0)
    """
    P = _check_transitions(P)
    r = _expected_reward(P, R)
    policy = _check_policy(policy, P.shape[:2])
    gamma = check_unit_interval(gamma, "gamma", open_right=True)
    n = P.shape[0]
    system = np.eye(n) - gamma * _state_transition(P, policy)
    V = np.linalg.solve(system, np.sum(policy * r, axis=1))
    Q = r + gamma * (P @ V)
    return PolicyValues(V=V, Q=Q)


def discounted_state_distribution(P: Any, policy: Any, gamma: float, mu0: Any, *,
                                  normalize: bool = True) -> np.ndarray:
    """Discounted state visitation d_γ(s) = Σ_t γᵗ Pr(s_t = s), optionally normalised.

    d_γᵀ = μ₀ᵀ (I - γ P_π)⁻¹, whose entries sum to 1/(1 - γ); ``normalize=True`` returns
    (1 - γ) d_γ, a probability vector.

    Source: Sutton et al. (2000), definition of d^π(s) before Theorem 1 (start-state
    formulation); Sutton & Barto (2018), Section 13.2 (on-policy distribution μ(s), eq. 13.5).

    Parameters
    ----------
    P : array_like, shape (S, A, S)
    policy : array_like, shape (S, A)
    gamma : float in [0, 1)
    mu0 : array_like, shape (S,)
    normalize : bool, keyword-only
        Scale by (1 - γ) so the result sums to 1 (default) or return the raw sum.

    Returns
    -------
    ndarray, shape (S,)

    Raises
    ------
    ValueError, TypeError
        As :func:`policy_evaluation`, and for ``mu0`` not a probability vector of length S.

    Examples
    --------
    Two absorbing states started half-and-half: each is visited 1/(1 - γ) times on average
    from its half, so the normalised distribution is (1/2, 1/2) and the raw one sums to 1/(1 - γ).

    >>> P = [[[1.0, 0.0]], [[0.0, 1.0]]]
    >>> discounted_state_distribution(P, [[1.0], [1.0]], 0.5, [0.5, 0.5]).tolist()
    [0.5, 0.5]
    >>> discounted_state_distribution(P, [[1.0], [1.0]], 0.5, [0.5, 0.5], normalize=False).tolist()
    [1.0, 1.0]
    """
    P = _check_transitions(P)
    policy = _check_policy(policy, P.shape[:2])
    gamma = check_unit_interval(gamma, "gamma", open_right=True)
    mu0 = _check_mu0(mu0, P.shape[0])
    if not isinstance(normalize, (bool, np.bool_)):
        raise TypeError(f"`normalize` must be a bool, got {type(normalize).__name__}")
    system = np.eye(P.shape[0]) - gamma * _state_transition(P, policy)
    d = np.linalg.solve(system.T, mu0)
    # The solve can leave -1e-17 on unreachable states; visitation is non-negative.
    d = np.maximum(d, 0.0)
    return (1.0 - gamma) * d if normalize else d


def exact_policy_gradient(P: Any, R: Any, logits: Any, gamma: float, mu0: Any) -> PolicyGradient:
    """J(θ) = μ₀ · V^{π_θ} and ∂J/∂θ for the tabular softmax policy π_θ(·|s) = softmax(θ[s]).

    ∂J/∂θ[s, a] = d_γ(s) π(a|s) A(s, a),   d_γ = μ₀ᵀ (I - γ P_π)⁻¹ (unnormalised),

    i.e. the policy gradient theorem ∇J = Σ_s d_γ(s) Σ_b ∇π(b|s) Q(s, b) with the softmax
    Jacobian ∂π(b|s)/∂θ[s, a] = π(b|s)(1[a = b] - π(a|s)); the baseline V(s) drops out because
    Σ_b ∂π(b|s)/∂θ[s, a] = 0.

    Source: Sutton et al. (2000), Theorem 1 (start-state formulation, J = ρ(π) with
    d^π(s) = Σ_t γᵗ Pr(s_t = s | s_0, π)); Sutton & Barto (2018), eq. (13.5) and eq. (13.9)
    (the softmax score ∇ ln π).

    Parameters
    ----------
    P : array_like, shape (S, A, S)
    R : array_like, shape (S, A) or (S, A, S)
    logits : array_like, shape (S, A)
        Finite reals; large logits (deterministic limits) are handled by a stable softmax.
    gamma : float in [0, 1)
    mu0 : array_like, shape (S,)

    Returns
    -------
    PolicyGradient
        Fields ``J`` (float) and ``grad`` (S, A).

    Raises
    ------
    ValueError, TypeError
        As :func:`policy_evaluation` and :func:`discounted_state_distribution`, and for
        non-finite logits or logits of the wrong shape.

    Examples
    --------
    A one-state bandit with rewards (1, 0), γ = 0 and uniform logits: J = 1/2 and
    ∂J/∂θ = π ⊙ (r - J) = (1/4, -1/4).

    >>> g = exact_policy_gradient([[[1.0], [1.0]]], [[1.0, 0.0]], [[0.0, 0.0]], 0.0, [1.0])
    >>> g.J, g.grad.tolist()
    (0.5, [[0.25, -0.25]])
    """
    P = _check_transitions(P)
    r = _expected_reward(P, R)
    logits = as_float_array(logits, "logits")
    if logits.shape != P.shape[:2]:
        raise ValueError(f"`logits` must have shape {P.shape[:2]} like P[:, :, 0] (got shape {logits.shape})")
    gamma = check_unit_interval(gamma, "gamma", open_right=True)
    mu0 = _check_mu0(mu0, P.shape[0])
    policy = softmax(logits, axis=1)
    # One LU factorisation of I - γ P_π serves V (a solve) and d_γ (a transposed solve): the
    # same systems as policy_evaluation and discounted_state_distribution, factorised once.
    lu = lu_factor(np.eye(P.shape[0]) - gamma * _state_transition(P, policy), check_finite=False)
    V = lu_solve(lu, np.sum(policy * r, axis=1), check_finite=False)
    # The solve can leave -1e-17 on unreachable states; visitation is non-negative.
    d = np.maximum(lu_solve(lu, mu0, trans=1, check_finite=False), 0.0)
    Q = r + gamma * (P @ V)
    grad = d[:, None] * policy * (Q - V[:, None])
    return PolicyGradient(J=float(mu0 @ V), grad=grad)
