"""Small reinforcement-learning problems as finite MDP arrays, with their exact solutions.

A :class:`FiniteMDP` holds the transition tensor ``P[s, a, s']``, the mean rewards
``R[s, a]``, the initial distribution ``mu0[s]`` and the discount ``gamma``, plus a reward
noise model (none, Gaussian, Bernoulli) so that learners can sample.  The factories build a
multi-armed bandit (one state, ``gamma = 0``), the chain of Strens (2000) and random MDPs.

Exact references, for tests and claims (learners never call them):

- :func:`evaluate_policy` (old name ``policy_evaluation``, kept as an alias) — V^π, Q^π,
  J(π) = μ₀ · V^π and the discounted occupancy by the linear solve (I - γ P_π) V = r_π of
  :mod:`theory.bellman` (Sutton & Barto 2018, eq. (4.4) as a linear system);
- :func:`value_iteration` — V*, Q*, a greedy π* and J* by repeated Bellman optimality backups
  (Sutton & Barto 2018, Section 4.4, eq. (4.10)).

The two routes are independent: the tests check that the linear-solve value of the greedy
policy of value iteration equals its V*.

Conventions: states and actions are integers; a policy is an array ``pi[s, a]`` of
probabilities (rows sum to 1); discounted returns Σ_t γᵗ r_t start at t = 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from solvers.results import set_readonly
from theory.validation import check_instance, ConvergenceWarning, as_float_array, as_generator
from theory.validation import check_in, check_int, check_nonnegative, check_positive
from theory.validation import check_probability, check_unit_interval
from theory.bellman import bellman_solve

__all__ = [
    "REWARD_NOISES",
    "FiniteMDP",
    "PolicyEvaluation",
    "ValueIteration",
    "bandit",
    "bernoulli_bandit",
    "chain_mdp",
    "random_mdp",
    "evaluate_policy",
    "policy_evaluation",
    "value_iteration",
    "uniform_policy",
]

REWARD_NOISES = ("none", "gaussian", "bernoulli")


@dataclass(frozen=True, eq=False)
class FiniteMDP:
    """A finite, discounted Markov decision process.

    Source: Sutton & Barto (2018), "Reinforcement Learning: An Introduction" (2nd ed.),
    Section 3.1 (the MDP (S, A, p, r, γ)) and eq. (3.8) (discounted return).

    Parameters
    ----------
    P : array_like, shape (S, A, S)
        ``P[s, a, s']`` = probability of moving to s' after action a in state s; every
        ``P[s, a, :]`` is a probability vector.
    R : array_like, shape (S, A)
        Mean reward of action a in state s.
    mu0 : array_like, shape (S,)
        Initial state distribution.
    gamma : float in [0, 1)
        Discount.
    name : str
    reward_noise : {"none", "gaussian", "bernoulli"}
        How a sampled reward scatters around ``R``: exactly ``R``; ``R + std · N(0, 1)``;
        or a coin with success probability ``R`` (then ``R`` must lie in [0, 1]).
    reward_std : float or array_like of shape (S, A), >= 0
        Standard deviation of the Gaussian noise (ignored otherwise).

    Raises
    ------
    ValueError, TypeError
        Named errors for shapes, probability rows, γ outside [0, 1), negative std, Bernoulli
        means outside [0, 1].

    Notes
    -----
    Arrays are stored read-only; MDPs compare by identity.
    """

    P: np.ndarray
    R: np.ndarray
    mu0: np.ndarray
    gamma: float
    name: str = "mdp"
    reward_noise: str = "none"
    reward_std: Any = 0.0

    def __post_init__(self) -> None:
        P = check_probability(self.P, "P")
        if P.ndim != 3 or P.shape[0] != P.shape[2]:
            raise ValueError(f"`P` must have shape (S, A, S) (got shape {P.shape})")
        s, a = P.shape[:2]
        R = as_float_array(self.R, "R")
        if R.shape != (s, a):
            raise ValueError(f"`R` must have shape ({s}, {a}) like `P` (got shape {R.shape})")
        mu0 = check_probability(self.mu0, "mu0")
        if mu0.shape != (s,):
            raise ValueError(f"`mu0` must have shape ({s},) (got shape {mu0.shape})")
        gamma = check_unit_interval(self.gamma, "gamma", open_right=True)
        if not isinstance(self.name, str):
            raise TypeError(f"`name` must be a string, got {type(self.name).__name__}")
        noise = check_in(self.reward_noise, "reward_noise", REWARD_NOISES)
        std = as_float_array(self.reward_std, "reward_std")
        if std.ndim == 0:
            std = np.full((s, a), float(std))
        if std.shape != (s, a):
            raise ValueError(f"`reward_std` must be a scalar or have shape ({s}, {a}) (got shape {std.shape})")
        if np.any(std < 0):
            raise ValueError(f"`reward_std` must be >= 0 (got minimum {std.min():.6g})")
        if noise == "bernoulli" and np.any((R < 0) | (R > 1)):
            raise ValueError("`R` must lie in [0, 1] for Bernoulli rewards (success probabilities)")
        set_readonly(self, np.float64, P=P, R=R, mu0=mu0, reward_std=std)
        object.__setattr__(self, "gamma", gamma)

    @property
    def n_states(self) -> int:
        return int(self.P.shape[0])

    @property
    def n_actions(self) -> int:
        return int(self.P.shape[1])

    # ------------------------------------------------------------------------ sampling
    def sample_initial(self, n: int, seed: Any) -> np.ndarray:
        """n initial states drawn from ``mu0``, shape (n,), dtype int."""
        n = check_int(n, "n", minimum=0)
        rng = as_generator(seed)
        return sample_rows(np.broadcast_to(self.mu0, (n, self.n_states)), rng)

    def sample_reward(self, s: ArrayLike, a: ArrayLike, seed: Any) -> np.ndarray:
        """Rewards for the pairs (s[i], a[i]) under the noise model, shape of ``s``."""
        s, a = self._check_pairs(s, a)
        rng = as_generator(seed)
        mean = self.R[s, a]
        if self.reward_noise == "gaussian":
            return mean + self.reward_std[s, a] * rng.standard_normal(mean.shape)
        if self.reward_noise == "bernoulli":
            return (rng.random(mean.shape) < mean).astype(np.float64)
        return mean.copy()

    def step(self, s: ArrayLike, a: ArrayLike, seed: Any) -> tuple[np.ndarray, np.ndarray]:
        """One transition for every pair (s[i], a[i]): returns ``(s_next, r)``, vectorized.

        The reward is drawn before the next state, from the same generator.
        """
        s, a = self._check_pairs(s, a)
        if s.ndim != 1:
            raise ValueError(f"`s` and `a` must be 1-D arrays of state/action pairs (got shape "
                             f"{s.shape}); wrap a single pair as step([s], [a], seed)")
        rng = as_generator(seed)
        r = self.sample_reward(s, a, rng)
        return sample_rows(self.P[s, a], rng), r

    def _check_pairs(self, s: ArrayLike, a: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        s = np.asarray(s)
        a = np.asarray(a)
        for arr, name, hi in ((s, "s", self.n_states), (a, "a", self.n_actions)):
            if not np.issubdtype(arr.dtype, np.integer):
                raise TypeError(f"`{name}` must hold integers, got dtype {arr.dtype}")
            if arr.size and (arr.min() < 0 or arr.max() >= hi):
                raise ValueError(f"`{name}` must lie in [0, {hi - 1}] (got range [{arr.min()}, {arr.max()}])")
        if s.shape != a.shape:
            raise ValueError(f"`s` and `a` must have the same shape (got {s.shape} and {a.shape})")
        return s, a


def sample_rows(probs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One categorical draw per row of ``probs`` (shape (n, k)) by inverse CDF."""
    if probs.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    cdf = np.cumsum(probs, axis=-1)
    u = rng.random(probs.shape[0]) * cdf[:, -1]
    idx = (u[:, None] >= cdf).sum(axis=-1)
    # u < cdf[-1] always, but rounding in cumsum may leave trailing zero-probability
    # categories reachable: clip to the last category with positive probability.
    last = probs.shape[1] - 1 - np.argmax(probs[:, ::-1] > 0, axis=-1)
    return np.minimum(idx, last).astype(np.int64)


# ---------------------------------------------------------------------------- factories
def bandit(means: ArrayLike, *, std: ArrayLike = 1.0, name: str = "gaussian-bandit") -> FiniteMDP:
    """A K-armed bandit with Gaussian rewards N(means[a], std²), as a one-state MDP with γ = 0.

    Source: Sutton & Barto (2018), Section 2.1 (the k-armed bandit) and Section 2.3 (the
    10-armed testbed with Gaussian rewards).

    Parameters
    ----------
    means : array_like, shape (K,), K >= 1
    std : float or array_like of shape (K,), >= 0, keyword-only
    name : str, keyword-only

    Returns
    -------
    FiniteMDP
        ``P`` of shape (1, K, 1), ``R = means[None]``, ``mu0 = [1]``, ``gamma = 0``; the
        value of a policy π is J(π) = Σ_a π(a) means[a].
    """
    m = as_float_array(means, "means")
    if m.ndim != 1:
        raise ValueError(f"`means` must be 1-D, shape (K,) (got shape {m.shape})")
    k = m.shape[0]
    sd = as_float_array(std, "std")
    sd = np.broadcast_to(sd, (k,)) if sd.ndim == 0 else sd
    if sd.shape != (k,):
        raise ValueError(f"`std` must be a scalar or have shape ({k},) (got shape {sd.shape})")
    return FiniteMDP(P=np.ones((1, k, 1)), R=m[None, :], mu0=np.ones(1), gamma=0.0, name=name,
                     reward_noise="gaussian", reward_std=sd[None, :])


def bernoulli_bandit(probs: ArrayLike, *, name: str = "bernoulli-bandit") -> FiniteMDP:
    """A K-armed bandit paying 1 with probability probs[a] and 0 otherwise (γ = 0).

    Source: Sutton & Barto (2018), Section 2.1; the Bernoulli arms of Thompson (1933).

    Parameters
    ----------
    probs : array_like, shape (K,), entries in [0, 1]

    Returns
    -------
    FiniteMDP
    """
    pr = as_float_array(probs, "probs")
    if pr.ndim != 1:
        raise ValueError(f"`probs` must be 1-D, shape (K,) (got shape {pr.shape})")
    if np.any((pr < 0) | (pr > 1)):
        raise ValueError("`probs` must lie in [0, 1]")
    k = pr.shape[0]
    return FiniteMDP(P=np.ones((1, k, 1)), R=pr[None, :], mu0=np.ones(1), gamma=0.0, name=name,
                     reward_noise="bernoulli")


def chain_mdp(
    n_states: int = 5,
    *,
    gamma: float = 0.9,
    slip: float = 0.2,
    small_reward: float = 2.0,
    large_reward: float = 10.0,
    start: str = "first",
) -> FiniteMDP:
    """The chain of Strens (2000): walking forward pays only at the far end, returning to the
    start pays a little at once.

    States 0, ..., n-1; action 0 ("forward") moves s → min(s + 1, n - 1) and pays
    ``large_reward`` only when taken in the last state (which it keeps); action 1 ("back")
    returns to state 0 and pays ``small_reward``.  With probability ``slip`` the other action
    is carried out instead (its transition and its reward).

    Source: Strens (2000), "A Bayesian Framework for Reinforcement Learning", ICML, the
    "Chain" problem (5 states, slip 0.2, rewards 2 and 10); section number not confirmed.

    Parameters
    ----------
    n_states : int >= 2
    gamma : float in [0, 1), keyword-only
    slip : float in [0, 1], keyword-only
    small_reward, large_reward : float, keyword-only
    start : {"first", "uniform"}, keyword-only
        ``mu0``: state 0 (as in Strens), or uniform over the chain (eases exploration).

    Returns
    -------
    FiniteMDP
        Deterministic rewards (``reward_noise = "none"``); ``R`` holds the slip-averaged
        expected rewards.

    Notes
    -----
    For γ close to 1 the optimal policy walks forward everywhere while "back" everywhere is a
    local optimum that myopic learners find first.
    """
    n = check_int(n_states, "n_states", minimum=2)
    slip = check_unit_interval(slip, "slip")
    start = check_in(start, "start", ("first", "uniform"))
    small = float(as_float_array(small_reward, "small_reward"))
    large = float(as_float_array(large_reward, "large_reward"))
    states = np.arange(n)
    forward = np.zeros((n, n))
    forward[states, np.minimum(states + 1, n - 1)] = 1.0
    back = np.zeros((n, n))
    back[:, 0] = 1.0
    r_forward = np.where(states == n - 1, large, 0.0)
    r_back = np.full(n, small)
    P = np.stack([(1 - slip) * forward + slip * back, (1 - slip) * back + slip * forward], axis=1)
    R = np.stack([(1 - slip) * r_forward + slip * r_back, (1 - slip) * r_back + slip * r_forward], axis=1)
    mu0 = np.eye(n)[0] if start == "first" else np.full(n, 1.0 / n)
    return FiniteMDP(P=P, R=R, mu0=mu0, gamma=gamma, name=f"chain-{n}")


def random_mdp(
    n_states: int, n_actions: int, seed: Any, *, gamma: float = 0.9, concentration: float = 1.0,
    reward_scale: float = 1.0,
) -> FiniteMDP:
    """A random MDP: Dirichlet(concentration) transition rows, N(0, reward_scale²) mean
    rewards, uniform initial distribution; rewards noise-free.

    Source: the random MDPs ("Garnet"-like) of Bhatnagar et al. (2009), "Natural actor-critic
    algorithms", Section 6 (here with dense Dirichlet rows).

    Parameters
    ----------
    n_states, n_actions : int >= 1
    seed : int, SeedSequence or Generator
    gamma : float in [0, 1), keyword-only
    concentration : float > 0, keyword-only
    reward_scale : float >= 0, keyword-only

    Returns
    -------
    FiniteMDP
    """
    s = check_int(n_states, "n_states", minimum=1)
    a = check_int(n_actions, "n_actions", minimum=1)
    conc = check_positive(concentration, "concentration")
    scale = check_nonnegative(reward_scale, "reward_scale")
    rng = as_generator(seed)
    P = rng.dirichlet(np.full(s, conc), size=(s, a))
    P = P / P.sum(axis=-1, keepdims=True)
    R = scale * rng.standard_normal((s, a))
    return FiniteMDP(P=P, R=R, mu0=np.full(s, 1.0 / s), gamma=gamma, name=f"random-{s}x{a}")


def uniform_policy(mdp: FiniteMDP) -> np.ndarray:
    """π(a | s) = 1/A, shape (S, A)."""
    return np.full((mdp.n_states, mdp.n_actions), 1.0 / mdp.n_actions)


# ---------------------------------------------------------------------------- exact solutions
@dataclass
class PolicyEvaluation:
    """Exact values of a policy (see :func:`evaluate_policy`).

    Attributes
    ----------
    V : ndarray, shape (S,)
    Q : ndarray, shape (S, A)
    J : float
        μ₀ · V, the expected discounted return from the initial distribution.
    occupancy : ndarray, shape (S,)
        Normalized discounted state occupancy d(s) = (1 - γ) Σ_t γᵗ Pr(s_t = s) from μ₀.
    """

    V: np.ndarray
    Q: np.ndarray
    J: float
    occupancy: np.ndarray


def _check_policy(mdp: FiniteMDP, pi: ArrayLike) -> np.ndarray:
    check_instance(mdp, "mdp", FiniteMDP)
    pi = check_probability(pi, "pi")
    if pi.shape != (mdp.n_states, mdp.n_actions):
        raise ValueError(f"`pi` must have shape ({mdp.n_states}, {mdp.n_actions}) (got shape {pi.shape})")
    return pi


def evaluate_policy(mdp: FiniteMDP, pi: ArrayLike) -> PolicyEvaluation:
    """V^π, Q^π, J(π) and the discounted occupancy of a policy on a :class:`FiniteMDP`.

    (I - γ P_π) V = r_π,   Q^π = R + γ P V^π,   J(π) = μ₀ · V^π,
    d = (1 - γ) μ₀ᵀ (I - γ P_π)⁻¹,

    with P_π[s, s'] = Σ_a π(a|s) P[s, a, s'] and r_π[s] = Σ_a π(a|s) R[s, a].  A thin adapter:
    the solve is :func:`theory.bellman.bellman_solve`, the one home of this linear system.

    Source: Sutton & Barto (2018), eq. (4.4) (the Bellman equation for v_π, solved as a
    linear system as in their Section 4.1) and eq. (3.13) for q_π.

    Parameters
    ----------
    mdp : FiniteMDP
    pi : array_like, shape (S, A)

    Returns
    -------
    PolicyEvaluation

    Raises
    ------
    TypeError, ValueError
        ``mdp`` not a FiniteMDP; ``pi`` not probability rows of shape (S, A).
    """
    pi = _check_policy(mdp, pi)
    V, Q, d = bellman_solve(mdp.P, mdp.R, pi, mdp.gamma, mdp.mu0)
    return PolicyEvaluation(V=V, Q=Q, J=float(mdp.mu0 @ V), occupancy=(1.0 - mdp.gamma) * d)


#: Deprecated alias of :func:`evaluate_policy` (the old name clashed with the differently
#: shaped ``theory.bellman.policy_evaluation(P, R, policy, gamma)``); kept so old callers run.
policy_evaluation = evaluate_policy


@dataclass
class ValueIteration:
    """Result of :func:`value_iteration`.

    Attributes
    ----------
    V, Q : ndarray, shapes (S,) and (S, A)
        Optimal values (within ``tol`` in sup norm).
    pi : ndarray, shape (S, A)
        A deterministic greedy policy (ties to the lowest action index).
    J : float
        μ₀ · V*.
    n_iter : int
    residual : float
        Sup-norm change of the last backup.
    converged : bool
    """

    V: np.ndarray
    Q: np.ndarray
    pi: np.ndarray
    J: float
    n_iter: int
    residual: float
    converged: bool


def value_iteration(mdp: FiniteMDP, *, tol: float = 1e-12, max_iter: int = 100_000) -> ValueIteration:
    """Optimal values by Bellman optimality backups V ← max_a (R + γ P V).

    Stops when the sup-norm change is below tol (1 - γ)/(2γ), which bounds the error of V by
    tol/2 (Puterman 1994, Theorem 6.3.1).

    Source: Sutton & Barto (2018), Section 4.4, eq. (4.10) (value iteration).

    Parameters
    ----------
    mdp : FiniteMDP
    tol : float > 0, keyword-only
    max_iter : int >= 1, keyword-only

    Returns
    -------
    ValueIteration

    Warns
    -----
    ConvergenceWarning
        If ``max_iter`` is reached first.
    """
    import warnings

    check_instance(mdp, "mdp", FiniteMDP)
    tol = check_positive(tol, "tol")
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    g = mdp.gamma
    stop = tol * (1.0 - g) / (2.0 * g) if g > 0 else np.inf
    V = np.zeros(mdp.n_states)
    residual = np.inf
    n = 0
    for n in range(1, max_iter + 1):
        Q = mdp.R + g * mdp.P @ V
        new = Q.max(axis=1)
        residual = float(np.max(np.abs(new - V)))
        V = new
        if residual <= stop:
            break
    converged = residual <= stop
    if not converged:
        warnings.warn(f"value iteration stopped after {max_iter} backups with change {residual:.3g}; "
                      "increase `max_iter`", ConvergenceWarning, stacklevel=2)
    Q = mdp.R + g * mdp.P @ V
    pi = np.eye(mdp.n_actions)[np.argmax(Q, axis=1)]
    return ValueIteration(V=V, Q=Q, pi=pi, J=float(mdp.mu0 @ V), n_iter=n, residual=residual,
                          converged=bool(converged))
