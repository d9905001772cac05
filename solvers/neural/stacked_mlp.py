"""Stacked MLPs: R independent networks evaluated at once on inputs of shape (R, B, d_in), with
weights W of shape (R, d_in, d_out) and biases b of shape (R, d_out).

:func:`fused_mlp` is a whole network as one autograd primitive with a hand-written first-order
vector-Jacobian product (autograd's per-operation overhead dominates these tiny networks); its
activation derivatives are :data:`solvers.neural.mlp.ACTIVATION_VJPS`, the same table as the
one-layer primitive :func:`solvers.neural.mlp.dense`.  :func:`composed_mlp` is the same network
from the layer primitive :func:`batched_dense` (the reference in the tests)
and :func:`numpy_mlp` its forward pass in plain numpy.

Source: Rumelhart, Hinton & Williams (1986), eqs. (1)-(2) (the layered network and its
back-propagated gradients).  :mod:`solvers.neural.ddpg` re-exports these names.
"""

from __future__ import annotations

from typing import Any

import autograd.numpy as np
import numpy as onp
from autograd.extend import defvjp_argnums, primitive
from autograd.tracer import isbox

from solvers.neural.mlp import ACTIVATION_VJPS, NUMPY_ACTIVATIONS

__all__ = ["batched_dense", "fused_mlp", "composed_mlp", "numpy_mlp", "check_layers"]


@primitive
def batched_dense(h, layer, activation):
    """One fused layer for R stacked networks, act(h W + b), as a single autograd primitive.

    Parameters
    ----------
    h : array, shape (B, fan_in) (shared by the runs) or (R, B, fan_in)
    layer : dict with "W" (R, fan_in, fan_out) and "b" (R, fan_out)
    activation : a name from :data:`solvers.neural.mlp.ACTIVATIONS` or ``"linear"``

    Returns
    -------
    array, shape (R, B, fan_out)

    Notes
    -----
    The vector-Jacobian product is written by hand (ḡ = g·act'(z); ∂h = ḡ Wᵀ summed over runs
    when h is shared, ∂W = hᵀ ḡ per run, ∂b = Σ_B ḡ), as :func:`solvers.neural.mlp.dense`
    does for one network; the tests check it against autograd's own composition and central
    finite differences.  It exists because autograd's per-operation overhead dominates these
    small networks.
    """
    z = onp.matmul(h, layer["W"])
    z += layer["b"][:, None, :]
    return NUMPY_ACTIVATIONS[activation](z)


def _batched_dense_vjp(argnums, ans, args, kwargs):
    h, layer, activation = args
    act_grad = ACTIVATION_VJPS[activation]

    def vjp(g):
        gz = act_grad(ans, g)
        out = []
        for argnum in argnums:
            if argnum == 0:
                gh = np.matmul(gz, np.swapaxes(layer["W"], -1, -2))
                out.append(np.sum(gh, axis=0) if np.ndim(h) == 2 else gh)
            elif argnum == 1:
                if np.ndim(h) == 2:
                    gw = np.einsum("bi,rbo->rio", h, gz)
                else:
                    gw = np.matmul(np.swapaxes(h, -1, -2), gz)
                out.append({"W": gw, "b": np.sum(gz, axis=-2)})
            else:
                raise ValueError("`activation` of batched_dense is not differentiable")
        return out

    return vjp


defvjp_argnums(batched_dense, _batched_dense_vjp)


def check_layers(layers: Any, name: str, d_in: int) -> int:
    """Validate a stacked layer list; return the number of runs R."""
    if not isinstance(layers, (list, tuple)) or not layers:
        raise TypeError(f"`{name}` must be a non-empty list of {{'W', 'b'}} layers from init_ddpg")
    runs, width = None, d_in
    for i, layer in enumerate(layers):
        if not isinstance(layer, dict) or set(layer) != {"W", "b"}:
            raise TypeError(f"layer {i} of `{name}` must be a dict with keys 'W' and 'b'")
        w, b = onp.shape(layer["W"]), onp.shape(layer["b"])
        if len(w) != 3 or b != (w[0], w[2]) or w[1] != width or (runs is not None and w[0] != runs):
            raise ValueError(f"layer {i} of `{name}` must hold W (R, {width}, out) and b (R, out) "
                             f"(got {w} and {b})")
        runs, width = w[0], w[2]
    if width != 1:
        raise ValueError(f"`{name}` must end in a single output (got width {width})")
    return runs


@primitive
def fused_mlp(layers, x, activation):
    """A whole stacked MLP as one autograd primitive: R networks applied to x (R, B, d_in).

    h₀ = x;  h_{l+1} = act(h_l W_l + b_l) for hidden layers;  out = h_L W_L + b_L  (R, B, d_out).

    Its vector-Jacobian product (with respect to ``layers`` and ``x``) is written by hand in
    plain numpy — first order only — because autograd's per-operation overhead dominates these
    tiny networks; the tests check values and gradients against the layer-by-layer autograd
    composition (:func:`solvers.neural.dqn.batched_dense`) and central finite differences.

    Source: Rumelhart, Hinton & Williams (1986), eqs. (1)-(2) (the layered network and its
    back-propagated gradients).
    """
    return _fused_forward(layers, x, activation)[-1]


def _fused_forward(layers, x, act):
    raw = NUMPY_ACTIVATIONS[act]
    hs = [x]
    last = len(layers) - 1
    for i, layer in enumerate(layers):
        z = onp.matmul(hs[-1], layer["W"])
        z += layer["b"][:, None, :]
        hs.append(z if i == last else raw(z))
    return hs


def _fused_vjp(argnums, ans, args, kwargs):
    layers, x, act = args
    if isbox(x) or any(isbox(v) for layer in layers for v in layer.values()):  # pragma: no cover
        raise NotImplementedError("fused_mlp is first-order only")
    hs = _fused_forward(layers, x, act)
    grad_act = ACTIVATION_VJPS.get(act)

    def vjp(g):
        g = onp.asarray(g)
        grads_layers = [None] * len(layers)
        for i in range(len(layers) - 1, -1, -1):
            if i < len(layers) - 1:
                g = grad_act(hs[i + 1], g)
            h = hs[i]
            grads_layers[i] = {"W": onp.matmul(onp.swapaxes(h, -1, -2), g), "b": g.sum(axis=-2)}
            if i > 0 or 1 in argnums:
                g = onp.matmul(g, onp.swapaxes(layers[i]["W"], -1, -2))
        out = []
        for argnum in argnums:
            if argnum == 0:
                out.append(grads_layers)
            elif argnum == 1:
                out.append(g)
            else:
                raise ValueError("`activation` of fused_mlp is not differentiable")
        return out

    return vjp


defvjp_argnums(fused_mlp, _fused_vjp)


def composed_mlp(layers, x, act):
    """The same network from autograd's layer primitives (the reference in the tests)."""
    h = x
    for layer in layers[:-1]:
        h = batched_dense(h, layer, act)
    return batched_dense(h, layers[-1], "linear")


def numpy_mlp(layers, x, act):
    """Plain-numpy forward pass of stacked MLPs (one network per leading run index); no autograd."""
    raw = NUMPY_ACTIVATIONS[act]
    h = x
    for layer in layers[:-1]:
        h = raw(onp.matmul(h, layer["W"]) + layer["b"][:, None, :])
    return onp.matmul(h, layers[-1]["W"]) + layers[-1]["b"][:, None, :]
