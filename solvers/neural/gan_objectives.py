"""Neural critics and GANs for the objectives after Goodfellow's: LSGAN, WGAN with weight
clipping, WGAN-GP and f-GAN, as small autograd functions; the training steps run by default on
the hand-written passes of :mod:`solvers.neural.gan_objectives_fused` (``backend="fused"``),
checked against these autograd losses in the tests.

A critic network V_ψ : ℝᵈ → ℝ (an MLP) plays against a generator G_θ(z), z ~ N(0, I_m) (an
MLP).  Every expectation is a weighted sum over points: a minibatch (weights 1/B) or a fixed
quadrature of a known distribution (:class:`WeightedPoints`), so the same loss trains a critic
on samples and on the population objective of two known distributions.  With P the data and Q
the generator's distribution, the critic losses (minimized) and generator losses are

- ``"lsgan"`` (Mao et al. 2017, Section 3.2, the least-squares objective), D = V:
  L_D = ½ E_P[(D(x) − b)²] + ½ E_Q[(D(x) − a)²],   L_G = ½ E_z[(D(G(z)) − c)²];
- ``"wgan_clip"`` (Arjovsky, Chintala & Bottou 2017, Algorithm 1), f = V:
  L_D = E_Q[f] − E_P[f], every critic parameter clipped to [−c, c] after each step (and at
  initialization), L_G = −E_z[f(G(z))];
- ``"wgan_gp"`` (Gulrajani et al. 2017, eq. (3) and Algorithm 1), f = V:
  L_D = E_Q[f] − E_P[f] + λ E_x̂[(‖∇ₓf(x̂)‖₂ − 1)²], x̂ = εx + (1 − ε)x̃ with x ~ P, x̃ ~ Q
  drawn independently and ε ~ U[0, 1], L_G = −E_z[f(G(z))];
- ``"fgan"`` (Nowozin, Cseke & Tomioka 2016, Section 3, Table 2), T = g_f(V):
  L_D = −(E_P[T] − E_Q[f*(T)]),   L_G = −E_z[f*(T(G(z)))] (the saddle objective F(θ, ω)).

One training step is ``n_disc_steps`` critic steps, each on fresh minibatches, then one
generator step on fresh noise against the updated critic (the order of both papers'
Algorithm 1).  :func:`train_critic` trains the critic alone between two fixed distributions,
with the configured first-order optimizer or, for weighted points, with L-BFGS-B (box-bounded
for weight clipping); the closed forms it is compared with live in :mod:`theory` and are never
called here.

The scaffolding these trainers share with the other learners (the network and optimizer
fields of :class:`~solvers.neural.training.AdversarialConfig`, :func:`~solvers.neural.training.fit_pytree`,
:func:`~solvers.neural.training.run_game`, ...) lives in :mod:`solvers.neural.training` and is
re-exported here.

Sources: Mao et al. (2017), "Least Squares Generative Adversarial Networks", Section 3.2;
Arjovsky, Chintala & Bottou (2017), "Wasserstein GAN", Section 3 and Algorithm 1; Gulrajani
et al. (2017), "Improved Training of Wasserstein GANs", eq. (3) and Algorithm 1; Nowozin,
Cseke & Tomioka (2016), "f-GAN", Section 3 (F(θ, ω) with T = g_f(V)), Table 2, Algorithm 1.
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import autograd.numpy as np
import numpy as onp
from autograd import grad, value_and_grad

from solvers.neural.gan import GANSnapshot, as_sampler, draw_samples
from solvers.neural.gan_objectives_fused import FUSED_OBJECTIVES, FUSED_PENALTY_ACTIVATIONS, FusedObjectiveGAN
from solvers.neural.mlp import init_mlp, mlp_apply, softplus
# The generic scaffolding below lives in solvers.neural.training; it is re-exported here, where
# it was first written (FIT_SOLVERS under its old name CRITIC_SOLVERS).
from solvers.neural.training import FIT_SOLVERS as CRITIC_SOLVERS, AdversarialConfig, FitOutcome, FitRun, \
    GeneratorRun, check_backend_fields, check_callback, check_init_params, check_snapshot_steps, clip_weights, fit_pytree, run_game, \
    spawn_generators
from theory.validation import as_float_array, check_in, check_int, check_positive, \
    check_probability

__all__ = [
    "OBJECTIVES", "FGAN_FAMILY_NAMES", "CRITIC_SOLVERS",
    # expectations over weighted points
    "WeightedPoints", "interpolates", "as_batch", "expect",
    # configuration and randomness
    "AdversarialConfig", "ObjectiveGANConfig", "spawn_generators", "init_objective_gan",
    # critics, losses, one step
    "critic_raw", "critic_transform", "fgan_terms", "gradient_norm", "critic_loss",
    "generator_loss", "clip_weights", "objective_gan_update", "critic_then_generator_step",
    # loops
    "run_game", "FitOutcome", "fit_pytree", "fixed_or_minibatches", "check_init_params",
    "check_snapshot_steps", "FitRun", "CriticTrainRun", "train_critic", "GeneratorRun", "ObjectiveGANRun", "train_game",
    "train_objective_gan",
]

OBJECTIVES = ("lsgan", "wgan_clip", "wgan_gp", "fgan")
FGAN_FAMILY_NAMES = ("kl", "reverse_kl", "pearson_chi2", "neyman_chi2", "squared_hellinger",
                     "jensen_shannon", "gan")
_LOG2 = float(onp.log(2.0))
#: Floor of ‖∇f‖² inside the square root: the norm is exact above 1e-150, and its gradient is
#: finite (0) at a zero input gradient, where √· has none.
_TINY = 1e-300


# ---------------------------------------------------------------------------------------------
# expectations over weighted points
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeightedPoints:
    """A discrete distribution Σᵢ wᵢ δ_{xᵢ}: exact for atoms, a quadrature rule for a density.

    ``points``: shape (n, d), or (n,) for d = 1 (finite); ``weights``: a probability vector of
    length n (uniform when omitted).  Invalid input raises a ValueError/TypeError naming it.
    """

    points: onp.ndarray
    weights: onp.ndarray = None

    def __post_init__(self) -> None:
        x = as_float_array(self.points, "points")
        x = x[:, None] if x.ndim == 1 else x
        if x.ndim != 2:
            raise ValueError(f"`points` must have shape (n, d) or (n,) (got shape {x.shape})")
        w = onp.full(x.shape[0], 1.0 / x.shape[0]) if self.weights is None else \
            check_probability(self.weights, "weights")
        if w.shape != (x.shape[0],):
            raise ValueError(f"`weights` must have shape ({x.shape[0]},) like `points` (got {w.shape})")
        object.__setattr__(self, "points", x)
        object.__setattr__(self, "weights", w)

    @classmethod
    def from_density(cls, grid: Any, density: Any) -> "WeightedPoints":
        """Trapezoid-rule weights of a 1-D density on a strictly increasing grid, normalized:
        wᵢ ∝ p(xᵢ)(x_{i+1} − x_{i−1})/2 (half cells at the ends); ValueError for a bad grid or a
        density that is negative, mis-shaped or zero everywhere."""
        x = as_float_array(grid, "grid")
        p = as_float_array(density, "density")
        if x.ndim != 1 or x.shape[0] < 2 or onp.any(onp.diff(x) <= 0):
            raise ValueError("`grid` must be 1-D, of length >= 2 and strictly increasing")
        if p.shape != x.shape or onp.any(p < 0) or not p.sum() > 0:
            raise ValueError(f"`density` must be >= 0, not all 0, of shape {x.shape} like `grid`")
        cell = onp.zeros_like(x)
        cell[:-1] += 0.5 * onp.diff(x)
        cell[1:] += 0.5 * onp.diff(x)
        w = p * cell
        return cls(x, w / w.sum())


def interpolates(real: WeightedPoints, fake: WeightedPoints, *, n_nodes: int = 32) -> WeightedPoints:
    """The distribution of x̂ = εx + (1 − ε)x̃ (x ~ real, x̃ ~ fake independent, ε ~ U[0, 1])
    by the composite midpoint rule in ε: nodes ε_k = (k + ½)/K, weights wᵢ vⱼ / K.

    Source: Gulrajani et al. (2017), Section 4 ("sampling uniformly along straight lines
    between pairs of points sampled from the data distribution and the generator
    distribution") and Algorithm 1, line 6.

    ``real``, ``fake``: WeightedPoints of one dimension; ``n_nodes`` = K >= 1.  Returns
    n_real · n_fake · K WeightedPoints; the rule integrates an h(x̂) that is C² along the
    segments with error O(K⁻²).
    """
    for name, wp in (("real", real), ("fake", fake)):
        if not isinstance(wp, WeightedPoints):
            raise TypeError(f"`{name}` must be WeightedPoints, got {type(wp).__name__}")
    if real.points.shape[1] != fake.points.shape[1]:
        raise ValueError("`real` and `fake` must have points of the same dimension")
    k = check_int(n_nodes, "n_nodes", minimum=1)
    eps = (onp.arange(k) + 0.5) / k
    x = (eps[None, None, :, None] * real.points[:, None, None, :]
         + (1.0 - eps[None, None, :, None]) * fake.points[None, :, None, :])
    w = onp.broadcast_to(real.weights[:, None, None] * fake.weights[None, :, None] / k, x.shape[:3])
    return WeightedPoints(x.reshape(-1, x.shape[-1]), w.ravel() / w.sum())


def as_batch(x):
    """``(points, weights)`` of WeightedPoints, or ``(x, None)`` for a minibatch array x
    (uniform weights; a 1-D x is n points in d = 1)."""
    if isinstance(x, WeightedPoints):
        return x.points, x.weights
    return (onp.reshape(x, (-1, 1)) if onp.ndim(x) == 1 else x), None


def expect(values, weights):
    """E[values]: the mean (weights None) or the weighted sum Σ wᵢ valuesᵢ."""
    return np.mean(values) if weights is None else np.dot(weights, values)


# ---------------------------------------------------------------------------------------------
# configuration and randomness
# ---------------------------------------------------------------------------------------------


def _check_real(x: Any, name: str) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or not onp.isfinite(x):
        raise ValueError(f"`{name}` must be a finite real number (got {x!r})")
    return float(x)


@dataclass(frozen=True)
class ObjectiveGANConfig(AdversarialConfig):
    """Hyperparameters of a critic/generator pair for one objective.

    Parameters
    ----------
    objective : {"lsgan", "wgan_clip", "wgan_gp", "fgan"}
    a, b, c : float
        LSGAN's labels of fake and real data and the generator's target (a ≠ b); the paper's
        choices are (−1, 1, 0) and (0, 1, 1).
    clip : float > 0
        WGAN's clipping constant c (0.01 in Arjovsky et al.'s Algorithm 1).
    penalty_weight : float > 0
        WGAN-GP's λ (10 in Gulrajani et al.'s Algorithm 1).
    family : str
        The f-GAN divergence, one of :data:`FGAN_FAMILY_NAMES` (Table 1's f, Table 2's g_f).
    backend : {"fused", "autograd"} or None
        Gradients by the hand-written passes of :mod:`solvers.neural.gan_objectives_fused`
        or by autograd through :func:`critic_loss` / :func:`generator_loss` (the independent
        route the tests check the fused one against; the same numbers to rounding in float64).
        None (the default) means ``"fused"``, except for ``"wgan_gp"`` with a hidden activation
        other than tanh: the fused penalty's gradient (double backpropagation) needs act'',
        written for tanh only, so those stay on autograd.
    dtype : {"float64", "float32"}
        Arithmetic of the fused networks (float32: relative rounding of order 1e-5 per
        gradient); the autograd backend is float64 only.
    **network fields
        Those of :class:`AdversarialConfig`.
    """

    objective: str = "lsgan"
    a: float = -1.0
    b: float = 1.0
    c: float = 0.0
    clip: float = 0.01
    penalty_weight: float = 10.0
    family: str = "kl"
    backend: str | None = None
    dtype: str = "float64"

    def __post_init__(self) -> None:
        check_in(self.objective, "objective", OBJECTIVES)
        fusable = self.objective != "wgan_gp" or self.activation in FUSED_PENALTY_ACTIVATIONS
        if self.backend is None:
            object.__setattr__(self, "backend", "fused" if fusable else "autograd")
        check_backend_fields(self)
        if self.backend == "fused" and not fusable:
            raise ValueError(f"`backend` must be 'autograd' for 'wgan_gp' with activation {self.activation!r} "
                             f"(the fused penalty is written for {FUSED_PENALTY_ACTIVATIONS}; got {self.backend!r})")
        super().__post_init__()
        for name in ("a", "b", "c"):
            object.__setattr__(self, name, _check_real(getattr(self, name), name))
        if self.a == self.b:
            raise ValueError(f"`a` and `b` (LSGAN's labels) must differ (got a = b = {self.a})")
        check_positive(self.clip, "clip")
        check_positive(self.penalty_weight, "penalty_weight")
        check_in(self.family, "family", FGAN_FAMILY_NAMES)


def _check_config(config: Any) -> None:
    if not isinstance(config, ObjectiveGANConfig):
        raise TypeError(f"`config` must be an ObjectiveGANConfig, got {type(config).__name__}")


def _init_critic(config: ObjectiveGANConfig, d: int, rng) -> list:
    params = init_mlp((d, *config.hidden, 1), rng, scale=config.init_scale)
    return clip_weights(params, config.clip) if config.objective == "wgan_clip" else params


def init_objective_gan(config: ObjectiveGANConfig, data_dim: int, seed: Any) -> tuple[dict, dict]:
    """Initial ``params = {"g": MLP (m, *hidden, d), "d": MLP (d, *hidden, 1)}`` and optimizer
    states ``{"g": OptState, "d": OptState}``; the critic is clipped for ``"wgan_clip"``.
    ``seed``: two spawned streams (generator, critic), or a pair of Generators used as given.

    Source: Glorot & Bengio (2010), eq. (16) (default scale, :func:`solvers.neural.mlp.init_mlp`).
    """
    _check_config(config)
    d = check_int(data_dim, "data_dim", minimum=1)
    rng_g, rng_d = seed if isinstance(seed, tuple) else spawn_generators(seed, 2)
    params = {"g": init_mlp((config.latent_dim, *config.hidden, d), rng_g, scale=config.init_scale),
              "d": _init_critic(config, d, rng_d)}
    opt_g, opt_d = config.optimizers()
    return params, {"g": opt_g.init(params["g"]), "d": opt_d.init(params["d"])}


# ---------------------------------------------------------------------------------------------
# critics and losses
# ---------------------------------------------------------------------------------------------


def critic_raw(d_params: list, x, *, activation: str = "tanh"):
    """The network output V_ψ(x), shape (n,), for x of shape (n, d) (or (n,) when d = 1)."""
    return mlp_apply(d_params, x, activation=activation)[:, 0]


def fgan_terms(v, family: str):
    """``(T, f*(T))`` with T = g_f(v), as autograd-differentiable functions of v.

    kl: T = v, f*(T) = e^{v−1}; reverse_kl: T = −e^{−v}, f*(T) = v − 1; pearson_chi2: T = v,
    f*(T) = v + v²/4; neyman_chi2: T = 1 − e^{−v}, f*(T) = 2 − 2e^{−v/2}; squared_hellinger:
    T = 1 − e^{−v}, f*(T) = e^{v} − 1; jensen_shannon: T = log 2 − softplus(−v),
    f*(T) = softplus(v) − log 2; gan: T = −softplus(−v), f*(T) = softplus(v).

    Source: Nowozin, Cseke & Tomioka (2016), Table 2 (g_f and f*), composed and simplified by
    hand (e.g. −log(1 − e^{T}) = softplus(v) at T = −softplus(−v)); the tests check both
    against :data:`theory.gan_objectives.FGAN_FAMILIES`.
    """
    check_in(family, "family", FGAN_FAMILY_NAMES)
    if family == "kl":
        return v, np.exp(v - 1.0)
    if family == "reverse_kl":
        return -np.exp(-v), v - 1.0
    if family == "pearson_chi2":
        return v, v + 0.25 * v * v
    if family == "neyman_chi2":
        return -np.expm1(-v), 2.0 - 2.0 * np.exp(-0.5 * v)
    if family == "squared_hellinger":
        return -np.expm1(-v), np.expm1(v)
    if family == "jensen_shannon":
        return _LOG2 - softplus(-v), softplus(v) - _LOG2
    return -softplus(-v), softplus(v)


def critic_transform(v, config: ObjectiveGANConfig):
    """The critic of the theory from the raw output v: D = v (LSGAN), f = v (WGAN), T = g_f(v)."""
    return fgan_terms(v, config.family)[0] if config.objective == "fgan" else v


def gradient_norm(d_params: list, x, *, activation: str = "tanh"):
    """‖∇ₓV_ψ(x)‖₂ per row, shape (n,), differentiable in ψ (double backpropagation).

    Rows of an MLP are independent, so ∇ₓ Σₙ V(xₙ) holds each row's input gradient.
    """
    g = grad(lambda xx: np.sum(critic_raw(d_params, xx, activation=activation)))(x)
    return np.sqrt(np.maximum(np.sum(g * g, axis=1), _TINY))


def critic_loss(d_params: list, real, fake, config: ObjectiveGANConfig, *, interp=None):
    """The critic's loss of ``config.objective`` (module docstring), differentiable in ψ.

    ``real``, ``fake`` (and ``interp``, the interpolates x̂, required for ``"wgan_gp"``) are
    arrays of shape (n, d), weighted uniformly, or :class:`WeightedPoints`.
    """
    act = config.activation
    (xr, wr), (xf, wf) = as_batch(real), as_batch(fake)
    v = critic_raw(d_params, onp.concatenate([xr, xf], axis=0), activation=act)  # one pass
    vr, vf = v[:xr.shape[0]], v[xr.shape[0]:]
    if config.objective == "lsgan":
        return 0.5 * expect((vr - config.b) ** 2, wr) + 0.5 * expect((vf - config.a) ** 2, wf)
    if config.objective == "fgan":
        return expect(fgan_terms(vf, config.family)[1], wf) - expect(fgan_terms(vr, config.family)[0], wr)
    loss = expect(vf, wf) - expect(vr, wr)
    if config.objective == "wgan_gp":
        if interp is None:
            raise ValueError("`interp` (the interpolates x̂) is required for objective 'wgan_gp'")
        xh, wh = as_batch(interp)
        loss = loss + config.penalty_weight * expect((gradient_norm(d_params, xh, activation=act) - 1.0) ** 2, wh)
    return loss


def generator_loss(g_params: list, d_params: list, z, config: ObjectiveGANConfig):
    """The generator's loss on noise z of shape (n, m) (module docstring)."""
    act = config.activation
    v = critic_raw(d_params, mlp_apply(g_params, z, activation=act), activation=act)
    if config.objective == "lsgan":
        return 0.5 * np.mean((v - config.c) ** 2)
    if config.objective == "fgan":
        return -np.mean(fgan_terms(v, config.family)[1])
    return -np.mean(v)


