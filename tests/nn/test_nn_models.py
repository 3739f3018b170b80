"""Ready-made module networks: layer table, initialization, gradient checks, equivalence with FullyConnectedNet."""

import numpy as np
import pytest

from layerwise import nn
from layerwise.classifiers import FullyConnectedNet
from layerwise.gradient_check import eval_numerical_gradient, rel_error

# SPEC 6: parameter names and shapes of every ready-made model.
SHAPES = {
    nn.TestFCGeLU: {"fc1_w": (15, 5), "fc1_b": (5,)},
    nn.SmallFullyConnectedNetwork: {"fc1_w": (4, 30), "fc1_b": (30,), "fc2_w": (30, 7), "fc2_b": (7,)},
    nn.DropoutNet: {"fc1_w": (15, 20), "fc1_b": (20,), "fc2_w": (20, 30), "fc2_b": (30,),
                    "fc3_w": (30, 10), "fc3_b": (10,)},
    nn.TinyNet: {"fc1_w": (3072, 512), "fc1_b": (512,), "fc2_w": (512, 20), "fc2_b": (20,)},
    nn.FullyConnectedNetwork: {"fc1_w": (3072, 100), "fc1_b": (100,), "fc2_w": (100, 100), "fc2_b": (100,),
                               "fc3_w": (100, 20), "fc3_b": (20,)},
    nn.TestCNN: {"conv_w": (3, 3, 3, 3), "conv_b": (3,), "fc_w": (27, 5), "fc_b": (5,)},
}
LAYERS = {
    nn.TestFCGeLU: ["flatten", "fc", "gelu"],
    nn.SmallFullyConnectedNetwork: ["fc", "gelu", "fc"],
    nn.DropoutNet: ["flatten", "fc", "relu", "dropout", "fc", "relu", "dropout", "fc"],
    nn.TinyNet: ["flatten", "fc", "gelu", "fc"],
    nn.FullyConnectedNetwork: ["flatten", "fc", "relu", "fc", "relu", "fc"],
    nn.TestCNN: ["ConvLayer2D", "MaxPoolingLayer", "flatten", "fc"],
}


@pytest.mark.parametrize("cls", list(SHAPES))
def test_layer_table(cls):
    model = cls()
    assert {k: v.shape for k, v in model.params.items()} == SHAPES[cls]
    assert list(model.params) == list(SHAPES[cls])  # in layer order
    assert [type(layer).__name__ for layer in model.net.layers] == LAYERS[cls]


@pytest.mark.parametrize("cls,scale", [(nn.TinyNet, 0.02), (nn.DropoutNet, 5e-2), (nn.TestCNN, 0.02),
                                       (nn.FullyConnectedNetwork, 0.02)])
def test_initialization_draws_scaled_randn_in_layer_order(cls, scale):
    np.random.seed(42)
    model = cls(dtype=np.float64)
    np.random.seed(42)
    for name, value in model.params.items():
        if name.endswith("_w"):
            assert np.array_equal(value, scale * np.random.randn(*value.shape)), name
        else:
            assert not value.any(), name


def test_seed_argument_gives_the_global_seed_numbers_without_touching_the_global_generator():
    np.random.seed(5)
    reference = nn.SmallFullyConnectedNetwork()
    np.random.seed(0)
    state = np.random.get_state()[1].copy()
    seeded = nn.SmallFullyConnectedNetwork(seed=5)
    assert np.array_equal(np.random.get_state()[1], state)
    for name in reference.params:
        assert np.array_equal(seeded.params[name], reference.params[name])


def test_dtypes_default_to_float64_for_check_models_and_float32_for_training_models():
    assert nn.TestFCGeLU().params["fc1_w"].dtype == np.float64
    assert nn.TinyNet().params["fc1_w"].dtype == np.float32
    tiny = nn.TinyNet(num_classes=10, hidden_dim=8, dtype=np.float64)
    assert tiny.params["fc2_w"].shape == (8, 10) and tiny.params["fc2_w"].dtype == np.float64
    out = nn.TinyNet(hidden_dim=8).forward(np.zeros((2, 32, 32, 3)))
    assert out.dtype == np.float32 and out.shape == (2, 20)
    with pytest.raises(ValueError, match="dtype must be a floating-point type"):
        nn.TinyNet(dtype=np.int32)


def test_size_options():
    fcn = nn.FullyConnectedNetwork(input_dim=(8, 8, 3), num_classes=10)
    assert fcn.params["fc1_w"].shape == (192, 100) and fcn.params["fc3_w"].shape == (100, 10)
    cnn = nn.SmallConvolutionalNetwork(input_shape=(8, 12, 3), num_classes=10, dtype=np.float64)
    out = cnn.forward(np.random.default_rng(0).standard_normal((2, 8, 12, 3)))
    assert out.shape == (2, 10)
    with pytest.raises(ValueError, match=r"multiples of 4 .* got input_shape \(10, 12, 3\)"):
        nn.SmallConvolutionalNetwork(input_shape=(10, 12, 3))


