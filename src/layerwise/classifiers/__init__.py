"""Models: each holds ``params`` and implements ``loss(X, y=None)``.

``neural_net.TwoLayerNet`` is the classic standalone network of the oldest
course version (``from layerwise.classifiers.neural_net import TwoLayerNet``).
"""

from .cnn import ConvNet, ThreeLayerConvNet
from .fc_net import FullyConnectedNet, TwoLayerNet
from .k_nearest_neighbor import KNearestNeighbor
from .linear import LinearClassifier, LinearSVM, Softmax
from .speedrun import SpeedrunNet

__all__ = ["ConvNet", "FullyConnectedNet", "KNearestNeighbor", "LinearClassifier", "LinearSVM", "Softmax",
           "SpeedrunNet", "ThreeLayerConvNet", "TwoLayerNet"]
