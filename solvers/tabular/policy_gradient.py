"""Tabular policy-gradient estimators and learners: REINFORCE, REINFORCE with a baseline and
the synchronous advantage actor-critic (A2C), for softmax policies on finite MDPs.

The policy is π(a|s) = softmax(θ[s])_a with logits θ of shape (S, A); its score is

    ψ(s, a) = ∇_θ log π(a|s),     ψ(s, a)[s', b] = 1[s' = s] (1[a = b] - π(b|s)),

so every estimator below is a sum of terms "ψ(s, a) times a scalar signal Ψ", scattered into
row s of an (S, A) table.

Per-step estimators (:func:`sample_gradient_estimates`)
-------------------------------------------------------
One sample draws s ~ d_γ (the normalized discounted visitation from μ₀, by running the chain for
a geometric number of steps T, Pr(T = t) = (1 - γ) γᵗ), a ~ π(·|s), and rolls out from (s, a):

    ĝ = ψ(s, a) Ψ / (1 - γ),    Ψ ∈ { G                          ("return"),
                                      G - b(s)                   ("baseline"),
                                      r + γ v(s') - v(s)         ("td") },

G = Σ_k γᵏ r_k the return from (s, a) (truncated after ``horizon`` steps), b a state baseline,
v a state-value estimate.  By the policy gradient theorem (Sutton et al. 2000, Theorem 1)
E[ĝ] = ∇J for "return", for "baseline" with any b (Σ_a π(a|s) ψ(s, a) = 0) and for "td" when
v = V^π (E[r + γ V(s') | s, a] = Q(s, a)).  All kinds read the *same* random numbers for the
same seed, so comparisons between kinds use common random numbers.

Their exact first and second moments (:func:`exact_estimator_moments`) come from one linear
solve each: E[G | s, a] = Q and E[G² | s, a] = M solves the second-moment Bellman equation

    M(s, a) = R(s, a)² + σ²(s, a) + 2γ R(s, a) (P V)(s, a) + γ² Σ_s' P(s'|s, a) Σ_a' π(a'|s') M(s', a')

(σ² the reward-noise variance; the moment recursion of Sobel 1982 for the discounted return).

Learners (:func:`train_policy_gradient`)
----------------------------------------
Vectorized over ``n_runs`` independent runs and ``n_envs`` environments per run:

- ``"reinforce"`` (Sutton & Barto 2018, Section 13.3, eq. 13.8): each iteration every
  environment plays one episode of ``horizon`` steps from μ₀ and θ ← θ + α mean_env Σ_t γᵗ G_t ψ_t;
- ``"baseline"`` (Sutton & Barto 2018, Section 13.4, eq. 13.11): the same with G_t - V̂(s_t),
  V̂ a table learned by Monte Carlo regression V̂(s) ← V̂(s) + β mean_{t: s_t = s}(G_t - V̂(s));
- ``"a2c"`` (Mnih et al. 2016, Section 4 and Algorithm S3, run synchronously; Sutton & Barto 2018,
  Section 13.5): persistent environments take ``n_step`` steps, the n-step return
  R_t = Σ_{i<k} γⁱ r_{t+i} + γᵏ V̂(s_{t+k}) bootstraps at the end of the segment (and at every
  restart), Â_t = R_t - V̂(s_t), θ ← θ + α/(1 - γ) mean_{env, t} ψ_t Â_t and
  V̂(s) ← V̂(s) + β mean_{t: s_t = s}(R_t - V̂(s)).  Every environment restarts from μ₀ with
  probability ``restart_prob`` (default 1 - γ) after each step, so the visited states follow d_γ
  in the long run (d_γ is the stationary law of the restarted chain: p = (1 - γ) μ₀ + γ p P_π);
  the bootstrap uses the true next state before the restart, so restarts add no bias.

An entropy bonus β_H ∇_θ H(π(·|s_t)) (Mnih et al. 2016, Section 4; Williams & Peng 1991) can be
added at every visited state with the weight of its policy term.  All three updates estimate ∇J
(A2C's mean over the d_γ-distributed steps estimates (1 - γ)∇J, hence the 1/(1 - γ)), so step
sizes are comparable.  Each iteration records the *per-environment* gradient estimate's total
variance (trace of its covariance across environments), the measured variance of the estimator.

Independence: nothing here calls the exact values it is checked against.
:func:`exact_estimator_moments` is an exact reference for the samplers (which never call it),
and it is itself checked against :mod:`theory.policy_gradient`, so it does not call that module:
V, the second moment and d_γ come from truncated Neumann series Σ_{t<2^k} (γ P_π)ᵗ summed by
repeated squaring (:func:`reference_discounted_series`), with the remainder bounded by
γ^{2^k} ‖b‖/(1 - γ), not from the linear solves of :mod:`theory.bellman` (``policy_evaluation`` /
``discounted_state_distribution``): a named reference route, not a second copy.

Sources: Sutton, McAllester, Singh & Mansour (2000), Theorem 1; Williams (1992), REINFORCE;
Sutton & Barto (2018), Sections 13.3-13.5; Mnih et al. (2016), "Asynchronous Methods for Deep
Reinforcement Learning", Section 4 and Algorithm S3; Sobel (1982), "The variance of discounted
Markov decision processes", J. Appl. Prob. 19 (its moment formulas; theorem number not
confirmed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import softmax

from solvers.results import ArrayResult
from solvers.problems.rl_toys import FiniteMDP
from theory.validation import check_instance, as_float_array, as_generator, check_in, check_int
from theory.validation import check_unit_interval

__all__ = [
    "ESTIMATOR_KINDS",
    "LEARNERS",
    "LR_SCHEDULES",
    "default_horizon",
    "reward_variance",
    "GradientSamples",
    "sample_gradient_estimates",
    "EstimatorMoments",
    "reference_discounted_series",
    "discounted_series",
    "exact_estimator_moments",
    "n_step_returns",
    "PGConfig",
    "PGRun",
    "train_policy_gradient",
    # rollout machinery shared with solvers.neural.a2c (no input validation)
    "VectorEnv",
    "RolloutBatch",
    "segment_plan",
    "collect_batch",
    "logit_contributions",
    "per_env_gradient",
]

#: Signals Ψ of the per-step estimator ψ(s, a) Ψ / (1 - γ).
ESTIMATOR_KINDS = ("return", "baseline", "td")

#: Default truncation: the discarded tail of a return is at most γ^H max|R| / (1 - γ); H is the
#: smallest horizon with γ^H <= this.
DEFAULT_TAIL = 1e-12


def check_mdp(mdp: Any) -> FiniteMDP:
    """``mdp`` itself if it is a FiniteMDP; TypeError naming it otherwise."""
    check_instance(mdp, "mdp", FiniteMDP)
    return mdp


def _check_logits(logits: Any, mdp: FiniteMDP, name: str = "logits") -> np.ndarray:
    arr = as_float_array(logits, name)
    if arr.shape != (mdp.n_states, mdp.n_actions):
        raise ValueError(f"`{name}` must have shape ({mdp.n_states}, {mdp.n_actions}) (got shape {arr.shape})")
    return arr


def _check_state_vector(x: Any, mdp: FiniteMDP, name: str) -> np.ndarray:
    arr = as_float_array(x, name)
    if arr.shape != (mdp.n_states,):
        raise ValueError(f"`{name}` must have shape ({mdp.n_states},) (got shape {arr.shape})")
    return arr


def default_horizon(gamma: float, tail: float = DEFAULT_TAIL) -> int:
    """The smallest H >= 1 with γ^H <= ``tail`` (H = 1 for γ = 0).

    Truncating a discounted return after H steps changes it by at most γ^H max|R| / (1 - γ).

    Parameters
    ----------
    gamma : float in [0, 1)
    tail : float in (0, 1)

    Returns
    -------
    int
    """
    gamma = check_unit_interval(gamma, "gamma", open_right=True)
    tail = check_unit_interval(tail, "tail", open_left=True, open_right=True)
    if gamma == 0.0:
        return 1
    return max(1, math.ceil(math.log(tail) / math.log(gamma)))


def reward_variance(mdp: FiniteMDP) -> np.ndarray:
    """Variance σ²(s, a) of one sampled reward under the MDP's noise model, shape (S, A).

    0 for ``"none"``, ``reward_std²`` for ``"gaussian"``, R(1 - R) for ``"bernoulli"``.
    """
    mdp = check_mdp(mdp)
    if mdp.reward_noise == "gaussian":
        return np.asarray(mdp.reward_std, dtype=float) ** 2
    if mdp.reward_noise == "bernoulli":
        return mdp.R * (1.0 - mdp.R)
    return np.zeros_like(mdp.R)


# ---------------------------------------------------------------------------------------------
# vectorized environment steps (shared by the samplers and learners)
# ---------------------------------------------------------------------------------------------


class VectorEnv:
    """Flat views of an MDP for vectorized sampling by inverse CDF (one uniform per draw).

    Shared by the samplers and learners here and by :mod:`solvers.neural.a2c` (the same
    environment code for the tabular and the neural learners); no input validation.
    """

    def __init__(self, mdp: FiniteMDP):
        self.S, self.A = mdp.n_states, mdp.n_actions
        self.P_cdf = np.cumsum(mdp.P.reshape(self.S * self.A, self.S), axis=-1)
        self.R = mdp.R.reshape(-1)
        self.std = np.asarray(mdp.reward_std, dtype=float).reshape(-1)
        self.noise = mdp.reward_noise
        self.mu0_cdf = np.cumsum(mdp.mu0)
        self.gamma = mdp.gamma

    @staticmethod
    def _invert(cdf: np.ndarray, u: np.ndarray) -> np.ndarray:
        # first index whose cdf exceeds u * total; clipped for rounding at the top
        idx = (u[:, None] * cdf[:, -1:] >= cdf).sum(axis=-1)
        return np.minimum(idx, cdf.shape[-1] - 1)

    def initial(self, n: int, rng: np.random.Generator) -> np.ndarray:
        u = rng.random(n) * self.mu0_cdf[-1]
        return np.minimum(np.searchsorted(self.mu0_cdf, u, side="right"), self.S - 1)

    def act(self, pi_rows: np.ndarray, rng: np.random.Generator, *, cdf: bool = False) -> np.ndarray:
        """One action per row of probabilities (or of their cumulative sums when ``cdf``)."""
        rows = pi_rows if cdf else np.cumsum(pi_rows, axis=-1)
        return self._invert(rows, rng.random(rows.shape[0]))

    def step(self, s: np.ndarray, a: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Reward then next state for every pair (vectorized)."""
        sa = s * self.A + a
        mean = self.R[sa]
        if self.noise == "gaussian":
            r = mean + self.std[sa] * rng.standard_normal(sa.shape[0])
        elif self.noise == "bernoulli":
            r = (rng.random(sa.shape[0]) < mean).astype(np.float64)
        else:
            r = mean.copy()
        return r, self._invert(self.P_cdf[sa], rng.random(sa.shape[0]))


