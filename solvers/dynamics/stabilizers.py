"""The stabilizing strategies of Pfau & Vinyals (2016), Table 1, on the Dirac-GAN.

The Dirac-GAN (Mescheder, Geiger & Nowozin 2018, Section 2; :mod:`solvers.dynamics.dirac_gan`):
data at 0, the generator a point mass at θ, the discriminator D_ψ(x) = ψ·x read as a logit, and
the objective L(θ, ψ) = f(ψθ) + f(-ψ·0) with f(t) = log σ(t) = -log(1 + e^{-t}) (GAN) or
f(t) = t (WGAN), maximized by the discriminator and minimized by the generator.  In
cross-entropy terms the discriminator's probability that x is *real* is σ(-ψx) (the sign
convention of Mescheder et al.), so L is the log-likelihood of the labels real = 1, fake = 0.
Its only equilibrium is (θ, ψ) = (0, 0); plain simultaneous GD spirals out of it and
alternating GD circles it (Mescheder et al. 2018, Section 2).

:func:`train_stabilized_dirac_gan` runs simultaneous or alternating GD (the schemes of
:func:`~solvers.dynamics.dirac_gan.simultaneous_gd` / :func:`~solvers.dynamics.dirac_gan.alternating_gd`,
whose iterates it reproduces exactly when no strategy is switched on) with the options of
:class:`DiracStabilizers`.  Gradients are the field object's own autograd gradients
(``field.v_theta``, ``field.v_psi``); the strategies change *where* they are evaluated or add
hand-derived penalty gradients.  Semantics on this two-parameter toy:

- **freezing learning** — ``d_every`` / ``g_every``: a player updates only on outer steps
  k, 2k, ... (counting from 1); ``d_loss_floor`` / ``g_loss_floor``: a player skips its update
  (per run, checked before every inner step) while its own loss is below the floor — the
  discriminator's loss is -V(θ, ψ) (log 4 at the equilibrium for the GAN), the generator's the
  loss it minimizes (Pfau & Vinyals 2016, Section 3.1);
- **label smoothing** — ``real_label`` a, ``fake_label`` b: the discriminator maximizes the
  cross-entropy with soft targets, V_ab = a f(-ψ·0) + (1-a) f(ψ·0) + b f(-ψθ) + (1-b) f(ψθ)
  (:class:`LabelSmoothing`; Salimans et al. 2016, Section 3.4).  Because every real sample
  sits at x = 0, where D_ψ(0) = 0 (probability 1/2) for *every* ψ, the real-label term has
  zero ψ-gradient: **one-sided smoothing changes nothing** on the Dirac-GAN, and at θ = 0 every
  ψ is stationary for the discriminator whatever (a, b).  Two-sided smoothing changes the
  fake term: ∂V_ab/∂ψ = θ((1 - b) - σ(ψθ)), so for θ ≠ 0 the discriminator's best response is
  σ(-ψθ) = b, i.e. ψ*(θ) = log((1 - b)/b)/θ (finite for b > 0; with b = 0 the discriminator
  has no maximizer and ψθ → ∞), and the field's Jacobian at the equilibrium becomes
  [[0, -1/2], [1/2 - b, 0]] (derived with sympy in tests/solvers/dynamics/test_stabilizers.py);
- **historical averaging** — ``hist_avg`` λ: the generator's loss gains λ(θ - θ̄)² and the
  discriminator's objective -λ(ψ - ψ̄)², with θ̄, ψ̄ the uniform means of all parameters so far
  (θ₀ … θ_t, Salimans et al. 2016, Section 3.3) or, with ``hist_decay`` β, exponential moving
  averages θ̄ ← θ̄ + β(θ - θ̄); the anchors are updated after every outer step and held fixed
  within it;
- **target network** — ``target_tau`` τ / ``target_every`` k: the generator follows a copy ψ_T
  of the discriminator, moved by ψ_T ← (1 - τ)ψ_T + τψ on outer steps k, 2k, ..., just before
  the generator's update, towards the discriminator the generator would otherwise use (the
  step's start ψ_t; for the alternating scheme, where the generator moves first, also ψ_t).
  τ = 1 is a periodic copy; τ = 1, k = 1 is the plain game (Mnih et al. 2015);
- **replay buffer** — ``replay_weight`` λ, ``replay_capacity`` C: the discriminator's fake
  distribution is the mixture (1 - λ) δ_θ + λ (1/C) Σ_j δ_{θ_j} of the current generator and
  the C generator positions it trained against on the previous C outer steps (a FIFO filled
  with copies of θ₀ at the start).  The objective is linear in the fake distribution, so the
  discriminator's gradient is (1 - λ) v_ψ(θ, ψ) + λ mean_j v_ψ(θ_j, ψ) for any field whose
  objective is an expectation over real and fake points (Pfau & Vinyals 2016, Section 3.2);
- **compatible features** — ``compatible``: the analogue of the tabular solvers' option.  The
  generator is the deterministic policy x = μ_θ = θ of the stateless GAN MDP (Pfau & Vinyals
  2016, Section 2.3); the critic compatible with it (Silver et al. 2014, Theorem 3) is
  Q_w(x) = w (x - θ) ∂μ/∂θ + V = w (x - θ) + V.  Fitted by least squares to that MDP's reward
  on the rounds where the generator acts (the fake rounds: reward 0 whatever x), it is w = 0,
  V = 0, so the deterministic policy gradient ∂μ/∂θ · w vanishes and the generator never moves
  (the discriminator keeps ascending).

Not applicable (:data:`NOT_APPLICABLE`, with the reasons): entropy regularization, minibatch
discrimination, batch normalization.  The regularizers of Mescheder et al. (R1/R2, instance
noise, consensus, WGAN-GP, clipping) are not Table 1 strategies; they can still be combined
with the options here by passing their field object.

Independence rule (DESIGN.md): nothing here calls ``theory.dynamics`` or ``theory.gan``; the
linearized (augmented-state) update matrices and the closed forms are written in the tests and
claims.

Sources: Pfau & Vinyals (2016), "Connecting Generative Adversarial Networks and Actor-Critic
Methods", Table 1 and Section 3; Salimans et al. (2016), "Improved Techniques for Training
GANs", Sections 3.2-3.4; Mnih et al. (2015) (target network, replay); Silver et al. (2014),
"Deterministic Policy Gradient Algorithms", Theorem 3 (compatible critic); Mescheder et al.
(2018), Section 2 (the Dirac-GAN, SimGD and AltGD).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, NamedTuple

import autograd.numpy as anp
import numpy as np
from numpy.typing import ArrayLike

from solvers.dynamics.dirac_gan import LOSSES, SCHEMES, Trajectory, Unregularized, VectorField
from solvers.stabilizer_spec import StabilizerSpec
from theory.validation import check_instance, as_float_array, check_in, check_int, check_positive
from theory.validation import check_unit_interval
from theory.deprecation import module_getattr, renamed_keywords

__all__ = [
    "SCHEMES",
    "NOT_APPLICABLE",
    "LabelSmoothing",
    "DiracStabilizers",
    "StabilizedDiracRun",
    "train_stabilized_dirac_gan",
    "DiracState",
    "init_dirac_state",
    "discriminator_direction",
    "generator_direction",
    "discriminator_update",
    "target_update",
    "generator_gate",
    "generator_update",
    "replay_push",
    "anchor_update",
    "simultaneous_outer_step",
    "alternating_outer_step",
    "fitted_rate",
]


#: Strategies of Pfau & Vinyals (2016), Table 1, without meaning for the Dirac-GAN.
NOT_APPLICABLE = {
    "entropy_regularization": "the generator is a point mass δ_θ: its entropy (0 as a discrete "
                              "distribution, -∞ as a density) does not depend on θ, so a bonus "
                              "τH has zero gradient (a spread generator would be another toy)",
    "minibatch_discrimination": "every fake sample equals θ and every real sample 0, so the "
                                "minibatch feature Σ_j exp(-|M(x - x_j)|) is the batch size B "
                                "for real and fake batches alike: it carries no information",
    "batch_normalization": "D_ψ(x) = ψx has no hidden layer, and normalizing a batch of identical "
                           "samples (all 0, or all θ) maps every sample to 0: real and fake "
                           "inputs would coincide and the game would vanish",
}


# ---------------------------------------------------------------------------- label smoothing
def _log_sigmoid(t):
    """f(t) = log σ(t) = -log(1 + e^{-t}), overflow-free."""
    return -anp.logaddexp(0.0, -t)


class LabelSmoothing(Unregularized):
    """The Dirac-GAN with soft targets a (real) and b (fake) in the discriminator's cross-entropy.

    V_ab(θ, ψ) = a f(-ψ·0) + (1 - a) f(ψ·0) + b f(-ψθ) + (1 - b) f(ψθ),  f = log σ,

    the log-likelihood of the targets under P(real | x) = σ(-ψx); a = 1, b = 0 is
    :class:`~solvers.dynamics.dirac_gan.Unregularized`.  The generator's loss is unchanged
    (f(ψθ), or -f(-ψθ) non-saturating).  ∂V_ab/∂ψ = θ((1 - b) - σ(ψθ)): the real label a does
    not enter (the data point x = 0 gives D_ψ(0) = 0 for every ψ).

    Source: Salimans et al. (2016), Section 3.4 (one-sided label smoothing; two-sided with
    b > 0); Pfau & Vinyals (2016), Table 1.

    Parameters
    ----------
    loss : {"gan", "nsgan"}
        Smoothing needs the cross-entropy; the WGAN has no labels.
    real_label, fake_label : float in [0, 1]

    Raises
    ------
    ValueError
        ``loss="wgan"`` or labels outside [0, 1].
    """

    def __init__(self, loss: str = "gan", real_label: float = 1.0, fake_label: float = 0.0):
        if loss == "wgan":
            raise ValueError("label smoothing needs a cross-entropy loss: `loss` must be 'gan' or "
                             "'nsgan' (got 'wgan')")
        super().__init__(loss)
        self.real_label = check_unit_interval(real_label, "real_label")
        self.fake_label = check_unit_interval(fake_label, "fake_label")

    def discriminator_objective(self, theta, psi):
        a, b = self.real_label, self.fake_label
        d_real = psi * (0.0 * theta)
        d_fake = psi * theta
        return (a * _log_sigmoid(-d_real) + (1.0 - a) * _log_sigmoid(d_real)
                + b * _log_sigmoid(-d_fake) + (1.0 - b) * _log_sigmoid(d_fake))


# ---------------------------------------------------------------------------- options
@dataclass(frozen=True)
class DiracStabilizers(StabilizerSpec):
    """Stabilizer options of :func:`train_stabilized_dirac_gan` (defaults: the plain game).

    The shared options, their validation and the ``smoothing`` property are
    :class:`~solvers.stabilizer_spec.StabilizerSpec`'s; loss floors must be scalars here.

    Parameters
    ----------
    real_label, fake_label : float in [0, 1]
        Targets a and b (label smoothing; needs the plain ``"gan"``/``"nsgan"`` field).
    d_every, g_every : int >= 1
        Update the discriminator / generator only on outer steps k, 2k, ...
    d_loss_floor, g_loss_floor : float, optional
        Skip a player's update (per run) while its loss is below the floor.
    hist_avg : float >= 0
        λ of the historical-averaging penalty (both players).
    hist_decay : float in (0, 1], optional
        β of an exponential moving-average anchor; ``None`` = the uniform mean of all past
        parameters (Salimans et al.).
    target_tau : float in (0, 1], optional
        Polyak rate of the generator's copy of the discriminator; ``None`` = the live one.
    target_every : int >= 1
        Move the copy on every k-th outer step only (τ = 1: a periodic copy).
    replay_weight : float in [0, 1]
        λ, the buffer's share of the discriminator's fake distribution.
    replay_capacity : int >= 1
        C, generator positions kept (FIFO, initially C copies of θ₀).
    compatible : bool
        The generator follows the compatible critic of the GAN MDP (zero signal, see module).
    """

    scalar_floors: ClassVar[bool] = True

    g_loss_floor: float | None = None
    hist_decay: float | None = None
    target_every: int = 1
    replay_capacity: int = 1
    compatible: bool = False


@renamed_keywords(stabilisers="stabilizers")
@dataclass
class StabilizedDiracRun(Trajectory):
    """Iterates of :func:`train_stabilized_dirac_gan`: a :class:`~solvers.dynamics.dirac_gan.Trajectory`
    (θ, ψ, scheme, steps, ``field`` the ``repr`` of the field used, the label-smoothed one when
    labels are soft) with the strategies' state.

    Attributes
    ----------
    psi_target : ndarray, shape (n_steps + 1, *batch) or None
        The generator's copy of the discriminator (target network only).
    theta_anchor, psi_anchor : ndarray, shape (n_steps + 1, *batch) or None
        The historical-averaging anchors θ̄, ψ̄ (historical averaging only).
    d_updates, g_updates : ndarray of int, shape batch
        Outer steps on which each player actually updated (freezing skips some).
    stabilizers : DiracStabilizers
    """

    psi_target: np.ndarray | None
    theta_anchor: np.ndarray | None
    psi_anchor: np.ndarray | None
    d_updates: np.ndarray
    g_updates: np.ndarray
    stabilizers: DiracStabilizers


# ---------------------------------------------------------------------------- training
def _check_loss_floors(field: VectorField, st: DiracStabilizers) -> None:
    need = st.d_loss_floor is not None or st.g_loss_floor is not None
    if need and not (hasattr(field, "generator_loss") and hasattr(field, "discriminator_objective")):
        raise ValueError(f"`d_loss_floor`/`g_loss_floor` need a field with explicit objectives "
                         f"(got {type(field).__name__})")


def _resolve_field(field: VectorField | str, st: DiracStabilizers) -> VectorField:
    if isinstance(field, str):
        field = Unregularized(check_in(field, "field", LOSSES))
    if not isinstance(field, VectorField):
        raise TypeError(f"`field` must be a VectorField or a loss name (got {type(field).__name__})")
    if st.smoothing:
        if type(field) is not Unregularized:
            raise ValueError("label smoothing acts on the plain cross-entropy: `field` must be "
                             f"Unregularized('gan') or Unregularized('nsgan') (got {field!r})")
        field = LabelSmoothing(field.loss, st.real_label, st.fake_label)
    _check_loss_floors(field, st)
    return field


# ---------------------------------------------------------------------------- update rules
# One function per update rule (the rlax shape): each takes the arrays it needs and returns
# new arrays; :func:`train_stabilized_dirac_gan` composes them.  ``t`` counts outer steps
# from 1, so a player with ``d_every`` = k updates on t = k, 2k, ...


class DiracState(NamedTuple):
    """Everything an outer step of :func:`train_stabilized_dirac_gan` reads and writes.

    Attributes
    ----------
    theta, psi : ndarray, shape batch
        The generator's and the discriminator's parameters.
    psi_target : ndarray, shape batch
        The generator's copy of the discriminator (moved only with a target network).
    theta_bar, psi_bar : ndarray, shape batch
        Historical-averaging anchors θ̄, ψ̄.
    ring : ndarray, shape (C, *batch), or None
        Past generator positions (replay buffer, FIFO), None without replay.
    ring_pos : int
        Where the next position is written.
    """

    theta: np.ndarray
    psi: np.ndarray
    psi_target: np.ndarray
    theta_bar: np.ndarray
    psi_bar: np.ndarray
    ring: np.ndarray | None
    ring_pos: int


def init_dirac_state(field: VectorField, theta: np.ndarray, psi: np.ndarray,
                     st: DiracStabilizers) -> DiracState:
    """The state before the first step: (θ₀, ψ₀) projected by the field, anchors at the start,
    the target copy equal to ψ₀ and a buffer of C copies of θ₀ (replay only)."""
    theta, psi = field.project(theta, psi)
    ring = (np.broadcast_to(theta, (st.replay_capacity, *theta.shape)).copy()
            if st.replay_weight > 0 else None)
    return DiracState(theta, psi, psi.copy(), theta.copy(), psi.copy(), ring, 0)


def discriminator_direction(field: VectorField, theta: np.ndarray, psi: np.ndarray,
                            st: DiracStabilizers, *, ring: np.ndarray | None,
                            psi_bar: np.ndarray) -> np.ndarray:
    """The discriminator's ascent direction with replay and historical averaging.

    (1 - λ_r) v_ψ(θ, ψ) + λ_r mean_j v_ψ(θ_j, ψ) - 2 λ_h (ψ - ψ̄), with θ_j the buffer
    ``ring`` (module docstring: replay buffer, historical averaging).

    Source: Pfau & Vinyals (2016), Section 3.2 (replay); Salimans et al. (2016), Section 3.3
    (historical averaging).
    """
    g = np.asarray(field.v_psi(theta, psi), float)
    if st.replay_weight > 0:
        past = np.asarray(field.v_psi(ring, np.broadcast_to(psi, ring.shape)), float)
        g = (1.0 - st.replay_weight) * g + st.replay_weight * past.mean(axis=0)
    if st.hist_avg > 0:
        g = g - 2.0 * st.hist_avg * (psi - psi_bar)
    return g


def generator_direction(field: VectorField, theta: np.ndarray, psi: np.ndarray,
                        st: DiracStabilizers, *, theta_bar: np.ndarray) -> np.ndarray:
    """The generator's descent direction v_θ(θ, ψ) - 2 λ_h (θ - θ̄) (historical averaging).

    Source: Salimans et al. (2016), Section 3.3.
    """
    g = np.asarray(field.v_theta(theta, psi), float)
    if st.hist_avg > 0:
        g = g - 2.0 * st.hist_avg * (theta - theta_bar)
    return g


def discriminator_update(field: VectorField, theta: np.ndarray, psi: np.ndarray,
                         st: DiracStabilizers, *, t: int, step_d: float, n_disc_steps: int,
                         ring: np.ndarray | None, psi_bar: np.ndarray
                         ) -> tuple[np.ndarray, np.ndarray]:
    """n_d ascent steps ψ ← proj(ψ + h_d d_ψ) against the generator at ``theta``.

    Off (ψ unchanged) unless t is a multiple of ``d_every``; with ``d_loss_floor`` a run stops
    updating, from the inner step on which its loss -V(θ, ψ) is below the floor (freezing).

    Returns
    -------
    psi : ndarray, shape batch
    on : ndarray of bool, shape batch
        Runs whose discriminator updated.
    """
    shape = np.shape(psi)
    if t % st.d_every:
        return psi, np.zeros(shape, dtype=bool)
    on = np.ones(shape, dtype=bool)
    for _ in range(n_disc_steps):
        new = psi + step_d * discriminator_direction(field, theta, psi, st, ring=ring, psi_bar=psi_bar)
        _, new = field.project(theta, new)
        if st.d_loss_floor is None:
            psi = new
        else:
            on = on & (-np.asarray(field.discriminator_objective(theta, psi), float) >= st.d_loss_floor)
            psi = np.where(on, new, psi)
    return psi, on


def target_update(psi_target: np.ndarray, psi: np.ndarray, st: DiracStabilizers, *,
                  t: int) -> np.ndarray:
    """The generator's discriminator: ψ itself, or the target copy ψ_T ← (1 - τ)ψ_T + τψ moved
    on steps t multiple of ``target_every`` (Mnih et al. 2015)."""
    if st.target_tau is None:
        return psi
    if t % st.target_every == 0:
        return (1.0 - st.target_tau) * psi_target + st.target_tau * psi
    return psi_target


def generator_gate(field: VectorField, theta: np.ndarray, psi_g: np.ndarray,
                   st: DiracStabilizers, *, t: int) -> np.ndarray:
    """Runs whose generator updates now: t a multiple of ``g_every`` and, with
    ``g_loss_floor``, the generator's loss L(θ, ψ_G) at or above the floor (freezing)."""
    shape = np.shape(theta)
    if t % st.g_every:
        return np.zeros(shape, dtype=bool)
    if st.g_loss_floor is None:
        return np.ones(shape, dtype=bool)
    return np.asarray(field.generator_loss(theta, psi_g), float) >= st.g_loss_floor


