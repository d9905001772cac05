"""Sutton & Barto's maximization-bias MDP (Example 6.7) and exact references for it.

Two non-terminal states, A (where every episode starts) and B::

    terminal  <--(any of n_b actions, reward ~ N(μ, σ²))--  B  <--(left, 0)--  A  --(right, 0)-->  terminal

With μ = -0.1 and σ = 1 (the book's values) the expected return of "left" is μ < 0 and
"right" (return 0) is optimal; under ε-greedy behaviour with respect to the optimal values
"left" is taken with probability ε/2 only (5 % for ε = 0.1), the dashed "optimal" line of
Figure 6.5.  The book does not state how many actions B has ("many"); here it is the parameter
``n_b_actions`` (default 10, the choice of the public reproduction
ShangtongZhang/reinforcement-learning-an-introduction, ``chapter06/maximization_bias.py``).

Besides the problem itself (:class:`MaxBiasMDP`) this module holds exact references that
learners never call (DESIGN.md, independence rule):

- :func:`epsilon_greedy_left_probability` — ε/2 (or 1 - ε/2 when left is optimal, μ > 0);
- :func:`early_left_probability` — the exact probability that tabular Q-learning (episodes 1-4)
  or Double Q-learning (episodes 1-3) takes "left" in A at a given early episode, derived by
  enumerating what happened in the earlier episodes and integrating over the Gaussian
  rewards (derivation in its docstring);
- :meth:`MaxBiasMDP.as_finite_mdp` — the same MDP as an :class:`~solvers.problems.rl_toys.FiniteMDP`
  (terminal as an absorbing zero-reward state) for cross-checks with ``value_iteration``.

Source: Sutton & Barto (2018), "Reinforcement Learning: An Introduction" (2nd ed.), Section 6.7
"Maximization Bias and Double Learning", Example 6.7 and Figure 6.5.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import integrate
from scipy.stats import norm

from solvers.problems.rl_toys import FiniteMDP
from theory.validation import as_float_array, as_generator, check_in, check_int, check_nonnegative
from theory.validation import check_unit_interval

__all__ = [
    "STATE_A",
    "STATE_B",
    "TERMINAL",
    "LEFT",
    "RIGHT",
    "DEFAULT_N_B_ACTIONS",
    "MaxBiasMDP",
    "epsilon_greedy_left_probability",
    "early_left_probability",
]

#: State indices (also those of :meth:`MaxBiasMDP.as_finite_mdp`).
STATE_A, STATE_B, TERMINAL = 0, 1, 2
#: Action indices in A.
LEFT, RIGHT = 0, 1
#: Number of actions in B used by the Figure 6.5 reproduction (the book says only "many").
DEFAULT_N_B_ACTIONS = 10
#: Discount of the FiniteMDP view: FiniteMDP requires γ < 1; every episode ends within two
#: steps, so the values differ from the undiscounted ones by (1 - γ)|μ| = 1e-10 at most.
FINITE_MDP_GAMMA = 1.0 - 1e-9


@dataclass(frozen=True)
class MaxBiasMDP:
    """The maximization-bias MDP of Sutton & Barto (2018), Example 6.7.

    From A, "left" (action 0) leads to B and "right" (action 1) ends the episode, both with
    reward 0; each of B's ``n_b_actions`` actions ends the episode with reward N(μ, σ²).
    Exact values (γ = 1): q*(B, b) = μ for every b, q*(A, left) = μ, q*(A, right) = 0.

    Source: Sutton & Barto (2018), Section 6.7, Example 6.7 (μ = -0.1, σ² = 1).

    Parameters
    ----------
    n_b_actions : int >= 1
        Number of actions in B (not given in the book; Figure 6.5 here uses 10).
    reward_mean : float
        μ, the mean reward of B's actions (-0.1 in the book).
    reward_std : float >= 0
        σ, their standard deviation (1 in the book).

    Raises
    ------
    ValueError, TypeError
        Named errors for a non-integer or non-positive ``n_b_actions``, a non-finite mean or a
        negative std.
    """

    n_b_actions: int = DEFAULT_N_B_ACTIONS
    reward_mean: float = -0.1
    reward_std: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "n_b_actions", check_int(self.n_b_actions, "n_b_actions", minimum=1))
        mean = as_float_array(self.reward_mean, "reward_mean")
        if mean.ndim != 0:
            raise ValueError(f"`reward_mean` must be a scalar (got shape {mean.shape})")
        object.__setattr__(self, "reward_mean", float(mean))
        object.__setattr__(self, "reward_std", check_nonnegative(self.reward_std, "reward_std"))

    @property
    def q_star_a(self) -> np.ndarray:
        """Exact q*(A, ·) = [μ, 0] (left, right), γ = 1."""
        return np.array([self.reward_mean, 0.0])

    @property
    def q_star_b(self) -> np.ndarray:
        """Exact q*(B, ·) = μ for each of B's actions, shape (n_b_actions,)."""
        return np.full(self.n_b_actions, self.reward_mean)

    def sample_b_rewards(self, n: int, seed) -> np.ndarray:
        """n rewards of B's actions, N(μ, σ²), shape (n,)."""
        n = check_int(n, "n", minimum=0)
        rng = as_generator(seed)
        return self.reward_mean + self.reward_std * rng.standard_normal(n)

    def as_finite_mdp(self, *, gamma: float = FINITE_MDP_GAMMA) -> FiniteMDP:
        """The same MDP as a :class:`FiniteMDP` with states (A, B, terminal).

        The terminal state is absorbing with reward 0, so every return is the same as in the
        episodic MDP.  FiniteMDP needs a common action count and γ < 1:

        - actions: max(2, n_b_actions) in every state; a state with fewer real actions gets
          copies of its last real action (A's padded actions copy "right", B's copy its last
          action), so V* and the q* of the real actions are unchanged;
        - γ: default 1 - 1e-9.  Episodes end within two steps, so q_γ(A, left) = γ μ and every
          other value is independent of γ: the γ = 1 values are within (1 - γ)|μ| of these.

        Rewards are Gaussian with std σ on B's actions and noise-free elsewhere.  Learners that
        use this view should treat :data:`TERMINAL` as the end of an episode; the episodic
        learning curve of Figure 6.5 (where ε-greedy sees exactly two actions in A) is
        :func:`solvers.tabular.qlearning.max_bias_experiment`.

        Parameters
        ----------
        gamma : float in [0, 1), keyword-only

        Returns
        -------
        FiniteMDP
            ``P`` of shape (3, max(2, n_b), 3), ``mu0 = [1, 0, 0]``.
        """
        gamma = check_unit_interval(gamma, "gamma", open_right=True)
        n_act = max(2, self.n_b_actions)
        P = np.zeros((3, n_act, 3))
        P[STATE_A, LEFT, STATE_B] = 1.0
        P[STATE_A, RIGHT:, TERMINAL] = 1.0  # right and its padded copies
        P[STATE_B, :, TERMINAL] = 1.0  # B's actions (padded copies included)
        P[TERMINAL, :, TERMINAL] = 1.0
        R = np.zeros((3, n_act))
        R[STATE_B, :] = self.reward_mean
        std = np.zeros((3, n_act))
        std[STATE_B, :] = self.reward_std
        return FiniteMDP(P=P, R=R, mu0=np.eye(3)[STATE_A], gamma=gamma,
                         name=f"maxbias-{self.n_b_actions}", reward_noise="gaussian", reward_std=std)


