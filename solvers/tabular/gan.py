"""A categorical GAN on K atoms with exact expectations: no sampling, hand-derived gradients.

Generator: softmax logits θ ∈ R^K, q_θ = softmax(θ).  Discriminator: one logit ψ_i per atom,
D_i = σ(ψ_i) (σ = ``scipy.special.expit``).  The value of the game is

    V(ψ, θ) = Σ_i p_i log σ(ψ_i) + Σ_i q_i log σ(-ψ_i)        (1 - σ(ψ) = σ(-ψ))

(Goodfellow et al., 2014, eq. (1), with the expectations written as finite sums), computed
with ``log_expit`` so that saturated logits give exact, finite terms.  The gradients are
derived by hand and vectorized:

    ∂V/∂ψ_i = p_i (1 - D_i) - q_i D_i,       ∂²V/∂ψ_i² = -(p_i + q_i) D_i (1 - D_i),

and for a generator loss L(θ) = Σ_i q_i c_i with per-atom costs c fixed by ψ, the softmax
Jacobian ∂q_i/∂θ_j = q_i (δ_ij - q_j) gives

    ∂L/∂θ_j = q_j (c_j - Σ_i q_i c_i),

with c = log(1 - D) for the minimax loss (the generator minimizes V) and c = -log D for the
non-saturating loss (Goodfellow et al., 2014, Section 3).

Three learners:

- :func:`train_discriminator` — gradient ascent on ψ against a fixed model;
- :func:`train_generator_optimal_d` — the generator descends with the discriminator
  re-maximized at every step by the solver's own per-atom Newton (or gradient) iterations;
- :func:`train_gan` — simultaneous or alternating gradient descent-ascent on (θ, ψ).

Independence rule (DESIGN.md): nothing here calls ``theory.gan`` or ``theory.divergences``;
the tests compare these runs with those closed forms.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import expit, log_expit, softmax

from solvers.results import ArrayResult, last_record
from solvers.validation import (
    check_descent_ascent,
    check_distribution,
    check_distribution_pair,
    check_generator_descent,
    check_vector,
)
from theory.validation import ConvergenceWarning, as_float_array, check_in, check_int, check_positive

__all__ = [
    "SCHEMES",
    "GENERATOR_LOSSES",
    "INNER_METHODS",
    "PSI_BOUND",
    "objective",
    "discriminator_gradient",
    "generator_loss",
    "generator_gradient",
    "fit_linear_rate",
    "DiscriminatorRun",
    "GeneratorRun",
    "GANRun",
    "train_discriminator",
    "train_generator_optimal_d",
    "train_gan",
]

SCHEMES = ("simultaneous", "alternating")
GENERATOR_LOSSES = ("minimax", "non_saturating")
INNER_METHODS = ("newton", "gradient")

#: The inner maximization keeps every logit in [-PSI_BOUND, PSI_BOUND]: σ(±700) is a normal
#: float64 (e^-700 ≈ 1e-304), so the Newton step and D(1 - D) never underflow to 0 or overflow.
PSI_BOUND = 700.0


# ---------------------------------------------------------------------------- objective
def objective(psi: ArrayLike, theta: ArrayLike, p_data: ArrayLike) -> float:
    """The value V(ψ, θ) = Σ p log σ(ψ) + Σ q_θ log σ(-ψ), q_θ = softmax(θ), in nats.

    Source: Goodfellow et al. (2014), eq. (1), for finite sample spaces.

    Parameters
    ----------
    psi : array_like, shape (K,)
        Discriminator logits, D = σ(ψ).
    theta : array_like, shape (K,)
        Generator softmax logits.
    p_data : array_like, shape (K,)
        Data distribution.

    Returns
    -------
    float
        Finite for finite logits (``log_expit`` is exact for saturated logits).

    Raises
    ------
    ValueError, TypeError
        For non-finite logits, a bad ``p_data`` or mismatched shapes.
    """
    p = check_distribution(p_data, "p_data")
    psi = check_vector(psi, "psi", p.shape[0])
    theta = check_vector(theta, "theta", p.shape[0])
    q = softmax(theta)
    return float(p @ log_expit(psi) + q @ log_expit(-psi))


def _disc_grad(psi: np.ndarray, p: np.ndarray, q: np.ndarray) -> np.ndarray:
    # p (1 - D) - q D with 1 - D = σ(-ψ): exact for saturated logits.
    return p * expit(-psi) - q * expit(psi)


def discriminator_gradient(psi: ArrayLike, p_data: ArrayLike, p_model: ArrayLike) -> np.ndarray:
    """∂V/∂ψ_i = p_i (1 - D_i) - q_i D_i with D = σ(ψ).

    Source: Goodfellow et al. (2014), eq. (1) differentiated per atom (the stationary point is
    their Proposition 1, which this module does not use).

    Parameters
    ----------
    psi : array_like, shape (K,)
    p_data, p_model : array_like, shape (K,)
        Probability vectors.

    Returns
    -------
    ndarray, shape (K,)
    """
    p, q = check_distribution_pair(p_data, p_model, ("p_data", "p_model"))
    return _disc_grad(check_vector(psi, "psi", p.shape[0]), p, q)


def _costs(psi: np.ndarray, loss: str) -> np.ndarray:
    if loss == "minimax":
        return log_expit(-psi)  # log(1 - D)
    return -log_expit(psi)  # -log D


def _gen_grad(psi: np.ndarray, q: np.ndarray, loss: str) -> np.ndarray:
    c = _costs(psi, loss)
    return q * (c - q @ c)


def generator_loss(psi: ArrayLike, theta: ArrayLike, *, loss: str = "minimax") -> float:
    """The generator's loss: Σ q_θ log(1 - D) (``minimax``) or -Σ q_θ log D (``non_saturating``).

    Source: Goodfellow et al. (2014), eq. (1) (minimax) and Section 3 (the non-saturating
    alternative "maximize log D(G(z))").

    Parameters
    ----------
    psi : array_like, shape (K,)
    theta : array_like, shape (K,)
    loss : {"minimax", "non_saturating"}

    Returns
    -------
    float
        The quantity the generator minimizes, in nats.
    """
    loss = check_in(loss, "loss", GENERATOR_LOSSES)
    theta = check_vector(theta, "theta")
    psi = check_vector(psi, "psi", theta.shape[0])
    return float(softmax(theta) @ _costs(psi, loss))


def generator_gradient(psi: ArrayLike, theta: ArrayLike, *, loss: str = "minimax") -> np.ndarray:
    """∂L/∂θ_j = q_j (c_j - Σ_i q_i c_i), c = log(1 - D) (minimax) or -log D (non-saturating).

    Source: the softmax Jacobian ∂q_i/∂θ_j = q_i (δ_ij - q_j) applied to :func:`generator_loss`.

    Returns
    -------
    ndarray, shape (K,)
        Sums to 0 (up to rounding): shifting θ by a constant does not change q_θ.
    """
    loss = check_in(loss, "loss", GENERATOR_LOSSES)
    theta = check_vector(theta, "theta")
    psi = check_vector(psi, "psi", theta.shape[0])
    return _gen_grad(psi, softmax(theta), loss)


# ---------------------------------------------------------------------------- rate fitting
def fit_linear_rate(
    values: ArrayLike, steps: ArrayLike | None = None, *, lo: float = 1e-12, hi: float = 1e-4
) -> float:
    """Fit values ≈ C ρ^t by least squares on log(values) over entries in (lo, hi); return ρ.

    Parameters
    ----------
    values : array_like, shape (n,)
        A positive error-like sequence (an error, a step length).
    steps : array_like, shape (n,), optional
        The step index of each value (default 0, 1, ...).
    lo, hi : float
        Only entries with lo < value < hi enter the fit: below ``hi`` the iteration is in its
        linear regime, above ``lo`` rounding does not dominate.

    Returns
    -------
    float
        The fitted contraction factor ρ per step; NaN when fewer than 3 entries qualify.
    """
    v = as_float_array(values, "values", allow_empty=True, finite=False)
    if steps is None:
        t = np.arange(v.shape[0], dtype=float)
    else:
        t = as_float_array(steps, "steps", allow_empty=True)
    if t.shape != v.shape or v.ndim != 1:
        raise ValueError(f"`values` and `steps` must be 1-D of equal length (got {v.shape}, {t.shape})")
    keep = np.isfinite(v) & (v > lo) & (v < hi)
    if np.count_nonzero(keep) < 3:
        return float("nan")
    slope = np.polyfit(t[keep], np.log(v[keep]), 1)[0]
    return float(np.exp(slope))


# ---------------------------------------------------------------------------- results
_Result = ArrayResult


@dataclass
class DiscriminatorRun(_Result):
    """Gradient ascent of the discriminator against a fixed model.

    Attributes
    ----------
    steps : ndarray, shape (n_records,)
        Step index of each record (0, record_every, ..., always including n_steps).
    psi : ndarray, shape (n_records, K)
        Logits at the recorded steps.
    d : ndarray, shape (n_records, K)
        D = σ(ψ) at the recorded steps.
    step_norm : ndarray, shape (n_steps,)
        max_i |ψ_i(t+1) - ψ_i(t)| over atoms with p_i > 0 and q_i > 0 (0 if there are none).
    rate : float
        :func:`fit_linear_rate` of ``step_norm``: the measured contraction factor per step of
        the interior atoms, obtained without any closed form (NaN if too few steps).
    p_data, p_model : ndarray, shape (K,)
    lr : float
    """

    steps: np.ndarray
    psi: np.ndarray
    d: np.ndarray
    step_norm: np.ndarray
    rate: float
    p_data: np.ndarray
    p_model: np.ndarray
    lr: float

    final_d = last_record("d", "D after the last step, shape (K,).")


@dataclass
class GeneratorRun(_Result):
    """Generator descent against a discriminator re-maximized at every step.

    Attributes
    ----------
    theta : ndarray, shape (n_steps + 1, K)
        Generator logits, before the first and after every step.
    q : ndarray, shape (n_steps + 1, K)
        q_θ = softmax(θ) along the run.
    psi : ndarray, shape (n_steps + 1, K)
        The inner maximizer found at each θ (row t is the discriminator used by step t; the
        last row is the discriminator of the final generator).
    inner_iterations : ndarray, shape (n_steps + 1,)
        Iterations the inner maximization used at each θ.
    inner_residual : ndarray, shape (n_steps + 1,)
        max_i |∂V/∂ψ_i| / (p_i + q_i) after each inner maximization (atoms with p + q > 0).
    converged : bool
        Whether every inner maximization reached ``inner_tol``.
    p_data : ndarray, shape (K,)
    lr : float
    inner : str
    """

    theta: np.ndarray
    q: np.ndarray
    psi: np.ndarray
    inner_iterations: np.ndarray
    inner_residual: np.ndarray
    converged: bool
    p_data: np.ndarray
    lr: float
    inner: str

    final_q = last_record("q", "The generator's distribution after the last step, shape (K,).")


@dataclass
class GANRun(_Result):
    """Gradient descent-ascent on (θ, ψ).

    Attributes
    ----------
    theta, psi, q, d : ndarray, shape (n_steps + 1, K)
        Generator logits, discriminator logits, q_θ = softmax(θ) and D = σ(ψ), before the first
        and after every step.
    value : ndarray, shape (n_steps + 1,)
        V(ψ, θ) along the run (nats).
    p_data : ndarray, shape (K,)
    lr_g, lr_d : float
    scheme, generator_loss : str
    n_disc_steps : int
    """

    theta: np.ndarray
    psi: np.ndarray
    q: np.ndarray
    d: np.ndarray
    value: np.ndarray
    p_data: np.ndarray
    lr_g: float
    lr_d: float
    scheme: str
    generator_loss: str
    n_disc_steps: int

    final_q = last_record("q", "The generator's distribution after the last step, shape (K,).")


# ---------------------------------------------------------------------------- (a) discriminator
def train_discriminator(
    p_data: ArrayLike,
    p_model: ArrayLike,
    *,
    lr: float,
    n_steps: int,
    psi0: ArrayLike | None = None,
    record_every: int = 1,
) -> DiscriminatorRun:
    """Gradient ascent on the discriminator logits against a fixed model.

    ψ(t+1) = ψ(t) + lr · (p (1 - σ(ψ(t))) - q σ(ψ(t)))     (per atom, exact expectations)

    Source: the inner maximization of Goodfellow et al. (2014), Algorithm 1, with exact
    expectations in place of minibatches.

    Parameters
    ----------
    p_data, p_model : array_like, shape (K,)
        Data and (fixed) model distributions; zero atoms allowed.
    lr : float, > 0
        Step size.  Each atom's update map has derivative 1 - lr (p_i + q_i) D_i (1 - D_i)
        ∈ [1 - lr (p_i + q_i)/4, 1], so lr (p_i + q_i) <= 4 makes it monotone and convergent.
    n_steps : int, >= 0
    psi0 : array_like, shape (K,), optional
        Initial logits (default zeros, D = 1/2).
    record_every : int, >= 1
        Keep ψ and D every this many steps (the final step is always kept).

    Returns
    -------
    DiscriminatorRun

    Raises
    ------
    ValueError, TypeError
        Bad distributions, shapes, ``lr`` <= 0, ``n_steps`` < 0 or ``record_every`` < 1.

    Notes
    -----
    Near the maximizer each interior atom (p_i, q_i > 0) contracts linearly with factor
    |1 - lr (p_i + q_i) D_i (1 - D_i)| evaluated at the maximizer; the slowest atom sets the
    rate.  Where p_i > 0 = q_i the objective p_i log σ(ψ_i) has no maximizer: ψ_i grows like
    log(lr p_i t), so D_i → 1 only as 1 - D_i ≈ 1/(lr p_i t) (sublinear); symmetrically D_i → 0
    where p_i = 0 < q_i.  Where p_i = q_i = 0 the gradient is exactly zero and D_i stays at
    σ(psi0_i).
    """
    p, q = check_distribution_pair(p_data, p_model, ("p_data", "p_model"))
    k = p.shape[0]
    lr = check_positive(lr, "lr")
    n_steps = check_int(n_steps, "n_steps", minimum=0)
    record_every = check_int(record_every, "record_every", minimum=1)
    psi = np.zeros(k) if psi0 is None else check_vector(psi0, "psi0", k).copy()

    interior = (p > 0) & (q > 0)
    record_steps = np.unique(np.append(np.arange(0, n_steps + 1, record_every), n_steps))
    psis = np.empty((record_steps.shape[0], k))
    psis[0] = psi
    step_norm = np.zeros(n_steps)
    r = 1
    for t in range(n_steps):
        delta = lr * _disc_grad(psi, p, q)
        psi = psi + delta
        if interior.any():
            step_norm[t] = np.max(np.abs(delta[interior]))
        if r < record_steps.shape[0] and record_steps[r] == t + 1:
            psis[r] = psi
            r += 1
    return DiscriminatorRun(
        steps=record_steps,
        psi=psis,
        d=expit(psis),
        step_norm=step_norm,
        rate=fit_linear_rate(step_norm) if interior.any() else float("nan"),
        p_data=p,
        p_model=q,
        lr=lr,
    )


# ---------------------------------------------------------------------------- inner maximization
def _maximize_discriminator(
    psi: np.ndarray, p: np.ndarray, q: np.ndarray, *, method: str, tol: float, max_iter: int
) -> tuple[np.ndarray, int, float]:
    """Maximize V over ψ for fixed (p, q), atom by atom, starting from ``psi`` (warm start).

    ``newton``: safeguarded Newton on the strictly decreasing gradient g(ψ) = p σ(-ψ) - q σ(ψ)
    of each atom, keeping a bracket [lo, hi] with g(lo) >= 0 >= g(hi) and falling back to
    bisection when the Newton point leaves it.  ``gradient``: gradient ascent with the per-atom
    step 4 / (p + q) = 1 / (the gradient's Lipschitz constant (p + q)/4), which is monotone.

    Stops when max_i |g_i| / (p_i + q_i) <= tol over atoms with p_i + q_i > 0; atoms with
    p_i = q_i = 0 have g_i = 0 and keep their logit.  Returns (psi, iterations, residual).
    """
    s = p + q
    active = s > 0
    s_safe = np.where(active, s, 1.0)
    psi = np.clip(psi, -PSI_BOUND, PSI_BOUND)
    lo = np.full_like(psi, -PSI_BOUND)
    hi = np.full_like(psi, PSI_BOUND)
    residual = np.inf
    for it in range(max_iter + 1):
        g = _disc_grad(psi, p, q)
        residual = float(np.max(np.abs(g[active]) / s_safe[active])) if active.any() else 0.0
        if residual <= tol or it == max_iter:
            return psi, it, residual
        if method == "newton":
            lo = np.where(g > 0, psi, lo)
            hi = np.where(g < 0, psi, hi)
            curvature = s * expit(psi) * expit(-psi)  # -∂²V/∂ψ², > 0 unless it underflows
            step = np.divide(g, curvature, out=np.zeros_like(g), where=curvature > 0)
            candidate = psi + step
            inside = (candidate > lo) & (candidate < hi) & (curvature > 0)
            new = np.where(inside, candidate, 0.5 * (lo + hi))
        else:
            new = np.clip(psi + 4.0 * g / s_safe, -PSI_BOUND, PSI_BOUND)
        # Atoms already within tolerance stay put: a rounding-size Newton step can land on the
        # bracket's end and trigger a bisection that throws a converged atom far away.
        needs_update = active & (np.abs(g) > tol * s_safe)
        psi = np.where(needs_update, new, psi)
    return psi, max_iter, residual  # pragma: no cover - loop always returns


# ---------------------------------------------------------------------------- (b) generator, optimal D
def train_generator_optimal_d(
    p_data: ArrayLike,
    theta0: ArrayLike,
    *,
    lr: float,
    n_steps: int,
    inner: str = "newton",
    inner_tol: float = 1e-12,
    inner_max_iter: int = 200,
) -> GeneratorRun:
    """Generator gradient descent against a discriminator maximized afresh at every step.

    At each step: ψ ← argmax_ψ V(ψ, θ) by the solver's own per-atom iterations (warm-started
    from the previous ψ), then θ ← θ - lr · ∂/∂θ Σ q_θ log(1 - σ(ψ)).

    Source: Goodfellow et al. (2014), Proposition 2 (with the discriminator at its optimum the
    generator's criterion is convex in p_g and descent reaches p_g = p_data); with D exact the
    step is gradient descent on C(θ) = max_ψ V(ψ, θ) (envelope theorem), which by their
    Theorem 1 equals -log 4 + 2 JSD(p_data ‖ q_θ).

    Parameters
    ----------
    p_data : array_like, shape (K,)
        Data distribution.
    theta0 : array_like, shape (K,)
        Initial generator logits.
    lr : float, > 0
        Generator step size.  The Hessian of θ ↦ 2 JSD(p ‖ softmax θ) has spectral norm below
        7.5 (Notes), so lr <= 1/4 makes every exact step decrease the JSD (descent lemma).
    n_steps : int, >= 0
    inner : {"newton", "gradient"}
        The inner maximizer (see Notes).
    inner_tol : float, > 0
        Stop the inner loop when max_i |∂V/∂ψ_i| / (p_i + q_i) <= inner_tol.
    inner_max_iter : int, >= 1
        Iteration cap of each inner maximization.

    Returns
    -------
    GeneratorRun

    Raises
    ------
    ValueError, TypeError
        Bad ``p_data``/``theta0``, shapes, ``lr`` or ``inner_tol`` <= 0, ``n_steps`` < 0,
        unknown ``inner``.

    Warns
    -----
    ConvergenceWarning
        When an inner maximization stops at ``inner_max_iter`` above ``inner_tol``.

    Notes
    -----
    Inner maximization: ``newton`` is a per-atom safeguarded Newton method on ∂V/∂ψ_i (bracket
    plus bisection fallback, logits kept in [-700, 700]); ``gradient`` is per-atom gradient
    ascent with step 4/(p_i + q_i).  Neither uses the closed form D* = p/(p + q).

    Full support: q_θ = softmax(θ) is never exactly zero, so where p_data has zero atoms the
    infimum JSD = 0 is approached (θ_i → -∞) but not attained; the convergence q → p_data and
    the linear rate hold for full-support p_data.

    Step size: with D* the optimal discriminator, c = log(1 - D*) = log(q/(p + q)) and
    F(θ) = 2 JSD(p ‖ softmax θ), the gradient is q (c - q·c) and the Hessian is
    H = diag(a) - a qᵀ - q aᵀ + diag(b) - b qᵀ - q bᵀ + w̄ q qᵀ with a = q (c - q·c),
    b = q D*, w̄ = q·D*.  Since -1/e <= q_j c_j <= 0 and 0 <= -q·c <= log 2 (Jensen),
    |a_j| <= log 2 and Σ|a| <= 2 log 2; with 0 <= b <= q and ‖q‖₂ <= 1 this gives
    ‖H‖ <= log 2 + 4 log 2 + 1 + 2 + 1 < 7.5, so lr <= 0.25 < 2/7.5 guarantees a monotone
    decrease of the JSD at every step (descent lemma), up to the inner tolerance.  The bound
    is loose: at θ* the Hessian is (diag p - p pᵀ)/2 (norm <= 1/4), and sampled θ, p stay
    below 1/4 too, but only the bound above is proved here.
    """
    p, theta, lr, n_steps = check_generator_descent(p_data, theta0, lr, n_steps)
    k = p.shape[0]
    inner = check_in(inner, "inner", INNER_METHODS)
    inner_tol = check_positive(inner_tol, "inner_tol")
    inner_max_iter = check_int(inner_max_iter, "inner_max_iter", minimum=1)

    thetas = np.empty((n_steps + 1, k))
    psis = np.empty((n_steps + 1, k))
    iters = np.empty(n_steps + 1, dtype=int)
    resid = np.empty(n_steps + 1)
    psi = np.zeros(k)
    for t in range(n_steps + 1):
        q = softmax(theta)
        psi, iters[t], resid[t] = _maximize_discriminator(
            psi, p, q, method=inner, tol=inner_tol, max_iter=inner_max_iter
        )
        thetas[t], psis[t] = theta, psi
        if t < n_steps:
            theta = theta - lr * _gen_grad(psi, q, "minimax")
    converged = bool(np.all(resid <= inner_tol))
    if not converged:
        warnings.warn(
            f"the inner discriminator maximization stopped above inner_tol={inner_tol:g} "
            f"(worst residual {resid.max():.3g}); increase `inner_max_iter` or use inner='newton'",
            ConvergenceWarning,
            stacklevel=2,
        )
    return GeneratorRun(
        theta=thetas,
        q=softmax(thetas, axis=-1),
        psi=psis,
        inner_iterations=iters,
        inner_residual=resid,
        converged=converged,
        p_data=p,
        lr=lr,
        inner=inner,
    )


# ---------------------------------------------------------------------------- (c) GDA
def train_gan(
    p_data: ArrayLike,
    *,
    theta0: ArrayLike,
    psi0: ArrayLike,
    lr_g: float,
    lr_d: float,
    n_steps: int,
    scheme: str = "simultaneous",
    generator_loss: str = "minimax",
    n_disc_steps: int = 1,
) -> GANRun:
    """Gradient descent-ascent on the categorical GAN.

    One step of ``simultaneous``: both gradients at (ψ_t, θ_t); the discriminator takes
    ``n_disc_steps`` ascent steps ψ ← ψ + lr_d ∂V/∂ψ against q_{θ_t}, and the generator one
    descent step θ_{t+1} = θ_t - lr_g ∂L/∂θ(ψ_t, θ_t).  One step of ``alternating``: the same
    discriminator steps first, then the generator step at (ψ_{t+1}, θ_t).

    Source: Goodfellow et al. (2014), Algorithm 1 (alternating, k = n_disc_steps) with exact
    expectations; the simultaneous/alternating split follows Mescheder et al. (2018),
    Section 2 (SimGD / AltGD).

    Parameters
    ----------
    p_data : array_like, shape (K,)
    theta0, psi0 : array_like, shape (K,)
        Initial generator and discriminator logits.
    lr_g, lr_d : float, > 0
        Step sizes.
    n_steps : int, >= 0
    scheme : {"simultaneous", "alternating"}
    generator_loss : {"minimax", "non_saturating"}
        L = Σ q log(1 - D) or L = -Σ q log D.
    n_disc_steps : int, >= 1

    Returns
    -------
    GANRun
        Trajectories stacked along axis 0, shape (n_steps + 1, K).

    Raises
    ------
    ValueError, TypeError
        Bad inputs (named), unknown ``scheme`` or ``generator_loss``.

    Notes
    -----
    (θ, ψ) = (log p_data + c, 0) is an equilibrium of both schemes: ∂V/∂ψ = (p - q)/2 = 0, and
    both generator losses have constant costs c_i, hence zero softmax gradient.  Linearized
    there, the discriminator block -diag(p)/2 is negative definite (unlike the Dirac GAN's
    linear discriminator), so small steps converge; large steps may oscillate or diverge.
    """
    p, theta, psi, lr_g, lr_d, n_steps = check_descent_ascent(p_data, theta0, psi0, lr_g, lr_d, n_steps)
    k = p.shape[0]
    scheme = check_in(scheme, "scheme", SCHEMES)
    loss = check_in(generator_loss, "generator_loss", GENERATOR_LOSSES)
    n_disc_steps = check_int(n_disc_steps, "n_disc_steps", minimum=1)

    thetas = np.empty((n_steps + 1, k))
    psis = np.empty((n_steps + 1, k))
    thetas[0], psis[0] = theta, psi
    for t in range(n_steps):
        q = softmax(theta)
        new_psi = psi
        for _ in range(n_disc_steps):
            new_psi = new_psi + lr_d * _disc_grad(new_psi, p, q)
        psi_for_g = psi if scheme == "simultaneous" else new_psi
        theta = theta - lr_g * _gen_grad(psi_for_g, q, loss)
        psi = new_psi
        thetas[t + 1], psis[t + 1] = theta, psi
    qs = softmax(thetas, axis=-1)
    value = log_expit(psis) @ p + np.sum(qs * log_expit(-psis), axis=-1)
    return GANRun(
        theta=thetas,
        psi=psis,
        q=qs,
        d=expit(psis),
        value=value,
        p_data=p,
        lr_g=lr_g,
        lr_d=lr_d,
        scheme=scheme,
        generator_loss=loss,
        n_disc_steps=n_disc_steps,
    )
