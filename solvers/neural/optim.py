"""First-order optimizers and pytree helpers for autograd parameters.

Parameters are *pytrees*: arrays (or Python floats) nested in dicts, lists and tuples, as
autograd returns gradients for them (``autograd.grad`` of a function of a nested dict returns
a nested dict of the same shape).  The optimizers are functional, in the style of
``optax``/``jax.example_libraries.optimizers``::

    opt = Adam(1e-3)
    state = opt.init(params)
    params, state = opt.update(grads, state, params)

``update`` never modifies its inputs: it builds new arrays (autograd forbids assignment into
arrays, and stored trajectories must not alias each other).

Sign convention
---------------
``update`` *descends*: ``params - lr * direction(grads)``.  For gradient *ascent* either pass
the negated gradient or build the optimizer with ``maximize=True``, which negates the
gradient on entry (so the two are identical bit for bit).

Papers
------
- SGD with momentum and Nesterov's variant: Sutskever, Martens, Dahl & Hinton (2013), "On the
  importance of initialization and momentum in deep learning", eqs. (1)-(2) and (3)-(4).
- RMSProp: Tieleman & Hinton (2012), Coursera "Neural Networks for Machine Learning",
  lecture 6.5.
- Adam: Kingma & Ba (2015), "Adam: A Method for Stochastic Optimization", Algorithm 1.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as onp

from theory.validation import check_positive, check_unit_interval
from theory.deprecation import module_getattr

__all__ = [
    "SGD",
    "Momentum",
    "RMSProp",
    "Adam",
    "OPTIMISERS",
    "make_optimizer",
    "tree_leaves",
    "tree_structure",
    "tree_unflatten",
    "tree_map",
    "tree_add",
    "tree_sub",
    "tree_scale",
    "tree_zeros_like",
    "tree_flatten",
    "tree_norm",
    "tree_allclose",
    "tree_equal",
]

# ---------------------------------------------------------------------------------------------
# pytrees
# ---------------------------------------------------------------------------------------------

_LEAF = None  # marker of a leaf in a tree structure


def _is_leaf(x: Any) -> bool:
    return not isinstance(x, (dict, list, tuple))


def tree_structure(tree: Any) -> Any:
    """The shape of ``tree`` with every leaf replaced by ``None`` (dict keys kept in order)."""
    if isinstance(tree, dict):
        return {k: tree_structure(v) for k, v in tree.items()}
    if isinstance(tree, list):
        return [tree_structure(v) for v in tree]
    if isinstance(tree, tuple):
        return tuple(tree_structure(v) for v in tree)
    return _LEAF


def tree_leaves(tree: Any) -> list:
    """The leaves of ``tree`` in a fixed order (dict insertion order, then list order)."""
    out: list = []
    _collect(tree, out)
    return out


def _collect(tree: Any, out: list) -> None:
    if isinstance(tree, dict):
        for v in tree.values():
            _collect(v, out)
    elif isinstance(tree, (list, tuple)):
        for v in tree:
            _collect(v, out)
    else:
        out.append(tree)


def tree_unflatten(structure: Any, leaves: list) -> Any:
    """Inverse of ``tree_leaves``: rebuild a tree of ``structure`` from its leaves."""
    it = iter(leaves)
    tree = _build(structure, it)
    for _ in it:
        raise ValueError("`leaves` has more entries than `structure` has leaves")
    return tree


def _build(structure: Any, it) -> Any:
    if isinstance(structure, dict):
        return {k: _build(v, it) for k, v in structure.items()}
    if isinstance(structure, list):
        return [_build(v, it) for v in structure]
    if isinstance(structure, tuple):
        return tuple(_build(v, it) for v in structure)
    try:
        return next(it)
    except StopIteration:
        raise ValueError("`leaves` has fewer entries than `structure` has leaves") from None


def _check_same_structure(a: Any, b: Any, names: tuple[str, str]) -> None:
    if tree_structure(a) != tree_structure(b):
        raise ValueError(f"`{names[0]}` and `{names[1]}` must have the same tree structure")


def tree_map(fn: Callable, tree: Any, *rest: Any) -> Any:
    """Apply ``fn`` leafwise; ``rest`` are trees of the same structure whose leaves are extra
    arguments, ``fn(leaf, *other_leaves)``."""
    for i, other in enumerate(rest):
        _check_same_structure(tree, other, ("tree", f"rest[{i}]"))
    leaves = tree_leaves(tree)
    others = [tree_leaves(o) for o in rest]
    return tree_unflatten(tree_structure(tree), [fn(x, *ys) for x, *ys in zip(leaves, *others)])


def tree_add(a: Any, b: Any) -> Any:
    """Leafwise ``a + b``."""
    return tree_map(lambda x, y: x + y, a, b)


def tree_sub(a: Any, b: Any) -> Any:
    """Leafwise ``a - b``."""
    return tree_map(lambda x, y: x - y, a, b)


def tree_scale(a: Any, c: float) -> Any:
    """Leafwise ``c * a``."""
    return tree_map(lambda x: c * x, a)


def tree_zeros_like(a: Any) -> Any:
    """A tree of zeros with the leaves' shapes (float64)."""
    return tree_map(lambda x: onp.zeros(onp.shape(x)), a)


