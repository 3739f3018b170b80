"""load_splits: every data set by name, in the one form the Solver and the command line take."""

import numpy as np
import pytest

from layerwise.data import DataSplits, load_splits, write_fake_cifar10, write_fake_cifar100

SPLITS = ["X_train", "y_train", "X_val", "y_val", "X_test", "y_test"]


def test_digits_by_name():
    pytest.importorskip("sklearn")
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
    pytest.importorskip("sklearn")
    with pytest.raises(ValueError, match=r"num_training must be an integer in \[1, 1197\] or None, got"):
        load_splits("digits", num_training=num_training)
