"""Saved models: one checksummed, pickle-free file that gives back the same model and predictions."""

import numpy as np
import pytest

import layerwise
from layerwise.checkpoint import CheckpointError
from layerwise import nn
from layerwise.classifiers import (ConvNet, FullyConnectedNet, KNearestNeighbor, LinearSVM, Softmax,
                                   ThreeLayerConvNet, TwoLayerNet)
from layerwise.classifiers.neural_net import TwoLayerNet as ClassicTwoLayerNet

MODELS = [
    (lambda: FullyConnectedNet([6, 5], input_dim=12, num_classes=3, normalization="batchnorm",
                               dropout_keep_ratio=0.8, weight_scale="he", dtype=np.float64), (12,)),
    (lambda: FullyConnectedNet([6], input_dim=12, num_classes=3, normalization="layernorm"), (12,)),
    (lambda: TwoLayerNet(12, 7, 3, 1e-1, 1e-3), (12,)),
    (lambda: ConvNet(input_dim=(1, 4, 4), blocks=(2, "pool"), hidden_dims=(4,), num_classes=3,
                     normalization="batchnorm"), (1, 4, 4)),
    (lambda: ConvNet(input_dim=(1, 4, 4), blocks=(2, "pool"), num_classes=3, dtype=np.float64), (1, 4, 4)),
    (lambda: FullyConnectedNet([6], input_dim=12, num_classes=3, dtype=np.float32), (12,)),
    (lambda: TwoLayerNet(12, 7, 3, dtype=np.float32), (12,)),
    (lambda: ThreeLayerConvNet(input_dim=(1, 4, 4), num_filters=2, filter_size=3, hidden_dim=4, num_classes=3),
     (1, 4, 4)),
    (lambda: ClassicTwoLayerNet(12, 5, 3, std=1e-1), (12,)),
]


def _fit(model, X, y):
    """A trained linear classifier or k-NN."""
    if hasattr(model, "W"):
        model.train(X.reshape(len(X), -1), y, learning_rate=1e-2, num_iters=20, batch_size=8)
    else:
        model.train(X.reshape(len(X), -1), y)
    return model


@pytest.mark.parametrize("make", [lambda: LinearSVM(), lambda: Softmax(seed=3), lambda: KNearestNeighbor()])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_linear_classifiers_and_knn_save_and_load(tmp_path, make, dtype):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((30, 6)).astype(dtype), rng.integers(0, 3, 30)
    model = _fit(make(), X, y)
    loaded = layerwise.load_model(model.save(tmp_path / "m.npz"))
    assert type(loaded) is type(model) and np.array_equal(loaded.predict(X), model.predict(X))
    assert all(loaded.params[k].dtype == v.dtype for k, v in model.params.items())


@pytest.mark.parametrize("make, shape", [
    (lambda: nn.TinyNet(input_dim=12, hidden_dim=5, num_classes=3), (12,)),
    (lambda: nn.FullyConnectedNetwork(input_dim=12, num_classes=3, dtype=np.float64), (12,)),
    (lambda: nn.DropoutNet(keep_prob=0.5, seed=2), (15,)),
    (lambda: nn.TestCNN(), (8, 8, 3)),
    (lambda: nn.TestFCGeLU(), (5, 3)),
    (lambda: nn.SmallFullyConnectedNetwork(dtype=np.float32), (4,)),
    (lambda: nn.SmallConvolutionalNetwork(input_shape=(8, 8, 3), num_classes=4, filters=(2, 3), hidden_dim=5),
     (8, 8, 3)),
])
def test_module_api_models_save_and_load(tmp_path, make, shape):
    np.random.seed(1)
    model = make()
    X = np.random.randn(5, *shape)
    loaded = layerwise.load_model(model.save(tmp_path / "m.npz"))
    assert type(loaded) is type(model)
    assert np.array_equal(loaded.forward(X), model.forward(X)) and np.array_equal(loaded.predict(X), model.predict(X))


@pytest.mark.parametrize("make, shape", MODELS)
def test_a_saved_model_loads_as_the_same_model(tmp_path, make, shape):
    np.random.seed(0)
    model = make()
    X, y = np.random.randn(16, *shape), np.random.randint(3, size=16)
    for _ in range(3):                       # move the weights and the batchnorm statistics off their start
        loss, grads = model.loss(X, y)
        for name in model.params:
            model.params[name] -= 0.1 * grads[name]
    mean = np.linspace(0, 1, int(np.prod(shape))).reshape(shape)
    path = model.save(tmp_path / "model.npz", preprocessing={"mean_image": mean})

    before = np.random.get_state()[1].copy()
    loaded = layerwise.load_model(path)
    assert np.array_equal(np.random.get_state()[1], before)          # the global generator is untouched
    assert type(loaded) is type(model) and repr(loaded).split("(")[0] == type(model).__name__
    assert np.array_equal(loaded.loss(X), model.loss(X)) and np.array_equal(loaded.predict(X), model.predict(X))
    for name, value in model.params.items():
        assert np.array_equal(loaded.params[name], value) and loaded.params[name].dtype == value.dtype
    assert len(getattr(model, "bn_params", [])) == len(getattr(loaded, "bn_params", []))
    for mine, theirs in zip(getattr(model, "bn_params", []), getattr(loaded, "bn_params", [])):
        assert mine.keys() == theirs.keys()
        for key, value in mine.items():
            assert np.array_equal(value, theirs[key]), key
    assert np.array_equal(loaded.preprocessing["mean_image"], mean)


def test_damaged_or_altered_files_are_refused(tmp_path):
    model = FullyConnectedNet([4], input_dim=6, num_classes=2)
    path = model.save(tmp_path / "m.npz")
    data = path.read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match=r"cut\.npz is not a layerwise file or is corrupt or truncated"):
        layerwise.load_model(tmp_path / "cut.npz")
    with np.load(path) as npz:                # a re-written file: valid zip, one weight changed, old checksum
        members = {key: npz[key] for key in npz.files}
    members["params/W1"] = members["params/W1"] + 1e-3
    np.savez(tmp_path / "altered.npz", **members)
    with pytest.raises(CheckpointError, match=r"altered\.npz has been modified or is corrupt"):
        layerwise.load_model(tmp_path / "altered.npz")
    (tmp_path / "flipped.npz").write_bytes(data[:-40] + bytes(b ^ 0xFF for b in data[-40:]))
    with pytest.raises(CheckpointError, match=r"flipped\.npz is not a layerwise file or is corrupt"):
        layerwise.load_model(tmp_path / "flipped.npz")
    with pytest.raises(FileNotFoundError, match="no such model file or run directory: .*none.npz"):
        layerwise.load_model(tmp_path / "none.npz")


def test_repr_shows_the_constructor_call_and_the_size():
    model = FullyConnectedNet([5], input_dim=12, num_classes=3, dtype=np.float64)
    assert repr(model) == "FullyConnectedNet([5], input_dim=12, num_classes=3, dtype=np.float64)  # 83 parameters"
