"""Benchmark: training steps per second of the neural GAN (solvers.neural.gan) against its peers.

Setting: 1-D data (two Gaussians at ±2, std 0.5), generator and discriminator both 2x64
tanh MLPs, batch 256, Adam (lr 1e-3), one discriminator and one generator update per step
(alternating, non-saturating loss), minibatch sampling included in every implementation's
step (all draw the same minibatches from ``sample_gan_batch``) and every one starts from
the same ``init_gan`` networks.

Implementations, timed round-robin in one process (best of ``repeat`` rounds each, so a
burst of load from other processes hits all of them alike):

- ganac's fused path (``GANConfig(backend="fused")``, the default) in float64 and float32:
  the one the rows are about;
- ganac's autograd path (``backend="autograd"``);
- plain autograd, float64: the same losses written with ``autograd.numpy`` operations, no
  ganac primitive, a textbook Adam;
- numpy hand backprop: the step with a hand-written backward pass and allocation per
  operation (no preallocated buffers), float64;
- torch (when installed; not a dependency): ``nn.Sequential`` networks, ``loss.backward()``,
  ``torch.optim.Adam`` (its fused CPU kernel where available, ~15% faster here than the
  default), float32 and float64, with ``torch.set_num_threads(1)``; D sees the real and fake
  rows in one pass and its parameters do not require gradients during the generator's
  backward pass (the strongest torch step we found).

``|diff|`` is the largest parameter difference between a row's two implementations after a
few steps from the same start on the same minibatches, so the rows compare computations of
the same numbers (float64 pairs differ by rounding, ~1e-15; a float32 side by ~1e-6).

Floor: the step's GEMMs (12 products of a 256 x 64 by a 64 x 64 matrix, 25 MFLOP) and its
tanh evaluations (10 of 256 x 64) timed alone with preallocated outputs, in float64 and
float32; the ratio ``floor / step`` says how much of a step is arithmetic and how much is
per-operation overhead.

Threads: every implementation runs on one thread.  numpy's BLAS is asked for its thread
count (and set to 1 for the run, then restored) through OpenBLAS's own entry points when they
can be found; ``ganac bench`` also starts with ``OPENBLAS_NUM_THREADS=1``.  What was used is
printed in the notes and recorded in ``extra``.  Target: the fused path at least as fast as
torch float32 on one thread.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable

import autograd.numpy as anp
import numpy as np
from autograd import value_and_grad
from scipy.special import expit

from experiments.bench import BenchRow, benchmark, openblas_threads, round_robin
from solvers.neural.gan import GANConfig, gan_streams, init_gan, sample_gan_batch, train_gan
from solvers.neural.optim import tree_flatten
from solvers.problems.mixtures import mixture_1d

__all__ = ["run"]

SEED = 20240601
TARGET = "torch float32, 1 thread"


# ---------------------------------------------------------------------------------------------
# peers
# ---------------------------------------------------------------------------------------------


class _PeerAdam:
    """Kingma & Ba (2015), Algorithm 1, on lists of layer dicts (a peer's own optimizer)."""

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


def _hand_forward(params, x):
    """Hidden activations (tanh) and the linear output of an MLP."""
    hs = [x]
    for layer in params[:-1]:
        hs.append(np.tanh(hs[-1] @ layer["W"] + layer["b"]))
    return hs, hs[-1] @ params[-1]["W"] + params[-1]["b"]


def _hand_backward(params, hs, g_out, need_input_grad=False):
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


def _hand_update(params, states, opts, x_real, z):
    """Alternating non-saturating step (k = 1), gradients by hand."""
    g_p, d_p = params["g"], params["d"]
    _, x_fake = _hand_forward(g_p, z[0])
    x_all = np.concatenate([x_real[0], x_fake])
    n = x_real.shape[1]
    hs, logit = _hand_forward(d_p, x_all)
    g_logit = np.concatenate([-expit(-logit[:n]), expit(logit[n:])]) / n
    d_grads, _ = _hand_backward(d_p, hs, g_logit)
    d_p, s_d = opts[1].update(d_grads, states["d"], d_p)
    hs_g, x_gen = _hand_forward(g_p, z[1])
    hs_d, logit = _hand_forward(d_p, x_gen)
    _, g_x = _hand_backward(d_p, hs_d, -expit(-logit) / z.shape[1], need_input_grad=True)
    g_grads, _ = _hand_backward(g_p, hs_g, g_x)
    g_p, s_g = opts[0].update(g_grads, states["g"], g_p)
    return {"g": g_p, "d": d_p}, {"g": s_g, "d": s_d}


def _plain_mlp(params, x):
    h = x
    for layer in params[:-1]:
        h = anp.tanh(anp.dot(h, layer["W"]) + layer["b"])
    return anp.dot(h, params[-1]["W"]) + params[-1]["b"]


def _plain_d_loss(d_p, x_real, x_fake):
    return (anp.mean(anp.logaddexp(0.0, -_plain_mlp(d_p, x_real)))
            + anp.mean(anp.logaddexp(0.0, _plain_mlp(d_p, x_fake))))


def _plain_g_loss(g_p, d_p, z):
    return anp.mean(anp.logaddexp(0.0, -_plain_mlp(d_p, _plain_mlp(g_p, z))))


_plain_d_grad = value_and_grad(_plain_d_loss)
_plain_g_grad = value_and_grad(_plain_g_loss)


def _plain_update(params, states, opts, x_real, z):
    """The same step by autograd on autograd.numpy operations (no ganac primitive)."""
    g_p, d_p = params["g"], params["d"]
    _, d_grads = _plain_d_grad(d_p, x_real[0], _plain_mlp(g_p, z[0]))
    d_p, s_d = opts[1].update(d_grads, states["d"], d_p)
    _, g_grads = _plain_g_grad(g_p, d_p, z[1])
    g_p, s_g = opts[0].update(g_grads, states["g"], g_p)
    return {"g": g_p, "d": d_p}, {"g": s_g, "d": s_d}


def _numpy_peer(update):
    def train(data, config, n_steps, seed):
        streams = gan_streams(seed)
        params, _ = init_gan(config, 1, streams=streams)
        opts = (_PeerAdam(config.lr_g), _PeerAdam(config.lr_d))
        states = {"g": opts[0].init(params["g"]), "d": opts[1].init(params["d"])}
        for _ in range(n_steps):
            x, z = sample_gan_batch(data, config, streams.data, streams.noise)
            params, states = update(params, states, opts, x, z)
        return params

    return train


def _torch_peer(torch, dtype):
    """Training with torch: nn.Sequential, loss.backward(), torch.optim.Adam."""
    nn, softplus = torch.nn, torch.nn.functional.softplus

    def net(layers):
        mods = []
        for i, layer in enumerate(layers):
            lin = nn.Linear(*layer["W"].shape).to(dtype)
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(np.ascontiguousarray(layer["W"].T)))
                lin.bias.copy_(torch.from_numpy(layer["b"]))
            mods.append(lin)
            if i < len(layers) - 1:
                mods.append(nn.Tanh())
        return nn.Sequential(*mods)

    def adam(module, lr):
        try:  # the fused CPU kernel (torch >= 2.4) is the fastest of torch's Adams here
            return torch.optim.Adam(module.parameters(), lr=lr, fused=True)
        except (RuntimeError, TypeError, ValueError):
            return torch.optim.Adam(module.parameters(), lr=lr)

    def train(data, config, n_steps, seed):
        streams = gan_streams(seed)
        params, _ = init_gan(config, 1, streams=streams)
        g_net, d_net = net(params["g"]), net(params["d"])
        opt_g, opt_d = adam(g_net, config.lr_g), adam(d_net, config.lr_d)
        d_params = list(d_net.parameters())
        for _ in range(n_steps):
            x, z = sample_gan_batch(data, config, streams.data, streams.noise)
            x, z = torch.from_numpy(x).to(dtype), torch.from_numpy(z).to(dtype)
            n = x.shape[1]
            with torch.no_grad():
                fake = g_net(z[0])
            logit = d_net(torch.cat([x[0], fake]))
            d_loss = softplus(-logit[:n]).mean() + softplus(logit[n:]).mean()
            opt_d.zero_grad()
            d_loss.backward()
            opt_d.step()
            for p in d_params:
                p.requires_grad_(False)
            g_loss = softplus(-d_net(g_net(z[1]))).mean()
            opt_g.zero_grad()
            g_loss.backward()
            opt_g.step()
            for p in d_params:
                p.requires_grad_(True)
        out = {}
        for name, module in (("g", g_net), ("d", d_net)):
            lins = [m for m in module if isinstance(m, nn.Linear)]
            out[name] = [{"W": m.weight.detach().double().numpy().T.copy(), "b": m.bias.detach().double().numpy()}
                         for m in lins]
        return out

    return train


