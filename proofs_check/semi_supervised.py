"""Salimans et al. (2016), "Improved Techniques for Training GANs": the K+1-class discriminator
of semi-supervised GANs (Section 5) and the fixed points of feature matching (Section 3.1).

Derivations
-----------
``salimans2016/ssgan-fixed-fake-logit``
    K = 3 real-class logits l_1..l_3 and a fake logit f, softmax over the K + 1 classes.
    Checked: the class probabilities are unchanged when one function c(x) is subtracted from
    every logit (the over-parameterization that lets Salimans et al. fix f = 0); with f = 0,
    p(K+1 | x) = 1/(Z + 1) and D(x) = 1 - p(K+1 | x) = Z/(Z + 1) = σ(log Z),
    Z = Σ_k exp(l_k); the supervised probabilities p(y | x, y <= K) = exp(l_y)/Z do not depend
    on f; the unsupervised loss -[p_data log(1 - p(K+1|x)) + p_model log p(K+1|x)] is, atom by
    atom, the GAN discriminator loss -[p_data log D + p_model log(1 - D)] (Goodfellow et al.
    2014, eq. (1)); and as a function of s = log Z it is strictly convex with its minimum at
    Z = p_data/p_model, where D = p_data/(p_data + p_model) (Goodfellow et al., Prop. 1).
``salimans2016/feature-matching-fixed-points``
    Three inputs x ∈ {0, 1, 2} with the feature f(x) = x (a "mean" feature): every
    q = p + t (1, -2, 1) has the same total mass and feature mean as p, so the feature
    matching objective ‖E_p f - E_q f‖² is 0 at q although q ≠ p for t ≠ 0 (the total
    variation is 2|t|).  Matching chosen statistics does not match the distribution.
"""

from __future__ import annotations

import functools

import sympy as sp

from proofs_check.core import Derivation, Step, derivation

__all__ = [
    "PAPER",
    "ssgan_symbols",
    "ssgan_fixed_fake_logit",
    "feature_matching_fixed_points",
]

PAPER = ('Salimans, Goodfellow, Zaremba, Cheung, Radford & Chen (2016), "Improved Techniques '
         'for Training GANs", NeurIPS')

K = 3


@functools.cache
def ssgan_symbols() -> dict:
    """Symbols and expressions of the K+1-class discriminator with K = 3 real classes.

    Returns
    -------
    dict
        ``l`` (3 real logits), ``f`` (fake logit), ``c`` (a shift), ``pd``, ``pg`` (positive
        data/model probabilities of one input), ``s`` (a real symbol for log Z),
        ``probs(l, f)`` (the K+1 softmax, a function), ``Z`` (Σ exp l_k), ``D`` (the
        discriminator with f = 0, derived as 1 - p(K+1 | x)).

    Examples
    --------
    >>> s = ssgan_symbols()
    >>> sp.simplify(s["D"].subs({x: 0 for x in s["l"]}))
    3/4
    """
    l = sp.symbols("l1:4", real=True)
    f, c, s = sp.symbols("f c s", real=True)
    pd, pg = sp.symbols("p_data p_model", positive=True)

    def probs(logits, fake):
        den = sp.Add(*(sp.exp(x) for x in logits)) + sp.exp(fake)
        return [sp.exp(x) / den for x in logits] + [sp.exp(fake) / den]

    Z = sp.Add(*(sp.exp(x) for x in l))
    D = 1 - probs(l, 0)[K]
    return dict(l=l, f=f, c=c, s=s, pd=pd, pg=pg, probs=probs, Z=Z, D=D)


