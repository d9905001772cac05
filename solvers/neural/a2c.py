"""Neural REINFORCE, REINFORCE with a baseline and synchronous advantage actor-critic (A2C) on
finite MDPs (fused forward/backward passes by default, autograd as the checked alternative).

The networks read a feature vector x(s) of the state (one-hot by default) and output the
policy logits and a state value:

- separate networks: logits = MLP_π(x), V = MLP_V(x);
- ``shared_trunk=True``: h = act(MLP_trunk(x)), logits = h W_π + b_π, V = h w_V + b_V (the
  "shared layers" of the seed chapter's first tip and of Mnih et al. 2016, Section 4, where
  the policy and value share all non-output layers).

The policy's output layer starts at zero, so every learner starts from the uniform policy like
the tabular learners of :mod:`solvers.tabular.policy_gradient`.

One iteration collects a batch exactly as the tabular learners do (same environment code:
episodes of ``horizon`` steps from μ₀ for REINFORCE, persistent environments with n-step
segments and restarts for A2C) and takes one optimizer step on the loss

    L(φ) = - mean_i κ w_i Ψ_i log π_φ(a_i|s_i)  -  β_H mean_i κ w_i H(π_φ(·|s_i))
           + c_V mean_i (y_i - V_φ(s_i))²,

with Ψ_i = G_i (REINFORCE), G_i - V(s_i) (baseline), R_i - V(s_i) (A2C, n-step return R_i);
w_i = γᵗ (REINFORCE, baseline) or 1 (A2C); y_i = G_i or R_i; κ = T for the episodic learners and
1/(1 - γ) for A2C, so that -∂L/∂logits is the same estimate of ∇J as the tabular update.  Ψ and
y are constants (computed before differentiation, the "stop-gradient" of Mnih et al.'s
Algorithm S3, which treats the advantage as fixed in the actor's gradient).  The value term is
absent for REINFORCE.

Since a finite MDP has S states, the networks are evaluated once per iteration on the table of
all S feature vectors and the batch gathers rows of it — the same function of the parameters as
evaluating every sample, at a cost independent of the batch size.

Gradients: with ``backend="fused"`` the networks run as :class:`solvers.neural.fused.FusedMLP`
passes and the cotangent of the logits is −(the tabular score-function estimate of ∇J) that
the loop computes anyway for the gradient variance
(:func:`~solvers.tabular.policy_gradient.logit_contributions`; equal to −∂L/∂logits by the
choice of κ above); with ``"autograd"``
autograd differentiates :func:`a2c_loss`.  The tests check that both give the same numbers.

Independence: nothing here calls the exact values (policy evaluation, value iteration, the exact
policy gradient); claims and tests compare the learned policies with them.

Sources: Williams (1992) (REINFORCE); Sutton & Barto (2018), Sections 13.3-13.5, eqs. (13.8),
(13.11); Mnih et al. (2016), "Asynchronous Methods for Deep Reinforcement Learning", Section 4
(advantage actor-critic, entropy regularization β ∇H) and Algorithm S3, run synchronously over
``n_envs`` environments (A2C).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import autograd.numpy as np
import numpy as onp
from autograd import value_and_grad
from autograd.scipy.special import logsumexp

from solvers.results import ArrayResult
from solvers.rl_common import log_softmax
from solvers.neural.fused import FusedMLP
from solvers.neural.mlp import ACTIVATIONS, activation_vjp, init_mlp, mlp_apply
from solvers.neural.optim import OptState, make_optimizer
from solvers.neural.training import ConfigDict, check_backend_fields, check_network_fields, check_optimizer_fields
from solvers.problems.rl_toys import FiniteMDP
from solvers.tabular.policy_gradient import LEARNERS, VectorEnv, collect_batch, logit_contributions
from solvers.tabular.policy_gradient import per_env_gradient, segment_plan
from theory.validation import check_instance, as_float_array, as_generator, check_in, check_int
from theory.validation import check_nonnegative, check_positive, check_unit_interval
from theory.deprecation import renamed_keywords

__all__ = [
    "A2CConfig",
    "A2CBatch",
    "A2CRun",
    "init_a2c",
    "a2c_forward",
    "a2c_loss",
    "make_batch",
    "train_a2c",
]


@renamed_keywords(optimiser="optimizer", optimiser_kwargs="optimizer_kwargs")
@dataclass(frozen=True)
class A2CConfig(ConfigDict):
    """Hyperparameters of :func:`train_a2c`.

    Parameters
    ----------
    learner : {"reinforce", "baseline", "a2c"}
    hidden : tuple of int
        Hidden widths (of each network, or of the shared trunk).
    activation : {"tanh", "relu", "leaky_relu", "elu", "softplus"}
    shared_trunk : bool
        One trunk for policy and value (needs at least one hidden layer).
    lr : float > 0
        Step size of the single optimizer over all parameters.
    optimizer : {"sgd", "momentum", "rmsprop", "adam"}
    optimizer_kwargs : dict or pairs
    value_coef : float > 0
        c_V, weight of the value loss.
    entropy : float >= 0
        β_H, entropy-bonus weight.
    n_envs : int >= 1
    n_step : int >= 1
        A2C segment length.
    horizon : int >= 1, optional
        REINFORCE episode length (default: γ^H <= 1e-3).
    restart_prob : float in [0, 1], optional
        A2C restart probability (default 1 - γ).
    init_scale : {"glorot", "he", "lecun"} or float > 0
    backend : {"fused", "autograd"}
        Gradients by the fused forward/backward pass (:mod:`solvers.neural.fused`, the
        default; the logits' cotangent is the tabular learner's score-function estimate,
        :func:`solvers.tabular.policy_gradient.logit_contributions`) or by autograd on
        :func:`a2c_loss` (the independent route); the same numbers in float64 up to rounding.
    dtype : {"float64", "float32"}
        Arithmetic of the fused networks and optimizer state (autograd: float64 only).

    Raises
    ------
    TypeError, ValueError
        Naming the offending field.
    """

    learner: str = "a2c"
    hidden: tuple = (32,)
    activation: str = "tanh"
    shared_trunk: bool = False
    lr: float = 0.01
    optimizer: str = "adam"
    optimizer_kwargs: Any = ()
    value_coef: float = 0.5
    entropy: float = 0.0
    n_envs: int = 16
    n_step: int = 5
    horizon: int | None = None
    restart_prob: float | None = None
    init_scale: Any = "glorot"
    backend: str = "fused"
    dtype: str = "float64"

    def __post_init__(self) -> None:
        check_in(self.learner, "learner", LEARNERS)
        check_network_fields(self)
        if not isinstance(self.shared_trunk, bool):
            raise TypeError(f"`shared_trunk` must be a bool, got {type(self.shared_trunk).__name__}")
        if self.shared_trunk and not self.hidden:
            raise ValueError("`hidden` must have at least one layer when `shared_trunk` is True")
        check_positive(self.value_coef, "value_coef")
        check_nonnegative(self.entropy, "entropy")
        check_int(self.n_envs, "n_envs", minimum=1)
        check_int(self.n_step, "n_step", minimum=1)
        if self.horizon is not None:
            check_int(self.horizon, "horizon", minimum=1)
        if self.restart_prob is not None:
            check_unit_interval(self.restart_prob, "restart_prob")
        check_optimizer_fields(self, ("lr",))
        check_backend_fields(self)


def init_a2c(config: A2CConfig, n_inputs: int, n_actions: int, seed: Any) -> dict:
    """Initial parameters ``{"trunk": list, "policy": list, "value": list}`` (``trunk`` empty
    unless ``config.shared_trunk``).

    MLP layers from :func:`solvers.neural.mlp.init_mlp`; the policy's output layer is set to
    zero (uniform initial policy).

    Parameters
    ----------
    config : A2CConfig
    n_inputs : int >= 1
        Feature dimension d.
    n_actions : int >= 1
    seed : int, SeedSequence or Generator

    Returns
    -------
    dict
    """
    check_instance(config, "config", A2CConfig)
    d = check_int(n_inputs, "n_inputs", minimum=1)
    A = check_int(n_actions, "n_actions", minimum=1)
    rng = as_generator(seed)
    scale = config.init_scale
    if config.shared_trunk:
        h = config.hidden[-1]
        params = {"trunk": init_mlp((d, *config.hidden), rng, scale=scale),
                  "policy": init_mlp((h, A), rng, scale=scale),
                  "value": init_mlp((h, 1), rng, scale=scale)}
    else:
        params = {"trunk": [],
                  "policy": init_mlp((d, *config.hidden, A), rng, scale=scale),
                  "value": init_mlp((d, *config.hidden, 1), rng, scale=scale)}
    params["policy"][-1]["W"] = onp.zeros_like(params["policy"][-1]["W"])
    return params


def a2c_forward(params: dict, features, config: A2CConfig):
    """Policy logits (n, A) and values (n,) of the feature rows ``features`` (n, d).

    Differentiable by autograd with respect to ``params``.
    """
    act = config.activation
    if len(params["trunk"]):
        h = ACTIVATIONS[act](mlp_apply(params["trunk"], features, activation=act))
        return mlp_apply(params["policy"], h, activation=act), mlp_apply(params["value"], h, activation=act)[:, 0]
    return (mlp_apply(params["policy"], features, activation=act),
            mlp_apply(params["value"], features, activation=act)[:, 0])


@dataclass
class A2CBatch(ArrayResult):
    """One batch, flattened over environments and steps (see :func:`make_batch`).

    Attributes
    ----------
    states, actions : ndarray of int, shape (N,)
    policy_coef : ndarray, shape (N,)
        κ w_i Ψ_i.
    entropy_coef : ndarray, shape (N,)
        κ w_i (multiplied by β_H in the loss).
    targets : ndarray, shape (N,)
        y_i.
    """

    states: onp.ndarray
    actions: onp.ndarray
    policy_coef: onp.ndarray
    entropy_coef: onp.ndarray
    targets: onp.ndarray


def make_batch(states, actions, targets, weights, values, learner: str, gamma: float) -> A2CBatch:
    """Flatten a rollout (arrays of shape (n_envs, T)) into an :class:`A2CBatch`.

    Ψ = targets (REINFORCE) or targets - values[states]; κ = T (episodic learners) or 1/(1 - γ)
    (A2C); see the module docstring.

    Parameters
    ----------
    states, actions : int arrays, shape (n_envs, T)
    targets : array, shape (n_envs, T)
        Returns-to-go or n-step returns.
    weights : array, shape (T,)
        w_t per step.
    values : array, shape (S,)
        Current value estimates (constants).
    learner : {"reinforce", "baseline", "a2c"}
    gamma : float in [0, 1)
    """
    learner = check_in(learner, "learner", LEARNERS)
    states = onp.asarray(states)
    T = states.shape[1]
    signal = onp.asarray(targets, dtype=float)
    if learner != "reinforce":
        signal = signal - onp.asarray(values, dtype=float)[states]
    kappa = 1.0 / (1.0 - gamma) if learner == "a2c" else float(T)
    w = onp.broadcast_to(onp.asarray(weights, dtype=float), states.shape)
    return A2CBatch(states=states.reshape(-1), actions=onp.asarray(actions).reshape(-1),
                    policy_coef=(kappa * w * signal).reshape(-1), entropy_coef=(kappa * w).reshape(-1),
                    targets=onp.asarray(targets, dtype=float).reshape(-1))


def a2c_loss(params: dict, features, batch: A2CBatch, config: A2CConfig):
    """The loss L(φ) of the module docstring (a scalar), differentiable by autograd.

    Parameters
    ----------
    params : dict
        From :func:`init_a2c`.
    features : array, shape (S, d)
        Feature rows of all states; ``batch.states`` index them.
    batch : A2CBatch
    config : A2CConfig
    """
    logits, values = a2c_forward(params, features, config)
    return _loss_of_outputs(logits, values, batch, config)


def _loss_of_outputs(logits, values, batch: A2CBatch, config: A2CConfig):
    """L(φ) from the networks' logits (S, A) and values (S,) on all states."""
    logp = logits - logsumexp(logits, axis=1, keepdims=True)
    loss = -np.mean(batch.policy_coef * logp[batch.states, batch.actions])
    if config.entropy > 0:
        H = -np.sum(np.exp(logp) * logp, axis=1)
        loss = loss - config.entropy * np.mean(batch.entropy_coef * H[batch.states])
    if config.learner != "reinforce":
        loss = loss + config.value_coef * np.mean((batch.targets - values[batch.states]) ** 2)
    return loss


