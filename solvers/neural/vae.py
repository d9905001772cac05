"""A variational auto-encoder with a Gaussian encoder, trained by the reparameterized ELBO.

Model (Kingma & Welling 2014, Section 3 and Appendix C.2): a prior p(z) = N(0, I_k), a decoder
p_θ(x | z) = N(x; f_θ(z), σ² I_d) with f_θ an MLP (``decoder_hidden=()`` makes it linear,
f(z) = Wᵀ z + b in the MLP's row layout) and a learned noise level σ = exp(log_sigma); an encoder
q_φ(z | x) = N(μ_φ(x), diag s_φ(x)²), one MLP giving (μ, log s) (``encoder_hidden=()`` makes
it linear).  With ``encoder_std="constant"`` the standard deviations are one learned vector s,
the same for every x (the linear VAE's encoder, q(z | x) = N(V x + c, diag s²), of Lucas et al.
2019), and the MLP gives μ alone.

The per-point bound is estimated from L draws z_l = μ + s ⊙ ε_l, ε_l ~ N(0, I_k)
(the reparameterization of Section 2.4):

- ``kl="analytic"`` (estimator B, eq. (7), written out for Gaussians in eq. (10)):
  L̃(x) = −KL(q ‖ N(0, I)) + (1/L) Σ_l log p_θ(x | z_l), with the KL of Appendix B,
  −KL = ½ Σ_j (1 + log s_j² − μ_j² − s_j²);
- ``kl="sampled"`` (estimator A, eq. (6)): L̃(x) = (1/L) Σ_l [log p(z_l) + log p_θ(x | z_l)
  − log q_φ(z_l | x)].

Training ascends the minibatch mean of L̃ (Algorithm 1: minibatch, fresh ε, a gradient step on
all parameters (θ, φ, σ) together), here with the optimizers of :mod:`solvers.neural.optim`
and an optional geometric step-size decay from ``lr`` to ``lr_final`` (it shrinks the stationary
noise of the ε draws, so the iterate approaches a stationary point of the exact ELBO).

With a linear decoder and encoder this is the linear VAE of Lucas, Tucker, Grosse & Norouzi
(2019), whose ELBO maximum is probabilistic PCA's maximum-likelihood solution (they show that
the linear VAE's ELBO adds no spurious local maxima to pPCA's log marginal likelihood and that
exact variational inference recovers its global maximum; Tipping & Bishop 1999, Section 3.2):
the tests compare the learned W Wᵀ + σ² I with the eigendecomposition of the sample covariance,
which is never used here.

Gradients come from ``VAEConfig.backend``: the hand-written passes of :class:`FusedVAE` (the
default; both networks as :class:`~solvers.neural.fused.FusedMLP`) or autograd on the estimator
(the independent route); the tests check the two against each other.

Sources: Kingma & Welling (2014), "Auto-Encoding Variational Bayes", eqs. (6), (7), (10),
Section 2.4, Algorithm 1, Appendix B; Lucas et al. (2019), "Don't Blame the ELBO! A Linear VAE
Perspective on Posterior Collapse"; Tipping & Bishop (1999), "Probabilistic Principal Component
Analysis".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import autograd.numpy as np
import numpy as onp
from autograd import value_and_grad
from autograd.tracer import getval

from solvers.neural.fused import FusedMLP
from solvers.neural.mlp import ACTIVATIONS, forward, init_mlp, mlp_sizes
from solvers.neural.optim import OptState, make_optimizer, tree_norm
from solvers.neural.training import BACKENDS, ConfigDict, LoopRun, check_callback, check_network_fields, \
    check_optimizer_fields, run_steps
from theory.validation import as_float_array, as_generator, check_in, check_instance, check_int, \
    check_positive, check_unit_interval

__all__ = [
    "VAEConfig",
    "FusedVAE",
    "KL_ESTIMATORS",
    "ENCODER_STDS",
    "init_vae",
    "vae_encode",
    "vae_decode",
    "decoder_sigma",
    "elbo_estimate",
    "vae_loss",
    "vae_update",
    "VAERun",
    "train_vae",
]

#: The two estimators of the bound: the KL term in closed form ("analytic", eq. (7)/(10)) or
#: sampled with the rest of the integrand ("sampled", eq. (6)).
KL_ESTIMATORS = ("analytic", "sampled")

#: The encoder's standard deviations: outputs of the MLP ("amortized", Kingma & Welling eq. (9))
#: or one learned vector for all x ("constant", the linear VAE of Lucas et al. 2019).
ENCODER_STDS = ("amortized", "constant")

_LOG_2PI = float(onp.log(2.0 * onp.pi))


@dataclass(frozen=True)
class VAEConfig(ConfigDict):
    """Hyperparameters of the VAE.

    Parameters
    ----------
    latent_dim : int >= 1
        k, the dimension of z.
    encoder_hidden, decoder_hidden : tuple of int
        Hidden widths of the two MLPs; ``()`` makes that network affine (the linear VAE).
    encoder_std : {"amortized", "constant"}
        Where the encoder's standard deviations come from (see :data:`ENCODER_STDS`).
    activation : {"tanh", "relu", "leaky_relu", "elu", "softplus"}
        Hidden nonlinearity of both networks.
    lr : float > 0
        Initial step size.
    lr_final : float > 0 or None
        When given, the step size stays at ``lr`` for the first ``decay_start`` fraction of the
        steps of :func:`train_vae`, then decays geometrically to ``lr_final`` at the last step;
        ``None`` keeps ``lr``.
    decay_start : float in [0, 1)
        See ``lr_final``.
    optimizer : {"sgd", "momentum", "rmsprop", "adam"}
        With ``optimizer_kwargs`` (a dict or pairs) for its constructor.
    batch_size : int >= 1 or None
        Data points per step, drawn without replacement; ``None`` (or a size >= n) uses the
        whole data set every step.
    n_mc : int >= 1
        L, the draws of ε per data point and step.
    kl : {"analytic", "sampled"}
        The estimator (see :data:`KL_ESTIMATORS`).
    init_sigma : float > 0
        Initial decoder noise σ.
    learn_sigma : bool
        Train log σ with the networks (``False`` keeps ``init_sigma``).
    init_scale : {"glorot", "he", "lecun"} or float
        Weight initialization (:func:`solvers.neural.mlp.init_mlp`).
    backend : {"fused", "autograd"}
        Gradients by the hand-written passes of :class:`FusedVAE` (the default; both networks as
        :class:`~solvers.neural.fused.FusedMLP`) or by autograd on :func:`elbo_estimate`'s
        integrand (the independent route); the same numbers in float64 up to rounding.
    """

    latent_dim: int = 1
    encoder_hidden: tuple = ()
    decoder_hidden: tuple = ()
    encoder_std: str = "amortized"
    activation: str = "tanh"
    lr: float = 1e-2
    lr_final: Any = None
    decay_start: float = 0.0
    optimizer: str = "adam"
    optimizer_kwargs: Any = ()
    batch_size: Any = None
    n_mc: int = 1
    kl: str = "analytic"
    init_sigma: float = 1.0
    learn_sigma: bool = True
    init_scale: Any = "glorot"
    backend: str = "fused"

    def __post_init__(self) -> None:
        check_in(self.backend, "backend", BACKENDS)
        check_int(self.latent_dim, "latent_dim", minimum=1)
        check_network_fields(self, hidden=("encoder_hidden", "decoder_hidden"))
        check_in(self.encoder_std, "encoder_std", ENCODER_STDS)
        check_optimizer_fields(self, ("lr",))
        if self.lr_final is not None:
            check_positive(self.lr_final, "lr_final")
        check_unit_interval(self.decay_start, "decay_start", open_right=True)
        if self.batch_size is not None:
            check_int(self.batch_size, "batch_size", minimum=1)
        check_int(self.n_mc, "n_mc", minimum=1)
        check_in(self.kl, "kl", KL_ESTIMATORS)
        check_positive(self.init_sigma, "init_sigma")
        if not isinstance(self.learn_sigma, bool):
            raise TypeError(f"`learn_sigma` must be a bool, got {type(self.learn_sigma).__name__}")

    def optimizer_at(self, lr: float):
        """The (stateless) optimizer of this configuration with step size ``lr``."""
        return make_optimizer(self.optimizer, lr, **dict(self.optimizer_kwargs))


# ---------------------------------------------------------------------------------------------
# parameters and networks
# ---------------------------------------------------------------------------------------------


def init_vae(config: VAEConfig, data_dim: int, seed: Any) -> dict:
    """Initial parameters.

    ``{"enc": MLP (d, *encoder_hidden, 2k), "dec": MLP (k, *decoder_hidden, d), "log_sigma":
    array ()}`` for an amortized encoder; with ``encoder_std="constant"`` the encoder MLP ends
    in k outputs and ``"log_std"`` (k,) holds log s (initially 0).  Biases start at 0, so
    μ(0) = 0 and s(0) = 1.

    Source: Glorot & Bengio (2010), eq. (16) for the default weight scale.
    """
    check_instance(config, "config", VAEConfig)
    d = check_int(data_dim, "data_dim", minimum=1)
    rng_enc, rng_dec = as_generator(seed).spawn(2)
    k = config.latent_dim
    amortized = config.encoder_std == "amortized"
    params = {
        "enc": init_mlp((d, *config.encoder_hidden, 2 * k if amortized else k), rng_enc, scale=config.init_scale),
        "dec": init_mlp((k, *config.decoder_hidden, d), rng_dec, scale=config.init_scale),
        "log_sigma": onp.array(onp.log(config.init_sigma)),
    }
    if not amortized:
        params["log_std"] = onp.zeros(k)
    return params


def _check_params(params: Any) -> tuple[int, int]:
    """(d, k) of a parameter dict from :func:`init_vae`; a named error otherwise."""
    if not isinstance(params, dict) or not ({"enc", "dec", "log_sigma"} <= set(params) <=
                                            {"enc", "dec", "log_sigma", "log_std"}):
        raise TypeError("`params` must be a dict with keys 'enc', 'dec', 'log_sigma' (and 'log_std' "
                        "for a constant encoder std), see init_vae")
    enc, dec = mlp_sizes(params["enc"]), mlp_sizes(params["dec"])
    d, k = enc[0], dec[0]
    out = k if "log_std" in params else 2 * k
    if enc[-1] != out or dec[-1] != d:
        raise ValueError(f"`params` encoder sizes {enc} and decoder sizes {dec} do not match: the "
                         f"encoder must map d to {'k' if out == k else '2k'} and the decoder k to d")
    if onp.shape(params["log_sigma"]) != ():
        raise ValueError("`params['log_sigma']` must be a scalar")
    if "log_std" in params and onp.shape(params["log_std"]) != (k,):
        raise ValueError(f"`params['log_std']` must have shape ({k},)")
    return d, k


def _rows(x: Any, width: int, name: str) -> onp.ndarray:
    x = as_float_array(x, name)
    if x.ndim == 1 and width == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[1] != width:
        raise ValueError(f"`{name}` must have shape (n, {width}) (got shape {x.shape})")
    return x


def _encode(params, x, act):
    """(μ, log s), each (n, k)."""
    out = forward(params["enc"], x, act)
    if "log_std" in params:
        return out, np.zeros_like(out) + params["log_std"]
    k = out.shape[1] // 2
    return out[:, :k], out[:, k:]


def vae_encode(params: dict, x, *, activation: str = "tanh") -> tuple[onp.ndarray, onp.ndarray]:
    """The encoder's q(z | x) = N(mean, diag std²) for each row of x.

    Source: Kingma & Welling (2014), eq. (9) (a diagonal Gaussian whose mean and log standard
    deviation are outputs of an MLP) and Appendix C.2; Lucas et al. (2019) (one std vector
    for all x).

    Parameters
    ----------
    params : dict from :func:`init_vae`
    x : array_like, shape (n, d)
    activation : str, keyword-only

    Returns
    -------
    mean, std : ndarray, shape (n, k)
    """
    check_in(activation, "activation", tuple(ACTIVATIONS))
    d, _ = _check_params(params)
    mean, log_std = _encode(params, _rows(x, d, "x"), activation)
    return onp.asarray(mean), onp.exp(onp.asarray(log_std))


def vae_decode(params: dict, z, *, activation: str = "tanh") -> onp.ndarray:
    """The decoder mean f_θ(z), shape (n, d), for z of shape (n, k).

    Source: Kingma & Welling (2014), Appendix C.2 (Gaussian MLP decoder).
    """
    check_in(activation, "activation", tuple(ACTIVATIONS))
    _, k = _check_params(params)
    return onp.asarray(forward(params["dec"], _rows(z, k, "z"), activation))


def decoder_sigma(params: dict) -> float:
    """σ = exp(log_sigma), the decoder's noise standard deviation."""
    _check_params(params)
    return float(onp.exp(params["log_sigma"]))


