"""Guided cost learning on an enumerable trajectory set: importance-sampled partition estimates
and the GAN form (Finn discriminator + tabular autoregressive sampler), exact or sampled.

Setting (Finn, Christiano, Abbeel & Levine 2016, Sections 2.3-3): a finite set of N
trajectories τ with features f(τ) ∈ R^K, a linear cost c_θ(τ) = θ·f(τ), the MaxEnt model
p_θ(τ) = exp(-c_θ(τ)) / Z(θ), data p_data (a distribution or the empirical weights of
demonstrations) and a sampler q with an evaluable density.

Three parts, each with its own numerics (nothing here calls :mod:`theory.irl`; the claims in
``experiments/claims/finn2016_gcl.py`` compare with it and with MaxEnt IRL):

1. **Tabular autoregressive sampler** over all length-H action sequences of an A-action
   deterministic MDP.  ``logits`` is a list with ``logits[t]`` of shape (A^t, A): row = the
   prefix a_1..a_t as a base-A number (a_1 most significant), column = the next action, so
   π_t(a | prefix) = softmax(logits[t][prefix])[a] and q(τ) = Π_t π_t(a_{t+1} | a_1..a_t).
   Trajectory row r is the base-A number a_1 a_2 ... a_H, the order of
   ``solvers.problems.trajectories.deterministic_paths``.  Densities of all A^H trajectories,
   ancestral sampling and exact or score-function gradients are vectorised over trajectories
   and samples (loops run over the H time steps only).

2. **Importance-sampled partition function and cost gradient** (guided cost learning):
   with n demonstrations (empirical weights p̂) and n sampler draws (q̂) the mixture
   μ = (p_data + q)/2 is represented by μ̂ = (p̂ + q̂)/2 and

       Ẑ = Σ_τ μ̂(τ) exp(-c(τ)) / μ̃(τ),
       ∇_θ L̂ = E_p̂[f] - Σ_τ μ̂ w f / Σ_τ μ̂ w,    w = exp(-c) / μ̃,

   (Finn, Levine & Abbeel 2016, "Guided Cost Learning", Section 4; Finn et al. 2016,
   Section 2.3.2).  Three choices of the density μ̃ in the denominator (``FORMS``):

   - ``"exact"``: the mixture's true density μ = (p_data + q)/2, which needs the data density
     (known on an enumerable set).  Then E[Ẑ] = Σ_{μ>0} exp(-c) = Z exactly (unbiased) and
     log Ẑ → log Z with RMSE ∝ n^{-1/2}: this is the form of the convergence study.
   - ``"paper"``: the paper's estimate μ̃ = (exp(-c)/Z₀ + q)/2 with a given Z₀ (Finn et al.
     2016, Section 3), i.e. the data density replaced by the current model density.  Equal
     to ``"exact"`` only when p_data = exp(-c)/Z₀.
   - ``"self_consistent"``: Z₀ chosen so that Ẑ = Z₀ (a fixed point of the paper's map).
     That Z₀ is the minimiser in log Z of the discriminator loss on the same samples
     (Section 3.2).  It is consistent for the population fixed point Z*, which equals the
     true partition function Z_c if and only if E_p_data[D] = E_{exp(-c)/Z_c}[D] at Z = Z_c
     (e.g. when p_data = exp(-c)/Z_c, or when q = exp(-c)/Z_c); otherwise it converges to
     Z* != Z_c (the claims measure the gap on a misspecified cost).

3. **The GAN form** (Finn et al. 2016, Section 3): the discriminator
   D(τ) = (exp(-c_θ)/Z) / (exp(-c_θ)/Z + q(τ)) = σ(ℓ), ℓ = -c_θ - log Z - log q, with
   parameters (θ, log Z), trained on E_p[-log D] + E_q[-log(1-D)], alternated with the
   autoregressive sampler trained on E_q[log(1-D) - log D].  Expectations exact (sums over
   the enumerated set) or from n demonstrations and n sampler draws per step.

Hand-derived gradients (checked against autograd and finite differences in
``tests/solvers/test_guided_cost.py``):

- discriminator: ∂L_D/∂θ = Fᵀ(p (1-D) - q D), ∂L_D/∂log Z = Σ p (1-D) - Σ q D;
- generator: log(1-D) - log D = -ℓ = c + log Z + log q, so L_G(φ) = Σ_τ q_φ (c + log Z + log q_φ)
  and ∇_φ L_G = Σ_τ ∇q_φ(τ) (c(τ) + log q_φ(τ)) (the log Z and the "+1" from ∇ log q sum to
  zero because Σ ∇q = 0), which is the gradient of E_q[r] with r = c + log q held fixed;
- autoregressive softmax: ∂/∂logits[t][u, a] of Σ_τ w(τ) r(τ) log q(τ) (w held fixed) is
  M[u, a] - π_t(a | u) Σ_a' M[u, a'] with M[u, a] = Σ_{τ extends (u, a)} w(τ) r(τ): block sums
  of contiguous rows, because row order is lexicographic.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import expit, log_softmax, softmax

from solvers._results import ArrayResult
from solvers.problems.trajectories import sample_demonstrations
from theory._validation import (
    ConvergenceWarning,
    as_float_array,
    as_generator,
    check_in,
    check_int,
    check_positive,
    check_probability,
)

__all__ = [
    "FORMS",
    "EXPECTATIONS",
    "DISC_STEPS",
    "SAMPLER_STEPS",
    "init_logits",
    "log_density",
    "density",
    "sample",
    "empirical_weights",
    "expectation_gradient",
    "mixture_log_density",
    "is_log_partition",
    "self_consistent_log_partition",
    "is_cost_gradient",
    "PartitionStudy",
    "partition_study",
    "ErrorSummary",
    "error_summary",
    "discriminator_objective",
    "generator_objective",
    "cost_gap",
    "GANFormRun",
    "train_gan_form",
]

FORMS = ("exact", "paper", "self_consistent")
EXPECTATIONS = ("exact", "sampled")
DISC_STEPS = ("newton", "gradient")
SAMPLER_STEPS = ("natural", "gradient")

#: Damped Newton steps of the discriminator move no logit ℓ(τ) by more than this many nats
#: per step (a trust region; near the optimum the full Newton step is far smaller).
NEWTON_MAX_LOGIT_STEP = 2.0

#: Newton iterations of :func:`self_consistent_log_partition` stop when the step in log Z is
#: below this (absolute, nats): a few ulps of log Z for |log Z| up to ~1e3.
SELF_CONSISTENT_TOL = 1e-13


# ============================================================================ validation
def _check_logits(logits) -> tuple[list[np.ndarray], int, int]:
    """Validate the autoregressive layout; return (arrays, n_actions, horizon)."""
    if isinstance(logits, np.ndarray) or not isinstance(logits, (list, tuple)):
        raise TypeError("`logits` must be a list of arrays, logits[t] of shape (A^t, A)")
    horizon = len(logits)
    if horizon < 1:
        raise ValueError("`logits` must hold at least one time step (got an empty list)")
    arrays = [as_float_array(x, f"logits[{t}]") for t, x in enumerate(logits)]
    if arrays[0].ndim != 2 or arrays[0].shape[0] != 1:
        raise ValueError(f"`logits[0]` must have shape (1, A) (got {arrays[0].shape})")
    a = arrays[0].shape[1]
    for t, x in enumerate(arrays):
        if x.shape != (a**t, a):
            raise ValueError(f"`logits[{t}]` must have shape ({a**t}, {a}) = (A^t, A) (got {x.shape})")
    return arrays, a, horizon


def _features(x: ArrayLike) -> np.ndarray:
    f = as_float_array(x, "features")
    if f.ndim != 2:
        raise ValueError(f"`features` must be 2-D, shape (N, K) (got shape {f.shape})")
    return f


def _vector(x: ArrayLike, name: str, n: int | None = None) -> np.ndarray:
    v = as_float_array(x, name)
    if v.ndim != 1:
        raise ValueError(f"`{name}` must be 1-D (got shape {v.shape})")
    if n is not None and v.shape[0] != n:
        raise ValueError(f"`{name}` must have length {n} (got {v.shape[0]})")
    return v


def _weights(x: ArrayLike, name: str, n: int) -> np.ndarray:
    """Probability vectors along the last axis (leading batch axes allowed), length n."""
    w = check_probability(x, name)
    if w.shape[-1] != n:
        raise ValueError(f"`{name}` must have length {n} along its last axis (got shape {w.shape})")
    return w


def _weighted_logsumexp(a: np.ndarray, w: np.ndarray) -> np.ndarray:
    """log Σ w exp(a) along the last axis for w >= 0, ignoring entries with w = 0 (even where
    a = ±inf); -inf when every weight is 0."""
    pos = w > 0
    a = np.where(pos, a, -np.inf)
    m = np.max(a, axis=-1, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        s = np.sum(np.where(pos, w * np.exp(a - m), 0.0), axis=-1)
        return np.log(s) + m[..., 0]


# ============================================================================ 1. sampler
def init_logits(n_actions: int, horizon: int, *, scale: float = 0.0, seed=None) -> list[np.ndarray]:
    """Logits of a tabular autoregressive sampler: zeros (uniform over A^H trajectories) or
    independent N(0, scale²) entries.

    Parameters
    ----------
    n_actions : int, >= 1
        A, the number of actions.
    horizon : int, >= 1
        H, the number of steps.
    scale : float, >= 0
        Standard deviation of random logits; 0 gives the uniform sampler (``seed`` unused).
    seed : int, SeedSequence or Generator
        Required when ``scale > 0``.

    Returns
    -------
    list of ndarray
        ``logits[t]`` of shape (A^t, A), t = 0..H-1.
    """
    a = check_int(n_actions, "n_actions", minimum=1)
    h = check_int(horizon, "horizon", minimum=1)
    if isinstance(scale, bool) or not isinstance(scale, (int, float, np.floating, np.integer)):
        raise TypeError(f"`scale` must be a real number, got {type(scale).__name__}")
    if not np.isfinite(scale) or scale < 0:
        raise ValueError(f"`scale` must be a finite number >= 0 (got {scale!r})")
    if scale == 0:
        return [np.zeros((a**t, a)) for t in range(h)]
    rng = as_generator(seed)
    return [scale * rng.standard_normal((a**t, a)) for t in range(h)]


def _log_density(arrays: list[np.ndarray], a: int, h: int) -> np.ndarray:
    out = np.zeros(a**h)
    for t, x in enumerate(arrays):
        # log π_t(a_{t+1} | a_1..a_t), indexed by the prefix a_1..a_{t+1} as a base-A number;
        # trajectory rows sharing that prefix form a contiguous block of A^(H-t-1) rows.
        out.reshape(a ** (t + 1), a ** (h - t - 1))[...] += log_softmax(x, axis=1).reshape(-1, 1)
    return out


def log_density(logits) -> np.ndarray:
    """log q(τ) of every trajectory, in row order: Σ_t log softmax(logits[t][prefix_t])[a_{t+1}].

    Source: the autoregressive factorisation q(τ) = Π_t π(a_{t+1} | a_1..a_t) of a policy
    in a deterministic MDP (Finn et al. 2016, Section 2.3: the sampler's density must be
    evaluable).

    Parameters
    ----------
    logits : list of array_like
        ``logits[t]`` of shape (A^t, A) (module docstring).

    Returns
    -------
    ndarray, shape (A^H,)
        Finite for finite logits (log-softmax, no underflow to -inf); exp sums to 1.
    """
    arrays, a, h = _check_logits(logits)
    return _log_density(arrays, a, h)


def density(logits) -> np.ndarray:
    """q(τ) = exp(:func:`log_density`), shape (A^H,), summing to 1."""
    return np.exp(log_density(logits))


def sample(logits, n: int, seed) -> np.ndarray:
    """n ancestral draws from the autoregressive sampler, as trajectory row indices.

    Parameters
    ----------
    logits : list of array_like
        ``logits[t]`` of shape (A^t, A).
    n : int, >= 0
        Number of draws.
    seed : int, SeedSequence or Generator

    Returns
    -------
    ndarray of int, shape (n,)
        Row index a_1 a_2 ... a_H (base A) of each drawn trajectory.
    """
    arrays, a, _ = _check_logits(logits)
    n = check_int(n, "n", minimum=0)
    rng = as_generator(seed)
    idx = np.zeros(n, dtype=np.int64)
    for x in arrays:
        cdf = np.cumsum(softmax(x, axis=1), axis=1)[idx]  # (n, A)
        u = rng.random(n)
        # Inverse-CDF draw; actions with zero probability are never chosen (cdf does not rise).
        act = np.minimum(np.sum(cdf[:, :-1] <= u[:, None], axis=1), a - 1)
        idx = idx * a + act
    return idx


def empirical_weights(indices: ArrayLike, n_trajectories: int) -> np.ndarray:
    """Counts / n of trajectory indices: the empirical distribution of draws, shape (N,)."""
    n_traj = check_int(n_trajectories, "n_trajectories", minimum=1)
    idx = np.asarray(indices)
    if idx.ndim != 1 or idx.size == 0 or not np.issubdtype(idx.dtype, np.integer):
        raise ValueError("`indices` must be a non-empty 1-D integer array")
    if idx.min() < 0 or idx.max() >= n_traj:
        raise ValueError(f"`indices` must lie in [0, {n_traj}) (got {idx.min()}..{idx.max()})")
    return np.bincount(idx, minlength=n_traj) / idx.size


def _expectation_gradient(arrays: list[np.ndarray], a: int, m: np.ndarray) -> list[np.ndarray]:
    grads = [None] * len(arrays)
    block = m
    for t in range(len(arrays) - 1, -1, -1):
        M = block.reshape(a**t, a)  # M[u, a] = Σ_{τ extends (u, a)} w r
        grads[t] = M - softmax(arrays[t], axis=1) * M.sum(axis=1, keepdims=True)
        block = M.sum(axis=1)
    return grads


def expectation_gradient(logits, values: ArrayLike, *, weights: ArrayLike | None = None) -> list[np.ndarray]:
    """Gradient with respect to the logits of E_q[r] (r held fixed), exact or score-function.

    ``weights=None``:  ∇_φ Σ_τ q_φ(τ) r(τ) = Σ_τ q_φ(τ) r(τ) ∇_φ log q_φ(τ)  (exact);
    with ``weights`` w (empirical frequencies of draws from q_φ): Σ_τ w(τ) r(τ) ∇_φ log q_φ(τ),
    the unbiased score-function (REINFORCE) estimate.  Per time step,

        ∂/∂logits[t][u, a] = M[u, a] - π_t(a | u) Σ_a' M[u, a'],   M[u, a] = Σ_{τ ⊒ (u, a)} w r.

    Source: the softmax policy gradient (Williams 1992) on the autoregressive factorisation;
    derived in the module docstring.

    Parameters
    ----------
    logits : list of array_like
        ``logits[t]`` of shape (A^t, A).
    values : array_like, shape (A^H,)
        r(τ) in row order (finite).
    weights : array_like, shape (A^H,), optional
        Empirical weights of sampler draws (non-negative, summing to 1).

    Returns
    -------
    list of ndarray
        Same shapes as ``logits``; each row sums to 0.
    """
    arrays, a, h = _check_logits(logits)
    r = _vector(values, "values", a**h)
    w = np.exp(_log_density(arrays, a, h)) if weights is None else _weights(weights, "weights", a**h)
    if w.ndim != 1:
        raise ValueError(f"`weights` must be 1-D (got shape {w.shape})")
    return _expectation_gradient(arrays, a, w * r)


# ============================================================================ 2. partition
def mixture_log_density(
    cost: ArrayLike,
    q: ArrayLike,
    *,
    form: str,
    p_data: ArrayLike | None = None,
    log_z: ArrayLike | None = None,
) -> np.ndarray:
    """log of the mixture density in the importance weights, log μ̃(τ), shape (..., N).

    ``form="exact"``: μ = (p_data + q)/2 (needs ``p_data``);
    ``form="paper"``: μ̃ = (exp(-c)/Z₀ + q)/2 with log Z₀ = ``log_z`` (batched along leading axes).

    Source: Finn et al. (2016), Section 2.3.2 (the mixture proposal of guided cost learning)
    and Section 3 (μ̃ with the model density in place of the data density; equation numbers
    not confirmed).

    Parameters
    ----------
    cost : array_like, shape (..., N)
    q : array_like, shape (N,)
        Sampler density (zeros allowed).
    form : {"exact", "paper"}
    p_data : array_like, shape (N,), for ``form="exact"``
    log_z : float or array_like of shape (...), for ``form="paper"``

    Returns
    -------
    ndarray, shape (..., N)
        -inf where μ̃ = 0 (only possible in the exact form, where p_data = q = 0).
    """
    form = check_in(form, "form", ("exact", "paper"))
    c = as_float_array(cost, "cost")
    n = c.shape[-1]
    qv = _weights(q, "q", n)
    with np.errstate(divide="ignore"):
        log_q = np.log(qv)
        if form == "exact":
            if p_data is None:
                raise ValueError("`p_data` is required for form='exact'")
            p = _weights(p_data, "p_data", n)
            return np.broadcast_to(np.log(0.5 * (p + qv)), c.shape).copy()
    if log_z is None:
        raise ValueError("`log_z` is required for form='paper'")
    s = as_float_array(log_z, "log_z")
    return np.logaddexp(-c - s[..., None], log_q) - np.log(2.0)


def is_log_partition(cost: ArrayLike, log_mu: ArrayLike, p_weights: ArrayLike, q_weights: ArrayLike) -> np.ndarray:
    """log Ẑ with Ẑ = Σ_τ ½(p̂ + q̂)(τ) exp(-c(τ)) / μ̃(τ): the mixture importance-sampling
    estimate of the partition function from demonstrations p̂ and sampler draws q̂.

    Source: Finn, Levine & Abbeel (2016), "Guided Cost Learning", Section 4 (importance
    sampling with demonstrations and samples mixed); Finn et al. (2016), Section 2.3.2.

    Parameters
    ----------
    cost : array_like, shape (..., N)
    log_mu : array_like, shape (..., N)
        log μ̃ (:func:`mixture_log_density`); may be -inf only where both weights are 0.
    p_weights, q_weights : array_like, shape (..., N)
        Empirical weights of the demonstrations and of the sampler draws (each sums to 1).

    Returns
    -------
    ndarray, shape (...)
    """
    c = as_float_array(cost, "cost")
    n = c.shape[-1]
    lm = as_float_array(log_mu, "log_mu", finite=False)
    pw = _weights(p_weights, "p_weights", n)
    qw = _weights(q_weights, "q_weights", n)
    mu_hat = 0.5 * (pw + qw)
    if np.any(np.isnan(lm)) or np.any((mu_hat > 0) & ~np.isfinite(lm)):
        raise ValueError("`log_mu` must be finite wherever a demonstration or a draw sits")
    return _weighted_logsumexp(-c - lm, mu_hat)


def _log_sigmoid(x: np.ndarray) -> np.ndarray:
    """log σ(x) = -log(1 + e^{-x}), to full relative accuracy also where it is ≈ -e^{-x} ≈ 0."""
    return -np.logaddexp(0.0, -x)


def _log_side(w: np.ndarray, log_w: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(log L, dlog L/dx) for L = Σ w σ(x) along the last axis, w a probability vector.

    Both L and its complement B = Σ w σ(-x) = 1 - L are sums of positive terms, each accurate to
    a few ulps; log L is log1p(-B) while B < 1/2 and a log-sum-exp of log w + log σ(x)
    otherwise (L may underflow there).  So a side ≈ 1 keeps its deficit B to full relative
    accuracy, which the linear form Σ (p̂ + q̂) σ(a - s) - 1 rounds away (issue 10).  The slope
    Σ π σ(-x), π ∝ w σ(x), is formed from normalised log weights (no underflow)."""
    comp = np.sum(w * expit(-x), axis=-1)
    lg = log_w + _log_sigmoid(x)
    m = np.max(lg, axis=-1, keepdims=True)  # finite: w has support
    e = np.exp(lg - m)
    total = np.sum(e, axis=-1)
    with np.errstate(divide="ignore"):
        log_sum = np.where(comp < 0.5, np.log1p(-np.minimum(comp, 0.5)), m[..., 0] + np.log(total))
    slope = np.sum(e * expit(-x), axis=-1) / total
    return log_sum, slope


