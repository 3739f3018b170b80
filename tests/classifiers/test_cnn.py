"""Convolutional models: gradient checks, agreement with the naive layers and PyTorch, training, errors."""

import math

import numpy as np
import pytest

from layerwise.layers import convolution as CL
from layerwise import layers as L
from layerwise.classifiers.cnn import CIFAR10_CONVNET, ConvNet, ThreeLayerConvNet
from layerwise.gradient_check import eval_numerical_gradient, rel_error

POOL = {"pool_height": 2, "pool_width": 2, "stride": 2}


def _grad_errors(model, X, y, seed=0):
    """Relative error of every analytic gradient against centered differences.

    Biases are first set to small random values: with zero biases an example
    whose hidden units are all off feeds exactly 0 into the next ReLU, a kink
    where centered differences disagree with any one-sided derivative.  A bias
    followed by batch normalization has gradient exactly zero; there the
    analytic gradient must be zero to rounding too (a relative error of two
    rounding noises means nothing).
    """
    rng = np.random.default_rng(seed)
    for name, param in model.params.items():
        if name.startswith("b") and not name.startswith("beta"):
            param[...] = 0.1 * rng.standard_normal(param.shape)
    _, grads = model.loss(X, y)
    errors = {}
    for name, param in model.params.items():
        numeric = eval_numerical_gradient(lambda _: model.loss(X, y)[0], param, verbose=False)
        if np.max(np.abs(numeric)) < 1e-8:
            errors[name] = float(np.max(np.abs(grads[name])) > 1e-10)
        else:
            errors[name] = rel_error(numeric, grads[name])
    return errors


def _scaled_error(a, b):
    """max |a - b| relative to the scale of b (entries that are exactly zero in theory stay meaningful)."""
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-6))


def _three_layer_reference(model, X):
    """Scores of conv - relu - pool - affine - relu - affine built from the naive layers."""
    p = model.params
    pad = (p["W1"].shape[2] - 1) // 2
    h, _ = CL.conv_forward_naive(X, p["W1"], p["b1"], {"stride": 1, "pad": pad})
    h, _ = CL.max_pool_forward_naive(np.maximum(h, 0), POOL)
    h = np.maximum(h.reshape(len(X), -1) @ p["W2"] + p["b2"], 0)
    return h @ p["W3"] + p["b3"]


# --------------------------------------------------------------------------- ThreeLayerConvNet

def test_three_layer_convnet_shapes_and_init_order():
    np.random.seed(5)
    model = ThreeLayerConvNet(input_dim=(3, 8, 6), num_filters=4, filter_size=3, hidden_dim=7, num_classes=5,
                              weight_scale=0.3)
    np.random.seed(5)
    W1 = 0.3 * np.random.randn(4, 3, 3, 3)
    W2 = 0.3 * np.random.randn(4 * 4 * 3, 7)
    W3 = 0.3 * np.random.randn(7, 5)
    assert sorted(model.params) == ["W1", "W2", "W3", "b1", "b2", "b3"]
    for name, expected in (("W1", W1), ("W2", W2), ("W3", W3)):
        assert model.params[name].dtype == np.float32
        assert np.array_equal(model.params[name], expected.astype(np.float32))
    for name, size in (("b1", 4), ("b2", 7), ("b3", 5)):
        assert model.params[name].shape == (size,) and not model.params[name].any()


def test_three_layer_convnet_default_shapes():
    model = ThreeLayerConvNet()
    assert model.params["W1"].shape == (32, 3, 7, 7)
    assert model.params["W2"].shape == (32 * 16 * 16, 100)
    assert model.params["W3"].shape == (100, 10)


def test_three_layer_convnet_scores_match_naive_layers():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 3, 8, 8))
    np.random.seed(1)
    model = ThreeLayerConvNet(input_dim=(3, 8, 8), num_filters=4, filter_size=5, hidden_dim=6, num_classes=3,
                              weight_scale=0.2, dtype=np.float64)
    scores = model.loss(X)
    assert scores.shape == (3, 3)
    assert rel_error(scores, _three_layer_reference(model, X)) < 1e-10


def test_three_layer_convnet_initial_loss_is_log_num_classes():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((20, 3, 8, 8))
    y = rng.integers(10, size=20)
    model = ThreeLayerConvNet(input_dim=(3, 8, 8), num_filters=4, filter_size=3, hidden_dim=10, weight_scale=1e-3,
                              dtype=np.float64)
    loss, _ = model.loss(X, y)
    assert abs(loss - math.log(10)) < 1e-3
    model.reg = 0.5
    loss_reg, _ = model.loss(X, y)
    penalty = 0.5 * 0.5 * sum(np.sum(model.params[f"W{i}"] ** 2) for i in (1, 2, 3))
    assert abs(loss_reg - loss - penalty) < 1e-12


@pytest.mark.parametrize("reg", [0.0, 0.3])
def test_three_layer_convnet_gradcheck(reg):
    rng = np.random.default_rng(2)
    X = rng.standard_normal((2, 3, 8, 8))
    y = np.array([1, 3])
    np.random.seed(3)
    model = ThreeLayerConvNet(input_dim=(3, 8, 8), num_filters=3, filter_size=3, hidden_dim=7, num_classes=4,
                              weight_scale=0.3, reg=reg, dtype=np.float64)
    errors = _grad_errors(model, X, y)
    assert max(errors.values()) < 1e-6, errors