# ---------------------------------------------------------------------------------------------
# the bound
# ---------------------------------------------------------------------------------------------


def _elbo_terms(params, x, eps, act, kl, learn_sigma=True):
    """Per-point estimates L̃(x), shape (n,), for x (n, d) and eps (n, L, k); with
    ``learn_sigma=False`` log σ is read as a constant (its gradient is 0)."""
    n, n_mc, k = eps.shape
    d = x.shape[1]
    mean, log_std = _encode(params, x, act)
    std = np.exp(log_std)
    z = mean[:, None, :] + std[:, None, :] * eps                      # (n, L, k)
    recon = forward(params["dec"], np.reshape(z, (n * n_mc, k)), act)
    resid = np.reshape(recon, (n, n_mc, d)) - x[:, None, :]
    log_sigma = params["log_sigma"] if learn_sigma else getval(params["log_sigma"])
    log_lik = -0.5 * d * _LOG_2PI - d * log_sigma - 0.5 * np.sum(resid ** 2, axis=2) * np.exp(-2.0 * log_sigma)
    if kl == "analytic":
        # Appendix B: -KL(N(μ, diag s²) ‖ N(0, I)) = ½ Σ_j (1 + log s_j² − μ_j² − s_j²)
        neg_kl = 0.5 * np.sum(1.0 + 2.0 * log_std - mean ** 2 - std ** 2, axis=1)
        return neg_kl + np.mean(log_lik, axis=1)
    # eq. (6): log p(z) − log q(z | x) at the draw; (z − μ)/s = ε exactly
    log_prior = -0.5 * k * _LOG_2PI - 0.5 * np.sum(z ** 2, axis=2)
    log_q = -0.5 * k * _LOG_2PI - np.sum(log_std, axis=1)[:, None] - 0.5 * np.sum(eps ** 2, axis=2)
    return np.mean(log_lik + log_prior - log_q, axis=1)