def _self_consistent(a: np.ndarray, p_w: np.ndarray, q_w: np.ndarray,
                     max_iter: int) -> tuple[np.ndarray, int]:
    """Root in s of E_p̂[σ(s - a)] = E_q̂[σ(a - s)] (batched along leading axes; p̂, q̂ normalised
    to sum 1), solved in log form

        F(s) = log Σ p̂ σ(s - a) - log Σ q̂ σ(a - s) = 0

    by Newton's method safeguarded by bisection.  F rises strictly (F' = E_π[σ(a - s)] +
    E_π'[σ(s - a)] > 0 with the tilted weights π, π'), F <= 0 at s = min a and F >= 0 at
    s = max a over the support of p̂ + q̂ (there every σ(a - s) is >= 1/2, resp. <= 1/2), so the
    root is unique and bracketed.  Each side and its complement are sums of positive terms, so
    F is accurate to a few ulps relative to the sides' deficits (see :func:`_log_side`) and the
    root to what the inputs' rounding allows, also where every logit is saturated."""
    pos = (p_w + q_w) > 0
    lo = np.min(np.where(pos, a, np.inf), axis=-1)
    hi = np.max(np.where(pos, a, -np.inf), axis=-1)
    a = np.where(pos, a, 0.0)
    p_w = p_w / np.sum(p_w, axis=-1, keepdims=True)
    q_w = q_w / np.sum(q_w, axis=-1, keepdims=True)
    with np.errstate(divide="ignore"):
        lp, lq = np.log(p_w), np.log(q_w)
    s = 0.5 * (lo + hi)
    for it in range(max_iter):
        sp = s[..., None]
        fp, dp = _log_side(p_w, lp, sp - a)
        fq, dq = _log_side(q_w, lq, a - sp)
        f = fp - fq
        slope = dp + dq
        lo = np.where(f < 0, s, lo)
        hi = np.where(f > 0, s, hi)
        step = np.divide(f, slope, out=np.zeros_like(f), where=slope > 0)
        cand = s - step
        inside = (cand > lo) & (cand < hi) & (slope > 0)
        new = np.where(inside, cand, 0.5 * (lo + hi))
        new = np.where(f == 0, s, new)
        done = np.abs(new - s) <= SELF_CONSISTENT_TOL * np.maximum(1.0, np.abs(s))
        s = new
        if np.all(done):
            return s, it + 1
    return s, max_iter


