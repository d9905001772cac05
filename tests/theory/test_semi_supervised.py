"""Tests for theory.semi_supervised against independent routes.

References: the K+1-way softmax written out with numpy exponentials, theory.gan.gan_value at
D = 1 - p(K+1|x) (the GAN value of Goodfellow et al. eq. (1), a separate implementation), 50-digit
mpmath sums, central finite differences (in 50-digit mpmath) of the feature matching objective,
and the feature means of the returned fixed points recomputed by hand.  The feature matching toy:
plain gradient descent with the closed-form gradient converges to a generator whose features
match the data's while its distribution differs.
"""

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from theory.divergences import total_variation
from theory.gan import gan_value
from theory.semi_supervised import (
    feature_matching_alternative,
    feature_matching_gradient,
    feature_matching_loss,
    ssgan_class_probabilities,
    ssgan_discriminator,
    ssgan_supervised_loss,
    ssgan_unsupervised_loss,
)

mpmath.mp.dps = 50

#: float64 closed forms of logits in [-20, 20] (exp up to e^20 ~ 5e8) against a different
#: float64 or a 50-digit evaluation: a few ulps of each log/exp, relative.
REL_TOL = 1e-12


def _normalize(w, axis=-1):
    return w / w.sum(axis=axis, keepdims=True)


@st.composite
def problems(draw, max_logit=20.0):
    n_x = draw(st.integers(1, 5))
    K = draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    logits = rng.uniform(-max_logit, max_logit, size=(n_x, K))
    pd = rng.exponential(size=n_x) * (rng.random(n_x) > 0.3)
    pm = rng.exponential(size=n_x) * (rng.random(n_x) > 0.3)
    pd[rng.integers(n_x)] += 1e-3
    pm[rng.integers(n_x)] += 1e-3
    return logits, _normalize(pd), _normalize(pm)


class TestKPlusOneDiscriminator:
    @given(problems())
    @settings(max_examples=60)
    def test_softmax_and_discriminator(self, prob):
        logits, _, _ = prob
        e = np.exp(logits)
        Z = e.sum(axis=-1)
        ref = np.concatenate([e, np.ones((logits.shape[0], 1))], axis=1) / (Z + 1)[:, None]
        assert np.allclose(ssgan_class_probabilities(logits), ref, rtol=REL_TOL, atol=0)
        assert np.allclose(ssgan_discriminator(logits), Z / (Z + 1), rtol=REL_TOL, atol=0)
        # D = 1 - p(K+1 | x); the subtraction has an absolute rounding error of ~1 ulp of 1
        assert np.allclose(ssgan_discriminator(logits),
                           1 - ssgan_class_probabilities(logits)[:, -1], rtol=0, atol=4e-16)

    @given(problems(max_logit=8.0))
    @settings(max_examples=60)
    def test_unsupervised_loss_is_gan_discriminator_loss(self, prob):
        logits, pd, pm = prob
        d = ssgan_discriminator(logits)
        # gan_value takes log(1 - D) of the rounded D = Z/(Z+1): an absolute error of
        # ~eps (1 + Z) <= 1.1e-16 (1 + 4 e^8) ~ 1.3e-12 per atom with logits in [-8, 8]
        # (log D is fine: D = σ(log Z) is accurate to a few ulps relative); 1e-10 leaves margin
        assert ssgan_unsupervised_loss(logits, pd, pm) == pytest.approx(
            -float(gan_value(d, pd, pm)), rel=0, abs=1e-10)

    def test_unsupervised_loss_mpmath(self):
        logits = np.array([[1.5, -2.0, 0.3], [-4.0, 0.5, 2.0], [10.0, -10.0, 0.0]])
        pd, pm = np.array([0.5, 0.3, 0.2]), np.array([0.1, 0.6, 0.3])
        ref = mpmath.mpf(0)
        for x in range(3):
            Z = sum(mpmath.exp(mpmath.mpf(float(v))) for v in logits[x])
            ref -= mpmath.mpf(float(pd[x])) * mpmath.log(Z / (Z + 1))
            ref -= mpmath.mpf(float(pm[x])) * mpmath.log(1 / (Z + 1))
        assert ssgan_unsupervised_loss(logits, pd, pm) == pytest.approx(float(ref), rel=REL_TOL)

    def test_optimal_log_z_gives_goodfellow_discriminator(self):
        # with Z(x) = p_data/p_model the implied D is p_data/(p_data + p_model), and any other
        # Z has a larger loss (negative control: perturbed logits)
        pd, pm = np.array([0.2, 0.5, 0.3]), np.array([0.4, 0.1, 0.5])
        logits = np.log(pd / pm)[:, None]
        assert np.allclose(ssgan_discriminator(logits), pd / (pd + pm), rtol=1e-14)
        best = ssgan_unsupervised_loss(logits, pd, pm)
        for delta in (-0.1, 0.1):
            assert ssgan_unsupervised_loss(logits + delta, pd, pm) > best

    def test_supervised_loss(self):
        logits = np.array([[2.0, 0.0], [0.0, 1.0]])
        p_xy = np.array([[0.3, 0.2], [0.1, 0.4]])
        ref = -sum(p_xy[x, y] * np.log(np.exp(logits[x, y]) / np.exp(logits[x]).sum())
                   for x in range(2) for y in range(2))
        assert ssgan_supervised_loss(logits, p_xy) == pytest.approx(ref, rel=REL_TOL)
        # shifting all real logits of an input changes D but not the supervised loss
        assert ssgan_supervised_loss(logits + np.array([[3.0], [-1.0]]), p_xy) == pytest.approx(ref, rel=REL_TOL)

    def test_large_logits_no_warnings(self):
        # (underflow of negligible terms inside scipy's logsumexp is not an error)
        with np.errstate(divide="raise", invalid="raise", over="raise"):
            assert ssgan_discriminator([700.0, 800.0]) == 1.0
            assert ssgan_discriminator([-800.0]) == pytest.approx(np.exp(-800.0), rel=1e-12)
            assert np.isfinite(ssgan_unsupervised_loss([[-800.0], [800.0]], [0.5, 0.5], [0.5, 0.5]))

    def test_errors(self):
        with pytest.raises(ValueError, match="logits"):
            ssgan_discriminator(1.0)
        with pytest.raises(ValueError, match="p_data"):
            ssgan_unsupervised_loss([[0.0], [0.0]], [0.5, 0.5, 0.0], [0.5, 0.5])
        with pytest.raises(ValueError, match="p_model"):
            ssgan_unsupervised_loss([[0.0], [0.0]], [0.5, 0.5], [0.5, -0.5])
        with pytest.raises(ValueError, match="p_xy"):
            ssgan_supervised_loss([[0.0, 0.0]], [[0.5, 0.6]])
        with pytest.raises(ValueError, match="p_xy"):
            ssgan_supervised_loss([[0.0, 0.0]], [[0.5, 0.5, 0.0]])