def _check_eps(eps: Any, n: int, k: int) -> onp.ndarray:
    eps = as_float_array(eps, "eps")
    if eps.ndim == 2:
        eps = eps[:, None, :]
    if eps.ndim != 3 or eps.shape[0] != n or eps.shape[2] != k or eps.shape[1] < 1:
        raise ValueError(f"`eps` must have shape ({n}, L, {k}) with L >= 1 (got shape {eps.shape})")
    return eps


def elbo_estimate(params: dict, x, eps, config: VAEConfig) -> onp.ndarray:
    """Per-point reparameterized estimates of the ELBO, shape (n,), from given noise.

    L̃(x_i) from the draws z_il = μ(x_i) + s(x_i) ⊙ eps[i, l] with ``config.kl`` choosing
    eq. (7)/(10) (``"analytic"``) or eq. (6) (``"sampled"``); unbiased for the ELBO
    E_q[log p(x, z) − log q(z | x)] when eps ~ N(0, I).

    Source: Kingma & Welling (2014), eqs. (6), (7), (10) and Section 2.4.

    Parameters
    ----------
    params : dict from :func:`init_vae`
    x : array_like, shape (n, d)
    eps : array_like, shape (n, L, k) (or (n, k) for L = 1)
    config : VAEConfig
        Uses ``activation`` and ``kl``.

    Returns
    -------
    ndarray, shape (n,)
        In nats.
    """
    check_instance(config, "config", VAEConfig)
    d, k = _check_params(params)
    x = _rows(x, d, "x")
    eps = _check_eps(eps, x.shape[0], k)
    return onp.asarray(_elbo_terms(params, x, eps, config.activation, config.kl))


