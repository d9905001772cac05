"""Claims from Silver et al. (2014), "Deterministic Policy Gradient Algorithms" (ICML), and its deep
version DDPG (Lillicrap et al. 2016), on the scalar discounted linear-quadratic regulator, whose
optimal policy u = −k* x is known in closed form (:mod:`theory.lqr`).

Independent routes compared:

- the DPG theorem (Theorem 1, eq. (9)) in closed form against central finite differences of the
  closed-form return J(k), the visitation moment against Monte Carlo rollouts, the Riccati gain
  against a numerical maximization of J, and the sympy derivation ``silver2014/dpg-theorem-lqr``;
- the DDPG actor update (autograd through the fused critic), the generator update of a
  conditional GAN built separately on :mod:`solvers.neural.mlp` networks with D = Q, and the
  explicit chain-rule product ∇_θ μ · ∇_u Q (per-sample Jacobians), plus the sympy derivation
  ``silver2014/actor-update-equals-conditional-gan-generator``;
- the gains learned by :func:`solvers.neural.ddpg.train_ddpg` (which simulates the LQR and never
  calls :mod:`theory.lqr`) against k* from the Riccati equation.
"""

from __future__ import annotations

import functools

import numpy as np
from autograd import grad
from scipy.optimize import minimize_scalar

from experiments.claims.support import ALPHA, derived_claim
from experiments.claims.tolerances import FLOAT_ATOL, central_difference_atol
from experiments.registry import Context, Evidence, claim
from solvers.neural.ddpg import (
    DDPGConfig,
    ScalarLQR,
    actor_loss,
    conditional_gan_generator_loss,
    deterministic_policy_gradient,
    init_ddpg,
    train_ddpg,
    unstack_run,
)
from solvers.neural.optim import tree_leaves, tree_map
from theory import concentration
from theory.lqr import (
    lqr_discounted_state_moment,
    lqr_dpg_gradient,
    lqr_optimal,
    lqr_policy_value,
    lqr_return,
)

SOURCE = "Silver et al. (2014), Theorem 1, eq. (9)"
DPG_LQR = "silver2014/dpg-theorem-lqr"
IDENTITY = "silver2014/actor-update-equals-conditional-gan-generator"
DDPG = "silver2014/ddpg-reaches-optimal-gain"
DDPG_LONG = "silver2014/ddpg-reaches-optimal-gain-long"

#: The scalar LQR the DPG-theorem and DDPG claims are posed on, and the chain both DDPG claims
#: share (a neural run scored against the Riccati optimum, drawn in one figure), written once.
SCALAR_LQR = "solvers.problems.lqr.ScalarLQR"
ddpg_claim = functools.partial(
    claim, kinds=("neural",), figures=("silver2014_ddpg",), closed_form="theory.lqr.lqr_optimal",
    solver="solvers.neural.ddpg.train_ddpg", problem=SCALAR_LQR)

#: The LQR every neural run uses: x' = 0.7 x + u + 0.3 w, reward −(x² + 0.5 u²), γ = 0.9,
#: x_0 ~ N(0, 1); k* = 0.4741, and every gain in (−0.35, 1.75) has a finite value.
PROBLEM = ScalarLQR(a=0.7, b=1.0, q=1.0, r=0.5, gamma=0.9, sigma=0.3, x0_std=1.0)

#: Central differences with h = 1e-6 of the closed-form J(k) (~16 float operations), |J| <= 60 and
#: |J'''| <= 6e3 on the gains used (γ c² <= 0.8); absolute near the optimum, relative to
#: |∇J| >= 1e-2 elsewhere.
FD_STEP = 1e-6
FD_ATOL = central_difference_atol(FD_STEP, value_scale=60.0, third_derivative=6e3, ulps=16)
FD_RTOL = 1e-7
#: False-alarm probability of the Monte Carlo visitation part (exact chi-square-type bound).
MC_ALPHA = ALPHA
#: Riccati gain vs bounded scalar maximization of the closed-form J (xatol = 1e-10): the
#: optimizer's tolerance on a quadratic-like peak.
ARGMAX_ATOL = 1e-7
#: Three autograd routes to one gradient through the same networks (fused primitive vs
#: autograd's layer ops vs per-sample Jacobians): they differ by float rounding of differently
#: ordered sums, relative to the gradient's largest entry.
AUTOGRAD_RTOL = 1e-12
#: DDPG at the fast setting (1,500 steps, 5 runs) must reach a near-optimal policy: "near" is
#: RETURN_RTOL, a return within 1% of J*.  The gain allowance is what that bounds: the largest
#: |k - k*| on either side with (J* - J(k)) / |J*| <= RETURN_RTOL, solved from the closed-form J
#: (:func:`gain_allowance`; 0.0829 on the side k < k*, 0.0860 above).  Before training |k̂ − k*| = 0.47.
RETURN_RTOL = 0.01


