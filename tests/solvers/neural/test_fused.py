"""Tests for solvers.neural.fused: the fused forward/backward pass of an MLP.

- values and vector-Jacobian products (parameters and input) in float64 against autograd
  differentiating the same network written with autograd's own operations
  (``reference_mlp``: ``anp.dot``, ``+``, the activation; no ganac primitive), on fixed
  architectures and as a Hypothesis property over sizes, activations, batch sizes and seeds;
- a wrong VJP fails the same comparison (negative controls);
- float32 against float64 on the same float32-representable inputs, within a first-order
  running-error bound derived here (``reference_float32_error_bound``); the bound is not
  vacuous (a float16-rounded gradient breaks it);
- buffers, parameter layout and validation.
"""

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import solvers.neural.fused as fused_module
from solvers.neural.fused import DTYPES, FusedMLP, check_dtype
from solvers.neural.mlp import ACTIVATIONS, init_mlp
from solvers.neural.optim import tree_flatten, tree_leaves
from tests.tolerances import FLOAT_ATOL, FLOAT_RTOL

#: float32 unit roundoff u = 2^-24 (round to nearest).
U32 = 2.0 ** -24
#: Accuracy assumed for numpy's float32 tanh, in units in the last place: SIMD
#: implementations are documented to a few ulp; test_float32_tanh_accuracy checks the
#: assumption on a dense grid (measured max 1.37 ulp with numpy 2.4).
TANH_ULPS = 4.0
#: The first-order bound leaves out terms of order (N u)² ≈ (1000 · 6e-8)² ≈ 4e-9 relative and
#: float64's own rounding (≤ 2^-29 relative to float32's); 1% covers both with room to spare.
SECOND_ORDER = 1.01


def reference_mlp(params, x, activation):
    """The MLP with autograd's own operations (the independent route)."""
    h = x
    for layer in params[:-1]:
        h = ACTIVATIONS[activation](anp.dot(h, layer["W"]) + layer["b"])
    return anp.dot(h, params[-1]["W"]) + params[-1]["b"]


def _network(sizes, activation, seed, dtype="float64"):
    rng = np.random.default_rng(seed)
    params = init_mlp(sizes, rng)
    # non-zero biases: kinks of relu-type units away from the symmetric init point
    params = [{"W": layer["W"], "b": 0.1 * rng.standard_normal(layer["b"].shape)} for layer in params]
    net = FusedMLP(sizes, activation, dtype=dtype)
    net.load(params)
    return net, params, rng


def _autograd_vjps(params, x, g_out, activation):
    def inner(p, xx):
        return anp.sum(g_out * reference_mlp(p, xx, activation))

    out = reference_mlp(params, x, activation)
    g_params, g_x = autograd.grad(inner, (0, 1))(params, x)
    return out, tree_flatten(g_params)[0], g_x


def _fused_vjps(net, x, g_out):
    out = net.forward(net.as_input(x)).copy()
    grad, g_x = net.backward(g_out.astype(net.dtype), inputs=True)
    return out, grad.copy(), g_x.copy()


def _assert_close(a, b, what):
    # Two float64 routes through the same network: summation order differs, rounding only.
    scale = np.max(np.abs(b)) if np.size(b) else 0.0
    np.testing.assert_allclose(a, b, rtol=FLOAT_RTOL, atol=FLOAT_ATOL * max(1.0, scale), err_msg=what)


# ---------------------------------------------------------------------------------------------
# float64 against autograd
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("sizes", [(1, 64, 64, 1), (3, 5, 4, 2), (2, 1), (1, 7, 3)])
def test_values_and_vjps_match_autograd(sizes, activation):
    net, params, rng = _network(sizes, activation, 11)
    x = rng.standard_normal((9, sizes[0]))
    g_out = rng.standard_normal((9, sizes[-1]))
    out, grad, g_x = _fused_vjps(net, x, g_out)
    ref_out, ref_grad, ref_g_x = _autograd_vjps(params, x, g_out, activation)
    _assert_close(out, ref_out, "output")
    _assert_close(grad, ref_grad, "parameter VJP")
    _assert_close(g_x, ref_g_x, "input VJP")


@settings(max_examples=40)
@given(hidden=st.lists(st.integers(1, 9), min_size=0, max_size=3), d_in=st.integers(1, 4),
       d_out=st.integers(1, 3), n=st.integers(1, 40), activation=st.sampled_from(sorted(ACTIVATIONS)),
       seed=st.integers(0, 2 ** 32 - 1))