def generator_update(field: VectorField, theta: np.ndarray, psi_g: np.ndarray,
                     st: DiracStabilizers, *, on: np.ndarray, step_g: float,
                     theta_bar: np.ndarray) -> np.ndarray:
    """One generator step θ + h_g d_θ(θ, ψ_G) on the runs in ``on`` (unprojected).

    With ``compatible`` the compatible critic's signal is zero (module docstring) and θ stays.
    """
    if not on.any() or st.compatible:
        return theta
    new = theta + step_g * generator_direction(field, theta, psi_g, st, theta_bar=theta_bar)
    return new if st.g_loss_floor is None else np.where(on, new, theta)


def replay_push(ring: np.ndarray | None, ring_pos: int, theta: np.ndarray) -> int:
    """Write the generator position the discriminator trained against into the FIFO ``ring``
    (in place); returns the next write position (unchanged without a buffer)."""
    if ring is None:
        return ring_pos
    ring[ring_pos] = theta
    return (ring_pos + 1) % ring.shape[0]


def anchor_update(bar: np.ndarray, x: np.ndarray, st: DiracStabilizers, *, t: int) -> np.ndarray:
    """Historical-averaging anchor after t steps: x̄ + β (x - x̄), β = 1/(t + 1) (the uniform
    mean of x₀ … x_t) or ``hist_decay`` (exponential moving average); unchanged if λ_h = 0."""
    if st.hist_avg <= 0:
        return bar
    beta = 1.0 / (t + 1) if st.hist_decay is None else st.hist_decay
    return bar + beta * (x - bar)


