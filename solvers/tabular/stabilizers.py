"""The stabilizing strategies of Pfau & Vinyals (2016), Table 1, as options of the categorical
GAN with exact expectations (the game of :mod:`solvers.tabular.gan`).

Generator: softmax logits θ ∈ R^K, q = softmax(θ).  Discriminator: one logit ψ_x per atom
(plus, with minibatch discrimination, one shared weight w).  With labels a (real) and b (fake)
and the discriminator's fake distribution m (= q, or a replay mixture), the discriminator
ascends

    V_ab(ψ, w) = Σ_x p [a log σ(ℓ_r) + (1 - a) log σ(-ℓ_r)] + Σ_x m [b log σ(ℓ_f) + (1 - b) log σ(-ℓ_f)],

ℓ_r = ψ + w p, ℓ_f = ψ + w m (ℓ = ψ without minibatch features), with hand-derived gradients

    ∂V/∂ψ = p (a - σ(ℓ_r)) + m (b - σ(ℓ_f)),     ∂V/∂w = Σ p² (a - σ(ℓ_r)) + Σ m² (b - σ(ℓ_f)),

and the generator descends L(θ) = Σ_x q c(ℓ_G) - τ H(q) with c = log σ(-ℓ) (minimax) or
-log σ(ℓ) (non-saturating), ℓ_G = ψ_G + w_G q, through the softmax Jacobian:

    ∂L/∂θ_j = q_j (g_j - Σ q g),   g_x = c(ℓ_x) + q_x c'(ℓ_x) w_G + τ (log q_x + 1),

c'(ℓ) = -σ(ℓ) (minimax) or -(1 - σ(ℓ)) (non-saturating).

The options (:class:`GANStabilizers`), each the plain GAN at its default:

- **freezing learning** — ``d_every``/``g_every``: update a player only every k steps;
  ``d_loss_floor``: skip the discriminator's update while its loss -V_ab is below the floor
  (it is "too strong"); ``g_loss_floor`` likewise for the generator (Pfau & Vinyals 2016,
  Section 3.1, item 1);
- **label smoothing** — ``real_label`` a, ``fake_label`` b: one-sided b = 0 < a < 1, two-sided
  b > 0 (Salimans et al. 2016, Section 3.4);
- **historical averaging** — ``hist_avg`` λ: both players' losses gain λ ‖param - mean of its
  past values‖² (Salimans et al. 2016, Section 3.3);
- **minibatch discrimination** — ``minibatch``: on a categorical space with an exact-match
  kernel, Salimans et al.'s minibatch feature o(x) = Σ_j exp(-‖M_x - M_j‖) of a sample is the
  number of batch members equal to it; per sample it is 1 + (B - 1) r(x) in expectation for a
  batch drawn from r.  In the infinite-batch limit we feed the discriminator the batch's own
  frequency r(x) (p for real batches, m for fake ones, q for the generator's batch) through one
  shared learned weight w.  A collapsed generator (q concentrated) then has a fake batch
  feature the real batches never show (Salimans et al. 2016, Section 3.2);
- **target network** — ``target_tau``/``target_every``: the generator is trained against a
  Polyak (or periodic) copy of the discriminator (Mnih et al. 2015); Pfau & Vinyals, Section
  3.2, argue it is not needed for GANs since the discriminator does not bootstrap;
- **replay buffer** — ``replay_weight`` λ, ``replay_capacity``, ``replay_every``: the
  discriminator's fake distribution is m = (1 - λ) q + λ r, r the mean of the buffered past
  generator distributions (all of history, a FIFO window, or a frozen buffer);
- **entropy regularization** — ``entropy`` τ: the generator's loss gains -τ H(q);
- **compatible features** — ``compatible``: the generator follows a critic that is compatible
  with its policy and fitted to the true reward of the stateless GAN MDP (Pfau & Vinyals 2016,
  Section 2.3: reward 1 on real rounds, 0 on fake rounds, and the generator is only updated on
  fake rounds).  The compatible features ∇_θ log q(x) = e_x - q span every centred function,
  so the least-squares fit to the constant reward 0 is f_w = 0 exactly: the true policy
  gradient of the GAN MDP vanishes and the generator does not move (Section 3.2, item 4).

Not applicable: batch normalization (:data:`NOT_APPLICABLE`).

Everything is vectorized over independent runs (a leading axis on ``p_data``, ``theta0``,
``psi0``).  Independence rule: nothing here calls ``theory.gan`` (the smoothed or replay
closed forms); tests and claims compare with them.

Sources: Goodfellow et al. (2014), eq. (1) and Algorithm 1; Salimans et al. (2016), "Improved
Techniques for Training GANs", Sections 3.2-3.4; Pfau & Vinyals (2016), Table 1 and Section 3.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import expit, log_expit

from solvers.results import ArrayResult, last_record
from solvers.rl_common import softmax
from solvers.stabilizer_spec import StabilizerSpec
from solvers.tabular.gan import GENERATOR_LOSSES, PSI_BOUND, SCHEMES
from theory.validation import check_instance, as_float_array, check_in, check_int
from theory.validation import check_nonnegative, check_positive, check_probability
from theory.validation import check_unit_interval
from theory.deprecation import module_getattr, renamed_keywords

__all__ = [
    "INNER_MODES",
    "NOT_APPLICABLE",
    "GANStabilizers",
    "StabilizedGANRun",
    "smoothed_discriminator_gradient",
    "stabilized_generator_gradient",
    "train_stabilized_gan",
    "DistributionBuffer",
    "GANState",
    "fake_distribution",
    "discriminator_update",
    "target_update",
    "generator_update",
    "running_mean_update",
    "stabilized_gan_step",
]

INNER_MODES = ("gda", "newton")

#: Largest Newton step of the exact inner maximization (in logit units): a step from a
#: saturated logit, where σ(ψ)(1 - σ(ψ)) underflows towards 0, cannot fly to the bounds.
NEWTON_STEP_CAP = 4.0

#: Strategies of Pfau & Vinyals (2016), Table 1, without meaning for the categorical GAN.
NOT_APPLICABLE = {
    "batch_normalization": "the categorical GAN has per-atom logits: no hidden layer and no "
                           "feature batch to normalize",
}


@dataclass(frozen=True)
class GANStabilizers(StabilizerSpec):
    """Stabilizer options of :func:`train_stabilized_gan` (defaults: the plain GAN).

    The shared options and their validation are :class:`~solvers.stabilizer_spec.StabilizerSpec`'s
    (real_label, fake_label, d_every, g_every, d_loss_floor, hist_avg, target_tau,
    replay_weight); here they mean:

    Parameters
    ----------
    real_label, fake_label : float in [0, 1]
        Discriminator targets a and b (label smoothing).
    d_every, g_every : int >= 1
        Update the discriminator / generator only on every k-th step (steps k, 2k, ...,
        counting from 1); k > n_steps freezes the player for the whole run.
    d_loss_floor, g_loss_floor : float, optional
        Skip a player's update (per run) while its loss is below the floor: -V_ab for the
        discriminator, the generator's loss L for the generator.
    hist_avg : float >= 0
        λ of the historical-averaging penalty (both players).
    minibatch : bool
        Minibatch discrimination (batch-frequency feature, shared weight w).
    target_tau : float in (0, 1], optional
        Polyak rate of the generator's copy of the discriminator; ``None`` = the live one.
        On steps k, 2k, ... (k = ``target_every``) the copy moves towards the discriminator the
        generator would otherwise use, just before the generator's step; τ = 1, k = 1 is
        therefore exactly the plain GAN.
    target_every : int >= 1
        Update the copy every this many steps (τ = 1: a periodic copy).
    replay_weight : float in [0, 1]
        λ, the buffer's share of the discriminator's fake distribution.
    replay_capacity : int >= 1, optional
        Past generator distributions kept (FIFO); ``None`` = all of history, equally weighted.
    replay_every : int >= 0
        Push q into the buffer every this many steps; 0 = never (a frozen buffer).
    entropy : float >= 0
        τ, the generator's entropy bonus.
    compatible : bool
        Generator follows the compatible critic of the GAN MDP (zero signal, see module).
    """

    g_loss_floor: float | None = None
    minibatch: bool = False
    target_every: int = 1
    replay_capacity: int | None = None
    replay_every: int = 1
    entropy: float = 0.0
    compatible: bool = False


@renamed_keywords(stabilisers="stabilizers")
@dataclass
class StabilizedGANRun(ArrayResult):
    """Trajectories of :func:`train_stabilized_gan`; runs on axis 1 (absent for one run).

    Attributes
    ----------
    steps : ndarray, shape (n_records,)
    theta, psi, q, d : ndarray, shape (n_records, [R,] K)
        Generator logits, discriminator logits, q = softmax(θ), D = σ(ψ) (the discriminator's
        atom logit; with minibatch features the real/fake logits add w p / w m).
    w : ndarray, shape (n_records, [R])
        Minibatch-feature weight (0 without minibatch discrimination).
    buffer_mean : ndarray, shape ([R,] K)
        The buffer's mixture r at the end (q0 or ``buffer_init`` if nothing was pushed).
    d_updates, g_updates : ndarray of int, shape ([R])
        Updates actually made (freezing skips some).
    stabilizers : GANStabilizers
    """

    steps: np.ndarray
    theta: np.ndarray
    psi: np.ndarray
    q: np.ndarray
    d: np.ndarray
    w: np.ndarray
    buffer_mean: np.ndarray
    d_updates: np.ndarray
    g_updates: np.ndarray
    stabilizers: GANStabilizers

    final_q = last_record("q", "q after the last record, shape ([R,] K).")
    final_d = last_record("d", "D after the last record, shape ([R,] K).")


# ---------------------------------------------------------------------------- gradients
def _disc_terms(psi, w, p, m, a, b):
    """(∂V/∂ψ, ∂V/∂w, V) of the smoothed value, vectorized over leading axes."""
    lr_ = psi + w[..., None] * p
    lf_ = psi + w[..., None] * m
    er = p * (a - expit(lr_))
    ef = m * (b - expit(lf_))
    g_psi = er + ef
    g_w = np.sum(p * er + m * ef, axis=-1)
    value = np.sum(p * (a * log_expit(lr_) + (1 - a) * log_expit(-lr_))
                   + m * (b * log_expit(lf_) + (1 - b) * log_expit(-lf_)), axis=-1)
    return g_psi, g_w, value


def _gen_terms(psi_g, w_g, q, loss, tau):
    """(∂L/∂θ, L) of the generator's loss against the logits ψ_G (+ w_G q)."""
    ell = psi_g + w_g[..., None] * q
    if loss == "minimax":
        c = log_expit(-ell)
        dc = -expit(ell)
    else:
        c = -log_expit(ell)
        dc = -expit(-ell)
    g = c + q * dc * w_g[..., None]
    value = np.sum(q * c, axis=-1)
    if tau > 0:
        with np.errstate(divide="ignore"):
            logq = np.log(q)
        logq = np.maximum(logq, -745.0)  # q underflowing to 0 contributes 0 · log 0 = 0
        g = g + tau * (logq + 1.0)
        value = value + tau * np.sum(q * logq, axis=-1)
    return q * (g - np.sum(q * g, axis=-1, keepdims=True)), value


