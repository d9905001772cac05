"""Tests for theory.infogan (Chen et al. 2016, Section 5) against independent routes.

References: the joint table enumerated cell by cell (I = Σ p(c,x) log p(c,x)/(p(c)p(x))),
entropies from scipy.stats.entropy (H(c) - H(c|x) and H(x) - H(x|c)), Bayes' rule written
out per column, scipy.special.rel_entr for the posterior KL, and Lemma 5.1's two sides
enumerated.  Property tests over random distributions with zero atoms.
"""

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from scipy.special import rel_entr
from scipy.stats import entropy

from theory.infogan import infogan_bound_gap, infogan_lower_bound, mutual_information, posterior

#: Sums of <= 64 terms x log(x/y) with probabilities >= 1e-12 (logs <= 28 in size): a few
#: hundred ulps absolute, against a differently ordered float64 sum.
SUM_TOL = 1e-12


def _normalize(w, axis=-1):
    return w / w.sum(axis=axis, keepdims=True)


@st.composite
def problems(draw, *, zero_atoms=True):
    """(p_c, p_x_given_c, q_c_given_x) with C codes and X outputs, zero atoms allowed."""
    C = draw(st.integers(1, 5))
    X = draw(st.integers(1, 6))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    p_c = rng.exponential(size=C)
    p_xc = rng.exponential(size=(C, X))
    q = rng.exponential(size=(C, X))
    if zero_atoms:
        p_c *= rng.random(C) > draw(st.floats(0, 0.5))
        p_xc *= rng.random((C, X)) > draw(st.floats(0, 0.6))
        q *= rng.random((C, X)) > draw(st.floats(0, 0.3))
    p_c[rng.integers(C)] += 1e-3            # keep each vector normalizable
    p_xc[np.arange(C), rng.integers(X, size=C)] += 1e-3
    q[rng.integers(C, size=X), np.arange(X)] += 1e-3
    return _normalize(p_c), _normalize(p_xc), _normalize(q, axis=0)


def reference_mi(p_c, p_xc):
    joint = p_c[:, None] * p_xc
    p_x = joint.sum(axis=0)
    total = 0.0
    for c in range(joint.shape[0]):
        for x in range(joint.shape[1]):
            if joint[c, x] > 0:
                total += joint[c, x] * np.log(joint[c, x] / (p_c[c] * p_x[x]))
    return total


def reference_posterior(p_c, p_xc):
    joint = p_c[:, None] * p_xc
    post = np.empty_like(joint)
    for x in range(joint.shape[1]):
        col = joint[:, x]
        post[:, x] = col / col.sum() if col.sum() > 0 else p_c
    return post


@given(problems())
@example((np.array([0.5, 0.5]), np.array([[1.0, 0.0], [0.0, 1.0]]), np.full((2, 2), 0.5))).via("disjoint")
@example((np.array([1.0]), np.array([[0.2, 0.8]]), np.ones((1, 2)))).via("one code")
def test_mutual_information_three_routes(prob):
    p_c, p_xc, _ = prob
    mi = mutual_information(p_c, p_xc)
    assert abs(mi - reference_mi(p_c, p_xc)) <= SUM_TOL
    joint = p_c[:, None] * p_xc
    p_x = joint.sum(axis=0)
    h_c_given_x = sum(p_x[x] * entropy(joint[:, x] / p_x[x]) for x in range(len(p_x)) if p_x[x] > 0)
    h_x_given_c = sum(p_c[c] * entropy(p_xc[c]) for c in range(len(p_c)) if p_c[c] > 0)
    assert abs(mi - (entropy(p_c) - h_c_given_x)) <= SUM_TOL
    assert abs(mi - (entropy(p_x) - h_x_given_c)) <= SUM_TOL
    assert -SUM_TOL <= mi <= min(entropy(p_c), entropy(p_x)) + SUM_TOL


@given(problems())
def test_posterior_is_bayes_with_columns_summing_to_one(prob):
    p_c, p_xc, _ = prob
    post = posterior(p_c, p_xc)
    np.testing.assert_allclose(post, reference_posterior(p_c, p_xc), rtol=1e-15, atol=0)
    np.testing.assert_allclose(post.sum(axis=0), 1.0, rtol=0, atol=1e-14)


