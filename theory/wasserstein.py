"""Wasserstein distances in closed form: on the line, between Gaussians, and between
Arjovsky's parallel lines.

Papers
------
Villani, C. (2003). Topics in Optimal Transportation. AMS (Theorem 2.18, W_p on the line).
Dowson, D. C. & Landau, B. V. (1982); Givens, C. R. & Shortt, R. M. (1984): W2 between
Gaussians.
Arjovsky, M., Chintala, S. & Bottou, L. (2017). Wasserstein GAN. ICML (Example 1).

Exact discrete optimal transport (the Kantorovich LP) lives in :mod:`theory.optimal_transport`;
KL, JS, TV and the f-divergences in :mod:`theory.divergences`, which re-exports the names here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from theory.validation import as_float_array, check_positive, scalar_or_array

__all__ = ["wasserstein_1d", "w2_gaussian", "parallel_lines"]


def _values_weights(values: Any, weights: Any, vname: str, wname: str) -> tuple[np.ndarray, Any]:
    x = as_float_array(values, vname)
    if x.ndim != 1:
        raise ValueError(f"`{vname}` must be 1-D (got shape {x.shape})")
    if weights is None:
        return x, None
    w = as_float_array(weights, wname)
    if w.shape != x.shape:
        raise ValueError(f"`{wname}` must have the shape of `{vname}` {x.shape} (got {w.shape})")
    if np.any(w < 0):
        raise ValueError(f"`{wname}` must be non-negative (got minimum {w.min():.6g})")
    if not np.any(w > 0):  # (not `w.sum() > 0`: the sum of large weights may overflow)
        raise ValueError(f"`{wname}` must have a positive sum")
    return x, w


def _sorted_levels(x: np.ndarray, w: Any) -> tuple[np.ndarray, np.ndarray]:
    """Sorted support and cumulative probability levels (last level exactly 1)."""
    if w is None:
        xs = np.sort(x)
        n = xs.shape[0]
        return xs, np.arange(1, n + 1, dtype=float) / n
    order = np.argsort(x)  # ties may come in any order: the quantile function is the same
    # Divide by the largest weight first (exact up to rounding, and it cannot overflow), so
    # the cumulative sum stays below n: weights near the largest double would overflow it.
    cw = np.cumsum(w[order] / w.max())
    cw /= cw[-1]
    return x[order], cw


def wasserstein_1d(
    u_values: Any,
    v_values: Any,
    u_weights: Any = None,
    v_weights: Any = None,
    *,
    p: float = 1,
) -> float:
    r"""Exact p-Wasserstein distance between two weighted empirical measures on the line.

    .. math::

       W_p(\mu, \nu) = \left( \int_0^1 \big|F_\mu^{-1}(s) - F_\nu^{-1}(s)\big|^p \, ds \right)^{1/p},

    evaluated exactly: both quantile functions are step functions, constant between the
    merged cumulative-weight levels.

    Source: Villani (2003), Topics in Optimal Transportation, Theorem 2.18 (on the line,
    the monotone/quantile coupling is optimal for convex costs of x - y).

    Parameters
    ----------
    u_values, v_values : array_like, shape (n,) and (m,)
        Atoms of the two measures.
    u_weights, v_weights : array_like, shape (n,) and (m,), optional
        Non-negative weights with a positive sum (normalized here); uniform when ``None``.
    p : float, default 1
        Order, a finite number >= 1.

    Returns
    -------
    w_p : float
        The distance (not raised to the p-th power), in the units of the values.

    Raises
    ------
    ValueError
        If values are empty/non-finite/not 1-D, weights are negative, mis-shaped or sum to
        0, or ``p`` < 1 (all named).

    Notes
    -----
    Cost: one sort per measure (argsort when weighted) and a linear-time merge of the two
    sorted cumulative-level arrays (timsort of two runs); no fresh sort of the union.  Zero-weight
    atoms are allowed (they own an empty quantile interval).  Any finite magnitudes work:
    weights are divided by their maximum before summing, and the gaps by a power of two
    before the p-th power, so neither overflows nor underflows; a distance above the largest
    double (values of both signs near it) is +inf, its correctly rounded value.

    Examples
    --------
    >>> wasserstein_1d([0.0, 1.0], [2.0, 3.0])
    2.0
    >>> wasserstein_1d([0.0], [0.0, 2.0], p=2) == float(np.sqrt(2.0))
    True
    """
    order = check_positive(p, "p")
    if order < 1:
        raise ValueError(f"`p` must be >= 1 (got {p!r})")
    u, uw = _values_weights(u_values, u_weights, "u_values", "u_weights")
    v, vw = _values_weights(v_values, v_weights, "v_values", "v_weights")
    us, cu = _sorted_levels(u, uw)
    vs, cv = _sorted_levels(v, vw)
    n, m = us.shape[0], vs.shape[0]
    if uw is None and vw is None and n == m:
        # equal uniform levels: the quantile coupling is sorted pairing
        return _power_mean(np.full(n, 1.0 / n), _gaps(us, vs), order)
    # Merge the two sorted level arrays: a stable argsort of their concatenation is a
    # linear-time merge of two runs (timsort), not a fresh sort; ties put u-levels first.
    both = np.concatenate([cu, cv])
    perm = np.argsort(both, kind="stable")
    levels = both[perm]
    # On (previous level, level] the u-quantile is us[i], i = number of u-levels strictly
    # before this position in the merged order (likewise for v); ties only create
    # zero-length intervals, where the choice of index does not matter.
    iu = np.cumsum(perm < n) - (perm < n)
    iv = np.arange(n + m) - iu
    np.minimum(iu, n - 1, out=iu)  # both last levels are 1.0: guard the index past the end
    np.minimum(iv, m - 1, out=iv)
    ds = np.diff(levels, prepend=0.0)
    return _power_mean(ds, _gaps(us[iu], vs[iv]), order)


def _gaps(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, int]:
    """|x - y| as (gaps · 2**-e, e) with e chosen so the largest scaled gap lies in [1/2, 1):
    neither the difference of two values near ±DBL_MAX nor its p-th power overflows, and
    gaps near the smallest doubles do not underflow when raised to the power p."""
    extra = 0
    with np.errstate(over="ignore"):
        gap = np.abs(x - y)
    if gap.size and not np.all(np.isfinite(gap)):
        # |x - y| > DBL_MAX: halving both values is exact at such magnitudes (the values
        # that could lose a bit to subnormal rounding are negligible next to the gap).
        gap = np.abs(0.5 * x - 0.5 * y)
        extra = 1
    top = float(gap.max()) if gap.size else 0.0
    if top == 0.0:
        return gap, extra
    _, e = np.frexp(top)                  # top = f · 2**e, f in [1/2, 1)
    return np.ldexp(gap, -int(e)), int(e) + extra   # exact: a power-of-two scaling


def _power_mean(weights: np.ndarray, scaled: tuple[np.ndarray, int], order: float) -> float:
    """(Σ_i w_i g_i^p)^(1/p) for gaps g = 2**e · g', computed as 2**e · (Σ w g'^p)^(1/p)
    with max g' in [1/2, 1): no overflow or underflow of the p-th powers."""
    g, e = scaled
    if order == 1:
        inner = float(np.dot(weights, g))
    else:
        inner = float(np.dot(weights, g**order) ** (1.0 / order))
    with np.errstate(over="ignore", under="ignore"):
        # The distance itself may exceed DBL_MAX (values of both signs near it): +inf is its
        # correctly rounded value.
        return float(np.ldexp(inner, e))


