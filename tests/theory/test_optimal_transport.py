"""The three exact routes of theory.optimal_transport.wasserstein_discrete, cross-checked.

Independent references: enumeration of all permutations (Birkhoff-von Neumann) for uniform
measures, the 1-D quantile formula (scipy's ``wasserstein_distance``) for costs |x - y| on
the line, and the routes against each other: the assignment route (scipy's
``linear_sum_assignment`` plus shortest-path potentials), HiGHS' LP and POT's network
simplex (tests skip when POT is absent).  Potentials are checked for what makes them
optimal: dual feasibility f_i + g_j <= C_ij, complementary slackness on the plan's
support, and a · f + b · g = value.
"""

import itertools
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import wasserstein_distance

from theory.optimal_transport import OTResult, wasserstein_discrete

#: Unit roundoff of float64.
U = 2.0**-53
#: HiGHS routes (LP) and POT: feasibility tolerances 1e-10 on costs rescaled to ~2**13
#: (theory.optimal_transport._lp_route), so values and dual constraints hold to ~1e-9
#: absolute on the O(1)-O(100) costs drawn here.
LP_ATOL = 1e-9


def _exact_atol(C, n):
    """Assignment route: value = mean of n costs, potentials from sums of <= 2n costs and
    two c-transforms; each step rounds, so a few times n u max|C| (no solver tolerance)."""
    return 8 * n * U * max(1.0, float(np.abs(C).max()))


def _has_pot():
    try:
        import ot  # noqa: F401
    except ImportError:
        return False
    return True


HAS_POT = _has_pot()
#: Each example solves up to three LPs (~10-30 ms): fewer examples than the profile's default.
LP_EXAMPLES = settings(max_examples=25)
ROUTES = ["assignment", "lp"] + (["network_simplex"] if HAS_POT else [])


def check_optimality(res, a, b, C, atol):
    """Primal feasibility, dual feasibility, complementary slackness, strong duality."""
    assert isinstance(res, OTResult)
    np.testing.assert_allclose(res.plan.sum(1), a, atol=atol)
    np.testing.assert_allclose(res.plan.sum(0), b, atol=atol)
    assert np.all(res.plan >= 0)
    reduced = C - res.f[:, None] - res.g[None, :]
    assert reduced.min() >= -atol  # dual feasibility
    support = res.plan > atol
    assert np.all(np.abs(reduced[support]) <= atol)  # complementary slackness
    assert res.value == pytest.approx(float(np.sum(C * res.plan)), abs=atol)
    assert res.value == pytest.approx(float(a @ res.f + b @ res.g), abs=atol)
    assert abs(res.duality_gap) <= atol


def brute_force_uniform(C):
    """min over permutations of mean C[i, σ(i)] (Birkhoff-von Neumann: optimal for OT between
    uniform measures of equal size)."""
    n = C.shape[0]
    perms = np.array(list(itertools.permutations(range(n))))
    return float(C[np.arange(n), perms].mean(axis=1).min())


def euclidean(rng, n, m, d=2):
    x, y = rng.random((n, d)), rng.random((m, d))
    return np.sqrt(((x[:, None, :] - y[None, :, :]) ** 2).sum(-1))


