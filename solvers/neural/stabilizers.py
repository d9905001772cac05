"""Stabilizing strategies of Pfau & Vinyals (2016), Table 1, for the neural GAN.

Built from the public pieces of :mod:`solvers.neural.gan` (configuration, random streams,
minibatch sampler, optimizers, initialization) and :mod:`solvers.neural.mlp` (the layer
``layer_apply``, activations).  The networks are the same MLPs, held as
``{"layers": [...]}`` plus, when asked, batch-normalization parameters ``"bn"`` and a
minibatch-discrimination tensor ``"T"``.

Options (:class:`NeuralStabilizers`; the defaults give the plain GAN of
:func:`solvers.neural.gan.train_gan`, with the same random streams):

- **label smoothing** — real/fake targets a, b in the discriminator's cross-entropy
  a softplus(-f) + (1 - a) softplus(f) on real samples, b softplus(-f) + (1 - b) softplus(f) on
  fake ones (Salimans et al. 2016, Section 3.4);
- **freezing learning** — ``d_every``/``g_every`` and ``d_loss_floor`` (skip the discriminator's
  step while its loss is below the floor);
- **historical averaging** — λ ‖θ - θ̄_t‖² on both players, θ̄_t the mean of the past parameters
  (Salimans et al. 2016, Section 3.3);
- **minibatch discrimination** — Salimans et al. (2016), Section 3.2: the last hidden features
  f(x_i) ∈ R^A are mapped by a learned tensor T to M_i ∈ R^{B×C}; o(x_i)_b =
  Σ_j exp(-‖M_{i,b} - M_{j,b}‖₁) over the same minibatch (real and fake batches separately) is
  concatenated to f(x_i) before the output layer;
- **batch normalization** — every hidden pre-activation of both networks is normalized with
  the statistics of its own minibatch (train mode, also when sampling), then scaled and
  shifted by learned gains and offsets (Ioffe & Szegedy 2015, Algorithm 1; as in the DCGAN
  of Radford et al. 2016, real and fake batches are normalized separately);
- **target network** — the generator is trained against a Polyak copy of the discriminator,
  moved towards the discriminator it would otherwise use just before each generator step (so
  τ = 1 is exactly the plain GAN);
- **replay buffer** — a fraction λ of every fake minibatch shown to the discriminator is drawn
  from a FIFO buffer of past generated samples.

Not applicable (:data:`NOT_APPLICABLE`): entropy regularization and compatible features.

Backends: ``config.backend`` of the :class:`~solvers.neural.gan.GANConfig` chooses the route.
``"fused"`` (the default) runs both networks as :class:`~solvers.neural.fused.FusedMLP` with the
derivatives of the smoothed losses written by hand (:class:`FusedStabilizedGAN`), in
``config.dtype``; with ``batchnorm`` or ``minibatch`` it runs the networks as parameter
dicts with their own hand-written backward pass (float64 only).  ``"autograd"``
differentiates :func:`stabilized_discriminator_loss` and :func:`stabilized_generator_loss`
independently, and the tests check the two routes against each other.

Sources: Goodfellow et al. (2014), Algorithm 1; Salimans et al. (2016), Sections 3.2-3.4;
Ioffe & Szegedy (2015); Mnih et al. (2015) (target network, replay); Pfau & Vinyals (2016),
Table 1 and Section 3.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import Any, ClassVar

import autograd.numpy as np
import numpy as onp
from autograd import value_and_grad

from scipy.special import expit

from solvers.neural.fused import FusedMLP
from solvers.neural.gan import GANConfig, as_sampler, gan_streams, init_gan, make_gan_optimizers, \
    sample_gan_batch
from solvers.neural.mlp import ACTIVATIONS, NUMPY_ACTIVATIONS, activation_vjp, dense_numpy, init_mlp, layer_apply
from solvers.neural.optim import tree_map
from solvers.stabilizer_spec import StabilizerSpec
from theory.validation import check_instance, check_int
from theory.deprecation import deprecated_method, module_getattr, renamed_keywords

__all__ = [
    "BN_EPS",
    "FusedStabilizedGAN",
    "NOT_APPLICABLE",
    "NeuralStabilizers",
    "NeuralStabilizedRun",
    "init_stabilized_gan",
    "network_output",
    "minibatch_features",
    "batch_normalize",
    "stabilized_discriminator_loss",
    "stabilized_generator_loss",
    "train_stabilized_neural_gan",
]

#: Added to the batch variance before the square root (Ioffe & Szegedy 2015, Algorithm 1).
BN_EPS = 1e-5

NOT_APPLICABLE = {
    "entropy_regularization": "the generator is implicit (x = G(z)): its density, hence H(q), "
                              "is not available to a bonus",
    "compatible_features": "the generator's 'actions' are continuous samples of an implicit "
                           "policy; compatible features ∇_θ log q(x) need its density",
}


@dataclass(frozen=True)
class NeuralStabilizers(StabilizerSpec):
    """Stabilizer options of :func:`train_stabilized_neural_gan` (defaults: none).

    The shared options and their validation are :class:`~solvers.stabilizer_spec.StabilizerSpec`'s;
    here the replay share must stay below 1 (some fresh fakes in every minibatch).

    Parameters
    ----------
    real_label, fake_label : float in [0, 1]
    d_every, g_every : int >= 1
    d_loss_floor : float, optional
    hist_avg : float >= 0
    minibatch : bool
    minibatch_kernels, minibatch_dim : int >= 1
        B and C of the minibatch-discrimination tensor T (A × B × C).
    batchnorm : bool
    target_tau : float in (0, 1], optional
    replay_weight : float in [0, 1)
    replay_capacity : int >= 1
        Generated samples kept in the replay buffer.
    """

    replay_weight_below_one: ClassVar[bool] = True

    minibatch: bool = False
    minibatch_kernels: int = 5
    minibatch_dim: int = 3
    batchnorm: bool = False
    replay_capacity: int = 4096


# ---------------------------------------------------------------------------------------------
# networks
# ---------------------------------------------------------------------------------------------


def batch_normalize(z, gain, shift):
    """(z - mean_batch) / sqrt(var_batch + ε) · gain + shift, per column of z (n, k).

    Source: Ioffe & Szegedy (2015), "Batch Normalization", Algorithm 1 (training mode).
    """
    mu = np.mean(z, axis=0)
    centred = z - mu
    var = np.mean(centred * centred, axis=0)
    return centred / np.sqrt(var + BN_EPS) * gain + shift


def minibatch_features(h, T, n_kernels: int, dim: int):
    """o(x_i)_b = Σ_j exp(-‖M_{i,b} - M_{j,b}‖₁), M_i = (h_i T) reshaped to (B, C).

    Source: Salimans et al. (2016), Section 3.2, eqs. for c_b(x_i, x_j) and o(x_i).

    Parameters
    ----------
    h : array, shape (n, A)
        Features of one minibatch.
    T : array, shape (A, B·C)

    Returns
    -------
    array, shape (n, B); every entry >= 1 (the j = i term).
    """
    n = h.shape[0]
    M = np.reshape(np.dot(h, T), (n, n_kernels, dim))
    dist = np.sum(np.abs(M[:, None, :, :] - M[None, :, :, :]), axis=-1)
    return np.sum(np.exp(-dist), axis=1)


def network_output(net: dict, x, *, activation: str, batchnorm: bool = False,
                   minibatch: tuple[int, int] | None = None):
    """Forward pass of a (possibly batch-normalized, possibly minibatch-discriminating) MLP.

    Hidden layer l: h ← act(BN(h W_l + b_l)) (or act(h W_l + b_l)); with ``minibatch=(B, C)``
    the minibatch features of the last hidden layer are appended before the linear output.

    Source: Goodfellow et al. (2014), Section 3 (MLP players); Ioffe & Szegedy (2015),
    Algorithm 1; Salimans et al. (2016), Section 3.2.

    Returns
    -------
    array, shape (n, d_out)
    """
    layers = net["layers"]
    h = x
    for i, layer in enumerate(layers[:-1]):
        if batchnorm:
            z = layer_apply(h, layer, "linear")
            bn = net["bn"][i]
            h = ACTIVATIONS[activation](batch_normalize(z, bn["gain"], bn["shift"]))
        else:
            h = layer_apply(h, layer, activation)
    if minibatch is not None:
        h = np.concatenate([h, minibatch_features(h, net["T"], *minibatch)], axis=1)
    return layer_apply(h, layers[-1], "linear")


def init_stabilized_gan(config: GANConfig, data_dim: int, stabilizers: NeuralStabilizers,
                        streams) -> dict:
    """Parameters ``{"g": net, "d": net}``: the networks of :func:`solvers.neural.gan.init_gan`
    (same streams, same draws), plus BN gains (1) and shifts (0), and, for minibatch
    discrimination, T ~ N(0, 1/A) and a fresh output layer of fan-in A + B drawn afterwards
    from the discriminator's stream."""
    base, _ = init_gan(config, data_dim, streams=streams)
    nets = {"g": {"layers": base["g"]}, "d": {"layers": base["d"]}}
    if stabilizers.batchnorm:
        for key in ("g", "d"):
            nets[key]["bn"] = [{"gain": onp.ones(h), "shift": onp.zeros(h)} for h in config.hidden]
    if stabilizers.minibatch:
        a = config.hidden[-1]
        k, c = stabilizers.minibatch_kernels, stabilizers.minibatch_dim
        nets["d"]["T"] = streams.init_d.standard_normal((a, k * c)) / onp.sqrt(a)
        out = init_mlp((a + k, 1), streams.init_d, scale=config.init_scale)[0]
        nets["d"]["layers"] = list(base["d"][:-1]) + [out]
    return nets


