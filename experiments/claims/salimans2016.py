"""Claims from Salimans, Goodfellow, Zaremba, Cheung, Radford & Chen (2016), "Improved
Techniques for Training GANs" (NeurIPS; arXiv:1606.03498), registered as the paper prints them.

Section 3.4 (one-sided label smoothing) argues against a smoothed *fake* label beta > 0: with
D*(x) = (alpha p_data + beta p_model)/(p_data + p_model), "in areas where p_data is approximately
zero and p_model is large, erroneous samples from p_model have no incentive to move nearer to
the data".  As printed ("no incentive") this is false: D* there is beta, strictly below D* on
the data, so the generator's cost still falls when its mass or its samples move towards the
data.  What beta > 0 does is *weaken* that incentive (for the non-saturating loss a lot), not
remove it; and the generator's fixed point stays p_data (``pfau2016/table1-label-smoothing-
fixed-point``, ``theory.gan.smoothed_generator_fixed_point``, ``theory.gan.smoothed_escape_rate``).

The counterexamples are computed here from the printed formula for D* in plain numpy/scipy
(not through ``theory.gan``), checked by central finite differences, and the movement is
measured on the exact categorical GAN solver (``solvers.tabular.stabilizers``).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

from experiments.registry import Context, Evidence, claim
from solvers.tabular.stabilizers import GANStabilizers, train_stabilized_gan

NO_INCENTIVE = "salimans2016/two-sided-smoothing-no-incentive-as-printed"

PRINTED = (
    "Replacing positive classification targets with alpha and negative targets with beta, the "
    "optimal discriminator becomes D(x) = (alpha p_data(x) + beta p_model(x)) / (p_data(x) + "
    "p_model(x)). The presence of p_model in the numerator is problematic because, in areas "
    "where p_data is approximately zero and p_model is large, erroneous samples from p_model "
    "have no incentive to move nearer to the data."
)
SOURCE = "Salimans et al. (2016), arXiv:1606.03498, Section 3.4 (one-sided label smoothing)"

#: The labels of the counterexample (real alpha, fake beta): the usual two-sided 0.9 / 0.1.
LABELS = (0.9, 0.1)
#: Categorical counterexample: atom 0 has no data and most of the generator's mass.
P_DATA = np.array([0.0, 0.5, 0.5])
Q_MODEL = np.array([0.6, 0.2, 0.2])
#: Continuous counterexample: data N(0, 1), model N(MU, 1), a sample at x = MU, where
#: p_data(MU) = 1.3e-4 and p_model(MU) = 0.40.
MU = 4.0
#: Central differences: step 1e-5 on O(1) smooth functions, truncation ~h^2 f''' ~ 1e-10,
#: rounding ~eps/h ~ 1e-11.
FD_STEP = 1e-5
FD_ATOL = 1e-8
#: "Not zero": the incentives are >= 1e-3 here; 1e-6 is 100x the finite-difference error
#: above and 1e10x float64 rounding, so a refutation cannot come from numerical noise.
NOT_ZERO = 1e-6
#: Generator steps on the exact categorical GAN (discriminator re-maximized by Newton).
SOLVER_STEPS = 50


def _d_star(p, q, a, b):
    """The printed optimal discriminator, written out here: (a p + b q)/(p + q)."""
    return (a * p + b * q) / (p + q)


def _cost(d, loss):
    """Generator cost per sample: minimax log(1 - D), non-saturating -log D."""
    return np.log1p(-d) if loss == "minimax" else -np.log(d)


def _categorical_incentive(a, b, loss, eps=0.0):
    """d/de of the generator's loss sum_x q_e(x) c(D(x)) at e = 0, D held at its optimum for q,
    along q_e = q + e (u_data - delta_x0), u_data the data atoms' share p_data: the gain from
    moving mass off the data-free atom towards the data (positive = an incentive)."""
    d = _d_star(P_DATA, Q_MODEL, a, b)
    direction = P_DATA - np.eye(P_DATA.size)[0]
    return float((Q_MODEL + eps * direction) @ -_cost(d, loss))


def _continuous_force(x, a, b, loss):
    """d/dx of the cost c(D*(x)) of a generated sample at x, D* of N(0, 1) vs N(MU, 1), by central
    differences of the printed formula.  Descent moves the sample by -d/dx c, so a positive value
    pushes it to smaller x: towards the data."""
    def c(y):
        return _cost(_d_star(norm.pdf(y, 0.0, 1.0), norm.pdf(y, MU, 1.0), a, b), loss)
    return float((c(x + FD_STEP) - c(x - FD_STEP)) / (2 * FD_STEP))


def _continuous_force_closed(x, a, b, loss):
    """The same force in closed form: r = p/(p + q) = sigmoid(MU^2/2 - MU x), dr/dx = -MU r(1-r),
    D = b + (a - b) r; d/dx c(D) = c'(D) (a - b) dr/dx with c' = -1/(1 - D) or -1/D."""
    r = 1.0 / (1.0 + np.exp(-(MU ** 2 / 2 - MU * x)))
    d = b + (a - b) * r
    dd = (a - b) * (-MU * r * (1 - r))
    dc = -1.0 / (1.0 - d) if loss == "minimax" else -1.0 / d
    return float(dc * dd)


@claim(
    NO_INCENTIVE,
    statement="As printed: with a smoothed fake label beta > 0, where p_data ~ 0 and p_model is "
    "large, erroneous samples from p_model have no incentive to move nearer to the data. "
    "Refuted: D* = beta there, below D* on the data, so the generator's cost still falls as mass "
    "(categorical GAN) or samples (Gaussians) move towards the data; beta > 0 weakens the "
    "incentive, it does not remove it, and the fixed point stays p_data.",
    source=SOURCE,
    kinds=("exact",),
    closed_form="theory.gan.smoothed_optimal_discriminator",
    solver="solvers.tabular.stabilizers.train_stabilized_gan",
)
def two_sided_smoothing_no_incentive(ctx: Context):
    a, b = LABELS
    parts = {}
    # (1) categorical: the loss's directional derivative, finite differences vs closed form
    losses = ("minimax", "non_saturating")
    fd = np.array([(_categorical_incentive(a, b, l, FD_STEP) - _categorical_incentive(a, b, l, -FD_STEP))
                   / (2 * FD_STEP) for l in losses])
    d = _d_star(P_DATA, Q_MODEL, a, b)
    # moving mass e from x0 to the data atoms in proportion p_data changes the loss by
    # e (c(D(x0)) - sum_x p_data c(D(x))): the gain is c(beta) - E_p_data[c(D)]
    closed = np.array([_cost(d[0], l) - P_DATA @ _cost(d, l) for l in losses])
    parts["exact-incentive-finite-differences"] = Evidence.close(
        closed, fd, atol=FD_ATOL,
        reason="central differences (h = 1e-5) of the linear-in-q loss vs c(beta) - E_p[c(D*)]; "
        "float rounding ~eps/h",
        details={"losses": losses, "d_star": d})
    one_sided = np.array([_cost(0.0, "minimax") - P_DATA @ _cost(_d_star(P_DATA, Q_MODEL, a, 0.0), "minimax"),
                          np.inf])
    parts["refuted-categorical"] = Evidence.refuted(
        printed=PRINTED,
        counterexample={"alpha": a, "beta": b, "p_data": P_DATA, "p_model": Q_MODEL,
                        "losses": losses},
        lhs=fd, rhs=np.zeros(2), refutes=bool(np.all(fd > NOT_ZERO)),
        reason=f"'no incentive' means the generator's loss does not fall when mass leaves the "
        f"data-free atom for the data: measured gains {fd[0]:.3f} (minimax), {fd[1]:.3f} "
        f"(non-saturating) vs 0; refuted when every gain exceeds {NOT_ZERO:g} (100x the "
        "finite-difference error)",
        details={"one_sided_gain(beta=0)": one_sided, "two_sided_gain": fd})

    # (2) continuous: the force on a sample at x = MU, where p_data ~ 0 and p_model is large
    x = MU
    force = np.array([_continuous_force(x, a, b, l) for l in losses])
    force_closed = np.array([_continuous_force_closed(x, a, b, l) for l in losses])
    parts["exact-force-finite-differences"] = Evidence.close(
        force_closed, force, atol=FD_ATOL,
        reason="central differences (h = 1e-5) of c(D*(x)) from scipy's normal densities vs the "
        "sigmoid closed form; truncation ~1e-10, rounding ~1e-11",
        details={"x": x, "p_data(x)": float(norm.pdf(x)), "p_model(x)": float(norm.pdf(x, MU, 1.0))})
    one_sided_force = np.array([_continuous_force_closed(x, a, 0.0, l) for l in losses])
    parts["refuted-continuous"] = Evidence.refuted(
        printed=PRINTED,
        counterexample={"alpha": a, "beta": b, "p_data": "N(0, 1)", "p_model": f"N({MU:g}, 1)",
                        "x": x, "losses": losses},
        lhs=force, rhs=np.zeros(2), refutes=bool(np.all(force > NOT_ZERO)),
        reason=f"force d/dx c(D*(x)) towards the data on a sample at x = {x:g} (p_data = "
        f"{norm.pdf(x):.1e}, p_model = {norm.pdf(x, MU, 1.0):.2f}): {force[0]:.2e} (minimax), "
        f"{force[1]:.2e} (non-saturating) vs 0; refuted when each exceeds {NOT_ZERO:g}",
        details={"one_sided_force(beta=0)": one_sided_force,
                 "two_sided_over_one_sided": force / one_sided_force})

    # (3) the exact categorical GAN moves the mass: q(x0) after SOLVER_STEPS generator steps
    theta0 = np.log(Q_MODEL)
    moved = []
    for loss in losses:
        run = train_stabilized_gan(P_DATA, theta0=theta0, psi0=np.zeros(P_DATA.size), lr_g=1.0,
                                   lr_d=1.0, n_steps=SOLVER_STEPS, inner="newton",
                                   generator_loss=loss, record_every=SOLVER_STEPS,
                                   stabilizers=GANStabilizers(real_label=a, fake_label=b))
        moved.append(float(Q_MODEL[0] - run.final_q[0]))
    moved = np.array(moved)
    parts["refuted-solver"] = Evidence.refuted(
        printed=PRINTED,
        counterexample={"alpha": a, "beta": b, "p_data": P_DATA, "q_start": Q_MODEL,
                        "steps": SOLVER_STEPS, "lr_g": 1.0, "losses": losses},
        lhs=moved, rhs=np.zeros(2), refutes=bool(np.all(moved > NOT_ZERO)),
        reason=f"mass the exact categorical GAN (Newton-optimal D, {SOLVER_STEPS} generator steps) "
        f"moved off the data-free atom: {moved[0]:.3f} (minimax), {moved[1]:.3f} "
        f"(non-saturating) of {Q_MODEL[0]:g}, vs 0 under 'no incentive'; deterministic "
        f"float64 iteration, refuted when each exceeds {NOT_ZERO:g}")
    return parts