def score_rows(pi_rows: np.ndarray, a: np.ndarray) -> np.ndarray:
    """ψ restricted to the visited row: e_a - π(·|s), shape (n, A)."""
    psi = -pi_rows.copy()
    psi[np.arange(a.shape[0]), a] += 1.0
    return psi


def entropy_gradient(logp_rows: np.ndarray) -> np.ndarray:
    """∇_{θ[s]} H(π(·|s)) = -π ⊙ (log π + H), from log-probabilities (rows)."""
    pi = np.exp(logp_rows)
    return -pi * (logp_rows - np.sum(pi * logp_rows, axis=-1, keepdims=True))


# ---------------------------------------------------------------------------------------------
# per-step estimators and their exact moments
# ---------------------------------------------------------------------------------------------


@dataclass
class GradientSamples(ArrayResult):
    """Per-step policy-gradient estimates (see :func:`sample_gradient_estimates`).

    Attributes
    ----------
    grads : ndarray, shape (n, S, A)
        One estimate ĝ_i = ψ(s_i, a_i) Ψ_i / (1 - γ) per sample.
    states, actions : ndarray of int, shape (n,)
        The sampled (s_i, a_i), s_i ~ d_γ, a_i ~ π(·|s_i).
    signal : ndarray, shape (n,)
        Ψ_i.
    kind : str
    horizon : int
        Steps of each return rollout.
    """

    grads: np.ndarray
    states: np.ndarray
    actions: np.ndarray
    signal: np.ndarray
    kind: str
    horizon: int

    @property
    def n(self) -> int:
        return int(self.grads.shape[0])

    @property
    def mean(self) -> np.ndarray:
        """Sample mean of the estimates, shape (S, A)."""
        return self.grads.mean(axis=0)

    @property
    def standard_error(self) -> np.ndarray:
        """Standard error of :attr:`mean`, entrywise, shape (S, A)."""
        return self.grads.std(axis=0, ddof=1) / np.sqrt(self.n)

    def total_variance(self) -> tuple[float, float]:
        """Sample trace of the covariance, Σ_coords Var ĝ, and its standard error.

        tr Ĉov = mean_i ‖ĝ_i - ḡ‖² · n/(n - 1); the standard error is that of the mean of
        z_i = ‖ĝ_i - ḡ‖² (the O(1/n) effect of using ḡ instead of the true mean is ignored).
        """
        z = np.sum((self.grads - self.mean) ** 2, axis=(1, 2))
        n = self.n
        return float(z.mean() * n / (n - 1)), float(z.std(ddof=1) / np.sqrt(n))


