"""The toy problems: Gaussian mixtures, categorical pairs, Arjovsky's parallel lines.

References are independent of the code under test: Monte Carlo standard errors at a fixed
seed, scipy.integrate.quad, scipy.stats.multivariate_normal, scipy.optimize.linprog.
"""

import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.integrate import quad
from scipy.optimize import linprog
from scipy.stats import multivariate_normal

from solvers.problems import (
    CategoricalPair,
    GaussianMixture,
    ParallelLines,
    disjoint_pair,
    discretized,
    gaussian,
    gaussian_1d,
    grid_of_gaussians,
    mixture_1d,
    named_pairs,
    random_pair,
    ring_of_gaussians,
    two_atoms,
    uniform_vs_onehot,
    zero_atom_pair,
)
from solvers.problems.strategies import seeds
from tests.stats import (FALSE_ALARM, assert_mean_bernstein, assert_median_of_means, assert_multinomial,
                         gaussian_radius, hoeffding_radius)
from tests.tolerances import FLOAT_ATOL, FLOAT_RTOL, LP_ATOL, PROB_SUM_TOL
from theory.validation import check_probability

#: Quadrature of a density: quad's own error estimate is ~1e-10 on these smooth integrands.
QUAD_ATOL = 1e-8

#: Riemann sum on a grid of spacing h = std/10 over ±13 std: for a Gaussian the trapezoid
#: rule's error is ~exp(-2π² std²/h²) (negligible) and the truncated tail mass is < 1e-30, so
#: only rounding of the ~3e5-term sum remains (~3e5 eps ≈ 1e-10).
GRID_QUAD_ATOL = 1e-8
#: Mixture (log-)density vs scipy's per-component pdfs: float64 rounding through the covariance
#: factorisations and the log-sum-exp, relative to the density.
MIXTURE_PDF_TOL = 1e-10


def _mixtures():
    return {
        "1d": mixture_1d([-2.0, 0.5, 3.0], [0.5, 1.0, 0.3], [0.2, 0.5, 0.3]),
        "ring": ring_of_gaussians(),
        "grid": grid_of_gaussians(),
        "correlated": GaussianMixture(
            [0.7, 0.3], [[0.0, 1.0], [2.0, -1.0]], [[[1.0, 0.6], [0.6, 2.0]], [[0.5, -0.2], [-0.2, 0.3]]]
        ),
    }