def self_consistent_log_partition(
    cost: ArrayLike, q: ArrayLike, p_weights: ArrayLike, q_weights: ArrayLike, *, max_iter: int = 200
) -> np.ndarray:
    """The log Z₀ that the paper's importance-sampling map returns unchanged.

    Solves  Z₀ = Σ_τ ½(p̂ + q̂) exp(-c) / (½ exp(-c)/Z₀ + ½ q),  i.e.
    Σ_τ (p̂ + q̂)(τ) D(τ) = 1 with D = σ(-c - log Z₀ - log q), which is also the stationarity
    condition Σ p̂ (1 - D) = Σ q̂ D of the discriminator loss in log Z (its minimiser).  The
    weights are probability vectors (validated to sum to 1 within 1e-9) and are normalised
    before the solve, so the equation solved is E_p̂[1 - D] = E_q̂[D] exactly.

    Source: Finn et al. (2016), Section 3.2 (the Z minimising the discriminator loss is the
    importance-sampling estimate of the partition function, with μ̃ built from that Z).

    Parameters
    ----------
    cost : array_like, shape (..., N)
    q : array_like, shape (N,)
        Sampler density; must be > 0 wherever p̂ + q̂ > 0.
    p_weights, q_weights : array_like, shape (..., N)
        Empirical (or exact) weights of the demonstrations and of the sampler draws.
    max_iter : int
        Newton iteration cap (bracketed Newton converges in ~10-40 iterations).

    Returns
    -------
    ndarray, shape (...)
        log Z₀, found by bracketed Newton iterations on the log form of the stationarity
        condition, F(s) = log Σ p̂ σ(s - a) - log Σ q̂ σ(a - s) with a = -c - log q (strictly
        increasing, so the root is unique).  Both sides are sums of positive terms kept in log
        space, so the root is accurate to rounding even when every logit is saturated; the
        linear form Σ (p̂ + q̂) σ(a - s) - 1 cancels there (it lost ~1e-8 nats, issue 10).

    Warns
    -----
    ConvergenceWarning
        When ``max_iter`` is reached.

    Notes
    -----
    This tends to the population fixed point only as n → ∞.  With exact weights
    (p̂ = p_data, q̂ = q) it equals the true log Z_c = log Σ exp(-c) if and only if
    Σ p_data D = Σ (exp(-c)/Z_c) D at Z₀ = Z_c (because Σ (exp(-c)/Z_c + q) D = 1 there):
    true when p_data = exp(-c)/Z_c or q = exp(-c)/Z_c, false in general, since D is built from
    the model density, not the data density.
    """
    c = as_float_array(cost, "cost")
    n = c.shape[-1]
    qv = _weights(q, "q", n)
    pw = _weights(p_weights, "p_weights", n)
    qw = _weights(q_weights, "q_weights", n)
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    shape = np.broadcast_shapes(pw.shape, qw.shape, c.shape)
    pw, qw = np.broadcast_to(pw, shape), np.broadcast_to(qw, shape)
    if np.any(((pw + qw) > 0) & (qv == 0)):
        raise ValueError("`q` must be > 0 wherever a demonstration or a draw sits")
    with np.errstate(divide="ignore"):
        a = -c - np.log(qv)
    a = np.broadcast_to(a, shape)
    s, it = _self_consistent(a, pw, qw, max_iter)
    if it >= max_iter:
        warnings.warn(f"self-consistent log Z did not converge in {max_iter} iterations; increase "
                      "`max_iter`", ConvergenceWarning, stacklevel=2)
    return s