def tree_flatten(tree: Any) -> tuple[onp.ndarray, Callable[[onp.ndarray], Any]]:
    """Concatenate every leaf (raveled, float64) into one vector.

    Returns
    -------
    vector : ndarray, shape (n_params,)
    unflatten : callable
        ``unflatten(vector)`` rebuilds a tree of the original structure and leaf shapes.
    """
    structure = tree_structure(tree)
    leaves = [onp.asarray(x, dtype=onp.float64) for x in tree_leaves(tree)]
    shapes = [x.shape for x in leaves]
    sizes = [x.size for x in leaves]
    vector = onp.concatenate([x.ravel() for x in leaves]) if leaves else onp.zeros(0)

    def unflatten(vec: onp.ndarray) -> Any:
        vec = onp.asarray(vec, dtype=onp.float64)
        if vec.shape != (sum(sizes),):
            raise ValueError(f"`vec` must have shape ({sum(sizes)},), got {vec.shape}")
        out, start = [], 0
        for shape, size in zip(shapes, sizes):
            out.append(vec[start:start + size].reshape(shape).copy())
            start += size
        return tree_unflatten(structure, out)

    return vector, unflatten


def tree_norm(tree: Any) -> float:
    """Euclidean norm of all leaves taken together, ``sqrt(sum_leaves sum(x**2))``."""
    return float(onp.sqrt(sum(float(onp.sum(onp.square(x))) for x in tree_leaves(tree))))


def tree_equal(a: Any, b: Any) -> bool:
    """Same structure and bitwise-equal leaves (``numpy.array_equal``)."""
    if tree_structure(a) != tree_structure(b):
        return False
    return all(onp.array_equal(x, y) for x, y in zip(tree_leaves(a), tree_leaves(b)))


def tree_allclose(a: Any, b: Any, *, rtol: float = 1e-12, atol: float = 0.0) -> bool:
    """Same structure and leaves equal within ``numpy.allclose(rtol, atol)``."""
    if tree_structure(a) != tree_structure(b):
        return False
    return all(onp.allclose(x, y, rtol=rtol, atol=atol) for x, y in zip(tree_leaves(a), tree_leaves(b)))


# ---------------------------------------------------------------------------------------------
# optimizers
# ---------------------------------------------------------------------------------------------


@dataclass
class OptState:
    """State of an optimizer: the step count ``t`` and its per-leaf slots (flat lists).

    ``slots`` maps a slot name (``"m"``, ``"v"``, ``"velocity"``) to a list of arrays, one per
    leaf of the parameter tree in ``tree_leaves`` order.  States are never modified in place.
    """

    t: int
    slots: dict = field(default_factory=dict)


