"""One fused forward/backward pass for the small MLPs of the neural learners, without autograd.

:class:`FusedMLP` holds one MLP's parameters in a single flat vector (the layers' ``W`` and
``b`` are views into it) and preallocates, per batch size, every buffer its forward and
backward passes write: hidden activations, cotangents and the flat gradient.  The layer and
its vector-Jacobian product are those of :mod:`solvers.neural.mlp`
(:func:`~solvers.neural.mlp.dense_numpy`, :func:`~solvers.neural.mlp.dense_vjp`,
:func:`~solvers.neural.mlp.activation_vjp`) called with ``out=`` buffers, so no formula is
written twice; what is saved is autograd's
tracing, the per-operation allocations and the per-leaf bookkeeping of the optimizers (a flat
vector is one leaf, and every optimizer of :mod:`solvers.neural.optim` is elementwise, so an
update of the flat vector gives the same numbers as the update leaf by leaf).

Precision: ``dtype="float64"`` (the default) gives the autograd path's numbers up to rounding;
``dtype="float32"`` halves the memory traffic and roughly doubles the speed of the matrix
products and the activations, at a relative rounding error of order (accumulation length)
× 2⁻²⁴ ≈ 1e-5 per gradient (the tests bound it by a first-order running-error analysis);
use it only where a claim's tolerance is far above that.

Autograd stays the independent check: the tests compare values and gradients with autograd's
derivative of the same network written with autograd's own operations.

Source: Rumelhart, Hinton & Williams (1986), "Learning representations by back-propagating
errors", eqs. (1)-(2) (the layered network) and the backward pass they derive from them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as onp

from solvers.neural.mlp import ACTIVATIONS, activation_vjp, dense_numpy, dense_vjp, mlp_sizes
from solvers.neural.optim import OptState
from theory.validation import check_in, check_int

__all__ = ["DTYPES", "FusedMLP", "check_dtype"]

#: Floating-point types of the fused pass.
DTYPES = ("float64", "float32")


def check_dtype(dtype: Any, name: str = "dtype") -> onp.dtype:
    """``dtype`` as a numpy dtype, one of :data:`DTYPES` (given by name or as a dtype)."""
    if isinstance(dtype, str):
        check_in(dtype, name, DTYPES)
        return onp.dtype(dtype)
    try:
        value = onp.dtype(dtype)
    except TypeError:
        raise TypeError(f"`{name}` must be one of {DTYPES}, got {type(dtype).__name__}") from None
    check_in(value.name, name, DTYPES)
    return value


class _Buffers:
    """The preallocated arrays of one batch size n: the outputs of every layer and the
    cotangents with respect to every layer's input."""

    __slots__ = ("hidden", "out", "cotangents")

    def __init__(self, sizes: tuple, n: int, dtype: onp.dtype):
        self.hidden = [onp.empty((n, w), dtype) for w in sizes[1:-1]]
        self.out = onp.empty((n, sizes[-1]), dtype)
        self.cotangents = [onp.empty((n, w), dtype) for w in sizes[:-1]]