def _gaussian_params(mean: Any, cov: Any, mname: str, cname: str) -> tuple[np.ndarray, np.ndarray]:
    mu = as_float_array(mean, mname)
    S = as_float_array(cov, cname)
    if mu.ndim > 1:
        raise ValueError(f"`{mname}` must be a scalar or 1-D (got shape {mu.shape})")
    mu = mu.reshape(-1)
    d = mu.shape[0]
    if S.ndim == 0 or S.size == 1 and S.ndim <= 2:
        S = S.reshape(1, 1)
    if S.shape != (d, d):
        raise ValueError(f"`{cname}` must have shape {(d, d)} to match `{mname}` (got {S.shape})")
    # The checks run on S / 2**e (max |entry| in [1/2, 1), an exact scaling) so that
    # covariances near the largest double neither overflow S - Sᵀ nor the eigensolver.
    top = float(np.abs(S).max())
    e = int(np.frexp(top)[1]) if top > 0 else 0
    Sn = np.ldexp(S, -e)
    # Round-off allowance 1e-12 · max(1, max|S|), expressed in the scaled units.
    with np.errstate(over="ignore"):
        tol = 1e-12 * max(float(np.ldexp(1.0, -e)), float(np.abs(Sn).max()))
    if np.abs(Sn - Sn.T).max() > tol:
        raise ValueError(f"`{cname}` must be symmetric")
    lam = np.linalg.eigvalsh(0.5 * (Sn + Sn.T))
    if lam.min() < -tol:
        with np.errstate(over="ignore", under="ignore"):
            shown = float(np.ldexp(lam.min(), e))
        raise ValueError(f"`{cname}` must be positive semi-definite (got eigenvalue {shown:.6g})")
    return mu, 0.5 * S + 0.5 * S.T  # (halved first: S + Sᵀ may overflow)


