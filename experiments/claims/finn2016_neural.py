"""Neural counterparts of Finn, Christiano, Abbeel & Levine (2016), arXiv:1611.03852.

Two learners (hand-chained fused gradients by default, autograd as the checked alternative),
never calling ``theory.irl``:

- ``solvers.neural.irl``: a cost MLP + log Z inside the Finn discriminator against an
  autoregressive policy network, on all A^H paths of a small deterministic MDP with a
  nonlinear true cost (Sections 3.1-3.2: the GAN form of guided cost learning);
- ``solvers.neural.ebm``: an energy MLP + log Z against a Gaussian-mixture sampler with an
  evaluable density, on a 1-D bimodal density and a 2-D banana (Section 4: GANs for training
  energy-based models).

Every comparison is with an independently computed value: the true cost and p_data by
enumeration (scipy's logsumexp), the learned model's partition function by trapezoidal
quadrature of exp(−E_θ) on a fine grid, and the true log-density in closed form.  Cost, energy,
KL and correlation thresholds are derived from the problem (a factor below the best linear /
Gaussian / single-Gaussian-sampler model, computed exactly); the log Z and D thresholds that
remain are *declared* optimizer tolerances, each stated with the spread measured over seeds 0-9 (one run per seed at
exactly these settings and seed streams: ``irl_metrics(trained_irl(seed), ...)`` and
``ebm_metrics(*trained_ebm(seed, which))`` for seed = 0..9).
"""

from __future__ import annotations

import functools

import numpy as np
from scipy.special import logsumexp, rel_entr

from experiments.registry import Context, Evidence, claim
from solvers.neural.ebm import EBMConfig, EBMTrainRun, train_ebm
from solvers.neural.irl import NeuralIRLConfig, NeuralIRLRun, train_neural_irl
from solvers.problems.ebm_densities import EBMDensity, banana_2d, bimodal_1d, quadrature_grid
from solvers.problems.trajectories import deterministic_paths
from theory.irl import finn_discriminator

IRL_EXACT = "finn2016-neural/irl-cost-recovered"
IRL_SAMPLES = "finn2016-neural/irl-cost-recovered-samples"
EBM_1D = "finn2016-neural/ebm-1d"
EBM_1D_WEAK = "finn2016-neural/ebm-1d-weak-sampler"
EBM_2D = "finn2016-neural/ebm-2d"

SOURCE_IRL = ("Finn et al. (2016), arXiv:1611.03852, Sections 3.1-3.2 (the discriminator D_θ and "
              "the equivalence with guided cost learning; equation numbers not confirmed, cited by section)")
SOURCE_EBM = ("Finn et al. (2016), arXiv:1611.03852, Section 4 (GANs for training EBMs: D = sigmoid with "
              "a trainable bias and the generator's log-density as input; the estimate of Z is consistent "
              "even when the generator cannot sample the data); Section 2.2 (EBMs)")
#: Registers a claim on the neural GAN-IRL of Sections 3.1-3.2 (the Finn discriminator with an
#: cost network, on the enumerable set of deterministic paths): its shared chain, once.
neural_irl_claim = functools.partial(
    claim, kinds=("neural",), closed_form="theory.irl.finn_discriminator",
    solver="solvers.neural.irl.train_neural_irl", problem="solvers.problems.trajectories.deterministic_paths")
#: The figure of the learned energies, in which the 1-D and 2-D EBM claims are drawn.
EBM_FIGURE = ("finn2016_ebm",)
#: Registers a claim on the energy-based GAN of Section 4 (solvers.neural.ebm on an EBMDensity):
#: its shared source and chain, once.
ebm_gan_claim = functools.partial(
    claim, source=SOURCE_EBM, kinds=("neural",), solver="solvers.neural.ebm.train_ebm",
    problem="solvers.problems.ebm_densities.EBMDensity")


# =============================================================================================
# neural IRL on an enumerable trajectory set
# =============================================================================================

