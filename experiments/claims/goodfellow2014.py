"""Claims from Goodfellow et al. (2014), "Generative Adversarial Nets" (NeurIPS).

Each claim ties three independent routes to the same number: the symbolic derivation in
``proofs_check.goodfellow2014``, the exact categorical solvers in ``solvers.tabular.gan``
(which never call the closed forms), and neural counterparts in ``solvers.neural.gan``; all are
compared with the closed forms in ``theory.gan`` / ``theory.divergences``.
"""

from __future__ import annotations

import functools

import numpy as np
import sympy as sp

from experiments.claims import goodfellow2014_neural as neural
from experiments.claims.support import (RATE_WINDOW, derived_claim, per_atom_rate_evidence,
                                       perturbation_directions)
from experiments.claims.tolerances import SYMBOLIC_RTOL
from experiments.registry import Context, Evidence, claim
from proofs_check import goodfellow2014 as derivations
from solvers.problems.categorical import random_pair
from solvers.tabular import gan as tabular_gan
from scipy.special import expit, logit

from theory.divergences import js_divergence, total_variation
from theory.gan import gan_value, optimal_discriminator, optimal_gan_value

PROP1 = "goodfellow2014/prop1-optimal-discriminator"
THM1 = "goodfellow2014/thm1-virtual-training-criterion"
THM1_MIN = "goodfellow2014/thm1-global-minimum"
ALG1 = "goodfellow2014/alg1-neural-gan-converges"

#: The exact categorical solver every exact claim of this module checks its closed form against.
TABULAR_GAN = "solvers.tabular.gan"
#: The closed form of C(G) = max_D V(D, G) = -log 4 + 2 JSD, which both Theorem 1 claims check.
C_OF_G = "theory.gan.optimal_gan_value"
#: Registers a claim on the optimal discriminator checked three ways (its sympy derivation, the
#: converged discriminator of the tabular GAN, a trained network): the kinds and solver
#: Proposition 1 and Theorem 1 share, written once.
discriminator_claim = functools.partial(derived_claim, kinds=("exact", "neural"), solver=TABULAR_GAN)
#: Registers a claim on Algorithm 1 with MLPs (goodfellow2014_neural): its kinds and solver, once.
algorithm1_claim = functools.partial(claim, kinds=("neural",), solver="solvers.neural.gan.train_gan")

#: Gradient ascent on the discriminator logits runs in chunks of this many steps until the last
#: step is below 1e-13 (at lr = 1 every atom contracts by <= 1 - min(p, q)/2 <= 0.994 per step
#: for the pairs below, so one or two chunks).
DISC_STEPS = 4000
#: Float64 rounding of D = expit(psi) after convergence, plus the ~1e-12 left by the iteration.
DISC_ATOL = 1e-10
#: Perturbations of D* in logit space: this size, along every coordinate (both signs) and
#: N_PERTURB random unit directions (both signs).  V is strictly concave in the logits with
#: curvature (p + q) D*(1 - D*) >= min(p, q)/2 >= 6e-3 here, so each perturbation lowers V by
#: >= 3e-3 eps^2 = 3e-9, far above the ~1e-15 rounding of V; a candidate optimum that is off by
#: more than eps/2 in logit along one of these directions is beaten by one of them.
PERTURB_EPS = 1e-3
N_PERTURB = 64


def _interior_pair(ctx: Context, k: int = 8):
    """A random categorical pair with p, q > 0 everywhere and atoms not too small, so gradient
    ascent converges to D* within DISC_STEPS (Prop. 1 holds for every pair; edge atoms are
    covered by tests/theory/test_gan.py)."""
    rng = ctx.rng(1)
    p = rng.dirichlet(np.full(k, 2.0))
    q = rng.dirichlet(np.full(k, 2.0))
    p, q = 0.9 * p + 0.1 / k, 0.9 * q + 0.1 / k
    return p / p.sum(), q / q.sum()


def _converged_run(p, q, lr: float = 1.0, max_chunks: int = 10):
    """Gradient ascent (the solver's, no closed form inside) recorded at every step, continued in
    chunks of DISC_STEPS until every atom's last step is 1e-3 below the rate fit's window
    (RATE_WINDOW, then complete, and the last iterate is the limit to ~1e-13).
    Returns the logit trajectory, shape (n_steps + 1, K)."""
    chunks = []
    psi0 = None
    for _ in range(max_chunks):
        run = tabular_gan.train_discriminator(p, q, lr=lr, n_steps=DISC_STEPS, psi0=psi0, record_every=1)
        chunks.append(run.psi if not chunks else run.psi[1:])
        psi0 = run.psi[-1]
        if np.max(np.abs(run.psi[-1] - run.psi[-2])) < RATE_WINDOW[0] * 1e-3:
            break
    return np.concatenate(chunks)