# ---------------------------------------------------------------------------- mixtures
class TestGaussianMixture:
    @pytest.mark.statistical
    @pytest.mark.parametrize("name", sorted(_mixtures()))
    def test_sample_moments_within_monte_carlo_error(self, name):
        mix = _mixtures()[name]
        n = 200_000
        x = mix.sample(n, seed=1234)
        assert x.shape == (n, mix.dim)
        mu, cov = mix.mean(), mix.cov()
        # False-alarm FALSE_ALARM per check, from exact laws (no sample SE):
        # mean: x = m_K + L_K z, so x̄ - μ = (mean of m_K - μ) + (mean of L_K z): the first a mean
        # of n i.i.d. bounded variables (Hoeffding, width = the spread of the component means),
        # the second Gaussian given the components with variance <= max_k C_k,jj / n (a
        # Gaussian tail); α split in halves.
        w, m, C = mix.weights, mix.means, mix.covs
        r_mean = (np.ptp(m, axis=0) * hoeffding_radius(n, 1.0, FALSE_ALARM / (2 * mix.dim))
                  + gaussian_radius(np.sqrt(np.diagonal(C, axis1=1, axis2=2).max(axis=0) / n),
                                    FALSE_ALARM / (2 * mix.dim)))
        assert np.all(np.abs(x.mean(axis=0) - mu) <= r_mean)
        # covariance entries: Y = (x - μ)_i (x - μ)_j has mean Cov_ij and the exact variance
        # E[Y²] - Cov_ij², E[Y²] per component by Isserlis with mean a = m_k - μ:
        # a_i² a_j² + 4 a_i a_j C_ij + a_i² C_jj + a_j² C_ii + C_ii C_jj + 2 C_ij²;
        # median of block means (Chebyshev + an exact binomial tail: the variance alone suffices
        # for these sub-exponential products).
        a = m - mu
        ai, aj = a[:, :, None], a[:, None, :]
        dg = np.diagonal(C, axis1=1, axis2=2)
        ey2 = (ai**2 * aj**2 + 4 * ai * aj * C + ai**2 * dg[:, None, :] + aj**2 * dg[:, :, None]
               + dg[:, :, None] * dg[:, None, :] + 2 * C**2)
        var = np.tensordot(w, ey2, 1) - cov**2
        centred = x - mu
        prod = centred[:, :, None] * centred[:, None, :]
        assert_median_of_means(prod, cov, var, FALSE_ALARM, atol=FLOAT_ATOL, what=f"{name} covariance")
        # negative control: covariances 5% too large are rejected (and a mean shifted by the radius)
        with pytest.raises(AssertionError, match="median-of-means"):
            assert_median_of_means(prod, 1.05 * cov, var, FALSE_ALARM)

    def test_sampling_is_reproducible_and_accepts_generators(self):
        mix = ring_of_gaussians()
        np.testing.assert_array_equal(mix.sample(10, 7), mix.sample(10, 7))
        np.testing.assert_array_equal(mix.sample(10, 7), mix.sample(10, np.random.default_rng(7)))
        assert mix.sample(0, 1).shape == (0, 2)

    def test_1d_pdf_integrates_to_one(self):
        mix = _mixtures()["1d"]
        total, err = quad(lambda t: float(mix.pdf(t)), -np.inf, np.inf, points=None, limit=200)
        assert total == pytest.approx(1.0, abs=QUAD_ATOL)
        first, _ = quad(lambda t: t * float(mix.pdf(t)), -np.inf, np.inf, limit=200)
        assert first == pytest.approx(float(mix.mean()[0]), abs=QUAD_ATOL)

    @pytest.mark.parametrize(
        "mix",
        [ring_of_gaussians(std=0.1), grid_of_gaussians(n_per_side=3, spacing=1.0, std=0.1)],
        ids=["ring", "grid"],
    )
    def test_2d_pdf_integrates_to_one_on_a_grid(self, mix):
        h = 0.01
        lim = np.abs(mix.means).max() + 1.3
        axis = np.arange(-lim, lim + h / 2, h)
        gx, gy = np.meshgrid(axis, axis, indexing="ij")
        pts = np.stack([gx.ravel(), gy.ravel()], axis=-1)
        assert mix.pdf(pts).sum() * h * h == pytest.approx(1.0, abs=GRID_QUAD_ATOL)

    @given(seed=seeds())
    def test_log_pdf_matches_scipy(self, seed):
        rng = np.random.default_rng(seed)
        k, d = rng.integers(1, 4), rng.integers(1, 4)
        a = rng.normal(size=(k, d, d))
        covs = a @ np.swapaxes(a, -1, -2) + 0.5 * np.eye(d)
        means = rng.normal(size=(k, d)) * 2
        w = rng.dirichlet(np.ones(k))
        mix = GaussianMixture(w, means, covs)
        x = rng.normal(size=(5, d)) * 3
        expected = sum(w[j] * multivariate_normal(means[j], covs[j]).pdf(x) for j in range(k))
        np.testing.assert_allclose(mix.pdf(x), expected, rtol=MIXTURE_PDF_TOL, atol=0)
        np.testing.assert_allclose(mix.log_pdf(x), np.log(expected), rtol=MIXTURE_PDF_TOL, atol=MIXTURE_PDF_TOL)

    @pytest.mark.parametrize("name", sorted(_mixtures()))
    def test_log_pdf_is_finite_far_in_the_tails(self, name):
        mix = _mixtures()[name]
        far = np.array([1e3, -1e3])
        x = far[:, None] * np.ones(mix.dim)
        logp = mix.log_pdf(x)
        assert np.all(np.isfinite(logp))
        assert np.all(logp < -1e5)
        assert np.all(mix.pdf(x) == 0.0)  # underflows to exactly 0, without a warning

    def test_log_pdf_far_tail_value(self):
        # N(0, 1) at x: -x²/2 - log(2π)/2, computed directly.
        g = gaussian_1d(0.0, 1.0)
        x = np.array([1e3, 37.5])
        np.testing.assert_allclose(g.log_pdf(x), -x**2 / 2 - 0.5 * np.log(2 * np.pi), rtol=FLOAT_RTOL)

    def test_1d_shapes(self):
        mix = _mixtures()["1d"]
        assert mix.dim == 1
        assert mix.log_pdf(np.zeros(4)).shape == (4,)
        assert mix.log_pdf(np.zeros((4, 1))).shape == (4,)
        np.testing.assert_array_equal(mix.log_pdf(np.zeros(4)), mix.log_pdf(np.zeros((4, 1))))

    def test_mixture_1d_variances_equal_stds_squared(self):
        a = mixture_1d([0.0, 1.0], [0.5, 2.0])
        b = mixture_1d([0.0, 1.0], variances=[0.25, 4.0])
        np.testing.assert_allclose(a.covs, b.covs, rtol=FLOAT_RTOL)
        np.testing.assert_allclose(a.weights, [0.5, 0.5])

    def test_ring_modes(self):
        n, r, s = 8, 2.0, 0.02
        mix = ring_of_gaussians(n, r, s)
        angles = np.arctan2(mix.means[:, 1], mix.means[:, 0]) % (2 * np.pi)
        np.testing.assert_allclose(np.linalg.norm(mix.means, axis=1), r, rtol=FLOAT_RTOL)
        np.testing.assert_allclose(angles, 2 * np.pi * np.arange(n) / n, atol=FLOAT_ATOL)
        np.testing.assert_allclose(mix.weights, 1 / n)
        # samples: every point within 6 std of its nearest mode, each mode's share ~ Binomial
        x = mix.sample(40_000, seed=3)
        dist = np.linalg.norm(x[:, None, :] - mix.means[None], axis=-1)
        assert np.all(dist.min(axis=1) < 6 * s)
        share = np.bincount(dist.argmin(axis=1), minlength=n) / x.shape[0]
        # mode counts are multinomial(1/n each): exact binomial tails, Bonferroni, FALSE_ALARM
        assert_multinomial(np.bincount(dist.argmin(axis=1), minlength=n), np.full(n, 1 / n), FALSE_ALARM)
        # the density at a mode: modes are 2r sin(π/n) ≈ 76 std apart, so the peak is
        # (1/n) / (2π s²) up to the other modes' negligible contributions
        assert mix.pdf(mix.means) == pytest.approx(np.full(n, 1 / (n * 2 * np.pi * s**2)), rel=FLOAT_RTOL)

    def test_grid_modes(self):
        mix = grid_of_gaussians()
        assert mix.n_components == 25
        assert sorted(set(mix.means[:, 0])) == [-4.0, -2.0, 0.0, 2.0, 4.0]
        np.testing.assert_allclose(mix.mean(), 0, atol=FLOAT_ATOL)

    def test_immutable(self):
        mix = ring_of_gaussians()
        with pytest.raises(ValueError):
            mix.means[0, 0] = 1.0
        with pytest.raises(dataclasses.FrozenInstanceError):
            mix.weights = np.ones(8) / 8

    def test_single_gaussian(self):
        g = gaussian([1.0, 2.0], [[2.0, 0.3], [0.3, 1.0]])
        np.testing.assert_allclose(g.mean(), [1.0, 2.0])
        np.testing.assert_allclose(g.cov(), [[2.0, 0.3], [0.3, 1.0]], rtol=FLOAT_RTOL)
        assert g.to_dict()["weights"] == [1.0]

    @pytest.mark.parametrize(
        "kwargs, match",
        [
            (dict(weights=[0.5, 0.6], means=[[0.0], [1.0]], covs=[[[1.0]], [[1.0]]]), "weights"),
            (dict(weights=[0.5, 0.5], means=[0.0, 1.0], covs=[[[1.0]], [[1.0]]]), "means"),
            (dict(weights=[0.5, 0.5], means=[[0.0]], covs=[[[1.0]], [[1.0]]]), "means"),
            (dict(weights=[0.5, 0.5], means=[[0.0], [1.0]], covs=[[1.0], [1.0]]), "covs"),
            (dict(weights=[1.0], means=[[0.0, 0.0]], covs=[[[1.0, 0.5], [0.0, 1.0]]]), "symmetric"),
            (dict(weights=[1.0], means=[[0.0, 0.0]], covs=[[[1.0, 2.0], [2.0, 1.0]]]), "positive definite"),
            (dict(weights=[1.0], means=[[np.nan]], covs=[[[1.0]]]), "means"),
        ],
    )
    def test_bad_input(self, kwargs, match):
        with pytest.raises(ValueError, match=match):
            GaussianMixture(**kwargs)

    def test_bad_factory_input(self):
        with pytest.raises(ValueError, match="stds"):
            mixture_1d([0.0, 1.0], [1.0, -1.0])
        with pytest.raises(ValueError, match="variances"):
            mixture_1d([0.0], [1.0], variances=[1.0])
        with pytest.raises(ValueError, match="std"):
            gaussian_1d(0.0, 0.0)
        with pytest.raises(ValueError, match="n_modes"):
            ring_of_gaussians(0)
        with pytest.raises(TypeError, match="seed"):
            ring_of_gaussians().sample(3, None)
        with pytest.raises(ValueError, match="n"):
            ring_of_gaussians().sample(-1, 0)
        with pytest.raises(ValueError, match="x"):
            ring_of_gaussians().log_pdf(np.zeros((3, 3)))


