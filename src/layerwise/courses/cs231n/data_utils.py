"""cs231n ``data_utils``: the CIFAR-10 loaders, from :mod:`layerwise.data`."""

from layerwise.data import get_CIFAR10_data, load_CIFAR10

__all__ = ["load_CIFAR10", "get_CIFAR10_data"]
