"""Derivations from Pfau & Vinyals (2016): the GAN as an actor-critic on a stateless MDP.

Pfau, D. & Vinyals, O. (2016), "Connecting Generative Adversarial Networks and Actor-Critic
Methods", arXiv:1610.01945, Section 2.3 ("GANs as a kind of actor-critic").

The MDP: a blind actor plays a ~ q; with probability ρ the environment shows x ~ p_data and
pays r = 1, otherwise it shows x = a and pays r = 0.  The critic Q(x) predicts r and is trained
with the cross-entropy D(r ‖ Q) = -r log Q - (1 - r) log(1 - Q).

Derivations (each a chain of sympy-checked steps):

- ``pfau2016/expected-reward-policy-independent`` — E[r] = ρ for every policy, so the policy
  gradient (softmax logits, K = 3 atoms) is exactly zero;
- ``pfau2016/bayes-critic`` — the pointwise minimizer of the expected cross-entropy and of the
  squared Bellman error is ρ p / (ρ p + (1 - ρ) q) (= D* at ρ = 1/2), and it decreases where
  the actor adds mass (the critic "moves away");
- ``pfau2016/actor-update-equals-minimax-generator`` — the actor's update, the value gradient
  scaled by ∂D/∂Q at the fake target 0, equals minus the minimax generator gradient, for a
  pathwise actor x = μ + σ z with an arbitrary critic function Q and for a score-function
  actor on K = 3 atoms with softmax logits; real episodes give no update;
- ``pfau2016/log-q-actor-equals-non-saturating`` — the same with the scaling 1/Q (the log Q
  actor) and the non-saturating generator loss -log D;
- ``pfau2016/actor-update-equals-minimax-generator-broken`` (example) — the scaling taken at
  the real target 1 instead of 0: the checker stops at that step.
"""

from __future__ import annotations

import sympy as sp

from proofs_check.core import Derivation, Step, derivation

__all__ = [
    "PAPER",
    "K_ATOMS",
    "BROKEN_STEP",
    "cross_entropy",
    "expected_reward_policy_independent",
    "bayes_critic",
    "actor_update_equals_minimax_generator",
    "log_q_actor_equals_non_saturating",
    "broken_example",
]

PAPER = 'Pfau & Vinyals (2016), "Connecting Generative Adversarial Networks and Actor-Critic Methods"'

#: Atoms of the categorical (score-function) checks.
K_ATOMS = 3

#: The step that :func:`broken_example` gets wrong.
BROKEN_STEP = "scaling-term-fake-target"

_rho = sp.Symbol("rho", positive=True)  # real_prob, with rho < 1 as an assumption
_c = sp.Symbol("c", positive=True)  # a critic value Q(x) in (0, 1)
_r = sp.Symbol("r", nonnegative=True)  # a reward / target in [0, 1]


def cross_entropy(r: sp.Expr, c: sp.Expr) -> sp.Expr:
    """The cross-entropy divergence of the critic value c from the target r.

    D(r ‖ c) = -r log c - (1 - r) log(1 - c).

    Source: Pfau & Vinyals (2016), Section 2.3 ("to match the GAN loss the cross-entropy
    should be used" as the critic's divergence D of eq. (8)).

    Examples
    --------
    >>> c = sp.Symbol("c", positive=True)
    >>> cross_entropy(0, c)
    -log(1 - c)
    """
    return -r * sp.log(c) - (1 - r) * sp.log(1 - c)


def _softmax(theta):
    z = sp.Add(*(sp.exp(t) for t in theta))
    return [sp.exp(t) / z for t in theta]


def _categorical(k: int = K_ATOMS):
    theta = sp.symbols(f"theta1:{k + 1}", real=True)
    c = sp.symbols(f"c1:{k + 1}", positive=True)
    return theta, c, _softmax(theta)


# --------------------------------------------------------------------------- expected reward