def sample_gradient_estimates(
    mdp: FiniteMDP,
    logits: ArrayLike,
    n: int,
    seed: Any,
    *,
    kind: str = "return",
    values: ArrayLike | None = None,
    horizon: int | None = None,
) -> GradientSamples:
    """n independent per-step policy-gradient estimates ĝ = ψ(s, a) Ψ / (1 - γ).

    s ~ d_γ is drawn by running the chain from s_0 ~ μ₀ for T ~ Geometric steps,
    Pr(T = t) = (1 - γ) γᵗ (so Pr(s_T = s) = (1 - γ) Σ_t γᵗ Pr(s_t = s)); a ~ π(·|s); a rollout
    of ``horizon`` steps from (s, a) gives the return G, the first reward r and next state s'.
    Ψ = G ("return"), G - values[s] ("baseline"), r + γ values[s'] - values[s] ("td").

    Source: Sutton et al. (2000), Theorem 1 (∇J = Σ_s d_γ(s) Σ_a ∇π(a|s) Q(s, a)); Sutton &
    Barto (2018), eq. (13.8) (return), eq. (13.11) (baseline), eqs. (13.12)-(13.14) (TD error as
    the advantage in one-step actor-critic).

    Parameters
    ----------
    mdp : FiniteMDP
    logits : array_like, shape (S, A)
    n : int >= 2
    seed : int, SeedSequence or Generator
        The random numbers do not depend on ``kind`` or ``values`` (common random numbers).
    kind : {"return", "baseline", "td"}, keyword-only
    values : array_like, shape (S,), keyword-only
        The baseline b ("baseline") or value estimate v ("td"); required for those kinds.
    horizon : int >= 1, keyword-only
        Rollout length; default :func:`default_horizon` (γ^H <= 1e-12).

    Returns
    -------
    GradientSamples

    Raises
    ------
    TypeError, ValueError
        Named errors for bad arguments (including ``values`` missing for "baseline"/"td").
    """
    mdp = check_mdp(mdp)
    theta = _check_logits(logits, mdp)
    n = check_int(n, "n", minimum=2)
    kind = check_in(kind, "kind", ESTIMATOR_KINDS)
    if kind != "return":
        if values is None:
            raise ValueError(f"`values` is required for kind={kind!r}")
        v = _check_state_vector(values, mdp, "values")
    H = default_horizon(mdp.gamma) if horizon is None else check_int(horizon, "horizon", minimum=1)
    rng = as_generator(seed)
    env = VectorEnv(mdp)
    pi = softmax(theta, axis=-1)
    pi_cdf = np.cumsum(pi, axis=-1)
    gamma = mdp.gamma

    # s ~ d_γ: geometric number of steps from μ₀ (numpy's geometric counts trials, >= 1).
    T = rng.geometric(1.0 - gamma, size=n) - 1 if gamma > 0 else np.zeros(n, dtype=np.int64)
    s = env.initial(n, rng)
    for t in range(int(T.max())):
        active = np.flatnonzero(T > t)
        a_t = env.act(pi_cdf[s[active]], rng, cdf=True)
        _, s[active] = env.step(s[active], a_t, rng)
    s0 = s.copy()
    a0 = env.act(pi_cdf[s0], rng, cdf=True)
    # rollout of H steps from (s0, a0)
    G = np.zeros(n)
    discount = 1.0
    s_t, a_t = s0, a0
    r0 = s1 = None
    for t in range(H):
        r_t, s_next = env.step(s_t, a_t, rng)
        if t == 0:
            r0, s1 = r_t, s_next
        G += discount * r_t
        discount *= gamma
        if t + 1 < H:
            s_t = s_next
            a_t = env.act(pi_cdf[s_t], rng, cdf=True)

    if kind == "return":
        signal = G
    elif kind == "baseline":
        signal = G - v[s0]
    else:
        signal = r0 + gamma * v[s1] - v[s0]
    grads = np.zeros((n, mdp.n_states, mdp.n_actions))
    grads[np.arange(n), s0] = score_rows(pi[s0], a0) * (signal / (1.0 - gamma))[:, None]
    return GradientSamples(grads=grads, states=s0, actions=a0, signal=signal, kind=kind, horizon=H)