@functools.lru_cache(maxsize=16)
def _engine(config: ObjectiveGANConfig, dim: int) -> FusedObjectiveGAN:
    return FusedObjectiveGAN(config, dim)


def _d_grad(config, dim):
    """``(d, real, fake, interp) -> (L_D, gradient as a layer list)`` of ``config.backend``."""
    if config.backend == "fused":
        engine = _engine(config, dim)
        return lambda d, r, f, h: engine.critic_value_and_grad(d, *as_batch(r), *as_batch(f),
                                                               *(() if h is None else as_batch(h)))
    return value_and_grad(lambda d, r, f, h: critic_loss(d, r, f, config, interp=h))


def objective_gan_update(params: dict, opt_states: dict, x_real, z, eps,
                         config: ObjectiveGANConfig) -> tuple[dict, dict, tuple[float, float]]:
    """One training step on explicit minibatches: k critic steps, then one generator step.

    Source: Arjovsky, Chintala & Bottou (2017) and Gulrajani et al. (2017), Algorithm 1.

    Parameters
    ----------
    params, opt_states : dict
        As from :func:`init_objective_gan`.
    x_real : ndarray, shape (k, B, d)
        One real minibatch per critic step (k = ``config.n_disc_steps``).
    z : ndarray, shape (k + 1, B, m)
        z[i] makes the fakes of critic step i; z[k] feeds the generator step.
    eps : ndarray, shape (k, B)
        The interpolation coefficients ε ~ U[0, 1] (used by ``"wgan_gp"`` only).
    config : ObjectiveGANConfig

    Returns
    -------
    params, opt_states : new dicts (the inputs are not modified)
    losses : (float, float)
        The last critic loss and the generator loss, each at the parameters its gradient was
        taken at.
    """
    k = config.n_disc_steps
    x_real, z, eps = (onp.asarray(a, dtype=onp.float64) for a in (x_real, z, eps))
    if x_real.ndim != 3 or x_real.shape[0] != k:
        raise ValueError(f"`x_real` must have shape ({k}, B, d) (got shape {x_real.shape})")
    if z.ndim != 3 or z.shape[0] != k + 1 or z.shape[2] != config.latent_dim:
        raise ValueError(f"`z` must have shape ({k + 1}, B, {config.latent_dim}) (got shape {z.shape})")
    if eps.shape != x_real.shape[:2]:
        raise ValueError(f"`eps` must have shape {x_real.shape[:2]} (got shape {eps.shape})")
    d_grad = _d_grad(config, x_real.shape[2])
    fused = _engine(config, x_real.shape[2]) if config.backend == "fused" else None

    def critic_value_and_grad(i, d, x_real_i, x_fake):
        x_hat = eps[i][:, None] * x_real_i + (1.0 - eps[i][:, None]) * x_fake
        return d_grad(d, x_real_i, x_fake, x_hat)

    project = (lambda d: clip_weights(d, config.clip)) if config.objective == "wgan_clip" else None
    return critic_then_generator_step(params, opt_states, x_real, z, config,
                                      critic_value_and_grad=critic_value_and_grad,
                                      generator_loss=generator_loss, project=project,
                                      generator_value_and_grad=None if fused is None else
                                      (lambda g, d, zz, cfg: fused.generator_value_and_grad(g, d, zz)),
                                      generate=None if fused is None else fused.generate)


