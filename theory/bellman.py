"""The Bellman linear solve: values and discounted occupancy measures of a fixed policy.

One home for the formula every exact policy computation in ganac needs (policy evaluation,
the policy gradient theorem, occupancy measures of MaxEnt IRL and A3C's exact gradients):

    P_π[s, s'] = Σ_a π(a|s) P[s, a, s'],   r_π[s] = Σ_a π(a|s) r(s, a),
    (I - γ P_π) V = r_π,                   Q = r + γ P V,
    d_γᵀ = μ₀ᵀ (I - γ P_π)⁻¹               (d_γ(s) = Σ_t γᵗ Pr(s_t = s | s_0 ~ μ₀)),
    ρ_γ(s, a) = d_γ(s) π(a|s)              (the discounted state-action occupancy).

Papers
------
Sutton, R. S. & Barto, A. G. (2018). Reinforcement Learning: An Introduction (2nd ed.).
    Eq. (4.4) (the Bellman equation for v_π, a linear system solved directly as in
    Section 4.1), eq. (3.13) (q_π) and Section 13.2 (the on-policy distribution, eq. 13.5).
Sutton, R. S., McAllester, D., Singh, S. & Mansour, Y. (2000). Policy Gradient Methods for
    Reinforcement Learning with Function Approximation. NeurIPS.  d^π(s) before Theorem 1
    (start-state formulation).
Puterman, M. L. (1994). Markov Decision Processes. Wiley.  Section 6.9 (the discounted
    state-action frequencies x(s, a) = Σ_t γᵗ Pr(s_t = s, a_t = a) of the dual LP).

Layouts and batching
--------------------
``P[..., s, a, s']`` transition probabilities, ``R[..., s, a]`` (or ``R[..., s, a, s']``)
rewards, ``policy[..., s, a]`` action probabilities, ``mu0[..., s]`` a start distribution,
``gamma`` in [0, 1).  Leading axes are batch axes and broadcast against each other, as in
numpy: one MDP with a batch of policies (``P`` of shape (S, A, S), ``policy`` of shape
(B, S, A)) is solved by one batched LAPACK call (``numpy.linalg.solve``), without a Python loop.

A reward array whose trailing axes equal ``P``'s (S, A, S) is read as transition rewards
R[s, a, s'] (as before batching was added); every other reward is r(s, a) with batch axes.

:func:`bellman_solve` is the unchecked kernel (for solvers that validated their inputs once,
e.g. inside a training loop); :func:`policy_evaluation`, :func:`discounted_state_distribution`
and :func:`discounted_state_action_distribution` check their arguments and raise named errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from theory.validation import (  # noqa: F401  (the MDP validators were first defined here)
    as_float_array,
    check_mu0,
    check_policy,
    check_transitions,
    check_unit_interval,
)

__all__ = [
    "PolicyValues",
    "policy_transition",
    "bellman_system",
    "occupancy_from_system",
    "bellman_solve",
    "state_action_reward",
    "policy_evaluation",
    "discounted_state_distribution",
    "discounted_state_action_distribution",
]


@dataclass(frozen=True)
class PolicyValues:
    """V and Q of a policy (see :func:`policy_evaluation`).

    Source: Sutton & Barto (2018), eqs. (3.12)-(3.13) (definitions of v_π and q_π).

    Attributes
    ----------
    V : ndarray, shape (..., S)
    Q : ndarray, shape (..., S, A)
    """

    V: np.ndarray
    Q: np.ndarray

    @property
    def advantage(self) -> np.ndarray:
        """A(s, a) = Q(s, a) - V(s), shape (..., S, A)."""
        return self.Q - self.V[..., None]


# ============================================================================ kernel


def policy_transition(P: np.ndarray, policy: np.ndarray) -> np.ndarray:
    """The state-to-state transition matrix of a policy (unchecked; batch axes broadcast).

    P_π[..., s, s'] = Σ_a π(a|s) P[s, a, s'].

    Source: Sutton & Barto (2018), eq. (4.4) (the sum over a and s' of the Bellman equation
    for v_π, written as a matrix).

    Parameters
    ----------
    P : ndarray, shape (..., S, A, S)
    policy : ndarray, shape (..., S, A)

    Returns
    -------
    ndarray, shape (..., S, S)
        Rows are probability vectors when those of ``P`` and ``policy`` are.

    Examples
    --------
    >>> P = np.array([[[1.0, 0.0], [0.0, 1.0]], [[0.0, 1.0], [0.0, 1.0]]])  # a=1 moves to s=1
    >>> policy_transition(P, np.array([[0.25, 0.75], [1.0, 0.0]]))
    array([[0.25, 0.75],
           [0.  , 1.  ]])
    """
    return np.einsum("...sa,...sat->...st", policy, P)


def bellman_system(P: np.ndarray, policy: np.ndarray, gamma: float) -> np.ndarray:
    """The matrix I - γ P_π of the Bellman linear system (I - γ P_π) V = r_π (unchecked).

    Source: Sutton & Barto (2018), eq. (4.4), solved as a linear system (Section 4.1).

    Parameters
    ----------
    P : ndarray, shape (..., S, A, S)
    policy : ndarray, shape (..., S, A)
    gamma : float in [0, 1)

    Returns
    -------
    ndarray, shape (..., S, S)

    Examples
    --------
    >>> P = np.ones((1, 1, 1))  # one state, one action, a self-loop
    >>> bellman_system(P, np.ones((1, 1)), 0.5)
    array([[0.5]])
    """
    return np.eye(P.shape[-1]) - gamma * policy_transition(P, policy)


def occupancy_from_system(system: np.ndarray, mu0: np.ndarray) -> np.ndarray:
    """The discounted state occupancy d_γ from the Bellman system (unchecked).

    d_γ solves (I - γ P_π)ᵀ d_γ = μ₀, i.e. d_γ(s) = Σ_t γᵗ Pr(s_t = s | s_0 ~ μ₀), which sums to
    1/(1 - γ).  Clipped at 0: the solve can leave -1e-17 on unreachable states, and a
    visitation is non-negative.

    Source: Sutton et al. (2000), d^π before Theorem 1 (start-state formulation); Puterman
    (1994), Section 6.9.

    Parameters
    ----------
    system : ndarray, shape (..., S, S)
        I - γ P_π, from :func:`bellman_system`.
    mu0 : ndarray, shape (..., S)
        Start distribution.

    Returns
    -------
    ndarray, shape (..., S)

    Examples
    --------
    >>> occupancy_from_system(np.array([[0.5]]), np.array([1.0]))  # 1 / (1 - 0.5)
    array([2.])
    """
    d = np.linalg.solve(np.swapaxes(system, -1, -2), mu0[..., None])[..., 0]
    return np.maximum(d, 0.0)


def bellman_solve(P: np.ndarray, r: np.ndarray, policy: np.ndarray, gamma: float,
                  mu0: np.ndarray | None = None, *, r_pi: np.ndarray | None = None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(V, Q, d_γ) of a policy by batched linear solves (unchecked kernel).

    (I - γ P_π) V = r_π,   Q = r + γ P V,   (I - γ P_π)ᵀ d_γ = μ₀   (d_γ unnormalized,
    summing to 1/(1 - γ)).

    Source: Sutton & Barto (2018), eq. (4.4) and eq. (3.13); Sutton et al. (2000), d^π
    before Theorem 1.

    Parameters
    ----------
    P : ndarray, shape (..., S, A, S)
    r : ndarray, shape (..., S, A)
        Expected rewards r(s, a) (not transition rewards; see :func:`policy_evaluation`).
    policy : ndarray, shape (..., S, A)
    gamma : float in [0, 1)
    mu0 : ndarray, shape (..., S), optional
        Start distribution; None skips the occupancy solve (``d`` is then None).
    r_pi : ndarray, shape (..., S), keyword-only, optional
        The per-state reward of the policy; default Σ_a π(a|s) r(s, a).  A caller with a
        policy-dependent bonus (e.g. an entropy term -τ Σ_a π log π) passes it here; ``Q``
        is still r + γ P V (add the per-action bonus yourself).

    Returns
    -------
    V : ndarray, shape (..., S)
    Q : ndarray, shape (..., S, A)
    d : ndarray, shape (..., S), or None
        Clipped at 0: the solve can leave -1e-17 on unreachable states.

    Notes
    -----
    No validation: the inputs are assumed to be float arrays of matching shapes, rows of
    ``P`` and ``policy`` probability vectors and 0 <= γ < 1, so that I - γ P_π is
    non-singular (its ∞-norm condition number is at most (1 + γ)/(1 - γ)).

    Examples
    --------
    One state with a self-loop and reward 1: V = 1/(1 - γ), and d_γ sums to 1/(1 - γ).

    >>> V, Q, d = bellman_solve(np.ones((1, 1, 1)), np.ones((1, 1)), np.ones((1, 1)), 0.5, np.ones(1))
    >>> V, Q, d
    (array([2.]), array([[2.]]), array([2.]))
    """
    system = bellman_system(P, policy, gamma)
    if r_pi is None:
        r_pi = np.sum(policy * r, axis=-1)
    # numpy >= 2 reads a 1-D right-hand side as one vector and a k-D one as a stack of
    # matrices: the trailing unit axis makes a batch of vectors unambiguous.
    V = np.linalg.solve(system, r_pi[..., None])[..., 0]
    Q = r + gamma * np.einsum("...sat,...t->...sa", P, V)
    return V, Q, (None if mu0 is None else occupancy_from_system(system, mu0))


