"""Neural GAN stabilizers: defaults reproduce solvers.neural.gan exactly, each option changes
the update as documented, and the pieces (batch normalization, minibatch features, smoothed
losses) match their definitions."""

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst
from autograd import grad
from autograd.test_util import check_grads

from solvers.neural.gan import GANConfig, discriminator_loss, train_gan
from solvers.neural.mlp import init_mlp
from solvers.neural.gan import gan_streams
from solvers.neural.optim import tree_flatten, tree_leaves
from solvers.neural.stabilizers import (
    NOT_APPLICABLE,
    NeuralStabilizers,
    batch_normalize,
    minibatch_features,
    network_output,
    stabilized_discriminator_loss,
    train_stabilized_neural_gan,
)
from solvers.problems.mixtures import mixture_1d

DATA = mixture_1d([-2.0, 2.0], [0.5, 0.5])
CONFIG = GANConfig(hidden=(8, 8), batch_size=32, lr_g=1e-3, lr_d=1e-3)
#: The same update computed by two code paths (stacked vs separate forward passes) differs by
#: rounding; over 30 Adam steps the parameters stay within 1e-12.
SAME_RULE_ATOL = 1e-12
#: Two float64 evaluations of the same O(1) loss / feature / normalization: a few ulp.
ROUNDING_TOL = 1e-14
#: Batch-normalized variance is 1 only up to the ε added inside the square root.
BN_VARIANCE_RTOL = 1e-4
#: An option that acts moves the 30-step samples by more than this; identical paths differ by 0.
EFFECT_MIN = 1e-8
#: A penalty of 1e3 with SGD lr 1e-4 over 30 steps keeps the generator this close to its start.
HIST_PULL_ATOL = 1e-3
#: Learned vs closed-form smoothed D*: function approximation + SGD noise at a constant step
#: (the unsmoothed analogue reaches 0.014-0.057, experiments/claims/goodfellow2014_neural.py).
D_APPROX_ATOL = 0.075


def _run(st=None, n=30, config=CONFIG, seed=3):
    return train_stabilized_neural_gan(DATA, config, n, seed, stabilizers=st, n_eval_samples=200)


def _params_close(a, b, atol):
    return all(np.allclose(x, y, rtol=0, atol=atol) for x, y in zip(tree_leaves(a), tree_leaves(b)))


@pytest.mark.parametrize("scheme, k", [("alternating", 1), ("simultaneous", 2)])
def test_defaults_reproduce_the_plain_neural_gan(scheme, k):
    config = GANConfig(hidden=(8, 8), batch_size=32, scheme=scheme, n_disc_steps=k)
    plain = train_gan(DATA, config, 30, 3, snapshot_steps=[30], n_eval_samples=200)
    ours = _run(config=config)
    np.testing.assert_allclose(ours.samples, plain.snapshots[-1].samples, atol=SAME_RULE_ATOL)
    np.testing.assert_allclose(ours.d_loss, plain.d_loss, atol=SAME_RULE_ATOL)
    assert _params_close(ours.params["d"]["layers"], plain.params["d"], SAME_RULE_ATOL)


def test_unsmoothed_loss_is_the_plain_discriminator_loss():
    rng = np.random.default_rng(0)
    d = {"layers": init_mlp((1, 8, 1), rng)}
    xr, xf = rng.normal(size=(16, 1)), rng.normal(size=(16, 1)) + 1
    ours = stabilized_discriminator_loss(d, xr, xf, activation="tanh", stabilizers=NeuralStabilizers())
    assert ours == pytest.approx(float(discriminator_loss(d["layers"], xr, xf)), abs=ROUNDING_TOL)
    # smoothed: a softplus(-f) + (1 - a) softplus(f) on reals, b / (1 - b) on fakes
    a, b = 0.9, 0.2
    fr = network_output(d, xr, activation="tanh")[:, 0]
    ff = network_output(d, xf, activation="tanh")[:, 0]
    sp = lambda x: np.logaddexp(0, x)  # noqa: E731
    direct = np.mean(a * sp(-fr) + (1 - a) * sp(fr)) + np.mean(b * sp(-ff) + (1 - b) * sp(ff))
    smoothed = stabilized_discriminator_loss(d, xr, xf, activation="tanh",
                                             stabilizers=NeuralStabilizers(real_label=a, fake_label=b))
    assert smoothed == pytest.approx(direct, abs=ROUNDING_TOL)


