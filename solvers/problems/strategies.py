"""Hypothesis strategies for property-testing against ganac's closed forms (public API).

Use them to test your own implementation of a divergence, a discriminator or a GAN value
against :mod:`theory`: the strategies generate *valid* inputs on the most general domain a
theorem assumes (zero atoms included unless the claim needs full support), built directly
rather than by rejecting most draws.  Randomness for stochastic code comes from
:func:`seeds`, never from numpy's global generator, so Hypothesis can replay and shrink it.

Probability vectors
-------------------
``probability_vectors(n=None, *, min_size=2, max_size=8, zero_atoms=True, min_prob=0.0)``
    1-D float64 arrays, non-negative, summing to 1 (within a few ulps).  Weights are drawn from
    ``floats(0, 1)`` (Hypothesis favours the bounds, so zero atoms and one-hot vectors come
    for free), all-zero draws are filtered out, and the weights are normalized::

        from hypothesis import given
        from solvers.problems.strategies import probability_vectors
        from theory.divergences import js_divergence

        @given(probability_vectors())
        def test_jsd_of_p_with_itself_is_zero(p):
            assert abs(js_divergence(p, p)) < 1e-12

``full_support_vectors(n=None, *, min_size=2, max_size=8, min_prob=1e-12)``
    Every atom >= ``min_prob`` (> 0).  Use it only when the claim assumes p > 0, e.g. a
    softmax generator, which cannot put exactly zero mass on an atom::

        @given(full_support_vectors(4))
        def test_softmax_round_trip(p):
            np.testing.assert_allclose(softmax(np.log(p)), p, rtol=1e-12)

``matched_pairs(n=None, *, min_size=2, max_size=8, zero_atoms=True, min_prob=0.0)``
    ``(p, q)``: two independent probability vectors of the same (drawn) length::

        @given(matched_pairs())
        def test_optimal_value_is_minus_log4_plus_2jsd(pq):
            p, q = pq
            assert abs(optimal_gan_value(p, q) - (-np.log(4) + 2 * js_divergence(p, q))) < 1e-9

``batched_pairs(*, min_batch=1, max_batch=4, min_size=2, max_size=8, zero_atoms=True, min_prob=0.0)``
    ``(p, q)`` of shape ``(b, n)``: a batch of matched pairs, each row a probability vector,
    to test broadcasting along leading axes::

        @given(batched_pairs())
        def test_batched_equals_rowwise(pq):
            p, q = pq
            np.testing.assert_allclose(js_divergence(p, q), [js_divergence(a, b) for a, b in zip(p, q)])

``disjoint_pairs(n=None, *, min_size=2, max_size=8, shared_zeros=True)``
    ``(p, q)`` with disjoint supports (p * q == 0 everywhere, both non-trivial); with
    ``shared_zeros`` some atoms may lie in neither support::

        @given(disjoint_pairs())
        def test_jsd_of_disjoint_supports_is_log2(pq):
            assert abs(js_divergence(*pq) - np.log(2)) < 1e-12

Logits and seeds
----------------
``logits(n=None, *, min_size=2, max_size=8, min_value=-50.0, max_value=50.0)``
    Finite float64 vectors, e.g. discriminator logits ψ or generator softmax logits θ; the
    default range makes ``expit`` saturate to 1 in float64 while ``log_expit`` stays exact::

        @given(logits())
        def test_sigmoid_in_unit_interval(psi):
            d = expit(psi)
            assert np.all((d >= 0) & (d <= 1))

``seeds()``
    ``st.integers(0, 2**32 - 1)``, to build ``np.random.default_rng(seed)`` inside a test::

        @given(seeds())
        def test_sampling_is_reproducible(seed):
            assert np.array_equal(mix.sample(5, seed), mix.sample(5, seed))

Later sections (reserved): tabular MDPs and policies, enumerable trajectory sets, sequence
oracles, each as a ``@composite`` strategy in its own section below.
"""

from __future__ import annotations

