"""Tests for solvers.neural.mlp: autograd gradients vs central finite differences, a forward
pass computed by hand, initialization scales, stable log-sigmoid, validation."""

import math

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from solvers.neural.mlp import (
    ACTIVATIONS,
    FINALS,
    dense,
    init_mlp,
    log_sigmoid,
    mlp_apply,
    mlp_sizes,
    sigmoid,
    softplus,
)
from solvers.neural.optim import tree_flatten
from tests.stats import chi2_interval
from tests.tolerances import FLOAT_ATOL, FLOAT_RTOL

#: Central differences with step h have truncation error ~ h²·|f'''|/6 ≈ 1e-10·|f'''| and
#: rounding error ~ eps·|f|/h ≈ 1e-11·|f| at h = 1e-5, for the O(1) smooth losses used here.
FD_STEP = 1e-5
FD_RTOL = 1e-6


def _loss(params, x, activation, final):
    # a smooth scalar of the output, so every output coordinate contributes
    out = mlp_apply(params, x, activation=activation, final=final)
    return anp.sum(anp.sin(out) + 0.5 * out ** 2)


def _directional_fd(f, theta, direction, h=FD_STEP):
    return (f(theta + h * direction) - f(theta - h * direction)) / (2.0 * h)


@pytest.mark.parametrize("final", list(FINALS))
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_param_gradient_matches_central_differences(activation, final):
    rng = np.random.default_rng(7)
    params = init_mlp([3, 5, 4, 2], rng)
    # non-zero biases so that the kink of relu-type units is not at the init's symmetric point
    params = [{"W": layer["W"], "b": 0.1 * rng.standard_normal(layer["b"].shape)} for layer in params]
    x = rng.standard_normal((6, 3))
    theta, unflatten = tree_flatten(params)
    g_tree = autograd.grad(_loss)(params, x, activation, final)
    g, _ = tree_flatten(g_tree)
    for k in range(3):
        direction = rng.standard_normal(theta.size)
        fd = _directional_fd(lambda t: _loss(unflatten(t), x, activation, final), theta, direction)
        assert math.isclose(float(g @ direction), fd, rel_tol=FD_RTOL, abs_tol=FD_RTOL)


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_input_gradient_matches_central_differences(activation):
    rng = np.random.default_rng(8)
    params = init_mlp([2, 6, 1], rng)
    x = rng.standard_normal((4, 2))
    gx = autograd.grad(_loss, 1)(params, x, activation, None)
    assert gx.shape == x.shape
    direction = rng.standard_normal(x.shape)
    fd = _directional_fd(lambda xx: _loss(params, xx, activation, None), x, direction)
    assert math.isclose(float(np.sum(gx * direction)), fd, rel_tol=FD_RTOL, abs_tol=FD_RTOL)


@pytest.mark.parametrize("activation", ["tanh", "softplus", "elu"])
def test_second_order_gradient_matches_central_differences(activation):
    # gradient-penalty shape: f(ψ) = Σ_n ‖∇_x D_ψ(x_n)‖², differentiated again w.r.t. ψ; the
    # fused layer's backward pass must itself be differentiable.
    rng = np.random.default_rng(9)
    params = init_mlp([2, 5, 1], rng)
    x = rng.standard_normal((4, 2))

    def penalty(p):
        gx = autograd.grad(lambda xx: anp.sum(mlp_apply(p, xx, activation=activation)))(x)
        return anp.sum(gx ** 2)

    theta, unflatten = tree_flatten(params)
    g, _ = tree_flatten(autograd.grad(penalty)(params))
    direction = rng.standard_normal(theta.size)
    fd = _directional_fd(lambda t: penalty(unflatten(t)), theta, direction)
    assert math.isclose(float(g @ direction), fd, rel_tol=FD_RTOL, abs_tol=FD_RTOL)


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_fused_layer_equals_autograd_composition(activation):
    # `dense` (one primitive with a hand-written backward pass) against autograd's own ops.
    rng = np.random.default_rng(10)
    layer = {"W": rng.standard_normal((3, 4)), "b": rng.standard_normal(4)}
    h = rng.standard_normal((5, 3))
    weights = rng.standard_normal((5, 4))

    def fused(lyr, hh):
        return anp.sum(weights * dense(hh, lyr, activation))

    def plain(lyr, hh):
        return anp.sum(weights * ACTIVATIONS[activation](anp.dot(hh, lyr["W"]) + lyr["b"]))

    np.testing.assert_allclose(fused(layer, h), plain(layer, h), rtol=FLOAT_RTOL)
    for argnum in (0, 1):
        a, _ = tree_flatten(autograd.grad(fused, argnum)(layer, h))
        b, _ = tree_flatten(autograd.grad(plain, argnum)(layer, h))
        np.testing.assert_allclose(a, b, rtol=FLOAT_RTOL, atol=FLOAT_ATOL)