def test_batch_normalization_standardizes_each_column():
    z = np.random.default_rng(1).normal(3.0, 2.0, size=(64, 5))
    out = batch_normalize(z, np.ones(5), np.zeros(5))
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=ROUNDING_TOL)
    # variance 1 up to the ε added inside the square root
    np.testing.assert_allclose(out.var(axis=0), 1.0, rtol=BN_VARIANCE_RTOL)
    np.testing.assert_allclose(batch_normalize(z, 2 * np.ones(5), np.ones(5)), 2 * out + 1, atol=ROUNDING_TOL)


def test_batch_normalization_gradients():
    rng = np.random.default_rng(2)
    np.random.seed(0)  # check_grads draws its directions from numpy's global generator
    z, g, s = rng.normal(size=(6, 3)), rng.normal(size=3), rng.normal(size=3)
    check_grads(lambda zz: batch_normalize(zz, g, s), modes=["rev"], order=1)(z)
    check_grads(lambda gg: batch_normalize(z, gg, s), modes=["rev"], order=1)(g)


def test_minibatch_features_by_hand():
    # T = identity on 2 features, B = 2 kernels of dimension 1: M_i = h_i
    T = np.eye(2)
    h = np.array([[0.0, 0.0], [0.0, 0.0], [5.0, -5.0]])
    o = minibatch_features(h, T, 2, 1)
    # the two equal rows see themselves and each other (1 + 1) plus e^{-5} from the third
    np.testing.assert_allclose(o[0], [2 + np.exp(-5.0)] * 2, rtol=ROUNDING_TOL)
    np.testing.assert_allclose(o[2], [1 + 2 * np.exp(-5.0)] * 2, rtol=ROUNDING_TOL)


def test_minibatch_features_are_differentiable():
    rng = np.random.default_rng(3)
    np.random.seed(1)
    h, T = rng.normal(size=(5, 3)), rng.normal(size=(3, 4))
    check_grads(lambda tt: minibatch_features(h, tt, 2, 2), modes=["rev"], order=1)(T)
    assert grad(lambda tt: np.sum(minibatch_features(h, tt, 2, 2)))(T).shape == T.shape


@pytest.mark.parametrize("st", [NeuralStabilizers(minibatch=True), NeuralStabilizers(batchnorm=True),
                                NeuralStabilizers(real_label=0.9, fake_label=0.1), NeuralStabilizers(hist_avg=0.1),
                                NeuralStabilizers(replay_weight=0.5), NeuralStabilizers(target_tau=0.1)])
def test_each_option_changes_the_run(st):
    plain, other = _run(), _run(st)
    assert np.abs(plain.samples - other.samples).max() > EFFECT_MIN
    assert np.all(np.isfinite(other.samples))


@pytest.mark.parametrize("scheme, k", [("alternating", 1), ("simultaneous", 2)])
def test_target_with_tau_one_equals_no_target(scheme, k):
    config = GANConfig(hidden=(8, 8), batch_size=32, scheme=scheme, n_disc_steps=k)
    np.testing.assert_array_equal(_run(NeuralStabilizers(target_tau=1.0), config=config).samples,
                                  _run(config=config).samples)


def test_replay_weight_zero_equals_no_replay():
    np.testing.assert_array_equal(_run(NeuralStabilizers(replay_weight=0.0, replay_capacity=10)).samples,
                                  _run().samples)


def test_freezing_the_discriminator():
    frozen = _run(NeuralStabilizers(d_every=10**6))
    start = _run(n=0)
    assert frozen.d_updates == 0
    assert _params_close(frozen.params["d"], start.params["d"], 0.0)
    floor = _run(NeuralStabilizers(d_loss_floor=100.0))
    assert floor.d_updates == 0 and floor.g_updates == 30


def test_strong_historical_averaging_anchors_the_parameters():
    config = GANConfig(hidden=(8, 8), batch_size=32, optimizer="sgd", lr_g=1e-4, lr_d=1e-4)
    strong = _run(NeuralStabilizers(hist_avg=1e3), config=config)
    start = _run(n=0, config=config)
    assert _params_close(strong.params["g"], start.params["g"], HIST_PULL_ATOL)


