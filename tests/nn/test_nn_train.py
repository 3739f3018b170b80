"""train_net on the Solver, compute_acc, reset_seed and the regularization penalties."""

import random

import numpy as np
import pytest

from layerwise import nn


def _blobs(n, seed):
    """Four well-separated Gaussian clusters in 4-D (labels 0..3)."""
    rng = np.random.default_rng(seed)
    centers = 3 * np.eye(4)
    y = rng.integers(4, size=n)
    return centers[y] + 0.5 * rng.standard_normal((n, 4)), y


def _data():
    return {"data_train": _blobs(60, 0), "data_val": _blobs(30, 1), "data_test": _blobs(10, 2)}


def test_train_net_learns_and_returns_the_best_params_and_histories():
    nn.reset_seed(0)
    model = nn.SmallFullyConnectedNetwork(init_scale=0.1)
    optimizer = nn.Adam(model.net, lr=1e-2)
    opt_params, loss_hist, train_acc, val_acc = nn.train_net(
        _data(), model, nn.cross_entropy(), optimizer, batch_size=10, max_epochs=15)
    assert len(loss_hist) == 15 * 6  # 60 // 10 iterations per epoch
    assert len(train_acc) == len(val_acc) == 15
    assert np.mean(loss_hist[-6:]) < 0.5 * np.mean(loss_hist[:6])
    assert max(val_acc) >= 0.9 and train_acc[-1] >= 0.9
    assert sorted(opt_params) == sorted(model.params)
    for name, value in opt_params.items():
        assert value.shape == model.params[name].shape
        assert value is not model.params[name]
        assert np.array_equal(value, model.params[name])  # the best parameters end up in the model
    X_val, y_val = _data()["data_val"]
    assert nn.compute_acc(model, X_val, y_val) == pytest.approx(max(val_acc))


def test_train_net_is_reproducible_after_reset_seed():
    def run():
        nn.reset_seed(7)
        model = nn.SmallFullyConnectedNetwork()
        return nn.train_net(_data(), model, nn.cross_entropy(), nn.SGD(model, lr=0.1), batch_size=20,
                            max_epochs=2)[1]

    assert run() == run()