class FusedMLP:
    """One MLP with a hand-chained forward and backward pass into preallocated buffers.

    h₀ = x;  h_{l+1} = act(h_l W_l + b_l) for the hidden layers;  out = h_L W_L + b_L.
    Backward, for a cotangent ḡ of ``out``: ḡ_z = ḡ·act'(z) below the top layer (from the
    stored outputs), ∂W_l = h_lᵀ ḡ_z, ∂b_l = Σₙ ḡ_z, ∂h_l = ḡ_z W_lᵀ.

    Source: Rumelhart, Hinton & Williams (1986), eqs. (1)-(2).

    Parameters
    ----------
    sizes : sequence of int >= 1
        ``(d_in, h_1, ..., d_out)``.
    activation : str
        Hidden nonlinearity, a name of :data:`solvers.neural.mlp.ACTIVATIONS`.
    dtype : {"float64", "float32"}, keyword-only

    Attributes
    ----------
    flat : ndarray, shape (n_params,)
        All parameters, layer by layer, ``W`` (row-major) then ``b`` (the order of
        :func:`solvers.neural.optim.tree_leaves` on the layer list).
    layers : list of dict
        ``{"W", "b"}`` views into ``flat``.
    grad : ndarray, shape (n_params,)
        The gradient written by :meth:`backward` (overwritten by the next call).

    Notes
    -----
    :meth:`forward` keeps references to its input and writes its hidden states into buffers
    that the next forward pass with the same number of rows overwrites; :meth:`backward`
    differentiates the most recent forward pass.  Buffers are reused from step to step, so
    copy what must outlive the next call.
    """

    def __init__(self, sizes: Sequence[int], activation: str = "tanh", *, dtype: Any = "float64"):
        if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence) or len(sizes) < 2:
            raise TypeError("`sizes` must be a sequence of at least two ints (d_in, ..., d_out)")
        self.sizes = tuple(check_int(s, f"sizes[{i}]", minimum=1) for i, s in enumerate(sizes))
        self.activation = check_in(activation, "activation", tuple(ACTIVATIONS))
        self.dtype = check_dtype(dtype)
        self._shapes = []
        offset = 0
        for fan_in, fan_out in zip(self.sizes[:-1], self.sizes[1:]):
            self._shapes.append(((fan_in, fan_out), offset, offset + fan_in * fan_out,
                                 offset + fan_in * fan_out + fan_out))
            offset += fan_in * fan_out + fan_out
        self.n_params = offset
        self.grad = onp.zeros(offset, self.dtype)
        self._grad_layers = self._views(self.grad)
        self.set_flat(onp.zeros(offset, self.dtype))
        self._buffers: dict[int, _Buffers] = {}
        self._tape: tuple | None = None

    # parameters --------------------------------------------------------------------------------
    def _views(self, flat: onp.ndarray) -> list[dict]:
        return [{"W": flat[a:b].reshape(shape), "b": flat[b:c]} for shape, a, b, c in self._shapes]

    def set_flat(self, flat: onp.ndarray) -> None:
        """Use ``flat`` (shape (n_params,), this network's dtype) as the parameters, without a
        copy: the layers become views into it."""
        if not isinstance(flat, onp.ndarray) or flat.shape != (self.n_params,) or flat.dtype != self.dtype:
            raise ValueError(f"`flat` must be a {self.dtype.name} array of shape ({self.n_params},)")
        self.flat = flat
        self.layers = self._views(flat)

    def load(self, params: list) -> None:
        """Copy an MLP parameter list (``[{"W", "b"}, ...]`` as from
        :func:`solvers.neural.mlp.init_mlp`) into a fresh flat vector of this dtype."""
        self.set_flat(self.import_params(params))

    def import_params(self, params: list, name: str = "params") -> onp.ndarray:
        """An MLP parameter list checked against this network's sizes, as a fresh flat vector
        of this dtype; errors name the argument as ``name`` (e.g. ``"params['critic']"``)."""
        try:
            sizes = mlp_sizes(params)
        except (TypeError, ValueError) as exc:
            raise type(exc)(str(exc).replace("`params", f"`{name}")) from None
        if sizes != self.sizes:
            raise ValueError(f"`{name}` must be an MLP of sizes {self.sizes} (got {sizes})")
        return self.flatten(params)

    def flatten(self, params: list) -> onp.ndarray:
        """A list of layer dicts (or of per-leaf arrays in :meth:`load`'s order) as one fresh
        flat vector of this dtype."""
        flat = onp.empty(self.n_params, self.dtype)
        for layer, (shape, a, b, c) in zip(params, self._shapes):
            flat[a:b] = onp.reshape(layer["W"], -1)
            flat[b:c] = layer["b"]
        return flat

    def unflatten(self, flat: onp.ndarray, *, copy: bool = True) -> list[dict]:
        """``flat`` as a layer list ``[{"W", "b"}, ...]`` (copies unless ``copy=False``)."""
        views = self._views(onp.asarray(flat))
        return [{k: v.copy() for k, v in layer.items()} for layer in views] if copy else views

    def leaves(self, flat: onp.ndarray) -> list:
        """``flat`` as the per-leaf list of :func:`solvers.neural.optim.tree_leaves` (views)."""
        return [x for layer in self._views(flat) for x in (layer["W"], layer["b"])]

    def flatten_leaves(self, leaves: Sequence) -> onp.ndarray:
        """A per-leaf list in :meth:`leaves`'s order (``W₀, b₀, W₁, ...``) as one fresh flat
        vector of this dtype."""
        if len(leaves) != 2 * len(self._shapes):
            raise ValueError(f"`leaves` must hold {2 * len(self._shapes)} arrays (got {len(leaves)})")
        return self.flatten([{"W": w, "b": b} for w, b in zip(leaves[0::2], leaves[1::2])])

    def import_opt_state(self, state: OptState) -> OptState:
        """An optimizer state over this network's layer list as a state over the flat vector:
        every slot becomes one flat leaf of this dtype (the optimizers of
        :mod:`solvers.neural.optim` are elementwise, so updating the flat leaf gives the
        numbers of the leaf-by-leaf update)."""
        return OptState(state.t, {k: [self.flatten_leaves(v)] for k, v in state.slots.items()})

    def export_opt_state(self, state: OptState) -> OptState:
        """The inverse of :meth:`import_opt_state`: per-leaf views into the flat slots."""
        return OptState(state.t, {k: self.leaves(v[0]) for k, v in state.slots.items()})

    # buffers -----------------------------------------------------------------------------------
    def buffers(self, n: int) -> _Buffers:
        """The preallocated buffers for batches of ``n`` rows (made on first use)."""
        buf = self._buffers.get(n)
        if buf is None:
            buf = self._buffers[n] = _Buffers(self.sizes, n, self.dtype)
        return buf

    def as_input(self, x: Any) -> onp.ndarray:
        """``x`` as an (n, d_in) array of this dtype (no copy when it already is one)."""
        x = onp.asarray(x)
        if x.ndim == 1 and self.sizes[0] == 1:
            x = x[:, None]
        if x.ndim != 2 or x.shape[1] != self.sizes[0] or x.shape[0] == 0:
            raise ValueError(f"`x` must have shape (n >= 1, {self.sizes[0]}) (got {x.shape})")
        return x if x.dtype == self.dtype else x.astype(self.dtype)

    # passes ------------------------------------------------------------------------------------
    def forward(self, x: onp.ndarray, *, out: onp.ndarray | None = None) -> onp.ndarray:
        """The network's output for the rows of ``x`` (shape (n, d_in), this dtype; see
        :meth:`as_input`), written into ``out`` (n, d_out) when given, else into a buffer.

        The inputs and hidden states are kept for :meth:`backward`.
        """
        n = x.shape[0]
        buf = self.buffers(n)
        h = x
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            if i == last:
                h = dense_numpy(h, layer["W"], layer["b"], "linear", out=buf.out if out is None else out)
            else:
                h = dense_numpy(h, layer["W"], layer["b"], self.activation, out=buf.hidden[i])
        self._tape = (x, buf)
        return h

    def backward(self, g_out: onp.ndarray, *, params: bool = True, inputs: bool = False
                 ) -> tuple[onp.ndarray | None, onp.ndarray | None]:
        """Vector-Jacobian products of the last :meth:`forward` pass for the cotangent ``g_out``
        (shape (n, d_out)) of its output.

        Returns
        -------
        grad : ndarray (n_params,) or None
            ∂⟨g_out, out⟩/∂θ in :attr:`grad` (overwritten by the next call) when ``params``.
        g_in : ndarray (n, d_in) or None
            ∂⟨g_out, out⟩/∂x (a buffer) when ``inputs``.
        """
        if self._tape is None:
            raise ValueError("`backward` needs a `forward` pass first")
        x, buf = self._tape
        if g_out.shape != (x.shape[0], self.sizes[-1]):
            raise ValueError(f"`g_out` must have shape {(x.shape[0], self.sizes[-1])} (got {g_out.shape})")
        ins = [x, *buf.hidden]
        g = g_out
        for i in range(len(self.layers) - 1, -1, -1):
            if i < len(self.layers) - 1:  # through this layer's activation, in place
                g = activation_vjp(self.activation, buf.hidden[i], g, out=g)
            argnums, out = [], []
            if params:
                argnums.append(1)
                out.append(self._grad_layers[i])
            if i > 0 or inputs:
                argnums.append(0)
                out.append(buf.cotangents[i])
            if argnums:
                dense_vjp(ins[i], self.layers[i]["W"], g, tuple(argnums), out=out)
            if i > 0 or inputs:
                g = buf.cotangents[i]
        return (self.grad if params else None), (g if inputs else None)
