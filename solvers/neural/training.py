"""Scaffolding shared by the neural learners: configuration checks, optimizers built from a
configuration, seeds, and the interruptible training loop with its run record.

Nothing here computes a loss, a gradient or an update rule: those stay with each learner
(:mod:`~solvers.neural.gan`, :mod:`~solvers.neural.actor_critic`, :mod:`~solvers.neural.ebm`,
:mod:`~solvers.neural.irl`, :mod:`~solvers.neural.dqn`, :mod:`~solvers.neural.ddpg`).  The
actor-critic and the GAN in particular are compared as two implementations of one game
(claim ``pfau2016/neural-actor-critic-equals-gan``), so they share only this plumbing.

- :func:`check_network_fields`, :func:`check_optimizer_fields`, :func:`check_init_scale`,
  :func:`check_callback`, :func:`check_config_seed`, :func:`check_backend_fields` — the
  validation of the fields every configuration dataclass repeats (named errors, normalized
  values written back into frozen dataclasses);
- :func:`config_optimizers` — the optimizers of a configuration, one per learning-rate field;
- :func:`config_dict` / :class:`ConfigDict` — a configuration as a JSON-ready dict (``to_dict``);
- :class:`AdversarialConfig` (the GANs' network and optimizer fields), :class:`ReplaySchedule`
  (DQN, DDPG) and :class:`AnnealedAdam` (EBM, IRL) — field groups shared by several learners,
  with their checks and derived values;
- :func:`as_seed_sequence`, :func:`copy_seed_sequence`, :func:`spawn_generators` —
  reproducible seeding;
- :func:`run_steps` and :class:`LoopRun` — ``state = step(t, state)`` for t < n_steps,
  committed once per step, stopped cleanly by Ctrl-C, with a progress bar and a clock;
  :class:`TargetNetworkRun` — the final online/target parameters and configuration of a run;
- :func:`run_game` (:func:`run_steps` keeping each step's record and snapshots),
  :func:`check_snapshot_steps`, :func:`check_init_params`; :func:`fit_pytree`,
  :class:`FitOutcome`, :class:`FitRun` — one network fitted alone by an optimizer or by
  L-BFGS-B (optionally inside the box of :func:`clip_weights`); :class:`GeneratorRun` — the
  record of a generator trained against a discriminator.
"""

from __future__ import annotations

import functools
import numbers
import time
from collections.abc import Callable, Sequence
import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar, NamedTuple

import numpy as onp
from scipy.optimize import minimize
from tqdm.auto import tqdm

from solvers.neural.fused import DTYPES
from solvers.neural.mlp import ACTIVATIONS, INIT_SCALES, check_hidden, mlp_apply
from solvers.neural.optim import OPTIMISERS, OptState, make_optimizer, normalize_optimizer_kwargs, tree_flatten, \
    tree_leaves, tree_map
from solvers.results import Config
from theory.validation import as_generator, check_in, check_int, check_positive, check_unit_interval
from theory.deprecation import deprecated_method

__all__ = [
    "BACKENDS",
    "check_backend_fields",
    "check_network_fields",
    "check_init_scale",
    "check_optimizer_fields",
    "config_optimizers",
    "check_callback",
    "check_config_seed",
    "config_dict",
    "ConfigDict",
    "as_seed_sequence",
    "copy_seed_sequence",
    "spawn_generators",
    "AdversarialConfig",
    "ReplaySchedule",
    "AnnealedAdam",
    "LoopOutcome",
    "LoopRun",
    "TargetNetworkRun",
    "run_steps",
    "check_snapshot_steps",
    "run_game",
    "check_init_params",
    "clip_weights",
    "FIT_SOLVERS",
    "FitOutcome",
    "fit_pytree",
    "FitRun",
    "GeneratorRun",
]


# ---------------------------------------------------------------------------------------------
# configuration fields
# ---------------------------------------------------------------------------------------------


def check_init_scale(value: Any, name: str = "init_scale", *, rules: Sequence[str] = INIT_SCALES) -> Any:
    """A weight-scale rule name from ``rules`` or a finite number > 0 (see
    :func:`solvers.neural.mlp.init_mlp`); returned unchanged."""
    if isinstance(value, str):
        check_in(value, name, tuple(rules))
    else:
        check_positive(value, name)
    return value