def test_train_net_decays_the_learning_rate_every_k_iterations():
    model = nn.SmallFullyConnectedNetwork()
    optimizer = nn.SGD(model.net, lr=0.1)
    nn.train_net(_data(), model, nn.cross_entropy(), optimizer, batch_size=10, max_epochs=2, lr_decay=0.5,
                 lr_decay_every=5)
    assert optimizer.lr == pytest.approx(0.1 * 0.5 ** (12 // 5))


def test_train_net_dropout_model_and_l2_regularization_report_the_penalty():
    nn.reset_seed(0)
    X, y = _blobs(20, 0)
    X = np.hstack([X, X, X, X[:, :3]]).reshape(20, 5, 3)  # 15 features for DropoutNet
    data = {"data_train": (X, y), "data_val": (X, y)}
    model = nn.DropoutNet(keep_prob=0.5)
    reg_lambda = 0.5
    penalty = reg_lambda * sum(float(np.sum(v ** 2)) for k, v in model.params.items() if k.endswith("_w"))
    _, loss_hist, _, _ = nn.train_net(data, model, nn.cross_entropy(), nn.SGD(model, lr=1e-3), batch_size=20,
                                      max_epochs=1, regularization="l2", reg_lambda=reg_lambda)
    # the first loss is about log(10) (tiny initial scores) plus the penalty of the initial weights
    assert loss_hist[0] == pytest.approx(np.log(10) + penalty, abs=0.05)


def test_regularize_adds_penalty_gradients_to_weights_only():
    net = nn.sequential(nn.fc(2, 2, name="fc1"))
    w = np.array([[1.0, -2.0], [0.0, 3.0]])
    net.assign("fc1_w", w)
    net.assign("fc1_b", np.array([5.0, -5.0]))
    net.assign_grads("fc1_w", np.zeros((2, 2)))
    net.assign_grads("fc1_b", np.zeros(2))
    assert nn.regularize(net, "l1", 0.1) == pytest.approx(0.1 * 6)
    assert np.allclose(net.grads["fc1_w"], 0.1 * np.array([[1, -1], [0, 1]]))
    assert not net.grads["fc1_b"].any()
    net.assign_grads("fc1_w", np.zeros((2, 2)))
    assert nn.regularize(net, "l2", 0.1) == pytest.approx(0.1 * 14)
    assert np.allclose(net.grads["fc1_w"], 0.2 * w)
    assert nn.regularize(net, "none", 0.1) == 0.0
    with pytest.raises(ValueError, match=r"regularization must be one of \('none', 'l1', 'l2'\), got 'l3'"):
        nn.regularize(net, "l3", 0.1)


def test_train_net_rejects_bad_arguments():
    model = nn.SmallFullyConnectedNetwork()
    args = (model, nn.cross_entropy(), nn.SGD(model))
    with pytest.raises(ValueError, match="regularization must be one of"):
        nn.train_net(_data(), *args, batch_size=10, max_epochs=1, regularization="L2")
    with pytest.raises(ValueError, match=r"data_dict needs 'data_train': \(X, y\) and 'data_val': \(X, y\).*got \['data_train'\]"):
        nn.train_net({"data_train": _blobs(10, 0)}, *args, batch_size=10, max_epochs=1)
    with pytest.raises(ValueError, match="max_epochs must be an integer >= 1"):
        nn.train_net(_data(), *args, batch_size=10, max_epochs=0)
    with pytest.raises(TypeError, match=r"train_net needs an optimizer with step\(\) and lr"):
        nn.train_net(_data(), model, nn.cross_entropy(), object(), batch_size=10, max_epochs=1)


def test_train_net_defaults_to_batches_of_100_and_requires_max_epochs():
    X, y = _blobs(250, 0)
    data = {"data_train": (X, y), "data_val": _blobs(30, 1)}
    model = nn.SmallFullyConnectedNetwork()
    _, loss_hist, train_acc, _ = nn.train_net(data, model, nn.cross_entropy(), nn.SGD(model, lr=0.1), max_epochs=3)
    assert len(loss_hist) == 3 * (250 // 100) and len(train_acc) == 3
    with pytest.raises(TypeError, match="missing required argument 'max_epochs'"):
        nn.train_net(data, model, nn.cross_entropy(), nn.SGD(model, lr=0.1))


def test_train_net_measures_training_accuracy_on_the_whole_training_set():
    X, y = _blobs(1100, 0)  # more than the Solver's default 1000-example subset
    model = nn.SmallFullyConnectedNetwork(seed=0)
    _, _, train_acc, _ = nn.train_net({"data_train": (X, y), "data_val": _blobs(30, 1)}, model, nn.cross_entropy(),
                                      nn.SGD(model, lr=0.05), batch_size=100, max_epochs=1)
    assert train_acc == [nn.compute_acc(model, X, y)]
    _, _, train_acc, _ = nn.train_net({"data_train": (X, y), "data_val": _blobs(30, 1)}, model, nn.cross_entropy(),
                                      nn.SGD(model, lr=0.05), batch_size=100, max_epochs=1, num_train_samples=8)
    assert train_acc[0] * 8 == round(train_acc[0] * 8)


def test_train_net_returns_the_best_end_of_epoch_parameters():
    # Random labels: here the validation accuracy after the first iteration (0.23, which the
    # Solver also measures) beats every end-of-epoch one; opt_params must come from an epoch end.
    rng = np.random.default_rng(0)
    data = {"data_train": (rng.standard_normal((40, 4)), rng.integers(7, size=40)),
            "data_val": (rng.standard_normal((30, 4)), rng.integers(7, size=30))}
    nn.reset_seed(2)
    model = nn.SmallFullyConnectedNetwork(init_scale=0.5)
    opt_params, _, _, val_acc = nn.train_net(data, model, nn.cross_entropy(), nn.SGD(model, lr=0.5), batch_size=10,
                                             max_epochs=3)
    fresh = nn.SmallFullyConnectedNetwork()
    fresh.net.load(opt_params, verbose=False)
    assert nn.compute_acc(fresh, *data["data_val"]) == max(val_acc) == pytest.approx(4 / 30)
    assert nn.compute_acc(model, *data["data_val"]) == max(val_acc)


def test_a_bare_number_as_regularization_is_the_l2_strength():
    def run(**kwargs):
        nn.reset_seed(5)
        model = nn.SmallFullyConnectedNetwork()
        return nn.train_net(_data(), model, nn.cross_entropy(), nn.SGD(model, lr=0.1), batch_size=20,
                            max_epochs=2, **kwargs)[1]

    assert run(regularization=0.3) == run(regularization="l2", reg_lambda=0.3)
    assert run(regularization=0.3, reg_lambda=0.3) == run(regularization="l2", reg_lambda=0.3)
    assert run(regularization=0.3)[0] > run()[0]
    with pytest.raises(ValueError, match=r"regularization=0.3 \(a number: the L2 strength\) conflicts with "
                                         r"reg_lambda=0.1"):
        run(regularization=0.3, reg_lambda=0.1)
    with pytest.raises(ValueError, match="reg_lambda must be a non-negative number, got -0.3"):
        run(regularization=-0.3)
    with pytest.raises(ValueError, match="regularization must be one of"):
        run(regularization=True)


def test_l2_strength_lr_times_two_lambda_equals_sgd_weight_decay():
    weight_decay, lr = 1e-2, 0.1

    def run(optimizer_kwargs, **kwargs):
        nn.reset_seed(2)
        model = nn.SmallFullyConnectedNetwork(init_scale=0.5)
        return nn.train_net(_data(), model, nn.cross_entropy(), nn.SGD(model, lr=lr, **optimizer_kwargs),
                            batch_size=10, max_epochs=3, **kwargs)[0]

    decayed = run({"weight_decay": weight_decay})
    penalized = run({}, regularization=weight_decay / (2 * lr))
    for name, value in decayed.items():
        np.testing.assert_allclose(penalized[name], value, rtol=1e-10, atol=1e-12, err_msg=name)
    assert not np.allclose(run({})["fc1_w"], decayed["fc1_w"], rtol=1e-6)


def test_compute_acc_by_hand():
    class Fixed:
        def forward(self, X, is_training=False):
            return np.eye(3)[X[:, 0].astype(int)]  # predicts the first feature

    X = np.array([[0], [1], [2], [1], [0]])
    y = np.array([0, 1, 1, 1, 2])
    assert nn.compute_acc(Fixed(), X, y, batch_size=2) == pytest.approx(3 / 5)
    with pytest.raises(ValueError, match=r"expected X \(N, ...\) with N >= 1 and labels y \(N,\)"):
        nn.compute_acc(Fixed(), X, y[:3])


def test_reset_seed_seeds_numpy_and_python():
    nn.reset_seed(3)
    a = (np.random.rand(), random.random())
    nn.reset_seed(3)
    assert (np.random.rand(), random.random()) == a


def test_train_net_applies_augmentation_to_training_batches_only():
    from layerwise.nn import SGD, SmallFullyConnectedNetwork, cross_entropy, train_net

    calls = []

    def augment(X, rng):
        calls.append(X.shape)
        return X

    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 4))
    y = rng.integers(7, size=40)
    model = SmallFullyConnectedNetwork(seed=0)
    train_net({"data_train": (X, y), "data_val": (X[:10], y[:10])}, model, cross_entropy(), SGD(model.net, 1e-2),
              batch_size=10, max_epochs=2, augment=augment)
    assert calls == [(10, 4)] * 8          # 4 minibatches per epoch, 2 epochs; never the validation data