#: The MDP: S = 5 states, A = 3 actions, H = 4 steps (N = 81 paths), K = 3 Gaussian state
#: features, random successors; drawn once from this seed (the problem is fixed, the training
#: seed is the claim's).
IRL_PROBLEM_SEED = 123
#: The true cost c*(τ) = θ*·f(τ) + κ (f₀(τ) − mean f₀)² / H: nonlinear in the path features,
#: so p_data = exp(−c*)/Z is not Markov in the state and the prefix-conditioned policy is needed.
IRL_NONLINEARITY = 0.3
IRL_CONFIG = NeuralIRLConfig(cost_hidden=(32, 32), policy_hidden=(32,), lr_cost=3e-2, lr_policy=3e-2)
IRL_STEPS = 1000
IRL_SAMPLES_CONFIG = NeuralIRLConfig(cost_hidden=(32, 32), policy_hidden=(32,), lr_cost=1e-2, lr_policy=1e-2,
                                     estimator="samples", n_demos=256, n_samples=256)
IRL_SAMPLES_STEPS = 3000

# Thresholds of the exact-expectation run (1,000 Adam steps).  Seeds 0-9 gave: max deviation of
# the learned cost from c* after the best constant shift 0.008-0.035 nats (the costs span 3.5);
# correlation 0.9999-0.99999; KL(q ‖ p_data) 8e-6-8e-5; max |D − 1/2| 0.003-0.038;
# |log Z − log ∑ exp(−c_θ)| <= 2e-5.  The bounds leave a factor >= 2 over the worst seed: they
# are optimizer tolerances (finitely many steps at a constant, then annealed, step size).
#
# The cost and sampler thresholds are set by the problem, not by seeds: the network must come
# IRL_LINEAR_FACTOR = 10 times closer to c* (max deviation after the best constant) than the best
# cost *linear* in the path features, i.e. exact MaxEnt IRL (solvers.tabular.maxent_irl, 0.837
# nats here: the non-linear term is what it misses), and its sampler's KL to p_data must be
# IRL_LINEAR_FACTOR^2 times below that linear model's KL(p_data || p_linear) = 0.042 (KL is
# quadratic in the log-density error).  The correlation bound is implied: |c - c* - k| <= d
# gives corr(c, c*) >= (sd - d)/(sd + d), sd the standard deviation of c*.  The D and log Z
# thresholds stay optimizer tolerances (factor >= 2 over seeds 0-9; seeds 10-19 held out).
IRL_LINEAR_FACTOR = 10.0
IRL_D_HALF_TOL = 0.08
IRL_LOG_Z_TOL = 1e-3
# The sampled run (3,000 steps, 256 demonstrations and 256 policy draws per step, REINFORCE for
# the policy).  Seeds 0-9 gave: deviation 0.069-0.17, correlation 0.998-0.9996, KL 4e-4-1.3e-3,
# max |D − 1/2| 0.037-0.12, log Z error -0.0083..+0.0033 (minibatch noise + optimizer).
IRL_SAMPLES_COST_DEV_TOL = 0.4
IRL_SAMPLES_CORR_MIN = 0.99
IRL_SAMPLES_KL_TOL = 5e-3
IRL_SAMPLES_D_HALF_TOL = 0.25
IRL_SAMPLES_LOG_Z_TOL = 0.03


def irl_problem():
    """The fixed trajectory set, the true cost c* (N,) and p_data = exp(−c*)/Z (N,)."""
    rng = np.random.default_rng(IRL_PROBLEM_SEED)
    n_states, n_actions, horizon, k = 5, 3, 4, 3
    next_state = rng.integers(0, n_states, size=(n_states, n_actions))
    phi = rng.standard_normal((n_states, k))
    trajectories = deterministic_paths(next_state, phi, horizon, name="finn2016-neural-mdp")
    theta = 0.5 * rng.standard_normal(k)
    f = trajectories.features
    c_star = f @ theta + IRL_NONLINEARITY * (f[:, 0] - f[:, 0].mean()) ** 2 / horizon
    p_data = np.exp(-c_star - logsumexp(-c_star))
    return trajectories, c_star, p_data


def _completed(run):
    """A claim must not score (nor cache) a run interrupted by Ctrl-C."""
    if run.interrupted:
        raise KeyboardInterrupt
    return run