#: Remainder target of :func:`reference_discounted_series`, relative to ‖b‖ / (1 - γ): below
#: float64 rounding of the partial sum itself.
SERIES_TAIL = 1e-17


def reference_discounted_series(M: np.ndarray, b: np.ndarray, gamma: float, *, left: bool = False
                                ) -> tuple[np.ndarray, float]:
    """x = Σ_{t>=0} (γ M)ᵗ b (or the row vector bᵀ Σ_t (γ M)ᵗ when ``left``) for a
    sub-stochastic M (nonnegative, rows summing to <= 1), by repeated squaring:

        x_{k+1} = x_k + A_k x_k,   A_{k+1} = A_k²,   A_0 = γ M,  x_0 = b,

    so x_k = Σ_{t<2^k} (γ M)ᵗ b and x - x_k = A_k x with ‖A_k‖_∞ <= γ^{2^k}, hence

        ‖x - x_k‖_∞ <= γ^{2^k} ‖b‖_∞ / (1 - γ)      (for ``left``, the same in the 1-norm).

    Squaring stops once that bound is <= SERIES_TAIL ‖b‖ / (1 - γ) (γ = 0.9: 9 squarings).
    This is the Neumann series of (I - γ M)⁻¹ b, i.e. value iteration in doubling steps
    (Sutton & Barto 2018, Section 4.1): a deliberately independent reference route (hence
    ``reference_``) to the values and occupancies that :mod:`theory.bellman` obtains by a
    linear solve, so that the exact estimator moments checked against
    ``theory.policy_gradient`` share no code with it.

    Returns
    -------
    x : ndarray, the shape of ``b``
    remainder : float
        The bound γ^{2^k} ‖b‖ / (1 - γ) on the truncation error (∞-norm, or 1-norm for ``left``).
    """
    A = gamma * M
    x = np.array(b, dtype=float)
    scale = float(np.max(np.abs(x))) if not left else float(np.sum(np.abs(x)))
    rho = gamma  # ‖A_k‖ <= rho = γ^{2^k}
    while rho > SERIES_TAIL and scale > 0.0:
        x = x + (x @ A if left else A @ x)
        A = A @ A
        rho = rho * rho
    return x, rho * scale / (1.0 - gamma)