def smoothed_discriminator_gradient(
    psi: ArrayLike, p_data: ArrayLike, p_fake: ArrayLike, *, real_label: float = 1.0,
    fake_label: float = 0.0,
) -> np.ndarray:
    """∂V_ab/∂ψ_x = p (a - σ(ψ_x)) + m (b - σ(ψ_x)) for the label-smoothed value.

    Source: Salimans et al. (2016), Section 3.4 (targets a, b), differentiated per atom; with
    a = 1, b = 0 it is ``solvers.tabular.gan.discriminator_gradient``.

    Parameters
    ----------
    psi : array_like, shape (..., K)
    p_data, p_fake : array_like, shape (..., K)
        Data and the discriminator's fake distribution.
    real_label, fake_label : float in [0, 1], keyword-only

    Returns
    -------
    ndarray, shape (..., K)
    """
    a = check_unit_interval(real_label, "real_label")
    b = check_unit_interval(fake_label, "fake_label")
    p = check_probability(p_data, "p_data")
    m = check_probability(p_fake, "p_fake")
    psi = as_float_array(psi, "psi")
    psi, p, m = np.broadcast_arrays(psi, p, m)
    return _disc_terms(psi, np.zeros(psi.shape[:-1]), p, m, a, b)[0]


def stabilized_generator_gradient(
    psi: ArrayLike, theta: ArrayLike, *, loss: str = "minimax", entropy: float = 0.0,
    w: float = 0.0,
) -> np.ndarray:
    """∂/∂θ of Σ_x q c(ψ_x + w q_x) - τ H(q), q = softmax(θ).

    ∂L/∂θ_j = q_j (g_j - Σ q g),  g_x = c(ℓ_x) + q_x c'(ℓ_x) w + τ (log q_x + 1).

    Source: Goodfellow et al. (2014), eq. (1) and Section 3 (the two generator losses), with
    the minibatch feature of Salimans et al. (2016), Section 3.2, and an entropy bonus
    (Pfau & Vinyals 2016, Section 3.2, item 3); differentiated by hand.

    Parameters
    ----------
    psi, theta : array_like, shape (..., K)
    loss : {"minimax", "non_saturating"}, keyword-only
    entropy : float >= 0, keyword-only
    w : float, keyword-only
        Minibatch-feature weight.

    Returns
    -------
    ndarray, shape (..., K); sums to 0 along the last axis (up to rounding).
    """
    loss = check_in(loss, "loss", GENERATOR_LOSSES)
    tau = check_nonnegative(entropy, "entropy")
    psi = as_float_array(psi, "psi")
    theta = as_float_array(theta, "theta")
    psi, theta = np.broadcast_arrays(psi, theta)
    w_arr = np.broadcast_to(as_float_array(w, "w"), psi.shape[:-1])
    return _gen_terms(psi, w_arr, softmax(theta), loss, tau)[0]