def _loss(params, x, eps, act, kl, learn_sigma):
    return -np.mean(_elbo_terms(params, x, eps, act, kl, learn_sigma))


_loss_and_grad = value_and_grad(_loss)


def vae_loss(params: dict, x, eps, config: VAEConfig) -> float:
    """The minibatch loss −(1/n) Σ_i L̃(x_i) (minimized), from given noise.

    Source: Kingma & Welling (2014), eq. (8) (the minibatch estimator, here divided by n).
    """
    return float(-onp.mean(elbo_estimate(params, x, eps, config)))


def vae_update(params: dict, opt_state: OptState, x, eps, config: VAEConfig, *,
               lr: float | None = None) -> tuple[dict, OptState, float, float]:
    """One step of Algorithm 1 on an explicit minibatch x (n, d) and noise eps (n, L, k).

    Source: Kingma & Welling (2014), Algorithm 1 (gradient of the minibatch estimator, then
    an update of all parameters; here with ``config.optimizer``).  The gradient comes from
    ``config.backend`` (:class:`FusedVAE` or autograd; the same numbers in float64 up to
    rounding).

    Returns
    -------
    params : dict (new; the inputs are not modified)
    opt_state : OptState
    loss : float
        −mean L̃ at the parameters the gradient was taken at.
    grad_norm : float
        Euclidean norm of that stochastic gradient (over every trained parameter).
    """
    check_instance(config, "config", VAEConfig)
    d, k = _check_params(params)
    x = _rows(x, d, "x")
    eps = _check_eps(eps, x.shape[0], k)
    opt = config.optimizer_at(config.lr if lr is None else check_positive(lr, "lr"))
    if config.backend == "fused":
        engine = FusedVAE(config, d)
        leaves = engine.import_params(params)
        loss, grads = engine.loss_grad(leaves, x, eps)
        new_leaves, state = opt.update_leaves(grads, engine.import_opt_state(opt_state, params), leaves)
        return (engine.export_params(new_leaves, params), engine.export_opt_state(state, params), loss,
                float(onp.sqrt(sum(float(onp.vdot(g, g)) for g in grads))))
    loss, grads = _loss_and_grad(params, x, eps, config.activation, config.kl, config.learn_sigma)
    new_params, opt_state = opt.update_unchecked(grads, opt_state, params)
    return new_params, opt_state, float(loss), tree_norm(grads)