def test_three_layer_convnet_overfits_a_tiny_set():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((16, 3, 8, 8)).astype(np.float32)
    y = rng.integers(4, size=16)
    np.random.seed(4)
    model = ThreeLayerConvNet(input_dim=(3, 8, 8), num_filters=8, filter_size=3, hidden_dim=32, num_classes=4,
                              weight_scale=1e-1)
    velocity = {k: np.zeros_like(v) for k, v in model.params.items()}
    for _ in range(60):
        loss, grads = model.loss(X, y)
        for k, v in model.params.items():
            velocity[k] = 0.9 * velocity[k] - 0.02 * grads[k]
            v += velocity[k]
    assert np.mean(model.loss(X).argmax(axis=1) == y) == 1.0
    assert loss < 0.1


# --------------------------------------------------------------------------- ConvNet

def test_convnet_default_is_the_benchmark_network():
    model = ConvNet()
    shapes = {k: v.shape for k, v in model.params.items()}
    assert shapes == {"W1": (32, 3, 3, 3), "b1": (32,), "W2": (64, 32, 3, 3), "b2": (64,),
                      "W3": (64 * 8 * 8, 10), "b3": (10,)}
    assert all(v.dtype == np.float32 for v in model.params.values())
    # 'he' initialization: std sqrt(2 / fan_in).
    assert abs(model.params["W2"].std() - math.sqrt(2 / (32 * 9))) < 0.05 * math.sqrt(2 / (32 * 9))


@pytest.mark.parametrize("config", [
    dict(blocks=(3, "pool", 4, "pool"), hidden_dims=()),
    dict(blocks=(3, "pool", 2, 4, "pool"), hidden_dims=(6,), normalization="batchnorm"),
    dict(blocks=(4, 3, "pool"), hidden_dims=(5, 6), dropout_keep_ratio=0.7, seed=3, reg=0.1),
    dict(blocks=(3, "pool"), hidden_dims=(5,), normalization="batchnorm", dropout_keep_ratio=0.8, seed=1,
         filter_size=5, weight_scale="xavier"),
])
def test_convnet_gradcheck(config):
    rng = np.random.default_rng(6)
    X = rng.standard_normal((4, 3, 8, 8))   # batchnorm over 2 examples is degenerate (x_hat = +-1)
    y = np.array([2, 0, 1, 1])
    np.random.seed(7)
    model = ConvNet(input_dim=(3, 8, 8), num_classes=3, dtype=np.float64, **config)
    errors = _grad_errors(model, X, y)
    assert max(errors.values()) < 1e-6, errors


def test_convnet_matches_torch():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(8)
    X = rng.standard_normal((4, 3, 8, 8))
    y = rng.integers(5, size=4)
    np.random.seed(9)
    model = ConvNet(input_dim=(3, 8, 8), blocks=(4, "pool", 6, 5, "pool"), hidden_dims=(7,), num_classes=5,
                    normalization="batchnorm", dtype=np.float64)
    loss, grads = model.loss(X, y)
    p = {k: torch.tensor(v, requires_grad=True) for k, v in model.params.items()}

    def conv_bn_relu(h, i):
        h = F.conv2d(h, p[f"W{i}"], p[f"b{i}"], padding=1)
        return F.relu(F.batch_norm(h, None, None, p[f"gamma{i}"], p[f"beta{i}"], training=True, eps=1e-5))

    h = F.max_pool2d(conv_bn_relu(torch.tensor(X), 1), 2)
    h = F.max_pool2d(conv_bn_relu(conv_bn_relu(h, 2), 3), 2)
    h = h.reshape(4, -1) @ p["W4"] + p["b4"]
    h = F.relu(F.batch_norm(h, None, None, p["gamma4"], p["beta4"], training=True, eps=1e-5))
    reference = F.cross_entropy(h @ p["W5"] + p["b5"], torch.tensor(y))
    reference.backward()
    assert abs(loss - reference.item()) < 1e-10
    for name in model.params:
        assert _scaled_error(grads[name], p[name].grad.numpy()) < 1e-8, name


def test_convnet_batchnorm_state_and_test_mode():
    rng = np.random.default_rng(10)
    X = rng.standard_normal((6, 3, 8, 8))
    model = ConvNet(input_dim=(3, 8, 8), blocks=(4, "pool"), hidden_dims=(5,), num_classes=3,
                    normalization="batchnorm", dtype=np.float64)
    assert len(model.bn_params) == 2 and all(p == {"mode": "train"} for p in model.bn_params)
    model.loss(X, np.zeros(6, dtype=int))
    assert model.bn_params[0]["running_mean"].shape == (4,)
    assert model.bn_params[1]["running_var"].shape == (5,)
    # Test mode uses the running statistics: an example's scores do not depend on its batch.
    scores = model.loss(X)
    assert all(p["mode"] == "test" for p in model.bn_params)
    assert rel_error(model.loss(X[:2]), scores[:2]) < 1e-12