def _newton_smoothed(psi, u, s, *, tol=1e-13, max_iter=200):
    """Per-atom maximizer of u log σ(ψ) + (s - u) log σ(-ψ): Newton on the decreasing gradient
    g(ψ) = u - s σ(ψ) with steps capped at ±NEWTON_STEP_CAP and a bracket [lo, hi] (g(lo) > 0 >
    g(hi)), bisecting when a step leaves the bracket; logits stay in [-PSI_BOUND, PSI_BOUND].
    An atom stops moving once |g| <= tol · s (a converged atom's rounding-size Newton step
    could otherwise fail the strict bracket test and trigger a bisection towards the far
    bound); atoms with s = 0 keep their logit."""
    active = s > 0
    s_safe = np.where(active, s, 1.0)
    psi = np.clip(psi, -PSI_BOUND, PSI_BOUND)
    lo = np.full_like(psi, -PSI_BOUND)
    hi = np.full_like(psi, PSI_BOUND)
    for _ in range(max_iter):
        g = u * expit(-psi) - (s - u) * expit(psi)  # = u - s σ(ψ), exact for saturated ψ
        todo = active & (np.abs(g) > tol * s_safe)  # converged atoms are left alone
        if not todo.any():
            break
        lo = np.where(g > 0, psi, lo)
        hi = np.where(g < 0, psi, hi)
        curv = s * expit(psi) * expit(-psi)
        step = np.divide(g, curv, out=np.sign(g) * NEWTON_STEP_CAP, where=curv > 0)
        cand = psi + np.clip(step, -NEWTON_STEP_CAP, NEWTON_STEP_CAP)
        new = np.where((cand > lo) & (cand < hi), cand, 0.5 * (lo + hi))
        psi = np.where(todo, new, psi)
    return psi


