"""Finn, Christiano, Abbeel & Levine (2016): the GAN <-> guided-cost-learning identities.

Setting: a finite set of n = 3 trajectories with generic symbols per atom: e_i = exp(-c_i) > 0
(the unnormalized model density), q_i > 0 (the sampler density), p_i > 0 (data weights) and
w_i > 0 (the weights of the sampler's expectation; w = q for the exact game, sample weights
otherwise), with sum p = sum w = 1, and Z > 0.  The discriminator is
D_i = (e_i/Z)/(e_i/Z + q_i) = e_i/(e_i + Z q_i) (Section 3.1).

Derivations
-----------
``finn2016/partition-fixed-point``
    The discriminator loss L(Z) = sum p_i(-log D_i) + sum w_i(-log(1 - D_i)) has
    Z dL/dZ = 1 - 2 E_mu[D] (mu = (p + w)/2), is convex in log Z, and
    Z dL/dZ = (Z - Z_hat(Z))/Z with Z_hat(Z) = E_mu[e^{-c}/mu_tilde], mu_tilde = (e^{-c}/Z + q)/2:
    the loss-minimizing Z is the fixed point Z = Z_hat(Z) of the importance-sampling estimate.
    Z_c = sum e_i is that fixed point when p = e/Z_c (w = q), and when q = e/Z_c.
``finn2016/gradient-equivalence``
    For c_i = theta f_i, d L_D/d theta = sum (p_i - 2 mu_i D_i) f_i and the IRL cost loss
    E_p[c] + log E_mu[e^{-c}/mu_tilde] with mu_tilde held fixed has gradient
    sum p_i f_i - (Z/Z_hat) sum 2 mu_i D_i f_i; their difference is
    ((Z_hat - Z)/Z_hat) sum 2 mu_i D_i f_i, zero at the fixed point Z = Z_hat.
``finn2016/generator-loss``
    E_w[log(1 - D) - log D] = log Z + E_w[c] + E_w[log q]; with w = q, the sampler loss
    E_q[c] + E_q[log q] = KL(q || e^{-c}/Z_c) - log Z_c >= -log Z_c with equality at
    q = e^{-c}/Z_c.
``finn2016/partition-fixed-point-broken`` (example, not verified by default)
    The fixed-point step with mu_tilde = e^{-c}/Z + q (the 1/2 dropped); the checker must stop.

Source: Finn et al. (2016), arXiv:1611.03852, Section 3.1 (discriminator) and Section 3.2
(the three facts); Section 2.3 for the guided-cost-learning loss and the sampler loss.
Equation numbers could not be confirmed; sections are cited.
"""

from __future__ import annotations

import sympy as sp

from proofs_check.core import LEMMA_T, Derivation, Instance, Step, derivation, log_lower_lemma

__all__ = [
    "N_ATOMS",
    "BROKEN_STEP",
    "partition_fixed_point",
    "gradient_equivalence",
    "generator_loss",
    "broken_example",
]

PAPER = ('Finn, Christiano, Abbeel & Levine (2016), "A Connection between Generative '
         'Adversarial Networks, Inverse Reinforcement Learning, and Energy-Based Models", '
         "arXiv:1611.03852")

#: Number of trajectories in the symbolic setting.
N_ATOMS = 3
#: The step that :func:`broken_example` gets wrong.
BROKEN_STEP = "stationarity-is-fixed-point"


def _syms(prefix: str, **kw) -> tuple[sp.Symbol, ...]:
    return sp.symbols(f"{prefix}1:{N_ATOMS + 1}", **kw)


def _setting():
    e = _syms("e", positive=True)     # e_i = exp(-c_i)
    q = _syms("q", positive=True)
    p = _syms("p", positive=True)
    w = _syms("w", positive=True)
    z = sp.Symbol("Z", positive=True)
    return e, q, p, w, z


def _sum(it) -> sp.Expr:
    return sp.Add(*it)


def _normalized(p, w):
    return (sp.Eq(_sum(p), 1), sp.Eq(_sum(w), 1))


