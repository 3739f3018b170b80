"""The dict of split arrays every loader returns."""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["DataSplits", "as_splits", "check_splits", "check_labels"]


class DataSplits(dict):
    """Split arrays keyed as the courses key them, metadata as attributes.

    Every value is an array (``X_train: (N, ...)``, ``y_train: (N,)``, ``X_val``,
    ``y_val``, ``X_test``, ``y_test``), so ``for k, v in data.items(): print(k, v.shape)``
    prints one line per split and nothing else.  What describes the data set rather
    than a split lives beside the dict:

    - ``class_names``: tuple of the class names, index = label;
    - ``mean_image``: the mean training image that was subtracted, or ``None``;
    - ``pixel_scale``, ``pixel_std``: how 8-bit pixel values ``p`` (0..255) became
      the data: ``x = (p * pixel_scale - mean_image) / pixel_std`` (``pixel_std``
      None: no division), so a model can be fed new images the same way.

    ``copy()`` keeps the metadata; a plain ``dict(data)`` drops it.
    """

    def __init__(self, arrays=(), *, class_names=(), mean_image=None, pixel_scale=1.0, pixel_std=None):
        super().__init__(arrays)
        self.class_names = tuple(class_names)
        self.mean_image = mean_image
        self.pixel_scale, self.pixel_std = pixel_scale, pixel_std

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def fingerprint(self) -> str:
        """A short SHA-256 of the splits: every label, every shape, and the first and last 256 images of
        each split (fast on CIFAR's 600 MB; enough to tell one data set, split or preprocessing from another)."""
        digest = hashlib.sha256()
        for key in sorted(self):
            array = np.asarray(self[key])
            digest.update(f"{key}|{array.dtype.str}|{array.shape}|".encode())
            digest.update(np.ascontiguousarray(array if key.startswith("y") else
                                               np.concatenate([array[:256], array[-256:]])).tobytes())
        return digest.hexdigest()[:16]

    def preprocessing(self) -> dict:
        """What a saved model needs to turn 8-bit pixels into its inputs (see the class docstring)."""
        out = {"pixel_scale": float(self.pixel_scale), "class_names": list(self.class_names)}
        if "X_train" in self:
            out["image_shape"] = [int(n) for n in self["X_train"].shape[1:]]
        if self.mean_image is not None:
            out["mean_image"] = self.mean_image
        if self.pixel_std is not None:
            out["pixel_std"] = self.pixel_std
        return out

    def copy(self) -> "DataSplits":
        return DataSplits(self, class_names=self.class_names, mean_image=self.mean_image,
                          pixel_scale=self.pixel_scale, pixel_std=self.pixel_std)

    def __repr__(self) -> str:
        shapes = ", ".join(f"{k}: {getattr(v, 'shape', '?')}" for k, v in self.items())
        return f"DataSplits({shapes}; {len(self.class_names)} classes)"


SPLITS = ("train", "val", "test")


def as_splits(data) -> dict:
    """Any of the courses' data dicts as the Solver's ``{X_train, y_train, X_val, y_val[, X_test, y_test]}``.

    Accepted (no array is copied):

    - ``X_train``, ``y_train``, ... (cs231n, the UCLA course, :func:`get_CIFAR10_data`): returned as is;
    - ``data_train``, ``labels_train``, ... (:func:`CIFAR100_data`, the object-layer course's loader);
    - ``data_train: (X, y)``, ... (the object-layer course's ``train_net`` dict).

    Other keys (``label_names``, ``mean_image``, ...) are left out of the converted dict.
    """
    if not isinstance(data, dict):
        raise TypeError(f"data must be a dict of split arrays (X_train, y_train, X_val, y_val, ...); "
                        f"got {type(data).__name__}")
    if "X_train" in data or "data_train" not in data:
        return data
    out = {}
    for split in SPLITS:
        value = data.get(f"data_{split}")
        if value is None:
            continue
        if isinstance(value, (tuple, list)):
            if len(value) != 2:
                raise ValueError(f"data_{split} should be a pair (X, y), got {len(value)} items")
            out[f"X_{split}"], out[f"y_{split}"] = value
        else:
            out[f"X_{split}"], out[f"y_{split}"] = value, data.get(f"labels_{split}")
    return DataSplits(out, class_names=data.get("label_names", ()), mean_image=data.get("mean_image"))


def check_splits(data, required=("train", "val"), optional=("test",)) -> None:
    """Refuse, with one line saying what to do, a data dict the Solver cannot train on.

    ``data`` must hold ``X_{split}`` and ``y_{split}`` for every ``required``
    split and for each ``optional`` one either both or neither: ``X`` an array
    ``(N, ...)`` of finite numbers, ``y`` a 1-D array of ``N`` non-negative
    integer labels, ``N >= 1``.
    """
    keys = [f"{xy}_{split}" for split in required for xy in "Xy"]
    missing = [k for k in keys if k not in data]
    if missing:
        raise ValueError(f"data is missing {', '.join(missing)}; the Solver needs a dict with "
                         f"{', '.join(keys)} (and optionally X_test, y_test)")
    for split in (*required, *optional):
        X, y = data.get(f"X_{split}"), data.get(f"y_{split}")
        if X is None and y is None and split in optional:
            continue
        if X is None or y is None:
            raise ValueError(f"data has only one of X_{split} and y_{split}; give both or neither")
        if not hasattr(X, "shape") or not hasattr(y, "shape"):
            raise TypeError(f"X_{split} and y_{split} must be NumPy arrays")
        if y.ndim != 1 or X.shape[0] != y.shape[0]:
            raise ValueError(f"X_{split} has {X.shape[0]} examples (shape {X.shape}) but y_{split} has shape "
                             f"{y.shape}; expected a 1-D label array with one label per example")
        if y.dtype.kind not in "iu":
            raise ValueError(f"y_{split} must hold integer class labels, got dtype {y.dtype}; "
                             f"convert with y_{split}.astype(np.int64)")
        if X.shape[0] == 0:
            raise ValueError(f"X_{split} is empty; the solver needs at least one example")
        if y.min() < 0:
            raise ValueError(f"y_{split} holds negative labels (min {y.min()}); class labels must be 0..C-1")
        # One pass, no temporary array; the exact test runs only if the sum is not finite.
        if X.dtype.kind in "fc" and not np.isfinite(X.sum()):
            bad = ~np.isfinite(X.reshape(X.shape[0], -1)).all(axis=1)
            if bad.any():
                raise ValueError(f"X_{split} contains NaN or inf values ({int(bad.sum())} examples, the first at "
                                 f"index {int(np.argmax(bad))}); remove or repair them before training")


def check_labels(data, num_classes: int) -> None:
    """Refuse labels of any split of ``data`` (checked by :func:`check_splits`) outside ``0..num_classes-1``."""
    for split in SPLITS:
        y = data.get(f"y_{split}")
        if y is not None and y.max() >= num_classes:
            raise ValueError(f"y_{split} holds labels up to {y.max()} but the model scores {num_classes} classes "
                             f"(labels 0..{num_classes - 1}); build the model with num_classes={y.max() + 1} "
                             "or fix the labels")