def test_small_conv_network_design_and_he_initialization():
    np.random.seed(1)
    model = nn.SmallConvolutionalNetwork()
    names = [layer.name for layer in model.net.layers if layer.params]
    assert names == ["conv1", "conv2", "fc1", "fc2"]
    kinds = [type(layer).__name__ for layer in model.net.layers]
    assert kinds.count("ConvLayer2D") == 2 and kinds.count("MaxPoolingLayer") == 2
    assert model.params["conv1_w"].shape == (3, 3, 3, 32) and model.params["conv2_w"].shape == (3, 3, 32, 64)
    assert model.params["fc1_w"].shape == (8 * 8 * 64, 256) and model.params["fc2_w"].shape == (256, 20)
    # He scale sqrt(2 / fan_in), within sampling error
    for name, fan_in in [("conv1_w", 27), ("conv2_w", 288), ("fc1_w", 4096)]:
        assert model.params[name].std() == pytest.approx(np.sqrt(2 / fan_in), rel=0.1), name


def _model_grad_errors(model, X, y, forward_seed=None, is_training=False):
    loss_func = nn.cross_entropy()

    def loss(_=None):
        return loss_func.forward(model.forward(X, is_training, forward_seed), y)

    loss()
    dx = model.backward(loss_func.backward())
    errors = {"x": rel_error(dx, eval_numerical_gradient(lambda _: loss(), X, verbose=False), floor=1e-3)}
    for name, param in model.params.items():
        numeric = eval_numerical_gradient(loss, param, verbose=False)
        errors[name] = rel_error(model.grads[name], numeric, floor=1e-3)
    return errors


def _labels_for(model, X, rng):
    return rng.integers(model.forward(X).shape[1], size=X.shape[0])


@pytest.mark.parametrize("cls,shape", [(nn.TestFCGeLU, (3, 5, 3)), (nn.SmallFullyConnectedNetwork, (4, 4)),
                                       (nn.TestCNN, (2, 8, 8, 3))])
def test_model_gradcheck(cls, shape):
    rng = np.random.default_rng(3)
    model = cls(init_scale=0.5)  # large enough weights that every gradient is far above the noise floor
    for name, value in model.params.items():
        if name.endswith("_b"):
            model.params[name] = rng.standard_normal(value.shape)
    X = rng.standard_normal(shape)
    errors = _model_grad_errors(model, X, _labels_for(model, X, rng))
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("keep_prob", [0, 0.25, 0.5])
def test_dropout_net_gradcheck_with_fixed_seed(keep_prob):
    seed = 123
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((3, 15))
    y = rng.integers(10, size=3)
    model = nn.DropoutNet(keep_prob=keep_prob, seed=seed, init_scale=0.3)
    # Nonzero biases: with zero ones, an example whose units were all dropped sits exactly on a ReLU kink.
    for name, value in model.params.items():
        if name.endswith("_b"):
            model.params[name] = rng.standard_normal(value.shape)
    errors = _model_grad_errors(model, X, y, forward_seed=seed, is_training=True)
    assert max(errors.values()) < 1e-6, errors
    if keep_prob:  # the masks really drop units in training
        assert not np.allclose(model.forward(X, True, seed), model.forward(X, False))


def test_module_network_matches_functional_fully_connected_net():
    rng = np.random.default_rng(0)
    N, D, C = 6, 12, 5
    functional = FullyConnectedNet([9, 7], input_dim=D, num_classes=C, weight_scale=0.3, dtype=np.float64)
    for i in (1, 2, 3):
        functional.params[f"b{i}"] = rng.standard_normal(functional.params[f"b{i}"].shape)
    module = nn.FullyConnectedNetwork(input_dim=D, hidden_dims=(9, 7), num_classes=C, dtype=np.float64)
    for i in (1, 2, 3):
        module.net.assign(f"fc{i}_w", functional.params[f"W{i}"].copy())
        module.net.assign(f"fc{i}_b", functional.params[f"b{i}"].copy())
    X = rng.standard_normal((N, 3, 2, 2))
    y = rng.integers(C, size=N)

    assert np.array_equal(module.forward(X), functional.loss(X))
    loss, grads = functional.loss(X, y)
    loss_func = nn.cross_entropy()
    assert loss_func.forward(module.forward(X, is_training=True), y) == loss
    module.backward(loss_func.backward())
    for i in (1, 2, 3):
        assert np.array_equal(module.grads[f"fc{i}_w"], grads[f"W{i}"])
        assert np.array_equal(module.grads[f"fc{i}_b"], grads[f"b{i}"])