def _smoothed_ce(logit, target):
    return np.mean(target * np.logaddexp(0.0, -logit) + (1.0 - target) * np.logaddexp(0.0, logit))


@renamed_keywords(stabilisers="stabilizers")
def stabilized_discriminator_loss(d_net: dict, x_real, x_fake, *, activation: str,
                                  stabilizers: NeuralStabilizers):
    """Label-smoothed cross-entropy of the discriminator on one real and one fake minibatch.

    L_D = mean_real [a softplus(-f) + (1 - a) softplus(f)] + mean_fake [b softplus(-f) +
    (1 - b) softplus(f)]; = -V of Goodfellow et al. (2014), eq. (1), when a = 1, b = 0.

    Source: Salimans et al. (2016), Section 3.4.
    """
    st = stabilizers
    mb = (st.minibatch_kernels, st.minibatch_dim) if st.minibatch else None
    f_r = network_output(d_net, x_real, activation=activation, batchnorm=st.batchnorm, minibatch=mb)
    f_f = network_output(d_net, x_fake, activation=activation, batchnorm=st.batchnorm, minibatch=mb)
    return _smoothed_ce(f_r[:, 0], st.real_label) + _smoothed_ce(f_f[:, 0], st.fake_label)


@renamed_keywords(stabilisers="stabilizers")
def stabilized_generator_loss(g_net: dict, d_net: dict, z, *, activation: str, kind: str,
                              stabilizers: NeuralStabilizers):
    """Minimax (mean log(1 - D)) or non-saturating (-mean log D) loss on G(z).

    Source: Goodfellow et al. (2014), eq. (1) and Section 3.
    """
    st = stabilizers
    mb = (st.minibatch_kernels, st.minibatch_dim) if st.minibatch else None
    x = network_output(g_net, z, activation=activation, batchnorm=st.batchnorm)
    f = network_output(d_net, x, activation=activation, batchnorm=st.batchnorm, minibatch=mb)[:, 0]
    if kind == "non_saturating":
        return np.mean(np.logaddexp(0.0, -f))
    return -np.mean(np.logaddexp(0.0, f))