def critic_then_generator_step(params: dict, opt_states: dict, x_real, z, config, *,
                               critic_value_and_grad: Callable, generator_loss: Callable,
                               project: Callable | None = None, generator_value_and_grad: Callable | None = None,
                               generate: Callable | None = None) -> tuple[dict, dict, tuple[float, float]]:
    """The alternating step shared by :func:`objective_gan_update` and
    :func:`solvers.neural.ebgan.ebgan_update`: k = ``config.n_disc_steps`` (>= 1) critic
    steps, each on (x_real[i], G(z[i])), then one generator step on z[k] against the updated
    critic.

    Source: Goodfellow et al. (2014), Algorithm 1 (k discriminator steps per generator step);
    Arjovsky, Chintala & Bottou (2017), Algorithm 1.

    Parameters
    ----------
    params, opt_states : dict
        ``{"g": ..., "d": ...}`` parameters and optimizer states (not modified).
    x_real : ndarray, shape (k, B, d)
    z : ndarray, shape (k + 1, B, m)
        Checked by the caller.
    config
        Has ``n_disc_steps``, ``activation`` and ``optimizers()`` (generator, critic).
    critic_value_and_grad : callable
        ``(i, d, x_real[i], x_fake) -> (loss, grads)`` of critic step i.
    generator_loss : callable
        ``generator_loss(g, d, z, config)``, differentiated in ``g``.
    project : callable or None
        Applied to the critic parameters after each critic update (e.g. weight clipping).
    generator_value_and_grad : callable or None
        ``(g, d, z, config) -> (loss, grads)`` in place of autograd's value_and_grad of
        ``generator_loss`` (the fused backend).
    generate : callable or None
        ``(g, z) -> G(z)`` in place of :func:`solvers.neural.mlp.mlp_apply`.

    Returns
    -------
    params, opt_states : new dicts
    losses : (float, float)
        The last critic loss and the generator loss, each at the parameters its gradient was
        taken at.
    """
    k = config.n_disc_steps
    opt_g, opt_d = config.optimizers()
    g, d = params["g"], params["d"]
    state_g, state_d = opt_states["g"], opt_states["d"]
    for i in range(k):
        x_fake = onp.asarray(mlp_apply(g, z[i], activation=config.activation)) if generate is None else generate(g, z[i])
        d_loss, grads = critic_value_and_grad(i, d, x_real[i], x_fake)
        d, state_d = opt_d.update(grads, state_d, d)
        if project is not None:
            d = project(d)
    g_loss, grads = (value_and_grad(generator_loss) if generator_value_and_grad is None
                     else generator_value_and_grad)(g, d, z[k], config)
    g, state_g = opt_g.update(grads, state_g, g)
    return {"g": g, "d": d}, {"g": state_g, "d": state_d}, (float(d_loss), float(g_loss))


