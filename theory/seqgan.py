"""SeqGAN on an enumerable sequence space: exact action values and the exact policy gradient.

Papers
------
Yu, L., Zhang, W., Wang, J. & Yu, Y. (2017). SeqGAN: Sequence Generative Adversarial Nets with
    Policy Gradient. AAAI (arXiv:1609.05473).  Objective eq. (1); action value of a complete
    sequence eq. (2); Monte Carlo roll-out action value eq. (4) (whose N -> infinity limit is
    computed here exactly); policy gradient eq. (6), its sampled form eq. (7) and the ascent
    step eq. (8).
Sutton, R. S., McAllester, D., Singh, S. & Mansour, Y. (2000). Policy Gradient Methods for
    Reinforcement Learning with Function Approximation. NeurIPS.  Theorem 1 (the form of the
    gradient for softmax logits used below).

Layout (fixed for the whole package)
------------------------------------
Vocabulary size ``V``, sequence length ``T``.  A *tabular generator* is a list ``logits`` of
``T`` arrays; ``logits[t]`` has shape ``(V**t, V)``: row ``r`` is the prefix ``y_1 .. y_t``
read as a base-``V`` number with ``y_1`` the most significant digit (row 0 is the empty
prefix when ``t = 0``), column ``a`` is the next token, and

    G(y_{t+1} = a | Y_{1:t} = r) = softmax(logits[t][r])[a].

Appending token ``a`` to prefix ``r`` gives prefix ``r * V + a``, so the (V**t, V) table of
"prefix, next token" pairs is, flattened in C order, the vector of prefixes of length t + 1.
A discriminator over whole sequences is ``d_table`` of length ``V**T`` indexed the same way
(``d_table[r]`` = D(Y_{1:T}) for the sequence whose base-V number is ``r``).

Action values Q(Y_{1:t-1}, y_t) = E[D(Y_{1:T}) | Y_{1:t}] are returned in the generator's own
layout (``Q[t]`` of shape ``(V**t, V)``), computed by one backward recursion over t with
reshapes (no loop over sequences):

    Q[T-1] = d_table.reshape(V**(T-1), V),     W_t = sum_a G(a | .) Q[t][:, a],
    Q[t-1] = W_t.reshape(V**(t-1), V).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from theory.docstrings import doc_params
from theory.validation import as_float_array
from theory.autoregressive import check_logits, prefix_probabilities, table_policies

__all__ = [
    "SeqGANGradient",
    "sequence_probabilities",
    "exact_action_values",
    "exact_objective_gradient",
]


# ---------------------------------------------------------------------------------------------
# validation and shared numerics
# ---------------------------------------------------------------------------------------------


#: Parameter and error descriptions shared by the docstrings below, filled in at import by
#: :func:`theory.docstrings.doc_params`.
_DOC = {
    "logits": "logits : list of T array_like, logits[t] of shape (V**t, V)\n"
              "        The generator (see the module docstring for the layout); finite reals.",
    "d_table": "d_table : array_like, shape (V**T,)\n"
               "        D(Y_{1:T}) in [0, 1] for every complete sequence, base-V order.",
    "raises_logits": "TypeError\n        If ``logits`` is not a list of numeric arrays.",
}
_DOC["raises_tables"] = (_DOC["raises_logits"] + "\n    ValueError\n"
                         "        On wrong shapes, non-finite entries, or ``d_table`` outside [0, 1].")
_doc = doc_params(_DOC)


def _check_d_table(d_table: Any, V: int, T: int, name: str = "d_table") -> np.ndarray:
    d = as_float_array(d_table, name)
    if d.shape != (V**T,):
        raise ValueError(f"`{name}` must have shape (V**T,) = ({V**T},) for V = {V}, T = {T} (got {d.shape})")
    if d.min() < 0.0 or d.max() > 1.0:
        raise ValueError(f"`{name}` holds probabilities D(Y) and must lie in [0, 1] "
                         f"(got range [{d.min():.6g}, {d.max():.6g}])")
    return d


def _backward(policies: list[np.ndarray], d: np.ndarray, V: int, T: int):
    """Q[t] (shape (V**t, V)) and W[t] = sum_a pi Q (shape (V**t,)) by backward recursion."""
    Q: list[np.ndarray] = [None] * T  # type: ignore[list-item]
    W: list[np.ndarray] = [None] * T  # type: ignore[list-item]
    Q[T - 1] = d.reshape(V ** (T - 1), V)
    for t in range(T - 1, -1, -1):
        W[t] = np.einsum("ra,ra->r", policies[t], Q[t])
        if t > 0:
            Q[t - 1] = W[t].reshape(V ** (t - 1), V)
    return Q, W


# ---------------------------------------------------------------------------------------------
# public closed forms
# ---------------------------------------------------------------------------------------------


@_doc
def sequence_probabilities(logits: Any) -> np.ndarray:
    """Probability of every complete sequence under a tabular autoregressive generator.

    G(Y_{1:T}) = prod_{t=1}^{T} G(y_t | Y_{1:t-1}), listed in base-V order (y_1 most
    significant), the layout of ``d_table``.

    Source: Yu et al. (2017), SeqGAN, Sec. "SeqGAN via Policy Gradient" (the generator
    G_theta(y_t | Y_{1:t-1}) as a stochastic policy; the sequence probability is the product
    of its conditionals, the chain rule of probability).

    Parameters
    ----------
    %(logits)s

    Returns
    -------
    p_model : ndarray, shape (V**T,)
        Non-negative, sums to 1 (up to rounding).

    Raises
    ------
    %(raises_logits)s
    ValueError
        If a table has the wrong shape, or holds NaN or inf.

    Examples
    --------
    Uniform logits give the uniform distribution over the V**T = 4 sequences:

    >>> sequence_probabilities([np.zeros((1, 2)), np.zeros((2, 2))]).tolist()
    [0.25, 0.25, 0.25, 0.25]
    """
    tables, _, _ = check_logits(logits)
    return prefix_probabilities(table_policies(tables))[-1]


@_doc
def exact_action_values(logits: Any, d_table: Any) -> list[np.ndarray]:
    """Exact SeqGAN action values Q(Y_{1:t-1}, y_t) = E_G[D(Y_{1:T}) | Y_{1:t}].

    Q(Y_{1:T-1}, y_T) = D(Y_{1:T}) (eq. (2)); for t < T the value is the expectation of D over
    completions drawn from the generator, which eq. (4) estimates by the mean of N Monte Carlo
    roll-outs (roll-out policy G_beta = G_theta): this is that estimate's N -> infinity limit,
    computed by the backward recursion Q[t-1] = (sum_a G(a|.) Q[t][:, a]).reshape(V**(t-1), V).

    Source: Yu et al. (2017), SeqGAN, eqs. (2) and (4).

    Parameters
    ----------
    %(logits)s
    %(d_table)s

    Returns
    -------
    Q : list of T ndarray, Q[t] of shape (V**t, V)
        ``Q[t][r, a]`` is the action value of token ``a`` after prefix ``r`` (of length t),
        i.e. Q(Y_{1:t}, y_{t+1} = a) in the paper's 1-based notation.  Every entry lies in
        [0, 1]; it is defined for every prefix, including prefixes of probability 0.

    Raises
    ------
    %(raises_tables)s

    Notes
    -----
    Cost O(T V**T) time and O(V**T) memory.  Large logits are handled by a max-shifted
    softmax: probabilities that underflow are exactly 0 and give no warning.

    Examples
    --------
    V = 2, T = 2, uniform generator, D = 1 on the sequence (0, 0) only: after y_1 = 0 the
    completion is (0, 0) with probability 1/2, after y_1 = 1 it never is.

    >>> Q = exact_action_values([np.zeros((1, 2)), np.zeros((2, 2))], [1.0, 0.0, 0.0, 0.0])
    >>> Q[0].tolist()
    [[0.5, 0.0]]
    >>> Q[1].tolist()  # the last step sees D itself (eq. (2))
    [[1.0, 0.0], [0.0, 0.0]]
    """
    tables, V, T = check_logits(logits)
    d = _check_d_table(d_table, V, T)
    Q, _ = _backward(table_policies(tables), d, V, T)
    return Q


@dataclass
class SeqGANGradient:
    """The SeqGAN objective and its exact gradient with respect to every logit.

    Source: Yu et al. (2017), eq. (1) (J = E[D(Y)]) and eq. (6) (its gradient).

    Attributes
    ----------
    J : float
        E_{Y ~ G}[D(Y)] (eq. (1)).
    grad : list of T ndarray, grad[t] of shape (V**t, V)
        dJ / d logits[t].
    Q : list of T ndarray, Q[t] of shape (V**t, V)
        The action values (as :func:`exact_action_values`).
    values : list of T ndarray, values[t] of shape (V**t,)
        State values W(Y_{1:t}) = sum_a G(a | Y_{1:t}) Q(Y_{1:t}, a); ``values[0][0] == J``.
    prefix_probabilities : list of T + 1 ndarray, entry t of shape (V**t,)
        Pr_G(Y_{1:t} = r); the last entry is the distribution over complete sequences.
    """

    J: float
    grad: list
    Q: list
    values: list
    prefix_probabilities: list

    def to_dict(self) -> dict:
        """JSON-ready dict (arrays as nested lists)."""
        return {"J": self.J, "grad": [g.tolist() for g in self.grad], "Q": [q.tolist() for q in self.Q],
                "values": [v.tolist() for v in self.values],
                "prefix_probabilities": [p.tolist() for p in self.prefix_probabilities]}


@_doc
def exact_objective_gradient(logits: Any, d_table: Any) -> SeqGANGradient:
    r"""Exact SeqGAN objective J = E_G[D(Y)] and its gradient with respect to the logits.

    .. math::

       J(\theta) = \sum_{y_1} G(y_1 \mid s_0)\, Q(s_0, y_1) = \mathbb{E}_{Y \sim G}\big[D(Y_{1:T})\big]
       \qquad \text{(eq. (1))},

       \nabla J = \sum_t \mathbb{E}_{Y_{1:t-1} \sim G}\Big[\sum_{y_t} \nabla G(y_t \mid Y_{1:t-1})\, Q(Y_{1:t-1}, y_t)\Big]
       \qquad \text{(eq. (6))}.

    For softmax logits (d G(b|r) / d logits[t][r, a] = G(b|r)(1[a = b] - G(a|r))) eq. (6)
    becomes, entry by entry,

        dJ / d logits[t][r, a] = Pr(Y_{1:t} = r) G(a | r) (Q[t][r, a] - W[t][r]),

    the policy-gradient theorem (Sutton et al. 2000, Theorem 1) with the advantage
    Q - W, W[t][r] = sum_a G(a | r) Q[t][r, a].

    Source: Yu et al. (2017), SeqGAN, eqs. (1) and (6); Sutton et al. (2000), Theorem 1.

    Parameters
    ----------
    %(logits)s
    %(d_table)s

    Returns
    -------
    SeqGANGradient
        Fields ``J``, ``grad`` (a list shaped like ``logits``), ``Q``, ``values`` and
        ``prefix_probabilities``.

    Raises
    ------
    %(raises_tables)s

    Notes
    -----
    The gradient of each row sums to 0 (softmax logits are defined up to a constant per row).
    Rows of unreachable prefixes (probability 0, e.g. after saturated logits) have gradient
    exactly 0.  The paper ascends this gradient (eq. (8)); nothing here takes a step.

    Examples
    --------
    One token (T = 1), V = 2, uniform generator, D = (1, 0): J = 1/2 and
    dJ/d logit_0 = (1/2)(1 - 1/2) = 1/4 (the derivative of the sigmoid at 0).

    >>> res = exact_objective_gradient([np.zeros((1, 2))], [1.0, 0.0])
    >>> res.J, res.grad[0].tolist()
    (0.5, [[0.25, -0.25]])

    A constant discriminator gives a zero gradient (eq. (6) with Q = W everywhere):

    >>> res = exact_objective_gradient([np.zeros((1, 3)), np.ones((3, 3))], np.full(9, 0.7))
    >>> round(res.J, 12), max(float(abs(g).max()) for g in res.grad)
    (0.7, 0.0)
    """
    tables, V, T = check_logits(logits)
    d = _check_d_table(d_table, V, T)
    policies = table_policies(tables)
    Q, W = _backward(policies, d, V, T)
    P = prefix_probabilities(policies)
    grad = [P[t][:, None] * policies[t] * (Q[t] - W[t][:, None]) for t in range(T)]
    return SeqGANGradient(J=float(W[0][0]), grad=grad, Q=Q, values=W, prefix_probabilities=P)
