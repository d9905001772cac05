"""Benchmark (``ganac bench rl``): exact policy evaluation, discounted visitation and the exact
policy gradient of :mod:`theory.policy_gradient` on random MDPs of 10 to 2,000 states, side by
side with peers run in the same process on the same inputs.

Rows (``ratio`` = peer time / our time, > 1 means ours is faster; ``agree`` = the largest
absolute difference between the two results):

- ``policy_evaluation`` (one dense linear solve) vs **iterative policy evaluation** in numpy,
  V ← r_π + γ P_π V until the sup-norm change is below ``TOL`` (1 - γ)/γ, which bounds its
  error by ``TOL`` (Sutton & Barto 2018, Section 4.1; Puterman 1994, Theorem 6.3.1);
- ``discounted_state_distribution`` (one transposed solve) vs the **power series**
  Σ_t γᵗ μ₀ᵀ P_πᵗ in numpy, truncated when the remaining mass γᵗ/(1 - γ) is below ``TOL``;
- ``exact_policy_gradient`` (Sutton et al. 2000, Theorem 1: two solves and d π A) vs
  **autograd** reverse mode through J(θ) = μ₀ · solve(I - γ P_π(θ), r_π(θ));
- ``policy_evaluation`` on a sparse MDP (``SPARSE_SUCCESSORS`` successors per state-action
  pair) vs **scipy.sparse.linalg.spsolve** on CSR matrices built once outside the timing (ours
  receives the dense P of the same MDP, so the row shows when a sparse solver wins).

Both sides compute P_π and r_π from (P, R, π) inside the timed call.  Random MDPs: Dirichlet(1)
rows (dense), N(0, 1) rewards, uniform μ₀, γ = 0.9 (and 0.99 at 500 states in full mode, where
the iterative peers need ten times more sweeps), A = 4 actions, a random softmax policy.
``quick`` runs 10 and 100 states only (milliseconds).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import spsolve
from scipy.special import softmax

from experiments.bench import BenchRow, benchmark, best_time
from solvers.problems.rl_toys import FiniteMDP, random_mdp
from theory.policy_gradient import discounted_state_distribution, exact_policy_gradient, policy_evaluation

__all__ = ["run", "policy_rows"]

SEED = 20240602
N_ACTIONS = 4
GAMMA = 0.9
#: Accuracy the iterative peers are run to (absolute, sup norm).
TOL = 1e-10
SPARSE_SUCCESSORS = 5


# ------------------------------------------------------------------------------------- peers
def iterative_policy_evaluation(P: np.ndarray, R: np.ndarray, policy: np.ndarray, gamma: float,
                                tol: float = TOL, max_iter: int = 1_000_000) -> np.ndarray:
    """V by repeated Bellman expectation backups, stopped when ‖ΔV‖∞ <= tol (1 - γ)/γ, so that
    ‖V - V^π‖∞ <= tol."""
    P_pi = np.einsum("sa,sat->st", policy, P)
    r_pi = np.sum(policy * R, axis=1)
    stop = tol * (1.0 - gamma) / gamma if gamma > 0 else np.inf
    V = r_pi.copy()
    for _ in range(max_iter):
        new = r_pi + gamma * (P_pi @ V)
        done = np.max(np.abs(new - V)) <= stop
        V = new
        if done:
            break
    return V


def power_series_visitation(P: np.ndarray, policy: np.ndarray, gamma: float, mu0: np.ndarray,
                            tol: float = TOL) -> np.ndarray:
    """(1 - γ) Σ_t γᵗ μ₀ᵀ P_πᵗ, truncated when the remaining mass γᵗ⁺¹ is below tol."""
    P_pi = np.einsum("sa,sat->st", policy, P)
    term = mu0.astype(float).copy()
    total = term.copy()
    weight = 1.0
    while weight * gamma > tol:
        term = gamma * (term @ P_pi)
        total += term
        weight *= gamma
    return (1.0 - gamma) * total


def _autograd_gradient(P: np.ndarray, R: np.ndarray, mu0: np.ndarray, gamma: float):
    """∇J by autograd's reverse mode through the linear solve (None when autograd is absent)."""
    try:
        import autograd.numpy as anp
        from autograd import grad
    except ImportError:
        return None
    S = P.shape[0]

    def J(theta):
        z = theta - anp.max(theta, axis=1, keepdims=True)
        e = anp.exp(z)
        pi = e / anp.sum(e, axis=1, keepdims=True)
        P_pi = anp.einsum("sa,sat->st", pi, P)
        V = anp.linalg.solve(anp.eye(S) - gamma * P_pi, anp.sum(pi * R, axis=1))
        return anp.dot(mu0, V)

    return grad(J)


def sparse_policy_evaluation(P_rows: sp.csr_matrix, R: np.ndarray, policy: np.ndarray, gamma: float) -> np.ndarray:
    """V by scipy.sparse.linalg.spsolve: P_π = Π P_rows with Π[s, (s, a)] = π(a|s), CSR."""
    S, A = policy.shape
    Pi = sp.csr_matrix((policy.ravel(), np.arange(S * A), np.arange(0, S * A + 1, A)), shape=(S, S * A))
    system = (sp.identity(S, format="csr") - gamma * (Pi @ P_rows)).tocsc()
    return spsolve(system, np.sum(policy * R, axis=1))


