"""The course's ``lib/cnn/cnn_models.py``: ``TestCNN`` and ``SmallConvolutionalNetwork`` (and, like the course's, every layer and MLP model)."""

from layerwise.nn.models import SmallConvolutionalNetwork, TestCNN

from ..mlp import fully_conn
from ..mlp.fully_conn import *  # noqa: F403 - the course's module star-imports the MLP models and layers
from . import layer_utils
from .layer_utils import *  # noqa: F403 - and the convolution layers

__all__ = fully_conn.__all__ + [name for name in layer_utils.__all__ if name not in fully_conn.__all__] + [
    "TestCNN", "SmallConvolutionalNetwork",
]