def _psd_sqrt(S: np.ndarray) -> np.ndarray:
    lam, V = np.linalg.eigh(S)
    return (V * np.sqrt(np.clip(lam, 0.0, None))) @ V.T


def w2_gaussian(mean1: Any, cov1: Any, mean2: Any, cov2: Any) -> float:
    r"""2-Wasserstein distance between two Gaussian distributions (not squared).

    .. math::

       W_2^2 = \|m_1 - m_2\|^2 + \operatorname{tr}\!\Big(S_1 + S_2 - 2 \big(S_2^{1/2} S_1 S_2^{1/2}\big)^{1/2}\Big) .

    Source: Dowson & Landau (1982); Givens & Shortt (1984), Proposition 7.

    Parameters
    ----------
    mean1, mean2 : float or array_like, shape (d,)
        Means.
    cov1, cov2 : float or array_like, shape (d, d)
        Covariances, symmetric positive semi-definite (a scalar is a 1-D variance).

    Returns
    -------
    w2 : float
        W2 in the units of the means.

    Raises
    ------
    ValueError
        If shapes disagree, a covariance is not symmetric (within 1e-12 · max(1, max|S|))
        or has an eigenvalue below -1e-12 · max(1, max|S|), or inputs are non-finite (all
        named).

    Notes
    -----
    Singular covariances (degenerate Gaussians, point masses) are allowed.  Square roots are
    taken by symmetric eigendecomposition with negative round-off eigenvalues clipped to 0
    (in 1-D too: a variance of -1e-13 within the accepted round-off is a point mass).

    The trace term is the squared Bures distance, evaluated without cancellation as a norm
    of a difference: with R_i = S_i^{1/2} and the SVD R2 R1 = W Σ Vᵀ,
    tr(S1 + S2) - 2 tr Σ = ‖R1 - R2 W Vᵀ‖_F² (the orthogonal Procrustes identity, since
    tr (S2^{1/2} S1 S2^{1/2})^{1/2} = ‖R2 R1‖_* = tr Σ).  So W2 carries an absolute error of
    ~1e-15 · (‖R1‖_F + ‖R2‖_F), instead of the ~1e-8 · sqrt(tr S1 + tr S2) the trace form
    leaves after its cancellation.  In 1-D the exact form (m1 - m2)² + (σ1 - σ2)² is used.
    Every input is first divided by one power of two (exact), so magnitudes up to the
    largest double neither overflow nor underflow; a W2 above the largest double is +inf.

    Examples
    --------
    In 1-D, W2² = (m1 - m2)² + (σ1 - σ2)²:

    >>> w2_gaussian(0.0, 9.0, 4.0, 0.0)  # sqrt(16 + 9)
    5.0
    """
    m1, S1 = _gaussian_params(mean1, cov1, "mean1", "cov1")
    m2, S2 = _gaussian_params(mean2, cov2, "mean2", "cov2")
    if m1.shape != m2.shape:
        raise ValueError(
            f"`mean1` and `mean2` must have the same dimension (got {m1.shape} and {m2.shape})"
        )
    # One exact power-of-two scale 2**e for lengths: means and standard deviations are
    # divided by 2**e, covariances by 4**e, so every quantity below is O(1).
    top = max(float(np.abs(m1).max()), float(np.abs(m2).max()),
              float(np.sqrt(np.abs(S1).max())), float(np.sqrt(np.abs(S2).max())))
    e = int(np.frexp(top)[1]) if top > 0 else 0
    with np.errstate(under="ignore"):  # entries negligible next to the largest one
        m1, m2 = np.ldexp(m1, -e), np.ldexp(m2, -e)
        S1, S2 = np.ldexp(S1, -2 * e), np.ldexp(S2, -2 * e)
    dm = m1 - m2
    if m1.shape[0] == 1:
        # 1-D: the trace term is (σ1 - σ2)², computed without cancellation.
        bures = float(np.sqrt(max(S1[0, 0], 0.0)) - np.sqrt(max(S2[0, 0], 0.0)))
        w2 = float(np.hypot(dm[0], bures))
    else:
        R1, R2 = _psd_sqrt(S1), _psd_sqrt(S2)
        W, _, Vt = np.linalg.svd(R2 @ R1)
        D = R1 - R2 @ (W @ Vt)
        w2 = float(np.sqrt(np.sum(dm * dm) + np.sum(D * D)))
    with np.errstate(over="ignore"):
        return float(np.ldexp(w2, e))


