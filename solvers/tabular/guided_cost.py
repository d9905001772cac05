"""Guided cost learning on an enumerable trajectory set: importance-sampled partition estimates
and the GAN form (Finn discriminator + tabular autoregressive sampler), exact or sampled.

Setting (Finn, Christiano, Abbeel & Levine 2016, Sections 2.3-3): a finite set of N
trajectories τ with features f(τ) ∈ R^K, a linear cost c_θ(τ) = θ·f(τ), the MaxEnt model
p_θ(τ) = exp(-c_θ(τ)) / Z(θ), data p_data (a distribution or the empirical weights of
demonstrations) and a sampler q with an evaluable density.

Three parts, each with its own numerics (nothing here calls :mod:`theory.irl`; the claims in
``experiments/claims/finn2016_gcl.py`` compare with it and with MaxEnt IRL).  Part 1 lives in
:mod:`solvers.tabular.gcl_sampler` (on the layout of :mod:`theory.autoregressive`), part 2 in
:mod:`solvers.tabular.gcl_partition`, part 3 here; every public name of the three stays
importable from this module:

1. **Tabular autoregressive sampler** over all length-H action sequences of an A-action
   deterministic MDP.  ``logits`` is a list with ``logits[t]`` of shape (A^t, A): row = the
   prefix a_1..a_t as a base-A number (a_1 most significant), column = the next action, so
   π_t(a | prefix) = softmax(logits[t][prefix])[a] and q(τ) = Π_t π_t(a_{t+1} | a_1..a_t).
   Trajectory row r is the base-A number a_1 a_2 ... a_H, the order of
   ``solvers.problems.trajectories.deterministic_paths``.  Densities of all A^H trajectories,
   ancestral sampling and exact or score-function gradients are vectorized over trajectories
   and samples (loops run over the H time steps only).

2. **Importance-sampled partition function and cost gradient** (guided cost learning):
   with n demonstrations (empirical weights p̂) and n sampler draws (q̂) the mixture
   μ = (p_data + q)/2 is represented by μ̂ = (p̂ + q̂)/2 and

       Ẑ = Σ_τ μ̂(τ) exp(-c(τ)) / μ̃(τ),
       ∇_θ L̂ = E_p̂[f] - Σ_τ μ̂ w f / Σ_τ μ̂ w,    w = exp(-c) / μ̃,

   (Finn, Levine & Abbeel 2016, "Guided Cost Learning", Section 4; Finn et al. 2016,
   Section 2.3.2).  Three choices of the density μ̃ in the denominator (``FORMS``):

   - ``"exact"``: the mixture's true density μ = (p_data + q)/2, which needs the data density
     (known on an enumerable set).  Then E[Ẑ] = Σ_{μ>0} exp(-c) = Z exactly (unbiased) and
     log Ẑ → log Z with RMSE ∝ n^{-1/2}: this is the form of the convergence study.
   - ``"paper"``: the paper's estimate μ̃ = (exp(-c)/Z₀ + q)/2 with a given Z₀ (Finn et al.
     2016, Section 3), i.e. the data density replaced by the current model density.  Equal
     to ``"exact"`` only when p_data = exp(-c)/Z₀.
   - ``"self_consistent"``: Z₀ chosen so that Ẑ = Z₀ (a fixed point of the paper's map).
     That Z₀ is the minimizer in log Z of the discriminator loss on the same samples
     (Section 3.2).  It is consistent for the population fixed point Z*, which equals the
     true partition function Z_c if and only if E_p_data[D] = E_{exp(-c)/Z_c}[D] at Z = Z_c
     (e.g. when p_data = exp(-c)/Z_c, or when q = exp(-c)/Z_c); otherwise it converges to
     Z* != Z_c (the claims measure the gap on a misspecified cost).

3. **The GAN form** (Finn et al. 2016, Section 3): the discriminator
   D(τ) = (exp(-c_θ)/Z) / (exp(-c_θ)/Z + q(τ)) = σ(ℓ), ℓ = -c_θ - log Z - log q, with
   parameters (θ, log Z), trained on E_p[-log D] + E_q[-log(1-D)], alternated with the
   autoregressive sampler trained on E_q[log(1-D) - log D].  Expectations exact (sums over
   the enumerated set) or from n demonstrations and n sampler draws per step.

Hand-derived gradients (checked against autograd and finite differences in
``tests/solvers/tabular/test_guided_cost.py``):

- discriminator: ∂L_D/∂θ = Fᵀ(p (1-D) - q D), ∂L_D/∂log Z = Σ p (1-D) - Σ q D;
- generator: log(1-D) - log D = -ℓ = c + log Z + log q, so L_G(φ) = Σ_τ q_φ (c + log Z + log q_φ)
  and ∇_φ L_G = Σ_τ ∇q_φ(τ) (c(τ) + log q_φ(τ)) (the log Z and the "+1" from ∇ log q sum to
  zero because Σ ∇q = 0), which is the gradient of E_q[r] with r = c + log q held fixed;
- autoregressive softmax: ∂/∂logits[t][u, a] of Σ_τ w(τ) r(τ) log q(τ) (w held fixed) is
  M[u, a] - π_t(a | u) Σ_a' M[u, a'] with M[u, a] = Σ_{τ extends (u, a)} w(τ) r(τ): block sums
  of contiguous rows, because row order is lexicographic.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import expit, softmax

from solvers.results import ArrayResult
from theory.autoregressive import check_logits
from theory import autoregressive
from solvers.problems.trajectories import sample_demonstrations
from theory.validation import as_float_array, as_generator, check_in, check_int, check_positive
from solvers.tabular.gcl_sampler import check_weights, init_logits, log_density
from solvers.validation import check_vector
from solvers.tabular.gcl_sampler import density, sample, empirical_weights, expectation_gradient
from solvers.tabular.gcl_partition import FORMS, SELF_CONSISTENT_TOL, check_features
from solvers.tabular.gcl_partition import mixture_log_density, is_log_partition
from solvers.tabular.gcl_partition import self_consistent_log_partition, is_cost_gradient
from solvers.tabular.gcl_partition import PartitionStudy, partition_study, ErrorSummary
from solvers.tabular.gcl_partition import error_summary

__all__ = [
    "FORMS",
    "EXPECTATIONS",
    "DISC_STEPS",
    "SAMPLER_STEPS",
    "init_logits",
    "log_density",
    "density",
    "sample",
    "empirical_weights",
    "expectation_gradient",
    "mixture_log_density",
    "is_log_partition",
    "self_consistent_log_partition",
    "is_cost_gradient",
    "PartitionStudy",
    "partition_study",
    "ErrorSummary",
    "error_summary",
    "discriminator_objective",
    "generator_objective",
    "cost_gap",
    "GANFormRun",
    "newton_direction",
    "natural_direction",
    "expectation_weights",
    "discriminator_step",
    "sampler_update",
    "gan_form_diagnostics",
    "train_gan_form",
]

EXPECTATIONS = ("exact", "sampled")
DISC_STEPS = ("newton", "gradient")
SAMPLER_STEPS = ("natural", "gradient")

#: Damped Newton steps of the discriminator move no logit ℓ(τ) by more than this many nats
#: per step (a trust region; near the optimum the full Newton step is far smaller).
NEWTON_MAX_LOGIT_STEP = 2.0


# ============================================================================ 3. GAN form
def _disc(theta, log_z, f, log_q, p, qw):
    """Loss, ∂/∂θ, ∂/∂log Z and D of the Finn discriminator (arrays already validated)."""
    ell = -(f @ theta) - log_z - log_q  # logit of D
    loss = float(p @ np.logaddexp(0.0, -ell) + qw @ np.logaddexp(0.0, ell))
    d = expit(ell)
    g = p * expit(-ell) - qw * d  # p (1 - D) - q D
    return loss, f.T @ g, float(g.sum()), d


def discriminator_objective(
    theta: ArrayLike, log_z: float, features: ArrayLike, log_q: ArrayLike, p_data: ArrayLike,
    *, q_weights: ArrayLike | None = None,
) -> tuple[float, np.ndarray, float]:
    """The Finn discriminator's loss and its gradient in (θ, log Z).

        D(τ) = σ(ℓ(τ)),  ℓ = -θ·f(τ) - log Z - log q(τ)   (= (e^{-c}/Z) / (e^{-c}/Z + q)),
        L_D = E_p[-log D] + E_q[-log(1 - D)] = Σ p softplus(-ℓ) + Σ q̂ softplus(ℓ),
        ∂L_D/∂θ = Fᵀ(p (1 - D) - q̂ D),   ∂L_D/∂log Z = Σ p (1 - D) - Σ q̂ D.

    Source: Finn et al. (2016), Section 3.1 (the discriminator) and Section 2.1 (the GAN
    discriminator loss); gradients derived here.

    Parameters
    ----------
    theta : array_like, shape (K,)
    log_z : float
    features : array_like, shape (N, K)
    log_q : array_like, shape (N,)
        log of the sampler's density at every trajectory (finite).
    p_data : array_like, shape (N,)
        Data distribution or empirical demonstration weights.
    q_weights : array_like, shape (N,), optional
        Weights of E_q (empirical sampler weights); default exp(log_q).

    Returns
    -------
    (float, ndarray of shape (K,), float)
        Loss (nats), ∂/∂θ, ∂/∂log Z.
    """
    f = check_features(features)
    n, k = f.shape
    th = check_vector(theta, "theta", k)
    lq = check_vector(log_q, "log_q", n)
    p = check_weights(p_data, "p_data", n)
    qw = np.exp(lq) if q_weights is None else check_weights(q_weights, "q_weights", n)
    s = float(as_float_array(log_z, "log_z"))
    loss, g_theta, g_s, _ = _disc(th, s, f, lq, p, qw)
    return loss, g_theta, g_s


def generator_objective(logits, cost: ArrayLike, log_z: float, *, weights: ArrayLike | None = None):
    """The sampler's loss E_q[log(1 - D) - log D] and its gradient in the logits.

    With ℓ = -c - log Z - log q, log(1 - D) - log D = -ℓ, so
    L_G = Σ_τ q(τ) (c(τ) + log Z + log q(τ)) = log Z + E_q[c] - H(q), and
    ∇ L_G = Σ_τ ∇q(τ) (c(τ) + log q(τ)) (exact), or with ``weights`` w of draws from q, the
    score-function estimate Σ_τ w (c + log q - b) ∇ log q with baseline b = Σ w (c + log q).

    Source: Finn et al. (2016), Section 3.2 (the generator's loss is log Z plus the
    entropy-regularized sampler loss of guided cost learning); gradient derived in the module
    docstring.

    Parameters
    ----------
    logits : list of array_like
        ``logits[t]`` of shape (A^t, A).
    cost : array_like, shape (A^H,)
    log_z : float
    weights : array_like, shape (A^H,), optional
        Empirical weights of sampler draws; default: exact expectations under q.

    Returns
    -------
    (float, list of ndarray)
        The loss (exact, or its sample estimate) and the gradient, shaped like ``logits``.

    Notes
    -----
    The baseline is computed from the same n draws, so the sampled gradient's mean is
    (1 - 1/n) ∇L_G (E[b Σ w ∇log q] = E_q[r ∇log q]/n): a positive rescaling, harmless for
    descent.
    """
    arrays, a, h = check_logits(logits)
    c = check_vector(cost, "cost", a**h)
    s = float(as_float_array(log_z, "log_z"))
    log_q = autoregressive.log_density(arrays)
    r = c + log_q
    if weights is None:
        w = np.exp(log_q)
        return float(w @ r + s), autoregressive.expectation_gradient(arrays, w * r)
    w = check_weights(weights, "weights", a**h)
    b = float(w @ r)
    return b + s, autoregressive.expectation_gradient(arrays, w * (r - b))


def cost_gap(cost_a: ArrayLike, cost_b: ArrayLike) -> float:
    """min_k max_τ |c_a(τ) - c_b(τ) - k| = (max d - min d)/2 with d = c_a - c_b: the sup-norm
    distance between two costs up to an additive constant."""
    a = as_float_array(cost_a, "cost_a")
    b = as_float_array(cost_b, "cost_b")
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"`cost_a` and `cost_b` must be 1-D of equal length (got {a.shape}, {b.shape})")
    d = a - b
    return float(0.5 * (d.max() - d.min()))


@dataclass
class GANFormRun(ArrayResult):
    """Alternating training of the Finn discriminator and the autoregressive sampler.

    Attributes
    ----------
    theta : ndarray, shape (K,)
        Final cost weights; cost = features @ theta.
    log_z : float
        Final log Z of the discriminator.
    logits : list of ndarray
        Final sampler logits (``logits[t]`` of shape (A^t, A)).
    cost : ndarray, shape (N,)
    q : ndarray, shape (N,)
        Final sampler density.
    d : ndarray, shape (N,)
        Final D(τ) = σ(-c - log Z - log q) (exact, whatever ``expectations``).
    steps : ndarray of int, shape (n_records,)
        Outer steps at which the history was recorded.
    theta_history : ndarray, shape (n_records, K)
    log_z_history : ndarray, shape (n_records,)
    disc_loss, gen_loss : ndarray, shape (n_records,)
        Exact losses (sums over the set) at the recorded steps.
    disc_grad_norm, gen_grad_norm : ndarray, shape (n_records,)
        Max-norm of the exact gradients at the recorded steps.
    n_steps : int
        Outer steps taken (fewer than asked when ``tol`` was reached).
    converged : bool
        Whether both exact gradients fell below ``tol`` (exact expectations only).
    expectations, disc_step, sampler_step : str
    lr_d, lr_g : float
    theta_average : ndarray, shape (K,)
        Mean of θ over the second half of the steps (Polyak average; useful when sampled).
    log_z_average : float
    """

    theta: np.ndarray
    log_z: float
    logits: list
    cost: np.ndarray
    q: np.ndarray
    d: np.ndarray
    steps: np.ndarray
    theta_history: np.ndarray
    log_z_history: np.ndarray
    disc_loss: np.ndarray
    gen_loss: np.ndarray
    disc_grad_norm: np.ndarray
    gen_grad_norm: np.ndarray
    n_steps: int
    converged: bool
    expectations: str
    disc_step: str
    sampler_step: str
    lr_d: float
    lr_g: float
    theta_average: np.ndarray = field(default=None)
    log_z_average: float = float("nan")


def newton_direction(f1: np.ndarray, curv: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """Minimum-norm solution of (Gᵀ diag(curv) G) x = grad (G = [F, 1], ``f1``): the Newton
    direction of L_D in (θ, log Z).  Least squares, so a constant direction of the features
    (c and log Z trading off) does not break the solve.

    Source: the exact Hessian of the discriminator loss of Finn et al. (2016), Section 3.1
    (module docstring); the solve is ours.
    """
    hess = f1.T @ (curv[:, None] * f1)
    return np.linalg.lstsq(hess, grad, rcond=None)[0]


def natural_direction(arrays, a, log_q, r, w):
    """Fisher-preconditioned direction of a tabular softmax sampler for E_q[r]: per block,
    R(u, a) - Σ_a' π(a' | u) R(u, a') with R(u, a) = Σ_{τ ⊒ (u, a)} w r / P(u, a) (w = q: the
    conditional expectation E_q[r | (u, a)], computed from log-densities so that rare prefixes
    do not underflow; w = empirical weights: the score-function estimate divided by P(u, a)).

    Source: Kakade (2002), the natural policy gradient of a tabular softmax policy (the
    gradient block divided by the probability of reaching (u, a)).
    """
    h = len(arrays)
    out = [None] * h
    for t in range(h):
        blocks = log_q.reshape(a ** (t + 1), -1)
        log_reach = np.max(blocks, axis=1)
        log_reach = log_reach + np.log(np.sum(np.exp(blocks - log_reach[:, None]), axis=1))
        if w is None:
            cond = np.exp(blocks - log_reach[:, None])  # q(τ | u, a)
            big_r = np.sum(cond * r.reshape(a ** (t + 1), -1), axis=1)
        else:
            mass = np.sum((w * r).reshape(a ** (t + 1), -1), axis=1)
            with np.errstate(over="ignore"):
                inv = np.exp(-log_reach)
            big_r = np.where(mass != 0, mass * np.where(mass != 0, inv, 0.0), 0.0)
        big_r = big_r.reshape(a**t, a)
        pi = softmax(arrays[t], axis=1)
        out[t] = big_r - np.sum(pi * big_r, axis=1, keepdims=True)
    return out


def expectation_weights(p: np.ndarray, logits: list, log_q: np.ndarray, *, n_samples: int | None,
                        rng: np.random.Generator | None) -> tuple[np.ndarray, np.ndarray]:
    """The weights of E_p and E_q in one discriminator step: exact (p_data and q = exp(log q)),
    or the empirical weights of ``n_samples`` demonstrations drawn from p_data and
    ``n_samples`` trajectories drawn from the sampler (``n_samples`` given)."""
    if n_samples is None:
        return p, np.exp(log_q)
    pw = sample_demonstrations(p, n_samples, rng)[1]
    return pw, empirical_weights(sample(logits, n_samples, rng), p.shape[0])


def discriminator_step(theta: np.ndarray, log_z: float, f: np.ndarray, log_q: np.ndarray,
                       pw: np.ndarray, qw: np.ndarray, *, lr_d: float, method: str
                       ) -> tuple[np.ndarray, float]:
    """One descent step of the Finn discriminator's loss L_D in (θ, log Z).

    ``"gradient"``: (θ, log Z) -= η_d ∇L_D.  ``"newton"``: (θ, log Z) -= η H⁺ ∇L_D with the
    exact Hessian H = Gᵀ diag((p + q̂) D (1 - D)) G (:func:`newton_direction`), η = η_d capped
    so that no logit moves by more than :data:`NEWTON_MAX_LOGIT_STEP` nats, then halved until
    L_D does not increase (60 halvings at most; no move if none descends).

    Source: Finn et al. (2016), Section 3.1 (the discriminator and its loss); gradients and
    Hessian in the module docstring.

    Parameters
    ----------
    theta : ndarray, shape (K,)
    log_z : float
    f : ndarray, shape (N, K)
        Features.
    log_q : ndarray, shape (N,)
    pw, qw : ndarray, shape (N,)
        Weights of E_p and E_q (:func:`expectation_weights`).
    lr_d : float > 0
    method : {"newton", "gradient"}

    Returns
    -------
    (ndarray, float)
        The new θ and log Z.
    """
    k = theta.shape[0]
    loss, g_th, g_s, d = _disc(theta, log_z, f, log_q, pw, qw)
    if method != "newton":
        return theta - lr_d * g_th, log_z - lr_d * g_s
    f1 = np.hstack([f, np.ones((f.shape[0], 1))])
    direction = newton_direction(f1, (pw + qw) * d * (1.0 - d), np.append(g_th, g_s))
    # Trust region: no logit moves by more than NEWTON_MAX_LOGIT_STEP nats (a full Newton step
    # from a saturated D overshoots by orders of magnitude).
    move = float(np.max(np.abs(f1 @ direction)))
    eta = lr_d * min(1.0, NEWTON_MAX_LOGIT_STEP / move) if move > 0 else lr_d
    for _ in range(60):  # backtracking: never increase the (empirical) loss
        new_th, new_s = theta - eta * direction[:k], log_z - eta * direction[k]
        if _disc(new_th, new_s, f, log_q, pw, qw)[0] <= loss:
            return new_th, new_s
        eta *= 0.5
    return theta, log_z


def sampler_update(logits: list, cost: np.ndarray, *, lr_g: float, method: str,
                   n_samples: int | None, rng: np.random.Generator | None) -> list:
    """One descent step of the sampler's loss L_G = E_q[c + log Z + log q] in its logits.

    With r = c + log q: ``"gradient"``: logits -= η_g ∇L_G (exact, or the score-function
    estimate from ``n_samples`` draws with a mean baseline); ``"natural"``: logits -= η_g times
    the Fisher-preconditioned direction (:func:`natural_direction`).

    Source: Finn et al. (2016), Section 3.2 (the generator's loss); Kakade (2002) (natural
    gradient).

    Parameters
    ----------
    logits : list of ndarray
        ``logits[t]`` of shape (A^t, A).
    cost : ndarray, shape (A^H,)
    lr_g : float > 0
    method : {"natural", "gradient"}
    n_samples : int or None
        Sampled expectations from this many draws (None: exact).
    rng : Generator or None

    Returns
    -------
    list of ndarray
        The new logits.
    """
    a = logits[0].shape[1]
    log_q = autoregressive.log_density(logits)
    r = cost + log_q
    w = None
    if n_samples is not None:
        w = empirical_weights(sample(logits, n_samples, rng), cost.shape[0])
        r = r - w @ r  # mean baseline (does not change the expectation)
    if method == "natural":
        grads = natural_direction(logits, a, log_q, r, w)
    else:
        grads = autoregressive.expectation_gradient(logits, (np.exp(log_q) if w is None else w) * r)
    return [x - lr_g * g for x, g in zip(logits, grads)]


def gan_form_diagnostics(theta: np.ndarray, log_z: float, f: np.ndarray, p: np.ndarray,
                         logits: list) -> tuple[float, float, float, float]:
    """Exact losses and gradient max-norms of both players (sums over the enumerated set).

    Returns
    -------
    (float, float, float, float)
        L_D, L_G, max(‖∇_θ L_D‖∞, |∂L_D/∂log Z|) and max_t ‖∇_{logits[t]} L_G‖∞.
    """
    log_q = autoregressive.log_density(logits)
    q = np.exp(log_q)
    loss_d, g_th, g_s, _ = _disc(theta, log_z, f, log_q, p, q)
    r = f @ theta + log_q
    g_phi = autoregressive.expectation_gradient(logits, q * r)
    disc_norm = max(float(np.max(np.abs(g_th))) if theta.shape[0] else 0.0, abs(g_s))
    return loss_d, float(q @ r + log_z), disc_norm, max(float(np.max(np.abs(x))) for x in g_phi)


def train_gan_form(
    features: ArrayLike,
    p_data: ArrayLike,
    *,
    n_actions: int,
    horizon: int,
    n_steps: int,
    disc_step: str = "newton",
    sampler_step: str = "natural",
    lr_d: float | None = None,
    lr_g: float = 1.0,
    n_disc_steps: int = 1,
    n_gen_steps: int = 1,
    theta0: ArrayLike | None = None,
    log_z0: float = 0.0,
    logits0=None,
    tol: float = 0.0,
    expectations: str = "exact",
    n_samples: int | None = None,
    seed=None,
    record_every: int = 1,
) -> GANFormRun:
    """Alternate steps of the Finn discriminator (θ, log Z) and of the tabular autoregressive
    sampler, on all A^H trajectories of a deterministic MDP.

    Each outer step: ``n_disc_steps`` descent steps on L_D(θ, log Z) against the current q
    (:func:`discriminator_objective`), then ``n_gen_steps`` descent steps on
    L_G = E_q[log(1 - D) - log D] (:func:`generator_objective`) against the updated D.

    Source: Finn et al. (2016), Section 3 (the GAN whose discriminator is the cost plus the
    sampler's density, and its generator loss), with guided cost learning's alternation of
    cost and sampler updates (Finn, Levine & Abbeel 2016, Algorithm 1).

    Parameters
    ----------
    features : array_like, shape (A^H, K)
        f(τ) in trajectory row order (``TrajectorySet.features``); the identity matrix gives a
        tabular cost (one weight per trajectory).
    p_data : array_like, shape (A^H,)
        Data distribution or empirical demonstration weights.
    n_actions, horizon : int
        A and H.
    n_steps : int, >= 0
        Outer steps.
    disc_step : {"newton", "gradient"}
        ``"newton"``: (θ, log Z) -= lr_d H⁺ g with H = Gᵀ diag((p + q̂) D (1 - D)) G, G = [F, 1],
        the exact Hessian of L_D (least-squares solve), halving the step until L_D does not
        increase.  ``"gradient"``: plain gradient descent.
    sampler_step : {"natural", "gradient"}
        ``"gradient"``: logits -= lr_g ∇L_G.  ``"natural"``: the Fisher-preconditioned step of
        a tabular softmax policy, logits[t][u] -= lr_g (R(u, ·) - V(u)) with
        R(u, a) = E_q[c + log q | τ ⊒ (u, a)], the gradient block divided by the probability
        Q_t(u) π_t(a | u) of reaching (u, a) (Kakade 2002); at lr_g = 1 it is one soft policy
        iteration sweep.
    lr_d : float, optional
        Discriminator step.  Default 1 for Newton; for gradient steps 2 / (1 + max ‖f(τ)‖²):
        the Hessian's norm is at most ¼ Σ (p + q) ‖G_τ‖² <= ½ max ‖G_τ‖², so this is 1/L and
        every exact step descends.
    lr_g : float
        Sampler step.
    n_disc_steps, n_gen_steps : int, >= 1
    theta0 : array_like, shape (K,), optional
        Initial cost weights (default zeros).
    log_z0 : float
    logits0 : list of arrays, optional
        Initial sampler (default uniform).
    tol : float, >= 0
        With exact expectations, stop when the max-norm of both exact gradients is <= tol
        (checked at every recorded step; 0 never stops early).
    expectations : {"exact", "sampled"}
        ``"sampled"``: every step draws ``n_samples`` demonstrations from ``p_data`` and
        ``n_samples`` trajectories from q (:func:`sample`) and uses their empirical weights
        for both players (score-function gradient, with a mean baseline, for the sampler).
    n_samples : int, required when sampled
    seed : int, SeedSequence or Generator, required when sampled
    record_every : int, >= 1

    Returns
    -------
    GANFormRun

    Raises
    ------
    ValueError, TypeError
        Bad shapes (features must have A^H rows), distributions, steps or options.

    Notes
    -----
    At a joint stationary point with exact expectations, q = exp(-c_θ)/Z_θ (the sampler's
    minimizer), hence D = (Z_θ/Z)/(Z_θ/Z + 1) is constant, the log Z condition makes it 1/2
    (Z = Z_θ), and the θ condition Fᵀ(p (1 - D) - q D) = 0 becomes E_p[f] = E_{p_θ}[f]: the
    MaxEnt IRL moment matching.  So the GAN form reaches the MaxEnt IRL cost (up to a constant,
    and exactly if F has no constant direction) for any data, and q = p_data when p_data lies
    in the exponential family of the features.
    """
    f = check_features(features)
    a = check_int(n_actions, "n_actions", minimum=1)
    h = check_int(horizon, "horizon", minimum=1)
    n_traj, k = f.shape
    if n_traj != a**h:
        raise ValueError(f"`features` must have A^H = {a**h} rows (got {n_traj})")
    p = check_weights(p_data, "p_data", n_traj)
    if p.ndim != 1:
        raise ValueError("`p_data` must be 1-D")
    n_steps = check_int(n_steps, "n_steps", minimum=0)
    disc_step = check_in(disc_step, "disc_step", DISC_STEPS)
    sampler_step = check_in(sampler_step, "sampler_step", SAMPLER_STEPS)
    if lr_d is None:
        lr_d = 1.0 if disc_step == "newton" else 2.0 / (1.0 + float(np.max(np.sum(f**2, axis=1))))
    lr_d = check_positive(lr_d, "lr_d")
    lr_g = check_positive(lr_g, "lr_g")
    n_disc_steps = check_int(n_disc_steps, "n_disc_steps", minimum=1)
    n_gen_steps = check_int(n_gen_steps, "n_gen_steps", minimum=1)
    theta = np.zeros(k) if theta0 is None else check_vector(theta0, "theta0", k).copy()
    s = float(as_float_array(log_z0, "log_z0"))
    if logits0 is None:
        logits = init_logits(a, h)
    else:
        logits, a0, h0 = check_logits(logits0, "logits0")
        if (a0, h0) != (a, h):
            raise ValueError(f"`logits0` must be for A={a}, H={h} (got A={a0}, H={h0})")
        logits = [x.copy() for x in logits]
    if isinstance(tol, bool) or not isinstance(tol, (int, float, np.floating)) or not np.isfinite(tol) or tol < 0:
        raise ValueError(f"`tol` must be a finite number >= 0 (got {tol!r})")
    expectations = check_in(expectations, "expectations", EXPECTATIONS)
    record_every = check_int(record_every, "record_every", minimum=1)
    sampled = expectations == "sampled"
    if sampled:
        if n_samples is None:
            raise ValueError("`n_samples` is required when expectations='sampled'")
        n_samples = check_int(n_samples, "n_samples", minimum=1)
    rng = as_generator(seed) if sampled else None
    n_samples = n_samples if sampled else None

    rec_steps, history = [], []
    th_sum, s_sum, n_avg = np.zeros(k), 0.0, 0

    def record(step):
        rec_steps.append(step)
        history.append((theta.copy(), s, *gan_form_diagnostics(theta, s, f, p, logits)))
        return max(history[-1][4], history[-1][5])

    converged = (not sampled) and tol > 0 and record(0) <= tol
    if not rec_steps:
        record(0)
    step = 0
    while step < n_steps and not converged:
        log_q = autoregressive.log_density(logits)
        for _ in range(n_disc_steps):
            pw, qw = expectation_weights(p, logits, log_q, n_samples=n_samples, rng=rng)
            theta, s = discriminator_step(theta, s, f, log_q, pw, qw, lr_d=lr_d, method=disc_step)
        cost = f @ theta
        for _ in range(n_gen_steps):
            logits = sampler_update(logits, cost, lr_g=lr_g, method=sampler_step,
                                    n_samples=n_samples, rng=rng)
        step += 1
        if step > n_steps // 2:
            th_sum += theta
            s_sum += s
            n_avg += 1
        if step % record_every == 0 or step == n_steps:
            worst = record(step)
            converged = (not sampled) and tol > 0 and worst <= tol

    th_h, s_h, dl, gl, dn, gn = (list(column) for column in zip(*history))
    log_q = autoregressive.log_density(logits)
    cost = f @ theta
    return GANFormRun(
        theta=theta, log_z=s, logits=logits, cost=cost, q=np.exp(log_q),
        d=expit(-cost - s - log_q), steps=np.asarray(rec_steps),
        theta_history=np.asarray(th_h).reshape(-1, k), log_z_history=np.asarray(s_h),
        disc_loss=np.asarray(dl), gen_loss=np.asarray(gl), disc_grad_norm=np.asarray(dn),
        gen_grad_norm=np.asarray(gn), n_steps=step, converged=bool(converged),
        expectations=expectations, disc_step=disc_step, sampler_step=sampler_step, lr_d=lr_d,
        lr_g=lr_g, theta_average=th_sum / n_avg if n_avg else theta.copy(),
        log_z_average=s_sum / n_avg if n_avg else s,
    )