def test_not_applicable_strategies_are_named_with_reasons():
    assert set(NOT_APPLICABLE) == {"entropy_regularization", "compatible_features"}


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(real_label=2.0), ValueError, "real_label"),
    (dict(batchnorm="yes"), TypeError, "batchnorm"),
    (dict(replay_weight=1.0), ValueError, "replay_weight"),
    (dict(minibatch_kernels=0), ValueError, "minibatch_kernels"),
    (dict(target_tau=1.5), ValueError, "target_tau"),
])
def test_option_validation(kwargs, error, match):
    with pytest.raises(error, match=match):
        NeuralStabilizers(**kwargs)


def test_solver_validation():
    with pytest.raises(TypeError, match="stabilizers"):
        train_stabilized_neural_gan(DATA, CONFIG, 1, 0, stabilizers={"batchnorm": True})
    with pytest.raises(TypeError, match="config"):
        train_stabilized_neural_gan(DATA, {"hidden": (8,)}, 1, 0)


@pytest.mark.full
def test_smoothed_neural_discriminator_approaches_the_closed_form():
    """A 2x32 discriminator trained on the smoothed loss between N(0, 1) (real) and
    N(1, 1.5²) (fake) learns D* = (a p + b q)/(p + q) up to function approximation and the
    noise of stochastic gradients (the unsmoothed analogue reaches 0.014-0.057, see
    experiments/claims/goodfellow2014_neural.py)."""
    from scipy.stats import norm

    from experiments.claims.pfau2016_table1 import discriminator_probability, train_smoothed_discriminator
    from theory.gan import smoothed_optimal_discriminator

    a, b = 0.9, 0.1
    x = np.linspace(-2.0, 3.0, 51)
    learned = discriminator_probability(train_smoothed_discriminator(np.random.default_rng(0), a, b), x)
    closed = smoothed_optimal_discriminator(norm.pdf(x, 0, 1), norm.pdf(x, 1, 1.5), a, b)
    # function approximation + SGD noise at a constant step, as for the unsmoothed D* (0.075)
    np.testing.assert_allclose(learned, closed, atol=D_APPROX_ATOL)


# ---------------------------------------------------------------------------------------------
# the fused route against autograd
# ---------------------------------------------------------------------------------------------

#: Fused vs autograd loss and gradients, float64: the same sums in another order (stacked vs
#: separate forward passes, hand vs traced chain rule) over <= 64 rows and <= 8 + 8·8 + 8 terms
#: per entry; a few hundred ulp of the largest entry bound that (2e-16 · 500 = 1e-13).
FUSED_RTOL = 1e-12
#: 30-step runs of both routes from one seed: per-step gradient rounding (FUSED_RTOL) carried
#: by Adam steps of lr 1e-3 stays far below this (measured ~3e-16 relative after 200 steps).
FUSED_RUN_ATOL = 1e-10
#: Every option the fused route covers, so one run exercises each of them.
ALL_FUSED_OPTIONS = NeuralStabilizers(real_label=0.9, fake_label=0.1, hist_avg=0.1, target_tau=0.5,
                                      replay_weight=0.25, replay_capacity=48, g_every=2, d_loss_floor=1.3)