def _d_loss(d_net, x_real, x_fake, act, st):
    return stabilized_discriminator_loss(d_net, x_real, x_fake, activation=act, stabilizers=st)


def _g_loss(g_net, d_net, z, act, kind, st):
    return stabilized_generator_loss(g_net, d_net, z, activation=act, kind=kind, stabilizers=st)


_d_vg = value_and_grad(_d_loss)
_g_vg = value_and_grad(_g_loss)


# ---------------------------------------------------------------------------------------------
# the fused route
# ---------------------------------------------------------------------------------------------


class FusedStabilizedGAN:
    """The losses of :func:`stabilized_discriminator_loss` and :func:`stabilized_generator_loss`
    with their derivatives written by hand, without autograd.

    Loss heads.  With t the target (a on real rows, b on fakes) and w = 1/n per batch, the
    discriminator's loss is Σ w [t softplus(−f) + (1 − t) softplus(f)], and since
    softplus' = σ, ∂/∂f = w (−t σ(−f) + (1 − t) σ(f)) = w (σ(f) − t); the generator's is
    mean softplus(−f) (∂/∂f = −σ(−f)/n, non-saturating) or −mean softplus(f)
    (∂/∂f = −σ(f)/n, minimax), chained through D to its input and then through G.

    Networks.  Plain MLPs run as two :class:`~solvers.neural.fused.FusedMLP` on flat parameter
    vectors (``config.dtype``; real and fake rows share one pass of D).  With ``batchnorm``
    or ``minibatch`` the networks stay ``{"layers", "bn", "T"}`` dicts (float64 only) and each
    batch has its own pass (its own statistics), with the backward pass of
    :meth:`backward`: through batch normalization ẑ = (z − μ)/√(v + ε),
    y = γ ẑ + β, ∂γ = Σₙ ḡ_y ẑ, ∂β = Σₙ ḡ_y and, with ĝ = γ ḡ_y,
    ∂z = (ĝ − mean ĝ − ẑ mean(ĝ ẑ))/√(v + ε); through the minibatch features
    o_kb = Σ_j e_kjb, e_kjb = exp(−Σ_c |M_kbc − M_jbc|), for the cotangent G of o:
    ∂M_kbc = −Σ_j (G_kb + G_jb) e_kjb sign(M_kbc − M_jbc), then ∂T = hᵀ ∂M, ∂h += ∂M Tᵀ.
    The logits and losses are float64.

    Source: Salimans et al. (2016), Sections 3.2 and 3.4 (minibatch features, smoothed
    targets); Ioffe & Szegedy (2015), Section 3 (the batch-normalization backward pass);
    Goodfellow et al. (2014), eq. (1) and Section 3 (the losses).

    Parameters
    ----------
    config : GANConfig
    data_dim : int >= 1
    stabilizers : NeuralStabilizers
    """

    def __init__(self, config: GANConfig, data_dim: int, stabilizers: NeuralStabilizers):
        st = stabilizers
        self.activation = config.activation
        self.batchnorm = st.batchnorm
        self.minibatch = (st.minibatch_kernels, st.minibatch_dim) if st.minibatch else None
        self.flat = not (st.batchnorm or st.minibatch)
        if not self.flat and config.dtype != "float64":
            raise ValueError(f"`config.dtype` must be 'float64' with batchnorm or minibatch (got {config.dtype!r})")
        self.g = FusedMLP((config.latent_dim, *config.hidden, data_dim), config.activation, dtype=config.dtype)
        self.d = FusedMLP((data_dim, *config.hidden, 1), config.activation, dtype=config.dtype)
        self.labels = (float(st.real_label), float(st.fake_label))
        self.non_saturating = config.generator_loss == "non_saturating"

    def import_nets(self, nets: dict) -> tuple:
        """``(g, d)`` as this engine holds them: flat vectors for plain MLPs, else the dicts of
        :func:`init_stabilized_gan` as float64 copies."""
        if self.flat:
            return (self.g.import_params(nets["g"]["layers"], "nets['g']"),
                    self.d.import_params(nets["d"]["layers"], "nets['d']"))
        return tuple(tree_map(lambda x: onp.array(x, dtype=onp.float64), nets[k]) for k in ("g", "d"))

    def export_nets(self, g_net, d_net) -> dict:
        """The inverse of :meth:`import_nets` (copies)."""
        if self.flat:
            return {"g": {"layers": self.g.unflatten(g_net)}, "d": {"layers": self.d.unflatten(d_net)}}
        return {"g": tree_map(onp.copy, g_net), "d": tree_map(onp.copy, d_net)}

    # loss heads ------------------------------------------------------------------------------
    def _d_head(self, f_r: onp.ndarray, f_f: onp.ndarray) -> tuple[float, onp.ndarray, onp.ndarray]:
        a, b = self.labels
        loss = onp.mean(a * onp.logaddexp(0.0, -f_r) + (1.0 - a) * onp.logaddexp(0.0, f_r)) \
            + onp.mean(b * onp.logaddexp(0.0, -f_f) + (1.0 - b) * onp.logaddexp(0.0, f_f))
        return float(loss), (expit(f_r) - a) / f_r.shape[0], (expit(f_f) - b) / f_f.shape[0]

    def _g_head(self, f: onp.ndarray) -> tuple[float, onp.ndarray]:
        n = f.shape[0]
        if self.non_saturating:
            return float(onp.mean(onp.logaddexp(0.0, -f))), -expit(-f) / n
        return -float(onp.mean(onp.logaddexp(0.0, f))), -expit(f) / n

    # networks with batch normalization or minibatch features ---------------------------------
    def forward(self, net: dict, x: onp.ndarray, *, discriminator: bool) -> tuple[onp.ndarray, tuple]:
        """The output of :func:`network_output` (float64) and the tape :meth:`backward` needs."""
        h, tape = x, []
        for i, layer in enumerate(net["layers"][:-1]):
            if self.batchnorm:
                z = dense_numpy(h, layer["W"], layer["b"], "linear")
                c = z - z.mean(axis=0)
                inv = 1.0 / onp.sqrt(onp.mean(c * c, axis=0) + BN_EPS)
                z_hat = c * inv
                out = NUMPY_ACTIVATIONS[self.activation](z_hat * net["bn"][i]["gain"] + net["bn"][i]["shift"])
                tape.append((h, z_hat, inv, out))
            else:
                out = dense_numpy(h, layer["W"], layer["b"], self.activation)
                tape.append((h, None, None, out))
            h = out
        mb = None
        if discriminator and self.minibatch is not None:
            k, c = self.minibatch
            m = (h @ net["T"]).reshape(h.shape[0], k, c)
            diff = m[:, None, :, :] - m[None, :, :, :]
            e = onp.exp(-onp.abs(diff).sum(axis=-1))
            mb = (h, diff, e)
            h = onp.concatenate([h, e.sum(axis=1)], axis=1)
        return dense_numpy(h, net["layers"][-1]["W"], net["layers"][-1]["b"], "linear"), (tape, mb, h)

    def backward(self, net: dict, tape: tuple, g_out: onp.ndarray, *, params: bool = True,
                 inputs: bool = False) -> tuple[dict | None, onp.ndarray | None]:
        """``(∂/∂net as a dict of net's structure or None, ∂/∂x or None)`` of ⟨g_out, out⟩ for
        the pass of :meth:`forward` that returned ``tape``."""
        hidden, mb, h_top = tape
        layers = net["layers"]
        top = layers[-1]
        g_layers = [None] * len(layers)
        g_layers[-1] = {"W": h_top.T @ g_out, "b": g_out.sum(axis=0)}
        g_h = g_out @ top["W"].T
        grads: dict = {}
        if mb is not None:
            h_mb, diff, e = mb
            width = h_mb.shape[1]
            g_o, g_h = g_h[:, width:], g_h[:, :width]
            w = (g_o[:, None, :] + g_o[None, :, :]) * e
            g_m = -onp.einsum("kjb,kjbc->kbc", w, onp.sign(diff)).reshape(h_mb.shape[0], -1)
            grads["T"] = h_mb.T @ g_m
            g_h = g_h + g_m @ net["T"].T
        g_bn = [None] * len(hidden)
        for i in range(len(hidden) - 1, -1, -1):
            h_in, z_hat, inv, out = hidden[i]
            g_z = activation_vjp(self.activation, out, g_h)
            if self.batchnorm:
                g_bn[i] = {"gain": (g_z * z_hat).sum(axis=0), "shift": g_z.sum(axis=0)}
                g_hat = g_z * net["bn"][i]["gain"]
                g_z = inv * (g_hat - g_hat.mean(axis=0) - z_hat * (g_hat * z_hat).mean(axis=0))
            g_layers[i] = {"W": h_in.T @ g_z, "b": g_z.sum(axis=0)}
            if i > 0 or inputs:
                g_h = g_z @ layers[i]["W"].T
        grads.update(layers=g_layers, bn=g_bn)
        return ({key: grads[key] for key in net} if params else None), (g_h if inputs else None)

    # losses and gradients --------------------------------------------------------------------
    def generate(self, g_net, z: onp.ndarray) -> onp.ndarray:
        """G(z) as a fresh float64 array."""
        if not self.flat:
            return self.forward(g_net, onp.asarray(z, dtype=onp.float64), discriminator=False)[0]
        self.g.set_flat(g_net)
        return self.g.forward(self.g.as_input(z)).astype(onp.float64)

    def d_loss_grad(self, d_net, x_real: onp.ndarray, x_fake: onp.ndarray) -> tuple[float, Any]:
        """L_D on (x_real, x_fake) at ``d_net`` and its gradient (for plain MLPs the buffer
        ``self.d.grad``, overwritten by the next call)."""
        if not self.flat:
            f_r, tape_r = self.forward(d_net, x_real, discriminator=True)
            f_f, tape_f = self.forward(d_net, x_fake, discriminator=True)
            loss, g_r, g_f = self._d_head(f_r[:, 0], f_f[:, 0])
            grads_r = self.backward(d_net, tape_r, g_r[:, None])[0]
            return loss, tree_map(onp.add, grads_r, self.backward(d_net, tape_f, g_f[:, None])[0])
        self.d.set_flat(d_net)
        n_r = x_real.shape[0]
        f = self.d.forward(self.d.as_input(onp.concatenate([x_real, x_fake])))[:, 0].astype(onp.float64)
        loss, g_r, g_f = self._d_head(f[:n_r], f[n_r:])
        return loss, self.d.backward(onp.concatenate([g_r, g_f])[:, None].astype(self.d.dtype))[0]

    def g_loss_grad(self, g_net, d_net, z: onp.ndarray) -> tuple[float, Any]:
        """L_G on the noise z against the discriminator ``d_net`` and its gradient in the
        generator's parameters (for plain MLPs the buffer ``self.g.grad``)."""
        if not self.flat:
            x, tape_g = self.forward(g_net, onp.asarray(z, dtype=onp.float64), discriminator=False)
            f, tape_d = self.forward(d_net, x, discriminator=True)
            loss, g_f = self._g_head(f[:, 0])
            g_x = self.backward(d_net, tape_d, g_f[:, None], params=False, inputs=True)[1]
            return loss, self.backward(g_net, tape_g, g_x)[0]
        self.g.set_flat(g_net)
        self.d.set_flat(d_net)
        f = self.d.forward(self.g.forward(self.g.as_input(z)))[:, 0].astype(onp.float64)
        loss, g_f = self._g_head(f)
        _, g_x = self.d.backward(g_f[:, None].astype(self.d.dtype), params=False, inputs=True)
        return loss, self.g.backward(g_x)[0]