def is_cost_gradient(
    features: ArrayLike, cost: ArrayLike, log_mu: ArrayLike, p_weights: ArrayLike, q_weights: ArrayLike
) -> np.ndarray:
    """Importance-sampled gradient of the MaxEnt IRL cost loss with respect to θ (c = θ·f):

        ∇_θ L̂ = E_p̂[f] - Σ_τ μ̂ w f / Σ_τ μ̂ w,   μ̂ = (p̂ + q̂)/2,   w = exp(-c)/μ̃,

    with the importance weights' denominators μ̃ held fixed (as the paper differentiates).

    Source: Finn, Levine & Abbeel (2016), "Guided Cost Learning", Section 4 (the sample-based
    gradient of L_IOC); Finn et al. (2016), Section 2.3.2.

    Parameters
    ----------
    features : array_like, shape (N, K)
    cost : array_like, shape (..., N)
    log_mu : array_like, shape (..., N)
    p_weights, q_weights : array_like, shape (..., N)

    Returns
    -------
    ndarray, shape (..., K)
    """
    f = _features(features)
    c = as_float_array(cost, "cost")
    n = f.shape[0]
    if c.shape[-1] != n:
        raise ValueError(f"`cost` must have length {n} along its last axis like `features` (got {c.shape})")
    lm = as_float_array(log_mu, "log_mu", finite=False)
    pw = _weights(p_weights, "p_weights", n)
    qw = _weights(q_weights, "q_weights", n)
    mu_hat = 0.5 * (pw + qw)
    if np.any(np.isnan(lm)) or np.any((mu_hat > 0) & ~np.isfinite(lm)):
        raise ValueError("`log_mu` must be finite wherever a demonstration or a draw sits")
    log_w = -c - lm
    alpha = np.exp(log_w - _weighted_logsumexp(log_w, mu_hat)[..., None])
    alpha = np.where(mu_hat > 0, mu_hat * alpha, 0.0)
    return pw @ f - alpha @ f