class _Optimizer:
    """Shared plumbing: validation, flattening, the ascent flag."""

    name = "optimizer"
    _slot_names: tuple[str, ...] = ()

    def __init__(self, lr: float, *, maximize: bool = False):
        self.lr = check_positive(lr, "lr")
        if not isinstance(maximize, bool):
            raise TypeError(f"`maximize` must be a bool, got {type(maximize).__name__}")
        self.maximize = maximize

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"

    # public ----------------------------------------------------------------------------------
    def init(self, params: Any) -> OptState:
        """Zero state for ``params`` (any pytree of arrays)."""
        leaves = tree_leaves(params)
        for i, x in enumerate(leaves):
            if isinstance(x, (str, bytes)) or not (
                isinstance(x, numbers.Real) or onp.issubdtype(onp.asarray(x).dtype, onp.number)
            ):
                raise TypeError(f"`params` leaf {i} is not numeric (got {type(x).__name__})")
        return OptState(0, {s: [onp.zeros(onp.shape(x)) for x in leaves] for s in self._slot_names})

    def update(self, grads: Any, state: OptState, params: Any) -> tuple[Any, OptState]:
        """One step: returns ``(new_params, new_state)``; ``grads`` has the structure of ``params``.

        Descent by default (``params - lr * direction``); ascent when ``maximize=True``.
        """
        if not isinstance(state, OptState):
            raise TypeError(f"`state` must be an OptState from `init`, got {type(state).__name__}")
        structure = tree_structure(params)
        if tree_structure(grads) != structure:
            raise ValueError("`grads` and `params` must have the same tree structure")
        g = tree_leaves(grads)
        p = tree_leaves(params)
        new_p, new_state = self.update_leaves(g, state, p)
        return tree_unflatten(structure, new_p), new_state

    def update_unchecked(self, grads: Any, state: OptState, params: Any) -> tuple[Any, OptState]:
        """``update`` without the state and structure checks: the fast path of training loops
        whose gradients come from autograd on ``params`` (same numbers as ``update``)."""
        new_p, new_state = self.update_leaves(tree_leaves(grads), state, tree_leaves(params))
        return tree_unflatten(tree_structure(params), new_p), new_state

    def update_leaves(self, g: list, state: OptState, p: list) -> tuple[list, OptState]:
        """``update`` on flat leaf lists (no structure checks): the fast path for training loops."""
        if self.maximize:
            g = [-x for x in g]
        return self._step(g, state, p)

    def _step(self, g: list, state: OptState, p: list) -> tuple[list, OptState]:  # pragma: no cover
        raise NotImplementedError


class SGD(_Optimizer):
    """Plain gradient descent, ``θ ← θ − η g``.

    Source: Robbins & Monro (1951); the update of Sutskever et al. (2013), eq. (1) with μ = 0.

    Parameters
    ----------
    lr : float > 0
        Step size η.
    maximize : bool, keyword-only
        Ascend (``θ ← θ + η g``) instead.
    """

    name = "sgd"

    def _step(self, g, state, p):
        lr = self.lr
        return [x - lr * gi for x, gi in zip(p, g)], OptState(state.t + 1, {})


class Momentum(_Optimizer):
    """Heavy-ball or Nesterov momentum.

    Heavy ball:  v ← β v + g,            θ ← θ − η v.
    Nesterov:    v ← β v + g,            θ ← θ − η (g + β v).

    Source: Sutskever, Martens, Dahl & Hinton (2013), eqs. (1)-(2) (classical momentum) and
    eqs. (3)-(4) (Nesterov), written with the gradient-accumulating velocity used by PyTorch
    (``v`` here is their ``-v / ε``).

    Parameters
    ----------
    lr : float > 0
        Step size η.
    beta : float in [0, 1)
        Momentum coefficient β.
    nesterov : bool
        Use Nesterov's look-ahead form.
    maximize : bool, keyword-only
        Ascend instead of descend.
    """

    name = "momentum"
    _slot_names = ("velocity",)

    def __init__(self, lr: float, beta: float = 0.9, nesterov: bool = False, *, maximize: bool = False):
        super().__init__(lr, maximize=maximize)
        self.beta = check_unit_interval(beta, "beta", open_right=True)
        if not isinstance(nesterov, bool):
            raise TypeError(f"`nesterov` must be a bool, got {type(nesterov).__name__}")
        self.nesterov = nesterov

    def _step(self, g, state, p):
        lr, beta = self.lr, self.beta
        vel = [beta * v + gi for v, gi in zip(state.slots["velocity"], g)]
        if self.nesterov:
            new_p = [x - lr * (gi + beta * v) for x, gi, v in zip(p, g, vel)]
        else:
            new_p = [x - lr * v for x, v in zip(p, vel)]
        return new_p, OptState(state.t + 1, {"velocity": vel})