def gain_allowance(rtol: float = RETURN_RTOL) -> float:
    """min over both sides of the |k - k*| at which J(k) falls rtol |J*| short of J*."""
    from scipy.optimize import brentq

    (a, b, q, r, gamma), kw = lqr_args()
    opt = lqr_optimal(a, b, q, r, gamma, **kw)

    def short(delta):
        return (opt.J - lqr_return(opt.k + delta, a, b, q, r, gamma, **kw)) / abs(opt.J) - rtol

    # J is finite for gains in (-0.35, 1.75) and k* = 0.474: brackets of 0.5 and 0.4 stay inside
    return float(min(brentq(short, 1e-9, 0.5), brentq(lambda d: short(-d), 1e-9, 0.4)))


#: Full tier (4,000 steps, 10 runs), stated by returns like the fast tier:
#: - the linear actor ends within RETURN_RTOL_LONG = 0.5% of J* (half the fast tier's gap, with 2.7x
#:   the steps); GAIN_ATOL_LONG (set below, ~0.059) is the gain error at which J falls that short;
#: - the MLP actor is as close to u* = -k* s, in RMSE under the optimal policy's normalized
#:   discounted state distribution (1 - γ)ρ*, as a linear gain whose return is MLP_RETURN_RTOL = 3%
#:   short: a linear policy with gain error δ has RMSE δ·sqrt((1 - γ) M2(k*)) there, so
#:   POLICY_RMSE_TOL (set below, ~0.061) = gain_allowance(3%) x sqrt((1 - γ) M2(k*)).
#: What was measured (seeds 0-1, before these were stated): largest |k̂ - k*| 0.035 (a 0.18% return
#: gap) and largest MLP RMSE 0.039.  The levels are the claim's statement, not fitted bounds.
RETURN_RTOL_LONG = 0.005
MLP_RETURN_RTOL = 0.03
#: The MLP part is a statement about most runs, not every run.  An MLP-actor run can diverge
#: transiently early on (RMSE 0.7 at step 500) and then recover too slowly to finish inside the
#: allowance at 4,000 steps: 1 of the 200 runs at seeds 0-19 did (seed 8, run 8: RMSE 0.081; the
#: same run reaches 0.032 by 6,000 steps), so "every one of 10 runs" fails at about 1 seed in 20
#: whatever the level, and more steps only lower that rate.  The statement is instead: a run misses
#: the allowance with probability at most MLP_MISS_PROB = 2% (a stated level, 4x that measured
#: 1/200 rate, whose one-sided 95% Clopper-Pearson upper bound is 0.023; any level in [1%, 2.1%]
#: gives the same count below).  Under it the number of missing runs
#: of the 10 independent ones is stochastically <= Binomial(10, 2%), so accepting at most
#: MLP_MAX_MISSES = binomial_upper(10, 2%, ALPHA) = 4 misses (exact tail P[Bin >= 5] = 7.4e-7)
#: rejects a learner that meets the statement with probability <= ALPHA.  What the check then
#: requires is at least 6 of the 10 runs within the allowance (the median run is); a learner that
#: does not learn (actor lr 0, too few steps) misses with every run and fails.
MLP_MISS_PROB = 0.02

#: The fast DDPG setting (the defaults of DDPGConfig, restated so the claim pins them).
FAST = dict(n_steps=1500, n_runs=5, actor_hidden=(), critic_hidden=(64,), lr_actor=1e-3, lr_critic=3e-3,
            tau=0.05, batch_size=64, noise_std=0.5, n_envs=8)
