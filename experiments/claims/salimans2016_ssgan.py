"""Claims from Salimans, Goodfellow, Zaremba, Cheung, Radford & Chen (2016), "Improved Techniques
for Training GANs" (NeurIPS; arXiv:1606.03498): the semi-supervised K+1-class discriminator
(Section 5, after Odena 2016), feature matching (Section 3.1) and the inception score (Section 4).

(The paper's one-sided label smoothing claim lives in :mod:`experiments.claims.salimans2016`.)

- Section 5: with class K+1 = "generated" and its logit fixed at 0, D(x) = Z(x)/(Z(x) + 1),
  Z(x) = Σ_k exp(l_k(x)), and the unsupervised loss is the GAN discriminator's; derived in sympy
  (``salimans2016/ssgan-fixed-fake-logit``), checked here against a softmax over K+1 logits and
  against a numerical minimization of the loss, whose D is Goodfellow's p_data/(p_data + p_model).
- Section 3.1: feature matching ‖E_data f(x) - E_G f(G(z))‖² matches the chosen statistics
  only (``salimans2016/feature-matching-fixed-points``): gradient descent on a categorical
  generator converges to a distribution with the data's feature means that is not the data.
- Section 4: the inception score exp(E_x KL(p(y|x) ‖ p(y))) (as the survey, seed 002, prints it)
  is exp of the mutual information I(x; y), between 1 and the number of classes; its blind spots
  (derived here): one confident output per class reaches the maximum and copies within a class
  do not move it.
"""

from __future__ import annotations

import functools

import numpy as np
from scipy.optimize import minimize
from scipy.special import log_softmax, logsumexp, rel_entr, softmax
from scipy.stats import entropy

from experiments.claims.support import derived_claim
from experiments.claims.tolerances import ENUM_ATOL, FLOAT_ATOL, FLOAT_RTOL
from experiments.registry import Context, Evidence, claim
from solvers.problems.collapsed import confident_class_outputs
from theory.divergences import total_variation
from theory.gan import gan_value, optimal_discriminator
from theory.gan_diagnostics import inception_score
from theory.semi_supervised import feature_matching_alternative, feature_matching_gradient, \
    feature_matching_loss, ssgan_class_probabilities, ssgan_discriminator, ssgan_supervised_loss, \
    ssgan_unsupervised_loss

SSGAN = "salimans2016/ssgan-discriminator-z-over-z-plus-1"
FEATURE_MATCHING = "salimans2016/feature-matching-fixed-point"
INCEPTION = "salimans2016/inception-score-exp-mutual-information"
INCEPTION_BLIND = "salimans2016/inception-score-blind-spots"

SOURCE_SSGAN = "Salimans et al. (2016), Section 5 (K+1 classes, l_{K+1} = 0, D(x) = Z(x)/(Z(x)+1)); Odena (2016)"
SOURCE_FM = "Salimans et al. (2016), Section 3.1 (feature matching objective)"
SOURCE_IS = ("Salimans et al. (2016), Section 4 (the inception score exp(E_x KL(p(y|x) || p(y))), as the "
             "survey, seed 002, also prints it)")
#: Registers an exact claim on the inception score (its closed form in theory.gan_diagnostics):
#: the kinds and closed form both inception-score claims share, written once.
exact_inception_claim = functools.partial(
    claim, kinds=("exact",), closed_form="theory.gan_diagnostics.inception_score")

#: K real classes and n_x inputs of the semi-supervised toy.
N_CLASSES, N_INPUTS = 3, 6
#: L-BFGS-B on the unsupervised loss over the n_x K logits: stop at a projected gradient of 1e-12.
LBFGS_GTOL = 1e-12
#: Feature matching toy: inputs {0, 1, 2} with f(x) = x (the derivation's example) and a 5-input
#: one with two features (x, x²) on x in [-1, 1]; gradient descent on softmax logits (lr 2 is
#: below 2/curvature for these O(1) features: the objective decays geometrically).
FM_LR, FM_STEPS = 2.0, 4000
#: "Converged": the objective below 1e-20 (it decays geometrically; float rounding of the feature
#: means is ~1e-16, so J ~ 1e-32 is the floor).
FM_CONVERGED = 1e-20
#: "Differ": total variation from the data at least this (the fixed points found are >= 0.1 away).
FM_DIFFER = 1e-2
#: Central differences of the objective (smooth, O(1)): step 1e-6, error ~h² f''' + eps/h ~ 1e-10.
FD_STEP, FD_ATOL = 1e-6, 1e-8


