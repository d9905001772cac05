"""The fused backend of solvers.neural.ebgan (EBGAN, BEGAN) against the independent autograd
route: losses and gradients, whole runs, determinism, configuration."""

from __future__ import annotations

import autograd
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solvers.neural.ebgan import AutoencoderGANConfig, began_reconstruction_loss, ebgan_discriminator_loss, \
    ebgan_generator_loss, init_autoencoder, train_began, train_ebgan
from solvers.neural.ebgan_fused import FusedAutoencoderGAN
from solvers.neural.gan_objectives import WeightedPoints
from solvers.neural.mlp import init_mlp, mlp_apply
from solvers.neural.optim import tree_flatten
from tests.tolerances import FLOAT_RTOL

#: Hand-chained and autograd gradients of the same float64 losses differ only by the order of
#: the roundings (a few ulps per operation over ~15 chained operations through three networks,
#: sums of <= 14 rows): relative to the gradient's largest entry (losses: to max(|L|, 1)), far
#: below 1e-12 (measured <= 1.4e-15 over 320 cases).
GRAD_RTOL = FLOAT_RTOL
#: Whole runs (8 steps): rounding differences of ~1e-16 relative pass through Adam, whose step
#: divides by the gradient's own scale, so they stay relative; 1e-10 leaves orders of margin
#: and fails any change of the update (a wrong gradient moves a parameter by ~lr = 1e-3).
RUN_ATOL = 1e-10


def _rel(a, b):
    a, b = tree_flatten(a)[0], tree_flatten(b)[0]
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def _case(seed, eta, pt_weight, weighted, code_dim=None):
    rng = np.random.default_rng(seed)
    code_dim = int(rng.integers(1, 4)) if code_dim is None else code_dim
    config = AutoencoderGANConfig(hidden=(6, 6), latent_dim=2, code_dim=code_dim,
                                  margin=float(rng.uniform(0.2, 3.0)), pt_weight=pt_weight, eta=eta)
    ae = init_autoencoder(config, 2, rng)
    g = init_mlp((2, 6, 6, 2), rng, scale=2.0)
    n_r, n_f, n_z = (int(v) for v in rng.integers(2, 8, size=3))
    x_real, x_fake = rng.normal(size=(n_r, 2)), 2.0 * rng.normal(size=(n_f, 2))
    if weighted:
        real = WeightedPoints(x_real, rng.dirichlet(np.ones(n_r)))
        fake = WeightedPoints(x_fake, rng.dirichlet(np.ones(n_f)))
    else:
        real, fake = x_real, x_fake
    z_d, z_g = rng.normal(size=(n_f, 2)), rng.normal(size=(n_z, 2))
    return config, FusedAutoencoderGAN(config, 2), ae, g, real, fake, z_d, z_g, float(rng.uniform())


def _gaps(config, engine, ae, g, real, fake, z_d, z_g, k):
    as_pair = (lambda x: (x.points, x.weights) if isinstance(x, WeightedPoints) else (x, None))
    d_loss, d_grad = engine.ebgan_d_value_and_grad(ae, *as_pair(real), *as_pair(fake))
    g_loss, g_grad = engine.ebgan_g_value_and_grad(g, ae, z_g)
    a_d_loss, a_d = autograd.value_and_grad(lambda p: ebgan_discriminator_loss(p, real, fake, config))(ae)
    a_g_loss, a_g = autograd.value_and_grad(lambda p: ebgan_generator_loss(p, ae, z_g, config))(g)
    # BEGAN, on minibatches: the autograd losses written from began_reconstruction_loss
    x_real = as_pair(real)[0]
    losses, bd, bg = engine.began_grads(g, ae, k, x_real, z_d, z_g)

    def began_d(p):
        x_fake = np.asarray(mlp_apply(g, z_d, activation=config.activation))
        return (np.mean(began_reconstruction_loss(p, x_real, eta=config.eta))
                - k * np.mean(began_reconstruction_loss(p, x_fake, eta=config.eta)))

    def began_g(p):
        return np.mean(began_reconstruction_loss(ae, mlp_apply(p, z_g), eta=config.eta))

    a_bd_loss, a_bd = autograd.value_and_grad(began_d)(ae)
    a_bg_loss, a_bg = autograd.value_and_grad(began_g)(g)

    def loss_gap(a, b):
        return abs(a - b) / max(abs(b), 1.0)

    return {"d_loss": loss_gap(d_loss, a_d_loss), "d_grad": _rel(d_grad, a_d),
            "g_loss": loss_gap(g_loss, a_g_loss), "g_grad": _rel(g_grad, a_g),
            "began_d_loss": loss_gap(losses["d_loss"], a_bd_loss), "began_d_grad": _rel(bd, a_bd),
            "began_g_loss": loss_gap(losses["l_fake"], a_bg_loss), "began_g_grad": _rel(bg, a_bg)}


