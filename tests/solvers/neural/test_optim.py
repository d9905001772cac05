"""Tests for solvers.neural.optim: optimizers against hand-computed updates, convergence on a
convex quadratic, pytree helpers, validation."""

import math

import numpy as np
import pytest

from solvers.neural.optim import (
    SGD,
    Adam,
    Momentum,
    OptState,
    RMSProp,
    make_optimizer,
    tree_add,
    tree_allclose,
    tree_equal,
    tree_flatten,
    tree_leaves,
    tree_map,
    tree_norm,
    tree_scale,
    tree_structure,
    tree_sub,
    tree_unflatten,
    tree_zeros_like,
)
from tests.tolerances import FLOAT_ATOL, FLOAT_RTOL

# ---------------------------------------------------------------------------------------------
# A convex quadratic over a nested pytree: f(θ) = ½ (θ − c)ᵀ A (θ − c) on the flattened θ,
# gradient A (θ − c) written by hand (no autograd), minimizer θ* = c.
# ---------------------------------------------------------------------------------------------

_RNG = np.random.default_rng(20240601)
_Q, _ = np.linalg.qr(_RNG.standard_normal((6, 6)))
#: eigenvalues 1 ... 10: condition number 10, so every method converges in a few hundred steps
_A = _Q @ np.diag(np.linspace(1.0, 10.0, 6)) @ _Q.T
_C = _RNG.standard_normal(6)


def _params0():
    return {"a": np.array([3.0, -2.0]), "rest": [np.array([[1.0, 0.5], [-1.0, 2.0]])]}


def _grad(params):
    theta, unflatten = tree_flatten(params)
    return unflatten(_A @ (theta - _C))


def _distance_to_optimum(params):
    theta, _ = tree_flatten(params)
    return float(np.linalg.norm(theta - _C))


#: Tolerance on ‖θ − θ*‖ after the fixed number of steps below (optimizer tolerance).  SGD,
#: heavy-ball and Nesterov momentum contract linearly at these step sizes (rate <= 0.9 per
#: step), and Adam's step shrinks with m̂ as the gradient vanishes: all reach ~1e-13 or better
#: in the given steps, so 1e-8 leaves ample margin.
QUADRATIC_TOL = 1e-8

#: RMSProp with a constant step does not converge: its step g/√(E g²) has per-coordinate size
#: ≈ lr whatever the gradient's scale, so it ends oscillating in a ball of radius ~ lr·√n
#: around θ* (n = 6 parameters).  The tolerance is 3·lr·√n; it still asks for a 100-fold
#: reduction of the starting distance (≈ 4).
RMSPROP_TOL_FACTOR = 3.0

#: Adam's first step is lr·|g|/(|g| + eps), short of lr by a relative eps/|g| <= 1e-8/0.1 =
#: 1e-7 for the gradients _G1 below.
ADAM_FIRST_STEP_RTOL = 1e-6

_CASES = [
    (SGD(0.15), 400),                       # lr < 2/λ_max = 0.2
    (Momentum(0.02, beta=0.8), 400),
    (Momentum(0.02, beta=0.8, nesterov=True), 400),
    (RMSProp(3e-3, decay=0.9), 3000),
    (Adam(1e-2), 3000),
]


@pytest.mark.parametrize("opt,n_steps", _CASES, ids=lambda c: repr(c) if not isinstance(c, int) else str(c))
def test_minimizes_convex_quadratic(opt, n_steps):
    params = _params0()
    start = _distance_to_optimum(params)
    state = opt.init(params)
    for _ in range(n_steps):
        params, state = opt.update(_grad(params), state, params)
    assert state.t == n_steps
    assert tree_structure(params) == tree_structure(_params0())
    if isinstance(opt, RMSProp):
        tol = RMSPROP_TOL_FACTOR * opt.lr * math.sqrt(_C.size)
    else:
        tol = QUADRATIC_TOL
    assert tol < start / 100
    assert _distance_to_optimum(params) < tol


def test_update_does_not_modify_inputs():
    params = _params0()
    grads = _grad(params)
    kept_p, kept_g = tree_map(np.copy, params), tree_map(np.copy, grads)
    for opt in (SGD(0.1), Momentum(0.1), RMSProp(0.1), Adam(0.1)):
        state = opt.init(params)
        kept_s = [np.copy(x) for x in tree_leaves(state.slots)]
        opt.update(grads, state, params)
        assert tree_equal(params, kept_p) and tree_equal(grads, kept_g)
        assert all(np.array_equal(a, b) for a, b in zip(tree_leaves(state.slots), kept_s))
        assert state.t == 0


