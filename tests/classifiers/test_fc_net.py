"""Fully connected models: gradient checks, initialization, options and errors."""

import numpy as np
import pytest

from layerwise.classifiers import FullyConnectedNet, TwoLayerNet
from layerwise.gradient_check import eval_numerical_gradient, rel_error
from layerwise.layers import affine_forward, relu_forward, softmax_loss


def _model_grad_errors(model, X, y):
    """Relative error of every parameter's gradient, with the noise floor of whole-model checks (see rel_error)."""
    loss, grads = model.loss(X, y)
    errors = {}
    for name, param in model.params.items():
        numeric = eval_numerical_gradient(lambda _: model.loss(X, y)[0], param, verbose=False, h=1e-5)
        errors[name] = rel_error(numeric, grads[name], floor=1e-3)
    return loss, errors


def test_two_layer_net_scores_and_loss_match_explicit_computation():
    rng = np.random.default_rng(0)
    N, D, H, C = 3, 5, 50, 7
    X = rng.standard_normal((N, D))
    y = rng.integers(C, size=N)
    model = TwoLayerNet(input_dim=D, hidden_dim=H, num_classes=C, weight_scale=1e-3, reg=0.1)
    W1, b1, W2, b2 = (model.params[k] for k in ("W1", "b1", "W2", "b2"))
    assert W1.shape == (D, H) and W2.shape == (H, C) and W1.dtype == np.float64
    assert not b1.any() and not b2.any()
    hidden = np.maximum(0, X @ W1 + b1)
    scores = hidden @ W2 + b2
    assert rel_error(model.loss(X), scores) < 1e-12
    shifted = scores - scores.max(axis=1, keepdims=True)
    data_loss = -np.mean(shifted[np.arange(N), y] - np.log(np.exp(shifted).sum(axis=1)))
    expected = data_loss + 0.5 * 0.1 * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
    assert abs(model.loss(X, y)[0] - expected) < 1e-10


def test_two_layer_net_init_draws_from_global_rng_in_order():
    np.random.seed(3)
    model = TwoLayerNet(input_dim=4, hidden_dim=6, num_classes=2, weight_scale=0.5)
    np.random.seed(3)
    W1 = 0.5 * np.random.randn(4, 6)
    W2 = 0.5 * np.random.randn(6, 2)
    assert np.array_equal(model.params["W1"], W1) and np.array_equal(model.params["W2"], W2)


@pytest.mark.parametrize("reg", [0.0, 0.7])
def test_two_layer_net_gradcheck(reg):
    np.random.seed(0)
    X = np.random.randn(3, 5)
    y = np.array([0, 5, 1])
    model = TwoLayerNet(input_dim=5, hidden_dim=10, num_classes=7, weight_scale=1e-1, reg=reg)
    _, errors = _model_grad_errors(model, X, y)
    assert max(errors.values()) < 1e-7, errors


def test_two_layer_net_hidden_dims_alias():
    assert TwoLayerNet(input_dim=4, hidden_dims=[9]).params["W1"].shape == (4, 9)
    with pytest.raises(ValueError, match="one hidden layer"):
        TwoLayerNet(input_dim=4, hidden_dims=[9, 3])


def test_two_layer_net_dropout_keyword_is_a_keep_probability():
    # The UCLA course's TwoLayerNet(..., dropout=...): keep probability, 0 meaning no dropout.
    off = TwoLayerNet(input_dim=4, hidden_dim=6, dropout=0)
    assert not off.use_dropout and off.dropout_param == {}
    net = TwoLayerNet(input_dim=4, hidden_dim=6, num_classes=3, dropout=0.25, seed=7)
    assert net.use_dropout and net.dropout_param == {"mode": "train", "p": 0.25, "seed": 7}
    assert TwoLayerNet(input_dim=4, dropout_keep_ratio=0.5).dropout_param["p"] == 0.5
    with pytest.raises(ValueError, match="keep probability, 0 meaning off"):
        TwoLayerNet(input_dim=4, dropout=1.5)


def test_two_layer_net_with_dropout_gradcheck_and_test_mode():
    np.random.seed(1)
    X = np.random.randn(4, 5)
    y = np.array([0, 2, 1, 2])
    model = TwoLayerNet(input_dim=5, hidden_dim=12, num_classes=3, weight_scale=0.3, dropout=0.5, seed=3, reg=0.2)
    _, errors = _model_grad_errors(model, X, y)
    assert max(errors.values()) < 1e-7, errors
    p = model.params
    expected = np.maximum(0, X @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]
    assert rel_error(model.loss(X), expected) < 1e-12     # test time: no dropout