def _ganac(config):
    def train(data, _config, n_steps, seed):
        return train_gan(data, config, n_steps, seed).params

    return train


# ---------------------------------------------------------------------------------------------
# the arithmetic floor
# ---------------------------------------------------------------------------------------------

#: The step's large products, in units of one (256 x 64) @ (64 x 64) GEMM: discriminator step
#: G's hidden layer (1), D's hidden layer on 512 rows (2), its ∂W (2) and ∂h (2); generator
#: step G (1), D (1), D's ∂h (1), G's ∂W (1) and ∂h (1).  25 MFLOP in all.
N_GEMM = 12
#: tanh evaluations in units of 256 x 64: G 2 + D 4 (discriminator step), G 2 + D 2.
N_TANH = 10


def _floor(dtype) -> Callable[[int], None]:
    """``f(n)``: n times the step's GEMMs and tanh alone (preallocated, ``out=``), what a step
    cannot go below on this machine with numpy's BLAS and ufuncs."""
    rng = np.random.default_rng(0)
    h = rng.standard_normal((256, 64)).astype(dtype)
    w = rng.standard_normal((64, 64)).astype(dtype)
    out = np.empty((256, 64), dtype)

    def run_floor(n):
        for _ in range(n):
            for _ in range(N_GEMM):
                np.matmul(h, w, out=out)
            for _ in range(N_TANH):
                np.tanh(h, out=out)

    return run_floor


