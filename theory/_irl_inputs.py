"""Input checks and log-domain numerics shared by :mod:`theory.irl` and :mod:`theory.irl_partition`.

The layout and conventions are those of :mod:`theory.irl` (trajectories on the last axis,
leading axes broadcast; ``q_weights=None`` means E_q[.] is weighted by q itself).  Nothing here
is a formula of a paper: these are the validation and the overflow-safe wrappers the closed
forms share, kept in one place so the two modules do not type them twice.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import log_softmax as _sp_log_softmax
from scipy.special import logsumexp as _sp_logsumexp
from scipy.special import softmax as _sp_softmax

from theory.docstrings import doc_params
from theory.validation import as_float_array, check_probability, check_same_length

__all__ = [
    "LOG2", "logsumexp", "log_softmax", "softmax", "check_cost", "check_log_z", "check_q",
    "same_length", "broadcast", "sampler", "safe_log", "log_ratio", "as_output",
    "weighted_sum", "loss_inputs", "mixture_log_weights", "IRL_DOC", "irl_doc",
]

#: Parameter descriptions shared by the docstrings of theory.irl and theory.irl_partition
#: (``%(cost)s`` etc., filled in at import by :func:`irl_doc`).
IRL_DOC = {
    "cost": "cost : array_like, shape (..., N)\n        Finite costs.",
    "q": "q : array_like, shape (..., N)\n        Sampler density (a probability vector when ``q_weights`` is None).",
    "p_data": "p_data : array_like, shape (..., N)\n        Data probabilities or demonstration weights.",
    "log_z": "log_z : float or array_like, shape broadcastable to (...)\n        log Z.",
    "raises_cost": "ValueError\n        If ``cost`` is empty, a scalar or not finite.\n"
                   "    TypeError\n        If ``cost`` is not numeric.",
}
irl_doc = doc_params(IRL_DOC)

#: log 2 (the mixture mu = (p + q)/2 and mu_tilde carry a factor 1/2).
LOG2 = float(np.log(2.0))


# Costs whose spread exceeds DBL_MAX (e.g. ±1e308) make scipy's shifted x - max(x) overflow
# to -inf; exp(-inf) = 0 is then the exact weight, so the overflow is harmless and silenced.
def logsumexp(*args, **kwargs):
    """scipy.special.logsumexp without overflow warnings (costs near the double range)."""
    with np.errstate(over="ignore"):
        return _sp_logsumexp(*args, **kwargs)


def log_softmax(*args, **kwargs):
    """scipy.special.log_softmax without overflow warnings (costs near the double range)."""
    with np.errstate(over="ignore"):
        return _sp_log_softmax(*args, **kwargs)


def softmax(*args, **kwargs):
    """scipy.special.softmax without overflow warnings (costs near the double range)."""
    with np.errstate(over="ignore"):
        return _sp_softmax(*args, **kwargs)


def check_cost(cost: Any) -> np.ndarray:
    """``cost`` as a float array of at least one dimension; ValueError naming it otherwise."""
    c = as_float_array(cost, "cost")
    if c.ndim == 0:
        raise ValueError("`cost` must be at least 1-D (one cost per trajectory), got a scalar")
    return c


def check_log_z(log_z: Any, batch_shape: tuple[int, ...]) -> np.ndarray:
    """``log_z`` as a float array broadcasting against ``batch_shape``; ValueError naming it otherwise."""
    s = as_float_array(log_z, "log_z")
    try:
        np.broadcast_shapes(s.shape, batch_shape)
    except ValueError:
        raise ValueError(
            f"`log_z` must be a scalar or broadcast against the batch shape {batch_shape} "
            f"(got shape {s.shape})"
        ) from None
    return s[..., None]


def check_q(q: Any, *, exact: bool) -> np.ndarray:
    """The sampler ``q``: a probability vector when ``exact``, else non-negative density values."""
    if exact:
        # E_q[.] is weighted by q itself: it must be a probability vector.
        return check_probability(q, "q")
    arr = as_float_array(q, "q")
    if arr.ndim == 0:
        raise ValueError("`q` must be at least 1-D (one density value per trajectory), got a scalar")
    if np.any(arr < 0):
        raise ValueError(f"`q` must be non-negative (got minimum {arr.min():.6g})")
    return arr


def same_length(*named: tuple[np.ndarray, str]) -> None:
    """ValueError naming the arrays unless all have the same last-axis length."""
    (a, na) = named[0]
    for b, nb in named[1:]:
        check_same_length(a, b, (na, nb))


def broadcast(*arrays: np.ndarray, names: tuple[str, ...]) -> list[np.ndarray]:
    """The arrays broadcast together; ValueError naming their shapes if they do not broadcast."""
    try:
        return list(np.broadcast_arrays(*arrays))
    except ValueError:
        shapes = ", ".join(f"`{n}` {a.shape}" for n, a in zip(names, arrays))
        raise ValueError(f"the batch axes of {shapes} do not broadcast") from None


def sampler(q: Any, q_weights: Any) -> tuple[np.ndarray, np.ndarray]:
    """(q, w): the density and the weights of E_q[.] (w = q when q_weights is None)."""
    if q_weights is None:
        qq = check_q(q, exact=True)
        return qq, qq
    qq = check_q(q, exact=False)
    w = check_probability(q_weights, "q_weights")
    check_same_length(qq, w, ("q", "q_weights"))
    qq, w = broadcast(qq, w, names=("q", "q_weights"))
    if np.any((w > 0) & (qq == 0)):
        raise ValueError(
            "`q_weights` puts weight on a trajectory where the sampler density `q` is 0: a "
            "sample cannot come from there (and E_q[-log(1 - D)] would be infinite)"
        )
    return qq, w


def safe_log(x: np.ndarray) -> np.ndarray:
    """log x with log 0 = -inf and no divide-by-zero warning."""
    with np.errstate(divide="ignore"):
        return np.log(x)


def log_ratio(c: np.ndarray, s: np.ndarray, qq: np.ndarray) -> np.ndarray:
    """x = log q - log p_tilde = log q + c + log Z (-inf where q = 0)."""
    with np.errstate(over="ignore"):  # ±inf for costs near ±DBL_MAX: D's exact limit 0 or 1
        return safe_log(qq) + c + s


def as_output(x: np.ndarray) -> float | np.ndarray:
    """A Python float for a 0-d result, else the float array."""
    x = np.asarray(x, dtype=float)
    return float(x) if x.ndim == 0 else x


def weighted_sum(weights: np.ndarray, terms: np.ndarray) -> np.ndarray:
    """sum(w * t) along the last axis, with 0 * anything = 0 (zero-weight terms may be inf)."""
    return np.sum(weights * np.where(weights > 0, terms, 0.0), axis=-1)


def loss_inputs(cost, log_z, q, p_data, q_weights):
    """(c, log Z, q, w, p_data), checked and broadcast: the inputs of the discriminator losses."""
    c = check_cost(cost)
    qq, w = sampler(q, q_weights)
    p = check_probability(p_data, "p_data")
    same_length((c, "cost"), (qq, "q"), (p, "p_data"))
    c, qq, w, p = broadcast(c, qq, w, p, names=("cost", "q", "q_weights", "p_data"))
    s = check_log_z(log_z, c.shape[:-1])
    c, qq, w, p, s = broadcast(c, qq, w, p, s, names=("cost", "q", "q_weights", "p_data", "log_z"))
    return c, s, qq, w, p


def mixture_log_weights(c: np.ndarray, s: np.ndarray, qq: np.ndarray, p: np.ndarray,
                        w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mu, log(exp(-c)/mu_tilde)): the guided-cost-learning importance weights' two factors.

    mu = (p_data + q_weights)/2 (the proposal the expectation averages over) and
    mu_tilde = (exp(-c)/Z + q)/2 (its density with the demonstrations' density replaced by the
    model's), Finn et al. (2016), arXiv:1611.03852, Section 2.3.  One home for the formula
    used by the IS partition estimate, the sampled IRL cost loss and its gradient.
    """
    mu = 0.5 * (p + w)
    log_mu_tilde = np.logaddexp(-c - s, safe_log(qq)) - LOG2
    return mu, -c - log_mu_tilde
