"""Benchmark: training steps per second of the neural GAN (solvers.neural.gan).

Setting: 1-D data (two Gaussians at ±2, std 0.5), generator and discriminator both 2x64
tanh MLPs, batch 256, Adam, one discriminator and one generator update per step
(alternating, non-saturating loss), minibatch sampling included.

Peer: the same training step with a hand-written backward pass in plain numpy (no
autograd), on the same minibatches from the same initialization.  ``agree`` is the largest
parameter difference between the two after a few steps, so the timing compares two
computations of the same numbers (autograd's gradients vs hand-derived ones).

BLAS threads: these matrices are small (256 x 64); OpenBLAS threading only adds overhead and,
on a busy machine, can slow a step down ten-fold.  Run with ``OPENBLAS_NUM_THREADS=1`` (the
CLI's concern) for stable numbers; the target is >= 300 steps/s on one core.
"""

from __future__ import annotations

import time

import numpy as np
from scipy.special import expit

from experiments.bench import BenchRow, benchmark
from solvers.neural.gan import GANConfig, gan_streams, gan_update, init_gan, sample_gan_batch, train_gan
from solvers.neural.optim import tree_flatten
from solvers.problems.mixtures import mixture_1d

__all__ = ["run"]

SEED = 20240601
TARGET_STEPS_PER_SECOND = 300.0


# ---------------------------------------------------------------------------------------------
# the peer: the same step with a hand-written backward pass
# ---------------------------------------------------------------------------------------------


def _forward(params, x):
    """Hidden activations (tanh) and the linear output of an MLP."""
    hs = [x]
    for layer in params[:-1]:
        hs.append(np.tanh(hs[-1] @ layer["W"] + layer["b"]))
    return hs, hs[-1] @ params[-1]["W"] + params[-1]["b"]


def _backward(params, hs, g_out, need_input_grad=False):
    """Gradients of the layers (and of the input) given dLoss/dOutput."""
    grads = [None] * len(params)
    g = g_out
    for i in range(len(params) - 1, -1, -1):
        grads[i] = {"W": hs[i].T @ g, "b": g.sum(axis=0)}
        if i > 0 or need_input_grad:
            g = g @ params[i]["W"].T
            if i > 0:
                g = g * (1.0 - hs[i] ** 2)
    return grads, (g if need_input_grad else None)


class _PeerAdam:
    """Kingma & Ba (2015), Algorithm 1, on lists of layer dicts."""

    def __init__(self, lr, b1=0.9, b2=0.999, eps=1e-8):
        self.lr, self.b1, self.b2, self.eps = lr, b1, b2, eps

    def init(self, params):
        zeros = [{k: np.zeros_like(v) for k, v in layer.items()} for layer in params]
        return {"t": 0, "m": zeros, "v": [{k: v.copy() for k, v in z.items()} for z in zeros]}

    def update(self, grads, state, params):
        t = state["t"] + 1
        c1, c2 = 1.0 - self.b1 ** t, 1.0 - self.b2 ** t
        new_p, new_m, new_v = [], [], []
        for p, g, m, v in zip(params, grads, state["m"], state["v"]):
            mm = {k: self.b1 * m[k] + (1.0 - self.b1) * g[k] for k in p}
            vv = {k: self.b2 * v[k] + (1.0 - self.b2) * (g[k] * g[k]) for k in p}
            new_p.append({k: p[k] - self.lr * (mm[k] / c1) / (np.sqrt(vv[k] / c2) + self.eps) for k in p})
            new_m.append(mm)
            new_v.append(vv)
        return new_p, {"t": t, "m": new_m, "v": new_v}


def _peer_update(params, states, opts, x_real, z):
    """Alternating non-saturating step (k = 1), gradients by hand."""
    g_p, d_p = params["g"], params["d"]
    # discriminator: L_D = mean softplus(−f(x_r)) + mean softplus(f(x_f))
    _, x_fake = _forward(g_p, z[0])
    x_all = np.concatenate([x_real[0], x_fake])
    n = x_real.shape[1]
    hs, logit = _forward(d_p, x_all)
    g_logit = np.concatenate([-expit(-logit[:n]), expit(logit[n:])]) / n
    d_grads, _ = _backward(d_p, hs, g_logit)
    d_p, s_d = opts[1].update(d_grads, states["d"], d_p)
    # generator: L_G = mean softplus(−f(G(z)))
    hs_g, x_gen = _forward(g_p, z[1])
    hs_d, logit = _forward(d_p, x_gen)
    _, g_x = _backward(d_p, hs_d, -expit(-logit) / z.shape[1], need_input_grad=True)
    g_grads, _ = _backward(g_p, hs_g, g_x)
    g_p, s_g = opts[0].update(g_grads, states["g"], g_p)
    return {"g": g_p, "d": d_p}, {"g": s_g, "d": s_d}


def _peer_train(data, config, n_steps, seed):
    streams = gan_streams(seed)
    params, _ = init_gan(config, 1, streams=streams)
    opts = (_PeerAdam(config.lr_g), _PeerAdam(config.lr_d))
    states = {"g": opts[0].init(params["g"]), "d": opts[1].init(params["d"])}
    for _ in range(n_steps):
        x, z = sample_gan_batch(data, config, streams.data, streams.noise)
        params, states = _peer_update(params, states, opts, x, z)
    return params


def _ours_train(data, config, n_steps, seed):
    streams = gan_streams(seed)
    params, states = init_gan(config, 1, streams=streams)
    for _ in range(n_steps):
        x, z = sample_gan_batch(data, config, streams.data, streams.noise)
        params, states, _ = gan_update(params, states, x, z, config)
    return params


def _best_seconds_per_step(fn, n_steps, repeat):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn(n_steps)
        best = min(best, (time.perf_counter() - start) / n_steps)
    return best


@benchmark("gan")
def run(*, quick: bool = False) -> list[BenchRow]:
    """Steps per second of ``train_gan`` (autograd) against a hand-backprop numpy step."""
    data = mixture_1d([-2.0, 2.0], [0.5, 0.5])
    config = GANConfig(hidden=(64, 64), batch_size=256, n_disc_steps=1, scheme="alternating",
                       generator_loss="non_saturating", activation="tanh", optimizer="adam")
    n_steps, repeat, n_agree = (40, 1, 5) if quick else (1000, 3, 50)
    train_gan(data, config, 10, SEED)  # warm-up (imports, BLAS paths)
    ours = _best_seconds_per_step(lambda n: train_gan(data, config, n, SEED), n_steps, repeat)
    peer = _best_seconds_per_step(lambda n: _peer_train(data, config, n, SEED), n_steps, repeat)
    a, _ = tree_flatten(_ours_train(data, config, n_agree, SEED))
    b, _ = tree_flatten(_peer_train(data, config, n_agree, SEED))
    agree = float(np.max(np.abs(a - b)))
    sps = 1.0 / ours
    note = (f"{sps:.0f} steps/s (target >= {TARGET_STEPS_PER_SECOND:.0f} on one core); "
            f"|diff| = max parameter difference after {n_agree} steps")
    return [BenchRow(
        name="gan/train-step",
        size="1-D, 2x64, B=256",
        ours_seconds=ours,
        peer="numpy hand backprop",
        peer_seconds=peer,
        agree=agree,
        note=note,
        extra={"steps_per_second": sps, "peer_steps_per_second": 1.0 / peer, "n_steps": n_steps,
               "agree_after_steps": n_agree, "target_steps_per_second": TARGET_STEPS_PER_SECOND},
    )]
