"""The course's ``lib/mlp/layer_utils.py``: layer objects, ``sequential`` and the losses of :mod:`layerwise.nn`."""

import numpy as np

from layerwise.nn.modules import cross_entropy, dropout, fc, flatten, gelu, leaky_relu, relu, sequential, softmax
from layerwise.nn.train import reset_seed

__all__ = [
    "np", "sequential", "flatten", "fc", "relu", "leaky_relu", "gelu", "dropout",
    "cross_entropy", "softmax", "reset_seed",
]
