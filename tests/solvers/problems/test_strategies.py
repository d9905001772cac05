"""The public Hypothesis strategies generate what they promise, and the edge cases occur."""

import numpy as np
import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

from solvers.problems.strategies import (
    batched_pairs,
    disjoint_pairs,
    full_support_vectors,
    logits,
    matched_pairs,
    probability_vectors,
    seeds,
)
from theory.validation import check_probability

#: `find` searches with Hypothesis' own database-free settings; this many examples is ample
#: for events that a strategy produces in a sizeable fraction of draws.
FIND_SETTINGS = settings(max_examples=500, database=None, derandomize=True)


class TestProbabilityVectors:
    @given(probability_vectors())
    def test_valid(self, p):
        check_probability(p, "p")
        assert p.ndim == 1 and 2 <= p.shape[0] <= 8
        assert p.dtype == np.float64

    @given(probability_vectors(5))
    def test_fixed_size(self, p):
        assert p.shape == (5,)
        check_probability(p, "p")

    @given(probability_vectors(st.sampled_from([3, 9])))
    def test_size_strategy(self, p):
        assert p.shape[0] in (3, 9)
        check_probability(p, "p")

    @given(probability_vectors(min_size=1, max_size=30))
    def test_long_vectors(self, p):
        check_probability(p, "p")

    @given(probability_vectors(4, min_prob=0.1))
    def test_min_prob(self, p):
        check_probability(p, "p")
        assert np.all(p >= 0.1)

    def test_zero_atoms_occur(self):
        p = find(probability_vectors(), lambda p: np.any(p == 0), settings=FIND_SETTINGS)
        check_probability(p, "p")

    def test_one_hot_occurs(self):
        p = find(probability_vectors(), lambda p: np.max(p) == 1.0, settings=FIND_SETTINGS)
        assert np.count_nonzero(p) == 1

    def test_zero_atoms_are_common(self):
        # Counting test: zeros come from floats(0, 1) favouring its bound, not from luck.
        counts = []

        @settings(max_examples=200, database=None, derandomize=True)
        @given(probability_vectors())
        def record(p):
            counts.append(bool(np.any(p == 0)))

        record()
        assert sum(counts) >= 0.1 * len(counts)

    @given(probability_vectors(zero_atoms=False))
    def test_no_zero_atoms(self, p):
        assert np.all(p > 0)
        check_probability(p, "p")

    @given(full_support_vectors())
    def test_full_support(self, p):
        check_probability(p, "p")
        assert np.all(p >= 1e-12)

    @given(full_support_vectors(3, min_prob=0.2))
    def test_full_support_min_prob(self, p):
        assert np.all(p >= 0.2)

    def test_bad_arguments(self):
        with pytest.raises(ValueError, match="min_prob"):
            full_support_vectors(min_prob=0.0)
        with pytest.raises(ValueError, match="min_prob"):
            probability_vectors(4, min_prob=0.3)
        with pytest.raises(ValueError, match="`n`"):
            probability_vectors(0)
        with pytest.raises(ValueError, match="min_size"):
            probability_vectors(min_size=5, max_size=2)


class TestPairs:
    @given(matched_pairs())
    def test_matched_pairs(self, pq):
        p, q = pq
        assert p.shape == q.shape
        check_probability(p, "p")
        check_probability(q, "q")

    @given(matched_pairs(6, zero_atoms=False))
    def test_matched_pairs_fixed_full_support(self, pq):
        p, q = pq
        assert p.shape == q.shape == (6,)
        assert np.all(p > 0) and np.all(q > 0)

    def test_matched_pairs_with_disjoint_zeros_occur(self):
        # p > 0 = q on some atom: the KL = inf case must be reachable.
        p, q = find(matched_pairs(), lambda pq: np.any((pq[0] > 0) & (pq[1] == 0)), settings=FIND_SETTINGS)
        assert np.any((p > 0) & (q == 0))

    @given(batched_pairs())
    def test_batched_pairs(self, pq):
        p, q = pq
        assert p.shape == q.shape and p.ndim == 2
        assert 1 <= p.shape[0] <= 4 and 2 <= p.shape[1] <= 8
        check_probability(p, "p")
        check_probability(q, "q")

    @given(disjoint_pairs())
    def test_disjoint_pairs(self, pq):
        p, q = pq
        assert p.shape == q.shape
        check_probability(p, "p")
        check_probability(q, "q")
        assert np.all(p * q == 0)
        assert np.any(p > 0) and np.any(q > 0)

    @given(disjoint_pairs(shared_zeros=False))
    def test_disjoint_pairs_partition(self, pq):
        p, q = pq
        assert np.all((p > 0) ^ (q > 0))

    def test_disjoint_pairs_shared_zeros_occur(self):
        p, q = find(disjoint_pairs(), lambda pq: np.any((pq[0] == 0) & (pq[1] == 0)), settings=FIND_SETTINGS)
        assert np.any((p == 0) & (q == 0))


class TestLogitsAndSeeds:
    @given(logits())
    def test_logits(self, x):
        assert x.ndim == 1 and np.all(np.isfinite(x))
        assert np.all((x >= -50) & (x <= 50))

    @given(logits(3, min_value=-1.0, max_value=2.0))
    def test_logits_bounds(self, x):
        assert x.shape == (3,)
        assert np.all((x >= -1) & (x <= 2))

    def test_extreme_logits_occur(self):
        x = find(logits(), lambda x: np.any(np.abs(x) == 50.0), settings=FIND_SETTINGS)
        assert np.max(np.abs(x)) == 50.0

    @given(seeds())
    def test_seeds(self, seed):
        assert 0 <= seed <= 2**32 - 1
        np.random.default_rng(seed)

    def test_bad_logit_bounds(self):
        with pytest.raises(ValueError, match="min_value"):
            logits(min_value=1.0, max_value=0.0)
