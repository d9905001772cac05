"""Closed forms for the scalar discounted linear-quadratic regulator (LQR) under linear policies.

The problem (one state, one action, Gaussian process noise)::

    x_{t+1} = a x_t + b u_t + σ w_t,      w_t ~ N(0, 1) i.i.d.,     x_0 ~ N(0, x0_var),
    reward  r(x, u) = −(q x² + r u²),     return  J = E Σ_t γᵗ r(x_t, u_t),

with q ≥ 0, r > 0 and γ ∈ [0, 1).  The deterministic linear policy μ_k(x) = −k x gives the
closed loop x' = c x + σ w with c = a − b k, and, whenever γ c² < 1,

    V_k(x)    = −p_k x² − C_k,            p_k = (q + r k²) / (1 − γ c²),   C_k = γ p_k σ² / (1 − γ),
    Q_k(x, u) = −(q x² + r u²) − γ p_k (a x + b u)² − C_k,
    J(k)      = −p_k (x0_var + γ σ² / (1 − γ)),
    ∫ ρ^μ(s) s² ds = (x0_var + γ σ² / (1 − γ)) / (1 − γ c²)      (unnormalized visitation ρ^μ).

The optimal policy is linear, u = −k* x, with the scalar discounted Riccati equation

    P = q + γ a² P − γ² a² b² P² / (r + γ b² P),      k* = γ a b P / (r + γ b² P),

i.e. the positive root of γ b² P² + (r (1 − γ a²) − γ q b²) P − q r = 0; p_{k*} = P.

The deterministic policy gradient of J with respect to the gain (Silver et al. 2014, Theorem 1,
eq. (9), with μ_k(s) = −k s, so ∂μ/∂k = −s) is

    ∂J/∂k = ∫ ρ^μ(s) ∂μ_k(s)/∂k ∂Q_k(s, u)/∂u |_{u = μ_k(s)} ds = −2 (r k − γ p_k b c) ∫ ρ^μ(s) s² ds,

which vanishes exactly at k*.

Papers
------
Silver, D., Lever, G., Heess, N., Degris, T., Wierstra, D. & Riedmiller, M. (2014).
    Deterministic Policy Gradient Algorithms. ICML.  Eq. (8) (J as an integral over the
    discounted state distribution ρ^μ) and Theorem 1, eq. (9) (the DPG theorem).
Bertsekas, D. P. (2017). Dynamic Programming and Optimal Control, Vol. I (4th ed.),
    Section 3.1 (linear systems with quadratic cost: the Riccati equation and the linear
    optimal policy; here in its discounted, scalar form, discount absorbed as √γ a, √γ b).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from theory.docstrings import doc_params
from theory.validation import as_float_array, check_nonnegative, check_positive, check_unit_interval

__all__ = [
    "LQRPolicyValue",
    "LQROptimum",
    "lqr_policy_value",
    "lqr_q_value",
    "lqr_return",
    "lqr_discounted_state_moment",
    "lqr_dpg_gradient",
    "lqr_riccati",
    "lqr_optimal",
    "check_lqr_problem",
]


# --------------------------------------------------------------------------- validation


def _real(x: Any, name: str) -> float:
    """A finite real scalar (numpy scalars and 0-d arrays accepted)."""
    arr = as_float_array(x, name)
    if arr.ndim != 0:
        raise ValueError(f"`{name}` must be a scalar (got shape {arr.shape})")
    return float(arr)


#: The problem's parameters as the docstrings here (and :class:`solvers.problems.lqr.ScalarLQR`)
#: describe them, filled in at import by :func:`lqr_doc`.
LQR_DOC = {
    "problem": "a, b : float\n        Dynamics x' = a x + b u + σ w.\n    q : float >= 0\n    r : float > 0\n"
               "        Reward −(q x² + r u²).\n    gamma : float in [0, 1)",
}
lqr_doc = doc_params(LQR_DOC)


@lqr_doc
def check_lqr_problem(a: Any, b: Any, q: Any, r: Any, gamma: Any) -> tuple[float, float, float, float, float]:
    """Validate the scalar discounted LQR problem (a, b, q, r, γ) and return it as floats.

    The one check of the problem's parameters, shared by the closed forms here and the
    simulator :class:`solvers.problems.lqr.ScalarLQR`.

    Source: the problem of Bertsekas (2017), Vol. I, Section 3.1 (q >= 0, r > 0) with a
    discount γ < 1.

    Parameters
    ----------
    %(problem)s

    Returns
    -------
    a, b, q, r, gamma : float

    Raises
    ------
    ValueError, TypeError
        A non-scalar or non-finite a or b, q < 0, r <= 0, γ outside [0, 1) (each named).

    Examples
    --------
    >>> check_lqr_problem(1, 1, 1, 1, 0.5)
    (1.0, 1.0, 1.0, 1.0, 0.5)
    """
    return (_real(a, "a"), _real(b, "b"), check_nonnegative(q, "q"), check_positive(r, "r"),
            check_unit_interval(gamma, "gamma", open_right=True))


def _noise(sigma: Any, x0_var: Any) -> tuple[float, float]:
    return check_nonnegative(sigma, "sigma"), check_nonnegative(x0_var, "x0_var")


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class LQRPolicyValue:
    """Value of the linear policy u = −k x: V_k(x) = −p x² − const.

    Source: Silver et al. (2014), Section 2 (Q^μ and the Bellman equation for a deterministic
    policy); the quadratic form solves that Bellman equation for the LQR (see module notes).

    Attributes
    ----------
    k : ndarray
        The gains (broadcast shape).
    p : ndarray
        (q + r k²) / (1 − γ c²); +inf where γ c² ≥ 1 (the closed loop blows up under discount)
        unless the reward is identically zero (q + r k² = 0), where p = 0.
    const : ndarray
        γ p σ² / (1 − γ) (0 when σ = 0, even where p = inf).
    closed_loop : ndarray
        c = a − b k.
    """

    k: np.ndarray
    p: np.ndarray
    const: np.ndarray
    closed_loop: np.ndarray

    @property
    def stable(self) -> np.ndarray:
        """γ c² < 1 (the discounted value is finite for every start state)."""
        return np.isfinite(self.p)

    def value(self, x: Any) -> np.ndarray:
        """V_k(x) = −p x² − const (x = 0 contributes no x² term, even where p = inf)."""
        x = as_float_array(x, "x")
        return -(_times(self.p, x * x) + self.const)


@dataclass(frozen=True)
class LQROptimum:
    """The optimal policy of the scalar discounted LQR (see :func:`lqr_optimal`).

    Source: Bertsekas (2017), Vol. I, Section 3.1 (Riccati equation, linear optimal policy),
    discounted scalar form.

    Attributes
    ----------
    P : float
        Positive root of the Riccati equation; V*(x) = −P x² − const.
    k : float
        Optimal gain k*, u* = −k* x.
    closed_loop : float
        a − b k*.
    const : float
        γ P σ² / (1 − γ).
    J : float
        Optimal return −P (x0_var + γ σ² / (1 − γ)).
    """

    P: float
    k: float
    closed_loop: float
    const: float
    J: float


def _times(p: np.ndarray, w: np.ndarray) -> np.ndarray:
    """p · w with the convention inf · 0 = 0 (a zero weight: the term never occurs)."""
    p, w = np.broadcast_arrays(np.asarray(p, dtype=float), np.asarray(w, dtype=float))
    return np.where(w == 0, 0.0, p * np.where(w == 0, 1.0, w))


# --------------------------------------------------------------------------- linear policies


@lqr_doc
def lqr_policy_value(k: Any, a: float, b: float, q: float, r: float, gamma: float, *,
                     sigma: float = 0.0) -> LQRPolicyValue:
    """V_k(x) = −p_k x² − C_k for the linear policy u = −k x.

    p_k = (q + r k²) / (1 − γ (a − b k)²),    C_k = γ p_k σ² / (1 − γ),

    the unique quadratic solution of the Bellman equation
    V(x) = −(q + r k²) x² + γ E V(c x + σ w) when γ c² < 1.

    Source: Silver et al. (2014), Section 2 (Bellman equation of Q^μ for a deterministic
    policy); closed form derived in this module's notes (checked symbolically in
    ``proofs_check.silver2014``).

    Parameters
    ----------
    k : array_like
        Gains (any shape; broadcast).
    %(problem)s
    sigma : float >= 0, keyword-only
        Process-noise standard deviation.

    Returns
    -------
    LQRPolicyValue
        Fields ``k``, ``p``, ``const``, ``closed_loop`` (arrays of the shape of ``k``).

    Raises
    ------
    ValueError, TypeError
        Non-finite or non-real ``k``/``a``/``b``; q < 0; r <= 0; γ outside [0, 1); σ < 0.

    Examples
    --------
    a = b = q = r = 1, γ = 1/2, k = 0: c = 1, p = 1 / (1 − 1/2) = 2, and with σ = 1,
    C = (1/2) · 2 · 1 / (1/2) = 2.

    >>> v = lqr_policy_value(0.0, 1, 1, 1, 1, 0.5, sigma=1.0)
    >>> float(v.p), float(v.const)
    (2.0, 2.0)
    """
    a, b, q, r, gamma = check_lqr_problem(a, b, q, r, gamma)
    sigma = check_nonnegative(sigma, "sigma")
    k = as_float_array(k, "k")
    c = a - b * k
    num = q + r * k * k
    den = 1.0 - gamma * c * c
    stable = den > 0
    p = np.where(num == 0, 0.0, np.where(stable, num / np.where(stable, den, 1.0), np.inf))
    const = _times(p, np.full(p.shape, gamma * sigma * sigma / (1.0 - gamma)))
    return LQRPolicyValue(k=k, p=p, const=const, closed_loop=c)


def lqr_q_value(x: Any, u: Any, k: Any, a: float, b: float, q: float, r: float, gamma: float, *,
                sigma: float = 0.0) -> np.ndarray:
    """Q_k(x, u) of the linear policy u = −k x, at any state-action pairs.

    Q_k(x, u) = r(x, u) + γ E V_k(a x + b u + σ w) = −(q x² + r u²) − γ p_k (a x + b u)² − C_k

    (using E (m + σ w)² = m² + σ² and C_k = γ (p_k σ² + C_k)).

    Source: Silver et al. (2014), Section 2 (Q^μ(s, a) = E[r + γ Q^μ(s', μ(s'))], the
    action-value of a deterministic policy); closed form of this module's notes.

    Parameters
    ----------
    x, u : array_like
        States and actions (broadcast together and with ``k``).
    k, a, b, q, r, gamma, sigma
        As :func:`lqr_policy_value`.

    Returns
    -------
    ndarray
        Broadcast shape of ``x``, ``u`` and ``k``; −inf where the policy's value is −inf and the
        next state is not surely 0.

    Raises
    ------
    ValueError, TypeError
        As :func:`lqr_policy_value`, and for non-finite ``x``/``u`` or shapes that do not
        broadcast.

    Examples
    --------
    a = b = q = r = 1, γ = 1/2, σ = 0, k = 0 (p = 2): Q(1, 0) = −1 − (1/2) · 2 · 1 = −2 = V(1),
    and Q(1, −1) = −1 − 1 − 0 = −2 as well (moving straight to 0 is as good).

    >>> float(lqr_q_value(1.0, 0.0, 0.0, 1, 1, 1, 1, 0.5)), float(lqr_q_value(1.0, -1.0, 0.0, 1, 1, 1, 1, 0.5))
    (-2.0, -2.0)
    """
    v = lqr_policy_value(k, a, b, q, r, gamma, sigma=sigma)
    x = as_float_array(x, "x")
    u = as_float_array(u, "u")
    try:
        x, u, p, const = np.broadcast_arrays(x, u, v.p, v.const)
    except ValueError:
        raise ValueError(f"`x`, `u` and `k` have shapes {np.shape(x)}, {np.shape(u)} and {np.shape(v.k)}, "
                         "which do not broadcast") from None
    mean_next = float(a) * x + float(b) * u
    return -(float(q) * x * x + float(r) * u * u) - _times(p, float(gamma) * mean_next * mean_next) - const


def lqr_return(k: Any, a: float, b: float, q: float, r: float, gamma: float, *, sigma: float = 0.0,
               x0_var: float = 1.0) -> np.ndarray:
    """Expected discounted return J(k) = E V_k(x_0) of u = −k x from x_0 ~ N(0, x0_var).

    J(k) = −p_k x0_var − C_k = −p_k (x0_var + γ σ² / (1 − γ)).

    Source: Silver et al. (2014), eq. (8) (J(μ_θ) = ∫ ρ^μ(s) r(s, μ_θ(s)) ds = E[V^μ(s_0)]).

    Parameters
    ----------
    k, a, b, q, r, gamma, sigma
        As :func:`lqr_policy_value`.
    x0_var : float >= 0, keyword-only
        Variance of the start state.

    Returns
    -------
    ndarray
        Shape of ``k``; −inf for gains whose discounted closed loop diverges (unless the state
        and rewards are surely 0).

    Raises
    ------
    ValueError, TypeError
        As :func:`lqr_policy_value`, and x0_var < 0.

    Examples
    --------
    The optimum of a = b = q = r = 1, γ = 1/2 is P = √2 (see :func:`lqr_optimal`), so
    J(k*) = −√2 from x_0 ~ N(0, 1) without noise; k = 0 gives −2.

    >>> round(float(lqr_return(2 ** 0.5 - 1, 1, 1, 1, 1, 0.5)), 12), float(lqr_return(0.0, 1, 1, 1, 1, 0.5))
    (-1.414213562373, -2.0)
    """
    sigma, x0_var = _noise(sigma, x0_var)
    v = lqr_policy_value(k, a, b, q, r, gamma, sigma=sigma)
    return -(_times(v.p, np.full(v.p.shape, x0_var)) + v.const)


def lqr_discounted_state_moment(k: Any, a: float, b: float, gamma: float, *, sigma: float = 0.0,
                                x0_var: float = 1.0) -> np.ndarray:
    """Second moment of the unnormalized discounted state distribution of u = −k x.

    M₂(k) = ∫ ρ^μ(s) s² ds = Σ_t γᵗ E x_t² = (x0_var + γ σ² / (1 − γ)) / (1 − γ c²),   c = a − b k,

    from E x_{t+1}² = c² E x_t² + σ².  ρ^μ has total mass 1/(1 − γ) (Silver et al.'s
    definition, t counted from the start state).

    Source: Silver et al. (2014), Section 2, definition of ρ^μ(s') (discounted state
    distribution) used in eq. (8) and Theorem 1.

    Parameters
    ----------
    k : array_like
    a, b : float
    gamma : float in [0, 1)
    sigma : float >= 0, keyword-only
    x0_var : float >= 0, keyword-only

    Returns
    -------
    ndarray
        Shape of ``k``; +inf where γ c² ≥ 1 (unless the state is surely 0).

    Raises
    ------
    ValueError, TypeError
        Bad ``k``, ``a``, ``b``, γ, σ or x0_var.

    Examples
    --------
    c = 0 (k = a/b): the state is x_0 then pure noise, M₂ = x0_var + γ σ² / (1 − γ); with
    x0_var = 1, σ = 1, γ = 1/2 that is 2.

    >>> float(lqr_discounted_state_moment(1.0, 1, 1, 0.5, sigma=1.0))
    2.0
    """
    a, b = _real(a, "a"), _real(b, "b")
    gamma = check_unit_interval(gamma, "gamma", open_right=True)
    sigma, x0_var = _noise(sigma, x0_var)
    k = as_float_array(k, "k")
    c = a - b * k
    den = 1.0 - gamma * c * c
    scale = x0_var + gamma * sigma * sigma / (1.0 - gamma)
    stable = den > 0
    m2 = np.where(stable, scale / np.where(stable, den, 1.0), np.inf)
    return np.where(scale == 0, 0.0, m2)


def lqr_dpg_gradient(k: Any, a: float, b: float, q: float, r: float, gamma: float, *, sigma: float = 0.0,
                     x0_var: float = 1.0) -> np.ndarray:
    """∂J/∂k by the deterministic policy gradient theorem, for μ_k(s) = −k s.

    ∇_k J = ∫ ρ^μ(s) ∂μ_k(s)/∂k · ∂Q_k(s, u)/∂u |_{u = μ_k(s)} ds,
    with ∂μ/∂k = −s and ∂Q_k/∂u |_{u = −k s} = −2 r u − 2 γ p_k b (a s + b u) = 2 s (r k − γ p_k b c),
    hence ∇_k J = −2 (r k − γ p_k b c) M₂(k)  (M₂ from :func:`lqr_discounted_state_moment`).

    It is the exact derivative of :func:`lqr_return` (checked against finite differences and
    symbolically) and vanishes at k* (the optimality condition r k = γ p_k b c).

    Source: Silver et al. (2014), Theorem 1, eq. (9).

    Parameters
    ----------
    k, a, b, q, r, gamma, sigma, x0_var
        As :func:`lqr_return`.

    Returns
    -------
    ndarray
        Shape of ``k``.

    Raises
    ------
    ValueError
        Where γ (a − b k)² ≥ 1 (unless x0_var = σ = 0, where J ≡ 0): J is −inf there and has
        no gradient (the error names ``k``); and as :func:`lqr_return` for bad arguments.

    Examples
    --------
    a = b = q = r = 1, γ = 1/2, k = 0: p = 2, c = 1, M₂ = 1 / (1 − 1/2) = 2, so
    ∇J = −2 (0 − (1/2) · 2 · 1 · 1) · 2 = 4 > 0 (raise the gain); at k* = √2 − 1 it is 0.

    >>> float(lqr_dpg_gradient(0.0, 1, 1, 1, 1, 0.5))
    4.0
    >>> abs(float(lqr_dpg_gradient(2 ** 0.5 - 1, 1, 1, 1, 1, 0.5))) < 1e-15
    True
    """
    sigma, x0_var = _noise(sigma, x0_var)
    v = lqr_policy_value(k, a, b, q, r, gamma, sigma=sigma)
    gamma_f = float(gamma)
    if x0_var == 0 and sigma == 0:
        return np.zeros(v.k.shape)  # the state is surely 0: J ≡ 0 for every gain
    unstable = gamma_f * v.closed_loop * v.closed_loop >= 1.0
    if np.any(unstable):
        bad = np.asarray(v.k)[unstable].flat[0]
        raise ValueError(f"`k` = {bad!r} gives γ (a − b k)² ≥ 1: J(k) = −inf has no gradient there")
    m2 = lqr_discounted_state_moment(v.k, a, b, gamma, sigma=sigma, x0_var=x0_var)
    slope = float(r) * v.k - gamma_f * v.p * float(b) * v.closed_loop
    return -2.0 * slope * m2


# --------------------------------------------------------------------------- the optimum


@lqr_doc
def lqr_riccati(a: float, b: float, q: float, r: float, gamma: float) -> float:
    """Positive root P of the scalar discounted Riccati equation.

    P = q + γ a² P − γ² a² b² P² / (r + γ b² P)
      ⇔  γ b² P² + β P − q r = 0,   β = r (1 − γ a²) − γ q b²,

    computed without cancellation: P = 2 q r / (β + √(β² + 4 γ b² q r)) when β > 0, else
    (√(β² + 4 γ b² q r) − β) / (2 γ b²).  With b = 0 (or γ = 0) it is q / (1 − γ a²).

    Source: Bertsekas (2017), Vol. I, Section 3.1, the Riccati equation for linear-quadratic
    problems, with the discount absorbed into the dynamics (√γ a, √γ b).

    Parameters
    ----------
    %(problem)s

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If no policy has a finite value (γ b² = 0, γ a² ≥ 1 and q > 0: the error names ``b``);
        bad arguments.

    Examples
    --------
    a = b = q = r = 1, γ = 1/2: β = 0, so P = √(4 · 1/2) / (2 · 1/2) = √2.

    >>> lqr_riccati(1, 1, 1, 1, 0.5) == 2 ** 0.5
    True
    """
    a, b, q, r, gamma = check_lqr_problem(a, b, q, r, gamma)
    if q == 0:
        return 0.0
    if b == 0 or gamma == 0:  # (not γ b² == 0: b = 1e-170 still controls the state)
        with np.errstate(over="ignore"):
            ga2 = float(np.float64(gamma) * a * a)
        if not 1.0 - ga2 > 0:
            raise ValueError(f"`b` = {b!r} (or γ = 0) leaves the state uncontrolled and γ a² = {ga2!r} "
                             "≥ 1: every policy has value −inf")
        return q / (1.0 - ga2)
    return _riccati_scaled(a, b, q, r, gamma)


def _split(*factors: float) -> tuple[float, int]:
    """The product of positive factors as (mantissa, exponent) with mantissa in [1/2, 1):
    exact exponent bookkeeping, so products far beyond the double range stay representable."""
    mant, expo = 1.0, 0
    for f in factors:
        fm, fe = np.frexp(f)
        mant, expo = mant * float(fm), expo + int(fe)
        mm, me = np.frexp(mant)
        mant, expo = float(mm), expo + int(me)
    return mant, expo


def _riccati_scaled(a: float, b: float, q: float, r: float, gamma: float) -> float:
    """P = q x with x the positive root of ω² x² + (1 - u² - ω²) x - 1 = 0, where u² = γ a²
    and ω² = γ b² q / r (the Riccati equation divided by q r), evaluated in units of a power
    of two M >= max(1, u, ω), so that no square overflows for any finite inputs (b = 1e100
    gives γ b² ~ 1e200 and β² ~ 1e400 in the unscaled form; ω itself may exceed 1e308)."""
    sg = float(np.sqrt(gamma))
    u_m, u_e = _split(sg, abs(a)) if a != 0 else (0.0, 0)
    w_m, w_e = _split(sg, abs(b), float(np.sqrt(q)), 1.0 / float(np.sqrt(r)))
    E = max(1, u_e, w_e)                                  # M = 2**E
    with np.errstate(under="ignore"):
        um = float(np.ldexp(u_m, u_e - E))
        wm = float(np.ldexp(w_m, w_e - E))
        im = float(np.ldexp(1.0, -E))
        H = im * im - um * um - wm * wm                   # h / M², h = 1 - u² - ω²
        S = float(np.hypot(H, 2.0 * wm * im))             # sqrt(h² + 4ω²) / M²
    if H > 0:   # x = 2 / (h + sqrt(h² + 4ω²)): no cancellation (h > 0 forces M = 2)
        x = 2.0 / (H + S) * im * im
    else:       # x = (sqrt(h² + 4ω²) - h) / (2ω²) = ((S - H)/2) (M/ω)², non-negative terms
        ratio_m, ratio_e = 1.0 / w_m, E - w_e             # M/ω = ratio_m · 2**ratio_e
        if not S > H:
            return 0.0
        p_m, p_e = _split(q, 0.5 * (S - H), ratio_m * ratio_m)   # q may be subnormal
        with np.errstate(over="ignore", under="ignore"):
            return float(np.ldexp(p_m, p_e + 2 * ratio_e))
    with np.errstate(over="ignore"):
        return float(np.float64(q) * x)


def lqr_optimal(a: float, b: float, q: float, r: float, gamma: float, *, sigma: float = 0.0,
                x0_var: float = 1.0) -> LQROptimum:
    """The optimal linear policy u = −k* x, its value and return.

    k* = γ a b P / (r + γ b² P),   V*(x) = −P x² − γ P σ² / (1 − γ),
    J* = −P (x0_var + γ σ² / (1 − γ)),

    with P from :func:`lqr_riccati`.  k* is the greedy gain of its own Q (r k = γ P b (a − b k)),
    and p_{k*} = P.

    Source: Bertsekas (2017), Vol. I, Section 3.1 (discounted scalar form); Silver et al.
    (2014), Theorem 1 (the DPG vanishes at k*).

    Parameters
    ----------
    a, b, q, r, gamma
        As :func:`lqr_riccati`.
    sigma, x0_var : float >= 0, keyword-only
        Noise standard deviation and start-state variance.

    Returns
    -------
    LQROptimum
        Fields ``P``, ``k``, ``closed_loop``, ``const``, ``J``.

    Raises
    ------
    ValueError, TypeError
        As :func:`lqr_riccati`, and σ < 0 or x0_var < 0.

    Examples
    --------
    a = b = q = r = 1, γ = 1/2: P = √2 and k* = (1/2)√2 / (1 + (1/2)√2) = √2 − 1.

    >>> opt = lqr_optimal(1, 1, 1, 1, 0.5)
    >>> round(opt.P, 12), round(opt.k, 12), round(opt.J, 12)
    (1.414213562373, 0.414213562373, -1.414213562373)
    """
    P = lqr_riccati(a, b, q, r, gamma)
    a, b, q, r, gamma = check_lqr_problem(a, b, q, r, gamma)
    sigma, x0_var = _noise(sigma, x0_var)
    # k* = (a/b) t/(1 + t) with t = γ b² P / r, which may overflow (b = 1e200): then
    # t/(1 + t) = 1 - 1/(1 + t) is taken as 1/(1 + 1/t).
    t = 0.0
    if b == 0 or P == 0 or a == 0 or gamma == 0:
        k = 0.0
    else:
        # mantissa/exponent bookkeeping: b, q, r may be subnormal or huge (γ b² P / r
        # would overflow or give 0 · inf)
        r_m, r_e = np.frexp(r)
        t_m, t_e = _split(gamma, abs(b), abs(b), P)
        with np.errstate(over="ignore", under="ignore"):
            t = float(np.ldexp(t_m / float(r_m), t_e - int(r_e)))
            sign = float(np.sign(a) * np.sign(b))
            if t <= 1.0:   # k = a γ b P / (r (1 + t))
                n_m, n_e = _split(abs(a), gamma, abs(b), P)
                k = sign * float(np.ldexp(n_m / float(r_m), n_e - int(r_e))) / (1.0 + t)
            else:          # k = (a / b) / (1 + 1/t)
                k = float(np.float64(a) / b) / (1.0 + 1.0 / t)
    # closed loop a - b k* = a / (1 + t): no cancellation, finite even when k* overflows
    closed = a / (1.0 + t)
    with np.errstate(over="ignore"):
        const = 0.0 if sigma == 0 or P == 0 else float(np.float64(gamma) * P * sigma * sigma / (1.0 - gamma))
    return LQROptimum(P=float(P), k=float(k), closed_loop=float(closed), const=float(const),
                      J=float(-(P * x0_var + const)))
