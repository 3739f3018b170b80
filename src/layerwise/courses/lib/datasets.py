"""The course's ``lib/datasets.py``: CIFAR-100 with its 20 superclasses (the MATLAB release in ``data_dir``, or the python one) from :mod:`layerwise.data`."""

import numpy as np

from layerwise.data import CIFAR100_data, load_CIFAR100

__all__ = ["np", "CIFAR100", "CIFAR100_data"]


def CIFAR100(data_dir):
    """The raw release as the course's loader returns it: ``load_CIFAR100`` with the course's options.

    Returns ``data_train (50000, 32, 32, 3)`` uint8, ``labels_train (50000,)`` superclass
    labels, ``data_test (10000, 32, 32, 3)`` uint8, ``labels_test (10000,)`` and the 20
    superclass names.
    """
    return load_CIFAR100(data_dir, label_mode="coarse", dtype=np.uint8, return_names=True)
