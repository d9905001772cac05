"""Derivations from Sutton, McAllester, Singh & Mansour (2000): the policy gradient theorem.

Sutton, R. S., McAllester, D., Singh, S. & Mansour, Y. (2000), "Policy Gradient Methods for
Reinforcement Learning with Function Approximation", NeurIPS 12, Theorem 1 (start-state
formulation: ∂ρ/∂θ = Σ_s d^π(s) Σ_a ∂π(s, a)/∂θ Q^π(s, a) with d^π(s) = Σ_t γᵗ Pr(s_t = s)).

Derivations:

- ``sutton2000/policy-gradient-two-state`` — on a general two-state, two-action MDP
  (symbolic transition probabilities, rewards, discount, start distribution and policy) the
  exact return J = μ₀ᵀ (I - γ P_π)⁻¹ r_π has ∂J/∂π(0|s) = d_γ(s) (Q(s, 0) - Q(s, 1)), and
  for softmax logits ∂J/∂θ[s, a] = d_γ(s) π(a|s) A(s, a), the formula of
  :func:`theory.policy_gradient.exact_policy_gradient`;
- ``sutton2000/policy-gradient-two-state-broken`` (example) — the visitation written with
  the normalized distribution (1 - γ) d_γ instead of d_γ: the checker stops there.
"""

from __future__ import annotations

import sympy as sp

from proofs_check.core import Derivation, Step, derivation

__all__ = ["PAPER", "BROKEN_STEP", "policy_gradient_two_state", "broken_example"]

PAPER = ('Sutton, McAllester, Singh & Mansour (2000), "Policy Gradient Methods for '
         'Reinforcement Learning with Function Approximation"')

#: The step that :func:`broken_example` gets wrong.
BROKEN_STEP = "policy-gradient-theorem-state-0"


def _two_state_mdp():
    """Symbols of the general two-state, two-action MDP; V and d stay unsolved symbols.

    The derivation differentiates the Bellman equation (I - γ P_π) V = r_π implicitly instead
    of differentiating the closed-form inverse, so every step is a small rational identity.
    """
    gamma = sp.Symbol("gamma", positive=True)
    x = sp.symbols("x0 x1", positive=True)  # x_s = π(0 | s)
    p = sp.Matrix(2, 2, lambda s, a: sp.Symbol(f"p{s}{a}", positive=True))  # P[s, a, 0]
    r = sp.Matrix(2, 2, lambda s, a: sp.Symbol(f"r{s}{a}", real=True))
    V = sp.Matrix(sp.symbols("V0 V1", real=True))
    W = sp.Matrix(sp.symbols("W0 W1", real=True))  # ∂V/∂x_s, any state s
    d = sp.Matrix(sp.symbols("d0 d1", positive=True))  # d_γ, defined by d_γᵀ (I - γ P_π) = μ₀ᵀ
    policy = sp.Matrix([[x[0], 1 - x[0]], [x[1], 1 - x[1]]])
    P_pi = sp.Matrix(2, 2, lambda s, t: sum(policy[s, a] * (p[s, a] if t == 0 else 1 - p[s, a])
                                            for a in range(2)))
    r_pi = sp.Matrix(2, 1, lambda s, _: sum(policy[s, a] * r[s, a] for a in range(2)))
    system = sp.eye(2) - gamma * P_pi
    Q = sp.Matrix(2, 2, lambda s, a: r[s, a] + gamma * (p[s, a] * V[0] + (1 - p[s, a]) * V[1]))
    return dict(gamma=gamma, x=x, V=V, W=W, d=d, policy=policy, P_pi=P_pi, r_pi=r_pi,
                system=system, Q=Q)


