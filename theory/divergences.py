"""Divergences between discrete probability distributions: KL, JS, TV, Pearson χ², f-divergences.

Papers
------
Lin, J. (1991). Divergence measures based on the Shannon entropy. IEEE Trans. Inf. Theory.
Csiszár, I. (1967). Information-type measures of difference of probability distributions.
Goodfellow, I. et al. (2014). Generative Adversarial Nets. NeurIPS (JSD, Theorem 1).
Arjovsky, M., Chintala, S. & Bottou, L. (2017). Wasserstein GAN. ICML (Section 2, TV).

Discrete distributions have their categories on ``axis`` (default the last); the other axes
are batch axes and broadcast, as in scipy.  Results are in nats unless ``base`` is given.
The Wasserstein distances live in :mod:`theory.wasserstein` (on the line, between Gaussians,
Arjovsky's parallel lines) and :mod:`theory.optimal_transport` (exact discrete optimal
transport, the Kantorovich LP, Villani 2009, Thm. 5.10); both are re-exported here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.special import xlogy

from theory._docstrings import doc_params
from theory._validation import (
    PROBABILITY_SUM_RTOL,
    as_float_array,
    broadcast_pair,
    check_positive,
    check_probability,
    scalar_or_array,
)
from theory.optimal_transport import OTResult, wasserstein_discrete
from theory.wasserstein import parallel_lines, w2_gaussian, wasserstein_1d

__all__ = [
    "kl_divergence",
    "js_divergence",
    "total_variation",
    "pearson_chi2",
    "f_divergence",
    "wasserstein_1d",
    "wasserstein_discrete",
    "OTResult",
    "w2_gaussian",
    "parallel_lines",
]

#: Parameter descriptions shared by the divergences' docstrings (``%(name)s``, filled in at
#: import by :func:`theory._docstrings.doc_params`).
_DOC = {
    "p, q": """p, q : array_like, shape (..., K)
        Probability vectors along ``axis`` (non-negative, finite, summing to 1 within 1e-9);
        leading axes broadcast.""",
    "axis": """axis : int, default -1
        The category axis.""",
}
_fill_doc = doc_params(_DOC)

_LOG2 = float(np.log(2.0))
#: Unit roundoff of float64, u = 2**-53 (half the machine epsilon).
_U = 2.0**-53

# -- KL and JS kernels ---------------------------------------------------------------------
#
# Both divergences are sums over atoms of terms computed by numpy ufuncs on cache-sized
# chunks (no Python loop over atoms).  The category axis is cut into *segments* of at most
# _SEG atoms; every sum is formed per segment, and each segment takes one of two routes:
#
# - fast: one division r = p/q and the logarithms the divergence needs (log r for KL;
#   log r and log1p r for JS), dot products for the sums.  Its rounding error is a known
#   multiple of u (derived at _kl_accept / _js_accept) and is accepted when it is small next
#   to the segment's value;
# - accurate: the terms evaluated without cancellation (log1p of the relative difference,
#   Taylor series of the JS term near p = q), for segments the fast route cannot certify:
#   p close to q, zero atoms, subnormal or overflowing ratios.
#
# Validation (finite, non-negative, sums to 1 within PROBABILITY_SUM_RTOL) is fused into the
# same pass: the segment sums and minima come out of the chunk loop, and anything they flag
# is re-checked by `check_probability`, whose message is the one raised.

#: Atoms per segment.  Sums are dot products of this length (OpenBLAS runs dot products
#: below 10,000 elements on one thread: no thread start-up, no contention).
_SEG = 8192
#: Atoms per chunk, i.e. per ufunc call: chunks of segments (or of short rows) of this size
#: amortize numpy's per-call overhead (measured best among 16k..256k atoms on the
#: benchmark machine; 64k and 256k were within 5%).
_CHUNK = 131072
#: The fast KL route is kept on a segment when sum(p) <= _KL_KAPPA * |S| (see _kl_accept).
_KL_KAPPA = 16.0
#: The fast JS route is kept on a segment when its error bound is below this fraction of the
#: segment's value (see _js_accept).
_JS_FAST_RTOL = 2.0**-44
#: Taylor coefficients 1/(k(2k-1)), k = 1..7, of phi(x) / x**2, where
#: phi(x) = (1+x) log(1+x) + (1-x) log(1-x) = sum_k x**(2k) / (k(2k-1)); truncating after
#: k = 7 costs at most (x**2)**7 / 120 <= 2**-56 / 120 relative for x <= 1/16.
_PHI_SERIES = tuple(1.0 / (k * (2 * k - 1)) for k in range(7, 0, -1))
#: Largest x = |p - q| / (p + q) summed by the series (see _js_accurate).
_PHI_SERIES_MAX = 1.0 / 16.0


if hasattr(np, "vecdot"):  # numpy >= 2.0

    def _rowdot(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> np.ndarray:
        """Σ a·b over the last axis, into ``out`` (one BLAS dot per row)."""
        return np.vecdot(a, b, out=out)

else:  # pragma: no cover - numpy < 2.0

    def _rowdot(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> np.ndarray:
        return np.einsum("...i,...i->...", a, b, out=out)


def _rowsum(a: np.ndarray, ones: np.ndarray | None = None,
            out: np.ndarray | None = None) -> np.ndarray:
    """Row sums of a 2-D array as one matrix-vector product with 1 (BLAS gemv: a third
    cheaper than a dot product per row, which reads the ones too, and ~5x cheaper than numpy's
    pairwise reduction along a short last axis)."""
    if ones is None:
        ones = np.ones(a.shape[-1])
    if out is None:
        out = np.empty(a.shape[0])
    return np.matmul(a, ones, out=out)


def _log_base(base: Any) -> float:
    """log(base), validating it (None means nats).

    Only bases > 1 are accepted.  A base in (0, 1) is formally a change of units by
    1/log(base) < 0, which flips the sign of every divergence (KL "in base 1/2" of two
    different distributions is negative); no information unit is defined that way, and a
    negative divergence silently breaks every downstream bound (Gibbs' inequality, JS <= 1
    bit), so such a base is refused rather than honoured.
    """
    if base is None:
        return 1.0
    b = check_positive(base, "base")
    if not b > 1.0:
        raise ValueError(
            f"`base` must be > 1 (got {base!r}): log base 1 is 0, and a base in (0, 1) would "
            "flip the divergence's sign"
        )
    return float(np.log(b))


def _check_axis(axis: Any, name: str = "axis") -> int:
    """An integer axis (Python or numpy int, not bool), or a named TypeError."""
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"`{name}` must be an integer, got {type(axis).__name__} {axis!r}")
    return int(axis)


def _pair(p: Any, q: Any, names: tuple[str, str], axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Validate two batched probability arrays and return them broadcast, with axis last."""
    axis = _check_axis(axis)
    pa = check_probability(p, names[0], axis=axis)
    qa = check_probability(q, names[1], axis=axis)
    pa, qa = broadcast_pair(pa, qa, names, axis=axis)
    if axis != -1 and axis != pa.ndim - 1:
        pa = np.moveaxis(pa, axis, -1)
        qa = np.moveaxis(qa, axis, -1)
    return pa, qa


