"""One entry point to every data set, as the Solver takes it."""

from __future__ import annotations

import numpy as np

from ..checks import integer
from .cifar import CIFAR100_data, get_CIFAR10_data
from .digits import load_digits_data
from .preprocessing import channel_mean_std
from .splits import DataSplits

__all__ = ["DATASETS", "LAYOUTS", "load_splits"]

DATASETS = ("digits", "cifar10", "cifar100")


LAYOUTS = ("NCHW", "NHWC")
_COUNTS = {"train": "num_training", "val": "num_validation", "test": "num_test"}


def load_splits(dataset: str, root=None, num_training=None, seed: int = 0, *, num_validation=None, num_test=None,
                subtract_mean: bool = True, standardize: bool = False, layout: str = "NCHW") -> DataSplits:
    """``X_train, y_train, X_val, y_val, X_test, y_test`` of a named data set, images float32.

    - ``'digits'``: the embedded 8x8 digits (offline) scaled to [0, 1] and
      shuffled with ``seed``: 1,197 / 300 / 300 images ``(N, 1, 8, 8)``;
    - ``'cifar10'``: the course split 49,000 / 1,000 / 1,000 ``(N, 3, 32, 32)`` (up to 50,000 / 0 / 10,000)
      of pixels 0..255, the validation images being the ones right after the
      training images;
    - ``'cifar100'``: the 20 superclasses, 40,000 / 10,000 / 10,000, always
      standardized per channel (``CIFAR100_data``).

    ``num_training``, ``num_validation`` and ``num_test`` keep the first that
    many images of a split.  ``subtract_mean`` subtracts the mean training image
    (``.mean_image``); ``standardize`` then divides every split by the standard
    deviation of all training pixels (``.pixel_std``), the unit scale that 'he'
    initialization assumes.  ``layout='NHWC'`` gives contiguous channels-last
    images ``(N, H, W, C)``, as the module API's layers take them.
    """
    if dataset not in DATASETS:
        raise ValueError(f"dataset should be one of {', '.join(DATASETS)}; got {dataset!r}")
    if layout not in LAYOUTS:
        raise ValueError(f"layout should be one of {', '.join(LAYOUTS)}; got {layout!r}")
    if standardize and not subtract_mean:
        raise ValueError("standardize=True scales mean-subtracted pixels: it needs subtract_mean=True")
    if dataset == "cifar10":
        # The course's loader keeps the validation images right after the training ones, and checks the counts.
        data = get_CIFAR10_data(integer(num_training, "num_training", 1, 50000, none_ok=True) or 49000,
                                1000 if num_validation is None else num_validation,
                                1000 if num_test is None else num_test, subtract_mean=subtract_mean, root=root)
    elif dataset == "digits":
        data = load_digits_data(seed=seed, subtract_mean=subtract_mean)
    elif not subtract_mean:
        raise ValueError("cifar100 comes standardized per channel; subtract_mean=False is for digits and cifar10")
    else:
        data = _cifar100_superclasses(root)
    if dataset != "cifar10":
        for split, count in zip(_COUNTS, (num_training, num_validation, num_test)):
            n = integer(count, _COUNTS[split], int(split == "train"), len(data[f"y_{split}"]), none_ok=True)
            if n is not None:
                data[f"X_{split}"], data[f"y_{split}"] = data[f"X_{split}"][:n], data[f"y_{split}"][:n]
    if standardize and dataset != "cifar100":
        _divide_by_pixel_std(data)
    if layout == "NHWC":
        for split in _COUNTS:
            data[f"X_{split}"] = np.ascontiguousarray(data[f"X_{split}"].transpose(0, 2, 3, 1))
    return data


def _cifar100_superclasses(root) -> DataSplits:
    c = CIFAR100_data(root)
    data = DataSplits({f"{x}_{split}": c[f"{key}_{split}"] for split in _COUNTS
                       for x, key in (("X", "data"), ("y", "labels"))}, class_names=c["label_names"],
                      mean_image=c["mean_image"].transpose(0, 3, 1, 2)[0], pixel_scale=1 / 255,
                      pixel_std=c["std_image"].transpose(0, 3, 1, 2)[0])
    for split in _COUNTS:          # (N, H, W, C) -> (N, C, H, W)
        data[f"X_{split}"] = np.ascontiguousarray(data[f"X_{split}"].transpose(0, 3, 1, 2))
    return data


def _divide_by_pixel_std(data: DataSplits) -> None:
    """Divide every split, in place, by the standard deviation of all training pixels (computed in chunks:
    CIFAR-10 in float32 is 600 MB, and the loaders hand out fresh arrays, so no copy is made)."""
    std = channel_mean_std(data["X_train"], channel_axis=None)[1].item()
    if not std > 0:
        raise ValueError("cannot standardize: every training pixel has the same value; use standardize=False")
    scale = np.float32(1 / std)
    for split in _COUNTS:
        data[f"X_{split}"] *= scale
    data.pixel_std = np.float32(std)
