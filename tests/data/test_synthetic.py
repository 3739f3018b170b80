"""Synthetic data: deterministic, balanced, learnable."""

import numpy as np

from layerwise.data import make_blobs, make_classification_data, make_images


def test_blobs_are_deterministic_balanced_and_separable():
    X, y = make_blobs(num_samples=300, num_classes=3, dim=2, spread=0.3, seed=4)
    X2, y2 = make_blobs(num_samples=300, num_classes=3, dim=2, spread=0.3, seed=4)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert X.shape == (300, 2) and X.dtype == np.float64 and y.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y), [100, 100, 100])
    # Nearest class mean classifies nearly everything: the classes are real clusters.
    means = np.stack([X[y == k].mean(axis=0) for k in range(3)])
    pred = np.argmin(((X[:, None, :] - means) ** 2).sum(-1), axis=1)
    assert (pred == y).mean() > 0.9
    assert not np.array_equal(make_blobs(seed=5)[0], make_blobs(seed=4)[0])


def test_images_and_solver_dict():
    X, y = make_images(num_samples=50, num_classes=5, shape=(3, 4, 4), seed=1)
    assert X.shape == (50, 3, 4, 4) and X.dtype == np.float32
    np.testing.assert_array_equal(np.bincount(y), [10] * 5)
    data = make_classification_data(num_train=30, num_val=10, num_test=5, num_classes=3, shape=(2, 3, 3), seed=2)
    assert data["X_train"].shape == (30, 2, 3, 3) and data["X_val"].shape == (10, 2, 3, 3)
    assert data["X_test"].shape == (5, 2, 3, 3) and data["y_test"].shape == (5,)
    assert data.class_names == ("class_0", "class_1", "class_2")
    again = make_classification_data(num_train=30, num_val=10, num_test=5, num_classes=3, shape=(2, 3, 3), seed=2)
    np.testing.assert_array_equal(data["X_val"], again["X_val"])