@functools.lru_cache(maxsize=1)
def linear_maxent_reference() -> dict:
    """The best cost linear in the path features (exact MaxEnt IRL on p_data): its deviation
    from c* after the best constant and its KL(p_data || p_linear), by enumeration."""
    from solvers.tabular.maxent_irl import maxent_irl_trajectories

    trajectories, c_star, p_data = irl_problem()
    fit = maxent_irl_trajectories(trajectories.features, p_data, tol=1e-12)
    delta = fit.cost - c_star
    return {"deviation": 0.5 * float(delta.max() - delta.min()),
            "kl": float(np.sum(rel_entr(p_data, fit.p_model))), "cost_std": float(np.std(c_star))}


def irl_thresholds() -> tuple:
    """(deviation tol, correlation min, KL tol, D tol, log Z tol) of the exact-expectation run."""
    ref = linear_maxent_reference()
    dev = ref["deviation"] / IRL_LINEAR_FACTOR
    return (dev, (ref["cost_std"] - dev) / (ref["cost_std"] + dev), ref["kl"] / IRL_LINEAR_FACTOR**2,
            IRL_D_HALF_TOL, IRL_LOG_Z_TOL)


@functools.lru_cache(maxsize=8)
def trained_irl(seed: int, estimator: str = "exact") -> NeuralIRLRun:
    """The neural IRL run of the claims (cached per seed and estimator)."""
    trajectories, _, p_data = irl_problem()
    config, steps = (IRL_CONFIG, IRL_STEPS) if estimator == "exact" else (IRL_SAMPLES_CONFIG, IRL_SAMPLES_STEPS)
    return _completed(train_neural_irl(trajectories, p_data, config, steps, np.random.SeedSequence([seed, 41])))


def irl_metrics(result: NeuralIRLRun, c_star: np.ndarray, p_data: np.ndarray) -> dict:
    """Learned vs true cost up to a constant, the sampler's KL to p_data, D's distance from 1/2
    and the log Z error, all by enumeration over the N trajectories."""
    delta = result.cost - c_star
    # The constant minimizing max |c_θ − c* − k| is the midrange of the difference.
    deviation = 0.5 * float(delta.max() - delta.min())
    corr = float(np.corrcoef(result.cost, c_star)[0, 1])
    kl = float(np.sum(rel_entr(result.q, p_data)))
    d = finn_discriminator(result.cost, result.log_z, result.q)
    return {
        "cost_deviation": deviation,
        "cost_correlation": corr,
        "kl_q_p_data": kl,
        "kl_p_data_q": float(np.sum(rel_entr(p_data, result.q))),
        "max_abs_d_minus_half": float(np.max(np.abs(d - 0.5))),
        "log_z_error": float(result.log_z - logsumexp(-result.cost)),
        "cost_span": float(c_star.max() - c_star.min()),
    }


def _irl_evidence(m: dict, tols: tuple, reason: str, details: dict) -> dict:
    dev_tol, corr_min, kl_tol, d_tol, z_tol = tols
    return {
        "cost-up-to-constant": Evidence.bound(m["cost_deviation"], dev_tol, reason=reason, details=details),
        "cost-correlation": Evidence.bound(m["cost_correlation"], corr_min, relation=">=", reason=reason),
        "sampler-kl-to-data": Evidence.bound(m["kl_q_p_data"], kl_tol, reason=reason),
        "discriminator-one-half": Evidence.bound(m["max_abs_d_minus_half"], d_tol, reason=reason),
        "log-z-is-partition-function": Evidence.close(0.0, m["log_z_error"], atol=z_tol, reason=reason),
    }


def _trained_irl_metrics(ctx: Context, variant: str):
    """The (cached) neural IRL run ``variant`` and its metrics against the true cost."""
    _, c_star, p_data = irl_problem()
    result = trained_irl(ctx.seed, variant)
    return result, irl_metrics(result, c_star, p_data)