# ============================================================================ validation


def state_action_reward(P: np.ndarray, R: Any) -> np.ndarray:
    """Expected reward r(s, a) = Σ_s' P[s, a, s'] R[s, a, s'] of transition rewards, or R itself.

    A transition reward on a transition of probability 0 does not count.

    Source: Sutton & Barto (2018), eq. (3.5) (r(s, a) as the expectation of the reward).

    Parameters
    ----------
    P : ndarray, shape (..., S, A, S)
        Checked transitions.
    R : array_like, shape (..., S, A) or (..., S, A, S)
        Rewards r(s, a), or transition rewards R[s, a, s'] when the trailing axes equal ``P``'s.

    Returns
    -------
    ndarray, shape (..., S, A)

    Raises
    ------
    ValueError
        ``R`` of another shape (named).

    Examples
    --------
    >>> P = np.array([[[0.5, 0.5]], [[0.0, 1.0]]])
    >>> state_action_reward(P, np.array([[[2.0, 4.0]], [[7.0, 1.0]]]))
    array([[3.],
           [1.]])
    """
    R = as_float_array(R, "R")
    if R.ndim >= 3 and R.shape[-3:] == P.shape[-3:]:
        # An infinite reward on a transition of probability zero never happens: mask it out.
        return np.einsum("...sat,...sat->...sa", P, np.where(P > 0, R, 0.0))
    if R.ndim >= 2 and R.shape[-2:] == P.shape[-3:-1]:
        return R
    raise ValueError(f"`R` must have shape (..., {P.shape[-3]}, {P.shape[-2]}) or "
                     f"(..., {P.shape[-3]}, {P.shape[-2]}, {P.shape[-1]}) like `P` "
                     f"(got shape {R.shape})")


