"""The Wasserstein GAN critic: the Kantorovich-Rubinstein critic, weight clipping, and the
gradient-penalty optimum on the line.

Papers
------
Arjovsky, M., Chintala, S. & Bottou, L. (2017). Wasserstein GAN. ICML; arXiv:1701.07875.
    Eq. (1) (the earth-mover distance W), eq. (2) (Kantorovich-Rubinstein duality: W is the
    supremum of E_{P_r} f - E_{P_θ} f over 1-Lipschitz f), eq. (3) (the same supremum over a
    parametrized family f_w, w ∈ W, which gives W "up to a multiplicative constant" *if* the
    supremum of eq. (2) is attained in the family), Section 3 and Algorithm 1 (weights
    clipped to the box [-c, c], c = 0.01).
Gulrajani, I., Ahmed, F., Arjovsky, M., Dumoulin, V. & Courville, A. (2017). Improved Training
    of Wasserstein GANs. NeurIPS; arXiv:1704.00028.  Proposition 1 (the optimal critic has
    unit gradient norm almost everywhere on the segments between points coupled by the optimal
    coupling), eq. (3) (the critic loss with the penalty λ E_x̂[(‖∇D(x̂)‖₂ - 1)²]), Section 4
    and Algorithm 1 (x̂ = εx + (1 - ε)x̃ with x ~ P_r, x̃ ~ P_g drawn independently and
    ε ~ U[0, 1]; λ = 10).

Conventions: ``p`` is the data distribution P_r and ``q`` the generator's P_g; a critic f is
"high on the data", so its value is E_p f - E_q f (the negative of the critic loss of
Gulrajani et al.'s eq. (3), without the penalty).  Exact optimal transport comes from
:func:`theory.optimal_transport.wasserstein_discrete` and W1 on the line from
:func:`theory.divergences.wasserstein_1d`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.spatial.distance import cdist

from theory.validation import (
    PROBABILITY_SUM_RTOL,
    as_float_array,
    broadcast_pair,
    check_positive,
    check_probability,
)
from theory.divergences import wasserstein_1d
from theory.optimal_transport import wasserstein_discrete

__all__ = [
    "KRCritic",
    "kantorovich_rubinstein_critic",
    "clipped_linear_critic_distance",
    "ClippingCounterexample",
    "weight_clipping_counterexample",
    "GPCritic1D",
    "wgan_gp_optimal_critic_1d",
    "wgan_gp_penalized_value_1d",
]

#: Elements of the (pairs x cells) coverage block built at once by the 1-D WGAN-GP solver.
_BLOCK = 1 << 22
_EPS = float(np.finfo(float).eps)


def _to_dict(obj: Any) -> dict:
    out = {}
    for k, v in dataclasses.asdict(obj).items():
        out[k] = v.tolist() if isinstance(v, np.ndarray) else v
    return out


def _points(points: Any, n: int | None = None) -> np.ndarray:
    x = as_float_array(points, "points")
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2:
        raise ValueError(f"`points` must have shape (n,) or (n, d) (got {x.shape})")
    if n is not None and x.shape[0] != n:
        raise ValueError(
            f"`points` must have one row per atom of `p` and `q` ({n}) (got {x.shape[0]})"
        )
    return x


# ================================================================ WGAN: the exact critic


@dataclass(frozen=True)
class KRCritic:
    """An optimal Kantorovich-Rubinstein critic on a finite set of points.

    Source: Arjovsky, Chintala & Bottou (2017), eq. (2); Villani (2009), Theorem 5.10.

    Attributes
    ----------
    points : ndarray, shape (n, d)
        The support shared by the two distributions.
    f : ndarray, shape (n,)
        Critic values f(x_i): 1-Lipschitz for the Euclidean distance, E_p f - E_q f = W1.
    w1 : float
        W1(p, q), the value of the transport linear programme.
    critic_value : float
        E_p f - E_q f (equals ``w1`` to the LP's tolerance).
    lipschitz : float
        max over pairs of distinct points of |f_i - f_j| / ‖x_i - x_j‖ (<= 1 up to rounding;
        0 when all points coincide).
    """

    points: np.ndarray
    f: np.ndarray
    w1: float
    critic_value: float
    lipschitz: float

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return _to_dict(self)


def kantorovich_rubinstein_critic(p: Any, q: Any, points: Any) -> KRCritic:
    r"""The exact WGAN critic: a 1-Lipschitz f with E_p f - E_q f = W1(p, q).

    .. math::

       W_1(p, q) = \min_\pi \sum_{ij} \pi_{ij} \|x_i - x_j\|
       = \max_{f\ 1\text{-Lipschitz}} \sum_i (p_i - q_i)\, f(x_i) .

    Source: Arjovsky, Chintala & Bottou (2017), eqs. (1)-(2) (Kantorovich-Rubinstein duality);
    Villani (2009), Theorem 5.10.

    Parameters
    ----------
    p, q : array_like, shape (n,)
        Probability vectors on the same n points (p is P_r, q is P_g; zero atoms allowed).
    points : array_like, shape (n,) or (n, d)
        The points, with the Euclidean distance.

    Returns
    -------
    KRCritic
        The critic values ``f``, ``w1``, ``critic_value`` = E_p f - E_q f and the measured
        Lipschitz constant.

    Raises
    ------
    ValueError
        If ``p`` or ``q`` is not a probability vector, or ``points`` has the wrong shape or
        non-finite entries (all named).

    Notes
    -----
    The critic is the dual potential of :func:`theory.optimal_transport.wasserstein_discrete`
    with the cost C_ij = ‖x_i - x_j‖, a metric on the points: its c-transform post-processing
    makes f 1-Lipschitz and the other potential -f, so the dual value Σ p f - Σ q f is W1.
    The critic is defined up to an additive constant.

    Examples
    --------
    >>> c = kantorovich_rubinstein_critic([1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 3.0])
    >>> c.w1, c.critic_value
    (3.0, 3.0)
    >>> [float(v) for v in c.f - c.f[0]]  # falls with slope 1 from the data to the model
    [0.0, -1.0, -3.0]
    """
    pa = check_probability(p, "p")
    qa = check_probability(q, "q")
    if pa.ndim != 1 or qa.shape != pa.shape:
        raise ValueError(
            f"`p` and `q` must be 1-D of the same length (got shapes {pa.shape} and {qa.shape})"
        )
    x = _points(points, pa.shape[0])
    cost = cdist(x, x)
    res = wasserstein_discrete(pa, qa, cost)
    f = res.f
    critic_value = float(pa @ f - qa @ f)
    off = cost > 0
    lip = float(np.max(np.abs(f[:, None] - f[None, :])[off] / cost[off])) if off.any() else 0.0
    return KRCritic(points=x, f=f, w1=res.value, critic_value=critic_value, lipschitz=lip)


# ================================================================ WGAN: weight clipping


def clipped_linear_critic_distance(p: Any, q: Any, points: Any, *, clip: float) -> Any:
    r"""The critic value of linear critics with clipped weights: c ‖E_p x - E_q x‖₁.

    .. math::

       \sup \big\{ \mathbb{E}_p f_w - \mathbb{E}_q f_w :\ f_w(x) = w^\top x + b,\ |w_k| \le c \big\}
       = c \sum_k \big|(\mathbb{E}_p x - \mathbb{E}_q x)_k\big|,

    attained at :math:`w^* = c\, \operatorname{sign}(\mathbb{E}_p x - \mathbb{E}_q x)` (any :math:`b`).

    Source: Arjovsky, Chintala & Bottou (2017), eq. (3) with the parameter box W = [-c, c]^d
    of Section 3 / Algorithm 1 (weight clipping), for the family of linear critics.

    Parameters
    ----------
    p, q : array_like, shape (..., n)
        Probability vectors on the n points; leading axes broadcast.
    points : array_like, shape (n,) or (n, d)
        The points x_i.
    clip : float
        The clipping constant c > 0.

    Returns
    -------
    distance : float or ndarray, shape (...)
        c ‖E_p x - E_q x‖₁.

    Raises
    ------
    ValueError
        If a probability vector is invalid, ``points`` does not match it, or ``clip`` <= 0.

    Notes
    -----
    Each f_w is Lipschitz with constant ‖w‖₂ <= c √d, so the distance is at most c √d · W1,
    but it is not K · W1 for any constant K: it only sees the means, and it is 0 for two
    different distributions with the same mean while W1 > 0 (see
    :func:`weight_clipping_counterexample`).  Arjovsky et al. state the K · W1 reading only
    under the assumption that the supremum of eq. (2) is attained inside the clipped family;
    for linear critics that assumption fails whenever the optimal 1-Lipschitz critic is not
    linear.

    Examples
    --------
    Same mean, different distributions: the clipped linear critic sees nothing.

    >>> float(clipped_linear_critic_distance([0.0, 1.0, 0.0], [0.5, 0.0, 0.5],
    ...                                      [-1.0, 0.0, 1.0], clip=0.01))
    0.0
    >>> float(clipped_linear_critic_distance([0.0, 1.0, 0.0], [0.0, 0.0, 1.0],
    ...                                      [-1.0, 0.0, 1.0], clip=0.01))
    0.01
    """
    c = check_positive(clip, "clip")
    pa = check_probability(p, "p")
    qa = check_probability(q, "q")
    pa, qa = broadcast_pair(pa, qa, ("p", "q"))
    x = _points(points, pa.shape[-1])
    out = c * np.abs((pa - qa) @ x).sum(axis=-1)
    return out[()] if out.ndim == 0 else out


@dataclass(frozen=True)
class ClippingCounterexample:
    """Two pairs of distributions with the same W1 and different clipped-critic distances.

    Source: Arjovsky, Chintala & Bottou (2017), eq. (3) and the remark after it ("up to a
    multiplicative constant" if the supremum is attained in the family).

    Attributes
    ----------
    points : ndarray, shape (3,)
        The support, (-1, 0, 1).
    p, q : ndarray, shape (2, 3)
        Row 0: p = δ_0, q = ½ δ_{-1} + ½ δ_1 (equal means); row 1: p = δ_0, q = δ_1.
    clip : float
        The clipping constant c.
    w1 : ndarray, shape (2,)
        W1 of each pair (both 1).
    clipped : ndarray, shape (2,)
        c |E_p x - E_q x| of each pair (0 and c).
    """

    points: np.ndarray
    p: np.ndarray
    q: np.ndarray
    clip: float
    w1: np.ndarray
    clipped: np.ndarray

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return _to_dict(self)


def weight_clipping_counterexample(*, clip: float = 0.01) -> ClippingCounterexample:
    """Two pairs on the line where the clipped linear critic is not proportional to W1.

    Pair 0: p = δ_0, q = ½(δ_{-1} + δ_1): W1 = 1, clipped distance 0 (equal means).
    Pair 1: p = δ_0, q = δ_1: W1 = 1, clipped distance c.
    A relation clipped = K · W1 would need K = 0 and K = c at once.

    Source: Arjovsky, Chintala & Bottou (2017), eq. (3), Section 3 and Algorithm 1 (clip
    constant c; the paper's default is 0.01).

    Parameters
    ----------
    clip : float, default 0.01
        The clipping constant c > 0.

    Returns
    -------
    ClippingCounterexample
        The points, both pairs, their W1 (by :func:`theory.divergences.wasserstein_1d`) and
        their clipped distances (by :func:`clipped_linear_critic_distance`).

    Raises
    ------
    ValueError
        If ``clip`` <= 0.

    Examples
    --------
    >>> ce = weight_clipping_counterexample(clip=0.01)
    >>> [float(v) for v in ce.w1], [float(v) for v in ce.clipped]
    ([1.0, 1.0], [0.0, 0.01])
    """
    c = check_positive(clip, "clip")
    points = np.array([-1.0, 0.0, 1.0])
    p = np.array([[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]])
    q = np.array([[0.5, 0.0, 0.5], [0.0, 0.0, 1.0]])
    w1 = np.array([wasserstein_1d(points, points, pi, qi) for pi, qi in zip(p, q)])
    clipped = np.asarray(clipped_linear_critic_distance(p, q, points, clip=c))
    return ClippingCounterexample(points=points, p=p, q=q, clip=c, w1=w1, clipped=clipped)


# ================================================================ WGAN-GP on the line


@dataclass(frozen=True)
class GPCritic1D:
    """The maximizer of the WGAN-GP critic objective on the line (see
    :func:`wgan_gp_optimal_critic_1d`).

    Source: Gulrajani et al. (2017), eq. (3), Section 4 and Algorithm 1; Proposition 1.

    Attributes
    ----------
    breakpoints : ndarray, shape (m,)
        z_0 < ... < z_{m-1}: the sorted distinct atoms of p and q.  Cell k is (z_k, z_{k+1}).
    delta : ndarray, shape (m - 1,)
        Δ_k = F_q - F_p on cell k (CDFs), so that E_p f - E_q f = Σ_k Δ_k ∫_cell f'.
    rho : ndarray, shape (m - 1,)
        Density of the interpolate x̂ on cell k (its absolutely continuous part).
    mass : ndarray, shape (m - 1,)
        ρ_k (z_{k+1} - z_k): the probability that x̂ falls in cell k.
    point_mass : float
        Mass of x̂ at single points (pairs with x_i = x̃_j); the penalty costs nothing there.
    slope : ndarray, shape (m - 1,)
        The optimal f' on each cell: sign(Δ)(1 + |Δ|/(2λρ)) where Δ ≠ 0 (±inf where ρ = 0),
        +1 where Δ = 0.
    critic_values : ndarray, shape (m,) or None
        f(z_k) with f(z_0) = 0; ``None`` when the supremum is not attained (value +inf).
    w1 : float
        W1(p, q).
    gap : float
        value - W1 = Σ_k (z_{k+1} - z_k) Δ_k²/(4λρ_k) >= 0 (+inf if Δ ≠ 0 = ρ on a cell).
    value : float
        The penalized optimum sup_f E_p f - E_q f - λ E_x̂[(|f'(x̂)| - 1)²] = W1 + gap.
    penalty : float
        λ E_x̂[(|f'(x̂)| - 1)²] at the optimum (= gap, since Σ |Δ|·width = W1 and the linear
        part exceeds W1 by twice the gap).
    penalty_weight : float
        λ.
    """

    breakpoints: np.ndarray
    delta: np.ndarray
    rho: np.ndarray
    mass: np.ndarray
    point_mass: float
    slope: np.ndarray
    critic_values: np.ndarray | None
    w1: float
    gap: float
    value: float
    penalty: float
    penalty_weight: float

    @property
    def attained(self) -> bool:
        """Whether an optimal critic exists (the value is finite)."""
        return bool(np.isfinite(self.value))

    def to_dict(self) -> dict:
        """JSON-ready dict (infinite numbers as floats, as ``json`` writes them)."""
        return _to_dict(self)


def _atoms_1d(values: Any, weights: Any, vname: str, wname: str) -> tuple[np.ndarray, np.ndarray]:
    x = as_float_array(values, vname)
    if x.ndim != 1:
        raise ValueError(f"`{vname}` must be 1-D (got shape {x.shape})")
    if weights is None:
        return x, np.full(x.shape[0], 1.0 / x.shape[0])
    w = check_probability(weights, wname)
    if w.shape != x.shape:
        raise ValueError(f"`{wname}` must have the shape of `{vname}` {x.shape} (got {w.shape})")
    return x, w / w.sum()  # accepted within 1e-9 of 1: rescaled so both CDFs end at 1


def _pairs(pairs: Any, pw: np.ndarray, qw: np.ndarray) -> np.ndarray:
    if pairs is None:
        return pw[:, None] * qw[None, :]
    pi = as_float_array(pairs, "pairs")
    if pi.shape != (pw.shape[0], qw.shape[0]):
        raise ValueError(
            f"`pairs` must have shape (len(p_values), len(q_values)) = "
            f"{(pw.shape[0], qw.shape[0])} (got {pi.shape})"
        )
    if pi.min() < 0:
        raise ValueError(f"`pairs` must be non-negative (got minimum {pi.min():.6g})")
    total = pi.sum()
    if abs(total - 1.0) > PROBABILITY_SUM_RTOL:
        raise ValueError(f"`pairs` must sum to 1 (got {total:.12g})")
    return pi / total


def _gp_solve(p_values, p_weights, q_values, q_weights, penalty_weight, pairs) -> GPCritic1D:
    lam = check_positive(penalty_weight, "penalty_weight")
    a, pw = _atoms_1d(p_values, p_weights, "p_values", "p_weights")
    b, qw = _atoms_1d(q_values, q_weights, "q_values", "q_weights")
    pi = _pairs(pairs, pw, qw)
    z = np.unique(np.concatenate([a, b]))
    m = z.shape[0]
    ia = np.searchsorted(z, a)
    ib = np.searchsorted(z, b)
    # Δ_k = F_q - F_p at the left end of cell k = S_p - S_q (mass to the right of it); each
    # cell uses the form with the smaller sums, whose rounding error is the smaller (a tail
    # mass of 1e-99 is not lost in 1 - (1 - 1e-99)).
    cp = np.bincount(ia, weights=pw, minlength=m)
    cq = np.bincount(ib, weights=qw, minlength=m)
    fp, fq = np.cumsum(cp)[:-1], np.cumsum(cq)[:-1]
    sp, sq = np.cumsum(cp[::-1])[::-1][1:], np.cumsum(cq[::-1])[::-1][1:]
    delta = np.where(sp + sq < fp + fq, sp - sq, fq - fp)
    # Density of x̂: pair (i, j) spreads π_ij uniformly on the segment between a_i and b_j,
    # i.e. π_ij/|a_i - b_j| on the cells from min to max.  Each ρ_k is summed from its own
    # positive terms (no cumulative sums with subtraction), block by block over pairs.
    ii, jj = np.nonzero(pi > 0)
    w = pi[ii, jj]
    lo = np.minimum(ia[ii], ib[jj])
    hi = np.maximum(ia[ii], ib[jj])
    seg = hi > lo
    point_mass = float(w[~seg].sum())
    lo, hi, w = lo[seg], hi[seg], w[seg]
    length = np.abs(a[ii[seg]] - b[jj[seg]])
    width = np.diff(z)
    # mass_k = width_k ρ_k = Σ π_ij width_k/|a_i - b_j| over the segments covering cell k: the
    # chance that x̂ lands in the cell (fractions <= 1, so nothing overflows even for
    # subnormal segment lengths, where ρ itself is +inf).
    mass = np.zeros(m - 1)
    cells = np.arange(m - 1)
    step = max(1, _BLOCK // max(m - 1, 1))
    for s in range(0, w.shape[0], step):  # blocks of pairs, not single pairs
        cover = (lo[s:s + step, None] <= cells) & (cells < hi[s:s + step, None])
        with np.errstate(over="ignore"):  # overflowing ratios belong to uncovered cells
            ratio = np.minimum(width[None, :] / length[s:s + step, None], 1.0)
        mass += w[s:s + step] @ np.where(cover, ratio, 0.0)
    with np.errstate(over="ignore"):  # ρ = +inf for a subnormal width: its rounded value
        rho = mass / width
    # Where no segment covers a cell, the CDFs agree there exactly for the default pairs (see
    # Notes); a difference within the rounding of the cumulative sums is such an agreement.
    uncovered = mass == 0
    delta[uncovered & (np.abs(delta) <= 4.0 * (a.shape[0] + b.shape[0]) * _EPS)] = 0.0
    excess = np.zeros(m - 1)  # |g*| - 1 = |Δ|/(2λρ), kept apart from the 1 (no cancellation)
    gap_terms = np.zeros(m - 1)
    moving = delta != 0
    pos = moving & ~uncovered
    moved = width[pos] * np.abs(delta[pos])  # |Δ| times the cell's width
    free = moving & uncovered
    # Overflow to +inf is the correctly rounded value of a huge slope (tiny mass).
    with np.errstate(over="ignore"):
        excess[pos] = moved / (2.0 * lam * mass[pos])
        gap_terms[pos] = moved * (moved / (4.0 * lam * mass[pos]))
        excess[free] = np.inf
        gap_terms[free] = np.inf
        slope = np.where(delta < 0, -1.0, 1.0) * (1.0 + excess)
        gap = float(gap_terms.sum())
        if np.isfinite(gap):
            critic = np.concatenate([[0.0], np.cumsum(slope * width)])
            penalty = float(lam * np.sum(mass * excess**2))
        else:
            critic, penalty = None, np.inf
    w1 = float(wasserstein_1d(a, b, pw, qw))
    return GPCritic1D(
        breakpoints=z, delta=delta, rho=rho, mass=mass, point_mass=point_mass, slope=slope,
        critic_values=critic, w1=w1, gap=gap, value=w1 + gap, penalty=penalty,
        penalty_weight=lam,
    )


def wgan_gp_optimal_critic_1d(
    p_values: Any,
    q_values: Any,
    p_weights: Any = None,
    q_weights: Any = None,
    *,
    penalty_weight: float,
    pairs: Any = None,
) -> GPCritic1D:
    r"""The exact maximizer of the WGAN-GP critic objective for discrete distributions on the line.

    .. math::

       \max_f\ \mathbb{E}_p f - \mathbb{E}_q f - \lambda\, \mathbb{E}_{\hat x}\big[(|f'(\hat x)| - 1)^2\big],
       \qquad \hat x = \epsilon x + (1 - \epsilon) \tilde x, \quad \epsilon \sim U[0, 1],

    with (x, x̃) ~ π (default π = p ⊗ q: independent draws, as in Algorithm 1).  Written with
    g = f', E_p f - E_q f = ∫ g Δ dx with Δ = F_q - F_p, and the penalty is λ ∫ ρ (|g| - 1)² dx
    (ρ: density of x̂).  The objective is maximized pointwise:

        g*(x) = sign Δ(x) · (1 + |Δ(x)|/(2λρ(x))),   value = W1(p, q) + ∫ Δ²/(4λρ) dx.

    Source: Gulrajani et al. (2017), eq. (3) (the penalized critic loss), Section 4 and
    Algorithm 1 (the interpolates); Proposition 1 (the unpenalized optimum has |f'| = 1 on the
    transport segments, here the limit λ → ∞).

    Parameters
    ----------
    p_values, q_values : array_like, shape (n,) and (m,)
        Atoms of p = P_r (data) and q = P_g (generator).
    p_weights, q_weights : array_like, optional
        Probability vectors of the atoms (uniform when ``None``; zero atoms allowed).
    penalty_weight : float
        λ > 0 (the paper uses 10).
    pairs : array_like, shape (n, m), optional
        Joint weights π_ij of drawing the pair (x_i, x̃_j) whose segment x̂ lies on; default
        p_i q_j (independent draws, Algorithm 1).  Pass an optimal coupling (e.g.
        ``wasserstein_discrete(...).plan``) to penalize only on the segments of Proposition 1,
        or any other non-negative matrix summing to 1.

    Returns
    -------
    GPCritic1D
        Cells, Δ, ρ, the optimal slopes and critic values, W1, the gap and the value.

    Raises
    ------
    ValueError
        If values are not 1-D/finite, weights are not probability vectors of the right shape,
        ``pairs`` is mis-shaped, negative or does not sum to 1, or ``penalty_weight`` <= 0.

    Notes
    -----
    Derivation (checked with sympy in ``proofs_check.wgan``).  Integration by parts on the
    line gives E_p f - E_q f = ∫ f'(x) (F_q(x) - F_p(x)) dx.  For fixed x maximize
    h(g) = g Δ - λρ (|g| - 1)²:

    - Δ > 0: h(-t) < h(t) for t > 0, so g > 0; there h is a concave quadratic with
      h'(g) = Δ - 2λρ(g - 1) = 0 at g* = 1 + Δ/(2λρ), h(g*) = Δ + Δ²/(4λρ), and
      h(g*) - h(g) = λρ (g - g*)².  Δ < 0 is the mirror image.
    - Δ = 0, ρ > 0: h = -λρ(|g| - 1)² is maximal (0) at |g| = 1; we return +1.
    - ρ = 0: the penalty does not constrain g there.  If Δ ≠ 0 on a cell, h is unbounded:
      the supremum is +inf, no optimal critic exists (``critic_values`` is ``None``) and the
      slope is returned as ±inf.  If Δ = 0, h = 0 for every g; we return +1.

    Summing Σ_k width_k (|Δ_k| + Δ_k²/(4λρ_k)) over the cells between consecutive atoms
    (where Δ and ρ are constant) gives the value exactly; Σ width |Δ| = W1, computed here by
    :func:`theory.divergences.wasserstein_1d`.  The gap Σ width Δ²/(4λρ) is > 0 whenever
    p ≠ q and falls exactly like 1/λ.  The penalized critic is steeper than 1 wherever Δ ≠ 0:
    |g*| - 1 = |Δ|/(2λρ), so Proposition 1's unit gradient norm holds only in the limit.

    With independent pairs (the default) ρ > 0 on every cell where Δ ≠ 0: if F_q > F_p on a
    cell, q has an atom at or left of it and p one at or right of it, and their segment
    covers the cell (likewise for F_q < F_p).  So the value is finite; +inf needs a
    ``pairs`` matrix whose segments miss a cell where the CDFs differ (e.g. π = δ at a single
    pair of equal atoms).  The same holds for an optimal coupling, which moves mass |Δ_k|
    across every cell.  Pairs with x_i = x̃_j put their mass π_ij at one point
    (``point_mass``): a single point does not enter ∫ g Δ, so |f'| = 1 there costs nothing.

    Precision: Δ is taken from whichever of the left or right cumulative sums is smaller, so
    tail masses are kept to full relative precision.  Weights below ~1e-150 make pair
    weights π_ij = p_i q_j subnormal, with only a few significant bits; on cells covered only
    by such pairs, ρ and the slope lose relative precision (their gap terms are below 1e-300).

    Examples
    --------
    Two point masses at distance d: ρ = 1/d on the segment, Δ = 1, value = d + d²/(4λ).

    >>> c = wgan_gp_optimal_critic_1d([2.0], [0.0], penalty_weight=10.0)
    >>> c.w1, c.gap, c.value  # 2 + 4/40
    (2.0, 0.1, 2.1)
    >>> float(c.slope[0])     # 1 + 1/(2·10·(1/2))
    1.1
    """
    return _gp_solve(p_values, p_weights, q_values, q_weights, penalty_weight, pairs)


def wgan_gp_penalized_value_1d(
    p_values: Any,
    q_values: Any,
    p_weights: Any = None,
    q_weights: Any = None,
    *,
    penalty_weight: float,
    pairs: Any = None,
) -> float:
    r"""The optimal value of the WGAN-GP critic objective on the line: W1 + ∫ Δ²/(4λρ) dx.

    .. math::

       \sup_f\ \mathbb{E}_p f - \mathbb{E}_q f - \lambda\, \mathbb{E}_{\hat x}\big[(|f'(\hat x)| - 1)^2\big]
       = W_1(p, q) + \sum_k (z_{k+1} - z_k) \frac{\Delta_k^2}{4 \lambda \rho_k},

    with Δ = F_q - F_p and ρ the density of the interpolates (see
    :func:`wgan_gp_optimal_critic_1d` for the derivation and the cases ρ = 0).

    Source: Gulrajani et al. (2017), eq. (3), Section 4 and Algorithm 1.

    Parameters
    ----------
    p_values, q_values : array_like, shape (n,) and (m,)
        Atoms of p = P_r and q = P_g.
    p_weights, q_weights : array_like, optional
        Their probability vectors (uniform when ``None``).
    penalty_weight : float
        λ > 0.
    pairs : array_like, shape (n, m), optional
        Joint weights of the pairs the interpolates are drawn between (default p ⊗ q).

    Returns
    -------
    value : float
        >= W1(p, q); the excess (the gap) is positive iff p ≠ q and equals C/λ; +inf if the
        interpolates miss a cell where the CDFs differ.

    Raises
    ------
    ValueError
        As :func:`wgan_gp_optimal_critic_1d`.

    Examples
    --------
    p = ½(δ_0 + δ_2), q = δ_1: Δ = -½ on (0, 1) and ½ on (1, 2), ρ = ½ on both cells,
    so the gap is 2 · (1/4)/(4λ/2) = 1/(4λ).

    >>> wgan_gp_penalized_value_1d([0.0, 2.0], [1.0], penalty_weight=10.0)  # 1 + 1/40
    1.025
    """
    return _gp_solve(p_values, p_weights, q_values, q_weights, penalty_weight, pairs).value
