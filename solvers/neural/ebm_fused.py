"""The energy-based GAN's fused training step: the energy network f_θ as a
:class:`~solvers.neural.fused.FusedMLP`, the Gaussian-mixture sampler and both losses with
their derivatives written by hand in numpy.

This is the default ``backend="fused"`` of :class:`solvers.neural.ebm.EBMConfig`; the autograd
route of :mod:`solvers.neural.ebm` (``backend="autograd"``) computes the same losses and
gradients independently (:func:`~solvers.neural.ebm.ebm_discriminator_loss`,
:func:`~solvers.neural.ebm.ebm_generator_loss` through autograd), and the tests check the two
against each other (the same numbers to rounding in float64).  Nothing here draws random
numbers or loops over training steps.

Source: Finn, Christiano, Abbeel & Levine (2016), arXiv:1611.03852, Sections 2.1, 3.1, 3.2
and 4 (the discriminator D = σ(−E_θ − log Z − log q) and the two losses, see
:mod:`solvers.neural.ebm`); Kingma & Welling (2014), "Auto-Encoding Variational Bayes",
Section 2.4 (the reparameterization x = μ + s ⊙ ε the sampler's gradient flows through).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as onp
from scipy.special import expit

from solvers.neural.fused import FusedMLP

if TYPE_CHECKING:
    from solvers.neural.ebm import EBMConfig

__all__ = ["FusedEBM"]

_LOG_2PI = float(onp.log(2.0 * onp.pi))


class FusedEBM:
    """Losses and gradients of the energy-based GAN with hand-written derivatives.

    Notation (as in :mod:`solvers.neural.ebm`): E(x) = f_θ(x) + ½ Σᵢ ((xᵢ − bᵢ)/σᵢ)²;
    q(x) = Σ_c π_c N(x; μ_c, diag s_c²) with π_c = (1 − ε) w_c (w = softmax(logits)) for the
    K learnable components and π = ε for the fixed defensive one (b, σ) when ε > 0;
    u = −E − log Z − log q.

    - L_D = mean_data softplus(−u) + Σ_fake ω softplus(u), so ∂L_D/∂u = −σ(−u)/n on data
      rows and ω σ(u) on fakes; ∂L_D/∂E = −∂L_D/∂u (chained through f_θ by
      ``FusedMLP.backward``) and ∂L_D/∂log Z = −Σ ∂L_D/∂u.
    - L_G = Σ_r ω_r [log σ(−u_r) − log σ(u_r)] = Σ_r ω_r ℓ_r with ℓ = −u = E + log Z + log q
      on the stratified draws x_jk = μ_k + s_k ⊙ ε_jk with weights ω_jk = π_k/m.  Its
      gradient has three paths: through the weights (∂L/∂ω = ℓ, then ∂ω/∂w and the softmax
      VJP w ⊙ (ḡ − w·ḡ)); through the points (∂L/∂x = ω (∇f_θ + (x − b)/σ² + ∇ₓ log q),
      ∇ₓ log q = −Σ_c r_c (x − μ_c)/s_c² with the responsibilities r_c = π_c N_c/q, then
      ∂x/∂μ_k = 1, ∂x/∂log s_k = s_k ⊙ ε); and through log q at fixed points
      (∂ log q/∂μ_c = r_c (x − μ_c)/s_c², ∂ log q/∂log s_c = r_c ((x − μ_c)²/s_c² − 1),
      ∂ log q/∂logits_k = r_k − w_k Σ_{c<K} r_c).

    The energy network runs in ``config.dtype``; the sampler, the losses and log Z stay in
    float64 (they are a few hundred numbers per step).

    Parameters
    ----------
    config : EBMConfig
    data_dim : int >= 1
    base : dict
        The fixed confinement ``{"mean" (d,), "std" (d,), "defensive_weight"}`` of
        :func:`solvers.neural.ebm.init_ebm`.
    """

    def __init__(self, config: EBMConfig, data_dim: int, base: dict):
        self.config = config
        self.energy = FusedMLP((data_dim, *config.hidden, 1), config.activation, dtype=config.dtype)
        self.base_mean = onp.asarray(base["mean"], dtype=float).reshape(data_dim)
        self.base_std = onp.asarray(base["std"], dtype=float).reshape(data_dim)
        self.base_log_std = onp.log(self.base_std)
        self.base_inv_var = 1.0 / (self.base_std * self.base_std)
        self.defensive = float(base["defensive_weight"])
        self._inputs: dict = {}

    # the sampler ---------------------------------------------------------------------------
    def components(self, sp: dict) -> tuple:
        """``(weights w (K,), mixture weights π (C,), their logarithms (C,), means (C, d),
        inverse scales (C, d), Σᵢ log sᵢ per component (C,))`` with C = K (+ 1 defensive
        component)."""
        logits = sp["logits"]
        a = logits - logits.max()
        w = onp.exp(a)
        total = w.sum()
        w /= total
        log_w = a - onp.log(total)
        means, log_s = sp["means"], sp["log_scales"]
        e = self.defensive
        if e > 0:
            pi = onp.append((1.0 - e) * w, e)
            log_pi = onp.append(log_w + onp.log1p(-e), onp.log(e))
            means = onp.concatenate([means, self.base_mean[None, :]])
            log_s = onp.concatenate([log_s, self.base_log_std[None, :]])
        else:
            pi, log_pi = w, log_w
        return w, pi, log_pi, means, onp.exp(-log_s), log_s.sum(axis=1)

    def log_q(self, comps: tuple, x: onp.ndarray, *, responsibilities: bool = False) -> tuple:
        """log q(x) (n,) and, when asked, the responsibilities r (n, C) and the standardized
        offsets z = (x − μ_c)/s_c (n, C, d)."""
        _, _, log_pi, means, inv_s, sum_log_s = comps
        z = (x[:, None, :] - means[None, :, :]) * inv_s[None, :, :]
        a = log_pi[None, :] - 0.5 * onp.einsum("ncd,ncd->nc", z, z) - sum_log_s[None, :] \
            - 0.5 * x.shape[1] * _LOG_2PI
        shift = a.max(axis=1, keepdims=True)
        e = onp.exp(a - shift)
        total = e.sum(axis=1, keepdims=True)
        lq = (onp.log(total) + shift)[:, 0]
        if not responsibilities:
            return lq, None, None
        return lq, e / total, z

    def stratified(self, sp: dict, comps: tuple, eps: onp.ndarray) -> tuple[onp.ndarray, onp.ndarray]:
        """The stratified draws (m·C, d) (row j·C + c is draw j of component c) and their
        weights ω = π_c/m (m·C,), from the noise ``eps`` of shape (m, K + 1, d)."""
        _, pi, _, means, inv_s, _ = comps
        m, c = eps.shape[0], means.shape[0]
        x = means[None, :, :] + eps[:, :c, :] / inv_s[None, :, :]
        return x.reshape(m * c, -1), onp.tile(pi / m, m)

    # energy ----------------------------------------------------------------------------------
    def _energy(self, x: onp.ndarray) -> onp.ndarray:
        """E(x) (n,) in float64, keeping the forward pass of f_θ for a backward pass."""
        net = self.energy
        buf = self._inputs.get(x.shape[0])
        if buf is None:
            buf = self._inputs[x.shape[0]] = onp.empty(x.shape, net.dtype)
        onp.copyto(buf, x)
        f = net.forward(buf)[:, 0]
        r = (x - self.base_mean) / self.base_std
        return f + 0.5 * onp.einsum("nd,nd->n", r, r)

    # losses and gradients --------------------------------------------------------------------
    def d_loss_grad(self, log_z: float, x_data: onp.ndarray, lq_data: onp.ndarray, x_fake: onp.ndarray,
                    lq_fake: onp.ndarray, w_fake: onp.ndarray) -> tuple[float, onp.ndarray, float]:
        """``(L_D, ∂L_D/∂θ (the buffer energy.grad), ∂L_D/∂log Z)`` at the energy network's
        current parameters (:func:`solvers.neural.ebm.ebm_discriminator_loss`)."""
        n = x_data.shape[0]
        x = onp.concatenate([x_data, x_fake])  # one forward pass for both batches
        u = -self._energy(x) - log_z - onp.concatenate([lq_data, lq_fake])
        u_d, u_f = u[:n], u[n:]
        loss = float(onp.mean(onp.logaddexp(0.0, -u_d)) + onp.dot(w_fake, onp.logaddexp(0.0, u_f)))
        g_u = onp.concatenate([expit(-u_d) * (-1.0 / n), w_fake * expit(u_f)])
        grad, _ = self.energy.backward((-g_u)[:, None].astype(self.energy.dtype, copy=False))
        return loss, grad, -float(g_u.sum())

    def g_loss_grad(self, sp: dict, log_z: float, eps: onp.ndarray) -> tuple[float, dict]:
        """``(L_G, {"logits", "means", "log_scales"} gradients)`` at the energy network's
        current parameters (:func:`solvers.neural.ebm.ebm_generator_loss`)."""
        comps = self.components(sp)
        w, _, _, _, inv_s_all, _ = comps
        k = w.shape[0]
        m = eps.shape[0]
        x, omega = self.stratified(sp, comps, eps)
        c = x.shape[0] // m
        lq, r, z = self.log_q(comps, x, responsibilities=True)
        ell = self._energy(x) + log_z + lq
        loss = float(onp.dot(omega, ell))
        # through the points: ω (∇f + (x − b)/σ² − Σ_c r_c z_c / s_c)
        g_f = self.energy.backward(omega[:, None].astype(self.energy.dtype, copy=False), params=False,
                                   inputs=True)[1]
        g_x = g_f + omega[:, None] * ((x - self.base_mean) * self.base_inv_var
                                      - onp.einsum("nc,ncd->nd", r, z * inv_s_all[None, :, :]))
        g_x = g_x.reshape(m, c, -1)[:, :k, :]
        eps_k = eps[:, :k, :]
        s = 1.0 / inv_s_all[:k]
        g_means = g_x.sum(axis=0)
        g_log_s = onp.einsum("mkd,mkd->kd", g_x, eps_k) * s
        # through log q at fixed points, with cotangent ω
        a = omega[:, None] * r[:, :k]
        g_means += onp.einsum("nk,nkd->kd", a, z[:, :k, :]) * inv_s_all[:k]
        g_log_s += onp.einsum("nk,nkd->kd", a, z[:, :k, :] ** 2) - a.sum(axis=0)[:, None]
        a_sum = a.sum(axis=0)
        g_logits = a_sum - w * a_sum.sum()
        # through the weights ω_jk = (1 − ε) w_k / m
        g_w = (1.0 - self.defensive) / m * ell.reshape(m, c)[:, :k].sum(axis=0)
        g_logits += w * (g_w - onp.dot(w, g_w))
        return loss, {"logits": g_logits, "means": g_means, "log_scales": g_log_s}