class _FusedA2C:
    """The networks of :func:`a2c_forward` as :class:`~solvers.neural.fused.FusedMLP` passes.

    Separate networks: logits = MLP_π(x), V = MLP_V(x).  Shared trunk: h = act(MLP_trunk(x))
    (the trunk's top layer activated, as in :func:`a2c_forward`), logits and V by one linear
    layer each; backward, the heads' input cotangents add up and go through act' to the trunk.
    Parameters are flat vectors, one per network in ``params``'s key order.
    """

    def __init__(self, config: A2CConfig, d: int, n_actions: int):
        act, dt, hidden = config.activation, config.dtype, config.hidden
        self.activation = act
        if config.shared_trunk:
            self.nets = {"trunk": FusedMLP((d, *hidden), act, dtype=dt),
                         "policy": FusedMLP((hidden[-1], n_actions), act, dtype=dt),
                         "value": FusedMLP((hidden[-1], 1), act, dtype=dt)}
        else:
            self.nets = {"policy": FusedMLP((d, *hidden, n_actions), act, dtype=dt),
                         "value": FusedMLP((d, *hidden, 1), act, dtype=dt)}
        self.dtype = onp.dtype(dt)
        self._h = None

    def import_params(self, params: dict) -> list:
        return [net.import_params(params[name], f"params['{name}']") for name, net in self.nets.items()]

    def set_flats(self, flats: list) -> None:
        for net, flat in zip(self.nets.values(), flats):
            net.set_flat(flat)

    def export_params(self) -> dict:
        return {"trunk": [], **{name: net.unflatten(net.flat) for name, net in self.nets.items()}}

    def forward(self, x: onp.ndarray) -> tuple[onp.ndarray, onp.ndarray]:
        """Logits (S, A) and values (S,) as float64 copies; the passes are kept for
        :meth:`backward`."""
        trunk = self.nets.get("trunk")
        if trunk is not None:
            self._h = x = ACTIVATIONS[self.activation](trunk.forward(x))
        logits = self.nets["policy"].forward(x)
        values = self.nets["value"].forward(x)[:, 0]
        return logits.astype(onp.float64), values.astype(onp.float64)

    def backward(self, g_logits: onp.ndarray, g_values: onp.ndarray) -> list:
        """The flat gradients (one per network) of the last forward pass for the cotangents of
        its logits (S, A) and values (S,)."""
        trunk = self.nets.get("trunk")
        g_logits = g_logits.astype(self.dtype)
        g_values = g_values.astype(self.dtype)[:, None]
        _, g_h = self.nets["policy"].backward(g_logits, inputs=trunk is not None)
        _, g_hv = self.nets["value"].backward(g_values, inputs=trunk is not None)
        if trunk is not None:
            g_h = activation_vjp(self.activation, self._h, g_h + g_hv)
            trunk.backward(g_h)
        return [net.grad for net in self.nets.values()]


