"""One entry point to every data set, as the Solver takes it."""

from __future__ import annotations

import numpy as np

from ..checks import integer
from .cifar import CIFAR100_data, get_CIFAR10_data
from .digits import load_digits_data
from .splits import DataSplits

__all__ = ["DATASETS", "load_splits"]

DATASETS = ("digits", "cifar10", "cifar100")


def load_splits(dataset: str, root=None, num_training=None, seed: int = 0) -> DataSplits:
    """``X_train, y_train, X_val, y_val, X_test, y_test`` of a named data set, images ``(N, C, H, W)`` float32.

    - ``'digits'``: the embedded 8x8 digits (offline), shuffled with ``seed``,
      mean-subtracted: 1,197 / 300 / 300 images ``(N, 1, 8, 8)``;
    - ``'cifar10'``: the course split 49,000 / 1,000 / 1,000, mean-subtracted;
    - ``'cifar100'``: the 20 superclasses, 40,000 / 10,000 / 10,000, standardized
      per channel (``CIFAR100_data``), transposed to channels first.

    ``num_training`` keeps only the first that many training images.
    """
    if dataset not in DATASETS:
        raise ValueError(f"dataset should be one of {', '.join(DATASETS)}; got {dataset!r}")
    if dataset == "cifar10":
        # The course takes the validation images right after the training ones: keep them where they are.
        return get_CIFAR10_data(root=root, num_training=integer(num_training, "num_training", 1, 49000, none_ok=True)
                                or 49000)
    if dataset == "digits":
        data = load_digits_data(seed=seed)
    else:
        c = CIFAR100_data(root)
        data = DataSplits({f"{x}_{split}": c[f"{key}_{split}"] for split in ("train", "val", "test")
                           for x, key in (("X", "data"), ("y", "labels"))}, class_names=c["label_names"],
                          mean_image=c["mean_image"].transpose(0, 3, 1, 2)[0], pixel_scale=1 / 255,
                          pixel_std=c["std_image"].transpose(0, 3, 1, 2)[0])
        for split in ("X_train", "X_val", "X_test"):          # (N, H, W, C) -> (N, C, H, W)
            data[split] = np.ascontiguousarray(data[split].transpose(0, 3, 1, 2))
    n = integer(num_training, "num_training", 1, len(data["y_train"]), none_ok=True) or len(data["y_train"])
    data["X_train"], data["y_train"] = data["X_train"][:n], data["y_train"][:n]
    return data