@dataclass
class PartitionStudy(ArrayResult):
    """Importance-sampled log-partition and gradient estimates over sample sizes and repeats.

    Attributes
    ----------
    sample_sizes : ndarray of int, shape (S,)
        n: demonstrations drawn from p_data and, separately, draws from q at each size.
    form : str
        The density in the weights (:data:`FORMS`).
    log_z_hat : ndarray, shape (S, R)
        log Ẑ for each size and repeat.
    gradient_hat : ndarray, shape (S, R, K)
        The importance-sampled gradient of E_p[c] + log Z with respect to θ.
    log_z_used : ndarray, shape (S, R)
        log Z₀ inside μ̃ (the given one for ``"paper"``, = ``log_z_hat`` for
        ``"self_consistent"``, NaN for ``"exact"``).
    theta : ndarray, shape (K,)
    n_repeats : int
    """

    sample_sizes: np.ndarray
    form: str
    log_z_hat: np.ndarray
    gradient_hat: np.ndarray
    log_z_used: np.ndarray
    theta: np.ndarray
    n_repeats: int


def partition_study(
    features: ArrayLike,
    theta: ArrayLike,
    p_data: ArrayLike,
    q: ArrayLike,
    sample_sizes: ArrayLike,
    *,
    n_repeats: int,
    seed,
    form: str = "exact",
    log_z: float | None = None,
) -> PartitionStudy:
    """Estimate log Z(θ) and ∇_θ(E_p[c] + log Z) by mixture importance sampling, R times at
    each sample size n, vectorised over repeats.

    Each repeat draws n demonstrations from ``p_data`` and n trajectories from the sampler
    ``q``.  Only the counts enter the estimators, and the counts of n i.i.d. draws are
    multinomial, so the draws are made as ``Generator.multinomial(n, p, size=R)``: identical
    in law to n ancestral draws (:func:`sample`), at O(R N) cost whatever n is.

    Source: Finn, Levine & Abbeel (2016), "Guided Cost Learning", Section 4; Finn et al.
    (2016), Sections 2.3.2 and 3.

    Parameters
    ----------
    features : array_like, shape (N, K)
    theta : array_like, shape (K,)
        The cost c = features @ theta at which Z and the gradient are estimated.
    p_data : array_like, shape (N,)
        The distribution demonstrations are drawn from.
    q : array_like, shape (N,)
        The sampler's density (draws come from it; evaluated in the weights).
    sample_sizes : array_like of int, shape (S,)
        Values of n (>= 1).
    n_repeats : int, >= 2
    seed : int, SeedSequence or Generator
    form : {"exact", "paper", "self_consistent"}
        The density μ̃ in the weights (module docstring).
    log_z : float, for ``form="paper"``
        The Z₀ inside μ̃.

    Returns
    -------
    PartitionStudy
    """
    f = _features(features)
    n_traj, k = f.shape
    th = _vector(theta, "theta", k)
    p = _weights(p_data, "p_data", n_traj)
    qv = _weights(q, "q", n_traj)
    if p.ndim != 1 or qv.ndim != 1:
        raise ValueError("`p_data` and `q` must be 1-D")
    form = check_in(form, "form", FORMS)
    sizes = np.asarray(sample_sizes)
    if sizes.ndim != 1 or sizes.size == 0 or not np.issubdtype(sizes.dtype, np.integer) or sizes.min() < 1:
        raise ValueError(f"`sample_sizes` must be a non-empty 1-D array of integers >= 1 (got {sample_sizes!r})")
    r = check_int(n_repeats, "n_repeats", minimum=2)
    if form == "paper":
        if log_z is None:
            raise ValueError("`log_z` is required for form='paper'")
        log_z = float(as_float_array(log_z, "log_z"))
    rng = as_generator(seed)
    c = f @ th
    log_z_hat = np.empty((sizes.size, r))
    grads = np.empty((sizes.size, r, k))
    used = np.full((sizes.size, r), np.nan)
    for i, n in enumerate(sizes):
        pw = rng.multinomial(int(n), p, size=r) / n
        qw = rng.multinomial(int(n), qv, size=r) / n
        if form == "exact":
            lm = mixture_log_density(c, qv, form="exact", p_data=p)
        else:
            if form == "paper":
                s = np.full(r, log_z)
            else:
                s = self_consistent_log_partition(c, qv, pw, qw)
            used[i] = s
            lm = mixture_log_density(np.broadcast_to(c, (r, n_traj)), qv, form="paper", log_z=s)
        log_z_hat[i] = is_log_partition(np.broadcast_to(c, (r, n_traj)), lm, pw, qw)
        grads[i] = is_cost_gradient(f, np.broadcast_to(c, (r, n_traj)), lm, pw, qw)
    return PartitionStudy(sample_sizes=sizes.astype(np.int64), form=form, log_z_hat=log_z_hat,
                          gradient_hat=grads, log_z_used=used, theta=th, n_repeats=r)


@dataclass
class ErrorSummary(ArrayResult):
    """Errors of repeated estimates against a target, per sample size, and the log-log slope.

    Attributes
    ----------
    sample_sizes : ndarray, shape (S,)
    bias : ndarray, shape (S,) or (S, K)
        Mean error (estimate - target) over repeats.
    bias_se : ndarray, like ``bias``
        Its standard error, std / sqrt(R).
    rmse : ndarray, shape (S,)
        sqrt(mean ‖error‖²) over repeats.
    rmse_se : ndarray, shape (S,)
        Delta-method standard error of ``rmse``: std(‖error‖²) / (2 rmse sqrt(R)).
    slope, intercept : float
        Least-squares fit log rmse = intercept + slope log n over sizes >= ``fit_min_n``.
    slope_se : float
        Bootstrap standard error of ``slope`` (repeats resampled with replacement).
    fit_min_n : int
    """

    sample_sizes: np.ndarray
    bias: np.ndarray
    bias_se: np.ndarray
    rmse: np.ndarray
    rmse_se: np.ndarray
    slope: float
    intercept: float
    slope_se: float
    fit_min_n: int