@derivation("salimans2016/ssgan-fixed-fake-logit")
def ssgan_fixed_fake_logit() -> Derivation:
    """The K+1-class discriminator with the fake logit fixed at 0 (Salimans et al. 2016, Sec. 5).

    Source: Salimans et al. (2016), Section 5; Goodfellow et al. (2014), eq. (1) and
    Proposition 1.
    """
    S = ssgan_symbols()
    l, f, c, s, pd, pg, probs, Z, D = (S[k] for k in ("l", "f", "c", "s", "pd", "pg", "probs", "Z", "D"))
    steps = []
    shifted = probs([x - c for x in l], f - c)
    original = probs(l, f)
    for k in (0, K):
        label = "real-class-1" if k == 0 else "fake-class"
        steps.append(Step(
            f"shift-invariance-{label}", shifted[k], original[k],
            justification="subtracting c(x) from all K+1 logits multiplies numerator and "
                          "denominator by exp(-c): the softmax is over-parameterized"))
    fake0 = probs(l, 0)[K]
    steps.append(Step(
        "fake-probability-at-zero-logit", fake0, 1 / (Z + 1),
        justification="l_{K+1} = 0 gives exp(0) = 1 in the numerator and the denominator Z + 1"))
    steps.append(Step(
        "discriminator-z-over-z-plus-1", D, Z / (Z + 1),
        justification="D(x) = 1 - p(K+1 | x): the paper's D(x) = Z(x)/(Z(x) + 1)"))
    D_paper = Z / (Z + 1)
    steps.append(Step(
        "discriminator-is-sigmoid-of-log-z", D_paper, 1 / (1 + sp.exp(-sp.log(Z))),
        justification="Z/(Z + 1) = σ(log Z): a logistic discriminator on log Z(x)"))
    for k in range(K):
        steps.append(Step(
            f"supervised-independent-of-fake-logit-{k + 1}",
            original[k] / (1 - original[K]), sp.exp(l[k]) / Z,
            justification="p(y = k | x, y < K+1) = p(y = k | x)/(1 - p(K+1 | x)) = exp(l_k)/Z for "
                          "any fake logit f: L_supervised never sees it"))
    unsup = -(pd * sp.log(1 - fake0) + pg * sp.log(fake0))
    gan_loss = -(pd * sp.log(D_paper) + pg * sp.log(1 - D_paper))
    steps.append(Step(
        "unsupervised-loss-is-gan-loss", unsup, gan_loss,
        justification="substituting D = 1 - p(K+1 | x) into L_unsupervised gives -[p_data log D + "
                      "p_model log(1 - D)], the negated GAN value of Goodfellow et al. eq. (1)"))
    sigma = 1 / (1 + sp.exp(-s))
    loss_s = -(pd * sp.log(sigma) + pg * sp.log(1 - sigma))
    s_star = sp.log(pd / pg)
    steps.append(Step(
        "stationary-at-z-equals-ratio", sp.Subs(sp.Derivative(loss_s, s), s, s_star), 0,
        justification="d/ds of the loss at s = log Z = log(p_data/p_model) is 0"))
    steps.append(Step(
        "strictly-convex-in-log-z", sp.Derivative(loss_s, s, 2), 0, ">",
        justification="second derivative (p_data + p_model) σ(s)(1 - σ(s)) > 0: the stationary "
                      "point is the unique minimum"))
    steps.append(Step(
        "optimal-d-is-goodfellow", sigma.subs(s, s_star), pd / (pd + pg),
        justification="at Z = p_data/p_model, D = Z/(Z + 1) = p_data/(p_data + p_model): "
                      "Goodfellow et al. (2014), Proposition 1"))
    return Derivation(
        "salimans2016/ssgan-fixed-fake-logit",
        "Semi-supervised GAN: fixing the fake logit at 0 gives D(x) = Z(x)/(Z(x) + 1), and "
        "the unsupervised loss is the GAN discriminator loss (K = 3)",
        f"{PAPER}, Section 5; Goodfellow et al. (2014), eq. (1) and Proposition 1",
        steps,
        "Logits are any reals and the data/model probabilities of the input positive.  The "
        "minimum over log Z needs p_data > 0 and p_model > 0; where p_model = 0 the loss decreases "
        "as Z -> infinity (D -> 1), where p_data = 0 as Z -> 0.  Numeric counterpart: "
        "theory.semi_supervised.ssgan_discriminator and ssgan_unsupervised_loss.",
    )


@derivation("salimans2016/feature-matching-fixed-points")
def feature_matching_fixed_points() -> Derivation:
    """Feature matching with the mean feature on three inputs: a line of fixed points.

    Source: Salimans et al. (2016), Section 3.1 (the objective ‖E_data f - E_G f‖²).
    """
    p0, p1, p2 = sp.symbols("p0 p1 p2", positive=True)
    t = sp.Symbol("t", positive=True)
    x = (0, 1, 2)
    p = (p0, p1, p2)
    v = (1, -2, 1)
    q = tuple(pi + t * vi for pi, vi in zip(p, v))
    dom = (sp.Eq(p0 + p1 + p2, 1), t < p1 / 2)   # q1 = p1 - 2t > 0 keeps q a distribution
    steps = [
        Step("same-total-mass", sp.Add(*q), sp.Add(*p), assumptions=dom,
             justification="the direction (1, -2, 1) sums to 0"),
        Step("same-feature-mean", sp.Add(*(xi * qi for xi, qi in zip(x, q))),
             sp.Add(*(xi * pi for xi, pi in zip(x, p))), assumptions=dom,
             justification="Σ x v_x = 0 - 2 + 2 = 0"),
        Step("objective-zero", (sp.Add(*(xi * (pi - qi) for xi, pi, qi in zip(x, p, q)))) ** 2, 0,
             assumptions=dom,
             justification="‖E_p f - E_q f‖² = 0: q is a fixed point of feature matching"),
        Step("q-is-a-distribution", q[1], 0, ">", assumptions=dom,
             justification="q_1 = p_1 - 2t > 0 (q_0, q_2 > p_0, p_2 > 0)"),
        Step("distributions-differ", sp.Add(*(sp.Abs(qi - pi) for qi, pi in zip(q, p))) / 2, 2 * t,
             assumptions=dom,
             justification="TV(q, p) = (t + 2t + t)/2 = 2t > 0"),
    ]
    return Derivation(
        "salimans2016/feature-matching-fixed-points",
        "Feature matching with f(x) = x on {0, 1, 2}: every q = p + t(1, -2, 1) has objective 0 "
        "but TV(q, p) = 2t",
        f"{PAPER}, Section 3.1",
        steps,
        "The fixed points of feature matching with a fixed feature map form the polytope "
        "{q : Φᵀq = Φᵀp}; here a segment through p.  Numeric counterpart: "
        "theory.semi_supervised.feature_matching_alternative.",
    )
