"""EBGAN and BEGAN: GANs whose discriminator is an autoencoder, as small autograd functions;
the training steps run by default on the hand-written passes of :mod:`solvers.neural.ebgan_fused`
(``backend="fused"``), checked against these autograd losses in the tests.

The discriminator is an autoencoder AE = Dec ∘ Enc (two MLPs, (d, *hidden, code_dim) and
(code_dim, *hidden, d)); the generator G_θ(z), z ~ N(0, I_m), is an MLP.

EBGAN (Zhao, Mathieu & LeCun 2017).  The energy is the reconstruction error
D(x) = ‖Dec(Enc(x)) − x‖₂ (their auto-encoder discriminator), trained with the margin (hinge)
losses of eqs. (1)-(2),

    L_D = E_P[D(x)] + E_z[(m − D(G(z)))⁺],      L_G = E_z[D(G(z))] + β f_PT(Enc(G(z))),

with f_PT their optional pulling-away term (the "repelling regularizer").  For a fixed generator the minimizing
energy is, pointwise, 0 where p_data > p_g and at least m where p_data < p_g (their Lemma 1;
:func:`theory.gan_objectives.ebgan_optimal_discriminator`, never called here).

BEGAN (Berthelot, Schumm & Metz 2017).  The autoencoder loss L(v) = mean_j |v_j − AE(v)_j|^η
(Section 3.1, η ∈ {1, 2}), the objective of Section 3.4,

    L_D = L(x) − k_t L(G(z_D)),   L_G = L(G(z_G)),
    k_{t+1} = clip(k_t + λ_k (γ L(x) − L(G(z_G))), 0, 1),

(L(·) averaged over the minibatch) and the convergence measure of Section 3.4.1,
M_global = L(x) + |γ L(x) − L(G(z_G))|, through :func:`theory.gan_training_theory.began_m_global`.
The discriminator and generator gradients of a step are taken at the same parameters and
applied together, and k is updated with that step's losses.

Sources: Zhao, Mathieu & LeCun (2017), "Energy-based Generative Adversarial Networks",
eqs. (1)-(2), the auto-encoder discriminator and the pulling-away term; Berthelot, Schumm & Metz (2017), "BEGAN: Boundary Equilibrium
Generative Adversarial Networks", Sections 3.1, 3.3, 3.4, 3.4.1.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import autograd.numpy as np
import numpy as onp
from autograd import value_and_grad

from solvers.neural.gan_objectives import as_batch, critic_then_generator_step, expect, fixed_or_minibatches, \
    train_game
from solvers.neural.mlp import init_mlp, mlp_apply
from solvers.neural.ebgan_fused import FusedAutoencoderGAN
from solvers.neural.training import AdversarialConfig, FitRun, GeneratorRun, check_backend_fields, check_callback, \
    check_init_params, fit_pytree, spawn_generators
from theory.validation import as_generator, check_int, check_nonnegative, check_positive, \
    check_unit_interval
from theory.gan_training_theory import began_m_global

__all__ = [
    "AutoencoderGANConfig", "init_autoencoder", "reconstruct", "encode", "ebgan_energy",
    "began_reconstruction_loss", "pulling_away_term", "ebgan_discriminator_loss",
    "ebgan_generator_loss", "ebgan_update", "began_update", "EnergyTrainRun",
    "train_ebgan_discriminator", "EBGANRun", "train_ebgan", "BEGANRun", "train_began",
]

#: Floor of ‖r‖² inside the square root: D is exact above 1e-150 and its gradient is finite
#: (0) at a perfect reconstruction, where ‖·‖ has none.
_TINY = 1e-300


@dataclass(frozen=True)
class AutoencoderGANConfig(AdversarialConfig):
    """Hyperparameters of EBGAN and BEGAN (each uses its own fields and the shared ones).

    Parameters
    ----------
    code_dim : int >= 1
        Width of the autoencoder's code Enc(x); ``hidden`` is used by the generator, the
        encoder and (reversed) the decoder.  BEGAN takes one discriminator step per step.
    margin : float > 0
        EBGAN's margin m.
    pt_weight : float >= 0
        EBGAN's weight β of the pulling-away term (0: not used).
    gamma : float in [0, 1]
        BEGAN's diversity ratio γ (Section 3.3).
    lr_k : float > 0
        BEGAN's proportional gain λ_k (0.001 in the paper).
    eta : {1, 2}
        BEGAN's exponent η of the pixel-wise loss.
    k0 : float in [0, 1]
        BEGAN's k_0 (0 in the paper).
    backend : {"fused", "autograd"}
        Gradients by the hand-written passes of :mod:`solvers.neural.ebgan_fused` (the
        default) or by autograd through the losses here (the independent route the tests check
        the fused one against; the same numbers to rounding in float64).
    dtype : {"float64", "float32"}
        Arithmetic of the fused networks; the autograd backend is float64 only.
    **network fields
        Those of :class:`solvers.neural.training.AdversarialConfig`.
    """

    code_dim: int = 1
    margin: float = 1.0
    pt_weight: float = 0.0
    gamma: float = 0.5
    lr_k: float = 0.001
    eta: int = 1
    k0: float = 0.0
    backend: str = "fused"
    dtype: str = "float64"

    def __post_init__(self) -> None:
        check_backend_fields(self)
        super().__post_init__()
        check_int(self.code_dim, "code_dim", minimum=1)
        check_positive(self.margin, "margin")
        check_nonnegative(self.pt_weight, "pt_weight")
        check_unit_interval(self.gamma, "gamma")
        check_positive(self.lr_k, "lr_k")
        if self.eta not in (1, 2) or isinstance(self.eta, bool):
            raise ValueError(f"`eta` must be 1 or 2 (got {self.eta!r})")
        check_unit_interval(self.k0, "k0")


def _check_config(config: Any) -> None:
    if not isinstance(config, AutoencoderGANConfig):
        raise TypeError(f"`config` must be an AutoencoderGANConfig, got {type(config).__name__}")


def init_autoencoder(config: AutoencoderGANConfig, data_dim: int, seed: Any) -> dict:
    """``{"enc": MLP (d, *hidden, code_dim), "dec": MLP (code_dim, *reversed(hidden), d)}``.

    Source: Zhao, Mathieu & LeCun (2017), the auto-encoder discriminator;
    Glorot & Bengio (2010), eq. (16) for the default scale.
    """
    _check_config(config)
    d = check_int(data_dim, "data_dim", minimum=1)
    rng = as_generator(seed)
    return {"enc": init_mlp((d, *config.hidden, config.code_dim), rng, scale=config.init_scale),
            "dec": init_mlp((config.code_dim, *config.hidden[::-1], d), rng, scale=config.init_scale)}


def encode(ae: dict, x, *, activation: str = "tanh"):
    """The code Enc(x), shape (n, code_dim)."""
    return mlp_apply(ae["enc"], x, activation=activation)


def reconstruct(ae: dict, x, *, activation: str = "tanh"):
    """AE(x) = Dec(Enc(x)), shape (n, d)."""
    return mlp_apply(ae["dec"], encode(ae, x, activation=activation), activation=activation)


def _residual(ae, x, activation):
    x = onp.reshape(x, (-1, 1)) if onp.ndim(x) == 1 else x
    return reconstruct(ae, x, activation=activation) - x


def ebgan_energy(ae: dict, x, *, activation: str = "tanh"):
    """D(x) = ‖Dec(Enc(x)) − x‖₂, shape (n,).

    Source: Zhao, Mathieu & LeCun (2017), the auto-encoder discriminator.
    """
    r = _residual(ae, x, activation)
    return np.sqrt(np.maximum(np.sum(r * r, axis=1), _TINY))


def began_reconstruction_loss(ae: dict, x, *, activation: str = "tanh", eta: int = 1):
    """L(v) = mean_j |v_j − AE(v)_j|^η per row, shape (n,).

    Source: Berthelot, Schumm & Metz (2017), Section 3.1.
    """
    r = _residual(ae, x, activation)
    return np.mean(np.abs(r) if eta == 1 else r * r, axis=1)


def pulling_away_term(codes) -> Any:
    """f_PT(S) = 1/(N(N − 1)) Σ_{i ≠ j} (s_iᵀ s_j / (‖s_i‖ ‖s_j‖))² over the N ≥ 2 rows of S.

    Source: Zhao, Mathieu & LeCun (2017), the pulling-away term.  With a one-dimensional code every
    squared cosine is 1 and f_PT = 1 (a constant, no gradient).
    """
    n = onp.shape(codes)[0]
    if n < 2:
        raise ValueError(f"`codes` must hold at least 2 rows (got {n})")
    unit = codes / np.sqrt(np.maximum(np.sum(codes * codes, axis=1, keepdims=True), _TINY))
    cos2 = np.dot(unit, unit.T) ** 2
    return (np.sum(cos2) - np.sum(np.diag(cos2))) / (n * (n - 1))


def ebgan_discriminator_loss(ae: dict, real, fake, config: AutoencoderGANConfig):
    """L_D = E_P[D(x)] + E_Q[(m − D(x))⁺] on arrays (uniform weights) or WeightedPoints.

    Source: Zhao, Mathieu & LeCun (2017), eq. (1) (L_D(x, z) = D(x) + [m − D(G(z))]⁺).
    """
    (xr, wr), (xf, wf) = as_batch(real), as_batch(fake)
    e = ebgan_energy(ae, onp.concatenate([xr, xf], axis=0), activation=config.activation)
    return expect(e[:xr.shape[0]], wr) + expect(np.maximum(config.margin - e[xr.shape[0]:], 0.0), wf)


def ebgan_generator_loss(g_params: list, ae: dict, z, config: AutoencoderGANConfig):
    """L_G = E_z[D(G(z))] + β f_PT(Enc(G(z))) on noise z of shape (n, m).

    Source: Zhao, Mathieu & LeCun (2017), eq. (2) (L_G(z) = D(G(z))) and the pulling-away term.
    """
    act = config.activation
    x = mlp_apply(g_params, z, activation=act)
    loss = np.mean(ebgan_energy(ae, x, activation=act))
    if config.pt_weight > 0:
        loss = loss + config.pt_weight * pulling_away_term(encode(ae, x, activation=act))
    return loss


@functools.lru_cache(maxsize=16)
def _engine(config: AutoencoderGANConfig, dim: int) -> FusedAutoencoderGAN:
    return FusedAutoencoderGAN(config, dim)


def _d_grad(config, dim):
    """``(ae, real, fake) -> (L_D, gradient)`` of ``config.backend``."""
    if config.backend == "fused":
        engine = _engine(config, dim)
        return lambda ae, r, f: engine.ebgan_d_value_and_grad(ae, *as_batch(r), *as_batch(f))
    return value_and_grad(lambda ae, r, f: ebgan_discriminator_loss(ae, r, f, config))


def _check_shapes(x_real, z, k, m):
    x_real, z = onp.asarray(x_real, dtype=onp.float64), onp.asarray(z, dtype=onp.float64)
    if x_real.ndim != 3 or x_real.shape[0] != k:
        raise ValueError(f"`x_real` must have shape ({k}, B, d) (got shape {x_real.shape})")
    if z.ndim != 3 or z.shape[0] != k + 1 or z.shape[2] != m:
        raise ValueError(f"`z` must have shape ({k + 1}, B, {m}) (got shape {z.shape})")
    return x_real, z


def ebgan_update(params: dict, opt_states: dict, x_real, z, config: AutoencoderGANConfig
                 ) -> tuple[dict, dict, tuple[float, float]]:
    """One EBGAN step: k = ``n_disc_steps`` discriminator steps on (x_real[i], G(z[i])), then
    one generator step on z[k] against the updated autoencoder.

    ``params = {"g": MLP, "d": autoencoder}``; ``x_real`` (k, B, d); ``z`` (k + 1, B, m).
    Returns new params and states (inputs untouched) and the last (L_D, L_G), each at the
    parameters its gradient was taken at.
    """
    k = config.n_disc_steps
    x_real, z = _check_shapes(x_real, z, k, config.latent_dim)
    d_grad = _d_grad(config, x_real.shape[2])
    fused = _engine(config, x_real.shape[2]) if config.backend == "fused" else None
    return critic_then_generator_step(params, opt_states, x_real, z, config,
                                      critic_value_and_grad=lambda i, ae, r, f: d_grad(ae, r, f),
                                      generator_loss=ebgan_generator_loss,
                                      generator_value_and_grad=None if fused is None else
                                      (lambda g, ae, zz, cfg: fused.ebgan_g_value_and_grad(g, ae, zz)),
                                      generate=None if fused is None else fused.generate)


def _began_d_loss(ae, x_real, x_fake, k, config):
    both = began_reconstruction_loss(ae, onp.concatenate([x_real, x_fake], axis=0),
                                     activation=config.activation, eta=config.eta)
    return np.mean(both[:x_real.shape[0]]) - k * np.mean(both[x_real.shape[0]:])


def _began_g_loss(g, ae, z, config):
    x = mlp_apply(g, z, activation=config.activation)
    return np.mean(began_reconstruction_loss(ae, x, activation=config.activation, eta=config.eta))


def began_update(params: dict, opt_states: dict, k: float, x_real, z_d, z_g,
                 config: AutoencoderGANConfig) -> tuple[dict, dict, float, dict]:
    """One BEGAN step: both gradients at (θ, ψ, k_t), applied together, then the k_t update.

    Source: Berthelot, Schumm & Metz (2017), Section 3.4 (L_D, L_G and the k_t update,
    k_t ∈ [0, 1]).

    Parameters
    ----------
    params, opt_states : dict
        ``{"g": MLP, "d": autoencoder}`` and their optimizer states.
    k : float in [0, 1]
        k_t.
    x_real : ndarray, shape (B, d)
    z_d, z_g : ndarray, shape (B, m)
        The noise of the discriminator's fakes and of the generator's loss.
    config : AutoencoderGANConfig

    Returns
    -------
    params, opt_states : new dicts
    k_next : float
        clip(k_t + λ_k(γ L(x) − L(G(z_G))), 0, 1).
    losses : dict
        ``l_real`` = L(x), ``l_fake_d`` = L(G(z_D)), ``l_fake`` = L(G(z_G)), ``d_loss``,
        all at the parameters before the update.
    """
    k = check_unit_interval(k, "k")
    x_real, z_d, z_g = (onp.asarray(a, dtype=onp.float64) for a in (x_real, z_d, z_g))
    opt_g, opt_d = config.optimizers()
    g, ae = params["g"], params["d"]
    if config.backend == "fused":
        losses, d_grads, g_grads = _engine(config, x_real.shape[1]).began_grads(g, ae, k, x_real, z_d, z_g)
        l_real, l_fake_d, l_fake, d_loss = (losses[key] for key in ("l_real", "l_fake_d", "l_fake", "d_loss"))
    else:
        x_fake = onp.asarray(mlp_apply(g, z_d, activation=config.activation))
        both = began_reconstruction_loss(ae, onp.concatenate([x_real, x_fake], axis=0),
                                         activation=config.activation, eta=config.eta)
        l_real, l_fake_d = float(onp.mean(both[:x_real.shape[0]])), float(onp.mean(both[x_real.shape[0]:]))
        d_loss, d_grads = value_and_grad(_began_d_loss)(ae, x_real, x_fake, k, config)
        l_fake, g_grads = value_and_grad(_began_g_loss)(g, ae, z_g, config)
    ae, state_d = opt_d.update(d_grads, opt_states["d"], ae)
    g, state_g = opt_g.update(g_grads, opt_states["g"], g)
    l_fake = float(l_fake)
    k_next = min(1.0, max(0.0, k + config.lr_k * (config.gamma * l_real - l_fake)))
    return ({"g": g, "d": ae}, {"g": state_g, "d": state_d}, k_next,
            {"l_real": l_real, "l_fake_d": float(l_fake_d), "l_fake": l_fake, "d_loss": float(d_loss)})


# ---------------------------------------------------------------------------------------------
# training loops
# ---------------------------------------------------------------------------------------------


@dataclass
class EnergyTrainRun(FitRun):
    """Outcome of :func:`train_ebgan_discriminator` (``params``: the autoencoder)."""

    def energy(self, x) -> onp.ndarray:
        """The learned D(x) = ‖AE(x) − x‖, shape (n,)."""
        return onp.asarray(ebgan_energy(self.params, x, activation=self.config.activation))


def train_ebgan_discriminator(real: Any, fake: Any, config: AutoencoderGANConfig, n_steps: int, seed: Any, *,
                              solver: str = "optimizer", tol: float = 1e-10, init_params: dict | None = None,
                              callback: Callable | None = None, progress: bool = False) -> EnergyTrainRun:
    """Train EBGAN's autoencoder alone, data ``real`` against a fixed generator ``fake``.

    Source: Zhao, Mathieu & LeCun (2017), eq. (1) (L_D) and the auto-encoder energy.

    Parameters
    ----------
    real, fake : WeightedPoints (deterministic objective) or samplers (minibatches of B)
    config : AutoencoderGANConfig
    n_steps : int >= 0
    seed : int, SeedSequence or Generator
        Spawned streams: initialization, real, fake.
    solver, tol, callback, progress : keyword-only
        As :func:`solvers.neural.training.fit_pytree` (``"lbfgs"`` needs WeightedPoints).
    init_params : dict, keyword-only
        Start from this autoencoder.

    Returns
    -------
    EnergyTrainRun
    """
    _check_config(config)
    n_steps = check_int(n_steps, "n_steps", minimum=0)
    check_callback(callback)
    init_rng, *rngs = spawn_generators(seed, 4)  # initialization, real, fake, (unused) ε
    dim, fixed, batch = fixed_or_minibatches(real, fake, config.batch_size, rngs)
    ae = check_init_params(init_params, init_autoencoder(config, dim, init_rng))
    d_grad = _d_grad(config, dim)
    if batch is None:
        fun = lambda p, _: d_grad(p, fixed[0], fixed[1])  # noqa: E731
    else:
        fun = lambda p, bt: d_grad(p, bt[0], bt[1])  # noqa: E731
    out = fit_pytree(fun, ae, n_steps, solver=solver, optimizer=config.optimizers()[1], batch=batch, tol=tol,
                     callback=callback, progress=progress)
    return EnergyTrainRun.from_outcome(config, out, solver, n_steps)


@dataclass
class EBGANRun(GeneratorRun):
    """Outcome of :func:`train_ebgan` (``config`` an :class:`AutoencoderGANConfig`)."""

    def energy(self, x) -> onp.ndarray:
        """The final energy D(x), shape (n,)."""
        return onp.asarray(ebgan_energy(self.params["d"], x, activation=self.config.activation))


@dataclass
class BEGANRun(EBGANRun):
    """Outcome of :func:`train_began`: besides :class:`EBGANRun`'s fields (``d_loss`` = L_D,
    ``g_loss`` = L_G = L(G(z_G))), ``k`` (k_0, ..., k_n), ``l_real`` = L(x) and ``m_global``
    per step."""

    k: onp.ndarray = None
    l_real: onp.ndarray = None
    m_global: onp.ndarray = None

    def to_dict(self) -> dict:
        return {**super().to_dict(), "k": self.k.tolist(), "l_real": self.l_real.tolist(),
                "m_global": self.m_global.tolist()}


def train_ebgan(data: Any, config: AutoencoderGANConfig, n_steps: int, seed: Any, *,
                snapshot_steps: Sequence[int] = (), n_eval_samples: int = 10_000,
                callback: Callable | None = None, progress: bool = False) -> EBGANRun:
    """Train EBGAN for ``n_steps`` steps of :func:`ebgan_update` (fresh minibatches each step).

    Source: Zhao, Mathieu & LeCun (2017), eqs. (1)-(2), the auto-encoder discriminator.

    Parameters
    ----------
    data : sampler or object with ``.sample(n, seed)``
    config : AutoencoderGANConfig
    n_steps : int >= 0
    seed : int, SeedSequence or Generator
        Spawned streams, see :func:`solvers.neural.gan_objectives.train_game`.
    snapshot_steps, n_eval_samples, callback, progress : keyword-only
        As :func:`solvers.neural.gan_objectives.train_objective_gan`; ``callback(step,
        params, (L_D, L_G))``.

    Returns
    -------
    EBGANRun
        Partial (``interrupted=True``) on Ctrl-C.
    """
    _check_config(config)

    def step(state, draw, noise_rng, _):
        k, b, m = config.n_disc_steps, config.batch_size, config.latent_dim
        x_real = draw(k * b).reshape(k, b, -1)
        p, s, losses = ebgan_update(state[0], state[1], x_real, noise_rng.standard_normal((k + 1, b, m)), config)
        return p, s, None, losses

    out, records, snapshots = train_game(data, config, n_steps, seed, init_d=lambda d, rng: init_autoencoder(
        config, d, rng), step=step, snapshot_steps=snapshot_steps, n_eval_samples=n_eval_samples, callback=callback,
        progress=progress, desc="EBGAN")
    hist = onp.asarray(records, dtype=float).reshape(-1, 2)
    return EBGANRun(config=config, params=out.state[0], opt_states=out.state[1], d_loss=hist[:, 0],
                    g_loss=hist[:, 1], snapshots=snapshots, n_steps=out.n_steps, n_steps_requested=n_steps,
                    interrupted=out.interrupted, seconds=out.seconds)


def train_began(data: Any, config: AutoencoderGANConfig, n_steps: int, seed: Any, *,
                snapshot_steps: Sequence[int] = (), n_eval_samples: int = 10_000,
                callback: Callable | None = None, progress: bool = False) -> BEGANRun:
    """Train BEGAN for ``n_steps`` steps of :func:`began_update`, starting at k_0 = ``config.k0``.

    Source: Berthelot, Schumm & Metz (2017), Sections 3.4 and 3.4.1.

    Parameters
    ----------
    As :func:`train_ebgan`; ``callback(step, params, losses)`` with the dict of
    :func:`began_update`.

    Returns
    -------
    BEGANRun
        ``k``, ``l_real``, ``g_loss`` = L(G(z_G)) and ``m_global`` per step; partial on Ctrl-C.
    """
    _check_config(config)

    def step(state, draw, noise_rng, _):
        b, m = config.batch_size, config.latent_dim
        z = noise_rng.standard_normal((2, b, m))
        p, s, k_next, losses = began_update(state[0], state[1], state[2], draw(b), z[0], z[1], config)
        return p, s, k_next, dict(losses, k=k_next)

    out, records, snapshots = train_game(data, config, n_steps, seed, init_d=lambda d, rng: init_autoencoder(
        config, d, rng), step=step, extra=config.k0, snapshot_steps=snapshot_steps, n_eval_samples=n_eval_samples,
        callback=callback, progress=progress, desc="BEGAN")

    def col(key):
        return onp.asarray([r[key] for r in records], dtype=float)

    l_real, l_fake = col("l_real"), col("l_fake")
    m_global = onp.asarray(began_m_global(l_real, l_fake, gamma=config.gamma), dtype=float).reshape(-1) \
        if records else onp.zeros(0)
    return BEGANRun(config=config, params=out.state[0], opt_states=out.state[1], d_loss=col("d_loss"),
                    g_loss=l_fake, snapshots=snapshots, k=onp.concatenate([[config.k0], col("k")]),
                    l_real=l_real, m_global=m_global, n_steps=out.n_steps, n_steps_requested=n_steps,
                    interrupted=out.interrupted, seconds=out.seconds)
