"""A neural GAN on low-dimensional toys, written as small reusable autograd functions.

Generator  G_θ : z ∈ ℝᵐ ↦ x ∈ ℝᵈ   (an MLP, z ~ N(0, I_m)),
Discriminator D_ψ(x) = σ(f_ψ(x))    (an MLP f_ψ giving a logit).

The game is Goodfellow et al.'s value function, eq. (1),

    V(G, D) = E_{x~p_data} log D(x) + E_{z~p_z} log(1 − D(G(z))),

written with logits through the stable identities log σ(f) = −softplus(−f) and
log(1 − σ(f)) = −softplus(f):

- discriminator loss (minimized)  L_D(ψ) = E softplus(−f_ψ(x)) + E softplus(f_ψ(G(z))) = −V;
- generator loss, ``"minimax"``   L_G(θ) = E log(1 − D(G(z))) = −E softplus(f_ψ(G_θ(z)));
- generator loss, ``"non_saturating"``  L_G(θ) = −E log D(G(z)) = E softplus(−f_ψ(G_θ(z)))
  (Goodfellow et al. 2014, Section 3, the paragraph after eq. (1)).

Every piece is exposed so that other learners (the actor-critic reading of the GAN, Pfau &
Vinyals 2016) can reproduce a training trajectory exactly: the losses
(:func:`discriminator_loss`, :func:`generator_loss`), one update from explicit minibatches
(:func:`gan_update`), the random streams (:func:`gan_streams`) and the minibatch sampler
(:func:`sample_gan_batch`).  :func:`train_gan` only strings them together.  The gradients come
from the fused step of :mod:`solvers.neural.gan_fused` (the default) or from autograd through
the losses here (``GANConfig(backend="autograd")``, the independent route that checks it).

One training step (``n_disc_steps = k``), with minibatches ``x_real`` of shape (k, B, d) and
``z`` of shape (k + 1, B, m):

- ``"alternating"`` (Goodfellow et al. 2014, Algorithm 1): k discriminator steps, step i on
  (x_real[i], G(z[i])), then one generator step on the fresh noise z[k] against the updated D;
- ``"simultaneous"``: k − 1 discriminator-only steps as above, then the last discriminator
  gradient (on x_real[k−1], G(z[k−1])) and the generator gradient (on z[k]) are both taken at
  the same (θ, ψ) and applied together (simultaneous gradient descent, Mescheder et al. 2017,
  "The Numerics of GANs", Section 2, and Mescheder et al. 2018, Section 2).

Both schemes consume the same minibatches, so they differ only in the order of the updates.

Sources: Goodfellow et al. (2014), "Generative Adversarial Nets", eq. (1), Algorithm 1,
Proposition 1; Pfau & Vinyals (2016), "Connecting Generative Adversarial Networks and
Actor-Critic Methods".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import autograd.numpy as np
import numpy as onp
from autograd import value_and_grad
from autograd.tracer import getval

from solvers.neural.gan_fused import FusedGAN, stacked_batch_weights
from solvers.neural.mlp import ACTIVATIONS, forward, init_mlp, mlp_sizes
from solvers.neural.optim import OptState, tree_leaves, tree_structure
from solvers.neural.training import AdversarialConfig, ConfigDict, GeneratorRun, LoopRun, check_backend_fields, \
    check_callback, check_snapshot_steps, copy_seed_sequence, run_steps
from theory.validation import as_generator, check_in, check_instance, check_int
from theory.deprecation import deprecated_method, module_getattr, renamed_keywords

__all__ = [
    "GANConfig",
    "GANStreams",
    "GANSnapshot",
    "GANTrainRun",
    "DiscriminatorTrainRun",
    "GENERATOR_LOSSES",
    "SCHEMES",
    "as_sampler",
    "draw_samples",
    "gan_streams",
    "init_gan",
    "make_gan_optimizers",
    "generator_apply",
    "discriminator_logit",
    "discriminator_prob",
    "discriminator_loss",
    "generator_loss",
    "sample_gan_batch",
    "gan_update",
    "train_gan",
    "train_discriminator",
]

GENERATOR_LOSSES = ("minimax", "non_saturating")
SCHEMES = ("simultaneous", "alternating")

Sampler = Callable[[int, onp.random.Generator], onp.ndarray]


# ---------------------------------------------------------------------------------------------
# configuration
# ---------------------------------------------------------------------------------------------


@renamed_keywords(optimiser="optimizer", optimiser_kwargs="optimizer_kwargs")
@dataclass(frozen=True)
class GANConfig(ConfigDict, AdversarialConfig):
    """Hyperparameters of the neural GAN (and of :func:`train_discriminator`).

    Parameters
    ----------
    latent_dim, hidden, activation, lr_g, lr_d, optimizer, optimizer_kwargs, batch_size, init_scale
        The network and optimizer fields of :class:`~solvers.neural.training.AdversarialConfig`,
        checked there (the default ``hidden=(64, 64)`` is "2x64"; ``optimizer_kwargs`` go to
        the optimizer's constructor, e.g. ``{"b1": 0.5}``).
    n_disc_steps : int >= 1
        k, discriminator updates per generator update (also an AdversarialConfig field).
    generator_loss : {"minimax", "non_saturating"}
    scheme : {"alternating", "simultaneous"}
    backend : {"fused", "autograd"}
        Gradients by the fused forward/backward pass (:mod:`solvers.neural.fused`, the
        default) or by autograd (the independent route, for checking); both give the same
        numbers in float64 up to rounding.
    dtype : {"float64", "float32"}
        Arithmetic of the fused training step (parameters, optimizer state, activations).
        float32 roughly doubles the speed at a relative rounding error of order 1e-5 per
        gradient; the autograd backend is float64 only.  The initialization is drawn in
        float64 and rounded, so both precisions start from the same network.
    """

    generator_loss: str = "non_saturating"
    scheme: str = "alternating"
    backend: str = "fused"
    dtype: str = "float64"

    def __post_init__(self) -> None:
        super().__post_init__()
        check_in(self.generator_loss, "generator_loss", GENERATOR_LOSSES)
        check_in(self.scheme, "scheme", SCHEMES)
        check_backend_fields(self)


def make_gan_optimizers(config: GANConfig):
    """``(opt_g, opt_d)``: the two (stateless) optimizers of ``config``, both descending
    (:meth:`~solvers.neural.training.AdversarialConfig.optimizers`)."""
    return config.optimizers()


# ---------------------------------------------------------------------------------------------
# randomness and data
# ---------------------------------------------------------------------------------------------


class GANStreams(NamedTuple):
    """Independent random streams of one training run (SeedSequence spawning).

    ``init_g``, ``init_d``: network initializations; ``data``: real minibatches; ``noise``:
    latent minibatches; ``eval``: the fixed noise used for snapshots (so monitoring never
    perturbs training).
    """

    init_g: onp.random.Generator
    init_d: onp.random.Generator
    data: onp.random.Generator
    noise: onp.random.Generator
    eval: onp.random.Generator


def gan_streams(seed: Any) -> GANStreams:
    """Spawn the five independent streams of a run from ``seed``.

    An int or SeedSequence gives the same streams every time (a SeedSequence is copied first:
    ``SeedSequence.spawn`` advances its counter, which would make a second call with the same
    object differ); a Generator spawns children from its SeedSequence (so the same fresh
    Generator gives the same streams).
    """
    if isinstance(seed, onp.random.SeedSequence):
        children = [onp.random.default_rng(s) for s in copy_seed_sequence(seed).spawn(5)]
    else:
        children = as_generator(seed).spawn(5)
    return GANStreams(*children)


def as_sampler(data: Any, name: str = "data") -> Sampler:
    """A function ``(n, rng) -> (n, d) array`` from a sampler function or an object with
    ``.sample(n, seed)`` (e.g. :class:`solvers.problems.mixtures.GaussianMixture`)."""
    if hasattr(data, "sample") and callable(data.sample):
        return lambda n, rng: data.sample(n, rng)
    if callable(data):
        return data
    raise TypeError(f"`{name}` must be callable as f(n, rng) or have a .sample(n, seed) method, "
                    f"got {type(data).__name__}")


def draw_samples(sampler: Sampler, n: int, rng: onp.random.Generator, name: str = "data") -> onp.ndarray:
    """``n`` points from a sampler of :func:`as_sampler`, checked: float array of shape (n, d).

    A 1-D return of length n is read as n points in d = 1.

    Raises
    ------
    ValueError
        Naming ``name`` when the sampler returns the wrong shape or non-finite values.
    """
    x = onp.asarray(sampler(n, rng), dtype=onp.float64)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[0] != n:
        raise ValueError(f"`{name}` must return an array of shape ({n}, d) (got shape {x.shape})")
    if not onp.all(onp.isfinite(x)):
        raise ValueError(f"`{name}` returned non-finite values (NaN or inf)")
    return x


def sample_gan_batch(sampler: Any, config: GANConfig, data_rng: onp.random.Generator,
                     noise_rng: onp.random.Generator) -> tuple[onp.ndarray, onp.ndarray]:
    """The minibatches of one training step.

    Source: Goodfellow et al. (2014), Algorithm 1 (m noise samples and m data samples per
    discriminator step, m fresh noise samples for the generator step).

    Returns
    -------
    x_real : ndarray, shape (k, B, d)
        ``sampler(k·B, data_rng)`` reshaped (k = n_disc_steps, B = batch_size).
    z : ndarray, shape (k + 1, B, m)
        ``noise_rng.standard_normal((k + 1, B, m))``: z[i] for discriminator step i, z[k] for
        the generator step.
    """
    k, b = config.n_disc_steps, config.batch_size
    x = draw_samples(as_sampler(sampler), k * b, data_rng, "data")
    z = noise_rng.standard_normal((k + 1, b, config.latent_dim))
    return x.reshape(k, b, x.shape[1]), z


# ---------------------------------------------------------------------------------------------
# networks and losses
# ---------------------------------------------------------------------------------------------


def init_gan(config: GANConfig, data_dim: int, seed: Any = None, *,
             streams: GANStreams | None = None) -> tuple[dict, dict]:
    """Initial parameters and optimizer states.

    Source: Glorot & Bengio (2010), eq. (16) for the default weight scale (see
    :func:`solvers.neural.mlp.init_mlp`).

    Parameters
    ----------
    config : GANConfig
    data_dim : int >= 1
        d, the data dimension.
    seed : int, SeedSequence or Generator
        Used through :func:`gan_streams`; ``train_gan(..., seed)`` starts from
        ``init_gan(config, d, seed)`` exactly.
    streams : GANStreams, keyword-only
        Use these streams' ``init_g``/``init_d`` instead of ``seed`` (they are consumed).

    Returns
    -------
    params : dict
        ``{"g": MLP sizes (m, *hidden, d), "d": MLP sizes (d, *hidden, 1)}``.
    opt_states : dict
        ``{"g": OptState, "d": OptState}``.
    """
    check_instance(config, "config", GANConfig)
    d = check_int(data_dim, "data_dim", minimum=1)
    if streams is None:
        streams = gan_streams(seed)
    params = {
        "g": init_mlp((config.latent_dim, *config.hidden, d), streams.init_g, scale=config.init_scale),
        "d": init_mlp((d, *config.hidden, 1), streams.init_d, scale=config.init_scale),
    }
    opt_g, opt_d = make_gan_optimizers(config)
    return params, {"g": opt_g.init(params["g"]), "d": opt_d.init(params["d"])}


def generator_apply(g_params: list, z, *, activation: str = "tanh"):
    """x = G_θ(z), shape (n, d) for z of shape (n, m); differentiable in θ and z.

    Source: Goodfellow et al. (2014), Section 3 (the generator G(z; θ_g), an MLP).
    """
    check_in(activation, "activation", tuple(ACTIVATIONS))
    z = _check_input(g_params, z, "z", "g_params")
    return forward(g_params, z, activation)


def discriminator_logit(d_params: list, x, *, activation: str = "tanh"):
    """f_ψ(x), shape (n,) for x of shape (n, d) (or (n,) when d == 1); D = σ(f).

    Source: Goodfellow et al. (2014), Section 3 (the discriminator D(x; θ_d), here through
    its logit).
    """
    check_in(activation, "activation", tuple(ACTIVATIONS))
    x = _check_input(d_params, x, "x", "d_params")
    return np.reshape(forward(d_params, x, activation), (-1,))


def discriminator_prob(d_params: list, x, *, activation: str = "tanh") -> onp.ndarray:
    """D_ψ(x) = σ(f_ψ(x)) ∈ (0, 1), shape (n,), computed as exp(−softplus(−f)).

    Source: Goodfellow et al. (2014), Section 3.
    """
    return np.exp(-np.logaddexp(0.0, -discriminator_logit(d_params, x, activation=activation)))


def _check_input(params, x, name: str, params_name: str):
    """``x`` as rows (n, fan_in) for the MLP ``params``; a named error otherwise."""
    try:
        sizes = mlp_sizes(getval(params))
    except (TypeError, ValueError) as exc:
        raise type(exc)(str(exc).replace("`params", f"`{params_name}")) from None
    shape = onp.shape(getval(x))
    if len(shape) == 1 and sizes[0] == 1:
        return np.reshape(x, (shape[0], 1))
    if len(shape) != 2 or shape[1] != sizes[0]:
        raise ValueError(f"`{name}` must have shape (n, {sizes[0]}) for `{params_name}` (got shape {shape})")
    if shape[0] == 0:
        raise ValueError(f"`{name}` must hold at least one row (got shape {shape})")
    return x


def _d_loss(d_params, x_real, x_fake, act):
    # one forward pass over the stacked batch; mean over each half via signed weights
    n_r, n_f = x_real.shape[0], x_fake.shape[0]
    logit = forward(d_params, np.concatenate([x_real, x_fake], axis=0), act)
    sign, weight = stacked_batch_weights(n_r, n_f)
    return np.sum(np.logaddexp(0.0, sign * logit) * weight)


def _g_loss(g_params, d_params, z, kind, act):
    logit = forward(d_params, forward(g_params, z, act), act)
    if kind == "non_saturating":
        return np.mean(np.logaddexp(0.0, -logit))
    return -np.mean(np.logaddexp(0.0, logit))


def discriminator_loss(d_params: list, x_real, x_fake, *, activation: str = "tanh"):
    """L_D(ψ) = E_real softplus(−f_ψ(x)) + E_fake softplus(f_ψ(x)) = −[mean log D(x_real) +
    mean log(1 − D(x_fake))].

    Source: Goodfellow et al. (2014), eq. (1) (the discriminator ascends V; this is −V on the
    minibatches).

    Parameters
    ----------
    d_params : list of layer dicts
    x_real, x_fake : array, shape (n_r, d) and (n_f, d)
    activation : str, keyword-only

    Returns
    -------
    float (an autograd box when traced)
    """
    check_in(activation, "activation", tuple(ACTIVATIONS))
    x_real = _check_input(d_params, x_real, "x_real", "d_params")
    x_fake = _check_input(d_params, x_fake, "x_fake", "d_params")
    return _d_loss(d_params, x_real, x_fake, activation)


def generator_loss(g_params: list, d_params: list, z, kind: str = "non_saturating", *,
                   activation: str = "tanh"):
    """Generator loss on a noise minibatch z (n, m), minimized over θ.

    ``"minimax"``: mean log(1 − D(G(z))) = −mean softplus(f(G(z)));
    ``"non_saturating"``: −mean log D(G(z)) = mean softplus(−f(G(z))).

    Source: Goodfellow et al. (2014), eq. (1) and the non-saturating alternative in the
    paragraph that follows it.
    """
    check_in(kind, "kind", GENERATOR_LOSSES)
    check_in(activation, "activation", tuple(ACTIVATIONS))
    z = _check_input(g_params, z, "z", "g_params")
    if mlp_sizes(getval(g_params))[-1] != mlp_sizes(getval(d_params))[0]:
        raise ValueError("`g_params` output width must equal `d_params` input width")
    return _g_loss(g_params, d_params, z, kind, activation)


_d_value_and_grad = value_and_grad(_d_loss)
_g_value_and_grad = value_and_grad(_g_loss)


# ---------------------------------------------------------------------------------------------
# one update
# ---------------------------------------------------------------------------------------------


def _d_step(opt_d, params, state_d, x_real, z, act):
    x_fake = forward(params["g"], z, act)
    loss, grads = _d_value_and_grad(params["d"], x_real, x_fake, act)
    new_d, state_d = opt_d.update_unchecked(grads, state_d, params["d"])
    return {"g": params["g"], "d": new_d}, state_d, loss


def gan_update(params: dict, opt_states: dict, x_real, z, config: GANConfig
               ) -> tuple[dict, dict, tuple[float, float]]:
    """One training step of the GAN on explicit minibatches.

    ψ ← opt_D(ψ, ∇_ψ L_D) (k times), θ ← opt_G(θ, ∇_θ L_G), in the order of ``config.scheme``.

    Source: Goodfellow et al. (2014), Algorithm 1 (alternating); Mescheder et al. (2017),
    Section 2 (simultaneous).

    Parameters
    ----------
    params : dict
        ``{"g": ..., "d": ...}`` as from :func:`init_gan`.
    opt_states : dict
        ``{"g": OptState, "d": OptState}``.
    x_real : ndarray, shape (k, B, d)
        Real minibatches, one per discriminator step (k = ``config.n_disc_steps``).
    z : ndarray, shape (k + 1, B, m)
        Noise: z[i] makes the fakes of discriminator step i, z[k] feeds the generator step.
    config : GANConfig

    Returns
    -------
    params, opt_states : new dicts (inputs are not modified)
    losses : (float, float)
        The last discriminator loss and the generator loss, each evaluated at the parameters
        its gradient was taken at (before the update).

    Notes
    -----
    See the module docstring for the order of updates in the two ``config.scheme`` values.
    ``config.backend`` chooses how the gradients are computed (the fused pass of
    :mod:`solvers.neural.fused` or autograd; the same numbers up to rounding in float64);
    with ``config.dtype="float32"`` the returned parameters and optimizer slots are float32.
    """
    k = config.n_disc_steps
    x_real = onp.asarray(x_real, dtype=onp.float64)
    z = onp.asarray(z, dtype=onp.float64)
    if x_real.ndim != 3 or x_real.shape[0] != k:
        raise ValueError(f"`x_real` must have shape ({k}, B, d) (got shape {x_real.shape})")
    if z.ndim != 3 or z.shape[0] != k + 1 or z.shape[2] != config.latent_dim:
        raise ValueError(f"`z` must have shape ({k + 1}, B, {config.latent_dim}) (got shape {z.shape})")
    if config.backend == "fused":
        engine = FusedGAN(config, x_real.shape[2])
        state, losses = engine.step(engine.import_state(params, opt_states), x_real, z)
        return engine.export_params(state), engine.export_states(state), losses
    opt_g, opt_d = make_gan_optimizers(config)
    act = config.activation
    kind = config.generator_loss
    state_g, state_d = opt_states["g"], opt_states["d"]
    if config.scheme == "alternating":
        for i in range(k):
            params, state_d, d_loss = _d_step(opt_d, params, state_d, x_real[i], z[i], act)
        g_loss, g_grads = _g_value_and_grad(params["g"], params["d"], z[k], kind, act)
        new_g, state_g = opt_g.update_unchecked(g_grads, state_g, params["g"])
        params = {"g": new_g, "d": params["d"]}
    else:
        for i in range(k - 1):
            params, state_d, _ = _d_step(opt_d, params, state_d, x_real[i], z[i], act)
        x_fake = forward(params["g"], z[k - 1], act)
        d_loss, d_grads = _d_value_and_grad(params["d"], x_real[k - 1], x_fake, act)
        g_loss, g_grads = _g_value_and_grad(params["g"], params["d"], z[k], kind, act)
        new_d, state_d = opt_d.update_unchecked(d_grads, state_d, params["d"])
        new_g, state_g = opt_g.update_unchecked(g_grads, state_g, params["g"])
        params = {"g": new_g, "d": new_d}
    return params, {"g": state_g, "d": state_d}, (float(d_loss), float(g_loss))


# ---------------------------------------------------------------------------------------------
# training loops
# ---------------------------------------------------------------------------------------------


@dataclass
class GANSnapshot:
    """The generator at ``step`` (steps completed): its parameters and samples G(z_eval)
    on a fixed noise batch z_eval (the same for every snapshot of a run)."""

    step: int
    g_params: list
    d_params: list
    samples: onp.ndarray

    def to_dict(self) -> dict:
        return {"step": self.step, "samples": self.samples.tolist()}

    to_json = deprecated_method("to_dict")


@dataclass
class GANTrainRun(GeneratorRun):
    """Outcome of :func:`train_gan`: the fields and ``sample``/``to_dict`` of
    :class:`~solvers.neural.training.GeneratorRun`, and the final discriminator.

    ``d_loss[t]``, ``g_loss[t]`` are the losses of step t (see :func:`gan_update`);
    ``n_steps`` counts completed steps (fewer than requested when ``interrupted``; the
    bookkeeping fields are :class:`~solvers.neural.training.LoopRun`'s).
    """

    def discriminator(self, x) -> onp.ndarray:
        """D(x) of the final discriminator, shape (n,)."""
        return discriminator_prob(self.params["d"], x, activation=self.config.activation)

    to_json = deprecated_method("to_dict")


def train_gan(data: Any, config: GANConfig, n_steps: int, seed: Any, *,
              snapshot_steps: Sequence[int] = (), n_eval_samples: int = 10_000,
              callback: Callable | None = None, progress: bool = False) -> GANTrainRun:
    """Train the GAN for ``n_steps`` steps of :func:`gan_update`.

    Source: Goodfellow et al. (2014), Algorithm 1 (``scheme="alternating"``).

    Parameters
    ----------
    data : GaussianMixture-like or callable
        Anything with ``.sample(n, seed) -> (n, d)``, or a function ``(n, rng) -> (n, d)``.
    config : GANConfig
    n_steps : int >= 0
    seed : int, SeedSequence or Generator
        Streams from :func:`gan_streams`: initialization, data, noise and evaluation noise
        are independent.
    snapshot_steps : sequence of int, keyword-only
        Record a :class:`GANSnapshot` after these numbers of completed steps (0 = initial).
    n_eval_samples : int, keyword-only
        Size of the fixed evaluation noise batch for snapshots.
    callback : callable, keyword-only
        ``callback(step, params, losses)`` after every completed step (``step`` counts from 1).
    progress : bool, keyword-only
        Show a tqdm progress bar.

    Returns
    -------
    GANTrainRun
        On Ctrl-C the partial result is returned with ``interrupted=True``; its parameters and
        losses are those of the last completed step.
    """
    check_instance(config, "config", GANConfig)
    sampler = as_sampler(data)
    n_steps = check_int(n_steps, "n_steps", minimum=0)
    n_eval = check_int(n_eval_samples, "n_eval_samples", minimum=1)
    wanted = check_snapshot_steps(snapshot_steps)
    check_callback(callback)
    streams = gan_streams(seed)
    probe = draw_samples(sampler, 1, onp.random.default_rng(0), "data")  # learn d without touching streams
    params, opt_states = init_gan(config, probe.shape[1], streams=streams)
    z_eval = streams.eval.standard_normal((n_eval, config.latent_dim)) if wanted else None
    act = config.activation

    # A state is (what the backend carries, losses); `export` gives (params, opt_states).
    if config.backend == "fused":
        engine = FusedGAN(config, probe.shape[1])
        carried = engine.import_state(params, opt_states)
        update = engine.step
        params = engine.export_params(carried)  # the networks as the run holds them (dtype)

        def export(c):
            return engine.export_params(c), engine.export_states(c)
    else:
        carried = (params, opt_states)

        def update(c, x_real, z):
            new_params, new_states, losses = gan_update(c[0], c[1], x_real, z, config)
            return (new_params, new_states), losses

        def export(c):
            return c

    def snapshot(step, p):
        return GANSnapshot(step, p["g"], p["d"], onp.asarray(forward(p["g"], z_eval, act), dtype=onp.float64))

    d_hist = onp.zeros(n_steps)
    g_hist = onp.zeros(n_steps)
    snapshots = [snapshot(0, params)] if 0 in wanted else []

    def step(t, state):
        x_real, z = sample_gan_batch(sampler, config, streams.data, streams.noise)
        new_carried, losses = update(state[0], x_real, z)
        d_hist[t], g_hist[t] = losses
        return new_carried, losses

    def after(n_done, state):
        if n_done in wanted or callback is not None:
            current = export(state[0])[0]
            if n_done in wanted:
                snapshots.append(snapshot(n_done, current))
            if callback is not None:
                callback(n_done, current, state[1])

    out = run_steps(step, (carried, None), n_steps, after=after, progress=progress, desc="GAN")
    n_done = out.n_steps
    final_params, final_states = export(out.state[0])
    return GANTrainRun(config=config, params=final_params, opt_states=final_states,
                       d_loss=d_hist[:n_done], g_loss=g_hist[:n_done], snapshots=snapshots,
                       n_steps=n_done, n_steps_requested=n_steps, interrupted=out.interrupted,
                       seconds=out.seconds)


@dataclass
class DiscriminatorTrainRun(LoopRun):
    """Outcome of :func:`train_discriminator`: the learned ψ and the loss per step (and the
    bookkeeping fields of :class:`~solvers.neural.training.LoopRun`)."""

    config: GANConfig
    d_params: list
    opt_state: OptState
    loss: onp.ndarray

    def prob(self, x) -> onp.ndarray:
        """The learned D(x) = σ(f_ψ(x)), shape (n,)."""
        return discriminator_prob(self.d_params, x, activation=self.config.activation)

    def logit(self, x) -> onp.ndarray:
        """The learned logit f_ψ(x), shape (n,)."""
        return discriminator_logit(self.d_params, x, activation=self.config.activation)

    def to_dict(self) -> dict:
        return {"config": self.config.to_dict(), **self.loop_fields(), "loss": self.loss.tolist()}

    to_json = deprecated_method("to_dict")


def train_discriminator(x_real_sampler: Any, x_fake_sampler: Any, config: GANConfig, n_steps: int,
                        seed: Any, *, init_params: list | None = None,
                        callback: Callable | None = None,
                        progress: bool = False) -> DiscriminatorTrainRun:
    """Train the discriminator alone against a fixed generator.

    ψ ← ψ − η ∇_ψ L_D(ψ) on fresh minibatches of B real and B fake points per step.  For
    enough capacity and data its optimum is D*(x) = p_data(x) / (p_data(x) + p_g(x)); that
    closed form is *not* used here (it is what tests compare against).

    Source: Goodfellow et al. (2014), Algorithm 1 inner loop, and Proposition 1 for what it
    should converge to.

    Parameters
    ----------
    x_real_sampler, x_fake_sampler : sampler (see :func:`train_gan`'s ``data``)
        The data and the fixed generator's distribution.
    config : GANConfig
        Uses ``hidden``, ``activation``, ``lr_d``, ``optimizer``(``_kwargs``), ``batch_size``,
        ``init_scale``.
    n_steps : int >= 0
    seed : int, SeedSequence or Generator
        Three spawned streams: initialization, real minibatches, fake minibatches.
    init_params : list of layer dicts, keyword-only
        Start from these discriminator parameters (e.g. to continue a run with a smaller
        ``lr_d``) instead of a fresh initialization; the optimizer state starts afresh.
    callback : callable, keyword-only
        ``callback(step, d_params, loss)`` after every completed step (``step`` from 1).
    progress : bool, keyword-only

    Returns
    -------
    DiscriminatorTrainRun
        Partial (``interrupted=True``) on Ctrl-C.
    """
    check_instance(config, "config", GANConfig)
    real = as_sampler(x_real_sampler, "x_real_sampler")
    fake = as_sampler(x_fake_sampler, "x_fake_sampler")
    n_steps = check_int(n_steps, "n_steps", minimum=0)
    check_callback(callback)
    if isinstance(seed, onp.random.SeedSequence):
        init_rng, real_rng, fake_rng = (onp.random.default_rng(s) for s in seed.spawn(3))
    else:
        init_rng, real_rng, fake_rng = as_generator(seed).spawn(3)
    d = draw_samples(real, 1, onp.random.default_rng(0), "x_real_sampler").shape[1]
    if draw_samples(fake, 1, onp.random.default_rng(0), "x_fake_sampler").shape[1] != d:
        raise ValueError("`x_real_sampler` and `x_fake_sampler` must return points of the same dimension")
    params = init_mlp((d, *config.hidden, 1), init_rng, scale=config.init_scale)
    if init_params is not None:
        if tree_structure(init_params) != tree_structure(params) or any(
                onp.shape(a) != onp.shape(b) for a, b in zip(tree_leaves(init_params), tree_leaves(params))):
            raise ValueError(f"`init_params` must be an MLP of sizes {(d, *config.hidden, 1)} like `config`")
        params = init_params
    _, opt = make_gan_optimizers(config)
    act = config.activation
    b = config.batch_size
    losses = onp.zeros(n_steps)

    if config.backend == "fused":
        engine = FusedGAN(config, d)
        start = engine.import_d(params)

        def step(t, state):
            x_r = draw_samples(real, b, real_rng, "x_real_sampler")
            x_f = draw_samples(fake, b, fake_rng, "x_fake_sampler")
            flat, s_d, losses[t] = engine.d_step(state[0], state[1], x_r, x_f)
            return flat, s_d

        export = engine.export_d
    else:
        start = (params, opt.init(params))

        def step(t, state):
            x_r = draw_samples(real, b, real_rng, "x_real_sampler")
            x_f = draw_samples(fake, b, fake_rng, "x_fake_sampler")
            losses[t], grads = _d_value_and_grad(state[0], x_r, x_f, act)
            return opt.update_unchecked(grads, state[1], state[0])

        def export(state):
            return state

    def after(n_done, state):
        if callback is not None:
            callback(n_done, export(state)[0], float(losses[n_done - 1]))

    out = run_steps(step, start, n_steps, after=after, progress=progress, desc="D")
    d_params, opt_state = export(out.state)
    return DiscriminatorTrainRun(config=config, d_params=d_params, opt_state=opt_state,
                                 loss=losses[:out.n_steps], n_steps=out.n_steps, n_steps_requested=n_steps,
                                 interrupted=out.interrupted, seconds=out.seconds)

# Old British spellings of public names, kept as deprecated aliases (theory.deprecation).
__getattr__ = module_getattr(__name__, globals(), {
    'GANTrainResult': 'GANTrainRun',
    'DiscriminatorTrainResult': 'DiscriminatorTrainRun',
    'make_gan_optimisers': 'make_gan_optimizers',
})