@neural_irl_claim(
    IRL_EXACT,
    statement="A GAN whose discriminator is D = (exp(-c_θ)/Z)/(exp(-c_θ)/Z + q) with a cost "
    "network and learned log Z, trained against an autoregressive policy network with exact "
    "expectations over all 81 paths, recovers the MaxEnt cost up to an additive constant; at the end "
    "q ≈ p_data, D ≈ 1/2 everywhere and log Z ≈ log ∑ exp(-c_θ).",
    source=SOURCE_IRL,
)
def irl_cost_recovered(ctx: Context):
    result, m = _trained_irl_metrics(ctx, "exact")
    tols = irl_thresholds()
    ref = linear_maxent_reference()
    reason = (f"1,000 Adam steps on exact losses; cost deviation <= 1/{IRL_LINEAR_FACTOR:g} of the best linear "
              f"cost's ({ref['deviation']:.3f}), sampler KL <= 1/{IRL_LINEAR_FACTOR**2:g} of the linear "
              f"model's ({ref['kl']:.3g}), correlation implied by the deviation; |D - 1/2| <= "
              f"{IRL_D_HALF_TOL:g} and |log Z error| <= {IRL_LOG_Z_TOL:g} are optimizer tolerances")
    return _irl_evidence(m, tols, reason, details={**m, "thresholds": tols, "linear_reference": ref,
                                                   "n_steps": result.n_steps, "seconds": result.seconds})


@neural_irl_claim(
    IRL_SAMPLES,
    statement="The same GAN trained from minibatches (256 demonstrations and 256 policy samples per step, "
    "score-function gradients for the policy) recovers the cost up to a constant, with q ≈ p_data and "
    "D ≈ 1/2.",
    source=SOURCE_IRL + "; Williams (1992), eq. (9) (REINFORCE with a baseline)",
    tier="full",
)
def irl_cost_recovered_samples(ctx: Context):
    result, m = _trained_irl_metrics(ctx, "samples")
    reason = ("Monte Carlo + optimizer tolerance: 3,000 steps, lr 1e-2 then 1e-3; seeds 0-9: deviation "
              "<= 0.17, corr >= 0.998, KL <= 1.3e-3, |D - 1/2| <= 0.12, |log Z error| <= 0.0083")
    return _irl_evidence(m, (IRL_SAMPLES_COST_DEV_TOL, IRL_SAMPLES_CORR_MIN, IRL_SAMPLES_KL_TOL,
                             IRL_SAMPLES_D_HALF_TOL, IRL_SAMPLES_LOG_Z_TOL),
                         reason, details={**m, "n_steps": result.n_steps, "seconds": result.seconds})


# =============================================================================================
# the energy-based model
# =============================================================================================

EBM_1D_CONFIG = EBMConfig(hidden=(32, 32), n_components=3, lr_energy=2e-2, lr_sampler=1e-2)
#: The sampler is a single Gaussian (plus the fixed defensive component): it cannot represent
#: the bimodal data, yet the energy must still be recovered (Section 4's consistency remark).
EBM_1D_WEAK_CONFIG = EBMConfig(hidden=(32, 32), n_components=1, lr_energy=2e-2, lr_sampler=1e-2)
EBM_1D_STEPS = 800
EBM_2D_CONFIG = EBMConfig(hidden=(64, 64), n_components=4, lr_energy=1e-2, lr_sampler=1e-2)
EBM_2D_STEPS = 2000

#: Where the learned energy is compared with log p: the highest-density region holding 99% of
#: the data's mass (outside it the data constrain the energy only weakly).
SUPPORT_MASS = 0.99
#: Quadrature of exp(−E_θ): a trapezoidal grid on the confinement centre ± 12 confinement
#: standard deviations (the confinement alone is below e^-72 at the edge).
QUAD_HALF_WIDTH = 12.0
QUAD_NODES_1D = 8001
QUAD_NODES_2D = 601
#: Grids of the data's own box for the support, the correlation and the KL.
DATA_NODES_1D = 2001
DATA_NODES_2D = 301