#: Old name of :func:`reference_discounted_series`, kept as an alias.
discounted_series = reference_discounted_series


@dataclass
class EstimatorMoments(ArrayResult):
    """Exact moments of a per-step estimator (see :func:`exact_estimator_moments`).

    Attributes
    ----------
    mean : ndarray, shape (S, A)
        E[ĝ].
    covariance : ndarray, shape (S·A, S·A)
        Cov[ĝ] over the flattened (s, a) coordinates (row-major).
    total_variance : float
        tr Cov[ĝ] = E‖ĝ‖² - ‖E ĝ‖².
    conditional_mean, conditional_second_moment : ndarray, shape (S, A)
        E[Ψ | s, a] and E[Ψ² | s, a].
    kind : str
    truncation : float
        Bound on the entrywise error of ``mean`` from truncating the series of
        :func:`reference_discounted_series` (float rounding comes on top).
    """

    mean: np.ndarray
    covariance: np.ndarray
    total_variance: float
    conditional_mean: np.ndarray
    conditional_second_moment: np.ndarray
    kind: str
    truncation: float = 0.0

    @property
    def variance(self) -> np.ndarray:
        """Entrywise variance, shape (S, A)."""
        return np.diag(self.covariance).reshape(self.mean.shape)


def exact_estimator_moments(
    mdp: FiniteMDP, logits: ArrayLike, *, kind: str = "return", values: ArrayLike | None = None
) -> EstimatorMoments:
    """Exact mean and covariance of the per-step estimator of :func:`sample_gradient_estimates`
    (untruncated returns).

    With c = 1/(1 - γ), d = d_γ normalized, m(s, a) = E[Ψ | s, a], u(s, a) = E[Ψ² | s, a]:

        E ĝ[s, b]            = c d(s) Σ_a π(a|s) ψ_b(s, a) m(s, a),
        E[ĝ[s, b] ĝ[s, b']]  = c² d(s) Σ_a π(a|s) ψ_b(s, a) ψ_b'(s, a) u(s, a),  0 across states,

    with ψ_b(s, a) = 1[a = b] - π(b|s) and

    - "return":   m = Q, u = M from the second-moment Bellman equation (module docstring);
    - "baseline": m = Q - b, u = M - 2 b Q + b²;
    - "td":       m = R + γ P v - v, u = σ² + Σ_s' P(s'|s, a) (R(s, a) + γ v(s') - v(s))².

    V = Σ_t (γ P_π)ᵗ r_π, d = (1 - γ) μ₀ᵀ Σ_t (γ P_π)ᵗ and the second moment's series in γ² are
    summed by :func:`reference_discounted_series` (certified truncation, reported in
    ``truncation``), so this reference shares no code with ``theory.policy_gradient`` it is compared with.

    Source: Sutton et al. (2000), Theorem 1 (the mean); Sobel (1982) (second moment
    of the discounted return); Sutton & Barto (2018), Section 13.4 (a baseline leaves the mean
    unchanged and changes the variance).

    Parameters
    ----------
    mdp : FiniteMDP
    logits : array_like, shape (S, A)
    kind : {"return", "baseline", "td"}, keyword-only
    values : array_like, shape (S,), keyword-only
        b or v; default V^π (the exact value of the policy).

    Returns
    -------
    EstimatorMoments

    Raises
    ------
    TypeError, ValueError
        Named errors for bad arguments.
    """
    mdp = check_mdp(mdp)
    theta = _check_logits(logits, mdp)
    kind = check_in(kind, "kind", ESTIMATOR_KINDS)
    pi = softmax(theta, axis=-1)
    gamma = mdp.gamma
    R, P = mdp.R, mdp.P
    # V, Q and d_γ by certified Neumann series (not theory.bellman's linear solves)
    P_pi = np.einsum("sa,sat->st", pi, P)
    V, err_V = reference_discounted_series(P_pi, np.sum(pi * R, axis=1), gamma)
    Q = R + gamma * (P @ V)
    v = V if values is None else _check_state_vector(values, mdp, "values")
    d_un, err_d = reference_discounted_series(P_pi, mdp.mu0, gamma, left=True)
    d = (1.0 - gamma) * d_un
    sigma2 = reward_variance(mdp)

    if kind in ("return", "baseline"):
        m2 = R**2 + sigma2 + 2.0 * gamma * R * (P @ V)
        MV, _ = reference_discounted_series(P_pi, np.sum(pi * m2, axis=1), gamma**2)
        M = m2 + gamma**2 * (P @ MV)
        if kind == "return":
            m, u = Q, M
        else:
            m, u = Q - v[:, None], M - 2.0 * v[:, None] * Q + v[:, None] ** 2
    else:
        target = R[:, :, None] + gamma * v[None, None, :] - v[:, None, None]  # (S, A, S')
        m = np.einsum("sat,sat->sa", P, target)
        u = sigma2 + np.einsum("sat,sat->sa", P, target**2)
    # |ψ| <= 1: the mean c Σ_a d π ψ m moves by <= c (err_d max|m| + γ err_V) through the
    # truncation of d (1-norm (1 - γ) err_d) and of V (inside Q and, for "td" with v = V, m)
    truncation = (err_d * (1.0 - gamma) * float(np.max(np.abs(m))) + 2.0 * gamma * err_V) / (1.0 - gamma)

    c = 1.0 / (1.0 - gamma)
    S, A = theta.shape
    psi = np.eye(A)[None, :, :] - pi[:, None, :]  # psi[s, a, b]
    w = d[:, None] * pi  # (S, A) sampling weights of (s, a)
    mean = c * np.einsum("sa,sab,sa->sb", w, psi, m)
    blocks = c**2 * np.einsum("sa,sab,sac,sa->sbc", w, psi, psi, u)  # (S, A, A)
    second = np.zeros((S, A, S, A))
    diag = np.arange(S)
    second[diag, :, diag, :] = blocks  # block diagonal: one sample touches one state's row
    second = second.reshape(S * A, S * A)
    flat = mean.reshape(-1)
    cov = second - np.outer(flat, flat)
    return EstimatorMoments(mean=mean, covariance=cov, total_variance=float(np.trace(cov)),
                            conditional_mean=m, conditional_second_moment=u, kind=kind,
                            truncation=float(truncation))