def check_network_fields(config: Any, *, hidden: Sequence[str] = ("hidden",),
                         scales: Sequence[str] = INIT_SCALES) -> None:
    """Check the network fields of a frozen configuration dataclass.

    Each field named in ``hidden`` must be a sequence of positive ints (written back as a
    tuple); ``config.activation`` a name of :data:`solvers.neural.mlp.ACTIVATIONS`;
    ``config.init_scale`` a rule of ``scales`` or a number > 0.

    Raises
    ------
    TypeError, ValueError
        Naming the offending field.
    """
    for name in hidden:
        object.__setattr__(config, name, check_hidden(getattr(config, name), name))
    check_in(config.activation, "activation", tuple(ACTIVATIONS))
    check_init_scale(config.init_scale, rules=scales)


#: How a learner computes its gradients: "fused" (the hand-chained passes of
#: :mod:`solvers.neural.fused` into preallocated buffers) or "autograd" (reverse mode through
#: the losses: the independent route the tests check the fused one against).
BACKENDS = ("fused", "autograd")


def check_backend_fields(config: Any) -> None:
    """Check ``config.backend`` (one of :data:`BACKENDS`) and ``config.dtype`` (one of
    :data:`solvers.neural.fused.DTYPES`; the autograd backend is float64 only).

    Raises
    ------
    ValueError
        Naming the offending field.
    """
    check_in(config.backend, "backend", BACKENDS)
    check_in(config.dtype, "dtype", DTYPES)
    if config.backend == "autograd" and config.dtype != "float64":
        raise ValueError(f"`dtype` must be 'float64' with backend='autograd' (got {config.dtype!r})")


def check_optimizer_fields(config: Any, lr_fields: Sequence[str]) -> None:
    """Check the optimizer fields of a frozen configuration dataclass.

    Every field of ``lr_fields`` must be a finite step size > 0; ``config.optimizer`` a name
    of :data:`solvers.neural.optim.OPTIMISERS`; ``config.optimizer_kwargs`` (a dict or pairs)
    is written back as sorted pairs and must be accepted by that optimizer's constructor, which
    is tried once per learning rate (:func:`config_optimizers`).

    Raises
    ------
    TypeError
        An unknown keyword in ``optimizer_kwargs`` (or a malformed field).
    ValueError
        A value the optimizer rejects (e.g. ``b1`` outside [0, 1)), naming ``optimizer_kwargs``
        and the optimizer's own message.
    """
    for name in lr_fields:
        check_positive(getattr(config, name), name)
    check_in(config.optimizer, "optimizer", tuple(OPTIMISERS))
    object.__setattr__(config, "optimizer_kwargs", normalize_optimizer_kwargs(config.optimizer_kwargs))
    try:
        config_optimizers(config, tuple(lr_fields))
    except ValueError as exc:
        raise ValueError(f"`optimizer_kwargs` rejected by {config.optimizer!r}: {exc}") from None


@functools.lru_cache(maxsize=128)
def config_optimizers(config: Any, lr_fields: tuple[str, ...]) -> tuple:
    """One (stateless) optimizer per learning-rate field of ``config``, all descending, built
    with ``config.optimizer`` and ``config.optimizer_kwargs``; cached per (config, fields)."""
    kwargs = dict(config.optimizer_kwargs)
    try:
        return tuple(make_optimizer(config.optimizer, getattr(config, name), **kwargs) for name in lr_fields)
    except TypeError as exc:
        if "keyword" in str(exc):
            raise TypeError(f"`optimizer_kwargs` not accepted by {config.optimizer!r}: {exc}") from None
        raise


def check_callback(callback: Any) -> Any:
    """``callback`` itself when it is ``None`` or callable; a TypeError otherwise."""
    if callback is not None and not callable(callback):
        raise TypeError("`callback` must be callable or None")
    return callback


def check_config_seed(seed: Any, name: str = "seed") -> Any:
    """A seed a configuration can hold: a non-negative int or a SeedSequence (not a Generator,
    whose state would make the configuration's runs differ)."""
    if isinstance(seed, bool) or not isinstance(seed, (numbers.Integral, onp.random.SeedSequence)):
        raise TypeError(f"`{name}` must be an int or a SeedSequence, got {type(seed).__name__}")
    if isinstance(seed, numbers.Integral) and seed < 0:
        raise ValueError(f"`{name}` must be a non-negative integer (got {seed})")
    return seed