def _random_logits(rng: np.random.Generator, shape) -> np.ndarray:
    logits = rng.normal(0.0, 2.0, size=shape)
    logits[0] = [40.0, -40.0, 0.0][: shape[-1]]        # large logits: D within 1e-17 of 1
    logits[1] = [-40.0, -35.0, -38.0][: shape[-1]]     # all small: D ~ e^-35
    return logits


def _unsup_loss_and_grad(flat: np.ndarray, p: np.ndarray, q: np.ndarray):
    """L_unsupervised(logits) and its gradient: ∂L/∂l_{x,k} = ((p + q) D - p)(x) exp(l_k)/Z(x),
    written out here for the optimizer (the value comes from theory.semi_supervised)."""
    logits = flat.reshape(N_INPUTS, N_CLASSES)
    loss = float(ssgan_unsupervised_loss(logits, p, q))
    d = np.asarray(ssgan_discriminator(logits))
    grad = ((p + q) * d - p)[:, None] * softmax(logits, axis=1)
    return loss, grad.ravel()


@derived_claim(
    SSGAN,
    derivation="salimans2016/ssgan-fixed-fake-logit",
    statement="With the fake-class logit fixed at 0, the K+1-class discriminator gives D(x) = "
    "Z(x)/(Z(x) + 1), Z = sum_k exp(l_k); its unsupervised loss is the GAN discriminator loss "
    "-V(D, G), minimized at D = p_data/(p_data + p_model); the supervised loss never sees the fake "
    "logit.",
    source=SOURCE_SSGAN,
    closed_form="theory.semi_supervised.ssgan_discriminator",
)
def ssgan_discriminator_claim(ctx: Context):
    rng = ctx.rng(0)
    parts = {}
    logits = _random_logits(rng, (N_INPUTS, N_CLASSES))
    full = np.concatenate([logits, np.zeros((N_INPUTS, 1))], axis=1)
    probs = softmax(full, axis=1)                      # scipy's K+1 softmax, fake logit 0
    parts["softmax-route"] = Evidence.close(
        np.concatenate([1.0 - probs[:, -1], probs.ravel()]),
        np.concatenate([np.asarray(ssgan_discriminator(logits)), ssgan_class_probabilities(logits).ravel()]),
        atol=FLOAT_ATOL, reason="scipy's softmax over K+1 logits vs sigma(log Z) and theory's class "
        "probabilities; rounding of O(1) values (logits up to +-40)")
    p, q = rng.dirichlet(np.ones(N_INPUTS)), rng.dirichlet(np.ones(N_INPUTS))
    # moderate logits here: 1 - p(K+1|x) computed from the K+1 softmax in float64 rounds to 1
    # for logits near 40, where log(1 - D) would be -inf on this route (theory keeps it finite)
    moderate = rng.normal(0.0, 2.0, size=(N_INPUTS, N_CLASSES))
    d = 1.0 - softmax(np.concatenate([moderate, np.zeros((N_INPUTS, 1))], axis=1), axis=1)[:, -1]
    parts["unsupervised-loss-is-gan-loss"] = Evidence.close(
        -float(gan_value(d, p, q)), float(ssgan_unsupervised_loss(moderate, p, q)), atol=FLOAT_ATOL,
        rtol=FLOAT_RTOL, reason="-V(D, G) of Goodfellow's eq. (1) at D = 1 - p(K+1|x) vs the "
        "cross-entropy of the generated class; float rounding")
    res = minimize(_unsup_loss_and_grad, np.zeros(N_INPUTS * N_CLASSES), args=(p, q), jac=True,
                   method="L-BFGS-B", options={"gtol": LBFGS_GTOL, "ftol": 0.0, "maxiter": 2000})
    d_opt = np.asarray(ssgan_discriminator(res.x.reshape(N_INPUTS, N_CLASSES)))
    # ∂L/∂log Z(x) = Σ_k ∂L/∂l_{x,k} = (p + q)(D - D*) exactly, so |D - D*| <= K max|grad|/(p + q)
    grad = np.abs(res.jac).reshape(N_INPUTS, N_CLASSES).sum(axis=1)
    parts["minimizer-is-goodfellow-d-star"] = Evidence.close(
        optimal_discriminator(p, q), d_opt, atol=grad / (p + q) + 1e-15,
        reason="L-BFGS-B minimization of the unsupervised loss over the n_x K logits; per input "
        "|D - D*| = |Σ_k ∂L/∂l_k|/(p + q) at the returned point (derived), plus rounding",
        details={"n_iter": int(res.nit), "max_grad": float(np.max(np.abs(res.jac))), "message": str(res.message)})
    # the supervised loss does not depend on the fake logit
    p_xy = rng.dirichlet(np.ones(N_INPUTS * N_CLASSES)).reshape(N_INPUTS, N_CLASSES)
    fake = rng.normal(0.0, 5.0, size=(4, N_INPUTS, 1))
    sup = []
    for f in fake:
        log_pr = log_softmax(np.concatenate([logits, f], axis=1), axis=1)    # K+1 classes
        # log p(y | x, y <= K) = log p(y | x) - log(1 - p(K+1 | x)), the latter as a logsumexp
        sup.append(-np.sum(p_xy * (log_pr[:, :-1] - logsumexp(log_pr[:, :-1], axis=1, keepdims=True))))
    parts["supervised-ignores-fake-logit"] = Evidence.close(
        np.full(len(sup), float(ssgan_supervised_loss(logits, p_xy))), sup, atol=FLOAT_ATOL, rtol=FLOAT_RTOL,
        reason="-Σ p(x,y) log p(y | x, y <= K) from a K+1 log-softmax with random fake logits "
        "(N(0, 25)) vs theory's loss without it; float rounding")
    return parts


