"""Functional layers: numerical gradient checks, hand-worked values, statistics, errors."""

import math
import warnings

import numpy as np
import pytest

from layerwise import layers as L
from layerwise.gradient_check import check_layer, eval_numerical_gradient, eval_numerical_gradient_array, rel_error


@pytest.fixture
def rng():
    return np.random.default_rng(231)


# --------------------------------------------------------------------------- affine

def test_affine_forward_matches_explicit_sum(rng):
    x = rng.standard_normal((3, 2, 5))
    w = rng.standard_normal((10, 4))
    b = rng.standard_normal(4)
    out, _ = L.affine_forward(x, w, b)
    expected = np.array([[sum(x[n].ravel()[d] * w[d, m] for d in range(10)) + b[m] for m in range(4)]
                         for n in range(3)])
    assert out.shape == (3, 4)
    assert rel_error(out, expected) < 1e-12


def test_affine_backward_gradcheck(rng):
    x = rng.standard_normal((10, 2, 3))
    w = rng.standard_normal((6, 5))
    b = rng.standard_normal(5)
    errors = check_layer(L.affine_forward, L.affine_backward, [x, w, b], ["x", "w", "b"])
    assert max(errors.values()) < 1e-9, errors


def test_affine_backward_returns_input_shape_and_can_skip_dx(rng):
    x = rng.standard_normal((4, 3, 2))
    w = rng.standard_normal((6, 2))
    out, cache = L.affine_forward(x, w, np.zeros(2))
    dx, dw, db = L.affine_backward(np.ones_like(out), cache)
    assert dx.shape == x.shape
    none_dx, dw2, db2 = L.affine_backward(np.ones_like(out), cache, compute_dx=False)
    assert none_dx is None and np.array_equal(dw, dw2) and np.array_equal(db, db2)


@pytest.mark.parametrize("x_shape, w_shape, b_shape, message", [
    ((4, 3), (5, 2), (2,), "flattens to 3 features per example but w expects D = 5"),
    ((4, 3), (3, 2), (3,), r"expected w \(D, M\) and b \(M,\)"),
    ((3,), (3, 2), (2,), "must have a batch axis"),
])
def test_affine_forward_shape_errors(x_shape, w_shape, b_shape, message):
    with pytest.raises(ValueError, match=message):
        L.affine_forward(np.zeros(x_shape), np.zeros(w_shape), np.zeros(b_shape))


# --------------------------------------------------------------------------- activations

ACTIVATIONS = {
    "relu": (L.relu_forward, L.relu_backward, lambda x: np.maximum(x, 0)),
    "leaky_relu": (L.leaky_relu_forward, L.leaky_relu_backward, lambda x: np.where(x > 0, x, 0.01 * x)),
    "sigmoid": (L.sigmoid_forward, L.sigmoid_backward, lambda x: 1 / (1 + np.exp(-x))),
    "tanh": (L.tanh_forward, L.tanh_backward, np.tanh),
    "gelu": (L.gelu_forward, L.gelu_backward,
             lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))),
}


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_forward_values(name, rng):
    forward, _, reference = ACTIVATIONS[name]
    x = rng.standard_normal((4, 7)) * 3
    out, _ = forward(x)
    assert rel_error(out, reference(x)) < 1e-12


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_gradcheck(name, rng):
    forward, backward, _ = ACTIVATIONS[name]
    # |x| <= 3: far in the tails the derivatives are ~1e-10 and a relative error
    # only measures float rounding.  Keep ReLU's kink away from the step h too.
    x = np.clip(rng.standard_normal((5, 6)) * 2, -3, 3)
    x[np.abs(x) < 1e-3] = 0.5
    errors = check_layer(forward, backward, [x])
    assert errors["x0"] < 1e-7, errors


def test_leaky_relu_alpha_and_gradient():
    x = np.array([[-2.0, 3.0]])
    out, cache = L.leaky_relu_forward(x, alpha=0.2)
    assert np.allclose(out, [[-0.4, 3.0]])
    assert np.allclose(L.leaky_relu_backward(np.ones_like(x), cache), [[0.2, 1.0]])


