"""Guided cost learning, part 2: importance-sampled partition function and cost gradient on an
enumerable trajectory set (see :mod:`solvers.tabular.guided_cost` for the whole method).

With n demonstrations (empirical weights p̂) and n sampler draws (q̂) the mixture
μ = (p_data + q)/2 is represented by μ̂ = (p̂ + q̂)/2 and

    Ẑ = Σ_τ μ̂(τ) exp(-c(τ)) / μ̃(τ),
    ∇_θ L̂ = E_p̂[f] - Σ_τ μ̂ w f / Σ_τ μ̂ w,    w = exp(-c) / μ̃,

(Finn, Levine & Abbeel 2016, "Guided Cost Learning", Section 4; Finn, Christiano, Abbeel &
Levine 2016, Section 2.3.2).  Three choices of the density μ̃ in the denominator (``FORMS``):

- ``"exact"``: the mixture's true density μ = (p_data + q)/2, which needs the data density
  (known on an enumerable set).  Then E[Ẑ] = Σ_{μ>0} exp(-c) = Z exactly (unbiased) and
  log Ẑ → log Z with RMSE ∝ n^{-1/2}: this is the form of the convergence study.
- ``"paper"``: the paper's estimate μ̃ = (exp(-c)/Z₀ + q)/2 with a given Z₀ (Finn et al.
  2016, Section 3), i.e. the data density replaced by the current model density.
- ``"self_consistent"``: Z₀ chosen so that Ẑ = Z₀ (a fixed point of the paper's map), the
  minimizer in log Z of the discriminator loss on the same samples (Section 3.2); consistent
  for the population fixed point Z*, which equals Z_c only when E_p_data[D] = E_{exp(-c)/Z_c}[D].

Nothing here calls :mod:`theory.irl`; the claims compare with it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
import numpy as np
from numpy.typing import ArrayLike
from scipy.special import expit
from solvers.results import ArrayResult
from theory.validation import ConvergenceWarning, as_float_array, as_generator, check_in, check_int
from solvers.tabular.gcl_sampler import check_weights
from solvers.validation import check_vector

FORMS = ("exact", "paper", "self_consistent")
#: Newton iterations of :func:`self_consistent_log_partition` stop when the step in log Z is
#: below this (absolute, nats): a few ulps of log Z for |log Z| up to ~1e3.
SELF_CONSISTENT_TOL = 1e-13
# ============================================================================ validation
def check_features(x: ArrayLike) -> np.ndarray:
    """``features`` as a float array of shape (N, K); ValueError naming it otherwise."""
    f = as_float_array(x, "features")
    if f.ndim != 2:
        raise ValueError(f"`features` must be 2-D, shape (N, K) (got shape {f.shape})")
    return f


def weighted_logsumexp(a: np.ndarray, w: np.ndarray) -> np.ndarray:
    """log Σ w exp(a) along the last axis for w >= 0, ignoring entries with w = 0 (even where
    a = ±inf); -inf when every weight is 0."""
    pos = w > 0
    a = np.where(pos, a, -np.inf)
    m = np.max(a, axis=-1, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        s = np.sum(np.where(pos, w * np.exp(a - m), 0.0), axis=-1)
        return np.log(s) + m[..., 0]


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
    qv = check_weights(q, "q", n)
    with np.errstate(divide="ignore"):
        log_q = np.log(qv)
        if form == "exact":
            if p_data is None:
                raise ValueError("`p_data` is required for form='exact'")
            p = check_weights(p_data, "p_data", n)
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
    lm, _, mu_hat = _check_mixture_sample(log_mu, p_weights, q_weights, c.shape[-1])
    return weighted_logsumexp(-c - lm, mu_hat)


def _check_mixture_sample(log_mu: ArrayLike, p_weights: ArrayLike, q_weights: ArrayLike, n: int
                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(log μ̃, p̂, μ̂ = (p̂ + q̂)/2), with log μ̃ finite wherever μ̂ > 0 (named errors)."""
    lm = as_float_array(log_mu, "log_mu", finite=False)
    pw = check_weights(p_weights, "p_weights", n)
    qw = check_weights(q_weights, "q_weights", n)
    mu_hat = 0.5 * (pw + qw)
    if np.any(np.isnan(lm)) or np.any((mu_hat > 0) & ~np.isfinite(lm)):
        raise ValueError("`log_mu` must be finite wherever a demonstration or a draw sits")
    return lm, pw, mu_hat


def _log_sigmoid(x: np.ndarray) -> np.ndarray:
    """log σ(x) = -log(1 + e^{-x}), to full relative accuracy also where it is ≈ -e^{-x} ≈ 0."""
    return -np.logaddexp(0.0, -x)


def _log_side(w: np.ndarray, log_w: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(log L, dlog L/dx) for L = Σ w σ(x) along the last axis, w a probability vector.

    Both L and its complement B = Σ w σ(-x) = 1 - L are sums of positive terms, each accurate to
    a few ulps; log L is log1p(-B) while B < 1/2 and a log-sum-exp of log w + log σ(x)
    otherwise (L may underflow there).  So a side ≈ 1 keeps its deficit B to full relative
    accuracy, which the linear form Σ (p̂ + q̂) σ(a - s) - 1 rounds away (issue 10).  The slope
    Σ π σ(-x), π ∝ w σ(x), is formed from normalized log weights (no underflow)."""
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
    """Root in s of E_p̂[σ(s - a)] = E_q̂[σ(a - s)] (batched along leading axes; p̂, q̂ normalized
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
    condition Σ p̂ (1 - D) = Σ q̂ D of the discriminator loss in log Z (its minimizer).  The
    weights are probability vectors (validated to sum to 1 within 1e-9) and are normalized
    before the solve, so the equation solved is E_p̂[1 - D] = E_q̂[D] exactly.

    Source: Finn et al. (2016), Section 3.2 (the Z minimizing the discriminator loss is the
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
    qv = check_weights(q, "q", n)
    pw = check_weights(p_weights, "p_weights", n)
    qw = check_weights(q_weights, "q_weights", n)
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
    f = check_features(features)
    c = as_float_array(cost, "cost")
    n = f.shape[0]
    if c.shape[-1] != n:
        raise ValueError(f"`cost` must have length {n} along its last axis like `features` (got {c.shape})")
    lm, pw, mu_hat = _check_mixture_sample(log_mu, p_weights, q_weights, n)
    log_w = -c - lm
    alpha = np.exp(log_w - weighted_logsumexp(log_w, mu_hat)[..., None])
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
    each sample size n, vectorized over repeats.

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
    f = check_features(features)
    n_traj, k = f.shape
    th = check_vector(theta, "theta", k)
    p = check_weights(p_data, "p_data", n_traj)
    qv = check_weights(q, "q", n_traj)
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
