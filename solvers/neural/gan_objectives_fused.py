"""The fused critic and generator losses of :mod:`solvers.neural.gan_objectives` (LSGAN,
clipped WGAN, WGAN-GP, f-GAN): both networks as :class:`~solvers.neural.fused.FusedMLP`, the loss
derivatives with respect to the critic's raw output v written by hand and chained through the
networks into preallocated buffers.

This is the default ``backend="fused"`` of :class:`solvers.neural.gan_objectives.ObjectiveGANConfig`;
WGAN-GP's gradient penalty needs the derivative of an input gradient (double backpropagation),
written out here for tanh hidden layers (other activations stay on autograd).  The autograd route
(:func:`~solvers.neural.gan_objectives.critic_loss`,
:func:`~solvers.neural.gan_objectives.generator_loss`) computes the same losses and gradients
independently, and the tests check the two against each other (the same numbers to rounding in
float64).  Nothing here draws random numbers or loops over training steps.

Sources: Mao et al. (2017), Section 3.2; Arjovsky, Chintala & Bottou (2017), Algorithm 1;
Gulrajani et al. (2017), eq. (3); Nowozin, Cseke & Tomioka (2016), Section 3 and Table 2 (see :mod:`solvers.neural.gan_objectives`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as onp
from scipy.special import expit

from solvers.neural.fused import FusedMLP
from theory.validation import check_in

if TYPE_CHECKING:
    from solvers.neural.gan_objectives import ObjectiveGANConfig

__all__ = ["FUSED_OBJECTIVES", "FUSED_PENALTY_ACTIVATIONS", "fgan_term_slopes", "tanh_curvature", "FusedObjectiveGAN"]

#: The objectives with a fused path.
FUSED_OBJECTIVES = ("lsgan", "wgan_clip", "wgan_gp", "fgan")
#: Hidden activations of the fused WGAN-GP penalty, whose gradient needs act'' (written here
#: for tanh only; the others stay on autograd).
FUSED_PENALTY_ACTIVATIONS = ("tanh",)
#: Floor of ‖∇f‖² inside the square root, as in :func:`solvers.neural.gan_objectives.gradient_norm`.
_TINY = 1e-300


def tanh_curvature(h: onp.ndarray) -> onp.ndarray:
    """tanh''(z) = −2 tanh z (1 − tanh² z), from the output h = tanh z."""
    return -2.0 * h * (1.0 - h * h)


def fgan_term_slopes(v: onp.ndarray, family: str) -> tuple[onp.ndarray, onp.ndarray]:
    """``(dT/dv, d f*(T)/dv)`` of :func:`solvers.neural.gan_objectives.fgan_terms`, by hand.

    kl: (1, e^{v−1}); reverse_kl: (e^{−v}, 1); pearson_chi2: (1, 1 + v/2); neyman_chi2:
    (e^{−v}, e^{−v/2}); squared_hellinger: (e^{−v}, e^{v}); jensen_shannon and gan:
    (σ(−v), σ(v)) (d softplus(s)/ds = σ(s)).

    Source: the derivatives of Nowozin, Cseke & Tomioka (2016), Table 2's g_f and f*∘g_f as
    composed in :func:`~solvers.neural.gan_objectives.fgan_terms`.
    """
    from solvers.neural.gan_objectives import FGAN_FAMILY_NAMES

    check_in(family, "family", FGAN_FAMILY_NAMES)
    one = onp.ones_like(v)
    if family == "kl":
        return one, onp.exp(v - 1.0)
    if family == "reverse_kl":
        return onp.exp(-v), one
    if family == "pearson_chi2":
        return one, 1.0 + 0.5 * v
    if family == "neyman_chi2":
        return onp.exp(-v), onp.exp(-0.5 * v)
    if family == "squared_hellinger":
        return onp.exp(-v), onp.exp(v)
    return expit(-v), expit(v)


class FusedObjectiveGAN:
    """Critic and generator losses and gradients with hand-written derivatives.

    With v the critic's raw output and w the weights of the rows (1/n for a minibatch):

    - ``"lsgan"``: L_D = ½ Σ w_r (v_r − b)² + ½ Σ w_f (v_f − a)², ∂L_D/∂v = w (v − label);
      L_G = ½ mean (v − c)², ∂L_G/∂v = (v − c)/n;
    - ``"wgan_clip"``: L_D = Σ w_f v_f − Σ w_r v_r, ∂L_D/∂v = ±w; L_G = −mean v, −1/n;
      ``"wgan_gp"``: the same plus the penalty of :meth:`penalty_loss_grad` on the interpolates;
    - ``"fgan"``: L_D = Σ w_f f*(T(v_f)) − Σ w_r T(v_r), ∂L_D/∂v = w_f (f*∘T)'(v_f) and
      −w_r T'(v_r) (:func:`fgan_term_slopes`); L_G = −mean f*(T(v)), −(f*∘T)'(v)/n;

    then chained through the critic (to its input, for L_G) and the generator by
    ``FusedMLP.backward``.  Real and fake rows share one forward pass of the critic, as in the
    autograd route.  Networks run in ``config.dtype``; the loss heads and the WGAN-GP penalty
    (:meth:`penalty_loss_grad`) in float64.

    Parameters
    ----------
    config : ObjectiveGANConfig
        Its objective must be one of :data:`FUSED_OBJECTIVES`.
    data_dim : int >= 1
    """

    def __init__(self, config: ObjectiveGANConfig, data_dim: int):
        check_in(config.objective, "objective", FUSED_OBJECTIVES)
        if config.objective == "wgan_gp":
            check_in(config.activation, "activation", FUSED_PENALTY_ACTIVATIONS)
        self.config = config
        self.g = FusedMLP((config.latent_dim, *config.hidden, data_dim), config.activation, dtype=config.dtype)
        self.d = FusedMLP((data_dim, *config.hidden, 1), config.activation, dtype=config.dtype)
        self._inputs: dict = {}

    # loss heads ------------------------------------------------------------------------------
    def critic_head(self, v_r: onp.ndarray, w_r: onp.ndarray, v_f: onp.ndarray, w_f: onp.ndarray
                    ) -> tuple[float, onp.ndarray, onp.ndarray]:
        """``(L_D, ∂L_D/∂v_r, ∂L_D/∂v_f)`` from the raw outputs and the row weights."""
        cfg = self.config
        if cfg.objective == "lsgan":
            e_r, e_f = v_r - cfg.b, v_f - cfg.a
            loss = 0.5 * onp.dot(w_r, e_r * e_r) + 0.5 * onp.dot(w_f, e_f * e_f)
            return float(loss), w_r * e_r, w_f * e_f
        if cfg.objective != "fgan":  # wgan_clip and the linear part of wgan_gp
            return float(onp.dot(w_f, v_f) - onp.dot(w_r, v_r)), -w_r, w_f.copy()
        from solvers.neural.gan_objectives import fgan_terms

        t_r, _ = fgan_terms(v_r, cfg.family)
        _, fs_f = fgan_terms(v_f, cfg.family)
        dt_r, _ = fgan_term_slopes(v_r, cfg.family)
        _, dfs_f = fgan_term_slopes(v_f, cfg.family)
        return float(onp.dot(w_f, fs_f) - onp.dot(w_r, t_r)), -w_r * dt_r, w_f * dfs_f

    def generator_head(self, v: onp.ndarray) -> tuple[float, onp.ndarray]:
        """``(L_G, ∂L_G/∂v)`` on the critic's raw outputs of the fakes."""
        cfg, n = self.config, v.shape[0]
        if cfg.objective == "lsgan":
            e = v - cfg.c
            return float(0.5 * onp.mean(e * e)), e / n
        if cfg.objective != "fgan":
            return -float(onp.mean(v)), onp.full(n, -1.0 / n)
        from solvers.neural.gan_objectives import fgan_terms

        _, fs = fgan_terms(v, cfg.family)
        return -float(onp.mean(fs)), -fgan_term_slopes(v, cfg.family)[1] / n

    # losses and gradients at the networks' current parameters ----------------------------------
    def _input(self, n: int) -> onp.ndarray:
        buf = self._inputs.get(n)
        if buf is None:
            buf = self._inputs[n] = onp.empty((n, self.d.sizes[0]), self.d.dtype)
        return buf

    def critic_loss_grad(self, x_real: onp.ndarray, w_real: onp.ndarray | None, x_fake: onp.ndarray,
                         w_fake: onp.ndarray | None) -> tuple[float, onp.ndarray]:
        """L_D on real and fake rows (weights None: uniform) and its gradient in ψ (the buffer
        ``self.d.grad``)."""
        n_r, n_f = x_real.shape[0], x_fake.shape[0]
        x = self._input(n_r + n_f)
        onp.copyto(x[:n_r], x_real)
        onp.copyto(x[n_r:], x_fake)
        v = self.d.forward(x)[:, 0].astype(float)
        w_r = onp.full(n_r, 1.0 / n_r) if w_real is None else w_real
        w_f = onp.full(n_f, 1.0 / n_f) if w_fake is None else w_fake
        loss, g_r, g_f = self.critic_head(v[:n_r], w_r, v[n_r:], w_f)
        g = onp.concatenate([g_r, g_f])[:, None].astype(self.d.dtype, copy=False)
        return loss, self.d.backward(g)[0]

    def penalty_loss_grad(self, x_hat: onp.ndarray, w_hat: onp.ndarray | None) -> tuple[float, list]:
        """The gradient penalty P = λ Σ w (‖∇ₓf(x̂)‖₂ − 1)² and its gradient in ψ as a layer
        list (float64), by double backpropagation written out for tanh hidden layers.

        Forward h_{i+1} = tanh(h_i W_i + b_i), f = h_{L−1} W_{L−1} + b_{L−1}; the input
        gradient runs u_{L−2} = W_{L−1}ᵀ (every row), δ_i = u_i ⊙ s_i with s_i = 1 − h_{i+1}²,
        u_{i−1} = δ_i W_iᵀ, ∇ₓf = u_{−1}.  Its reverse, from ū_{−1} = ∂P/∂∇ₓf =
        2λ w (‖g‖ − 1) g/‖g‖: W̄_i += ū_{i−1}ᵀ δ_i, δ̄_i = ū_{i−1} W_i, ū_i = δ̄_i ⊙ s_i,
        z̄_i += tanh''(z_i) ⊙ δ̄_i ⊙ u_i (through s_i = tanh'(z_i); :func:`tanh_curvature`),
        W̄_{L−1} += Σₙ ū_{L−2}ᵀ; then the ordinary backward pass of the forward network carries
        the z̄ down (z̄_i += h̄_{i+1} ⊙ s_i, W̄_i += h_iᵀ z̄_i, b̄_i += Σₙ z̄_i, h̄_i = z̄_i W_iᵀ).

        Source: Gulrajani et al. (2017), eq. (3) (the penalty); the derivative is the chain
        rule through the backward pass of Rumelhart et al. (1986).
        """
        layers = [{k: onp.asarray(v, dtype=float) for k, v in layer.items()} for layer in self.d.layers]
        n_layers = len(layers)
        x = onp.asarray(x_hat, dtype=float)
        w = onp.full(x.shape[0], 1.0 / x.shape[0]) if w_hat is None else w_hat
        hs = [x]
        for layer in layers[:-1]:
            hs.append(onp.tanh(hs[-1] @ layer["W"] + layer["b"]))
        slopes = [1.0 - h * h for h in hs[1:]]
        u = onp.broadcast_to(layers[-1]["W"][:, 0], (x.shape[0], layers[-1]["W"].shape[0]))
        us, deltas = [None] * (n_layers - 1), [None] * (n_layers - 1)
        for i in range(n_layers - 2, -1, -1):
            us[i] = u
            deltas[i] = u * slopes[i]
            u = deltas[i] @ layers[i]["W"].T
        sq = onp.einsum("nd,nd->n", u, u)
        norm = onp.sqrt(onp.maximum(sq, _TINY))
        lam = self.config.penalty_weight
        loss = float(lam * onp.dot(w, (norm - 1.0) ** 2))
        coef = onp.where(sq > _TINY, 2.0 * lam * w * (norm - 1.0) / norm, 0.0)
        grads = [{"W": onp.zeros_like(layer["W"]), "b": onp.zeros_like(layer["b"])} for layer in layers]
        u_bar = coef[:, None] * u
        z_bar = [None] * (n_layers - 1)  # cotangents of z_0 .. z_{L-2} from the input-gradient pass
        for i in range(n_layers - 1):
            grads[i]["W"] += u_bar.T @ deltas[i]
            d_bar = u_bar @ layers[i]["W"]
            z_bar[i] = tanh_curvature(hs[i + 1]) * d_bar * us[i]
            u_bar = d_bar * slopes[i]
        grads[-1]["W"][:, 0] += u_bar.sum(axis=0)
        carry = None  # the cotangent of h_{i+1} from the layers above
        for i in range(n_layers - 2, -1, -1):
            zb = z_bar[i] if carry is None else z_bar[i] + carry * slopes[i]
            grads[i]["W"] += hs[i].T @ zb
            grads[i]["b"] += zb.sum(axis=0)
            carry = zb @ layers[i]["W"].T
        return loss, grads

    def generator_loss_grad(self, z: onp.ndarray) -> tuple[float, onp.ndarray]:
        """L_G on the noise z (n, m) and its gradient in θ (the buffer ``self.g.grad``)."""
        v = self.d.forward(self.g.forward(self.g.as_input(z)))[:, 0].astype(float)
        loss, g_v = self.generator_head(v)
        _, g_x = self.d.backward(g_v[:, None].astype(self.d.dtype, copy=False), params=False, inputs=True)
        return loss, self.g.backward(g_x)[0]

    # on layer lists (the interface of the autograd route) ---------------------------------------
    def critic_value_and_grad(self, d_params: list, x_real, w_real, x_fake, w_fake, x_hat=None, w_hat=None
                              ) -> tuple[float, list]:
        """``(L_D, gradient as a layer list)`` at the critic ``d_params`` (a fresh copy); for
        ``"wgan_gp"`` the penalty on the interpolates ``x_hat`` (weights ``w_hat``) is added."""
        self.d.set_flat(self.d.flatten(d_params))
        loss, grad = self.critic_loss_grad(x_real, w_real, x_fake, w_fake)
        grads = self.d.unflatten(grad.astype(float, copy=False))
        if self.config.objective != "wgan_gp":
            return loss, grads
        if x_hat is None:
            raise ValueError("`x_hat` (the interpolates) is required for objective 'wgan_gp'")
        p_loss, p_grads = self.penalty_loss_grad(x_hat, w_hat)
        for layer, extra in zip(grads, p_grads):
            layer["W"] += extra["W"]
            layer["b"] += extra["b"]
        return loss + p_loss, grads

    def generator_value_and_grad(self, g_params: list, d_params: list, z) -> tuple[float, list]:
        """``(L_G, gradient in θ as a layer list)`` at ``g_params`` against ``d_params``."""
        self.g.set_flat(self.g.flatten(g_params))
        self.d.set_flat(self.d.flatten(d_params))
        loss, grad = self.generator_loss_grad(z)
        return loss, self.g.unflatten(grad.astype(float, copy=False))

    def generate(self, g_params: list, z) -> onp.ndarray:
        """G(z) (float64) at ``g_params``."""
        self.g.set_flat(self.g.flatten(g_params))
        return self.g.forward(self.g.as_input(z)).astype(float)
