"""Tests for solvers.tabular.cyclegan (Zhu et al. 2017 on finite domains).

References: itertools enumerations (all maps, all permutations), scipy's Jensen-Shannon
distance for the adversarial losses, hand-counted optimal sets for small cases, and the closed
form count theory.gan_diagnostics.cyclegan_bijection_count (Π over probability levels of m!).
"""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import jensenshannon

from solvers.tabular.cyclegan import (
    adversarial_losses,
    all_maps,
    cycle_losses,
    enumerate_cyclegan_optima,
    push_forward,
)
from theory.gan_diagnostics import cyclegan_bijection_count

LOG4 = math.log(4.0)


class TestPrimitives:
    @pytest.mark.parametrize("a,b", [(1, 1), (2, 3), (3, 2), (4, 4)])
    def test_all_maps_is_itertools_product(self, a, b):
        assert all_maps(a, b).tolist() == [list(t) for t in itertools.product(range(b), repeat=a)]

    def test_push_forward_and_adversarial_loss(self):
        rng = np.random.default_rng(0)
        p = rng.dirichlet(np.ones(3))
        q = rng.dirichlet(np.ones(4))
        maps = all_maps(3, 4)
        push = push_forward(maps, p, 4)
        for m, row in zip(maps, push):
            ref = np.zeros(4)
            for x, y in enumerate(m):
                ref[y] += p[x]
            assert np.allclose(row, ref, rtol=0, atol=1e-16)
        # -log 4 + 2 JSD; scipy's JS distance squared is the JSD in nats (float rounding of a
        # square root near 0: absolute 1e-12)
        with np.errstate(invalid="ignore"):
            js = np.nan_to_num(jensenshannon(push, np.broadcast_to(q, push.shape), axis=1) ** 2)
        assert np.allclose(adversarial_losses(maps, p, q), -LOG4 + 2 * js, rtol=0, atol=1e-12)

    def test_cycle_loss_by_hand(self):
        p_x, p_y = np.array([0.5, 0.3, 0.2]), np.array([0.2, 0.3, 0.5])
        G = np.array([[2, 1, 0]])            # the level-preserving bijection
        F_inv = np.array([[2, 1, 0]])        # its inverse
        F_bad = np.array([[0, 1, 2]])
        assert cycle_losses(G, F_inv, p_x, p_y) == pytest.approx([0.0])
        # F(G(x)) = (2, 1, 0): |2-0| p0 + 0 + |0-2| p2 = 1.4 on X; the same 1.4 on Y
        assert cycle_losses(G, F_bad, p_x, p_y) == pytest.approx([2 * 0.5 + 2 * 0.2 + 2 * 0.2 + 2 * 0.5])
        with pytest.raises(ValueError, match="F"):
            cycle_losses(G, np.array([[0, 1]]), p_x, p_y)


class TestEnumeration:
    @given(st.lists(st.integers(1, 3), min_size=1, max_size=5), st.integers(0, 2**32 - 1))
    @settings(max_examples=25, deadline=None)
    def test_counts_match_closed_form_full_support(self, levels, seed):
        w = np.array(levels, dtype=float)
        p_x = w / w.sum()
        p_y = p_x[np.random.default_rng(seed).permutation(p_x.size)]
        res = enumerate_cyclegan_optima(p_x, p_y)
        count = cyclegan_bijection_count(p_x, p_y)
        # full support on K points each: an optimal G must be onto supp p_Y, so a bijection
        assert res.n_optimal_g == res.n_optimal_g_bijections == count
        assert res.min_adversarial_g == pytest.approx(-LOG4, abs=1e-12)
        # the cycle-consistent pairs are exactly (G, G^-1)
        assert res.n_cycle_pairs == count and res.full_objective_minimizers
        for gi, fi in res.cycle_pairs:
            G, F = res.optimal_g[gi], res.optimal_f[fi]
            assert np.array_equal(F[G], np.arange(p_x.size))
            assert np.array_equal(G[F], np.arange(p_x.size))

    @pytest.mark.parametrize("K", [2, 3, 4, 5])
    def test_uniform_gives_all_permutations(self, K):
        u = np.full(K, 1.0 / K)
        res = enumerate_cyclegan_optima(u, u)
        assert res.n_maps_g == K**K
        assert res.n_optimal_g == res.n_cycle_pairs == math.factorial(K)
        assert sorted(map(tuple, res.optimal_g.tolist())) == list(itertools.permutations(range(K)))

    def test_distinct_levels_give_one_pair(self):
        res = enumerate_cyclegan_optima([0.1, 0.2, 0.3, 0.4], [0.4, 0.3, 0.2, 0.1])
        assert res.n_cycle_pairs == 1
        assert res.optimal_g.tolist() == [[3, 2, 1, 0]]

    def test_zero_atoms(self):
        # p_X = (1/2, 1/2, 0), p_Y = (1/2, 0, 1/2): G sends {x0, x1} onto {y0, y2} (2 ways) and
        # the massless x2 anywhere (3 ways): 6 optimal maps, 2 of them bijections; F likewise 6;
        # zero cycle loss needs F = G^-1 on the supports only: 2 x 3 x 3 = 18 pairs
        res = enumerate_cyclegan_optima([0.5, 0.5, 0.0], [0.5, 0.0, 0.5])
        assert (res.n_optimal_g, res.n_optimal_g_bijections, res.n_cycle_pairs) == (6, 2, 18)
        assert cyclegan_bijection_count([0.5, 0.5, 0.0], [0.5, 0.0, 0.5]) == 2

    def test_merging_maps_and_unreachable_target(self):
        # p_X = (1/4, 1/4, 1/2) onto p_Y = (1/2, 1/2, 0): G merges x0, x1 (2 optimal maps, no
        # bijection); no F: Y -> X can push (1/2, 1/2, 0) onto p_X, so no cycle-consistent
        # optimal pair exists and the minimizers of eq. (3) depend on lambda (not listed)
        res = enumerate_cyclegan_optima([0.25, 0.25, 0.5], [0.5, 0.5, 0.0])
        assert res.n_optimal_g == 2 and res.n_optimal_g_bijections == 0
        assert res.min_adversarial_f > -LOG4 + 1e-3
        assert res.n_cycle_pairs == 0 and not res.full_objective_minimizers

    def test_points_embedding_does_not_change_the_sets(self):
        p = np.array([0.25, 0.25, 0.5])
        a = enumerate_cyclegan_optima(p, p)
        b = enumerate_cyclegan_optima(p, p, x_points=[[0, 0], [3, 1], [-2, 5]], y_points=[1.0, 7.0, -3.0])
        assert np.array_equal(a.cycle_pairs, b.cycle_pairs)
        assert a.to_dict()["n_maps_g"] == 27

    def test_errors(self):
        with pytest.raises(ValueError, match="p_x"):
            enumerate_cyclegan_optima([0.5, 0.6], [0.5, 0.5])
        with pytest.raises(ValueError, match="x_points"):
            enumerate_cyclegan_optima([0.5, 0.5], [0.5, 0.5], x_points=[0.0, 1.0, 2.0])
        with pytest.raises(ValueError, match="max_maps"):
            enumerate_cyclegan_optima(np.full(8, 1 / 8), np.full(8, 1 / 8), max_maps=1000)