def test_sigmoid_is_stable_for_huge_inputs():
    x = np.array([[-1e4, 0.0, 1e4]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out, _ = L.sigmoid_forward(x)
    assert np.allclose(out, [[0.0, 0.5, 1.0]])


# --------------------------------------------------------------------------- batchnorm

def test_batchnorm_train_normalizes_with_batch_statistics(rng):
    x = 5 + 3 * rng.standard_normal((200, 4))
    gamma = np.array([1.0, 2.0, 3.0, 4.0])
    beta = np.array([0.0, -1.0, 1.0, 2.0])
    out, _ = L.batchnorm_forward(x, gamma, beta, {"mode": "train"})
    assert np.allclose(out.mean(axis=0), beta, atol=1e-10)
    assert np.allclose(out.std(axis=0), gamma * np.sqrt(x.var(axis=0) / (x.var(axis=0) + 1e-5)), atol=1e-10)


def test_batchnorm_running_statistics_follow_momentum(rng):
    bn_param = {"mode": "train", "momentum": 0.8}
    xs = [rng.standard_normal((10, 3)) + k for k in range(3)]
    mean, var = np.zeros(3), np.zeros(3)
    for x in xs:
        L.batchnorm_forward(x, np.ones(3), np.zeros(3), bn_param)
        mean = 0.8 * mean + 0.2 * x.mean(axis=0)
        var = 0.8 * var + 0.2 * x.var(axis=0)
    assert rel_error(bn_param["running_mean"], mean) < 1e-12
    assert rel_error(bn_param["running_var"], var) < 1e-12


def test_batchnorm_test_mode_uses_running_statistics(rng):
    bn_param = {"mode": "train"}
    for _ in range(300):
        L.batchnorm_forward(2 + 3 * rng.standard_normal((64, 3)), np.ones(3), np.zeros(3), bn_param)
    bn_param["mode"] = "test"
    x = 2 + 3 * rng.standard_normal((500, 3))
    out, _ = L.batchnorm_forward(x, np.ones(3), np.zeros(3), bn_param)
    expected = (x - bn_param["running_mean"]) / np.sqrt(bn_param["running_var"] + 1e-5)
    assert rel_error(out, expected) < 1e-12
    assert np.all(np.abs(out.mean(axis=0)) < 0.2) and np.all(np.abs(out.std(axis=0) - 1) < 0.1)


@pytest.mark.parametrize("backward", [L.batchnorm_backward, L.batchnorm_backward_alt])
@pytest.mark.parametrize("mode", ["train", "test"])
def test_batchnorm_gradcheck(backward, mode, rng):
    x = 5 * rng.standard_normal((4, 5)) + 12
    gamma = rng.standard_normal(5)
    beta = rng.standard_normal(5)
    stats = {"running_mean": rng.standard_normal(5), "running_var": rng.random(5) + 0.5}

    def forward(x, gamma, beta):
        return L.batchnorm_forward(x, gamma, beta, {"mode": mode, **{k: v.copy() for k, v in stats.items()}})

    errors = check_layer(forward, backward, [x, gamma, beta], ["x", "gamma", "beta"])
    assert max(errors.values()) < 1e-7, errors


def test_batchnorm_backward_alt_equals_graph_version(rng):
    x = rng.standard_normal((50, 20))
    out, cache = L.batchnorm_forward(x, rng.standard_normal(20), rng.standard_normal(20), {"mode": "train"})
    dout = rng.standard_normal(out.shape)
    for a, b in zip(L.batchnorm_backward(dout, cache), L.batchnorm_backward_alt(dout, cache)):
        assert rel_error(a, b) < 1e-10


def test_batchnorm_errors():
    with pytest.raises(ValueError, match="mode'] must be 'train' or 'test'"):
        L.batchnorm_forward(np.zeros((2, 3)), np.ones(3), np.zeros(3), {})
    with pytest.raises(ValueError, match=r"gamma and beta must have shape \(3,\)"):
        L.batchnorm_forward(np.zeros((2, 3)), np.ones(4), np.zeros(3), {"mode": "train"})


# --------------------------------------------------------------------------- layernorm

def test_layernorm_normalizes_each_example(rng):
    x = 4 + 10 * rng.standard_normal((3, 50))
    out, _ = L.layernorm_forward(x, np.ones(50), np.zeros(50), {})
    assert np.allclose(out.mean(axis=1), 0, atol=1e-10)
    assert np.allclose(out.std(axis=1), 1, atol=1e-5)


def test_layernorm_gradcheck(rng):
    x = 5 * rng.standard_normal((4, 6)) + 12
    errors = check_layer(lambda x, g, b: L.layernorm_forward(x, g, b, {}), L.layernorm_backward,
                         [x, rng.standard_normal(6), rng.standard_normal(6)], ["x", "gamma", "beta"])
    assert max(errors.values()) < 1e-7, errors


# --------------------------------------------------------------------------- dropout

@pytest.mark.parametrize("p", [0.25, 0.4, 0.7])
def test_dropout_keep_ratio_and_means(p, rng):
    x = rng.standard_normal((500, 500)) + 10
    out, _ = L.dropout_forward(x, {"mode": "train", "p": p, "seed": 123})
    keep = np.mean(out != 0)
    assert abs(keep - p) < 0.01
    assert abs(out.mean() - x.mean()) / x.mean() < 0.02   # inverted dropout keeps the expectation
    test_out, _ = L.dropout_forward(x, {"mode": "test", "p": p})
    assert test_out is x or np.array_equal(test_out, x)


def test_dropout_seed_is_deterministic_and_leaves_global_rng_alone():
    x = np.ones((20, 30))
    np.random.seed(0)
    before = np.random.get_state()[1].copy()
    a, _ = L.dropout_forward(x, {"mode": "train", "p": 0.5, "seed": 7})
    b, _ = L.dropout_forward(x, {"mode": "train", "p": 0.5, "seed": 7})
    assert np.array_equal(a, b)
    assert np.array_equal(np.random.get_state()[1], before)
    np.random.seed(7)
    assert np.array_equal(a != 0, np.random.rand(20, 30) < 0.5)   # same numbers as the course's global seed


def test_dropout_gradcheck(rng):
    x = rng.standard_normal((10, 10)) + 10
    param = {"mode": "train", "p": 0.2, "seed": 123}
    errors = check_layer(lambda x: L.dropout_forward(x, param), L.dropout_backward, [x])
    assert errors["x0"] < 1e-9


def test_dropout_p_one_is_identity_and_bad_p_raises():
    x = np.arange(6.0).reshape(2, 3)
    out, cache = L.dropout_forward(x, {"mode": "train", "p": 1})
    assert np.array_equal(out, x) and np.array_equal(L.dropout_backward(x, cache), x)
    with pytest.raises(ValueError, match="probability of keeping a unit"):
        L.dropout_forward(x, {"mode": "train", "p": 0})


# --------------------------------------------------------------------------- losses

def test_softmax_loss_hand_worked():
    x = np.array([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]])
    y = np.array([2, 0])
    loss, dx = L.softmax_loss(x, y)
    p0 = np.exp([1.0, 2.0, 3.0]) / np.exp([1.0, 2.0, 3.0]).sum()
    expected = 0.5 * (-np.log(p0[2]) - np.log(1 / 3))
    assert abs(loss - expected) < 1e-12
    assert rel_error(dx, 0.5 * (np.vstack([p0, np.full(3, 1 / 3)]) - np.eye(3)[y])) < 1e-12


def test_svm_loss_hand_worked():
    x = np.array([[3.0, 1.0, 2.5], [0.0, 0.0, 0.0]])
    y = np.array([0, 1])
    loss, dx = L.svm_loss(x, y)
    # example 0: margins max(0, 1-3+1)=0, max(0, 2.5-3+1)=0.5; example 1: 1 + 1
    assert abs(loss - (0.5 + 2.0) / 2) < 1e-12
    assert np.allclose(dx, [[-0.5, 0, 0.5], [0.5, -1.0, 0.5]])


@pytest.mark.parametrize("loss_fn", [L.softmax_loss, L.svm_loss])
def test_loss_gradcheck(loss_fn, rng):
    x = 0.001 * rng.standard_normal((50, 10))
    y = rng.integers(10, size=50)
    _, dx = loss_fn(x, y)
    dx_num = eval_numerical_gradient(lambda x: loss_fn(x, y)[0], x, verbose=False)
    assert rel_error(dx, dx_num) < 1e-8


@pytest.mark.parametrize("loss_fn", [L.softmax_loss, L.svm_loss])
def test_losses_are_stable_for_huge_scores(loss_fn):
    x = np.array([[1e4, -1e4, 0.0], [5e4, 5e4, 5e4]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, dx = loss_fn(x, np.array([1, 2]))
    assert np.isfinite(loss) and np.all(np.isfinite(dx))


@pytest.mark.parametrize("y, message", [
    (np.array([0, 3]), r"labels must lie in \[0, 2\] for 3 classes, got values from 0 to 3"),
    (np.array([0.0, 1.0]), "labels must be integers"),
    (np.array([0, 1, 2]), r"labels must have shape \(2,\)"),
])
@pytest.mark.parametrize("loss_fn", [L.softmax_loss, L.svm_loss])
def test_loss_label_errors(loss_fn, y, message):
    with pytest.raises(ValueError, match=message):
        loss_fn(np.zeros((2, 3)), y)


def test_float32_stays_float32(rng):
    x = rng.standard_normal((8, 6)).astype(np.float32)
    w = rng.standard_normal((6, 4)).astype(np.float32)
    out, cache = L.affine_forward(x, w, np.zeros(4, np.float32))
    for forward in (L.relu_forward, L.gelu_forward, L.sigmoid_forward, L.tanh_forward):
        assert forward(out)[0].dtype == np.float32
    bn_out, _ = L.batchnorm_forward(out, np.ones(4, np.float32), np.zeros(4, np.float32), {"mode": "train"})
    assert bn_out.dtype == np.float32
    drop, _ = L.dropout_forward(out, {"mode": "train", "p": 0.5})
    assert drop.dtype == np.float32
    _, dscores = L.softmax_loss(out, np.array([0, 1, 2, 3, 0, 1, 2, 3]))
    assert dscores.dtype == np.float32


def test_numerical_gradient_of_array_function_restores_input(rng):
    x = rng.standard_normal((3, 4))
    x_before = x.copy()
    df = rng.standard_normal((3, 4))
    grad = eval_numerical_gradient_array(lambda z: 2 * z, x, df)
    assert np.array_equal(x, x_before)
    assert rel_error(grad, 2 * df) < 1e-9