LONG = dict(FAST, n_steps=4000, n_runs=10)
#: The full tier's MLP actor: one hidden layer of 16 tanh units, linear output, a slower actor
#: (lr 3e-4; at 1e-3 one run in 20 diverged, and a 3 tanh(.) output bound did not prevent it).
MLP_ACTOR = dict(actor_hidden=(16,), lr_actor=3e-4)


def lqr_args(env: ScalarLQR = PROBLEM):
    """``((a, b, q, r, gamma), {"sigma": ..., "x0_var": ...})`` of ``env`` for :mod:`theory.lqr`'s
    functions (shared with the figure)."""
    p = env.params
    return (p["a"], p["b"], p["q"], p["r"], p["gamma"]), {"sigma": p["sigma"], "x0_var": p["x0_var"]}


def _rms_state_optimal() -> float:
    """sqrt of the second moment of s under (1 - γ) ρ of the optimal policy (closed form)."""
    (a, b, q, r, gamma), kw = lqr_args()
    k_star = lqr_optimal(a, b, q, r, gamma, **kw).k
    return float(np.sqrt((1 - gamma) * lqr_discounted_state_moment(k_star, a, b, gamma, **kw)))


#: See RETURN_RTOL_LONG / MLP_RETURN_RTOL above (both solved from the closed-form J).
GAIN_ATOL_LONG = gain_allowance(RETURN_RTOL_LONG)
POLICY_RMSE_TOL = gain_allowance(MLP_RETURN_RTOL) * _rms_state_optimal()
#: See MLP_MISS_PROB above: the most MLP runs of LONG's 10 allowed outside POLICY_RMSE_TOL (4).
MLP_MAX_MISSES = int(concentration.binomial_upper(LONG["n_runs"], MLP_MISS_PROB, ALPHA))


# --------------------------------------------------------------------------- DPG theorem on the LQR

#: (a, b, q, r, γ, σ, x0_var) of the problems the closed forms are checked on: the neural problem,
#: a marginally stable open loop, a negative input gain, small discount, no noise, no state cost.
_CASES = (
    (0.7, 1.0, 1.0, 0.5, 0.9, 0.3, 1.0),
    (1.0, 1.0, 1.0, 1.0, 0.9, 0.5, 1.0),
    (1.1, -0.5, 2.0, 0.3, 0.95, 1.0, 0.5),
    (0.5, 2.0, 0.3, 1.0, 0.5, 0.2, 2.0),
    (0.9, 1.0, 1.0, 1.0, 0.8, 0.0, 1.0),
    (0.9, 1.0, 0.0, 1.0, 0.8, 0.4, 1.0),
)


def visitation_quadratic_form(c: float, sigma: float, x0_var: float, gamma: float, horizon: int
                              ) -> tuple[float, float, float]:
    """(E Y_H = Σ λ, ‖λ‖₂) of the eigenvalues λ of Y = Σ_{t<H} γ^t x_t² for x_{t+1} = c x_t + σ w_t, x_0 ~ N(0, v_0), and a
    bound on E[Y_∞] - E[Y_H].  (x_0, ..., x_{H-1}) is Gaussian with Var x_t = v_t,
    v_{t+1} = c² v_t + σ², Cov(x_s, x_t) = c^{t-s} v_s (s <= t); Y = xᵀ D x with D = diag(γ^t),
    so Y = Σ λ_i Z_i² with λ the eigenvalues of D^½ Σ D^½.  A direct construction of the
    rollout's law, not theory.lqr's closed form.  Tail: γ^H max_t v_t / (1 - γ), v_t <= max(v_0,
    σ²/(1 - c²)) for |c| < 1."""
    v = np.empty(horizon)
    v[0] = x0_var
    for t in range(1, horizon):
        v[t] = c * c * v[t - 1] + sigma**2
    t = np.arange(horizon)
    lag = np.abs(t[:, None] - t[None, :])
    cov = c**lag * v[np.minimum(t[:, None], t[None, :])]
    root = np.sqrt(gamma ** t.astype(float))
    form = (root[:, None] * cov) * root[None, :]  # D^½ Σ D^½: its eigenvalues are those of D Σ
    vmax = max(x0_var, sigma**2 / (1.0 - c * c)) if abs(c) < 1 else np.inf
    # ‖λ‖₂ = the Frobenius norm; it also bounds max λ (no eigendecomposition needed)
    return float(np.trace(form)), float(np.linalg.norm(form)), float(gamma**horizon * vmax / (1.0 - gamma))


