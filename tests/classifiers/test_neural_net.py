"""The classic standalone TwoLayerNet (W1: (H, D), its own train/predict)."""

import numpy as np
import pytest

from layerwise.classifiers.neural_net import TwoLayerNet
from layerwise.gradient_check import eval_numerical_gradient, rel_error


def _toy():
    np.random.seed(0)
    net = TwoLayerNet(4, 10, 3, std=1e-1)
    np.random.seed(1)
    X = 10 * np.random.randn(5, 4)
    y = np.array([0, 1, 2, 2, 1])
    return net, X, y


def test_init_draws_W1_then_W2_transposed_layout():
    np.random.seed(0)
    net = TwoLayerNet(4, 10, 3, std=0.5)
    np.random.seed(0)
    assert np.array_equal(net.params["W1"], 0.5 * np.random.randn(10, 4))
    assert np.array_equal(net.params["W2"], 0.5 * np.random.randn(3, 10))
    assert net.params["b1"].shape == (10,) and net.params["b2"].shape == (3,)


def test_scores_and_loss_match_explicit_formula():
    net, X, y = _toy()
    p = net.params
    hidden = np.maximum(0, X @ p["W1"].T + p["b1"])
    scores = hidden @ p["W2"].T + p["b2"]
    assert rel_error(net.loss(X), scores) < 1e-12
    probs = np.exp(scores - scores.max(1, keepdims=True))
    probs /= probs.sum(1, keepdims=True)
    expected = -np.mean(np.log(probs[np.arange(5), y])) + 0.05 * (np.sum(p["W1"] ** 2) + np.sum(p["W2"] ** 2))
    assert abs(net.loss(X, y, reg=0.05)[0] - expected) < 1e-12


def test_gradients():
    net, X, y = _toy()
    _, grads = net.loss(X, y, reg=0.05)
    for name, param in net.params.items():
        numeric = eval_numerical_gradient(lambda _: net.loss(X, y, reg=0.05)[0], param, verbose=False)
        assert rel_error(numeric, grads[name]) < 1e-8, name


def test_train_reaches_low_loss_and_returns_course_histories():
    net, X, y = _toy()
    stats = net.train(X, y, X, y, learning_rate=1e-1, reg=5e-6, num_iters=100, verbose=False)
    assert len(stats["loss_history"]) == 100
    assert stats["loss_history"][-1] < 0.02
    assert len(stats["train_acc_history"]) >= 1 and len(stats["val_acc_history"]) >= 1
    assert np.array_equal(net.predict(X), y)


def test_train_runs_exactly_num_iters():
    np.random.seed(0)
    X = np.random.randn(40, 4)
    y = np.random.randint(3, size=40)
    net = TwoLayerNet(4, 5, 3)
    stats = net.train(X, y, X, y, learning_rate=1.0, learning_rate_decay=0.5, num_iters=8, batch_size=10)
    assert len(stats["loss_history"]) == 8          # 4 iterations per epoch, 2 epochs


def test_predict_shape_and_label_errors():
    net, X, y = _toy()
    assert net.predict(X).shape == (5,)
    with pytest.raises(ValueError, match="labels must lie in"):
        net.loss(X, np.array([0, 1, 2, 3, 1]))