def _fused_gaps(seed, a, b, kind, batchnorm=False, minibatch=False):
    """Relative max gaps between the fused and the autograd losses/gradients at random
    networks and batches (labels a, b; generator loss ``kind``; the options' extra layers)."""
    from autograd import value_and_grad

    from solvers.neural.stabilizers import FusedStabilizedGAN, init_stabilized_gan, stabilized_generator_loss

    rng = np.random.default_rng(seed)
    config = GANConfig(hidden=(8, 8), batch_size=32, generator_loss=kind)
    st = NeuralStabilizers(real_label=a, fake_label=b, batchnorm=batchnorm, minibatch=minibatch)
    nets = init_stabilized_gan(config, 1, st, gan_streams(seed))
    if batchnorm:  # away from the initial gain 1, shift 0, so that both enter the check
        for key in ("g", "d"):
            nets[key]["bn"] = [{"gain": rng.uniform(0.5, 1.5, 8), "shift": rng.normal(0, 0.3, 8)} for _ in range(2)]
    x_r, x_f, z = rng.normal(0, 2, (32, 1)), rng.normal(1, 1, (24, 1)), rng.normal(size=(40, 1))
    engine = FusedStabilizedGAN(config, 1, st)
    g_net, d_net = engine.import_nets(nets)
    d_loss, d_grad = engine.d_loss_grad(d_net, x_r, x_f)
    d_grad = np.copy(tree_flatten(d_grad)[0])
    g_loss, g_grad = engine.g_loss_grad(g_net, d_net, z)
    g_grad = tree_flatten(g_grad)[0]
    a_d_loss, a_d = value_and_grad(lambda d: stabilized_discriminator_loss(
        d, x_r, x_f, activation="tanh", stabilizers=st))(nets["d"])
    a_g_loss, a_g = value_and_grad(lambda g: stabilized_generator_loss(
        g, nets["d"], z, activation="tanh", kind=kind, stabilizers=st))(nets["g"])

    def rel(x, y):
        x, y = np.ravel(x), np.ravel(y)
        return float(np.max(np.abs(x - y)) / max(np.max(np.abs(y)), 1e-300))

    return {"d_loss": rel(d_loss, a_d_loss), "g_loss": rel(g_loss, a_g_loss),
            "d_grad": rel(d_grad, tree_flatten(a_d)[0]), "g_grad": rel(g_grad, tree_flatten(a_g)[0])}


@settings(max_examples=15, deadline=None)
@given(seed=hst.integers(0, 2**32 - 1), a=hst.floats(0.5, 1.0), b=hst.floats(0.0, 0.5),
       kind=hst.sampled_from(["non_saturating", "minimax"]))
def test_fused_losses_and_gradients_match_autograd(seed, a, b, kind):
    gaps = _fused_gaps(seed, a, b, kind)
    assert max(gaps.values()) <= FUSED_RTOL, gaps


@settings(max_examples=8, deadline=None)
@given(seed=hst.integers(0, 2**32 - 1), batchnorm=hst.booleans(), kind=hst.sampled_from(["non_saturating", "minimax"]))
def test_fused_batchnorm_and_minibatch_gradients_match_autograd(seed, batchnorm, kind):
    """The dict route (batch normalization and/or minibatch features): the same check."""
    gaps = _fused_gaps(seed, 0.9, 0.1, kind, batchnorm=batchnorm, minibatch=True)
    assert max(gaps.values()) <= FUSED_RTOL, gaps
    if batchnorm:
        gaps = _fused_gaps(seed, 0.9, 0.1, kind, batchnorm=True)
        assert max(gaps.values()) <= FUSED_RTOL, gaps


@pytest.mark.parametrize("wrong", ["loss", "activation", "batchnorm", "minibatch"])
def test_a_wrong_fused_vjp_fails(monkeypatch, wrong):
    """Negative controls: the comparison above fails for a wrong derivative of the smoothed
    loss (σ(−f) − t instead of σ(f) − t), a wrong activation VJP (tanh' taken as 1 − y
    instead of 1 − y²), a batch-normalization VJP without the variance's term ẑ mean(ĝ ẑ) and
    minibatch features whose VJP drops the |·|'s sign (∂|u|/∂u taken as 1); the loss values
    stay right."""
    import solvers.neural.fused as fused_module
    import solvers.neural.stabilizers as module

    options = {}
    if wrong == "loss":
        real = module.expit
        monkeypatch.setattr(module, "expit", lambda x: real(-x))
    elif wrong == "activation":
        monkeypatch.setattr(fused_module, "activation_vjp",
                            lambda name, y, g, out=None: np.multiply(g, 1.0 - y, out=out))
    elif wrong == "batchnorm":
        options = {"batchnorm": True}
        real_backward = module.FusedStabilizedGAN.backward

        def without_variance_term(self, net, tape, g_out, **kw):  # ẑ taken as 0 in the VJP only
            hidden, mb, h = tape
            hidden = [(h_in, np.zeros_like(z_hat), inv, o) for h_in, z_hat, inv, o in hidden]
            return real_backward(self, net, (hidden, mb, h), g_out, **kw)

        monkeypatch.setattr(module.FusedStabilizedGAN, "backward", without_variance_term)
    else:
        options = {"minibatch": True}
        real_backward = module.FusedStabilizedGAN.backward

        def unsigned(self, net, tape, g_out, **kw):  # |M_k − M_j| in place of M_k − M_j in the VJP
            hidden, mb, h = tape
            mb = mb if mb is None else (mb[0], np.abs(mb[1]), mb[2])
            return real_backward(self, net, (hidden, mb, h), g_out, **kw)

        monkeypatch.setattr(module.FusedStabilizedGAN, "backward", unsigned)
    gaps = _fused_gaps(5, 0.9, 0.1, "non_saturating", **options)
    assert gaps["d_loss"] <= FUSED_RTOL and gaps["g_loss"] <= FUSED_RTOL
    assert gaps["d_grad"] > 1e-3 and gaps["g_grad"] > 1e-3, gaps