@pytest.mark.parametrize("dropout, keep", [(None, 0.7), (0, 1), (0.3, 0.3), (1, 1)])
def test_keep_ratio_from_dropout(dropout, keep):
    from layerwise.classifiers.fc_net import keep_ratio_from_dropout

    assert keep_ratio_from_dropout(dropout, 0.7 if dropout is None else 1) == keep


@pytest.mark.parametrize("normalization", [None, "batchnorm", "layernorm"])
@pytest.mark.parametrize("keep", [1, 0.5])
@pytest.mark.parametrize("reg", [0.0, 0.1])
def test_fully_connected_net_gradcheck(normalization, keep, reg):
    np.random.seed(231)
    N, D, H1, H2, C = 4, 15, 20, 30, 10
    X = np.random.randn(N, D)
    y = np.random.randint(C, size=N)
    model = FullyConnectedNet([H1, H2], input_dim=D, num_classes=C, normalization=normalization,
                              dropout_keep_ratio=keep, reg=reg, weight_scale="he", dtype=np.float64, seed=123)
    loss, errors = _model_grad_errors(model, X, y)
    assert np.isfinite(loss)
    assert max(errors.values()) < 1e-6, errors


def test_fully_connected_net_initial_loss_is_log_num_classes():
    np.random.seed(0)
    X = np.random.randn(200, 30)
    y = np.random.randint(10, size=200)
    model = FullyConnectedNet([40, 40], input_dim=30, weight_scale=1e-3)
    loss, _ = model.loss(X, y)
    assert abs(loss - np.log(10)) < 1e-3


def test_fully_connected_net_param_names_and_dtype():
    model = FullyConnectedNet([5, 6], input_dim=(3, 2, 2), num_classes=4, normalization="batchnorm")
    assert sorted(model.params) == sorted(["W1", "b1", "W2", "b2", "W3", "b3", "gamma1", "beta1", "gamma2", "beta2"])
    assert model.params["W1"].shape == (12, 5)
    assert all(p.dtype == np.float32 for p in model.params.values())
    scores = model.loss(np.zeros((3, 3, 2, 2)))
    assert scores.shape == (3, 4) and scores.dtype == np.float32


def test_old_keyword_spellings():
    old = FullyConnectedNet([5], input_dim=4, dropout=0.5, use_batchnorm=True)
    assert old.use_dropout and old.dropout_param["p"] == 0.5 and old.normalization == "batchnorm"
    off = FullyConnectedNet([5], input_dim=4, dropout=0)
    assert not off.use_dropout


def test_he_and_xavier_init_scales():
    np.random.seed(1)
    he = FullyConnectedNet([2000], input_dim=500, weight_scale="he")
    xavier = FullyConnectedNet([2000], input_dim=500, weight_scale="xavier")
    assert abs(he.params["W1"].std() - np.sqrt(2 / 500)) < 0.01 * np.sqrt(2 / 500)
    assert abs(xavier.params["W1"].std() - np.sqrt(2 / 2500)) < 0.01 * np.sqrt(2 / 2500)


@pytest.mark.parametrize("kwargs, message", [
    ({"normalization": "groupnorm"}, "normalization must be one of"),
    ({"dropout_keep_ratio": 0}, "probability of keeping a unit"),
    ({"weight_scale": "lecun"}, "weight_scale must be a positive number, 'he' or 'xavier'"),
    ({"use_batchnorm": True, "normalization": "layernorm"}, "conflicts"),
])
def test_fully_connected_net_option_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        FullyConnectedNet([5], input_dim=4, **kwargs)


def test_batchnorm_model_switches_modes_and_keeps_running_stats():
    np.random.seed(0)
    model = FullyConnectedNet([8], input_dim=4, num_classes=3, normalization="batchnorm", dtype=np.float64)
    X = np.random.randn(16, 4) * 3 + 1
    model.loss(X, np.zeros(16, dtype=int))
    bn = model.bn_params[0]
    assert bn["running_mean"].shape == (8,) and np.any(bn["running_mean"] != 0)
    scores_a = model.loss(X[:1])
    scores_b = model.loss(X[:2])[:1]
    assert np.allclose(scores_a, scores_b)       # test mode: an example's score does not depend on the batch
    assert bn["mode"] == "test"


def test_last_layer_is_affine_softmax_of_hidden():
    np.random.seed(5)
    model = FullyConnectedNet([6], input_dim=4, num_classes=3, dtype=np.float64)
    X = np.random.randn(5, 4)
    h, _ = relu_forward(affine_forward(X, model.params["W1"], model.params["b1"])[0])
    scores, _ = affine_forward(h, model.params["W2"], model.params["b2"])
    y = np.array([0, 1, 2, 0, 1])
    assert rel_error(model.loss(X), scores) < 1e-12
    assert abs(model.loss(X, y)[0] - softmax_loss(scores, y)[0]) < 1e-12
