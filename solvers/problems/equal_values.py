"""The random MDPs with equal optimal action values and the state features of the neural
overestimation checks (van Hasselt, Guez & Silver 2016, Section 4; :mod:`solvers.neural.dqn`
re-exports every name here).
"""

from __future__ import annotations

from typing import Any

import numpy as onp

from solvers.problems.rl_toys import FiniteMDP
from theory.validation import as_float_array, as_generator, check_int, check_nonnegative
from theory.validation import check_positive, check_unit_interval

# ---------------------------------------------------------------------------------------------
# problems and features
# ---------------------------------------------------------------------------------------------


def equal_values_mdp(
    n_states: int, n_actions: int, seed: Any, *, gamma: float = 0.9, reward_std: float = 1.0,
    v_star: Any = None, concentration: float = 1.0,
) -> FiniteMDP:
    """A random MDP in which every action of a state has the same true value, with Gaussian
    reward noise: the setting of van Hasselt et al.'s Theorem 1 at every state.

    All actions of state s share one transition row p_s ~ Dirichlet(concentration) and one
    mean reward r_s, chosen so that the optimal values are a prescribed vector V*:

        r = (I − γ P̄) V*,   P̄[s, s'] = p_s(s'),   hence  Q*(s, a) = V*(s) for every a.

    Sampled rewards are r_s + reward_std · N(0, 1).

    Source: van Hasselt et al. (2016), Section 3, Theorem 1 (m ≥ 2 actions whose true
    values all equal V*(s)); the construction itself is ours.

    Parameters
    ----------
    n_states : int >= 1
    n_actions : int >= 1
        m, the number of (equally good) actions.
    seed : int, SeedSequence or Generator
        Randomness of the transition rows.
    gamma : float in [0, 1), keyword-only
    reward_std : float >= 0, keyword-only
        Standard deviation of the reward noise.
    v_star : array_like of shape (n_states,) or None, keyword-only
        The optimal values to build in; ``None`` gives ``linspace(-1, 1, n_states)``.
    concentration : float > 0, keyword-only

    Returns
    -------
    FiniteMDP
        With ``reward_noise="gaussian"``; ``value_iteration`` on it returns V* = ``v_star``
        (an independent check of the construction).

    Raises
    ------
    ValueError, TypeError
        Named errors for the arguments.
    """
    s = check_int(n_states, "n_states", minimum=1)
    a = check_int(n_actions, "n_actions", minimum=1)
    gamma = check_unit_interval(gamma, "gamma", open_right=True)
    std = check_nonnegative(reward_std, "reward_std")
    conc = check_positive(concentration, "concentration")
    if v_star is None:
        v = onp.linspace(-1.0, 1.0, s) if s > 1 else onp.zeros(1)
    else:
        v = as_float_array(v_star, "v_star")
        if v.shape != (s,):
            raise ValueError(f"`v_star` must have shape ({s},) (got shape {v.shape})")
    rng = as_generator(seed)
    rows = rng.dirichlet(onp.full(s, conc), size=s)
    rows = rows / rows.sum(axis=-1, keepdims=True)
    r = v - gamma * rows @ v
    P = onp.repeat(rows[:, None, :], a, axis=1)
    R = onp.repeat(r[:, None], a, axis=1)
    return FiniteMDP(P=P, R=R, mu0=onp.full(s, 1.0 / s), gamma=gamma, name=f"equal-values-{s}x{a}",
                     reward_noise="gaussian", reward_std=std)


def one_hot_features(n_states: int) -> onp.ndarray:
    """φ(s) = e_s, the identity matrix of shape (n_states, n_states)."""
    return onp.eye(check_int(n_states, "n_states", minimum=1))


def random_features(n_states: int, dim: int, seed: Any) -> onp.ndarray:
    """Gaussian random features φ(s) ~ N(0, I_dim / dim), shape (n_states, dim).

    With dim < n_states the Q-table is in general not representable by a linear head, so the
    network's errors are partly function-approximation errors (the regime of van Hasselt et
    al. 2015, Section 3, Figure 2).

    Source: van Hasselt et al. (2016), Section 3 (estimation errors from function
    approximation); the features themselves are our choice.
    """
    s = check_int(n_states, "n_states", minimum=1)
    d = check_int(dim, "dim", minimum=1)
    return as_generator(seed).standard_normal((s, d)) / onp.sqrt(d)
