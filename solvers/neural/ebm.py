"""An energy-based model trained as a GAN whose generator has an evaluable density.

Model.  An energy network E_θ(x) and a learned log-partition b = log Z define the Boltzmann
density p_θ(x) = exp(−E_θ(x)) / Z.  The sampler q_φ is a Gaussian mixture with diagonal
covariances, learnable weight logits, means and log-scales, so it can be sampled by
reparameterization *and* its density evaluated exactly.

Discriminator (Finn et al. 2016, Section 3.1 with c_θ replaced by the energy, Section 4):

    D(x) = (exp(−E_θ(x))/Z) / (exp(−E_θ(x))/Z + q(x)) = σ(u(x)),
    u(x) = −E_θ(x) − log Z − log q(x)

("a sigmoid with a trainable bias", the input being −E_θ − log q).  Losses (Section 2.1,
the log-probability loss for D and the log-odds loss for the generator):

    L_D(θ, log Z) = E_{x~data}[−log D(x)] + E_{x~q}[−log(1 − D(x))]
                  = E_data softplus(−u) + E_q softplus(u),
    L_G(φ)        = E_{x~q}[log(1 − D(x)) − log D(x)] = E_q[−u]
                  = log Z + E_q[E_θ(x)] + E_q[log q(x)],

so the generator minimizes KL(q ‖ p_θ) and, for a fixed sampler, D's optimum is
exp(−E_θ)/Z = p_data, independent of q.  The losses here are written with autograd; the
default ``backend="fused"`` of :func:`train_ebm` computes the same losses and gradients by hand
(:class:`solvers.neural.ebm_fused.FusedEBM`, the energy network as a
:class:`~solvers.neural.fused.FusedMLP`), and the tests check the two routes against each other.
Nothing here calls ``theory.irl`` (the claims compare).

Expectations over the mixture are *stratified*: for every component k, m reparameterized
draws x_kj = μ_k + s_k ⊙ ε_kj (ε ~ N(0, I)) get the weight w_k / m, so E_q f ≈ ∑_k w_k
mean_j f(x_kj) is unbiased and differentiable in the weights, means and scales alike (no
score-function term for the discrete component choice).

The energy is E_θ(x) = f_θ(x) + ½ ∑ᵢ ((xᵢ − m̂ᵢ)/(c ŝᵢ))²: a tanh MLP f_θ plus a fixed
quadratic confinement, a broad Gaussian fitted once to the data (mean m̂, standard deviation
ŝ per coordinate, widened by c = ``base_scale``).  It makes exp(−E_θ) integrable on ℝᵈ, so the
partition function exists and a quadrature of exp(−E_θ) on a finite box converges.

The sampler is a *defensive mixture*: q = (1 − ε)·(learnable mixture) + ε·(the confinement
Gaussian, fixed), ε = ``defensive_weight``.  Its density is still exact and it still samples
by reparameterization; the fixed component keeps fake samples wherever the model could put
mass, so the discriminator pushes the energy up there.  Without it the network extrapolates
freely where neither the data nor the sampler puts mass and can open spurious low-energy
regions that no finite-sample estimate of Z sees: on the 1-D bimodal target, a run with a
fixed σ₀ = 3 confinement grew such a region near x = 11 and its learned log Z fell 2.6 nats
short of the quadrature; with the data-fitted confinement but ε = 0 and a 2-component
sampler, three seeds of six had log Z 0.13-0.18 nats short (a plateau at x ≈ 3-8).  With
ε = 0.1 the error stayed within ±0.02 (see the claims).

Source: Finn, Christiano, Abbeel & Levine (2016), "A Connection between Generative
Adversarial Networks, Inverse Reinforcement Learning, and Energy-Based Models",
arXiv:1611.03852, Section 2.2 (EBMs), Section 3.1 (the discriminator D_θ), Section 3.2
(discriminator and generator losses; "the generator's loss is exactly equal to the cost
minus the entropy of q"), Section 4 (GANs for training EBMs; the paper writes the
discriminator's output as σ(E_θ(x) − log q(x)) "where σ is a sigmoid with a trainable bias";
with p_θ ∝ exp(−E_θ) the discriminator of Section 3.1 is σ(−E_θ − log Z − log q), which is
what is implemented — we read the paper's sign as shorthand).  Equation numbers of the paper
could not be confirmed; sections are cited.  Defensive mixtures: Hesterberg (1995),
"Weighted average importance sampling and defensive mixture distributions", Technometrics
37(2), Section 3.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import autograd.numpy as np
import numpy as onp
from autograd import value_and_grad
from autograd.tracer import getval

from solvers.neural.ebm_fused import FusedEBM
from solvers.neural.gan import as_sampler, draw_samples
from solvers.neural.mlp import forward, init_mlp, log_sigmoid, softplus
from solvers.neural.optim import OptState
from solvers.neural.training import AnnealedAdam, ConfigDict, LoopRun, check_backend_fields, check_callback, \
    check_network_fields, run_steps
from theory.validation import as_float_array, as_generator, check_instance, check_int, check_positive, \
    check_unit_interval
from theory.deprecation import deprecated_method, module_getattr

__all__ = [
    "EBMConfig",
    "EBMTrainRun",
    "init_ebm",
    "energy_apply",
    "mixture_log_density",
    "mixture_weights",
    "stratified_samples",
    "sample_mixture",
    "ebm_discriminator_logit",
    "ebm_discriminator_loss",
    "ebm_generator_loss",
    "train_ebm",
]

_LOG_2PI = float(onp.log(2.0 * onp.pi))


def _logsumexp(a, axis=None):
    """log ∑ exp(a) along ``axis`` with the max shifted out (the shift is a constant for
    autograd, which leaves the gradient softmax(a) unchanged); a lean replacement for
    ``autograd.scipy.special.logsumexp``, whose per-call overhead dominates small batches."""
    shift = onp.max(getval(a), axis=axis, keepdims=True)
    shift = onp.where(onp.isfinite(shift), shift, 0.0)
    out = np.log(np.sum(np.exp(a - shift), axis=axis, keepdims=True)) + shift
    return np.squeeze(out, axis=axis) if axis is not None else np.reshape(out, ())


@dataclass(frozen=True)
class EBMConfig(AnnealedAdam, ConfigDict):
    """Hyperparameters of :func:`train_ebm`.

    Parameters
    ----------
    hidden : tuple of int
        Hidden widths of the energy MLP f_θ.
    activation : {"tanh", "softplus", "elu", ...}
        Hidden nonlinearity (a bounded one, tanh, keeps f_θ bounded).
    base_scale : float > 0
        c: the confinement is a Gaussian with the data's mean and c times its standard
        deviation per coordinate (see module docstring).
    n_components : int >= 1
        K, components of the Gaussian-mixture sampler.
    lr_energy, lr_sampler : float > 0
        Adam step sizes of (θ, log Z) and of the sampler parameters φ.
    b1, anneal_fraction, anneal_factor
        Adam's β₁ and the late step-size drop (:class:`~solvers.neural.training.AnnealedAdam`).
    batch_size : int >= 1
        Data points per discriminator step.
    samples_per_component : int >= 1
        m, reparameterized draws per mixture component and step (K·m sampler points).
    n_disc_steps : int >= 1
        Discriminator steps per generator step.
    defensive_weight : float in [0, 1)
        ε: the sampler is the mixture (1 − ε)·(learnable components) + ε·(the confinement
        Gaussian, fixed), a defensive mixture that keeps fake samples everywhere the model
        could put mass (see module docstring); 0 disables it.
    init_scale : {"glorot", "he", "lecun"} or float
        Weight initialization of f_θ.
    backend : {"fused", "autograd"}
        Gradients by the hand-written passes of :class:`solvers.neural.ebm_fused.FusedEBM`
        (the default; f_θ as a :class:`~solvers.neural.fused.FusedMLP`) or by autograd on
        :func:`ebm_discriminator_loss` and :func:`ebm_generator_loss` (the independent route);
        the same numbers in float64 up to rounding.
    dtype : {"float64", "float32"}
        Arithmetic of the fused energy network and its optimizer state (the sampler, the
        losses and log Z stay float64; autograd: float64 only).
    """

    LR_FIELDS = ("lr_energy", "lr_sampler")

    hidden: tuple = (32, 32)
    activation: str = "tanh"
    base_scale: float = 1.5
    n_components: int = 3
    lr_energy: float = 3e-3
    lr_sampler: float = 3e-3
    b1: float = 0.5
    batch_size: int = 256
    samples_per_component: int = 64
    n_disc_steps: int = 1
    defensive_weight: float = 0.1
    init_scale: Any = "glorot"
    backend: str = "fused"
    dtype: str = "float64"

    def __post_init__(self) -> None:
        check_network_fields(self)
        check_backend_fields(self)
        check_positive(self.base_scale, "base_scale")
        check_int(self.n_components, "n_components", minimum=1)
        check_int(self.batch_size, "batch_size", minimum=1)
        check_int(self.samples_per_component, "samples_per_component", minimum=1)
        check_int(self.n_disc_steps, "n_disc_steps", minimum=1)
        check_unit_interval(self.defensive_weight, "defensive_weight", open_right=True)
        self.check_annealed_adam()


# ---------------------------------------------------------------------------------------------
# the energy and the sampler
# ---------------------------------------------------------------------------------------------


def energy_apply(energy_params: list, x, base, *, activation: str = "tanh"):
    """E_θ(x) = f_θ(x) + ½ ∑ᵢ ((xᵢ − bᵢ)/σᵢ)², shape (n,), for x of shape (n, d).

    Source: Finn et al. (2016), Section 2.2 (the energy of an EBM); the fixed quadratic
    confinement with centre b = ``base["mean"]`` and scales σ = ``base["std"]`` is ours (see
    the module docstring).  Differentiable by autograd in ``energy_params`` and x.
    """
    f = forward(energy_params, x, activation)[:, 0]
    z = (x - base["mean"]) / base["std"]
    return f + 0.5 * np.sum(z * z, axis=1)


def mixture_weights(sampler_params: dict):
    """w = softmax(logits), shape (K,): the weights of the learnable components."""
    logits = sampler_params["logits"]
    return np.exp(logits - _logsumexp(logits))


def _gaussian_log_density(x, mean, log_s):
    """log N(x; mean_k, diag exp(2 log_s_k)) for every point and component, shape (n, K)."""
    d = mean.shape[1]
    z = (x[:, None, :] - mean[None, :, :]) * np.exp(-log_s)[None, :, :]
    return -0.5 * np.sum(z * z, axis=2) - np.sum(log_s, axis=1)[None, :] - 0.5 * d * _LOG_2PI


def mixture_log_density(sampler_params: dict, x, base: dict | None = None):
    """log q(x) of the sampler, shape (n,).

    q(x) = (1 − ε) ∑_k w_k N(x; μ_k, diag s_k²) + ε N(x; b, diag σ²), where the last, fixed
    "defensive" component is the confinement Gaussian ``base = {"mean": b, "std": σ,
    "defensive_weight": ε}`` (omitted when ``base`` is None or ε = 0).

    Parameters
    ----------
    sampler_params : dict
        ``{"logits": (K,), "means": (K, d), "log_scales": (K, d)}``.
    x : array, shape (n, d)
    base : dict, optional

    Notes
    -----
    Stable far in the tails (log-sum-exp over components); differentiable by autograd in the
    parameters and in x.  A defensive component keeps the importance weights bounded where
    the learnable components have no mass: Hesterberg (1995), "Weighted average importance
    sampling and defensive mixture distributions", Technometrics 37(2), Section 3.
    """
    logits = sampler_params["logits"]
    comp = _gaussian_log_density(x, sampler_params["means"], sampler_params["log_scales"])
    comp = comp + (logits - _logsumexp(logits))[None, :]
    eps = 0.0 if base is None else float(base["defensive_weight"])
    if eps > 0:
        b_mean = onp.asarray(base["mean"])[None, :]
        b_log_s = onp.log(onp.asarray(base["std"]))[None, :]
        fixed = _gaussian_log_density(x, b_mean, b_log_s) + onp.log(eps)
        comp = np.concatenate([comp + onp.log1p(-eps), fixed], axis=1)
    return _logsumexp(comp, axis=1)


def stratified_samples(sampler_params: dict, eps, base: dict | None = None):
    """Reparameterized draws from every component with their expectation weights.

    x_jk = μ_k + s_k ⊙ ε_jk with weight (1 − ε_def) w_k / m for the K learnable components,
    and x_j0 = b + σ ⊙ ε_j,K with weight ε_def / m for the defensive component (when ``base``
    has ``defensive_weight`` ε_def > 0).

    Parameters
    ----------
    eps : array, shape (m, K, d), or (m, K + 1, d) with a defensive component
        Standard normal noise (slot K drives the defensive component).
    base : dict, optional
        ``{"mean", "std", "defensive_weight"}`` as in :func:`mixture_log_density`.

    Returns
    -------
    x : array, shape (m·K', d)
        K' = K or K + 1; row j·K' + k is the j-th draw of component k.
    weights : array, shape (m·K',)
        Summing to 1, differentiable in the logits.
    """
    means, log_s = sampler_params["means"], sampler_params["log_scales"]
    k, d = means.shape
    m = eps.shape[0]
    w = mixture_weights(sampler_params)
    e_def = 0.0 if base is None else float(base["defensive_weight"])
    if e_def > 0:
        if eps.shape[1] != k + 1:
            raise ValueError(f"`eps` must have shape (m, {k + 1}, {d}) with a defensive component")
        learn = means[None, :, :] + np.exp(log_s)[None, :, :] * eps[:, :k, :]
        fixed = onp.asarray(base["mean"])[None, None, :] + onp.asarray(base["std"])[None, None, :] * eps[:, k:, :]
        x = np.concatenate([learn, fixed], axis=1)
        w = np.concatenate([(1.0 - e_def) * w, onp.array([e_def])])
        k += 1
    else:
        x = means[None, :, :] + np.exp(log_s)[None, :, :] * eps[:, :k, :]
    weights = np.reshape(w[None, :] * onp.full((m, 1), 1.0 / m), (m * k,))
    return np.reshape(x, (m * k, d)), weights


def sample_mixture(sampler_params: dict, n: int, seed: Any, base: dict | None = None) -> onp.ndarray:
    """``n`` ancestral draws from q (component first, then a Gaussian), shape (n, d)."""
    n = check_int(n, "n", minimum=0)
    rng = as_generator(seed)
    w = onp.asarray(mixture_weights(sampler_params))
    means = onp.asarray(sampler_params["means"])
    scales = onp.exp(onp.asarray(sampler_params["log_scales"]))
    e_def = 0.0 if base is None else float(base["defensive_weight"])
    if e_def > 0:
        w = onp.r_[(1.0 - e_def) * w, e_def]
        means = onp.vstack([means, onp.asarray(base["mean"])[None, :]])
        scales = onp.vstack([scales, onp.asarray(base["std"])[None, :]])
    comp = rng.choice(w.shape[0], size=n, p=w / w.sum())
    return means[comp] + scales[comp] * rng.standard_normal((n, means.shape[1]))


def init_ebm(config: EBMConfig, data_dim: int, seed: Any, *, data_mean=None, data_std=None) -> dict:
    """Initial parameters of the EBM and its sampler.

    Source: Glorot & Bengio (2010), eq. (16), for the default weight scale of f_θ.

    Parameters
    ----------
    config : EBMConfig
    data_dim : int >= 1
    seed : int, SeedSequence or Generator
    data_mean, data_std : array_like, shape (d,), keyword-only
        Location and spread of the data (defaults 0 and 1): the confinement is centred at
        ``data_mean`` with scales ``base_scale · data_std``; the sampler's means start at
        ``data_mean + data_std · N(0, 1)`` with scales ``data_std`` and equal weights.

    Returns
    -------
    dict
        ``{"energy": MLP (d, *hidden, 1), "log_z": 0-d array (starts at 0), "sampler":
        {"logits" (K,), "means" (K, d), "log_scales" (K, d)}, "base": {"mean" (d,),
        "std" (d,)}}``; "base" is fixed during training.
    """
    check_instance(config, "config", EBMConfig)
    d = check_int(data_dim, "data_dim", minimum=1)
    rng = as_generator(seed)
    mean = onp.zeros(d) if data_mean is None else as_float_array(data_mean, "data_mean").reshape(d)
    std = onp.ones(d) if data_std is None else as_float_array(data_std, "data_std").reshape(d)
    if onp.any(std <= 0):
        raise ValueError(f"`data_std` must be > 0 (got {std.tolist()})")
    k = config.n_components
    energy = init_mlp((d, *config.hidden, 1), rng, scale=config.init_scale)
    sampler = {
        "logits": onp.zeros(k),
        "means": mean[None, :] + std[None, :] * rng.standard_normal((k, d)),
        "log_scales": onp.tile(onp.log(std), (k, 1)),
    }
    base = {"mean": mean.copy(), "std": config.base_scale * std, "defensive_weight": config.defensive_weight}
    return {"energy": energy, "log_z": onp.array(0.0), "sampler": sampler, "base": base}


# ---------------------------------------------------------------------------------------------
# the Finn discriminator and the two losses
# ---------------------------------------------------------------------------------------------


def ebm_discriminator_logit(energy_params: list, log_z, x, log_q, base, *, activation: str = "tanh"):
    """u(x) = −E_θ(x) − log Z − log q(x), so that D(x) = σ(u(x)) = p̃_θ/(p̃_θ + q), shape (n,).

    Source: Finn et al. (2016), Section 3.1 (D_θ) and Section 4 ("a sigmoid with a trainable
    bias", the bias being −log Z).
    """
    return -energy_apply(energy_params, x, base, activation=activation) - log_z - log_q


def ebm_discriminator_loss(energy_params: list, log_z, x_data, log_q_data, x_fake, log_q_fake,
                           fake_weights, base, *, activation: str = "tanh"):
    """L_D = mean_data[−log D] + ∑_fake w [−log(1 − D)] = mean softplus(−u) + ∑ w softplus(u).

    Source: Finn et al. (2016), Section 2.1 (the discriminator's loss) with D_θ of Section 3.1.

    Parameters
    ----------
    energy_params, log_z
        The discriminator's parameters (θ, log Z).
    x_data : (n, d), log_q_data : (n,)
        Data points and the sampler's log-density at them.
    x_fake : (M, d), log_q_fake : (M,), fake_weights : (M,) summing to 1
        Sampler points, their log-density and their expectation weights.
    base : dict
        The confinement ``{"mean", "std"}``.
    """
    n = x_data.shape[0]
    x = np.concatenate([x_data, x_fake], axis=0)  # one forward pass for both batches
    u = ebm_discriminator_logit(energy_params, log_z, x, np.concatenate([log_q_data, log_q_fake]), base,
                                activation=activation)
    return np.mean(softplus(-u[:n])) + np.sum(fake_weights * softplus(u[n:]))


def ebm_generator_loss(sampler_params: dict, energy_params: list, log_z, eps, base, *,
                       activation: str = "tanh"):
    """L_G(φ) = E_q[log(1 − D) − log D] with stratified reparameterized draws (noise ``eps``
    of shape (m, K, d)); equals log Z + E_q[E_θ] + E_q[log q] up to rounding.

    Source: Finn et al. (2016), Section 2.1 (the generator's loss: the discriminator's log
    odds) and Section 3.2 (it equals log Z plus the entropy-regularized sampler loss).
    """
    x, w = stratified_samples(sampler_params, eps, base)
    log_q = mixture_log_density(sampler_params, x, base)
    u = ebm_discriminator_logit(energy_params, log_z, x, log_q, base, activation=activation)
    return np.sum(w * (log_sigmoid(-u) - log_sigmoid(u)))


# ---------------------------------------------------------------------------------------------
# training
# ---------------------------------------------------------------------------------------------


@dataclass
class EBMTrainRun(LoopRun):
    """Outcome of :func:`train_ebm`.

    ``d_loss[t]``, ``g_loss[t]``, ``log_z[t]`` after step t; ``n_steps`` completed steps
    (fewer than requested when ``interrupted``, e.g. by Ctrl-C; the bookkeeping fields are
    :class:`~solvers.neural.training.LoopRun`'s).
    """

    config: EBMConfig
    params: dict
    d_loss: onp.ndarray
    g_loss: onp.ndarray
    log_z: onp.ndarray

    @property
    def learned_log_z(self) -> float:
        """The discriminator's log Z after training."""
        return float(self.params["log_z"])

    def energy(self, x) -> onp.ndarray:
        """E_θ(x), shape (n,), for x of shape (n, d) (or (n,) when d = 1)."""
        return onp.asarray(energy_apply(self.params["energy"], self._points(x), self.params["base"],
                                        activation=self.config.activation))

    def log_q(self, x) -> onp.ndarray:
        """log q_φ(x) of the final sampler, shape (n,)."""
        return onp.asarray(mixture_log_density(self.params["sampler"], self._points(x), self.params["base"]))

    def discriminator(self, x) -> onp.ndarray:
        """D(x) = σ(−E_θ − log Z − log q) of the final parameters, shape (n,)."""
        x = self._points(x)
        u = -self.energy(x) - self.learned_log_z - self.log_q(x)
        return onp.exp(-onp.logaddexp(0.0, -u))

    def sample(self, n: int, seed: Any) -> onp.ndarray:
        """Ancestral draws from the final sampler, shape (n, d)."""
        return sample_mixture(self.params["sampler"], n, seed, self.params["base"])

    def _points(self, x) -> onp.ndarray:
        d = self.params["sampler"]["means"].shape[1]
        arr = as_float_array(x, "x")
        if d == 1 and arr.ndim == 1:
            arr = arr[:, None]
        if arr.ndim != 2 or arr.shape[1] != d:
            raise ValueError(f"`x` must have shape (n, {d}) (got shape {arr.shape})")
        return arr

    def to_dict(self) -> dict:
        sp = self.params["sampler"]
        return {"config": self.config.to_dict(), **self.loop_fields(), "learned_log_z": self.learned_log_z,
                "sampler": {"weights": onp.asarray(mixture_weights(sp)).tolist(),
                            "means": onp.asarray(sp["means"]).tolist(),
                            "scales": onp.exp(onp.asarray(sp["log_scales"])).tolist()},
                "base": {k: onp.asarray(v).tolist() for k, v in self.params["base"].items()},
                "d_loss": self.d_loss.tolist(), "g_loss": self.g_loss.tolist()}

    to_json = deprecated_method("to_dict")


def train_ebm(data: Any, config: EBMConfig, n_steps: int, seed: Any, *,
              callback: Callable | None = None) -> EBMTrainRun:
    """Train the energy-based model against the Gaussian-mixture sampler (alternating steps).

    Each step: ``n_disc_steps`` Adam steps on (θ, log Z) for L_D, each on a fresh data batch
    (B points) and fresh stratified sampler draws (K·m points, weights w_k/m, the sampler
    held fixed), then one Adam step on φ for L_G on fresh noise.  The gradients come from
    ``config.backend``: the hand-written passes of :mod:`solvers.neural.ebm_fused` or
    autograd (the same draws from the same seed either way; the same numbers in float64 up
    to rounding).

    Source: Finn et al. (2016), Section 4 (GANs for training EBMs) with the losses of
    Sections 2.1 and 3.2; Goodfellow et al. (2014), Algorithm 1 (the alternation).

    Parameters
    ----------
    data : object with ``.sample(n, seed)`` or callable ``(n, rng) -> (n, d)``
        The data distribution (fresh minibatches every step), e.g. an
        :class:`~solvers.problems.ebm_densities.EBMDensity`.
    config : EBMConfig
    n_steps : int >= 0
    seed : int, SeedSequence or Generator
        Spawns independent streams for initialization, data and sampler noise.
    callback : callable, keyword-only
        ``callback(step, params)`` after every completed step.

    Returns
    -------
    EBMTrainRun
        On Ctrl-C, the partial result (last completed step) with ``interrupted=True``.

    Raises
    ------
    TypeError, ValueError
        For a bad ``config``, ``data``, ``n_steps`` or ``seed``.

    Notes
    -----
    The confinement and the sampler's initial placement use the mean and standard deviation
    of 1,000 data points drawn from the initialization stream (see :func:`init_ebm`).
    """
    check_instance(config, "config", EBMConfig)
    sampler = as_sampler(data)
    n_steps = check_int(n_steps, "n_steps", minimum=0)
    check_callback(callback)
    rng_init, rng_data, rng_noise = as_generator(seed).spawn(3)
    probe = draw_samples(sampler, 1000, rng_init, "data")
    d = probe.shape[1]
    params = init_ebm(config, d, rng_init, data_mean=probe.mean(axis=0), data_std=probe.std(axis=0))
    base = params["base"]
    k, m, b = config.n_components, config.samples_per_component, config.batch_size
    route = _fused_route if config.backend == "fused" else _autograd_route
    one_step, state, export = route(config, params, n_steps)
    d_hist, g_hist, z_hist = onp.zeros(n_steps), onp.zeros(n_steps), onp.zeros(n_steps)

    def step(t, state):
        opt_d, opt_g = config.optimizers_at(t, n_steps)  # annealed late; the moments carry over
        draws = [(draw_samples(sampler, b, rng_data, "data"), rng_noise.standard_normal((m, k + 1, d)))
                 for _ in range(config.n_disc_steps)]
        state, d_val, g_val, log_z = one_step(state, opt_d, opt_g, draws, rng_noise.standard_normal((m, k + 1, d)))
        d_hist[t], g_hist[t], z_hist[t] = d_val, g_val, log_z
        return state

    def after(n_done, state):
        if callback is not None:
            callback(n_done, {**export(state, copy=False), "base": base})

    out = run_steps(step, state, n_steps, after=after)
    n_done = out.n_steps
    return EBMTrainRun(config=config, params={**export(out.state, copy=True), "base": base},
                       d_loss=d_hist[:n_done], g_loss=g_hist[:n_done], log_z=z_hist[:n_done],
                       n_steps=n_done, n_steps_requested=n_steps, interrupted=out.interrupted,
                       seconds=out.seconds)


def _autograd_route(config: EBMConfig, params: dict, n_steps: int) -> tuple:
    """``(one_step, initial state, export)`` of the autograd backend: value_and_grad of
    :func:`ebm_discriminator_loss` and :func:`ebm_generator_loss`."""
    act, base = config.activation, params["base"]

    def d_objective(dp, x_data, lq_data, x_fake, lq_fake, w_fake):
        return ebm_discriminator_loss(dp["energy"], dp["log_z"], x_data, lq_data, x_fake, lq_fake, w_fake,
                                      base, activation=act)

    def g_objective(sp, dp, eps):
        return ebm_generator_loss(sp, dp["energy"], dp["log_z"], eps, base, activation=act)

    d_grad = value_and_grad(d_objective)
    g_grad = value_and_grad(g_objective)

    def one_step(state, opt_d, opt_g, draws, eps_g):
        dp, sp, state_d, state_g = state
        d_val = 0.0
        for x_data, eps in draws:
            x_fake, w_fake = stratified_samples(sp, eps, base)
            lq = mixture_log_density(sp, onp.concatenate([x_data, x_fake]), base)
            n = x_data.shape[0]
            d_val, grads = d_grad(dp, x_data, lq[:n], x_fake, lq[n:], w_fake)
            dp, state_d = opt_d.update(grads, state_d, dp)
        g_val, g_grads = g_grad(sp, dp, eps_g)
        sp, state_g = opt_g.update(g_grads, state_g, sp)
        return (dp, sp, state_d, state_g), d_val, g_val, float(dp["log_z"])

    def export(state, copy):
        return {"energy": state[0]["energy"], "log_z": state[0]["log_z"], "sampler": state[1]}

    dp = {"energy": params["energy"], "log_z": params["log_z"]}
    opt_d, opt_g = config.optimizers_at(0, n_steps)
    return one_step, (dp, params["sampler"], opt_d.init(dp), opt_g.init(params["sampler"])), export


def _fused_route(config: EBMConfig, params: dict, n_steps: int) -> tuple:
    """``(one_step, initial state, export)`` of the fused backend
    (:class:`~solvers.neural.ebm_fused.FusedEBM`): the discriminator's parameters are the
    leaves ``[flat θ (config.dtype), log Z]``, updated by ``update_leaves`` (the optimizers
    are elementwise, so this is the autograd route's update)."""
    sp0 = params["sampler"]
    engine = FusedEBM(config, sp0["means"].shape[1], params["base"])
    net = engine.energy
    opt_d, opt_g = config.optimizers_at(0, n_steps)
    state_e = net.import_opt_state(opt_d.init(params["energy"]))
    state_z = opt_d.init([params["log_z"]])
    state_d = OptState(0, {key: state_e.slots[key] + state_z.slots[key] for key in state_e.slots})
    leaves_d = [net.import_params(params["energy"], "params['energy']"), onp.asarray(params["log_z"], float)]

    def one_step(state, opt_d, opt_g, draws, eps_g):
        leaves_d, sp, state_d, state_g = state
        d_val = 0.0
        for x_data, eps in draws:
            comps = engine.components(sp)
            x_fake, w_fake = engine.stratified(sp, comps, eps)
            lq = engine.log_q(comps, onp.concatenate([x_data, x_fake]))[0]
            n = x_data.shape[0]
            net.set_flat(leaves_d[0])
            d_val, g_flat, g_z = engine.d_loss_grad(float(leaves_d[1]), x_data, lq[:n], x_fake, lq[n:], w_fake)
            leaves_d, state_d = opt_d.update_leaves([g_flat, onp.asarray(g_z)], state_d, leaves_d)
        net.set_flat(leaves_d[0])
        g_val, g_sp = engine.g_loss_grad(sp, float(leaves_d[1]), eps_g)
        sp, state_g = opt_g.update(g_sp, state_g, sp)
        return (leaves_d, sp, state_d, state_g), d_val, g_val, float(leaves_d[1])

    def export(state, copy):
        energy = net.unflatten(state[0][0], copy=copy)
        if copy:
            energy = [{key: v.astype(float, copy=False) for key, v in layer.items()} for layer in energy]
        return {"energy": energy, "log_z": state[0][1], "sampler": state[1]}

    return one_step, (leaves_d, sp0, state_d, opt_g.init(sp0)), export


# Former names of the run classes, kept as deprecated aliases (theory.deprecation).
__getattr__ = module_getattr(__name__, globals(), {
    'EBMTrainResult': 'EBMTrainRun',
})