def descend_feature_matching(features: np.ndarray, p_data: np.ndarray, theta0: np.ndarray, *,
                             lr: float, n_steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Gradient descent on the feature matching objective of a softmax generator q = softmax(θ)
    (the tabular counterpart of training G with Salimans et al.'s Section 3.1 objective), using
    :func:`theory.semi_supervised.feature_matching_gradient`.  Returns (final q, objective per
    step)."""
    theta = np.array(theta0, dtype=float)
    history = np.empty(n_steps + 1)
    for t in range(n_steps):
        q = softmax(theta)
        history[t] = float(feature_matching_loss(features, p_data, q))
        theta = theta - lr * feature_matching_gradient(theta, features, p_data)
    q = softmax(theta)
    history[-1] = float(feature_matching_loss(features, p_data, q))
    return q, history


#: The feature matching toys: (features, p_data, starting logits).  (a) the derivation's {0, 1, 2}
#: with the mean feature; (b) five inputs with features (x, x²) and a skewed data law; (c) the
#: identity features on 4 inputs (every marginal is a feature): the fixed point is p_data itself.
FM_TOYS = {
    "mean-feature-3": (np.array([0.0, 1.0, 2.0]), np.full(3, 1 / 3), np.log([0.45, 0.1, 0.45])),
    "two-features-5": (np.stack([np.linspace(-1.0, 1.0, 5), np.linspace(-1.0, 1.0, 5) ** 2], axis=1),
                       np.array([0.1, 0.3, 0.2, 0.3, 0.1]), np.zeros(5)),
    "identity-4": (np.eye(4), np.array([0.1, 0.2, 0.3, 0.4]), np.zeros(4)),
}


@derived_claim(
    FEATURE_MATCHING,
    derivation="salimans2016/feature-matching-fixed-points",
    statement="Feature matching's fixed points match the chosen statistics only: gradient descent "
    "on a categorical generator drives ||E_data f - E_G f||^2 to 0 while the generator still differs "
    "from the data (f(x) = x on {0, 1, 2}; features (x, x^2) on 5 points); with the identity "
    "features the only fixed point is the data.",
    source=SOURCE_FM,
    closed_form="theory.semi_supervised.feature_matching_alternative",
)
def feature_matching_claim(ctx: Context):
    rng = ctx.rng(0)
    parts = {}
    # the gradient the descent uses, against central differences of the objective
    fd, an = [], []
    for feats, p, _ in FM_TOYS.values():
        theta = rng.normal(size=p.size)
        an.append(feature_matching_gradient(theta, feats, p))
        e = np.eye(p.size) * FD_STEP
        fd.append([(feature_matching_loss(feats, p, softmax(theta + ei))
                    - feature_matching_loss(feats, p, softmax(theta - ei))) / (2 * FD_STEP) for ei in e])
    parts["gradient-finite-differences"] = Evidence.close(
        np.concatenate(fd), np.concatenate(an), atol=FD_ATOL,
        reason="central differences (h = 1e-6) of the objective through the softmax: truncation "
        "~h^2 f''' ~1e-12, rounding ~eps/h ~1e-10")
    finals, tvs, losses = {}, [], []
    for name, (feats, p, theta0) in FM_TOYS.items():
        # a random perturbation of the start: a different fixed point each seed
        q, hist = descend_feature_matching(feats, p, theta0 + 0.2 * rng.normal(size=p.size),
                                           lr=FM_LR, n_steps=FM_STEPS)
        finals[name] = q
        losses.append(hist[-1])
        tvs.append(float(total_variation(p, q)))
    parts["descent-converges"] = Evidence.bound(
        losses, FM_CONVERGED, reason=f"objective after {FM_STEPS} steps of lr {FM_LR}: below "
        f"{FM_CONVERGED:g} (geometric decay to the rounding floor ~1e-32)",
        details={"final_q": finals})
    parts["fixed-point-differs-from-data"] = Evidence.bound(
        tvs[:2], FM_DIFFER, relation=">=",
        reason="total variation between the converged generator and the data on the two toys with "
        "fewer features than degrees of freedom", details={"tv": dict(zip(FM_TOYS, tvs))})
    parts["identity-features-recover-data"] = Evidence.close(
        FM_TOYS["identity-4"][1], finals["identity-4"], atol=1e-9,
        reason="every marginal is a feature: J = ||p - q||^2, so J < 1e-20 gives |q - p| < 1e-10")
    # the polytope of fixed points, by the closed form: a point other than the data
    checks, details = [], {}
    for name, (feats, p, _) in FM_TOYS.items():
        alt = feature_matching_alternative(feats, p)
        details[name] = None if alt is None else alt
        if alt is None:
            checks.append(name == "identity-4")
            continue
        phi = feats if feats.ndim == 2 else feats[:, None]
        checks.append(bool(np.all(alt >= 0) and abs(alt.sum() - 1) < ENUM_ATOL
                           and np.allclose(alt @ phi, p @ phi, rtol=0, atol=ENUM_ATOL)
                           and total_variation(p, alt) > FM_DIFFER))
    parts["closed-form-alternative"] = Evidence.exact_match(
        [True] * len(checks), checks, passed=all(checks),
        reason="theory's alternative fixed point: a distribution (>= 0, sums to 1) with the data's "
        "feature means (matrix products, 1e-12) and TV > 1e-2; none for the identity features",
        details={"alternatives": details})
    return parts


# --------------------------------------------------------------------------- inception score
def reference_inception_score(p_y_given_x: np.ndarray, weights: np.ndarray) -> float:
    """exp(Σ_x w(x) KL(p(y|x) ‖ p(y))), p(y) = Σ_x w(x) p(y|x), written out with rel_entr."""
    marginal = weights @ p_y_given_x
    kl = rel_entr(p_y_given_x, marginal[None, :]).sum(axis=1)
    return float(np.exp(np.sum(np.where(weights > 0, weights * kl, 0.0))))


@exact_inception_claim(
    INCEPTION,
    statement="The inception score exp(E_x KL(p(y|x) || p(y))) equals exp(I(x; y)) = exp(H(y) - "
    "H(y|x)) and lies between 1 and min(number of classes, number of outputs with positive weight).",
    source=SOURCE_IS + "; the mutual-information identity: Cover & Thomas (2006), Section 2.4",
)
def inception_score_claim(ctx: Context):
    rng = ctx.rng(0)
    ref, mi_route, theory_vals, upper = [], [], [], []
    for n_x, K in ((1, 3), (4, 2), (6, 5), (10, 10), (3, 8)):
        for _ in range(4):
            pyx = rng.dirichlet(np.full(K, 0.3), size=n_x)
            pyx[0, 0] = 0.0                               # a zero class probability
            pyx /= pyx.sum(axis=1, keepdims=True)
            w = rng.dirichlet(np.ones(n_x))
            if n_x > 2:
                w[-1] = 0.0                               # an output the generator never makes
                w /= w.sum()
            ref.append(reference_inception_score(pyx, w))
            marginal = w @ pyx
            mi_route.append(float(np.exp(entropy(marginal) - np.sum(w * entropy(pyx, axis=1)))))
            theory_vals.append(float(inception_score(pyx, w)))
            upper.append(min(K, int(np.sum(w > 0))))
    ref, theory_vals = np.array(ref), np.array(theory_vals)
    return {
        "kl-route": Evidence.close(ref, theory_vals, atol=0.0, rtol=1e-12,
                                   reason="exp of a weighted sum of rel_entr terms vs theory: float "
                                   "rounding of <= 100 terms, relative"),
        "entropy-route": Evidence.close(np.array(mi_route), theory_vals, atol=0.0, rtol=1e-12,
                                        reason="exp(H(y) - E H(y|x)) with scipy.stats.entropy; rounding"),
        "between-1-and-classes": Evidence.bound(
            np.concatenate([1.0 - theory_vals, theory_vals - np.array(upper)]), 0.0, slack=1e-12,
            reason="1 <= IS (I >= 0) and IS <= min(K, #outputs with weight > 0) (I <= min(H(y), H(x))); "
            "rounding slack"),
    }


@exact_inception_claim(
    INCEPTION_BLIND,
    statement="The inception score's blind spots: a generator with one confident output per class "
    "scores the maximum K whatever else it fails to produce; copies within a class (within-class "
    "diversity) do not move it; it sees only the classifier's confidence and class coverage "
    "(dropping a class gives K - 1, confidence c gives K exp(-H(c-row))).",
    source=SOURCE_IS + "; the blind spots are derived here",
    problem="solvers.problems.collapsed.confident_class_outputs",
)
def inception_blind_spots(ctx: Context):
    parts = {}
    Ks = np.arange(2, 11)
    one = [float(inception_score(confident_class_outputs(int(K)))) for K in Ks]
    parts["one-output-per-class-is-maximal"] = Evidence.close(
        Ks.astype(float), one, atol=0.0, rtol=FLOAT_RTOL,
        reason="I(x; y) = log K for one-hot outputs, one per class: float rounding")
    copies = [[float(inception_score(confident_class_outputs(int(K), m))) for m in range(1, 6)] for K in (3, 7)]
    parts["within-class-diversity-invisible"] = Evidence.close(
        [[3.0] * 5, [7.0] * 5], copies, atol=0.0, rtol=FLOAT_RTOL,
        reason="1..5 distinct outputs per class, all classified alike: the score stays K (rounding)")
    K = 6
    drop = confident_class_outputs(K)
    w = np.full(K, 1.0 / (K - 1))
    w[-1] = 0.0
    parts["dropped-class-costs-one"] = Evidence.close(
        K - 1.0, float(inception_score(drop, w)), atol=0.0, rtol=FLOAT_RTOL,
        reason="a generator that never makes class K: exp(log(K - 1)); rounding")
    conf = np.linspace(0.2, 1.0, 9)
    rows = [confident_class_outputs(K, confidence=float(c)) for c in conf]
    pred = [K * np.exp(-entropy(r[0])) for r in rows]
    parts["confidence-only"] = Evidence.close(
        pred, [float(inception_score(r)) for r in rows], atol=0.0, rtol=1e-12,
        reason="uniform class coverage: IS = exp(log K - H(row)) = K exp(-H(row)), written out with "
        "scipy.stats.entropy; rounding", details={"confidence": conf, "K": K})
    return parts
