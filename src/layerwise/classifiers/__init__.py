"""Models: each holds ``params`` and implements ``loss(X, y=None)``."""

from .fc_net import FullyConnectedNet, TwoLayerNet

__all__ = ["FullyConnectedNet", "TwoLayerNet"]