def epsilon_greedy_left_probability(epsilon: float, reward_mean: float = -0.1) -> float:
    """Probability of "left" in A under the ε-greedy policy greedy w.r.t. q*.

    ε/2 when right is optimal (μ < 0), 1 - ε/2 when left is (μ > 0), 1/2 when they tie (μ = 0,
    ties broken uniformly): the "optimal" line of Figure 6.5 (5 % for ε = 0.1).

    Source: Sutton & Barto (2018), Figure 6.5 ("the 5% minimum probability enforced by
    ε-greedy action selection with ε = 0.1"), Section 6.7.

    Parameters
    ----------
    epsilon : float in [0, 1]
    reward_mean : float

    Returns
    -------
    float
    """
    eps = check_unit_interval(epsilon, "epsilon")
    mean = float(as_float_array(reward_mean, "reward_mean"))
    greedy_left = 1.0 if mean > 0 else (0.0 if mean < 0 else 0.5)
    return eps / 2.0 + (1.0 - eps) * greedy_left


def early_left_probability(
    method: str,
    episode: int,
    *,
    n_b_actions: int = DEFAULT_N_B_ACTIONS,
    alpha: float = 0.1,
    epsilon: float = 0.1,
    reward_mean: float = -0.1,
    reward_std: float = 1.0,
) -> float:
    """Exact probability that the learner takes "left" in A at an early ``episode`` (1-based).

    Setting of Figure 6.5: all estimates start at 0, ε-greedy behaviour with ties broken
    uniformly at random (Double Q on Q1 + Q2), constant step α, γ = 1.

    Derivation.  Write h = 1 - ε/2, and P(left) = ε/2 + (1 - ε) g with g = 1, 1/2, 0 when the
    behaviour estimate of left in A is >, =, < that of right.  Q(A, right) only ever moves
    towards 0 from 0, so it stays 0, and g depends on the sign of the left estimate only.  The
    update of Q(A, left) in an episode uses B's estimates *before* B's update of the same
    episode, so the first left visit leaves Q(A, left) = 0 and (for α > 0; α = 0 gives 1/2
    throughout):

    - episodes 1 and 2: every estimate of A is 0, P = 1/2 (both methods);
    - Q-learning, episode 3 (n_b >= 2): only after two left visits (probability 1/4) is
      Q(A, left) = α max(α r₁, 0) non-zero, positive iff r₁ > 0 (probability p = Φ(μ/σ));
      P₃ = 1/2 + (1 - ε) p / 8.  For n_b = 1, Q(A, left) = α² r₁ and
      P₃ = 1/2 + (1 - ε)(p - 1/2)/4;
    - Double Q, episode 3: after ep. 1 (left) one table holds α r₁ at the chosen b₁; in ep. 2 the
      A-update of table c evaluates argmax of table c with the other table.  Only when c is not
      the table holding r₁ (prob. 1/2) and its all-zero argmax picks b₁ (prob. 1/n_b) does the
      target become α r₁: Q1 + Q2 at (A, left) = α² r₁ with probability q = 1/(2 n_b), else 0;
      P₃ = 1/2 + (1 - ε) q (p - 1/2)/4;
    - Q-learning, episode 4 (n_b >= 3, so an untouched zero keeps max_b Q(B, b) >= 0 and
      Q(A, left) >= 0): over the eight histories of episodes 1-3, histories with <= 1 left
      visit give 1/2; RLL and LRL (1/8 each) give p h + (1 - p)/2; LLR gives
      [p (ε/2) h + (1 - p)/4]/4; LLL gives
      [p h² + ∫_{r₁<0} φ(r₁) ½ (h π(r₁) + (1 - π(r₁))/2) dr₁]/4
      where π(r₁) = (ε/n_b) P(r₂ > -(1 - α) r₁) + (1 - ε/n_b) p is the probability that some
      estimate of B is positive after B's second update (b₂ repeats b₁ only by exploration).
      The integral is done by adaptive quadrature in z = (r₁ - μ)/σ over |z| <= 12 (scipy
      integrate.quad, error < 1e-12), so a tiny σ cannot hide the peak from the nodes.

    Source: derived here for the MDP of Sutton & Barto (2018), Example 6.7 / Figure 6.5, with the
    Q-learning update (eq. 6.8) and Double Q-learning (van Hasselt 2010, Algorithm 1; Sutton &
    Barto 2018, eq. 6.10).

    Parameters
    ----------
    method : {"q", "double_q"}
    episode : int
        1-4 for "q" (4 needs ``n_b_actions >= 3``), 1-3 for "double_q".
    n_b_actions : int >= 1, keyword-only
    alpha : float in [0, 1], keyword-only
    epsilon : float in [0, 1], keyword-only
    reward_mean : float, keyword-only
    reward_std : float > 0, keyword-only

    Returns
    -------
    float

    Raises
    ------
    ValueError
        For episodes beyond the derived range, or episode 4 with fewer than three B actions.
    """
    method = check_in(method, "method", ("q", "double_q"))
    last = 4 if method == "q" else 3
    episode = check_int(episode, "episode", minimum=1)
    if episode > last:
        raise ValueError(f"`episode` must be <= {last} for method {method!r} (exact derivation only "
                         f"covers the first episodes; got {episode})")
    n = check_int(n_b_actions, "n_b_actions", minimum=1)
    alpha = check_unit_interval(alpha, "alpha")
    eps = check_unit_interval(epsilon, "epsilon")
    mdp = MaxBiasMDP(n, reward_mean, reward_std)
    if mdp.reward_std <= 0:
        raise ValueError(f"`reward_std` must be > 0 for the Gaussian integrals (got {reward_std!r})")
    mu, sigma = mdp.reward_mean, mdp.reward_std
    if episode <= 2 or alpha == 0.0:  # α = 0: nothing is ever learned, ties throughout
        return 0.5
    with np.errstate(over="ignore"):
        mu_over_sigma = float(np.float64(mu) / sigma)      # ±inf for σ ≪ |μ|: exact limits
    p = float(norm.cdf(mu_over_sigma))  # P(r > 0) = Φ(μ/σ)
    h = 1.0 - eps / 2.0
    if episode == 3:
        if method == "double_q":
            q = 1.0 / (2.0 * n)
            return 0.5 + (1.0 - eps) * q * (p - 0.5) / 4.0
        if n == 1:
            return 0.5 + (1.0 - eps) * (p - 0.5) / 4.0
        return 0.5 + (1.0 - eps) * p / 8.0
    if n < 3:
        raise ValueError(f"episode 4 is derived for `n_b_actions` >= 3 (got {n})")
    explore_b1 = eps / n

    # Integrate in the standard score z = (r₁ - μ)/σ, so the integrand's scale is 1 whatever σ
    # is (in r₁ the peak is σ wide: σ = 1e-20 vanished between quad's nodes, and μ ± 12σ
    # rounded to μ).  P(r₂ > -(1 - α) r₁) = Φ̄(-(2 - α) μ/σ - (1 - α) z).
    def integrand(z: float) -> float:
        with np.errstate(invalid="ignore"):
            arg = -(2.0 - alpha) * mu_over_sigma - (1.0 - alpha) * z
        pi = explore_b1 * float(norm.sf(arg)) + (1.0 - explore_b1) * p
        return float(norm.pdf(z)) * 0.5 * (h * pi + (1.0 - pi) / 2.0)

    # r₁ ~ N(μ, σ²) restricted to r₁ < 0, i.e. z < -μ/σ; mass beyond |z| = 12 is < 1e-32.
    lo, hi = -12.0, min(12.0, -mu_over_sigma)
    tail = 0.0
    if lo < hi:
        points = [0.0] if lo < 0.0 < hi else None
        tail, _ = integrate.quad(integrand, lo, hi, points=points, epsabs=1e-14, epsrel=1e-12, limit=200)
    low_visits = 0.5 * 0.5  # RRR, LRR, RLR, RRL: 1/8 each, P(left) = 1/2
    two_visits_late = 2.0 / 8.0 * (p * h + (1.0 - p) / 2.0)  # RLL, LRL
    llr = 0.25 * (p * (eps / 2.0) * h + (1.0 - p) * 0.25)
    lll = 0.25 * (p * h * h + tail)
    return float(low_visits + two_visits_late + llr + lll)