def _steps(visitation_factor: sp.Expr = sp.S.One) -> list[Step]:
    mdp = _two_state_mdp()
    x, V, W, d, Q = mdp["x"], mdp["V"], mdp["W"], mdp["d"], mdp["Q"]
    gamma, P_pi, r_pi, system = mdp["gamma"], mdp["P_pi"], mdp["r_pi"], mdp["system"]
    steps = []
    # Differentiating (I - γ P_π) V = r_π in x_s: (I - γ P_π) ∂V/∂x_s = g_s with
    # g_s = ∂r_π/∂x_s + γ (∂P_π/∂x_s) V, which is non-zero only in row s.
    forcing = {s: [sp.Derivative(r_pi[row], x[s]) + gamma * sum(sp.Derivative(P_pi[row, t], x[s]) * V[t]
                                                               for t in range(2))
                   for row in range(2)]
               for s in range(2)}
    for s in range(2):
        for row in range(2):
            expected = Q[s, 0] - Q[s, 1] if row == s else sp.S.Zero
            steps.append(Step(
                f"bellman-derivative-{s}-row-{row}", forcing[s][row], expected,
                justification=f"∂/∂π(0|{s}) of r_π + γ P_π V at fixed V: row {s} picks up "
                              f"r({s},0) - r({s},1) + γ (P[{s},0] - P[{s},1]) V = Q({s},0) - Q({s},1); "
                              "other rows do not depend on this state's policy"))
    steps.append(Step(
        "return-gradient-through-visitation", ((system.T * d).T * W)[0], (d.T * (system * W))[0],
        justification="J = μ₀ᵀ V with μ₀ = (I - γ P_π)ᵀ d_γ, so ∂J/∂x_s = μ₀ᵀ W = d_γᵀ (I - γ P_π) W "
                      "= d_γᵀ g_s (the adjoint, or 'reverse-mode', reading of Theorem 1's proof)"))
    for s in range(2):
        steps.append(Step(
            f"policy-gradient-theorem-state-{s}", sum(d[row] * forcing[s][row] for row in range(2)),
            (visitation_factor if s == 0 else 1) * d[s] * (Q[s, 0] - Q[s, 1]),
            justification=f"Theorem 1: d_γᵀ g_{s} = d_γ({s}) Σ_a ∂π(a|{s})/∂π(0|{s}) Q({s}, a) "
                          f"= d_γ({s}) (Q({s},0) - Q({s},1))"))
    v_bellman = x[0] * Q[0, 0] + (1 - x[0]) * Q[0, 1]  # V(0) = Σ_a π(a|0) Q(0, a)
    theta = sp.Symbol("theta", real=True)
    sigma = sp.exp(theta) / (sp.exp(theta) + sp.exp(-theta))  # softmax of the logits (θ, -θ)
    steps += [
        Step("advantage-zero-mean-state-0", x[0] * (Q[0, 0] - v_bellman) + (1 - x[0]) * (Q[0, 1] - v_bellman),
             0, justification="V(s) = Σ_a π(a|s) Q(s, a), so Σ_a π(a|s) A(s, a) = 0"),
        Step("softmax-derivative", sp.Derivative(sigma, theta), 2 * sigma * (1 - sigma),
             justification="for logits (θ, -θ) the probability of action 0 is σ = e^θ/(e^θ + e^-θ), "
                           "dσ/dθ = 2σ(1 - σ) (each logit contributes σ(1 - σ))"),
        Step("advantage-of-action-0", Q[0, 0] - v_bellman, (1 - x[0]) * (Q[0, 0] - Q[0, 1]),
             justification="A(s, 0) = Q(s, 0) - x Q(s, 0) - (1 - x) Q(s, 1)"),
        Step("logit-gradient-state-0", x[0] * (1 - x[0]) * d[0] * (Q[0, 0] - Q[0, 1]),
             d[0] * x[0] * (Q[0, 0] - v_bellman),
             justification="∂π(0|s)/∂θ[s, 0] = π(0|s)(1 - π(0|s)); times the theorem's "
                           "d_γ(s)(Q(s,0) - Q(s,1)) this is d_γ(s) π(0|s) A(s, 0), the formula "
                           "of theory.policy_gradient.exact_policy_gradient"),
    ]
    return steps


_NOTE = ("Checked symbolically on the general two-state, two-action MDP: transition "
         "probabilities p_sa = P[s, a, 0], rewards r_sa, discount γ, policy π(0|s) = x_s, all "
         "symbols.  V, its derivative W = ∂V/∂x_s and the visitation d_γ are kept as symbols "
         "tied to their defining linear equations (implicit differentiation), so the identities "
         "hold for every γ < 1 where I - γ P_π is invertible; the closed-form end-to-end check "
         "(finite differences of μ₀ᵀ (I - γ P_π)⁻¹ r_π) is numeric, in "
         "tests/theory/test_policy_gradient.py.")


@derivation("sutton2000/policy-gradient-two-state")
def policy_gradient_two_state() -> Derivation:
    """The policy gradient theorem on a general two-state MDP, and the softmax form.

    Source: Sutton et al. (2000), Theorem 1 (start-state formulation); Sutton & Barto (2018),
    eq. (13.5).
    """
    return Derivation(
        "sutton2000/policy-gradient-two-state",
        "For J = μ₀ᵀ V^π, ∂J/∂π(a|s) contributes d_γ(s) Q(s, a), and for softmax logits "
        "∂J/∂θ[s, a] = d_γ(s) π(a|s) A(s, a)",
        f"{PAPER}, Theorem 1",
        _steps(),
        _NOTE,
    )


@derivation("sutton2000/policy-gradient-two-state-broken", example=True)
def broken_example() -> Derivation:
    """The same chain with the visitation normalized by (1 - γ): the theorem's step fails.

    Source: a deliberate error for the checker (Sutton et al. 2000, Theorem 1 uses the
    unnormalized d^π).
    """
    gamma = sp.Symbol("gamma", positive=True)
    return Derivation(
        "sutton2000/policy-gradient-two-state-broken",
        "Example of a wrong step: the normalized visitation (1 - γ) d_γ in the policy gradient",
        f"{PAPER}, Theorem 1 (deliberately broken)",
        _steps(visitation_factor=1 - gamma),
        _NOTE,
    )
