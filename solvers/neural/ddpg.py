"""DDPG — the pathwise-derivative (deterministic) policy gradient — with autograd networks, on
the scalar discounted linear-quadratic regulator, whose optimal policy is known in closed form.

The learner of Lillicrap et al. (2016), Algorithm 1, vectorized over independent runs (seeds)
and over parallel copies of the environment:

- a critic Q(s, u; w) (an MLP on the pair (s, u)) and a deterministic actor μ(s; θ) (linear,
  or an MLP), each with a target copy w⁻, θ⁻ that tracks it softly,
  θ⁻ ← τ θ + (1 − τ) θ⁻ (their Section 3, "soft" target updates);
- behaviour u = μ(s; θ) + N, Gaussian exploration noise N ~ N(0, noise_std²) (their eq. (7)
  with a Gaussian instead of an Ornstein-Uhlenbeck process); transitions go into a replay
  buffer from which minibatches are drawn uniformly;
- critic step on L(w) = (1/N) Σ_i (y_i − Q(s_i, u_i; w))² with the constant target
  y_i = r_i + γ Q(s'_i, μ(s'_i; θ⁻); w⁻)  (their eqs. (4)-(5) and Algorithm 1);
- actor step along the sampled deterministic policy gradient
  ∇_θ J ≈ (1/N) Σ_i ∇_θ μ(s_i; θ) ∇_u Q(s_i, u; w)|_{u = μ(s_i)}  (their eq. (6); Silver et
  al. 2014, Theorem 1, eq. (9)), implemented as autograd on the loss −(1/N) Σ_i Q(s_i, μ(s_i; θ); w)
  with w held fixed.

The last line is the pathwise derivative: the actor is trained through the critic exactly as a
GAN generator is trained through its discriminator.  Reading the state s as the condition, G(s)
= μ(s; θ) is a conditional generator and D(s, u) = Q(s, u; w) a conditional discriminator
(critic); the generator loss −E_s D(s, G(s)) (the unbounded-critic generator loss of Arjovsky et
al. 2017, Algorithm 1, conditioned as in Mirza & Osindero 2014) has exactly the actor's gradient.
:func:`conditional_gan_generator_loss` builds that loss independently (single networks through
:mod:`solvers.neural.mlp`), and :func:`deterministic_policy_gradient` forms the chain-rule
product ∇_θ μ · ∇_u Q explicitly, so the identity can be checked three ways.

The environment (:class:`ScalarLQR`) only simulates x' = a x + b u + σ w and pays −(q x² + r u²);
with probability ``reset_prob`` (default 1 − γ) a copy restarts from x ~ N(0, x0_std²) after the
transition, which is stored as an ordinary (non-terminal) transition — so the states visited
follow the (normalized) discounted state distribution of the behaviour policy, while the
Bellman targets stay those of the continuing discounted problem.  Nothing here calls the closed
forms of :mod:`theory.lqr`; the claims compare.

Sources: Lillicrap et al. (2016), "Continuous control with deep reinforcement learning", ICLR,
Section 3 (eqs. (4)-(7)) and Algorithm 1 (final-layer initialization U(−3e−3, 3e−3) from their
Section 7); Silver et al. (2014), "Deterministic Policy Gradient Algorithms", ICML, Theorem 1,
eq. (9); the actor-critic chapter of the course notes (../shared/seeds/001_*.txt, "Pathwise
Derivative Policy Gradient": the actor and Q joined as one network "is a conditional GAN").
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import autograd.numpy as np
import numpy as onp
from autograd import grad, jacobian, value_and_grad
from autograd.tracer import getval

from solvers.neural.mlp import ACTIVATIONS, INIT_SCALES, init_mlp, mlp_apply, mlp_sizes
from solvers.neural.optim import tree_flatten, tree_leaves, tree_map, tree_structure, tree_unflatten
from solvers.neural.replay import ContinuousReplay
from solvers.neural.stacked_mlp import check_layers, fused_mlp, mlp_value_and_vjp, numpy_mlp
from solvers.neural.training import BACKENDS, ConfigDict, ReplaySchedule, TargetNetworkRun, as_seed_sequence, \
    check_callback, check_network_fields, check_optimizer_fields, config_optimizers
from solvers.problems.lqr import ScalarLQR
from theory.validation import as_float_array, check_in, check_instance, check_int, check_nonnegative, \
    check_positive, check_unit_interval
from theory.deprecation import module_getattr, renamed_keywords


__all__ = [
    "FINAL_INIT",
    "ScalarLQR",
    "DDPGConfig",
    "DDPGRun",
    "ContinuousReplay",
    "init_ddpg",
    "actor_apply",
    "critic_apply",
    "critic_loss",
    "actor_loss",
    "fused_critic_gradient",
    "fused_actor_gradient",
    "td_targets",
    "soft_update",
    "deterministic_policy_gradient",
    "unstack_run",
    "conditional_gan_generator_loss",
    "train_ddpg",
]

#: The learning-rate fields, in the order of the optimizers (actor, critic).
_LR_FIELDS = ("lr_actor", "lr_critic")

#: Final layers of the actor and the critic start from U(−FINAL_INIT, FINAL_INIT)
#: (Lillicrap et al. 2016, Section 7: "to ensure the initial outputs ... were near zero").
FINAL_INIT = 3e-3


# ---------------------------------------------------------------------------------------------
# configuration and networks
# ---------------------------------------------------------------------------------------------


@renamed_keywords(optimiser="optimizer", optimiser_kwargs="optimizer_kwargs",
                  actor_lr="lr_actor", critic_lr="lr_critic")
@dataclass(frozen=True)
class DDPGConfig(ReplaySchedule, ConfigDict):
    """Hyperparameters of :func:`train_ddpg` (γ comes from the environment).

    Parameters
    ----------
    actor_hidden : tuple of int
        Hidden widths of the actor; ``()`` is the linear actor μ(s) = θ₁ s + θ₀.
    action_bound : float > 0 or None
        Actor output bound · tanh(·) (Lillicrap et al. 2016, Section 7); ``None``: linear output.
    critic_hidden : tuple of int
        Hidden widths of the critic Q(s, u) (input (s, u)).
    activation : str
        Hidden nonlinearity (:data:`solvers.neural.mlp.ACTIVATIONS`).
    lr_actor, lr_critic : float > 0
    optimizer : {"sgd", "momentum", "rmsprop", "adam"}
    optimizer_kwargs : dict or pairs
    batch_size, buffer_size, n_steps, n_envs, n_runs, learning_starts, checkpoint_every, seed
        The replay and schedule fields of :class:`~solvers.neural.training.ReplaySchedule`
        (one training step = one transition of every copy, then one critic and one actor
        step; ``checkpoint_every`` records the actor on ``eval_states``).
    tau : float in (0, 1]
        Soft target-update rate (1 = copy every step).
    noise_std : float >= 0
        Standard deviation of the Gaussian exploration noise.
    eval_range : float > 0
        The actor is recorded on ``n_eval`` evenly spaced states in [−eval_range, eval_range].
    n_eval : int >= 2
    init_scale : {"lillicrap", "glorot", "he", "lecun"} or float
        Hidden-layer initialization: ``"lillicrap"`` draws weights and biases from
        U(−1/√fan_in, 1/√fan_in) (Lillicrap et al. 2016, Section 7); the others are
        :func:`solvers.neural.mlp.init_mlp`'s rules with zero biases.  Final layers always use
        U(−FINAL_INIT, FINAL_INIT).
    backend : {"fused", "autograd"}
        The two gradient steps by hand-chained backward passes (:func:`fused_critic_gradient`,
        :func:`fused_actor_gradient`; the default, no autograd tracing) or by autograd on
        :func:`critic_loss` / :func:`actor_loss` (the independent route); the same numbers in
        float64 up to rounding.  float64 only.
    """

    actor_hidden: tuple = ()
    action_bound: Any = None
    critic_hidden: tuple = (64,)
    activation: str = "tanh"
    lr_actor: float = 1e-3
    lr_critic: float = 3e-3
    optimizer: str = "adam"
    optimizer_kwargs: Any = ()
    batch_size: int = 64
    buffer_size: int = 20_000
    tau: float = 0.05
    noise_std: float = 0.5
    n_steps: int = 1500
    n_envs: int = 8
    n_runs: int = 1
    learning_starts: Any = None
    checkpoint_every: int = 50
    eval_range: float = 2.0
    n_eval: int = 41
    seed: Any = 0
    init_scale: Any = "lillicrap"
    backend: str = "fused"

    def __post_init__(self) -> None:
        check_network_fields(self, hidden=("actor_hidden", "critic_hidden"), scales=("lillicrap", *INIT_SCALES))
        if self.action_bound is not None:
            object.__setattr__(self, "action_bound", check_positive(self.action_bound, "action_bound"))
        tau = check_unit_interval(self.tau, "tau")
        if tau == 0:
            raise ValueError("`tau` must lie in (0, 1] (got 0: the targets would never move)")
        check_nonnegative(self.noise_std, "noise_std")
        check_positive(self.eval_range, "eval_range")
        check_int(self.n_eval, "n_eval", minimum=2)
        self.check_replay_schedule()
        check_optimizer_fields(self, _LR_FIELDS)
        check_in(self.backend, "backend", BACKENDS)

    @property
    def eval_states(self) -> onp.ndarray:
        """The states the actor is recorded on, shape (n_eval,)."""
        return onp.linspace(-self.eval_range, self.eval_range, self.n_eval)


def _init_stack(sizes: tuple, children: list, scale: Any) -> list:
    """Layers of len(children) networks stacked on a leading run axis.

    ``scale="lillicrap"``: hidden weights and biases U(−1/√fan_in, 1/√fan_in) (random biases
    break the odd symmetry of a zero-bias tanh network, which cannot represent the even
    function Q(s, u) = −(q s² + r u²) − ...); otherwise :func:`init_mlp` (zero biases).  The
    final layer is U(−FINAL_INIT, FINAL_INIT) in every case.
    """
    runs = []
    for child in children:
        body_seed, final_seed = child.spawn(2)
        if scale == "lillicrap":
            rng = onp.random.default_rng(body_seed)
            layers = []
            for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
                bound = 1.0 / onp.sqrt(fan_in)
                layers.append({"W": rng.uniform(-bound, bound, (fan_in, fan_out)),
                               "b": rng.uniform(-bound, bound, fan_out)})
        else:
            layers = init_mlp(sizes, body_seed, scale=scale)
        rng = onp.random.default_rng(final_seed)
        fan_in, fan_out = sizes[-2], sizes[-1]
        layers[-1] = {"W": rng.uniform(-FINAL_INIT, FINAL_INIT, (fan_in, fan_out)),
                      "b": rng.uniform(-FINAL_INIT, FINAL_INIT, fan_out)}
        runs.append(layers)
    return [{k: onp.stack([run[i][k] for run in runs]) for k in ("W", "b")} for i in range(len(sizes) - 1)]


def init_ddpg(config: DDPGConfig, seed: Any = None) -> dict:
    """Initial parameters ``{"actor": [...], "critic": [...]}`` of ``config.n_runs`` learners.

    Each is a list of layers ``{"W": (R, fan_in, fan_out), "b": (R, fan_out)}``; the actor maps
    a state (1 input) to an action (1 output), the critic maps (s, u) (2 inputs) to Q (1 output).
    Run r draws from the r-th child of the seed (its networks do not depend on ``n_runs``).

    Parameters
    ----------
    config : DDPGConfig
    seed : int, SeedSequence, Generator or None
        ``None`` uses the first child of ``config.seed`` (as :func:`train_ddpg` does).

    Returns
    -------
    dict
    """
    check_instance(config, "config", DDPGConfig)
    root = as_seed_sequence(config.seed).spawn(2)[0] if seed is None else as_seed_sequence(seed)
    actor_seq, critic_seq = root.spawn(2)
    return {
        "actor": _init_stack((1, *config.actor_hidden, 1), actor_seq.spawn(config.n_runs), config.init_scale),
        "critic": _init_stack((2, *config.critic_hidden, 1), critic_seq.spawn(config.n_runs), config.init_scale),
    }


def _actor(actor, s, act, bound=None):
    """μ(s): s (R, B) -> u (R, B); bound · tanh(output) when ``bound`` is set."""
    out = fused_mlp(actor, np.expand_dims(s, -1), act)[..., 0]
    return out if bound is None else bound * np.tanh(out)


def _critic(critic, s, u, act):
    """Q(s, u): (R, B), (R, B) -> (R, B)."""
    return fused_mlp(critic, np.stack([s, u], axis=-1), act)[..., 0]


def _actor_numpy(actor, s, act, bound=None):
    out = numpy_mlp(actor, s[..., None], act)[..., 0]
    return out if bound is None else bound * onp.tanh(out)


def _critic_numpy(critic, s, u, act):
    return numpy_mlp(critic, onp.stack([s, u], axis=-1), act)[..., 0]


def _check_pair(actor: Any, critic: Any, activation: str, names=("actor", "critic")) -> int:
    """Validate an actor and a critic of the same runs and the activation; return R."""
    runs = check_layers(getval(actor), names[0], 1)
    if check_layers(getval(critic), names[1], 2) != runs:
        raise ValueError(f"`{names[0]}` and `{names[1]}` must have the same number of runs")
    check_in(activation, "activation", tuple(ACTIVATIONS))
    return runs


def _batch(x: Any, name: str, runs: int) -> onp.ndarray:
    arr = as_float_array(getval(x), name)
    if arr.ndim == 1:
        arr = onp.broadcast_to(arr, (runs, arr.shape[0]))
    if arr.ndim != 2 or arr.shape[0] != runs:
        raise ValueError(f"`{name}` must have shape (B,) or ({runs}, B) (got shape {arr.shape})")
    return arr


def _check_bound(bound: Any):
    return None if bound is None else check_positive(bound, "action_bound")


def actor_apply(actor: list, s: Any, *, activation: str = "tanh", action_bound: Any = None):
    """The deterministic actions μ(s; θ) of every run.

    Source: Silver et al. (2014), Section 3 (deterministic policy μ_θ : S → A); Lillicrap et
    al. (2016), Algorithm 1 (actor μ(s | θ^μ)).

    Parameters
    ----------
    actor : list of dict
        Stacked actor layers (from :func:`init_ddpg`).
    s : array, shape (B,) (shared by the runs) or (R, B)
    activation : str, keyword-only
    action_bound : float > 0 or None, keyword-only
        μ = bound · tanh(network output) (Lillicrap et al. 2016, Section 7: "a tanh layer, to
        bound the actions"); ``None`` leaves the output linear.

    Returns
    -------
    array, shape (R, B)
        Differentiable by autograd with respect to ``actor``.
    """
    runs = check_layers(getval(actor), "actor", 1)
    check_in(activation, "activation", tuple(ACTIVATIONS))
    s = _batch(s, "s", runs)
    return _actor(actor, s, activation, _check_bound(action_bound))


def critic_apply(critic: list, s: Any, u: Any, *, activation: str = "tanh"):
    """Q(s, u; w) of every run.

    Source: Lillicrap et al. (2016), Algorithm 1 (critic Q(s, a | θ^Q)).

    Parameters
    ----------
    critic : list of dict
        Stacked critic layers (from :func:`init_ddpg`).
    s, u : array, shape (B,) or (R, B)
        ``u`` may be an autograd-traced array (the actor's output).
    activation : str, keyword-only

    Returns
    -------
    array, shape (R, B)
    """
    runs = check_layers(getval(critic), "critic", 2)
    check_in(activation, "activation", tuple(ACTIVATIONS))
    s = _batch(s, "s", runs)
    if onp.shape(getval(u)) != s.shape:
        u_arr = _batch(u, "u", runs)
        if u_arr.shape != s.shape:
            raise ValueError(f"`u` must have the shape of `s`, {s.shape} (got {u_arr.shape})")
        u = u_arr
    return _critic(critic, s, u, activation)


def critic_loss(critic: list, s: Any, u: Any, y: Any, *, activation: str = "tanh"):
    """The critic's regression loss summed over runs, Σ_runs (1/N) Σ_i (y_i − Q(s_i, u_i; w))².

    Each run's parameters enter only its own term, so the gradient of the sum is the stack of
    the runs' own gradients.  ``y`` is a constant (:func:`td_targets`).

    Source: Lillicrap et al. (2016), Algorithm 1 ("Update critic by minimizing the loss") and
    eq. (4).

    Parameters
    ----------
    critic : list of dict
    s, u, y : array, shape (R, N)
    activation : str, keyword-only

    Returns
    -------
    float (an autograd scalar when traced)
    """
    q = critic_apply(critic, s, u, activation=activation)
    y = as_float_array(getval(y), "y")
    if y.shape != onp.shape(getval(q)):
        raise ValueError(f"`y` must have shape {onp.shape(getval(q))} (got {y.shape})")
    return _critic_loss(critic, onp.asarray(s, dtype=float), onp.asarray(u, dtype=float), y, activation)


def _critic_loss(critic, s, u, y, act):
    diff = _critic(critic, s, u, act) - y
    return np.sum(np.mean(diff * diff, axis=-1))


def actor_loss(actor: list, critic: list, s: Any, *, activation: str = "tanh", action_bound: Any = None):
    """The actor's loss summed over runs, −Σ_runs (1/N) Σ_i Q(s_i, μ(s_i; θ); w), critic fixed.

    Its negative gradient in θ is the sampled deterministic policy gradient
    (1/N) Σ_i ∇_θ μ(s_i) ∇_u Q(s_i, u)|_{u = μ(s_i)}.

    Source: Lillicrap et al. (2016), eq. (6) and Algorithm 1 ("Update the actor policy using
    the sampled policy gradient"); Silver et al. (2014), Theorem 1, eq. (9).

    Parameters
    ----------
    actor, critic : list of dict
    s : array, shape (N,) or (R, N)
    activation : str, keyword-only
    action_bound : float > 0 or None, keyword-only
        As :func:`actor_apply`.

    Returns
    -------
    float (an autograd scalar when traced)
    """
    runs = _check_pair(actor, critic, activation)
    return _actor_loss(actor, critic, _batch(s, "s", runs), activation, _check_bound(action_bound))


def _actor_loss(actor, critic, s, act, bound=None):
    return -np.sum(np.mean(_critic(critic, s, _actor(actor, s, act, bound), act), axis=-1))


def fused_critic_gradient(critic: list, s: onp.ndarray, u: onp.ndarray, y: onp.ndarray, activation: str
                          ) -> tuple[float, list]:
    """:func:`critic_loss` (unchecked inputs, shapes (R, N)) and its gradient in w, by one
    forward pass and the hand-chained backward pass of
    :func:`solvers.neural.stacked_mlp.mlp_value_and_vjp`: ∂/∂Q of Σ_runs mean (Q − y)² is
    2 (Q − y) / N.  No autograd tracing; the tests compare it with autograd.

    Source: Lillicrap et al. (2016), Algorithm 1 (the critic update).
    """
    q, vjp = mlp_value_and_vjp(critic, onp.stack([s, u], axis=-1), activation)
    diff = q[..., 0] - y
    loss = float(onp.sum(onp.mean(diff * diff, axis=-1)))
    return loss, vjp((2.0 / diff.shape[-1]) * diff[..., None], (0,))[0]


def fused_actor_gradient(actor: list, critic: list, s: onp.ndarray, activation: str, action_bound=None
                         ) -> tuple[float, list]:
    """:func:`actor_loss` (unchecked inputs, s of shape (R, N)) and its gradient in θ: the
    sampled deterministic policy gradient, chained by hand — ∂/∂Q = −1/N, through the critic to
    its action input (∂Q/∂u), through the bound (b·(1 − tanh²(a))) and the actor to θ
    (:func:`solvers.neural.stacked_mlp.mlp_value_and_vjp`).  No autograd tracing.

    Source: Lillicrap et al. (2016), eq. (6); Silver et al. (2014), Theorem 1, eq. (9).
    """
    a, vjp_actor = mlp_value_and_vjp(actor, s[..., None], activation)
    a = a[..., 0]
    u = a if action_bound is None else action_bound * onp.tanh(a)
    q, vjp_critic = mlp_value_and_vjp(critic, onp.stack([s, u], axis=-1), activation)
    loss = -float(onp.sum(onp.mean(q[..., 0], axis=-1)))
    g_u = vjp_critic(onp.full(q.shape, -1.0 / q.shape[-2]), (1,))[0][..., 1]
    if action_bound is not None:
        t = onp.tanh(a)
        g_u = g_u * (action_bound * (1.0 - t * t))
    return loss, vjp_actor(g_u[..., None], (0,))[0]


def td_targets(target_actor: list, target_critic: list, r: Any, s_next: Any, gamma: float, *,
               activation: str = "tanh", action_bound: Any = None) -> onp.ndarray:
    """y = r + γ Q(s', μ(s'; θ⁻); w⁻), a constant for the critic step.

    Source: Lillicrap et al. (2016), eq. (5) and Algorithm 1 ("Set y_i = r_i + γ Q'(s_{i+1},
    μ'(s_{i+1} | θ^μ') | θ^Q')").

    Parameters
    ----------
    target_actor, target_critic : list of dict
    r, s_next : array, shape (R, N)
    gamma : float in [0, 1)
    activation : str, keyword-only
    action_bound : float > 0 or None, keyword-only

    Returns
    -------
    ndarray, shape (R, N)
    """
    runs = _check_pair(target_actor, target_critic, activation, ("target_actor", "target_critic"))
    gamma = check_unit_interval(gamma, "gamma", open_right=True)
    s_next = _batch(s_next, "s_next", runs)
    r = _batch(r, "r", runs)
    if r.shape != s_next.shape:
        raise ValueError(f"`r` must have the shape of `s_next`, {s_next.shape} (got {r.shape})")
    return _targets(target_actor, target_critic, r, s_next, gamma, activation, _check_bound(action_bound))


def _targets(actor, critic, r, s_next, gamma, act, bound=None):
    return r + gamma * _critic_numpy(critic, s_next, _actor_numpy(actor, s_next, act, bound), act)


def soft_update(target: Any, online: Any, tau: float) -> Any:
    """θ⁻ ← τ θ + (1 − τ) θ⁻, leafwise (new arrays; nothing is modified in place).

    Source: Lillicrap et al. (2016), Section 3 ("soft" target updates) and Algorithm 1.

    Parameters
    ----------
    target, online : pytrees of arrays with the same structure
    tau : float in [0, 1]

    Returns
    -------
    pytree

    Examples
    --------
    >>> soft_update({"w": onp.array([0.0, 4.0])}, {"w": onp.array([2.0, 0.0])}, 0.25)["w"].tolist()
    [0.5, 3.0]
    """
    tau = check_unit_interval(tau, "tau")
    if tree_structure(target) != tree_structure(online):
        raise ValueError("`target` and `online` must have the same tree structure")
    return tree_map(lambda t, o: tau * o + (1.0 - tau) * t, target, online)


def deterministic_policy_gradient(actor: list, critic: list, s: Any, *, activation: str = "tanh",
                                  action_bound: Any = None) -> list:
    """The sampled DPG formed as the explicit chain-rule product, per run:

    g = (1/N) Σ_i ∇_θ μ(s_i; θ) · ∇_u Q(s_i, u; w)|_{u = μ(s_i; θ)},

    with ∇_u Q from autograd on the critic alone (at the actor's actions, held as constants) and
    the per-sample Jacobians ∇_θ μ(s_i) from autograd on the actor alone; their product is
    summed explicitly.  It is the ascent direction of J (minus the gradient of
    :func:`actor_loss`).

    Source: Silver et al. (2014), Theorem 1, eq. (9); Lillicrap et al. (2016), eq. (6).

    Parameters are those of :func:`actor_loss`.

    Returns
    -------
    list of dict
        A gradient with the structure of ``actor``.
    """
    runs = _check_pair(actor, critic, activation)
    s = _batch(s, "s", runs)
    bound = _check_bound(action_bound)
    u = _actor_numpy(actor, s, activation, bound)
    # ∂Q(s_i, u_i)/∂u_i: the critic acts row by row, so the gradient of the sum is per sample.
    dq_du = grad(lambda uu: np.sum(_critic(critic, s, uu, activation)))(u)  # (R, N)
    vector, unflatten = tree_flatten(actor)
    structure = tree_structure(actor)
    shapes = [onp.shape(x) for x in tree_leaves(actor)]

    def from_vector(v):  # the inverse of tree_flatten, written with autograd's reshape
        out, start = [], 0
        for shape in shapes:
            size = int(onp.prod(shape))
            out.append(np.reshape(v[start:start + size], shape))
            start += size
        return tree_unflatten(structure, out)

    jac = jacobian(lambda v: _actor(from_vector(v), s, activation, bound))(vector)  # (R, N, n_params)
    product = onp.einsum("rn,rnp->p", dq_du, jac) / s.shape[1]
    return unflatten(product)


def unstack_run(layers: list, run: int) -> list:
    """Run ``run`` of a stacked layer list, as a plain :mod:`solvers.neural.mlp` parameter list
    ``[{"W": (fan_in, fan_out), "b": (fan_out,)}, ...]`` (copies)."""
    if not isinstance(layers, (list, tuple)) or not layers or not isinstance(layers[0], dict) or "W" not in layers[0]:
        raise TypeError("`layers` must be a non-empty list of {'W', 'b'} layers from init_ddpg")
    runs = check_layers(layers, "layers", onp.shape(layers[0]["W"])[1])
    r = check_int(run, "run", minimum=0)
    if r >= runs:
        raise ValueError(f"`run` must be < {runs} (got {r})")
    return [{"W": onp.array(layer["W"][r]), "b": onp.array(layer["b"][r])} for layer in layers]


def conditional_gan_generator_loss(g_params: list, d_params: list, condition: Any, *,
                                   activation: str = "tanh", output_bound: Any = None):
    """Generator loss of a conditional GAN with an unbounded critic, −(1/N) Σ_i D(c_i, G(c_i)).

    G maps the condition c (here the state) to a sample x = G(c); the discriminator scores the
    pair, D(c, x), with c concatenated to its input (Mirza & Osindero 2014, Section 3.2: "y is
    fed into both the discriminator and generator as additional input layer").  With an
    unbounded score the generator descends −E D(G) (Arjovsky et al. 2017, Algorithm 1, the
    generator's update).  Built on single networks (:func:`solvers.neural.mlp.mlp_apply`), it
    shares no code with :func:`actor_loss`; with G = μ and D = Q the two losses — and their
    gradients — coincide (the pathwise derivative policy gradient is this generator update).

    Source: Mirza & Osindero (2014), "Conditional Generative Adversarial Nets", eq. (2)
    (conditioning); Arjovsky et al. (2017), Algorithm 1 (generator loss −E f(g(z)));
    the seed notes' "Pathwise Derivative Policy Gradient" section (Q is the discriminator, the
    actor the generator: "this is a conditional GAN").

    Parameters
    ----------
    g_params : list of dict
        Generator MLP, 1 input (the condition) to 1 output.
    d_params : list of dict
        Discriminator MLP, 2 inputs (condition, sample) to 1 output.
    condition : array, shape (N,)
    activation : str, keyword-only
    output_bound : float > 0 or None, keyword-only
        G(c) = bound · tanh(network output) (a bounded sample space); ``None``: linear output.

    Returns
    -------
    float (an autograd scalar when traced)
    """
    g_sizes, d_sizes = mlp_sizes(getval(g_params)), mlp_sizes(getval(d_params))
    if g_sizes[0] != 1 or g_sizes[-1] != 1 or d_sizes[0] != 2 or d_sizes[-1] != 1:
        raise ValueError(f"`g_params` must map 1 -> 1 and `d_params` 2 -> 1 (got {g_sizes} and {d_sizes})")
    c = as_float_array(condition, "condition")
    if c.ndim != 1:
        raise ValueError(f"`condition` must have shape (N,) (got shape {c.shape})")
    cond = c[:, None]
    if output_bound is None:
        fake = mlp_apply(g_params, cond, activation=activation)  # (N, 1)
    else:
        fake = check_positive(output_bound, "output_bound") * mlp_apply(g_params, cond, activation=activation,
                                                                        final="tanh")
    score = mlp_apply(d_params, np.concatenate([cond, fake], axis=1), activation=activation)  # (N, 1)
    return -np.mean(score)


# ---------------------------------------------------------------------------------------------
# training
# ---------------------------------------------------------------------------------------------


@dataclass
class DDPGRun(TargetNetworkRun):
    """Result of :func:`train_ddpg`.

    Attributes
    ----------
    steps : ndarray of int, shape (K,)
        Training steps completed at each checkpoint.
    n_updates : ndarray of int, shape (K,)
        Critic/actor update pairs taken at each checkpoint.
    eval_states : ndarray, shape (G,)
    actions : ndarray, shape (K, R, G)
        μ(s) of every run on ``eval_states`` at each checkpoint.
    gain : ndarray, shape (K, R)
        Least-squares gain of the actor through the origin on the symmetric grid,
        k̂ = −Σ_g s_g μ(s_g) / Σ_g s_g² (for the linear actor μ = θ₁ s + θ₀ it is −θ₁).
    critic_loss, actor_loss : ndarray, shape (U,)
        Each update's losses before the step, averaged over the runs.
    env : ScalarLQR
    seconds : float
        Wall-clock training time.
    params, target_params, config
        ``{"actor", "critic"}`` parameters and :class:`DDPGConfig`
        (:class:`~solvers.neural.training.TargetNetworkRun`).
    """

    steps: onp.ndarray
    n_updates: onp.ndarray
    eval_states: onp.ndarray
    actions: onp.ndarray
    gain: onp.ndarray
    critic_loss: onp.ndarray
    actor_loss: onp.ndarray
    env: Any
    seconds: float

    def policy(self, s: Any, *, target: bool = False) -> onp.ndarray:
        """The final actor (or its target copy) on states ``s`` (B,), shape (R, B)."""
        p = self.target_params if target else self.params
        s = as_float_array(s, "s").reshape(-1)
        return _actor_numpy(p["actor"], onp.broadcast_to(s, (self.config.n_runs, s.size)), self.config.activation,
                            self.config.action_bound)

    def q(self, s: Any, u: Any) -> onp.ndarray:
        """The final critic Q(s, u) of every run on states/actions of shape (B,), shape (R, B)."""
        s = as_float_array(s, "s").reshape(-1)
        u = as_float_array(u, "u").reshape(-1)
        if s.shape != u.shape:
            raise ValueError(f"`s` and `u` must have the same length (got {s.size} and {u.size})")
        R = self.config.n_runs
        return _critic_numpy(self.params["critic"], onp.broadcast_to(s, (R, s.size)),
                             onp.broadcast_to(u, (R, u.size)), self.config.activation)


def _fit_gain(actions: onp.ndarray, grid: onp.ndarray) -> onp.ndarray:
    return -(actions @ grid) / (grid @ grid)


def train_ddpg(env: ScalarLQR, config: DDPGConfig, *, callback=None) -> DDPGRun:
    """Train ``config.n_runs`` DDPG learners on the scalar LQR.

    Every training step, for every run (vectorized over runs and environment copies):

    1. each copy acts u = μ(s; θ) + N(0, noise_std²), the environment returns (r, s'), the
       transition enters the replay buffer; each copy then continues from s', or restarts from
       x ~ N(0, x0_std²) with probability ``env.restart``;
    2. once the buffer holds ``learning_starts`` transitions: a minibatch of N transitions is
       drawn; targets y = r + γ Q(s', μ(s'; θ⁻); w⁻); one optimizer step on the critic loss
       (1/N) Σ (y − Q(s, u; w))²; one optimizer step on the actor loss −(1/N) Σ Q(s, μ(s; θ); w)
       with the freshly updated critic (Algorithm 1's order);
    3. soft target updates θ⁻ ← τ θ + (1 − τ) θ⁻, w⁻ ← τ w + (1 − τ) w⁻.

    Source: Lillicrap et al. (2016), Algorithm 1.

    Parameters
    ----------
    env : ScalarLQR
    config : DDPGConfig
    callback : callable or None, keyword-only
        ``callback(step, params, target_params)`` after every training step.

    Returns
    -------
    DDPGRun

    Raises
    ------
    TypeError
        For a non-ScalarLQR ``env``, a non-DDPGConfig ``config`` or a non-callable callback.
    """
    check_instance(env, "env", ScalarLQR)
    check_instance(config, "config", DDPGConfig)
    check_callback(callback)
    t0 = time.perf_counter()
    c = config
    R, E, act, gamma = c.n_runs, c.n_envs, c.activation, env.gamma
    init_seq, env_seq = as_seed_sequence(c.seed).spawn(2)
    params = init_ddpg(c, init_seq)
    target = tree_map(onp.copy, params)
    rng = onp.random.default_rng(env_seq)
    opt_actor, opt_critic = config_optimizers(c, _LR_FIELDS)
    state_actor, state_critic = opt_actor.init(params["actor"]), opt_critic.init(params["critic"])
    buffer = ContinuousReplay(c.buffer_size, R)
    grid = c.eval_states
    grid_runs = onp.broadcast_to(grid, (R, grid.size))
    bound = c.action_bound
    if c.backend == "fused":
        def critic_grad(w, s, u, y):
            return fused_critic_gradient(w, s, u, y, act)

        def actor_grad(th, w, s):
            return fused_actor_gradient(th, w, s, act, bound)
    else:
        critic_grad = value_and_grad(lambda w, s, u, y: _critic_loss(w, s, u, y, act))
        actor_grad = value_and_grad(lambda th, w, s: _actor_loss(th, w, s, act, bound))

    checkpoints = c.checkpoints
    rec_steps, rec_updates, rec_actions = [], [], []
    critic_losses, actor_losses = [], []
    n_updates = 0

    def record(step):
        rec_steps.append(step)
        rec_updates.append(n_updates)
        rec_actions.append(_actor_numpy(params["actor"], grid_runs, act, bound))

    x = env.reset((R, E), rng)
    record(0)
    for step in range(1, c.n_steps + 1):
        # 1. act with Gaussian exploration, step every copy, store, maybe restart.
        u = _actor_numpy(params["actor"], x, act, bound) + c.noise_std * rng.standard_normal((R, E))
        r, x_next = env.step(x, u, rng)
        buffer.add(x, u, r, x_next)
        restart = rng.random((R, E)) < env.restart
        x = onp.where(restart, env.reset((R, E), rng), x_next)
        # 2. critic then actor step on one replayed minibatch.
        if buffer.size >= c.start:
            bs, bu, br, bs2 = buffer.sample(c.batch_size, rng)
            y = _targets(target["actor"], target["critic"], br, bs2, gamma, act, bound)
            loss_c, g_c = critic_grad(params["critic"], bs, bu, y)
            params["critic"], state_critic = opt_critic.update_unchecked(g_c, state_critic, params["critic"])
            loss_a, g_a = actor_grad(params["actor"], params["critic"], bs)
            params["actor"], state_actor = opt_actor.update_unchecked(g_a, state_actor, params["actor"])
            # 3. soft target updates.
            target = soft_update(target, params, c.tau)
            critic_losses.append(float(loss_c))
            actor_losses.append(float(loss_a))
            n_updates += 1
        if callback is not None:
            callback(step, params, target)
        if step in checkpoints:
            record(step)

    actions = onp.array(rec_actions)
    return DDPGRun(
        steps=onp.array(rec_steps, dtype=onp.int64),
        n_updates=onp.array(rec_updates, dtype=onp.int64),
        eval_states=grid,
        actions=actions,
        gain=_fit_gain(actions, grid),
        critic_loss=onp.array(critic_losses) / R,
        actor_loss=onp.array(actor_losses) / R,
        params=params,
        target_params=target,
        config=c,
        env=env,
        seconds=time.perf_counter() - t0,
    )


# Former names of the run classes, kept as deprecated aliases (theory.deprecation).
__getattr__ = module_getattr(__name__, globals(), {
    'DDPGResult': 'DDPGRun',
})