# 15 examples keep the file near its time budget; the comparison is exact to rounding at any
# parameters, so each example is a full check (hypothesis seeds 1-10 and 320 seeded cases pass).
@settings(max_examples=15)
@given(seed=st.integers(0, 2**32 - 1), eta=st.sampled_from([1, 2]), pt_weight=st.sampled_from([0.0, 0.5]),
       weighted=st.booleans())
def test_fused_losses_and_gradients_match_autograd(seed, eta, pt_weight, weighted):
    gaps = _gaps(*_case(seed, eta, pt_weight, weighted))
    assert max(gaps.values()) <= GRAD_RTOL, gaps


@pytest.mark.parametrize("wrong", ["activation", "pulling_away", "hinge"])
def test_a_wrong_fused_vjp_fails(monkeypatch, wrong):
    """Negative controls: the comparison above fails for a wrong activation VJP (tanh' taken as
    1 − y instead of 1 − y²), a pulling-away gradient without its radial projection, and a hinge
    whose gradient ignores the margin (every fake counted)."""
    import solvers.neural.fused as fused_module

    case = _case(3, 2, 0.5, False, code_dim=3)  # a 1-D code has no pulling-away gradient
    engine = case[1]
    if wrong == "activation":
        monkeypatch.setattr(fused_module, "activation_vjp",
                            lambda name, y, g, out=None: np.multiply(g, 1.0 - y, out=out))
        keys = ("d_grad", "g_grad", "began_d_grad", "began_g_grad")
    elif wrong == "pulling_away":
        def no_projection(codes):
            n = codes.shape[0]
            norm = np.sqrt(np.sum(codes * codes, axis=1))
            u = codes / norm[:, None]
            c = u @ u.T
            np.fill_diagonal(c, 0.0)
            return float(np.sum(c * c) / (n * (n - 1))), (4.0 / (n * (n - 1))) * (c @ u) / norm[:, None]

        monkeypatch.setattr(engine, "pulling_away", no_projection)
        keys = ("g_grad",)
    else:
        monkeypatch.setattr(engine, "energy_head", lambda r: (np.sqrt(np.sum(r * r, axis=1)), 0.0 * r))
        keys = ("d_grad",)
    gaps = _gaps(*case)
    assert min(gaps[k] for k in keys) > 1e-3, gaps


GAME = dict(hidden=(6, 6), latent_dim=2, batch_size=12, code_dim=2)


@pytest.mark.parametrize("trainer, extra", [(train_ebgan, dict(pt_weight=0.5, n_disc_steps=2)),
                                            (train_began, dict(eta=1)), (train_began, dict(eta=2))])
def test_fused_and_autograd_runs_agree_and_repeat(trainer, extra):
    """8 training steps per backend from one seed: the same losses and parameters to rounding;
    the fused run repeats exactly at the same seed."""
    def sampler(n, rng):
        return rng.normal(size=(n, 2)) + 1.0

    runs = {b: trainer(sampler, AutoencoderGANConfig(backend=b, **GAME, **extra), 8, 11) for b in ("fused", "autograd")}
    fused, auto = runs["fused"], runs["autograd"]
    for key in ("g", "d"):
        assert np.max(np.abs(tree_flatten(fused.params[key])[0] - tree_flatten(auto.params[key])[0])) <= RUN_ATOL
    np.testing.assert_allclose(fused.d_loss, auto.d_loss, rtol=0, atol=RUN_ATOL)
    np.testing.assert_allclose(fused.g_loss, auto.g_loss, rtol=0, atol=RUN_ATOL)
    again = trainer(sampler, AutoencoderGANConfig(**GAME, **extra), 8, 11)
    assert np.array_equal(again.d_loss, fused.d_loss) and np.array_equal(again.g_loss, fused.g_loss)
    assert np.array_equal(tree_flatten(again.params["d"])[0], tree_flatten(fused.params["d"])[0])


def test_backend_validation():
    assert AutoencoderGANConfig().backend == "fused"
    with pytest.raises(ValueError, match="backend"):
        AutoencoderGANConfig(backend="torch")
    with pytest.raises(ValueError, match="dtype"):
        AutoencoderGANConfig(backend="autograd", dtype="float32")