# ---------------------------------------------------------------------------- categorical
class TestCategorical:
    @pytest.mark.parametrize("name", sorted(named_pairs()))
    def test_named_pairs_are_valid(self, name):
        pair = named_pairs()[name]
        assert pair.name == name
        check_probability(pair.p_data, "p_data")
        check_probability(pair.p_model, "p_model")
        assert pair.p_data.shape == pair.p_model.shape == (pair.k,)

    def test_named_pairs_cover_the_edge_cases(self):
        pairs = named_pairs()
        assert set(pairs) >= {"disjoint", "zero-atoms", "equal", "near-degenerate"}
        p, q = pairs["disjoint"]
        assert np.all(p * q == 0)
        masks = pairs["zero-atoms"].support_masks()
        assert all(m.any() for m in masks.values())  # all four support cases occur
        p, q = pairs["equal"]
        np.testing.assert_array_equal(p, q)
        p, q = pairs["near-degenerate"]
        assert np.min(p[p > 0]) < 1e-200 and np.max(p) > 1 - 1e-11

    @given(k=st.integers(1, 12), seed=seeds(), zeros=st.booleans())
    def test_random_pair(self, k, seed, zeros):
        pair = random_pair(k, seed, zero_atoms=zeros)
        check_probability(pair.p_data, "p_data")
        check_probability(pair.p_model, "p_model")
        assert pair.k == k
        again = random_pair(k, seed, zero_atoms=zeros)
        np.testing.assert_array_equal(pair.p_data, again.p_data)
        np.testing.assert_array_equal(pair.p_model, again.p_model)
        if not zeros:
            assert np.all(pair.p_data > 0) and np.all(pair.p_model > 0)

    def test_random_pair_zero_atoms_occur(self):
        pairs = [random_pair(6, seed, zero_atoms=True) for seed in range(20)]
        assert sum(np.count_nonzero(p.p_data == 0) for p in pairs) > 0
        assert any(p.support_masks()["neither"].any() for p in pairs)

    @pytest.mark.parametrize("k", [2, 3, 4, 7])
    def test_disjoint_pair(self, k):
        p, q = disjoint_pair(k)
        assert np.all(p * q == 0) and np.all(p + q > 0)
        assert p.sum() == pytest.approx(1, abs=PROB_SUM_TOL)

    def test_other_factories(self):
        p, q = uniform_vs_onehot(5, atom=2)
        np.testing.assert_allclose(p, 0.2)
        np.testing.assert_array_equal(q, [0, 0, 1, 0, 0])
        p, q = two_atoms(0.0, 1.0)
        np.testing.assert_array_equal(p, [0, 1])
        np.testing.assert_array_equal(q, [1, 0])
        assert zero_atom_pair().k == 5
        assert random_pair(3, 0).to_dict()["name"] == "random-k3"

    def test_bad_input(self):
        with pytest.raises(ValueError, match="p_data"):
            CategoricalPair([0.5, 0.4], [0.5, 0.5])
        with pytest.raises(ValueError, match="p_model"):
            CategoricalPair([0.5, 0.5], [0.2, 0.3, 0.5])
        with pytest.raises(ValueError, match="p_model"):
            CategoricalPair([0.5, 0.5], [[0.5, 0.5]])
        with pytest.raises(TypeError, match="name"):
            CategoricalPair([0.5, 0.5], [0.5, 0.5], name=3)
        with pytest.raises(ValueError, match="atom"):
            uniform_vs_onehot(3, atom=3)
        with pytest.raises(ValueError, match="a"):
            two_atoms(1.5, 0.5)
        with pytest.raises(ValueError, match="k"):
            disjoint_pair(1)