@given(problems())
def test_bound_plus_gap_is_mutual_information(prob):
    # Chen et al. eq. (4): I = L_I + E_x KL(P(c|x) ‖ Q(c|x)); the gap from scipy's rel_entr
    p_c, p_xc, q = prob
    bound = infogan_lower_bound(p_c, p_xc, q)
    mi = reference_mi(p_c, p_xc)
    post = reference_posterior(p_c, p_xc)
    p_x = (p_c[:, None] * p_xc).sum(axis=0)
    gap_ref = sum(p_x[x] * rel_entr(post[:, x], q[:, x]).sum() for x in range(len(p_x)) if p_x[x] > 0)
    gap = infogan_bound_gap(p_c, p_xc, q)
    if np.isinf(gap_ref):
        assert gap == np.inf and bound == -np.inf
    else:
        assert abs(gap - gap_ref) <= SUM_TOL * (1 + gap_ref)
        assert abs(bound + gap_ref - mi) <= SUM_TOL * (1 + gap_ref)
        assert bound <= mi + SUM_TOL


@given(problems())
def test_equality_exactly_at_the_posterior(prob):
    p_c, p_xc, _ = prob
    post = reference_posterior(p_c, p_xc)
    assert abs(infogan_lower_bound(p_c, p_xc, post) - reference_mi(p_c, p_xc)) <= SUM_TOL
    assert infogan_bound_gap(p_c, p_xc, post) <= SUM_TOL


@given(problems(zero_atoms=False), st.floats(1e-3, 1.0))
def test_any_other_q_is_strictly_below(prob, t):
    # full support: Q = (1 - t) posterior + t Q' differs from the posterior on the support
    # unless Q' equals it; the gap is then > 0 and the bound strictly below I
    p_c, p_xc, q = prob
    post = reference_posterior(p_c, p_xc)
    mix = (1 - t) * post + t * q
    diff = np.abs(mix - post).max()
    gap = infogan_bound_gap(p_c, p_xc, mix)
    if diff > 1e-6:
        # Pinsker per column: KL >= 2 TV², and every column has p(x) >= min p(x) > 0
        p_x = (p_c[:, None] * p_xc).sum(axis=0)
        assert gap >= 2 * (diff / 2) ** 2 * p_x.min() * (1 - 1e-9)
        assert infogan_lower_bound(p_c, p_xc, mix) < mutual_information(p_c, p_xc)


def test_lemma_5_1_sampling_c_from_the_prior_or_the_posterior():
    # E_{c~P(c), x~P(x|c)} log Q(c|x) = E_{x~P(x)} E_{c'~P(c|x)} log Q(c'|x): the bound can be
    # estimated without sampling the posterior (Chen et al., Lemma 5.1 and eq. (5))
    rng = np.random.default_rng(3)
    p_c = _normalize(rng.exponential(size=4))
    p_xc = _normalize(rng.exponential(size=(4, 5)))
    q = _normalize(rng.exponential(size=(4, 5)), axis=0)
    prior_side = sum(p_c[c] * p_xc[c, x] * np.log(q[c, x]) for c in range(4) for x in range(5))
    p_x = (p_c[:, None] * p_xc).sum(axis=0)
    post = reference_posterior(p_c, p_xc)
    posterior_side = sum(p_x[x] * post[c, x] * np.log(q[c, x]) for x in range(5) for c in range(4))
    assert abs(prior_side - posterior_side) <= SUM_TOL
    assert abs(infogan_lower_bound(p_c, p_xc, q) - (posterior_side + entropy(p_c))) <= SUM_TOL
    # negative control: without H(c) the identity I = L_I + E_x KL fails by H(c) > 0
    gap = sum(p_x[x] * rel_entr(post[:, x], q[:, x]).sum() for x in range(5))
    assert abs(prior_side + gap - reference_mi(p_c, p_xc)) > 0.1
    assert abs(prior_side + entropy(p_c) + gap - reference_mi(p_c, p_xc)) <= SUM_TOL


def test_extremes_identifiable_and_useless_codes():
    # disjoint outputs: the code is recoverable, I = H(c), reached by Q = posterior (one-hot)
    p_c = np.array([0.2, 0.3, 0.5])
    p_xc = np.array([[0.5, 0.5, 0, 0, 0], [0, 0, 1.0, 0, 0], [0, 0, 0, 0.25, 0.75]])
    post = posterior(p_c, p_xc)
    assert mutual_information(p_c, p_xc) == pytest.approx(entropy(p_c), abs=1e-15)
    assert infogan_lower_bound(p_c, p_xc, post) == pytest.approx(entropy(p_c), abs=1e-15)
    # identical rows: the output ignores the code, I = 0; the best Q is the prior, L_I = 0
    same = np.tile([0.1, 0.6, 0.3], (3, 1))
    assert mutual_information(p_c, same) == pytest.approx(0.0, abs=1e-15)
    assert infogan_lower_bound(p_c, same, np.tile(p_c[:, None], (1, 3))) == pytest.approx(0.0, abs=1e-15)
    assert infogan_lower_bound(p_c, same, np.full((3, 3), 1 / 3)) < 0


