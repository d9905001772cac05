"""The actor-critic's fused update rules (Pfau & Vinyals, 2016): the per-episode cross-entropy
Bellman error, its derivative in the critic's logit Q, the episode weights, and the two
networks as :class:`~solvers.neural.fused.FusedMLP` with that derivative chained through them
into preallocated buffers.

This is the default ``backend="fused"`` of
:class:`solvers.neural.actor_critic.ActorCriticConfig`; the autograd route of
:mod:`solvers.neural.actor_critic` (``backend="autograd"``) differentiates
:func:`~solvers.neural.actor_critic.critic_loss` / :func:`~solvers.neural.actor_critic.actor_loss`
instead, and the tests check the two against each other (the same numbers to rounding in
float64).  The update rules of :mod:`solvers.neural.actor_critic` (``critic_step``,
``actor_step``, ``actor_critic_update``, ``train_actor_critic``) choose between them; nothing
here draws random numbers or loops over training steps.  The Bellman error and the episode
weights below are shared by both routes: they define the losses the two differentiate.

Source: Pfau & Vinyals (2016), "Connecting Generative Adversarial Networks and Actor-Critic
Methods", eq. (8) with 𝒟 the cross-entropy and γ = 0 (Section 2.3); Silver et al. (2014),
"Deterministic Policy Gradient Algorithms", Theorem 1 (the actor's gradient through the
critic's action gradient).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import autograd.numpy as np
import numpy as onp
from scipy.special import expit

from solvers.neural.fused import FusedMLP
from solvers.neural.mlp import mlp_sizes
from solvers.neural.optim import OptState

if TYPE_CHECKING:
    from solvers.neural.actor_critic import ActorCriticConfig

__all__ = ["FusedActorCritic", "cross_entropy_bellman_error", "bellman_error_dq", "episode_weights",
           "actor_episode_weights"]


def cross_entropy_bellman_error(q, reward):
    """Per-episode cross-entropy Bellman error CE(r ‖ Q), shape (n,).

    CE(r ‖ Q) = r·softplus(−Q) + (1 − r)·softplus(Q) = −r log σ(Q) − (1 − r) log(1 − σ(Q)).

    In a one-step (stateless) episode the Bellman target r + γ Q(s', a') is the reward r
    itself.  Stable for any finite logit; ``reward`` may be soft (label smoothing).

    Source: Pfau & Vinyals (2016), eq. (8) with 𝒟 the cross-entropy (Section 2.3: "the
    cross-entropy should be used to match the GAN loss").

    Parameters
    ----------
    q : array, shape (n,)
        Critic logits.
    reward : array, shape (n,)
        Rewards (targets) in [0, 1].

    Examples
    --------
    A critic at Q = 0 predicts σ(0) = ½ and pays log 2 whatever the reward:

    >>> bool(onp.isclose(cross_entropy_bellman_error(0.0, 1.0), onp.log(2.0)))
    True
    """
    return reward * np.logaddexp(0.0, -q) + (1.0 - reward) * np.logaddexp(0.0, q)


def bellman_error_dq(q, reward, *, out=None):
    """∂CE(r ‖ Q)/∂Q, the per-episode derivative of :func:`cross_entropy_bellman_error`.

    ∂/∂Q [r·softplus(−Q) + (1 − r)·softplus(Q)] = (1 − r)·σ(Q) − r·σ(−Q)   (= σ(Q) − r),

    from d softplus(s)/ds = σ(s); written with both sigmoids so that it keeps its relative
    accuracy for large |Q| (σ(Q) − r would cancel), and so that a reward of exactly 0 or 1
    gives σ(Q) or −σ(−Q) without rounding.  The fused backend's critic and actor gradients
    start from it; the tests check it against autograd's derivative of the loss.

    Source: Pfau & Vinyals (2016), eq. (8) with 𝒟 the cross-entropy (the loss differentiated).

    Parameters
    ----------
    q : ndarray, shape (n,)
        Critic logits (float64 or float32; the result has their dtype).
    reward : ndarray or float, broadcastable to (n,)
        Rewards in [0, 1].
    out : ndarray, shape (n,), optional, keyword-only
        Written in place when given.

    Examples
    --------
    At Q = 0 the derivative is ½ − r:

    >>> float(bellman_error_dq(onp.zeros(1), 1.0)[0])
    -0.5
    """
    q = onp.asarray(q)
    dtype = q.dtype if onp.issubdtype(q.dtype, onp.floating) else onp.float64
    reward = onp.asarray(reward, dtype=dtype)
    neg = expit(onp.negative(q, dtype=dtype))
    onp.multiply(neg, reward, out=neg)
    out = expit(q, out=out) if out is not None else expit(q.astype(dtype, copy=False))
    onp.multiply(out, 1.0 - reward, out=out)
    return onp.subtract(out, neg, out=out)


def episode_weights(is_real: onp.ndarray, real_prob: float) -> onp.ndarray:
    """The stratified weights of the critic's Bellman error: π/n_real on each real and
    (1 − π)/n_fake on each fake episode (they sum to 1 when both strata are present), so that
    Σ_i w_i CE(r_i ‖ Q_i) estimates E_episode CE(r ‖ Q) under the MDP's episode law.

    Source: Pfau & Vinyals (2016), Section 2.3 (an episode shows a real sample or the actor's
    action); the weighting is this package's stratified estimate of eq. (8)'s expectation.

    Parameters
    ----------
    is_real : ndarray of bool, shape (n,)
        Which episodes show a real sample.
    real_prob : float in [0, 1]
        π, the MDP's probability of a real episode.

    Returns
    -------
    ndarray, shape (n,)

    Examples
    --------
    >>> episode_weights(onp.array([True, False, False]), 0.5).tolist()
    [0.5, 0.25, 0.25]
    """
    n_r = int(onp.count_nonzero(is_real))
    n_f = is_real.shape[0] - n_r
    w = onp.zeros(is_real.shape[0])
    if n_r:
        w[is_real] = real_prob / n_r
    if n_f:
        w[~is_real] = (1.0 - real_prob) / n_f
    return w


def actor_episode_weights(is_real: onp.ndarray) -> onp.ndarray:
    """The actor's weights: 1/n_fake on its own (fake) episodes, 0 on real ones (the actor
    learns nothing when the environment shows a real sample).

    Source: Pfau & Vinyals (2016), Section 2.3 ("if the environment shows a real image, the
    actor's parameters should not be updated").

    Parameters
    ----------
    is_real : ndarray of bool, shape (n,)

    Returns
    -------
    ndarray, shape (n,)

    Examples
    --------
    >>> actor_episode_weights(onp.array([True, False, False])).tolist()
    [0.0, 0.5, 0.5]
    """
    n_f = is_real.shape[0] - int(onp.count_nonzero(is_real))
    return onp.where(is_real, 0.0, 1.0 / max(n_f, 1))


class FusedActorCritic:
    """The actor-critic's update rules on two :class:`~solvers.neural.fused.FusedMLP` networks
    (shapes, activation and dtype from the ``config``, its ``optimizers()``; ``data_dim`` = d).

    Same rules, episodes and weights as the autograd route of :mod:`solvers.neural.actor_critic`:
    the environment packs the episodes (``mdp.episodes``), the per-episode derivative of the
    Bellman error in Q is :func:`bellman_error_dq`, and ``FusedMLP.backward`` chains it through
    the critic (to ψ for the critic rule; to the actions and then through the actor to θ for
    the deterministic policy gradient).

    A state is ``(flat_actor, flat_critic, opt_state_actor, opt_state_critic)``: flat parameter
    vectors (never modified in place; every update makes new ones) and optimizer states whose
    slots hold one flat leaf (``FusedMLP.import_opt_state``).
    """

    def __init__(self, config: ActorCriticConfig, data_dim: int):
        self.config = config
        self.actor = FusedMLP((config.latent_dim, *config.hidden, data_dim), config.activation, dtype=config.dtype)
        self.critic = FusedMLP((data_dim, *config.hidden, 1), config.activation, dtype=config.dtype)
        self.opt_actor, self.opt_critic = config.optimizers()
        self._heads: dict = {}

    # state conversion ----------------------------------------------------------------------
    def import_params(self, params: dict) -> tuple[onp.ndarray, onp.ndarray]:
        """``params`` as fresh flat vectors (actor, critic) of this dtype."""
        return (self.actor.import_params(params["actor"], "params['actor']"),
                self.critic.import_params(params["critic"], "params['critic']"))

    def import_state(self, params: dict, opt_states: dict) -> tuple:
        """A state (class docstring) from layer lists and ``{"actor": OptState, "critic": OptState}``."""
        return (*self.import_params(params), self.actor.import_opt_state(opt_states["actor"]),
                self.critic.import_opt_state(opt_states["critic"]))

    def export_params(self, state: tuple) -> dict:
        """``{"actor": layers, "critic": layers}``: views into the state's flat vectors."""
        return {"actor": self.actor.unflatten(state[0], copy=False),
                "critic": self.critic.unflatten(state[1], copy=False)}

    def export_states(self, state: tuple) -> dict:
        """``{"actor": OptState, "critic": OptState}`` with slots shaped like the layers."""
        return {"actor": self.actor.export_opt_state(state[2]), "critic": self.critic.export_opt_state(state[3])}

    # gradients -------------------------------------------------------------------------------
    def _head(self, n: int) -> onp.ndarray:
        head = self._heads.get(n)
        if head is None:
            head = self._heads[n] = onp.empty((n, 1), self.critic.dtype)
        return head

    def critic_grad(self, mdp, x_real: onp.ndarray, z: onp.ndarray) -> tuple[float, onp.ndarray]:
        """The unscaled Bellman error on ``mdp.episodes(μ_θ(z), x_real)`` and ∇_ψ s·L_C (the
        buffer ``self.critic.grad``)."""
        ep = mdp.episodes(self.actor.forward(self.actor.as_input(z)), x_real)
        weight = episode_weights(ep.is_real, mdp.real_prob)
        q = self.critic.forward(self.critic.as_input(ep.x))[:, 0]
        loss = float(onp.dot(weight, cross_entropy_bellman_error(q, ep.reward)))
        g_q = self._head(q.shape[0])
        bellman_error_dq(q, ep.reward, out=g_q[:, 0])
        onp.multiply(g_q[:, 0], (weight * self.config.critic_loss_scale).astype(q.dtype), out=g_q[:, 0])
        return loss, self.critic.backward(g_q)[0]

    def actor_grad(self, mdp, z: onp.ndarray) -> tuple[float, onp.ndarray]:
        """The actor loss on its own episodes μ_θ(z) and its deterministic policy gradient
        (the buffer ``self.actor.grad``; the critic's gradient buffer is left alone)."""
        actions = self.actor.forward(self.actor.as_input(z))
        ep = mdp.episodes(actions, onp.zeros((0, actions.shape[1])))
        weight = actor_episode_weights(ep.is_real)
        q = self.critic.forward(self.critic.as_input(ep.x))[:, 0]
        # "minimax": −Σ w CE(0 ‖ Q);  "log_q": Σ w CE(1 ‖ Q)  (solvers.neural.actor_critic.actor_loss)
        sign, target = (-1.0, 0.0) if self.config.actor_objective == "minimax" else (1.0, 1.0)
        loss = sign * float(onp.dot(weight, cross_entropy_bellman_error(q, target)))
        g_q = self._head(q.shape[0])
        bellman_error_dq(q, target, out=g_q[:, 0])
        onp.multiply(g_q[:, 0], (sign * weight).astype(q.dtype), out=g_q[:, 0])
        _, g_x = self.critic.backward(g_q, params=False, inputs=True)
        return loss, self.actor.backward(g_x[~ep.is_real])[0]

    # updates ---------------------------------------------------------------------------------
    @staticmethod
    def _apply(net: FusedMLP, opt, grad: onp.ndarray, state: OptState) -> OptState:
        (new,), state = opt.update_leaves([grad], state, [net.flat])
        net.set_flat(new)
        return state

    def load(self, state: tuple) -> None:
        """Set both networks' parameters to the state's flat vectors (the first two entries)."""
        self.actor.set_flat(state[0])
        self.critic.set_flat(state[1])

    def critic_step(self, state: tuple, mdp, x_real, z) -> tuple[tuple, float]:
        """One critic update from ``state`` (:meth:`critic_grad`, then the critic's optimizer);
        returns the new state and the Bellman error before the step."""
        self.load(state)
        loss, grad = self.critic_grad(mdp, x_real, z)
        s_c = self._apply(self.critic, self.opt_critic, grad, state[3])
        return (state[0], self.critic.flat, state[2], s_c), loss

    def actor_step(self, state: tuple, mdp, z) -> tuple[tuple, float]:
        """One actor update from ``state`` (:meth:`actor_grad`, then the actor's optimizer);
        returns the new state and the actor loss before the step."""
        self.load(state)
        loss, grad = self.actor_grad(mdp, z)
        s_a = self._apply(self.actor, self.opt_actor, grad, state[2])
        return (self.actor.flat, state[1], s_a, state[3]), loss

    def step(self, state: tuple, x_real: onp.ndarray, z: onp.ndarray, mdp) -> tuple[tuple, tuple[float, float]]:
        """One :func:`solvers.neural.actor_critic.actor_critic_update` (same order of updates)
        from ``state``; returns the new state and the losses (critic, actor)."""
        k = self.config.n_critic_steps
        c_loss = float("nan")
        for i in range(k if self.config.scheme == "alternating" else k - 1):
            state, c_loss = self.critic_step(state, mdp, x_real[i], z[i])
        if self.config.scheme == "alternating":
            state, a_loss = self.actor_step(state, mdp, z[k])
            return state, (c_loss, a_loss)
        self.load(state)  # both gradients at the same (θ, ψ); the actor's pass leaves ∇ψ alone
        c_loss, g_c = self.critic_grad(mdp, x_real[k - 1], z[k - 1])
        a_loss, g_a = self.actor_grad(mdp, z[k])
        s_c = self._apply(self.critic, self.opt_critic, g_c, state[3])
        s_a = self._apply(self.actor, self.opt_actor, g_a, state[2])
        return (self.actor.flat, self.critic.flat, s_a, s_c), (c_loss, a_loss)

    # one rule on layer lists -------------------------------------------------------------------
    @classmethod
    def for_params(cls, config: ActorCriticConfig, params: Any) -> FusedActorCritic:
        """The engine for ``params``'s data dimension (the critic's input width).

        Raises
        ------
        ValueError
            When ``params`` is not ``{"actor": MLP, "critic": MLP}``.
        """
        try:
            d = mlp_sizes(params["critic"])[0]
        except (TypeError, ValueError, KeyError, IndexError):
            raise ValueError("`params` must be {'actor': MLP, 'critic': MLP} as from init_actor_critic") from None
        return cls(config, d)

    def rule(self, params: dict, opt_state: OptState | None, name: str, mdp, x_real, z) -> tuple:
        """One update rule on and back to layer lists: ``(loss, grad)`` of player ``name``
        (``"actor"`` or ``"critic"``; ``x_real`` is ignored for the actor) when ``opt_state`` is
        None, else its step ``(params, opt_state, loss)``, the other player's layers unchanged."""
        flat_a, flat_c = self.import_params(params)
        net = self.critic if name == "critic" else self.actor
        if opt_state is None:
            self.load((flat_a, flat_c))
            loss, grad = self.critic_grad(mdp, x_real, z) if name == "critic" else self.actor_grad(mdp, z)
            return loss, net.unflatten(grad)
        states = [None, None]
        states[name == "critic"] = net.import_opt_state(opt_state)
        state = (flat_a, flat_c, *states)
        state, loss = self.critic_step(state, mdp, x_real, z) if name == "critic" else self.actor_step(state, mdp, z)
        new = self.export_params(state)
        return ({"actor": new["actor"] if name == "actor" else params["actor"],
                 "critic": new["critic"] if name == "critic" else params["critic"]},
                net.export_opt_state(state[3] if name == "critic" else state[2]), loss)