def test_vjps_match_autograd_property(hidden, d_in, d_out, n, activation, seed):
    sizes = (d_in, *hidden, d_out)
    net, params, rng = _network(sizes, activation, seed)
    x = 2.0 * rng.standard_normal((n, d_in))
    g_out = rng.standard_normal((n, d_out))
    out, grad, g_x = _fused_vjps(net, x, g_out)
    ref_out, ref_grad, ref_g_x = _autograd_vjps(params, x, g_out, activation)
    _assert_close(out, ref_out, "output")
    _assert_close(grad, ref_grad, "parameter VJP")
    _assert_close(g_x, ref_g_x, "input VJP")


def test_backward_without_parameters_leaves_the_gradient_buffer_alone():
    net, params, rng = _network((2, 6, 1), "tanh", 3)
    x = rng.standard_normal((5, 2))
    net.forward(x)
    grad = net.backward(np.ones((5, 1)))[0].copy()
    net.forward(rng.standard_normal((7, 2)))
    none, g_x = net.backward(np.ones((7, 1)), params=False, inputs=True)
    assert none is None and g_x.shape == (7, 2)
    assert np.array_equal(net.grad, grad)
    assert net.backward(np.ones((7, 1)))[1] is None  # inputs=False: no input VJP


@pytest.mark.parametrize("wrong", ["activation", "weights"])
def test_a_wrong_vjp_fails(monkeypatch, wrong):
    """Negative controls: tanh' written as 1 − y instead of 1 − y², or ∂h = ḡ W instead of ḡ Wᵀ
    in the layer's VJP, must fail the comparison with autograd."""
    net, params, rng = _network((3, 5, 4, 3), "tanh", 5)
    x = rng.standard_normal((6, 3))
    g_out = rng.standard_normal((6, 3))
    if wrong == "activation":
        def bad(activation, y, g, out=None):
            return np.multiply(g, 1.0 - y, out=out)

        monkeypatch.setattr(fused_module, "activation_vjp", bad)
    else:
        good = fused_module.dense_vjp

        def bad(h, W, gz, argnums=(0, 1), out=None):
            result = good(h, W, gz, argnums, out=out)
            if 0 in argnums and W.shape[0] == W.shape[1]:
                buf = out[argnums.index(0)]
                np.matmul(gz, W, out=buf)  # W where Wᵀ belongs (square hidden layers)
            return result

        net, params, rng = _network((3, 5, 5, 3), "tanh", 5)
        monkeypatch.setattr(fused_module, "dense_vjp", bad)
    _, grad, g_x = _fused_vjps(net, x, g_out)
    _, ref_grad, ref_g_x = _autograd_vjps(params, x, g_out, "tanh")
    with pytest.raises(AssertionError):
        _assert_close(grad, ref_grad, "parameter VJP")


# ---------------------------------------------------------------------------------------------
# float32 against float64
# ---------------------------------------------------------------------------------------------


def _gamma(n):
    """Higham's γ_n = n u / (1 − n u) for float32 (Accuracy and Stability of Numerical
    Algorithms, 2nd ed., Lemma 3.1; a dot product of length n errs by ≤ γ_n |a|·|b|, eq. (3.5))."""
    return n * U32 / (1.0 - n * U32)


