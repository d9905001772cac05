"""DQN and Double DQN with small autograd MLPs on finite MDPs given by state features.

The learner of Mnih et al. (2015) — experience replay and a periodically copied target
network — trained on a :class:`~solvers.problems.rl_toys.FiniteMDP` whose states are shown
to the network as feature vectors (one-hot or random), so that the exact Q* of the same MDP
(value iteration) tells how far the network's values are from the truth.

One gradient step minimizes, for a minibatch (s_j, a_j, r_j, s'_j) drawn uniformly from the
replay buffer,

    L(θ) = ½ · mean_j (Y_j − Q(φ(s_j), a_j; θ))²,

with a target Y_j held constant (no gradient flows through it):

- ``target="max"`` (DQN):         Y = r + γ max_a Q(φ(s'), a; θ⁻)
  (van Hasselt, Guez & Silver (AAAI 2016; arXiv:1509.06461), eq. (3); Mnih et al. 2015, Methods);
- ``target="double"`` (Double DQN): Y = r + γ Q(φ(s'), argmax_a Q(φ(s'), a; θ); θ⁻)
  (van Hasselt et al. 2016, eq. (4)): the online network selects, the target
  network evaluates.

The switch between the two is :func:`solvers.tabular.qlearning.bootstrap_value`, shared with
the tabular learners, so the neural and tabular Double estimators are the same rule.  The
target parameters θ⁻ are a copy of θ, refreshed after every ``target_update_period``-th
gradient step (Mnih et al. 2015, Algorithm 1: "every C steps reset Q̂ = Q").

Dueling heads (Wang et al. 2016) split the last layer into a value stream V(s) and an
advantage stream A(s, a), aggregated as Q = V + (A − mean_a A) (their eq. (9)) or
Q = V + (A − max_a A) (their eq. (8)); see :func:`dueling_aggregate`.

Several independent learners ("runs", e.g. seeds) are trained at once: every parameter leaf
carries a leading run axis, the forward pass is a batched matrix product, the loss is the sum
of the runs' losses (so each run receives exactly its own gradient) and the optimizers are
elementwise; the runs share nothing but the random generator that drives them.  Each run
collects data with ``n_envs`` parallel copies of the MDP (one step of every copy per gradient
step), vectorized over runs and copies.

Sources: Mnih et al. (2015), "Human-level control through deep reinforcement learning",
Nature 518, Methods ("Training algorithm for deep Q-networks") and Algorithm 1 (equation
numbers of the loss not confirmed); van Hasselt et al. (2016), "Deep Reinforcement
Learning with Double Q-learning", arXiv:1509.06461, eqs. (3)-(4); Wang et al. (2016),
"Dueling Network Architectures for Deep Reinforcement Learning", eqs. (8)-(9).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import autograd.numpy as np
import numpy as onp
from autograd import value_and_grad
from autograd.extend import defvjp, primitive
from autograd.tracer import getval

from solvers.neural.mlp import ACTIVATIONS, activation_vjp, check_hidden, dense, dense_numpy, dense_vjp, init_mlp
from solvers.neural.optim import tree_map, tree_structure
from solvers.neural.replay import ReplayBuffer
from solvers.neural.training import BACKENDS, ConfigDict, ReplaySchedule, TargetNetworkRun, as_seed_sequence, \
    check_callback, check_network_fields, check_optimizer_fields, config_optimizers
from solvers.problems.equal_values import equal_values_mdp, one_hot_features, random_features
from solvers.problems.rl_toys import FiniteMDP
from solvers.tabular.qlearning import bootstrap_value, epsilon_greedy
from theory.validation import as_float_array, check_in, check_instance, check_int, check_unit_interval
from theory.deprecation import module_getattr, renamed_keywords


__all__ = [
    "TARGET_METHODS",
    "AGGREGATIONS",
    "DQNConfig",
    "DQNRun",
    "ReplayBuffer",
    "equal_values_mdp",
    "one_hot_features",
    "random_features",
    "dueling_aggregate",
    "init_q_network",
    "q_values",
    "reference_q_values",
    "td_targets",
    "td_loss",
    "fused_td_gradient",
    "overestimation",
    "train_dqn",
]

TARGET_METHODS = ("max", "double")
AGGREGATIONS = ("mean", "max", "none")


# ---------------------------------------------------------------------------------------------
# the Q-network
# ---------------------------------------------------------------------------------------------


def dueling_aggregate(v, adv, *, method: str = "mean"):
    """Combine a value stream and an advantage stream into action values.

    - ``"mean"``: Q(s, a) = V(s) + (A(s, a) − (1/|A|) Σ_a' A(s, a'))  (Wang et al. 2016, eq. (9));
    - ``"max"``:  Q(s, a) = V(s) + (A(s, a) − max_a' A(s, a'))         (their eq. (8));
    - ``"none"``: Q(s, a) = V(s) + A(s, a)                              (the plain sum of their
      eq. (7) — number not confirmed —, not identifiable: (V + c, A − c) gives the same Q).

    With ``"mean"``, mean_a Q = V; with ``"max"``, max_a Q = V: V is recovered from Q, and Q
    is unchanged when a constant is added to every advantage of a state.

    Source: Wang et al. (2016), "Dueling Network Architectures for Deep Reinforcement
    Learning", Section 3, eqs. (7)-(9).

    Differentiable by autograd.

    Parameters
    ----------
    v : array, shape (...,)
    adv : array, shape (..., n_actions)
    method : {"mean", "max", "none"}, keyword-only

    Returns
    -------
    array, shape (..., n_actions)

    Raises
    ------
    ValueError
        Unknown ``method`` or shapes that do not line up.

    Examples
    --------
    V = 1 and A = (1, 3): the mean rule gives 1 + (A − 2), the max rule 1 + (A − 3).

    >>> dueling_aggregate(onp.array([1.0]), onp.array([[1.0, 3.0]])).tolist()
    [[0.0, 2.0]]
    >>> dueling_aggregate(onp.array([1.0]), onp.array([[1.0, 3.0]]), method="max").tolist()
    [[-1.0, 1.0]]
    """
    check_in(method, "method", AGGREGATIONS)
    if onp.shape(getval(v)) != onp.shape(getval(adv))[:-1]:
        raise ValueError(f"`v` must have the shape of `adv` without its last axis (got {onp.shape(getval(v))} "
                         f"and {onp.shape(getval(adv))})")
    return _aggregate(v, adv, method)


def _aggregate(v, adv, method):
    if method == "mean":
        adv = adv - np.mean(adv, axis=-1, keepdims=True)
    elif method == "max":
        adv = adv - np.max(adv, axis=-1, keepdims=True)
    return np.expand_dims(v, -1) + adv


def init_q_network(n_features: int, n_actions: int, hidden: Any = (32,), *, n_runs: int = 1, seed: Any = 0,
                   dueling: bool = False, scale: Any = "glorot") -> dict:
    """Parameters of ``n_runs`` independent Q-networks φ(s) ↦ (Q(s, a))_a, stacked on a leading
    run axis.

    Run r's weights are :func:`solvers.neural.mlp.init_mlp` draws from the r-th child of
    ``seed`` (so a run's initial network does not depend on how many runs are trained).

    Source: Mnih et al. (2015), Methods (a network mapping a state to one output per action);
    Wang et al. (2016), Figure 1 (the dueling value head).

    Parameters
    ----------
    n_features, n_actions : int >= 1
    hidden : sequence of int
        Hidden widths (may be empty: a linear Q-function).
    n_runs : int >= 1, keyword-only
    seed : int, SeedSequence or Generator, keyword-only
    dueling : bool, keyword-only
        Add a value head beside the advantage head (Wang et al. 2016, Figure 1).
    scale : {"glorot", "he", "lecun"} or float, keyword-only

    Returns
    -------
    params : dict
        ``{"torso": [{"W": (R, d_in, h), "b": (R, h)}, ...], "head": {"W": (R, h_L, A),
        "b": (R, A)}}`` and, when dueling, ``"value": {"W": (R, h_L, 1), "b": (R, 1)}``.
    """
    d = check_int(n_features, "n_features", minimum=1)
    m = check_int(n_actions, "n_actions", minimum=1)
    hidden = check_hidden(hidden)
    n_runs = check_int(n_runs, "n_runs", minimum=1)
    if not isinstance(dueling, bool):
        raise TypeError(f"`dueling` must be a bool, got {type(dueling).__name__}")
    children = as_seed_sequence(seed).spawn(n_runs)
    runs = []
    for child in children:  # initialization only: once per run, not in the training loop
        layers = init_mlp((d, *hidden, m), child, scale=scale)
        # The value head draws from its own stream (a grandchild of the run's seed), so the
        # torso and advantage head are the same draws with and without a value head.
        value_seed = onp.random.SeedSequence(child.entropy, spawn_key=child.spawn_key + (0,))
        value = init_mlp(((hidden[-1] if hidden else d), 1), value_seed, scale=scale)[0] if dueling else None
        runs.append((layers, value))
    stack = lambda xs: onp.stack(xs, axis=0)  # noqa: E731
    n_layers = len(hidden) + 1
    layers = [{k: stack([run[0][i][k] for run in runs]) for k in ("W", "b")} for i in range(n_layers)]
    params = {"torso": layers[:-1], "head": layers[-1]}
    if dueling:
        params["value"] = {k: stack([run[1][k] for run in runs]) for k in ("W", "b")}
    return params


def _check_params(params: Any) -> tuple[int, int, int, bool]:
    """(n_runs, n_features, n_actions, dueling) of a Q-network parameter dict, validated."""
    if not isinstance(params, dict) or "torso" not in params or "head" not in params \
            or set(params) - {"torso", "head", "value"}:
        raise TypeError("`params` must be a dict with keys 'torso', 'head' (and 'value') from init_q_network")
    layers = list(params["torso"]) + [params["head"]]
    runs, width, d = None, None, None
    for i, layer in enumerate(layers):
        if not isinstance(layer, dict) or set(layer) != {"W", "b"}:
            raise TypeError(f"layer {i} of `params` must be a dict with keys 'W' and 'b'")
        w, b = onp.shape(layer["W"]), onp.shape(layer["b"])
        if len(w) != 3 or b != (w[0], w[2]):
            raise ValueError(f"layer {i} of `params` must hold W (R, in, out) and b (R, out) (got {w} and {b})")
        if runs is None:
            runs, d = w[0], w[1]
        elif w[0] != runs or w[1] != width:
            raise ValueError(f"layer {i} of `params` does not line up with the previous layer")
        width = w[2]
    if "value" in params:
        w, b = onp.shape(params["value"]["W"]), onp.shape(params["value"]["b"])
        expect = (runs, onp.shape(params["head"]["W"])[1], 1)
        if w != expect or b != (runs, 1):
            raise ValueError(f"`params['value']` must hold W {expect} and b ({runs}, 1) (got {w} and {b})")
    return runs, d, width, "value" in params


def _forward(params, x, activation, aggregation):
    """Unchecked batched forward pass: x (B, d) or (R, B, d) -> Q (R, B, A), one fused
    autograd primitive (:func:`solvers.neural.mlp.dense`) per layer; on plain arrays it is the
    plain-numpy forward pass used for acting and targets."""
    h = x
    for layer in params["torso"]:
        h = dense(h, layer, activation)
    out = dense(h, params["head"], "linear")
    if "value" not in params:
        return out
    v = dense(h, params["value"], "linear")
    return _aggregate(v[..., 0], out, aggregation)


def reference_q_values(params, x, activation, aggregation):
    """The forward pass of :func:`q_values` from autograd's own matmul, add and activation (no
    fused primitive, no checks): the independent route the tests compare the fused layers
    (:func:`solvers.neural.mlp.dense`) against."""
    act = ACTIVATIONS[activation]
    h = x
    for layer in params["torso"]:
        h = act(np.matmul(h, layer["W"]) + np.expand_dims(layer["b"], -2))
    head = params["head"]
    out = np.matmul(h, head["W"]) + np.expand_dims(head["b"], -2)
    if "value" not in params:
        return out
    value = params["value"]
    v = np.matmul(h, value["W"]) + np.expand_dims(value["b"], -2)
    return _aggregate(v[..., 0], out, aggregation)


def q_values(params: dict, x: Any, *, activation: str = "tanh", aggregation: str = "mean"):
    """Q(φ, a) of every run for a batch of feature vectors.

    h₀ = φ;  h_{l+1} = act(h_l W_l + b_l);  Q = h_L W_head + b_head, or, with a value head,
    Q = dueling_aggregate(h_L w_V + b_V, h_L W_head + b_head).

    Differentiable by autograd with respect to ``params``.

    Source: Mnih et al. (2015), Methods (model architecture); Wang et al. (2016), eqs. (8)-(9)
    (dueling heads).

    Parameters
    ----------
    params : dict
        From :func:`init_q_network` (leading run axis R).
    x : array, shape (B, d) (shared by the runs) or (R, B, d)
    activation : str, keyword-only
        A name from :data:`solvers.neural.mlp.ACTIVATIONS`.
    aggregation : {"mean", "max", "none"}, keyword-only
        Dueling aggregation (ignored without a value head).

    Returns
    -------
    array, shape (R, B, A)

    Raises
    ------
    TypeError, ValueError
        Malformed ``params`` or ``x``, unknown ``activation``/``aggregation``.
    """
    runs, d, _, _ = _check_params(getval(params))
    check_in(activation, "activation", tuple(ACTIVATIONS))
    check_in(aggregation, "aggregation", AGGREGATIONS)
    shape = onp.shape(getval(x))
    if not ((len(shape) == 2 and shape[1] == d) or (len(shape) == 3 and shape[0] == runs and shape[2] == d)):
        raise ValueError(f"`x` must have shape (B, {d}) or ({runs}, B, {d}) (got {shape})")
    return _forward(params, x, activation, aggregation)


def td_targets(online: dict, target: dict, x_next: Any, r: Any, gamma: float, *, method: str,
               activation: str = "tanh", aggregation: str = "mean") -> onp.ndarray:
    """Bootstrapped targets Y = r + γ · bootstrap, held constant in the loss.

    ``"max"``:    bootstrap = max_a Q(φ(s'), a; θ⁻)                  (van Hasselt et al. 2016, eq. (3));
    ``"double"``: bootstrap = Q(φ(s'), argmax_a Q(φ(s'), a; θ); θ⁻)   (their eq. (4)),

    computed by :func:`solvers.tabular.qlearning.bootstrap_value` (ties: lowest index).

    Source: van Hasselt et al. (2016), eqs. (3)-(4) and Section 4 (Double DQN).

    Parameters
    ----------
    online, target : dict
        Online parameters θ and target parameters θ⁻ (same structure).
    x_next : array, shape (R, B, d)
    r : array, shape (R, B)
    gamma : float in [0, 1)
    method : {"max", "double"}, keyword-only

    Returns
    -------
    ndarray, shape (R, B)
    """
    check_in(method, "method", TARGET_METHODS)
    gamma = check_unit_interval(gamma, "gamma", open_right=True)
    if tree_structure(online) != tree_structure(target):
        raise ValueError("`online` and `target` must have the same structure")
    q_next = q_values(target, x_next, activation=activation, aggregation=aggregation)
    r = as_float_array(r, "r")
    if r.shape != onp.shape(q_next)[:-1]:
        raise ValueError(f"`r` must have shape {onp.shape(q_next)[:-1]} (got {r.shape})")
    return _targets(online, target, x_next, r, gamma, method, activation, aggregation)


def _targets(online, target, x_next, r, gamma, method, activation, aggregation):
    q_eval = _forward(target, x_next, activation, aggregation)
    q_select = _forward(online, x_next, activation, aggregation) if method == "double" else None
    return r + gamma * bootstrap_value(q_eval, q_select, method=method)


def td_loss(params: dict, x: Any, a: Any, y: Any, *, activation: str = "tanh", aggregation: str = "mean"):
    """The DQN loss summed over runs: Σ_r ½ mean_j (y_rj − Q_r(x_rj, a_rj))².

    Each run's parameters enter only its own term, so the gradient of the sum is the stack of
    the runs' own gradients.  ``y`` is a constant (compute it with :func:`td_targets`).

    Source: Mnih et al. (2015), main text and Methods (the loss L_i(θ_i) on minibatches drawn
    uniformly from the replay memory; equation number not confirmed).

    Parameters
    ----------
    params : dict
    x : array, shape (R, B, d), or (B, d) shared by the runs
    a : int array, shape (R, B)
    y : array, shape (R, B)

    Returns
    -------
    float (an autograd scalar when traced)
    """
    runs, _, n_actions, _ = _check_params(getval(params))
    a = onp.asarray(a)
    if not onp.issubdtype(a.dtype, onp.integer):
        raise TypeError(f"`a` must hold integers, got dtype {a.dtype}")
    if a.size and (a.min() < 0 or a.max() >= n_actions):
        raise ValueError(f"`a` must lie in [0, {n_actions - 1}]")
    q = q_values(params, x, activation=activation, aggregation=aggregation)
    y = as_float_array(getval(y), "y")
    if a.shape != onp.shape(getval(q))[:-1] or y.shape != a.shape:
        raise ValueError(f"`a` and `y` must have shape {onp.shape(getval(q))[:-1]} (got {a.shape} and {y.shape})")
    return _loss(params, x, onp.eye(n_actions)[a], y, activation, aggregation)


def _loss(params, x, a_onehot, y, activation, aggregation):
    return np.sum(half_mse_selected(_forward(params, x, activation, aggregation), a_onehot, y))


@primitive
def half_mse_selected(q, a_onehot, y):
    """Per-run ½ mean_j (y_j − Q_j(a_j))² as one autograd primitive, shape (R,).

    ``q`` (R, B, A), ``a_onehot`` (R, B, A) one-hot rows selecting a_j, ``y`` (R, B).  Its
    vector-Jacobian product with respect to ``q`` is written by hand,
    ∂/∂Q_j(a) = g_r (Q_j(a_j) − y_j) [a = a_j] / B; ``a_onehot`` and ``y`` are constants.
    """
    diff = onp.sum(q * a_onehot, axis=-1) - y
    return 0.5 * onp.mean(diff * diff, axis=-1)


def _half_mse_vjp(ans, q, a_onehot, y):
    def vjp(g):
        diff = np.sum(q * a_onehot, axis=-1) - y
        return (np.expand_dims(g, -1) * diff / np.shape(diff)[-1])[..., None] * a_onehot

    return vjp


defvjp(half_mse_selected, _half_mse_vjp)


def fused_td_gradient(params: dict, x: onp.ndarray, a_onehot: onp.ndarray, y: onp.ndarray, activation: str,
                      aggregation: str) -> tuple[onp.ndarray, dict]:
    """Per-run losses ½ mean_j (y_j − Q_j(a_j))² (shape (R,)) and the gradient of their sum,
    by one forward pass that keeps the hidden states and one hand-chained backward pass.

    Backward: ∂/∂Q from :func:`half_mse_selected`'s VJP; through the dueling aggregation
    Q = V + A − agg(A): ∂V = Σ_a ḡ_a, ∂A = ḡ − (1/|A|) Σ_a ḡ_a (``"mean"``),
    ḡ − [a = argmax] Σ_a' ḡ_a' split evenly over ties (``"max"``, as autograd's max), ḡ
    (``"none"``); then :func:`solvers.neural.mlp.dense_vjp` and
    :func:`solvers.neural.mlp.activation_vjp` layer by layer.  Plain numpy, no tracing: the
    tests compare it with autograd's gradient of :func:`td_loss`.

    Source: Rumelhart, Hinton & Williams (1986), eqs. (1)-(2); Wang et al. (2016), eqs. (8)-(9).

    Parameters
    ----------
    params : dict
        From :func:`init_q_network` (unchecked).
    x : ndarray, shape (R, B, d)
    a_onehot : ndarray, shape (R, B, A)
    y : ndarray, shape (R, B)
    activation, aggregation : str

    Returns
    -------
    losses : ndarray, shape (R,)
    grads : dict with the structure of ``params``
    """
    hs = [x]
    for layer in params["torso"]:
        hs.append(dense_numpy(hs[-1], layer["W"], layer["b"], activation))
    h = hs[-1]
    adv = dense_numpy(h, params["head"]["W"], params["head"]["b"], "linear")
    dueling = "value" in params
    q = _aggregate(dense_numpy(h, params["value"]["W"], params["value"]["b"], "linear")[..., 0], adv,
                   aggregation) if dueling else adv
    losses = half_mse_selected(q, a_onehot, y)
    g_q = _half_mse_vjp(losses, q, a_onehot, y)(onp.ones_like(losses))
    grads = {}
    if dueling:
        g_v = onp.sum(g_q, axis=-1)
        if aggregation == "mean":
            g_adv = g_q - g_v[..., None] / g_q.shape[-1]
        elif aggregation == "max":
            at_max = adv == onp.max(adv, axis=-1, keepdims=True)
            g_adv = g_q - at_max * (g_v / onp.sum(at_max, axis=-1))[..., None]
        else:
            g_adv = g_q
        grads["value"], g_h_value = dense_vjp(h, params["value"]["W"], g_v[..., None], (1, 0))
    else:
        g_adv = g_q
    grads["head"], g_h = dense_vjp(h, params["head"]["W"], g_adv, (1, 0))
    if dueling:
        g_h = g_h + g_h_value
    torso = [None] * len(params["torso"])
    for i in range(len(torso) - 1, -1, -1):
        g_h = activation_vjp(activation, hs[i + 1], g_h)
        out = dense_vjp(hs[i], params["torso"][i]["W"], g_h, (1, 0) if i else (1,))
        torso[i] = out[0]
        if i:
            g_h = out[1]
    grads["torso"] = torso
    return losses, {k: grads[k] for k in params}


def overestimation(q: Any, v_star: Any) -> onp.ndarray:
    """Mean over states of max_a Q(s, a) − V*(s).

    Source: van Hasselt et al. (2016), Section 3 (overestimation of max_a Q_t(s, a)
    relative to V*(s)) and Figure 3 (value estimates against the true values).

    Parameters
    ----------
    q : array_like, shape (..., S, A)
    v_star : array_like, shape (S,)

    Returns
    -------
    ndarray, shape (...)
    """
    q = as_float_array(q, "q")
    v = as_float_array(v_star, "v_star")
    if q.ndim < 2 or v.shape != q.shape[-2:-1]:
        raise ValueError(f"`q` must have shape (..., S, A) and `v_star` shape (S,) (got {q.shape} and {v.shape})")
    return onp.mean(q.max(axis=-1) - v, axis=-1)


# ---------------------------------------------------------------------------------------------
# configuration and training
# ---------------------------------------------------------------------------------------------


@renamed_keywords(optimiser="optimizer", optimiser_kwargs="optimizer_kwargs")
@dataclass(frozen=True)
class DQNConfig(ReplaySchedule, ConfigDict):
    """Hyperparameters of :func:`train_dqn` (γ comes from the MDP).

    Parameters
    ----------
    hidden : tuple of int
        Hidden widths of the Q-network (may be empty).
    activation : str
        Hidden nonlinearity (a name from :data:`solvers.neural.mlp.ACTIVATIONS`).
    lr : float > 0
        Optimizer step size.
    optimizer : {"sgd", "momentum", "rmsprop", "adam"}
    optimizer_kwargs : dict or pairs
    batch_size, buffer_size, n_steps, n_envs, n_runs, learning_starts, checkpoint_every, seed
        The replay and schedule fields of :class:`~solvers.neural.training.ReplaySchedule`
        (one training step = one step of every environment copy, then one gradient step;
        ``checkpoint_every`` records the Q-table).
    target_update_period : int >= 1
        C: θ⁻ ← θ after every C-th gradient step.
    epsilon : float in [0, 1]
        Exploration rate of the ε-greedy behaviour policy on the online network.
    target : {"max", "double"}
        DQN or Double DQN targets.
    dueling : bool
        Dueling value/advantage heads.
    aggregation : {"mean", "max", "none"}
        Dueling aggregation (eq. (9), eq. (8) or the plain sum).
    init_scale : {"glorot", "he", "lecun"} or float
    backend : {"fused", "autograd"}
        The gradient step by a hand-chained backward pass (:func:`fused_td_gradient`, the
        default; no autograd tracing) or by autograd through the layer primitives (the
        independent route); the same numbers in float64 up to rounding.  float64 only.
    """

    hidden: tuple = (32,)
    activation: str = "tanh"
    lr: float = 1e-3
    optimizer: str = "adam"
    optimizer_kwargs: Any = ()
    batch_size: int = 32
    buffer_size: int = 2000
    target_update_period: int = 50
    epsilon: float = 0.1
    target: str = "max"
    dueling: bool = False
    aggregation: str = "mean"
    n_steps: int = 2000
    n_envs: int = 4
    n_runs: int = 1
    learning_starts: Any = None
    checkpoint_every: int = 100
    seed: Any = 0
    init_scale: Any = "glorot"
    backend: str = "fused"

    def __post_init__(self) -> None:
        check_network_fields(self)
        check_in(self.backend, "backend", BACKENDS)
        check_int(self.target_update_period, "target_update_period", minimum=1)
        check_unit_interval(self.epsilon, "epsilon")
        check_in(self.target, "target", TARGET_METHODS)
        if not isinstance(self.dueling, bool):
            raise TypeError(f"`dueling` must be a bool, got {type(self.dueling).__name__}")
        check_in(self.aggregation, "aggregation", AGGREGATIONS)
        self.check_replay_schedule()
        check_optimizer_fields(self, ("lr",))


@dataclass
class DQNRun(TargetNetworkRun):
    """Result of :func:`train_dqn`.

    Attributes
    ----------
    steps : ndarray of int, shape (K,)
        Training steps completed at each checkpoint (0 = before training).
    transitions : ndarray of int, shape (K,)
        Environment transitions collected per run at each checkpoint (``steps · n_envs``).
    n_updates : ndarray of int, shape (K,)
        Gradient steps taken at each checkpoint.
    q : ndarray, shape (K, R, S, A)
        The online network's Q on every state at each checkpoint.
    q_target : ndarray, shape (K, R, S, A)
        The target network's Q.
    bootstrap : ndarray, shape (K, R, S)
        The bootstrap value the learner would use at every state, ``bootstrap_value(q_target,
        q if double)`` — compare with V*.
    loss : ndarray, shape (n_updates_total, R)
        TD loss ½ mean_j (Y_j − Q(s_j, a_j))² of every gradient step, before the step.
    target_syncs : ndarray of int
        Gradient-step counts after which θ⁻ was reset to θ.
    params, target_params, config
        Q-network parameters and :class:`DQNConfig`
        (:class:`~solvers.neural.training.TargetNetworkRun`).
    """

    steps: onp.ndarray
    transitions: onp.ndarray
    n_updates: onp.ndarray
    q: onp.ndarray
    q_target: onp.ndarray
    bootstrap: onp.ndarray
    loss: onp.ndarray
    target_syncs: onp.ndarray


def _check_features(features: Any, n_states: int) -> onp.ndarray:
    f = as_float_array(features, "features")
    if f.ndim != 2 or f.shape[0] != n_states:
        raise ValueError(f"`features` must have shape ({n_states}, d), one row per state (got shape {f.shape})")
    return f


def train_dqn(mdp: FiniteMDP, features: Any, config: DQNConfig, *, callback=None) -> DQNRun:
    """Train ``config.n_runs`` DQN / Double DQN learners on ``mdp`` seen through ``features``.

    Every training step t = 1, ..., n_steps, for every run (vectorized):

    1. each of the ``n_envs`` environment copies takes an ε-greedy action on the online
       network (uniform action with probability ε, else argmax with ties broken uniformly
       at random: :func:`solvers.tabular.qlearning.epsilon_greedy`, the tabular learners'
       rule) and the MDP returns (r, s') with its reward noise; the transitions enter the
       replay buffer;
    2. once the buffer holds ``learning_starts`` transitions: a minibatch is drawn, targets
       Y = r + γ · bootstrap_value(Q(s'; θ⁻), Q(s'; θ) if double) are computed as constants,
       and one optimizer step is taken on ½ mean (Y − Q(s, a; θ))²;
    3. after every ``target_update_period``-th gradient step, θ⁻ ← θ.

    The MDP is continuing (no terminal states); environment copies start from ``mu0``.

    Source: Mnih et al. (2015), Algorithm 1; van Hasselt et al. (2016), eqs. (3)-(4)
    and Section 4 ("Double DQN": the target network evaluates the online network's greedy
    action).

    Parameters
    ----------
    mdp : FiniteMDP
    features : array_like, shape (S, d)
        φ(s) for every state, the network's input.
    config : DQNConfig
    callback : callable or None, keyword-only
        ``callback(step, params, target_params)`` after every training step.

    Returns
    -------
    DQNRun

    Raises
    ------
    TypeError, ValueError
        For a non-MDP, malformed features or a non-DQNConfig.
    """
    check_instance(mdp, "mdp", FiniteMDP)
    check_instance(config, "config", DQNConfig)
    check_callback(callback)
    feats = _check_features(features, mdp.n_states)
    c = config
    R, E, A = c.n_runs, c.n_envs, mdp.n_actions
    root = as_seed_sequence(c.seed)
    init_seed, env_seed = root.spawn(2)
    params = init_q_network(feats.shape[1], A, c.hidden, n_runs=R, seed=init_seed, dueling=c.dueling,
                            scale=c.init_scale)
    target = tree_map(onp.copy, params)
    rng = onp.random.default_rng(env_seed)
    opt, = config_optimizers(c, ("lr",))
    opt_state = opt.init(params)
    buffer = ReplayBuffer(c.buffer_size, R)
    gamma, act, agg = mdp.gamma, c.activation, c.aggregation
    eye = onp.eye(A)
    rows = onp.arange(R)[:, None]

    last_loss = {}

    def objective(p, x, a1h, y):
        per_run = half_mse_selected(_forward(p, x, act, agg), a1h, y)
        last_loss["per_run"] = getval(per_run)  # recorded as a side value, not differentiated
        return np.sum(per_run)

    grad_fn = value_and_grad(objective)

    checkpoints = c.checkpoints
    rec_steps, rec_updates, rec_q, rec_qt = [], [], [], []
    losses, syncs = [], []
    n_updates = 0

    def record(step):
        q = _forward(params, feats, act, agg)
        qt = _forward(target, feats, act, agg)
        rec_steps.append(step)
        rec_updates.append(n_updates)
        rec_q.append(q)
        rec_qt.append(qt)

    s = mdp.sample_initial(R * E, rng).reshape(R, E)
    record(0)
    for step in range(1, c.n_steps + 1):
        # 1. act epsilon-greedily on the online network, step every copy, store.
        q_now = _forward(params, feats[s], act, agg)  # (R, E, A)
        a = epsilon_greedy(q_now, c.epsilon, rng)  # the tabular learners' rule (random ties)
        s_next, r = mdp.step(s.ravel(), a.ravel(), rng)
        s_next, r = s_next.reshape(R, E), r.reshape(R, E)
        buffer.add(s, a, r, s_next)
        s = s_next
        # 2. one gradient step on a replayed minibatch.
        if buffer.size >= c.start:
            idx = buffer.sample_indices(c.batch_size, rng)
            bs, ba, br, bs2 = buffer.s[rows, idx], buffer.a[rows, idx], buffer.r[rows, idx], buffer.s_next[rows, idx]
            y = _targets(params, target, feats[bs2], br, gamma, c.target, act, agg)
            if c.backend == "fused":
                per_run, grads = fused_td_gradient(params, feats[bs], eye[ba], y, act, agg)
            else:
                _, grads = grad_fn(params, feats[bs], eye[ba], y)
                per_run = onp.array(last_loss["per_run"])
            params, opt_state = opt.update_unchecked(grads, opt_state, params)
            losses.append(per_run)
            n_updates += 1
            # 3. target network.
            if n_updates % c.target_update_period == 0:
                target = tree_map(onp.copy, params)
                syncs.append(n_updates)
        if callback is not None:
            callback(step, params, target)
        if step in checkpoints:
            record(step)

    q_hist = onp.array(rec_q)
    qt_hist = onp.array(rec_qt)
    boot = bootstrap_value(qt_hist, q_hist if c.target == "double" else None, method=c.target)
    steps = onp.array(rec_steps, dtype=onp.int64)
    return DQNRun(
        steps=steps,
        transitions=steps * E,
        n_updates=onp.array(rec_updates, dtype=onp.int64),
        q=q_hist,
        q_target=qt_hist,
        bootstrap=onp.asarray(boot),
        loss=onp.array(losses).reshape(len(losses), R),
        target_syncs=onp.array(syncs, dtype=onp.int64),
        params=params,
        target_params=target,
        config=c,
    )


# Former names of the run classes, kept as deprecated aliases (theory.deprecation).
__getattr__ = module_getattr(__name__, globals(), {
    'DQNResult': 'DQNRun',
    'batched_dense': 'dense',  # the stacked layer is solvers.neural.mlp.dense
})
