"""Benchmark: theory.divergences against scipy (and POT when installed), in one process.

Rows (``ratio`` = peer time / our time, ``agree`` = |our result - peer result|):

- ``js_divergence`` vs ``scipy.spatial.distance.jensenshannon(p, q) ** 2`` at K = 1e3..1e7
  and on a 10,000 x 1,000 batch (scipy with ``axis=-1``);
- ``kl_divergence`` vs ``scipy.special.rel_entr(p, q).sum()`` at the same K;
- ``wasserstein_1d`` vs ``scipy.stats.wasserstein_distance`` at n = 1e3..1e6, weighted and
  unweighted;
- ``wasserstein_discrete`` (exact LP) vs POT's ``ot.emd2`` (network simplex) at n = 100,
  300, 1000, when POT imports.

Both sides get the same, already normalized inputs (scipy's ``jensenshannon`` would
renormalize; ours refuses unnormalized input), drawn from fixed seeds.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import jensenshannon
from scipy.special import rel_entr
from scipy.stats import wasserstein_distance

from experiments.bench import BenchRow, benchmark, best_time
from theory.divergences import (
    js_divergence,
    kl_divergence,
    wasserstein_1d,
    wasserstein_discrete,
)

__all__ = ["run"]

SEED = 20240601


def _simplex(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Dirichlet(1)-distributed rows (normalized exponentials) along the last axis."""
    x = rng.exponential(size=shape)
    return x / x.sum(axis=-1, keepdims=True)


def _timed_pair(name, size, ours, peer, peer_name, *, repeat=3, min_time=0.05, note=""):
    ours_value = ours()
    peer_value = peer()
    t_ours = best_time(ours, repeat=repeat, min_time=min_time)
    t_peer = best_time(peer, repeat=repeat, min_time=min_time)
    agree = float(np.max(np.abs(np.asarray(ours_value, float) - np.asarray(peer_value, float))))
    return BenchRow(
        name=name,
        size=size,
        ours_seconds=t_ours,
        peer=peer_name,
        peer_seconds=t_peer,
        agree=agree,
        note=note,
    )


@benchmark("divergences")
def run(*, quick: bool = False) -> list[BenchRow]:
    """Time the divergences against their peers; ``quick`` keeps only the smallest sizes."""
    rng = np.random.default_rng(SEED)
    rows: list[BenchRow] = []
    sizes = [10**3, 10**4] if quick else [10**3, 10**4, 10**5, 10**6, 10**7]
    min_time = 0.01 if quick else 0.05

    for K in sizes:
        p, q = _simplex(rng, (K,)), _simplex(rng, (K,))
        rows.append(_timed_pair(
            "js_divergence", f"K={K:.0e}",
            lambda: js_divergence(p, q), lambda: jensenshannon(p, q) ** 2,
            "scipy jensenshannon**2", min_time=min_time,
        ))
        rows.append(_timed_pair(
            "kl_divergence", f"K={K:.0e}",
            lambda: kl_divergence(p, q), lambda: rel_entr(p, q).sum(),
            "scipy rel_entr.sum", min_time=min_time,
        ))
    if not quick:
        P, Q = _simplex(rng, (10_000, 1_000)), _simplex(rng, (10_000, 1_000))
        rows.append(_timed_pair(
            "js_divergence", "10000x1000",
            lambda: js_divergence(P, Q), lambda: jensenshannon(P, Q, axis=-1) ** 2,
            "scipy jensenshannon**2 (axis=-1)", min_time=min_time,
        ))
        del P, Q

    for n in [10**3] if quick else [10**3, 10**4, 10**5, 10**6]:
        u, v = rng.normal(size=n), rng.normal(0.5, 2.0, size=n)
        uw, vw = rng.random(n), rng.random(n)
        rows.append(_timed_pair(
            "wasserstein_1d", f"n={n:.0e} weighted",
            lambda: wasserstein_1d(u, v, uw, vw), lambda: wasserstein_distance(u, v, uw, vw),
            "scipy wasserstein_distance", min_time=min_time,
        ))
        rows.append(_timed_pair(
            "wasserstein_1d", f"n={n:.0e} unweighted",
            lambda: wasserstein_1d(u, v), lambda: wasserstein_distance(u, v),
            "scipy wasserstein_distance", min_time=min_time,
        ))

    try:
        import ot  # POT, optional (extras "bench")
    except ImportError:
        ot = None
    if ot is not None:
        for n in [100] if quick else [100, 300, 1000]:
            a, b = _simplex(rng, (n,)), _simplex(rng, (n,))
            x, y = rng.random((n, 2)), rng.random((n, 2))
            C = np.sqrt(((x[:, None, :] - y[None, :, :]) ** 2).sum(-1))
            rows.append(_timed_pair(
                "wasserstein_discrete", f"n={n}",
                lambda: wasserstein_discrete(a, b, C).value, lambda: ot.emd2(a, b, C),
                "POT emd2", repeat=1 if n >= 1000 else 3, min_time=min_time,
                note="exact LP (HiGHS, arc generation) vs network simplex",
            ))
    return rows
