"""load_splits: every data set by name, in the one form the Solver and the command line take."""

import numpy as np
import pytest

from layerwise.data import DataSplits, load_splits, write_fake_cifar10, write_fake_cifar100

SPLITS = ["X_train", "y_train", "X_val", "y_val", "X_test", "y_test"]


def test_digits_by_name():
    data = load_splits("digits", num_training=100, seed=3)
    assert isinstance(data, DataSplits) and list(data) == SPLITS
    assert data["X_train"].shape == (100, 1, 8, 8) and data["X_val"].shape == (300, 1, 8, 8)
    assert data.num_classes == 10 and data.mean_image.shape == (1, 8, 8)


def test_cifar10_by_name_takes_the_course_split(tmp_path):
    root = write_fake_cifar10(tmp_path, num_per_batch=1000, seed=1, archive=True)["path"]
    data = load_splits("cifar10", root, num_training=30)
    assert [data[k].shape[0] for k in SPLITS] == [30, 30, 1000, 1000, 1000, 1000]
    assert data["X_train"].shape[1:] == (3, 32, 32) and data.class_names[0] == "airplane"


def test_cifar100_by_name_is_channels_first_with_superclass_names(tmp_path):
    fake = write_fake_cifar100(tmp_path, num_train=10_100, num_test=40)
    data = load_splits("cifar100", fake["path"], num_training=50)
    assert list(data) == SPLITS and data.num_classes == 20
    assert data["X_train"].shape == (50, 3, 32, 32) and data["X_train"].flags.c_contiguous
    assert data["X_val"].shape == (10_000, 3, 32, 32) and data["X_test"].shape == (40, 3, 32, 32)
    assert np.array_equal(data["y_test"], fake["coarse_test"])


@pytest.mark.parametrize("bad, message", [
    ("mnist", "dataset should be one of digits, cifar10, cifar100; got 'mnist'"),
])
def test_unknown_dataset(bad, message):
    with pytest.raises(ValueError, match=message):
        load_splits(bad)


@pytest.mark.parametrize("num_training", [0, -5, 1.5, True, 10_000])
def test_bad_num_training(num_training):
    with pytest.raises(ValueError, match=r"num_training must be an integer in \[1, 1197\] or None, got"):
        load_splits("digits", num_training=num_training)


def test_every_course_data_dict_trains_in_the_solver_and_in_train_net():
    from layerwise import nn
    from layerwise.classifiers import FullyConnectedNet
    from layerwise.data import as_splits
    from layerwise.solver import Solver

    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((60, 4, 4, 3)).astype(np.float32), rng.integers(0, 3, 60)
    forms = {
        "solver": {"X_train": X[:40], "y_train": y[:40], "X_val": X[40:], "y_val": y[40:]},
        "cifar100": {"data_train": X[:40], "labels_train": y[:40], "data_val": X[40:], "labels_val": y[40:],
                     "label_names": ["a", "b", "c"], "mean_image": np.zeros((1, 1, 1, 3))},
        "train_net": {"data_train": (X[:40], y[:40]), "data_val": (X[40:], y[40:])},
    }
    solver_losses, net_losses = {}, {}
    for name, data in forms.items():
        splits = as_splits(data)
        assert np.shares_memory(splits["X_train"], X), name  # no copy
        assert sorted(splits) == ["X_train", "X_val", "y_train", "y_val"], name
        np.random.seed(0)
        solver = Solver(FullyConnectedNet([5], input_dim=48, num_classes=3), data, num_epochs=1, batch_size=20,
                        verbose=False, seed=0)
        solver.train()
        solver_losses[name] = solver.loss_history
        np.random.seed(0)
        model = nn.TinyNet(input_dim=48, hidden_dim=5, num_classes=3)
        net_losses[name] = nn.train_net(data, model, nn.cross_entropy(), nn.SGD(model.net, lr=1e-2), batch_size=20,
                                        max_epochs=1)[1]
    for losses in (solver_losses, net_losses):   # the same training, whatever the dict's spelling
        assert len(losses["solver"]) == 2 and losses["solver"] == losses["cifar100"] == losses["train_net"]
    assert as_splits(forms["cifar100"]).class_names == ("a", "b", "c")
    with pytest.raises(ValueError, match=r"data_val should be a pair \(X, y\), got 3 items"):
        as_splits({"data_train": (X, y), "data_val": (X, y, y)})


def test_split_sizes_standardize_and_channels_last(tmp_path):
    root = write_fake_cifar10(tmp_path, num_per_batch=100, seed=2, archive=True)["path"]
    plain = load_splits("cifar10", root, num_training=300, num_validation=50, num_test=20)
    assert [plain[k].shape[0] for k in SPLITS] == [300, 300, 50, 50, 20, 20]
    data = load_splits("cifar10", root, num_training=300, num_validation=50, num_test=20, standardize=True,
                       layout="NHWC")
    assert data["X_train"].shape == (300, 32, 32, 3) and data["X_val"].flags.c_contiguous
    # the mean-subtracted pixels divided by their std: unit variance over the training set
    assert abs(float(data["X_train"].std(dtype=np.float64)) - 1) < 1e-5
    assert np.allclose(data["X_test"], plain["X_test"].transpose(0, 2, 3, 1) / data.pixel_std, atol=1e-5)
    assert abs(float(plain["X_train"].std(dtype=np.float64)) - float(data.pixel_std)) < 1e-3
    raw = load_splits("cifar10", root, num_training=10, num_validation=0, num_test=5, subtract_mean=False)
    assert raw["X_val"].shape == (0, 3, 32, 32) and raw["X_train"].min() >= 0 and raw["X_train"].max() > 100


def test_digits_sizes_and_layout():
    data = load_splits("digits", num_validation=40, num_test=0, layout="NHWC", standardize=True)
    assert [data[k].shape[0] for k in SPLITS] == [1197, 1197, 40, 40, 0, 0]
    assert data["X_train"].shape[1:] == (8, 8, 1)
    assert abs(float(data["X_train"].std(dtype=np.float64)) - 1) < 1e-5


@pytest.mark.parametrize("kwargs, message", [
    ({"layout": "CHWN"}, "layout should be one of NCHW, NHWC; got 'CHWN'"),
    ({"standardize": True, "subtract_mean": False},
     "standardize=True scales mean-subtracted pixels: it needs subtract_mean=True"),
    ({"num_validation": 301}, r"num_validation must be an integer in \[0, 300\] or None, got 301"),
    ({"num_test": -1}, r"num_test must be an integer in \[0, 300\] or None, got -1"),
])
def test_bad_split_options(kwargs, message):
    with pytest.raises(ValueError, match=message):
        load_splits("digits", **kwargs)