def _stable_gains(a: float, b: float, gamma: float, n: int = 9, margin: float = 0.8) -> np.ndarray:
    """n gains with γ (a − b k)² <= margin (away from the singular edge of J)."""
    half = np.sqrt(margin / gamma) / abs(b)
    return a / b + np.linspace(-half, half, n)


@derived_claim(
    DPG_LQR,
    statement="On the scalar discounted LQR with the linear policy u = -k x, the deterministic policy "
    "gradient E_{s~rho^mu}[d mu/dk dQ/du|u=mu(s)] equals dJ/dk of the closed-form return and vanishes "
    "exactly at the Riccati gain k*.",
    source=f"{SOURCE} and eq. (8); the discounted scalar Riccati equation (Bertsekas 2017, Vol. I, "
    "Section 3.1)",
    closed_form="theory.lqr.lqr_dpg_gradient",
    problem=SCALAR_LQR,
)
def dpg_theorem_lqr(ctx: Context):
    parts = {}
    predicted, measured = [], []
    for a, b, q, r, gamma, sigma, x0v in _CASES:
        ks = _stable_gains(a, b, gamma)
        kw = dict(sigma=sigma, x0_var=x0v)
        predicted.append(lqr_dpg_gradient(ks, a, b, q, r, gamma, **kw))
        measured.append((lqr_return(ks + FD_STEP, a, b, q, r, gamma, **kw)
                         - lqr_return(ks - FD_STEP, a, b, q, r, gamma, **kw)) / (2 * FD_STEP))
    parts["exact-finite-differences"] = Evidence.close(
        np.concatenate(predicted), np.concatenate(measured), atol=FD_ATOL, rtol=FD_RTOL,
        reason=f"central differences of the closed-form J(k), h = {FD_STEP:g}: rounding + truncation",
        details={"n_problems": len(_CASES), "gains_per_problem": 9})

    # The visitation moment ∫ ρ^μ s² ds by rollouts of the neural problem's optimal policy.
    (a, b, q, r, gamma), kw = lqr_args()
    opt = lqr_optimal(a, b, q, r, gamma, **kw)
    rng = ctx.rng(1)
    n, horizon = 20_000, 300  # γ^300 < 1e-13: the truncation is far below the standard error
    x = np.sqrt(kw["x0_var"]) * rng.standard_normal(n)
    total = np.zeros(n)
    for t in range(horizon):
        total += gamma**t * x * x
        x = (a - b * opt.k) * x + kw["sigma"] * rng.standard_normal(n)
    m2 = float(lqr_discounted_state_moment(opt.k, a, b, gamma, **kw))
    _, frob, tail = visitation_quadratic_form(a - b * opt.k, kw["sigma"], kw["x0_var"], gamma, horizon)
    lo, hi = concentration.gaussian_quadratic_mean_halfwidths(frob, frob, n, MC_ALPHA)
    dev = float(total.mean()) - m2
    parts["exact-monte-carlo-visitation"] = Evidence.bound(
        max(-dev - lo - tail, dev - hi), 0.0, relation="<=",
        reason=f"sum_t gamma^t x_t^2 is a Gaussian quadratic form: the mean of {n} rollouts lies in "
        "[M2 - lo, M2 + hi] with Laurent-Massart's chi-square bounds on its exact eigenvalues (closed-form "
        f"covariance of the rollout), false-alarm <= {MC_ALPHA:g}; plus the horizon's truncation "
        f"gamma^{horizon} sup E x_t^2 / (1 - gamma) = {tail:.1e}; no sample SE",
        details={"M2_closed_form": m2, "M2_rollouts": float(total.mean()), "n_rollouts": n,
                 "halfwidths": [lo, hi], "exact_sd_of_mean": float(np.sqrt(2.0 / n) * frob)})

    # The optimum: the Riccati gain maximizes J (numerically), the DPG vanishes there, p_{k*} = P.
    found = minimize_scalar(lambda k: -float(lqr_return(k, a, b, q, r, gamma, **kw)),
                            bounds=(opt.k - 1.0, opt.k + 1.0), method="bounded", options={"xatol": 1e-10})
    parts["exact-argmax"] = Evidence.close(
        opt.k, float(found.x), atol=ARGMAX_ATOL,
        reason="bounded scalar maximization of the closed-form J (xatol 1e-10)",
        details={"k_star": opt.k, "P": opt.P, "J_star": opt.J})
    parts["exact-stationary-at-k-star"] = Evidence.close(
        [0.0, opt.P], [float(lqr_dpg_gradient(opt.k, a, b, q, r, gamma, **kw)),
                       float(lqr_policy_value(opt.k, a, b, q, r, gamma, sigma=kw["sigma"]).p)],
        atol=FLOAT_ATOL, rtol=FLOAT_ATOL,
        reason="float rounding: the DPG at k* and p_{k*} against 0 and the Riccati root P")
    return parts