# ---------------------------------------------------------------------------- parallel lines
def _w1_by_linprog(a, b, cost):
    """Exact W₁ by the transport LP, solved by HiGHS (independent of theory.divergences)."""
    n, m = cost.shape
    rows = np.kron(np.eye(n), np.ones((1, m)))  # Σ_j π_ij = a_i
    cols = np.kron(np.ones((1, n)), np.eye(m))  # Σ_i π_ij = b_j
    res = linprog(
        cost.ravel(), A_eq=np.vstack([rows, cols]), b_eq=np.concatenate([a, b]),
        bounds=(0, None), method="highs",
        options={"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10},
    )
    assert res.status == 0
    return res.fun


class TestParallelLines:
    @pytest.mark.parametrize("theta", [0.0, 0.05, -0.3, 1.0, 2.5])
    @pytest.mark.parametrize("n_bins", [1, 5, 12])
    def test_discretized_w1_is_abs_theta(self, theta, n_bins):
        prob = discretized(theta, n_bins)
        assert prob.cost.shape == (n_bins, n_bins)
        w1 = _w1_by_linprog(prob.weights_real, prob.weights_model, prob.cost)
        assert w1 == pytest.approx(abs(theta), abs=LP_ATOL)

    def test_discretized_points(self):
        prob = discretized(0.7, 4)
        np.testing.assert_allclose(prob.points_real, [[0, 0.125], [0, 0.375], [0, 0.625], [0, 0.875]])
        np.testing.assert_allclose(prob.points_model[:, 0], 0.7)
        np.testing.assert_allclose(prob.weights_real, 0.25)
        # cost[i, j] = sqrt(θ² + (z_i - z_j)²)
        assert prob.cost[0, 3] == pytest.approx(np.hypot(0.7, 0.75), rel=FLOAT_RTOL)

    @given(theta=st.floats(-10, 10), seed=seeds())
    def test_samples(self, theta, seed):
        lines = ParallelLines(theta)
        real, model = lines.sample_real(50, seed), lines.sample_model(50, seed)
        assert real.shape == model.shape == (50, 2)
        assert np.all(real[:, 0] == 0) and np.all(model[:, 0] == theta)
        assert np.all((real[:, 1] >= 0) & (real[:, 1] <= 1))
        np.testing.assert_array_equal(real[:, 1], model[:, 1])  # same seed, same z

    def test_sample_uniform_moments(self):
        z = ParallelLines(1.0).sample_real(100_000, seed=5)[:, 1]
        # U[0, 1]: mean 1/2, variance 1/12, |z - 1/2| <= 1/2: Bernstein, false-alarm FALSE_ALARM
        assert_mean_bernstein(z.mean(), 0.5, z.size, 1 / 12, 0.5, FALSE_ALARM)
        with pytest.raises(AssertionError):  # negative control: U[0, 1.01] (mean 0.505)
            assert_mean_bernstein(z.mean() * 1.01, 0.5, z.size, 1 / 12, 0.5, FALSE_ALARM)

    def test_bad_input(self):
        with pytest.raises(ValueError, match="theta"):
            ParallelLines(np.inf)
        with pytest.raises(ValueError, match="theta"):
            discretized([0.1, 0.2], 3)
        with pytest.raises(ValueError, match="n_bins"):
            discretized(0.1, 0)
        with pytest.raises(TypeError, match="seed"):
            ParallelLines(0.1).sample_real(3, 1.5)


def test_package_namespaces_are_their_modules_all():
    import importlib

    import solvers
    for package, modules in (("solvers.problems", ("categorical", "mixtures", "parallel_lines")),
                             ("solvers.dynamics", ("stabilizers", "dirac_gan", "categorical_jacobian"))):
        pkg = importlib.import_module(package)
        names = {n for m in modules for n in importlib.import_module(f"{package}.{m}").__all__}
        assert set(pkg.__all__) == names and len(pkg.__all__) == len(names)
    # two modules exporting different objects under one name are refused (each of these has
    # its own NOT_APPLICABLE table)
    with pytest.raises(ImportError, match="NOT_APPLICABLE.*exported by two modules"):
        solvers.reexport({}, "solvers.tabular", ("stabilizers", "actor_critic"))