def _finish_outer_step(state: DiracState, theta: np.ndarray, psi: np.ndarray, psi_target: np.ndarray,
                       seen: np.ndarray, st: DiracStabilizers, t: int) -> DiracState:
    ring_pos = replay_push(state.ring, state.ring_pos, seen)
    return DiracState(theta, psi, psi_target, anchor_update(state.theta_bar, theta, st, t=t),
                      anchor_update(state.psi_bar, psi, st, t=t), state.ring, ring_pos)


def simultaneous_outer_step(field: VectorField, state: DiracState, st: DiracStabilizers, *, t: int,
                            step_g: float, step_d: float, n_disc_steps: int, n_gen_steps: int = 1
                            ) -> tuple[DiracState, np.ndarray, np.ndarray]:
    """Outer step t of the simultaneous scheme: both players move from (θ_t, ψ_t).

    The generator steps against ψ_t (or the target copy moved towards ψ_t), the discriminator
    takes n_d steps against θ_t; then the pair is projected, θ_t enters the buffer and the
    anchors move.

    Source: Mescheder et al. (2018), Section 2 (SimGD); Pfau & Vinyals (2016), Table 1.

    Returns
    -------
    (DiracState, ndarray of bool, ndarray of bool)
        The new state and the runs on which the discriminator / generator updated.
    """
    theta, psi = state.theta, state.psi
    psi_target = target_update(state.psi_target, psi, st, t=t)
    on_g = generator_gate(field, theta, psi_target, st, t=t)
    new_theta = generator_update(field, theta, psi_target, st, on=on_g, step_g=step_g,
                                 theta_bar=state.theta_bar)
    new_psi, on_d = discriminator_update(field, theta, psi, st, t=t, step_d=step_d,
                                         n_disc_steps=n_disc_steps, ring=state.ring,
                                         psi_bar=state.psi_bar)
    new_theta, new_psi = field.project(new_theta, new_psi)
    return _finish_outer_step(state, new_theta, new_psi, psi_target, theta, st, t), on_d, on_g


