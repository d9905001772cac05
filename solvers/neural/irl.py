"""Neural MaxEnt IRL as a GAN: a cost network with the Finn discriminator against an
autoregressive policy network, on an enumerable trajectory set.

The losses below are written with autograd; the default ``backend="fused"`` of
:func:`train_neural_irl` computes the same losses and gradients by hand
(:class:`FusedNeuralIRL`, both networks as :class:`~solvers.neural.fused.FusedMLP`), and the
tests check the two routes against each other.

Cost.  c_θ(τ) = g_θ(f̃(τ)), a small MLP of the trajectory's features f(τ) (standardized once:
f̃ = (f − mean)/std over the set), and a learned log-partition b = log Z.

Sampler.  An autoregressive policy π_φ(a_t | context_t) over the H actions of a trajectory, an
MLP giving A logits from the context of step t:

- ``context="prefix"``: one-hot(t) ⊕ the one-hot encodings of the actions already taken
  a_1..a_(t−1) (zeros for the positions still to come) — a fully general autoregressive
  model of sequences, q(τ) = ∏_t π(a_t | a_<t);
- ``context="state"``: one-hot(t) ⊕ one-hot(s_(t−1)), the current state of a deterministic
  MDP (a time-dependent Markov policy; it can represent p(τ) ∝ exp(−c(τ)) when c is a sum of
  per-state costs, Ziebart et al. 2008).

Because the trajectory set is enumerable, log q(τ) is computed for *every* τ at once (one
network pass over the N·H contexts), so densities are exact.

Discriminator (Finn et al. 2016, Section 3.1):

    D(τ) = (exp(−c_θ(τ))/Z) / (exp(−c_θ(τ))/Z + q(τ)) = σ(u(τ)),
    u(τ) = −c_θ(τ) − log Z − log q(τ).

Losses (Section 2.1 with this D, as expanded in Section 3.2):

    L_D(θ, log Z) = E_{τ~p_data}[−log D(τ)] + E_{τ~q}[−log(1 − D(τ))],
    L_G(φ)        = E_{τ~q}[log(1 − D(τ)) − log D(τ)] = log Z + E_q[c_θ] + E_q[log q].

Two estimators (``estimator``):

- ``"exact"``: both expectations are exact sums over the N trajectories, with p_data given
  as a weight vector (exact probabilities or empirical demonstration weights) and q by
  enumeration; L_G is differentiated exactly through q_φ(τ) and log q_φ(τ);
- ``"samples"``: each step draws ``n_demos`` demonstrations from p_data and ``n_samples``
  trajectories from q (inverse-CDF draws on the enumerated density, identical in law to
  ancestral sampling from π_φ), uses empirical means in L_D, and for the sampler the
  score-function (REINFORCE) gradient  ∇_φ L_G ≈ mean_j (ℓ_j − b) ∇_φ log q_φ(τ_j)  with
  ℓ_j = −u(τ_j) and the baseline b = mean_j ℓ_j (the term E_q[∇ log q] = 0 drops out).

At the joint optimum q = p_data, D = 1/2 everywhere and c_θ = c* + const (Section 3.2 and
Section 4's consistency remark).  Nothing here calls ``theory.irl``; the claims compare.

Source: Finn, Christiano, Abbeel & Levine (2016), "A Connection between Generative
Adversarial Networks, Inverse Reinforcement Learning, and Energy-Based Models",
arXiv:1611.03852, Sections 2.1, 2.3, 3.1, 3.2; Williams (1992), "Simple statistical
gradient-following algorithms", eq. (9) (REINFORCE with a baseline).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import autograd.numpy as np
import numpy as onp
from autograd import value_and_grad
from autograd.tracer import getval

from scipy.special import expit

from solvers.neural.fused import FusedMLP
from solvers.neural.mlp import forward, init_mlp, log_sigmoid, softplus
from solvers.neural.optim import OptState
from solvers.neural.training import AnnealedAdam, ConfigDict, LoopRun, check_backend_fields, check_callback, \
    check_network_fields, run_steps
from theory.validation import as_float_array, as_generator, check_in, check_instance, check_int, \
    check_probability
from theory.deprecation import deprecated_method, module_getattr

__all__ = [
    "CONTEXTS",
    "ESTIMATORS",
    "NeuralIRLConfig",
    "NeuralIRLRun",
    "policy_contexts",
    "standardize_features",
    "init_neural_irl",
    "cost_apply",
    "policy_log_density",
    "irl_discriminator_logit",
    "irl_discriminator_loss",
    "irl_generator_loss",
    "irl_generator_surrogate",
    "FusedNeuralIRL",
    "train_neural_irl",
]

CONTEXTS = ("prefix", "state")
ESTIMATORS = ("exact", "samples")


@dataclass(frozen=True)
class NeuralIRLConfig(AnnealedAdam, ConfigDict):
    """Hyperparameters of :func:`train_neural_irl`.

    Parameters
    ----------
    cost_hidden, policy_hidden : tuple of int
        Hidden widths of the cost MLP g_θ and of the policy MLP.
    activation : str
        Hidden nonlinearity of both networks (see :data:`solvers.neural.mlp.ACTIVATIONS`).
    context : {"prefix", "state"}
        What the policy sees at step t (module docstring).
    estimator : {"exact", "samples"}
        Exact sums over the enumerated set, or sampled minibatches with score-function
        gradients for the sampler.
    lr_cost, lr_policy : float > 0
        Adam step sizes of (θ, log Z) and of φ.
    b1, anneal_fraction, anneal_factor
        Adam's β₁ and the late step-size drop (:class:`~solvers.neural.training.AnnealedAdam`).
    n_disc_steps : int >= 1
        Discriminator steps per sampler step.
    n_demos, n_samples : int >= 1
        Minibatch sizes of the ``"samples"`` estimator (ignored by ``"exact"``).
    init_scale : {"glorot", "he", "lecun"} or float
    backend : {"fused", "autograd"}
        Gradients by the hand-written passes of :class:`FusedNeuralIRL` (the default; both
        networks as :class:`~solvers.neural.fused.FusedMLP`) or by autograd on
        :func:`irl_discriminator_loss`, :func:`irl_generator_loss` and
        :func:`irl_generator_surrogate` (the independent route); the same numbers in float64
        up to rounding.
    dtype : {"float64", "float32"}
        Arithmetic of the fused networks and their optimizer states (the losses, the
        densities and log Z stay float64; autograd: float64 only).
    """

    LR_FIELDS = ("lr_cost", "lr_policy")

    cost_hidden: tuple = (32,)
    policy_hidden: tuple = (32,)
    activation: str = "tanh"
    context: str = "prefix"
    estimator: str = "exact"
    lr_cost: float = 1e-2
    lr_policy: float = 1e-2
    b1: float = 0.9
    n_disc_steps: int = 1
    n_demos: int = 256
    n_samples: int = 256
    init_scale: Any = "glorot"
    backend: str = "fused"
    dtype: str = "float64"

    def __post_init__(self) -> None:
        check_network_fields(self, hidden=("cost_hidden", "policy_hidden"))
        check_backend_fields(self)
        check_in(self.context, "context", CONTEXTS)
        check_in(self.estimator, "estimator", ESTIMATORS)
        check_int(self.n_disc_steps, "n_disc_steps", minimum=1)
        check_int(self.n_demos, "n_demos", minimum=1)
        check_int(self.n_samples, "n_samples", minimum=1)
        self.check_annealed_adam()


# ---------------------------------------------------------------------------------------------
# inputs: features and policy contexts
# ---------------------------------------------------------------------------------------------


def standardize_features(features: Any) -> onp.ndarray:
    """(f − mean)/std per column over the set (columns with zero spread are only centred).

    Parameters
    ----------
    features : array_like, shape (N, K)

    Returns
    -------
    ndarray, shape (N, K)
    """
    f = as_float_array(features, "features")
    if f.ndim != 2:
        raise ValueError(f"`features` must have shape (N, K) (got shape {f.shape})")
    sd = f.std(axis=0)
    return (f - f.mean(axis=0)) / onp.where(sd > 0, sd, 1.0)


def policy_contexts(actions: Any, n_actions: int, *, context: str = "prefix", paths: Any = None,
                    n_states: int | None = None) -> onp.ndarray:
    """The policy's input for every trajectory and step, shape (N, H, d_in).

    ``"prefix"``: d_in = H + H·A, [one-hot(t), one-hot(a_1), ..., one-hot(a_(t−1)), 0, ...];
    ``"state"``: d_in = H + S, [one-hot(t), one-hot(s_(t−1))] with s_0 the start state.

    Parameters
    ----------
    actions : array_like of int, shape (N, H)
        Action sequences, entries in [0, A).
    n_actions : int >= 1
    context : {"prefix", "state"}, keyword-only
    paths : array_like of int, shape (N, H + 1), keyword-only
        State sequences s_0..s_H (needed for ``"state"``).
    n_states : int, keyword-only
        S (default: ``paths.max() + 1``).

    Raises
    ------
    ValueError, TypeError
        For malformed inputs or a ``"state"`` context without ``paths``.
    """
    check_in(context, "context", CONTEXTS)
    a = check_int(n_actions, "n_actions", minimum=1)
    acts = onp.asarray(actions)
    if acts.dtype == bool or not onp.issubdtype(acts.dtype, onp.integer):
        raise TypeError(f"`actions` must be an integer array (got dtype {acts.dtype})")
    if acts.ndim != 2 or acts.size == 0:
        raise ValueError(f"`actions` must have shape (N, H) (got shape {acts.shape})")
    if acts.min() < 0 or acts.max() >= a:
        raise ValueError(f"`actions` must lie in [0, {a})")
    n, h = acts.shape
    time_part = onp.broadcast_to(onp.eye(h), (n, h, h))
    if context == "prefix":
        onehot = onp.eye(a)[acts].reshape(n, 1, h * a)  # all actions, then mask the future
        visible = (onp.arange(h)[None, :] < onp.arange(h)[:, None])  # [t, s]: s < t
        mask = onp.repeat(visible, a, axis=1)[None].astype(float)  # (1, H, H·A)
        return onp.concatenate([time_part, onehot * mask], axis=2)
    if paths is None:
        raise ValueError("`paths` is required for context='state'")
    pth = onp.asarray(paths)
    if pth.dtype == bool or not onp.issubdtype(pth.dtype, onp.integer):
        raise TypeError(f"`paths` must be an integer array (got dtype {pth.dtype})")
    if pth.shape != (n, h + 1):
        raise ValueError(f"`paths` must have shape (N, H + 1) = {(n, h + 1)} (got {pth.shape})")
    s = int(pth.max()) + 1 if n_states is None else check_int(n_states, "n_states", minimum=1)
    if pth.min() < 0 or pth.max() >= s:
        raise ValueError(f"`paths` must hold states in [0, {s})")
    return onp.concatenate([time_part, onp.eye(s)[pth[:, :-1]]], axis=2)


# ---------------------------------------------------------------------------------------------
# networks and losses
# ---------------------------------------------------------------------------------------------


def init_neural_irl(config: NeuralIRLConfig, n_features: int, context_dim: int, n_actions: int,
                    seed: Any) -> dict:
    """``{"cost": MLP (K, *cost_hidden, 1), "log_z": 0-d array (0), "policy": MLP
    (d_in, *policy_hidden, A)}``; the policy's last layer is scaled by 0.1 so that it starts
    close to uniform.

    Source: Glorot & Bengio (2010), eq. (16), for the default weight scale.
    """
    check_instance(config, "config", NeuralIRLConfig)
    k = check_int(n_features, "n_features", minimum=1)
    d_in = check_int(context_dim, "context_dim", minimum=1)
    a = check_int(n_actions, "n_actions", minimum=1)
    rng = as_generator(seed)
    cost = init_mlp((k, *config.cost_hidden, 1), rng, scale=config.init_scale)
    policy = init_mlp((d_in, *config.policy_hidden, a), rng, scale=config.init_scale)
    policy[-1] = {"W": 0.1 * policy[-1]["W"], "b": policy[-1]["b"]}
    return {"cost": cost, "log_z": onp.array(0.0), "policy": policy}


def cost_apply(cost_params: list, features, *, activation: str = "tanh"):
    """c_θ(τ) = g_θ(f̃(τ)), shape (N,), for standardized features of shape (N, K)."""
    return forward(cost_params, features, activation)[:, 0]


def policy_log_density(policy_params: list, contexts, action_onehot, *, activation: str = "tanh"):
    """log q_φ(τ) = ∑_t log softmax(MLP(context_t))[a_t] for every trajectory, shape (N,).

    Parameters
    ----------
    contexts : array, shape (N, H, d_in)
        From :func:`policy_contexts`.
    action_onehot : array, shape (N, H, A)
        One-hot actions a_t.
    """
    n, h, d_in = contexts.shape
    a = action_onehot.shape[2]
    logits = np.reshape(forward(policy_params, np.reshape(contexts, (n * h, d_in)), activation), (n, h, a))
    shift = onp.max(getval(logits), axis=2, keepdims=True)
    log_norm = np.log(np.sum(np.exp(logits - shift), axis=2, keepdims=True)) + shift
    return np.sum((logits - log_norm) * action_onehot, axis=(1, 2))


def irl_discriminator_logit(cost, log_z, log_q):
    """u(τ) = −c(τ) − log Z − log q(τ), so that D(τ) = σ(u(τ)) (Finn et al. 2016, Section 3.1)."""
    return -cost - log_z - log_q


def irl_discriminator_loss(cost_params: list, log_z, features, log_q, p_weights, q_weights, *,
                           activation: str = "tanh"):
    """L_D = ∑_τ p_w(τ) softplus(−u(τ)) + ∑_τ q_w(τ) softplus(u(τ))
    = E_p[−log D] + E_q[−log(1 − D)] with the expectation weights ``p_weights``,
    ``q_weights`` (each summing to 1) over the rows of ``features``.

    Source: Finn et al. (2016), Section 2.1 (the discriminator's loss) with D of Section 3.1.
    """
    u = irl_discriminator_logit(cost_apply(cost_params, features, activation=activation), log_z, log_q)
    return np.sum(p_weights * softplus(-u)) + np.sum(q_weights * softplus(u))


def irl_generator_loss(policy_params: list, cost, log_z, contexts, action_onehot, *,
                       activation: str = "tanh"):
    """Exact L_G(φ) = ∑_τ q_φ(τ) [log(1 − D(τ)) − log D(τ)] over the whole set
    (= log Z + E_q[c] + E_q[log q]); ``cost`` (N,) and ``log_z`` are held fixed.

    Source: Finn et al. (2016), Section 2.1 (generator loss) and Section 3.2 (its value).
    """
    log_q = policy_log_density(policy_params, contexts, action_onehot, activation=activation)
    u = irl_discriminator_logit(cost, log_z, log_q)
    return np.sum(np.exp(log_q) * (log_sigmoid(-u) - log_sigmoid(u)))


def irl_generator_surrogate(policy_params: list, advantages, contexts, action_onehot, *,
                            activation: str = "tanh"):
    """Score-function surrogate mean_j A_j log q_φ(τ_j) whose gradient is the REINFORCE
    estimate of ∇_φ L_G; ``advantages`` A_j = ℓ_j − b are constants (one per drawn τ_j,
    rows of ``contexts``/``action_onehot``).

    Source: Williams (1992), eq. (9) (REINFORCE with a baseline).
    """
    log_q = policy_log_density(policy_params, contexts, action_onehot, activation=activation)
    return np.mean(advantages * log_q)


# ---------------------------------------------------------------------------------------------
# the fused backend
# ---------------------------------------------------------------------------------------------


class FusedNeuralIRL:
    """The losses and gradients of :func:`train_neural_irl` with hand-written derivatives,
    both networks as :class:`~solvers.neural.fused.FusedMLP` (the default ``backend``).

    - L_D = Σ p_w softplus(−u) + Σ q_w softplus(u), u = −c − log Z − log q:
      ∂L_D/∂u = −p_w σ(−u) + q_w σ(u), ∂L_D/∂c = −∂L_D/∂u (chained through g_θ),
      ∂L_D/∂log Z = −Σ ∂L_D/∂u;
    - exact L_G = Σ_τ q_τ [log σ(−u_τ) − log σ(u_τ)] = Σ_τ q_τ ℓ_τ with ℓ = −u = c + log Z +
      log q, so ∂L_G/∂log q_τ = q_τ (ℓ_τ + 1); the surrogate mean_j A_j log q(τ_j) has
      ∂/∂log q(τ_j) = A_j / n;
    - log q(τ) = Σ_t [z_{τ,t,a_t} − logsumexp z_{τ,t}], whose VJP for a cotangent ḡ_τ is
      ∂/∂z_{τ,t} = ḡ_τ (onehot(a_t) − softmax(z_{τ,t})) (chained through the policy MLP).

    The autograd route of :func:`train_neural_irl` (``backend="autograd"``) computes the same
    quantities independently; the tests compare the two.

    Source: Finn et al. (2016), Sections 2.1, 3.1, 3.2; Williams (1992), eq. (9).

    Parameters
    ----------
    config : NeuralIRLConfig
    n_features, n_actions : int
    contexts : ndarray, shape (N, H, d_in)
        Every trajectory's policy inputs (:func:`policy_contexts`).
    action_onehot : ndarray, shape (N, H, A)
    """

    def __init__(self, config: NeuralIRLConfig, n_features: int, n_actions: int, contexts: onp.ndarray,
                 action_onehot: onp.ndarray):
        n, h, d_in = contexts.shape
        self.cost = FusedMLP((n_features, *config.cost_hidden, 1), config.activation, dtype=config.dtype)
        self.policy = FusedMLP((d_in, *config.policy_hidden, n_actions), config.activation, dtype=config.dtype)
        self.contexts = contexts.reshape(n * h, d_in).astype(self.policy.dtype)
        self.onehot = action_onehot
        self._probs = None

    def cost_values(self, features: onp.ndarray) -> onp.ndarray:
        """c_θ on the rows of ``features`` (float64, shape (n,)), keeping the forward pass."""
        return self.cost.forward(self.cost.as_input(features))[:, 0].astype(float, copy=False)

    def log_q(self, rows: onp.ndarray | None = None) -> onp.ndarray:
        """log q_φ(τ) (float64, shape (n,)) of every trajectory, or of the trajectories
        ``rows``, keeping the forward pass and the softmax for :meth:`policy_grad`."""
        ctx, onehot = (self.contexts, self.onehot) if rows is None else \
            (self.contexts.reshape(*self.onehot.shape[:2], -1)[rows].reshape(-1, self.contexts.shape[1]),
             self.onehot[rows])
        n, h, a = onehot.shape
        logits = self.policy.forward(ctx).astype(float, copy=False).reshape(n, h, a)
        shift = logits.max(axis=2, keepdims=True)
        e = onp.exp(logits - shift)
        total = e.sum(axis=2, keepdims=True)
        self._probs, self._onehot = e / total, onehot
        return onp.einsum("nha,nha->n", logits - shift - onp.log(total), onehot)

    def policy_grad(self, g_log_q: onp.ndarray) -> onp.ndarray:
        """∂⟨g_log_q, log q⟩/∂φ for the last :meth:`log_q` pass (the buffer policy.grad)."""
        g = g_log_q[:, None, None] * (self._onehot - self._probs)
        return self.policy.backward(g.reshape(-1, g.shape[2]).astype(self.policy.dtype, copy=False))[0]

    def d_loss_grad(self, log_z: float, features: onp.ndarray, log_q: onp.ndarray, p_weights: onp.ndarray,
                    q_weights: onp.ndarray) -> tuple[float, onp.ndarray, float]:
        """``(L_D, ∂L_D/∂θ (the buffer cost.grad), ∂L_D/∂log Z)`` at the cost network's current
        parameters (:func:`irl_discriminator_loss`)."""
        u = -self.cost_values(features) - log_z - log_q
        loss = float(onp.dot(p_weights, onp.logaddexp(0.0, -u)) + onp.dot(q_weights, onp.logaddexp(0.0, u)))
        g_u = q_weights * expit(u) - p_weights * expit(-u)
        grad, _ = self.cost.backward((-g_u)[:, None].astype(self.cost.dtype, copy=False))
        return loss, grad, -float(g_u.sum())

    def g_exact_grad(self, log_q: onp.ndarray, cost: onp.ndarray, log_z: float) -> tuple[float, onp.ndarray]:
        """Exact ``(L_G, ∂L_G/∂φ)`` (:func:`irl_generator_loss`) for ``log_q`` from the last
        :meth:`log_q` pass over every trajectory (the policy unchanged since)."""
        q = onp.exp(log_q)
        ell = cost + log_z + log_q
        return float(onp.dot(q, ell)), self.policy_grad(q * (ell + 1.0))

    def g_samples_grad(self, advantages: onp.ndarray, rows: onp.ndarray) -> onp.ndarray:
        """The REINFORCE gradient ∂/∂φ of mean_j A_j log q(τ_j) over the drawn ``rows``
        (:func:`irl_generator_surrogate`)."""
        self.log_q(rows)
        return self.policy_grad(advantages / advantages.shape[0])


# ---------------------------------------------------------------------------------------------
# training
# ---------------------------------------------------------------------------------------------


@dataclass
class NeuralIRLRun(LoopRun):
    """Outcome of :func:`train_neural_irl`.

    ``cost`` (N,) = c_θ(τ) and ``q`` (N,) = q_φ(τ) on every trajectory after training;
    ``log_z`` the discriminator's log Z; ``d_loss``, ``g_loss`` per step (the exact losses for
    ``"exact"``, the minibatch estimates for ``"samples"``); ``log_z_history`` per step;
    ``snapshots`` a list of ``(step, cost, q, log_z)`` at the requested steps; the bookkeeping
    fields are :class:`~solvers.neural.training.LoopRun`'s.
    """

    config: NeuralIRLConfig
    params: dict
    cost: onp.ndarray
    q: onp.ndarray
    log_z: float
    d_loss: onp.ndarray
    g_loss: onp.ndarray
    log_z_history: onp.ndarray
    snapshots: list

    def discriminator(self) -> onp.ndarray:
        """D(τ) = σ(−c − log Z − log q) on every trajectory, shape (N,)."""
        with onp.errstate(divide="ignore"):
            u = -self.cost - self.log_z - onp.log(self.q)
        return onp.exp(-onp.logaddexp(0.0, -u))

    def to_dict(self) -> dict:
        return {"config": self.config.to_dict(), "cost": self.cost.tolist(), "q": self.q.tolist(),
                "log_z": self.log_z, **self.loop_fields(), "d_loss": self.d_loss.tolist(),
                "g_loss": self.g_loss.tolist(),
                "snapshots": [{"step": s, "cost": c.tolist(), "q": q.tolist(), "log_z": z}
                              for s, c, q, z in self.snapshots]}

    to_json = deprecated_method("to_dict")


def _trajectory_arrays(trajectories: Any):
    for attr in ("features", "actions", "n_actions"):
        if not hasattr(trajectories, attr):
            raise TypeError(f"`trajectories` must be a TrajectorySet-like object with `{attr}`")
    if trajectories.actions is None:
        raise ValueError("`trajectories` must carry `actions` (an abstract set has no sampler)")
    return (as_float_array(trajectories.features, "trajectories.features"), onp.asarray(trajectories.actions),
            int(trajectories.n_actions), getattr(trajectories, "paths", None))


def train_neural_irl(trajectories: Any, p_data: Any, config: NeuralIRLConfig, n_steps: int, seed: Any, *,
                     snapshot_steps: Any = (), callback: Callable | None = None) -> NeuralIRLRun:
    """Alternate the Finn discriminator (cost network + log Z) and the autoregressive sampler.

    Each step: ``n_disc_steps`` Adam steps on (θ, log Z) for L_D with the sampler fixed, then
    one Adam step on φ for L_G with (θ, log Z) fixed (exactly or by REINFORCE, per
    ``config.estimator``).  The gradients come from ``config.backend``
    (:class:`FusedNeuralIRL` or autograd; the same draws from the same seed either way, the
    same numbers in float64 up to rounding).

    Source: Finn et al. (2016), Sections 3.1-3.2 (the GAN form of guided cost learning);
    Goodfellow et al. (2014), Algorithm 1 (alternation).

    Parameters
    ----------
    trajectories : TrajectorySet
        An enumerable set with ``features`` (N, K), ``actions`` (N, H), ``n_actions`` and
        (for ``context="state"``) ``paths`` (N, H + 1); see
        :mod:`solvers.problems.trajectories`.
    p_data : array_like, shape (N,)
        The demonstrations' distribution over the rows: exact probabilities or empirical
        weights (a probability vector).
    config : NeuralIRLConfig
    n_steps : int >= 0
    seed : int, SeedSequence or Generator
        Spawns independent streams for initialization and minibatches.
    snapshot_steps : sequence of int, keyword-only
        Record ``(step, cost, q, log_z)`` after these numbers of completed steps.
    callback : callable, keyword-only
        ``callback(step, params)`` after every completed step.

    Returns
    -------
    NeuralIRLRun
        On Ctrl-C, the partial result (last completed step) with ``interrupted=True``.

    Raises
    ------
    TypeError, ValueError
        For malformed trajectories, ``p_data`` of the wrong length, bad config or seed.
    """
    check_instance(config, "config", NeuralIRLConfig)
    features, actions, n_actions, paths = _trajectory_arrays(trajectories)
    n = features.shape[0]
    p = check_probability(p_data, "p_data")
    if p.shape != (n,):
        raise ValueError(f"`p_data` must have shape ({n},), one weight per trajectory (got {p.shape})")
    n_steps = check_int(n_steps, "n_steps", minimum=0)
    wanted = {check_int(s, "snapshot_steps[i]", minimum=0) for s in snapshot_steps}
    check_callback(callback)
    feats = standardize_features(features)
    ctx = policy_contexts(actions, n_actions, context=config.context, paths=paths)
    onehot = onp.eye(n_actions)[actions]
    rng_init, rng_batch = as_generator(seed).spawn(2)
    params = init_neural_irl(config, feats.shape[1], ctx.shape[2], n_actions, rng_init)
    exact = config.estimator == "exact"
    p_cdf = onp.cumsum(p) / p.sum()

    def draw(cdf, size):
        return onp.minimum(onp.searchsorted(cdf, rng_batch.random(size), side="right"), n - 1)

    def d_batches(lq):
        """The discriminator's ``n_disc_steps`` (rows, p weights, q weights) for the sampler's
        log-densities ``lq``: every trajectory with exact weights, or drawn minibatches."""
        if exact:
            return [(slice(None), p, onp.exp(lq))] * config.n_disc_steps
        q_cdf = onp.cumsum(onp.exp(lq))
        pw = onp.r_[onp.full(config.n_demos, 1.0 / config.n_demos), onp.zeros(config.n_samples)]
        qw = onp.r_[onp.zeros(config.n_demos), onp.full(config.n_samples, 1.0 / config.n_samples)]
        return [(onp.concatenate([draw(p_cdf, config.n_demos), draw(q_cdf / q_cdf[-1], config.n_samples)]), pw, qw)
                for _ in range(config.n_disc_steps)]

    def g_rows(lq):
        q_cdf = onp.cumsum(onp.exp(lq))
        return draw(q_cdf / q_cdf[-1], config.n_samples)

    route = _fused_irl_route if config.backend == "fused" else _autograd_irl_route
    one_step, state, export = route(config, params, feats, ctx, onehot, d_batches, g_rows, n_steps)
    d_hist, g_hist, z_hist = onp.zeros(n_steps), onp.zeros(n_steps), onp.zeros(n_steps)

    def snapshot(step, state_):
        c, lq, log_z = export(state_, values=True)
        return (step, c, onp.exp(lq), log_z)

    snapshots = [snapshot(0, state)] if 0 in wanted else []

    def step(t, state):
        opt_d, opt_g = config.optimizers_at(t, n_steps)  # annealed late; the moments carry over
        state, d_hist[t], g_hist[t], z_hist[t] = one_step(state, opt_d, opt_g)
        return state

    def after(n_done, state):
        if n_done in wanted:
            snapshots.append(snapshot(n_done, state))
        if callback is not None:
            callback(n_done, export(state))

    out = run_steps(step, state, n_steps, after=after)
    n_done = out.n_steps
    final = snapshot(n_done, out.state)
    return NeuralIRLRun(config=config, params=export(out.state, copy=True), cost=final[1], q=final[2],
                        log_z=final[3], d_loss=d_hist[:n_done], g_loss=g_hist[:n_done],
                        log_z_history=z_hist[:n_done], snapshots=snapshots, n_steps=n_done,
                        n_steps_requested=n_steps, interrupted=out.interrupted, seconds=out.seconds)


def _autograd_irl_route(config, params, feats, ctx, onehot, d_batches, g_rows, n_steps) -> tuple:
    """``(one_step, initial state, export)`` of the autograd backend (value_and_grad of
    :func:`irl_discriminator_loss` and :func:`irl_generator_loss` or
    :func:`irl_generator_surrogate`)."""
    act = config.activation
    exact = config.estimator == "exact"

    def d_objective(dp, f_rows, lq_rows, pw, qw):
        return irl_discriminator_loss(dp["cost"], dp["log_z"], f_rows, lq_rows, pw, qw, activation=act)

    def g_exact(pp, cost, log_z):
        return irl_generator_loss(pp, cost, log_z, ctx, onehot, activation=act)

    def g_samples(pp, adv, c_rows, o_rows):
        return irl_generator_surrogate(pp, adv, c_rows, o_rows, activation=act)

    d_grad = value_and_grad(d_objective)
    g_grad = value_and_grad(g_exact if exact else g_samples)

    def log_q_all(pp):
        return onp.asarray(policy_log_density(pp, ctx, onehot, activation=act))

    def one_step(state, opt_d, opt_g):
        dp, pp, state_d, state_g = state
        lq = log_q_all(pp)
        d_val = 0.0
        for rows, pw, qw in d_batches(lq):
            d_val, grads = d_grad(dp, feats[rows], lq[rows], pw, qw)
            dp, state_d = opt_d.update(grads, state_d, dp)
        cost = onp.asarray(cost_apply(dp["cost"], feats, activation=act))
        log_z = float(dp["log_z"])
        if exact:
            g_val, g_grads = g_grad(pp, cost, log_z)
        else:
            rows = g_rows(lq)
            ell = cost[rows] + log_z + lq[rows]  # log(1 − D) − log D = −u
            g_val = float(ell.mean())
            _, g_grads = g_grad(pp, ell - ell.mean(), ctx[rows], onehot[rows])
        pp, state_g = opt_g.update(g_grads, state_g, pp)
        return (dp, pp, state_d, state_g), d_val, g_val, float(dp["log_z"])

    def export(state, *, copy=False, values=False):
        dp, pp = state[0], state[1]
        if values:
            return onp.asarray(cost_apply(dp["cost"], feats, activation=act)), log_q_all(pp), float(dp["log_z"])
        return {"cost": dp["cost"], "log_z": dp["log_z"], "policy": pp}

    dp = {"cost": params["cost"], "log_z": params["log_z"]}
    opt_d, opt_g = config.optimizers_at(0, n_steps)
    return one_step, (dp, params["policy"], opt_d.init(dp), opt_g.init(params["policy"])), export


def _fused_irl_route(config, params, feats, ctx, onehot, d_batches, g_rows, n_steps) -> tuple:
    """``(one_step, initial state, export)`` of the fused backend (:class:`FusedNeuralIRL`):
    the discriminator's leaves ``[flat θ, log Z]`` and the policy's ``[flat φ]``, updated by
    ``update_leaves`` (the optimizers are elementwise: the autograd route's update)."""
    engine = FusedNeuralIRL(config, feats.shape[1], onehot.shape[2], ctx, onehot)
    cost_net, policy_net = engine.cost, engine.policy
    exact = config.estimator == "exact"
    opt_d, opt_g = config.optimizers_at(0, n_steps)
    state_c = cost_net.import_opt_state(opt_d.init(params["cost"]))
    state_z = opt_d.init([params["log_z"]])
    state_d = OptState(0, {key: state_c.slots[key] + state_z.slots[key] for key in state_c.slots})
    state_g = policy_net.import_opt_state(opt_g.init(params["policy"]))
    leaves_d = [cost_net.import_params(params["cost"], "params['cost']"), onp.asarray(params["log_z"], float)]
    leaves_g = [policy_net.import_params(params["policy"], "params['policy']")]

    def one_step(state, opt_d, opt_g):
        leaves_d, leaves_g, state_d, state_g = state
        policy_net.set_flat(leaves_g[0])
        lq = engine.log_q()
        d_val = 0.0
        for rows, pw, qw in d_batches(lq):
            cost_net.set_flat(leaves_d[0])
            d_val, g_flat, g_z = engine.d_loss_grad(float(leaves_d[1]), feats[rows], lq[rows], pw, qw)
            leaves_d, state_d = opt_d.update_leaves([g_flat, onp.asarray(g_z)], state_d, leaves_d)
        cost_net.set_flat(leaves_d[0])
        cost = engine.cost_values(feats)
        log_z = float(leaves_d[1])
        if exact:  # the policy's forward pass over every trajectory is still the last one
            g_val, g_flat = engine.g_exact_grad(lq, cost, log_z)
        else:
            rows = g_rows(lq)
            ell = cost[rows] + log_z + lq[rows]  # log(1 − D) − log D = −u
            g_val = float(ell.mean())
            g_flat = engine.g_samples_grad(ell - ell.mean(), rows)
        leaves_g, state_g = opt_g.update_leaves([g_flat], state_g, leaves_g)
        return (leaves_d, leaves_g, state_d, state_g), d_val, g_val, log_z

    def export(state, *, copy=False, values=False):
        leaves_d, leaves_g = state[0], state[1]
        if values:
            cost_net.set_flat(leaves_d[0])
            policy_net.set_flat(leaves_g[0])
            return engine.cost_values(feats).copy(), engine.log_q(), float(leaves_d[1])
        cost, policy = cost_net.unflatten(leaves_d[0], copy=copy), policy_net.unflatten(leaves_g[0], copy=copy)
        if copy:
            cost, policy = ([{key: v.astype(float, copy=False) for key, v in layer.items()} for layer in net]
                            for net in (cost, policy))
        return {"cost": cost, "log_z": leaves_d[1], "policy": policy}

    return one_step, (leaves_d, leaves_g, state_d, state_g), export


# Old British spellings of public names, kept as deprecated aliases (theory.deprecation).
__getattr__ = module_getattr(__name__, globals(), {
    'NeuralIRLResult': 'NeuralIRLRun',
    'standardise_features': 'standardize_features',
})