@pytest.mark.parametrize("scheme, k", [("alternating", 1), ("simultaneous", 2)])
def test_fused_and_autograd_runs_agree(scheme, k):
    """30 steps with every option the fused route covers: both routes give the same run."""
    config = GANConfig(hidden=(8, 8), batch_size=32, lr_g=1e-3, lr_d=1e-3, scheme=scheme, n_disc_steps=k)
    fused = _run(ALL_FUSED_OPTIONS, config=config)
    auto = _run(ALL_FUSED_OPTIONS, config=dataclasses.replace(config, backend="autograd"))
    assert (fused.backend, auto.backend) == ("fused", "autograd")
    assert (fused.d_updates, fused.g_updates) == (auto.d_updates, auto.g_updates)
    np.testing.assert_allclose(fused.samples, auto.samples, rtol=0, atol=FUSED_RUN_ATOL)
    np.testing.assert_allclose(fused.d_loss, auto.d_loss, rtol=0, atol=FUSED_RUN_ATOL)
    np.testing.assert_allclose(fused.g_loss, auto.g_loss, rtol=0, atol=FUSED_RUN_ATOL)
    for key in ("g", "d"):
        assert _params_close(fused.params[key]["layers"], auto.params[key]["layers"], FUSED_RUN_ATOL)


def test_fused_runs_are_deterministic():
    one, two = _run(ALL_FUSED_OPTIONS), _run(ALL_FUSED_OPTIONS)
    np.testing.assert_array_equal(one.samples, two.samples)
    np.testing.assert_array_equal(one.d_loss, two.d_loss)
    assert one.to_dict()["backend"] == "fused"


def test_fused_and_autograd_runs_agree_with_batchnorm_and_minibatch():
    """10 steps with batch normalization and minibatch features on both routes.  Batch
    normalization makes some directions null (zero true gradient): the biases before each
    normalized layer, and the generator's output bias, since a batch-normalized D cannot see a
    shift of the whole fake batch.  Adam turns the rounding noise of those zero gradients into
    steps of up to lr · 1e-16/ε (ε = 1e-8), which leave the losses, the centred samples and
    every other parameter unchanged; those are compared, without historical averaging (whose
    pull 2λ(θ − θ̄) on the null directions is itself of Adam's ε, so it would undamp the noise)."""
    st = dataclasses.replace(ALL_FUSED_OPTIONS, batchnorm=True, minibatch=True, hist_avg=0.0)
    fused = _run(st, n=10)
    auto = _run(st, n=10, config=dataclasses.replace(CONFIG, backend="autograd"))
    assert fused.backend == "fused" and fused.d_updates == auto.d_updates
    centred = [run.samples - run.samples.mean() for run in (fused, auto)]
    np.testing.assert_allclose(*centred, rtol=0, atol=FUSED_RUN_ATOL)
    np.testing.assert_allclose(fused.d_loss, auto.d_loss, rtol=0, atol=FUSED_RUN_ATOL)
    np.testing.assert_allclose(fused.g_loss, auto.g_loss, rtol=0, atol=FUSED_RUN_ATOL)
    for key in ("g", "d"):
        a, b = fused.params[key], auto.params[key]
        n_null = len(a["layers"]) - (1 if key == "d" else 0)  # the g output bias is null too
        assert _params_close([layer["W"] for layer in a["layers"]], [layer["W"] for layer in b["layers"]],
                             FUSED_RUN_ATOL)
        assert _params_close([layer["b"] for layer in a["layers"][n_null:]],
                             [layer["b"] for layer in b["layers"][n_null:]], FUSED_RUN_ATOL)
        assert _params_close([a["bn"], a.get("T", 0.0)], [b["bn"], b.get("T", 0.0)], FUSED_RUN_ATOL)