# ---------------------------------------------------------------------------------------------
# a critic's data: fixed distributions or minibatches
# ---------------------------------------------------------------------------------------------


def fixed_or_minibatches(real: Any, fake: Any, batch_size: int, rngs: Sequence, *,
                         n_nodes: int | None = None):
    """``(dim, fixed, batch)`` for a critic trained between two fixed distributions.

    Both WeightedPoints: ``fixed = (real, fake, interpolates or None)`` (the interpolates of
    :func:`interpolates` when ``n_nodes`` is given) and ``batch = None``.  Both samplers:
    ``fixed = None`` and ``batch(t) = (x_real, x_fake, x_hat)``, B points of each from
    ``rngs = (real_rng, fake_rng, eps_rng)`` and x̂ = εx + (1 − ε)x̃, ε ~ U[0, 1].
    """
    wp = [isinstance(x, WeightedPoints) for x in (real, fake)]
    if wp[0] != wp[1]:
        raise TypeError("`real` and `fake` must both be WeightedPoints or both be samplers")
    if wp[0]:
        if real.points.shape[1] != fake.points.shape[1]:
            raise ValueError("`real` and `fake` must have points of the same dimension")
        interp = None if n_nodes is None else interpolates(real, fake, n_nodes=n_nodes)
        return real.points.shape[1], (real, fake, interp), None
    real_s, fake_s = as_sampler(real, "real"), as_sampler(fake, "fake")
    dim = draw_samples(real_s, 1, onp.random.default_rng(0), "real").shape[1]
    if draw_samples(fake_s, 1, onp.random.default_rng(0), "fake").shape[1] != dim:
        raise ValueError("`real` and `fake` must return points of the same dimension")
    real_rng, fake_rng, eps_rng = rngs

    def batch(t):
        x_r = draw_samples(real_s, batch_size, real_rng, "real")
        x_f = draw_samples(fake_s, batch_size, fake_rng, "fake")
        e = eps_rng.random((batch_size, 1))
        return x_r, x_f, e * x_r + (1.0 - e) * x_f

    return dim, None, batch


