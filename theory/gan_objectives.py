"""Objectives that followed Goodfellow's GAN: LSGAN, f-GAN and EBGAN, in closed form.

Papers
------
Mao, X., Li, Q., Xie, H., Lau, R. Y. K., Wang, Z. & Smolley, S. P. (2017). Least Squares
    Generative Adversarial Networks. ICCV; arXiv:1611.04076.  Section 3.2 (the least-squares
    objective with labels a, b, c) and Section 3.2.2 (the extended objective, its optimal
    discriminator and the Pearson χ² identity for b - c = 1, b - a = 2).
Nowozin, S., Cseke, B. & Tomioka, R. (2016). f-GAN: Training Generative Neural Samplers
    using Variational Divergence Minimization. NeurIPS; arXiv:1606.00709.  Eq. (1) (the
    f-divergence), Section 2.2 (the Fenchel lower bound and its tight critic
    T*(x) = f'(p(x)/q(x))), Table 1 (generator functions f) and Table 2 (output
    activations g_f, conjugates f* and their domains).
Zhao, J., Mathieu, M. & LeCun, Y. (2017). Energy-based Generative Adversarial Networks.
    ICLR; arXiv:1609.03126.  Eqs. (1)-(2) (the hinge losses with margin m), the section on
    the optimality of the solution (the values V(G, D), U(G, D), the Nash conditions and
    Theorems 1 and 2) and Lemma 1 (the pointwise minimum of a·y + b·[m - y]⁺ over y >= 0),
    used in the proof of Theorem 1.

All functions work on discrete distributions (or on density values on a common grid for the
pointwise optimal discriminators and critics) with the categories on the last axis; leading
axes are batch axes and broadcast.  Expectations and divergences take probability vectors
(validated: non-negative, summing to 1); pointwise optima accept any non-negative densities.

Three facts derived here beyond what the papers print, each checked in
``tests/theory/test_gan_objectives.py`` and symbolically in ``proofs_check.gan_objectives``:

* LSGAN with b - c = 1, b - a = 2: C(G) = ½ Σ_x (p_d - p_g)²/(p_d + p_g) = χ²(p_g ‖ M)
  with M = (p_d + p_g)/2, a symmetric divergence in [0, 1] (1 exactly for disjoint supports);
  for any labels, C(G) = (a + b - 2c)²/4 + (b - a)²/4 · χ²(p_d ‖ M).
* EBGAN: min_D V(D, G) = m Σ_x min(p_data, p_g) = m (1 - TV(p_data, p_g)), and every constant
  discriminator D = γ ∈ [0, m] has V = m, so its excess over the minimum is exactly m·TV.
* EBGAN equilibria on a finite space: p_g = p_data, D = γ ∈ [0, m] on the support of p_data
  and D >= γ off it (Theorem 2's "D* = γ almost everywhere", made precise).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from theory.docstrings import doc_params
from theory.validation import (as_float_array, broadcast_pair, check_density_pair, check_positive,
                                check_probability_pair, check_real, scalar_or_array)
# f-GAN lives in theory.fgan; its names stay importable from here (the public home).
from theory import fgan
from theory.fgan import (FGAN_FAMILIES, FGAN_FAMILY_NAMES, FGanFamilies, FGanFamily,  # noqa: F401
                         fgan_divergence, fgan_family, fgan_lower_bound, fgan_optimal_critic)
from theory.gan import optimal_discriminator

__all__ = [
    # LSGAN (Mao et al. 2017)
    "lsgan_optimal_discriminator",
    "lsgan_criterion",
    # f-GAN (Nowozin et al. 2016): the names theory.fgan lists.  The table itself, FGAN_FAMILIES
    # (an FGanFamilies mapping), is public here but not listed: the package namespace re-exports
    # functions, classes and option tuples only; fgan_family(name) is its exported accessor.
    *fgan.__all__,
    # EBGAN (Zhao et al. 2017)
    "ebgan_value",
    "ebgan_optimal_discriminator",
    "ebgan_optimal_discriminator_interval",
    "ebgan_min_value",
    "EbganNashGaps",
    "ebgan_nash_gaps",
]

_LOG2 = float(np.log(2.0))


# ============================================================================ LSGAN


def lsgan_optimal_discriminator(p_data: Any, p_g: Any, *, a: float, b: float) -> np.ndarray:
    """Optimal least-squares discriminator for a fixed generator.

    D*(x) = (b p_data(x) + a p_g(x)) / (p_data(x) + p_g(x)),

    the pointwise minimiser of ½ p_data(x) (D - b)² + ½ p_g(x) (D - a)², the discriminator's
    objective min_D ½ E_pdata[(D(x) - b)²] + ½ E_pg[(D(x) - a)²] (a: label of fake data,
    b: label of real data).

    Source: Mao et al. (2017), "Least Squares Generative Adversarial Networks", Section 3.2.2
    (the optimal discriminator of the extended objective; the discriminator's part is the
    objective of Section 3.2).

    Parameters
    ----------
    p_data, p_g : array_like, shape (..., n)
        Probabilities or density values (non-negative, finite; need not sum to 1); leading
        axes broadcast.
    a, b : float, keyword-only
        Labels of fake and real data (any finite reals; the paper uses a = -1, b = 1 or
        a = 0, b = 1).

    Returns
    -------
    d_star : ndarray, shape broadcast(p_data, p_g)
        Values between a and b.

    Raises
    ------
    ValueError
        If an input is empty, non-finite, negative, a scalar, or the shapes do not broadcast;
        if a label is not finite.
    TypeError
        If an input or a label is not numeric.

    Notes
    -----
    Computed as a + (b - a)·p_data/(p_data + p_g) with the ratio from
    :func:`theory.gan.optimal_discriminator`.  Where p_data(x) = p_g(x) = 0 the point does
    not enter the objective and every D is optimal; we return (a + b)/2, the limit along
    p_data = p_g (the ratio 1/2 of :func:`theory.gan.optimal_discriminator`, and the value
    :func:`theory.gan.smoothed_optimal_discriminator` returns there).

    Examples
    --------
    >>> lsgan_optimal_discriminator([0.5, 0.5, 0.0], [0.0, 0.5, 0.0], a=-1, b=1)
    array([1., 0., 0.])
    >>> lsgan_optimal_discriminator([0.25, 0.75], [0.75, 0.25], a=0, b=1)
    array([0.25, 0.75])
    """
    a = check_real(a, "a")
    b = check_real(b, "b")
    pd, pg = check_density_pair(p_data, p_g, ("p_data", "p_g"))
    return a + (b - a) * optimal_discriminator(pd, pg)


def lsgan_criterion(p_data: Any, p_g: Any, *, a: float, b: float, c: float) -> Any:
    """The LSGAN generator's criterion at the optimal discriminator.

    C(G) = ½ E_pdata[(D*(x) - c)²] + ½ E_pg[(D*(x) - c)²]
         = ½ Σ_x ((b - c) p_data(x) + (a - c) p_g(x))² / (p_data(x) + p_g(x)),

    where c is the value the generator wants the discriminator to give fake data, and the
    E_pdata term (which does not depend on G) is the one Mao et al. add to the generator's
    loss.  With b - c = 1 and b - a = 2 (e.g. a = -1, b = 1, c = 0):

        2 C(G) = Σ_x (2 p_g - (p_data + p_g))² / (p_data + p_g),

    which the paper writes χ²_Pearson(p_d + p_g ‖ 2 p_g); see Notes for the convention.

    Source: Mao et al. (2017), "Least Squares Generative Adversarial Networks", Section 3.2.2
    (the extended objective, its C(G), and the χ² identity under b - c = 1, b - a = 2).

    Parameters
    ----------
    p_data, p_g : array_like, shape (..., n)
        Probability vectors; leading axes broadcast.
    a, b, c : float, keyword-only
        Label of fake data, label of real data, the generator's target (finite reals).

    Returns
    -------
    value : float or ndarray, shape (...)
        C(G) >= 0.

    Raises
    ------
    ValueError
        If a probability vector is invalid, the shapes do not broadcast, or a label is not
        finite.
    TypeError
        If an input or a label is not numeric.

    Notes
    -----
    *Which χ².*  The integral has the density p_data + p_g in its denominator.  In the
    paper's notation χ²_Pearson(P ‖ Q) = ∫ (q - p)²/p, the first argument is the one divided
    by.  In the convention of :func:`theory.divergences.pearson_chi2`, χ²(P ‖ Q) = Σ (p - q)²/q
    = D_f(P ‖ Q) with f(t) = (t - 1)² (f-GAN's eq. (1)), the same integral is
    χ²(2 p_g ‖ p_data + p_g): both arguments are unnormalised measures of mass 2.  χ² is
    homogeneous of degree one, so with the mixture M = (p_data + p_g)/2,

        2 C(G) = χ²(2 p_g ‖ 2 M) = 2 χ²(p_g ‖ M),   i.e.   C(G) = χ²(p_g ‖ M),

    and since 2 p_g - (p_data + p_g) = p_g - p_data,

        C(G) = ½ Σ_x (p_data - p_g)² / (p_data + p_g) = χ²(p_data ‖ M),

    symmetric in p_data and p_g, zero iff p_g = p_data, and at most 1 (equality iff the
    supports are disjoint).  Atoms with p_data = p_g = 0 contribute 0.

    *Any labels.*  With α = b - c and β = a - c, α p + β q = ½(α + β)(p + q) + ½(α - β)(p - q);
    the cross term sums to ½(α + β)(α - β) Σ (p - q) = 0, so for every a, b, c

        C(G) = (a + b - 2c)²/4 + (b - a)²/4 · χ²(p_data ‖ M).

    The paper's conditions b - c = 1, b - a = 2 make the constant vanish and the factor 1;
    they are sufficient, not necessary, for C(G) to be minimised exactly at p_g = p_data: any
    a ≠ b does that, e.g. its other choice a = 0, b = c = 1 gives C(G) = ¼ + ¼ χ²(p_data ‖ M).

    Examples
    --------
    Disjoint supports give C(G) = 1; equal distributions give 0:

    >>> float(lsgan_criterion([1.0, 0.0], [0.0, 1.0], a=-1, b=1, c=0))
    1.0
    >>> float(lsgan_criterion([0.3, 0.7], [0.3, 0.7], a=-1, b=1, c=0))
    0.0
    >>> float(lsgan_criterion([0.5, 0.5], [0.25, 0.75], a=-1, b=1, c=0))  # ½ (1/16)(1/.75 + 1/1.25)
    0.0666666666667
    """
    a = check_real(a, "a")
    b = check_real(b, "b")
    c = check_real(c, "c")
    pd, pg = check_probability_pair(p_data, p_g, ("p_data", "p_g"))
    sq = (lsgan_optimal_discriminator(pd, pg, a=a, b=b) - c) ** 2
    return scalar_or_array(0.5 * np.sum(pd * sq, axis=-1) + 0.5 * np.sum(pg * sq, axis=-1))


# ============================================================================ EBGAN


def _margin(margin: Any) -> float:
    return check_positive(margin, "margin")


#: Descriptions shared by the docstrings of the two EBGAN optimal-discriminator functions,
#: filled in at import by :func:`theory.docstrings.doc_params`.
_DOC = {
    "densities_margin": "p_data, p_g : array_like, shape (..., n)\n        Probabilities or density values "
                        "(non-negative, finite); leading axes broadcast.\n    margin : float > 0, keyword-only",
    "raises_densities": "ValueError\n        Invalid densities or margin, shapes that do not broadcast.\n"
                        "    TypeError\n        Non-numeric input.",
}
_doc = doc_params(_DOC)


def _ebgan_inputs(D: Any, p_data: Any, p_g: Any, margin: Any) -> tuple[np.ndarray, ...]:
    """(D, p_data, p_g, m), validated and broadcast to one shape."""
    m = _margin(margin)
    pd, pg = check_probability_pair(p_data, p_g, ("p_data", "p_g"))
    d = as_float_array(D, "D")
    if d.ndim == 0:
        raise ValueError("`D` must be at least 1-D (one energy per category), got a scalar")
    if np.any(d < 0):
        raise ValueError(f"`D` must be non-negative (energies; got minimum {d.min():.6g})")
    d, pd = broadcast_pair(d, pd, ("D", "p_data"))
    return d, pd, np.broadcast_to(pg, pd.shape), m


def ebgan_value(D: Any, p_data: Any, p_g: Any, *, margin: float) -> Any:
    """The EBGAN discriminator's loss for a discriminator D (energies) and a generator.

    V(D, G) = E_pdata[D(x)] + E_pg[(m - D(x))⁺] = Σ_x p_data(x) D(x) + p_g(x) max(m - D(x), 0).

    Source: Zhao, Mathieu & LeCun (2017), "Energy-based Generative Adversarial Networks",
    eq. (1) (L_D(x, z) = D(x) + [m - D(G(z))]⁺) and its V(G, D) = ∫ L_D p_data p_z, which the
    discriminator minimises (the optimality analysis before Theorem 1).

    Parameters
    ----------
    D : array_like, shape (..., n)
        Energies D(x) >= 0 (finite).
    p_data, p_g : array_like, shape (..., n)
        Probability vectors; all three broadcast on the leading axes.
    margin : float > 0, keyword-only
        The margin m.

    Returns
    -------
    value : float or ndarray, shape (...)

    Raises
    ------
    ValueError
        Negative or non-finite ``D``, invalid probability vectors, shapes that do not
        broadcast, a margin that is not a finite number > 0.
    TypeError
        Non-numeric input.

    Examples
    --------
    A constant D = γ in [0, m] has V = γ + (m - γ) = m whatever the generator:

    >>> float(ebgan_value([0.3, 0.3], [0.9, 0.1], [0.2, 0.8], margin=1.0))
    1.0
    >>> float(ebgan_value([0.0, 1.0], [0.9, 0.1], [0.2, 0.8], margin=1.0))  # 0.1 + 0.2
    0.30000000000000004
    """
    d, pd, pg, m = _ebgan_inputs(D, p_data, p_g, margin)
    return scalar_or_array(np.sum(pd * d, axis=-1) + np.sum(pg * np.maximum(m - d, 0.0), axis=-1))


@_doc
def ebgan_optimal_discriminator(p_data: Any, p_g: Any, *, margin: float) -> np.ndarray:
    """A pointwise optimal EBGAN discriminator for a fixed generator.

    D*(x) = m where p_data(x) < p_g(x),  0 where p_data(x) > p_g(x),  m/2 where they are equal.

    Source: Zhao, Mathieu & LeCun (2017), Lemma 1 (φ(y) = a y + b [m - y]⁺ with a, b >= 0
    has its minimum on [0, ∞) at m if a < b and at 0 otherwise; the minimum may not be
    unique), applied at each x with a = p_data(x), b = p_g(x).

    Parameters
    ----------
    %(densities_margin)s

    Returns
    -------
    d_star : ndarray, shape broadcast(p_data, p_g)
        Values in {0, m/2, m}.

    Raises
    ------
    %(raises_densities)s

    Notes
    -----
    Where p_data(x) = p_g(x) every D(x) in [0, m] is optimal (every D >= 0 if both are 0),
    and where p_data(x) = 0 < p_g(x) every D(x) >= m is; :func:`ebgan_optimal_discriminator_interval`
    gives the whole set.  We return the midpoint m/2 at ties (the counterpart of the ½ that
    :func:`theory.gan.optimal_discriminator` returns where the densities agree), and m, the
    point of Lemma 1, where p_data = 0 < p_g.  At p_g = p_data this is the constant m/2, an
    equilibrium discriminator of Theorem 2 (γ = m/2).

    Examples
    --------
    >>> ebgan_optimal_discriminator([0.5, 0.3, 0.2, 0.0], [0.2, 0.3, 0.5, 0.0], margin=2.0)
    array([0., 1., 2., 1.])
    """
    m = _margin(margin)
    pd, pg = check_density_pair(p_data, p_g, ("p_data", "p_g"))
    return np.where(pd > pg, 0.0, np.where(pd < pg, m, 0.5 * m))


@_doc
def ebgan_optimal_discriminator_interval(
    p_data: Any, p_g: Any, *, margin: float
) -> tuple[np.ndarray, np.ndarray]:
    """Every optimal EBGAN discriminator, atom by atom: the interval [lower(x), upper(x)].

    ===========================  =========  ========
    at x                         lower      upper
    ===========================  =========  ========
    p_data > p_g                 0          0
    p_data = p_g > 0             0          m
    0 < p_data < p_g             m          m
    p_data = 0 < p_g             m          +inf
    p_data = p_g = 0             0          +inf
    ===========================  =========  ========

    D >= 0 minimises V(·, G) iff lower <= D <= upper on every atom.

    Source: Zhao, Mathieu & LeCun (2017), Lemma 1 (and its remark that the minimum may not
    be unique), with the set of minimisers of φ(y) = a y + b [m - y]⁺ on [0, ∞) worked out
    for each sign of a - b.

    Parameters
    ----------
    %(densities_margin)s

    Returns
    -------
    (lower, upper) : tuple of ndarray, shape broadcast(p_data, p_g)

    Raises
    ------
    %(raises_densities)s

    Examples
    --------
    >>> lo, hi = ebgan_optimal_discriminator_interval([0.5, 0.5, 0.0], [0.0, 0.5, 0.5], margin=1)
    >>> lo, hi
    (array([0., 0., 1.]), array([ 0.,  1., inf]))
    """
    m = _margin(margin)
    pd, pg = check_density_pair(p_data, p_g, ("p_data", "p_g"))
    lower = np.where(pd < pg, m, 0.0)
    upper = np.where(pd > pg, 0.0, np.where(pd > 0, m, np.inf))
    return lower, upper


def ebgan_min_value(p_data: Any, p_g: Any, *, margin: float) -> Any:
    """The EBGAN discriminator's optimal loss for a fixed generator.

    min_{D >= 0} V(D, G) = m Σ_x min(p_data(x), p_g(x)) = m (1 - TV(p_data, p_g)).

    Derivation: V is a sum over x of φ_x(y) = p_data(x) y + p_g(x) [m - y]⁺ at y = D(x); on
    [0, m] φ_x is affine with φ_x(0) = m p_g(x) and φ_x(m) = m p_data(x), and on [m, ∞) it is
    p_data(x) y >= m p_data(x), so min φ_x = m min(p_data(x), p_g(x)) (Lemma 1); and
    Σ min(p, q) = Σ (p + q - |p - q|)/2 = 1 - TV.

    Source: derived here from Zhao, Mathieu & LeCun (2017), Lemma 1 and the value V(G, D)
    (the optimality analysis before Theorem 1).  Restricting D to [0, m] gives the same
    minimum.

    Parameters
    ----------
    p_data, p_g : array_like, shape (..., n)
        Probability vectors; leading axes broadcast.
    margin : float > 0, keyword-only

    Returns
    -------
    value : float or ndarray, shape (...)
        In [0, m]: m iff p_g = p_data (Theorem 1's V(D*, G*) = m), 0 iff the supports are
        disjoint.

    Raises
    ------
    ValueError
        Invalid probability vectors or margin, shapes that do not broadcast.
    TypeError
        Non-numeric input.

    Notes
    -----
    Evaluated as m Σ min(p_data, p_g), which keeps full relative accuracy when the supports
    nearly separate (1 - TV would cancel there).

    Examples
    --------
    >>> float(ebgan_min_value([0.5, 0.5], [0.25, 0.75], margin=2.0))  # 2 (0.25 + 0.5)
    1.5
    >>> float(ebgan_min_value([1.0, 0.0], [0.0, 1.0], margin=2.0))
    0.0
    """
    m = _margin(margin)
    pd, pg = check_probability_pair(p_data, p_g, ("p_data", "p_g"))
    return scalar_or_array(m * np.sum(np.minimum(pd, pg), axis=-1))


@dataclass(frozen=True)
class EbganNashGaps:
    """How far (D, G) is from a Nash equilibrium of EBGAN (see :func:`ebgan_nash_gaps`).

    Source: Zhao, Mathieu & LeCun (2017), the Nash equilibrium conditions before Theorem 1,
    V(G*, D*) <= V(G*, D) for all D and U(G*, D*) <= U(G, D*) for all G.

    Attributes
    ----------
    discriminator_gap : ndarray, shape (...)
        V(D, G) - min_D' V(D', G) >= 0.
    generator_gap : ndarray, shape (...)
        U(G, D) - min_G' U(G', D) = E_pg[D] - min_x D(x) >= 0.
    value : ndarray, shape (...)
        V(D, G).
    """

    discriminator_gap: np.ndarray
    generator_gap: np.ndarray
    value: np.ndarray

    def is_equilibrium(self, atol: float = 0.0) -> np.ndarray:
        """Both gaps <= ``atol`` (float rounding makes exact zeros rare: pass a tolerance)."""
        tol = float(atol)
        return (self.discriminator_gap <= tol) & (self.generator_gap <= tol)

    def to_dict(self) -> dict:
        """The fields as JSON-able lists/floats."""
        return {k: np.asarray(v).tolist() for k, v in asdict(self).items()}


def ebgan_nash_gaps(D: Any, p_data: Any, p_g: Any, *, margin: float) -> EbganNashGaps:
    """Both players' regrets at (D, G) in the EBGAN game on a finite space.

    The discriminator minimises V(D, G) = E_pdata[D] + E_pg[(m - D)⁺] over D >= 0; the
    generator minimises U(G, D) = E_pg[D] over all distributions p_g on the n atoms.  (D, G)
    is a Nash equilibrium iff both gaps are 0.

    Theorems 1-2 in this setting: the gaps vanish iff p_g = p_data, D(x) = γ on the support
    of p_data for one γ ∈ [0, m], and D(x) >= γ off it; then V(D, G) = m.  (Proof: if
    p_g ≠ p_data, some atom has p_data > p_g, so an optimal D is 0 there and min D = 0, while
    every atom with p_g > p_data carries p_g > 0 and D >= m, so the generator's gap is at
    least m·P_g(p_data < p_g) >= m·TV > 0.  If p_g = p_data, optimal D lie in [0, m] on the
    support, and the generator's gap is 0 iff D is minimal, hence constant, there.)

    Source: Zhao, Mathieu & LeCun (2017): the conditions for a Nash equilibrium,
    Theorem 1 (at an equilibrium p_G* = p_data and V(D*, G*) = m) and Theorem 2 (an
    equilibrium exists and is characterised by p_G* = p_data and D*(x) = γ ∈ [0, m] almost
    everywhere); the gaps use :func:`ebgan_min_value`.

    Parameters
    ----------
    D : array_like, shape (..., n)
        Energies D(x) >= 0.
    p_data, p_g : array_like, shape (..., n)
        Probability vectors; all three broadcast.
    margin : float > 0, keyword-only

    Returns
    -------
    EbganNashGaps

    Raises
    ------
    ValueError, TypeError
        As :func:`ebgan_value`.

    Notes
    -----
    Theorem 2's "D* = γ almost everywhere" needs D >= γ also where p_data = 0 (there
    p_g = p_data = 0 as well): an atom with a lower energy would attract the generator.
    Every constant D = γ ∈ [0, m] has V = m for every generator, so its discriminator gap is
    m - m (1 - TV) = m·TV(p_data, p_g): a constant discriminator is optimal only at
    p_g = p_data.

    Examples
    --------
    >>> gaps = ebgan_nash_gaps([0.4, 0.4, 0.9], [0.5, 0.5, 0.0], [0.5, 0.5, 0.0], margin=1.0)
    >>> float(gaps.discriminator_gap), float(gaps.generator_gap), float(gaps.value)
    (0.0, 0.0, 1.0)
    >>> gaps = ebgan_nash_gaps([0.4, 0.4, 0.4], [0.5, 0.5, 0.0], [0.25, 0.25, 0.5], margin=1.0)
    >>> float(gaps.discriminator_gap), float(gaps.generator_gap)  # m·TV = 0.5, 0
    (0.5, 0.0)
    """
    d, pd, pg, m = _ebgan_inputs(D, p_data, p_g, margin)
    value = np.asarray(ebgan_value(d, pd, pg, margin=m))
    disc = np.maximum(value - np.asarray(ebgan_min_value(pd, pg, margin=m)), 0.0)
    gen = np.maximum(np.sum(pg * d, axis=-1) - d.min(axis=-1), 0.0)
    return EbganNashGaps(discriminator_gap=disc, generator_gap=gen, value=value)