def error_summary(
    estimates: ArrayLike, target: ArrayLike, sample_sizes: ArrayLike, *,
    fit_min_n: int = 1, n_boot: int = 400, seed=0,
) -> ErrorSummary:
    """Bias, RMSE (with standard errors) and the fitted slope of log RMSE against log n.

    Parameters
    ----------
    estimates : array_like, shape (S, R) or (S, R, K)
        Estimates per sample size and repeat (vectors: the error is the Euclidean norm).
    target : float or array_like of shape (K,)
        The exact value.
    sample_sizes : array_like, shape (S,)
    fit_min_n : int
        Sizes below this are left out of the slope fit (pre-asymptotic regime).
    n_boot : int, >= 2
        Bootstrap resamples for ``slope_se``.
    seed : int, SeedSequence or Generator
        For the bootstrap.

    Returns
    -------
    ErrorSummary
    """
    est = as_float_array(estimates, "estimates")
    if est.ndim not in (2, 3):
        raise ValueError(f"`estimates` must have shape (S, R) or (S, R, K) (got {est.shape})")
    tgt = as_float_array(target, "target")
    sizes = as_float_array(sample_sizes, "sample_sizes")
    if sizes.shape != (est.shape[0],):
        raise ValueError(f"`sample_sizes` must have shape ({est.shape[0]},) (got {sizes.shape})")
    fit_min_n = check_int(fit_min_n, "fit_min_n", minimum=1)
    n_boot = check_int(n_boot, "n_boot", minimum=2)
    keep = sizes >= fit_min_n
    if np.count_nonzero(keep) < 2:
        raise ValueError("at least two sample sizes must be >= `fit_min_n` to fit a slope")
    err = est - tgt
    r = err.shape[1]
    sq = err**2 if err.ndim == 2 else np.sum(err**2, axis=-1)  # (S, R)
    mse = sq.mean(axis=1)
    rmse = np.sqrt(mse)
    rmse_se = sq.std(axis=1, ddof=1) / np.sqrt(r) / (2.0 * rmse)
    x = np.log(sizes[keep])
    slope, intercept = np.polyfit(x, np.log(rmse[keep]), 1)
    rng = as_generator(seed)
    idx = rng.integers(0, r, size=(n_boot, r))
    boot_rmse = np.sqrt(np.mean(sq[keep][:, idx], axis=-1))  # (S_keep, B)
    xc = x - x.mean()
    boot_slopes = xc @ (np.log(boot_rmse) - np.log(boot_rmse).mean(axis=0)) / (xc @ xc)
    return ErrorSummary(
        sample_sizes=sizes, bias=err.mean(axis=1), bias_se=err.std(axis=1, ddof=1) / np.sqrt(r),
        rmse=rmse, rmse_se=rmse_se, slope=float(slope), intercept=float(intercept),
        slope_se=float(boot_slopes.std(ddof=1)), fit_min_n=fit_min_n,
    )


# ============================================================================ 3. GAN form
def _disc(theta, log_z, f, log_q, p, qw):
    """Loss, ∂/∂θ, ∂/∂log Z and D of the Finn discriminator (arrays already validated)."""
    ell = -(f @ theta) - log_z - log_q  # logit of D
    loss = float(p @ np.logaddexp(0.0, -ell) + qw @ np.logaddexp(0.0, ell))
    d = expit(ell)
    g = p * expit(-ell) - qw * d  # p (1 - D) - q D
    return loss, f.T @ g, float(g.sum()), d


def discriminator_objective(
    theta: ArrayLike, log_z: float, features: ArrayLike, log_q: ArrayLike, p_data: ArrayLike,
    *, q_weights: ArrayLike | None = None,
) -> tuple[float, np.ndarray, float]:
    """The Finn discriminator's loss and its gradient in (θ, log Z).

        D(τ) = σ(ℓ(τ)),  ℓ = -θ·f(τ) - log Z - log q(τ)   (= (e^{-c}/Z) / (e^{-c}/Z + q)),
        L_D = E_p[-log D] + E_q[-log(1 - D)] = Σ p softplus(-ℓ) + Σ q̂ softplus(ℓ),
        ∂L_D/∂θ = Fᵀ(p (1 - D) - q̂ D),   ∂L_D/∂log Z = Σ p (1 - D) - Σ q̂ D.

    Source: Finn et al. (2016), Section 3.1 (the discriminator) and Section 2.1 (the GAN
    discriminator loss); gradients derived here.

    Parameters
    ----------
    theta : array_like, shape (K,)
    log_z : float
    features : array_like, shape (N, K)
    log_q : array_like, shape (N,)
        log of the sampler's density at every trajectory (finite).
    p_data : array_like, shape (N,)
        Data distribution or empirical demonstration weights.
    q_weights : array_like, shape (N,), optional
        Weights of E_q (empirical sampler weights); default exp(log_q).

    Returns
    -------
    (float, ndarray of shape (K,), float)
        Loss (nats), ∂/∂θ, ∂/∂log Z.
    """
    f = _features(features)
    n, k = f.shape
    th = _vector(theta, "theta", k)
    lq = _vector(log_q, "log_q", n)
    p = _weights(p_data, "p_data", n)
    qw = np.exp(lq) if q_weights is None else _weights(q_weights, "q_weights", n)
    s = float(as_float_array(log_z, "log_z"))
    loss, g_theta, g_s, _ = _disc(th, s, f, lq, p, qw)
    return loss, g_theta, g_s


def generator_objective(logits, cost: ArrayLike, log_z: float, *, weights: ArrayLike | None = None):
    """The sampler's loss E_q[log(1 - D) - log D] and its gradient in the logits.

    With ℓ = -c - log Z - log q, log(1 - D) - log D = -ℓ, so
    L_G = Σ_τ q(τ) (c(τ) + log Z + log q(τ)) = log Z + E_q[c] - H(q), and
    ∇ L_G = Σ_τ ∇q(τ) (c(τ) + log q(τ)) (exact), or with ``weights`` w of draws from q, the
    score-function estimate Σ_τ w (c + log q - b) ∇ log q with baseline b = Σ w (c + log q).

    Source: Finn et al. (2016), Section 3.2 (the generator's loss is log Z plus the
    entropy-regularised sampler loss of guided cost learning); gradient derived in the module
    docstring.

    Parameters
    ----------
    logits : list of array_like
        ``logits[t]`` of shape (A^t, A).
    cost : array_like, shape (A^H,)
    log_z : float
    weights : array_like, shape (A^H,), optional
        Empirical weights of sampler draws; default: exact expectations under q.

    Returns
    -------
    (float, list of ndarray)
        The loss (exact, or its sample estimate) and the gradient, shaped like ``logits``.

    Notes
    -----
    The baseline is computed from the same n draws, so the sampled gradient's mean is
    (1 - 1/n) ∇L_G (E[b Σ w ∇log q] = E_q[r ∇log q]/n): a positive rescaling, harmless for
    descent.
    """
    arrays, a, h = _check_logits(logits)
    c = _vector(cost, "cost", a**h)
    s = float(as_float_array(log_z, "log_z"))
    log_q = _log_density(arrays, a, h)
    r = c + log_q
    if weights is None:
        w = np.exp(log_q)
        return float(w @ r + s), _expectation_gradient(arrays, a, w * r)
    w = _weights(weights, "weights", a**h)
    b = float(w @ r)
    return b + s, _expectation_gradient(arrays, a, w * (r - b))


def cost_gap(cost_a: ArrayLike, cost_b: ArrayLike) -> float:
    """min_k max_τ |c_a(τ) - c_b(τ) - k| = (max d - min d)/2 with d = c_a - c_b: the sup-norm
    distance between two costs up to an additive constant."""
    a = as_float_array(cost_a, "cost_a")
    b = as_float_array(cost_b, "cost_b")
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"`cost_a` and `cost_b` must be 1-D of equal length (got {a.shape}, {b.shape})")
    d = a - b
    return float(0.5 * (d.max() - d.min()))