class RMSProp(_Optimizer):
    """RMSProp: divide the gradient by a running root-mean-square.

    s ← ρ s + (1 − ρ) g²,   θ ← θ − η g / (√s + ε).

    Source: Tieleman & Hinton (2012), Coursera lecture 6.5 "rmsprop" (ε outside the root, as
    in PyTorch's ``RMSprop``).

    Parameters
    ----------
    lr : float > 0
        Step size η.
    decay : float in [0, 1)
        Decay ρ of the running mean of g².
    eps : float > 0
        Added to the root for stability.
    maximize : bool, keyword-only
        Ascend instead of descend.
    """

    name = "rmsprop"
    _slot_names = ("v",)

    def __init__(self, lr: float, decay: float = 0.9, eps: float = 1e-8, *, maximize: bool = False):
        super().__init__(lr, maximize=maximize)
        self.decay = check_unit_interval(decay, "decay", open_right=True)
        self.eps = check_positive(eps, "eps")

    def _step(self, g, state, p):
        lr, rho, eps = self.lr, self.decay, self.eps
        v = [rho * s + (1.0 - rho) * (gi * gi) for s, gi in zip(state.slots["v"], g)]
        new_p = [x - lr * gi / (onp.sqrt(s) + eps) for x, gi, s in zip(p, g, v)]
        return new_p, OptState(state.t + 1, {"v": v})


class Adam(_Optimizer):
    """Adam with bias correction, exactly as Algorithm 1 of Kingma & Ba.

    t ← t + 1;  m ← β₁ m + (1 − β₁) g;  v ← β₂ v + (1 − β₂) g²;
    m̂ = m / (1 − β₁ᵗ);  v̂ = v / (1 − β₂ᵗ);  θ ← θ − α m̂ / (√v̂ + ε).

    Source: Kingma & Ba (2015), "Adam: A Method for Stochastic Optimization", Algorithm 1.
    (The "more efficient" ordering of their Section 2 moves ε inside the correction and
    differs from Algorithm 1 at the ε level; we implement Algorithm 1.)

    Parameters
    ----------
    lr : float > 0
        Step size α.
    b1, b2 : float in [0, 1)
        Decay rates β₁, β₂ of the first and second moment estimates.
    eps : float > 0
        ε.
    maximize : bool, keyword-only
        Ascend instead of descend.
    """

    name = "adam"
    _slot_names = ("m", "v")

    def __init__(self, lr: float, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8, *,
                 maximize: bool = False):
        super().__init__(lr, maximize=maximize)
        self.b1 = check_unit_interval(b1, "b1", open_right=True)
        self.b2 = check_unit_interval(b2, "b2", open_right=True)
        self.eps = check_positive(eps, "eps")

    def _step(self, g, state, p):
        lr, b1, b2, eps = self.lr, self.b1, self.b2, self.eps
        t = state.t + 1
        m = [b1 * mi + (1.0 - b1) * gi for mi, gi in zip(state.slots["m"], g)]
        v = [b2 * vi + (1.0 - b2) * (gi * gi) for vi, gi in zip(state.slots["v"], g)]
        c1 = 1.0 - b1 ** t
        c2 = 1.0 - b2 ** t
        new_p = [x - lr * (mi / c1) / (onp.sqrt(vi / c2) + eps) for x, mi, vi in zip(p, m, v)]
        return new_p, OptState(t, {"m": m, "v": v})


OPTIMISERS = {"sgd": SGD, "momentum": Momentum, "rmsprop": RMSProp, "adam": Adam}


def make_optimizer(name: str, lr: float, **kwargs: Any) -> _Optimizer:
    """Build an optimizer by name (``"sgd"``, ``"momentum"``, ``"rmsprop"``, ``"adam"``)."""
    if name not in OPTIMISERS:
        raise ValueError(f"`name` must be one of {', '.join(map(repr, OPTIMISERS))} (got {name!r})")
    return OPTIMISERS[name](lr, **kwargs)


def normalize_optimizer_kwargs(kwargs: Any) -> tuple:
    """Optimizer keyword arguments (a dict or (name, value) pairs) as a sorted, hashable tuple
    of pairs, so that frozen config dataclasses can hold them."""
    if isinstance(kwargs, dict):
        kwargs = sorted(kwargs.items())
    try:
        return tuple((str(k), v) for k, v in kwargs)
    except (TypeError, ValueError):
        raise TypeError("`optimizer_kwargs` must be a dict or a sequence of (name, value) pairs") from None

# Old British spellings of public names, kept as deprecated aliases (theory.deprecation).
__getattr__ = module_getattr(__name__, globals(), {
    'make_optimiser': 'make_optimizer',
    'normalise_optimiser_kwargs': 'normalize_optimizer_kwargs',
})
