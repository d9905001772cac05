"""Tests for solvers.neural.infogan, and the birthday-paradox support test on a neural GAN.

InfoGAN (Chen et al. 2016) on a 1-D mixture of K = 3 well-separated modes with a categorical
code of 3 values:

- the code picks the mode: the confusion P(mode | c) of the trained generator, computed by
  quadrature over its 1-D noise z (not by sampling), is a permutation matrix up to < 1%;
- L_I(G, Q) = E log Q(c | x) + H(c) <= I(c; x) (Lemma 5.1, eq. (5)): L_I by Gauss-Hermite
  quadrature over z with the trained Q, I(c; x) pinned by Fano's inequality from the mass where
  the codes' outputs come near each other's ranges (the chen2016 claims' bound) — and cross-checked by theory.infogan.mutual_information on the mode cells and on fine bins;
- the Monte Carlo L_I of the run against the quadrature value (median of means with the exact
  variance), so the learned L_I <= I holds up to a bounded MC error;
- a code-blind generator (the code's input weights zeroed) has I(c; x) = 0 exactly, and the
  same Q's L_I is <= 0 (negative control for the mode-assignment check too).

Birthday paradox (Arora & Zhang 2017, Section 2) on the neural GAN of solvers.neural.gan
trained briefly on the ring of 8: its samples, labeled by the nearest mode, have an exact label
distribution by quadrature over its 1-D latent; the birthday test's collision count must be
Binomial(n_batches, collision_probability(labels, s)) (theory.gan_diagnostics), and its
support estimate is reported against the true support.
"""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment
from scipy.stats import norm

from experiments.claims.chen2016 import (CELL_EDGES, CONFIG, DATA, GH_NODES, MIN_ACCURACY, N_STEPS,
                                        Z_GRID, Z_MAX, fano_correction, overlap_mass)
from experiments.claims.arora2017 import RING, RING_CONFIG, RING_STEPS, ring_label_law, ring_labels
from solvers.neural.gan import GANConfig, generator_apply as gan_generator_apply, train_gan
from solvers.neural.infogan import InfoGANConfig, code_entropy, infogan_discriminator_logit, \
    infogan_generator_apply, infogan_losses, infogan_update, init_infogan, one_hot, q_log_probs, train_infogan
from solvers.neural.optim import tree_equal
from solvers.problems.mixtures import mixture_1d
from solvers.tabular.birthday import batch_size_scan, birthday_test
from tests.stats import FALSE_ALARM, assert_binomial, assert_median_of_means
from theory.concentration import median_of_blocks_plan
from theory.gan_diagnostics import collision_probability
from theory.infogan import mutual_information

# The InfoGAN setting (mixture, mode cells, run configuration, z grid) is the chen2016 claims'
# (one home); these tests check the learner on that run.


def z_grid():
    z = np.linspace(-Z_MAX, Z_MAX, Z_GRID)
    w = norm.pdf(z) * (z[1] - z[0])
    w[[0, -1]] /= 2
    return z, w


def pushforward(g_params, config, codes=None):
    """x = G(z, c) on the z grid for every code, shape (K, Z_GRID), and the grid weights."""
    z, w = z_grid()
    k = config.n_codes
    codes = range(k) if codes is None else codes
    x = np.stack([infogan_generator_apply(g_params, z[:, None], np.full(Z_GRID, c), activation=config.activation)[:, 0]
                  for c in codes])
    return x, w


def confusion(x, w):
    """P(mode cell j | c), shape (K, 3): grid weights of the points in each cell (normalized by
    the grid's total mass, 1 - TAIL up to the trapezoid error)."""
    cell = np.digitize(x, CELL_EDGES)
    out = np.stack([np.bincount(cell[c], weights=w, minlength=3) for c in range(x.shape[0])])
    return out / out.sum(axis=1, keepdims=True)


def assignment_accuracy(conf, prior):
    """max over code -> mode bijections π of Σ_c P(c) P(π(c) | c) (Hungarian algorithm)."""
    rows, cols = linear_sum_assignment(-prior[:, None] * conf)
    return float(np.sum(prior[rows] * conf[rows, cols]))