def _raise_invalid(p: Any, q: Any, axis: int) -> None:
    """Raise the canonical error for inputs a fused check flagged (see _rows_and_shape).

    Runs the same validators as :func:`_pair`, in the same order, so the message names the
    argument and the rule exactly as elsewhere in ganac.  Returns normally only if they all
    pass: a sum within ~1e-16 of the 1e-9 boundary can be judged differently by two
    summation orders, and then the inputs are valid.
    """
    pa = check_probability(p, "p", axis=axis)
    qa = check_probability(q, "q", axis=axis)
    broadcast_pair(pa, qa, ("p", "q"), axis=axis)


def _rows_and_shape(p: Any, q: Any, axis: Any) -> tuple[np.ndarray, np.ndarray, tuple]:
    """p and q as C-contiguous float64 (N, K) arrays (axis last, broadcast) and the batch shape.

    Only types and shapes are checked here; the values (finite, >= 0, sums to 1) are checked
    by the kernels in the same pass as the divergence (see _divergence_rows).
    """
    ax = _check_axis(axis)
    if (type(p) is np.ndarray and type(q) is np.ndarray and p.dtype == np.float64
            and q.dtype == np.float64 and p.shape == q.shape and p.ndim > 0 and p.size > 0
            and ax in (-1, p.ndim - 1)):
        # the common case, what as_float_array and broadcasting would return unchanged
        K = p.shape[-1]
        return (np.ascontiguousarray(p.reshape(-1, K)), np.ascontiguousarray(q.reshape(-1, K)),
                p.shape[:-1])
    try:
        pa = as_float_array(p, "p", finite=False)
        qa = as_float_array(q, "q", finite=False)
        ok = (
            pa.ndim > 0 and qa.ndim > 0
            and -pa.ndim <= ax < pa.ndim and -qa.ndim <= ax < qa.ndim
            and pa.shape[ax] == qa.shape[ax]
        )
        if ok:
            pa, qa = np.broadcast_arrays(pa, qa)
    except (TypeError, ValueError):
        ok = False
    if not ok:
        _raise_invalid(p, q, ax)
        raise ValueError("`p` and `q` are not valid probability arrays")  # pragma: no cover
    if ax != -1 and ax != pa.ndim - 1:
        pa = np.moveaxis(pa, ax, -1)
        qa = np.moveaxis(qa, ax, -1)
    K = pa.shape[-1]
    return (np.ascontiguousarray(pa.reshape(-1, K)), np.ascontiguousarray(qa.reshape(-1, K)),
            pa.shape[:-1])