# ---------------------------------------------------------------------------------------------
# training
# ---------------------------------------------------------------------------------------------


@renamed_keywords(stabilisers="stabilizers")
@dataclass
class NeuralStabilizedRun:
    """Outcome of :func:`train_stabilized_neural_gan`.

    ``samples`` are G(z_eval) of the final generator on the run's fixed evaluation noise
    (batch-normalized with the statistics of that batch when ``batchnorm``); ``backend`` is
    the route that ran (``config.backend``).
    """

    config: GANConfig
    stabilizers: NeuralStabilizers
    params: dict
    d_loss: onp.ndarray
    g_loss: onp.ndarray
    samples: onp.ndarray
    d_updates: int
    g_updates: int
    n_steps: int
    seconds: float
    backend: str = "autograd"

    def to_dict(self) -> dict:
        return {"config": self.config.to_dict(), "stabilizers": dataclasses.asdict(self.stabilizers),
                "d_loss": self.d_loss.tolist(), "g_loss": self.g_loss.tolist(),
                "d_updates": self.d_updates, "g_updates": self.g_updates, "n_steps": self.n_steps,
                "seconds": self.seconds, "backend": self.backend}

    to_json = deprecated_method("to_dict")


def _with_hist(grads, net, mean, lam):
    if lam == 0:
        return grads
    return tree_map(lambda g, x, m: g + 2.0 * lam * (x - m), grads, net, mean)


