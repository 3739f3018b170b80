"""The embedded digits data set: offline, verified, seeded, split without overlap, CIFAR-like shapes."""

import sys

import numpy as np
import pytest

from layerwise.data import DIGITS_CLASSES, DataFileError, load_digits_data
from layerwise.data import digits as digits_module


def test_shapes_types_and_scaling():
    data = load_digits_data()
    assert data["X_train"].shape == (1197, 1, 8, 8)
    assert data["X_val"].shape == (300, 1, 8, 8) and data["X_test"].shape == (300, 1, 8, 8)
    for key in ("X_train", "X_val", "X_test"):
        assert data[key].dtype == np.float32
        restored = data[key] + data.mean_image
        assert restored.min() >= -1e-6 and restored.max() <= 1 + 1e-6  # scaled to [0, 1]
    for key in ("y_train", "y_val", "y_test"):
        assert data[key].dtype == np.int64 and data[key].min() >= 0 and data[key].max() <= 9
    assert data.mean_image.shape == (1, 8, 8)
    np.testing.assert_allclose(data["X_train"].mean(axis=0), 0, atol=1e-6)
    assert data.class_names == DIGITS_CLASSES == tuple("0123456789")


def test_splits_partition_the_data_set_and_keep_labels():
    ref = pytest.importorskip("sklearn.datasets").load_digits()
    data = load_digits_data(num_validation=100, num_test=200, seed=3, subtract_mean=False, dtype=np.float64)
    X = np.concatenate([data["X_train"], data["X_val"], data["X_test"]]).reshape(-1, 64) * 16
    y = np.concatenate([data["y_train"], data["y_val"], data["y_test"]])
    assert len(X) == 1797
    # The multiset of (image, label) pairs is exactly sklearn's.
    ours = sorted(map(tuple, np.column_stack([np.rint(X), y]).astype(int).tolist()))
    theirs = sorted(map(tuple, np.column_stack([ref.data, ref.target]).astype(int).tolist()))
    assert ours == theirs


def test_seed_controls_the_split():
    a, b, c = load_digits_data(seed=1), load_digits_data(seed=1), load_digits_data(seed=2)
    np.testing.assert_array_equal(a["X_train"], b["X_train"])
    np.testing.assert_array_equal(a["y_test"], b["y_test"])
    assert not np.array_equal(a["y_train"], c["y_train"])


def test_bad_arguments():
    with pytest.raises(ValueError, match="leaves no training images"):
        load_digits_data(num_validation=1000, num_test=797)
    with pytest.raises(ValueError, match="num_test must be an integer >= 0, got -1"):
        load_digits_data(num_test=-1)
    with pytest.raises(ValueError, match="float type"):
        load_digits_data(dtype=np.int64)


def test_no_scikit_learn_needed(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    assert load_digits_data()["X_train"].shape == (1197, 1, 8, 8)


def test_a_damaged_data_file_is_refused(tmp_path, monkeypatch):
    damaged = tmp_path / "digits.npz"
    damaged.write_bytes(digits_module._FILE.read_bytes()[:-10] + b"0123456789")
    monkeypatch.setattr(digits_module, "_FILE", damaged)
    with pytest.raises(DataFileError, match="is damaged .*reinstall layerwise"):
        load_digits_data()