def _converged_discriminator(ctx: Context):
    """The pair of :func:`_interior_pair`, D = sigma(psi) at the end of the converged run, and
    the run's logit trajectory."""
    p, q = _interior_pair(ctx)
    trajectory = _converged_run(p, q)
    return p, q, expit(trajectory[-1]), trajectory


@discriminator_claim(
    PROP1,
    statement="For a fixed generator the discriminator maximizing V(D, G) is "
    "D*(x) = p_data(x) / (p_data(x) + p_g(x)).",
    source="Goodfellow et al. (2014), Proposition 1, eq. (2)",
    figures=("goodfellow2014_fig1",),
    closed_form="theory.gan.optimal_discriminator",
)
def prop1_optimal_discriminator(ctx: Context):
    parts = {}

    # The maximizer sympy solved for, evaluated at random (a, b), against theory.gan.
    D = derivations.symbolic_optimal_discriminator()
    a, b = ctx.rng(0).uniform(1e-3, 1.0, size=(2, 16))
    solved = sp.lambdify(D.variables, D.expr, "numpy")(a, b)
    parts["symbolic-vs-closed-form"] = Evidence.close(
        optimal_discriminator(a, b), solved, atol=0.0, rtol=SYMBOLIC_RTOL,
        reason="float64 evaluation of the same rational function by two routes")

    # Exact: gradient ascent of the categorical discriminator, no closed form inside.
    p, q, d_learned, trajectory = _converged_discriminator(ctx)
    d_star = optimal_discriminator(p, q)
    parts["exact"] = Evidence.close(
        d_star, d_learned, atol=DISC_ATOL,
        reason=f"gradient ascent at lr = 1 ({trajectory.shape[0] - 1} steps) converged to float precision",
        details={"p_data": p, "p_model": q})
    # Its linear rate: each atom's own contraction factor |1 - lr (p_i + q_i) D*_i (1 - D*_i)|,
    # fitted to that atom's step lengths where the linearization describes them.
    parts["exact-rate"] = per_atom_rate_evidence(trajectory, 1.0, p + q, logit(d_star),
                                                 factor="|1 - lr (p + q) D*(1 - D*)|, s = p + q")

    parts["neural"] = neural.discriminator_matches_d_star(ctx)
    return parts


@discriminator_claim(
    THM1,
    statement="At the optimal discriminator the GAN value is C(G) = -log 4 + 2 JSD(p_data || p_g), "
    "and no discriminator does better.",
    source="Goodfellow et al. (2014), Theorem 1, eqs. (4)-(6)",
    closed_form=C_OF_G,
)
def thm1_virtual_training_criterion(ctx: Context):
    parts = {}

    n = 3
    C = derivations.symbolic_c_of_g(n)
    rng = ctx.rng(0)
    pq = rng.dirichlet(np.ones(n), size=(2, 16))
    sym = sp.lambdify(C.variables, C.expr, "numpy")(*pq[0].T, *pq[1].T)
    parts["symbolic-vs-closed-form"] = Evidence.close(
        optimal_gan_value(pq[0], pq[1]), sym, atol=1e-12, rtol=SYMBOLIC_RTOL,
        reason="float64 evaluation of V(D*, G) (sympy) and -log 4 + 2 JSD (numpy)")

    # Exact: the value reached by the trained categorical discriminator.
    p, q, d_learned, _ = _converged_discriminator(ctx)
    parts["exact"] = Evidence.close(
        optimal_gan_value(p, q), gan_value(d_learned, p, q), atol=DISC_ATOL,
        reason="V at the discriminator found by gradient ascent (converged to float precision)")

    # No discriminator beats C(G): small perturbations of D* (in logit space, every coordinate
    # and random directions, both signs) all give a smaller V.  V is concave in the logits, so a
    # local maximum is the global one; a wrong D* is beaten by the perturbation towards the
    # true one.  (Random discriminators drawn from the whole cube would sit far below C(G)
    # whatever D* is, and prove nothing.)
    psi_star = logit(optimal_discriminator(p, q))
    perturbed = psi_star + PERTURB_EPS * perturbation_directions(ctx.rng(2), N_PERTURB, p.size)
    values = gan_value(expit(perturbed), p, q)
    at_star = float(gan_value(expit(psi_star), p, q))
    parts["exact-upper-bound"] = Evidence.bound(
        float(values.max() - at_star), 0.0, relation="<=",
        reason=f"V(D*) - V(D) >= 0 at {perturbed.shape[0]} logit perturbations of D* of size "
        f"{PERTURB_EPS:g}: each lowers V by >= 3e-9, rounding of V is ~1e-15, so no slack",
        details={"n_perturbations": int(perturbed.shape[0]), "smallest_decrease": float(at_star - values.max())})
    parts["exact-value-at-d-star"] = Evidence.close(
        optimal_gan_value(p, q), at_star, atol=1e-12, rtol=SYMBOLIC_RTOL,
        reason="V(D*, G) summed over atoms vs -log 4 + 2 JSD: float rounding of two sums of 8 terms")

    parts["neural"] = neural.discriminator_value_matches_c_of_g(ctx)
    return parts