def quadrature_info_bound(d_params, g_params, config, n_nodes=GH_NODES):
    """L_I = Σ_c P(c) E_{z~N(0,1)} log Q(c | G(z, c)) + H(c) by Gauss-Hermite, and the
    second moment of log Q(c | x) + H(c) (for the exact MC variance)."""
    t, w = np.polynomial.hermite_e.hermegauss(n_nodes)
    w = w / np.sqrt(2 * np.pi)
    prior, h_c = config.prior, code_entropy(config)
    first = second = 0.0
    for c in range(config.n_codes):
        x = infogan_generator_apply(g_params, t[:, None], np.full(n_nodes, c), activation=config.activation)
        v = q_log_probs(d_params, x, activation=config.activation)[:, c] + h_c
        first += prior[c] * (w @ v)
        second += prior[c] * (w @ v ** 2)
    return first, second


@pytest.fixture(scope="module")
def run():
    return train_infogan(DATA, CONFIG, N_STEPS, seed=0)


@pytest.fixture(scope="module")
def exact(run):
    x, w = pushforward(run.params["g"], CONFIG)
    conf = confusion(x, w)
    li, li2 = quadrature_info_bound(run.params["d"], run.params["g"], CONFIG)
    li_coarse, _ = quadrature_info_bound(run.params["d"], run.params["g"], CONFIG, GH_NODES // 2)
    return {"x": x, "w": w, "conf": conf, "li": li, "li2": li2,
            "li_err": abs(li - li_coarse)}


def test_code_picks_the_mode(exact):
    """The confusion P(mode | c) by quadrature is a permutation matrix to within 1%, and the
    generator covers every mode (marginal P(mode) = Σ_c P(c) P(mode | c) = 1/3 each, within 1%)."""
    conf = exact["conf"]
    acc = assignment_accuracy(conf, CONFIG.prior)
    assert acc >= MIN_ACCURACY, f"assignment accuracy {acc:.4f}; confusion\n{np.round(conf, 4)}"
    np.testing.assert_allclose(CONFIG.prior @ conf, np.full(3, 1 / 3), atol=1 - MIN_ACCURACY)


def test_info_bound_below_exact_mutual_information(exact):
    """L_I <= I(c; x) (Chen et al. 2016, Lemma 5.1 and eq. (5)).

    I(c; x) is pinned by Fano's inequality, as the chen2016 claims do (one home:
    experiments.claims.chen2016.overlap_mass and fano_correction): a fixed decoder of x errs with
    probability at most ε (the z steps where a code's output comes near another code's range,
    charged their exact Gaussian mass, plus the tail beyond |z| = 9), so
    H(c) - h(ε) - ε log(K - 1) <= I(c; x) <= H(c).  theory.infogan.mutual_information on bins
    refined by the decoder's breakpoints lies in the same range; on the three mode cells it gives
    a lower bound (data processing).  L_I by quadrature (Gauss-Hermite error estimated by halving
    the nodes) must not exceed the lower end; the gap is E_x KL(P(c|x) ‖ Q(c|x)) (eq. (4)).
    The outputs need not be disjoint (at some seeds a code's far tail reaches another's range)."""
    x, w = exact["x"], exact["w"]
    z, _ = z_grid()
    rows, cols = linear_sum_assignment(-CONFIG.prior[:, None] * exact["conf"])
    cell_of_code = np.empty(3, dtype=int)
    cell_of_code[rows] = cols
    eps, overlap = overlap_mass(x, z, CELL_EDGES, cell_of_code, CONFIG.prior)
    h_c = code_entropy(CONFIG)
    i_low, i_high = h_c - float(fano_correction(eps, 3)), h_c
    span = (x.min(), x.max())
    inner = overlap["breakpoints"][(overlap["breakpoints"] > span[0]) & (overlap["breakpoints"] < span[1])]
    bins = np.union1d(np.linspace(*span, 4001), inner)
    idx = np.clip(np.digitize(x, bins), 1, bins.size - 1)
    p_bins = np.stack([np.bincount(idx[c], weights=w, minlength=bins.size + 1) for c in range(3)])
    p_bins /= p_bins.sum(axis=1, keepdims=True)
    # sums of O(1) terms over <= 4000 atoms: 1e-12 covers rounding
    assert i_low - 1e-12 <= mutual_information(CONFIG.prior, p_bins) <= i_high + 1e-12
    assert mutual_information(CONFIG.prior, exact["conf"]) <= i_high + 1e-12
    assert exact["li"] <= i_low + exact["li_err"]
    # negative control: a wrong bound (H(c) counted twice) exceeds I
    assert exact["li"] + h_c > i_high


@pytest.mark.statistical
def test_monte_carlo_info_bound_matches_quadrature(run, exact):
    """The run's Monte Carlo L_I (fresh (c, z) draws, :meth:`InfoGANRun.info_lower_bound`)
    against the quadrature L_I: median of means with the exact variance E[v²] - (E v)² of
    v = log Q(c | x) + H(c) (Gauss-Hermite).  So the learned L_I <= I up to that radius.
    Negative control: the quadrature value shifted by twice the radius is rejected."""
    n = 20_000
    mc, values = run.info_lower_bound(n, seed=11)
    var = max(exact["li2"] - exact["li"] ** 2, 0.0)
    assert_median_of_means(values, exact["li"], var, atol=exact["li_err"], what="MC L_I")
    blocks, c = median_of_blocks_plan(n, FALSE_ALARM)
    radius = c * np.sqrt(var * blocks / n)
    assert mc <= code_entropy(CONFIG) + radius + exact["li_err"] + np.abs(values - exact["li"]).max()
    with pytest.raises(AssertionError):
        assert_median_of_means(values, exact["li"] + 2 * radius + exact["li_err"], var, what="MC L_I")


def test_code_blind_generator_has_zero_information(run):
    """Zeroing the generator's weights on the code inputs makes x independent of c: every row
    of the confusion is the same, I(c; x) = 0 exactly, the mode check fails, and the trained Q's
    L_I is <= 0 (Gibbs: E_c log Q(c | x) <= -H(c) for x independent of c)."""
    g = [dict(layer) for layer in run.params["g"]]
    W = np.array(g[0]["W"])
    W[CONFIG.noise_dim:] = 0.0
    g[0] = {"W": W, "b": g[0]["b"]}
    x, w = pushforward(g, CONFIG)
    np.testing.assert_array_equal(x[0], x[1])
    conf = confusion(x, w)
    assert mutual_information(CONFIG.prior, conf) == pytest.approx(0.0, abs=1e-15)
    assert assignment_accuracy(conf, CONFIG.prior) < MIN_ACCURACY
    li, _ = quadrature_info_bound(run.params["d"], g, CONFIG)
    li_coarse, _ = quadrature_info_bound(run.params["d"], g, CONFIG, GH_NODES // 2)
    assert li <= abs(li - li_coarse) + 1e-12


# ---------------------------------------------------------------------------------------------
# the building blocks
# ---------------------------------------------------------------------------------------------


def test_losses_agree_with_update_and_definitions():
    """infogan_losses at the initial parameters equals what infogan_update reports for its
    discriminator step; L_Q is the cross-entropy of the softmax head and L_D the GAN loss,
    recomputed here from q_log_probs and the discriminator logit."""
    params, states = init_infogan(CONFIG, 1, seed=3)
    rng = np.random.default_rng(0)
    x_real = DATA.sample(64, rng)
    z, c = rng.standard_normal((64, 1)), rng.integers(0, 3, 64)
    losses = infogan_losses(params, x_real, z, c, CONFIG)
    _, _, upd = infogan_update(params, states, x_real, z, c, z, c, CONFIG)
    assert upd["d"] == pytest.approx(losses["d"], rel=1e-12)
    assert upd["q_d"] == pytest.approx(losses["q"], rel=1e-12)
    x_fake = infogan_generator_apply(params["g"], z, c)
    lq = -np.mean(q_log_probs(params["d"], x_fake)[np.arange(64), c])
    f_r, f_f = infogan_discriminator_logit(params["d"], x_real), infogan_discriminator_logit(params["d"], x_fake)
    ld = np.mean(np.logaddexp(0, -f_r)) + np.mean(np.logaddexp(0, f_f))
    assert losses["q"] == pytest.approx(lq, rel=1e-12)
    assert losses["d"] == pytest.approx(ld, rel=1e-12)
    assert losses["info"] == pytest.approx(np.log(3) - lq, rel=1e-12)


@pytest.mark.parametrize("field, value", [
    ("n_codes", 1), ("code_probs", (0.5, 0.5)), ("code_probs", (0.5, 0.6, -0.1)), ("noise_dim", 0),
    ("hidden", (0,)), ("lr_g", 0.0), ("lr_d", -1.0), ("batch_size", 0), ("info_weight", -1.0),
    ("generator_loss", "wasserstein"), ("activation", "sine"),
])
def test_config_rejects_bad_fields(field, value):
    with pytest.raises(ValueError, match=field):
        InfoGANConfig(**{"n_codes": 3, field: value})


def test_bad_inputs_are_named_and_runs_are_reproducible():
    with pytest.raises(ValueError, match="`c`"):
        one_hot(np.array([0, 3]), 3)
    with pytest.raises(ValueError, match="`c`"):
        one_hot(np.array([0.5]), 3)
    params, _ = init_infogan(CONFIG, 1, seed=0)
    with pytest.raises(ValueError, match="`c`"):
        infogan_generator_apply(params["g"], np.zeros((4, 1)), np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match="`x`"):
        q_log_probs(params["d"], np.zeros((4, 2)))
    with pytest.raises(ValueError, match="n_steps"):
        train_infogan(DATA, CONFIG, -1, seed=0)
    with pytest.raises(TypeError, match="config"):
        train_infogan(DATA, GANConfig(), 1, seed=0)
    skewed = InfoGANConfig(n_codes=3, code_probs=[0.5, 0.25, 0.25], hidden=(4,), batch_size=8)
    assert code_entropy(skewed) == pytest.approx(1.5 * np.log(2), rel=1e-15)
    a = train_infogan(DATA, skewed, 5, seed=2)
    b = train_infogan(DATA, skewed, 5, seed=2)
    assert tree_equal(a.params, b.params) and np.array_equal(a.info, b.info)
    assert not tree_equal(a.params, train_infogan(DATA, skewed, 5, seed=3).params)
    out = json.loads(json.dumps(a.to_dict()))
    assert out["n_steps"] == 5 and out["config"]["code_probs"] == [0.5, 0.25, 0.25]
    x, c = a.sample(7, seed=0)
    assert x.shape == (7, 1) and c.shape == (7,) and a.discriminator(x).shape == (7,)


# ---------------------------------------------------------------------------------------------
# the birthday-paradox support test on a neural GAN (ring of 8)
# ---------------------------------------------------------------------------------------------

# The ring, the short run's configuration and the quadrature label law are the arora2017 claims'
# (one home); this test drives the birthday test itself on that run.
BATCH = 2
N_BATCHES = 4000


@pytest.fixture(scope="module")
def ring_run():
    return train_gan(RING, RING_CONFIG, RING_STEPS, seed=0)


def check_birthday(ring_run):
    """The label distribution of the trained generator by quadrature over its 1-D latent z
    (arora2017.ring_label_law: weights φ(z) h on a fine grid of |z| <= 9); only grid cells whose two ends carry
    different labels can be misassigned, and their mass ε moves each pair's collision
    probability Σp² by <= 2ε, so P(collision) by <= BATCH (BATCH - 1) ε, asserted < 1e-3 (under
    1/40 of the binomial test's acceptance half-width, ≈ 0.04 here).  With BATCH = 2 the
    collision probability is Σp² itself.  The birthday test's
    count of batches with a duplicate is Binomial(N_BATCHES, collision_probability(labels,
    BATCH)) — exact binomial test.  The support estimates are compared with the true support (the labels with
    mass > 1e-6) and with 1/Σp²."""
    probs, straddle = ring_label_law(ring_run.params)
    assert BATCH * (BATCH - 1) * straddle < 1e-3
    p_coll = float(collision_probability(probs, BATCH))

    def sampler(shape, rng):
        zz = rng.standard_normal((int(np.prod(shape)), 1))
        return ring_labels(gan_generator_apply(ring_run.params["g"], zz)).reshape(shape)

    res = birthday_test(sampler, BATCH, N_BATCHES, seed=5)
    assert_binomial(res.n_collisions, N_BATCHES, p_coll, what="batches with a duplicate")
    true_support = int(np.sum(probs > 1e-6))
    assert 1 <= true_support <= 8
    # the pair-count estimate targets 1/Σp², which lies between 1 and the true support
    assert 1.0 / np.sum(probs ** 2) <= true_support + 1e-12
    assert res.true_support is None and res.support_estimate >= 1
    # the paper's rule (smallest batch with duplicates in half the batches, squared)
    scan = batch_size_scan(sampler, np.arange(2, 9), 400, seed=6)
    assert scan.threshold_batch_size is not None
    return res, probs, scan


@pytest.mark.statistical
def test_birthday_test_on_neural_gan_matches_exact_label_distribution(ring_run):
    """:func:`check_birthday` on the 300-step run.  It is collapsed onto about two modes
    (Σp² 0.41-0.49 at seeds 0-9, 5-6 labels with mass > 1e-6; the birthday estimates are 2 and
    1/Σp² 2.0-2.5, the paper's s² rule gives 9).  Negative control: the data's own label law
    (uniform on the 8 modes, Σp² = 1/8) is rejected by the same binomial test."""
    res, probs, _ = check_birthday(ring_run)
    assert res.support_estimate < 8
    with pytest.raises(AssertionError):
        assert_binomial(res.n_collisions, N_BATCHES, float(collision_probability(np.full(8, 1 / 8), BATCH)),
                        what="batches with a duplicate")


# ---------------------------------------------------------------------------------------------
# full tier: five modes, and a longer ring-of-8 run
# ---------------------------------------------------------------------------------------------


@pytest.mark.full
def test_five_codes_pick_five_modes():
    """K = 5 codes on 5 modes at -8, -4, 0, 4, 8 (std 0.3), 2000 steps: the confusion by
    quadrature is a permutation to within 1% and the quadrature L_I is below the Fano lower end of
    I(c; x) (log 5 - h(ε) - ε log 4, ε the overlap mass of the chen2016 claims)."""
    means = np.array([-8.0, -4.0, 0.0, 4.0, 8.0])
    config = InfoGANConfig(n_codes=5, hidden=(32, 32), batch_size=128, lr_g=2e-3, lr_d=2e-3,
                           optimizer_kwargs={"b1": 0.5})
    run5 = train_infogan(mixture_1d(means, [0.3] * 5), config, 2000, seed=0)
    x, w = pushforward(run5.params["g"], config)
    cell = np.digitize(x, (means[1:] + means[:-1]) / 2)
    conf = np.stack([np.bincount(cell[c], weights=w, minlength=5) for c in range(5)])
    conf /= conf.sum(axis=1, keepdims=True)
    assert assignment_accuracy(conf, config.prior) >= MIN_ACCURACY, np.round(conf, 3)
    rows, cols = linear_sum_assignment(-config.prior[:, None] * conf)
    cell_of_code = np.empty(5, dtype=int)
    cell_of_code[rows] = cols
    eps, _ = overlap_mass(x, z_grid()[0], (means[1:] + means[:-1]) / 2, cell_of_code, config.prior)
    li, _ = quadrature_info_bound(run5.params["d"], run5.params["g"], config)
    assert li <= np.log(5) - float(fano_correction(eps, 5)) + 1e-12


@pytest.mark.full
@pytest.mark.statistical
def test_birthday_test_after_longer_ring_training():
    """:func:`check_birthday` after 3000 steps of the neural GAN on the ring of 8 (seed 0): the
    generator then spreads over all 8 modes (measured at seeds 0 and 1: 1/Σp² 7.6 and 7.4, the
    birthday estimate N̂ = 7, the pair estimate 7.1 and 7.3, the paper's s² rule 16)."""
    res, probs, scan = check_birthday(train_gan(RING, RING_CONFIG, 3000, seed=0))
    assert int(np.sum(probs > 1e-6)) == 8


# ---------------------------------------------------------------------------------------------
# the fused backend (FusedInfoGAN) against autograd
# ---------------------------------------------------------------------------------------------

#: Hand-chained and autograd gradients of the same float64 losses differ only by the order of
#: the roundings (a few ulps per operation over ~10 chained operations, batch sums of <= 12
#: terms), and SGD with lr = 1 returns θ − g exact to one ulp of |θ| <= 3: relative to the
#: gradient's largest entry far below 1e-12 (measured <= 7.4e-15 over 960 cases of _fused_gap).
FUSED_RTOL = 1e-12
#: Whole runs (10 steps): per-step rounding differences of ~1e-16 relative pass through Adam,
#: whose step divides by the gradient's own scale, so they stay relative; 1e-10 leaves orders of
#: margin and fails any change of the update (a wrong gradient moves a parameter by ~lr per step).
RUN_ATOL = 1e-10


def _fused_gap(seed, generator_loss, info_weight, hidden, n_codes):
    """Relative gaps (fused vs autograd) of one infogan_update with SGD at lr = 1, where the
    parameter change is the gradient (the generator's taken against the updated D/Q)."""
    import dataclasses

    from solvers.neural.optim import tree_leaves

    rng = np.random.default_rng(seed)
    config = InfoGANConfig(n_codes=n_codes, noise_dim=2, hidden=hidden, generator_loss=generator_loss,
                           info_weight=info_weight, optimizer="sgd", lr_g=1.0, lr_d=1.0, batch_size=6)
    params, states = init_infogan(config, 2, rng)
    args = (rng.normal(size=(6, 2)), rng.normal(size=(6, 2)), rng.integers(0, n_codes, 6),
            rng.normal(size=(6, 2)), rng.integers(0, n_codes, 6))
    out = {b: infogan_update(params, states, *args, dataclasses.replace(config, backend=b))
           for b in ("fused", "autograd")}
    fused, auto = out["fused"], out["autograd"]
    gaps = {k: abs(fused[2][k] - auto[2][k]) / abs(auto[2][k]) for k in fused[2]}
    for net in ("g", "d"):
        steps = {b: np.concatenate([np.ravel(p - q) for p, q in zip(tree_leaves(params[net]), tree_leaves(o[0][net]))])
                 for b, o in out.items()}
        gap = np.max(np.abs(steps["fused"] - steps["autograd"]))
        gaps[f"grad_{net}"] = float(gap / np.max(np.abs(steps["autograd"])))
    return gaps


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), generator_loss=st.sampled_from(["non_saturating", "minimax"]),
       info_weight=st.sampled_from([0.0, 0.5, 1.0, 2.0]), hidden=st.sampled_from([(5,), (6, 4)]),
       n_codes=st.integers(2, 4))
