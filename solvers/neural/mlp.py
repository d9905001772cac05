"""Multilayer perceptrons as plain autograd code.

Parameters are a list of layers, each a dict ``{"W": (fan_in, fan_out), "b": (fan_out,)}``,
applied as ``h_{l+1} = act(h_l @ W_l + b_l)`` with no activation after the last layer unless
``final`` asks for one.  Everything is written with ``autograd.numpy``, so ``autograd.grad``
differentiates with respect to the parameter list or the input.

Sources: Glorot & Bengio (2010), "Understanding the difficulty of training deep feedforward
neural networks", eq. (16) (the normal variant Var W = 2/(fan_in + fan_out)); He et al. (2015),
"Delving deep into rectifiers", eq. (10) (Var W = 2/fan_in); LeCun et al. (1998), "Efficient
BackProp", Section 4.6 (Var W = 1/fan_in).
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import autograd.numpy as np
import numpy as onp
from autograd.extend import defvjp_argnums, primitive
from autograd.tracer import getval, isbox

from theory.validation import as_generator, check_in, check_int

__all__ = [
    "ACTIVATIONS",
    "FINALS",
    "NUMPY_ACTIVATIONS",
    "ACTIVATION_VJPS",
    "INIT_SCALES",
    "init_mlp",
    "mlp_apply",
    "mlp_sizes",
    "forward",
    "check_hidden",
    "log_sigmoid",
    "softplus",
    "activation_vjp",
    "dense",
    "dense_numpy",
    "dense_vjp",
    "layer_apply",
    "sigmoid",
]


def softplus(x):
    """softplus(x) = log(1 + eˣ), computed as ``logaddexp(0, x)`` (no overflow, no warning)."""
    return np.logaddexp(0.0, x)


def log_sigmoid(x):
    """log σ(x) = −log(1 + e⁻ˣ) = −softplus(−x), stable for any finite x.

    Source: the identity log σ(x) = −log(1 + e^{−x}); written with ``logaddexp`` so that
    neither branch overflows (the naive ``log(1/(1+exp(-x)))`` gives −inf and a warning at
    x ≈ −750).

    Examples
    --------
    >>> float(log_sigmoid(0.0)) == -float(onp.log(2.0))
    True
    """
    return -np.logaddexp(0.0, -x)


def sigmoid(x):
    """σ(x) = 1 / (1 + e⁻ˣ), computed as exp(log σ(x)) (no overflow warning for large |x|)."""
    return np.exp(log_sigmoid(x))


def _relu(x):
    return np.maximum(x, 0.0)


def _leaky_relu(x):
    return np.where(x > 0, x, 0.01 * x)


def _elu(x):
    # expm1 of the clipped argument: the unused branch of `where` must not overflow.
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0.0)))


def _identity(x):
    return x


#: Hidden-layer activations by name.  leaky_relu uses slope 0.01; elu uses α = 1.
ACTIVATIONS = {
    "tanh": np.tanh,
    "relu": _relu,
    "leaky_relu": _leaky_relu,
    "elu": _elu,
    "softplus": softplus,
}

#: Output transforms by name (``None`` = linear output, e.g. a logit).
FINALS = {
    None: _identity,
    "sigmoid": sigmoid,
    "log_sigmoid": log_sigmoid,
    "tanh": np.tanh,
    "softplus": softplus,
}

INIT_SCALES = ("glorot", "he", "lecun")


def init_mlp(sizes: Sequence[int], seed: Any, *, scale: str | float = "glorot") -> list[dict]:
    """Random MLP parameters: normal weights, zero biases.

    W_l ~ N(0, σ_l²) with σ_l² = 2/(fan_in + fan_out) ("glorot"), 2/fan_in ("he"),
    1/fan_in ("lecun"), or σ_l = ``scale`` when a positive number is given.

    Source: Glorot & Bengio (2010), eq. (16) (normal variant); He et al. (2015), eq. (10);
    LeCun et al. (1998), Section 4.6.

    Parameters
    ----------
    sizes : sequence of int >= 1, length >= 2
        Layer widths, input first: ``(d_in, h_1, ..., d_out)``.
    seed : int, SeedSequence or numpy.random.Generator
        Randomness for the weights.
    scale : {"glorot", "he", "lecun"} or float > 0, keyword-only
        Weight scale rule.

    Returns
    -------
    params : list of dict
        ``[{"W": ndarray (sizes[l], sizes[l+1]), "b": ndarray (sizes[l+1],)}, ...]``.

    Raises
    ------
    TypeError, ValueError
        For malformed ``sizes``, ``scale`` or ``seed``.
    """
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
        raise TypeError(f"`sizes` must be a sequence of ints, got {type(sizes).__name__}")
    if len(sizes) < 2:
        raise ValueError(f"`sizes` needs at least an input and an output width (got {list(sizes)})")
    sizes = [check_int(s, f"sizes[{i}]", minimum=1) for i, s in enumerate(sizes)]
    if isinstance(scale, str):
        check_in(scale, "scale", INIT_SCALES)
    elif isinstance(scale, bool) or not isinstance(scale, numbers.Real):
        raise TypeError(f"`scale` must be one of {INIT_SCALES} or a positive number, got {type(scale).__name__}")
    elif not (onp.isfinite(scale) and scale > 0):
        raise ValueError(f"`scale` must be a finite number > 0 (got {scale!r})")
    rng = as_generator(seed)
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        if scale == "glorot":
            std = onp.sqrt(2.0 / (fan_in + fan_out))
        elif scale == "he":
            std = onp.sqrt(2.0 / fan_in)
        elif scale == "lecun":
            std = onp.sqrt(1.0 / fan_in)
        else:
            std = float(scale)
        params.append({"W": std * rng.standard_normal((fan_in, fan_out)), "b": onp.zeros(fan_out)})
    return params


def mlp_sizes(params: Any) -> tuple[int, ...]:
    """The layer widths ``(d_in, h_1, ..., d_out)`` of an MLP parameter list, validated.

    Raises
    ------
    TypeError, ValueError
        When ``params`` is not a non-empty list of ``{"W": 2-D, "b": 1-D}`` layers with
        matching widths.
    """
    if not isinstance(params, (list, tuple)) or len(params) == 0:
        raise TypeError("`params` must be a non-empty list of {'W', 'b'} layer dicts")
    sizes: list[int] = []
    for i, layer in enumerate(params):
        if not isinstance(layer, dict) or set(layer) != {"W", "b"}:
            raise TypeError(f"`params[{i}]` must be a dict with keys 'W' and 'b'")
        w_shape, b_shape = onp.shape(layer["W"]), onp.shape(layer["b"])
        if len(w_shape) != 2 or b_shape != (w_shape[1],):
            raise ValueError(
                f"`params[{i}]` must hold W of shape (fan_in, fan_out) and b of shape (fan_out,) "
                f"(got {w_shape} and {b_shape})"
            )
        if sizes and sizes[-1] != w_shape[0]:
            raise ValueError(
                f"`params[{i}]['W']` has fan_in {w_shape[0]} but the previous layer outputs {sizes[-1]}"
            )
        if not sizes:
            sizes.append(w_shape[0])
        sizes.append(w_shape[1])
    return tuple(sizes)


def mlp_apply(params: list, x, *, activation: str = "tanh", final: str | None = None):
    """Apply an MLP to a batch.

    h₀ = x;  h_{l+1} = act(h_l W_l + b_l) for hidden layers;  out = final(h_L W_L + b_L).

    Source: Rumelhart, Hinton & Williams (1986), "Learning representations by
    back-propagating errors", eqs. (1)-(2) (the layered network; gradients here by autograd).

    Differentiable by autograd with respect to ``params`` and ``x``.

    Parameters
    ----------
    params : list of dict
        As returned by :func:`init_mlp`.
    x : array, shape (n, d_in), or (n,) when d_in == 1
        Inputs, one per row.
    activation : {"tanh", "relu", "leaky_relu", "elu", "softplus"}, keyword-only
        Hidden-layer nonlinearity.
    final : {None, "sigmoid", "log_sigmoid", "tanh", "softplus"}, keyword-only
        Output transform; ``None`` leaves the last layer linear.

    Returns
    -------
    out : array, shape (n, d_out)

    Raises
    ------
    ValueError
        Unknown ``activation``/``final``, malformed ``params``, or ``x`` of the wrong width.
    """
    check_in(activation, "activation", tuple(ACTIVATIONS))
    if final not in FINALS:
        raise ValueError(f"`final` must be one of {', '.join(map(repr, FINALS))} (got {final!r})")
    sizes = mlp_sizes(getval(params))  # autograd boxes the list when differentiating w.r.t. it
    shape = onp.shape(getval(x))
    if len(shape) == 1 and sizes[0] == 1:
        x = np.reshape(x, (shape[0], 1))
    elif len(shape) != 2 or shape[1] != sizes[0]:
        raise ValueError(f"`x` must have shape (n, {sizes[0]}) for this network (got {shape})")
    return FINALS[final](forward(params, x, activation))


def forward(params, x, act):
    """Unchecked forward pass (the hot path of training loops): linear last layer.

    ``act`` is a name from :data:`ACTIVATIONS` (or the function itself).  Each layer is
    :func:`layer_apply` (one fused autograd primitive, :func:`dense`, where it can be).
    """
    name = act if isinstance(act, str) else _ACT_NAMES[act]
    h = x
    last = len(params) - 1
    for i, layer in enumerate(params):
        h = layer_apply(h, layer, "linear" if i == last else name)
    return h


# ---------------------------------------------------------------------------------------------
# the dense layer: one autograd primitive, act(h W + b), for one network or R stacked ones
# ---------------------------------------------------------------------------------------------

_ACT_NAMES = {f: k for k, f in ACTIVATIONS.items()}
_DENSE_ACTS = dict(ACTIVATIONS, linear=_identity)

def _numpy_leaky_relu(z, out=None):
    # max(z, 0.01 z) equals where(z > 0, z, 0.01 z) exactly (the slope is below 1)
    return onp.maximum(z, onp.multiply(z, 0.01), out=out)


def _numpy_elu(z, out=None):
    y = onp.where(z > 0, z, onp.expm1(onp.minimum(z, 0.0)))
    if out is None:
        return y
    onp.copyto(out, y)
    return out


def _numpy_linear(z, out=None):
    if out is None or out is z:
        return z
    onp.copyto(out, z)
    return out


#: Plain-numpy forward nonlinearities by name, ``f(z, out=None)``: into ``out`` when given
#: (``out`` may be ``z`` itself); inside a fused primitive nothing is traced.
NUMPY_ACTIVATIONS = {
    "tanh": lambda z, out=None: onp.tanh(z, out=out),
    "relu": lambda z, out=None: onp.maximum(z, 0.0, out=out),
    "leaky_relu": _numpy_leaky_relu,
    "elu": _numpy_elu,
    "softplus": lambda z, out=None: onp.logaddexp(0.0, z, out=out),
    "linear": _numpy_linear,
}

#: g ↦ g · act'(z), written in terms of the output y = act(z) and with autograd.numpy, so that
#: higher-order derivatives (gradient penalties) trace through the backward pass.
#: tanh' = 1 − y²; relu' = [y > 0]; leaky' = 1 or 0.01; elu' = 1 or y + 1 (y = eᶻ − 1);
#: softplus'(z) = σ(z) = 1 − e^{−y} (y = log(1 + eᶻ)).
ACTIVATION_VJPS = {
    "tanh": lambda y, g: g * (1.0 - y * y),
    "relu": lambda y, g: np.where(y > 0, g, 0.0),
    "leaky_relu": lambda y, g: np.where(y > 0, g, 0.01 * g),
    "elu": lambda y, g: np.where(y > 0, g, g * (y + 1.0)),
    "softplus": lambda y, g: -g * np.expm1(-y),
    "linear": lambda y, g: g,
}


def activation_vjp(activation: str, y, g, out=None):
    """g · act'(z) from the output y = act(z): :data:`ACTIVATION_VJPS`, computed into ``out``
    (which may be ``g`` itself) when ``out`` is given and nothing is traced.

    The in-place forms are the same formulas with preallocated buffers: tanh as
    (1 − y·y)·g in one buffer, relu as g·[y > 0]; the other activations evaluate
    :data:`ACTIVATION_VJPS` and copy.
    """
    if out is None or isbox(y) or isbox(g):
        return ACTIVATION_VJPS[activation](y, g)
    if activation == "tanh":
        if out is g:
            tmp = onp.multiply(y, y)
            onp.subtract(1.0, tmp, out=tmp)
            return onp.multiply(g, tmp, out=out)
        onp.multiply(y, y, out=out)
        onp.subtract(1.0, out, out=out)
        return onp.multiply(out, g, out=out)
    if activation == "relu":
        return onp.multiply(g, y > 0, out=out)
    if activation == "linear":
        return _numpy_linear(g, out)
    onp.copyto(out, ACTIVATION_VJPS[activation](y, g))
    return out


_IN_PLACE = ("tanh", "relu")


def dense_numpy(h, W, b, activation: str, out=None):
    """act(h W + b) in plain numpy, into ``out`` (shape (n, fan_out)) when given: the forward
    pass of :func:`dense` and of :class:`solvers.neural.fused.FusedMLP`.

    A layer of fan-in 1 is computed as the broadcast product h·W (each entry is one product,
    the same number as the matrix product gives) and skips the BLAS call.
    """
    if onp.ndim(W) == 2 and onp.shape(W)[0] == 1 and onp.ndim(h) == 2:
        z = onp.multiply(h, W, out=out)
    else:
        z = onp.matmul(h, W, out=out)
    z += b if onp.ndim(W) == 2 else b[:, None, :]  # z is fresh or the caller's buffer: in place is safe
    return NUMPY_ACTIVATIONS[activation](z, out=z)


@primitive
def dense(h, layer, activation):
    """One fused layer, act(h W + b), as a single autograd primitive.

    The same primitive serves one network and R networks stacked on a leading run axis
    (:mod:`solvers.neural.stacked_mlp`, :mod:`solvers.neural.dqn`).

    Parameters
    ----------
    h : array, shape (n, fan_in); or, for stacked networks, (n, fan_in) shared by the runs or
        (R, n, fan_in)
    layer : dict
        One network: "W" (fan_in, fan_out) and "b" (fan_out,); R stacked networks: "W"
        (R, fan_in, fan_out) and "b" (R, fan_out).
    activation : a name from :data:`ACTIVATIONS` or ``"linear"``

    Returns
    -------
    array, shape (n, fan_out) or (R, n, fan_out)

    Notes
    -----
    Its vector-Jacobian product is written by hand once, :func:`dense_vjp` (ḡ = g·act'(z);
    ∂h = ḡ Wᵀ, summed over runs when h is shared; ∂W = hᵀ ḡ; ∂b = Σₙ ḡ) in autograd.numpy,
    so gradients of gradients work.  It gives the same values and derivatives as the
    composition of autograd's own ``matmul``, ``+`` and activation (the tests check both
    against central finite differences); it exists because autograd's per-operation overhead
    dominates small networks.

    Source: Rumelhart, Hinton & Williams (1986), eqs. (1)-(2) (the layered network and its
    back-propagated gradients).

    Examples
    --------
    tanh(1·atanh(0.5) + 0) = 0.5:

    >>> layer = {"W": onp.array([[onp.arctanh(0.5)]]), "b": onp.zeros(1)}
    >>> float(dense(onp.ones((1, 1)), layer, "tanh")[0, 0])
    0.5
    """
    return dense_numpy(h, layer["W"], layer["b"], activation)


def dense_vjp(h, W, gz, argnums=(0, 1), out=None) -> list:
    """The vector-Jacobian products of ``z = h W + b`` for the cotangent ``gz`` of z.

    ∂h = gz Wᵀ (summed over the runs when one h (n, fan_in) feeds R stacked networks),
    ∂W = hᵀ gz, ∂b = Σₙ gz; returned in the order of ``argnums`` (0: h, 1: ``{"W", "b"}``).
    Written with autograd.numpy, so it can itself be differentiated; on plain arrays it is
    plain numpy.  The backward pass of :func:`dense`, of
    :func:`solvers.neural.stacked_mlp.fused_mlp` and of :class:`solvers.neural.fused.FusedMLP`.

    ``out``, a list parallel to ``argnums`` (an array for 0, a dict of arrays ``{"W", "b"}``
    for 1), receives the products in preallocated buffers (one network, untraced arrays only).
    """
    shared = np.ndim(h) < np.ndim(gz)
    if out is not None:
        if shared or isbox(h) or isbox(W) or isbox(gz):
            raise ValueError("`out` of dense_vjp is for one network's untraced arrays")
        return [_dense_vjp_into(h, W, gz, argnum, buf) for argnum, buf in zip(argnums, out)]
    result = []
    for argnum in argnums:
        if argnum == 0:
            gh = np.matmul(gz, np.swapaxes(W, -1, -2))
            result.append(np.sum(gh, axis=0) if shared else gh)
        elif argnum == 1:
            gw = np.einsum("bi,rbo->rio", h, gz) if shared else np.matmul(np.swapaxes(h, -1, -2), gz)
            result.append({"W": gw, "b": np.sum(gz, axis=-2)})
        else:
            raise ValueError("`activation` of dense is not differentiable")
    return result


def _dense_vjp_into(h, W, gz, argnum, buf):
    # the products of dense_vjp, one network, written into preallocated buffers
    if argnum == 0:
        if W.shape[1] == 1:  # fan-out 1: the outer product gz·Wᵀ entry by entry (no BLAS call)
            return onp.multiply(gz, W.T, out=buf)
        return onp.matmul(gz, W.T, out=buf)
    if argnum == 1:
        onp.matmul(h.T, gz, out=buf["W"])
        onp.sum(gz, axis=0, out=buf["b"])
        return buf
    raise ValueError("`activation` of dense is not differentiable")


def _dense_vjp(argnums, ans, args, kwargs):
    h, layer, activation = args

    def vjp(g):
        if activation in _IN_PLACE and not (isbox(ans) or isbox(g)):  # first order: one temporary
            gz = activation_vjp(activation, ans, g, out=onp.empty(onp.shape(ans), onp.result_type(ans, g)))
        else:
            gz = ACTIVATION_VJPS[activation](ans, g)
        return dense_vjp(h, layer["W"], gz, argnums)

    return vjp


defvjp_argnums(dense, _dense_vjp)


def layer_apply(h, layer, activation):
    """act(h W + b) through :func:`dense`, or through autograd's own ops when the layer dict
    holds traced leaves while not being traced itself (e.g. a dict built inside a
    differentiated function: the primitive would not see those leaves); both give the same
    values and gradients."""
    if not isbox(layer) and (isbox(layer["W"]) or isbox(layer["b"])):
        b = layer["b"] if np.ndim(layer["W"]) == 2 else np.expand_dims(layer["b"], -2)
        return _DENSE_ACTS[activation](np.matmul(h, layer["W"]) + b)
    return dense(h, layer, activation)


def check_hidden(hidden: Any, name: str = "hidden") -> tuple:
    """Hidden-layer widths as a tuple of positive ints, with a named error otherwise."""
    if isinstance(hidden, (str, bytes)) or not isinstance(hidden, Sequence):
        raise TypeError(f"`{name}` must be a sequence of ints, got {type(hidden).__name__}")
    return tuple(check_int(h, f"{name}[{i}]", minimum=1) for i, h in enumerate(hidden))