def _sparse_mdp(n_states: int, rng: np.random.Generator) -> tuple[FiniteMDP, sp.csr_matrix]:
    """A random MDP whose rows have at most SPARSE_SUCCESSORS successors (drawn with
    replacement, duplicates merged), and its (S·A, S) CSR transition matrix."""
    S, A, k = n_states, N_ACTIONS, SPARSE_SUCCESSORS
    cols = rng.integers(0, S, size=(S * A, k))
    vals = rng.dirichlet(np.ones(k), size=S * A)
    P_rows = sp.csr_matrix((vals.ravel(), (np.repeat(np.arange(S * A), k), cols.ravel())), shape=(S * A, S))
    P_rows.sum_duplicates()
    dense = P_rows.toarray()
    dense /= dense.sum(axis=-1, keepdims=True)
    mdp = FiniteMDP(P=dense.reshape(S, A, S), R=rng.standard_normal((S, A)), mu0=np.full(S, 1.0 / S),
                    gamma=GAMMA, name=f"sparse-{S}x{A}")
    return mdp, sp.csr_matrix(dense)


# -------------------------------------------------------------------------------------- rows
def _pair(name, size, ours, peer, peer_name, *, repeat, min_time, note="", extra=None) -> BenchRow:
    ours_value = np.asarray(ours(), dtype=float)
    peer_value = np.asarray(peer(), dtype=float)
    extra = {"peer_max_abs": float(np.max(np.abs(peer_value))), **(extra or {})}  # scale of ``agree``
    return BenchRow(name=name, size=size, ours_seconds=best_time(ours, repeat=repeat, min_time=min_time),
                    peer=peer_name, peer_seconds=best_time(peer, repeat=repeat, min_time=min_time),
                    agree=float(np.max(np.abs(ours_value - peer_value))), note=note, extra=extra)


def policy_rows(*, quick: bool = False) -> list[BenchRow]:
    """The policy-evaluation and exact-gradient rows (see the module docstring)."""
    rng = np.random.default_rng(SEED)
    sizes = [10, 100] if quick else [10, 100, 500, 2000]
    cases = [(S, GAMMA) for S in sizes] + ([] if quick else [(500, 0.99)])
    rows: list[BenchRow] = []
    for S, gamma in cases:
        repeat = 1 if S >= 2000 else 3
        min_time = 0.01 if quick else (0.0 if S >= 2000 else 0.05)
        mdp = random_mdp(S, N_ACTIONS, rng, gamma=gamma)
        P, R, mu0 = np.array(mdp.P), np.array(mdp.R), np.array(mdp.mu0)
        logits = rng.standard_normal((S, N_ACTIONS))
        pi = softmax(logits, axis=1)
        size = f"S={S} A={N_ACTIONS} γ={gamma}"
        rows.append(_pair("policy_evaluation", size,
                          lambda: policy_evaluation(P, R, pi, gamma).V,
                          lambda: iterative_policy_evaluation(P, R, pi, gamma),
                          "iterative evaluation (numpy)", repeat=repeat, min_time=min_time,
                          note=f"peer to ‖V - V^π‖∞ <= {TOL:g}"))
        rows.append(_pair("discounted_state_distribution", size,
                          lambda: discounted_state_distribution(P, pi, gamma, mu0),
                          lambda: power_series_visitation(P, pi, gamma, mu0),
                          "power series (numpy)", repeat=repeat, min_time=min_time,
                          note=f"series truncated at mass {TOL:g}"))
        peer_grad = _autograd_gradient(P, R, mu0, gamma)
        if peer_grad is not None:
            rows.append(_pair("exact_policy_gradient", size,
                              lambda: exact_policy_gradient(P, R, logits, gamma, mu0).grad,
                              lambda: peer_grad(logits),
                              "autograd (reverse mode)", repeat=repeat, min_time=min_time,
                              note="J and ∇J vs ∇J only"))
        else:
            rows.append(BenchRow(name="exact_policy_gradient", size=size,
                                 ours_seconds=best_time(lambda: exact_policy_gradient(P, R, logits, gamma, mu0),
                                                        repeat=repeat, min_time=min_time),
                                 note="autograd not importable: no peer"))
        if gamma == GAMMA:
            smdp, P_rows = _sparse_mdp(S, rng)
            sP, sR = np.array(smdp.P), np.array(smdp.R)
            rows.append(_pair("policy_evaluation", f"S={S} sparse k={SPARSE_SUCCESSORS}",
                              lambda: policy_evaluation(sP, sR, pi, gamma).V,
                              lambda: sparse_policy_evaluation(P_rows, sR, pi, gamma),
                              "scipy.sparse.linalg.spsolve", repeat=repeat, min_time=min_time,
                              note="ours dense on the same MDP; CSR built outside the timing",
                              extra={"nnz_per_row": SPARSE_SUCCESSORS}))
    return rows


@benchmark("rl")
def run(*, quick: bool = False) -> list[BenchRow]:
    """Exact policy evaluation and gradients against their peers; ``quick``: 10 and 100 states."""
    return policy_rows(quick=quick)
