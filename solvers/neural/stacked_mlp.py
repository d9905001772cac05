"""Stacked MLPs: R independent networks evaluated at once on inputs of shape (R, B, d_in), with
weights W of shape (R, d_in, d_out) and biases b of shape (R, d_out).

The layer is :func:`solvers.neural.mlp.dense` (one autograd primitive for one network or R
stacked ones) with its one backward pass :func:`solvers.neural.mlp.dense_vjp`.  Here:
:func:`fused_mlp`, a whole network as one autograd primitive whose first-order vector-Jacobian
product chains ``dense_vjp`` through the layers (autograd's per-operation overhead dominates
these tiny networks); :func:`composed_mlp`, the same network layer by layer (the reference in
the tests); :func:`numpy_mlp`, its forward pass without autograd.

Source: Rumelhart, Hinton & Williams (1986), eqs. (1)-(2) (the layered network and its
back-propagated gradients).
"""

from __future__ import annotations

from typing import Any

import numpy as onp
from autograd.extend import defvjp_argnums, primitive
from autograd.tracer import isbox

from solvers.neural.mlp import ACTIVATION_VJPS, dense, dense_vjp, layer_apply
from theory.deprecation import module_getattr

__all__ = ["fused_mlp", "composed_mlp", "numpy_mlp", "mlp_value_and_vjp", "check_layers"]


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

    Its vector-Jacobian product (with respect to ``layers`` and ``x``) chains
    :func:`solvers.neural.mlp.dense_vjp` through the layers — first order only — because
    autograd's per-operation overhead dominates these tiny networks; the tests check values
    and gradients against the layer-by-layer autograd composition (:func:`composed_mlp`) and
    central finite differences.

    Source: Rumelhart, Hinton & Williams (1986), eqs. (1)-(2) (the layered network and its
    back-propagated gradients).
    """
    return numpy_mlp(layers, x, activation)


def _hidden_states(layers, x, act):
    """[x, h_1, ..., h_L, out]: every layer's output (the forward pass the VJP needs).

    Through :func:`solvers.neural.mlp.layer_apply`, so a layer list built inside a
    differentiated function (traced leaves in plain dicts, e.g. the per-sample Jacobians of
    :func:`solvers.neural.ddpg.deterministic_policy_gradient`) is traced through.
    """
    hs = [x]
    last = len(layers) - 1
    for i, layer in enumerate(layers):
        hs.append(layer_apply(hs[-1], layer, "linear" if i == last else act))
    return hs


def mlp_value_and_vjp(layers, x, activation):
    """The stacked MLP's output for ``x`` and its first-order vector-Jacobian product, in plain
    numpy (no autograd tracing): the backward pass of :func:`fused_mlp`, also called directly
    by the fused training steps of :mod:`solvers.neural.ddpg`.

    Returns ``(out, vjp)``; ``vjp(g, argnums=(0, 1))`` gives, in the order of ``argnums``, the
    layer gradients (0: a list of ``{"W", "b"}``) and the input cotangent (1) for the cotangent
    ``g`` of ``out``: ḡ = g·act'(z) below the top layer, then
    :func:`solvers.neural.mlp.dense_vjp` layer by layer.

    Source: Rumelhart, Hinton & Williams (1986), eqs. (1)-(2).
    """
    hs = _hidden_states(layers, x, activation)
    grad_act = ACTIVATION_VJPS[activation]

    def vjp(g, argnums=(0, 1)):
        g = onp.asarray(g)
        grads_layers = [None] * len(layers)
        params = 0 in argnums
        for i in range(len(layers) - 1, -1, -1):
            if i < len(layers) - 1:
                g = grad_act(hs[i + 1], g)
            inputs = i > 0 or 1 in argnums
            res = dense_vjp(hs[i], layers[i]["W"], g, (1,) * params + (0,) * inputs)
            if params:
                grads_layers[i] = res[0]
            if inputs:
                g = res[-1]
        out = []
        for argnum in argnums:
            if argnum == 0:
                out.append(grads_layers)
            elif argnum == 1:
                out.append(g)
            else:
                raise ValueError("`activation` of fused_mlp is not differentiable")
        return out

    return hs[-1], vjp


def _fused_vjp(argnums, ans, args, kwargs):
    layers, x, act = args
    if isbox(x) or any(isbox(v) for layer in layers for v in layer.values()):  # pragma: no cover
        raise NotImplementedError("fused_mlp is first-order only")
    vjp = mlp_value_and_vjp(layers, x, act)[1]
    return lambda g: vjp(g, argnums)


defvjp_argnums(fused_mlp, _fused_vjp)


def composed_mlp(layers, x, act):
    """The same network from the layer primitive :func:`solvers.neural.mlp.dense` (the
    reference in the tests)."""
    h = x
    for layer in layers[:-1]:
        h = dense(h, layer, act)
    return dense(h, layers[-1], "linear")


def numpy_mlp(layers, x, act):
    """Forward pass of stacked MLPs (one network per leading run index) without autograd."""
    return _hidden_states(layers, x, act)[-1]


# The stacked layer is now solvers.neural.mlp.dense (one primitive for one or R networks).
__getattr__ = module_getattr(__name__, globals(), {
    'batched_dense': 'dense',
})