class FusedVAE:
    """The VAE's loss and gradient with hand-written derivatives (``backend="fused"``).

    Both networks are :class:`~solvers.neural.fused.FusedMLP`; the parameters are the leaves
    ``[flat encoder, flat decoder, log σ, (log s)]``.  With c = 1/(nL), a = e^{−2 log σ} and
    the residuals r_il = f(z_il) − x_i of the loss −(1/n) Σ_i L̃(x_i) (module docstring):

    - ∂/∂f(z_il) = a c r_il, chained through the decoder to ḡ_z (``FusedMLP.backward``);
      ``kl="sampled"`` adds c z_il (from −log p(z) = ½|z|² + const);
    - ∂/∂μ_i = Σ_l ḡ_z,il and ∂/∂log s_i = s_i ⊙ Σ_l ḡ_z,il ⊙ ε_il (z = μ + s ⊙ ε), plus the
      KL term: μ_i/n and (s_i² − 1)/n (analytic, from Appendix B) or −1/n (sampled, from
      log q = −Σ log s − ½|ε|² + const);
    - ∂/∂log σ = d − a c Σ_il |r_il|² (0 with ``learn_sigma=False``);
    - (μ, log s) chained through the encoder (amortized), or log s summed over the rows
      (constant).

    The autograd route (:func:`elbo_estimate` through ``value_and_grad``) computes the same
    numbers independently; the tests compare the two.  Nothing here draws random numbers.

    Source: Kingma & Welling (2014), eqs. (6), (7), (10), Section 2.4 and Appendix B.

    Parameters
    ----------
    config : VAEConfig
    data_dim : int >= 1
    """

    def __init__(self, config: VAEConfig, data_dim: int):
        self.config = config
        self.d, self.k = data_dim, config.latent_dim
        self.amortized = config.encoder_std == "amortized"
        out = 2 * self.k if self.amortized else self.k
        self.enc = FusedMLP((data_dim, *config.encoder_hidden, out), config.activation)
        self.dec = FusedMLP((self.k, *config.decoder_hidden, data_dim), config.activation)

    # parameters and optimizer states ---------------------------------------------------------
    def import_params(self, params: dict) -> list:
        """``[flat encoder, flat decoder, log σ (0-d), (log s (k,))]``: fresh float64 arrays."""
        leaves = [self.enc.import_params(params["enc"], "params['enc']"),
                  self.dec.import_params(params["dec"], "params['dec']"),
                  onp.array(params["log_sigma"], dtype=float)]
        if not self.amortized:
            leaves.append(onp.array(params["log_std"], dtype=float))
        return leaves

    def _names(self) -> tuple:
        return ("enc", "dec", "log_sigma") if self.amortized else ("enc", "dec", "log_sigma", "log_std")

    def export_params(self, leaves: list, like: dict | None = None) -> dict:
        """The parameter dict of :func:`init_vae` (keys in the order of ``like``); the layers
        are views into the flat leaves (never modified in place)."""
        by_name = dict(zip(self._names(), [self.enc.unflatten(leaves[0], copy=False),
                                           self.dec.unflatten(leaves[1], copy=False), *leaves[2:]]))
        return {key: by_name[key] for key in (self._names() if like is None else like)}

    def _split(self, leaves: list, like: dict) -> dict:
        """A per-leaf list in the order of ``tree_leaves(like)`` as one flat leaf per name."""
        n_layer = {"enc": 2 * (len(self.enc.sizes) - 1), "dec": 2 * (len(self.dec.sizes) - 1)}
        out, i = {}, 0
        for key in like:
            m = n_layer.get(key, 1)
            part = leaves[i:i + m]
            i += m
            net = self.enc if key == "enc" else self.dec if key == "dec" else None
            out[key] = net.flatten_leaves(part) if net is not None else onp.array(part[0], dtype=float)
        return out

    def import_opt_state(self, state: OptState, like: dict) -> OptState:
        """An optimizer state over the parameter dict ``like`` as a state over the leaves."""
        slots = {}
        for key, leaves in state.slots.items():
            by_name = self._split(leaves, like)
            slots[key] = [by_name[name] for name in self._names()]
        return OptState(state.t, slots)

    def export_opt_state(self, state: OptState, like: dict | None = None) -> OptState:
        """The inverse of :meth:`import_opt_state` (per-leaf views in ``like``'s key order)."""
        order = self._names() if like is None else tuple(like)
        slots = {}
        for key, leaves in state.slots.items():
            by_name = dict(zip(self._names(), [self.enc.leaves(leaves[0]), self.dec.leaves(leaves[1]),
                                               *([v] for v in leaves[2:])]))
            slots[key] = [leaf for name in order for leaf in by_name[name]]
        return OptState(state.t, slots)

    # the loss and its gradient ---------------------------------------------------------------
    def loss_grad(self, leaves: list, x: onp.ndarray, eps: onp.ndarray) -> tuple[float, list]:
        """``(−mean L̃, gradients per leaf)`` on x (n, d) and eps (n, L, k), float64.  The two
        network gradients are the buffers ``enc.grad`` and ``dec.grad`` (overwritten by the
        next call)."""
        n, n_mc, k = eps.shape
        d = self.d
        enc, dec = self.enc, self.dec
        enc.set_flat(leaves[0])
        dec.set_flat(leaves[1])
        log_sigma = float(leaves[2])
        out = enc.forward(x)
        if self.amortized:
            mean, log_std = out[:, :k], out[:, k:]
        else:
            mean, log_std = out, onp.broadcast_to(leaves[3], (n, k))
        std = onp.exp(log_std)
        z = mean[:, None, :] + std[:, None, :] * eps                          # (n, L, k)
        resid = dec.forward(z.reshape(n * n_mc, k)).reshape(n, n_mc, d) - x[:, None, :]
        sq = onp.einsum("nld,nld->nl", resid, resid)
        a, c = float(onp.exp(-2.0 * log_sigma)), 1.0 / (n * n_mc)
        mean_log_lik = -0.5 * d * _LOG_2PI - d * log_sigma - 0.5 * a * c * float(sq.sum())
        if self.config.kl == "analytic":
            neg_kl = 0.5 * float(onp.sum(1.0 + 2.0 * log_std - mean * mean - std * std))
            loss = -(neg_kl / n + mean_log_lik)
        else:
            prior_q = -0.5 * float(onp.einsum("nlk,nlk->", z, z)) + 0.5 * float(onp.einsum("nlk,nlk->", eps, eps))
            loss = -(mean_log_lik + c * prior_q + float(onp.sum(log_std)) / n)
        resid *= a * c
        g_dec, g_z = dec.backward(resid.reshape(n * n_mc, d), inputs=True)
        g_z = g_z.reshape(n, n_mc, k)
        if self.config.kl == "sampled":
            g_z = g_z + c * z
        g_mean = g_z.sum(axis=1)
        g_log_std = std * onp.einsum("nlk,nlk->nk", g_z, eps)
        if self.config.kl == "analytic":
            g_mean += mean / n
            g_log_std += (std * std - 1.0) / n
        else:
            g_log_std -= 1.0 / n
        g_sigma = onp.array(d - a * c * float(sq.sum()) if self.config.learn_sigma else 0.0)
        if self.amortized:
            g_enc, _ = enc.backward(onp.concatenate([g_mean, g_log_std], axis=1))
            return loss, [g_enc, g_dec, g_sigma]
        g_enc, _ = enc.backward(g_mean)
        return loss, [g_enc, g_dec, g_sigma, g_log_std.sum(axis=0)]