def config_dict(config: Any) -> dict:
    """The fields of a configuration dataclass as a JSON-ready dict, in field order: tuples as
    lists, ``optimizer_kwargs`` (sorted pairs) as a dict, SeedSequences left out.

    Examples
    --------
    >>> from solvers.neural.gan import GANConfig
    >>> d = config_dict(GANConfig(hidden=(8,), optimizer_kwargs={"b1": 0.5}))
    >>> d["hidden"], d["optimizer_kwargs"]
    ([8], {'b1': 0.5})
    """
    out = {}
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if isinstance(value, onp.random.SeedSequence):
            continue
        if f.name == "optimizer_kwargs":
            value = dict(value)
        elif isinstance(value, tuple):
            value = list(value)
        out[f.name] = value
    return out


class ConfigDict:
    """Mixin of the configuration dataclasses: ``to_dict()`` is :func:`config_dict` (and
    ``to_json`` its deprecated alias)."""

    def to_dict(self) -> dict:
        """JSON-ready dict of the fields (:func:`config_dict`)."""
        return config_dict(self)

    to_json = deprecated_method("to_dict")


@dataclass(frozen=True)
class AdversarialConfig(Config):
    """The network and optimizer fields of a generator against a discriminator or critic:
    the base of :class:`~solvers.neural.gan.GANConfig`,
    :class:`~solvers.neural.gan_objectives.ObjectiveGANConfig` and
    :class:`~solvers.neural.ebgan.AutoencoderGANConfig` (a frozen dataclass).

    Fields
    ------
    latent_dim : int >= 1
        m, the dimension of the noise z ~ N(0, I_m).
    hidden : tuple of int
        Hidden widths of both networks.
    activation : str
        Hidden nonlinearity of both networks (:data:`solvers.neural.mlp.ACTIVATIONS`).
    lr_g, lr_d : float > 0
        Step sizes of the generator and of the discriminator (critic).
    optimizer, optimizer_kwargs
        Both players' optimizer (:data:`solvers.neural.optim.OPTIMISERS`) and its keywords, a
        dict or pairs (:func:`check_optimizer_fields`).
    batch_size : int >= 1
        B, the size of every real and every noise minibatch.
    n_disc_steps : int >= 1
        Discriminator (critic) steps per generator step (WGAN's n_critic).
    init_scale : {"glorot", "he", "lecun"} or float
        Weight initialization (:func:`solvers.neural.mlp.init_mlp`).
    """

    latent_dim: int = 1
    hidden: tuple = (64, 64)
    activation: str = "tanh"
    lr_g: float = 1e-3
    lr_d: float = 1e-3
    optimizer: str = "adam"
    optimizer_kwargs: Any = ()
    batch_size: int = 256
    n_disc_steps: int = 1
    init_scale: Any = "glorot"

    def __post_init__(self) -> None:
        check_int(self.latent_dim, "latent_dim", minimum=1)
        check_network_fields(self)
        check_optimizer_fields(self, ("lr_g", "lr_d"))
        check_int(self.batch_size, "batch_size", minimum=1)
        check_int(self.n_disc_steps, "n_disc_steps", minimum=1)

    def optimizers(self):
        """``(opt_g, opt_d)``: the two optimizers, both descending."""
        return config_optimizers(self, ("lr_g", "lr_d"))


# ---------------------------------------------------------------------------------------------
# seeds
# ---------------------------------------------------------------------------------------------


def copy_seed_sequence(seq: onp.random.SeedSequence) -> onp.random.SeedSequence:
    """A fresh copy of ``seq`` (``SeedSequence.spawn`` advances its counter, so spawning from
    the caller's object twice would give different children)."""
    return onp.random.SeedSequence(seq.entropy, spawn_key=seq.spawn_key, pool_size=seq.pool_size)


def as_seed_sequence(seed: Any) -> onp.random.SeedSequence:
    """A fresh SeedSequence from an int, a SeedSequence (copied, the caller's is untouched) or
    a Generator (one 63-bit draw from it).

    Examples
    --------
    >>> import numpy
    >>> s = numpy.random.SeedSequence(7)
    >>> as_seed_sequence(s).spawn(1)[0].entropy == s.spawn(1)[0].entropy
    True
    """
    if isinstance(seed, onp.random.SeedSequence):
        return copy_seed_sequence(seed)
    rng = as_generator(seed)
    if isinstance(seed, onp.random.Generator):
        return onp.random.SeedSequence(int(rng.integers(2 ** 63)))
    return onp.random.SeedSequence(int(seed))