def parallel_lines(theta: Any) -> dict:
    """Distances between Arjovsky's parallel lines P_0 and P_θ.

    P_0 = law of (0, Z), P_θ = law of (θ, Z), Z ~ U[0, 1]:
    W1 = |θ|; JS = log 2, KL = +inf, TV = 1 if θ ≠ 0, and all 0 if θ = 0.

    Source: Arjovsky, Chintala & Bottou (2017), Example 1.

    Parameters
    ----------
    theta : float or array_like
        Horizontal offsets (finite).

    Returns
    -------
    dict
        Keys ``"wasserstein"``, ``"js"``, ``"kl"``, ``"tv"``, each an array with the shape of
        ``theta`` (a numpy scalar for scalar input); JS in nats.

    Raises
    ------
    ValueError
        If ``theta`` is empty or non-finite.
    TypeError
        If ``theta`` is not numeric.

    Notes
    -----
    Only W1 is continuous in θ: the other three jump at θ = 0, which is the example's point.

    Examples
    --------
    >>> d = parallel_lines(-0.5)
    >>> float(d["wasserstein"]), float(d["tv"]), float(d["kl"])
    (0.5, 1.0, inf)
    >>> float(parallel_lines(0.0)["js"])
    0.0
    """
    th = as_float_array(theta, "theta")
    moved = th != 0
    out = {
        "wasserstein": np.abs(th),
        "js": np.where(moved, np.log(2.0), 0.0),
        "kl": np.where(moved, np.inf, 0.0),
        "tv": np.where(moved, 1.0, 0.0),
    }
    return {k: scalar_or_array(v) for k, v in out.items()}