@claim(
    THM1_MIN,
    statement="C(G) >= -log 4 with equality only at p_g = p_data; gradient descent on the generator "
    "with the discriminator kept optimal drives JSD(p_data || p_g) monotonically to 0.",
    source="Goodfellow et al. (2014), Theorem 1 and Proposition 2",
    kinds=("exact",),
    closed_form=C_OF_G,
    solver=TABULAR_GAN,
    problem="solvers.problems.categorical.random_pair",
)
def thm1_global_minimum(ctx: Context):
    rng = ctx.rng(0)
    pairs = [random_pair(6, rng, zero_atoms=bool(i % 2)) for i in range(200)]
    values = np.array([optimal_gan_value(pr.p_data, pr.p_model) for pr in pairs])
    tv = np.array([total_variation(pr.p_data, pr.p_model) for pr in pairs])
    # C(G) + log 4 = 2 JSD >= TV^2 (Pinsker applied to both KL terms of eq. (5)): the global
    # minimum -log 4 is attained only at TV = 0, i.e. p_g = p_data.
    parts = {"exact-bound": Evidence.bound(
        float(np.min(values + np.log(4.0) - tv**2)), 0.0, relation=">=", slack=1e-15,
        reason="exact inequality C(G) + log 4 >= TV^2 on 200 random pairs (half with zero atoms); "
        "1e-15 float slack")}

    # The generator run: its own inner maximization, then our independent JSD along the path.
    p = rng.dirichlet(np.full(5, 2.0))
    p = 0.9 * p + 0.02
    p = p / p.sum()
    run = tabular_gan.train_generator_optimal_d(p, np.zeros(5), lr=0.25, n_steps=1500)
    jsd = js_divergence(p, run.q)
    rises = np.diff(jsd)
    parts["exact-monotone"] = Evidence.bound(
        float(rises.max()), 0.0, relation="<=", slack=1e-14,
        reason="lr = 1/4 is below 2/L for the JSD's smoothness constant (descent lemma); "
        "1e-14 absorbs float rounding of JSD near 1e-15",
        details={"jsd_start": jsd[0], "jsd_end": jsd[-1], "n_steps": 1500})
    parts["exact-limit"] = Evidence.close(
        -np.log(4.0), optimal_gan_value(p, run.q[-1]), atol=1e-9,
        reason="after 1500 steps at the measured linear rate the JSD is below 1e-10",
        details={"final_max_abs_q_minus_p": float(np.abs(run.q[-1] - p).max())})
    return parts


@algorithm1_claim(
    ALG1,
    statement="Training a 2x64-MLP GAN by Algorithm 1 on a 1-D two-mode Gaussian mixture learns both "
    "modes: after 1,000 steps the Wasserstein-1 distance to the data is below half that of the "
    "moment-matched Gaussian (the best unimodal fit of that kind).",
    source="Goodfellow et al. (2014), Algorithm 1 (with the non-saturating loss of Section 3)",
)
def alg1_neural_gan(ctx: Context):
    return neural.gan_reduces_w1(ctx)


@algorithm1_claim(
    "goodfellow2014/alg1-neural-gan-ring",
    statement="Algorithm 1 with 2x64 relu MLPs learns most of the ring of 8 Gaussians: at least 5 "
    "modes are covered, 80% of samples lie near a mode, and the sliced W1 to the data falls 2-fold.",
    source="Goodfellow et al. (2014), Algorithm 1; the 8-Gaussian ring toy of Metz et al. (2017), "
    "'Unrolled Generative Adversarial Networks'",
    tier="full",
)
def alg1_neural_gan_ring(ctx: Context):
    return neural.ring_mode_coverage(ctx)
