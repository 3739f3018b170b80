"""The course's ``lib/mlp/fully_conn.py``: the fully connected models of :mod:`layerwise.nn` (and, like the course's, the layers)."""

from layerwise.nn.models import (
    DropoutNet,
    FullyConnectedNetwork,
    Module,
    SmallFullyConnectedNetwork,
    TestFCGeLU,
    TinyNet,
)

from . import layer_utils
from .layer_utils import *  # noqa: F403 - the course's module star-imports its layers

__all__ = layer_utils.__all__ + [
    "Module", "TestFCGeLU", "SmallFullyConnectedNetwork", "DropoutNet", "TinyNet", "FullyConnectedNetwork",
]