# ---------------------------------------------------------------------------------------------
# the benchmark
# ---------------------------------------------------------------------------------------------


def _implementations(config) -> tuple[dict, str | None]:
    """name -> train(data, config, n_steps, seed) -> params; and a note when torch is absent."""
    impls = {
        "ganac fused float64": _ganac(config),
        "ganac fused float32": _ganac(dataclasses.replace(config, dtype="float32")),
        "ganac autograd path": _ganac(dataclasses.replace(config, backend="autograd")),
        "plain autograd float64": _numpy_peer(_plain_update),
        "numpy hand backprop": _numpy_peer(_hand_update),
    }
    try:
        import torch
    except ImportError:
        return impls, "torch not installed: its rows are skipped (pip install torch to compare)"
    impls[TARGET] = _torch_peer(torch, torch.float32)
    impls["torch float64, 1 thread"] = _torch_peer(torch, torch.float64)
    return impls, None


@benchmark("gan")
def run(*, quick: bool = False) -> list[BenchRow]:
    """Steps per second of the fused GAN step against torch, autograd and hand backprop."""
    data = mixture_1d([-2.0, 2.0], [0.5, 0.5])
    config = GANConfig(hidden=(64, 64), batch_size=256, n_disc_steps=1, scheme="alternating",
                       generator_loss="non_saturating", activation="tanh", optimizer="adam")
    n_steps, repeat, n_agree = (20, 1, 5) if quick else (100, 15, 50)
    impls, torch_note = _implementations(config)
    blas = openblas_threads()
    blas_before = blas[0]() if blas else None
    torch_threads = None
    try:
        if blas:
            blas[1](1)
        if TARGET in impls:
            import torch

            torch_threads = torch.get_num_threads()
            torch.set_num_threads(1)
        blas_used = blas[0]() if blas else None
        for train in impls.values():  # warm-up: imports, buffers, BLAS paths
            train(data, config, 3, SEED)
        timed = {name: (lambda train: lambda: train(data, config, n_steps, SEED))(train)
                 for name, train in impls.items()}
        floors = {np.float64: "floor float64", np.float32: "floor float32"}
        for dt, name in floors.items():
            timed[name] = (lambda f: lambda: f(n_steps))(_floor(dt))
        # one call (n_steps steps) per turn, taking turns so load from other processes hits
        # every implementation alike
        best = {name: t / n_steps for name, t in round_robin(timed, rounds=repeat, batch_time=0.0).items()}
        floor = {dt: best.pop(name) for dt, name in floors.items()}
        final = {name: tree_flatten(train(data, config, n_agree, SEED))[0] for name, train in impls.items()}
    finally:
        if blas and blas_before is not None:
            blas[1](blas_before)
        if torch_threads is not None:
            import torch

            torch.set_num_threads(torch_threads)
    sps = {name: 1.0 / t for name, t in best.items()}
    threads = (f"numpy BLAS threads {blas_used if blas_used is not None else 'unknown'}"
               f" (OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')})"
               + (", torch threads 1" if torch_threads is not None else ""))
    extra = {"steps_per_second": sps, "n_steps": n_steps, "repeat": repeat, "agree_after_steps": n_agree,
             "numpy_blas_threads": blas_used, "torch_threads": 1 if torch_threads else None,
             "target": TARGET}
    pairs = [("ganac fused float64", TARGET), ("ganac fused float32", TARGET),
             ("ganac fused float64", "torch float64, 1 thread"), ("ganac fused float64", "plain autograd float64"),
             ("ganac fused float64", "ganac autograd path"), ("ganac fused float64", "numpy hand backprop"),
             ("ganac fused float32", "ganac fused float64")]
    rows = []
    for ours, peer in pairs:
        if ours not in impls or peer not in impls:
            continue
        rows.append(BenchRow(
            name=f"gan/step {ours.removeprefix('ganac ')}", size="1-D, 2x64, B=256", ours_seconds=best[ours],
            peer=peer, peer_seconds=best[peer], agree=float(np.max(np.abs(final[ours] - final[peer]))),
            note=f"{sps[ours]:.0f} vs {sps[peer]:.0f} steps/s; {threads}", extra=extra))
    for dt, name in ((np.float64, "ganac fused float64"), (np.float32, "ganac fused float32")):
        if name not in best:
            continue
        rows.append(BenchRow(
            name=f"gan/step {name.removeprefix('ganac ')}", size="1-D, 2x64, B=256", ours_seconds=best[name],
            peer=f"floor: {N_GEMM} GEMM + {N_TANH} tanh", peer_seconds=floor[dt],
            note=f"{sps[name]:.0f} steps/s; the step's GEMMs (25 MFLOP) and tanh alone: {1e3 * floor[dt]:.2f} ms, "
                 f"the step {1e3 * best[name]:.2f} ms; {threads}", extra=extra))
    extra["floor_seconds"] = {"float64": floor[np.float64], "float32": floor[np.float32]}
    if torch_note:
        rows.append(BenchRow(name="gan/step fused float64", size="1-D, 2x64, B=256",
                             ours_seconds=best["ganac fused float64"], note=torch_note, extra=extra))
    return rows
