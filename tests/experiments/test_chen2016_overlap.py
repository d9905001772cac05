"""The overlap mass and Fano correction of the chen2016 neural InfoGAN claims, checked on a
generator whose push-forward is known in closed form: x = z + m_c (two unit Gaussians at m = -2, 2,
equal priors), so the decoder's error and H(c | x) are exact integrals (scipy.stats / quad)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate
from scipy.special import entr, expit
from scipy.stats import norm

from experiments.claims import chen2016

MEANS = np.array([-2.0, 2.0])
EDGES = np.array([0.0])
PRIOR = np.array([0.5, 0.5])


def shifted_outputs():
    z = np.linspace(-chen2016.Z_MAX, chen2016.Z_MAX, chen2016.Z_GRID)
    return z[None, :] + MEANS[:, None], z


def test_overlap_mass_brackets_the_exact_decoder_error():
    # the ranges [-11, 7] and [-7, 11] overlap on [-7, 7]; there the decoder goes by the cell
    # (x > 0 -> code 1), so code 0 errs exactly when z > 2 (- the margin band): eps = Φ(-2) up to
    # the band of width margin around the edge plus one z step charged whole on each side
    x, z = shifted_outputs()
    eps, info = chen2016.overlap_mass(x, z, EDGES, np.array([0, 1]), PRIOR)
    h = z[1] - z[0]
    assert info["margin"] == pytest.approx(2 * h, rel=1e-9)   # x moves by exactly h per z step
    exact = norm.sf(2.0)
    assert eps >= exact
    assert eps <= norm.sf(2.0 - info["margin"] - h) + chen2016.TAIL


def test_overlap_mass_is_the_tail_for_disjoint_ranges():
    # outputs 0.1 z + m_c: ranges [-2.9, -1.1] and [1.1, 2.9], no overlap; only |z| > 9 is charged
    z = np.linspace(-chen2016.Z_MAX, chen2016.Z_MAX, chen2016.Z_GRID)
    x = 0.1 * z[None, :] + MEANS[:, None]
    eps, info = chen2016.overlap_mass(x, z, EDGES, np.array([0, 1]), PRIOR)
    assert info["flagged_nodes"] == 0
    assert eps == pytest.approx(2 * norm.sf(9.0), rel=1e-12)


def test_fano_correction_bounds_the_exact_conditional_entropy():
    # H(c | x) for the two Gaussians by quadrature (P(c = 1 | x) = σ(4x) from Bayes' rule), against
    # h(ε) with the decoder's error bound ε: Fano's inequality must hold, and not trivially
    x, z = shifted_outputs()
    eps, _ = chen2016.overlap_mass(x, z, EDGES, np.array([0, 1]), PRIOR)

    def integrand(t):
        p_x = 0.5 * (norm.pdf(t, -2.0) + norm.pdf(t, 2.0))
        post = expit(4 * t)
        return p_x * (entr(post) + entr(1 - post))

    h_c_given_x, quad_err = integrate.quad(integrand, -np.inf, np.inf, epsabs=1e-13)
    assert quad_err < 1e-10
    fano = float(chen2016.fano_correction(eps, 2))
    assert h_c_given_x <= fano
    assert fano < np.log(2) / 2                       # the bound says something here


def test_fano_correction_closed_values():
    # 0 at ε = 0; log K at ε = (K - 1)/K (the uniform guess), and capped there beyond it
    for k in (2, 3, 5):
        assert chen2016.fano_correction(0.0, k) == 0.0
        assert chen2016.fano_correction((k - 1) / k, k) == pytest.approx(np.log(k), rel=1e-14)
        assert chen2016.fano_correction(0.99, k) == pytest.approx(np.log(k), rel=1e-14)
