"""The 8x8 handwritten digits: an offline data set shipped inside the package (45 KB).

1797 grayscale images of the digits 0-9 (pixel values 0-16): the test part of
"Optical Recognition of Handwritten Digits" (E. Alpaydin and C. Kaynak, 1998,
UCI Machine Learning Repository, https://doi.org/10.24432/C50P49, licensed
CC BY 4.0), in the order scikit-learn's ``load_digits`` gives them.  This is
the default data set of the command line; the file is verified by its SHA-256
before use.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import numpy as np

from ..checks import integer
from .paths import DataFileError
from .preprocessing import mean_image, split_indices
from .splits import DataSplits

__all__ = ["DIGITS_CLASSES", "load_digits_data"]

DIGITS_CLASSES = tuple(str(d) for d in range(10))
_FILE = Path(__file__).with_name("digits.npz")
_SHA256 = "b2dab7b501728c22e9119ad76740b2e17c77a231e42d1e592380d90886f1a05e"


def _read_digits():
    """``images: (1797, 8, 8)`` uint8 in 0..16 and ``labels: (1797,)`` from the package's verified file."""
    data = _FILE.read_bytes()
    if hashlib.sha256(data).hexdigest() != _SHA256:
        raise DataFileError(f"{_FILE} is damaged (its SHA-256 is not the one it shipped with); reinstall layerwise")
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        return npz["images"], npz["labels"]


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
    if not np.issubdtype(np.dtype(dtype), np.floating):
        raise ValueError(f"dtype should be a float type such as np.float32, got {np.dtype(dtype)}")
    images, labels = _read_digits()
    X = (images / 16.0).astype(dtype)[:, None]  # (1797, 1, 8, 8)
    y = labels.astype(np.int64)
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
        pixel_scale=1 / 255,  # the data are 4-bit values / 16: an 8-bit image maps to the same [0, 1]
    )
    if subtract_mean:
        for key in ("X_train", "X_val", "X_test"):
            data[key] -= mean
    return data