def test_fused_losses_and_gradients_match_autograd(seed, generator_loss, info_weight, hidden, n_codes):
    gaps = _fused_gap(seed, generator_loss, info_weight, hidden, n_codes)
    assert max(gaps.values()) <= FUSED_RTOL, gaps


@pytest.mark.parametrize("wrong", ["activation", "q_head"])
def test_a_wrong_fused_vjp_fails(monkeypatch, wrong):
    """Negative controls: tanh' taken as 1 − y instead of 1 − y² in the fused networks, or
    the log-softmax VJP without its softmax term (−e_c alone), make the gradients disagree
    with autograd (the losses of the D/Q step, taken before any update, still agree)."""
    import solvers.neural.fused as fused_module
    from solvers.neural.infogan import FusedInfoGAN

    if wrong == "activation":
        monkeypatch.setattr(fused_module, "activation_vjp",
                            lambda name, y, g, out=None: np.multiply(g, 1.0 - y, out=out))
    else:
        real = FusedInfoGAN._q_grad

        def without_softmax(self, logits, codes_1h, scale, out):
            l_q = real(self, logits, codes_1h, scale, out)
            np.multiply(codes_1h, -scale, out=out)
            return l_q

        monkeypatch.setattr(FusedInfoGAN, "_q_grad", without_softmax)
    gaps = _fused_gap(0, "non_saturating", 1.0, (5,), 3)
    assert max(gaps["d"], gaps["q_d"]) <= FUSED_RTOL
    assert min(gaps["grad_g"], gaps["grad_d"]) > 1e-3, gaps


