"""scikit-learn's embedded 8x8 handwritten digits: an offline data set that needs no download.

1797 grayscale images of the digits 0-9 (pixel values 0-16), shipped inside
scikit-learn.  This is the default data set of the command line.
"""

from __future__ import annotations

import numpy as np

from ..checks import integer
from .preprocessing import mean_image, split_indices
from .splits import DataSplits

__all__ = ["DIGITS_CLASSES", "load_digits_data"]

DIGITS_CLASSES = tuple(str(d) for d in range(10))


def load_digits_data(num_validation=300, num_test=300, seed=0, dtype=np.float32, subtract_mean=True):
    """The digits split into train/val/test, shaped like CIFAR for the Solver.

    Images ``(N, 1, 8, 8)`` are scaled to [0, 1] (divided by 16); the 1797 images are
    shuffled with ``np.random.default_rng(seed)`` and split into ``num_test`` test,
    ``num_validation`` validation and the rest (1197 by default) training images.
    With ``subtract_mean`` the mean image of the training part (``mean_image``,
    ``(1, 8, 8)``) is subtracted from all three.

    Returns a :class:`DataSplits` of ``X_train, y_train, X_val, y_val, X_test, y_test``
    (labels int64) with ``.class_names`` and ``.mean_image``.
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:
        raise ImportError(
            "The digits data set ships with scikit-learn: pip install scikit-learn "
            "(or pip install 'layerwise[tools]')."
        ) from exc
    if not np.issubdtype(np.dtype(dtype), np.floating):
        raise ValueError(f"dtype should be a float type such as np.float32, got {np.dtype(dtype)}")
    digits = load_digits()
    X = (digits.images / 16.0).astype(dtype)[:, None]  # (1797, 1, 8, 8)
    y = digits.target.astype(np.int64)
    n = len(X)
    num_validation = integer(num_validation, "num_validation", 0)
    num_test = integer(num_test, "num_test", 0)
    num_train = n - num_validation - num_test
    if num_train < 1:
        raise ValueError(
            f"num_validation + num_test = {num_validation + num_test} leaves no training images "
            f"(the digits data set has {n}); ask for fewer"
        )
    tr, va, te = split_indices(n, [num_train, num_validation, num_test], seed=seed)
    mean = mean_image(X[tr], dtype=dtype)
    data = DataSplits(
        {"X_train": X[tr], "y_train": y[tr], "X_val": X[va], "y_val": y[va], "X_test": X[te], "y_test": y[te]},
        class_names=DIGITS_CLASSES, mean_image=mean,
    )
    if subtract_mean:
        for key in ("X_train", "X_val", "X_test"):
            data[key] -= mean
    return data