class TestFeatureMatching:
    def test_loss_and_gradient_against_finite_differences(self):
        rng = np.random.default_rng(3)
        phi = rng.normal(size=(5, 2))
        pd = _normalize(rng.exponential(size=5))
        theta = rng.normal(size=5)

        def loss_mp(th):
            e = [mpmath.exp(t) for t in th]
            q = [v / sum(e) for v in e]
            diff = [sum((mpmath.mpf(float(pd[x])) - q[x]) * mpmath.mpf(float(phi[x, f]))
                        for x in range(5)) for f in range(2)]
            return sum(d * d for d in diff)

        th_mp = [mpmath.mpf(float(t)) for t in theta]
        q = np.exp(theta) / np.exp(theta).sum()
        assert feature_matching_loss(phi, pd, q) == pytest.approx(float(loss_mp(th_mp)), rel=REL_TOL)
        h = mpmath.mpf("1e-20")
        fd = []
        for i in range(5):
            up = list(th_mp); up[i] += h
            dn = list(th_mp); dn[i] -= h
            fd.append(float((loss_mp(up) - loss_mp(dn)) / (2 * h)))
        # central difference with h = 1e-20 at 50 digits: error O(h²) and 1e-30 rounding
        assert np.allclose(feature_matching_gradient(theta, phi, pd), fd, rtol=1e-12, atol=1e-15)

    def test_descent_converges_to_a_different_distribution(self):
        # x in {0, 1, 2, 3}, feature f(x) = x (the mean).  Plain gradient descent on the
        # generator logits drives the feature gap to ~0, yet the generator is not p_data.
        x = np.arange(4.0)
        pd = np.array([0.1, 0.4, 0.4, 0.1])
        theta = np.log(np.array([0.7, 0.1, 0.1, 0.1]))
        for _ in range(3000):
            theta = theta - 0.5 * feature_matching_gradient(theta, x, pd)
        q = np.exp(theta) / np.exp(theta).sum()
        assert feature_matching_loss(x, pd, q) < 1e-12            # converged on the statistic
        assert float(total_variation(pd, q)) > 0.05               # ... not on the distribution

    @pytest.mark.parametrize("phi,p", [
        (np.arange(3.0), np.full(3, 1 / 3)),
        (np.arange(5.0)[:, None] ** np.arange(1, 3), np.full(5, 0.2)),     # mean and 2nd moment
        (np.arange(3.0), np.array([0.5, 0.5, 0.0])),                         # zero atom
        (np.eye(4)[:, :2], np.array([0.1, 0.2, 0.3, 0.4])),
    ])
    def test_alternative_matches_features_but_differs(self, phi, p):
        q = feature_matching_alternative(phi, p)
        assert q is not None
        phi2 = phi if phi.ndim == 2 else phi[:, None]
        assert np.allclose(q @ phi2, p @ phi2, rtol=1e-12, atol=1e-12)
        assert q.min() >= 0 and q.sum() == pytest.approx(1.0, abs=1e-15)
        assert float(total_variation(p, q)) > 1e-3

    def test_alternative_none_when_features_determine_p(self):
        # indicator features of all but one atom determine the distribution
        assert feature_matching_alternative(np.eye(3)[:, :2], [0.2, 0.3, 0.5]) is None
        # one atom only: nothing else has its mean
        assert feature_matching_alternative(np.arange(3.0), [0.0, 1.0, 0.0]) is not None
        assert feature_matching_alternative(np.arange(3.0) ** 0, [0.2, 0.3, 0.5]) is not None

    def test_errors(self):
        with pytest.raises(ValueError, match="p_data"):
            feature_matching_loss([0.0, 1.0], [0.5, 0.5, 0.0], [0.5, 0.5])
        with pytest.raises(ValueError, match="theta"):
            feature_matching_gradient([0.0], [0.0, 1.0], [0.5, 0.5])
        with pytest.raises(ValueError, match="features"):
            feature_matching_loss(np.zeros((2, 2, 2)), [0.5, 0.5], [0.5, 0.5])