def spawn_generators(seed: Any, n: int) -> list:
    """``n`` independent Generators spawned from an int, a SeedSequence (a copy: the same
    object gives the same streams twice) or a Generator (one draw from it), see
    :func:`as_seed_sequence`."""
    return [onp.random.default_rng(s) for s in as_seed_sequence(seed).spawn(n)]


# ---------------------------------------------------------------------------------------------
# field groups shared by several learners
# ---------------------------------------------------------------------------------------------


class ReplaySchedule:
    """The replay and schedule fields of :class:`~solvers.neural.dqn.DQNConfig` and
    :class:`~solvers.neural.ddpg.DDPGConfig` (mixed into those frozen dataclasses).

    Fields
    ------
    batch_size : int >= 1
        Minibatch size per run.
    buffer_size : int >= n_envs
        Replay capacity per run.
    n_steps : int >= 0
        Training steps; each is one transition of every environment copy, then the updates.
    n_envs : int >= 1
        Parallel environment copies per run.
    n_runs : int >= 1
        Independent learners trained together (each its own networks, buffer and copies).
    learning_starts : int >= 1 or None
        Updates begin once the buffer holds this many transitions (default ``batch_size``).
    checkpoint_every : int >= 1
        Record every this many training steps (and at 0 and ``n_steps``).
    seed : int or SeedSequence
    """

    def check_replay_schedule(self) -> None:
        """Check the fields above (named errors)."""
        check_int(self.batch_size, "batch_size", minimum=1)
        check_int(self.buffer_size, "buffer_size", minimum=1)
        check_int(self.n_steps, "n_steps", minimum=0)
        check_int(self.n_envs, "n_envs", minimum=1)
        check_int(self.n_runs, "n_runs", minimum=1)
        if self.buffer_size < self.n_envs:
            raise ValueError(f"`buffer_size` must be >= n_envs = {self.n_envs} (got {self.buffer_size})")
        if self.learning_starts is not None:
            check_int(self.learning_starts, "learning_starts", minimum=1)
        check_int(self.checkpoint_every, "checkpoint_every", minimum=1)
        check_config_seed(self.seed)

    @property
    def start(self) -> int:
        """Buffer size at which the updates begin."""
        return self.batch_size if self.learning_starts is None else int(self.learning_starts)

    @property
    def checkpoints(self) -> set:
        """The step counts recorded: 0, ``checkpoint_every``, 2 ``checkpoint_every``, ... and
        ``n_steps``."""
        return set(range(0, self.n_steps + 1, self.checkpoint_every)) | {self.n_steps}


@dataclass(frozen=True, kw_only=True)
class AnnealedAdam:
    """Two Adam players with a shared β₁ and one late step-size drop: the optimizer fields of
    :class:`~solvers.neural.ebm.EBMConfig` and :class:`~solvers.neural.irl.NeuralIRLConfig`
    (base of those frozen dataclasses; its fields are keyword-only).

    Fields
    ------
    b1 : float in [0, 1)
        Adam's β₁ for both players (declared by each configuration, with its own default).
    anneal_fraction : float in [0, 1)
        The last ``anneal_fraction`` of the steps run with both step sizes multiplied by
        ``anneal_factor`` (a single drop, which shrinks the stationary SGD noise); the Adam
        moments carry over.
    anneal_factor : float > 0

    The two step sizes are fields of each configuration, named by its :attr:`LR_FIELDS`.
    """

    #: The names of the two players' step-size fields (the discriminator's, then the
    #: sampler's), set by each configuration.
    LR_FIELDS: ClassVar[tuple[str, ...]] = ()

    anneal_fraction: float = 0.25
    anneal_factor: float = 0.1

    def check_annealed_adam(self) -> None:
        """Check the fields above and the step sizes of :attr:`LR_FIELDS` (> 0; named errors)."""
        for name in self.LR_FIELDS:
            check_positive(getattr(self, name), name)
        check_unit_interval(self.b1, "b1", open_right=True)
        check_unit_interval(self.anneal_fraction, "anneal_fraction", open_right=True)
        check_positive(self.anneal_factor, "anneal_factor")

    def adam_pair(self, lr_first: float, lr_second: float, scale: float = 1.0) -> tuple:
        """``(Adam(scale·lr_first, b1), Adam(scale·lr_second, b1))`` (stateless, cached)."""
        return _adam_pair(self.b1, lr_first, lr_second, scale)

    def optimizers_at(self, t: int, n_steps: int) -> tuple:
        """The two players' optimizers at step ``t`` of an ``n_steps`` run: :meth:`adam_pair`
        of the :attr:`LR_FIELDS` step sizes, scaled by ``anneal_factor`` from
        :meth:`anneal_step` on.  Optimizer states carry over the drop (they do not hold the
        step size)."""
        start = self.anneal_step(n_steps)
        scale = self.anneal_factor if start is not None and t >= start else 1.0
        first, second = (getattr(self, name) for name in self.LR_FIELDS)
        return self.adam_pair(first, second, scale)

    def anneal_step(self, n_steps: int) -> int | None:
        """The step index from which the step sizes are annealed, or ``None`` (no drop):
        ``n_steps − round(anneal_fraction · n_steps)``."""
        if self.anneal_fraction <= 0:
            return None
        return n_steps - int(round(self.anneal_fraction * n_steps))