@dataclass
class A2CRun:
    """Trajectory of :func:`train_a2c`.

    Attributes
    ----------
    steps : ndarray, shape (n_records,)
        Iterations completed at each record (always 0 and n_iters).
    logits : ndarray, shape (n_records, S, A)
        The policy network's logits on every state.
    values : ndarray, shape (n_records, S)
        The value network on every state.
    grad_variance : ndarray, shape (n_iters,)
        Total variance across environments of one environment's estimate of ∂J/∂logits (the
        signal the network back-propagates), as in :class:`solvers.tabular.policy_gradient.PGRun`.
    loss : ndarray, shape (n_iters,)
    params : dict
        Final parameters.
    env_steps : int
        Environment steps per iteration.
    config : A2CConfig
    """

    steps: onp.ndarray
    logits: onp.ndarray
    values: onp.ndarray
    grad_variance: onp.ndarray
    loss: onp.ndarray
    params: dict
    env_steps: int
    config: A2CConfig

    @property
    def pi(self) -> onp.ndarray:
        z = self.logits - self.logits.max(axis=-1, keepdims=True)
        e = onp.exp(z)
        return e / e.sum(axis=-1, keepdims=True)

    def to_dict(self) -> dict:
        return {"steps": self.steps.tolist(), "logits": self.logits.tolist(), "values": self.values.tolist(),
                "grad_variance": self.grad_variance.tolist(), "loss": self.loss.tolist(),
                "env_steps": self.env_steps, "config": self.config.to_dict()}


