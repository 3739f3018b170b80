"""cs231n ``classifiers.cnn``: ``ThreeLayerConvNet``, plus the layers its star imports bring."""

from layerwise.classifiers.cnn import ThreeLayerConvNet

# The course's cnn.py star-imports layers, fast_layers and layer_utils (the
# last of which already holds the first two).
from ..layer_utils import *  # noqa: F401,F403
from ..layer_utils import __all__ as _layer_utils_all

__all__ = _layer_utils_all + ["ThreeLayerConvNet"]
