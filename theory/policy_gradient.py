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
from scipy.special import softmax

from theory.validation import as_float_array, check_mu0, check_transitions, check_unit_interval
# The Bellman solve (V, Q, d_γ) lives in theory.bellman; re-exported here, where it was first.
from theory.bellman import (  # noqa: F401
    PolicyValues,
    bellman_solve,
    discounted_state_distribution,
    policy_evaluation,
    state_action_reward,
)

__all__ = [
    "PolicyValues",
    "PolicyGradient",
    "policy_evaluation",
    "discounted_state_distribution",
    "exact_policy_gradient",
]


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


def exact_policy_gradient(P: Any, R: Any, logits: Any, gamma: float, mu0: Any) -> PolicyGradient:
    r"""J(θ) = μ₀ · V^{π_θ} and ∂J/∂θ for the tabular softmax policy π_θ(·|s) = softmax(θ[s]).

    .. math::

       \frac{\partial J}{\partial \theta[s, a]} = d_\gamma(s)\, \pi(a \mid s)\, A(s, a),
       \qquad d_\gamma = \mu_0^\top (I - \gamma P_\pi)^{-1} \ \text{(unnormalized)},

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
    P = check_transitions(P)
    if P.ndim != 3:
        raise ValueError(f"`P` must have shape (S, A, S) (got shape {P.shape})")
    r = state_action_reward(P, R)
    if r.shape != P.shape[:2]:
        raise ValueError(f"`R` must have shape {P.shape[:2]} or {P.shape} like `P` (got shape {np.shape(R)})")
    logits = as_float_array(logits, "logits")
    if logits.shape != P.shape[:2]:
        raise ValueError(f"`logits` must have shape {P.shape[:2]} like P[:, :, 0] (got shape {logits.shape})")
    gamma = check_unit_interval(gamma, "gamma", open_right=True)
    mu0 = check_mu0(mu0, P.shape[0])
    if mu0.ndim != 1:
        raise ValueError(f"`mu0` must have shape ({P.shape[0]},) (got shape {mu0.shape})")
    policy = softmax(logits, axis=1)
    # V, Q and d_γ from the one Bellman solve of theory.bellman (the same systems as
    # policy_evaluation and discounted_state_distribution).
    V, Q, d = bellman_solve(P, r, policy, gamma, mu0)
    grad = d[:, None] * policy * (Q - V[:, None])
    return PolicyGradient(J=float(mu0 @ V), grad=grad)