# ----------------------------------------------------------------------------- uniform
class TestUniform:
    @LP_EXAMPLES
    @given(st.integers(1, 6), st.integers(0, 2**32 - 1), st.sampled_from(["real", "ties"]))
    def test_every_route_equals_best_permutation(self, n, seed, kind):
        rng = np.random.default_rng(seed)
        # "ties": small integer costs, many optimal permutations and degenerate duals
        C = rng.random((n, n)) * 100 if kind == "real" else rng.integers(0, 3, (n, n)) * 1.0
        a = np.full(n, 1.0 / n)
        brute = brute_force_uniform(C)
        for route in ROUTES:
            res = wasserstein_discrete(a, a, C, method=route)
            assert res.method == route
            atol = _exact_atol(C, n) if route == "assignment" else LP_ATOL
            assert res.value == pytest.approx(brute, abs=atol), route
            check_optimality(res, a, a, C, atol)

    def test_auto_takes_the_assignment_route(self):
        a = np.full(3, 1.0 / 3.0)
        C = np.arange(9.0).reshape(3, 3) % 4
        assert wasserstein_discrete(a, a, C).method == "assignment"

    @pytest.mark.parametrize("seed", [0, 1])
    @pytest.mark.parametrize("kind", ["euclidean", "squared", "integer"])
    def test_large_assignment_against_lp(self, seed, kind):
        # n = 60: 3600 arcs, one dense LP.  The potentials of the assignment route come from
        # shortest paths (not an LP), so dual feasibility and CS are the real test here.
        rng = np.random.default_rng(seed)
        n = 60
        C = euclidean(rng, n, n)
        if kind == "squared":
            C = C**2
        elif kind == "integer":
            C = rng.integers(0, 5, (n, n)).astype(float)
        a = np.full(n, 1.0 / n)
        res = wasserstein_discrete(a, a, C, method="assignment")
        lp = wasserstein_discrete(a, a, C, method="lp")
        assert res.value == pytest.approx(lp.value, abs=LP_ATOL)
        check_optimality(res, a, a, C, _exact_atol(C, n))
        assert np.count_nonzero(res.plan) == n  # a permutation matrix (times 1/n)
        np.testing.assert_array_equal(np.count_nonzero(res.plan, axis=0), 1)

    @pytest.mark.skipif(not HAS_POT, reason="POT not installed")
    def test_n300_against_pot(self):
        import ot

        rng = np.random.default_rng(3)
        n = 300
        C = euclidean(rng, n, n)
        a = np.full(n, 1.0 / n)
        res = wasserstein_discrete(a, a, C)
        assert res.method == "assignment"
        assert res.value == pytest.approx(float(ot.emd2(a, a, C)), abs=LP_ATOL)
        check_optimality(res, a, a, C, _exact_atol(C, n))


# ----------------------------------------------------------------------------- general measures
@st.composite
def measures_and_cost(draw):
    seed = draw(st.integers(0, 2**32 - 1))
    n, m = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    rng = np.random.default_rng(seed)
    a, b = rng.random(n), rng.random(m)
    if draw(st.booleans()):  # zero-mass atoms
        a[rng.random(n) < 0.3] = 0.0
        b[rng.random(m) < 0.3] = 0.0
    if a.sum() == 0:
        a[0] = 1.0
    if b.sum() == 0:
        b[-1] = 1.0
    return a / a.sum(), b / b.sum(), rng.random((n, m)) * draw(st.sampled_from([1.0, 100.0]))