# ---------------------------------------------------------------------------------------------
# training
# ---------------------------------------------------------------------------------------------


@dataclass
class VAERun(LoopRun):
    """Outcome of :func:`train_vae`.

    ``elbo[t]`` is the minibatch mean of L̃ at step t (before its update), ``grad_norm[t]`` the
    norm of that step's stochastic gradient and ``lr[t]`` its step size; the bookkeeping fields
    are :class:`~solvers.neural.training.LoopRun`'s.
    """

    config: VAEConfig
    params: dict
    opt_state: OptState
    elbo: onp.ndarray
    grad_norm: onp.ndarray
    lr: onp.ndarray

    @property
    def sigma(self) -> float:
        """The learned decoder noise σ."""
        return decoder_sigma(self.params)

    def encode(self, x) -> tuple[onp.ndarray, onp.ndarray]:
        """(mean, std) of q(z | x), each (n, k)."""
        return vae_encode(self.params, x, activation=self.config.activation)

    def decode(self, z) -> onp.ndarray:
        """The decoder mean f(z), (n, d)."""
        return vae_decode(self.params, z, activation=self.config.activation)

    def elbo_per_point(self, x, n_samples: int, seed: Any) -> onp.ndarray:
        """Monte Carlo ELBO of each row of x from ``n_samples`` fresh draws of ε, shape (n,)."""
        d, k = _check_params(self.params)
        x = _rows(x, d, "x")
        n_samples = check_int(n_samples, "n_samples", minimum=1)
        eps = as_generator(seed).standard_normal((x.shape[0], n_samples, k))
        return elbo_estimate(self.params, x, eps, self.config)

    def sample(self, n: int, seed: Any) -> onp.ndarray:
        """n ancestral samples x = f(z) + σ ξ, z, ξ standard normal; shape (n, d)."""
        d, k = _check_params(self.params)
        n = check_int(n, "n", minimum=1)
        rng = as_generator(seed)
        z = rng.standard_normal((n, k))
        return self.decode(z) + self.sigma * rng.standard_normal((n, d))

    def linear_decoder(self) -> tuple[onp.ndarray, onp.ndarray]:
        """(W, b) of an affine decoder in the model's layout f(z) = W z + b, W of shape (d, k).

        Raises
        ------
        ValueError
            When the decoder has hidden layers.
        """
        if self.config.decoder_hidden:
            raise ValueError("`linear_decoder` needs an affine decoder (decoder_hidden=())")
        layer = self.params["dec"][0]
        return onp.asarray(layer["W"]).T.copy(), onp.asarray(layer["b"]).copy()

    def model_covariance(self) -> onp.ndarray:
        """W Wᵀ + σ² I_d, the covariance of x under an affine decoder (Tipping & Bishop 1999,
        Section 3: x ~ N(b, W Wᵀ + σ² I))."""
        W, _ = self.linear_decoder()
        return W @ W.T + self.sigma ** 2 * onp.eye(W.shape[0])

    def to_dict(self) -> dict:
        return {"config": self.config.to_dict(), **self.loop_fields(), "elbo": self.elbo.tolist(),
                "grad_norm": self.grad_norm.tolist(), "lr": self.lr.tolist(), "sigma": self.sigma}


