"""EBGAN's and BEGAN's fused losses: the generator, encoder and decoder as
:class:`~solvers.neural.fused.FusedMLP`, the heads' derivatives with respect to the residual
r = Dec(Enc(x)) − x (and to the codes, for the pulling-away term) written by hand and chained
through the three networks into preallocated buffers.

This is the default ``backend="fused"`` of :class:`solvers.neural.ebgan.AutoencoderGANConfig`;
the autograd route of :mod:`solvers.neural.ebgan` (``backend="autograd"``) computes the same
losses and gradients independently, and the tests check the two against each other (the same
numbers to rounding in float64).  Nothing here draws random numbers or loops over steps.

Sources: Zhao, Mathieu & LeCun (2017), eqs. (1)-(2), the auto-encoder discriminator and the
pulling-away term; Berthelot, Schumm & Metz (2017), Sections 3.1 and 3.4 (see
:mod:`solvers.neural.ebgan`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as onp

from solvers.neural.fused import FusedMLP

if TYPE_CHECKING:
    from solvers.neural.ebgan import AutoencoderGANConfig

__all__ = ["FusedAutoencoderGAN"]

#: Floor of ‖·‖² inside the square roots, as in :mod:`solvers.neural.ebgan`.
_TINY = 1e-300


class FusedAutoencoderGAN:
    """Losses and gradients of EBGAN and BEGAN with hand-written derivatives.

    With r = AE(x) − x per row and the row weights w:

    - EBGAN energy e = ‖r‖ (∂e/∂r = r/e); L_D = Σ w_r e_r + Σ w_f (m − e_f)⁺, ∂L_D/∂e = w_r
      on real rows and −w_f [e_f < m] on fakes; L_G = mean e(G(z)) + β f_PT(Enc(G(z))) with
      f_PT = Σ_{i≠j} C_ij²/(N(N − 1)), C = U Uᵀ, u_i = s_i/‖s_i‖, so Ū = 2 C̄ U with
      C̄ = 2 C/(N(N − 1)) off the diagonal, and s̄ = (ū − u (u·ū))/‖s‖;
    - BEGAN L(v) = mean_j |r_j|^η, ∂L/∂r = sign(r)/d (η = 1) or 2r/d (η = 2);
      L_D = mean L(x) − k mean L(G(z_D)), L_G = mean L(G(z_G));

    then chained through Dec, Enc (∂r/∂x = ∂AE/∂x − I) and, for L_G, the generator, by
    ``FusedMLP.backward``.  Networks run in ``config.dtype``; the heads in float64.

    Parameters
    ----------
    config : AutoencoderGANConfig
    data_dim : int >= 1
    """

    def __init__(self, config: AutoencoderGANConfig, data_dim: int):
        self.config = config
        act, dt = config.activation, config.dtype
        self.g = FusedMLP((config.latent_dim, *config.hidden, data_dim), act, dtype=dt)
        self.enc = FusedMLP((data_dim, *config.hidden, config.code_dim), act, dtype=dt)
        self.dec = FusedMLP((config.code_dim, *config.hidden[::-1], data_dim), act, dtype=dt)
        self._inputs: dict = {}

    # parameters --------------------------------------------------------------------------------
    def load(self, ae: dict, g_params: list | None = None) -> None:
        """Copy the autoencoder ``{"enc", "dec"}`` (and the generator) into the networks."""
        self.enc.set_flat(self.enc.flatten(ae["enc"]))
        self.dec.set_flat(self.dec.flatten(ae["dec"]))
        if g_params is not None:
            self.g.set_flat(self.g.flatten(g_params))

    def _layers(self, grad_enc: onp.ndarray, grad_dec: onp.ndarray) -> dict:
        return {"enc": self.enc.unflatten(grad_enc.astype(float, copy=False)),
                "dec": self.dec.unflatten(grad_dec.astype(float, copy=False))}

    # passes ------------------------------------------------------------------------------------
    def residual(self, x: onp.ndarray) -> tuple[onp.ndarray, onp.ndarray]:
        """``(r = AE(x) − x, codes Enc(x))`` in float64, keeping both passes for a backward."""
        buf = self._inputs.get(x.shape[0])
        if buf is None:
            buf = self._inputs[x.shape[0]] = onp.empty((x.shape[0], self.enc.sizes[0]), self.enc.dtype)
        onp.copyto(buf, x)
        codes = self.enc.forward(buf)
        return self.dec.forward(codes).astype(float) - x, codes.astype(float)

    def backward(self, g_r: onp.ndarray, g_codes: onp.ndarray | None = None, *, inputs: bool = False
                 ) -> tuple[onp.ndarray, onp.ndarray, onp.ndarray | None]:
        """``(∂/∂enc (a copy), ∂/∂dec (a copy), ∂/∂x or None)`` of the last :meth:`residual`
        pass for the cotangents of r (and of the codes)."""
        grad_dec, g_c = self.dec.backward(g_r.astype(self.dec.dtype, copy=False), inputs=True)
        grad_dec = grad_dec.copy()
        if g_codes is not None:
            g_c = g_c + g_codes.astype(self.enc.dtype, copy=False)
        grad_enc, g_x = self.enc.backward(g_c, inputs=inputs)
        return grad_enc.copy(), grad_dec, (None if g_x is None else g_x.astype(float) - g_r)

    # heads ---------------------------------------------------------------------------------------
    @staticmethod
    def energy_head(r: onp.ndarray) -> tuple[onp.ndarray, onp.ndarray]:
        """``(e = ‖r‖ per row, ∂e/∂r)``."""
        sq = onp.einsum("nd,nd->n", r, r)
        e = onp.sqrt(onp.maximum(sq, _TINY))
        return e, onp.where((sq > _TINY)[:, None], r / e[:, None], 0.0)

    def reconstruction_head(self, r: onp.ndarray) -> tuple[onp.ndarray, onp.ndarray]:
        """``(L per row, ∂L/∂r)`` of BEGAN's L(v) = mean_j |r_j|^η."""
        d = r.shape[1]
        if self.config.eta == 1:
            return onp.mean(onp.abs(r), axis=1), onp.sign(r) / d
        return onp.mean(r * r, axis=1), 2.0 * r / d

    @staticmethod
    def pulling_away(codes: onp.ndarray) -> tuple[float, onp.ndarray]:
        """``(f_PT, ∂f_PT/∂codes)`` (Zhao et al. 2017's pulling-away term)."""
        n = codes.shape[0]
        sq = onp.einsum("nd,nd->n", codes, codes)
        norm = onp.sqrt(onp.maximum(sq, _TINY))
        u = codes / norm[:, None]
        c = u @ u.T
        onp.fill_diagonal(c, 0.0)
        k = n * (n - 1)
        value = float(onp.sum(c * c) / k)
        u_bar = (4.0 / k) * (c @ u)
        radial = onp.where(sq > _TINY, onp.einsum("nd,nd->n", u, u_bar), 0.0)
        return value, (u_bar - u * radial[:, None]) / norm[:, None]

    # EBGAN ---------------------------------------------------------------------------------------
    def ebgan_d_value_and_grad(self, ae: dict, x_real, w_real, x_fake, w_fake) -> tuple[float, dict]:
        """``(L_D, gradient as {"enc", "dec"} layer lists)`` at the autoencoder ``ae``."""
        self.load(ae)
        n_r, n_f = x_real.shape[0], x_fake.shape[0]
        w_r = onp.full(n_r, 1.0 / n_r) if w_real is None else w_real
        w_f = onp.full(n_f, 1.0 / n_f) if w_fake is None else w_fake
        r, _ = self.residual(onp.concatenate([x_real, x_fake]))
        e, de = self.energy_head(r)
        hinge = self.config.margin - e[n_r:]
        loss = float(onp.dot(w_r, e[:n_r]) + onp.dot(w_f, onp.maximum(hinge, 0.0)))
        g_e = onp.concatenate([w_r, -w_f * (hinge > 0)])
        grad_enc, grad_dec, _ = self.backward(g_e[:, None] * de)
        return loss, self._layers(grad_enc, grad_dec)

    def ebgan_g_value_and_grad(self, g_params: list, ae: dict, z) -> tuple[float, list]:
        """``(L_G, gradient in θ as a layer list)`` at ``g_params`` against ``ae``."""
        self.load(ae, g_params)
        x = self.g.forward(self.g.as_input(z)).astype(float)
        n = x.shape[0]
        r, codes = self.residual(x)
        e, de = self.energy_head(r)
        loss = float(onp.mean(e))
        g_codes = None
        if self.config.pt_weight > 0:
            pt, g_pt = self.pulling_away(codes)
            loss += self.config.pt_weight * pt
            g_codes = self.config.pt_weight * g_pt
        _, _, g_x = self.backward(de / n, g_codes, inputs=True)
        return loss, self.g.unflatten(self.g.backward(g_x.astype(self.g.dtype, copy=False))[0].astype(float))

    def generate(self, g_params: list, z) -> onp.ndarray:
        """G(z) (float64) at ``g_params``."""
        self.g.set_flat(self.g.flatten(g_params))
        return self.g.forward(self.g.as_input(z)).astype(float)

    # BEGAN ---------------------------------------------------------------------------------------
    def began_grads(self, g_params: list, ae: dict, k: float, x_real, z_d, z_g) -> tuple[dict, dict, list]:
        """``(losses, ∂L_D as {"enc", "dec"}, ∂L_G in θ)`` at (θ, ψ, k): ``losses`` holds
        ``l_real`` = mean L(x), ``l_fake_d`` = mean L(G(z_D)), ``l_fake`` = mean L(G(z_G)) and
        ``d_loss`` = l_real − k l_fake_d."""
        self.load(ae, g_params)
        x_fake = self.g.forward(self.g.as_input(z_d)).astype(float)
        n_r, n_f = x_real.shape[0], x_fake.shape[0]
        r, _ = self.residual(onp.concatenate([x_real, x_fake]))
        ell, dl = self.reconstruction_head(r)
        l_real, l_fake_d = float(onp.mean(ell[:n_r])), float(onp.mean(ell[n_r:]))
        w = onp.concatenate([onp.full(n_r, 1.0 / n_r), onp.full(n_f, -k / n_f)])
        grad_enc, grad_dec, _ = self.backward(w[:, None] * dl)
        d_grads = self._layers(grad_enc, grad_dec)
        x = self.g.forward(self.g.as_input(z_g)).astype(float)
        r, _ = self.residual(x)
        ell, dl = self.reconstruction_head(r)
        _, _, g_x = self.backward(dl / x.shape[0], inputs=True)
        g_grads = self.g.unflatten(self.g.backward(g_x.astype(self.g.dtype, copy=False))[0].astype(float))
        losses = {"l_real": l_real, "l_fake_d": l_fake_d, "l_fake": float(onp.mean(ell)),
                  "d_loss": l_real - k * l_fake_d}
        return losses, d_grads, g_grads