# Thresholds (1-D, K = 3, 800 steps).  Seeds 0-9: correlation of −E_θ with log p on the support
# 0.976-0.998; max |−E_θ − log p − k| after the best shift k 0.12-0.57 nats; learned log Z minus
# the quadrature's log ∫exp(−E_θ) in [−0.016, +0.004]; KL(p ‖ exp(−E_θ)/Z_quad) 0.0035-0.011.
#
# The energy, KL and correlation thresholds are set by the problem's scale, not by seeds: the
# learned model must be EBM_GAUSS_FACTOR^-1 = 2 times closer to log p than the moment-matched
# Gaussian (the best unimodal model of that kind, computed exactly on the same grid: deviation
# 1.37 nats, KL(p || N) 0.26, correlation 0.34), with the quadratic measures (KL, 1 - corr)
# scaled by the factor squared: deviation <= 0.69, KL <= 0.065, corr >= 0.83.  The log Z
# tolerances remain optimizer / importance-sampling tolerances (factor >= 2 over seeds 0-9).
EBM_GAUSS_FACTOR = 0.5
EBM_1D_LOG_Z_TOL = 0.05
# The weak-sampler run (K = 1).  Seeds 0-9: corr 0.969-0.997, deviation 0.16-0.60, log Z error
# in [−0.069, +0.045] (a poorer proposal, a noisier importance-sampling estimate), KL
# 0.0037-0.016, while KL(q ‖ p) stays at 0.45-0.47 (q cannot fit the data).
EBM_1D_WEAK_LOG_Z_TOL = 0.15
#: The premise "the sampler cannot represent the data" is checked against the family itself:
#: KL(q || p) of the learned sampler must be at least the smallest KL any member of its family
#: (one Gaussian, mixed with the same fixed defensive component) reaches on the same quadrature
#: grid (``weak_sampler_kl_floor``: a brute-force grid over (mean, log scale), then Nelder-Mead
#: from the best nodes), less the minimizer's tolerance.  Not a seed-set threshold.
WEAK_FLOOR_ATOL = 1e-6
# 2-D banana (K = 4, 2x64 energy, 2,000 steps).  Seeds 0-9: corr 0.938-0.963, deviation
# 1.79-2.64 nats (worst at the tips of the banana's arms), log Z error in [−0.017, +0.053],
# KL 0.025-0.045.
EBM_2D_CORR_MIN = 0.9
EBM_2D_DEV_TOL = 4.0
EBM_2D_LOG_Z_TOL = 0.1
EBM_2D_KL_TOL = 0.1


@functools.lru_cache(maxsize=8)
def trained_ebm(seed: int, which: str) -> tuple[EBMDensity, EBMTrainRun]:
    """The EBM run of a claim (cached per seed): ``which`` in {"1d", "1d-weak", "2d"}."""
    density, config, steps = {
        "1d": (bimodal_1d(), EBM_1D_CONFIG, EBM_1D_STEPS),
        "1d-weak": (bimodal_1d(), EBM_1D_WEAK_CONFIG, EBM_1D_STEPS),
        "2d": (banana_2d(), EBM_2D_CONFIG, EBM_2D_STEPS),
    }[which]
    run = train_ebm(density, config, steps, np.random.SeedSequence([seed, 43]))
    return density, _completed(run)


def learned_log_partition(result: EBMTrainRun) -> tuple[float, dict]:
    """log ∫ exp(−E_θ(x)) dx by the trapezoidal rule on the confinement box (independent of the
    discriminator's log Z), and the largest learned log-density on the box's boundary."""
    base = result.params["base"]
    centre, half = np.asarray(base["mean"]), QUAD_HALF_WIDTH * np.asarray(base["std"])
    nodes = QUAD_NODES_1D if centre.size == 1 else QUAD_NODES_2D
    grid = quadrature_grid(np.stack([centre - half, centre + half], axis=1), nodes)
    neg_e = -result.energy(grid.points)
    log_z = grid.log_integrate(neg_e)
    on_edge = np.any(np.isclose(grid.points, (centre - half)[None]) | np.isclose(grid.points, (centre + half)[None]),
                     axis=1)
    return log_z, {"quadrature_nodes": int(grid.weights.size),
                   "max_log_density_on_box_edge": float(neg_e[on_edge].max() - log_z)}


