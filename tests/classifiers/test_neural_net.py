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
    # The library's L2 convention (and the UCLA notebook's): 0.5 * reg * sum(W**2) over the weights.
    expected = -np.mean(np.log(probs[np.arange(5), y])) + 0.5 * 0.05 * (np.sum(p["W1"] ** 2) + np.sum(p["W2"] ** 2))
    assert abs(net.loss(X, y, reg=0.05)[0] - expected) < 1e-12


def test_l2_penalty_gradient_is_reg_times_w_on_weights_only():
    net, X, y = _toy()
    _, plain = net.loss(X, y)
    _, regularized = net.loss(X, y, reg=0.3)
    for name in ("W1", "W2"):
        np.testing.assert_allclose(regularized[name] - plain[name], 0.3 * net.params[name], atol=1e-14)
    for name in ("b1", "b2"):
        np.testing.assert_array_equal(regularized[name], plain[name])


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


def test_train_follows_the_course_loop():
    # 10 examples, batch 4: an "epoch" is 10 / 4 = 2.5 iterations, so it % 2.5 == 0 only at it = 0, 5, 10.
    np.random.seed(3)
    X = np.random.randn(10, 4)
    y = np.random.randint(3, size=10)
    net = TwoLayerNet(4, 5, 3, std=0.1)
    params = {k: v.copy() for k, v in net.params.items()}
    state = np.random.get_state()
    stats = net.train(X, y, X, y, learning_rate=0.5, learning_rate_decay=0.1, num_iters=12, batch_size=4)
    assert len(stats["train_acc_history"]) == len(stats["val_acc_history"]) == 3

    # Replay: batches from np.random.choice on the global generator, lr decayed after it = 0 and it = 5.
    np.random.set_state(state)
    replay = TwoLayerNet.__new__(TwoLayerNet)
    replay.params = params
    lr = 0.5
    for it in range(12):
        batch = np.random.choice(10, 4)
        loss, grads = replay.loss(X[batch], y[batch], reg=5e-6)
        assert loss == stats["loss_history"][it]
        for k in params:
            params[k] -= lr * grads[k]
        if it % 2.5 == 0:
            lr *= 0.1
    for k in params:
        np.testing.assert_array_equal(net.params[k], params[k])


def test_train_prints_the_course_lines(capsys):
    net, X, y = _toy()
    net.train(X, y, X, y, num_iters=101, verbose=True)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["iteration 0 / 101", "iteration 100 / 101"]
    assert float(lines[0].split("loss ")[1]) > 1.0


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