# ---------------------------------------------------------------------------- update rules
# One function per update rule (the rlax shape), composed by :func:`stabilized_gan_step`; ``t``
# counts steps from 1, so a player with ``d_every`` = k updates on t = k, 2k, ...  Arrays have
# a leading run axis: logits (R, K), the minibatch weight w (R,).


class DistributionBuffer:
    """The replay buffer of past generator distributions (one per run) and its mean r.

    Parameters
    ----------
    first : ndarray, shape (R, K)
        The initial content (one distribution per run).
    capacity : int >= 1 or None
        Distributions kept (FIFO); ``None`` keeps all of history, equally weighted (a running
        sum, no storage).
    """

    def __init__(self, first: np.ndarray, capacity: int | None):
        self.capacity = capacity
        if capacity is None:
            self._sum, self._n = first.copy(), 1
        else:
            self._ring = np.zeros((first.shape[0], capacity, first.shape[1]))
            self._ring[:, 0] = first
            self._len, self._pos = 1, 1 % capacity

    def push(self, q: np.ndarray) -> None:
        """Add one distribution per run (shape (R, K)), dropping the oldest when full."""
        if self.capacity is None:
            self._sum, self._n = self._sum + q, self._n + 1
        else:
            self._ring[:, self._pos] = q
            self._pos = (self._pos + 1) % self.capacity
            self._len = min(self._len + 1, self.capacity)

    def mean(self) -> np.ndarray:
        """r, the uniform mixture of the stored distributions, shape (R, K)."""
        if self.capacity is None:
            return self._sum / self._n
        return self._ring[:, :self._len].mean(axis=1) if self._len < self.capacity else self._ring.mean(axis=1)