def reference_float32_error_bound(params, x, g_out, activation, *, x_error=None, g_out_error=None):
    """First-order bounds on |float32 − exact| of the output, the parameter VJP and the input
    VJP of a tanh or relu MLP whose parameters, inputs and cotangent are float32 numbers.
    ``x_error`` and ``g_out_error`` (same shapes as ``x`` and ``g_out``, default 0) bound errors
    the float32 input and cotangent already carry (from an earlier float32 computation); they
    are propagated at first order like the pass's own rounding errors.

    Running-error analysis along the fused pass's own operations (h W by BLAS, + b, the
    activation; ḡ·(1 − y·y) as y·y, 1 − ·, ·g; hᵀ ḡ, Σₙ ḡ, ḡ Wᵀ), with γ_n per dot product of
    length n, ``TANH_ULPS`` ulp (≤ 2·TANH_ULPS·u relative) per tanh, and errors carried through
    at first order (|tanh'| = 1 − y²).  For relu, entries whose pre-activation lies within its
    own error bound of the kink may flip, and there the bound takes the whole |g|.
    Computed in float64 from the exact (float64) forward pass.
    """
    hs, zs = [x], []
    for layer in params[:-1]:
        zs.append(hs[-1] @ layer["W"] + layer["b"])
        hs.append(ACTIVATIONS[activation](zs[-1]))
    # forward errors: e_h for every layer input, e_z for every pre-activation
    e_h, e_z = [np.zeros_like(x) if x_error is None else np.asarray(x_error, dtype=float)], []
    for i, layer in enumerate(params):
        k = layer["W"].shape[0]
        absW = np.abs(layer["W"])
        e = _gamma(k + 1) * (np.abs(hs[i]) @ absW + np.abs(layer["b"])) + e_h[i] @ absW
        e_z.append(e)
        if i < len(params) - 1:
            y = hs[i + 1]
            if activation == "tanh":
                e_h.append((1.0 - y * y) * e + 2.0 * TANH_ULPS * U32 * np.abs(y))
            else:  # relu: exact, derivative 0 or 1
                e_h.append(np.where(np.abs(zs[i]) <= e, e, (zs[i] > 0) * e))
    out_bound = e_z[-1]
    # backward: cotangent g (exact values from the float64 pass) and its error bound eps
    g = g_out
    eps = np.zeros_like(g_out) if g_out_error is None else np.asarray(g_out_error, dtype=float)
    grads = [None] * len(params)
    n = x.shape[0]
    for i in range(len(params) - 1, -1, -1):
        if i < len(params) - 1:
            y = hs[i + 1]
            if activation == "tanh":
                # y·y (u y²), 1 − · (u (1 − y²)), · g (u |g| (1 − y²)); y's own error 2|y| e_h
                eps = (1.0 - y * y) * eps + np.abs(g) * (2.0 * U32 + 2.0 * np.abs(y) * e_h[i + 1])
                g = g * (1.0 - y * y)
            else:
                flip = np.abs(zs[i]) <= e_z[i]
                eps = np.where(flip, np.abs(g) + eps, (zs[i] > 0) * eps)
                g = g * (zs[i] > 0)
        absW = np.abs(params[i]["W"])
        b_w = _gamma(n) * (np.abs(hs[i]).T @ np.abs(g)) + e_h[i].T @ np.abs(g) + np.abs(hs[i]).T @ eps
        b_b = _gamma(n) * np.abs(g).sum(axis=0) + eps.sum(axis=0)
        grads[i] = {"W": b_w, "b": b_b}
        k_out = params[i]["W"].shape[1]
        eps = _gamma(k_out) * (np.abs(g) @ absW.T) + eps @ absW.T
        g = g @ params[i]["W"].T
    return (SECOND_ORDER * out_bound, SECOND_ORDER * tree_flatten(grads)[0], SECOND_ORDER * eps)


def _float32_case(sizes, activation, seed, n):
    rng = np.random.default_rng(seed)
    params = init_mlp(sizes, rng)
    params = [{"W": layer["W"].astype(np.float32).astype(float),
               "b": (0.1 * rng.standard_normal(layer["b"].shape)).astype(np.float32).astype(float)}
              for layer in params]
    x = (2.0 * rng.standard_normal((n, sizes[0]))).astype(np.float32).astype(float)
    g_out = rng.standard_normal((n, sizes[-1])).astype(np.float32).astype(float)
    results = {}
    for dtype in DTYPES:
        net = FusedMLP(sizes, activation, dtype=dtype)
        net.load(params)
        results[dtype] = _fused_vjps(net, x, g_out)
    return params, x, g_out, results


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("sizes, n", [((1, 64, 64, 1), 512), ((2, 64, 64, 1), 256), ((3, 16, 2), 64)])
def test_float32_within_its_error_bound(sizes, n, activation):
    params, x, g_out, r = _float32_case(sizes, activation, 21, n)
    bounds = reference_float32_error_bound(params, x, g_out, activation)
    worst = []
    for got, exact, bound in zip(r["float32"], r["float64"], bounds):
        err = np.abs(got.astype(float) - exact)
        assert np.all(err <= bound), float(np.max(err / np.maximum(bound, 1e-300)))
        worst.append(float(np.max(err / np.maximum(bound, 1e-300))))
    print(f"float32 error / bound (output, parameters, input): {worst}")
    # the float32 pass is a float32 computation (not float64 in disguise): it differs
    assert np.max(np.abs(r["float32"][1] - r["float64"][1])) > 0