@functools.lru_cache(maxsize=64)
def _adam_pair(b1: float, lr_first: float, lr_second: float, scale: float) -> tuple:
    return make_optimizer("adam", lr_first * scale, b1=b1), make_optimizer("adam", lr_second * scale, b1=b1)


# ---------------------------------------------------------------------------------------------
# the interruptible loop
# ---------------------------------------------------------------------------------------------


@dataclass(kw_only=True)
class TargetNetworkRun:
    """The end of a run of a learner with target networks (DQN, DDPG): the final online and
    target parameters (leading run axis) and the configuration, keyword-only after a run
    class's own array fields; ``to_dict`` serializes all of them."""

    params: Any
    target_params: Any
    config: Any

    def to_dict(self) -> dict:
        """JSON-ready dict: arrays as lists, parameter trees as nested lists, the configuration
        through its ``to_dict``, any other dataclass field (e.g. an environment) by its fields."""
        out = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name in ("params", "target_params"):
                value = tree_map(lambda x: onp.asarray(x).tolist(), value)
            elif f.name == "config":
                value = value.to_dict()
            elif isinstance(value, onp.ndarray):
                value = value.tolist()
            elif dataclasses.is_dataclass(value):
                value = dict(vars(value))
            out[f.name] = value
        return out


@dataclass
class LoopOutcome:
    """What :func:`run_steps` returns: the last committed ``state`` after ``n_steps`` completed
    steps, whether Ctrl-C stopped the loop, and the wall-clock seconds."""

    state: Any
    n_steps: int
    interrupted: bool
    seconds: float


def run_steps(step: Callable[[int, Any], Any], state: Any, n_steps: int, *,
              after: Callable[[int, Any], None] | None = None, progress: bool = False,
              desc: str = "") -> LoopOutcome:
    """Run ``state = step(t, state)`` for t = 0, ..., n_steps − 1.

    The new state is committed by one assignment once ``step`` has returned; then
    ``after(t + 1, state)`` runs (callbacks, snapshots).  Ctrl-C (``KeyboardInterrupt``) ends
    the loop early and the outcome holds the last committed state, so an interrupted run
    returns a consistent partial result.

    Parameters
    ----------
    step : callable ``(t, state) -> state``
    state : any
        The initial state.
    n_steps : int >= 0
    after : callable ``(completed_steps, state)``, keyword-only
    progress : bool, keyword-only
        Show a tqdm progress bar labelled ``desc``.

    Returns
    -------
    LoopOutcome
    """
    done = (0, state)
    interrupted = False
    start = time.perf_counter()
    bar = tqdm(total=n_steps, disable=not progress, desc=desc, leave=False)
    try:
        for t in range(n_steps):
            done = (t + 1, step(t, done[1]))
            if after is not None:
                after(*done)
            bar.update(1)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        bar.close()
    return LoopOutcome(state=done[1], n_steps=done[0], interrupted=interrupted,
                       seconds=time.perf_counter() - start)