class GANState(NamedTuple):
    """Everything a step of :func:`train_stabilized_gan` reads and writes (runs on axis 0).

    Attributes
    ----------
    theta, psi : ndarray, shape (R, K)
        Generator and discriminator logits.
    w : ndarray, shape (R,)
        Minibatch-feature weight.
    psi_target, w_target : ndarray
        The generator's copy of the discriminator (moved only with a target network).
    theta_bar, psi_bar, w_bar : ndarray
        Running means of the parameters (historical averaging).
    buffer : DistributionBuffer
        Past generator distributions (mutated in place by :func:`stabilized_gan_step`).
    """

    theta: np.ndarray
    psi: np.ndarray
    w: np.ndarray
    psi_target: np.ndarray
    w_target: np.ndarray
    theta_bar: np.ndarray
    psi_bar: np.ndarray
    w_bar: np.ndarray
    buffer: DistributionBuffer


def fake_distribution(q: np.ndarray, buffer_mean: np.ndarray, replay_weight: float) -> np.ndarray:
    """The discriminator's fake distribution m = (1 - λ) q + λ r (q itself when λ = 0).

    Source: Pfau & Vinyals (2016), Section 3.2 (replay buffers).
    """
    if replay_weight == 0:
        return q
    return (1.0 - replay_weight) * q + replay_weight * buffer_mean


