"""The KL and JS kernels of :mod:`theory.divergences`: chunked sums over atoms with the
inputs validated in the same pass, a fast route and an accurate one per segment.

Private to :mod:`theory.divergences` (whose ``kl_divergence`` and ``js_divergence`` document
the formulas, sources and accuracy); the derivations of the error bounds that choose between
the routes are at :func:`_kl_accept`, :func:`_js_accept`, :func:`_kl_accurate` and
:func:`_js_accurate`.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from scipy.special import xlogy

from theory.validation import (
    PROBABILITY_SUM_RTOL,
    as_float_array,
    broadcast_pair,
    check_probability,
)

__all__ = ["divergence_rows", "check_axis", "LOG2"]

LOG2 = float(np.log(2.0))
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


def check_axis(axis: Any, name: str = "axis") -> int:
    """An integer axis (Python or numpy int, not bool), or a named TypeError."""
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"`{name}` must be an integer, got {type(axis).__name__} {axis!r}")
    return int(axis)


def _raise_invalid(p: Any, q: Any, axis: int) -> None:
    """Raise the canonical error for inputs a fused check flagged (see _rows_and_shape).

    Runs the same validators as ``theory.divergences._pair``, in the same order, so the
    message names the argument and the rule exactly as elsewhere in ganac.  Returns normally only if they all
    pass: a sum within ~1e-16 of the 1e-9 boundary can be judged differently by two
    summation orders, and then the inputs are valid.
    """
    pa = check_probability(p, "p", axis=axis)
    qa = check_probability(q, "q", axis=axis)
    broadcast_pair(pa, qa, ("p", "q"), axis=axis)


def _rows_and_shape(p: Any, q: Any, axis: Any) -> tuple[np.ndarray, np.ndarray, tuple]:
    """p and q as C-contiguous float64 (N, K) arrays (axis last, broadcast) and the batch shape.

    Only types and shapes are checked here; the values (finite, >= 0, sums to 1) are checked
    by the kernels in the same pass as the divergence (see divergence_rows).
    """
    ax = check_axis(axis)
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
    n = _segment_length(K)
    full = (K // n) * n
    for b in range(N):
        yield p2[b, :full].reshape(-1, n), q2[b, :full].reshape(-1, n), b
    if full < K:
        yield p2[:, full:], q2[:, full:], None


def _segment_length(K: int) -> int:
    """Segment length for rows of K > _SEG atoms: the largest divisor of K in [_SEG/2, _SEG]
    when there is one (all segments equal: one pass of the chunk loop per row), else _SEG
    (and a shorter remainder segment, which costs a second pass: ~15 us)."""
    for m in range(-(-K // _SEG), K // (_SEG // 2) + 1):  # m segments of K/m atoms
        if K % m == 0:
            return K // m
    return _SEG


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


def _kl_accurate(P: np.ndarray, Q: np.ndarray, W1: np.ndarray | None = None,
                 W2: np.ndarray | None = None) -> np.ndarray:
    """Σ p log(p/q) per row with every term to a few ulps (zero atoms included).

    log(p/q) = ± log1p(|p - q| / min(p, q)), sign of p - q: the argument of log1p is >= 0
    and has a relative error <= 2u (p - q is exact when p and q are within a factor 2), so
    each term p log(p/q) is accurate to ~5u relative even when p ≈ q, where log(fl(p/q))
    would lose everything to the rounding of p/q (scipy gh-20710).  When every ratio is in
    [1/2, 2] (the usual case here), log1p((p - q)/q) serves directly, to the same accuracy.
    W1, W2 (optional, of P's shape) are work buffers for p - q and p/q - 1.
    """
    s = np.subtract(P, Q, out=W1)
    y = np.divide(s, Q, out=W2)  # p/q - 1
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


def _js_accurate(P: np.ndarray, Q: np.ndarray, W1: np.ndarray | None = None,
                 W2: np.ndarray | None = None) -> np.ndarray:
    """Σ p log(2p/m) + q log(2q/m), m = p + q, per row, each term to a few tens of ulps.

    With lo = min(p, q), hi = max(p, q), d = hi - lo and x = d/m, the term is
    (m/2) φ(x), φ(x) = (1+x) log(1+x) + (1-x) log(1-x) >= x², evaluated in three ranges:

    - x <= 1/16: (d x / 2) Σ_k x^(2k-2) / (k(2k-1)) (Taylor series, ~4u; d is exact there;
      see _phi_series);
    - 1/16 < x <= 1/2: (m/2) (log1p(-x²) + x log1p(d/lo)), as φ = log(1-x²) + 2x atanh(x)
      (the two parts cancel by at most a factor 3.4: ~40u);
    - x > 1/2: lo log(2 lo/m) + hi log(2 hi/m), the definition (cancellation <= 3.6x).

    Zero atoms: p = q = 0 gives 0; lo = 0 < hi gives hi log 2 (third range).  W1, W2
    (optional, of P's shape) are work buffers for d and m.
    """
    d = np.abs(np.subtract(P, Q, out=W1), out=W1)  # = hi - lo
    m = np.add(P, Q, out=W2)
    x = d / m  # nan where p = q = 0 (term 0)
    if x.max() <= _PHI_SERIES_MAX:  # the usual reason to be here (P ≈ Q): no masks (NaN fails)
        return _rowsum(_phi_series(x, d, out=m))
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


def _phi_series(x: np.ndarray, d: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """(d x / 2) Σ_{k<=K} x^(2k-2) / (k(2k-1)) for 0 <= x <= 1/16, with K the fewest terms
    whose truncation, (x²)^K / ((K+1)(2K+1)) relative, is below 2**-56 at the largest x
    (into ``out`` when given)."""
    xmax = float(x.max()) if x.size else 0.0
    terms = next((k for k in range(1, len(_PHI_SERIES))
                  if (xmax * xmax)**k <= 2.0**-56 * (k + 1) * (2 * k + 1)), len(_PHI_SERIES))
    out = np.multiply(x, d, out=out)
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
    """Explicit p, q >= 0 on rows the fast route did not certify (see divergence_rows)."""
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
        S += LOG2 * (SP + SQ)
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
            k = Pb.shape[0]  # <= rows: the chunk loop's buffers are free again
            accurate = _kl_accurate if kind == "kl" else _js_accurate
            S[idx] = accurate(Pb, Qb, L1[:k], L2[:k])
    return S, SP, SQ, min_p


def divergence_rows(kind: str, p: Any, q: Any, axis: Any) -> tuple[np.ndarray, tuple]:
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
        _raise_invalid(p, q, check_axis(axis))
    return total, shape