def _broadcast_batches(names: tuple[str, ...], *pairs: tuple[np.ndarray, int]) -> None:
    """Raise a named error unless the batch axes (all but the last ``k``) broadcast."""
    shapes = [a.shape[:a.ndim - k] for a, k in pairs]
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        listed = ", ".join(f"`{n}` {s}" for n, s in zip(names, shapes))
        raise ValueError(f"the batch axes of {listed} do not broadcast") from None


# ============================================================================ public


def policy_evaluation(P: Any, R: Any, policy: Any, gamma: float) -> PolicyValues:
    r"""V^π and Q^π by one (batched) linear solve.

    .. math::

       (I - \gamma P_\pi)\, V = r_\pi, \qquad Q = r + \gamma P V,

    with :math:`P_\pi[s, s'] = \sum_a \pi(a \mid s) P[s, a, s']` and
    :math:`r_\pi[s] = \sum_a \pi(a \mid s)\, r(s, a)`.

    Source: Sutton & Barto (2018), eq. (4.4) (Bellman equation for v_π, a linear system
    solved directly as in Section 4.1) and eq. (3.13) for q_π.

    Parameters
    ----------
    P : array_like, shape (..., S, A, S)
    R : array_like, shape (..., S, A) or (..., S, A, S)
    policy : array_like, shape (..., S, A)
        Rows are probability vectors (deterministic policies allowed).
    gamma : float in [0, 1)

    Returns
    -------
    PolicyValues
        Fields ``V`` (..., S) and ``Q`` (..., S, A) over the broadcast batch axes; property
        ``advantage``.

    Raises
    ------
    ValueError, TypeError
        Shapes that do not match or batch axes that do not broadcast, rows that are not
        probability vectors, γ outside [0, 1).

    Examples
    --------
    One state, one action, reward 1, γ = 0.9: V = 1 / (1 - 0.9) = 10.

    >>> v = policy_evaluation([[[1.0]]], [[1.0]], [[1.0]], 0.9)
    >>> round(float(v.V[0]), 12), round(float(v.Q[0, 0]), 12)
    (10.0, 10.0)

    A batch of two policies on one two-armed bandit (γ = 0): V = π · r.

    >>> policy_evaluation([[[1.0], [1.0]]], [[1.0, 0.0]], [[[1.0, 0.0]], [[0.25, 0.75]]], 0.0).V.tolist()
    [[1.0], [0.25]]
    """
    P = check_transitions(P)
    r = state_action_reward(P, R)
    policy = check_policy(policy, P)
    gamma = check_unit_interval(gamma, "gamma", open_right=True)
    _broadcast_batches(("P", "R", "policy"), (P, 3), (r, 2), (policy, 2))
    V, Q, _ = bellman_solve(P, r, policy, gamma)
    return PolicyValues(V=V, Q=Q)


