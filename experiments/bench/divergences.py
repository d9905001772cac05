"""Benchmark: theory.divergences and theory.optimal_transport against their peers and floors.

Everything is timed round-robin in one process (each function runs one batch per round, the
best batch counts), so load from other processes hits ganac, its peers and the floors alike.
``ratio`` = peer time / our time (> 1: ganac faster); ``agree`` = |our result - peer result|.

- ``floor: np.log`` and ``floor: np.log1p`` at each K: ``np.log(p, out=buf)`` (and
  ``np.log1p``) over the K atoms, the cost of one logarithm per atom on this machine (a
  preallocated output: no allocation counted).  The floor of a divergence is the cheaper of
  the two times the logarithms it needs per atom: KL one (log(p/q)); JS two, since its term
  p log(2p/m) + q log(2q/m) = m (log 2 - H(p/m)) holds the binary entropy H(t) =
  -t log t - (1-t) log(1-t), which has no one-logarithm form (ganac takes log(p/q) and
  log1p(p/q)).  The division p/q, the dot products and the validation passes are not in the
  floor.  The note of each KL and JS row gives its time over that floor (``x floor``).
- ``js_divergence`` vs ``scipy.spatial.distance.jensenshannon(p, q) ** 2`` at K = 1e3..1e7 and
  on a 10,000 x 1,000 batch (scipy with ``axis=-1``);
- ``kl_divergence`` vs ``scipy.special.rel_entr(p, q).sum()`` at the same K;
- both again at K = 1e6 (1e4 with ``--quick``) on nearly equal inputs, q = p (1 + 1e-9 ε)
  renormalized (``p~q``): the accurate route, which keeps relative accuracy where the
  peers return rounding noise (``agree`` is then the peers' error, not ours);
- ``wasserstein_1d`` vs ``scipy.stats.wasserstein_distance`` at n = 1e3..1e6, weighted and
  unweighted;
- ``wasserstein_discrete`` vs POT's ``ot.emd2`` (network simplex) at n = 100, 300, 1000 on
  Euclidean costs of random points in the unit square, when POT imports: uniform measures
  (the assignment route), random measures (the network-simplex route, POT itself plus the
  potentials) and the LP route on the random measures (the independent route); n = 100
  with ``--quick``.  Without POT our times are listed alone.

Both sides get the same, already normalized inputs (scipy's ``jensenshannon`` would
renormalize; ours refuses unnormalized input), drawn from fixed seeds.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import jensenshannon
from scipy.special import rel_entr
from scipy.stats import wasserstein_distance

from experiments.bench import BenchRow, benchmark, round_robin
from theory.divergences import js_divergence, kl_divergence, wasserstein_1d
from theory.optimal_transport import wasserstein_discrete

__all__ = ["run"]

SEED = 20240601


def _simplex(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Dirichlet(1)-distributed rows (normalized exponentials) along the last axis."""
    x = rng.exponential(size=shape)
    return x / x.sum(axis=-1, keepdims=True)


def _agree(a: object, b: object) -> float:
    return float(np.max(np.abs(np.asarray(a, float) - np.asarray(b, float))))


def _divergence_rows(K: int | tuple[int, int], p, q, *, rounds: int, batch_time: float,
                     label: str = "") -> list[BenchRow]:
    size = (f"K={K:.0e}" if isinstance(K, int) else f"{K[0]}x{K[1]}") + label
    buf = np.empty(p.shape)
    fns = {
        "floor": lambda: np.log(p, out=buf),
        "floor1p": lambda: np.log1p(p, out=buf),
        "js": lambda: js_divergence(p, q),
        "js_peer": lambda: jensenshannon(p, q, axis=-1) ** 2,
        "kl": lambda: kl_divergence(p, q),
        "kl_peer": lambda: rel_entr(p, q).sum(axis=-1),
    }
    t = round_robin(fns, rounds=rounds, batch_time=batch_time)
    per_log = min(t["floor"], t["floor1p"])
    rows = [BenchRow(name="floor: np.log (1 log/atom)", size=size, ours_seconds=t["floor"],
                     note="np.log(p, out=buf), preallocated"),
            BenchRow(name="floor: np.log1p (1 log/atom)", size=size, ours_seconds=t["floor1p"],
                     note="np.log1p(p, out=buf), preallocated")]
    for name, peer, logs in [("js", "scipy jensenshannon**2", 2), ("kl", "scipy rel_entr.sum", 1)]:
        floor = logs * per_log
        rows.append(BenchRow(
            name=f"{name}_divergence", size=size, ours_seconds=t[name], peer=peer,
            peer_seconds=t[f"{name}_peer"], agree=_agree(fns[name](), fns[f"{name}_peer"]()),
            note=f"{t[name] / floor:.2f}x floor ({logs} log/atom at the cheaper of np.log, np.log1p)",
            extra={"floor_seconds": floor, "floor_logs_per_atom": logs,
                   "np_log_seconds": t["floor"], "np_log1p_seconds": t["floor1p"],
                   "over_floor": t[name] / floor},
        ))
    return rows