def train_a2c(
    mdp: FiniteMDP,
    config: A2CConfig,
    *,
    n_iters: int,
    seed: Any,
    features: Any = None,
    params: dict | None = None,
    record_every: int | None = None,
) -> A2CRun:
    """Train the neural policy (and value) by REINFORCE, REINFORCE with baseline or A2C.

    Source: Sutton & Barto (2018), eqs. (13.8) and (13.11); Mnih et al. (2016), Section 4 and
    Algorithm S3 (synchronous, ``n_envs`` environments, one optimizer step per segment).

    Parameters
    ----------
    mdp : FiniteMDP
    config : A2CConfig
    n_iters : int >= 0, keyword-only
    seed : int, SeedSequence or Generator, keyword-only
        Spawns two streams: initial weights, environment.
    features : array_like, shape (S, d), optional
        State features (default: one-hot, d = S).
    params : dict, optional
        Initial parameters (default :func:`init_a2c`).
    record_every : int >= 1, optional
        Record logits and values every this many iterations (default: first and last).

    Returns
    -------
    A2CRun

    Raises
    ------
    TypeError, ValueError
        Named errors for bad arguments.
    """
    check_instance(mdp, "mdp", FiniteMDP)
    check_instance(config, "config", A2CConfig)
    n_iters = check_int(n_iters, "n_iters", minimum=0)
    S, A, gamma = mdp.n_states, mdp.n_actions, mdp.gamma
    if features is None:
        X = onp.eye(S)
    else:
        X = as_float_array(features, "features")
        if X.ndim != 2 or X.shape[0] != S:
            raise ValueError(f"`features` must have shape ({S}, d) (got shape {X.shape})")
    init_rng, env_rng = as_generator(seed).spawn(2)
    params = init_a2c(config, X.shape[1], A, init_rng) if params is None else params
    opt = make_optimizer(config.optimizer, config.lr, **dict(config.optimizer_kwargs))
    fused = config.backend == "fused"
    if fused:
        engine = _FusedA2C(config, X.shape[1], A)
        flats = engine.import_params(params)
        engine.set_flats(flats)
        fresh = opt.init(flats)
        state = OptState(fresh.t, {k: [v.astype(engine.dtype) for v in vs] for k, vs in fresh.slots.items()})
        X_in = X.astype(engine.dtype)
    else:
        state = opt.init(params)
        loss_grad = value_and_grad(a2c_loss)

    env = VectorEnv(mdp)
    learner = config.learner
    E = config.n_envs
    T, restart = segment_plan(config, gamma)
    run_of = onp.zeros(E, dtype=onp.int64)
    s = env.initial(E, env_rng) if learner == "a2c" else None

    every = n_iters if record_every is None else check_int(record_every, "record_every", minimum=1)
    record_steps = onp.unique(onp.r_[onp.arange(0, n_iters + 1, max(every, 1)), n_iters])
    logits_rec = onp.empty((record_steps.size, S, A))
    values_rec = onp.empty((record_steps.size, S))
    logits, values = engine.forward(X_in) if fused else a2c_forward(params, X, config)
    logits_rec[0], values_rec[0] = logits, values
    rec = 1
    grad_var = onp.full(n_iters, onp.nan)
    losses = onp.empty(n_iters)

    for it in range(n_iters):
        logp = log_softmax(onp.asarray(logits))
        pi = onp.exp(logp)
        V = values[None, :]
        batch = collect_batch(env, learner, onp.cumsum(pi, axis=-1)[None], V, s, T, run_of, env_rng, restart)
        s = batch.next_start
        contrib, index, scale = logit_contributions(batch, pi[None], logp[None], V, learner, config.entropy,
                                                     T, run_of, S, gamma)
        score, var = per_env_gradient(index, contrib, E * S, 1, E, S, A, scale)
        grad_var[it] = var[0]
        nb = make_batch(batch.states, batch.actions, batch.targets, batch.weights, values, learner, gamma)
        if fused:
            # the last forward pass is at the current parameters: backward from its outputs.
            # −∂L/∂logits is the tabular score-function estimate (module docstring); the value
            # term's ∂/∂V_s = −(2 c_V / N) Σ_{i: s_i = s} (y_i − V_s)
            losses[it] = _loss_of_outputs(logits, values, nb, config)
            g_values = onp.zeros(S)
            if learner != "reinforce":
                g_values = (-2.0 * config.value_coef / nb.states.size) * onp.bincount(
                    nb.states, weights=nb.targets - values[nb.states], minlength=S)
            flats, state = opt.update_leaves(engine.backward(-score[0], g_values), state, flats)
            engine.set_flats(flats)
            logits, values = engine.forward(X_in)
        else:
            loss, grads = loss_grad(params, X, nb, config)
            losses[it] = loss
            params, state = opt.update(grads, state, params)
            logits, values = a2c_forward(params, X, config)
        if rec < record_steps.size and record_steps[rec] == it + 1:
            logits_rec[rec], values_rec[rec] = logits, values
            rec += 1

    if fused:
        params = engine.export_params()
    return A2CRun(steps=record_steps, logits=logits_rec, values=values_rec, grad_variance=grad_var,
                  loss=losses, params=params, env_steps=E * T, config=config)