# --------------------------------------------------------------------------- actor = cGAN generator

#: (actor hidden widths, critic hidden widths, activation, action bound) of the random networks compared.
_NETWORKS = (((), (64,), "tanh", None), ((16,), (64,), "tanh", 3.0), ((32, 32), (64, 64), "tanh", None),
             ((16,), (32, 32), "softplus", 2.0))


def _random_networks(actor_hidden, critic_hidden, activation, rng, n_runs=3):
    """Networks with every weight N(0, 0.7²): generic, not the near-zero DDPG initialization."""
    cfg = DDPGConfig(actor_hidden=actor_hidden, critic_hidden=critic_hidden, activation=activation, n_runs=n_runs)
    params = init_ddpg(cfg, int(rng.integers(2**31)))
    return tree_map(lambda x: 0.7 * rng.standard_normal(np.shape(x)), params)


def three_routes(params: dict, s: np.ndarray, activation: str, bound: float | None = None) -> dict:
    """The actor's ascent direction three ways, as flat vectors per route:
    ``actor`` = −∇ actor_loss (DDPG), ``cgan`` = −∇ of the conditional-GAN generator loss run by
    run, ``chain`` = the explicit product (1/N) Σ ∇_θ μ(s_i) ∇_u Q(s_i, μ(s_i))."""
    actor, critic = params["actor"], params["critic"]
    g_actor = grad(actor_loss)(actor, critic, s, activation=activation, action_bound=bound)
    runs = s.shape[0]
    per_run = [grad(conditional_gan_generator_loss)(unstack_run(actor, r), unstack_run(critic, r), s[r],
                                                     activation=activation, output_bound=bound)
               for r in range(runs)]
    g_cgan = [{k: np.stack([per_run[r][i][k] for r in range(runs)]) for k in ("W", "b")}
              for i in range(len(actor))]
    g_chain = deterministic_policy_gradient(actor, critic, s, activation=activation, action_bound=bound)
    flat = lambda tree: np.concatenate([np.ravel(x) for x in tree_leaves(tree)])  # noqa: E731
    return {"actor": -flat(g_actor), "cgan": -flat(g_cgan), "chain": flat(g_chain)}