@functools.lru_cache(maxsize=2)
def gaussian_reference_1d() -> dict:
    """Deviation (after the best constant) on the 99% support, correlation and KL(p || N) of the
    moment-matched Gaussian to the 1-D bimodal density, by the same quadrature as ebm_metrics."""
    from scipy.stats import norm

    density = bimodal_1d()
    grid = density.grid(DATA_NODES_1D)
    log_p = density.log_pdf(grid.points)
    support = density.hdr_mask(grid, SUPPORT_MASS)
    x, pdf = grid.points[:, 0], np.exp(log_p)
    mean = grid.integrate(pdf * x)
    std = float(np.sqrt(grid.integrate(pdf * (x - mean) ** 2)))
    log_g = norm.logpdf(x, mean, std)
    delta = (log_g - log_p)[support]
    return {"deviation": 0.5 * float(delta.max() - delta.min()),
            "correlation": float(np.corrcoef(log_g[support], log_p[support])[0, 1]),
            "kl": float(grid.integrate(rel_entr(pdf, np.exp(log_g))))}


def ebm_1d_thresholds() -> tuple[float, float, float]:
    """(correlation min, energy deviation tol, KL tol) from the Gaussian reference."""
    ref = gaussian_reference_1d()
    f = EBM_GAUSS_FACTOR
    return 1.0 - f**2 * (1.0 - ref["correlation"]), f * ref["deviation"], f**2 * ref["kl"]


def weak_sampler_kl_floor(density: EBMDensity, result: EBMTrainRun) -> float:
    """min over (mu, s) of KL(q || p) for q = (1 - ε) N(mu, s²) + ε N(b, σ²) (the learned
    sampler's family, its fixed defensive component taken from ``result``), by the same
    quadrature as :func:`ebm_metrics`.  Brute force over a 41 x 25 grid of (mu, log s) on the
    data's box, then Nelder-Mead from the 5 best nodes; the smallest value found."""
    from scipy.optimize import minimize
    from scipy.stats import norm

    grid = density.grid(DATA_NODES_1D)
    x = grid.points[:, 0]
    log_p = density.log_pdf(grid.points)
    base = result.params["base"]
    eps = float(base["defensive_weight"])
    log_def = norm.logpdf(x, float(np.ravel(base["mean"])[0]), float(np.ravel(base["std"])[0]))

    def kl(z):
        log_g = norm.logpdf(x, z[0], np.exp(z[1]))
        log_q = np.logaddexp(np.log1p(-eps) + log_g, np.log(eps) + log_def) if eps > 0 else log_g
        return float(grid.integrate(np.exp(log_q) * (log_q - log_p)))

    lo, hi = float(x.min()), float(x.max())
    nodes = [(mu, ls) for mu in np.linspace(lo, hi, 41) for ls in np.linspace(np.log(0.05), np.log(hi - lo), 25)]
    values = np.array([kl(z) for z in nodes])
    best = [nodes[i] for i in np.argsort(values)[:5]]
    polished = [minimize(kl, np.array(z), method="Nelder-Mead",
                         options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 4000}).fun for z in best]
    return float(min(values.min(), *polished))


def ebm_metrics(density: EBMDensity, result: EBMTrainRun) -> dict:
    """Learned energy vs the true log-density on the 99%-mass support, the partition-function
    error, KL(p ‖ p_θ) and the sampler's KL, all by quadrature."""
    grid = density.grid(DATA_NODES_1D if density.dim == 1 else DATA_NODES_2D)
    log_p = density.log_pdf(grid.points)
    support = density.hdr_mask(grid, SUPPORT_MASS)
    neg_e = -result.energy(grid.points)
    delta = (neg_e - log_p)[support]
    log_z_quad, quad_details = learned_log_partition(result)
    log_model = neg_e - log_z_quad
    log_q = result.log_q(grid.points)
    return {
        "energy_correlation": float(np.corrcoef(neg_e[support], log_p[support])[0, 1]),
        "energy_deviation": 0.5 * float(delta.max() - delta.min()),
        "learned_log_z": result.learned_log_z,
        "quadrature_log_z": log_z_quad,
        "log_z_error": result.learned_log_z - log_z_quad,
        "kl_data_model": grid.integrate(rel_entr(np.exp(log_p), np.exp(log_model))),
        "kl_sampler_data": grid.integrate(np.exp(log_q) * (log_q - log_p)),
        "support_nodes": int(support.sum()),
        **quad_details,
    }