from typing import Union

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

__all__ = [
    "probability_vectors",
    "full_support_vectors",
    "matched_pairs",
    "batched_pairs",
    "disjoint_pairs",
    "logits",
    "seeds",
]

SizeArg = Union[int, st.SearchStrategy, None]

#: Smallest weight drawn when zero atoms are excluded: a normal float64, so that the
#: normalized atoms (>= this / max_size) are positive and far from underflow.
_POSITIVE_WEIGHT_FLOOR = 1e-12


# ------------------------------------------------------------------------ helpers
def _sizes(n: SizeArg, min_size: int, max_size: int) -> st.SearchStrategy:
    """A strategy for the number of atoms: ``n`` fixed, ``n`` a strategy, or a range."""
    if isinstance(n, st.SearchStrategy):
        return n
    if n is not None:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"`n` must be a positive integer, a strategy or None (got {n!r})")
        return st.just(int(n))
    if not (isinstance(min_size, (int, np.integer)) and isinstance(max_size, (int, np.integer))):
        raise TypeError("`min_size` and `max_size` must be integers")
    if min_size < 1 or max_size < min_size:
        raise ValueError(f"need 1 <= min_size <= max_size (got {min_size}, {max_size})")
    return st.integers(int(min_size), int(max_size))


def _check_min_prob(min_prob: float, max_atoms: int | None) -> float:
    if not (np.isfinite(min_prob) and min_prob >= 0):
        raise ValueError(f"`min_prob` must be a finite number >= 0 (got {min_prob!r})")
    if max_atoms is not None and min_prob * max_atoms > 1:
        raise ValueError(
            f"`min_prob` * size must be <= 1 (got min_prob={min_prob}, size up to {max_atoms})"
        )
    return float(min_prob)


def _normalize(w: np.ndarray) -> np.ndarray:
    return w / w.sum()


def _vectors_of_size(size: int, zero_atoms: bool, min_prob: float) -> st.SearchStrategy:
    low = 0.0 if zero_atoms else _POSITIVE_WEIGHT_FLOOR
    weights = hnp.arrays(np.float64, size, elements=st.floats(low, 1.0))
    probs = weights.filter(lambda w: w.sum() > 0).map(_normalize)
    if min_prob > 0:
        if min_prob * size > 1:
            raise ValueError(f"`min_prob` * n must be <= 1 (got {min_prob} * {size})")
        # p -> m + (1 - n m) p keeps the sum at 1 and lifts every atom to at least m.
        probs = probs.map(lambda p: min_prob + (1.0 - size * min_prob) * p)
    return probs


# ------------------------------------------------------------------------ probability vectors
def probability_vectors(
    n: SizeArg = None,
    *,
    min_size: int = 2,
    max_size: int = 8,
    zero_atoms: bool = True,
    min_prob: float = 0.0,
) -> st.SearchStrategy:
    """Probability vectors, shape (n,), with zero atoms unless ``zero_atoms=False``.

    Parameters
    ----------
    n : int or SearchStrategy[int], optional
        Fixed length, or a strategy for it; otherwise drawn from [min_size, max_size].
    min_size, max_size : int
        Range of lengths when ``n`` is None.
    zero_atoms : bool
        Allow atoms with probability exactly 0 (the default: the general domain).
    min_prob : float
        Every atom is at least this (needs ``min_prob * n <= 1``).

    Returns
    -------
    SearchStrategy[ndarray]
    """
    sizes = _sizes(n, min_size, max_size)
    _check_min_prob(min_prob, n if isinstance(n, int) else None)
    return sizes.flatmap(lambda size: _vectors_of_size(size, zero_atoms, min_prob))