def _ot_rows(ot, n: int, rng: np.random.Generator, *, rounds: int,
             batch_time: float) -> list[BenchRow]:
    """Uniform (assignment route) and random (auto route, then the LP) measures; POT as the
    peer when ``ot`` is its module, else our times alone."""
    x, y = rng.random((n, 2)), rng.random((n, 2))
    C = np.sqrt(((x[:, None, :] - y[None, :, :]) ** 2).sum(-1))
    u = np.full(n, 1.0 / n)
    a, b = _simplex(rng, (n,)), _simplex(rng, (n,))
    rows = []
    for label, wa, wb, method in [("uniform", u, u, "auto"), ("random", a, b, "auto"),
                                  ("random", a, b, "lp")]:
        res = wasserstein_discrete(wa, wb, C, method=method)
        fns = {"ours": lambda: wasserstein_discrete(wa, wb, C, method=method)}
        if ot is not None:
            fns["peer"] = lambda: ot.emd2(wa, wb, C)
        slow = method == "lp" and n >= 1000  # ~5 s per solve: one round of one call
        t = round_robin(fns, rounds=1 if slow else rounds, batch_time=0.0 if slow else batch_time)
        extra = {"method": res.method, "duality_gap": res.duality_gap}
        if ot is None:
            rows.append(BenchRow(name=f"wasserstein_discrete ({res.method})",
                                 size=f"n={n} {label}", ours_seconds=t["ours"], extra=extra,
                                 note='POT not installed (pip install "ganac[bench]"): no peer'))
            continue
        rows.append(BenchRow(
            name=f"wasserstein_discrete ({res.method})", size=f"n={n} {label}",
            ours_seconds=t["ours"], peer="POT emd2", peer_seconds=t["peer"],
            agree=abs(res.value - float(ot.emd2(wa, wb, C))),
            note=f"ours/POT {t['ours'] / t['peer']:.2f}x; plan and potentials included",
            extra=extra,
        ))
    return rows


@benchmark("divergences")
def run(*, quick: bool = False) -> list[BenchRow]:
    """Time the divergences against their peers and floors; ``quick`` keeps small sizes."""
    rng = np.random.default_rng(SEED)
    rows: list[BenchRow] = []
    rounds, batch_time = (3, 0.002) if quick else (15, 0.02)

    for K in [10**3, 10**4] if quick else [10**3, 10**4, 10**5, 10**6, 10**7]:
        p, q = _simplex(rng, (K,)), _simplex(rng, (K,))
        rows += _divergence_rows(K, p, q, rounds=rounds, batch_time=batch_time)
    # p ≈ q (relative differences ~1e-9): every segment takes the accurate route
    K = 10**4 if quick else 10**6
    p = _simplex(rng, (K,))
    q = p * (1.0 + 1e-9 * rng.standard_normal(K))
    rows += _divergence_rows(K, p, q / q.sum(), rounds=rounds, batch_time=batch_time,
                             label=" p~q")
    if not quick:
        P, Q = _simplex(rng, (10_000, 1_000)), _simplex(rng, (10_000, 1_000))
        rows += _divergence_rows((10_000, 1_000), P, Q, rounds=rounds, batch_time=batch_time)
        del P, Q

    for n in [10**3] if quick else [10**3, 10**4, 10**5, 10**6]:
        u, v = rng.normal(size=n), rng.normal(0.5, 2.0, size=n)
        uw, vw = rng.random(n), rng.random(n)
        fns = {"w": lambda: wasserstein_1d(u, v, uw, vw),
               "w_peer": lambda: wasserstein_distance(u, v, uw, vw),
               "u": lambda: wasserstein_1d(u, v),
               "u_peer": lambda: wasserstein_distance(u, v)}
        t = round_robin(fns, rounds=rounds, batch_time=batch_time)
        for key, label in [("w", "weighted"), ("u", "unweighted")]:
            rows.append(BenchRow(
                name="wasserstein_1d", size=f"n={n:.0e} {label}", ours_seconds=t[key],
                peer="scipy wasserstein_distance", peer_seconds=t[f"{key}_peer"],
                agree=_agree(fns[key](), fns[f"{key}_peer"]()),
            ))

    try:
        import ot  # POT, optional (extras "ot" and "bench")
    except ImportError:
        ot = None
    for n in [100] if quick else [100, 300, 1000]:
        rows += _ot_rows(ot, n, rng, rounds=rounds, batch_time=batch_time)
    return rows