def _ebm_evidence(m: dict, corr_min: float, dev_tol: float, z_tol: float, kl_tol: float, reason: str,
                  details: dict) -> dict:
    return {
        "energy-correlation": Evidence.bound(m["energy_correlation"], corr_min, relation=">=", reason=reason,
                                             details=details),
        "energy-up-to-constant": Evidence.bound(m["energy_deviation"], dev_tol, reason=reason),
        "log-z-vs-quadrature": Evidence.close(m["quadrature_log_z"], m["learned_log_z"], atol=z_tol,
                                              reason=reason + "; quadrature error < 1e-9"),
        "kl-data-to-model": Evidence.bound(m["kl_data_model"], kl_tol, reason=reason),
    }


def _ebm_1d_parts(ctx: Context, variant: str, log_z_tol: float, run: str):
    """Train (cached) the 1-D EBM ``variant`` and compare it by quadrature with the thresholds
    derived from the moment-matched Gaussian; ``run`` describes the training for the reason.
    Returns (density, result, metrics, parts)."""
    density, result = trained_ebm(ctx.seed, variant)
    m = ebm_metrics(density, result)
    corr_min, dev_tol, kl_tol = ebm_1d_thresholds()
    reason = (f"{run}; {1 / EBM_GAUSS_FACTOR:g}x closer to log p than the moment-matched Gaussian "
              f"{gaussian_reference_1d()} (KL and 1 - corr scaled by the factor squared); |log Z error| <= "
              f"{log_z_tol:g} an optimizer/IS tolerance")
    parts = _ebm_evidence(m, corr_min, dev_tol, log_z_tol, kl_tol, reason, details={**m, "seconds": result.seconds})
    return density, result, m, parts


@ebm_gan_claim(
    EBM_1D,
    statement="An energy network with learned log Z inside the discriminator D = σ(−E_θ − log Z − log q), "
    "trained against a Gaussian-mixture sampler with evaluable density, learns −E_θ = log p + const on "
    "the support of a 1-D bimodal density, and its log Z matches the quadrature of exp(−E_θ).",
    figures=EBM_FIGURE,
)
def ebm_1d(ctx: Context):
    return _ebm_1d_parts(ctx, "1d", EBM_1D_LOG_Z_TOL, "800 Adam steps, batches of 256")[3]


@ebm_gan_claim(
    EBM_1D_WEAK,
    statement="The energy is recovered even when the sampler cannot represent the data (a single Gaussian "
    "against a bimodal density): the Finn discriminator's optimum exp(−E)/Z = p does not depend on q.",
)
def ebm_1d_weak_sampler(ctx: Context):
    density, result, m, parts = _ebm_1d_parts(ctx, "1d-weak", EBM_1D_WEAK_LOG_Z_TOL, "800 steps")
    floor = weak_sampler_kl_floor(density, result)
    parts["sampler-cannot-fit-data"] = Evidence.bound(
        m["kl_sampler_data"], floor - WEAK_FLOOR_ATOL, relation=">=",
        reason="the premise: KL(q || p) of the learned sampler is at least the minimum over its whole "
        "family (one Gaussian + the fixed defensive component), computed on the same quadrature grid: "
        "no member comes close to the bimodal data",
        details={"family_min_kl": floor})
    return parts


@ebm_gan_claim(
    EBM_2D,
    statement="The same energy-based GAN learns the 2-D banana density up to a constant on its support, "
    "with log Z matching the quadrature of exp(−E_θ).",
    tier="full",
    figures=EBM_FIGURE,
)
def ebm_2d(ctx: Context):
    density, result = trained_ebm(ctx.seed, "2d")
    m = ebm_metrics(density, result)
    reason = ("optimizer + SGD-noise tolerance: 2,000 steps of a 2x64 energy; seeds 0-9: corr >= 0.938, "
              "deviation <= 2.64 (tips of the arms), |log Z error| <= 0.053, KL <= 0.045")
    return _ebm_evidence(m, EBM_2D_CORR_MIN, EBM_2D_DEV_TOL, EBM_2D_LOG_Z_TOL, EBM_2D_KL_TOL, reason,
                         details={**m, "seconds": result.seconds})