# ---------------------------------------------------------------------------------------------
# the critic alone between two fixed distributions
# ---------------------------------------------------------------------------------------------


@dataclass
class CriticTrainRun(FitRun):
    """Outcome of :func:`train_critic` (``params``: the critic MLP)."""

    def raw(self, x) -> onp.ndarray:
        """The network output V(x), shape (n,)."""
        return onp.asarray(critic_raw(self.params, x, activation=self.config.activation))

    def critic(self, x) -> onp.ndarray:
        """D(x) (LSGAN), f(x) (WGAN) or T(x) = g_f(V(x)) (f-GAN), shape (n,)."""
        return onp.asarray(critic_transform(self.raw(x), self.config))


def train_critic(real: Any, fake: Any, config: ObjectiveGANConfig, n_steps: int, seed: Any, *,
                 solver: str = "optimizer", n_nodes: int = 32, tol: float = 1e-10,
                 init_params: list | None = None, callback: Callable | None = None,
                 progress: bool = False) -> CriticTrainRun:
    """Train the critic of ``config.objective`` alone, P = ``real`` against a fixed Q = ``fake``.

    Source: the critic loops of Arjovsky et al. (2017) and Gulrajani et al. (2017),
    Algorithm 1, lines 2-8; the discriminator objectives of Mao et al. (2017), Section 3.2, and
    Nowozin et al. (2016), Section 3.

    Parameters
    ----------
    real, fake : WeightedPoints, sampler or object with ``.sample(n, seed)``
        Both WeightedPoints: every step uses the whole (deterministic) objective, the
        penalty on the interpolates of :func:`interpolates` (``n_nodes`` per pair).  Both
        samplers: every step draws B = ``config.batch_size`` points of each and B values of ε.
    config : ObjectiveGANConfig
        Its critic fields (``hidden``, ``activation``, ``lr_d``, optimizer, labels, ``clip``,
        ``penalty_weight``, ``family``, ``init_scale``).
    n_steps : int >= 0
    seed : int, SeedSequence or Generator
        Four spawned streams: initialization, real, fake, ε.
    solver, tol, callback, progress : keyword-only
        See :func:`fit_pytree`; ``"lbfgs"`` needs WeightedPoints and, for ``"wgan_clip"``,
        optimizes over the box of clipped weights.
    n_nodes : int, keyword-only
    init_params : list, keyword-only
        Start from these critic parameters instead of a fresh initialization.

    Returns
    -------
    CriticTrainRun
    """
    _check_config(config)
    n_steps = check_int(n_steps, "n_steps", minimum=0)
    check_callback(callback)
    init_rng, *rngs = spawn_generators(seed, 4)
    gp = config.objective == "wgan_gp"
    dim, fixed, batch = fixed_or_minibatches(real, fake, config.batch_size, rngs,
                                             n_nodes=check_int(n_nodes, "n_nodes", minimum=1) if gp else None)
    params = check_init_params(init_params, _init_critic(config, dim, init_rng))
    d_grad = _d_grad(config, dim)
    out = fit_pytree((lambda p, _: d_grad(p, *fixed)) if batch is None else (lambda p, bt: d_grad(p, *bt)),
                     params, n_steps, solver=solver, optimizer=config.optimizers()[1], batch=batch,
                     clip=config.clip if config.objective == "wgan_clip" else None, tol=tol,
                     callback=callback, progress=progress)
    return CriticTrainRun.from_outcome(config, out, solver, n_steps)