def _d(ei, qi, z):
    """D_i as the paper writes it: (e_i/Z) / (e_i/Z + q_i)."""
    return (ei / z) / (ei / z + qi)


def _z_hat(e, q, p, w, z, *, half: bool = True):
    """E_mu[e^{-c} / mu_tilde], mu = (p + w)/2, mu_tilde = (e/Z + q)/2 (half=False drops 1/2)."""
    k = sp.Rational(1, 2) if half else 1
    return _sum((pi + wi) / 2 * ei / (k * (ei / z + qi)) for ei, qi, pi, wi in zip(e, q, p, w))


# --------------------------------------------------------------------------- fact 1


def _fixed_point_steps(*, half: bool = True) -> list[Step]:
    e, q, p, w, z = _setting()
    d = [_d(ei, qi, z) for ei, qi in zip(e, q)]
    mu = [(pi + wi) / 2 for pi, wi in zip(p, w)]
    loss = _sum(-pi * sp.log(di) for pi, di in zip(p, d)) + _sum(
        -wi * sp.log(1 - di) for wi, di in zip(w, d))
    loss_explicit = _sum(pi * sp.log((ei + z * qi) / ei) for pi, ei, qi in zip(p, e, q)) + _sum(
        wi * sp.log((ei + z * qi) / (z * qi)) for wi, ei, qi in zip(w, e, q))
    z_dl = _sum(pi * z * qi / (ei + z * qi) for pi, ei, qi in zip(p, e, q)) - _sum(
        wi * ei / (ei + z * qi) for wi, ei, qi in zip(w, e, q))
    e_mu_d = _sum(mi * di for mi, di in zip(mu, d))
    curvature = _sum((pi + wi) * di * (1 - di) for pi, wi, di in zip(p, w, d))
    z_hat = _z_hat(e, q, p, w, z, half=half)
    zc = _sum(e)
    norm = _normalized(p, w)
    return [
        Step("discriminator", d[0], e[0] / (e[0] + z * q[0]),
             justification="D = (e^{-c}/Z)/(e^{-c}/Z + q) = e^{-c}/(e^{-c} + Z q), Sec. 3.1 "
                           "(atom 1; the others are the same with their own symbols)"),
        Step("loss-expanded", loss, loss_explicit,
             justification="-log D = log((e + Zq)/e), -log(1 - D) = log((e + Zq)/(Zq)), Sec. 3.2"),
        Step("derivative-in-log-z", z * sp.Derivative(loss_explicit, z), z_dl,
             justification="dL/d log Z = Z dL/dZ = sum p(1 - D) - sum w D"),
        Step("stationarity-is-half", z_dl, 1 - 2 * e_mu_d, assumptions=norm,
             justification="with sum p = sum w = 1: dL/d log Z = 1 - 2 E_mu[D], mu = (p + w)/2"),
        Step("second-derivative-in-log-z", z * sp.Derivative(z_dl, z), curvature,
             justification="d/d log Z of (sum p(1 - D) - sum w D) = sum (p + w) D (1 - D), "
                           "since dD/d log Z = -D (1 - D)"),
        Step("convex-in-log-z", curvature, 0, ">",
             justification="every D in (0, 1): the loss is strictly convex in log Z, so a "
                           "stationary point is its unique minimizer"),
        Step(BROKEN_STEP, 1 - 2 * e_mu_d, (z - z_hat) / z,
             justification="2 Z E_mu[D] = E_mu[2 Z e/(e + Zq)] = E_mu[e/mu_tilde] = Z_hat(Z): "
                           "dL/d log Z = 0 iff Z = Z_hat(Z), the importance-sampling estimate "
                           "with proposal mu and density estimate mu_tilde (first fact)"),
        Step("true-z-fixed-point-when-data-is-model",
             z_hat.subs({p[i]: e[i] / zc for i in range(N_ATOMS)}
                        | {w[i]: q[i] for i in range(N_ATOMS)}).subs(z, zc),
             zc, assumptions=(sp.Eq(_sum(q), 1),),
             justification="p = e^{-c}/Z_c and w = q give mu = mu_tilde at Z = Z_c, so "
                           "Z_hat(Z_c) = sum e^{-c} = Z_c"),
        Step("true-z-fixed-point-when-sampler-is-model",
             z_hat.subs({q[i]: e[i] / zc for i in range(N_ATOMS)}
                        | {w[i]: e[i] / zc for i in range(N_ATOMS)}).subs(z, zc),
             zc, assumptions=(sp.Eq(_sum(p), 1),),
             justification="q = w = e^{-c}/Z_c: D = 1/2 at Z = Z_c whatever p, so Z_c is again "
                           "the fixed point: Z* = Z_c does not require data = model"),
    ]