@derived_claim(
    IDENTITY,
    statement="The DDPG actor update equals the generator update of a conditional GAN whose "
    "discriminator is the critic Q(s, u) conditioned on the state: both are the deterministic policy "
    "gradient E_s[grad_theta mu(s) grad_u Q(s, u)|u=mu(s)].  This holds by construction (with D = Q "
    "the generator loss -E_s D(s, G(s)) is the actor loss -E_s Q(s, mu(s)) renamed); what is checked "
    "is that two separately written implementations and the explicit chain-rule product agree.",
    source=f"{SOURCE}; Lillicrap et al. (2016), eq. (6) and Algorithm 1; Mirza & Osindero (2014), eq. (2); "
    "the course notes' 'Pathwise Derivative Policy Gradient' ('this is a conditional GAN')",
    solver="solvers.neural.ddpg.deterministic_policy_gradient",
)
def actor_update_equals_cgan_generator(ctx: Context):
    parts = {}
    rng = ctx.rng(2)
    worst = {"cgan": 0.0, "chain": 0.0}
    norms = []
    for actor_hidden, critic_hidden, activation, bound in _NETWORKS:
        params = _random_networks(actor_hidden, critic_hidden, activation, rng)
        s = 1.5 * rng.standard_normal((3, 32))
        routes = three_routes(params, s, activation, bound)
        scale = float(np.max(np.abs(routes["actor"])))
        norms.append(scale)
        for other in ("cgan", "chain"):
            worst[other] = max(worst[other], float(np.max(np.abs(routes[other] - routes["actor"]))) / scale)
    details = {"networks": [f"actor {a}, critic {c}, {f}, bound {m}" for a, c, f, m in _NETWORKS],
               "runs_x_states": "3 x 32", "largest_gradient_entries": norms}
    parts["exact-cgan-generator"] = Evidence.close(
        0.0, worst["cgan"], atol=AUTOGRAD_RTOL,
        reason="relative difference, DDPG actor gradient vs conditional-GAN generator gradient (separate "
        "code paths): float rounding", details=details)
    parts["exact-chain-rule-product"] = Evidence.close(
        0.0, worst["chain"], atol=AUTOGRAD_RTOL,
        reason="relative difference, DDPG actor gradient vs the explicit product of per-sample Jacobians and "
        "critic action-gradients: float rounding", details=details)
    return parts


# --------------------------------------------------------------------------- DDPG learns k*


@functools.lru_cache(maxsize=4)
def ddpg_run(seed: int, long: bool = False, mlp: bool = False):
    """DDPG on :data:`PROBLEM` with the linear actor (or :data:`MLP_ACTOR`), cached: the claims and
    the figure share the runs."""
    setting = dict(LONG if long else FAST, **(MLP_ACTOR if mlp else {}))
    return train_ddpg(PROBLEM, DDPGConfig(seed=int(seed), **setting))


