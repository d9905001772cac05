"""GAN diagnostics: the inception score, exact collision probabilities for the birthday-paradox
support test and the collision lower bound printed for it, and the ambiguity CycleGAN's losses
leave on finite domains.

Papers
------
Salimans, T., Goodfellow, I., Zaremba, W., Cheung, V., Radford, A. & Chen, X. (2016).
    Improved Techniques for Training GANs. NeurIPS; arXiv:1606.03498.  Section 4: the
    inception score exp(E_x KL(p(y|x) ‖ p(y))).
Arora, S. & Zhang, Y. (2017). Do GANs actually learn the distribution? An empirical study.
    arXiv:1706.08224.  Section 2: the birthday-paradox test for the support size.
Arora, S., Risteski, A. & Zhang, Y. (2018). Do GANs learn the distribution? Some theory and
    empirics. ICLR.  The birthday-paradox test and its collision lower bound (Theorem 1).
Zhu, J.-Y., Park, T., Isola, P. & Efros, A. A. (2017). Unpaired Image-to-Image Translation
    using Cycle-Consistent Adversarial Networks. ICCV; arXiv:1703.10593.  Eqs. (1)-(3).
Marshall, A. W., Olkin, I. & Arnold, B. C. (2011). Inequalities: Theory of Majorization and
    Its Applications, 2nd ed., Springer.  Section 3.F: the elementary symmetric functions are
    Schur-concave (used for :func:`collision_probability_infimum`).

Conventions
-----------
Probability vectors on the last axis; leading axes are batch axes.  A *collision* among n
samples means that two of them are equal; ``n_samples`` counts i.i.d. draws.  Natural logs.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
from scipy.special import gammaln, xlog1py, xlogy
from scipy.stats import binom

from theory.validation import as_float_array, check_in, check_int, check_probability, check_probability_vector, check_weights
from theory.infogan import mutual_information

__all__ = [
    "inception_score",
    "collision_probability",
    "collision_probability_uniform",
    "COLLISION_BOUND_VERSIONS",
    "collision_lower_bound",
    "collision_probability_infimum",
    "cyclegan_bijection_count",
]

#: The two printed forms of the collision lower bound (see :func:`collision_lower_bound`).
COLLISION_BOUND_VERSIONS = ("iclr2018", "survey")

#: Elements per block of the binomial-mixing tables in :func:`collision_probability` (keeps
#: the temporaries of one tree level below ~40 MB).
_BLOCK = 1 << 22


def _scalar_or_array(x: np.ndarray) -> Any:
    x = np.asarray(x)
    return x[()] if x.ndim == 0 else x


# --------------------------------------------------------------------------- inception score
def inception_score(p_y_given_x: Any, weights: Any = None) -> Any:
    """Inception score of a generator from its classifier outputs.

    IS = exp(E_x KL(p(y|x) ‖ p(y))),  p(y) = E_x p(y|x),  with x ~ ``weights`` (the
    generator's distribution over its outputs, uniform when omitted).  The exponent is the
    mutual information I(x; y) between output and predicted label, so 1 <= IS <= number of
    classes (and <= the number of outputs with positive weight).

    Source: Salimans et al. (2016), Section 4 (the score, as printed); the identity
    E_x KL(p(y|x) ‖ p(y)) = I(x; y) is in Cover & Thomas (2006), Elements of Information
    Theory, Section 2.4.

    Parameters
    ----------
    p_y_given_x : array_like, shape (..., n_x, n_classes)
        Row x is the classifier's distribution over labels for output x.
    weights : array_like, shape (..., n_x), optional
        Probability of each output under the generator; default uniform (the empirical
        average over n_x samples).  Leading axes broadcast with those of ``p_y_given_x``.

    Returns
    -------
    score : float or ndarray, shape (...)
        In [1, n_classes].

    Raises
    ------
    ValueError
        If a row of ``p_y_given_x`` or ``weights`` is not a probability vector, if
        ``p_y_given_x`` is not at least 2-D, or if ``weights`` does not have one entry per row.

    Notes
    -----
    Rows with zero weight do not count, whatever their labels.  The score only sees the
    label distribution: outputs that differ but get the same p(y|x) leave it unchanged
    (within-class diversity is invisible), and one confident output per class already
    reaches the maximum, the number of classes.  Computed as exp of
    :func:`theory.infogan.mutual_information` with code x and output y.

    Examples
    --------
    One confident output per class reaches the number of classes:

    >>> float(inception_score(np.eye(3)))
    3.0
    >>> float(inception_score([[0.5, 0.5], [0.5, 0.5]]))
    1.0
    """
    p = check_probability(p_y_given_x, "p_y_given_x")
    if p.ndim < 2:
        raise ValueError("`p_y_given_x` must have shape (..., n_x, n_classes), one row per "
                         f"output (got shape {p.shape})")
    w = check_weights(weights, p.shape[-2], of="row of `p_y_given_x`")
    try:
        np.broadcast_shapes(w.shape[:-1], p.shape[:-2])
    except ValueError:
        raise ValueError(f"`weights` {w.shape} and `p_y_given_x` {p.shape} have batch axes "
                         "that do not broadcast") from None
    mi = np.asarray(mutual_information(w, p))
    return _scalar_or_array(np.exp(mi))


# --------------------------------------------------------------------------- collisions
def _check_n_samples(n_samples: Any) -> int:
    return check_int(n_samples, "n_samples", minimum=0)


def _as_int_array(x: Any, name: str, *, minimum: int) -> np.ndarray:
    """Integers (Python, numpy or integer-valued arrays) >= ``minimum`` as an int64 array."""
    if isinstance(x, numbers.Integral) and not isinstance(x, bool):
        arr = np.asarray(int(x), dtype=np.int64)
    else:
        if isinstance(x, (bool, np.bool_)):
            raise TypeError(f"`{name}` must be an integer or an array of integers, got bool")
        raw = np.asarray(x)
        if raw.dtype == bool or not np.issubdtype(raw.dtype, np.integer):
            raise TypeError(f"`{name}` must be an integer or an array of integers "
                            f"(got dtype {raw.dtype})")
        arr = raw.astype(np.int64)
    if arr.size and arr.min() < minimum:
        raise ValueError(f"`{name}` must be >= {minimum} (got minimum {arr.min()})")
    return arr


def _merge(c: np.ndarray, d: np.ndarray, mass: np.ndarray, width: int) -> tuple[np.ndarray, ...]:
    """One level of the binary tree of :func:`collision_probability`.

    ``c[b, i, j]`` and ``d[b, i, j]`` are P(no collision) and P(collision) among j samples
    from node i's distribution (normalized to its mass ``mass[b, i]``), for j = 0..w.  Pairs
    of nodes (2i, 2i+1) merge: with a = m_A/(m_A + m_B), the number k of the j samples that
    fall in A is Binomial(j, a), and the samples collide iff they collide inside A, or not
    inside A but inside B:

        c_j = Σ_k b(j, k) c_k^A c_{j-k}^B,   d_j = Σ_k b(j, k) (d_k^A + c_k^A d_{j-k}^B),

    both sums of non-negative terms (no cancellation, so both are accurate relatively).
    """
    B, m2, w1 = c.shape
    if width + 1 > w1:  # more samples than a child's atoms: they collide surely
        pad = width + 1 - w1
        c = np.concatenate([c, np.zeros((B, m2, pad))], axis=-1)
        d = np.concatenate([d, np.ones((B, m2, pad))], axis=-1)
    cA, cB, dA, dB = c[:, 0::2], c[:, 1::2], d[:, 0::2], d[:, 1::2]
    mA, mB = mass[:, 0::2], mass[:, 1::2]
    total = mA + mB
    # a node of zero mass is never sampled: its weight is 0 and the value of a is irrelevant
    a = np.divide(mA, total, out=np.full_like(total, 0.5), where=total > 0)
    j = np.arange(width + 1)[:, None]
    k = np.arange(width + 1)[None, :]
    jk = np.maximum(j - k, 0)
    log_choose = np.where(k <= j, gammaln(j + 1) - gammaln(k + 1) - gammaln(jk + 1), -np.inf)
    m = total.shape[1]
    c_out = np.empty((B, m, width + 1))
    d_out = np.empty((B, m, width + 1))
    step = max(1, _BLOCK // max(1, B * (width + 1) ** 2))
    for s in range(0, m, step):  # blocks of nodes, to bound memory (not a loop over atoms)
        sl = slice(s, s + step)
        aa = a[:, sl, None, None]
        logw = log_choose + xlogy(k, aa) + xlog1py(jk, -aa)
        with np.errstate(under="ignore"):               # negligible weights flush to 0
            bw = np.exp(logw)                           # (B, m', j, k), zero where k > j
        # each row is a binomial pmf: renormalize away the ~1e-13 relative rounding of
        # exp(gammaln) at large j, so that d_j stays within a few ulps of 1 when it is ~1
        bw /= bw.sum(axis=-1, keepdims=True)
        gc = cB[:, sl][..., jk]                         # c^B_{j-k}
        gd = dB[:, sl][..., jk]
        ca = cA[:, sl, None, :]
        c_out[:, sl] = np.sum(bw * ca * gc, axis=-1)
        d_out[:, sl] = np.sum(bw * (dA[:, sl, None, :] + ca * gd), axis=-1)
    return c_out, d_out, total


def collision_probability(probs: Any, n_samples: int) -> Any:
    r"""Exact probability that n i.i.d. draws from a discrete distribution contain a repeat.

    .. math::

       P(\text{collision}) = 1 - n!\, e_n(p), \qquad
       e_n(p) = \sum_{i_1 < \dots < i_n} p_{i_1} \cdots p_{i_n},

    the elementary symmetric polynomial of degree n of the probabilities (n! e_n(p) is the
    probability that the n draws are distinct, summed over the ordered n-tuples of distinct
    atoms).

    Source: the birthday problem with unequal probabilities (e.g. Mase, S. (1992),
    "Approximations to the birthday problem with unequal occurrence probabilities", Ann. Inst.
    Statist. Math. 44(3), 479-499); the quantity the birthday-paradox test of Arora & Zhang
    (2017), Section 2, estimates by sampling.

    Parameters
    ----------
    probs : array_like, shape (..., K)
        Probability vectors (zero atoms allowed); leading axes are batch axes.
    n_samples : int, >= 0
        Number of i.i.d. draws.

    Returns
    -------
    p_collision : float or ndarray, shape (...)
        In [0, 1]: 0 for n <= 1, 1 when n exceeds the number of atoms with positive mass.

    Raises
    ------
    ValueError
        If ``probs`` is not a probability array or ``n_samples`` < 0.
    TypeError
        If ``n_samples`` is not an integer.

    Notes
    -----
    Computed on a binary tree over the atoms: each node keeps P(no collision) and P(collision)
    among j = 0..min(n, node size) draws from its normalized distribution, and two nodes merge
    by conditioning on how many of the j draws fall in each (a binomial mixture).  Every sum
    has non-negative terms, so small collision probabilities keep their relative accuracy
    (no ``1 - (1 - tiny)``), and nothing underflows until the answer itself does.  Cost
    O(K·min(n, K)) time; memory is blocked.  Rows with n > number of positive atoms return
    exactly 1 (pigeonhole).

    Examples
    --------
    Two draws from a fair coin collide with probability 1/2:

    >>> float(collision_probability([0.5, 0.5], 2))
    0.5
    >>> float(collision_probability([0.2, 0.3, 0.5], 4))
    1.0
    """
    p = check_probability(probs, "probs")
    n = _check_n_samples(n_samples)
    batch = p.shape[:-1]
    K = p.shape[-1]
    p2 = p.reshape(-1, K)
    positive = np.count_nonzero(p2 > 0, axis=-1)
    out = np.where(n > positive, 1.0, 0.0)
    rows = np.flatnonzero((n <= positive) & (n >= 2))
    if rows.size:
        q = p2[rows]
        size = 1 << max(0, (K - 1).bit_length())
        if size > K:
            q = np.concatenate([q, np.zeros((q.shape[0], size - K))], axis=-1)
        c = np.ones((q.shape[0], size, 2))       # one atom: 0 or 1 draw never collide
        d = np.zeros((q.shape[0], size, 2))
        mass = q
        node = 1
        while c.shape[1] > 1:
            node *= 2
            c, d, mass = _merge(c, d, mass, min(n, node))
        out[rows] = np.clip(d[:, 0, n], 0.0, 1.0)
    return _scalar_or_array(out.reshape(batch))


def collision_probability_uniform(support_size: Any, n_samples: Any) -> Any:
    """Birthday problem: P(repeat among n uniform draws from N equally likely values).

    P = 1 - Π_{i=0}^{n-1} (1 - i/N).

    Source: the classical birthday problem (Feller 1968, An Introduction to Probability Theory
    and Its Applications, Vol. 1, Chapter II); the uniform case of Arora & Zhang (2017),
    Section 2.

    Parameters
    ----------
    support_size : int or array_like of int, >= 1
        N.
    n_samples : int or array_like of int, >= 0
        n; broadcasts with ``support_size``.

    Returns
    -------
    p_collision : float or ndarray
        In [0, 1]; exactly 1 when n > N.

    Raises
    ------
    ValueError
        If ``support_size`` < 1 or ``n_samples`` < 0, or the shapes do not broadcast.
    TypeError
        If an argument is not an integer (array).

    Notes
    -----
    Computed as -expm1(Σ_i log1p(-i/N)), accurate for tiny and for near-one probabilities.

    Examples
    --------
    >>> round(float(collision_probability_uniform(365, 23)), 6)
    0.507297
    >>> float(collision_probability_uniform(2, 3))
    1.0
    """
    N = _as_int_array(support_size, "support_size", minimum=1)
    n = _as_int_array(n_samples, "n_samples", minimum=0)
    try:
        N, n = np.broadcast_arrays(N, n)
    except ValueError:
        raise ValueError(f"`support_size` {N.shape} and `n_samples` {n.shape} do not "
                         "broadcast") from None
    out = np.ones(N.shape)
    for value in np.unique(N):  # one cumulative sum per distinct N, shared by all n
        sel = N == value
        n_sel = n[sel]
        top = int(min(n_sel.max(), value))
        logs = np.concatenate([[0.0], np.cumsum(np.log1p(-np.arange(top) / value))])
        vals = -np.expm1(logs[np.minimum(n_sel, top)])
        out[sel] = np.where(n_sel > value, 1.0, vals)
    return _scalar_or_array(out)


def _check_rho(rho: Any) -> np.ndarray:
    r = as_float_array(rho, "rho")
    if np.any((r < 0) | (r > 1)):
        raise ValueError(f"`rho` must lie in [0, 1] (got range [{r.min():.6g}, {r.max():.6g}])")
    return r


def collision_lower_bound(rho: Any, support_size: Any, n_samples: Any, *,
                          version: str = "iclr2018") -> Any:
    """The printed lower bound on the collision probability of the birthday-paradox test.

    Statement: if some set S of N atoms has P(S) >= ρ, then M i.i.d. draws from P contain a
    collision with probability at least

    - ``version="iclr2018"``: 1 - exp(-(M² - M) ρ² / (2N)), the form of Arora, Risteski &
      Zhang (2018), Theorem 1;
    - ``version="survey"``: 1 - exp(-M² ρ / (2N)), the form printed in the survey transcription
      (seed 002, "Theorem 1").

    Neither form is a valid bound for every ρ: compare with the exact infimum
    :func:`collision_probability_infimum`.  The survey form fails already for ρ = 1 (a fair
    coin, M = N = 2: exact 1/2 < 1 - e^{-1}); the ICLR form is exact for M = 2, holds for
    ρ = 1 (1 - x <= e^{-x}), and fails for ρ < 1 and M >= 3 (e.g. M = 3, N = 1, ρ = 1/5: the
    infimum 3ρ² - 2ρ³ = 0.104 < 1 - e^{-0.12} = 0.1131).

    Source: Arora, Risteski & Zhang (2018), ICLR, Theorem 1 (birthday-paradox test); the survey
    (seed 002), "Figure 13: Theorem 1".

    Parameters
    ----------
    rho : float or array_like
        ρ in [0, 1], the mass of S.
    support_size : int or array_like of int, >= 1
        N = |S|.
    n_samples : int or array_like of int, >= 0
        M, the number of draws.  The three arguments broadcast.
    version : {"iclr2018", "survey"}
        Which printed form.

    Returns
    -------
    bound : float or ndarray
        In [0, 1).

    Raises
    ------
    ValueError
        If ``rho`` is outside [0, 1], ``support_size`` < 1, ``n_samples`` < 0, or ``version``
        is unknown.

    Notes
    -----
    The paper's own text could not be retrieved when this was written: the ICLR form is the
    one the issue quotes from it ("(M² - M) and ρ²"), the survey form is copied from the
    survey.  Both are implemented as printed; :func:`collision_probability_infimum` decides
    which holds where.

    Examples
    --------
    >>> round(float(collision_lower_bound(1.0, 2, 2, version="survey")), 6)
    0.632121
    >>> round(float(collision_lower_bound(1.0, 2, 2)), 6)
    0.393469
    """
    check_in(version, "version", COLLISION_BOUND_VERSIONS)
    r = _check_rho(rho)
    N = _as_int_array(support_size, "support_size", minimum=1).astype(float)
    M = _as_int_array(n_samples, "n_samples", minimum=0).astype(float)
    try:
        r, N, M = np.broadcast_arrays(r, N, M)
    except ValueError:
        raise ValueError("`rho`, `support_size` and `n_samples` do not broadcast") from None
    if version == "iclr2018":
        x = (M * M - M) * r * r / (2.0 * N)
    else:
        x = M * M * r / (2.0 * N)
    return _scalar_or_array(-np.expm1(-x))


def collision_probability_infimum(rho: Any, support_size: Any, n_samples: Any) -> Any:
    """The smallest collision probability any distribution with mass ρ on N atoms can have.

    inf { P_P(collision among M draws) : P discrete, P(S) >= ρ for some |S| = N }
        = Σ_{k=0}^{M} C(M, k) ρ^k (1 - ρ)^{M-k} · [1 - Π_{i<k} (1 - i/N)],

    the collision probability of the extremal family "mass ρ uniformly on N atoms, the rest
    spread over L atoms" in the limit L → ∞ (the number k of draws landing in S is
    Binomial(M, ρ), and the thin part never collides in the limit).  Not attained: every
    distribution with finitely many atoms has a larger value.

    Source: derived here.  With P(S) = ρ' >= ρ, n! e_n(p) = Σ_k n! e_k(p_S) e_{n-k}(p_rest);
    e_k(p_S) <= C(N, k)(ρ'/N)^k because e_k is Schur-concave (Marshall, Olkin & Arnold 2011,
    Section 3.F), e_j(p_rest) <= (1 - ρ')^j / j! (expand (Σ p)^j), and the resulting bound
    decreases in ρ'.  This is the benchmark for the bounds of Arora, Risteski & Zhang (2018),
    Theorem 1 (:func:`collision_lower_bound`): a printed bound is valid iff it never exceeds
    this infimum.

    Parameters
    ----------
    rho : float or array_like
        ρ in [0, 1].
    support_size : int or array_like of int, >= 1
        N.
    n_samples : int or array_like of int, >= 0
        M.  The three arguments broadcast.

    Returns
    -------
    infimum : float or ndarray
        In [0, 1].

    Raises
    ------
    ValueError
        If ``rho`` is outside [0, 1], ``support_size`` < 1 or ``n_samples`` < 0.

    Examples
    --------
    One atom of mass ρ and three draws: 3ρ²(1 - ρ) + ρ³ = 3ρ² - 2ρ³.

    >>> round(float(collision_probability_infimum(0.2, 1, 3)), 12)
    0.104
    >>> float(collision_probability_infimum(1.0, 2, 2))
    0.5
    """
    r = _check_rho(rho)
    N = _as_int_array(support_size, "support_size", minimum=1)
    M = _as_int_array(n_samples, "n_samples", minimum=0)
    try:
        r, N, M = np.broadcast_arrays(r, N, M)
    except ValueError:
        raise ValueError("`rho`, `support_size` and `n_samples` do not broadcast") from None
    out = np.empty(r.shape)
    pairs = np.unique(np.stack([N.ravel(), M.ravel()], axis=-1), axis=0)
    for n_atoms, m in pairs:  # one binomial mixture per distinct (N, M)
        sel = (N == n_atoms) & (M == m)
        k = np.arange(m + 1)
        uniform = np.asarray(collision_probability_uniform(int(n_atoms), k))
        pmf = binom.pmf(k[None, :], int(m), r[sel][:, None])
        out[sel] = np.clip(pmf @ uniform, 0.0, 1.0)
    return _scalar_or_array(out)


# --------------------------------------------------------------------------- CycleGAN
def cyclegan_bijection_count(p_x: Any, p_y: Any, *, atol: float = 1e-12) -> int:
    """Number of bijections G: X → Y that push p_X to p_Y (CycleGAN's adversarially optimal maps).

    count = Π_v m_v!  if the multisets {p_X(x)} and {p_Y(y)} agree, else 0,

    where m_v is the number of atoms at probability level v.  With the optimal discriminator,
    L_GAN(G, D_Y, X, Y) of Zhu et al. (2017), eq. (1), is -log 4 + 2 JSD(p_Y ‖ G#p_X)
    (Goodfellow et al. 2014, Theorem 1), minimal iff G#p_X = p_Y; for a bijection that means
    p_Y(G(x)) = p_X(x), i.e. G permutes atoms within each probability level.  Adding the cycle
    loss, eq. (2), keeps every pair (G, G⁻¹): the full objective, eq. (3), has exactly this
    many minimizers when p_X and p_Y have full support.

    Source: derived here from Zhu et al. (2017), eqs. (1)-(3) on finite domains.

    Parameters
    ----------
    p_x, p_y : array_like, shape (K,) and (K',)
        Probability vectors of the two domains.
    atol : float, default 1e-12
        Probabilities closer than this count as one level (sorted values are grouped where
        consecutive gaps exceed ``atol``).

    Returns
    -------
    count : int
        Exact (Python int); 0 if K != K' or the levels differ.

    Raises
    ------
    ValueError
        If an input is not a 1-D probability vector or ``atol`` is negative.

    Examples
    --------
    Uniform on 3 points: all 3! = 6 bijections are optimal.

    >>> cyclegan_bijection_count([1/3, 1/3, 1/3], [1/3, 1/3, 1/3])
    6
    >>> cyclegan_bijection_count([0.5, 0.25, 0.25], [0.25, 0.5, 0.25])
    2
    >>> cyclegan_bijection_count([0.5, 0.5], [0.7, 0.3])
    0
    """
    px = check_probability_vector(p_x, "p_x")
    py = check_probability_vector(p_y, "p_y")
    if isinstance(atol, bool) or not isinstance(atol, numbers.Real) or not atol >= 0:
        raise ValueError(f"`atol` must be a number >= 0 (got {atol!r})")
    if px.shape != py.shape:
        return 0
    sx, sy = np.sort(px), np.sort(py)
    if np.any(np.abs(sx - sy) > atol):
        return 0
    starts = np.flatnonzero(np.diff(sx) > atol) + 1
    sizes = np.diff(np.concatenate([[0], starts, [sx.size]]))
    return math.prod(math.factorial(int(s)) for s in sizes)
