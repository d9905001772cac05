"""Actor-critic learners on the stateless GAN MDP (Pfau & Vinyals, 2016, Section 2.3).

The environment (:mod:`solvers.problems.stateless_mdp`) shows a real sample (reward 1) with
probability ρ or the blind actor's action (reward 0).  This module learns and differentiates
on it without using any closed form of :mod:`theory.stateless_mdp` (independence rule,
DESIGN.md); the tests and claims compare.

Critic
    A table over the K atoms trained by stochastic gradient descent on sampled episodes
    (:func:`train_critic`, many independent runs at once), or by gradient descent on the exact
    expected loss over the episode table (:func:`train_critic_expected`).  Per-episode losses:

    - ``"cross_entropy"``: -r log Q(x) - (1 - r) log(1 - Q(x)), Q = σ(ψ) with one logit ψ per
      atom; gradient in ψ_x: σ(ψ_x) - r;
    - ``"squared"``: ½ (r - Q(x))², Q a table of values; gradient in Q_x: Q_x - r (the LMS /
      tabular TD(0) update for a one-step episode).

REINFORCE
    :func:`reinforce_gradient`: (1/n) Σ_i (r_i - b) ∇_θ log q_θ(a_i) with a_i the actor's action
    in every episode (shown or not) and ∇_θ log softmax(θ)_a = e_a - q.  Its mean is the true
    policy gradient.

Actor through the critic
    The actor ascends E_{x~q}[f(Q(x))] with the critic held fixed, where (Pfau & Vinyals's
    "scaling term proportional to ∂D/∂Q", D the cross-entropy):

    - ``"q"``: f(Q) = Q — the plain value (DPG / SVG(0) style), scaling 1;
    - ``"minimax"``: f(Q) = D(0 ‖ Q) = -log(1 - Q) — the cross-entropy of the critic against
      the fake episode's target 0; its derivative 1/(1 - Q) = ∂D/∂Q|_{r=0} is the scaling;
    - ``"log_q"``: f(Q) = log Q = -D(1 ‖ Q) — the flipped target; scaling 1/Q.

    For a score-function (categorical) actor: :func:`actor_gradient_exact` (Σ_x ∇q(x) f(Q(x))
    with the softmax Jacobian as a matrix) and :func:`actor_gradient_sampled` (the score
    function on the fake episodes of a batch; real episodes give no update, as the paper
    prescribes).  For a pathwise actor x = g_θ(z) and a differentiable critic logit ψ(x):
    :func:`pathwise_actor_gradient` multiplies the value gradient ∇_θ Q(x_i(θ)) by the scaling
    computed separately (the chain rule written the paper's way) and differentiates with
    autograd; real episodes enter the sum but their x does not depend on θ.

Sign convention: every actor gradient here is an *ascent* direction of the actor's
objective.  The GAN generator *descends* its loss, so the identities read
actor gradient("minimax") = -∇_θ L_G^minimax and actor gradient("log_q") = -∇_θ L_G^NS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import autograd.numpy as anp
import numpy as np
from autograd import grad
from numpy.typing import ArrayLike
from scipy.special import expit, log_expit, logit, softmax

from solvers.problems.stateless_mdp import Episodes, TabularStatelessMDP
from solvers.tabular.gan import fit_linear_rate
from solvers.results import ArrayResult
from solvers.validation import check_vector
from theory.validation import check_instance, as_float_array, as_generator, check_in, check_int
from theory.validation import check_positive
from theory.deprecation import renamed_keywords

__all__ = [
    "CRITIC_LOSSES",
    "SCHEDULES",
    "ACTOR_OBJECTIVES",
    "NORMALISATIONS",
    "CriticRun",
    "GradientEstimate",
    "step_sizes",
    "train_critic",
    "train_critic_expected",
    "reinforce_gradient",
    "actor_objective_values",
    "actor_gradient_exact",
    "actor_gradient_sampled",
    "actor_scaling",
    "affine_actor",
    "pathwise_actor_gradient",
]

CRITIC_LOSSES = ("cross_entropy", "squared")
SCHEDULES = ("constant", "robbins_monro")
ACTOR_OBJECTIVES = ("q", "log_q", "minimax")
NORMALISATIONS = ("fake", "episodes")

#: Episodes drawn per call to the environment in :func:`train_critic` (memory vs. call count).
_CHUNK_EPISODES = 1 << 18


# ---------------------------------------------------------------------------- validation
def _mdp(mdp: Any) -> TabularStatelessMDP:
    check_instance(mdp, "mdp", TabularStatelessMDP)
    return mdp


def _critic_values(critic: ArrayLike, k: int | None = None) -> np.ndarray:
    c = check_vector(critic, "critic", k)
    if np.any((c < 0) | (c > 1)):
        raise ValueError(f"`critic` must lie in [0, 1] (got range [{c.min():.6g}, {c.max():.6g}])")
    return c


def _initial_critic(init: ArrayLike | None, k: int, loss: str) -> np.ndarray:
    """The parameter table: logits (cross-entropy) or values (squared) from critic values."""
    if init is None:
        q0 = np.full(k, 0.5)
    else:
        q0 = _critic_values(init, k)
    if loss == "cross_entropy":
        if np.any((q0 <= 0) | (q0 >= 1)):
            raise ValueError("`init` must lie in (0, 1) for the cross-entropy critic (finite logits)")
        return logit(q0)
    return q0.copy()


def _critic_of(params: np.ndarray, loss: str) -> np.ndarray:
    return expit(params) if loss == "cross_entropy" else params


# ---------------------------------------------------------------------------- results
_Result = ArrayResult


@dataclass
class CriticRun(_Result):
    """A tabular critic trained on the stateless MDP.

    Attributes
    ----------
    steps : ndarray, shape (n_records,)
        Step index of each record (0, record_every, ..., always including n_steps).
    critic : ndarray, shape (n_records, n_runs, K)
        Q(x) of each independent run at the recorded steps.
    params : ndarray, shape (n_records, n_runs, K)
        The learned table: logits ψ (cross-entropy) or values (squared).
    lr : ndarray, shape (n_steps,)
        The step size used at each step.
    step_norm : ndarray, shape (n_steps,)
        max over runs and visited atoms of |Δparams| at each step (the exact-expectation
        learner: its contraction is what :attr:`rate` fits).
    rate : float
        :func:`solvers.tabular.gan.fit_linear_rate` of ``step_norm`` (NaN for SGD runs and
        when too few steps qualify).
    loss, schedule : str
    batch_size : int
        Episodes per step (0 for the exact-expectation learner).
    """

    steps: np.ndarray
    critic: np.ndarray
    params: np.ndarray
    lr: np.ndarray
    step_norm: np.ndarray
    rate: float
    loss: str
    schedule: str
    batch_size: int

    @property
    def final(self) -> np.ndarray:
        """The critic after the last step, shape (n_runs, K)."""
        return self.critic[-1]


@dataclass
class GradientEstimate(_Result):
    """A Monte Carlo gradient: the sample mean of per-episode terms and its standard error.

    Attributes
    ----------
    mean : ndarray, shape (K,)
    stderr : ndarray, shape (K,)
        Sample standard deviation (ddof = 1) / sqrt(n) per component (0 when n < 2).
    n : int
        Number of terms averaged.
    """

    mean: np.ndarray
    stderr: np.ndarray
    n: int


def _estimate(terms: np.ndarray, n_norm: int | None = None) -> GradientEstimate:
    """Mean and standard error of per-episode terms (n, K); mean divided by n_norm if given."""
    n, k = terms.shape
    if n == 0:
        return GradientEstimate(np.zeros(k), np.zeros(k), 0)
    mean = terms.mean(axis=0)
    stderr = terms.std(axis=0, ddof=1) / np.sqrt(n) if n > 1 else np.zeros(k)
    if n_norm is not None and n_norm != n:
        factor = n / n_norm
        mean, stderr = mean * factor, stderr * factor
    return GradientEstimate(mean, stderr, int(n))


# ---------------------------------------------------------------------------- step sizes
def step_sizes(lr: float, n_steps: int, *, schedule: str = "constant", lr_offset: float = 1.0) -> np.ndarray:
    """The step-size sequence: ``lr`` (constant) or lr · t0 / (t0 + t) (Robbins-Monro).

    The Robbins-Monro schedule a / (t0 + t) with a = lr · t0 satisfies Σ α_t = ∞ and
    Σ α_t² < ∞, the conditions for almost-sure convergence of stochastic approximation.

    Source: Robbins & Monro (1951), "A Stochastic Approximation Method", conditions on the
    step sizes (stated in Sutton & Barto (2018), Section 2.5, eq. (2.7)).

    Parameters
    ----------
    lr : float, > 0
        The first step size α_0.
    n_steps : int, >= 0
    schedule : {"constant", "robbins_monro"}
    lr_offset : float, > 0
        t0 of the Robbins-Monro schedule.

    Returns
    -------
    ndarray, shape (n_steps,)
    """
    lr = check_positive(lr, "lr")
    n_steps = check_int(n_steps, "n_steps", minimum=0)
    schedule = check_in(schedule, "schedule", SCHEDULES)
    t0 = check_positive(lr_offset, "lr_offset")
    t = np.arange(n_steps, dtype=float)
    if schedule == "constant":
        return np.full(n_steps, lr)
    return lr * t0 / (t0 + t)


# ---------------------------------------------------------------------------- critic (SGD)
def train_critic(
    mdp: TabularStatelessMDP,
    policy: ArrayLike,
    *,
    n_steps: int,
    seed: Any,
    lr: float = 1.0,
    batch_size: int = 1,
    loss: str = "cross_entropy",
    schedule: str = "constant",
    lr_offset: float = 1.0,
    n_runs: int = 1,
    init: ArrayLike | None = None,
    record_every: int = 1,
) -> CriticRun:
    """Train a tabular critic by stochastic gradient descent on sampled episodes.

    Each step, each run draws ``batch_size`` episodes (x_i, r_i) from ``mdp`` with the fixed
    ``policy`` and takes one step on the batch-mean loss:

        ψ_x ← ψ_x - α_t (1/B) Σ_i 1{x_i = x} (σ(ψ_x) - r_i)     (cross-entropy, Q = σ(ψ))
        Q_x ← Q_x - α_t (1/B) Σ_i 1{x_i = x} (Q_x - r_i)        (squared, ½ (r - Q)²)

    Source: Pfau & Vinyals (2016), Section 2.3 (the critic is trained on the stateless MDP's
    episodes with the cross-entropy, or the mean-squared Bellman residual); stochastic
    approximation with Robbins & Monro (1951) step sizes.

    Parameters
    ----------
    mdp : TabularStatelessMDP
    policy : array_like, shape (K,)
        The actor's (fixed) distribution q.
    n_steps : int, >= 0
    seed : int, SeedSequence or numpy.random.Generator
    lr : float, > 0
        α_0 (see :func:`step_sizes`).
    batch_size : int, >= 1
    loss : {"cross_entropy", "squared"}
    schedule : {"constant", "robbins_monro"}
    lr_offset : float, > 0
        t0 of the Robbins-Monro schedule α_t = lr · t0 / (t0 + t).
    n_runs : int, >= 1
        Independent runs, simulated together (vectorized over runs and atoms).
    init : array_like, shape (K,), optional
        Initial critic values (default 1/2 everywhere; in (0, 1) for the cross-entropy).
    record_every : int, >= 1

    Returns
    -------
    CriticRun
        ``critic`` of shape (n_records, n_runs, K).

    Raises
    ------
    ValueError, TypeError
        Bad arguments (named).

    Notes
    -----
    Atoms never shown (ρ p_data(x) + (1 - ρ) q(x) = 0) keep their initial value.  Where only
    real (or only fake) episodes show x, the cross-entropy logit drifts to +∞ (-∞) like
    log t, so Q → 1 (0) sublinearly.  Near the minimizer, the mean dynamics of an interior
    atom contract by 1 - α m_x Q(1 - Q) per step (cross-entropy; m_x the probability that an
    episode shows x) or 1 - α m_x (squared): α times the Hessian of the expected loss.  With
    α_t = a / (t0 + t) and a times that Hessian > 1/2, the error is asymptotically normal with
    t · E[(ψ_t - ψ*)²] → a² σ² / (2 a λ - 1), σ² = m_x Q*(1 - Q*) / B the gradient noise at the
    optimum and λ the Hessian (Chung, 1954); the claim ``pfau2016/bayes-critic`` checks it.
    """
    mdp = _mdp(mdp)
    q = mdp.check_policy(policy)
    k = mdp.k
    n_steps = check_int(n_steps, "n_steps", minimum=0)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    n_runs = check_int(n_runs, "n_runs", minimum=1)
    record_every = check_int(record_every, "record_every", minimum=1)
    loss = check_in(loss, "loss", CRITIC_LOSSES)
    lrs = step_sizes(lr, n_steps, schedule=schedule, lr_offset=lr_offset)
    rng = as_generator(seed)
    params = np.tile(_initial_critic(init, k, loss), (n_runs, 1))

    record_steps = np.unique(np.append(np.arange(0, n_steps + 1, record_every), n_steps))
    recorded = np.empty((record_steps.shape[0], n_runs, k))
    recorded[0] = params
    per_step = n_runs * batch_size
    chunk_steps = max(1, _CHUNK_EPISODES // per_step)
    offset = (np.arange(n_runs) * k)[:, None]  # (R, 1): flat index run * K + atom
    r_idx = 1
    t = 0
    while t < n_steps:
        steps_here = min(chunk_steps, n_steps - t)
        ep = mdp.sample_episodes(q, steps_here * per_step, rng)
        xs = ep.x.reshape(steps_here, n_runs, batch_size)
        rs = ep.reward.reshape(steps_here, n_runs, batch_size)
        for s in range(steps_here):
            flat = (xs[s] + offset).ravel()
            counts = np.bincount(flat, minlength=n_runs * k).reshape(n_runs, k)
            rewards = np.bincount(flat, weights=rs[s].ravel(), minlength=n_runs * k).reshape(n_runs, k)
            g = (counts * _critic_of(params, loss) - rewards) / batch_size
            params = params - lrs[t] * g
            t += 1
            if r_idx < record_steps.shape[0] and record_steps[r_idx] == t:
                recorded[r_idx] = params
                r_idx += 1
    return CriticRun(
        steps=record_steps,
        critic=_critic_of(recorded, loss),
        params=recorded,
        lr=lrs,
        step_norm=np.full(n_steps, np.nan),
        rate=float("nan"),
        loss=loss,
        schedule=schedule,
        batch_size=batch_size,
    )


# ---------------------------------------------------------------------------- critic (exact)
def train_critic_expected(
    mdp: TabularStatelessMDP,
    policy: ArrayLike,
    *,
    n_steps: int,
    lr: float = 1.0,
    loss: str = "cross_entropy",
    init: ArrayLike | None = None,
    record_every: int = 1,
) -> CriticRun:
    """Gradient descent on the exact expected Bellman error over the episode table.

    With a_x = P(real, x) and m_x = P(real, x) + P(fake, x) read off
    :meth:`TabularStatelessMDP.episode_table`, the expected per-episode loss has gradient

        m_x σ(ψ_x) - a_x     (cross-entropy, in the logit ψ_x),
        m_x Q_x - a_x        (½ squared error, in the value Q_x),

    and each step subtracts ``lr`` times it.  Deterministic; no closed form of the minimizer
    is used.

    Source: Pfau & Vinyals (2016), Section 2.3 and eq. (8) (the critic minimizes the expected
    divergence between reward and Q over the episodes).

    Parameters
    ----------
    mdp : TabularStatelessMDP
    policy : array_like, shape (K,)
    n_steps : int, >= 0
    lr : float, > 0
        Monotone convergence needs lr · m_x / 4 <= 1 (cross-entropy) or lr · m_x <= 1
        (squared) per atom; m_x <= 1, so lr <= 1 is always safe.
    loss : {"cross_entropy", "squared"}
    init : array_like, shape (K,), optional
    record_every : int, >= 1

    Returns
    -------
    CriticRun
        With ``n_runs = 1``; ``rate`` is the fitted contraction of ``step_norm`` over atoms
        shown by both real and fake episodes (interior atoms).

    Notes
    -----
    Near the minimizer, interior atom x contracts by |1 - lr m_x Q_x (1 - Q_x)| per step
    (cross-entropy) or |1 - lr m_x| (squared), evaluated at the limit.
    """
    mdp = _mdp(mdp)
    table = mdp.episode_table(policy)  # (2, K): fake row, real row
    a = table[1]
    m = table[0] + table[1]
    interior = (table[0] > 0) & (table[1] > 0)
    k = mdp.k
    n_steps = check_int(n_steps, "n_steps", minimum=0)
    record_every = check_int(record_every, "record_every", minimum=1)
    loss = check_in(loss, "loss", CRITIC_LOSSES)
    lr = check_positive(lr, "lr")
    params = _initial_critic(init, k, loss)

    record_steps = np.unique(np.append(np.arange(0, n_steps + 1, record_every), n_steps))
    recorded = np.empty((record_steps.shape[0], 1, k))
    recorded[0, 0] = params
    step_norm = np.zeros(n_steps)
    r_idx = 1
    for t in range(n_steps):
        delta = -lr * (m * _critic_of(params, loss) - a)
        params = params + delta
        if interior.any():
            step_norm[t] = np.max(np.abs(delta[interior]))
        if r_idx < record_steps.shape[0] and record_steps[r_idx] == t + 1:
            recorded[r_idx, 0] = params
            r_idx += 1
    return CriticRun(
        steps=record_steps,
        critic=_critic_of(recorded, loss),
        params=recorded,
        lr=np.full(n_steps, lr),
        step_norm=step_norm,
        rate=fit_linear_rate(step_norm) if interior.any() else float("nan"),
        loss=loss,
        schedule="constant",
        batch_size=0,
    )


# ---------------------------------------------------------------------------- REINFORCE
def _episodes(episodes: Any) -> Episodes:
    if not isinstance(episodes, Episodes):
        raise TypeError(f"`episodes` must be an Episodes record, got {type(episodes).__name__}")
    return episodes


def _atoms(x: np.ndarray, k: int, name: str) -> np.ndarray:
    if x.ndim != 1 or not np.issubdtype(x.dtype, np.integer):
        raise ValueError(f"`{name}` must hold integer atom indices, shape (n,) (got {x.dtype}, {x.shape})")
    if x.size and (x.min() < 0 or x.max() >= k):
        raise ValueError(f"`{name}` must hold atoms in [0, {k}) (got range [{x.min()}, {x.max()}])")
    return x


def reinforce_gradient(logits: ArrayLike, episodes: Episodes, *, baseline: float = 0.0) -> GradientEstimate:
    """REINFORCE estimate of the policy gradient of a softmax actor from sampled episodes.

    ĝ = (1/n) Σ_i (r_i - b) ∇_θ log q_θ(a_i),    ∇_θ log softmax(θ)_a = e_a - q_θ,

    over all n episodes, a_i the actor's action in episode i (shown in fake episodes, unseen
    in real ones).  Fake episodes pay r = 0 and real ones r = 1 whatever a_i was, so the mean
    is the true policy gradient — zero in this MDP.

    Source: Williams (1992), "Simple statistical gradient-following algorithms for connectionist
    reinforcement learning" (the REINFORCE estimator with a baseline; section not confirmed);
    Pfau & Vinyals (2016), Section 2.3 (the true policy gradient is zero).

    Parameters
    ----------
    logits : array_like, shape (K,)
        Actor logits θ.
    episodes : Episodes
        Tabular episodes with ``action`` recorded (:meth:`TabularStatelessMDP.sample_episodes`).
    baseline : float
        A constant b (any constant keeps the estimator unbiased).

    Returns
    -------
    GradientEstimate
        ``mean`` (K,) and its standard error.

    Raises
    ------
    ValueError, TypeError
        When ``episodes.action`` is missing or holds atoms outside [0, K).
    """
    theta = check_vector(logits, "logits")
    ep = _episodes(episodes)
    if ep.action is None:
        raise ValueError("`episodes` must record the actor's `action` in every episode (use "
                         "TabularStatelessMDP.sample_episodes)")
    b = as_float_array(baseline, "baseline")
    if b.ndim != 0:
        raise ValueError(f"`baseline` must be a scalar (got shape {b.shape})")
    k = theta.shape[0]
    a = _atoms(ep.action, k, "episodes.action")
    q = softmax(theta)
    score = np.eye(k)[a] - q  # (n, K)
    return _estimate((ep.reward - float(b))[:, None] * score)


# ---------------------------------------------------------------------------- actor via critic
def actor_objective_values(
    critic: ArrayLike, *, objective: str = "minimax", logit: bool = False
) -> np.ndarray:
    """f(Q) per atom: Q (``"q"``), log Q (``"log_q"``) or -log(1 - Q) (``"minimax"``).

    ``"minimax"`` is the cross-entropy D(0 ‖ Q) of the critic against the fake target 0;
    ``"log_q"`` is -D(1 ‖ Q).

    Source: Pfau & Vinyals (2016), Section 2.3 (D the cross-entropy).

    Parameters
    ----------
    critic : array_like, shape (K,)
        Critic values in [0, 1], or logits ψ (Q = σ(ψ)) when ``logit=True``.
    objective : {"q", "log_q", "minimax"}
    logit : bool
        Read ``critic`` as logits: log Q = log σ(ψ) and log(1 - Q) = log σ(-ψ) are then exact
        for saturated critics (|ψ| up to ~700), where 1 - σ(ψ) would lose all its digits.

    Returns
    -------
    ndarray, shape (K,)
        ±inf where Q = 0 (``"log_q"``) or Q = 1 (``"minimax"``) (values only).
    """
    objective = check_in(objective, "objective", ACTOR_OBJECTIVES)
    if logit:
        psi = check_vector(critic, "critic")
        if objective == "q":
            return expit(psi)
        return log_expit(psi) if objective == "log_q" else -log_expit(-psi)
    c = _critic_values(critic)
    if objective == "q":
        return c.copy()
    with np.errstate(divide="ignore"):
        return np.log(c) if objective == "log_q" else -np.log1p(-c)


def _finite_objective(critic: np.ndarray, objective: str, where: np.ndarray, logit: bool) -> np.ndarray:
    f = actor_objective_values(critic, objective=objective, logit=logit)
    if np.any(where & ~np.isfinite(f)):
        edge = "0" if objective == "log_q" else "1"
        raise ValueError(f"`objective={objective!r}` is infinite: the critic is {edge} on an atom the "
                         "actor plays, so the actor's objective and its gradient are undefined")
    return np.where(where, f, 0.0)


def actor_gradient_exact(
    critic: ArrayLike, logits: ArrayLike, *, objective: str = "minimax", logit: bool = False
) -> np.ndarray:
    """Exact gradient of E_{x~q_θ}[f(Q(x))] in the softmax logits, the critic held fixed.

    ∇_θ Σ_x q_θ(x) f(Q(x)) = Jᵀ f,   J = ∂q/∂θ = diag(q) - q qᵀ   (built as a matrix).

    With ``"minimax"`` this is minus the gradient of the GAN generator's minimax loss
    Σ_x q(x) log(1 - D(x)) at D = Q; with ``"log_q"`` minus the non-saturating one.

    Source: Pfau & Vinyals (2016), Section 2.3 (the actor is updated through the critic with
    the scaling ∂D/∂Q); Goodfellow et al. (2014), eq. (1) and Section 3 (generator losses).

    Parameters
    ----------
    critic : array_like, shape (K,)
        Critic values Q(x) in [0, 1] (or logits with ``logit=True``).
    logits : array_like, shape (K,)
    objective : {"q", "log_q", "minimax"}
    logit : bool
        ``critic`` holds logits ψ, Q = σ(ψ) (exact for saturated critics).

    Returns
    -------
    ndarray, shape (K,)
        Ascent direction of the actor's objective.

    Raises
    ------
    ValueError
        Bad shapes, or an infinite objective on an atom with q > 0.
    """
    theta = check_vector(logits, "logits")
    c = check_vector(critic, "critic", theta.shape[0]) if logit else _critic_values(critic, theta.shape[0])
    q = softmax(theta)
    f = _finite_objective(c, objective, q > 0, logit)
    jac = np.diag(q) - np.outer(q, q)  # J[i, j] = ∂q_i/∂θ_j
    return jac.T @ f


@renamed_keywords(normalise="normalize")
def actor_gradient_sampled(
    critic: ArrayLike, logits: ArrayLike, episodes: Episodes, *, objective: str = "minimax",
    normalize: str = "fake", logit: bool = False,
) -> GradientEstimate:
    """Score-function estimate of the actor's gradient through the critic, fake episodes only.

    ĝ = (1/n_fake) Σ_{i fake} f(Q(x_i)) (e_{x_i} - q_θ)

    Real episodes are skipped: the x they show is not the actor's action, so they carry no
    information about θ (Pfau & Vinyals zero the actor's update when the reward is 1).
    Unbiased for :func:`actor_gradient_exact`.

    Source: Pfau & Vinyals (2016), Section 2.3; the likelihood-ratio (score-function)
    gradient of Williams (1992).

    Parameters
    ----------
    critic : array_like, shape (K,)
    logits : array_like, shape (K,)
    episodes : Episodes
        Tabular episodes (x = atom indices).
    objective : {"q", "log_q", "minimax"}
    normalize : {"fake", "episodes"}
        Divide by the number of fake episodes (a GAN minibatch mean) or of all episodes
        (which scales the mean by n_fake / n ≈ 1 - ρ).
    logit : bool
        ``critic`` holds logits ψ, Q = σ(ψ).

    Returns
    -------
    GradientEstimate
        Over the n_fake fake episodes (``n = n_fake``).
    """
    theta = check_vector(logits, "logits")
    k = theta.shape[0]
    c = check_vector(critic, "critic", k) if logit else _critic_values(critic, k)
    ep = _episodes(episodes)
    normalize = check_in(normalize, "normalize", NORMALISATIONS)
    x = _atoms(ep.x, k, "episodes.x")[~ep.is_real]
    q = softmax(theta)
    f = _finite_objective(c, objective, np.bincount(x, minlength=k) > 0, logit)
    terms = f[x][:, None] * (np.eye(k)[x] - q)
    return _estimate(terms, n_norm=ep.n if normalize == "episodes" else None)


# ---------------------------------------------------------------------------- pathwise actor
def actor_scaling(critic_logit: ArrayLike, reward: ArrayLike, *, objective: str = "minimax") -> np.ndarray:
    """The per-episode scaling that multiplies the value gradient ∇_θ Q in the actor's update.

    ``"minimax"``: ∂D(r ‖ Q)/∂Q = -r/Q + (1 - r)/(1 - Q), D the cross-entropy (1/(1 - Q) on
    fake episodes, r = 0); ``"log_q"``: 1/Q (= -∂D(1 ‖ Q)/∂Q, the flipped target);
    ``"q"``: 1.  Computed from the critic's logit ψ (Q = σ(ψ)): 1/(1 - Q) = 1 + e^ψ,
    1/Q = 1 + e^-ψ, so no precision is lost near Q = 0 or 1.

    Source: Pfau & Vinyals (2016), Section 2.3 ("a scaling term proportional to ∂D/∂Q ... where
    D is the cross-entropy").

    Parameters
    ----------
    critic_logit : array_like, shape (n,)
        ψ(x_i) of the shown x of each episode.
    reward : array_like, shape (n,)
        r_i in [0, 1] (only used by ``"minimax"``).
    objective : {"q", "log_q", "minimax"}

    Returns
    -------
    ndarray, shape (n,)

    Notes
    -----
    e^{±ψ} overflows for |ψ| > 709; critic logits stay far below that in practice.
    """
    objective = check_in(objective, "objective", ACTOR_OBJECTIVES)
    psi = as_float_array(critic_logit, "critic_logit", allow_empty=True)
    r = as_float_array(reward, "reward", allow_empty=True)
    if psi.shape != r.shape or psi.ndim != 1:
        raise ValueError("`critic_logit` and `reward` must be 1-D of equal length "
                         f"(got {psi.shape}, {r.shape})")
    if objective == "q":
        return np.ones_like(psi)
    if objective == "log_q":
        return 1.0 + np.exp(-psi)
    # -r/Q + (1 - r)/(1 - Q) with 1/Q = 1 + e^-ψ and 1/(1 - Q) = 1 + e^ψ
    return -r * (1.0 + np.exp(-psi)) + (1.0 - r) * (1.0 + np.exp(psi))


def affine_actor(theta: dict, z):
    """x = μ + z Lᵀ: a pathwise actor (reparameterized Gaussian), differentiable in θ.

    Source: the reparameterization x = g_θ(z) of SVG(0) / DPG-style actors cited by Pfau &
    Vinyals (2016), Section 2.2; with L diagonal this is x = μ + σ ⊙ z.

    Parameters
    ----------
    theta : dict with ``"mu"`` (d,) and ``"scale"`` (d, d) or (d,)
    z : array, shape (n, m) (m = d for a square or diagonal scale)

    Returns
    -------
    array, shape (n, d)
    """
    scale = theta["scale"]
    if anp.ndim(scale) == 1:
        return theta["mu"] + z * scale
    return theta["mu"] + anp.dot(z, anp.transpose(scale))


def _sigmoid(x):
    # exp(log σ(x)) = exp(-softplus(-x)): autograd's derivative is σ(x) σ(-x) without the
    # cancellation of 1 - σ(x)^2-type formulas, so the value gradient survives at |x| ~ 40.
    return anp.exp(-anp.logaddexp(0.0, -x))


@renamed_keywords(normalise="normalize")
def pathwise_actor_gradient(
    actor: Callable,
    theta: Any,
    noise: ArrayLike,
    critic_logit: Callable,
    *,
    real_x: ArrayLike | None = None,
    objective: str = "minimax",
    normalize: str = "fake",
) -> Any:
    """The actor's update through a differentiable critic, written the paper's way.

    Episodes: the real samples ``real_x`` (reward 1, x independent of θ) and the actor's
    actions x_i(θ) = actor(θ, z_i) (reward 0).  With the scaling s_i = ``actor_scaling`` of
    each episode computed first (from the critic's values, held fixed), the update is

        g(θ) = (1/N) Σ_i s_i ∇_θ Q(x_i(θ)),     Q = σ(ψ),

    the value gradient of DPG / SVG(0) times ∂D/∂Q.  Autograd differentiates Σ_i s_i Q(x_i(θ))
    over *all* episodes; the real ones contribute exactly 0 since their x does not depend on
    θ.  With ``"minimax"`` this equals -∇_θ E_z log(1 - D(G_θ(z))) at D = σ(ψ), the minimax
    generator gradient with the opposite sign; with ``"log_q"``, -∇_θ of the non-saturating
    loss -E_z log D(G_θ(z)).

    Source: Pfau & Vinyals (2016), Section 2.3 (scaling term ∂D/∂Q, cross-entropy D; no actor
    update when the environment shows a real image) and Section 2.2 (DPG / SVG(0) actors
    update by the gradient of the critic with respect to the action).

    Parameters
    ----------
    actor : callable ``(theta, z) -> (n_fake, d)``
        Differentiable in ``theta`` with autograd (e.g. :func:`affine_actor`, or
        ``solvers.neural.gan.generator_apply``).
    theta : autograd-compatible parameters (array, dict, list)
    noise : array_like, shape (n_fake, m)
        The noise z of the fake episodes.
    critic_logit : callable ``x (n, d) -> (n,)``
        The critic's logit ψ(x), differentiable with autograd.
    real_x : array_like, shape (n_real, d), optional
        Real samples shown in the real episodes (none by default).
    objective : {"q", "log_q", "minimax"}
    normalize : {"fake", "episodes"}
        N = n_fake (the GAN's minibatch mean) or N = n_real + n_fake.

    Returns
    -------
    Same structure as ``theta``
        Ascent direction of the actor's objective.

    Raises
    ------
    ValueError, TypeError
        Bad shapes, unknown options, or no episodes to normalize by.
    """
    objective = check_in(objective, "objective", ACTOR_OBJECTIVES)
    normalize = check_in(normalize, "normalize", NORMALISATIONS)
    if not callable(actor) or not callable(critic_logit):
        raise TypeError("`actor` and `critic_logit` must be callables")
    z = as_float_array(noise, "noise", allow_empty=True)
    x_fake = np.asarray(actor(theta, z), dtype=float)
    if x_fake.ndim != 2:
        raise ValueError(f"`actor` must return shape (n_fake, d) (got shape {x_fake.shape})")
    d = x_fake.shape[1]
    if real_x is None:
        xr = np.zeros((0, d))
    else:
        xr = as_float_array(real_x, "real_x", allow_empty=True)
        if xr.ndim == 1:
            xr = xr[:, None]
        if xr.ndim != 2 or xr.shape[1] != d:
            raise ValueError(f"`real_x` must have shape (n_real, {d}) (got shape {xr.shape})")
    n_r, n_f = xr.shape[0], x_fake.shape[0]
    norm = n_f if normalize == "fake" else n_r + n_f
    if norm == 0:
        raise ValueError(f"no episodes to average over (n_real={n_r}, n_fake={n_f}, normalize={normalize!r})")
    reward = np.concatenate([np.ones(n_r), np.zeros(n_f)])
    psi = np.asarray(critic_logit(np.concatenate([xr, x_fake])), dtype=float).reshape(-1)
    weights = actor_scaling(psi, reward, objective=objective) / norm  # held fixed

    def surrogate(th):
        x = anp.concatenate([xr, actor(th, z)], axis=0)
        return anp.sum(weights * _sigmoid(anp.reshape(critic_logit(x), (-1,))))

    return grad(surrogate)(theta)