class TestGeneral:
    @LP_EXAMPLES
    @given(measures_and_cost())
    def test_lp_and_network_simplex_agree_and_are_optimal(self, abC):
        a, b, C = abC
        lp = wasserstein_discrete(a, b, C, method="lp")
        assert lp.method == "lp"
        check_optimality(lp, a, b, C, LP_ATOL)
        if HAS_POT:
            ns = wasserstein_discrete(a, b, C, method="network_simplex")
            assert ns.method == "network_simplex"
            assert ns.value == pytest.approx(lp.value, abs=LP_ATOL)
            check_optimality(ns, a, b, C, LP_ATOL)

    @LP_EXAMPLES
    @given(st.integers(1, 10), st.integers(1, 10), st.integers(0, 2**32 - 1))
    def test_every_route_on_the_line(self, n, m, seed):
        rng = np.random.default_rng(seed)
        u, v = rng.normal(size=n), rng.normal(0.5, 2.0, size=m)
        uw, vw = rng.random(n) + 0.01, rng.random(m) + 0.01
        a, b = uw / uw.sum(), vw / vw.sum()
        C = np.abs(u[:, None] - v[None, :])
        expected = wasserstein_distance(u, v, uw, vw)
        for route in [r for r in ROUTES if r != "assignment"]:
            res = wasserstein_discrete(a, b, C, method=route)
            assert res.value == pytest.approx(expected, abs=LP_ATOL)

    def test_auto_route_for_general_measures(self):
        # Up to 4096 arcs: the dense LP, POT or not.
        a, b = np.array([0.25, 0.75]), np.array([0.5, 0.5])
        res = wasserstein_discrete(a, b, [[0.0, 1.0], [1.0, 0.0]])
        assert res.method == "lp"
        assert res.value == pytest.approx(0.25, abs=LP_ATOL)
        # Beyond: POT's network simplex when installed.
        rng = np.random.default_rng(2)
        a, b = rng.dirichlet(np.ones(70)), rng.dirichlet(np.ones(60))
        res = wasserstein_discrete(a, b, euclidean(rng, 70, 60))
        assert res.method == ("network_simplex" if HAS_POT else "lp")

    @pytest.mark.skipif(not HAS_POT, reason="POT not installed")
    def test_arc_generation_lp_against_network_simplex(self):
        rng = np.random.default_rng(9)
        n, m = 80, 70  # 5600 arcs > 4096: the LP route uses arc generation
        a, b = rng.dirichlet(np.ones(n)), rng.dirichlet(np.ones(m))
        C = euclidean(rng, n, m)
        lp = wasserstein_discrete(a, b, C, method="lp")
        ns = wasserstein_discrete(a, b, C, method="network_simplex")
        assert lp.value == pytest.approx(ns.value, abs=LP_ATOL)
        check_optimality(lp, a, b, C, LP_ATOL)
        check_optimality(ns, a, b, C, LP_ATOL)

    def test_kantorovich_rubinstein_critic_every_route(self):
        # Same support, metric cost: f is 1-Lipschitz, g = -f, W1 = a·f - b·f, on each route
        # (the c-transforms make this route-independent).
        rng = np.random.default_rng(4)
        n = 6
        x = rng.normal(size=(n, 2))
        C = np.sqrt(((x[:, None] - x[None]) ** 2).sum(-1))
        for a, b in [(np.full(n, 1 / n), np.full(n, 1 / n)),
                     (rng.dirichlet(np.ones(n)), rng.dirichlet(np.ones(n)))]:
            for route in ROUTES:
                if route == "assignment" and not np.all(a == a[0]):
                    continue
                res = wasserstein_discrete(a, b, C, method=route)
                assert np.all(np.abs(res.f[:, None] - res.f[None, :]) <= C + LP_ATOL)
                np.testing.assert_allclose(res.g, -res.f, atol=LP_ATOL)
                assert res.value == pytest.approx(float(a @ res.f - b @ res.f), abs=LP_ATOL)


# ----------------------------------------------------------------------------- errors, extras
class TestErrorsAndExtras:
    @pytest.mark.parametrize("method", ["simplex", "", None, 3])
    def test_unknown_method(self, method):
        with pytest.raises(ValueError, match="`method`"):
            wasserstein_discrete([1.0], [1.0], [[0.0]], method=method)

    def test_assignment_needs_uniform_equal_sizes(self):
        with pytest.raises(ValueError, match="equal length"):
            wasserstein_discrete([0.5, 0.5], [1.0], [[0.0], [1.0]], method="assignment")
        with pytest.raises(ValueError, match="uniform"):
            wasserstein_discrete([0.25, 0.75], [0.5, 0.5], np.eye(2), method="assignment")

    def test_to_dict_names_the_route(self):
        res = wasserstein_discrete([0.5, 0.5], [0.5, 0.5], [[0.0, 1.0], [1.0, 0.0]])
        d = res.to_dict()
        assert d["method"] == "assignment" and d["value"] == 0.0
        assert d["plan"] == [[0.5, 0.0], [0.0, 0.5]]

    def test_without_pot(self, monkeypatch):
        # `import ot` fails (as when POT is not installed): auto falls back to the LP beyond
        # 4096 arcs too, and asking for the network simplex names the missing extra.
        monkeypatch.setitem(sys.modules, "ot", None)
        rng = np.random.default_rng(6)
        a, b = rng.dirichlet(np.ones(70)), rng.dirichlet(np.ones(60))
        C = rng.random((70, 60))
        res = wasserstein_discrete(a, b, C)
        assert res.method == "lp"
        check_optimality(res, a, b, C, LP_ATOL)
        with pytest.raises(ImportError, match=r"ganac\[ot\]"):
            wasserstein_discrete(a, b, C, method="network_simplex")