@renamed_keywords(stabilisers="stabilizers")
def train_stabilized_neural_gan(data: Any, config: GANConfig, n_steps: int, seed: Any, *,
                                stabilizers: NeuralStabilizers | None = None,
                                n_eval_samples: int = 10_000) -> NeuralStabilizedRun:
    """Train the neural GAN of ``config`` with the stabilizers of ``stabilizers``.

    Randomness follows :func:`solvers.neural.gan.train_gan` exactly (streams from
    :func:`solvers.neural.gan.gan_streams`, minibatches from
    :func:`solvers.neural.gan.sample_gan_batch`); replay draws use a child of the evaluation
    stream spawned without consuming it.  One step mirrors
    :func:`solvers.neural.gan.gan_update` (``config.scheme``, ``config.n_disc_steps``).
    ``config.backend="fused"`` runs :class:`FusedStabilizedGAN` (in ``config.dtype``);
    ``"autograd"`` differentiates the losses with autograd.

    Source: Goodfellow et al. (2014), Algorithm 1; the stabilizers of Pfau & Vinyals (2016),
    Table 1 (module docstring).

    Parameters
    ----------
    data : sampler (callable ``(n, rng) -> (n, d)`` or an object with ``.sample``)
    config : GANConfig
    n_steps : int >= 0
    seed : int, SeedSequence or Generator
    stabilizers : NeuralStabilizers, keyword-only
    n_eval_samples : int >= 1, keyword-only

    Returns
    -------
    NeuralStabilizedRun
    """
    st = NeuralStabilizers() if stabilizers is None else stabilizers
    if not isinstance(st, NeuralStabilizers):
        raise TypeError(f"`stabilizers` must be NeuralStabilizers, got {type(st).__name__}")
    check_instance(config, "config", GANConfig)
    sampler = as_sampler(data)
    n_steps = check_int(n_steps, "n_steps", minimum=0)
    n_eval = check_int(n_eval_samples, "n_eval_samples", minimum=1)
    streams = gan_streams(seed)
    probe = onp.asarray(sampler(1, onp.random.default_rng(0)), dtype=float).reshape(1, -1)
    nets = init_stabilized_gan(config, probe.shape[1], st, streams)
    z_eval = streams.eval.standard_normal((n_eval, config.latent_dim))
    replay_rng = streams.eval.spawn(1)[0]
    opt_g, opt_d = make_gan_optimizers(config)
    state_g, state_d = opt_g.init(nets["g"]), opt_d.init(nets["d"])
    act, kind, k = config.activation, config.generator_loss, config.n_disc_steps
    backend = config.backend
    if backend == "fused":
        engine = FusedStabilizedGAN(config, probe.shape[1], st)
        generate, d_vg, g_vg = engine.generate, engine.d_loss_grad, engine.g_loss_grad
        if engine.flat:  # flat parameter vectors and one-leaf optimizer states
            state_g, state_d = engine.g.import_opt_state(state_g), engine.d.import_opt_state(state_d)
        g0, d0 = engine.import_nets(nets)
        nets = {"g": g0, "d": d0}
    else:
        def generate(g_net, z_i):
            return onp.asarray(network_output(g_net, z_i, activation=act, batchnorm=st.batchnorm))

        def d_vg(d_net, x_r, x_f):
            return _d_vg(d_net, x_r, x_f, act, st)

        def g_vg(g_net, d_net, z_i):
            return _g_vg(g_net, d_net, z_i, act, kind, st)
    mean_g, mean_d = nets["g"], nets["d"]
    target = nets["d"] if st.target_tau is not None else None
    cap = st.replay_capacity
    buffer = onp.zeros((cap, probe.shape[1]))
    buf_len, buf_pos = 0, 0
    n_replay = int(round(st.replay_weight * config.batch_size))
    d_hist, g_hist = onp.zeros(n_steps), onp.zeros(n_steps)
    d_updates = g_updates = 0
    start = time.perf_counter()

    def fakes(g_net, z_i):
        x = generate(g_net, z_i)
        if n_replay and buf_len:
            idx = replay_rng.integers(0, buf_len, size=n_replay)
            x = onp.concatenate([x[: x.shape[0] - n_replay], buffer[idx]], axis=0)
        return x

    def d_step(d_net, state, x_r, x_f, on):
        loss, grads = d_vg(d_net, x_r, x_f)
        if on and (st.d_loss_floor is None or loss >= st.d_loss_floor):
            d_net, state = opt_d.update_unchecked(_with_hist(grads, d_net, mean_d, st.hist_avg), state, d_net)
            return d_net, state, loss, 1
        return d_net, state, loss, 0

    for t in range(n_steps):
        x_real, z = sample_gan_batch(sampler, config, streams.data, streams.noise)
        g_net, d_net = nets["g"], nets["d"]
        d_on, g_on = (t + 1) % st.d_every == 0, (t + 1) % st.g_every == 0
        fresh = None
        if config.scheme == "alternating":
            for i in range(k):
                x_f = fakes(g_net, z[i])
                fresh = x_f if fresh is None else fresh
                d_net, state_d, d_loss, n = d_step(d_net, state_d, x_real[i], x_f, d_on)
                d_updates += n
            d_for_g = d_net
        else:
            for i in range(k - 1):
                x_f = fakes(g_net, z[i])
                fresh = x_f if fresh is None else fresh
                d_net, state_d, _, n = d_step(d_net, state_d, x_real[i], x_f, d_on)
                d_updates += n
            d_for_g = d_net
            x_f = fakes(g_net, z[k - 1])
            fresh = x_f if fresh is None else fresh
            d_net, state_d, d_loss, n = d_step(d_net, state_d, x_real[k - 1], x_f, d_on)
            d_updates += n
        if target is not None:
            tau = st.target_tau
            target = tree_map(lambda old, new: (1.0 - tau) * old + tau * new, target, d_for_g)
            d_for_g = target
        g_loss, g_grads = g_vg(g_net, d_for_g, z[k])
        if g_on:
            g_net, state_g = opt_g.update_unchecked(_with_hist(g_grads, g_net, mean_g, st.hist_avg), state_g, g_net)
            g_updates += 1
        nets = {"g": g_net, "d": d_net}
        d_hist[t], g_hist[t] = float(d_loss), float(g_loss)
        if st.hist_avg > 0:
            c = 1.0 / (t + 2)
            mean_g = tree_map(lambda m, x: m + c * (x - m), mean_g, g_net)
            mean_d = tree_map(lambda m, x: m + c * (x - m), mean_d, d_net)
        if n_replay:
            new = generate(g_net, z[0]) \
                if fresh is None else fresh[: config.batch_size - (n_replay if buf_len else 0)]
            slots = (buf_pos + onp.arange(new.shape[0])) % cap
            buffer[slots] = new
            buf_pos = (buf_pos + new.shape[0]) % cap
            buf_len = min(buf_len + new.shape[0], cap)
    samples = generate(nets["g"], z_eval)
    if backend == "fused":
        nets = engine.export_nets(nets["g"], nets["d"])
    return NeuralStabilizedRun(config=config, stabilizers=st, params=nets, d_loss=d_hist, g_loss=g_hist,
                               samples=samples, d_updates=d_updates, g_updates=g_updates,
                               n_steps=n_steps, seconds=time.perf_counter() - start, backend=backend)

# Old British spellings of public names, kept as deprecated aliases (theory.deprecation).
__getattr__ = module_getattr(__name__, globals(), {
    'NeuralStabilisedRun': 'NeuralStabilizedRun',
    'NeuralStabilisers': 'NeuralStabilizers',
    'batch_normalise': 'batch_normalize',
    'init_stabilised_gan': 'init_stabilized_gan',
    'stabilised_discriminator_loss': 'stabilized_discriminator_loss',
    'stabilised_generator_loss': 'stabilized_generator_loss',
    'train_stabilised_neural_gan': 'train_stabilized_neural_gan',
})