def alternating_outer_step(field: VectorField, state: DiracState, st: DiracStabilizers, *, t: int,
                           step_g: float, step_d: float, n_disc_steps: int, n_gen_steps: int = 1
                           ) -> tuple[DiracState, np.ndarray, np.ndarray]:
    """Outer step t of the alternating scheme: n_g generator steps against ψ_t (or the target
    copy moved towards ψ_t), each projected, then n_d discriminator steps against the new θ,
    which enters the buffer; then the anchors move.

    Source: Mescheder et al. (2018), Section 2 (AltGD); Pfau & Vinyals (2016), Table 1.

    Returns
    -------
    (DiracState, ndarray of bool, ndarray of bool)
        The new state and the runs on which the discriminator / generator updated (a
        generator frozen by its floor on any inner step stays off for the rest of the step).
    """
    theta, psi = state.theta, state.psi
    psi_target = target_update(state.psi_target, psi, st, t=t)
    on_g = np.full(np.shape(theta), t % st.g_every == 0)
    for _ in range(n_gen_steps):
        on_g = on_g & generator_gate(field, theta, psi_target, st, t=t)
        theta = generator_update(field, theta, psi_target, st, on=on_g, step_g=step_g,
                                 theta_bar=state.theta_bar)
        theta, psi = field.project(theta, psi)
    psi, on_d = discriminator_update(field, theta, psi, st, t=t, step_d=step_d,
                                     n_disc_steps=n_disc_steps, ring=state.ring,
                                     psi_bar=state.psi_bar)
    return _finish_outer_step(state, theta, psi, psi_target, theta, st, t), on_d, on_g


