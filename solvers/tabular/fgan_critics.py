"""The f-GAN critic found by optimization, and generator descent against it, on K atoms.

The critic T = g_f(V) maximizes E_P[g_f(V)] − E_Q[f*(g_f(V))] over the unconstrained
V ∈ R^K, g_f the output activation of Nowozin, Cseke & Tomioka (2016), Table 2, so that T
always lies in dom f* (:func:`fgan_critic`, by the per-atom maximizer
:func:`solvers.tabular.gan_objectives.maximize_per_atom`); the generator descends against the
best response (:func:`train_fgan_generator`) or with the single-step gradient method of their
Algorithm 1 (:func:`train_fgan`).  Families (Table 1): KL, reverse KL, Pearson χ², Neyman
χ², squared Hellinger, Jensen-Shannon (Table 1's f, whose divergence is 2·JSD) and GAN.

Independence rule (DESIGN.md): nothing here imports :mod:`theory.gan_objectives`,
:mod:`theory.gan` or :mod:`theory.divergences`; the tests compare these optima with
f'(p/q), the divergences and the lower bound there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import expit, log_expit, softmax

from solvers.results import ArrayResult
from solvers.tabular.gan import SCHEMES
from solvers.tabular.gan_objectives import (
    CRITIC_METHODS,
    maximize_per_atom,
    normalized_weights,
    softmax_cost_gradient,
)
from solvers.validation import (
    check_descent_ascent,
    check_distribution_pair,
    check_generator_descent,
    check_solve_budget,
    check_vector,
    warn_unconverged,
)
from theory.validation import as_float_array, check_in

__all__ = [
    "FGAN_FAMILIES",
    "FGAN_SCHEMES",
    "FGAN_GENERATOR_LOSSES",
    "V_BOUNDS",
    "FGANCriticResult",
    "FGANGeneratorRun",
    "FGANRun",
    "fgan_critic",
    "fgan_activation",
    "train_fgan_generator",
    "train_fgan",
]

#: The divergences of Nowozin et al. (2016), Table 1, in the names of ``theory.gan_objectives``.
FGAN_FAMILIES = (
    "kl",
    "reverse_kl",
    "pearson_chi2",
    "neyman_chi2",
    "squared_hellinger",
    "jensen_shannon",
    "gan",
)
#: Schemes of :func:`train_fgan`: the simultaneous and alternating gradient descent-ascent of
#: :func:`solvers.tabular.gan.train_gan`.
FGAN_SCHEMES = SCHEMES
#: Generator losses of the f-GAN runs: the saddle objective (``minimax``) and the
#: alternative of Nowozin et al. (2016), Section 3.2 (``alternative``).
FGAN_GENERATOR_LOSSES = ("minimax", "alternative")

#: The critic's pre-activation V lives in [-bound, bound]: every exp in the family's
#: activation, conjugate and density ratio stays finite (e^700 < DBL_MAX; Hellinger's
#: ratio is e^{2V}, Pearson's conjugate V²/4 + V).  An optimum outside the box is
#: reported through ``at_bound``; see :func:`fgan_critic`, Notes, for the ratios p/q each
#: box represents.
V_BOUNDS = {
    "kl": 700.0,
    "reverse_kl": 700.0,
    "pearson_chi2": 1e150,
    "neyman_chi2": 700.0,
    "squared_hellinger": 350.0,
    "jensen_shannon": 700.0,
    "gan": 700.0,
}

_LOG2 = float(np.log(2.0))


class _Terms(NamedTuple):
    g: np.ndarray  # T = g_f(v)
    g1: np.ndarray  # g_f'(v)
    g2: np.ndarray  # g_f''(v)
    phi: np.ndarray  # φ(v) = f*(g_f(v))
    phi1: np.ndarray  # φ'(v)
    phi2: np.ndarray  # φ''(v)
    r: np.ndarray  # φ'(v)/g_f'(v) = (f*)'(T)
    r1: np.ndarray  # dr/dv


def _family_terms(family: str, v: np.ndarray) -> _Terms:
    """The output activation, its composition with the conjugate, and their derivatives.

    g = g_f is the output activation of Nowozin et al. (2016), Table 2, φ = f* ∘ g_f its
    composition with the Fenchel conjugate f* of the same table, written in v so that no
    intermediate overflows, and r(v) = φ'(v)/g'(v) = (f*)'(g_f(v)), the density ratio p/q at
    which T = g_f(v) is stationary (increasing in v).
    """
    one, zero = np.ones_like(v), np.zeros_like(v)
    if family == "kl":  # g = v, f*(t) = exp(t − 1)
        e = np.exp(v - 1.0)
        return _Terms(v, one, zero, e, e, e, e, e)
    if family == "pearson_chi2":  # g = v, f*(t) = t²/4 + t
        r = 0.5 * v + 1.0
        return _Terms(v, one, zero, 0.25 * v * v + v, r, 0.5 * one, r, 0.5 * one)
    if family == "reverse_kl":  # g = −exp(−v), f*(t) = −1 − log(−t)
        e, E = np.exp(-v), np.exp(v)
        return _Terms(-e, e, -e, v - 1.0, one, zero, E, E)
    if family == "neyman_chi2":  # g = 1 − exp(−v), f*(t) = 2 − 2 sqrt(1 − t)
        e, s, S = np.exp(-v), np.exp(-0.5 * v), np.exp(0.5 * v)
        return _Terms(-np.expm1(-v), e, -e, 2.0 - 2.0 * s, s, -0.5 * s, S, 0.5 * S)
    if family == "squared_hellinger":  # g = 1 − exp(−v), f*(t) = t/(1 − t)
        e, E, E2 = np.exp(-v), np.exp(v), np.exp(2.0 * v)
        return _Terms(-np.expm1(-v), e, -e, np.expm1(v), E, E, E2, 2.0 * E2)
    # jensen_shannon: g = log 2 − log(1 + e^{−v}), f*(t) = −log(2 − e^t);
    # gan: g = −log(1 + e^{−v}), f*(t) = −log(1 − e^t).
    sp, sm, E = expit(v), expit(-v), np.exp(v)
    shift = _LOG2 if family == "jensen_shannon" else 0.0
    return _Terms(log_expit(v) + shift, sm, -sp * sm, -log_expit(-v) - shift, sp, sp * sm, E, E)


def fgan_activation(v: ArrayLike, family: str) -> np.ndarray:
    """The output activation T = g_f(V) of Nowozin et al. (2016), Table 2.

    kl, pearson_chi2: v;  reverse_kl: −e^{−v};  neyman_chi2, squared_hellinger: 1 − e^{−v};
    jensen_shannon: log 2 − log(1 + e^{−v});  gan: −log(1 + e^{−v}).

    Parameters
    ----------
    v : array_like
        Pre-activations (finite).
    family : str
        One of :data:`FGAN_FAMILIES`.

    Returns
    -------
    ndarray
        T, in dom f* of the family.
    """
    family = check_in(family, "family", FGAN_FAMILIES)
    arr = as_float_array(v, "v")
    with np.errstate(over="ignore"):  # e^{|v|} beyond 709 is +inf, never used by T
        return _family_terms(family, arr).g


@dataclass
class FGANCriticResult(ArrayResult):
    """The f-GAN critic's best response: T = g_f(V) maximizing E_P[T] − E_Q[f*(T)].

    Attributes
    ----------
    family : str
    v : ndarray, shape (K,)
        The maximizing pre-activation (``v0`` on atoms with p = q = 0).
    t : ndarray, shape (K,)
        T = g_f(v).
    value : float
        The variational lower bound Σ p T − Σ q f*(T) at ``t`` (Nowozin et al., Section 2.2).
    residual : ndarray, shape (K,)
        On atoms with p, q > 0: |1 − (q/p) (f*)'(T)|, the relative error of the density
        ratio (f*)'(T) implied by the critic (the T-derivative of the atom's objective
        divided by p); on one-sided atoms the V-derivative divided by p + q; 0 where
        finished on the box.
    at_bound : ndarray of bool, shape (K,)
        The atom ended on the box |V| = V_BOUNDS[family] with the gradient pointing out: its
        supremum is approached as |V| → ∞ (one-sided atoms p q = 0 of most families) or lies
        beyond the box.
    iterations : int
    converged : bool
    tol : float
    method : str
    p, q : ndarray, shape (K,)
    """

    family: str
    v: np.ndarray
    t: np.ndarray
    value: float
    residual: np.ndarray
    at_bound: np.ndarray
    iterations: int
    converged: bool
    tol: float
    method: str
    p: np.ndarray
    q: np.ndarray


def _fgan_solve(p, q, family, v0, method, tol, max_iter):
    wp, wq, active = normalized_weights(p, q)
    interior = (p > 0) & (q > 0)
    bound = V_BOUNDS[family]

    wp_safe = np.where(interior, wp, 1.0)

    def fun(v):
        t = _family_terms(family, v)
        return wp * t.g - wq * t.phi, wp * t.g1 - wq * t.phi1, wp * t.g2 - wq * t.phi2

    def residual(v, grad, curvature):
        # interior atoms: relative error of the implied density ratio, |1 − (q/p)(f*)'(T)|
        # = |grad| / (g' wp); one-sided atoms: |grad|.  Each with its floor: the change one
        # spacing of doubles in v makes.
        t = _family_terms(family, v)
        spacing = np.spacing(np.abs(v))
        res = np.where(interior, np.abs(wp - wq * t.r) / wp_safe, np.abs(grad))
        floor = np.where(interior, wq * np.abs(t.r1) / wp_safe, np.abs(curvature)) * spacing
        return res, floor

    return maximize_per_atom(
        fun, residual, v0, active=active, lo=-bound, hi=bound,
        jump=active & ~interior, method=method, tol=tol, max_iter=max_iter,
    )


def _fgan_value(p, q, v, family) -> float:
    t = _family_terms(family, v)
    return float(p @ t.g - q @ t.phi)


def fgan_critic(
    p: ArrayLike,
    q: ArrayLike,
    *,
    family: str,
    tol: float = 1e-10,
    max_iter: int = 200,
    method: str = "newton",
    v0: ArrayLike | None = None,
) -> FGANCriticResult:
    """Maximize the f-GAN critic objective over V ∈ R^K, T = g_f(V).

    max_V Σ_x p(x) g_f(V(x)) − Σ_x q(x) f*(g_f(V(x)))

    Source: Nowozin, Cseke & Tomioka (2016), "f-GAN", eq. (6) (the objective F(θ, ω) in the
    output-activation parametrization T_ω = g_f(V_ω)) with g_f and f* from their Table 2, so
    T stays in dom f*; exact expectations over K atoms.

    Parameters
    ----------
    p, q : array_like, shape (K,)
        P (data) and Q (model); zero atoms allowed.
    family : {"kl", "reverse_kl", "pearson_chi2", "neyman_chi2", "squared_hellinger", \
"jensen_shannon", "gan"}
    tol : float, > 0
        On atoms with p, q > 0 stop when |1 − (q/p) (f*)'(T)| <= tol: the ratio p/q implied
        by the critic, (f*)'(T), is then within a relative tol of p/q, which bounds T's
        distance from its maximizer through f'' (the tests do so).  Below twice the change
        one spacing of doubles in V makes in that measure no double V does better, and the
        atom also stops.  One-sided atoms stop on |∂/∂V| / (p + q) <= tol or on the box.
    max_iter : int, >= 1
    method : {"newton", "gradient"}
        Per-atom safeguarded Newton in V (gradient step where the curvature is not
        negative), or gradient ascent with an adaptive per-atom step; both with Armijo
        backtracking.
    v0 : array_like, shape (K,), optional
        Starting pre-activations (default zeros).

    Returns
    -------
    FGANCriticResult

    Raises
    ------
    ValueError, TypeError
        Bad distributions/shapes, unknown ``family``/``method``, ``tol`` <= 0, ``max_iter``
        < 1 (all named).

    Warns
    -----
    ConvergenceWarning
        When ``max_iter`` is reached above ``tol``.

    Notes
    -----
    Per atom with p, q > 0 the objective is strictly concave in T (f* is strictly convex on
    the families' domains) and has one maximizer; this routine finds it from the gradient
    and curvature of the objective alone, never from f′.  On one-sided atoms (exactly one of
    p, q is 0) the objective is monotone in V for every family except Pearson χ² with p = 0
    (maximum at T = −2); the routine first tries the box end the gradient points to, and
    reports ``at_bound``.  There the bound's value is the family's limit (e.g. p f'(∞) for
    q = 0), finite for the JS, GAN, squared Hellinger and Neyman (q = 0) families; for the
    others the supremum is +inf and ``value`` is only the boxed optimum.

    The boxes |V| <= 700 (350 for squared Hellinger, 1e150 for Pearson χ²) hold the
    maximizer for density ratios p/q within e^{±700} (e^{±699} KL, e^{±350} Neyman;
    Pearson χ²: p/q <= 5e149), which covers every pair of normal doubles for the KL, reverse
    KL, Hellinger, JS and GAN families.
    """
    pa, qa = check_distribution_pair(p, q, ("p", "q"))
    family = check_in(family, "family", FGAN_FAMILIES)
    tol, max_iter = check_solve_budget(tol, max_iter)
    method = check_in(method, "method", CRITIC_METHODS)
    v0 = np.zeros_like(pa) if v0 is None else check_vector(v0, "v0", pa.shape[0])
    v, it, res, at_bound, converged = _fgan_solve(pa, qa, family, v0, method, tol, max_iter)
    if not converged:
        warn_unconverged(f"the f-GAN ({family}) critic maximization", tol, float(res.max()))
    return FGANCriticResult(
        family=family, v=v, t=_family_terms(family, v).g, value=_fgan_value(pa, qa, v, family),
        residual=res, at_bound=at_bound, iterations=it, converged=converged, tol=tol,
        method=method, p=pa, q=qa,
    )


def _fgan_generator_cost(family: str, v: np.ndarray, loss: str) -> np.ndarray:
    t = _family_terms(family, v)
    # minimax: the generator minimizes F, i.e. Σ q (−f*(T)); alternative: maximize Σ q T.
    return -t.phi if loss == "minimax" else -t.g


@dataclass
class FGANGeneratorRun(ArrayResult):
    """Generator descent against the f-GAN critic's best response at every step.

    Attributes
    ----------
    theta, q : ndarray, shape (n_steps + 1, K)
    v : ndarray, shape (n_steps + 1, K)
        The critic's best response to each q (row t is used by step t).
    value : ndarray, shape (n_steps + 1,)
        The lower bound at the best response, i.e. the optimized estimate of D_f(P ‖ Q_θ).
    inner_iterations : ndarray, shape (n_steps + 1,)
    converged : bool
    family, generator_loss : str
    p_data : ndarray, shape (K,)
    lr : float
    """

    theta: np.ndarray
    q: np.ndarray
    v: np.ndarray
    value: np.ndarray
    inner_iterations: np.ndarray
    converged: bool
    family: str
    generator_loss: str
    p_data: np.ndarray
    lr: float


def train_fgan_generator(
    p_data: ArrayLike,
    theta0: ArrayLike,
    *,
    family: str,
    lr: float,
    n_steps: int,
    generator_loss: str = "minimax",
    tol: float = 1e-10,
    max_iter: int = 200,
) -> FGANGeneratorRun:
    """Generator descent with the f-GAN critic maximized afresh at every step.

    At each step V ← argmax_V F (:func:`fgan_critic`, warm started), then
    θ ← θ − lr ∇_θ Σ softmax(θ) c(V) with c = −f*(g_f(V)) (``minimax``: the generator
    minimizes F) or c = −g_f(V) (``alternative``: it maximizes E_Q[g_f(V)]).

    Source: Nowozin et al. (2016), eq. (6) and Section 3.2 (the alternative generator loss).
    With the exact best response, the ``minimax`` step is gradient descent on
    θ ↦ max_V F = D_f(P ‖ Q_θ) (envelope theorem; where the maximum is attained).

    Parameters
    ----------
    p_data : array_like, shape (K,)
    theta0 : array_like, shape (K,)
    family : str
        One of :data:`FGAN_FAMILIES`.
    lr : float, > 0
    n_steps : int, >= 0
    generator_loss : {"minimax", "alternative"}
    tol, max_iter
        Passed to the inner maximization.

    Returns
    -------
    FGANGeneratorRun

    Warns
    -----
    ConvergenceWarning
        When an inner maximization stops above ``tol``.
    """
    p, theta, lr, n_steps = check_generator_descent(p_data, theta0, lr, n_steps)
    k = p.shape[0]
    family = check_in(family, "family", FGAN_FAMILIES)
    loss = check_in(generator_loss, "generator_loss", FGAN_GENERATOR_LOSSES)
    tol, max_iter = check_solve_budget(tol, max_iter)

    thetas = np.empty((n_steps + 1, k))
    vs = np.empty((n_steps + 1, k))
    values = np.empty(n_steps + 1)
    iters = np.empty(n_steps + 1, dtype=int)
    worst, converged = 0.0, True
    v = np.zeros(k)
    for t in range(n_steps + 1):
        q = softmax(theta)
        v, iters[t], res, _, ok = _fgan_solve(p, q, family, v, "newton", tol, max_iter)
        converged &= ok
        worst = max(worst, float(res.max()))
        thetas[t], vs[t], values[t] = theta, v, _fgan_value(p, q, v, family)
        if t < n_steps:
            theta = theta - lr * softmax_cost_gradient(q, _fgan_generator_cost(family, v, loss))
    if not converged:
        warn_unconverged(f"an inner f-GAN ({family}) critic maximization", tol, worst)
    return FGANGeneratorRun(
        theta=thetas, q=softmax(thetas, axis=-1), v=vs, value=values, inner_iterations=iters,
        converged=converged, family=family, generator_loss=loss, p_data=p, lr=lr,
    )


@dataclass
class FGANRun(ArrayResult):
    """Single-step gradient descent-ascent on the f-GAN objective (Algorithm 1).

    Attributes
    ----------
    theta, q, v : ndarray, shape (n_steps + 1, K)
        Generator logits, q_θ, and critic pre-activations along the run.
    value : ndarray, shape (n_steps + 1,)
        F(θ_t, V_t) = Σ p g_f(V_t) − Σ q_t f*(g_f(V_t)).
    family, scheme, generator_loss : str
    p_data : ndarray, shape (K,)
    lr_g, lr_d : float
    """

    theta: np.ndarray
    q: np.ndarray
    v: np.ndarray
    value: np.ndarray
    family: str
    scheme: str
    generator_loss: str
    p_data: np.ndarray
    lr_g: float
    lr_d: float


def train_fgan(
    p_data: ArrayLike,
    *,
    family: str,
    theta0: ArrayLike,
    v0: ArrayLike,
    lr_g: float,
    lr_d: float,
    n_steps: int,
    scheme: str = "simultaneous",
    generator_loss: str = "minimax",
) -> FGANRun:
    """Gradient descent-ascent on F(θ, V) = Σ p g_f(V) − Σ q_θ f*(g_f(V)).

    ``simultaneous`` (their Algorithm 1, single-step gradient method):
    V_{t+1} = V_t + lr_d ∇_V F(θ_t, V_t),  θ_{t+1} = θ_t − lr_g ∇_θ L(θ_t, V_t);
    ``alternating``: the generator step uses V_{t+1}.  L is the generator loss (F itself for
    ``minimax``, −Σ q g_f(V) for ``alternative``).

    Source: Nowozin et al. (2016), Algorithm 1 (one step size η for both players there; here
    ``lr_g = lr_d = η`` reproduces it) and eq. (6); exact expectations.

    Parameters
    ----------
    p_data : array_like, shape (K,)
    family : str
        One of :data:`FGAN_FAMILIES`.
    theta0, v0 : array_like, shape (K,)
        Initial generator logits and critic pre-activations.
    lr_g, lr_d : float, > 0
    n_steps : int, >= 0
    scheme : {"simultaneous", "alternating"}
    generator_loss : {"minimax", "alternative"}

    Returns
    -------
    FGANRun

    Notes
    -----
    The critic gradient is the unnormalized ∂F/∂V_i = p_i g'(V_i) − q_i (f* ∘ g_f)'(V_i);
    V is kept in the family's box (:data:`V_BOUNDS`) so that a diverging run stays finite.
    (θ, V) = (log p_data + const, V with g_f(V) = f'(1)) is a fixed point of both schemes.
    """
    p, theta, v, lr_g, lr_d, n_steps = check_descent_ascent(p_data, theta0, v0, lr_g, lr_d, n_steps,
                                                            psi_name="v0")
    k = p.shape[0]
    family = check_in(family, "family", FGAN_FAMILIES)
    scheme = check_in(scheme, "scheme", FGAN_SCHEMES)
    loss = check_in(generator_loss, "generator_loss", FGAN_GENERATOR_LOSSES)
    bound = V_BOUNDS[family]
    v = np.clip(v, -bound, bound)

    thetas = np.empty((n_steps + 1, k))
    vs = np.empty((n_steps + 1, k))
    thetas[0], vs[0] = theta, v
    for t in range(n_steps):
        q = softmax(theta)
        terms = _family_terms(family, v)
        new_v = np.clip(v + lr_d * (p * terms.g1 - q * terms.phi1), -bound, bound)
        v_for_g = v if scheme == "simultaneous" else new_v
        theta = theta - lr_g * softmax_cost_gradient(q, _fgan_generator_cost(family, v_for_g, loss))
        v = new_v
        thetas[t + 1], vs[t + 1] = theta, v
    qs = softmax(thetas, axis=-1)
    terms = _family_terms(family, vs)
    return FGANRun(
        theta=thetas, q=qs, v=vs, value=terms.g @ p - np.sum(qs * terms.phi, axis=-1),
        family=family,
        scheme=scheme, generator_loss=loss, p_data=p, lr_g=lr_g, lr_d=lr_d,
    )

