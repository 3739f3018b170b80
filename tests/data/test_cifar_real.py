"""The real CIFAR-10 release from $LAYERWISE_DATA (skipped when it is not there)."""

import os

import numpy as np
import pytest

from layerwise.data import CIFAR10_CLASSES, get_CIFAR10_data, load_CIFAR10

pytestmark = [pytest.mark.cifar, pytest.mark.slow]


def root_with(*names):
    root = os.environ.get("LAYERWISE_DATA")
    if not root:
        pytest.skip("LAYERWISE_DATA is not set")
    if not any(os.path.exists(os.path.join(root, n)) for n in names):
        pytest.skip(f"none of {', '.join(names)} in $LAYERWISE_DATA={root}")
    return root


def test_real_cifar10():
    root = root_with("cifar-10-python.tar.gz", "cifar-10-batches-py")
    Xtr, Ytr, Xte, Yte = load_CIFAR10(root, dtype=np.float32)
    assert Xtr.shape == (50000, 32, 32, 3) and Xte.shape == (10000, 32, 32, 3)
    assert Xtr.dtype == np.float32 and Ytr.dtype == np.int64 and Yte.dtype == np.int64
    assert Ytr.shape == (50000,) and Yte.shape == (10000,)
    np.testing.assert_array_equal(np.bincount(Ytr, minlength=10), np.full(10, 5000))
    np.testing.assert_array_equal(np.bincount(Yte, minlength=10), np.full(10, 1000))
    assert Xtr.min() == 0 and Xtr.max() == 255 and 100 < Xtr[:1000].mean() < 150

    data = get_CIFAR10_data(root=root)
    assert data["X_train"].shape == (49000, 3, 32, 32)
    assert data["X_val"].shape == (1000, 3, 32, 32)
    assert data["X_test"].shape == (1000, 3, 32, 32)
    assert data["X_train"].dtype == np.float32
    assert data.class_names == CIFAR10_CLASSES
    np.testing.assert_array_equal(data["y_train"], Ytr[:49000])
    np.testing.assert_array_equal(data["y_val"], Ytr[49000:])
    np.testing.assert_array_equal(data["y_test"], Yte[:1000])
    # The course split: val is the tail of the training set, test the head of the test set.
    mean = data.mean_image
    np.testing.assert_allclose(data["X_val"][:50] + mean, Xtr[49000:49050].transpose(0, 3, 1, 2), atol=1e-3)
    np.testing.assert_allclose(data["X_test"][-50:] + mean, Xte[950:1000].transpose(0, 3, 1, 2), atol=1e-3)
    np.testing.assert_allclose(mean, Xtr[:49000].mean(axis=0, dtype=np.float64).transpose(2, 0, 1), atol=1e-3)