@pytest.mark.parametrize("shared_input", [False, True])
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_stacked_layer_equals_autograd_composition(activation, shared_input):
    # the same primitive on R = 3 stacked networks (W (R, in, out), b (R, out)), with one input
    # batch shared by the runs or one per run: values, first and second derivatives against
    # autograd's own matmul/add/activation (two float64 routes: rounding, FLOAT_RTOL).
    rng = np.random.default_rng(13)
    layer = {"W": rng.standard_normal((3, 2, 4)), "b": rng.standard_normal((3, 4))}
    h = rng.standard_normal((5, 2) if shared_input else (3, 5, 2))
    weights = rng.standard_normal((3, 5, 4))

    def fused(lyr, hh):
        return anp.sum(weights * dense(hh, lyr, activation))

    def plain(lyr, hh):
        return anp.sum(weights * ACTIVATIONS[activation](anp.matmul(hh, lyr["W"]) + lyr["b"][:, None, :]))

    np.testing.assert_allclose(fused(layer, h), plain(layer, h), rtol=FLOAT_RTOL)
    for argnum in (0, 1):
        a, _ = tree_flatten(autograd.grad(fused, argnum)(layer, h))
        b, _ = tree_flatten(autograd.grad(plain, argnum)(layer, h))
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=FLOAT_RTOL, atol=FLOAT_ATOL)

    def penalty(f):  # ‖∂f/∂h‖², differentiated once more with respect to the layer
        return lambda lyr: anp.sum(autograd.grad(f, 1)(lyr, h) ** 2)

    a, _ = tree_flatten(autograd.grad(penalty(fused))(layer))
    b, _ = tree_flatten(autograd.grad(penalty(plain))(layer))
    np.testing.assert_allclose(a, b, rtol=FLOAT_RTOL, atol=FLOAT_ATOL)


def test_old_stacked_layer_names_are_deprecated_aliases():
    from solvers.neural import dqn, stacked_mlp

    for module in (stacked_mlp, dqn):
        with pytest.warns(DeprecationWarning, match="batched_dense"):
            assert module.batched_dense is dense


def test_gradient_through_dict_built_inside():
    # a layer dict built from a traced W (the dict itself untraced) takes the unfused path
    rng = np.random.default_rng(12)
    params = init_mlp([2, 3, 1], rng)
    x = rng.standard_normal((4, 2))

    def f(w0):
        p = [{"W": w0, "b": params[0]["b"]}, params[1]]
        return anp.sum(mlp_apply(p, x) ** 2)

    g = autograd.grad(f)(params[0]["W"])
    direction = rng.standard_normal(g.shape)
    fd = _directional_fd(f, params[0]["W"], direction)
    assert math.isclose(float(np.sum(g * direction)), fd, rel_tol=FD_RTOL, abs_tol=FD_RTOL)


def test_forward_pass_by_hand():
    # one hidden tanh layer, written out: out = tanh(x·1 + 0) + tanh(x·2 − 1) + 0.5
    params = [{"W": np.array([[1.0, 2.0]]), "b": np.array([0.0, -1.0])},
              {"W": np.array([[1.0], [1.0]]), "b": np.array([0.5])}]
    x = np.array([1.0, -0.5])  # (n,) accepted when d_in == 1
    out = mlp_apply(params, x)
    expected = [math.tanh(xi) + math.tanh(2 * xi - 1) + 0.5 for xi in x]
    np.testing.assert_allclose(out[:, 0], expected, rtol=FLOAT_RTOL, atol=FLOAT_ATOL)
    assert out.shape == (2, 1)
    out_sig = mlp_apply(params, x, final="sigmoid")
    np.testing.assert_allclose(out_sig[:, 0], [1 / (1 + math.exp(-e)) for e in expected],
                               rtol=FLOAT_RTOL, atol=FLOAT_ATOL)
    relu = mlp_apply(params, x, activation="relu")
    np.testing.assert_allclose(relu[:, 0], [max(xi, 0) + max(2 * xi - 1, 0) + 0.5 for xi in x],
                               rtol=FLOAT_RTOL, atol=FLOAT_ATOL)