@renamed_keywords(stabilisers="stabilizers")
def train_stabilized_dirac_gan(
    field: VectorField | str = "gan",
    theta0: ArrayLike = 1.0,
    psi0: ArrayLike = 0.0,
    *,
    step: float,
    n_steps: int,
    stabilizers: DiracStabilizers | None = None,
    scheme: str = "simultaneous",
    step_d: float | None = None,
    n_disc_steps: int = 1,
    n_gen_steps: int = 1,
) -> StabilizedDiracRun:
    """Simultaneous or alternating GD on the Dirac-GAN with Table 1's stabilizers.

    One outer step t (module docstring for each option):

    - ``"simultaneous"``: the discriminator takes n_d ascent steps against the generator's
      θ_t, ψ ← ψ + h_d [v_ψ^mix(θ_t, ψ) - 2λ(ψ - ψ̄)], while the generator takes one step from
      θ_t against ψ_t (or the target copy moved towards ψ_t),
      θ ← θ + h_g [v_θ(θ_t, ψ_G) - 2λ(θ_t - θ̄)];
    - ``"alternating"``: n_g generator steps against ψ_t (or its target copy), then n_d
      discriminator steps against the new θ;

    then the replay buffer receives the generator position the discriminator trained against
    and the anchors θ̄, ψ̄ are updated.  v^mix is (1 - λ_r) v_ψ(θ, ψ) + λ_r mean_j v_ψ(θ_j, ψ);
    ψ_G is ψ_t or the target copy.  The field's projection (WGAN clipping) follows every update
    as in :mod:`~solvers.dynamics.dirac_gan`.  With default options the iterates are those of
    ``simultaneous_gd`` / ``alternating_gd``, bit for bit.

    Source: Mescheder et al. (2018), Section 2 (SimGD and AltGD on the Dirac-GAN); the
    strategies of Pfau & Vinyals (2016), Table 1 and Section 3.

    Parameters
    ----------
    field : VectorField or {"gan", "nsgan", "wgan"}
        The game (a name means ``Unregularized(name)``).
    theta0, psi0 : float or array_like
        Initial points, broadcast against each other (a batch of runs at once).
    step : float > 0, keyword-only
        h_g (and h_d unless ``step_d`` is given).
    n_steps : int >= 0, keyword-only
        Outer steps.
    stabilizers : DiracStabilizers, keyword-only
        Default: none.
    scheme : {"simultaneous", "alternating"}, keyword-only
    step_d : float > 0, optional, keyword-only
    n_disc_steps : int >= 1, keyword-only
    n_gen_steps : int >= 1, keyword-only
        ``"alternating"`` only.

    Returns
    -------
    StabilizedDiracRun

    Raises
    ------
    TypeError, ValueError
        Bad field, points, steps, counts or options (named); label smoothing with a field other
        than the plain GAN; loss floors with a field without explicit objectives;
        ``n_gen_steps`` > 1 with the simultaneous scheme.
    """
    st = DiracStabilizers() if stabilizers is None else stabilizers
    check_instance(st, "stabilizers", DiracStabilizers)
    field = _resolve_field(field, st)
    t0 = as_float_array(theta0, "theta0")
    p0 = as_float_array(psi0, "psi0")
    try:
        theta, psi = (np.array(x, dtype=np.float64) for x in np.broadcast_arrays(t0, p0))
    except ValueError:
        raise ValueError(f"`theta0` and `psi0` have shapes {t0.shape} and {p0.shape}, which do not "
                         "broadcast") from None
    h_g = check_positive(step, "step")
    h_d = h_g if step_d is None else check_positive(step_d, "step_d")
    n_steps = check_int(n_steps, "n_steps", minimum=0)
    scheme = check_in(scheme, "scheme", SCHEMES)
    n_d = check_int(n_disc_steps, "n_disc_steps", minimum=1)
    n_g = check_int(n_gen_steps, "n_gen_steps", minimum=1)
    if scheme == "simultaneous" and n_g != 1:
        raise ValueError(f"`n_gen_steps` must be 1 for the simultaneous scheme (got {n_g})")

    shape = theta.shape
    state = init_dirac_state(field, theta, psi, st)
    use_target, anchored = st.target_tau is not None, st.hist_avg > 0
    history = {name: np.empty((n_steps + 1, *shape)) for name in ("theta", "psi")}
    if use_target:
        history["psi_target"] = np.empty((n_steps + 1, *shape))
    if anchored:
        history["theta_anchor"] = np.empty((n_steps + 1, *shape))
        history["psi_anchor"] = np.empty((n_steps + 1, *shape))
    d_updates = np.zeros(shape, dtype=np.int64)
    g_updates = np.zeros(shape, dtype=np.int64)

    def record(t: int) -> None:
        history["theta"][t], history["psi"][t] = state.theta, state.psi
        if use_target:
            history["psi_target"][t] = state.psi_target
        if anchored:
            history["theta_anchor"][t], history["psi_anchor"][t] = state.theta_bar, state.psi_bar

    record(0)
    outer = simultaneous_outer_step if scheme == "simultaneous" else alternating_outer_step
    for t in range(1, n_steps + 1):
        state, on_d, on_g = outer(field, state, st, t=t, step_g=h_g, step_d=h_d, n_disc_steps=n_d,
                                  n_gen_steps=n_g)
        d_updates += on_d
        g_updates += on_g
        record(t)

    return StabilizedDiracRun(
        theta=history["theta"], psi=history["psi"], psi_target=history.get("psi_target"),
        theta_anchor=history.get("theta_anchor"), psi_anchor=history.get("psi_anchor"),
        d_updates=d_updates, g_updates=g_updates, scheme=scheme, step_g=h_g, step_d=h_d,
        n_gen_steps=n_g, n_disc_steps=n_d, field=repr(field), stabilizers=st)