@derivation("finn2016/partition-fixed-point")
def partition_fixed_point() -> Derivation:
    """First fact: the loss-minimizing Z is the (self-consistent) importance-sampling estimate.

    Source: Finn et al. (2016), arXiv:1611.03852, Section 3.2 (first fact) with the
    discriminator of Section 3.1 and mu, mu_tilde of Section 2.3.
    """
    return Derivation(
        "finn2016/partition-fixed-point",
        "The Z minimizing the Finn discriminator's loss solves Z = E_mu[exp(-c)/mu_tilde(Z)], "
        "the importance-sampling estimate of the partition function",
        f"{PAPER}, Section 3.2 (first fact), Sections 2.3 and 3.1",
        _fixed_point_steps(),
        f"Checked on n = {N_ATOMS} trajectories with e_i = exp(-c_i), q_i, p_i, w_i, Z > 0 and "
        "sum p = sum w = 1 (w = q in the exact game, sample weights otherwise). The fixed point "
        "is not an unbiased estimate of Z_c = sum exp(-c): it equals Z_c iff E_p[D] = "
        "E_model[D] at Z_c (e.g. data = model, or sampler = model); at q = p_data the fixed point "
        "reads Z* = E_p[H(r, Z*)] with r = e^{-c}/p and H the harmonic mean of two numbers, so "
        "AM-HM (H <= (r + Z*)/2) gives Z* <= (Z_c + Z*)/2, i.e. Z* <= Z_c, with equality iff "
        "r is constant, i.e. p = e^{-c}/Z_c (checked numerically in the claims, not here).",
    )


@derivation("finn2016/partition-fixed-point-broken", example=True)
def broken_example() -> Derivation:
    """The first fact with mu_tilde = e^{-c}/Z + q (the 1/2 of the mixture dropped).

    Source: Finn et al. (2016), arXiv:1611.03852, Section 3.2 (altered).
    """
    good = {s.name: s for s in _fixed_point_steps()}
    bad = {s.name: s for s in _fixed_point_steps(half=False)}
    steps = [bad[BROKEN_STEP] if name == BROKEN_STEP else s for name, s in good.items()]
    return Derivation(
        "finn2016/partition-fixed-point-broken",
        "First fact with a deliberate error: mu_tilde without its 1/2 (example for the checker)",
        f"{PAPER}, Section 3.2 -- altered",
        steps,
        "Example only: mu_tilde = e^{-c}/Z + q instead of (e^{-c}/Z + q)/2.",
    )


# --------------------------------------------------------------------------- fact 2