@derivation("pfau2016/expected-reward-policy-independent")
def expected_reward_policy_independent() -> Derivation:
    """E[r] = ρ whatever the policy; the policy gradient is zero.

    Source: Pfau & Vinyals (2016), Section 2.3 (the actor cannot affect the reward; "the true
    policy gradient is always zero") and Section 3.2 (the value of any policy is 1/2).
    """
    k = K_ATOMS
    p = sp.symbols(f"p1:{k + 1}", positive=True)
    q = sp.symbols(f"q1:{k + 1}", positive=True)
    theta, _, q_soft = _categorical(k)
    rho = _rho
    normalized = (sp.Eq(sp.Add(*p), 1),)
    unit = (rho < 1,)
    # the episode table: P(real, x) = rho p_x with reward 1, P(fake, x) = (1 - rho) q_x with 0
    table_sum = sp.Add(*(rho * pi * 1 + (1 - rho) * qi * 0 for pi, qi in zip(p, q)))
    # per-action reward: the coin does not look at the action a
    per_action = rho * sp.Add(*p) * 1 + (1 - rho) * 0
    value_soft = sp.Add(*(qa * per_action for qa in q_soft))
    score_form = sp.Add(*(qa * sp.Derivative(sp.log(qa), theta[0]) * per_action for qa in q_soft))
    m = [rho * pi + (1 - rho) * qi for pi, qi in zip(p, q)]
    q_star = [rho * pi / mi for pi, mi in zip(p, m)]
    steps = [
        Step("expected-reward", table_sum, rho, assumptions=normalized + unit,
             justification="E[r] = sum_x rho p(x) * 1 + (1 - rho) q(x) * 0 = rho sum p = rho: q "
                           "only multiplies the reward 0"),
        Step("reward-independent-of-q", sp.Derivative(table_sum, q[0]), 0, assumptions=unit,
             justification="no term of E[r] with a non-zero reward contains q"),
        Step("per-action-reward", per_action, rho, assumptions=normalized + unit,
             justification="R(a) = E[r | actor plays a] = rho * 1 + (1 - rho) * 0: the coin is "
                           "independent of a"),
        Step("policy-gradient-softmax", sp.Derivative(value_soft, theta[0]), 0,
             assumptions=normalized + unit,
             justification="E[r](theta) = sum_a softmax(theta)_a R(a) = rho sum_a softmax_a = rho"),
        Step("policy-gradient-score-form", score_form, 0, assumptions=normalized + unit,
             justification="REINFORCE's mean sum_a q_a d log q_a/d theta_1 R(a) = R sum_a dq_a/"
                           "d theta_1 = 0"),
        Step("critic-calibrated", sp.Add(*(mi * qs for mi, qs in zip(m, q_star))), rho,
             assumptions=normalized + unit,
             justification="the Bayes critic predicts the true mean reward over episodes: "
                           "sum_x m(x) Q*(x) = sum_x rho p(x) = rho"),
    ]
    return Derivation(
        "pfau2016/expected-reward-policy-independent",
        "In the stateless GAN MDP the expected reward is real_prob for every policy, so the "
        "true policy gradient is zero",
        f"{PAPER}, Section 2.3 and Section 3.2 (Compatibility)",
        steps,
        f"Checked on K = {k} atoms with p, q > 0 and sum p = 1 (eliminating p3), 0 < rho < 1, "
        "softmax logits theta (gradient w.r.t. theta1; the other logits are symmetric). "
        "Zero atoms only remove terms. At rho = 1/2 the value of every policy is 1/2, as the "
        "paper's Section 3.2 states.",
    )


# --------------------------------------------------------------------------- Bayes critic


