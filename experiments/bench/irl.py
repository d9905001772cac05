"""Benchmark (``ganac bench irl``): finite-horizon soft value iteration and occupancy measures
on slippery gridworlds, 8 x 8 to 128 x 128 states, horizons 20 and 100, side by side with
``imitation.algorithms.mce_irl.mce_partition_fh`` / ``mce_occupancy_measures`` when the
``imitation`` package imports (it is not a dependency of ganac; the rows say so when absent).

Like for like
-------------
Both sides get the same gridworld (5 actions, slip 0.1, walls at the borders), the same state
reward r(s) ~ N(0, 1) (seeded), discount γ = 0.99 and horizon H.  imitation's conventions
(read from its source, version 1.0.1): ``Q[t] = r[:, None] + discount * T @ V[t + 1]`` with
``V[H] = 0``, ``V`` and ``pi`` indexed ``[t, s(, a)]``; ``D`` of shape (H + 1, S) with
``D[0] = initial_state_dist`` and ``D[t + 1] = Σ_a (D[t] π_t[:, a]) @ T[:, a, :]``.  Ours
(:func:`solvers.tabular.maxent_irl.soft_value_iteration_finite` and
:func:`~solvers.tabular.maxent_irl.occupancy_finite`) use the same recursions, so V, π and D
are compared entry by entry (``agree`` = the largest absolute difference).  imitation receives
a duck-typed environment holding the dense tensor ``T[s, a, s']`` (S x A x S floats: 0.67 GB at
64 x 64, 10.7 GB at 128 x 128, where it is skipped); ours the sparse (S·A, S) CSR matrix with
at most 5 non-zeros per row.  Building either transition structure is not timed.

Rows: ``soft_vi`` (V, Q, π for all t), ``occupancy`` (D for all t, given π), and
``soft_vi+occupancy``; ``extra`` records the transition memory of both sides.  Targets
(issue 4): agreement <= 1e-9; >= 20x faster than imitation at 64 x 64, H = 100.

Run it where imitation is installed (e.g. a separate virtualenv with ganac installed
editable) with ``OPENBLAS_NUM_THREADS=1`` for stable numbers.
"""

from __future__ import annotations

import types

import numpy as np

from experiments.bench import BenchRow, benchmark, best_time
from solvers.problems.gridworld import gridworld
from solvers.tabular.maxent_irl import occupancy_finite, soft_value_iteration_finite

__all__ = ["run"]

SEED = 20240601
GAMMA = 0.99
#: imitation's dense T above this many states would not fit comfortably in memory
#: (128 x 128: 10.7 GB); those sizes run ours only.
PEER_MAX_STATES = 64 * 64


def _imitation():
    try:
        from imitation.algorithms import mce_irl
    except Exception as exc:  # ImportError, or a broken optional stack (torch/gym)
        return None, f"imitation not importable ({type(exc).__name__}): peer rows skipped"
    return mce_irl, ""


def _env(grid, reward, horizon):
    """The attributes imitation's functions read from a TabularModelPOMDP."""
    return types.SimpleNamespace(horizon=horizon, state_dim=grid.n_states, action_dim=grid.n_actions,
                                 n_states=grid.n_states, n_actions=grid.n_actions,
                                 transition_matrix=grid.dense_transitions(), reward_matrix=reward,
                                 initial_state_dist=grid.mu0)


@benchmark("irl")
def run(*, quick: bool = False) -> list[BenchRow]:
    """Time soft VI and occupancy measures; ``quick`` keeps 8 x 8 at H = 20 only."""
    rng = np.random.default_rng(SEED)
    mce, why = _imitation()
    sides = [8] if quick else [8, 16, 32, 64, 128]
    horizons = [20] if quick else [20, 100]
    min_time = 0.01 if quick else 0.05
    rows: list[BenchRow] = []
    for n in sides:
        grid = gridworld(n, slip=0.1, features="coordinates", start="uniform")
        T = grid.transitions
        T.matrix_action_major  # build the cached layouts outside the timings  # noqa: B018
        reward = rng.standard_normal(grid.n_states)
        sparse_bytes = int(T.matrix.data.nbytes + T.matrix.indices.nbytes + T.matrix.indptr.nbytes) * 3
        dense_bytes = grid.n_states * grid.n_actions * grid.n_states * 8
        for H in horizons:
            size = f"{n}x{n} H={H}"
            ours_vi = lambda: soft_value_iteration_finite(T, reward, H, gamma=GAMMA)  # noqa: E731
            vals = ours_vi()
            ours_occ = lambda: occupancy_finite(T, vals.pi, grid.mu0, gamma=GAMMA)  # noqa: E731
            occ = ours_occ()
            big = grid.n_states >= 64 * 64
            repeat = 1 if big else 3
            t_vi = best_time(ours_vi, repeat=repeat, min_time=min_time)
            t_occ = best_time(ours_occ, repeat=repeat, min_time=min_time)
            extra = {"states": grid.n_states, "actions": grid.n_actions, "horizon": H,
                     "ours_transition_bytes": sparse_bytes, "dense_transition_bytes": dense_bytes}
            if mce is None or grid.n_states > PEER_MAX_STATES:
                note = why or (f"imitation skipped: its dense T would take {dense_bytes / 1e9:.1f} GB")
                for name, t in (("soft_vi", t_vi), ("occupancy", t_occ), ("soft_vi+occupancy", t_vi + t_occ)):
                    rows.append(BenchRow(name=name, size=size, ours_seconds=t, note=note, extra=dict(extra)))
                continue
            env = _env(grid, reward, H)
            peer_vi = lambda: mce.mce_partition_fh(env, reward=reward, discount=GAMMA)  # noqa: E731
            V_p, Q_p, pi_p = peer_vi()
            peer_occ = lambda: mce.mce_occupancy_measures(env, pi=pi_p, discount=GAMMA)  # noqa: E731
            D_p, Dcum_p = peer_occ()
            p_vi = best_time(peer_vi, repeat=1, min_time=0.0 if big else min_time)
            p_occ = best_time(peer_occ, repeat=1, min_time=0.0 if big else min_time)
            agree_vi = float(max(np.max(np.abs(vals.V - V_p)), np.max(np.abs(vals.Q - Q_p)),
                                 np.max(np.abs(vals.pi - pi_p))))
            ours_dcum = occ.state + GAMMA**H * occ.D[H]        # imitation's Dcum includes t = H
            agree_occ = float(max(np.max(np.abs(occ.D - D_p)), np.max(np.abs(ours_dcum - Dcum_p))))
            peer = "imitation (dense T)"
            rows.append(BenchRow("soft_vi", size, t_vi, peer, p_vi, agree_vi,
                                 note="max |diff| of V, Q, pi", extra=dict(extra)))
            rows.append(BenchRow("occupancy", size, t_occ, peer, p_occ, agree_occ,
                                 note="max |diff| of D[t, s] and Dcum", extra=dict(extra)))
            rows.append(BenchRow("soft_vi+occupancy", size, t_vi + t_occ, peer, p_vi + p_occ,
                                 max(agree_vi, agree_occ), note="sum of the two rows", extra=dict(extra)))
            del env
    return rows
