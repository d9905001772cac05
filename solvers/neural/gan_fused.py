"""The neural GAN's fused training step: both networks as
:class:`~solvers.neural.fused.FusedMLP`, the loss derivatives with respect to the logits
written by hand and chained through the networks into preallocated buffers.

This is the default ``backend="fused"`` of :class:`solvers.neural.gan.GANConfig`; the autograd
route of :mod:`solvers.neural.gan` (``backend="autograd"``) computes the same losses and
gradients independently, and the tests check the two against each other (the same numbers to
rounding in float64).  :func:`solvers.neural.gan.gan_update`, :func:`~solvers.neural.gan.train_gan`
and :func:`~solvers.neural.gan.train_discriminator` choose between them; nothing here draws
random numbers or loops over training steps.

Source: Goodfellow et al. (2014), "Generative Adversarial Nets", eq. (1) and Algorithm 1 (the
losses and the order of the updates, see :mod:`solvers.neural.gan`).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as onp
from scipy.special import expit

from solvers.neural.fused import FusedMLP
from solvers.neural.optim import OptState

if TYPE_CHECKING:
    from solvers.neural.gan import GANConfig

__all__ = ["FusedGAN", "stacked_batch_weights"]


@functools.lru_cache(maxsize=32)
def stacked_batch_weights(n_r: int, n_f: int) -> tuple[onp.ndarray, onp.ndarray]:
    """``(sign, weight)``, read-only columns of shape (n_r + n_f, 1) for a batch of n_r real
    rows stacked above n_f fakes: sign −1 on real rows and +1 on fakes, weight 1/n_r and 1/n_f,
    so that L_D = Σ weight · softplus(sign · f) (Goodfellow et al. 2014, eq. (1), as −V).
    Cached per (n_r, n_f); shared by the autograd loss and the fused step.

    Examples
    --------
    >>> sign, weight = stacked_batch_weights(2, 1)
    >>> sign.ravel().tolist(), weight.ravel().tolist()
    ([-1.0, -1.0, 1.0], [0.5, 0.5, 1.0])
    """
    sign = onp.concatenate([-onp.ones((n_r, 1)), onp.ones((n_f, 1))])
    weight = onp.concatenate([onp.full((n_r, 1), 1.0 / n_r), onp.full((n_f, 1), 1.0 / n_f)])
    sign.setflags(write=False)
    weight.setflags(write=False)
    return sign, weight


class FusedGAN:
    """The GAN's training step on two :class:`~solvers.neural.fused.FusedMLP` networks.

    The losses are those of :func:`solvers.neural.gan.discriminator_loss` and
    :func:`solvers.neural.gan.generator_loss`; their derivatives with
    respect to the logits f are written once here, from d softplus(s)/ds = σ(s):

    - L_D = Σ w·softplus(s·f) (s = −1 on real rows, +1 on fakes; w = 1/n per half), so
      ∂L_D/∂f = s·w·σ(s·f);
    - non-saturating L_G = mean softplus(−f), ∂L_G/∂f = −σ(−f)/n; minimax
      L_G = −mean softplus(f), ∂L_G/∂f = −σ(f)/n;

    then chained through D (to its input, for L_G) and G by ``FusedMLP.backward``.  The real
    rows and the generator's fakes share one input buffer of D, so D sees both halves in one
    pass, as in the autograd route.

    A state is ``(flat_g, flat_d, opt_state_g, opt_state_d)``: flat parameter vectors (never
    modified in place; each update makes new ones) and optimizer states whose slots hold one
    flat leaf (the optimizers are elementwise, so this is the same update as leaf by leaf).
    """

    def __init__(self, config: GANConfig, data_dim: int):
        self.config = config
        self.g = FusedMLP((config.latent_dim, *config.hidden, data_dim), config.activation, dtype=config.dtype)
        self.d = FusedMLP((data_dim, *config.hidden, 1), config.activation, dtype=config.dtype)
        self.opt_g, self.opt_d = config.optimizers()
        self._d_heads: dict = {}
        self._g_heads: dict = {}

    # state conversion ----------------------------------------------------------------------
    def import_state(self, params: dict, opt_states: dict) -> tuple:
        flats, states = [], []
        for name, net in (("g", self.g), ("d", self.d)):
            flats.append(net.import_params(params[name], f"params['{name}']"))
            states.append(net.import_opt_state(opt_states[name]))
        return flats[0], flats[1], states[0], states[1]

    def export_params(self, state: tuple) -> dict:
        """``{"g": layers, "d": layers}``: views into the state's flat vectors (never modified)."""
        return {"g": self.g.unflatten(state[0], copy=False), "d": self.d.unflatten(state[1], copy=False)}

    def export_states(self, state: tuple) -> dict:
        return {"g": self.g.export_opt_state(state[2]), "d": self.d.export_opt_state(state[3])}

    def import_d(self, d_params: list) -> tuple:
        """``(flat_d, opt_state_d)`` of the discriminator alone (:meth:`d_step`): its flat
        parameters and a fresh (zero) optimizer state in the engine's dtype."""
        return self.d.flatten(d_params), self.d.import_opt_state(self.opt_d.init(d_params))

    def export_d(self, state: tuple) -> tuple:
        """``(d_params, opt_state_d)`` as layers from an :meth:`import_d` state."""
        return self.d.unflatten(state[0], copy=False), self.d.export_opt_state(state[1])

    # losses and gradients --------------------------------------------------------------------
    def _d_head(self, n_r: int, n_f: int) -> tuple:
        head = self._d_heads.get((n_r, n_f))
        if head is None:
            sign, weight = stacked_batch_weights(n_r, n_f)
            dt = self.d.dtype
            head = self._d_heads[(n_r, n_f)] = (
                onp.empty((n_r + n_f, self.d.sizes[0]), dt),  # D's input: real rows, then fakes
                sign.astype(dt), weight[:, 0].astype(dt), (sign * weight).astype(dt),
                onp.empty((n_r + n_f, 1), dt))
        return head

    def _d_loss_grad(self, head: tuple) -> tuple[float, onp.ndarray]:
        x_d, sign, weight, sign_weight, g_logit = head
        logit = self.d.forward(x_d)
        s = onp.multiply(sign, logit, out=g_logit)
        loss = float(onp.dot(weight, onp.logaddexp(0.0, s)[:, 0]))
        onp.multiply(expit(s, out=g_logit), sign_weight, out=g_logit)
        return loss, self.d.backward(g_logit)[0]

    def d_loss_grad(self, x_real: onp.ndarray, z: onp.ndarray) -> tuple[float, onp.ndarray]:
        """L_D on (x_real, G(z)) and its gradient in ψ (the buffer ``self.d.grad``)."""
        n_r = x_real.shape[0]
        head = self._d_head(n_r, z.shape[0])
        onp.copyto(head[0][:n_r], x_real)
        self.g.forward(self.g.as_input(z), out=head[0][n_r:])
        return self._d_loss_grad(head)

    def d_loss_grad_on(self, x_real: onp.ndarray, x_fake: onp.ndarray) -> tuple[float, onp.ndarray]:
        """L_D on given real and fake rows and its gradient in ψ."""
        n_r = x_real.shape[0]
        head = self._d_head(n_r, x_fake.shape[0])
        onp.copyto(head[0][:n_r], x_real)
        onp.copyto(head[0][n_r:], x_fake)
        return self._d_loss_grad(head)

    def g_loss_grad(self, z: onp.ndarray) -> tuple[float, onp.ndarray]:
        """L_G on the noise z and its gradient in θ (the buffer ``self.g.grad``)."""
        logit = self.d.forward(self.g.forward(self.g.as_input(z)))
        n = logit.shape[0]
        g_logit = self._g_heads.get(n)
        if g_logit is None:
            g_logit = self._g_heads[n] = onp.empty((n, 1), self.d.dtype)
        if self.config.generator_loss == "non_saturating":  # mean softplus(−f); −σ(−f)/n
            onp.negative(logit, out=g_logit)
            loss = float(onp.mean(onp.logaddexp(0.0, g_logit)))
        else:  # −mean softplus(f); −σ(f)/n
            onp.copyto(g_logit, logit)
            loss = -float(onp.mean(onp.logaddexp(0.0, g_logit)))
        onp.multiply(expit(g_logit, out=g_logit), -1.0 / n, out=g_logit)
        _, g_x = self.d.backward(g_logit, params=False, inputs=True)
        return loss, self.g.backward(g_x)[0]

    # updates ---------------------------------------------------------------------------------
    def _apply(self, net: FusedMLP, opt, grad: onp.ndarray, state: OptState) -> OptState:
        (new,), state = opt.update_leaves([grad], state, [net.flat])
        net.set_flat(new)
        return state

    def step(self, state: tuple, x_real: onp.ndarray, z: onp.ndarray) -> tuple[tuple, tuple[float, float]]:
        """One :func:`gan_update` (same order of updates) from ``state``; returns the new state
        and the losses."""
        flat_g, flat_d, s_g, s_d = state
        self.g.set_flat(flat_g)
        self.d.set_flat(flat_d)
        k = self.config.n_disc_steps
        n_alone = k if self.config.scheme == "alternating" else k - 1
        for i in range(n_alone):
            d_loss, grad = self.d_loss_grad(x_real[i], z[i])
            s_d = self._apply(self.d, self.opt_d, grad, s_d)
        if self.config.scheme == "alternating":
            g_loss, grad = self.g_loss_grad(z[k])
            s_g = self._apply(self.g, self.opt_g, grad, s_g)
        else:  # both gradients at the same (θ, ψ); L_G's backward pass leaves D's gradient alone
            d_loss, grad_d = self.d_loss_grad(x_real[k - 1], z[k - 1])
            g_loss, grad_g = self.g_loss_grad(z[k])
            s_d = self._apply(self.d, self.opt_d, grad_d, s_d)
            s_g = self._apply(self.g, self.opt_g, grad_g, s_g)
        return (self.g.flat, self.d.flat, s_g, s_d), (d_loss, g_loss)

    def d_step(self, flat_d: onp.ndarray, s_d: OptState, x_real: onp.ndarray, x_fake: onp.ndarray
               ) -> tuple[onp.ndarray, OptState, float]:
        """One discriminator update on given real and fake rows (:func:`train_discriminator`)."""
        self.d.set_flat(flat_d)
        loss, grad = self.d_loss_grad_on(x_real, x_fake)
        s_d = self._apply(self.d, self.opt_d, grad, s_d)
        return self.d.flat, s_d, loss