@dataclass(kw_only=True)
class LoopRun:
    """The bookkeeping fields of a training run made by :func:`run_steps` (keyword-only, after
    a run class's own fields): completed and requested steps, interruption, wall-clock seconds."""

    n_steps: int = 0
    n_steps_requested: int = 0
    interrupted: bool = False
    seconds: float = 0.0

    @property
    def steps_per_second(self) -> float:
        """Completed steps per wall-clock second (NaN before any time has passed)."""
        return self.n_steps / self.seconds if self.seconds > 0 else float("nan")

    def loop_fields(self) -> dict:
        """The four fields as a JSON-ready dict."""
        return {"n_steps": self.n_steps, "n_steps_requested": self.n_steps_requested,
                "interrupted": self.interrupted, "seconds": self.seconds}


# ---------------------------------------------------------------------------------------------
# a game's records and snapshots; one network fitted alone
# ---------------------------------------------------------------------------------------------


def check_snapshot_steps(snapshot_steps: Any) -> set:
    """The set of snapshot steps (ints >= 0) from a sequence, with named errors."""
    if isinstance(snapshot_steps, (str, bytes)) or not isinstance(snapshot_steps, Sequence):
        raise TypeError("`snapshot_steps` must be a sequence of ints")
    return {check_int(s, f"snapshot_steps[{i}]", minimum=0) for i, s in enumerate(snapshot_steps)}


def run_game(step: Callable, state: tuple, n_steps: int, *, snapshot: Callable | None = None,
             snapshot_steps: Any = (), callback: Callable | None = None, progress: bool = False,
             desc: str = "") -> tuple:
    """:func:`solvers.neural.training.run_steps` with records and snapshots.

    ``step(t, state) -> state``, a tuple whose first item is the parameters and whose last is
    the step's record (its losses).  After each completed step n the record is kept, a
    ``snapshot(n, params)`` is taken when n is in ``snapshot_steps`` (also n = 0, before
    training), and ``callback(n, params, record)`` runs.  Returns ``(outcome, records,
    snapshots)``; on Ctrl-C the records and snapshots of the completed steps.
    """
    wanted = check_snapshot_steps(snapshot_steps)
    check_callback(callback)
    records: list = []
    snapshots = [snapshot(0, state[0])] if 0 in wanted else []

    def after(n, st):
        records.append(st[-1])
        if n in wanted:
            snapshots.append(snapshot(n, st[0]))
        if callback is not None:
            callback(n, st[0], st[-1])

    return run_steps(step, state, n_steps, after=after, progress=progress, desc=desc), records, snapshots


def check_init_params(init_params: Any, params: Any) -> Any:
    """``init_params`` if given and shaped like ``params`` (else a named ValueError), or ``params``."""
    if init_params is None:
        return params
    try:
        same = [onp.shape(a) for a in tree_leaves(init_params)] == [onp.shape(a) for a in tree_leaves(params)]
    except TypeError:
        same = False
    if not same:
        raise ValueError("`init_params` must have the layer sizes that `config` gives")
    return init_params


def clip_weights(params: Any, clip: float) -> Any:
    """Every parameter (weights and biases) clipped to [−clip, clip].

    Source: Arjovsky, Chintala & Bottou (2017), Algorithm 1, line 7.
    """
    c = check_positive(clip, "clip")
    return tree_map(lambda w: onp.clip(w, -c, c), params)


#: The two routes of :func:`fit_pytree`.
FIT_SOLVERS = ("optimizer", "lbfgs")


class FitOutcome(NamedTuple):
    """What :func:`fit_pytree` returns (``opt_state`` is None for L-BFGS-B)."""

    params: Any
    opt_state: OptState | None
    loss: onp.ndarray
    n_steps: int
    converged: bool
    message: str
    interrupted: bool
    seconds: float