# ---------------------------------------------------------------------------------------------
# Updates against the formulas, computed here with Python floats
# ---------------------------------------------------------------------------------------------

_THETA0 = [1.0, -2.0, 0.25]
_G1 = [0.5, -0.1, 3.0]
_G2 = [-0.2, -0.4, 1.0]


def _two_steps(opt):
    params = {"w": np.array(_THETA0)}
    state = opt.init(params)
    p1, state = opt.update({"w": np.array(_G1)}, state, params)
    p2, state = opt.update({"w": np.array(_G2)}, state, p1)
    return p1["w"], p2["w"], state


def test_adam_matches_kingma_ba_algorithm_1():
    # Kingma & Ba (2015), Algorithm 1, two iterations written out with Python floats.
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    expected1, expected2 = [], []
    for th, g1, g2 in zip(_THETA0, _G1, _G2):
        m = (1 - b1) * g1
        v = (1 - b2) * g1 ** 2
        th1 = th - lr * (m / (1 - b1)) / (math.sqrt(v / (1 - b2)) + eps)
        m = b1 * m + (1 - b1) * g2
        v = b2 * v + (1 - b2) * g2 ** 2
        th2 = th1 - lr * (m / (1 - b1 ** 2)) / (math.sqrt(v / (1 - b2 ** 2)) + eps)
        expected1.append(th1)
        expected2.append(th2)
    p1, p2, state = _two_steps(Adam(lr, b1=b1, b2=b2, eps=eps))
    np.testing.assert_allclose(p1, expected1, rtol=FLOAT_RTOL, atol=FLOAT_ATOL)
    np.testing.assert_allclose(p2, expected2, rtol=FLOAT_RTOL, atol=FLOAT_ATOL)
    assert state.t == 2
    # Section 2.1 of the paper: the first bias-corrected step has magnitude lr·|g|/(|g| + eps) ≈ lr.
    np.testing.assert_allclose(np.abs(p1 - np.array(_THETA0)), lr, rtol=ADAM_FIRST_STEP_RTOL)


def test_sgd_and_momentum_match_formulas():
    lr, beta = 0.1, 0.9
    p1, p2, _ = _two_steps(SGD(lr))
    np.testing.assert_allclose(p2, [t - lr * (a + b) for t, a, b in zip(_THETA0, _G1, _G2)],
                               rtol=FLOAT_RTOL, atol=FLOAT_ATOL)
    # heavy ball: v1 = g1, v2 = β g1 + g2; θ2 = θ0 − lr (v1 + v2)
    _, p2, _ = _two_steps(Momentum(lr, beta=beta))
    np.testing.assert_allclose(
        p2, [t - lr * (a + (beta * a + b)) for t, a, b in zip(_THETA0, _G1, _G2)],
        rtol=FLOAT_RTOL, atol=FLOAT_ATOL)
    # Nesterov: θ_{k} = θ_{k-1} − lr (g_k + β v_k)
    _, p2, _ = _two_steps(Momentum(lr, beta=beta, nesterov=True))
    expected = []
    for t, a, b in zip(_THETA0, _G1, _G2):
        v1 = a
        v2 = beta * v1 + b
        expected.append(t - lr * (a + beta * v1) - lr * (b + beta * v2))
    np.testing.assert_allclose(p2, expected, rtol=FLOAT_RTOL, atol=FLOAT_ATOL)


def test_rmsprop_matches_formula():
    lr, rho, eps = 0.01, 0.9, 1e-8
    expected = []
    for t, a, b in zip(_THETA0, _G1, _G2):
        s1 = (1 - rho) * a * a
        t1 = t - lr * a / (math.sqrt(s1) + eps)
        s2 = rho * s1 + (1 - rho) * b * b
        expected.append(t1 - lr * b / (math.sqrt(s2) + eps))
    _, p2, _ = _two_steps(RMSProp(lr, decay=rho, eps=eps))
    np.testing.assert_allclose(p2, expected, rtol=FLOAT_RTOL, atol=FLOAT_ATOL)


