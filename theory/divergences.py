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

from collections.abc import Callable
from typing import Any

import numpy as np

from theory.docstrings import doc_params
from theory._kl_js import LOG2, check_axis, divergence_rows
from theory.validation import broadcast_pair, check_positive, check_probability, scalar_or_array
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
#: import by :func:`theory.docstrings.doc_params`).
_DOC = {
    "p, q": """p, q : array_like, shape (..., K)
        Probability vectors along ``axis`` (non-negative, finite, summing to 1 within 1e-9);
        leading axes broadcast.""",
    "axis": """axis : int, default -1
        The category axis.""",
}
_fill_doc = doc_params(_DOC)


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


def _pair(p: Any, q: Any, names: tuple[str, str], axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Validate two batched probability arrays and return them broadcast, with axis last."""
    axis = check_axis(axis)
    pa = check_probability(p, names[0], axis=axis)
    qa = check_probability(q, names[1], axis=axis)
    pa, qa = broadcast_pair(pa, qa, names, axis=axis)
    if axis != -1 and axis != pa.ndim - 1:
        pa = np.moveaxis(pa, axis, -1)
        qa = np.moveaxis(qa, axis, -1)
    return pa, qa


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
    kl, shape = divergence_rows("kl", p, q, axis)
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
    js, shape = divergence_rows("js", p, q, axis)
    js *= 0.5
    np.clip(js, 0.0, LOG2, out=js)  # exact bounds; rounding only moves them by ~1 ulp
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