@derivation("pfau2016/bayes-critic")
def bayes_critic() -> Derivation:
    """The critic minimizing the cross-entropy or squared Bellman error is ρp/(ρp + (1 - ρ)q).

    Source: Pfau & Vinyals (2016), Section 2.3 (cross-entropy critic loss) and eq. (8);
    Goodfellow et al. (2014), Proposition 1, eq. (2) (the case ρ = 1/2).
    """
    a, b = sp.symbols("a b", positive=True)  # a = rho p(x), b = (1 - rho) q(x)
    y = sp.Symbol("Q", positive=True)
    open01 = (y < 1,)
    ce = -a * sp.log(y) - b * sp.log(1 - y)  # a D(1 || Q) + b D(0 || Q)
    sq = a * (1 - y) ** 2 + b * y**2
    y_star = a / (a + b)
    p, q = sp.symbols("p q", positive=True)
    rho = _rho
    m = rho * p + (1 - rho) * q
    q_star = rho * p / m
    unit = (rho < 1,)
    steps = [
        Step("ce-pointwise", a * cross_entropy(1, y) + b * cross_entropy(0, y), ce,
             justification="the expected cross-entropy Bellman error at x: real episodes "
                           "(weight a, target 1) and fake ones (weight b, target 0)"),
        Step("ce-first-derivative", sp.Derivative(ce, y), -a / y + b / (1 - y), assumptions=open01,
             justification="differentiate in Q"),
        Step("ce-stationary-point", sp.ConditionSet(y, sp.Eq(-a / y + b / (1 - y), 0), sp.S.Reals),
             sp.FiniteSet(y_star), justification="a (1 - Q) = b Q has the single root a/(a + b)"),
        Step("ce-convex", sp.Derivative(ce, (y, 2)), 0, ">", assumptions=open01,
             justification="a/Q^2 + b/(1 - Q)^2 > 0: strictly convex, the root is the minimizer"),
        Step("sq-first-derivative", sp.Derivative(sq, y), 2 * (a + b) * y - 2 * a,
             justification="differentiate a (1 - Q)^2 + b Q^2"),
        Step("sq-stationary-point", sp.ConditionSet(y, sp.Eq(2 * (a + b) * y - 2 * a, 0), sp.S.Reals),
             sp.FiniteSet(y_star), justification="the same root a/(a + b)"),
        Step("sq-convex", sp.Derivative(sq, (y, 2)), 0, ">",
             justification="2 (a + b) > 0"),
        Step("root-in-unit-interval", y_star * (1 - y_star), 0, ">",
             justification="0 < a/(a + b) < 1, inside the domain of Q"),
        Step("bayes-critic", y_star.subs({a: rho * p, b: (1 - rho) * q}), q_star, assumptions=unit,
             justification="a = rho p_data(x), b = (1 - rho) q(x): Q*(x) = E[r | x]"),
        Step("half-is-d-star", q_star.subs(rho, sp.Rational(1, 2)), p / (p + q),
             justification="rho = 1/2: Goodfellow et al.'s D*(x) = p/(p + q), eq. (2)"),
        Step("equal-densities-give-rho", q_star.subs(q, p), rho, assumptions=unit,
             justification="where p = q > 0 the critic is the prior rho: the value we also take "
                           "where p = q = 0 (no episode shows x)"),
        Step("ce-loss-is-minus-half-gan-value",
             (ce.subs({a: p / 2, b: q / 2})), -(p * sp.log(y) + q * sp.log(1 - y)) / 2,
             justification="rho = 1/2: the critic's cross-entropy is -V(D, G)/2 pointwise with "
                           "D = Q (Goodfellow et al. 2014, eq. (1))"),
        Step("critic-sensitivity", sp.Derivative(q_star, q), -rho * (1 - rho) * p / m**2,
             assumptions=unit, justification="differentiate Q*(x) in the actor's mass q(x)"),
        Step("critic-moves-away", -rho * (1 - rho) * p / m**2, 0, "<", assumptions=unit,
             justification="the re-fitted critic lowers its value where the actor adds mass"),
    ]
    return Derivation(
        "pfau2016/bayes-critic",
        "The critic minimizing the cross-entropy (or squared) Bellman error is "
        "Q*(x) = rho p_data(x)/(rho p_data(x) + (1 - rho) q(x)), D* at rho = 1/2, and it "
        "decreases where the actor adds mass",
        f"{PAPER}, Section 2.3 and eq. (8); Goodfellow et al. (2014), Proposition 1, eq. (2)",
        steps,
        "Pointwise in x with a = rho p_data(x) > 0, b = (1 - rho) q(x) > 0. If b = 0 < a the "
        "cross-entropy -a log Q decreases to its infimum at Q = 1 = a/(a + b) (symmetrically "
        "Q = 0 if a = 0 < b); if a = b = 0 every Q is optimal and theory.stateless_mdp returns "
        "rho. The squared error is a quadratic with the same minimizer.",
    )