def discriminator_update(
    psi: np.ndarray, w: np.ndarray, p: np.ndarray, m: np.ndarray, st: GANStabilizers, *, t: int,
    lr_d: float, n_disc_steps: int, inner: str, psi_bar: np.ndarray, w_bar: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The discriminator's move at step t: exact re-maximization or ascent steps on V_ab.

    ``inner="newton"``: ψ ← the per-atom maximizer of V_ab against (p, m) (every step).
    ``inner="gda"``: on steps t multiple of ``d_every``, ``n_disc_steps`` steps
    ψ ← ψ + η_d (∂V/∂ψ - 2λ(ψ - ψ̄)) (and w likewise with minibatch features), each skipped
    from the first on which a run's loss -V_ab is below ``d_loss_floor``.

    Source: Goodfellow et al. (2014), Algorithm 1 (k discriminator steps); the options of
    Pfau & Vinyals (2016), Table 1 (module docstring).

    Returns
    -------
    psi : ndarray, shape (R, K)
    w : ndarray, shape (R,)
    on : ndarray of bool, shape (R,)
        Runs whose discriminator updated.
    """
    a, b, hist = st.real_label, st.fake_label, st.hist_avg
    R = psi.shape[0]
    if inner == "newton":
        return _newton_smoothed(psi, a * p + b * m, p + m), w, np.ones(R, dtype=bool)
    if t % st.d_every:
        return psi, w, np.zeros(R, dtype=bool)
    on = np.ones(R, dtype=bool)
    for _ in range(n_disc_steps):
        g_psi, g_w, value = _disc_terms(psi, w, p, m, a, b)
        if st.d_loss_floor is not None:
            on = on & (-value >= st.d_loss_floor)
        if hist > 0:
            g_psi = g_psi - 2.0 * hist * (psi - psi_bar)
            g_w = g_w - 2.0 * hist * (w - w_bar)
        psi = np.where(on[:, None], psi + lr_d * g_psi, psi)
        if st.minibatch:
            w = np.where(on, w + lr_d * g_w, w)
    return psi, w, on


def target_update(psi_target: np.ndarray, w_target: np.ndarray, psi: np.ndarray, w: np.ndarray,
                  st: GANStabilizers, *, t: int) -> tuple[np.ndarray, np.ndarray]:
    """The discriminator the generator trains against: (ψ, w) itself, or the target copy moved
    by ψ_T ← (1 - τ)ψ_T + τψ (and w_T likewise) on steps t multiple of ``target_every``.

    Source: Mnih et al. (2015) (target network); Pfau & Vinyals (2016), Section 3.2.
    """
    if st.target_tau is None:
        return psi, w
    if t % st.target_every == 0:
        psi_target = (1.0 - st.target_tau) * psi_target + st.target_tau * psi
        w_target = (1.0 - st.target_tau) * w_target + st.target_tau * w
    return psi_target, w_target


def generator_update(
    theta: np.ndarray, q: np.ndarray, psi_g: np.ndarray, w_g: np.ndarray, st: GANStabilizers, *,
    t: int, lr_g: float, loss: str, theta_bar: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """One generator step θ ← θ - η_g (∂L/∂θ + 2λ(θ - θ̄)) against (ψ_G, w_G), q = softmax(θ).

    Off unless t is a multiple of ``g_every``; per run off while L < ``g_loss_floor``; with
    ``compatible`` the loss's own gradient is cancelled (the compatible critic's signal is 0,
    module docstring), leaving the entropy and averaging terms.

    Source: Goodfellow et al. (2014), eq. (1) and Section 3 (the two generator losses); the
    options of Pfau & Vinyals (2016), Table 1.

    Returns
    -------
    theta : ndarray, shape (R, K)
    on : ndarray of bool, shape (R,)
    """
    R = theta.shape[0]
    if t % st.g_every:
        return theta, np.zeros(R, dtype=bool)
    g_theta, g_value = _gen_terms(psi_g, w_g, q, loss, st.entropy)
    on = np.ones(R, dtype=bool)
    if st.g_loss_floor is not None:
        on = g_value >= st.g_loss_floor
    if st.compatible:
        # compatible critic fitted to the GAN MDP's reward: exactly zero (module doc)
        g_theta = g_theta - _gen_terms(psi_g, w_g, q, loss, 0.0)[0]
    if st.hist_avg > 0:
        g_theta = g_theta + 2.0 * st.hist_avg * (theta - theta_bar)
    return np.where(on[:, None], theta - lr_g * g_theta, theta), on


def running_mean_update(bar: np.ndarray, x: np.ndarray, *, t: int) -> np.ndarray:
    """The mean of x₀ … x_t from the mean of x₀ … x_{t-1}: x̄ + (x - x̄)/(t + 1)."""
    return bar + (x - bar) / (t + 1)


def stabilized_gan_step(
    p: np.ndarray, state: GANState, st: GANStabilizers, *, t: int, scheme: str, loss: str,
    lr_g: float, lr_d: float, n_disc_steps: int, inner: str,
) -> tuple[GANState, np.ndarray, np.ndarray]:
    """Step t of :func:`train_stabilized_gan`, composed of the update rules above.

    m = (1 - λ) q_t + λ r_t; the discriminator moves (:func:`discriminator_update`); the
    generator steps against the discriminator of the step's start (``"simultaneous"``) or
    the updated one (``"alternating"``), or against the target copy moved towards it
    (:func:`target_update`, :func:`generator_update`); q_t enters the buffer every
    ``replay_every`` steps; the running means move (historical averaging).

    Source: Goodfellow et al. (2014), Algorithm 1 with exact expectations; Pfau & Vinyals
    (2016), Table 1.

    Returns
    -------
    (GANState, ndarray of bool, ndarray of bool)
        The new state and the runs whose discriminator / generator updated.
    """
    theta, psi, w = state.theta, state.psi, state.w
    q = softmax(theta)
    m = fake_distribution(q, state.buffer.mean() if st.replay_weight else None, st.replay_weight)
    new_psi, new_w, d_on = discriminator_update(psi, w, p, m, st, t=t, lr_d=lr_d,
                                                n_disc_steps=n_disc_steps, inner=inner,
                                                psi_bar=state.psi_bar, w_bar=state.w_bar)
    live = (psi, w) if scheme == "simultaneous" else (new_psi, new_w)
    psi_g, w_g = target_update(state.psi_target, state.w_target, *live, st, t=t)
    new_theta, g_on = generator_update(theta, q, psi_g, w_g, st, t=t, lr_g=lr_g, loss=loss,
                                       theta_bar=state.theta_bar)
    if st.replay_every and t % st.replay_every == 0:
        state.buffer.push(q)
    bars = (state.theta_bar, state.psi_bar, state.w_bar)
    if st.hist_avg > 0:
        bars = tuple(running_mean_update(bar, x, t=t) for bar, x in zip(bars, (new_theta, new_psi, new_w)))
    targets = (psi_g, w_g) if st.target_tau is not None else (state.psi_target, state.w_target)
    return GANState(new_theta, new_psi, new_w, *targets, *bars, state.buffer), d_on, g_on


# ---------------------------------------------------------------------------- training
@renamed_keywords(stabilisers="stabilizers")
def train_stabilized_gan(
    p_data: ArrayLike,
    *,
    theta0: ArrayLike,
    psi0: ArrayLike,
    lr_g: float,
    lr_d: float,
    n_steps: int,
    stabilizers: GANStabilizers | None = None,
    scheme: str = "simultaneous",
    generator_loss: str = "minimax",
    n_disc_steps: int = 1,
    inner: str = "gda",
    buffer_init: ArrayLike | None = None,
    record_every: int | None = None,
) -> StabilizedGANRun:
    """Descent-ascent on the categorical GAN with the stabilizers of ``stabilizers``.

    One step t: the fake distribution m = (1 - λ) q_t + λ r_t; the discriminator takes
    ``n_disc_steps`` ascent steps on V_ab (``inner="gda"``) or is re-maximized exactly by
    per-atom Newton iterations (``inner="newton"``); the generator takes one descent step
    against the discriminator of the step's start (``"simultaneous"``) or the updated one
    (``"alternating"``) — or against the target copy, moved towards that one first; then the
    buffer and the running parameter means are updated.

    Source: Goodfellow et al. (2014), Algorithm 1 with exact expectations; the stabilizers of
    Pfau & Vinyals (2016), Table 1 (module docstring).

    Parameters
    ----------
    p_data : array_like, shape (K,) or (R, K)
    theta0, psi0 : array_like, shape (K,) or (R, K), keyword-only
        Initial logits; the run count R is the broadcast leading size.
    lr_g, lr_d : float > 0, keyword-only
    n_steps : int >= 0, keyword-only
    stabilizers : GANStabilizers, keyword-only
        Default: none.
    scheme : {"simultaneous", "alternating"}, keyword-only
    generator_loss : {"minimax", "non_saturating"}, keyword-only
    n_disc_steps : int >= 1, keyword-only
    inner : {"gda", "newton"}, keyword-only
        ``"newton"`` re-maximizes ψ exactly at every step (``lr_d`` and ``n_disc_steps`` are
        then unused; minibatch features and discriminator freezing are refused, and
        historical averaging acts on the generator only).
    buffer_init : array_like, shape (K,) or (R, K), optional
        The buffer's initial content (default q0 = softmax(theta0)).
    record_every : int >= 1, optional
        Keep the state every this many steps (default: every step).

    Returns
    -------
    StabilizedGANRun

    Raises
    ------
    ValueError, TypeError
        Named errors for bad inputs or incompatible options.
    """
    st = GANStabilizers() if stabilizers is None else stabilizers
    check_instance(st, "stabilizers", GANStabilizers)
    p = check_probability(p_data, "p_data")
    theta = as_float_array(theta0, "theta0")
    psi = as_float_array(psi0, "psi0")
    if p.ndim not in (1, 2) or theta.ndim not in (1, 2) or psi.ndim not in (1, 2):
        raise ValueError("`p_data`, `theta0` and `psi0` must have shape (K,) or (R, K)")
    batched = max(p.ndim, theta.ndim, psi.ndim) == 2
    try:
        p, theta, psi = (np.array(x, dtype=np.float64) for x in np.broadcast_arrays(p, theta, psi))
    except ValueError:
        raise ValueError(f"`p_data`, `theta0`, `psi0` do not broadcast (shapes {p.shape}, "
                         f"{theta.shape}, {psi.shape})") from None
    if not batched:
        p, theta, psi = p[None], theta[None], psi[None]
    R, K = p.shape
    lr_g = check_positive(lr_g, "lr_g")
    lr_d = check_positive(lr_d, "lr_d")
    n_steps = check_int(n_steps, "n_steps", minimum=0)
    scheme = check_in(scheme, "scheme", SCHEMES)
    loss = check_in(generator_loss, "generator_loss", GENERATOR_LOSSES)
    n_disc = check_int(n_disc_steps, "n_disc_steps", minimum=1)
    inner = check_in(inner, "inner", INNER_MODES)
    if inner == "newton" and (st.minibatch or st.d_every != 1 or st.d_loss_floor is not None):
        raise ValueError("inner='newton' re-maximizes the discriminator exactly: it cannot be "
                         "combined with `minibatch`, `d_every` or `d_loss_floor`")
    every = 1 if record_every is None else check_int(record_every, "record_every", minimum=1)

    if buffer_init is None:
        first = softmax(theta)
    else:
        first = check_probability(buffer_init, "buffer_init")
        first = np.broadcast_to(first, (R, K)).astype(np.float64).copy()
    w = np.zeros(R)
    state = GANState(theta=theta, psi=psi, w=w, psi_target=psi.copy(), w_target=w.copy(),
                     theta_bar=theta.copy(), psi_bar=psi.copy(), w_bar=w.copy(),
                     buffer=DistributionBuffer(first, st.replay_capacity))
    d_updates = np.zeros(R, dtype=np.int64)
    g_updates = np.zeros(R, dtype=np.int64)

    record_steps = np.unique(np.r_[np.arange(0, n_steps + 1, every), n_steps])
    n_rec = record_steps.size
    thetas, psis = np.empty((n_rec, R, K)), np.empty((n_rec, R, K))
    ws = np.empty((n_rec, R))
    thetas[0], psis[0], ws[0] = theta, psi, w
    rec = 1

    for t in range(1, n_steps + 1):
        state, d_on, g_on = stabilized_gan_step(p, state, st, t=t, scheme=scheme, loss=loss,
                                                lr_g=lr_g, lr_d=lr_d, n_disc_steps=n_disc,
                                                inner=inner)
        d_updates += d_on
        g_updates += g_on
        if rec < n_rec and record_steps[rec] == t:
            thetas[rec], psis[rec], ws[rec] = state.theta, state.psi, state.w
            rec += 1

    qs = softmax(thetas)
    out = dict(theta=thetas, psi=psis, q=qs, d=expit(psis), w=ws, buffer_mean=state.buffer.mean(),
               d_updates=d_updates, g_updates=g_updates)
    if not batched:
        out = {k: (v[:, 0] if k in ("theta", "psi", "q", "d", "w") else v[0]) for k, v in out.items()}
    return StabilizedGANRun(steps=record_steps, stabilizers=st, **out)


# Old British spellings of public names, kept as deprecated aliases (theory.deprecation).
__getattr__ = module_getattr(__name__, globals(), {
    'GANStabilisers': 'GANStabilizers',
    'StabilisedGANRun': 'StabilizedGANRun',
    'stabilised_generator_gradient': 'stabilized_generator_gradient',
    'train_stabilised_gan': 'train_stabilized_gan',
})