@pytest.mark.parametrize("name", ["sgd", "momentum", "rmsprop", "adam"])
def test_maximize_equals_negated_gradient(name):
    params = _params0()
    up = make_optimizer(name, 0.05, maximize=True)
    down = make_optimizer(name, 0.05)
    su, sd = up.init(params), down.init(params)
    pu, pd = params, params
    for _ in range(3):
        g = _grad(pu)
        pu, su = up.update(g, su, pu)
        pd, sd = down.update(tree_scale(g, -1.0), sd, pd)
    assert tree_equal(pu, pd)


def test_maximize_ascends():
    # f(θ) = −‖θ‖² has its maximum at 0; ascent with grad −2θ shrinks θ.
    opt = SGD(0.1, maximize=True)
    params = [np.array([1.0, -1.0])]
    state = opt.init(params)
    params, state = opt.update([-2.0 * params[0]], state, params)
    np.testing.assert_allclose(params[0], [0.8, -0.8], rtol=FLOAT_RTOL)


# ---------------------------------------------------------------------------------------------
# pytree helpers
# ---------------------------------------------------------------------------------------------


def test_tree_helpers():
    tree = {"x": np.arange(3.0), "y": [np.ones((2, 2)), (np.array(5.0), np.array([-1.0]))]}
    vec, unflatten = tree_flatten(tree)
    np.testing.assert_array_equal(vec, [0, 1, 2, 1, 1, 1, 1, 5, -1])
    back = unflatten(vec)
    assert tree_equal(back, tree)
    assert isinstance(back["y"][1], tuple)
    assert math.isclose(tree_norm(tree), math.sqrt(0 + 1 + 4 + 4 + 25 + 1), rel_tol=FLOAT_RTOL)
    assert tree_equal(tree_add(tree, tree), tree_scale(tree, 2.0))
    assert tree_norm(tree_sub(tree, tree)) == 0.0
    assert tree_norm(tree_zeros_like(tree)) == 0.0
    assert tree_allclose(tree_map(lambda a, b: a * b, tree, tree), tree_map(np.square, tree))
    assert tree_unflatten(tree_structure(tree), tree_leaves(tree)) is not tree
    with pytest.raises(ValueError, match="vec"):
        unflatten(vec[:-1])
    with pytest.raises(ValueError, match="leaves"):
        tree_unflatten(tree_structure(tree), tree_leaves(tree)[:-1])
    with pytest.raises(ValueError, match="leaves"):
        tree_unflatten(tree_structure(tree), tree_leaves(tree) + [1.0])
    with pytest.raises(ValueError, match="structure"):
        tree_add(tree, {"x": np.arange(3.0)})
    assert not tree_equal(tree, {"x": tree["x"]})


# ---------------------------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lr", [0.0, -1.0, float("nan"), float("inf")])
@pytest.mark.parametrize("cls", [SGD, Momentum, RMSProp, Adam])
def test_rejects_bad_lr(cls, lr):
    with pytest.raises(ValueError, match="`lr`"):
        cls(lr)


def test_rejects_bad_hyperparameters():
    with pytest.raises(TypeError, match="`lr`"):
        SGD("0.1")
    with pytest.raises(ValueError, match="`beta`"):
        Momentum(0.1, beta=1.0)
    with pytest.raises(ValueError, match="`beta`"):
        Momentum(0.1, beta=-0.1)
    with pytest.raises(ValueError, match="`b1`"):
        Adam(0.1, b1=1.0)
    with pytest.raises(ValueError, match="`b2`"):
        Adam(0.1, b2=1.5)
    with pytest.raises(ValueError, match="`eps`"):
        Adam(0.1, eps=0.0)
    with pytest.raises(ValueError, match="`decay`"):
        RMSProp(0.1, decay=1.0)
    with pytest.raises(ValueError, match="`eps`"):
        RMSProp(0.1, eps=-1e-8)
    with pytest.raises(TypeError, match="`nesterov`"):
        Momentum(0.1, nesterov=1)
    with pytest.raises(TypeError, match="`maximize`"):
        SGD(0.1, maximize="yes")
    with pytest.raises(ValueError, match="`name`"):
        make_optimizer("adagrad", 0.1)


def test_rejects_bad_update_arguments():
    opt = Adam(0.1)
    params = _params0()
    state = opt.init(params)
    with pytest.raises(ValueError, match="`grads`"):
        opt.update({"a": np.zeros(2)}, state, params)
    with pytest.raises(TypeError, match="`state`"):
        opt.update(_grad(params), {"t": 0}, params)
    with pytest.raises(TypeError, match="`params`"):
        opt.init({"a": "text"})
    assert isinstance(state, OptState)