# ---------------------------------------------------------------------------------------------
# the full game
# ---------------------------------------------------------------------------------------------


@dataclass
class ObjectiveGANRun(GeneratorRun):
    """Outcome of :func:`train_objective_gan` (``config`` an :class:`ObjectiveGANConfig`)."""

    def critic(self, x) -> onp.ndarray:
        """The final critic (D, f or T, see :func:`critic_transform`), shape (n,)."""
        v = critic_raw(self.params["d"], x, activation=self.config.activation)
        return onp.asarray(critic_transform(v, self.config))


def train_game(data: Any, config: AdversarialConfig, n_steps: int, seed: Any, *, init_d: Callable,
               step: Callable, extra: Any = None, snapshot_steps: Sequence[int] = (), n_eval_samples: int = 10_000,
               callback: Callable | None = None, progress: bool = False, desc: str = "") -> tuple:
    """The loop shared by :func:`train_objective_gan` and the trainers of :mod:`solvers.neural.ebgan`.

    Six streams are spawned from ``seed``: generator and discriminator initializations, data,
    noise, ε, evaluation noise.  The generator is an MLP (m, *hidden, d) and ``init_d(d, rng)``
    gives the discriminator; ``state = (params, opt_states, extra, record)`` is advanced by
    ``step(state, draw, noise_rng, eps_rng)``, ``draw(n)`` giving n data points.  Snapshots
    are :class:`solvers.neural.gan.GANSnapshot` on ``n_eval_samples`` fixed noise points.
    Returns ``(outcome, records, snapshots)`` as :func:`run_game`.
    """
    sampler = as_sampler(data)
    n_steps = check_int(n_steps, "n_steps", minimum=0)
    n_eval = check_int(n_eval_samples, "n_eval_samples", minimum=1)
    init_g, init_dr, data_rng, noise_rng, eps_rng, eval_rng = spawn_generators(seed, 6)
    d = draw_samples(sampler, 1, onp.random.default_rng(0), "data").shape[1]
    params = {"g": init_mlp((config.latent_dim, *config.hidden, d), init_g, scale=config.init_scale),
              "d": init_d(d, init_dr)}
    opt_g, opt_d = config.optimizers()
    z_eval, act = eval_rng.standard_normal((n_eval, config.latent_dim)), config.activation

    def draw(n):
        return draw_samples(sampler, n, data_rng, "data")

    return run_game(lambda t, state: step(state, draw, noise_rng, eps_rng),
                    (params, {"g": opt_g.init(params["g"]), "d": opt_d.init(params["d"])}, extra, None), n_steps,
                    snapshot=lambda n, p: GANSnapshot(n, p["g"], p["d"], onp.asarray(mlp_apply(p["g"], z_eval, activation=act))),
                    snapshot_steps=snapshot_steps, callback=callback, progress=progress, desc=desc)