@dataclass
class GANFormRun(ArrayResult):
    """Alternating training of the Finn discriminator and the autoregressive sampler.

    Attributes
    ----------
    theta : ndarray, shape (K,)
        Final cost weights; cost = features @ theta.
    log_z : float
        Final log Z of the discriminator.
    logits : list of ndarray
        Final sampler logits (``logits[t]`` of shape (A^t, A)).
    cost : ndarray, shape (N,)
    q : ndarray, shape (N,)
        Final sampler density.
    d : ndarray, shape (N,)
        Final D(τ) = σ(-c - log Z - log q) (exact, whatever ``expectations``).
    steps : ndarray of int, shape (n_records,)
        Outer steps at which the history was recorded.
    theta_history : ndarray, shape (n_records, K)
    log_z_history : ndarray, shape (n_records,)
    disc_loss, gen_loss : ndarray, shape (n_records,)
        Exact losses (sums over the set) at the recorded steps.
    disc_grad_norm, gen_grad_norm : ndarray, shape (n_records,)
        Max-norm of the exact gradients at the recorded steps.
    n_steps : int
        Outer steps taken (fewer than asked when ``tol`` was reached).
    converged : bool
        Whether both exact gradients fell below ``tol`` (exact expectations only).
    expectations, disc_step, sampler_step : str
    lr_d, lr_g : float
    theta_average : ndarray, shape (K,)
        Mean of θ over the second half of the steps (Polyak average; useful when sampled).
    log_z_average : float
    """

    theta: np.ndarray
    log_z: float
    logits: list
    cost: np.ndarray
    q: np.ndarray
    d: np.ndarray
    steps: np.ndarray
    theta_history: np.ndarray
    log_z_history: np.ndarray
    disc_loss: np.ndarray
    gen_loss: np.ndarray
    disc_grad_norm: np.ndarray
    gen_grad_norm: np.ndarray
    n_steps: int
    converged: bool
    expectations: str
    disc_step: str
    sampler_step: str
    lr_d: float
    lr_g: float
    theta_average: np.ndarray = field(default=None)
    log_z_average: float = float("nan")

    def to_dict(self) -> dict:
        out = super().to_dict()
        out["logits"] = [x.tolist() for x in self.logits]
        return out


