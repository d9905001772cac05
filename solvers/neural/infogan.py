"""A small InfoGAN: a GAN whose generator takes a categorical code c, with an auxiliary head
Q(c | x) that keeps c recoverable from G(z, c).

Networks (all MLPs of :mod:`solvers.neural.mlp`):

- generator x = G_θ(z, c) on the concatenation [z, one_hot(c)], z ~ N(0, I_m),
  c ~ P(c) = Cat(p_1, ..., p_K);
- discriminator and Q share every hidden layer (Chen et al. 2016, Section 6: Q is D's network
  with one extra final fully connected layer for the parameters of Q(c | x)): one MLP
  (d, *hidden, 1 + K) whose
  first output is the discriminator's logit f(x) (D = σ(f)) and whose other K outputs are the
  logits of Q(c | x) (a softmax, their Section 6 for categorical codes).

The game is eq. (6), min_{G,Q} max_D V(D, G) − λ L_I(G, Q), with V Goodfellow et al.'s value
function (eq. (1) of both papers) and

    L_I(G, Q) = E_{c~P(c), x~G(z,c)}[log Q(c | x)] + H(c)      (Chen et al., eq. (5)),

which Lemma 5.1 and eq. (4) show is <= I(c; G(z, c)).  One training step (alternating, as
Goodfellow et al.'s Algorithm 1 with k = 1):

- the shared D/Q network descends L_D + λ L_Q on a real minibatch and a fake one, where
  L_D = mean softplus(−f(x_real)) + mean softplus(f(G(z, c))) (= −V on the minibatches) and
  L_Q = −mean log Q(c | G(z, c)) (so −L_Q + H(c) is the minibatch estimate of L_I);
- the generator then descends L_G + λ L_Q on fresh (z, c) against the updated network, with
  L_G the non-saturating −mean log D(G(z, c)) or the minimax mean log(1 − D(G(z, c))).

Nothing here computes the exact mutual information; the tests get I(c; x) from the
generator's output distribution (quadrature over z) through :mod:`theory.infogan`.

Gradients come from ``InfoGANConfig.backend``: the hand-written passes of :class:`FusedInfoGAN`
(the default; both networks as :class:`~solvers.neural.fused.FusedMLP`) or autograd on the
losses above (the independent route); the tests check the two against each other.

Sources: Chen, Duan, Houthooft, Schulman, Sutskever & Abbeel (2016), "InfoGAN: Interpretable
Representation Learning by Information Maximizing Generative Adversarial Nets", eqs. (4)-(6),
Lemma 5.1, Section 6; Goodfellow et al. (2014), eq. (1), Algorithm 1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import autograd.numpy as np
import numpy as onp
from autograd import value_and_grad
from scipy.special import entr, expit, log_softmax

from solvers.neural.gan import GENERATOR_LOSSES, as_sampler, draw_samples
from solvers.neural.fused import FusedMLP
from solvers.neural.mlp import forward, init_mlp, mlp_sizes, softplus
from solvers.neural.optim import OptState
from solvers.neural.training import BACKENDS, ConfigDict, LoopRun, check_callback, check_network_fields, \
    check_optimizer_fields, config_optimizers, run_steps
from theory.validation import as_generator, check_in, check_instance, check_int, check_nonnegative, \
    check_probability

__all__ = [
    "InfoGANConfig",
    "FusedInfoGAN",
    "init_infogan",
    "one_hot",
    "infogan_generator_apply",
    "infogan_discriminator_logit",
    "q_log_probs",
    "code_entropy",
    "infogan_losses",
    "infogan_update",
    "InfoGANRun",
    "train_infogan",
]


@dataclass(frozen=True)
class InfoGANConfig(ConfigDict):
    """Hyperparameters of the InfoGAN.

    Parameters
    ----------
    n_codes : int >= 2
        K, the number of values of the categorical code c.
    code_probs : tuple of float or None
        P(c); ``None`` is uniform (1/K each, the paper's choice).
    noise_dim : int >= 1
        m, the dimension of the incompressible noise z.
    hidden : tuple of int
        Hidden widths of the generator and of the shared D/Q network.
    activation : {"tanh", "relu", "leaky_relu", "elu", "softplus"}
    lr_g, lr_d : float > 0
        Step sizes of the generator and of the D/Q network.
    optimizer, optimizer_kwargs
        As in :class:`solvers.neural.gan.GANConfig`.
    batch_size : int >= 1
        B, the size of every real and every generated minibatch.
    info_weight : float >= 0
        λ of eq. (6) (the paper uses λ = 1 for discrete codes); 0 gives a plain GAN with an
        unused code.
    generator_loss : {"minimax", "non_saturating"}
    init_scale : {"glorot", "he", "lecun"} or float
    backend : {"fused", "autograd"}
        Gradients by the hand-written passes of :class:`FusedInfoGAN` (the default; both
        networks as :class:`~solvers.neural.fused.FusedMLP`) or by autograd on the losses of
        the module docstring (the independent route); the same numbers in float64 up to
        rounding.
    """

    n_codes: int = 2
    code_probs: Any = None
    noise_dim: int = 1
    hidden: tuple = (32, 32)
    activation: str = "tanh"
    lr_g: float = 1e-3
    lr_d: float = 1e-3
    optimizer: str = "adam"
    optimizer_kwargs: Any = ()
    batch_size: int = 128
    info_weight: float = 1.0
    generator_loss: str = "non_saturating"
    init_scale: Any = "glorot"
    backend: str = "fused"

    def __post_init__(self) -> None:
        check_in(self.backend, "backend", BACKENDS)
        check_int(self.n_codes, "n_codes", minimum=2)
        if self.code_probs is not None:
            p = check_probability(self.code_probs, "code_probs")
            if p.shape != (self.n_codes,):
                raise ValueError(f"`code_probs` must have {self.n_codes} entries, one per code (got shape {p.shape})")
            object.__setattr__(self, "code_probs", tuple(float(v) for v in p))
        check_int(self.noise_dim, "noise_dim", minimum=1)
        check_network_fields(self)
        check_optimizer_fields(self, ("lr_g", "lr_d"))
        check_int(self.batch_size, "batch_size", minimum=1)
        check_nonnegative(self.info_weight, "info_weight")
        check_in(self.generator_loss, "generator_loss", GENERATOR_LOSSES)

    @property
    def prior(self) -> onp.ndarray:
        """P(c), shape (K,)."""
        if self.code_probs is None:
            return onp.full(self.n_codes, 1.0 / self.n_codes)
        return onp.asarray(self.code_probs)

    def optimizers(self) -> tuple:
        """``(opt_g, opt_d)``, both descending."""
        return config_optimizers(self, ("lr_g", "lr_d"))


def code_entropy(config: InfoGANConfig) -> float:
    """H(c) = −Σ_c P(c) log P(c) in nats (the constant of eq. (5))."""
    check_instance(config, "config", InfoGANConfig)
    return float(onp.sum(entr(config.prior)))


def one_hot(c: Any, n_codes: int) -> onp.ndarray:
    """Rows e_c of the K x K identity, shape (n, K), for integer codes c of shape (n,).

    Raises
    ------
    ValueError
        Codes that are not integers in [0, K).
    """
    k = check_int(n_codes, "n_codes", minimum=1)
    c = onp.asarray(c)
    if c.ndim != 1 or not onp.issubdtype(c.dtype, onp.integer):
        raise ValueError(f"`c` must be a 1-D integer array of codes (got shape {c.shape}, dtype {c.dtype})")
    if c.size and (c.min() < 0 or c.max() >= k):
        raise ValueError(f"`c` must lie in [0, {k}) (got range [{c.min()}, {c.max()}])")
    return onp.eye(k)[c]


def init_infogan(config: InfoGANConfig, data_dim: int, seed: Any) -> tuple[dict, dict]:
    """Initial parameters ``{"g": MLP (m + K, *hidden, d), "d": MLP (d, *hidden, 1 + K)}`` and
    optimizer states ``{"g", "d"}``.

    Source: Chen et al. (2016), Section 6 (Q shares D's hidden layers); Glorot & Bengio (2010),
    eq. (16) for the default scale.
    """
    check_instance(config, "config", InfoGANConfig)
    d = check_int(data_dim, "data_dim", minimum=1)
    rng_g, rng_d = as_generator(seed).spawn(2)
    k = config.n_codes
    params = {
        "g": init_mlp((config.noise_dim + k, *config.hidden, d), rng_g, scale=config.init_scale),
        "d": init_mlp((d, *config.hidden, 1 + k), rng_d, scale=config.init_scale),
    }
    opt_g, opt_d = config.optimizers()
    return params, {"g": opt_g.init(params["g"]), "d": opt_d.init(params["d"])}


def _rows(x: Any, width: int, name: str) -> onp.ndarray:
    x = onp.asarray(x, dtype=onp.float64)
    if x.ndim == 1 and width == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[1] != width:
        raise ValueError(f"`{name}` must have shape (n, {width}) (got shape {x.shape})")
    if not onp.all(onp.isfinite(x)):
        raise ValueError(f"`{name}` must be finite")
    return x


def infogan_generator_apply(g_params: list, z, c, *, activation: str = "tanh") -> onp.ndarray:
    """x = G(z, c), shape (n, d), for noise z (n, m) and integer codes c (n,).

    Source: Chen et al. (2016), Section 4 (the generator G(z, c)).
    """
    sizes = mlp_sizes(g_params)
    c = onp.asarray(c)
    k = sizes[0] - (onp.shape(z)[1] if onp.ndim(z) == 2 else 1)
    z = _rows(z, sizes[0] - k, "z")
    if c.shape != (z.shape[0],):
        raise ValueError(f"`c` must have shape ({z.shape[0]},), one code per row of `z` (got shape {c.shape})")
    return onp.asarray(forward(g_params, onp.concatenate([z, one_hot(c, k)], axis=1), activation))


def infogan_discriminator_logit(d_params: list, x, *, activation: str = "tanh") -> onp.ndarray:
    """The discriminator's logit f(x), shape (n,) (D = σ(f)).

    Source: Goodfellow et al. (2014), Section 3; Chen et al. (2016), Section 6.
    """
    x = _rows(x, mlp_sizes(d_params)[0], "x")
    return onp.asarray(forward(d_params, x, activation))[:, 0]


def q_log_probs(d_params: list, x, *, activation: str = "tanh") -> onp.ndarray:
    """log Q(c | x), shape (n, K): a log-softmax of the head's K logits.

    Source: Chen et al. (2016), Section 6 (a softmax Q for a categorical code).
    """
    x = _rows(x, mlp_sizes(d_params)[0], "x")
    return log_softmax(onp.asarray(forward(d_params, x, activation))[:, 1:], axis=1)


def _log_q_of_code(out, codes_1h):
    """log Q(c | x) at the given codes from the network's raw outputs (n, 1 + K)."""
    logits = out[:, 1:]
    m = np.max(logits, axis=1, keepdims=True)
    log_z = m[:, 0] + np.log(np.sum(np.exp(logits - m), axis=1))
    return np.sum(logits * codes_1h, axis=1) - log_z


def _d_loss(d_params, x_real, x_fake, codes_1h, lam, act):
    n_r = x_real.shape[0]
    out = forward(d_params, np.concatenate([x_real, x_fake], axis=0), act)
    f_real, out_fake = out[:n_r, 0], out[n_r:]
    l_d = np.mean(softplus(-f_real)) + np.mean(softplus(out_fake[:, 0]))
    l_q = -np.mean(_log_q_of_code(out_fake, codes_1h))
    return l_d + lam * l_q, (l_d, l_q)


def _g_loss(g_params, d_params, zc, codes_1h, lam, kind, act):
    out = forward(d_params, forward(g_params, zc, act), act)
    f = out[:, 0]
    l_g = np.mean(softplus(-f)) if kind == "non_saturating" else -np.mean(softplus(f))
    l_q = -np.mean(_log_q_of_code(out, codes_1h))
    return l_g + lam * l_q, (l_g, l_q)


def _scalar_part(fn):
    def total(*args):
        return fn(*args)[0]
    return total


_d_value_and_grad = value_and_grad(_scalar_part(_d_loss))
_g_value_and_grad = value_and_grad(_scalar_part(_g_loss))


def infogan_losses(params: dict, x_real, z, c, config: InfoGANConfig) -> dict:
    """The losses of one step, evaluated (not differentiated) on explicit minibatches.

    Returns ``{"d": L_D, "q": L_Q, "g": L_G, "info": H(c) − L_Q}`` with the fakes G(z, c);
    ``info`` is the minibatch estimate of L_I (Chen et al., eq. (5)).
    """
    check_instance(config, "config", InfoGANConfig)
    act = config.activation
    d = mlp_sizes(params["d"])[0]
    x_real = _rows(x_real, d, "x_real")
    codes = one_hot(onp.asarray(c), config.n_codes)
    zc = onp.concatenate([_rows(z, config.noise_dim, "z"), codes], axis=1)
    x_fake = onp.asarray(forward(params["g"], zc, act))
    _, (l_d, l_q) = _d_loss(params["d"], x_real, x_fake, codes, config.info_weight, act)
    _, (l_g, _) = _g_loss(params["g"], params["d"], zc, codes, config.info_weight, config.generator_loss, act)
    return {"d": float(l_d), "q": float(l_q), "g": float(l_g), "info": code_entropy(config) - float(l_q)}


def infogan_update(params: dict, opt_states: dict, x_real, z_d, c_d, z_g, c_g, config: InfoGANConfig
                   ) -> tuple[dict, dict, dict]:
    """One alternating step: the D/Q network on (x_real, G(z_d, c_d)), then the generator on
    (z_g, c_g) against the updated network.

    Source: Chen et al. (2016), eq. (6) (D maximizes V − λ L_I through V, G and Q minimize it;
    written as the losses of the module docstring); Goodfellow et al. (2014), Algorithm 1 with
    k = 1.  The gradients come from ``config.backend`` (:class:`FusedInfoGAN` or autograd; the
    same numbers in float64 up to rounding).

    Parameters
    ----------
    params, opt_states : dicts ``{"g", "d"}`` from :func:`init_infogan`
    x_real : array, shape (B, d)
    z_d, z_g : array, shape (B, m)
    c_d, c_g : int array, shape (B,)
    config : InfoGANConfig

    Returns
    -------
    params, opt_states : new dicts (inputs are not modified)
    losses : dict
        ``{"d", "q_d", "g", "q_g"}``: L_D and L_Q at the discriminator step, L_G and L_Q at the
        generator step, each at the parameters its gradient was taken at.
    """
    check_instance(config, "config", InfoGANConfig)
    act, lam, k = config.activation, config.info_weight, config.n_codes
    d = mlp_sizes(params["d"])[0]
    x_real = _rows(x_real, d, "x_real")
    zc_d = onp.concatenate([_rows(z_d, config.noise_dim, "z_d"), one_hot(onp.asarray(c_d), k)], axis=1)
    zc_g = onp.concatenate([_rows(z_g, config.noise_dim, "z_g"), one_hot(onp.asarray(c_g), k)], axis=1)
    opt_g, opt_d = config.optimizers()
    if config.backend == "fused":
        engine = FusedInfoGAN(config, d)
        state, losses = engine.step(engine.import_state(params, opt_states), x_real, zc_d, zc_g)
        return engine.export_params(state), engine.export_states(state), losses
    x_fake = onp.asarray(forward(params["g"], zc_d, act))
    _, grads_d = _d_value_and_grad(params["d"], x_real, x_fake, zc_d[:, -k:], lam, act)
    (l_d, l_qd) = (float(v) for v in _d_loss(params["d"], x_real, x_fake, zc_d[:, -k:], lam, act)[1])
    new_d, state_d = opt_d.update_unchecked(grads_d, opt_states["d"], params["d"])
    _, grads_g = _g_value_and_grad(params["g"], new_d, zc_g, zc_g[:, -k:], lam, config.generator_loss, act)
    (l_g, l_qg) = (float(v) for v in _g_loss(params["g"], new_d, zc_g, zc_g[:, -k:], lam,
                                             config.generator_loss, act)[1])
    new_g, state_g = opt_g.update_unchecked(grads_g, opt_states["g"], params["g"])
    return {"g": new_g, "d": new_d}, {"g": state_g, "d": state_d}, {"d": l_d, "q_d": l_qd, "g": l_g, "q_g": l_qg}


class FusedInfoGAN:
    """The InfoGAN's alternating step with hand-written derivatives (``backend="fused"``).

    G and the shared D/Q network are :class:`~solvers.neural.fused.FusedMLP`.  With f the
    discriminator logit (output 0) and ℓ the K logits of Q (outputs 1..K), the derivatives
    of the losses of the module docstring with respect to the network's outputs are, from
    d softplus(s)/ds = σ(s) and the log-softmax VJP ∂(−log Q(c | x))/∂ℓ = softmax(ℓ) − e_c:

    - D/Q step on B real rows over B fakes: ∂/∂f = −σ(−f)/B (real), σ(f)/B (fake);
      ∂/∂ℓ = λ (softmax(ℓ) − e_c)/B on the fakes, 0 on the real rows;
    - G step: ∂/∂f = −σ(−f)/B (non-saturating) or −σ(f)/B (minimax), ∂/∂ℓ as above, chained
      through D to its input and then through G.

    A state is ``(flat_g, flat_d, opt_state_g, opt_state_d)`` (flat vectors never modified in
    place; optimizer slots of one flat leaf, the same update as leaf by leaf since the
    optimizers are elementwise).  The autograd route of :func:`infogan_update` computes the
    same numbers independently; the tests compare the two.

    Source: Chen et al. (2016), eqs. (5)-(6) and Section 6; Goodfellow et al. (2014), eq. (1)
    and Algorithm 1.

    Parameters
    ----------
    config : InfoGANConfig
    data_dim : int >= 1
    """

    def __init__(self, config: InfoGANConfig, data_dim: int):
        self.config = config
        k = config.n_codes
        self.g = FusedMLP((config.noise_dim + k, *config.hidden, data_dim), config.activation)
        self.d = FusedMLP((data_dim, *config.hidden, 1 + k), config.activation)
        self.opt_g, self.opt_d = config.optimizers()

    def import_state(self, params: dict, opt_states: dict) -> tuple:
        """``(flat_g, flat_d, opt_state_g, opt_state_d)`` from :func:`init_infogan`'s dicts."""
        return (self.g.import_params(params["g"], "params['g']"), self.d.import_params(params["d"], "params['d']"),
                self.g.import_opt_state(opt_states["g"]), self.d.import_opt_state(opt_states["d"]))

    def export_params(self, state: tuple) -> dict:
        """``{"g": layers, "d": layers}``: views into the state's flat vectors."""
        return {"g": self.g.unflatten(state[0], copy=False), "d": self.d.unflatten(state[1], copy=False)}

    def export_states(self, state: tuple) -> dict:
        return {"g": self.g.export_opt_state(state[2]), "d": self.d.export_opt_state(state[3])}

    def _q_grad(self, logits: onp.ndarray, codes_1h: onp.ndarray, scale: float, out: onp.ndarray) -> float:
        """Writes scale · (softmax(ℓ) − e_c) into ``out`` and returns L_Q = −mean log Q(c | x)."""
        log_q = log_softmax(logits, axis=1)
        l_q = -float(onp.einsum("nk,nk->", log_q, codes_1h)) / logits.shape[0]
        onp.exp(log_q, out=out)
        out -= codes_1h
        out *= scale
        return l_q

    def d_loss_grad(self, x_real: onp.ndarray, zc: onp.ndarray) -> tuple[float, float, onp.ndarray]:
        """``(L_D, L_Q, gradient of L_D + λ L_Q in the D/Q parameters (the buffer d.grad))``
        on the real rows and the fakes G(zc)."""
        n_r, n_f, k = x_real.shape[0], zc.shape[0], self.config.n_codes
        x = onp.concatenate([x_real, self.g.forward(zc)])
        out = self.d.forward(x)
        f_real, f_fake = out[:n_r, 0], out[n_r:, 0]
        l_d = float(onp.mean(onp.logaddexp(0.0, -f_real)) + onp.mean(onp.logaddexp(0.0, f_fake)))
        g_out = onp.zeros_like(out)
        g_out[:n_r, 0] = expit(-f_real) * (-1.0 / n_r)
        g_out[n_r:, 0] = expit(f_fake) / n_f
        l_q = self._q_grad(out[n_r:, 1:], zc[:, -k:], self.config.info_weight / n_f, g_out[n_r:, 1:])
        return l_d, l_q, self.d.backward(g_out)[0]

    def g_loss_grad(self, zc: onp.ndarray) -> tuple[float, float, onp.ndarray]:
        """``(L_G, L_Q, gradient of L_G + λ L_Q in the generator's parameters (g.grad))``."""
        n, k = zc.shape[0], self.config.n_codes
        out = self.d.forward(self.g.forward(zc))
        f = out[:, 0]
        g_out = onp.empty_like(out)
        if self.config.generator_loss == "non_saturating":  # mean softplus(−f); −σ(−f)/n
            l_g = float(onp.mean(onp.logaddexp(0.0, -f)))
            g_out[:, 0] = expit(-f) * (-1.0 / n)
        else:  # −mean softplus(f); −σ(f)/n
            l_g = -float(onp.mean(onp.logaddexp(0.0, f)))
            g_out[:, 0] = expit(f) * (-1.0 / n)
        l_q = self._q_grad(out[:, 1:], zc[:, -k:], self.config.info_weight / n, g_out[:, 1:])
        _, g_x = self.d.backward(g_out, params=False, inputs=True)
        return l_g, l_q, self.g.backward(g_x)[0]

    def step(self, state: tuple, x_real: onp.ndarray, zc_d: onp.ndarray, zc_g: onp.ndarray) -> tuple[tuple, dict]:
        """One :func:`infogan_update` (D/Q first, then G against the updated D/Q) on the real
        rows and the generator inputs [z, one_hot(c)]; returns the new state and the losses."""
        flat_g, flat_d, s_g, s_d = state
        self.g.set_flat(flat_g)
        self.d.set_flat(flat_d)
        l_d, l_qd, grad = self.d_loss_grad(x_real, zc_d)
        (flat_d,), s_d = self.opt_d.update_leaves([grad], s_d, [flat_d])
        self.d.set_flat(flat_d)
        l_g, l_qg, grad = self.g_loss_grad(zc_g)
        (flat_g,), s_g = self.opt_g.update_leaves([grad], s_g, [flat_g])
        return (flat_g, flat_d, s_g, s_d), {"d": l_d, "q_d": l_qd, "g": l_g, "q_g": l_qg}


@dataclass
class InfoGANRun(LoopRun):
    """Outcome of :func:`train_infogan`.

    Per step t: ``d_loss[t]`` (L_D), ``g_loss[t]`` (L_G) and ``info[t]`` = H(c) − L_Q at the
    generator step (the minibatch estimate of L_I, eq. (5)); the bookkeeping fields are
    :class:`~solvers.neural.training.LoopRun`'s.
    """

    config: InfoGANConfig
    params: dict
    opt_states: dict
    d_loss: onp.ndarray
    g_loss: onp.ndarray
    info: onp.ndarray

    def generate(self, z, c) -> onp.ndarray:
        """G(z, c), shape (n, d)."""
        return infogan_generator_apply(self.params["g"], z, c, activation=self.config.activation)

    def sample(self, n: int, seed: Any) -> tuple[onp.ndarray, onp.ndarray]:
        """n draws (x, c): c ~ P(c), z ~ N(0, I), x = G(z, c)."""
        n = check_int(n, "n", minimum=1)
        rng = as_generator(seed)
        c = rng.choice(self.config.n_codes, size=n, p=self.config.prior)
        z = rng.standard_normal((n, self.config.noise_dim))
        return self.generate(z, c), c

    def q_log_probs(self, x) -> onp.ndarray:
        """log Q(c | x), shape (n, K)."""
        return q_log_probs(self.params["d"], x, activation=self.config.activation)

    def discriminator(self, x) -> onp.ndarray:
        """D(x) = σ(f(x)), shape (n,)."""
        return onp.exp(-onp.logaddexp(0.0, -infogan_discriminator_logit(self.params["d"], x,
                                                                activation=self.config.activation)))

    def info_lower_bound(self, n: int, seed: Any) -> tuple[float, onp.ndarray]:
        """Monte Carlo L_I = mean log Q(c | x) + H(c) over n fresh draws (x, c), and the n
        per-draw values log Q(c_i | x_i) + H(c) (Chen et al., eq. (5))."""
        x, c = self.sample(n, seed)
        values = self.q_log_probs(x)[onp.arange(x.shape[0]), c] + code_entropy(self.config)
        return float(values.mean()), values

    def to_dict(self) -> dict:
        return {"config": self.config.to_dict(), **self.loop_fields(), "d_loss": self.d_loss.tolist(),
                "g_loss": self.g_loss.tolist(), "info": self.info.tolist()}


def train_infogan(data: Any, config: InfoGANConfig, n_steps: int, seed: Any, *,
                  callback: Callable | None = None, progress: bool = False) -> InfoGANRun:
    """Train the InfoGAN for ``n_steps`` steps of :func:`infogan_update` (with
    ``backend="fused"`` one :class:`FusedInfoGAN` engine serves every step).

    Source: Chen et al. (2016), eq. (6) and Section 6; Goodfellow et al. (2014), Algorithm 1.

    Parameters
    ----------
    data : GaussianMixture-like or callable
        Anything with ``.sample(n, seed) -> (n, d)``, or a function ``(n, rng) -> (n, d)``.
    config : InfoGANConfig
    n_steps : int >= 0
    seed : int, SeedSequence or Generator
        Four spawned streams: initialization, data, codes and noise.
    callback : callable, keyword-only
        ``callback(step, params, losses)`` after every completed step (``step`` from 1).
    progress : bool, keyword-only

    Returns
    -------
    InfoGANRun
        Partial (``interrupted=True``) on Ctrl-C.
    """
    check_instance(config, "config", InfoGANConfig)
    sampler = as_sampler(data)
    n_steps = check_int(n_steps, "n_steps", minimum=0)
    check_callback(callback)
    init_rng, data_rng, code_rng, noise_rng = as_generator(seed).spawn(4)
    d = draw_samples(sampler, 1, onp.random.default_rng(0), "data").shape[1]
    params, opt_states = init_infogan(config, d, init_rng)
    b, m, prior = config.batch_size, config.noise_dim, config.prior
    h_c = code_entropy(config)
    hist = {"d": onp.zeros(n_steps), "g": onp.zeros(n_steps), "info": onp.zeros(n_steps)}

    if config.backend == "fused":
        engine = FusedInfoGAN(config, d)
        eye = onp.eye(config.n_codes)

        def update(state, x_real, z, c):
            zc = onp.concatenate([z, eye[c]], axis=2)
            new_state, losses = engine.step(state[0], x_real, zc[0], zc[1])
            return new_state, None, losses

        state0 = (engine.import_state(params, opt_states), None, None)

        def export(state):
            return engine.export_params(state[0]), engine.export_states(state[0])
    else:
        def update(state, x_real, z, c):
            return infogan_update(state[0], state[1], x_real, z[0], c[0], z[1], c[1], config)

        state0 = (params, opt_states, None)

        def export(state):
            return state[0], state[1]

    def step(t, state):
        x_real = draw_samples(sampler, b, data_rng, "data")
        c = code_rng.choice(config.n_codes, size=(2, b), p=prior)
        z = noise_rng.standard_normal((2, b, m))
        new_state = update(state, x_real, z, c)
        losses = new_state[2]
        hist["d"][t], hist["g"][t], hist["info"][t] = losses["d"], losses["g"], h_c - losses["q_g"]
        return new_state

    def after(n_done, state):
        if callback is not None:
            callback(n_done, export(state)[0], state[2])

    out = run_steps(step, state0, n_steps, after=after, progress=progress, desc="InfoGAN")
    k = out.n_steps
    params, opt_states = export(out.state)
    return InfoGANRun(config=config, params=params, opt_states=opt_states, d_loss=hist["d"][:k],
                      g_loss=hist["g"][:k], info=hist["info"][:k], n_steps=k, n_steps_requested=n_steps,
                      interrupted=out.interrupted, seconds=out.seconds)