def test_float32_bound_is_not_vacuous():
    """Negative control: a gradient rounded to float16 (u = 2^-11) breaks the bound."""
    params, x, g_out, r = _float32_case((1, 64, 64, 1), "tanh", 22, 512)
    _, bound, _ = reference_float32_error_bound(params, x, g_out, "tanh")
    coarse = r["float64"][1].astype(np.float16).astype(float)
    assert np.any(np.abs(coarse - r["float64"][1]) > bound)


def test_float32_tanh_accuracy():
    """The premise of TANH_ULPS, on 2e6 float32 points of [-12, 12] (float64 as the truth)."""
    x = np.linspace(-12.0, 12.0, 2_000_001).astype(np.float32)
    exact = np.tanh(x.astype(np.float64))
    ulp = np.spacing(np.abs(exact).astype(np.float32)).astype(np.float64)
    assert np.max(np.abs(np.tanh(x) - exact) / ulp) <= TANH_ULPS


# ---------------------------------------------------------------------------------------------
# layout, buffers, validation
# ---------------------------------------------------------------------------------------------


def test_flat_layout_is_tree_leaves_order():
    net, params, _ = _network((2, 3, 1), "tanh", 0)
    assert np.array_equal(net.flat, tree_flatten(params)[0])
    assert all(np.array_equal(a, b) for a, b in zip(net.leaves(net.flat), tree_leaves(params)))
    back = net.unflatten(net.flat)
    assert all(np.array_equal(a, b) for a, b in zip(tree_leaves(back), tree_leaves(params)))
    assert not np.shares_memory(back[0]["W"], net.flat)
    assert np.shares_memory(net.unflatten(net.flat, copy=False)[0]["W"], net.flat)
    assert net.n_params == 2 * 3 + 3 + 3 * 1 + 1
    # set_flat rebinds the layers without a copy
    new = net.flat + 1.0
    net.set_flat(new)
    assert np.shares_memory(net.layers[1]["b"], new) and net.layers[1]["b"][0] == params[1]["b"][0] + 1.0


def test_buffers_of_two_batch_sizes_are_separate():
    net, params, rng = _network((2, 4, 1), "tanh", 1)
    xa, xb = rng.standard_normal((3, 2)), rng.standard_normal((5, 2))
    out_a = net.forward(xa)
    snapshot = out_a.copy()
    net.forward(xb)
    assert np.array_equal(out_a, snapshot)  # a different row count uses different buffers
    out = np.empty((3, 1))
    assert net.forward(xa, out=out) is out and np.array_equal(out, snapshot)


def test_validation():
    with pytest.raises(TypeError, match="`sizes`"):
        FusedMLP((3,), "tanh")
    with pytest.raises(ValueError, match=r"`sizes\[1\]`"):
        FusedMLP((3, 0, 1), "tanh")
    with pytest.raises(ValueError, match="`activation`"):
        FusedMLP((3, 1), "sigmoid")
    with pytest.raises(ValueError, match="`dtype`"):
        FusedMLP((3, 1), "tanh", dtype="float16")
    with pytest.raises(TypeError, match="`dtype`"):
        check_dtype(object())
    assert check_dtype(np.float32) == np.dtype("float32")
    net = FusedMLP((2, 3, 1), "tanh")
    with pytest.raises(ValueError, match="`backward`"):
        net.backward(np.zeros((2, 1)))
    with pytest.raises(ValueError, match="`x`"):
        net.as_input(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="`x`"):
        net.as_input(np.zeros(4))  # 1-D input only when d_in == 1
    with pytest.raises(ValueError, match="`x`"):
        net.as_input(np.zeros((0, 2)))
    net.forward(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="`g_out`"):
        net.backward(np.zeros((3, 1)))
    with pytest.raises(ValueError, match="`flat`"):
        net.set_flat(np.zeros(net.n_params, np.float32))
    with pytest.raises(ValueError, match="`params`"):
        net.load(init_mlp((2, 4, 1), 0))
    assert FusedMLP((1, 2, 1), "tanh").as_input(np.zeros(4)).shape == (4, 1)
    assert FusedMLP((1, 2, 1), "tanh", dtype="float32").as_input(np.zeros((4, 1))).dtype == np.float32