@derivation("finn2016/gradient-equivalence")
def gradient_equivalence() -> Derivation:
    """Second fact: at the loss-minimizing Z the discriminator's cost gradient is the IRL one.

    Source: Finn et al. (2016), arXiv:1611.03852, Section 3.2 (second fact).
    """
    e, q, p, w, z = _setting()
    theta = sp.Symbol("theta", real=True)
    f = _syms("f", real=True)
    mt = _syms("m", positive=True)      # mu_tilde, held fixed when differentiating
    z_hat_s = sp.Symbol("Z_hat", positive=True)
    w_sum = sp.Symbol("W", real=True)
    mu = [(pi + wi) / 2 for pi, wi in zip(p, w)]
    d = [_d(ei, qi, z) for ei, qi in zip(e, q)]
    # atom 1 with its cost written as theta f_1
    e1 = sp.exp(-theta * f[0])
    d1 = _d(e1, q[0], z)
    atom_loss = -p[0] * sp.log(d1) - w[0] * sp.log(1 - d1)
    grad_d = _sum(pi * fi for pi, fi in zip(p, f)) - _sum(
        2 * mi * di * fi for mi, di, fi in zip(mu, d, f))
    ex = [sp.exp(-theta * fi) for fi in f]
    loss_irl_fixed = _sum(pi * theta * fi for pi, fi in zip(p, f)) + sp.log(
        _sum(mi * ei / mti for mi, ei, mti in zip(mu, ex, mt)))
    grad_irl_fixed = _sum(pi * fi for pi, fi in zip(p, f)) - _sum(
        mi * ei * fi / mti for mi, ei, fi, mti in zip(mu, ex, f, mt)) / _sum(
        mi * ei / mti for mi, ei, mti in zip(mu, ex, mt))
    generic = {exi: ei for exi, ei in zip(ex, e)}       # exp(-theta f_i) -> e_i > 0
    mu_tilde = {mti: (ei / z + qi) / 2 for mti, ei, qi in zip(mt, e, q)}
    z_hat = _z_hat(e, q, p, w, z)
    weighted = _sum(2 * mi * di * fi for mi, di, fi in zip(mu, d, f))
    p_f = _sum(pi * fi for pi, fi in zip(p, f))
    grad_irl = p_f - z / z_hat * weighted
    difference = (p_f - z / z_hat_s * w_sum) - (p_f - w_sum)
    steps = [
        Step("discriminator-gradient-per-trajectory", sp.Derivative(atom_loss, theta),
             (p[0] * (1 - d1) - w[0] * d1) * f[0],
             justification="c = theta f: d(-log D)/dc = 1 - D and d(-log(1 - D))/dc = -D "
                           "(trajectory 1; each term of the loss is one such term)"),
        Step("discriminator-gradient",
             _sum((pi * (1 - di) - wi * di) * fi for pi, wi, di, fi in zip(p, w, d, f)), grad_d,
             justification="summing over trajectories: dL_D/dtheta = sum (p - 2 mu D) f, "
                           "mu = (p + w)/2"),
        Step("irl-gradient-weights-fixed", sp.Derivative(loss_irl_fixed, theta), grad_irl_fixed,
             justification="L_IRL = E_p[c] + log E_mu[e^{-c}/mu_tilde] with mu_tilde held fixed "
                           "(symbols m_i), as the paper differentiates"),
        Step("importance-weight", mu[0] * e[0] / mu_tilde[mt[0]], 2 * mu[0] * z * d[0],
             justification="mu e^{-c}/mu_tilde = 2 mu Z D for each trajectory"),
        Step("irl-gradient-at-mu-tilde", grad_irl_fixed.xreplace(generic).subs(mu_tilde),
             grad_irl,
             justification="so the normalized importance weights are (Z/Z_hat) 2 mu D, with "
                           "Z_hat = E_mu[e^{-c}/mu_tilde]: dL_IRL/dtheta = E_p[f] - "
                           "(Z/Z_hat) sum 2 mu D f"),
        Step("difference", difference, (z_hat_s - z) / z_hat_s * w_sum,
             justification="with W = sum 2 mu D f and Z_hat as above: dL_IRL/dtheta - "
                           "dL_D/dtheta = (Z_hat - Z)/Z_hat W"),
        Step("equal-at-fixed-point", sp.Subs(difference, z_hat_s, z), 0,
             justification="at the loss-minimizing Z, Z_hat(Z) = Z "
                           "(finn2016/partition-fixed-point), so the gradients are equal"),
    ]
    return Derivation(
        "finn2016/gradient-equivalence",
        "At the loss-minimizing Z, d(discriminator loss)/dtheta equals d(MaxEnt IRL cost "
        "loss)/dtheta with the importance weights held fixed",
        f"{PAPER}, Section 3.2 (second fact)",
        steps,
        f"Checked on n = {N_ATOMS} trajectories with the linear cost c_i = theta f_i (scalar "
        "theta, real features f_i; e_i = exp(-theta f_i) in the algebraic steps).  For any "
        "parametrization c_theta the chain rule dL/dtheta = sum_i dL/dc_i dc_i/dtheta reduces "
        "it to the per-trajectory identity dL_D/dc_i = p_i - 2 mu_i D_i = dL_IRL/dc_i at "
        "Z = Z_hat (take f = the i-th unit vector).",
    )


