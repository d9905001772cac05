"""An actor-critic trained inside the stateless GAN MDP (Pfau & Vinyals, 2016).

The environment is :class:`~solvers.problems.stateless_mdp.ContinuousStatelessMDP`: every
episode has one step; the environment shows either a real sample x ~ p_data (reward r = 1)
or the actor's action x = μ_θ(z) (reward r = 0).  The learner is written in RL terms:

- **actor** μ_θ : z ∈ ℝᵐ ↦ a ∈ ℝᵈ, a deterministic policy network of a noise input (the
  actor is *blind*: it never sees the environment's coin), updated pathwise, as in the
  deterministic policy gradient (Silver et al. 2014, Theorem 1: ∇_θ J = E[∇_θ μ_θ(z) ∇_a
  Q(a)|_{a = μ_θ(z)}]);
- **critic** Q_ψ : x ↦ logit of the predicted reward, σ(Q_ψ(x)) ≈ E[r | x];
- **critic loss** = the cross-entropy Bellman error (Pfau & Vinyals 2016, eq. (8) with 𝒟 the
  cross-entropy and γ = 0, since the MDP is stateless so the target is the reward itself):

      CE(r ‖ Q) = r·softplus(−Q) + (1 − r)·softplus(Q)  =  −r log σ(Q) − (1 − r) log(1 − σ(Q)),

  averaged over a *stratified* batch of episodes — exactly ``batch_size`` real and
  ``batch_size`` fake episodes, weighted by the episode law, π/n_real per real and
  (1 − π)/n_fake per fake episode (π = ``real_prob`` of the MDP; at π = ½ and equal counts
  this is the plain mean over the 2B episodes);
- **actor loss** = the critic's verdict on the actor's own (fake) episodes, with the
  scaling of Pfau & Vinyals' Section 2.3 (the actor receives ∂𝒟/∂Q · ∂Q/∂a):

  ``"minimax"``  ℓ_A(θ) = −mean_fake CE(0 ‖ Q_ψ(μ_θ(z)))  (ascend the critic's Bellman error
  on the label "fake": the cross-entropy divergence to target 0),
  ``"log_q"``    ℓ_A(θ) = −mean_fake log σ(Q_ψ(μ_θ(z))) = mean_fake CE(1 ‖ Q)  (the "log Q"
  variant, which keeps a gradient when the critic is confident).

  Real episodes give the actor no gradient: they are masked out of its objective (Pfau &
  Vinyals: "if the environment shows a real image, the actor's parameters should not be
  updated"); their x does not depend on θ anyway.

Correspondence with the GAN (checked by ``tests/solvers/neural/test_actor_critic.py`` and the
claim ``pfau2016/neural-actor-critic-equals-gan``, not assumed here): actor = generator,
critic = discriminator logit, ``"minimax"`` = the minimax generator loss, ``"log_q"`` = the
non-saturating one.

The factor of two in the critic loss
------------------------------------
The GAN discriminator minimizes L_D = mean_real softplus(−f) + mean_fake softplus(f), a *sum*
of two means.  The critic's stratified Bellman error at π = ½ is ½·mean_real + ½·mean_fake
= L_D / 2: it estimates the expected per-episode loss, which is the natural RL quantity.  The
critic therefore minimizes ``critic_loss_scale`` × Bellman error, and the default scale 2 =
1/π (at π = ½) makes its gradient the discriminator's.  Why scale instead of relying on the
optimizer: Adam is invariant to a constant scale c of the loss only up to ε,

    (c m̂) / (√(c² v̂) + ε) = m̂ / (√v̂ + ε/c),

so an unscaled critic would run Adam with ε_eff = 2ε — a relative change of order ε/√v̂ per
step (1e-8 / 1e-3 ≈ 1e-5 for gradients of size 1e-3), far above 1e-8 after a few steps; for
SGD or momentum the scale is plainly the step size.  Scaling by 2 is exact in binary floating
point (a power of two), and so are the per-episode weights ½/B = (1/B)/2, so the scaled
critic gradient equals the discriminator gradient bit for bit whenever the two are computed
in the same summation order — this is what makes trajectory equality hold to 1e-8 (in fact
exactly).  Any other ``critic_loss_scale`` is allowed (e.g. 1 for the plain Bellman error).

Random numbers
--------------
For the same seed the actor-critic consumes exactly the random numbers of
:func:`solvers.neural.gan.train_gan`: the five streams of :func:`solvers.neural.gan.gan_streams`
(the only object reused from the GAN module, besides the generic :mod:`~solvers.neural.mlp`
and :mod:`~solvers.neural.optim` blocks); per step, ``k·B`` real samples in one call of the
MDP's ``sample_data`` on the data stream and noise ``standard_normal((k + 1, B, m))`` on the
noise stream (the layout of :func:`solvers.neural.gan.sample_gan_batch`); initial weights from
:func:`~solvers.neural.mlp.init_mlp` on the ``init_g`` / ``init_d`` streams.  No loss, gradient
or update of :mod:`solvers.neural.gan` is called: the comparison with the GAN is between two
implementations.

One step (k = ``n_critic_steps``, episodes from ``mdp.episodes(actions, real_x)``, real first):

- ``"alternating"``: k critic steps, step i on the episodes (x_real[i], μ(z[i])); then one actor
  step on the fresh actions μ(z[k]) against the updated critic;
- ``"simultaneous"``: k − 1 critic steps, then the last critic gradient and the actor gradient
  are taken at the same (θ, ψ) and applied together.

The update rules are small pure functions of (parameters, optimizer state, batch), in the
shape of rlax: :func:`critic_gradient` / :func:`critic_step` (the Bellman-error rule) and
:func:`actor_gradient` / :func:`actor_step` (the deterministic policy gradient rule);
:func:`actor_critic_update` composes them per scheme and :func:`train_actor_critic` is a short
loop (:func:`solvers.neural.training.run_steps`) that draws the environment's batches and calls it.

Backends: ``config.backend="fused"`` (the default) runs the rules on two
:class:`~solvers.neural.fused.FusedMLP` networks
(:class:`~solvers.neural.actor_critic_fused.FusedActorCritic`), starting every backward pass
from the Bellman error's derivative :func:`~solvers.neural.actor_critic_fused.bellman_error_dq`
(float64 or float32, ``config.dtype``; it and the Bellman error are re-exported here);
``"autograd"`` differentiates :func:`critic_loss` / :func:`actor_loss` with autograd, the
independent route the tests compare against (same numbers in float64 up to rounding).

Sources: Pfau & Vinyals (2016), "Connecting Generative Adversarial Networks and Actor-Critic
Methods", Section 2.3 and eqs. (8)-(9) (Section 2.2); Silver et al. (2014), "Deterministic
Policy Gradient Algorithms", Theorem 1; Goodfellow et al. (2014), Algorithm 1 (the update order).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import autograd.numpy as np
import numpy as onp
from autograd import make_vjp, value_and_grad

from solvers.neural.actor_critic_fused import FusedActorCritic, actor_episode_weights, bellman_error_dq, \
    cross_entropy_bellman_error, episode_weights
from solvers.neural.gan import GANConfig, gan_streams
from solvers.neural.mlp import ACTIVATIONS, init_mlp, mlp_apply, mlp_sizes
from solvers.neural.optim import OptState, tree_flatten
from solvers.neural.training import ConfigDict, LoopRun, check_backend_fields, check_callback, check_network_fields, \
    check_optimizer_fields, config_optimizers, run_steps
from solvers.problems.stateless_mdp import ContinuousStatelessMDP, Episodes
from theory.validation import as_generator, check_in, check_instance, check_int, check_positive, check_unit_interval
from theory.deprecation import deprecated_method, module_getattr, renamed_keywords

__all__ = [
    "ACTOR_OBJECTIVES",
    "SCHEMES",
    "ActorCriticConfig",
    "ActorCriticRun",
    "init_actor_critic",
    "actor_action",
    "critic_q",
    "cross_entropy_bellman_error",
    "bellman_error_dq",
    "critic_loss",
    "actor_loss",
    "dpg_actor_gradient",
    "critic_gradient",
    "actor_gradient",
    "critic_step",
    "actor_step",
    "actor_critic_update",
    "train_actor_critic",
]

ACTOR_OBJECTIVES = ("minimax", "log_q")
SCHEMES = ("alternating", "simultaneous")

#: The learning-rate fields, in the order of the optimizers (actor, critic).
_LR_FIELDS = ("lr_actor", "lr_critic")

#: GAN generator loss -> actor objective.
_FROM_GENERATOR_LOSS = {"minimax": "minimax", "non_saturating": "log_q"}


# ---------------------------------------------------------------------------------------------
# configuration
# ---------------------------------------------------------------------------------------------


@renamed_keywords(optimiser="optimizer", optimiser_kwargs="optimizer_kwargs")
@dataclass(frozen=True)
class ActorCriticConfig(ConfigDict):
    """Hyperparameters of the actor-critic in the stateless MDP.

    Parameters
    ----------
    latent_dim : int >= 1
        Dimension m of the actor's noise input z ~ N(0, I_m).
    hidden : tuple of int
        Hidden widths of actor and critic ((64, 64) = "2x64").
    activation : {"tanh", "relu", "leaky_relu", "elu", "softplus"}
    lr_actor, lr_critic : float > 0
        Step sizes.
    optimizer : {"sgd", "momentum", "rmsprop", "adam"}
        Optimizer of both; ``optimizer_kwargs`` (dict or pairs) go to its constructor.
    batch_size : int >= 1
        B: each critic batch holds B real and B fake episodes; the actor acts in B episodes.
    n_critic_steps : int >= 1
        k, critic updates per actor update.
    actor_objective : {"minimax", "log_q"}
        See the module docstring.
    scheme : {"alternating", "simultaneous"}
    init_scale : {"glorot", "he", "lecun"} or float
    critic_loss_scale : float > 0
        The critic minimizes this multiple of the stratified Bellman error; 2 (= 1/π at
        π = ½) makes it the GAN discriminator loss exactly (module docstring).
    backend : {"fused", "autograd"}
        Gradients by the fused forward/backward pass (:mod:`solvers.neural.fused`, the
        default) or by autograd (the independent route, for checking); the same numbers in
        float64 up to rounding.
    dtype : {"float64", "float32"}
        Arithmetic of the fused step (parameters, optimizer state, activations); float32 has a
        relative rounding error of order 1e-5 per gradient.  The autograd backend is float64
        only.  The initialization is drawn in float64 and rounded.

    Raises
    ------
    TypeError, ValueError
        Naming the offending field.
    """

    latent_dim: int = 1
    hidden: tuple = (64, 64)
    activation: str = "tanh"
    lr_actor: float = 1e-3
    lr_critic: float = 1e-3
    optimizer: str = "adam"
    optimizer_kwargs: Any = ()
    batch_size: int = 256
    n_critic_steps: int = 1
    actor_objective: str = "log_q"
    scheme: str = "alternating"
    init_scale: Any = "glorot"
    critic_loss_scale: float = 2.0
    backend: str = "fused"
    dtype: str = "float64"

    def __post_init__(self) -> None:
        check_int(self.latent_dim, "latent_dim", minimum=1)
        check_network_fields(self)
        check_int(self.batch_size, "batch_size", minimum=1)
        check_int(self.n_critic_steps, "n_critic_steps", minimum=1)
        check_in(self.actor_objective, "actor_objective", ACTOR_OBJECTIVES)
        check_in(self.scheme, "scheme", SCHEMES)
        check_positive(self.critic_loss_scale, "critic_loss_scale")
        check_optimizer_fields(self, _LR_FIELDS)
        check_backend_fields(self)

    @classmethod
    def from_gan_config(cls, config: GANConfig, **overrides: Any) -> "ActorCriticConfig":
        """The actor-critic reading of a GAN configuration.

        generator → actor (``lr_g`` → ``lr_actor``), discriminator → critic (``lr_d`` →
        ``lr_critic``, ``n_disc_steps`` → ``n_critic_steps``), ``generator_loss``
        ``"minimax"`` → ``actor_objective="minimax"``, ``"non_saturating"`` → ``"log_q"``;
        ``critic_loss_scale`` = 2; ``backend`` and ``dtype`` carried over.  ``overrides``
        replace any field afterwards.
        """
        if not isinstance(config, GANConfig):
            raise TypeError(f"`config` must be a GANConfig, got {type(config).__name__}")
        fields = dict(
            latent_dim=config.latent_dim, hidden=config.hidden, activation=config.activation,
            lr_actor=config.lr_g, lr_critic=config.lr_d, optimizer=config.optimizer,
            optimizer_kwargs=config.optimizer_kwargs, batch_size=config.batch_size,
            n_critic_steps=config.n_disc_steps,
            actor_objective=_FROM_GENERATOR_LOSS[config.generator_loss], scheme=config.scheme,
            init_scale=config.init_scale, critic_loss_scale=2.0, backend=config.backend, dtype=config.dtype,
        )
        fields.update(overrides)
        return cls(**fields)

    def optimizers(self) -> tuple:
        """``(opt_actor, opt_critic)``: the two optimizers of ``optimizer`` with the step sizes
        ``lr_actor`` and ``lr_critic``, both descending."""
        return config_optimizers(self, _LR_FIELDS)


def _check_config(config: Any) -> ActorCriticConfig:
    if isinstance(config, GANConfig):
        return ActorCriticConfig.from_gan_config(config)
    if not isinstance(config, ActorCriticConfig):
        raise TypeError(f"`config` must be an ActorCriticConfig (or a GANConfig), got {type(config).__name__}")
    return config


def _as_mdp(data: Any) -> ContinuousStatelessMDP:
    if isinstance(data, ContinuousStatelessMDP):
        return data
    try:
        return ContinuousStatelessMDP(data)
    except TypeError:
        raise TypeError("`data` must be a ContinuousStatelessMDP, an object with .sample(n, seed) "
                        f"or a callable (n, rng) -> (n, d), got {type(data).__name__}") from None


# ---------------------------------------------------------------------------------------------
# networks
# ---------------------------------------------------------------------------------------------


def init_actor_critic(config: ActorCriticConfig, data_dim: int, seed: Any) -> tuple[dict, dict]:
    """Initial actor and critic parameters and optimizer states.

    Source: Glorot & Bengio (2010), eq. (16) for the default weight scale
    (:func:`solvers.neural.mlp.init_mlp`).

    Parameters
    ----------
    config : ActorCriticConfig (or GANConfig)
    data_dim : int >= 1
        d, the dimension of the MDP's observations and actions.
    seed : int, SeedSequence or Generator
        The actor is drawn from the ``init_g`` and the critic from the ``init_d`` stream of
        :func:`solvers.neural.gan.gan_streams` (so the initial networks are the GAN's).

    Returns
    -------
    params : dict
        ``{"actor": MLP (m, *hidden, d), "critic": MLP (d, *hidden, 1)}``.
    opt_states : dict
        ``{"actor": OptState, "critic": OptState}``.
    """
    config = _check_config(config)
    d = check_int(data_dim, "data_dim", minimum=1)
    return _init(config, d, gan_streams(seed))


def _init(config, d, streams):
    params = {
        "actor": init_mlp((config.latent_dim, *config.hidden, d), streams.init_g, scale=config.init_scale),
        "critic": init_mlp((d, *config.hidden, 1), streams.init_d, scale=config.init_scale),
    }
    opt_a, opt_c = config.optimizers()
    return params, {"actor": opt_a.init(params["actor"]), "critic": opt_c.init(params["critic"])}


def actor_action(actor_params: list, z, *, activation: str = "tanh"):
    """The deterministic policy's actions a = μ_θ(z), shape (n, d) for z of shape (n, m).

    Source: Silver et al. (2014), Section 3 (a deterministic policy μ_θ); its input here is
    the blind actor's noise (Pfau & Vinyals 2016, Section 2.3).
    """
    return mlp_apply(actor_params, z, activation=activation)


def critic_q(critic_params: list, x, *, activation: str = "tanh"):
    """The critic's logit Q_ψ(x), shape (n,); σ(Q_ψ(x)) is the predicted reward.

    Source: Pfau & Vinyals (2016), Section 2.3 (the critic predicts the reward of the shown x).
    """
    return np.reshape(mlp_apply(critic_params, x, activation=activation), (-1,))


def _critic_objective(critic, x, reward, weight, act):
    q = np.reshape(mlp_apply(critic, x, activation=act), (-1,))
    return np.sum(weight * cross_entropy_bellman_error(q, reward))


def _actor_objective(x, critic, is_fake_weight, kind, act):
    q = np.reshape(mlp_apply(critic, x, activation=act), (-1,))
    if kind == "minimax":
        # ascend the critic's cross-entropy to the target "fake" (r = 0)
        return -np.sum(is_fake_weight * cross_entropy_bellman_error(q, 0.0))
    # "log Q": maximize log σ(Q) = −CE(1 ‖ Q)
    return np.sum(is_fake_weight * cross_entropy_bellman_error(q, 1.0))


def _check_episodes(episodes: Any) -> Episodes:
    if not isinstance(episodes, Episodes):
        raise TypeError(f"`episodes` must be an Episodes record, got {type(episodes).__name__}")
    if episodes.x.ndim != 2 or not onp.issubdtype(episodes.x.dtype, onp.floating):
        raise ValueError(f"`episodes.x` must be real points of shape (n, d) (got {episodes.x.shape})")
    return episodes


def critic_loss(critic_params: list, episodes: Episodes, *, real_prob: float = 0.5,
                activation: str = "tanh"):
    """The critic's stratified cross-entropy Bellman error on a batch of episodes.

    L_C(ψ) = Σ_real (π/n_real) CE(r ‖ Q_ψ(x)) + Σ_fake ((1 − π)/n_fake) CE(r ‖ Q_ψ(x)),

    an unbiased estimate of E_episode CE(r ‖ Q_ψ(x)) under the MDP's episode law (real with
    probability π).  At π = ½ with n_real = n_fake it is the plain mean over the episodes.

    Source: Pfau & Vinyals (2016), eq. (8)/(9) (critic objective F) with 𝒟 = cross-entropy,
    γ = 0, Section 2.3.

    Parameters
    ----------
    critic_params : list of layer dicts
    episodes : Episodes
        ``x`` (n, d), ``reward`` (n,), ``is_real`` (n,).
    real_prob : float in [0, 1], keyword-only
        π, the MDP's probability of a real episode.
    activation : str, keyword-only

    Returns
    -------
    float (an autograd box when traced)
    """
    episodes = _check_episodes(episodes)
    rho = check_unit_interval(real_prob, "real_prob")
    check_in(activation, "activation", tuple(ACTIVATIONS))
    weight = episode_weights(episodes.is_real, rho)
    return _critic_objective(critic_params, episodes.x, episodes.reward, weight, activation)


def actor_loss(actor_params: list, critic_params: list, z, *, objective: str = "log_q",
               activation: str = "tanh"):
    """The actor's loss on its own episodes x = μ_θ(z), a function of θ.

    ``"minimax"``: −mean CE(0 ‖ Q_ψ(μ_θ(z))) = −mean softplus(Q);
    ``"log_q"``:   −mean log σ(Q_ψ(μ_θ(z))) = mean softplus(−Q).

    Source: Pfau & Vinyals (2016), eq. (9) (actor objective f through the critic) and
    Section 2.3 (the ∂𝒟/∂Q scaling; the generator's alternative loss).

    Parameters
    ----------
    actor_params, critic_params : lists of layer dicts
    z : array, shape (n, m)
    objective : {"minimax", "log_q"}, keyword-only
    activation : str, keyword-only
    """
    check_in(objective, "objective", ACTOR_OBJECTIVES)
    check_in(activation, "activation", tuple(ACTIVATIONS))
    x = actor_action(actor_params, z, activation=activation)
    if mlp_sizes(critic_params)[0] != onp.shape(x)[1]:
        raise ValueError("`actor_params` output width must equal `critic_params` input width")
    weight = onp.full(onp.shape(x)[0], 1.0 / max(onp.shape(x)[0], 1))
    return _actor_objective(x, critic_params, weight, objective, activation)


_critic_value_and_grad = value_and_grad(_critic_objective)
_action_value_and_grad = value_and_grad(_actor_objective)


def dpg_actor_gradient(actor_params: list, critic_params: list, z, episodes: Episodes, *,
                       objective: str = "log_q", activation: str = "tanh") -> tuple[float, list]:
    """The actor's loss and its deterministic policy gradient on the actor's episodes.

    ∇_θ ℓ_A = Σ_fake w_i ∇_θ μ_θ(z_i)ᵀ ∇_a φ(Q_ψ(a))|_{a = x_i},   w_i = 1/n_fake,

    with φ the per-episode objective of ``objective``; real episodes get weight 0 (the actor
    learns nothing when the environment shows a real sample).

    Source: Silver et al. (2014), Theorem 1 (deterministic policy gradient); Pfau & Vinyals
    (2016), Section 2.3.

    Parameters
    ----------
    actor_params, critic_params : lists of layer dicts
    z : array, shape (n_fake, m)
        The noise that produced the fake episodes, in their episode order.
    episodes : Episodes
        Episodes whose fake rows are μ_θ(z) (e.g. from ``mdp.episodes(μ_θ(z), real_x)``).

    Returns
    -------
    loss : float
    grad : list of layer dicts, like ``actor_params``
    """
    episodes = _check_episodes(episodes)
    check_in(objective, "objective", ACTOR_OBJECTIVES)
    check_in(activation, "activation", tuple(ACTIVATIONS))
    z = onp.asarray(z, dtype=onp.float64)
    if z.ndim != 2 or z.shape[0] != episodes.n_fake:
        raise ValueError(f"`z` must have shape ({episodes.n_fake}, m), one row per fake episode "
                         f"(got shape {z.shape})")
    return _dpg(actor_params, critic_params, z, episodes, objective, activation)


def _dpg(actor, critic, z, episodes, kind, act):
    loss, d_action = _action_value_and_grad(episodes.x, critic, actor_episode_weights(episodes.is_real), kind, act)
    vjp, _ = make_vjp(lambda th: mlp_apply(th, z, activation=act))(actor)
    return float(loss), vjp(d_action[~episodes.is_real])


# ---------------------------------------------------------------------------------------------
# the update rules: one function per rule, pure in (params, optimizer state, batch)
# ---------------------------------------------------------------------------------------------


def _check_update_inputs(config: Any, mdp: Any) -> ActorCriticConfig:
    config = _check_config(config)
    check_instance(mdp, "mdp", ContinuousStatelessMDP)
    return config


def _check_rule_inputs(config: Any, mdp: Any, z: Any, x_real: Any = None):
    """The inputs of one update rule: (config, z (B, m), x_real (B, d) or None)."""
    config = _check_update_inputs(config, mdp)
    z = _check_batch(z, "z", ("B", config.latent_dim))
    return config, z, (None if x_real is None else _check_batch(x_real, "x_real", ("B", "d")))


def _check_batch(x: Any, name: str, shape: tuple) -> onp.ndarray:
    """``x`` as floats of ``shape``; a str entry ("B", "d") is a free size along that axis."""
    x = onp.asarray(x, dtype=onp.float64)
    if x.ndim != len(shape) or any(isinstance(n, int) and m != n for m, n in zip(x.shape, shape)):
        raise ValueError(f"`{name}` must have shape ({', '.join(map(str, shape))}) (got shape {x.shape})")
    return x


def critic_gradient(params: dict, x_real, z, config: ActorCriticConfig,
                    mdp: ContinuousStatelessMDP) -> tuple[float, list]:
    """The critic's Bellman error on one batch of episodes and the gradient of the scaled error.

    The episodes are ``mdp.episodes(μ_θ(z), x_real)`` (real first); returns
    (L_C(ψ), ∇_ψ s·L_C(ψ)) with L_C the stratified cross-entropy Bellman error of
    :func:`critic_loss` and s = ``config.critic_loss_scale``.

    Source: Pfau & Vinyals (2016), eq. (8) with 𝒟 = cross-entropy, γ = 0, Section 2.3.

    Parameters
    ----------
    params : dict ``{"actor": ..., "critic": ...}``
    x_real : array, shape (B, d)
    z : array, shape (B, m)
    config : ActorCriticConfig (or GANConfig)
    mdp : ContinuousStatelessMDP

    Returns
    -------
    loss : float
        The unscaled Bellman error.
    grads : list of layer dicts, like ``params["critic"]``
    """
    config, z, x_real = _check_rule_inputs(config, mdp, z, x_real)
    if config.backend == "fused":
        return FusedActorCritic.for_params(config, params).rule(params, None, "critic", mdp, x_real, z)
    return _critic_grad(mdp, params, x_real, z, config)


def actor_gradient(params: dict, z, config: ActorCriticConfig,
                   mdp: ContinuousStatelessMDP) -> tuple[float, list]:
    """The actor's loss on its own episodes μ_θ(z) and its deterministic policy gradient
    (:func:`dpg_actor_gradient` with ``config.actor_objective``).

    Source: Silver et al. (2014), Theorem 1; Pfau & Vinyals (2016), Section 2.3.

    The parameters are :func:`critic_gradient`'s without ``x_real``; returns the loss (float)
    and the gradient (layer dicts like ``params["actor"]``).
    """
    config, z, _ = _check_rule_inputs(config, mdp, z)
    if config.backend == "fused":
        return FusedActorCritic.for_params(config, params).rule(params, None, "actor", mdp, None, z)
    return _actor_grad(mdp, params, z, config)


def critic_step(params: dict, critic_state: OptState, x_real, z, config: ActorCriticConfig,
                mdp: ContinuousStatelessMDP) -> tuple[dict, OptState, float]:
    """One critic update ψ ← opt_C(ψ, ∇_ψ s·L_C) on one batch (:func:`critic_gradient`).

    Returns
    -------
    params : dict
        The new ``{"actor": (unchanged), "critic": ψ'}``.
    critic_state : OptState
    loss : float
        The Bellman error before the step.
    """
    config, z, x_real = _check_rule_inputs(config, mdp, z, x_real)
    if config.backend == "fused":
        return FusedActorCritic.for_params(config, params).rule(params, critic_state, "critic", mdp, x_real, z)
    return _critic_step(params, critic_state, x_real, z, config, mdp)


def actor_step(params: dict, actor_state: OptState, z, config: ActorCriticConfig,
               mdp: ContinuousStatelessMDP) -> tuple[dict, OptState, float]:
    """One actor update θ ← opt_A(θ, ∇_θ ℓ_A) on the actor's episodes μ_θ(z)
    (:func:`actor_gradient`).

    Returns
    -------
    params : dict
        The new ``{"actor": θ', "critic": (unchanged)}``.
    actor_state : OptState
    loss : float
        The actor loss before the step.
    """
    config, z, _ = _check_rule_inputs(config, mdp, z)
    if config.backend == "fused":
        return FusedActorCritic.for_params(config, params).rule(params, actor_state, "actor", mdp, None, z)
    return _actor_step(params, actor_state, z, config, mdp)


def _critic_grad(mdp, params, x_real, z, config):
    actions = mlp_apply(params["actor"], z, activation=config.activation)
    ep = mdp.episodes(actions, x_real)
    weight = episode_weights(ep.is_real, mdp.real_prob) * config.critic_loss_scale
    loss, g = _critic_value_and_grad(params["critic"], ep.x, ep.reward, weight, config.activation)
    return float(loss) / config.critic_loss_scale, g


def _actor_grad(mdp, params, z, config):
    actions = mlp_apply(params["actor"], z, activation=config.activation)
    ep = mdp.episodes(actions, onp.zeros((0, actions.shape[1])))  # the actor's own episodes
    return _dpg(params["actor"], params["critic"], z, ep, config.actor_objective, config.activation)


def _critic_step(params, state, x_real, z, config, mdp):
    loss, g = _critic_grad(mdp, params, x_real, z, config)
    critic, state = config.optimizers()[1].update_unchecked(g, state, params["critic"])
    return {"actor": params["actor"], "critic": critic}, state, loss


def _actor_step(params, state, z, config, mdp):
    loss, g = _actor_grad(mdp, params, z, config)
    actor, state = config.optimizers()[0].update_unchecked(g, state, params["actor"])
    return {"actor": actor, "critic": params["critic"]}, state, loss


def actor_critic_update(params: dict, opt_states: dict, x_real, z, config: ActorCriticConfig,
                        mdp: ContinuousStatelessMDP) -> tuple[dict, dict, tuple[float, float]]:
    """One training step on explicit real samples and noise: the update rules composed.

    ``"alternating"``: k :func:`critic_step` then one :func:`actor_step`;
    ``"simultaneous"``: k − 1 critic steps, then :func:`critic_gradient` and
    :func:`actor_gradient` at the same (θ, ψ), applied together (module docstring).

    Source: Pfau & Vinyals (2016), Section 2.3; Silver et al. (2014), Theorem 1.

    Parameters
    ----------
    params : dict ``{"actor": ..., "critic": ...}``
    opt_states : dict ``{"actor": OptState, "critic": OptState}``
    x_real : ndarray, shape (k, B, d)
        Real samples of the k critic batches.
    z : ndarray, shape (k + 1, B, m)
        z[i] drives the actor's episodes of critic batch i; z[k] those of the actor step.
    config : ActorCriticConfig
    mdp : ContinuousStatelessMDP
        Packs (real samples, actions) into episodes; its ``real_prob`` weights the strata.

    Returns
    -------
    params, opt_states : new dicts
    losses : (float, float)
        The last critic Bellman error (unscaled) and the actor loss, each at the parameters
        its gradient was taken at.
    """
    config = _check_update_inputs(config, mdp)
    k = config.n_critic_steps
    x_real = _check_batch(x_real, "x_real", (k, "B", "d"))
    z = _check_batch(z, "z", (k + 1, "B", config.latent_dim))
    if config.backend == "fused":
        engine = FusedActorCritic.for_params(config, params)
        state, losses = engine.step(engine.import_state(params, opt_states), x_real, z, mdp)
        return engine.export_params(state), engine.export_states(state), losses
    return _update(params, opt_states, x_real, z, config, mdp)


def _update(params, opt_states, x_real, z, config, mdp):
    k = config.n_critic_steps
    state_a, state_c = opt_states["actor"], opt_states["critic"]
    c_loss = float("nan")
    for i in range(k if config.scheme == "alternating" else k - 1):
        params, state_c, c_loss = _critic_step(params, state_c, x_real[i], z[i], config, mdp)
    if config.scheme == "alternating":
        params, state_a, a_loss = _actor_step(params, state_a, z[k], config, mdp)
    else:
        opt_a, opt_c = config.optimizers()
        c_loss, g_c = _critic_grad(mdp, params, x_real[k - 1], z[k - 1], config)
        a_loss, g_a = _actor_grad(mdp, params, z[k], config)
        new_c, state_c = opt_c.update_unchecked(g_c, state_c, params["critic"])
        new_a, state_a = opt_a.update_unchecked(g_a, state_a, params["actor"])
        params = {"actor": new_a, "critic": new_c}
    return params, {"actor": state_a, "critic": state_c}, (c_loss, a_loss)


# ---------------------------------------------------------------------------------------------
# training loop
# ---------------------------------------------------------------------------------------------


@dataclass
class ActorCriticRun(LoopRun):
    """Outcome of :func:`train_actor_critic`.

    ``critic_loss[t]`` (the unscaled stratified Bellman error) and ``actor_loss[t]`` belong to
    step t; ``steps`` lists the recorded numbers of completed steps (0 = initial) and
    ``actor_trajectory[j]`` / ``critic_trajectory[j]`` the flattened parameters (leaf order
    of :func:`solvers.neural.optim.tree_flatten`) after ``steps[j]`` steps; the bookkeeping
    fields are :class:`~solvers.neural.training.LoopRun`'s.
    """

    config: ActorCriticConfig
    params: dict
    opt_states: dict
    critic_loss: onp.ndarray
    actor_loss: onp.ndarray
    steps: onp.ndarray
    actor_trajectory: onp.ndarray
    critic_trajectory: onp.ndarray

    def sample(self, n: int, seed: Any) -> onp.ndarray:
        """n actions μ_θ(z), z ~ N(0, I), of the final actor; shape (n, d)."""
        n = check_int(n, "n", minimum=1)
        z = as_generator(seed).standard_normal((n, self.config.latent_dim))
        return actor_action(self.params["actor"], z, activation=self.config.activation)

    def predicted_reward(self, x) -> onp.ndarray:
        """σ(Q_ψ(x)) of the final critic, shape (n,)."""
        q = critic_q(self.params["critic"], x, activation=self.config.activation)
        return onp.exp(-onp.logaddexp(0.0, -q))

    def to_dict(self) -> dict:
        return {
            "config": self.config.to_dict(), **self.loop_fields(), "critic_loss": self.critic_loss.tolist(),
            "actor_loss": self.actor_loss.tolist(), "steps": self.steps.tolist(),
        }

    to_json = deprecated_method("to_dict")


def train_actor_critic(data: Any, config: ActorCriticConfig | GANConfig, n_steps: int, seed: Any, *,
                       snapshot_every: int | None = None, callback: Callable | None = None,
                       progress: bool = False) -> ActorCriticRun:
    """Train the actor-critic for ``n_steps`` steps inside the stateless GAN MDP.

    Source: Pfau & Vinyals (2016), Section 2.3; Silver et al. (2014), Theorem 1.

    Parameters
    ----------
    data : ContinuousStatelessMDP, GaussianMixture-like or callable
        The MDP, or its data distribution (then ``ContinuousStatelessMDP(data)``, π = ½).
    config : ActorCriticConfig, or a GANConfig (read through ``from_gan_config``)
    n_steps : int >= 0
    seed : int, SeedSequence or Generator
        Streams of :func:`solvers.neural.gan.gan_streams` (module docstring, "Random numbers").
        A SeedSequence is copied before spawning, so the same object gives the same streams;
        a Generator is *spawned from*, which advances it: to rerun (or to run the GAN) with the
        same streams, pass an int, a SeedSequence or a fresh Generator.
    snapshot_every : int >= 1 or None, keyword-only
        Record the flattened parameters after 0, k, 2k, ... completed steps and after the
        last one; ``None`` records only the initial and the last parameters.
    callback : callable, keyword-only
        ``callback(step, params, losses)`` after every completed step (``step`` from 1).
    progress : bool, keyword-only
        Show a tqdm progress bar.

    Returns
    -------
    ActorCriticRun
        On Ctrl-C the partial result, ``interrupted=True``, with the last completed step's
        parameters (and that step recorded in the trajectory).
    """
    config = _check_config(config)
    mdp = _as_mdp(data)
    n_steps = check_int(n_steps, "n_steps", minimum=0)
    every = None if snapshot_every is None else check_int(snapshot_every, "snapshot_every", minimum=1)
    check_callback(callback)
    streams = gan_streams(seed)
    d = mdp.sample_data(1, onp.random.default_rng(0)).shape[1]  # probe d without touching streams
    params, opt_states = _init(config, d, streams)
    k, b, m = config.n_critic_steps, config.batch_size, config.latent_dim
    c_hist, a_hist = onp.zeros(n_steps), onp.zeros(n_steps)
    steps, actor_traj, critic_traj = [], [], []

    # A carried state is what the backend updates; `flats` gives the (actor, critic) parameter
    # vectors in tree_flatten order and `export` the (params, opt_states) dicts.
    if config.backend == "fused":
        engine = FusedActorCritic(config, d)
        carried = engine.import_state(params, opt_states)

        def update(c, x_real, z):
            return engine.step(c, x_real, z, mdp)

        def flats(c):
            return c[0].astype(onp.float64), c[1].astype(onp.float64)

        def export(c):
            return engine.export_params(c), engine.export_states(c)
    else:
        carried = (params, opt_states)

        def update(c, x_real, z):
            new_params, new_states, losses = _update(c[0], c[1], x_real, z, config, mdp)
            return (new_params, new_states), losses

        def flats(c):
            return tree_flatten(c[0]["actor"])[0], tree_flatten(c[0]["critic"])[0]

        def export(c):
            return c

    def record(step, c):
        steps.append(step)
        a, c = flats(c)
        actor_traj.append(a)
        critic_traj.append(c)

    def step(t, state):  # the environment's batch, then the update rules (actor_critic_update)
        x_real = mdp.sample_data(k * b, streams.data).reshape(k, b, d)
        z = streams.noise.standard_normal((k + 1, b, m))
        new_carried, losses = update(state[0], x_real, z)
        c_hist[t], a_hist[t] = losses
        return new_carried, losses

    def after(n_done, state):
        if every is not None and n_done % every == 0:
            record(n_done, state[0])
        if callback is not None:
            callback(n_done, export(state[0])[0], state[1])

    record(0, carried)
    out = run_steps(step, (carried, None), n_steps, after=after, progress=progress, desc="actor-critic")
    n_done = out.n_steps
    if steps[-1] != n_done:
        record(n_done, out.state[0])
    params, opt_states = export(out.state[0])
    return ActorCriticRun(
        config=config, params=params, opt_states=opt_states, critic_loss=c_hist[:n_done],
        actor_loss=a_hist[:n_done], steps=onp.asarray(steps, dtype=int),
        actor_trajectory=onp.stack(actor_traj), critic_trajectory=onp.stack(critic_traj),
        n_steps=n_done, n_steps_requested=n_steps, interrupted=out.interrupted, seconds=out.seconds)


# Former names of the run classes, kept as deprecated aliases (theory.deprecation).
__getattr__ = module_getattr(__name__, globals(), {
    'ActorCriticResult': 'ActorCriticRun',
})