def test_fused_and_autograd_runs_agree_and_repeat():
    """10 steps of both backends from one seed agree to rounding (parameters, optimizer
    states, loss traces); the fused run repeats exactly at the same seed."""
    import dataclasses

    from solvers.neural.optim import tree_leaves

    config = InfoGANConfig(n_codes=3, hidden=(8, 8), batch_size=16, generator_loss="minimax", info_weight=0.5)
    fused = train_infogan(DATA, config, 10, seed=4)
    auto = train_infogan(DATA, dataclasses.replace(config, backend="autograd"), 10, seed=4)
    for a, b in zip(tree_leaves([fused.params, {k: s.slots for k, s in fused.opt_states.items()}]),
                    tree_leaves([auto.params, {k: s.slots for k, s in auto.opt_states.items()}])):
        np.testing.assert_allclose(a, b, rtol=0, atol=RUN_ATOL)
    for name in ("d_loss", "g_loss", "info"):
        np.testing.assert_allclose(getattr(fused, name), getattr(auto, name), rtol=0, atol=RUN_ATOL)
    again = train_infogan(DATA, config, 10, seed=4)
    assert tree_equal(fused.params, again.params) and np.array_equal(fused.info, again.info)
    with pytest.raises(ValueError, match="backend"):
        InfoGANConfig(backend="torch")