def n_step_returns(rewards: ArrayLike, bootstrap: ArrayLike, cut: ArrayLike, gamma: float) -> np.ndarray:
    """n-step returns of a rollout segment, computed backwards.

    R_t = r_t + γ (bootstrap_t if cut_t else R_{t+1}), with the last step always cut:
    R_t = Σ_{i<k} γⁱ r_{t+i} + γᵏ V(s_{t+k}) where t + k is the first cut at or after t.

    Source: Mnih et al. (2016), Algorithm S3 (R ← r_i + γ R, initialized with V(s_{t_max}));
    Sutton & Barto (2018), eq. (7.1) (the n-step return).

    Parameters
    ----------
    rewards : array_like, shape (..., n)
        Rewards along the last axis (time).
    bootstrap : array_like, shape (..., n)
        V(s_{t+1}) of the true next state of every step.
    cut : array_like of bool, shape (..., n)
        Steps after which the segment is cut (a restart); the last step is always cut.
    gamma : float in [0, 1]

    Returns
    -------
    ndarray, shape (..., n)
    """
    r = as_float_array(rewards, "rewards")
    b = as_float_array(bootstrap, "bootstrap")
    c = np.asarray(cut)
    if c.dtype != bool:
        raise TypeError(f"`cut` must be a boolean array, got dtype {c.dtype}")
    if not (r.shape == b.shape == c.shape) or r.ndim == 0:
        raise ValueError(f"`rewards`, `bootstrap` and `cut` must share one shape (got {r.shape}, {b.shape}, {c.shape})")
    gamma = check_unit_interval(gamma, "gamma")
    out = np.empty_like(r)
    nxt = b[..., -1]
    for t in range(r.shape[-1] - 1, -1, -1):
        nxt = np.where(c[..., t], b[..., t], nxt)
        out[..., t] = r[..., t] + gamma * nxt
        nxt = out[..., t]
    return out


# The learners live in solvers.tabular.pg_learners, which builds on the estimators above; their
# names stay importable from here, loaded on first use (PEP 562) so that neither module has to
# import the other while it is being initialized.
_LEARNER_NAMES = frozenset({
    'EPISODE_TAIL', 'LEARNERS', 'LR_SCHEDULES', 'PGConfig', 'PGRun', 'segment_plan',
    'RolloutBatch', 'collect_batch', 'logit_contributions', 'per_env_gradient',
    'train_policy_gradient',
})


def __getattr__(name: str):
    if name in _LEARNER_NAMES:
        from solvers.tabular import pg_learners

        return getattr(pg_learners, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