def test_zero_atoms_without_warnings():
    # a code with prior 0 whose row lives where no other code goes; an output nobody emits
    p_c = np.array([0.5, 0.5, 0.0])
    p_xc = np.array([[0.5, 0.5, 0.0, 0.0], [0.0, 0.5, 0.5, 0.0], [0.0, 0.0, 0.0, 1.0]])
    assert mutual_information(p_c, p_xc) == pytest.approx(0.5 * np.log(2), abs=1e-15)
    post = posterior(p_c, p_xc)
    np.testing.assert_array_equal(post[:, 3], p_c)  # P(x) = 0: the prior (documented)
    q_ok = post.copy()
    q_ok[:, 3] = [0.0, 0.0, 1.0]  # any column where P(x) = 0 is irrelevant
    assert infogan_lower_bound(p_c, p_xc, q_ok) == pytest.approx(0.5 * np.log(2), abs=1e-15)
    assert infogan_bound_gap(p_c, p_xc, q_ok) == 0.0
    q_bad = post.copy()
    q_bad[:, 1] = [1.0, 0.0, 0.0]  # Q(c=1 | x=1) = 0 although P(c=1, x=1) > 0
    assert infogan_lower_bound(p_c, p_xc, q_bad) == -np.inf
    assert infogan_bound_gap(p_c, p_xc, q_bad) == np.inf


def test_batches_broadcast():
    rng = np.random.default_rng(4)
    p_c = _normalize(rng.exponential(size=(3, 1, 4)))
    p_xc = _normalize(rng.exponential(size=(2, 4, 5)))
    q = _normalize(rng.exponential(size=(4, 5)), axis=0)
    mi = mutual_information(p_c, p_xc)
    lb = infogan_lower_bound(p_c, p_xc, q)
    gap = infogan_bound_gap(p_c, p_xc, q)
    post = posterior(p_c, p_xc)
    assert mi.shape == lb.shape == gap.shape == (3, 2) and post.shape == (3, 2, 4, 5)
    for i in range(3):
        for j in range(2):
            assert mi[i, j] == pytest.approx(reference_mi(p_c[i, 0], p_xc[j]), abs=SUM_TOL)
            assert lb[i, j] == pytest.approx(infogan_lower_bound(p_c[i, 0], p_xc[j], q), abs=SUM_TOL)
            assert gap[i, j] == pytest.approx(infogan_bound_gap(p_c[i, 0], p_xc[j], q), abs=SUM_TOL)


@pytest.mark.parametrize("call, match", [
    (lambda: mutual_information([0.5, 0.5], [[1.0, 0.0]]), "`p_x_given_c` must have one row per code"),
    (lambda: mutual_information([0.5, 0.5], [0.5, 0.5]), "`p_x_given_c` must have shape"),
    (lambda: mutual_information([0.6, 0.6], [[1.0], [1.0]]), "`p_c` must sum to 1"),
    (lambda: mutual_information([1.2, -0.2], [[1.0], [1.0]]), "`p_c` must be non-negative"),
    (lambda: posterior([0.5, 0.5], [[0.7, 0.7], [0.5, 0.5]]), "`p_x_given_c` must sum to 1"),
    (lambda: infogan_lower_bound([0.5, 0.5], [[1.0, 0.0], [0.0, 1.0]], [[0.5, 0.5], [0.5, 0.5], [0.0, 0.0]]),
     "`q_c_given_x` must have shape"),
    (lambda: infogan_lower_bound([0.5, 0.5], [[1.0, 0.0], [0.0, 1.0]], [[0.5, 0.5], [0.6, 0.5]]),
     "`q_c_given_x` must sum to 1 along axis -2"),
    (lambda: infogan_bound_gap([0.5, 0.5], [[1.0, 0.0], [0.0, 1.0]], [[1.0, 1.0]]), "`q_c_given_x` must"),
    (lambda: infogan_lower_bound(np.full((3, 2), 0.5), [[1.0, 0.0], [0.0, 1.0]], np.full((4, 2, 2), 0.5)),
     "`q_c_given_x` .* do not broadcast"),
])
def test_bad_layouts_are_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_batched_q_is_accepted():
    assert np.shape(infogan_lower_bound(np.full((3, 2), 0.5), np.eye(2), np.full((3, 2, 2), 0.5))) == (3,)