# --------------------------------------------------------------------------- actor = generator


def _actor_steps(kind: str, target: int) -> list[Step]:
    """The actor-update chain for ``kind`` in {"minimax", "log_q"}; the scaling at ``target``.

    ``target`` is 0 for the paper's minimax identity (fake episodes have reward 0) and 1 for
    the log Q (flipped-label) variant; the broken example passes the wrong one.
    """
    c = _c
    unit_c = (c < 1,)
    sign = 1 if kind == "minimax" else -1  # minimax: +dD/dQ at r = 0; log Q: -dD/dQ at r = 1
    scaling = sp.Subs(sign * sp.Derivative(cross_entropy(_r, c), c), _r, target)
    if kind == "minimax":
        scale_closed = 1 / (1 - c)
        objective = -sp.log(1 - c)  # = D(0 || c)
        gen_cost = lambda d: sp.log(1 - d)  # noqa: E731 - the minimax generator loss per sample
        name = "minimax"
    else:
        scale_closed = 1 / c
        objective = sp.log(c)  # = -D(1 || c)
        gen_cost = lambda d: -sp.log(d)  # noqa: E731 - the non-saturating loss per sample
        name = "non-saturating"
    u = sp.Symbol("u", positive=True)
    # pathwise actor x = mu + sigma z, an arbitrary critic function Q
    mu, z = sp.symbols("mu z", real=True)
    sigma = sp.Symbol("sigma", positive=True)
    Q = sp.Function("Q")
    x = mu + sigma * z
    Qx = Q(x)
    scale_at_x = scale_closed.subs(c, Qx)
    # a concrete logistic critic for a numeric spot check of the same identity
    w0, w1, w2 = sp.symbols("w0 w1 w2", real=True)
    logistic = 1 / (1 + sp.exp(-(w2 * x**2 + w1 * x + w0)))
    # score-function actor on K atoms
    theta, cs, q_soft = _categorical()
    f = [objective.subs(c, ci) for ci in cs]
    actor_obj = sp.Add(*(qi * fi for qi, fi in zip(q_soft, f)))
    gen_loss = sp.Add(*(qi * gen_cost(ci) for qi, ci in zip(q_soft, cs)))
    mean_f = sp.Add(*(qi * fi for qi, fi in zip(q_soft, f)))
    unit_cs = tuple(ci < 1 for ci in cs)
    # real episodes: x_r does not depend on the actor's parameters
    x_real = sp.Symbol("x_r", real=True)
    steps = [
        Step(BROKEN_STEP if kind == "minimax" else "scaling-term-flipped-target", scaling,
             scale_closed, assumptions=unit_c,
             justification=("dD/dQ at the fake episode's target r = 0: 1/(1 - Q)" if kind == "minimax"
                            else "-dD/dQ at the flipped target r = 1: 1/Q (the log Q actor)")),
        Step("scaling-integrates-to-objective",
             sp.Integral(scale_closed.subs(c, u), (u, sp.Rational(1, 2), c)),
             objective - objective.subs(c, sp.Rational(1, 2)), assumptions=unit_c,
             justification="the scaled value gradient is the gradient of f(Q) with f' = scaling: "
                           + ("f(Q) = -log(1 - Q) = D(0 || Q)" if kind == "minimax"
                              else "f(Q) = log Q = -D(1 || Q)")),
        Step("pathwise-mu", scale_at_x * sp.Derivative(Qx, mu), -sp.Derivative(gen_cost(Qx), mu),
             justification=f"actor x = mu + sigma z: scaling * dQ(x)/d mu = -d/d mu of the {name} "
                           "generator loss with D = Q (chain rule; Q an arbitrary function)"),
        Step("pathwise-sigma", scale_at_x * sp.Derivative(Qx, sigma),
             -sp.Derivative(gen_cost(Qx), sigma),
             justification="the same for the scale parameter (dx/d sigma = z)"),
        Step("pathwise-logistic-critic", scale_closed.subs(c, logistic) * sp.Derivative(logistic, mu),
             -sp.Derivative(gen_cost(logistic), mu),
             justification="an instance with a logistic-quadratic critic, checked at numeric points"),
        Step("real-episode-no-update", sp.Derivative(cross_entropy(1, Q(x_real)), mu), 0,
             justification="a real episode shows x_r, which does not depend on the actor: its "
                           "term has zero gradient (the paper zeroes it)"),
    ]
    for j in range(len(theta)):
        score = sp.Add(*(qi * sp.Derivative(sp.log(qi), theta[j]) * fi for qi, fi in zip(q_soft, f)))
        steps += [
            Step(f"score-function-{j + 1}", sp.Derivative(actor_obj, theta[j]), score,
                 assumptions=unit_cs,
                 justification="likelihood ratio: d/d theta sum_x q f = sum_x q (d log q/d theta) f"),
            Step(f"softmax-jacobian-{j + 1}", score, q_soft[j] * (f[j] - mean_f), assumptions=unit_cs,
                 justification="d log q_i/d theta_j = delta_ij - q_j"),
            Step(f"score-equals-generator-{j + 1}", q_soft[j] * (f[j] - mean_f),
                 -sp.Derivative(gen_loss, theta[j]), assumptions=unit_cs,
                 justification=f"minus the {name} generator gradient, D = Q atom by atom"),
        ]
    return steps