def full_support_vectors(
    n: SizeArg = None, *, min_size: int = 2, max_size: int = 8, min_prob: float = 1e-12
) -> st.SearchStrategy:
    """Probability vectors with every atom >= ``min_prob`` > 0 (full support).

    See :func:`probability_vectors`; ``min_prob`` must be positive.
    """
    if not min_prob > 0:
        raise ValueError(f"`min_prob` must be > 0 for full support (got {min_prob!r})")
    return probability_vectors(
        n, min_size=min_size, max_size=max_size, zero_atoms=False, min_prob=min_prob
    )


@st.composite
def matched_pairs(
    draw,
    n: SizeArg = None,
    *,
    min_size: int = 2,
    max_size: int = 8,
    zero_atoms: bool = True,
    min_prob: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Two independent probability vectors ``(p, q)`` of the same length, shape (n,) each."""
    size = draw(_sizes(n, min_size, max_size))
    vec = _vectors_of_size(size, zero_atoms, _check_min_prob(min_prob, size))
    return draw(vec), draw(vec)


@st.composite
def batched_pairs(
    draw,
    *,
    min_batch: int = 1,
    max_batch: int = 4,
    min_size: int = 2,
    max_size: int = 8,
    zero_atoms: bool = True,
    min_prob: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """A batch of matched pairs ``(p, q)``, each of shape (b, n), rows probability vectors."""
    b = draw(_sizes(None, min_batch, max_batch))
    size = draw(_sizes(None, min_size, max_size))
    vec = _vectors_of_size(size, zero_atoms, _check_min_prob(min_prob, size))
    rows = st.lists(vec, min_size=b, max_size=b)
    return np.stack(draw(rows)), np.stack(draw(rows))


@st.composite
def disjoint_pairs(
    draw, n: SizeArg = None, *, min_size: int = 2, max_size: int = 8, shared_zeros: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """``(p, q)`` with disjoint, non-empty supports (p * q == 0), shape (n,) each.

    Each atom is assigned to p's support, q's support or (when ``shared_zeros``) neither;
    one atom is forced into each support.  On its support each vector has full-support
    weights (>= 1e-12 before normalization).
    """
    size = draw(_sizes(n, max(min_size, 2) if n is None else min_size, max_size))
    if size < 2:
        raise ValueError(f"disjoint supports need at least 2 atoms (got n={size})")
    owner = draw(hnp.arrays(np.int8, size, elements=st.integers(0, 2 if shared_zeros else 1)))
    i = draw(st.integers(0, size - 1))
    j = draw(st.integers(0, size - 2))
    j = j + 1 if j >= i else j
    owner = owner.copy()
    owner[i], owner[j] = 0, 1
    weights = st.floats(_POSITIVE_WEIGHT_FLOOR, 1.0)
    wp = draw(hnp.arrays(np.float64, size, elements=weights))
    wq = draw(hnp.arrays(np.float64, size, elements=weights))
    p = _normalize(np.where(owner == 0, wp, 0.0))
    q = _normalize(np.where(owner == 1, wq, 0.0))
    return p, q


# ------------------------------------------------------------------------ logits and seeds
def logits(
    n: SizeArg = None,
    *,
    min_size: int = 2,
    max_size: int = 8,
    min_value: float = -50.0,
    max_value: float = 50.0,
) -> st.SearchStrategy:
    """Finite float64 vectors with entries in [min_value, max_value], shape (n,)."""
    if not (np.isfinite(min_value) and np.isfinite(max_value) and min_value <= max_value):
        raise ValueError(
            f"need finite min_value <= max_value (got {min_value!r}, {max_value!r})"
        )
    elements = st.floats(float(min_value), float(max_value))
    return _sizes(n, min_size, max_size).flatmap(
        lambda size: hnp.arrays(np.float64, size, elements=elements)
    )


def seeds() -> st.SearchStrategy:
    """Seeds for ``np.random.default_rng``: ``st.integers(0, 2**32 - 1)``."""
    return st.integers(0, 2**32 - 1)


# ------------------------------------------------------------------------ reserved
# Tabular MDPs (transition tensors T[s, a, s'], rewards, discounts), policies, trajectory
# sets and sequence oracles will be added here as @composite strategies.
