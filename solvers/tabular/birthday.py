"""The birthday-paradox support test of Arora & Zhang (2017), run on generators with known
support, and a search over distributions for counterexamples to the printed collision bound.

The test (Arora & Zhang 2017, Section 2): draw batches of s samples, look for duplicates; if a
batch of size s has a duplicate with probability about 1/2, the support is about s².  Here the
generator's output is a discrete label (a mode index), so duplicates are exact; a neural
generator enters through a sampler that maps its samples to labels (e.g. the nearest mode of
the ring of 8).

- :func:`batch_collisions` — duplicates and colliding pairs per batch;
- :func:`birthday_test` — the collision rate of batches of one size and two support estimates
  (the uniform-support N whose exact birthday probability matches the rate, and the
  pair-count estimate of 1/Σ p²);
- :func:`batch_size_scan` — the paper's rule: the smallest batch size with rate >= 1/2, squared;
- :func:`top_mass`, :func:`bound_violation`, :func:`search_bound_counterexample` — the largest
  mass ρ any N atoms carry, the amount by which a printed bound exceeds the exact collision
  probability, and a search (the structured extremal family plus ``scipy.optimize``) for the
  distribution that maximizes it.

Papers: Arora, S. & Zhang, Y. (2017), arXiv:1706.08224, Section 2; Arora, S., Risteski, A. &
Zhang, Y. (2018), ICLR, Theorem 1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import minimize

from solvers.problems.collapsed import CollapsedGenerator, mass_on_support
from solvers.results import ArrayResult
from theory.validation import as_generator, check_in, check_int, check_probability
from theory.gan_diagnostics import COLLISION_BOUND_VERSIONS, collision_lower_bound
from theory.gan_diagnostics import collision_probability, collision_probability_uniform

__all__ = [
    "batch_collisions",
    "support_from_collision_rate",
    "BirthdayTestResult",
    "birthday_test",
    "BatchScanResult",
    "batch_size_scan",
    "top_mass",
    "bound_violation",
    "BoundSearchResult",
    "search_bound_counterexample",
]

#: A sampler maps (shape, numpy Generator) to an integer array of labels of that shape.
Sampler = Callable[[tuple, np.random.Generator], np.ndarray]


def _as_sampler(generator: Any) -> tuple[Sampler, int | None]:
    """A sampler and the true support size (None when unknown) for a generator argument."""
    if isinstance(generator, CollapsedGenerator):
        return (lambda shape, rng: generator.sample(shape, rng)), generator.support_size
    if callable(generator):
        return generator, None
    p = check_probability(generator, "generator")
    if p.ndim != 1:
        raise ValueError(f"`generator` must be a 1-D probability vector, a CollapsedGenerator or a "
                         f"sampler (got an array of shape {p.shape})")
    cg = CollapsedGenerator(p)
    return (lambda shape, rng: cg.sample(shape, rng)), cg.support_size


def batch_collisions(labels: Any) -> tuple[np.ndarray, np.ndarray]:
    """Duplicates within each batch (row) of labels.

    Parameters
    ----------
    labels : array_like of int, shape (n_batches, batch_size)

    Returns
    -------
    has_collision : ndarray of bool, shape (n_batches,)
        Whether two entries of the row are equal.
    n_pairs : ndarray of int, shape (n_batches,)
        Number of equal pairs, Σ_v C(count_v, 2).

    Raises
    ------
    ValueError
        If ``labels`` is not a 2-D integer array.
    """
    lab = np.asarray(labels)
    if lab.ndim != 2 or not np.issubdtype(lab.dtype, np.integer):
        raise ValueError(f"`labels` must be a 2-D integer array (n_batches, batch_size) (got "
                         f"shape {lab.shape}, dtype {lab.dtype})")
    if lab.shape[1] == 0:
        return np.zeros(lab.shape[0], bool), np.zeros(lab.shape[0], np.int64)
    s = np.sort(lab, axis=1)
    same = s[:, 1:] == s[:, :-1]
    start = np.concatenate([np.ones((s.shape[0], 1), bool), ~same], axis=1)
    idx = np.broadcast_to(np.arange(s.shape[1]), s.shape)
    # position of each entry within its run of equal values = number of earlier equal entries
    run_start = np.maximum.accumulate(np.where(start, idx, 0), axis=1)
    n_pairs = (idx - run_start).sum(axis=1)
    return same.any(axis=1), n_pairs


def support_from_collision_rate(collision_rate: float, batch_size: int) -> float:
    """The uniform support size whose birthday probability matches a collision rate.

    N̂ = max{N >= 1 : 1 - Π_{i<s}(1 - i/N) >= γ}: the largest N for which s uniform draws
    from N values collide at least as often as observed (the exact probability decreases in
    N).  ``inf`` when γ = 0 (no collision seen: any support is consistent).

    Parameters
    ----------
    collision_rate : float in [0, 1]
        γ, the fraction of batches with a duplicate.
    batch_size : int, >= 2
        s.

    Returns
    -------
    float
        An integer value, or ``inf``.

    Raises
    ------
    ValueError
        If ``collision_rate`` is outside [0, 1] or ``batch_size`` < 2.
    """
    s = check_int(batch_size, "batch_size", minimum=2)
    gamma = float(collision_rate)
    if not 0.0 <= gamma <= 1.0:
        raise ValueError(f"`collision_rate` must lie in [0, 1] (got {collision_rate!r})")
    if gamma == 0.0:
        return float("inf")

    def p(n: int) -> float:
        return float(collision_probability_uniform(n, s))

    lo, hi = 1, 2
    while p(hi) >= gamma:  # p(1) = 1 >= gamma; double until the probability drops below
        lo, hi = hi, 2 * hi
    while hi - lo > 1:  # invariant: p(lo) >= gamma > p(hi)
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if p(mid) >= gamma else (lo, mid)
    return float(lo)


@dataclass(frozen=True)
class BirthdayTestResult(ArrayResult):
    """Outcome of :func:`birthday_test` (all sampled quantities; nothing from a closed form
    except the inversion of the uniform birthday probability in ``support_estimate``).

    Attributes
    ----------
    batch_size, n_batches : int
    n_collisions : int
        Batches with at least one duplicate.
    collision_rate : float
        ``n_collisions / n_batches``.
    mean_pairs : float
        Mean number of equal pairs per batch; its expectation is C(s, 2) Σ p².
    support_estimate : float
        :func:`support_from_collision_rate` of the rate (``inf`` without collisions).
    pair_support_estimate : float
        C(s, 2) / mean_pairs, an estimate of 1/Σ p² (the support size for a uniform
        generator); ``inf`` without collisions.
    true_support : int or None
        The generator's support size when known.
    """

    batch_size: int
    n_batches: int
    n_collisions: int
    collision_rate: float
    mean_pairs: float
    support_estimate: float
    pair_support_estimate: float
    true_support: int | None


def birthday_test(generator: Any, batch_size: int, n_batches: int, seed: Any) -> BirthdayTestResult:
    """Run the birthday-paradox test with batches of one size.

    Source: Arora & Zhang (2017), "Do GANs actually learn the distribution? An empirical
    study", arXiv:1706.08224, Section 2 (batches of s samples, duplicates counted).

    Parameters
    ----------
    generator : CollapsedGenerator, array_like of shape (K,), or callable
        A categorical generator, its probability vector, or a sampler
        ``sampler(shape, rng) -> int array of that shape`` (e.g. a neural GAN's samples mapped
        to mode labels).
    batch_size : int, >= 2
    n_batches : int, >= 1
    seed : int, SeedSequence or numpy Generator

    Returns
    -------
    BirthdayTestResult

    Raises
    ------
    ValueError
        If ``batch_size`` < 2, ``n_batches`` < 1, or the sampler returns the wrong shape.
    """
    s = check_int(batch_size, "batch_size", minimum=2)
    b = check_int(n_batches, "n_batches", minimum=1)
    sampler, support = _as_sampler(generator)
    rng = as_generator(seed)
    labels = np.asarray(sampler((b, s), rng))
    if labels.shape != (b, s):
        raise ValueError(f"the sampler must return labels of shape {(b, s)} (got {labels.shape})")
    has, pairs = batch_collisions(labels)
    n_coll = int(has.sum())
    rate = n_coll / b
    mean_pairs = float(pairs.mean())
    pair_est = s * (s - 1) / 2.0 / mean_pairs if mean_pairs > 0 else float("inf")
    return BirthdayTestResult(s, b, n_coll, rate, mean_pairs,
                              support_from_collision_rate(rate, s), pair_est, support)


@dataclass(frozen=True)
class BatchScanResult(ArrayResult):
    """Outcome of :func:`batch_size_scan`.

    Attributes
    ----------
    batch_sizes : ndarray of int
    collision_rates : ndarray of float
        Fraction of batches with a duplicate, per batch size.
    threshold_batch_size : int or None
        The smallest batch size whose rate is >= 1/2 (None if none reaches it).
    paper_estimate : float
        ``threshold_batch_size²``, the rule "support ≈ s²" of Arora & Zhang (2017), Section 2
        (``inf`` if no batch size reaches 1/2).
    true_support : int or None
    """

    batch_sizes: np.ndarray
    collision_rates: np.ndarray
    threshold_batch_size: int | None
    paper_estimate: float
    true_support: int | None


def batch_size_scan(generator: Any, batch_sizes: Any, n_batches: int, seed: Any) -> BatchScanResult:
    """The paper's procedure: the smallest batch size with duplicates in >= half the batches.

    Source: Arora & Zhang (2017), arXiv:1706.08224, Section 2: "if a sample of size s has
    duplicates with probability at least 1/2, the support size is about s²".

    Parameters
    ----------
    generator : see :func:`birthday_test`
    batch_sizes : array_like of int, each >= 2, increasing
    n_batches : int, >= 1
        Batches per size.
    seed : int, SeedSequence or numpy Generator

    Returns
    -------
    BatchScanResult

    Notes
    -----
    For a uniform generator on N atoms the exact threshold is s ≈ sqrt(2 N ln 2) (Feller's
    approximation), so s² ≈ 1.39 N: the rule overestimates by about 2 ln 2.
    """
    sizes = np.asarray(batch_sizes)
    if sizes.ndim != 1 or sizes.size == 0 or not np.issubdtype(sizes.dtype, np.integer):
        raise ValueError("`batch_sizes` must be a non-empty 1-D array of integers")
    if sizes.min() < 2 or np.any(np.diff(sizes) <= 0):
        raise ValueError(f"`batch_sizes` must be increasing and >= 2 (got {sizes.tolist()})")
    b = check_int(n_batches, "n_batches", minimum=1)
    sampler, support = _as_sampler(generator)
    rng = as_generator(seed)
    rates = np.empty(sizes.size)
    for i, s in enumerate(sizes):  # one batch of batches per size (a handful of sizes)
        labels = np.asarray(sampler((b, int(s)), rng))
        rates[i] = batch_collisions(labels)[0].mean()
    hit = np.flatnonzero(rates >= 0.5)
    thr = int(sizes[hit[0]]) if hit.size else None
    return BatchScanResult(sizes.copy(), rates, thr,
                           float(thr) ** 2 if thr is not None else float("inf"), support)


# --------------------------------------------------------------------------- bound search
def top_mass(probs: Any, support_size: int) -> Any:
    """ρ_N(P): the largest mass any N atoms carry (the sum of the N largest probabilities).

    Parameters
    ----------
    probs : array_like, shape (..., K)
    support_size : int, >= 1

    Returns
    -------
    float or ndarray, shape (...)
    """
    p = check_probability(probs, "probs")
    n = check_int(support_size, "support_size", minimum=1)
    out = -np.sort(-p, axis=-1)[..., :n].sum(axis=-1)
    return np.minimum(out, 1.0)[()] if np.ndim(out) == 0 else np.minimum(out, 1.0)


def bound_violation(probs: Any, support_size: int, n_samples: int, *, version: str = "iclr2018") -> Any:
    """How far a printed collision bound exceeds the exact collision probability of P.

    violation = bound(ρ_N(P), N, M) - P_P(collision among M draws), with ρ_N(P) =
    :func:`top_mass`.  A positive value is a counterexample to the printed statement (for
    the set S of the N heaviest atoms, which has mass ρ_N(P)).

    Parameters
    ----------
    probs : array_like, shape (..., K)
    support_size : int, >= 1
    n_samples : int, >= 0
    version : {"iclr2018", "survey"}

    Returns
    -------
    float or ndarray, shape (...)
    """
    check_in(version, "version", COLLISION_BOUND_VERSIONS)
    rho = top_mass(probs, support_size)
    return (collision_lower_bound(rho, support_size, n_samples, version=version)
            - collision_probability(probs, n_samples))


@dataclass(frozen=True)
class BoundSearchResult(ArrayResult):
    """Outcome of :func:`search_bound_counterexample`: the worst distribution found.

    Attributes
    ----------
    version : str
    n_samples, support_size : int
        M and N.
    probs : ndarray, shape (K,)
        The distribution with the largest violation found.
    rho : float
        Its top-N mass.
    collision : float
        Its exact collision probability (float64).
    bound : float
        The printed bound at (ρ, N, M).
    violation : float
        ``bound - collision``; > 0 means the printed statement fails for ``probs``.
    family : str
        ``"extremal"`` (mass ρ uniform on N atoms + thin atoms) or ``"optimized"``.
    n_evaluations : int
        Distributions evaluated.
    """

    version: str
    n_samples: int
    support_size: int
    probs: np.ndarray
    rho: float
    collision: float
    bound: float
    violation: float
    family: str
    n_evaluations: int

    @property
    def counterexample(self) -> bool:
        """Whether the printed bound fails for ``probs``."""
        return self.violation > 0


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return e / e.sum()


def search_bound_counterexample(n_samples: int, support_size: int, *, version: str = "iclr2018",
                                rhos: Any = None, thin_sizes: Any = None, n_atoms: int = 8,
                                n_starts: int = 3, seed: Any = 0,
                                max_iter: int = 2000) -> BoundSearchResult:
    """Search distributions for the largest violation of a printed collision bound.

    Two stages: (1) the structured family :func:`~solvers.problems.collapsed.mass_on_support`
    (ρ uniformly on N atoms, 1 - ρ uniformly on L thin atoms) over a grid of ρ and L;
    (2) ``scipy.optimize.minimize`` (L-BFGS-B with finite-difference gradients; the objective
    is smooth except where the N-th and (N+1)-th largest atoms tie) of -violation over the softmax logits of distributions on ``n_atoms`` atoms, started from
    ``n_starts`` random points (alternately Dirichlet(1) and "spiked": N random atoms sharing a
    mass U(0.2, 0.95), the rest Dirichlet(1)) and, when it fits, from the best structured
    member.  Every
    candidate is scored by :func:`bound_violation` (exact collision probability in float64).

    Source: Arora, Risteski & Zhang (2018), ICLR, Theorem 1 (the statement searched); the
    extremal family of the issue.

    Parameters
    ----------
    n_samples : int, >= 2
        M.
    support_size : int, >= 1
        N.
    version : {"iclr2018", "survey"}
    rhos : array_like, optional
        ρ grid of the structured stage (default 0.01, 0.02, ..., 0.99 and 1).
    thin_sizes : array_like of int, optional
        L grid of the structured stage (default 1..8 and powers of two up to 1024).
    n_atoms : int, > support_size
        Atoms of the distributions of the optimizer stage.
    n_starts : int, >= 0
        Random starts of the optimizer.
    seed : int, SeedSequence or numpy Generator
    max_iter : int, >= 1
        Function evaluations per optimizer start (L-BFGS-B's ``maxfun``).

    Returns
    -------
    BoundSearchResult
    """
    M = check_int(n_samples, "n_samples", minimum=2)
    N = check_int(support_size, "support_size", minimum=1)
    check_in(version, "version", COLLISION_BOUND_VERSIONS)
    K = check_int(n_atoms, "n_atoms", minimum=N + 1)
    n_starts = check_int(n_starts, "n_starts", minimum=0)
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    rng = as_generator(seed)
    grid = (np.append(np.linspace(0.01, 0.99, 99), 1.0) if rhos is None
            else np.asarray(rhos, dtype=float).ravel())
    if thin_sizes is None:
        thin = np.concatenate([np.arange(1, 9), 2 ** np.arange(4, 11)])
    else:
        thin = np.asarray(thin_sizes).ravel()
        if not np.issubdtype(thin.dtype, np.integer) or thin.size == 0 or thin.min() < 1:
            raise ValueError("`thin_sizes` must be a non-empty array of integers >= 1")
    # stage 1: the structured family, one batched exact evaluation per thin size L
    best_p, best_v, family, n_eval = None, -np.inf, "extremal", 0
    for L in thin:  # a few dozen sizes; each evaluates the whole rho grid at once
        P = np.stack([mass_on_support(float(r), N, int(L)).probs for r in grid])
        viol = np.asarray(bound_violation(P, N, M, version=version))
        n_eval += P.shape[0]
        i = int(np.argmax(viol))
        if viol[i] > best_v:
            best_p, best_v = P[i], float(viol[i])

    # stage 2: derivative-free local search over logits on n_atoms atoms
    # random starts alternate between Dirichlet(1) points and "spiked" points (N atoms sharing
    # a mass U(0.2, 0.95), the rest Dirichlet(1)); many starts climb to the point masses, a
    # local maximum of the violation on the boundary (for the ICLR form: -e^{-(M²-M)/2N})
    starts = []
    for i in range(n_starts):
        p = rng.dirichlet(np.ones(K))
        if i % 2 == 1:
            heavy = rng.choice(K, size=N, replace=False)
            mass = rng.uniform(0.2, 0.95)
            p = p * (1.0 - mass) / p.sum()
            p[heavy] = 0.0
            p *= (1.0 - mass) / p.sum()
            p[heavy] = mass / N
        starts.append(np.log(np.maximum(p, np.finfo(float).tiny)))
    if best_p.size == K:
        starts.insert(0, np.log(np.maximum(best_p, np.finfo(float).tiny)))
    counter = [0]

    def objective(z: np.ndarray) -> float:
        counter[0] += 1
        return -float(bound_violation(_softmax(z), N, M, version=version))

    for z0 in starts:
        res = minimize(objective, z0, method="L-BFGS-B", options={"maxfun": max_iter})
        if -res.fun > best_v:
            best_p, best_v, family = _softmax(res.x), float(-res.fun), "optimized"
    n_eval += counter[0]
    rho = float(top_mass(best_p, N))
    coll = float(collision_probability(best_p, M))
    bound = float(collision_lower_bound(rho, N, M, version=version))
    return BoundSearchResult(version, M, N, best_p, rho, coll, bound, bound - coll, family, n_eval)
