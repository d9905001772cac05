"""The tabular autoregressive policy over all length-T sequences of V tokens (or actions).

One home for the layout shared by SeqGAN (:mod:`theory.seqgan`, :mod:`solvers.tabular.seqgan`)
and the guided-cost sampler (:mod:`solvers.tabular.guided_cost`).

Layout
------
A policy is a list ``logits`` of ``T`` arrays; ``logits[t]`` has shape ``(V**t, V)``: row ``r``
is the prefix ``y_1 .. y_t`` read as a base-``V`` number with ``y_1`` the most significant
digit, column ``a`` is the next token, and

    π_t(a | r) = softmax(logits[t][r])[a],     G(Y_{1:T}) = Π_t π_t(y_{t+1} | Y_{1:t}).

Appending token ``a`` to prefix ``r`` gives prefix ``r * V + a``, so the (V**t, V) table of
"prefix, next token" pairs, flattened in C order, is the vector of prefixes of length t + 1,
and whole sequences are listed in base-V order (the order of
``solvers.problems.trajectories.deterministic_paths`` and of SeqGAN's ``d_table``).

Sources: the chain rule of probability for an autoregressive generator (Yu et al. 2017,
SeqGAN, Sec. "SeqGAN via Policy Gradient"); the evaluable sampler density of guided cost
learning (Finn, Christiano, Abbeel & Levine 2016, Section 2.3); the softmax score function
(Williams 1992).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.special import log_softmax, softmax

from theory.validation import as_float_array

__all__ = [
    "check_logits",
    "table_policies",
    "prefix_probabilities",
    "log_density",
    "expectation_gradient",
]


def check_logits(logits: Any, name: str = "logits") -> tuple[list[np.ndarray], int, int]:
    """Validate the layout; return the tables as float64 arrays, V and T.

    Raises
    ------
    TypeError
        If ``logits`` is not a list (or tuple) of numeric arrays.
    ValueError
        If it is empty, a table has the wrong shape, or holds NaN or inf.
    """
    if isinstance(logits, np.ndarray) or not isinstance(logits, Sequence) or isinstance(logits, (str, bytes)):
        raise TypeError(
            f"`{name}` must be a list of T arrays, logits[t] of shape (V**t, V) "
            f"(got {type(logits).__name__})")
    if len(logits) == 0:
        raise ValueError(f"`{name}` must hold at least one table (sequence length T >= 1)")
    tables = [as_float_array(x, f"{name}[{t}]") for t, x in enumerate(logits)]
    first = tables[0]
    if first.ndim != 2 or first.shape[0] != 1:
        raise ValueError(f"`{name}[0]` must have shape (1, V) (got {first.shape})")
    V = first.shape[1]
    for t, table in enumerate(tables):
        if table.shape != (V**t, V):
            raise ValueError(f"`{name}[{t}]` must have shape (V**{t}, V) = {(V**t, V)} (got {table.shape})")
    return tables, V, len(tables)


def table_policies(tables: list[np.ndarray]) -> list[np.ndarray]:
    """π_t = row-wise softmax of every (validated) table, max-shifted: finite for any finite
    logits, exp(-inf) = 0 silently."""
    out = []
    for x in tables:
        with np.errstate(over="ignore", under="ignore"):
            e = np.exp(x - x.max(axis=-1, keepdims=True))  # -1e308 - 1e308 -> -inf, fine after exp
        out.append(e / e.sum(axis=-1, keepdims=True))
    return out


def prefix_probabilities(policies: list[np.ndarray]) -> list[np.ndarray]:
    """Prefix probabilities P[t] (shape (V**t,)), t = 0..T: P[0] = [1], P[t+1] = P[t] x π_t
    (flattened), so P[T] is G over all sequences in base-V order."""
    P = [np.ones(1)]
    for pi in policies:
        P.append((P[-1][:, None] * pi).reshape(-1))
    return P


def log_density(tables: list[np.ndarray]) -> np.ndarray:
    """log G(Y) of every sequence, shape (V**T,), from validated tables:
    Σ_t log softmax(logits[t][prefix_t])[y_{t+1}] (log-softmax, so finite for finite logits).
    """
    a = tables[0].shape[1]
    h = len(tables)
    out = np.zeros(a**h)
    for t, x in enumerate(tables):
        # log π_t(a_{t+1} | a_1..a_t), indexed by the prefix a_1..a_{t+1} as a base-A number;
        # sequence rows sharing that prefix form a contiguous block of A^(H-t-1) rows.
        out.reshape(a ** (t + 1), a ** (h - t - 1))[...] += log_softmax(x, axis=1).reshape(-1, 1)
    return out


def expectation_gradient(tables: list[np.ndarray], m: np.ndarray) -> list[np.ndarray]:
    """Gradient with respect to the (validated) tables of Σ_Y m(Y) log G(Y), m held fixed.

    Per time step, with M[u, a] = Σ_{Y extends (u, a)} m(Y) (block sums of contiguous rows,
    because the order is lexicographic):

        ∂/∂logits[t][u, a] = M[u, a] - π_t(a | u) Σ_a' M[u, a'].

    With m = G r this is ∇ E_G[r] (r held fixed); with m = w r for empirical weights w of
    draws from G it is the score-function (REINFORCE) estimate (Williams 1992).
    """
    a = tables[0].shape[1]
    grads: list[np.ndarray] = [None] * len(tables)  # type: ignore[list-item]
    block = m
    for t in range(len(tables) - 1, -1, -1):
        M = block.reshape(a**t, a)  # M[u, a] = Σ_{τ extends (u, a)} m
        grads[t] = M - softmax(tables[t], axis=1) * M.sum(axis=1, keepdims=True)
        block = M.sum(axis=1)
    return grads