def _newton_direction(f1: np.ndarray, curv: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """Minimum-norm solution of (G^T diag(curv) G) x = grad (G = [F, 1]); least squares, so a
    constant direction of the features (c and log Z trading off) does not break the solve."""
    hess = f1.T @ (curv[:, None] * f1)
    return np.linalg.lstsq(hess, grad, rcond=None)[0]


def _natural_direction(arrays, a, log_q, r, w):
    """Fisher-preconditioned direction of a tabular softmax sampler for E_q[r]: per block,
    R(u, a) - Σ_a' π(a' | u) R(u, a') with R(u, a) = Σ_{τ ⊒ (u, a)} w r / P(u, a) (w = q: the
    conditional expectation E_q[r | (u, a)], computed from log-densities so that rare prefixes
    do not underflow; w = empirical weights: the score-function estimate divided by P(u, a))."""
    h = len(arrays)
    out = [None] * h
    for t in range(h):
        blocks = log_q.reshape(a ** (t + 1), -1)
        log_reach = np.max(blocks, axis=1)
        log_reach = log_reach + np.log(np.sum(np.exp(blocks - log_reach[:, None]), axis=1))
        if w is None:
            cond = np.exp(blocks - log_reach[:, None])  # q(τ | u, a)
            big_r = np.sum(cond * r.reshape(a ** (t + 1), -1), axis=1)
        else:
            mass = np.sum((w * r).reshape(a ** (t + 1), -1), axis=1)
            with np.errstate(over="ignore"):
                inv = np.exp(-log_reach)
            big_r = np.where(mass != 0, mass * np.where(mass != 0, inv, 0.0), 0.0)
        big_r = big_r.reshape(a**t, a)
        pi = softmax(arrays[t], axis=1)
        out[t] = big_r - np.sum(pi * big_r, axis=1, keepdims=True)
    return out


def train_gan_form(
    features: ArrayLike,
    p_data: ArrayLike,
    *,
    n_actions: int,
    horizon: int,
    n_steps: int,
    disc_step: str = "newton",
    sampler_step: str = "natural",
    lr_d: float | None = None,
    lr_g: float = 1.0,
    n_disc_steps: int = 1,
    n_gen_steps: int = 1,
    theta0: ArrayLike | None = None,
    log_z0: float = 0.0,
    logits0=None,
    tol: float = 0.0,
    expectations: str = "exact",
    n_samples: int | None = None,
    seed=None,
    record_every: int = 1,
) -> GANFormRun:
    """Alternate steps of the Finn discriminator (θ, log Z) and of the tabular autoregressive
    sampler, on all A^H trajectories of a deterministic MDP.

    Each outer step: ``n_disc_steps`` descent steps on L_D(θ, log Z) against the current q
    (:func:`discriminator_objective`), then ``n_gen_steps`` descent steps on
    L_G = E_q[log(1 - D) - log D] (:func:`generator_objective`) against the updated D.

    Source: Finn et al. (2016), Section 3 (the GAN whose discriminator is the cost plus the
    sampler's density, and its generator loss), with guided cost learning's alternation of
    cost and sampler updates (Finn, Levine & Abbeel 2016, Algorithm 1).

    Parameters
    ----------
    features : array_like, shape (A^H, K)
        f(τ) in trajectory row order (``TrajectorySet.features``); the identity matrix gives a
        tabular cost (one weight per trajectory).
    p_data : array_like, shape (A^H,)
        Data distribution or empirical demonstration weights.
    n_actions, horizon : int
        A and H.
    n_steps : int, >= 0
        Outer steps.
    disc_step : {"newton", "gradient"}
        ``"newton"``: (θ, log Z) -= lr_d H⁺ g with H = Gᵀ diag((p + q̂) D (1 - D)) G, G = [F, 1],
        the exact Hessian of L_D (least-squares solve), halving the step until L_D does not
        increase.  ``"gradient"``: plain gradient descent.
    sampler_step : {"natural", "gradient"}
        ``"gradient"``: logits -= lr_g ∇L_G.  ``"natural"``: the Fisher-preconditioned step of
        a tabular softmax policy, logits[t][u] -= lr_g (R(u, ·) - V(u)) with
        R(u, a) = E_q[c + log q | τ ⊒ (u, a)], the gradient block divided by the probability
        Q_t(u) π_t(a | u) of reaching (u, a) (Kakade 2002); at lr_g = 1 it is one soft policy
        iteration sweep.
    lr_d : float, optional
        Discriminator step.  Default 1 for Newton; for gradient steps 2 / (1 + max ‖f(τ)‖²):
        the Hessian's norm is at most ¼ Σ (p + q) ‖G_τ‖² <= ½ max ‖G_τ‖², so this is 1/L and
        every exact step descends.
    lr_g : float
        Sampler step.
    n_disc_steps, n_gen_steps : int, >= 1
    theta0 : array_like, shape (K,), optional
        Initial cost weights (default zeros).
    log_z0 : float
    logits0 : list of arrays, optional
        Initial sampler (default uniform).
    tol : float, >= 0
        With exact expectations, stop when the max-norm of both exact gradients is <= tol
        (checked at every recorded step; 0 never stops early).
    expectations : {"exact", "sampled"}
        ``"sampled"``: every step draws ``n_samples`` demonstrations from ``p_data`` and
        ``n_samples`` trajectories from q (:func:`sample`) and uses their empirical weights
        for both players (score-function gradient, with a mean baseline, for the sampler).
    n_samples : int, required when sampled
    seed : int, SeedSequence or Generator, required when sampled
    record_every : int, >= 1

    Returns
    -------
    GANFormRun

    Raises
    ------
    ValueError, TypeError
        Bad shapes (features must have A^H rows), distributions, steps or options.

    Notes
    -----
    At a joint stationary point with exact expectations, q = exp(-c_θ)/Z_θ (the sampler's
    minimiser), hence D = (Z_θ/Z)/(Z_θ/Z + 1) is constant, the log Z condition makes it 1/2
    (Z = Z_θ), and the θ condition Fᵀ(p (1 - D) - q D) = 0 becomes E_p[f] = E_{p_θ}[f]: the
    MaxEnt IRL moment matching.  So the GAN form reaches the MaxEnt IRL cost (up to a constant,
    and exactly if F has no constant direction) for any data, and q = p_data when p_data lies
    in the exponential family of the features.
    """
    f = _features(features)
    a = check_int(n_actions, "n_actions", minimum=1)
    h = check_int(horizon, "horizon", minimum=1)
    n_traj, k = f.shape
    if n_traj != a**h:
        raise ValueError(f"`features` must have A^H = {a**h} rows (got {n_traj})")
    p = _weights(p_data, "p_data", n_traj)
    if p.ndim != 1:
        raise ValueError("`p_data` must be 1-D")
    n_steps = check_int(n_steps, "n_steps", minimum=0)
    disc_step = check_in(disc_step, "disc_step", DISC_STEPS)
    sampler_step = check_in(sampler_step, "sampler_step", SAMPLER_STEPS)
    if lr_d is None:
        lr_d = 1.0 if disc_step == "newton" else 2.0 / (1.0 + float(np.max(np.sum(f**2, axis=1))))
    lr_d = check_positive(lr_d, "lr_d")
    lr_g = check_positive(lr_g, "lr_g")
    n_disc_steps = check_int(n_disc_steps, "n_disc_steps", minimum=1)
    n_gen_steps = check_int(n_gen_steps, "n_gen_steps", minimum=1)
    theta = np.zeros(k) if theta0 is None else _vector(theta0, "theta0", k).copy()
    s = float(as_float_array(log_z0, "log_z0"))
    if logits0 is None:
        logits = init_logits(a, h)
    else:
        logits, a0, h0 = _check_logits(logits0)
        if (a0, h0) != (a, h):
            raise ValueError(f"`logits0` must be for A={a}, H={h} (got A={a0}, H={h0})")
        logits = [x.copy() for x in logits]
    if isinstance(tol, bool) or not isinstance(tol, (int, float, np.floating)) or not np.isfinite(tol) or tol < 0:
        raise ValueError(f"`tol` must be a finite number >= 0 (got {tol!r})")
    expectations = check_in(expectations, "expectations", EXPECTATIONS)
    record_every = check_int(record_every, "record_every", minimum=1)
    sampled = expectations == "sampled"
    if sampled:
        if n_samples is None:
            raise ValueError("`n_samples` is required when expectations='sampled'")
        n_samples = check_int(n_samples, "n_samples", minimum=1)
        rng = as_generator(seed)
    f1 = np.hstack([f, np.ones((n_traj, 1))])

    rec_steps, th_h, s_h, dl, gl, dn, gn = [], [], [], [], [], [], []
    th_sum, s_sum, n_avg = np.zeros(k), 0.0, 0

    def record(step):
        log_q = _log_density(logits, a, h)
        q = np.exp(log_q)
        loss_d, g_th, g_s, _ = _disc(theta, s, f, log_q, p, q)
        r = f @ theta + log_q
        g_phi = _expectation_gradient(logits, a, q * r)
        rec_steps.append(step)
        th_h.append(theta.copy())
        s_h.append(s)
        dl.append(loss_d)
        gl.append(float(q @ r + s))
        dn.append(max(float(np.max(np.abs(g_th))) if k else 0.0, abs(g_s)))
        gn.append(max(float(np.max(np.abs(x))) for x in g_phi))
        return max(dn[-1], gn[-1])

    converged = (not sampled) and tol > 0 and record(0) <= tol
    if not rec_steps:
        record(0)
    step = 0
    while step < n_steps and not converged:
        log_q = _log_density(logits, a, h)
        for _ in range(n_disc_steps):
            if sampled:
                pw = sample_demonstrations(p, n_samples, rng)[1]
                qw = empirical_weights(sample(logits, n_samples, rng), n_traj)
            else:
                pw, qw = p, np.exp(log_q)
            loss, g_th, g_s, d = _disc(theta, s, f, log_q, pw, qw)
            g = np.append(g_th, g_s)
            if disc_step == "newton":
                direction = _newton_direction(f1, (pw + qw) * d * (1.0 - d), g)
                # Trust region: no logit moves by more than NEWTON_MAX_LOGIT_STEP nats (a full
                # Newton step from a saturated D overshoots by orders of magnitude).
                move = float(np.max(np.abs(f1 @ direction)))
                eta = lr_d * min(1.0, NEWTON_MAX_LOGIT_STEP / move) if move > 0 else lr_d
                for _ in range(60):  # backtracking: never increase the (empirical) loss
                    new_th, new_s = theta - eta * direction[:k], s - eta * direction[k]
                    if _disc(new_th, new_s, f, log_q, pw, qw)[0] <= loss:
                        break
                    eta *= 0.5
                else:
                    new_th, new_s = theta, s
            else:
                new_th, new_s = theta - lr_d * g_th, s - lr_d * g_s
            theta, s = new_th, new_s
        cost = f @ theta
        for _ in range(n_gen_steps):
            log_q = _log_density(logits, a, h)
            r = cost + log_q
            if sampled:
                w = empirical_weights(sample(logits, n_samples, rng), n_traj)
                r = r - w @ r  # mean baseline (does not change the expectation)
            else:
                w = None
            if sampler_step == "natural":
                grads = _natural_direction(logits, a, log_q, r, w)
            else:
                grads = _expectation_gradient(logits, a, (np.exp(log_q) if w is None else w) * r)
            logits = [x - lr_g * g for x, g in zip(logits, grads)]
        step += 1
        if step > n_steps // 2:
            th_sum += theta
            s_sum += s
            n_avg += 1
        if step % record_every == 0 or step == n_steps:
            worst = record(step)
            converged = (not sampled) and tol > 0 and worst <= tol

    log_q = _log_density(logits, a, h)
    cost = f @ theta
    return GANFormRun(
        theta=theta, log_z=s, logits=logits, cost=cost, q=np.exp(log_q),
        d=expit(-cost - s - log_q), steps=np.asarray(rec_steps),
        theta_history=np.asarray(th_h).reshape(-1, k), log_z_history=np.asarray(s_h),
        disc_loss=np.asarray(dl), gen_loss=np.asarray(gl), disc_grad_norm=np.asarray(dn),
        gen_grad_norm=np.asarray(gn), n_steps=step, converged=bool(converged),
        expectations=expectations, disc_step=disc_step, sampler_step=sampler_step, lr_d=lr_d,
        lr_g=lr_g, theta_average=th_sum / n_avg if n_avg else theta.copy(),
        log_z_average=s_sum / n_avg if n_avg else s,
    )