def _lr_schedule(config: VAEConfig, n_steps: int) -> onp.ndarray:
    lrs = onp.full(n_steps, float(config.lr))
    start = int(round(config.decay_start * n_steps))
    if config.lr_final is not None and n_steps - start > 1:
        m = n_steps - start
        lrs[start:] = config.lr * (config.lr_final / config.lr) ** (onp.arange(m) / (m - 1))
    return lrs


def train_vae(data: Any, config: VAEConfig, n_steps: int, seed: Any, *, callback: Callable | None = None,
              progress: bool = False) -> VAERun:
    """Fit the VAE to a fixed data set by ``n_steps`` steps of :func:`vae_update` (with
    ``backend="fused"`` one :class:`FusedVAE` engine serves every step).

    Source: Kingma & Welling (2014), Algorithm 1.

    Parameters
    ----------
    data : array_like, shape (n, d)
        The data set (a finite sample: its maximum-likelihood fit is what the ELBO approaches).
    config : VAEConfig
    n_steps : int >= 0
    seed : int, SeedSequence or Generator
        Three spawned streams: initialization, minibatch indices, ε.
    callback : callable, keyword-only
        ``callback(step, params, loss)`` after every completed step (``step`` from 1).
    progress : bool, keyword-only

    Returns
    -------
    VAERun
        Partial (``interrupted=True``) on Ctrl-C.
    """
    check_instance(config, "config", VAEConfig)
    x_all = as_float_array(data, "data")
    if x_all.ndim == 1:
        x_all = x_all[:, None]
    if x_all.ndim != 2 or x_all.shape[0] < 1:
        raise ValueError(f"`data` must have shape (n, d) with n >= 1 (got shape {x_all.shape})")
    n_steps = check_int(n_steps, "n_steps", minimum=0)
    check_callback(callback)
    n, d = x_all.shape
    k = config.latent_dim
    init_rng, batch_rng, eps_rng = as_generator(seed).spawn(3)
    params = init_vae(config, d, init_rng)
    lrs = _lr_schedule(config, n_steps)
    full = config.batch_size is None or config.batch_size >= n
    b = n if full else config.batch_size
    elbo = onp.zeros(n_steps)
    gnorm = onp.zeros(n_steps)

    opt_state = config.optimizer_at(config.lr).init(params)
    if config.backend == "fused":
        engine = FusedVAE(config, d)
        state0 = (engine.import_params(params), engine.import_opt_state(opt_state, params), None)

        def update(leaves, opt_state, x, eps, lr):
            loss, grads = engine.loss_grad(leaves, x, eps)
            norm = float(onp.sqrt(sum(float(onp.vdot(g, g)) for g in grads)))
            new_leaves, opt_state = config.optimizer_at(lr).update_leaves(grads, opt_state, leaves)
            return new_leaves, opt_state, loss, norm

        def export(state):
            return engine.export_params(state[0]), engine.export_opt_state(state[1])
    else:
        state0 = (params, opt_state, None)

        def update(params, opt_state, x, eps, lr):
            return vae_update(params, opt_state, x, eps, config, lr=lr)

        def export(state):
            return state[0], state[1]

    def step(t, state):
        x = x_all if full else x_all[batch_rng.choice(n, size=b, replace=False)]
        eps = eps_rng.standard_normal((b, config.n_mc, k))
        new_params, new_state, loss, g = update(state[0], state[1], x, eps, lrs[t])
        elbo[t], gnorm[t] = -loss, g
        return new_params, new_state, loss

    def after(n_done, state):
        if callback is not None:
            callback(n_done, export(state)[0], state[2])

    out = run_steps(step, state0, n_steps, after=after, progress=progress, desc="VAE")
    m = out.n_steps
    params, opt_state = export(out.state)
    return VAERun(config=config, params=params, opt_state=opt_state, elbo=elbo[:m],
                  grad_norm=gnorm[:m], lr=lrs[:m], n_steps=m, n_steps_requested=n_steps,
                  interrupted=out.interrupted, seconds=out.seconds)