def test_convnet_scores_large_inputs_in_chunks_with_bounded_memory():
    rng = np.random.default_rng(13)
    X = rng.standard_normal((23, 3, 8, 8))
    model = ConvNet(input_dim=(3, 8, 8), blocks=(4, "pool", 6, "pool"), hidden_dims=(5,), num_classes=3,
                    normalization="batchnorm", dtype=np.float64)
    model.loss(X[:8], np.zeros(8, dtype=int))          # a training step on 8 examples sizes the buffers
    held = sum(layer.ws.nbytes for layer in model._conv_layers if hasattr(layer, "ws"))
    model.score_batch_size = 5
    chunked = model.loss(X)                            # 5 + 5 + 5 + 5 + 3 examples
    assert chunked.shape == (23, 3)
    assert sum(layer.ws.nbytes for layer in model._conv_layers if hasattr(layer, "ws")) == held
    model.score_batch_size = 128
    whole = model.loss(X)                              # one pass over all 23: the buffers grow
    assert sum(layer.ws.nbytes for layer in model._conv_layers if hasattr(layer, "ws")) > held
    np.testing.assert_allclose(chunked, whole, rtol=1e-12)


def test_convnet_repeated_calls_do_not_corrupt_earlier_results():
    rng = np.random.default_rng(11)
    X1, X2 = rng.standard_normal((2, 4, 3, 8, 8))
    y = np.array([0, 1, 2, 1])
    model = ConvNet(input_dim=(3, 8, 8), blocks=(4, "pool", 4, "pool"), num_classes=3, dtype=np.float64)
    loss1, grads1 = model.loss(X1, y)
    saved = {k: v.copy() for k, v in grads1.items()}
    scores1 = model.loss(X1)
    saved_scores = scores1.copy()
    model.loss(X2, y)
    model.loss(X2)
    for k in saved:
        assert np.array_equal(grads1[k], saved[k]), k          # returned arrays are not reused scratch memory
    assert np.array_equal(scores1, saved_scores)
    loss1_again, grads1_again = model.loss(X1, y)
    assert loss1_again == loss1
    assert all(np.array_equal(grads1_again[k], saved[k]) for k in saved)


def test_convnet_accepts_other_input_dtypes():
    rng = np.random.default_rng(12)
    X = rng.standard_normal((2, 3, 8, 8))
    model = ConvNet(input_dim=(3, 8, 8), num_classes=3)
    assert model.loss(X).dtype == np.float32
    assert rel_error(model.loss(X), model.loss(X.astype(np.float32))) < 1e-6
    assert model.loss((X * 10).astype(np.uint8)).dtype == np.float32


def test_cifar10_config_builds():
    model = ConvNet(**CIFAR10_CONVNET)
    assert model.params["W7"].shape == (128 * 4 * 4, 256)
    assert len(model.bn_params) == model.num_layers - 1 == 7


@pytest.mark.parametrize("kwargs, message", [
    (dict(input_dim=(3, 6, 6), blocks=(4, "pool", 4, "pool")), r"do not tile an input of height 3"),
    (dict(input_dim=(3, 8, 8), blocks=(4, "avg")), "blocks entries must be a number of filters or 'pool'"),
    (dict(input_dim=(3, 8, 8), blocks=(0, "pool")), "numbers of filters must be positive"),
    (dict(input_dim=(3, 8, 8), normalization="groupnorm"), "normalization must be None or 'batchnorm'"),
    (dict(input_dim=(3, 8, 8), dropout_keep_ratio=0), r"must be in \(0, 1\]"),
    (dict(input_dim=(3, 8, 8), weight_scale="lecun"), "weight_scale must be a positive number, 'he' or 'xavier'"),
    (dict(input_dim=(8, 8)), r"input_dim must be \(C, H, W\)"),
])
def test_convnet_configuration_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ConvNet(**kwargs)


def test_convnet_input_errors():
    model = ConvNet(input_dim=(3, 8, 8), num_classes=3)
    with pytest.raises(ValueError, match=r"X must have shape \(N, 3, 8, 8\) \(N, C, H, W\), got \(2, 8, 8, 3\)"):
        model.loss(np.zeros((2, 8, 8, 3)))
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\]"):
        model.loss(np.zeros((2, 3, 8, 8)), np.array([0, 3]))


def test_convnet_uses_the_layer_kernels():
    """The model's conv stage equals the public NCHW kernels chained by hand."""
    rng = np.random.default_rng(13)
    X = rng.standard_normal((3, 3, 8, 8))
    model = ConvNet(input_dim=(3, 8, 8), blocks=(4, "pool"), num_classes=2, dtype=np.float64)
    p = model.params
    h, _ = L.conv_forward(X, p["W1"], p["b1"], {"stride": 1, "pad": 1})
    h, _ = L.max_pool_forward(L.relu_forward(h)[0], POOL)
    scores, _ = L.affine_forward(h, p["W2"], p["b2"])
    assert rel_error(model.loss(X), scores) < 1e-12