def train_objective_gan(data: Any, config: ObjectiveGANConfig, n_steps: int, seed: Any, *,
                        snapshot_steps: Sequence[int] = (), n_eval_samples: int = 10_000,
                        callback: Callable | None = None, progress: bool = False) -> ObjectiveGANRun:
    """Train generator and critic for ``n_steps`` steps of :func:`objective_gan_update`.

    Source: Arjovsky, Chintala & Bottou (2017) and Gulrajani et al. (2017), Algorithm 1; Mao
    et al. (2017), Section 3.2; Nowozin et al. (2016), Algorithm 1 (in alternating form).

    Parameters
    ----------
    data : sampler or object with ``.sample(n, seed)`` (e.g. a GaussianMixture)
    config : ObjectiveGANConfig
    n_steps : int >= 0
    seed : int, SeedSequence or Generator
        Six spawned streams: the two initializations, data, noise, ε, evaluation noise.
    snapshot_steps : sequence of int, keyword-only
        Record a :class:`solvers.neural.gan.GANSnapshot` (samples on fixed evaluation noise of
        ``n_eval_samples`` points) after these numbers of completed steps (0 = initial).
    n_eval_samples : int, keyword-only
    callback : callable, keyword-only
        ``callback(step, params, losses)`` after every completed step.
    progress : bool, keyword-only

    Returns
    -------
    ObjectiveGANRun
        Partial (``interrupted=True``) on Ctrl-C.
    """
    _check_config(config)
    k, b, m = config.n_disc_steps, config.batch_size, config.latent_dim

    def step(state, draw, noise_rng, eps_rng):
        x_real = draw(k * b).reshape(k, b, -1)
        z = noise_rng.standard_normal((k + 1, b, m))
        p, s, losses = objective_gan_update(state[0], state[1], x_real, z, eps_rng.random((k, b)), config)
        return p, s, None, losses

    out, losses, snapshots = train_game(data, config, n_steps, seed, init_d=lambda d, rng: _init_critic(config, d, rng),
                                        step=step, snapshot_steps=snapshot_steps, n_eval_samples=n_eval_samples,
                                        callback=callback, progress=progress, desc=config.objective)
    hist = onp.asarray(losses, dtype=float).reshape(-1, 2)
    return ObjectiveGANRun(config=config, params=out.state[0], opt_states=out.state[1], d_loss=hist[:, 0],
                           g_loss=hist[:, 1], snapshots=snapshots, n_steps=out.n_steps,
                           n_steps_requested=n_steps, interrupted=out.interrupted, seconds=out.seconds)
