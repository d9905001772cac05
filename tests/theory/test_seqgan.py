"""theory.seqgan against brute-force enumeration, finite differences and exact symmetries.

Brute force here loops over every sequence with itertools (fine for V**T <= 256): the action
value is the ratio sum_{Y extends prefix} G(Y) D(Y) / sum_{Y extends prefix} G(Y), J is the
finite sum, the gradient a central difference of that sum.  None of it uses the backward
recursion of theory.seqgan.
"""

import itertools
import warnings

import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from tests.tolerances import FLOAT_ATOL, FLOAT_RTOL
from theory.seqgan import exact_action_values, exact_objective_gradient, sequence_probabilities

#: Central differences with step 1e-6 on J in [0, 1]: truncation h^2 |J'''| / 6 < 1e-11 for the
#: logit scales drawn below, rounding ~ eps / h ~ 1e-10.
FD_STEP = 1e-6
FD_ATOL = 1e-8


@st.composite
def problems(draw, max_scale=6.0, max_size=256):
    """(logits, d_table): V in 1..4, T in 1..4 with V**T <= max_size; logits N(0, scale^2); D
    values uniform in [0, 1] with some exact 0s and 1s."""
    V = draw(st.integers(1, 4))
    T = draw(st.integers(1, 4))
    assume(V**T <= max_size)
    seed = draw(st.integers(0, 2**32 - 1))
    scale = draw(st.floats(0.0, max_scale))
    rng = np.random.default_rng(seed)
    logits = [scale * rng.standard_normal((V**t, V)) for t in range(T)]
    d = rng.uniform(size=V**T)
    d[rng.random(V**T) < 0.1] = 0.0
    d[rng.random(V**T) < 0.1] = 1.0
    return logits, d


def _softmax(x):
    e = np.exp(x - x.max())
    return e / e.sum()


def _brute_objective(logits, d):
    """J = sum over every sequence of G(Y) D(Y) (itertools)."""
    V, T = logits[0].shape[1], len(logits)
    J = 0.0
    for i, seq in enumerate(itertools.product(range(V), repeat=T)):
        p, r = 1.0, 0
        for t, y in enumerate(seq):
            p *= _softmax(logits[t][r])[y]
            r = r * V + y
        J += p * d[i]
    return J


def _brute(logits, d):
    """Sequence probabilities, J and Q by listing every sequence (itertools)."""
    V, T = logits[0].shape[1], len(logits)
    prob = {}
    for seq in itertools.product(range(V), repeat=T):
        p, r = 1.0, 0
        for t, y in enumerate(seq):
            p *= _softmax(logits[t][r])[y]
            r = r * V + y
        prob[seq] = p
    index = {seq: i for i, seq in enumerate(itertools.product(range(V), repeat=T))}
    J = sum(prob[s] * d[index[s]] for s in prob)
    Q = []
    for t in range(T):
        table = np.zeros((V**t, V))
        for prefix in itertools.product(range(V), repeat=t + 1):
            ext = [s for s in prob if s[: t + 1] == prefix]
            num = sum(prob[s] * d[index[s]] for s in ext)
            den = sum(prob[s] for s in ext)
            r = 0
            for y in prefix[:-1]:
                r = r * V + y
            table[r, prefix[-1]] = num / den if den > 0 else np.nan
        Q.append(table)
    return np.array([prob[s] for s in itertools.product(range(V), repeat=T)]), J, Q


class TestExactActionValues:
    @given(problems())
    @example(([np.zeros((1, 2)), np.zeros((2, 2))], np.array([1.0, 0.0, 0.0, 0.0])))
    def test_matches_enumeration(self, problem):
        logits, d = problem
        _, _, q_brute = _brute(logits, d)
        for q, qb in zip(exact_action_values(logits, d), q_brute):
            ok = np.isfinite(qb)  # prefixes of probability 0 have no conditional expectation
            np.testing.assert_allclose(q[ok], qb[ok], rtol=FLOAT_RTOL, atol=FLOAT_ATOL)

    @given(problems())
    def test_last_step_is_d_and_values_in_unit_interval(self, problem):
        logits, d = problem
        Q = exact_action_values(logits, d)
        np.testing.assert_array_equal(Q[-1].ravel(), d)  # eq. (2): Q(Y_{1:T-1}, y_T) = D(Y_{1:T})
        for q in Q:
            assert q.min() >= -FLOAT_ATOL and q.max() <= 1 + FLOAT_ATOL

    @given(problems(), st.floats(0.0, 1.0))
    def test_constant_discriminator(self, problem, c):
        logits, d = problem
        for q in exact_action_values(logits, np.full_like(d, c)):
            np.testing.assert_allclose(q, c, rtol=FLOAT_RTOL, atol=FLOAT_ATOL)

    def test_deterministic_generator_reads_off_its_completion(self):
        # V = 3, T = 3, every conditional puts all mass on token (prefix + 1) % 3: after the
        # prefix (y_1, y_2) the completion is forced, so Q(y_1 y_2, y_3) = D and
        # Q(y_1, y_2) = D(y_1, y_2, (r + 1) % 3) with r the base-3 number of (y_1, y_2).
        V, T, big = 3, 3, 1e300
        logits = []
        for t in range(T):
            table = np.full((V**t, V), -big)
            table[np.arange(V**t), (np.arange(V**t) + 1) % V] = big
            logits.append(table)
        d = np.linspace(0.0, 1.0, V**T)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            Q = exact_action_values(logits, d)
        r2 = np.arange(V**2)
        np.testing.assert_array_equal(Q[1].ravel(), d[r2 * V + (r2 + 1) % V])