def _occupancy_inputs(P, policy, gamma, mu0, normalize):
    P = check_transitions(P)
    policy = check_policy(policy, P)
    gamma = check_unit_interval(gamma, "gamma", open_right=True)
    mu0 = check_mu0(mu0, P.shape[-1])
    if not isinstance(normalize, (bool, np.bool_)):
        raise TypeError(f"`normalize` must be a bool, got {type(normalize).__name__}")
    _broadcast_batches(("P", "policy", "mu0"), (P, 3), (policy, 2), (mu0, 1))
    # Only the occupancy solve: the value solve is not needed here.
    return policy, gamma, occupancy_from_system(bellman_system(P, policy, gamma), mu0)


def discounted_state_distribution(P: Any, policy: Any, gamma: float, mu0: Any, *,
                                  normalize: bool = True) -> np.ndarray:
    """Discounted state visitation d_γ(s) = Σ_t γᵗ Pr(s_t = s), optionally normalized.

    d_γᵀ = μ₀ᵀ (I - γ P_π)⁻¹, whose entries sum to 1/(1 - γ); ``normalize=True`` returns
    (1 - γ) d_γ, a probability vector.

    Source: Sutton et al. (2000), definition of d^π(s) before Theorem 1 (start-state
    formulation); Sutton & Barto (2018), Section 13.2 (on-policy distribution μ(s), eq. 13.5).

    Parameters
    ----------
    P : array_like, shape (..., S, A, S)
    policy : array_like, shape (..., S, A)
    gamma : float in [0, 1)
    mu0 : array_like, shape (..., S)
    normalize : bool, keyword-only
        Scale by (1 - γ) so the result sums to 1 (default) or return the raw sum.

    Returns
    -------
    ndarray, shape (..., S)

    Raises
    ------
    ValueError, TypeError
        As :func:`policy_evaluation`, and for ``mu0`` not a probability vector of length S.

    Examples
    --------
    Two absorbing states started half-and-half: each is visited 1/(1 - γ) times on average
    from its half, so the normalized distribution is (1/2, 1/2) and the raw one sums to 1/(1 - γ).

    >>> P = [[[1.0, 0.0]], [[0.0, 1.0]]]
    >>> discounted_state_distribution(P, [[1.0], [1.0]], 0.5, [0.5, 0.5]).tolist()
    [0.5, 0.5]
    >>> discounted_state_distribution(P, [[1.0], [1.0]], 0.5, [0.5, 0.5], normalize=False).tolist()
    [1.0, 1.0]
    """
    _, gamma, d = _occupancy_inputs(P, policy, gamma, mu0, normalize)
    return (1.0 - gamma) * d if normalize else d


def discounted_state_action_distribution(P: Any, policy: Any, gamma: float, mu0: Any, *,
                                         normalize: bool = True) -> np.ndarray:
    """Discounted state-action occupancy ρ_γ(s, a) = Σ_t γᵗ Pr(s_t = s, a_t = a) = d_γ(s) π(a|s).

    ``normalize=True`` returns (1 - γ) ρ_γ, a probability table over (s, a).

    Source: Puterman (1994), Section 6.9 (discounted state-action frequencies, the variables
    of the dual linear program); Sutton et al. (2000), d^π before Theorem 1.

    Parameters
    ----------
    P, policy, gamma, mu0, normalize
        As :func:`discounted_state_distribution`.

    Returns
    -------
    ndarray, shape (..., S, A)

    Raises
    ------
    ValueError, TypeError
        As :func:`discounted_state_distribution`.

    Examples
    --------
    One state, two actions taken with probabilities 1/4 and 3/4:

    >>> discounted_state_action_distribution([[[1.0], [1.0]]], [[0.25, 0.75]], 0.9, [1.0]).tolist()
    [[0.25, 0.75]]
    """
    policy, gamma, d = _occupancy_inputs(P, policy, gamma, mu0, normalize)
    rho = d[..., None] * policy
    return (1.0 - gamma) * rho if normalize else rho
