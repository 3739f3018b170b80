"""Data sets, preprocessing and augmentation.

- CIFAR-10 / CIFAR-100 loaders (``load_CIFAR10``, ``get_CIFAR10_data``,
  ``load_CIFAR100``, ``CIFAR100_data``) that read the canonical releases, extracted
  or straight from their archives, through a restricted unpickler;
- ``download_cifar10`` / ``download_cifar100`` (checksummed, atomic, retried);
- the embedded, offline digits data set (``load_digits_data``) and synthetic data;
- ``load_splits(name)``: any of them by name, as a :class:`DataSplits` of
  ``(N, C, H, W)`` images, the form the Solver and the command line use;
- preprocessing (mean image, per-channel standardization, PCA/ZCA whitening,
  seeded splits) and on-the-fly augmentation (``random_crop``, ``random_flip``, ``alternating_flip``,
  ``standard_augment``).

Data are found under the ``root`` argument, else ``$LAYERWISE_DATA``, else
``~/.cache/layerwise``.
"""

from .augment import (
    AlternatingFlip,
    Compose,
    RandomCrop,
    RandomFlip,
    alternating_flip,
    compose,
    random_crop,
    random_flip,
    standard_augment,
)
from .cifar import (
    CIFAR10_CLASSES,
    CIFAR100_data,
    CIFAR100_label_names,
    cifar100_available,
    clear_cache,
    get_CIFAR10_data,
    load_CIFAR10,
    load_CIFAR100,
)
from .digits import DIGITS_CLASSES, load_digits_data
from .load import DATASETS, load_splits
from .download import ChecksumError, download_cifar10, download_cifar100, download_file
from .paths import DATA_ENV_VAR, DataFileError, default_data_root, resolve_data_root
from .preprocessing import (
    PCAWhitening,
    channel_mean_std,
    flatten,
    mean_image,
    split_indices,
    standardize,
    train_val_split,
)
from .splits import DataSplits, as_splits, check_splits
from .safe_pickle import RestrictedUnpickler, UnsafePickleError, restricted_load, restricted_loads
from .synthetic import (
    make_blobs,
    make_classification_data,
    make_images,
    write_fake_cifar10,
    write_fake_cifar100,
)

__all__ = [
    "DataSplits",
    "as_splits",
    "check_splits",
    "DATASETS",
    "load_splits",
    # CIFAR
    "CIFAR10_CLASSES",
    "load_CIFAR10",
    "get_CIFAR10_data",
    "load_CIFAR100",
    "CIFAR100_label_names",
    "cifar100_available",
    "CIFAR100_data",
    "clear_cache",
    "download_cifar10",
    "download_cifar100",
    "download_file",
    "ChecksumError",
    # locations and safety
    "DATA_ENV_VAR",
    "DataFileError",
    "default_data_root",
    "resolve_data_root",
    "RestrictedUnpickler",
    "UnsafePickleError",
    "restricted_load",
    "restricted_loads",
    # other data sets
    "DIGITS_CLASSES",
    "load_digits_data",
    "make_blobs",
    "make_images",
    "make_classification_data",
    "write_fake_cifar10",
    "write_fake_cifar100",
    # preprocessing
    "mean_image",
    "channel_mean_std",
    "standardize",
    "flatten",
    "PCAWhitening",
    "split_indices",
    "train_val_split",
    # augmentation
    "random_crop",
    "random_flip",
    "alternating_flip",
    "RandomCrop",
    "RandomFlip",
    "AlternatingFlip",
    "Compose",
    "compose",
    "standard_augment",
]