def fit_pytree(value_and_grad_fn: Callable, params: Any, n_steps: int, *, solver: str = "optimizer",
               optimizer: Any = None, batch: Callable | None = None, clip: float | None = None,
               tol: float = 1e-10, callback: Callable | None = None, progress: bool = False) -> FitOutcome:
    """Minimize a loss over a pytree of parameters.

    ``value_and_grad_fn(params, batch) -> (loss, grads)``; ``batch(t)`` gives step t's
    minibatches (``None``: a deterministic loss, called with ``None``).  ``solver="optimizer"``
    takes ``n_steps`` steps of ``optimizer`` (clipping every parameter to [−clip, clip] after
    each when ``clip`` is given, Arjovsky et al. 2017, Algorithm 1); ``"lbfgs"`` runs scipy's
    L-BFGS-B (Byrd, Lu, Nocedal & Zhu 1995) on the flattened parameters of a deterministic
    loss, inside the box [−clip, clip] when given, until the projected gradient is below
    ``tol`` or ``n_steps`` iterations.  ``callback(step, params, loss)`` follows each
    optimizer step.
    """
    check_in(solver, "solver", FIT_SOLVERS)
    tol = check_positive(tol, "tol")
    if solver == "lbfgs":
        if batch is not None:
            raise ValueError("`solver='lbfgs'` needs a deterministic objective: pass WeightedPoints")
        start = time.perf_counter()
        flat0, unflatten = tree_flatten(params)
        history: list = []

        def fun(v):
            loss, g = value_and_grad_fn(unflatten(v), None)
            return float(loss), tree_flatten(g)[0]

        res = minimize(fun, flat0, jac=True, method="L-BFGS-B",
                       bounds=None if clip is None else [(-clip, clip)] * flat0.size,
                       callback=lambda intermediate_result: history.append(intermediate_result.fun),
                       options={"maxiter": n_steps, "gtol": tol, "ftol": 0.0})
        return FitOutcome(unflatten(res.x), None, onp.asarray(history), int(res.nit), bool(res.success),
                          str(res.message), False, time.perf_counter() - start)

    def step(t, state):
        p, s, _ = state
        loss, grads = value_and_grad_fn(p, None if batch is None else batch(t))
        p, s = optimizer.update(grads, s, p)
        return (p if clip is None else clip_weights(p, clip)), s, float(loss)

    out, losses, _ = run_game(step, (params, optimizer.init(params), None), n_steps, callback=callback,
                              progress=progress, desc="fit")
    return FitOutcome(out.state[0], out.state[1], onp.asarray(losses), out.n_steps, False,
                      "interrupted" if out.interrupted else "step budget used", out.interrupted,
                      out.seconds)


@dataclass
class FitRun(LoopRun):
    """A network trained alone by :func:`fit_pytree`: its parameters, loss per step and how the
    run ended (``converged``: L-BFGS-B's own test; the bookkeeping fields are
    :class:`~solvers.neural.training.LoopRun`'s)."""

    config: Any
    params: Any
    loss: onp.ndarray
    solver: str
    opt_state: OptState | None = None
    converged: bool = False
    message: str = ""

    @classmethod
    def from_outcome(cls, config: Any, out: FitOutcome, solver: str, n_steps_requested: int):
        """The run of a :class:`FitOutcome`."""
        return cls(config=config, params=out.params, loss=out.loss, solver=solver, opt_state=out.opt_state,
                   converged=out.converged, message=out.message, n_steps=out.n_steps,
                   n_steps_requested=n_steps_requested, interrupted=out.interrupted, seconds=out.seconds)

    def to_dict(self) -> dict:
        return {"config": self.config.to_dict(), "solver": self.solver, "converged": self.converged,
                "message": self.message, "loss": self.loss.tolist(), **self.loop_fields()}


@dataclass
class GeneratorRun(LoopRun):
    """A generator/discriminator training run: configuration, final parameters
    ``{"g": ..., "d": ...}`` and optimizer states, the losses of every step, snapshots (the
    bookkeeping fields are :class:`LoopRun`'s); the base of the GANs' run classes
    (:class:`~solvers.neural.gan.GANTrainRun`, :class:`~solvers.neural.gan_objectives.ObjectiveGANRun`,
    :class:`~solvers.neural.ebgan.EBGANRun`)."""

    config: Any
    params: dict
    opt_states: dict
    d_loss: onp.ndarray
    g_loss: onp.ndarray
    snapshots: list = field(default_factory=list)

    def sample(self, n: int, seed: Any) -> onp.ndarray:
        """n samples G(z), z ~ N(0, I), from the final generator; shape (n, d)."""
        z = as_generator(seed).standard_normal((check_int(n, "n", minimum=1), self.config.latent_dim))
        return onp.asarray(mlp_apply(self.params["g"], z, activation=self.config.activation))

    def to_dict(self) -> dict:
        return {"config": self.config.to_dict(), "d_loss": self.d_loss.tolist(),
                "g_loss": self.g_loss.tolist(), "snapshots": [s.to_dict() for s in self.snapshots],
                **self.loop_fields()}