# --------------------------------------------------------------------------- fact 3


@derivation("finn2016/generator-loss")
def generator_loss() -> Derivation:
    """Third fact: the generator loss is log Z plus the entropy-regularized sampler loss.

    Source: Finn et al. (2016), arXiv:1611.03852, Section 3.2 (third fact) and Section 2.3
    (the sampler loss E_q[c] + E_q[log q]).
    """
    q = _syms("q", positive=True)
    w = _syms("w", positive=True)
    c = _syms("c", real=True)
    z = sp.Symbol("Z", positive=True)
    d = [_d(sp.exp(-ci), qi, z) for ci, qi in zip(c, q)]
    gen = _sum(wi * (sp.log(1 - di) - sp.log(di)) for wi, di in zip(w, d))
    per_atom = sp.log(q[0]) + c[0] + sp.log(z)
    zc = _sum(sp.exp(-ci) for ci in c)
    model = [sp.exp(-ci) / zc for ci in c]
    sampler_loss = _sum(qi * ci for qi, ci in zip(q, c)) + _sum(qi * sp.log(qi) for qi in q)
    kl = _sum(qi * sp.log(qi / mi) for qi, mi in zip(q, model))
    lemmas = tuple(Instance("lemma-log", {LEMMA_T: qi / mi}, factor=qi) for qi, mi in zip(q, model))
    q_norm = (sp.Eq(_sum(q), 1),)
    steps = [
        Step("per-trajectory", sp.log(1 - d[0]) - sp.log(d[0]), per_atom,
             justification="log((1 - D)/D) = log(q / (e^{-c}/Z)) = log q + c + log Z"),
        Step("generator-loss", gen,
             sp.log(z) + _sum(wi * ci for wi, ci in zip(w, c))
             + _sum(wi * sp.log(qi) for wi, qi in zip(w, q)),
             assumptions=(sp.Eq(_sum(w), 1),),
             justification="average over E_w (sum w = 1): L_G = log Z + E_w[c] + E_w[log q]"),
        Step("sampler-loss-is-kl", sampler_loss, kl - sp.log(zc), assumptions=q_norm,
             justification="E_q[c] + E_q[log q] = KL(q || e^{-c}/Z_c) - log Z_c"),
        log_lower_lemma(),
        Step("kl-nonnegative", kl, 0, ">=", by=lemmas, assumptions=q_norm,
             justification="q log(q/m) >= q - m termwise; the remainders sum to 0"),
        Step("sampler-loss-lower-bound", sampler_loss, -sp.log(zc), ">=",
             by=(Instance("kl-nonnegative"),), assumptions=q_norm,
             justification="so L_sampler(q) >= -log Z_c ..."),
        Step("minimizer-is-maxent", sampler_loss.subs(dict(zip(q, model))), -sp.log(zc),
             justification="... with equality at q = e^{-c}/Z_c: the generator's optimum is "
                           "the MaxEnt distribution of its cost (log Z is a constant for q)"),
    ]
    return Derivation(
        "finn2016/generator-loss",
        "The generator loss E_q[log(1 - D) - log D] = log Z + E_q[c] + E_q[log q], minimized "
        "over q at q = exp(-c)/Z_c",
        f"{PAPER}, Section 3.2 (third fact) and Section 2.3 (sampler loss)",
        steps,
        f"Checked on n = {N_ATOMS} trajectories with real costs c_i, q_i > 0 and E_q weights "
        "w_i (w = q for the exact game). q_i > 0 throughout: a sampler with a zero atom has "
        "E_q[log q] with 0 log 0 = 0 and the same identity.",
    )