class TestExactObjectiveGradient:
    @settings(max_examples=25)
    @given(problems(max_scale=3.0, max_size=32))
    def test_gradient_matches_finite_differences(self, problem):
        logits, d = problem
        res = exact_objective_gradient(logits, d)
        assert res.J == pytest.approx(_brute_objective(logits, d), rel=FLOAT_RTOL, abs=FLOAT_ATOL)
        for t, g in enumerate(res.grad):
            assert g.shape == logits[t].shape
            for idx in np.ndindex(g.shape):
                up = [x.copy() for x in logits]
                dn = [x.copy() for x in logits]
                up[t][idx] += FD_STEP
                dn[t][idx] -= FD_STEP
                fd = (_brute_objective(up, d) - _brute_objective(dn, d)) / (2 * FD_STEP)
                assert g[idx] == pytest.approx(fd, abs=FD_ATOL)

    @given(problems())
    def test_rows_sum_to_zero_and_symmetry(self, problem):
        logits, d = problem
        res = exact_objective_gradient(logits, d)
        flip = exact_objective_gradient(logits, 1.0 - d)
        assert 0.0 <= res.J <= 1.0
        assert flip.J == pytest.approx(1.0 - res.J, abs=FLOAT_ATOL)
        for g, gf, q, qf in zip(res.grad, flip.grad, res.Q, flip.Q):
            np.testing.assert_allclose(g.sum(axis=1), 0.0, atol=FLOAT_ATOL)  # softmax shift invariance
            np.testing.assert_allclose(gf, -g, atol=FLOAT_ATOL)  # D -> 1 - D reverses the gradient
            np.testing.assert_allclose(qf, 1.0 - q, atol=FLOAT_ATOL)
        assert res.values[0][0] == res.J
        assert res.prefix_probabilities[-1].sum() == pytest.approx(1.0, rel=FLOAT_RTOL)

    def test_large_logits_no_warnings(self):
        # exp(-1000) underflows to exactly 0, so the generator is exactly deterministic
        logits = [np.array([[1e300, -1e300, 0.0]]), np.array([[1e3, 0.0, -1e3]] * 3)]
        d = np.arange(9) / 8.0
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            res = exact_objective_gradient(logits, d)
        # the generator is deterministic: Y = (0, 0), J = D(0, 0), no gradient anywhere
        assert res.J == d[0]
        for g in res.grad:
            assert np.all(np.isfinite(g))
            np.testing.assert_array_equal(g, 0.0)

    def test_single_token_vocabulary(self):
        res = exact_objective_gradient([np.zeros((1, 1)), np.zeros((1, 1))], [0.3])
        assert res.J == pytest.approx(0.3)
        assert all(np.all(g == 0) for g in res.grad)

    def test_to_dict_is_json(self):
        import json

        res = exact_objective_gradient([np.zeros((1, 2))], [1.0, 0.0])
        assert json.loads(json.dumps(res.to_dict()))["J"] == 0.5


class TestSequenceProbabilities:
    @given(problems())
    def test_matches_enumeration(self, problem):
        logits, _ = problem
        p_brute, _, _ = _brute(logits, np.zeros(logits[0].shape[1] ** len(logits)))
        p = sequence_probabilities(logits)
        np.testing.assert_allclose(p, p_brute, rtol=FLOAT_RTOL, atol=1e-300)
        assert p.sum() == pytest.approx(1.0, rel=FLOAT_RTOL)


class TestValidation:
    def test_logits_must_be_a_list(self):
        with pytest.raises(TypeError, match="`logits`"):
            exact_action_values(np.zeros((1, 2)), [0.5, 0.5])

    def test_empty(self):
        with pytest.raises(ValueError, match="at least one table"):
            exact_action_values([], [0.5])

    def test_first_table_shape(self):
        with pytest.raises(ValueError, match=r"`logits\[0\]` must have shape \(1, V\)"):
            exact_action_values([np.zeros((2, 2))], [0.5, 0.5])

    def test_later_table_shape(self):
        with pytest.raises(ValueError, match=r"`logits\[1\]`"):
            exact_action_values([np.zeros((1, 2)), np.zeros((3, 2))], np.zeros(4))

    def test_d_table_length(self):
        with pytest.raises(ValueError, match="`d_table` must have shape"):
            exact_objective_gradient([np.zeros((1, 2))], [0.5, 0.5, 0.5])

    def test_d_table_range(self):
        with pytest.raises(ValueError, match=r"`d_table`.*\[0, 1\]"):
            exact_objective_gradient([np.zeros((1, 2))], [0.5, 1.5])

    def test_non_finite_logits(self):
        with pytest.raises(ValueError, match=r"`logits\[0\]` must be finite"):
            sequence_probabilities([np.array([[0.0, np.nan]])])

    def test_string(self):
        with pytest.raises(TypeError, match="`logits`"):
            sequence_probabilities("abc")