def fitted_rate(distance: ArrayLike, *, start: int = 0, stop: int | None = None) -> np.ndarray:
    """Per-step linear rate fitted to a distance sequence: exp of the least-squares slope of log r_t.

    ρ̂ = exp(ŝ),  ŝ = argmin_s Σ_t (log r_t - c - s t)² over t in [start, stop).  A linear
    iteration x_{t+1} = M x_t gives log r_t = t log ρ(M) + O(1) (the O(1) term oscillates when the
    dominant eigenvalues are a complex pair), so ρ̂ → ρ(M) as the window grows.

    Source: the definition of the linear convergence rate of a discrete dynamical system
    (Mescheder et al. 2018, Appendix A); the fit is ours.

    Parameters
    ----------
    distance : array_like, shape (n, *batch)
        Positive distances r_t, time on axis 0.
    start, stop : int, keyword-only
        The window (default: all of it).

    Returns
    -------
    ndarray, shape batch
        ρ̂ (> 1: diverging, < 1: converging).

    Raises
    ------
    ValueError
        Fewer than two points in the window, or a distance that is not finite and > 0.
    """
    r = as_float_array(distance, "distance")
    if r.ndim == 0:
        raise ValueError("`distance` must have a time axis (got a scalar)")
    start = check_int(start, "start", minimum=0)
    stop = r.shape[0] if stop is None else check_int(stop, "stop", minimum=0)
    window = r[start:stop]
    if window.shape[0] < 2:
        raise ValueError(f"the window [start, stop) = [{start}, {stop}) must hold >= 2 points "
                         f"(distance has {r.shape[0]})")
    if np.any(window <= 0):
        raise ValueError("`distance` must be > 0 in the window (log of the distance is fitted)")
    t = np.arange(start, start + window.shape[0], dtype=float)
    y = np.log(window.reshape(window.shape[0], -1))
    tc = t - t.mean()
    slope = tc @ (y - y.mean(axis=0)) / (tc @ tc)
    return np.exp(slope).reshape(window.shape[1:])

# Old British spellings of public names, kept as deprecated aliases (theory.deprecation).
__getattr__ = module_getattr(__name__, globals(), {
    'DiracStabilisers': 'DiracStabilizers',
    'StabilisedDiracRun': 'StabilizedDiracRun',
    'train_stabilised_dirac_gan': 'train_stabilized_dirac_gan',
})