def _actor_derivation(kind: str, target: int, did: str, *, broken: bool = False) -> Derivation:
    title = {
        "minimax": "The actor's update through the critic, with the scaling dD/dQ of the "
                   "cross-entropy at target 0, is minus the GAN generator's minimax gradient",
        "log_q": "The log Q actor (scaling 1/Q, the flipped target) is minus the non-saturating "
                 "generator gradient",
    }[kind]
    notes = (
        f"Pathwise: actor x = mu + sigma z, critic Q an arbitrary differentiable function (and "
        f"a logistic-quadratic instance checked numerically). Score function: K = {K_ATOMS} "
        "atoms, softmax logits, critic values c_i in (0, 1), exact expectation over the actor's "
        "actions. Both sides are ascent directions of the actor's objective; the generator "
        "descends its loss, hence the minus sign: the two parameter updates coincide. Real "
        "episodes give no update because their x does not depend on the actor."
    )
    if kind == "minimax":
        notes += (" The paper's remark that 'in practice the generator uses a different loss' "
                  "is the log Q variant (pfau2016/log-q-actor-equals-non-saturating).")
    if broken:
        notes = (f"Example only: the step {BROKEN_STEP} takes the scaling at the real target "
                 "r = 1, which is -1/Q, not the 1/(1 - Q) of a fake episode.")
    return Derivation(did, title + (" (broken example)" if broken else ""),
                      f"{PAPER}, Section 2.3; Goodfellow et al. (2014), eq. (1) and Section 3"
                      + (" -- altered" if broken else ""),
                      _actor_steps(kind, target), notes)


@derivation("pfau2016/actor-update-equals-minimax-generator")
def actor_update_equals_minimax_generator() -> Derivation:
    """Actor update with scaling ∂D/∂Q at target 0 = -(minimax generator gradient).

    Source: Pfau & Vinyals (2016), Section 2.3; Goodfellow et al. (2014), eq. (1).
    """
    return _actor_derivation("minimax", 0, "pfau2016/actor-update-equals-minimax-generator")


@derivation("pfau2016/log-q-actor-equals-non-saturating")
def log_q_actor_equals_non_saturating() -> Derivation:
    """The log Q actor = -(non-saturating generator gradient).

    Source: Pfau & Vinyals (2016), Section 2.3 (the generator "uses a different loss");
    Goodfellow et al. (2014), Section 3 (maximize log D(G(z))).
    """
    return _actor_derivation("log_q", 1, "pfau2016/log-q-actor-equals-non-saturating")


@derivation("pfau2016/actor-update-equals-minimax-generator-broken", example=True)
def broken_example() -> Derivation:
    """The minimax identity with the scaling taken at the real target 1 (deliberately wrong).

    Source: Pfau & Vinyals (2016), Section 2.3 (altered).
    """
    return _actor_derivation("minimax", 1, "pfau2016/actor-update-equals-minimax-generator-broken",
                             broken=True)