def test_activation_values():
    x = np.array([-2.0, -0.5, 0.5, 3.0])
    act = {k: f(x) for k, f in ACTIVATIONS.items()}
    np.testing.assert_allclose(act["leaky_relu"], [-0.02, -0.005, 0.5, 3.0], rtol=FLOAT_RTOL)
    np.testing.assert_allclose(act["elu"], [math.exp(-2) - 1, math.exp(-0.5) - 1, 0.5, 3.0],
                               rtol=FLOAT_RTOL)
    np.testing.assert_allclose(act["softplus"], [math.log1p(math.exp(v)) for v in x], rtol=FLOAT_RTOL)
    # elu and softplus far in the tails: no overflow warning (filterwarnings = error)
    big = np.array([-1e4, 1e4])
    np.testing.assert_array_equal(ACTIVATIONS["elu"](big), [-1.0, 1e4])
    np.testing.assert_array_equal(softplus(big), [0.0, 1e4])


def test_log_sigmoid_is_stable():
    x = np.array([-1000.0, -30.0, -1.0, 0.0, 2.0, 40.0, 1000.0])
    ls = log_sigmoid(x)
    moderate = np.abs(x) <= 40
    np.testing.assert_allclose(ls[moderate], np.log(1.0 / (1.0 + np.exp(-x[moderate]))),
                               rtol=FLOAT_RTOL, atol=FLOAT_ATOL)
    assert ls[0] == -1000.0 and ls[-1] == 0.0
    # d/dx log σ(x) = σ(−x) = 1 − σ(x), finite in both tails
    grad = autograd.elementwise_grad(log_sigmoid)(x)
    np.testing.assert_allclose(grad, 1.0 / (1.0 + np.exp(np.clip(x, -700, 700))), rtol=FLOAT_RTOL,
                               atol=FLOAT_ATOL)
    np.testing.assert_allclose(sigmoid(np.array([-1000.0, 0.0, 1000.0])), [0.0, 0.5, 1.0], atol=FLOAT_ATOL)


@pytest.mark.statistical
@pytest.mark.parametrize("scale,var", [("glorot", 2.0 / (400 + 300)), ("he", 2.0 / 400),
                                       ("lecun", 1.0 / 400), (0.3, 0.09)])
def test_init_scales(scale, var):
    params = init_mlp([400, 300, 1], 3, scale=scale)
    w = params[0]["W"]
    assert w.shape == (400, 300) and params[1]["W"].shape == (300, 1)
    assert params[0]["b"].shape == (300,) and not params[0]["b"].any()
    # N(0, var) weights: Σ(w - w̄)²/var ~ χ²(n - 1) exactly (w.var() is that sum / n); exact
    # tails, false-alarm FALSE_ALARM.  Negative control: a variance 3% off leaves the band
    # (it is ±2.1% at n = 120,000).
    lo, hi = chi2_interval(w.size - 1)
    assert lo <= w.size * w.var() / var <= hi
    assert not lo <= w.size * w.var() / (1.03 * var) <= hi
    assert mlp_sizes(params) == (400, 300, 1)


def test_init_is_deterministic():
    a = init_mlp([2, 8, 1], 11)
    b = init_mlp([2, 8, 1], np.random.default_rng(11))
    c = init_mlp([2, 8, 1], 12)
    assert all(np.array_equal(la["W"], lb["W"]) for la, lb in zip(a, b))
    assert not np.array_equal(a[0]["W"], c[0]["W"])


def test_validation():
    params = init_mlp([2, 4, 1], 0)
    x = np.zeros((3, 2))
    with pytest.raises(ValueError, match="`activation`"):
        mlp_apply(params, x, activation="sigmoid_linear")
    with pytest.raises(ValueError, match="`final`"):
        mlp_apply(params, x, final="softmax")
    with pytest.raises(ValueError, match="`x`"):
        mlp_apply(params, np.zeros((3, 3)))
    with pytest.raises(ValueError, match="`x`"):
        mlp_apply(params, np.zeros(3))  # 1-D input only when d_in == 1
    with pytest.raises(TypeError, match="`params`"):
        mlp_apply({"W": 1}, x)
    with pytest.raises(ValueError, match="fan_in"):
        mlp_apply([params[0], params[0]], x)
    with pytest.raises(ValueError, match="`sizes`"):
        init_mlp([3], 0)
    with pytest.raises(ValueError, match=r"`sizes\[1\]`"):
        init_mlp([3, 0, 1], 0)
    with pytest.raises(TypeError, match="`sizes`"):
        init_mlp("3,1", 0)
    with pytest.raises(ValueError, match="`scale`"):
        init_mlp([3, 1], 0, scale="xavier")
    with pytest.raises(ValueError, match="`scale`"):
        init_mlp([3, 1], 0, scale=-1.0)
    with pytest.raises(TypeError, match="`seed`"):
        init_mlp([3, 1], None)