def discounted_state_quadrature(k: float, env: ScalarLQR = PROBLEM, *, n_nodes: int = 40,
                                horizon: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of the normalized discounted state distribution (1 − γ) ρ^μ of u = −k x.

    x_t ~ N(0, m_t) with m_t = c^{2t} x0_var + σ² Σ_{j<t} c^{2j}, mixed with weights (1 − γ) γᵗ
    (t < ``horizon``; γ^horizon is negligible), each Gaussian by probabilists' Gauss-Hermite.
    """
    (a, b, _, _, gamma), kw = lqr_args(env)
    c2 = (a - b * k) ** 2
    t = np.arange(horizon)
    m = c2**t * kw["x0_var"] + kw["sigma"] ** 2 * np.cumsum(np.concatenate([[0.0], c2 ** t[:-1]]))
    z, h = np.polynomial.hermite_e.hermegauss(n_nodes)
    h = h / h.sum()
    nodes = np.sqrt(m)[:, None] * z[None, :]
    weights = ((1 - gamma) * gamma**t)[:, None] * h[None, :]
    return nodes.ravel(), weights.ravel() / weights.sum()


def policy_rmse(run, k_star: float) -> np.ndarray:
    """Per run, sqrt(E (μ(s) + k* s)²) over the optimal policy's normalized discounted state distribution."""
    nodes, weights = discounted_state_quadrature(k_star)
    err = run.policy(nodes) + k_star * nodes
    return np.sqrt(err**2 @ weights)


def _ddpg_parts(run, tol: float, label: str, rtol: float = RETURN_RTOL) -> dict:
    (a, b, q, r, gamma), kw = lqr_args()
    opt = lqr_optimal(a, b, q, r, gamma, **kw)
    gains = run.gain[-1]
    gap = (opt.J - lqr_return(gains, a, b, q, r, gamma, **kw)) / abs(opt.J)
    details = {"k_star": opt.k, "learned_gains": gains, "initial_gains": run.gain[0],
               "n_runs": run.config.n_runs, "n_steps": run.config.n_steps, "seconds": run.seconds,
               "relative_return_gap": gap}
    return {
        f"{label}gain": Evidence.close(
            np.full(gains.shape, opt.k), gains, atol=tol,
            reason="learned actor gain vs the Riccati gain; allowance: the gain error at which the "
            f"return falls {100 * rtol:g}% short (solved from the closed-form J)", details=details),
        f"{label}return-gap": Evidence.bound(
            float(np.max(gap)), rtol, relation="<=",
            reason="(J* - J(k_learned)) / |J*| from the closed form: the definition of near-optimal",
            details=details),
    }


@ddpg_claim(
    DDPG,
    statement="DDPG (Q critic, deterministic linear actor, soft target networks, replay, Gaussian "
    "exploration) learns the optimal linear gain of the discounted LQR: every run ends within 1% of the "
    "optimal return, i.e. within 0.083 of k* (the gain error at which J falls 1% short).",
    source="Lillicrap et al. (2016), Algorithm 1; Silver et al. (2014), Theorem 1; the discounted Riccati "
    "gain (Bertsekas 2017, Vol. I, Section 3.1)",
)
def ddpg_reaches_optimal_gain(ctx: Context):
    return _ddpg_parts(ddpg_run(ctx.seed, False), gain_allowance(), "neural-")


@ddpg_claim(
    DDPG_LONG,
    statement="With 4,000 steps and 10 runs, every run of DDPG's linear actor ends within 0.5% of the optimal "
    "return (within 0.059 of k*), and at least 6 of 10 runs of an MLP actor match the optimal policy "
    "u = -k* x, over the optimal policy's discounted state distribution, to the RMSE of a linear gain whose "
    "return is 3% short (0.061).  Not every MLP run does: one can diverge early and recover too slowly "
    "(1 of 200 runs at seeds 0-19 ended at 0.081); the count 6 is what a learner whose runs each miss with "
    "probability <= 2% meets with probability >= 1 - 1e-6 (exact binomial tail).",
    source="Lillicrap et al. (2016), Algorithm 1; Silver et al. (2014), Theorem 1",
    tier="full",
)
def ddpg_reaches_optimal_gain_long(ctx: Context):
    parts = _ddpg_parts(ddpg_run(ctx.seed, True), GAIN_ATOL_LONG, "neural-linear-", RETURN_RTOL_LONG)
    (a, b, q, r, gamma), kw = lqr_args()
    k_star = lqr_optimal(a, b, q, r, gamma, **kw).k
    mlp = ddpg_run(ctx.seed, True, True)
    rmse = policy_rmse(mlp, k_star)
    nodes, weights = discounted_state_quadrature(k_star)
    parts["exact-quadrature-moment"] = Evidence.close(
        (1 - gamma) * float(lqr_discounted_state_moment(k_star, a, b, gamma, **kw)), float(nodes**2 @ weights),
        atol=FLOAT_ATOL, rtol=FLOAT_ATOL,
        reason="the RMSE's quadrature integrates s^2 to (1 - gamma) M2 (Gauss-Hermite is exact for "
        "polynomials; the mixture's tail beyond 400 terms is 0.9^400 ~ 5e-19): float rounding")
    misses = int(np.count_nonzero(rmse > POLICY_RMSE_TOL))
    parts["neural-mlp-policy-rmse"] = Evidence.bound(
        misses, MLP_MAX_MISSES, relation="<=",
        reason=f"number of the {rmse.size} MLP-actor runs whose RMSE against -k* s under (1 - gamma) rho of the "
        "optimal policy (Gauss-Hermite quadrature) exceeds the allowance, the RMSE there of a linear gain whose "
        f"return is {100 * MLP_RETURN_RTOL:g}% short of J* (gain_allowance x closed-form RMS of s); at most "
        f"{MLP_MAX_MISSES}: exact Binomial({rmse.size}, {MLP_MISS_PROB:g}) tail <= {ALPHA:g} for a learner whose "
        f"runs each miss with probability <= {MLP_MISS_PROB:g}",
        details={"rmse_per_run": rmse, "allowance": POLICY_RMSE_TOL, "median_rmse": float(np.median(rmse)),
                 "largest_rmse": float(rmse.max()), "fitted_gains": mlp.gain[-1], "k_star": k_star})
    return parts
