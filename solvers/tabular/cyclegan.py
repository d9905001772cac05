"""CycleGAN on finite domains: every optimal pair of maps, by exhaustive enumeration.

Zhu et al. (2017) train G: X → Y and F: Y → X with two adversarial losses and a cycle-
consistency loss.  On finite domains X = {x_1..x_K}, Y = {y_1..y_K'} with distributions p_X,
p_Y every map is a table, so for small K all K'^K maps G (and K^K' maps F) can be listed and
scored exactly:

- adversarial loss with the optimal discriminator, L_GAN(G) = max_D L_GAN(G, D_Y, X, Y)
  (eq. (1)) = -log 4 + 2 JSD(p_Y ‖ G#p_X), through :func:`theory.gan.optimal_gan_value`
  (Goodfellow et al. 2014, Theorem 1);
- cycle loss, eq. (2): E_{x~p_X} ‖F(G(x)) - x‖₁ + E_{y~p_Y} ‖G(F(y)) - y‖₁, with the points
  embedded as given (default: their indices);
- the full objective, eq. (3), L = L_GAN(G) + L_GAN(F) + λ L_cyc.

:func:`enumerate_cyclegan_optima` returns the maps minimizing each adversarial loss, the pairs
of them with zero cycle loss, and their counts: the ambiguity that the losses cannot remove
(e.g. all K! permutations when p_X and p_Y are uniform).  The closed-form count is
:func:`theory.gan_diagnostics.cyclegan_bijection_count` (not used here).

Paper: Zhu, J.-Y., Park, T., Isola, P. & Efros, A. A. (2017), "Unpaired Image-to-Image
Translation using Cycle-Consistent Adversarial Networks", ICCV; arXiv:1703.10593, Section 3,
eqs. (1)-(3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from solvers.results import ArrayResult
from solvers.validation import check_distribution
from theory.validation import as_float_array, check_int, check_nonnegative, check_probability
from theory.gan import optimal_gan_value

__all__ = [
    "all_maps",
    "push_forward",
    "adversarial_losses",
    "cycle_losses",
    "CycleGANEnumerationResult",
    "enumerate_cyclegan_optima",
]


def all_maps(n_from: int, n_to: int, *, max_maps: int = 2_000_000) -> np.ndarray:
    """Every map {0..n_from-1} → {0..n_to-1} as a table, in lexicographic order.

    Parameters
    ----------
    n_from, n_to : int, >= 1
    max_maps : int
        Refuse (ValueError) to build more than this many tables.

    Returns
    -------
    maps : ndarray of int, shape (n_to ** n_from, n_from)
        Row m is the map x ↦ maps[m, x].
    """
    a = check_int(n_from, "n_from", minimum=1)
    b = check_int(n_to, "n_to", minimum=1)
    total = b ** a
    if total > max_maps:
        raise ValueError(f"{b}^{a} = {total} maps exceed `max_maps` = {max_maps}")
    # digits of 0..total-1 in base b, most significant first
    codes = np.arange(total)[:, None] // (b ** np.arange(a - 1, -1, -1))[None, :]
    return (codes % b).astype(np.int64)


def push_forward(maps: Any, p_from: Any, n_to: int) -> np.ndarray:
    """Image distributions G#p = Σ_x p(x) δ_{G(x)} of a batch of maps.

    Parameters
    ----------
    maps : array_like of int, shape (n_maps, K)
    p_from : array_like, shape (K,)
    n_to : int

    Returns
    -------
    ndarray, shape (n_maps, n_to)
    """
    G = np.asarray(maps)
    p = check_probability(p_from, "p_from")
    n_to = check_int(n_to, "n_to", minimum=1)
    if G.ndim != 2 or G.shape[1] != p.shape[-1]:
        raise ValueError(f"`maps` must have shape (n_maps, {p.shape[-1]}) (got {G.shape})")
    flat = (np.arange(G.shape[0])[:, None] * n_to + G).ravel()
    out = np.bincount(flat, weights=np.broadcast_to(p, G.shape).ravel(), minlength=G.shape[0] * n_to)
    return out.reshape(G.shape[0], n_to)


def adversarial_losses(maps: Any, p_from: Any, p_to: Any) -> np.ndarray:
    """L_GAN of each map with its optimal discriminator: -log 4 + 2 JSD(p_to ‖ G#p_from).

    Source: Zhu et al. (2017), eq. (1), maximized over D_Y by Goodfellow et al. (2014),
    Theorem 1 (:func:`theory.gan.optimal_gan_value`).

    Parameters
    ----------
    maps : array_like of int, shape (n_maps, K)
    p_from : array_like, shape (K,)
    p_to : array_like, shape (K',)

    Returns
    -------
    ndarray, shape (n_maps,)
    """
    q = check_probability(p_to, "p_to")
    push = push_forward(maps, p_from, q.shape[-1])
    # rows of push sum to 1 up to rounding of sums of K terms; renormalize for the validator
    push = push / push.sum(axis=-1, keepdims=True)
    return np.asarray(optimal_gan_value(q, push))


def _points(points: Any, k: int, name: str) -> np.ndarray:
    if points is None:
        return np.arange(k, dtype=float)[:, None]
    pts = as_float_array(points, name)
    if pts.ndim == 1:
        pts = pts[:, None]
    if pts.ndim != 2 or pts.shape[0] != k:
        raise ValueError(f"`{name}` must have shape ({k},) or ({k}, d) (got {pts.shape})")
    return pts


def cycle_losses(G: Any, F: Any, p_x: Any, p_y: Any, *, x_points: Any = None,
                 y_points: Any = None) -> np.ndarray:
    """Cycle-consistency loss of pairs of maps, Zhu et al. (2017), eq. (2).

    L_cyc(G, F) = Σ_x p_X(x) ‖F(G(x)) - x‖₁ + Σ_y p_Y(y) ‖G(F(y)) - y‖₁.

    Parameters
    ----------
    G : array_like of int, shape (..., K)
        Maps X → Y.
    F : array_like of int, shape (..., K')
        Maps Y → X, paired with ``G``; the leading axes broadcast (same number of axes).
    p_x, p_y : array_like, shapes (K,), (K',)
    x_points, y_points : array_like, shape (K,) or (K, d), optional
        Embeddings of the points for the L1 norm (default: the indices).

    Returns
    -------
    ndarray, shape broadcast(G.shape[:-1], F.shape[:-1])
    """
    px, py = check_probability(p_x, "p_x"), check_probability(p_y, "p_y")
    X = _points(x_points, px.shape[-1], "x_points")
    Y = _points(y_points, py.shape[-1], "y_points")
    G, F = np.asarray(G), np.asarray(F)
    if G.shape[-1] != px.shape[-1] or F.shape[-1] != py.shape[-1] or G.ndim != F.ndim:
        raise ValueError(f"`G` must have shape (..., {px.shape[-1]}) and `F` shape (..., "
                         f"{py.shape[-1]}) with the same number of axes (got {G.shape}, {F.shape})")
    FG = np.take_along_axis(F, G, axis=-1)          # F(G(x)); leading axes broadcast
    GF = np.take_along_axis(G, F, axis=-1)          # G(F(y))
    ex = np.abs(X[FG] - X[np.arange(px.shape[-1])]).sum(axis=-1) @ px
    ey = np.abs(Y[GF] - Y[np.arange(py.shape[-1])]).sum(axis=-1) @ py
    return ex + ey


@dataclass(frozen=True)
class CycleGANEnumerationResult(ArrayResult):
    """Exact optimal sets of CycleGAN's losses on finite domains (see
    :func:`enumerate_cyclegan_optima`).

    Attributes
    ----------
    p_x, p_y : ndarray
    n_maps_g, n_maps_f : int
        Maps enumerated (K'^K and K^K').
    min_adversarial_g, min_adversarial_f : float
        min over G (F) of L_GAN with the optimal discriminator (-log 4 when a map pushes p_X
        onto p_Y).
    optimal_g, optimal_f : ndarray of int
        The minimizing maps (rows), G: X → Y and F: Y → X.
    optimal_g_bijective : ndarray of bool
        Which rows of ``optimal_g`` are bijections.
    cycle_pairs : ndarray of int, shape (n_pairs, 2)
        Row indices (into ``optimal_g``, ``optimal_f``) of the pairs with zero cycle loss.
    full_objective_minimizers : bool
        True when ``cycle_pairs`` is non-empty: then they are exactly the minimizers of the
        full objective, eq. (3), for every λ > 0 (each term is at its minimum); otherwise the
        minimizers of eq. (3) depend on λ and are not listed.
    """

    p_x: np.ndarray
    p_y: np.ndarray
    n_maps_g: int
    n_maps_f: int
    min_adversarial_g: float
    min_adversarial_f: float
    optimal_g: np.ndarray
    optimal_f: np.ndarray
    optimal_g_bijective: np.ndarray
    cycle_pairs: np.ndarray
    full_objective_minimizers: bool

    @property
    def n_optimal_g(self) -> int:
        """Number of adversarially optimal maps G."""
        return int(self.optimal_g.shape[0])

    @property
    def n_optimal_g_bijections(self) -> int:
        """Number of adversarially optimal bijections G."""
        return int(self.optimal_g_bijective.sum())

    @property
    def n_cycle_pairs(self) -> int:
        """Number of pairs (G, F), both adversarially optimal, with zero cycle loss."""
        return int(self.cycle_pairs.shape[0])


def enumerate_cyclegan_optima(p_x: Any, p_y: Any, *, x_points: Any = None, y_points: Any = None,
                              value_tol: float = 1e-12,
                              max_maps: int = 2_000_000) -> CycleGANEnumerationResult:
    """All maps minimizing CycleGAN's adversarial losses, and the cycle-consistent pairs.

    Enumerates the K'^K maps G: X → Y and K^K' maps F: Y → X, scores each with its optimal
    discriminator (:func:`adversarial_losses`), keeps the minimizers (within ``value_tol``),
    and lists the pairs among them with zero cycle loss (:func:`cycle_losses`).

    Source: Zhu et al. (2017), "Unpaired Image-to-Image Translation using Cycle-Consistent
    Adversarial Networks", eqs. (1)-(3).

    Parameters
    ----------
    p_x, p_y : array_like, shapes (K,), (K',)
        Probability vectors of the two domains (zero atoms allowed).
    x_points, y_points : array_like, optional
        Embeddings for the L1 cycle loss (default: indices).  Zero cycle loss means
        F(G(x)) = x on supp p_X and G(F(y)) = y on supp p_Y for any embedding of distinct
        points.
    value_tol : float, >= 0
        Maps within this of the minimum adversarial loss count as minimizers (float64
        rounding of -log 4 + 2 JSD at exact matches is ~1e-16).
    max_maps : int
        Largest number of maps enumerated per direction.

    Returns
    -------
    CycleGANEnumerationResult

    Raises
    ------
    ValueError
        Invalid probabilities, points of the wrong shape, or too many maps.
    """
    px = check_distribution(p_x, "p_x")
    py = check_distribution(p_y, "p_y")
    tol = check_nonnegative(value_tol, "value_tol")
    K, Kp = px.shape[0], py.shape[0]
    _points(x_points, K, "x_points")
    _points(y_points, Kp, "y_points")
    maps_g = all_maps(K, Kp, max_maps=max_maps)
    maps_f = all_maps(Kp, K, max_maps=max_maps)
    vg = adversarial_losses(maps_g, px, py)
    vf = adversarial_losses(maps_f, py, px)
    opt_g = maps_g[vg <= vg.min() + tol]
    opt_f = maps_f[vf <= vf.min() + tol]
    bij = np.array([np.unique(g).size == K == Kp for g in opt_g], dtype=bool)
    # every (G, F) pair among the optima: n_g x n_f cycle losses at once
    lc = cycle_losses(opt_g[:, None, :], opt_f[None, :, :], px, py,
                      x_points=x_points, y_points=y_points)
    gi, fi = np.nonzero(lc <= 0.0)
    pairs = np.stack([gi, fi], axis=-1).astype(np.int64)
    return CycleGANEnumerationResult(px, py, int(maps_g.shape[0]), int(maps_f.shape[0]),
                                     float(vg.min()), float(vf.min()), opt_g, opt_f, bij, pairs,
                                     bool(pairs.shape[0] > 0))