#: Per-thread scratch buffers of the chunk loop (see _scratch).
_SCRATCH = threading.local()


def _scratch(rows: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two (rows, n) work buffers and a vector of n ones, kept for the next call on this thread.

    A fresh buffer of a chunk's size (~1 MB) is new memory from the OS on most calls, and its
    page faults cost more than the arithmetic: measured at K = 1e5, JS took 1.2 ms with fresh
    buffers and 0.5 ms with reused ones; K = 1e6, 5.3 -> 4.1 ms.  rows · n <= _CHUNK and
    n <= _SEG, so each thread keeps at most 2 · _CHUNK + _SEG doubles (2.1 MB).
    """
    size = rows * n
    bufs = getattr(_SCRATCH, "bufs", None)
    if bufs is None or bufs[0].size < size or bufs[2].size < n:
        bufs = _SCRATCH.bufs = (np.empty(max(size, _CHUNK)), np.empty(max(size, _CHUNK)),
                                np.ones(max(n, _SEG)))
    return bufs[0][:size].reshape(rows, n), bufs[1][:size].reshape(rows, n), bufs[2][:n]


def _segments(p2: np.ndarray, q2: np.ndarray):
    """Yield (P, Q, owner): 2-D views whose rows are segments of at most _SEG atoms.

    ``owner`` is None when row i of P is distribution row i, else the index of the one
    distribution row all segments of P belong to.
    """
    N, K = p2.shape
    if K <= _SEG:
        yield p2, q2, None
        return
    full = (K // _SEG) * _SEG
    if full == K:
        for b in range(N):
            yield p2[b].reshape(-1, _SEG), q2[b].reshape(-1, _SEG), b
        return
    for b in range(N):
        yield p2[b, :full].reshape(-1, _SEG), q2[b, :full].reshape(-1, _SEG), b
    yield p2[:, full:], q2[:, full:], None


def _kl_fast(P, Q, ones, L, S, SP, SQ):
    """Fast KL route on a chunk of segments: S = Σ p log(p/q) per row (and Σp, Σq)."""
    np.divide(P, Q, out=L)
    np.log(L, out=L)
    _rowdot(P, L, S)
    _rowsum(P, ones, SP)
    _rowsum(Q, ones, SQ)


def _kl_accept(S, SP):
    """Segments where the fast KL value is certified.

    Per atom the fast route computes p · log(fl(p/q)) with fl(p/q) = (p/q)(1 + δ), |δ| <= u,
    and a logarithm with relative error <= c u (c = 4: numpy's own accuracy tests hold the
    float64 log and log1p to 1 ulp, so this leaves a margin); so its error is
    <= u p + (c + 1) u |p log(p/q)|.  The first part, u Σp per segment, is the cancellation
    the accurate route removes; it is accepted when it is at most _KL_KAPPA u |S| <=
    _KL_KAPPA u Σ|p log(p/q)|.  A non-finite S (zero atoms, p/q overflowing) is never kept.
    """
    return np.isfinite(S) & (SP <= _KL_KAPPA * np.abs(S))


def _js_fast(P, Q, ones, L1, L2, S, A, SP, SQ):
    """Fast JS route on a chunk of segments (2·JSD per row, see _js_accept)."""
    np.divide(P, Q, out=L1)
    np.log1p(L1, out=L2)
    np.log(L1, out=L1)
    _rowdot(P, L1, S)
    _rowdot(P, L2, A)
    S -= A
    _rowdot(Q, L2, SP)  # borrowed as a buffer for Σ q log1p(r)
    S -= SP
    A += SP
    _rowsum(P, ones, SP)
    _rowsum(Q, ones, SQ)


def _js_accept(T, A, SP, SQ):
    """Segments where the fast JS value T = Σ p log r - m log1p(r) + m log 2 is certified.

    With r = p/q and m = p + q, p log(2p/m) + q log(2q/m) = p log r - m log1p(r) + m log 2.
    Rounding of r (relative u) moves log r and log1p r by <= u each, and each logarithm has
    relative error <= c u (c = 4), so a term's error is <= u (p + m) + (c + 1) u (p |log r|
    + m log1p r) (products and the constant add <= 2u m log 2 more).  Since p |log r| <=
    m log1p r + q/e (log r <= log1p r for r >= 1; p log(q/p) <= q/e for r < 1), the error is
    below u (5 Σm + 10 A) with A = Σ m log1p r.  The segment is kept when that is at most
    _JS_FAST_RTOL · T; a non-finite T (zero atoms, p/q overflowing) is never kept.
    """
    return np.isfinite(T) & (_U * (5.0 * (SP + SQ) + 10.0 * A) <= _JS_FAST_RTOL * T)


def _kl_accurate(P: np.ndarray, Q: np.ndarray) -> np.ndarray:
    """Σ p log(p/q) per row with every term to a few ulps (zero atoms included).

    log(p/q) = ± log1p(|p - q| / min(p, q)), sign of p - q: the argument of log1p is >= 0
    and has a relative error <= 2u (p - q is exact when p and q are within a factor 2), so
    each term p log(p/q) is accurate to ~5u relative even when p ≈ q, where log(fl(p/q))
    would lose everything to the rounding of p/q (scipy gh-20710).  When every ratio is in
    [1/2, 2] (the usual case here), log1p((p - q)/q) serves directly, to the same accuracy.
    """
    s = P - Q
    y = s / Q  # p/q - 1
    if y.min() >= -0.5 and y.max() <= 1.0:  # all ratios in [1/2, 2] (no zeros, no NaN)
        # p - q is exact there (Sterbenz) and log1p is well-conditioned on [-1/2, 1]
        # (|y log1p'(y) / log1p(y)| <= 1.45): each term to ~4u with four passes.
        return _rowdot(P, np.log1p(y, out=y), np.empty(P.shape[0]))
    lo = np.minimum(P, Q)
    z = np.abs(s)
    z /= lo  # inf where lo = 0 < |s| or on overflow (lo subnormal); nan where p = q = 0
    L = np.log1p(z)
    t = np.copysign(P, s)
    full_support = lo.min() > 0  # False on a NaN too
    if full_support:  # only |p - q| / min can overflow (subnormal min)
        over = np.isposinf(L)
    else:
        over = np.isposinf(L) & (lo > 0)
    if over.any():  # the logs of p and q are finite and far apart
        L[over] = np.log(np.maximum(P, Q)[over]) - np.log(lo[over])
    t *= L  # p log(p/q); inf where p > 0 = q; nan where p = 0 (0 * inf)
    if not full_support:
        t[P == 0] = 0.0
    return _rowsum(t)


def _js_accurate(P: np.ndarray, Q: np.ndarray) -> np.ndarray:
    """Σ p log(2p/m) + q log(2q/m), m = p + q, per row, each term to a few tens of ulps.

    With lo = min(p, q), hi = max(p, q), d = hi - lo and x = d/m, the term is
    (m/2) φ(x), φ(x) = (1+x) log(1+x) + (1-x) log(1-x) >= x², evaluated in three ranges:

    - x <= 1/16: (d x / 2) Σ_k x^(2k-2) / (k(2k-1)) (Taylor series, ~4u; d is exact there;
      see _phi_series);
    - 1/16 < x <= 1/2: (m/2) (log1p(-x²) + x log1p(d/lo)), as φ = log(1-x²) + 2x atanh(x)
      (the two parts cancel by at most a factor 3.4: ~40u);
    - x > 1/2: lo log(2 lo/m) + hi log(2 hi/m), the definition (cancellation <= 3.6x).

    Zero atoms: p = q = 0 gives 0; lo = 0 < hi gives hi log 2 (third range).
    """
    d = np.abs(P - Q)  # = hi - lo
    m = P + Q
    x = d / m  # nan where p = q = 0 (term 0)
    if x.max() <= _PHI_SERIES_MAX:  # the usual reason to be here (P ≈ Q): no masks (NaN fails)
        return _rowsum(_phi_series(x, d))
    near = x <= _PHI_SERIES_MAX
    T = np.zeros_like(m)
    if near.any():
        T[near] = _phi_series(x[near], d[near])
    lo = np.minimum(P, Q)

    mid = (x > _PHI_SERIES_MAX) & (x <= 0.5)
    if mid.any():
        xm = x[mid]
        T[mid] = 0.5 * m[mid] * (np.log1p(-xm * xm) + xm * np.log1p(d[mid] / lo[mid]))

    far = x > 0.5
    if far.any():
        lf, mf = lo[far], m[far]
        hf = np.maximum(P, Q)[far]
        T[far] = hf * np.log(2.0 * hf / mf) + xlogy(lf, 2.0 * lf / mf)
    return _rowsum(T)


def _phi_series(x: np.ndarray, d: np.ndarray) -> np.ndarray:
    """(d x / 2) Σ_{k<=K} x^(2k-2) / (k(2k-1)) for 0 <= x <= 1/16, with K the fewest terms
    whose truncation, (x²)^K / ((K+1)(2K+1)) relative, is below 2**-56 at the largest x."""
    xmax = float(x.max()) if x.size else 0.0
    terms = next((k for k in range(1, len(_PHI_SERIES))
                  if (xmax * xmax)**k <= 2.0**-56 * (k + 1) * (2 * k + 1)), len(_PHI_SERIES))
    out = x * d
    if terms > 1:
        x2 = x * x
        coef = _PHI_SERIES[-terms:]  # c_K, ..., c_1 (c_1 = 1)
        poly = np.full_like(x, coef[0])
        for c in coef[1:]:
            poly *= x2
            poly += c
        out *= poly
    out *= 0.5  # exact
    return out


def _check_nonnegative_rows(P, Q, p, q, axis):
    """Explicit p, q >= 0 on rows the fast route did not certify (see _divergence_rows)."""
    if P.min() < 0 or Q.min() < 0:
        _raise_invalid(p, q, axis)


def _run(kind: str, P: np.ndarray, Q: np.ndarray, p: Any, q: Any, axis: int):
    """Values, Σp, Σq per row of P, Q (rows = segments or short distribution rows), and min p.

    kind "kl": Σ p log(p/q); kind "js": Σ p log(2p/m) + q log(2q/m) (= 2·JSD).
    """
    R, n = P.shape
    rows = max(1, min(R, _CHUNK // max(n, 1)))
    S, SP, SQ = np.empty(R), np.empty(R), np.empty(R)
    L1, L2, ones = _scratch(rows, n)
    if kind == "js":
        A = np.empty(R)
    min_p = np.inf
    for r0 in range(0, R, rows):
        r1 = min(R, r0 + rows)
        Pc, Qc = P[r0:r1], Q[r0:r1]
        if kind == "kl":
            _kl_fast(Pc, Qc, ones, L1[:r1 - r0], S[r0:r1], SP[r0:r1], SQ[r0:r1])
        else:
            _js_fast(Pc, Qc, ones, L1[:r1 - r0], L2[:r1 - r0], S[r0:r1], A[r0:r1], SP[r0:r1],
                     SQ[r0:r1])
        mp = Pc.min()
        if not mp >= min_p:  # also takes a NaN
            min_p = mp
    if kind == "kl":
        ok = _kl_accept(S, SP)
    else:
        S += _LOG2 * (SP + SQ)
        ok = _js_accept(S, A, SP, SQ)
    if not ok.all():
        bad = np.flatnonzero(~ok)
        contiguous = bad[-1] - bad[0] + 1 == bad.size  # e.g. all rows: views, no gather
        for b0 in range(0, bad.size, rows):
            idx = bad[b0:b0 + rows]
            if contiguous:
                idx = slice(int(idx[0]), int(idx[-1]) + 1)
            Pb, Qb = P[idx], Q[idx]
            _check_nonnegative_rows(Pb, Qb, p, q, axis)
            S[idx] = _kl_accurate(Pb, Qb) if kind == "kl" else _js_accurate(Pb, Qb)
    return S, SP, SQ, min_p


def _divergence_rows(kind: str, p: Any, q: Any, axis: Any) -> tuple[np.ndarray, tuple]:
    """Row values of :func:`_run` over all segments, with the inputs validated."""
    p2, q2, shape = _rows_and_shape(p, q, axis)
    # divide/invalid/overflow are expected and resolved (0/0, p/0, subnormal q): the routes
    # above decide per segment which values are kept.
    with np.errstate(all="ignore"):
        if p2.shape[1] <= _SEG:  # one segment per row
            total, sum_p, sum_q, min_p = _run(kind, p2, q2, p, q, axis)
        else:
            N = p2.shape[0]
            total, sum_p, sum_q = np.zeros(N), np.zeros(N), np.zeros(N)
            min_p = np.inf
            for P, Q, owner in _segments(p2, q2):
                vals, sp, sq, mp = _run(kind, P, Q, p, q, axis)
                if owner is None:
                    total += vals
                    sum_p += sp
                    sum_q += sq
                else:
                    total[owner] += vals.sum()
                    sum_p[owner] += sp.sum()
                    sum_q[owner] += sq.sum()
                if not mp >= min_p:  # also takes a NaN
                    min_p = mp
        dev = np.maximum(np.abs(sum_p - 1.0), np.abs(sum_q - 1.0))  # NaN propagates
        sums_ok = bool(np.all(dev <= PROBABILITY_SUM_RTOL))
    if not (min_p >= 0 and sums_ok):  # NaN anywhere fails these comparisons
        _raise_invalid(p, q, _check_axis(axis))
    return total, shape


@_fill_doc
def kl_divergence(p: Any, q: Any, *, axis: int = -1, base: float | None = None) -> Any:
    r"""Kullback-Leibler divergence KL(P ‖ Q) between discrete distributions.

    .. math::

       \mathrm{KL}(P \,\|\, Q) = \sum_x p(x) \log \frac{p(x)}{q(x)},
       \qquad 0 \log \frac{0}{q} = 0, \quad p \log \frac{p}{0} = +\infty .

    Source: Kullback & Leibler (1951); Cover & Thomas (2006), eq. (2.26).

    Parameters
    ----------
    %(p, q)s
    %(axis)s
    base : float, optional
        Logarithm base (``2`` for bits); natural log (nats) when ``None``.

    Returns
    -------
    kl : float or ndarray, shape (...)
        In [0, inf]; ``inf`` where some atom has p > 0 = q.

    Raises
    ------
    ValueError
        If ``p`` or ``q`` is not a valid probability array (named), the shapes do not
        broadcast, ``axis`` is out of range, or ``base`` is not a number > 1 (a base in
        (0, 1) would flip the sign of the divergence, see ``_log_base``).
    TypeError
        If ``axis`` is not an integer or an input is not numeric.

    Notes
    -----
    Accuracy: the error is at most ~(21 + γ) u Σ_x |p(x) log(p(x)/q(x))|, u = 2⁻⁵³, γ the
    rounding growth of the sum; each term is computed to a few ulps, so KL is accurate
    relative to the sum of the magnitudes of its terms, also when P ≈ Q.  The cheap form
    p · log(fl(p/q)) carries an absolute error ~u·p per atom, fatal when p ≈ q (scipy
    gh-20710: ``kl_divergence([a, 1 - a], [b, 1 - a])`` with a - b = 1.6e-13 is
    1.6431300764454033e-13, off by 4e-4 in the cheap form).  It is used on a segment of
    the category axis (8192 atoms) only when that error is provably below 16 u |segment
    sum|; elsewhere each term is p · log1p(|p - q| / min(p, q)) with the sign of p - q,
    which has no cancellation.  Zero atoms and subnormal q take the second route too.

    The inputs are validated in the same pass over the data (one division, one logarithm
    and four reductions per atom on the fast route).  A negative sum (possible only when
    the inputs sum to 1 within the accepted 1e-9 but not exactly) is clipped to 0.

    Examples
    --------
    >>> float(kl_divergence([1.0, 0.0], [0.5, 0.5], base=2))
    1.0
    >>> float(kl_divergence([0.5, 0.5], [1.0, 0.0]))
    inf
    """
    lb = _log_base(base)
    kl, shape = _divergence_rows("kl", p, q, axis)
    np.maximum(kl, 0.0, out=kl)  # see Notes: sums within 1e-9 of 1
    if lb != 1.0:
        kl /= lb
    return scalar_or_array(kl.reshape(shape))


@_fill_doc
def js_divergence(p: Any, q: Any, *, axis: int = -1, base: float | None = None) -> Any:
    r"""Jensen-Shannon divergence between discrete distributions (not its square root).

    .. math::

       \mathrm{JSD}(P \,\|\, Q) = \tfrac12 \mathrm{KL}(P \,\|\, M) + \tfrac12 \mathrm{KL}(Q \,\|\, M),
       \qquad M = \tfrac12 (P + Q) .

    Source: Lin (1991), the JS divergence with equal weights; Goodfellow et al. (2014),
    Theorem 1, eq. (6).

    Parameters
    ----------
    %(p, q)s
    %(axis)s
    base : float, optional
        Logarithm base; natural log (nats) when ``None``.

    Returns
    -------
    jsd : float or ndarray, shape (...)
        In [0, log 2] (in [0, 1] with ``base=2``); 0 iff P = Q, log 2 iff the supports are
        disjoint.

    Raises
    ------
    ValueError
        If ``p`` or ``q`` is not a valid probability array (named), the shapes do not
        broadcast, or ``base`` is invalid.

    Notes
    -----
    Every term p log(2p/m) + q log(2q/m) (m = p + q) is >= 0, so JSD is computed to a small
    relative error: at most 2⁻⁴⁴ ≈ 5.7e-14 from the terms, plus the rounding growth of
    the sum over K atoms.  On a segment of 8192 atoms the fast form
    p log r - m log1p(r) + m log 2 (r = p/q: one division and two logarithms per atom) is
    used when its proven error bound is below that; otherwise (P ≈ Q, zero atoms, extreme
    ratios) each term is (m/2) φ(|p - q|/m), φ(x) = (1+x) log(1+x) + (1-x) log(1-x),
    evaluated by its Taylor series near x = 0 and by log1p elsewhere, to a few tens of ulps.
    So nearly equal inputs keep their relative accuracy: for scipy's gh-20710 pair
    ``js_divergence([a, 1 - a], [b, 1 - a])`` (a - b = 1.6e-13) is 4.2934e-27, where
    the textbook formula returns rounding noise of order 1e-17.

    Zero atoms and disjoint supports are fine (the midpoint M is positive wherever P or Q
    is).  The result is clipped to [0, log 2], which rounding can only cross by an ulp.
    Unlike ``scipy.spatial.distance.jensenshannon`` this returns the divergence (not its
    square root) and does not renormalize its inputs.

    Examples
    --------
    >>> float(js_divergence([1.0, 0.0], [0.0, 1.0])) == float(np.log(2))
    True
    >>> float(js_divergence([0.5, 0.5, 0.0], [0.0, 0.0, 1.0], base=2))
    1.0
    """
    lb = _log_base(base)
    js, shape = _divergence_rows("js", p, q, axis)
    js *= 0.5
    np.clip(js, 0.0, _LOG2, out=js)  # exact bounds; rounding only moves them by ~1 ulp
    if lb != 1.0:
        js /= lb
    return scalar_or_array(js.reshape(shape))


@_fill_doc
def total_variation(p: Any, q: Any, *, axis: int = -1) -> Any:
    r"""Total variation distance between discrete distributions.

    .. math::

       \mathrm{TV}(P, Q) = \sup_A |P(A) - Q(A)| = \tfrac12 \sum_x |p(x) - q(x)| .

    Source: Arjovsky, Chintala & Bottou (2017), Section 2, definition of δ(P_r, P_g);
    Tsybakov (2009), Lemma 2.1 (Scheffé's identity).

    Parameters
    ----------
    %(p, q)s
    %(axis)s

    Returns
    -------
    tv : float or ndarray, shape (...)
        In [0, 1]; 1 iff the supports are disjoint.

    Raises
    ------
    ValueError
        If ``p`` or ``q`` is not a valid probability array (named) or shapes mismatch.

    Notes
    -----
    Zero atoms need no special care.

    Examples
    --------
    >>> float(total_variation([1.0, 0.0], [0.0, 1.0]))
    1.0
    >>> float(total_variation([0.5, 0.5], [0.75, 0.25]))
    0.25
    """
    pa, qa = _pair(p, q, ("p", "q"), axis)
    tv = 0.5 * np.abs(pa - qa).sum(axis=-1)
    return scalar_or_array(np.minimum(tv, 1.0))


@_fill_doc
def pearson_chi2(p: Any, q: Any, *, axis: int = -1) -> Any:
    r"""Pearson χ² divergence χ²(P ‖ Q).

    .. math::

       \chi^2(P \,\|\, Q) = \sum_x \frac{(p(x) - q(x))^2}{q(x)},
       \qquad \text{the f-divergence with } f(t) = (t - 1)^2 .

    Source: Pearson (1900); Nowozin, Cseke & Tomioka (2016), f-GAN, Table 1 ("Pearson χ²").

    Parameters
    ----------
    %(p, q)s
    %(axis)s

    Returns
    -------
    chi2 : float or ndarray, shape (...)
        In [0, inf]; ``inf`` where some atom has q = 0 < p.

    Raises
    ------
    ValueError
        If ``p`` or ``q`` is not a valid probability array (named) or shapes mismatch.

    Notes
    -----
    Atoms with p = q = 0 contribute 0.  A term above the largest double (possible only for
    subnormal q) is +inf, its correctly rounded value.

    Examples
    --------
    >>> float(pearson_chi2([0.5, 0.5], [0.25, 0.75]))  # 0.0625/0.25 + 0.0625/0.75
    0.3333333333333333
    >>> float(pearson_chi2([0.5, 0.5, 0.0], [1.0, 0.0, 0.0]))
    inf
    """
    pa, qa = _pair(p, q, ("p", "q"), axis)
    d = pa - qa
    terms = np.zeros(d.shape)
    pos = qa > 0
    with np.errstate(over="ignore"):  # (p - q)²/q > DBL_MAX for subnormal q: inf is right
        np.divide(d * d, qa, out=terms, where=pos)
    terms[~pos & (pa > 0)] = np.inf
    return scalar_or_array(terms.sum(axis=-1))


# -- f-divergences -------------------------------------------------------------------------

#: Points t = 2**k at which f(t)/t is sampled to estimate f'(∞) = lim f(t)/t.
_SLOPE_T = 2.0 ** np.array([40.0, 60.0, 80.0, 100.0])
#: The estimate is accepted when the last two samples agree to this (relative) level; for
#: convex f, f(t)/t is nondecreasing for t > 1 and converges like O(log t / t) in the usual
#: cases (JS, reverse KL, TV), far below this at t = 2**100.
_SLOPE_RTOL = 1e-9


def _f_inf_slope(f: Callable) -> float:
    t = _SLOPE_T
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        s = np.asarray(f(t), dtype=float) / t
    if s.shape != t.shape or np.any(np.isnan(s)):
        raise ValueError(
            "`f` returned NaN (or the wrong shape) at large t; pass `f_inf_slope` explicitly"
        )
    if np.isposinf(s[-1]):
        return np.inf
    steps = np.diff(s)
    if abs(steps[-1]) <= _SLOPE_RTOL * max(1.0, abs(s[-1])):
        return float(s[-1])
    if np.all(steps > 0) and steps[-1] >= 0.5 * steps[-2]:
        # f(t)/t keeps growing by comparable steps on a log scale of t (e.g. t log t):
        # the slope at infinity is +inf.
        return np.inf
    raise ValueError(
        "could not estimate lim f(t)/t as t -> inf for `f`; pass `f_inf_slope` explicitly"
    )


@_fill_doc
def f_divergence(
    p: Any, q: Any, f: Callable, *, axis: int = -1, f_inf_slope: float | None = None
) -> Any:
    r"""Csiszár f-divergence D_f(P ‖ Q) between discrete distributions.

    .. math::

       D_f(P \,\|\, Q) = \sum_{x:\, q(x) > 0} q(x)\, f\!\left(\frac{p(x)}{q(x)}\right)
       + f'(\infty) \sum_{x:\, q(x) = 0} p(x),
       \qquad f'(\infty) = \lim_{t \to \infty} \frac{f(t)}{t}, \quad 0 \cdot f(0/0) = 0 .

    Source: Csiszár (1967), definition of the f-divergence and its conventions for zero
    densities; Nowozin, Cseke & Tomioka (2016), f-GAN, Section 2.1 and Table 1.

    Parameters
    ----------
    %(p, q)s
    f : callable
        Vectorized convex function on [0, ∞) with f(1) = 0, mapping an array to an array of
        the same shape.  It is evaluated at p/q on atoms with q > 0, so it must return the
        limit f(0) = lim_{t→0+} f(t) at t = 0 (e.g. use ``scipy.special.xlogy(t, t)`` for
        t log t); +inf is allowed (then D_f = inf if some atom has p = 0 < q).
    %(axis)s
    f_inf_slope : float, optional
        f'(∞) = lim f(t)/t, used on atoms with q = 0 < p; may be ``np.inf``.  When ``None``
        (default) and such atoms exist, it is estimated from f(t)/t at t = 2**40 ... 2**100
        (accepted when the last two samples agree to 1e-9 relative, or judged +inf when
        f(t)/t keeps increasing by steady steps, as for t log t); otherwise ValueError.

    Returns
    -------
    d_f : float or ndarray, shape (...)
        The divergence, in nats when f uses natural logs.

    Raises
    ------
    TypeError
        If ``f`` is not callable.
    ValueError
        If |f(1)| > 1e-12, f returns NaN on the inputs, the slope cannot be estimated, or
        ``p``/``q`` are invalid (named).

    Notes
    -----
    Standard choices: KL f(t) = t log t; reverse KL f(t) = -log t; TV f(t) = |t - 1|/2;
    Pearson χ² f(t) = (t - 1)²; Jensen-Shannon f(t) = ½[t log(2t/(1+t)) + log(2/(1+t))].
    f is evaluated at t = p/q, up to ~1e308 when q is tiny, so it should stay accurate
    there (write it without overflowing intermediates).  If p/q overflows (only possible
    for subnormal q), the atom is counted at its q -> 0 limit p · f'(∞), as if q were 0;
    that differs from the exact term when f'(∞) = inf (KL, χ²): the term is then +inf.
    The dedicated functions (:func:`kl_divergence`, ...) have no such limitation.

    Examples
    --------
    Total variation of disjoint supports (f'(∞) = 1/2):

    >>> float(f_divergence([1.0, 0.0], [0.0, 1.0], lambda t: 0.5 * np.abs(t - 1.0)))
    1.0
    """
    if not callable(f):
        raise TypeError(f"`f` must be a callable, got {type(f).__name__}")
    f1 = np.asarray(f(np.ones(1)), dtype=float)
    if f1.shape != (1,) or not abs(float(f1[0])) <= 1e-12:
        raise ValueError(f"`f` must satisfy f(1) = 0 (got f(1) = {f1.ravel()[:1]})")
    if f_inf_slope is not None:
        if isinstance(f_inf_slope, bool) or not np.isscalar(f_inf_slope):
            raise TypeError("`f_inf_slope` must be a real number or np.inf")
        f_inf_slope = float(f_inf_slope)
        if np.isnan(f_inf_slope) or f_inf_slope == -np.inf:
            raise ValueError(f"`f_inf_slope` must be a number or +inf (got {f_inf_slope})")
    pa, qa = _pair(p, q, ("p", "q"), axis)
    t = np.ones(pa.shape)
    with np.errstate(over="ignore"):
        np.divide(pa, qa, out=t, where=qa > 0)
    # Atoms whose ratio overflows (q subnormal) are taken at the limit q -> 0, like q = 0.
    pos = (qa > 0) & np.isfinite(t)
    t[~pos] = 1.0
    with np.errstate(divide="ignore"):  # f(0) = +inf (e.g. -log 0) is a valid limit
        ft = np.asarray(f(t), dtype=float)
    if ft.shape != t.shape:
        raise ValueError(f"`f` must return an array of its input's shape (got {ft.shape})")
    if np.any(np.isnan(ft[pos])):
        raise ValueError("`f` returned NaN on p/q; define f(0) as its limit (e.g. use xlogy)")
    terms = np.zeros(pa.shape)
    np.multiply(qa, ft, out=terms, where=pos)
    mass_q0 = np.where(pos, 0.0, pa).sum(axis=-1)
    out = terms.sum(axis=-1)
    if np.any(mass_q0 > 0):
        slope = _f_inf_slope(f) if f_inf_slope is None else f_inf_slope
        extra = np.zeros_like(mass_q0)
        np.multiply(mass_q0, slope, out=extra, where=mass_q0 > 0)
        out = out + extra
    return scalar_or_array(out)
